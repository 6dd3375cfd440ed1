//! Keeping a vault whole: `coffre check` (`check`) and backup and restore
//! (`backup`).
//!
//! The top of the vault's folders: it may use every other one.

pub mod backup;
pub mod check;
pub mod migrate;
