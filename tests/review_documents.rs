//! Attacks on documents from outside: an administrator with the store in
//! hand, a member of another dossier, a hostile browser (crafted multipart,
//! file names with path separators, types that would run in Coffre's
//! origin), and the entry commands turned on a document. Each test fails
//! while the weakness it names is there.

use crate::util;

use util::http;
use util::{files_under, marker, TestVault};

const DOCTOR: &str = "dr.leroy";

fn setup() -> (TestVault, String) {
    let mut v = TestVault::new();
    v.add_staff(DOCTOR, "Camille Leroy", "medecin", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, DOCTOR);
    (v, d)
}

/// Bytes that do not repeat within a chunk.
fn content(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn add_doc(
    v: &TestVault,
    user: &str,
    d: &str,
    name: &str,
    bytes: &[u8],
    extra: &[&str],
) -> util::Run {
    let f = v.root.path().join(name);
    std::fs::write(&f, bytes).unwrap();
    let mut args = vec![
        "document",
        "add",
        d,
        f.to_str().unwrap(),
        "--title",
        "Compte rendu",
        "--type",
        "courrier",
        "--category",
        "medical",
    ];
    args.extend_from_slice(extra);
    v.as_user(user, &args)
}

fn chunk_keys(v: &TestVault) -> Vec<Vec<u8>> {
    let store = v.raw_store();
    let keys = store.scan_prefix(b"dc/").unwrap();
    drop(store);
    keys.into_iter().map(|(k, _)| k).collect()
}

/// One multipart POST over a fresh connection; `parts` are (name, file
/// name, part content type, value). Returns (status, raw answer).
fn post_multipart(
    host: &str,
    path: &str,
    cookie: &str,
    parts: &[(&str, Option<&str>, Option<&str>, &[u8])],
) -> (u16, String) {
    use std::io::{Read, Write};
    let boundary = "----coffre-review-boundary-91c2";
    let mut body = Vec::new();
    for (name, file, ctype, value) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut h = format!("Content-Disposition: form-data; name=\"{name}\"");
        if let Some(f) = file {
            h.push_str(&format!("; filename=\"{f}\""));
        }
        h.push_str("\r\n");
        if let Some(t) = ctype {
            h.push_str(&format!("Content-Type: {t}\r\n"));
        }
        h.push_str("\r\n");
        body.extend_from_slice(h.as_bytes());
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(120)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nCookie: {cookie}\r\nOrigin: http://{host}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
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

/// The document ids linked from a dossier page.
fn doc_links(page: &str, d: &str) -> Vec<String> {
    let prefix = format!("/dossiers/{d}/documents/");
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find(&prefix) {
        let tail = &rest[i + prefix.len()..];
        let id: String = tail
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if !id.is_empty() && !out.contains(&id) {
            out.push(id);
        }
        rest = tail;
    }
    out
}

/// The entry commands turned on a document: its content key never shows,
/// and neither `entry add --kind document` nor `entry amend` can write a
/// document around the document path (its manifest, its fixed category,
/// its chunks).
#[test]
fn entry_commands_neither_show_a_documents_key_nor_write_one() {
    let (v, d) = setup();
    let r = add_doc(&v, DOCTOR, &d, "cr.txt", b"compte rendu", &[]);
    r.expect_code(0, "document add");
    let doc = r.single_line();
    for args in [
        vec!["--json", "entry", "show", doc.as_str()],
        vec!["--json", "entry", "history", doc.as_str()],
        vec!["--json", "dossier", "show", d.as_str()],
        vec!["entry", "show", doc.as_str()],
        vec!["entry", "history", doc.as_str()],
        vec!["dossier", "show", d.as_str()],
    ] {
        let r = v.as_user(DOCTOR, &args);
        let (_, out, err) = r.parts();
        assert!(
            !out.contains("content_key") && !err.contains("content_key"),
            "{args:?} shows the content key: {out}"
        );
    }
    let r = v.as_user(
        DOCTOR,
        &["entry", "amend", &doc, "--field", "title=Autre titre"],
    );
    assert_ne!(
        r.parts().0,
        0,
        "a document amended as a note: {:?}",
        r.parts()
    );
    let r = v.as_user(
        DOCTOR,
        &[
            "entry",
            "amend",
            &doc,
            "--field",
            "content_key=0000000000000000000000000000000000000000000000000000000000000000",
        ],
    );
    assert_ne!(
        r.parts().0,
        0,
        "its key replaced as a note's field: {:?}",
        r.parts()
    );
    let r = v.as_user(
        DOCTOR,
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "document",
            "--field",
            "title=Faux",
        ],
    );
    assert_ne!(r.parts().0, 0, "a document made as a note: {:?}", r.parts());
}

/// `check --sweep-chunks` run by a checker who cannot open the category
/// (the administrator without the recovery key), then by one who can, keeps
/// the chunks of every committed version, the earlier one included.
#[test]
fn a_sweep_never_removes_a_committed_versions_chunks() {
    let (v, d) = setup();
    let chunk = coffre::vault::DOCUMENT_CHUNK;
    let one = content(2 * chunk + 5, 1);
    let r = add_doc(&v, DOCTOR, &d, "scan.bin", &one, &[]);
    r.expect_code(0, "add");
    let doc = r.single_line();
    let two = content(chunk + 9, 2);
    add_doc(&v, DOCTOR, &d, "scan2.bin", &two, &["--version-of", &doc])
        .expect_code(0, "second version");
    let before = chunk_keys(&v);
    assert_eq!(before.len(), 5, "3 + 2 chunks");
    let admin = v.admin.clone();
    let r = v.as_user(&admin, &["--json", "check", "--sweep-chunks"]);
    assert_eq!(r.parts().0, 0, "{:?}", r.parts());
    assert_eq!(chunk_keys(&v), before, "a checker without the key swept");
    let rk = v.recovery.to_str().unwrap().to_string();
    let r = v.as_user(
        &admin,
        &["--json", "check", "--recovery-key", &rk, "--sweep-chunks"],
    );
    assert_eq!(r.parts().0, 0, "{:?}", r.parts());
    assert_eq!(chunk_keys(&v), before, "a committed version's chunks swept");
    for (n, want) in [("1", &one), ("2", &two)] {
        let out = v.root.path().join(format!("out-{n}"));
        v.as_user(
            DOCTOR,
            &[
                "document",
                "get",
                &d,
                &doc,
                "--version",
                n,
                "--out",
                out.to_str().unwrap(),
            ],
        )
        .expect_code(0, "get");
        assert_eq!(&std::fs::read(&out).unwrap(), want, "version {n}");
    }
}

/// A new version is asked for in dossier B of a document of dossier A: the
/// dossier named on the command line must be the document's (the version is
/// not silently written into another dossier than the one named).
#[test]
fn a_version_of_a_document_of_another_dossier_is_refused() {
    let (v, a) = setup();
    let admin = v.admin.clone();
    let b = v.create_dossier(&admin, "Zoé Autre", "2011-01-01");
    v.team_add(&admin, &b, DOCTOR);
    let r = add_doc(&v, DOCTOR, &a, "a.txt", b"dans A", &[]);
    r.expect_code(0, "add in A");
    let doc = r.single_line();
    let r = add_doc(
        &v,
        DOCTOR,
        &b,
        "b.txt",
        b"dans B ?",
        &["--version-of", &doc],
    );
    assert_ne!(
        r.parts().0,
        0,
        "a version named for dossier {b} written to {a}'s document: {:?}",
        r.parts()
    );
    r.expect_code(2, "a usage error");
    assert!(
        r.stderr.contains(&a) && r.stderr.contains(&b),
        "the message names both dossiers: {}",
        r.stderr
    );
}

/// A hostile browser: a file name with path separators and markup, sent as
/// `text/html`; an SVG; a PNG that is a page. Nothing runs in Coffre's
/// origin (attachment, inert type, `nosniff`, CSP), the name in the header
/// has no separator, and no title, file name or content reaches the
/// server's log or the vault's files in clear, refused uploads included.
#[test]
fn hostile_file_names_and_types_neither_run_nor_leak() {
    let (v, d) = setup();
    let log = v.root.path().join("serve.log");
    let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "fr"]);
    let host = server.host.clone();
    let cookie = http::login(&host, DOCTOR, v.pass(DOCTOR));
    let page_of = || {
        let (s, _, page) = http::http(
            &host,
            "GET",
            &format!("/dossiers/{d}"),
            &[("Cookie", &cookie)],
            "",
        );
        assert_eq!(s, 200, "{page}");
        page
    };
    let csrf = http::csrf(&page_of()).expect("csrf");
    let path = format!("/dossiers/{d}/documents");
    let mut secrets = Vec::new();
    let mut upload = |file: &str, ctype: &str, body: &[u8], doc_type: &str| {
        let title = marker("TitreHostile");
        secrets.push(title.clone());
        post_multipart(
            &host,
            &path,
            &cookie,
            &[
                ("csrf", None, None, csrf.as_bytes()),
                ("title", None, None, title.as_bytes()),
                ("type", None, None, doc_type.as_bytes()),
                ("category", None, None, b"medical"),
                ("file", Some(file), Some(ctype), body),
            ],
        )
    };
    let name_mark = marker("nomfichier");
    let body_mark = marker("corpsfichier");
    let html = format!("<html><body><script>alert('{body_mark}')</script></body></html>");
    let (s, raw) = upload(
        &format!("../../{name_mark}.html"),
        "text/html",
        html.as_bytes(),
        "courrier",
    );
    assert_eq!(s, 303, "{raw}");
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert('{body_mark}')</script></svg>"
    );
    let (s, raw) = upload(
        &format!("a/b\\{name_mark}.svg"),
        "image/svg+xml",
        svg.as_bytes(),
        "courrier",
    );
    assert_eq!(s, 303, "{raw}");
    // Refused: a page named as an image, an unknown type.
    let (s, raw) = upload(
        &format!("{name_mark}.png"),
        "image/png",
        html.as_bytes(),
        "courrier",
    );
    assert!((400..500).contains(&s), "{raw}");
    assert!(!raw.contains(&name_mark), "the file name in the error page");
    let (s, raw) = upload(
        &format!("{name_mark}.txt"),
        "text/plain",
        b"x",
        "inconnu-du-tout",
    );
    assert!((400..500).contains(&s), "{raw}");
    assert!(!raw.contains(&name_mark), "the file name in the error page");

    let docs = doc_links(&page_of(), &d);
    assert_eq!(docs.len(), 2, "{docs:?}");
    for doc in &docs {
        let (s, head, got) = http::http(
            &host,
            "GET",
            &format!("/dossiers/{d}/documents/{doc}"),
            &[("Cookie", &cookie)],
            "",
        );
        assert_eq!(s, 200, "{head}");
        assert!(got.contains(&body_mark), "the bytes uploaded");
        let h = head.to_ascii_lowercase();
        assert!(
            h.contains("content-type: application/octet-stream"),
            "{head}"
        );
        assert!(h.contains("x-content-type-options: nosniff"), "{head}");
        assert!(
            h.contains("content-security-policy: default-src 'none'"),
            "{head}"
        );
        let cd = h
            .lines()
            .find(|l| l.starts_with("content-disposition:"))
            .unwrap_or_else(|| panic!("no content-disposition: {head}"));
        assert!(cd.contains("attachment"), "{cd}");
        assert!(!cd.contains('/') && !cd.contains('\\'), "{cd}");
    }
    server.stop();
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    for s in secrets.iter().chain([&name_mark, &body_mark]) {
        assert!(!logged.contains(s.as_str()), "{s} in the server's log");
    }
    for f in files_under(&v.dir) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        for s in secrets.iter().chain([&name_mark, &body_mark]) {
            assert!(
                !util::contains_bytes(&bytes, s.as_bytes()),
                "{s} in clear in {}",
                f.display()
            );
        }
    }
    // The refused uploads left nothing behind.
    let admin = v.admin.clone();
    let rk = v.recovery.to_str().unwrap().to_string();
    let j = v
        .as_user(&admin, &["--json", "check", "--recovery-key", &rk])
        .json();
    assert_eq!(j["orphan_chunks"], 0, "{j}");
}

/// A member of dossier B only: a document of A is not theirs to read by
/// either address, and an upload into A with their own valid token is
/// refused and leaves no chunk.
#[test]
fn a_member_of_another_dossier_neither_reads_nor_writes_its_documents() {
    let (mut v, a) = setup();
    let admin = v.admin.clone();
    v.add_staff("dr.autre", "Alex Autre", "medecin", true);
    let b = v.create_dossier(&admin, "Zoé Autre", "2011-01-01");
    v.team_add(&admin, &b, "dr.autre");
    let secret = marker("contenuA");
    let r = add_doc(&v, DOCTOR, &a, "a.txt", secret.as_bytes(), &[]);
    r.expect_code(0, "add in A");
    let doc = r.single_line();
    let before = chunk_keys(&v);
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let cookie = http::login(&host, "dr.autre", v.pass("dr.autre"));
    for p in [
        format!("/dossiers/{a}/documents/{doc}"),
        format!("/dossiers/{b}/documents/{doc}"),
        format!("/dossiers/{b}/documents/{doc}?version=1"),
    ] {
        let (s, _, body) = http::http(&host, "GET", &p, &[("Cookie", &cookie)], "");
        assert!(s == 403 || s == 404, "{p}: {s}");
        assert!(!body.contains(&secret), "{p}");
    }
    let (_, _, page) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{b}"),
        &[("Cookie", &cookie)],
        "",
    );
    let csrf = http::csrf(&page).expect("csrf");
    let big = content(3 * coffre::vault::DOCUMENT_CHUNK, 9);
    let (s, raw) = post_multipart(
        &host,
        &format!("/dossiers/{a}/documents"),
        &cookie,
        &[
            ("csrf", None, None, csrf.as_bytes()),
            ("title", None, None, b"Intrus"),
            ("type", None, None, b"courrier"),
            ("category", None, None, b"medical"),
            ("file", Some("x.bin"), None, &big),
        ],
    );
    assert!(s == 403 || s == 404, "{raw}");
    drop(server);
    assert_eq!(
        chunk_keys(&v),
        before,
        "chunks written into A by an outsider"
    );
}

/// The administrator with the store in hand removes a chunk in the middle:
/// the web download is cut short (never the whole length with a hole) and
/// the read is audited as not completed.
#[test]
fn a_middle_chunk_removed_cuts_the_download_and_is_audited() {
    let (v, d) = setup();
    let chunk = coffre::vault::DOCUMENT_CHUNK;
    let bytes: Vec<u8> = (0..3 * chunk + 7).map(|i| b'a' + (i % 26) as u8).collect();
    let r = add_doc(&v, DOCTOR, &d, "long.txt", &bytes, &[]);
    r.expect_code(0, "add");
    let doc = r.single_line();
    let keys = chunk_keys(&v);
    assert_eq!(keys.len(), 4);
    let middle = keys
        .iter()
        .find(|k| String::from_utf8_lossy(k).ends_with("0000000000000001"))
        .expect("chunk 1")
        .clone();
    util::forge_store(&v.dir, vec![coffre::store::Op::Remove(middle)]);
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let cookie = http::login(&server.host, DOCTOR, v.pass(DOCTOR));
    let before = v.audit_lines().len();
    let (s, _, got) = http::http(
        &server.host,
        "GET",
        &format!("/dossiers/{d}/documents/{doc}"),
        &[("Cookie", &cookie)],
        "",
    );
    assert!(s == 200 || s >= 500, "{s}");
    assert!(
        got.len() < bytes.len(),
        "the whole length served with a chunk gone"
    );
    // The error line comes after the stream ends: wait for it, bounded.
    let mut found = false;
    for _ in 0..200 {
        let lines: Vec<serde_json::Value> = v.audit_lines()[before..]
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if lines
            .iter()
            .any(|l| l["action"] == "document.read" && l["outcome"] == "error")
        {
            found = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(found, "no error line for the read cut short");
}

/// An upload begun over raw TCP: the head, the form's fields and the first
/// `first` bytes of `file` sent, the rest held back. Returns the connection
/// and what is left to send.
fn begin_upload(
    host: &str,
    path: &str,
    cookie: &str,
    csrf: &str,
    file: &[u8],
    first: usize,
) -> (std::net::TcpStream, Vec<u8>) {
    use std::io::Write;
    let boundary = "----coffre-review-boundary-5d01";
    let mut body = Vec::new();
    for (name, value) in [
        ("csrf", csrf.as_bytes()),
        ("title", b"Bilan concurrent".as_slice()),
        ("type", b"courrier".as_slice()),
        ("category", b"medical".as_slice()),
    ] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bilan.txt\"\r\nContent-Type: text/plain\r\n\r\n").as_bytes(),
    );
    let head_len = body.len();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(180)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nCookie: {cookie}\r\nOrigin: http://{host}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body[..head_len + first]).unwrap();
    let rest = body[head_len + first..].to_vec();
    (s, rest)
}

/// Sends the rest of an upload begun with [`begin_upload`]: (status, answer).
fn finish_upload(mut s: std::net::TcpStream, rest: &[u8]) -> (u16, String) {
    use std::io::{Read, Write};
    let _ = s.write_all(rest);
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

/// Waits (bounded) until at least `n` chunk records are stored.
fn wait_for_chunks(v: &TestVault, n: usize) {
    for _ in 0..1200 {
        if chunk_keys(v).len() >= n {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the upload never stored {n} chunks");
}

/// A PostgreSQL vault served while the command line works on it too, as in
/// a real establishment; a doctor's upload of 3 MiB is held mid-stream.
fn concurrent_setup() -> (TestVault, String, http::Server, String, String, Vec<u8>) {
    let mut v = TestVault::in_postgres("IME Les Tilleuls", "dir.martin", "Claire Martin");
    v.add_staff(DOCTOR, "Camille Leroy", "medecin", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, DOCTOR);
    let server = http::Server::start_with(
        &v.dir,
        &v.root.path().join("serve.log"),
        &["--lang", "fr", "--transfer-idle-secs", "300"],
    );
    let cookie = http::login(&server.host, DOCTOR, v.pass(DOCTOR));
    let (_, _, page) = http::http(
        &server.host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cookie)],
        "",
    );
    let csrf = http::csrf(&page).expect("csrf");
    let file: Vec<u8> = (0..3 * 1024 * 1024 + 11)
        .map(|i| b'a' + (i % 23) as u8)
        .collect();
    (v, d, server, cookie, csrf, file)
}

/// The doctor is removed from the care team while their upload streams in:
/// the commit checks the rights again, so nothing is recorded and nothing
/// is left behind.
#[test]
fn an_upload_outlived_by_its_authors_rights_is_refused_and_leaves_nothing() {
    let (v, d, server, cookie, csrf, file) = concurrent_setup();
    let (s, rest) = begin_upload(
        &server.host,
        &format!("/dossiers/{d}/documents"),
        &cookie,
        &csrf,
        &file,
        2 * 1024 * 1024,
    );
    wait_for_chunks(&v, 16);
    let admin = v.admin.clone();
    v.as_user(&admin, &["dossier", "team", "remove", &d, DOCTOR])
        .expect_code(0, "team remove");
    let (status, raw) = finish_upload(s, &rest);
    assert_ne!(
        status, 303,
        "recorded after the author left the team: {raw}"
    );
    assert!(status >= 400, "{raw}");
    drop(server);
    assert!(chunk_keys(&v).is_empty(), "chunks left behind");
    assert!(
        !v.audit_lines()
            .iter()
            .any(|l| l.contains("\"document.add\"") && l.contains("\"outcome\":\"ok\"")),
        "a document.add recorded"
    );
}

/// `check --sweep-chunks` runs while an upload streams in: whatever the
/// upload's fate, a document recorded has every byte, and no chunk stays
/// that no committed version names.
#[test]
fn a_sweep_during_an_upload_never_leaves_a_document_without_content() {
    let (v, d, server, cookie, csrf, file) = concurrent_setup();
    let (s, rest) = begin_upload(
        &server.host,
        &format!("/dossiers/{d}/documents"),
        &cookie,
        &csrf,
        &file,
        2 * 1024 * 1024,
    );
    wait_for_chunks(&v, 16);
    let admin = v.admin.clone();
    let rk = v.recovery.to_str().unwrap().to_string();
    let r = v.as_user(
        &admin,
        &["--json", "check", "--recovery-key", &rk, "--sweep-chunks"],
    );
    r.expect_code(0, "sweep during the upload");
    let (status, raw) = finish_upload(s, &rest);
    let (_, _, page) = http::http(
        &server.host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cookie)],
        "",
    );
    let docs = doc_links(&page, &d);
    if status == 303 {
        assert_eq!(docs.len(), 1, "{docs:?}");
        let (s, head, got) = http::http(
            &server.host,
            "GET",
            &format!("/dossiers/{d}/documents/{}", docs[0]),
            &[("Cookie", &cookie)],
            "",
        );
        assert_eq!(s, 200, "{head}");
        assert_eq!(
            got.as_bytes(),
            &file[..],
            "a recorded document lost content"
        );
    } else {
        assert!(docs.is_empty(), "refused ({raw}) yet listed: {docs:?}");
    }
    drop(server);
    let j = v
        .as_user(&admin, &["--json", "check", "--recovery-key", &rk])
        .json();
    assert_eq!(j["orphan_chunks"], 0, "{j}");
}

/// Two uploads by two members at once into the same dossier: both recorded,
/// each comes back byte for byte (no chunk of one under the other).
#[test]
fn two_uploads_at_once_each_come_back_whole() {
    let (mut v, d, server, cookie, csrf, file) = concurrent_setup();
    let admin = v.admin.clone();
    v.add_staff("dr.autre", "Alex Autre", "medecin", true);
    v.team_add(&admin, &d, "dr.autre");
    let cookie2 = http::login(&server.host, "dr.autre", v.pass("dr.autre"));
    let (_, _, page) = http::http(
        &server.host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cookie2)],
        "",
    );
    let csrf2 = http::csrf(&page).expect("csrf");
    let other: Vec<u8> = (0..2 * 1024 * 1024 + 3)
        .map(|i| b'A' + (i % 19) as u8)
        .collect();
    let path = format!("/dossiers/{d}/documents");
    let (s1, rest1) = begin_upload(
        &server.host,
        &path,
        &cookie,
        &csrf,
        &file,
        1024 * 1024 + 200_000,
    );
    wait_for_chunks(&v, 16);
    let (s2, rest2) = begin_upload(
        &server.host,
        &path,
        &cookie2,
        &csrf2,
        &other,
        1024 * 1024 + 200_000,
    );
    wait_for_chunks(&v, 32);
    let (a, raw_a) = finish_upload(s2, &rest2);
    let (b, raw_b) = finish_upload(s1, &rest1);
    assert_eq!(a, 303, "{raw_a}");
    assert_eq!(b, 303, "{raw_b}");
    let (_, _, page) = http::http(
        &server.host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cookie)],
        "",
    );
    let docs = doc_links(&page, &d);
    assert_eq!(docs.len(), 2, "{docs:?}");
    let mut got_all = Vec::new();
    for doc in &docs {
        let (s, head, got) = http::http(
            &server.host,
            "GET",
            &format!("/dossiers/{d}/documents/{doc}"),
            &[("Cookie", &cookie)],
            "",
        );
        assert_eq!(s, 200, "{head}");
        got_all.push(got.into_bytes());
    }
    assert!(
        got_all.contains(&file) && got_all.contains(&other),
        "a document came back altered"
    );
}

/// A version number that does not exist is a plain "not found": neither an
/// integrity failure (exit 5) nor an audit line claiming an integrity or
/// storage error (which the DPO would have to investigate as tampering).
#[test]
fn a_version_that_does_not_exist_is_not_an_integrity_error() {
    let (v, d) = setup();
    let r = add_doc(&v, DOCTOR, &d, "cr.txt", b"compte rendu", &[]);
    r.expect_code(0, "add");
    let doc = r.single_line();
    let before = v.audit_lines().len();
    let out = v.root.path().join("out.txt");
    let r = v.as_user(
        DOCTOR,
        &[
            "document",
            "get",
            &d,
            &doc,
            "--version",
            "9",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_ne!(r.parts().0, 0, "{:?}", r.parts());
    assert_ne!(
        r.parts().0,
        5,
        "a typo reported as tampering: {:?}",
        r.parts()
    );
    let after: Vec<String> = v.audit_lines()[before..].to_vec();
    assert!(
        !after
            .iter()
            .any(|l| l.contains("integrity or storage error")),
        "a version not found audited as an integrity or storage error: {after:?}"
    );
}

/// A member of the team whose profession may not open the category learns
/// nothing more by asking for versions: version 9 (absent) and version 1
/// (present) are refused alike.
#[test]
fn a_member_outside_the_category_cannot_probe_a_documents_versions() {
    let (mut v, d) = setup();
    let admin = v.admin.clone();
    v.add_staff("as.martin", "Sam Martin", "aide-soignant", true);
    v.team_add(&admin, &d, "as.martin");
    let r = add_doc(&v, DOCTOR, &d, "cr.txt", b"compte rendu", &[]);
    r.expect_code(0, "add");
    let doc = r.single_line();
    let code = |n: &str| {
        let out = v.root.path().join(format!("out-{n}"));
        let r = v.as_user(
            "as.martin",
            &[
                "document",
                "get",
                &d,
                &doc,
                "--version",
                n,
                "--out",
                out.to_str().unwrap(),
            ],
        );
        r.parts().0
    };
    let (present, absent) = (code("1"), code("9"));
    assert_ne!(present, 0);
    assert_eq!(
        present, absent,
        "a version's existence told to a profession that may not open the document"
    );
}

fn age_keygen(path: &std::path::Path) -> String {
    let out = std::process::Command::new("age-keygen")
        .arg("-o")
        .arg(path)
        .output()
        .expect("run age-keygen");
    assert!(out.status.success());
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .find_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("age1"))
                .map(str::to_string)
        })
        .expect("a recipient")
}

/// The person's export (art. 15) leaves a withheld category's document out
/// entirely: not its bytes, nor its title, file name or source in the
/// readable copy or `data.json`.
#[test]
fn the_export_tells_nothing_of_a_withheld_document() {
    let (v, d) = setup();
    let root = v.root.path().to_path_buf();
    let title = marker("TitreTiers");
    let source = marker("SourceTiers");
    let name = marker("fichiertiers");
    let body = marker("corpstiers");
    let f = root.join(format!("{name}.txt"));
    std::fs::write(&f, &body).unwrap();
    v.as_user(
        DOCTOR,
        &[
            "document",
            "add",
            &d,
            f.to_str().unwrap(),
            "--title",
            &title,
            "--source",
            &source,
            "--type",
            "courrier",
            "--category",
            "third-party",
        ],
    )
    .expect_code(0, "add withheld");
    let key = root.join("person.key");
    let recipient = age_keygen(&key);
    let out = root.join("export.age");
    let rk = v.recovery.to_str().unwrap().to_string();
    v.as_user(
        &v.admin.clone(),
        &[
            "access",
            "export",
            &d,
            "--out",
            out.to_str().unwrap(),
            "--recipient",
            &recipient,
            "--recovery-key",
            &rk,
        ],
    )
    .expect_code(0, "access export");
    let dest = root.join("x");
    std::fs::create_dir_all(&dest).unwrap();
    let sh = format!(
        "age -d -i '{}' '{}' | tar -x -C '{}'",
        key.display(),
        out.display(),
        dest.display()
    );
    let st = std::process::Command::new("sh")
        .arg("-c")
        .arg(&sh)
        .status()
        .unwrap();
    assert!(st.success(), "stock age and tar open the export");
    let files = files_under(&dest);
    assert!(!files.is_empty());
    for p in files {
        let bytes = std::fs::read(&p).unwrap();
        for s in [&title, &source, &name, &body] {
            assert!(
                !util::contains_bytes(&bytes, s.as_bytes())
                    && !p.to_string_lossy().contains(s.as_str()),
                "{s} of a withheld document in the export's {}",
                p.display()
            );
        }
    }
}

/// The browser goes away in the middle of an upload (connection closed
/// after 2 MiB): the chunks it wrote are removed, nothing is recorded.
#[test]
fn a_browser_gone_mid_upload_leaves_no_chunk() {
    let (v, d, server, cookie, csrf, file) = concurrent_setup();
    let (s, _rest) = begin_upload(
        &server.host,
        &format!("/dossiers/{d}/documents"),
        &cookie,
        &csrf,
        &file,
        2 * 1024 * 1024,
    );
    wait_for_chunks(&v, 16);
    drop(s);
    // The server notices the closed connection and cleans up; bounded wait.
    let mut left = chunk_keys(&v).len();
    for _ in 0..1200 {
        if left == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        left = chunk_keys(&v).len();
    }
    assert_eq!(left, 0, "chunks of an upload whose browser left");
    // The server still serves, and lists nothing.
    let (s, _, page) = http::http(
        &server.host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(s, 200);
    assert!(doc_links(&page, &d).is_empty());
}

/// Markup in a title, a source and a file name is shown as text on the
/// dossier page and the person's page, never as markup.
#[test]
fn markup_in_a_documents_words_is_shown_as_text() {
    use util::{run_coffre, Opts};
    let (v, d) = setup();
    let root = v.root.path().to_path_buf();
    let mark = marker("xss");
    let title = format!("<img src=x onerror=alert('{mark}')>");
    let source = format!("<script>alert('{mark}')</script>");
    let f = root.join("a\"b<svg onload=alert(1)>.txt");
    std::fs::write(&f, b"texte").unwrap();
    v.as_user(
        DOCTOR,
        &[
            "document",
            "add",
            &d,
            f.to_str().unwrap(),
            "--title",
            &title,
            "--source",
            &source,
            "--type",
            "courrier",
            "--category",
            "medical",
        ],
    )
    .expect_code(0, "add");
    let admin = v.admin.clone();
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
    let server = http::Server::start_with(&v.dir, &root.join("serve.log"), &["--lang", "fr"]);
    let cookie = http::login(&server.host, DOCTOR, v.pass(DOCTOR));
    let (_, _, staff_page) = http::http(
        &server.host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cookie)],
        "",
    );
    let person = http::login_at(
        &server.host,
        "/moi/login",
        &[("dossier", d.as_str()), ("passphrase", person_pass)],
    )
    .expect("the person logs in");
    let (_, _, moi) = http::http(&server.host, "GET", "/moi", &[("Cookie", &person)], "");
    assert!(staff_page.contains(&mark), "the title is listed");
    assert!(moi.contains(&mark), "listed to the person");
    for (what, page) in [("dossier", &staff_page), ("moi", &moi)] {
        for bad in ["<img src=x", "<script>alert(", "<svg onload"] {
            assert!(!page.contains(bad), "{what}: {bad} as markup");
        }
    }
}

/// Odd `?version=` values on a download: refused as a bad address or not
/// found, never a server error, never a read audited as made.
#[test]
fn odd_version_queries_are_refused_cleanly() {
    let (v, d) = setup();
    let r = add_doc(&v, DOCTOR, &d, "cr.txt", b"compte rendu", &[]);
    r.expect_code(0, "add");
    let doc = r.single_line();
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let cookie = http::login(&server.host, DOCTOR, v.pass(DOCTOR));
    let before = v.audit_lines().len();
    for q in ["0", "9", "-1", "4294967296", "abc", "1&version=2", "%00"] {
        let (s, _, body) = http::http(
            &server.host,
            "GET",
            &format!("/dossiers/{d}/documents/{doc}?version={q}"),
            &[("Cookie", &cookie)],
            "",
        );
        assert!((400..500).contains(&s), "?version={q}: {s}");
        assert!(!body.contains("compte rendu"), "?version={q}");
    }
    drop(server);
    let lines: Vec<serde_json::Value> = v.audit_lines()[before..]
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(
        !lines
            .iter()
            .any(|l| l["action"] == "document.read" && l["outcome"] == "ok"),
        "{lines:?}"
    );
}

/// A member who cancels a download (the browser closes the connection
/// after the first bytes) has not met an integrity or storage error: the
/// audit trail must not tell the DPO so, or every cancelled download is a
/// false alarm that hides a real one.
#[test]
fn a_cancelled_download_is_not_audited_as_an_integrity_error() {
    use std::io::{Read, Write};
    let (v, d) = setup();
    let bytes: Vec<u8> = (0..4 * 1024 * 1024)
        .map(|i| b'a' + (i % 26) as u8)
        .collect();
    let r = add_doc(&v, DOCTOR, &d, "long.txt", &bytes, &[]);
    r.expect_code(0, "add");
    let doc = r.single_line();
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let cookie = http::login(&host, DOCTOR, v.pass(DOCTOR));
    let before = v.audit_lines().len();
    let mut s = std::net::TcpStream::connect(&host).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    write!(
        s,
        "GET /dossiers/{d}/documents/{doc} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut first = [0u8; 4096];
    let n = s.read(&mut first).unwrap();
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    drop(s);
    // The server finds out the browser left; wait (bounded) for the stream
    // to end: one more request after it shows the process went on.
    let mut lines: Vec<serde_json::Value> = Vec::new();
    for _ in 0..200 {
        lines = v.audit_lines()[before..]
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if lines
            .iter()
            .filter(|l| l["action"] == "document.read")
            .count()
            >= 2
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        lines
            .iter()
            .any(|l| l["action"] == "document.read" && l["outcome"] == "ok"),
        "the read was audited: {lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l["detail"]
            .as_str()
            .is_some_and(|s| s.contains("integrity or storage error"))),
        "a cancelled download audited as an integrity or storage error: {lines:?}"
    );
}

/// Another doctor is revoked (every key they held rotated) while an upload
/// streams in: the document recorded opens, byte for byte.
#[test]
fn a_key_rotation_during_an_upload_leaves_a_document_that_opens() {
    let (mut v, d, server, cookie, csrf, file) = concurrent_setup();
    let admin = v.admin.clone();
    v.add_staff("dr.autre", "Alex Autre", "medecin", true);
    v.team_add(&admin, &d, "dr.autre");
    let (s, rest) = begin_upload(
        &server.host,
        &format!("/dossiers/{d}/documents"),
        &cookie,
        &csrf,
        &file,
        2 * 1024 * 1024,
    );
    wait_for_chunks(&v, 16);
    let rk = v.recovery.to_str().unwrap().to_string();
    v.as_user(
        &admin,
        &["staff", "revoke", "dr.autre", "--recovery-key", &rk],
    )
    .expect_code(0, "revoke with rotation");
    let (status, raw) = finish_upload(s, &rest);
    assert_eq!(status, 303, "{raw}");
    let (_, _, page) = http::http(
        &server.host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cookie)],
        "",
    );
    let docs = doc_links(&page, &d);
    assert_eq!(docs.len(), 1, "{docs:?}");
    let (s, head, got) = http::http(
        &server.host,
        "GET",
        &format!("/dossiers/{d}/documents/{}", docs[0]),
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(s, 200, "{head}");
    assert_eq!(got.as_bytes(), &file[..], "the document after the rotation");
}

/// The uploader is revoked while their upload streams in: refused at the
/// commit, nothing recorded, nothing left.
#[test]
fn an_upload_by_a_member_revoked_meanwhile_is_refused_and_leaves_nothing() {
    let (v, d, server, cookie, csrf, file) = concurrent_setup();
    let (s, rest) = begin_upload(
        &server.host,
        &format!("/dossiers/{d}/documents"),
        &cookie,
        &csrf,
        &file,
        2 * 1024 * 1024,
    );
    wait_for_chunks(&v, 16);
    let admin = v.admin.clone();
    let rk = v.recovery.to_str().unwrap().to_string();
    v.as_user(&admin, &["staff", "revoke", DOCTOR, "--recovery-key", &rk])
        .expect_code(0, "revoke");
    let (status, raw) = finish_upload(s, &rest);
    assert_ne!(status, 303, "recorded for a revoked member: {raw}");
    drop(server);
    assert!(chunk_keys(&v).is_empty(), "chunks left behind");
    assert!(
        !v.audit_lines()
            .iter()
            .any(|l| l.contains("\"document.add\"") && l.contains("\"outcome\":\"ok\"")),
        "a document.add recorded"
    );
}

/// The person of dossier B asks for a document of dossier A, and for a note
/// of their own file by the document address: neither is served.
#[test]
fn the_person_gets_no_other_files_document_nor_a_note_as_one() {
    use util::{run_coffre, Opts};
    let (v, a) = setup();
    let admin = v.admin.clone();
    let b = v.create_dossier(&admin, "Zoé Autre", "2011-01-01");
    v.team_add(&admin, &b, DOCTOR);
    let secret = marker("contenuA");
    let r = add_doc(&v, DOCTOR, &a, "a.txt", secret.as_bytes(), &[]);
    r.expect_code(0, "add in A");
    let doc_a = r.single_line();
    let note_secret = marker("noteB");
    let note = v.add_entry(&admin, &b, "identity", &[&format!("text={note_secret}")]);
    let person_pass = "la phrase de passe de Zoé 2026";
    run_coffre(
        &[
            "access",
            "grant",
            &b,
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
    let person = http::login_at(
        &server.host,
        "/moi/login",
        &[("dossier", b.as_str()), ("passphrase", person_pass)],
    )
    .expect("the person logs in");
    for p in [
        format!("/moi/documents/{doc_a}"),
        format!("/moi/documents/{doc_a}?version=1"),
        format!("/moi/documents/{note}"),
    ] {
        let (s, _, body) = http::http(&server.host, "GET", &p, &[("Cookie", &person)], "");
        assert!(s == 403 || s == 404, "{p}: {s}");
        assert!(
            !body.contains(&secret) && !body.contains(&note_secret),
            "{p}"
        );
    }
}

/// One account may not take every transfer place: the person opens as many
/// downloads as there are places and reads nothing; a doctor's download of
/// another document must still be served (a bound per account, or places
/// kept for the staff), not a 503 for everyone.
#[test]
fn one_account_cannot_take_every_transfer_place() {
    use std::io::{Read, Write};
    use util::{run_coffre, Opts};
    let (v, d) = setup();
    let admin = v.admin.clone();
    let big: Vec<u8> = content(24 * 1024 * 1024, 5);
    let r = add_doc(&v, DOCTOR, &d, "gros.bin", &big, &[]);
    r.expect_code(0, "add big");
    let doc = r.single_line();
    let r = add_doc(&v, DOCTOR, &d, "petit.txt", b"petit document", &[]);
    r.expect_code(0, "add small");
    let small = r.single_line();
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
    let server = http::Server::start_with(
        &v.dir,
        &v.root.path().join("serve.log"),
        &[
            "--lang",
            "fr",
            "--document-transfers",
            "2",
            "--transfer-idle-secs",
            "300",
        ],
    );
    let host = server.host.clone();
    let person = http::login_at(
        &host,
        "/moi/login",
        &[("dossier", d.as_str()), ("passphrase", person_pass)],
    )
    .expect("the person logs in");
    let cookie = http::login(&host, DOCTOR, v.pass(DOCTOR));
    // The person's downloads: the head read, then nothing more.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = std::net::TcpStream::connect(&host).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
            .unwrap();
        write!(
            s,
            "GET /moi/documents/{doc} HTTP/1.1\r\nHost: {host}\r\nCookie: {person}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut first = [0u8; 64];
        let n = s.read(&mut first).unwrap();
        assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
        held.push(s);
    }
    let (s, head, body) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{d}/documents/{small}"),
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(
        s, 200,
        "the person's idle downloads hold every place, the doctor is turned away: {head}"
    );
    assert_eq!(body, "petit document");
    drop(held);
}
