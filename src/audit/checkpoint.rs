//! Signed checkpoints of the audit log, in the transparency ecosystem's format so
//! that existing verifiers and witnesses can check and cosign them: a C2SP
//! `tlog-checkpoint` (<https://c2sp.org/tlog-checkpoint>) carried in a C2SP
//! `signed-note` (<https://c2sp.org/signed-note>), signed with Ed25519 by the
//! acting staff member, so forging history needs a passphrase, not only disk access.
//!
//! ```text
//! coffre/vault/<genesis hash, 64 hex>            origin
//! <number of entries>                            tree size
//! <base64 of the RFC 9162 Merkle root>           root hash
//!                                                (blank line)
//! — coffre/vault/<genesis hash>/<staff id> <base64(key ID ‖ Ed25519 signature)>
//! ```
//!
//! The *genesis hash* is the RFC 9162 leaf hash of the log's first line (the
//! `vault.init` entry; not [`super::genesis`], which is that entry's `prev`). Coffre writes no extension lines (tlog-checkpoint: "NOT
//! RECOMMENDED"; ML-DSA witness cosignatures do not cover them): the time of a
//! checkpoint is the time of the entries it covers. Extension lines and signatures
//! from other keys (witness cosignatures) are accepted and ignored, as the specs ask.
//!
//! Checkpoints of the earlier format (`coffre-checkpoint/v1`, eight lines) are still
//! read and verified; only the note form is written.
//!
//! A member's signing key is derived from their `age` identity with HKDF-SHA256,
//! so it exists only while they are unlocked. Verification never trusts a key
//! found in a checkpoint: the caller gives each staff member's allowed keys.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ring::hkdf;
use ring::signature::{self, Ed25519KeyPair, KeyPair};
use zeroize::Zeroizing;

use super::merkle::{leaf_hash, Hash};
use crate::error::{Error, Result};

/// First line of a checkpoint of the earlier format (read only).
pub const LEGACY_HEADER: &str = "coffre-checkpoint/v1";

/// Start of the origin line of every Coffre checkpoint; the genesis hash follows.
pub const ORIGIN_PREFIX: &str = "coffre/vault/";

/// Start of a signature line (signed-note: em dash U+2014, space).
const SIG_PREFIX: &str = "\u{2014} ";

/// Signed-note signature type of Ed25519 signatures.
const ALG_ED25519: u8 = 0x01;

/// Most signature lines accepted in one note (the spec asks for at least 16).
const MAX_SIGNATURES: usize = 100;

/// Largest note accepted, in bytes.
const MAX_NOTE: usize = 64 * 1024;

/// The origin line of the vault whose log's first line has leaf hash
/// `first_leaf`: `coffre/vault/` followed by that hash in lower-case hex.
pub fn origin_for(first_leaf: &Hash) -> String {
    format!("{ORIGIN_PREFIX}{}", hex::encode(first_leaf))
}

/// The origin of the log at `path`, from its first line (RFC 9162 leaf hash);
/// `None` if the log is empty or missing.
///
/// Errors: [`Error::Io`] if it cannot be read, [`Error::Integrity`] if the first
/// line is longer than any entry.
pub fn log_origin(log: &dyn crate::store::medium::LogMedium) -> Result<Option<String>> {
    let file = crate::store::medium::reader(log);
    let limit = super::log::MAX_LINE as u64 + 1;
    let mut line = Vec::new();
    BufReader::new(std::io::Read::take(file, limit))
        .read_until(b'\n', &mut line)
        .map_err(|e| Error::io(msg!("cannot-read-audit-log"), e))?;
    if line.last() != Some(&b'\n') {
        return if line.is_empty() {
            Ok(None)
        } else {
            Err(Error::Integrity(msg!(
                "first-audit-entry-incomplete-longer-than"
            )))
        };
    }
    line.pop();
    Ok(Some(origin_for(&leaf_hash(&line))))
}

/// The signed-note key name of staff member `staff` in the vault of `origin`:
/// `<origin>/<staff id>`. Stable for a member; the key behind it changes after a
/// recovery.
pub fn key_name(origin: &str, staff: &str) -> String {
    format!("{origin}/{staff}")
}

/// The signed-note key ID of an Ed25519 key (signed-note, "Ed25519 signatures"):
/// the first 4 bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key).
pub fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(name.as_bytes());
    ctx.update(&[b'\n', ALG_ED25519]);
    ctx.update(public);
    let mut id = [0u8; 4];
    id.copy_from_slice(&ctx.finish().as_ref()[..4]);
    id
}

/// Whether `name` is a valid signed-note key name: non-empty, without Unicode
/// spaces or `+`.
pub fn key_name_valid(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// One signature line of a note: `— <name> <base64(key ID ‖ signature)>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// Key name.
    pub name: String,
    /// Key ID (4 bytes, big-endian as in the line).
    pub key_id: [u8; 4],
    /// The signature bytes after the key ID (64 for Ed25519).
    pub sig: Vec<u8>,
}

impl NoteSignature {
    /// The line, with its `\n`.
    pub fn to_line(&self) -> String {
        let mut bytes = self.key_id.to_vec();
        bytes.extend_from_slice(&self.sig);
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(bytes))
    }

    fn parse(line: &str) -> Result<Self> {
        let bad = || Error::Integrity(msg!("malformed-checkpoint-bad-signature-line"));
        let rest = line.strip_prefix(SIG_PREFIX).ok_or_else(bad)?;
        let (name, b64) = rest.split_once(' ').ok_or_else(bad)?;
        if !key_name_valid(name) {
            return Err(bad());
        }
        let bytes = B64.decode(b64).map_err(|_| bad())?;
        if bytes.len() < 5 {
            return Err(bad());
        }
        let mut key_id = [0u8; 4];
        key_id.copy_from_slice(&bytes[..4]);
        Ok(NoteSignature {
            name: name.to_string(),
            key_id,
            sig: bytes[4..].to_vec(),
        })
    }
}

/// A checkpoint of the earlier format (`coffre-checkpoint/v1`), kept readable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Legacy {
    /// Vault id.
    pub vault: String,
    /// When it was signed (RFC 3339).
    pub time: String,
    /// Staff id of the signer.
    pub signer: String,
    /// The key written in it (not trusted: verification uses the caller's keys).
    pub key: [u8; 32],
    /// The Ed25519 signature over the first seven lines.
    pub sig: Vec<u8>,
}

/// How a checkpoint is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Form {
    /// A C2SP tlog-checkpoint in a signed note.
    Note {
        /// The origin line.
        origin: String,
        /// Extension lines (none written by Coffre; kept to rebuild the text).
        extensions: Vec<String>,
        /// The signature lines, in order.
        signatures: Vec<NoteSignature>,
    },
    /// The earlier eight-line format.
    Legacy(Legacy),
}

/// A signed checkpoint: the log's size and Merkle root at that size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Number of entries covered.
    pub size: u64,
    /// RFC 9162 Merkle root of those entries.
    pub root: Hash,
    /// Format and signatures.
    pub form: Form,
}

/// The outcome of checking a checkpoint's signatures against allowed keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Signed by this staff member with one of their allowed keys.
    Valid(String),
    /// A signature by an allowed key of this staff member does not verify.
    Invalid(String),
    /// No signature from an allowed key; the staff member the checkpoint names, if any.
    Unknown(Option<String>),
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
            .map_err(|_| Error::Io(msg!("key-derivation-failed")))?;
        let mut seed = Zeroizing::new([0u8; 32]);
        okm.fill(&mut seed[..])
            .map_err(|_| Error::Io(msg!("key-derivation-failed")))?;
        Self::from_seed(&seed)
    }

    /// The key with this Ed25519 seed (RFC 8032 private key).
    pub fn from_seed(seed: &[u8; 32]) -> Result<Self> {
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed[..])
            .map_err(|_| Error::Io(msg!("signing-key-derivation-failed")))?;
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

    /// Signs a checkpoint of `size` entries with root `root` for the vault of
    /// `origin`, as staff member `signer` (key name [`key_name`]).
    pub fn sign(&self, origin: &str, size: u64, root: Hash, signer: &str) -> Checkpoint {
        let mut c = Checkpoint {
            size,
            root,
            form: Form::Note {
                origin: origin.into(),
                extensions: Vec::new(),
                signatures: Vec::new(),
            },
        };
        self.add_signature(&mut c, &key_name(origin, signer));
        c
    }

    /// Adds this key's signature under `name` to a note checkpoint (replacing
    /// one by the same name and key); a legacy checkpoint is left as it is.
    pub fn add_signature(&self, c: &mut Checkpoint, name: &str) {
        let text = c.text();
        let id = key_id(name, &self.public());
        if let Form::Note { signatures, .. } = &mut c.form {
            signatures.retain(|s| !(s.name == name && s.key_id == id));
            signatures.push(NoteSignature {
                name: name.into(),
                key_id: id,
                sig: self.pair.sign(text.as_bytes()).as_ref().to_vec(),
            });
        }
    }

    /// Signs a checkpoint of the earlier format (for tests of old vaults).
    #[doc(hidden)]
    pub fn sign_legacy(
        &self,
        vault: &str,
        size: u64,
        root: Hash,
        time: &str,
        signer: &str,
    ) -> Checkpoint {
        let mut c = Checkpoint {
            size,
            root,
            form: Form::Legacy(Legacy {
                vault: vault.into(),
                time: time.into(),
                signer: signer.into(),
                key: self.public(),
                sig: Vec::new(),
            }),
        };
        let sig = self.pair.sign(c.text().as_bytes()).as_ref().to_vec();
        if let Form::Legacy(l) = &mut c.form {
            l.sig = sig;
        }
        c
    }
}

fn ed25519_ok(public: &[u8; 32], msg: &[u8], sig: &[u8]) -> bool {
    signature::UnparsedPublicKey::new(&signature::ED25519, public)
        .verify(msg, sig)
        .is_ok()
}

impl Checkpoint {
    /// The signed text: for a note, the checkpoint body (origin, size, base64
    /// root, extension lines, each ending in `\n`); for the earlier format, its
    /// first seven lines.
    pub fn text(&self) -> String {
        match &self.form {
            Form::Note {
                origin, extensions, ..
            } => {
                let mut t = format!("{origin}\n{}\n{}\n", self.size, B64.encode(self.root));
                for e in extensions {
                    t.push_str(e);
                    t.push('\n');
                }
                t
            }
            Form::Legacy(l) => format!(
                "{LEGACY_HEADER}\nvault {}\nsize {}\nroot {}\ntime {}\nsigner {}\nkey {}\n",
                l.vault,
                self.size,
                hex::encode(self.root),
                l.time,
                l.signer,
                hex::encode(l.key)
            ),
        }
    }

    /// The whole checkpoint as kept in a file of its own: the note (text, blank
    /// line, signature lines), or the eight lines of the earlier format.
    pub fn to_text(&self) -> String {
        let mut t = self.text();
        match &self.form {
            Form::Note { signatures, .. } => {
                t.push('\n');
                for s in signatures {
                    t.push_str(&s.to_line());
                }
            }
            Form::Legacy(l) => {
                t.push_str(&format!("sig {}\n", hex::encode(&l.sig)));
            }
        }
        t
    }

    /// The origin line (`None` for the earlier format).
    pub fn origin(&self) -> Option<&str> {
        match &self.form {
            Form::Note { origin, .. } => Some(origin),
            Form::Legacy(_) => None,
        }
    }

    /// The signing time written in a checkpoint of the earlier format (notes
    /// carry none).
    pub fn time(&self) -> Option<&str> {
        match &self.form {
            Form::Note { .. } => None,
            Form::Legacy(l) => Some(&l.time),
        }
    }

    /// The staff member the checkpoint names as signer, before any verification:
    /// the first signature line under this vault's origin (or the `signer` line).
    pub fn claimed_signer(&self) -> Option<&str> {
        match &self.form {
            Form::Note {
                origin, signatures, ..
            } => signatures.iter().find_map(|s| staff_of(origin, &s.name)),
            Form::Legacy(l) => Some(&l.signer),
        }
    }

    /// Checks the signatures with `signers` (staff id → allowed Ed25519 public
    /// keys), never with a key found in the checkpoint. As signed-note asks,
    /// signatures from unknown keys are ignored, a failing signature from a known
    /// key rejects the checkpoint, and at least one must verify.
    pub fn check_signatures(&self, signers: &HashMap<String, Vec<[u8; 32]>>) -> SignatureCheck {
        let text = self.text();
        match &self.form {
            Form::Note {
                origin, signatures, ..
            } => {
                let mut valid = None;
                for s in signatures {
                    let Some(staff) = staff_of(origin, &s.name) else {
                        continue;
                    };
                    let known = signers
                        .get(staff)
                        .into_iter()
                        .flatten()
                        .filter(|k| key_id(&s.name, k) == s.key_id);
                    for k in known {
                        if !ed25519_ok(k, text.as_bytes(), &s.sig) {
                            return SignatureCheck::Invalid(staff.to_string());
                        }
                        valid.get_or_insert_with(|| staff.to_string());
                    }
                }
                match valid {
                    Some(s) => SignatureCheck::Valid(s),
                    None => SignatureCheck::Unknown(self.claimed_signer().map(String::from)),
                }
            }
            Form::Legacy(l) => {
                let keys = signers.get(&l.signer).map_or(&[][..], |k| &k[..]);
                if keys.iter().any(|k| ed25519_ok(k, text.as_bytes(), &l.sig)) {
                    SignatureCheck::Valid(l.signer.clone())
                } else if keys.contains(&l.key) {
                    SignatureCheck::Invalid(l.signer.clone())
                } else {
                    SignatureCheck::Unknown(Some(l.signer.clone()))
                }
            }
        }
    }

    /// Parses one checkpoint kept in a file of its own (`audit checkpoint
    /// --out`): a signed note, or the eight lines of the earlier format. Empty
    /// lines before and after it are ignored; nothing else may surround it.
    ///
    /// Errors: [`Error::Integrity`] naming what is malformed.
    pub fn parse(text: &str) -> Result<Self> {
        let t = text.trim_matches('\n');
        if t.starts_with(&format!("{LEGACY_HEADER}\n")) {
            return parse_legacy(&format!("{t}\n"));
        }
        parse_note(&format!("{t}\n"))
    }

    /// Parses a checkpoints file (`checkpoints.log`, or the rows of a vault in
    /// PostgreSQL) as `docs/audit-format.md` frames it: records one after the
    /// other, with nothing before, between or after them — a signed note
    /// followed by exactly one empty line, or the eight lines of the earlier
    /// format followed by at most one empty line.
    ///
    /// Errors: [`Error::Integrity`] if a record is malformed, cut off, or
    /// framed otherwise.
    pub fn parse_many(text: &str) -> Result<Vec<Self>> {
        let framing = |what: &str| Error::Integrity(msg!("checkpoint-file-framing", what = what));
        let mut out = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if rest.starts_with(&format!("{LEGACY_HEADER}\n")) {
                let mut end = 0;
                for _ in 0..8 {
                    end += rest[end..].find('\n').ok_or_else(|| {
                        Error::Integrity(msg!("checkpoint-file-truncated-damaged"))
                    })? + 1;
                }
                out.push(parse_legacy(&rest[..end])?);
                rest = &rest[end..];
                rest = rest.strip_prefix('\n').unwrap_or(rest);
            } else {
                let end = note_end(rest).ok_or_else(|| {
                    if rest.starts_with('\n') {
                        framing("an empty line out of place")
                    } else {
                        Error::Integrity(msg!("checkpoint-file-truncated-damaged"))
                    }
                })?;
                out.push(parse_note(&rest[..end])?);
                rest = rest[end..]
                    .strip_prefix('\n')
                    .ok_or_else(|| framing("a note not followed by exactly one empty line"))?;
            }
        }
        Ok(out)
    }
}

/// The staff id in key name `name` if it is a staff key of the vault of `origin`.
fn staff_of<'a>(origin: &str, name: &'a str) -> Option<&'a str> {
    name.strip_prefix(origin)
        .and_then(|r| r.strip_prefix('/'))
        .filter(|s| !s.is_empty())
}

/// Where the note at the start of `text` ends: after the signature lines that
/// follow its first empty line. `None` if there are none or the last is cut.
fn note_end(text: &str) -> Option<usize> {
    let mut pos = text.find("\n\n")? + 2;
    let start = pos;
    while text[pos..].starts_with(SIG_PREFIX) {
        pos += text[pos..].find('\n')? + 1;
    }
    (pos > start).then_some(pos)
}

fn parse_note(note: &str) -> Result<Checkpoint> {
    let bad = |what: &str| Error::Integrity(msg!("malformed-checkpoint", what = what));
    if note.len() > MAX_NOTE {
        return Err(bad("too long"));
    }
    if note.chars().any(|c| c < ' ' && c != '\n') {
        return Err(bad("control characters"));
    }
    let (text, sigs) = note
        .rsplit_once("\n\n")
        .ok_or_else(|| bad("no signature"))?;
    let sigs = sigs
        .strip_suffix('\n')
        .ok_or_else(|| bad("the last line is incomplete"))?;
    let signatures = sigs
        .split('\n')
        .map(NoteSignature::parse)
        .collect::<Result<Vec<_>>>()?;
    if signatures.len() > MAX_SIGNATURES {
        return Err(bad("too many signatures"));
    }
    let lines: Vec<&str> = text.split('\n').collect();
    if lines.len() < 3 || lines.iter().any(|l| l.is_empty()) {
        return Err(bad("expected origin, size and root hash lines"));
    }
    let size_ok = lines[1] == "0"
        || (!lines[1].starts_with('0') && lines[1].bytes().all(|b| b.is_ascii_digit()));
    let size: u64 = if size_ok {
        lines[1].parse().map_err(|_| bad("tree size"))?
    } else {
        return Err(bad("tree size"));
    };
    let root_bytes = B64.decode(lines[2]).map_err(|_| bad("root hash"))?;
    let root: Hash = root_bytes
        .as_slice()
        .try_into()
        .map_err(|_| bad("root hash"))?;
    let c = Checkpoint {
        size,
        root,
        form: Form::Note {
            origin: lines[0].to_string(),
            extensions: lines[3..].iter().map(|l| l.to_string()).collect(),
            signatures,
        },
    };
    if c.to_text() != note {
        return Err(bad("not in canonical form"));
    }
    Ok(c)
}

/// Parses a checkpoint of the earlier format from its eight lines, each
/// ending in `\n`: no other control character, each line its field's name, a
/// space and its value (`vault`, `time`, `signer`: one or more characters;
/// `size`: decimal without a leading zero; `root`, `key`: 64 lower-case hex
/// digits; `sig`: lower-case hex).
fn parse_legacy(text: &str) -> Result<Checkpoint> {
    let bad = |what: &str| Error::Integrity(msg!("malformed-checkpoint", what = what));
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(bad("control characters"));
    }
    let lines: Vec<&str> = text
        .strip_suffix('\n')
        .ok_or_else(|| bad("the last line is incomplete"))?
        .split('\n')
        .collect();
    if lines.len() != 8 || lines[0] != LEGACY_HEADER {
        return Err(bad("expected 8 lines starting with coffre-checkpoint/v1"));
    }
    let field = |i: usize, name: &str| -> Result<&str> {
        lines[i]
            .strip_prefix(name)
            .and_then(|r| r.strip_prefix(' '))
            .filter(|v| !v.is_empty())
            .ok_or_else(|| bad(&format!("line {} should start with '{name} '", i + 1)))
    };
    let hex32 = |s: &str, what: &str| -> Result<[u8; 32]> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|_| bad(what))?;
        Ok(out)
    };
    let sig = match lines[7].strip_prefix("sig ") {
        Some(s) => hex::decode(s).map_err(|_| bad("sig"))?,
        None => return Err(bad("line 8 should start with 'sig '")),
    };
    let c = Checkpoint {
        size: field(2, "size")?.parse().map_err(|_| bad("size"))?,
        root: hex32(field(3, "root")?, "root")?,
        form: Form::Legacy(Legacy {
            vault: field(1, "vault")?.to_string(),
            time: field(4, "time")?.to_string(),
            signer: field(5, "signer")?.to_string(),
            key: hex32(field(6, "key")?, "key")?,
            sig,
        }),
    };
    if c.to_text() != text {
        return Err(bad("not in canonical form"));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str =
        "coffre/vault/0000000000000000000000000000000000000000000000000000000000000000";

    fn keys(staff: &str, k: &SigningKey) -> HashMap<String, Vec<[u8; 32]>> {
        HashMap::from([(staff.to_string(), vec![k.public()])])
    }

    #[test]
    fn sign_verify_parse_round_trip() {
        let k = SigningKey::derive(b"AGE-SECRET-KEY-1TEST", "vault-1").unwrap();
        let c = k.sign(ORIGIN, 3, [9u8; 32], "dpo");
        assert_eq!(
            c.check_signatures(&keys("dpo", &k)),
            SignatureCheck::Valid("dpo".into())
        );
        let text = c.to_text();
        assert!(text.starts_with(&format!("{ORIGIN}\n3\n")), "{text}");
        assert!(
            text.contains(&format!("\n\n\u{2014} {ORIGIN}/dpo ")),
            "{text}"
        );
        let back = Checkpoint::parse(&text).unwrap();
        assert_eq!(back, c);
        let two = format!("{text}\n{text}\n");
        assert_eq!(Checkpoint::parse_many(&two).unwrap(), vec![c.clone(), c]);
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
        let ks = keys("dpo", &k);
        let c = k.sign(ORIGIN, 10, [1u8; 32], "dpo");
        let invalid = SignatureCheck::Invalid("dpo".into());
        let mut t = c.clone();
        t.size = 9;
        assert_eq!(t.check_signatures(&ks), invalid);
        let mut t = c.clone();
        t.root[0] ^= 1;
        assert_eq!(t.check_signatures(&ks), invalid);
        let text = c.to_text().replacen("\n10\n", "\n11\n", 1);
        assert_eq!(
            Checkpoint::parse(&text).unwrap().check_signatures(&ks),
            invalid
        );
        // Another origin: the key name no longer matches, nobody known signed it.
        let text = c.to_text().replacen(ORIGIN, "coffre/vault/other", 1);
        assert_eq!(
            Checkpoint::parse(&text).unwrap().check_signatures(&ks),
            SignatureCheck::Unknown(None)
        );
        assert!(Checkpoint::parse("garbage").is_err());
        let full = c.to_text();
        assert!(Checkpoint::parse_many(&full[..full.len() - 3]).is_err());
        assert!(Checkpoint::parse_many(&full[..full.len() - 30]).is_err());
    }

    #[test]
    fn the_key_in_a_checkpoint_is_never_trusted() {
        let k = SigningKey::derive(b"s", "v").unwrap();
        let mallory = SigningKey::derive(b"mallory", "v").unwrap();
        let forged = mallory.sign(ORIGIN, 5, [3u8; 32], "dpo");
        assert_eq!(
            forged.check_signatures(&keys("dpo", &k)),
            SignatureCheck::Unknown(Some("dpo".into()))
        );
        let legacy = mallory.sign_legacy("v", 5, [3u8; 32], "t", "dpo");
        assert_eq!(
            legacy.check_signatures(&keys("dpo", &k)),
            SignatureCheck::Unknown(Some("dpo".into()))
        );
        assert_eq!(
            legacy.check_signatures(&keys("dpo", &mallory)),
            SignatureCheck::Valid("dpo".into())
        );
    }

    #[test]
    fn unknown_signatures_are_ignored_and_known_ones_must_verify() {
        let k = SigningKey::derive(b"s", "v").unwrap();
        let witness = SigningKey::derive(b"w", "v").unwrap();
        let mut c = k.sign(ORIGIN, 5, [3u8; 32], "dpo");
        witness.add_signature(&mut c, "witness.example/w1");
        let back = Checkpoint::parse(&c.to_text()).unwrap();
        assert_eq!(
            back.check_signatures(&keys("dpo", &k)),
            SignatureCheck::Valid("dpo".into())
        );
        // A second, bad signature by the same known key rejects the note.
        let mut bad = c.clone();
        if let Form::Note { signatures, .. } = &mut bad.form {
            let mut s = signatures[0].clone();
            s.sig[0] ^= 1;
            signatures.push(s);
        }
        assert_eq!(
            bad.check_signatures(&keys("dpo", &k)),
            SignatureCheck::Invalid("dpo".into())
        );
    }

    #[test]
    fn legacy_and_note_records_mix_in_one_file() {
        let k = SigningKey::derive(b"s", "v").unwrap();
        let old = k.sign_legacy("v", 2, [1u8; 32], "2026-01-01T00:00:00Z", "dpo");
        let new = k.sign(ORIGIN, 4, [2u8; 32], "dpo");
        let file = format!("{}{}\n{}\n", old.to_text(), new.to_text(), new.to_text());
        let all = Checkpoint::parse_many(&file).unwrap();
        assert_eq!(all, vec![old.clone(), new.clone(), new.clone()]);
        assert_eq!(all[0].time(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(all[1].claimed_signer(), Some("dpo"));
        assert_eq!(Checkpoint::parse(&old.to_text()).unwrap(), old);
        for c in &all {
            assert_eq!(
                c.check_signatures(&keys("dpo", &k)),
                SignatureCheck::Valid("dpo".into())
            );
        }
    }

    /// Known-answer vector of the signed-note ecosystem (the example of Go's
    /// `golang.org/x/mod/sumdb/note`, reproduced by the `signed_note` crate):
    /// key `PeterNeumann`, private key
    /// `PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz`.
    #[test]
    fn signed_note_known_answer() {
        let skey = B64
            .decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
            .unwrap();
        assert_eq!(skey[0], ALG_ED25519);
        let k = SigningKey::from_seed(skey[1..].try_into().unwrap()).unwrap();
        let vkey = B64
            .decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
            .unwrap();
        assert_eq!(&vkey[1..], &k.public());
        assert_eq!(
            key_id("PeterNeumann", &k.public()),
            [0xc7, 0x4f, 0x20, 0xa3]
        );
        let text = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
        let sig = k.pair.sign(text.as_bytes());
        let line = NoteSignature {
            name: "PeterNeumann".into(),
            key_id: key_id("PeterNeumann", &k.public()),
            sig: sig.as_ref().to_vec(),
        }
        .to_line();
        assert_eq!(
            line,
            "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        );
    }

    /// The signature line of the C2SP signed-note specification's example parses
    /// (its public key is not published, so only the shape is checked).
    #[test]
    fn spec_example_signature_line_parses() {
        let s = NoteSignature::parse("\u{2014} quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=").unwrap();
        assert_eq!(s.name, "quasimodo.example/salvatore");
        assert_eq!(s.sig.len(), 64);
        assert!(NoteSignature::parse("-- a AAAAAAA=").is_err());
        assert!(NoteSignature::parse("\u{2014} a+b AAAAAAA=").is_err());
    }

    #[test]
    fn malformed_notes_are_refused() {
        let k = SigningKey::derive(b"s", "v").unwrap();
        let good = k.sign(ORIGIN, 7, [4u8; 32], "dpo").to_text();
        for (what, text) in [
            ("leading zero", good.replacen("\n7\n", "\n07\n", 1)),
            (
                "no signatures",
                good.split("\n\n").next().unwrap().to_string() + "\n",
            ),
            ("control char", good.replacen("\n7\n", "\n7\r\n", 1)),
            ("short root", {
                let root = B64.encode([4u8; 32]);
                good.replacen(&root, &B64.encode([4u8; 31]), 1)
            }),
        ] {
            assert!(Checkpoint::parse(&text).is_err(), "{what}");
        }
    }

    #[test]
    fn log_origin_is_the_leaf_of_the_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("audit.log");
        let m = crate::store::medium::FileMedium::new(&p);
        assert_eq!(log_origin(&m).unwrap(), None);
        std::fs::write(&p, b"first\nsecond\n").unwrap();
        assert_eq!(
            log_origin(&m).unwrap(),
            Some(origin_for(&leaf_hash(b"first")))
        );
        std::fs::write(&p, b"cut").unwrap();
        assert!(log_origin(&m).is_err());
    }
}
