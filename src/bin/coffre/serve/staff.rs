//! The staff page: members and their pending keys, adding a member,
//! approving or refusing pending keys, revoking (confirmed first), changing
//! a profession. Who may do each is the library's decision; nothing here uses
//! the recovery key (the rotations it would finish are listed, as
//! `coffre staff list` does).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use coffre::i18n;
use coffre::policy::Capability;
use coffre::{tr, Error, NewStaff};
use secrecy::SecretString;
use serde::Deserialize;

use super::common::{error_page, nav, on_staff, see_other, S};
use super::extract::*;
use super::pages::{render, Choice, ConfirmPage, StaffPage, StaffRow, L};
use super::sessions::Handle;
use super::App;

/// `GET /personnel`: the staff and their pending keys.
pub async fn staff_list(State(app): S, Member(h): Member) -> Response {
    staff_page(&app, &h, None).await
}

pub(super) async fn staff_page(app: &App, h: &Handle, notice: Option<String>) -> Response {
    let got = on_staff(h, |s| Ok((s.list_staff()?, s.pending_rotations()?))).await;
    let policy = app.vault.policy();
    let l = app.lang;
    match got {
        Ok((list, rotations)) => render(&StaffPage {
            l: L(l),
            nav: nav(app, h),
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
        Err(e) => error_page(app, nav(app, h), &e),
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

pub(super) fn staff_error(app: &App, h: &super::sessions::Handle, e: &Error) -> Response {
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
