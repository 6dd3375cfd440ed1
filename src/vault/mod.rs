//! The vault: a directory holding the policy, the record store and the audit log.
//!
//! ```text
//! VAULT/
//!   policy.toml   the deontology policy in force (its SHA-256 is checked at open)
//!   store/        the sled record store (ciphertext and minimal metadata)
//!   audit.log     the audit log (Merkle leaves, one JSON entry per line)
//!   checkpoints.log  signed checkpoints of the audit log
//!   journal       changes made durable, not yet settled into the files above
//!   lock          held while a process has the vault open
//! ```
//!
//! [`Vault`] opens a directory; [`Vault::unlock`] turns a staff member's passphrase
//! into a [`Session`], through which every read and write goes.

// The vault's core: this handle, durable writes, creation, the clock check, views.
pub mod clock;
mod durable;
mod init;
mod outcome;
pub mod views;

// One folder per concern, each using only the core and the folders before it in
// this order: access (the session, keys, the register's checks) → records → staff
// → audit_trail → person → upkeep.
pub mod access;
pub mod audit_trail;
pub mod person;
pub mod records;
pub mod staff;
pub mod upkeep;

// Public paths kept for library users and independent tools.
pub use access::keys;
pub use audit_trail::audit_read;
pub use person::release;
pub use records::import;
pub use upkeep::{backup, check};

use access::trust;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use ring::digest::{digest, SHA256};
use secrecy::SecretString;

use crate::audit::{
    self, AuditLog, Checkpoint, CheckpointFile, Draft, Located, LogState, Outcome, SigningKey,
    VerifySummary,
};
use crate::crypto::kdf::KdfParams;
use crate::crypto::{envelope, Aad};
use crate::error::{Error, Result};
use crate::policy::Policy;
use crate::store::journal::{Journal, DEFAULT_CAPACITY};
use crate::store::records::{decode, StaffRecord, StaffStatus, VaultMeta, FORMAT};
use crate::store::sled_store::SledStore;
use crate::store::{layout, Batch, Store};

pub use access::session::{MyPendingKey, Session, Waiting};
pub use audit_trail::prune::{compact_store, PruneOptions, PrunePlan};
pub use audit_trail::verify_ro::{verify_read_only, ReadOnlyVerify};
pub use init::InitOptions;
pub use person::export::{ExportSummary, EXPORT_FORMAT};
pub use person::session::{Objection, PersonSession};
pub use records::document::{
    mime_of, DocumentInput, DocumentView, OpenedDocument, CHUNK as DOCUMENT_CHUNK, DOCUMENT_KIND,
};
pub use records::dossier::check_date;
pub use records::entry::FieldInput;
pub use records::import::NewEntry;
pub use records::retention::RetentionItem;
pub use staff::lifecycle::PendingRotation;
pub use staff::members::{Approval, NewStaff};

pub(crate) const POLICY_FILE: &str = "policy.toml";
const STORE_DIR: &str = "store";
const AUDIT_FILE: &str = "audit.log";
const CHECKPOINT_FILE: &str = "checkpoints.log";
const JOURNAL_FILE: &str = "journal";
/// Actor and action of the entry that flags entries taken in at open.
pub const ADOPTION_ACTOR: &str = "coffre";
/// See [`ADOPTION_ACTOR`].
pub const ADOPTION_ACTION: &str = "audit.adopted";
const LOCK_FILE: &str = "lock";

/// An open vault (no one unlocked yet).
pub struct Vault {
    dir: PathBuf,
    store: Box<dyn Store>,
    policy: Policy,
    meta: VaultMeta,
    audit: Mutex<AuditLog>,
    /// Where the audit log's bytes live (the same as the log's).
    audit_medium: crate::store::medium::Medium,
    checkpoints: CheckpointFile,
    /// A folder (journal, free space, lock file) or a PostgreSQL database.
    backend: Backend,
    /// Audit index entries of the changes not settled yet: derived from the
    /// audit lines, so kept out of the journal records and stored when the
    /// vault settles (or rebuilt from the lines when the journal is replayed).
    pending_index: Mutex<PendingIndex>,
    /// What this process read of the log's dossier and actor chains
    /// (`dprev`, `aprev`), to spare the writer long reads
    /// ([`audit_trail::chain::DossierTrail`]).
    dossier_trail: Mutex<audit_trail::chain::DossierTrail>,
    /// Bytes of the log read for the dossier and actor chains (writer,
    /// opening, readers' checks), so tests can count the cost instead of timing it.
    chain_bytes_read: std::sync::atomic::AtomicU64,
    /// Set when a journaled change could not be applied or a settling failed:
    /// only a reopen (which replays the journal) is safe, so no change is taken
    /// and the journal is never emptied until then.
    broken: std::sync::atomic::AtomicBool,
    /// Set once the vault is fully open; only then does closing it settle.
    ready: std::sync::atomic::AtomicBool,
    /// Serialises check-then-create of keys (data keys, rotations) between
    /// sessions of this process; other processes are kept out by the lock file.
    pub(crate) keys_lock: Mutex<()>,
    /// Serialises operations that seal values (a renewal re-encrypts values, so
    /// no value may be sealed under the old data key meanwhile).
    pub(crate) write_lock: Mutex<()>,
    /// Makes a second-factor check one step: the codes already used are read,
    /// the code checked and its line appended with no other check of this
    /// process in between (a code sent twice at once is accepted once). Other
    /// processes are kept out by the lock file (folder) or wait for the
    /// vault's turn, held for the whole check (PostgreSQL).
    pub(crate) second_factor_lock: Mutex<()>,
    /// The rights register, verified at the first unlock and kept up to date
    /// with every line this process writes (see [`crate::rights`]).
    pub(crate) rights: Mutex<Option<crate::rights::Verified>>,
    /// Whose anchor the register was verified from (`""`: from the genesis).
    pub(crate) rights_origin: Mutex<Option<String>>,
    /// Lines and facts the loaded anchor covered (an anchor is sealed again
    /// only when the register moved on enough).
    pub(crate) anchored_at: Mutex<(u64, u64)>,
    /// What the open noticed and repaired (see [`Vault::warnings`]).
    warnings: Vec<crate::Warning>,
    /// Time of the latest audit entry when the vault was opened (seconds since
    /// the epoch), to judge the clock by ([`clock`]).
    clock_reference: Option<u64>,
}

/// What differs between the ways a [`Vault`] comes to be (a folder opened, a
/// database opened, either created); everything else starts the same.
pub(crate) struct Parts {
    pub dir: PathBuf,
    pub store: Box<dyn Store>,
    pub policy: Policy,
    pub meta: VaultMeta,
    pub checkpoints: CheckpointFile,
    pub log: AuditLog,
    pub audit_medium: crate::store::medium::Medium,
    pub backend: Backend,
    /// Whether closing it settles at once (not before a folder's open is done).
    pub ready: bool,
    /// The register, when known from the start (a vault just created).
    pub rights: Option<crate::rights::Verified>,
    pub warnings: Vec<crate::Warning>,
    pub clock_reference: Option<u64>,
}

impl Vault {
    pub(crate) fn from_parts(p: Parts) -> Vault {
        let origin = p.rights.as_ref().map(|_| String::new());
        Vault {
            dir: p.dir,
            store: p.store,
            policy: p.policy,
            meta: p.meta,
            checkpoints: p.checkpoints,
            audit: Mutex::new(p.log),
            audit_medium: p.audit_medium,
            backend: p.backend,
            pending_index: Mutex::new(std::collections::BTreeMap::new()),
            dossier_trail: Mutex::new(Default::default()),
            chain_bytes_read: std::sync::atomic::AtomicU64::new(0),
            broken: std::sync::atomic::AtomicBool::new(false),
            ready: std::sync::atomic::AtomicBool::new(p.ready),
            keys_lock: Mutex::new(()),
            write_lock: Mutex::new(()),
            second_factor_lock: Mutex::new(()),
            rights: Mutex::new(p.rights),
            rights_origin: Mutex::new(origin),
            anchored_at: Mutex::new((0, 0)),
            warnings: p.warnings,
            clock_reference: p.clock_reference,
        }
    }
}

/// Where a vault lives, and what that adds to it.
pub(crate) enum Backend {
    /// A folder: every change is made durable in the journal first (see
    /// [`durable`]); free space is checked before; the lock file keeps other
    /// processes out while this one has the vault open.
    Folder {
        journal: Mutex<Journal>,
        space: crate::store::space::SpaceCheck,
        _lock: File,
    },
    /// A PostgreSQL database shared by several processes: every change is one
    /// transaction (see [`crate::store::postgres`]).
    Postgres(std::sync::Arc<crate::store::postgres::PgVault>),
}

impl Drop for Vault {
    fn drop(&mut self) {
        // Best effort: whatever is not settled is replayed from the journal at
        // the next open. A vault whose open did not finish is left to that replay.
        if self.ready.load(std::sync::atomic::Ordering::SeqCst) {
            let _ = self.settle();
            // A store rewrite a prune made due (the next opening retries it).
            let _ = self.compact_if_due();
        }
    }
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.dir)
            .field("vault_id", &self.meta.vault_id)
            .finish_non_exhaustive()
    }
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub(crate) fn rfc3339(secs: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + std::time::Duration::from_secs(secs)).to_string()
}

/// Tries `lock` again for a quarter of a second while it would block: a lock
/// is also held, for an instant, by a process being started by the holder's
/// process (between its fork and its exec, the child shares the open file),
/// which is no other coffre at work. A vault really in use is still busy
/// after it.
pub(crate) fn retry_briefly(
    mut lock: impl FnMut() -> std::result::Result<(), std::fs::TryLockError>,
) -> std::result::Result<(), std::fs::TryLockError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(250);
    loop {
        match lock() {
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

fn take_lock(dir: &Path) -> Result<File> {
    let file = crate::private_files::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE))
        .map_err(|e| Error::io(msg!("cannot-open-vault-lock"), e))?;
    match retry_briefly(|| file.try_lock()) {
        Ok(()) => {
            // Say who holds it, for the next process that finds it busy.
            let mut f = &file;
            let _ = f.set_len(0).and_then(|_| {
                std::io::Write::write_all(&mut f, std::process::id().to_string().as_bytes())
            });
            Ok(file)
        }
        Err(std::fs::TryLockError::WouldBlock) => Err(busy(dir)),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(msg!("cannot-lock-vault"), e)),
    }
}

/// What is said to a process that finds the folder vault in `dir` held by
/// another: by `coffre serve`, where to do the work instead (the address the
/// server wrote with [`Vault::announce_server`]); otherwise which process holds
/// it. The lock file decides nothing: only its first line (a process id) and
/// second line (an `http://` or `https://` address of printable ASCII, at most
/// 200 bytes) are shown, anything else is ignored.
pub(crate) fn busy(dir: &Path) -> Error {
    // Its first 512 bytes only: a lock file replaced by a huge file, or by a
    // link to a device that never ends, is never read whole.
    let mut bytes = Vec::with_capacity(512);
    if let Ok(file) = std::fs::File::open(dir.join(LOCK_FILE)) {
        use std::io::Read;
        let _ = file.take(512).read_to_end(&mut bytes);
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let mut lines = text.lines();
    let pid = lines.next().and_then(|s| s.trim().parse::<u32>().ok());
    let url = lines.next().map(str::trim).filter(|u| {
        (u.starts_with("http://") || u.starts_with("https://"))
            && u.len() <= 200
            && u.bytes().all(|b| b.is_ascii_graphic())
    });
    match (pid, url) {
        (Some(pid), Some(url)) => Error::Busy(msg!(
            "vault-held-by-server",
            dir = dir.display(),
            pid = pid,
            url = url.to_string()
        )),
        (Some(pid), None) => Error::Busy(msg!(
            "vault-held-by-process",
            dir = dir.display(),
            pid = pid
        )),
        _ => Error::Busy(msg!(
            "vault-use-another-coffre-process-wait",
            dir = dir.display()
        )),
    }
}

/// One operation's hold on the vault (see [`Vault::begin`]); released when
/// dropped. Holds nothing for a folder vault.
pub struct Turn<'a>(#[allow(dead_code)] Option<crate::store::postgres::Operation<'a>>);

/// Each staff member's checkpoint keys, current and earlier, for verification.
fn signer_keys(
    staff: impl Iterator<Item = StaffRecord>,
) -> std::collections::HashMap<String, Vec<[u8; 32]>> {
    staff
        .map(|s| {
            let mut keys = s.previous_signing_keys;
            keys.push(s.signing_key);
            (s.id, keys)
        })
        .collect()
}

/// Runs the full audit verification to explain why the log does not match the
/// store; `None` if it finds nothing more precise.
fn diagnose(dir: &Path, store: &SledStore, vault_id: &str, recorded: &LogState) -> Option<Error> {
    let checkpoints = CheckpointFile::new(&dir.join(CHECKPOINT_FILE))
        .read_all()
        .ok()?;
    let signers = signer_keys(
        store
            .scan_prefix(&layout::staff_prefix())
            .ok()?
            .iter()
            .filter_map(|(_, v)| decode::<StaffRecord>(v, "staff").ok()),
    );
    let input = audit::VerifyInput {
        vault_id,
        checkpoints: &checkpoints,
        signers: &signers,
        key_windows: None,
        recorded: Some(recorded),
        since: None,
    };
    audit::verify(&dir.join(AUDIT_FILE), &input).err()
}

/// Adds the index entries of one audit entry (by dossier and by actor).
fn index_entry(index: &mut PendingIndex, l: &Located) {
    let off = l.offset.to_be_bytes().to_vec();
    if let Some(d) = &l.entry.dossier {
        if layout::check_id("dossier", d).is_ok() {
            index.insert(layout::audit_index('d', d, l.entry.seq), off.clone());
        }
    }
    if layout::check_id("staff", &l.entry.actor).is_ok() {
        index.insert(layout::audit_index('a', &l.entry.actor, l.entry.seq), off);
    }
}

/// Audit index entries not stored yet: `ax/{kind}/{id}/{seq}` → byte offset.
type PendingIndex = std::collections::BTreeMap<Vec<u8>, Vec<u8>>;

/// The (entry number, byte offset) pairs of one audit index record: a single
/// offset (8 bytes, the number in the key) or a group written when the vault
/// settled (16 bytes per entry: number, then offset).
pub(crate) fn index_pairs(key: &[u8], value: &[u8], out: &mut Vec<(u64, u64)>) -> Result<()> {
    let damaged = || Error::Integrity(msg!("audit-index-damaged"));
    let word =
        |b: &[u8]| -> Result<u64> { Ok(u64::from_be_bytes(b.try_into().map_err(|_| damaged())?)) };
    if value.len() == 8 {
        let seq = std::str::from_utf8(key)
            .ok()
            .and_then(|k| k.rsplit('/').next())
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .ok_or_else(damaged)?;
        out.push((seq, word(value)?));
        return Ok(());
    }
    if value.is_empty() || !value.len().is_multiple_of(16) {
        return Err(damaged());
    }
    for pair in value.chunks_exact(16) {
        out.push((word(&pair[..8])?, word(&pair[8..])?));
    }
    Ok(())
}

/// Groups single audit index entries (`ax/{kind}/{id}/{seq}` → offset) into one
/// record per dossier or actor, keyed by its first entry number: far fewer
/// store keys for the same index.
fn group_index(single: PendingIndex) -> Result<Batch> {
    let mut batch = Batch::new();
    let mut group: Option<(Vec<u8>, Vec<u8>, Vec<u8>)> = None; // (prefix, first key, value)
    for (k, v) in single {
        let cut = k.iter().rposition(|b| *b == b'/').map_or(0, |i| i + 1);
        let mut pair = Vec::with_capacity(16);
        let mut pairs = Vec::new();
        index_pairs(&k, &v, &mut pairs)?;
        for (seq, offset) in pairs {
            pair.extend_from_slice(&seq.to_be_bytes());
            pair.extend_from_slice(&offset.to_be_bytes());
        }
        match &mut group {
            Some((prefix, _, value)) if prefix.as_slice() == &k[..cut] => {
                value.extend_from_slice(&pair)
            }
            _ => {
                if let Some((_, first, value)) = group.take() {
                    batch.put(first, value);
                }
                group = Some((k[..cut].to_vec(), k.clone(), pair));
            }
        }
    }
    if let Some((_, first, value)) = group {
        batch.put(first, value);
    }
    Ok(batch)
}

/// The vault's settings (`meta`) from its store.
pub(crate) fn read_meta(store: &dyn Store) -> Result<VaultMeta> {
    decode(
        &store
            .get(&layout::meta())?
            .ok_or_else(|| Error::Integrity(msg!("vault-s-settings-missing")))?,
        "vault settings",
    )
}

/// Where the store recorded the audit log to end (`as`).
pub(crate) fn read_recorded(store: &dyn Store) -> Result<LogState> {
    decode(
        &store
            .get(&layout::audit_state())?
            .ok_or_else(|| Error::Integrity(msg!("store-record-audit-log")))?,
        "audit state",
    )
}

/// SHA-256 of a policy text, hex.
fn policy_digest(text: &str) -> String {
    hex::encode(digest(&SHA256, text.as_bytes()))
}

impl Vault {
    /// Opens the vault in `dir`.
    pub fn open(dir: &Path) -> Result<Vault> {
        if let Some(url) = dir.to_str().filter(|d| crate::store::postgres::is_url(d)) {
            return Vault::open_database(url);
        }
        if !dir.join(STORE_DIR).is_dir() && !audit_trail::prune::swap_pending(dir) {
            return Err(Error::NotFound(msg!(
                "vault-create-one-coffre-init-give",
                dir = crate::store::postgres::redact(&dir.display().to_string())
            )));
        }
        // A folder moved into a database stays as an archive, refusing to
        // open: two live copies of one vault would fork its log.
        if let Ok(to) = std::fs::read_to_string(dir.join(upkeep::migrate::MOVED_FILE)) {
            return Err(Error::Usage(msg!(
                "vault-moved-to-database",
                database = to.trim().to_string()
            )));
        }
        // Modes as found (before this process creates anything), set back to owner only.
        let mut warnings = crate::private_files::make_private(dir);
        let lock = take_lock(dir)?;
        audit_trail::prune::recover_compaction(dir)?;
        // A prune's store rewrite left undone: done before the store is opened.
        let compact_due = audit_trail::prune::compaction_due(dir);
        if compact_due {
            audit_trail::prune::compact_locked(dir)?;
        }
        let mut store = SledStore::open(&dir.join(STORE_DIR))?;
        warnings.extend(store.take_warnings());
        let (journal, pending) = Journal::open(&dir.join(JOURNAL_FILE), DEFAULT_CAPACITY)?;
        let replayed = !pending.is_empty();
        // The end of the audit lines the journal vouched for: lines found beyond
        // the recorded state up to there are this vault's own writes.
        let replayed_to = durable::replay(dir, &store, pending)?;
        let meta = read_meta(&store)?;
        if meta.format != FORMAT {
            return Err(Error::Io(msg!(
                "vault-format-coffre-reads-format",
                format = meta.format,
                FORMAT = FORMAT
            )));
        }
        let policy_path = dir.join(POLICY_FILE);
        let text = std::fs::read_to_string(&policy_path)
            .map_err(|e| Error::io(msg!("cannot-read-vault-s-policy"), e))?;
        if policy_digest(&text) != meta.policy_sha256 {
            return Err(Error::Integrity(msg!(
                "vault-s-policy-toml-changed-outside"
            )));
        }
        let policy = crate::policy::parse_stored(&text, &policy_path.display().to_string())?;
        let recorded = read_recorded(&store)?;
        let audit_medium = crate::store::medium::FileMedium::shared(&dir.join(AUDIT_FILE));
        let (audit, found) = match AuditLog::open(audit_medium.clone(), recorded.clone()) {
            Ok(x) => x,
            Err(Error::Integrity(msg)) => {
                // Find the first precise problem to report, if the full check sees one.
                return Err(diagnose(dir, &store, &meta.vault_id, &recorded)
                    .unwrap_or(Error::Integrity(msg)));
            }
            Err(e) => return Err(e),
        };
        // A last entry without a readable time gives no reference (`audit
        // verify` reports such damage); the clock is then taken as it is.
        let clock_reference = audit
            .last_time()
            .ok()
            .flatten()
            .and_then(|t| clock::parse_time(&t).ok());
        let vault = Vault::from_parts(Parts {
            dir: dir.to_path_buf(),
            store: Box::new(crate::store::overlay::Overlay::new(store)),
            policy,
            meta,
            checkpoints: CheckpointFile::new(&dir.join(CHECKPOINT_FILE)),
            log: audit,
            audit_medium,
            backend: Backend::Folder {
                journal: Mutex::new(journal),
                space: crate::store::space::SpaceCheck::new(dir),
                _lock: lock,
            },
            ready: false,
            rights: None,
            warnings,
            clock_reference,
        });
        // Facts among the lines found beyond the recorded end are verified
        // (signature, signer's right) before anything takes them in: a forged
        // fact is an alteration, never adopted.
        if found.iter().any(|l| l.entry.fact.is_some()) {
            vault.verify_register()?;
        }
        // So is each dossier's chain among them (`dprev`).
        vault.check_taken_in(&found)?;
        vault.remember_index(&found)?;
        if replayed || !found.is_empty() {
            // Everything replayed, the log's state and its index, into the files.
            vault.settle()?;
        }
        vault.checkpoints.repair_tail()?;
        vault.ready.store(true, std::sync::atomic::Ordering::SeqCst);
        // A prune interrupted after its fact was written is completed first:
        // its fact must still be the log's last line (so before the flag below).
        let resumed = vault.resume_prune()?;
        vault.take_in(&found, replayed_to)?;
        vault.finish_due_compaction(compact_due, resumed)?;
        Ok(vault)
    }

    /// Opens the vault in the PostgreSQL database at `url` (`postgres://…`).
    /// Errors: [`Error::NotFound`] if the database holds no vault, those of
    /// [`crate::store::postgres::PgVault::connect`], and the integrity checks
    /// of a folder vault's open.
    fn open_database(url: &str) -> Result<Vault> {
        use crate::store::postgres::{PgLog, PgStore, PgVault};
        let pg = PgVault::connect(url)?;
        if !pg.holds_vault()? {
            return Err(Error::NotFound(msg!(
                "vault-create-one-coffre-init-give",
                dir = pg.label().to_string()
            )));
        }
        // Other processes wait while this one reads where the log stands.
        let turn = pg.begin_operation()?;
        let store = PgStore::new(pg.clone());
        let meta = read_meta(&store)?;
        if meta.format != FORMAT {
            return Err(Error::Io(msg!(
                "vault-format-coffre-reads-format",
                format = meta.format,
                FORMAT = FORMAT
            )));
        }
        let text = pg.policy()?;
        if policy_digest(&text) != meta.policy_sha256 {
            return Err(Error::Integrity(msg!(
                "vault-s-policy-toml-changed-outside"
            )));
        }
        let policy = crate::policy::parse_stored(&text, "coffre.vault")?;
        let recorded = read_recorded(&store)?;
        let audit_medium: crate::store::medium::Medium =
            std::sync::Arc::new(PgLog::audit(pg.clone()));
        let (audit, found) = AuditLog::open_exact(audit_medium.clone(), recorded)?;
        let clock_reference = audit
            .last_time()
            .ok()
            .flatten()
            .and_then(|t| clock::parse_time(&t).ok());
        drop(turn);
        let vault = Vault::from_parts(Parts {
            dir: PathBuf::from(pg.label()),
            store: Box::new(store),
            policy,
            meta,
            checkpoints: CheckpointFile::on(std::sync::Arc::new(PgLog::checkpoints(pg.clone()))),
            log: audit,
            audit_medium,
            backend: Backend::Postgres(pg),
            ready: true,
            rights: None,
            warnings: Vec::new(),
            clock_reference,
        });
        // Lines past the recorded end: no transaction of Coffre leaves them
        // (it records the end with every line), so they were written with
        // SQL, or the record of the end (`as`) was set back: the message
        // names both.
        if let Some(first) = found.first() {
            return Err(Error::Integrity(msg!(
                "database-lines-beyond-recorded-end",
                seq = first.entry.seq
            )));
        }
        {
            let _op = vault.begin()?;
            vault.resume_prune()?;
        }
        Ok(vault)
    }

    /// Whether this vault lives in a PostgreSQL database.
    pub fn in_database(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// Starts one operation on the vault. In a folder vault, nothing (the lock
    /// file keeps other processes out). In PostgreSQL, takes the vault's turn
    /// across processes ([`crate::store::postgres::PgVault::begin_operation`])
    /// and, for the outermost operation, catches up with what others
    /// committed since: the log's state, then the rights register from the
    /// new lines — checked exactly as at an open (exit 5 if they do not link).
    pub(crate) fn begin(&self) -> Result<Turn<'_>> {
        let Backend::Postgres(pg) = &self.backend else {
            return Ok(Turn(None));
        };
        let op = pg.begin_operation()?;
        if self.broken.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(Error::Integrity(msg!("database-check-failed-restart")));
        }
        if op.first {
            let mut advanced = false;
            let caught_up = (|| {
                let recorded = read_recorded(self.store.as_ref())?;
                let mut log = self.log()?;
                if &recorded != log.state() {
                    log.catch_up(&recorded)?;
                    advanced = true;
                    let end = log.state().offset;
                    let mut guard = self.rights_lock()?;
                    if let Some(v) = guard.as_mut() {
                        v.catch_up(&self.policy, self.audit_medium.as_ref(), end)?;
                    }
                }
                Ok::<_, Error>(())
            })();
            if let Err(e) = caught_up {
                // Damage, or a log that moved on without the register: this
                // process takes nothing more (a server keeps refusing until
                // restarted, when everything is verified again), lest it go
                // on with a register that missed a revocation.
                if advanced || matches!(e, Error::Integrity(_)) {
                    self.broken.store(true, std::sync::atomic::Ordering::SeqCst);
                }
                return Err(e);
            }
        }
        Ok(Turn(Some(op)))
    }

    /// Takes in the lines the log's open found beyond the recorded state: indexes
    /// them (the log's state already counts them; both are stored when the vault
    /// settles, and until then a crash finds the same lines again) and flags
    /// those no signed checkpoint covers. `replayed_to`: where the lines the
    /// journal restored end.
    /// (The lines are indexed before, by the open.)
    fn take_in(&self, found: &[Located], replayed_to: u64) -> Result<()> {
        // Lines found beyond the recorded state were never signed by their actor's
        // checkpoint: those restored from the journal (a crash or power cut after
        // they were acknowledged — or a journal written by someone with access to
        // the disk) and any beyond (written outside coffre). Nobody can tell which,
        // so both are taken in and flagged for the DPO, never silently vouched for
        // by the next signer.
        let (restored, outside): (Vec<&Located>, Vec<&Located>) =
            found.iter().partition(|l| l.offset < replayed_to);
        // Restored lines that a signed checkpoint (itself restored, or written
        // since) already covers were vouched for by their signer: `audit verify`
        // checks that signature.
        let signed = match restored.is_empty() {
            true => 0,
            false => self.checkpoints.latest()?.map_or(0, |c| c.size),
        };
        let restored: Vec<&Located> = restored
            .into_iter()
            .filter(|l| l.entry.seq > signed)
            .collect();
        for (lines, how) in [
            (
                restored,
                "were restored from the journal after an interruption (a crash or a power cut, \
             or a journal written by someone with access to the disk)",
            ),
            (
                outside,
                "were found beyond the recorded end of the log (written outside coffre, \
             or an interrupted write)",
            ),
        ] {
            if let (Some(first), Some(last)) = (lines.first(), lines.last()) {
                let (a, b) = (first.entry.seq, last.entry.seq);
                self.audit(
                    Draft::new(ADOPTION_ACTOR, "", ADOPTION_ACTION)
                        .outcome(Outcome::Error)
                        .detail(&format!(
                            "entries {a} to {b} {how}; not vouched for by their signer"
                        )),
                )?;
            }
        }
        Ok(())
    }

    /// What the open noticed and repaired without failing: files or folders
    /// others could read (made owner-only again), a damaged snapshot of the store
    /// (rebuilt). The library prints nothing; callers show these.
    pub fn warnings(&self) -> &[crate::Warning] {
        &self.warnings
    }

    /// The directory of this vault; for a vault in PostgreSQL, the database's
    /// address without password or parameters (for messages).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The vault id.
    pub fn id(&self) -> &str {
        &self.meta.vault_id
    }

    /// The establishment's name as sealed now (re-sealed after a directory-key rotation).
    pub(crate) fn establishment_sealed(&self) -> Result<Vec<u8>> {
        Ok(match self.store.get(&layout::establishment())? {
            Some(b) => b,
            None => self.meta.establishment_sealed.clone(),
        })
    }

    /// The recipient justifications are encrypted to now: the register's (it
    /// changes with a signed fact when the audit key rotates).
    pub(crate) fn audit_recipient(&self) -> Result<String> {
        self.with_register(|r| Ok(r.audit_recipient.clone()))
    }

    /// The recovery key's public recipient (backups are encrypted to it).
    pub fn recovery_recipient(&self) -> &str {
        &self.meta.recovery_recipient
    }

    /// Says, in a folder vault's lock file, that this process serves the vault
    /// in a browser at `url` (`http://…/` or `https://…/`), so that a command
    /// run meanwhile is told where to do its work instead of only that the
    /// vault is busy (see `busy`). Best effort, and nothing for a PostgreSQL
    /// vault, which several processes share.
    pub fn announce_server(&self, url: &str) {
        if let Backend::Folder { _lock: file, .. } = &self.backend {
            use std::os::unix::fs::FileExt;
            let text = format!("{}\n{url}\n", std::process::id());
            let _ = file
                .set_len(0)
                .and_then(|_| file.write_all_at(text.as_bytes(), 0));
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Whether new passphrases use the weak test KDF.
    pub fn weak_kdf(&self) -> bool {
        self.meta.kdf.is_weak()
    }

    /// The underlying store, for tools that inspect or repair the vault.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    fn log(&self) -> Result<std::sync::MutexGuard<'_, AuditLog>> {
        self.audit
            .lock()
            .map_err(|_| Error::AuditUnavailable(msg!("audit-log-lock-poisoned")))
    }

    /// Verifies the whole audit log offline: every entry and link, every signed
    /// checkpoint, the state recorded in the store and, given an earlier
    /// checkpoint kept off the machine, that today's log extends it.
    pub fn verify_audit(&self, since: Option<&Checkpoint>) -> Result<VerifySummary> {
        let _turn = self.begin()?;
        let checkpoints = self.checkpoints.read_all()?;
        let recorded = self.log()?.state().clone();
        let medium = self.audit_medium.as_ref();
        // One pass over the log: every line's form, number, link and leaf,
        // the Merkle roots the checkpoints sign, the register replayed from
        // the genesis (every fact's signature), and what the audit index
        // must hold.
        let mut replay = crate::rights::replay::Verified::start(&self.meta.vault_id);
        let mut want = audit::tally::Tally::new(&audit_trail::index_check::fresh_key()?);
        let policy = &self.policy;
        let mut replay_failed = false;
        let mut each = |_: u64, line: &[u8], leaf: &audit::merkle::Hash| {
            let taken = replay.take_linked(policy, line, leaf, false);
            replay_failed |= taken.is_err();
            taken
        };
        let none = std::collections::HashMap::new();
        let mut input = audit::VerifyInput {
            vault_id: &self.meta.vault_id,
            checkpoints: &checkpoints,
            signers: &none,
            key_windows: None,
            recorded: Some(&recorded),
            since,
        };
        let scanned = audit::verify_log_with(
            medium,
            &input,
            audit::Scan {
                each: Some(&mut each),
                tally: Some((&mut want, recorded.offset)),
                signatures_later: true,
            },
        );
        // A root that differs from the one a checkpoint signs (or a given
        // checkpoint the log does not extend) is either entries rewritten or
        // a checkpoint forged: a checkpoint whose own signature fails is the
        // forgery, and is named, as when signatures were checked before the
        // lines (and by `docs/verify_audit.py`), not the entries it covers.
        let scanned = match scanned {
            Err(Error::Integrity(m)) if !replay_failed => Err(self
                .forged_checkpoint(&checkpoints, since, &replay)
                .unwrap_or(Error::Integrity(m))),
            other => other,
        };
        let register = replay.register;
        // Signers are pinned by the log itself: keys introduced by signed
        // facts from the genesis on, never a key found in the store or a
        // checkpoint.
        let signers = register.signer_keys();
        let windows = register.key_windows();
        let verified = scanned.and_then(|summary| {
            self.check_settings(&register)?;
            input.signers = &signers;
            input.key_windows = Some(&windows);
            audit::check_checkpoints(medium, &input)?;
            Ok(summary)
        });
        let summary = match (verified, since) {
            (Err(Error::Integrity(m)), Some(s)) => {
                Err(self.explain_restore(s, &m).unwrap_or(Error::Integrity(m)))
            }
            (other, _) => other,
        }?;
        trust::check_all_last_seen(
            self.store.scan_prefix(b"cs/")?,
            &register,
            medium,
            &checkpoints,
        )?;
        // The index that histories and exports read through, against the lines.
        self.check_audit_index_against(&want)?;
        Ok(summary)
    }

    /// The first of `checkpoints` (then `since`) whose signature fails, as
    /// the failure naming it: among those covering no more than the lines
    /// `replay` took in (the register replayed that far holds every key
    /// valid at those sizes: later facts only end windows after them, or
    /// open windows beyond), all of them once it took in the whole log.
    fn forged_checkpoint(
        &self,
        checkpoints: &[Checkpoint],
        since: Option<&Checkpoint>,
        replay: &crate::rights::replay::Verified,
    ) -> Option<Error> {
        let whole = self.audit_medium.len().ok() == Some(replay.offset);
        let judged = |c: &Checkpoint| whole || c.size <= replay.size;
        let covered = checkpoints.iter().take_while(|c| judged(c)).count();
        let signers = replay.register.signer_keys();
        let windows = replay.register.key_windows();
        audit::check_checkpoints(
            self.audit_medium.as_ref(),
            &audit::VerifyInput {
                vault_id: &self.meta.vault_id,
                checkpoints: &checkpoints[..covered],
                signers: &signers,
                key_windows: Some(&windows),
                recorded: None,
                since: since.filter(|s| judged(s)),
            },
        )
        .err()
    }

    /// The latest signed checkpoint, to keep off the machine, once the whole
    /// log and every checkpoint verify ([`Vault::verify_audit`]): an anchor a
    /// DPO exports must be one the log proves, not a record someone with the
    /// disk appended to `checkpoints.log`. Errors: those of `verify_audit`
    /// ([`Error::Integrity`], exit 5, naming the first fault).
    pub fn latest_checkpoint(&self) -> Result<Option<Checkpoint>> {
        let _turn = self.begin()?;
        self.verify_audit(None)?;
        self.checkpoints.latest()
    }

    /// Bytes of the audit log this vault read for the dossier and actor chains so far
    /// (the writer's `dprev` and `aprev`, an opening's check of the lines found, the
    /// readers' checks): the cost tests count, never a time.
    #[doc(hidden)]
    pub fn chain_bytes_read(&self) -> u64 {
        self.chain_bytes_read
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Byte offsets of the audit entries indexed under a dossier (`'d'`) or actor
    /// (`'a'`), in order: the stored index and the entries not settled yet.
    pub(crate) fn audit_offsets(&self, kind: char, id: &str) -> Result<Vec<(u64, u64)>> {
        let prefix = layout::audit_index_prefix(kind, id);
        let mut found: Vec<(u64, u64)> = Vec::new();
        // Held across both reads: a settling cannot move entries from the
        // pending map to the store in between.
        let pending = self.pending_index()?;
        for (k, v) in self.store.scan_prefix(&prefix)? {
            index_pairs(&k, &v, &mut found)?;
        }
        for (k, v) in pending.range(prefix.clone()..) {
            if !k.starts_with(&prefix) {
                break;
            }
            index_pairs(k, v, &mut found)?;
        }
        drop(pending);
        found.sort_unstable();
        found.dedup();
        Ok(found)
    }

    /// The last (number, offset) pair indexed under a dossier (`'d'`) or an
    /// actor (`'a'`): the stored index and the entries not settled yet, as
    /// [`Vault::audit_offsets`] gives its last, without reading every record
    /// of a member with many lines. The stored records sort by their first
    /// entry's number (16 hex digits), so the last one is found by a binary
    /// search over that number, up to `upto` (the log's number of lines),
    /// with one-record pages: about log₂ of the log's size reads of the
    /// store. A hint for the writer's tail read (the log decides), so a
    /// record that does not parse gives none.
    pub(crate) fn last_indexed(
        &self,
        kind: char,
        id: &str,
        upto: u64,
    ) -> Result<Option<(u64, u64)>> {
        let prefix = layout::audit_index_prefix(kind, id);
        let pending = self.pending_index()?;
        let mut best: Option<(u64, u64)> = None;
        if let Some((k, v)) = pending
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .last()
        {
            let mut pairs = Vec::new();
            if index_pairs(k, v, &mut pairs).is_ok() {
                best = pairs.into_iter().max();
            }
        }
        let key = |s: u64| {
            let mut k = prefix.clone();
            k.extend_from_slice(format!("{s:016x}").as_bytes());
            k
        };
        let above = |s: Option<u64>| -> Result<Option<(Vec<u8>, Vec<u8>)>> {
            let after = s.map(key);
            Ok(self
                .store
                .scan_prefix_page(&prefix, after.as_deref(), 1)?
                .into_iter()
                .next())
        };
        if above(None)?.is_some() {
            // The least s with no stored key after key(s); the last key is
            // then the first after key(s − 1).
            let (mut lo, mut hi) = (0u64, upto.max(1));
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if above(Some(mid))?.is_some() {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            let last = match lo.checked_sub(1) {
                Some(s) => above(Some(s))?,
                None => above(None)?,
            };
            if let Some((k, v)) = last {
                let mut pairs = Vec::new();
                if index_pairs(&k, &v, &mut pairs).is_ok() {
                    best = best.max(pairs.into_iter().max());
                }
            }
        }
        drop(pending);
        Ok(best)
    }

    /// The entries the index lists under a dossier (`'d'`) or an actor
    /// (`'a'`) at these (number, offset) pairs, pruned ones left out. Each
    /// line read must carry the number the index gives and name that dossier
    /// or actor: an index entry moved to another line (by someone with the
    /// store) is an integrity failure naming it, never another dossier's
    /// entry shown or exported.
    pub(crate) fn indexed_entries(
        &self,
        kind: char,
        id: &str,
        pairs: &[(u64, u64)],
    ) -> Result<Vec<audit::AuditEntry>> {
        let entries = self.log()?.read_indexed(pairs)?;
        for e in &entries {
            let names = match kind {
                'd' => e.dossier.as_deref() == Some(id),
                _ => e.actor == id,
            };
            if !names {
                return Err(Error::Integrity(msg!(
                    "audit-index-points-elsewhere",
                    record = format!("ax/{kind}/{id}/{:016x}", e.seq)
                )));
            }
        }
        Ok(entries)
    }

    /// The audit index as stored (and not settled yet) against `want`, what
    /// the log's lines up to the recorded end call for: one entry for every
    /// unpruned line naming a dossier or an actor (see
    /// [`audit_trail::index_check`]). Errors: [`Error::Integrity`] naming the
    /// first dossier or actor whose entries differ.
    fn check_audit_index_against(&self, want: &audit::tally::Tally) -> Result<()> {
        let mut found = want.empty_like();
        let pending = self.pending_index()?;
        let mut after: Option<Vec<u8>> = None;
        loop {
            let page = self
                .store
                .scan_prefix_page(b"ax/", after.as_deref(), 4096)?;
            let Some((last, _)) = page.last() else {
                break;
            };
            after = Some(last.clone());
            for (k, v) in &page {
                audit_trail::index_check::add_record(&mut found, k, v)?;
            }
        }
        for (k, v) in pending.iter() {
            audit_trail::index_check::add_record(&mut found, k, v)?;
        }
        drop(pending);
        want.compare(&found)
    }

    fn pending_index(&self) -> Result<std::sync::MutexGuard<'_, PendingIndex>> {
        self.pending_index
            .lock()
            .map_err(|_| Error::Io(msg!("audit-index-lock-poisoned")))
    }

    /// Reads audit entries (no permission check: callers go through a session).
    /// A dossier or actor filter uses the index instead of scanning the log.
    pub(crate) fn audit_entries(&self, filter: &audit::Filter) -> Result<Vec<audit::AuditEntry>> {
        let index = match (&filter.dossier, &filter.actor) {
            (Some(d), _) => Some(('d', d.as_str())),
            (None, Some(a)) => Some(('a', a.as_str())),
            (None, None) => None,
        };
        let entries = match index {
            None => return self.log()?.scan(filter),
            Some((kind, id)) => {
                // Anchored on the log before the index is read: the newest
                // line naming the dossier (the actor) must be indexed. Only
                // the ids the index keys are walked (an actor that is not a
                // staff id, as claimed at a failed unlock, has no index).
                let indexed = match kind {
                    'd' => layout::check_id("dossier", id).is_ok(),
                    _ => layout::check_id("staff", id).is_ok(),
                };
                let walk = if indexed {
                    Some(self.chain_walk(kind, id)?)
                } else {
                    None
                };
                let pairs = self.audit_offsets(kind, id)?;
                let entries = self.indexed_entries(kind, id, &pairs)?;
                if let Some(mut walk) = walk {
                    // The index against the log's chain of the lines.
                    walk.take(&entries, &pairs)?;
                    walk.finish()?;
                }
                entries
            }
        };
        Ok(entries.into_iter().filter(|e| filter.matches(e)).collect())
    }

    pub(crate) fn dossier_record(&self, id: &str) -> Result<crate::store::records::DossierRecord> {
        layout::check_id("dossier", id)?;
        match self.store.get(&layout::dossier(id))? {
            Some(b) => self.checked_dossier_record(id, &b),
            None => {
                let known = self
                    .rights_lock()?
                    .as_ref()
                    .is_some_and(|v| v.register.dossiers.contains_key(id));
                if known {
                    return Err(trust::forged(
                        &format!("d/{id}"),
                        "a dossier record removed",
                    ));
                }
                Err(Error::NotFound(msg!("dossier-2", id = id)))
            }
        }
    }

    /// The dossier record stored under `d/{id}`, decoded and checked: it must
    /// be `id`'s own (a record copied from another dossier's key would show
    /// that person's name under this id) and agree with the register.
    fn checked_dossier_record(
        &self,
        id: &str,
        bytes: &[u8],
    ) -> Result<crate::store::records::DossierRecord> {
        let rec: crate::store::records::DossierRecord = decode(bytes, "dossier")?;
        if rec.id != id {
            return Err(trust::forged(
                &format!("d/{id}"),
                "another dossier's record",
            ));
        }
        self.check_dossier(&rec)?;
        Ok(rec)
    }

    /// Every record under `prefix`, read by `read(id, value)`; each must sit
    /// exactly under `key_of(id)` (a copy planted under a nested key such as
    /// `d/x/{id}` would otherwise pass as that id's and count twice).
    fn records_under<T>(
        &self,
        prefix: &[u8],
        key_of: fn(&str) -> Vec<u8>,
        read: impl Fn(&str, &[u8]) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        for (k, v) in self.store.scan_prefix(prefix)? {
            let id = layout::last_component(&k)?;
            if k != key_of(&id) {
                return Err(trust::forged(
                    &String::from_utf8_lossy(&k),
                    "a record outside its kind's keys",
                ));
            }
            out.push(read(&id, &v)?);
        }
        Ok(out)
    }

    /// Every dossier record, each checked as [`Vault::dossier_record`] does;
    /// once the register is verified, a dossier it holds without a record is
    /// an integrity failure naming `d/{id}` (a deleted record must not make a
    /// dossier leave the lists, retention or re-indexing silently). The only
    /// way to walk the dossiers.
    pub(crate) fn all_dossiers(&self) -> Result<Vec<crate::store::records::DossierRecord>> {
        let out = self.records_under(&layout::dossier_prefix(), layout::dossier, |id, v| {
            self.checked_dossier_record(id, v)
        })?;
        let held: std::collections::BTreeSet<&str> = out.iter().map(|d| d.id.as_str()).collect();
        let missing = self.register_if_verified(|r| {
            r.dossiers
                .keys()
                .find(|id| !held.contains(id.as_str()))
                .cloned()
        })?;
        if let Some(Some(id)) = missing {
            return Err(trust::forged(
                &format!("d/{id}"),
                "a dossier record removed",
            ));
        }
        Ok(out)
    }

    /// A staff record from the store, checked against the rights register once
    /// it is verified (an edited or removed record is an integrity failure).
    pub(crate) fn staff_record(&self, id: &str) -> Result<Option<StaffRecord>> {
        match self.store.get(&layout::staff(id))? {
            Some(b) => Ok(Some(self.checked_staff_record(id, &b)?)),
            None => {
                let known = self
                    .rights_lock()?
                    .as_ref()
                    .is_some_and(|v| v.register.staff.contains_key(id));
                if known {
                    return Err(trust::forged(&format!("s/{id}"), "a staff record removed"));
                }
                Ok(None)
            }
        }
    }

    /// The staff record stored under `s/{id}`, decoded and checked: it must be
    /// `id`'s own (another member's record copied under this key would put
    /// their name and keys in its place) and agree with the register.
    fn checked_staff_record(&self, id: &str, bytes: &[u8]) -> Result<StaffRecord> {
        let rec: StaffRecord = decode(bytes, "staff")?;
        if rec.id != id {
            return Err(trust::forged(&format!("s/{id}"), "another member's record"));
        }
        self.check_staff(&rec)?;
        Ok(rec)
    }

    /// Every staff record, each checked as [`Vault::staff_record`] does, and
    /// exactly the register's members.
    pub(crate) fn all_staff(&self) -> Result<Vec<StaffRecord>> {
        let all = self.records_under(&layout::staff_prefix(), layout::staff, |id, v| {
            self.checked_staff_record(id, v)
        })?;
        self.check_staff_set(&all)?;
        Ok(all)
    }

    pub(crate) fn identity_aad(&self, staff_id: &str) -> Aad {
        Aad::new("coffre/identity/v1")
            .with(self.meta.vault_id.as_bytes())
            .with(staff_id.as_bytes())
    }

    /// Unlocks `user` with `passphrase`. Failed attempts are audited.
    pub fn unlock(&self, user: &str, passphrase: &SecretString) -> Result<Session<'_>> {
        layout::check_id("staff", user)?;
        let _turn = self.begin()?;
        let fail = |detail: &str, profession: &str| -> Result<Session<'_>> {
            self.audit(
                Draft::new(user, profession, "unlock")
                    .outcome(Outcome::Failed)
                    .detail(detail),
            )?;
            Err(Error::Auth(msg!(
                "cannot-unlock",
                user = user,
                detail = crate::audit::words::auth_detail(detail)
            )))
        };
        // An unknown or revoked id costs the same key derivation as a wrong
        // passphrase: the time of a refusal does not tell which ids exist.
        let decoy = || crate::crypto::passphrase::decoy(passphrase, user, &self.meta.kdf);
        let Some(rec) = self.staff_record(user)? else {
            decoy();
            self.check_refused_unlock(user)?;
            return fail("unknown user", "");
        };
        if rec.status == StaffStatus::Revoked {
            decoy();
            self.check_refused_unlock(user)?;
            return fail("this user has been revoked", &rec.profession);
        }
        let aad = self.identity_aad(user);
        let opened =
            crate::crypto::passphrase::open_with(passphrase, &rec.salt, &rec.kdf, |key| {
                envelope::open(key, &aad, &rec.identity_sealed).ok()
            })?;
        let Some(secret) = opened else {
            self.check_refused_unlock(user)?;
            return fail("wrong passphrase", &rec.profession);
        };
        let text = std::str::from_utf8(&secret)
            .map_err(|_| Error::Integrity(msg!("sealed-identity-corrupt")))?;
        let identity = crate::crypto::wrap::Identity::parse(text)
            .map_err(|_| Error::Integrity(msg!("sealed-identity-corrupt")))?;
        let weak = rec.kdf.is_weak();
        let signer = SigningKey::derive(
            &crate::crypto::wrap::secret_bytes(&identity),
            &self.meta.vault_id,
        )?;
        // The identity opened; now the signed register (not the store) says who
        // this is, whether they may still unlock, and with which keys.
        let anchor = self.establish_rights(user, &identity)?;
        let member = self.member(user)?.ok_or_else(|| {
            trust::forged(&format!("s/{user}"), "a member the register does not know")
        })?;
        if member.member.status == crate::rights::Status::Revoked {
            return fail("this user has been revoked", &member.member.profession);
        }
        if signer.public() != member.key || identity.recipient() != member.member.recipient {
            return Err(trust::forged(
                &format!("s/{user}"),
                "an identity the register did not introduce",
            ));
        }
        self.check_staff(&rec)?;
        self.check_own_last_seen(user)?;
        let mut session = Session::new(self, rec, identity, signer, weak, anchor);
        session.second_factor_withdrawals = member.second_factor_withdrawals;
        session.process_rotations(None)?;
        session.process_grants()?;
        session.upgrade_name_index()?;
        Ok(session)
    }

    /// Before a refused unlock is blamed on the member (unknown id, revoked,
    /// wrong passphrase): the register, verified from the genesis if nobody
    /// in this process unlocked yet, must agree with the vault's settings and
    /// with the member's record. A deleted, older or another member's `s/`
    /// record, or another vault's `meta`, is an integrity failure naming it
    /// (exit 5), not a wrong passphrase. Runs once per process at most (the
    /// register is then kept), on the refusal path only.
    fn check_refused_unlock(&self, user: &str) -> Result<()> {
        self.establish_anonymously()?;
        self.staff_record(user).map(|_| ())
    }

    /// The current generation of vault key `key`: the number of generations
    /// the signed register has a commitment for (derived: no store record
    /// says it, so none can put an older generation back).
    pub(crate) fn key_gen(&self, key: &crate::policy::VaultKey) -> Result<u32> {
        let name = key.name();
        self.with_register(|r| {
            r.keys
                .get(&name)
                .and_then(|c| u32::try_from(c.len()).ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| Error::Integrity(msg!("vault-key", name = name.clone())))
        })
    }

    /// Whether `staff` has been granted the current generation of `key`.
    pub(crate) fn has_wrap(&self, key: &crate::policy::VaultKey, staff: &str) -> Result<bool> {
        let gen = self.key_gen(key)?;
        Ok(self
            .store
            .get(&layout::wrap(&key.name(), gen, staff))?
            .is_some())
    }

    /// Whether `staff` is in the care team of `dossier`: the signed register
    /// decides; a store record that says otherwise is an integrity failure.
    pub(crate) fn in_team(&self, dossier: &str, staff: &str) -> Result<bool> {
        let stored = match self.store.get(&layout::team(dossier, staff))? {
            Some(b) => {
                let t: crate::store::records::TeamRecord = decode(&b, "care team")?;
                t.until.is_none_or(|u| u > now())
            }
            None => false,
        };
        let signed = self.with_register(|r| Ok(r.in_team(dossier, staff)))?;
        if stored != signed {
            return Err(trust::forged(
                &format!("t/{dossier}/{staff}"),
                "care-team membership",
            ));
        }
        Ok(signed)
    }

    pub(crate) fn kdf(&self) -> KdfParams {
        self.meta.kdf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Grouping single index entries keeps every (number, offset) pair of
        /// every dossier or actor, and nothing of another.
        #[test]
        fn grouped_index_reads_like_single_entries(
            entries in proptest::collection::btree_map((0u8..4, 1u64..5000), 0u64..1 << 40, 0..60)
        ) {
            let mut single = std::collections::BTreeMap::new();
            for ((who, seq), offset) in &entries {
                single.insert(
                    layout::audit_index('d', &format!("d-{who}"), *seq),
                    offset.to_be_bytes().to_vec(),
                );
            }
            let grouped = group_index(single).unwrap();
            for who in 0u8..4 {
                let prefix = layout::audit_index_prefix('d', &format!("d-{who}"));
                let mut got = Vec::new();
                for op in &grouped.ops {
                    if let crate::store::Op::Put(k, v) = op {
                        if k.starts_with(&prefix) {
                            index_pairs(k, v, &mut got).unwrap();
                        }
                    }
                }
                got.sort_unstable();
                let want: Vec<(u64, u64)> = entries
                    .iter()
                    .filter(|((w, _), _)| *w == who)
                    .map(|((_, seq), offset)| (*seq, *offset))
                    .collect();
                prop_assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn damaged_index_values_are_refused() {
        let key = layout::audit_index('a', "x", 7);
        let mut out = Vec::new();
        assert!(index_pairs(&key, &[1, 2, 3], &mut out).is_err());
        assert!(index_pairs(&key, &[], &mut out).is_err());
        assert!(index_pairs(b"ax/a/x/zz", &[0; 8], &mut out).is_err());
        index_pairs(&key, &9u64.to_be_bytes(), &mut out).unwrap();
        assert_eq!(out, vec![(7, 9)]);
    }
}
