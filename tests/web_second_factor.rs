//! The second factor of staff logins on the web, black-box over HTTP (`coffre
//! serve` on a vault made with the command line): enrolment of an
//! authenticator app from the page (the test reads the secret shown and
//! computes the codes itself), a code accepted once, a wrong code audited,
//! recovery codes used once, a manager's reset, the "required" policy that
//! serves no page before enrolment; and a second factor planted in the files,
//! refused.

use crate::util;

use util::http;
use util::TestVault;

const HALF: &str = "__Host-coffre-sf";

fn required_policy() -> String {
    let p = coffre::policy::DEFAULT_POLICY.replace(
        "second_factor = \"required-remote\"",
        "second_factor = \"required\"",
    );
    assert_ne!(
        p,
        coffre::policy::DEFAULT_POLICY,
        "the shipped policy names the rule"
    );
    p
}

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

/// The text of the element with this id (`<code id="sf-secret">…</code>`).
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

/// A login past its passphrase: the half-open cookie, and the page it leads to.
fn passphrase_step(host: &str, user: &str, pass: &str) -> (String, String) {
    let (status, head) = http::login_at(host, "/login", &[("user", user), ("passphrase", pass)])
        .expect_err("no session opens on the passphrase alone");
    assert_eq!(status, 303, "{head}");
    assert_eq!(
        http::location(&head).as_deref(),
        Some("/connexion/second-facteur")
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
    (half, page)
}

/// Posts a code on the half-open page at `path`: (status, the session
/// cookie if one opened, body).
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

/// Enrols `user` at their login: returns (session cookie, secret, recovery codes).
fn enrol_at_login(host: &str, user: &str, pass: &str) -> (String, String, Vec<String>) {
    let (half, page) = passphrase_step(host, user, pass);
    enrol_on(host, &half, &page)
}

/// Enrols on the half-open enrolment page `page`.
fn enrol_on(host: &str, half: &str, page: &str) -> (String, String, Vec<String>) {
    let (half, page) = (half.to_string(), page.to_string());
    assert!(page.contains("<svg"), "a QR code drawn as SVG: {page}");
    assert!(!page.contains("<script"), "no script");
    let secret = by_id(&page, "sf-secret").to_string();
    let codes = recovery_codes(&page);
    assert_eq!(codes.len(), 10, "ten recovery codes");
    let (status, session, body) = send_code(
        host,
        &half,
        &page,
        "/connexion/second-facteur/inscription",
        &code_at(&secret, now()),
    );
    assert_eq!(status, 303, "{body}");
    (
        session.expect("the session opens once enrolled"),
        secret,
        codes,
    )
}

fn logout(host: &str, cookie: &str) {
    let (_, _, page) = http::http(host, "GET", "/dossiers", &[("Cookie", cookie)], "");
    let token = http::csrf(&page).expect("csrf");
    let (status, _, _) = http::post(host, "/logout", cookie, &[("csrf", &token)]);
    assert_eq!(status, 303);
}

fn sf_lines(v: &TestVault, from: usize) -> Vec<serde_json::Value> {
    v.audit_lines()[from..]
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| {
            e["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("auth.second-factor"))
        })
        .collect()
}

#[test]
fn a_required_second_factor_is_enrolled_then_each_code_is_accepted_once() {
    let mut v = TestVault::with_policy(&required_policy());
    let admin = v.admin.clone();
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    v.add_staff("a.roux", "Alice Roux", "educateur-specialise", true);
    v.add_staff("dpo.lambert", "Dominique Lambert", "dpo", true);
    let before = v.audit_lines().len();
    let mut server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();

    // Required: after the passphrase, no page but the second factor's.
    let (half, page) = passphrase_step(&host, "e.petit", v.pass("e.petit"));
    assert!(page.contains("sf-secret"), "enrolment first: {page}");
    for path in [
        "/dossiers",
        "/transmissions",
        "/personnel",
        "/audit",
        "/second-facteur",
        "/",
    ] {
        let (status, head, _) = http::http(&host, "GET", path, &[("Cookie", &half)], "");
        assert_eq!(status, 303, "{path} is not served half-open");
        assert_eq!(http::location(&head).as_deref(), Some("/login"), "{path}");
    }
    let (cookie, secret, codes) = enrol_on(&host, &half, &page);
    let (status, _, page) = http::http(&host, "GET", "/dossiers", &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "{page}");
    let (_, _, own) = http::http(&host, "GET", "/second-facteur", &[("Cookie", &cookie)], "");
    assert!(own.contains("data-factor=\"totp-"), "{own}");
    assert!(!own.contains(&secret), "the secret is never shown again");
    logout(&host, &cookie);

    // The code that enrolled (the same time step) is not accepted again.
    let (half, page) = passphrase_step(&host, "e.petit", v.pass("e.petit"));
    assert!(!page.contains("sf-secret"), "enrolled: a code is asked");
    let used = code_at(&secret, now());
    let (status, session, body) =
        send_code(&host, &half, &page, "/connexion/second-facteur", &used);
    assert_eq!(status, 401, "a used code is refused: {body}");
    assert!(session.is_none());
    // A wrong code, refused and audited.
    let wrong = format!("{:06}", (used.parse::<u32>().unwrap() + 1) % 1_000_000);
    let (status, session, _) = send_code(&host, &half, &page, "/connexion/second-facteur", &wrong);
    assert_eq!(status, 401);
    assert!(session.is_none());
    // The next step's code (one step of tolerance) opens the session.
    let next = code_at(&secret, now() + 30);
    let (status, session, body) =
        send_code(&host, &half, &page, "/connexion/second-facteur", &next);
    assert_eq!(status, 303, "{body}");
    let cookie = session.expect("session");
    logout(&host, &cookie);
    // … once.
    let (half, page) = passphrase_step(&host, "e.petit", v.pass("e.petit"));
    let (status, _, _) = send_code(&host, &half, &page, "/connexion/second-facteur", &next);
    assert_eq!(status, 401, "a code is accepted once");

    // A recovery code works once.
    let (status, session, _) =
        send_code(&host, &half, &page, "/connexion/second-facteur", &codes[3]);
    assert_eq!(status, 303);
    logout(&host, &session.expect("session"));
    let (half, page) = passphrase_step(&host, "e.petit", v.pass("e.petit"));
    let (status, session, _) =
        send_code(&host, &half, &page, "/connexion/second-facteur", &codes[3]);
    assert_eq!(status, 401, "a recovery code is used once");
    assert!(session.is_none());

    // A manager resets a member's factor (a lost phone): enrolment again at
    // their next login, where the old app's codes enrol nothing.
    let (_, old_secret, _) = enrol_at_login(&host, "a.roux", v.pass("a.roux"));
    let (admin_cookie, _, _) = enrol_at_login(&host, &admin, v.pass(&admin));
    let (_, _, staff) = http::http(&host, "GET", "/personnel", &[("Cookie", &admin_cookie)], "");
    assert!(
        staff.contains("/second-facteur/reinitialiser/a.roux"),
        "{staff}"
    );
    let token = http::csrf(&staff).expect("csrf");
    let (status, _, body) = http::post(
        &host,
        "/second-facteur/reinitialiser/a.roux",
        &admin_cookie,
        &[("csrf", &token)],
    );
    assert_eq!(status, 303, "{body}");
    let (half, page) = passphrase_step(&host, "a.roux", v.pass("a.roux"));
    assert!(
        page.contains("sf-secret"),
        "enrolment again after a reset: {page}"
    );
    let (status, _, _) = send_code(
        &host,
        &half,
        &page,
        "/connexion/second-facteur/inscription",
        &code_at(&old_secret, now() + 30),
    );
    assert_eq!(status, 401, "the old app's code enrols nothing");
    server.stop();

    // Every step is in the audit log, and the log verifies.
    let lines = sf_lines(&v, before);
    let count = |action: &str, outcome: &str| {
        lines
            .iter()
            .filter(|e| e["action"] == action && e["outcome"] == outcome && e["actor"] == "e.petit")
            .count()
    };
    assert_eq!(count("auth.second-factor.enrol", "ok"), 1, "{lines:#?}");
    assert_eq!(
        count("auth.second-factor", "ok"),
        2,
        "a code and a recovery code"
    );
    assert_eq!(count("auth.second-factor", "failed"), 4, "{lines:#?}");
    let ok: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|e| e["action"] == "auth.second-factor" && e["outcome"] == "ok")
        .collect();
    assert!(
        ok[0]["detail"].as_str().unwrap().starts_with("totp step "),
        "the step accepted"
    );
    assert_eq!(ok[1]["detail"], "recovery code 4");
    assert!(
        lines
            .iter()
            .any(|e| e["action"] == "auth.second-factor.reset"
                && e["actor"] == admin.as_str()
                && e["target"] == "a.roux"),
        "the reset: {lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|e| e["action"] == "auth.second-factor.enrol"
                && e["outcome"] == "failed"
                && e["actor"] == "a.roux"),
        "a wrong enrolment code: {lines:#?}"
    );
    let all = v.audit_lines().join("\n");
    assert!(
        !all.contains(&secret.replace(' ', "")),
        "no secret in the log"
    );
    assert!(!all.contains(&codes[0]), "no recovery code in the log");
    v.verify().expect_code(0, "the log verifies");
    // The DPO reads every step in French words, and the report counts each
    // failed second factor with the failed logins.
    let history = v.as_user("dpo.lambert", &["--lang", "fr", "audit", "log"]);
    let text = history.ok("audit log");
    for words in [
        "a inscrit un second facteur",
        "a donné son second facteur",
        "a réinitialisé le second facteur d'un membre",
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    let failed = v
        .audit_lines()
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| {
            e["outcome"] == "failed"
                && e["action"]
                    .as_str()
                    .is_some_and(|a| a == "unlock" || a.starts_with("auth.second-factor"))
        })
        .count();
    assert!(failed >= 5, "{failed}");
    let report = v.as_user("dpo.lambert", &["--lang", "fr", "audit", "report"]);
    let text = report.ok("audit report");
    assert!(
        text.contains(&format!("échecs d'ouverture de session {failed}")),
        "{text}"
    );
    // The independent verifier applies the second-factor facts too.
    let out = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/verify_audit.py"))
        .arg(&v.dir)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn on_loopback_the_shipped_policy_asks_no_second_factor_until_one_is_enrolled() {
    let mut v = TestVault::new();
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    let mut server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let cookie = http::login(&host, "e.petit", v.pass("e.petit"));
    let (status, _, page) = http::http(
        &host,
        "GET",
        "/second-facteur/inscription",
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(status, 200, "{page}");
    let secret = by_id(&page, "sf-secret").to_string();
    let token = http::csrf(&page).expect("csrf");
    let (status, head, body) = http::post(
        &host,
        "/second-facteur/inscription",
        &cookie,
        &[("code", &code_at(&secret, now())), ("csrf", &token)],
    );
    assert_eq!(status, 303, "{body}");
    assert_eq!(
        http::location(&head).as_deref(),
        Some("/second-facteur?fait=1")
    );
    logout(&host, &cookie);
    // Enrolled: asked from now on, even on loopback.
    let (half, page) = passphrase_step(&host, "e.petit", v.pass("e.petit"));
    let (status, session, _) = send_code(
        &host,
        &half,
        &page,
        "/connexion/second-facteur",
        &code_at(&secret, now() + 30),
    );
    assert_eq!(status, 303);
    // Removed by the member: the passphrase alone again.
    let cookie = session.expect("session");
    let (_, _, own) = http::http(&host, "GET", "/second-facteur", &[("Cookie", &cookie)], "");
    let id = own
        .split("data-factor=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a factor listed")
        .to_string();
    let token = http::csrf(&own).expect("csrf");
    let (status, _, _) = http::post(
        &host,
        &format!("/second-facteur/{id}/retirer"),
        &cookie,
        &[("csrf", &token)],
    );
    assert_eq!(status, 303);
    logout(&host, &cookie);
    http::login(&host, "e.petit", v.pass("e.petit"));
    server.stop();
    v.verify().expect_code(0, "the log verifies");
}

/// Behind a proxy on the same machine the server listens on the loopback,
/// but other machines' browsers reach it: the shipped policy asks the code.
#[test]
fn behind_a_proxy_the_shipped_policy_asks_a_second_factor() {
    let v = TestVault::new();
    let mut server = http::Server::start_with(
        &v.dir,
        &v.root.path().join("serve.log"),
        &["--lang", "fr", "--trusted-proxy", "127.0.0.1"],
    );
    let (_, page) = passphrase_step(&server.host, &v.admin, v.pass(&v.admin));
    assert!(page.contains("sf-secret"), "enrolment asked: {page}");
    server.stop();
}

/// Someone with the files adds their own authenticator to a colleague's
/// account (a record under `sf/`, sealed to the colleague's public
/// recipient), or replaces an enrolled one: no fact of the register commits
/// it, and the login is refused naming the record, never accepting its codes.
#[test]
fn a_second_factor_planted_in_the_files_is_refused() {
    let mut v = TestVault::with_policy(&required_policy());
    let admin = v.admin.clone();
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    let log = v.root.path().join("serve.log");
    let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
    let (cookie, _, _) = enrol_at_login(&server.host, "e.petit", v.pass("e.petit"));
    logout(&server.host, &cookie);
    server.stop();

    let genuine: Vec<(Vec<u8>, Vec<u8>)> = coffre::Vault::open(&v.dir)
        .unwrap()
        .store()
        .scan_prefix(b"sf/e.petit/")
        .unwrap();
    assert_eq!(genuine.len(), 1, "one factor enrolled");
    let (key, value) = genuine[0].clone();

    // (a) a factor planted for a member who has none: the director.
    let planted = b"sf/dir.martin/totp-00000000".to_vec();
    util::forge_store(
        &v.dir,
        vec![coffre::store::Op::Put(planted.clone(), value.clone())],
    );
    let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
    let body = login_body(&server.host, &admin, v.pass(&admin));
    assert_eq!(body.0, 500, "refused: {}", body.1);
    assert!(
        body.1.contains("sf/dir.martin/totp-00000000"),
        "the record is named: {}",
        body.1
    );
    server.stop();

    // (b) the enrolled record replaced by another (a secret the attacker knows).
    let mut other = value.clone();
    let last = other.len() - 1;
    other[last] ^= 1;
    util::forge_store(
        &v.dir,
        vec![
            coffre::store::Op::Remove(planted),
            coffre::store::Op::Put(key.clone(), other),
        ],
    );
    let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
    let body = login_body(&server.host, "e.petit", v.pass("e.petit"));
    assert_eq!(body.0, 500, "refused: {}", body.1);
    assert!(
        body.1.contains("sf/e.petit/"),
        "the record is named: {}",
        body.1
    );
    server.stop();

    // (c) the enrolled record copied under another id of the same member.
    util::forge_store(
        &v.dir,
        vec![
            coffre::store::Op::Put(key.clone(), value.clone()),
            coffre::store::Op::Put(b"sf/e.petit/totp-ffffffff".to_vec(), value),
        ],
    );
    let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
    let body = login_body(&server.host, "e.petit", v.pass("e.petit"));
    assert_eq!(body.0, 500, "{}", body.1);
    assert!(body.1.contains("sf/e.petit/totp-ffffffff"), "{}", body.1);
    server.stop();

    // `coffre check` names it too.
    let run = v.as_user(&admin, &["check"]);
    let (code, out, err) = run.parts();
    assert_ne!(code, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("sf/e.petit/totp-ffffffff"),
        "{out}{err}"
    );
}

/// Logs in with the passphrase and returns the final answer's status and
/// body (following the half-open step when there is one).
fn login_body(host: &str, user: &str, pass: &str) -> (u16, String) {
    let (status, head, body) = http::http(host, "GET", "/login", &[], "");
    assert_eq!(status, 200);
    let nonce = http::set_cookie(&head, "__Host-coffre-login").expect("login cookie");
    let token = http::csrf(&body).expect("csrf");
    let (status, _, body) = http::post(
        host,
        "/login",
        &format!("__Host-coffre-login={nonce}"),
        &[("user", user), ("passphrase", pass), ("csrf", &token)],
    );
    (status, body)
}

/// The cache of codes already accepted (`sfu/`) is derived from the log: an
/// older genuine copy put back, a damaged one or none at all never makes a
/// used code acceptable again.
#[test]
fn a_used_code_stays_used_whatever_the_cache_says() {
    let mut v = TestVault::with_policy(&required_policy());
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    let log = v.root.path().join("serve.log");
    let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
    let host = server.host.clone();
    let (cookie, secret, codes) = enrol_at_login(&host, "e.petit", v.pass("e.petit"));
    logout(&host, &cookie);
    let used = code_at(&secret, now() + 30);
    let (half, page) = passphrase_step(&host, "e.petit", v.pass("e.petit"));
    let (status, session, _) = send_code(&host, &half, &page, "/connexion/second-facteur", &used);
    assert_eq!(status, 303);
    logout(&host, &session.expect("session"));
    server.stop();
    let cache = |v: &TestVault| util::stored(&v.dir, b"sfu/e.petit");
    let older = cache(&v).expect("a cache written at the check");

    // A later check writes a newer cache (it has read the line of `used`).
    let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
    let (half, page) = passphrase_step(&server.host, "e.petit", v.pass("e.petit"));
    let (status, session, _) = send_code(
        &server.host,
        &half,
        &page,
        "/connexion/second-facteur",
        &codes[0],
    );
    assert_eq!(status, 303);
    logout(&server.host, &session.expect("session"));
    server.stop();
    assert_ne!(cache(&v).expect("cache"), older, "a newer cache");

    let mut damaged = older.clone();
    damaged[0] ^= 1;
    for (what, op) in [
        (
            "rolled back",
            coffre::store::Op::Put(b"sfu/e.petit".to_vec(), older.clone()),
        ),
        (
            "removed",
            coffre::store::Op::Remove(b"sfu/e.petit".to_vec()),
        ),
        (
            "damaged",
            coffre::store::Op::Put(b"sfu/e.petit".to_vec(), damaged.clone()),
        ),
    ] {
        util::forge_store(&v.dir, vec![op]);
        let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
        let (half, page) = passphrase_step(&server.host, "e.petit", v.pass("e.petit"));
        let (status, session, body) = send_code(
            &server.host,
            &half,
            &page,
            "/connexion/second-facteur",
            &used,
        );
        assert_eq!(
            status, 401,
            "cache {what}: the used code is refused: {body}"
        );
        assert!(session.is_none(), "{what}");
        let (status, _, _) = send_code(
            &server.host,
            &half,
            &page,
            "/connexion/second-facteur",
            &codes[0],
        );
        assert_eq!(
            status, 401,
            "cache {what}: the used recovery code is refused"
        );
        server.stop();
    }
}

/// The login throttle counts the failures of both steps: after the
/// passphrase, wrong codes use up the member's attempts on this address, and
/// the passphrase form is then held too. Each wrong code is audited.
#[test]
fn wrong_codes_count_against_the_login_throttle() {
    let mut v = TestVault::with_policy(&required_policy());
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    let log = v.root.path().join("serve.log");
    let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
    let host = server.host.clone();
    let (cookie, secret, _) = enrol_at_login(&host, "e.petit", v.pass("e.petit"));
    logout(&host, &cookie);
    let before = v.audit_lines().len();
    let (half, page) = passphrase_step(&host, "e.petit", v.pass("e.petit"));
    let good = code_at(&secret, now() + 30);
    let wrong = format!(
        "{:06}",
        (good.parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let (status, session, _) =
            send_code(&host, &half, &page, "/connexion/second-facteur", &wrong);
        assert!(session.is_none());
        statuses.push(status);
    }
    assert_eq!(
        statuses,
        [401, 401, 401, 401, 429],
        "the passphrase took one attempt"
    );
    let (status, session, _) = send_code(&host, &half, &page, "/connexion/second-facteur", &good);
    assert_eq!(status, 429, "held, even with the right code");
    assert!(session.is_none());
    let (status, _) = http::login_at(
        &host,
        "/login",
        &[("user", "e.petit"), ("passphrase", v.pass("e.petit"))],
    )
    .expect_err("held");
    assert_eq!(status, 429, "the passphrase form is held too");
    server.stop();
    let failed = sf_lines(&v, before)
        .iter()
        .filter(|e| e["action"] == "auth.second-factor" && e["outcome"] == "failed")
        .count();
    assert_eq!(failed, 4, "each wrong code checked is audited");
}
