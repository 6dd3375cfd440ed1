//! Storage faults: one damaged record makes only what depends on it fail (exit 5),
//! the rest stays readable, and `coffre check` names every damaged item.

use crate::util;

use coffre::store::records::{decode, encode, VersionRecord};
use coffre::store::sled_store::SledStore;
use coffre::store::{Batch, Store};
use util::TestVault;

fn setup() -> (TestVault, String, String, String) {
    let mut v = TestVault::new();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, "dr.leroy");
    let e1 = v.add_entry("dr.leroy", &d, "medical", &["text=Première note"]);
    let e2 = v.add_entry("dr.leroy", &d, "medical", &["text=Seconde note"]);
    (v, d, e1, e2)
}

/// Edits a record while no coffre process runs, as a disk fault would.
fn edit(vault: &std::path::Path, key: &str, f: impl FnOnce(Vec<u8>) -> Vec<u8>) {
    let store = SledStore::open(&vault.join("store")).expect("open the store");
    let bytes = store.get(key.as_bytes()).unwrap().expect("record exists");
    let mut b = Batch::new();
    b.put(key.as_bytes().to_vec(), f(bytes));
    store.commit(b).unwrap();
}

#[test]
fn a_damaged_field_fails_alone_and_check_names_it() {
    let (v, d, e1, e2) = setup();
    let admin = v.admin.clone();
    let rk = v.recovery.to_str().unwrap().to_string();
    v.as_user(&admin, &["check", "--recovery-key", &rk])
        .expect_code(0, "intact vault");

    edit(&v.dir, &format!("v/{d}/{e1}/00000001"), |b| {
        let mut rec: VersionRecord = decode(&b, "x").unwrap();
        let ct = &mut rec.fields[0].ciphertext;
        let mid = ct.len() / 2;
        ct[mid] ^= 0x40;
        encode(&rec).unwrap()
    });

    // The damaged entry fails; the other reads; the dossier shows the rest and
    // names the damaged entry, with exit code 5.
    v.as_user("dr.leroy", &["entry", "show", &e1])
        .expect_code(5, "damaged entry");
    let ok = v.as_user("dr.leroy", &["--json", "entry", "show", &e2]);
    ok.expect_code(0, "intact entry");
    assert_eq!(ok.json()["fields"]["text"], "Seconde note");
    let r = v.as_user("dr.leroy", &["--json", "dossier", "show", &d]);
    r.expect_code(5, "dossier with a damaged entry");
    let j: serde_json::Value = serde_json::from_str(r.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(j["damaged"], serde_json::json!([e1]));
    assert_eq!(j["entries"].as_array().unwrap().len(), 1);
    assert_eq!(j["entries"][0]["fields"]["text"], "Seconde note");
    assert!(r.stderr.contains(&e1), "{}", r.stderr);

    // check lists exactly that field.
    let c = v.as_user(&admin, &["--json", "check", "--recovery-key", &rk]);
    c.expect_code(5, "check finds the damage");
    let rep = c.json();
    let items: Vec<&str> = rep["damaged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["item"].as_str().unwrap())
        .collect();
    assert_eq!(
        items,
        vec![format!("entry {e1} field text version 1").as_str()]
    );
    assert_eq!(rep["fields_checked"], 1, "the intact field is checked too");
}

#[test]
fn an_undecodable_record_is_listed_and_other_dossiers_stay_readable() {
    let (mut v, d, e1, e2) = setup();
    let admin = v.admin.clone();
    v.add_staff("e.petit", "Élise Petit", "educateur-specialise", true);
    let d2 = v.create_dossier(&admin, "Inès Modèle", "1950-01-02");
    v.team_add(&admin, &d2, "e.petit");
    v.add_entry("e.petit", &d2, "daily-life", &["text=bonne journée"]);
    edit(&v.dir, &format!("e/{e1}"), |_| vec![0xff; 7]);
    let c = v.as_user(&admin, &["--json", "check"]);
    c.expect_code(5, "check");
    let rep = c.json();
    assert!(
        rep["damaged"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["item"] == format!("e/{e1}").as_str()),
        "{rep}"
    );
    // The other dossier is untouched.
    let r = v.as_user("e.petit", &["--json", "dossier", "show", &d2]);
    r.expect_code(0, "other dossier");
    assert_eq!(r.json()["entries"][0]["fields"]["text"], "bonne journée");
    // The dossier's list keeps a copy of each entry record: the dossier still
    // reads whole, and `check` (above) names the damaged record.
    let r = v.as_user("dr.leroy", &["--json", "dossier", "show", &d]);
    r.expect_code(0, "dossier read through the list's copy");
    // A copy listed under another entry is refused, not shown as that entry.
    let other = {
        let store = SledStore::open(&v.dir.join("store")).expect("open the store");
        store
            .get(format!("de/{d}/{e2}").as_bytes())
            .unwrap()
            .expect("e2 listed")
    };
    edit(&v.dir, &format!("de/{d}/{e1}"), |_| other);
    let r = v.as_user("dr.leroy", &["dossier", "show", &d]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    // Named as damaged (the others are still shown and checked).
    assert!(r.stderr.contains(e1.as_str()), "{}", r.stderr);
    let c = v.as_user(&admin, &["--json", "check"]);
    c.expect_code(5, "check");
    let listed = format!("de/{d}/{e1}");
    assert!(
        c.json()["damaged"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["item"] == listed.as_str()),
        "{}",
        c.json()
    );
    // With the copy damaged too, the dossier fails cleanly.
    edit(&v.dir, &format!("de/{d}/{e1}"), |_| vec![0xff; 7]);
    let r = v.as_user("dr.leroy", &["dossier", "show", &d]);
    assert_eq!(r.code, 5, "{}", r.stderr);
}
