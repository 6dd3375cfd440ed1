//! The real outcome of an export or a backup written to a file.
//!
//! An export or a backup is audited *before* any byte leaves the library ("no
//! audit, no access": that entry records the access to the data, outcome `ok`).
//! Writing the file can still fail afterwards (a full disk, an unplugged medium),
//! in the library's writer or when the caller finishes and syncs the file. Then a
//! second entry with the same action records outcome `error` and a content-free
//! detail, so the log does not read as a delivered file. Callers that write the
//! file themselves report a failure after the library returned with
//! [`Session::export_not_written`] or [`Session::backup_not_written`].

use crate::audit::Outcome;
use crate::error::Error;
use crate::vault::access::session::Session;

/// Action of an export's entries (see `Session::export_dossier`).
pub(crate) const EXPORT_ACTION: &str = "access.export";
/// Action of a backup's entries (see `Session::backup`).
pub(crate) const BACKUP_ACTION: &str = "vault.backup";
/// Detail of the entry recording a failed write: no path, no content.
pub(crate) const NOT_WRITTEN: &str = "the file could not be written completely; nothing was kept";

impl Session<'_> {
    /// Records that the export of `dossier`, audited when its data was read, did
    /// not reach its file (outcome `error`). Call it when finishing or syncing
    /// the file failed after [`Session::export_dossier`] returned `Ok`.
    ///
    /// Errors: [`Error::AuditUnavailable`] if the entry cannot be written.
    pub fn export_not_written(&mut self, dossier: &str) -> crate::Result<()> {
        self.record_not_written(EXPORT_ACTION, Some(dossier))
    }

    /// Records that a backup, audited when it started, did not reach its file
    /// (outcome `error`). Call it when finishing or syncing the file failed
    /// after [`Session::backup`] returned `Ok`.
    ///
    /// Errors: [`Error::AuditUnavailable`] if the entry cannot be written.
    pub fn backup_not_written(&mut self) -> crate::Result<()> {
        self.record_not_written(BACKUP_ACTION, None)
    }

    fn record_not_written(&mut self, action: &str, dossier: Option<&str>) -> crate::Result<()> {
        let mut draft = self
            .draft(action)
            .outcome(Outcome::Error)
            .detail(NOT_WRITTEN);
        if let Some(d) = dossier {
            draft = draft.dossier(d);
        }
        self.vault.audit(draft).map(|_| ())
    }

    /// Passes `result` through; on an error, first records the failed write
    /// (best effort: the write's error is the one returned).
    pub(crate) fn outcome_of_write<T>(
        &mut self,
        action: &str,
        dossier: Option<&str>,
        result: Result<T, Error>,
    ) -> Result<T, Error> {
        if result.is_err() {
            let _ = self.record_not_written(action, dossier);
        }
        result
    }
}
