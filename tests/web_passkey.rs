//! Passkeys as a second factor, in a real headless Chromium with the DevTools
//! protocol's virtual authenticators (`WebAuthn.addVirtualAuthenticator`):
//! a member enrols a passkey from their own page, logs out, and logs in with
//! their passphrase and the passkey; another authenticator claiming the same
//! credential id with its own key is refused, an answer replayed is refused,
//! an answer signed at a look-alike origin and relayed is refused,
//! and so is the enrolled key once its signature counter goes back (a cloned
//! key); a passkey record planted in the files is refused, naming it; the
//! member removes the passkey, a manager's reset withdraws it. Each refusal
//! is an audited line. The server's own library checks every answer
//! (`webauthn-rs`); the browser's side is the script the server serves.

use crate::util;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::WebAuthn;
use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::Value;
use util::{http, TestVault};

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

fn browser() -> Browser {
    let path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("chromium is not installed: run the suite with `./test`, which installs it (or `apt-get install chromium`)");
    Browser::new(
        LaunchOptions::default_builder()
            .path(Some(path))
            .headless(true)
            .sandbox(false)
            .window_size(Some((768, 1024)))
            .idle_browser_timeout(Duration::from_secs(600))
            .build()
            .unwrap(),
    )
    .unwrap()
}

fn eval(tab: &Tab, js: &str) -> Value {
    tab.evaluate(js, false)
        .unwrap_or_else(|e| panic!("evaluate {js}: {e}"))
        .value
        .unwrap_or(Value::Null)
}

fn text(tab: &Tab) -> String {
    eval(tab, "document.body.innerText")
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn goto(tab: &Tab, url: &str) {
    tab.navigate_to(url).unwrap();
    tab.wait_until_navigated().unwrap();
}

fn set(tab: &Tab, selector: &str, value: &str) {
    let js = format!(
        "document.querySelector({}).value = {}",
        serde_json::to_string(selector).unwrap(),
        serde_json::to_string(value).unwrap()
    );
    eval(tab, &js);
}

/// Clicks the element and waits until a new document has loaded, or until
/// `done_here` (a script) is true on the same page; true if a new page came.
fn click_until(tab: &Tab, selector: &str, done_here: &str) -> bool {
    eval(tab, "window.__coffre_old_page = true");
    tab.wait_for_element(selector).unwrap().click().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let new_page = tab
            .evaluate(
                "typeof window.__coffre_old_page === 'undefined' && document.readyState === 'complete'",
                false,
            )
            .ok()
            .and_then(|r| r.value)
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if new_page {
            return true;
        }
        let here = tab
            .evaluate(
                &format!("window.__coffre_old_page === true && !!({done_here})"),
                false,
            )
            .ok()
            .and_then(|r| r.value)
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if here {
            return false;
        }
        assert!(
            Instant::now() < deadline,
            "clicking {selector} led nowhere: {}",
            text(tab)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn click(tab: &Tab, selector: &str) {
    assert!(click_until(tab, selector, "false"), "no new page");
}

/// A new browser context (its own cookies) whose tab has a virtual
/// authenticator (CTAP2, user verification, presence given at once).
fn tab_with_authenticator(b: &Browser) -> (Arc<Tab>, String) {
    let ctx = b.new_context().unwrap();
    let tab = ctx.new_tab().unwrap();
    tab.call_method(WebAuthn::Enable {
        enable_ui: Some(false),
    })
    .unwrap();
    let id = tab
        .call_method(WebAuthn::AddVirtualAuthenticator {
            options: WebAuthn::VirtualAuthenticatorOptions {
                protocol: WebAuthn::AuthenticatorProtocol::Ctap2,
                ctap_2_version: Some(WebAuthn::Ctap2Version::Ctap21),
                transport: WebAuthn::AuthenticatorTransport::Usb,
                has_resident_key: Some(true),
                has_user_verification: Some(true),
                has_large_blob: None,
                has_cred_blob: None,
                has_min_pin_length: None,
                has_prf: None,
                automatic_presence_simulation: Some(true),
                is_user_verified: Some(true),
                default_backup_eligibility: None,
                default_backup_state: None,
            },
        })
        .unwrap()
        .authenticator_id;
    (tab, id)
}

/// The passphrase step in `tab`; the browser is then on the second-factor page.
fn passphrase(tab: &Tab, base: &str, user: &str, pass: &str) {
    goto(tab, &format!("{base}/login"));
    set(tab, "#user", user);
    set(tab, "#passphrase", pass);
    click(tab, "form.card button[type=submit]");
    assert!(
        tab.get_url().contains("/connexion/second-facteur"),
        "the second factor is asked: {} {}",
        tab.get_url(),
        text(tab)
    );
}

fn logout(tab: &Tab) {
    eval(
        tab,
        "window.__coffre_old_page = true; document.querySelector('form[action=\"/logout\"]').submit()",
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !tab.get_url().contains("/login") {
        assert!(Instant::now() < deadline, "no logout: {}", tab.get_url());
        std::thread::sleep(Duration::from_millis(50));
    }
    tab.wait_until_navigated().unwrap();
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn sf_lines(v: &TestVault, from: usize) -> Vec<Value> {
    v.audit_lines()[from..]
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| {
            e["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("auth.second-factor"))
        })
        .collect()
}

/// The standard base64 of the base64url `s` (the DevTools protocol's
/// binary fields).
fn std_b64(s: &str) -> String {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .expect("base64url");
    base64::engine::general_purpose::STANDARD.encode(raw)
}

#[test]
fn a_passkey_enrolled_in_the_browser_is_the_second_factor_of_the_next_login() {
    let mut v = TestVault::with_policy(&required_policy());
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    let pass = v.pass("e.petit").to_string();
    let log = v.root.path().join("serve.log");
    let server = http::Server::start(&v.dir, &log);
    // WebAuthn takes a domain as RP id, never an IP address: on the
    // loopback, browsers come as `localhost`.
    let port = server.host.rsplit(':').next().unwrap().to_string();
    let base = format!("http://localhost:{port}");
    let b = browser();

    // The first login enrols an authenticator app (the policy asks a second
    // factor, and a passkey is added from the member's own page).
    let (tab, auth) = tab_with_authenticator(&b);
    passphrase(&tab, &base, "e.petit", &pass);
    let secret = eval(&tab, "document.getElementById('sf-secret').textContent")
        .as_str()
        .unwrap()
        .replace(' ', "");
    let raw = totp_rs::Secret::try_from_base32(&secret).unwrap();
    let code = totp_rs::Builder::new()
        .with_secret(raw.as_ref().to_vec())
        .build()
        .unwrap()
        .generate(now());
    set(&tab, "#code", &code.to_string());
    click(&tab, "form.card button[type=submit]");
    assert!(!tab.get_url().contains("/connexion"), "{}", text(&tab));

    // Enrolment of a passkey from /second-facteur.
    goto(&tab, &format!("{base}/second-facteur"));
    click(&tab, "#sf-add-passkey");
    assert!(
        text(&tab).contains("Inscrire une clé d'accès"),
        "{}",
        text(&tab)
    );
    let before = v.audit_lines().len();
    click(&tab, "#pk-start");
    assert!(
        tab.get_url().ends_with("/second-facteur?fait=1"),
        "{}: {}\n{}",
        tab.get_url(),
        text(&tab),
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    assert!(
        text(&tab).contains("Clé d'accès (passkey)"),
        "{}",
        text(&tab)
    );
    let enrolled = sf_lines(&v, before);
    assert_eq!(enrolled.len(), 1, "{enrolled:?}");
    assert_eq!(enrolled[0]["action"], "auth.second-factor.enrol");
    assert_eq!(enrolled[0]["detail"], "passkey");
    let passkey_id = enrolled[0]["target"].as_str().unwrap().to_string();
    assert!(passkey_id.starts_with("passkey-"), "{passkey_id}");
    let creds = tab
        .call_method(WebAuthn::GetCredentials {
            authenticator_id: auth.clone(),
        })
        .unwrap()
        .credentials;
    assert_eq!(creds.len(), 1, "the authenticator made one credential");
    logout(&tab);

    // Passphrase, then the passkey: the session opens.
    let before = v.audit_lines().len();
    passphrase(&tab, &base, "e.petit", &pass);
    assert!(
        text(&tab).contains("Utiliser ma clé d'accès"),
        "{}",
        text(&tab)
    );
    click(&tab, "#pk-start");
    assert!(
        !tab.get_url().contains("/connexion") && !tab.get_url().contains("/login"),
        "{}: {}",
        tab.get_url(),
        text(&tab)
    );
    let lines = sf_lines(&v, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["action"], "auth.second-factor");
    assert_eq!(lines[0]["outcome"], "ok");
    assert_eq!(lines[0]["target"], passkey_id.as_str());
    let counter: u64 = lines[0]["detail"]
        .as_str()
        .and_then(|d| d.strip_prefix("passkey counter "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{lines:?}"));
    logout(&tab);

    // Another authenticator, never enrolled, claiming the enrolled
    // credential's id (the page shows it) with a key of its own: the
    // browser signs, the server's library refuses the signature.
    let (other, other_auth) = tab_with_authenticator(&b);
    let options: Value = {
        passphrase(&other, &base, "e.petit", &pass);
        let o = eval(
            &other,
            "document.getElementById('pk-form').getAttribute('data-options')",
        );
        serde_json::from_str(o.as_str().unwrap()).unwrap()
    };
    let cred_id = options["publicKey"]["allowCredentials"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &rng,
    )
    .unwrap();
    use base64::Engine;
    other
        .call_method(WebAuthn::AddCredential {
            authenticator_id: other_auth,
            credential: WebAuthn::Credential {
                credential_id: std_b64(&cred_id),
                is_resident_credential: false,
                rp_id: Some("localhost".into()),
                private_key: base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref()),
                user_handle: None,
                sign_count: 100,
                large_blob: None,
                backup_eligibility: None,
                backup_state: None,
                user_name: None,
                user_display_name: None,
            },
        })
        .unwrap();
    let before = v.audit_lines().len();
    let moved = click_until(
        &other,
        "#pk-start",
        "!document.getElementById('pk-error').hidden",
    );
    assert!(moved, "the browser signed and posted: {}", text(&other));
    assert!(
        other.get_url().contains("/connexion/second-facteur"),
        "{}",
        other.get_url()
    );
    assert!(
        text(&other).contains("clé d'accès refusée"),
        "{}",
        text(&other)
    );
    let lines = sf_lines(&v, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["outcome"], "failed");
    assert_eq!(lines[0]["detail"], "passkey refused");

    // The enrolled authenticator, its counter put back one step (as a copy
    // of the key made before the last login would have it): still above the
    // counter stored at enrolment, which the library checks, but not above
    // the last one accepted, which the log holds: refused and audited.
    assert!(
        counter > u64::from(creds[0].sign_count),
        "the virtual authenticator counts its signatures: {counter}"
    );
    let mut cred = creds[0].clone();
    cred.sign_count = u32::try_from(counter - 1).unwrap();
    tab.call_method(WebAuthn::RemoveCredential {
        authenticator_id: auth.clone(),
        credential_id: cred.credential_id.clone(),
    })
    .unwrap();
    tab.call_method(WebAuthn::AddCredential {
        authenticator_id: auth.clone(),
        credential: cred,
    })
    .unwrap();
    let before = v.audit_lines().len();
    passphrase(&tab, &base, "e.petit", &pass);
    click(&tab, "#pk-start");
    assert!(
        tab.get_url().contains("/connexion/second-facteur"),
        "{}",
        tab.get_url()
    );
    assert!(
        text(&tab).contains("compteur est revenu en arrière"),
        "{}",
        text(&tab)
    );
    let lines = sf_lines(&v, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["outcome"], "failed", "{lines:?}");
    assert_eq!(lines[0]["detail"], "passkey counter went back", "{lines:?}");
    assert_eq!(lines[0]["target"], passkey_id.as_str(), "{lines:?}");
    // The app's code still opens the session, and the member removes the
    // passkey from their page.
    let code = totp_rs::Builder::new()
        .with_secret(raw.as_ref().to_vec())
        .build()
        .unwrap()
        .generate(now() + 30);
    set(&tab, "#code", &code.to_string());
    click(&tab, "form.card button[type=submit]");
    assert!(!tab.get_url().contains("/connexion"), "{}", text(&tab));
    goto(&tab, &format!("{base}/second-facteur"));
    let before = v.audit_lines().len();
    click(
        &tab,
        &format!("tr[data-factor=\"{passkey_id}\"] button[type=submit]"),
    );
    assert!(
        !text(&tab).contains("Clé d'accès (passkey)"),
        "{}",
        text(&tab)
    );
    let lines = sf_lines(&v, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["action"], "auth.second-factor.remove");
    logout(&tab);
    // The next login offers no passkey.
    passphrase(&tab, &base, "e.petit", &pass);
    assert!(
        !text(&tab).contains("Utiliser ma clé d'accès"),
        "{}",
        text(&tab)
    );
    drop(server);
}

/// On the enrolment page a required policy shows at a first login: adds
/// the app's account from the secret shown and types its first code; the
/// session opens.
fn enrol_app_here(tab: &Tab) {
    let secret = eval(tab, "document.getElementById('sf-secret').textContent")
        .as_str()
        .unwrap()
        .replace(' ', "");
    let raw = totp_rs::Secret::try_from_base32(&secret).unwrap();
    let code = totp_rs::Builder::new()
        .with_secret(raw.as_ref().to_vec())
        .build()
        .unwrap()
        .generate(now());
    set(tab, "#code", &code.to_string());
    click(tab, "form.card button[type=submit]");
    assert!(!tab.get_url().contains("/connexion"), "{}", text(tab));
}

#[test]
fn a_replayed_answer_is_refused_and_a_managers_reset_withdraws_passkeys() {
    let mut v = TestVault::with_policy(&required_policy());
    let admin = v.admin.clone();
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    let pass = v.pass("e.petit").to_string();
    let log = v.root.path().join("serve.log");
    let server = http::Server::start(&v.dir, &log);
    let port = server.host.rsplit(':').next().unwrap().to_string();
    let base = format!("http://localhost:{port}");
    let b = browser();
    let (tab, _) = tab_with_authenticator(&b);
    passphrase(&tab, &base, "e.petit", &pass);
    enrol_app_here(&tab);
    goto(&tab, &format!("{base}/second-facteur/cle"));
    click(&tab, "#pk-start");
    assert!(tab.get_url().ends_with("?fait=1"), "{}", text(&tab));
    logout(&tab);

    // A login with the passkey, whose answer is kept.
    passphrase(&tab, &base, "e.petit", &pass);
    // The answer the page posts is kept aside (in the tab's session storage,
    // which outlives the page), to be replayed below.
    eval(
        &tab,
        "const f = document.getElementById('pk-form'); const send = f.submit.bind(f); \
         f.submit = function () { sessionStorage.setItem('answer', \
         document.getElementById('pk-credential').value); send(); }; true",
    );
    click(&tab, "#pk-start");
    assert!(!tab.get_url().contains("/connexion"), "{}", text(&tab));
    logout(&tab);

    // The same answer replayed at the next login (another challenge): refused.
    let answer = eval(&tab, "sessionStorage.getItem('answer')");
    let answer = answer.as_str().expect("the answer was kept").to_string();
    assert!(answer.contains("authenticatorData"), "{answer}");
    let before = v.audit_lines().len();
    passphrase(&tab, &base, "e.petit", &pass);
    set(&tab, "#pk-credential", &answer);
    eval(
        &tab,
        "window.__coffre_old_page = true; document.getElementById('pk-form').submit(); true",
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while eval(&tab, "window.__coffre_old_page === true") == Value::Bool(true)
        || eval(&tab, "document.readyState") != Value::from("complete")
    {
        assert!(Instant::now() < deadline, "no answer to the replay");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        tab.get_url().contains("/connexion/second-facteur"),
        "{}",
        tab.get_url()
    );
    assert!(text(&tab).contains("clé d'accès refusée"), "{}", text(&tab));
    let lines = sf_lines(&v, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["outcome"], "failed");
    assert_eq!(lines[0]["detail"], "passkey refused");
    // The half-open login is left to expire.

    // The director resets Emma's second factor (a lost key and phone).
    let (desk, _) = tab_with_authenticator(&b);
    passphrase(&desk, &base, &admin, v.pass(&admin));
    enrol_app_here(&desk);
    goto(&desk, &format!("{base}/personnel"));
    let before = v.audit_lines().len();
    click(
        &desk,
        "form[action=\"/second-facteur/reinitialiser/e.petit\"] button[type=submit]",
    );
    let lines = sf_lines(&v, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["action"], "auth.second-factor.reset");
    assert_eq!(lines[0]["outcome"], "ok");

    // Emma's next login offers no passkey: she enrols again.
    passphrase(&tab, &base, "e.petit", &pass);
    assert!(
        !text(&tab).contains("Utiliser ma clé d'accès"),
        "{}",
        text(&tab)
    );
    assert!(
        eval(&tab, "!!document.getElementById('sf-secret')")
            .as_bool()
            .unwrap_or(false),
        "the enrolment page: {}",
        text(&tab)
    );
    drop((tab, desk));
    let mut server = server;
    server.stop();
    let left = coffre::Vault::open(&v.dir)
        .unwrap()
        .store()
        .scan_prefix(b"sf/e.petit/")
        .unwrap();
    assert!(left.is_empty(), "the reset withdrew every record of hers");
}

#[test]
fn a_passkey_planted_in_the_files_is_refused() {
    let mut v = TestVault::with_policy(&required_policy());
    let admin = v.admin.clone();
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    let pass = v.pass("e.petit").to_string();
    let log = v.root.path().join("serve.log");
    let mut server = http::Server::start(&v.dir, &log);
    let port = server.host.rsplit(':').next().unwrap().to_string();
    let base = format!("http://localhost:{port}");
    let b = browser();
    let (tab, _) = tab_with_authenticator(&b);
    passphrase(&tab, &base, "e.petit", &pass);
    enrol_app_here(&tab);
    goto(&tab, &format!("{base}/second-facteur/cle"));
    click(&tab, "#pk-start");
    assert!(tab.get_url().ends_with("?fait=1"), "{}", text(&tab));
    logout(&tab);

    // A look-alike site: another origin (another port of the same host, so
    // the browser lets it ask for the RP id `localhost`) has the enrolled
    // authenticator sign the real server's challenge, and relays the answer:
    // the server's library refuses it, made for another origin.
    let lookalike = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let lookalike_port = lookalike.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for conn in lookalike.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\nContent-Length: 27\r\n\r\n<html><body>x</body></html>",
            );
        }
    });
    passphrase(&tab, &base, "e.petit", &pass);
    let options = eval(
        &tab,
        "document.getElementById('pk-form').getAttribute('data-options')",
    )
    .as_str()
    .unwrap()
    .to_string();
    let csrf = eval(
        &tab,
        "document.querySelector('#pk-form input[name=csrf]').value",
    )
    .as_str()
    .unwrap()
    .to_string();
    let half = tab
        .get_cookies()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "__Host-coffre-sf")
        .expect("the half-open cookie")
        .value;
    goto(&tab, &format!("http://localhost:{lookalike_port}/"));
    let script = format!(
        r#"(async () => {{
  const bytes = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)), c => c.charCodeAt(0)).buffer;
  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const o = ({options}).publicKey;
  o.challenge = bytes(o.challenge);
  (o.allowCredentials || []).forEach(c => {{ c.id = bytes(c.id); }});
  const c = await navigator.credentials.get({{ publicKey: o }});
  return JSON.stringify({{ id: c.id, rawId: b64(c.rawId), type: c.type, extensions: {{}},
    response: {{ authenticatorData: b64(c.response.authenticatorData), clientDataJSON: b64(c.response.clientDataJSON),
      signature: b64(c.response.signature), userHandle: c.response.userHandle ? b64(c.response.userHandle) : null }} }});
}})()"#
    );
    let answer = tab
        .evaluate(&script, true)
        .unwrap_or_else(|e| panic!("the look-alike's ceremony: {e}"))
        .value
        .and_then(|v| v.as_str().map(str::to_string))
        .expect("an answer signed at the look-alike");
    assert!(answer.contains("authenticatorData"), "{answer}");
    let before = v.audit_lines().len();
    let (status, _, body) = http::post(
        &server.host,
        "/connexion/second-facteur/cle",
        &format!("__Host-coffre-sf={half}"),
        &[("credential", &answer), ("csrf", &csrf)],
    );
    assert_eq!(status, 401, "{body}");
    assert!(
        body.contains("clé d&#39;accès refusée") || body.contains("clé d'accès refusée"),
        "{body}"
    );
    let lines = sf_lines(&v, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["outcome"], "failed");
    assert_eq!(lines[0]["detail"], "passkey refused");
    drop(tab);
    server.stop();

    let genuine: Vec<(Vec<u8>, Vec<u8>)> = coffre::Vault::open(&v.dir)
        .unwrap()
        .store()
        .scan_prefix(b"sf/e.petit/passkey-")
        .unwrap();
    assert_eq!(genuine.len(), 1, "one passkey enrolled");
    let (_, value) = genuine[0].clone();
    // The independent verifier, written from docs/audit-format.md alone,
    // accepts the log with a passkey's enrolment fact and lines.
    let out = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/verify_audit.py"))
        .arg(&v.dir)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "verify_audit.py: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // A passkey planted for a member who has none: the director.
    let planted = b"sf/dir.martin/passkey-00000000".to_vec();
    util::forge_store(&v.dir, vec![coffre::store::Op::Put(planted.clone(), value)]);
    let mut server = http::Server::start_with(&v.dir, &log, &["--lang", "en"]);
    let (status, head, body) = http::http(&server.host, "GET", "/login", &[], "");
    assert_eq!(status, 200);
    let nonce = http::set_cookie(&head, "__Host-coffre-login").expect("login cookie");
    let token = http::csrf(&body).expect("csrf");
    let (status, head, body) = http::post(
        &server.host,
        "/login",
        &format!("__Host-coffre-login={nonce}"),
        &[
            ("user", &admin),
            ("passphrase", v.pass(&admin)),
            ("csrf", &token),
        ],
    );
    assert_eq!(status, 500, "refused: {head}{body}");
    assert!(
        http::set_cookie(&head, "__Host-coffre").is_none(),
        "no session: {head}"
    );
    assert!(
        body.contains("sf/dir.martin/passkey-00000000"),
        "the record is named: {body}"
    );
    server.stop();

    // `coffre check` names it too.
    let run = v.as_user(&admin, &["check"]);
    let (code, out, err) = run.parts();
    assert_ne!(code, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("sf/dir.martin/passkey-00000000"),
        "{out}{err}"
    );
}

/// A member who enrols a passkey only (the policy leaves the factor
/// optional): a copy of the key made at its enrolment is refused as a
/// counter gone back (the library's own check, against the counter stored
/// at enrolment); and the command line, asked by the policy for a second
/// factor, cannot take a passkey and says so.
#[test]
fn a_passkey_only_member_is_told_the_command_line_cannot_use_it() {
    let policy = coffre::policy::DEFAULT_POLICY
        .replace(
            "second_factor = \"required-remote\"",
            "second_factor = \"optional\"",
        )
        .replace("cli_second_factor = false", "cli_second_factor = true");
    assert!(policy.contains("cli_second_factor = true"), "{policy}");
    let mut v = TestVault::with_policy(&policy);
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    let pass = v.pass("e.petit").to_string();
    let log = v.root.path().join("serve.log");
    let mut server = http::Server::start(&v.dir, &log);
    let port = server.host.rsplit(':').next().unwrap().to_string();
    let base = format!("http://localhost:{port}");
    let b = browser();
    let (tab, auth) = tab_with_authenticator(&b);

    // No factor yet, none required: the passphrase opens the session; the
    // member adds a passkey from their page.
    goto(&tab, &format!("{base}/login"));
    set(&tab, "#user", "e.petit");
    set(&tab, "#passphrase", &pass);
    click(&tab, "form.card button[type=submit]");
    assert!(
        !tab.get_url().contains("/connexion") && !tab.get_url().contains("/login"),
        "{}: {}",
        tab.get_url(),
        text(&tab)
    );
    goto(&tab, &format!("{base}/second-facteur"));
    click(&tab, "#sf-add-passkey");
    click(&tab, "#pk-start");
    assert!(
        tab.get_url().ends_with("/second-facteur?fait=1"),
        "{}: {}",
        tab.get_url(),
        text(&tab)
    );
    logout(&tab);

    // The key copied as it was at its enrolment (its counter put back to 0,
    // so its next signature counts 1, the counter the enrolment stored):
    // the library refuses it, and the refusal is audited as a counter gone
    // back, naming the passkey. The genuine key, counting on, is accepted.
    let creds = tab
        .call_method(WebAuthn::GetCredentials {
            authenticator_id: auth.clone(),
        })
        .unwrap()
        .credentials;
    assert_eq!(creds.len(), 1);
    let enrolled_count = creds[0].sign_count;
    assert!(enrolled_count > 0, "the enrolment counted one signature");
    let put_back = |count: u32| {
        let mut cred = creds[0].clone();
        cred.sign_count = count;
        tab.call_method(WebAuthn::RemoveCredential {
            authenticator_id: auth.clone(),
            credential_id: cred.credential_id.clone(),
        })
        .unwrap();
        tab.call_method(WebAuthn::AddCredential {
            authenticator_id: auth.clone(),
            credential: cred,
        })
        .unwrap();
    };
    put_back(enrolled_count - 1);
    let before = v.audit_lines().len();
    passphrase(&tab, &base, "e.petit", &pass);
    click(&tab, "#pk-start");
    assert!(
        text(&tab).contains("compteur est revenu en arrière"),
        "{}",
        text(&tab)
    );
    let lines = sf_lines(&v, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["outcome"], "failed", "{lines:?}");
    assert_eq!(lines[0]["detail"], "passkey counter went back", "{lines:?}");
    assert!(
        lines[0]["target"]
            .as_str()
            .is_some_and(|t| t.starts_with("passkey-")),
        "{lines:?}"
    );
    put_back(enrolled_count + 5);
    let before = v.audit_lines().len();
    passphrase(&tab, &base, "e.petit", &pass);
    click(&tab, "#pk-start");
    assert!(!tab.get_url().contains("/connexion"), "{}", text(&tab));
    let lines = sf_lines(&v, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["outcome"], "ok", "{lines:?}");
    logout(&tab);

    // The command line (the server stopped: it holds the folder): refused
    // (exit 4) in words that say what to do.
    server.stop();
    let run = util::run_coffre(
        &["dossier", "list"],
        &util::Opts {
            vault: Some(&v.dir),
            user: Some("e.petit"),
            pass: Some(&pass),
            lang: Some("fr"),
            ..util::Opts::default()
        },
    );
    assert_eq!(run.code, 4, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("ne peut pas utiliser une clé d'accès")
            && run.stderr.contains("application d'authentification"),
        "{}",
        run.stderr
    );
}

/// A server name served over plain http (the documented deployment behind a
/// TLS proxy): passkeys are offered at the name's https origin only, never
/// at `http://name:port` (a browser counts plain http as a secure context on
/// the loopback only), and the start-up says so.
#[test]
fn a_name_served_over_plain_http_gets_passkeys_over_https_only() {
    let v = TestVault::new();
    let log = v.root.path().join("serve.log");
    let mut server = http::Server::start_with(
        &v.dir,
        &log,
        &["--lang", "en", "--server-name", "coffre.example.fr"],
    );
    server.stop();
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(
        said.contains("passkeys are offered at https://coffre.example.fr (the TLS proxy) only"),
        "{said}"
    );
    assert!(!said.contains("panicked"), "{said}");
}
