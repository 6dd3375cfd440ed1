//! A power cut loses what the page cache held: the store, `audit.log` and
//! `checkpoints.log` fall back to what was last flushed, and only what reached
//! the device survives. Coffre acknowledges a change once it is in the journal,
//! so the journal alone must bring every acknowledged change back.
//!
//! The test takes a copy of the vault's files right after the vault settled
//! (everything flushed, journal empty), makes more changes, then puts the
//! journal of that later moment beside the old files — the state a power cut
//! would leave — and opens it.

use crate::util;

use std::path::Path;

use coffre::{Error, FieldInput, Vault};
use secrecy::SecretString;

const PASS: &str = "journal-test-passphrase";

fn pass() -> SecretString {
    SecretString::from(PASS)
}

/// A vault with an educator in the care team of one dossier, and a DPO.
/// Returns the dossier id.
fn setup(dir: &Path) -> (Vault, String) {
    let v = util::library::library_vault(
        dir,
        PASS,
        &[("edu", "educateur-specialise"), ("dpo", "dpo")],
    );
    let d = {
        let mut s = v.unlock("dir", &pass()).expect("unlock");
        let d = s
            .create_dossier("Camille Journal", "2004-05-06")
            .expect("dossier");
        s.add_team_member(&d, "edu").expect("team");
        d
    };
    (v, d)
}

fn copy_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_files(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn texts(v: &Vault, d: &str) -> Vec<String> {
    let mut s = v.unlock("edu", &pass()).expect("unlock");
    let view = s.show_dossier(d, None).expect("read");
    let mut out: Vec<String> = view
        .entries
        .iter()
        .map(|e| {
            e.fields
                .get("text")
                .map_or_else(String::new, |f| f.value.clone())
        })
        .collect();
    out.sort();
    out
}

/// Builds the power-cut state: files as of the settled copy, journal as of now
/// (`signed`: after the session signed its checkpoint; otherwise just before).
/// Returns (power-cut directory, dossier, texts the live vault shows, its
/// checkpoint count).
fn power_cut(root: &Path, signed: bool) -> (std::path::PathBuf, String, Vec<String>, usize) {
    let live = root.join("live");
    let (v, d) = setup(&live);
    {
        let mut s = v.unlock("edu", &pass()).expect("unlock");
        s.add_entry(
            &d,
            "daily-life",
            &[FieldInput::new("text", "before the copy")],
        )
        .expect("add");
    }
    v.settle().expect("settle");
    let cut = root.join("cut");
    copy_files(&live, &cut);
    let journal_before = std::fs::read(cut.join("journal")).expect("journal");
    let mut unsigned_journal = None;
    {
        let mut s = v.unlock("edu", &pass()).expect("unlock");
        let mut last = String::new();
        for i in 0..5 {
            last = s
                .add_entry(
                    &d,
                    "daily-life",
                    &[FieldInput::new("text", &format!("after the copy {i}"))],
                )
                .expect("add");
        }
        s.amend_entry(&last, &[FieldInput::new("text", "amended after the copy")])
            .expect("amend");
        if !signed {
            unsigned_journal = Some(std::fs::read(live.join("journal")).expect("journal"));
        }
        s.checkpoint().expect("checkpoint");
    }
    let checkpoints = v.verify_audit(None).expect("live verify").checkpoints;
    let journal_after = match unsigned_journal {
        Some(j) => j,
        None => std::fs::read(live.join("journal")).expect("journal"),
    };
    assert_ne!(
        journal_before, journal_after,
        "the changes went through the journal"
    );
    std::fs::write(cut.join("journal"), &journal_after).expect("put journal");
    let want = texts(&v, &d);
    drop(v);
    (cut, d, want, checkpoints)
}

#[test]
fn the_journal_alone_brings_back_every_acknowledged_change() {
    let root = tempfile::tempdir().expect("tmp");
    let (cut, d, want, checkpoints) = power_cut(root.path(), true);
    let v = Vault::open(&cut).expect("open after the power cut");
    let summary = v.verify_audit(None).expect("audit verifies after replay");
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    assert_eq!(summary.checkpoints, checkpoints);
    let got = texts(&v, &d);
    assert_eq!(got, want);
    assert!(got.iter().any(|t| t.contains("amended after the copy")));
    // The audit index of the replayed entries is rebuilt from their lines.
    let history = v
        .unlock("dpo", &pass())
        .expect("unlock dpo")
        .access_history(&d)
        .expect("history");
    let count = |action: &str| history.iter().filter(|h| h.action == action).count();
    assert_eq!(count("entry.add"), 6);
    assert_eq!(count("entry.amend"), 1);
    drop(v);
    // Replayed and settled: a second open finds nothing more to do.
    let v = Vault::open(&cut).expect("second open");
    assert_eq!(texts(&v, &d), want);
}

#[test]
fn lines_restored_without_their_signed_checkpoint_are_flagged_for_the_dpo() {
    let root = tempfile::tempdir().expect("tmp");
    let (cut, d, want, _) = power_cut(root.path(), false);
    let v = Vault::open(&cut).expect("open after the power cut");
    let summary = v.verify_audit(None).expect("audit verifies after replay");
    assert!(!summary.warnings.is_empty(), "restored lines not flagged");
    for w in &summary.warnings {
        assert!(w.contains("restored from the journal"), "{w}");
    }
    assert_eq!(texts(&v, &d), want, "the data itself is all there");
}

#[test]
fn without_the_journal_the_later_changes_are_lost_but_the_vault_is_whole() {
    // The control: the copy alone is the older, consistent state.
    let root = tempfile::tempdir().expect("tmp");
    let (cut, d, want, _) = power_cut(root.path(), true);
    std::fs::remove_file(cut.join("journal")).expect("rm journal");
    let v = Vault::open(&cut).expect("open");
    v.verify_audit(None).expect("older state verifies");
    let got = texts(&v, &d);
    assert_ne!(got, want);
    assert!(!got.iter().any(|t| t.contains("after the copy ")));
}

#[test]
fn a_log_cut_below_what_the_journal_continues_is_refused() {
    let root = tempfile::tempdir().expect("tmp");
    let (cut, _, _, _) = power_cut(root.path(), true);
    let audit = cut.join("audit.log");
    let len = std::fs::metadata(&audit).expect("meta").len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&audit)
        .expect("open log");
    f.set_len(len / 2).expect("cut");
    match Vault::open(&cut) {
        Err(Error::Integrity(msg)) => {
            let text = coffre::i18n::render(&msg, coffre::i18n::Lang::En);
            assert!(text.contains("cut"), "{text}")
        }
        other => panic!("expected an integrity error, got {other:?}"),
    }
}
