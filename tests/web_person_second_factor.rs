//! The person's own second factor on `/moi`, black-box over HTTP (`coffre
//! serve` on a vault made with the command line): the person enrols an
//! authenticator app from their page (the test reads the secret shown and
//! computes the codes itself), their login then asks for a code (the
//! passphrase alone opens no session), a code and a recovery code are each
//! accepted once, they remove it, a member resets it; the "required"
//! policy; and a factor record planted in the files (deleted, rolled back,
//! copied from another dossier), never a way in.

use crate::util;

use util::http;
use util::{Opts, TestVault};

const HALF: &str = "__Host-coffre-sf";
const PERSON_PASS: &str = "person-second-factor-passphrase-1";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The six-digit code of `secret` (base32, as the page shows it) at `time`.
fn code_at(secret: &str, time: u64) -> String {
    let raw = totp_rs::Secret::try_from_base32(secret.replace(' ', "")).expect("base32 secret");
    let totp = totp_rs::Builder::new()
        .with_secret(raw.as_ref().to_vec())
        .build()
        .expect("totp");
    totp.generate(time).to_string()
}

fn by_id<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no #{id} in {page}"))
        + id.len()
        + 6;
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

/// A vault whose director made a dossier and gave the person their own
/// access (with the recovery key); with `policy` instead of the default.
fn vault_with_person(policy: Option<&str>) -> (TestVault, String) {
    let v = match policy {
        Some(p) => TestVault::with_policy(p),
        None => TestVault::new(),
    };
    let admin = v.admin.clone();
    let dossier = v.create_dossier(&admin, "Camille Durand", "2001-02-03");
    grant(&v, &dossier);
    (v, dossier)
}

fn grant(v: &TestVault, dossier: &str) {
    util::run_coffre(
        &[
            "--user",
            &v.admin,
            "access",
            "grant",
            dossier,
            "--recovery-key",
            v.recovery.to_str().unwrap(),
        ],
        &Opts {
            vault: Some(&v.dir),
            pass: Some(v.pass(&v.admin)),
            new_pass: Some(PERSON_PASS),
            ..Opts::default()
        },
    )
    .expect_code(0, "access grant");
}

fn required_policy() -> String {
    let p = coffre::policy::DEFAULT_POLICY.replace(
        "person_second_factor = \"optional\"",
        "person_second_factor = \"required\"",
    );
    assert_ne!(
        p,
        coffre::policy::DEFAULT_POLICY,
        "the shipped policy names the rule"
    );
    p
}

/// The person's passphrase step: `Ok(session cookie)` when it opened a
/// session at once, `Err((half-open cookie, the step's page))` when it asks
/// for the second factor.
fn person_login(host: &str, dossier: &str) -> Result<String, (String, String)> {
    match http::login_at(
        host,
        "/moi/login",
        &[("dossier", dossier), ("passphrase", PERSON_PASS)],
    ) {
        Ok(cookie) => Ok(cookie),
        Err((status, head)) => {
            assert_eq!(status, 303, "{head}");
            assert_eq!(
                http::location(&head).as_deref(),
                Some("/connexion/second-facteur"),
                "{head}"
            );
            let half = format!(
                "{HALF}={}",
                http::set_cookie(&head, HALF).expect("half-open cookie")
            );
            let (status, _, page) = http::http(
                host,
                "GET",
                "/connexion/second-facteur",
                &[("Cookie", &half)],
                "",
            );
            assert_eq!(status, 200, "{page}");
            Err((half, page))
        }
    }
}

fn asks_code(host: &str, dossier: &str) -> (String, String) {
    person_login(host, dossier).expect_err("the passphrase alone opens no session")
}

/// Posts `code` on the half-open page at `path`: (status, session cookie, body).
fn send_code(
    host: &str,
    half: &str,
    page: &str,
    path: &str,
    code: &str,
) -> (u16, Option<String>, String) {
    let token = http::csrf(page).expect("csrf");
    let (status, head, body) = http::post(host, path, half, &[("code", code), ("csrf", &token)]);
    let session = http::set_cookie(&head, "__Host-coffre").map(|c| format!("__Host-coffre={c}"));
    (status, session, body)
}

/// Enrols an app from the person's own page: (secret, recovery codes).
fn enrol_from_page(host: &str, cookie: &str) -> (String, Vec<String>) {
    let (status, _, page) = http::http(
        host,
        "GET",
        "/moi/second-facteur/inscription",
        &[("Cookie", cookie)],
        "",
    );
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<svg"), "a QR code drawn as SVG");
    let secret = by_id(&page, "sf-secret").to_string();
    let codes = recovery_codes(&page);
    assert_eq!(codes.len(), 10);
    let token = http::csrf(&page).expect("csrf");
    let (status, head, body) = http::post(
        host,
        "/moi/second-facteur/inscription",
        cookie,
        &[("code", &code_at(&secret, now())), ("csrf", &token)],
    );
    assert_eq!(status, 303, "{body}");
    assert_eq!(
        http::location(&head).as_deref(),
        Some("/moi/second-facteur?fait=1")
    );
    (secret, codes)
}

fn logout(host: &str, cookie: &str) {
    let (_, _, page) = http::http(host, "GET", "/moi", &[("Cookie", cookie)], "");
    let token = http::csrf(&page).expect("csrf");
    let (status, _, _) = http::post(host, "/logout", cookie, &[("csrf", &token)]);
    assert_eq!(status, 303);
}

fn factor_id(page: &str) -> String {
    let at = page
        .find("data-factor=\"")
        .unwrap_or_else(|| panic!("no factor in {page}"))
        + 13;
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

fn json_lines(v: &TestVault, from: usize) -> Vec<serde_json::Value> {
    v.audit_lines()[from..]
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .collect()
}

fn python_verifies(v: &TestVault) {
    let out = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/verify_audit.py"))
        .arg(&v.dir)
        .output()
        .expect("python3");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_person_enrols_and_their_login_then_asks_each_code_once() {
    let (mut v, dossier) = vault_with_person(None);
    v.add_staff("dpo.lambert", "Dominique Lambert", "dpo", true);
    let admin = v.admin.clone();
    let before = v.audit_lines().len();
    let mut server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();

    // Optional: the passphrase opens the session; the page offers the factor.
    let cookie = person_login(&host, &dossier).expect("no factor yet: a session");
    let (_, _, moi) = http::http(&host, "GET", "/moi", &[("Cookie", &cookie)], "");
    assert!(moi.contains("href=\"/moi/second-facteur\""), "{moi}");
    let (status, _, own) = http::http(
        &host,
        "GET",
        "/moi/second-facteur",
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(status, 200, "{own}");
    assert!(own.contains("Mon second facteur"), "{own}");
    let (secret, codes) = enrol_from_page(&host, &cookie);
    let (_, _, own) = http::http(
        &host,
        "GET",
        "/moi/second-facteur",
        &[("Cookie", &cookie)],
        "",
    );
    assert!(own.contains("data-factor=\"totp-"), "{own}");
    assert!(!own.contains(&secret), "the secret is shown once");
    logout(&host, &cookie);

    // The passphrase alone now opens nothing: no page of /moi half-open.
    let (half, page) = asks_code(&host, &dossier);
    for path in ["/moi", "/moi/second-facteur", "/moi/export.json", "/"] {
        let (status, head, _) = http::http(&host, "GET", path, &[("Cookie", &half)], "");
        assert_eq!(status, 303, "{path} is not served half-open");
        assert!(
            http::location(&head).is_some_and(|l| l.ends_with("login")),
            "{path}: {head}"
        );
    }
    // The enrolment's code (its time step) is used already; a wrong one is
    // refused; the next step's opens the session, once.
    let used = code_at(&secret, now());
    let (status, session, _) = send_code(&host, &half, &page, "/connexion/second-facteur", &used);
    assert_eq!(status, 401, "a used code is refused");
    assert!(session.is_none());
    let wrong = format!("{:06}", (used.parse::<u32>().unwrap() + 1) % 1_000_000);
    let (status, session, _) = send_code(&host, &half, &page, "/connexion/second-facteur", &wrong);
    assert_eq!(status, 401);
    assert!(session.is_none());
    let next = code_at(&secret, now() + 30);
    let (status, session, body) =
        send_code(&host, &half, &page, "/connexion/second-facteur", &next);
    assert_eq!(status, 303, "{body}");
    let cookie = session.expect("session");
    let (status, _, moi) = http::http(&host, "GET", "/moi", &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "{moi}");
    logout(&host, &cookie);
    let (half, page) = asks_code(&host, &dossier);
    let (status, session, _) = send_code(&host, &half, &page, "/connexion/second-facteur", &next);
    assert_eq!(status, 401, "a code is accepted once");
    assert!(session.is_none());

    // A recovery code works once.
    let (status, session, _) =
        send_code(&host, &half, &page, "/connexion/second-facteur", &codes[2]);
    assert_eq!(status, 303);
    logout(&host, &session.expect("session"));
    let (half, page) = asks_code(&host, &dossier);
    let (status, session, _) =
        send_code(&host, &half, &page, "/connexion/second-facteur", &codes[2]);
    assert_eq!(status, 401, "a recovery code is used once");
    assert!(session.is_none());
    // Four wrong or used codes and the passphrase of this login: the login
    // throttle holds the dossier on this address, even for a good code.
    let (status, session, _) =
        send_code(&host, &half, &page, "/connexion/second-facteur", &codes[5]);
    assert_eq!(status, 429, "wrong codes count against the login throttle");
    assert!(session.is_none());
    // (The throttle lives in the server's memory: a new server starts afresh.)
    server.stop();
    let mut server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();

    // The person removes it: the passphrase alone opens again.
    let (half, page) = asks_code(&host, &dossier);
    let (status, session, _) =
        send_code(&host, &half, &page, "/connexion/second-facteur", &codes[5]);
    assert_eq!(status, 303);
    let cookie = session.expect("session");
    let (_, _, own) = http::http(
        &host,
        "GET",
        "/moi/second-facteur",
        &[("Cookie", &cookie)],
        "",
    );
    let id = factor_id(&own);
    let token = http::csrf(&own).expect("csrf");
    let (status, _, body) = http::post(
        &host,
        &format!("/moi/second-facteur/{id}/retirer"),
        &cookie,
        &[("csrf", &token)],
    );
    assert_eq!(status, 303, "{body}");
    let (_, _, own) = http::http(
        &host,
        "GET",
        "/moi/second-facteur",
        &[("Cookie", &cookie)],
        "",
    );
    assert!(!own.contains("data-factor="), "removed: {own}");
    logout(&host, &cookie);
    let cookie = person_login(&host, &dossier).expect("removed: the passphrase opens");

    // Enrolled again, then reset by a member (a lost phone and lost codes):
    // the person's open session ends, and the passphrase opens again.
    let (secret2, _) = enrol_from_page(&host, &cookie);
    let staff = http::login(&host, &admin, v.pass(&admin));
    let (_, _, page) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{dossier}"),
        &[("Cookie", &staff)],
        "",
    );
    let reset = format!("/dossiers/{dossier}/second-facteur-personne/reinitialiser");
    assert!(page.contains(&reset), "{page}");
    let token = http::csrf(&page).expect("csrf");
    let (status, _, body) = http::post(&host, &reset, &staff, &[("csrf", &token)]);
    assert_eq!(status, 303, "{body}");
    let (status, _, _) = http::http(&host, "GET", "/moi", &[("Cookie", &cookie)], "");
    assert_ne!(status, 200, "the session opened with the factor ends");
    let cookie = person_login(&host, &dossier).expect("reset: the passphrase opens");
    // The person's own history tells them, in their words.
    let (_, _, moi) = http::http(&host, "GET", "/moi", &[("Cookie", &cookie)], "");
    for words in [
        "a inscrit un second facteur",
        "a retiré un second facteur",
        "a réinitialisé le second facteur de la personne accompagnée",
    ] {
        assert!(moi.contains(words), "{words}: {moi}");
    }
    logout(&host, &cookie);
    server.stop();

    // Every step is in the log, in the person's name; both verifiers accept it.
    let lines = json_lines(&v, before);
    let actor = format!("person.{dossier}");
    let count = |action: &str, outcome: &str| {
        lines
            .iter()
            .filter(|e| e["action"] == action && e["outcome"] == outcome && e["actor"] == *actor)
            .count()
    };
    assert_eq!(count("auth.second-factor.enrol", "ok"), 2, "{lines:#?}");
    assert_eq!(
        count("auth.second-factor", "ok"),
        3,
        "a code, two recovery codes"
    );
    assert_eq!(count("auth.second-factor", "failed"), 4, "{lines:#?}");
    assert_eq!(count("auth.second-factor.remove", "ok"), 1);
    let reset_line = lines
        .iter()
        .find(|e| e["action"] == "auth.second-factor.reset-person")
        .expect("the reset");
    assert_eq!(reset_line["actor"], admin.as_str());
    assert_eq!(reset_line["dossier"], dossier.as_str());
    let facts: Vec<&serde_json::Value> = lines.iter().filter(|e| e["fact"].is_object()).collect();
    assert!(
        facts.iter().any(|e| e["fact"]["kind"] == "second-factor"
            && e["fact"]["member"] == format!("person:{dossier}")
            && e["signer"] == format!("person:{dossier}")),
        "the person signs their enrolment: {facts:#?}"
    );
    let all = v.audit_lines().join("\n");
    for s in [&secret, &secret2] {
        assert!(!all.contains(&s.replace(' ', "")), "no secret in the log");
    }
    assert!(!all.contains(&codes[0]), "no recovery code in the log");
    v.verify().expect_code(0, "the log verifies");
    python_verifies(&v);
    v.as_user(&admin, &["check"]).expect_code(0, "coffre check");

    // The DPO reads the steps in French; the person's own history shows them.
    let text = v
        .as_user(
            "dpo.lambert",
            &["--lang", "fr", "audit", "log", "--dossier", &dossier],
        )
        .ok("audit log")
        .to_string();
    assert!(text.contains("a inscrit un second facteur"), "{text}");
    assert!(
        text.contains("a réinitialisé le second facteur de la personne accompagnée"),
        "{text}"
    );
}

#[test]
fn the_required_policy_sends_the_person_to_enrol_after_their_passphrase() {
    let (v, dossier) = vault_with_person(Some(&required_policy()));
    let mut server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let (half, page) = asks_code(&host, &dossier);
    assert!(page.contains("sf-secret"), "enrolment first: {page}");
    let (status, _, _) = http::http(&host, "GET", "/moi", &[("Cookie", &half)], "");
    assert_eq!(status, 303, "no page before enrolment");
    let secret = by_id(&page, "sf-secret").to_string();
    // A wrong code enrols nothing.
    let good = code_at(&secret, now());
    let wrong = format!("{:06}", (good.parse::<u32>().unwrap() + 7) % 1_000_000);
    let (status, session, _) = send_code(
        &host,
        &half,
        &page,
        "/connexion/second-facteur/inscription",
        &wrong,
    );
    assert_eq!(status, 401);
    assert!(session.is_none());
    let (status, session, body) = send_code(
        &host,
        &half,
        &page,
        "/connexion/second-facteur/inscription",
        &good,
    );
    assert_eq!(status, 303, "{body}");
    let cookie = session.expect("enrolled: the session opens");
    logout(&host, &cookie);
    let (_, page) = asks_code(&host, &dossier);
    assert!(!page.contains("sf-secret"), "enrolled: a code is asked");
    server.stop();
}

/// A factor record planted in the folder by someone with the files: removed,
/// rolled back to an older one, or copied from another dossier. None opens a
/// session; each is an integrity failure naming the record, or decides nothing.
#[test]
fn a_planted_person_factor_is_never_a_way_in() {
    let (v, dossier) = vault_with_person(None);
    let other = v.create_dossier(&v.admin, "Jules Bernard", "1999-09-09");
    grant(&v, &other);
    let log = v.root.path().join("serve.log");
    let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
    let host = server.host.clone();
    // The first dossier's person enrols (its record kept aside), removes it,
    // enrols again; the other dossier's person enrols.
    let cookie = person_login(&host, &dossier).expect("session");
    let (old_secret, _) = enrol_from_page(&host, &cookie);
    logout(&host, &cookie);
    server.stop();
    let old_records = v
        .raw_store()
        .scan_prefix(format!("psf/{dossier}/").as_bytes())
        .unwrap();
    let (old_key, old_value) = old_records[0].clone();
    let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
    let host = server.host.clone();
    let (half, page) = asks_code(&host, &dossier);
    let (status, session, _) = send_code(
        &host,
        &half,
        &page,
        "/connexion/second-facteur",
        &code_at(&old_secret, now() + 30),
    );
    assert_eq!(status, 303);
    let cookie = session.expect("session");
    let (_, _, own) = http::http(
        &host,
        "GET",
        "/moi/second-facteur",
        &[("Cookie", &cookie)],
        "",
    );
    let old_id = factor_id(&own);
    let token = http::csrf(&own).expect("csrf");
    let (status, _, _) = http::post(
        &host,
        &format!("/moi/second-facteur/{old_id}/retirer"),
        &cookie,
        &[("csrf", &token)],
    );
    assert_eq!(status, 303);
    let (secret, _) = enrol_from_page(&host, &cookie);
    logout(&host, &cookie);
    let cookie = person_login(&host, &other).expect("session");
    let (other_secret, _) = enrol_from_page(&host, &cookie);
    logout(&host, &cookie);
    server.stop();

    let store_keys = |prefix: &str| -> Vec<(Vec<u8>, Vec<u8>)> {
        let store = v.raw_store();
        let got = store.scan_prefix(prefix.as_bytes()).unwrap();
        got
    };
    let mine = store_keys(&format!("psf/{dossier}/"));
    assert_eq!(mine.len(), 1, "the removed record went");
    let (current_key, current) = mine[0].clone();
    let theirs = store_keys(&format!("psf/{other}/"));
    let (their_key, their_value) = theirs[0].clone();
    let their_id = String::from_utf8_lossy(&their_key)
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();

    // (a) Copied from another dossier, beside the person's own: named.
    let copied = format!("psf/{dossier}/{their_id}").into_bytes();
    util::forge_store(
        &v.dir,
        vec![coffre::store::Op::Put(copied.clone(), their_value.clone())],
    );
    let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
    let (status, head) = http::login_at(
        &server.host,
        "/moi/login",
        &[("dossier", &dossier), ("passphrase", PERSON_PASS)],
    )
    .expect_err("no session with a planted factor");
    assert_ne!(
        http::location(&head).as_deref(),
        Some("/connexion/second-facteur"),
        "{status} {head}"
    );
    server.stop();
    let check = v.as_user(&v.admin, &["check"]);
    let (code, out, err) = check.parts();
    assert_eq!(code, 5, "{out}{err}");
    assert!(
        format!("{out}{err}").contains(&format!("psf/{dossier}/{their_id}")),
        "named: {out}{err}"
    );

    // (b) Deleted: the factor the register holds is missing.
    util::forge_store(
        &v.dir,
        vec![
            coffre::store::Op::Remove(copied),
            coffre::store::Op::Remove(current_key.clone()),
        ],
    );
    let check = v.as_user(&v.admin, &["check"]);
    let (code, out, err) = check.parts();
    assert_eq!(code, 5, "{out}{err}");
    assert!(format!("{out}{err}").contains(&format!("psf/{dossier}/")));
    let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
    let got = http::login_at(
        &server.host,
        "/moi/login",
        &[("dossier", &dossier), ("passphrase", PERSON_PASS)],
    );
    assert!(got.is_err(), "a deleted factor opens no session");
    server.stop();

    // (c) Rolled back: the record of the factor the person removed, put back
    // beside the current one, decides nothing: its app's codes open nothing,
    // the current app's still do.
    util::forge_store(
        &v.dir,
        vec![
            coffre::store::Op::Put(current_key.clone(), current.clone()),
            coffre::store::Op::Put(old_key.clone(), old_value.clone()),
        ],
    );
    let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
    let (half, page) = asks_code(&server.host, &dossier);
    let (status, session, _) = send_code(
        &server.host,
        &half,
        &page,
        "/connexion/second-facteur",
        &code_at(&old_secret, now() + 30),
    );
    assert_eq!(status, 401, "the removed app's code opens nothing");
    assert!(session.is_none());
    let (status, session, _) = send_code(
        &server.host,
        &half,
        &page,
        "/connexion/second-facteur",
        &code_at(&secret, now() + 30),
    );
    assert_eq!(status, 303, "the current app's code opens");
    logout(&server.host, &session.expect("session"));
    server.stop();
    // The other dossier's app opens nothing here.
    v.as_user(&v.admin, &["check"])
        .expect_code(0, "a left-over record decides nothing");
    let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
    let (half, page) = asks_code(&server.host, &dossier);
    let (status, session, _) = send_code(
        &server.host,
        &half,
        &page,
        "/connexion/second-facteur",
        &code_at(&other_secret, now() + 60),
    );
    assert_eq!(status, 401);
    assert!(session.is_none());
    server.stop();
}
