//! Tampering with a vault behind coffre's back: the audit log (altered, truncated,
//! reordered or replaced lines), the vault's policy file, and sealed field values in
//! the record store. Each must be reported as an integrity failure (exit code 5),
//! never accepted silently. Every test first checks that the untouched vault is
//! accepted, so a failure can only come from the tampering.

use crate::util;

use std::path::Path;

use coffre::store::records::{decode, encode, VersionRecord};
use coffre::store::sled_store::SledStore;
use coffre::store::{Batch, Store};
use serde_json::Value;
use util::{mentions_number, TestVault};

/// A vault with a director, a medecin and a dossier holding two medical notes
/// written by the medecin. Returns (vault, dossier, first entry, second entry).
fn setup() -> (TestVault, String, String, String) {
    let mut v = TestVault::new();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, "dr.leroy");
    let e1 = v.add_entry("dr.leroy", &d, "medical", &["text=Première note médicale"]);
    let e2 = v.add_entry("dr.leroy", &d, "medical", &["text=Seconde note médicale"]);
    v.verify().expect_code(0, "untouched vault verifies");
    (v, d, e1, e2)
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("read audit log")
        .lines()
        .map(String::from)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(path, text).expect("write audit log");
}

fn seq_of(line: &str) -> u64 {
    let v: Value = serde_json::from_str(line).expect("audit line is JSON");
    v["seq"].as_u64().expect("seq")
}

/// Changes one character of the value of `key` in an audit line (in place of the
/// character at `offset` inside the value), keeping the line valid JSON.
fn alter_value(line: &str, key: &str, offset: usize, digit: bool) -> String {
    let pat = format!("\"{key}\":\"");
    let start = line
        .find(&pat)
        .unwrap_or_else(|| panic!("no {key} in {line}"))
        + pat.len();
    let mut bytes = line.as_bytes().to_vec();
    let i = start + offset;
    let old = bytes[i];
    bytes[i] = if digit {
        assert!(old.is_ascii_digit(), "not a digit at {i} in {line}");
        b'0' + (old - b'0' + 1) % 10
    } else if old == b'z' {
        b'y'
    } else {
        old + 1
    };
    String::from_utf8(bytes).expect("still text")
}

#[test]
fn altered_audit_line_is_named_by_verify() {
    let (v, _d, _e1, _e2) = setup();
    let path = v.audit_path();
    let original = read_lines(&path);
    assert!(
        original.len() >= 6,
        "enough entries to alter one in the middle"
    );
    let mid = original.len() / 2;
    let seq = seq_of(&original[mid]);

    // (1) One character of the actor.
    let mut lines = original.clone();
    lines[mid] = alter_value(&original[mid], "actor", 1, false);
    assert_ne!(lines[mid], original[mid]);
    write_lines(&path, &lines);
    let r = v.verify();
    r.expect_code(5, "altered actor");
    assert!(
        mentions_number(&r.stderr, "entry", seq) || mentions_number(&r.stderr, "line", seq),
        "the message names the altered entry {seq}: {}",
        r.stderr
    );

    // Restored, it verifies again.
    write_lines(&path, &original);
    v.verify().expect_code(0, "restored log");

    // (2) One digit of the time.
    let mut lines = original.clone();
    lines[mid] = alter_value(&original[mid], "time", 15, true); // a minute digit
    write_lines(&path, &lines);
    let r = v.verify();
    r.expect_code(5, "altered time digit");
    assert!(
        mentions_number(&r.stderr, "entry", seq) || mentions_number(&r.stderr, "line", seq),
        "the message names the altered entry {seq}: {}",
        r.stderr
    );
    write_lines(&path, &original);
    v.verify().expect_code(0, "restored log");
}

#[test]
fn altered_last_audit_line_stops_every_command() {
    let (v, _d, _e1, _e2) = setup();
    let path = v.audit_path();
    let mut lines = read_lines(&path);
    let last = lines.len() - 1;
    lines[last] = alter_value(&lines[last], "actor", 0, false);
    write_lines(&path, &lines);
    v.verify().expect_code(5, "altered last entry");
    // Appending after an altered entry would hide it: the vault refuses to open.
    v.as_user("dr.leroy", &["dossier", "list"])
        .expect_code(5, "command on a log whose last entry is altered");
}

#[test]
fn truncated_audit_log_is_detected() {
    let (v, _d, _e1, _e2) = setup();
    let path = v.audit_path();
    let original = read_lines(&path);

    // The last write was the second `entry add`; its audit entry is the last line.
    write_lines(&path, &original[..original.len() - 1]);
    let r = v.verify();
    r.expect_code(5, "last line cut off");
    assert!(
        !r.stderr.trim().is_empty(),
        "a message explains the failure"
    );

    write_lines(&path, &original[..original.len() - 3]);
    v.verify().expect_code(5, "last three lines cut off");

    write_lines(&path, &original);
    v.verify().expect_code(0, "restored log");
}

/// Cutting entries off the end must stay detectable after someone runs a command.
#[test]
fn truncated_audit_log_stays_detected_after_the_next_command() {
    let (v, _d, _e1, _e2) = setup();
    let path = v.audit_path();
    let original = read_lines(&path);
    write_lines(&path, &original[..original.len() - 1]);
    v.verify().expect_code(5, "last line cut off");
    // Any ordinary command by any member; whatever it does, the removal of the
    // `entry.add` record must not become invisible.
    let _ = v.as_user(&v.admin.clone(), &["dossier", "list"]);
    v.verify()
        .expect_code(5, "truncation after a later command");
}

#[test]
fn swapped_audit_lines_are_detected() {
    let (v, _d, _e1, _e2) = setup();
    let path = v.audit_path();
    let original = read_lines(&path);
    let mid = original.len() / 2;
    let mut lines = original.clone();
    lines.swap(mid, mid + 1);
    write_lines(&path, &lines);
    v.verify().expect_code(5, "two lines swapped");
    write_lines(&path, &original);
    v.verify().expect_code(0, "restored log");
}

#[test]
fn audit_log_of_another_vault_is_detected() {
    let (v, _d, _e1, _e2) = setup();
    // Another vault, with the same people and the same history.
    let (other, _, _, _) = setup();
    let theirs = std::fs::read(other.audit_path()).unwrap();
    assert_ne!(theirs, std::fs::read(v.audit_path()).unwrap());
    std::fs::write(v.audit_path(), &theirs).unwrap();
    v.verify()
        .expect_code(5, "audit log replaced by another vault's");
    // The other vault still accepts its own log.
    other.verify().expect_code(0, "the other vault");
}

#[test]
fn modified_vault_policy_stops_every_command() {
    let (v, d, _e1, _e2) = setup();
    let path = v.dir.join("policy.toml");
    let original = std::fs::read_to_string(&path).unwrap();
    let needle =
        "read = [\"identity\", \"social\", \"care-alerts\", \"psy-synthesis\", \"justice\"]";
    assert!(
        original.contains(needle),
        "the educateur's read list is where the test expects it"
    );
    let modified = original.replacen(
        needle,
        "read = [\"identity\", \"social\", \"care-alerts\", \"psy-synthesis\", \"justice\", \"medical\"]",
        1,
    );
    std::fs::write(&path, &modified).unwrap();

    let r = v.as_user("dr.leroy", &["dossier", "show", &d]);
    r.expect_code(5, "dossier show with a modified policy");
    assert!(
        r.stderr.contains("policy"),
        "the message names the policy: {}",
        r.stderr
    );
    assert!(!r.stdout.contains("note médicale"));
    v.as_user(&v.admin.clone(), &["dossier", "list"])
        .expect_code(5, "dossier list with a modified policy");
    v.verify()
        .expect_code(5, "audit verify with a modified policy");
    v.anon(&["policy", "show"])
        .expect_code(5, "policy show with a modified policy");
    v.anon(&["policy", "explain", "--user", "dr.leroy", "--dossier", &d])
        .expect_code(5, "policy explain with a modified policy");

    // Even a change that alters no right (a comment) is refused.
    std::fs::write(&path, format!("{original}\n# harmless?\n")).unwrap();
    v.verify().expect_code(5, "commented policy");

    std::fs::write(&path, &original).unwrap();
    v.as_user("dr.leroy", &["dossier", "show", &d])
        .expect_code(0, "original policy restored");
}

/// Reads the version record of `entry`, lets `f` change it, and stores it back,
/// while no coffre process holds the vault.
fn edit_version(vault: &Path, entry: &str, version: u32, f: impl FnOnce(&mut VersionRecord)) {
    let store = SledStore::open(&vault.join("store")).expect("open the store directly");
    let key = version_key(&store, entry, version);
    let bytes = store.get(&key).unwrap().expect("version record");
    let mut rec: VersionRecord = decode(&bytes, "x").unwrap();
    f(&mut rec);
    let mut b = Batch::new();
    b.put(key, encode(&rec).unwrap());
    store.commit(b).unwrap();
}

/// The store key of `entry`'s version `version` (`v/{dossier}/{entry}/{version}`),
/// found without knowing the dossier.
fn version_key(store: &SledStore, entry: &str, version: u32) -> Vec<u8> {
    let suffix = format!("/{entry}/{version:08}");
    store
        .scan_prefix(b"v/")
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .find(|k| k.ends_with(suffix.as_bytes()))
        .unwrap_or_else(|| panic!("no version record {suffix}"))
}

fn ciphertext(vault: &Path, entry: &str, version: u32) -> Vec<u8> {
    let store = SledStore::open(&vault.join("store")).expect("open the store directly");
    let bytes = store
        .get(&version_key(&store, entry, version))
        .unwrap()
        .expect("version record");
    let rec: VersionRecord = decode(&bytes, "x").unwrap();
    rec.fields[0].ciphertext.clone()
}

fn audit_has(v: &TestVault, pred: impl Fn(&Value) -> bool) -> bool {
    read_lines(&v.audit_path())
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .any(|e| pred(&e))
}

#[test]
fn flipped_ciphertext_byte_is_an_integrity_failure() {
    let (v, d, e1, e2) = setup();
    let before = v.as_user("dr.leroy", &["entry", "show", &e1, "--json"]);
    before.expect_code(0, "entry readable before tampering");
    assert_eq!(before.json()["fields"]["text"], "Première note médicale");

    edit_version(&v.dir, &e1, 1, |rec| {
        let ct = &mut rec.fields[0].ciphertext;
        let mid = ct.len() / 2;
        ct[mid] ^= 0x01;
    });

    let r = v.as_user("dr.leroy", &["entry", "show", &e1]);
    r.expect_code(5, "entry show of a flipped ciphertext");
    assert!(
        !r.stdout.contains("Première"),
        "no plaintext from a forged value"
    );
    v.as_user("dr.leroy", &["dossier", "show", &d])
        .expect_code(5, "dossier show with a flipped ciphertext");
    // Only the altered entry is affected.
    let other = v.as_user("dr.leroy", &["entry", "show", &e2, "--json"]);
    other.expect_code(0, "the other entry");
    assert_eq!(other.json()["fields"]["text"], "Seconde note médicale");
    // The failed read is in the audit log.
    assert!(
        audit_has(&v, |e| e["action"] == "entry.read"
            && e["entry"] == e1.as_str()
            && e["outcome"] == "error"),
        "the failed read is audited as an error"
    );
}

#[test]
fn ciphertext_moved_to_another_entry_is_an_integrity_failure() {
    let (v, _d, e1, e2) = setup();
    let moved = ciphertext(&v.dir, &e1, 1);
    // Same dossier, same category, same data key: only the associated data (the
    // entry id) tells the two apart.
    edit_version(&v.dir, &e2, 1, |rec| {
        rec.fields[0].ciphertext = moved.clone()
    });

    let r = v.as_user("dr.leroy", &["entry", "show", &e2]);
    r.expect_code(5, "entry show of a moved ciphertext");
    assert!(
        !r.stdout.contains("Première"),
        "the moved value must not be shown as the other entry's"
    );
    let original = v.as_user("dr.leroy", &["entry", "show", &e1, "--json"]);
    original.expect_code(0, "the entry the value was copied from");
    assert_eq!(original.json()["fields"]["text"], "Première note médicale");
}

#[test]
fn old_version_replayed_as_the_latest_is_an_integrity_failure() {
    let (v, _d, e1, _e2) = setup();
    v.as_user(
        "dr.leroy",
        &["entry", "amend", &e1, "--field", "text=Note corrigée"],
    )
    .expect_code(0, "amend");
    let old = ciphertext(&v.dir, &e1, 1);
    edit_version(&v.dir, &e1, 2, |rec| rec.fields[0].ciphertext = old.clone());
    let r = v.as_user("dr.leroy", &["entry", "show", &e1]);
    r.expect_code(5, "version 1's value replayed into version 2");
    assert!(!r.stdout.contains("Première"));
}

#[test]
fn removed_version_record_is_an_integrity_failure() {
    let (v, _d, e1, _e2) = setup();
    v.as_user(
        "dr.leroy",
        &["entry", "amend", &e1, "--field", "text=Note corrigée"],
    )
    .expect_code(0, "amend");
    {
        let store = SledStore::open(&v.dir.join("store")).unwrap();
        let mut b = Batch::new();
        b.remove(version_key(&store, &e1, 2));
        store.commit(b).unwrap();
    }
    let r = v.as_user("dr.leroy", &["entry", "show", &e1]);
    r.expect_code(5, "a version record was removed");
    assert!(
        !r.stdout.contains("Première"),
        "the superseded value must not come back as current"
    );
}
