//! The keyed blind index for name search.
//!
//! A name is normalised (Unicode NFKD, combining marks removed, lower case, then
//! the letters that have no decomposition folded to their usual ASCII spelling:
//! æ→ae, œ→oe, ß→ss, ı and İ→i, ø→o, đ→d, ł→l) and split into tokens of letters
//! and digits; each token is stored only as
//! HMAC-SHA256(index key, "coffre/name-token/v1" || token), truncated to 16 bytes.
//! Searching computes the same tags for the query's tokens. Without the index key,
//! the tags say nothing about the names.
//!
//! The folding of letters without decomposition was added after vaults had been
//! indexed without it (normalisation 1: "Lætitia" gave the token "lætitia").
//! Names are indexed under the current normalisation only; an older vault is
//! re-indexed once by the first member able to (`vault::reindex`). Until then a
//! query searches each of its words under both ([`query_tokens`]), so a name
//! indexed before is still found by the spellings that found it then.
//! `docs/crypto.md`, "Blind name index".

use ring::hmac;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use super::key::Key32;

/// Length of a stored token tag.
pub const TAG_LEN: usize = 16;

/// The words of a name under normalisation 1 (NFKD, combining marks removed, lower
/// case), split at every character that is not a letter or a digit; empty words
/// dropped.
fn words_v1(name: &str) -> Vec<Zeroizing<String>> {
    let folded: Zeroizing<String> = Zeroizing::new(
        name.nfkd()
            .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .collect(),
    );
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| Zeroizing::new(t.to_string()))
        .collect()
}

/// The usual Latin spelling of a letter that Unicode does not decompose: the
/// ligatures, the dotless and dotted i, and the letters with a stroke.
fn fold_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'ß' | 'ẞ' => "ss",
        'ı' | 'İ' => "i",
        'ø' | 'Ø' => "o",
        'đ' | 'Đ' => "d",
        'ł' | 'Ł' => "l",
        _ => return None,
    })
}

/// A normalisation-1 word under the current normalisation (letters folded).
fn fold_word(word: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(word.len() + 2));
    for c in word.chars() {
        match fold_letter(c) {
            Some(s) => out.push_str(s),
            None => out.push(c),
        }
    }
    out
}

fn long_enough(t: &str) -> bool {
    t.chars().count() >= 2
}

/// Splits a name into normalised tokens, the ones stored in the index ("Élodie
/// Martin-Dupré" → "elodie", "martin", "dupre"; "Lætitia Cœur" → "laetitia",
/// "coeur"). Tokens of a single character are dropped; each token appears once.
pub fn tokens(name: &str) -> Vec<Zeroizing<String>> {
    let mut out: Vec<Zeroizing<String>> = Vec::new();
    for w in words_v1(name) {
        let t = fold_word(&w);
        if long_enough(&t) && !out.iter().any(|o| o.as_str() == t.as_str()) {
            out.push(t);
        }
    }
    out
}

/// The tokens of a search query, one group per word: the word under the current
/// normalisation first, then under normalisation 1 when that differs (a name
/// indexed before the folding of ligatures and stroked letters). A dossier matches
/// a word when one of its group's tokens matches.
pub fn query_tokens(text: &str) -> Vec<Vec<Zeroizing<String>>> {
    let mut out: Vec<Vec<Zeroizing<String>>> = Vec::new();
    for w in words_v1(text) {
        let t = fold_word(&w);
        if !long_enough(&t) || out.iter().any(|g| g[0].as_str() == t.as_str()) {
            continue;
        }
        let mut group = vec![t];
        if long_enough(&w) && group[0].as_str() != w.as_str() {
            group.push(w);
        }
        out.push(group);
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
        assert_eq!(strs(tokens("Œdipe")), vec!["oedipe"]);
        assert!(tokens("").is_empty());
    }

    #[test]
    fn ligatures_dotless_i_and_stroked_letters_fold() {
        assert_eq!(
            strs(tokens("Lætitia CŒUR Yıldız")),
            vec!["laetitia", "coeur", "yildiz"]
        );
        assert_eq!(
            strs(tokens("İSTANBUL Weiß ØSTERGÅRD Đorđe Łukasz")),
            vec!["istanbul", "weiss", "ostergard", "dorde", "lukasz"]
        );
        assert_eq!(strs(tokens("Æ ß")), vec!["ae", "ss"]);
        // Queries also carry the older form of each word, when it differs.
        let q: Vec<Vec<String>> = query_tokens("laetitia Cœur")
            .into_iter()
            .map(strs)
            .collect();
        assert_eq!(q, vec![vec!["laetitia"], vec!["coeur", "cœur"]]);
    }

    #[test]
    fn tags_depend_on_the_key() {
        let k1 = Key32::random().unwrap();
        let k2 = Key32::random().unwrap();
        assert_eq!(tag(&k1, "martin"), tag(&k1, "martin"));
        assert_ne!(tag(&k1, "martin"), tag(&k2, "martin"));
        assert_ne!(tag(&k1, "martin"), tag(&k1, "martine"));
    }

    /// Each folded letter and the ASCII spelling it stands for.
    const FOLDS: &[(&str, &str)] = &[
        ("æ", "ae"),
        ("Æ", "AE"),
        ("œ", "oe"),
        ("Œ", "OE"),
        ("ß", "ss"),
        ("ẞ", "SS"),
        ("ı", "i"),
        ("İ", "I"),
        ("ø", "o"),
        ("Ø", "O"),
        ("đ", "d"),
        ("Đ", "D"),
        ("ł", "l"),
        ("Ł", "L"),
        ("é", "e"),
        ("È", "E"),
        ("ç", "c"),
        ("ñ", "n"),
    ];

    proptest! {
        #[test]
        fn prop_tokens_are_stable_under_case_and_accents(name in "[a-zA-Z ]{0,30}") {
            let upper = name.to_uppercase();
            prop_assert_eq!(strs(tokens(&name)), strs(tokens(&upper)));
        }

        /// A name written with ligatures, dotless or dotted i, stroked or accented
        /// letters, in any case, gives the tokens of its plain ASCII spelling; and
        /// the plain spelling as a query finds it (the first token of each group).
        #[test]
        fn prop_folded_letters_match_their_ascii_spelling(
            parts in proptest::collection::vec((0usize..FOLDS.len(), "[a-z]{0,4}", any::<bool>()), 1..8),
        ) {
            let mut fancy = String::new();
            let mut plain = String::new();
            for (i, tail, space) in &parts {
                let (f, p) = FOLDS[*i];
                fancy.push_str(f);
                plain.push_str(p);
                fancy.push_str(tail);
                plain.push_str(tail);
                if *space {
                    fancy.push(' ');
                    plain.push(' ');
                }
            }
            let stored = strs(tokens(&fancy));
            prop_assert_eq!(&stored, &strs(tokens(&plain)));
            prop_assert!(stored.iter().all(|t| t.is_ascii()), "{:?}", stored);
            let firsts: Vec<String> = query_tokens(&plain).into_iter().map(|g| g[0].to_string()).collect();
            prop_assert_eq!(firsts, stored);
        }
    }
}
