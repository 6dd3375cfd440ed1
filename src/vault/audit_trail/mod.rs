//! Reading the audit trail: the log, the DPO's report and a dossier's access history
//! through a session (`audit_read`), and the read-only verification of a vault's
//! log that works on a copy (`verify_ro`), and restores as the log tells them
//! (`restores`).
//!
//! Writing audit lines is the vault core's job (`super::durable`); this folder only
//! reads them.

pub mod audit_read;
pub(crate) mod chain;
pub(crate) mod index_check;
pub mod prune;
pub(crate) mod restores;
pub(crate) mod verify_ro;
