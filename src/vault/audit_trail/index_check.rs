//! The audit index (`ax/{d|a}/{id}/…` → the byte offset of each entry) checked
//! against the log itself. The index makes a dossier's history and a member's
//! trail fast to read, but it lives in the store, where someone with the disk
//! or the database could delete an entry (hiding a read) or point one at
//! another dossier's line (putting someone else's words in an export).
//!
//! - Reading through the index ([`crate::vault::Vault::indexed_entries`]),
//!   every line must carry the number the index gives and name the dossier or
//!   actor the index is for; a dossier's history also walks the log's chain
//!   of the dossier's lines (`dprev`), and a member's trail the chain of the
//!   member's lines (`aprev`), down through the entries read, so an entry
//!   deleted or planted there fails the reading itself (see
//!   [`super::chain`]).
//! - Verifying (`audit verify`), the index as stored must hold exactly one
//!   entry for every unpruned line that names a dossier or an actor: compared
//!   per dossier and per actor as a count and a sum of keyed hashes of (number,
//!   offset), under a key drawn at random for each verification, so that no
//!   set of planted entries can be prepared to balance a deleted one (see
//!   [`crate::audit::tally`]).

use crate::audit::tally::Tally;
use crate::error::{Error, Result};
use crate::store::medium::LogMedium;

/// Adds the entries of one stored index record (`ax/…` and its value) to
/// `tally`. Errors: [`Error::Integrity`] for a record that is not an index
/// record.
pub(crate) fn add_record(tally: &mut Tally, key: &[u8], value: &[u8]) -> Result<()> {
    let damaged = || Error::Integrity(msg!("audit-index-damaged"));
    let text = std::str::from_utf8(key).map_err(|_| damaged())?;
    let rest = text.strip_prefix("ax/").ok_or_else(damaged)?;
    let mut chars = rest.chars();
    let kind = chars.next().ok_or_else(damaged)?;
    let rest = chars.as_str().strip_prefix('/').ok_or_else(damaged)?;
    let (id, _) = rest.rsplit_once('/').ok_or_else(damaged)?;
    let mut pairs = Vec::new();
    crate::vault::index_pairs(key, value, &mut pairs)?;
    // The log calls for dossiers' (`d`) and actors' (`a`) entries only: a
    // record of another kind is one the log does not want, never an actor's
    // (an actor's records moved under another letter are hidden from the
    // actor's history as if deleted).
    if kind != 'd' && kind != 'a' {
        return Err(Error::Integrity(msg!(
            "audit-index-disagrees-with-log",
            record = format!("ax/{kind}/{id}/…"),
            want = 0u64,
            found = pairs.len() as u64
        )));
    }
    for (seq, offset) in pairs {
        tally.add(kind, id, seq, offset);
    }
    Ok(())
}

/// Adds what the index must hold for the log's lines up to byte `end`.
/// Errors: [`Error::Integrity`] for a line that is not well formed.
pub(crate) fn add_log(tally: &mut Tally, log: &dyn LogMedium, end: u64) -> Result<()> {
    crate::audit::prune::each_line(log, end, |seq, offset, line| {
        let shape = crate::audit::line::check_line(line, &|| format!("entry {seq}"))?;
        tally.add_line(line, &shape, offset);
        Ok(())
    })
}

/// A fresh random key for one comparison.
pub(crate) fn fresh_key() -> Result<[u8; 16]> {
    crate::crypto::key::random_bytes::<16>()
}
