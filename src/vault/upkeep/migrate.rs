//! Moving a folder vault into PostgreSQL (`coffre migrate --to postgres://…`),
//! with its audit log, checkpoints and erasure keys byte for byte, so that
//! every root and every checkpoint exported before still verifies afterwards
//! (`coffre audit verify --since`).

use std::io::{BufReader, Read};
use std::path::Path;

use crate::audit::{Draft, VerifySummary};
use crate::error::{Error, Result};
use crate::store::postgres::{display, is_url, PgVault};
use crate::vault::{Vault, ADOPTION_ACTOR, POLICY_FILE};

/// The file a moved folder keeps, naming the database it went to (without
/// password): the folder then refuses to open.
pub const MOVED_FILE: &str = "moved";

/// Action of the audit entry that records a move (written in the folder
/// before the copy, so both hold it).
pub const MIGRATE_ACTION: &str = "vault.migrate";

/// What a move did: the log verified in the folder before, and in the
/// database after (the same entries, plus the move's own).
#[derive(Debug)]
pub struct MigrateSummary {
    /// The folder's log, verified before the move.
    pub before: VerifySummary,
    /// The database's log, verified after the move.
    pub after: VerifySummary,
    /// Records copied.
    pub records: u64,
    /// The vault's id.
    pub vault_id: String,
}

/// Moves the folder vault at `from` into the empty PostgreSQL database at
/// `to`, in one transaction (an interruption leaves the database empty and
/// the folder as it was). The folder is verified first and left in place,
/// with an entry saying where the vault went, and a file [`MOVED_FILE`] that
/// makes it refuse to open (two live copies would fork the log).
///
/// Errors: [`Error::Usage`] if `to` is not a `postgres://` address, `from`
/// is not a folder vault or the database already holds a vault;
/// [`Error::Integrity`] if the folder's log does not verify (nothing moved).
pub fn migrate(from: &Path, to: &str) -> Result<MigrateSummary> {
    if !is_url(to) {
        return Err(Error::Usage(msg!(
            "database-url-invalid",
            why = "not a postgres:// URL".to_string()
        )));
    }
    if from.to_str().is_some_and(is_url) {
        return Err(Error::Usage(msg!("migrate-from-folder")));
    }
    let pg = PgVault::connect(to)?;
    if pg.holds_vault()? {
        return Err(Error::Usage(msg!(
            "already-holds-vault",
            dir = pg.label().to_string()
        )));
    }
    let vault = Vault::open(from)?;
    let before = vault.verify_audit(None)?;
    vault.audit(
        Draft::new(ADOPTION_ACTOR, "", MIGRATE_ACTION).detail(&format!("moved to {}", display(to))),
    )?;
    vault.settle()?;
    let policy = std::fs::read_to_string(from.join(POLICY_FILE))
        .map_err(|e| Error::io(msg!("cannot-read-vault-s-policy"), e))?;
    let checkpoints = {
        let mut bytes = Vec::new();
        crate::store::medium::reader(vault.checkpoints.medium().as_ref())
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(msg!("cannot-read-checkpoints"), e))?;
        bytes
    };
    let erasure_keys = vault.folder_erasure_keys()?;
    let end = vault.log()?.state().offset;
    let mut audit = BufReader::with_capacity(
        1 << 20,
        crate::store::medium::reader(vault.audit_medium.as_ref()).take(end),
    );
    let mut records = 0u64;
    pg.import(
        &policy,
        &mut |put| {
            vault.store.for_each(&mut |k, v| {
                records += 1;
                put(k, v)
            })
        },
        &mut audit,
        &checkpoints,
        &erasure_keys,
    )?;
    drop(audit);
    drop(vault);
    crate::private_files::options()
        .write(true)
        .create_new(true)
        .open(from.join(MOVED_FILE))
        .and_then(|mut f| {
            std::io::Write::write_all(&mut f, format!("{}\n", display(to)).as_bytes())?;
            f.sync_all()
        })
        .map_err(|e| Error::io(msg!("cannot-write-log-file"), e))?;
    crate::vault::init::sync_dir(from)?;
    let moved = Vault::open(Path::new(to))?;
    let after = moved.verify_audit(None)?;
    Ok(MigrateSummary {
        before,
        after,
        records,
        vault_id: moved.id().to_string(),
    })
}
