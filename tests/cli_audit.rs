//! The audit features seen from outside: tampering with the Merkle log and its
//! signed checkpoints (each detected with exit code 5 and a message naming what was
//! altered), checkpoints kept off the machine (`audit checkpoint --out`, `audit
//! verify --since`), who signs which checkpoint, the filters of `audit log`, the
//! person's access history (`audit history`) and the DPO's report (`audit report`)
//! with what a director may and may not see.
//!
//! Checkpoint roots and signatures are also recomputed here from the files alone
//! (SHA-256 / RFC 9162 Merkle tree / Ed25519), independently of coffre's code.
//! Line-level tampering already covered by `cli_tamper.rs` (altered actor or time,
//! truncation, swapped lines, another vault's whole log) is not repeated.

use crate::util;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::Value;
use util::{marker, mentions_number, Run, TestVault};

// ------------------------------------------------------------------ helpers

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .lines()
        .map(String::from)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(path, text).expect("write file");
}

fn checkpoints_path(v: &TestVault) -> PathBuf {
    v.dir.join("checkpoints.log")
}

/// The checkpoints file (or an exported checkpoint) as records, each the lines of
/// a C2SP signed note: origin, size, base64 root, an empty line, signature lines.
/// In `checkpoints.log` each note is followed by an empty line.
fn read_blocks(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let parts: Vec<&str> = text.split("\n\n").collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i + 1 < parts.len() {
        let mut block: Vec<String> = parts[i].lines().map(String::from).collect();
        assert_eq!(block.len(), 3, "origin, size, root: {block:?}");
        assert!(block[0].starts_with("coffre/vault/"), "origin: {block:?}");
        block.push(String::new());
        let sigs: Vec<String> = parts[i + 1].lines().map(String::from).collect();
        assert!(
            !sigs.is_empty() && sigs.iter().all(|l| l.starts_with("\u{2014} ")),
            "signature lines: {sigs:?}"
        );
        block.extend(sigs);
        blocks.push(block);
        i += 2;
    }
    assert!(parts[i..].iter().all(|p| p.trim().is_empty()), "{text}");
    blocks
}

fn write_blocks(path: &Path, blocks: &[Vec<String>]) {
    let text: String = blocks.iter().map(|b| b.join("\n") + "\n\n").collect();
    std::fs::write(path, text).expect("write file");
}

/// A part of a checkpoint record: `origin`, `size`, `root` (base64), `sig` (the
/// first signature line), `signer` (the staff id in its key name) or `key` (its
/// key ID, hex).
fn field(block: &[String], name: &str) -> String {
    let sig = || {
        let b64 = block[4].rsplit(' ').next().unwrap();
        BASE64.decode(b64).expect("signature base64")
    };
    match name {
        "origin" => block[0].clone(),
        "size" => block[1].clone(),
        "root" => block[2].clone(),
        "sig" => block[4].clone(),
        "signer" => {
            let name = block[4].split(' ').nth(1).unwrap();
            name.strip_prefix(&format!("{}/", block[0]))
                .unwrap_or_else(|| panic!("key name {name} is not under the origin"))
                .to_string()
        }
        "key" => hex::encode(&sig()[..4]),
        _ => panic!("no field {name}"),
    }
}

fn set_field(block: &mut [String], name: &str, value: &str) {
    let i = match name {
        "size" => 1,
        "root" => 2,
        _ => panic!("cannot set {name}"),
    };
    block[i] = value.to_string();
}

fn cp_size(block: &[String]) -> u64 {
    field(block, "size").parse().expect("size is a number")
}

/// Replaces the base64 character at byte `i` of `s` by another one.
fn flip_b64_at(s: &str, i: usize) -> String {
    let mut b = s.as_bytes().to_vec();
    b[i] = if b[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(b).expect("still text")
}

/// Replaces the lower-case hex digit at byte `i` of `s` by another hex digit.
fn flip_hex_at(s: &str, i: usize) -> String {
    let mut b = s.as_bytes().to_vec();
    assert!(
        b[i].is_ascii_hexdigit() && !b[i].is_ascii_uppercase(),
        "not a hex digit at {i} in {s}"
    );
    b[i] = if b[i] == b'0' { b'1' } else { b'0' };
    String::from_utf8(b).expect("still text")
}

fn seq_of(line: &str) -> u64 {
    let v: Value = serde_json::from_str(line).expect("audit line is JSON");
    v["seq"].as_u64().expect("seq")
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for p in parts {
        ctx.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// RFC 9162 leaf hash of a line (without its newline).
fn leaf(line: &str) -> [u8; 32] {
    sha256(&[&[0u8], line.as_bytes()])
}

/// RFC 9162 Merkle tree hash of the leaves.
fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => sha256(&[]),
        1 => leaves[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            sha256(&[&[1u8], &mth(&leaves[..k]), &mth(&leaves[k..])])
        }
    }
}

/// Checks a checkpoint record from the files alone: its origin names the vault by
/// the leaf hash of the log's first line, its root is the Merkle root of the first
/// `size` lines of `log`, and its signature line is an Ed25519 note signature under
/// a key name of this vault (4-byte key ID and 64-byte signature). The signature
/// itself needs the signer's registered key, which is not in the files.
#[track_caller]
fn check_block_independently(block: &[String], log: &[String]) {
    let size = cp_size(block) as usize;
    assert!(size <= log.len(), "checkpoint covers more than the log");
    assert_eq!(
        field(block, "origin"),
        format!("coffre/vault/{}", hex::encode(leaf(&log[0])))
    );
    let leaves: Vec<[u8; 32]> = log[..size].iter().map(|l| leaf(l)).collect();
    assert_eq!(
        field(block, "root"),
        BASE64.encode(mth(&leaves)),
        "the signed root is the RFC 9162 root of the first {size} lines"
    );
    let signer = field(block, "signer");
    assert!(!signer.is_empty());
    let b64 = block[4].rsplit(' ').next().unwrap();
    assert_eq!(
        BASE64.decode(b64).unwrap().len(),
        68,
        "key ID and Ed25519 signature"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[track_caller]
fn assert_integrity_failure(r: &Run, what: &str, words: &[&str]) {
    r.expect_code(5, what);
    let msg = r.stderr.to_lowercase();
    for w in words {
        assert!(
            msg.contains(&w.to_lowercase()),
            "{what}: the message should mention '{w}': {}",
            r.stderr
        );
    }
}

/// A vault with a director, a medecin and a dossier with two medical notes: six
/// commands, so six signed checkpoints. Returns (vault, dossier).
fn small_vault() -> (TestVault, String) {
    let mut v = TestVault::new();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, "dr.leroy");
    v.add_entry("dr.leroy", &d, "medical", &["text=Première note"]);
    v.add_entry("dr.leroy", &d, "medical", &["text=Seconde note"]);
    v.verify().expect_code(0, "untouched vault verifies");
    (v, d)
}

/// A vault where several professions work on a dossier: writes, reads, a refusal,
/// a break-the-glass with a justification containing HTML specials, a failed
/// unlock, and a second dossier.
struct Story {
    v: TestVault,
    /// The dossier everything happens to.
    d: String,
    /// Another dossier, read and written by the medecin only.
    d2: String,
    /// dr.nuit's break-the-glass justification.
    just: String,
    /// Field values and identity data that no audit output may contain.
    secrets: Vec<String>,
}

fn story() -> Story {
    let mut v = TestVault::new();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    v.add_staff("dr.nuit", "Nora Nuit", "medecin", true);
    v.add_staff("e.dehors", "Eric Dehors", "educateur-specialise", true);
    v.add_staff("dpo.lambert", "Hélène Lambert", "dpo", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, "dr.leroy");
    v.team_add(&admin, &d, "e.petit");
    let med = marker("medval");
    let edu = marker("eduval");
    v.add_entry("dr.leroy", &d, "medical", &[&format!("text={med}")]);
    v.add_entry("e.petit", &d, "educational", &[&format!("text={edu}")]);
    v.as_user("e.petit", &["dossier", "show", &d])
        .expect_code(0, "educateur reads");
    v.as_user("dr.leroy", &["dossier", "show", &d])
        .expect_code(0, "medecin reads");
    v.as_user("e.dehors", &["dossier", "show", &d])
        .expect_code(3, "educateur outside the team");
    let just = format!("Crise nocturne <b>&\" {}", marker("motif"));
    v.as_user("dr.nuit", &["dossier", "show", &d, "--break-glass", &just])
        .expect_code(0, "medecin breaks the glass");
    v.as_user_pass("dr.leroy", "not-the-passphrase", &["dossier", "list"])
        .expect_code(4, "wrong passphrase");
    let d2 = v.create_dossier(&admin, "Jeanne Autrenom", "1950-03-07");
    v.team_add(&admin, &d2, "dr.leroy");
    let other = marker("otherval");
    v.add_entry("dr.leroy", &d2, "medical", &[&format!("text={other}")]);
    v.as_user("dr.leroy", &["dossier", "show", &d2])
        .expect_code(0, "medecin reads the second dossier");
    let secrets = vec![
        med,
        edu,
        other,
        "Lucas Exemple".into(),
        "2012-05-14".into(),
        "Jeanne Autrenom".into(),
        "1950-03-07".into(),
    ];
    Story {
        v,
        d,
        d2,
        just,
        secrets,
    }
}

#[track_caller]
fn assert_no_secret(text: &str, secrets: &[String], what: &str) {
    for s in secrets {
        assert!(!text.contains(s.as_str()), "{what} shows {s:?}:\n{text}");
    }
}

fn seqs(entries: &[Value]) -> BTreeSet<u64> {
    entries
        .iter()
        .map(|e| e["seq"].as_u64().expect("seq"))
        .collect()
}

// ------------------------------------------------------------------ 1. tampering

#[test]
fn flipped_prev_digit_names_the_entry() {
    let (v, _d) = small_vault();
    let path = v.audit_path();
    let original = read_lines(&path);
    let mid = original.len() / 2;
    let seq = seq_of(&original[mid]);
    assert!(seq > 1);
    let v_digit = &original[mid][5..6];
    let prefix = format!("{{\"v\":{v_digit},\"seq\":{seq},\"prev\":\"");
    assert!(original[mid].starts_with(&prefix));
    let mut lines = original.clone();
    lines[mid] = flip_hex_at(&original[mid], prefix.len() + 17);
    write_lines(&path, &lines);
    let r = v.verify();
    r.expect_code(5, "flipped prev digit");
    assert!(
        mentions_number(&r.stderr, "entry", seq) || mentions_number(&r.stderr, "entry", seq - 1),
        "the message names entry {seq} or {}: {}",
        seq - 1,
        r.stderr
    );
    write_lines(&path, &original);
    v.verify().expect_code(0, "restored log");
}

#[test]
fn altered_checkpoint_signature_or_size_is_detected() {
    let (v, _d) = small_vault();
    let path = checkpoints_path(&v);
    let original = read_blocks(&path);
    assert!(original.len() >= 4, "one checkpoint per command");

    // One hex digit of checkpoint #2's signature.
    let mut blocks = original.clone();
    let sig_line = blocks[1][4].clone();
    assert!(sig_line.starts_with("\u{2014} "));
    blocks[1][4] = flip_b64_at(&sig_line, sig_line.len() - 20);
    write_blocks(&path, &blocks);
    let r = v.verify();
    assert_integrity_failure(
        &r,
        "flipped signature digit",
        &["checkpoint #2", "signature"],
    );
    write_blocks(&path, &original);
    v.verify().expect_code(0, "restored checkpoints");

    // The size of checkpoint #3, one less (a root for fewer entries is not what
    // was signed).
    let mut blocks = original.clone();
    let size = cp_size(&blocks[2]);
    set_field(&mut blocks[2], "size", &(size - 1).to_string());
    write_blocks(&path, &blocks);
    let r = v.verify();
    assert_integrity_failure(
        &r,
        "changed checkpoint size",
        &["checkpoint #3", "signature"],
    );
    write_blocks(&path, &original);
    v.verify().expect_code(0, "restored checkpoints");
}

#[test]
fn reordered_checkpoints_are_detected() {
    let (v, _d) = small_vault();
    let path = checkpoints_path(&v);
    let original = read_blocks(&path);
    let mut blocks = original.clone();
    blocks.swap(1, 2);
    write_blocks(&path, &blocks);
    let r = v.verify();
    assert_integrity_failure(&r, "swapped checkpoints", &["checkpoint #3", "reordered"]);
    write_blocks(&path, &original);
    v.verify().expect_code(0, "restored checkpoints");
}

/// The store remembers how many entries the latest checkpoint covered, so removing
/// the last checkpoint block (or restoring an older checkpoints file) is detected.
#[test]
fn removed_last_checkpoint_is_detected() {
    let (v, _d) = small_vault();
    let path = checkpoints_path(&v);
    let original = read_blocks(&path);
    let mut blocks = original.clone();
    blocks.pop();
    write_blocks(&path, &blocks);
    let r = v.verify();
    assert_integrity_failure(&r, "last checkpoint removed", &["checkpoints were removed"]);
    write_blocks(&path, &original);
    v.verify().expect_code(0, "restored checkpoints");
}

/// A checkpoint write cut short by a crash (a partial block at the end) is cut off
/// at the next open; the complete checkpoints before it stay.
#[test]
fn partial_checkpoint_at_the_end_is_repaired() {
    let (v, _d) = small_vault();
    let path = checkpoints_path(&v);
    let text = std::fs::read_to_string(&path).unwrap();
    let first = text.split("\n\n").next().unwrap();
    std::fs::write(&path, format!("{text}{first}\n\n\u{2014} coffre/va")).unwrap();
    v.as_user("dr.leroy", &["dossier", "list"])
        .expect_code(0, "a command after the crash");
    v.verify().expect_code(0, "verify after the repair");
}

#[test]
fn earlier_copy_of_both_logs_is_refused() {
    let (v, d) = small_vault();
    let log0 = std::fs::read(v.audit_path()).unwrap();
    let cps0 = std::fs::read(checkpoints_path(&v)).unwrap();
    v.add_entry("dr.leroy", &d, "medical", &["text=Troisième note"]);
    v.as_user("dr.leroy", &["dossier", "show", &d])
        .expect_code(0, "read");
    v.verify().expect_code(0, "grown log");

    // A shorter log that is valid on its own, with its own valid checkpoints.
    std::fs::write(v.audit_path(), &log0).unwrap();
    std::fs::write(checkpoints_path(&v), &cps0).unwrap();
    let r = v.verify();
    // The members' signed records of where the log ended name the lines cut off.
    assert_integrity_failure(&r, "earlier copy of both logs", &["no longer holds"]);
    v.as_user("dr.leroy", &["dossier", "list"])
        .expect_code(5, "any command on a replaced log");
}

#[test]
fn kept_checkpoint_is_extended_by_the_grown_log() {
    let (v, d) = small_vault();
    let kept = v.root.path().join("kept-checkpoint.txt");
    v.anon(&["audit", "checkpoint", "--out", kept.to_str().unwrap()])
        .expect_code(0, "export a checkpoint");
    let kept_size = cp_size(&read_blocks(&kept)[0]);

    v.add_entry("dr.leroy", &d, "medical", &["text=Troisième note"]);
    v.as_user("dr.leroy", &["dossier", "show", &d])
        .expect_code(0, "read");
    v.as_user(&v.admin.clone(), &["dossier", "list"])
        .expect_code(0, "list");
    let entries = read_lines(&v.audit_path()).len() as u64;
    assert!(entries > kept_size);

    let r = v.anon(&["audit", "verify", "--since", kept.to_str().unwrap()]);
    r.expect_code(0, "verify --since a kept checkpoint");
    assert!(
        r.stdout.contains("consistency proof")
            && r.stdout.contains(&format!(
                "extends the given checkpoint of {kept_size} entries"
            )),
        "the output mentions the consistency proof: {}",
        r.stdout
    );
    let j = v.anon(&[
        "audit",
        "verify",
        "--since",
        kept.to_str().unwrap(),
        "--json",
    ]);
    j.expect_code(0, "verify --since --json");
    let j = j.json();
    assert_eq!(j["entries"], entries);
    assert_eq!(j["since"]["size"], kept_size);
    assert!(j["since"]["proof_hashes"].as_u64().unwrap() >= 1);
}

/// Rolling back the whole vault (store and logs) to an earlier consistent state is
/// invisible without an anchor, and caught by a checkpoint kept off the machine.
#[test]
fn rollback_of_the_whole_vault_is_caught_by_a_kept_checkpoint() {
    let (v, d) = small_vault();
    let snapshot = v.root.path().join("snapshot");
    copy_dir(&v.dir, &snapshot);
    let n0 = read_lines(&v.audit_path()).len();

    v.add_entry(
        "dr.leroy",
        &d,
        "medical",
        &["text=Note à faire disparaître"],
    );
    v.as_user("dr.leroy", &["dossier", "show", &d])
        .expect_code(0, "read");
    let kept = v.root.path().join("kept.txt");
    v.anon(&["audit", "checkpoint", "--out", kept.to_str().unwrap()])
        .expect_code(0, "export");
    let kept_size = cp_size(&read_blocks(&kept)[0]) as usize;
    assert!(kept_size > n0);

    std::fs::remove_dir_all(&v.dir).unwrap();
    copy_dir(&snapshot, &v.dir);
    v.verify()
        .expect_code(0, "a consistent older vault verifies on its own");
    let r = v.anon(&["audit", "verify", "--since", kept.to_str().unwrap()]);
    r.expect_code(5, "rolled back below the kept checkpoint");
    assert!(
        r.stderr.contains(&format!("covers {kept_size}")) || r.stderr.contains("cut off"),
        "{}",
        r.stderr
    );

    // Work goes on in the rolled-back vault until it is longer than the kept
    // checkpoint: its first entries are now different, so it does not extend it.
    for _ in 0..20 {
        if read_lines(&v.audit_path()).len() > kept_size {
            break;
        }
        v.as_user("dr.leroy", &["dossier", "list"])
            .expect_code(0, "list");
    }
    assert!(read_lines(&v.audit_path()).len() > kept_size);
    v.verify()
        .expect_code(0, "the rewritten history verifies on its own");
    let r = v.anon(&["audit", "verify", "--since", kept.to_str().unwrap()]);
    assert_integrity_failure(
        &r,
        "rewritten history longer than the kept checkpoint",
        &["does not extend"],
    );
}

#[test]
fn checkpoint_of_another_vault_is_refused_as_since() {
    let (v, _d) = small_vault();
    let (other, _) = small_vault();
    let theirs = other.root.path().join("theirs.txt");
    other
        .anon(&["audit", "checkpoint", "--out", theirs.to_str().unwrap()])
        .expect_code(0, "export from the other vault");
    other
        .anon(&["audit", "verify", "--since", theirs.to_str().unwrap()])
        .expect_code(0, "valid for its own vault");
    let r = v.anon(&["audit", "verify", "--since", theirs.to_str().unwrap()]);
    assert_integrity_failure(&r, "another vault's checkpoint", &["another vault"]);

    // A kept checkpoint of this vault whose root was altered no longer verifies.
    let mine = v.root.path().join("mine.txt");
    v.anon(&["audit", "checkpoint", "--out", mine.to_str().unwrap()])
        .expect_code(0, "export");
    let mut block = read_blocks(&mine).remove(0);
    let root = field(&block, "root").to_string();
    set_field(&mut block, "root", &flip_b64_at(&root, 5));
    write_lines(&mine, &block);
    let r = v.anon(&["audit", "verify", "--since", mine.to_str().unwrap()]);
    assert_integrity_failure(&r, "altered kept checkpoint", &["signature"]);
}

#[test]
fn line_spliced_from_another_vault_is_refused() {
    let (v, _d) = small_vault();
    let (other, d2) = small_vault();
    // Make the other log longer, so it has a line with the next number.
    other.add_entry("dr.leroy", &d2, "medical", &["text=Autre"]);
    other
        .as_user("dr.leroy", &["dossier", "show", &d2])
        .expect_code(0, "read");
    let original = read_lines(&v.audit_path());
    let n = original.len() as u64;
    let theirs = read_lines(&other.audit_path());
    let spliced = theirs
        .iter()
        .find(|l| seq_of(l) == n + 1)
        .expect("the other vault has an entry numbered n+1")
        .clone();
    let mut lines = original.clone();
    lines.push(spliced);
    write_lines(&v.audit_path(), &lines);

    let r = v.verify();
    r.expect_code(5, "spliced line");
    assert!(
        mentions_number(&r.stderr, "entry", n + 1) || mentions_number(&r.stderr, "entry", n),
        "the message names entry {} or {n}: {}",
        n + 1,
        r.stderr
    );
    v.as_user("dr.leroy", &["dossier", "list"])
        .expect_code(5, "a command on a log with a spliced line");
    assert_eq!(
        read_lines(&v.audit_path()),
        lines,
        "the refused line is left in place as evidence"
    );
    write_lines(&v.audit_path(), &original);
    v.verify().expect_code(0, "restored log");
}

/// An entry in canonical form, chained to `prev_line`, as anyone with write access
/// to the disk can make one (SHA-256 needs no key). Its `aprev` is `aprev`, the last
/// line by the actor before it, and its `dprev` is `dprev`, the last line naming the
/// dossier before it.
fn forged_line(
    seq: u64,
    prev_line: &str,
    actor: &str,
    aprev: u64,
    dossier: &str,
    dprev: u64,
) -> String {
    format!(
        "{{\"v\":6,\"seq\":{seq},\"prev\":\"{}\",\"time\":\"2026-01-05T03:00:00Z\",\"actor\":\"{actor}\",\"aprev\":{aprev},\"profession\":\"medecin\",\"action\":\"dossier.read\",\"dossier\":\"{dossier}\",\"dprev\":{dprev},\"entry\":null,\"target\":null,\"categories\":[\"medical\"],\"outcome\":\"ok\",\"break_glass\":false,\"detail\":null,\"justification\":null,\"nonce\":\"00112233445566778899aabbccddeeff\"}}",
        hex::encode(leaf(prev_line))
    )
}

/// Entries appended behind coffre's back, correctly chained, cannot be told apart
/// from entries a crash left unrecorded (the store records the log's end lazily, so
/// a killed process can leave many). `audit verify` (read-only) warns about them
/// and changes nothing; the next writing open takes them in but records an
/// `audit.adopted` entry naming them, before any member signs: the signer does not
/// vouch for them, `audit verify` still warns about them and the DPO's report
/// lists them.
#[test]
fn forged_entries_appended_behind_coffres_back_are_flagged_not_vouched_for() {
    let (mut v, d) = small_vault();
    v.add_staff("dpo.lambert", "Hélène Lambert", "dpo", true);
    let path = v.audit_path();
    let original = read_lines(&path);
    let n = original.len() as u64;
    let mut lines = original.clone();
    let last_about = original
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["dossier"] == d.as_str())
        .map(|e| e["seq"].as_u64().unwrap())
        .last()
        .unwrap_or(0);
    let last_by = original
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["actor"] == "dr.leroy")
        .map(|e| e["seq"].as_u64().unwrap())
        .last()
        .unwrap_or(0);
    let first = forged_line(
        n + 1,
        &original[original.len() - 1],
        "dr.leroy",
        last_by,
        &d,
        last_about,
    );
    let second = forged_line(n + 2, &first, "dr.leroy", n + 1, &d, n + 1);
    lines.push(first);
    lines.push(second);
    write_lines(&path, &lines);

    let r = v.verify();
    r.expect_code(0, "unrecorded entries are reported, not refused");
    let expected = format!(
        "entries {} to {} were found beyond the recorded end",
        n + 1,
        n + 2
    );
    assert!(
        r.stderr.contains("warning") && r.stderr.contains(&expected),
        "{}",
        r.stderr
    );
    // Verification is read-only: nothing appended.
    assert_eq!(read_lines(&path), lines);
    // The next command takes them in; the flag is itself an audit entry, written
    // before anyone signs again, and the command signs the whole log.
    v.as_user(&v.admin.clone(), &["dossier", "list"])
        .expect_code(0, "a later command");
    let after = read_lines(&path);
    assert!(after.len() as u64 >= n + 3);
    assert!(
        after[n as usize + 2].contains("\"action\":\"audit.adopted\""),
        "{}",
        after[n as usize + 2]
    );
    let r = v.verify();
    r.expect_code(0, "verify after the next command");
    assert!(r.stdout.contains(&expected), "{}", r.stdout);
    let r = v.as_user(
        "dpo.lambert",
        &["--json", "audit", "report", "--format", "json"],
    );
    r.expect_code(0, "report");
    let rep: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(rep["totals"]["adopted"], 1, "{}", r.stdout);
    assert!(rep["adopted"][0]["detail"]
        .as_str()
        .unwrap()
        .contains(&expected));
}

// ------------------------------------------------------------------ 2. export

#[test]
fn exported_checkpoint_verifies_at_once_and_is_never_overwritten() {
    let (v, _d) = small_vault();
    let log_before = std::fs::read(v.audit_path()).unwrap();
    let cps_before = std::fs::read(checkpoints_path(&v)).unwrap();
    let out = v.root.path().join("cp.txt");
    let r = v.anon(&["audit", "checkpoint", "--out", out.to_str().unwrap()]);
    r.expect_code(0, "audit checkpoint --out");
    let exported = read_blocks(&out);
    assert_eq!(exported.len(), 1, "one checkpoint");
    assert_eq!(
        &exported[0],
        read_blocks(&checkpoints_path(&v)).last().unwrap(),
        "the latest checkpoint is exported"
    );
    check_block_independently(&exported[0], &read_lines(&v.audit_path()));
    // Neither an audit entry nor a checkpoint is added by exporting or verifying.
    let r = v.anon(&["audit", "verify", "--since", out.to_str().unwrap()]);
    r.expect_code(0, "verify --since the fresh export");
    assert!(
        r.stdout.contains("extends the given checkpoint"),
        "{}",
        r.stdout
    );
    assert_eq!(std::fs::read(v.audit_path()).unwrap(), log_before);
    assert_eq!(std::fs::read(checkpoints_path(&v)).unwrap(), cps_before);

    // An existing file is never overwritten: neither the export itself …
    let text = std::fs::read_to_string(&out).unwrap();
    let r = v.anon(&["audit", "checkpoint", "--out", out.to_str().unwrap()]);
    assert_ne!(r.code, 0, "export over an existing checkpoint file");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
    // … nor any other file.
    let precious = v.root.path().join("precious.txt");
    std::fs::write(&precious, "keep me\n").unwrap();
    let r = v.anon(&["audit", "checkpoint", "--out", precious.to_str().unwrap()]);
    assert_ne!(r.code, 0, "export over an existing file");
    assert!(!r.stderr.trim().is_empty(), "the refusal is explained");
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me\n");
}

// ------------------------------------------------------------------ 3. signers

#[test]
fn each_command_is_signed_by_its_actor_and_failed_unlocks_by_the_next() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    let cps = checkpoints_path(&v);

    // The director's last command is signed by the director and covers everything.
    let blocks = read_blocks(&cps);
    let log = read_lines(&v.audit_path());
    let last = blocks.last().unwrap();
    assert_eq!(field(last, "signer"), admin);
    assert_eq!(cp_size(last), log.len() as u64);
    for b in &blocks {
        check_block_independently(b, &log);
    }
    let admin_key = field(last, "key").to_string();

    // A command by the medecin: one more checkpoint, signed by the medecin.
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, "dr.leroy");
    let before = read_blocks(&cps).len();
    v.add_entry("dr.leroy", &d, "medical", &["text=note"]);
    let blocks = read_blocks(&cps);
    let log = read_lines(&v.audit_path());
    assert_eq!(blocks.len(), before + 1, "one checkpoint per command");
    let last = blocks.last().unwrap();
    assert_eq!(field(last, "signer"), "dr.leroy");
    assert_eq!(cp_size(last), log.len() as u64);
    assert_ne!(
        field(last, "key"),
        admin_key,
        "each member has their own key"
    );
    check_block_independently(last, &log);

    // A failed unlock is logged but cannot be signed.
    v.as_user_pass("dr.leroy", "wrong passphrase", &["dossier", "list"])
        .expect_code(4, "wrong passphrase");
    let blocks = read_blocks(&cps);
    let log = read_lines(&v.audit_path());
    assert_eq!(
        blocks.len(),
        before + 1,
        "no checkpoint after a failed unlock"
    );
    let failed: Value = serde_json::from_str(log.last().unwrap()).unwrap();
    assert_eq!(failed["action"], "unlock");
    assert_eq!(failed["outcome"], "failed");
    assert_eq!(failed["actor"], "dr.leroy");
    assert_eq!(cp_size(blocks.last().unwrap()) + 1, log.len() as u64);
    let r = v.verify();
    r.expect_code(0, "a failed unlock is a valid, unsigned entry");
    assert!(
        r.stdout
            .contains("the last 1 entries are not covered by a signed checkpoint"),
        "{}",
        r.stdout
    );

    // The next successful command, by someone else, covers it.
    v.as_user(&admin, &["dossier", "list"])
        .expect_code(0, "director lists");
    let blocks = read_blocks(&cps);
    let log = read_lines(&v.audit_path());
    let last = blocks.last().unwrap();
    assert_eq!(field(last, "signer"), admin);
    assert_eq!(field(last, "key"), admin_key, "the same key as before");
    assert_eq!(cp_size(last), log.len() as u64);
    check_block_independently(last, &log);
    let r = v.verify();
    r.expect_code(0, "verify");
    assert!(!r.stdout.contains("not covered"), "{}", r.stdout);

    // A command that logs nothing adds no checkpoint.
    v.anon(&["policy", "show"]).expect_code(0, "policy show");
    assert_eq!(read_blocks(&cps).len(), blocks.len());
}

// ------------------------------------------------------------------ 4. audit log

#[test]
fn audit_log_filters_return_only_matching_entries() {
    let s = story();
    let v = &s.v;
    let dpo = "dpo.lambert";
    // Entries in at least two different seconds, for the time bounds below.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    v.as_user("dr.leroy", &["dossier", "list"])
        .expect_code(0, "a later command");
    let full = v.audit_log(dpo, &[]);
    let max = *seqs(&full).last().unwrap();
    assert_eq!(
        full.last().unwrap()["action"],
        "audit.read",
        "the reading itself is recorded before reading"
    );
    // The reference: entries up to `max` that the predicate selects.
    let check = |filters: &[&str], pred: &dyn Fn(&Value) -> bool, what: &str| {
        let got = v.audit_log(dpo, filters);
        assert!(!got.is_empty(), "{what}: no entry");
        for e in &got {
            assert!(pred(e), "{what}: entry does not match: {e}");
        }
        let expected: BTreeSet<u64> = full
            .iter()
            .filter(|e| pred(e))
            .map(|e| e["seq"].as_u64().unwrap())
            .collect();
        let got_old: BTreeSet<u64> = seqs(&got).into_iter().filter(|q| *q <= max).collect();
        assert_eq!(
            got_old, expected,
            "{what}: the matching entries, all of them"
        );
        got
    };

    let on_d = check(
        &["--dossier", &s.d],
        &|e| e["dossier"] == s.d.as_str(),
        "--dossier",
    );
    assert!(on_d.iter().any(|e| e["action"] == "entry.add"));
    assert!(on_d.iter().any(|e| e["action"] == "break-glass.open"));
    check(
        &["--dossier", &s.d2],
        &|e| e["dossier"] == s.d2.as_str(),
        "--dossier d2",
    );
    check(
        &["--actor", "e.petit"],
        &|e| e["actor"] == "e.petit",
        "--actor",
    );
    check(
        &["--action", "dossier.read"],
        &|e| e["action"] == "dossier.read",
        "--action",
    );
    let denied = check(
        &["--outcome", "denied"],
        &|e| e["outcome"] == "denied",
        "--outcome denied",
    );
    assert!(denied.iter().any(|e| e["actor"] == "e.dehors"));
    let failed = check(
        &["--outcome", "failed"],
        &|e| e["outcome"] == "failed",
        "--outcome failed",
    );
    assert!(failed.iter().all(|e| e["action"] == "unlock"));
    check(
        &[
            "--actor",
            "dr.leroy",
            "--dossier",
            &s.d2,
            "--action",
            "entry.add",
        ],
        &|e| {
            e["actor"] == "dr.leroy" && e["dossier"] == s.d2.as_str() && e["action"] == "entry.add"
        },
        "combined filters",
    );

    // Time bounds, from the time of an entry in the middle.
    let t = full[full.len() / 2]["time"].as_str().unwrap().to_string();
    let since = check(
        &["--since", &t],
        &|e| e["time"].as_str().unwrap() >= t.as_str(),
        "--since a time",
    );
    assert!(since
        .iter()
        .all(|e| e["time"].as_str().unwrap() >= t.as_str()));
    let first = full[0]["time"].as_str().unwrap().to_string();
    let later = full
        .iter()
        .map(|e| e["time"].as_str().unwrap())
        .find(|x| *x > first.as_str())
        .expect("entries in two different seconds");
    let until = check(
        &["--until", later],
        &|e| e["time"].as_str().unwrap() < later,
        "--until a time",
    );
    assert!(until.len() < full.len(), "--until leaves later entries out");
    // The reading of the log is recorded with the current time, before reading: a
    // bound in the future or in the past selects nothing, not even that reading.
    let r = v.as_user(dpo, &["audit", "log", "--json", "--since", "2199-12-31"]);
    r.expect_code(0, "--since the future");
    assert!(
        r.stdout.trim().is_empty(),
        "nothing after 2199: {}",
        r.stdout
    );
    let r = v.as_user(dpo, &["audit", "log", "--json", "--until", "2000-01-01"]);
    r.expect_code(0, "--until the past");
    assert!(
        r.stdout.trim().is_empty(),
        "nothing before 2000: {}",
        r.stdout
    );
    let all = v.audit_log(dpo, &["--since", "2000-01-01", "--until", "2199-12-31"]);
    assert!(seqs(&full).is_subset(&seqs(&all)));
    let own = all.last().unwrap();
    assert_eq!(own["action"], "audit.read", "this very reading is included");
    assert_eq!(own["actor"], dpo);

    // Every reading is itself in the log, with its filter.
    let reads = v.audit_log(dpo, &["--action", "audit.read"]);
    assert!(reads.iter().all(|e| e["action"] == "audit.read"));
    assert!(
        reads.iter().any(|e| e["actor"] == dpo
            && e["outcome"] == "ok"
            && e["detail"]
                .as_str()
                .is_some_and(|d| d.contains(&format!("dossier={}", s.d)))),
        "the --dossier reading is recorded: {reads:?}"
    );
    assert!(reads.iter().any(|e| e["detail"]
        .as_str()
        .is_some_and(|d| d.contains("since=2199-12-31"))));

    // Others may not read it; the refusal is recorded.
    for who in ["dr.leroy", "e.petit", v.admin.as_str()] {
        let r = v.as_user(who, &["audit", "log", "--json"]);
        r.expect_code(3, &format!("{who} reads the audit log"));
        assert!(
            r.stdout.trim().is_empty(),
            "{who} got entries: {}",
            r.stdout
        );
    }
    let refused = v.audit_log(dpo, &["--action", "audit.read", "--outcome", "denied"]);
    for who in ["dr.leroy", "e.petit", v.admin.as_str()] {
        assert!(
            refused.iter().any(|e| e["actor"] == who),
            "{who}'s refused reading is recorded: {refused:?}"
        );
    }
    assert_no_secret(
        &v.as_user(dpo, &["audit", "log"]).stdout,
        &s.secrets,
        "audit log (text)",
    );
}

/// `--since` / `--until` take "a date (YYYY-MM-DD) or a time (RFC 3339)"; a real
/// date far in the future is a date, and selects nothing.
#[test]
fn audit_log_accepts_any_real_date_as_bound() {
    let mut v = TestVault::new();
    v.add_staff("dpo.lambert", "Hélène Lambert", "dpo", true);
    for bound in ["2999-01-01", "2999-01-01T00:00:00Z"] {
        let r = v.as_user("dpo.lambert", &["audit", "log", "--json", "--since", bound]);
        r.expect_code(0, &format!("--since {bound}"));
        assert!(
            r.stdout.trim().is_empty(),
            "nothing after {bound}: {}",
            r.stdout
        );
    }
    let r = v.as_user(
        "dpo.lambert",
        &["audit", "log", "--json", "--until", "2999-01-01"],
    );
    r.expect_code(0, "--until 2999-01-01");
    assert!(!r.stdout.trim().is_empty(), "everything before 2999");
}

// ------------------------------------------------------------------ 5. history

#[test]
fn access_history_tells_who_did_what_without_contents() {
    let s = story();
    let v = &s.v;
    let dpo = "dpo.lambert";
    let r = v.as_user(dpo, &["audit", "history", &s.d, "--json"]);
    r.expect_code(0, "audit history --json");
    assert_no_secret(&r.stdout, &s.secrets, "audit history --json");
    let items = r.json_lines();
    assert!(!items.is_empty());
    for i in &items {
        for key in [
            "seq",
            "time",
            "actor",
            "name",
            "profession",
            "profession_label",
            "action",
            "what",
            "categories",
            "outcome",
            "break_glass",
            "justification",
        ] {
            assert!(i.get(key).is_some(), "history item lacks {key}: {i}");
        }
    }
    let find = |pred: &dyn Fn(&Value) -> bool, what: &str| -> Value {
        items
            .iter()
            .find(|i| pred(i))
            .unwrap_or_else(|| panic!("{what} missing from the history: {items:#?}"))
            .clone()
    };
    // Writes, with names, profession labels and categories.
    let w = find(
        &|i| i["action"] == "entry.add" && i["actor"] == "dr.leroy",
        "the medecin's write",
    );
    assert_eq!(w["name"], "Camille Leroy");
    assert_eq!(w["profession_label"], "Médecin");
    assert_eq!(w["categories"], serde_json::json!(["medical"]));
    assert_eq!(w["outcome"], "ok");
    let w = find(
        &|i| i["action"] == "entry.add" && i["actor"] == "e.petit",
        "the educateur's write",
    );
    assert_eq!(w["name"], "Emma Petit");
    assert_eq!(w["profession_label"], "Éducateur·rice spécialisé·e");
    assert_eq!(w["categories"], serde_json::json!(["educational"]));
    // Reads, with the categories actually read.
    let rd = find(
        &|i| i["action"] == "dossier.read" && i["actor"] == "e.petit" && i["outcome"] == "ok",
        "the educateur's read",
    );
    let cats: Vec<&str> = rd["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        cats.contains(&"educational") && !cats.contains(&"medical"),
        "{cats:?}"
    );
    assert_eq!(rd["break_glass"], false);
    assert_eq!(rd["justification"], Value::Null);
    find(
        &|i| i["action"] == "dossier.read" && i["actor"] == "dr.leroy" && i["outcome"] == "ok",
        "the medecin's read",
    );
    // The refusal.
    let no = find(
        &|i| i["actor"] == "e.dehors" && i["outcome"] == "denied",
        "the refused read",
    );
    assert_eq!(no["name"], "Eric Dehors");
    assert!(no["what"].as_str().unwrap().contains("refused"), "{no}");
    // Break the glass, with the justification in the actor's own words.
    let bg = find(
        &|i| i["action"] == "break-glass.open" && i["actor"] == "dr.nuit",
        "the break-the-glass",
    );
    assert_eq!(bg["break_glass"], true);
    assert_eq!(bg["justification"], s.just.as_str());
    assert_eq!(bg["name"], "Nora Nuit");
    assert_eq!(bg["profession_label"], "Médecin");
    let bg_read = find(
        &|i| i["action"] == "dossier.read" && i["actor"] == "dr.nuit",
        "the break-the-glass read",
    );
    assert_eq!(bg_read["break_glass"], true);
    // Nothing about the other dossier.
    assert!(!r.stdout.contains(&s.d2));
    // The justification is stored encrypted, never as text.
    let raw = std::fs::read_to_string(v.audit_path()).unwrap();
    assert!(!raw.contains(s.just.split(' ').next_back().unwrap()));

    // The text form tells the same, in words.
    let t = v.as_user(dpo, &["audit", "history", &s.d]);
    t.expect_code(0, "audit history (text)");
    assert_no_secret(&t.stdout, &s.secrets, "audit history (text)");
    assert!(t.stdout.contains("Nora Nuit (Doctor)"), "{}", t.stdout);
    assert!(t.stdout.contains(&s.just), "{}", t.stdout);

    // Those consultations are in the next history; others may not consult it, and
    // their attempt is in the history too.
    v.as_user(&v.admin.clone(), &["audit", "history", &s.d])
        .expect_code(3, "the director consults the history");
    let e = v.as_user("e.petit", &["audit", "history", &s.d, "--json"]);
    e.expect_code(3, "the educateur consults the history");
    assert!(e.stdout.trim().is_empty());
    let again = v.as_user(dpo, &["audit", "history", &s.d, "--json"]);
    again.expect_code(0, "history again");
    let again = again.json_lines();
    let max_before = *seqs(&items).last().unwrap();
    assert!(
        again.iter().any(|i| i["action"] == "audit.history"
            && i["actor"] == dpo
            && i["outcome"] == "ok"
            && i["seq"].as_u64().unwrap() <= max_before),
        "the first consultation is in the history"
    );
    assert!(
        again.iter().any(|i| i["action"] == "audit.history"
            && i["actor"] == "e.petit"
            && i["outcome"] == "denied"),
        "the refused consultation is in the history"
    );
    let mine = again.last().unwrap();
    assert_eq!(
        mine["action"], "audit.history",
        "this consultation comes last"
    );
    assert_eq!(mine["name"], "Hélène Lambert");
}

// ------------------------------------------------------------------ 6. report

#[test]
fn report_full_for_the_dpo_aggregate_for_the_director() {
    let s = story();
    let v = &s.v;
    let dpo = "dpo.lambert";
    let r = v.as_user(dpo, &["audit", "report", "--format", "json"]);
    r.expect_code(0, "dpo report json");
    assert_no_secret(&r.stdout, &s.secrets, "dpo report");
    let rep = r.json();
    assert_eq!(rep["scope"], "full");
    assert!(
        rep["integrity"].as_str().unwrap().starts_with("verified"),
        "{}",
        rep["integrity"]
    );
    let t = &rep["totals"];
    assert!(t["break_glass"].as_u64().unwrap() >= 1);
    assert!(t["denied"].as_u64().unwrap() >= 1);
    assert!(t["failed_unlocks"].as_u64().unwrap() >= 1);
    assert!(t["reads"].as_u64().unwrap() >= 4);
    assert!(t["writes"].as_u64().unwrap() >= 3);
    let bg = rep["break_glass"].as_array().unwrap();
    assert!(
        bg.iter()
            .any(|i| i["actor"] == "dr.nuit" && i["justification"] == s.just.as_str()),
        "the justification is in the report: {bg:?}"
    );
    let refusals = rep["refusals"].as_array().unwrap();
    assert!(
        refusals
            .iter()
            .any(|i| i["actor"] == "e.dehors" && i["dossier"] == s.d.as_str()),
        "{refusals:?}"
    );
    let failed = rep["failed_unlocks"].as_array().unwrap();
    assert!(
        failed.iter().any(|i| i["actor"] == "dr.leroy"),
        "{failed:?}"
    );
    let byp = &rep["by_profession"];
    assert!(byp["medecin"]["reads"].as_u64().unwrap() >= 2, "{byp}");
    assert_eq!(byp["medecin"]["dossiers_read"], 2, "{byp}");
    assert!(
        byp["educateur-specialise"]["reads"].as_u64().unwrap() >= 1,
        "{byp}"
    );
    assert!(
        byp["educateur-specialise"]["denied"].as_u64().unwrap() >= 1,
        "{byp}"
    );
    let by_actor = rep["by_actor"].as_array().unwrap();
    assert!(by_actor
        .iter()
        .any(|a| a["actor"] == "dr.nuit" && a["name"] == "Nora Nuit"));

    // HTML: one self-contained, escaped page.
    let h = v.as_user(dpo, &["audit", "report", "--format", "html"]);
    h.expect_code(0, "dpo report html");
    let html = h.stdout.trim_start();
    assert!(
        html.starts_with("<!DOCTYPE html>"),
        "{}",
        &html[..html.len().min(80)]
    );
    for bad in ["http://", "https://", "<script", "src="] {
        assert!(
            !html.to_lowercase().contains(bad),
            "the page contains {bad}"
        );
    }
    assert!(
        html.contains("&lt;b&gt;&amp;&quot;"),
        "the justification is escaped"
    );
    assert!(!html.contains("<b>&\""), "no raw justification markup");
    assert_no_secret(html, &s.secrets, "dpo report html");
    let text = v.as_user(dpo, &["audit", "report"]);
    text.expect_code(0, "dpo report text");
    assert!(text.stdout.contains(&s.just), "{}", text.stdout);

    // The director: aggregates only.
    let admin = v.admin.clone();
    let r = v.as_user(&admin, &["audit", "report", "--format", "json"]);
    r.expect_code(0, "director report json");
    let agg = r.json();
    assert_eq!(agg["scope"], "aggregate");
    for list in [
        "by_actor",
        "break_glass",
        "refusals",
        "failed_unlocks",
        "outside_hours",
        "bursts",
        "recovery_uses",
    ] {
        assert_eq!(
            agg[list],
            serde_json::json!([]),
            "{list} in an aggregate report"
        );
    }
    let t = &agg["totals"];
    assert!(t["break_glass"].as_u64().unwrap() >= 1);
    assert!(t["denied"].as_u64().unwrap() >= 1);
    assert!(t["failed_unlocks"].as_u64().unwrap() >= 1);
    assert!(agg["by_profession"]["medecin"]["reads"].as_u64().unwrap() >= 2);
    for fmt in ["json", "text", "html"] {
        let r = v.as_user(&admin, &["audit", "report", "--format", fmt]);
        r.expect_code(0, &format!("director report {fmt}"));
        for personal in [
            "dr.nuit",
            "Nora Nuit",
            "e.dehors",
            "Eric Dehors",
            "dr.leroy",
            "Camille Leroy",
            "Crise nocturne",
            s.just.as_str(),
        ] {
            assert!(
                !r.stdout.contains(personal),
                "the director's {fmt} report shows {personal:?}"
            );
        }
        assert_no_secret(&r.stdout, &s.secrets, "director report");
    }

    // Others: refused, and the refusal is recorded.
    let e = v.as_user("e.petit", &["audit", "report", "--format", "json"]);
    e.expect_code(3, "educateur report");
    assert!(e.stdout.trim().is_empty());
    let log = v.audit_log(dpo, &["--action", "audit.report"]);
    assert!(log
        .iter()
        .any(|x| x["actor"] == "e.petit" && x["outcome"] == "denied"));
    assert!(log
        .iter()
        .any(|x| x["actor"] == admin.as_str() && x["detail"] == "aggregate report"));
    assert!(log
        .iter()
        .any(|x| x["actor"] == dpo && x["detail"] == "full report"));
}

/// What a DPO keeps off the machine must be a checkpoint the log proves: a
/// record appended to `checkpoints.log` by someone with the disk is refused
/// (exit 5), and no file is written, with or without a login.
#[test]
fn a_forged_last_checkpoint_is_never_exported() {
    let (v, _d) = small_vault();
    let path = checkpoints_path(&v);
    let mut blocks = read_blocks(&path);
    let mut forged = blocks.last().unwrap().clone();
    set_field(
        &mut forged,
        "root",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    );
    blocks.push(forged);
    write_blocks(&path, &blocks);
    for (i, user) in [None, Some(v.admin.clone())].into_iter().enumerate() {
        let out = v.root.path().join(format!("anchor-{i}.txt"));
        let args = ["audit", "checkpoint", "--out", out.to_str().unwrap()];
        let r = match &user {
            Some(u) => v.as_user(u, &args),
            None => v.anon(&args),
        };
        r.expect_code(5, "a forged checkpoint is not exported");
        assert!(!out.exists(), "no file written");
    }
}
