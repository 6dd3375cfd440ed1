//! Attacks on the records that grant rights, with only what someone with write
//! access to the vault's folder has: store records changed through a forged
//! journal record (the journal replays without any key), lines appended to the
//! audit log. Each attack must be detected where the record is *used* — unlock,
//! grant, read, care-team check, break-glass, the person's access — as an
//! integrity failure (exit code 5), and must give the attacker nothing.

use crate::util;

use std::path::Path;

use coffre::audit::merkle::leaf_hash;
use coffre::store::journal::{FileWrite, Journal, LogFile, Record, DEFAULT_CAPACITY};
use coffre::store::records::{decode, encode, StaffRecord, StaffStatus};
use coffre::store::{layout, Op};
use coffre::{Error, FieldInput, Vault};
use secrecy::SecretString;
use util::library::library_vault;

const PASS: &str = "forgery-test-passphrase";

fn pass() -> SecretString {
    SecretString::from(PASS)
}

fn note(t: &str) -> [FieldInput; 1] {
    [FieldInput::new("text", t)]
}

/// A vault with a director, a doctor, an educator, a nurse and a psychologist;
/// one dossier whose team holds all of them but the psychologist, with a
/// medical note and a daily-life note; a second dossier with no team.
fn setup(dir: &Path) -> (String, String) {
    let v = library_vault(
        dir,
        PASS,
        &[
            ("doc", "medecin"),
            ("edu", "educateur-specialise"),
            ("nur", "infirmier"),
            ("psy", "psychologue"),
        ],
    );
    let (d1, d2) = {
        let mut s = v.unlock("dir", &pass()).unwrap();
        let d1 = s.create_dossier("Lucas Martin", "2012-05-14").unwrap();
        let d2 = s.create_dossier("Emma Petit", "2013-06-15").unwrap();
        for m in ["doc", "edu", "nur"] {
            s.add_team_member(&d1, m).unwrap();
        }
        (d1, d2)
    };
    {
        let mut s = v.unlock("doc", &pass()).unwrap();
        s.add_entry(&d1, "medical", &note("MEDSECRET")).unwrap();
    }
    {
        let mut s = v.unlock("edu", &pass()).unwrap();
        s.add_entry(&d1, "daily-life", &note("DAILY")).unwrap();
    }
    (d1, d2)
}

/// Reads a store record (the vault is opened, nobody unlocks, and it is closed).
fn stored(dir: &Path, key: &[u8]) -> Option<Vec<u8>> {
    let v = Vault::open(dir).unwrap();
    v.store().get(key).unwrap()
}

/// Appends a record to the journal of a closed vault: the next open replays it.
/// No key is needed: this is what anyone with write access to the folder can do.
fn forge(dir: &Path, ops: Vec<Op>, writes: Vec<FileWrite>) {
    let (mut j, pending) = Journal::open(&dir.join("journal"), DEFAULT_CAPACITY).unwrap();
    assert!(pending.is_empty(), "the vault was not closed cleanly");
    j.append(&Record { writes, ops }).unwrap();
}

fn staff(dir: &Path, id: &str) -> StaffRecord {
    decode(&stored(dir, &layout::staff(id)).unwrap(), "staff").unwrap()
}

/// `coffre audit verify` on the vault at `dir`, as a DPO runs it.
fn audit_verify(dir: &Path) -> std::process::Output {
    std::process::Command::new(util::COFFRE)
        .args(["audit", "verify"])
        .env("COFFRE_LANG", "en")
        .env("COFFRE_VAULT", dir)
        .env_remove("COFFRE_USER")
        .output()
        .unwrap()
}

#[track_caller]
fn integrity<T: std::fmt::Debug>(r: coffre::Result<T>, what: &str) -> String {
    match r {
        Err(Error::Integrity(m)) => coffre::i18n::render(&m, coffre::i18n::Lang::En),
        other => panic!("{what}: expected an integrity failure, got {other:?}"),
    }
}

/// sec-01's kind: an educator makes themselves a doctor in the store. The next
/// doctor's unlock must not grant them the medical key: the forged record is
/// refused at the doctor's unlock (grants run there), and at the educator's.
#[test]
fn a_profession_changed_in_the_store_grants_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, _) = setup(dir.path());
    let mut edu = staff(dir.path(), "edu");
    edu.profession = "medecin".into();
    forge(
        dir.path(),
        vec![Op::Put(layout::staff("edu"), encode(&edu).unwrap())],
        vec![],
    );
    let v = Vault::open(dir.path()).unwrap();
    let m = integrity(v.unlock("doc", &pass()).map(|_| ()), "the doctor's unlock");
    assert!(m.contains("s/edu"), "the message names the record: {m}");
    drop(v);
    let v = Vault::open(dir.path()).unwrap();
    let r = v
        .unlock("edu", &pass())
        .and_then(|mut s| s.show_dossier(&d1, None));
    integrity(r, "the educator's read");
    drop(v);
    assert!(
        stored(dir.path(), &layout::wrap("cat:medical", 1, "edu")).is_none(),
        "no medical key was wrapped to the educator"
    );
}

/// A revocation undone by editing the member's status: the member stays out.
#[test]
fn a_revocation_cannot_be_undone_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("dir", &pass()).unwrap();
        s.revoke_staff("nur", None).unwrap();
    }
    let mut nur = staff(dir.path(), "nur");
    assert_eq!(nur.status, StaffStatus::Revoked);
    nur.status = StaffStatus::Active;
    forge(
        dir.path(),
        vec![Op::Put(layout::staff("nur"), encode(&nur).unwrap())],
        vec![],
    );
    let v = Vault::open(dir.path()).unwrap();
    let r = v.unlock("nur", &pass()).map(|_| ());
    match r {
        Err(Error::Integrity(_)) | Err(Error::Auth(_)) => {}
        other => panic!("a revoked member unlocked: {other:?}"),
    }
}

/// sec-05's kind: a member adds themselves to a care team in the store (in the
/// vault or in a copy of it). The care-team check refuses.
#[test]
fn a_care_team_record_added_in_the_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_, d2) = setup(dir.path());
    let team = any_team_record(dir.path());
    forge(
        dir.path(),
        vec![Op::Put(layout::team(&d2, "edu"), team)],
        vec![],
    );
    let v = Vault::open(dir.path()).unwrap();
    let mut s = v.unlock("edu", &pass()).unwrap();
    let m = integrity(
        s.show_dossier(&d2, None),
        "the educator's read outside the team",
    );
    assert!(m.contains(&format!("t/{d2}/edu")), "{m}");
}

/// A care-team record of the vault, to copy elsewhere.
fn any_team_record(dir: &Path) -> Vec<u8> {
    let v = Vault::open(dir).unwrap();
    let (_, value) = v
        .store()
        .scan_prefix(b"t/")
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    value
}

/// A break-glass window opened for someone who never broke the glass, or
/// extended beyond what was signed.
#[test]
fn a_break_glass_window_forged_or_extended_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_, d2) = setup(dir.path());
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("nur", &pass()).unwrap();
        s.show_dossier(&d2, Some("chute la nuit")).unwrap();
    }
    let bg = stored(dir.path(), &layout::break_glass(&d2, "nur")).unwrap();
    let mut rec: coffre::store::records::BreakGlassRecord = decode(&bg, "break-glass").unwrap();
    rec.until += 30 * 24 * 3600;
    // The nurse's window extended by a month; the doctor given one.
    forge(
        dir.path(),
        vec![
            Op::Put(layout::break_glass(&d2, "nur"), encode(&rec).unwrap()),
            Op::Put(layout::break_glass(&d2, "doc"), encode(&rec).unwrap()),
        ],
        vec![],
    );
    let v = Vault::open(dir.path()).unwrap();
    {
        let mut s = v.unlock("nur", &pass()).unwrap();
        integrity(s.show_dossier(&d2, None), "the extended window");
    }
    let mut s = v.unlock("doc", &pass()).unwrap();
    let m = integrity(s.show_dossier(&d2, None), "a window never opened");
    assert!(m.contains(&format!("bg/{d2}/doc")), "{m}");
}

/// A note deleted from the dossier's listing, or an amendment rolled back:
/// the dossier's content digest no longer matches.
#[test]
fn a_note_removed_or_rolled_back_in_the_store_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, _) = setup(dir.path());
    let entry = {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("edu", &pass()).unwrap();
        let view = s.show_dossier(&d1, None).unwrap();
        let e = view
            .entries
            .iter()
            .find(|e| e.kind == "daily-life")
            .unwrap()
            .id
            .clone();
        s.amend_entry(&e, &note("DAILY, corrected")).unwrap();
        e
    };
    // Roll the amendment back: version 2 gone, the header says 1 again.
    let mut header: coffre::store::records::EntryRecord = decode(
        &stored(dir.path(), &layout::dossier_entry(&d1, &entry)).unwrap(),
        "entry",
    )
    .unwrap();
    header.latest = 1;
    let bytes = encode(&header).unwrap();
    forge(
        dir.path(),
        vec![
            Op::Remove(layout::version(&d1, &entry, 2)),
            Op::Put(layout::dossier_entry(&d1, &entry), bytes),
        ],
        vec![],
    );
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("doc", &pass()).unwrap();
        // The dossier still reads, with the rolled-back entry named as damaged
        // (exit 5 on the command line) and never shown.
        let view = s.show_dossier(&d1, None).unwrap();
        assert_eq!(view.damaged, vec![entry.clone()], "a rolled-back amendment");
        assert!(view.entries.iter().all(|e| e.id != entry));
        integrity(
            s.show_entry(&entry, None),
            "a rolled-back amendment, one entry",
        );
    }
    // Delete the note from the listing altogether.
    forge(
        dir.path(),
        vec![Op::Remove(layout::dossier_entry(&d1, &entry))],
        vec![],
    );
    let v = Vault::open(dir.path()).unwrap();
    let mut s = v.unlock("doc", &pass()).unwrap();
    let m = integrity(s.show_dossier(&d1, None), "a deleted note");
    assert!(m.contains(&format!("de/{d1}")), "{m}");
}

/// A bulk import signs one content fact for the entries of a dossier in one
/// group: removing any one of them (or moving one to another dossier's
/// listing) is still detected, and the log holds one fact for the group.
#[test]
fn an_imported_note_removed_from_its_group_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, d2) = setup(dir.path());
    let facts_before = std::fs::read_to_string(dir.path().join("audit.log"))
        .unwrap()
        .matches("\"fact\":{\"kind\":\"content\"")
        .count();
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("edu", &pass()).unwrap();
        let entries = (0..5).map(|i| {
            Ok(coffre::NewEntry {
                dossier: d1.clone(),
                kind: "daily-life".into(),
                fields: vec![FieldInput::new("text", &format!("IMPORTED {i}"))],
            })
        });
        assert_eq!(s.import_entries(entries, 100, &mut |_| {}).unwrap(), 5);
    }
    let log = std::fs::read_to_string(dir.path().join("audit.log")).unwrap();
    assert_eq!(
        log.matches("\"fact\":{\"kind\":\"content\"").count(),
        facts_before + 1,
        "one signed content fact for the five entries"
    );
    let (victim, copy) = {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("edu", &pass()).unwrap();
        let view = s.show_dossier(&d1, None).unwrap();
        let imported: Vec<_> = view
            .entries
            .iter()
            .filter(|e| e.kind == "daily-life")
            .map(|e| e.id.clone())
            .collect();
        assert_eq!(imported.len(), 6);
        let victim = imported[3].clone();
        let copy = v
            .store()
            .get(&layout::dossier_entry(&d1, &victim))
            .unwrap()
            .unwrap();
        (victim, copy)
    };
    // Moved to the other dossier's listing: both listings disagree with their facts.
    forge(
        dir.path(),
        vec![
            Op::Remove(layout::dossier_entry(&d1, &victim)),
            Op::Put(layout::dossier_entry(&d2, &victim), copy),
        ],
        vec![],
    );
    let v = Vault::open(dir.path()).unwrap();
    let mut s = v.unlock("doc", &pass()).unwrap();
    let m = integrity(s.show_dossier(&d1, None), "an imported note removed");
    assert!(m.contains(&format!("de/{d1}")), "{m}");
}

/// A wrap of a key the attacker chose, put in place of a member's: whatever
/// the member would seal under it, the attacker could read. Refused on use.
#[test]
fn a_planted_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, _) = setup(dir.path());
    let doc = staff(dir.path(), "doc");
    let planted = coffre::crypto::wrap::wrap(&[7u8; 32], &[&doc.recipient]).unwrap();
    forge(
        dir.path(),
        vec![Op::Put(layout::wrap("cat:medical", 1, "doc"), planted)],
        vec![],
    );
    let v = Vault::open(dir.path()).unwrap();
    let mut s = v.unlock("doc", &pass()).unwrap();
    let m = integrity(
        s.add_entry(
            &d1,
            "medical",
            &note("would be sealed under the planted key"),
        ),
        "a write under a planted key",
    );
    assert!(m.contains("w/cat:medical"), "{m}");
}

/// The person's credential replaced by one the attacker made: their unlock
/// (with the attacker's passphrase) is refused.
#[test]
fn a_person_credential_planted_in_the_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, d2) = setup(dir.path());
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("dir", &pass()).unwrap();
        s.grant_person_access(&d1, &SecretString::from("person passphrase"), None)
            .unwrap();
    }
    // The attacker copies d1's credential record (whose passphrase they
    // learnt, say) onto d2, which never had personal access.
    let cred = stored(dir.path(), &layout::person(&d1)).unwrap();
    forge(dir.path(), vec![Op::Put(layout::person(&d2), cred)], vec![]);
    let v = Vault::open(dir.path()).unwrap();
    let r = v
        .unlock_person(&d2, &SecretString::from("person passphrase"))
        .map(|_| ());
    match r {
        Err(Error::Integrity(_)) | Err(Error::Auth(_)) => {}
        Ok(()) => panic!("a planted credential opened a dossier"),
        Err(other) => panic!("unexpected error: {other:?}"),
    }
}

/// An objection of the person removed from the store: the field decision
/// refuses to go on.
#[test]
fn an_objection_removed_in_the_store_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, _) = setup(dir.path());
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("dir", &pass()).unwrap();
        s.record_objection(&d1, "daily-life", "infirmier").unwrap();
    }
    forge(
        dir.path(),
        vec![Op::Remove(layout::objection(
            &d1,
            "daily-life",
            "infirmier",
        ))],
        vec![],
    );
    let v = Vault::open(dir.path()).unwrap();
    let mut s = v.unlock("nur", &pass()).unwrap();
    integrity(s.show_dossier(&d1, None), "a removed objection");
}

/// The audit log's last line plus a forged fact appended through the journal:
/// an unsigned care-team fact (not even a well-formed line), then one "signed
/// by" the director with a key the register never introduced. Both are
/// refused by the next opening of the vault, before it takes the line in:
/// nothing is appended after it, and no later unlock gets to use it.
#[test]
fn facts_appended_to_the_log_without_a_signers_key_are_refused() {
    for signed in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let (_, d2) = setup(dir.path());
        let log = std::fs::read(dir.path().join("audit.log")).unwrap();
        let lines: Vec<&[u8]> = log
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        let last = lines.last().unwrap();
        let prev = hex::encode(leaf_hash(last));
        let seq = lines.len() + 1;
        let fact = format!(r#"{{"kind":"team","dossier":"{d2}","member":"edu","present":true}}"#);
        let head = format!(
            r#"{{"v":3,"seq":{seq},"prev":"{prev}","time":"2026-11-30T10:00:00Z","actor":"dir","profession":"directeur","action":"team.add","dossier":"{d2}","entry":null,"target":"edu","categories":[],"outcome":"ok","break_glass":false,"detail":null,"justification":null,"nonce":"00112233445566778899aabbccddeeff","fact":{fact}"#
        );
        let line = if signed {
            let key = coffre::audit::SigningKey::derive(b"attacker", "x").unwrap();
            let body = format!("{head},\"signer\":\"dir\"}}");
            let mut to_sign = coffre::audit::FACT_SIG_DOMAIN.to_vec();
            to_sign.extend_from_slice(body.as_bytes());
            let sig = hex::encode(key.sign_bytes(&to_sign));
            format!("{head},\"signer\":\"dir\",\"sig\":\"{sig}\"}}\n")
        } else {
            format!("{head}}}\n")
        };
        let line_bytes = line.into_bytes();
        let checkpoints = std::fs::read(dir.path().join("checkpoints.log")).unwrap();
        forge(
            dir.path(),
            vec![],
            vec![FileWrite {
                file: LogFile::Audit,
                offset: log.len() as u64,
                bytes: line_bytes.clone(),
            }],
        );
        let m = integrity(Vault::open(dir.path()).map(|_| ()), "a forged fact");
        assert!(
            m.contains(&format!("entry {seq}")),
            "the entry is named: {m}"
        );
        if !signed {
            assert!(m.contains("not a well-formed line"), "{m}");
        }
        // Nothing adopted it: the journal put the line back, and nothing
        // (no `audit.adopted` entry, no checkpoint) followed it.
        let after = std::fs::read(dir.path().join("audit.log")).unwrap();
        assert!(
            after.starts_with(&log) && after[log.len()..] == line_bytes[..],
            "the log ends with the forged line and nothing after it"
        );
        assert!(
            std::fs::read(dir.path().join("checkpoints.log")).unwrap() == checkpoints,
            "no checkpoint signed it"
        );
        integrity(
            Vault::open(dir.path()).map(|_| ()),
            "the same, opened again",
        );
    }
}

/// sec-02's kind: with disk access only, an audit entry is rewritten (a read
/// of one dossier turned into a read of another), the chain re-linked, every
/// checkpoint covering it re-signed with a fresh key, and that key slipped into
/// the signer's staff record as an "earlier key", the audit state updated to
/// match. Checkpoint keys come from the log's own facts, so both verifiers
/// refuse it.
#[test]
fn an_audit_entry_rewritten_and_re_signed_with_a_planted_key_fails_both_verifiers() {
    use coffre::audit::merkle::{root_of, Tree};
    use coffre::audit::{Checkpoint, LogState, SigningKey};

    let dir = tempfile::tempdir().unwrap();
    let (d1, d2) = setup(dir.path());
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("edu", &pass()).unwrap();
        s.show_dossier(&d1, None).unwrap();
    }
    let log = std::fs::read(dir.path().join("audit.log")).unwrap();
    let mut lines: Vec<Vec<u8>> = log
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| l.to_vec())
        .collect();
    let target = lines
        .iter()
        .rposition(|l| {
            let s = String::from_utf8_lossy(l);
            s.contains("\"actor\":\"edu\"") && s.contains("\"action\":\"dossier.read\"")
        })
        .unwrap();
    let text = String::from_utf8(lines[target].clone()).unwrap();
    lines[target] = text.replace(&d1, &d2).into_bytes();
    // The dossier chain made right again (`dprev`), each line kept at its
    // length by its nonce's padding: only the signatures can tell.
    let mut last: std::collections::HashMap<String, u64> = Default::default();
    for l in lines.iter_mut() {
        let e: serde_json::Value = serde_json::from_slice(l).unwrap();
        let (Some(d), Some(dprev)) = (e["dossier"].as_str(), e["dprev"].as_u64()) else {
            continue;
        };
        let want = last.get(d).copied().unwrap_or(0);
        last.insert(d.to_string(), e["seq"].as_u64().unwrap());
        if want == dprev {
            continue;
        }
        let s = String::from_utf8(l.clone()).unwrap();
        let mut fixed = s.replace(
            &format!(",\"dprev\":{dprev},"),
            &format!(",\"dprev\":{want},"),
        );
        let nonce = e["nonce"].as_str().unwrap();
        let pad = nonce.len() as i64 - (fixed.len() as i64 - s.len() as i64);
        assert!(pad >= 32, "room in the padding");
        fixed = fixed.replace(
            &format!("\"nonce\":\"{nonce}\""),
            &format!(
                "\"nonce\":\"{:0<width$}\"",
                &nonce[..32],
                width = pad as usize
            ),
        );
        assert_eq!(fixed.len(), s.len());
        *l = fixed.into_bytes();
    }
    // Re-link every line after it (same lengths: offsets do not move).
    for i in target + 1..lines.len() {
        let prev = hex::encode(leaf_hash(&lines[i - 1]));
        let s = String::from_utf8(lines[i].clone()).unwrap();
        let at = s.find("\"prev\":\"").unwrap() + 8;
        lines[i] = format!("{}{}{}", &s[..at], prev, &s[at + 64..]).into_bytes();
    }
    let leaves: Vec<[u8; 32]> = lines.iter().map(|l| leaf_hash(l)).collect();
    let mut rewritten = Vec::new();
    for l in &lines {
        rewritten.extend_from_slice(l);
        rewritten.push(b'\n');
    }
    // Every checkpoint re-signed with the attacker's key, under its signer's name.
    let attacker = SigningKey::from_seed(&[9u8; 32]).unwrap();
    let origin = coffre::audit::checkpoint::origin_for(&leaves[0]);
    let cps = Checkpoint::parse_many(
        &std::fs::read_to_string(dir.path().join("checkpoints.log")).unwrap(),
    )
    .unwrap();
    let mut out = String::new();
    let mut signers = std::collections::BTreeSet::new();
    for c in &cps {
        let signer = c.claimed_signer().unwrap().to_string();
        let size = c.size as usize;
        let forged = attacker.sign(&origin, c.size, root_of(&leaves[..size]), &signer);
        out.push_str(&forged.to_text());
        out.push('\n');
        signers.insert(signer);
    }
    // The planted key as each signer's "earlier key", and the audit state.
    let mut ops = Vec::new();
    for id in &signers {
        let mut rec = staff(dir.path(), id);
        rec.previous_signing_keys.push(attacker.public());
        ops.push(Op::Put(layout::staff(id), encode(&rec).unwrap()));
    }
    let mut tree = Tree::new();
    for l in &leaves {
        tree.push(*l);
    }
    let state = LogState {
        size: leaves.len() as u64,
        offset: rewritten.len() as u64,
        last_leaf: *leaves.last().unwrap(),
        tree,
        checkpointed: leaves.len() as u64,
    };
    ops.push(Op::Put(layout::audit_state(), encode(&state).unwrap()));
    // And the members' signed records of where the log ended (they would give
    // the rewrite away on their own).
    {
        let v = Vault::open(dir.path()).unwrap();
        for (k, _) in v.store().scan_prefix(b"cs/").unwrap() {
            ops.push(Op::Remove(k));
        }
    }
    std::fs::write(dir.path().join("audit.log"), &rewritten).unwrap();
    std::fs::write(dir.path().join("checkpoints.log"), out).unwrap();
    forge(dir.path(), ops, vec![]);

    let run = audit_verify(dir.path());
    assert_eq!(
        run.status.code(),
        Some(5),
        "coffre audit verify accepted a re-signed log: {}",
        String::from_utf8_lossy(&run.stdout)
    );
    let why = String::from_utf8_lossy(&run.stderr);
    assert!(
        why.contains("sign") || why.contains("no longer holds"),
        "refused for the signatures or the members' records: {why}"
    );
    let py = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/verify_audit.py"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        py.status.code(),
        Some(5),
        "verify_audit.py accepted a re-signed log: {}",
        String::from_utf8_lossy(&py.stdout)
    );
    let why = String::from_utf8_lossy(&py.stdout);
    assert!(why.contains("sign"), "refused for the signatures: {why}");
}

/// `coffre check` names every record that disagrees with the signed register,
/// not only the one a given read would meet.
#[test]
fn check_names_the_forged_records() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, d2) = setup(dir.path());
    let team = any_team_record(dir.path());
    let entry = {
        let v = Vault::open(dir.path()).unwrap();
        let (k, _) = v
            .store()
            .scan_prefix(&layout::dossier_entry_prefix(&d1))
            .unwrap()
            .into_iter()
            .next()
            .unwrap();
        k
    };
    forge(
        dir.path(),
        vec![Op::Put(layout::team(&d2, "edu"), team), Op::Remove(entry)],
        vec![],
    );
    let v = Vault::open(dir.path()).unwrap();
    let mut s = v.unlock("dir", &pass()).unwrap();
    let report = s.check(None).unwrap();
    let items: Vec<&str> = report.damaged.iter().map(|d| d.item.as_str()).collect();
    assert!(items.contains(&format!("t/{d2}/…").as_str()), "{items:?}");
    assert!(items.contains(&format!("de/{d1}/…").as_str()), "{items:?}");
}

/// An author-only data key (the psychologist's personal notes) replaced by one
/// the attacker knows, wrapped to the psychologist's public recipient: their
/// next note would be readable to the attacker. Refused before it is used.
#[test]
fn a_planted_author_only_data_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, _) = setup(dir.path());
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("dir", &pass()).unwrap();
        s.add_team_member(&d1, "psy").unwrap();
        drop(s);
        let mut s = v.unlock("psy", &pass()).unwrap();
        s.add_entry(&d1, "psy-notes", &note("PSYNOTE")).unwrap();
    }
    let key = layout::data_key(&d1, "psy-notes", Some("psy"));
    let mut rec: coffre::store::records::DataKeyRecord =
        decode(&stored(dir.path(), &key).unwrap(), "data key").unwrap();
    let psy = staff(dir.path(), "psy");
    // Any bytes wrapped to the psychologist's public recipient will do here:
    // the record no longer matches the one the register recorded.
    rec.wrapped = coffre::crypto::wrap::wrap(&[3u8; 32], &[&psy.recipient]).unwrap();
    forge(
        dir.path(),
        vec![Op::Put(key, encode(&rec).unwrap())],
        vec![],
    );
    let v = Vault::open(dir.path()).unwrap();
    let mut s = v.unlock("psy", &pass()).unwrap();
    let m = integrity(
        s.add_entry(
            &d1,
            "psy-notes",
            &note("would be sealed under the planted key"),
        ),
        "a note under a planted data key",
    );
    assert!(m.contains(&format!("dk/{d1}/psy-notes/psy")), "{m}");
}

/// The end of the access trail erased with disk access: a colleague's read
/// and everything after it cut off, with the checkpoints that covered them and
/// the audit state. The reader's own signed record of where the log ended, and
/// their anchor, no longer match: their next unlock and `audit verify` refuse.
#[test]
fn the_tail_of_the_access_trail_cut_off_is_detected() {
    cut_the_tail(false);
}

/// The same, with every member's signed record and anchor removed too: the
/// checkpoints that remain name signers whose records are missing.
#[test]
fn the_tail_cut_off_with_the_members_records_removed_is_detected() {
    cut_the_tail(true);
}

fn cut_the_tail(forget: bool) {
    use coffre::audit::merkle::Tree;
    use coffre::audit::{Checkpoint, LogState};

    let dir = tempfile::tempdir().unwrap();
    let (d1, _) = setup(dir.path());
    let before = std::fs::read(dir.path().join("audit.log")).unwrap();
    let kept_lines = before
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("nur", &pass()).unwrap();
        s.show_dossier(&d1, None).unwrap();
    }
    // Back to the log as it was before the nurse's read.
    let cps = Checkpoint::parse_many(
        &std::fs::read_to_string(dir.path().join("checkpoints.log")).unwrap(),
    )
    .unwrap();
    let mut out = String::new();
    let mut last = 0;
    for c in cps.iter().filter(|c| c.size as usize <= kept_lines) {
        out.push_str(&c.to_text());
        out.push('\n');
        last = c.size;
    }
    let mut tree = Tree::new();
    let mut last_leaf = [0u8; 32];
    for l in before.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        last_leaf = leaf_hash(l);
        tree.push(last_leaf);
    }
    let state = LogState {
        size: kept_lines as u64,
        offset: before.len() as u64,
        last_leaf,
        tree,
        checkpointed: last,
    };
    let mut ops = vec![Op::Put(layout::audit_state(), encode(&state).unwrap())];
    if forget {
        let v = Vault::open(dir.path()).unwrap();
        for prefix in [&b"cs/"[..], &b"ra/"[..]] {
            for (k, _) in v.store().scan_prefix(prefix).unwrap() {
                ops.push(Op::Remove(k));
            }
        }
    }
    std::fs::write(dir.path().join("audit.log"), &before).unwrap();
    std::fs::write(dir.path().join("checkpoints.log"), out).unwrap();
    forge(dir.path(), ops, vec![]);
    // Any later command applies the forged journal record.
    drop(Vault::open(dir.path()).unwrap());
    if !forget {
        let v = Vault::open(dir.path()).unwrap();
        let m = integrity(
            v.unlock("nur", &pass()).map(|_| ()),
            "the nurse's next unlock",
        );
        assert!(m.contains("no longer holds"), "{m}");
    }
    let run = audit_verify(dir.path());
    assert_eq!(
        run.status.code(),
        Some(5),
        "audit verify accepted a cut trail: {}",
        String::from_utf8_lossy(&run.stdout)
    );
    let why = String::from_utf8_lossy(&run.stderr);
    let expected = if forget {
        "missing or older"
    } else {
        "no longer holds"
    };
    assert!(why.contains(expected), "{why}");
}

/// A dossier still in use is made to look closed long ago in the store (its
/// record's closing date and rule): the director's routine `retention apply
/// --yes` must not erase it. The closing date is checked against the signed
/// register before anything is erased.
#[test]
fn a_dossier_forged_as_closed_long_ago_is_not_erased() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, _) = setup(dir.path());
    let mut rec: coffre::store::records::DossierRecord = decode(
        &stored(dir.path(), &layout::dossier(&d1)).unwrap(),
        "dossier",
    )
    .unwrap();
    assert!(rec.closed.is_none());
    rec.closed = Some(0);
    rec.retention = Some("adulte".into());
    forge(
        dir.path(),
        vec![Op::Put(layout::dossier(&d1), encode(&rec).unwrap())],
        vec![],
    );
    let v = Vault::open(dir.path()).unwrap();
    {
        let mut s = v.unlock("dir", &pass()).unwrap();
        integrity(
            s.retention_apply(true, None, false),
            "the forged closing date",
        );
    }
    drop(v);
    let after: coffre::store::records::DossierRecord = decode(
        &stored(dir.path(), &layout::dossier(&d1)).unwrap(),
        "dossier",
    )
    .unwrap();
    assert!(after.erased.is_none(), "the dossier was erased");
    let v = Vault::open(dir.path()).unwrap();
    assert!(
        !v.store()
            .scan_prefix(&layout::data_key_prefix(&d1))
            .unwrap()
            .is_empty(),
        "the dossier's keys are gone"
    );
}

/// r3-01's kind: after a revocation has rotated the medical key, the current
/// generation put back in the store (or any planted `kg/`, `kr/` record) is
/// read by nothing: the next medical data key is sealed under the generation
/// the signed register holds, out of the revoked member's reach.
#[test]
fn a_key_generation_put_back_in_the_store_is_not_believed() {
    use coffre::store::records::DataKeyRecord;
    let dir = tempfile::tempdir().unwrap();
    let (_, d2) = setup(dir.path());
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("dir", &pass()).unwrap();
        s.revoke_staff("nur", None).unwrap();
        s.add_team_member(&d2, "doc").unwrap();
    }
    {
        // The doctor's unlock rotates what the nurse held.
        let v = Vault::open(dir.path()).unwrap();
        drop(v.unlock("doc", &pass()).unwrap());
    }
    assert!(stored(dir.path(), &layout::wrap("cat:medical", 2, "doc")).is_some());
    forge(
        dir.path(),
        vec![
            Op::Put(b"kg/cat:medical".to_vec(), 1u32.to_be_bytes().to_vec()),
            Op::Put(b"kr/cat:medical".to_vec(), b"planted".to_vec()),
        ],
        vec![],
    );
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("doc", &pass()).unwrap();
        s.add_entry(&d2, "medical", &note("AFTER THE REVOCATION"))
            .unwrap();
        assert!(s.pending_rotations().unwrap().is_empty());
    }
    let dk: DataKeyRecord = decode(
        &stored(dir.path(), &layout::data_key(&d2, "medical", None)).unwrap(),
        "data key",
    )
    .unwrap();
    assert_eq!(
        dk.key_gen, 2,
        "the new note's key is under the register's generation"
    );
    assert!(audit_verify(dir.path()).status.success());
}

/// An older copy of a member's record, from before they changed their
/// passphrase, would let the old passphrase (perhaps the one that leaked)
/// open their identity again: the signed passphrase fact refuses it.
#[test]
fn a_staff_record_rolled_back_past_a_passphrase_change_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let old = stored(dir.path(), &layout::staff("edu")).unwrap();
    let new = SecretString::from("a brand new passphrase for edu");
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("edu", &pass()).unwrap();
        s.change_passphrase(&new).unwrap();
    }
    {
        let v = Vault::open(dir.path()).unwrap();
        assert!(v.unlock("edu", &pass()).is_err(), "the old passphrase");
        drop(v.unlock("edu", &new).unwrap());
    }
    forge(dir.path(), vec![Op::Put(layout::staff("edu"), old)], vec![]);
    let v = Vault::open(dir.path()).unwrap();
    let m = integrity(
        v.unlock("edu", &pass()).map(|_| ()),
        "the old passphrase on the rolled-back record",
    );
    assert!(m.contains("s/edu"), "{m}");
}

/// What retention decides from — the rule a dossier was closed under and the
/// categories it holds — comes from the register: a rule edited in the store
/// is an integrity failure, and a data key deleted from the store does not
/// shorten the period (a medical dossier is kept 20 years).
#[test]
fn retention_decides_from_the_register() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, _) = setup(dir.path());
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("dir", &pass()).unwrap();
        s.close_dossier(&d1, Some("adulte")).unwrap();
    }
    forge(
        dir.path(),
        vec![Op::Remove(layout::data_key(&d1, "medical", None))],
        vec![],
    );
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut s = v.unlock("dir", &pass()).unwrap();
        let items = s.retention_list(false).unwrap();
        let item = items.iter().find(|i| i.dossier == d1).unwrap();
        assert_eq!(item.years, 20, "the medical data the register records");
    }
    let mut rec: coffre::store::records::DossierRecord = decode(
        &stored(dir.path(), &layout::dossier(&d1)).unwrap(),
        "dossier",
    )
    .unwrap();
    rec.retention = Some("enfance".into());
    forge(
        dir.path(),
        vec![Op::Put(layout::dossier(&d1), encode(&rec).unwrap())],
        vec![],
    );
    let v = Vault::open(dir.path()).unwrap();
    let mut s = v.unlock("dir", &pass()).unwrap();
    let m = integrity(s.retention_list(false), "a retention rule edited");
    assert!(m.contains(&format!("d/{d1}")), "{m}");
}

/// r3-11's kind: a member revoked while their session is open (as on the web)
/// never signs again — neither a fact nor the checkpoint their session would
/// sign when it ends — so the log still verifies after routine work.
#[test]
fn a_session_whose_member_was_revoked_signs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, _) = setup(dir.path());
    {
        let v = Vault::open(dir.path()).unwrap();
        let mut nurse = v.unlock("nur", &pass()).unwrap();
        nurse.show_dossier(&d1, None).unwrap();
        {
            let mut director = v.unlock("dir", &pass()).unwrap();
            director.revoke_staff("nur", None).unwrap();
        }
        assert!(nurse
            .add_entry(&d1, "care", &note("AFTER MY REVOCATION"))
            .is_err());
        // Ends here, with the revocation in the log it would have signed.
        assert!(nurse.checkpoint().map_or(true, |c| c.is_none()));
    }
    let run = audit_verify(dir.path());
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
}

/// A second factor of the attacker's own, for a colleague who has none,
/// planted through the journal with what the folder gives: (a) its record
/// alone under `sf/edu/`; (b) the record with a `second-factor` fact that
/// commits to it, appended to the log and signed with a key of the
/// attacker's (no one else's key is in the folder). (a) is named at the
/// factor's every use (unlock's check, `coffre check`) and no code is ever
/// checked against it; (b) stops the vault at open, naming the entry. Neither
/// is a way in.
#[test]
fn a_second_factor_planted_through_the_journal_is_never_a_way_in() {
    use coffre::rights::fact::second_factor_commitment;
    use coffre::store::records::VaultMeta;

    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let meta: VaultMeta = decode(&stored(dir.path(), b"meta").unwrap(), "meta").unwrap();
    // The record's bytes do not matter to the attack (the fact commits to
    // whatever they are); a real TOTP record would be sealed to edu's
    // public recipient, which the folder holds.
    let id = "totp-0badc0de";
    let record = format!("sf/edu/{id}");
    let bytes = b"attacker's authenticator".to_vec();
    let commitment = second_factor_commitment(&meta.vault_id, "edu", id, "totp", &bytes);

    // (a) The record alone.
    let copy = tempfile::tempdir().unwrap();
    setup(copy.path());
    let meta_a: VaultMeta = decode(&stored(copy.path(), b"meta").unwrap(), "meta").unwrap();
    assert_ne!(meta_a.vault_id, meta.vault_id, "a vault of its own");
    forge(
        copy.path(),
        vec![Op::Put(record.clone().into_bytes(), bytes.clone())],
        vec![],
    );
    {
        let v = Vault::open(copy.path()).unwrap();
        let mut s = v.unlock("edu", &pass()).unwrap();
        let m = integrity(v.checked_second_factors("edu").map(|_| ()), "planted");
        assert!(m.contains(&record), "named: {m}");
        let m = integrity(s.check_second_factor("123456"), "a code against it");
        assert!(m.contains(&record), "named: {m}");
        let m = integrity(s.second_factor_status(), "the member's page");
        assert!(m.contains(&record), "named: {m}");
    }
    let check = std::process::Command::new(util::COFFRE)
        .args(["check"])
        .env("COFFRE_LANG", "en")
        .env("COFFRE_VAULT", copy.path())
        .env("COFFRE_USER", "dir")
        .env("COFFRE_PASSPHRASE", PASS)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stderr).to_string()
        + &String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(5), "{said}");
    assert!(said.contains(&record), "{said}");

    // (b) The record and a fact committing to it, signed by the attacker.
    let log = std::fs::read(dir.path().join("audit.log")).unwrap();
    let lines: Vec<&[u8]> = log
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let prev = hex::encode(leaf_hash(lines.last().unwrap()));
    let seq = lines.len() + 1;
    let fact = format!(
        r#"{{"kind":"second-factor","member":"edu","id":"{id}","factor":"totp","commitment":"{commitment}"}}"#
    );
    let head = format!(
        r#"{{"v":3,"seq":{seq},"prev":"{prev}","time":"2026-11-30T10:00:00Z","actor":"edu","profession":"educateur-specialise","action":"auth.second-factor.enrol","dossier":null,"entry":null,"target":"{id}","categories":[],"outcome":"ok","break_glass":false,"detail":"totp step 1","justification":null,"nonce":"00112233445566778899aabbccddeeff","fact":{fact}"#
    );
    let key = coffre::audit::SigningKey::derive(b"attacker", "x").unwrap();
    let body = format!("{head},\"signer\":\"edu\"}}");
    let mut to_sign = coffre::audit::FACT_SIG_DOMAIN.to_vec();
    to_sign.extend_from_slice(body.as_bytes());
    let sig = hex::encode(key.sign_bytes(&to_sign));
    let line = format!("{head},\"signer\":\"edu\",\"sig\":\"{sig}\"}}\n");
    forge(
        dir.path(),
        vec![Op::Put(record.clone().into_bytes(), bytes)],
        vec![FileWrite {
            file: LogFile::Audit,
            offset: log.len() as u64,
            bytes: line.into_bytes(),
        }],
    );
    let m = integrity(Vault::open(dir.path()).map(|_| ()), "a forged fact");
    assert!(
        m.contains(&format!("entry {seq}")),
        "the entry is named: {m}"
    );
    assert!(
        !m.contains("not a well-formed line"),
        "a well-formed line, refused for its signature: {m}"
    );
    assert!(m.contains("signature"), "{m}");
    integrity(Vault::open(dir.path()).map(|_| ()), "opened again");
    let run = std::process::Command::new(util::COFFRE)
        .args(["dossier", "list"])
        .env("COFFRE_LANG", "en")
        .env("COFFRE_VAULT", dir.path())
        .env("COFFRE_USER", "edu")
        .env("COFFRE_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(5), "the member's login stops too");
}
