//! The DPO's workspace: the log's verification, the checkpoint, the
//! pictures and the report, a dossier's history (filtered, paged), the
//! release of emergency justifications.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::Response;
use coffre::i18n;
use coffre::policy::Capability;
use coffre::{msg, tr, Error};
use serde::Deserialize;

use super::common::*;
use super::extract::*;
use super::pages::*;
use super::sessions::Handle;
use super::App;

/// `GET /audit`: the log's verification, the checkpoint, the report, the
/// per-dossier history.
pub async fn audit(State(app): S, Member(h): Member) -> Response {
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
    Member(h): Member,
    Posted(_f): Posted<CsrfForm>,
) -> Response {
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
    pub(super) dossier: String,
    /// The period's first and last days, as typed in France (`14/05/2012`).
    #[serde(default)]
    pub(super) du: String,
    #[serde(default)]
    pub(super) au: String,
    #[serde(default)]
    pub(super) profession: String,
    #[serde(default)]
    pub(super) action: String,
    pub(super) page: Option<usize>,
}

/// Lines of the DPO's history to a page.
pub(super) const HISTORY_PAGE_SIZE: usize = 50;

/// `GET /audit/historique?dossier=ID&du=&au=&profession=&action=&page=`: who
/// accessed a dossier (audit readers), newest first, filtered and paged. The
/// whole history is read (and that reading audited) by the library; the
/// filters and the page choose what is shown.
pub async fn audit_history(State(app): S, Member(h): Member, Q(q): Q<HistoryQuery>) -> Response {
    history_page(&app, &h, q, None).await
}

pub(super) async fn history_page(
    app: &App,
    h: &Handle,
    q: HistoryQuery,
    notice: Option<String>,
) -> Response {
    let l = lang(app);
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
        (Err(e), _) | (_, Err(e)) => return error_page(app, nav(app, h), &e),
    };
    let d = q.dossier.trim().to_string();
    let d2 = d.clone();
    let mut items = match on_staff(h, move |s| s.access_history(&d2)).await {
        Ok(items) => items,
        Err(e) => return error_page(app, nav(app, h), &e),
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
        // Counts as the language writes them ("2 000" in French).
        let n = |x: usize| i18n::number(i18n::current(), x as i64);
        let (from, to) = (n(page.first + 1), n(page.first + page.len));
        let (shown_n, all_n) = (n(items.len()), n(all));
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
        nav: nav(app, h),
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

/// `GET /audit/liberer?dossier=ID`: what releasing a dossier's emergency
/// justifications to the person does, named, before it is done (the person
/// then reads them: it cannot be taken back).
pub async fn release_page(State(app): S, Member(h): Member, Q(q): Q<DossierQuery>) -> Response {
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
    pub(super) dossier: String,
}

/// The release form: the dossier, and `oui` once confirmed.
#[derive(Deserialize)]
pub struct ReleaseForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) dossier: String,
    #[serde(default)]
    pub(super) confirm: String,
}

impl WithCsrf for ReleaseForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /audit/liberer`: releases the dossier's emergency justifications to
/// the person (readers of the audit only; the library checks and audits it).
/// Only from the confirmation page.
pub async fn release(State(app): S, Member(h): Member, Posted(f): Posted<ReleaseForm>) -> Response {
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
            history_page(&app, &h, q, Some(lines.join(" "))).await
        }
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// `GET /audit/rapport.html`: the DPO's report, to download.
pub async fn audit_report_html(State(app): S, Member(h): Member) -> Response {
    report(&app, &h, true).await
}

/// `GET /audit/rapport.json`: the same report as JSON.
pub async fn audit_report_json(State(app): S, Member(h): Member) -> Response {
    report(&app, &h, false).await
}

pub(super) async fn report(app: &App, h: &Handle, html: bool) -> Response {
    let l = lang(app);
    let got = on_staff(h, move |s| {
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
        Err(e) => error_page(app, nav(app, h), &e),
    }
}
