//! Leaving a care team: `coffre dossier team remove` (the library's
//! `remove_team_member`, which the web's removal calls too). Allowed to those
//! who may add (care-team managers, the dossier's creator), a signed fact
//! the register replays, audited; the member removed no longer opens the
//! file, may be added again, and the vault still checks clean.

use crate::util;

use util::TestVault;

#[test]
fn a_member_leaves_a_care_team_and_may_come_back() {
    let mut v = TestVault::new();
    v.add_staff("as.team", "Sophie Assistante", "assistant-social", true);
    v.add_staff("edu.team", "Paul Educateur", "educateur-specialise", true);
    v.add_staff("inf.team", "Ines Infirmiere", "infirmier", true);
    v.add_staff("dpo.team", "Delphine Dpo", "dpo", true);
    let d = v.create_dossier("as.team", "Lucas Martin", "14/05/2012");
    v.team_add("as.team", &d, "edu.team");
    v.team_add("as.team", &d, "inf.team");
    v.as_user("edu.team", &["dossier", "show", &d])
        .expect_code(0, "a member reads");

    // Neither creator nor manager: refused, and recorded.
    v.as_user("edu.team", &["dossier", "team", "remove", &d, "inf.team"])
        .expect_code(3, "an educator may not change the team");
    v.as_user("as.team", &["dossier", "team", "remove", &d, "edu.team"])
        .expect_code(0, "the creator removes");
    v.as_user("edu.team", &["dossier", "show", &d])
        .expect_code(3, "a removed member no longer reads");
    // Not in the team (any more, or ever): a usage error, nothing recorded.
    v.as_user("as.team", &["dossier", "team", "remove", &d, "edu.team"])
        .expect_code(2, "removed twice");
    v.as_user("dir.martin", &["dossier", "team", "remove", &d, "dpo.team"])
        .expect_code(2, "never in the team");
    let team = v
        .as_user("as.team", &["--json", "dossier", "team", "list", &d])
        .json();
    assert_eq!(team, serde_json::json!(["as.team", "inf.team"]));

    // A manager removes too; the removed may be added again.
    v.as_user("dir.martin", &["dossier", "team", "remove", &d, "inf.team"])
        .expect_code(0, "a manager removes");
    v.team_add("as.team", &d, "edu.team");
    v.as_user("edu.team", &["dossier", "show", &d])
        .expect_code(0, "added again, reads again");

    let log = v.audit_log("dpo.team", &[]);
    let of = |actor: &str, outcome: &str| {
        log.iter()
            .filter(|e| {
                e["action"] == "team.remove" && e["actor"] == actor && e["outcome"] == outcome
            })
            .count()
    };
    assert_eq!(of("as.team", "ok"), 1);
    assert_eq!(of("dir.martin", "ok"), 1);
    assert_eq!(of("edu.team", "denied"), 1);
    v.verify().expect_code(0, "audit verify");
    v.as_user("dir.martin", &["check"])
        .expect_code(0, "the store agrees with the register");
}
