//! The second factor of staff logins (`docs/second-factor.md`): the
//! half-open session between the passphrase and the code, the enrolment of an
//! authenticator app (QR code drawn here as SVG, the secret in base32, ten
//! recovery codes shown once), passkeys (WebAuthn: the ceremonies' state kept
//! here in memory, the browser's side in `static/passkey.js`, served by us
//! under the CSP's `script-src 'self'`), the member's own page, and a
//! manager's reset.
//!
//! A half-open session is kept in its own table under its own cookie, never in
//! [`super::sessions::Sessions`]: no page but these finds it, so nothing else
//! is served before the second factor. It ends after five minutes. Every
//! decision (which factor, whether a code was already used) and every audit
//! line is the library's.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use coffre::vault::access::second_factor::{
    Accepted, PasskeyChallenge, PasskeyEnrolment, RelyingParty, TotpEnrolment, KIND_PASSKEY,
    KIND_TOTP,
};
use coffre::{msg, tr, Error, Session};
use ring::digest::{digest, SHA256};
use serde::Deserialize;
use zeroize::{Zeroize, Zeroizing};

use super::common::{
    check_post, error_page, nav, on_person, on_staff, see_other, staff, with_cookie, CsrfForm,
};
use super::extract::{DossierId, FactorId, Member, Person, Posted, StaffId};
use super::pages::{render, Nav, L};
use super::security::{self, COOKIE};
use super::sessions::{Live, Who};
use super::App;

type S = State<Arc<App>>;

/// The cookie of a half-open session.
pub const HALF_COOKIE: &str = "__Host-coffre-sf";
/// How long a half-open session waits for its second factor.
pub const HALF_OPEN_LIMIT: Duration = Duration::from_secs(5 * 60);
/// The member's own page of their factors.
pub const OWN_PATH: &str = "/second-facteur";
/// The person's own page of their factor.
pub const PERSON_OWN_PATH: &str = "/moi/second-facteur";
/// Where a half-open session is asked for its code.
pub const STEP_PATH: &str = "/connexion/second-facteur";

/// A login past its passphrase, waiting for the second factor.
struct Pending {
    /// The library session, taken out when the login completes.
    live: Option<Live>,
    user: String,
    profession: String,
    client: IpAddr,
    created: Instant,
    csrf: String,
    /// The member has no factor and must enrol one first.
    must_enrol: bool,
    /// The login is the person's (`/moi`), not a member's.
    person: bool,
    /// The enrolment shown, until confirmed.
    enrolment: Option<Arc<TotpEnrolment>>,
    /// The passkey challenge shown, used once.
    passkey: Option<Arc<PasskeyChallenge>>,
}

/// The half-open sessions, by the SHA-256 of their cookie, and the
/// enrolments under way in open sessions, by the session's CSRF token.
#[derive(Default)]
pub struct HalfOpen {
    slots: Mutex<HashMap<[u8; 32], Pending>>,
    enrolments: Mutex<HashMap<String, (Instant, Arc<TotpEnrolment>)>>,
    /// Passkey registrations under way in open sessions, by CSRF token.
    passkey_enrolments: Mutex<HashMap<String, (Instant, Arc<PasskeyEnrolment>)>>,
}

fn key_of(id_hex: &str) -> Option<[u8; 32]> {
    let raw = hex::decode(id_hex).ok()?;
    if raw.len() != 32 {
        return None;
    }
    let mut k = [0u8; 32];
    k.copy_from_slice(digest(&SHA256, &raw).as_ref());
    Some(k)
}

/// Drops expired entries off the async threads (a library session's drop
/// signs a checkpoint).
fn drop_blocking<T: Send + 'static>(gone: Vec<T>) {
    if gone.is_empty() {
        return;
    }
    match tokio::runtime::Handle::try_current() {
        Ok(rt) => {
            rt.spawn_blocking(move || drop(gone));
        }
        Err(_) => drop(gone),
    }
}

impl HalfOpen {
    fn reap(&self) {
        let gone: Vec<Pending> = match self.slots.lock() {
            Ok(mut slots) => {
                let old: Vec<[u8; 32]> = slots
                    .iter()
                    .filter(|(_, p)| p.created.elapsed() > HALF_OPEN_LIMIT)
                    .map(|(k, _)| *k)
                    .collect();
                old.iter().filter_map(|k| slots.remove(k)).collect()
            }
            Err(_) => Vec::new(),
        };
        drop_blocking(gone);
        if let Ok(mut e) = self.enrolments.lock() {
            e.retain(|_, (t, _)| t.elapsed() <= HALF_OPEN_LIMIT);
        }
        if let Ok(mut e) = self.passkey_enrolments.lock() {
            e.retain(|_, (t, _)| t.elapsed() <= HALF_OPEN_LIMIT);
        }
    }

    fn insert(&self, p: Pending) -> Result<String, Error> {
        self.reap();
        let id = hex::encode(coffre::crypto::key::random_bytes::<32>()?);
        let key = key_of(&id).ok_or_else(|| Error::Io(msg!("serve-no-randomness")))?;
        if let Ok(mut slots) = self.slots.lock() {
            slots.insert(key, p);
        }
        Ok(id)
    }

    fn take(&self, headers: &HeaderMap) -> Option<Pending> {
        self.reap();
        let key = key_of(&security::cookie(headers, HALF_COOKIE)?)?;
        self.slots.lock().ok()?.remove(&key)
    }

    fn put_back(&self, headers: &HeaderMap, p: Pending) {
        let Some(key) = security::cookie(headers, HALF_COOKIE).and_then(|c| key_of(&c)) else {
            return;
        };
        if p.created.elapsed() > HALF_OPEN_LIMIT {
            drop_blocking(vec![p]);
            return;
        }
        if let Ok(mut slots) = self.slots.lock() {
            slots.insert(key, p);
        }
    }

    /// Ends every half-open session (shutdown).
    pub async fn end_all(&self) {
        let all: Vec<Pending> = match self.slots.lock() {
            Ok(mut slots) => slots.drain().map(|(_, p)| p).collect(),
            Err(_) => Vec::new(),
        };
        let _ = tokio::task::spawn_blocking(move || drop(all)).await;
    }
}

/// Runs `f` on a half-open session's library session, off the async threads;
/// gives the pending login back with the result.
async fn on_pending<T, F>(mut p: Pending, f: F) -> (Pending, Result<T, Error>)
where
    T: Send + 'static,
    F: FnOnce(&mut Session<'static>) -> Result<T, Error> + Send + 'static,
{
    let live = p.live.take();
    let joined = tokio::task::spawn_blocking(move || {
        let mut live = live;
        let r = match live.as_mut().map(|l| &mut l.who) {
            Some(Who::Staff(s)) => f(s),
            _ => Err(Error::Refused(msg!("serve-staff-only"))),
        };
        (live, r)
    })
    .await;
    match joined {
        Ok((live, r)) => {
            p.live = live;
            (p, r)
        }
        Err(_) => (p, Err(Error::Io(msg!("serve-session-broken")))),
    }
}

/// As [`on_pending`], on the person's half-open login.
async fn on_pending_person<T, F>(mut p: Pending, f: F) -> (Pending, Result<T, Error>)
where
    T: Send + 'static,
    F: FnOnce(&coffre::PersonSession<'static>) -> Result<T, Error> + Send + 'static,
{
    let live = p.live.take();
    let joined = tokio::task::spawn_blocking(move || {
        let live = live;
        let r = match live.as_ref().map(|l| &l.who) {
            Some(Who::Person(s)) => f(s),
            _ => Err(Error::Refused(msg!("serve-person-only"))),
        };
        (live, r)
    })
    .await;
    match joined {
        Ok((live, r)) => {
            p.live = live;
            (p, r)
        }
        Err(_) => (p, Err(Error::Io(msg!("serve-session-broken")))),
    }
}

// ------------------------------------------------------------------ pages

/// What an enrolment page shows once.
pub struct EnrolView {
    /// The QR code, an SVG drawn here (no script, no external image).
    pub qr: String,
    /// The secret in base32, in groups of four.
    pub secret: String,
    /// The ten recovery codes.
    pub recovery: Vec<String>,
}

impl Drop for EnrolView {
    fn drop(&mut self) {
        self.qr.zeroize();
        self.secret.zeroize();
        self.recovery.zeroize();
    }
}

/// A passkey ceremony on a page: the options the library made for the
/// browser (JSON, in a `data-` attribute: no inline script), and where the
/// answer is posted.
pub struct PasskeyView {
    /// `create` (enrolment) or `get` (login).
    pub mode: &'static str,
    pub options: String,
    pub action: String,
    pub lead: String,
    pub button: String,
}

/// The relying party of passkeys, from the names browsers reach the server
/// by: the first `--server-name` (its origins over https, and on the
/// server's port), or `localhost` on a loopback listener. `None` (passkeys
/// not offered, with a warning) for a bare IP address, which WebAuthn does
/// not accept as an RP id.
pub fn relying_party(
    server_names: &[String],
    local: SocketAddr,
    tls: bool,
) -> Option<Arc<RelyingParty>> {
    let scheme = if tls { "https" } else { "http" };
    let port = local.port();
    let host = |n: &str| {
        n.rsplit_once(':')
            .map_or(n, |(h, _)| h)
            .to_ascii_lowercase()
    };
    let (rp_id, origins) = if let Some(first) = server_names.first() {
        let rp = host(first);
        let mut origins = Vec::new();
        let mut plain_http_said = false;
        for n in server_names {
            let n = n.to_ascii_lowercase();
            let h = host(&n);
            if h != rp && !h.ends_with(&format!(".{rp}")) {
                continue;
            }
            origins.push(format!("https://{n}"));
            // The server's own port, over plain http only on the loopback
            // (`RelyingParty::new` refuses any other http origin): a name
            // served over plain http is reached through its TLS proxy.
            let loopback = matches!(h.as_str(), "localhost" | "127.0.0.1" | "[::1]");
            if !n.contains(':') && (tls || loopback) {
                origins.push(format!("{scheme}://{n}:{port}"));
            } else if !n.contains(':') && !plain_http_said {
                plain_http_said = true;
                eprintln!(
                    "coffre: {}",
                    coffre::tr!("serve-passkey-https-only", name = n.clone())
                );
            }
        }
        (rp, origins)
    } else if local.ip().is_loopback() {
        (
            "localhost".to_string(),
            vec![format!("{scheme}://localhost:{port}")],
        )
    } else {
        return None;
    };
    match RelyingParty::new(&rp_id, &origins) {
        Ok(rp) => Some(Arc::new(rp)),
        Err(e) => {
            eprintln!(
                "coffre: {}",
                coffre::i18n::render_error(&e, coffre::i18n::current())
            );
            None
        }
    }
}

/// One factor on the member's own page.
pub struct FactorRow {
    pub id: String,
    pub kind: String,
}

#[derive(Template)]
#[template(path = "second_factor.html")]
pub struct SecondFactorPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub csrf: String,
    pub title: String,
    pub lead: Option<String>,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub enrol: Option<EnrolView>,
    /// The code form posts here (`None`: no form).
    pub action: Option<String>,
    pub code_label: String,
    /// The member's own page: their factors, and the way to add one.
    pub factors: Option<Vec<FactorRow>>,
    /// A passkey ceremony (login or enrolment).
    pub passkey: Option<PasskeyView>,
    /// The member's own page offers to enrol a passkey.
    pub passkey_add: bool,
    /// Where the own page's links and forms go: `/second-facteur` for a
    /// member, `/moi/second-facteur` for the person.
    pub base: String,
    /// The page is the person's (their words for a lost phone).
    pub person: bool,
}

fn qr_svg(uri: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::with_error_correction_level(uri, qrcode::EcLevel::M)
        .map_err(|_| Error::Usage(msg!("second-factor-cannot-encode")))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // The markup only: no XML declaration inside an HTML page.
    Ok(match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg,
    })
}

fn enrol_view(e: &TotpEnrolment) -> Result<EnrolView, Error> {
    let uri = e.uri()?;
    Ok(EnrolView {
        qr: qr_svg(&uri)?,
        secret: e.secret_base32().to_string(),
        recovery: e.recovery_codes().iter().map(|c| c.to_string()).collect(),
    })
}

fn l(app: &App) -> L {
    L(app.lang)
}

fn message(app: &App, e: &Error) -> String {
    coffre::i18n::render_error(e, app.lang)
}

/// A second step refused (a wrong code, an unknown passkey): the same step
/// again with the reason, the half-open login kept for another try.
fn step_refused(app: &App, headers: &HeaderMap, mut p: Pending, e: &Error) -> Response {
    let resp = step_page(app, &mut p, Some(message(app, e)), StatusCode::UNAUTHORIZED);
    app.half_open.put_back(headers, p);
    resp
}

/// A second step that failed otherwise (storage, integrity): the half-open
/// login is dropped and its cookie cleared.
fn step_failed(app: &App, p: Pending, e: &Error) -> Response {
    drop_blocking(vec![p]);
    with_cookie(
        error_page(app, None, e),
        &security::set_cookie(HALF_COOKIE, "", Some(0)),
    )
}

/// The page of a half-open login: the enrolment (when the member has no
/// factor yet) or the code form.
fn step_page(app: &App, p: &mut Pending, error: Option<String>, status: StatusCode) -> Response {
    let (title, lead, enrol, action, code_label) = if p.must_enrol {
        let e = match p.enrolment.clone() {
            Some(e) => e,
            None => return error_page(app, None, &Error::Io(msg!("serve-session-broken"))),
        };
        let view = match enrol_view(&e) {
            Ok(v) => v,
            Err(err) => return error_page(app, None, &err),
        };
        (
            tr!("web-sf-enrol-title"),
            Some(if p.person {
                tr!("web-sf-person-required")
            } else {
                tr!("web-sf-enrol-required")
            }),
            Some(view),
            format!("{STEP_PATH}/inscription"),
            tr!("web-sf-enrol-code"),
        )
    } else {
        (
            tr!("web-sf-step-title"),
            Some(tr!("web-sf-step-lead")),
            None,
            STEP_PATH.to_string(),
            tr!("web-sf-code"),
        )
    };
    let passkey = p
        .passkey
        .as_ref()
        .filter(|_| !p.must_enrol)
        .map(|c| PasskeyView {
            mode: "get",
            options: c.options_json().to_string(),
            action: format!("{STEP_PATH}/cle"),
            lead: tr!("web-sf-passkey-lead"),
            button: tr!("web-sf-passkey-use"),
        });
    let page = SecondFactorPage {
        l: l(app),
        nav: None,
        csrf: p.csrf.clone(),
        title,
        lead,
        error,
        notice: None,
        enrol,
        action: Some(action),
        code_label,
        factors: None,
        passkey,
        passkey_add: false,
        base: OWN_PATH.to_string(),
        person: p.person,
    };
    (status, render(&page)).into_response()
}

/// After a correct passphrase: opens the session at once when no second
/// factor is asked of this member, or else keeps it half-open and sends the
/// browser to the second-factor page. The throttle's attempt is given back
/// only when the session opens. `proxied`: the login came through a reverse
/// proxy (its headers), so is remote for `required-remote` whatever the
/// command line said.
pub async fn after_passphrase(
    app: &Arc<App>,
    s: Session<'static>,
    user: String,
    client: IpAddr,
    proxied: bool,
) -> Response {
    let profession = s.profession().to_string();
    let live = Live {
        who: Who::Staff(Box::new(s)),
    };
    let required = app
        .vault
        .policy()
        .auth
        .second_factor
        .required(app.loopback && !proxied);
    let mut p = Pending {
        live: Some(live),
        user,
        profession,
        client,
        created: Instant::now(),
        csrf: String::new(),
        must_enrol: false,
        person: false,
        enrolment: None,
        passkey: None,
    };
    let (back, status) = on_pending(p, |s| {
        let st = s.second_factor_status()?;
        let enrolment = if st.enrolled.is_empty() {
            Some(s.begin_totp_enrolment()?)
        } else {
            None
        };
        Ok((st, enrolment))
    })
    .await;
    p = back;
    let (st, enrolment) = match status {
        Ok(x) => x,
        Err(e) => {
            drop_blocking(vec![p]);
            return error_page(app, None, &e);
        }
    };
    if st.enrolled.is_empty() && !required && !st.reset {
        return open_session(app, p, 1);
    }
    p.must_enrol = st.enrolled.is_empty();
    p.enrolment = enrolment.map(Arc::new);
    p.csrf = match coffre::crypto::key::random_bytes::<32>() {
        Ok(b) => hex::encode(b),
        Err(e) => return error_page(app, None, &e),
    };
    match app.half_open.insert(p) {
        Ok(id) => {
            let resp = with_cookie(
                see_other(STEP_PATH),
                &security::set_cookie(HALF_COOKIE, &id, Some(HALF_OPEN_LIMIT.as_secs())),
            );
            with_cookie(
                resp,
                &security::set_cookie(security::LOGIN_COOKIE, "", Some(0)),
            )
        }
        Err(e) => error_page(app, None, &e),
    }
}

/// After the person's correct passphrase: opens their session at once when
/// they have no factor and the policy does not require one; else keeps it
/// half-open (as a member's) and sends the browser to the second-factor page.
pub async fn after_person_passphrase(
    app: &Arc<App>,
    s: coffre::PersonSession<'static>,
    dossier: String,
    client: IpAddr,
) -> Response {
    let required = app.vault.policy().auth.person_second_factor
        == coffre::policy::PersonSecondFactor::Required;
    let mut p = Pending {
        live: Some(Live {
            who: Who::Person(s),
        }),
        user: dossier,
        profession: "person".to_string(),
        client,
        created: Instant::now(),
        csrf: String::new(),
        must_enrol: false,
        person: true,
        enrolment: None,
        passkey: None,
    };
    let (back, status) = on_pending_person(p, move |s| {
        let st = s.second_factor_status()?;
        let enrolment = if st.enrolled.is_empty() && required {
            Some(s.begin_totp_enrolment()?)
        } else {
            None
        };
        Ok((st, enrolment))
    })
    .await;
    p = back;
    let (st, enrolment) = match status {
        Ok(x) => x,
        Err(e) => {
            drop_blocking(vec![p]);
            return error_page(app, None, &e);
        }
    };
    // A reset by a member leaves the person free to log in with their
    // passphrase (optional) or sends them to enrol (required).
    if st.enrolled.is_empty() && !required {
        return open_session(app, p, 1);
    }
    p.must_enrol = st.enrolled.is_empty();
    p.enrolment = enrolment.map(Arc::new);
    half_open(app, p)
}

/// Keeps `p` half-open under a new cookie, and sends the browser to its step.
fn half_open(app: &App, mut p: Pending) -> Response {
    p.csrf = match coffre::crypto::key::random_bytes::<32>() {
        Ok(b) => hex::encode(b),
        Err(e) => return error_page(app, None, &e),
    };
    match app.half_open.insert(p) {
        Ok(id) => {
            let resp = with_cookie(
                see_other(STEP_PATH),
                &security::set_cookie(HALF_COOKIE, &id, Some(HALF_OPEN_LIMIT.as_secs())),
            );
            with_cookie(
                resp,
                &security::set_cookie(security::LOGIN_COOKIE, "", Some(0)),
            )
        }
        Err(e) => error_page(app, None, &e),
    }
}

/// Opens the full session of a login that passed every step: the throttle's
/// attempts of the steps that succeeded (`steps`: the passphrase, and the
/// code when one was asked) are given back; failures stay counted.
fn open_session(app: &App, mut p: Pending, steps: u32) -> Response {
    let Some(live) = p.live.take() else {
        return error_page(app, None, &Error::Io(msg!("serve-session-broken")));
    };
    for _ in 0..steps {
        app.throttle.succeeded(&p.user, p.client);
    }
    match app
        .sessions
        .open(app, live, p.user.clone(), p.profession.clone())
    {
        Ok((id, _)) => {
            let resp = with_cookie(see_other("/"), &security::set_cookie(COOKIE, &id, None));
            let resp = with_cookie(
                resp,
                &security::set_cookie(security::LOGIN_COOKIE, "", Some(0)),
            );
            with_cookie(resp, &security::set_cookie(HALF_COOKIE, "", Some(0)))
        }
        Err(e) => error_page(app, None, &e),
    }
}

/// `GET /connexion/second-facteur`.
pub async fn step_form(State(app): S, headers: HeaderMap) -> Response {
    let Some(p) = app.half_open.take(&headers) else {
        return see_other("/login");
    };
    let mut p = renew_challenge(&app, p).await;
    let resp = step_page(&app, &mut p, None, StatusCode::OK);
    app.half_open.put_back(&headers, p);
    resp
}

/// A new passkey challenge for a half-open login (none when the member has
/// no passkey, or the server offers none): each is used once.
async fn renew_challenge(app: &App, mut p: Pending) -> Pending {
    p.passkey = None;
    let Some(rp) = app.passkeys.clone() else {
        return p;
    };
    if p.must_enrol || p.person {
        return p;
    }
    let (mut back, got) = on_pending(p, move |s| s.begin_passkey_check(&rp)).await;
    // A challenge that cannot be made leaves the code form: not an error.
    back.passkey = got.ok().flatten().map(Arc::new);
    back
}

/// The browser's answer to a passkey ceremony.
#[derive(Deserialize)]
pub struct PasskeyForm {
    #[serde(default)]
    credential: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /connexion/second-facteur/cle`: the passkey's answer to the
/// challenge shown; the library checks it.
pub async fn step_passkey(
    State(app): S,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<PasskeyForm>,
) -> Response {
    let mut p = match step_checks(&app, &headers, peer, &f.csrf) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let challenge = p.passkey.take().filter(|_| !p.must_enrol);
    let (Some(rp), Some(c)) = (app.passkeys.clone(), challenge) else {
        let resp = step_page(&app, &mut p, None, StatusCode::OK);
        app.half_open.put_back(&headers, p);
        return resp;
    };
    let credential = f.credential;
    let (back, checked) = on_pending(p, move |s| s.check_passkey(&rp, &c, &credential)).await;
    p = back;
    match checked {
        Ok(_) => open_session(&app, p, 2),
        Err(e) if e.exit_code() == 4 => {
            let p = renew_challenge(&app, p).await;
            step_refused(&app, &headers, p, &e)
        }
        Err(e) => step_failed(&app, p, &e),
    }
}

/// `GET /static/passkey.js`: the browser's side of the passkey ceremonies
/// (`navigator.credentials`), served by us: the CSP allows no other script.
pub async fn passkey_js() -> Response {
    let mut resp = include_str!("static/passkey.js").into_response();
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    resp
}

/// A code typed by the member.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

/// The checks of a half-open session's form, then one attempt of the
/// throttle; `Err` is the answer (the pending login is put back or ended).
#[allow(clippy::result_large_err)]
fn step_checks(
    app: &App,
    headers: &HeaderMap,
    peer: SocketAddr,
    csrf: &str,
) -> Result<Pending, Response> {
    let Some(mut p) = app.half_open.take(headers) else {
        return Err(see_other("/login"));
    };
    let client = security::client_ip(&app.trusted_proxies, peer.ip(), headers);
    if !security::same_origin(app, headers) || !security::csrf_ok(&p.csrf, csrf) {
        app.half_open.put_back(headers, p);
        return Err((
            StatusCode::FORBIDDEN,
            render(&SecondFactorPage {
                l: l(app),
                nav: None,
                csrf: String::new(),
                title: tr!("web-error-title"),
                lead: None,
                error: Some(tr!("web-refused-csrf")),
                notice: None,
                enrol: None,
                action: None,
                code_label: String::new(),
                factors: None,
                passkey: None,
                passkey_add: false,
                base: OWN_PATH.to_string(),
                person: false,
            }),
        )
            .into_response());
    }
    if client != p.client || !app.throttle.take(&p.user, client) {
        let resp = step_page(
            app,
            &mut p,
            Some(tr!("web-login-throttled")),
            StatusCode::TOO_MANY_REQUESTS,
        );
        app.half_open.put_back(headers, p);
        return Err(resp);
    }
    Ok(p)
}

/// `POST /connexion/second-facteur`: a one-time code or a recovery code.
pub async fn step(
    State(app): S,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<CodeForm>,
) -> Response {
    let code = Zeroizing::new(f.code);
    let mut p = match step_checks(&app, &headers, peer, &f.csrf) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if p.must_enrol {
        let resp = step_page(&app, &mut p, None, StatusCode::OK);
        app.half_open.put_back(&headers, p);
        return resp;
    }
    let c = code.clone();
    let (back, checked) = if p.person {
        on_pending_person(p, move |s| s.check_second_factor(&c)).await
    } else {
        on_pending(p, move |s| s.check_second_factor(&c)).await
    };
    p = back;
    let own = if p.person { PERSON_OWN_PATH } else { OWN_PATH };
    match checked {
        Ok(Accepted::Recovery { left }) => {
            let resp = open_session(&app, p, 2);
            if left <= 3 {
                // Told on the member's own page, where new codes are made.
                let mut r = resp;
                if let Ok(v) = axum::http::HeaderValue::from_str(&format!("{own}?peu=1")) {
                    r.headers_mut().insert(axum::http::header::LOCATION, v);
                }
                return r;
            }
            resp
        }
        Ok(Accepted::Totp { .. } | Accepted::Passkey { .. }) => open_session(&app, p, 2),
        Err(e) if e.exit_code() == 4 => step_refused(&app, &headers, p, &e),
        Err(e) => step_failed(&app, p, &e),
    }
}

/// `POST /connexion/second-facteur/inscription`: the first code from the
/// app confirms the enrolment, and opens the session.
pub async fn step_enrol(
    State(app): S,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<CodeForm>,
) -> Response {
    let code = Zeroizing::new(f.code);
    let mut p = match step_checks(&app, &headers, peer, &f.csrf) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(e) = p.enrolment.clone().filter(|_| p.must_enrol) else {
        let resp = step_page(&app, &mut p, None, StatusCode::OK);
        app.half_open.put_back(&headers, p);
        return resp;
    };
    let c = code.clone();
    let (back, done) = if p.person {
        on_pending_person(p, move |s| s.enrol_totp(&e, &c)).await
    } else {
        on_pending(p, move |s| s.enrol_totp(&e, &c)).await
    };
    p = back;
    match done {
        Ok(()) => open_session(&app, p, 2),
        Err(e) if e.exit_code() == 4 => step_refused(&app, &headers, p, &e),
        Err(e) => {
            drop_blocking(vec![p]);
            error_page(&app, None, &e)
        }
    }
}

// ------------------------------------------------------------------ open session

/// The member's own page's query.
#[derive(Deserialize, Default)]
pub struct OwnQuery {
    #[serde(default)]
    peu: Option<String>,
    #[serde(default)]
    fait: Option<String>,
}

async fn own_page(
    app: &App,
    h: &super::sessions::Handle,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let got = on_staff(h, |s| s.second_factor_status()).await;
    let st = match got {
        Ok(st) => st,
        Err(e) => return error_page(app, nav(app, h), &e),
    };
    let page = SecondFactorPage {
        l: l(app),
        nav: nav(app, h),
        csrf: h.csrf.clone(),
        title: tr!("web-sf-own-title"),
        lead: Some(if st.enrolled.is_empty() {
            tr!("web-sf-own-none")
        } else {
            tr!("web-sf-own-lead")
        }),
        error,
        notice,
        enrol: None,
        action: None,
        code_label: String::new(),
        factors: Some(
            st.enrolled
                .into_iter()
                .map(|(id, kind)| FactorRow {
                    kind: if kind == KIND_TOTP {
                        tr!("web-sf-kind-totp")
                    } else if kind == KIND_PASSKEY {
                        tr!("web-sf-kind-passkey")
                    } else {
                        kind
                    },
                    id,
                })
                .collect(),
        ),
        passkey: None,
        passkey_add: app.passkeys.is_some(),
        base: OWN_PATH.to_string(),
        person: false,
    };
    render(&page)
}

/// `GET /second-facteur`: the member's factors, to add or remove one.
pub async fn own(
    State(app): S,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<OwnQuery>,
) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let notice = if q.peu.is_some() {
        Some(tr!("web-sf-few-recovery"))
    } else if q.fait.is_some() {
        Some(tr!("web-sf-done"))
    } else {
        None
    };
    own_page(&app, &h, notice, None).await
}

/// `GET /second-facteur/inscription`: a new app enrolled from an open session.
pub async fn own_enrol_form(State(app): S, headers: HeaderMap) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let e = match on_staff(&h, |s| s.begin_totp_enrolment()).await {
        Ok(e) => Arc::new(e),
        Err(e) => return error_page(&app, nav(&app, &h), &e),
    };
    app.half_open.reap();
    if let Ok(mut m) = app.half_open.enrolments.lock() {
        m.insert(h.csrf.clone(), (Instant::now(), e.clone()));
    }
    enrol_page(&app, &h, &e, None, StatusCode::OK, false)
}

/// The enrolment page (QR code, secret, recovery codes) of a staff member,
/// or of the person when `person`: the two differ only by their addresses.
fn enrol_page(
    app: &App,
    h: &super::sessions::Handle,
    e: &TotpEnrolment,
    error: Option<String>,
    status: StatusCode,
    person: bool,
) -> Response {
    let base = if person { PERSON_OWN_PATH } else { OWN_PATH };
    let view = match enrol_view(e) {
        Ok(v) => v,
        Err(err) => return error_page(app, nav(app, h), &err),
    };
    let page = SecondFactorPage {
        l: l(app),
        nav: nav(app, h),
        csrf: h.csrf.clone(),
        title: tr!("web-sf-enrol-title"),
        lead: None,
        error,
        notice: None,
        enrol: Some(view),
        action: Some(format!("{base}/inscription")),
        code_label: tr!("web-sf-enrol-code"),
        factors: None,
        passkey: None,
        passkey_add: false,
        base: base.to_string(),
        person,
    };
    (status, render(&page)).into_response()
}

/// `POST /second-facteur/inscription`.
pub async fn own_enrol(State(app): S, headers: HeaderMap, Form(f): Form<CodeForm>) -> Response {
    let code = Zeroizing::new(f.code);
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    if let Err(r) = check_post(&app, &headers, &h, &f.csrf) {
        return r;
    }
    let e = app
        .half_open
        .enrolments
        .lock()
        .ok()
        .and_then(|m| m.get(&h.csrf).map(|(_, e)| e.clone()));
    let Some(e) = e else {
        return see_other("/second-facteur/inscription");
    };
    let (c, e2) = (code.clone(), e.clone());
    match on_staff(&h, move |s| s.enrol_totp(&e2, &c)).await {
        Ok(()) => {
            if let Ok(mut m) = app.half_open.enrolments.lock() {
                m.remove(&h.csrf);
            }
            see_other("/second-facteur?fait=1")
        }
        Err(err) if err.exit_code() == 4 => enrol_page(
            &app,
            &h,
            &e,
            Some(message(&app, &err)),
            StatusCode::UNAUTHORIZED,
            false,
        ),
        Err(err) => error_page(&app, nav(&app, &h), &err),
    }
}

/// `GET /second-facteur/cle`: a passkey enrolled from an open session (a
/// member may have several).
pub async fn own_passkey_form(State(app): S, headers: HeaderMap) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    own_passkey_page(&app, &h, None, StatusCode::OK).await
}

/// A new registration ceremony, kept in memory under the session's CSRF
/// token, and its page.
async fn own_passkey_page(
    app: &App,
    h: &super::sessions::Handle,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let Some(rp) = app.passkeys.clone() else {
        return see_other("/second-facteur");
    };
    let e = match on_staff(h, move |s| s.begin_passkey_enrolment(&rp)).await {
        Ok(e) => Arc::new(e),
        Err(e) => return error_page(app, nav(app, h), &e),
    };
    app.half_open.reap();
    if let Ok(mut m) = app.half_open.passkey_enrolments.lock() {
        m.insert(h.csrf.clone(), (Instant::now(), e.clone()));
    }
    let page = SecondFactorPage {
        l: l(app),
        nav: nav(app, h),
        csrf: h.csrf.clone(),
        title: tr!("web-sf-passkey-enrol-title"),
        lead: None,
        error,
        notice: None,
        enrol: None,
        action: None,
        code_label: String::new(),
        factors: None,
        passkey: Some(PasskeyView {
            mode: "create",
            options: e.options_json().to_string(),
            action: "/second-facteur/cle".to_string(),
            lead: tr!("web-sf-passkey-enrol-lead"),
            button: tr!("web-sf-passkey-create"),
        }),
        passkey_add: false,
        base: OWN_PATH.to_string(),
        person: false,
    };
    (status, render(&page)).into_response()
}

/// `POST /second-facteur/cle`: the new passkey, checked by the library,
/// enrolled by a fact the member signs.
pub async fn own_passkey(
    State(app): S,
    headers: HeaderMap,
    Form(f): Form<PasskeyForm>,
) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    if let Err(r) = check_post(&app, &headers, &h, &f.csrf) {
        return r;
    }
    let e = app
        .half_open
        .passkey_enrolments
        .lock()
        .ok()
        .and_then(|mut m| m.remove(&h.csrf).map(|(_, e)| e));
    let (Some(e), Some(rp)) = (e, app.passkeys.clone()) else {
        return see_other("/second-facteur/cle");
    };
    let credential = f.credential;
    match on_staff(&h, move |s| s.enrol_passkey(&rp, &e, &credential)).await {
        Ok(()) => see_other("/second-facteur?fait=1"),
        Err(err) if err.exit_code() == 4 => {
            own_passkey_page(
                &app,
                &h,
                Some(message(&app, &err)),
                StatusCode::UNAUTHORIZED,
            )
            .await
        }
        Err(err) => error_page(&app, nav(&app, &h), &err),
    }
}

/// `POST /second-facteur/{factor}/retirer`: the member removes one of their factors.
pub async fn own_remove(
    State(app): S,
    Member(h): Member,
    FactorId(id): FactorId,
    Posted(_): Posted<CsrfForm>,
) -> Response {
    match on_staff(&h, move |s| s.remove_second_factor(&id)).await {
        Ok(()) => see_other("/second-facteur?fait=1"),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// `POST /second-facteur/reinitialiser/{staff}`: a manager resets a member's
/// second factors; the member enrols again at their next login.
pub async fn reset(
    State(app): S,
    Member(h): Member,
    StaffId(member): StaffId,
    Posted(_): Posted<CsrfForm>,
) -> Response {
    match on_staff(&h, move |s| s.reset_second_factor(&member)).await {
        Ok(()) => see_other("/personnel"),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

// ------------------------------------------------------------------ the person's own

/// The person's own page of their factor (`/moi/second-facteur`).
async fn person_own_page(
    app: &App,
    h: &super::sessions::Handle,
    notice: Option<String>,
) -> Response {
    let st = match on_person(h, |p| p.second_factor_status()).await {
        Ok(st) => st,
        Err(e) => return error_page(app, nav(app, h), &e),
    };
    let offered =
        app.vault.policy().auth.person_second_factor != coffre::policy::PersonSecondFactor::None;
    let page = SecondFactorPage {
        l: l(app),
        nav: nav(app, h),
        csrf: h.csrf.clone(),
        title: tr!("web-sf-own-title"),
        lead: Some(if st.enrolled.is_empty() {
            tr!("web-sf-person-lead")
        } else {
            tr!("web-sf-own-lead")
        }),
        error: None,
        notice,
        enrol: None,
        action: None,
        code_label: String::new(),
        // One app at a time: a new one is enrolled once the old is removed.
        factors: (offered || !st.enrolled.is_empty()).then(|| {
            st.enrolled
                .into_iter()
                .map(|(id, _)| FactorRow {
                    kind: tr!("web-sf-kind-totp"),
                    id,
                })
                .collect()
        }),
        passkey: None,
        passkey_add: false,
        base: PERSON_OWN_PATH.to_string(),
        person: true,
    };
    render(&page)
}

/// `GET /moi/second-facteur`: the person's factor, to enrol or remove it.
pub async fn person_own(
    State(app): S,
    Person(h): Person,
    axum::extract::Query(q): axum::extract::Query<OwnQuery>,
) -> Response {
    let notice = if q.peu.is_some() {
        Some(tr!("web-sf-few-recovery"))
    } else if q.fait.is_some() {
        Some(tr!("web-sf-done"))
    } else {
        None
    };
    person_own_page(&app, &h, notice).await
}

/// `GET /moi/second-facteur/inscription`: the QR code, the secret and the
/// recovery codes, shown once (unless the policy offers none, or the person
/// already has one: removed first).
pub async fn person_enrol_form(State(app): S, Person(h): Person) -> Response {
    if app.vault.policy().auth.person_second_factor == coffre::policy::PersonSecondFactor::None {
        return see_other(PERSON_OWN_PATH);
    }
    let e = match on_person(&h, |p| {
        if !p.second_factor_status()?.enrolled.is_empty() {
            return Ok(None);
        }
        p.begin_totp_enrolment().map(Some)
    })
    .await
    {
        Ok(Some(e)) => Arc::new(e),
        Ok(None) => return see_other(PERSON_OWN_PATH),
        Err(e) => return error_page(&app, nav(&app, &h), &e),
    };
    app.half_open.reap();
    if let Ok(mut m) = app.half_open.enrolments.lock() {
        m.insert(h.csrf.clone(), (Instant::now(), e.clone()));
    }
    enrol_page(&app, &h, &e, None, StatusCode::OK, true)
}

impl super::extract::WithCsrf for CodeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /moi/second-facteur/inscription`: the first code confirms it.
pub async fn person_enrol(
    State(app): S,
    Person(h): Person,
    Posted(f): Posted<CodeForm>,
) -> Response {
    let code = Zeroizing::new(f.code);
    let e = app
        .half_open
        .enrolments
        .lock()
        .ok()
        .and_then(|m| m.get(&h.csrf).map(|(_, e)| e.clone()));
    let Some(e) = e else {
        return see_other(&format!("{PERSON_OWN_PATH}/inscription"));
    };
    let (c, e2) = (code.clone(), e.clone());
    match on_person(&h, move |p| p.enrol_totp(&e2, &c)).await {
        Ok(()) => {
            if let Ok(mut m) = app.half_open.enrolments.lock() {
                m.remove(&h.csrf);
            }
            see_other(&format!("{PERSON_OWN_PATH}?fait=1"))
        }
        Err(err) if err.exit_code() == 4 => enrol_page(
            &app,
            &h,
            &e,
            Some(message(&app, &err)),
            StatusCode::UNAUTHORIZED,
            true,
        ),
        Err(err) => error_page(&app, nav(&app, &h), &err),
    }
}

/// `POST /moi/second-facteur/{factor}/retirer`: the person removes their factor.
pub async fn person_remove(
    State(app): S,
    FactorId(id): FactorId,
    Person(h): Person,
    Posted(_): Posted<CsrfForm>,
) -> Response {
    match on_person(&h, move |p| p.remove_second_factor(&id)).await {
        Ok(()) => see_other(&format!("{PERSON_OWN_PATH}?fait=1")),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// `POST /dossiers/{dossier}/second-facteur-personne/reinitialiser`: a
/// member who may manage the person's rights withdraws the person's second
/// factor (a lost phone and lost codes); signed and audited by the library.
pub async fn person_reset(
    State(app): S,
    DossierId(dossier): DossierId,
    Member(h): Member,
    Posted(_): Posted<CsrfForm>,
) -> Response {
    let d = dossier.clone();
    match on_staff(&h, move |s| s.reset_person_second_factor(&d)).await {
        Ok(()) => see_other(&format!("/dossiers/{dossier}")),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}
