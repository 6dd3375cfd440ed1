//! Pruned lines of the access trail and the check that every one of them was
//! pruned by a signed prune fact that commits to exactly those positions.
//!
//! A pruned entry's line is replaced, in place and at the same length, by
//! `{"pruned":"<64 hex: its leaf hash>","prev":"<64 hex: its prev>","by":<seq of
//! the prune fact>}` followed by spaces. Its Merkle leaf is the hash it carries,
//! so every root, every checkpoint and every consistency proof still verify
//! (RFC 9162 needs leaves, not contents); its `prev` is checked against the line
//! before like any other line's, so the hash chain the unlock's replay follows
//! still binds every line to the one before. Because the leaf cannot tell a
//! pruned line from the original,
//! a pruned line is valid only where a prune fact (format 3 or 5, kept in full,
//! signed) covers it; [`check_log`] applies the rules of
//! `docs/audit-format.md` ("Pruning the access trail"):
//!
//! - the entry named by `by` is a prune fact and the pruned line lies in its
//!   range `first..=last`, before the fact;
//! - the fact's *covered set* — the positions of its range whose line is pruned
//!   by it, or is still an access-trail entry dated before its `cutoff` — has exactly
//!   `count` members and its lines' (seq, prev, leaf) hash to `positions`
//!   ([`positions_digest`]): the fact's signature vouches for the `prev` and
//!   leaf each pruned line keeps;
//! - once any line follows the fact (the prune completed), every covered
//!   position is pruned.
//!
//! A pruned fact line, a pruned recent entry or a pruned line with no fact
//! changes the covered set of the fact it names, or names none: refused.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};

use serde::{Deserialize, Serialize};

use super::merkle::{leaf_hash, Hash};
use crate::error::{Error, Result};

/// How every pruned line starts.
pub const PRUNED_PREFIX: &[u8] = b"{\"pruned\":\"";

/// What a pruned line carries: the leaf of the line it replaces, that line's
/// `prev` (the leaf of the line before it) and the number of the prune fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pruned {
    /// `leaf(original line)` (RFC 9162 §2.1.1): the line's Merkle leaf.
    pub leaf: Hash,
    /// The original line's `prev`: checked against the line before like any `prev`.
    pub prev: Hash,
    /// Entry number of the prune fact that pruned it.
    pub by: u64,
}

/// What follows the leaf in a pruned line, before the `prev`.
const PREV_PART: &[u8] = b"\",\"prev\":\"";
/// What follows the `prev` in a pruned line, before the fact's number.
const BY_PART: &[u8] = b"\",\"by\":";

/// Length of a pruned line before its padding, for a fact number of `by`.
fn core_len(by: u64) -> usize {
    PRUNED_PREFIX.len() + 64 + PREV_PART.len() + 64 + BY_PART.len() + by.to_string().len() + 1
}

/// 64 lower-case hex digits at the start of `bytes`, decoded.
fn hex64(bytes: &[u8]) -> Option<Hash> {
    if bytes.len() < 64 || bytes[..64].iter().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(&bytes[..64], &mut out).ok()?;
    Some(out)
}

/// Parses a pruned line (without its newline):
/// `{"pruned":"<leaf>","prev":"<prev>","by":<n>}` then spaces. `None` if `line`
/// is not one: any byte other than a space after the closing brace, upper-case
/// hex or a number with a leading zero makes it invalid.
pub fn parse_pruned(line: &[u8]) -> Option<Pruned> {
    let rest = line.strip_prefix(PRUNED_PREFIX)?;
    let leaf = hex64(rest)?;
    let rest = rest[64..].strip_prefix(PREV_PART)?;
    let prev = hex64(rest)?;
    let rest = rest[64..].strip_prefix(BY_PART)?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 19 || (digits > 1 && rest[0] == b'0') {
        return None;
    }
    let by: u64 = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    let rest = rest[digits..].strip_prefix(b"}")?;
    rest.iter()
        .all(|b| *b == b' ')
        .then_some(Pruned { leaf, prev, by })
}

/// The `prev` of a line: the one a pruned line carries, else the entry's own
/// (its third member, `{"v":N,"seq":N,"prev":"<64 hex>",…`). `None` if the
/// line has neither.
pub fn line_prev(line: &[u8]) -> Option<Hash> {
    if let Some(p) = parse_pruned(line) {
        return Some(p.prev);
    }
    let at = memchr::memmem::find(line, b",\"prev\":\"")?;
    hex64(&line[at + 9..])
}

/// Whether `line` is a pruned line (by its prefix only).
pub fn is_pruned(line: &[u8]) -> bool {
    line.starts_with(PRUNED_PREFIX)
}

/// The Merkle leaf of a line: the hash a pruned line carries, else
/// The actions of the access trail (`docs/audit-format.md`): reads, lists,
/// searches, views, exports and unlocks — what a prune may cover. Every other
/// entry (writes, restores, adoptions, administrative events) is kept, like the
/// facts, whatever its age.
pub const ACCESS_ACTIONS: &[&str] = &[
    "access.export",
    "access.history",
    "access.view",
    "audit.history",
    "audit.read",
    "audit.report",
    "dossier.find",
    "dossier.list",
    "dossier.read",
    "entry.history",
    "entry.read",
    "retention.list",
    "staff.list",
    "unlock",
];

/// The time (Unix seconds) of a format-2 or 4 line of the access trail, which a prune
/// dated after it may cover; `None` for any other line: not an access
/// ([`is_access`]), or a time not in the entries' own form (RFC 3339, seconds,
/// `Z`), which the independent verifier would read differently.
pub fn trail_time(line: &[u8]) -> Option<u64> {
    if !super::line::starts_without_fact(line) || !is_access(line) {
        return None;
    }
    let t = std::str::from_utf8(super::verify::line_time(line)?).ok()?;
    let ts = t.parse::<jiff::Timestamp>().ok()?;
    (ts.to_string() == t).then(|| ts.as_second().max(0) as u64)
}

/// Whether a format-2 line is an entry of the access trail (its `action` is one
/// of [`ACCESS_ACTIONS`]), read from its bytes (the field order is fixed).
pub fn is_access(line: &[u8]) -> bool {
    let Some(at) = memchr::memmem::find(line, b"\",\"action\":\"") else {
        return false;
    };
    let rest = &line[at + 12..];
    let Some(len) = memchr::memchr(b'"', rest) else {
        return false;
    };
    ACCESS_ACTIONS.iter().any(|a| a.as_bytes() == &rest[..len])
}

/// `leaf(line)` (RFC 9162 §2.1.1).
pub fn line_leaf(line: &[u8]) -> Hash {
    match parse_pruned(line) {
        Some(p) => p.leaf,
        None => leaf_hash(line),
    }
}

/// The pruned form of a line of `len` bytes (without its newline) whose leaf is
/// `leaf` and whose `prev` is `prev`, pruned by the fact at entry `by`; `None`
/// if `len` is too short to hold it (never for an entry, which is longer than
/// 250 bytes).
pub fn pruned_bytes(leaf: &Hash, prev: &Hash, by: u64, len: usize) -> Option<Vec<u8>> {
    if len < core_len(by) {
        return None;
    }
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(PRUNED_PREFIX);
    out.extend_from_slice(hex::encode(leaf).as_bytes());
    out.extend_from_slice(PREV_PART);
    out.extend_from_slice(hex::encode(prev).as_bytes());
    out.extend_from_slice(BY_PART);
    out.extend_from_slice(format!("{by}}}").as_bytes());
    out.resize(len, b' ');
    Some(out)
}

/// One covered position as a prune fact commits to it: the entry's number, its
/// `prev` and its leaf, as they were before the prune.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Entry number.
    pub seq: u64,
    /// The line's `prev` (leaf of the line before).
    pub prev: Hash,
    /// `leaf(line)`.
    pub leaf: Hash,
}

/// The running digest of a prune fact's `positions` ([`positions_digest`]).
pub struct PositionsDigest(ring::digest::Context);

impl Default for PositionsDigest {
    fn default() -> Self {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(b"coffre/prune/v2\n");
        PositionsDigest(ctx)
    }
}

impl PositionsDigest {
    /// Takes in the next covered position (in increasing order).
    pub fn add(&mut self, p: &Position) {
        self.0.update(&p.seq.to_be_bytes());
        self.0.update(&p.prev);
        self.0.update(&p.leaf);
    }

    /// The digest.
    pub fn finish(self) -> Hash {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.0.finish().as_ref());
        out
    }
}

/// SHA-256 over `coffre/prune/v2` ‖ 0x0A ‖, for each covered position in
/// increasing order, its number as 8 bytes big-endian ‖ its `prev` (32 bytes)
/// ‖ its leaf (32 bytes): what a prune fact's `positions` commits to, so that
/// the signature of the fact authenticates the `prev` and the leaf each pruned
/// line keeps (`docs/audit-format.md`, "Pruning the access trail").
pub fn positions_digest<'a>(positions: impl IntoIterator<Item = &'a Position>) -> Hash {
    let mut d = PositionsDigest::default();
    for p in positions {
        d.add(p);
    }
    d.finish()
}

/// Aggregate count kept in a prune fact when the policy asks for it: how many
/// entries of one month (`YYYY-MM`, UTC) one profession's actors wrote. No
/// dossier, no staff id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthCount {
    /// `YYYY-MM`.
    pub month: String,
    /// Profession id (`""` if unknown).
    pub profession: String,
    /// Number of entries.
    pub n: u64,
}

/// The members of a `prune` fact (`kind` first), in this order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PruneFact {
    /// Entries dated before this time (Unix seconds) may be covered.
    pub cutoff: u64,
    /// First covered position.
    pub first: u64,
    /// Last covered position.
    pub last: u64,
    /// Number of covered positions.
    pub count: u64,
    /// [`positions_digest`] of the covered positions, 64 hex digits.
    pub positions: String,
    /// Aggregates kept (empty unless the policy keeps them).
    pub counts: Vec<MonthCount>,
}

/// The fact of a format-3 or 5 line, if it is a prune fact.
fn prune_fact_of(line: &[u8]) -> Result<Option<PruneFact>> {
    if !super::line::starts_as_fact(line)
        || memchr::memmem::find(line, b"\"fact\":{\"kind\":\"prune\"").is_none()
    {
        return Ok(None);
    }
    #[derive(Deserialize)]
    struct Tagged {
        kind: String,
        #[serde(flatten)]
        rest: serde_json::Value,
    }
    let e = super::entry::AuditEntry::from_line(line, "prune fact")?;
    let Some(raw) = e.fact else { return Ok(None) };
    let t: Tagged = serde_json::from_str(raw.get()).map_err(|_| {
        Error::Integrity(msg!("audit-entry-carries-fact-valid-altered", seq = e.seq))
    })?;
    if t.kind != "prune" {
        return Ok(None);
    }
    serde_json::from_value(t.rest)
        .map(Some)
        .map_err(|_| Error::Integrity(msg!("prune-fact-not-valid", seq = e.seq)))
}

/// A prune found in the log, as verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PruneSeen {
    /// Entry number of the fact.
    pub seq: u64,
    /// Its time (RFC 3339) and signer.
    pub time: String,
    /// Who signed it.
    pub by: String,
    /// The fact.
    pub fact: PruneFact,
    /// How many covered positions are pruned now.
    pub pruned: u64,
    /// Whether it is still under way (the fact is the log's last line).
    pub in_progress: bool,
}

/// What [`check_log`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PruneSummary {
    /// Pruned lines in the log.
    pub pruned: u64,
    /// Every prune, in log order.
    pub prunes: Vec<PruneSeen>,
}

/// What one line is, for the check.
#[derive(Clone, Copy)]
enum Kind {
    /// Format 3 (a fact), kept in full.
    Fact,
    /// Format 2, with its time (Unix seconds).
    Trail(u64),
    /// Pruned by the fact at this entry.
    Pruned(u64),
}

/// Calls `f` with the number (from 1), the byte offset and the bytes (without
/// newline) of each line of the log at `path` up to byte `end`.
pub(crate) fn each_line(
    log: &dyn crate::store::medium::LogMedium,
    end: u64,
    mut f: impl FnMut(u64, u64, &[u8]) -> Result<()>,
) -> Result<()> {
    let io = |e| Error::io(msg!("cannot-read-audit-log"), e);
    let file = crate::store::medium::reader(log);
    let mut reader = BufReader::with_capacity(1 << 20, file.take(end));
    let mut line = Vec::with_capacity(1024);
    let (mut seq, mut offset) = (0u64, 0u64);
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(io)?;
        if n == 0 {
            return Ok(());
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        seq += 1;
        f(seq, offset, &line)?;
        offset += n as u64;
    }
}

/// The (seq, prev, leaf) of a line a prune fact covers: the ones a pruned line
/// carries, else the entry's own.
fn position_of(seq: u64, line: &[u8]) -> Result<Position> {
    if let Some(p) = parse_pruned(line) {
        return Ok(Position {
            seq,
            prev: p.prev,
            leaf: p.leaf,
        });
    }
    let prev = line_prev(line).ok_or_else(|| {
        Error::Integrity(msg!(
            "audit-entry-canonical-form",
            place = format!("entry {seq}"),
            seq = seq
        ))
    })?;
    Ok(Position {
        seq,
        prev,
        leaf: leaf_hash(line),
    })
}

/// Checks the pruned lines and prune facts of the log at `path`, up to byte
/// `end` (a whole number of lines). Reads the file once, and a second time
/// when it holds a prune fact (to hash the covered positions); keeps 16 bytes
/// per line. The first rule broken is an [`Error::Integrity`] naming the entry.
pub fn check_log(log: &dyn crate::store::medium::LogMedium, end: u64) -> Result<PruneSummary> {
    let mut kinds: Vec<Kind> = Vec::new();
    let mut facts: BTreeMap<u64, (PruneFact, String, String)> = BTreeMap::new();
    let mut pruned = 0u64;
    each_line(log, end, |seq, _, line| {
        if is_pruned(line) {
            let p = parse_pruned(line)
                .ok_or_else(|| Error::Integrity(msg!("pruned-line-damaged", seq = seq)))?;
            pruned += 1;
            kinds.push(Kind::Pruned(p.by));
        } else if super::line::starts_as_fact(line) {
            if let Some(f) = prune_fact_of(line)? {
                let e = super::entry::AuditEntry::from_line(line, "prune fact")?;
                facts.insert(seq, (f, e.time, e.signer.unwrap_or_default()));
            }
            kinds.push(Kind::Fact);
        } else {
            // Only the access trail is ever covered: an entry whose action is not
            // an access, or whose time does not read, is kept like a fact.
            match trail_time(line) {
                Some(t) => kinds.push(Kind::Trail(t)),
                None => kinds.push(Kind::Fact),
            }
        }
        Ok(())
    })?;
    let size = kinds.len() as u64;
    // Every pruned line names a prune fact after it whose range holds it.
    for (i, k) in kinds.iter().enumerate() {
        let p = i as u64 + 1;
        if let Kind::Pruned(by) = *k {
            let ok = facts
                .get(&by)
                .is_some_and(|(f, _, _)| f.first <= p && p <= f.last && f.last < by);
            if !ok {
                return Err(Error::Integrity(msg!(
                    "pruned-without-prune-fact",
                    seq = p,
                    by = by
                )));
            }
        }
    }
    for (&seq, (f, _, _)) in &facts {
        if f.first == 0 || f.first > f.last || f.last >= seq {
            return Err(Error::Integrity(msg!("prune-fact-range-forged", seq = seq)));
        }
    }
    // Whether the line at `p` is in the covered set of the fact at `fact`.
    let covers = |fact: u64, f: &PruneFact, p: u64| -> bool {
        if p < f.first || p > f.last {
            return false;
        }
        match kinds[(p - 1) as usize] {
            Kind::Pruned(by) => by == fact,
            Kind::Trail(t) => t < f.cutoff,
            Kind::Fact => false,
        }
    };
    // The digests of the covered sets, over each line's (seq, prev, leaf).
    let mut digests: BTreeMap<u64, (PositionsDigest, u64)> = facts
        .keys()
        .map(|&seq| (seq, (PositionsDigest::default(), 0)))
        .collect();
    if !facts.is_empty() {
        let to = facts.values().map(|(f, _, _)| f.last).max().unwrap_or(0);
        each_line(log, end, |p, _, line| {
            if p > to {
                return Ok(());
            }
            let mut pos = None;
            for (&seq, (f, _, _)) in &facts {
                if covers(seq, f, p) {
                    let at = match pos {
                        Some(at) => at,
                        None => *pos.insert(position_of(p, line)?),
                    };
                    if let Some((d, n)) = digests.get_mut(&seq) {
                        d.add(&at);
                        *n += 1;
                    }
                }
            }
            Ok(())
        })?;
    }
    let mut summary = PruneSummary {
        pruned,
        prunes: Vec::new(),
    };
    for (seq, (d, n)) in digests {
        let Some((f, time, signer)) = facts.get(&seq) else {
            continue;
        };
        let digest = hex::encode(d.finish());
        if n != f.count || digest != f.positions {
            return Err(Error::Integrity(msg!(
                "prune-fact-positions-differ",
                seq = seq
            )));
        }
        let done = kinds[(f.first - 1) as usize..f.last as usize]
            .iter()
            .filter(|k| matches!(k, Kind::Pruned(by) if *by == seq))
            .count() as u64;
        let in_progress = seq == size;
        if !in_progress && done != f.count {
            return Err(Error::Integrity(msg!(
                "prune-completed-content-left",
                seq = seq,
                count = f.count - done
            )));
        }
        summary.prunes.push(PruneSeen {
            seq,
            time: time.clone(),
            by: signer.clone(),
            fact: f.clone(),
            pruned: done,
            in_progress,
        });
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruned_lines_round_trip_and_refuse_any_other_byte() {
        let leaf = [7u8; 32];
        let prev = [9u8; 32];
        let line = pruned_bytes(&leaf, &prev, 1234, 300).unwrap();
        assert_eq!(line.len(), 300);
        assert_eq!(
            parse_pruned(&line),
            Some(Pruned {
                leaf,
                prev,
                by: 1234
            })
        );
        assert_eq!(line_prev(&line), Some(prev));
        assert_eq!(line_leaf(&line), leaf);
        let mut bad = line.clone();
        bad[299] = b'x';
        assert_eq!(parse_pruned(&bad), None);
        let upper = String::from_utf8(line.clone())
            .unwrap()
            .replacen("07", "0A", 1);
        assert_eq!(parse_pruned(upper.as_bytes()), None);
        let zero = String::from_utf8(line).unwrap().replace(":1234", ":01234");
        assert_eq!(parse_pruned(zero.as_bytes()), None);
        assert!(pruned_bytes(&leaf, &prev, 1, 150).is_none());
        let at = |seq, prev, leaf| Position { seq, prev, leaf };
        let a = at(1, [0; 32], [1; 32]);
        assert_ne!(
            positions_digest(&[a, at(2, [1; 32], [2; 32])]),
            positions_digest(&[a, at(3, [1; 32], [2; 32])])
        );
        assert_ne!(
            positions_digest(&[a, at(2, [1; 32], [2; 32])]),
            positions_digest(&[a, at(2, [7; 32], [2; 32])]),
            "the prev is committed to"
        );
    }
}
