//! The actors' index against the log's actor chain (`aprev`,
//! `docs/audit-format.md` "The actor chain"): someone with write access to
//! the vault's folder deletes the index record (`ax/a/{member}/{seq}`) of one
//! of a member's lines — a middle one, then the last one — or moves it under
//! another member, and every reader of a member's trail stops with an
//! integrity failure (exit 5) naming a record instead of showing the trail
//! without that line: the DPO's `audit log --actor`, the home page's recent
//! dossiers, and the second factor's "code already used" check, which refuses
//! a code rather than accept one used before. The untouched copy is the
//! control.

use crate::util;

use std::path::{Path, PathBuf};

use coffre::store::Op;
use secrecy::SecretString;
use util::{forge_store, run_coffre, Opts, Run, TestVault};

const DPO: &str = "p.dpo";
const DOC: &str = "dr.leroy";

struct Setup {
    v: TestVault,
    d: String,
}

/// A vault with a dossier the doctor wrote in and read several times.
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
    Setup { v, d }
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

/// A fresh copy of the vault, in its own temporary folder.
fn fresh(dir: &Path) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let to = root.path().join("vault");
    copy_dir(dir, &to);
    (root, to)
}

/// The numbers of the log's lines by `actor`, in order.
fn lines_by(dir: &Path, actor: &str) -> Vec<u64> {
    std::fs::read_to_string(dir.join("audit.log"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["actor"] == actor)
        .map(|e| e["seq"].as_u64().unwrap())
        .collect()
}

/// The store operations that take the lines `seqs` out of `actor`'s index as
/// someone with the folder can (each record holding one deleted, or
/// rewritten without their pairs when it groups several lines), and their
/// (number, offset) pairs.
fn unindex(dir: &Path, actor: &str, seqs: &[u64]) -> (Vec<Op>, Vec<[u8; 16]>) {
    let records: Vec<(Vec<u8>, Vec<u8>)> = coffre::Vault::open(dir)
        .unwrap()
        .store()
        .scan_prefix(format!("ax/a/{actor}/").as_bytes())
        .unwrap();
    let mut ops = Vec::new();
    let mut pairs = Vec::new();
    for (k, v) in records {
        let name = String::from_utf8(k.clone()).unwrap();
        let seq = seqs
            .iter()
            .find(|s| name == format!("ax/a/{actor}/{:016x}", **s));
        if let (8, Some(seq)) = (v.len(), seq) {
            let mut p = [0u8; 16];
            p[..8].copy_from_slice(&seq.to_be_bytes());
            p[8..].copy_from_slice(&v);
            pairs.push(p);
            ops.push(Op::Remove(k));
        } else if v.len() % 16 == 0 {
            let (out, kept): (Vec<&[u8]>, Vec<&[u8]>) = v
                .chunks_exact(16)
                .partition(|p| seqs.contains(&u64::from_be_bytes(p[..8].try_into().unwrap())));
            if !out.is_empty() {
                pairs.extend(out.iter().map(|p| <[u8; 16]>::try_from(*p).unwrap()));
                ops.push(if kept.is_empty() {
                    Op::Remove(k)
                } else {
                    Op::Put(k, kept.concat())
                });
            }
        }
    }
    assert_eq!(pairs.len(), seqs.len(), "the index holds lines {seqs:?}");
    (ops, pairs)
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

/// The DPO's `audit log --actor ACTOR` on the vault at `dir`.
fn audit_log_by(s: &Setup, dir: &Path, actor: &str) -> Run {
    run_coffre(
        &["audit", "log", "--actor", actor, "--json"],
        &Opts {
            vault: Some(dir),
            user: Some(DPO),
            pass: Some(s.v.pass(DPO)),
            ..Opts::default()
        },
    )
}

/// The doctor's recent dossiers (the home page's list), through the library:
/// the dossiers, or the error's exit code and message.
fn recent(s: &Setup, dir: &Path) -> Result<Vec<String>, (i32, String)> {
    let vault = coffre::Vault::open(dir).map_err(|e| (e.exit_code(), e.to_string()))?;
    let mut session = vault
        .unlock(DOC, &SecretString::from(s.v.pass(DOC).to_string()))
        .map_err(|e| (e.exit_code(), e.to_string()))?;
    session
        .recent_dossiers(10)
        .map(|r| r.into_iter().map(|d| d.id).collect())
        .map_err(|e| (e.exit_code(), e.to_string()))
}

#[test]
fn a_deleted_or_moved_actor_index_record_is_named_by_every_reader_of_the_trail() {
    let s = setup();
    let by = lines_by(&s.v.dir, DOC);
    assert!(by.len() >= 6, "{by:?}");
    // The control: untouched, both readers show the trail.
    {
        let (_root, dir) = fresh(&s.v.dir);
        audit_log_by(&s, &dir, DOC).expect_code(0, "audit log --actor, untouched");
        assert_eq!(recent(&s, &dir), Ok(vec![s.d.clone()]));
        run_coffre(
            &["audit", "verify"],
            &Opts {
                vault: Some(&dir),
                ..Opts::default()
            },
        )
        .expect_code(0, "audit verify, untouched");
    }
    let middle = by[by.len() / 2];
    let last = *by.last().unwrap();
    for (case, seq, moved) in [
        ("a middle line deleted", middle, false),
        ("the last line deleted", last, false),
        ("the last line moved to the DPO", last, true),
    ] {
        for reader in ["audit log --actor", "recent dossiers"] {
            let (_root, dir) = fresh(&s.v.dir);
            let (mut ops, pairs) = unindex(&dir, DOC, &[seq]);
            let record = format!("ax/a/{DOC}/{seq:016x}");
            if moved {
                ops.push(Op::Put(
                    format!("ax/a/{DPO}/{seq:016x}").into_bytes(),
                    pairs[0][8..].to_vec(),
                ));
            }
            forge_store(&dir, ops);
            let (code, out) = match reader {
                "audit log --actor" => {
                    let r = audit_log_by(&s, &dir, DOC);
                    (r.code, r.stderr)
                }
                _ => recent(&s, &dir)
                    .map(|l| (0, format!("{l:?}")))
                    .unwrap_or_else(|e| e),
            };
            assert_eq!(code, 5, "{reader}, {case}: {out}");
            // The line the reader's own command wrote may be the newest by
            // the doctor: the record named is the one the chain misses,
            // which is the one deleted.
            assert!(
                out.contains(&record),
                "{reader}, {case}: names {record}: {out}"
            );
            // The planted record is refused where it was put.
            if moved {
                let r = audit_log_by(&s, &dir, DPO);
                r.expect_code(5, &format!("audit log --actor {DPO}, {case}"));
                assert!(
                    r.stderr.contains(&format!("ax/a/{DPO}/{seq:016x}")),
                    "{case}: {}",
                    r.stderr
                );
            }
            // Every line written meanwhile took its aprev from the log: the
            // log still verifies on its own.
            let (code, out) = python(&dir);
            assert_eq!(code, 0, "{reader}, {case}: {out}");
        }
    }
}

/// The writer takes `aprev` from the log: with every index record of the
/// doctor deleted (no hint at all), lines the doctor writes — in one
/// command, then in the next — carry the `aprev` the verifiers expect;
/// `audit verify` then names only the index.
#[test]
fn the_writer_takes_aprev_from_the_log_whatever_the_index_says() {
    let s = setup();
    let (_root, dir) = fresh(&s.v.dir);
    let records: Vec<(Vec<u8>, Vec<u8>)> = coffre::Vault::open(&dir)
        .unwrap()
        .store()
        .scan_prefix(format!("ax/a/{DOC}/").as_bytes())
        .unwrap();
    assert!(!records.is_empty());
    forge_store(
        &dir,
        records.into_iter().map(|(k, _)| Op::Remove(k)).collect(),
    );
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
        .expect_code(0, "the doctor reads");
    }
    let (code, out) = python(&dir);
    assert_eq!(code, 0, "{out}");
    let r = run_coffre(
        &["audit", "verify"],
        &Opts {
            vault: Some(&dir),
            ..Opts::default()
        },
    );
    r.expect_code(5, "audit verify names the index");
    assert!(r.stderr.contains("ax/"), "{}", r.stderr);
    assert!(!r.stderr.contains("previous entry"), "{}", r.stderr);
}

/// The six-digit code of `secret` (base32) at `time`.
fn code_at(secret: &str, time: u64) -> String {
    let raw = totp_rs::Secret::try_from_base32(secret.replace(' ', "")).expect("base32 secret");
    let totp = totp_rs::Builder::new()
        .with_secret(raw.as_ref().to_vec())
        .build()
        .expect("totp");
    totp.generate(time).to_string()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A used TOTP code and a used recovery code stay refused when the member's
/// index records (`ax/a/edu/…`) — every one, or only the line that accepted
/// the code — and their cache of used codes (`sfu/edu`) are deleted: the
/// check walks the log's chain of the member's lines, finds the record
/// missing, and refuses (an integrity failure, exit 5) instead of reading a
/// trail without the line that used the code.
#[test]
fn a_used_code_stays_refused_when_the_members_index_and_cache_are_deleted() {
    use coffre::crypto::kdf::KdfParams;
    use coffre::crypto::wrap::Identity;
    use coffre::vault::access::second_factor::Accepted;
    use coffre::{InitOptions, NewStaff, Vault};
    use secrecy::ExposeSecret;
    const PASS: &str = "correct horse battery staple 42";
    let pass = || SecretString::from(PASS);
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("vault");
    let (totp, recovery_code) = {
        let recovery = Identity::generate();
        let copy = Identity::parse(recovery.to_secret_string().expose_secret()).unwrap();
        let (v, _) = Vault::init(
            &dir,
            InitOptions {
                establishment: "Review".into(),
                admin_id: "dir".into(),
                admin_name: "Director".into(),
                admin_profession: "directeur".into(),
                admin_passphrase: pass(),
                kdf: KdfParams::INSECURE_FAST,
                policy: None,
                recovery: Some(copy),
            },
        )
        .unwrap();
        v.unlock("dir", &pass())
            .unwrap()
            .add_staff(
                &NewStaff {
                    id: "edu",
                    name: "edu",
                    profession: "educateur-specialise",
                    passphrase: &pass(),
                },
                Some(&recovery),
            )
            .unwrap();
        let mut first = v.unlock("edu", &pass()).unwrap();
        let e = first.begin_totp_enrolment().unwrap();
        let secret = e.secret_base32().replace(' ', "");
        let codes: Vec<String> = e.recovery_codes().iter().map(|c| c.to_string()).collect();
        first.enrol_totp(&e, &code_at(&secret, now() - 30)).unwrap();
        drop(first);
        // The next step's code (still acceptable for a minute), and a
        // recovery code, each accepted once.
        let totp = code_at(&secret, now() + 30);
        let mut s = v.unlock("edu", &pass()).unwrap();
        assert!(matches!(
            s.check_second_factor(&totp),
            Ok(Accepted::Totp { .. })
        ));
        assert!(s.check_second_factor(&totp).is_err(), "the control: used");
        assert!(matches!(
            s.check_second_factor(&codes[0]),
            Ok(Accepted::Recovery { .. })
        ));
        assert!(
            s.check_second_factor(&codes[0]).is_err(),
            "the control: used"
        );
        drop(s);
        v.close().unwrap();
        (totp, codes[0].clone())
    };
    let uses: Vec<u64> = std::fs::read_to_string(dir.join("audit.log"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| {
            e["actor"] == "edu" && e["action"] == "auth.second-factor" && e["outcome"] == "ok"
        })
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(uses.len(), 2, "{uses:?}");
    for case in ["every record", "the records of the two uses"] {
        let (_copy, at) = fresh(&dir);
        let mut ops = vec![Op::Remove(b"sfu/edu".to_vec())];
        if case == "every record" {
            let records: Vec<(Vec<u8>, Vec<u8>)> = coffre::Vault::open(&at)
                .unwrap()
                .store()
                .scan_prefix(b"ax/a/edu/")
                .unwrap();
            ops.extend(records.into_iter().map(|(k, _)| Op::Remove(k)));
        } else {
            ops.extend(unindex(&at, "edu", &uses).0);
        }
        forge_store(&at, ops);
        assert!(coffre::Vault::open(&at)
            .unwrap()
            .store()
            .get(b"sfu/edu")
            .unwrap()
            .is_none());
        let v = Vault::open(&at).unwrap();
        let mut s = v.unlock("edu", &pass()).unwrap();
        for (what, code) in [
            ("the TOTP code", &totp),
            ("the recovery code", &recovery_code),
        ] {
            let r = s.check_second_factor(code);
            let Err(e) = r else {
                panic!("{case} deleted: {what} used before was accepted again: {r:?}");
            };
            assert_eq!(e.exit_code(), 5, "{case}, {what}: {e}");
            assert!(e.to_string().contains("ax/a/edu/"), "{case}, {what}: {e}");
        }
    }
}

/// The writer's `aprev` for a member in use costs a read of the log from the
/// member's last indexed line, not more: the member read once, then 3,000
/// lines by someone else, then the member again; a fresh process writing a
/// line by the member (naming no dossier) reads only the lines after the
/// member's last (counted in bytes, `Vault::chain_bytes_read`, never timed).
#[test]
fn the_writers_aprev_reads_the_log_from_the_members_last_line() {
    use coffre::audit::Draft;
    let s = setup();
    {
        let vault = coffre::Vault::open(&s.v.dir).unwrap();
        for _ in 0..3 {
            vault
                .audit_batch(
                    (0..1000)
                        .map(|_| Draft::new("someone.else", "medecin", "staff.list"))
                        .collect(),
                )
                .unwrap();
        }
        vault.settle().unwrap();
    }
    s.v.as_user(DOC, &["dossier", "show", &s.d])
        .expect_code(0, "the doctor reads after the others' lines");
    let size = std::fs::metadata(s.v.dir.join("audit.log")).unwrap().len();
    let vault = coffre::Vault::open(&s.v.dir).unwrap();
    let before = vault.chain_bytes_read();
    vault
        .audit_batch(vec![Draft::new(DOC, "medecin", "staff.list")])
        .unwrap();
    let read = vault.chain_bytes_read() - before;
    assert!(
        read < size / 20,
        "one line by the doctor read {read} bytes of a {size}-byte log"
    );
    drop(vault);
    let (code, out) = python(&s.v.dir);
    assert_eq!(code, 0, "{out}");
}
