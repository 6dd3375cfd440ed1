//! What an audit index must hold, tallied: per dossier and per actor, how
//! many entries and the sum of a keyed hash of each entry's (number, byte
//! offset). The log's lines give one tally, the stored index another
//! (`crate::vault::audit_trail::index_check`); they must be equal.
//!
//! The hash is SipHash-2-4 with its 128-bit output (Aumasson and Bernstein,
//! "SipHash: a fast short-input PRF", 2012) under a 128-bit key drawn at
//! random for each comparison and never stored: without the key, no set of
//! planted index entries can be prepared whose sum balances a deleted one.
//! Sums are commutative, so tallies made on several threads are merged
//! ([`Tally::merge`]).

use std::collections::{BTreeSet, HashMap};

use siphasher::sip128::{Hasher128, SipHasher24};

use super::line::Shape;
use crate::error::{Error, Result};
use crate::store::layout;

/// Per (kind, id): how many entries, and the sum of their keyed hashes. Kind
/// `'d'` is a dossier, `'a'` an actor.
#[derive(Clone)]
pub struct Tally {
    key: [u8; 16],
    /// Dossiers' entries, then actors'.
    per: [HashMap<String, (u64, u128)>; 2],
}

/// The map of a kind.
fn slot(kind: char) -> usize {
    usize::from(kind != 'd')
}

/// The kind of a map.
fn kind_of(slot: usize) -> char {
    if slot == 0 {
        'd'
    } else {
        'a'
    }
}

impl std::fmt::Debug for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tally")
            .field("ids", &(self.per[0].len() + self.per[1].len()))
            .finish_non_exhaustive()
    }
}

impl Tally {
    /// An empty tally under `key` (the same for the two sides compared).
    pub fn new(key: &[u8; 16]) -> Self {
        Tally {
            key: *key,
            per: Default::default(),
        }
    }

    /// An empty tally under the same key as `self`.
    pub fn empty_like(&self) -> Self {
        Tally {
            key: self.key,
            per: Default::default(),
        }
    }

    /// Counts entry `seq`, at byte `offset` of the log, under (`kind`, `id`).
    pub fn add(&mut self, kind: char, id: &str, seq: u64, offset: u64) {
        let h = self.hash(seq, offset);
        self.add_hash(kind, id, h);
    }

    /// The keyed hash of (`seq`, `offset`), both as 8 big-endian bytes.
    fn hash(&self, seq: u64, offset: u64) -> u128 {
        let mut m = [0u8; 16];
        m[..8].copy_from_slice(&seq.to_be_bytes());
        m[8..].copy_from_slice(&offset.to_be_bytes());
        let mut h = SipHasher24::new_with_key(&self.key);
        std::hash::Hasher::write(&mut h, &m);
        h.finish128().as_u128()
    }

    fn add_hash(&mut self, kind: char, id: &str, h: u128) {
        let per = &mut self.per[slot(kind)];
        match per.get_mut(id) {
            Some(e) => {
                e.0 += 1;
                e.1 = e.1.wrapping_add(h);
            }
            None => {
                per.insert(id.to_string(), (1, h));
            }
        }
    }

    /// Counts a well-formed log line (`shape` as [`super::line::check`] gave
    /// it) at byte `offset`: under its dossier and its actor, each when it is
    /// an identifier the store accepts (what the index is kept for). A pruned
    /// line counts nowhere.
    pub fn add_line(&mut self, line: &[u8], shape: &Shape, offset: u64) {
        let Shape::Entry {
            seq,
            actor,
            dossier,
            ..
        } = shape
        else {
            return;
        };
        // The line is UTF-8 (checked), and an identifier needs no escape.
        let h = self.hash(*seq, offset);
        if let Some(d) = dossier.and_then(|d| std::str::from_utf8(d.of(line)).ok()) {
            if layout::check_id("dossier", d).is_ok() {
                self.add_hash('d', d, h);
            }
        }
        if let Ok(a) = std::str::from_utf8(actor.of(line)) {
            if layout::check_id("staff", a).is_ok() {
                self.add_hash('a', a, h);
            }
        }
    }

    /// Adds `other` (made under the same key) to `self`.
    pub fn merge(&mut self, other: Tally) {
        for (mine, theirs) in self.per.iter_mut().zip(other.per) {
            for (k, (n, sum)) in theirs {
                let e = mine.entry(k).or_insert((0, 0));
                e.0 += n;
                e.1 = e.1.wrapping_add(sum);
            }
        }
    }

    /// The first dossier or actor (in the order of their index records) whose
    /// entries differ, as an integrity failure naming its index records
    /// (`ax/{d|a}/{id}/…`); `self` is what the log wants, `stored` what the
    /// index holds.
    pub fn compare(&self, stored: &Tally) -> Result<()> {
        // Actors first, as their records sort (`ax/a/…` before `ax/d/…`).
        for slot in [1, 0] {
            let (want, found) = (&self.per[slot], &stored.per[slot]);
            let keys: BTreeSet<&String> = want.keys().chain(found.keys()).collect();
            for k in keys {
                if want.get(k) == found.get(k) {
                    continue;
                }
                return Err(Error::Integrity(msg!(
                    "audit-index-disagrees-with-log",
                    record = format!("ax/{}/{k}/…", kind_of(slot)),
                    want = want.get(k).map_or(0, |v| v.0),
                    found = found.get(k).map_or(0, |v| v.0)
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seq: u64, actor: &str, dossier: Option<&str>) -> Vec<u8> {
        let d = dossier.map_or("null".to_string(), |d| format!("\"{d}\""));
        format!(
            "{{\"v\":2,\"seq\":{seq},\"prev\":\"{}\",\"time\":\"2026-01-01T00:00:00Z\",\"actor\":\"{actor}\",\"profession\":\"p\",\"action\":\"dossier.read\",\"dossier\":{d},\"entry\":null,\"target\":null,\"categories\":[],\"outcome\":\"ok\",\"break_glass\":false,\"detail\":null,\"justification\":null,\"nonce\":\"{}\"}}",
            "0".repeat(64),
            "1".repeat(32)
        )
        .into_bytes()
    }

    #[test]
    fn a_line_counts_under_its_dossier_and_actor_as_the_index_records_them() {
        let key = [7u8; 16];
        let mut from_lines = Tally::new(&key);
        let mut by_hand = Tally::new(&key);
        for (seq, actor, dossier, offset) in [
            (1, "dir", None, 0),
            (2, "edu.1", Some("0123456789abcdef"), 400),
            (3, "Not An Id", Some("also not"), 800),
        ] {
            let l = line(seq, actor, dossier);
            let shape = super::super::line::check(&l).expect("well formed");
            from_lines.add_line(&l, &shape, offset);
        }
        by_hand.add('a', "dir", 1, 0);
        by_hand.add('a', "edu.1", 2, 400);
        by_hand.add('d', "0123456789abcdef", 2, 400);
        from_lines.compare(&by_hand).expect("the same entries");
        // One entry moved to another offset is a difference naming its records.
        let mut moved = Tally::new(&key);
        moved.add('a', "dir", 1, 0);
        moved.add('a', "edu.1", 2, 400);
        moved.add('d', "0123456789abcdef", 2, 401);
        let err = from_lines.compare(&moved).unwrap_err().to_string();
        assert!(err.contains("ax/d/0123456789abcdef/"), "{err}");
    }

    /// The actor and dossier as the line's bytes give them (escapes left
    /// in) count exactly where their decoded values did when each line was
    /// parsed (the earlier tally): an escape never makes an identifier, and
    /// two values never count as one.
    #[test]
    fn escaped_actors_and_dossiers_count_as_their_values_did() {
        let long = "a".repeat(64);
        let longer = "a".repeat(65);
        let values = [
            "edu.1",
            "edu.1\"",
            "\"edu.1",
            "edu\\.1",
            "edu.1\\",
            "a\u{1}",
            "a\nb",
            "a\tb",
            "\u{7f}a",
            "\u{e9}.1",
            "EDU.1",
            "edu.1 ",
            "",
            "d-1\u{0}",
            "a\u{1f}",
            &long,
            &longer,
            "a/b",
            "\\u0061",
            "a\u{2028}",
            "d-1",
            "person.d-1",
            ".a",
            "-a",
        ];
        let inner = |v: &str| {
            let q = serde_json::to_string(v).unwrap();
            q[1..q.len() - 1].to_string()
        };
        let key = [3u8; 16];
        let (mut spans, mut decoded) = (Tally::new(&key), Tally::new(&key));
        let mut seq = 0u64;
        for actor in values {
            for dossier in values.iter().map(Some).chain([None]) {
                seq += 1;
                let offset = seq * 1000;
                let l = line(seq, &inner(actor), dossier.map(|d| inner(d)).as_deref());
                let shape = super::super::line::check(&l)
                    .unwrap_or_else(|f| panic!("{f:?}: {}", String::from_utf8_lossy(&l)));
                spans.add_line(&l, &shape, offset);
                let e = crate::audit::AuditEntry::from_line(&l, "entry").unwrap();
                assert_eq!(e.actor, actor);
                assert_eq!(e.dossier.as_deref(), dossier.copied());
                if let Some(d) = &e.dossier {
                    if layout::check_id("dossier", d).is_ok() {
                        decoded.add('d', d, e.seq, offset);
                    }
                }
                if layout::check_id("staff", &e.actor).is_ok() {
                    decoded.add('a', &e.actor, e.seq, offset);
                }
            }
        }
        spans.compare(&decoded).expect("the same tally");
        decoded.compare(&spans).expect("the same tally");
    }

    #[test]
    fn tallies_merged_from_parts_equal_one_tally() {
        let key = [9u8; 16];
        let mut whole = Tally::new(&key);
        let mut a = Tally::new(&key);
        let mut b = a.empty_like();
        for seq in 1..50u64 {
            let id = format!("m{}", seq % 3);
            whole.add('a', &id, seq, seq * 10);
            if seq % 2 == 0 { &mut a } else { &mut b }.add('a', &id, seq, seq * 10);
        }
        a.merge(b);
        whole.compare(&a).expect("merged parts");
        whole.add('a', "m0", 99, 990);
        assert!(whole.compare(&a).is_err());
    }
}
