//! Writing a note, correcting it (a new version), and its versions.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffre::i18n;
use coffre::tr;
use coffre::web::forms;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::common::*;
use super::extract::*;
use super::pages::*;
use super::sessions::Handle;
use super::App;

/// `?kind=` of the note form.
#[derive(Deserialize)]
pub struct KindQuery {
    pub(super) kind: Option<String>,
}

pub(super) fn note_form_page(
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
    Member(h): Member,
    DossierId(id): DossierId,
    Q(q): Q<KindQuery>,
) -> Response {
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
    Member(h): Member,
    DossierId(id): DossierId,
    Posted(Pairs(pairs)): Posted<Pairs>,
) -> Response {
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
pub async fn amend_form(State(app): S, Member(h): Member, NoteId(id): NoteId) -> Response {
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
    Member(h): Member,
    NoteId(id): NoteId,
    Posted(Pairs(pairs)): Posted<Pairs>,
) -> Response {
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
pub(super) fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `GET /notes/{id}/versions`: every version of an entry.
pub async fn versions(State(app): S, Member(h): Member, NoteId(id): NoteId) -> Response {
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
