//! Storage damage is not tampering: a damaged cache file of the record store
//! (sled's snapshot `store/snap.*`, derived from its log) is named, moved aside and
//! rebuilt, and every command goes on; "integrity failure" (exit 5) stays reserved
//! for authenticated data, such as an altered audit entry.

use crate::util;

use std::path::PathBuf;

use util::TestVault;

fn snapshots(tv: &TestVault, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(tv.dir.join("store"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect();
    v.sort();
    v
}

/// Flips a few bytes in the middle of `path`.
fn damage(path: &PathBuf) {
    let mut bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.len() > 32,
        "{} is too small to damage",
        path.display()
    );
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 4] {
        *b ^= 0x5a;
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_damaged_store_snapshot_is_rebuilt_with_a_warning_naming_it() {
    let mut tv = TestVault::new();
    tv.add_staff("e.petit", "Eve Petit", "educateur-specialise", true);
    let d = tv.create_dossier(&tv.admin, "Lou Cache", "2003-04-05");
    tv.team_add(&tv.admin, &d, "e.petit");
    let entry = tv.add_entry("e.petit", &d, "educational", &["text=avant le dommage"]);
    let snaps = snapshots(&tv, "snap.");
    assert!(!snaps.is_empty(), "sled keeps a snapshot file");
    let snap = snaps.last().unwrap().clone();
    damage(&snap);
    let name = snap.file_name().unwrap().to_string_lossy().into_owned();

    // Read-only verification: succeeds, names the file, leaves it in place.
    let v = tv.verify();
    v.expect_code(0, "verify with a damaged snapshot");
    assert!(
        v.stderr.contains(&name) && v.stderr.contains("damaged"),
        "verify names the damaged snapshot: {}",
        v.stderr
    );
    assert!(snap.exists(), "verify changes nothing in the vault");

    // A normal command: succeeds, names the file, moves it aside, data intact.
    let r = tv.as_user("e.petit", &["dossier", "show", &d, "--json"]);
    r.expect_code(0, "show with a damaged snapshot");
    assert!(
        r.stderr.contains(&name) && r.stderr.contains("damaged"),
        "the warning names the damaged snapshot: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("integrity failure"), "{}", r.stderr);
    assert!(r.stdout.contains(&entry), "the entry is still there");
    assert!(r.stdout.contains("avant le dommage"));
    assert_eq!(snapshots(&tv, "damaged-snap.").len(), 1, "moved aside");

    // Everything else works, without further warnings.
    let c = tv.as_user(&tv.admin, &["check"]);
    c.expect_code(0, "check after the rebuild");
    assert!(!c.stderr.contains("damaged"), "{}", c.stderr);
    tv.verify().expect_code(0, "verify after the rebuild");
}

#[test]
fn an_altered_audit_entry_is_still_an_integrity_failure() {
    let tv = TestVault::new();
    tv.create_dossier(&tv.admin, "Lou Audit", "2003-04-05");
    tv.verify().expect_code(0, "verify before");
    let log = tv.audit_path();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("\"vault.init\""));
    std::fs::write(&log, text.replacen("\"vault.init\"", "\"vault.inix\"", 1)).unwrap();
    let v = tv.verify();
    v.expect_code(5, "verify of an altered entry");
    assert!(v.stderr.contains("integrity failure"), "{}", v.stderr);
}
