//! `coffre check`: walks every record of the store, the audit log and, where the
//! checker holds the keys (their own, or the recovery key), every sealed field,
//! and lists what is damaged — so one bad record is found and named while the
//! rest stays readable. Nothing decrypted leaves this module.

use serde::Serialize;

use crate::audit::LogState;
use crate::crypto::wrap::Identity;
use crate::error::Result;
use crate::policy::Capability;
use crate::store::records::{
    decode, DataKeyRecord, DossierRecord, EntryRecord, StaffRecord, TeamRecord, VaultMeta,
    VersionRecord,
};
use crate::vault::access::keys::field_aad;
use crate::vault::access::session::Session;
use crate::vault::person::session::PersonRecord;

/// One damaged item.
#[derive(Clone, Debug, Serialize)]
pub struct Damage {
    /// What (a store key or an entry/field reference; identifiers only).
    pub item: String,
    /// Why.
    pub reason: String,
}

/// What `check` found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CheckReport {
    /// Store records decoded.
    pub records: u64,
    /// Sealed fields opened and found intact.
    pub fields_checked: u64,
    /// Sealed fields the checker holds no key for (not checked).
    pub fields_unchecked: u64,
    /// Everything found damaged.
    pub damaged: Vec<Damage>,
    /// Chunks of document content (`dc/…`) that no committed version's
    /// manifest names (an upload interrupted by a killed process): they
    /// decide nothing and are not damage.
    pub orphan_chunks: u64,
    /// The uploads those chunks came from, `dc/{dossier}/{entry}/{blob}`.
    pub orphan_uploads: Vec<String>,
    /// Orphan chunks removed (`coffre check --sweep-chunks`).
    pub swept_chunks: u64,
}

fn decodes(key: &str, v: &[u8]) -> bool {
    let prefix = key.split('/').next().unwrap_or_default();
    match prefix {
        "meta" => decode::<VaultMeta>(v, "x").is_ok(),
        "as" => decode::<LogState>(v, "x").is_ok(),
        "s" => decode::<StaffRecord>(v, "x").is_ok(),
        "d" => decode::<DossierRecord>(v, "x").is_ok(),
        // The locator of an entry: its dossier id (older vaults: a full record).
        "e" => {
            std::str::from_utf8(v)
                .is_ok_and(|d| crate::store::layout::check_id("dossier", d).is_ok())
                || decode::<EntryRecord>(v, "x").is_ok()
        }
        "v" => decode::<VersionRecord>(v, "x").is_ok(),
        "dk" => decode::<DataKeyRecord>(v, "x").is_ok(),
        "t" => decode::<TeamRecord>(v, "x").is_ok(),
        "p" => decode::<PersonRecord>(v, "x").is_ok(),
        // A dossier's list: empty (older vaults) or a copy of the entry record.
        "de" => v.is_empty() || decode::<EntryRecord>(v, "x").is_ok(),
        // Wraps, index entries, offsets and markers are checked where they are used.
        _ => true,
    }
}

impl Session<'_> {
    /// Checks the whole vault (staff managers and audit readers). With
    /// `recovery`, every sealed field is opened; otherwise those the checker holds
    /// keys for.
    pub fn check(&mut self, recovery: Option<&Identity>) -> Result<CheckReport> {
        self.check_and_sweep(recovery, false)
    }

    /// [`Session::check`], and with `sweep` the orphan chunks it finds
    /// removed (under the vault's turn: an upload still streaming whose
    /// chunks go is refused at its commit, which looks its chunks up under
    /// the same turn). Chunks are called orphan only when every version of
    /// their entry was opened (or the entry is not in the register): those
    /// of an entry the checker holds no key for, or that is damaged, stay.
    pub fn check_and_sweep(
        &mut self,
        recovery: Option<&Identity>,
        sweep: bool,
    ) -> Result<CheckReport> {
        let _turn = self.vault.begin()?;
        let _turn = self.ensure_current()?;
        const ACTION: &str = "vault.check";
        let p = &self.vault.policy;
        if !p.has(&self.me.profession, Capability::ManageStaff)
            && !p.has(&self.me.profession, Capability::ReadAudit)
        {
            return self.refuse(
                ACTION,
                None,
                msg!(
                    "profession-may-check-vault",
                    profession = self.me.profession
                ),
            );
        }
        let mut report = CheckReport::default();
        // Chunk records by upload: (dossier, entry, blob) -> their keys.
        type Upload = (String, String, String);
        let mut chunks: std::collections::BTreeMap<Upload, Vec<Vec<u8>>> = Default::default();
        self.vault.store.for_each(&mut |k, v| {
            report.records += 1;
            let key = String::from_utf8_lossy(k).into_owned();
            if let ["dc", d, e, b, _] = key.split('/').collect::<Vec<_>>().as_slice() {
                chunks
                    .entry((d.to_string(), e.to_string(), b.to_string()))
                    .or_default()
                    .push(k.to_vec());
            }
            if !decodes(&key, v) {
                report.damaged.push(Damage {
                    item: key.clone(),
                    reason: "record does not decode".into(),
                });
            }
            Ok(())
        })?;
        // Every entry of every dossier, through the checked path readers use.
        let mut entries = Vec::new();
        // Where chunks cannot be called orphan: dossiers that do not check,
        // entries damaged, entries a version of which the checker cannot open.
        let mut uncertain_dossiers = std::collections::BTreeSet::new();
        let mut uncertain_entries = std::collections::BTreeSet::new();
        let dossiers: Vec<String> = self.vault.with_register(|r| {
            Ok(r.dossiers
                .iter()
                .filter(|(_, d)| !d.erased)
                .map(|(id, _)| id.clone())
                .collect())
        })?;
        for d in dossiers {
            match self.vault.checked_dossier(&d) {
                Ok(c) => {
                    uncertain_entries.extend(c.damaged.iter().cloned());
                    for id in c.damaged {
                        report.damaged.push(Damage {
                            item: format!("de/{d}/{id}"),
                            reason: "does not open as the signed register holds it".into(),
                        });
                    }
                    entries.extend(c.entries);
                }
                Err(err) => {
                    report.damaged.push(Damage {
                        item: format!("de/{d}/…"),
                        reason: err.to_string(),
                    });
                    uncertain_dossiers.insert(d.clone());
                }
            }
        }
        // Every record that grants a right, against the signed register.
        for (item, reason) in self.vault.register_disagreements()? {
            report.damaged.push(Damage { item, reason });
        }
        // Every second factor, against the fact that enrolled it: members the
        // register gives factors to, and any member with a record under `sf/`.
        let mut members: std::collections::BTreeSet<String> = self.vault.with_register(|r| {
            Ok(r.staff
                .iter()
                .filter(|(_, s)| !s.second_factors.is_empty())
                .map(|(id, _)| id.clone())
                .collect())
        })?;
        for (k, _) in self.vault.store.scan_prefix(b"sf/")? {
            if let Some(m) = String::from_utf8_lossy(&k).split('/').nth(1) {
                members.insert(m.to_string());
            }
        }
        for m in members {
            if let Err(err) = self.vault.checked_second_factors(&m) {
                report.damaged.push(Damage {
                    item: crate::vault::access::trust::named_record(&err)
                        .unwrap_or_else(|| format!("sf/{m}/…")),
                    reason: err.to_string(),
                });
            }
        }
        // The persons' own factors, the same way (`psf/`).
        let mut dossiers: std::collections::BTreeSet<String> = self.vault.with_register(|r| {
            Ok(r.dossiers
                .iter()
                .filter(|(_, d)| !d.person_second_factors.is_empty())
                .map(|(id, _)| id.clone())
                .collect())
        })?;
        for (k, _) in self.vault.store.scan_prefix(b"psf/")? {
            if let Some(d) = String::from_utf8_lossy(&k).split('/').nth(1) {
                dossiers.insert(d.to_string());
            }
        }
        for d in dossiers {
            if let Err(err) = self.vault.checked_person_second_factors(&d) {
                report.damaged.push(Damage {
                    item: crate::vault::access::trust::named_record(&err)
                        .unwrap_or_else(|| format!("psf/{d}/…")),
                    reason: err.to_string(),
                });
            }
        }
        if let Err(e) = self.vault.verify_audit(None) {
            report.damaged.push(Damage {
                item: "audit log".into(),
                reason: e.to_string(),
            });
        }
        let vid = self.vault.meta.vault_id.clone();
        for checked in &entries {
            let e = checked.record();
            if self.vault.extra_versions(checked)? {
                report.damaged.push(Damage {
                    item: format!("entry {}", e.id),
                    reason: "versions stored beyond its latest".into(),
                });
            }
            let versions = checked.versions();
            for v in versions {
                for f in &v.fields {
                    let label = if self.vault.policy.is_author_only(&f.category) {
                        v.author.as_str()
                    } else {
                        "*"
                    };
                    let key = match self.data_key_any(&e.dossier, &f.category, label, recovery) {
                        Ok(Some(k)) => k,
                        Ok(None) => {
                            report.fields_unchecked += 1;
                            continue;
                        }
                        Err(err) => {
                            report.damaged.push(Damage {
                                item: format!("dossier {} key of '{}'", e.dossier, f.category),
                                reason: err.to_string(),
                            });
                            continue;
                        }
                    };
                    let aad = field_aad(&vid, &e.dossier, &e.id, &f.name, v.version, &f.category);
                    if crate::vault::records::field::open(&key, &aad, f).is_ok() {
                        report.fields_checked += 1;
                    } else {
                        report.damaged.push(Damage {
                            item: format!("entry {} field {} version {}", e.id, f.name, v.version),
                            reason: "does not open: altered, moved or damaged".into(),
                        });
                    }
                }
            }
        }
        // The uploads the committed document versions name.
        let mut named = std::collections::BTreeSet::new();
        let mut checked_ids = std::collections::BTreeSet::new();
        for checked in &entries {
            let e = checked.record();
            checked_ids.insert(e.id.clone());
            if !chunks.keys().any(|(_, id, _)| *id == e.id) {
                continue;
            }
            for v in checked.versions() {
                let Some(f) = v.fields.iter().find(|f| f.name == "content") else {
                    continue;
                };
                let label = if self.vault.policy.is_author_only(&f.category) {
                    v.author.as_str()
                } else {
                    "*"
                };
                let blob = match self.data_key_any(&e.dossier, &f.category, label, recovery) {
                    Ok(Some(k)) => {
                        crate::vault::records::document::manifest_blob(self.vault, e, v, &k)
                            .ok()
                            .flatten()
                    }
                    _ => None,
                };
                match blob {
                    Some(b) => {
                        named.insert((e.dossier.clone(), e.id.clone(), b));
                    }
                    None => {
                        uncertain_entries.insert(e.id.clone());
                    }
                }
            }
        }
        let mut orphans = Vec::new();
        for (upload, keys) in chunks {
            let (d, e, _) = &upload;
            if uncertain_dossiers.contains(d)
                || uncertain_entries.contains(e)
                || named.contains(&upload)
            {
                continue;
            }
            // An entry the checked dossiers do not hold: orphan only if the
            // register does not know it either.
            if !checked_ids.contains(e) {
                match self.vault.entry_dossier(e) {
                    Err(crate::error::Error::NotFound(_)) => {}
                    _ => continue,
                }
            }
            report.orphan_chunks += keys.len() as u64;
            report
                .orphan_uploads
                .push(format!("dc/{}/{}/{}", upload.0, upload.1, upload.2));
            orphans.push(keys);
        }
        if sweep {
            for keys in orphans {
                for group in keys.chunks(256) {
                    let mut rm = crate::store::Batch::new();
                    for k in group {
                        rm.remove(k.clone());
                    }
                    self.vault.commit(rm)?;
                    report.swept_chunks += group.len() as u64;
                }
            }
        }
        report.damaged.sort_by(|a, b| a.item.cmp(&b.item));
        report.damaged.dedup_by(|a, b| a.item == b.item);
        self.vault.audit(self.draft(ACTION).detail(&format!(
            "{} records, {} fields checked, {} not checked (no key), {} damaged, {} orphan document chunks, {} swept",
            report.records,
            report.fields_checked,
            report.fields_unchecked,
            report.damaged.len(),
            report.orphan_chunks,
            report.swept_chunks
        )))?;
        Ok(report)
    }
}
