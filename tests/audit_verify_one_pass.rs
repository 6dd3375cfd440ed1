//! `audit verify` reads the log once: the lines, the register replayed from
//! them, the checkpoints' roots and the audit index's tally in one pass, the
//! checkpoints' signatures after it. Attacks by someone with write access to
//! the vault's files, each of which the earlier verification (three passes,
//! signatures first) refused or named: the one pass must refuse it too, and
//! name the same culprit.
//!
//! `Vault::verify_audit` is what `check`, `audit checkpoint --out`, the DPO's
//! report, backups, migrations and `audit verify` of a vault in PostgreSQL
//! run; `audit verify` of a folder runs the read-only verifier, which shares
//! the index's tally.

use crate::util;

use std::path::Path;

use coffre::audit::{Checkpoint, Filter};
use coffre::i18n::Lang;
use coffre::store::sled_store::SledStore;
use coffre::store::{Batch, Store};
use coffre::{FieldInput, Vault};
use secrecy::SecretString;
use util::library::library_vault;

const PASS: &str = "one-pass-verify-passphrase";

fn pass() -> SecretString {
    SecretString::from(PASS)
}

/// A director, a doctor and a DPO; a dossier with the doctor in its team, a
/// note the doctor wrote and read. Returns the dossier.
fn setup(dir: &Path) -> String {
    let v = library_vault(dir, PASS, &[("doc", "medecin"), ("dpo", "dpo")]);
    let d = {
        let mut s = v.unlock("dir", &pass()).unwrap();
        let d = s.create_dossier("Lucas Martin", "2012-05-14").unwrap();
        s.add_team_member(&d, "doc").unwrap();
        d
    };
    {
        let mut s = v.unlock("doc", &pass()).unwrap();
        s.add_entry(&d, "medical", &[FieldInput::new("text", "Une note")])
            .unwrap();
        s.show_dossier(&d, None).unwrap();
    }
    v.verify_audit(None).expect("the untouched vault verifies");
    d
}

/// `Vault::verify_audit` on the closed vault in `dir`, its failure in English.
fn verify(dir: &Path, since: Option<&Checkpoint>) -> Result<(), String> {
    let v = Vault::open(dir).expect("open");
    v.verify_audit(since)
        .map(|_| ())
        .map_err(|e| e.in_lang(Lang::En))
}

/// The entries the DPO reads for `actor` (through the audit index), or the
/// failure in English.
fn entries_of(dir: &Path, actor: &str) -> Result<usize, String> {
    let v = Vault::open(dir).expect("open");
    let mut s = v.unlock("dpo", &pass()).unwrap();
    s.audit_log(&Filter {
        actor: Some(actor.to_string()),
        ..Default::default()
    })
    .map(|e| e.len())
    .map_err(|e| e.in_lang(Lang::En))
}

/// `checkpoints.log` as records: the lines of each signed note.
fn read_blocks(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let parts: Vec<&str> = text.split("\n\n").collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i + 1 < parts.len() {
        blocks.push(format!("{}\n\n{}\n", parts[i], parts[i + 1]));
        i += 2;
    }
    blocks
}

fn write_blocks(path: &Path, blocks: &[String]) {
    let text: String = blocks.iter().map(|b| format!("{b}\n")).collect();
    std::fs::write(path, text).unwrap();
}

/// The note `block` with line `i` (1: size, 2: root) replaced by `value`.
fn with_line(block: &str, i: usize, value: &str) -> String {
    let mut lines: Vec<String> = block.lines().map(String::from).collect();
    lines[i] = value.to_string();
    lines.join("\n") + "\n"
}

/// Another base64 root of the same length.
fn other_root(root: &str) -> String {
    let mut b = root.as_bytes().to_vec();
    b[5] = if b[5] == b'A' { b'B' } else { b'A' };
    String::from_utf8(b).unwrap()
}

/// An actor's index records moved under another kind letter (`ax/a/doc/…` →
/// `ax/b/doc/…`): the member's reads vanish from the history read through
/// the index, as if the records were deleted. The earlier tally was keyed by
/// (kind, id) and named the records; the one pass must not count a record
/// of an unknown kind as the actor's.
#[test]
fn an_actors_index_moved_to_another_kind_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    setup(&dir);
    let before = entries_of(&dir, "doc").unwrap();
    assert!(before >= 3, "{before}");
    {
        let store = SledStore::open(&dir.join("store")).unwrap();
        let records = store.scan_prefix(b"ax/a/doc/").unwrap();
        assert!(!records.is_empty());
        let mut b = Batch::new();
        for (k, v) in records {
            let mut moved = k.clone();
            moved[3] = b'b';
            b.remove(k);
            b.put(moved, v);
        }
        store.commit(b).unwrap();
    }
    // The member's reads are not hidden from the history read through the
    // index: the walk of the actor chain misses them and names a record.
    let err = entries_of(&dir, "doc").expect_err("the history with the actor's index moved");
    assert!(err.contains("ax/a/doc/"), "{err}");
    let err = verify(&dir, None).expect_err("verify with the actor's index moved");
    assert!(err.contains("ax/"), "{err}");
    // The read-only verifier (`audit verify` of a folder) shares the tally.
    let err = coffre::vault::verify_read_only(&dir, None, None)
        .expect_err("read-only verify with the actor's index moved")
        .in_lang(Lang::En);
    assert!(err.contains("ax/"), "{err}");
}

/// The same with a kind letter that is not ASCII, and a dossier's records
/// moved under the actors' letter.
#[test]
fn index_records_of_other_kinds_are_never_counted_as_an_actors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let d = setup(&dir);
    let original: Vec<(Vec<u8>, Vec<u8>)> = {
        let store = SledStore::open(&dir.join("store")).unwrap();
        store.scan_prefix(b"ax/").unwrap()
    };
    let reset = |ops: Vec<(Vec<u8>, Option<Vec<u8>>)>| {
        let store = SledStore::open(&dir.join("store")).unwrap();
        let mut b = Batch::new();
        for (k, _) in store.scan_prefix(b"ax/").unwrap() {
            b.remove(k);
        }
        for (k, v) in &original {
            b.put(k.clone(), v.clone());
        }
        for (k, v) in ops {
            match v {
                Some(v) => b.put(k, v),
                None => b.remove(k),
            }
        }
        store.commit(b).unwrap();
    };
    let moved = |from: &str, to: &str| -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        let mut ops = Vec::new();
        for (k, v) in original
            .iter()
            .filter(|(k, _)| k.starts_with(from.as_bytes()))
        {
            let rest = &k[from.len()..];
            let mut to = to.as_bytes().to_vec();
            to.extend_from_slice(rest);
            ops.push((k.clone(), None));
            ops.push((to, Some(v.clone())));
        }
        assert!(!ops.is_empty(), "no record under {from}");
        ops
    };
    for (from, to) in [
        ("ax/a/doc/".to_string(), "ax/\u{e9}/doc/".to_string()),
        ("ax/a/dir/".to_string(), "ax/A/dir/".to_string()),
        (format!("ax/d/{d}/"), format!("ax/x/{d}/")),
    ] {
        reset(moved(&from, &to));
        let err = verify(&dir, None).expect_err(&format!("{from} moved to {to}"));
        assert!(err.contains("ax/"), "{from} → {to}: {err}");
    }
    reset(Vec::new());
    verify(&dir, None).expect("the index put back verifies");
}

/// A checkpoint appended to `checkpoints.log` by someone with the disk, with
/// a root of their choosing: it is the checkpoint that is forged, not the
/// entries it would cover. The earlier verification (and the independent
/// verifier, `docs/verify_audit.py`) checked every signature before any
/// root, and named the checkpoint's signature.
#[test]
fn a_forged_checkpoint_is_named_as_such_not_as_altered_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    setup(&dir);
    let path = dir.join("checkpoints.log");
    let original = read_blocks(&path);
    assert!(original.len() >= 3);
    // A copy of the latest checkpoint with another root.
    let last = original.last().unwrap();
    let root = last.lines().nth(2).unwrap();
    let mut blocks = original.clone();
    blocks.push(with_line(last, 2, &other_root(root)));
    write_blocks(&path, &blocks);
    let err = verify(&dir, None).expect_err("a forged root");
    assert!(
        err.contains("signature"),
        "names the forged checkpoint: {err}"
    );
    assert!(!err.contains("altered"), "blames no entry: {err}");
    // The size of a middle checkpoint, one less: what was signed is another size.
    let mut blocks = original.clone();
    let size: u64 = blocks[1].lines().nth(1).unwrap().parse().unwrap();
    blocks[1] = with_line(&blocks[1], 1, &(size - 1).to_string());
    write_blocks(&path, &blocks);
    let err = verify(&dir, None).expect_err("a changed size");
    assert!(
        err.contains("checkpoint #2") && err.contains("signature"),
        "{err}"
    );
    // A checkpoint claiming more entries than the log has: the log was not
    // cut, the checkpoint was forged.
    let mut blocks = original.clone();
    let size: u64 = last.lines().nth(1).unwrap().parse().unwrap();
    blocks.push(with_line(last, 1, &(size + 5).to_string()));
    write_blocks(&path, &blocks);
    let err = verify(&dir, None).expect_err("a longer checkpoint");
    assert!(err.contains("signature"), "{err}");
    write_blocks(&path, &original);
    verify(&dir, None).expect("the checkpoints put back verify");
}

/// A checkpoint kept off the machine whose root was altered (or a forged one
/// handed to the DPO) is refused for its signature: "today's log does not
/// extend the given checkpoint: entries were rewritten" would accuse the
/// vault of a rewrite it never underwent.
#[test]
fn an_altered_kept_checkpoint_is_named_not_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    setup(&dir);
    let kept = {
        let v = Vault::open(&dir).unwrap();
        v.latest_checkpoint().unwrap().unwrap()
    };
    // Entries after the kept checkpoint.
    {
        let v = Vault::open(&dir).unwrap();
        v.unlock("dir", &pass()).unwrap().list_dossiers().unwrap();
    }
    verify(&dir, Some(&kept)).expect("the log extends the kept checkpoint");
    let text = kept.to_text();
    let root = text.lines().nth(2).unwrap();
    let altered = Checkpoint::parse(&text.replacen(root, &other_root(root), 1)).unwrap();
    let err = verify(&dir, Some(&altered)).expect_err("an altered kept checkpoint");
    assert!(err.contains("given checkpoint"), "{err}");
    assert!(err.contains("signature"), "{err}");
    assert!(!err.contains("rewritten"), "accuses the log: {err}");
}

/// A line carrying a fact whose signature does not verify, appended after
/// the vault was opened (beyond the end its state records): the register is
/// replayed over every line the pass reads, so the forged fact is refused.
/// (The earlier replay stopped at the recorded end and let it through.)
#[test]
fn a_forged_fact_beyond_the_recorded_end_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    setup(&dir);
    let v = Vault::open(&dir).unwrap();
    let log = dir.join("audit.log");
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let fact = lines
        .iter()
        .rev()
        .find(|l| l.starts_with("{\"v\":7,") && l.contains("\"kind\":\"team\""))
        .expect("a team fact");
    // Its `dprev` and `aprev` made right for the new place (the chains
    // hold): only the signature is wrong.
    let about: serde_json::Value = serde_json::from_str(fact).unwrap();
    let last_about = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["dossier"] == about["dossier"])
        .map(|e| e["seq"].as_u64().unwrap())
        .last()
        .unwrap();
    let last_by = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["actor"] == about["actor"])
        .map(|e| e["seq"].as_u64().unwrap())
        .last()
        .unwrap();
    let fact = fact
        .replace(
            &format!(",\"dprev\":{},", about["dprev"]),
            &format!(",\"dprev\":{last_about},"),
        )
        .replace(
            &format!(",\"aprev\":{},", about["aprev"]),
            &format!(",\"aprev\":{last_by},"),
        );
    let fact = fact.as_str();
    let last = lines.last().unwrap();
    let seq = lines.len() + 1;
    let prev = hex::encode(coffre::audit::merkle::leaf_hash(last.as_bytes()));
    let head_end = fact.find(",\"time\":").unwrap();
    let forged = format!(
        "{{\"v\":7,\"seq\":{seq},\"prev\":\"{prev}\"{}",
        &fact[head_end..]
    );
    std::fs::write(&log, format!("{text}{forged}\n")).unwrap();
    let err = v
        .verify_audit(None)
        .expect_err("a forged fact beyond the recorded end")
        .in_lang(Lang::En);
    assert!(err.contains(&format!("entry {seq}")), "{err}");
}

/// One actor index entry deleted: named by the one pass (the tally counted on
/// the verifying threads, merged).
#[test]
fn a_deleted_actor_index_entry_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    setup(&dir);
    {
        let store = SledStore::open(&dir.join("store")).unwrap();
        let (k, v) = store.scan_prefix(b"ax/a/doc/").unwrap().remove(0);
        let mut b = Batch::new();
        if v.len() > 16 {
            // A grouped record: one pair fewer.
            b.put(k, v[..v.len() - 16].to_vec());
        } else {
            b.remove(k);
        }
        store.commit(b).unwrap();
    }
    let err = verify(&dir, None).expect_err("an index entry deleted");
    assert!(err.contains("ax/a/doc/"), "{err}");
}

/// Lines of the middle of the log altered in ways the vault's open does not
/// see (it checks the recorded last line): each refused by the one pass,
/// naming the entry. A line in the pruned form that no prune fact covers
/// (only the pass's prune check sees it: its leaf and `prev` are the
/// original line's), two lines swapped, one character of an actor, a fact
/// altered (its signature no longer verifies).
#[test]
fn middle_lines_altered_are_refused_and_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    setup(&dir);
    // Lines after the ones altered, in sessions of their own.
    for _ in 0..3 {
        let v = Vault::open(&dir).unwrap();
        v.unlock("dir", &pass()).unwrap().list_dossiers().unwrap();
    }
    let path = dir.join("audit.log");
    let original = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<String> = original.lines().map(String::from).collect();
    let n = lines.len();
    let put = |lines: &[String]| {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        assert_eq!(text.len(), original.len(), "the open's checks still hold");
        std::fs::write(&path, text).unwrap();
    };
    let read_at = lines
        .iter()
        .position(|l| l.contains("\"action\":\"dossier.read\"") && l.contains("\"actor\":\"doc\""))
        .expect("a read");
    assert!(read_at + 1 < n);
    let seq = read_at as u64 + 1;
    let names =
        |err: &str, seqs: &[u64]| seqs.iter().any(|s| util::mentions_number(err, "entry", *s));

    // Pruned form, no prune fact.
    let mut forged = lines.clone();
    let leaf = coffre::audit::merkle::leaf_hash(lines[read_at].as_bytes());
    let mut prev = [0u8; 32];
    let at = lines[read_at].find("\"prev\":\"").unwrap() + 8;
    hex::decode_to_slice(&lines[read_at][at..at + 64], &mut prev).unwrap();
    forged[read_at] = String::from_utf8(
        coffre::audit::prune::pruned_bytes(&leaf, &prev, n as u64, lines[read_at].len()).unwrap(),
    )
    .unwrap();
    put(&forged);
    let err = verify(&dir, None).expect_err("a pruned line no fact covers");
    assert!(names(&err, &[seq, n as u64]), "{err}");

    // Two lines swapped.
    let mut swapped = lines.clone();
    swapped.swap(read_at, read_at + 1);
    put(&swapped);
    let err = verify(&dir, None).expect_err("two lines swapped");
    assert!(names(&err, &[seq, seq + 1]), "{err}");

    // One character of the actor.
    let mut edited = lines.clone();
    edited[read_at] = edited[read_at].replace("\"actor\":\"doc\"", "\"actor\":\"dod\"");
    put(&edited);
    let err = verify(&dir, None).expect_err("an actor edited");
    assert!(names(&err, &[seq, seq + 1]), "{err}");

    // A team fact naming another member.
    let team = lines
        .iter()
        .position(|l| l.contains("\"kind\":\"team\""))
        .expect("a team fact");
    let mut edited = lines.clone();
    edited[team] = edited[team].replace("\"doc\"", "\"dpo\"");
    assert_ne!(edited[team], lines[team]);
    put(&edited);
    let err = verify(&dir, None).expect_err("a fact edited");
    assert!(names(&err, &[team as u64 + 1, team as u64 + 2]), "{err}");

    put(&lines);
    verify(&dir, None).expect("the log put back verifies");
}

/// In a vault restored once from a backup, checked against a checkpoint the
/// DPO took since (the routine): the recovery recipient edited in the store
/// (backups would be encrypted to a key of the editor's choosing) is named as
/// itself, as when the register was verified apart. It is no divergence from
/// the checkpoint, and "its entries were lost with the restore, not rewritten
/// here" would explain it away.
#[test]
fn settings_forged_in_a_restored_vault_are_not_explained_by_the_restore() {
    use coffre::store::records::{decode, encode, VaultMeta};
    use util::{run_coffre, Opts};

    let tv = util::TestVault::new();
    let admin = tv.admin.clone();
    let root = tv.root.path();
    let p = |name: &str| root.join(name).to_str().unwrap().to_string();
    tv.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    tv.as_user(&admin, &["backup", "--out", &p("bk.age")])
        .expect_code(0, "backup");
    tv.create_dossier(&admin, "Inès Modèle", "1950-01-02");
    let target = root.join("restored");
    let at = |user: Option<&str>, args: &[&str]| {
        run_coffre(
            args,
            &Opts {
                vault: Some(&target),
                user,
                pass: user.map(|u| tv.pass(u)),
                ..Opts::default()
            },
        )
    };
    at(
        None,
        &[
            "restore",
            &p("bk.age"),
            "--recovery-key",
            tv.recovery.to_str().unwrap(),
        ],
    )
    .expect_code(0, "restore");
    at(Some(&admin), &["dossier", "list"]).expect_code(0, "a command after the restore");
    // The DPO's routine: a checkpoint kept off the machine, then more work.
    at(None, &["audit", "checkpoint", "--out", &p("kept.txt")])
        .expect_code(0, "a checkpoint after the restore");
    at(Some(&admin), &["dossier", "list"]).expect_code(0, "a later command");
    let kept = Checkpoint::parse(&std::fs::read_to_string(p("kept.txt")).unwrap()).unwrap();
    verify(&target, Some(&kept)).expect("the restored vault extends the kept checkpoint");
    let original = {
        let store = SledStore::open(&target.join("store")).unwrap();
        let bytes = store.get(b"meta").unwrap().unwrap();
        let mut meta: VaultMeta = decode(&bytes, "meta").unwrap();
        meta.recovery_recipient = coffre::crypto::wrap::Identity::generate().recipient();
        let mut b = Batch::new();
        b.put(b"meta".to_vec(), encode(&meta).unwrap());
        store.commit(b).unwrap();
        bytes
    };
    let err = verify(&target, Some(&kept)).expect_err("the recovery recipient edited");
    assert!(err.contains("recovery recipient"), "{err}");
    assert!(
        !err.contains("restored"),
        "explained away by the restore: {err}"
    );
    {
        let store = SledStore::open(&target.join("store")).unwrap();
        let mut b = Batch::new();
        b.put(b"meta".to_vec(), original);
        store.commit(b).unwrap();
    }
    verify(&target, Some(&kept)).expect("the settings put back");
    // Nor is a checkpoint forged after the restore, by either verifier.
    let cps = target.join("checkpoints.log");
    let mut blocks = read_blocks(&cps);
    let last = blocks.last().unwrap().clone();
    let root = last.lines().nth(2).unwrap();
    blocks.push(with_line(&last, 2, &other_root(root)));
    write_blocks(&cps, &blocks);
    let r = at(None, &["audit", "verify", "--since", &p("kept.txt")]);
    r.expect_code(5, "a forged checkpoint");
    assert!(r.stderr.contains("signature"), "{}", r.stderr);
    assert!(!r.stderr.contains("restored"), "{}", r.stderr);
    let err = verify(&target, Some(&kept)).expect_err("a forged checkpoint");
    assert!(err.contains("signature"), "{err}");
    assert!(!err.contains("restored"), "{err}");
}

/// A departed member's old key signs a checkpoint of today's log (its root
/// computed from the file): the key's window closed with the revocation, so
/// the checkpoint is refused under the keys the replayed register holds,
/// although the root it signs is right.
#[test]
fn a_departed_members_key_signs_no_later_checkpoint() {
    use coffre::audit::log_origin;
    use coffre::crypto::wrap::{secret_bytes, Identity};
    use coffre::crypto::{envelope, kdf, Aad};
    use coffre::store::records::{decode, StaffRecord, VaultMeta};

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    setup(&dir);
    // What the doctor keeps when leaving: their key file and passphrase.
    let key = {
        let store = SledStore::open(&dir.join("store")).unwrap();
        let meta: VaultMeta = decode(&store.get(b"meta").unwrap().unwrap(), "meta").unwrap();
        let rec: StaffRecord = decode(&store.get(b"s/doc").unwrap().unwrap(), "staff").unwrap();
        let pkey = kdf::derive(&pass(), &rec.salt, &rec.kdf).unwrap();
        let aad = Aad::new("coffre/identity/v1")
            .with(meta.vault_id.as_bytes())
            .with(b"doc");
        let secret = envelope::open(&pkey, &aad, &rec.identity_sealed).unwrap();
        let identity = Identity::parse(std::str::from_utf8(&secret).unwrap()).unwrap();
        coffre::audit::SigningKey::derive(&secret_bytes(&identity), &meta.vault_id).unwrap()
    };
    let path = dir.join("checkpoints.log");
    let origin = log_origin(&coffre::store::medium::FileMedium::new(
        &dir.join("audit.log"),
    ))
    .unwrap()
    .unwrap();
    let sign_today = || {
        let summary = Vault::open(&dir).unwrap().verify_audit(None).unwrap();
        let original = std::fs::read_to_string(&path).unwrap();
        let c = key.sign(&origin, summary.entries, summary.root, "doc");
        std::fs::write(&path, format!("{original}{}\n", c.to_text())).unwrap();
        assert_eq!(read_blocks(&path).len(), read_blocks_count(&original) + 1);
        original
    };
    // While a member, the key signs: the checkpoint verifies.
    let original = sign_today();
    verify(&dir, None).expect("a checkpoint by the doctor's own key");
    std::fs::write(&path, original).unwrap();
    {
        let v = Vault::open(&dir).unwrap();
        let mut s = v.unlock("dir", &pass()).unwrap();
        s.revoke_staff("doc", None).unwrap();
        s.list_dossiers().unwrap();
    }
    sign_today();
    let err = verify(&dir, None).expect_err("a checkpoint by a revoked key");
    assert!(err.contains("doc"), "{err}");
    assert!(err.contains("checkpoint key"), "{err}");
}

fn read_blocks_count(text: &str) -> usize {
    text.split("\n\n").count() / 2
}
