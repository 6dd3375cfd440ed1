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

/// One multipart part: name, file name, bytes.
type Part<'a> = (&'a str, Option<&'a str>, Vec<u8>);

const BOUNDARY: &str = "----coffre-test-boundary-7f3a";

/// The bytes of `parts` as a multipart body (closed when `close`).
fn multipart(parts: &[Part<'_>], close: bool) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file, value) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
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
    if close {
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    }
    body
}

/// Opens a connection and sends a POST's head declaring `declared` bytes of
/// body, then `sent` of them (possibly fewer: the rest never comes).
fn post_partial(
    host: &str,
    path: &str,
    cookie: &str,
    declared: usize,
    sent: &[u8],
) -> std::net::TcpStream {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(120)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nCookie: {cookie}\r\nOrigin: http://{host}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {declared}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    // The server may answer (and close) before taking it all.
    let _ = s.write_all(sent);
    s
}

/// The answer on `s`: (status, head and body as text).
fn answer(mut s: std::net::TcpStream) -> (u16, String) {
    use std::io::Read;
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

fn chunk_count(v: &util::TestVault) -> usize {
    // Opened as a vault: what the server wrote to its journal is replayed.
    let vault = coffre::Vault::open(&v.dir).unwrap();
    let n = vault.store().scan_prefix(b"dc/").unwrap().len();
    drop(vault);
    n
}

/// The upload reads every part under a limit: a body whose first part is
/// not the CSRF token is refused (403) before the file, which is never
/// waited for; a text field beyond 4 KiB, too many parts or a file beyond
/// the policy's `max_mib` are 413, an unknown field 400, each a French
/// page; nothing is stored of any of them.
#[test]
fn an_upload_is_bounded_part_by_part_and_its_token_comes_first() {
    let policy = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policies/default.toml"
    ))
    .unwrap()
    .replace("max_mib = 500", "max_mib = 1");
    let mut v = util::TestVault::with_policy(&policy);
    let admin = v.admin.clone();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d, "dr.leroy");
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let cookie = http::login(&host, "dr.leroy", v.pass("dr.leroy"));
    let (_, _, page) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cookie)],
        "",
    );
    let csrf = http::csrf(&page).expect("a csrf token");
    let path = format!("/dossiers/{d}/documents");
    let fields = |csrf: &str| -> Vec<Part<'static>> {
        vec![
            ("csrf", None, csrf.as_bytes().to_vec()),
            ("title", None, b"Bilan".to_vec()),
            ("type", None, b"bilan".to_vec()),
            ("category", None, b"medical".to_vec()),
        ]
    };

    // The file first: refused with the 50 MiB it declares never sent.
    let mut parts = vec![("file", Some("a.txt"), vec![b'a'; 100 * 1024])];
    parts.extend(fields(&csrf));
    let s = post_partial(&host, &path, &cookie, 50 << 20, &multipart(&parts, false));
    let (status, raw) = answer(s);
    assert_eq!(status, 403, "{raw}");
    assert!(raw.contains("Formulaire refusé"), "in French: {raw}");

    let send = |parts: &[Part<'_>]| {
        let body = multipart(parts, true);
        answer(post_partial(&host, &path, &cookie, body.len(), &body))
    };
    // A title of 10 KiB.
    let mut parts = fields(&csrf);
    parts[1].2 = vec![b't'; 10 * 1024];
    parts.push(("file", Some("a.txt"), b"abc".to_vec()));
    let (status, raw) = send(&parts);
    assert_eq!(status, 413, "{raw}");
    assert!(raw.contains("dépasse"), "{raw}");
    // Twenty parts.
    let mut parts = fields(&csrf);
    for _ in 0..20 {
        parts.push(("source", None, b"x".to_vec()));
    }
    parts.push(("file", Some("a.txt"), b"abc".to_vec()));
    let (status, raw) = send(&parts);
    assert_eq!(status, 413, "{raw}");
    assert!(raw.contains("trop de champs"), "{raw}");
    // A field the form does not have.
    let mut parts = fields(&csrf);
    parts.push(("autre", None, b"x".to_vec()));
    parts.push(("file", Some("a.txt"), b"abc".to_vec()));
    let (status, raw) = send(&parts);
    assert_eq!(status, 400, "{raw}");
    // A file beyond max_mib (1 MiB): after a group of chunks is stored.
    let mut parts = fields(&csrf);
    parts.push(("file", Some("a.txt"), vec![b'a'; 2 * 1024 * 1024]));
    let (status, raw) = send(&parts);
    assert_eq!(status, 413, "{raw}");
    assert!(raw.contains("trop volumineux"), "{raw}");
    // Within every limit: accepted.
    let mut parts = fields(&csrf);
    parts.push(("file", Some("a.txt"), vec![b'a'; 1000]));
    let (status, raw) = send(&parts);
    assert_eq!(status, 303, "{raw}");
    drop(server);
    assert_eq!(chunk_count(&v), 1, "only the accepted document's chunk");
}

/// A client that sends half an upload and stalls holds one transfer place
/// and nothing else: other members are served, a transfer beyond
/// `--document-transfers` gets the French 503, and the stalled upload is
/// cut after the idle limit, leaving no chunk; the place is then free.
#[test]
fn a_stalled_upload_is_cut_and_holds_no_one_else() {
    let mut v = util::TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    v.add_staff("dr.roux", "Alix Roux", "medecin", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d, "dr.leroy");
    v.team_add(&admin, &d, "dr.roux");
    let f = v.root.path().join("cr.txt");
    std::fs::write(&f, "compte rendu").unwrap();
    let r = v.as_user(
        "dr.roux",
        &[
            "document",
            "add",
            &d,
            f.to_str().unwrap(),
            "--title",
            "CR",
            "--type",
            "courrier",
            "--category",
            "medical",
        ],
    );
    r.expect_code(0, "document add");
    let doc = r.single_line();
    let server = http::Server::start_with(
        &v.dir,
        &v.root.path().join("serve.log"),
        &[
            "--lang",
            "fr",
            "--document-transfers",
            "1",
            "--transfer-idle-secs",
            "3",
        ],
    );
    let host = server.host.clone();
    let leroy = http::login(&host, "dr.leroy", v.pass("dr.leroy"));
    let roux = http::login(&host, "dr.roux", v.pass("dr.roux"));
    let (_, _, page) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &leroy)],
        "",
    );
    let csrf = http::csrf(&page).expect("a csrf token");
    let path = format!("/dossiers/{d}/documents");
    // 3 MiB declared, 1.5 MiB sent (more than a group of chunks), then nothing.
    let parts: Vec<Part<'_>> = vec![
        ("csrf", None, csrf.as_bytes().to_vec()),
        ("title", None, b"Bilan".to_vec()),
        ("type", None, b"bilan".to_vec()),
        ("category", None, b"medical".to_vec()),
        ("file", Some("a.txt"), vec![b'a'; 3 << 20]),
    ];
    let body = multipart(&parts, true);
    let stall = || post_partial(&host, &path, &leroy, body.len(), &body[..(3 << 20) / 2]);
    // Whether the server already answered on `s` (without waiting).
    let answered = |s: &std::net::TcpStream| {
        s.set_nonblocking(true).unwrap();
        let mut b = [0u8; 1];
        let r = s.peek(&mut b);
        s.set_nonblocking(false).unwrap();
        !matches!(r, Err(ref e) if e.kind() == std::io::ErrorKind::WouldBlock)
    };
    let mut stalled = stall();
    // Once the stalled upload holds the one place, a download gets a 503
    // (downloads here are one at a time: only the upload can hold it). A
    // download that came first may have turned the upload away: it is
    // then sent again.
    let href = format!("/dossiers/{d}/documents/{doc}");
    let mut busy = None;
    for _ in 0..500 {
        let (status, _, body) = http::http(&host, "GET", &href, &[("Cookie", &roux)], "");
        if status == 503 {
            busy = Some(body);
            break;
        }
        assert_eq!(status, 200, "{body}");
        if answered(&stalled) {
            stalled = stall();
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let busy = busy.expect("a transfer beyond the bound is refused");
    assert!(busy.contains("Réessayez"), "in French: {busy}");
    // Other requests are served meanwhile.
    let (status, _, body) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &roux)],
        "",
    );
    assert_eq!(status, 200, "{body}");
    let (status, _, _) = http::http(&host, "GET", "/dossiers", &[("Cookie", &roux)], "");
    assert_eq!(status, 200);
    // The stalled upload is cut (the idle limit), answered, its chunks gone.
    let (status, raw) = answer(stalled);
    assert_eq!(status, 400, "{raw}");
    assert!(raw.contains("interrompu"), "{raw}");
    // Its place is free again.
    let (status, _, got) = http::http(&host, "GET", &href, &[("Cookie", &roux)], "");
    assert_eq!((status, got.as_str()), (200, "compte rendu"));
    drop(server);
    assert_eq!(chunk_count(&v), 1, "only the committed document's chunk");
    assert!(!v
        .audit_lines()
        .iter()
        .any(|l| l.contains("\"action\":\"document.add\"") && l.contains("dr.leroy")));
}

/// The person's download of a version whose content is gone: an error page
/// naming the chunk, audited as an error and never as a read made.
#[test]
fn the_persons_download_of_missing_content_names_it_and_claims_no_read() {
    use util::{run_coffre, Opts};
    let mut v = util::TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d, "dr.leroy");
    let f = v.root.path().join("cr.txt");
    std::fs::write(&f, "compte rendu").unwrap();
    let r = v.as_user(
        "dr.leroy",
        &[
            "document",
            "add",
            &d,
            f.to_str().unwrap(),
            "--title",
            "CR",
            "--type",
            "courrier",
            "--category",
            "medical",
        ],
    );
    r.expect_code(0, "document add");
    let doc = r.single_line();
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
    let store = v.raw_store();
    let chunks: Vec<Vec<u8>> = store
        .scan_prefix(b"dc/")
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    drop(store);
    assert_eq!(chunks.len(), 1);
    util::forge_store(&v.dir, vec![coffre::store::Op::Remove(chunks[0].clone())]);
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let person = http::login_at(
        &host,
        "/moi/login",
        &[("dossier", d.as_str()), ("passphrase", person_pass)],
    )
    .expect("the person logs in");
    let (status, _, body) = http::http(
        &host,
        "GET",
        &format!("/moi/documents/{doc}"),
        &[("Cookie", &person)],
        "",
    );
    assert_eq!(status, 500, "{body}");
    let named = String::from_utf8_lossy(&chunks[0]).into_owned();
    assert!(body.contains(&named), "names the record: {body}");
    drop(server);
    let reads: Vec<serde_json::Value> = v
        .audit_lines()
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["action"] == "document.read" && l["profession"] == "person")
        .collect();
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0]["outcome"], "error");
}

/// One member may hold two transfers at once: a third gets the French 429
/// (with `Retry-After`) while another member is served; once the idle
/// downloads are dropped their places come back, and each is audited as an
/// interrupted read (`failed`), not as damage.
#[test]
fn one_member_holds_two_transfers_at_most() {
    use std::io::{Read, Write};
    let mut v = util::TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    v.add_staff("dr.roux", "Alix Roux", "medecin", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d, "dr.leroy");
    v.team_add(&admin, &d, "dr.roux");
    let f = v.root.path().join("gros.txt");
    std::fs::write(&f, vec![b'x'; 16 << 20]).unwrap();
    let r = v.as_user(
        "dr.roux",
        &[
            "document",
            "add",
            &d,
            f.to_str().unwrap(),
            "--title",
            "CR",
            "--type",
            "courrier",
            "--category",
            "medical",
        ],
    );
    r.expect_code(0, "document add");
    let doc = r.single_line();
    let server = http::Server::start_with(
        &v.dir,
        &v.root.path().join("serve.log"),
        &["--lang", "fr", "--transfer-idle-secs", "300"],
    );
    let host = server.host.clone();
    let leroy = http::login(&host, "dr.leroy", v.pass("dr.leroy"));
    let roux = http::login(&host, "dr.roux", v.pass("dr.roux"));
    let href = format!("/dossiers/{d}/documents/{doc}");
    let before = v.audit_lines().len();
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = std::net::TcpStream::connect(&host).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
            .unwrap();
        write!(
            s,
            "GET {href} HTTP/1.1\r\nHost: {host}\r\nCookie: {leroy}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut first = [0u8; 64];
        let n = s.read(&mut first).unwrap();
        assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
        held.push(s);
    }
    let (status, head, body) = http::http(&host, "GET", &href, &[("Cookie", &leroy)], "");
    assert_eq!(status, 429, "{head}");
    assert!(head.to_ascii_lowercase().contains("retry-after"), "{head}");
    assert!(body.contains("Réessayez"), "in French: {body}");
    let (status, _, body) = http::http(&host, "GET", &href, &[("Cookie", &roux)], "");
    assert_eq!(status, 200);
    assert_eq!(body.len(), 16 << 20);
    drop(held);
    // The places come back once the server saw the browsers leave.
    let mut again = 0;
    for _ in 0..400 {
        let (status, _, body) = http::http(&host, "GET", &href, &[("Cookie", &leroy)], "");
        if status == 200 {
            assert_eq!(body.len(), 16 << 20);
            again = status;
            break;
        }
        assert_eq!(status, 429);
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(again, 200, "the member's places came back");
    let lines: Vec<serde_json::Value> = v.audit_lines()[before..]
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|l: &serde_json::Value| l["action"] == "document.read" && l["actor"] == "dr.leroy")
        .collect();
    let interrupted = lines
        .iter()
        .filter(|l| {
            l["outcome"] == "failed" && l["detail"] == "download interrupted before the end"
        })
        .count();
    assert_eq!(interrupted, 2, "{lines:?}");
    assert!(!lines.iter().any(|l| l["outcome"] == "error"), "{lines:?}");
}
