//! Attacks on the latest web features, black-box over HTTP (`coffre serve` on
//! a vault made with the command line): the release of justifications from
//! its confirmation page, the readable copies, the day's transmissions, the
//! hand-over of keys, odd name searches and a planted lock file.

use crate::util;

use util::http;
use util::{marker, run_coffre, Opts, TestVault};

/// The hidden fields of the form `id` of a page, as a browser posts them.
fn hidden_fields(page: &str, id: &str) -> Vec<(String, String)> {
    let Some(start) = page.find(&format!("id=\"{id}\"")) else {
        return Vec::new();
    };
    let form = &page[start..];
    let form = &form[..form.find("</form>").unwrap_or(form.len())];
    form.split("<input")
        .skip(1)
        .filter(|i| i.contains("type=\"hidden\""))
        .filter_map(|i| {
            let attr = |a: &str| {
                i.split(&format!("{a}=\""))
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .map(|s| s.replace("&#x2D;", "-").replace("&#45;", "-"))
            };
            Some((attr("name")?, attr("value").unwrap_or_default()))
        })
        .collect()
}

/// The DPO confirms the release on the page that says what it does, and the
/// browser posts that page's form as it is: the dossier named on the page is
/// released (the form must carry it, not only the test's hand-made post).
#[test]
fn the_release_confirmation_page_posts_the_dossier_it_names() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("dr.nuit", "Nora Nuit", "medecin", true);
    v.add_staff("dpo.lambert", "Hélène Lambert", "dpo", true);
    let d = v.create_dossier(&admin, "Jeanne Usager", "1950-01-01");
    let words = marker("JUSTIF-");
    v.as_user("dr.nuit", &["dossier", "show", &d, "--break-glass", &words])
        .expect_code(0, "break the glass");
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let dpo = http::login(&host, "dpo.lambert", v.pass("dpo.lambert"));
    let (status, _, page) = http::http(
        &host,
        "GET",
        &format!("/audit/liberer?dossier={d}"),
        &[("Cookie", &dpo)],
        "",
    );
    assert_eq!(status, 200, "{page}");
    let fields = hidden_fields(&page, "confirm-form");
    assert!(
        fields.iter().any(|(k, v)| k == "dossier" && *v == d),
        "the confirming form names the dossier: {fields:?}"
    );
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, _, done) = http::post(&host, "/audit/liberer", &dpo, &fields);
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("justification(s) du dossier"), "{done}");
    drop(server);
    assert!(
        v.audit_lines()
            .iter()
            .any(|l| l.contains("\"audit.release\"") && l.contains(&d) && l.contains("\"ok\"")),
        "the release is in the log"
    );
}

/// A forged release without the CSRF token, or from another site, releases
/// nothing; a member who may not read the audit sees no release link.
#[test]
fn a_forged_release_is_refused() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("dr.nuit", "Nora Nuit", "medecin", true);
    v.add_staff("dpo.lambert", "Hélène Lambert", "dpo", true);
    let d = v.create_dossier(&admin, "Jeanne Usager", "1950-01-01");
    v.as_user(
        "dr.nuit",
        &["dossier", "show", &d, "--break-glass", "chute"],
    )
    .expect_code(0, "break the glass");
    let server = http::Server::start(&v.dir, &v.root.path().join("serve.log"));
    let host = server.host.clone();
    let dpo = http::login(&host, "dpo.lambert", v.pass("dpo.lambert"));
    // No token.
    let (status, _, _) = http::post(
        &host,
        "/audit/liberer",
        &dpo,
        &[("dossier", &d), ("confirm", "oui")],
    );
    assert_eq!(status, 403, "no token");
    // Another site's page (its Origin), with a token it cannot know.
    let (status, _, _) = http::http(
        &host,
        "POST",
        "/audit/liberer",
        &[("Cookie", &dpo), ("Origin", "https://evil.example")],
        &http::form(&[("dossier", &d), ("confirm", "oui"), ("csrf", "x")]),
    );
    assert_eq!(status, 403, "another origin");
    drop(server);
    assert!(
        !v.audit_lines()
            .iter()
            .any(|l| l.contains("\"audit.release\"")),
        "nothing released"
    );
}

/// The readable copies never hold what the person may not read (a
/// third party's words, author-only and withheld), on the member's copy and
/// the person's own; a member whose access was revoked while their web
/// session stays open gets no copy; the person's copy is of their file only.
#[test]
fn readable_copies_hold_nothing_withheld_and_end_with_the_member() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("c.cadre", "Claire Cadre", "cadre-socio-educatif", true);
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    let other = v.create_dossier(&admin, "Nina Roux", "2011-03-04");
    v.team_add(&admin, &d, "c.cadre");
    v.team_add(&admin, &d, "e.petit");
    v.team_add(&admin, &other, "e.petit");
    let shown = marker("visible-");
    v.add_entry("e.petit", &d, "daily-life", &[&format!("text={shown}")]);
    let third = marker("TIERS-");
    v.add_entry("c.cadre", &d, "third-party", &[&format!("text={third}")]);
    let third_edu = marker("TIERS-EDU-");
    v.add_entry(
        "e.petit",
        &d,
        "third-party",
        &[&format!("text={third_edu}")],
    );
    let elsewhere = marker("AUTRE-");
    v.add_entry(
        "e.petit",
        &other,
        "daily-life",
        &[&format!("text={elsewhere}")],
    );
    v.as_user("c.cadre", &["dossier", "show", &d])
        .expect_code(0, "the manager reads the dossier");
    let person_pass = "la phrase de passe de Lucas 2026";
    run_coffre(
        &[
            "access",
            "grant",
            &d,
            "--recovery-key",
            v.recovery.to_str().expect("utf-8 path"),
        ],
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
    let cadre = http::login(&host, "c.cadre", v.pass("c.cadre"));
    let (status, head, copy) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{d}/copie-lisible"),
        &[("Cookie", &cadre)],
        "",
    );
    assert_eq!(status, 200, "{head}\n{copy}");
    let lower = head.to_lowercase();
    assert!(lower.contains("cache-control: no-store"), "{head}");
    assert!(lower.contains("x-content-type-options: nosniff"), "{head}");
    assert!(lower.contains("content-disposition: attachment"), "{head}");
    assert!(copy.contains(&shown));
    assert!(!copy.contains(&third), "the author's third-party words");
    assert!(
        !copy.contains(&third_edu),
        "a colleague's third-party words"
    );
    assert!(!copy.contains(&elsewhere), "another dossier's note");

    let person = http::login_at(
        &host,
        "/moi/login",
        &[("dossier", d.as_str()), ("passphrase", person_pass)],
    )
    .expect("the person logs in");
    let (status, head, own) = http::http(
        &host,
        "GET",
        "/moi/copie-lisible",
        &[("Cookie", &person)],
        "",
    );
    assert_eq!(status, 200, "{head}\n{own}");
    assert!(own.contains(&shown));
    assert!(!own.contains(&third) && !own.contains(&third_edu));
    assert!(!own.contains(&elsewhere) && !own.contains("Nina Roux"));
    // The person's session does not open a member's copy of their own or
    // another dossier.
    for path in [
        format!("/dossiers/{d}/copie-lisible"),
        format!("/dossiers/{other}/copie-lisible"),
    ] {
        let (status, _, body) = http::http(&host, "GET", &path, &[("Cookie", &person)], "");
        assert_ne!(status, 200, "{path}: {body}");
        assert!(!body.contains(&elsewhere) && !body.contains(&shown));
    }

    // The director revokes the manager while her session is open.
    let dir = http::login(&host, &admin, v.pass(&admin));
    let (_, _, page) = http::http(
        &host,
        "GET",
        "/personnel/c.cadre/revoquer",
        &[("Cookie", &dir)],
        "",
    );
    let token = http::csrf(&page).expect("a CSRF token");
    let (status, _, body) = http::post(
        &host,
        "/personnel/c.cadre/revoquer",
        &dir,
        &[("csrf", &token), ("confirm", "oui")],
    );
    assert!(status == 200 || status == 303, "{status} {body}");
    let (status, _, body) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{d}/copie-lisible"),
        &[("Cookie", &cadre)],
        "",
    );
    assert_ne!(status, 200, "a revoked member's copy: {body}");
    assert!(!body.contains(&shown));
    drop(server);
    let copies: Vec<String> = v
        .audit_lines()
        .into_iter()
        .filter(|l| l.contains("\"access.export\"") && l.contains("\"ok\""))
        .collect();
    assert_eq!(copies.len(), 2, "two copies made, two audited: {copies:?}");
}

/// A manager whose profession may make the copy, holding the category keys
/// every dossier's notes are sealed under, but outside the dossier's care
/// team: the dossier page refuses them, and so does the copy (no name, no
/// note, no history), the refusal audited; a member of the team makes it.
#[test]
fn a_readable_copy_is_refused_outside_the_care_team() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("c.cadre", "Claire Cadre", "cadre-socio-educatif", true);
    v.add_staff("c.autre", "Chloé Autre", "cadre-socio-educatif", true);
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d, "c.cadre");
    v.team_add(&admin, &d, "e.petit");
    let shown = marker("visible-");
    v.add_entry("e.petit", &d, "daily-life", &[&format!("text={shown}")]);
    v.as_user("c.cadre", &["dossier", "show", &d])
        .expect_code(0, "the manager reads the dossier");
    v.as_user("c.autre", &["dossier", "list"])
        .expect_code(0, "the other manager takes her keys");
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let path = format!("/dossiers/{d}/copie-lisible");
    let out = http::login(&host, "c.autre", v.pass("c.autre"));
    let (status, _, _) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &out)],
        "",
    );
    assert_eq!(status, 403, "the dossier page is refused outside the team");
    let (status, _, copy) = http::http(&host, "GET", &path, &[("Cookie", &out)], "");
    assert_eq!(status, 403, "{copy}");
    assert!(!copy.contains(&shown) && !copy.contains("Lucas Martin"));
    let inside = http::login(&host, "c.cadre", v.pass("c.cadre"));
    let (status, _, copy) = http::http(&host, "GET", &path, &[("Cookie", &inside)], "");
    assert_eq!(status, 200, "{copy}");
    assert!(copy.contains(&shown));
    drop(server);
    let exports: Vec<String> = v
        .audit_lines()
        .into_iter()
        .filter(|l| l.contains("\"access.export\""))
        .collect();
    assert!(
        exports
            .iter()
            .any(|l| l.contains("\"c.autre\"") && l.contains("\"denied\"")),
        "the refusal is audited: {exports:?}"
    );
    assert!(
        !exports
            .iter()
            .any(|l| l.contains("\"c.autre\"") && l.contains("\"ok\"")),
        "{exports:?}"
    );
}

/// The hand-over of keys: a revoked colleague is neither listed nor given a
/// key; a forged post (no token, another origin) gives nothing; a member who
/// holds no key a colleague waits for sees no name.
#[test]
fn keys_are_handed_over_only_to_active_entitled_colleagues() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    v.add_staff("dr.nuit", "Nora Nuit", "medecin", true);
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let educ = http::login(&host, "e.petit", v.pass("e.petit"));
    let doc = http::login(&host, "dr.nuit", v.pass("dr.nuit"));
    let before = v.audit_lines().len();
    // The director adds a nurse and an educator on the web, then revokes
    // the educator before anyone hands them anything.
    let dir = http::login(&host, &admin, v.pass(&admin));
    let (_, _, page) = http::http(&host, "GET", "/personnel", &[("Cookie", &dir)], "");
    let token = http::csrf(&page).expect("a CSRF token");
    for (id, name, profession) in [
        ("i.morel", "Inès Morel", "infirmier"),
        ("e.parti", "Eric Parti", "educateur-specialise"),
    ] {
        let (status, _, body) = http::post(
            &host,
            "/personnel",
            &dir,
            &[
                ("csrf", &token),
                ("id", id),
                ("name", name),
                ("profession", profession),
                ("passphrase", "une phrase de passe assez longue 2026"),
            ],
        );
        assert!(status == 200 || status == 303, "{status} {body}");
    }
    let (status, _, body) = http::post(
        &host,
        "/personnel/e.parti/revoquer",
        &dir,
        &[("csrf", &token), ("confirm", "oui")],
    );
    assert!(status == 200 || status == 303, "{status} {body}");
    let home = |cookie: &str| http::http(&host, "GET", "/dossiers", &[("Cookie", cookie)], "").2;
    let page = home(&educ);
    assert!(
        page.contains("Inès Morel"),
        "the waiting nurse is named: {page}"
    );
    assert!(
        !page.contains("Eric Parti"),
        "a revoked member is not listed"
    );
    // The doctor holds keys only she and the nurse may, the nurse does not
    // wait for the medical key: the doctor sees no revoked name either.
    assert!(!home(&doc).contains("Eric Parti"));
    // Forged posts.
    let (status, _, _) = http::post(&host, "/cles/remettre", &educ, &[]);
    assert_eq!(status, 403);
    let page_token = http::csrf(&page).expect("a CSRF token");
    let (status, _, _) = http::http(
        &host,
        "POST",
        "/cles/remettre",
        &[("Cookie", &educ), ("Origin", "https://evil.example")],
        &http::form(&[("csrf", &page_token)]),
    );
    assert_eq!(status, 403);
    let (status, _, done) = http::post(&host, "/cles/remettre", &educ, &[("csrf", &page_token)]);
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("Inès Morel (i.morel)"), "{done}");
    drop(server);
    let after: Vec<String> = v.audit_lines().split_off(before);
    let grants: Vec<&String> = after
        .iter()
        .filter(|l| l.contains("\"key.grant\"") && l.contains("\"actor\":\"e.petit\""))
        .collect();
    assert!(grants.iter().any(|l| l.contains("i.morel")), "{grants:?}");
    assert!(
        !grants.iter().any(|l| l.contains("e.parti")),
        "no key to a revoked member: {grants:?}"
    );
}

/// The day's transmissions: only the care team's dossiers, never one opened
/// by breaking the glass, never a field the member's profession may not
/// read; each dossier shown read once in the log, with detail transmissions;
/// a revoked member's open session shows nothing.
#[test]
fn transmissions_stay_within_the_team_and_the_profession() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    v.add_staff("dr.nuit", "Nora Nuit", "medecin", true);
    let d1 = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    let d2 = v.create_dossier(&admin, "Nina Roux", "2011-03-04");
    v.team_add(&admin, &d1, "e.petit");
    v.team_add(&admin, &d1, "dr.nuit");
    v.team_add(&admin, &d2, "e.petit");
    let daily = marker("quotidien-");
    v.add_entry("e.petit", &d1, "daily-life", &[&format!("text={daily}")]);
    let medical = marker("MEDICAL-");
    v.add_entry("dr.nuit", &d1, "medical", &[&format!("text={medical}")]);
    let other = marker("HORS-EQUIPE-");
    v.add_entry("e.petit", &d2, "daily-life", &[&format!("text={other}")]);
    // The doctor breaks the glass on d2, outside her team.
    v.as_user(
        "dr.nuit",
        &["dossier", "show", &d2, "--break-glass", "chute"],
    )
    .expect_code(0, "break the glass");
    let before = v.audit_lines().len();
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let educ = http::login(&host, "e.petit", v.pass("e.petit"));
    let (status, _, page) = http::http(&host, "GET", "/transmissions", &[("Cookie", &educ)], "");
    assert_eq!(status, 200);
    assert!(page.contains(&daily) && page.contains(&other));
    assert!(!page.contains(&medical), "a medical note to an educator");
    let doc = http::login(&host, "dr.nuit", v.pass("dr.nuit"));
    let (status, _, page) = http::http(&host, "GET", "/transmissions", &[("Cookie", &doc)], "");
    assert_eq!(status, 200);
    assert!(page.contains(&medical));
    assert!(
        !page.contains(&other) && !page.contains("Nina Roux"),
        "a dossier opened by breaking the glass is not in the handover"
    );
    // The director revokes the educator; her open session shows nothing.
    let dir = http::login(&host, &admin, v.pass(&admin));
    let (_, _, p) = http::http(
        &host,
        "GET",
        "/personnel/e.petit/revoquer",
        &[("Cookie", &dir)],
        "",
    );
    let token = http::csrf(&p).expect("a CSRF token");
    http::post(
        &host,
        "/personnel/e.petit/revoquer",
        &dir,
        &[("csrf", &token), ("confirm", "oui")],
    );
    let (status, _, page) = http::http(&host, "GET", "/transmissions", &[("Cookie", &educ)], "");
    assert_ne!(status, 200);
    assert!(!page.contains(&daily) && !page.contains(&other));
    drop(server);
    let after: Vec<serde_json::Value> = v
        .audit_lines()
        .split_off(before)
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|e: &serde_json::Value| e["action"] == "dossier.read")
        .collect();
    let reads = |who: &str, d: &str| {
        after
            .iter()
            .filter(|e| e["actor"] == who && e["dossier"] == d && e["outcome"] == "ok")
            .count()
    };
    assert_eq!(reads("e.petit", &d1), 1, "{after:?}");
    assert_eq!(reads("e.petit", &d2), 1, "{after:?}");
    assert_eq!(reads("dr.nuit", &d1), 1, "{after:?}");
    assert_eq!(reads("dr.nuit", &d2), 0, "{after:?}");
    assert!(after
        .iter()
        .all(|e| e["detail"] == "transmissions" && e["break_glass"] != true));
}

/// Name searches with odd words never crash (exit 101) and never tell a
/// member outside the team that a dossier exists; names in other scripts
/// are found by their prefix within the team.
#[test]
fn odd_name_searches_neither_crash_nor_tell() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    v.add_staff("e.autre", "Eric Autre", "educateur-specialise", true);
    let d = v.create_dossier(&admin, "Алексей İşıkoğlu-李小龍", "2010-02-03");
    v.team_add(&admin, &d, "e.petit");
    let long = "a".repeat(20_000);
    let odd = [
        long.as_str(),
        "李小",
        "Алек",
        "işık",
        "!!! ??? ...",
        "",
        " ",
        "a",
        "\u{200d}\u{200d}\u{200d}",
        "🙂🙂🙂",
        "ﷺ",
        "İİİİİİİİİİİİİİİİİİİİİİİİ",
        "x\u{0301}\u{0301}\u{0301}\u{0301}\u{0301}\u{0301}",
    ];
    for who in ["e.petit", "e.autre"] {
        for q in odd {
            let r = v.as_user(who, &["dossier", "find", q, "--json"]);
            assert_ne!(r.code, 101, "{who} {q:?}: {}", r.stderr);
            assert!(!r.stderr.contains("panicked"), "{q:?}: {}", r.stderr);
            if who == "e.autre" {
                assert!(!r.stdout.contains(&d), "{q:?} tells e.autre: {}", r.stdout);
            }
        }
    }
    for q in ["Алек", "işık", "işıkoğ", "isikog"] {
        let r = v.as_user("e.petit", &["dossier", "find", q, "--json"]);
        assert!(r.stdout.contains(&d), "{q:?}: {} {}", r.stdout, r.stderr);
    }
}

/// A lock file planted in the vault's folder (while another process holds
/// the lock) puts nothing but a number and a plain address into the message:
/// no terminal escape, no line of its own.
#[test]
fn a_planted_lock_file_injects_nothing() {
    let v = TestVault::new();
    let lock = v.dir.join("lock");
    let held = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock)
        .expect("open the lock");
    held.try_lock().expect("hold the lock");
    for planted in [
        "4242\nhttps://evil.example/\x1b[2J\x1b]0;pwned\x07\n".as_bytes(),
        "4242\x1b[31m\nhttps://x\n".as_bytes(),
        "4242\nhttps://ok.example/ PASSPHRASE-HERE\n".as_bytes(),
        &[0xff, 0xfe, b'\n', 0x1b, b'[', b'3', b'1', b'm'],
    ] {
        std::fs::write(&lock, planted).expect("plant");
        let r = v.as_user(&v.admin, &["dossier", "list"]);
        assert_ne!(r.code, 0, "the vault is held");
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(!all.contains('\x1b') && !all.contains('\x07'), "{all:?}");
        assert!(
            !all.contains("pwned") && !all.contains("PASSPHRASE-HERE"),
            "{all:?}"
        );
    }
    drop(held);
}

/// The history's filters and pages, and the person's pages, with hostile
/// values: never a server error, never another dossier's line; a member who
/// may not read the audit is refused whatever the filters.
#[test]
fn history_filters_and_pages_with_hostile_values() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    v.add_staff("dpo.lambert", "Hélène Lambert", "dpo", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    let other = v.create_dossier(&admin, "Nina Roux", "2011-03-04");
    v.team_add(&admin, &d, "e.petit");
    v.team_add(&admin, &other, "e.petit");
    v.as_user("e.petit", &["dossier", "show", &other])
        .expect_code(0, "a read of the other dossier");
    let person_pass = "la phrase de passe de Lucas 2026";
    run_coffre(
        &[
            "access",
            "grant",
            &d,
            "--recovery-key",
            v.recovery.to_str().expect("utf-8 path"),
        ],
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
    let dpo = http::login(&host, "dpo.lambert", v.pass("dpo.lambert"));
    let educ = http::login(&host, "e.petit", v.pass("e.petit"));
    let queries = [
        "page=18446744073709551615",
        "page=99999999999999999999999",
        "page=-1",
        "page=0",
        "page=",
        "du=31%2F02%2F2026",
        "du=99999999&au=00%2F00%2F0000",
        "au=01%2F01%2F1900&du=01%2F01%2F2999",
        "profession=%3Cscript%3E&action=%22%3E%3Cb%3E",
        "action=dossier.read&profession=educateur-specialise&page=3",
    ];
    for q in queries {
        let path = format!("/audit/historique?dossier={d}&{q}");
        let (status, _, body) = http::http(&host, "GET", &path, &[("Cookie", &dpo)], "");
        assert!(status < 500, "{path}: {status} {body}");
        assert!(!body.contains(&other), "{path}: another dossier's line");
        assert!(
            !body.contains("<script>") && !body.contains("\"><b>"),
            "{path}"
        );
        let (status, _, body) = http::http(&host, "GET", &path, &[("Cookie", &educ)], "");
        assert!(status == 403 || status == 400, "{path}: {status}");
        assert!(!body.contains("Lucas Martin"));
    }
    let person = http::login_at(
        &host,
        "/moi/login",
        &[("dossier", d.as_str()), ("passphrase", person_pass)],
    )
    .expect("the person logs in");
    for q in [
        "page=18446744073709551615&acces=18446744073709551615",
        "page=0&acces=0",
        "page=-3",
        "acces=abc",
        &format!("dossier={other}"),
    ] {
        let path = format!("/moi?{q}");
        let (status, _, body) = http::http(&host, "GET", &path, &[("Cookie", &person)], "");
        assert!(status < 500, "{path}: {status} {body}");
        assert!(
            !body.contains(&other) && !body.contains("Nina Roux"),
            "{path}"
        );
    }
}

/// The person objected to sharing a category with a profession: a member
/// of that profession in the care team reads it withheld on the dossier
/// page, and gets no readable copy (plain words in their browser) that
/// would hold it; the refusal is audited; the person's own copy holds it.
#[test]
fn an_objection_holds_in_the_members_readable_copy() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("c.cadre", "Claire Cadre", "cadre-socio-educatif", true);
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d, "c.cadre");
    v.team_add(&admin, &d, "e.petit");
    let objected = marker("OBJECTED-");
    v.add_entry("e.petit", &d, "daily-life", &[&format!("text={objected}")]);
    v.as_user("c.cadre", &["dossier", "show", &d])
        .expect_code(0, "the manager reads the dossier");
    let person_pass = "la phrase de passe de Lucas 2026";
    run_coffre(
        &[
            "access",
            "grant",
            &d,
            "--recovery-key",
            v.recovery.to_str().expect("utf-8 path"),
        ],
        &Opts {
            vault: Some(&v.dir),
            user: Some(&admin),
            pass: Some(v.pass(&admin)),
            new_pass: Some(person_pass),
            ..Opts::default()
        },
    )
    .expect_code(0, "access grant");
    run_coffre(
        &[
            "access",
            "object",
            &d,
            "--category",
            "daily-life",
            "--profession",
            "cadre-socio-educatif",
        ],
        &Opts {
            vault: Some(&v.dir),
            pass: Some(person_pass),
            ..Opts::default()
        },
    )
    .expect_code(0, "the person objects");
    let show = v.as_user("c.cadre", &["dossier", "show", &d]);
    assert!(!show.stdout.contains(&objected), "withheld on reading");
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let cadre = http::login(&host, "c.cadre", v.pass("c.cadre"));
    let (_, _, page) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cadre)],
        "",
    );
    assert!(!page.contains(&objected), "withheld on the page");
    let (status, _, copy) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{d}/copie-lisible"),
        &[("Cookie", &cadre)],
        "",
    );
    assert_eq!(status, 403, "{copy}");
    assert!(
        !copy.contains(&objected),
        "the objection is bypassed by the copy"
    );
    let person = http::login_at(
        &host,
        "/moi/login",
        &[("dossier", d.as_str()), ("passphrase", person_pass)],
    )
    .expect("the person logs in");
    let (status, _, own) = http::http(
        &host,
        "GET",
        "/moi/copie-lisible",
        &[("Cookie", &person)],
        "",
    );
    assert_eq!(status, 200);
    assert!(own.contains(&objected), "the person's own copy is whole");
    drop(server);
    assert!(
        v.audit_lines()
            .iter()
            .any(|l| l.contains("\"access.export\"")
                && l.contains("\"c.cadre\"")
                && l.contains("\"denied\"")),
        "the refusal is audited"
    );
}

/// A member's search of a huge query (tens of thousands of distinct words,
/// each a lookup in the index) is refused at once instead of holding the
/// vault for a minute; a query as long as a name is still answered.
#[test]
fn a_huge_name_query_is_refused_at_once() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d, "e.petit");
    let c = |n: u32| char::from_u32(0x4E00 + n).unwrap_or('x');
    let mut words = Vec::new();
    for a in 0..250u32 {
        for b in 0..240u32 {
            words.push(format!("{}{}", c(a), c(b + 300)));
        }
    }
    let huge = words.join(" ");
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let educ = http::login(&host, "e.petit", v.pass("e.petit"));
    let (_, _, page) = http::http(&host, "GET", "/dossiers", &[("Cookie", &educ)], "");
    let token = http::csrf(&page).expect("a CSRF token");
    let start = std::time::Instant::now();
    let (status, _, body) =
        http::post(&host, "/dossiers", &educ, &[("csrf", &token), ("q", &huge)]);
    let took = start.elapsed();
    assert!(
        took < std::time::Duration::from_secs(5),
        "{} words took {took:?}",
        words.len()
    );
    assert_ne!(status, 200, "refused");
    assert!(body.contains("200"), "the limit is named: {body}");
    // As long as a name: answered, and it finds Lucas Martin.
    let long = format!("Lucas Martin {}", "xy ".repeat(62));
    assert!(long.trim().chars().count() <= 200);
    let (status, _, body) = http::post(
        &host,
        "/dossiers",
        &educ,
        &[("csrf", &token), ("q", "Lucas Mart")],
    );
    assert_eq!(status, 200);
    assert!(body.contains(&d), "{body}");
    let (status, _, _) = http::post(&host, "/dossiers", &educ, &[("csrf", &token), ("q", &long)]);
    assert_eq!(status, 200);
}

/// A lock file replaced by a link to a device that never ends (held by
/// another process): the message is given at once, from its first bytes,
/// without reading the device (under a memory limit, so that a regression
/// fails instead of filling the machine's memory).
#[test]
fn a_lock_file_linked_to_an_endless_device_is_not_read_whole() {
    let v = TestVault::new();
    let lock = v.dir.join("lock");
    std::fs::remove_file(&lock).ok();
    std::os::unix::fs::symlink("/dev/zero", &lock).expect("link");
    let held = std::fs::File::open("/dev/zero").expect("open /dev/zero");
    if held.try_lock().is_err() {
        eprintln!("/dev/zero cannot be locked here: nothing to test");
        return;
    }
    let start = std::time::Instant::now();
    // The child's memory is read by a small Python parent of its own
    // (`RUSAGE_CHILDREN` there): a process started from this test binary
    // inherits the binary's peak memory at the start (it is counted until
    // `exec`), and other tests of this process have their own children.
    const MEASURED: &str = r#"
import resource, subprocess, sys
def limit():
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
r = subprocess.run(sys.argv[1:], preexec_fn=limit)
sys.stderr.write("\nmaxrss_kib=%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(r.returncode)
"#;
    let out = std::process::Command::new("timeout")
        .arg("30")
        .arg("python3")
        .arg("-c")
        .arg(MEASURED)
        .arg(util::COFFRE)
        .args(["dossier", "list"])
        .env("COFFRE_VAULT", &v.dir)
        .env("COFFRE_USER", &v.admin)
        .env("COFFRE_PASSPHRASE", v.pass(&v.admin))
        .env("COFFRE_LANG", "en")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run coffre");
    drop(held);
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(start.elapsed() < std::time::Duration::from_secs(25));
    assert!(
        code != 124 && code != 101 && code != -1 && code != 134,
        "{code}: {stderr}"
    );
    assert!(!stderr.contains("memory allocation"), "{stderr}");
    assert!(stderr.contains("in use"), "{stderr}");
    // The largest memory the child used: the whole device read would reach
    // the limit above (1 GiB).
    let maxrss_kib: u64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("maxrss_kib="))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no memory figure from the measuring parent: {stderr}"));
    assert!(maxrss_kib < 512 * 1024, "the child used {maxrss_kib} KiB");
}
