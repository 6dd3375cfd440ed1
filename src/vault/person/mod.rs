//! The person's rights (GDPR art. 15, 16, 20, 21; CASF L311-3; CSP L1111-7): their own
//! credential and self-service view (`session`), the access export (`export`) and
//! the release of break-the-glass justifications by the DPO (`release`).
//!
//! Depends on `super::records` for reading entries and on `super::audit_trail`
//! for describing accesses.

pub(crate) mod export;
pub mod release;
pub(crate) mod session;
