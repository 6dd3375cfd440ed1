//! A dossier's page (paged, filtered, its alerts pinned on top), the
//! emergency access (break-the-glass), the policy's explanation, the
//! person's readable copy made by staff.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffre::i18n;
use coffre::policy::Capability;
use coffre::views::EntryView;
use coffre::web::forms;
use coffre::web::paging::Page;
use coffre::{msg, tr, Error};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::common::*;
use super::extract::*;
use super::home::SearchForm;
use super::pages::*;
use super::sessions::Handle;
use super::App;

/// Reads a dossier (one audited library read) and lays it out.
pub(super) async fn dossier_page(
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
        let mut view = s.show_dossier(&id, justification.as_deref())?;
        // Documents have their own section (and their own audited read).
        let (docs, docs_withheld, docs_damaged) = s.list_documents(&id, None)?;
        view.damaged.extend(docs_damaged);
        let documents: Vec<DocumentCard> = docs
            .iter()
            .map(|d| DocumentCard {
                href: format!("/dossiers/{}/documents/{}", d.dossier, d.id),
                title: d.title.clone(),
                meta: tr!(
                    "web-document-meta",
                    doc_type = policy.document_type_label(&d.doc_type, l),
                    cat = policy.category_label(&d.category, l),
                    date = if d.date.is_empty() {
                        "—".to_string()
                    } else {
                        i18n::civil_date(l, &d.date)
                    },
                    size = d.size,
                    version = d.version
                ),
            })
            .collect();
        let mut entries: Vec<&EntryView> = view
            .entries
            .iter()
            .filter(|e| e.kind != coffre::vault::DOCUMENT_KIND)
            .collect();
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
            (documents, docs_withheld),
        ))
    })
    .await?;
    let (
        (id, identity),
        who,
        break_glass,
        entries,
        alerts,
        damaged,
        (pager, kinds, authors),
        (documents, documents_withheld),
    ) = page;
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
        documents,
        documents_withheld: if documents_withheld > 0 {
            tr!("web-documents-withheld", n = documents_withheld)
        } else {
            String::new()
        },
        doc_types: policy
            .documents
            .types
            .keys()
            .map(|t| Choice {
                id: t.clone(),
                label: policy.document_type_label(t, l),
            })
            .collect(),
        doc_categories: policy
            .categories
            .keys()
            .filter(|c| policy.can_write(&h.profession, c))
            .map(|c| Choice {
                id: c.clone(),
                label: policy.category_label(c, l),
            })
            .collect(),
        csrf: h.csrf.clone(),
        can_write: !forms::writable_kinds(policy, &h.profession, l).is_empty(),
        can_copy: policy.has(&h.profession, Capability::PersonAccess),
        person_access: policy.has(&h.profession, Capability::PersonAccess),
    }))
}

/// Notes per page of a dossier.
pub(super) const PAGE_SIZE: usize = 50;

/// `?page=&kind=&author=` of a dossier's page: which notes are shown, newest
/// first. Ids only (a kind, a login, a number): never a name or a text.
#[derive(Default, Deserialize)]
pub struct PageQuery {
    pub(super) page: Option<usize>,
    pub(super) kind: Option<String>,
    pub(super) author: Option<String>,
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
        // Counts as the language writes them ("2 000" in French).
        let n = |x: usize| i18n::number(i18n::current(), x as i64);
        let (from, to) = (n(first + 1), n(first + on_page));
        let (shown_n, all_n) = (n(shown), n(all));
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
    Member(h): Member,
    DossierId(id): DossierId,
    Q(paging): Q<PageQuery>,
) -> Response {
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
    Member(h): Member,
    DossierId(id): DossierId,
) -> Response {
    render(&break_glass_page(&app, &h, id, "", None))
}

/// The break-glass form of dossier `id`, naming it as far as the member may
/// know before opening it: its number and, when a search led there, the
/// words searched. The name itself is shown once the file is open (the
/// dossier's heading), for the member to check it is the right person.
pub(super) fn break_glass_page(
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
    Member(h): Member,
    DossierId(id): DossierId,
    Posted(f): Posted<SearchForm>,
) -> Response {
    let q = Zeroizing::new(f.q);
    render(&break_glass_page(&app, &h, id, &q, None))
}

/// The break-glass form.
#[derive(Deserialize)]
pub struct BreakGlassForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) justification: String,
    /// The words of the search that led here, if any.
    #[serde(default)]
    pub(super) q: String,
}

impl WithCsrf for BreakGlassForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /dossiers/{id}/bris-de-glace`: opens the window (the library checks
/// the right and audits the justification) and shows the dossier under it.
pub async fn break_glass(
    State(app): S,
    Member(h): Member,
    DossierId(id): DossierId,
    Posted(mut f): Posted<BreakGlassForm>,
) -> Response {
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

/// `GET /dossiers/{id}/pourquoi`: the policy's explanation of this member's
/// access, category by category.
pub async fn explain(State(app): S, Member(h): Member, DossierId(id): DossierId) -> Response {
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

/// `GET /dossiers/{id}/copie-lisible`: the person's readable copy (their file
/// in plain words, the texts of the law, who accessed it), one HTML page to
/// hand over or print, for members whose profession handles the person's
/// rights, with the keys they hold (what needs the recovery key stays with
/// the command line). Audited by the library as an export before it is made.
pub async fn readable_copy(State(app): S, Member(h): Member, DossierId(id): DossierId) -> Response {
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
