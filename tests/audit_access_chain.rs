//! The access trail's index against the log's dossier chain (`dprev`,
//! `docs/audit-format.md` "The dossier chain"): someone with write access to
//! the vault's folder deletes the index record (`ax/d/{dossier}/{seq}`) of
//! one access to a dossier — a middle one, then the last one — and the
//! person's own history (`access view`), the DPO's `audit history` and the
//! art. 15 export each stop with an integrity failure (exit 5) naming the
//! record, instead of showing the history without that access. The
//! untouched copy is the control: the same commands succeed.

mod util;

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
        }
    }
}
