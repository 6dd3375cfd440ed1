//! Erasure by crypto-shredding. Each dossier has an *erasure key*: 32 random bytes
//! in its own small file (`VAULT/erasure/{dossier}`), mixed into the derivation of
//! every key that wraps the dossier's data keys (see `keys.rs`). The file is not
//! secret — its job is to be destroyable: a log-structured store (sled) keeps old
//! copies of records until it compacts, and backups keep everything, but once the
//! erasure key is overwritten and removed, no copy of the dossier's ciphertext or
//! wrapped keys can be opened by anyone, the recovery key included.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;

use crate::audit::Draft;
use crate::crypto::key::random_bytes;
use crate::crypto::Key32;
use crate::error::{Error, Result};
use crate::policy::Capability;
use crate::store::records::{encode, DossierRecord};
use crate::store::{layout, Batch};
use crate::vault::access::session::Session;
use crate::vault::init::sync_dir;
use crate::vault::{now, Vault};

const ERASURE_DIR: &str = "erasure";

impl Vault {
    fn erasure_path(&self, dossier: &str) -> Result<PathBuf> {
        layout::check_id("dossier", dossier)?;
        Ok(self.dir.join(ERASURE_DIR).join(dossier))
    }

    /// Creates the erasure key of a new dossier (synced, with its directory).
    pub(crate) fn create_erasure_key(&self, dossier: &str) -> Result<()> {
        if let crate::vault::Backend::Postgres(pg) = &self.backend {
            layout::check_id("dossier", dossier)?;
            return pg.create_erasure_key(dossier, &random_bytes::<32>()?);
        }
        let dir = self.dir.join(ERASURE_DIR);
        crate::private_files::create_dir(&dir)?;
        let path = self.erasure_path(dossier)?;
        let key = random_bytes::<32>()?;
        let mut f = crate::private_files::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::io(msg!("cannot-create-erasure-key"), e))?;
        f.write_all(&key)
            .and_then(|_| f.sync_all())
            .map_err(|e| Error::io(msg!("cannot-write-erasure-key"), e))?;
        sync_dir(&dir)
    }

    /// Every dossier's erasure key of a folder vault, by dossier id.
    pub(crate) fn folder_erasure_keys(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let dir = self.dir.join(ERASURE_DIR);
        let mut out = Vec::new();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(Error::io(msg!("cannot-read-erasure-key"), e)),
        };
        for e in entries {
            let e = e.map_err(|e| Error::io(msg!("cannot-read-erasure-key"), e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let key = std::fs::read(e.path())
                .map_err(|e| Error::io(msg!("cannot-read-erasure-key"), e))?;
            out.push((name, key));
        }
        out.sort();
        Ok(out)
    }

    /// Reads the erasure key of `dossier`.
    pub(crate) fn erasure_key(&self, dossier: &str) -> Result<Key32> {
        let found = match &self.backend {
            crate::vault::Backend::Postgres(pg) => {
                layout::check_id("dossier", dossier)?;
                pg.erasure_key(dossier)?
                    .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
            }
            crate::vault::Backend::Folder { .. } => std::fs::read(self.erasure_path(dossier)?),
        };
        match found {
            Ok(bytes) if bytes.len() == 32 && bytes.iter().any(|b| *b != 0) => {
                Key32::from_slice(&bytes)
            }
            Ok(_) => Err(Error::Integrity(msg!(
                "erasure-key-dossier-damaged",
                dossier = dossier
            ))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let erased = match self.dossier_record(dossier) {
                    Ok(d) => d.erased,
                    Err(Error::NotFound(_)) => None,
                    Err(e) => return Err(e),
                };
                Err(match erased {
                    Some(_) => Error::NotFound(msg!("dossier-erased-2", dossier = dossier)),
                    None => {
                        Error::Integrity(msg!("erasure-key-dossier-missing", dossier = dossier))
                    }
                })
            }
            Err(e) => Err(Error::io(msg!("cannot-read-erasure-key"), e)),
        }
    }

    /// Overwrites the erasure key with zeros, syncs, removes it and syncs the folder.
    fn destroy_erasure_key(&self, dossier: &str) -> Result<()> {
        let path = self.erasure_path(dossier)?;
        match OpenOptions::new().write(true).open(&path) {
            Ok(mut f) => {
                f.write_all(&[0u8; 32])
                    .and_then(|_| f.sync_all())
                    .map_err(|e| Error::io(msg!("cannot-overwrite-erasure-key"), e))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(msg!("cannot-open-erasure-key"), e)),
        }
        std::fs::remove_file(&path).map_err(|e| Error::io(msg!("cannot-remove-erasure-key"), e))?;
        let dir = self.dir.join(ERASURE_DIR);
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(msg!("cannot-sync-erasure-keys-folder"), e))
    }

    /// Destroys a dossier's keys and index entries; the dossier record stays,
    /// marked erased, so its audit trail keeps its meaning. `draft` (the
    /// caller's audit entry, signed by them) is committed with the removals and
    /// carries the signed fact that the dossier is erased.
    pub(crate) fn shred(&self, dossier: &str, draft: Draft) -> Result<()> {
        let mut rec: DossierRecord = self.dossier_record(dossier)?;
        // 1. The erasure key: from here on nothing of the dossier opens. In a
        // database, its row goes in the same transaction as the rest.
        let mut batch = Batch::new();
        match &self.backend {
            crate::vault::Backend::Postgres(_) => batch.erase.push(dossier.to_string()),
            crate::vault::Backend::Folder { .. } => self.destroy_erasure_key(dossier)?,
        }
        // 2. Then everything that is now useless or tells something.
        for prefix in [
            layout::data_key_prefix(dossier),
            layout::person_prefix(dossier),
            layout::justification_prefix(dossier),
            layout::dossier_index_prefix(dossier),
            layout::objection_prefix(dossier),
            layout::team_prefix(dossier),
            layout::break_glass_prefix(dossier),
            layout::person_second_factor_prefix(dossier),
        ] {
            for (k, v) in self.store.scan_prefix(&prefix)? {
                if prefix == layout::dossier_index_prefix(dossier) {
                    // Reverse entry: its value is the blind-index key to remove.
                    batch.remove(v);
                }
                batch.remove(k);
            }
        }
        // The entries: their ciphertext can no longer be opened; remove it too.
        for (k, _) in self
            .store
            .scan_prefix(&layout::dossier_entry_prefix(dossier))?
        {
            let entry = layout::last_component(&k)?;
            for (vk, _) in self
                .store
                .scan_prefix(&layout::version_prefix(dossier, &entry))?
            {
                batch.remove(vk);
            }
            batch.remove(layout::entry(&entry));
            batch.remove(k);
        }
        // Documents' chunks: sealed under content keys that were sealed under
        // the dossier's data keys, so unreadable already; removed too, read a
        // page at a time (a dossier's documents may not fit in memory).
        let chunks = layout::document_chunk_prefix(dossier);
        let mut after: Option<Vec<u8>> = None;
        loop {
            let page = self.store.scan_prefix_page(&chunks, after.as_deref(), 64)?;
            let Some((last, _)) = page.last() else { break };
            after = Some(last.clone());
            for (k, _) in page {
                batch.remove(k);
            }
        }
        batch.remove(layout::person(dossier));
        batch.remove(layout::person_second_factor_uses(dossier));
        rec.header_sealed = Vec::new();
        rec.erased = Some(now());
        batch.put(layout::dossier(dossier), encode(&rec)?);
        let fact = crate::rights::Fact::Erased {
            dossier: dossier.to_string(),
        };
        let mut draft = draft;
        if let Some((_, signer)) = draft.fact.take() {
            draft = draft.fact(fact.to_json()?, signer);
        }
        self.durable(vec![draft], batch).map(|_| ())
    }
}

impl Session<'_> {
    /// Erases a dossier by crypto-shredding (authorised roles only). The reason
    /// is the actor's words, encrypted to the audit key like a justification.
    pub fn erase_dossier(&mut self, dossier: &str, reason: &str) -> Result<()> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "dossier.erase";
        let rec = self.vault.dossier_record(dossier)?;
        self.require(Capability::Erase, ACTION, Some(dossier))?;
        if rec.erased.is_some() {
            return Err(Error::Usage(msg!(
                "dossier-already-erased",
                dossier = dossier
            )));
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 2000 {
            return Err(Error::Usage(msg!("give-reason-erasure-1-2000-characters")));
        }
        let mut d = self
            .draft(ACTION)
            .dossier(dossier)
            .detail("keys destroyed (crypto-shredding)");
        d.justification = Some(self.seal_justification(dossier, reason)?);
        // The signer of the erasure fact: this member (shred fills in the fact).
        let d = d.fact(String::new(), self.fact_signer());
        self.vault.shred(dossier, d)
    }
}
