//! The preamble every handler shares, as axum extractors: whose session the
//! request comes with, the form it posts (our origin and the session's CSRF
//! token checked), the ids in its address and its query string. Each one
//! answers a request it cannot accept with a page in the catalog's words (a
//! redirection to the login, or the error page with its status), never the
//! framework's plain-text English.
//!
//! A handler lists what it needs and starts with its own work:
//!
//! ```text
//! pub async fn note_add(State(app): S, Member(h): Member, DossierId(id): DossierId,
//!                       Posted(form): Posted<NoteFields>) -> Response
//! ```
//!
//! Extractors run in the order of the arguments: the session first (a browser
//! without one is sent to log in whatever else is wrong), then the address,
//! then the body.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use coffre::tr;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::common::{check_post, nav, person, see_other, session_of, staff};
use super::pages::{render, ErrorPage, L};
use super::sessions::Handle;
use super::App;

/// A staff member's session, current against the rights register (a member
/// revoked or given another profession since is sent to log in again).
pub struct Member(pub Handle);

impl FromRequestParts<Arc<App>> for Member {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        staff(app, &parts.headers).map(Member)
    }
}

/// The person's session (`/moi`).
pub struct Person(pub Handle);

impl FromRequestParts<Arc<App>> for Person {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        person(app, &parts.headers).map(Person)
    }
}

/// A form that carries the session's CSRF token in its `csrf` field.
pub trait WithCsrf {
    fn csrf(&self) -> &str;
}

/// A form posted within a session (staff's or the person's): the request
/// comes from our own origin, the form is read, and its CSRF token is the
/// session's. Without a session the browser is sent to log in.
pub struct Posted<F>(pub F);

impl<F> FromRequest<Arc<App>> for Posted<F>
where
    F: DeserializeOwned + WithCsrf + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, app: &Arc<App>) -> Result<Self, Response> {
        let Some(h) = session_of(app, req.headers()) else {
            return Err(see_other("/login"));
        };
        let headers = req.headers().clone();
        let Form(f) = Form::<F>::from_request(req, app)
            .await
            .map_err(|r| unreadable(app, Some(&h), r.status()))?;
        check_post(app, &headers, &h, f.csrf())?;
        Ok(Posted(f))
    }
}

/// A form read without a session (the login forms, which check their own
/// token): only its reading is done here.
pub struct Filled<F>(pub F);

impl<F> FromRequest<Arc<App>> for Filled<F>
where
    F: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, app: &Arc<App>) -> Result<Self, Response> {
        match Form::<F>::from_request(req, app).await {
            Ok(Form(f)) => Ok(Filled(f)),
            Err(r) => Err(unreadable(app, None, r.status())),
        }
    }
}

/// A form as the browser sent it, every field kept in order (a note's fields
/// are the policy's, not known here); values zeroized when dropped.
#[derive(Deserialize)]
#[serde(from = "Vec<(String, String)>")]
pub struct Pairs(pub Vec<(String, Zeroizing<String>)>);

impl From<Vec<(String, String)>> for Pairs {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Pairs(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Zeroizing::new(v)))
                .collect(),
        )
    }
}

impl Pairs {
    /// The value of the field `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

impl WithCsrf for Pairs {
    fn csrf(&self) -> &str {
        self.get("csrf")
    }
}

/// A query string read into `T`; one that cannot be read (`?page=abc`) is
/// told on the error page (400).
pub struct Q<T>(pub T);

impl<T> FromRequestParts<Arc<App>> for Q<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        match Query::<T>::from_request_parts(parts, app).await {
            Ok(Query(q)) => Ok(Q(q)),
            Err(_) => {
                let h = session_of(app, &parts.headers);
                Err(unreadable(app, h.as_ref(), StatusCode::BAD_REQUEST))
            }
        }
    }
}

/// The error page of a request whose form or query could not be read.
fn unreadable(app: &App, h: Option<&Handle>, status: StatusCode) -> Response {
    let status = if status.is_client_error() {
        status
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = ErrorPage {
        l: L(app.lang),
        nav: h.and_then(|h| nav(app, h)),
        title: tr!("web-error-title"),
        message: tr!("web-bad-request"),
        link: Some(("/".to_string(), tr!("web-home"))),
    };
    (status, render(&page)).into_response()
}

/// The value of the address's parameter `name` (`/dossiers/{dossier}`),
/// checked as an id of the store (`kind`) when `kind` is given. A value that
/// is not UTF-8 once decoded (`%FF`), or not an id, is answered with the
/// French error page (400), the session's menus kept.
async fn path_param(
    parts: &mut Parts,
    app: &Arc<App>,
    name: &str,
    kind: Option<&str>,
) -> Result<String, Response> {
    let value = match Path::<Vec<(String, String)>>::from_request_parts(parts, app).await {
        Ok(Path(params)) => params.into_iter().find(|(k, _)| k == name).map(|(_, v)| v),
        Err(_) => None,
    };
    let ok = match (&value, kind) {
        (Some(v), Some(kind)) => coffre::store::layout::check_id(kind, v).is_ok(),
        (Some(_), None) => true,
        (None, _) => false,
    };
    match value {
        Some(v) if ok => Ok(v),
        _ => {
            let h = session_of(app, &parts.headers);
            let message = match kind {
                Some("dossier") => tr!("web-bad-id-dossier"),
                Some("entry") => tr!("web-bad-id-note"),
                Some("staff") => tr!("web-bad-id-staff"),
                _ => tr!("web-bad-request"),
            };
            let page = ErrorPage {
                l: L(app.lang),
                nav: h.as_ref().and_then(|h| nav(app, h)),
                title: tr!("web-error-title"),
                message,
                link: Some(("/".to_string(), tr!("web-home"))),
            };
            Err((StatusCode::BAD_REQUEST, render(&page)).into_response())
        }
    }
}

/// Declares an extractor of one parameter of the address.
macro_rules! path_id {
    ($(#[$doc:meta])* $name:ident, $param:literal, $kind:expr) => {
        $(#[$doc])*
        pub struct $name(pub String);

        impl FromRequestParts<Arc<App>> for $name {
            type Rejection = Response;

            async fn from_request_parts(
                parts: &mut Parts,
                app: &Arc<App>,
            ) -> Result<Self, Response> {
                path_param(parts, app, $param, $kind).await.map($name)
            }
        }
    };
}

path_id!(
    /// `{dossier}` of the address: a dossier's id.
    DossierId,
    "dossier",
    Some("dossier")
);
path_id!(
    /// `{note}` of the address: a note's id.
    NoteId,
    "note",
    Some("entry")
);
path_id!(
    /// `{doc}` of the address: a document's id.
    DocId,
    "doc",
    Some("entry")
);
path_id!(
    /// `{staff}` of the address: a member's login.
    StaffId,
    "staff",
    Some("staff")
);
path_id!(
    /// `{factor}` of the address: the id of one of a member's second factors.
    FactorId,
    "factor",
    Some("second factor")
);
path_id!(
    /// `{action}` of the address: a word the handler matches.
    Action,
    "action",
    None
);
