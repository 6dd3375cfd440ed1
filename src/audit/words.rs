//! The words for what the audit log records, as messages of the catalog
//! (`crate::error::Msg`): an action and its outcome for the DPO and the staff
//! ("a consulté le dossier"), for the person in their own history ("vous a
//! ouvert un accès personnel"), and the detail of a failed unlock. The log
//! itself keeps its action ids and English details; these are for people.

use super::{AuditEntry, Outcome};
use crate::error::Msg;

/// The action `id` as a message, `None` for an action no message names.
fn base(id: &str) -> Option<Msg> {
    Some(match id {
        "dossier.read" => msg!("action-dossier-read"),
        "dossier.find" => msg!("action-dossier-find"),
        "dossier.list" => msg!("action-dossier-list"),
        "dossier.create" => msg!("action-dossier-create"),
        "dossier.close" => msg!("action-dossier-close"),
        "dossier.erase" => msg!("action-dossier-erase"),
        "entry.read" => msg!("action-entry-read"),
        "entry.history" => msg!("action-entry-history"),
        "entry.add" => msg!("action-entry-add"),
        "entry.amend" => msg!("action-entry-amend"),
        "document.add" => msg!("action-document-add"),
        "document.amend" => msg!("action-document-amend"),
        "document.read" => msg!("action-document-read"),
        "document.list" => msg!("action-document-list"),
        "break-glass.open" => msg!("action-break-glass-open"),
        "team.add" => msg!("action-team-add"),
        "team.remove" => msg!("action-team-remove"),
        "team.list" => msg!("action-team-list"),
        "audit.history" => msg!("action-audit-history"),
        "audit.read" => msg!("action-audit-read"),
        "audit.log" => msg!("action-audit-read"),
        "audit.release" => msg!("action-audit-release"),
        "audit.report" => msg!("action-audit-report"),
        "audit.checkpoint-export" => msg!("action-audit-checkpoint-export"),
        "audit.prune" => msg!("action-audit-prune"),
        "audit.pruned" => msg!("action-audit-pruned"),
        "audit.adopted" => msg!("action-audit-adopted"),
        "audit.recipient" => msg!("action-audit-recipient"),
        "access.export" => msg!("action-access-export"),
        "access.grant" => msg!("action-access-grant"),
        "access.keys" => msg!("action-access-keys"),
        "access.view" => msg!("action-access-view"),
        "access.history" => msg!("action-access-history"),
        "access.note" => msg!("action-access-note"),
        "access.object" => msg!("action-access-object"),
        "unlock" => msg!("action-unlock"),
        "staff.add" => msg!("action-staff-add"),
        "staff.list" => msg!("action-staff-list"),
        "staff.approve" => msg!("action-staff-approve"),
        "staff.revoke" => msg!("action-staff-revoke"),
        "staff.passwd" => msg!("action-staff-passwd"),
        "staff.recover" => msg!("action-staff-recover"),
        "staff.set-profession" => msg!("action-staff-set-profession"),
        "key.grant" => msg!("action-key-grant"),
        "key.create" => msg!("action-key-create"),
        "key.rotate" | "keys.renew" => msg!("action-key-rotate"),
        "key.rewrap" | "keys.rewrap" => msg!("action-key-rewrap"),
        "vault.init" => msg!("action-vault-init"),
        "vault.check" => msg!("action-vault-check"),
        "vault.backup" => msg!("action-vault-backup"),
        "vault.restore" => msg!("action-vault-restore"),
        "vault.migrate" => msg!("action-vault-migrate"),
        "index.rebuild" => msg!("action-index-rebuild"),
        "recovery.split" => msg!("action-recovery-split"),
        "retention.apply" => msg!("action-retention-apply"),
        "retention.list" => msg!("action-retention-list"),
        "clock.confirm" => msg!("action-clock-confirm"),
        "auth.second-factor" => msg!("action-auth-second-factor"),
        "auth.second-factor.enrol" => msg!("action-auth-second-factor-enrol"),
        "auth.second-factor.remove" => msg!("action-auth-second-factor-remove"),
        "auth.second-factor.reset" => msg!("action-auth-second-factor-reset"),
        "auth.second-factor.reset-person" => msg!("action-auth-second-factor-reset-person"),
        _ => return None,
    })
}

/// An audited action (`dossier.read`, `entry.add`, …) and its outcome as a
/// message: "a consulté le dossier", "s'est vu refuser : a consulté le
/// dossier". An action of a later version, which no message names, is named
/// by its id.
pub fn action(id: &str, outcome: Outcome) -> Msg {
    let base = base(id).unwrap_or_else(|| msg!("action-other", id = id));
    match outcome {
        Outcome::Ok => base,
        Outcome::Denied => msg!("action-refused", what = base),
        Outcome::Failed | Outcome::Error => msg!("action-failed", what = base),
    }
}

/// An audited action on the person's file as the person reads it in their
/// history and export ("a consulté le dossier", "vous a ouvert un accès
/// personnel").
pub fn person_action(e: &AuditEntry) -> Msg {
    let base = match e.action.as_str() {
        "dossier.read" => msg!("person-action-dossier-read"),
        "dossier.find" => msg!("person-action-dossier-find"),
        "entry.read" => msg!("person-action-entry-read"),
        "team.add" => msg!("person-action-team-add"),
        "team.remove" => msg!("person-action-team-remove"),
        "team.list" => msg!("person-action-team-list"),
        "access.grant" => msg!("person-action-access-grant"),
        "access.keys" => msg!("person-action-access-keys"),
        "access.view" => msg!("person-action-access-view"),
        "access.history" => msg!("person-action-access-history"),
        "access.export" => msg!("person-action-access-export"),
        "access.object" => msg!("person-action-access-object"),
        "access.note" => msg!("person-action-access-note"),
        "audit.release" => msg!("person-action-audit-release"),
        "audit.history" => msg!("person-action-audit-history"),
        "dossier.close" => msg!("person-action-dossier-close"),
        _ => return action(&e.action, e.outcome),
    };
    match e.outcome {
        Outcome::Ok => base,
        Outcome::Denied => msg!("person-action-denied", what = base),
        Outcome::Failed | Outcome::Error => msg!("person-action-failed", what = base),
    }
}

/// Why an unlock failed, from the detail the audit log records (in English,
/// as it always has).
pub fn auth_detail(detail: &str) -> Msg {
    match detail {
        "unknown user" => msg!("auth-unknown-user"),
        "this user has been revoked" => msg!("auth-revoked"),
        "wrong passphrase" => msg!("auth-wrong-passphrase"),
        "no personal access was granted for this dossier" => msg!("auth-no-person-access"),
        "wrong code" => msg!("second-factor-wrong-code"),
        "code already used" => msg!("auth-code-already-used"),
        "passkey refused" => msg!("second-factor-passkey-refused"),
        "passkey counter went back" => msg!("auth-passkey-counter-back"),
        other => msg!("action-other", id = other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_the_code_records_has_words() {
        for id in [
            "access.export",
            "access.grant",
            "access.history",
            "access.keys",
            "access.note",
            "access.object",
            "access.view",
            "audit.adopted",
            "audit.checkpoint-export",
            "audit.history",
            "audit.prune",
            "audit.pruned",
            "audit.read",
            "audit.recipient",
            "audit.release",
            "auth.second-factor",
            "auth.second-factor.enrol",
            "auth.second-factor.remove",
            "auth.second-factor.reset",
            "auth.second-factor.reset-person",
            "audit.report",
            "break-glass.open",
            "clock.confirm",
            "document.add",
            "document.amend",
            "document.list",
            "document.read",
            "dossier.close",
            "dossier.create",
            "dossier.erase",
            "dossier.find",
            "dossier.list",
            "dossier.read",
            "entry.add",
            "entry.amend",
            "entry.history",
            "entry.read",
            "index.rebuild",
            "key.create",
            "key.grant",
            "key.rewrap",
            "key.rotate",
            "keys.renew",
            "keys.rewrap",
            "recovery.split",
            "retention.apply",
            "retention.list",
            "staff.add",
            "staff.approve",
            "staff.list",
            "staff.passwd",
            "staff.recover",
            "staff.revoke",
            "staff.set-profession",
            "team.add",
            "team.list",
            "team.remove",
            "unlock",
            "vault.backup",
            "vault.check",
            "vault.init",
            "vault.migrate",
            "vault.restore",
        ] {
            assert!(base(id).is_some(), "no words for {id}");
        }
    }
}
