//! Passphrase hygiene: one normalisation, one strength rule and one unlock attempt
//! order, used by every place that sets or checks a passphrase (the first member at
//! `init`, new staff, `staff passwd`, `recover`, the person's own credential, and
//! both unlocks).
//!
//! The same visible passphrase must give the same key whatever produced its bytes:
//! a macOS input method gives decomposed accents (NFD), most others composed ones
//! (NFC); an environment file or a generator adds a line ending. So a passphrase is
//! normalised to Unicode NFC (UAX #15) and ONE trailing line ending ("\n" or
//! "\r\n") is removed, before key derivation. Vaults whose passphrases were set
//! before this rule keep working: an unlock that fails with the normalised form is
//! tried once with the bytes as given.

use secrecy::{ExposeSecret, SecretString};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use super::kdf::{self, KdfParams};
use super::key::Key32;
use crate::error::{Error, Result};

/// Minimum length of a passphrase, in Unicode scalar values after normalisation,
/// for a vault with production key derivation (ANSSI's guide on passwords,
/// 2021, recommends at least 12 characters for a password protecting keys).
pub const MIN_CHARS: usize = 12;

/// Minimum zxcvbn score (0 to 4; 3 means "safely unguessable: moderate protection
/// from an offline slow-hash scenario", about 10^10 guesses).
pub const MIN_SCORE: u8 = 3;

/// Characters of a passphrase given to the strength estimator (its cost grows
/// faster than linearly; a passphrase longer than this is judged on its start).
const ESTIMATE_CHARS: usize = 100;

/// The normalised form of a passphrase: Unicode NFC, with one trailing "\n" or
/// "\r\n" removed. Idempotent except for a second line ending, which is kept
/// (only one is taken as the end of the line that carried the passphrase).
pub fn normalise(passphrase: &SecretString) -> SecretString {
    let raw = passphrase.expose_secret();
    let trimmed = raw
        .strip_suffix("\r\n")
        .or_else(|| raw.strip_suffix('\n'))
        .unwrap_or(raw);
    let nfc: Zeroizing<String> = Zeroizing::new(trimmed.nfc().collect());
    SecretString::from(nfc.as_str())
}

/// Checks a passphrase being set and returns its normalised form, the one to
/// derive the key from.
///
/// Errors: [`Error::Usage`] (exit 2) (`passphrase-empty`) when nothing is left after
/// normalisation; (`passphrase-too-weak`) when `params` are production parameters and
/// the passphrase has fewer than [`MIN_CHARS`] characters or a zxcvbn score below
/// [`MIN_SCORE`]. With weak (test and demonstration) parameters any non-empty
/// passphrase is accepted: such vaults already warn at every unlock.
pub fn check_new(passphrase: &SecretString, params: &KdfParams) -> Result<SecretString> {
    let norm = normalise(passphrase);
    let text = norm.expose_secret();
    if text.is_empty() {
        return Err(Error::Usage(msg!("passphrase-empty")));
    }
    if params.is_weak() {
        return Ok(norm);
    }
    if text.chars().count() < MIN_CHARS || strength(text) < MIN_SCORE {
        return Err(Error::Usage(msg!("passphrase-too-weak")));
    }
    Ok(norm)
}

/// The letters of a generated passphrase: lowercase letters and digits
/// without those read alike on paper (`0 o 1 l i`).
const GENERATED_ALPHABET: &[u8; 31] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A new random passphrase to hand over on paper (the person's credential
/// issued from the browser): six groups of four characters from 31 letters
/// and digits, joined by dashes (`k7mq-zr4t-…`), about 118 bits. It passes
/// [`check_new`] whatever the vault's parameters.
pub fn generate() -> Result<SecretString> {
    let letters = GENERATED_ALPHABET;
    let mut out = Zeroizing::new(String::with_capacity(29));
    let mut group = 0;
    while group < 6 {
        let bytes = Zeroizing::new(super::key::random_bytes::<16>()?);
        for b in bytes.iter() {
            // Rejection sampling: 248 = 8 × 31, so every letter is as likely.
            if *b >= 248 {
                continue;
            }
            if out.len() % 5 == 4 {
                out.push('-');
            }
            out.push(char::from(letters[usize::from(*b % 31)]));
            if out.len() % 5 == 4 {
                group += 1;
                if group == 6 {
                    break;
                }
            }
        }
    }
    Ok(SecretString::from(out.as_str()))
}

/// The zxcvbn score (0 to 4) of a passphrase, judged on its first
/// `ESTIMATE_CHARS` characters.
fn strength(text: &str) -> u8 {
    let head: Zeroizing<String> = Zeroizing::new(text.chars().take(ESTIMATE_CHARS).collect());
    u8::from(zxcvbn::zxcvbn(head.as_str(), &[]).score())
}

/// Runs the same key derivation as [`open_with`] for an account that does
/// not exist (or may not unlock), with a salt derived from its id, and throws
/// the result away: a refusal then takes as long as a wrong passphrase, so its
/// timing does not tell which ids exist.
pub fn decoy(passphrase: &SecretString, id: &str, params: &KdfParams) {
    let salt = ring::digest::digest(&ring::digest::SHA256, id.as_bytes());
    let _ = open_with(passphrase, &salt.as_ref()[..16], params, |_| None::<()>);
}

/// Opens something sealed under a passphrase: derives the key from the normalised
/// passphrase and calls `open`; if that yields nothing and the passphrase as given
/// differs from its normalised form, derives again from the bytes as given (a
/// passphrase set before normalisation) and calls `open` once more.
///
/// Returns `Ok(None)` when neither key opens it (a wrong passphrase); errors only
/// from key derivation (out-of-bounds stored parameters: [`Error::Integrity`]).
pub fn open_with<T>(
    passphrase: &SecretString,
    salt: &[u8],
    params: &KdfParams,
    mut open: impl FnMut(&Key32) -> Option<T>,
) -> Result<Option<T>> {
    let norm = normalise(passphrase);
    if let Some(v) = open(&kdf::derive(&norm, salt, params)?) {
        return Ok(Some(v));
    }
    if norm.expose_secret() == passphrase.expose_secret() {
        return Ok(None);
    }
    Ok(open(&kdf::derive(passphrase, salt, params)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_passphrases_are_strong_and_readable() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        let t = a.expose_secret();
        assert_ne!(t, b.expose_secret());
        assert_eq!(t.len(), 29, "{t}");
        assert_eq!(t.split('-').count(), 6);
        assert!(t
            .split('-')
            .all(|g| g.len() == 4 && g.bytes().all(|c| GENERATED_ALPHABET.contains(&c))));
        let strong = crate::crypto::kdf::KdfParams::DEFAULT;
        assert!(!strong.is_weak());
        assert!(check_new(&a, &strong).is_ok());
    }

    fn s(x: &str) -> SecretString {
        SecretString::from(x)
    }

    #[test]
    fn one_line_ending_is_removed_and_accents_composed() {
        assert_eq!(normalise(&s("phrase\n")).expose_secret(), "phrase");
        assert_eq!(normalise(&s("phrase\r\n")).expose_secret(), "phrase");
        assert_eq!(normalise(&s("phrase\n\n")).expose_secret(), "phrase\n");
        assert_eq!(normalise(&s("phrase ")).expose_secret(), "phrase ");
        assert_eq!(
            normalise(&s("cafe\u{301}")).expose_secret(),
            "caf\u{e9}",
            "NFD becomes NFC"
        );
    }

    #[test]
    fn strength_rule_applies_to_production_parameters_only() {
        let prod = KdfParams::DEFAULT;
        let fast = KdfParams::INSECURE_FAST;
        for weak in ["x", "password1234", "aaaaaaaaaaaaaaaa", "azertyuiopqsd"] {
            match check_new(&s(weak), &prod) {
                Err(Error::Usage(m)) => assert_eq!(m.kind(), "passphrase-too-weak", "{weak}"),
                other => panic!("{weak} accepted: {:?}", other.map(|_| ())),
            }
            assert!(check_new(&s(weak), &fast).is_ok(), "{weak} with fast kdf");
        }
        let good = check_new(&s("cheval agrafe pile correcte\n"), &prod).unwrap();
        assert_eq!(good.expose_secret(), "cheval agrafe pile correcte");
        for empty in ["", "\n", "\r\n"] {
            match check_new(&s(empty), &fast) {
                Err(Error::Usage(m)) => assert_eq!(m.kind(), "passphrase-empty"),
                other => panic!("empty accepted: {:?}", other.map(|_| ())),
            }
        }
    }

    #[test]
    fn unlock_tries_the_normalised_form_then_the_raw_bytes() {
        let salt = b"saltsaltsaltsalt";
        let p = KdfParams::INSECURE_FAST;
        // A vault whose passphrase was set, unnormalised, with a trailing newline.
        let old = kdf::derive(&s("ancienne\n"), salt, &p).unwrap();
        let mut tries = 0;
        let got = open_with(&s("ancienne\n"), salt, &p, |k| {
            tries += 1;
            (k.expose() == old.expose()).then_some(())
        })
        .unwrap();
        assert_eq!((got, tries), (Some(()), 2));
        // A normalised passphrase opens at the first try; a wrong one is tried once
        // when it is already normal.
        let new = kdf::derive(&s("nouvelle"), salt, &p).unwrap();
        let mut tries = 0;
        let got = open_with(&s("nouvelle\r\n"), salt, &p, |k| {
            tries += 1;
            (k.expose() == new.expose()).then_some(())
        })
        .unwrap();
        assert_eq!((got, tries), (Some(()), 1));
        let mut tries = 0;
        let got = open_with(&s("fausse"), salt, &p, |k| {
            tries += 1;
            (k.expose() == new.expose()).then_some(())
        })
        .unwrap();
        assert_eq!((got, tries), (None, 1));
    }

    proptest! {
        #[test]
        fn prop_nfc_and_nfd_normalise_alike(p in "[a-zA-Zéèêàçœï ]{0,24}", nl in 0usize..3) {
            let nfd: String = p.nfd().collect();
            let end = ["", "\n", "\r\n"][nl];
            let a = normalise(&s(&format!("{p}{end}")));
            let b = normalise(&s(&nfd));
            prop_assert_eq!(a.expose_secret(), b.expose_secret());
        }
    }
}
