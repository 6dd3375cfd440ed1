//! Staff: adding and approving members (`members`) and the key lifecycle that
//! follows a passphrase change, a revocation or a change of profession
//! (`lifecycle`).
//!
//! Depends on `super::records` (re-sealing what a rotation touches) and
//! `super::access`.

pub(crate) mod lifecycle;
pub(crate) mod members;
