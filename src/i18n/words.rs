//! Words for the library's typed outcomes that front-ends show: what an audited
//! action was (for the person and the DPO), why a field is withheld, the
//! warnings met while opening a vault, and the clock's findings. The JSON output
//! keeps its English `what` strings and machine ids; these are for people.

use super::{render, Lang};
use crate::audit::Outcome;
use crate::error::Msg;
use crate::policy::Capability;
use crate::views::WithheldReason;
use crate::Warning;

/// An audited action (`dossier.read`, `entry.add`, …) and its outcome as a
/// message: "read the file", "was refused: read the file". An action without a
/// description is named by its id.
pub fn action(action: &str, outcome: Outcome) -> Msg {
    let base = match action {
        "dossier.read" => msg!("action-dossier-read"),
        "dossier.find" => msg!("action-dossier-find"),
        "entry.read" => msg!("action-entry-read"),
        "entry.history" => msg!("action-entry-history"),
        "entry.add" => msg!("action-entry-add"),
        "entry.amend" => msg!("action-entry-amend"),
        "dossier.create" => msg!("action-dossier-create"),
        "break-glass.open" => msg!("action-break-glass-open"),
        "team.add" => msg!("action-team-add"),
        "audit.history" => msg!("action-audit-history"),
        "audit.read" => msg!("action-audit-read"),
        "audit.release" => msg!("action-audit-release"),
        "access.export" => msg!("action-access-export"),
        "unlock" => msg!("action-unlock"),
        "staff.add" => msg!("action-staff-add"),
        "staff.approve" => msg!("action-staff-approve"),
        "staff.revoke" => msg!("action-staff-revoke"),
        "key.grant" => msg!("action-key-grant"),
        "key.create" => msg!("action-key-create"),
        other => msg!("action-other", id = other),
    };
    match outcome {
        Outcome::Ok => base,
        Outcome::Denied => msg!("action-refused", what = base),
        Outcome::Failed | Outcome::Error => msg!("action-failed", what = base),
    }
}

/// Why a field is not shown, as a message.
pub fn withheld_reason(reason: WithheldReason) -> Msg {
    match reason {
        WithheldReason::NotPermitted => msg!("withheld-not-permitted"),
        WithheldReason::AuthorOnly => msg!("withheld-author-only"),
        WithheldReason::Pending => msg!("withheld-pending"),
        WithheldReason::NotUnderBreakGlass => msg!("withheld-not-under-break-glass"),
        WithheldReason::Objection => msg!("withheld-objection"),
        WithheldReason::WithheldFromPerson => msg!("withheld-from-person"),
        #[allow(unreachable_patterns)]
        _ => msg!("withheld-not-permitted"),
    }
}

/// A warning met while opening or verifying a vault, in `lang`.
pub fn warning(w: &Warning, lang: Lang) -> String {
    let m = match w {
        Warning::LoosePermissions { path, mode, fixed } => msg!(
            "warning-loose-permissions",
            path = path,
            mode = format!("{mode:o}"),
            fixed = if *fixed { "yes" } else { "no" }
        ),
        Warning::DamagedSnapshot { file, moved_to } => match moved_to {
            Some(to) => msg!("warning-damaged-snapshot-moved", file = file, moved_to = to),
            None => msg!("warning-damaged-snapshot-kept", file = file),
        },
        Warning::UnrecordedEntries {
            first,
            last,
            in_journal,
        } => msg!(
            "warning-unrecorded-entries",
            first = *first,
            last = *last,
            journal = if *in_journal { "yes" } else { "no" }
        ),
        Warning::UnappliedChanges { count } => {
            msg!("warning-unapplied-changes", count = *count)
        }
        #[allow(unreachable_patterns)]
        other => msg!("action-other", id = format!("{other:?}")),
    };
    render(&m, lang)
}

/// A duration in words (days and hours, or hours and minutes).
pub fn duration(secs: u64) -> Msg {
    msg!(
        "duration",
        days = secs / 86_400,
        hours = secs % 86_400 / 3600,
        minutes = secs % 3600 / 60
    )
}

/// A period written in the policy (`1 year`, `6 months`, `90 days`: see
/// [`crate::policy::parse_trail_retention`]) in words; the policy's text as it
/// is if it is not of that form.
pub fn period(written: &str) -> Msg {
    use crate::policy::PeriodUnit;
    match crate::policy::split_trail_retention(written) {
        Some((n, PeriodUnit::Days)) => msg!("period-days", n = n),
        Some((n, PeriodUnit::Months)) => msg!("period-months", n = n),
        Some((n, PeriodUnit::Years)) => msg!("period-years", n = n),
        None => msg!("period-as-written", text = written.to_string()),
    }
}

/// What a capability allows, as a verb phrase ("may not …").
pub fn capability(c: Capability) -> Msg {
    match c {
        Capability::ManageStaff => msg!("capability-manage-staff"),
        Capability::CreateDossier => msg!("capability-create-dossier"),
        Capability::ManageTeam => msg!("capability-manage-team"),
        Capability::ReadAudit => msg!("capability-read-audit"),
        Capability::AuditReports => msg!("capability-audit-reports"),
        Capability::BreakGlass => msg!("capability-break-glass"),
        Capability::PersonAccess => msg!("capability-person-access"),
        Capability::Erase => msg!("capability-erase"),
        #[allow(unreachable_patterns)]
        _ => msg!("action-other", id = c.name()),
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
        other => msg!("action-other", id = other),
    }
}

/// An audited action on the person's file as the person reads it in their
/// export ("read the file", "gave you your own access").
pub fn person_action(e: &crate::audit::AuditEntry) -> Msg {
    let base = match e.action.as_str() {
        "dossier.read" => msg!("person-action-dossier-read"),
        "dossier.find" => msg!("person-action-dossier-find"),
        "entry.read" => msg!("person-action-entry-read"),
        "entry.history" => msg!("action-entry-history"),
        "entry.add" => msg!("action-entry-add"),
        "entry.amend" => msg!("action-entry-amend"),
        "dossier.create" => msg!("action-dossier-create"),
        "break-glass.open" => msg!("action-break-glass-open"),
        "team.add" => msg!("person-action-team-add"),
        "access.grant" => msg!("person-action-access-grant"),
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
