//! The append-only audit log: a Merkle tree of entries with signed checkpoints.
//!
//! One JSON object per line (`audit.log` in the vault); each line's bytes are a
//! leaf of an RFC 9162 Merkle tree, and each entry records the leaf hash of the one
//! before (`prev`), so an altered entry is pinpointed. After every command the acting
//! staff member signs a checkpoint (a C2SP tlog-checkpoint in a signed note: origin,
//! size, root) with an Ed25519 key derived from their identity (`checkpoints.log`).
//! Each append is written and `fdatasync`ed before the operation it records goes
//! on: no audit, no access.
//! `docs/audit-format.md` specifies the bytes.
//!
//! Entries hold identifiers, categories and outcomes — never field contents.
//! Justifications (the actor's own words) are encrypted with `age` to the vault's
//! audit key, which only audit readers and the recovery key hold.

pub mod chain;
pub mod checkpoint;
mod entry;
pub mod line;
mod log;
pub mod merkle;
pub mod prune;
pub mod render;
pub mod report;
pub mod tally;
mod verify;
pub mod words;

pub use checkpoint::{log_origin, Checkpoint, SignatureCheck, SigningKey};
pub use entry::{
    genesis, normalise_time, quick_header, signed_part, AuditEntry, Dprev, Draft, FactSigner,
    Filter, Outcome, ENTRY_VERSION, FACT_ENTRY_VERSION, FACT_SIG_DOMAIN,
};
pub(crate) use log::{check_header, pruned_link};
pub use log::{
    sync_file, write_at, AuditLog, CheckpointFile, Located, LogState, Named, Prepared, MAX_LINE,
};
pub(crate) use verify::line_time;
pub use verify::{
    check_checkpoints, verify, verify_log, verify_log_with, Scan, VerifyInput, VerifySummary,
};
