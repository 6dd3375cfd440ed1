//! `coffre staff …`: adding, listing, approving, revoking members, changing a
//! profession or one's own passphrase.

use super::*;

/// Runs one `StaffCmd` command in the member's session.
pub(super) fn staff(c: &StaffCmd, s: &mut Session<'_>, out: &mut Out) -> Res {
    match c {
        StaffCmd::Add {
            id,
            name,
            profession,
            recovery_key,
        } => {
            let recovery = match recovery_key {
                Some(p) => Some(read_identity_file(p)?),
                None => None,
            };
            let pass = input::new_passphrase(id)?;
            let pending = s.add_staff(
                &NewStaff {
                    id,
                    name,
                    profession,
                    passphrase: &pass,
                },
                recovery.as_ref(),
            )?;
            if out.json {
                return out.json(&json!({"id": id, "pending": pending}));
            }
            out.line(&tr!("cli-staff-added", id = id.clone()))?;
            if !pending.is_empty() {
                out.line(&tr!(
                    "cli-staff-pending",
                    keys = coffre::policy::keys_in_words(&pending, lang())
                ))?;
            }
            Ok(())
        }
        StaffCmd::List => {
            let list = s.list_staff()?;
            let rotations = s.pending_rotations()?;
            if out.json {
                return out
                    .json(&serde_json::to_value(&list).map_err(|e| {
                        Error::Io(msg!("encoding-failed", detail = e.to_string()))
                    })?);
            }
            print_rotations(&rotations, out)?;
            for m in &list {
                let pending = if m.pending.is_empty() {
                    String::new()
                } else {
                    format!(
                        "  {}",
                        tr!(
                            "cli-staff-list-pending",
                            keys = coffre::policy::keys_in_words(&m.pending, lang())
                        )
                    )
                };
                let policy = s.vault().policy();
                out.line(&format!(
                    "{:<20} {:<30} {:<8} {}{}",
                    m.id,
                    policy.profession_label(&m.profession, lang()),
                    tr!("cli-staff-status", status = m.status.to_string()),
                    m.name,
                    pending
                ))?;
            }
            Ok(())
        }
        StaffCmd::Passwd => {
            let new = input::new_passphrase(s.user())?;
            s.change_passphrase(&new)?;
            out.line(&tr!("cli-passphrase-changed"))
        }
        StaffCmd::Revoke { id, recovery_key } => {
            let recovery = recovery_key
                .as_deref()
                .map(read_identity_file)
                .transpose()?;
            let pending = s.revoke_staff(id, recovery.as_ref())?;
            out.line(&tr!("cli-revoked", id = id.clone()))?;
            print_rotations(&pending, out)
        }
        StaffCmd::Approve {
            id,
            recovery_key,
            refuse,
        } => {
            let request = s.approval_request(id)?;
            if *refuse {
                s.refuse_approval(id)?;
                return out.line(&tr!("cli-approval-refused", id = id.clone()));
            }
            let recovery = recovery_key
                .as_deref()
                .map(read_identity_file)
                .transpose()?;
            if !out.json {
                let policy = s.vault().policy();
                out.line(&tr!(
                    "cli-approval-request",
                    id = id.clone(),
                    profession = policy.profession_label(&request.profession, lang()),
                    invited_by = request.invited_by.clone(),
                    invited = when(policy, &request.invited),
                    keys = if request.keys.is_empty() {
                        tr!("cli-nothing")
                    } else {
                        coffre::policy::keys_in_words(&request.keys, lang())
                    }
                ))?;
            }
            let keys = s.approve_staff(id, recovery.as_ref())?;
            for (key, staff) in s.grants_made().iter().filter(|(_, staff)| staff == id) {
                eprintln!(
                    "coffre: {}",
                    tr!(
                        "cli-granted-key",
                        key = i18n::render(&coffre::policy::key_msg(key), lang()),
                        staff = staff.clone()
                    )
                );
            }
            if out.json {
                out.json(&json!({"approved": keys, "member": request}))
            } else {
                out.line(&tr!(
                    "cli-approved",
                    id = id.clone(),
                    keys = coffre::policy::keys_in_words(&keys, lang())
                ))
            }
        }
        StaffCmd::SetProfession {
            id,
            profession,
            recovery_key,
        } => {
            let recovery = recovery_key
                .as_deref()
                .map(read_identity_file)
                .transpose()?;
            let pending = s.set_profession(id, profession, recovery.as_ref())?;
            out.line(&tr!(
                "cli-profession-set",
                id = id.clone(),
                profession = s.vault().policy().profession_label(profession, lang())
            ))?;
            print_rotations(&pending, out)
        }
    }
}

pub(super) fn print_rotations(pending: &[coffre::vault::PendingRotation], out: &mut Out) -> Res {
    for p in pending {
        out.line(&tr!(
            "cli-rotation-pending",
            key = i18n::render(&coffre::policy::key_msg(&p.key), lang()),
            reason = i18n::render(&p.reason_msg(), lang())
        ))?;
    }
    Ok(())
}
