//! The write-ahead journal: one device flush per acknowledged change.
//!
//! A change to the vault touches up to three files: the store (sled), the audit
//! log and the checkpoints. Making each durable on its own costs two to four
//! flushes. Instead the whole change — the bytes to write into the two log files
//! and the store operations — is framed as one [`Record`], written into this
//! preallocated file and made durable with a single `fdatasync` (no metadata
//! changes, since the space was written once at creation). Only then is it
//! applied to the other files, without waiting for them.
//!
//! After a crash the valid records are replayed (every store operation is an
//! absolute put or removal and every file write is positional, so applying a
//! record twice changes nothing), the other files are synced and the journal is
//! emptied ("settled"). The vault also settles when the journal is full and when
//! it is closed.
//!
//! Where the file system allows it (not tmpfs), records are written through a
//! second handle opened with `O_DIRECT | O_DSYNC`: one `pwrite` of whole 4 KiB
//! blocks that returns once the block is on the device, without the page cache
//! and without a separate `fdatasync` (about a fifth faster on the disks
//! measured). Elsewhere a buffered write is followed by `fdatasync`.
//!
//! File layout (little endian), in 4 KiB blocks:
//! - block 0: header — `COFFREJ1`, epoch (u64), SHA-256 of the two (32 bytes);
//! - from block 1: records, each starting on a block boundary: `CJR1`, epoch
//!   (u64), number (u64, from 0), body length (u32), body (postcard of
//!   [`Record`]), SHA-256 of all before it, then zeros to the block's end.
//!
//! A record counts only if its frame is whole, its checksum holds, its epoch is
//! the header's and its number follows the previous one: a torn last write (never
//! acknowledged) or a record left from before the last settling ends the replay.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;

use ring::digest::{digest, SHA256};
use serde::{Deserialize, Serialize};

use super::Op;
use crate::crypto::key::random_bytes;
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"COFFREJ1";
const RECORD_MAGIC: &[u8; 4] = b"CJR1";
/// Unit of every write: records start on and fill whole blocks.
const BLOCK: u64 = 4096;
/// Records start here; the header sits alone in the first block.
const FIRST_RECORD: u64 = BLOCK;
/// Frame bytes around a body: magic, epoch, number, length, checksum.
const FRAME_OVERHEAD: usize = 4 + 8 + 8 + 4 + 32;
/// Preallocated size: the journal settles once this much is used.
pub const DEFAULT_CAPACITY: u64 = 4 * 1024 * 1024;

/// Which log file a [`FileWrite`] goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogFile {
    /// `audit.log`.
    Audit,
    /// `checkpoints.log`.
    Checkpoints,
}

/// Bytes to write at a given offset of a log file.
#[derive(Debug, Serialize, Deserialize)]
pub struct FileWrite {
    /// The file.
    pub file: LogFile,
    /// Where the bytes go.
    pub offset: u64,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// One change to the vault, made durable as a whole.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Record {
    /// Log bytes, in order.
    pub writes: Vec<FileWrite>,
    /// Store operations, in order.
    pub ops: Vec<Op>,
}

impl Record {
    /// Bytes the record will take in the journal (approximately; for space checks).
    pub fn approximate_size(&self) -> u64 {
        let w: usize = self.writes.iter().map(|w| w.bytes.len() + 16).sum();
        // Keys and values, plus a few bytes of lengths and tags per operation.
        w as u64 + super::ops_size(&self.ops) + 8 * self.ops.len() as u64 + FRAME_OVERHEAD as u64
    }
}

/// The open journal.
#[derive(Debug)]
pub struct Journal {
    file: File,
    /// The same file opened with `O_DIRECT | O_DSYNC`, where supported.
    direct: Option<File>,
    epoch: u64,
    next: u64,
    pos: u64,
    capacity: u64,
    /// Set when a write or flush failed: the file's state is then unknown.
    failed: bool,
}

fn io_err(what: crate::error::Msg) -> impl Fn(std::io::Error) -> Error {
    move |e| Error::io(what.clone(), e)
}

fn header(epoch: u64) -> Vec<u8> {
    let mut h = Vec::with_capacity(48);
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&epoch.to_le_bytes());
    let sum = digest(&SHA256, &h);
    h.extend_from_slice(sum.as_ref());
    h
}

fn read_header(bytes: &[u8]) -> Option<u64> {
    if bytes.len() < 48 || &bytes[..8] != MAGIC {
        return None;
    }
    let epoch = u64::from_le_bytes(bytes[8..16].try_into().ok()?);
    (digest(&SHA256, &bytes[..16]).as_ref() == &bytes[16..48]).then_some(epoch)
}

fn new_epoch() -> Result<u64> {
    Ok(u64::from_le_bytes(random_bytes::<8>()?))
}

/// The journal opened for direct, synchronous writes, if the file system
/// supports it (tmpfs, for one, refuses `O_DIRECT`).
fn open_direct(path: &Path) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_DIRECT | libc::O_DSYNC)
        .open(path)
        .ok()
}

impl Journal {
    /// Opens the journal at `path`, creating and preallocating it (`capacity`
    /// bytes of zeros, synced) if it does not exist. Returns the records still to
    /// be applied, in order.
    pub fn open(path: &Path, capacity: u64) -> Result<(Journal, Vec<Record>)> {
        let file = crate::private_files::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io_err(msg!("cannot-open-journal")))?;
        let len = file
            .metadata()
            .map_err(io_err(msg!("cannot-read-journal")))?
            .len();
        let mut head = [0u8; 48];
        let epoch = if len >= 48 {
            file.read_exact_at(&mut head, 0)
                .map_err(io_err(msg!("cannot-read-journal")))?;
            read_header(&head)
        } else {
            None
        };
        let mut journal = Journal {
            file,
            direct: None,
            epoch: 0,
            next: 0,
            pos: FIRST_RECORD,
            capacity: capacity.max(FIRST_RECORD * 2),
            failed: false,
        };
        let Some(epoch) = epoch else {
            // New, or its creation was interrupted (a header is only rewritten
            // once everything it covered is settled): start afresh.
            journal.preallocate(len)?;
            journal.direct = open_direct(path);
            journal.reset()?;
            // Its name must survive a power cut too (also when an earlier
            // creation was interrupted).
            if let Some(dir) = path.parent() {
                File::open(dir)
                    .and_then(|d| d.sync_all())
                    .map_err(io_err(msg!("cannot-sync-vault-directory")))?;
            }
            return Ok((journal, Vec::new()));
        };
        journal.epoch = epoch;
        let records = journal.read_records(len)?;
        journal.direct = open_direct(path);
        Ok((journal, records))
    }

    /// The records of the journal at `path` still to be applied, read without
    /// opening it for writing and without creating, repairing or changing
    /// anything (for read-only verification). A missing journal, or one whose
    /// header does not hold, has none.
    ///
    /// Errors: [`Error::Io`] if the file exists but cannot be read.
    pub fn read_pending(path: &Path) -> Result<Vec<Record>> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(msg!("cannot-read-journal"), e)),
        };
        let len = file
            .metadata()
            .map_err(io_err(msg!("cannot-read-journal")))?
            .len();
        let mut head = [0u8; 48];
        if len < 48 {
            return Ok(Vec::new());
        }
        file.read_exact_at(&mut head, 0)
            .map_err(io_err(msg!("cannot-read-journal")))?;
        let Some(epoch) = read_header(&head) else {
            return Ok(Vec::new());
        };
        let mut journal = Journal {
            file,
            direct: None,
            epoch,
            next: 0,
            pos: FIRST_RECORD,
            capacity: len.max(FIRST_RECORD * 2),
            failed: false,
        };
        journal.read_records(len)
    }

    /// Writes whole blocks at `pos` and returns once they are on the device.
    fn write_durably(&mut self, blocks: &[u8], pos: u64) -> std::io::Result<()> {
        debug_assert!((blocks.len() as u64).is_multiple_of(BLOCK) && pos.is_multiple_of(BLOCK));
        if let Some(direct) = &self.direct {
            // O_DIRECT wants the memory aligned too.
            let mut buf = vec![0u8; blocks.len() + BLOCK as usize];
            let start = buf.as_ptr().align_offset(BLOCK as usize);
            buf[start..start + blocks.len()].copy_from_slice(blocks);
            match direct.write_all_at(&buf[start..start + blocks.len()], pos) {
                // A file system that accepted O_DIRECT at open but not this
                // write: go on with buffered writes.
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => self.direct = None,
                other => return other,
            }
        }
        self.file
            .write_all_at(blocks, pos)
            .and_then(|_| self.file.sync_data())
    }

    /// Writes zeros up to the capacity, so that later writes change no metadata.
    fn preallocate(&mut self, len: u64) -> Result<()> {
        const CHUNK: usize = 256 * 1024;
        let zeros = vec![0u8; CHUNK];
        let mut at = len.min(self.capacity);
        while at < self.capacity {
            let n = CHUNK.min((self.capacity - at) as usize);
            self.file
                .write_all_at(&zeros[..n], at)
                .map_err(io_err(msg!("cannot-create-journal")))?;
            at += n as u64;
        }
        self.file
            .sync_all()
            .map_err(io_err(msg!("cannot-create-journal")))
    }

    /// Reads the valid records of the current epoch, leaving `pos` after them.
    fn read_records(&mut self, len: u64) -> Result<Vec<Record>> {
        let mut records = Vec::new();
        let mut file = &self.file;
        std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(FIRST_RECORD))
            .map_err(io_err(msg!("cannot-read-journal")))?;
        let mut reader = std::io::BufReader::with_capacity(
            256 * 1024,
            file.take(len.saturating_sub(FIRST_RECORD)),
        );
        let (mut next, mut pos) = (0u64, FIRST_RECORD);
        loop {
            let mut head = [0u8; 24];
            if reader.read_exact(&mut head).is_err() || &head[..4] != RECORD_MAGIC {
                break;
            }
            let field = |r: std::ops::Range<usize>| {
                let mut b = [0u8; 8];
                b[..r.len()].copy_from_slice(&head[r]);
                u64::from_le_bytes(b)
            };
            let (epoch, number, body_len) = (field(4..12), field(12..20), field(20..24));
            if epoch != self.epoch || number != next || pos + FRAME_OVERHEAD as u64 + body_len > len
            {
                break;
            }
            let mut rest = vec![0u8; body_len as usize + 32];
            if reader.read_exact(&mut rest).is_err() {
                break;
            }
            let (body, sum) = rest.split_at(body_len as usize);
            let mut framed = Vec::with_capacity(24 + body.len());
            framed.extend_from_slice(&head);
            framed.extend_from_slice(body);
            if digest(&SHA256, &framed).as_ref() != sum {
                break;
            }
            let Ok(record) = postcard::from_bytes::<Record>(body) else {
                break;
            };
            records.push(record);
            next += 1;
            let end = pos + FRAME_OVERHEAD as u64 + body_len;
            let padded = end.next_multiple_of(BLOCK);
            if reader.seek_relative((padded - end) as i64).is_err() {
                break;
            }
            pos = padded;
        }
        self.next = next;
        self.pos = pos;
        Ok(records)
    }

    /// Whether no record was written since the last reset.
    pub fn is_empty(&self) -> bool {
        self.next == 0
    }

    /// Whether `record` still fits in the preallocated space.
    pub fn fits(&self, record: &Record) -> bool {
        self.pos + record.approximate_size().next_multiple_of(BLOCK) <= self.capacity
    }

    /// Whether the preallocated space is used up.
    pub fn is_full(&self) -> bool {
        self.pos >= self.capacity
    }

    /// Writes `record` and flushes it to the device (`fdatasync`). When this
    /// returns `Ok`, the change survives a power cut.
    pub fn append(&mut self, record: &Record) -> Result<()> {
        if self.failed {
            return Err(Error::Io(msg!("earlier-write-journal-failed-close-coffre")));
        }
        let body = postcard::to_stdvec(record)
            .map_err(|e| Error::Io(msg!("cannot-encode-journal-record", e = e)))?;
        let body_len = u32::try_from(body.len())
            .map_err(|_| Error::Usage(msg!("change-too-large-one-journal-record")))?;
        let mut frame = Vec::with_capacity(body.len() + FRAME_OVERHEAD);
        frame.extend_from_slice(RECORD_MAGIC);
        frame.extend_from_slice(&self.epoch.to_le_bytes());
        frame.extend_from_slice(&self.next.to_le_bytes());
        frame.extend_from_slice(&body_len.to_le_bytes());
        frame.extend_from_slice(&body);
        let sum = digest(&SHA256, &frame);
        frame.extend_from_slice(sum.as_ref());
        frame.resize((frame.len() as u64).next_multiple_of(BLOCK) as usize, 0);
        let written = self.write_durably(&frame, self.pos);
        if let Err(e) = written {
            // Whether the record reached the disk is unknown: refuse further
            // writes until the vault is reopened (and the journal replayed).
            self.failed = true;
            return Err(Error::io(msg!("cannot-write-journal"), e));
        }
        self.pos += frame.len() as u64;
        self.next += 1;
        Ok(())
    }

    /// Zeroes every record block, then empties the journal: after a prune of
    /// the audit trail no earlier record (which held the pruned lines) is left
    /// in the file. Call only once the vault has settled.
    pub fn scrub(&mut self) -> Result<()> {
        let zeros = vec![0u8; 256 * 1024];
        let mut at = FIRST_RECORD;
        while at < self.capacity {
            let n = zeros.len().min((self.capacity - at) as usize);
            if let Err(e) = self.file.write_all_at(&zeros[..n], at) {
                self.failed = true;
                return Err(Error::io(msg!("cannot-clear-journal"), e));
            }
            at += n as u64;
        }
        if let Err(e) = self.file.sync_data() {
            self.failed = true;
            return Err(Error::io(msg!("cannot-clear-journal"), e));
        }
        self.reset()
    }

    /// Empties the journal (a new epoch), once everything it held is durable
    /// elsewhere.
    pub fn reset(&mut self) -> Result<()> {
        let epoch = new_epoch()?;
        let mut block = header(epoch);
        block.resize(BLOCK as usize, 0);
        if let Err(e) = self.write_durably(&block, 0) {
            self.failed = true;
            return Err(Error::io(msg!("cannot-reset-journal"), e));
        }
        self.epoch = epoch;
        self.next = 0;
        self.pos = FIRST_RECORD;
        self.failed = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: u8, value_len: usize) -> Record {
        Record {
            writes: vec![FileWrite {
                file: LogFile::Audit,
                offset: u64::from(i) * 10,
                bytes: vec![b'a' + i % 26; 10],
            }],
            ops: vec![Op::Put(vec![i], vec![i; value_len]), Op::Remove(vec![i, i])],
        }
    }

    fn keys(records: &[Record]) -> Vec<u8> {
        records
            .iter()
            .map(|r| match &r.ops[0] {
                Op::Put(k, _) => k[0],
                Op::Remove(_) => 255,
            })
            .collect()
    }

    #[test]
    fn records_survive_reopen_until_reset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal");
        let (mut j, found) = Journal::open(&path, 64 * 1024).unwrap();
        assert!(found.is_empty() && j.is_empty());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 64 * 1024);
        for i in 0..5 {
            j.append(&record(i, 100)).unwrap();
        }
        drop(j);
        let (mut j, found) = Journal::open(&path, 64 * 1024).unwrap();
        assert_eq!(keys(&found), vec![0, 1, 2, 3, 4]);
        assert_eq!(found[3].writes[0].offset, 30);
        // Appending continues after the replayed records.
        j.append(&record(5, 100)).unwrap();
        drop(j);
        let (mut j, found) = Journal::open(&path, 64 * 1024).unwrap();
        assert_eq!(keys(&found), vec![0, 1, 2, 3, 4, 5]);
        j.reset().unwrap();
        drop(j);
        let (j, found) = Journal::open(&path, 64 * 1024).unwrap();
        assert!(found.is_empty() && j.is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Whatever the file holds (it is on disk, anyone with access can write
        /// it), opening reads a prefix of valid records and never panics.
        #[test]
        fn any_bytes_open_without_panic(
            noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3 * BLOCK as usize),
            keep in 0usize..3,
            at in 0usize..(3 * BLOCK as usize),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("journal");
            let (mut j, _) = Journal::open(&path, 64 * 1024).unwrap();
            for i in 0..keep {
                j.append(&record(i as u8, 300)).unwrap();
            }
            drop(j);
            let mut bytes = std::fs::read(&path).unwrap();
            let start = at.min(bytes.len());
            let end = (start + noise.len()).min(bytes.len());
            bytes[start..end].copy_from_slice(&noise[..end - start]);
            std::fs::write(&path, &bytes).unwrap();
            if let Ok((_, found)) = Journal::open(&path, 64 * 1024) {
                proptest::prop_assert!(found.len() <= keep);
            }
        }
    }

    #[test]
    fn the_buffered_path_writes_the_same_journal() {
        // Where O_DIRECT is refused (tmpfs), writes are buffered + fdatasync.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal");
        let (mut j, _) = Journal::open(&path, 64 * 1024).unwrap();
        j.direct = None;
        j.reset().unwrap();
        for i in 0..3 {
            j.append(&record(i, 5000)).unwrap();
        }
        drop(j);
        let (_, found) = Journal::open(&path, 64 * 1024).unwrap();
        assert_eq!(keys(&found), vec![0, 1, 2]);
    }

    #[test]
    fn old_records_after_a_reset_are_not_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal");
        let (mut j, _) = Journal::open(&path, 64 * 1024).unwrap();
        for i in 0..4 {
            j.append(&record(i, 50)).unwrap();
        }
        j.reset().unwrap();
        // A shorter new record: the old records 1..3 still lie behind it.
        j.append(&record(9, 10)).unwrap();
        drop(j);
        let (_, found) = Journal::open(&path, 64 * 1024).unwrap();
        assert_eq!(keys(&found), vec![9]);
    }

    #[test]
    fn a_torn_or_damaged_record_ends_the_replay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal");
        let (mut j, _) = Journal::open(&path, 64 * 1024).unwrap();
        for i in 0..2 {
            j.append(&record(i, 200)).unwrap();
        }
        let start = j.pos;
        assert!(
            start.is_multiple_of(BLOCK),
            "records start on block boundaries"
        );
        j.append(&record(2, 200)).unwrap();
        drop(j);
        let clean = std::fs::read(&path).unwrap();
        // Cut the last record anywhere inside it, or flip any byte of it.
        let end =
            start + (FRAME_OVERHEAD + postcard::to_stdvec(&record(2, 200)).unwrap().len()) as u64;
        for at in (start..end).step_by(7) {
            let mut bytes = clean.clone();
            bytes[at as usize] ^= 0x40;
            std::fs::write(&path, &bytes).unwrap();
            let (_, found) = Journal::open(&path, 64 * 1024).unwrap();
            assert_eq!(keys(&found), vec![0, 1], "flip at {at}");
            let mut bytes = clean.clone();
            for b in &mut bytes[at as usize..end as usize] {
                *b = 0;
            }
            std::fs::write(&path, &bytes).unwrap();
            let (_, found) = Journal::open(&path, 64 * 1024).unwrap();
            assert_eq!(keys(&found), vec![0, 1], "cut at {at}");
        }
    }

    #[test]
    fn a_damaged_header_means_an_empty_journal_and_a_record_can_outgrow_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal");
        let (mut j, _) = Journal::open(&path, 16 * 1024).unwrap();
        let big = record(1, 40 * 1024);
        assert!(!j.fits(&big));
        j.append(&big).unwrap();
        assert!(j.is_full());
        drop(j);
        let (_, found) = Journal::open(&path, 16 * 1024).unwrap();
        assert_eq!(found.len(), 1);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[3] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let (j, found) = Journal::open(&path, 16 * 1024).unwrap();
        assert!(found.is_empty() && j.is_empty());
    }
}
