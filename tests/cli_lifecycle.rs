//! The staff key lifecycle, end to end through the `coffre` binary: passphrase
//! change, revocation with the rotation of category keys (by the next holder, or at
//! once with the recovery key), `keys rotate`, change of profession, recovery of a
//! member from k-of-n shares of the recovery key, and `--wait` on a busy vault.
//!
//! The revocation tests also play the revoked member at library level, with the
//! vault files and the identity they could unseal before being revoked, to check
//! that data written afterwards is out of their reach (with positive controls by a
//! remaining holder, so the negative results are not vacuous).

use crate::util;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use coffre::crypto::wrap::{self, Identity};
use coffre::crypto::{blind, envelope, kdf, Aad, Key32};
use coffre::store::layout;
use coffre::store::records::{decode, DataKeyRecord, StaffRecord, VaultMeta, VersionRecord};
use coffre::store::sled_store::SledStore;
use coffre::store::Store;
use coffre::vault::keys::{category_wrap_key, data_key_aad, field_aad};
use secrecy::SecretString;
use serde_json::Value;
use util::{marker, run_coffre, Opts, Run, TestVault};

const DOCTOR: &str = "dr.leroy";
const DOCTOR2: &str = "dr.roux";
const PSY: &str = "p.garnier";
const EDUC: &str = "e.blanc";
const SOCIAL: &str = "a.petit";
const DPO: &str = "dpo.durand";

// ------------------------------------------------------------------ CLI helpers

/// Runs coffre as `user` (their passphrase) with `COFFRE_NEW_PASSPHRASE` set.
#[track_caller]
fn with_new_pass(v: &TestVault, user: &str, new_pass: &str, args: &[&str]) -> Run {
    run_coffre(
        args,
        &Opts {
            vault: Some(&v.dir),
            user: Some(user),
            pass: Some(v.pass(user)),
            new_pass: Some(new_pass),
            ..Opts::default()
        },
    )
}

/// `dossier show --json` as `user` with `pass`, which must succeed.
#[track_caller]
fn show_as(v: &TestVault, user: &str, pass: &str, dossier: &str) -> Value {
    let r = v.as_user_pass(user, pass, &["dossier", "show", dossier, "--json"]);
    r.expect_code(0, &format!("dossier show as {user}"));
    r.json()
}

/// `dossier show --json` as `user` with their own passphrase.
#[track_caller]
fn show(v: &TestVault, user: &str, dossier: &str) -> Value {
    show_as(v, user, v.pass(user), dossier)
}

/// The value of field `text` of entry `id`, or the withheld reason ("!reason").
fn text_or_reason(d: &Value, id: &str) -> String {
    let e = util::entry_by_id(d, id);
    if let Some(t) = e["fields"]["text"].as_str() {
        return t.to_string();
    }
    let w = e["withheld"]
        .as_array()
        .and_then(|w| w.iter().find(|w| w["field"] == "text"))
        .unwrap_or_else(|| panic!("field text neither shown nor withheld in {e}"));
    format!("!{}", w["reason"].as_str().unwrap_or("?"))
}

/// Audit entries of `action` (read by the DPO).
#[track_caller]
fn audit_action(v: &TestVault, action: &str) -> Vec<Value> {
    v.audit_log(DPO, &["--action", action])
}

/// Recursively copies a directory (the vault, while no coffre process runs).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

// ------------------------------------------------------------- library helpers

/// The store and settings of a vault directory (no coffre process may run).
fn open_store(vault_dir: &Path) -> (SledStore, VaultMeta) {
    let store = SledStore::open(&vault_dir.join("store")).unwrap();
    let meta: VaultMeta = decode(&store.get(b"meta").unwrap().unwrap(), "meta").unwrap();
    (store, meta)
}

fn staff_record(store: &SledStore, user: &str) -> StaffRecord {
    decode(&store.get(&layout::staff(user)).unwrap().unwrap(), "staff").unwrap()
}

/// Unseals `user`'s identity from their staff record with their passphrase.
fn unseal_identity(store: &SledStore, meta: &VaultMeta, user: &str, pass: &str) -> Identity {
    let rec = staff_record(store, user);
    let pkey = kdf::derive(&SecretString::from(pass), &rec.salt, &rec.kdf).unwrap();
    let aad = Aad::new("coffre/identity/v1")
        .with(meta.vault_id.as_bytes())
        .with(user.as_bytes());
    let secret = envelope::open(&pkey, &aad, &rec.identity_sealed).unwrap();
    Identity::parse(std::str::from_utf8(&secret).unwrap()).unwrap()
}

/// One key wrap `identity` can open: key name, generation, material.
struct Opened {
    key: String,
    gen: u32,
    material: Vec<u8>,
}

/// Every wrap of `store` that `identity` opens.
fn opened_wraps(store: &SledStore, identity: &Identity) -> Vec<Opened> {
    let mut out = Vec::new();
    for (k, ct) in store.scan_prefix(b"w/").unwrap() {
        if let Some(m) = wrap::unwrap(&ct, identity).unwrap() {
            let path = String::from_utf8(k).unwrap();
            let parts: Vec<&str> = path.split('/').collect();
            assert_eq!(parts.len(), 4, "odd wrap path {path}");
            out.push(Opened {
                key: parts[1].to_string(),
                gen: parts[2].parse().unwrap(),
                material: m.to_vec(),
            });
        }
    }
    out
}

/// The 32-byte keys among opened wraps.
fn keys32(opened: &[Opened]) -> Vec<Key32> {
    opened
        .iter()
        .filter(|o| o.material.len() == 32)
        .map(|o| Key32::from_slice(&o.material).unwrap())
        .collect()
}

fn erasure_key(vault_dir: &Path, dossier: &str) -> Key32 {
    Key32::from_slice(&std::fs::read(vault_dir.join("erasure").join(dossier)).unwrap()).unwrap()
}

fn dk_record(store: &SledStore, dossier: &str, category: &str) -> DataKeyRecord {
    decode(
        &store
            .get(&layout::data_key(dossier, category, None))
            .unwrap()
            .unwrap_or_else(|| panic!("no data key {category} in {dossier}")),
        "dk",
    )
    .unwrap()
}

/// The data key of a shared category, if one of `keys` opens its stored wrap.
fn open_dk(
    keys: &[Key32],
    meta: &VaultMeta,
    erasure: &Key32,
    dossier: &str,
    category: &str,
    rec: &DataKeyRecord,
) -> Option<Key32> {
    let aad = data_key_aad(&meta.vault_id, dossier, category, rec.key_gen);
    keys.iter().find_map(|k| {
        let wk =
            category_wrap_key(erasure, k, &meta.vault_id, dossier, category, rec.key_gen).unwrap();
        envelope::open(&wk, &aad, &rec.wrapped)
            .ok()
            .map(|dk| Key32::from_slice(&dk).unwrap())
    })
}

/// Field `text` of version 1 of `entry`, decrypted with `dk` (None if it fails).
fn open_text(
    store: &SledStore,
    meta: &VaultMeta,
    dossier: &str,
    entry: &str,
    dk: &Key32,
) -> Option<String> {
    let v: VersionRecord = decode(
        &store
            .get(&layout::version(dossier, entry, 1))
            .unwrap()
            .unwrap(),
        "version",
    )
    .unwrap();
    let f = v.fields.iter().find(|f| f.name == "text").unwrap();
    let aad = field_aad(&meta.vault_id, dossier, entry, "text", 1, &f.category);
    // The sealed payload is r ‖ value, r being 32 random bytes (docs/crypto.md).
    envelope::open(dk, &aad, &f.ciphertext)
        .ok()
        .map(|p| String::from_utf8(p[32..].to_vec()).unwrap())
}

/// The signed register, replayed from the vault's log (the only source of
/// the generations and of the pending rotations).
fn register(vault_dir: &Path) -> coffre::rights::Register {
    // The vault id from the genesis (the store may be open in the test).
    let log_text = std::fs::read_to_string(vault_dir.join("audit.log")).unwrap();
    let first: Value = serde_json::from_str(log_text.lines().next().unwrap()).unwrap();
    let vault_id = first["fact"]["vault"].as_str().unwrap().to_string();
    let policy = coffre::policy::load(&vault_dir.join("policy.toml")).unwrap();
    let log = coffre::store::medium::FileMedium::new(&vault_dir.join("audit.log"));
    let end = std::fs::metadata(vault_dir.join("audit.log"))
        .unwrap()
        .len();
    let mut v = coffre::rights::Verified::start(&vault_id);
    v.catch_up(&policy, &log, end).unwrap();
    v.register
}

/// The current generation of `key`: as many as the register has commitments.
fn current_gen(vault_dir: &Path, key: &str) -> u32 {
    register(vault_dir).keys[key].len() as u32
}

/// Names of the keys whose rotation is pending.
fn pending_rotations(vault_dir: &Path) -> Vec<String> {
    register(vault_dir).rotations.keys().cloned().collect()
}

/// `dk/*/{category}/*` records: (dossier, key generation).
fn dk_gens(vault_dir: &Path, category: &str) -> Vec<(String, u32)> {
    let (store, _) = open_store(vault_dir);
    let mut out = Vec::new();
    for (k, v) in store.scan_prefix(b"dk/").unwrap() {
        let path = String::from_utf8(k).unwrap();
        let parts: Vec<&str> = path.split('/').collect();
        if parts[2] == category && parts[3] == "*" {
            let rec: DataKeyRecord = decode(&v, "dk").unwrap();
            out.push((parts[1].to_string(), rec.key_gen));
        }
    }
    out
}

// ----------------------------------------------------------------- 1. passwd

#[test]
fn passwd_replaces_the_passphrase_and_keeps_every_key() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff(PSY, "Paul Garnier", "psychologue", true);
    v.add_staff(DPO, "Dana Durand", "dpo", true);
    let d = v.create_dossier(&admin, "Lina Morel", "2011-05-06");
    v.team_add(&admin, &d, PSY);
    let (id_text, notes, synth) = (marker("ident-"), marker("notes-"), marker("synth-"));
    let e_id = v.add_entry(&admin, &d, "identity", &[&format!("text={id_text}")]);
    let e_notes = v.add_entry(PSY, &d, "psy-notes", &[&format!("text={notes}")]);
    let e_synth = v.add_entry(PSY, &d, "psy-synthesis", &[&format!("text={synth}")]);

    // Without a new passphrase nothing changes.
    v.as_user(PSY, &["staff", "passwd"])
        .expect_code(2, "passwd without a new passphrase");
    v.as_user(PSY, &["dossier", "list"])
        .expect_code(0, "old passphrase after a refused passwd");

    let new = "p.garnier-brand-new-passphrase";
    let r = with_new_pass(&v, PSY, new, &["staff", "passwd"]);
    r.expect_code(0, "staff passwd");
    assert!(r.stdout.contains("passphrase changed"), "{}", r.stdout);

    let old = v.as_user(PSY, &["dossier", "list"]);
    old.expect_code(4, "old passphrase after passwd");
    assert!(old.stderr.contains("cannot unlock"), "{}", old.stderr);

    let view = show_as(&v, PSY, new, &d);
    assert_eq!(text_or_reason(&view, &e_id), id_text);
    assert_eq!(text_or_reason(&view, &e_notes), notes, "own psy-notes");
    assert_eq!(text_or_reason(&view, &e_synth), synth);
    // The other members are untouched.
    assert_eq!(
        text_or_reason(&show(&v, &admin, &d), &e_id),
        id_text,
        "the director still reads the identity entry"
    );

    let audited = audit_action(&v, "staff.passwd");
    assert_eq!(audited.len(), 1, "{audited:?}");
    assert_eq!(audited[0]["actor"], PSY);
    assert_eq!(audited[0]["target"], PSY);
    v.verify().expect_code(0, "audit verify after passwd");
}

// ----------------------------------------------------------------- 2. revoke

/// A vault with two doctors in the care team of `d1`, where `dr.leroy` wrote a
/// medical entry, then was revoked by the director; a copy of the vault taken just
/// before the revocation is in `old`.
struct Revoked {
    v: TestVault,
    d1: String,
    m1: String,
    m1_text: String,
    old: PathBuf,
    revoke: Run,
}

fn revoked_doctor() -> Revoked {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff(DOCTOR, "Dr Leroy", "medecin", true);
    v.add_staff(DOCTOR2, "Dr Roux", "medecin", true);
    v.add_staff(DPO, "Dana Durand", "dpo", true);
    let d1 = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d1, DOCTOR);
    v.team_add(&admin, &d1, DOCTOR2);
    let m1_text = marker("med-before-");
    let m1 = v.add_entry(DOCTOR, &d1, "medical", &[&format!("text={m1_text}")]);
    let old = v.root.path().join("vault-before-revocation");
    copy_dir(&v.dir, &old);
    let revoke = v.as_user(&admin, &["staff", "revoke", DOCTOR]);
    revoke.expect_code(0, "staff revoke");
    Revoked {
        v,
        d1,
        m1,
        m1_text,
        old,
        revoke,
    }
}

#[test]
fn revoke_locks_out_and_holders_rotate_the_keys_at_their_next_unlock() {
    let Revoked {
        v,
        d1,
        m1,
        m1_text,
        revoke,
        ..
    } = revoked_doctor();
    let admin = v.admin.clone();
    assert!(revoke.stdout.contains("revoked"), "{}", revoke.stdout);
    // The director does not hold cat:medical: its rotation waits for a holder …
    // (People read keys by their category's label.)
    for k in [
        "Medical information",
        "Care and care plan",
        "Social situation, family, housing, rights",
        "Psychologist's summary",
    ] {
        assert!(
            revoke.stdout.contains(&format!("rotation pending: {k} ")),
            "{k} not pending:\n{}",
            revoke.stdout
        );
    }
    // … while the keys the director holds were rotated at once.
    for k in [
        "Identity, contact details, administrative situation",
        "Court measures and child protection",
        "Care alerts and protocols (allergies…)",
    ] {
        assert!(
            !revoke.stdout.contains(&format!("rotation pending: {k} ")),
            "{k} should be rotated by the director:\n{}",
            revoke.stdout
        );
    }
    let pending = pending_rotations(&v.dir);
    assert!(pending.contains(&"cat:medical".to_string()), "{pending:?}");
    assert!(
        !pending.contains(&"cat:identity".to_string()),
        "{pending:?}"
    );
    {
        let (_store, _meta) = open_store(&v.dir);
        assert_eq!(current_gen(&v.dir, "cat:identity"), 2);
        assert_eq!(current_gen(&v.dir, "cat:medical"), 1);
    }

    // The revoked doctor can no longer unlock, whatever the command.
    for args in [
        &["dossier", "list"][..],
        &["entry", "show", m1.as_str()],
        &["dossier", "show", d1.as_str()],
        &["staff", "passwd"],
    ] {
        let r = v.as_user(DOCTOR, args);
        r.expect_code(4, &format!("revoked doctor runs {args:?}"));
        assert!(r.stderr.contains("revoked"), "{args:?}: {}", r.stderr);
    }

    // The remaining doctor runs any command: the pending rotations are done.
    v.as_user(DOCTOR2, &["dossier", "list"])
        .expect_code(0, "remaining doctor");
    assert_eq!(pending_rotations(&v.dir), Vec::<String>::new());
    {
        let (store, _meta) = open_store(&v.dir);
        for k in ["cat:medical", "cat:care", "cat:identity"] {
            assert_eq!(current_gen(&v.dir, k), 2, "{k}");
            let next = layout::wrap(k, 2, DOCTOR2);
            assert!(store.get(&next).unwrap().is_some(), "{k} gen 2 for dr.roux");
            let revoked = layout::wrap(k, 2, DOCTOR);
            assert!(
                store.get(&revoked).unwrap().is_none(),
                "{k} gen 2 for dr.leroy"
            );
        }
    }
    let rotations = audit_action(&v, "key.rotate");
    let by = |actor: &str, cat: &str| {
        rotations
            .iter()
            .any(|e| e["actor"] == actor && e["categories"] == serde_json::json!([cat]))
    };
    assert!(by(DOCTOR2, "medical"), "{rotations:?}");
    assert!(by(DOCTOR2, "care"), "{rotations:?}");
    assert!(by(&admin, "identity"), "{rotations:?}");
    assert!(!by(&admin, "medical"), "{rotations:?}");
    let revocations = audit_action(&v, "staff.revoke");
    assert_eq!(revocations.len(), 1);
    assert_eq!(revocations[0]["target"], DOCTOR);

    // The remaining doctor still reads the earlier entry (old generation kept).
    let view = show(&v, DOCTOR2, &d1);
    assert_eq!(text_or_reason(&view, &m1), m1_text);
    // Revoking twice is a usage error.
    v.as_user(&admin, &["staff", "revoke", DOCTOR])
        .expect_code(2, "revoke twice");
    v.verify().expect_code(0, "audit verify after revocation");
}

#[test]
fn revoke_with_the_recovery_key_rotates_everything_at_once() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff(DOCTOR, "Dr Leroy", "medecin", true);
    v.add_staff(DOCTOR2, "Dr Roux", "medecin", true);
    v.add_staff(DPO, "Dana Durand", "dpo", true);
    let recovery = v.recovery.to_str().unwrap().to_string();
    let r = v.as_user(
        &admin,
        &["staff", "revoke", DOCTOR, "--recovery-key", &recovery],
    );
    r.expect_code(0, "revoke with the recovery key");
    assert!(!r.stdout.contains("rotation pending"), "{}", r.stdout);
    assert_eq!(pending_rotations(&v.dir), Vec::<String>::new());
    {
        let (store, _meta) = open_store(&v.dir);
        for k in [
            "cat:medical",
            "cat:care",
            "cat:social",
            "cat:educational",
            "cat:daily-life",
            "cat:psy-synthesis",
            "cat:identity",
            "cat:justice",
            "cat:care-alerts",
        ] {
            assert_eq!(current_gen(&v.dir, k), 2, "{k}");
            assert!(store.get(&layout::wrap(k, 2, DOCTOR2)).unwrap().is_some());
            assert!(store.get(&layout::wrap(k, 2, DOCTOR)).unwrap().is_none());
        }
        // A key the doctor never held is not rotated.
        assert_eq!(current_gen(&v.dir, "cat:financial"), 1);
    }
    let rotations = audit_action(&v, "key.rotate");
    assert!(rotations.iter().any(|e| e["actor"] == admin.as_str()
        && e["categories"] == serde_json::json!(["medical"])
        && e["detail"]
            .as_str()
            .unwrap_or("")
            .contains("with the recovery key")));
    assert!(rotations.iter().all(|e| e["actor"] == admin.as_str()));
    // A wrong recovery key is refused before anything changes.
    let other = TestVault::new();
    let r = v.as_user(
        &admin,
        &[
            "staff",
            "revoke",
            DOCTOR2,
            "--recovery-key",
            other.recovery.to_str().unwrap(),
        ],
    );
    r.expect_code(4, "revoke with another vault's recovery key");
    v.as_user(DOCTOR2, &["dossier", "list"])
        .expect_code(0, "dr.roux still active");
}

/// The requirement: "data written afterwards is out of their reach even with an old
/// copy of their key file". New dossier, new data key, sealed under generation 2.
#[test]
fn revoked_doctor_cannot_open_data_keys_made_after_the_rotation() {
    let s = revoked_doctor();
    let v = &s.v;
    let admin = v.admin.clone();
    v.as_user(DOCTOR2, &["dossier", "list"])
        .expect_code(0, "remaining doctor rotates");
    let d2 = v.create_dossier(&admin, "Emma Petit", "2012-07-08");
    v.team_add(&admin, &d2, DOCTOR2);
    let m2_text = marker("med-after-");
    let m2 = v.add_entry(DOCTOR2, &d2, "medical", &[&format!("text={m2_text}")]);

    // The attacker's identity, unsealed from the copy taken before revocation.
    let leroy = {
        let (old_store, old_meta) = open_store(&s.old);
        unseal_identity(&old_store, &old_meta, DOCTOR, v.pass(DOCTOR))
    };
    let (store, meta) = open_store(&v.dir);
    let stolen = opened_wraps(&store, &leroy);
    let cat_wraps: Vec<&Opened> = stolen
        .iter()
        .filter(|o| o.key.starts_with("cat:"))
        .collect();
    assert!(
        cat_wraps.iter().any(|o| o.key == "cat:medical"),
        "the attacker should still open their old cat:medical wrap"
    );
    for o in &cat_wraps {
        assert_eq!(
            o.gen, 1,
            "revoked doctor opens {} generation {}",
            o.key, o.gen
        );
    }
    let stolen_keys = keys32(&stolen);

    let erasure = erasure_key(&v.dir, &d2);
    let medical = dk_record(&store, &d2, "medical");
    let identity = dk_record(&store, &d2, "identity");
    assert_eq!(medical.key_gen, 2, "new medical data key generation");
    assert_eq!(identity.key_gen, 2, "new identity data key generation");
    assert!(open_dk(&stolen_keys, &meta, &erasure, &d2, "medical", &medical).is_none());
    assert!(open_dk(&stolen_keys, &meta, &erasure, &d2, "identity", &identity).is_none());
    // Not even trying the generation-1 keys as if the record were of generation 1.
    let as_gen1 = DataKeyRecord {
        key_gen: 1,
        wrapped: medical.wrapped.clone(),
    };
    assert!(open_dk(&stolen_keys, &meta, &erasure, &d2, "medical", &as_gen1).is_none());

    // Positive control: the remaining doctor opens the key and reads the entry.
    let roux = unseal_identity(&store, &meta, DOCTOR2, v.pass(DOCTOR2));
    let roux_keys = keys32(&opened_wraps(&store, &roux));
    let dk = open_dk(&roux_keys, &meta, &erasure, &d2, "medical", &medical)
        .expect("dr.roux opens the new medical data key");
    assert_eq!(open_text(&store, &meta, &d2, &m2, &dk), Some(m2_text));
    // And the attacker's keys did open the old data key before (non-vacuous).
    let e1 = erasure_key(&v.dir, &s.d1);
    let old_medical = dk_record(&store, &s.d1, "medical");
    let old_dk = open_dk(&stolen_keys, &meta, &e1, &s.d1, "medical", &old_medical)
        .expect("generation-1 key opens the old data key");
    assert_eq!(
        open_text(&store, &meta, &s.d1, &s.m1, &old_dk),
        Some(s.m1_text.clone())
    );
}

/// The same requirement for a new entry in a dossier that existed before the
/// revocation, with the current vault files only (no `keys rotate` run yet).
#[test]
fn revoked_doctor_cannot_read_a_new_entry_in_an_old_dossier() {
    let s = revoked_doctor();
    let v = &s.v;
    v.as_user(DOCTOR2, &["dossier", "list"])
        .expect_code(0, "remaining doctor rotates");
    let m3_text = marker("med-after-old-");
    let m3 = v.add_entry(DOCTOR2, &s.d1, "medical", &[&format!("text={m3_text}")]);
    assert_eq!(
        text_or_reason(&show(v, DOCTOR2, &s.d1), &m3),
        m3_text,
        "positive control"
    );

    let (store, meta) = open_store(&v.dir);
    let leroy = unseal_identity(&store, &meta, DOCTOR, v.pass(DOCTOR));
    let stolen = keys32(&opened_wraps(&store, &leroy));
    let e1 = erasure_key(&v.dir, &s.d1);
    let rec = dk_record(&store, &s.d1, "medical");
    let read = open_dk(&stolen, &meta, &e1, &s.d1, "medical", &rec)
        .and_then(|dk| open_text(&store, &meta, &s.d1, &m3, &dk));
    assert_eq!(
        read, None,
        "the revoked doctor decrypts an entry written after their revocation \
         (data key of generation {})",
        rec.key_gen
    );
}

/// Same, after `keys rotate`, but with the data key the doctor could open in the
/// copy of the vault taken before their revocation.
#[test]
fn revoked_doctor_with_an_old_copy_cannot_read_a_new_entry_in_an_old_dossier() {
    let s = revoked_doctor();
    let v = &s.v;
    v.as_user(DOCTOR2, &["dossier", "list"])
        .expect_code(0, "remaining doctor rotates");
    v.as_user(DOCTOR2, &["keys", "rotate"])
        .expect_code(0, "keys rotate");
    let m3_text = marker("med-after-old-");
    let m3 = v.add_entry(DOCTOR2, &s.d1, "medical", &[&format!("text={m3_text}")]);

    let (old_store, old_meta) = open_store(&s.old);
    let leroy = unseal_identity(&old_store, &old_meta, DOCTOR, v.pass(DOCTOR));
    let old_keys = keys32(&opened_wraps(&old_store, &leroy));
    let e1 = erasure_key(&s.old, &s.d1);
    let old_rec = dk_record(&old_store, &s.d1, "medical");
    let old_dk = open_dk(&old_keys, &old_meta, &e1, &s.d1, "medical", &old_rec)
        .expect("the doctor opened this data key before the revocation");

    let (store, meta) = open_store(&v.dir);
    assert_eq!(dk_record(&store, &s.d1, "medical").key_gen, 2);
    assert_eq!(
        open_text(&store, &meta, &s.d1, &m3, &old_dk),
        None,
        "an entry written after the revocation opens with the pre-revocation data key"
    );
}

/// Staff names written after the revocation (directory key).
#[test]
fn revoked_doctor_cannot_read_names_of_staff_added_later() {
    let mut s = revoked_doctor();
    s.v.as_user(DOCTOR2, &["dossier", "list"])
        .expect_code(0, "remaining doctor rotates");
    let name = marker("Nina Newcomer ");
    s.v.add_staff("n.new", &name, "infirmier", false);
    let (store, meta) = open_store(&s.v.dir);
    let rec = staff_record(&store, "n.new");
    let aad = Aad::new("coffre/staff-name/v1")
        .with(meta.vault_id.as_bytes())
        .with(b"n.new");
    let opens_name = |keys: &[Key32]| {
        keys.iter()
            .any(|k| envelope::open(k, &aad, &rec.name_sealed).is_ok())
    };
    let director = unseal_identity(&store, &meta, &s.v.admin, s.v.pass(&s.v.admin));
    assert!(
        opens_name(&keys32(&opened_wraps(&store, &director))),
        "positive control: the director opens the name"
    );
    let leroy = unseal_identity(&store, &meta, DOCTOR, s.v.pass(DOCTOR));
    assert!(
        !opens_name(&keys32(&opened_wraps(&store, &leroy))),
        "the revoked doctor opens the name of a member added after the revocation"
    );
}

/// Names of people whose dossier was created after the revocation (index key).
#[test]
fn revoked_doctor_cannot_match_names_of_dossiers_created_later() {
    let s = revoked_doctor();
    let v = &s.v;
    v.as_user(DOCTOR2, &["dossier", "list"])
        .expect_code(0, "remaining doctor rotates");
    let surname = "Quenneville";
    let d2 = v.create_dossier(&v.admin, &format!("Zoe {surname}"), "2013-01-01");
    let (store, meta) = open_store(&v.dir);
    let token = blind::tokens(surname).remove(0);
    let matches = |keys: &[Key32]| {
        keys.iter().any(|k| {
            let tag = blind::tag(k, &token);
            store.get(&layout::index(&tag, &d2)).unwrap().is_some()
        })
    };
    let director = unseal_identity(&store, &meta, &v.admin, v.pass(&v.admin));
    assert!(
        matches(&keys32(&opened_wraps(&store, &director))),
        "positive control: the director's index key finds the name"
    );
    let leroy = unseal_identity(&store, &meta, DOCTOR, v.pass(DOCTOR));
    assert!(
        !matches(&keys32(&opened_wraps(&store, &leroy))),
        "the revoked doctor matches the name of a dossier created after the revocation"
    );
}

/// A member who joins between a revocation and the rotation it calls for
/// receives the rotated key from the holder who rotates it, and with it the
/// earlier generation that holder has: the notes written before the
/// revocation stay under that one until `keys rotate`, and the newcomer
/// reads them at once.
#[test]
fn a_member_who_joins_before_the_rotation_reads_the_notes_written_before_it() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    let nurse = "i.morel";
    v.add_staff(DOCTOR, "Dr Leroy", "medecin", true);
    v.add_staff(DOCTOR2, "Dr Roux", "medecin", true);
    v.add_staff(EDUC, "Eva Blanc", "educateur-specialise", true);
    let d1 = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    for m in [DOCTOR, DOCTOR2, EDUC] {
        v.team_add(&admin, &d1, m);
    }
    let before = marker("daily-before-");
    let e1 = v.add_entry(EDUC, &d1, "daily-life", &[&format!("text={before}")]);
    // Doctors read daily-life, the director does not: its rotation waits
    // for a holder's next command.
    v.as_user(&admin, &["staff", "revoke", DOCTOR])
        .expect_code(0, "staff revoke");
    assert!(pending_rotations(&v.dir).contains(&"cat:daily-life".to_string()));
    // A nurse joins (no recovery key: daily-life is not restricted).
    v.add_staff(nurse, "Inès Morel", "infirmier", false);
    v.team_add(&admin, &d1, nurse);
    v.as_user(DOCTOR2, &["dossier", "list"])
        .expect_code(0, "the remaining doctor rotates");
    assert_eq!(current_gen(&v.dir, "cat:daily-life"), 2);
    assert_eq!(text_or_reason(&show(&v, nurse, &d1), &e1), before);
    // What the rotation handed the nurse is in the log under her name, as a
    // grant is: the DPO sees who gained access to the earlier notes.
    let handed: Vec<String> = v
        .audit_lines()
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["action"] == "key.grant" && e["target"] == nurse)
        .filter_map(|e| e["detail"].as_str().map(str::to_string))
        .collect();
    assert!(
        handed.iter().any(|d| d == "cat:daily-life"),
        "a key.grant of daily-life naming the nurse: {handed:?}"
    );
    v.verify().expect_code(0, "audit verify");
}

#[test]
fn staff_list_shows_pending_rotations_until_a_holder_unlocks() {
    let s = revoked_doctor();
    let v = &s.v;
    let admin = v.admin.clone();
    let list = v.as_user(&admin, &["staff", "list"]);
    list.expect_code(0, "staff list");
    assert!(
        list.stdout.contains("rotation pending") && list.stdout.contains("Medical information"),
        "staff list:\n{}",
        list.stdout
    );
    v.as_user(DOCTOR2, &["dossier", "list"])
        .expect_code(0, "remaining doctor rotates");
    let list = v.as_user(&admin, &["staff", "list"]);
    list.expect_code(0, "staff list");
    assert!(
        !list.stdout.contains("rotation pending"),
        "staff list after the rotation:\n{}",
        list.stdout
    );
}

#[test]
fn keys_rotate_rewraps_old_data_keys_resumably_with_progress() {
    let s = revoked_doctor();
    let v = &s.v;
    let admin = v.admin.clone();
    v.as_user(DOCTOR2, &["dossier", "list"])
        .expect_code(0, "remaining doctor rotates");
    // A second dossier with data of the old generation.
    let d2 = v.create_dossier(&admin, "Hugo Renard", "2009-09-09");
    v.team_add(&admin, &d2, DOCTOR2);
    let m2_text = marker("med-d2-");
    let m2 = v.add_entry(DOCTOR2, &d2, "medical", &[&format!("text={m2_text}")]);
    assert!(dk_gens(&v.dir, "medical").contains(&(s.d1.clone(), 1)));

    let r = v.as_user(DOCTOR2, &["keys", "rotate"]);
    r.expect_code(0, "keys rotate");
    assert!(
        r.stderr.contains('[') && r.stderr.contains('#') && r.stderr.contains(" data keys"),
        "no progress bar on stderr: {:?}",
        r.stderr
    );
    assert!(
        !r.stdout.starts_with("0 data key"),
        "nothing re-wrapped: {}",
        r.stdout
    );
    assert!(r.stdout.contains("re-wrapped"), "{}", r.stdout);
    for cat in ["medical", "identity"] {
        let gens = dk_gens(&v.dir, cat);
        assert!(!gens.is_empty(), "{cat}");
        assert!(
            gens.iter().all(|(_, g)| *g == 2),
            "{cat} data keys after keys rotate: {gens:?}"
        );
    }

    // Resumable: a second run finds nothing left.
    let again = v.as_user(DOCTOR2, &["--json", "keys", "rotate"]);
    again.expect_code(0, "keys rotate again");
    assert_eq!(again.json()["rewrapped"], 0, "{}", again.stdout);
    let again = v.as_user(DOCTOR2, &["keys", "rotate"]);
    again.expect_code(0, "keys rotate a third time");
    assert!(again.stdout.starts_with("0 data key"), "{}", again.stdout);
    assert!(!audit_action(v, "keys.rewrap").is_empty());

    // Everything is still readable by the holders.
    assert_eq!(text_or_reason(&show(v, DOCTOR2, &s.d1), &s.m1), s.m1_text);
    assert_eq!(text_or_reason(&show(v, DOCTOR2, &d2), &m2), m2_text);
    // The director reads the re-wrapped identity data key (dossier name).
    let d = show(v, &admin, &s.d1);
    assert_eq!(d["name"], "Lucas Martin");

    // With the current files, the revoked doctor's generation-1 keys open nothing now.
    let (store, meta) = open_store(&v.dir);
    let leroy = unseal_identity(&store, &meta, DOCTOR, v.pass(DOCTOR));
    let stolen = keys32(&opened_wraps(&store, &leroy));
    for d in [&s.d1, &d2] {
        let e = erasure_key(&v.dir, d);
        for cat in ["medical", "identity"] {
            let rec = dk_record(&store, d, cat);
            assert!(
                open_dk(&stolen, &meta, &e, d, cat, &rec).is_none(),
                "revoked doctor opens {cat} of {d} after keys rotate"
            );
        }
    }
}

// -------------------------------------------------------- 3. set-profession

#[test]
fn set_profession_withholds_lost_categories_grants_new_ones_and_rotates() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff(EDUC, "Eva Blanc", "educateur-specialise", true);
    v.add_staff(DOCTOR, "Dr Leroy", "medecin", true);
    v.add_staff(PSY, "Paul Garnier", "psychologue", true);
    v.add_staff(SOCIAL, "Alice Petit", "assistant-social", true);
    let d = v.create_dossier(&admin, "Noah Girard", "2008-03-04");
    for m in [EDUC, DOCTOR, PSY, SOCIAL] {
        v.team_add(&admin, &d, m);
    }
    let mut texts = std::collections::BTreeMap::new();
    let mut ids = std::collections::BTreeMap::new();
    for (author, kind) in [
        (SOCIAL, "social"),
        (SOCIAL, "justice"),
        (PSY, "psy-synthesis"),
        (DOCTOR, "care"),
        (admin.as_str(), "identity"),
        (EDUC, "educational"),
    ] {
        let t = marker(&format!("{kind}-"));
        ids.insert(kind, v.add_entry(author, &d, kind, &[&format!("text={t}")]));
        texts.insert(kind, t);
    }
    let before = show(&v, EDUC, &d);
    for k in [
        "social",
        "justice",
        "psy-synthesis",
        "identity",
        "educational",
    ] {
        assert_eq!(text_or_reason(&before, &ids[k]), texts[k], "{k} before");
    }
    assert_eq!(text_or_reason(&before, &ids["care"]), "!not-permitted");

    let r = v.as_user(&admin, &["staff", "set-profession", EDUC, "aide-soignant"]);
    r.expect_code(0, "set-profession");
    assert!(r.stdout.contains("is now Care assistant"), "{}", r.stdout);
    for k in [
        "Social situation, family, housing, rights",
        "Psychologist's summary",
    ] {
        assert!(
            r.stdout.contains(&format!("rotation pending: {k} ")),
            "{k}:\n{}",
            r.stdout
        );
    }
    for k in ["cat:justice", "cat:identity", "cat:educational", "cat:care"] {
        assert!(
            !r.stdout.contains(&format!("rotation pending: {k} ")),
            "{k}:\n{}",
            r.stdout
        );
    }
    let mut pending = pending_rotations(&v.dir);
    pending.sort();
    assert_eq!(pending, ["cat:psy-synthesis", "cat:social"]);
    {
        let (store, _meta) = open_store(&v.dir);
        assert_eq!(current_gen(&v.dir, "cat:justice"), 2, "rotated at once");
        assert_eq!(current_gen(&v.dir, "cat:identity"), 1, "kept");
        assert!(store
            .get(&layout::wrap("cat:justice", 2, EDUC))
            .unwrap()
            .is_none());
    }
    let list = v.as_user(&admin, &["staff", "list", "--json"]);
    list.expect_code(0, "staff list");
    let me = list
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == EDUC)
        .cloned()
        .unwrap();
    assert_eq!(me["profession"], "aide-soignant");
    // `care` is restricted: a change of profession does not grant it, a holder
    // (or the recovery key) approves the member by name first.
    assert_eq!(me["pending"], serde_json::json!(["cat:care (to approve)"]));

    let after = show(&v, EDUC, &d);
    for k in ["social", "justice", "psy-synthesis"] {
        assert_eq!(text_or_reason(&after, &ids[k]), "!not-permitted", "{k}");
    }
    assert_eq!(text_or_reason(&after, &ids["care"]), "!pending");
    assert_eq!(text_or_reason(&after, &ids["identity"]), texts["identity"]);
    assert_eq!(
        text_or_reason(&after, &ids["educational"]),
        texts["educational"]
    );

    // A holder of cat:care (and of social, psy-synthesis) unlocks: rotations;
    // `care` is restricted, so it is granted only once the holder approves.
    let r = v.as_user(DOCTOR, &["dossier", "list"]);
    r.expect_code(0, "doctor unlocks");
    assert!(
        !r.stderr
            .contains(&format!("granted key 'Care and care plan' to {EDUC}")),
        "{}",
        r.stderr
    );
    let r = v.as_user(DOCTOR, &["staff", "approve", EDUC]);
    r.expect_code(0, "doctor approves");
    assert!(
        r.stdout.contains("approved for Care and care plan")
            && r.stderr
                .contains(&format!("granted key 'Care and care plan' to {EDUC}")),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    assert_eq!(pending_rotations(&v.dir), Vec::<String>::new());
    let after = show(&v, EDUC, &d);
    assert_eq!(text_or_reason(&after, &ids["care"]), texts["care"]);
    {
        let (store, _meta) = open_store(&v.dir);
        for k in ["cat:social", "cat:psy-synthesis"] {
            assert_eq!(current_gen(&v.dir, k), 2, "{k}");
            assert!(store.get(&layout::wrap(k, 2, EDUC)).unwrap().is_none());
            assert!(store.get(&layout::wrap(k, 2, DOCTOR)).unwrap().is_some());
        }
    }
    // Colleagues keep reading what they could.
    assert_eq!(
        text_or_reason(&show(&v, DOCTOR, &d), &ids["social"]),
        texts["social"]
    );

    // With the recovery key: the new care key and every rotation at once.
    v.add_staff("e.noir", "Elie Noir", "educateur-specialise", true);
    v.team_add(&admin, &d, "e.noir");
    let recovery = v.recovery.to_str().unwrap().to_string();
    let r = v.as_user(
        &admin,
        &[
            "staff",
            "set-profession",
            "e.noir",
            "aide-soignant",
            "--recovery-key",
            &recovery,
        ],
    );
    r.expect_code(0, "set-profession with the recovery key");
    assert!(!r.stdout.contains("rotation pending"), "{}", r.stdout);
    assert_eq!(pending_rotations(&v.dir), Vec::<String>::new());
    let view = show(&v, "e.noir", &d);
    assert_eq!(text_or_reason(&view, &ids["care"]), texts["care"]);
    assert_eq!(text_or_reason(&view, &ids["social"]), "!not-permitted");
    let (_store, _meta) = open_store(&v.dir);
    assert_eq!(current_gen(&v.dir, "cat:social"), 3);
    assert_eq!(current_gen(&v.dir, "cat:psy-synthesis"), 3);
    assert_eq!(current_gen(&v.dir, "cat:justice"), 3);
}

// --------------------------------------------------------- 4. recovery shares

/// `recovery split` 2-of-3 as the director; returns the share files.
#[track_caller]
fn split(v: &TestVault, dir_name: &str) -> Vec<PathBuf> {
    let out = v.root.path().join(dir_name);
    let r = v.as_user(
        &v.admin,
        &[
            "recovery",
            "split",
            "--recovery-key",
            v.recovery.to_str().unwrap(),
            "--threshold",
            "2",
            "--shares",
            "3",
            "--out-dir",
            out.to_str().unwrap(),
        ],
    );
    r.expect_code(0, "recovery split");
    let mut files: Vec<PathBuf> = util::files_under(&out);
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["share-1.txt", "share-2.txt", "share-3.txt"]);
    files
}

fn share_line(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("coffre-share/v1 "))
        .collect();
    assert_eq!(lines.len(), 1, "{}", path.display());
    lines[0].to_string()
}

#[track_caller]
fn recover(v: &TestVault, new_pass: &str, shares: &[&Path]) -> Run {
    let mut args = vec!["recover", "--staff", PSY];
    for s in shares {
        args.extend(["--share", s.to_str().unwrap()]);
    }
    with_new_pass(v, &v.admin, new_pass, &args)
}

#[test]
fn recovery_shares_rebuild_the_key_and_recover_a_member() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff(PSY, "Paul Garnier", "psychologue", true);
    v.add_staff(DPO, "Dana Durand", "dpo", true);
    let d = v.create_dossier(&admin, "Jade Lefevre", "2007-11-12");
    v.team_add(&admin, &d, PSY);
    let (notes, ident) = (marker("notes-"), marker("ident-"));
    let e_notes = v.add_entry(PSY, &d, "psy-notes", &[&format!("text={notes}")]);
    let e_ident = v.add_entry(&admin, &d, "identity", &[&format!("text={ident}")]);

    let files = split(&v, "shares");
    let lines: Vec<String> = files.iter().map(|f| share_line(f)).collect();
    assert!(lines[0] != lines[1] && lines[1] != lines[2]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in &files {
            let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", f.display());
        }
    }
    let new = "p.garnier-recovered-passphrase";

    // One share is not enough.
    let r = recover(&v, new, &[&files[0]]);
    r.expect_code(2, "one share");
    assert!(r.stderr.contains("needed"), "{}", r.stderr);

    // A share with one hex digit changed is caught by its check digits.
    let good = &lines[2];
    let parts: Vec<&str> = good.split(' ').collect();
    assert_eq!(parts.len(), 6, "{good}");
    let mut hexs = parts[4].to_string();
    let pos = hexs.len() / 2;
    let c = hexs.as_bytes()[pos];
    hexs.replace_range(pos..pos + 1, if c == b'a' { "b" } else { "a" });
    let mut bad_parts = parts.clone();
    bad_parts[4] = &hexs;
    let tampered = v.root.path().join("tampered-share.txt");
    std::fs::write(&tampered, format!("{}\n", bad_parts.join(" "))).unwrap();
    let r = recover(&v, new, &[&files[0], &tampered]);
    r.expect_code(2, "tampered share");
    assert!(r.stderr.contains("copied wrongly"), "{}", r.stderr);

    // Shares of another vault.
    let other = TestVault::new();
    let foreign = split(&other, "foreign-shares");
    let r = recover(&v, new, &[&foreign[0], &foreign[1]]);
    r.expect_code(2, "shares of another vault");
    assert!(r.stderr.contains("another vault"), "{}", r.stderr);

    // Nothing changed so far.
    v.as_user(PSY, &["dossier", "list"])
        .expect_code(0, "old passphrase before the recovery");
    assert!(audit_action(&v, "staff.recover").is_empty());

    let r = recover(&v, new, &[&files[0], &files[2]]);
    r.expect_code(0, "recover with shares 1 and 3");
    assert!(r.stdout.contains("new passphrase"), "{}", r.stdout);

    v.as_user(PSY, &["dossier", "list"])
        .expect_code(4, "old passphrase after the recovery");
    let view = show_as(&v, PSY, new, &d);
    assert_eq!(text_or_reason(&view, &e_notes), notes, "own psy-notes");
    assert_eq!(text_or_reason(&view, &e_ident), ident);
    // They can go on writing their notes.
    let later = marker("notes-later-");
    let r = v.as_user_pass(
        PSY,
        new,
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "psy-notes",
            "--field",
            &format!("text={later}"),
        ],
    );
    r.expect_code(0, "psy-notes after the recovery");
    let e_later = r.single_line();
    let view = show_as(&v, PSY, new, &d);
    assert_eq!(text_or_reason(&view, &e_later), later);
    assert_eq!(text_or_reason(&view, &e_notes), notes);

    // Audited, and listed as uses of the recovery key.
    let splits = audit_action(&v, "recovery.split");
    assert_eq!(splits.len(), 1, "{splits:?}");
    assert_eq!(splits[0]["actor"], admin.as_str());
    let recovers = audit_action(&v, "staff.recover");
    assert_eq!(recovers.len(), 1, "{recovers:?}");
    assert_eq!(recovers[0]["actor"], admin.as_str());
    assert_eq!(recovers[0]["target"], PSY);
    assert!(
        recovers[0]["detail"]
            .as_str()
            .unwrap_or("")
            .contains("2 shares"),
        "{}",
        recovers[0]
    );
    let report = v.as_user(DPO, &["audit", "report"]);
    report.expect_code(0, "audit report");
    let text = &report.stdout;
    let start = text
        .find("Uses of the recovery key")
        .unwrap_or_else(|| panic!("no recovery section:\n{text}"));
    let section = &text[start..];
    let section = &section[..section.find("\n\n").unwrap_or(section.len())];
    // Actions in words: the split, then the member given back their access.
    assert!(section.contains("split the recovery key"), "{section}");
    assert!(
        section.contains("restored a staff member's access"),
        "{section}"
    );
}

#[test]
fn audit_still_verifies_after_a_recovery() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff(PSY, "Paul Garnier", "psychologue", true);
    let d = v.create_dossier(&admin, "Jade Lefevre", "2007-11-12");
    v.team_add(&admin, &d, PSY);
    // The psychologist signs a checkpoint at the end of this command.
    v.add_entry(PSY, &d, "psy-notes", &["text=notes"]);
    v.verify()
        .expect_code(0, "audit verify before the recovery");
    let r = with_new_pass(
        &v,
        &admin,
        "p.garnier-recovered-passphrase",
        &[
            "recover",
            "--staff",
            PSY,
            "--recovery-key",
            v.recovery.to_str().unwrap(),
        ],
    );
    r.expect_code(0, "recover with the recovery key file");
    let r = v.verify();
    r.expect_code(0, "audit verify after the recovery");
}

// ------------------------------------------------------------------- 5. --wait

#[test]
fn wait_retries_until_the_vault_is_released() {
    let v = TestVault::new();
    let admin = v.admin.clone();
    let dir = v.dir.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let vault = coffre::Vault::open(&dir).expect("open the vault in the test");
        tx.send(Instant::now()).unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        drop(vault);
        Instant::now()
    });
    let opened = rx.recv().unwrap();

    let busy = v.as_user(&admin, &["dossier", "list"]);
    assert!(
        opened.elapsed() < Duration::from_millis(1400),
        "the busy run was too slow to test anything"
    );
    busy.expect_code(1, "without --wait");
    assert!(
        busy.stderr.contains("another coffre process"),
        "{}",
        busy.stderr
    );

    let start = Instant::now();
    let waited = v.as_user(&admin, &["--wait", "5", "dossier", "list"]);
    let took = start.elapsed();
    let released = holder.join().unwrap();
    waited.expect_code(0, "with --wait 5");
    assert!(
        Instant::now() >= released
            && released.duration_since(opened) >= Duration::from_millis(1400),
        "holder released too early"
    );
    assert!(
        took >= released.saturating_duration_since(start),
        "--wait returned before the vault was released ({took:?})"
    );
    assert!(took < Duration::from_secs(5), "waited too long: {took:?}");
}

/// While `coffre serve` holds a folder vault, a command is told, in the
/// user's language, that the web server holds it and at which address to do
/// the work (not only that "another process" has it); a forged lock file
/// cannot make it print anything but a plain web address.
#[test]
fn a_command_while_the_server_holds_the_vault_says_where_to_work() {
    let v = TestVault::new();
    let admin = v.admin.clone();
    let server = util::http::Server::start(&v.dir, &v.root.path().join("serve.log"));
    let url = format!("http://{}/", server.host);
    for (lang, words) in [("fr", "serveur web"), ("en", "web server")] {
        let busy = run_coffre(
            &["dossier", "list"],
            &Opts {
                vault: Some(&v.dir),
                user: Some(&admin),
                pass: Some(v.pass(&admin)),
                lang: Some(lang),
                ..Opts::default()
            },
        );
        busy.expect_code(1, "a command while the server holds the vault");
        assert!(
            busy.stderr.contains(words) && busy.stderr.contains(&url),
            "{lang}: {}",
            busy.stderr
        );
        assert!(
            busy.stderr.contains(&server.child.id().to_string()),
            "{lang}: the server's process is named: {}",
            busy.stderr
        );
    }
    // The read-only verifier says the same.
    let verify = v.verify();
    verify.expect_code(1, "audit verify while the server holds the vault");
    assert!(verify.stderr.contains(&url), "{}", verify.stderr);

    // What the lock file says is shown only as a web address of printable
    // characters: a terminal escape or another text is not repeated.
    drop(server);
    let holder = coffre::Vault::open(&v.dir).expect("open the vault in the test");
    holder.announce_server("http://evil/\u{1b}[2J");
    let busy = v.as_user(&admin, &["dossier", "list"]);
    busy.expect_code(1, "a command while another process holds the vault");
    assert!(
        !busy.stderr.contains('\u{1b}') && !busy.stderr.contains("evil"),
        "{}",
        busy.stderr
    );
    assert!(
        busy.stderr.contains("another coffre process"),
        "{}",
        busy.stderr
    );
    drop(holder);
}

/// A newcomer whose key is not handed over yet is told who can hand it over:
/// the colleagues who hold it, by name and login; once one of them has run a
/// command, the newcomer writes.
#[test]
fn a_pending_key_names_the_colleagues_who_can_hand_it_over() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("as.first", "Alice Premiere", "assistant-social", true);
    // Added without the recovery key: the keys wait for a holder.
    v.add_staff("as.new", "Nina Nouvelle", "assistant-social", false);
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    for m in ["as.first", "as.new"] {
        v.team_add(&admin, &d, m);
    }
    let first = v.as_user(
        "as.new",
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "social",
            "--field",
            "text=note",
        ],
    );
    first.expect_code(3, "a key not handed over yet");
    assert!(
        first.stderr.contains("Alice Premiere (as.first)"),
        "the holder is named: {}",
        first.stderr
    );
    v.as_user("as.first", &["dossier", "list"])
        .expect_code(0, "the holder opens Coffre");
    v.as_user(
        "as.new",
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "social",
            "--field",
            "text=note",
        ],
    )
    .expect_code(0, "handed over");
}

/// A holder whose web session stays open sees, on their home page, the
/// colleague who joined since and waits for a key they hold, and hands it
/// over in one click; the colleague then reads what was written before. A
/// member who holds nothing others wait for sees no such list.
#[test]
fn a_holder_on_the_web_hands_the_keys_over_in_one_click() {
    use util::http;
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff(EDUC, "Eva Blanc", "educateur-specialise", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d, EDUC);
    let before = marker("handed-");
    let e1 = v.add_entry(EDUC, &d, "daily-life", &[&format!("text={before}")]);

    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let educ = http::login(&host, EDUC, v.pass(EDUC));
    let home = |cookie: &str| http::http(&host, "GET", "/dossiers", &[("Cookie", cookie)], "").2;
    assert!(!home(&educ).contains("id=\"waiting\""), "nobody waits yet");

    // The director adds a nurse on the web and puts her in the care team.
    let dir = http::login(&host, &admin, v.pass(&admin));
    let (_, _, page) = http::http(&host, "GET", "/personnel", &[("Cookie", &dir)], "");
    let token = http::csrf(&page).expect("a CSRF token");
    let nurse_pass = "la phrase de passe d'Inès 2026";
    let (status, _, body) = http::post(
        &host,
        "/personnel",
        &dir,
        &[
            ("csrf", &token),
            ("id", "i.morel"),
            ("name", "Inès Morel"),
            ("profession", "infirmier"),
            ("passphrase", nurse_pass),
        ],
    );
    assert!(status == 200 || status == 303, "{status} {body}");
    let (status, _, body) = http::post(
        &host,
        &format!("/dossiers/{d}/equipe"),
        &dir,
        &[("csrf", &token), ("staff", "i.morel")],
    );
    assert!(status == 200 || status == 303, "{status} {body}");
    let nurse = http::login(&host, "i.morel", nurse_pass);
    let read = |cookie: &str| {
        http::http(
            &host,
            "GET",
            &format!("/dossiers/{d}"),
            &[("Cookie", cookie)],
            "",
        )
        .2
    };
    assert!(!read(&nurse).contains(&before), "the key is not hers yet");

    // The educator's home page names her and what she waits for.
    let page = home(&educ);
    assert!(page.contains("id=\"waiting\""), "{page}");
    assert!(page.contains("Inès Morel (i.morel)"), "{page}");
    assert!(page.contains("Vie quotidienne"), "{page}");
    let token = http::csrf(&page).expect("a CSRF token");
    let (status, _, done) = http::post(&host, "/cles/remettre", &educ, &[("csrf", &token)]);
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("Inès Morel (i.morel) a reçu"), "{done}");
    // What is left needs an approval first (a restricted key), not a click.
    assert!(
        !done.contains("id=\"hand-over\"") && !done.contains("à remettre"),
        "nothing left to hand over: {done}"
    );
    assert!(read(&nurse).contains(&before), "she reads the earlier note");
    // The director holds no daily-life key: nothing offered to him about it.
    assert!(!home(&dir).contains("Vie quotidienne"));
    drop(server);
    assert!(
        v.audit_lines()
            .iter()
            .any(|l| l.contains("\"key.grant\"") && l.contains("\"i.morel\"") && l.contains(EDUC)),
        "the grant is in the log under the educator's name"
    );
    let _ = e1;
}
