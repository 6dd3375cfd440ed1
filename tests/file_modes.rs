//! The vault's folder is `0700` and every file in it `0600` whatever the umask
//! (other accounts of the machine must not read the audit log or the store, nor
//! write anything), and a vault found with looser modes is reported at open and
//! made private again.

use crate::util;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use util::{TestVault, COFFRE};

/// Every path under `dir` (itself included) with its permission bits.
fn modes(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p).unwrap();
        out.push((p.clone(), meta.permissions().mode() & 0o7777));
        if meta.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        }
    }
    out.sort();
    out
}

/// Runs coffre under `umask` with the given environment: (code, stderr).
fn coffre_with_umask(umask: &str, env: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("umask \"$0\"; exec \"$@\"")
        .arg(umask)
        .arg(COFFRE)
        .args(args);
    for v in [
        "COFFRE_VAULT",
        "COFFRE_USER",
        "COFFRE_PASSPHRASE",
        "COFFRE_NEW_PASSPHRASE",
    ] {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn a_vault_is_private_whatever_the_umask() {
    for umask in ["022", "000", "002"] {
        let root = tempfile::tempdir().unwrap();
        let vault = root.path().join("v");
        let rk = root.path().join("rk.txt");
        let v = vault.to_str().unwrap();
        let env = [
            ("COFFRE_VAULT", v),
            ("COFFRE_USER", "dir"),
            ("COFFRE_PASSPHRASE", "pw-modes"),
            ("COFFRE_NEW_PASSPHRASE", "pw-modes"),
        ];
        let (code, err) = coffre_with_umask(
            umask,
            &env,
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
        );
        assert_eq!(code, 0, "init under umask {umask}: {err}");
        // Commands that create more files: a dossier (its erasure key), an
        // entry, a listing (sled's snapshot at open).
        let (code, err) = coffre_with_umask(
            umask,
            &env,
            &[
                "dossier",
                "create",
                "--name",
                "Jean Mode",
                "--birthdate",
                "2001-02-03",
            ],
        );
        assert_eq!(code, 0, "dossier create: {err}");
        let (code, err) = coffre_with_umask(umask, &env, &["dossier", "list"]);
        assert_eq!(code, 0, "dossier list: {err}");
        assert!(
            !err.contains("mode"),
            "no permission warning on a vault coffre made itself: {err}"
        );
        let all = modes(&vault);
        assert!(all.len() > 8, "files of the vault: {all:?}");
        assert!(all.iter().any(|(p, _)| p.ends_with("erasure")));
        for (path, mode) in &all {
            assert_eq!(
                mode & 0o077,
                0,
                "umask {umask}: {} has mode {mode:o}",
                path.display()
            );
        }
        let top = std::fs::metadata(&vault).unwrap().permissions().mode() & 0o777;
        assert_eq!(top, 0o700, "umask {umask}: the vault folder");
    }
}

#[test]
fn loose_modes_are_reported_at_open_and_made_private() {
    let tv = TestVault::new();
    let set =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    set(&tv.dir, 0o755);
    set(&tv.audit_path(), 0o644);
    set(&tv.dir.join("store"), 0o777);
    let r = tv.as_user(&tv.admin, &["dossier", "list"]);
    r.expect_code(0, "a loose vault still opens");
    for what in ["audit.log", "644", "755", "777", "store"] {
        assert!(
            r.stderr.contains(what),
            "the warning names {what}: {}",
            r.stderr
        );
    }
    assert!(r.stderr.contains("warning"), "{}", r.stderr);
    for (path, mode) in modes(&tv.dir) {
        assert_eq!(
            mode & 0o077,
            0,
            "{} still has mode {mode:o}",
            path.display()
        );
    }
    let again = tv.as_user(&tv.admin, &["dossier", "list"]);
    again.expect_code(0, "second open");
    assert!(
        !again.stderr.contains("mode"),
        "nothing left to report: {}",
        again.stderr
    );
}
