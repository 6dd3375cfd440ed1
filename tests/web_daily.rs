//! Daily work on the web, black-box over HTTP (`coffre serve` on a vault made
//! with the command line): the day's transmissions across a member's care
//! teams.

use crate::util;

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

/// The section of the home page listing the recent dossiers, or "".
fn recent_section(page: &str) -> &str {
    let Some(start) = page.find("id=\"recent\"") else {
        return "";
    };
    let rest = &page[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

/// The ids of the recent dossiers, in the page's order.
fn recent_ids(page: &str) -> Vec<String> {
    recent_section(page)
        .split("data-recent=\"")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .map(str::to_string)
        .collect()
}

/// The home page lists the dossiers the member opened or wrote in lately,
/// newest first, by name: not one they only saw in the day's transmissions,
/// not another member's, not one they left the team of. Building the list
/// writes no line of its own to the log (no audit read under their name).
#[test]
fn the_home_page_lists_the_members_recent_dossiers() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    v.add_staff("e.autre", "Eric Autre", "educateur-specialise", true);
    let d1 = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    let d2 = v.create_dossier(&admin, "Nina Roux", "2011-03-04");
    let d3 = v.create_dossier(&admin, "Paul Blanc", "2009-04-05");
    let d4 = v.create_dossier(&admin, "Zoé Garnier", "2012-05-06");
    for d in [&d1, &d2, &d3, &d4] {
        v.team_add(&admin, d, "e.petit");
        v.team_add(&admin, d, "e.autre");
    }
    // e.petit reads d1, then writes in d2, then reads d1 again (newest).
    v.as_user("e.petit", &["dossier", "show", &d1])
        .expect_code(0, "read d1");
    v.add_entry("e.petit", &d2, "daily-life", &["text=Sortie au parc."]);
    // A colleague's work is not hers; d3 gets a note of today, which she
    // sees only in the day's transmissions.
    v.add_entry("e.autre", &d3, "daily-life", &["text=Atelier cuisine."]);
    v.add_entry("e.autre", &d4, "daily-life", &["text=Appel famille."]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    v.as_user("e.petit", &["dossier", "show", &d1])
        .expect_code(0, "read d1 again");

    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let cookie = http::login(&host, "e.petit", v.pass("e.petit"));
    let (status, _, page) = http::http(&host, "GET", "/transmissions", &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "{page}");
    let before = v.audit_lines().len();
    let (status, _, page) = http::http(&host, "GET", "/dossiers", &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        recent_ids(&page),
        vec![d1.clone(), d2.clone()],
        "newest first, only hers: {}",
        recent_section(&page)
    );
    let section = recent_section(&page);
    assert!(section.contains("Lucas Martin"), "named: {section}");
    assert!(section.contains("Nina Roux"), "named: {section}");
    assert!(section.contains("dernier passage le"), "{section}");
    let after = v.audit_lines();
    let new: Vec<&String> = after[before..].iter().collect();
    assert!(
        new.iter().all(|l| !l.contains("\"audit.")),
        "the home page read no audit under her name: {new:?}"
    );
    assert_eq!(
        new.iter()
            .filter(|l| l.contains("\"dossier.list\""))
            .count(),
        1,
        "one list read for the home page: {new:?}"
    );

    // Opening a dossier on the web puts it first.
    let (status, _, _) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{d4}"),
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(status, 200);
    let (_, _, page) = http::http(&host, "GET", "/dossiers", &[("Cookie", &cookie)], "");
    assert_eq!(recent_ids(&page), vec![d4.clone(), d1.clone(), d2.clone()]);
    drop(server);

    // Out of d1's team, d1 leaves the list.
    v.as_user(&admin, &["dossier", "team", "remove", &d1, "e.petit"])
        .expect_code(0, "remove from d1's team");
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve2.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let cookie = http::login(&host, "e.petit", v.pass("e.petit"));
    let (_, _, page) = http::http(&host, "GET", "/dossiers", &[("Cookie", &cookie)], "");
    assert_eq!(recent_ids(&page), vec![d4.clone(), d2.clone()]);

    // Creating a dossier counts: the director's are the four he created.
    let other = http::login(&host, &admin, v.pass(&admin));
    let (_, _, page) = http::http(&host, "GET", "/dossiers", &[("Cookie", &other)], "");
    assert_eq!(recent_ids(&page), vec![d4, d3, d2, d1]);

    // A member who opened nothing has no such section.
    drop(server);
    v.add_staff("n.neuf", "Noé Neuf", "educateur-specialise", true);
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve3.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let new = http::login(&host, "n.neuf", v.pass("n.neuf"));
    let (_, _, page) = http::http(&host, "GET", "/dossiers", &[("Cookie", &new)], "");
    assert!(!page.contains("id=\"recent\""), "{page}");
}

/// The sentences of the home page's "keys on their way" section.
fn my_pending(page: &str) -> Vec<String> {
    let Some(start) = page.find("id=\"my-pending\"") else {
        return Vec::new();
    };
    let rest = &page[start..];
    let section = &rest[..rest.find("</section>").unwrap_or(rest.len())];
    section
        .split("<li>")
        .skip(1)
        .filter_map(|i| i.split("</li>").next())
        .map(|s| s.replace("&#39;", "'").replace("&#38;", "&"))
        .collect()
}

/// A new member's first page says which keys they wait for and who holds
/// each, by name; once a holder opens Coffre, those keys are no longer
/// waited for.
#[test]
fn a_new_member_is_told_who_holds_the_keys_they_wait_for() {
    let mut v = TestVault::new();
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    v.add_staff("n.neuf", "Noé Neuf", "educateur-specialise", false);
    // The command line tells the same: `coffre keys waiting`.
    let told = v.as_user("n.neuf", &["--lang", "fr", "keys", "waiting"]);
    let told = told.ok("keys pending").to_string();
    assert!(
        told.contains("Emma Petit (e.petit)") && told.contains("dès que"),
        "{told}"
    );
    assert!(!told.contains("cat:"), "{told}");
    let json = v.as_user("n.neuf", &["--json", "keys", "waiting"]).json();
    assert!(
        json["pending"].as_array().is_some_and(|l| l
            .iter()
            .any(|k| k["holders"].as_str().is_some_and(|h| h.contains("e.petit")))),
        "{json}"
    );
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let before = v.audit_lines().len();
    let newcomer = http::login(&host, "n.neuf", v.pass("n.neuf"));
    let (status, _, page) = http::http(&host, "GET", "/dossiers", &[("Cookie", &newcomer)], "");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Vos clés en attente"), "{page}");
    let waiting = my_pending(&page);
    assert!(
        waiting
            .iter()
            .any(|w| w.contains("Emma Petit (e.petit)") && w.contains("dès que")),
        "the holder named: {waiting:?}"
    );
    for w in &waiting {
        assert!(!w.contains("cat:") && !w.contains("(to approve)"), "{w}");
    }
    let lines = v.audit_lines();
    assert!(
        lines[before..].iter().all(|l| !l.contains("\"denied\"")),
        "nothing refused for showing the page"
    );

    // The holder opens Coffre: the keys she holds are handed over.
    let _holder = http::login(&host, "e.petit", v.pass("e.petit"));
    let (_, _, page) = http::http(&host, "GET", "/dossiers", &[("Cookie", &newcomer)], "");
    let after = my_pending(&page);
    assert!(
        after.iter().all(|w| !w.contains("Emma Petit")) && after.len() < waiting.len(),
        "before: {waiting:?}, after: {after:?}"
    );
}
