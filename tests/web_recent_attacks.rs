//! Attacks on the latest web features, black-box over HTTP (`coffre serve` on
//! a vault made with the command line): the release of justifications from
//! its confirmation page, the readable copies, the day's transmissions, the
//! hand-over of keys, odd name searches and a planted lock file.

mod util;

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
