//! Backup, verification and restore through the CLI: the restored vault's audit
//! verifies and every dossier reads the same for every profession; a damaged or
//! truncated backup, or the wrong recovery key, is refused with a clear code.

use crate::util;

use util::{run_coffre, Opts, TestVault};

fn story() -> (TestVault, Vec<String>) {
    let mut v = TestVault::new();
    for (id, name, prof) in [
        ("dr.leroy", "Camille Leroy", "medecin"),
        ("p.garnier", "Paul Garnier", "psychologue"),
        ("e.petit", "Élise Petit", "educateur-specialise"),
    ] {
        v.add_staff(id, name, prof, true);
    }
    let admin = v.admin.clone();
    let mut dossiers = Vec::new();
    for (name, birth) in [
        ("Lucas Exemple", "2012-05-14"),
        ("Inès Modèle", "1950-01-02"),
    ] {
        let d = v.create_dossier(&admin, name, birth);
        for s in ["dr.leroy", "p.garnier", "e.petit"] {
            v.team_add(&admin, &d, s);
        }
        v.add_entry("dr.leroy", &d, "medical", &["text=diagnostic confidentiel"]);
        v.add_entry("p.garnier", &d, "psy-notes", &["text=notes personnelles"]);
        v.add_entry("e.petit", &d, "daily-life", &["text=bonne journée"]);
        dossiers.push(d);
    }
    (v, dossiers)
}

#[test]
fn backup_verifies_and_restores_to_an_identical_vault() {
    let (v, dossiers) = story();
    let file = v.root.path().join("backup.age");
    let f = file.to_str().unwrap();
    v.as_user(&v.admin.clone(), &["backup", "--out", f])
        .expect_code(0, "backup");
    assert!(std::fs::read(&file)
        .unwrap()
        .starts_with(b"age-encryption.org/v1"));
    // Never overwrite an existing file.
    assert_ne!(v.as_user(&v.admin.clone(), &["backup", "--out", f]).code, 0);
    let rk = v.recovery.to_str().unwrap().to_string();
    let rk = rk.as_str();
    let r = v.anon(&["backup", "verify", f, "--recovery-key", rk]);
    r.expect_code(0, "backup verify");
    assert!(r.stdout.contains("backup intact"), "{}", r.stdout);

    let target = v.root.path().join("restored");
    let anon_at = |args: &[&str]| {
        run_coffre(
            args,
            &Opts {
                vault: Some(&target),
                ..Opts::default()
            },
        )
    };
    let r = anon_at(&["restore", f, "--recovery-key", rk]);
    r.expect_code(0, "restore");
    // The restored vault verifies and reads the same, for every profession.
    anon_at(&["audit", "verify"]).expect_code(0, "audit verify of the restored vault");
    for d in &dossiers {
        for user in ["dr.leroy", "p.garnier", "e.petit", &v.admin.clone()] {
            let a = v.as_user(user, &["--json", "dossier", "show", d]);
            let b = run_coffre(
                &["--json", "dossier", "show", d],
                &Opts {
                    vault: Some(&target),
                    user: Some(user),
                    pass: Some(v.pass(user)),
                    ..Opts::default()
                },
            );
            a.expect_code(0, "original read");
            b.expect_code(0, "restored read");
            assert_eq!(
                a.json(),
                b.json(),
                "{user} reads {d} the same after restore"
            );
        }
    }
    // Restoring over an existing, non-empty folder is refused.
    assert_ne!(anon_at(&["restore", f, "--recovery-key", rk]).code, 0);
}

#[test]
fn damaged_backup_or_wrong_key_is_refused() {
    let (v, _) = story();
    let file = v.root.path().join("backup.age");
    let f = file.to_str().unwrap().to_string();
    v.as_user(&v.admin.clone(), &["backup", "--out", &f])
        .expect_code(0, "backup");
    let rk = v.recovery.to_str().unwrap().to_string();
    let good = std::fs::read(&file).unwrap();

    // A flipped byte in the payload.
    let mut bad = good.clone();
    let i = bad.len() / 2;
    bad[i] ^= 0x01;
    std::fs::write(&file, &bad).unwrap();
    let r = v.anon(&["backup", "verify", &f, "--recovery-key", &rk]);
    r.expect_code(5, "flipped byte");

    // Cut short.
    std::fs::write(&file, &good[..good.len() - 700]).unwrap();
    v.anon(&["backup", "verify", &f, "--recovery-key", &rk])
        .expect_code(5, "truncated backup");

    // Another key.
    std::fs::write(&file, &good).unwrap();
    let other = v.root.path().join("other.key");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coffre"))
        .env("COFFRE_LANG", "en")
        .args([
            "init",
            "--establishment",
            "Autre",
            "--admin-id",
            "x",
            "--admin-name",
            "X",
            "--insecure-fast-kdf",
            "--recovery-out",
        ])
        .arg(&other)
        .arg("--vault")
        .arg(v.root.path().join("other-vault"))
        .env("COFFRE_NEW_PASSPHRASE", "pass-other")
        .output()
        .unwrap();
    assert!(out.status.success());
    let r = v.anon(&[
        "backup",
        "verify",
        &f,
        "--recovery-key",
        other.to_str().unwrap(),
    ]);
    r.expect_code(4, "wrong recovery key");
    v.anon(&["backup", "verify", &f, "--recovery-key", &rk])
        .expect_code(0, "intact again");
}
