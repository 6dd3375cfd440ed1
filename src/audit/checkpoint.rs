//! Signed checkpoints: (vault, tree size, root hash, time) signed with Ed25519 by
//! the acting staff member, so forging history needs a passphrase, not only disk
//! access. A checkpoint is a small text a DPO can keep off the machine:
//!
//! ```text
//! coffre-checkpoint/v1
//! vault <vault id>
//! size <number of entries>
//! root <Merkle root, 64 hex>
//! time <RFC 3339 UTC>
//! signer <staff id>
//! key <Ed25519 public key, 64 hex>
//! sig <Ed25519 signature of the seven lines above, newlines included, 128 hex>
//! ```
//!
//! A member's signing key is derived from their `age` identity with HKDF-SHA256,
//! so it exists only while they are unlocked.

use ring::hkdf;
use ring::signature::{self, Ed25519KeyPair, KeyPair};
use zeroize::Zeroizing;

use super::merkle::Hash;
use crate::error::{Error, Result};

/// First line of every checkpoint.
pub const HEADER: &str = "coffre-checkpoint/v1";

/// A signed checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Vault id.
    pub vault: String,
    /// Number of entries covered.
    pub size: u64,
    /// Merkle root of those entries.
    pub root: Hash,
    /// When it was signed (RFC 3339).
    pub time: String,
    /// Staff id of the signer.
    pub signer: String,
    /// The signer's Ed25519 public key.
    pub key: [u8; 32],
    /// The signature.
    pub sig: Vec<u8>,
}

/// A staff member's checkpoint-signing key, derived from their identity.
pub struct SigningKey {
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("public", &hex::encode(self.public()))
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Derives the key: seed = HKDF-SHA256(salt "coffre/signing/v1", ikm = the
    /// identity's secret text, info = vault id).
    pub fn derive(identity_secret: &[u8], vault_id: &str) -> Result<Self> {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"coffre/signing/v1").extract(identity_secret);
        let info = [vault_id.as_bytes()];
        let okm = prk
            .expand(&info, hkdf::HKDF_SHA256)
            .map_err(|_| Error::Io("key derivation failed".into()))?;
        let mut seed = Zeroizing::new([0u8; 32]);
        okm.fill(&mut seed[..])
            .map_err(|_| Error::Io("key derivation failed".into()))?;
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed[..])
            .map_err(|_| Error::Io("signing key derivation failed".into()))?;
        Ok(SigningKey { pair })
    }

    /// The public key.
    pub fn public(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.pair.public_key().as_ref());
        out
    }

    /// Signs arbitrary bytes (Ed25519, RFC 8032): fact lines of the audit log.
    pub fn sign_bytes(&self, bytes: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.pair.sign(bytes).as_ref());
        out
    }

    /// Signs a new checkpoint.
    pub fn sign(&self, vault: &str, size: u64, root: Hash, time: &str, signer: &str) -> Checkpoint {
        let mut c = Checkpoint {
            vault: vault.into(),
            size,
            root,
            time: time.into(),
            signer: signer.into(),
            key: self.public(),
            sig: Vec::new(),
        };
        c.sig = self.pair.sign(c.body().as_bytes()).as_ref().to_vec();
        c
    }
}

impl Checkpoint {
    /// The signed text: the first seven lines, each ending in `\n`.
    pub fn body(&self) -> String {
        format!(
            "{HEADER}\nvault {}\nsize {}\nroot {}\ntime {}\nsigner {}\nkey {}\n",
            self.vault,
            self.size,
            hex::encode(self.root),
            self.time,
            self.signer,
            hex::encode(self.key)
        )
    }

    /// The full text (body and signature line).
    pub fn to_text(&self) -> String {
        format!("{}sig {}\n", self.body(), hex::encode(&self.sig))
    }

    /// Whether the signature is valid for the key inside the checkpoint.
    pub fn signature_valid(&self) -> bool {
        signature::UnparsedPublicKey::new(&signature::ED25519, &self.key)
            .verify(self.body().as_bytes(), &self.sig)
            .is_ok()
    }

    /// Parses one checkpoint from its eight lines.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |what: &str| Error::Integrity(format!("malformed checkpoint: {what}"));
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.len() != 8 || lines[0] != HEADER {
            return Err(bad("expected 8 lines starting with coffre-checkpoint/v1"));
        }
        let field = |i: usize, name: &str| -> Result<&str> {
            lines[i]
                .strip_prefix(name)
                .and_then(|r| r.strip_prefix(' '))
                .ok_or_else(|| bad(&format!("line {} should start with '{name} '", i + 1)))
        };
        let hex32 = |s: &str, what: &str| -> Result<[u8; 32]> {
            let mut out = [0u8; 32];
            hex::decode_to_slice(s, &mut out).map_err(|_| bad(what))?;
            Ok(out)
        };
        let c = Checkpoint {
            vault: field(1, "vault")?.to_string(),
            size: field(2, "size")?.parse().map_err(|_| bad("size"))?,
            root: hex32(field(3, "root")?, "root")?,
            time: field(4, "time")?.to_string(),
            signer: field(5, "signer")?.to_string(),
            key: hex32(field(6, "key")?, "key")?,
            sig: hex::decode(field(7, "sig")?).map_err(|_| bad("sig"))?,
        };
        if c.to_text() != lines.iter().map(|l| format!("{l}\n")).collect::<String>() {
            return Err(bad("not in canonical form"));
        }
        Ok(c)
    }

    /// Parses a file of checkpoints, one after the other (blank lines allowed).
    pub fn parse_many(text: &str) -> Result<Vec<Self>> {
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        if !lines.len().is_multiple_of(8) {
            return Err(Error::Integrity(
                "the checkpoint file is truncated or damaged".into(),
            ));
        }
        lines
            .chunks(8)
            .map(|c| Checkpoint::parse(&c.join("\n")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_parse_round_trip() {
        let k = SigningKey::derive(b"AGE-SECRET-KEY-1TEST", "vault-1").unwrap();
        let c = k.sign("vault-1", 3, [9u8; 32], "2026-01-01T00:00:00Z", "dpo");
        assert!(c.signature_valid());
        let back = Checkpoint::parse(&c.to_text()).unwrap();
        assert_eq!(back, c);
        let two = format!("{}\n{}", c.to_text(), c.to_text());
        assert_eq!(Checkpoint::parse_many(&two).unwrap().len(), 2);
    }

    #[test]
    fn derivation_is_deterministic_and_bound_to_the_vault() {
        let a = SigningKey::derive(b"secret", "v1").unwrap().public();
        let b = SigningKey::derive(b"secret", "v1").unwrap().public();
        let c = SigningKey::derive(b"secret", "v2").unwrap().public();
        let d = SigningKey::derive(b"other", "v1").unwrap().public();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let k = SigningKey::derive(b"s", "v").unwrap();
        let c = k.sign("v", 10, [1u8; 32], "2026-01-01T00:00:00Z", "dpo");
        let mut t = c.clone();
        t.size = 9;
        assert!(!t.signature_valid());
        let mut t = c.clone();
        t.root[0] ^= 1;
        assert!(!t.signature_valid());
        let mut t = c.clone();
        t.sig[0] ^= 1;
        assert!(!t.signature_valid());
        let text = c.to_text().replace("size 10", "size 11");
        assert!(!Checkpoint::parse(&text).unwrap().signature_valid());
        assert!(Checkpoint::parse("garbage").is_err());
        assert!(Checkpoint::parse_many(&c.to_text()[..50]).is_err());
    }
}
