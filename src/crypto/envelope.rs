//! The AEAD envelope every sealed value in the vault uses.
//!
//! Layout of a sealed value (all lengths in bytes):
//!
//! ```text
//! version (1) = 0x01 | nonce (12, random) | ChaCha20-Poly1305 ciphertext | tag (16)
//! ```
//!
//! The associated data is built with [`Aad`]: a domain label followed by
//! length-prefixed parts (vault id, dossier id, entry id, field, version…), so a
//! ciphertext moved to any other place fails to open. Every failure to open is the
//! same opaque error: the caller learns nothing about why.

use ring::aead::{Aad as RingAad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305};
use zeroize::Zeroizing;

use super::key::{random_bytes, Key32};
use crate::error::{Error, Result};

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Values larger than this are refused before sealing (16 MiB).
pub const MAX_PLAINTEXT: usize = 16 * 1024 * 1024;

/// Associated data binding a sealed value to its place in the vault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aad(Vec<u8>);

impl Aad {
    /// Starts associated data with a domain label such as `"coffre/field/v1"`.
    pub fn new(domain: &str) -> Self {
        let mut a = Aad(Vec::with_capacity(128));
        a.part(domain.as_bytes());
        a
    }

    /// Appends one length-prefixed part (u32 big-endian length, then the bytes).
    pub fn part(&mut self, bytes: &[u8]) -> &mut Self {
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        self.0.extend_from_slice(&len.to_be_bytes());
        self.0.extend_from_slice(bytes);
        self
    }

    /// Builder form of [`Aad::part`].
    pub fn with(mut self, bytes: &[u8]) -> Self {
        self.part(bytes);
        self
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

fn less_safe_key(key: &Key32) -> Result<LessSafeKey> {
    UnboundKey::new(&CHACHA20_POLY1305, key.expose())
        .map(LessSafeKey::new)
        .map_err(|_| Error::Integrity(msg!("invalid-key")))
}

/// Seals `plaintext` under `key`, bound to `aad`.
pub fn seal(key: &Key32, aad: &Aad, plaintext: &[u8]) -> Result<Vec<u8>> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(Error::Usage(msg!(
            "value-too-large-bytes-most",
            plaintext_count = plaintext.len(),
            MAX_PLAINTEXT = MAX_PLAINTEXT
        )));
    }
    let nonce_bytes = random_bytes::<NONCE_LEN>()?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + TAG_LEN);
    out.push(VERSION);
    out.extend_from_slice(&nonce_bytes);
    let mut in_out = plaintext.to_vec();
    let tag = less_safe_key(key)?
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            RingAad::from(aad.as_bytes()),
            &mut in_out,
        )
        .map_err(|_| Error::Io(msg!("sealing-failed")))?;
    out.extend_from_slice(&in_out);
    out.extend_from_slice(tag.as_ref());
    zeroize::Zeroize::zeroize(&mut in_out);
    Ok(out)
}

/// Opens a value sealed by [`seal`]. Any mismatch (key, associated data, truncation,
/// flipped bit, unknown version) gives the same [`Error::Integrity`].
pub fn open(key: &Key32, aad: &Aad, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let fail = || Error::Integrity(msg!("sealed-value-failed-open-altered-moved"));
    if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != VERSION {
        return Err(fail());
    }
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&sealed[1..1 + NONCE_LEN]);
    let mut buf = Zeroizing::new(sealed[1 + NONCE_LEN..].to_vec());
    let len = less_safe_key(key)?
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            RingAad::from(aad.as_bytes()),
            &mut buf[..],
        )
        .map_err(|_| fail())?
        .len();
    buf.truncate(len);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn aad(parts: &[&str]) -> Aad {
        let mut a = Aad::new("test/v1");
        for p in parts {
            a.part(p.as_bytes());
        }
        a
    }

    #[test]
    fn round_trip() {
        let k = Key32::random().unwrap();
        let s = seal(&k, &aad(&["a"]), b"hello").unwrap();
        assert_eq!(&open(&k, &aad(&["a"]), &s).unwrap()[..], b"hello");
    }

    #[test]
    fn wrong_key_fails() {
        let k = Key32::random().unwrap();
        let s = seal(&k, &aad(&["a"]), b"hello").unwrap();
        let other = Key32::random().unwrap();
        assert!(matches!(
            open(&other, &aad(&["a"]), &s),
            Err(Error::Integrity(_))
        ));
    }

    #[test]
    fn wrong_aad_fails() {
        let k = Key32::random().unwrap();
        let s = seal(&k, &aad(&["dossier-1", "field"]), b"x").unwrap();
        assert!(open(&k, &aad(&["dossier-2", "field"]), &s).is_err());
        assert!(open(&k, &aad(&["dossier-1", "other"]), &s).is_err());
    }

    #[test]
    fn parts_are_length_prefixed() {
        // "ab" + "c" must not equal "a" + "bc".
        assert_ne!(aad(&["ab", "c"]), aad(&["a", "bc"]));
    }

    #[test]
    fn too_large_is_refused_before_sealing() {
        let k = Key32::random().unwrap();
        let big = vec![0u8; MAX_PLAINTEXT + 1];
        assert!(matches!(seal(&k, &aad(&[]), &big), Err(Error::Usage(_))));
    }

    #[test]
    fn empty_and_short_inputs_fail_cleanly() {
        let k = Key32::random().unwrap();
        for n in 0..(1 + NONCE_LEN + TAG_LEN) {
            assert!(open(&k, &aad(&[]), &vec![1u8; n]).is_err());
        }
    }

    proptest! {
        #[test]
        fn prop_round_trip(data in proptest::collection::vec(any::<u8>(), 0..2048), part in ".{0,40}") {
            let k = Key32::random().unwrap();
            let s = seal(&k, &aad(&[&part]), &data).unwrap();
            prop_assert_eq!(&open(&k, &aad(&[&part]), &s).unwrap()[..], &data[..]);
        }

        #[test]
        fn prop_any_flipped_bit_fails(data in proptest::collection::vec(any::<u8>(), 0..256), pos in any::<usize>(), bit in 0u8..8) {
            let k = Key32::random().unwrap();
            let mut s = seal(&k, &aad(&["p"]), &data).unwrap();
            let i = pos % s.len();
            s[i] ^= 1 << bit;
            prop_assert!(open(&k, &aad(&["p"]), &s).is_err());
        }

        #[test]
        fn prop_any_truncation_fails(data in proptest::collection::vec(any::<u8>(), 0..256), cut in any::<usize>()) {
            let k = Key32::random().unwrap();
            let s = seal(&k, &aad(&["p"]), &data).unwrap();
            let keep = cut % s.len();
            prop_assert!(open(&k, &aad(&["p"]), &s[..keep]).is_err());
        }
    }
}
