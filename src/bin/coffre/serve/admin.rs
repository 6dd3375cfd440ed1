//! The daily administration of dossiers in the browser: creating one, and
//! giving the person access to theirs (the credential and its printable
//! sheet). Who may do each is the library's decision, as on the command line
//! (`dossier create`, `access grant`); the pages only offer each action to the
//! professions the policy allows, so a menu click records no refusal.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use coffre::i18n;
use coffre::policy::Capability;
use coffre::tr;
use secrecy::ExposeSecret;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::common::{error_page, nav, on_staff, see_other, ConfirmForm};
use super::extract::*;
use super::pages::{render, Choice, ConfirmPage, ErrorPage, NewDossierPage, PersonSheetPage, L};
use super::sessions::Handle;
use super::team::whose;
use super::App;

type S = State<Arc<App>>;

/// The page saying a profession may not do this (nothing was tried, so
/// nothing is recorded: the page was not offered).
fn not_offered(app: &App, h: &Handle, message: String) -> Response {
    let page = ErrorPage {
        l: L(app.lang),
        nav: nav(app, h),
        title: tr!("web-error-title"),
        message,
        link: Some(("/dossiers".to_string(), tr!("web-nav-dossiers"))),
    };
    (StatusCode::FORBIDDEN, render(&page)).into_response()
}

/// The choices of sex, in the catalog's words.
fn sexes() -> Vec<Choice> {
    [
        ("", "web-sex-unsaid"),
        ("f", "web-sex-f"),
        ("m", "web-sex-m"),
        ("x", "web-sex-x"),
    ]
    .into_iter()
    .map(|(id, label)| Choice {
        id: id.to_string(),
        label: coffre::i18n::text(coffre::i18n::current(), label),
    })
    .collect()
}

/// The rest of a dossier's identity as a page shows it: (label, value), the
/// parts given only (the library's words).
pub(super) fn identity_lines(d: &coffre::views::DossierDetails) -> Vec<(String, String)> {
    d.lines(i18n::current())
}

fn new_dossier_form(
    app: &App,
    h: &Handle,
    name: String,
    birthdate: String,
    details: coffre::views::DossierDetails,
    error: Option<String>,
) -> Response {
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = NewDossierPage {
        l: L(app.lang),
        nav: nav(app, h),
        csrf: h.csrf.clone(),
        name,
        birthdate,
        details,
        sexes: sexes(),
        error,
    };
    (status, render(&page)).into_response()
}

/// `GET /dossiers/nouveau`: the form creating a dossier.
pub async fn new_dossier_page(State(app): S, Member(h): Member) -> Response {
    if !app
        .vault
        .policy()
        .has(&h.profession, Capability::CreateDossier)
    {
        return not_offered(&app, &h, tr!("web-new-dossier-refused"));
    }
    new_dossier_form(
        &app,
        &h,
        String::new(),
        String::new(),
        Default::default(),
        None,
    )
}

/// The form creating a dossier.
#[derive(Deserialize)]
pub struct NewDossierForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    birthdate: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    admitted: String,
    #[serde(default)]
    unit: String,
}

impl WithCsrf for NewDossierForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /dossiers/nouveau`: creates the dossier (the library checks the
/// right, the name and the date as typed in France, and audits), then opens
/// it. A refusal or a bad input is told on the form, what was typed kept.
pub async fn new_dossier(
    State(app): S,
    Member(h): Member,
    Posted(f): Posted<NewDossierForm>,
) -> Response {
    let name = Zeroizing::new(f.name);
    let birthdate = Zeroizing::new(f.birthdate);
    let details = coffre::views::DossierDetails {
        sex: f.sex,
        address: f.address,
        admitted: f.admitted,
        unit: f.unit,
    };
    let (n, b, d) = (name.clone(), birthdate.clone(), details.clone());
    match on_staff(&h, move |s| s.create_dossier_with(&n, &b, &d)).await {
        Ok(id) => see_other(&format!("/dossiers/{id}")),
        Err(e) if e.exit_code() == 2 => {
            let message = i18n::render_error(&e, app.lang);
            new_dossier_form(
                &app,
                &h,
                name.to_string(),
                birthdate.to_string(),
                details,
                Some(message),
            )
        }
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// Where the person logs in, as this browser reached the server (its `Host`
/// was checked by the guard against the names the server answers to).
fn person_login_address(app: &App, headers: &HeaderMap) -> String {
    let scheme = if app.tls { "https" } else { "http" };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| app.hosts.first().cloned().unwrap_or_default());
    format!("{scheme}://{host}/moi")
}

/// `GET /dossiers/{id}/acces-personne`: what giving the person access does,
/// before it is done (it replaces any earlier credential).
pub async fn person_access_page(
    State(app): S,
    Member(h): Member,
    headers: HeaderMap,
    DossierId(id): DossierId,
) -> Response {
    if !app
        .vault
        .policy()
        .has(&h.profession, Capability::PersonAccess)
    {
        return not_offered(&app, &h, tr!("web-person-access-refused"));
    }
    let d = id.clone();
    let person = match on_staff(&h, move |s| s.dossier_summary(&d)).await {
        Ok(summary) => whose(&summary),
        Err(e) => return error_page(&app, nav(&app, &h), &e),
    };
    render(&ConfirmPage {
        l: L(app.lang),
        nav: nav(&app, &h),
        csrf: h.csrf.clone(),
        title: tr!("web-person-access-title"),
        lead: match person {
            Some(person) => tr!("web-person-access-lead", person = person),
            None => tr!("web-person-access-lead-number", id = id.clone()),
        },
        consequences: vec![
            tr!("web-person-access-passphrase"),
            tr!(
                "web-person-access-can",
                address = person_login_address(&app, &headers)
            ),
            tr!("web-person-access-replaces"),
        ],
        action: format!("/dossiers/{id}/acces-personne"),
        hidden: Vec::new(),
        confirm_label: tr!("web-person-access-confirm"),
        cancel_href: format!("/dossiers/{id}"),
    })
}

/// `POST /dossiers/{id}/acces-personne`: issues the person's credential with
/// a passphrase drawn by the library, and shows it once on the sheet to
/// print. The passphrase is in no address, no log, nothing stored: only in
/// this answer (`no-store`), zeroized with the page.
pub async fn person_access(
    State(app): S,
    Member(h): Member,
    headers: HeaderMap,
    DossierId(id): DossierId,
    Posted(f): Posted<ConfirmForm>,
) -> Response {
    if f.confirm != "oui" {
        return see_other(&format!("/dossiers/{id}/acces-personne"));
    }
    let d = id.clone();
    let l = app.lang;
    let tz = app.vault.policy().audit.timezone.clone();
    let got = on_staff(&h, move |s| {
        let pass = coffre::crypto::passphrase::generate()?;
        let missing = s.grant_person_access(&d, &pass, None)?;
        let person = whose(&s.dossier_summary(&d)?);
        let establishment = s.establishment()?;
        let from = tr!(
            "web-sheet-from",
            establishment = establishment,
            date = i18n::date(l, jiff::Timestamp::now(), &tz)
        );
        let pending = if missing.is_empty() {
            String::new()
        } else {
            tr!(
                "web-sheet-staff-pending",
                keys = coffre::policy::categories_in_words(&missing, l)
            )
        };
        Ok((
            Zeroizing::new(pass.expose_secret().to_string()),
            person,
            from,
            pending,
        ))
    })
    .await;
    match got {
        Ok((pass, person, from, pending)) => render(&PersonSheetPage {
            l: L(l),
            nav: nav(&app, &h),
            address: person_login_address(&app, &headers),
            dossier: id,
            person: match person {
                Some(person) => tr!("web-sheet-for", person = person),
                None => String::new(),
            },
            from,
            passphrase: pass.to_string(),
            pending,
        }),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}
