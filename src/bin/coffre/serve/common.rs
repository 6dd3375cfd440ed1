//! What every area's pages share: the session of a request, the error
//! pages, running library calls off the async threads, and how entries and
//! history lines are laid out.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use coffre::i18n::{self, Lang};
use coffre::policy::{Capability, Policy};
use coffre::views::{EntryView, FieldValue, Withheld};
use coffre::web::forms;
use coffre::{msg, tr, Error, PersonSession, Session};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::extract::WithCsrf;
use super::pages::*;
use super::security::{self, COOKIE};
use super::sessions::{Handle, Who};
use super::App;

pub(super) type S = State<Arc<App>>;

pub(super) fn l(app: &App) -> L {
    L(app.lang)
}

pub(super) fn lang(app: &App) -> Lang {
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
pub(super) fn when(policy: &Policy, t: &str, l: Lang) -> String {
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
pub(super) fn error_text(e: &Error, l: Lang) -> String {
    if e.kind() == "you-care-team-dossier-break-glass" {
        return i18n::render_error(&Error::Refused(msg!("web-not-in-team-break-glass")), l);
    }
    i18n::render_error(e, l)
}

pub(super) fn forbidden(app: &App, nav: Option<Nav>, message: String) -> Response {
    status_page(app, nav, StatusCode::FORBIDDEN, message)
}

/// The error page with `status` and `message` (already in the page's language).
pub(super) fn status_page(
    app: &App,
    nav: Option<Nav>,
    status: StatusCode,
    message: String,
) -> Response {
    let page = ErrorPage {
        l: l(app),
        nav,
        title: tr!("web-error-title"),
        message,
        link: Some(("/".to_string(), tr!("web-home"))),
    };
    (status, render(&page)).into_response()
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
pub(super) fn session_of(app: &App, headers: &HeaderMap) -> Option<Handle> {
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
pub(super) fn person(app: &App, headers: &HeaderMap) -> Result<Handle, Response> {
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
pub(super) async fn on_person<T, F>(h: &Handle, f: F) -> Result<T, Error>
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
pub(super) async fn blocking<T, F>(f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Error> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| Error::Io(msg!("serve-session-broken")))?
}

pub(super) fn field_of<'a>(pairs: &'a [(String, Zeroizing<String>)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Cards of an entry's fields, under the policy's labels.
pub(super) fn cards(
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
pub(super) fn name_notes_referred_to<'e>(
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
pub(super) fn entry_card(
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

pub(super) fn author_label(s: &mut Session<'_>, id: &str) -> String {
    // The person's own notes are theirs, not a member's.
    if id.starts_with("person.") {
        return tr!("web-author-the-person");
    }
    match s.staff_name(id) {
        Ok(Some(n)) => format!("{n} ({id})"),
        _ => id.to_string(),
    }
}

pub(super) fn history_rows(
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

/// The form of a confirmation page (`ConfirmPage`): `oui` once confirmed.
#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) confirm: String,
}

impl WithCsrf for ConfirmForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// A form with only its CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub(super) csrf: String,
}

impl WithCsrf for CsrfForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The query string of the `pairs` whose value is not empty, encoded as a
/// form is (the encoder axum decodes with): `kind=a&author=b`, or empty.
pub(super) fn query_of(pairs: &[(&str, &str)]) -> String {
    let kept: Vec<&(&str, &str)> = pairs.iter().filter(|(_, v)| !v.is_empty()).collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

/// `body` as a file to save, of type `mime`, named `name`.
pub(super) fn download(body: impl IntoResponse, mime: &'static str, name: &str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

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
