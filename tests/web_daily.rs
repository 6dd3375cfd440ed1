//! Daily work on the web, black-box over HTTP (`coffre serve` on a vault made
//! with the command line): the day's transmissions across a member's care
//! teams.

mod util;

use util::clock::shim;
use util::http;
use util::{marker, TestVault};

/// `/transmissions` shows the notes written today in the dossiers of the
/// member's care teams, not yesterday's and not another team's; only the
/// dossiers shown are read, each read audited with the categories shown.
#[test]
fn the_days_transmissions_show_todays_notes_of_the_members_teams() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    v.add_staff("e.autre", "Eric Autre", "educateur-specialise", true);
    let d1 = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    let d2 = v.create_dossier(&admin, "Nina Roux", "2011-03-04");
    let d3 = v.create_dossier(&admin, "Paul Blanc", "2009-04-05");
    v.team_add(&admin, &d1, "e.petit");
    v.team_add(&admin, &d2, "e.petit");
    v.team_add(&admin, &d3, "e.autre");
    let lib = shim(v.root.path());
    let yesterday = marker("hier-");
    v.as_user_at(
        &lib,
        -2 * 86_400,
        "e.petit",
        &[
            "entry",
            "add",
            &d1,
            "--kind",
            "daily-life",
            "--field",
            &format!("text={yesterday}"),
        ],
    )
    .expect_code(0, "a note two days ago");
    let today = marker("ajd-");
    v.add_entry("e.petit", &d1, "daily-life", &[&format!("text={today}")]);
    let other_team = marker("autre-");
    v.add_entry(
        "e.autre",
        &d3,
        "daily-life",
        &[&format!("text={other_team}")],
    );
    let before = v.audit_lines().len();

    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let cookie = http::login(&server.host, "e.petit", v.pass("e.petit"));
    let (status, _, page) = http::http(
        &server.host,
        "GET",
        "/transmissions",
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(&today), "today's note: {page}");
    assert!(page.contains("Lucas Martin"), "named by the person's name");
    assert!(!page.contains(&yesterday), "not an older note");
    assert!(!page.contains(&other_team), "not another team's note");
    assert!(
        !page.contains(&d2),
        "a dossier without notes today is not read"
    );
    let (_, _, home) = http::http(&server.host, "GET", "/dossiers", &[("Cookie", &cookie)], "");
    assert!(
        home.contains("href=\"/transmissions\""),
        "offered in the menu"
    );
    drop(server);

    let reads: Vec<serde_json::Value> = v.audit_lines()[before..]
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["action"] == "dossier.read" && e["actor"] == "e.petit")
        .collect();
    assert_eq!(reads.len(), 1, "one read, of the dossier shown: {reads:?}");
    assert_eq!(reads[0]["dossier"], d1.as_str());
    assert_eq!(reads[0]["detail"], "transmissions");
    assert_eq!(
        reads[0]["categories"],
        serde_json::json!(["daily-life", "identity"]),
        "the categories shown"
    );
}
