//! The audit index (`ax/{d|a}/{id}/…` → the byte offset of each entry) checked
//! against the log itself. The index makes a dossier's history and a member's
//! trail fast to read, but it lives in the store, where someone with the disk
//! or the database could delete an entry (hiding a read) or point one at
//! another dossier's line (putting someone else's words in an export).
//!
//! - Reading through the index ([`crate::vault::Vault::indexed_entries`]),
//!   every line must carry the number the index gives and name the dossier or
//!   actor the index is for.
//! - Verifying (`audit verify`), the index as stored must hold exactly one
//!   entry for every unpruned line that names a dossier or an actor: compared
//!   per dossier and per actor as a count and a sum of keyed hashes of (number,
//!   offset), under a key drawn at random for each verification, so that no
//!   set of planted entries can be prepared to balance a deleted one.

use std::collections::BTreeMap;

use ring::hmac;

use crate::error::{Error, Result};
use crate::store::layout;
use crate::store::medium::LogMedium;

/// Per (kind, id): how many entries, and the sum of their keyed hashes.
pub(crate) struct Tally {
    key: hmac::Key,
    per: BTreeMap<(char, String), (u64, u128)>,
}

impl Tally {
    /// An empty tally under `key` (the same for the two sides compared).
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        Tally {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
            per: BTreeMap::new(),
        }
    }

    fn add(&mut self, kind: char, id: &str, seq: u64, offset: u64) {
        let mut m = [0u8; 16];
        m[..8].copy_from_slice(&seq.to_be_bytes());
        m[8..].copy_from_slice(&offset.to_be_bytes());
        let tag = hmac::sign(&self.key, &m);
        let mut h = [0u8; 16];
        h.copy_from_slice(&tag.as_ref()[..16]);
        let e = self.per.entry((kind, id.to_string())).or_insert((0, 0));
        e.0 += 1;
        e.1 = e.1.wrapping_add(u128::from_be_bytes(h));
    }

    /// Adds the entries of one stored index record (`ax/…` and its value).
    pub(crate) fn add_record(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        let damaged = || Error::Integrity(msg!("audit-index-damaged"));
        let text = std::str::from_utf8(key).map_err(|_| damaged())?;
        let rest = text.strip_prefix("ax/").ok_or_else(damaged)?;
        let mut chars = rest.chars();
        let kind = chars.next().ok_or_else(damaged)?;
        let rest = chars.as_str().strip_prefix('/').ok_or_else(damaged)?;
        let (id, _) = rest.rsplit_once('/').ok_or_else(damaged)?;
        let mut pairs = Vec::new();
        crate::vault::index_pairs(key, value, &mut pairs)?;
        for (seq, offset) in pairs {
            self.add(kind, id, seq, offset);
        }
        Ok(())
    }

    /// Adds what the index must hold for the log's lines up to byte `end`.
    pub(crate) fn add_log(&mut self, log: &dyn LogMedium, end: u64) -> Result<()> {
        crate::audit::prune::each_line(log, end, |seq, offset, line| {
            if crate::audit::prune::is_pruned(line) {
                return Ok(());
            }
            let e = crate::audit::AuditEntry::from_line(line, &format!("entry {seq}"))?;
            if let Some(d) = &e.dossier {
                if layout::check_id("dossier", d).is_ok() {
                    self.add('d', d, e.seq, offset);
                }
            }
            if layout::check_id("staff", &e.actor).is_ok() {
                self.add('a', &e.actor, e.seq, offset);
            }
            Ok(())
        })
    }

    /// The first dossier or actor whose entries differ, as an integrity
    /// failure naming its index records.
    pub(crate) fn compare(&self, stored: &Tally) -> Result<()> {
        let keys: std::collections::BTreeSet<&(char, String)> =
            self.per.keys().chain(stored.per.keys()).collect();
        for k in keys {
            if self.per.get(k) != stored.per.get(k) {
                let want = self.per.get(k).map_or(0, |v| v.0);
                let found = stored.per.get(k).map_or(0, |v| v.0);
                return Err(Error::Integrity(msg!(
                    "audit-index-disagrees-with-log",
                    record = format!("ax/{}/{}/…", k.0, k.1),
                    want = want,
                    found = found
                )));
            }
        }
        Ok(())
    }
}

/// A fresh random key for one comparison.
pub(crate) fn fresh_key() -> Result<[u8; 32]> {
    crate::crypto::key::random_bytes::<32>()
}
