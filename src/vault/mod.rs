//! The vault: a directory holding the policy, the record store and the audit log.
//!
//! ```text
//! VAULT/
//!   policy.toml   the deontology policy in force (its SHA-256 is checked at open)
//!   store/        the sled record store (ciphertext and minimal metadata)
//!   audit.log     the hash-chained audit log
//!   lock          held while a process has the vault open
//! ```
//!
//! [`Vault`] opens a directory; [`Vault::unlock`] turns a staff member's passphrase
//! into a [`Session`], through which every read and write goes.

mod access;
mod audit_read;
mod dossier;
mod entry;
mod explain;
mod init;
pub mod keys;
mod session;
mod staff;
pub mod views;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use ring::digest::{digest, SHA256};
use secrecy::SecretString;

use crate::audit::{self, AuditLog, Draft, Outcome, VerifySummary};
use crate::crypto::kdf::{self, KdfParams};
use crate::crypto::{envelope, Aad};
use crate::error::{Error, Result};
use crate::policy::Policy;
use crate::store::records::{decode, AuditHead, StaffRecord, StaffStatus, VaultMeta, FORMAT};
use crate::store::sled_store::SledStore;
use crate::store::{layout, Batch, Store};

pub use entry::FieldInput;
pub use init::InitOptions;
pub use session::Session;
pub use staff::NewStaff;

const POLICY_FILE: &str = "policy.toml";
const STORE_DIR: &str = "store";
const AUDIT_FILE: &str = "audit.log";
const LOCK_FILE: &str = "lock";

/// An open vault (no one unlocked yet).
pub struct Vault {
    dir: PathBuf,
    store: Box<dyn Store>,
    policy: Policy,
    meta: VaultMeta,
    audit: Mutex<AuditLog>,
    _lock: File,
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

fn take_lock(dir: &Path) -> Result<File> {
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE))
        .map_err(|e| Error::io("cannot open the vault lock", e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Busy(format!(
            "the vault {} is open in another coffre process; wait for it to finish and retry",
            dir.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io("cannot lock the vault", e)),
    }
}

/// SHA-256 of a policy text, hex.
fn policy_digest(text: &str) -> String {
    hex::encode(digest(&SHA256, text.as_bytes()))
}

impl Vault {
    /// Opens the vault in `dir`.
    pub fn open(dir: &Path) -> Result<Vault> {
        if !dir.join(STORE_DIR).is_dir() {
            return Err(Error::NotFound(format!(
                "no vault in {}; create one with `coffre init` or give --vault",
                dir.display()
            )));
        }
        let lock = take_lock(dir)?;
        let store = SledStore::open(&dir.join(STORE_DIR))?;
        let meta: VaultMeta = decode(
            &store
                .get(&layout::meta())?
                .ok_or_else(|| Error::Integrity("the vault's settings are missing".into()))?,
            "vault settings",
        )?;
        if meta.format != FORMAT {
            return Err(Error::Io(format!(
                "this vault has format {}, this coffre reads format {FORMAT}",
                meta.format
            )));
        }
        let policy_path = dir.join(POLICY_FILE);
        let text = std::fs::read_to_string(&policy_path)
            .map_err(|e| Error::io("cannot read the vault's policy", e))?;
        if policy_digest(&text) != meta.policy_sha256 {
            return Err(Error::Integrity(
                "the vault's policy.toml was changed outside coffre (its fingerprint does not match)".into(),
            ));
        }
        let policy = crate::policy::parse(&text, &policy_path.display().to_string())?;
        let audit = AuditLog::open(&dir.join(AUDIT_FILE), &meta.vault_id)?;
        Ok(Vault {
            dir: dir.to_path_buf(),
            store: Box::new(store),
            policy,
            meta,
            audit: Mutex::new(audit),
            _lock: lock,
        })
    }

    /// The directory of this vault.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The vault id.
    pub fn id(&self) -> &str {
        &self.meta.vault_id
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

    /// Verifies the whole audit chain, and that it still reaches the head recorded
    /// with the last store write (so cutting entries off the end is detected).
    pub fn verify_audit(&self) -> Result<VerifySummary> {
        let summary = audit::verify(&self.dir.join(AUDIT_FILE), &self.meta.vault_id)?;
        if let Some(bytes) = self.store.get(&layout::audit_head())? {
            let head: AuditHead = decode(&bytes, "audit head")?;
            if head.seq > summary.entries {
                return Err(Error::Integrity(format!(
                    "the audit log ends at entry {} but entry {} was recorded: entries were cut off the end",
                    summary.entries, head.seq
                )));
            }
            let file = File::open(self.dir.join(AUDIT_FILE))
                .map_err(|e| Error::io("cannot read the audit log", e))?;
            let found = std::io::BufRead::lines(std::io::BufReader::new(file))
                .nth(head.seq.saturating_sub(1) as usize)
                .and_then(|l| l.ok())
                .and_then(|l| serde_json::from_str::<audit::AuditEntry>(&l).ok());
            if head.seq > 0 && found.map(|e| e.hash) != Some(head.hash) {
                return Err(Error::Integrity(format!(
                    "audit entry {} differs from the one recorded with the store: the log was replaced",
                    head.seq
                )));
            }
        }
        Ok(summary)
    }

    /// Appends to the audit log; failure to do so stops the operation.
    pub(crate) fn audit(&self, draft: Draft) -> Result<audit::AuditEntry> {
        let mut log = self
            .audit
            .lock()
            .map_err(|_| Error::AuditUnavailable("audit log lock poisoned".into()))?;
        log.append(draft)
    }

    /// Commits a batch together with the current audit head.
    pub(crate) fn commit(&self, mut batch: Batch) -> Result<()> {
        let head = {
            let log = self
                .audit
                .lock()
                .map_err(|_| Error::AuditUnavailable("audit log lock poisoned".into()))?;
            let (seq, hash) = log.head();
            AuditHead {
                seq,
                hash: hash.to_string(),
            }
        };
        batch.put(layout::audit_head(), crate::store::records::encode(&head)?);
        self.store.commit(batch)
    }

    /// Reads the audit log (no permission check: callers go through a session).
    pub(crate) fn audit_entries(&self, filter: &audit::Filter) -> Result<Vec<audit::AuditEntry>> {
        let log = self
            .audit
            .lock()
            .map_err(|_| Error::AuditUnavailable("audit log lock poisoned".into()))?;
        log.read(filter)
    }

    pub(crate) fn staff_record(&self, id: &str) -> Result<Option<StaffRecord>> {
        match self.store.get(&layout::staff(id))? {
            Some(b) => Ok(Some(decode(&b, "staff")?)),
            None => Ok(None),
        }
    }

    pub(crate) fn all_staff(&self) -> Result<Vec<StaffRecord>> {
        self.store
            .scan_prefix(&layout::staff_prefix())?
            .iter()
            .map(|(_, v)| decode::<StaffRecord>(v, "staff"))
            .collect()
    }

    pub(crate) fn identity_aad(&self, staff_id: &str) -> Aad {
        Aad::new("coffre/identity/v1")
            .with(self.meta.vault_id.as_bytes())
            .with(staff_id.as_bytes())
    }

    /// Unlocks `user` with `passphrase`. Failed attempts are audited.
    pub fn unlock(&self, user: &str, passphrase: &SecretString) -> Result<Session<'_>> {
        layout::check_id("staff", user)?;
        let fail = |detail: &str, profession: &str| -> Result<Session<'_>> {
            self.audit(
                Draft::new(user, profession, "unlock")
                    .outcome(Outcome::Failed)
                    .detail(detail),
            )?;
            Err(Error::Auth(format!("cannot unlock as '{user}': {detail}")))
        };
        let Some(rec) = self.staff_record(user)? else {
            return fail("unknown user", "");
        };
        if rec.status == StaffStatus::Revoked {
            return fail("this user has been revoked", &rec.profession);
        }
        let key = kdf::derive(passphrase, &rec.salt, &rec.kdf)?;
        let secret = match envelope::open(&key, &self.identity_aad(user), &rec.identity_sealed) {
            Ok(s) => s,
            Err(_) => return fail("wrong passphrase", &rec.profession),
        };
        let text = std::str::from_utf8(&secret)
            .map_err(|_| Error::Integrity("a sealed identity is corrupt".into()))?;
        let identity = crate::crypto::wrap::Identity::parse(text)
            .map_err(|_| Error::Integrity("a sealed identity is corrupt".into()))?;
        let weak = rec.kdf.is_weak();
        let mut session = Session::new(self, rec, identity, weak);
        session.process_grants()?;
        Ok(session)
    }

    pub(crate) fn key_gen(&self, key: &crate::policy::VaultKey) -> Result<u32> {
        self.meta
            .key_gens
            .get(&key.name())
            .copied()
            .ok_or_else(|| Error::Integrity(format!("the vault has no key '{}'", key.name())))
    }

    /// Whether `staff` has been granted the current generation of `key`.
    pub(crate) fn has_wrap(&self, key: &crate::policy::VaultKey, staff: &str) -> Result<bool> {
        let gen = self.key_gen(key)?;
        Ok(self
            .store
            .get(&layout::wrap(&key.name(), gen, staff))?
            .is_some())
    }

    pub(crate) fn in_team(&self, dossier: &str, staff: &str) -> Result<bool> {
        Ok(match self.store.get(&layout::team(dossier, staff))? {
            Some(b) => {
                let t: crate::store::records::TeamRecord = decode(&b, "care team")?;
                t.until.is_none_or(|u| u > now())
            }
            None => false,
        })
    }

    pub(crate) fn kdf(&self) -> KdfParams {
        self.meta.kdf
    }
}
