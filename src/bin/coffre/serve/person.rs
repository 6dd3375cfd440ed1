//! The person's own pages (`/moi`): their file, who accessed it, their
//! remarks and objections, their export and readable copy.

use axum::extract::State;
use axum::response::Response;
use coffre::i18n;
use coffre::views::EntryView;
use coffre::web::paging::Page;
use coffre::{msg, tr, Error};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::common::*;
use super::extract::*;
use super::pages::*;
use super::sessions::Handle;
use super::App;

/// `GET /moi`: the person's file in plain words, and who accessed it.
pub async fn moi(State(app): S, Person(h): Person, Q(q): Q<MoiQuery>) -> Response {
    moi_page(&app, &h, None, q).await
}

/// The pages of `/moi`: of the notes (`page`) and of the history (`acces`).
#[derive(Deserialize, Default)]
pub struct MoiQuery {
    pub(super) page: Option<usize>,
    pub(super) acces: Option<usize>,
}

/// Notes, and lines of the history, to a page of `/moi`.
pub(super) const MOI_PAGE_SIZE: usize = 50;

pub(super) async fn moi_page(
    app: &App,
    h: &Handle,
    notice: Option<String>,
    q: MoiQuery,
) -> Response {
    let l = lang(app);
    let vault = app.vault;
    let got = on_person(h, move |p| {
        let view = p.view()?;
        let history = p.history()?;
        let policy = vault.policy();
        // Documents: their own list, each a download (an audited read).
        let documents: Vec<DocumentCard> = view
            .entries
            .iter()
            .filter(|e| e.kind == coffre::vault::DOCUMENT_KIND)
            .filter_map(|e| {
                let title = e.fields.get("title")?.value.clone();
                let doc_type = e
                    .fields
                    .get("type")
                    .map(|f| f.value.clone())
                    .unwrap_or_default();
                let date = e
                    .fields
                    .get("date")
                    .map(|f| f.value.clone())
                    .unwrap_or_default();
                Some(DocumentCard {
                    href: format!("/moi/documents/{}", e.id),
                    title,
                    meta: tr!(
                        "web-moi-document-meta",
                        doc_type = policy.document_type_label(&doc_type, l),
                        date = if date.is_empty() {
                            "—".to_string()
                        } else {
                            i18n::civil_date(l, &date)
                        }
                    ),
                })
            })
            .collect();
        let mut entries: Vec<&EntryView> = view
            .entries
            .iter()
            .filter(|e| e.kind != coffre::vault::DOCUMENT_KIND)
            .collect();
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
        let identity = view
            .details
            .as_ref()
            .map(|d| d.lines(l))
            .unwrap_or_default();
        Ok(((who, identity, documents), cards, history, notes, lines))
    })
    .await;
    match got {
        Ok(((who, identity, documents), entries, history, notes, lines)) => {
            let link = |notes_page: usize, lines_page: usize, anchor: &str| {
                format!("/moi?page={notes_page}&acces={lines_page}#{anchor}")
            };
            let policy = app.vault.policy();
            render(&MoiPage {
                l: L(l),
                nav: nav(app, h),
                csrf: h.csrf.clone(),
                who,
                identity,
                entries,
                documents,
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
        Err(e) => error_page(app, nav(app, h), &e),
    }
}

/// The person's note form.
#[derive(Deserialize)]
pub struct MoiNoteForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) text: String,
    #[serde(default)]
    pub(super) about: String,
}

impl WithCsrf for MoiNoteForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /moi/note`: the person's note (e.g. of disagreement), recorded by the
/// library with their own access.
pub async fn moi_note(
    State(app): S,
    Person(h): Person,
    Posted(f): Posted<MoiNoteForm>,
) -> Response {
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
                &h,
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
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) category: String,
    #[serde(default)]
    pub(super) profession: String,
}

impl WithCsrf for MoiObjectionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /moi/objection`: the person objects to a category being shared with
/// a profession.
pub async fn moi_objection(
    State(app): S,
    Person(h): Person,
    Posted(f): Posted<MoiObjectionForm>,
) -> Response {
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
            moi_page(&app, &h, Some(notice), MoiQuery::default()).await
        }
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// `GET /moi/export.json`: the person's file and access history, to keep.
pub async fn moi_export(State(app): S, Person(h): Person) -> Response {
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
pub async fn moi_readable_copy(State(app): S, Person(h): Person) -> Response {
    match on_person(&h, |p| p.readable_copy()).await {
        Ok(html) => download(html.to_vec(), "text/html; charset=utf-8", "ma-copie.html"),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}
