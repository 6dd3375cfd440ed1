//! The care-team rule and break-the-glass: may this actor open this dossier at all?
//! Field-level rights are decided later, category by category.

use crate::audit::Outcome;
use crate::error::{Error, Result};
use crate::policy::Capability;
use crate::rights::Fact;
use crate::store::records::{decode, encode, BreakGlassRecord, DossierRecord};
use crate::store::{layout, Batch};
use crate::vault::access::session::Session;
use crate::vault::{now, rfc3339};

/// How the actor reaches a dossier.
#[derive(Clone, Debug)]
pub(crate) struct Access {
    /// Through a break-the-glass window rather than the care team.
    pub break_glass: bool,
    /// The encrypted justification to record with this access.
    pub justification: Option<String>,
    /// Content-free detail for the audit.
    pub detail: Option<String>,
}

/// Maximum length of a justification, in characters.
const MAX_JUSTIFICATION: usize = 2000;

impl Session<'_> {
    /// A dossier that is still there (an erased one is "not found: … was erased").
    pub(crate) fn load_dossier(&self, id: &str) -> Result<DossierRecord> {
        let rec = self.vault.dossier_record(id)?;
        if rec.erased.is_some() {
            return Err(Error::NotFound(msg!("dossier-erased", id = id)));
        }
        Ok(rec)
    }

    /// Whether `staff` is currently in the care team of `dossier`.
    pub(crate) fn in_team(&self, dossier: &str, staff: &str) -> Result<bool> {
        self.vault.in_team(dossier, staff)
    }

    /// Refuses (and audits) unless this member manages care teams or created the
    /// dossier `rec`; `what` completes "only … may".
    pub(crate) fn require_manager_or_creator(
        &self,
        action: &str,
        rec: &DossierRecord,
        what: &str,
    ) -> Result<()> {
        let manager = self
            .vault
            .policy
            .has(&self.me.profession, Capability::ManageTeam);
        if manager || rec.created_by == self.me.id {
            return Ok(());
        }
        self.refuse(
            action,
            Some(&rec.id),
            msg!("only-care-team-managers-dossier-s", what = what),
        )
    }

    /// Refuses (and audits) unless this member's profession has `cap`.
    pub(crate) fn require(
        &self,
        cap: Capability,
        action: &str,
        dossier: Option<&str>,
    ) -> Result<()> {
        if self.vault.policy.has(&self.me.profession, cap) {
            return Ok(());
        }
        self.refuse(
            action,
            dossier,
            msg!(
                "profession-may",
                profession = self.me.profession,
                what = cap.msg()
            ),
        )
    }

    /// Refuses and audits in one step.
    pub(crate) fn refuse<T>(
        &self,
        action: &str,
        dossier: Option<&str>,
        reason: crate::error::Msg,
    ) -> Result<T> {
        // The audit log records the reason in English, as it always has (a machine
        // record read by scripts); the user reads it in their language.
        let english = crate::i18n::render(&reason, crate::i18n::Lang::En);
        let mut d = self.draft(action).outcome(Outcome::Denied).detail(&english);
        if let Some(id) = dossier {
            d = d.dossier(id);
        }
        self.vault.audit(d)?;
        Err(Error::Refused(reason))
    }

    /// Decides whether the actor may open `dossier` for `action`: care team, an open
    /// break-glass window, or a new break-glass with `justification`.
    pub(crate) fn reach(
        &mut self,
        dossier: &str,
        action: &str,
        justification: Option<&str>,
    ) -> Result<Access> {
        let just = justification.map(str::trim);
        if just.is_some_and(|j| j.is_empty() || j.chars().count() > MAX_JUSTIFICATION) {
            return Err(Error::Usage(msg!(
                "break-glass-justification-required-1-characters",
                MAX_JUSTIFICATION = MAX_JUSTIFICATION
            )));
        }
        if self.in_team(dossier, &self.me.id.clone())? {
            return Ok(Access {
                break_glass: false,
                justification: None,
                detail: None,
            });
        }
        let may = self
            .vault
            .policy
            .has(&self.me.profession, Capability::BreakGlass);
        if let Some(text) = just {
            if !may {
                return self.refuse(
                    action,
                    Some(dossier),
                    msg!(
                        "profession-may-break-glass",
                        profession = self.me.profession
                    ),
                );
            }
            let sealed = self.seal_justification(dossier, text)?;
            let hours = u64::from(self.vault.policy.rules.break_glass_hours);
            let opened = now();
            let until = opened + hours * 3600;
            let fact = Fact::BreakGlass {
                dossier: dossier.to_string(),
                member: self.me.id.clone(),
                until,
            };
            let seq = self.vault.log()?.state().size + 1;
            let mut batch = Batch::new();
            let rec = BreakGlassRecord {
                opened,
                until,
                audit_seq: seq,
            };
            batch.put(layout::break_glass(dossier, &self.me.id), encode(&rec)?);
            let entry = self.vault.commit_audited(
                {
                    let mut d = self
                        .draft("break-glass.open")
                        .dossier(dossier)
                        .detail(&format!("open until {}", rfc3339(until)))
                        .fact(fact.to_json()?, self.fact_signer());
                    d.break_glass = true;
                    d.justification = Some(sealed.clone());
                    d
                },
                batch,
            )?;
            return Ok(Access {
                break_glass: true,
                justification: Some(sealed),
                detail: Some(format!("break-glass opened at audit entry {}", entry.seq)),
            });
        }
        if may {
            // The window's end comes from the signed register, not the store.
            let signed = self
                .vault
                .with_register(|r| Ok(r.break_glass_until(dossier, &self.me.id)))?;
            if let Some(b) = self
                .vault
                .store
                .get(&layout::break_glass(dossier, &self.me.id))?
            {
                let rec: BreakGlassRecord = decode(&b, "break-glass")?;
                if signed != Some(rec.until) {
                    return Err(crate::vault::access::trust::forged(
                        &format!("bg/{dossier}/{}", self.me.id),
                        "break-glass window",
                    ));
                }
                if rec.until > now() {
                    return Ok(Access {
                        break_glass: true,
                        justification: None,
                        // Only the window's end is vouched for (by the
                        // signed fact); the record's other members decide
                        // nothing and are not shown.
                        detail: Some(format!(
                            "within the break-glass window open until {}",
                            rfc3339(rec.until)
                        )),
                    });
                }
            } else if signed.is_some_and(|until| until > now()) {
                // The register holds an open window its record no longer
                // shows: the record was removed, not the window closed.
                return Err(crate::vault::access::trust::forged(
                    &format!("bg/{dossier}/{}", self.me.id),
                    "a break-glass window removed",
                ));
            }
        }
        let reason = if may {
            msg!("you-care-team-dossier-break-glass", dossier = dossier)
        } else {
            msg!("you-care-team-dossier", dossier = dossier)
        };
        self.refuse(action, Some(dossier), reason)
    }
}
