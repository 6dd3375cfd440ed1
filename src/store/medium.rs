//! Where the bytes of an append-only log live: the audit log (`audit.log`) and
//! the signed checkpoints (`checkpoints.log`) are byte sequences that grow at
//! their end and are read by offset. A folder vault keeps them in files
//! ([`FileMedium`]); a vault in PostgreSQL keeps them as rows, one per appended
//! piece, keyed by byte offset ([`crate::store::postgres`]). Everything that
//! reads a log — the vault, the verifiers, the rights register — reads through
//! [`LogMedium`] and [`MediumReader`], so both kinds are checked by the same code.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};

/// An append-only byte sequence read by offset.
///
/// Offsets and lengths are in bytes. Writes go at the end, or over bytes
/// already written with the same length (the audit prune rewrites whole lines
/// in place); a write beyond the end is refused ([`Error::Integrity`]), since a
/// log is never written with a hole.
pub trait LogMedium: Send + Sync + std::fmt::Debug {
    /// Current length.
    fn len(&self) -> Result<u64>;
    /// Whether nothing was written yet.
    fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }
    /// Reads up to `buf.len()` bytes at `offset`; returns how many (0 at the end).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize>;
    /// Writes `bytes` at `offset` (not beyond the end), without waiting for
    /// stable storage.
    fn write_at(&self, offset: u64, bytes: &[u8]) -> Result<()>;
    /// Cuts the sequence to `len` bytes and makes that durable (the repair of
    /// an interrupted last write).
    fn truncate(&self, len: u64) -> Result<()>;
    /// Waits until every write has reached stable storage.
    fn sync(&self) -> Result<()>;
    /// A name for messages (a file name, or a table).
    fn name(&self) -> String;
}

/// A shared handle on a log's bytes.
pub type Medium = Arc<dyn LogMedium>;

/// Reads a [`LogMedium`] as a stream (`Read + Seek`), from `pos`.
pub struct MediumReader<'a> {
    medium: &'a dyn LogMedium,
    pos: u64,
}

/// A reader at the start of `medium`.
pub fn reader(medium: &dyn LogMedium) -> MediumReader<'_> {
    MediumReader { medium, pos: 0 }
}

impl Read for MediumReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Coffre's own error rides inside the io::Error and comes back out
        // as itself (`Error::io`): a damaged row stays an integrity failure.
        let n = self
            .medium
            .read_at(self.pos, buf)
            .map_err(std::io::Error::other)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for MediumReader<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let base = match to {
            SeekFrom::Start(p) => {
                self.pos = p;
                return Ok(p);
            }
            SeekFrom::Current(d) => (self.pos, d),
            SeekFrom::End(d) => (self.medium.len().map_err(std::io::Error::other)?, d),
        };
        self.pos = base
            .0
            .checked_add_signed(base.1)
            .ok_or_else(|| std::io::Error::other("seek before the start"))?;
        Ok(self.pos)
    }
}

/// A log kept in a file of the vault's folder.
#[derive(Debug)]
pub struct FileMedium {
    path: PathBuf,
}

impl FileMedium {
    /// The log in the file at `path` (created, owner-only, at the first write).
    pub fn new(path: &Path) -> Self {
        FileMedium {
            path: path.to_path_buf(),
        }
    }

    /// As a shared [`Medium`].
    pub fn shared(path: &Path) -> Medium {
        Arc::new(FileMedium::new(path))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, e: std::io::Error) -> Error {
        Error::io(msg!("cannot-read-audit-log"), e)
    }
}

impl LogMedium for FileMedium {
    fn len(&self) -> Result<u64> {
        match std::fs::metadata(&self.path) {
            Ok(m) if m.is_file() => Ok(m.len()),
            Ok(_) => Err(Error::Integrity(msg!(
                "regular-file",
                path = self.path.display()
            ))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(self.io(e)),
        }
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let f = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(self.io(e)),
        };
        loop {
            match f.read_at(buf, offset) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.io(e)),
            }
        }
    }

    fn write_at(&self, offset: u64, bytes: &[u8]) -> Result<()> {
        crate::audit::write_at(&self.path, offset, bytes)
    }

    fn truncate(&self, len: u64) -> Result<()> {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.path)
            .map_err(|e| self.io(e))?;
        f.set_len(len)
            .and_then(|_| f.sync_all())
            .map_err(|e| Error::io(msg!("cannot-repair-audit-log"), e))
    }

    fn sync(&self) -> Result<()> {
        crate::audit::sync_file(&self.path)
    }

    fn name(&self) -> String {
        self.path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_reads_back_what_was_written_and_seeks_like_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let m = FileMedium::new(&dir.path().join("log"));
        assert_eq!(m.len().unwrap(), 0);
        m.write_at(0, b"one\n").unwrap();
        m.write_at(4, b"two\n").unwrap();
        assert!(m.write_at(10, b"x").is_err(), "no hole");
        let mut r = reader(&m);
        let mut all = String::new();
        r.read_to_string(&mut all).unwrap();
        assert_eq!(all, "one\ntwo\n");
        r.seek(SeekFrom::Start(4)).unwrap();
        let mut two = [0u8; 3];
        r.read_exact(&mut two).unwrap();
        assert_eq!(&two, b"two");
        assert_eq!(r.seek(SeekFrom::End(-4)).unwrap(), 4);
        m.truncate(4).unwrap();
        assert_eq!(m.len().unwrap(), 4);
    }
}
