//! Reading the audit log through a session: the log itself, the DPO's report and
//! the person's access history. Only for those the policy allows; every reading is
//! itself audited first; justifications are decrypted with the audit key.

use std::collections::HashMap;

use serde::Serialize;

use crate::audit::report::{self, Report, ReportInput};
use crate::audit::{AuditEntry, Filter, Outcome};
use crate::crypto::wrap::{self, Identity};
use crate::error::Result;
use crate::policy::{Capability, VaultKey};
use crate::vault::access::keys::open_staff_name;
use crate::vault::access::session::Session;
use crate::vault::views::AuditRecord;

/// One line of a person's access history: who read or changed what, when, why.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryItem {
    /// Audit sequence number.
    pub seq: u64,
    /// UTC time.
    pub time: String,
    /// Staff id.
    pub actor: String,
    /// Staff name, when known.
    pub name: Option<String>,
    /// Profession id.
    pub profession: String,
    /// Profession label from the policy.
    pub profession_label: Option<String>,
    /// Action id.
    pub action: String,
    /// The action in plain words.
    pub what: String,
    /// Categories concerned (never contents).
    pub categories: Vec<String>,
    /// Outcome.
    pub outcome: Outcome,
    /// Emergency access.
    pub break_glass: bool,
    /// The actor's justification, in their own words.
    pub justification: Option<String>,
}

/// Which lines of an access history to keep (the DPO's filters); `None` or
/// an empty value keeps every line.
///
/// `from` and `to` are civil days, both included, in the establishment's time
/// zone (`timezone`, an IANA name: the policy's `[audit] timezone`);
/// `profession` and `action` are ids as in [`HistoryItem`].
#[derive(Clone, Debug, Default)]
pub struct HistoryFilter {
    /// The first day kept.
    pub from: Option<jiff::civil::Date>,
    /// The last day kept.
    pub to: Option<jiff::civil::Date>,
    /// The profession id kept.
    pub profession: Option<String>,
    /// The action id kept (`dossier.read`, `entry.add`…).
    pub action: Option<String>,
    /// The time zone the days are counted in.
    pub timezone: String,
}

impl HistoryFilter {
    /// Whether `item` passes. A line whose time does not parse passes the
    /// period (it is shown rather than hidden: a history never loses a line
    /// because of its own damage).
    pub fn keeps(&self, item: &HistoryItem) -> bool {
        let same = |want: &Option<String>, have: &str| {
            want.as_deref().is_none_or(|w| w.is_empty() || w == have)
        };
        if !same(&self.profession, &item.profession) || !same(&self.action, &item.action) {
            return false;
        }
        if self.from.is_none() && self.to.is_none() {
            return true;
        }
        let Some(day) = self.day_of(&item.time) else {
            return true;
        };
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }

    /// The civil day of the UTC time `t` in the filter's time zone.
    fn day_of(&self, t: &str) -> Option<jiff::civil::Date> {
        let ts = t.parse::<jiff::Timestamp>().ok()?;
        let tz = jiff::tz::TimeZone::get(&self.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
        Some(ts.to_zoned_datetime(tz).date())
    }

    /// Whether any filter is set.
    pub fn is_set(&self) -> bool {
        self.from.is_some()
            || self.to.is_some()
            || self.profession.as_deref().is_some_and(|p| !p.is_empty())
            || self.action.as_deref().is_some_and(|a| !a.is_empty())
    }
}

/// The action in plain words, for the person and the DPO.
pub fn describe_action(e: &AuditEntry) -> String {
    let base = match e.action.as_str() {
        "dossier.read" => "read the file",
        "dossier.find" => "found the file by a name search",
        "entry.read" => "read an entry",
        "entry.history" => "read the versions of an entry",
        "entry.add" => "wrote an entry",
        "entry.amend" => "corrected an entry",
        "document.add" => "attached a document",
        "document.amend" => "added a version of a document",
        "document.read" => "opened a document",
        "document.list" => "listed the documents",
        "dossier.create" => "opened the file",
        "break-glass.open" => "opened the file in an emergency (break the glass)",
        "team.add" => "added a professional to the care team",
        "team.remove" => "removed a professional from the care team",
        "audit.history" => "consulted who accessed the file",
        "audit.read" => "consulted the audit log",
        "audit.release" => "released the emergency-access justifications to the person",
        other => other,
    };
    match e.outcome {
        Outcome::Ok => base.to_string(),
        Outcome::Denied => format!("was refused: {base}"),
        Outcome::Failed | Outcome::Error => format!("failed: {base}"),
    }
}

impl Session<'_> {
    /// Every generation of the audit key this member holds (justifications
    /// written before a rotation stay readable).
    pub(crate) fn audit_key(&mut self) -> Result<AuditKeys> {
        let mut keys = Vec::new();
        for gen in 1..=self.vault.key_gen(&VaultKey::Audit)? {
            if let Some(m) = self.vault_key_material_gen(&VaultKey::Audit, gen)? {
                if let Some(id) = std::str::from_utf8(&m)
                    .ok()
                    .and_then(|s| Identity::parse(s).ok())
                {
                    keys.push(id);
                }
            }
        }
        Ok(AuditKeys(keys))
    }

    fn staff_names(&mut self) -> Result<HashMap<String, String>> {
        let dir_key = self.directory_key()?;
        let mut names = HashMap::new();
        for rec in self.vault.all_staff()? {
            let n = open_staff_name(
                &dir_key,
                &self.vault.meta.vault_id,
                &rec.id,
                &rec.name_sealed,
            )?;
            names.insert(rec.id, n);
        }
        Ok(names)
    }

    fn require_audit_reader(&self, action: &str, dossier: Option<&str>) -> Result<()> {
        self.require(Capability::ReadAudit, action, dossier)
    }

    /// The audit entries that pass `filter`. Reading is recorded first.
    pub fn audit_log(&mut self, filter: &Filter) -> Result<Vec<AuditRecord>> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "audit.read";
        self.require_audit_reader(ACTION, None)?;
        let mut d = self.draft(ACTION);
        d.detail = Some(format!(
            "filter:{}{}{}{}{}{}",
            filter
                .dossier
                .as_deref()
                .map(|x| format!(" dossier={x}"))
                .unwrap_or_default(),
            filter
                .actor
                .as_deref()
                .map(|x| format!(" actor={x}"))
                .unwrap_or_default(),
            filter
                .action
                .as_deref()
                .map(|x| format!(" action={x}"))
                .unwrap_or_default(),
            filter
                .outcome
                .map(|x| format!(" outcome={}", x.as_str()))
                .unwrap_or_default(),
            filter
                .since
                .as_deref()
                .map(|x| format!(" since={x}"))
                .unwrap_or_default(),
            filter
                .until
                .as_deref()
                .map(|x| format!(" until={x}"))
                .unwrap_or_default(),
        ));
        self.vault.audit(d)?;
        let key = self.audit_key()?;
        Ok(self
            .vault
            .audit_entries(filter)?
            .into_iter()
            .map(|entry| {
                let justification_text = decrypt_justification(&entry, &key);
                AuditRecord {
                    entry,
                    justification_text,
                }
            })
            .collect())
    }

    /// Who read or changed the file of `dossier`, when, which categories (never
    /// contents) and with which justification. Recorded in the same history.
    pub fn access_history(&mut self, dossier: &str) -> Result<Vec<HistoryItem>> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "audit.history";
        self.vault.dossier_record(dossier)?;
        self.require_audit_reader(ACTION, Some(dossier))?;
        self.vault.audit(self.draft(ACTION).dossier(dossier))?;
        let key = self.audit_key()?;
        let names = self.staff_names()?;
        let filter = Filter {
            dossier: Some(dossier.to_string()),
            ..Filter::default()
        };
        Ok(self
            .vault
            .audit_entries(&filter)?
            .into_iter()
            .map(|e| {
                let name = names.get(&e.actor).cloned();
                let what = describe_action(&e);
                let justification = decrypt_justification(&e, &key);
                self.vault.history_item(e, name, what, justification)
            })
            .collect())
    }

    /// The DPO's report over a period (`since`/`until` already normalised): full
    /// for audit readers, aggregates only for those allowed aggregate reports.
    pub fn audit_report(&mut self, since: Option<String>, until: Option<String>) -> Result<Report> {
        let _turn = self.ensure_current()?;
        Ok(self.audit_report_with_entries(since, until)?.0)
    }

    /// [`Session::audit_report`], with the audit entries of the period it was
    /// computed from (oldest first), for pictures drawn from the same reading
    /// (`crate::web::dashboard`). Checked and audited exactly as the report.
    pub(crate) fn audit_report_with_entries(
        &mut self,
        since: Option<String>,
        until: Option<String>,
    ) -> Result<(Report, Vec<AuditEntry>)> {
        const ACTION: &str = "audit.report";
        let full = self
            .vault
            .policy
            .has(&self.me.profession, Capability::ReadAudit);
        if !full
            && !self
                .vault
                .policy
                .has(&self.me.profession, Capability::AuditReports)
        {
            return self.refuse(
                ACTION,
                None,
                msg!(
                    "profession-may-read-audit-reports",
                    profession = self.me.profession
                ),
            );
        }
        self.vault.audit(self.draft(ACTION).detail(if full {
            "full report"
        } else {
            "aggregate report"
        }))?;
        let integrity = match self.vault.verify_audit(None) {
            // The warnings (entries whose times go backwards, entries taken in
            // unsigned) are content-free; the aggregate report gives their number.
            Ok(s) => {
                let mut text = format!(
                    "verified ({} entries, {} signed checkpoints)",
                    s.entries, s.checkpoints
                );
                match (s.warnings.len(), full) {
                    (0, _) => {}
                    (_, true) => text.push_str(&format!("; warnings: {}", s.warnings.join("; "))),
                    (n, false) => text.push_str(&format!(
                        "; {n} warning(s) in the data protection officer's report"
                    )),
                }
                text
            }
            Err(e) if full => format!("FAILED: {e}"),
            Err(_) => "FAILED (details in the data protection officer's report)".into(),
        };
        let key = if full {
            self.audit_key()?
        } else {
            AuditKeys(Vec::new())
        };
        let names = if full {
            self.staff_names()?
        } else {
            HashMap::new()
        };
        let filter = Filter {
            since: since.clone(),
            until: until.clone(),
            ..Filter::default()
        };
        let entries = self.vault.audit_entries(&filter)?;
        let just = |e: &AuditEntry| decrypt_justification(e, &key);
        let input = ReportInput {
            entries: &entries,
            rules: &self.vault.policy.audit,
            names: &names,
            full,
            since,
            until,
            justification: &just,
        };
        let mut report = report::build(&input, integrity);
        let secs = |t: u64| crate::vault::rfc3339(t);
        report.trail.prunes = self
            .vault
            .prunes()?
            .into_iter()
            .map(|p| report::PruneNote {
                on: secs(p.time),
                by: p.by,
                count: p.count,
                before: secs(p.cutoff),
                fact: p.seq,
            })
            .collect();
        report.trail.covers_from = report.trail.prunes.last().map(|p| p.before.clone());
        Ok((report, entries))
    }
}

/// The audit-key generations a reader holds.
pub(crate) struct AuditKeys(pub(crate) Vec<Identity>);

impl crate::vault::Vault {
    /// One line of a dossier's access history, for staff or for the person:
    /// `name`, `what` and `justification` as the reader may see them.
    pub(crate) fn history_item(
        &self,
        e: AuditEntry,
        name: Option<String>,
        what: String,
        justification: Option<String>,
    ) -> HistoryItem {
        HistoryItem {
            seq: e.seq,
            time: e.time,
            name,
            profession_label: self
                .policy
                .professions
                .get(&e.profession)
                .map(|p| p.label.clone()),
            what,
            justification,
            actor: e.actor,
            profession: e.profession,
            action: e.action,
            categories: e.categories,
            outcome: e.outcome,
            break_glass: e.break_glass,
        }
    }
}

pub(crate) fn decrypt_justification(e: &AuditEntry, keys: &AuditKeys) -> Option<String> {
    decrypt_justification_as(e, keys, Reader::Staff)
}

/// [`decrypt_justification`] for what reaches the person (a release, an
/// export): only words bound to their dossier.
pub(crate) fn decrypt_justification_for_person(e: &AuditEntry, keys: &AuditKeys) -> Option<String> {
    decrypt_justification_as(e, keys, Reader::Person)
}

fn decrypt_justification_as(e: &AuditEntry, keys: &AuditKeys, who: Reader) -> Option<String> {
    let h = e.justification.as_ref()?;
    let ct = hex::decode(h).ok()?;
    let plain = keys
        .0
        .iter()
        .find_map(|k| wrap::unwrap(&ct, k).ok().flatten())?;
    open_justification(e, &plain, who)
}

/// Who a justification's words are opened for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reader {
    /// The DPO or an audit reader: words written before the binding existed
    /// are shown as they are.
    Staff,
    /// The person: only words bound to their dossier (one line's ciphertext
    /// copied into another dossier's line by whoever can write the log must
    /// never reach another person).
    Person,
}

/// What a justification's plaintext starts with: the dossier it was written
/// about, so that a ciphertext copied into another dossier's entry (by
/// someone who can write the log) is never shown there.
const JUSTIFICATION_BINDING: &[u8] = b"coffre/justification/v2\0";

/// The plaintext sealed for a justification about `dossier`.
pub(crate) fn bind_justification(dossier: &str, text: &str) -> Vec<u8> {
    let mut out = JUSTIFICATION_BINDING.to_vec();
    out.extend_from_slice(dossier.as_bytes());
    out.push(0);
    out.extend_from_slice(text.as_bytes());
    out
}

/// The words of a decrypted justification, if it was written about the
/// entry's dossier; `None` for one bound to another dossier. A plaintext
/// without the binding (written before it existed) is taken as it is for
/// staff, never for the person.
pub(crate) fn open_justification(e: &AuditEntry, plain: &[u8], who: Reader) -> Option<String> {
    match plain.strip_prefix(JUSTIFICATION_BINDING) {
        Some(rest) => {
            let cut = rest.iter().position(|b| *b == 0)?;
            let (dossier, text) = (&rest[..cut], &rest[cut + 1..]);
            (e.dossier.as_deref().map(str::as_bytes) == Some(dossier))
                .then(|| String::from_utf8_lossy(text).into_owned())
        }
        None if who == Reader::Staff => Some(String::from_utf8_lossy(plain).into_owned()),
        None => None,
    }
}

#[cfg(test)]
mod justification_tests {
    use super::*;

    fn entry_about(dossier: Option<&str>) -> AuditEntry {
        let mut e = AuditEntry::from_line(
            br#"{"v":2,"seq":1,"prev":"0000000000000000000000000000000000000000000000000000000000000000","time":"2026-01-01T00:00:00Z","actor":"a","profession":"p","action":"dossier.read","dossier":null,"entry":null,"target":null,"categories":[],"outcome":"ok","break_glass":true,"detail":null,"justification":null,"nonce":"00000000000000000000000000000000"}"#,
            "test",
        )
        .unwrap();
        e.dossier = dossier.map(str::to_string);
        e
    }

    #[test]
    fn a_justification_opens_only_under_the_dossier_it_was_written_about() {
        let bound = bind_justification("d-aaaa", "chute nocturne");
        assert_eq!(
            open_justification(&entry_about(Some("d-aaaa")), &bound, Reader::Person).as_deref(),
            Some("chute nocturne")
        );
        assert_eq!(
            open_justification(&entry_about(Some("d-bbbb")), &bound, Reader::Staff),
            None
        );
        assert_eq!(
            open_justification(&entry_about(None), &bound, Reader::Staff),
            None
        );
        // Written before the binding existed: shown to staff as it is, never
        // released or exported to the person.
        assert_eq!(
            open_justification(&entry_about(Some("d-bbbb")), b"ancien texte", Reader::Staff)
                .as_deref(),
            Some("ancien texte")
        );
        assert_eq!(
            open_justification(
                &entry_about(Some("d-bbbb")),
                b"ancien texte",
                Reader::Person
            ),
            None
        );
    }
}
