//! The words a user reads, checked: no message id of the catalog left raw, no
//! id of the policy (category, kind, field, profession), action, note or key
//! id, no ISO date, no command-line option on a web page, no telltale word or
//! phrase of the other language. Used by `words_everywhere` (every command and
//! page of a story) and `web_tasks` (what the browser shows of each daily
//! task).

use std::collections::BTreeSet;
use std::path::Path;

use fluent_syntax::ast;

/// The literal pieces of every message of a catalog (text between
/// placeables, in every variant of a selection), and its ids.
pub fn catalog(lang: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("i18n/{lang}/coffre.ftl"));
    let text = std::fs::read_to_string(path).unwrap();
    let res = fluent_syntax::parser::parse(text.as_str()).unwrap();
    fn walk(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
        for el in &p.elements {
            match el {
                ast::PatternElement::TextElement { value } => {
                    for line in value.lines() {
                        out.insert(line.trim().to_string());
                    }
                }
                ast::PatternElement::Placeable { expression } => {
                    if let ast::Expression::Select { variants, .. } = expression {
                        for v in variants {
                            walk(&v.value, out);
                        }
                    }
                }
            }
        }
    }
    let (mut pieces, mut ids) = (BTreeSet::new(), BTreeSet::new());
    for e in &res.body {
        if let ast::Entry::Message(m) = e {
            ids.insert(m.id.name.to_string());
            if let Some(v) = &m.value {
                walk(v, &mut pieces);
            }
        }
    }
    (pieces, ids)
}

/// Words of each language that are not words of the other, shown when the
/// wrong catalog, label or a raw id is used.
pub const ENGLISH_WORDS: &[&str] = &[
    "none",
    "read",
    "write",
    "author-only",
    "held",
    "not-entitled",
    "active",
    "revoked",
    "pending",
    "year",
    "years",
    "month",
    "months",
    "days",
    "approve",
    "the",
    "and",
    "of",
    "by",
    "is",
    "not",
    "refused",
    "denied",
    "failed",
    "Usage",
    "Commands",
    "Print",
    "help",
    "default",
    "values",
    "Specialised",
];
pub const FRENCH_WORDS: &[&str] = &[
    "le",
    "la",
    "les",
    "des",
    "du",
    "et",
    "est",
    "aucun",
    "aucune",
    "lecture",
    "écriture",
    "oui",
    "non",
    "conservé",
    "actif",
    "révoqué",
    "révoquée",
    "refusé",
    "pour",
    "dans",
    "avec",
    "ans",
    "mois",
    "jours",
    "clé",
    "clés",
];

/// The checks of one language.
pub struct Checks {
    /// What people typed in this story (names, note texts): theirs, in
    /// whatever language, taken out before looking.
    pub typed: Vec<String>,
    lang: &'static str,
    /// Message ids of the catalog.
    ids: BTreeSet<String>,
    /// Pieces of the other language's catalog and labels, not words of this one.
    pub foreign: Vec<String>,
    foreign_words: &'static [&'static str],
    /// Ids of the policy that have labels.
    policy_ids: BTreeSet<String>,
    /// What the establishment wrote in its policy in one language only (the
    /// information the person's export gives, retention rules): theirs, like
    /// what people typed.
    policy_texts: Vec<String>,
}

pub fn checks(lang: &'static str, typed: &[&str]) -> Checks {
    let other = if lang == "fr" { "en" } else { "fr" };
    let (ours, ids) = catalog(lang);
    let (theirs, _) = catalog(other);
    let policy = coffre::policy::parse(coffre::policy::DEFAULT_POLICY, "default.toml").unwrap();
    let (l_ours, l_theirs) = if lang == "fr" {
        (coffre::i18n::Lang::Fr, coffre::i18n::Lang::En)
    } else {
        (coffre::i18n::Lang::En, coffre::i18n::Lang::Fr)
    };
    let mut labels_ours = Vec::new();
    let mut labels_theirs = Vec::new();
    let mut policy_ids = BTreeSet::new();
    for c in policy.categories.keys() {
        labels_ours.push(policy.category_label(c, l_ours));
        labels_theirs.push(policy.category_label(c, l_theirs));
        policy_ids.insert(c.clone());
    }
    for p in policy.professions.keys() {
        labels_ours.push(policy.profession_label(p, l_ours));
        labels_theirs.push(policy.profession_label(p, l_theirs));
        policy_ids.insert(p.clone());
    }
    for k in policy.kinds.keys() {
        labels_ours.push(policy.kind_label(k, l_ours));
        labels_theirs.push(policy.kind_label(k, l_theirs));
        policy_ids.insert(k.clone());
    }
    for f in policy.field_labels.keys() {
        labels_ours.push(policy.field_label(f, l_ours));
        labels_theirs.push(policy.field_label(f, l_theirs));
        policy_ids.insert(f.clone());
    }
    let all_ours = ours
        .iter()
        .cloned()
        .chain(labels_ours)
        .collect::<Vec<_>>()
        .join("\n");
    let foreign = theirs
        .into_iter()
        .filter(|p| p.split_whitespace().count() >= 3 && p.chars().count() >= 16)
        .chain(labels_theirs.into_iter().filter(|l| l.chars().count() >= 8))
        .filter(|p| !all_ours.contains(p.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let info = &policy.information;
    let mut policy_texts: Vec<String> = info
        .purposes
        .iter()
        .chain(info.rights.iter())
        .chain([&info.source, &info.complaint, &info.dpo_contact])
        .cloned()
        .collect();
    for r in policy.retention.rules.values() {
        policy_texts.push(r.label.clone());
        policy_texts.push(r.source.clone());
    }
    Checks {
        typed: typed.iter().map(|t| t.to_string()).collect(),
        lang,
        ids,
        policy_texts,
        foreign,
        foreign_words: if lang == "fr" {
            ENGLISH_WORDS
        } else {
            FRENCH_WORDS
        },
        policy_ids,
    }
}

/// Words of a text: runs of letters, digits, `-`, `_`, `.` and `:` (so that
/// `cat:care`, `access.grant` and `e-0123…` are one word), trimmed of the
/// punctuation that ends a sentence.
pub fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || "-_.:·'’".contains(c)))
        .map(|w| {
            w.trim_start_matches(|c: char| ".:'’·".contains(c))
                .trim_end_matches(|c: char| ".:'’·-".contains(c))
        })
        .filter(|w| !w.is_empty())
        .collect()
}

pub fn is_iso_date(w: &str) -> bool {
    let b = w.as_bytes();
    w.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

pub fn is_hex_id(w: &str, prefix: &str) -> bool {
    w.strip_prefix(prefix)
        .is_some_and(|h| h.len() >= 10 && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Actions the audit log records (`access.grant`), file names aside.
pub fn is_action_id(w: &str) -> bool {
    let Some((a, b)) = w.split_once('.') else {
        return false;
    };
    const FILES: &[&str] = &[
        "html", "json", "txt", "age", "fr", "css", "toml", "log", "tar", "svg", "org", "com", "rs",
    ];
    a.len() >= 3
        && b.len() >= 3
        && !FILES.contains(&b)
        && !b.contains('.')
        && a.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        && b.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        && !a.starts_with("person") // a person's actor id is checked below
}

impl Checks {
    /// What is wrong in `raw`, read at `step` (`web …` for a page): one line
    /// per fault, none when all is well.
    pub fn problems(&self, step: &str, raw: &str) -> Vec<String> {
        let mut text = raw.to_string();
        for t in &self.typed {
            text = text.replace(t.as_str(), " ");
        }
        for t in &self.policy_texts {
            text = text.replace(t.as_str(), " ");
        }
        let web = step.starts_with("web ");
        // `policy show` and `policy explain` print ids beside labels (what one
        // types); a command's help names its options and their values.
        let ids_allowed = step.starts_with("coffre policy") || step.ends_with("--help");
        // The command names notes by id where one types it next (`entry
        // amend ID`, `entry history ID`, `audit log` for the DPO).
        let note_ids_allowed = [
            "coffre entry add",
            "coffre access note",
            "coffre entry amend",
            "coffre entry show",
            "coffre entry history",
            "coffre dossier show",
            "coffre dossier show --break-glass",
            "coffre audit log",
        ]
        .contains(&step);
        let mut out = Vec::new();
        let mut say = |what: String| out.push(format!("[{}] {step}: {what}", self.lang));
        for f in &self.foreign {
            if text.contains(f.as_str()) {
                say(format!("words of the other language {f:?}"));
            }
        }
        for w in words(&text) {
            if w.contains('-') && self.ids.contains(w) {
                say(format!("the message id {w} left raw"));
            }
            // Command names and values one types, in a command's help.
            let typed = ["help", "approve", "denied", "failed"];
            if self.foreign_words.contains(&w) && !(ids_allowed && typed.contains(&w)) {
                say(format!("the word {w:?} of the other language"));
            }
            if is_iso_date(w) {
                say(format!("an ISO date {w}"));
            }
            if is_hex_id(w, "e-") && !note_ids_allowed {
                say(format!("a note named by its id {w}"));
            }
            if w.starts_with("person.d-") {
                say(format!("the person named by an id {w}"));
            }
            if w.starts_with("cat:") {
                say(format!("a key named by its id {w}"));
            }
            if is_action_id(w) && !ids_allowed {
                say(format!("an action id {w}"));
            }
            if !ids_allowed && (w.contains('-') || w.contains('_')) && self.policy_ids.contains(w) {
                say(format!("the policy id {w}"));
            }
        }
        if web {
            for (i, _) in text.match_indices("--") {
                let opt: String = text[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                    .collect();
                if opt.len() > 3 {
                    say(format!("a command-line option {opt} on a web page"));
                }
            }
        }
        // Times to the second and ISO times are the log's, not people's.
        if text.contains("T0") || text.contains("T1") || text.contains("T2") {
            for w in words(&text) {
                if w.len() >= 16 && is_iso_date(w) {
                    say(format!("an ISO time {w}"));
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}
