//! Logging in and out: the staff's and the person's login forms, the
//! session cookie, the throttle.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use coffre::i18n;
use coffre::{msg, tr, Error};
use secrecy::SecretString;
use serde::Deserialize;

use super::common::*;
use super::extract::*;
use super::pages::*;
use super::security::{self, COOKIE, LOGIN_COOKIE};
use super::App;

/// `/`: where a browser belongs.
pub async fn home(State(app): S, headers: HeaderMap) -> Response {
    match session_of(&app, &headers) {
        Some(h) if h.profession == "person" => see_other("/moi"),
        Some(_) => see_other("/dossiers"),
        None => see_other("/login"),
    }
}

pub(super) fn login_form(
    app: &App,
    person: bool,
    error: Option<String>,
    user: String,
    status: StatusCode,
) -> Response {
    let nonce = match coffre::crypto::key::random_bytes::<16>() {
        Ok(b) => hex::encode(b),
        Err(e) => return error_page(app, None, &e),
    };
    let page = LoginPage {
        l: l(app),
        nav: None,
        csrf: security::login_token(app, &nonce),
        person,
        error,
        user,
    };
    with_cookie(
        (status, render(&page)).into_response(),
        &security::set_cookie(LOGIN_COOKIE, &nonce, Some(3600)),
    )
}

/// `GET /login`: the staff login form.
pub async fn login_page(State(app): S, headers: HeaderMap) -> Response {
    if session_of(&app, &headers).is_some() {
        return see_other("/");
    }
    login_form(&app, false, None, String::new(), StatusCode::OK)
}

/// `GET /moi/login`: the person's login form.
pub async fn moi_login_page(State(app): S, headers: HeaderMap) -> Response {
    if session_of(&app, &headers).is_some() {
        return see_other("/");
    }
    login_form(&app, true, None, String::new(), StatusCode::OK)
}

/// The fields of both login forms.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub(super) user: String,
    #[serde(default)]
    pub(super) dossier: String,
    #[serde(default)]
    pub(super) passphrase: String,
    #[serde(default)]
    pub(super) csrf: String,
}

/// The login form's own checks: our origin, and the token bound to the login
/// cookie this browser was given with the form.
pub(super) fn login_checks(app: &App, headers: &HeaderMap, csrf: &str) -> bool {
    let Some(nonce) = security::cookie(headers, LOGIN_COOKIE) else {
        return false;
    };
    security::same_origin(app, headers)
        && security::csrf_ok(&security::login_token(app, &nonce), csrf)
}

/// `POST /login`: unlocks the member's library session (the library audits a
/// failure) and keeps it under a new session cookie.
pub async fn login(
    State(app): S,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Filled(f): Filled<LoginForm>,
) -> Response {
    let pass = SecretString::from(f.passphrase);
    let user = f.user.trim().to_string();
    let client = security::client_ip(&app.trusted_proxies, peer.ip(), &headers);
    if !login_checks(&app, &headers, &f.csrf) {
        return forbidden(&app, None, tr!("web-refused-csrf"));
    }
    if !app.throttle.take(&user, client) {
        let msg = tr!("web-login-throttled");
        return login_form(&app, false, Some(msg), user, StatusCode::TOO_MANY_REQUESTS);
    }
    let vault = app.vault;
    let u = user.clone();
    // At most as many key derivations at once as the machine has cores (each
    // takes the policy's argon2id memory): a burst of logins waits its turn.
    let Ok(_permit) = app.kdf_slots.acquire().await else {
        return error_page(&app, None, &Error::Io(msg!("serve-session-broken")));
    };
    let unlocked = blocking(move || vault.unlock(&u, &pass)).await;
    match unlocked {
        // The throttle's attempt is given back once every step passed.
        Ok(s) => {
            let proxied = security::came_through_proxy(&headers);
            super::second_factor::after_passphrase(&app, s, user, client, proxied).await
        }
        Err(e) if e.exit_code() == 4 || e.exit_code() == 3 => {
            // One answer whatever failed (unknown id, wrong passphrase,
            // revoked): the form does not tell which accounts exist. The
            // library's audit entry says which.
            let msg = tr!("web-login-failed");
            login_form(&app, false, Some(msg), user, StatusCode::UNAUTHORIZED)
        }
        Err(e) => {
            let msg = i18n::render_error(&e, lang(&app));
            login_form(&app, false, Some(msg), user, StatusCode::BAD_REQUEST)
        }
    }
}

/// `POST /moi/login`: opens the person's own access.
pub async fn moi_login(
    State(app): S,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Filled(f): Filled<LoginForm>,
) -> Response {
    let pass = SecretString::from(f.passphrase);
    let dossier = f.dossier.trim().to_string();
    let client = security::client_ip(&app.trusted_proxies, peer.ip(), &headers);
    if !login_checks(&app, &headers, &f.csrf) {
        return forbidden(&app, None, tr!("web-refused-csrf"));
    }
    if !app.throttle.take(&dossier, client) {
        let msg = tr!("web-login-throttled");
        return login_form(
            &app,
            true,
            Some(msg),
            dossier,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let vault = app.vault;
    let d = dossier.clone();
    let Ok(_permit) = app.kdf_slots.acquire().await else {
        return error_page(&app, None, &Error::Io(msg!("serve-session-broken")));
    };
    let unlocked = blocking(move || vault.unlock_person(&d, &pass)).await;
    match unlocked {
        // The throttle's attempt is given back once every step passed.
        Ok(p) => super::second_factor::after_person_passphrase(&app, p, dossier, client).await,
        Err(e) => {
            let (msg, status) = if e.exit_code() == 4 || e.exit_code() == 3 {
                // As for staff: the form does not tell which dossiers have
                // a personal access.
                (tr!("web-login-failed"), StatusCode::UNAUTHORIZED)
            } else {
                (i18n::render_error(&e, lang(&app)), StatusCode::BAD_REQUEST)
            };
            login_form(&app, true, Some(msg), dossier, status)
        }
    }
}

/// `POST /logout`: ends the session (keys zeroized, checkpoint signed).
pub async fn logout(State(app): S, headers: HeaderMap, Posted(_): Posted<CsrfForm>) -> Response {
    let h = match session_of(&app, &headers) {
        Some(h) => h,
        None => return see_other("/login"),
    };
    let to = if h.profession == "person" {
        "/moi/login"
    } else {
        "/login"
    };
    if let Some(id) = security::cookie(&headers, COOKIE) {
        app.sessions.close(&id);
    }
    with_cookie(see_other(to), &security::set_cookie(COOKIE, "", Some(0)))
}
