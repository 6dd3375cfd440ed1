//! Pruning the access trail (`coffre audit prune`): a vault aged under a clock
//! set back, pruned; then nothing on disk links a pruned read's reader to the
//! dossier read, every verifier passes (also against a checkpoint exported
//! before), every member still works, and the files are attacked: a pruned
//! line put where no prune fact covers it (a fact, a recent entry, a line naming
//! no prune), an entry put back whole, a byte flipped — each refused (exit 5).

use crate::util;

use std::path::Path;

use util::clock::shim;
use util::{contains_bytes, files_under, TestVault};

const TWO_YEARS: i64 = -2 * 365 * 86_400;

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

fn leaf(line: &[u8]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(&[0]);
    ctx.update(line);
    ctx.finish().as_ref().try_into().unwrap()
}

/// The `prev` of an entry's line (its third member).
fn prev_of(line: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(line).unwrap();
    v["prev"].as_str().unwrap().to_string()
}

/// A line pruned by the fact at `by`, padded to `line`'s length:
/// `{"pruned":"<leaf>","prev":"<prev>","by":N}` (docs/audit-format.md).
fn pruned_form(line: &[u8], by: usize) -> Vec<u8> {
    let mut p = format!(
        "{{\"pruned\":\"{}\",\"prev\":\"{}\",\"by\":{by}}}",
        hex::encode(leaf(line)),
        prev_of(line)
    )
    .into_bytes();
    p.resize(line.len(), b' ');
    p
}

fn python_verify(dir: &Path, since: Option<&Path>) -> i32 {
    let mut c = std::process::Command::new("python3");
    c.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/verify_audit.py"))
        .arg(dir);
    if let Some(s) = since {
        c.arg("--since").arg(s);
    }
    let out = c.output().expect("python3");
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    }
    out.status.code().unwrap_or(-1)
}

struct Aged {
    v: TestVault,
    dossier: String,
    /// The pruned reads as they were: (position, offset, line).
    old_reads: Vec<(usize, u64, Vec<u8>)>,
    export: std::path::PathBuf,
}

fn aged_and_pruned() -> Aged {
    let mut v = TestVault::new();
    let lib = shim(v.root.path());
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", false);
    v.add_staff("p.dpo", "Paul Dpo", "dpo", false);
    let d = v.create_dossier("dir.martin", "Jeanne Durand", "1950-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    // Two years back: the reads to prune.
    for _ in 0..3 {
        v.as_user_at(&lib, TWO_YEARS, "e.petit", &["dossier", "show", &d])
            .expect_code(0, "old read");
    }
    // Normal use again.
    v.as_user("e.petit", &["dossier", "show", &d])
        .expect_code(0, "recent read");
    let path = v.audit_path();
    let mut old_reads = Vec::new();
    let mut offset = 0u64;
    let time_of = |l: &[u8]| {
        let t = String::from_utf8_lossy(l).to_string();
        t.split("\"time\":\"").nth(1).unwrap()[..20].to_string()
    };
    let all_lines = lines(&path);
    let init_time = time_of(&all_lines[0]);
    for (i, l) in all_lines.into_iter().enumerate() {
        let text = String::from_utf8_lossy(&l).to_string();
        let len = l.len() as u64 + 1;
        if text.contains("\"action\":\"dossier.read\"")
            && time_of(&l) < init_time
            && text.contains("\"actor\":\"e.petit\"")
        {
            old_reads.push((i + 1, offset, l));
        }
        offset += len;
    }
    assert_eq!(old_reads.len(), 3, "three reads two years back");
    // The pair is on disk before: the index holds (number, offset) of each read.
    let all: Vec<u8> = files_under(&v.dir)
        .iter()
        .flat_map(|f| std::fs::read(f).unwrap_or_default())
        .collect();
    let pair = |seq: usize, off: u64| {
        let mut p = (seq as u64).to_be_bytes().to_vec();
        p.extend_from_slice(&off.to_be_bytes());
        p
    };
    assert!(old_reads
        .iter()
        .all(|(s, o, _)| contains_bytes(&all, &pair(*s, *o))));
    // No checkpoint exported yet: nothing is pruned (and the clock jumped: confirmed).
    let none = v.as_user("p.dpo", &["audit", "prune", "--yes"]);
    none.expect_code(3, "an unconfirmed clock jump refuses the prune");
    let held = v.as_user("p.dpo", &["audit", "prune", "--yes", "--confirm-clock"]);
    held.expect_code(0, "prune without an export");
    assert!(held.stdout.contains("nothing to prune"), "{}", held.stdout);
    let export = v.root.path().join("before.cp");
    v.as_user(
        "p.dpo",
        &["audit", "checkpoint", "--out", export.to_str().unwrap()],
    )
    .expect_code(0, "export");
    // A member who may not prune is refused; a dry run changes nothing.
    v.as_user("e.petit", &["audit", "prune", "--yes", "--confirm-clock"])
        .expect_code(3, "an educator may not prune");
    let before = std::fs::read(&path).unwrap();
    let dry = v.as_user("p.dpo", &["audit", "prune"]);
    dry.expect_code(0, "dry run");
    assert!(
        dry.stdout.contains("would prune 3 entries"),
        "{}",
        dry.stdout
    );
    let after_dry = std::fs::read(&path).unwrap();
    assert_eq!(
        &after_dry[..before.len()],
        &before[..],
        "a dry run rewrites nothing"
    );
    let done = v.as_user("p.dpo", &["audit", "prune", "--yes", "--confirm-clock"]);
    done.expect_code(0, "prune");
    assert!(done.stdout.contains("pruned 3 entries"), "{}", done.stdout);
    Aged {
        v,
        dossier: d,
        old_reads,
        export,
    }
}

#[test]
fn a_pruned_vault_keeps_no_link_from_reader_to_dossier_and_still_verifies() {
    let a = aged_and_pruned();
    let v = &a.v;
    let path = v.audit_path();
    let now_lines = lines(&path);
    // Each pruned read is its leaf alone, in place.
    for (seq, _, orig) in &a.old_reads {
        let l = &now_lines[seq - 1];
        assert_eq!(l.len(), orig.len());
        assert!(
            l.starts_with(b"{\"pruned\":\""),
            "{}",
            String::from_utf8_lossy(l)
        );
    }
    // Nothing on disk links the reader to the dossier for those reads: no copy
    // of the lines (journal, store), no index pair (number, offset), no key.
    for f in files_under(&v.dir) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        for (seq, off, orig) in &a.old_reads {
            let time = String::from_utf8_lossy(orig)
                .split("\"time\":\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_string();
            let head = format!("\"time\":\"{time}\",\"actor\":\"e.petit\"");
            assert!(
                !contains_bytes(&bytes, head.as_bytes()),
                "{} still holds a pruned read",
                f.display()
            );
            let mut pair = (*seq as u64).to_be_bytes().to_vec();
            pair.extend_from_slice(&off.to_be_bytes());
            assert!(
                !contains_bytes(&bytes, &pair),
                "{} still indexes a pruned read",
                f.display()
            );
            for key in [
                format!("ax/a/e.petit/{seq:016x}"),
                format!("ax/d/{}/{seq:016x}", a.dossier),
            ] {
                assert!(!contains_bytes(&bytes, key.as_bytes()), "{}", f.display());
            }
        }
    }
    // Every verifier passes, also against the checkpoint exported before.
    let r = v.verify();
    r.expect_code(0, "audit verify after the prune");
    v.anon(&["audit", "verify", "--since", a.export.to_str().unwrap()])
        .expect_code(0, "verify --since an earlier export");
    assert_eq!(python_verify(&v.dir, None), 0);
    assert_eq!(python_verify(&v.dir, Some(&a.export)), 0);
    // Every member unlocks and reads what they may.
    v.as_user("e.petit", &["dossier", "show", &a.dossier])
        .expect_code(0, "the educator reads");
    v.as_user("dir.martin", &["dossier", "list"])
        .expect_code(0, "the director lists");
    let h = v.as_user("p.dpo", &["audit", "history", &a.dossier]);
    h.expect_code(0, "history");
    assert!(h.stdout.contains("pruned"), "{}", h.stdout);
    // Shown where it is asked: the policy, and the DPO's report in each format.
    let p = v.as_user("p.dpo", &["policy", "show"]);
    p.expect_code(0, "policy show");
    assert!(
        p.stdout.contains("the access trail is kept 1 year"),
        "{}",
        p.stdout
    );
    let j = v.as_user("p.dpo", &["audit", "report", "--format", "json"]);
    j.expect_code(0, "json report");
    let j: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    let prunes = j["trail"]["prunes"].as_array().unwrap();
    assert_eq!(prunes.len(), 1, "{j}");
    assert_eq!(prunes[0]["by"], "p.dpo");
    assert_eq!(prunes[0]["count"], 3);
    assert_eq!(j["trail"]["covers_from"], prunes[0]["before"]);
    assert_eq!(j["trail"]["retention"], "1 year");
    for (format, needle) in [
        ("html", "<th>Pruned on</th>"),
        ("text", "older entries pruned on"),
    ] {
        let r = v.as_user("p.dpo", &["audit", "report", "--format", format]);
        r.expect_code(0, format);
        assert!(r.stdout.contains(needle), "{format}: {}", r.stdout);
        assert!(r.stdout.contains("p.dpo"), "{format}: who pruned");
        assert!(
            r.stdout.contains(prunes[0]["on"].as_str().unwrap()),
            "{format}: when"
        );
    }
    // A byte flipped in a pruned line, or in a kept one, is detected.
    let orig = std::fs::read(&path).unwrap();
    let (seq, _, _) = a.old_reads[1];
    let start: usize = now_lines[..seq - 1].iter().map(|l| l.len() + 1).sum();
    for at in [
        start + 15,
        start + now_lines[seq - 1].len() - 1,
        orig.len() - 40,
    ] {
        let mut bad = orig.clone();
        bad[at] ^= 0x01;
        std::fs::write(&path, &bad).unwrap();
        v.verify().expect_code(5, "a flipped byte");
        assert_eq!(python_verify(&v.dir, None), 5);
    }
    std::fs::write(&path, &orig).unwrap();
    v.verify().expect_code(0, "restored");
}

#[test]
fn pruned_lines_that_no_prune_fact_covers_are_refused() {
    let a = aged_and_pruned();
    let v = &a.v;
    let path = v.audit_path();
    // A read after the prune: after the DPO's anchor, so their unlock replays it.
    v.as_user("e.petit", &["dossier", "show", &a.dossier])
        .expect_code(0, "a read after the prune");
    let orig = lines(&path);
    let fact = orig
        .iter()
        .position(|l| contains_bytes(l, b"\"fact\":{\"kind\":\"prune\""))
        .unwrap()
        + 1;
    let team = orig
        .iter()
        .position(|l| contains_bytes(l, b"\"fact\":{\"kind\":\"team\""))
        .unwrap();
    let last_read = orig
        .iter()
        .rposition(|l| contains_bytes(l, b"\"action\":\"dossier.read\""))
        .unwrap();
    let recent = orig[..fact - 1]
        .iter()
        .rposition(|l| contains_bytes(l, b"\"action\":\"dossier.read\""))
        .unwrap();
    let attacks: Vec<(&str, usize, Vec<u8>)> = vec![
        (
            "a read after the DPO's anchor pruned",
            last_read,
            pruned_form(&orig[last_read], fact),
        ),
        ("a fact line pruned", team, pruned_form(&orig[team], fact)),
        (
            "a recent read pruned",
            recent,
            pruned_form(&orig[recent], fact),
        ),
        (
            "a pruned line naming no prune fact",
            recent,
            pruned_form(&orig[recent], team + 1),
        ),
        (
            "an entry put back whole after the prune",
            a.old_reads[0].0 - 1,
            a.old_reads[0].2.clone(),
        ),
        (
            "a pruned line whose prev was changed",
            a.old_reads[0].0 - 1,
            {
                let l = String::from_utf8(orig[a.old_reads[0].0 - 1].clone()).unwrap();
                let prev = prev_of(&a.old_reads[0].2);
                assert!(l.contains(&prev), "the pruned line keeps its prev");
                l.replace(&prev, &"ab".repeat(32)).into_bytes()
            },
        ),
    ];
    for (what, at, line) in attacks {
        let mut forged = orig.clone();
        forged[at] = line;
        write_lines(&path, &forged);
        let r = v.verify();
        r.expect_code(5, what);
        assert_eq!(python_verify(&v.dir, None), 5, "{what}");
        // The rights replay at unlock refuses it too (from the genesis: the
        // DPO's anchor is older than none of these lines for the recent ones).
        if at > fact {
            v.as_user("p.dpo", &["dossier", "list"])
                .expect_code(5, what);
        }
    }
    write_lines(&path, &orig);
    v.verify().expect_code(0, "restored");
}
