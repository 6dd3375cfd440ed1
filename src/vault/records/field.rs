//! A field's value as stored: sealed under its data key together with a hiding
//! commitment that the signed register covers, so that nobody — not even a
//! colleague who holds the same data key and has the vault's files — can put
//! another value in its place unseen (`docs/crypto.md`, "Field values").
//!
//! The sealed payload is `r ‖ value`, with `r` 32 random bytes drawn for this
//! field; the commitment `SHA-256("coffre/field/v1" ‖ r ‖ value)` is stored beside
//! the ciphertext and enters the version's shape, hence the entry's content
//! element, which its author signed in a `content` fact. Whoever re-seals another
//! value must either keep the old commitment (the value no longer opens to it:
//! an integrity failure at read) or write a new one (the shape, the element and
//! the dossier's signed digest disagree: an integrity failure at read). A key
//! renewal re-seals the same payload under a new key: `r`, the value and the
//! commitment stay the same. `r` is secret (inside the ciphertext), so the
//! commitment reveals nothing about a short or guessable value.

use zeroize::Zeroizing;

use crate::crypto::{envelope, Aad, Key32};
use crate::error::{Error, Result};
use crate::store::records::SealedField;

/// Domain separation of a field's commitment.
const DOMAIN: &[u8] = b"coffre/field/v1";
/// Length of the random prefix `r`.
const R_LEN: usize = 32;

fn commitment(payload: &[u8]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(DOMAIN);
    ctx.update(payload);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// Seals `value` of field `name` (category `category`) under `key` with `aad`
/// (`keys::field_aad`), with a fresh commitment. Errors: a value above the
/// envelope's limit (usage), no randomness (I/O).
pub(crate) fn seal(
    name: &str,
    category: &str,
    key: &Key32,
    aad: &Aad,
    value: &[u8],
) -> Result<SealedField> {
    let r: [u8; R_LEN] = crate::crypto::key::random_bytes()?;
    let mut payload = Zeroizing::new(Vec::with_capacity(R_LEN + value.len()));
    payload.extend_from_slice(&r);
    payload.extend_from_slice(value);
    Ok(SealedField {
        name: name.to_string(),
        category: category.to_string(),
        ciphertext: envelope::seal(key, aad, &payload)?,
        commitment: commitment(&payload),
    })
}

/// Opens a stored field and checks it against its commitment; returns the value.
/// Errors: the ciphertext does not open under `key` and `aad`, or opens to
/// something its commitment does not match (integrity: altered or re-sealed).
pub(crate) fn open(key: &Key32, aad: &Aad, field: &SealedField) -> Result<Zeroizing<Vec<u8>>> {
    let payload = envelope::open(key, aad, &field.ciphertext)?;
    if payload.len() < R_LEN || commitment(&payload) != field.commitment {
        return Err(Error::Integrity(crate::msg!(
            "field-commitment-differs",
            field = field.name.clone()
        )));
    }
    Ok(Zeroizing::new(payload[R_LEN..].to_vec()))
}

/// Re-seals a stored field from `old` to `new` (a key renewal): the same payload,
/// so the same commitment. Errors: as [`open`].
pub(crate) fn reseal(old: &Key32, new: &Key32, aad: &Aad, field: &mut SealedField) -> Result<()> {
    let payload = envelope::open(old, aad, &field.ciphertext)?;
    if payload.len() < R_LEN || commitment(&payload) != field.commitment {
        return Err(Error::Integrity(crate::msg!(
            "field-commitment-differs",
            field = field.name.clone()
        )));
    }
    field.ciphertext = envelope::seal(new, aad, &payload)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aad() -> Aad {
        crate::vault::access::keys::field_aad("v", "d-1", "e-1", "text", 1, "daily-life")
    }

    #[test]
    fn opens_what_it_sealed_and_survives_a_key_renewal() {
        let (k1, k2) = (Key32::random().unwrap(), Key32::random().unwrap());
        let mut f = seal("text", "daily-life", &k1, &aad(), b"short").unwrap();
        let c = f.commitment;
        assert_eq!(&*open(&k1, &aad(), &f).unwrap(), b"short");
        reseal(&k1, &k2, &aad(), &mut f).unwrap();
        assert_eq!(f.commitment, c, "a renewal keeps the commitment");
        assert_eq!(&*open(&k2, &aad(), &f).unwrap(), b"short");
        assert!(open(&k1, &aad(), &f).is_err());
    }

    #[test]
    fn another_value_under_the_same_key_is_refused() {
        let k = Key32::random().unwrap();
        let honest = seal("text", "daily-life", &k, &aad(), b"written by the author").unwrap();
        // A holder of the same key seals their own text and keeps the commitment.
        let mut forged = seal("text", "daily-life", &k, &aad(), b"forged").unwrap();
        forged.commitment = honest.commitment;
        assert!(matches!(
            open(&k, &aad(), &forged),
            Err(Error::Integrity(_))
        ));
        // Two seals of one value differ (r is fresh): the commitment hides it.
        let again = seal("text", "daily-life", &k, &aad(), b"written by the author").unwrap();
        assert_ne!(again.commitment, honest.commitment);
    }
}
