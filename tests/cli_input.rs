//! Input hygiene through the command: passphrases are normalised (NFC, one
//! trailing line ending) the same way when set and when typed, and must be strong
//! in a real vault; names holding line breaks or text-direction controls are
//! refused, and stored text cannot forge rows of the output; name search finds
//! the usual spellings of ligatures and special letters.

use crate::util;

use util::{run_coffre, Opts, TestVault};

/// `coffre init` in `root/name` with the given passphrase; fast KDF unless `real`.
fn init(root: &std::path::Path, name: &str, new_pass: &str, real: bool) -> util::Run {
    let mut args = vec![
        "init",
        "--establishment",
        "IME Essai",
        "--admin-id",
        "d.admin",
        "--admin-name",
        "Alex Essai",
    ];
    if !real {
        args.push("--insecure-fast-kdf");
    }
    let rec = root.join(format!("{name}.rec"));
    let rec = rec.to_str().unwrap().to_string();
    args.extend(["--recovery-out", &rec]);
    run_coffre(
        &args,
        &Opts {
            vault: Some(&root.join(name)),
            new_pass: Some(new_pass),
            ..Opts::default()
        },
    )
}

fn list(root: &std::path::Path, name: &str, pass: &str) -> util::Run {
    run_coffre(
        &["dossier", "list"],
        &Opts {
            vault: Some(&root.join(name)),
            user: Some("d.admin"),
            pass: Some(pass),
            ..Opts::default()
        },
    )
}

#[test]
fn a_passphrase_set_with_a_line_ending_or_in_nfd_is_typed_back_plainly() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    init(root, "lf", "secret phrase\n", false).expect_code(0, "init with \\n");
    list(root, "lf", "secret phrase").expect_code(0, "typed without the \\n");
    list(root, "lf", "secret phrase\n").expect_code(0, "with the \\n again");
    init(root, "crlf", "secret phrase\r\n", false).expect_code(0, "init with \\r\\n");
    list(root, "crlf", "secret phrase").expect_code(0, "typed without the \\r\\n");
    // Only ONE line ending is the end of the line: the rest is the passphrase.
    list(root, "crlf", "secret phrase\r").expect_code(4, "a lone \\r is not stripped");

    let nfd = "cafe\u{301} e\u{301}te\u{301} cle\u{301}";
    let nfc = "caf\u{e9} \u{e9}t\u{e9} cl\u{e9}";
    init(root, "nfd", nfd, false).expect_code(0, "init in NFD");
    list(root, "nfd", nfc).expect_code(0, "typed in NFC");
    list(root, "nfd", nfd).expect_code(0, "typed in NFD");
    init(root, "nfc", nfc, false).expect_code(0, "init in NFC");
    list(root, "nfc", nfd).expect_code(0, "typed in NFD");
    list(root, "nfc", "cafe ete cle").expect_code(4, "accents still count");
}

#[test]
fn every_passphrase_setter_normalises_the_same_way() {
    let v = TestVault::new();
    let admin = v.admin.clone();
    let nfd = "pe\u{301}niche du ruisseau\n";
    let nfc = "p\u{e9}niche du ruisseau";
    // A new member, a changed passphrase, the person's own credential.
    let r = run_coffre(
        &[
            "staff",
            "add",
            "--id",
            "e.petit",
            "--name",
            "Élise Petit",
            "--profession",
            "educateur-specialise",
            "--recovery-key",
            v.recovery.to_str().unwrap(),
        ],
        &Opts {
            vault: Some(&v.dir),
            user: Some(&admin),
            pass: Some(v.pass(&admin)),
            new_pass: Some(nfd),
            ..Opts::default()
        },
    );
    r.expect_code(0, "staff add with an NFD passphrase and a newline");
    v.as_user_pass("e.petit", nfc, &["dossier", "list"])
        .expect_code(0, "the new member types it in NFC");
    let r = run_coffre(
        &["staff", "passwd"],
        &Opts {
            vault: Some(&v.dir),
            user: Some("e.petit"),
            pass: Some(nfc),
            new_pass: Some("nouvelle\u{301} phrase\r\n"),
            ..Opts::default()
        },
    );
    r.expect_code(0, "passwd");
    v.as_user_pass("e.petit", "nouvell\u{e9} phrase", &["dossier", "list"])
        .expect_code(
            0,
            "the changed passphrase, composed, without its line ending",
        );

    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    let r = run_coffre(
        &[
            "access",
            "grant",
            &d,
            "--recovery-key",
            v.recovery.to_str().unwrap(),
        ],
        &Opts {
            vault: Some(&v.dir),
            user: Some(&admin),
            pass: Some(v.pass(&admin)),
            new_pass: Some(nfd),
            ..Opts::default()
        },
    );
    r.expect_code(0, "access grant");
    let r = run_coffre(
        &["access", "view", &d],
        &Opts {
            vault: Some(&v.dir),
            pass: Some(nfc),
            ..Opts::default()
        },
    );
    r.expect_code(0, "the person types their passphrase in NFC");
}

#[test]
fn an_empty_passphrase_is_called_empty() {
    let root = tempfile::tempdir().unwrap();
    for empty in ["", "\n"] {
        let r = init(root.path(), "v", empty, false);
        r.expect_code(2, "empty passphrase");
        assert!(r.stderr.contains("passphrase is empty"), "{}", r.stderr);
        assert!(
            !r.stderr.contains("set COFFRE_NEW_PASSPHRASE"),
            "the variable is set: {}",
            r.stderr
        );
        assert!(!root.path().join("v").join("store").exists());
    }
}

#[test]
fn a_real_vault_refuses_weak_passphrases_a_test_vault_warns() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    for weak in ["x", "motdepasse1", "password1234", "azertyuiop123"] {
        let r = init(root, "real", weak, true);
        r.expect_code(2, weak);
        assert!(
            r.stderr.contains("passphrase too weak"),
            "{weak}: {}",
            r.stderr
        );
        assert!(!root.join("real").join("store").exists(), "{weak}");
    }
    let strong = "lavande ricochet boussole fanfare";
    init(root, "real", strong, true).expect_code(0, "a strong passphrase");
    // The same rule for a new member and for a changed passphrase.
    let real = root.join("real");
    let opts = |new_pass| Opts {
        vault: Some(&real),
        user: Some("d.admin"),
        pass: Some(strong),
        new_pass: Some(new_pass),
        ..Opts::default()
    };
    let r = run_coffre(
        &[
            "staff",
            "add",
            "--id",
            "e.petit",
            "--name",
            "Élise Petit",
            "--profession",
            "educateur-specialise",
        ],
        &opts("petit123"),
    );
    r.expect_code(2, "weak passphrase for a new member");
    assert!(r.stderr.contains("passphrase too weak"), "{}", r.stderr);
    run_coffre(&["staff", "passwd"], &opts("a")).expect_code(2, "weak passwd");
    list(root, "real", strong).expect_code(0, "the old passphrase still works");

    // A test vault keeps accepting short passphrases, with its warning.
    init(root, "fast", "x", false).expect_code(0, "fast KDF, short passphrase");
    let r = list(root, "fast", "x");
    r.expect_code(0, "unlock");
    assert!(r.stderr.contains("weak key derivation"), "{}", r.stderr);
}

#[test]
fn names_with_line_breaks_or_direction_controls_are_refused() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    let good = v.create_dossier(&admin, "Marie Exemple", "2001-01-01");
    for bad in [
        "Marie\nd-0000000000  Faux Dossier (born 1999-09-09)",
        "Marie\r\nFaux",
        "Marie\tFaux",
        "Marie\u{2028}Faux",
        "Marie\u{85}Faux",
        "Marie \u{202e}xuaF",
        "Marie \u{2067}Faux",
        "Marie\u{1b}[2J",
    ] {
        let r = v.as_user(
            &admin,
            &[
                "dossier",
                "create",
                "--name",
                bad,
                "--birthdate",
                "2001-01-01",
            ],
        );
        r.expect_code(2, &format!("dossier name {bad:?}"));
        assert!(r.stderr.contains("not allowed in names"), "{}", r.stderr);
        assert!(!r.stderr.contains("Faux"), "the name is not echoed");
        let r = run_coffre(
            &[
                "staff",
                "add",
                "--id",
                "x.faux",
                "--name",
                bad,
                "--profession",
                "educateur-specialise",
            ],
            &Opts {
                vault: Some(&v.dir),
                user: Some(&admin),
                pass: Some(v.pass(&admin)),
                new_pass: Some("x.faux-passphrase"),
                ..Opts::default()
            },
        );
        r.expect_code(2, &format!("staff name {bad:?}"));
    }
    // Nothing was added: one dossier, one staff member.
    let list = v.as_user(&admin, &["dossier", "list"]);
    assert_eq!(list.ok("list").lines().count(), 1, "{}", list.stdout);
    assert!(list.stdout.starts_with(&good));
    let staff = v.as_user(&admin, &["--json", "staff", "list"]).json();
    assert_eq!(staff.as_array().unwrap().len(), 1);
    v.set_pass("x.faux", "unused");

    let root = tempfile::tempdir().unwrap();
    for (est, name) in [("IME\nFaux", "Alex Essai"), ("IME", "Alex\u{202e}Essai")] {
        let r = run_coffre(
            &[
                "init",
                "--establishment",
                est,
                "--admin-id",
                "d.admin",
                "--admin-name",
                name,
                "--insecure-fast-kdf",
            ],
            &Opts {
                vault: Some(&root.path().join("v")),
                new_pass: Some("pass phrase one"),
                ..Opts::default()
            },
        );
        r.expect_code(2, &format!("init with {est:?} / {name:?}"));
        assert!(!root.path().join("v").join("store").exists());
    }
}

#[test]
fn stored_free_text_cannot_forge_rows_of_the_audit_log() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("dr.nuit", "Camille Nuit", "medecin", true);
    v.add_staff("dpo.l", "Dominique Lambert", "dpo", true);
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    // A break-the-glass justification is free text, kept as written (with its
    // line breaks); shown to a person it must stay on its own row.
    let forged = "chute\n999999 2026-01-01T00:00:00Z dpo.faux dpo audit.read ok\u{202e}";
    v.as_user("dr.nuit", &["dossier", "show", &d, "--break-glass", forged])
        .expect_code(0, "break the glass");
    for args in [
        vec!["audit", "log", "--dossier", d.as_str()],
        vec!["audit", "history", d.as_str()],
        vec!["audit", "report", "--format", "text"],
    ] {
        let r = v.as_user("dpo.l", &args);
        r.expect_code(0, &format!("{args:?}"));
        assert!(
            !r.stdout.lines().any(|l| l.starts_with("999999")),
            "{args:?} shows a forged row:\n{}",
            r.stdout
        );
        assert!(
            !r.stdout.contains('\u{202e}'),
            "{args:?} passes a direction override"
        );
    }
    let r = v.as_user("dpo.l", &["audit", "log", "--dossier", &d]);
    assert!(
        r.stdout.contains("chute\\n999999"),
        "the break is shown escaped:\n{}",
        r.stdout
    );
    // JSON keeps the exact words.
    let log = v.audit_log("dpo.l", &["--dossier", &d]);
    assert!(
        log.iter()
            .any(|e| e["justification_text"].as_str() == Some(forged)),
        "{log:?}"
    );
}

#[test]
fn name_search_finds_usual_spellings_of_special_letters() {
    let v = TestVault::new();
    let admin = v.admin.clone();
    let l = v.create_dossier(&admin, "Lætitia Cœur", "2010-01-01");
    let y = v.create_dossier(&admin, "Yıldız Łukasiewicz-Đorđević", "2011-02-02");
    let s = v.create_dossier(&admin, "Jürgen STRAẞBURG Østergaard", "2012-03-03");
    let find = |q: &str| -> Vec<String> {
        let r = v.as_user(&admin, &["--json", "dossier", "find", q]);
        r.expect_code(0, q);
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect()
    };
    for (q, want) in [
        ("laetitia", &l),
        ("LAETITIA coeur", &l),
        ("Lætitia", &l),
        ("cœur", &l),
        ("yildiz", &y),
        ("YILDIZ", &y),
        ("lukasiewicz dordevic", &y),
        ("strassburg", &s),
        ("Straßburg", &s),
        ("ostergaard jurgen", &s),
    ] {
        assert_eq!(find(q), vec![want.clone()], "query {q:?}");
    }
    assert!(find("laetitia yildiz").is_empty());
}
