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
