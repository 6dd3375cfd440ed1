//! The records the vault keeps in its store, and their encoding (postcard).
//!
//! Fields named `*_sealed` or `wrapped` are ciphertext; everything else is the
//! minimal metadata listed in `docs/architecture.md`.

use std::collections::BTreeMap;

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::crypto::kdf::KdfParams;
use crate::error::{Error, Result};

/// Version of the on-disk format.
pub const FORMAT: u32 = 3;

/// Vault-wide settings and public material.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VaultMeta {
    /// On-disk format version.
    pub format: u32,
    /// Random vault identifier, bound into every sealed value.
    pub vault_id: String,
    /// Creation time (Unix seconds).
    pub created: u64,
    /// KDF parameters for new passphrases.
    pub kdf: KdfParams,
    /// The recovery key's public recipient.
    pub recovery_recipient: String,
    /// Public recipient of the audit key (justifications are encrypted to it).
    pub audit_recipient: String,
    /// SHA-256 of the vault's policy file, checked at every open.
    pub policy_sha256: String,
    /// Current generation of each vault key (`cat:medical`, `directory`, …).
    pub key_gens: BTreeMap<String, u32>,
    /// The establishment's name, sealed under the directory key.
    #[serde(with = "serde_bytes")]
    pub establishment_sealed: Vec<u8>,
}

/// Whether a staff member may still unlock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StaffStatus {
    /// May unlock.
    Active,
    /// May no longer unlock.
    Revoked,
}

/// A staff member.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StaffRecord {
    /// Login identifier.
    pub id: String,
    /// Profession identifier from the policy.
    pub profession: String,
    /// Active or revoked.
    pub status: StaffStatus,
    /// Public `age` recipient.
    pub recipient: String,
    /// KDF parameters for this member's passphrase.
    pub kdf: KdfParams,
    /// KDF salt.
    #[serde(with = "serde_bytes")]
    pub salt: Vec<u8>,
    /// The `age` identity sealed under the passphrase-derived key.
    #[serde(with = "serde_bytes")]
    pub identity_sealed: Vec<u8>,
    /// The member's display name sealed under the directory key.
    #[serde(with = "serde_bytes")]
    pub name_sealed: Vec<u8>,
    /// Public key of the member's checkpoint-signing key (Ed25519).
    pub signing_key: [u8; 32],
    /// Their earlier checkpoint keys (before a recovery gave them a new identity),
    /// so the checkpoints they signed then still verify.
    pub previous_signing_keys: Vec<[u8; 32]>,
    /// When added (Unix seconds).
    pub added: u64,
    /// Who added them.
    pub added_by: String,
}

/// A dossier: the file of one person supported.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DossierRecord {
    /// Identifier.
    pub id: String,
    /// Creation time (Unix seconds).
    pub created: u64,
    /// Creator's staff id.
    pub created_by: String,
    /// Name and birth date, sealed under the dossier's `identity` data key.
    #[serde(with = "serde_bytes")]
    pub header_sealed: Vec<u8>,
    /// When the support ended (`dossier close`), starting the retention clock.
    pub closed: Option<u64>,
    /// The retention rule applied at closing (policy `[retention]`).
    pub retention: Option<String>,
    /// When the dossier was erased (its keys destroyed).
    pub erased: Option<u64>,
}

/// A care-team membership.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TeamRecord {
    /// Who added this member.
    pub added_by: String,
    /// From when (Unix seconds).
    pub since: u64,
    /// Until when, if ended.
    pub until: Option<u64>,
}

/// A data key of one dossier and category (and author, for author-only categories).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DataKeyRecord {
    /// Generation of the category key it is sealed under (0 for age-wrapped keys).
    pub key_gen: u32,
    /// The data key: AEAD-sealed under the category key, or an age file for
    /// author-only categories.
    #[serde(with = "serde_bytes")]
    pub wrapped: Vec<u8>,
}

/// The unchanging header of an entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EntryRecord {
    /// Identifier.
    pub id: String,
    /// Dossier it belongs to.
    pub dossier: String,
    /// Entry kind from the policy.
    pub kind: String,
    /// First author's staff id.
    pub author: String,
    /// Creation time (Unix seconds).
    pub created: u64,
    /// Latest version number (1-based).
    pub latest: u32,
}

/// One sealed field value.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SealedField {
    /// Field name.
    pub name: String,
    /// Category of the field.
    pub category: String,
    /// AEAD ciphertext under the dossier's data key for that category (and
    /// author), of `r ‖ value` (`vault::records::field`).
    #[serde(with = "serde_bytes")]
    pub ciphertext: Vec<u8>,
    /// SHA-256 of `"coffre/field/v1" ‖ r ‖ value`: covered by the version's shape,
    /// hence by its author's signed content fact.
    pub commitment: [u8; 32],
}

/// One version of an entry: the fields written in that version.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VersionRecord {
    /// Version number (1 = creation, then one per amendment).
    pub version: u32,
    /// Author of this version.
    pub author: String,
    /// Time (Unix seconds).
    pub time: u64,
    /// Fields set in this version.
    pub fields: Vec<SealedField>,
}

/// An open break-glass window.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BreakGlassRecord {
    /// When it was opened (Unix seconds).
    pub opened: u64,
    /// When it closes (Unix seconds).
    pub until: u64,
    /// Audit sequence number of the opening.
    pub audit_seq: u64,
}

/// Encodes a record.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    postcard::to_stdvec(value).map_err(|e| Error::Io(msg!("cannot-encode-record", e = e)))
}

/// Decodes a record; a malformed record is an integrity failure.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    postcard::from_bytes(bytes)
        .map_err(|_| Error::Integrity(msg!("stored-record-corrupt", what = what)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn prop_version_record_round_trip(name in "[a-z_]{1,12}", cat in "[a-z-]{1,12}", ct in proptest::collection::vec(any::<u8>(), 0..64), v in 1u32..1000) {
            let r = VersionRecord { version: v, author: "a".into(), time: 5, fields: vec![SealedField { name: name.clone(), category: cat.clone(), ciphertext: ct.clone(), commitment: [9; 32] }] };
            let back: VersionRecord = decode(&encode(&r).unwrap(), "version").unwrap();
            prop_assert_eq!(back.version, v);
            prop_assert_eq!(&back.fields[0].name, &name);
            prop_assert_eq!(&back.fields[0].ciphertext, &ct);
        }

        /// Byte strings are encoded as one block (`serde_bytes`) for speed; in
        /// postcard that is the same wire format as a sequence of `u8`
        /// (varint length, then the bytes), so records written before read back.
        #[test]
        fn prop_bytes_encoding_unchanged(ct in proptest::collection::vec(any::<u8>(), 0..600)) {
            #[derive(Serialize, Deserialize)]
            struct AsSeq { a: Vec<u8>, b: u32 }
            #[derive(Serialize, Deserialize)]
            struct AsBytes { #[serde(with = "serde_bytes")] a: Vec<u8>, b: u32 }
            let seq = encode(&AsSeq { a: ct.clone(), b: 7 }).unwrap();
            prop_assert_eq!(&encode(&AsBytes { a: ct.clone(), b: 7 }).unwrap(), &seq);
            let back: AsBytes = decode(&seq, "bytes").unwrap();
            prop_assert_eq!(back.a, ct);
        }

        #[test]
        fn prop_garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = decode::<StaffRecord>(&bytes, "staff");
            let _ = decode::<VersionRecord>(&bytes, "version");
        }
    }
}
