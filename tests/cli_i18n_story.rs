//! The story of an establishment, told once in French and once in English: init,
//! staff, a dossier and its care team, entries, reads by each profession, a
//! refusal, a break-the-glass access, a wrong passphrase, the audit verified and
//! reported to the DPO, the person's export. In French nothing of the English
//! catalog is printed, nor the other way round, and no raw category or field id
//! appears where the policy gives a label.

use crate::util;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use fluent_syntax::ast;
use util::{run_coffre, Opts, Run};

/// The literal pieces of every message of a catalog (text between placeables,
/// in every variant of a selection).
fn pieces(lang: &str) -> BTreeSet<String> {
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
    let mut out = BTreeSet::new();
    for e in &res.body {
        if let ast::Entry::Message(m) = e {
            if let Some(v) = &m.value {
                walk(v, &mut out);
            }
        }
    }
    out
}

/// The pieces of `lang`'s catalog that say something (three words or more) and
/// are not also words of `other`'s catalog.
fn telltales(lang: &str, other: &str) -> Vec<String> {
    let theirs = pieces(other);
    let all_other: String = theirs.iter().cloned().collect::<Vec<_>>().join("\n");
    pieces(lang)
        .into_iter()
        .filter(|p| p.split_whitespace().count() >= 3 && p.chars().count() >= 16)
        .filter(|p| !all_other.contains(p.as_str()))
        .collect()
}

/// Ids of the default policy that have a label and must never be shown raw in
/// what people read (the distinctive ones: field names with '_', category ids
/// with '-', and category ids in brackets as fields were once shown).
const RAW_IDS: &[&str] = &[
    "medical_context",
    "care-alerts",
    "daily-life",
    "psy-synthesis",
    "psy-notes",
    "third-party",
    "[medical]",
    "[social]",
    "[identity]",
    "[educational]",
    "educateur-specialise",
    "aide-soignant",
];

struct Story {
    _root: tempfile::TempDir,
    dir: PathBuf,
    recovery: PathBuf,
    lang: &'static str,
    /// What people read: every command's standard output and error, by step.
    said: Vec<(String, String)>,
}

impl Story {
    fn run(
        &mut self,
        step: &str,
        user: Option<&str>,
        pass: Option<&str>,
        new: Option<&str>,
        args: &[&str],
    ) -> Run {
        let mut full = vec!["--lang", self.lang];
        full.extend_from_slice(args);
        let r = run_coffre(
            &full,
            &Opts {
                vault: Some(&self.dir),
                user,
                pass,
                new_pass: new,
                ..Opts::default()
            },
        );
        self.said
            .push((step.to_string(), format!("{}\n{}", r.stdout, r.stderr)));
        r
    }

    fn as_user(&mut self, step: &str, user: &str, args: &[&str]) -> Run {
        let pass = format!("{user}-passphrase");
        self.run(step, Some(user), Some(&pass), None, args)
    }
}

fn story(lang: &'static str) -> Story {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("vault");
    let recovery = root.path().join("recovery.txt");
    let mut s = Story {
        dir,
        recovery: recovery.clone(),
        _root: root,
        lang,
        said: Vec::new(),
    };
    let rk = recovery.to_str().unwrap().to_string();
    s.run(
        "init",
        None,
        None,
        Some("dir-passphrase"),
        &[
            "init",
            "--establishment",
            "IME Les Tilleuls",
            "--admin-id",
            "dir",
            "--admin-name",
            "Claire Directrice",
            "--recovery-out",
            &rk,
            "--insecure-fast-kdf",
        ],
    )
    .expect_code(0, "init");
    for (id, name, prof) in [
        ("med", "Paul Médecin", "medecin"),
        ("med2", "Nina Garde", "medecin"),
        ("inf", "Ines Infirmière", "infirmier"),
        ("educ", "Eric Éducateur", "educateur-specialise"),
        ("as", "Alice Sociale", "assistant-social"),
        ("dpo", "Denis Délégué", "dpo"),
    ] {
        let pass = format!("{id}-passphrase");
        s.run(
            "staff add",
            Some("dir"),
            Some("dir-passphrase"),
            Some(&pass),
            &[
                "staff",
                "add",
                "--id",
                id,
                "--name",
                name,
                "--profession",
                prof,
                "--recovery-key",
                &rk,
            ],
        )
        .expect_code(0, "staff add");
    }
    let d = s
        .as_user(
            "dossier create",
            "as",
            &[
                "dossier",
                "create",
                "--name",
                "Lucas Martin",
                "--birthdate",
                "2012-04-03",
            ],
        )
        .ok("dossier create")
        .trim()
        .to_string();
    for m in ["med", "inf", "educ"] {
        s.as_user("team add", "as", &["dossier", "team", "add", &d, m])
            .expect_code(0, "team add");
    }
    let e1 = s
        .as_user(
            "entry add admission",
            "as",
            &[
                "entry",
                "add",
                &d,
                "--kind",
                "admission",
                "--field",
                "reason=Accueil temporaire",
                "--field",
                "contacts=Mère",
            ],
        )
        .ok("admission")
        .trim()
        .to_string();
    s.as_user(
        "entry amend",
        "med",
        &[
            "entry",
            "amend",
            &e1,
            "--field",
            "medical_context=Epilepsie suivie",
            "--field",
            "alerts=Allergie pénicilline",
        ],
    )
    .expect_code(0, "amend");
    s.as_user(
        "entry add educational",
        "educ",
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "educational",
            "--field",
            "text=Bonne journée en atelier",
        ],
    )
    .expect_code(0, "educational");
    s.as_user(
        "entry add daily-life",
        "inf",
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "daily-life",
            "--field",
            "text=Nuit calme",
        ],
    )
    .expect_code(0, "daily-life");
    // Reads by each profession.
    for u in ["med", "inf", "educ", "as"] {
        s.as_user("dossier show", u, &["dossier", "show", &d])
            .expect_code(0, "read");
    }
    s.as_user("entry show", "educ", &["entry", "show", &e1])
        .expect_code(0, "entry show");
    s.as_user("entry history", "med", &["entry", "history", &e1])
        .expect_code(0, "history");
    // A refusal: the other doctor is not in the care team.
    s.as_user("refusal", "med2", &["dossier", "show", &d])
        .expect_code(3, "refusal");
    // Break the glass.
    s.as_user(
        "break-glass",
        "med2",
        &[
            "dossier",
            "show",
            &d,
            "--break-glass",
            "Crise nocturne, médecin d'astreinte",
        ],
    )
    .expect_code(0, "break-glass");
    // A wrong passphrase.
    s.run(
        "wrong passphrase",
        Some("educ"),
        Some("not-the-passphrase"),
        None,
        &["dossier", "list"],
    )
    .expect_code(4, "wrong passphrase");
    s.run("policy show", None, None, None, &["policy", "show"])
        .expect_code(0, "policy show");
    // The DPO's side.
    s.run("audit verify", None, None, None, &["audit", "verify"])
        .expect_code(0, "verify");
    s.as_user("audit history", "dpo", &["audit", "history", &d])
        .expect_code(0, "history");
    s.as_user("audit report", "dpo", &["audit", "report"])
        .expect_code(0, "report");
    s.as_user(
        "audit report html",
        "dpo",
        &["audit", "report", "--format", "html"],
    )
    .expect_code(0, "report html");
    // The person's export.
    let out = s.dir.parent().unwrap().join("export.age");
    let out = out.to_str().unwrap().to_string();
    s.run(
        "export",
        Some("dir"),
        Some("dir-passphrase"),
        Some("export-passphrase-long enough 2026!"),
        &[
            "access",
            "export",
            &d,
            "--out",
            &out,
            "--passphrase",
            "--recovery-key",
            &rk,
        ],
    )
    .expect_code(0, "export");
    // What the person reads: report.html inside the encrypted export.
    let html = report_html(Path::new(&out), "export-passphrase-long enough 2026!");
    s.said.push(("export report.html".into(), html));
    // The command line's own words: a mistyped command and a command's help.
    s.run("usage error", None, None, None, &["retention", "lis"])
        .expect_code(2, "a mistyped command");
    s.run("staff --help", None, None, None, &["staff", "--help"])
        .expect_code(0, "help");
    s
}

/// The report.html of an export encrypted with `passphrase`.
fn report_html(file: &Path, passphrase: &str) -> String {
    let f = std::fs::File::open(file).unwrap();
    let d = age::Decryptor::new_buffered(std::io::BufReader::new(f)).unwrap();
    let id = age::scrypt::Identity::new(secrecy::SecretString::from(passphrase.to_string()));
    let r = d
        .decrypt(std::iter::once(&id as &dyn age::Identity))
        .unwrap();
    let mut tar = tar::Archive::new(r);
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().ends_with("report.html") {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut e, &mut s).unwrap();
            return s;
        }
    }
    panic!("no report.html in the export");
}

fn check(lang: &'static str, other: &'static str) {
    let s = story(lang);
    let foreign = telltales(other, lang);
    assert!(foreign.len() > 50, "too few telltales: {}", foreign.len());
    let mut problems = Vec::new();
    for (step, text) in &s.said {
        for t in &foreign {
            if text.contains(t.as_str()) {
                problems.push(format!("[{lang}] {step}: prints the {other} words {t:?}"));
            }
        }
        // `policy show` lists ids beside labels: they are what users type.
        for id in RAW_IDS.iter().filter(|_| step != "policy show") {
            if text.contains(id) {
                problems.push(format!("[{lang}] {step}: shows the raw id {id}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n\n{:#?}",
        problems.join("\n"),
        s.said
    );
    let _ = &s.recovery;
}

#[test]
fn the_story_in_french_speaks_only_french_and_shows_labels() {
    check("fr", "en");
}

#[test]
fn the_story_in_english_speaks_only_english_and_shows_labels() {
    check("en", "fr");
}

#[test]
fn the_french_story_reads_labels_and_french_dates() {
    let s = story("fr");
    let shown: String = s
        .said
        .iter()
        .filter(|(step, _)| step == "dossier show")
        .map(|(_, t)| t.as_str())
        .collect();
    assert!(shown.contains("Contexte médical"), "{shown}");
    let said = |name: &str| -> String {
        s.said
            .iter()
            .filter(|(step, _)| step == name)
            .map(|(_, t)| t.clone())
            .collect()
    };
    let usage = said("usage error");
    assert!(usage.contains("commande inconnue : lis"), "{usage}");
    let help = said("staff --help");
    assert!(
        help.contains("Utilisation\u{a0}:") && help.contains("Afficher l'aide"),
        "{help}"
    );
    assert!(shown.contains("Informations médicales"), "{shown}");
    let history: String = s
        .said
        .iter()
        .filter(|(step, _)| step == "audit history")
        .map(|(_, t)| t.as_str())
        .collect();
    assert!(history.contains(" à "), "a French date: {history}");
    assert!(history.contains("Médecin"), "{history}");
    let export: String = s
        .said
        .iter()
        .filter(|(step, _)| step == "export report.html")
        .map(|(_, t)| t.as_str())
        .collect();
    assert!(
        export.contains("Contexte médical"),
        "the export names fields by their label"
    );
    assert!(export.contains("<html lang=\"fr\">"), "{export}");
}
