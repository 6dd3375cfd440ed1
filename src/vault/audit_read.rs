//! Reading the audit log through a session: only for audit readers, itself audited,
//! with justifications decrypted by the audit key.

use super::session::Session;
use super::views::AuditRecord;
use crate::audit::Filter;
use crate::crypto::wrap::{self, Identity};
use crate::error::Result;
use crate::policy::{Capability, VaultKey};

impl Session<'_> {
    /// The audit entries that pass `filter`. Reading is recorded first.
    pub fn audit_log(&mut self, filter: &Filter) -> Result<Vec<AuditRecord>> {
        const ACTION: &str = "audit.read";
        if !self
            .vault
            .policy
            .has(&self.me.profession, Capability::ReadAudit)
        {
            return self.refuse(
                ACTION,
                None,
                &format!(
                    "the profession '{}' may not read the audit log",
                    self.me.profession
                ),
            );
        }
        let mut d = self.draft(ACTION);
        d.detail = Some(format!(
            "filter:{}{}{}{}",
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
        ));
        self.vault.audit(d)?;
        let audit_key = match self.vault_key_material(&VaultKey::Audit)? {
            Some(m) => std::str::from_utf8(&m)
                .ok()
                .and_then(|s| Identity::parse(s).ok()),
            None => None,
        };
        let mut out = Vec::new();
        for entry in self.vault.audit_entries(filter)? {
            let justification_text = match (&entry.justification, &audit_key) {
                (Some(h), Some(k)) => hex::decode(h)
                    .ok()
                    .and_then(|ct| wrap::unwrap(&ct, k).ok().flatten())
                    .map(|p| String::from_utf8_lossy(&p).into_owned()),
                _ => None,
            };
            out.push(AuditRecord {
                entry,
                justification_text,
            });
        }
        Ok(out)
    }
}
