//! The managers' pages: a dossier's care team, and the staff (add, approve or
//! refuse pending keys, revoke, change of profession). Who may do each is the
//! library's decision; nothing here uses the recovery key (rotations it would
//! finish are listed, as `coffre staff list` does).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use coffre::i18n;
use coffre::policy::Capability;
use coffre::{tr, Error, NewStaff};
use secrecy::SecretString;
use serde::Deserialize;

use super::common::{error_page, nav, on_staff, see_other};
use super::extract::*;
use super::pages::{render, Choice, ConfirmPage, StaffPage, StaffRow, TeamPage, L};
use super::sessions::Handle;
use super::App;

type S = State<Arc<App>>;

/// `GET /dossiers/{id}/equipe`: the care team.
pub async fn team(State(app): S, Member(h): Member, DossierId(id): DossierId) -> Response {
    team_page(&app, &h, id, None).await
}

async fn team_page(app: &App, h: &Handle, id: String, notice: Option<String>) -> Response {
    let d = id.clone();
    let l = app.lang;
    let got = on_staff(&h, move |s| {
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
            nav: nav(app, &h),
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
        Err(e) => error_page(app, nav(app, &h), &e),
    }
}

/// A member as the team page names them: name, profession, login.
fn member_choice(
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
    Posted(f): Posted<MemberForm>,
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
        Err(e) => staff_error(&app, &h, &e),
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

/// `GET /personnel`: the staff and their pending keys.
pub async fn staff_list(State(app): S, Member(h): Member) -> Response {
    staff_page(&app, &h, None).await
}

async fn staff_page(app: &App, h: &Handle, notice: Option<String>) -> Response {
    let got = on_staff(&h, |s| Ok((s.list_staff()?, s.pending_rotations()?))).await;
    let policy = app.vault.policy();
    let l = app.lang;
    match got {
        Ok((list, rotations)) => render(&StaffPage {
            l: L(l),
            nav: nav(app, &h),
            csrf: h.csrf.clone(),
            manage: policy.has(&h.profession, Capability::ManageStaff),
            rows: list
                .iter()
                .map(|m| StaffRow {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    profession: m.profession.clone(),
                    profession_label: policy.profession_label(&m.profession, l),
                    status: tr!("cli-staff-status", status = m.status.clone()),
                    pending: coffre::policy::keys_in_words(&m.pending, l),
                    active: m.status == "active",
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
            rotations: rotations
                .iter()
                .map(|p| {
                    tr!(
                        "web-rotation-pending",
                        key = i18n::render(&coffre::policy::key_msg(&p.key), l),
                        reason = i18n::render(&p.reason_msg(), l)
                    )
                })
                .collect(),
            notice,
        }),
        Err(e) => error_page(app, nav(app, &h), &e),
    }
}

/// The form adding a staff member.
#[derive(Deserialize)]
pub struct AddStaffForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    profession: String,
    #[serde(default)]
    passphrase: String,
}

impl WithCsrf for AddStaffForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /personnel`: adds a member with the initial passphrase the manager
/// gives them (checked for strength by the library).
pub async fn staff_add(
    State(app): S,
    Member(h): Member,
    Posted(f): Posted<AddStaffForm>,
) -> Response {
    let pass = SecretString::from(f.passphrase);
    let (id, name, profession) = (f.id.trim().to_string(), f.name, f.profession);
    let who = id.clone();
    let added = on_staff(&h, move |s| {
        s.add_staff(
            &NewStaff {
                id: &id,
                name: &name,
                profession: &profession,
                passphrase: &pass,
            },
            None,
        )
    })
    .await;
    match added {
        Ok(pending) => {
            let mut notice = tr!("cli-staff-added", id = who);
            if !pending.is_empty() {
                notice.push(' ');
                notice.push_str(&tr!(
                    "web-staff-pending-notice",
                    keys = coffre::policy::keys_in_words(&pending, app.lang)
                ));
            }
            staff_page(&app, &h, Some(notice)).await
        }
        Err(e) => staff_error(&app, &h, &e),
    }
}

fn staff_error(app: &App, h: &super::sessions::Handle, e: &Error) -> Response {
    let mut r = error_page(app, nav(app, h), e);
    if e.exit_code() == 2 {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    r
}

/// The forms acting on one member.
#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    profession: String,
    /// `oui` once the member confirmed an action that cannot be undone.
    #[serde(default)]
    confirm: String,
}

impl WithCsrf for MemberForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `GET /personnel/{id}/revoquer`: what a revocation does, named, before it
/// is done (it cannot be undone). Other actions have no page of their own.
pub async fn staff_act_page(
    State(app): S,
    Member(h): Member,
    StaffId(id): StaffId,
    Action(action): Action,
) -> Response {
    if action != "revoquer" {
        return see_other("/personnel");
    }
    let got = on_staff(&h, |s| s.list_staff()).await;
    let l = app.lang;
    let list = match got {
        Ok(list) => list,
        Err(e) => return error_page(&app, nav(&app, &h), &e),
    };
    let Some(m) = list.iter().find(|m| m.id == id && m.status == "active") else {
        return see_other("/personnel");
    };
    let profession = app.vault.policy().profession_label(&m.profession, l);
    render(&ConfirmPage {
        l: L(l),
        nav: nav(&app, &h),
        csrf: h.csrf.clone(),
        title: tr!("web-revoke-title"),
        lead: tr!(
            "web-revoke-lead",
            name = m.name.clone(),
            id = m.id.clone(),
            profession = profession
        ),
        consequences: vec![
            tr!("web-revoke-no-login", name = m.name.clone()),
            tr!("web-revoke-keys"),
            tr!("web-revoke-trail"),
            tr!("web-revoke-final"),
        ],
        action: format!("/personnel/{id}/revoquer"),
        hidden: Vec::new(),
        confirm_label: tr!("web-revoke-confirm", name = m.name.clone()),
        cancel_href: "/personnel".to_string(),
    })
}

/// `POST /personnel/{id}/{action}`: `approuver`, `refuser`, `revoquer`,
/// `profession`.
pub async fn staff_act(
    State(app): S,
    Member(h): Member,
    StaffId(id): StaffId,
    Action(action): Action,
    Posted(f): Posted<MemberForm>,
) -> Response {
    let l = app.lang;
    let policy = app.vault.policy();
    let m = id.clone();
    let done: Result<String, Error> = match action.as_str() {
        "approuver" => on_staff(&h, move |s| s.approve_staff(&m, None))
            .await
            .map(|keys| {
                tr!(
                    "cli-approved",
                    id = id.clone(),
                    keys = coffre::policy::keys_in_words(&keys, l)
                )
            }),
        "refuser" => on_staff(&h, move |s| s.refuse_approval(&m))
            .await
            .map(|()| tr!("cli-approval-refused", id = id.clone())),
        // Only from the confirmation page, which names what will happen.
        "revoquer" if f.confirm != "oui" => return see_other(&format!("/personnel/{id}/revoquer")),
        "revoquer" => on_staff(&h, move |s| s.revoke_staff(&m, None))
            .await
            .map(|_| tr!("cli-revoked", id = id.clone())),
        "profession" => {
            let p = f.profession.clone();
            on_staff(&h, move |s| s.set_profession(&m, &p, None))
                .await
                .map(|_| {
                    tr!(
                        "cli-profession-set",
                        id = id.clone(),
                        profession = policy.profession_label(&f.profession, l)
                    )
                })
        }
        _ => return see_other("/personnel"),
    };
    match done {
        Ok(notice) => staff_page(&app, &h, Some(notice)).await,
        Err(e) => staff_error(&app, &h, &e),
    }
}
