//! An export or a backup that cannot be written (a full disk) leaves no partial
//! file, and the audit log records the real outcome: the access audited before
//! any byte left the library, then an `error` entry for the file that was not
//! delivered. A file written completely leaves no `error` entry.
//!
//! The output goes to a small tmpfs filled up for the test (needs root, as in
//! `disk_full.rs`); where mounting is not allowed the test says it is skipped.

use crate::util;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use util::{run_coffre, Opts, TestVault};

struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// (action, outcome, dossier) of every entry of the vault's audit log.
fn entries(tv: &TestVault) -> Vec<(String, String, Option<String>)> {
    std::fs::read_to_string(tv.audit_path())
        .unwrap()
        .lines()
        .map(|l| {
            let e: Value = serde_json::from_str(l).unwrap();
            (
                e["action"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap().to_string(),
                e["dossier"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn outcomes(tv: &TestVault, action: &str) -> Vec<String> {
    entries(tv)
        .into_iter()
        .filter(|(a, _, _)| a == action)
        .map(|(_, o, _)| o)
        .collect()
}

fn export(tv: &TestVault, d: &str, out: &Path) -> util::Run {
    run_coffre(
        &[
            "access",
            "export",
            d,
            "--out",
            out.to_str().unwrap(),
            "--passphrase",
            "--recovery-key",
            tv.recovery.to_str().unwrap(),
        ],
        &Opts {
            vault: Some(&tv.dir),
            user: Some(&tv.admin),
            pass: Some(tv.pass(&tv.admin)),
            new_pass: Some("export passphrase"),
            ..Opts::default()
        },
    )
}

#[test]
fn a_failed_export_or_backup_is_audited_as_an_error() {
    let root = tempfile::tempdir().unwrap();
    let full = root.path().join("full");
    std::fs::create_dir(&full).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&full)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: cannot mount a small tmpfs (needs root)");
        return;
    }
    let _guard = Mount(full.clone());
    // Fill it up.
    let _ = std::fs::write(full.join("filler"), vec![0u8; 1 << 20]);

    let tv = TestVault::new();
    let d = tv.create_dossier(&tv.admin, "Noa Plein", "2005-06-07");

    let out = full.join("export.age");
    let r = export(&tv, &d, &out);
    assert_eq!(r.code, 1, "export to a full disk: {}", r.stderr);
    assert!(!out.exists(), "no partial export is left");
    assert_eq!(
        outcomes(&tv, "access.export"),
        ["ok", "error"],
        "the access, then the failed write"
    );
    let last = entries(&tv).pop().unwrap();
    assert_eq!(last.2.as_deref(), Some(d.as_str()), "names the dossier");

    let b = full.join("backup.age");
    let r = tv.as_user(&tv.admin, &["backup", "--out", b.to_str().unwrap()]);
    assert_eq!(r.code, 1, "backup to a full disk: {}", r.stderr);
    assert!(!b.exists(), "no partial backup is left");
    assert_eq!(outcomes(&tv, "vault.backup"), ["ok", "error"]);

    // Written completely: no error entry.
    let good = root.path().join("export.age");
    export(&tv, &d, &good).expect_code(0, "export to a disk with room");
    assert!(good.is_file());
    assert_eq!(outcomes(&tv, "access.export"), ["ok", "error", "ok"]);
    let good_b = root.path().join("backup.age");
    tv.as_user(&tv.admin, &["backup", "--out", good_b.to_str().unwrap()])
        .expect_code(0, "backup to a disk with room");
    assert_eq!(outcomes(&tv, "vault.backup"), ["ok", "error", "ok"]);
    tv.verify().expect_code(0, "the log verifies");
}
