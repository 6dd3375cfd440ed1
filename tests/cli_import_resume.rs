//! An import interrupted with Ctrl-C (SIGINT) finishes the group under way,
//! says how far it got and exits with 130; running the same file again imports
//! the rest, without importing any entry twice.

use crate::util;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use util::{TestVault, COFFRE};

const EDU: &str = "edu.resume";

fn line(dossier: &str, i: usize) -> String {
    serde_json::json!({"dossier": dossier, "kind": "daily-life", "fields": {"text": format!("note {i}")}})
        .to_string()
}

/// Entry numbers recorded by import entries in the audit log, with their counts.
fn imported_items(tv: &TestVault) -> BTreeMap<u64, u32> {
    let mut items = BTreeMap::new();
    for l in std::fs::read_to_string(tv.audit_path())
        .expect("log")
        .lines()
    {
        let e: serde_json::Value = serde_json::from_str(l).expect("entry");
        if e["action"] != "entry.add" || e["outcome"] != "ok" {
            continue;
        }
        let detail = e["detail"].as_str().unwrap_or_default();
        let n: u64 = detail
            .rsplit(" item ")
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("an imported entry without its number: {detail}"));
        *items.entry(n).or_insert(0) += 1;
    }
    items
}

#[test]
fn an_interrupted_import_resumes_without_duplicates() {
    let mut tv = TestVault::new();
    tv.add_staff(EDU, "Educ Reprise", "educateur-specialise", true);
    let admin = tv.admin.clone();
    let d = tv.create_dossier(&admin, "Alix Reprise", "2010-01-01");
    tv.team_add(&admin, &d, EDU);
    const TOTAL: usize = 20_000;
    let text: String = (0..TOTAL).map(|i| line(&d, i) + "\n").collect();
    let file = tv.root.path().join("big.jsonl");
    std::fs::write(&file, text).expect("write");
    let f = file.to_str().expect("utf-8");

    let child = Command::new(COFFRE)
        .env("COFFRE_LANG", "en")
        .args(["entry", "import", f, "--group", "1"])
        .env("COFFRE_VAULT", &tv.dir)
        .env("COFFRE_USER", EDU)
        .env("COFFRE_PASSPHRASE", tv.pass(EDU))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the import");
    // Wait until the first group is in the log, then press Ctrl-C.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let log = std::fs::read_to_string(tv.audit_path()).unwrap_or_default();
        if log.contains("\"action\":\"entry.add\"") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no entry was imported within a minute"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(130),
        "interrupted, with a message: {stderr}"
    );
    assert!(
        stderr.contains("interrupted") && stderr.contains("run the same command again"),
        "{stderr}"
    );
    let first = imported_items(&tv);
    let done = first.len();
    assert!(
        done > 0 && done < TOTAL,
        "{done} entries after the interruption"
    );
    assert!(
        stderr.contains(&format!("{done} entries of {TOTAL} are imported")),
        "the message says how far it got ({done}): {stderr}"
    );
    // The vault is consistent after the interruption (the checkpoint was signed).
    tv.verify().expect_code(0, "verify after the interruption");

    // The same file again: only the rest is imported.
    let r = tv.as_user(EDU, &["entry", "import", f, "--group", "5000", "--json"]);
    r.expect_code(0, "resume");
    assert_eq!(r.json()["skipped"], done as u64, "{}", r.stdout);
    assert_eq!(r.json()["imported"], (TOTAL - done) as u64, "{}", r.stdout);
    let all = imported_items(&tv);
    assert_eq!(all.len(), TOTAL, "every entry of the file is imported");
    assert!(
        all.values().all(|c| *c == 1),
        "no entry is imported twice: {:?}",
        all.iter()
            .filter(|(_, c)| **c > 1)
            .take(5)
            .collect::<Vec<_>>()
    );
    assert_eq!(all.keys().next(), Some(&1));
    assert_eq!(all.keys().last(), Some(&(TOTAL as u64)));

    // A third run finds nothing left to import.
    let r = tv.as_user(EDU, &["entry", "import", f, "--json"]);
    r.expect_code(0, "nothing left");
    assert_eq!(r.json()["imported"], 0);
    assert_eq!(imported_items(&tv).len(), TOTAL);
}
