//! An interrupted `coffre audit prune --yes`: the process is stopped (as by a
//! kill: no destructor runs, nothing is flushed) at each step of the prune and
//! of the store's rewrite, through the debug-build hook
//! `COFFRE_TEST_PRUNE_STOP` (see `src/vault/audit_trail/prune.rs`). Then the
//! next opening finishes the prune, and: `audit verify` and
//! `docs/verify_audit.py` pass, no file of the vault holds anything of the
//! pruned reads (their lines, their index pairs, their index keys), the prune
//! is closed once, no leftover of the store's rewrite remains, and every member
//! still unlocks and reads.

use crate::util;

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use util::clock::shim;
use util::{contains_bytes, files_under, TestVault, COFFRE};

const TWO_YEARS: i64 = -2 * 365 * 86_400;
const OLD_READS: usize = 8;

fn python_verify(dir: &Path) -> i32 {
    let out = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/verify_audit.py"))
        .arg(dir)
        .output()
        .expect("python3");
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    }
    out.status.code().unwrap_or(-1)
}

/// A command on the vault in `dir` as `user`, with extra environment.
fn coffre(
    dir: &Path,
    user: &str,
    pass: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (Option<i32>, Option<i32>, String) {
    let mut c = Command::new(COFFRE);
    c.args(args)
        .env("COFFRE_VAULT", dir)
        .env("COFFRE_USER", user)
        .env("COFFRE_PASSPHRASE", pass)
        .env_remove("COFFRE_TEST_PRUNE_STOP")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("coffre");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), out.status.signal(), text)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

struct Aged {
    v: TestVault,
    dossier: String,
    /// The reads to prune: (position, offset, time).
    old_reads: Vec<(usize, u64, String)>,
}

fn aged() -> Aged {
    let mut v = TestVault::new();
    let lib = shim(v.root.path());
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", false);
    v.add_staff("p.dpo", "Paul Dpo", "dpo", false);
    let d = v.create_dossier("dir.martin", "Jeanne Durand", "1950-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    for _ in 0..OLD_READS {
        v.as_user_at(&lib, TWO_YEARS, "e.petit", &["dossier", "show", &d])
            .expect_code(0, "old read");
    }
    v.as_user("e.petit", &["dossier", "show", &d])
        .expect_code(0, "recent read");
    let data = std::fs::read(v.audit_path()).unwrap();
    let mut old_reads = Vec::new();
    let mut offset = 0u64;
    let init_time = String::from_utf8_lossy(&data)
        .split("\"time\":\"")
        .nth(1)
        .unwrap()[..20]
        .to_string();
    for (i, l) in data.split(|b| *b == b'\n').enumerate() {
        let text = String::from_utf8_lossy(l).to_string();
        if text.contains("\"action\":\"dossier.read\"") && text.contains("\"actor\":\"e.petit\"") {
            let time = text.split("\"time\":\"").nth(1).unwrap()[..20].to_string();
            if time < init_time {
                old_reads.push((i + 1, offset, time));
            }
        }
        offset += l.len() as u64 + 1;
    }
    assert_eq!(old_reads.len(), OLD_READS);
    let export = v.root.path().join("export.cp");
    v.as_user(
        "p.dpo",
        &["audit", "checkpoint", "--out", export.to_str().unwrap()],
    )
    .expect_code(0, "export");
    Aged {
        v,
        dossier: d,
        old_reads,
    }
}

/// What is left of the pruned reads in the files under `dir`.
fn leftovers(a: &Aged, dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for f in files_under(dir) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        for (seq, off, time) in &a.old_reads {
            let head = format!("\"time\":\"{time}");
            let mut pair = (*seq as u64).to_be_bytes().to_vec();
            pair.extend_from_slice(&off.to_be_bytes());
            let keys = [
                format!("ax/a/e.petit/{seq:016x}"),
                format!("ax/d/{}/{seq:016x}", a.dossier),
            ];
            if contains_bytes(&bytes, head.as_bytes()) {
                found.push(format!("{}: the line of entry {seq}", f.display()));
            }
            if contains_bytes(&bytes, &pair) {
                found.push(format!("{}: the index pair of entry {seq}", f.display()));
            }
            for k in keys {
                if contains_bytes(&bytes, k.as_bytes()) {
                    found.push(format!("{}: index key {k}", f.display()));
                }
            }
        }
    }
    found
}

#[test]
fn a_prune_stopped_at_any_step_is_finished_by_the_next_opening() {
    let a = aged();
    let pass = |u: &str| a.v.pass(u).to_string();
    let steps = [
        "fact",
        "lines#2",
        "lines-done",
        "index",
        "marked",
        "closed",
        "compact-copied",
        "compact-moved",
    ];
    let work = tempfile::tempdir().unwrap();
    for (i, step) in steps.iter().enumerate() {
        let dir: PathBuf = work.path().join(format!("v{i}"));
        copy_dir(&a.v.dir, &dir);
        let (code, signal, text) = coffre(
            &dir,
            "p.dpo",
            &pass("p.dpo"),
            &["audit", "prune", "--yes", "--confirm-clock"],
            &[
                ("COFFRE_TEST_PRUNE_STOP", step),
                ("COFFRE_TEST_PRUNE_BATCH", "100"),
            ],
        );
        assert_eq!(
            (code, signal),
            (None, Some(6)),
            "{step}: the prune was not stopped there: {text}"
        );
        // The next opening (any command) finishes the prune and the store's rewrite.
        let (code, _, text) = coffre(
            &dir,
            "e.petit",
            &pass("e.petit"),
            &["dossier", "show", &a.dossier],
            &[],
        );
        assert_eq!(code, Some(0), "{step}: reopening: {text}");
        let log = std::fs::read_to_string(dir.join("audit.log")).unwrap();
        assert_eq!(
            log.matches("\"action\":\"audit.pruned\"").count(),
            1,
            "{step}: the prune is closed once"
        );
        assert_eq!(log.matches("\"pruned\":\"").count(), OLD_READS, "{step}");
        let left = leftovers(&a, &dir);
        assert!(left.is_empty(), "{step}: {left:#?}");
        for stale in ["store.compact", "store.old", "store.swap", "prune.compact"] {
            assert!(!dir.join(stale).exists(), "{step}: {stale} left behind");
        }
        let (code, _, text) = coffre(&dir, "p.dpo", &pass("p.dpo"), &["audit", "verify"], &[]);
        assert_eq!(code, Some(0), "{step}: audit verify: {text}");
        assert_eq!(python_verify(&dir), 0, "{step}: verify_audit.py");
        for (user, args) in [
            ("e.petit", vec!["dossier", "show", a.dossier.as_str()]),
            ("dir.martin", vec!["dossier", "show", a.dossier.as_str()]),
            ("p.dpo", vec!["audit", "history", a.dossier.as_str()]),
        ] {
            let (code, _, text) = coffre(&dir, user, &pass(user), &args, &[]);
            assert_eq!(code, Some(0), "{step}: {user} {args:?}: {text}");
        }
    }
}

#[test]
fn a_refused_prune_leaves_the_log_as_it_was() {
    let a = aged();
    let dir = a.v.dir.clone();
    let before = std::fs::read(dir.join("audit.log")).unwrap();
    // A prune refused (an educator may not prune) rewrites no line.
    let (code, _, _) = coffre(
        &dir,
        "e.petit",
        a.v.pass("e.petit"),
        &["audit", "prune", "--yes", "--confirm-clock"],
        &[],
    );
    assert_eq!(code, Some(3));
    let after = std::fs::read(dir.join("audit.log")).unwrap();
    assert_eq!(&after[..before.len()], &before[..], "no line rewritten");
    let (code, _, text) = coffre(&dir, "p.dpo", a.v.pass("p.dpo"), &["audit", "verify"], &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        leftovers(&a, &dir).len() >= OLD_READS,
        "the reads are still there"
    );
}
