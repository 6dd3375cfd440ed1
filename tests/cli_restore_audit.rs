//! A restore is a use of the recovery key that rolls the vault back: it is
//! recorded in the restored vault's audit log (signed by the next staff member's
//! checkpoint), and `audit verify --since` with a checkpoint taken after the
//! backup explains the divergence by the restore instead of calling it tampering
//! (still an integrity failure, exit 5), while a checkpoint from before the
//! backup still verifies.

use crate::util;

use std::path::Path;

use util::{run_coffre, Opts, TestVault};

fn at(dir: &Path, user: Option<(&str, &str)>, args: &[&str]) -> util::Run {
    run_coffre(
        args,
        &Opts {
            vault: Some(dir),
            user: user.map(|u| u.0),
            pass: user.map(|u| u.1),
            ..Opts::default()
        },
    )
}

#[test]
fn a_restore_is_audited_and_explains_a_later_checkpoint() {
    let tv = TestVault::new();
    let admin = tv.admin.clone();
    let root = tv.root.path();
    let p = |name: &str| root.join(name).to_str().expect("utf-8").to_string();
    tv.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    tv.anon(&["audit", "checkpoint", "--out", &p("before.txt")])
        .expect_code(0, "checkpoint before the backup");
    tv.as_user(&admin, &["backup", "--out", &p("bk.age")])
        .expect_code(0, "backup");
    tv.create_dossier(&admin, "Inès Modèle", "1950-01-02");
    tv.anon(&["audit", "checkpoint", "--out", &p("after.txt")])
        .expect_code(0, "checkpoint after the backup");
    tv.anon(&["audit", "verify", "--since", &p("after.txt")])
        .expect_code(0, "the original vault extends its own checkpoint");

    let target = root.join("restored");
    let rk = tv.recovery.to_str().expect("utf-8");
    at(
        &target,
        None,
        &["restore", &p("bk.age"), "--recovery-key", rk],
    )
    .expect_code(0, "restore");

    // The restore is the last entry of the restored log, content-free.
    let log = std::fs::read_to_string(target.join("audit.log")).expect("restored log");
    let last: serde_json::Value =
        serde_json::from_str(log.lines().last().expect("an entry")).expect("json");
    assert_eq!(last["action"], "vault.restore", "{last}");
    assert_eq!(last["actor"], "recovery-key");
    let seq = last["seq"].as_u64().expect("seq");
    let detail = last["detail"].as_str().expect("detail");
    assert!(
        detail.contains(&format!("holding {} audit entries", seq - 1))
            && detail.contains("recovery key"),
        "{detail}"
    );

    // The next staff command signs it: the restored log verifies, fully signed.
    at(
        &target,
        Some((&admin, tv.pass(&admin))),
        &["dossier", "list"],
    )
    .expect_code(0, "a command on the restored vault");
    let r = at(&target, None, &["audit", "verify"]);
    r.expect_code(0, "verify the restored vault");
    assert!(!r.stdout.contains("not covered"), "{}", r.stdout);

    // A checkpoint from before the backup is extended by the restored log.
    at(
        &target,
        None,
        &["audit", "verify", "--since", &p("before.txt")],
    )
    .expect_code(
        0,
        "the restored log extends a checkpoint older than the backup",
    );

    // One from after the backup cannot be: the restore is named as the cause.
    let r = at(
        &target,
        None,
        &["audit", "verify", "--since", &p("after.txt")],
    );
    r.expect_code(5, "a checkpoint newer than the backup");
    assert!(
        r.stderr.contains("was restored on")
            && r.stderr.contains(&format!("holding {} entries", seq - 1))
            && r.stderr.contains("from after that backup"),
        "{}",
        r.stderr
    );
}

#[test]
fn without_a_restore_a_diverging_log_is_still_called_altered() {
    // The explanation is only given when a restore entry accounts for it.
    let tv = TestVault::new();
    let admin = tv.admin.clone();
    let out = tv.root.path().join("cp.txt");
    tv.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    tv.anon(&["audit", "checkpoint", "--out", out.to_str().expect("utf-8")])
        .expect_code(0, "checkpoint");
    // Rewrite history: cut the log back to its first entry.
    let log = std::fs::read_to_string(tv.audit_path()).expect("log");
    let first = log.lines().next().expect("entry").to_string() + "\n";
    std::fs::write(tv.audit_path(), first).expect("cut");
    let r = tv.anon(&["audit", "verify", "--since", out.to_str().expect("utf-8")]);
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("restored"), "{}", r.stderr);
}
