//! The keyed blind index for name search.
//!
//! A name is normalised (Unicode NFKD, combining marks removed, lower case) and split
//! into tokens of letters and digits; each token is stored only as
//! HMAC-SHA256(index key, "coffre/name-token/v1" || token), truncated to 16 bytes.
//! Searching computes the same tags for the query's tokens. Without the index key,
//! the tags say nothing about the names.

use ring::hmac;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use super::key::Key32;

/// Length of a stored token tag.
pub const TAG_LEN: usize = 16;

/// Splits a name into normalised tokens ("Élodie Martin-Dupré" → élodie is "elodie",
/// then "martin", "dupre"). Tokens of a single character are dropped.
pub fn tokens(name: &str) -> Vec<Zeroizing<String>> {
    let folded: Zeroizing<String> = Zeroizing::new(
        name.nfkd()
            .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .collect(),
    );
    let mut out: Vec<Zeroizing<String>> = Vec::new();
    for t in folded.split(|c: char| !c.is_alphanumeric()) {
        if t.chars().count() >= 2 && !out.iter().any(|o| o.as_str() == t) {
            out.push(Zeroizing::new(t.to_string()));
        }
    }
    out
}

/// The blind tag of one normalised token.
pub fn tag(index_key: &Key32, token: &str) -> [u8; TAG_LEN] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, index_key.expose());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(b"coffre/name-token/v1\0");
    ctx.update(token.as_bytes());
    let full = ctx.sign();
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(&full.as_ref()[..TAG_LEN]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strs(v: Vec<Zeroizing<String>>) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn normalisation_folds_case_accents_and_punctuation() {
        assert_eq!(
            strs(tokens("Élodie MARTIN-Dupré")),
            vec!["elodie", "martin", "dupre"]
        );
        assert_eq!(
            strs(tokens("  françois   d'Anjou ")),
            vec!["francois", "anjou"]
        );
        assert_eq!(strs(tokens("Œdipe")), vec!["œdipe"]);
        assert!(tokens("").is_empty());
    }

    #[test]
    fn tags_depend_on_the_key() {
        let k1 = Key32::random().unwrap();
        let k2 = Key32::random().unwrap();
        assert_eq!(tag(&k1, "martin"), tag(&k1, "martin"));
        assert_ne!(tag(&k1, "martin"), tag(&k2, "martin"));
        assert_ne!(tag(&k1, "martin"), tag(&k1, "martine"));
    }

    proptest! {
        #[test]
        fn prop_tokens_are_stable_under_case_and_accents(name in "[a-zA-Z ]{0,30}") {
            let upper = name.to_uppercase();
            prop_assert_eq!(strs(tokens(&name)), strs(tokens(&upper)));
        }
    }
}
