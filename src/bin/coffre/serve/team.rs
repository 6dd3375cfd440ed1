//! A dossier's care team: its members by name, adding and removing one (the
//! removal confirmed first). Who may change a team is the library's rule.

use axum::extract::State;
use axum::response::Response;
use coffre::i18n;
use coffre::policy::Capability;
use coffre::tr;
use serde::Deserialize;

use super::common::{error_page, nav, on_staff, see_other, ConfirmForm, S};
use super::extract::*;
use super::pages::{render, Choice, ConfirmPage, TeamPage, L};
use super::sessions::Handle;
use super::App;

/// `GET /dossiers/{id}/equipe`: the care team.
pub async fn team(State(app): S, Member(h): Member, DossierId(id): DossierId) -> Response {
    team_page(&app, &h, id, None).await
}

pub(super) async fn team_page(
    app: &App,
    h: &Handle,
    id: String,
    notice: Option<String>,
) -> Response {
    let d = id.clone();
    let l = app.lang;
    let got = on_staff(h, move |s| {
        let ids = s.team(&d)?;
        let manage = s.may_change_team(&d)?;
        let policy = s.vault().policy();
        // Members by name: the staff list (as the staff page shows it) when
        // the team may be changed, which also gives the names to add.
        let staff = if manage { s.list_staff()? } else { Vec::new() };
        let mut members = Vec::new();
        for m in &ids {
            let (name, profession) = match staff.iter().find(|x| &x.id == m) {
                Some(x) => (x.name.clone(), x.profession.clone()),
                None => (s.staff_name(m)?.unwrap_or_default(), String::new()),
            };
            members.push(member_choice(policy, l, m, &name, &profession));
        }
        let mut candidates: Vec<Choice> = staff
            .iter()
            .filter(|x| x.status == "active" && !ids.contains(&x.id))
            .map(|x| member_choice(policy, l, &x.id, &x.name, &x.profession))
            .collect();
        candidates.sort_by(|a, b| a.label.cmp(&b.label));
        Ok((members, manage, candidates))
    })
    .await;
    match got {
        Ok((members, manage, candidates)) => render(&TeamPage {
            l: L(app.lang),
            nav: nav(app, h),
            csrf: h.csrf.clone(),
            dossier: id,
            members,
            manage,
            candidates,
            person_access: app
                .vault
                .policy()
                .has(&h.profession, Capability::PersonAccess),
            notice,
        }),
        Err(e) => error_page(app, nav(app, h), &e),
    }
}

/// A member as the team page names them: name, profession, login.
pub(super) fn member_choice(
    policy: &coffre::policy::Policy,
    l: i18n::Lang,
    id: &str,
    name: &str,
    profession: &str,
) -> Choice {
    let label = match (name.is_empty(), profession.is_empty()) {
        (true, _) => id.to_string(),
        (false, true) => format!("{name} ({id})"),
        (false, false) => tr!(
            "web-team-member",
            name = name.to_string(),
            profession = policy.profession_label(profession, l),
            id = id.to_string()
        ),
    };
    Choice {
        id: id.to_string(),
        label,
    }
}

/// Who a dossier is about, as a confirmation names it: the person's name
/// and birth date when the member may read them (`None`: the page names the
/// dossier by its number).
pub(super) fn whose(d: &coffre::views::DossierSummary) -> Option<String> {
    match (&d.name, &d.birthdate) {
        (Some(n), Some(b)) => Some(tr!(
            "web-dossier-who",
            name = n.clone(),
            birthdate = i18n::civil_date(i18n::current(), b)
        )),
        _ => None,
    }
}

/// `GET /dossiers/{id}/equipe/{staff}/retirer`: who is removed from whose
/// file and what follows, before it is done.
pub async fn team_remove_page(
    State(app): S,
    Member(h): Member,
    DossierId(id): DossierId,
    StaffId(member): StaffId,
) -> Response {
    let (d, m) = (id.clone(), member.clone());
    let got = on_staff(&h, move |s| {
        let team = s.team(&d)?;
        if !team.contains(&m) || !s.may_change_team(&d)? {
            return Ok(None);
        }
        let Some(who) = s.list_staff()?.into_iter().find(|x| x.id == m) else {
            return Ok(None);
        };
        let (name, profession) = (who.name, who.profession);
        let person = whose(&s.dossier_summary(&d)?);
        Ok(Some((name, profession, person)))
    })
    .await;
    let (name, profession, person) = match got {
        Ok(Some(x)) => x,
        Ok(None) => return see_other(&format!("/dossiers/{id}/equipe")),
        Err(e) => return error_page(&app, nav(&app, &h), &e),
    };
    let l = app.lang;
    let profession = app.vault.policy().profession_label(&profession, l);
    render(&ConfirmPage {
        l: L(l),
        nav: nav(&app, &h),
        csrf: h.csrf.clone(),
        title: tr!("web-team-remove-title"),
        lead: match person {
            Some(person) => tr!(
                "web-team-remove-lead",
                name = name.clone(),
                profession = profession,
                person = person
            ),
            None => tr!(
                "web-team-remove-lead-number",
                name = name.clone(),
                profession = profession,
                id = id.clone()
            ),
        },
        consequences: vec![
            tr!("web-team-remove-access", name = name.clone()),
            tr!("web-team-remove-kept", name = name.clone()),
            tr!("web-team-remove-trail"),
        ],
        action: format!("/dossiers/{id}/equipe/{member}/retirer"),
        hidden: Vec::new(),
        confirm_label: tr!("web-team-remove-confirm", name = name),
        cancel_href: format!("/dossiers/{id}/equipe"),
    })
}

/// `POST /dossiers/{id}/equipe/{staff}/retirer`: removes the member (the
/// library checks the right, signs and audits), only with `confirm=oui`.
pub async fn team_remove(
    State(app): S,
    Member(h): Member,
    DossierId(id): DossierId,
    StaffId(member): StaffId,
    Posted(f): Posted<ConfirmForm>,
) -> Response {
    if f.confirm != "oui" {
        return see_other(&format!("/dossiers/{id}/equipe/{member}/retirer"));
    }
    let (d, m) = (id.clone(), member.clone());
    let done = on_staff(&h, move |s| {
        s.remove_team_member(&d, &m)?;
        Ok(s.staff_name(&m)?.unwrap_or(m))
    })
    .await;
    match done {
        Ok(name) => {
            let notice = tr!("web-team-removed", name = name);
            team_page(&app, &h, id, Some(notice)).await
        }
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// The form adding a member to a care team.
#[derive(Deserialize)]
pub struct TeamForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    staff: String,
}

impl WithCsrf for TeamForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /dossiers/{id}/equipe`: adds a member (the library checks the right).
pub async fn team_add(
    State(app): S,
    Member(h): Member,
    DossierId(id): DossierId,
    Posted(f): Posted<TeamForm>,
) -> Response {
    let (d, m) = (id.clone(), f.staff.trim().to_string());
    let added = on_staff(&h, move |s| {
        s.add_team_member(&d, &m)?;
        Ok(s.staff_name(&m)?.unwrap_or(m))
    })
    .await;
    match added {
        Ok(name) => {
            let notice = tr!("cli-team-added", staff = name, id = id.clone());
            team_page(&app, &h, id, Some(notice)).await
        }
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}
