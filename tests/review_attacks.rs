//! Attacks on the claim that every store record is vouched for, derived or
//! decides nothing: each test plays one adversary of `docs/threat-model.md`
//! and fails while Coffre shows a silent difference.

use crate::util;

use coffre::store::{layout, Op};
use util::{forge_store, marker, TestVault};

/// Every record of the closed folder vault under `prefix`.
fn scan(v: &TestVault, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    v.raw_store().scan_prefix(prefix).unwrap()
}

/// Administrator with disk access: the blind index "decides nothing" (a
/// search hint filtered by the register's reach), so copying a dossier's
/// index records under a dossier id the register has never held must not
/// change what an honest search finds. Today the search fails as a whole on
/// the planted id (`find_dossiers` reads `dossier_record(id)?` for every id a
/// tag lists), so a hint record decides that no one finds that person by name.
#[test]
fn a_planted_index_hint_does_not_stop_an_honest_name_search() {
    let v = TestVault::new();
    let d = v.create_dossier("dir.martin", "Zorglub Personne", "2010-01-01");
    let found = v.as_user("dir.martin", &["dossier", "find", "zorglub"]);
    assert!(
        found.ok("the control search").contains(&d),
        "the control search finds the dossier"
    );
    // The reverse index names each tag of the dossier: copy each `i/{tag}/{d}`
    // under a dossier id no fact ever named.
    let tags = scan(&v, &layout::dossier_index_prefix(&d));
    assert!(!tags.is_empty(), "the dossier's tags");
    let mut ops = Vec::new();
    for (k, _) in &tags {
        let hex_tag = layout::last_component(k).unwrap();
        let tag = hex::decode(hex_tag).unwrap();
        let value = util::stored(&v.dir, &layout::index(&tag, &d)).unwrap_or_default();
        ops.push(Op::Put(layout::index(&tag, "d-00000000ff"), value));
    }
    forge_store(&v.dir, ops);
    let r = v.as_user("dir.martin", &["dossier", "find", "zorglub"]);
    let (code, out, err) = r.parts();
    assert!(
        code == 0 && out.contains(&d),
        "a record that decides nothing stopped the search: exit {code}, {out} {err}"
    );
}

/// Administrator with disk access (or an accomplice of the member the person
/// objected to): the person's objection is vouched for by an `objection`
/// fact. Deleting its record must either change nothing (the register's
/// objection still withholds the category) or be exit 5 naming it.
#[test]
fn an_objection_record_deleted_withholds_as_before_or_is_named() {
    let mut v = TestVault::new();
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    let d = v.create_dossier("dir.martin", "Zorglub Personne", "2010-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    let secret = marker("IDENT");
    v.add_entry("dir.martin", &d, "identity", &[&format!("text={secret}")]);
    v.as_user(
        "dir.martin",
        &[
            "access",
            "object",
            &d,
            "--category",
            "identity",
            "--profession",
            "educateur-specialise",
        ],
    )
    .expect_code(0, "the objection");
    let r = v.as_user("e.petit", &["dossier", "show", &d]);
    assert!(
        !r.ok("the educator reads").contains(&secret),
        "control: the objection withholds it"
    );
    let objections = scan(&v, &layout::objection_prefix(&d));
    assert!(!objections.is_empty(), "the objection's record");
    forge_store(
        &v.dir,
        objections.into_iter().map(|(k, _)| Op::Remove(k)).collect(),
    );
    let r = v.as_user("e.petit", &["dossier", "show", &d]);
    let (code, out, err) = r.parts();
    assert!(
        code == 5 || (code == 0 && !out.contains(&secret)),
        "the objection's record deleted: exit {code}, shows the withheld note: {}; {err}",
        out.contains(&secret)
    );
    assert!(
        code != 5 || err.contains("ob/"),
        "exit 5 names the objection's record: {err}"
    );
}

/// A PostgreSQL vault served by `coffre serve` while another process (the
/// command line) changes a logged-in member's standing with `change`; the
/// member's browser session then does `click` (or nothing) and the server
/// stops. The log must still verify: a session whose member another process
/// revoked or re-issued ends without signing with the key the register no
/// longer accepts.
fn served_member_changed_elsewhere(change: &str, click: bool) {
    let mut v = TestVault::in_postgres("Etablissement de test", "dir.martin", "Direction Test");
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    let d = v.create_dossier("dir.martin", "Zorglub Personne", "2010-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    let log = v.root.path().join("serve.log");
    let mut server = util::http::Server::start(&v.dir, &log);
    let cookie = util::http::login(&server.host, "e.petit", v.pass("e.petit"));
    let page = format!("/dossiers/{d}");
    let (status, _, _) = util::http::http(&server.host, "GET", &page, &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "the educator reads on the web");
    let recovery = v.recovery.to_str().unwrap().to_string();
    let r = match change {
        "revoke" => v.as_user(
            "dir.martin",
            &["--wait", "30", "staff", "revoke", "e.petit"],
        ),
        _ => util::run_coffre(
            &[
                "--wait",
                "30",
                "recover",
                "--staff",
                "e.petit",
                "--recovery-key",
                &recovery,
            ],
            &util::Opts {
                vault: Some(&v.dir),
                user: Some("dir.martin"),
                pass: Some(v.pass("dir.martin")),
                new_pass: Some("e.petit-recovered-passphrase"),
                ..Default::default()
            },
        ),
    };
    r.expect_code(0, change);
    if click {
        let (status, _, _) =
            util::http::http(&server.host, "GET", &page, &[("Cookie", &cookie)], "");
        assert_ne!(
            status, 200,
            "the session of a member {change}d elsewhere reads on"
        );
    }
    let code = server.stop();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(code, 0, "the server stops cleanly: {text}");
    let r = v.verify();
    let (code, out, err) = r.parts();
    assert_eq!(
        code, 0,
        "after `{change}` by another process, the log no longer verifies: {out} {err}\n{text}"
    );
}

/// Departed member, ordinary use: revoked by the director from the command
/// line while logged in on the web; the server stops with no further click.
#[test]
fn revoked_by_another_process_while_served_then_the_server_stops() {
    served_member_changed_elsewhere("revoke", false);
}

/// The same, with the revoked member's next click before the stop.
#[test]
fn revoked_by_another_process_while_served_then_a_click() {
    served_member_changed_elsewhere("revoke", true);
}

/// Recovered (a new identity signed by the recovery key) by another process
/// while logged in on the web; the server stops with no further click.
#[test]
fn recovered_by_another_process_while_served_then_the_server_stops() {
    served_member_changed_elsewhere("recover", false);
}

/// The person supported, logged in on `/moi` of a PostgreSQL vault, while
/// another process issues their credential anew (a new passphrase and key);
/// the open session then tries to write a note, and the server stops. The
/// log must still verify, and the note must not be signed by the old key.
#[test]
fn person_credential_reissued_by_another_process_while_served() {
    let v = TestVault::in_postgres("Etablissement de test", "dir.martin", "Direction Test");
    let d = v.create_dossier("dir.martin", "Zorglub Personne", "2010-01-01");
    let grant = |pass: &str| {
        util::run_coffre(
            &[
                "--wait",
                "30",
                "access",
                "grant",
                &d,
                "--recovery-key",
                v.recovery.to_str().unwrap(),
            ],
            &util::Opts {
                vault: Some(&v.dir),
                user: Some("dir.martin"),
                pass: Some(v.pass("dir.martin")),
                new_pass: Some(pass),
                ..Default::default()
            },
        )
    };
    grant("person-first-passphrase-long").expect_code(0, "first grant");
    let log = v.root.path().join("serve.log");
    let mut server = util::http::Server::start(&v.dir, &log);
    let cookie = util::http::login_at(
        &server.host,
        "/moi/login",
        &[
            ("dossier", &d),
            ("passphrase", "person-first-passphrase-long"),
        ],
    )
    .unwrap_or_else(|(s, h)| panic!("person login: {s} {h}"));
    let (status, _, moi) =
        util::http::http(&server.host, "GET", "/moi", &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "the person reads /moi");
    let token = util::http::csrf(&moi).expect("csrf");
    grant("person-second-passphrase-long").expect_code(0, "the credential issued anew");
    let text = marker("PERSONNOTE");
    let (status, _, _) = util::http::post(
        &server.host,
        "/moi/note",
        &cookie,
        &[("csrf", &token), ("text", &text), ("about", "")],
    );
    let code = server.stop();
    let slog = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(code, 0, "the server stops cleanly: {slog}");
    let r = v.verify();
    let (code, out, err) = r.parts();
    assert_eq!(
        code, 0,
        "after a re-issue by another process (the old session's note: {status}), the log no longer verifies: {out} {err}\n{slog}"
    );
}

/// Departed member, PostgreSQL vault: a long upload (`document add -`, fed
/// slowly) is under way when another process revokes its author. The upload
/// must end refused, or be taken in before the revocation; in every case the
/// log verifies and the revoked member's key signs nothing after it.
#[test]
fn an_upload_under_way_when_its_author_is_revoked_elsewhere() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut v = TestVault::in_postgres("Etablissement de test", "dir.martin", "Direction Test");
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    let d = v.create_dossier("dir.martin", "Zorglub Personne", "2010-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    let mut child = Command::new(util::COFFRE)
        .args([
            "--vault",
            v.dir.to_str().unwrap(),
            "--user",
            "e.petit",
            "--wait",
            "30",
            "document",
            "add",
            &d,
            "-",
            "--title",
            "Bilan",
            "--type",
            "bilan",
            "--category",
            "educational",
            "--mime",
            "application/pdf",
        ])
        .env("COFFRE_PASSPHRASE", v.pass("e.petit"))
        .env("COFFRE_LANG", "en")
        .env_remove("COFFRE_VAULT")
        .env_remove("COFFRE_USER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Well past the pipe's buffer: these writes return once the upload is
    // reading its file.
    let mut block = b"%PDF-1.4\n".to_vec();
    block.resize(64 * 1024, b'x');
    for _ in 0..32 {
        if stdin.write_all(&block).is_err() {
            break;
        }
    }
    let r = v.as_user(
        "dir.martin",
        &["--wait", "60", "staff", "revoke", "e.petit"],
    );
    let revoked = r.code;
    for _ in 0..8 {
        if stdin.write_all(&block).is_err() {
            break;
        }
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let up_err = String::from_utf8_lossy(&out.stderr).into_owned();
    eprintln!(
        "revoke: exit {revoked}; upload: exit {:?} {up_err}",
        out.status.code()
    );
    assert!(
        !up_err.contains("unknown") && !up_err.contains("usage"),
        "the upload's arguments: {up_err}"
    );
    let r = v.verify();
    let (code, vout, verr) = r.parts();
    assert_eq!(
        code,
        0,
        "revoke: exit {revoked}; upload: exit {:?} {up_err}; the log: {vout} {verr}",
        out.status.code()
    );
}

// ------------------------------------------------- second factor, replayed

mod second_factor {
    use super::*;
    use util::http;

    const HALF: &str = "__Host-coffre-sf";

    fn required_policy() -> String {
        coffre::policy::DEFAULT_POLICY.replace(
            "second_factor = \"required-remote\"",
            "second_factor = \"required\"",
        )
    }

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    fn code_at(secret: &str, time: u64) -> String {
        let raw = totp_rs::Secret::try_from_base32(secret.replace(' ', "")).expect("base32");
        totp_rs::Builder::new()
            .with_secret(raw.as_ref().to_vec())
            .build()
            .expect("totp")
            .generate(time)
            .to_string()
    }

    fn by_id<'a>(page: &'a str, id: &str) -> &'a str {
        let start = page.find(&format!("id=\"{id}\">")).expect("element") + id.len() + 6;
        let end = page[start..].find('<').unwrap() + start;
        &page[start..end]
    }

    fn recovery_codes(page: &str) -> Vec<String> {
        let list = page
            .split("id=\"sf-recovery\">")
            .nth(1)
            .expect("recovery list");
        let list = &list[..list.find("</ol>").unwrap()];
        list.split("<code>")
            .skip(1)
            .map(|c| c[..c.find("</code>").unwrap()].to_string())
            .collect()
    }

    fn passphrase_step(host: &str, user: &str, pass: &str) -> (String, String) {
        let (status, head) =
            http::login_at(host, "/login", &[("user", user), ("passphrase", pass)])
                .expect_err("no session on the passphrase alone");
        assert_eq!(status, 303, "{head}");
        let half = format!(
            "{HALF}={}",
            http::set_cookie(&head, HALF).expect("half-open")
        );
        let (status, _, page) = http::http(
            host,
            "GET",
            "/connexion/second-facteur",
            &[("Cookie", &half)],
            "",
        );
        assert_eq!(status, 200, "{page}");
        (half, page)
    }

    fn send_code(
        host: &str,
        half: &str,
        page: &str,
        path: &str,
        code: &str,
    ) -> (u16, Option<String>) {
        let token = http::csrf(page).expect("csrf");
        let (status, head, _) = http::post(host, path, half, &[("code", code), ("csrf", &token)]);
        (
            status,
            http::set_cookie(&head, "__Host-coffre").map(|c| format!("__Host-coffre={c}")),
        )
    }

    fn logout(host: &str, cookie: &str) {
        let (_, _, page) = http::http(host, "GET", "/dossiers", &[("Cookie", cookie)], "");
        let token = http::csrf(&page).expect("csrf");
        let (status, _, _) = http::post(host, "/logout", cookie, &[("csrf", &token)]);
        assert_eq!(status, 303);
    }

    /// Administrator with disk access who has seen a member's passphrase and
    /// one recovery code as it was typed (over the shoulder, a phishing
    /// page): the code was accepted once. `sfu/` is "derived" from the
    /// member's `auth.second-factor` lines, read through the actors' index
    /// `ax/a` — which nothing chains. Removing the cache and the one index
    /// record of that line gives the used code back: a web session opens.
    #[test]
    fn a_used_recovery_code_stays_used_when_the_actor_index_loses_its_line() {
        let mut v = TestVault::with_policy(&required_policy());
        v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
        let log = v.root.path().join("serve.log");
        let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
        let host = server.host.clone();
        let (half, page) = passphrase_step(&host, "e.petit", v.pass("e.petit"));
        let secret = by_id(&page, "sf-secret").to_string();
        let codes = recovery_codes(&page);
        let (status, session) = send_code(
            &host,
            &half,
            &page,
            "/connexion/second-facteur/inscription",
            &code_at(&secret, now()),
        );
        assert_eq!(status, 303, "enrolled");
        logout(&host, &session.expect("session"));
        // The recovery code, used once, honestly.
        let (half, page) = passphrase_step(&host, "e.petit", v.pass("e.petit"));
        let (status, session) =
            send_code(&host, &half, &page, "/connexion/second-facteur", &codes[0]);
        assert_eq!(status, 303, "the recovery code opens a session once");
        logout(&host, &session.expect("session"));
        let (half, page) = passphrase_step(&host, "e.petit", v.pass("e.petit"));
        let (status, _) = send_code(&host, &half, &page, "/connexion/second-facteur", &codes[0]);
        assert_eq!(status, 401, "control: used once");
        assert_eq!(server.stop(), 0);

        // The attack: the cache, and the actors' index record of the line
        // that accepted the code.
        let seqs: Vec<u64> = v
            .audit_lines()
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|e| {
                e["actor"] == "e.petit"
                    && e["action"]
                        .as_str()
                        .is_some_and(|a| a.starts_with("auth.second-factor"))
                    && e["detail"]
                        .as_str()
                        .is_some_and(|d| d.starts_with("recovery code"))
                    && e["outcome"] == "ok"
            })
            .map(|e| e["seq"].as_u64().unwrap())
            .collect();
        assert_eq!(seqs.len(), 1, "one accepted recovery code in the log");
        let mut ops = vec![Op::Remove(layout::second_factor_uses("e.petit"))];
        ops.push(Op::Remove(layout::audit_index('a', "e.petit", seqs[0])));
        forge_store(&v.dir, ops);

        let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
        let (half, page) = passphrase_step(&server.host, "e.petit", v.pass("e.petit"));
        let (status, session) = send_code(
            &server.host,
            &half,
            &page,
            "/connexion/second-facteur",
            &codes[0],
        );
        server.stop();
        assert!(
            status != 303 && session.is_none(),
            "a used recovery code opened a session again (status {status})"
        );
    }
}

/// Ordinary use on a PostgreSQL vault: the person supported is logged in on
/// `/moi` when the director erases their dossier from the command line (its
/// retention has run out, or the person asked). The person's open session
/// then writes a note and an objection, and the server stops: the log must
/// still verify, and nothing is written into the erased dossier.
#[test]
fn a_dossier_erased_by_another_process_while_its_person_is_served() {
    let v = TestVault::in_postgres("Etablissement de test", "dir.martin", "Direction Test");
    let d = v.create_dossier("dir.martin", "Zorglub Personne", "2010-01-01");
    util::run_coffre(
        &[
            "access",
            "grant",
            &d,
            "--recovery-key",
            v.recovery.to_str().unwrap(),
        ],
        &util::Opts {
            vault: Some(&v.dir),
            user: Some("dir.martin"),
            pass: Some(v.pass("dir.martin")),
            new_pass: Some("person-first-passphrase-long"),
            ..Default::default()
        },
    )
    .expect_code(0, "grant");
    let log = v.root.path().join("serve.log");
    let mut server = util::http::Server::start(&v.dir, &log);
    let cookie = util::http::login_at(
        &server.host,
        "/moi/login",
        &[
            ("dossier", &d),
            ("passphrase", "person-first-passphrase-long"),
        ],
    )
    .unwrap_or_else(|(s, h)| panic!("person login: {s} {h}"));
    let (status, _, moi) =
        util::http::http(&server.host, "GET", "/moi", &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "the person reads /moi");
    let token = util::http::csrf(&moi).expect("csrf");
    v.as_user(
        "dir.martin",
        &[
            "--wait", "30", "dossier", "erase", &d, "--reason", "demande", "--yes",
        ],
    )
    .expect_code(0, "erase");
    let text = marker("PERSONNOTE");
    let (note, _, _) = util::http::post(
        &server.host,
        "/moi/note",
        &cookie,
        &[("csrf", &token), ("text", &text), ("about", "")],
    );
    let (objection, _, _) = util::http::post(
        &server.host,
        "/moi/objection",
        &cookie,
        &[
            ("csrf", &token),
            ("category", "educational"),
            ("profession", "infirmier"),
        ],
    );
    let code = server.stop();
    let slog = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(code, 0, "the server stops cleanly: {slog}");
    let r = v.verify();
    let (code, out, err) = r.parts();
    assert_eq!(
        code, 0,
        "after an erasure by another process (note: {note}, objection: {objection}), the log no longer verifies: {out} {err}\n{slog}"
    );
}

/// Administrator with disk access: a correction written today rolled back
/// (`de/{dossier}/{entry}` put back as it was before the amendment). The
/// dossier's page and `dossier show` name the note as damaged; the day's
/// transmissions (`/transmissions`) must too, or fail — not leave today's note
/// out silently while showing the rest of the day.
#[test]
fn transmissions_name_a_note_rolled_back_today() {
    let v = TestVault::new();
    let d = v.create_dossier("dir.martin", "Zorglub Personne", "2010-01-01");
    let keep = marker("KEEP");
    v.add_entry("dir.martin", &d, "identity", &[&format!("text={keep}")]);
    let first = marker("FIRST");
    let e = v.add_entry("dir.martin", &d, "identity", &[&format!("text={first}")]);
    let before = util::stored(&v.dir, &layout::dossier_entry(&d, &e)).expect("de/ record");
    let second = marker("SECOND");
    v.as_user(
        "dir.martin",
        &["entry", "amend", &e, "--field", &format!("text={second}")],
    )
    .expect_code(0, "amend");
    let page = |v: &TestVault| {
        let log = v.root.path().join("serve.log");
        let mut server = util::http::Server::start(&v.dir, &log);
        let cookie = util::http::login(&server.host, "dir.martin", v.pass("dir.martin"));
        let (status, _, body) = util::http::http(
            &server.host,
            "GET",
            "/transmissions",
            &[("Cookie", &cookie)],
            "",
        );
        server.stop();
        (status, body)
    };
    let (status, body) = page(&v);
    assert_eq!(status, 200);
    assert!(
        body.contains(&keep) && body.contains(&second),
        "control: today's notes in the transmissions"
    );
    forge_store(&v.dir, vec![Op::Put(layout::dossier_entry(&d, &e), before)]);
    let r = v.as_user("dir.martin", &["dossier", "show", &d]);
    assert_eq!(
        r.code, 5,
        "dossier show names the rolled-back note: {}",
        r.stderr
    );
    let (status, body) = page(&v);
    assert!(
        status != 200 || body.contains(&e) || body.contains("role=\"alert\""),
        "the transmissions page ({status}) leaves the rolled-back note out silently \
         (shows the other note: {}, the id: {})",
        body.contains(&keep),
        body.contains(&e)
    );
}

/// Administrator with disk access: the last sealed chunk of a document
/// removed. `document get --out FILE` must fail (exit 5 naming the chunk) and
/// leave no partial file behind that looks like the document.
#[test]
fn a_document_chunk_removed_leaves_no_partial_file() {
    let v = TestVault::new();
    let d = v.create_dossier("dir.martin", "Zorglub Personne", "2010-01-01");
    let file = v.root.path().join("bilan.pdf");
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.resize(200 * 1024, b'z');
    std::fs::write(&file, &bytes).unwrap();
    let r = v.as_user(
        "dir.martin",
        &[
            "document",
            "add",
            &d,
            file.to_str().unwrap(),
            "--title",
            "Bilan",
            "--type",
            "bilan",
            "--category",
            "identity",
        ],
    );
    let doc = r.ok("document add").trim().to_string();
    let chunks = scan(&v, &layout::document_chunk_prefix(&d));
    assert_eq!(chunks.len(), 4, "four chunks of 64 KiB");
    let last = chunks.last().unwrap().0.clone();
    forge_store(&v.dir, vec![Op::Remove(last.clone())]);
    let out = v.root.path().join("got.pdf");
    let r = v.as_user(
        "dir.martin",
        &["document", "get", &d, &doc, "--out", out.to_str().unwrap()],
    );
    assert_eq!(r.code, 5, "the missing chunk: {}", r.stderr);
    assert!(
        r.stderr
            .contains(&String::from_utf8_lossy(&last).to_string())
            || r.stderr.contains("dc/"),
        "names the chunk: {}",
        r.stderr
    );
    assert!(
        !out.exists(),
        "a partial plaintext file of {} bytes is left at --out",
        std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0)
    );
}

/// Ordinary use on a PostgreSQL vault: the DPO prunes the access trail from
/// the command line while a site serves a member who reads before and after.
/// The pruned lines are rewritten under the server's feet: the server's own
/// lines, its closing checkpoint and both verifiers must still agree.
#[test]
fn a_prune_by_another_process_while_a_site_serves() {
    const TWO_YEARS: i64 = -2 * 365 * 86_400;
    let mut v = TestVault::in_postgres("Etablissement de test", "dir.martin", "Direction Test");
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    v.add_staff("p.dpo", "Paul Dpo", "dpo", false);
    let lib = util::clock::shim(v.root.path());
    let d = v.create_dossier("dir.martin", "Zorglub Personne", "2010-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    v.add_entry(
        "dir.martin",
        &d,
        "identity",
        &[&format!("text={}", marker("N"))],
    );
    for _ in 0..3 {
        v.as_user_at(&lib, TWO_YEARS, "e.petit", &["dossier", "show", &d])
            .expect_code(0, "an old read");
    }
    v.add_entry(
        "dir.martin",
        &d,
        "identity",
        &[&format!("text={}", marker("M"))],
    );
    let log = v.root.path().join("serve.log");
    let mut server = util::http::Server::start(&v.dir, &log);
    let cookie = util::http::login(&server.host, "e.petit", v.pass("e.petit"));
    let page = format!("/dossiers/{d}");
    let (status, _, _) = util::http::http(&server.host, "GET", &page, &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "a read before the prune");
    let export = v.root.path().join("export.cp");
    v.as_user(
        "p.dpo",
        &[
            "--wait",
            "30",
            "audit",
            "checkpoint",
            "--out",
            export.to_str().unwrap(),
        ],
    )
    .expect_code(0, "export a checkpoint");
    let r = v.as_user(
        "p.dpo",
        &["--wait", "30", "audit", "prune", "--yes", "--confirm-clock"],
    );
    r.expect_code(0, "prune");
    assert!(
        r.stdout.contains("pruned"),
        "something pruned: {}",
        r.stdout
    );
    let (status, _, _) = util::http::http(&server.host, "GET", &page, &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "a read after the prune");
    let code = server.stop();
    let slog = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(code, 0, "the server stops cleanly: {slog}");
    let r = v.verify();
    let (code, out, err) = r.parts();
    assert_eq!(
        code, 0,
        "after a prune under a serving site: {out} {err}\n{slog}"
    );
    let r = v.as_user("p.dpo", &["audit", "history", &d]);
    assert_eq!(r.code, 0, "the DPO reads the history: {}", r.stderr);
}

/// The same, when the rolled-back note is the dossier's only note of the
/// day: `Session::transmissions` keeps only dossiers with a *checked* note
/// of the day, so the dossier is not even read (no error, no audit line).
#[test]
fn transmissions_name_a_dossier_whose_only_note_of_the_day_was_rolled_back() {
    let v = TestVault::new();
    let other = v.create_dossier("dir.martin", "Autre Personne", "2011-01-01");
    let keep = marker("KEEP");
    v.add_entry("dir.martin", &other, "identity", &[&format!("text={keep}")]);
    let d = v.create_dossier("dir.martin", "Zorglub Personne", "2010-01-01");
    let e = v.add_entry(
        "dir.martin",
        &d,
        "identity",
        &[&format!("text={}", marker("FIRST"))],
    );
    let before = util::stored(&v.dir, &layout::dossier_entry(&d, &e)).expect("de/ record");
    v.as_user(
        "dir.martin",
        &[
            "entry",
            "amend",
            &e,
            "--field",
            &format!("text={}", marker("SECOND")),
        ],
    )
    .expect_code(0, "amend");
    forge_store(&v.dir, vec![Op::Put(layout::dossier_entry(&d, &e), before)]);
    let log = v.root.path().join("serve.log");
    let mut server = util::http::Server::start(&v.dir, &log);
    let cookie = util::http::login(&server.host, "dir.martin", v.pass("dir.martin"));
    let (status, _, body) = util::http::http(
        &server.host,
        "GET",
        "/transmissions",
        &[("Cookie", &cookie)],
        "",
    );
    server.stop();
    assert!(
        status != 200 || body.contains(&e) || body.contains(&d) || body.contains("role=\"alert\""),
        "the transmissions page ({status}) leaves the dossier out silently (shows the other dossier's note: {})",
        body.contains(&keep)
    );
}

/// The same rollback, read through the other web pages that show the note:
/// the readable copy for the person and the note's versions must fail or
/// name the damage, never show the text before its correction as the note.
#[test]
fn web_pages_name_a_note_whose_correction_was_rolled_back() {
    let v = TestVault::new();
    let d = v.create_dossier("dir.martin", "Zorglub Personne", "2010-01-01");
    let first = marker("FIRST");
    let e = v.add_entry("dir.martin", &d, "identity", &[&format!("text={first}")]);
    let before = util::stored(&v.dir, &layout::dossier_entry(&d, &e)).expect("de/ record");
    let second = marker("SECOND");
    v.as_user(
        "dir.martin",
        &["entry", "amend", &e, "--field", &format!("text={second}")],
    )
    .expect_code(0, "amend");
    forge_store(&v.dir, vec![Op::Put(layout::dossier_entry(&d, &e), before)]);
    let log = v.root.path().join("serve.log");
    let mut server = util::http::Server::start(&v.dir, &log);
    let cookie = util::http::login(&server.host, "dir.martin", v.pass("dir.martin"));
    let mut silent = Vec::new();
    for page in [
        format!("/dossiers/{d}"),
        format!("/dossiers/{d}/copie-lisible"),
        format!("/notes/{e}/versions"),
    ] {
        let (status, _, body) =
            util::http::http(&server.host, "GET", &page, &[("Cookie", &cookie)], "");
        if status == 200 && body.contains(&first) && !body.contains(&second) {
            silent.push(page);
        }
    }
    server.stop();
    assert!(
        silent.is_empty(),
        "shown as the note, before its correction: {silent:?}"
    );
}

/// Ordinary use on a PostgreSQL vault: a member's note form is open on the
/// web when the director removes them from the care team from the command
/// line; the form is then sent. The note must be refused (the register of
/// the serving process takes in the removal first), and the log verifies.
#[test]
fn a_note_sent_after_a_removal_from_the_team_by_another_process() {
    let mut v = TestVault::in_postgres("Etablissement de test", "dir.martin", "Direction Test");
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    let d = v.create_dossier("dir.martin", "Zorglub Personne", "2010-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    let log = v.root.path().join("serve.log");
    let mut server = util::http::Server::start(&v.dir, &log);
    let cookie = util::http::login(&server.host, "e.petit", v.pass("e.petit"));
    let path = format!("/dossiers/{d}/notes/new");
    let (status, _, body) =
        util::http::http(&server.host, "GET", &path, &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "the note form");
    let token = util::http::csrf(&body).expect("csrf");
    v.as_user(
        "dir.martin",
        &["--wait", "30", "dossier", "team", "remove", &d, "e.petit"],
    )
    .expect_code(0, "team remove");
    let text = marker("LATE");
    let (status, head, _) = util::http::post(
        &server.host,
        &path,
        &cookie,
        &[
            ("csrf", &token),
            ("kind", "educational"),
            ("field.text", &text),
        ],
    );
    let code = server.stop();
    let slog = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(code, 0, "the server stops cleanly: {slog}");
    assert!(
        status != 303 || !head.contains("#e-"),
        "a note written by a member removed from the team: {status} {head}"
    );
    let r = v.verify();
    let (code, out, err) = r.parts();
    assert_eq!(code, 0, "{out} {err}\n{slog}");
}

/// Administrator with disk access: one dossier's erasure key file replaced by
/// another dossier's (`erasure/{dossier}`, or a row of `coffre.erasure_keys`).
/// Reading the dossier is an integrity failure, as it must be — and it must
/// name what was replaced, not only "a sealed value failed to open".
#[test]
fn an_erasure_key_swapped_with_another_dossiers_is_named() {
    let v = TestVault::new();
    let d1 = v.create_dossier("dir.martin", "Zorglub Personne", "2010-01-01");
    let d2 = v.create_dossier("dir.martin", "Autre Personne", "2011-01-01");
    v.add_entry(
        "dir.martin",
        &d2,
        "identity",
        &[&format!("text={}", marker("N"))],
    );
    let key = std::fs::read(v.dir.join("erasure").join(&d1)).expect("d1's erasure key");
    std::fs::write(v.dir.join("erasure").join(&d2), key).unwrap();
    let r = v.as_user("dir.martin", &["dossier", "show", &d2]);
    assert_eq!(r.code, 5, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("erasure/{d2}")) || r.stderr.contains("erasure key"),
        "exit 5 without naming the erasure key: {}",
        r.stderr
    );
}
