//! When a data protection officer leaves, the audit key rotates: justifications
//! written afterwards are encrypted to the new audit key only, and the remaining
//! DPO still reads the earlier ones.

use crate::util;

use coffre::crypto::wrap::{self, Identity};
use coffre::crypto::{envelope, kdf, Aad};
use coffre::store::records::{decode, StaffRecord, VaultMeta};
use coffre::store::sled_store::SledStore;
use coffre::store::Store;
use secrecy::SecretString;
use util::TestVault;

/// Every audit-key generation `user` can unwrap from the store, given their passphrase.
fn audit_identities(dir: &std::path::Path, user: &str, pass: &str) -> Vec<Identity> {
    let store = SledStore::open(&dir.join("store")).unwrap();
    let meta: VaultMeta = decode(&store.get(b"meta").unwrap().unwrap(), "meta").unwrap();
    let rec: StaffRecord = decode(
        &store.get(format!("s/{user}").as_bytes()).unwrap().unwrap(),
        "staff",
    )
    .unwrap();
    let key = kdf::derive(&SecretString::from(pass.to_string()), &rec.salt, &rec.kdf).unwrap();
    let aad = Aad::new("coffre/identity/v1")
        .with(meta.vault_id.as_bytes())
        .with(user.as_bytes());
    let secret = envelope::open(&key, &aad, &rec.identity_sealed).unwrap();
    let me = Identity::parse(std::str::from_utf8(&secret).unwrap()).unwrap();
    store
        .scan_prefix(b"w/audit/")
        .unwrap()
        .iter()
        .filter_map(|(_, ct)| wrap::unwrap(ct, &me).unwrap())
        .map(|m| Identity::parse(std::str::from_utf8(&m).unwrap()).unwrap())
        .collect()
}

fn justification_of(v: &TestVault, seq_text: &str) -> Vec<u8> {
    let log = std::fs::read_to_string(v.audit_path()).unwrap();
    let line = log
        .lines()
        .rev()
        .find(|l| l.contains(seq_text))
        .expect("the entry");
    let e: serde_json::Value = serde_json::from_str(line).unwrap();
    hex::decode(e["justification"].as_str().expect("a justification")).unwrap()
}

#[test]
fn a_departed_dpo_cannot_read_later_justifications() {
    let mut v = TestVault::new();
    v.add_staff("dpo.a", "DPO A", "dpo", true);
    v.add_staff("dpo.b", "DPO B", "dpo", true);
    v.add_staff("dr.nuit", "Dr Nuit", "medecin", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.as_user(
        "dr.nuit",
        &["dossier", "show", &d, "--break-glass", "AVANT le départ"],
    )
    .expect_code(0, "first break-glass");
    let pass_a = v.pass("dpo.a").to_string();
    let old_ids = audit_identities(&v.dir, "dpo.a", &pass_a);
    assert_eq!(old_ids.len(), 1);
    let before = justification_of(&v, "break-glass.open");
    assert!(old_ids
        .iter()
        .any(|k| wrap::unwrap(&before, k).unwrap().is_some()));

    v.as_user(&admin, &["staff", "revoke", "dpo.a"])
        .expect_code(0, "revoke the first DPO");
    // The second DPO unlocks: they hold the audit key, so the rotation happens now.
    v.as_user("dpo.b", &["audit", "log", "--action", "key.rotate"])
        .expect_code(0, "dpo.b works");
    v.as_user(
        "dr.nuit",
        &["dossier", "show", &d, "--break-glass", "APRES le départ"],
    )
    .expect_code(0, "second break-glass");
    let log = std::fs::read_to_string(v.audit_path()).unwrap();
    let line = log
        .lines()
        .rev()
        .find(|l| l.contains("break-glass.open"))
        .unwrap();
    let e: serde_json::Value = serde_json::from_str(line).unwrap();
    let later = hex::decode(e["justification"].as_str().unwrap()).unwrap();
    // The departed DPO, with an old copy of their key file and their passphrase,
    // opens the earlier justification but not the later one.
    assert!(old_ids
        .iter()
        .all(|k| wrap::unwrap(&later, k).unwrap().is_none()));
    // The remaining DPO reads both, in the actors' words.
    let r = v.as_user(
        "dpo.b",
        &["--json", "audit", "log", "--action", "break-glass.open"],
    );
    r.expect_code(0, "audit log");
    let texts: Vec<String> = r
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["justification_text"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert!(texts.iter().any(|t| t == "AVANT le départ"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "APRES le départ"), "{texts:?}");
}
