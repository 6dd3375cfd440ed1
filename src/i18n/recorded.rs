//! Sentences recorded in English in the audit log (refusal reasons, the outcome
//! of a verification), shown in the reader's language: each is recognised as the
//! rendering of an English catalog message, whose arguments are read back and the
//! same message rendered in the reader's language (with labels in place of ids). A text no message explains is
//! shown as it was recorded.

use std::sync::OnceLock;

use fluent_syntax::ast;

use super::{text_args, Catalogs, Lang};
use crate::error::Arg;

enum Piece {
    Lit(String),
    Var(String),
}

struct Pattern {
    id: String,
    pieces: Vec<Piece>,
    literal_len: usize,
}

fn english_patterns() -> &'static [Pattern] {
    static PATTERNS: OnceLock<Vec<Pattern>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let Some(file) = Catalogs::get("en/coffre.ftl") else {
            return Vec::new();
        };
        let Ok(text) = std::str::from_utf8(&file.data) else {
            return Vec::new();
        };
        let Ok(res) = fluent_syntax::parser::parse(text) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        'messages: for e in &res.body {
            let ast::Entry::Message(m) = e else { continue };
            let Some(v) = &m.value else { continue };
            let mut pieces = Vec::new();
            for el in &v.elements {
                match el {
                    ast::PatternElement::TextElement { value } => {
                        pieces.push(Piece::Lit(value.to_string()))
                    }
                    ast::PatternElement::Placeable {
                        expression:
                            ast::Expression::Inline(ast::InlineExpression::VariableReference { id }),
                    } => pieces.push(Piece::Var(id.name.to_string())),
                    // Selections and other placeables: not matched back.
                    _ => continue 'messages,
                }
            }
            let literal_len = pieces
                .iter()
                .map(|p| match p {
                    Piece::Lit(s) => s.len(),
                    Piece::Var(_) => 0,
                })
                .sum();
            // A message that is only a variable would match anything.
            if literal_len >= 8 {
                out.push(Pattern {
                    id: m.id.name.to_string(),
                    pieces,
                    literal_len,
                });
            }
        }
        out
    })
}

/// Matches `text` against `pieces`, filling `caps` (non-empty captures).
fn matches<'t>(pieces: &[Piece], text: &'t str, caps: &mut Vec<(String, &'t str)>) -> bool {
    match pieces.split_first() {
        None => text.is_empty(),
        Some((Piece::Lit(l), rest)) => {
            text.starts_with(l.as_str()) && matches(rest, &text[l.len()..], caps)
        }
        Some((Piece::Var(name), rest)) => {
            // Shortest capture first, growing until the rest matches.
            for (i, _) in text
                .char_indices()
                .skip(1)
                .chain(std::iter::once((text.len(), ' ')))
            {
                let before = caps.len();
                if matches(rest, &text[i..], caps) {
                    caps.insert(before, (name.clone(), &text[..i]));
                    return true;
                }
                caps.truncate(before);
            }
            false
        }
    }
}

/// `text`, recorded in English, in `lang`.
pub fn recorded(text: &str, lang: Lang) -> String {
    translate(text, lang, 0)
}

fn translate(text: &str, lang: Lang, depth: u8) -> String {
    if depth > 2 || text.is_empty() {
        return text.to_string();
    }
    let mut best: Option<(&Pattern, Vec<(String, &str)>)> = None;
    for p in english_patterns() {
        if best
            .as_ref()
            .is_some_and(|(b, _)| b.literal_len >= p.literal_len)
        {
            continue;
        }
        let mut caps = Vec::new();
        if matches(&p.pieces, text, &mut caps) {
            best = Some((p, caps));
        }
    }
    let Some((p, caps)) = best else {
        return key_labels(text, lang);
    };
    // A refusal recorded with the command line's hint is read without it:
    // the reader is not the one who was refused, and may be on a web page.
    let id = match p.id.as_str() {
        "you-care-team-dossier-break-glass" => "you-care-team-dossier",
        other => other,
    };
    let args: Vec<(&str, Arg)> = caps
        .iter()
        .map(|(n, v)| {
            let arg = match v.parse::<i64>() {
                Ok(n) => Arg::Number(n),
                Err(_) if v.parse::<jiff::Timestamp>().is_ok() => {
                    Arg::Text(super::written_time(lang, v, &super::zone()))
                }
                Err(_) => Arg::Text(
                    super::relabel(v, lang)
                        .unwrap_or_else(|| key_labels(&translate(v, lang, depth + 1), lang)),
                ),
            };
            (n.as_str(), arg)
        })
        .collect();
    text_args(lang, id, &args)
}

/// Key names of categories (`cat:medical`) in a list, replaced by the
/// category's label when the policy is known.
fn key_labels(text: &str, lang: Lang) -> String {
    text.split(", ")
        .map(|k| match (k, k.strip_prefix("cat:")) {
            (_, Some(c)) => super::label_of("category", c, lang).unwrap_or_else(|| k.to_string()),
            ("directory", _) => super::text(lang, "key-name-directory"),
            ("index", _) => super::text(lang, "key-name-index"),
            ("audit", _) => super::text(lang, "key-name-audit"),
            _ => k.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_passkey_is_read_back_in_french() {
        assert_eq!(recorded("passkey refused", Lang::Fr), "clé d'accès refusée");
        assert_eq!(
            recorded("passkey counter went back", Lang::Fr),
            "compteur de la clé d'accès revenu en arrière (une copie de la clé ?)"
        );
    }

    #[test]
    fn an_english_reason_is_read_back_in_french() {
        let fr = recorded("you are not in the care team of dossier d-1234", Lang::Fr);
        assert_eq!(
            fr,
            "vous ne faites pas partie de l'équipe pluridisciplinaire du dossier d-1234"
        );
        assert_eq!(
            recorded("something else entirely", Lang::Fr),
            "something else entirely"
        );
        assert_eq!(recorded("wrong passphrase", Lang::En), "wrong passphrase");
        assert_eq!(
            recorded("wrong passphrase", Lang::Fr),
            "phrase de passe incorrecte"
        );
    }
}
