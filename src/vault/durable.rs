//! Making changes durable with one device flush each.
//!
//! Every change — audit lines, a signed checkpoint, a store batch, or several of
//! them together — becomes one journal record ([`crate::store::journal`]), synced
//! once, then applied to `audit.log`, `checkpoints.log` and the store without
//! waiting. The vault "settles" (flushes those files, then empties the journal)
//! when the journal is full, when it is closed, and after replaying the records
//! a crash left behind.

use std::path::Path;
use std::sync::atomic::Ordering;

use super::{group_index, index_entry, Backend, Vault, AUDIT_FILE, CHECKPOINT_FILE};
use crate::audit::{
    sync_file, write_at, AuditLog, Checkpoint, Draft, Located, Prepared, SigningKey,
};
use crate::error::{Error, Result};
use crate::store::journal::{FileWrite, Journal, LogFile, Record};
use crate::store::records::encode;
use crate::store::{layout, Batch, Store};

fn log_path(dir: &Path, file: LogFile) -> std::path::PathBuf {
    dir.join(match file {
        LogFile::Audit => AUDIT_FILE,
        LogFile::Checkpoints => CHECKPOINT_FILE,
    })
}

/// Applies the records a crash left in the journal. Runs at open, before the
/// audit log is checked. Returns the byte offset the journal's audit lines reach
/// (0 when there were none): the audit log's open takes in the lines up to there
/// (the audit state is stored only when the vault settles). The journal is not
/// emptied here: the vault settles once the log's state is recorded, so that a
/// crash in between replays the same records again.
pub(super) fn replay(dir: &Path, store: &dyn Store, records: Vec<Record>) -> Result<u64> {
    let mut audit_end = 0;
    for record in records {
        for w in &record.writes {
            write_at(&log_path(dir, w.file), w.offset, &w.bytes)?;
            if w.file == LogFile::Audit {
                audit_end = audit_end.max(w.offset + w.bytes.len() as u64);
            }
        }
        store.apply(Batch {
            ops: record.ops,
            erase: Vec::new(),
        })?;
    }
    Ok(audit_end)
}

/// Flushes the log files, their directory (a log file may be new) and the
/// store to the device.
fn settle_files(dir: &Path, store: &dyn Store) -> Result<()> {
    sync_file(&log_path(dir, LogFile::Audit))?;
    sync_file(&log_path(dir, LogFile::Checkpoints))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(msg!("cannot-sync-vault-directory"), e))?;
    store.commit(Batch::new())
}

/// Why nothing more is taken after a change could not be applied.
fn broken() -> Error {
    Error::Io(msg!("earlier-change-could-applied-kept-journal"))
}

impl Vault {
    fn journal(&self) -> Result<std::sync::MutexGuard<'_, Journal>> {
        match &self.backend {
            Backend::Folder { journal, .. } => journal
                .lock()
                .map_err(|_| Error::Io(msg!("journal-lock-poisoned"))),
            Backend::Postgres(_) => Err(Error::Io(msg!("journal-lock-poisoned"))),
        }
    }

    fn require_space(&self, bytes: u64) -> Result<()> {
        match &self.backend {
            Backend::Folder { space, .. } => space.require(bytes),
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// [`Vault::commit_locked`] for a vault in PostgreSQL: the lines, the
    /// checkpoint, the batch, the lines' index entries and the log's new
    /// state, in one transaction; the log and the register follow once it
    /// has committed.
    fn commit_database(
        &self,
        pg: &crate::store::postgres::PgVault,
        log: &mut AuditLog,
        prepared: Option<Prepared>,
        checkpoint: Option<FileWrite>,
        batch: Batch,
    ) -> Result<Vec<Located>> {
        let before = encode(log.state())?;
        let mut next = prepared
            .as_ref()
            .map_or_else(|| log.state().clone(), |p| p.next.clone());
        if checkpoint.is_some() {
            next.checkpointed = next.size;
        }
        let erase = batch.erase;
        let mut ops = batch.ops;
        if let Some(p) = &prepared {
            let mut index = super::PendingIndex::new();
            for l in &p.located {
                index_entry(&mut index, l);
            }
            ops.extend(index.into_iter().map(|(k, v)| crate::store::Op::Put(k, v)));
        }
        pg.commit_change(
            &layout::audit_state(),
            &before,
            &encode(&next)?,
            prepared.as_ref().map(|p| (p.offset, p.bytes.as_slice())),
            checkpoint.as_ref().map(|w| (w.offset, w.bytes.as_slice())),
            &ops,
            &erase,
        )?;
        if !erase.is_empty() {
            pg.scrub_erasure_keys()?;
        }
        if checkpoint.is_some() {
            log.mark_checkpointed();
        }
        match prepared {
            Some(p) => {
                let lines = p.bytes.clone();
                let located = log.advance(p)?;
                self.follow(&lines)?;
                Ok(located)
            }
            None => Ok(Vec::new()),
        }
    }

    /// Keeps the index entries of audit entries just written until the vault
    /// settles (derived from the log, so not journaled).
    pub(super) fn remember_index(&self, located: &[Located]) -> Result<()> {
        let mut pending = self.pending_index()?;
        for l in located {
            index_entry(&mut pending, l);
        }
        Ok(())
    }

    /// Audits `drafts` and applies `batch` as one change, durable when this
    /// returns: the audit entries and the data reach the disk together or not
    /// at all. Returns the audit entries written.
    pub(crate) fn durable(&self, drafts: Vec<Draft>, batch: Batch) -> Result<Vec<Located>> {
        // A fact the register would refuse is never journaled: checked under
        // the log's lock, against the register every earlier line built (a
        // revocation committed by another thread in between is seen).
        let mut log = self.log()?;
        self.check_facts(&drafts)?;
        let prepared = if drafts.is_empty() {
            None
        } else {
            // Every dossier and actor the step names, looked for in the log
            // at once (one read for the `dprev` and the `aprev` of its lines).
            let mut named: Vec<super::audit_trail::chain::Key> = drafts
                .iter()
                .filter_map(|d| d.dossier.clone().map(|d| ('d', d)))
                .chain(drafts.iter().map(|d| ('a', d.actor.clone())))
                .collect();
            named.sort_unstable();
            named.dedup();
            let lasts = if named.len() > 1 {
                self.last_lines_about(&log, &named)?
            } else {
                std::collections::HashMap::new()
            };
            Some(log.prepare(drafts, &mut |n| {
                let k = super::audit_trail::chain::key_of(n);
                match lasts.get(&k) {
                    Some(s) => Ok(*s),
                    None => self.last_line_about(&log, k.0, &k.1),
                }
            })?)
        };
        self.commit_locked(&mut log, prepared, None, batch)
    }

    /// Journals then applies one change; the caller holds the log's lock.
    fn commit_locked(
        &self,
        log: &mut AuditLog,
        prepared: Option<Prepared>,
        checkpoint: Option<FileWrite>,
        batch: Batch,
    ) -> Result<Vec<Located>> {
        let mut writes = Vec::new();
        if let Some(p) = &prepared {
            writes.push(FileWrite {
                file: LogFile::Audit,
                offset: p.offset,
                bytes: p.bytes.clone(),
            });
        }
        if writes.is_empty() && checkpoint.is_none() && batch.is_empty() {
            return Ok(Vec::new());
        }
        if let Backend::Postgres(pg) = &self.backend {
            return self.commit_database(pg, log, prepared, checkpoint, batch);
        }
        writes.extend(checkpoint);
        if self.broken.load(Ordering::SeqCst) {
            return Err(broken());
        }
        let record = Record {
            writes,
            ops: batch.ops,
        };
        self.require_space(record.approximate_size())?;
        let mut journal = self.journal()?;
        if !journal.fits(&record) && !journal.is_empty() {
            self.settle_locked(log, &mut journal)?;
        }
        journal.append(&record)?;
        // Durable from here on: what follows only applies the change.
        let applied = (|| {
            // The audit lines go through the log itself (its state follows).
            for w in record
                .writes
                .iter()
                .filter(|w| w.file == LogFile::Checkpoints)
            {
                write_at(&log_path(&self.dir, w.file), w.offset, &w.bytes)?;
                log.mark_checkpointed();
            }
            let located = match prepared {
                Some(p) => {
                    let lines = p.bytes.clone();
                    let located = log.write_prepared(p)?;
                    // The register follows the log line by line.
                    self.follow(&lines)?;
                    located
                }
                None => Vec::new(),
            };
            self.store.apply(Batch {
                ops: record.ops,
                erase: Vec::new(),
            })?;
            self.remember_index(&located)?;
            Ok::<_, Error>(located)
        })();
        applied.map_err(|e| {
            self.broken.store(true, Ordering::SeqCst);
            Error::Io(msg!("change-saved-journal-could-applied-now", e = e))
        })
    }

    /// Appends to the audit log and records the new state and index entries, as
    /// one durable change. Failure to audit stops the operation.
    pub(crate) fn audit(&self, draft: Draft) -> Result<crate::audit::AuditEntry> {
        self.commit_audited(draft, Batch::new())
    }

    /// Audits `draft` and applies `batch` in the same durable step.
    pub(crate) fn commit_audited(
        &self,
        draft: Draft,
        batch: Batch,
    ) -> Result<crate::audit::AuditEntry> {
        self.durable(vec![draft], batch)?
            .pop()
            .map(|l| l.entry)
            .ok_or_else(|| Error::AuditUnavailable(msg!("nothing-appended")))
    }

    /// Appends many entries as one durable change (group commit), indexing them.
    /// For bulk work and benchmarks; every ordinary operation audits itself.
    #[doc(hidden)]
    pub fn audit_batch(&self, drafts: Vec<Draft>) -> Result<()> {
        self.durable(drafts, Batch::new()).map(|_| ())
    }

    /// Commits a batch durably.
    pub(crate) fn commit(&self, batch: Batch) -> Result<()> {
        self.durable(Vec::new(), batch).map(|_| ())
    }

    /// Rewrites lines of the audit log in place (a prune: same lengths, same
    /// leaves) and applies `batch`, as one durable change through the journal.
    pub(super) fn rewrite_in_place(&self, writes: Vec<FileWrite>, batch: Batch) -> Result<()> {
        if writes.is_empty() && batch.is_empty() {
            return Ok(());
        }
        let log = self.log()?;
        if writes
            .iter()
            .any(|w| w.offset + w.bytes.len() as u64 > log.state().offset)
        {
            return Err(Error::AuditUnavailable(msg!("rewrite-past-end-of-log")));
        }
        // Lines pruned lose their dossier and actor: what this process kept
        // of the dossier and actor chains may name them, and is read again from the log
        // (every verifier would accept such a dprev or aprev; an opening that finds
        // the line beyond the recorded end knows no prune yet).
        self.forget_dossier_trail()?;
        if let Backend::Postgres(pg) = &self.backend {
            let lines: Vec<(u64, Vec<u8>)> = writes
                .into_iter()
                .filter(|w| w.file == LogFile::Audit)
                .map(|w| (w.offset, w.bytes))
                .collect();
            return pg.rewrite_lines(
                &layout::audit_state(),
                &encode(log.state())?,
                &lines,
                &batch.ops,
            );
        }
        if self.broken.load(Ordering::SeqCst) {
            return Err(broken());
        }
        let record = Record {
            writes,
            ops: batch.ops,
        };
        self.require_space(record.approximate_size())?;
        let mut journal = self.journal()?;
        if !journal.fits(&record) && !journal.is_empty() {
            self.settle_locked(&log, &mut journal)?;
        }
        journal.append(&record)?;
        let applied = (|| {
            for w in &record.writes {
                write_at(&log_path(&self.dir, w.file), w.offset, &w.bytes)?;
            }
            self.store.apply(Batch {
                ops: record.ops,
                erase: Vec::new(),
            })
        })();
        applied.map_err(|e| {
            self.broken.store(true, Ordering::SeqCst);
            Error::Io(msg!("change-saved-journal-could-applied-now", e = e))
        })
    }

    /// Signs a checkpoint of the whole log if entries were added since the last one.
    pub(crate) fn checkpoint(&self, key: &SigningKey, signer: &str) -> Result<Option<Checkpoint>> {
        let mut log = self.log()?;
        let state = log.state().clone();
        if state.size == state.checkpointed {
            return Ok(None);
        }
        // Only a key the register accepts now signs: a member revoked (or given
        // a new identity, or a person's credential re-issued) since their
        // session opened ends it without signing, for a checkpoint under a
        // retired key is one every verifier rejects. Someone else signs later.
        if self.with_register(|r| Ok(r.signer_key(signer)))? != Some(key.public()) {
            return Ok(None);
        }
        let origin = crate::audit::log_origin(log.medium().as_ref())?
            .ok_or_else(|| Error::AuditUnavailable(msg!("audit-log-first-entry-name-vault")))?;
        let c = key.sign(&origin, state.size, state.tree.root(), signer);
        // One record of `checkpoints.log`: the note, then an empty line.
        let write = FileWrite {
            file: LogFile::Checkpoints,
            offset: self.checkpoints.end()?,
            bytes: (c.to_text() + "\n").into_bytes(),
        };
        // With it, in the same step, the signer's signed record of where the
        // log ends (see `trust.rs`): a checkpoint never stands without it.
        let batch = self.last_seen_batch(signer, key)?;
        self.commit_locked(&mut log, None, Some(write), batch)?;
        Ok(Some(c))
    }

    /// Flushes the store and the logs to the device and empties the journal.
    /// Done on close and when the journal is full; after it the vault's files
    /// hold everything without the journal (for copies and outside tools).
    pub fn settle(&self) -> Result<()> {
        if let Backend::Postgres(_) = &self.backend {
            // Every change is a committed transaction already.
            return Ok(());
        }
        let log = self.log()?;
        let mut journal = self.journal()?;
        self.settle_locked(&log, &mut journal)
    }

    /// [`Vault::settle`]; the caller holds the log's lock (no change is under
    /// way). The audit state and index, kept in memory between settlings, are
    /// stored first. If any step fails, the journal is kept and no change is
    /// taken until the vault is reopened.
    fn settle_locked(&self, log: &AuditLog, journal: &mut Journal) -> Result<()> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(broken());
        }
        if journal.is_empty() {
            return Ok(());
        }
        let settled = (|| {
            let mut pending = self.pending_index()?;
            let mut batch = group_index(pending.clone())?;
            batch.put(layout::audit_state(), encode(log.state())?);
            self.store.apply(batch)?;
            pending.clear();
            drop(pending);
            settle_files(&self.dir, self.store.as_ref())?;
            journal.reset()
        })();
        if settled.is_err() {
            self.broken.store(true, Ordering::SeqCst);
        }
        settled
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;

    use secrecy::SecretString;

    use super::*;
    use crate::crypto::kdf::KdfParams;
    use crate::store::Visitor;
    use crate::vault::InitOptions;

    /// A store whose `apply` fails on demand.
    struct Flaky {
        inner: Box<dyn Store>,
        fail: Arc<AtomicBool>,
    }

    impl Store for Flaky {
        fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
            self.inner.get(key)
        }
        fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
            self.inner.scan_prefix(prefix)
        }
        fn commit(&self, batch: Batch) -> Result<()> {
            self.inner.commit(batch)
        }
        fn apply(&self, batch: Batch) -> Result<()> {
            if self.fail.load(Ordering::SeqCst) {
                return Err(Error::Io(msg!("injected-failure")));
            }
            self.inner.apply(batch)
        }
        fn for_each(&self, f: Visitor<'_>) -> Result<()> {
            self.inner.for_each(f)
        }
    }

    fn pass() -> SecretString {
        SecretString::from("durable-test-passphrase")
    }

    #[test]
    fn a_change_that_cannot_be_applied_stays_in_the_journal_until_the_vault_is_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let (mut v, _) = Vault::init(
            dir.path(),
            InitOptions {
                establishment: "Durable".into(),
                admin_id: "dir".into(),
                admin_name: "Director".into(),
                admin_profession: "directeur".into(),
                admin_passphrase: pass(),
                kdf: KdfParams::INSECURE_FAST,
                policy: None,
                recovery: None,
            },
        )
        .unwrap();
        let fail = Arc::new(AtomicBool::new(false));
        let spare = tempfile::tempdir().unwrap();
        let placeholder: Box<dyn Store> =
            Box::new(crate::store::sled_store::SledStore::open(spare.path()).unwrap());
        let inner = std::mem::replace(&mut v.store, placeholder);
        v.store = Box::new(Flaky {
            inner,
            fail: fail.clone(),
        });
        let note = |t: &str| [crate::vault::FieldInput::new("text", t)];
        let d = {
            let mut s = v.unlock("dir", &pass()).unwrap();
            let d = s.create_dossier("Before", "2000-01-01").unwrap();
            s.add_entry(&d, "financial", &note("applied")).unwrap();
            fail.store(true, Ordering::SeqCst);
            // Journaled, then not applied: the user is told it is saved.
            match s.add_entry(&d, "financial", &note("journaled")) {
                Err(Error::Io(m)) => assert_eq!(m.kind(), "change-saved-journal-could-applied-now"),
                other => panic!("expected an I/O error, got {other:?}"),
            }
            fail.store(false, Ordering::SeqCst);
            // Nothing more is taken, and the journal is not emptied.
            match s.add_entry(&d, "financial", &note("refused")) {
                Err(Error::Io(m)) => {
                    assert_eq!(m.kind(), "earlier-change-could-applied-kept-journal")
                }
                other => panic!("expected a refusal, got {other:?}"),
            }
            assert!(v.settle().is_err());
            d
        };
        drop(v);
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("dir", &pass()).unwrap();
        let view = s.show_dossier(&d, None).unwrap();
        assert_eq!(
            view.entries.len(),
            2,
            "the journaled entry is applied at reopen"
        );
    }
}
