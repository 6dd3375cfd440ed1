//! The log file: opening (with repair of an interrupted last write), appending with
//! `fdatasync`, reading with a filter, and verifying the whole chain.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::entry::{genesis, AuditEntry, Draft, Filter, Outcome};
use crate::error::{Error, Result};

/// Longest accepted line; longer lines are corrupt by definition.
const MAX_LINE: usize = 64 * 1024;

/// An open audit log, positioned for appending.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: File,
    len: u64,
    next_seq: u64,
    last_hash: String,
}

fn parse_line(line: &[u8], place: &str) -> Result<AuditEntry> {
    let e: AuditEntry = serde_json::from_slice(line).map_err(|_| {
        Error::Integrity(format!(
            "audit log {place} is not a valid entry: it was altered or damaged"
        ))
    })?;
    let expect = e.compute_hash()?;
    if expect != e.hash {
        return Err(Error::Integrity(format!(
            "audit entry {} ({place}) does not match its hash: it was altered",
            e.seq
        )));
    }
    Ok(e)
}

/// Reads the last complete line of `file` (of length `len`), scanning backwards.
fn last_line(file: &mut File, len: u64) -> Result<Option<Vec<u8>>> {
    if len == 0 {
        return Ok(None);
    }
    let window = (MAX_LINE as u64 + 1).min(len);
    file.seek(SeekFrom::Start(len - window))
        .map_err(|e| Error::io("cannot read the audit log", e))?;
    let mut buf = vec![0u8; window as usize];
    file.read_exact(&mut buf)
        .map_err(|e| Error::io("cannot read the audit log", e))?;
    // buf ends with '\n' (the caller repaired any torn tail).
    let body = &buf[..buf.len() - 1];
    let start = match body.iter().rposition(|b| *b == b'\n') {
        Some(i) => i + 1,
        None if window == len => 0,
        None => {
            return Err(Error::Integrity(
                "the last audit entry is longer than any valid entry".into(),
            ))
        }
    };
    Ok(Some(body[start..].to_vec()))
}

impl AuditLog {
    /// Opens (creating if needed) the log of the vault `vault_id`.
    ///
    /// A final line without its newline is a write that was interrupted before it
    /// was acknowledged; it is cut off. The last complete entry must match its hash,
    /// otherwise nothing can be appended safely and the open fails.
    pub fn open(path: &Path, vault_id: &str) -> Result<Self> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| Error::io("cannot open the audit log", e))?;
        let mut len = file
            .metadata()
            .map_err(|e| Error::io("cannot read the audit log", e))?
            .len();
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1))
                .map_err(|e| Error::io("cannot read the audit log", e))?;
            file.read_exact(&mut last)
                .map_err(|e| Error::io("cannot read the audit log", e))?;
            if last[0] != b'\n' {
                len = Self::cut_torn_tail(&mut file, len)?;
            }
        }
        let (next_seq, last_hash) = match last_line(&mut file, len)? {
            None => (1, genesis(vault_id)),
            Some(line) => {
                let e = parse_line(&line, "last line")?;
                (e.seq + 1, e.hash)
            }
        };
        Ok(AuditLog {
            path: path.to_path_buf(),
            file,
            len,
            next_seq,
            last_hash,
        })
    }

    fn cut_torn_tail(file: &mut File, len: u64) -> Result<u64> {
        let window = (MAX_LINE as u64 + 1).min(len);
        file.seek(SeekFrom::Start(len - window))
            .map_err(|e| Error::io("cannot read the audit log", e))?;
        let mut buf = vec![0u8; window as usize];
        file.read_exact(&mut buf)
            .map_err(|e| Error::io("cannot read the audit log", e))?;
        let keep = match buf.iter().rposition(|b| *b == b'\n') {
            Some(i) => len - window + i as u64 + 1,
            None if window == len => 0,
            None => {
                return Err(Error::Integrity(
                    "the audit log ends with an over-long line".into(),
                ))
            }
        };
        file.set_len(keep)
            .map_err(|e| Error::io("cannot repair the audit log", e))?;
        file.sync_all()
            .map_err(|e| Error::io("cannot repair the audit log", e))?;
        Ok(keep)
    }

    /// Sequence number and hash of the last entry (0 and the genesis hash if empty).
    pub fn head(&self) -> (u64, &str) {
        (self.next_seq - 1, &self.last_hash)
    }

    /// Path of the log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends an entry and syncs it to disk before returning.
    pub fn append(&mut self, draft: Draft) -> Result<AuditEntry> {
        let mut e = AuditEntry {
            seq: self.next_seq,
            time: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            actor: draft.actor,
            profession: draft.profession,
            action: draft.action,
            dossier: draft.dossier,
            entry: draft.entry,
            target: draft.target,
            categories: draft.categories,
            outcome: draft.outcome.unwrap_or(Outcome::Ok),
            break_glass: draft.break_glass,
            detail: draft.detail,
            justification: draft.justification,
            prev: self.last_hash.clone(),
            hash: String::new(),
        };
        e.hash = e.compute_hash()?;
        let mut line =
            serde_json::to_vec(&e).map_err(|err| Error::AuditUnavailable(err.to_string()))?;
        line.push(b'\n');
        if line.len() > MAX_LINE {
            return Err(Error::Usage(
                "audit entry too long (shorten the justification)".into(),
            ));
        }
        let written = self
            .file
            .write_all(&line)
            .and_then(|_| self.file.sync_data());
        if let Err(err) = written {
            // Leave no half entry behind: cut back to the last good length.
            let _ = self.file.set_len(self.len);
            return Err(Error::AuditUnavailable(err.to_string()));
        }
        self.len += line.len() as u64;
        self.next_seq += 1;
        self.last_hash = e.hash.clone();
        Ok(e)
    }

    /// Reads the entries that pass `filter`, each checked against its own hash.
    pub fn read(&self, filter: &Filter) -> Result<Vec<AuditEntry>> {
        let file = File::open(&self.path).map_err(|e| Error::io("cannot read the audit log", e))?;
        let mut out = Vec::new();
        for (i, line) in BufReader::new(file).split(b'\n').enumerate() {
            let line = line.map_err(|e| Error::io("cannot read the audit log", e))?;
            let e = parse_line(&line, &format!("line {}", i + 1))?;
            if filter.matches(&e) {
                out.push(e);
            }
        }
        Ok(out)
    }
}

/// What a successful verification found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifySummary {
    /// Number of entries.
    pub entries: u64,
    /// Hash of the last entry.
    pub head: String,
}

/// Walks the whole chain: every line parses, matches its hash, links to the one
/// before and numbers follow without gaps. The first failure is reported with its
/// line and sequence number as an [`Error::Integrity`].
pub fn verify(path: &Path, vault_id: &str) -> Result<VerifySummary> {
    let file = File::open(path).map_err(|e| Error::io("cannot read the audit log", e))?;
    let mut prev = genesis(vault_id);
    let mut expected_seq = 1u64;
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    let mut lineno = 0u64;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::io("cannot read the audit log", e))?;
        if n == 0 {
            break;
        }
        lineno += 1;
        if line.last() != Some(&b'\n') {
            return Err(Error::Integrity(format!(
                "audit log line {lineno} is incomplete (an interrupted write; reopening the vault repairs it)"
            )));
        }
        line.pop();
        let e = parse_line(&line, &format!("line {lineno}"))?;
        if e.seq != expected_seq {
            return Err(Error::Integrity(format!(
                "audit entry at line {lineno} has number {} where {expected_seq} was expected: entries were removed or reordered",
                e.seq
            )));
        }
        if e.prev != prev {
            let what = if e.seq == 1 {
                "the log does not start at this vault's origin (replaced or from another vault)"
            } else {
                "it does not link to the entry before it"
            };
            return Err(Error::Integrity(format!(
                "audit entry {} (line {lineno}): {what}",
                e.seq
            )));
        }
        prev = e.hash;
        expected_seq += 1;
    }
    Ok(VerifySummary {
        entries: expected_seq - 1,
        head: prev,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_with(n: usize) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let mut log = AuditLog::open(&path, "vault-a").unwrap();
        for i in 0..n {
            log.append(Draft::new("alice", "medecin", "dossier.read").dossier(&format!("d{i}")))
                .unwrap();
        }
        (dir, path)
    }

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    }

    fn write_lines(path: &Path, l: &[String]) {
        std::fs::write(path, l.iter().map(|s| format!("{s}\n")).collect::<String>()).unwrap();
    }

    #[test]
    fn appends_chain_and_verify() {
        let (_d, path) = log_with(5);
        let s = verify(&path, "vault-a").unwrap();
        assert_eq!(s.entries, 5);
        let log = AuditLog::open(&path, "vault-a").unwrap();
        assert_eq!(log.head().0, 5);
        let f = Filter {
            dossier: Some("d3".into()),
            ..Filter::default()
        };
        assert_eq!(log.read(&f).unwrap().len(), 1);
    }

    #[test]
    fn other_vault_id_is_detected() {
        let (_d, path) = log_with(2);
        let err = verify(&path, "vault-b").unwrap_err();
        assert!(err.to_string().contains("origin"), "{err}");
    }

    #[test]
    fn altered_field_is_detected() {
        let (_d, path) = log_with(3);
        let mut l = lines(&path);
        l[1] = l[1].replace("\"d1\"", "\"d9\"");
        write_lines(&path, &l);
        let err = verify(&path, "vault-a").unwrap_err();
        assert!(err.to_string().contains("entry 2"), "{err}");
    }

    #[test]
    fn removed_and_reordered_entries_are_detected() {
        let (_d, path) = log_with(4);
        let l = lines(&path);
        write_lines(&path, &[l[0].clone(), l[2].clone(), l[3].clone()]);
        assert!(verify(&path, "vault-a")
            .unwrap_err()
            .to_string()
            .contains("removed or reordered"));
        write_lines(
            &path,
            &[l[0].clone(), l[2].clone(), l[1].clone(), l[3].clone()],
        );
        assert!(verify(&path, "vault-a").is_err());
    }

    #[test]
    fn torn_tail_is_cut_on_open_and_appending_continues() {
        let (_d, path) = log_with(2);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"seq\":3,\"ti").unwrap();
        drop(f);
        assert!(verify(&path, "vault-a").is_err());
        let mut log = AuditLog::open(&path, "vault-a").unwrap();
        log.append(Draft::new("bob", "infirmier", "unlock"))
            .unwrap();
        assert_eq!(verify(&path, "vault-a").unwrap().entries, 3);
    }

    #[test]
    fn corrupt_last_entry_blocks_appending() {
        let (_d, path) = log_with(2);
        let mut l = lines(&path);
        l[1] = l[1].replace("alice", "alicf");
        write_lines(&path, &l);
        assert!(matches!(
            AuditLog::open(&path, "vault-a"),
            Err(Error::Integrity(_))
        ));
    }
}
