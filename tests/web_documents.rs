//! A dossier's documents on the web, black-box over HTTP: listed on the
//! dossier's page for whoever may open them, downloaded as an attachment (an
//! audited read), an uploaded HTML page with a script served as bytes that
//! cannot run in Coffre's origin, and refused to a profession not entitled.

use crate::util;

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

/// One multipart POST over a fresh connection: (status, head).
fn post_multipart(
    host: &str,
    path: &str,
    cookie: &str,
    origin: &str,
    parts: &[(&str, Option<&str>, &[u8])],
) -> (u16, String) {
    use std::io::{Read, Write};
    let boundary = "----coffre-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, file, value) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(120)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nCookie: {cookie}\r\nOrigin: {origin}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(&body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let status = raw
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, raw)
}

#[test]
fn a_document_uploaded_in_the_browser_is_streamed_in_and_comes_back_byte_for_byte() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d, "dr.leroy");
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let cookie = http::login(&server.host, "dr.leroy", v.pass("dr.leroy"));
    let (_, _, page) = http::http(
        &server.host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cookie)],
        "",
    );
    assert!(
        page.contains("enctype=\"multipart/form-data\""),
        "the upload form is offered"
    );
    let csrf = http::csrf(&page).expect("a csrf token");
    let origin = format!("http://{}", server.host);
    // 3 MiB of text (so the helper's string reading compares it exactly).
    let bytes: Vec<u8> = (0..3 * 1024 * 1024 + 17)
        .map(|i| b'a' + (i % 23) as u8)
        .collect();
    let title = marker("Titre-");
    let path = format!("/dossiers/{d}/documents");
    let fields = |csrf: &str| -> Vec<(&'static str, Option<&'static str>, Vec<u8>)> {
        vec![
            ("csrf", None, csrf.as_bytes().to_vec()),
            ("title", None, title.as_bytes().to_vec()),
            ("type", None, b"bilan".to_vec()),
            ("category", None, b"medical".to_vec()),
            ("date", None, b"18/03/2024".to_vec()),
            ("source", None, b"CHU".to_vec()),
            ("file", Some("bilan.txt"), bytes.clone()),
        ]
    };
    let as_parts = |f: &Vec<(&'static str, Option<&'static str>, Vec<u8>)>| -> Vec<(&'static str, Option<&'static str>, Vec<u8>)> { f.clone() };
    // A wrong token, or another origin: refused before the file is read.
    let wrong = as_parts(&fields("0000"));
    let p: Vec<(&str, Option<&str>, &[u8])> = wrong
        .iter()
        .map(|(a, b, c)| (*a, *b, c.as_slice()))
        .collect();
    let (status, _) = post_multipart(&server.host, &path, &cookie, &origin, &p);
    assert_eq!(status, 403, "a wrong CSRF token");
    let good = as_parts(&fields(&csrf));
    let p: Vec<(&str, Option<&str>, &[u8])> = good
        .iter()
        .map(|(a, b, c)| (*a, *b, c.as_slice()))
        .collect();
    let (status, _) = post_multipart(&server.host, &path, &cookie, "http://evil.example", &p);
    assert_eq!(status, 403, "another origin");
    let (status, raw) = post_multipart(&server.host, &path, &cookie, &origin, &p);
    assert_eq!(status, 303, "{raw}");
    let (_, _, page) = http::http(
        &server.host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cookie)],
        "",
    );
    assert!(page.contains(&title), "listed after the upload");
    let href = page
        .split(&format!("href=\"/dossiers/{d}/documents/"))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(|id| format!("/dossiers/{d}/documents/{id}"))
        .expect("a download link");
    let (status, head, got) = http::http(&server.host, "GET", &href, &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain"),
        "{head}"
    );
    assert!(got.as_bytes() == bytes.as_slice(), "byte for byte");
    drop(server);
    let adds = v
        .audit_lines()
        .iter()
        .filter(|l| l.contains("\"action\":\"document.add\"") && l.contains("\"outcome\":\"ok\""))
        .count();
    assert_eq!(
        adds, 1,
        "one upload audited (the refused ones wrote nothing)"
    );
}

/// The person sees the documents of their file on `/moi` and downloads them
/// (an audited read under their name), minus withheld categories.
#[test]
fn the_person_downloads_the_documents_of_their_file_minus_withheld_ones() {
    use util::{run_coffre, Opts};
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d, "dr.leroy");
    let add = |name: &str, body: &str, title: &str, cat: &str| -> String {
        let f = v.root.path().join(name);
        std::fs::write(&f, body).unwrap();
        let r = v.as_user(
            "dr.leroy",
            &[
                "document",
                "add",
                &d,
                f.to_str().unwrap(),
                "--title",
                title,
                "--type",
                "courrier",
                "--category",
                cat,
            ],
        );
        r.expect_code(0, "document add");
        r.single_line()
    };
    let shared_title = marker("Partage-");
    let shared_body = marker("corps-partage-");
    let shared = add("cr.txt", &shared_body, &shared_title, "medical");
    let third_title = marker("Tiers-");
    let third = add(
        "tiers.txt",
        &marker("corps-tiers-"),
        &third_title,
        "third-party",
    );
    let person_pass = "la phrase de passe de Lucas 2026";
    run_coffre(
        &[
            "access",
            "grant",
            &d,
            "--recovery-key",
            v.recovery.to_str().unwrap(),
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
    let person = http::login_at(
        &host,
        "/moi/login",
        &[("dossier", d.as_str()), ("passphrase", person_pass)],
    )
    .expect("the person logs in");
    let (status, _, page) = http::http(&host, "GET", "/moi", &[("Cookie", &person)], "");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(&shared_title), "their document is listed");
    assert!(!page.contains(&third_title), "not a withheld one");
    let (status, head, got) = http::http(
        &host,
        "GET",
        &format!("/moi/documents/{shared}"),
        &[("Cookie", &person)],
        "",
    );
    assert_eq!(status, 200, "{head}");
    assert_eq!(got, shared_body);
    assert!(head
        .to_ascii_lowercase()
        .contains("content-disposition: attachment"));
    let (status, _, body) = http::http(
        &host,
        "GET",
        &format!("/moi/documents/{third}"),
        &[("Cookie", &person)],
        "",
    );
    assert_eq!(status, 403, "withheld: {body}");
    drop(server);
    let lines = v.audit_lines();
    assert!(lines
        .iter()
        .any(|l| l.contains("\"action\":\"document.read\"")
            && l.contains("\"profession\":\"person\"")
            && l.contains("\"outcome\":\"ok\"")));
}
