//! The staff's home page: their dossiers, their recent dossiers, the
//! colleagues waiting for keys, the name search, the day's transmissions.

use axum::extract::State;
use axum::response::Response;
use coffre::i18n;
use coffre::tr;
use coffre::views::EntryView;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::common::*;
use super::extract::*;
use super::pages::*;
use super::sessions::Handle;
use super::App;

pub(super) fn dossier_rows(list: &[coffre::views::DossierSummary]) -> Vec<DossierRow> {
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

/// Recent dossiers on the home page.
const RECENT: usize = 8;

/// The recent dossiers as the home page names them: by the name the list of
/// the member's dossiers gives (read and audited with it), with when.
fn recent_rows(
    app: &App,
    list: &[coffre::views::DossierSummary],
    recent: &[coffre::views::RecentDossier],
) -> Vec<(DossierRow, String)> {
    let policy = app.vault.policy();
    recent
        .iter()
        .filter_map(|r| {
            let d = list.iter().find(|d| d.id == r.id && d.in_team)?;
            let row = dossier_rows(std::slice::from_ref(d)).pop()?;
            Some((row, when(policy, &r.time, app.lang)))
        })
        .collect()
}

/// The keys the member waits for, each in a sentence: which, and who can
/// hand it over (or that it needs an approval first).
fn my_pending_lines(app: &App, mine: &[coffre::vault::MyPendingKey]) -> Vec<String> {
    mine.iter()
        .map(|k| {
            let key = i18n::render(&coffre::policy::key_msg(&k.key.name()), app.lang);
            match (k.approved, k.holders.is_empty()) {
                (false, _) => tr!("my-key-to-approve", key = key),
                (true, true) => tr!("my-key-no-holder", key = key),
                (true, false) => tr!("my-key-holders", key = key, holders = k.holders.clone()),
            }
        })
        .collect()
}

/// `GET /dossiers`: the dossiers of the member's care teams.
pub async fn dossiers(State(app): S, Member(h): Member) -> Response {
    staff_home(&app, &h, None).await
}

/// The home page of staff: their dossiers and the colleagues waiting for
/// keys they hold, with `notice` on top.
pub(super) async fn staff_home(app: &App, h: &Handle, notice: Option<String>) -> Response {
    let got = on_staff(h, |s| {
        Ok((
            s.list_dossiers()?,
            s.colleagues_waiting()?,
            s.recent_dossiers(RECENT)?,
            s.my_pending_keys()?,
        ))
    })
    .await;
    match got {
        Ok((list, waiting, recent, mine)) => {
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
                recent: recent_rows(app, &list, &recent),
                my_pending: my_pending_lines(app, &mine),
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
pub async fn hand_over(State(app): S, Member(h): Member, Posted(_f): Posted<CsrfForm>) -> Response {
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
pub async fn transmissions(State(app): S, Member(h): Member) -> Response {
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
            let damaged = if view.damaged.is_empty() {
                String::new()
            } else {
                i18n::render_error(
                    &coffre::Error::Integrity(coffre::msg!(
                        "entries-dossier-damaged-altered-others-shown",
                        join = view.damaged.join(", "),
                        id = view.id.clone()
                    )),
                    l,
                )
            };
            groups.push(TransmissionGroup {
                id: view.id.clone(),
                who,
                damaged,
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
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) q: String,
}

impl WithCsrf for SearchForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /dossiers`: dossiers found by name (the library's blind index).
pub async fn search(State(app): S, Member(h): Member, Posted(f): Posted<SearchForm>) -> Response {
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
            recent: Vec::new(),
            my_pending: Vec::new(),
            waiting: Vec::new(),
            can_hand_over: false,
            notice: None,
        }),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}
