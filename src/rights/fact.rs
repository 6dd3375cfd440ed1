//! The facts of the rights register: what an audit entry of format 3 or 5 carries in
//! its `fact` member (a JSON object tagged by `kind`), and how it is signed.
//!
//! `docs/audit-format.md` ("Facts") specifies every kind, member by member; the
//! rules that decide whether a fact may be applied are in [`super::state`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::crypto::kdf::KdfParams;
use crate::error::{Error, Result};

/// The name under which the recovery key signs facts (never a staff id: staff
/// ids start with a letter or a digit).
pub const RECOVERY_SIGNER: &str = "~recovery";

/// Prefix of the signer name of a person supported signing with their own
/// credential: `person:<dossier id>`.
pub const PERSON_SIGNER_PREFIX: &str = "person:";

/// Whether a member may still unlock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// May unlock, hold keys and sign.
    Active,
    /// May never unlock, hold new keys or sign again (final).
    Revoked,
}

/// What the register holds about one staff member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Login id.
    pub id: String,
    /// Profession id from the policy.
    pub profession: String,
    /// Active or revoked.
    pub status: Status,
    /// Public `age` recipient keys are wrapped to.
    pub recipient: String,
    /// Ed25519 public key (64 lower-case hex) that signs the member's facts
    /// and checkpoints.
    pub key: String,
}

/// One fact. Serialised as compact JSON with `kind` first, members in the order
/// declared here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Fact {
    /// The vault's birth, in its first entry: the root of all trust. Its leaf
    /// hash is the vault's genesis hash.
    Genesis {
        /// Random vault id bound into every sealed value.
        vault: String,
        /// SHA-256 (hex) of the vault's `policy.toml`.
        policy_sha256: String,
        /// The weakest key-derivation parameters a passphrase may use.
        kdf_floor: KdfParams,
        /// The recovery key's `age` recipient.
        recovery_recipient: String,
        /// The recovery key's Ed25519 public key (hex), signer `~recovery`.
        recovery_key: String,
        /// The audit key's `age` recipient (justifications are encrypted to it).
        audit_recipient: String,
        /// Commitment (hex) to generation 1 of each vault key, by key name.
        keys: BTreeMap<String, String>,
        /// The first member, who signs this fact.
        admin: Member,
    },
    /// A member added, or changed (profession, revocation, new identity).
    Staff {
        /// The member as they are from now on.
        member: Member,
    },
    /// A holder (or the recovery key) approves that restricted keys may be
    /// granted to a member.
    Approve {
        /// The member approved.
        member: String,
        /// Vault key names (`cat:medical`, …).
        keys: Vec<String>,
    },
    /// A new generation of a vault key (a rotation).
    Key {
        /// Key name.
        key: String,
        /// Its new generation.
        generation: u32,
        /// Commitment to the key material (see [`key_commitment`]).
        commitment: String,
    },
    /// A new audit key recipient (after an audit-key rotation).
    AuditRecipient {
        /// The new `age` recipient.
        recipient: String,
    },
    /// A dossier created.
    Dossier {
        /// Dossier id.
        dossier: String,
    },
    /// The end of the support (retention starts).
    Closed {
        /// Dossier id.
        dossier: String,
        /// Unix seconds.
        at: u64,
        /// The retention rule (an id of the policy's `[retention.rules]`);
        /// absent in facts written before it was recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<String>,
    },
    /// A dossier erased by crypto-shredding.
    Erased {
        /// Dossier id.
        dossier: String,
    },
    /// A care-team membership begins or ends.
    Team {
        /// Dossier id.
        dossier: String,
        /// Staff id.
        member: String,
        /// `true`: from now on in the team; `false`: no longer.
        present: bool,
    },
    /// A break-the-glass window opened by its member.
    BreakGlass {
        /// Dossier id.
        dossier: String,
        /// Staff id (the signer).
        member: String,
        /// End of the window, Unix seconds.
        until: u64,
    },
    /// The person's own credential for their dossier (or its removal).
    Person {
        /// Dossier id.
        dossier: String,
        /// The person's `age` recipient; `None` when their access is removed.
        recipient: Option<String>,
        /// The person's Ed25519 public key (hex), signer `person:<dossier>`.
        key: Option<String>,
    },
    /// The person objects (or no longer objects) to a category being shared
    /// with a profession.
    Objection {
        /// Dossier id.
        dossier: String,
        /// Category id.
        category: String,
        /// Profession id.
        profession: String,
        /// Whether the objection is in force.
        objects: bool,
    },
    /// A data key of a dossier created or replaced (renewal, recovery): the
    /// SHA-256 of its stored record, so that no other key is ever used in its
    /// place (someone could wrap a key they know to an author's recipient).
    DataKey {
        /// Dossier id.
        dossier: String,
        /// `category/author` for an author-only category, `category/*` else.
        key: String,
        /// SHA-256 (hex) of the stored data-key record.
        record: String,
    },
    /// Entries written or amended in a dossier, signed by their author (a
    /// member, or the person for their own note).
    Content {
        /// Dossier id.
        dossier: String,
        /// Elements (hex) added to the dossier's content digest.
        add: Vec<String>,
        /// Elements (hex) they replace.
        remove: Vec<String>,
    },
    /// Entries of the access trail pruned (`coffre audit prune`): written before
    /// their lines are rewritten, it commits to exactly which positions lose
    /// their content (see [`crate::audit::prune`]).
    Prune {
        /// Entries dated before this time (Unix seconds) are covered.
        cutoff: u64,
        /// First covered position.
        first: u64,
        /// Last covered position.
        last: u64,
        /// Number of covered positions.
        count: u64,
        /// SHA-256 (hex) of the covered positions
        /// ([`crate::audit::prune::positions_digest`]).
        positions: String,
        /// Counts per month and profession kept, if the policy says so.
        counts: Vec<crate::audit::prune::MonthCount>,
    },
    /// A signed checkpoint exported by a member who may prune (`audit checkpoint
    /// --out` with `--user`): `audit prune` covers no entry after it unless told
    /// to. A fact, so that no one with the disk alone can move the limit.
    Export {
        /// The exported checkpoint's tree size (entries).
        size: u64,
    },
    /// The DPO releases a dossier's break-the-glass justifications to the
    /// person supported (`audit.release`): the stored release record, which
    /// carries the sealed copies' hashes, is vouched for by its SHA-256.
    Release {
        /// Dossier id.
        dossier: String,
        /// Justifications of entries up to this number (excluded: none after
        /// the fact itself) are released.
        up_to: u64,
        /// SHA-256 (hex) of the stored release record ([`record_hash`]).
        record: String,
    },
    /// A member changed their own passphrase (`staff passwd`): the SHA-256 of
    /// the new passphrase material (KDF parameters, salt, sealed identity;
    /// [`passphrase_hash`]), so that an older copy of it is never accepted.
    Passphrase {
        /// Staff id (the signer).
        member: String,
        /// SHA-256 (hex) of the passphrase material.
        record: String,
    },
    /// The data keys wrapped to the person supported for one dossier, as a
    /// whole: the digest of every `pk/{dossier}/…` record ([`person_wraps_hash`]).
    /// Written with each change of that set (access granted, a new or renewed
    /// data key), by the recovery key, a member with `person-access`, or a
    /// member who may hold the key of every category in `add`; a new
    /// credential or an erasure clears it.
    PersonKeys {
        /// Dossier id.
        dossier: String,
        /// SHA-256 (hex) of the set of wraps.
        wraps: String,
        /// The categories whose wrap this change adds or replaces (sorted,
        /// no repeats; empty when it only removes).
        add: Vec<String>,
    },
    /// A second factor enrolled by its member in the session that enrols it
    /// (`auth.second-factor.enrol`): the stored `sf/{member}/{id}` record is
    /// vouched for by its commitment ([`second_factor_commitment`]), so that a
    /// record planted by someone with the files is never accepted.
    SecondFactor {
        /// Staff id (the signer).
        member: String,
        /// The factor's id (unique for the member).
        id: String,
        /// What it is: `totp` (later: `passkey`).
        factor: String,
        /// SHA-256 (hex) binding the vault, member, id, kind and record bytes.
        commitment: String,
    },
    /// A second factor removed by its own member (`auth.second-factor.remove`).
    SecondFactorRemoved {
        /// Staff id (the signer).
        member: String,
        /// The factor's id.
        id: String,
    },
    /// Every second factor of a member withdrawn by a manager
    /// (`auth.second-factor.reset`): the member enrols again at their next
    /// web login.
    SecondFactorReset {
        /// Staff id.
        member: String,
    },
}

impl Fact {
    /// Compact JSON, as written into the audit entry.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Io(msg!("cannot-encode-fact", e = e)))
    }

    /// Parses a fact found in entry `seq`.
    pub fn parse(json: &str, seq: u64) -> Result<Fact> {
        serde_json::from_str(json).map_err(|_| {
            Error::Integrity(msg!("audit-entry-carries-fact-valid-altered", seq = seq))
        })
    }

    /// The dossier this fact is about, if any.
    pub fn dossier(&self) -> Option<&str> {
        match self {
            Fact::Dossier { dossier }
            | Fact::Closed { dossier, .. }
            | Fact::Erased { dossier }
            | Fact::Team { dossier, .. }
            | Fact::BreakGlass { dossier, .. }
            | Fact::Person { dossier, .. }
            | Fact::Objection { dossier, .. }
            | Fact::DataKey { dossier, .. }
            | Fact::Release { dossier, .. }
            | Fact::PersonKeys { dossier, .. }
            | Fact::Content { dossier, .. } => Some(dossier),
            _ => None,
        }
    }
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for p in parts {
        ctx.update(&(p.len() as u32).to_be_bytes());
        ctx.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// Commitment to the material of generation `generation` of vault key `key`:
/// hex SHA-256 over length-prefixed parts ("coffre/key-commitment/v1", vault id,
/// key name, generation as u32 big-endian, material). The material is 32 random
/// bytes or an age identity, so the commitment reveals nothing of it; it lets a
/// member refuse a wrap of any other key put in its place.
pub fn key_commitment(vault: &str, key: &str, generation: u32, material: &[u8]) -> String {
    hex::encode(sha256(&[
        b"coffre/key-commitment/v1",
        vault.as_bytes(),
        key.as_bytes(),
        &generation.to_be_bytes(),
        material,
    ]))
}

/// The element an entry contributes to its dossier's content digest: SHA-256
/// over length-prefixed parts ("coffre/content/v1", entry id, kind, author,
/// creation time as u64 big-endian, latest version as u32 big-endian, then the
/// shape of each version, version 1 first — see [`version_shape`]). Removing,
/// adding, rolling back or replacing an entry, a version or a field's value
/// changes the digest (each field's commitment is in its version's shape).
pub fn entry_element(
    entry: &str,
    kind: &str,
    author: &str,
    created: u64,
    version_shapes: &[[u8; 32]],
) -> [u8; 32] {
    let latest = version_shapes.len() as u32;
    let mut parts: Vec<&[u8]> = vec![
        b"coffre/content/v1",
        entry.as_bytes(),
        kind.as_bytes(),
        author.as_bytes(),
    ];
    let created = created.to_be_bytes();
    let latest = latest.to_be_bytes();
    parts.push(&created);
    parts.push(&latest);
    for h in version_shapes {
        parts.push(h);
    }
    sha256(&parts)
}

/// The shape of one version of an entry: SHA-256 over length-prefixed parts
/// ("coffre/version/v2", version number as u32 big-endian, author, time as u64
/// big-endian, then the name, category and 32-byte value commitment of each
/// field, in stored order; `vault::records::field`).
pub fn version_shape(
    version: u32,
    author: &str,
    time: u64,
    fields: &[(&str, &str, &[u8; 32])],
) -> [u8; 32] {
    let version = version.to_be_bytes();
    let time = time.to_be_bytes();
    let mut parts: Vec<&[u8]> = vec![b"coffre/version/v2", &version, author.as_bytes(), &time];
    for (name, category, commitment) in fields {
        parts.push(name.as_bytes());
        parts.push(category.as_bytes());
        parts.push(&commitment[..]);
    }
    sha256(&parts)
}

/// SHA-256 of a stored record's bytes.
pub fn record_hash(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref());
    out
}

/// The SHA-256 a [`Fact::Passphrase`] commits to: length-prefixed parts
/// ("coffre/passphrase/v1", staff id, KDF memory in KiB, iterations and lanes
/// as u32 big-endian, salt, sealed identity).
pub fn passphrase_hash(
    member: &str,
    kdf: &KdfParams,
    salt: &[u8],
    identity_sealed: &[u8],
) -> [u8; 32] {
    sha256(&[
        b"coffre/passphrase/v1",
        member.as_bytes(),
        &kdf.m_kib.to_be_bytes(),
        &kdf.t.to_be_bytes(),
        &kdf.p.to_be_bytes(),
        salt,
        identity_sealed,
    ])
}

/// The second-factor kinds a [`Fact::SecondFactor`] may name.
pub const SECOND_FACTOR_KINDS: &[&str] = &["totp", "passkey"];

/// The commitment of a [`Fact::SecondFactor`]: hex SHA-256 over length-prefixed
/// parts (`coffre/second-factor/v1`, vault id, staff id, factor id, its kind, the
/// stored record's bytes).
pub fn second_factor_commitment(
    vault: &str,
    member: &str,
    id: &str,
    factor: &str,
    record: &[u8],
) -> String {
    hex::encode(sha256(&[
        b"coffre/second-factor/v1",
        vault.as_bytes(),
        member.as_bytes(),
        id.as_bytes(),
        factor.as_bytes(),
        record,
    ]))
}

/// The digest a [`Fact::PersonKeys`] commits to: SHA-256 over
/// `coffre/person-wraps/v1`, the dossier id, then each `pk/` record's key and
/// value in key order (every part length-prefixed, as [`passphrase_hash`]).
/// `wraps` must be in key order (a store's prefix scan is).
pub fn person_wraps_hash(dossier: &str, wraps: &[(Vec<u8>, Vec<u8>)]) -> [u8; 32] {
    let mut parts: Vec<&[u8]> = vec![b"coffre/person-wraps/v1", dossier.as_bytes()];
    for (k, v) in wraps {
        parts.push(k);
        parts.push(v);
    }
    sha256(&parts)
}

/// A multiset digest: the sum modulo 2^256 of its elements (read as
/// little-endian numbers), so adding and removing elements commute and a
/// dossier's digest can be recomputed from its entries in any order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest(pub [u64; 4]);

impl Digest {
    fn limbs(e: &[u8; 32]) -> [u64; 4] {
        let mut l = [0u64; 4];
        for (i, chunk) in e.chunks_exact(8).enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            l[i] = u64::from_le_bytes(b);
        }
        l
    }

    /// Adds an element.
    pub fn add(&mut self, e: &[u8; 32]) {
        let l = Self::limbs(e);
        let mut carry = false;
        for (a, b) in self.0.iter_mut().zip(l) {
            let (s1, c1) = a.overflowing_add(b);
            let (s2, c2) = s1.overflowing_add(u64::from(carry));
            *a = s2;
            carry = c1 || c2;
        }
    }

    /// Removes an element.
    pub fn remove(&mut self, e: &[u8; 32]) {
        let l = Self::limbs(e);
        let mut borrow = false;
        for (a, b) in self.0.iter_mut().zip(l) {
            let (s1, b1) = a.overflowing_sub(b);
            let (s2, b2) = s1.overflowing_sub(u64::from(borrow));
            *a = s2;
            borrow = b1 || b2;
        }
    }
}

/// Parses 64 hex digits.
pub fn hex32(s: &str, what: &str) -> Result<[u8; 32]> {
    let mut out = [0u8; 32];
    if s.len() != 64 || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(Error::Integrity(msg!("not-64-hex-digits", what = what)));
    }
    hex::decode_to_slice(s, &mut out)
        .map_err(|_| Error::Integrity(msg!("not-64-hex-digits", what = what)))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn facts_round_trip_and_refuse_unknown_members() {
        let f = Fact::Team {
            dossier: "d-1".into(),
            member: "a".into(),
            present: true,
        };
        let j = f.to_json().unwrap();
        assert_eq!(
            j,
            r#"{"kind":"team","dossier":"d-1","member":"a","present":true}"#
        );
        assert_eq!(Fact::parse(&j, 1).unwrap(), f);
        assert!(Fact::parse(
            r#"{"kind":"team","dossier":"d-1","member":"a","present":true,"x":1}"#,
            1
        )
        .is_err());
        assert!(Fact::parse(r#"{"kind":"nope"}"#, 1).is_err());
    }

    proptest! {
        /// Adding then removing elements in any order gives the digest of what remains.
        #[test]
        fn digest_is_order_free(elems in proptest::collection::vec(any::<[u8; 32]>(), 0..20), cut in 0usize..20) {
            let cut = cut.min(elems.len());
            let mut a = Digest::default();
            for e in &elems { a.add(e); }
            for e in elems[..cut].iter().rev() { a.remove(e); }
            let mut b = Digest::default();
            for e in elems[cut..].iter().rev() { b.add(e); }
            prop_assert_eq!(a, b);
        }
    }
}
