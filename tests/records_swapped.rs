//! Records of the store deleted, rolled back or swapped between ids, by someone
//! with write access to the vault's folder (a journal record replays without
//! any key): each is either harmless or an integrity failure that names the
//! record (exit 5), never another person's data under this id nor a refusal
//! that blames the user. Also the ordinary-use faults a model of everyday work
//! found: a member who joins after a rotation reads the older notes; long-lived
//! sessions follow grants, recoveries and re-issued credentials.

use crate::util;

use std::path::Path;
use std::sync::Barrier;

use coffre::store::records::{decode, DossierRecord};
use coffre::store::{layout, Op};
use coffre::{Error, FieldInput, NewStaff, Vault};
use secrecy::SecretString;
use util::library::library_vault;

const PASS: &str = "swapped-records-passphrase";

fn pass() -> SecretString {
    SecretString::from(PASS)
}

fn note(t: &str) -> [FieldInput; 1] {
    [FieldInput::new("text", t)]
}

/// A director, a doctor and an educator; two dossiers with the same team, a
/// medical and a daily-life note in the first.
fn setup(dir: &Path) -> (String, String, String) {
    let v = library_vault(
        dir,
        PASS,
        &[("doc", "medecin"), ("edu", "educateur-specialise")],
    );
    let (d1, d2) = {
        let mut s = v.unlock("dir", &pass()).unwrap();
        let d1 = s.create_dossier("Lucas Martin", "2012-05-14").unwrap();
        let d2 = s.create_dossier("Emma Petit", "2013-06-15").unwrap();
        for d in [&d1, &d2] {
            for m in ["doc", "edu"] {
                s.add_team_member(d, m).unwrap();
            }
        }
        (d1, d2)
    };
    v.unlock("doc", &pass())
        .unwrap()
        .add_entry(&d1, "medical", &note("MEDSECRET"))
        .unwrap();
    let daily = v
        .unlock("edu", &pass())
        .unwrap()
        .add_entry(&d1, "daily-life", &note("DAILY"))
        .unwrap();
    (d1, d2, daily)
}

/// The failure's English text, which must be an integrity failure naming `record`.
#[track_caller]
fn names<T: std::fmt::Debug>(r: coffre::Result<T>, record: &str) -> String {
    match r {
        Err(Error::Integrity(m)) => {
            let text = coffre::i18n::render(&m, coffre::i18n::Lang::En);
            assert!(text.contains(record), "{record} not named: {text}");
            text
        }
        other => panic!("expected an integrity failure naming {record}, got {other:?}"),
    }
}

#[test]
fn another_dossiers_record_under_this_id_never_shows_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, d2, _) = setup(dir.path());
    let other = util::stored(dir.path(), &layout::dossier(&d2)).unwrap();
    util::forge_store(dir.path(), vec![Op::Put(layout::dossier(&d1), other)]);
    let v = Vault::open(dir.path()).unwrap();
    let mut s = v.unlock("doc", &pass()).unwrap();
    let wanted = format!("d/{d1}");
    let m = names(s.show_dossier(&d1, None), &wanted);
    assert!(!m.contains("Emma"), "{m}");
    names(s.list_dossiers(), &wanted);
    names(s.find_dossiers("Lucas Martin"), &wanted);
}

#[test]
fn a_dossier_record_deleted_or_rolled_back_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, d2, _) = setup(dir.path());
    let before = util::stored(dir.path(), &layout::dossier(&d2)).unwrap();
    {
        let v = Vault::open(dir.path()).unwrap();
        v.unlock("dir", &pass())
            .unwrap()
            .close_dossier(&d2, None)
            .unwrap();
    }
    let closed_bytes = util::stored(dir.path(), &layout::dossier(&d2)).unwrap();
    let closed: DossierRecord = decode(&closed_bytes, "d").unwrap();
    assert!(closed.closed.is_some());
    // The record from before the closing: retention would never see it due.
    util::forge_store(dir.path(), vec![Op::Put(layout::dossier(&d2), before)]);
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("dir", &pass()).unwrap();
        names(s.retention_list(false), &format!("d/{d2}"));
    }
    // Deleted: it must not silently leave the lists.
    util::forge_store(
        dir.path(),
        vec![
            Op::Put(layout::dossier(&d2), closed_bytes),
            Op::Remove(layout::dossier(&d1)),
        ],
    );
    let v = Vault::open(dir.path()).unwrap();
    let mut s = v.unlock("doc", &pass()).unwrap();
    names(s.list_dossiers(), &format!("d/{d1}"));
}

#[test]
fn a_members_record_swapped_deleted_or_rolled_back_is_not_a_wrong_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let (..) = setup(dir.path());
    let older = util::stored(dir.path(), &layout::staff("doc")).unwrap();
    let new_pass = SecretString::from("a new passphrase for the doctor, long enough");
    {
        let v = Vault::open(dir.path()).unwrap();
        v.unlock("doc", &pass())
            .unwrap()
            .change_passphrase(&new_pass)
            .unwrap();
    }
    let current = util::stored(dir.path(), &layout::staff("doc")).unwrap();
    // The record from before `staff passwd`.
    util::forge_store(dir.path(), vec![Op::Put(layout::staff("doc"), older)]);
    {
        let v = Vault::open(dir.path()).unwrap();
        names(v.unlock("doc", &new_pass), "s/doc");
    }
    // The educator's record in the doctor's place.
    let edu = util::stored(dir.path(), &layout::staff("edu")).unwrap();
    util::forge_store(dir.path(), vec![Op::Put(layout::staff("doc"), edu)]);
    {
        let v = Vault::open(dir.path()).unwrap();
        names(v.unlock("doc", &new_pass), "s/doc");
        names(
            v.unlock("dir", &pass()).and_then(|mut s| s.list_staff()),
            "s/doc",
        );
    }
    // Deleted: not an unknown user.
    util::forge_store(dir.path(), vec![Op::Remove(layout::staff("doc"))]);
    {
        let v = Vault::open(dir.path()).unwrap();
        names(v.unlock("doc", &new_pass), "s/doc");
    }
    // Put back, everything works again.
    util::forge_store(dir.path(), vec![Op::Put(layout::staff("doc"), current)]);
    let v = Vault::open(dir.path()).unwrap();
    v.unlock("doc", &new_pass).unwrap();
}

#[test]
fn an_entry_locator_deleted_or_redirected_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (_, d2, daily) = setup(dir.path());
    util::forge_store(dir.path(), vec![Op::Remove(layout::entry(&daily))]);
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("edu", &pass()).unwrap();
        names(s.show_entry(&daily, None), &format!("e/{daily}"));
    }
    util::forge_store(
        dir.path(),
        vec![Op::Put(layout::entry(&daily), d2.as_bytes().to_vec())],
    );
    let v = Vault::open(dir.path()).unwrap();
    let mut s = v.unlock("edu", &pass()).unwrap();
    names(s.show_entry(&daily, None), &format!("e/{daily}"));
    // An id nobody wrote is still simply not found.
    assert!(matches!(
        s.show_entry("e-0000000000000deadbeef", None),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn a_data_key_deleted_is_named_not_blamed_on_the_entries() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, _, daily) = setup(dir.path());
    util::forge_store(
        dir.path(),
        vec![Op::Remove(layout::data_key(&d1, "daily-life", None))],
    );
    let v = Vault::open(dir.path()).unwrap();
    let mut s = v.unlock("edu", &pass()).unwrap();
    let wanted = format!("dk/{d1}/daily-life/*");
    names(s.show_dossier(&d1, None), &wanted);
    names(s.show_entry(&daily, None), &wanted);
    let mut d = v.unlock("dir", &pass()).unwrap();
    let report = d.check(None).unwrap();
    assert!(
        report.damaged.iter().any(|x| x.item == wanted),
        "check does not name {wanted}: {:?}",
        report.damaged
    );
}

/// A member who joins after a revocation, before every dossier's data key is
/// renewed (`keys rotate`), reads the older notes as their colleagues do.
#[test]
fn a_member_who_joins_after_a_rotation_reads_the_older_notes() {
    let dir = tempfile::tempdir().unwrap();
    let v = library_vault(
        dir.path(),
        PASS,
        &[("doc", "medecin"), ("doc-gone", "medecin")],
    );
    let d1 = {
        let mut s = v.unlock("dir", &pass()).unwrap();
        let d1 = s.create_dossier("Lucas Martin", "2012-05-14").unwrap();
        s.add_team_member(&d1, "doc").unwrap();
        d1
    };
    v.unlock("doc", &pass())
        .unwrap()
        .add_entry(&d1, "medical", &note("BEFORE-THE-ROTATION"))
        .unwrap();
    v.unlock("dir", &pass())
        .unwrap()
        .revoke_staff("doc-gone", None)
        .unwrap();
    // The doctor's next session rotates the medical key (no renewal yet).
    drop(v.unlock("doc", &pass()).unwrap());
    {
        let mut s = v.unlock("dir", &pass()).unwrap();
        s.add_staff(
            &NewStaff {
                id: "doc-new",
                name: "doc-new",
                profession: "medecin",
                passphrase: &pass(),
            },
            None,
        )
        .unwrap();
        s.add_team_member(&d1, "doc-new").unwrap();
    }
    {
        let mut s = v.unlock("doc", &pass()).unwrap();
        // Restricted keys need a holder's approval; grants follow.
        let _ = s.approve_staff("doc-new", None);
    }
    drop(v.unlock("doc", &pass()).unwrap());
    let mut s = v.unlock("doc-new", &pass()).unwrap();
    let view = s.show_dossier(&d1, None).unwrap();
    let text: Vec<String> = view
        .entries
        .iter()
        .flat_map(|e| e.fields.values().map(|f| f.value.clone()))
        .collect();
    assert!(
        text.iter().any(|t| t == "BEFORE-THE-ROTATION"),
        "the new doctor cannot read the note written before the rotation: {view:?}"
    );
}

/// A session opened before a colleague's grant sees the key at its next
/// request; a session whose member was recovered (new keys) ends.
#[test]
fn a_long_lived_session_follows_grants_and_recoveries() {
    let dir = tempfile::tempdir().unwrap();
    let recovery = coffre::crypto::wrap::Identity::generate();
    let copy = coffre::crypto::wrap::Identity::parse(secrecy::ExposeSecret::expose_secret(
        &recovery.to_secret_string(),
    ))
    .unwrap();
    let (v, _) = Vault::init(
        dir.path(),
        coffre::InitOptions {
            establishment: "Library".into(),
            admin_id: "dir".into(),
            admin_name: "Director".into(),
            admin_profession: "directeur".into(),
            admin_passphrase: pass(),
            kdf: coffre::crypto::kdf::KdfParams::INSECURE_FAST,
            policy: None,
            recovery: Some(copy),
        },
    )
    .unwrap();
    let d1 = {
        let mut s = v.unlock("dir", &pass()).unwrap();
        s.add_staff(
            &NewStaff {
                id: "edu",
                name: "edu",
                profession: "educateur-specialise",
                passphrase: &pass(),
            },
            None,
        )
        .unwrap();
        let d1 = s.create_dossier("Lucas Martin", "2012-05-14").unwrap();
        s.add_team_member(&d1, "edu").unwrap();
        d1
    };
    // The educator logs in before anyone granted them a key.
    let mut edu = v.unlock("edu", &pass()).unwrap();
    assert!(edu
        .add_entry(&d1, "daily-life", &note("TOO-EARLY"))
        .is_err());
    // The director grants with the recovery key while that session lasts.
    v.unlock("dir", &pass())
        .unwrap()
        .approve_staff("edu", Some(&recovery))
        .unwrap();
    edu.add_entry(&d1, "daily-life", &note("NOW"))
        .expect("the grant reaches the open session");
    // Recovered (new keys): the old session must not act or sign any more.
    v.unlock("dir", &pass())
        .unwrap()
        .recover_staff("edu", &pass(), &recovery, "the recovery key")
        .unwrap();
    assert!(matches!(
        edu.add_entry(&d1, "daily-life", &note("STALE")),
        Err(Error::Auth(_))
    ));
    drop(edu);
    drop(v);
    let out = std::process::Command::new(util::COFFRE)
        .args(["audit", "verify"])
        .env("COFFRE_LANG", "en")
        .env("COFFRE_VAULT", dir.path())
        .env_remove("COFFRE_USER")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The keys wrapped to the person are vouched for as a set: a wrap planted
/// (e.g. a key the attacker knows, wrapped to the person's public recipient,
/// so as to read their next note), removed or rolled back is named, and the
/// person's own note is never sealed under it.
#[test]
fn the_keys_wrapped_to_the_person_are_those_the_register_vouches_for() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, d2, _) = setup(dir.path());
    let person_pass = SecretString::from("the person's own passphrase, long enough");
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("dir", &pass()).unwrap();
        s.grant_person_access(&d1, &person_pass, None).unwrap();
        s.grant_person_access(&d2, &person_pass, None).unwrap();
        // The team's next read wraps the note's keys to the person.
        drop(s);
        v.unlock("doc", &pass())
            .unwrap()
            .show_dossier(&d1, None)
            .unwrap();
        let p = v.unlock_person(&d1, &person_pass).unwrap();
        p.view().unwrap();
        p.note("MY-OWN-WORDS", None).unwrap();
    }
    let identity = layout::person_key(&d1, "identity", None);
    let genuine =
        util::stored(dir.path(), &identity).expect("the identity key is wrapped to the person");
    // Another wrap in its place (here d2's, the attacker's own in the attack).
    let other = util::stored(dir.path(), &layout::person_key(&d2, "identity", None)).unwrap();
    let wanted = format!("pk/{d1}/");
    for ops in [
        vec![Op::Put(identity.clone(), other)],
        vec![Op::Remove(identity.clone())],
        vec![Op::Put(
            layout::person_key(&d1, "social", None),
            genuine.clone(),
        )],
    ] {
        util::forge_store(dir.path(), ops);
        {
            let v = Vault::open(dir.path()).unwrap();
            let p = v.unlock_person(&d1, &person_pass).unwrap();
            names(p.view(), &wanted);
            names(p.note("NEXT-NOTE", None), &wanted);
        }
        util::forge_store(
            dir.path(),
            vec![
                Op::Put(identity.clone(), genuine.clone()),
                Op::Remove(layout::person_key(&d1, "social", None)),
            ],
        );
        // Opened once, so that the journal replays before the next forgery.
        drop(Vault::open(dir.path()).unwrap());
    }
    let v = Vault::open(dir.path()).unwrap();
    let p = v.unlock_person(&d1, &person_pass).unwrap();
    p.note("NEXT-NOTE", None).expect("the genuine set put back");
}

/// Ordinary use (d): two members open the same dossier at the same time in
/// one process (the web server: a folder vault, one thread per request).
/// Each session's `sync_person_keys` reads the vouched set, adds what it can
/// open and signs a `person-keys` fact for its view of the set: without the
/// key lock around both, the last fact could miss a wrap the other thread
/// stored, and lock the person out for good.
#[test]
fn two_readers_at_once_never_leave_a_person_keys_fact_that_misses_a_wrap() {
    let dir = tempfile::tempdir().unwrap();
    let v = library_vault(
        dir.path(),
        PASS,
        &[("doc", "medecin"), ("edu", "educateur-specialise")],
    );
    let person_pass = SecretString::from("the person's own passphrase, long enough");
    const N: usize = 12;
    let mut dossiers = Vec::new();
    {
        let mut s = v.unlock("dir", &pass()).unwrap();
        for i in 0..N {
            let d = s
                .create_dossier(&format!("Person {i}"), "2012-05-14")
                .unwrap();
            s.add_team_member(&d, "doc").unwrap();
            s.add_team_member(&d, "edu").unwrap();
            dossiers.push(d);
        }
    }
    {
        let mut doc = v.unlock("doc", &pass()).unwrap();
        let mut edu = v.unlock("edu", &pass()).unwrap();
        for d in &dossiers {
            doc.add_entry(d, "medical", &note("MED")).unwrap();
            edu.add_entry(d, "daily-life", &note("DAILY")).unwrap();
        }
    }
    {
        // The director holds neither key: medical and daily-life stay pending.
        let mut s = v.unlock("dir", &pass()).unwrap();
        for d in &dossiers {
            s.grant_person_access(d, &person_pass, None).unwrap();
        }
    }
    let barrier = Barrier::new(2);
    std::thread::scope(|scope| {
        for who in ["doc", "edu"] {
            let (v, barrier, dossiers) = (&v, &barrier, &dossiers);
            scope.spawn(move || {
                let mut s = v.unlock(who, &pass()).unwrap();
                for d in dossiers {
                    barrier.wait();
                    let _ = s.show_dossier(d, None);
                }
            });
        }
    });
    let mut broken = Vec::new();
    for d in &dossiers {
        let p = v.unlock_person(d, &person_pass).unwrap();
        if let Err(Error::Integrity(m)) = p.view() {
            broken.push((d.clone(), coffre::i18n::render(&m, coffre::i18n::Lang::En)));
        }
    }
    if let Some((d, _)) = broken.first() {
        let mut doc = v.unlock("doc", &pass()).unwrap();
        let read = doc.show_dossier(d, None).map(|_| ());
        let write = doc.add_entry(d, "care", &note("FIRST-CARE")).map(|_| ());
        eprintln!("after the race, staff read: {read:?}; staff write of a new category: {write:?}");
    }
    assert!(
        broken.is_empty(),
        "{} of {N} persons locked out by ordinary concurrent reads: {broken:?}",
        broken.len()
    );
}

/// A copy of a member's record planted under `s/x/{id}` must not make up for
/// a deleted `s/` record (the list would show one member twice and the other
/// not at all, and grants would skip them).
#[test]
fn a_planted_duplicate_never_masks_a_deleted_staff_record() {
    let dir = tempfile::tempdir().unwrap();
    let v = library_vault(
        dir.path(),
        PASS,
        &[("doc", "medecin"), ("edu", "educateur-specialise")],
    );
    drop(v);
    let doc = util::stored(dir.path(), &layout::staff("doc")).unwrap();
    util::forge_store(
        dir.path(),
        vec![
            Op::Put(b"s/zz/doc".to_vec(), doc),
            Op::Remove(layout::staff("edu")),
        ],
    );
    let v = Vault::open(dir.path()).unwrap();
    let r = v.unlock("dir", &pass()).and_then(|mut s| s.list_staff());
    match r {
        Err(Error::Integrity(_)) => {}
        other => panic!(
            "a deleted s/edu is not reported: {:?}",
            other.map(|l| l.into_iter().map(|s| s.id).collect::<Vec<_>>())
        ),
    }
}

/// Same for dossiers: a copy under `d/x/{id}` must not list the dossier twice.
#[test]
fn a_planted_duplicate_dossier_record_is_never_listed_twice() {
    let dir = tempfile::tempdir().unwrap();
    let v = library_vault(dir.path(), PASS, &[]);
    let d1 = v
        .unlock("dir", &pass())
        .unwrap()
        .create_dossier("Lucas Martin", "2012-05-14")
        .unwrap();
    drop(v);
    let rec = util::stored(dir.path(), &layout::dossier(&d1)).unwrap();
    util::forge_store(
        dir.path(),
        vec![Op::Put(format!("d/zz/{d1}").into_bytes(), rec)],
    );
    let v = Vault::open(dir.path()).unwrap();
    let r = v.unlock("dir", &pass()).and_then(|mut s| s.list_dossiers());
    match r {
        Err(Error::Integrity(_)) => {}
        Ok(l) => assert_eq!(
            l.iter().filter(|x| x.id == d1).count(),
            1,
            "the dossier is listed twice"
        ),
        Err(e) => panic!("{e:?}"),
    }
}

/// `coffre check` compares pk/ with the person-keys fact: a planted wrap (the
/// attack the fact answers) is reported.
#[test]
fn check_reports_a_planted_person_wrap() {
    let dir = tempfile::tempdir().unwrap();
    let v = library_vault(dir.path(), PASS, &[]);
    let person_pass = SecretString::from("the person's own passphrase, long enough");
    let (d1, d2) = {
        let mut s = v.unlock("dir", &pass()).unwrap();
        let d1 = s.create_dossier("Lucas Martin", "2012-05-14").unwrap();
        let d2 = s.create_dossier("Emma Petit", "2013-06-15").unwrap();
        s.grant_person_access(&d1, &person_pass, None).unwrap();
        s.grant_person_access(&d2, &person_pass, None).unwrap();
        (d1, d2)
    };
    drop(v);
    let other = util::stored(dir.path(), &layout::person_key(&d2, "identity", None)).unwrap();
    util::forge_store(
        dir.path(),
        vec![Op::Put(layout::person_key(&d1, "identity", None), other)],
    );
    let v = Vault::open(dir.path()).unwrap();
    let mut s = v.unlock("dir", &pass()).unwrap();
    let report = s.check(None).unwrap();
    assert!(
        report.damaged.iter().any(|x| x.item.starts_with("pk/")),
        "check does not name pk/: {:?}",
        report.damaged
    );
}
