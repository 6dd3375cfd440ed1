//! A vault in PostgreSQL, against a real server the tests start themselves
//! (`util::pg`): the database administrator edits rows with `psql` and every
//! edit is detected (exit 5, naming what); four processes write at once, then
//! again with one of them killed and the server crashed in the middle, and the
//! log stays one verified line with every acknowledged change in it, once.

mod util;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use coffre::store::records::{decode, encode, StaffRecord};
use serde_json::Value;
use util::{http, pg, TestVault};

/// The crash test stops the whole server, and the checks of tables' files
/// need no other transaction open on it: those run alone.
static SERVER_USE: std::sync::RwLock<()> = std::sync::RwLock::new(());

fn serial() -> std::sync::RwLockReadGuard<'static, ()> {
    SERVER_USE.read().unwrap_or_else(|e| e.into_inner())
}

/// A vault in its own database with a director, a doctor and an educator,
/// one dossier whose team is the doctor, and two medical notes.
fn setup() -> (TestVault, String, String, String) {
    let mut v = TestVault::in_postgres("IME Les Tilleuls", "dir.martin", "Claire Martin");
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    v.add_staff("e.petit", "Élise Petit", "educateur-specialise", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, "dr.leroy");
    let e1 = v.add_entry("dr.leroy", &d, "medical", &["text=Première note"]);
    let e2 = v.add_entry("dr.leroy", &d, "medical", &["text=Seconde note"]);
    v.verify().expect_code(0, "untouched vault verifies");
    v.as_user("dr.leroy", &["dossier", "show", &d])
        .expect_code(0, "untouched dossier reads");
    (v, d, e1, e2)
}

fn db(v: &TestVault) -> &str {
    v.database.as_deref().expect("a vault in PostgreSQL")
}

/// `key` as a PostgreSQL bytea literal.
fn key(k: &str) -> String {
    format!("'\\x{}'::bytea", hex::encode(k.as_bytes()))
}

#[test]
fn nothing_in_the_database_is_plaintext() {
    let _one = serial();
    let (v, d, _, _) = setup();
    let dump = pg::psql(
        db(&v),
        "SELECT encode(key, 'escape') || ' ' || encode(value, 'escape') FROM coffre.records \
         UNION ALL SELECT encode(line, 'escape') FROM coffre.audit_log \
         UNION ALL SELECT encode(note, 'escape') FROM coffre.checkpoint_log",
    );
    assert!(
        dump.contains(&d),
        "the dump is the vault's (names the dossier id)"
    );
    for secret in [
        "Première note",
        "Seconde note",
        "Lucas Exemple",
        "Camille Leroy",
        "IME Les Tilleuls",
        "dr.leroy-passphrase",
    ] {
        assert!(!dump.contains(secret), "{secret:?} is in the database");
    }
}

#[test]
fn a_profession_changed_with_sql_grants_nothing() {
    let _one = serial();
    let (v, d, _, _) = setup();
    // The database administrator, who knows the record format, makes the
    // educator a doctor.
    let k = key("s/e.petit");
    let hex_value = pg::psql(
        db(&v),
        &format!("SELECT encode(value, 'hex') FROM coffre.records WHERE key = {k}"),
    );
    let bytes = hex::decode(hex_value.trim()).unwrap();
    let mut record: StaffRecord = decode(&bytes, "staff").unwrap();
    assert_eq!(record.profession, "educateur-specialise");
    record.profession = "medecin".into();
    pg::psql(
        db(&v),
        &format!(
            "UPDATE coffre.records SET value = '\\x{}'::bytea WHERE key = {k}",
            hex::encode(encode(&record).unwrap())
        ),
    );
    let r = v.as_user("dr.leroy", &["dossier", "show", &d]);
    r.expect_code(5, "the doctor's read after the forgery");
    assert!(
        r.stderr.contains("s/e.petit"),
        "names the record: {}",
        r.stderr
    );
    let r = v.as_user("e.petit", &["dossier", "show", &d]);
    r.expect_code(5, "the educator's read after the forgery");
    let wraps = pg::psql(
        db(&v),
        "SELECT count(*) FROM coffre.records WHERE key::text LIKE '%' AND \
         position('e.petit'::bytea in key) > 0 AND position('medical'::bytea in key) > 0",
    );
    assert_eq!(
        wraps.trim(),
        "0",
        "no medical key was wrapped to the educator"
    );
}

#[test]
fn a_care_team_row_added_with_sql_is_refused() {
    let _one = serial();
    let (v, d, _, _) = setup();
    pg::psql(
        db(&v),
        &format!(
            "INSERT INTO coffre.records (key, value) \
             SELECT {}, value FROM coffre.records WHERE key = {}",
            key(&format!("t/{d}/e.petit")),
            key(&format!("t/{d}/dr.leroy"))
        ),
    );
    let r = v.as_user("e.petit", &["dossier", "show", &d]);
    r.expect_code(5, "the educator's read outside the team");
    assert!(r.stderr.contains(&format!("t/{d}/e.petit")), "{}", r.stderr);
}

#[test]
fn an_entry_removed_from_the_listing_is_detected() {
    let _one = serial();
    let (v, d, e1, _) = setup();
    pg::psql(
        db(&v),
        &format!(
            "DELETE FROM coffre.records WHERE key = {}",
            key(&format!("de/{d}/{e1}"))
        ),
    );
    let r = v.as_user("dr.leroy", &["dossier", "show", &d]);
    r.expect_code(5, "a read of the dossier");
    assert!(r.stderr.contains(&format!("de/{d}")), "{}", r.stderr);
}

#[test]
fn an_audit_line_edited_with_sql_is_detected() {
    let _one = serial();
    let (v, _, _, _) = setup();
    // One character of the third line's actor changed, the line still JSON.
    pg::psql(
        db(&v),
        "UPDATE coffre.audit_log SET line = convert_to(\
            replace(convert_from(line, 'UTF8'), '\"actor\":\"dir.martin\"', '\"actor\":\"dir.martio\"'), 'UTF8') \
         WHERE byte_offset = (SELECT byte_offset FROM coffre.audit_log ORDER BY byte_offset OFFSET 2 LIMIT 1)",
    );
    let r = v.verify();
    r.expect_code(5, "audit verify after the edit");
    let r = v.as_user("dr.leroy", &["staff", "list"]);
    r.expect_code(5, "any command after the edit");
}

#[test]
fn the_last_audit_lines_deleted_are_detected() {
    let _one = serial();
    let (v, _, _, _) = setup();
    pg::psql(
        db(&v),
        "DELETE FROM coffre.audit_log WHERE byte_offset = \
         (SELECT max(byte_offset) FROM coffre.audit_log)",
    );
    v.verify().expect_code(5, "audit verify after the cut");
    v.as_user("dr.leroy", &["staff", "list"])
        .expect_code(5, "a command after the cut");
}

#[test]
fn a_line_appended_with_sql_is_refused() {
    let _one = serial();
    let (v, _, _, _) = setup();
    let last = v.audit_lines().pop().unwrap();
    pg::psql(
        db(&v),
        &format!(
            "INSERT INTO coffre.audit_log (byte_offset, line) SELECT \
             (SELECT byte_offset + length(line) FROM coffre.audit_log \
              ORDER BY byte_offset DESC LIMIT 1), convert_to('{}\n', 'UTF8')",
            last.replace('\'', "''")
        ),
    );
    let r = v.as_user("dr.leroy", &["staff", "list"]);
    r.expect_code(5, "a command after the append");
    let n = v.audit_lines().len();
    assert!(
        r.stderr.contains(&n.to_string()),
        "names the line: {}",
        r.stderr
    );
}

#[test]
fn a_checkpoint_edited_with_sql_is_detected() {
    let _one = serial();
    let (v, _, _, _) = setup();
    pg::psql(
        db(&v),
        "UPDATE coffre.checkpoint_log SET note = convert_to(\
            regexp_replace(convert_from(note, 'UTF8'), E'\\n[0-9]+\\n', E'\\n1\\n'), 'UTF8') \
         WHERE byte_offset = (SELECT max(byte_offset) FROM coffre.checkpoint_log)",
    );
    v.verify().expect_code(5, "audit verify after the edit");
}

#[test]
fn the_whole_vault_rolled_back_is_detected_against_an_exported_checkpoint() {
    let _one = serial();
    let (v, d, _, _) = setup();
    let name = db(&v).to_string();
    // The database administrator keeps a copy, lets the doctor write, then
    // puts the copy back: the note, its audit lines and every signed record
    // of where the log ended vanish together.
    pg::psql(
        &name,
        "CREATE TABLE public.r AS SELECT * FROM coffre.records; \
         CREATE TABLE public.a AS SELECT * FROM coffre.audit_log; \
         CREATE TABLE public.c AS SELECT * FROM coffre.checkpoint_log",
    );
    v.add_entry("dr.leroy", &d, "medical", &["text=Troisième note"]);
    // What the DPO keeps off the machine: the latest signed checkpoint.
    let kept = v.root.path().join("kept.checkpoint");
    v.as_user(
        "dir.martin",
        &["audit", "checkpoint", "--out", kept.to_str().unwrap()],
    )
    .expect_code(0, "checkpoint export");
    pg::psql(
        &name,
        "TRUNCATE coffre.records, coffre.audit_log, coffre.checkpoint_log; \
         INSERT INTO coffre.records SELECT * FROM public.r; \
         INSERT INTO coffre.audit_log SELECT * FROM public.a; \
         INSERT INTO coffre.checkpoint_log SELECT * FROM public.c",
    );
    v.anon(&["audit", "verify", "--since", kept.to_str().unwrap()])
        .expect_code(5, "verify against the kept checkpoint");
}

/// Four processes at a time write notes into four dossiers (each writer its
/// own dossier) and read them back; every acknowledged note is there once.
fn writers(
    v: &TestVault,
    dossiers: &[String],
    per_writer: usize,
    chaos: bool,
) -> BTreeMap<String, Vec<String>> {
    let acked: Arc<Mutex<BTreeMap<String, Vec<String>>>> = Arc::default();
    std::thread::scope(|s| {
        for (w, d) in dossiers.iter().enumerate() {
            let acked = acked.clone();
            let v = &v;
            s.spawn(move || {
                for i in 0..per_writer {
                    let text = format!("text=note {w}-{i}");
                    let r = v.as_user(
                        "dr.leroy",
                        &["entry", "add", d, "--kind", "medical", "--field", &text],
                    );
                    if r.code == 0 {
                        acked
                            .lock()
                            .unwrap()
                            .entry(d.clone())
                            .or_default()
                            .push(r.single_line());
                    } else {
                        assert!(chaos, "writer {w} failed without chaos: {}", r.stderr);
                        assert!(
                            r.code == 1 || r.code == 4,
                            "writer {w}: unexpected exit {}: {}",
                            r.code,
                            r.stderr
                        );
                    }
                    if i % 10 == 0 {
                        let r = v.as_user("dr.leroy", &["dossier", "show", d]);
                        assert!(chaos || r.code == 0, "read failed: {}", r.stderr);
                    }
                }
            });
        }
        if chaos {
            // Meanwhile: a fifth writer killed in the middle of its changes,
            // then the server crashed (immediate stop) and started again.
            let d = dossiers[0].clone();
            s.spawn(move || {
                for _ in 0..5 {
                    let mut child = std::process::Command::new(util::COFFRE)
                        .args([
                            "entry",
                            "add",
                            &d,
                            "--kind",
                            "medical",
                            "--field",
                            "text=killed",
                        ])
                        .env("COFFRE_VAULT", &v.dir)
                        .env("COFFRE_USER", "dr.leroy")
                        .env("COFFRE_PASSPHRASE", v.pass("dr.leroy"))
                        .env("COFFRE_LANG", "en")
                        .stdout(std::process::Stdio::null())
                        .stderr(std::process::Stdio::null())
                        .spawn()
                        .unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(15));
                    let _ = child.kill();
                    let _ = child.wait();
                }
                std::thread::sleep(std::time::Duration::from_millis(300));
                pg::restart_immediate();
            });
        }
    });
    Arc::try_unwrap(acked).unwrap().into_inner().unwrap()
}

fn check_after(v: &TestVault, dossiers: &[String], acked: &BTreeMap<String, Vec<String>>) {
    let verify = v.anon(&["audit", "verify", "--json"]);
    verify.expect_code(0, "audit verify after the writers");
    assert_eq!(
        verify.json()["entries"].as_u64(),
        Some(v.audit_lines().len() as u64),
        "every line is in the one log"
    );
    // The log is linear: numbers 1..n, each once, each line linking to the one before.
    let seqs: Vec<u64> = v
        .audit_lines()
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    for d in dossiers {
        let shown = v
            .as_user("dr.leroy", &["dossier", "show", d, "--json"])
            .json();
        let ids: Vec<String> = shown["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect();
        let unique: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "no entry twice in {d}");
        for id in acked.get(d).into_iter().flatten() {
            assert!(
                unique.contains(id),
                "acknowledged entry {id} missing from {d}"
            );
        }
        let texts: Vec<String> = shown["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["fields"]["text"].as_str().map(str::to_string))
            .filter(|t| t != "killed")
            .collect();
        let unique_texts: BTreeSet<&String> = texts.iter().collect();
        assert_eq!(
            unique_texts.len(),
            texts.len(),
            "no note written twice in {d}"
        );
    }
}

fn four_dossiers(v: &TestVault) -> Vec<String> {
    let admin = v.admin.clone();
    (0..4)
        .map(|i| {
            let d = v.create_dossier(&admin, &format!("Personne {i}"), "2010-01-01");
            v.team_add(&admin, &d, "dr.leroy");
            d
        })
        .collect()
}

#[test]
fn four_processes_write_at_once_and_the_log_stays_one() {
    let _one = serial();
    let (v, _, _, _) = setup();
    let dossiers = four_dossiers(&v);
    let acked = writers(&v, &dossiers, 100, false);
    assert_eq!(acked.values().map(Vec::len).sum::<usize>(), 400);
    check_after(&v, &dossiers, &acked);
}

#[test]
fn a_killed_writer_and_a_server_crash_lose_nothing_acknowledged() {
    let _all = SERVER_USE.write().unwrap_or_else(|e| e.into_inner());
    let (v, _, _, _) = setup();
    let dossiers = four_dossiers(&v);
    let acked = writers(&v, &dossiers, 60, true);
    assert!(
        acked.values().map(Vec::len).sum::<usize>() > 0,
        "some writes went through"
    );
    check_after(&v, &dossiers, &acked);
}

/// `coffre migrate` moves a folder vault into PostgreSQL: a checkpoint
/// exported from the folder before still verifies against the database, every
/// member reads what they read before, and the folder says where it went.
#[test]
fn a_folder_vault_moves_into_postgres_with_its_log_intact() {
    let _one = serial();
    let mut v = TestVault::new();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, "dr.leroy");
    let e1 = v.add_entry("dr.leroy", &d, "medical", &["text=Avant le déménagement"]);
    let kept = v.root.path().join("kept.checkpoint");
    v.as_user(
        &admin,
        &["audit", "checkpoint", "--out", kept.to_str().unwrap()],
    )
    .expect_code(0, "checkpoint export");
    let before = v
        .as_user("dr.leroy", &["dossier", "show", &d, "--json"])
        .json();

    let name = pg::new_database();
    let url = pg::url(&name);
    let r = v.anon(&["migrate", "--to", &url]);
    r.expect_code(0, "migrate");
    // Again into the same database: refused, nothing changed.
    v.anon(&["migrate", "--to", &url])
        .expect_code(2, "a second move into a vault");

    let mut moved = TestVault::at_database(&v, &name);
    moved
        .anon(&["audit", "verify", "--since", kept.to_str().unwrap()])
        .expect_code(0, "verify --since the checkpoint exported from the folder");
    let after = moved
        .as_user("dr.leroy", &["dossier", "show", &d, "--json"])
        .json();
    assert_eq!(after["entries"], before["entries"], "the same notes");
    let e2 = moved.add_entry("dr.leroy", &d, "medical", &["text=Après"]);
    assert_ne!(e1, e2);
    moved.add_staff("e.petit", "Élise Petit", "educateur-specialise", true);
    moved
        .anon(&["audit", "verify", "--since", kept.to_str().unwrap()])
        .expect_code(0, "verify after new work in the database");
    assert!(
        v.audit_lines()
            .last()
            .is_some_and(|l| l.contains("vault.migrate")),
        "the folder's log says where the vault went"
    );
    // The folder is an archive now: it refuses to open, naming the database.
    let r = v.as_user("dr.leroy", &["dossier", "show", &d]);
    r.expect_code(2, "the moved folder");
    assert!(r.stderr.contains(&name), "{}", r.stderr);
}

/// `coffre backup` of a vault in PostgreSQL restores into another database
/// (and into a folder), reading the same and verifying.
#[test]
fn a_database_vault_backs_up_and_restores_into_a_database() {
    let _one = serial();
    let (v, d, _, _) = setup();
    let file = v.root.path().join("backup.age");
    let f = file.to_str().unwrap();
    v.as_user(&v.admin.clone(), &["backup", "--out", f])
        .expect_code(0, "backup");
    let rk = v.recovery.to_str().unwrap().to_string();
    v.anon(&["backup", "verify", f, "--recovery-key", &rk])
        .expect_code(0, "backup verify");
    let name = pg::new_database();
    let restored = TestVault::at_database(&v, &name);
    restored
        .anon(&["restore", f, "--recovery-key", &rk])
        .expect_code(0, "restore into a database");
    restored
        .verify()
        .expect_code(0, "the restored vault verifies");
    let a = v
        .as_user("dr.leroy", &["dossier", "show", &d, "--json"])
        .json();
    let b = restored
        .as_user("dr.leroy", &["dossier", "show", &d, "--json"])
        .json();
    assert_eq!(a["entries"], b["entries"]);
}

/// Over TCP the connection is TLS and the server's certificate is verified:
/// its authority (`sslrootcert`) and its name. A server whose certificate
/// another authority issued, or reached under a name it does not carry, is
/// refused before anything is sent.
#[test]
fn tls_verifies_the_servers_authority_and_name() {
    let _one = serial();
    let server = pg::tls_server();
    let url = |host: &str, ca: &std::path::Path| {
        format!(
            "postgres://postgres:s3cr3t-pw@{host}:{}/postgres?sslmode=verify-full&sslrootcert={}",
            server.port,
            ca.display()
        )
    };
    let init = |location: &str| {
        let dir = tempfile::tempdir().unwrap();
        let rk = dir.path().join("rk.txt");
        util::run_coffre(
            &[
                "init",
                "--establishment",
                "Site distant",
                "--admin-id",
                "dir.martin",
                "--admin-name",
                "Claire Martin",
                "--insecure-fast-kdf",
                "--recovery-out",
                rk.to_str().unwrap(),
            ],
            &util::Opts {
                vault: Some(std::path::Path::new(location)),
                new_pass: Some("dir.martin-passphrase"),
                ..util::Opts::default()
            },
        )
    };
    let wrong_ca = init(&url("localhost", &server.other_ca));
    wrong_ca.expect_code(1, "a certificate from another authority");
    let wrong_name = init(&url("127.0.0.1", &server.ca));
    wrong_name.expect_code(1, "a name the certificate does not carry");
    for r in [&wrong_ca, &wrong_name] {
        assert!(
            !r.stderr.contains("s3cr3t-pw"),
            "password shown: {}",
            r.stderr
        );
    }
    let ok = init(&url("localhost", &server.ca));
    ok.expect_code(0, "the right authority and name");
    assert!(!ok.stdout.contains("s3cr3t-pw") && !ok.stderr.contains("s3cr3t-pw"));
    let r = util::run_coffre(
        &["staff", "list"],
        &util::Opts {
            vault: Some(std::path::Path::new(&url("localhost", &server.ca))),
            user: Some("dir.martin"),
            pass: Some("dir.martin-passphrase"),
            ..util::Opts::default()
        },
    );
    r.expect_code(0, "staff list over TLS");
    assert!(r.stdout.contains("Claire Martin"));
}

/// An erased dossier's key leaves the database's table: its rows copied
/// before the erasure (by the DBA) open for no one afterwards.
#[test]
fn an_erased_dossiers_key_leaves_the_table() {
    let _one = serial();
    let (v, d, _, _) = setup();
    let count = |d: &str| {
        pg::psql(
            db(&v),
            &format!("SELECT count(*) FROM coffre.erasure_keys WHERE dossier = '{d}'"),
        )
        .trim()
        .to_string()
    };
    assert_eq!(count(&d), "1");
    v.as_user(
        &v.admin.clone(),
        &[
            "dossier",
            "erase",
            &d,
            "--yes",
            "--reason",
            "demande de la personne (RGPD art. 17)",
        ],
    )
    .expect_code(0, "erase");
    assert_eq!(count(&d), "0", "the erasure key is gone");
    let r = v.as_user("dr.leroy", &["dossier", "show", &d]);
    assert_ne!(r.code, 0, "an erased dossier opened");
    assert!(r.stderr.contains("erased"), "{}", r.stderr);
    v.verify().expect_code(0, "the log still verifies");
}

/// `coffre audit prune` on a vault in PostgreSQL: the old reads keep only
/// their leaf, in place, no row links their reader to the dossier any more,
/// and the log verifies, also against a checkpoint exported before.
#[test]
fn the_access_trail_is_pruned_in_the_database() {
    // Alone, for the check of the table's file (see the erasure test).
    let _all = SERVER_USE.write().unwrap_or_else(|e| e.into_inner());
    let mut v = TestVault::in_postgres("IME Les Tilleuls", "dir.martin", "Claire Martin");
    let lib = util::clock::shim(v.root.path());
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", false);
    v.add_staff("p.dpo", "Paul Dpo", "dpo", false);
    let d = v.create_dossier("dir.martin", "Jeanne Durand", "1950-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    const TWO_YEARS: i64 = -2 * 365 * 86_400;
    for _ in 0..3 {
        v.as_user_at(&lib, TWO_YEARS, "e.petit", &["dossier", "show", &d])
            .expect_code(0, "old read");
    }
    v.as_user("e.petit", &["dossier", "show", &d])
        .expect_code(0, "recent read");
    let old: Vec<(usize, String)> = v
        .audit_lines()
        .into_iter()
        .enumerate()
        .filter(|(_, l)| {
            l.contains("\"action\":\"dossier.read\"")
                && l.contains("\"actor\":\"e.petit\"")
                && l.contains("\"time\":\"2024")
        })
        .collect();
    assert_eq!(old.len(), 3, "three reads two years back");
    let export = v.root.path().join("before.cp");
    v.as_user(
        "p.dpo",
        &["audit", "checkpoint", "--out", export.to_str().unwrap()],
    )
    .expect_code(0, "export");
    let done = v.as_user("p.dpo", &["audit", "prune", "--yes", "--confirm-clock"]);
    done.expect_code(0, "prune");
    assert!(done.stdout.contains("pruned 3 entries"), "{}", done.stdout);
    let now = v.audit_lines();
    for (i, orig) in &old {
        assert!(now[*i].starts_with("{\"pruned\":\""), "{}", now[*i]);
        assert_eq!(now[*i].len(), orig.len(), "a pruned line keeps its length");
    }
    let dump = pg::psql(
        db(&v),
        "SELECT encode(line, 'escape') FROM coffre.audit_log \
         UNION ALL SELECT encode(key, 'escape') || encode(value, 'escape') FROM coffre.records",
    );
    for (_, orig) in &old {
        let nonce = orig.split("\"nonce\":\"").nth(1).unwrap()[..32].to_string();
        assert!(
            !dump.contains(&nonce),
            "a pruned line is still in the tables"
        );
    }
    v.verify().expect_code(0, "verify after the prune");
    v.anon(&["audit", "verify", "--since", export.to_str().unwrap()])
        .expect_code(0, "verify --since the checkpoint exported before");
    v.as_user("e.petit", &["dossier", "show", &d])
        .expect_code(0, "members still read");
}

/// Two sites, each running `coffre serve` on the same vault, and the CLI
/// beside them: a note written anywhere shows on the other site's next page,
/// both sites' reads land in the one log, and a member revoked from one place
/// is shut out of the other site's open session at its next request.
#[test]
fn two_sites_serve_one_vault() {
    let _one = serial();
    let (mut v, d, _, _) = setup();
    v.team_add(&v.admin.clone(), &d, "e.petit");
    let a = http::Server::start(&v.dir, &v.root.path().join("site-a.log"));
    let b = http::Server::start(&v.dir, &v.root.path().join("site-b.log"));
    let page = format!("/dossiers/{d}");
    let doc_a = http::login(&a.host, "dr.leroy", v.pass("dr.leroy"));
    let doc_b = http::login(&b.host, "dr.leroy", v.pass("dr.leroy"));
    let edu_b = http::login(&b.host, "e.petit", v.pass("e.petit"));
    let (status, _, body) = http::http(&a.host, "GET", &page, &[("Cookie", &doc_a)], "");
    assert_eq!(
        status,
        200,
        "site A: {}",
        std::fs::read_to_string(v.root.path().join("site-a.log")).unwrap_or_default()
    );
    assert!(!body.contains("Écrite par la ligne de commande"));
    v.add_entry(
        "dr.leroy",
        &d,
        "medical",
        &["text=Écrite par la ligne de commande"],
    );
    for (host, cookie) in [(&a.host, &doc_a), (&b.host, &doc_b)] {
        let (status, _, body) = http::http(host, "GET", &page, &[("Cookie", cookie)], "");
        assert_eq!(status, 200);
        assert!(
            body.contains("Écrite par la ligne de commande"),
            "the other process's note shows on {host}"
        );
    }
    let reads = v
        .audit_lines()
        .iter()
        .filter(|l| {
            l.contains("\"action\":\"dossier.read\"")
                && l.contains("\"actor\":\"dr.leroy\"")
                && l.contains(&format!("\"dossier\":\"{d}\""))
        })
        .count();
    assert!(reads >= 3, "both sites' reads are in the log ({reads})");
    // Revoked by the director on the command line: the educator's open
    // session on site B ends at its next request.
    let (status, _, _) = http::http(&b.host, "GET", &page, &[("Cookie", &edu_b)], "");
    assert_eq!(status, 200, "the educator reads before");
    v.as_user(&v.admin.clone(), &["staff", "revoke", "e.petit"])
        .expect_code(0, "revoke");
    let (status, _, body) = http::http(&b.host, "GET", &page, &[("Cookie", &edu_b)], "");
    assert_ne!(
        status, 200,
        "a revoked member's session still reads: {body}"
    );
    assert!(!body.contains("Première note"));
    drop((a, b));
    v.verify().expect_code(0, "one log for all");
    let _ = &mut v;
}

/// Logging out of the web ends the member's session there and then: the
/// library session goes with the last request holding it (the logout, or a
/// page another tab asked for meanwhile), and its checkpoint waits for the
/// database, which an async worker thread of the server may not do. Both
/// requests are answered, the server never panics, the checkpoint covers
/// the session's reads, and the server stops cleanly.
#[test]
fn logging_out_on_the_web_ends_the_session_cleanly() {
    let _one = serial();
    let (v, d, _, _) = setup();
    let log = v.root.path().join("serve.log");
    let mut server = http::Server::start(&v.dir, &log);
    for _ in 0..3 {
        let cookie = http::login(&server.host, "dr.leroy", v.pass("dr.leroy"));
        let (status, _, body) = http::http(
            &server.host,
            "GET",
            &format!("/dossiers/{d}"),
            &[("Cookie", &cookie)],
            "",
        );
        assert_eq!(status, 200, "the doctor reads");
        let token = http::csrf(&body).expect("csrf");
        // Another tab reads meanwhile: whichever request ends last drops
        // the library session.
        let reader = {
            let (host, cookie, page) = (
                server.host.clone(),
                cookie.clone(),
                format!("/dossiers/{d}"),
            );
            std::thread::spawn(move || {
                http::http(&host, "GET", &page, &[("Cookie", &cookie)], "").0
            })
        };
        let (status, head, _) = http::post(&server.host, "/logout", &cookie, &[("csrf", &token)]);
        assert_eq!(
            status,
            303,
            "logout: {head}\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        let read = reader.join().unwrap();
        assert!(
            read == 200 || read == 303,
            "the other tab's page: {read}\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        // The checkpoint is signed as the session ends (at once, or by the
        // task ending it a moment later).
        let mut signed = false;
        for _ in 0..50 {
            let r = v.verify();
            r.expect_code(0, "verify after a logout");
            if !r.stdout.contains("not covered by a signed checkpoint") {
                signed = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(signed, "no checkpoint signed at logout");
    }
    assert_eq!(server.stop(), 0, "coffre serve stops cleanly");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!text.contains("panicked"), "{text}");
}

/// A copy of a read's line slipped inside the bytes of the real one (a row
/// at an offset in the middle of another), the index pointed at it: every
/// reader sees the rows must follow one another, so history and verification
/// both refuse (exit 5) instead of showing a read that never happened.
#[test]
fn a_row_slipped_inside_another_is_refused() {
    let _one = serial();
    let (v, d, _, _) = setup();
    let name = db(&v).to_string();
    // The doctor's latest read of the dossier, and where it lies.
    let row = pg::psql(
        &name,
        &format!(
            "SELECT byte_offset, length(line) FROM coffre.audit_log \
             WHERE position('\"action\":\"dossier.read\"'::bytea in line) > 0 \
               AND position('\"dossier\":\"{d}\"'::bytea in line) > 0 \
             ORDER BY byte_offset DESC LIMIT 1"
        ),
    );
    let (off, len) = row.trim().split_once('|').unwrap();
    let (off, len): (i64, i64) = (off.parse().unwrap(), len.parse().unwrap());
    // The same line naming the educator, one byte shorter, one byte further.
    pg::psql(
        &name,
        &format!(
            "INSERT INTO coffre.audit_log (byte_offset, line) \
             SELECT byte_offset + 1, substring(convert_to(replace(convert_from(line, 'UTF8'), \
               '\"actor\":\"dr.leroy\",\"profession\":\"medecin\"', \
               '\"actor\":\"e.petit\",\"profession\":\"medecin\"'), 'UTF8') from 1 for {len} - 2) || '\\x0a'::bytea \
             FROM coffre.audit_log WHERE byte_offset = {off}"
        ),
    );
    v.verify().expect_code(5, "verify with a slipped row");
    let r = v.as_user("dr.leroy", &["audit", "history", &d]);
    assert!(
        r.code == 5 || r.code == 3,
        "history: {} {}",
        r.code,
        r.stderr
    );
    assert!(!r.stdout.contains("e.petit") && !r.stdout.contains("Élise"));
}

/// The audit index is checked against the log: an entry deleted from it (a
/// read hidden from the dossier's history) fails `audit verify`; one pointed
/// at another dossier's line fails the reading instead of showing it.
#[test]
fn the_audit_index_is_checked_against_the_log() {
    let _one = serial();
    let (v, d, _, _) = setup();
    let name = db(&v).to_string();
    let keys = pg::psql(
        &name,
        &format!(
            "SELECT encode(key, 'escape') FROM coffre.records WHERE key >= 'ax/d/{d}/'::bytea \
             AND key < 'ax/d/{d}0'::bytea ORDER BY key"
        ),
    );
    let keys: Vec<&str> = keys.lines().filter(|l| !l.is_empty()).collect();
    assert!(keys.len() > 3, "{keys:?}");
    // Pointed elsewhere: the dossier's first index entry gets the offset of
    // its last one.
    pg::psql(
        &name,
        &format!(
            "UPDATE coffre.records SET value = (SELECT value FROM coffre.records WHERE key = {}) \
             WHERE key = {}",
            key(keys[keys.len() - 1]),
            key(keys[0])
        ),
    );
    let r = v.as_user("dr.leroy", &["audit", "history", &d]);
    assert!(
        r.code == 5 || r.code == 3,
        "history: {} {}",
        r.code,
        r.stderr
    );
    v.verify()
        .expect_code(5, "verify with an index entry moved");
    // Deleted: verify names the dossier's index.
    pg::psql(
        &name,
        &format!("DELETE FROM coffre.records WHERE key = {}", key(keys[0])),
    );
    let r = v.verify();
    r.expect_code(5, "verify with an index entry deleted");
    assert!(r.stderr.contains(&format!("ax/d/{d}")), "{}", r.stderr);
}

/// A DBA deletes the index row of one of a dossier's lines — a middle one,
/// then the newest — and the DPO's `audit history` of the dossier stops with
/// an integrity failure naming that row, instead of showing the history
/// without the access: the log chains the dossier's lines (`dprev`) and the
/// history walks the chain down through the index. Before, several processes
/// read the dossier at once: each writes its lines and their index rows in
/// one transaction, so the history read after them is no false alarm.
#[test]
fn a_deleted_index_row_stops_the_dossiers_history() {
    let _one = serial();
    let (mut v, d, _, _) = setup();
    v.add_staff("dpo.lambert", "Hélène Lambert", "dpo", true);
    let v = v;
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                v.as_user("dr.leroy", &["dossier", "show", &d])
                    .expect_code(0, "reads at once");
            });
        }
    });
    v.as_user("dpo.lambert", &["audit", "history", &d])
        .expect_code(0, "the untouched history");
    v.verify()
        .expect_code(0, "the lines of several processes verify");
    let name = db(&v).to_string();
    let rows = || -> Vec<String> {
        pg::psql(
            &name,
            &format!(
                "SELECT encode(key, 'escape') FROM coffre.records WHERE key >= 'ax/d/{d}/'::bytea \
                 AND key < 'ax/d/{d}0'::bytea ORDER BY key"
            ),
        )
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
    };
    let keys = rows();
    assert!(keys.len() > 6, "{keys:?}");
    for which in ["a middle line", "the newest line"] {
        let keys = rows();
        let gone = match which {
            "a middle line" => keys[keys.len() / 2].clone(),
            _ => keys[keys.len() - 1].clone(),
        };
        pg::psql(
            &name,
            &format!("DELETE FROM coffre.records WHERE key = {}", key(&gone)),
        );
        let r = v.as_user("dpo.lambert", &["audit", "history", &d]);
        r.expect_code(5, &format!("history, {which} unindexed"));
        assert!(
            r.stderr.contains(&gone),
            "{which}: names {gone}: {}",
            r.stderr
        );
    }
}

/// A long-running process (as `coffre serve` is) keeps each dossier's last
/// line once read, and reads the log on from there before each new line: its
/// lines about a dossier that other processes read in between carry the
/// `dprev` of the others' lines, and the whole log verifies.
#[test]
fn a_long_running_process_chains_its_lines_after_others() {
    let _one = serial();
    let (v, d, _, _) = setup();
    {
        let vault = coffre::Vault::open(&v.dir).unwrap();
        let pass = secrecy::SecretString::from(v.pass("dr.leroy").to_string());
        let mut s = vault.unlock("dr.leroy", &pass).unwrap();
        for _ in 0..3 {
            s.show_dossier(&d, None).unwrap();
            v.as_user("dr.leroy", &["dossier", "show", &d])
                .expect_code(0, "another process reads");
        }
        s.show_dossier(&d, None).unwrap();
    }
    let lines = v.audit_lines();
    let about: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["dossier"] == d.as_str())
        .collect();
    for w in about.windows(2) {
        assert_eq!(w[1]["dprev"], w[0]["seq"], "{}", w[1]);
    }
    v.verify()
        .expect_code(0, "the lines of both processes verify");
}

/// A member's index entries moved by a DBA under another kind letter
/// (`ax/a/dr.leroy/…` → `ax/b/dr.leroy/…`): the trail read through the index
/// (`audit log --actor`) misses them on the log's chain of the member's lines
/// and stops, naming a record (exit 5), and `audit verify` names them.
#[test]
fn an_actors_index_moved_to_another_kind_is_named_by_verify() {
    let _one = serial();
    let (mut v, _, _, _) = setup();
    v.add_staff("dpo.lambert", "Hélène Lambert", "dpo", true);
    let name = db(&v).to_string();
    let before = v.audit_log("dpo.lambert", &["--actor", "dr.leroy"]).len();
    pg::psql(
        &name,
        "UPDATE coffre.records SET key = overlay(key placing 'b'::bytea from 4 for 1) \
         WHERE key >= 'ax/a/dr.leroy/'::bytea AND key < 'ax/a/dr.leroy0'::bytea",
    );
    assert!(before > 0);
    // The trail read through the index walks the log's chain of the
    // member's lines (`aprev`): the moved records are missed and named.
    let r = v.as_user(
        "dpo.lambert",
        &["audit", "log", "--json", "--actor", "dr.leroy"],
    );
    r.expect_code(5, "audit log --actor with the actor's index moved");
    assert!(r.stderr.contains("ax/a/dr.leroy/"), "{}", r.stderr);
    let r = v.verify();
    r.expect_code(5, "verify with an actor's index moved");
    assert!(r.stderr.contains("ax/"), "{}", r.stderr);
}

/// The same check on a folder vault: an index entry deleted from the store.
#[test]
fn a_folder_vaults_audit_index_is_checked_too() {
    let _one = serial();
    let mut v = TestVault::new();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, "dr.leroy");
    v.add_entry("dr.leroy", &d, "medical", &["text=Une note"]);
    v.as_user("dr.leroy", &["dossier", "show", &d])
        .expect_code(0, "read");
    v.verify().expect_code(0, "untouched");
    {
        use coffre::store::{Batch, Store};
        let store = coffre::store::sled_store::SledStore::open(&v.dir.join("store")).unwrap();
        let (k, _) = store
            .scan_prefix(format!("ax/d/{d}/").as_bytes())
            .unwrap()
            .into_iter()
            .next()
            .unwrap();
        let mut b = Batch::new();
        b.remove(k);
        store.commit(b).unwrap();
    }
    let r = v.verify();
    r.expect_code(5, "verify with an index entry deleted");
    assert!(r.stderr.contains(&format!("ax/d/{d}")), "{}", r.stderr);
}

/// Rows a DBA makes NULL (after dropping the column's constraint) are damage
/// reported with exit 5, never a crash.
#[test]
fn null_rows_are_damage_not_a_crash() {
    let _one = serial();
    let (v, _, _, _) = setup();
    pg::psql(
        db(&v),
        "ALTER TABLE coffre.records ALTER value DROP NOT NULL; \
         INSERT INTO coffre.records (key, value) VALUES ('zz', NULL)",
    );
    let r = v.as_user(&v.admin.clone(), &["check"]);
    assert_ne!(r.code, 0, "check passed with a NULL row");
    pg::psql(
        db(&v),
        "ALTER TABLE coffre.audit_log ALTER line DROP NOT NULL; \
         UPDATE coffre.audit_log SET line = NULL WHERE byte_offset = \
         (SELECT max(byte_offset) FROM coffre.audit_log)",
    );
    let r = v.as_user("dr.leroy", &["staff", "list"]);
    r.expect_code(5, "a command with a NULL line");
}

/// Holding an advisory lock — what any account that may connect can do —
/// does not stop the vault: its turn is a row lock only its owner can take.
#[test]
fn an_account_that_merely_connects_cannot_stop_the_vault() {
    let _one = serial();
    let (v, d, _, _) = setup();
    let name = db(&v).to_string();
    pg::psql(&name, "CREATE ROLE nobody LOGIN");
    let mut holder = std::process::Command::new(pg::bin("psql"))
        .arg("-h")
        .arg(&pg::server().socket)
        .args(["-U", "nobody", "-d", &name, "-X", "-q", "-c"])
        .arg(
            "SELECT pg_advisory_lock(x'636f66667265'::bigint); \
             SELECT 1 FROM coffre.vault FOR UPDATE; SELECT pg_sleep(20)",
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let t = std::time::Instant::now();
    v.as_user("dr.leroy", &["dossier", "show", &d])
        .expect_code(0, "a read while another account holds locks");
    assert!(t.elapsed() < std::time::Duration::from_secs(10));
    let _ = holder.kill();
    let _ = holder.wait();
}

/// After an erasure, the erasure key's bytes are gone from the table's file
/// on the database server's disk, not only from what SQL shows.
#[test]
fn an_erased_key_leaves_the_tables_file() {
    // Alone: a transaction open anywhere on the server while the table is
    // rewritten can keep the deleted row (documented); this checks what
    // Coffre itself does.
    let _all = SERVER_USE.write().unwrap_or_else(|e| e.into_inner());
    let (v, d, _, _) = setup();
    let name = db(&v).to_string();
    let key_hex = pg::psql(
        &name,
        &format!("SELECT encode(key, 'hex') FROM coffre.erasure_keys WHERE dossier = '{d}'"),
    );
    let key_bytes = hex::decode(key_hex.trim()).unwrap();
    let file = || {
        let rel = pg::psql(&name, "SELECT pg_relation_filepath('coffre.erasure_keys')");
        pg::psql(&name, "CHECKPOINT");
        std::fs::read(pg::data_dir().join(rel.trim())).unwrap_or_default()
    };
    assert!(
        util::contains_bytes(&file(), &key_bytes),
        "the key is in the file before"
    );
    v.as_user(
        &v.admin.clone(),
        &[
            "dossier",
            "erase",
            &d,
            "--yes",
            "--reason",
            "demande de la personne",
        ],
    )
    .expect_code(0, "erase");
    assert!(
        !util::contains_bytes(&file(), &key_bytes),
        "the key stays in the table's file"
    );
}

/// A change of records alone (a new passphrase) that the database refuses is
/// reported as failed, and the old passphrase still works: nothing
/// acknowledged that did not commit.
#[test]
fn a_refused_change_without_audit_lines_is_not_acknowledged() {
    let _one = serial();
    let (v, _, _, _) = setup();
    pg::psql(
        db(&v),
        "CREATE FUNCTION coffre_refuse() RETURNS trigger AS $$ BEGIN \
           IF NEW.key = 's/e.petit'::bytea THEN RAISE EXCEPTION 'refused'; END IF; \
           RETURN NEW; END $$ LANGUAGE plpgsql; \
         CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON coffre.records \
           FOR EACH ROW EXECUTE FUNCTION coffre_refuse()",
    );
    let r = util::run_coffre(
        &["staff", "passwd"],
        &util::Opts {
            vault: Some(&v.dir),
            user: Some("e.petit"),
            pass: Some(v.pass("e.petit")),
            new_pass: Some("a brand new passphrase for elise 2026"),
            ..util::Opts::default()
        },
    );
    assert_ne!(r.code, 0, "a refused change was acknowledged: {}", r.stdout);
    pg::psql(db(&v), "DROP TRIGGER refuse ON coffre.records");
    v.as_user("e.petit", &["dossier", "list"])
        .expect_code(0, "the old passphrase still opens");
}

/// A row planted far after the log's end, or an empty one, is damage naming
/// the table (exit 5), for the audit log and for the checkpoints.
#[test]
fn rows_planted_after_the_end_are_damage() {
    let _one = serial();
    let (v, _, _, _) = setup();
    pg::psql(
        db(&v),
        "INSERT INTO coffre.checkpoint_log (byte_offset, note) VALUES (900000, 'x')",
    );
    let r = v.verify();
    r.expect_code(5, "a checkpoint row far ahead");
    assert!(r.stderr.contains("coffre.checkpoint_log"), "{}", r.stderr);
    pg::psql(
        db(&v),
        "DELETE FROM coffre.checkpoint_log WHERE byte_offset = 900000",
    );
    v.verify().expect_code(0, "back as it was");
    pg::psql(
        db(&v),
        "INSERT INTO coffre.audit_log (byte_offset, line) VALUES (50000000, '')",
    );
    let r = v.as_user("dr.leroy", &["staff", "list"]);
    r.expect_code(5, "an empty row far ahead");
    assert!(r.stderr.contains("coffre.audit_log"), "{}", r.stderr);
}

/// A line another process committed together with the log's recorded end —
/// what any process that may write the tables can do — that breaks the
/// spec's entry rules (categories not sorted): the catch-up of a process that has the
/// vault open refuses it (exit 5, naming it) before taking it in, and so do
/// `audit verify` and the next command.
#[test]
fn a_malformed_line_committed_by_another_process_is_refused_at_catch_up() {
    use coffre::audit::merkle::leaf_hash;
    use coffre::audit::LogState;
    use coffre::store::layout;

    let _one = serial();
    let (v, d, _, _) = setup();
    let vault = coffre::Vault::open(&v.dir).unwrap();
    vault.verify_audit(None).unwrap();
    let lines = v.audit_lines();
    let seq = lines.len() + 1;
    // Well formed but for its categories (not sorted); its dprev and aprev
    // are right.
    let dprev = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["dossier"] == d.as_str())
        .map(|e| e["seq"].as_u64().unwrap())
        .last()
        .unwrap_or(0);
    let aprev = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["actor"] == "dr.leroy")
        .map(|e| e["seq"].as_u64().unwrap())
        .last()
        .unwrap_or(0);
    let line = format!(
        "{{\"v\":6,\"seq\":{seq},\"prev\":\"{}\",\"time\":\"2026-01-05T03:00:00Z\",\"actor\":\"dr.leroy\",\"aprev\":{aprev},\"profession\":\"medecin\",\"action\":\"dossier.read\",\"dossier\":\"{d}\",\"dprev\":{dprev},\"entry\":null,\"target\":null,\"categories\":[\"medical\",\"identity\"],\"outcome\":\"ok\",\"break_glass\":false,\"detail\":null,\"justification\":null,\"nonce\":\"00112233445566778899aabbccddeeff\"}}",
        hex::encode(leaf_hash(lines[lines.len() - 1].as_bytes()))
    );
    let state: LogState = decode(
        &v.raw_store().get(&layout::audit_state()).unwrap().unwrap(),
        "audit state",
    )
    .unwrap();
    let mut next = state.clone();
    let leaf = leaf_hash(line.as_bytes());
    next.size += 1;
    next.offset += line.len() as u64 + 1;
    next.last_leaf = leaf;
    next.tree.push(leaf);
    pg::psql(
        db(&v),
        &format!(
            "BEGIN; \
             INSERT INTO coffre.audit_log (byte_offset, line) VALUES ({}, '\\x{}'::bytea); \
             UPDATE coffre.records SET value = '\\x{}'::bytea WHERE key = '\\x{}'::bytea; \
             INSERT INTO coffre.records (key, value) VALUES ('\\x{}'::bytea, '\\x{offset}'::bytea), \
               ('\\x{}'::bytea, '\\x{offset}'::bytea); \
             COMMIT;",
            state.offset,
            hex::encode(format!("{line}\n")),
            hex::encode(encode(&next).unwrap()),
            hex::encode(layout::audit_state()),
            // Its audit index records too, as a process that wrote it would.
            hex::encode(layout::audit_index('a', "dr.leroy", seq as u64)),
            hex::encode(layout::audit_index('d', &d, seq as u64)),
            offset = hex::encode(state.offset.to_be_bytes()),
        ),
    );
    let err = vault.verify_audit(None).unwrap_err();
    assert_eq!(err.exit_code(), 5, "{err:?}");
    let m = err.in_lang(coffre::i18n::Lang::En);
    assert!(
        m.contains(&format!("entry {seq}")) && m.contains("not a well-formed line"),
        "{m}"
    );
    // This process takes nothing more from the database.
    assert_eq!(vault.verify_audit(None).unwrap_err().exit_code(), 5);
    drop(vault);
    let r = v.verify();
    r.expect_code(5, "audit verify");
    assert!(r.stderr.contains(&format!("entry {seq}")), "{}", r.stderr);
    v.as_user("dr.leroy", &["dossier", "list"])
        .expect_code(5, "a command");
    assert_eq!(v.audit_lines().len(), seq, "nothing was written after it");
}
