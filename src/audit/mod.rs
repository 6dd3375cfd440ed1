//! The append-only, hash-chained audit log.
//!
//! One JSON object per line (`audit.log` in the vault). Each entry carries the hash of
//! the previous one (`prev`) and its own `hash` = SHA-256("coffre/audit/v1\n" ||
//! the entry serialised with `hash` set to ""). The first entry's `prev` is
//! SHA-256("coffre/audit/genesis\n" || vault id), so a log cannot be spliced in from
//! another vault. Each append is written and `fdatasync`ed before the operation it
//! records goes on: no audit, no access.
//!
//! Entries hold identifiers, categories and outcomes — never field contents.
//! Justifications (the actor's own words) are encrypted with `age` to the vault's
//! audit key, which only audit readers and the recovery key hold.

mod chain;
mod entry;
pub mod merkle;

pub use chain::{verify, AuditLog, VerifySummary};
pub use entry::{AuditEntry, Draft, Filter, Outcome};
