//! A review of the access trail's pruning, the bulk import's shared content
//! facts and the trust layer, with an attacker's means: write access to the
//! vault's folder (the log, the store through a forged journal record), a
//! member's own passphrase, a DPO's capability and a clock they set.
//!
//! Each test asserts the secure behaviour. Those marked `#[ignore = "fault:
//! …"]` fail while the fault they name is there.

use crate::util;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use coffre::audit::merkle::leaf_hash;
use coffre::audit::prune::{line_leaf, parse_pruned};
use coffre::store::journal::{Journal, Record, DEFAULT_CAPACITY};
use coffre::store::{layout, Op};
use serde_json::Value;
use util::clock::shim;
use util::{contains_bytes, marker, TestVault};

const DAY: i64 = 86_400;
const TWO_YEARS: i64 = -2 * 365 * DAY;

fn lines(path: &Path) -> Vec<Vec<u8>> {
    let data = std::fs::read(path).unwrap();
    data.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn write_lines(path: &Path, lines: &[Vec<u8>]) {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    std::fs::write(path, out).unwrap();
}

fn is_pruned(l: &[u8]) -> bool {
    parse_pruned(l).is_some()
}

fn json(l: &[u8]) -> Value {
    serde_json::from_slice(l).unwrap()
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn rfc3339(secs: i64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs as u64)).to_string()
}

/// The DPO exports a checkpoint (so that the prune may reach that far) and
/// prunes, confirming the clock jump the aged commands made.
fn export_and_prune(v: &TestVault) {
    let export = v.root.path().join(format!("{}.cp", marker("export")));
    v.as_user(
        "p.dpo",
        &["audit", "checkpoint", "--out", export.to_str().unwrap()],
    )
    .expect_code(0, "export a checkpoint");
    let r = v.as_user("p.dpo", &["audit", "prune", "--yes", "--confirm-clock"]);
    r.expect_code(0, "prune");
    assert!(r.stdout.contains("pruned"), "{}", r.stdout);
}

/// The number of the last line of `log` by `actor` (0 for none): what an
/// attacker with the files gives as a forged line's `aprev`.
fn last_by(log: &[Vec<u8>], actor: &str) -> usize {
    log.iter()
        .rposition(|l| {
            serde_json::from_slice::<serde_json::Value>(l).is_ok_and(|e| e["actor"] == actor)
        })
        .map_or(0, |i| i + 1)
}

/// A format-6 line by `dir.martin` of exactly `len` bytes at position `seq`
/// linking to `prev`, its `aprev` `aprev`.
fn filler(seq: usize, prev: &[u8; 32], time: &str, len: usize, aprev: usize) -> Vec<u8> {
    let make = |pad: &str| {
        format!(
            "{{\"v\":6,\"seq\":{seq},\"prev\":\"{}\",\"time\":\"{time}\",\"actor\":\"dir.martin\",\"aprev\":{aprev},\
             \"profession\":\"directeur\",\"action\":\"dossier.list\",\"dossier\":null,\"dprev\":null,\"entry\":null,\
             \"target\":null,\"categories\":[],\"outcome\":\"ok\",\"break_glass\":false,\"detail\":\"{pad}\",\
             \"justification\":null,\"nonce\":\"00112233445566778899aabbccddeeff\"}}",
            hex::encode(prev)
        )
    };
    let base = make("").len();
    assert!(
        base <= len,
        "the line to replace is too short ({len} < {base})"
    );
    let line = make(&"x".repeat(len - base)).into_bytes();
    assert_eq!(line.len(), len);
    line
}

/// A pruned line must keep its `prev`, authenticated by the prune fact's
/// signed digest; otherwise the line before it is bound only by the
/// checkpoints' Merkle roots — which an unlock does not recompute. Someone with write access to the folder replaces the signed objection fact
/// (the last line before a pruned read) by an unsigned line of the same length,
/// removes the objection record and the members' anchors: the educator's
/// coffre replays the register from the genesis, never sees the objection, and
/// shows the field the person objected to.
#[test]
fn a_fact_just_before_a_pruned_line_cannot_be_removed_behind_the_register() {
    let mut v = TestVault::new();
    let lib = shim(v.root.path());
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    v.add_staff("p.dpo", "Paul Dpo", "dpo", false);
    let d = v.create_dossier("dir.martin", "Jeanne Durand", "1950-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    let secret = marker("IDENT");
    v.add_entry("dir.martin", &d, "identity", &[&format!("text={secret}")]);
    assert!(v
        .as_user("e.petit", &["dossier", "show", &d])
        .ok("the educator reads")
        .contains(&secret));
    // Two years back: the person's objection, then the educator's reads.
    v.as_user_at(
        &lib,
        TWO_YEARS,
        "dir.martin",
        &[
            "access",
            "object",
            &d,
            "--category",
            "identity",
            "--profession",
            "educateur-specialise",
        ],
    )
    .expect_code(0, "the objection");
    for _ in 0..2 {
        v.as_user_at(&lib, TWO_YEARS, "e.petit", &["dossier", "show", &d])
            .expect_code(0, "an old read");
    }
    let r = v.as_user("e.petit", &["dossier", "show", &d]);
    r.expect_code(0, "the educator reads");
    assert!(!r.stdout.contains(&secret), "the objection withholds it");
    export_and_prune(&v);
    v.verify()
        .expect_code(0, "the honest pruned vault verifies");

    // The attack: no key, only the files.
    let path = v.audit_path();
    let mut log = lines(&path);
    let o = log
        .iter()
        .position(|l| contains_bytes(l, b"\"fact\":{\"kind\":\"objection\""))
        .expect("the objection fact");
    let q = (o + 1..log.len())
        .find(|&i| is_pruned(&log[i]))
        .expect("a pruned line after the objection");
    let prune_line = log
        .iter()
        .find(|l| contains_bytes(l, b"\"fact\":{\"kind\":\"prune\""))
        .unwrap();
    let time = json(prune_line)["time"].as_str().unwrap().to_string();
    let mut prev = line_leaf(&log[o - 1]);
    for i in o..q {
        let new = filler(
            i + 1,
            &prev,
            &time,
            log[i].len(),
            last_by(&log[..i], "dir.martin"),
        );
        prev = leaf_hash(&new);
        log[i] = new;
    }
    write_lines(&path, &log);
    util::forge_store(
        &v.dir,
        vec![
            Op::Remove(layout::objection(&d, "identity", "educateur-specialise")),
            Op::Remove(b"ra/e.petit".to_vec()),
            Op::Remove(b"ra/dir.martin".to_vec()),
        ],
    );
    // Offline, the signed roots see it.
    v.verify()
        .expect_code(5, "audit verify sees the rewritten lines");
    // At unlock, the member's coffre must too.
    let r = v.as_user("e.petit", &["dossier", "show", &d]);
    assert!(
        !r.stdout.contains(&secret),
        "the objection was removed from the register: the educator sees the withheld field"
    );
    r.expect_code(5, "the educator's unlock after a fact was removed");
}

/// A member's signed record of where the log ended (`cs/{member}`) names the
/// leaf of the last line they saw. When that line is an old read, a legitimate
/// prune rewrites it; the record is then checked against the hash of the pruned
/// bytes, not the leaf the pruned line carries: `audit verify` fails for ever
/// and the member can no longer unlock — an honest vault broken by its DPO's
/// routine prune.
#[test]
fn a_prune_of_the_line_a_member_last_saw_keeps_the_vault_valid() {
    let mut v = TestVault::new();
    let lib = shim(v.root.path());
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    v.add_staff("p.dpo", "Paul Dpo", "dpo", false);
    let d = v.create_dossier("dir.martin", "Jeanne Durand", "1950-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    // The educator's last command is two years old (a long leave).
    v.as_user_at(&lib, TWO_YEARS, "e.petit", &["dossier", "show", &d])
        .expect_code(0, "an old read");
    v.as_user("dir.martin", &["dossier", "list"])
        .expect_code(0, "the director works on");
    export_and_prune(&v);
    v.verify()
        .expect_code(0, "audit verify after a routine prune");
    v.as_user("e.petit", &["dossier", "show", &d])
        .expect_code(0, "the educator comes back");
}

/// A pruned line keeps the exact length and the leaf hash of the line it
/// replaces. Everything in a read's line but the reader, the dossier, the
/// second and the line's 128-bit `nonce` is known or guessable from the rest
/// of the log (`seq`, `prev`, the actions, category sets, staff and dossier
/// ids of the lines kept). The search below tries every such candidate: given
/// the nonce (taken from a copy of the log made before the prune, which the
/// attacker does not have) it finds the pruned read — so the search is
/// complete and the nonce is the only thing standing in the way; with the
/// pruned log alone there is no nonce to try but all 2^128.
#[test]
fn a_pruned_read_cannot_be_recovered_from_its_leaf() {
    let mut v = TestVault::new();
    let lib = shim(v.root.path());
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    v.add_staff("a.roux", "Alain Roux", "educateur-specialise", true);
    v.add_staff("p.dpo", "Paul Dpo", "dpo", false);
    let d1 = v.create_dossier("dir.martin", "Jeanne Durand", "1950-01-01");
    let d2 = v.create_dossier("dir.martin", "Marc Blanc", "1960-02-02");
    for d in [&d1, &d2] {
        v.team_add("dir.martin", d, "e.petit");
        v.team_add("dir.martin", d, "a.roux");
        v.add_entry("dir.martin", d, "identity", &["text=coordonnees"]);
    }
    // The read to prune: who and which dossier are what must not survive.
    let t0 = now_secs() + TWO_YEARS;
    v.as_user_at(&lib, TWO_YEARS, "e.petit", &["dossier", "show", &d2])
        .expect_code(0, "an old read");
    let t1 = now_secs() + TWO_YEARS;
    // Normal use, kept in the trail.
    for who in ["e.petit", "a.roux"] {
        for d in [&d1, &d2] {
            v.as_user(who, &["dossier", "show", d])
                .expect_code(0, "read");
        }
    }
    let before = lines(&v.audit_path());
    export_and_prune(&v);

    // The attacker reads the pruned log only.
    let log = lines(&v.audit_path());
    let kept: Vec<Value> = log
        .iter()
        .filter(|l| l.starts_with(b"{\"v\":"))
        .map(|l| json(l))
        .collect();
    let mut people: Vec<(String, String)> = Vec::new();
    let mut actions: Vec<String> = Vec::new();
    let mut dossiers: Vec<String> = vec!["null".into()];
    let mut cats: Vec<String> = Vec::new();
    let add = |list: &mut Vec<String>, s: String| {
        if !list.contains(&s) {
            list.push(s)
        }
    };
    for e in &kept {
        let pair = (
            e["actor"].as_str().unwrap_or("").to_string(),
            e["profession"].as_str().unwrap_or("").to_string(),
        );
        if !people.contains(&pair) {
            people.push(pair);
        }
        add(&mut actions, e["action"].as_str().unwrap_or("").to_string());
        add(&mut dossiers, e["dossier"].to_string());
        add(&mut cats, e["categories"].to_string());
    }
    // Every line draws its own nonce: 32 hex digits, never repeated.
    let nonces: Vec<String> = before
        .iter()
        .map(|l| json(l)["nonce"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(nonces
        .iter()
        .all(|n| n.len() >= 32 && n.bytes().all(|b| b.is_ascii_hexdigit())));
    let random: std::collections::BTreeSet<&str> = nonces.iter().map(|n| &n[..32]).collect();
    assert_eq!(random.len(), nonces.len(), "a nonce repeats");
    // Nor does a pruned line's length tell the reads apart: every read of
    // either dossier by either educator had the same padded length.
    let read_lengths: std::collections::BTreeSet<usize> = before
        .iter()
        .filter(|l| contains_bytes(l, b"\"action\":\"dossier.read\""))
        .map(|l| l.len())
        .collect();
    assert_eq!(
        read_lengths.len(),
        1,
        "read lines of different lengths: {read_lengths:?}"
    );
    let (mut found, mut found_with_nonce) = (Vec::new(), Vec::new());
    for (i, l) in log.iter().enumerate() {
        let Some(target) = parse_pruned(l).map(|p| p.leaf) else {
            continue;
        };
        let prev = hex::encode(line_leaf(&log[i - 1]));
        // The line's `dprev` (the previous line about its dossier) is given
        // to the attacker outright: the nonce alone must keep the line secret.
        let dprev = json(&before[i])["dprev"].to_string();
        // So is its `aprev` (the previous line by its actor).
        let aprev = json(&before[i])["aprev"].to_string();
        for t in t0 - 2..=t1 + 2 {
            let time = rfc3339(t);
            for (actor, prof) in &people {
                for action in &actions {
                    for dossier in &dossiers {
                        for c in &cats {
                            for outcome in ["ok", "denied"] {
                                let cand = format!(
                                    "{{\"v\":6,\"seq\":{},\"prev\":\"{prev}\",\"time\":\"{time}\",\
                                     \"actor\":\"{actor}\",\"aprev\":{aprev},\"profession\":\"{prof}\",\"action\":\"{action}\",\
                                     \"dossier\":{dossier},\"dprev\":{dprev},\"entry\":null,\"target\":null,\"categories\":{c},\
                                     \"outcome\":\"{outcome}\",\"break_glass\":false,\"detail\":null,\
                                     \"justification\":null,\"nonce\":\"",
                                    i + 1
                                );
                                // The attacker's best guess: any nonce.
                                let guess = format!("{cand}{}\"}}", "0".repeat(32));
                                if guess.len() == l.len() && leaf_hash(guess.as_bytes()) == target {
                                    found.push(format!("{actor} {action} {dossier}"));
                                }
                                // With the real nonce, which only the copy made before knows.
                                let known = format!("{cand}{}\"}}", nonces[i]);
                                if known.len() == l.len() && leaf_hash(known.as_bytes()) == target {
                                    found_with_nonce.push(format!("{actor} {action} {dossier}"));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "pruned entries recovered from their leaves: {found:?}"
    );
    assert!(
        found_with_nonce
            .iter()
            .any(|f| f.starts_with("e.petit dossier.read") && f.contains(&d2)),
        "the search is complete given the nonce: {found_with_nonce:?}"
    );
}

/// The clock check judges each step between consecutive entries (at most 45
/// days ahead) but not where the steps lead: a DPO runs a command every 40
/// days of a clock they move forward, ten times in a few seconds, then prunes
/// with no `--confirm-clock`. The prune's own time is a year ahead, so its
/// cutoff lets it erase a read made today, well within the retention.
#[test]
fn a_prune_never_reaches_a_read_within_retention_without_a_confirmed_clock() {
    let mut v = TestVault::new();
    let lib = shim(v.root.path());
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    v.add_staff("p.dpo", "Paul Dpo", "dpo", false);
    let d = v.create_dossier("dir.martin", "Jeanne Durand", "1950-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    v.as_user("e.petit", &["dossier", "show", &d])
        .expect_code(0, "today's read");
    let export = v.root.path().join("export.cp");
    v.as_user(
        "p.dpo",
        &["audit", "checkpoint", "--out", export.to_str().unwrap()],
    )
    .expect_code(0, "export");
    for k in 1..=10 {
        v.as_user_at(&lib, k * 40 * DAY, "p.dpo", &["audit", "log"])
            .expect_code(0, "a DPO command under a clock moved on");
    }
    let r = v.as_user_at(&lib, 400 * DAY, "p.dpo", &["audit", "prune", "--yes"]);
    let log = lines(&v.audit_path());
    let read_kept = log.iter().any(|l| {
        contains_bytes(l, b"\"action\":\"dossier.read\"")
            && contains_bytes(l, b"\"actor\":\"e.petit\"")
    });
    assert!(
        read_kept,
        "today's read was pruned (prune exit {}: {})",
        r.code, r.stdout
    );
}

/// A bulk import now signs one content fact per dossier and group, carried by
/// the group's last entry there: the other entries' `entry.add` lines carry no
/// fact (format 2), so the access trail's prune erases them — who wrote which
/// entry of which dossier, when — although writes are not the access trail and
/// every other `entry.add` (format 3) is kept for ever.
#[test]
fn a_prune_keeps_the_record_of_every_entry_written() {
    let mut v = TestVault::new();
    let lib = shim(v.root.path());
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    v.add_staff("p.dpo", "Paul Dpo", "dpo", false);
    let d = v.create_dossier("dir.martin", "Jeanne Durand", "1950-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    let mut text = String::new();
    for i in 0..3 {
        text.push_str(&format!(
            "{{\"dossier\":\"{d}\",\"kind\":\"daily-life\",\"fields\":{{\"text\":\"note {i}\"}}}}\n"
        ));
    }
    let file = v.root.path().join("notes.jsonl");
    std::fs::write(&file, text).unwrap();
    v.as_user_at(
        &lib,
        TWO_YEARS,
        "e.petit",
        &["entry", "import", file.to_str().unwrap()],
    )
    .expect_code(0, "an import two years back");
    // A read of the same day: the access trail the prune does cover.
    v.as_user_at(&lib, TWO_YEARS, "e.petit", &["dossier", "show", &d])
        .expect_code(0, "a read two years back");
    let count = |log: &[Vec<u8>]| {
        log.iter()
            .filter(|l| contains_bytes(l, b"\"action\":\"entry.add\""))
            .count()
    };
    assert_eq!(count(&lines(&v.audit_path())), 3, "one line per entry");
    v.as_user("e.petit", &["dossier", "show", &d])
        .expect_code(0, "back to today");
    export_and_prune(&v);
    assert_eq!(
        count(&lines(&v.audit_path())),
        3,
        "the writes of the imported entries are gone from the log"
    );
}

/// A prune interrupted (a crash, a power cut) after its fact was made durable
/// and before the vault settled: at the next opening the journal restores the
/// command's lines, the fact among them, and the open flags them with an
/// `audit.adopted` entry — written *before* the open's `resume_prune`, which
/// then no longer finds the fact as the log's last line and does nothing. The
/// prune now counts as completed with its covered lines whole: an integrity
/// failure at every unlock and every verify, for ever.
///
/// The crashed state is built exactly: the vault as it was when the DPO
/// started, plus one journal record holding the lines the prune command wrote
/// up to its fact (what `durable()` journals before it applies anything).
#[test]
fn a_prune_interrupted_after_its_fact_is_completed_at_the_next_opening() {
    use coffre::store::journal::{FileWrite, LogFile};
    let mut v = TestVault::new();
    let lib = shim(v.root.path());
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    v.add_staff("p.dpo", "Paul Dpo", "dpo", false);
    let d = v.create_dossier("dir.martin", "Jeanne Durand", "1950-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    for _ in 0..3 {
        v.as_user_at(&lib, TWO_YEARS, "e.petit", &["dossier", "show", &d])
            .expect_code(0, "an old read");
    }
    v.as_user("e.petit", &["dossier", "show", &d])
        .expect_code(0, "today's read");
    let export = v.root.path().join("export.cp");
    v.as_user(
        "p.dpo",
        &["audit", "checkpoint", "--out", export.to_str().unwrap()],
    )
    .expect_code(0, "export");
    // The vault as the DPO's command finds it.
    let before = v.root.path().join("before");
    let st = std::process::Command::new("cp")
        .arg("-a")
        .arg(&v.dir)
        .arg(&before)
        .status()
        .unwrap();
    assert!(st.success());
    let start = std::fs::metadata(v.audit_path()).unwrap().len() as usize;
    v.as_user("p.dpo", &["audit", "prune", "--yes", "--confirm-clock"])
        .expect_code(0, "the prune");
    let after = std::fs::read(v.audit_path()).unwrap();
    let fact_at = after[start..]
        .split(|b| *b == b'\n')
        .scan(start, |off, l| {
            let here = *off;
            *off += l.len() + 1;
            Some((here, l.to_vec()))
        })
        .find(|(_, l)| contains_bytes(l, b"\"fact\":{\"kind\":\"prune\""))
        .expect("the prune fact");
    let end = fact_at.0 + fact_at.1.len() + 1;
    let written = after[start..end].to_vec();
    // Crashed right after the fact: the vault before, the fact's lines journaled
    // and written, nothing settled.
    std::fs::remove_dir_all(&v.dir).unwrap();
    std::fs::rename(&before, &v.dir).unwrap();
    {
        let (mut j, pending) = Journal::open(&v.dir.join("journal"), DEFAULT_CAPACITY).unwrap();
        assert!(pending.is_empty());
        j.append(&Record {
            writes: vec![FileWrite {
                file: LogFile::Audit,
                offset: start as u64,
                bytes: written.clone(),
            }],
            ops: vec![],
        })
        .unwrap();
    }
    let mut log = std::fs::read(v.audit_path()).unwrap();
    assert_eq!(log.len(), start);
    log.extend_from_slice(&written);
    std::fs::write(v.audit_path(), &log).unwrap();
    // The next opening completes the prune; the vault stays usable.
    v.as_user("e.petit", &["dossier", "show", &d])
        .expect_code(0, "the educator's next command");
    v.verify()
        .expect_code(0, "audit verify after the interrupted prune");
    let pruned = lines(&v.audit_path())
        .iter()
        .filter(|l| is_pruned(l))
        .count();
    assert_eq!(pruned, 3, "the three old reads are pruned");
}

/// An entry's content element commits to the *shape* of each version (number,
/// author, time, field names and categories), not to the sealed values —
/// although `docs/audit-format.md` and `docs/crypto.md` say it covers "the
/// SHA-256 of each stored version record". A member of the care team who holds
/// the category's key (here an educator, for a daily-life note a colleague
/// wrote) and has the files re-seals the colleague's note with a text of their
/// own: no content fact, no audit line, the colleague's name on it, and every
/// read shows it as theirs.
#[test]
fn a_colleagues_note_resealed_by_a_key_holder_is_refused() {
    use coffre::crypto::kdf;
    use coffre::crypto::wrap::{self, Identity};
    use coffre::crypto::{envelope, Aad, Key32};
    use coffre::store::records::{
        decode, encode, DataKeyRecord, StaffRecord, VaultMeta, VersionRecord,
    };
    use coffre::store::sled_store::SledStore;
    use coffre::store::Store;
    use coffre::vault::keys::{category_wrap_key, data_key_aad, field_aad};
    use secrecy::SecretString;

    let mut v = TestVault::new();
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    v.add_staff("a.roux", "Alain Roux", "educateur-specialise", true);
    let d = v.create_dossier("dir.martin", "Jeanne Durand", "1950-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    v.team_add("dir.martin", &d, "a.roux");
    let original = marker("ORIGINAL");
    let entry = v.add_entry("a.roux", &d, "daily-life", &[&format!("text={original}")]);
    assert!(v
        .as_user("e.petit", &["entry", "show", &entry])
        .ok("the colleague reads it")
        .contains(&original));

    // The educator, with the files and their own passphrase.
    let forged = marker("FORGED");
    let put = {
        let store = SledStore::open(&v.dir.join("store")).unwrap();
        let meta: VaultMeta = decode(&store.get(b"meta").unwrap().unwrap(), "meta").unwrap();
        let rec: StaffRecord = decode(&store.get(b"s/e.petit").unwrap().unwrap(), "staff").unwrap();
        let pkey = kdf::derive(
            &SecretString::from(v.pass("e.petit").to_string()),
            &rec.salt,
            &rec.kdf,
        )
        .unwrap();
        let aad = Aad::new("coffre/identity/v1")
            .with(meta.vault_id.as_bytes())
            .with(b"e.petit");
        let secret = envelope::open(&pkey, &aad, &rec.identity_sealed).unwrap();
        let identity = Identity::parse(std::str::from_utf8(&secret).unwrap()).unwrap();
        let mut keys = Vec::new();
        for (_, ct) in store.scan_prefix(b"w/").unwrap() {
            if let Some(m) = wrap::unwrap(&ct, &identity).unwrap() {
                if m.len() == 32 {
                    keys.push(Key32::from_slice(&m).unwrap());
                }
            }
        }
        let dk: DataKeyRecord = decode(
            &store
                .get(&layout::data_key(&d, "daily-life", None))
                .unwrap()
                .unwrap(),
            "dk",
        )
        .unwrap();
        let erasure =
            Key32::from_slice(&std::fs::read(v.dir.join("erasure").join(&d)).unwrap()).unwrap();
        let dk_aad = data_key_aad(&meta.vault_id, &d, "daily-life", dk.key_gen);
        let data_key = keys
            .iter()
            .find_map(|k| {
                let wk =
                    category_wrap_key(&erasure, k, &meta.vault_id, &d, "daily-life", dk.key_gen)
                        .unwrap();
                envelope::open(&wk, &dk_aad, &dk.wrapped).ok()
            })
            .expect("the educator holds the daily-life key");
        let data_key = Key32::from_slice(&data_key).unwrap();
        let vkey = layout::version(&d, &entry, 1);
        let mut ver: VersionRecord =
            decode(&store.get(&vkey).unwrap().unwrap(), "version").unwrap();
        let f = &mut ver.fields[0];
        let aad = field_aad(&meta.vault_id, &d, &entry, &f.name, 1, &f.category);
        f.ciphertext = envelope::seal(&data_key, &aad, forged.as_bytes()).unwrap();
        (vkey, encode(&ver).unwrap())
    };
    util::forge_store(&v.dir, vec![Op::Put(put.0, put.1)]);
    let r = v.as_user("a.roux", &["entry", "show", &entry]);
    assert!(
        !r.stdout.contains(&forged),
        "the colleague's note now says what the educator wrote, under the colleague's name"
    );
    r.expect_code(5, "a note re-sealed outside coffre");
}

/// Unsigned lines appended to the log "by" another member, dated in steps up to
/// a year ahead, are adopted at the next opening; they must not vouch for the
/// clock: the DPO's routine prune, under a clock set that far, keeps today's
/// read.
#[test]
fn appended_unsigned_lines_do_not_vouch_for_a_clock_set_forward() {
    let mut v = TestVault::new();
    let lib = shim(v.root.path());
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    v.add_staff("p.dpo", "Paul Dpo", "dpo", false);
    let d = v.create_dossier("dir.martin", "Jeanne Durand", "1950-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    v.as_user("e.petit", &["dossier", "show", &d])
        .expect_code(0, "today's read");
    let export = v.root.path().join("export.cp");
    v.as_user(
        "p.dpo",
        &["audit", "checkpoint", "--out", export.to_str().unwrap()],
    )
    .expect_code(0, "export");
    let mut log = lines(&v.audit_path());
    for k in 1..=10 {
        let prev = line_leaf(log.last().unwrap());
        let line = filler(
            log.len() + 1,
            &prev,
            &rfc3339(now_secs() + k * 40 * DAY),
            400,
            last_by(&log, "dir.martin"),
        );
        log.push(line);
    }
    write_lines(&v.audit_path(), &log);
    let r = v.as_user_at(
        &lib,
        400 * DAY,
        "p.dpo",
        &["audit", "prune", "--yes", "--beyond-export"],
    );
    let kept = lines(&v.audit_path()).iter().any(|l| {
        contains_bytes(l, b"\"action\":\"dossier.read\"")
            && contains_bytes(l, b"\"actor\":\"e.petit\"")
    });
    assert!(
        kept,
        "today's read was pruned (exit {}: {})",
        r.code, r.stdout
    );
}

/// A prune fact appended by hand — unsigned, or signed but dated a year ahead —
/// is not carried out by the next opening: the reads it names stay, and the
/// opening fails (exit 5) naming the problem.
#[test]
fn a_prune_fact_found_in_the_log_is_verified_before_anything_is_erased() {
    let mut v = TestVault::new();
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    v.add_staff("p.dpo", "Paul Dpo", "dpo", false);
    let d = v.create_dossier("dir.martin", "Jeanne Durand", "1950-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    v.as_user("e.petit", &["dossier", "show", &d])
        .expect_code(0, "the read to hide");
    let log = lines(&v.audit_path());
    let reads: Vec<usize> = log
        .iter()
        .enumerate()
        .filter(|(_, l)| contains_bytes(l, b"\"action\":\"dossier.read\""))
        .map(|(i, _)| i + 1)
        .collect();
    assert!(!reads.is_empty());
    // The fact's positions digest over the reads, as Coffre computes it.
    let positions: Vec<coffre::audit::prune::Position> = reads
        .iter()
        .map(|&p| coffre::audit::prune::Position {
            seq: p as u64,
            prev: coffre::audit::prune::line_prev(&log[p - 1]).unwrap(),
            leaf: line_leaf(&log[p - 1]),
        })
        .collect();
    let digest = hex::encode(coffre::audit::prune::positions_digest(positions.iter()));
    let seq = log.len() + 1;
    let prev = hex::encode(line_leaf(log.last().unwrap()));
    let fact = format!(
        "{{\"kind\":\"prune\",\"cutoff\":{},\"first\":{},\"last\":{},\"count\":{},\"positions\":\"{digest}\",\"counts\":[]}}",
        now_secs() + 60,
        reads[0],
        reads[reads.len() - 1],
        reads.len()
    );
    let line = format!(
        "{{\"v\":7,\"seq\":{seq},\"prev\":\"{prev}\",\"time\":\"{}\",\"actor\":\"p.dpo\",\"aprev\":{},\"profession\":\"dpo\",\
         \"action\":\"audit.prune\",\"dossier\":null,\"dprev\":null,\"entry\":null,\"target\":null,\"categories\":[],\
         \"outcome\":\"ok\",\"break_glass\":false,\"detail\":null,\"justification\":null,\
         \"nonce\":\"00112233445566778899aabbccddeeff\",\"fact\":{fact},\"signer\":\"p.dpo\",\"sig\":\"{}\"}}",
        rfc3339(now_secs() + 400 * DAY),
        last_by(&log, "p.dpo"),
        "0".repeat(128)
    );
    let mut forged = log.clone();
    forged.push(line.into_bytes());
    write_lines(&v.audit_path(), &forged);
    let r = v.as_user("e.petit", &["dossier", "show", &d]);
    assert_ne!(r.code, 0, "a forged prune fact was accepted: {}", r.stdout);
    let after = lines(&v.audit_path());
    for &p in &reads {
        assert!(!is_pruned(&after[p - 1]), "read at entry {p} was erased");
    }
}

/// `audit checkpoint --out` without logging in exports the checkpoint but does
/// not move the prune's limit; the DPO's own export does, audited.
#[test]
fn only_a_member_who_may_prune_moves_the_export_limit() {
    let mut v = TestVault::new();
    let lib = shim(v.root.path());
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    v.add_staff("p.dpo", "Paul Dpo", "dpo", false);
    let d = v.create_dossier("dir.martin", "Jeanne Durand", "1950-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    v.as_user_at(&lib, TWO_YEARS, "e.petit", &["dossier", "show", &d])
        .expect_code(0, "an old read");
    v.add_entry("dir.martin", &d, "identity", &["text=aujourd'hui"]);
    let anon = v.root.path().join("anon.cp");
    v.anon(&["audit", "checkpoint", "--out", anon.to_str().unwrap()])
        .expect_code(0, "an export without logging in");
    let r = v.as_user(
        "p.dpo",
        &["--json", "audit", "prune", "--yes", "--confirm-clock"],
    );
    r.expect_code(0, "prune held back");
    assert!(
        r.stdout.contains("\"count\":0") || r.stdout.contains("\"count\": 0"),
        "{}",
        r.stdout
    );
    let dpo = v.root.path().join("dpo.cp");
    v.as_user(
        "e.petit",
        &["audit", "checkpoint", "--out", dpo.to_str().unwrap()],
    )
    .expect_code(3, "an educator may not set the limit");
    v.as_user(
        "p.dpo",
        &["audit", "checkpoint", "--out", dpo.to_str().unwrap()],
    )
    .expect_code(0, "the DPO's export");
    // The limit is a signed fact in the log, not a record anyone with the disk
    // could remove: the export line carries it, signed by the DPO.
    let exported = lines(&v.audit_path())
        .into_iter()
        .map(|l| json(&l))
        .find(|e| e["action"] == "audit.checkpoint-export" && e["fact"]["kind"] == "export")
        .expect("the export is a fact");
    assert_eq!(exported["signer"], "p.dpo", "{exported}");
    // An old read written after the export is held back.
    v.as_user_at(&lib, TWO_YEARS, "e.petit", &["dossier", "show", &d])
        .expect_code(0, "an old read after the export");
    let late = lines(&v.audit_path()).len();
    let r = v.as_user("p.dpo", &["audit", "prune", "--yes", "--confirm-clock"]);
    r.expect_code(0, "prune");
    let after = lines(&v.audit_path());
    assert!(
        after.iter().any(|l| is_pruned(l)),
        "the old read is pruned once the DPO exported: {}",
        r.stdout
    );
    assert!(
        !is_pruned(&after[late - 1]),
        "a read after the exported checkpoint is kept: {}",
        r.stdout
    );
    v.verify().expect_code(0, "audit verify after the prune");
}
