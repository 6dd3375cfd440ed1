//! The access trail's index against the log's dossier chain (`dprev`,
//! `docs/audit-format.md` "The dossier chain"): someone with write access to
//! the vault's folder deletes the index record (`ax/d/{dossier}/{seq}`) of
//! one access to a dossier — a middle one, then the last one — and the
//! person's own history (`access view`), the DPO's `audit history` and the
//! art. 15 export each stop with an integrity failure (exit 5) naming the
//! record, instead of showing the history without that access. The
//! untouched copy is the control: the same commands succeed.

use crate::util;

use std::path::{Path, PathBuf};

use coffre::store::Op;
use util::{forge_store, run_coffre, Opts, Run, TestVault};

const DPO: &str = "p.dpo";
const DOC: &str = "dr.leroy";
const PERSON_PASS: &str = "passphrase of the person, long enough";

struct Setup {
    v: TestVault,
    d: String,
    recipient: String,
}

/// A vault with a dossier read several times by the doctor, whose person was
/// given access to their file.
fn setup() -> Setup {
    let mut v = TestVault::new();
    v.add_staff(DPO, "Delegue Protection", "dpo", true);
    v.add_staff(DOC, "Camille Leroy", "medecin", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, DOC);
    v.add_entry(DOC, &d, "medical", &["text=Une note"]);
    for _ in 0..4 {
        v.as_user(DOC, &["dossier", "show", &d])
            .expect_code(0, "the doctor reads");
    }
    let rec = v.recovery.to_str().unwrap().to_string();
    run_coffre(
        &["access", "grant", &d, "--recovery-key", &rec],
        &Opts {
            vault: Some(&v.dir),
            user: Some(&admin),
            pass: Some(v.pass(&admin)),
            new_pass: Some(PERSON_PASS),
            ..Opts::default()
        },
    )
    .expect_code(0, "access grant");
    v.as_user(DOC, &["dossier", "show", &d])
        .expect_code(0, "the doctor reads again");
    let recipient = age::x25519::Identity::generate().to_public().to_string();
    Setup { v, d, recipient }
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

/// The numbers of the log's lines naming `d`, in order.
fn lines_about(dir: &Path, d: &str) -> Vec<u64> {
    std::fs::read_to_string(dir.join("audit.log"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["dossier"] == d)
        .map(|e| e["seq"].as_u64().unwrap())
        .collect()
}

/// Removes line `seq` from `d`'s index as someone with the folder can: the
/// record holding it is deleted, or rewritten without its pair when it groups
/// several lines. Returns the record's name as coffre gives it.
fn delete_index_of(dir: &Path, d: &str, seq: u64) -> String {
    let records: Vec<(Vec<u8>, Vec<u8>)> = {
        let vault = coffre::Vault::open(dir).unwrap();
        vault
            .store()
            .scan_prefix(format!("ax/d/{d}/").as_bytes())
            .unwrap()
    };
    let mut ops = Vec::new();
    for (k, v) in records {
        let name = String::from_utf8(k.clone()).unwrap();
        let single = format!("ax/d/{d}/{seq:016x}");
        if v.len() == 8 && name == single {
            ops.push(Op::Remove(k));
        } else if v.len() % 16 == 0 {
            let kept: Vec<u8> = v
                .chunks_exact(16)
                .filter(|p| u64::from_be_bytes(p[..8].try_into().unwrap()) != seq)
                .flatten()
                .copied()
                .collect();
            if kept.len() != v.len() {
                ops.push(if kept.is_empty() {
                    Op::Remove(k)
                } else {
                    Op::Put(k, kept)
                });
            }
        }
    }
    assert_eq!(ops.len(), 1, "one record holds line {seq}");
    forge_store(dir, ops);
    format!("ax/d/{d}/{seq:016x}")
}

/// The three readers of the dossier's history, on the vault at `dir`.
fn readers(s: &Setup, dir: &Path, out: &Path) -> Vec<(&'static str, Run)> {
    let rec = s.v.recovery.to_str().unwrap().to_string();
    let person = run_coffre(
        &["access", "view", &s.d, "--json"],
        &Opts {
            vault: Some(dir),
            pass: Some(PERSON_PASS),
            ..Opts::default()
        },
    );
    let dpo = run_coffre(
        &["audit", "history", &s.d],
        &Opts {
            vault: Some(dir),
            user: Some(DPO),
            pass: Some(s.v.pass(DPO)),
            ..Opts::default()
        },
    );
    let export = run_coffre(
        &[
            "access",
            "export",
            &s.d,
            "--out",
            out.to_str().unwrap(),
            "--recipient",
            &s.recipient,
            "--recovery-key",
            &rec,
        ],
        &Opts {
            vault: Some(dir),
            user: Some(&s.v.admin),
            pass: Some(s.v.pass(&s.v.admin)),
            ..Opts::default()
        },
    );
    vec![
        ("the person's access view", person),
        ("the DPO's audit history", dpo),
        ("the export", export),
    ]
}

/// A fresh copy of the vault, in its own temporary folder.
fn fresh(s: &Setup) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("vault");
    copy_dir(&s.v.dir, &dir);
    (root, dir)
}

#[test]
fn a_deleted_index_record_of_a_dossiers_access_is_named_by_every_history() {
    let s = setup();
    let about = lines_about(&s.v.dir, &s.d);
    assert!(about.len() >= 8, "{about:?}");
    // The control: untouched, every reader shows the history.
    {
        let (root, dir) = fresh(&s);
        for (what, r) in readers(&s, &dir, &root.path().join("copie.age")) {
            r.expect_code(0, what);
        }
        run_coffre(
            &["audit", "verify"],
            &Opts {
                vault: Some(&dir),
                ..Opts::default()
            },
        )
        .expect_code(0, "audit verify, untouched");
    }
    let middle = about[about.len() / 2];
    let last = *about.last().unwrap();
    for (case, seq) in [("a middle access", middle), ("the last access", last)] {
        // Each reader on a copy of its own, so that each meets the deletion
        // first hand.
        for k in 0..3 {
            let (root, dir) = fresh(&s);
            let record = delete_index_of(&dir, &s.d, seq);
            let (what, r) = readers(&s, &dir, &root.path().join("copie.age"))
                .into_iter()
                .nth(k)
                .unwrap();
            r.expect_code(5, &format!("{what}, {case} unindexed"));
            assert!(
                r.stderr.contains(&record),
                "{what}, {case}: names {record}: {}",
                r.stderr
            );
            // The reader's own line was written with the dprev the log
            // gives, not the index: the log still verifies on its own.
            let (code, out) = python(&dir);
            assert_eq!(code, 0, "{what}, {case}: {out}");
        }
    }
}

/// `docs/verify_audit.py DIR`: (exit code, output).
fn python(dir: &Path) -> (i32, String) {
    let out = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/verify_audit.py"))
        .arg(dir)
        .output()
        .expect("python3");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// The writer takes `dprev` from the log: with every index record of the
/// dossier deleted (no hint at all), or one pointed at another dossier's
/// line (a hint that is not the dossier's), lines written about the dossier
/// — several in one command, then in the next — carry the `dprev` the
/// verifiers expect; `audit verify` then names only the index.
#[test]
fn the_writer_takes_dprev_from_the_log_whatever_the_index_says() {
    let s = setup();
    let other =
        s.v.create_dossier(&s.v.admin, "Autre Personne", "2010-01-01");
    for how in ["every record deleted", "the last record pointed elsewhere"] {
        let (_root, dir) = fresh(&s);
        let records: Vec<(Vec<u8>, Vec<u8>)> = coffre::Vault::open(&dir)
            .unwrap()
            .store()
            .scan_prefix(format!("ax/d/{}/", s.d).as_bytes())
            .unwrap();
        let theirs: Vec<(Vec<u8>, Vec<u8>)> = coffre::Vault::open(&dir)
            .unwrap()
            .store()
            .scan_prefix(format!("ax/d/{other}/").as_bytes())
            .unwrap();
        let ops = match how {
            "every record deleted" => records.into_iter().map(|(k, _)| Op::Remove(k)).collect(),
            _ => {
                let (k, _) = records.last().unwrap().clone();
                vec![Op::Put(k, theirs[0].1.clone())]
            }
        };
        forge_store(&dir, ops);
        for _ in 0..2 {
            run_coffre(
                &["dossier", "show", &s.d],
                &Opts {
                    vault: Some(&dir),
                    user: Some(DOC),
                    pass: Some(s.v.pass(DOC)),
                    ..Opts::default()
                },
            )
            .expect_code(0, &format!("the doctor reads, {how}"));
        }
        let (code, out) = python(&dir);
        assert_eq!(code, 0, "{how}: {out}");
        let r = run_coffre(
            &["audit", "verify"],
            &Opts {
                vault: Some(&dir),
                ..Opts::default()
            },
        );
        r.expect_code(5, how);
        assert!(r.stderr.contains("ax/"), "{how}: {}", r.stderr);
        assert!(!r.stderr.contains("previous entry"), "{how}: {}", r.stderr);
    }
}

/// What the writer's `dprev` costs on a large log (`docs/performance.md`,
/// "The dossier chain"): one line about a dossier, each time on a vault
/// freshly opened (nothing kept from an earlier lookup), when the dossier's
/// last line is near the end, when it is the log's first lines (the tail read
/// covers the whole log), and for a dossier the log never named (the whole
/// log read for it, then, for a second, once for every dossier and the map
/// kept); then a third new dossier in the same process (the kept map read on
/// from where it stopped).
/// `COFFRE_CHAIN_LINES` sets the log's size (200,000). Prints; never fails
/// on a time.
#[test]
#[ignore = "a measurement, tens of seconds"]
fn measure_the_writers_dprev() {
    use coffre::audit::Draft;
    use std::time::Instant;
    let n: u64 = std::env::var("COFFRE_CHAIN_LINES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let v = TestVault::new();
    let read = |d: &str| {
        Draft::new("dr.leroy", "medecin", "dossier.read")
            .dossier(d)
            .categories(["identity", "medical"])
    };
    {
        let vault = coffre::Vault::open(&v.dir).unwrap();
        vault.audit_batch(vec![read("d-old0000001")]).unwrap();
        let mut i = 0;
        while i < n {
            let k = 10_000.min(n - i);
            vault
                .audit_batch(
                    (i..i + k)
                        .map(|j| read(&format!("d-{:010x}", (j * 7919) % 1000)))
                        .collect(),
                )
                .unwrap();
            i += k;
        }
        vault.settle().unwrap();
    }
    let size = std::fs::metadata(v.dir.join("audit.log")).unwrap().len();
    println!(
        "log: {} lines, {:.0} MB (dev profile: the crate unoptimised, its dependencies at opt-level 2)",
        n + 1,
        size as f64 / 1e6
    );
    let one = |what: &str, dossiers: &[&str]| {
        let vault = coffre::Vault::open(&v.dir).unwrap();
        for d in dossiers {
            // Warm the file in the page cache, as a running server has it.
            std::hint::black_box(std::fs::read(v.dir.join("audit.log")).unwrap().len());
            let t = Instant::now();
            vault.audit_batch(vec![read(d)]).unwrap();
            println!("{what}, {d}: {:.1?}", t.elapsed());
        }
        vault.settle().unwrap();
    };
    one("baseline, a line naming no dossier", &[]);
    {
        let vault = coffre::Vault::open(&v.dir).unwrap();
        let t = Instant::now();
        vault
            .audit_batch(vec![Draft::new("dr.leroy", "medecin", "staff.list")])
            .unwrap();
        println!("a line naming no dossier: {:.1?}", t.elapsed());
    }
    one(
        "last line near the end, then again",
        &["d-0000000007", "d-0000000007"],
    );
    one(
        "last line at the start (tail = whole log)",
        &["d-old0000001"],
    );
    one(
        "new dossiers: the first read for itself, the second for all, the third from the kept map",
        &["d-new0000001", "d-new0000002", "d-new0000003"],
    );
    run_coffre(
        &["audit", "verify"],
        &Opts {
            vault: Some(&v.dir),
            ..Opts::default()
        },
    )
    .expect_code(0, "the log verifies");
}
