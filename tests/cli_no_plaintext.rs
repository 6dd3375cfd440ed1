//! Nothing personal is ever written in clear to the vault directory: unique
//! markers are used as the establishment name, staff names and passphrases, a
//! person's name and birth date, field values of several categories (given as
//! arguments, read from a file and from standard input, one large enough to go to
//! sled's blob files), a break-the-glass justification and a search query; refused
//! and failed commands carry markers too. Every byte of every file under the vault
//! is then searched for each marker (exact, lower case and hexadecimal), and no
//! marker may appear in the standard error of any command.

use crate::util;

use std::path::Path;

use util::{files_under, marker, Run, TestVault};

/// Runs commands and remembers them, to check every stderr at the end.
struct Recorder {
    runs: Vec<(String, Run)>,
}

impl Recorder {
    fn keep(&mut self, what: &str, r: Run) -> Run {
        self.runs.push((what.to_string(), r.clone()));
        r
    }
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The forms of a marker that must not appear on disk.
fn forms(m: &str) -> Vec<String> {
    vec![m.to_string(), m.to_lowercase(), hex(m)]
}

fn scan(dir: &Path, markers: &[(&str, String)]) -> Vec<String> {
    let files = files_under(dir);
    assert!(
        files.iter().any(|f| f.ends_with("audit.log"))
            && files.iter().any(|f| f.starts_with(dir.join("store"))),
        "the scan sees the audit log and the store: {files:?}"
    );
    let mut found = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        // Lossy decoding keeps every ASCII byte in place: ASCII markers are found
        // exactly, with std's fast substring search.
        let text = String::from_utf8_lossy(&bytes);
        for (what, m) in markers {
            for form in forms(m) {
                assert!(form.is_ascii());
                if text.contains(form.as_str()) {
                    found.push(format!("{what} ({form}) in {}", f.display()));
                }
            }
        }
    }
    found
}

#[test]
fn no_plaintext_reaches_the_disk_or_error_messages() {
    let establishment = marker("MKESTAB");
    let admin_name = marker("MKADMIN");
    let mut v = TestVault::init_with(
        &format!("Foyer {establishment}"),
        "dir.martin",
        &format!("Claire {admin_name}"),
    );
    let admin = v.admin.clone();
    let mut rec = Recorder { runs: Vec::new() };

    // Staff whose names and passphrases are markers.
    let med_name = marker("MKMEDNAME");
    let psy_name = marker("MKPSYNAME");
    let edu_name = marker("MKEDUNAME");
    let med_pass = marker("MKPASSMED");
    let staff: Vec<(&str, String, &str, String)> = vec![
        (
            "dr.leroy",
            format!("Dr {med_name}"),
            "medecin",
            med_pass.clone(),
        ),
        (
            "p.garnier",
            format!("Paul {psy_name}"),
            "psychologue",
            marker("MKPASSPSY"),
        ),
        (
            "p.dehors",
            "Pia Dehors".to_string(),
            "psychologue",
            marker("MKPASSPSY2"),
        ),
        (
            "e.petit",
            format!("Élise {edu_name}"),
            "educateur-specialise",
            marker("MKPASSEDU"),
        ),
        (
            "a.roux",
            "Amina Roux".to_string(),
            "assistant-social",
            marker("MKPASSAS"),
        ),
        (
            "dr.nuit",
            "Nora Nuit".to_string(),
            "medecin",
            marker("MKPASSNUIT"),
        ),
        (
            "dpo.lambert",
            "Hélène Lambert".to_string(),
            "dpo",
            marker("MKPASSDPO"),
        ),
    ];
    let recovery = v.recovery.to_str().unwrap().to_string();
    for (id, name, prof, pass) in &staff {
        let r = util::run_coffre(
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
                &recovery,
            ],
            &util::Opts {
                vault: Some(&v.dir),
                user: Some(&admin),
                pass: Some(v.pass(&admin)),
                new_pass: Some(pass),
                ..util::Opts::default()
            },
        );
        rec.keep("staff add", r).expect_code(0, "staff add");
        v.set_pass(id, pass);
    }

    // The person: name and birth date.
    let first = marker("MKFIRST");
    let last = marker("MKLAST");
    let birthdate = "1903-07-19";
    let r = v.as_user(
        "a.roux",
        &[
            "dossier",
            "create",
            "--name",
            &format!("{first} {last}"),
            "--birthdate",
            birthdate,
        ],
    );
    let d = rec.keep("dossier create", r).single_line();
    for m in ["dr.leroy", "p.garnier", "e.petit", &admin] {
        let r = v.as_user("a.roux", &["dossier", "team", "add", &d, m]);
        rec.keep("team add", r).expect_code(0, "team add");
    }

    // Field values: arguments, @FILE, @- and a large @FILE.
    let reason = marker("MKREASON");
    let contacts = marker("MKCONTACTS");
    let contacts_file = v.root.path().join("contacts.txt");
    std::fs::write(
        &contacts_file,
        format!("Mère : {contacts}\nPère : inconnu\n"),
    )
    .unwrap();
    let r = v.as_user(
        "a.roux",
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "admission",
            "--field",
            &format!("reason=Motif {reason} fin"),
            "--field",
            &format!("contacts=@{}", contacts_file.display()),
        ],
    );
    let adm = rec.keep("admission", r).single_line();

    let medical = marker("MKMEDICAL");
    let r = v.as_user_stdin(
        "dr.leroy",
        format!("Diagnostic : {medical}\n").as_bytes(),
        &[
            "entry", "add", &d, "--kind", "medical", "--field", "text=@-",
        ],
    );
    rec.keep("medical via stdin", r)
        .expect_code(0, "medical via stdin");

    let alerts = marker("MKALERTS");
    let r = v.as_user(
        "dr.leroy",
        &[
            "entry",
            "amend",
            &adm,
            "--field",
            &format!("alerts=Allergie {alerts}"),
        ],
    );
    rec.keep("amend", r).expect_code(0, "amend");

    let psy = marker("MKPSYNOTES");
    let r = v.as_user(
        "p.garnier",
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "psy-notes",
            "--field",
            &format!("text={psy}"),
        ],
    );
    rec.keep("psy-notes", r).expect_code(0, "psy-notes");

    let big = marker("MKBIG");
    let big_file = v.root.path().join("big.txt");
    std::fs::write(
        &big_file,
        format!(
            "{big}\n{}\n{big}\n",
            "Une longue transmission. ".repeat(12_000)
        ),
    )
    .unwrap();
    let r = v.as_user(
        "e.petit",
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "daily-life",
            "--field",
            &format!("text=@{}", big_file.display()),
        ],
    );
    rec.keep("large daily-life", r)
        .expect_code(0, "large value");

    // Break the glass, with a justification, from outside the team.
    let justification = marker("MKJUSTIF");
    let r = v.as_user(
        "dr.nuit",
        &[
            "dossier",
            "show",
            &d,
            "--break-glass",
            &format!("Urgence {justification}"),
        ],
    );
    rec.keep("break-glass", r).expect_code(0, "break-glass");

    // A search query is never recorded.
    let query = marker("MKQUERY");
    let r = v.as_user("a.roux", &["dossier", "find", &query]);
    rec.keep("find", r).expect_code(0, "find");

    // Refused and failed commands carrying markers.
    let fail: Vec<String> = (1..=8).map(|i| marker(&format!("MKFAIL{i}X"))).collect();
    let failing: Vec<(&str, Run, i32)> = vec![
        (
            "educateur writes medical",
            v.as_user(
                "e.petit",
                &[
                    "entry",
                    "add",
                    &d,
                    "--kind",
                    "medical",
                    "--field",
                    &format!("text={}", fail[0]),
                ],
            ),
            3,
        ),
        (
            "unknown field",
            v.as_user(
                "a.roux",
                &[
                    "entry",
                    "add",
                    &d,
                    "--kind",
                    "social",
                    "--field",
                    &format!("nofield={}", fail[1]),
                ],
            ),
            2,
        ),
        (
            "bad birthdate",
            v.as_user(
                "a.roux",
                &[
                    "dossier",
                    "create",
                    "--name",
                    &fail[2],
                    "--birthdate",
                    "2010-02-30",
                ],
            ),
            2,
        ),
        (
            "break-glass refused",
            v.as_user(
                "p.dehors",
                &["dossier", "show", &d, "--break-glass", &fail[3]],
            ),
            3,
        ),
        (
            "unknown profession",
            util::run_coffre(
                &[
                    "staff",
                    "add",
                    "--id",
                    "x.y",
                    "--name",
                    &fail[4],
                    "--profession",
                    "astronaute",
                ],
                &util::Opts {
                    vault: Some(&v.dir),
                    user: Some(&admin),
                    pass: Some(v.pass(&admin)),
                    new_pass: Some(&fail[5]),
                    ..util::Opts::default()
                },
            ),
            2,
        ),
        (
            "wrong passphrase",
            v.as_user_pass("dr.leroy", &fail[6], &["dossier", "show", &d]),
            4,
        ),
        (
            "educateur amends medical",
            v.as_user(
                "e.petit",
                &[
                    "entry",
                    "amend",
                    &adm,
                    "--field",
                    &format!("medical_context={}", fail[7]),
                ],
            ),
            3,
        ),
        (
            "name too long",
            v.as_user(
                "a.roux",
                &[
                    "dossier",
                    "create",
                    "--name",
                    &format!("{} {}", fail[2], "x".repeat(300)),
                    "--birthdate",
                    "2010-01-01",
                ],
            ),
            2,
        ),
    ];
    for (what, r, code) in failing {
        rec.keep(what, r).expect_code(code, what);
    }

    // Sanity: everything written is really there, readable by those entitled.
    let r = v.as_user("dr.leroy", &["dossier", "show", &d]);
    let shown = rec.keep("medecin reads", r);
    shown.expect_code(0, "medecin reads");
    for m in [
        &first, &last, &reason, &contacts, &medical, &alerts, &med_name,
    ] {
        assert!(
            shown.stdout.contains(m.as_str()),
            "{m} not readable back:\n{}",
            shown.stdout
        );
    }
    assert!(
        !shown.stdout.contains(&psy),
        "psy-notes are the psychologist's only"
    );
    let r = v.as_user("p.garnier", &["dossier", "show", &d]);
    let shown = rec.keep("psychologue reads", r);
    assert!(shown.stdout.contains(&psy));
    let r = v.as_user("e.petit", &["dossier", "show", &d, "--json"]);
    let shown = rec.keep("educateur reads", r);
    assert!(
        shown.stdout.matches(&big).count() == 2,
        "the large value is intact"
    );
    let r = v.as_user(&admin, &["staff", "list"]);
    let shown = rec.keep("staff list", r);
    for m in [&admin_name, &med_name, &psy_name, &edu_name] {
        assert!(
            shown.stdout.contains(m.as_str()),
            "staff name {m} not readable back"
        );
    }
    let r = v.as_user("dpo.lambert", &["audit", "log"]);
    let shown = rec.keep("audit log", r);
    assert!(
        shown.stdout.contains(&justification),
        "the dpo reads the justification"
    );
    assert!(
        !shown.stdout.contains(&query),
        "the search query is not in the audit"
    );

    // No marker in any error stream.
    let mut all: Vec<(&str, String)> = vec![
        ("establishment", establishment.clone()),
        ("admin name", admin_name.clone()),
        ("medecin name", med_name.clone()),
        ("psychologue name", psy_name.clone()),
        ("educateur name", edu_name.clone()),
        ("first name", first.clone()),
        ("last name", last.clone()),
        ("birthdate", birthdate.to_string()),
        ("reason (argument)", reason.clone()),
        ("contacts (@FILE)", contacts.clone()),
        ("medical (@-)", medical.clone()),
        ("alerts (amend)", alerts.clone()),
        ("psy-notes", psy.clone()),
        ("large value", big.clone()),
        ("justification", justification.clone()),
        ("search query", query.clone()),
    ];
    for (_, _, _, pass) in &staff {
        all.push(("staff passphrase", pass.clone()));
    }
    all.push(("director passphrase", v.pass(&admin).to_string()));
    for (i, f) in fail.iter().enumerate() {
        all.push((
            [
                "refused value",
                "refused field value",
                "rejected name",
                "refused justification",
                "rejected staff name",
                "rejected passphrase",
                "wrong passphrase",
                "refused amendment",
            ][i],
            f.clone(),
        ));
    }
    for (what, r) in &rec.runs {
        for (mwhat, m) in &all {
            assert!(
                !r.stderr.contains(m.as_str()) && !r.stderr.contains(&m.to_lowercase()),
                "stderr of '{what}' contains the {mwhat}:\n{}",
                r.stderr
            );
        }
    }

    // No marker anywhere on disk (no coffre process runs now).
    let found = scan(&v.dir, &all);
    assert!(
        found.is_empty(),
        "plaintext found on disk:\n{}",
        found.join("\n")
    );
}
