//! Erasure by crypto-shredding. A vault with two dossiers (entries in several
//! categories, psychologist's personal notes, a person's own access) is built
//! through the library; the raw wrapped keys and versions of dossier A and a copy
//! of the whole store (an old backup) are kept aside; A is erased with the
//! `coffre` command. Then: with the RECOVERY KEY — which opens every category key
//! and every author-only wrap — none of A's saved wrapped data keys opens any more,
//! neither from the saved bytes nor from the old store copy, because the erasure
//! key they were bound to is gone; the command-line view of A fails cleanly, its
//! name is no longer found, the erasure is audited, and dossier B is untouched.
//!
//! A positive control (the same unwrapping, before the erasure, with the erasure
//! key read then) shows the negative results are not vacuous.

use crate::util;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use coffre::crypto::wrap::{self, Identity};
use coffre::crypto::{envelope, Key32};
use coffre::policy::VaultKey;
use coffre::store::layout;
use coffre::store::records::{
    decode, DataKeyRecord, DossierRecord, EntryRecord, VaultMeta, VersionRecord,
};
use coffre::store::sled_store::SledStore;
use coffre::store::Store;
use coffre::vault::keys::{category_wrap_key, data_key_aad, field_aad, unwrap_personal};
use coffre::{FieldInput, InitOptions, NewStaff, Vault};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use util::*;

const PASS: &str = "passphrase-for-tests";
const PERSON_A: &str = "passphrase of Alice";
const PERSON_B: &str = "passphrase of Bruno";
const NAME_A: &str = "Alice Effacee";
const NAME_B: &str = "Bruno Garde";
const READERS: [&str; 4] = ["doc", "psy", "soc", "edu"];
/// (writer, kind) of the entries of each dossier.
const ENTRIES: [(&str, &str); 8] = [
    ("soc", "identity"),
    ("soc", "social"),
    ("doc", "medical"),
    ("doc", "care-alerts"),
    ("psy", "psy-notes"),
    ("psy", "psy-synthesis"),
    ("edu", "educational"),
    ("edu", "third-party"),
];

struct World {
    tmp: tempfile::TempDir,
    dir: std::path::PathBuf,
    recovery_file: std::path::PathBuf,
    a: String,
    b: String,
    /// Every value written in A (all versions).
    values_a: BTreeSet<String>,
    /// Every value written in B (all versions).
    values_b: BTreeSet<String>,
    /// The author-only values of B (psy-notes, third-party: withheld from the
    /// person and the export).
    withheld_b: BTreeSet<String>,
}

fn build() -> World {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let pass = SecretString::from(PASS);
    let recovery = Identity::generate();
    let recovery_text = recovery.to_secret_string();
    let recovery_file = tmp.path().join("recovery.txt");
    std::fs::write(
        &recovery_file,
        format!("# recovery key\n{}\n", recovery_text.expose_secret()),
    )
    .unwrap();
    let (vault, _) = Vault::init(
        &dir,
        InitOptions {
            establishment: "Test establishment".into(),
            admin_id: "dir".into(),
            admin_name: "Director".into(),
            admin_profession: "directeur".into(),
            admin_passphrase: pass.clone(),
            kdf: coffre::crypto::kdf::KdfParams::INSECURE_FAST,
            policy: None,
            recovery: Some(recovery),
        },
    )
    .unwrap();
    let recovery = Identity::parse(recovery_text.expose_secret()).unwrap();
    let (a, b);
    {
        let mut d = vault.unlock("dir", &pass).unwrap();
        for (id, prof) in [
            ("doc", "medecin"),
            ("psy", "psychologue"),
            ("soc", "assistant-social"),
            ("edu", "educateur-specialise"),
            ("dpo", "dpo"),
        ] {
            d.add_staff(
                &NewStaff {
                    id,
                    name: id,
                    profession: prof,
                    passphrase: &pass,
                },
                Some(&recovery),
            )
            .unwrap();
        }
        a = d.create_dossier(NAME_A, "2001-02-03").unwrap();
        b = d.create_dossier(NAME_B, "2004-05-06").unwrap();
        for id in READERS {
            d.add_team_member(&a, id).unwrap();
            d.add_team_member(&b, id).unwrap();
        }
    }
    let mut values = BTreeMap::new();
    let mut withheld_b = BTreeSet::new();
    for dossier in [&a, &b] {
        let mut vals = BTreeSet::new();
        for (who, kind) in ENTRIES {
            let m = marker(&format!("MK-{kind}-"));
            let mut s = vault.unlock(who, &pass).unwrap();
            let e = s
                .add_entry(dossier, kind, &[FieldInput::new("text", &m)])
                .unwrap();
            if kind == "social" {
                let m2 = marker("MK-social-v2-");
                s.amend_entry(&e, &[FieldInput::new("text", &m2)]).unwrap();
                vals.insert(m2);
            }
            if AUTHOR_ONLY.contains(&kind) && dossier == &b {
                withheld_b.insert(m.clone());
            }
            vals.insert(m);
        }
        values.insert(dossier.clone(), vals);
    }
    {
        let mut d = vault.unlock("dir", &pass).unwrap();
        d.grant_person_access(&a, &SecretString::from(PERSON_A), Some(&recovery))
            .unwrap();
        d.grant_person_access(&b, &SecretString::from(PERSON_B), Some(&recovery))
            .unwrap();
    }
    drop(vault);
    World {
        values_a: values.remove(&a).unwrap(),
        values_b: values.remove(&b).unwrap(),
        tmp,
        dir,
        recovery_file,
        a,
        b,
        withheld_b,
    }
}

impl World {
    fn recovery(&self) -> Identity {
        Identity::from_file_text(&std::fs::read_to_string(&self.recovery_file).unwrap()).unwrap()
    }

    fn as_user(&self, user: &str, args: &[&str]) -> Run {
        run_coffre(
            args,
            &Opts {
                vault: Some(&self.dir),
                user: Some(user),
                pass: Some(PASS),
                ..Opts::default()
            },
        )
    }

    fn person(&self, pass: &str, args: &[&str]) -> Run {
        run_coffre(
            args,
            &Opts {
                vault: Some(&self.dir),
                pass: Some(pass),
                ..Opts::default()
            },
        )
    }
}

/// The raw records of one dossier: its data keys, person wraps, versions.
#[derive(Clone, PartialEq, Debug)]
struct Saved {
    dk: Vec<(Vec<u8>, Vec<u8>)>,
    pk: Vec<(Vec<u8>, Vec<u8>)>,
    /// (entry record, version records).
    versions: Vec<(Vec<u8>, Vec<u8>)>,
    entries: Vec<(String, Vec<u8>)>,
}

fn save(store: &SledStore, d: &str) -> Saved {
    let mut versions = Vec::new();
    let mut entries = Vec::new();
    // The entry's header is kept in the dossier's list.
    for (k, header) in store.scan_prefix(format!("de/{d}/").as_bytes()).unwrap() {
        let id = layout::last_component(&k).unwrap();
        entries.push((id.clone(), header));
        versions.extend(store.scan_prefix(&layout::version_prefix(&d, &id)).unwrap());
    }
    Saved {
        dk: store.scan_prefix(format!("dk/{d}/").as_bytes()).unwrap(),
        pk: store.scan_prefix(format!("pk/{d}/").as_bytes()).unwrap(),
        versions,
        entries,
    }
}

fn cat_label(key: &[u8]) -> (String, String) {
    let s = std::str::from_utf8(key).unwrap();
    let p: Vec<&str> = s.split('/').collect();
    (p[2].to_string(), p[3].to_string())
}

const AUTHOR_ONLY: [&str; 2] = ["psy-notes", "third-party"];

/// What the holder of the recovery key, given the erasure key `erasure`, opens of
/// the saved records: the data keys by (category, label), the person wraps, and
/// the field values. `store` supplies the recovery wraps of the category keys
/// (unchanged by the erasure).
struct Opened {
    data_keys: BTreeMap<(String, String), Key32>,
    person_wraps: usize,
    values: BTreeSet<String>,
}

fn open_with(
    store: &SledStore,
    meta: &VaultMeta,
    recovery: &Identity,
    erasure: &Key32,
    d: &str,
    saved: &Saved,
) -> Opened {
    let vid = meta.vault_id.as_str();
    let mut data_keys = BTreeMap::new();
    for (k, v) in &saved.dk {
        let (cat, label) = cat_label(k);
        let rec: DataKeyRecord = decode(v, "dk").unwrap();
        let key = if AUTHOR_ONLY.contains(&cat.as_str()) {
            // Addressed to the recovery key: the age layer opens; the inner seal
            // is bound to the erasure key.
            assert!(
                wrap::unwrap(&rec.wrapped, recovery).unwrap().is_some(),
                "author-only wraps are addressed to the recovery key"
            );
            unwrap_personal(&rec.wrapped, recovery, erasure, vid, d, &cat, &label)
                .ok()
                .flatten()
        } else {
            let ck_name = VaultKey::Category(cat.clone()).name();
            let ct = store
                .get(&layout::wrap(&ck_name, rec.key_gen, "~recovery"))
                .unwrap()
                .expect("recovery wrap of the category key");
            let ck = Key32::from_slice(&wrap::unwrap(&ct, recovery).unwrap().unwrap()).unwrap();
            let wk = category_wrap_key(erasure, &ck, vid, d, &cat, rec.key_gen).unwrap();
            envelope::open(&wk, &data_key_aad(vid, d, &cat, rec.key_gen), &rec.wrapped)
                .ok()
                .map(|p| Key32::from_slice(&p).unwrap())
        };
        if let Some(k) = key {
            data_keys.insert((cat, label), k);
        }
    }
    let mut person_wraps = 0;
    for (k, w) in &saved.pk {
        let (cat, label) = cat_label(k);
        assert!(wrap::unwrap(w, recovery).unwrap().is_some());
        if let Ok(Some(_)) = unwrap_personal(
            w,
            recovery,
            erasure,
            vid,
            d,
            &cat,
            &format!("person/{label}"),
        ) {
            person_wraps += 1;
        }
    }
    let mut values = BTreeSet::new();
    let entries: BTreeMap<String, EntryRecord> = saved
        .entries
        .iter()
        .map(|(id, b)| (id.clone(), decode(b, "entry").unwrap()))
        .collect();
    for (k, v) in &saved.versions {
        let id = std::str::from_utf8(k).unwrap().split('/').nth(2).unwrap();
        let e = &entries[id];
        let ver: VersionRecord = decode(v, "version").unwrap();
        for f in &ver.fields {
            let label = if AUTHOR_ONLY.contains(&f.category.as_str()) {
                ver.author.clone()
            } else {
                "*".into()
            };
            if let Some(key) = data_keys.get(&(f.category.clone(), label)) {
                let aad = field_aad(vid, d, &e.id, &f.name, ver.version, &f.category);
                // The sealed payload is r ‖ value, r being 32 random bytes.
                if let Ok(p) = envelope::open(key, &aad, &f.ciphertext) {
                    values.insert(String::from_utf8(p[32..].to_vec()).unwrap());
                }
            }
        }
    }
    Opened {
        data_keys,
        person_wraps,
        values,
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// Every record of a dossier that erasure must leave alone, raw.
fn raw_records_of(store: &SledStore, d: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for p in ["dk", "pk", "de", "t", "di", "ob"] {
        out.extend(store.scan_prefix(format!("{p}/{d}/").as_bytes()).unwrap());
    }
    for k in [format!("d/{d}"), format!("p/{d}")] {
        out.push((
            k.clone().into_bytes(),
            store.get(k.as_bytes()).unwrap().unwrap(),
        ));
    }
    let s = save(store, d);
    out.extend(s.versions);
    out.extend(s.entries.into_iter().map(|(k, v)| (k.into_bytes(), v)));
    out
}

fn values_of(view: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in view["entries"].as_array().expect("entries") {
        for (_, f) in e["fields"].as_object().expect("fields") {
            out.insert(f.as_str().unwrap().to_string());
        }
    }
    out
}

fn age_tools() -> bool {
    let works = |tool: &str| {
        std::process::Command::new(tool)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if works("age") && works("age-keygen") {
        return true;
    }
    if std::env::var("COFFRE_SKIP_AGE").as_deref() == Ok("1") {
        eprintln!(
            "skipped the export check: the stock `age` tool is missing and COFFRE_SKIP_AGE=1"
        );
        return false;
    }
    panic!(
        "this test needs the stock `age` and `age-keygen` tools: install them (e.g. \
         `apt-get install -y age`), or set COFFRE_SKIP_AGE=1 to skip"
    );
}

#[test]
fn erased_dossier_cannot_be_opened_even_with_the_recovery_key_and_old_copies() {
    let need_age = age_tools();
    let w = build();
    let (a, b) = (w.a.clone(), w.b.clone());
    let recovery = w.recovery();
    let erasure_path = |d: &str| w.dir.join("erasure").join(d);
    let ea_bytes = std::fs::read(erasure_path(&a)).unwrap();
    let eb_bytes = std::fs::read(erasure_path(&b)).unwrap();
    let ea = Key32::from_slice(&ea_bytes).unwrap();

    // ---- before: keep A's raw records and a copy of the store (an old backup).
    let (saved, b_before, meta) = {
        let store = SledStore::open(&w.dir.join("store")).unwrap();
        let meta: VaultMeta = decode(&store.get(b"meta").unwrap().unwrap(), "meta").unwrap();
        let saved = save(&store, &a);
        assert_eq!(saved.dk.len(), 8, "A has a data key per category");
        assert_eq!(
            saved.pk.len(),
            6,
            "A's person holds all but the author-only psy-notes and third-party"
        );
        assert_eq!(saved.versions.len(), 9, "8 entries, one amended");
        // Positive control: with the recovery key and A's erasure key, everything
        // of A opens — every data key, every person wrap, every value.
        let o = open_with(&store, &meta, &recovery, &ea, &a, &saved);
        assert_eq!(o.data_keys.len(), 8);
        assert_eq!(o.person_wraps, 6);
        assert_eq!(o.values, w.values_a, "positive control");
        let b_before = raw_records_of(&store, &b);
        (saved, b_before, meta)
    };
    let backup = w.tmp.path().join("backup-store");
    copy_dir(&w.dir.join("store"), &backup);

    // Staff views of B before, to compare after.
    let views_b_before: BTreeMap<&str, Value> = READERS
        .iter()
        .map(|r| {
            let run = w.as_user(r, &["dossier", "show", &b, "--json"]);
            run.expect_code(0, "show B");
            (*r, run.json())
        })
        .collect();
    let person_b_before = w.person(PERSON_B, &["access", "view", &b, "--json"]);
    person_b_before.expect_code(0, "person B views");
    let found = w.as_user("soc", &["dossier", "find", "alice", "--json"]);
    found.expect_code(0, "find before");
    assert!(
        found.stdout.contains(&a),
        "positive control: A is found by name"
    );
    assert!(found.stdout.contains(NAME_A));

    // ---- the erasure, through the command.
    // Off a terminal, nothing is erased without --yes, which the refusal names.
    let r = w.as_user("dir", &["dossier", "erase", &a, "--reason", "x"]);
    r.expect_code(2, "erase without --yes off a terminal");
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert!(erasure_path(&a).exists(), "nothing erased without --yes");
    w.as_user("edu", &["dossier", "erase", &a, "--yes", "--reason", "x"])
        .expect_code(3, "an educator may not erase");
    w.as_user("dir", &["dossier", "erase", &a, "--yes", "--reason", "  "])
        .expect_code(2, "a reason is required");
    assert!(erasure_path(&a).exists(), "refusals destroyed nothing");
    let reason = "demande d'effacement de la personne (RGPD art. 17)";
    w.as_user(
        "dir",
        &["dossier", "erase", &a, "--yes", "--reason", reason],
    )
    .expect_code(0, "dossier erase");
    w.as_user(
        "dir",
        &["dossier", "erase", &a, "--yes", "--reason", reason],
    )
    .expect_code(2, "erasing twice");

    // ---- the erasure key is gone, and nowhere else in the vault.
    assert!(!erasure_path(&a).exists(), "A's erasure key file remains");
    assert_eq!(std::fs::read(erasure_path(&b)).unwrap(), eb_bytes);
    for f in files_under(&w.dir) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !contains_bytes(&bytes, &ea_bytes),
            "A's erasure key survives in {}",
            f.display()
        );
    }

    // ---- the saved bytes, with the recovery key: nothing opens without the key.
    let store = SledStore::open(&w.dir.join("store")).unwrap();
    for (what, candidate) in [
        ("all-zero (what the file was overwritten with)", [0u8; 32]),
        ("random", *Key32::random().unwrap().expose()),
        ("B's erasure key", eb_bytes.clone().try_into().unwrap()),
    ] {
        let e = Key32::from_slice(&candidate).unwrap();
        let o = open_with(&store, &meta, &recovery, &e, &a, &saved);
        assert!(
            o.data_keys.is_empty() && o.person_wraps == 0 && o.values.is_empty(),
            "with a {what} erasure key, the recovery key opened {} data keys, {} person wraps, {} values",
            o.data_keys.len(),
            o.person_wraps,
            o.values.len()
        );
    }
    // The store no longer holds A's keys, person wraps, name index or header.
    for p in ["dk", "pk", "di"] {
        assert!(
            store
                .scan_prefix(format!("{p}/{a}/").as_bytes())
                .unwrap()
                .is_empty(),
            "{p}/ records of A remain"
        );
    }
    assert!(
        store
            .scan_prefix(b"i/")
            .unwrap()
            .iter()
            .all(|(k, _)| !k.ends_with(format!("/{a}").as_bytes())),
        "A's blind-index tags remain"
    );
    let rec: DossierRecord = decode(
        &store.get(format!("d/{a}").as_bytes()).unwrap().unwrap(),
        "d",
    )
    .unwrap();
    assert!(rec.erased.is_some(), "the dossier record is marked erased");
    assert!(rec.header_sealed.is_empty(), "the sealed name is dropped");
    // Dossier B: every record byte for byte as before.
    assert_eq!(raw_records_of(&store, &b), b_before, "B's records changed");
    drop(store);

    // ---- the old store copy (a backup from before the erasure).
    {
        let old = SledStore::open(&backup).unwrap();
        let old_saved = save(&old, &a);
        assert_eq!(old_saved, saved, "the backup holds A's old records");
        for candidate in [[0u8; 32], *Key32::random().unwrap().expose()] {
            let e = Key32::from_slice(&candidate).unwrap();
            let o = open_with(&old, &meta, &recovery, &e, &a, &old_saved);
            assert!(o.data_keys.is_empty() && o.person_wraps == 0 && o.values.is_empty());
        }
    }
    // Restored into the vault (old store, today's erasure keys), A does not open.
    {
        let restored = w.tmp.path().join("restored");
        copy_dir(&w.dir, &restored);
        std::fs::remove_dir_all(restored.join("store")).unwrap();
        copy_dir(&backup, &restored.join("store"));
        let vault = Vault::open(&restored).expect("the restored vault opens");
        let pass = SecretString::from(PASS);
        for r in READERS {
            let mut s = vault.unlock(r, &pass).unwrap();
            assert!(
                s.show_dossier(&a, None).is_err(),
                "{r} reads erased A from a restored old store"
            );
            let view = s.show_dossier(&b, None).expect("B still reads");
            assert!(!view.entries.is_empty());
        }
        assert!(vault
            .unlock_person(&a, &SecretString::from(PERSON_A))
            .and_then(|p| p.view())
            .is_err());
    }

    // ---- through the command: A fails cleanly, is not found, is audited.
    for r in READERS {
        let run = w.as_user(r, &["dossier", "show", &a, "--json"]);
        assert_ne!(run.code, 0, "{r} shows erased A: {}", run.stdout);
        assert_ne!(
            run.code, 5,
            "an erased dossier is not an integrity failure: {}",
            run.stderr
        );
        assert!(run.stderr.contains("erased"), "{r}: {}", run.stderr);
        for m in &w.values_a {
            assert!(!run.stdout.contains(m.as_str()));
        }
    }
    let e = w.as_user(
        "soc",
        &["entry", "add", &a, "--kind", "social", "--field", "text=x"],
    );
    assert_ne!(e.code, 0, "an entry was added to an erased dossier");
    let found = w.as_user("soc", &["dossier", "find", "alice", "--json"]);
    found.expect_code(0, "find after");
    assert!(
        !found.stdout.contains(&a),
        "A is still found: {}",
        found.stdout
    );
    let list = w.as_user("dir", &["dossier", "list", "--json"]);
    assert!(
        !list.stdout.contains(&a),
        "A is still listed: {}",
        list.stdout
    );
    let pv = w.person(PERSON_A, &["access", "view", &a, "--json"]);
    assert_ne!(pv.code, 0, "the person still opens erased A");
    let out = w.tmp.path().join("a.age");
    let rk = w.recovery_file.to_str().unwrap().to_string();
    let x = w.as_user(
        "dir",
        &[
            "access",
            "export",
            &a,
            "--out",
            out.to_str().unwrap(),
            "--recipient",
            &recovery.recipient(),
            "--recovery-key",
            &rk,
        ],
    );
    assert_ne!(x.code, 0, "erased A was exported");
    assert!(!out.exists());

    let log = w.as_user(
        "dpo",
        &["audit", "log", "--action", "dossier.erase", "--json"],
    );
    log.expect_code(0, "audit log");
    let log = log.json_lines();
    let ok: Vec<&Value> = log.iter().filter(|e| e["outcome"] == "ok").collect();
    assert_eq!(ok.len(), 1, "{log:?}");
    assert_eq!(ok[0]["dossier"], a.as_str());
    assert_eq!(ok[0]["actor"], "dir");
    assert_eq!(
        ok[0]["justification_text"], reason,
        "the reason, in its author's words"
    );
    assert!(log
        .iter()
        .any(|e| e["outcome"] == "denied" && e["actor"] == "edu"));
    let hist = w.as_user("dpo", &["audit", "history", &a, "--json"]);
    hist.expect_code(0, "the audit trail of A stays readable");
    assert!(hist.stdout.contains("dossier.erase"));
    run_coffre(
        &["audit", "verify"],
        &Opts {
            vault: Some(&w.dir),
            ..Opts::default()
        },
    )
    .expect_code(0, "audit verify");

    // ---- B is untouched: every reader sees exactly what they saw; its person too.
    for r in READERS {
        let run = w.as_user(r, &["dossier", "show", &b, "--json"]);
        run.expect_code(0, "show B after");
        let view = run.json();
        assert_eq!(view, views_b_before[r], "{r}'s view of B changed");
    }
    let all_b: BTreeSet<String> = READERS
        .iter()
        .flat_map(|r| values_of(&views_b_before[r]))
        .collect();
    let latest_b: BTreeSet<String> = w
        .values_b
        .iter()
        .filter(|m| !m.starts_with("MK-social-") || m.starts_with("MK-social-v2-"))
        .cloned()
        .collect();
    assert_eq!(
        all_b, latest_b,
        "together, B's readers see all of B (latest versions)"
    );
    let pb = w.person(PERSON_B, &["access", "view", &b, "--json"]);
    pb.expect_code(0, "person B after");
    assert_eq!(values_of(&pb.json()), values_of(&person_b_before.json()));

    // … and its export works.
    if need_age {
        let key = w.tmp.path().join("person-b.key");
        let kg = std::process::Command::new("age-keygen")
            .arg("-o")
            .arg(&key)
            .output()
            .unwrap();
        assert!(kg.status.success());
        let text = std::fs::read_to_string(&key).unwrap();
        let recipient = text
            .lines()
            .find_map(|l| l.split_whitespace().find(|w| w.starts_with("age1")))
            .unwrap()
            .to_string();
        let out = w.tmp.path().join("b.age");
        w.as_user(
            "dir",
            &[
                "access",
                "export",
                &b,
                "--out",
                out.to_str().unwrap(),
                "--recipient",
                &recipient,
                "--recovery-key",
                &rk,
            ],
        )
        .expect_code(0, "export B");
        let plain = std::process::Command::new("age")
            .arg("-d")
            .arg("-i")
            .arg(&key)
            .arg(&out)
            .output()
            .unwrap();
        assert!(plain.status.success());
        let mut ar = tar::Archive::new(&plain.stdout[..]);
        let mut data = None;
        for e in ar.entries().unwrap() {
            use std::io::Read;
            let mut e = e.unwrap();
            if e.path().unwrap().ends_with("data.json") {
                let mut s = String::new();
                e.read_to_string(&mut s).unwrap();
                data = Some(s);
            }
        }
        let data: Value = serde_json::from_str(&data.expect("data.json")).unwrap();
        let mut got = BTreeSet::new();
        for e in data["entries"].as_array().unwrap() {
            for v in e["versions"].as_array().unwrap() {
                for (_, f) in v["fields"].as_object().unwrap() {
                    got.insert(f["value"].as_str().unwrap().to_string());
                }
            }
        }
        let mut expected = w.values_b.clone();
        for m in &w.withheld_b {
            expected.remove(m);
        }
        assert_eq!(got, expected, "B's export");
    }
}
