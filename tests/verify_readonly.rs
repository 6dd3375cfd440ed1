//! `coffre audit verify` is read-only: it works on a write-protected vault (an
//! archived copy, a read-only medium), writes nothing into the vault it checks
//! (no lock taken for writing, no journal replayed, no entry appended, no file
//! recreated) and reports changes left in the journal without applying them.

use crate::util;

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use coffre::{FieldInput, Vault};
use ring::digest::{digest, SHA256};
use secrecy::SecretString;
use util::{run_coffre, Opts, TestVault};

/// Every path under `dir` with what would show a change: content hash (files),
/// size, mode and modification time (files and folders).
fn state(dir: &Path) -> BTreeMap<PathBuf, (String, u64, u32, i64, i64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        let m = std::fs::symlink_metadata(&p).unwrap();
        let hash = if m.is_file() {
            hex::encode(digest(&SHA256, &std::fs::read(&p).unwrap()))
        } else {
            String::new()
        };
        if m.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        }
        out.insert(p, (hash, m.len(), m.mode(), m.mtime(), m.mtime_nsec()));
    }
    out
}

struct Unmount(PathBuf);
impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

#[test]
fn verify_works_on_a_write_protected_vault_and_changes_nothing() {
    let tv = TestVault::new();
    tv.create_dossier(&tv.admin, "Lucas Lecture", "2012-05-14");
    let before = state(&tv.dir);

    // On a writable vault: nothing changes either.
    let r = tv.verify();
    r.expect_code(0, "verify");
    assert_eq!(state(&tv.dir), before, "verify changed the vault");

    // Write-protected: modes for an ordinary user; root ignores modes, so as root
    // a read-only bind mount (skipped, said so, where mounting is not allowed).
    if is_root() {
        let ro = tv.root.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        let mounted = Command::new("mount")
            .arg("--bind")
            .arg(&tv.dir)
            .arg(&ro)
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!("skipped the read-only mount part: mount is not allowed here");
        } else {
            let _guard = Unmount(ro.clone());
            let remounted = Command::new("mount")
                .args(["-o", "remount,bind,ro"])
                .arg(&ro)
                .status()
                .is_ok_and(|s| s.success());
            assert!(remounted, "cannot remount read-only");
            assert!(
                std::fs::write(ro.join("probe"), b"x").is_err(),
                "the mount is read-only"
            );
            let r = run_coffre(
                &["audit", "verify"],
                &Opts {
                    vault: Some(&ro),
                    ..Opts::default()
                },
            );
            r.expect_code(0, "verify on a read-only mount");
            assert!(r.stdout.contains("audit log intact"), "{}", r.stdout);
        }
    } else {
        let status = Command::new("chmod")
            .args(["-R", "a-w"])
            .arg(&tv.dir)
            .status()
            .unwrap();
        assert!(status.success());
        let r = tv.verify();
        let _ = Command::new("chmod")
            .args(["-R", "u+w"])
            .arg(&tv.dir)
            .status();
        r.expect_code(0, "verify on a write-protected vault");
    }
    let mut after = state(&tv.dir);
    // chmod -R a-w and back changes the modes only (ctime, not compared).
    for (p, v) in after.iter_mut() {
        if let Some(b) = before.get(p) {
            v.2 = b.2;
        }
    }
    assert_eq!(after, before, "verify changed the vault");
}

#[test]
fn verify_recreates_nothing_and_appends_nothing() {
    let tv = TestVault::new();
    tv.create_dossier(&tv.admin, "Lucas Lecture", "2012-05-14");
    // The writing open recreated a deleted audit.log (and appended to it).
    let log = std::fs::read(tv.audit_path()).unwrap();
    let lines = log.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count();
    std::fs::remove_file(tv.audit_path()).unwrap();
    let before = state(&tv.dir);
    let r = tv.verify();
    assert_ne!(r.code, 0, "a missing audit log fails verification");
    assert!(!tv.audit_path().exists(), "verify recreated audit.log");
    assert_eq!(state(&tv.dir), before, "verify changed the vault");
    std::fs::write(tv.audit_path(), &log).unwrap();
    tv.verify().expect_code(0, "verify once restored");
    let now = std::fs::read(tv.audit_path()).unwrap();
    let count = now.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count();
    assert_eq!(count, lines, "verify appended to the log");
}

const PASS: &str = "ro-journal-passphrase";

#[test]
fn changes_left_in_the_journal_are_reported_not_applied() {
    let root = tempfile::tempdir().unwrap();
    let live = root.path().join("live");
    let v: Vault = util::library::library_vault(&live, PASS, &[("edu", "educateur-specialise")]);
    let pass = SecretString::from(PASS);
    let d = {
        let mut s = v.unlock("dir", &pass).unwrap();
        let d = s.create_dossier("Camille Journal", "2004-05-06").unwrap();
        s.add_team_member(&d, "edu").unwrap();
        d
    };
    v.settle().unwrap();
    // The files as of the settling, with the journal of a later moment: the
    // state an interrupted process leaves.
    let cut = root.path().join("cut");
    let status = Command::new("cp")
        .arg("-a")
        .arg(&live)
        .arg(&cut)
        .status()
        .unwrap();
    assert!(status.success());
    {
        let mut s = v.unlock("edu", &pass).unwrap();
        for i in 0..3 {
            s.add_entry(
                &d,
                "daily-life",
                &[FieldInput::new("text", &format!("n{i}"))],
            )
            .unwrap();
        }
    }
    std::fs::copy(live.join("journal"), cut.join("journal")).unwrap();
    drop(v);

    let before = state(&cut);
    let opts = Opts {
        vault: Some(&cut),
        ..Opts::default()
    };
    let r = run_coffre(&["audit", "verify"], &opts);
    r.expect_code(0, "verify with changes in the journal");
    assert!(
        r.stderr.contains("not yet applied"),
        "verify reports the journal: {}",
        r.stderr
    );
    assert_eq!(state(&cut), before, "verify applied the journal");
    // A normal open applies them; then nothing is left to report.
    let edu = Opts {
        vault: Some(&cut),
        user: Some("edu"),
        pass: Some(PASS),
        ..Opts::default()
    };
    let shown = run_coffre(&["dossier", "show", &d], &edu);
    shown.expect_code(0, "show after the replay");
    assert!(shown.stdout.contains("n2"), "{}", shown.stdout);
    let r = run_coffre(&["audit", "verify"], &opts);
    r.expect_code(0, "verify after the replay");
    assert!(!r.stderr.contains("not yet applied"), "{}", r.stderr);
}
