//! Coffre: an encrypted, audited records vault for social and medico-social work.
//!
//! Records are kept locally, sealed field by field under per-dossier, per-category
//! keys; each profession holds only the category keys its deontology allows, so
//! access is enforced by cryptography and not only by checks; every read and write
//! is appended to a hash-chained audit log before it takes effect.
//!
//! Start with [`Vault::init`] or [`Vault::open`], then [`Vault::unlock`] to get a
//! [`Session`]. `docs/architecture.md` and `docs/crypto.md` explain the design.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[macro_use]
pub mod error;
pub mod audit;
pub mod crypto;
pub mod demo;
pub mod harden;
pub mod i18n;
pub mod policy;
pub(crate) mod private_files;
pub mod rights;
pub mod store;
pub mod text;
pub mod vault;
pub mod warning;
pub mod web;

pub use error::{Error, Result};
pub use vault::views;
pub use vault::{
    DocumentInput, DocumentView, ExportSummary, FieldInput, InitOptions, NewEntry, NewStaff,
    PersonSession, Session, Vault,
};
pub use warning::Warning;
