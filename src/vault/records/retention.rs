//! Retention: `dossier close` starts the clock; a dossier is due for erasure when
//! the longest period that applies to it has passed — its rule's, or a longer one
//! for categories it holds (medical data). `retention apply` erases what is due,
//! only when asked (dry run by default), with a recorded approval when the policy
//! requires one.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::policy::Capability;
use crate::store::records::{encode, DossierRecord};
use crate::store::{layout, Batch};
use crate::vault::access::session::Session;
use crate::vault::{now, rfc3339};

/// Seconds in a (Julian) year, for retention arithmetic.
const YEAR: u64 = 31_557_600;

/// A closed dossier and when it falls due.
#[derive(Clone, Debug, Serialize)]
pub struct RetentionItem {
    /// Dossier id.
    pub dossier: String,
    /// When support ended (RFC 3339).
    pub closed: String,
    /// The rule applied.
    pub rule: String,
    /// Years kept (the longest that applies).
    pub years: u32,
    /// Why that long.
    pub because: String,
    /// When it falls due (RFC 3339).
    pub due: String,
    /// Whether it is past due now.
    pub past_due: bool,
}

impl Session<'_> {
    /// Records the end of support: the retention clock starts now, under `rule`
    /// (the policy's default when `None`).
    pub fn close_dossier(&mut self, dossier: &str, rule: Option<&str>) -> Result<()> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "dossier.close";
        let mut rec = self.load_dossier(dossier)?;
        self.require_manager_or_creator(ACTION, &rec, "close it")?;
        if rec.erased.is_some() {
            return Err(Error::Usage(msg!("dossier-erased-3", dossier = dossier)));
        }
        let rule = rule
            .unwrap_or(&self.vault.policy.retention.default)
            .to_string();
        if !self.vault.policy.retention.rules.contains_key(&rule) {
            let known: Vec<&str> = self
                .vault
                .policy
                .retention
                .rules
                .keys()
                .map(String::as_str)
                .collect();
            return Err(Error::Usage(msg!(
                "unknown-retention-rule-rules",
                rule = rule,
                join = known.join(", ")
            )));
        }
        let at = now();
        rec.closed = Some(at);
        rec.retention = Some(rule.clone());
        let mut batch = Batch::new();
        batch.put(layout::dossier(dossier), encode(&rec)?);
        let fact = crate::rights::Fact::Closed {
            dossier: dossier.to_string(),
            at,
            rule: Some(rule.clone()),
        };
        self.vault
            .commit_audited(
                self.draft(ACTION)
                    .dossier(dossier)
                    .detail(&format!("retention rule {rule}"))
                    .fact(fact.to_json()?, self.fact_signer()),
                batch,
            )
            .map(|_| ())
    }

    fn retention_of(&self, rec: &DossierRecord) -> Result<Option<RetentionItem>> {
        // The closing date decides an erasure: it must be the one the signed
        // register holds (a store record edited to look closed long ago, or
        // open again, is an integrity failure, exit 5, before anything is erased).
        self.vault.check_dossier(rec)?;
        let (Some(closed), None) = (rec.closed, rec.erased) else {
            return Ok(None);
        };
        let stored_rule = rec.retention.clone().unwrap_or_default();
        let rule_id = &stored_rule;
        let policy = &self.vault.policy;
        // The rule and the categories the dossier holds, as the register holds
        // them: a rule edited in the store, or a data key deleted from it, must
        // never make a dossier fall due sooner.
        let (signed_rule, categories) = self.vault.with_register(|r| {
            let prefix = format!("{}/", rec.id);
            let cats: std::collections::BTreeSet<String> = r
                .data_keys
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .filter_map(|(k, _)| k[prefix.len()..].split('/').next().map(str::to_string))
                .collect();
            Ok((
                r.dossiers.get(&rec.id).and_then(|d| d.closed_rule.clone()),
                cats,
            ))
        })?;
        let rule_id = match signed_rule {
            Some(signed) if &signed != rule_id => {
                return Err(crate::vault::access::trust::forged(
                    &format!("d/{}", rec.id),
                    "retention rule",
                ))
            }
            Some(signed) => signed,
            // Closed before the rule was signed: nothing vouches for the stored
            // one, so the longest rule of the policy (never erased too early).
            None => policy
                .retention
                .rules
                .iter()
                .max_by_key(|(_, r)| r.years)
                .map(|(id, _)| id.clone())
                .unwrap_or_else(|| policy.retention.default.clone()),
        };
        let rule_id = &rule_id;
        let Some(rule) = policy.retention.rules.get(rule_id) else {
            return Err(Error::Integrity(msg!(
                "dossier-names-unknown-retention-rule",
                id = rec.id
            )));
        };
        let (mut years, mut because) = (rule.years, format!("{} ({})", rule.label, rule.source));
        for cat in &categories {
            if let Some(&y) = policy.retention.categories.get(cat) {
                if y > years {
                    years = y;
                    because = format!("the dossier holds '{cat}' data, kept {y} years");
                }
            }
        }
        let due = closed.saturating_add(u64::from(years) * YEAR);
        Ok(Some(RetentionItem {
            dossier: rec.id.clone(),
            closed: rfc3339(closed),
            rule: rule_id.clone(),
            years,
            because,
            due: rfc3339(due),
            past_due: now() >= due,
        }))
    }

    /// Every closed dossier with its due date (`only_due`: past due only).
    pub fn retention_list(&mut self, only_due: bool) -> Result<Vec<RetentionItem>> {
        let _turn = self.ensure_current()?;
        if !self
            .vault
            .policy
            .has(&self.me.profession, Capability::Erase)
        {
            return self.refuse(
                "retention.list",
                None,
                msg!(
                    "profession-may-manage-retention",
                    profession = self.me.profession
                ),
            );
        }
        let mut out = Vec::new();
        for rec in self.vault.all_dossiers()? {
            if let Some(item) = self.retention_of(&rec)? {
                if item.past_due || !only_due {
                    out.push(item);
                }
            }
        }
        self.vault.audit(
            self.draft("retention.list")
                .detail(&format!("{} dossiers listed", out.len())),
        )?;
        Ok(out)
    }

    /// Erases every dossier past its retention period. Without `confirm` it only
    /// lists them (dry run). When the policy requires an approval, `approval`
    /// (e.g. the archives service's reference) must be given and is recorded.
    ///
    /// "Past" is judged by the system clock, so erasing first checks the clock
    /// against the vault's latest audit entry ([`Session::require_plausible_clock`]):
    /// an implausible clock refuses the erasure ([`Error::Refused`], exit 3)
    /// unless `confirm_clock`, which is audited with the clock's offset.
    pub fn retention_apply(
        &mut self,
        confirm: bool,
        approval: Option<&str>,
        confirm_clock: bool,
    ) -> Result<Vec<RetentionItem>> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "retention.apply";
        if confirm {
            if !self
                .vault
                .policy
                .has(&self.me.profession, Capability::Erase)
            {
                // Refused (and audited) by the listing below, before any clock question.
                self.retention_list(true)?;
            }
            self.require_plausible_clock(ACTION, confirm_clock)?;
        }
        let due = self.retention_list(true)?;
        if !confirm {
            return Ok(due);
        }
        // Past due by the clock *and* by the time other members' work vouches
        // for (a clock walked forward by one member does not age dossiers).
        let at = self.vouched_now(ACTION, confirm_clock)?;
        let due: Vec<RetentionItem> = due
            .into_iter()
            .filter(|item| crate::vault::clock::parse_time(&item.due).is_ok_and(|d| at >= d))
            .collect();
        let approval = approval.map(str::trim).filter(|a| !a.is_empty());
        if self.vault.policy.retention.require_approval && approval.is_none() {
            return Err(Error::Usage(msg!(
                "establishment-s-policy-requires-recorded-approval"
            )));
        }
        for item in &due {
            let mut d = self.draft(ACTION).dossier(&item.dossier).detail(&format!(
                "retention period over ({} years, due {}){}",
                item.years,
                item.due,
                approval
                    .map(|a| format!("; approval: {a}"))
                    .unwrap_or_default()
            ));
            d.justification = approval
                .map(|a| self.seal_justification(&item.dossier, a))
                .transpose()?;
            let d = d.fact(String::new(), self.fact_signer());
            self.vault.shred(&item.dossier, d)?;
        }
        Ok(due)
    }
}
