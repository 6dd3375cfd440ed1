//! A rotation hands, with the new generation of a category key, the earlier
//! generations the rotating holder has to each member who lacks them (one who
//! joined between a departure and the rotation it calls for). These tests
//! play the members who must get nothing from it — a revoked member, one who
//! left the category by a change of profession, one of a profession not
//! entitled, one not yet approved for a restricted category — and an attacker
//! who edits the store's records (deletes wraps so that a member "lacks"
//! them, plants a wrap of a key they know): the earlier generations go only to
//! whom the signed register lets hold the key, and only as the committed key.

use crate::util;

use std::path::Path;

use coffre::crypto::wrap::{self, Identity};
use coffre::crypto::{envelope, kdf, Aad};
use coffre::store::records::{decode, StaffRecord, VaultMeta};
use coffre::store::{layout, Op};
use secrecy::SecretString;
use serde_json::Value;
use util::{marker, TestVault};

const DOCTOR: &str = "dr.leroy";
const DOCTOR2: &str = "dr.roux";
const EDUC: &str = "e.blanc";
const NURSE: &str = "i.morel";
const NURSE2: &str = "l.faure";

/// The signed register, replayed from the vault's log.
fn register(dir: &Path) -> coffre::rights::Register {
    let log_text = std::fs::read_to_string(dir.join("audit.log")).unwrap();
    let first: Value = serde_json::from_str(log_text.lines().next().unwrap()).unwrap();
    let vault_id = first["fact"]["vault"].as_str().unwrap().to_string();
    let policy = coffre::policy::load(&dir.join("policy.toml")).unwrap();
    let log = coffre::store::medium::FileMedium::new(&dir.join("audit.log"));
    let end = std::fs::metadata(dir.join("audit.log")).unwrap().len();
    let mut v = coffre::rights::Verified::start(&vault_id);
    v.catch_up(&policy, &log, end).unwrap();
    v.register
}

fn current_gen(dir: &Path, key: &str) -> u32 {
    register(dir).keys.get(key).map_or(0, |c| c.len() as u32)
}

fn pending(dir: &Path) -> Vec<String> {
    register(dir).rotations.keys().cloned().collect()
}

/// The generations of `key` wrapped to `holder` in the store (closed vault).
fn gens_of(v: &TestVault, key: &str, holder: &str) -> Vec<u32> {
    let store = v.raw_store();
    let top = current_gen(&v.dir, key) + 2;
    (1..=top)
        .filter(|g| store.get(&layout::wrap(key, *g, holder)).unwrap().is_some())
        .collect()
}

fn meta(v: &TestVault) -> VaultMeta {
    decode(&v.raw_store().get(b"meta").unwrap().unwrap(), "meta").unwrap()
}

fn staff_record(v: &TestVault, user: &str) -> StaffRecord {
    decode(
        &v.raw_store().get(&layout::staff(user)).unwrap().unwrap(),
        "staff",
    )
    .unwrap()
}

/// `user`'s identity, unsealed from their record with their passphrase.
fn identity(v: &TestVault, user: &str) -> Identity {
    let meta = meta(v);
    let rec = staff_record(v, user);
    let pkey = kdf::derive(&SecretString::from(v.pass(user)), &rec.salt, &rec.kdf).unwrap();
    let aad = Aad::new("coffre/identity/v1")
        .with(meta.vault_id.as_bytes())
        .with(user.as_bytes());
    let secret = envelope::open(&pkey, &aad, &rec.identity_sealed).unwrap();
    Identity::parse(std::str::from_utf8(&secret).unwrap()).unwrap()
}

/// Whether the wrap of generation `gen` of `key` to `holder`, opened with
/// their identity, is the vault's key (the register's commitment).
fn wrap_is_committed(v: &TestVault, key: &str, gen: u32, holder: &str) -> bool {
    let ct = v
        .raw_store()
        .get(&layout::wrap(key, gen, holder))
        .unwrap()
        .unwrap();
    let m = wrap::unwrap(&ct, &identity(v, holder)).unwrap().unwrap();
    let c = coffre::rights::fact::key_commitment(&meta(v).vault_id, key, gen, &m);
    register(&v.dir).commitment(key, gen) == Some(c.as_str())
}

fn text_or_reason(v: &TestVault, user: &str, dossier: &str, entry: &str) -> String {
    let r = v.as_user(user, &["dossier", "show", dossier, "--json"]);
    r.expect_code(0, &format!("dossier show as {user}"));
    let d = r.json();
    let e = util::entry_by_id(&d, entry);
    if let Some(t) = e["fields"]["text"].as_str() {
        return t.to_string();
    }
    let w = e["withheld"]
        .as_array()
        .and_then(|w| w.iter().find(|w| w["field"] == "text"))
        .unwrap_or_else(|| panic!("field text neither shown nor withheld in {e}"));
    format!("!{}", w["reason"].as_str().unwrap_or("?"))
}

/// A restricted category: a nurse who joins between a doctor's revocation and
/// the rotation is entitled to `medical` by profession but not approved. The
/// remaining doctor's rotation gives them no generation of it, earlier or new;
/// the director (not entitled) and the revoked doctor get nothing either.
/// Once the doctor approves the nurse, both generations come, and the note
/// written before the revocation opens.
#[test]
fn an_unapproved_newcomer_gets_no_earlier_generation_of_a_restricted_key() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff(DOCTOR, "Dr Leroy", "medecin", true);
    v.add_staff(DOCTOR2, "Dr Roux", "medecin", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d, DOCTOR);
    v.team_add(&admin, &d, DOCTOR2);
    let before = marker("med-before-");
    let e = v.add_entry(DOCTOR, &d, "medical", &[&format!("text={before}")]);
    v.as_user(&admin, &["staff", "revoke", DOCTOR])
        .expect_code(0, "staff revoke");
    assert!(pending(&v.dir).contains(&"cat:medical".to_string()));
    // Added by the director without the recovery key: not approved.
    v.add_staff(NURSE, "Inès Morel", "infirmier", false);
    v.team_add(&admin, &d, NURSE);
    // The attacker with the disk removes the revoked doctor's own wrap of
    // generation 1, so that they "lack" it too.
    util::forge_store(
        &v.dir,
        vec![Op::Remove(layout::wrap("cat:medical", 1, DOCTOR))],
    );
    v.as_user(DOCTOR2, &["dossier", "list"])
        .expect_code(0, "the remaining doctor rotates");
    assert_eq!(current_gen(&v.dir, "cat:medical"), 2);
    assert_eq!(gens_of(&v, "cat:medical", NURSE), Vec::<u32>::new());
    assert_eq!(gens_of(&v, "cat:medical", &admin), Vec::<u32>::new());
    assert_eq!(gens_of(&v, "cat:medical", DOCTOR), Vec::<u32>::new());
    assert_eq!(gens_of(&v, "cat:medical", DOCTOR2), vec![1, 2]);
    assert_eq!(text_or_reason(&v, NURSE, &d, &e), "!pending");
    // Another session of the doctor (grants at unlock) still gives nothing.
    v.as_user(DOCTOR2, &["dossier", "list"])
        .expect_code(0, "the doctor again");
    assert_eq!(gens_of(&v, "cat:medical", NURSE), Vec::<u32>::new());

    v.as_user(DOCTOR2, &["staff", "approve", NURSE])
        .expect_code(0, "the doctor approves the nurse");
    assert_eq!(gens_of(&v, "cat:medical", NURSE), vec![1, 2]);
    assert!(wrap_is_committed(&v, "cat:medical", 1, NURSE));
    assert!(wrap_is_committed(&v, "cat:medical", 2, NURSE));
    assert_eq!(text_or_reason(&v, NURSE, &d, &e), before);
    assert_eq!(gens_of(&v, "cat:medical", DOCTOR), Vec::<u32>::new());
    v.verify().expect_code(0, "audit verify");
}

/// The rotation made at once with the recovery key by a director who is not
/// entitled to `daily-life`: the newcomer gets generation 1 from the recovery
/// key's wrap with generation 2; the director, the revoked doctor and the
/// unapproved newcomer's restricted keys stay out. A second departure and
/// rotation, `keys rotate`, `check` and `audit verify` then go through.
#[test]
fn a_rotation_with_the_recovery_key_hands_earlier_generations_only_to_entitled_members() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    let recovery = v.recovery.to_str().unwrap().to_string();
    v.add_staff(DOCTOR, "Dr Leroy", "medecin", true);
    v.add_staff(EDUC, "Eva Blanc", "educateur-specialise", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d, DOCTOR);
    v.team_add(&admin, &d, EDUC);
    let before = marker("daily-before-");
    let e1 = v.add_entry(EDUC, &d, "daily-life", &[&format!("text={before}")]);
    // The nurse joins before any holder of daily-life runs a command.
    v.add_staff(NURSE, "Inès Morel", "infirmier", false);
    v.team_add(&admin, &d, NURSE);
    assert_eq!(gens_of(&v, "cat:daily-life", NURSE), Vec::<u32>::new());
    v.as_user(
        &admin,
        &["staff", "revoke", DOCTOR, "--recovery-key", &recovery],
    )
    .expect_code(0, "revoke with the recovery key");
    assert_eq!(pending(&v.dir), Vec::<String>::new());
    assert_eq!(current_gen(&v.dir, "cat:daily-life"), 2);
    assert_eq!(gens_of(&v, "cat:daily-life", NURSE), vec![1, 2]);
    assert!(wrap_is_committed(&v, "cat:daily-life", 1, NURSE));
    assert_eq!(gens_of(&v, "cat:daily-life", &admin), Vec::<u32>::new());
    assert_eq!(gens_of(&v, "cat:daily-life", DOCTOR), vec![1]);
    for k in ["cat:medical", "cat:care"] {
        assert_eq!(gens_of(&v, k, NURSE), Vec::<u32>::new(), "{k}");
        assert_eq!(gens_of(&v, k, &admin), Vec::<u32>::new(), "{k}");
    }
    assert_eq!(text_or_reason(&v, NURSE, &d, &e1), before);

    // A second departure: the educator leaves; the nurse (a holder now)
    // rotates daily-life to generation 3 at her next command, and a nurse
    // who joined meanwhile gets every generation.
    v.as_user(&admin, &["staff", "revoke", EDUC])
        .expect_code(0, "revoke the educator");
    v.add_staff(NURSE2, "Léa Faure", "infirmier", false);
    v.team_add(&admin, &d, NURSE2);
    v.as_user(NURSE, &["dossier", "list"])
        .expect_code(0, "the nurse rotates");
    assert_eq!(current_gen(&v.dir, "cat:daily-life"), 3);
    assert_eq!(gens_of(&v, "cat:daily-life", NURSE2), vec![1, 2, 3]);
    assert_eq!(gens_of(&v, "cat:daily-life", EDUC), vec![1, 2]);
    assert_eq!(gens_of(&v, "cat:daily-life", DOCTOR), vec![1]);
    assert_eq!(gens_of(&v, "cat:daily-life", &admin), Vec::<u32>::new());
    assert_eq!(text_or_reason(&v, NURSE2, &d, &e1), before);
    let after = marker("daily-after-");
    let e2 = v.add_entry(NURSE, &d, "daily-life", &[&format!("text={after}")]);
    v.as_user(NURSE, &["keys", "rotate"])
        .expect_code(0, "keys rotate");
    assert_eq!(text_or_reason(&v, NURSE2, &d, &e1), before);
    assert_eq!(text_or_reason(&v, NURSE2, &d, &e2), after);
    v.as_user(&admin, &["check"]).expect_code(0, "check");
    v.verify().expect_code(0, "audit verify");
}

/// A member who left the category by a change of profession, and a revoked
/// one, whose earlier wraps an attacker deleted so that they "lack" them,
/// get none back from the rotation that hands earlier generations to a
/// newcomer.
#[test]
fn a_member_who_left_the_category_gets_no_earlier_generation_back() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff(DOCTOR, "Dr Leroy", "medecin", true);
    v.add_staff(DOCTOR2, "Dr Roux", "medecin", true);
    v.add_staff(EDUC, "Eva Blanc", "educateur-specialise", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    for m in [DOCTOR, DOCTOR2, EDUC] {
        v.team_add(&admin, &d, m);
    }
    let before = marker("daily-before-");
    let e = v.add_entry(EDUC, &d, "daily-life", &[&format!("text={before}")]);
    // The educator becomes administrative staff (no daily-life), the first
    // doctor is revoked, a nurse joins; nobody holding daily-life ran since.
    v.as_user(&admin, &["staff", "set-profession", EDUC, "administratif"])
        .expect_code(0, "set-profession");
    v.as_user(&admin, &["staff", "revoke", DOCTOR])
        .expect_code(0, "staff revoke");
    v.add_staff(NURSE, "Inès Morel", "infirmier", false);
    v.team_add(&admin, &d, NURSE);
    util::forge_store(
        &v.dir,
        vec![
            Op::Remove(layout::wrap("cat:daily-life", 1, EDUC)),
            Op::Remove(layout::wrap("cat:daily-life", 1, DOCTOR)),
        ],
    );
    v.as_user(DOCTOR2, &["dossier", "list"])
        .expect_code(0, "the remaining doctor rotates");
    assert_eq!(current_gen(&v.dir, "cat:daily-life"), 2);
    assert_eq!(gens_of(&v, "cat:daily-life", NURSE), vec![1, 2]);
    assert_eq!(gens_of(&v, "cat:daily-life", EDUC), Vec::<u32>::new());
    assert_eq!(gens_of(&v, "cat:daily-life", DOCTOR), Vec::<u32>::new());
    assert_eq!(gens_of(&v, "cat:daily-life", &admin), Vec::<u32>::new());
    assert_eq!(text_or_reason(&v, NURSE, &d, &e), before);
    assert_eq!(text_or_reason(&v, EDUC, &d, &e), "!not-permitted");
    v.verify().expect_code(0, "audit verify");
}

/// The attacker with the disk removes a newcomer's wrap of generation 1 and
/// plants, as the rotating holder's generation 1, a key they know wrapped to
/// that holder's public recipient. The rotation to generation 3 must not pass
/// the planted key on to the newcomer: it is refused against the register's
/// commitment, naming the wrap, and nothing chosen by the attacker is
/// wrapped to anyone.
#[test]
fn a_planted_earlier_generation_is_not_passed_on_by_a_rotation() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff(DOCTOR, "Dr Leroy", "medecin", true);
    v.add_staff(DOCTOR2, "Dr Roux", "medecin", true);
    v.add_staff(EDUC, "Eva Blanc", "educateur-specialise", true);
    v.add_staff(NURSE, "Inès Morel", "infirmier", false);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    for m in [DOCTOR, DOCTOR2, EDUC, NURSE] {
        v.team_add(&admin, &d, m);
    }
    v.add_entry(EDUC, &d, "daily-life", &["text=one"]);
    v.as_user(&admin, &["staff", "revoke", DOCTOR])
        .expect_code(0, "revoke");
    v.as_user(DOCTOR2, &["dossier", "list"])
        .expect_code(0, "rotation to generation 2");
    assert_eq!(current_gen(&v.dir, "cat:daily-life"), 2);
    assert_eq!(gens_of(&v, "cat:daily-life", NURSE), vec![1, 2]);
    v.as_user(&admin, &["staff", "revoke", EDUC])
        .expect_code(0, "revoke the educator");
    assert!(pending(&v.dir).contains(&"cat:daily-life".to_string()));

    let known = [7u8; 32];
    let planted = wrap::wrap(&known, &[&staff_record(&v, DOCTOR2).recipient]).unwrap();
    util::forge_store(
        &v.dir,
        vec![
            Op::Remove(layout::wrap("cat:daily-life", 1, NURSE)),
            Op::Put(layout::wrap("cat:daily-life", 1, DOCTOR2), planted),
        ],
    );
    let r = v.as_user(DOCTOR2, &["dossier", "list"]);
    r.expect_code(5, "a planted wrap is an integrity failure");
    assert!(
        r.stderr.contains("w/cat:daily-life/00000001"),
        "{}",
        r.stderr
    );
    // Whatever the nurse holds at generation 1 is the vault's key, never the
    // attacker's.
    if gens_of(&v, "cat:daily-life", NURSE).contains(&1) {
        assert!(wrap_is_committed(&v, "cat:daily-life", 1, NURSE));
    }
    let wraps = v.raw_store().scan_prefix(b"w/cat:daily-life/").unwrap();
    for (k, ct) in wraps {
        let holder = String::from_utf8_lossy(&k)
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        if holder.starts_with('~') || holder == DOCTOR2 {
            continue;
        }
        let Ok(Some(m)) = wrap::unwrap(&ct, &identity(&v, &holder)) else {
            continue;
        };
        assert_ne!(&m[..], &known[..], "{}", String::from_utf8_lossy(&k));
    }
}
