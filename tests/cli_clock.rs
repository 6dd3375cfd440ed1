//! The system clock judged by the vault's own history: a clock far ahead of (or
//! behind) the latest audit entry does not erase dossiers without an explicit,
//! audited `--confirm-clock`; a clock set back never dates a checkpoint before the
//! previous one, and `audit verify` and the DPO report point out entries whose
//! times go backwards.
//!
//! The real binary runs with a tiny `LD_PRELOAD` library (built here with the C
//! compiler) that shifts `clock_gettime(CLOCK_REALTIME)` by `FAKE_OFFSET` seconds.

use crate::util;

use std::path::Path;
use std::process::Command;

use util::clock::shim;
use util::{TestVault, COFFRE};

const DAY: i64 = 86_400;
const DPO: &str = "dpo.clock";

/// Runs coffre on the vault `dir` (as `user` with `pass`, if given) with the
/// clock shifted by `offset` seconds.
fn shifted_at(
    dir: &Path,
    lib: &Path,
    offset: i64,
    user: Option<(&str, &str)>,
    args: &[&str],
) -> (i32, String, String) {
    let mut cmd = Command::new(COFFRE);
    cmd.env("COFFRE_LANG", "en");
    cmd.args(args)
        .env("COFFRE_VAULT", dir)
        .env_remove("COFFRE_USER")
        .env_remove("COFFRE_PASSPHRASE")
        .env_remove("COFFRE_NEW_PASSPHRASE")
        .env("LD_PRELOAD", lib)
        .env("FAKE_OFFSET", offset.to_string());
    if let Some((u, p)) = user {
        cmd.env("COFFRE_USER", u).env("COFFRE_PASSPHRASE", p);
    }
    let out = cmd.output().expect("run coffre");
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(!e.contains("panicked"), "{e}");
    (out.status.code().unwrap_or(-1), o, e)
}

/// Runs coffre as `user` on `tv` with the clock shifted by `offset` seconds.
fn shifted(
    tv: &TestVault,
    lib: &Path,
    offset: i64,
    user: &str,
    args: &[&str],
) -> (i32, String, String) {
    let out = Command::new(COFFRE)
        .env("COFFRE_LANG", "en")
        .args(args)
        .env("COFFRE_VAULT", &tv.dir)
        .env("COFFRE_USER", user)
        .env("COFFRE_PASSPHRASE", tv.pass(user))
        .env_remove("COFFRE_NEW_PASSPHRASE")
        .env("LD_PRELOAD", lib)
        .env("FAKE_OFFSET", offset.to_string())
        .output()
        .expect("run coffre");
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(!e.contains("panicked"), "{e}");
    (out.status.code().unwrap_or(-1), o, e)
}

/// A vault with a medical note in a dossier closed just now.
fn closed_dossier() -> (TestVault, String) {
    let mut tv = TestVault::new();
    tv.add_staff("dr.clock", "Camille Docteur", "medecin", true);
    tv.add_staff(DPO, "Dora Protection", "dpo", true);
    let admin = tv.admin.clone();
    let d = tv.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    tv.team_add(&admin, &d, "dr.clock");
    tv.add_entry("dr.clock", &d, "medical", &["text=note"]);
    tv.as_user(&admin, &["dossier", "close", &d])
        .expect_code(0, "close");
    (tv, d)
}

fn audit_actions(tv: &TestVault) -> Vec<serde_json::Value> {
    std::fs::read_to_string(tv.audit_path())
        .expect("audit log")
        .lines()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect()
}

#[test]
fn a_clock_years_ahead_erases_nothing_without_an_audited_confirmation() {
    let (tv, d) = closed_dossier();
    let lib = shim(tv.root.path());
    let admin = tv.admin.clone();
    let ahead = 21 * 366 * DAY;

    // The dry run still lists (nothing is erased) but warns about the clock.
    // Its own entries are dated 21 years ahead: the erasure that follows must
    // not take them as the measure of the clock.
    let (code, _, err) = shifted(&tv, &lib, ahead, &admin, &["retention", "apply"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning") && err.contains("clock"), "{err}");

    let (code, _, err) = shifted(&tv, &lib, ahead, &admin, &["retention", "apply", "--yes"]);
    assert_eq!(code, 3, "refused by policy: {err}");
    assert!(err.contains("--confirm-clock"), "{err}");
    tv.as_user(&admin, &["dossier", "show", &d])
        .expect_code(0, "the dossier is still there");
    let refused = audit_actions(&tv)
        .into_iter()
        .any(|e| e["action"] == "retention.apply" && e["outcome"] == "denied");
    assert!(refused, "the refusal is audited");

    // Confirmed: the erasure goes ahead and the confirmation, with the offset, is audited.
    let (code, out, err) = shifted(
        &tv,
        &lib,
        ahead,
        &admin,
        &["retention", "apply", "--yes", "--confirm-clock"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&d), "{out}");
    let confirm = audit_actions(&tv)
        .into_iter()
        .find(|e| e["action"] == "clock.confirm")
        .expect("a clock.confirm entry");
    let detail = confirm["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("retention.apply") && detail.contains("after"),
        "{detail}"
    );
    let secs: i64 = detail
        .rsplit("offset ")
        .next()
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .expect("the offset in seconds");
    assert!((secs - ahead).abs() < 3600, "{secs} vs {ahead}");
}

#[test]
fn a_clock_within_the_idle_allowance_erases_what_is_due_without_a_question() {
    // With the clock back to normal, a vault idle for weeks is not questioned:
    // 30 days after the last entry is within the 45-day default.
    let (tv, _) = closed_dossier();
    let lib = shim(tv.root.path());
    let admin = tv.admin.clone();
    let (code, out, err) = shifted(
        &tv,
        &lib,
        30 * DAY,
        &admin,
        &["retention", "apply", "--yes"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("clock"), "{err}");
    assert!(out.contains("0 dossier(s) erased"), "{out}");
}

#[test]
fn a_clock_set_back_keeps_checkpoints_in_order_and_is_pointed_out() {
    let (tv, _) = closed_dossier();
    let lib = shim(tv.root.path());
    let admin = tv.admin.clone();
    let entries_before = audit_actions(&tv).len();
    // Three days back: a command writes entries (and a checkpoint) dated earlier.
    let (code, _, err) = shifted(&tv, &lib, -3 * DAY, &admin, &["dossier", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning") && err.contains("before"), "{err}");
    // The next command's reference is that command's entries; the history still
    // shows the jump back, which nobody confirmed.
    let (code, _, err) = shifted(
        &tv,
        &lib,
        -3 * DAY,
        &admin,
        &["retention", "apply", "--yes"],
    );
    assert_eq!(code, 3, "a clock behind the log is refused too: {err}");
    assert!(err.contains("jumped"), "{err}");

    // Checkpoints carry no time of their own (C2SP notes): the entries' times
    // are the evidence, and verify points them out.
    // `audit verify` succeeds but names the entries whose time goes backwards.
    let r = tv.verify();
    r.expect_code(0, "verify");
    let first_back = entries_before + 1;
    assert!(
        r.stdout.contains("warning") && r.stdout.contains(&format!("entries {first_back} to")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("go backwards"), "{}", r.stdout);

    // The DPO's report says so too.
    let r = tv.as_user(DPO, &["audit", "report"]);
    r.expect_code(0, "report");
    assert!(r.stdout.contains("go backwards"), "{}", r.stdout);
}

#[test]
fn restoring_a_backup_kept_for_months_is_not_taken_for_a_clock_jump() {
    let (tv, _) = closed_dossier();
    let lib = shim(tv.root.path());
    let admin = tv.admin.clone();
    let backup = tv.root.path().join("bk.age");
    tv.as_user(
        &admin,
        &["backup", "--out", backup.to_str().expect("utf-8")],
    )
    .expect_code(0, "backup");
    // Restored 90 days later (beyond the 45-day allowance), with a right clock.
    let target = tv.root.path().join("restored");
    let later = 90 * DAY;
    let rk = tv.recovery.to_str().expect("utf-8");
    let (code, _, err) = shifted_at(
        &target,
        &lib,
        later,
        None,
        &[
            "restore",
            backup.to_str().expect("utf-8"),
            "--recovery-key",
            rk,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let me = Some((admin.as_str(), tv.pass(&admin)));
    let (code, out, err) = shifted_at(&target, &lib, later, me, &["retention", "apply", "--yes"]);
    assert_eq!(code, 0, "the step to the restore is expected: {out}{err}");
    assert!(!err.contains("clock"), "{err}");
}

/// One member walks the clock forward in steps the step check accepts (44
/// days, within the 45-day allowance), running a command at each, until a
/// dossier closed today looks two years old. Without `--confirm-clock` the
/// erasure counts from what other members' work vouches for (today), so it
/// erases nothing; the confirmation, audited, is what lets it go ahead.
#[test]
fn a_clock_walked_forward_by_one_member_erases_nothing_without_a_confirmation() {
    let mut tv = TestVault::new();
    tv.add_staff("e.walk", "Eva Marche", "educateur-specialise", true);
    let admin = tv.admin.clone();
    let d = tv.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    tv.team_add(&admin, &d, "e.walk");
    tv.add_entry("e.walk", &d, "daily-life", &["text=note"]);
    tv.as_user(&admin, &["dossier", "close", &d])
        .expect_code(0, "close");
    let lib = shim(tv.root.path());
    let step = 44 * DAY;
    let steps = 2 * 366 * DAY / step + 1;
    for k in 1..=steps {
        let (code, _, err) = shifted(&tv, &lib, k * step, &admin, &["retention", "apply"]);
        assert_eq!(code, 0, "step {k}: {err}");
    }
    let at = steps * step;
    let (code, out, err) = shifted(&tv, &lib, at, &admin, &["retention", "apply", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 dossier(s) erased"), "{out}");
    tv.as_user("e.walk", &["dossier", "show", &d])
        .expect_code(0, "the dossier is still there");

    let (code, out, err) = shifted(
        &tv,
        &lib,
        at,
        &admin,
        &["retention", "apply", "--yes", "--confirm-clock"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 dossier(s) erased"), "{out}");
    let confirmed = audit_actions(&tv).into_iter().any(|e| {
        e["action"] == "clock.confirm"
            && e["detail"]
                .as_str()
                .is_some_and(|d| d.contains("beyond other members"))
    });
    assert!(confirmed, "the confirmation is audited");
}
