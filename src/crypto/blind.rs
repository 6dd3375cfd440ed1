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
//! Each token's proper prefixes of [`PREFIX_MIN`] to [`PREFIX_MAX`] characters
//! are stored too, as HMAC-SHA256(index key, "coffre/name-prefix/v1" || prefix),
//! truncated alike, so that a query word of 3 to 10 characters finds the names
//! with a word that starts with it ("Luca" finds "Lucas"). A dossier's tags
//! ([`name_tags`]) are padded with random values to a multiple of
//! [`TAG_BLOCK`], and sorted, so that their number and order tell nothing about
//! the name's words or their lengths (normalisation 3, `vault::reindex`).
//!
//! The folding of letters without decomposition was added after vaults had been
//! indexed without it (normalisation 1: "Lætitia" gave the token "lætitia").
//! Names are indexed under the current normalisation only; an older vault is
//! re-indexed once by the first member able to (`vault::reindex`). Until then a
//! query searches each of its words under both ([`query_tokens`]), so a name
//! indexed before is still found by the spellings that found it then.
//! `docs/crypto.md`, "Blind name index".

use std::collections::BTreeSet;

use ring::hmac;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use super::key::{random_bytes, Key32};

/// Length of a stored token tag.
pub const TAG_LEN: usize = 16;

/// A stored tag: a token's, a prefix's, or padding (indistinguishable without
/// the index key).
pub type Tag = [u8; TAG_LEN];

/// The fewest characters of a query word matched as a prefix: a shorter word
/// (two characters) must be a whole word of the name.
pub const PREFIX_MIN: usize = 3;

/// The most characters of a prefix indexed: a query word longer than this must
/// be a whole word of the name.
pub const PREFIX_MAX: usize = 10;

/// A dossier's tags are padded with random ones to a multiple of this number:
/// every name of up to 48 tags (five words of any length, or more of fewer
/// letters) gives exactly 48, so that the count does not tell names apart.
pub const TAG_BLOCK: usize = 48;

/// Domain of whole-token tags.
const TOKEN_DOMAIN: &[u8] = b"coffre/name-token/v1\0";
/// Domain of prefix tags.
const PREFIX_DOMAIN: &[u8] = b"coffre/name-prefix/v1\0";

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

/// The proper prefixes of a normalised token that the index holds: those of
/// [`PREFIX_MIN`] to [`PREFIX_MAX`] characters, shorter than the token itself
/// (the whole token has its own tag, [`tag`]). "lucas" → "luc", "luca";
/// "li" and "leo" → none.
pub fn prefixes(token: &str) -> Vec<Zeroizing<String>> {
    let len = token.chars().count();
    let longest = PREFIX_MAX.min(len.saturating_sub(1));
    (PREFIX_MIN..=longest)
        .map(|n| Zeroizing::new(token.chars().take(n).collect()))
        .collect()
}

fn hmac_tag(index_key: &Key32, domain: &[u8], text: &str) -> Tag {
    let key = hmac::Key::new(hmac::HMAC_SHA256, index_key.expose());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(domain);
    ctx.update(text.as_bytes());
    let full = ctx.sign();
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(&full.as_ref()[..TAG_LEN]);
    out
}

/// The blind tag of one normalised token.
pub fn tag(index_key: &Key32, token: &str) -> Tag {
    hmac_tag(index_key, TOKEN_DOMAIN, token)
}

/// The blind tag of one prefix of a normalised token (another HMAC domain than
/// [`tag`]: a prefix's tag never equals a whole token's).
pub fn prefix_tag(index_key: &Key32, prefix: &str) -> Tag {
    hmac_tag(index_key, PREFIX_DOMAIN, prefix)
}

/// How many tags a dossier stores for a name that has `real` of them: the
/// smallest positive multiple of [`TAG_BLOCK`] that holds them.
pub fn padded_count(real: usize) -> usize {
    real.div_ceil(TAG_BLOCK).max(1) * TAG_BLOCK
}

/// Every tag a dossier stores for `name` under the current normalisation: the
/// tag of each token ([`tokens`], [`tag`]), of each of their prefixes
/// ([`prefixes`], [`prefix_tag`]), each once, and random 16-byte values up to
/// [`padded_count`], all in byte order (so that neither the count nor the
/// order of writing tells which are which). Errors: [`crate::error::Error::Io`]
/// if the system's random generator fails.
pub fn name_tags(index_key: &Key32, name: &str) -> crate::error::Result<Vec<Tag>> {
    let mut set: BTreeSet<Tag> = BTreeSet::new();
    for token in tokens(name) {
        set.insert(tag(index_key, &token));
        for p in prefixes(&token) {
            set.insert(prefix_tag(index_key, &p));
        }
    }
    let target = padded_count(set.len());
    while set.len() < target {
        set.insert(random_bytes::<TAG_LEN>()?);
    }
    Ok(set.into_iter().collect())
}

/// The tags a search looks up, one group per query word ([`query_tokens`]): a
/// dossier matches a word when it holds one of its group's tags. Each group
/// holds the whole-token tag of each of the word's spellings and, when
/// `by_prefix` (the index is under normalisation 3) and the word has
/// [`PREFIX_MIN`] to [`PREFIX_MAX`] characters, the prefix tag of its current
/// spelling. An empty answer means no word of two characters or more.
pub fn query_tags(index_key: &Key32, text: &str, by_prefix: bool) -> Vec<Vec<Tag>> {
    query_tokens(text)
        .into_iter()
        .map(|group| {
            let mut tags: Vec<Tag> = group.iter().map(|t| tag(index_key, t)).collect();
            if let Some(current) = group.first() {
                let n = current.chars().count();
                if by_prefix && (PREFIX_MIN..=PREFIX_MAX).contains(&n) {
                    tags.push(prefix_tag(index_key, current));
                }
            }
            tags
        })
        .collect()
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

    #[test]
    fn prefixes_are_proper_and_between_three_and_ten_characters() {
        assert_eq!(strs(prefixes("lucas")), vec!["luc", "luca"]);
        assert!(prefixes("li").is_empty());
        assert!(
            prefixes("leo").is_empty(),
            "a whole token is not its prefix"
        );
        assert_eq!(strs(prefixes("marc")), vec!["mar"]);
        let long = prefixes("vandenbrouckesen");
        assert_eq!(long.len(), PREFIX_MAX - PREFIX_MIN + 1);
        assert_eq!(long[long.len() - 1].as_str(), "vandenbrou");
        // Characters, not bytes.
        assert_eq!(strs(prefixes("日本語です")), vec!["日本語", "日本語で"]);
    }

    #[test]
    fn prefix_tags_are_another_domain_and_depend_on_the_key() {
        let k1 = Key32::random().unwrap();
        let k2 = Key32::random().unwrap();
        assert_eq!(prefix_tag(&k1, "luc"), prefix_tag(&k1, "luc"));
        assert_ne!(prefix_tag(&k1, "luc"), prefix_tag(&k2, "luc"));
        assert_ne!(prefix_tag(&k1, "luc"), tag(&k1, "luc"));
        assert_ne!(prefix_tag(&k1, "luc"), prefix_tag(&k1, "luca"));
    }

    #[test]
    fn padding_fills_whole_blocks() {
        assert_eq!(TAG_BLOCK, 48);
        assert_eq!(padded_count(0), TAG_BLOCK);
        assert_eq!(padded_count(1), TAG_BLOCK);
        assert_eq!(padded_count(TAG_BLOCK), TAG_BLOCK);
        assert_eq!(padded_count(TAG_BLOCK + 1), 2 * TAG_BLOCK);
    }

    #[test]
    fn a_name_is_stored_as_its_tokens_prefixes_and_random_padding_in_byte_order() {
        let k = Key32::random().unwrap();
        let tags = name_tags(&k, "Lucas Martin").unwrap();
        assert_eq!(tags.len(), TAG_BLOCK);
        assert!(tags.windows(2).all(|w| w[0] < w[1]), "sorted, each once");
        for t in ["lucas", "martin"] {
            assert!(tags.contains(&tag(&k, t)), "{t}");
        }
        for p in ["luc", "luca", "mar", "mart", "marti"] {
            assert!(tags.contains(&prefix_tag(&k, p)), "{p}");
        }
        for p in ["lu", "lucas", "martin", "ucas"] {
            assert!(!tags.contains(&prefix_tag(&k, p)), "{p}");
        }
        // 2 tokens and 5 prefixes; the rest is padding, new every time.
        let again = name_tags(&k, "Lucas Martin").unwrap();
        let common = tags.iter().filter(|t| again.contains(t)).count();
        assert_eq!(common, 7);
        // A name without a word of two letters still has a whole block.
        assert_eq!(name_tags(&k, "X").unwrap().len(), TAG_BLOCK);
    }

    #[test]
    fn query_words_of_three_to_ten_characters_are_also_looked_up_as_prefixes() {
        let k = Key32::random().unwrap();
        assert_eq!(query_tags(&k, "Lu", true), vec![vec![tag(&k, "lu")]]);
        assert_eq!(
            query_tags(&k, "Luca", true),
            vec![vec![tag(&k, "luca"), prefix_tag(&k, "luca")]]
        );
        assert_eq!(query_tags(&k, "Luca", false), vec![vec![tag(&k, "luca")]]);
        assert_eq!(
            query_tags(&k, "christophers", true),
            vec![vec![tag(&k, "christophers")]],
            "longer than the longest prefix indexed: whole words only"
        );
        assert!(query_tags(&k, "x", true).is_empty());
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

        /// Any prefix of 3 to 10 characters of any word of a name, and any
        /// whole word of two or more, as typed in any case, finds it; and a
        /// name of up to five words stores exactly one block of tags, whatever
        /// its words.
        #[test]
        fn prop_prefixes_find_the_name_and_the_count_does_not_depend_on_it(
            words in proptest::collection::vec("[a-zA-Zéèçàô]{1,15}", 1..=5),
            pick in any::<proptest::sample::Index>(),
            len in 1usize..=15,
        ) {
            let k = Key32::from_slice(&[7u8; 32]).unwrap();
            let name = words.join(" ");
            let stored = name_tags(&k, &name).unwrap();
            prop_assert_eq!(stored.len(), TAG_BLOCK);
            let word = pick.get(&words);
            let n = word.chars().count();
            let typed: String = word.chars().take(len.min(n)).collect::<String>().to_uppercase();
            let found = |q: &str| {
                let groups = query_tags(&k, q, true);
                !groups.is_empty() && groups.iter().all(|g| g.iter().any(|t| stored.contains(t)))
            };
            let m = len.min(n);
            if (m == n && m >= 2) || (PREFIX_MIN..=PREFIX_MAX).contains(&m) {
                prop_assert!(found(&typed), "{} not found by {}", name, typed);
            }
            if m < n && (m < PREFIX_MIN || m > PREFIX_MAX) {
                // Not a word of the name, nor a prefix indexed: found only if
                // another word of the name happens to match it.
                let others = tokens(&name)
                    .iter()
                    .any(|x| tokens(&typed).iter().any(|y| x.as_str() == y.as_str()));
                if !others {
                    prop_assert!(!found(&typed), "{} found by {}", name, typed);
                }
            }
        }
    }
}
