//! A full disk: the write that does not fit fails with a clear error, nothing
//! acknowledged before is lost, and the vault (audit included) stays sound. The
//! vault lives on a small tmpfs mounted for the test (CI runs as root); where
//! mounting is not allowed the test says it is skipped (or set
//! COFFRE_SKIP_DISK_FULL=1).

use crate::util;

use std::process::Command;

use util::{run_coffre, Opts};

struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_write_that_does_not_fit_fails_cleanly_and_loses_nothing() {
    if std::env::var("COFFRE_SKIP_DISK_FULL").as_deref() == Ok("1") {
        eprintln!("skipped: COFFRE_SKIP_DISK_FULL=1");
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let mnt = root.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
        .arg(&mnt)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "cannot mount a small tmpfs (needs root); set COFFRE_SKIP_DISK_FULL=1 to skip"
    );
    let _guard = Mount(mnt.clone());
    let vault = mnt.join("v");
    let rk = root.path().join("rk.txt");
    let base = Opts {
        vault: Some(&vault),
        new_pass: Some("pw-full"),
        ..Opts::default()
    };
    run_coffre(
        &[
            "init",
            "--establishment",
            "E",
            "--admin-id",
            "dir",
            "--admin-name",
            "D",
            "--insecure-fast-kdf",
            "--recovery-out",
            rk.to_str().unwrap(),
        ],
        &base,
    )
    .expect_code(0, "init");
    let me = Opts {
        vault: Some(&vault),
        user: Some("dir"),
        pass: Some("pw-full"),
        ..Opts::default()
    };
    let d = run_coffre(
        &[
            "dossier",
            "create",
            "--name",
            "Jean Test",
            "--birthdate",
            "2000-01-01",
        ],
        &me,
    )
    .single_line();
    let e = run_coffre(
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "identity",
            "--field",
            "text=avant",
        ],
        &me,
    )
    .single_line();

    // A value larger than the whole file system.
    let big = root.path().join("big.txt");
    std::fs::write(&big, "y".repeat(10 * 1024 * 1024)).unwrap();
    let r = run_coffre(
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "identity",
            "--field",
            &format!("text=@{}", big.display()),
        ],
        &me,
    );
    assert_ne!(
        r.code, 0,
        "a write larger than the disk cannot be acknowledged"
    );
    assert!(
        r.code == 1 || r.code == 2,
        "a clear error, not a crash: {} {}",
        r.code,
        r.stderr
    );
    assert!(r.stderr.contains("disk space"), "{}", r.stderr);

    // Nothing acknowledged is lost, and the vault still works and verifies.
    let show = run_coffre(&["--json", "entry", "show", &e], &me);
    show.expect_code(0, "the earlier entry");
    assert_eq!(show.json()["fields"]["text"], "avant");
    run_coffre(
        &["audit", "verify"],
        &Opts {
            vault: Some(&vault),
            ..Opts::default()
        },
    )
    .expect_code(0, "audit verify");
    let again = run_coffre(&["--json", "dossier", "show", &d], &me);
    again.expect_code(0, "dossier");
    assert_eq!(again.json()["entries"].as_array().unwrap().len(), 1);
}
