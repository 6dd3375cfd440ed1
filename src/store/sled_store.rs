//! [`Store`] on sled 0.34, made durable against power loss.
//!
//! sled's `flush()` on Linux ends in `sync_file_range`, which neither flushes the
//! device cache nor file metadata. After each flush we therefore `fsync` sled's data
//! file ourselves (`File::sync_all`), so a committed batch survives a power cut.
//!
//! sled's snapshot file (`snap.*`) is a cache derived from its log: when sled finds
//! it damaged, it is moved aside and sled rebuilds it from the log, with a
//! [`Warning::DamagedSnapshot`] naming it. Damage sled reports in its log is a
//! storage fault (an I/O error naming the folder); "integrity failure" is kept for
//! authenticated data (sealed fields, the audit chain, signatures).

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock, RwLockReadGuard};

use super::space::SpaceCheck;
use super::{Batch, Op, Store};
use crate::error::{Error, Result};
use crate::warning::Warning;

/// The sled-backed store.
pub struct SledStore {
    db: sled::Db,
    dir: PathBuf,
    /// Blob files already synced (sled writes large values to `blobs/` without fsync).
    synced_blobs: Mutex<HashSet<std::ffi::OsString>>,
    /// Readers share it; a batch being applied holds it alone, so that no reader
    /// of this process sees half a batch.
    gate: RwLock<()>,
    space: SpaceCheck,
    /// What the open repaired (see [`SledStore::take_warnings`]).
    warnings: Vec<Warning>,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// Whether sled failed to take its file lock (it reports that as a plain I/O
/// error whose text names the lock).
fn lock_held(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::WouldBlock || e.to_string().contains("could not acquire lock")
}

/// sled found a checksum error in its own files: a storage fault (exit 1), not
/// tampering with authenticated data.
fn store_damaged() -> Error {
    Error::Io(msg!("record-store-s-files-store-damaged"))
}

fn storage_err(e: sled::Error) -> Error {
    match e {
        sled::Error::Corruption { .. } => store_damaged(),
        sled::Error::Io(io) if lock_held(&io) => {
            Error::Busy(msg!("vault-open-another-coffre-process-close"))
        }
        other => Error::Io(msg!("record-store-error", other = other)),
    }
}

impl SledStore {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        remove_unfinished_snapshots(dir)?;
        crate::private_files::create_dir(dir)?;
        let config = sled::Config::new()
            .path(dir)
            .mode(sled::Mode::HighThroughput)
            // Bounded page cache: memory must not grow with the vault's size.
            .cache_capacity(64 * 1024 * 1024)
            .flush_every_ms(None);
        // The caller holds the vault's lock file, so no other process has the
        // store open; but sled 0.34 releases its own file lock from background
        // threads a moment after a `Db` is dropped, so reopening in the same
        // process right after closing may find it still held: wait a little.
        let (db, warnings) = match open_db(&config) {
            Err(sled::Error::Corruption { .. }) => reopen_without_snapshot(dir, &config)?,
            other => (other.map_err(storage_err)?, Vec::new()),
        };
        let store = SledStore {
            db,
            dir: dir.to_path_buf(),
            synced_blobs: Mutex::new(HashSet::new()),
            gate: RwLock::new(()),
            space: SpaceCheck::new(dir),
            warnings,
        };
        store.sync_files()?;
        // sled creates its files with the umask's mode: owner only (the folder
        // already keeps them out of reach).
        let _ = crate::private_files::make_private(dir);
        Ok(store)
    }

    /// What the open found and repaired (a damaged snapshot moved aside), once.
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// `fsync`s every regular file sled keeps, then the directory itself.
    fn sync_files(&self) -> Result<()> {
        let entries =
            std::fs::read_dir(&self.dir).map_err(|e| Error::io(msg!("cannot-list-store"), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(msg!("cannot-list-store"), e))?;
            let path = entry.path();
            if path.is_file() {
                File::open(&path)
                    .and_then(|f| f.sync_all())
                    .map_err(|e| Error::io(msg!("cannot-sync-store-disk"), e))?;
            }
        }
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(msg!("cannot-sync-store-directory"), e))
    }

    /// `fdatasync`s the data file and every blob file not synced before.
    fn sync_after_flush(&self) -> Result<()> {
        let sync_err = |e| Error::io(msg!("cannot-sync-store-disk"), e);
        File::open(self.dir.join("db"))
            .and_then(|f| f.sync_data())
            .map_err(sync_err)?;
        let blobs = self.dir.join("blobs");
        let Ok(entries) = std::fs::read_dir(&blobs) else {
            return Ok(());
        };
        let mut synced = self
            .synced_blobs
            .lock()
            .map_err(|_| Error::Io(msg!("store-lock-poisoned")))?;
        let mut any_new = false;
        for entry in entries {
            let entry = entry.map_err(sync_err)?;
            if synced.contains(&entry.file_name()) {
                continue;
            }
            File::open(entry.path())
                .and_then(|f| f.sync_data())
                .map_err(sync_err)?;
            let _ = crate::private_files::tighten(&entry.path());
            synced.insert(entry.file_name());
            any_new = true;
        }
        if any_new {
            File::open(&blobs)
                .and_then(|d| d.sync_all())
                .map_err(sync_err)?;
        }
        Ok(())
    }
}

impl SledStore {
    /// Applies `batch` as one sled batch (recovered whole or not at all).
    fn apply_atomically(&self, batch: Batch) -> Result<()> {
        self.check_space(&batch)?;
        let _w = self
            .gate
            .write()
            .map_err(|_| Error::Io(msg!("store-lock-poisoned")))?;
        let mut b = sled::Batch::default();
        for op in batch.ops {
            match op {
                Op::Put(k, v) => b.insert(k, v),
                Op::Remove(k) => b.remove(k),
            }
        }
        self.db.apply_batch(b).map_err(storage_err)
    }

    /// Refuses a batch the file system has no room for. sled 0.34 does not
    /// always return an error when a write hits a full disk (its flusher can
    /// wait for ever), so the check is made before anything is written.
    fn check_space(&self, batch: &Batch) -> Result<()> {
        self.space.require(batch.byte_size())
    }
}

/// Opens sled, waiting a little while its own file lock is still held.
fn open_db(config: &sled::Config) -> std::result::Result<sled::Db, sled::Error> {
    // The caller holds the vault's lock file, so no other process has the
    // store open; but sled 0.34 releases its own file lock from background
    // threads a moment after a `Db` is dropped, so reopening in the same
    // process right after closing may find it still held: wait a little.
    let mut tries = 0;
    loop {
        match config.open() {
            Err(sled::Error::Io(e)) if lock_held(&e) && tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// sled reported corruption at open. Its snapshot files (`snap.*`) are a cache of
/// its log (sled rebuilds them by reading the log when there are none), so they
/// are moved aside (renamed `damaged-snap.*`, which sled ignores) and the store is
/// opened again. If it still fails, the damage is in the log: the files are put
/// back as they were and the error names the store.
fn reopen_without_snapshot(dir: &Path, config: &sled::Config) -> Result<(sled::Db, Vec<Warning>)> {
    let mut moved = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(msg!("cannot-list-store"), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(msg!("cannot-list-store"), e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("snap.") {
            continue;
        }
        let mut to = dir.join(format!("damaged-{name}"));
        let mut n = 1;
        while to.exists() {
            n += 1;
            to = dir.join(format!("damaged-{name}.{n}"));
        }
        std::fs::rename(entry.path(), &to)
            .map_err(|e| Error::io(msg!("cannot-move-damaged-snapshot-store-aside"), e))?;
        moved.push((entry.path(), to));
    }
    if moved.is_empty() {
        return Err(store_damaged());
    }
    match open_db(config) {
        Ok(db) => {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
            let warnings = moved
                .into_iter()
                .map(|(file, to)| Warning::DamagedSnapshot {
                    file,
                    moved_to: Some(to),
                })
                .collect();
            Ok((db, warnings))
        }
        Err(e) => {
            for (from, to) in moved {
                let _ = std::fs::rename(to, from);
            }
            Err(storage_err(e))
        }
    }
}

/// A process killed while sled 0.34 writes its start-up snapshot leaves an empty
/// `snap.<lsn>.generating` file, which sled would then read as the latest snapshot
/// and refuse the store as corrupt. Such a file was never finished: remove it (the
/// caller holds the vault's lock, so no other process is writing it).
fn remove_unfinished_snapshots(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(msg!("cannot-list-store"), e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            std::fs::remove_file(entry.path())
                .map_err(|e| Error::io(msg!("cannot-clean-store"), e))?;
        }
    }
    Ok(())
}

impl SledStore {
    fn reading(&self) -> Result<RwLockReadGuard<'_, ()>> {
        self.gate
            .read()
            .map_err(|_| Error::Io(msg!("store-lock-poisoned")))
    }
}

impl Store for SledStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let _r = self.reading()?;
        Ok(self.db.get(key).map_err(storage_err)?.map(|v| v.to_vec()))
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let _r = self.reading()?;
        self.db
            .scan_prefix(prefix)
            .map(|r| {
                r.map(|(k, v)| (k.to_vec(), v.to_vec()))
                    .map_err(storage_err)
            })
            .collect()
    }

    fn scan_prefix_page(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        use std::ops::Bound;
        let _r = self.reading()?;
        let start = match after {
            Some(a) => Bound::Excluded(a.to_vec()),
            None => Bound::Included(prefix.to_vec()),
        };
        let mut out = Vec::new();
        for item in self.db.range::<Vec<u8>, _>((start, Bound::Unbounded)) {
            let (k, v) = item.map_err(storage_err)?;
            if !k.starts_with(prefix) || out.len() >= limit.max(1) {
                break;
            }
            out.push((k.to_vec(), v.to_vec()));
        }
        Ok(out)
    }

    fn commit(&self, batch: Batch) -> Result<()> {
        // One sled batch whatever its size: what a settling stores (the audit
        // state with the index it covers) must be recovered whole or not at all.
        if !batch.is_empty() {
            self.apply_atomically(batch)?;
        }
        self.db.flush().map_err(storage_err)?;
        self.sync_after_flush()?;
        // Files sled created since the open (a new snapshot): owner only.
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                let _ = crate::private_files::tighten(&entry.path());
            }
        }
        Ok(())
    }
    fn for_each(&self, f: super::Visitor<'_>) -> Result<()> {
        let _r = self.reading()?;
        for item in self.db.iter() {
            let (k, v) = item.map_err(storage_err)?;
            f(&k, &v)?;
        }
        Ok(())
    }

    fn apply(&self, batch: Batch) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        // Small batches go in one insert at a time rather than through sled's
        // `apply_batch`: sled 0.34 seals and writes its log buffer (with
        // `sync_file_range`) for every batch, a device write per change.
        // Atomicity then comes from the gate for this process's readers and
        // from the vault's journal (replayed whole after a crash) for the disk.
        // Large batches (bulk imports, rotations) use `apply_batch`, whose one
        // buffer write is small beside them.
        if batch.ops.len() >= BULK_BATCH {
            return self.apply_atomically(batch);
        }
        self.check_space(&batch)?;
        let _w = self
            .gate
            .write()
            .map_err(|_| Error::Io(msg!("store-lock-poisoned")))?;
        for op in batch.ops {
            match op {
                Op::Put(k, v) => self.db.insert(k, v).map(|_| ()),
                Op::Remove(k) => self.db.remove(k).map(|_| ()),
            }
            .map_err(storage_err)?;
        }
        Ok(())
    }
}

/// From this many operations on, a batch goes through sled's `apply_batch`.
const BULK_BATCH: usize = 256;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_round_trip_and_prefix_scan() {
        let dir = tempfile::tempdir().unwrap();
        let s = SledStore::open(dir.path()).unwrap();
        let mut b = Batch::new();
        b.put(b"a/1".to_vec(), b"x".to_vec());
        b.put(b"a/2".to_vec(), b"y".to_vec());
        b.put(b"b/1".to_vec(), b"z".to_vec());
        s.commit(b).unwrap();
        assert_eq!(s.get(b"a/1").unwrap().unwrap(), b"x");
        let scan = s.scan_prefix(b"a/").unwrap();
        assert_eq!(scan.len(), 2);
        let mut b = Batch::new();
        b.remove(b"a/1".to_vec());
        s.commit(b).unwrap();
        assert!(s.get(b"a/1").unwrap().is_none());
    }

    #[test]
    fn second_open_in_same_process_reports_busy_or_io_not_panic() {
        let dir = tempfile::tempdir().unwrap();
        let _s = SledStore::open(dir.path()).unwrap();
        // A second open of the same directory must fail cleanly.
        assert!(SledStore::open(dir.path()).is_err());
    }
}
