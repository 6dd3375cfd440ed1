//! Text hygiene for names and identifiers: what may not be in them, and how a
//! stored one is shown to a person without letting it fake the layout of the
//! output (a line break that forges an extra row in a list, an escape sequence
//! that drives the terminal, a bidirectional override that reverses what follows).
//!
//! Names of people, of staff and of the establishment are refused at input when
//! they hold such a character ([`check_name`]); identifiers are restricted further
//! by `store::layout::check_id`. Whatever is stored, even by someone writing the
//! vault's files directly, is passed through [`escape`] (one line) or
//! [`escape_multiline`] (notes, reports) before a human reads it.

use std::borrow::Cow;

use crate::error::{Error, Result};

/// Whether `c` may not appear in a name or an identifier: Unicode general category
/// Cc (C0 and C1 controls, DEL: line feed, carriage return, escape…), the line and
/// paragraph separators U+2028 and U+2029, and the bidirectional embeddings,
/// overrides and isolates U+202A–U+202E and U+2066–U+2069 (Unicode UAX #9; the
/// "Trojan Source" attack, CVE-2021-42574).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Checks a name given at input (`what` says which, for the message: "the
/// dossier's name", "the establishment's name"…).
///
/// Errors: [`Error::Usage`] (exit 2) naming the first offending character by its
/// code point (never the name itself) when the name holds a character for which
/// [`is_unsafe`] is true.
pub fn check_name(what: &str, value: &str) -> Result<()> {
    match value.chars().find(|c| is_unsafe(*c)) {
        None => Ok(()),
        Some(c) => Err(Error::Usage(msg!(
            "holds-control-text-direction-character-u",
            what = what,
            u32 = c as u32
        ))),
    }
}

/// A stored name, identifier or other one-line value as it may be shown on one
/// line: every character for which [`is_unsafe`] is true is replaced by a visible
/// escape (`\n`, `\r`, `\t`, or `\u{XXXX}` with the code point in hexadecimal), and
/// a backslash is doubled, so the output cannot be mistaken for another value.
/// Borrowed when nothing needs escaping (no such character, no backslash).
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_with(s, false)
}

/// As [`escape`], but keeps line feeds and tabs: for text that is multi-line by
/// nature (a note's body, a report). Carriage returns, escape sequences, the line
/// and paragraph separators and the text-direction controls are still escaped;
/// backslashes are kept as they are.
pub fn escape_multiline(s: &str) -> Cow<'_, str> {
    escape_with(s, true)
}

fn escape_with(s: &str, keep_lines: bool) -> Cow<'_, str> {
    let kept = |c: char| keep_lines && (c == '\n' || c == '\t');
    let needs = |c: char| (is_unsafe(c) && !kept(c)) || (!keep_lines && c == '\\');
    if !s.chars().any(needs) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            _ if !needs(c) => out.push(c),
            // Doubled, so that "\\n" typed in a name never reads as an escaped break.
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_with_breaks_or_direction_controls_are_refused() {
        for bad in [
            "Marie\nd-0000000000  Faux",
            "a\rb",
            "a\tb",
            "esc\u{1b}[2J",
            "del\u{7f}",
            "c1\u{85}",
            "sep\u{2028}",
            "par\u{2029}",
            "rlo\u{202e}",
            "lre\u{202a}",
            "fsi\u{2068}",
            "pdi\u{2069}",
        ] {
            assert!(
                matches!(check_name("the name", bad), Err(Error::Usage(_))),
                "{bad:?}"
            );
        }
        for good in ["Lætitia Cœur", "Yıldız", "Jean-Marc d'Anjou", "محمد", "李"] {
            check_name("the name", good).unwrap();
        }
    }

    #[test]
    fn escape_shows_breaks_on_one_line() {
        assert_eq!(escape("Marie"), "Marie");
        assert!(matches!(escape("Marie"), Cow::Borrowed(_)));
        assert_eq!(escape("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(escape("x\u{202e}y\u{1b}"), "x\\u{202e}y\\u{001b}");
        assert_eq!(escape("a\\nb\nc"), "a\\\\nb\\nc");
        assert_ne!(escape("x\\n"), escape("x\n"));
        assert_eq!(escape_multiline("a\nb\tc\rd"), "a\nb\tc\\rd");
    }

    proptest! {
        #[test]
        fn prop_escaped_text_holds_no_unsafe_character(s in "\\PC*|[\\x00-\\x1f\\x7f\u{2028}\u{2029}\u{202a}-\u{202e}\u{2066}-\u{2069}a\\\\]{0,40}") {
            let e = escape(&s);
            prop_assert!(!e.chars().any(is_unsafe));
            prop_assert!(!e.contains('\n'));
            let m = escape_multiline(&s);
            prop_assert!(!m.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t'));
        }

        #[test]
        fn prop_escape_is_injective(a in "[a\\\\n\n]{0,8}", b in "[a\\\\n\n]{0,8}") {
            if a != b {
                prop_assert_ne!(escape(&a), escape(&b));
            }
        }
    }
}
