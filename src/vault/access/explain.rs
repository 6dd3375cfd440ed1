//! `policy explain`: why a staff member can or cannot read each category of a
//! dossier (policy, key, care team). It reads only metadata that is already
//! readable on disk (profession, team membership, which keys are granted), so it
//! needs no passphrase and reads no record.

use crate::error::{Error, Result};
use crate::policy::{Capability, VaultKey};
use crate::store::layout;
use crate::vault::views::{CategoryAccess, Explanation};
use crate::vault::Vault;

impl Vault {
    /// Explains `user`'s access to `dossier`. Errors: unknown staff member or
    /// dossier (not found), a log or store record that disagrees with the
    /// signed register (integrity).
    pub fn explain(&self, user: &str, dossier: &str) -> Result<Explanation> {
        let _turn = self.begin()?;
        layout::check_id("staff", user)?;
        layout::check_id("dossier", dossier)?;
        // The staff and team records it reads are checked against the signed
        // register, verified here from the genesis when nobody unlocked.
        self.establish_anonymously()?;
        // Through the checked accessor: a dossier the register holds whose
        // record was removed is named, not "not found".
        self.dossier_record(dossier)?;
        let rec = self
            .staff_record(user)?
            .ok_or_else(|| Error::NotFound(msg!("staff-member", user = user)))?;
        let policy = &self.policy;
        let in_team = self.in_team(dossier, user)?;
        let mut categories = Vec::new();
        for (cat, def) in &policy.categories {
            let p = &rec.profession;
            let pol = if def.author_only && policy.can_write(p, cat) {
                "author-only"
            } else if policy.can_write(p, cat) {
                "write"
            } else if policy.can_read(p, cat) {
                "read"
            } else {
                "none"
            };
            let key = if def.author_only {
                "per-author"
            } else if !policy.entitled(p, &VaultKey::Category(cat.clone())) {
                "not-entitled"
            } else if self.has_wrap(&VaultKey::Category(cat.clone()), user)? {
                "held"
            } else {
                "pending"
            };
            let can_read_now = in_team && pol != "none" && (key == "held" || key == "per-author");
            categories.push(CategoryAccess {
                category: cat.clone(),
                policy: pol.into(),
                key: key.into(),
                can_read_now,
            });
        }
        Ok(Explanation {
            user: user.to_string(),
            profession: rec.profession.clone(),
            dossier: dossier.to_string(),
            in_team,
            may_break_glass: policy.has(&rec.profession, Capability::BreakGlass),
            categories,
        })
    }
}
