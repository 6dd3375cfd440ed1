//! Error handling of the command line: usage errors (exit 2), authentication
//! failures (exit 4), a missing vault and a busy vault (exit 1, clear message),
//! policy files with a problem (exit 1, file and line named), and `policy show
//! --json`. No command may panic (the helper checks every stderr).

use crate::util;

use std::path::Path;

use util::{run_coffre, Opts, TestVault};

/// A vault with a director (who creates a dossier, so is in its team) and a dpo.
fn setup() -> (TestVault, String) {
    let mut v = TestVault::new();
    v.add_staff("dpo.lambert", "Hélène Lambert", "dpo", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    (v, d)
}

#[test]
fn usage_errors_exit_2() {
    let (v, d) = setup();
    let admin = v.admin.clone();
    let a = |args: &[&str]| v.as_user(&admin, args);

    // Missing arguments (clap).
    a(&["dossier", "create", "--name", "Jeanne Exemple"]).expect_code(2, "no birthdate");
    a(&["entry", "add", &d, "--kind", "identity"]).expect_code(2, "no --field");
    a(&["dossier", "show"]).expect_code(2, "no dossier id");
    a(&["dossier", "frobnicate"]).expect_code(2, "unknown subcommand");
    run_coffre(
        &[
            "init",
            "--admin-id",
            "x",
            "--admin-name",
            "X",
            "--insecure-fast-kdf",
        ],
        &Opts {
            vault: Some(&v.root.path().join("other")),
            new_pass: Some("some-passphrase"),
            ..Opts::default()
        },
    )
    .expect_code(2, "init without --establishment");
    assert!(
        !v.root.path().join("other").exists(),
        "no vault made by a bad init"
    );
    // No user given.
    v.anon(&["dossier", "list"]).expect_code(2, "no --user");

    // Bad --field syntax.
    let r = a(&["entry", "add", &d, "--kind", "identity", "--field", "text"]);
    r.expect_code(2, "--field without '='");
    assert!(r.stderr.contains("NAME=VALUE"), "{}", r.stderr);

    // Unknown kind, unknown field of a kind, a field twice.
    let r = a(&["entry", "add", &d, "--kind", "recette", "--field", "text=x"]);
    r.expect_code(2, "unknown kind");
    assert!(
        r.stderr.contains("recette"),
        "the message names the kind: {}",
        r.stderr
    );
    let r = a(&[
        "entry",
        "add",
        &d,
        "--kind",
        "identity",
        "--field",
        "couleur=x",
    ]);
    r.expect_code(2, "unknown field");
    assert!(
        r.stderr.contains("couleur"),
        "the message names the field: {}",
        r.stderr
    );
    a(&[
        "entry", "add", &d, "--kind", "identity", "--field", "text=a", "--field", "text=b",
    ])
    .expect_code(2, "a field given twice");
    a(&[
        "entry", "add", &d, "--kind", "identity", "--field", "text=@-", "--field", "text=@-",
    ])
    .expect_code(2, "two fields from stdin");

    // Bad birth dates (`03/02/2010`, as written in France, is a good one; a
    // year of two digits is refused: its century is not sure).
    for bad in [
        "2010-02-30",
        "2010-2-03",
        "03/02/10",
        "31/02/2010",
        "2010-13-01",
        "",
        "hier",
    ] {
        let r = a(&[
            "dossier",
            "create",
            "--name",
            "Jeanne Exemple",
            "--birthdate",
            bad,
        ]);
        r.expect_code(2, &format!("birthdate {bad:?}"));
        assert!(
            r.stderr.contains("YYYY-MM-DD")
                || r.stderr.contains("birth")
                || r.stderr.contains("four digits"),
            "the message says what is wrong: {}",
            r.stderr
        );
    }
    a(&[
        "dossier",
        "create",
        "--name",
        "   ",
        "--birthdate",
        "2010-01-01",
    ])
    .expect_code(2, "blank name");

    // Bad staff ids.
    for bad in ["A/B", "a/b", "Marie", ""] {
        let r = run_coffre(
            &[
                "staff",
                "add",
                "--id",
                bad,
                "--name",
                "X Y",
                "--profession",
                "medecin",
            ],
            &Opts {
                vault: Some(&v.dir),
                user: Some(&admin),
                pass: Some(v.pass(&admin)),
                new_pass: Some("another-passphrase"),
                ..Opts::default()
            },
        );
        r.expect_code(2, &format!("staff id {bad:?}"));
    }
    // Bad dossier id (could reach the store's key space).
    a(&["dossier", "show", "../d-x"]).expect_code(2, "dossier id with a slash");
    // Bad outcome filter.
    v.as_user("dpo.lambert", &["audit", "log", "--outcome", "perhaps"])
        .expect_code(2, "unknown outcome");
    // Empty break-glass justification.
    a(&["dossier", "show", &d, "--break-glass", "  "]).expect_code(2, "empty justification");

    // None of the rejected requests left anything behind.
    let shown = a(&["dossier", "show", &d, "--json"]);
    shown.expect_code(0, "dossier show");
    assert_eq!(
        shown.json()["entries"],
        serde_json::json!([]),
        "no entry was created"
    );
    let list = a(&["dossier", "list", "--json"]);
    list.expect_code(0, "dossier list");
    assert_eq!(
        list.json().as_array().unwrap().len(),
        1,
        "no dossier was created"
    );
    let staff = a(&["staff", "list", "--json"]);
    assert_eq!(
        staff.json().as_array().unwrap().len(),
        2,
        "no staff was added"
    );
}

#[test]
fn unknown_user_and_wrong_passphrase_exit_4() {
    let (v, _d) = setup();
    let r = v.as_user_pass("nobody", "whatever-passphrase", &["dossier", "list"]);
    r.expect_code(4, "unknown user");
    assert!(r.stderr.contains("nobody"), "{}", r.stderr);
    let r = v.as_user_pass(&v.admin.clone(), "wrong-passphrase", &["dossier", "list"]);
    r.expect_code(4, "wrong passphrase");
    assert!(r.stdout.is_empty(), "nothing printed: {}", r.stdout);
    // Both attempts are audited as failed unlocks.
    let failed = v.audit_log("dpo.lambert", &["--outcome", "failed"]);
    for who in ["nobody", v.admin.as_str()] {
        assert!(
            failed
                .iter()
                .any(|e| e["actor"] == who && e["action"] == "unlock"),
            "failed unlock of {who} audited: {failed:?}"
        );
    }
}

#[test]
fn missing_vault_is_a_clear_error() {
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("nowhere");
    let opts = Opts {
        vault: Some(&missing),
        user: Some("dir.martin"),
        pass: Some("dir.martin-passphrase"),
        ..Opts::default()
    };
    for args in [&["dossier", "list"][..], &["audit", "verify"][..]] {
        let r = run_coffre(args, &opts);
        r.expect_code(1, &format!("{args:?} without a vault"));
        assert!(r.stderr.contains("vault"), "{}", r.stderr);
        assert!(
            r.stderr.contains(&missing.display().to_string()),
            "the message names the directory: {}",
            r.stderr
        );
    }
    assert!(!missing.exists(), "looking for a vault does not create one");
    // An existing but empty directory is no vault either.
    let empty = root.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let r = run_coffre(
        &["dossier", "list"],
        &Opts {
            vault: Some(&empty),
            ..opts.clone()
        },
    );
    r.expect_code(1, "empty directory");
    assert!(r.stderr.contains("vault"), "{}", r.stderr);
}

fn default_policy_text() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/default.toml");
    std::fs::read_to_string(p).expect("policies/default.toml")
}

/// Replaces the `read = [...]` line of `profession` with `new_read` (may span lines).
/// Returns the text and the offset where the replacement starts.
fn with_read_list(text: &str, profession: &str, new_read: &str) -> (String, usize) {
    let section = text
        .find(&format!("[professions.{profession}]"))
        .unwrap_or_else(|| panic!("no profession {profession}"));
    let start = section + text[section..].find("read = [").expect("read list");
    let end = start + text[start..].find('\n').expect("end of line");
    let mut out = String::from(&text[..start]);
    out.push_str(new_read);
    out.push_str(&text[end..]);
    (out, start)
}

fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in text"));
    text[..at].matches('\n').count() + 1
}

fn check_policy(file: &Path) -> util::Run {
    run_coffre(
        &["policy", "check", file.to_str().unwrap()],
        &Opts::default(),
    )
}

#[test]
fn policy_check_reports_file_and_line() {
    let root = tempfile::tempdir().unwrap();
    let text = default_policy_text();

    // The shipped policy is valid.
    let good = root.path().join("default-copy.toml");
    std::fs::write(&good, &text).unwrap();
    let r = check_policy(&good);
    r.expect_code(0, "default policy");
    assert!(r.stdout.contains("valid"), "{}", r.stdout);

    // An unknown category in a profession's read list, on one line.
    let (bad, _) = with_read_list(
        &text,
        "infirmier",
        r#"read = ["identity", "educational", "medicale", "psy-synthesis"]"#,
    );
    let line = line_of(&bad, "\"medicale\"");
    assert!(line > 20, "the error is deep in the file (line {line})");
    let file = root.path().join("bad-category.toml");
    std::fs::write(&file, &bad).unwrap();
    let r = check_policy(&file);
    r.expect_code(1, "unknown category");
    assert!(
        r.stderr.contains("bad-category.toml"),
        "file named: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!("bad-category.toml:{line}:")),
        "line {line} named: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("medicale"),
        "category named: {}",
        r.stderr
    );

    // The same across several lines: the line of the bad item itself.
    let (bad, _) = with_read_list(
        &text,
        "medecin",
        "read = [\n  \"identity\",\n  \"social\",\n  \"sociale\",\n  \"justice\",\n]",
    );
    let line = line_of(&bad, "\"sociale\"");
    let file = root.path().join("multi-line.toml");
    std::fs::write(&file, &bad).unwrap();
    let r = check_policy(&file);
    r.expect_code(1, "unknown category, multi-line list");
    assert!(
        r.stderr.contains(&format!("multi-line.toml:{line}:")),
        "line {line} named: {}",
        r.stderr
    );

    // A TOML syntax error.
    let mut lines: Vec<&str> = text.lines().collect();
    let at = lines.len() / 2;
    lines.insert(at, "[professions.broken");
    let file = root.path().join("syntax.toml");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let r = check_policy(&file);
    r.expect_code(1, "syntax error");
    assert!(
        r.stderr.contains(&format!("syntax.toml:{}:", at + 1)),
        "line {} named: {}",
        at + 1,
        r.stderr
    );

    // A missing file.
    let r = check_policy(&root.path().join("absent.toml"));
    r.expect_code(1, "missing policy file");
    assert!(r.stderr.contains("absent.toml"), "{}", r.stderr);
}

#[test]
fn policy_show_json() {
    let root = tempfile::tempdir().unwrap();
    // Without a vault: the shipped default.
    let r = run_coffre(
        &["policy", "show", "--json"],
        &Opts {
            vault: Some(&root.path().join("none")),
            ..Opts::default()
        },
    );
    r.expect_code(0, "policy show without a vault");
    let p = r.json();
    let med = &p["professions"]["medecin"];
    assert!(med.is_object(), "professions.medecin: {p}");
    let has = |v: &serde_json::Value, s: &str| v.as_array().unwrap().iter().any(|x| x == s);
    assert!(
        has(&med["write"], "medical"),
        "a medecin writes medical: {med}"
    );
    assert!(has(&med["can"], "break-glass"), "{med}");
    assert!(!has(
        &p["professions"]["educateur-specialise"]["read"],
        "medical"
    ));
    assert_eq!(
        p["kinds"]["admission"]["fields"]["medical_context"],
        "medical"
    );
    assert_eq!(p["categories"]["psy-notes"]["author_only"], true);

    // With a vault: the vault's copy (the same default here).
    let v = TestVault::new();
    let r = v.anon(&["policy", "show", "--json"]);
    r.expect_code(0, "policy show in a vault");
    assert_eq!(
        r.json(),
        p,
        "the vault keeps the policy it was created with"
    );
    // The text form names the professions too.
    let r = v.anon(&["policy", "show"]);
    r.expect_code(0, "policy show text");
    assert!(r.stdout.contains("medecin") && r.stdout.contains("admission"));
}

#[test]
fn busy_vault_is_reported_not_panicking() {
    let (v, d) = setup();
    let admin = v.admin.clone();
    {
        let _held = coffre::Vault::open(&v.dir).expect("open the vault in the test process");
        for args in [
            &["dossier", "show", d.as_str()][..],
            &["dossier", "list"][..],
            &[
                "entry",
                "add",
                d.as_str(),
                "--kind",
                "identity",
                "--field",
                "text=x",
            ][..],
        ] {
            let r = v.as_user(&admin, args);
            r.expect_code(1, &format!("{args:?} while the vault is held"));
            assert!(r.stderr.contains("another"), "{}", r.stderr);
        }
        let r = v.verify();
        r.expect_code(1, "audit verify while the vault is held");
        assert!(r.stderr.contains("another"), "{}", r.stderr);
    }
    // Released: everything works again, and the refused write did not happen.
    let r = v.as_user(&admin, &["dossier", "show", &d, "--json"]);
    r.expect_code(0, "after release");
    assert_eq!(r.json()["entries"], serde_json::json!([]));
    v.verify().expect_code(0, "audit verify after release");
}

#[test]
fn global_options_anywhere_and_from_the_environment() {
    let (v, d) = setup();
    let admin = v.admin.clone();
    let vault = v.dir.to_str().unwrap().to_string();
    let pass = v.pass(&admin).to_string();
    let only_pass = Opts {
        pass: Some(&pass),
        ..Opts::default()
    };
    let lists = |r: &util::Run| -> bool {
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == d.as_str())
    };
    for args in [
        vec![
            "--vault", &vault, "--user", &admin, "--json", "dossier", "list",
        ],
        vec![
            "dossier", "list", "--vault", &vault, "--user", &admin, "--json",
        ],
        vec![
            "dossier", "--json", "--user", &admin, "list", "--vault", &vault,
        ],
    ] {
        let r = run_coffre(&args, &only_pass);
        r.expect_code(0, &format!("{args:?}"));
        assert!(lists(&r), "{args:?} lists the dossier: {}", r.stdout);
    }
    // The options win over the environment.
    let elsewhere = v.root.path().join("elsewhere");
    let r = run_coffre(
        &[
            "--vault", &vault, "--user", &admin, "dossier", "list", "--json",
        ],
        &Opts {
            vault: Some(&elsewhere),
            user: Some("someone.else"),
            pass: Some(&pass),
            ..Opts::default()
        },
    );
    r.expect_code(0, "options over environment");
    assert!(lists(&r));
}

#[test]
fn init_defaults_and_recovery_file() {
    let v = TestVault::new();
    let key = std::fs::read_to_string(&v.recovery).unwrap();
    assert!(
        key.lines().any(|l| l.starts_with("AGE-SECRET-KEY-1")),
        "the recovery file holds an age identity"
    );
    let staff = v.as_user(&v.admin.clone(), &["staff", "list", "--json"]);
    staff.expect_code(0, "staff list");
    let staff = staff.json();
    assert_eq!(staff[0]["id"], v.admin.as_str());
    assert_eq!(
        staff[0]["profession"], "directeur",
        "the default admin profession"
    );
    // A second init in the same place is refused and changes nothing.
    let before = std::fs::read(v.audit_path()).unwrap();
    let r = run_coffre(
        &[
            "init",
            "--establishment",
            "Autre",
            "--admin-id",
            "x.y",
            "--admin-name",
            "X Y",
            "--insecure-fast-kdf",
            "--recovery-out",
            v.root.path().join("second-key.txt").to_str().unwrap(),
        ],
        &Opts {
            vault: Some(&v.dir),
            new_pass: Some("x.y-passphrase"),
            ..Opts::default()
        },
    );
    assert_ne!(r.code, 0, "init over an existing vault must fail");
    assert_eq!(std::fs::read(v.audit_path()).unwrap(), before);
    v.verify().expect_code(0, "the first vault is intact");
}

#[test]
fn demo_builds_a_usable_vault() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("demo");
    let r = run_coffre(&["demo", "--dir", dir.to_str().unwrap()], &Opts::default());
    r.expect_code(0, "demo");
    assert!(!r.stdout.is_empty(), "the demo reports what it did");
    let opts = Opts {
        vault: Some(&dir),
        ..Opts::default()
    };
    run_coffre(&["audit", "verify"], &opts).expect_code(0, "the demo's audit verifies");
    // The educator of the demo reads the demo dossier, without its medical part.
    let edu = Opts {
        user: Some("e.petit"),
        pass: Some(coffre::demo::DEMO_PASSPHRASE),
        ..opts.clone()
    };
    let list = run_coffre(&["dossier", "list", "--json"], &edu);
    list.expect_code(0, "demo educator lists");
    let list = list.json();
    let id = list[0]["id"].as_str().expect("a dossier").to_string();
    let shown = run_coffre(&["dossier", "show", &id, "--json"], &edu);
    shown.expect_code(0, "demo educator reads");
    let shown = shown.json();
    let withheld: Vec<&serde_json::Value> = shown["entries"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["withheld"].as_array().unwrap().iter())
        .collect();
    assert!(
        withheld.iter().any(|w| w["category"] == "medical"),
        "medical content withheld from the educator: {shown}"
    );
    assert!(!shown.to_string().contains("Epilepsy"));
    // The person's own access works with the login the demo prints.
    assert!(
        r.stdout.contains(coffre::demo::DEMO_PERSON_PASSPHRASE) && r.stdout.contains(&id),
        "the demo prints the person's login: {}",
        r.stdout
    );
    let person = Opts {
        pass: Some(coffre::demo::DEMO_PERSON_PASSPHRASE),
        ..opts.clone()
    };
    run_coffre(&["access", "view", &id], &person).expect_code(0, "the person reads their file");
    for (id, _, _) in [
        ("d.bernard", "", ""),
        ("dpo.lambert", "", ""),
        ("n.garcia", "", ""),
    ] {
        assert!(r.stdout.contains(id), "the demo prints {id}'s login");
    }
}

/// Who follows a person is itself something about that person: the care team
/// is listed to its members and to those who manage teams, and a refusal is
/// audited.
#[test]
fn a_care_team_is_listed_to_its_members_and_managers_only() {
    let mut v = TestVault::new();
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    v.add_staff("m.blanc", "Marc Blanc", "educateur-specialise", true);
    let d = v.create_dossier("dir.martin", "Jeanne Durand", "1950-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    let r = v.as_user("e.petit", &["dossier", "team", "list", &d]);
    r.expect_code(0, "a member of the team");
    assert!(r.stdout.contains("e.petit"), "{}", r.stdout);
    v.as_user("dir.martin", &["dossier", "team", "list", &d])
        .expect_code(0, "a manager of care teams");
    let r = v.as_user("m.blanc", &["dossier", "team", "list", &d]);
    r.expect_code(3, "outside the team");
    assert!(!r.stdout.contains("e.petit"), "{}", r.stdout);
    let log = std::fs::read_to_string(v.audit_path()).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("\"action\":\"team.list\"") && l.contains("\"actor\":\"m.blanc\"")),
        "the refusal is audited"
    );
}
