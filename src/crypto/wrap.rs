//! Key wrapping with `age` (X25519 recipients).
//!
//! Vault keys (category keys, the directory key, the index key…) are wrapped to
//! the `age` recipients of the staff members who may hold them and to the recovery
//! recipient. The wrapped form is a standard binary `age` file.

use std::io::{Read, Write};
use std::str::FromStr;

use age::x25519;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// A staff member's or the recovery key's `age` identity.
pub struct Identity(x25519::Identity);

impl Identity {
    /// Generates a new identity.
    pub fn generate() -> Self {
        Identity(x25519::Identity::generate())
    }

    /// Parses an `AGE-SECRET-KEY-1…` string. The string is never echoed in errors.
    pub fn parse(s: &str) -> Result<Self> {
        x25519::Identity::from_str(s.trim())
            .map(Identity)
            .map_err(|_| Error::Usage(msg!("valid-age-identity-age-secret-key")))
    }

    /// Reads an identity file: `#` comments and blank lines are skipped, the first
    /// key line is used. Errors give a line number, never the line.
    pub fn from_file_text(text: &str) -> Result<Self> {
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            return x25519::Identity::from_str(line)
                .map(Identity)
                .map_err(|_| Error::Usage(msg!("line-valid-age-identity", i = i + 1)));
        }
        Err(Error::Usage(msg!("age-identity-found-key-file")))
    }

    /// The secret in `age` text form.
    pub fn to_secret_string(&self) -> SecretString {
        self.0.to_string()
    }

    /// The public recipient string (`age1…`).
    pub fn recipient(&self) -> String {
        self.0.to_public().to_string()
    }

    pub(crate) fn inner(&self) -> &x25519::Identity {
        &self.0
    }

    /// The underlying `age` identity (to decrypt files such as backups).
    pub fn age_identity(&self) -> &x25519::Identity {
        &self.0
    }
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("recipient", &self.recipient())
            .finish_non_exhaustive()
    }
}

/// Parses a recipient string (`age1…`).
pub fn parse_recipient(s: &str) -> Result<x25519::Recipient> {
    x25519::Recipient::from_str(s.trim())
        .map_err(|_| Error::Usage(msg!("valid-age-recipient-age1")))
}

/// Encrypts `secret` to every recipient in `recipients` (binary age format).
pub fn wrap(secret: &[u8], recipients: &[&str]) -> Result<Vec<u8>> {
    let parsed = recipients
        .iter()
        .map(|r| parse_recipient(r))
        .collect::<Result<Vec<_>>>()?;
    let encryptor =
        age::Encryptor::with_recipients(parsed.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| Error::Io(msg!("age-encryption-failed", e = e)))?;
    let mut out = Vec::with_capacity(secret.len() + 256);
    let mut writer = encryptor
        .wrap_output(&mut out)
        .map_err(|e| Error::io(msg!("age-encryption-failed-2"), e))?;
    writer
        .write_all(secret)
        .map_err(|e| Error::io(msg!("age-encryption-failed-2"), e))?;
    writer
        .finish()
        .map_err(|e| Error::io(msg!("age-encryption-failed-2"), e))?;
    Ok(out)
}

/// Decrypts an age file with `identity`. `Ok(None)` means the file was not
/// encrypted to this identity; an `Err` means the file is malformed or altered.
pub fn unwrap(ciphertext: &[u8], identity: &Identity) -> Result<Option<Zeroizing<Vec<u8>>>> {
    let decryptor = age::Decryptor::new_buffered(ciphertext)
        .map_err(|_| Error::Integrity(msg!("wrapped-key-malformed")))?;
    let mut reader =
        match decryptor.decrypt(std::iter::once(identity.inner() as &dyn age::Identity)) {
            Ok(r) => r,
            Err(age::DecryptError::NoMatchingKeys) => return Ok(None),
            Err(_) => return Err(Error::Integrity(msg!("wrapped-key-failed-open"))),
        };
    let mut out = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut out)
        .map_err(|_| Error::Integrity(msg!("wrapped-key-failed-open")))?;
    Ok(Some(out))
}

/// Returns the secret bytes of an identity string in a zeroizing buffer.
pub fn secret_bytes(id: &Identity) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(id.to_secret_string().expose_secret().as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_to_two_unwrap_by_each_not_by_third() {
        let a = Identity::generate();
        let b = Identity::generate();
        let c = Identity::generate();
        let ct = wrap(b"secret key", &[&a.recipient(), &b.recipient()]).unwrap();
        assert_eq!(&unwrap(&ct, &a).unwrap().unwrap()[..], b"secret key");
        assert_eq!(&unwrap(&ct, &b).unwrap().unwrap()[..], b"secret key");
        assert!(unwrap(&ct, &c).unwrap().is_none());
    }

    #[test]
    fn altered_wrap_is_an_error_not_a_panic() {
        let a = Identity::generate();
        let mut ct = wrap(b"k", &[&a.recipient()]).unwrap();
        let n = ct.len();
        ct[n - 1] ^= 1;
        assert!(unwrap(&ct, &a).is_err());
        assert!(unwrap(b"garbage", &a).is_err());
    }

    #[test]
    fn identity_text_round_trip_and_file_parsing() {
        let a = Identity::generate();
        let s = a.to_secret_string();
        let text = format!("# comment\n\n{}\n", s.expose_secret());
        let b = Identity::from_file_text(&text).unwrap();
        assert_eq!(a.recipient(), b.recipient());
        let err = Identity::from_file_text("# c\nAGE-SECRET-KEY-1NOPE\n").unwrap_err();
        assert!(err.in_lang(crate::i18n::Lang::En).contains("line 2"));
        assert!(!err.in_lang(crate::i18n::Lang::En).contains("NOPE"));
        assert!(!format!("{a:?}").contains("AGE-SECRET"));
    }
}
