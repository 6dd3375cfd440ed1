//! The member's recent dossiers, from their own trail in the audit log.

use std::collections::BTreeSet;

use crate::audit::Outcome;
use crate::error::Result;
use crate::vault::access::session::Session;
use crate::vault::views::RecentDossier;

/// What counts as having opened or written in a dossier.
const OPENED: [&str; 6] = [
    "dossier.create",
    "dossier.read",
    "entry.add",
    "entry.amend",
    "entry.read",
    "entry.history",
];

/// At most this many of the member's latest audit lines are looked at.
const LOOK_BACK: usize = 2_000;

impl Session<'_> {
    /// The dossiers this member opened or wrote in lately, newest first, at
    /// most `limit`: read from their own actor index of the audit log
    /// (`ax/a/{member}`), checked against the log's chain of their lines
    /// (`aprev`), their latest 2,000 lines at most, successful reads
    /// and writes only. The day's transmissions (reads the member did not
    /// choose one by one) do not count. Only dossiers still in the member's
    /// care team are given (a break-the-glass window that has closed, a
    /// removal from the team or an erasure leave the list), and only their
    /// ids and times: names are the caller's to take from
    /// [`Session::list_dossiers`], which is audited.
    ///
    /// Errors: [`crate::error::Error::Integrity`] (exit 5) naming the index
    /// record missing from, or planted on, the member's chain, or a dossier
    /// record that does not check.
    ///
    /// Not audited: the member reads only what they did themselves, reduced
    /// to files they may open now. A line at every home page would fill the
    /// log and put an audit read under the member's name in the DPO's report
    /// that no one made.
    pub fn recent_dossiers(&mut self, limit: usize) -> Result<Vec<RecentDossier>> {
        let _turn = self.ensure_current()?;
        let me = self.me.id.clone();
        // Anchored on the log before the index is read: the index's latest
        // lines must be the member's latest lines as the log chains them
        // (`aprev`), so a record deleted there is an integrity failure, not
        // a dossier silently left out.
        let mut walk = self.vault.chain_walk_down('a', &me)?;
        let pairs = self.vault.audit_offsets('a', &me)?;
        let start = pairs.len().saturating_sub(LOOK_BACK);
        let floor = start.checked_sub(1).map_or(0, |i| pairs[i].0);
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        // Newest first, a few lines at a time.
        for chunk in pairs[start..].rchunks(64) {
            let mut entries = self.vault.indexed_entries('a', &me, chunk)?;
            entries.reverse();
            walk.take(&entries, chunk)?;
            for e in entries.iter() {
                let Some(d) = e.dossier.as_deref() else {
                    continue;
                };
                if e.outcome != Outcome::Ok
                    || !OPENED.contains(&e.action.as_str())
                    || e.detail.as_deref() == Some("transmissions")
                    || !seen.insert(d.to_string())
                {
                    continue;
                }
                // A dossier record that does not check is an integrity
                // failure to report, not a dossier to leave out.
                let reachable = match self.vault.dossier_record(d) {
                    Ok(rec) => rec.erased.is_none() && self.in_team(d, &me)?,
                    Err(crate::error::Error::NotFound(_)) => false,
                    Err(e) => return Err(e),
                };
                if reachable {
                    out.push(RecentDossier {
                        id: d.to_string(),
                        time: e.time.clone(),
                    });
                    if out.len() >= limit {
                        return Ok(out);
                    }
                }
            }
        }
        walk.finish(floor)?;
        Ok(out)
    }
}
