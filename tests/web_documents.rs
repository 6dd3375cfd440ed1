//! A dossier's documents on the web, black-box over HTTP: listed on the
//! dossier's page for whoever may open them, downloaded as an attachment (an
//! audited read), an uploaded HTML page with a script served as bytes that
//! cannot run in Coffre's origin, and refused to a profession not entitled.

mod util;

use util::http;
use util::{marker, TestVault};

#[test]
fn documents_are_listed_and_downloaded_as_attachments_that_cannot_run() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    v.add_staff("as.martin", "Sam Martin", "aide-soignant", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d, "dr.leroy");
    v.team_add(&admin, &d, "as.martin");
    let secret = marker("contenu-");
    let page = format!("<html><body><script>alert('{secret}')</script></body></html>");
    let file = v.root.path().join("lettre.html");
    std::fs::write(&file, &page).unwrap();
    let title = marker("Titre-");
    let r = v.as_user(
        "dr.leroy",
        &[
            "document",
            "add",
            &d,
            file.to_str().unwrap(),
            "--title",
            &title,
            "--type",
            "courrier",
            "--category",
            "medical",
        ],
    );
    r.expect_code(0, "document add");
    let doc = r.single_line();
    let before = v.audit_lines().len();

    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let cookie = http::login(&server.host, "dr.leroy", v.pass("dr.leroy"));
    let (status, _, body) = http::http(
        &server.host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&title), "the document is listed by its title");
    let href = format!("/dossiers/{d}/documents/{doc}");
    assert!(body.contains(&href), "with its download link");
    assert!(
        !body.contains("content_key"),
        "the content key is never shown"
    );
    let (status, head, got) = http::http(&server.host, "GET", &href, &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "{head}");
    assert_eq!(got, page, "the bytes uploaded");
    let head = head.to_ascii_lowercase();
    assert!(
        head.contains("content-type: application/octet-stream"),
        "{head}"
    );
    assert!(head.contains("content-disposition: attachment"), "{head}");
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    assert!(
        head.contains("content-security-policy: default-src 'none'"),
        "{head}"
    );
    assert!(
        !head.contains(&title.to_ascii_lowercase()),
        "no title in the headers"
    );

    // A profession not entitled to the category: refused, no byte.
    let aide = http::login(&server.host, "as.martin", v.pass("as.martin"));
    let (status, _, body) = http::http(&server.host, "GET", &href, &[("Cookie", &aide)], "");
    assert_eq!(status, 403, "{body}");
    assert!(!body.contains(&secret));
    let (_, _, dossier) = http::http(
        &server.host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &aide)],
        "",
    );
    assert!(!dossier.contains(&title), "not listed to them");
    // Another dossier's address: not found.
    let other = format!("/dossiers/d-0000000000/documents/{doc}");
    let (status, _, _) = http::http(&server.host, "GET", &other, &[("Cookie", &cookie)], "");
    assert!(status == 404 || status == 403, "{status}");
    drop(server);

    let lines: Vec<serde_json::Value> = v.audit_lines()[before..]
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(lines.iter().any(|l| l["action"] == "document.read"
        && l["actor"] == "dr.leroy"
        && l["outcome"] == "ok"));
    assert!(lines.iter().any(|l| l["action"] == "document.read"
        && l["actor"] == "as.martin"
        && l["outcome"] == "denied"));
}
