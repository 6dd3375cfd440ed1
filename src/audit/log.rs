//! The log file: opening (checked against the state recorded in the store, with
//! repair of an interrupted last write), appending (prepared here, made durable
//! by the vault's journal, then written here), reading by offset or by scanning,
//! and the signed checkpoints file beside it.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::checkpoint::Checkpoint;
use super::entry::{
    genesis, signed_part, AuditEntry, Dprev, Draft, Filter, Outcome, ENTRY_VERSION,
    FACT_ENTRY_VERSION,
};
use super::line::Shape;
use super::merkle::{leaf_hash, Hash, Tree};
use crate::error::{Error, Result};
use crate::store::medium::{reader, LogMedium, Medium};

/// Longest accepted line; longer lines are damaged by definition.
pub const MAX_LINE: usize = 64 * 1024;

/// Where the log stands, recorded in the store after every append so that
/// truncation or replacement of the file is detected at the next open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogState {
    /// Number of entries.
    pub size: u64,
    /// Byte length of the file holding them.
    pub offset: u64,
    /// Leaf hash of the last entry (the genesis hash when empty).
    pub last_leaf: Hash,
    /// Merkle frontier for `size` entries.
    pub tree: Tree,
    /// Number of entries covered by the latest signed checkpoint.
    pub checkpointed: u64,
}

impl LogState {
    /// The state of an empty log of vault `vault_id`.
    pub fn empty(vault_id: &str) -> Self {
        LogState {
            size: 0,
            offset: 0,
            last_leaf: genesis(vault_id),
            tree: Tree::new(),
            checkpointed: 0,
        }
    }
}

/// An entry just appended or found, with where it lies in the file.
#[derive(Clone, Debug)]
pub struct Located {
    /// Byte offset of the line.
    pub offset: u64,
    /// The entry.
    pub entry: AuditEntry,
}

/// An open audit log, positioned for appending.
#[derive(Debug)]
pub struct AuditLog {
    medium: Medium,
    state: LogState,
}

fn io(e: std::io::Error) -> Error {
    Error::io(msg!("cannot-read-audit-log"), e)
}

/// Checks one line against the chain: well formed ([`super::line`]), its
/// number, and its link to the previous leaf. Returns the line's leaf hash.
fn check_link(line: &[u8], expected_seq: u64, prev: &Hash, place: &str) -> Result<Hash> {
    match check_at(line, expected_seq, prev, &|| place.to_string())? {
        Shape::Pruned(p) => Ok(p.leaf),
        Shape::Entry { .. } => Ok(leaf_hash(line)),
    }
}

/// [`check_link`] without the hashing, for the verifier (which hashes in
/// parallel): returns what the line is. A pruned line has no number left;
/// its `prev` is checked.
pub(crate) fn check_header(line: &[u8], expected_seq: u64, prev: &Hash) -> Result<Shape> {
    check_at(line, expected_seq, prev, &|| {
        format!("entry {expected_seq}")
    })
}

/// Checks the `prev` a pruned line at `expected_seq` keeps against the leaf of
/// the line before (the genesis hash for the first line, which is never pruned).
pub(crate) fn pruned_link(p: &super::prune::Pruned, expected_seq: u64, prev: &Hash) -> Result<()> {
    if expected_seq <= 1 {
        return Err(Error::Integrity(msg!("genesis-pruned")));
    }
    if &p.prev != prev {
        return Err(Error::Integrity(msg!(
            "audit-entry-does-not-link",
            seq = expected_seq,
            previous = expected_seq - 1
        )));
    }
    Ok(())
}

/// The checks of [`check_link`]; returns what the line is. `place` names the
/// entry in messages; it is built only when one is needed.
fn check_at(
    line: &[u8],
    expected_seq: u64,
    prev: &Hash,
    place: &dyn Fn() -> String,
) -> Result<Shape> {
    let shape = super::line::check_line(line, place)?;
    let (seq, p) = match shape {
        Shape::Pruned(p) => {
            pruned_link(&p, expected_seq, prev)?;
            return Ok(shape);
        }
        Shape::Entry { seq, prev, .. } => (seq, prev),
    };
    if seq != expected_seq {
        let place = place();
        return Err(Error::Integrity(msg!(
            "audit-number-where-expected-entries-removed",
            place = place,
            seq = seq,
            expected_seq = expected_seq
        )));
    }
    if &p != prev {
        let place = place();
        return Err(Error::Integrity(if seq == 1 {
            msg!("audit-log-not-start-at-origin", place = place)
        } else {
            msg!("audit-entry-does-not-link", seq = seq, previous = seq - 1)
        }));
    }
    Ok(shape)
}

impl AuditLog {
    /// Opens (creating if needed) the log, checked against `recorded`, the state
    /// the store holds. Entries found after the recorded state (appended just
    /// before a crash, before the store caught up) are checked, taken in and
    /// returned so the caller can index them.
    pub fn open(medium: Medium, recorded: LogState) -> Result<(Self, Vec<Located>)> {
        let len = medium.len()?;
        Self::open_to(medium, recorded, len, true)
    }

    /// [`AuditLog::open`] without repair: a log whose every write is a
    /// committed transaction (PostgreSQL) has no torn tail, so one found is
    /// damage to report, never bytes to cut.
    pub fn open_exact(medium: Medium, recorded: LogState) -> Result<(Self, Vec<Located>)> {
        let len = medium.len()?;
        Self::open_to(medium, recorded, len, false)
    }

    /// [`AuditLog::open`] reading only up to byte `end`: lines past it are
    /// another process's, not committed when `end` was read. `repair`: cut
    /// an incomplete last line (a file's interrupted write).
    fn open_to(
        medium: Medium,
        recorded: LogState,
        end: u64,
        repair: bool,
    ) -> Result<(Self, Vec<Located>)> {
        let mut len = end;
        let mut file = reader(medium.as_ref());
        if recorded.offset > len {
            return Err(Error::Integrity(msg!(
                "audit-log-holds-bytes-bytes-entries",
                len = len,
                offset = recorded.offset,
                size = recorded.size
            )));
        }
        if !recorded.tree.is_well_formed() || recorded.tree.size() != recorded.size {
            return Err(Error::Integrity(msg!("recorded-audit-state-damaged")));
        }
        // The recorded last entry must still be the one in the file.
        if recorded.size > 0 {
            let line = line_before(&mut file, recorded.offset)?;
            if super::prune::line_leaf(&line) != recorded.last_leaf {
                return Err(Error::Integrity(msg!(
                    "audit-entry-differs-one-recorded-log",
                    size = recorded.size
                )));
            }
        }
        // Cut an interrupted last write (never acknowledged).
        if len > recorded.offset {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1)).map_err(io)?;
            file.read_exact(&mut last).map_err(io)?;
            if last[0] != b'\n' && !repair {
                return Err(Error::Integrity(msg!("audit-log-does-end-where-recorded")));
            }
            if last[0] != b'\n' {
                len = cut_torn_tail(medium.as_ref(), recorded.offset, len)?;
                file = reader(medium.as_ref());
            }
        }
        let mut state = recorded;
        let mut found = Vec::new();
        if len > state.offset {
            file.seek(SeekFrom::Start(state.offset)).map_err(io)?;
            let mut reader = BufReader::new((&mut file).take(len - state.offset));
            let mut line = Vec::new();
            loop {
                line.clear();
                let n = reader.read_until(b'\n', &mut line).map_err(io)?;
                if n == 0 {
                    break;
                }
                line.pop();
                let place = format!("entry {}", state.size + 1);
                let leaf = check_link(&line, state.size + 1, &state.last_leaf, &place)?;
                if !super::prune::is_pruned(&line) {
                    let entry = AuditEntry::from_line(&line, &place)?;
                    found.push(Located {
                        offset: state.offset,
                        entry,
                    });
                }
                state.tree.push(leaf);
                state.size += 1;
                state.last_leaf = leaf;
                state.offset += n as u64;
            }
        }
        Ok((AuditLog { medium, state }, found))
    }

    /// The current state (to record in the store).
    pub fn state(&self) -> &LogState {
        &self.state
    }

    /// The time (RFC 3339, as written) of the last entry, if the log has one.
    pub fn last_time(&self) -> Result<Option<String>> {
        if self.state.size == 0 {
            return Ok(None);
        }
        let mut file = reader(self.medium.as_ref());
        let line = line_before(&mut file, self.state.offset)?;
        let place = format!("entry {}", self.state.size);
        Ok(Some(AuditEntry::from_line(&line, &place)?.time))
    }

    /// Records that a checkpoint now covers every entry.
    pub fn mark_checkpointed(&mut self) {
        self.state.checkpointed = self.state.size;
    }

    /// Where the log's bytes live.
    pub fn medium(&self) -> &Medium {
        &self.medium
    }

    /// Takes in lines another process committed (a vault in PostgreSQL): the
    /// log's state becomes `next` once the lines between the current end and
    /// `next` are checked to link, one by one, and to end at `next`'s last leaf
    /// and root. Returns the entries taken in. Errors: [`Error::Integrity`] if
    /// the log went back or the lines do not lead to `next`.
    pub fn catch_up(&mut self, next: &LogState) -> Result<Vec<Located>> {
        if next == &self.state {
            return Ok(Vec::new());
        }
        if next.size < self.state.size || next.offset < self.state.offset {
            return Err(Error::Integrity(msg!(
                "audit-log-holds-bytes-bytes-entries",
                len = next.offset,
                offset = self.state.offset,
                size = self.state.size
            )));
        }
        let (opened, found) =
            AuditLog::open_to(self.medium.clone(), self.state.clone(), next.offset, false)?;
        let mut reached = opened.state;
        if reached.size != next.size
            || reached.last_leaf != next.last_leaf
            || reached.tree.root() != next.tree.root()
        {
            return Err(Error::Integrity(msg!("recorded-audit-state-damaged")));
        }
        reached.checkpointed = next.checkpointed;
        self.state = reached;
        Ok(found)
    }

    /// The state `prepared` leads to, taken without writing (a vault in
    /// PostgreSQL inserted the lines in the same transaction as the change).
    pub fn advance(&mut self, prepared: Prepared) -> Result<Vec<Located>> {
        if prepared.offset != self.state.offset {
            return Err(Error::AuditUnavailable(msg!(
                "audit-log-moved-while-entry-being"
            )));
        }
        self.state = prepared.next;
        Ok(prepared.located)
    }

    /// Builds the lines for `drafts` after the current end, without writing
    /// them: the vault first makes them durable in its journal, then calls
    /// [`AuditLog::write_prepared`]. `last_about(Named::Dossier(d))` gives
    /// the number of the last line of the log naming that dossier (0 for
    /// none), for `dprev`, and `last_about(Named::Actor(a))` that of the last
    /// line naming that actor, for `aprev`; lines about one dossier, or by
    /// one actor, among `drafts` chain among themselves.
    pub fn prepare(
        &self,
        drafts: Vec<Draft>,
        last_about: &mut dyn FnMut(Named<'_>) -> Result<u64>,
    ) -> Result<Prepared> {
        let time = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
        let mut bytes = Vec::with_capacity(drafts.len() * 400);
        let mut located = Vec::with_capacity(drafts.len());
        let mut next = self.state.clone();
        let mut chained: std::collections::HashMap<String, u64> = Default::default();
        let mut by: std::collections::HashMap<String, u64> = Default::default();
        for draft in drafts {
            let seq = next.size + 1;
            let dprev = match &draft.dossier {
                None => Dprev::Null,
                Some(d) => {
                    let last = match chained.get(d) {
                        Some(s) => *s,
                        None => last_about(Named::Dossier(d))?,
                    };
                    chained.insert(d.clone(), seq);
                    Dprev::Seq(last)
                }
            };
            let aprev = match by.get(&draft.actor) {
                Some(s) => *s,
                None => last_about(Named::Actor(&draft.actor))?,
            };
            by.insert(draft.actor.clone(), seq);
            let (fact, fact_signer) = match draft.fact {
                Some((json, signer)) => (
                    Some(
                        serde_json::value::RawValue::from_string(json)
                            .map_err(|e| Error::AuditUnavailable(msg!("fact-valid-json", e = e)))?,
                    ),
                    signer,
                ),
                None => (None, None),
            };
            let entry = AuditEntry {
                v: if fact.is_some() {
                    FACT_ENTRY_VERSION
                } else {
                    ENTRY_VERSION
                },
                seq,
                prev: hex::encode(next.last_leaf),
                time: time.clone(),
                actor: draft.actor,
                aprev: Some(aprev),
                profession: draft.profession,
                action: draft.action,
                dossier: draft.dossier,
                dprev,
                entry: draft.entry,
                target: draft.target,
                categories: {
                    let mut c = draft.categories;
                    c.sort();
                    c.dedup();
                    c
                },
                outcome: draft.outcome.unwrap_or(Outcome::Ok),
                break_glass: draft.break_glass,
                detail: draft.detail,
                justification: draft.justification,
                nonce: new_nonce()?,
                signer: fact_signer.as_ref().map(|(name, _)| name.clone()),
                sig: fact_signer.as_ref().map(|_| "0".repeat(128)),
                fact,
            };
            let start = bytes.len();
            serde_json::to_writer(&mut bytes, &entry)
                .map_err(|e| Error::AuditUnavailable(msg!("cannot-encode-audit-entry", e = e)))?;
            let mut entry = entry;
            if entry.fact.is_none() {
                // An access-trail line is padded (its nonce lengthened with
                // zeros) to a multiple of PAD_TO bytes: a pruned line keeps its
                // length, which must not tell who read which dossier.
                let len = bytes.len() - start;
                let pad = len.next_multiple_of(PAD_TO) - len;
                if pad > 0 {
                    entry.nonce.push_str(&"0".repeat(pad));
                    bytes.truncate(start);
                    serde_json::to_writer(&mut bytes, &entry).map_err(|e| {
                        Error::AuditUnavailable(msg!("cannot-encode-audit-entry", e = e))
                    })?;
                }
            }
            if let Some((_, key)) = &fact_signer {
                // The signature is the last member, of fixed length: sign the
                // line up to it, then write it in place of the placeholder.
                let signed = signed_part(&bytes[start..])
                    .ok_or_else(|| Error::AuditUnavailable(msg!("fact-line-unexpected-shape")))?;
                let sig = hex::encode(key.sign_bytes(&signed));
                let end = bytes.len() - 2;
                bytes[end - 128..end].copy_from_slice(sig.as_bytes());
                entry.sig = Some(sig);
            }
            if bytes.len() - start >= MAX_LINE {
                return Err(Error::Usage(msg!(
                    "audit-entry-too-long-shorten-justification"
                )));
            }
            // Never write a line that a verifier (or this process, reading it
            // back) would refuse as malformed.
            if let Err(flaw) = super::line::check(&bytes[start..]) {
                return Err(Error::AuditUnavailable(msg!(
                    "audit-line-would-be-malformed",
                    why = flaw.msg()
                )));
            }
            let leaf = leaf_hash(&bytes[start..]);
            bytes.push(b'\n');
            located.push(Located {
                offset: next.offset,
                entry,
            });
            next.offset += (bytes.len() - start) as u64;
            next.size += 1;
            next.last_leaf = leaf;
            next.tree.push(leaf);
        }
        Ok(Prepared {
            offset: self.state.offset,
            bytes,
            located,
            next,
        })
    }

    /// Writes prepared lines at the end of the file (no flush: the journal holds
    /// them durably). On failure nothing is appended.
    pub fn write_prepared(&mut self, prepared: Prepared) -> Result<Vec<Located>> {
        if prepared.offset != self.state.offset {
            return Err(Error::AuditUnavailable(msg!(
                "audit-log-moved-while-entry-being"
            )));
        }
        if let Err(err) = self.medium.write_at(prepared.offset, &prepared.bytes) {
            // Leave no half entry behind: cut back to the last good length.
            let _ = self.medium.truncate(self.state.offset);
            return Err(Error::AuditUnavailable(msg!(
                "audit-write-failed",
                reason = err
            )));
        }
        self.state = prepared.next;
        Ok(prepared.located)
    }

    /// Reads the entries at the (number, offset) pairs of the audit index; a
    /// pruned line is left out. Errors: [`Error::Integrity`] if a line there
    /// carries another number (the index was changed outside coffre).
    pub fn read_indexed(&self, pairs: &[(u64, u64)]) -> Result<Vec<AuditEntry>> {
        let mut file = reader(self.medium.as_ref());
        let mut out = Vec::with_capacity(pairs.len());
        let mut reader = BufReader::new(&mut file);
        let mut line = Vec::new();
        for &(seq, off) in pairs {
            if off >= self.state.offset {
                return Err(Error::Integrity(msg!("audit-index-points-past-end-log")));
            }
            reader.seek(SeekFrom::Start(off)).map_err(io)?;
            line.clear();
            reader.read_until(b'\n', &mut line).map_err(io)?;
            line.pop();
            if super::prune::is_pruned(&line) {
                continue;
            }
            let e = AuditEntry::from_line(&line, &format!("entry at byte {off}"))?;
            if e.seq != seq {
                return Err(Error::Integrity(msg!(
                    "audit-index-points-elsewhere",
                    record = format!("ax/…/{seq:016x}")
                )));
            }
            out.push(e);
        }
        Ok(out)
    }

    /// Reads every entry that passes `filter`, scanning the whole file (pruned
    /// lines have no entry left and are passed over).
    pub fn scan(&self, filter: &Filter) -> Result<Vec<AuditEntry>> {
        let file = reader(self.medium.as_ref());
        let mut out = Vec::new();
        for (i, line) in BufReader::with_capacity(256 * 1024, file.take(self.state.offset))
            .split(b'\n')
            .enumerate()
        {
            let line = line.map_err(io)?;
            if super::prune::is_pruned(&line) {
                continue;
            }
            let e = AuditEntry::from_line(&line, &format!("line {}", i + 1))?;
            if filter.matches(&e) {
                out.push(e);
            }
        }
        Ok(out)
    }
}

/// What a line about to be written names, whose last line in the log
/// [`AuditLog::prepare`] asks for: a dossier (for `dprev`) or an actor (for
/// `aprev`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Named<'a> {
    /// A dossier id.
    Dossier(&'a str),
    /// An actor (a staff id, `person.<dossier>`, `coffre`, or as claimed).
    Actor(&'a str),
}

/// Lines built by [`AuditLog::prepare`], not yet written.
#[derive(Debug)]
pub struct Prepared {
    /// Where they go (the log's end when prepared).
    pub offset: u64,
    /// The lines, each ending in `\n`.
    pub bytes: Vec<u8>,
    /// The entries, with their offsets.
    pub located: Vec<Located>,
    /// The log's state once they are written.
    pub next: LogState,
}

/// The complete line that ends just before byte `end` (which follows a `\n`).
fn line_before(file: &mut (impl Read + Seek), end: u64) -> Result<Vec<u8>> {
    let window = (MAX_LINE as u64 + 1).min(end);
    file.seek(SeekFrom::Start(end - window)).map_err(io)?;
    let mut buf = vec![0u8; window as usize];
    file.read_exact(&mut buf).map_err(io)?;
    if buf.last() != Some(&b'\n') {
        return Err(Error::Integrity(msg!("audit-log-does-end-where-recorded")));
    }
    buf.pop();
    let start = match buf.iter().rposition(|b| *b == b'\n') {
        Some(i) => i + 1,
        None if window == end => 0,
        None => return Err(Error::Integrity(msg!("audit-entry-longer-than-any-valid"))),
    };
    Ok(buf[start..].to_vec())
}

/// Cuts bytes after the last newline (not before `floor`); returns the new length.
fn cut_torn_tail(medium: &dyn LogMedium, floor: u64, len: u64) -> Result<u64> {
    let window = len - floor;
    let mut file = reader(medium);
    file.seek(SeekFrom::Start(floor)).map_err(io)?;
    let mut buf = vec![0u8; window as usize];
    file.read_exact(&mut buf).map_err(io)?;
    let keep = match buf.iter().rposition(|b| *b == b'\n') {
        Some(i) => floor + i as u64 + 1,
        None => floor,
    };
    medium.truncate(keep)?;
    Ok(keep)
}

/// The signed checkpoints beside the log (`checkpoints.log`, or rows of a vault
/// in PostgreSQL): records appended one after another.
#[derive(Debug, Clone)]
pub struct CheckpointFile {
    medium: Medium,
}

impl CheckpointFile {
    /// The checkpoint file at `path` (created on first append).
    pub fn new(path: &Path) -> Self {
        CheckpointFile {
            medium: crate::store::medium::FileMedium::shared(path),
        }
    }

    /// The checkpoints kept in `medium`.
    pub fn on(medium: Medium) -> Self {
        CheckpointFile { medium }
    }

    /// Where the checkpoints' bytes live.
    pub fn medium(&self) -> &Medium {
        &self.medium
    }

    fn tail(&self, window: u64) -> Result<(u64, Vec<u8>)> {
        let len = self.medium.len()?;
        let start = len.saturating_sub(window);
        let mut tail = Vec::new();
        let mut r = reader(self.medium.as_ref());
        r.seek(SeekFrom::Start(start))
            .and_then(|_| r.read_to_end(&mut tail))
            .map_err(|e| Error::io(msg!("cannot-read-checkpoints"), e))?;
        Ok((start, tail))
    }

    /// Cuts a trailing incomplete checkpoint (a write interrupted by a crash; it
    /// was never relied upon). A damaged complete record is left for `verify`.
    pub fn repair_tail(&self) -> Result<()> {
        // Only the end of the file is read: this runs at every open, and the file
        // grows by one checkpoint per command, a few hundred bytes.
        const WINDOW: u64 = 8 * 1024;
        let (start, tail) = self.tail(WINDOW)?;
        let keep = match complete_records_end(&tail, start == 0) {
            Some(end) if tail[end..].iter().all(|b| *b == b'\n') => return Ok(()),
            Some(end) => start + end as u64,
            // No record end in view: a file that is one incomplete record is
            // emptied; otherwise the damage is left to `audit verify`.
            None if start == 0 && !tail.iter().all(|b| *b == b'\n') => 0,
            None => return Ok(()),
        };
        self.medium.truncate(keep)
    }

    /// The `time` of the latest checkpoint, read from the end of the file only
    /// (it grows by one checkpoint per command); `None` if there is none or the
    /// tail is unreadable (then `audit verify` reports the damage).
    pub fn latest_time(&self) -> Result<Option<String>> {
        const WINDOW: u64 = 8 * 1024;
        let (_, tail) = self.tail(WINDOW)?;
        Ok(tail
            .split(|b| *b == b'\n')
            .rev()
            .find_map(|l| l.strip_prefix(b"time "))
            .and_then(|t| std::str::from_utf8(t).ok())
            .map(str::to_string))
    }

    /// All checkpoints, oldest first.
    pub fn read_all(&self) -> Result<Vec<Checkpoint>> {
        let mut bytes = Vec::new();
        reader(self.medium.as_ref())
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(msg!("cannot-read-checkpoints"), e))?;
        // Bytes that are not UTF-8 are damage to the file, not a failure to read it.
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::Integrity(msg!("checkpoint-file-not-utf8")))?;
        Checkpoint::parse_many(&text)
    }

    /// The latest checkpoint, if any.
    pub fn latest(&self) -> Result<Option<Checkpoint>> {
        Ok(self.read_all()?.pop())
    }

    /// Current length of the file (where the next checkpoint goes).
    pub fn end(&self) -> Result<u64> {
        self.medium.len()
    }
}

/// Where the last complete checkpoint record in `tail` ends: after the empty
/// line that follows a note's signature line (`— …`), or after the `sig` line of
/// the earlier format. `from_start`: `tail` starts at a line start.
fn complete_records_end(tail: &[u8], from_start: bool) -> Option<usize> {
    let mut pos = 0;
    let mut lines = tail.split_inclusive(|b| *b == b'\n');
    if !from_start {
        pos += lines.next().map_or(0, <[u8]>::len);
    }
    let mut end = None;
    let mut after_signature = false;
    for line in lines {
        pos += line.len();
        if line.last() != Some(&b'\n') {
            break;
        }
        if (line == b"\n" && after_signature) || line.starts_with(b"sig ") {
            end = Some(pos);
        }
        after_signature = line.starts_with("\u{2014} ".as_bytes());
    }
    end
}

/// Writes `bytes` at `offset` of the file at `path` (created if missing), without
/// flushing. The offset must not lie beyond the file's end: a log file is never
/// written with a hole, and a shorter file than expected means it was cut.
pub fn write_at(path: &Path, offset: u64, bytes: &[u8]) -> Result<()> {
    let f = crate::private_files::options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| Error::io(msg!("cannot-write-log-file"), e))?;
    let len = f
        .metadata()
        .map_err(|e| Error::io(msg!("cannot-write-log-file"), e))?
        .len();
    if len < offset {
        return Err(Error::Integrity(msg!(
            "holds-bytes-where-least-written-before",
            into_owned = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            len = len,
            offset = offset
        )));
    }
    std::os::unix::fs::FileExt::write_all_at(&f, bytes, offset)
        .map_err(|e| Error::io(msg!("cannot-write-log-file"), e))
}

/// `fdatasync`s the file at `path` if it exists.
pub fn sync_file(path: &Path) -> Result<()> {
    match File::open(path) {
        Ok(f) => f
            .sync_data()
            .map_err(|e| Error::io(msg!("cannot-sync-log-file"), e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(msg!("cannot-sync-log-file"), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::SigningKey;

    /// Every prefix of a checkpoints file (old records, then notes) is cut back by
    /// `repair_tail` to the last complete record, and a complete file is untouched.
    #[test]
    fn repair_tail_keeps_exactly_the_complete_records() {
        let k = SigningKey::derive(b"s", "v").unwrap();
        let old = k.sign_legacy("v", 1, [1u8; 32], "2026-01-01T00:00:00Z", "a");
        let origin = super::super::checkpoint::origin_for(&[5u8; 32]);
        let records = [
            old.to_text(),
            k.sign(&origin, 2, [2u8; 32], "a").to_text() + "\n",
            k.sign(&origin, 3, [3u8; 32], "a").to_text() + "\n",
        ];
        let full = records.concat();
        let ends: Vec<usize> = records
            .iter()
            .scan(0, |n, r| {
                *n += r.len();
                Some(*n)
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoints.log");
        let file = CheckpointFile::new(&path);
        for cut in 0..=full.len() {
            std::fs::write(&path, &full.as_bytes()[..cut]).unwrap();
            file.repair_tail().unwrap();
            let kept = std::fs::read(&path).unwrap().len();
            let want = ends.iter().rev().find(|e| **e <= cut).copied().unwrap_or(0);
            assert_eq!(kept, want, "cut at {cut}");
            assert_eq!(
                file.read_all().unwrap().len(),
                ends.iter().filter(|e| **e <= cut).count()
            );
        }
    }
}

/// Format-2 lines (without a fact) are padded to a multiple of this many bytes
/// (newline excluded) by lengthening their `nonce` with `0` digits: the length
/// a pruned line keeps then says little of what it held.
pub const PAD_TO: usize = 256;

/// A line's `nonce`: 128 bits from the system's random source, in lower-case
/// hex (see [`AuditEntry::nonce`]).
fn new_nonce() -> Result<String> {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| Error::AuditUnavailable(msg!("system-random-generator-failed")))?;
    Ok(hex::encode(b))
}
