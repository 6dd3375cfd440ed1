//! Pruned lines of the access trail and the check that every one of them was
//! pruned by a signed prune fact that commits to exactly those positions.
//!
//! A pruned entry's line is replaced, in place and at the same length, by
//! `{"pruned":"<64 hex: its leaf hash>","by":<seq of the prune fact>}` followed
//! by spaces. Its Merkle leaf is the hash it carries, so every root, every
//! checkpoint and every consistency proof still verify (RFC 9162 needs leaves,
//! not contents). Because the leaf cannot tell a pruned line from the original,
//! a pruned line is valid only where a prune fact (format 3, kept in full,
//! signed) covers it; [`check_log`] applies the rules of
//! `docs/audit-format.md` ("Pruning the access trail"):
//!
//! - the entry named by `by` is a prune fact and the pruned line lies in its
//!   range `first..=last`, before the fact;
//! - the fact's *covered set* — the positions of its range whose line is pruned
//!   by it, or is still an access-trail entry dated before its `cutoff` — has exactly
//!   `count` members and hashes to `positions` ([`positions_digest`]);
//! - once any line follows the fact (the prune completed), every covered
//!   position is pruned.
//!
//! A pruned fact line, a pruned recent entry or a pruned line with no fact
//! changes the covered set of the fact it names, or names none: refused.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::merkle::{leaf_hash, Hash};
use crate::error::{Error, Result};

/// How every pruned line starts.
pub const PRUNED_PREFIX: &[u8] = b"{\"pruned\":\"";

/// Length of a pruned line before its padding, for a fact number of `by`.
fn core_len(by: u64) -> usize {
    PRUNED_PREFIX.len() + 64 + "\",\"by\":".len() + by.to_string().len() + 1
}

/// Parses a pruned line (without its newline): the leaf hash it carries and the
/// number of the prune fact that pruned it. `None` if `line` is not one: any
/// byte other than a space after the closing brace, upper-case hex or a number
/// with a leading zero makes it invalid.
pub fn parse_pruned(line: &[u8]) -> Option<(Hash, u64)> {
    let rest = line.strip_prefix(PRUNED_PREFIX)?;
    if rest.len() < 64 || rest[..64].iter().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let mut leaf = [0u8; 32];
    hex::decode_to_slice(&rest[..64], &mut leaf).ok()?;
    let rest = rest[64..].strip_prefix(b"\",\"by\":")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 19 || (digits > 1 && rest[0] == b'0') {
        return None;
    }
    let by: u64 = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    let rest = rest[digits..].strip_prefix(b"}")?;
    rest.iter().all(|b| *b == b' ').then_some((leaf, by))
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

/// The time (Unix seconds) of a format-2 line of the access trail, which a prune
/// dated after it may cover; `None` for any other line: not an access
/// ([`is_access`]), or a time not in the entries' own form (RFC 3339, seconds,
/// `Z`), which the independent verifier would read differently.
pub fn trail_time(line: &[u8]) -> Option<u64> {
    if !line.starts_with(b"{\"v\":2,") || !is_access(line) {
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
        Some((leaf, _)) => leaf,
        None => leaf_hash(line),
    }
}

/// The pruned form of a line of `len` bytes (without its newline) whose leaf is
/// `leaf`, pruned by the fact at entry `by`; `None` if `len` is too short to
/// hold it (never for an entry, which is longer than 200 bytes).
pub fn pruned_bytes(leaf: &Hash, by: u64, len: usize) -> Option<Vec<u8>> {
    if len < core_len(by) {
        return None;
    }
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(PRUNED_PREFIX);
    out.extend_from_slice(hex::encode(leaf).as_bytes());
    out.extend_from_slice(format!("\",\"by\":{by}}}").as_bytes());
    out.resize(len, b' ');
    Some(out)
}

/// SHA-256 over `coffre/prune/v1` ‖ 0x0A ‖ each position as 8 bytes big-endian,
/// in increasing order: what a prune fact's `positions` commits to.
pub fn positions_digest(positions: impl IntoIterator<Item = u64>) -> Hash {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(b"coffre/prune/v1\n");
    for p in positions {
        ctx.update(&p.to_be_bytes());
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
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

/// The fact of a format-3 line, if it is a prune fact.
fn prune_fact_of(line: &[u8]) -> Result<Option<PruneFact>> {
    if !line.starts_with(b"{\"v\":3,")
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

/// Checks the pruned lines and prune facts of the log at `path`, up to byte
/// `end` (a whole number of lines). Reads the file once; keeps 16 bytes per
/// line. The first rule broken is an [`Error::Integrity`] naming the entry.
pub fn check_log(path: &Path, end: u64) -> Result<PruneSummary> {
    let io = |e| Error::io(msg!("cannot-read-audit-log"), e);
    let file = std::fs::File::open(path).map_err(io)?;
    let mut reader = BufReader::with_capacity(1 << 20, file.take(end));
    let mut kinds: Vec<Kind> = Vec::new();
    let mut facts: BTreeMap<u64, (PruneFact, String, String)> = BTreeMap::new();
    let mut line = Vec::with_capacity(1024);
    let mut pruned = 0u64;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(io)?;
        if n == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        let seq = kinds.len() as u64 + 1;
        if is_pruned(&line) {
            let (_, by) = parse_pruned(&line)
                .ok_or_else(|| Error::Integrity(msg!("pruned-line-damaged", seq = seq)))?;
            pruned += 1;
            kinds.push(Kind::Pruned(by));
        } else if line.starts_with(b"{\"v\":3,") {
            if let Some(f) = prune_fact_of(&line)? {
                let e = super::entry::AuditEntry::from_line(&line, "prune fact")?;
                facts.insert(seq, (f, e.time, e.signer.unwrap_or_default()));
            }
            kinds.push(Kind::Fact);
        } else {
            // Only the access trail is ever covered: an entry whose action is not
            // an access, or whose time does not read, is kept like a fact.
            let t = trail_time(&line);
            match t {
                Some(t) => kinds.push(Kind::Trail(t)),
                None => kinds.push(Kind::Fact),
            }
        }
    }
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
    let mut summary = PruneSummary {
        pruned,
        prunes: Vec::new(),
    };
    for (&seq, (f, time, signer)) in &facts {
        if f.first == 0 || f.first > f.last || f.last >= seq {
            return Err(Error::Integrity(msg!("prune-fact-range-forged", seq = seq)));
        }
        let mut covered = Vec::new();
        let mut done = 0u64;
        for p in f.first..=f.last {
            match kinds[(p - 1) as usize] {
                Kind::Pruned(by) if by == seq => {
                    covered.push(p);
                    done += 1;
                }
                Kind::Trail(t) if t < f.cutoff => covered.push(p),
                _ => {}
            }
        }
        let digest = hex::encode(positions_digest(covered.iter().copied()));
        if covered.len() as u64 != f.count || digest != f.positions {
            return Err(Error::Integrity(msg!(
                "prune-fact-positions-differ",
                seq = seq
            )));
        }
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
        let line = pruned_bytes(&leaf, 1234, 300).unwrap();
        assert_eq!(line.len(), 300);
        assert_eq!(parse_pruned(&line), Some((leaf, 1234)));
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
        assert!(pruned_bytes(&leaf, 1, 40).is_none());
        assert_ne!(positions_digest([1, 2]), positions_digest([1, 3]));
    }
}
