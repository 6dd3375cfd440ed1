//! Restores as the audit trail tells them: the `vault.restore` entry a restore writes
//! into the restored vault, read back to explain why a checkpoint kept from before
//! the restore no longer verifies (the entries after the backup were lost with the
//! restore, not rewritten).

use crate::error::Error;
use crate::vault::Vault;

/// Action of the audit entry a restore writes into the restored vault.
pub const RESTORE_ACTION: &str = "vault.restore";
/// Actor of that entry: the holder of the recovery key, who is not a staff member.
pub const RESTORE_ACTOR: &str = "recovery-key";

/// The content-free detail of a restore entry: the backup's date and log size,
/// and the use of the recovery key (which the DPO report lists).
pub(crate) fn restore_detail(created: &str, entries: u64) -> String {
    format!(
        "restored from the backup of {created} holding {entries} audit entries; the recovery key was used"
    )
}

/// Reads [`restore_detail`] back: (backup date, audit entries in the backup).
fn parse_restore_detail(detail: &str) -> Option<(String, u64)> {
    let rest = detail.strip_prefix("restored from the backup of ")?;
    let (created, rest) = rest.split_once(" holding ")?;
    let n = rest.split_once(" audit entries")?.0.parse().ok()?;
    Some((created.to_string(), n))
}

impl Vault {
    /// When verifying against a kept checkpoint failed: if the vault was restored
    /// from a backup older than that checkpoint, the divergence is the restore's,
    /// and the error says so (still an integrity failure: the log does not extend
    /// the checkpoint). `None` when no restore explains it.
    pub(in crate::vault) fn explain_restore(
        &self,
        since: &crate::audit::Checkpoint,
        failure: &crate::error::Msg,
    ) -> Option<Error> {
        let filter = crate::audit::Filter {
            action: Some(RESTORE_ACTION.into()),
            ..Default::default()
        };
        let restores = self.log().ok()?.scan(&filter).ok()?;
        restore_explanation(restores, since, failure)
    }
}

/// The restore entries of the log file at `path` (for the read-only verifier).
pub(crate) fn restore_entries(path: &std::path::Path) -> Vec<crate::audit::AuditEntry> {
    let Ok(data) = std::fs::read(path) else {
        return Vec::new();
    };
    let needle = format!("\"action\":\"{RESTORE_ACTION}\"");
    data.split(|b| *b == b'\n')
        .filter(|l| memchr::memmem::find(l, needle.as_bytes()).is_some())
        .filter_map(|l| crate::audit::AuditEntry::from_line(l, "entry").ok())
        .collect()
}

/// The failures a restore can explain: today's log does not extend the given
/// checkpoint. Any other (a line, a checkpoint, a fact, the vault's settings)
/// is damage of its own, named as itself, restore or not.
const DIVERGENCES: &[&str] = &[
    "today-s-log-does-extend-given",
    "log-entries-given-checkpoint-covers-entries",
    "consistency-proof-between-given-checkpoint-today",
];

/// Explains a failed verification against `since` by a restore among
/// `restores` (the log's `vault.restore` entries), if one explains it.
pub(crate) fn restore_explanation(
    restores: Vec<crate::audit::AuditEntry>,
    since: &crate::audit::Checkpoint,
    failure: &crate::error::Msg,
) -> Option<Error> {
    if !DIVERGENCES.contains(&failure.kind()) {
        return None;
    }
    let (entry, created, n) = restores.into_iter().rev().find_map(|e| {
        let (created, n) = parse_restore_detail(e.detail.as_deref()?)?;
        // The restore entry follows the backup's entries directly.
        (e.seq == n + 1 && n < since.size).then_some((e, created, n))
    })?;
    Some(Error::Integrity(msg!(
        "vault-restored-backup-holding-entries-checkpoint",
        time = entry.time,
        created = created,
        n = n,
        size = since.size,
        claimed_signer = since.claimed_signer().unwrap_or("?"),
        failure = failure
    )))
}

#[cfg(test)]
mod restore_tests {
    use super::*;

    #[test]
    fn restore_detail_reads_back() {
        let d = restore_detail("2026-01-02T03:04:05Z", 42);
        assert!(d.contains("recovery key"), "the DPO report counts it: {d}");
        assert_eq!(
            parse_restore_detail(&d),
            Some(("2026-01-02T03:04:05Z".to_string(), 42))
        );
        assert_eq!(parse_restore_detail("restored from nothing"), None);
    }
}
