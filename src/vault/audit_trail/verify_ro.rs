//! Read-only verification of a vault's audit log (`coffre audit verify`): works on
//! an archived copy, a write-protected medium or a snapshot, and changes nothing in
//! the vault it checks.
//!
//! The normal open ([`Vault::open`](crate::vault::Vault::open)) takes the write lock,
//! replays the journal, takes in (and flags) lines found beyond the recorded end of
//! the log and settles: all writes. This path instead
//! - takes a *shared* lock on `lock` when the file can be opened for reading (a
//!   coffre process writing the vault holds it exclusively: "busy"), else none;
//! - reads the vault's settings, staff keys and recorded log state from a
//!   temporary private copy of `store/`: sled 0.34 has no read-only mode (its
//!   open creates files, takes a lock and writes a snapshot), so it opens the
//!   copy, which is removed afterwards;
//! - reads the journal without opening it for writing: records not applied yet are
//!   applied to the copy only (so signers added in them are known) and reported
//!   as [`Warning::UnappliedChanges`];
//! - reads `audit.log`, `checkpoints.log` and `policy.toml` (whose fingerprint
//!   must match, as at every open) for reading only.

use std::path::{Path, PathBuf};

use crate::audit::merkle::Hash;
use crate::audit::{self, Checkpoint, CheckpointFile, LogState, VerifySummary};
use crate::error::{Error, Result};
use crate::store::journal::{Journal, LogFile};
use crate::store::sled_store::SledStore;
use crate::store::{Batch, Store};
use crate::vault::{
    policy_digest, AUDIT_FILE, CHECKPOINT_FILE, JOURNAL_FILE, LOCK_FILE, POLICY_FILE, STORE_DIR,
};
use crate::warning::Warning;

/// What a read-only verification found.
#[derive(Clone, Debug)]
pub struct ReadOnlyVerify {
    /// The audit log's verification (as [`Vault::verify_audit`](crate::vault::Vault::verify_audit)).
    pub summary: VerifySummary,
    /// What is not a failure but should be known: changes in the journal not yet
    /// applied, a damaged snapshot of the store (left in place).
    pub warnings: Vec<Warning>,
}

/// A private temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir> {
        let name = format!(
            "coffre-verify-{}-{}",
            std::process::id(),
            hex::encode(crate::crypto::key::random_bytes::<8>()?)
        );
        let path = std::env::temp_dir().join(name);
        // Not recursive: the folder must be new (never one planted by someone else).
        std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
            .create(&path)
            .map_err(|e| Error::io(msg!("cannot-create-temporary-folder-check-store"), e))?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Copies the regular files of `from` (and of its sub-folders, one level: sled's
/// `blobs/`) into `to`, owner-only.
fn copy_store(from: &Path, to: &Path, depth: usize) -> Result<()> {
    let err = |e| Error::io(msg!("cannot-copy-store-check"), e);
    crate::private_files::create_dir(to)?;
    for entry in std::fs::read_dir(from).map_err(err)? {
        let entry = entry.map_err(err)?;
        let ft = entry.file_type().map_err(err)?;
        let target = to.join(entry.file_name());
        if ft.is_file() {
            let mut src = std::fs::File::open(entry.path()).map_err(err)?;
            let mut dst = crate::private_files::options()
                .write(true)
                .create_new(true)
                .open(&target)
                .map_err(err)?;
            std::io::copy(&mut src, &mut dst).map_err(err)?;
        } else if ft.is_dir() && depth == 0 {
            copy_store(&entry.path(), &target, depth + 1)?;
        }
    }
    Ok(())
}

/// Takes a shared lock on the vault's lock file if it can be opened for reading;
/// `Busy` if a coffre process has the vault open for writing.
fn shared_lock(dir: &Path) -> Result<Option<std::fs::File>> {
    let Ok(file) = std::fs::File::open(dir.join(LOCK_FILE)) else {
        return Ok(None);
    };
    match crate::vault::retry_briefly(|| file.try_lock_shared()) {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(crate::vault::busy(dir)),
        // A file system without locks (some network or read-only mounts): go on.
        Err(std::fs::TryLockError::Error(_)) => Ok(None),
    }
}

/// Verifies the audit log of the vault in `dir` without writing anything to it:
/// every entry and link, every signed checkpoint, the state recorded in the store
/// and, given `since` (an earlier checkpoint kept off the machine), that today's
/// log extends it. Needs no passphrase.
///
/// Errors: [`Error::NotFound`] if `dir` holds no vault; [`Error::Busy`] if a coffre
/// process has it open for writing; [`Error::Integrity`] (exit 5) if the log, the
/// checkpoints or the recorded state do not hold; [`Error::Io`] if a file cannot be
/// read or the temporary copy of the store cannot be made.
pub fn verify_read_only(
    dir: &Path,
    since: Option<&Checkpoint>,
    genesis: Option<&Hash>,
) -> Result<ReadOnlyVerify> {
    if dir.to_str().is_some_and(crate::store::postgres::is_url) {
        // A vault in PostgreSQL has no lock to wait for: its open reads rows
        // under the vault's turn and changes nothing.
        let vault = crate::vault::Vault::open(dir)?;
        check_genesis(vault.audit_medium.as_ref(), genesis)?;
        let summary = vault.verify_audit(since)?;
        return Ok(ReadOnlyVerify {
            summary,
            warnings: Vec::new(),
        });
    }
    let store_dir = dir.join(STORE_DIR);
    if !store_dir.is_dir() {
        return Err(Error::NotFound(msg!(
            "vault-create-one-coffre-init-give",
            dir = crate::store::postgres::redact(&dir.display().to_string())
        )));
    }
    let _lock = shared_lock(dir)?;
    let tmp = TempDir::new()?;
    let copy = tmp.0.join("store");
    copy_store(&store_dir, &copy, 0)?;
    let mut store = SledStore::open(&copy)?;
    let mut warnings: Vec<Warning> = store
        .take_warnings()
        .into_iter()
        .map(|w| match w {
            Warning::DamagedSnapshot { file, .. } => Warning::DamagedSnapshot {
                file: file.file_name().map_or(file.clone(), |n| store_dir.join(n)),
                moved_to: None,
            },
            other => other,
        })
        .collect();
    let pending = Journal::read_pending(&dir.join(JOURNAL_FILE))?;
    // Where the journal's audit lines end: lines found beyond the recorded end
    // up to there are the journal's, the others were written outside coffre.
    let journal_end = pending
        .iter()
        .flat_map(|r| r.writes.iter())
        .filter(|w| w.file == LogFile::Audit)
        .map(|w| w.offset + w.bytes.len() as u64)
        .max()
        .unwrap_or(0);
    // Where members saw the log end, as of the files (the journal's records
    // would name lines that only the journal holds yet).
    let last_seen = store.scan_prefix(b"cs/")?;
    if !pending.is_empty() {
        warnings.push(Warning::UnappliedChanges {
            count: pending.len(),
        });
        for record in pending {
            store.apply(Batch {
                ops: record.ops,
                erase: Vec::new(),
            })?;
        }
    }
    let meta = crate::vault::read_meta(&store)?;
    let recorded = crate::vault::read_recorded(&store)?;
    let index = store.scan_prefix(b"ax/")?;
    drop(store);
    // As at every open: the policy in force is the one the vault recorded.
    let text = std::fs::read_to_string(dir.join(POLICY_FILE))
        .map_err(|e| Error::io(msg!("cannot-read-vault-s-policy"), e))?;
    if policy_digest(&text) != meta.policy_sha256 {
        return Err(Error::Integrity(msg!(
            "vault-s-policy-toml-changed-outside"
        )));
    }
    let checkpoints = CheckpointFile::new(&dir.join(CHECKPOINT_FILE)).read_all()?;
    let audit_path = dir.join(AUDIT_FILE);
    if !audit_path.is_file() {
        return Err(Error::Integrity(msg!(
            "audit-log-missing",
            audit_path = audit_path.display()
        )));
    }
    check_genesis(&crate::store::medium::FileMedium::new(&audit_path), genesis)?;
    // Signers are pinned by the log: keys introduced by signed facts from the
    // genesis on, never those the store lists.
    let policy = crate::policy::parse_stored(&text, &POLICY_FILE.to_string())?;
    let register = crate::rights::replay::from_genesis(
        &policy,
        &meta.vault_id,
        &crate::store::medium::FileMedium::new(&audit_path),
    )?;
    if register.register.vault != meta.vault_id
        || register.register.policy_sha256 != meta.policy_sha256
        || register.register.recovery_recipient != meta.recovery_recipient
    {
        return Err(crate::vault::access::trust::forged(
            "meta",
            "the vault's settings",
        ));
    }
    // Each member's signed record of where the log ended at their last command.
    crate::vault::access::trust::check_all_last_seen(
        last_seen,
        &register.register,
        &crate::store::medium::FileMedium::new(&audit_path),
        &checkpoints,
    )?;
    let summary = audit::verify(
        &audit_path,
        &audit::VerifyInput {
            vault_id: &meta.vault_id,
            checkpoints: &checkpoints,
            signers: &register.register.signer_keys(),
            key_windows: Some(&register.register.key_windows()),
            recorded: Some(&recorded),
            since,
        },
    )
    .map_err(|e| match (e, since) {
        // A divergence from a kept checkpoint that a restore explains is named.
        (Error::Integrity(m), Some(s)) => crate::vault::audit_trail::restores::restore_explanation(
            crate::vault::audit_trail::restores::restore_entries(&audit_path),
            s,
            &m,
        )
        .unwrap_or(Error::Integrity(m)),
        (e, _) => e,
    })?;
    // The audit index (stored up to the recorded end; the lines after it are
    // indexed when the vault next settles) against the lines.
    let key = super::index_check::fresh_key()?;
    let mut want = crate::audit::tally::Tally::new(&key);
    super::index_check::add_log(
        &mut want,
        &crate::store::medium::FileMedium::new(&audit_path),
        recorded.offset,
    )?;
    let mut found = want.empty_like();
    for (k, v) in &index {
        super::index_check::add_record(&mut found, k, v)?;
    }
    want.compare(&found)?;
    if summary.entries > recorded.size {
        warnings.extend(unrecorded(&audit_path, &recorded, journal_end)?);
    }
    Ok(ReadOnlyVerify { summary, warnings })
}

/// Given the vault's genesis hash (kept off the machine), refuses a log whose
/// first line hashes otherwise: a log rebuilt from scratch, keys and all.
fn check_genesis(log: &dyn crate::store::medium::LogMedium, genesis: Option<&Hash>) -> Result<()> {
    let Some(g) = genesis else {
        return Ok(());
    };
    if audit::log_origin(log)? != Some(crate::audit::checkpoint::origin_for(g)) {
        return Err(Error::Integrity(msg!(
            "log-not-this-vaults-genesis",
            genesis = hex::encode(g)
        )));
    }
    Ok(())
}

/// The entries of the log after the recorded end, in at most two runs: those
/// the journal holds (before `journal_end`), then those only the file holds.
fn unrecorded(path: &Path, recorded: &LogState, journal_end: u64) -> Result<Vec<Warning>> {
    use std::io::{BufRead, Seek};
    let err = |e| Error::io(msg!("cannot-read-audit-log"), e);
    let mut file = std::fs::File::open(path).map_err(err)?;
    file.seek(std::io::SeekFrom::Start(recorded.offset))
        .map_err(err)?;
    let mut reader = std::io::BufReader::new(file);
    let (mut offset, mut seq) = (recorded.offset, recorded.size);
    let mut runs: Vec<(u64, u64, bool)> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(err)?;
        if n == 0 || line.last() != Some(&b'\n') {
            break;
        }
        seq += 1;
        let in_journal = offset < journal_end;
        match runs.last_mut() {
            Some((_, last, j)) if *j == in_journal => *last = seq,
            _ => runs.push((seq, seq, in_journal)),
        }
        offset += n as u64;
    }
    Ok(runs
        .into_iter()
        .map(|(first, last, in_journal)| Warning::UnrecordedEntries {
            first,
            last,
            in_journal,
        })
        .collect())
}
