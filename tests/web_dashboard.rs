//! The DPO's dashboard, black-box: a vault built with the command, reads done at
//! chosen local times (the clock shifted for each run by a tiny `LD_PRELOAD`
//! library), then the series the library computes and the pictures
//! `audit report --format html` draws are checked against those times; the
//! dashboard is refused to a member without audit rights and audited like the
//! report.

use crate::util;

use std::collections::BTreeMap;

use coffre::web::dashboard::Dashboard;
use coffre::Vault;
use secrecy::SecretString;
use util::clock::shim;
use util::{run_coffre, Opts, TestVault};

const TZ: &str = "Europe/Paris";

/// Seconds to add to the clock for it to read `hour:minute` local time, `days`
/// after today (Paris).
fn offset_to(days: i64, hour: i8, minute: i8) -> i64 {
    let now = jiff::Timestamp::now();
    let today = now
        .to_zoned_datetime(jiff::tz::TimeZone::get(TZ).unwrap())
        .date();
    let target = today
        .checked_add(jiff::Span::new().days(days))
        .unwrap()
        .at(hour, minute, 0, 0)
        .in_tz(TZ)
        .unwrap()
        .timestamp();
    target.as_second() - now.as_second()
}

fn day(days: i64) -> String {
    let now = jiff::Timestamp::now();
    let today = now
        .to_zoned_datetime(jiff::tz::TimeZone::get(TZ).unwrap())
        .date();
    today
        .checked_add(jiff::Span::new().days(days))
        .unwrap()
        .strftime("%Y-%m-%d")
        .to_string()
}

/// Bars of the picture `id` in an HTML page: (day or hour, series, count).
fn bars_in(html: &str, id: &str) -> Vec<(String, String, u64)> {
    let start = html
        .find(&format!("<svg class=\"coffre-chart\" id=\"{id}\""))
        .unwrap_or_else(|| panic!("no picture {id}"));
    let end = start + html[start..].find("</svg>").unwrap() + "</svg>".len();
    let doc = roxmltree::Document::parse(&html[start..end]).unwrap();
    doc.descendants()
        .filter(|n| n.attribute("class") == Some("bar"))
        .map(|n| {
            (
                n.attribute("data-day")
                    .or(n.attribute("data-hour"))
                    .or(n.attribute("data-actor"))
                    .unwrap()
                    .to_string(),
                n.attribute("data-series").unwrap().to_string(),
                n.attribute("data-count").unwrap().parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_dashboard_follows_the_reads_done_at_chosen_times() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    v.add_staff("dr.nuit", "Nora Nuit", "medecin", true);
    v.add_staff("e.dehors", "Eric Dehors", "educateur-specialise", true);
    v.add_staff("dpo.lambert", "Hélène Lambert", "dpo", true);
    let d = v.create_dossier(&admin, "Jeanne Usager", "1950-01-01");
    v.team_add(&admin, &d, "dr.leroy");
    v.team_add(&admin, &d, "e.petit");
    let lib = shim(v.root.path());
    let show = ["dossier", "show", d.as_str()];

    // Day +3: two reads in working hours (10:15, 10:20), one late (22:30), one refusal.
    v.as_user_at(&lib, offset_to(3, 10, 15), "dr.leroy", &show)
        .expect_code(0, "medecin reads at 10:15");
    v.as_user_at(&lib, offset_to(3, 10, 20), "e.petit", &show)
        .expect_code(0, "educateur reads at 10:20");
    v.as_user_at(&lib, offset_to(3, 22, 30), "dr.leroy", &show)
        .expect_code(0, "medecin reads at 22:30");
    v.as_user_at(&lib, offset_to(3, 22, 40), "e.dehors", &show)
        .expect_code(3, "outside the care team: refused");
    // Day +4: a failed login at 06:10, a break-the-glass at 06:15 whose
    // justification holds markup.
    let wrong = run_coffre(
        &["dossier", "list"],
        &Opts {
            vault: Some(&v.dir),
            user: Some("dr.leroy"),
            pass: Some("not-the-passphrase"),
            clock: Some((&lib, offset_to(4, 6, 10))),
            ..Opts::default()
        },
    );
    wrong.expect_code(4, "wrong passphrase");
    let just = "<script>alert('x')</script> chute la nuit & urgence";
    let mut bg = show.to_vec();
    bg.extend(["--break-glass", just]);
    v.as_user_at(&lib, offset_to(4, 6, 15), "dr.nuit", &bg)
        .expect_code(0, "break the glass at 06:15");

    // A member without audit rights is refused the report, hence its pictures.
    v.as_user_at(
        &lib,
        offset_to(5, 9, 0),
        "e.petit",
        &["audit", "report", "--format", "html"],
    )
    .expect_code(3, "an educateur may not read the DPO's pictures");

    // The DPO's HTML report, in French, drawn on day +5.
    let h = run_coffre(
        &["audit", "report", "--format", "html"],
        &Opts {
            vault: Some(&v.dir),
            user: Some("dpo.lambert"),
            pass: Some(v.pass("dpo.lambert")),
            clock: Some((&lib, offset_to(5, 9, 5))),
            lang: Some("fr"),
            ..Opts::default()
        },
    );
    h.expect_code(0, "dpo html report");
    let html = &h.stdout;
    for bad in [
        "<script", "http://", "https://", " style=", "onclick", "onload",
    ] {
        assert!(
            !html.to_lowercase().contains(bad),
            "the page contains {bad}"
        );
    }
    assert!(
        html.contains(
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; chute la nuit &amp; urgence"
        ),
        "the justification is in the break-the-glass picture, as text"
    );
    let (d3, d4) = (day(3), day(4));
    let med = "Médecin";
    let accesses = bars_in(html, "coffre-accesses");
    let on = |bars: &[(String, String, u64)], key: &str, series: &str| -> u64 {
        bars.iter()
            .filter(|b| b.0 == key && b.1.contains(series))
            .map(|b| b.2)
            .sum()
    };
    assert_eq!(on(&accesses, &d3, med), 2, "{accesses:?}");
    assert_eq!(on(&accesses, &d3, "ducat"), 1, "{accesses:?}");
    assert_eq!(
        on(&accesses, &d4, med),
        1,
        "break-the-glass read: {accesses:?}"
    );
    let refusals = bars_in(html, "coffre-refusals");
    assert_eq!(on(&refusals, &d3, ""), 1, "{refusals:?}");
    // The refusal of the report to the educateur is on day +5.
    assert_eq!(on(&refusals, &day(5), ""), 1, "{refusals:?}");
    let failed = bars_in(html, "coffre-failed");
    assert_eq!(on(&failed, &d4, ""), 1, "{failed:?}");
    assert_eq!(failed.iter().map(|b| b.2).sum::<u64>(), 1);
    let hours = bars_in(html, "coffre-hours");
    assert_eq!(on(&hours, "10", ""), 2, "{hours:?}");
    assert_eq!(on(&hours, "22", "hors"), 1, "{hours:?}");
    assert_eq!(on(&hours, "6", "hors"), 1, "{hours:?}");
    assert_eq!(on(&hours, "10", "hors"), 0, "{hours:?}");
    assert_eq!(on(&hours, "10", "pendant"), 2, "{hours:?}");
    assert!(
        html.contains("class=\"work-hours\""),
        "working hours marked"
    );

    // The director (aggregate reports only) gets the counts, not the pictures
    // that name people.
    let agg = v.as_user_at(
        &lib,
        offset_to(5, 9, 10),
        &admin,
        &["audit", "report", "--format", "html"],
    );
    agg.expect_code(0, "director html report");
    let counts = |b: &[(String, String, u64)]| -> Vec<(String, u64)> {
        b.iter().map(|x| (x.0.clone(), x.2)).collect()
    };
    assert_eq!(
        counts(&bars_in(&agg.stdout, "coffre-accesses")),
        counts(&accesses),
        "the same counts, in English"
    );
    assert!(agg.stdout.contains(">Doctor<"), "English labels");
    for absent in [
        "coffre-break-glass",
        "coffre-bursts",
        "Nora Nuit",
        "chute la nuit",
    ] {
        assert!(
            !agg.stdout.contains(absent),
            "{absent} in the director's pictures"
        );
    }

    // The library's series, as a web front-end gets them.
    let vault = Vault::open(&v.dir).unwrap();
    let mut s = vault
        .unlock(
            "dpo.lambert",
            &SecretString::from(v.pass("dpo.lambert").to_string()),
        )
        .unwrap();
    let dash: Dashboard = s.audit_dashboard(None, None).unwrap();
    assert!(dash.is_full());
    let idx = |x: &str| dash.days.iter().position(|y| y == x).unwrap();
    assert_eq!(
        dash.days.first(),
        Some(&day(0)),
        "from the vault's first day"
    );
    assert_eq!(idx(&d4), idx(&d3) + 1, "every day, none skipped");
    let by: BTreeMap<&str, &Vec<u64>> = dash
        .accesses
        .iter()
        .map(|p| (p.id.as_str(), &p.per_day))
        .collect();
    assert_eq!(by["medecin"][idx(&d3)], 2);
    assert_eq!(by["medecin"][idx(&d4)], 1);
    assert_eq!(by["educateur-specialise"][idx(&d3)], 1);
    assert_eq!(dash.refusals_per_day[idx(&d3)], 1);
    assert_eq!(dash.failed_unlocks_per_day[idx(&d4)], 1);
    assert_eq!(
        (
            dash.reads_by_hour[10].inside,
            dash.reads_by_hour[10].outside
        ),
        (2, 0)
    );
    assert_eq!(dash.reads_by_hour[22].outside, 1);
    assert_eq!(dash.reads_by_hour[6].outside, 1);
    let bg = dash.break_glass();
    assert_eq!(bg.len(), 1);
    assert_eq!(bg[0].actor, "dr.nuit");
    assert_eq!(bg[0].justification.as_deref(), Some(just));
    drop(s);
    drop(vault);

    // Reading the dashboard was recorded like the report, by the DPO.
    let log = v.audit_log("dpo.lambert", &["--action", "audit.report"]);
    let by_dpo = log
        .iter()
        .filter(|e| e["actor"] == "dpo.lambert" && e["detail"] == "full report")
        .count();
    assert_eq!(
        by_dpo, 2,
        "the HTML report and the library's dashboard: {log:?}"
    );
    assert!(log
        .iter()
        .any(|e| e["actor"] == "e.petit" && e["outcome"] == "denied"));
}

/// The DPO's history of a dossier on the web: newest first, 50 lines to a
/// page, filtered by period (days typed as in France, in the establishment's
/// time zone), profession and action; the filters are kept from page to
/// page; a day typed with two digits for its year is refused in French.
#[test]
fn the_dpo_history_on_the_web_is_filtered_and_paged() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    v.add_staff("dpo.lambert", "Hélène Lambert", "dpo", true);
    let d = v.create_dossier(&admin, "Jeanne Usager", "1950-01-01");
    v.team_add(&admin, &d, "dr.leroy");
    v.team_add(&admin, &d, "e.petit");
    let lib = shim(v.root.path());
    let show = ["dossier", "show", d.as_str()];
    // 60 reads by the educator today, through the library (fast); then,
    // on day +3, the doctor reads twice and on day +4 the educator once.
    {
        let vault = Vault::open(&v.dir).expect("open");
        let mut s = vault
            .unlock(
                "e.petit",
                &SecretString::from(v.pass("e.petit").to_string()),
            )
            .expect("unlock");
        for _ in 0..60 {
            s.show_dossier(&d, None).expect("read");
        }
    }
    v.as_user_at(&lib, offset_to(3, 10, 15), "dr.leroy", &show)
        .expect_code(0, "medecin reads on day 3");
    v.as_user_at(&lib, offset_to(3, 11, 15), "dr.leroy", &show)
        .expect_code(0, "medecin reads again on day 3");
    v.as_user_at(&lib, offset_to(4, 10, 0), "e.petit", &show)
        .expect_code(0, "educateur reads on day 4");
    // The server's clock on day +5, after every line.
    let offset = offset_to(5, 9, 0).to_string();
    let server = util::http::Server::start_with_env(
        &v.dir,
        &v.root.path().join("serve.log"),
        &["--lang", "fr"],
        &[
            ("LD_PRELOAD", lib.to_str().expect("utf-8 path")),
            ("FAKE_OFFSET", &offset),
        ],
    );
    let host = server.host.clone();
    let cookie = util::http::login(&host, "dpo.lambert", v.pass("dpo.lambert"));
    let get = |path: &str| -> (u16, String) {
        let (status, _, body) = util::http::http(&host, "GET", path, &[("Cookie", &cookie)], "");
        (status, body)
    };
    let rows = |body: &str| -> Vec<String> {
        body.split("<tbody>")
            .nth(1)
            .and_then(|b| b.split("</tbody>").next())
            .map(|b| {
                b.split("<tr")
                    .skip(1)
                    .map(|r| r.to_string())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let base = format!("/audit/historique?dossier={d}");

    // Unfiltered: the first page is full, newest first, and links the next.
    let (status, first) = get(&base);
    assert_eq!(status, 200, "{first}");
    let lines = rows(&first);
    assert_eq!(lines.len(), 50, "a page holds 50 lines");
    assert!(
        first.contains("Accès 1 à 50 sur 68, les plus récents d&#39;abord"),
        "{first}"
    );
    assert!(
        lines[0].contains("Lambert"),
        "the newest line first (the DPO's own reading): {}",
        lines[0]
    );
    let older = first
        .split("id=\"older\"")
        .next()
        .and_then(|b| b.rsplit("href=\"").next())
        .and_then(|h| h.split('"').next())
        .map(|h| h.replace("&#38;", "&").replace("&amp;", "&"))
        .expect("a link to older lines");
    assert!(
        !first.contains("id=\"newer\""),
        "no newer page before the first"
    );
    let (_, second) = get(&older);
    assert!(
        second.contains("id=\"newer\""),
        "the second page links back"
    );
    let second_lines = rows(&second);
    assert!(!second_lines.is_empty());
    // The oldest line of all is the dossier's creation by the director.
    let (_, last) = get(&format!("{base}&page=99"));
    let last_lines = rows(&last);
    assert!(
        last_lines
            .last()
            .is_some_and(|r| r.contains("Direction Test")),
        "the oldest line last: {last_lines:?}"
    );

    // Day 3, doctors only: exactly the two reads.
    let (d3, d4) = (fr_day(3), fr_day(4));
    let (_, med) = get(&format!(
        "{base}&du={d3}&au={d3}&profession=medecin&action=dossier.read"
    ));
    let med_lines = rows(&med);
    assert_eq!(med_lines.len(), 2, "{med_lines:?}");
    assert!(med_lines.iter().all(|r| r.contains("Leroy")));
    // Days 3 to 4, educators: the one read of day 4.
    let (_, edu) = get(&format!(
        "{base}&du={d3}&au={d4}&profession=educateur-specialise"
    ));
    assert_eq!(rows(&edu).len(), 1, "{:?}", rows(&edu));
    // The filters are kept by the pages' links.
    let (_, all_edu) = get(&format!("{base}&profession=educateur-specialise"));
    assert_eq!(rows(&all_edu).len(), 50);
    let link = all_edu
        .split("id=\"older\"")
        .next()
        .and_then(|b| b.rsplit("href=\"").next())
        .unwrap_or_default()
        .to_string();
    assert!(link.contains("profession=educateur-specialise"), "{link}");
    // An ambiguous year is refused in French, naming why.
    let (status, bad) = get(&format!("{base}&du=14/05/12"));
    assert_eq!(status, 400, "{bad}");
    assert!(bad.contains("siècle") || bad.contains("année"), "{bad}");
    drop(server);
}

/// Day `days` after today in Paris, as typed in France (`14/05/2012`).
fn fr_day(days: i64) -> String {
    let iso = day(days);
    let p: Vec<&str> = iso.split('-').collect();
    format!("{}/{}/{}", p[2], p[1], p[0])
}

/// The DPO releases a dossier's emergency justifications to the person on
/// the web: offered from the dossier's history, only after a page that says
/// what it does (a POST without the confirmation goes back to it); then the
/// person reads the words on /moi, and the release is in the log. A member
/// who may not read the audit is refused.
#[test]
fn the_dpo_releases_the_justifications_on_the_web_after_confirming() {
    use util::http;
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("dr.nuit", "Nora Nuit", "medecin", true);
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    v.add_staff("dpo.lambert", "Hélène Lambert", "dpo", true);
    let d = v.create_dossier(&admin, "Jeanne Usager", "1950-01-01");
    v.team_add(&admin, &d, "e.petit");
    let words = "chute dans la nuit, appel du veilleur";
    v.as_user("dr.nuit", &["dossier", "show", &d, "--break-glass", words])
        .expect_code(0, "break the glass");
    let person_pass = "la phrase de passe de Jeanne 2026";
    let recovery = v.recovery.to_str().expect("utf-8 path").to_string();
    run_coffre(
        &["access", "grant", &d, "--recovery-key", &recovery],
        &Opts {
            vault: Some(&v.dir),
            user: Some(&admin),
            pass: Some(v.pass(&admin)),
            new_pass: Some(person_pass),
            ..Opts::default()
        },
    )
    .expect_code(0, "access grant");

    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let person = http::login_at(
        &host,
        "/moi/login",
        &[("dossier", d.as_str()), ("passphrase", person_pass)],
    )
    .expect("the person logs in");
    let moi = |cookie: &str| http::http(&host, "GET", "/moi", &[("Cookie", cookie)], "").2;
    assert!(!moi(&person).contains(words), "not released yet");

    let dpo = http::login(&host, "dpo.lambert", v.pass("dpo.lambert"));
    let (_, _, hist) = http::http(
        &host,
        "GET",
        &format!("/audit/historique?dossier={d}"),
        &[("Cookie", &dpo)],
        "",
    );
    assert!(
        hist.contains("/audit/liberer?dossier="),
        "offered from the history"
    );
    let (status, _, confirm) = http::http(
        &host,
        "GET",
        &format!("/audit/liberer?dossier={d}"),
        &[("Cookie", &dpo)],
        "",
    );
    assert_eq!(status, 200);
    assert!(
        confirm.contains("tiers") && confirm.contains(&d),
        "{confirm}"
    );
    let token = http::csrf(&confirm).expect("a CSRF token");
    // Without the confirmation: back to the page, nothing released.
    let (status, head, _) = http::post(
        &host,
        "/audit/liberer",
        &dpo,
        &[("csrf", &token), ("dossier", &d)],
    );
    assert_eq!(status, 303, "{head}");
    assert!(http::location(&head).is_some_and(|l| l.starts_with("/audit/liberer")));
    assert!(
        !moi(&person).contains(words),
        "not released without confirming"
    );
    let (status, _, done) = http::post(
        &host,
        "/audit/liberer",
        &dpo,
        &[("csrf", &token), ("dossier", &d), ("confirm", "oui")],
    );
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("justification(s) du dossier"), "{done}");
    assert!(moi(&person).contains(words), "the person reads the words");

    // An educator may not: refused, and nothing offered.
    let edu = http::login(&host, "e.petit", v.pass("e.petit"));
    let (_, _, page) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &edu)],
        "",
    );
    let token = http::csrf(&page).expect("a CSRF token");
    let (status, _, body) = http::post(
        &host,
        "/audit/liberer",
        &edu,
        &[("csrf", &token), ("dossier", &d), ("confirm", "oui")],
    );
    assert_eq!(status, 403, "{body}");
    drop(server);
    let releases = v
        .audit_lines()
        .iter()
        .filter(|l| l.contains("\"audit.release\""))
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(
        releases.len(),
        2,
        "one release and one refusal: {releases:?}"
    );
    assert!(releases
        .iter()
        .any(|l| l.contains("dpo.lambert") && l.contains("\"ok\"")));
    assert!(releases
        .iter()
        .any(|l| l.contains("e.petit") && l.contains("\"denied\"")));
}
