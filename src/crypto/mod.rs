//! Cryptographic building blocks: symmetric keys, the field envelope, passphrase
//! normalisation and strength, key derivation, `age` key wrapping and the blind name index.
//!
//! Nothing here knows about dossiers or policies; `docs/crypto.md` explains how the
//! vault puts these pieces together.

pub mod blind;
pub mod envelope;
pub mod kdf;
pub mod key;
pub mod passphrase;
pub mod shares;
pub mod wrap;

pub use envelope::Aad;
pub use key::Key32;
