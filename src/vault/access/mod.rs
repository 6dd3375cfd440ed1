//! Rights and keys: who may open what, and why.
//!
//! - `trust`: the vault's side of the rights register (`crate::rights`) — built at
//!   unlock, followed as facts are written, and the checks of every stored record that
//!   grants a right against it (exit 5 on a mismatch).
//! - `keys`: key material, key wraps and the associated-data conventions of
//!   `docs/crypto.md`.
//! - `care_team`: the care-team rule and break-the-glass for a whole dossier.
//! - `explain`: `policy explain`, the same decision told in words.
//!
//! Depends on the vault's core (session, durable writes) only.

pub(crate) mod care_team;
pub(crate) mod explain;
pub mod keys;
pub mod second_factor;
pub(crate) mod session;
pub(crate) mod trust;
