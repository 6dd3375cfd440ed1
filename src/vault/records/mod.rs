//! The records: dossiers (with their blind name index), entries and their versions,
//! the bulk import, and the end of a dossier's life (retention, erasure by
//! crypto-shredding).
//!
//! Depends on `super::access` for keys and rights, and on the vault's core.

pub(crate) mod document;
pub(crate) mod dossier;
pub(crate) mod entry;
pub(crate) mod erasure;
pub(crate) mod field;
pub mod import;
pub(crate) mod reader;
pub(crate) mod recent;
pub(crate) mod reindex;
pub(crate) mod retention;
