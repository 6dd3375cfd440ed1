//! One function per page or form. Each turns a request into library calls (in
//! `spawn_blocking`: they do file I/O and fsync) and the result into a page;
//! none decides who may read or write what, none writes an audit line.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use coffre::i18n::{self, Lang};
use coffre::policy::{Capability, Policy};
use coffre::views::{EntryView, FieldValue, Withheld};
use coffre::web::forms;
use coffre::web::paging::Page;
use coffre::{msg, tr, Error, PersonSession, Session};
use secrecy::SecretString;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::pages::*;
use super::security::{self, COOKIE, LOGIN_COOKIE};
use super::sessions::{Handle, Live, Who};
use super::App;

type S = State<Arc<App>>;

// ------------------------------------------------------------------ helpers

fn l(app: &App) -> L {
    L(app.lang)
}

fn lang(app: &App) -> Lang {
    app.lang
}

pub(super) fn nav(app: &App, h: &Handle) -> Option<Nav> {
    let role = if h.profession == "person" {
        tr!("web-role-person")
    } else {
        app.vault
            .policy()
            .profession_label(&h.profession, lang(app))
    };
    let policy = app.vault.policy();
    let audit = [Capability::ReadAudit, Capability::AuditReports]
        .into_iter()
        .any(|c| policy.has(&h.profession, c));
    Some(Nav {
        user: h.user.clone(),
        role,
        csrf: h.csrf.clone(),
        staff: h.profession != "person",
        audit,
        create: h.profession != "person" && policy.has(&h.profession, Capability::CreateDossier),
    })
}

/// A time of the vault as the language writes it, in the establishment's zone.
fn when(policy: &Policy, t: &str, l: Lang) -> String {
    match t.parse::<jiff::Timestamp>() {
        Ok(ts) => i18n::date_time(l, ts, &policy.audit.timezone),
        Err(_) => t.to_string(),
    }
}

/// The page of an error, with the HTTP status of its category.
pub(super) fn error_page(app: &App, nav: Option<Nav>, e: &Error) -> Response {
    let status = match e.exit_code() {
        2 => StatusCode::BAD_REQUEST,
        3 => StatusCode::FORBIDDEN,
        4 => StatusCode::UNAUTHORIZED,
        5 => StatusCode::INTERNAL_SERVER_ERROR,
        _ => match e {
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        },
    };
    let page = ErrorPage {
        l: l(app),
        nav,
        title: tr!("web-error-title"),
        message: error_text(e, lang(app)),
        link: None,
    };
    (status, render(&page)).into_response()
}

/// An error in the pages' words: a refusal whose command-line wording names
/// an option (`--break-glass`) is told as a page tells it.
fn error_text(e: &Error, l: Lang) -> String {
    if e.kind() == "you-care-team-dossier-break-glass" {
        return i18n::render_error(&Error::Refused(msg!("web-not-in-team-break-glass")), l);
    }
    i18n::render_error(e, l)
}

fn forbidden(app: &App, nav: Option<Nav>, message: String) -> Response {
    let page = ErrorPage {
        l: l(app),
        nav,
        title: tr!("web-error-title"),
        message,
        link: Some(("/".to_string(), tr!("web-home"))),
    };
    (StatusCode::FORBIDDEN, render(&page)).into_response()
}

pub(super) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

pub(super) fn with_cookie(mut resp: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// The browser's session, if it has one that is open.
fn session_of(app: &App, headers: &HeaderMap) -> Option<Handle> {
    let id = security::cookie(headers, COOKIE)?;
    app.sessions.get(&id)
}

/// A staff member's session, or the answer sending the browser to log in.
#[allow(clippy::result_large_err)]
pub(super) fn staff(app: &App, headers: &HeaderMap) -> Result<Handle, Response> {
    match session_of(app, headers) {
        Some(h) if h.profession != "person" => {
            // A member revoked, or given another profession, since this
            // session was opened keeps nothing of it: ended, keys zeroized.
            // The check may wait for the database (a vault in PostgreSQL):
            // the worker thread hands its other tasks over meanwhile.
            let current = tokio::task::block_in_place(|| {
                h.live.lock().is_ok_and(|l| match &l.who {
                    Who::Staff(s) => s.ensure_current().is_ok(),
                    Who::Person(_) | Who::Ended => false,
                })
            });
            if current {
                return Ok(h);
            }
            drop(h);
            if let Some(id) = security::cookie(headers, COOKIE) {
                app.sessions.close(&id);
            }
            Err(see_other("/login"))
        }
        Some(_) => Err(see_other("/moi")),
        None => Err(see_other("/login")),
    }
}

/// The person's session, or the answer sending the browser to their login.
#[allow(clippy::result_large_err)]
fn person(app: &App, headers: &HeaderMap) -> Result<Handle, Response> {
    match session_of(app, headers) {
        Some(h) if h.profession == "person" => Ok(h),
        Some(_) => Err(see_other("/dossiers")),
        None => Err(see_other("/moi/login")),
    }
}

/// The checks of every state-changing request of a session: our own origin,
/// and the session's CSRF token in the form's `csrf` field.
#[allow(clippy::result_large_err)]
pub(super) fn check_post(
    app: &App,
    headers: &HeaderMap,
    h: &Handle,
    given: &str,
) -> Result<(), Response> {
    if !security::same_origin(app, headers) {
        return Err(forbidden(app, nav(app, h), tr!("web-refused-origin")));
    }
    if !security::csrf_ok(&h.csrf, given) {
        return Err(forbidden(app, nav(app, h), tr!("web-refused-csrf")));
    }
    Ok(())
}

/// Runs `f` on the staff session off the async threads.
pub(super) async fn on_staff<T, F>(h: &Handle, f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce(&mut Session<'static>) -> Result<T, Error> + Send + 'static,
{
    let live = h.live.clone();
    tokio::task::spawn_blocking(move || {
        let mut g = live
            .lock()
            .map_err(|_| Error::Io(msg!("serve-session-broken")))?;
        match &mut g.who {
            Who::Staff(s) => f(s),
            Who::Person(_) | Who::Ended => Err(Error::Refused(msg!("serve-staff-only"))),
        }
    })
    .await
    .map_err(|_| Error::Io(msg!("serve-session-broken")))?
}

/// Runs `f` on the person's session off the async threads.
async fn on_person<T, F>(h: &Handle, f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce(&PersonSession<'static>) -> Result<T, Error> + Send + 'static,
{
    let live = h.live.clone();
    tokio::task::spawn_blocking(move || {
        let g = live
            .lock()
            .map_err(|_| Error::Io(msg!("serve-session-broken")))?;
        match &g.who {
            Who::Person(p) => f(p),
            Who::Staff(_) | Who::Ended => Err(Error::Refused(msg!("serve-person-only"))),
        }
    })
    .await
    .map_err(|_| Error::Io(msg!("serve-session-broken")))?
}

/// Runs `f` off the async threads.
async fn blocking<T, F>(f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Error> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| Error::Io(msg!("serve-session-broken")))?
}

/// A form as the browser sent it; values zeroized when dropped.
fn zeroizing(pairs: Vec<(String, String)>) -> Vec<(String, Zeroizing<String>)> {
    pairs
        .into_iter()
        .map(|(k, v)| (k, Zeroizing::new(v)))
        .collect()
}

fn field_of<'a>(pairs: &'a [(String, Zeroizing<String>)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Cards of an entry's fields, under the policy's labels.
fn cards(
    policy: &Policy,
    l: Lang,
    fields: &BTreeMap<String, FieldValue>,
    withheld: &[Withheld],
) -> (Vec<FieldCard>, Vec<WithheldCard>) {
    let f = fields
        .iter()
        .map(|(name, v)| FieldCard {
            name: name.clone(),
            label: policy.field_label(name, l),
            category: v.category.clone(),
            category_label: policy.category_label(&v.category, l),
            value: v.value.clone(),
        })
        .collect();
    let w = withheld
        .iter()
        .map(|w| WithheldCard {
            code: serde_json::to_value(w.reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            name: w.field.clone(),
            label: policy.field_label(&w.field, l),
            category: w.category.clone(),
            category_label: policy.category_label(&w.category, l),
            reason: i18n::render(&w.reason.msg(), l),
        })
        .collect();
    (f, w)
}

/// A note's field `about` holds the id of the note it is about: shown as
/// that note (its kind and date), as people name notes.
fn name_notes_referred_to<'e>(
    policy: &Policy,
    l: Lang,
    all: impl Iterator<Item = &'e EntryView>,
    cards: &mut [EntryCard],
) {
    // Named from every note of the dossier, not only this page's: a remark
    // is often about a note pages further back. Only the notes referred to
    // are named.
    let wanted: BTreeSet<String> = cards
        .iter()
        .flat_map(|c| c.fields.iter())
        .filter(|f| f.name == "about")
        .map(|f| f.value.trim().to_string())
        .collect();
    if wanted.is_empty() {
        return;
    }
    let named: BTreeMap<String, String> = all
        .filter(|e| wanted.contains(&e.id))
        .map(|e| {
            (
                e.id.clone(),
                tr!(
                    "web-note-ref",
                    kind = policy.kind_label(&e.kind, l),
                    created = when(policy, &e.created, l)
                ),
            )
        })
        .collect();
    for c in cards.iter_mut() {
        for f in c.fields.iter_mut().filter(|f| f.name == "about") {
            if let Some(n) = named.get(f.value.trim()) {
                f.value = n.clone();
            }
        }
    }
}

/// An entry as shown, newest first in a dossier.
fn entry_card(
    policy: &Policy,
    l: Lang,
    e: &EntryView,
    author: String,
    profession: Option<&str>,
) -> EntryCard {
    let (fields, withheld) = cards(policy, l, &e.fields, &e.withheld);
    EntryCard {
        id: e.id.clone(),
        kind_label: policy.kind_label(&e.kind, l),
        created: when(policy, &e.created, l),
        author,
        version: e.version,
        fields,
        withheld,
        amendable: profession.is_some_and(|p| forms::kind_fields(policy, &e.kind, p, l).is_ok()),
    }
}

fn author_label(s: &mut Session<'_>, id: &str) -> String {
    // The person's own notes are theirs, not a member's.
    if id.starts_with("person.") {
        return tr!("web-author-the-person");
    }
    match s.staff_name(id) {
        Ok(Some(n)) => format!("{n} ({id})"),
        _ => id.to_string(),
    }
}

fn history_rows(
    policy: &Policy,
    l: Lang,
    items: &[coffre::vault::audit_read::HistoryItem],
    names: bool,
) -> Vec<HistoryRow> {
    items
        .iter()
        .map(|i| {
            let profession = policy.profession_label(&i.profession, l);
            let who = match (&i.name, names) {
                _ if i.actor.starts_with("person.") => tr!("web-author-the-person"),
                (Some(n), true) => format!("{n} ({profession})"),
                (None, true) => format!("{} ({profession})", i.actor),
                _ => profession,
            };
            HistoryRow {
                time: when(policy, &i.time, l),
                who,
                what: i18n::render(&coffre::audit::words::action(&i.action, i.outcome), l),
                categories: i
                    .categories
                    .iter()
                    .map(|c| policy.category_label(c, l))
                    .collect::<Vec<_>>()
                    .join(", "),
                justification: i.justification.clone(),
                break_glass: i.break_glass,
            }
        })
        .collect()
}

// ------------------------------------------------------------------ login

/// `/`: where a browser belongs.
pub async fn home(State(app): S, headers: HeaderMap) -> Response {
    match session_of(&app, &headers) {
        Some(h) if h.profession == "person" => see_other("/moi"),
        Some(_) => see_other("/dossiers"),
        None => see_other("/login"),
    }
}

fn login_form(
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
    user: String,
    #[serde(default)]
    dossier: String,
    #[serde(default)]
    passphrase: String,
    #[serde(default)]
    csrf: String,
}

/// The login form's own checks: our origin, and the token bound to the login
/// cookie this browser was given with the form.
fn login_checks(app: &App, headers: &HeaderMap, csrf: &str) -> bool {
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
    Form(f): Form<LoginForm>,
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
    Form(f): Form<LoginForm>,
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
    if unlocked.is_ok() {
        app.throttle.succeeded(&dossier, client);
    }
    match unlocked {
        Ok(p) => match app.sessions.open(
            &app,
            Live {
                who: Who::Person(p),
            },
            dossier,
            "person".to_string(),
        ) {
            Ok((id, _)) => {
                let resp = with_cookie(see_other("/moi"), &security::set_cookie(COOKIE, &id, None));
                with_cookie(resp, &security::set_cookie(LOGIN_COOKIE, "", Some(0)))
            }
            Err(e) => error_page(&app, None, &e),
        },
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

/// A form with only its CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: ends the session (keys zeroized, checkpoint signed).
pub async fn logout(State(app): S, headers: HeaderMap, Form(f): Form<CsrfForm>) -> Response {
    let h = match session_of(&app, &headers) {
        Some(h) => h,
        None => return see_other("/login"),
    };
    if let Err(r) = check_post(&app, &headers, &h, &f.csrf) {
        return r;
    }
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

// ------------------------------------------------------------------ staff

fn dossier_rows(list: &[coffre::views::DossierSummary]) -> Vec<DossierRow> {
    list.iter()
        .map(|d| DossierRow {
            id: d.id.clone(),
            who: match (&d.name, &d.birthdate) {
                (Some(n), Some(b)) => {
                    tr!(
                        "web-dossier-who",
                        name = n.clone(),
                        birthdate = i18n::civil_date(i18n::current(), b)
                    )
                }
                _ if d.in_team => tr!("cli-summary-name-withheld"),
                _ => tr!("cli-summary-not-in-team"),
            },
            in_team: d.in_team,
        })
        .collect()
}

/// `GET /dossiers`: the dossiers of the member's care teams.
pub async fn dossiers(State(app): S, headers: HeaderMap) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    staff_home(&app, &h, None).await
}

/// The home page of staff: their dossiers and the colleagues waiting for
/// keys they hold, with `notice` on top.
async fn staff_home(app: &App, h: &Handle, notice: Option<String>) -> Response {
    let got = on_staff(h, |s| Ok((s.list_dossiers()?, s.colleagues_waiting()?))).await;
    match got {
        Ok((list, waiting)) => {
            let lang = lang(app);
            let keys = |ks: &[coffre::policy::VaultKey]| {
                ks.iter()
                    .map(|k| i18n::render(&coffre::policy::key_msg(&k.name()), lang))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let rows: Vec<WaitingRow> = waiting
                .iter()
                .map(|w| WaitingRow {
                    who: match &w.name {
                        Some(n) => format!("{n} ({})", w.id),
                        None => w.id.clone(),
                    },
                    ready: keys(&w.ready),
                    to_approve: keys(&w.to_approve),
                })
                .collect();
            render(&DossiersPage {
                l: l(app),
                nav: nav(app, h),
                csrf: h.csrf.clone(),
                searched: false,
                query: String::new(),
                rows: dossier_rows(&list),
                can_hand_over: waiting.iter().any(|w| !w.ready.is_empty()),
                waiting: rows,
                notice,
            })
        }
        Err(e) => error_page(app, nav(app, h), &e),
    }
}

/// `POST /cles/remettre`: hands the keys this member holds to the colleagues
/// waiting for them, now (one click), through the library, which audits each
/// grant; back to the home page saying who received what.
pub async fn hand_over(State(app): S, headers: HeaderMap, Form(f): Form<CsrfForm>) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    if let Err(r) = check_post(&app, &headers, &h, &f.csrf) {
        return r;
    }
    let got = on_staff(&h, |s| {
        let given = s.hand_over_keys()?;
        let mut named = Vec::new();
        for (id, keys) in given {
            let who = match s.staff_name(&id)? {
                Some(n) => format!("{n} ({id})"),
                None => id,
            };
            named.push((who, keys));
        }
        Ok(named)
    })
    .await;
    match got {
        Ok(given) => {
            let notice = if given.is_empty() {
                tr!("web-keys-none-handed")
            } else {
                given
                    .iter()
                    .map(|(who, keys)| {
                        tr!(
                            "web-keys-handed",
                            who = who.clone(),
                            keys = coffre::policy::keys_in_words(keys, lang(&app))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            staff_home(&app, &h, Some(notice)).await
        }
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// `GET /transmissions`: the day's notes in the member's care teams, by
/// dossier, newest first (the library reads only dossiers that hold notes of
/// the day, and audits each read before the page is made).
pub async fn transmissions(State(app): S, headers: HeaderMap) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let l = lang(&app);
    let tz = app.vault.policy().audit.timezone.clone();
    let since = jiff::tz::TimeZone::get(&tz)
        .ok()
        .and_then(|tz| {
            jiff::Timestamp::now()
                .to_zoned_datetime(tz)
                .start_of_day()
                .ok()
                .map(|z| z.timestamp().as_second())
        })
        .and_then(|s| u64::try_from(s).ok())
        .unwrap_or(0);
    let got = on_staff(&h, move |s| {
        let views = s.transmissions(since)?;
        let policy = s.vault().policy();
        let mut groups = Vec::with_capacity(views.len());
        for view in &views {
            let mut entries: Vec<&EntryView> = view.entries.iter().collect();
            entries.sort_by(|a, b| b.created.cmp(&a.created));
            let mut cards = Vec::with_capacity(entries.len());
            for e in entries {
                let author = author_label(s, &e.author);
                cards.push(entry_card(policy, l, e, author, None));
            }
            name_notes_referred_to(policy, l, view.entries.iter(), &mut cards);
            let who = match (&view.name, &view.birthdate) {
                (Some(n), Some(b)) => tr!(
                    "web-dossier-who",
                    name = n.clone(),
                    birthdate = i18n::civil_date(l, b)
                ),
                _ => tr!("cli-dossier-identity-withheld"),
            };
            groups.push(TransmissionGroup {
                id: view.id.clone(),
                who,
                entries: cards,
            });
        }
        Ok(groups)
    })
    .await;
    match got {
        Ok(groups) => render(&TransmissionsPage {
            l: L(l),
            nav: nav(&app, &h),
            groups,
        }),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// The name search form (a POST: a name never goes into a URL).
#[derive(Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    q: String,
}

/// `POST /dossiers`: dossiers found by name (the library's blind index).
pub async fn search(State(app): S, headers: HeaderMap, Form(f): Form<SearchForm>) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    if let Err(r) = check_post(&app, &headers, &h, &f.csrf) {
        return r;
    }
    let q = Zeroizing::new(f.q);
    let shown = Zeroizing::new(q.trim().to_string());
    let found = on_staff(&h, move |s| {
        if q.trim().is_empty() {
            s.list_dossiers()
        } else {
            s.find_dossiers(&q)
        }
    })
    .await;
    match found {
        Ok(list) => render(&DossiersPage {
            l: l(&app),
            nav: nav(&app, &h),
            csrf: h.csrf.clone(),
            searched: true,
            query: shown.to_string(),
            rows: dossier_rows(&list),
            waiting: Vec::new(),
            can_hand_over: false,
            notice: None,
        }),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// Reads a dossier (one audited library read) and lays it out.
async fn dossier_page(
    app: &App,
    h: &Handle,
    id: String,
    justification: Option<String>,
    paging: PageQuery,
) -> Result<Response, Error> {
    let l = lang(app);
    let profession = h.profession.clone();
    let page = on_staff(h, move |s| {
        let policy = s.vault().policy();
        let view = s.show_dossier(&id, justification.as_deref())?;
        let mut entries: Vec<&EntryView> = view.entries.iter().collect();
        entries.sort_by(|a, b| b.created.cmp(&a.created));
        // The choices of the filters: the kinds and authors this dossier holds.
        let mut kinds: BTreeMap<String, String> = BTreeMap::new();
        let mut authors: BTreeSet<String> = BTreeSet::new();
        for e in &entries {
            kinds
                .entry(e.kind.clone())
                .or_insert_with(|| policy.kind_label(&e.kind, l));
            authors.insert(e.author.clone());
        }
        let all = entries.len();
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let mut cards = Vec::with_capacity(PAGE_SIZE);
        let mut alerts = Vec::new();
        let wanted = |e: &EntryView| {
            paging
                .kind
                .as_deref()
                .is_none_or(|k| k.is_empty() || e.kind == k)
                && paging
                    .author
                    .as_deref()
                    .is_none_or(|a| a.is_empty() || e.author == a)
        };
        let shown: usize = entries.iter().filter(|e| wanted(e)).count();
        let page = Page::of(shown, paging.page, PAGE_SIZE);
        let mut position = 0usize;
        for e in entries {
            // Alerts come from every note; cards from this page's only.
            let on_page = wanted(e) && {
                position += 1;
                page.range().contains(&(position - 1))
            };
            let pinned = e
                .fields
                .values()
                .any(|f| policy.categories.get(&f.category).is_some_and(|c| c.pinned));
            if !on_page && !pinned {
                continue;
            }
            let author = match names.get(&e.author) {
                Some(n) => n.clone(),
                None => {
                    let n = author_label(s, &e.author);
                    names.insert(e.author.clone(), n.clone());
                    n
                }
            };
            let card = entry_card(policy, l, e, author, Some(&profession));
            // Care alerts first: every readable field of a pinned category,
            // however far down the dossier its note is.
            for f in &card.fields {
                if policy.categories.get(&f.category).is_some_and(|c| c.pinned) {
                    alerts.push(AlertCard {
                        field: f.clone(),
                        entry: card.id.clone(),
                        kind_label: card.kind_label.clone(),
                        created: card.created.clone(),
                        author: card.author.clone(),
                    });
                }
            }
            if on_page {
                cards.push(card);
            }
        }
        name_notes_referred_to(policy, l, view.entries.iter(), &mut cards);
        let author_choices: Vec<Choice> = authors
            .into_iter()
            .map(|a| Choice {
                label: names
                    .get(&a)
                    .cloned()
                    .unwrap_or_else(|| author_label(s, &a)),
                id: a,
            })
            .collect();
        let kind_choices: Vec<Choice> = kinds
            .into_iter()
            .map(|(id, label)| Choice { id, label })
            .collect();
        let pager = Pager::new(&view.id, &paging, &page, all);
        let who = match (&view.name, &view.birthdate) {
            (Some(n), Some(b)) => tr!(
                "web-dossier-who",
                name = n.clone(),
                birthdate = i18n::civil_date(i18n::current(), b)
            ),
            _ => tr!("cli-dossier-identity-withheld"),
        };
        let damaged = if view.damaged.is_empty() {
            String::new()
        } else {
            i18n::render_error(
                &Error::Integrity(msg!(
                    "entries-dossier-damaged-altered-others-shown",
                    join = view.damaged.join(", "),
                    id = view.id.clone()
                )),
                l,
            )
        };
        let identity = view
            .details
            .as_ref()
            .map(super::admin::identity_lines)
            .unwrap_or_default();
        Ok((
            (view.id.clone(), identity),
            who,
            view.break_glass,
            cards,
            alerts,
            damaged,
            (pager, kind_choices, author_choices),
        ))
    })
    .await?;
    let ((id, identity), who, break_glass, entries, alerts, damaged, (pager, kinds, authors)) =
        page;
    let policy = app.vault.policy();
    Ok(render(&DossierPage {
        l: L(l),
        nav: nav(app, h),
        break_glass_banner: tr!(
            "web-break-glass-banner",
            hours = u64::from(policy.rules.break_glass_hours)
        ),
        id,
        who,
        identity,
        alerts,
        pager,
        kinds,
        authors,
        break_glass,
        entries,
        damaged,
        can_write: !forms::writable_kinds(policy, &h.profession, l).is_empty(),
        can_copy: policy.has(&h.profession, Capability::PersonAccess),
        person_access: policy.has(&h.profession, Capability::PersonAccess),
    }))
}

/// Notes per page of a dossier.
const PAGE_SIZE: usize = 50;

/// `?page=&kind=&author=` of a dossier's page: which notes are shown, newest
/// first. Ids only (a kind, a login, a number): never a name or a text.
#[derive(Default, Deserialize)]
pub struct PageQuery {
    page: Option<usize>,
    kind: Option<String>,
    author: Option<String>,
}

/// The query string of the `pairs` whose value is not empty, encoded as a
/// form is (the encoder axum decodes with): `kind=a&author=b`, or empty.
fn query_of(pairs: &[(&str, &str)]) -> String {
    let kept: Vec<&(&str, &str)> = pairs.iter().filter(|(_, v)| !v.is_empty()).collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

impl Pager {
    /// The links of a dossier's pages, keeping its filters: `page` of the
    /// notes the filters keep, among `all` notes.
    fn new(id: &str, q: &PageQuery, page: &Page, all: usize) -> Pager {
        let (first, on_page, shown) = (page.first, page.len, page.total);
        let filters = query_of(&[
            ("kind", q.kind.as_deref().unwrap_or_default()),
            ("author", q.author.as_deref().unwrap_or_default()),
        ]);
        let filters = if filters.is_empty() {
            filters
        } else {
            format!("&{filters}")
        };
        let link = |n: usize| format!("/dossiers/{id}?page={n}{filters}");
        let (from, to) = ((first + 1) as u64, (first + on_page) as u64);
        let (shown_n, all_n) = (shown as u64, all as u64);
        Pager {
            summary: if shown == 0 {
                String::new()
            } else if shown == all {
                tr!(
                    "web-dossier-page-summary",
                    from = from,
                    to = to,
                    shown = shown_n
                )
            } else {
                tr!(
                    "web-dossier-page-summary-filtered",
                    from = from,
                    to = to,
                    shown = shown_n,
                    all = all_n
                )
            },
            newer: page.newer().map(link),
            older: page.older().map(link),
            kind: q.kind.clone().unwrap_or_default(),
            author: q.author.clone().unwrap_or_default(),
            filtered: !filters.is_empty(),
        }
    }
}

/// `GET /dossiers/{id}`: the dossier, as the policy lets this member read it,
/// a page of notes at a time.
pub async fn dossier(
    State(app): S,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(paging): Query<PageQuery>,
) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    match dossier_page(&app, &h, id.clone(), None, paging).await {
        Ok(r) => r,
        Err(e) => {
            let mut resp = error_page(&app, nav(&app, &h), &e);
            // Outside the care team: the way to an emergency access, when the
            // library says this member may take it.
            if e.kind() == "you-care-team-dossier-break-glass" {
                let page = ErrorPage {
                    l: l(&app),
                    nav: nav(&app, &h),
                    title: tr!("web-error-title"),
                    message: error_text(&e, lang(&app)),
                    link: Some((
                        format!("/dossiers/{id}/bris-de-glace"),
                        tr!("web-break-glass-title"),
                    )),
                };
                resp = (StatusCode::FORBIDDEN, render(&page)).into_response();
            }
            resp
        }
    }
}

/// `GET /dossiers/{id}/bris-de-glace`: the justification form.
pub async fn break_glass_form(
    State(app): S,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    render(&break_glass_page(&app, &h, id, "", None))
}

/// The break-glass form of dossier `id`, naming it as far as the member may
/// know before opening it: its number and, when a search led there, the
/// words searched. The name itself is shown once the file is open (the
/// dossier's heading), for the member to check it is the right person.
fn break_glass_page(
    app: &App,
    h: &Handle,
    id: String,
    query: &str,
    error: Option<String>,
) -> BreakGlassPage {
    let query = query.trim().to_string();
    let names = if query.is_empty() {
        tr!("web-break-glass-names", id = id.clone())
    } else {
        tr!(
            "web-break-glass-names-found",
            id = id.clone(),
            query = query.clone()
        )
    };
    BreakGlassPage {
        l: l(app),
        nav: nav(app, h),
        csrf: h.csrf.clone(),
        lead: tr!(
            "web-break-glass-lead",
            hours = u64::from(app.vault.policy().rules.break_glass_hours)
        ),
        dossier: id,
        names,
        query,
        error,
    }
}

/// `POST /dossiers/{id}/bris-de-glace/demande`: the break-glass form, from a
/// search's result (the words searched come in the form's body, never in
/// an address).
pub async fn break_glass_ask(
    State(app): S,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<SearchForm>,
) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    if let Err(r) = check_post(&app, &headers, &h, &f.csrf) {
        return r;
    }
    let q = Zeroizing::new(f.q);
    render(&break_glass_page(&app, &h, id, &q, None))
}

/// The break-glass form.
#[derive(Deserialize)]
pub struct BreakGlassForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    justification: String,
    /// The words of the search that led here, if any.
    #[serde(default)]
    q: String,
}

/// `POST /dossiers/{id}/bris-de-glace`: opens the window (the library checks
/// the right and audits the justification) and shows the dossier under it.
pub async fn break_glass(
    State(app): S,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(mut f): Form<BreakGlassForm>,
) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    if let Err(r) = check_post(&app, &headers, &h, &f.csrf) {
        return r;
    }
    let j = f.justification.replace("\r\n", "\n");
    match dossier_page(&app, &h, id.clone(), Some(j), PageQuery::default()).await {
        Ok(r) => r,
        Err(e) if e.exit_code() == 2 => {
            let q = Zeroizing::new(std::mem::take(&mut f.q));
            let msg = i18n::render_error(&e, lang(&app));
            let page = break_glass_page(&app, &h, id, &q, Some(msg));
            (StatusCode::BAD_REQUEST, render(&page)).into_response()
        }
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// `?kind=` of the note form.
#[derive(Deserialize)]
pub struct KindQuery {
    kind: Option<String>,
}

fn note_form_page(
    app: &App,
    h: &Handle,
    dossier: &str,
    kind: &str,
    values: &[(String, Zeroizing<String>)],
    error: Option<String>,
) -> NoteFormPage {
    let policy = app.vault.policy();
    let l = lang(app);
    let kinds: Vec<Choice> = forms::writable_kinds(policy, &h.profession, l)
        .into_iter()
        .map(|k| Choice {
            id: k.id,
            label: k.label,
        })
        .collect();
    // No kind is taken for granted: until one is chosen, the page offers the
    // choice and no form that could save a note (a form beside a list of
    // kinds saved the first kind when another was picked but not confirmed).
    // A profession that writes one kind only has nothing to choose.
    let kind = match (kind.is_empty(), kinds.as_slice()) {
        (true, [only]) => only.id.clone(),
        _ => kind.to_string(),
    };
    let fields = forms::kind_fields(policy, &kind, &h.profession, l)
        .map(|fs| {
            fs.into_iter()
                .map(|f| FieldBox {
                    value: field_of(values, &f.input).to_string(),
                    input: f.input,
                    label: f.label,
                    category: f.category,
                    category_label: f.category_label,
                })
                .collect()
        })
        .unwrap_or_default();
    NoteFormPage {
        l: L(l),
        nav: nav(app, h),
        csrf: h.csrf.clone(),
        title: tr!("web-note-title"),
        dossier: dossier.to_string(),
        action: format!("/dossiers/{dossier}/notes/new"),
        amend: false,
        kind_label: policy.kind_label(&kind, l),
        kind,
        kinds,
        fields,
        error,
    }
}

/// `GET /dossiers/{id}/notes/new`: choose a kind, then fill its fields.
pub async fn note_form(
    State(app): S,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<KindQuery>,
) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    render(&note_form_page(
        &app,
        &h,
        &id,
        q.kind.as_deref().unwrap_or(""),
        &[],
        None,
    ))
}

/// `POST /dossiers/{id}/notes/new`: writes the note (the library checks and
/// audits), then shows the dossier.
pub async fn note_add(
    State(app): S,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let pairs = zeroizing(pairs);
    if let Err(r) = check_post(&app, &headers, &h, field_of(&pairs, "csrf")) {
        return r;
    }
    let kind = field_of(&pairs, "kind").to_string();
    let policy = app.vault.policy();
    let fields = match forms::field_inputs(policy, &kind, &pairs) {
        Ok(f) => f,
        Err(e) => {
            let msg = i18n::render_error(&e, lang(&app));
            let page = note_form_page(&app, &h, &id, &kind, &pairs, Some(msg));
            return (StatusCode::BAD_REQUEST, render(&page)).into_response();
        }
    };
    let (d, k) = (id.clone(), kind.clone());
    match on_staff(&h, move |s| s.add_entry(&d, &k, &fields)).await {
        Ok(entry) => see_other(&format!("/dossiers/{id}#e-{entry}")),
        Err(e) if e.exit_code() == 2 => {
            let msg = i18n::render_error(&e, lang(&app));
            let page = note_form_page(&app, &h, &id, &kind, &pairs, Some(msg));
            (StatusCode::BAD_REQUEST, render(&page)).into_response()
        }
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// `GET /notes/{id}/amend`: the entry's current text, to correct.
pub async fn amend_form(State(app): S, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let e = id.clone();
    let view = on_staff(&h, move |s| {
        let v = s.show_entry(&e, None)?;
        let values: Vec<(String, Zeroizing<String>)> = v
            .fields
            .iter()
            .map(|(k, f)| {
                (
                    format!("{}{k}", forms::FIELD_PREFIX),
                    Zeroizing::new(f.value.clone()),
                )
            })
            .collect();
        Ok((v.dossier.clone(), v.kind.clone(), values))
    })
    .await;
    match view {
        Ok((dossier, kind, values)) => {
            let mut page = note_form_page(&app, &h, &dossier, &kind, &values, None);
            page.amend = true;
            page.title = tr!("web-amend-title");
            page.action = format!("/notes/{id}/amend");
            render(&page)
        }
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// `POST /notes/{id}/amend`: adds a version (never overwrites).
pub async fn amend(
    State(app): S,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let pairs = zeroizing(pairs);
    if let Err(r) = check_post(&app, &headers, &h, field_of(&pairs, "csrf")) {
        return r;
    }
    let kind = field_of(&pairs, "kind").to_string();
    let dossier = field_of(&pairs, "dossier").to_string();
    let fields = match forms::field_inputs(app.vault.policy(), &kind, &pairs) {
        Ok(f) => f,
        Err(e) => return error_page(&app, nav(&app, &h), &e),
    };
    let e = id.clone();
    match on_staff(&h, move |s| s.amend_entry(&e, &fields)).await {
        Ok(_) if is_id(&dossier) => see_other(&format!("/dossiers/{dossier}#e-{id}")),
        Ok(_) => see_other("/dossiers"),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// Whether `s` looks like a record id (for a redirect built from a form).
fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `GET /notes/{id}/versions`: every version of an entry.
pub async fn versions(State(app): S, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let l = lang(&app);
    let e = id.clone();
    let got = on_staff(&h, move |s| {
        let versions = s.entry_history(&e, None)?;
        let policy = s.vault().policy();
        let about = match versions.first() {
            Some(v) => tr!(
                "web-versions-about",
                author = author_label(s, &v.author),
                time = when(policy, &v.time, l)
            ),
            None => String::new(),
        };
        let mut out = Vec::new();
        for v in versions.iter().rev() {
            let author = author_label(s, &v.author);
            let (fields, withheld) = cards(policy, l, &v.fields, &v.withheld);
            out.push(VersionCard {
                version: v.version,
                head: tr!(
                    "cli-version-line",
                    version = v.version,
                    author = author,
                    time = when(policy, &v.time, l)
                ),
                fields,
                withheld,
            });
        }
        Ok((about, out))
    })
    .await;
    match got {
        Ok((about, versions)) => render(&VersionsPage {
            l: L(l),
            nav: nav(&app, &h),
            entry: about,
            dossier: String::new(),
            versions,
        }),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// `GET /dossiers/{id}/pourquoi`: the policy's explanation of this member's
/// access, category by category.
pub async fn explain(State(app): S, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let vault = app.vault;
    let (u, d) = (h.user.clone(), id.clone());
    match blocking(move || vault.explain(&u, &d)).await {
        Ok(x) => {
            let policy = vault.policy();
            let l = lang(&app);
            let yes_no = |b: bool| if b { tr!("cli-yes") } else { tr!("cli-no") };
            render(&ExplainPage {
                l: L(l),
                nav: nav(&app, &h),
                head: tr!(
                    "web-explain-head",
                    profession = policy.profession_label(&x.profession, l),
                    in_team = yes_no(x.in_team),
                    break_glass = yes_no(x.may_break_glass)
                ),
                rows: x
                    .categories
                    .iter()
                    .map(|c| ExplainRow {
                        category: c.category.clone(),
                        label: policy.category_label(&c.category, l),
                        policy: tr!("cli-explain-policy", value = c.policy.clone()),
                        key: tr!("cli-explain-key", value = c.key.clone()),
                        now: c.can_read_now,
                    })
                    .collect(),
                dossier: id,
            })
        }
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

// ------------------------------------------------------------------ the person

/// `GET /moi`: the person's file in plain words, and who accessed it.
pub async fn moi(State(app): S, headers: HeaderMap, Query(q): Query<MoiQuery>) -> Response {
    moi_page(&app, &headers, None, q).await
}

/// The pages of `/moi`: of the notes (`page`) and of the history (`acces`).
#[derive(Deserialize, Default)]
pub struct MoiQuery {
    page: Option<usize>,
    acces: Option<usize>,
}

/// Notes, and lines of the history, to a page of `/moi`.
const MOI_PAGE_SIZE: usize = 50;

async fn moi_page(app: &App, headers: &HeaderMap, notice: Option<String>, q: MoiQuery) -> Response {
    let h = match person(app, headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let l = lang(app);
    let vault = app.vault;
    let got = on_person(&h, move |p| {
        let view = p.view()?;
        let history = p.history()?;
        let policy = vault.policy();
        let mut entries: Vec<&EntryView> = view.entries.iter().collect();
        entries.sort_by(|a, b| b.created.cmp(&a.created));
        let mut cards: Vec<EntryCard> = entries
            .into_iter()
            .map(|e| {
                // A note of the person's kind written by a member (at the
                // person's request) says so: it is not the person's own words.
                let author = if e.kind == "person-note" && !e.author.starts_with("person.") {
                    tr!("web-moi-note-by-staff", who = e.author.clone())
                } else {
                    String::new()
                };
                entry_card(policy, l, e, author, None)
            })
            .collect();
        // Remarks are named from every note, then the page is cut out.
        name_notes_referred_to(policy, l, view.entries.iter(), &mut cards);
        let notes = Page::of(cards.len(), q.page, MOI_PAGE_SIZE);
        let cards: Vec<EntryCard> = cards.drain(notes.range()).collect();
        let mut history = history_rows(policy, l, &history, false);
        history.reverse();
        let lines = Page::of(history.len(), q.acces, MOI_PAGE_SIZE);
        let history: Vec<HistoryRow> = history.drain(lines.range()).collect();
        let who = match (&view.name, &view.birthdate) {
            (Some(n), Some(b)) => tr!(
                "web-dossier-who",
                name = n.clone(),
                birthdate = i18n::civil_date(i18n::current(), b)
            ),
            _ => view.id.clone(),
        };
        Ok((who, cards, history, notes, lines))
    })
    .await;
    match got {
        Ok((who, entries, history, notes, lines)) => {
            let link = |notes_page: usize, lines_page: usize, anchor: &str| {
                format!("/moi?page={notes_page}&acces={lines_page}#{anchor}")
            };
            let policy = app.vault.policy();
            render(&MoiPage {
                l: L(l),
                nav: nav(app, &h),
                csrf: h.csrf.clone(),
                who,
                entries,
                history,
                retention: tr!(
                    "web-moi-retention",
                    retention = i18n::render(
                        &coffre::policy::period_msg(&policy.audit.trail_retention),
                        l
                    )
                ),
                categories: policy
                    .categories
                    .keys()
                    .map(|c| Choice {
                        id: c.clone(),
                        label: policy.category_label(c, l),
                    })
                    .collect(),
                professions: policy
                    .professions
                    .keys()
                    .map(|p| Choice {
                        id: p.clone(),
                        label: policy.profession_label(p, l),
                    })
                    .collect(),
                notice,
                newer_notes: notes.newer().map(|n| link(n, lines.number, "file")),
                older_notes: notes.older().map(|n| link(n, lines.number, "file")),
                newer_lines: lines.newer().map(|n| link(notes.number, n, "history")),
                older_lines: lines.older().map(|n| link(notes.number, n, "history")),
            })
        }
        Err(e) => error_page(app, nav(app, &h), &e),
    }
}

/// The person's note form.
#[derive(Deserialize)]
pub struct MoiNoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    about: String,
}

/// `POST /moi/note`: the person's note (e.g. of disagreement), recorded by the
/// library with their own access.
pub async fn moi_note(State(app): S, headers: HeaderMap, Form(f): Form<MoiNoteForm>) -> Response {
    let h = match person(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    if let Err(r) = check_post(&app, &headers, &h, &f.csrf) {
        return r;
    }
    let text = Zeroizing::new(f.text.replace("\r\n", "\n"));
    let about = f.about;
    let done = on_person(&h, move |p| {
        p.note(&text, if about.is_empty() { None } else { Some(&about) })
    })
    .await;
    match done {
        Ok(_) => {
            moi_page(
                &app,
                &headers,
                Some(tr!("web-moi-note-done")),
                MoiQuery::default(),
            )
            .await
        }
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// The person's objection form.
#[derive(Deserialize)]
pub struct MoiObjectionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    profession: String,
}

/// `POST /moi/objection`: the person objects to a category being shared with
/// a profession.
pub async fn moi_objection(
    State(app): S,
    headers: HeaderMap,
    Form(f): Form<MoiObjectionForm>,
) -> Response {
    let h = match person(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    if let Err(r) = check_post(&app, &headers, &h, &f.csrf) {
        return r;
    }
    let (c, p) = (f.category.clone(), f.profession.clone());
    match on_person(&h, move |ps| ps.object(&c, &p)).await {
        Ok(()) => {
            let policy = app.vault.policy();
            let l = lang(&app);
            let notice = tr!(
                "cli-objection-recorded-person",
                category = policy.category_label(&f.category, l),
                profession = policy.profession_label(&f.profession, l)
            );
            moi_page(&app, &headers, Some(notice), MoiQuery::default()).await
        }
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// `GET /moi/export.json`: the person's file and access history, to keep.
pub async fn moi_export(State(app): S, headers: HeaderMap) -> Response {
    let h = match person(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let got = on_person(&h, |p| {
        let view = p.view()?;
        let history = p.history()?;
        let v = serde_json::json!({
            "dossier": view,
            "access_history": history,
        });
        serde_json::to_string_pretty(&v)
            .map(Zeroizing::new)
            .map_err(|e| Error::Io(msg!("encoding-failed", detail = e.to_string())))
    })
    .await;
    match got {
        Ok(text) => download(text.to_string(), "application/json", "mon-dossier.json"),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// `GET /moi/copie-lisible`: the person's readable copy of their file, made
/// with their own keys (one HTML page, to keep or print). Audited by the
/// library as their export.
pub async fn moi_readable_copy(State(app): S, headers: HeaderMap) -> Response {
    let h = match person(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    match on_person(&h, |p| p.readable_copy()).await {
        Ok(html) => download(html.to_vec(), "text/html; charset=utf-8", "ma-copie.html"),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// `body` as a file to save, of type `mime`, named `name`.
fn download(body: impl IntoResponse, mime: &'static str, name: &str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

// ------------------------------------------------------------------ the DPO

/// `GET /audit`: the log's verification, the checkpoint, the report, the
/// per-dossier history.
pub async fn audit(State(app): S, headers: HeaderMap) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let vault = app.vault;
    let checked = blocking(move || vault.verify_audit(None)).await;
    let (ok, status, details) = match checked {
        Ok(s) => {
            let mut details: Vec<String> = s.warnings.iter().map(|w| w.to_string()).collect();
            let unsigned = s.entries.saturating_sub(s.signed);
            if unsigned > 0 {
                details.push(tr!("cli-audit-unsigned", unsigned = unsigned));
            }
            (
                true,
                tr!(
                    "cli-audit-intact",
                    entries = s.entries,
                    checkpoints = s.checkpoints,
                    root = hex::encode(s.root)
                ),
                details,
            )
        }
        Err(e) => (false, i18n::render_error(&e, lang(&app)), Vec::new()),
    };
    // The DPO's pictures: read and audited by the library like the report; a
    // member allowed no audit report sees the page without them.
    let l = lang(&app);
    let charts = match on_staff(&h, move |s| s.audit_dashboard(None, None)).await {
        Ok(d) => coffre::web::charts::all(&d, l)
            .into_iter()
            .map(|c| c.svg)
            .collect(),
        Err(_) => Vec::new(),
    };
    render(&AuditPage {
        l: L(l),
        nav: nav(&app, &h),
        csrf: h.csrf.clone(),
        ok,
        status,
        details,
        charts,
    })
}

/// `POST /audit/checkpoint`: the latest signed checkpoint as a file to keep
/// off the machine (recorded as exported, as by `audit checkpoint --out`).
pub async fn audit_checkpoint(
    State(app): S,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    if let Err(r) = check_post(&app, &headers, &h, &f.csrf) {
        return r;
    }
    // Recorded as exported (the limit of `audit prune`) by the library for a
    // member who may prune, audited; anyone else gets the file all the same,
    // as `audit checkpoint --out` without logging in.
    let got = on_staff(&h, |s| {
        let c = s
            .vault()
            .latest_checkpoint()?
            .ok_or_else(|| Error::NotFound(msg!("signed-checkpoint-yet")))?;
        match s.record_exported_checkpoint(c.size, || Ok(())) {
            Ok(()) => {}
            Err(e) if e.exit_code() == 3 => {}
            Err(e) => return Err(e),
        }
        Ok(c.to_text())
    })
    .await;
    match got {
        Ok(text) => download(text, "text/plain; charset=utf-8", "coffre-checkpoint.txt"),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// `?dossier=` of the history page.
#[derive(Deserialize, Default)]
pub struct HistoryQuery {
    #[serde(default)]
    dossier: String,
    /// The period's first and last days, as typed in France (`14/05/2012`).
    #[serde(default)]
    du: String,
    #[serde(default)]
    au: String,
    #[serde(default)]
    profession: String,
    #[serde(default)]
    action: String,
    page: Option<usize>,
}

/// Lines of the DPO's history to a page.
const HISTORY_PAGE_SIZE: usize = 50;

/// `GET /audit/historique?dossier=ID&du=&au=&profession=&action=&page=`: who
/// accessed a dossier (audit readers), newest first, filtered and paged. The
/// whole history is read (and that reading audited) by the library; the
/// filters and the page choose what is shown.
pub async fn audit_history(
    State(app): S,
    headers: HeaderMap,
    Query(q): Query<HistoryQuery>,
) -> Response {
    history_page(&app, &headers, q, None).await
}

async fn history_page(
    app: &App,
    headers: &HeaderMap,
    q: HistoryQuery,
    notice: Option<String>,
) -> Response {
    let h = match staff(app, headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let l = lang(&app);
    let policy = app.vault.policy();
    let day = |s: &str| -> Result<Option<jiff::civil::Date>, Error> {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            i18n::parse_date(s).map(Some)
        }
    };
    let filter = match (day(&q.du), day(&q.au)) {
        (Ok(from), Ok(to)) => coffre::vault::audit_read::HistoryFilter {
            from,
            to,
            profession: Some(q.profession.clone()),
            action: Some(q.action.clone()),
            timezone: policy.audit.timezone.clone(),
        },
        (Err(e), _) | (_, Err(e)) => return error_page(&app, nav(&app, &h), &e),
    };
    let d = q.dossier.trim().to_string();
    let d2 = d.clone();
    let mut items = match on_staff(&h, move |s| s.access_history(&d2)).await {
        Ok(items) => items,
        Err(e) => return error_page(&app, nav(&app, &h), &e),
    };
    // The choices are what the history holds, whatever is filtered.
    let mut professions = BTreeMap::new();
    let mut actions = BTreeMap::new();
    for i in &items {
        professions
            .entry(i.profession.clone())
            .or_insert_with(|| policy.profession_label(&i.profession, l));
        actions.entry(i.action.clone()).or_insert_with(|| {
            i18n::render(
                &coffre::audit::words::action(&i.action, coffre::audit::Outcome::Ok),
                l,
            )
        });
    }
    let all = items.len();
    items.retain(|i| filter.keeps(i));
    items.reverse();
    let page = coffre::web::paging::Page::of(items.len(), q.page, HISTORY_PAGE_SIZE);
    let shown = &items[page.range()];
    let query = query_of(&[
        ("dossier", d.as_str()),
        ("du", q.du.trim()),
        ("au", q.au.trim()),
        ("profession", q.profession.as_str()),
        ("action", q.action.as_str()),
    ]);
    let link = |n: usize| format!("/audit/historique?{query}&page={n}");
    let summary = if items.is_empty() {
        String::new()
    } else {
        let (from, to) = ((page.first + 1) as u64, (page.first + page.len) as u64);
        let (shown_n, all_n) = (items.len() as u64, all as u64);
        if filter.is_set() {
            tr!(
                "web-history-page-summary",
                from = from,
                to = to,
                shown = shown_n,
                all = all_n
            )
        } else {
            tr!(
                "web-history-page-summary-all",
                from = from,
                to = to,
                shown = shown_n
            )
        }
    };
    let choices = |m: BTreeMap<String, String>| -> Vec<Choice> {
        m.into_iter()
            .map(|(id, label)| Choice { id, label })
            .collect()
    };
    render(&HistoryPage {
        l: L(l),
        nav: nav(&app, &h),
        head: tr!("cli-history-head", dossier = d.clone(), count = all),
        rows: history_rows(policy, l, shown, true),
        dossier: d,
        du: q.du.trim().to_string(),
        au: q.au.trim().to_string(),
        profession: q.profession.clone(),
        action: q.action.clone(),
        professions: choices(professions),
        actions: choices(actions),
        filtered: filter.is_set(),
        summary,
        newer: page.newer().map(link),
        older: page.older().map(link),
        notice,
        can_release: policy.has(&h.profession, Capability::ReadAudit),
    })
}

/// `GET /dossiers/{id}/copie-lisible`: the person's readable copy (their file
/// in plain words, the texts of the law, who accessed it), one HTML page to
/// hand over or print, for members whose profession handles the person's
/// rights, with the keys they hold (what needs the recovery key stays with
/// the command line). Audited by the library as an export before it is made.
pub async fn readable_copy(State(app): S, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let d = id.clone();
    match on_staff(&h, move |s| s.readable_copy(&d, None)).await {
        Ok(html) => download(
            html.to_vec(),
            "text/html; charset=utf-8",
            &format!("copie-lisible-{id}.html"),
        ),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// `GET /audit/liberer?dossier=ID`: what releasing a dossier's emergency
/// justifications to the person does, named, before it is done (the person
/// then reads them: it cannot be taken back).
pub async fn release_page(
    State(app): S,
    headers: HeaderMap,
    Query(q): Query<DossierQuery>,
) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let d = q.dossier.trim().to_string();
    if d.is_empty() {
        return see_other("/audit");
    }
    let back = format!("/audit/historique?{}", query_of(&[("dossier", d.as_str())]));
    render(&ConfirmPage {
        l: L(lang(&app)),
        nav: nav(&app, &h),
        csrf: h.csrf.clone(),
        title: tr!("web-release-title"),
        lead: tr!("web-release-lead", dossier = d.clone()),
        consequences: vec![
            tr!("web-release-reads"),
            tr!("web-release-third-parties"),
            tr!("web-release-later"),
            tr!("web-release-final"),
        ],
        action: "/audit/liberer".to_string(),
        hidden: vec![("dossier".to_string(), d.clone())],
        confirm_label: tr!("web-release-confirm"),
        cancel_href: back,
    })
}

/// A dossier named in a query (`?dossier=ID`).
#[derive(Deserialize)]
pub struct DossierQuery {
    #[serde(default)]
    dossier: String,
}

/// The release form: the dossier, and `oui` once confirmed.
#[derive(Deserialize)]
pub struct ReleaseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    dossier: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /audit/liberer`: releases the dossier's emergency justifications to
/// the person (readers of the audit only; the library checks and audits it).
/// Only from the confirmation page.
pub async fn release(State(app): S, headers: HeaderMap, Form(f): Form<ReleaseForm>) -> Response {
    let h = match staff(&app, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    if let Err(r) = check_post(&app, &headers, &h, &f.csrf) {
        return r;
    }
    let d = f.dossier.trim().to_string();
    let query = query_of(&[("dossier", d.as_str())]);
    if f.confirm != "oui" {
        return see_other(&format!("/audit/liberer?{query}"));
    }
    let d2 = d.clone();
    match on_staff(&h, move |s| s.release_justifications(&d2)).await {
        Ok(r) => {
            let mut lines = vec![tr!(
                "cli-released",
                released = r.released,
                dossier = r.dossier.clone(),
                up_to = r.up_to_seq
            )];
            if r.unreadable > 0 {
                lines.push(tr!("cli-released-unreadable", unreadable = r.unreadable));
            }
            if !r.person_copies {
                lines.push(tr!("web-released-no-person-access"));
            }
            let q = HistoryQuery {
                dossier: d,
                ..HistoryQuery::default()
            };
            history_page(&app, &headers, q, Some(lines.join(" "))).await
        }
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// `GET /audit/rapport.html`: the DPO's report, to download.
pub async fn audit_report_html(State(app): S, headers: HeaderMap) -> Response {
    report(&app, &headers, true).await
}

/// `GET /audit/rapport.json`: the same report as JSON.
pub async fn audit_report_json(State(app): S, headers: HeaderMap) -> Response {
    report(&app, &headers, false).await
}

async fn report(app: &App, headers: &HeaderMap, html: bool) -> Response {
    let h = match staff(app, headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let l = lang(app);
    let got = on_staff(&h, move |s| {
        if html {
            // The same report with its pictures, as `audit report --format html`.
            let d = s.audit_dashboard(None, None)?;
            Ok(coffre::web::charts::report_html(&d, l))
        } else {
            let r = s.audit_report(None, None)?;
            serde_json::to_string_pretty(&r)
                .map_err(|e| Error::Io(msg!("encoding-failed", detail = e.to_string())))
        }
    })
    .await;
    match got {
        Ok(text) if html => download(text, "text/html; charset=utf-8", "rapport-audit.html"),
        Ok(text) => download(text, "application/json", "rapport-audit.json"),
        Err(e) => error_page(app, nav(app, &h), &e),
    }
}

// ------------------------------------------------------------------ the rest

/// `GET /static/coffre.css`.
pub async fn css() -> Response {
    let mut resp = include_str!("static/coffre.css").into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    resp
}

/// Any other path.
pub async fn not_found(State(app): S, headers: HeaderMap) -> Response {
    let nav = session_of(&app, &headers).and_then(|h| nav(&app, &h));
    let page = ErrorPage {
        l: l(&app),
        nav,
        title: tr!("web-not-found"),
        message: tr!("web-not-found-text"),
        link: None,
    };
    (StatusCode::NOT_FOUND, render(&page)).into_response()
}
