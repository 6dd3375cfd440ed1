//! Below the policy layer: a staff member whose profession may not read a category
//! cannot decrypt it even with the vault files and their own passphrase in hand.
//!
//! The test builds a vault through the library, closes it, then plays the attacker:
//! it opens the store directly, unseals the educator's identity with the educator's
//! passphrase, unwraps every key wrap it can, and tries every key so obtained on every
//! medical and psychological data key, with the exact associated data. Positive
//! controls (the doctor, the author psychologist) show the same attempts do succeed
//! with the right identity, so the negative results are not vacuous.

use coffre::crypto::kdf;
use coffre::crypto::wrap::{self, Identity};
use coffre::crypto::{envelope, Aad, Key32};
use coffre::store::records::{decode, DataKeyRecord, StaffRecord, VaultMeta};
use coffre::store::sled_store::SledStore;
use coffre::store::Store;
use coffre::vault::keys::{category_wrap_key, data_key_aad, unwrap_personal};
use coffre::{FieldInput, InitOptions, NewStaff, Vault};
use secrecy::SecretString;

const PASS: &str = "passphrase-for-tests";

fn build(dir: &std::path::Path) -> String {
    let pass = SecretString::from(PASS);
    let recovery = Identity::generate();
    let recovery_text = recovery.to_secret_string();
    let (vault, _) = Vault::init(
        dir,
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
    let recovery = Identity::parse(secrecy::ExposeSecret::expose_secret(&recovery_text)).unwrap();
    let dossier;
    {
        let mut d = vault.unlock("dir", &pass).unwrap();
        for (id, prof) in [
            ("doc", "medecin"),
            ("psy", "psychologue"),
            ("edu", "educateur-specialise"),
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
        dossier = d.create_dossier("Person Under Test", "2010-01-01").unwrap();
        for id in ["doc", "psy", "edu"] {
            d.add_team_member(&dossier, id).unwrap();
        }
    }
    vault
        .unlock("doc", &pass)
        .unwrap()
        .add_entry(&dossier, "medical", &[FieldInput::new("text", "diagnosis")])
        .unwrap();
    vault
        .unlock("psy", &pass)
        .unwrap()
        .add_entry(&dossier, "psy-notes", &[FieldInput::new("text", "notes")])
        .unwrap();
    dossier
}

/// Everything an attacker holding `user`'s passphrase can unwrap from the store.
fn attacker_keys(store: &SledStore, meta: &VaultMeta, user: &str) -> (Identity, Vec<Key32>) {
    let rec: StaffRecord = decode(
        &store.get(format!("s/{user}").as_bytes()).unwrap().unwrap(),
        "staff",
    )
    .unwrap();
    let pkey = kdf::derive(&SecretString::from(PASS), &rec.salt, &rec.kdf).unwrap();
    let aad = Aad::new("coffre/identity/v1")
        .with(meta.vault_id.as_bytes())
        .with(user.as_bytes());
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
    (identity, keys)
}

fn opens(
    keys: &[Key32],
    meta: &VaultMeta,
    erasure: &Key32,
    dossier: &str,
    category: &str,
    rec: &DataKeyRecord,
) -> bool {
    let aad = data_key_aad(&meta.vault_id, dossier, category, rec.key_gen);
    keys.iter().any(|k| {
        let wk =
            category_wrap_key(erasure, k, &meta.vault_id, dossier, category, rec.key_gen).unwrap();
        envelope::open(&wk, &aad, &rec.wrapped).is_ok()
    })
}

fn opens_personal(
    id: &Identity,
    meta: &VaultMeta,
    erasure: &Key32,
    dossier: &str,
    category: &str,
    label: &str,
    rec: &DataKeyRecord,
) -> bool {
    unwrap_personal(
        &rec.wrapped,
        id,
        erasure,
        &meta.vault_id,
        dossier,
        category,
        label,
    )
    .unwrap()
    .is_some()
}

#[test]
fn educator_cannot_decrypt_medical_or_psy_notes_with_vault_files_and_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let dossier = build(tmp.path());
    let store = SledStore::open(&tmp.path().join("store")).unwrap();
    let meta: VaultMeta = decode(&store.get(b"meta").unwrap().unwrap(), "meta").unwrap();

    let medical: DataKeyRecord = decode(
        &store
            .get(format!("dk/{dossier}/medical/*").as_bytes())
            .unwrap()
            .unwrap(),
        "dk",
    )
    .unwrap();
    let psy_notes: DataKeyRecord = decode(
        &store
            .get(format!("dk/{dossier}/psy-notes/psy").as_bytes())
            .unwrap()
            .unwrap(),
        "dk",
    )
    .unwrap();

    let erasure =
        Key32::from_slice(&std::fs::read(tmp.path().join("erasure").join(&dossier)).unwrap())
            .unwrap();
    let (edu_id, edu_keys) = attacker_keys(&store, &meta, "edu");
    // The educator does hold several category keys (identity, social, …) …
    assert!(
        edu_keys.len() >= 5,
        "educator holds {} keys",
        edu_keys.len()
    );
    // … yet none opens the medical data key, and the psy-notes key is not wrapped to them.
    assert!(!opens(
        &edu_keys, &meta, &erasure, &dossier, "medical", &medical
    ));
    assert!(!opens_personal(
        &edu_id,
        &meta,
        &erasure,
        &dossier,
        "psy-notes",
        "psy",
        &psy_notes
    ));

    // The doctor cannot read the psychologist's personal notes either.
    let (doc_id, doc_keys) = attacker_keys(&store, &meta, "doc");
    assert!(!opens_personal(
        &doc_id,
        &meta,
        &erasure,
        &dossier,
        "psy-notes",
        "psy",
        &psy_notes
    ));

    // Positive controls: the same procedure succeeds for the entitled people.
    assert!(opens(
        &doc_keys, &meta, &erasure, &dossier, "medical", &medical
    ));
    let (psy_id, psy_keys) = attacker_keys(&store, &meta, "psy");
    assert!(opens_personal(
        &psy_id,
        &meta,
        &erasure,
        &dossier,
        "psy-notes",
        "psy",
        &psy_notes
    ));
    assert!(!opens(
        &psy_keys, &meta, &erasure, &dossier, "medical", &medical
    ));

    // The director, who manages staff, holds no medical key either.
    let (_, dir_keys) = attacker_keys(&store, &meta, "dir");
    assert!(!opens(
        &dir_keys, &meta, &erasure, &dossier, "medical", &medical
    ));
}

#[test]
fn ciphertext_moved_between_dossiers_entries_or_fields_fails_to_open() {
    use coffre::vault::keys::field_aad;
    let key = Key32::random().unwrap();
    let ct = envelope::seal(
        &key,
        &field_aad("v", "d1", "e1", "text", 1, "medical"),
        b"x",
    )
    .unwrap();
    assert!(envelope::open(&key, &field_aad("v", "d1", "e1", "text", 1, "medical"), &ct).is_ok());
    for wrong in [
        field_aad("v2", "d1", "e1", "text", 1, "medical"),
        field_aad("v", "d2", "e1", "text", 1, "medical"),
        field_aad("v", "d1", "e2", "text", 1, "medical"),
        field_aad("v", "d1", "e1", "reason", 1, "medical"),
        field_aad("v", "d1", "e1", "text", 2, "medical"),
        field_aad("v", "d1", "e1", "text", 1, "social"),
    ] {
        assert!(envelope::open(&key, &wrong, &ct).is_err());
    }
}

/// A session kept open (the web application keeps one per browser for hours)
/// reads nothing once its member is revoked or given another profession: the
/// library checks the signed register before every read.
#[test]
fn an_open_session_reads_nothing_after_a_revocation_or_a_change_of_profession() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let dossier = build(&dir);
    let vault = Vault::open(&dir).unwrap();
    let pass = SecretString::from(PASS);
    let mut doc = vault.unlock("doc", &pass).unwrap();
    let mut edu = vault.unlock("edu", &pass).unwrap();
    let view = doc.show_dossier(&dossier, None).unwrap();
    assert!(!view.entries.is_empty(), "the doctor reads before");
    edu.show_dossier(&dossier, None).unwrap();
    {
        let mut d = vault.unlock("dir", &pass).unwrap();
        d.revoke_staff("doc", None).unwrap();
        d.set_profession("edu", "aide-soignant", None).unwrap();
    }
    for (who, s) in [("doc", &mut doc), ("edu", &mut edu)] {
        let e = s.show_dossier(&dossier, None).unwrap_err();
        assert_eq!(e.exit_code(), 4, "{who}: {e:?}");
        assert!(s.ensure_current().is_err(), "{who}");
        assert!(s.list_dossiers().is_err(), "{who}");
        // Every other way in too (searches, objections, staff, exports…).
        assert!(s.find_dossiers("Person").is_err(), "{who}");
        assert!(s.objections(&dossier).is_err(), "{who}");
        assert!(s.list_staff().is_err(), "{who}");
        assert!(s.access_history(&dossier).is_err(), "{who}");
        let mut sink = Vec::new();
        assert!(
            s.export_dossier(&dossier, None, &mut sink).is_err(),
            "{who}"
        );
        assert!(s.backup(&mut sink).is_err(), "{who}");
        assert!(sink.is_empty(), "{who}: nothing written");
    }
    // A new session of the changed member follows the new profession.
    let mut again = vault.unlock("edu", &pass).unwrap();
    again.ensure_current().unwrap();
    again.show_dossier(&dossier, None).unwrap();
}
