//! `Key32`: a 256-bit symmetric key that lives only in zeroized memory.

use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, ExposeSecretMut, SecretBox};

use crate::error::{Error, Result};

/// A 256-bit symmetric key (category key, data key, derived key).
///
/// The bytes are zeroized on drop and reachable only through [`Key32::expose`];
/// `Debug` prints no key material.
pub struct Key32(SecretBox<[u8; 32]>);

impl Key32 {
    /// A fresh key from the operating system's CSPRNG.
    pub fn random() -> Result<Self> {
        let rng = SystemRandom::new();
        let mut key = SecretBox::new(Box::new([0u8; 32]));
        rng.fill(&mut key.expose_secret_mut()[..])
            .map_err(|_| Error::Io(msg!("system-random-generator-failed")))?;
        Ok(Key32(key))
    }

    /// Builds a key from a slice, which must be exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 32 {
            return Err(Error::Integrity(msg!("stored-key-wrong-length")));
        }
        Ok(Key32(SecretBox::init_with_mut(|k: &mut [u8; 32]| {
            k.copy_from_slice(bytes)
        })))
    }

    /// The key bytes. Callers must not copy them into unprotected memory.
    pub fn expose(&self) -> &[u8; 32] {
        self.0.expose_secret()
    }

    /// A copy of this key (both copies are zeroized on drop).
    pub fn duplicate(&self) -> Self {
        Key32(SecretBox::init_with_mut(|k: &mut [u8; 32]| {
            k.copy_from_slice(self.expose())
        }))
    }
}

impl std::fmt::Debug for Key32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key32").finish_non_exhaustive()
    }
}

/// Fills a fresh array with random bytes (salts, nonces, identifiers).
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| Error::Io(msg!("system-random-generator-failed")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_keys_differ_and_debug_hides_bytes() {
        let a = Key32::random().unwrap();
        let b = Key32::random().unwrap();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(format!("{a:?}"), "Key32 { .. }");
    }

    #[test]
    fn from_slice_rejects_wrong_length() {
        assert!(Key32::from_slice(&[0u8; 31]).is_err());
        assert!(Key32::from_slice(&[0u8; 33]).is_err());
        let k = Key32::from_slice(&[7u8; 32]).unwrap();
        assert_eq!(k.expose(), &[7u8; 32]);
        assert_eq!(k.duplicate().expose(), &[7u8; 32]);
    }
}
