//! Entries: adding, amending (a new version, never an overwrite) and reading them
//! field by field, each field opened only if the actor's profession may read its
//! category and the actor holds the key.

use std::collections::BTreeSet;

use zeroize::Zeroizing;

use crate::audit::{Draft, Outcome};
use crate::crypto::Key32;
use crate::error::{Error, Result};
use crate::store::records::{encode, EntryRecord, SealedField, VersionRecord};
use crate::store::{layout, Batch};
use crate::vault::access::keys::field_aad;
use crate::vault::access::session::{DataKey, Session};
use crate::vault::now;
use crate::vault::records::reader::{history_view, latest_view, CheckedEntry, FieldKeys};
use crate::vault::views::{EntryView, VersionView, WithheldReason};

/// A field value given by the caller. The value is zeroized on drop.
pub struct FieldInput {
    /// Field name (must belong to the entry's kind).
    pub name: String,
    /// Plaintext.
    pub value: Zeroizing<String>,
}

impl FieldInput {
    /// Builds a field input.
    pub fn new(name: &str, value: &str) -> Self {
        FieldInput {
            name: name.to_string(),
            value: Zeroizing::new(value.to_string()),
        }
    }
}

impl std::fmt::Debug for FieldInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldInput")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A staff member's right to each field: policy, author-only, objections,
/// break-the-glass exclusions, then the key.
struct StaffKeys<'a, 'v> {
    s: &'a mut Session<'v>,
    break_glass: bool,
    /// For a whole-dossier read: each (category, author) decided once.
    decided: Option<&'a mut KeyDecisions>,
}

/// Decisions of [`StaffKeys`] kept for the length of one dossier read, made
/// under the vault's write lock so that no data key is renewed meanwhile.
pub(crate) type KeyDecisions =
    std::collections::HashMap<(String, Option<String>), std::result::Result<Key32, WithheldReason>>;

impl FieldKeys for StaffKeys<'_, '_> {
    fn key_for(
        &mut self,
        entry: &EntryRecord,
        field: &SealedField,
        author: &str,
    ) -> Result<std::result::Result<Key32, WithheldReason>> {
        let author_only = self.s.vault.policy.is_author_only(&field.category);
        let Some(decided) = self.decided.as_deref_mut() else {
            return self.decide(entry, field, author);
        };
        let slot = (
            field.category.clone(),
            author_only.then(|| author.to_string()),
        );
        if let Some(d) = decided.get(&slot) {
            return Ok(d.as_ref().map(Key32::duplicate).map_err(|w| *w));
        }
        let d = self.decide(entry, field, author)?;
        let copy = d.as_ref().map(Key32::duplicate).map_err(|w| *w);
        if let Some(decided) = self.decided.as_deref_mut() {
            decided.insert(slot, copy);
        }
        Ok(d)
    }
}

impl StaffKeys<'_, '_> {
    fn decide(
        &mut self,
        entry: &EntryRecord,
        field: &SealedField,
        author: &str,
    ) -> Result<std::result::Result<Key32, WithheldReason>> {
        let s = &mut *self.s;
        let policy = &s.vault.policy;
        let cat = field.category.as_str();
        let author_only = policy.is_author_only(cat);
        if !policy.can_read(&s.me.profession, cat) {
            return Ok(Err(WithheldReason::NotPermitted));
        }
        if author_only && author != s.me.id {
            return Ok(Err(WithheldReason::AuthorOnly));
        }
        if self.break_glass && !policy.break_glass_opens(cat) {
            return Ok(Err(WithheldReason::NotUnderBreakGlass));
        }
        if s.objects(&entry.dossier, cat)? {
            return Ok(Err(WithheldReason::Objection));
        }
        Ok(
            match s.data_key(&entry.dossier, cat, author_only.then_some(author), None)? {
                DataKey::Key(k) => Ok(k),
                DataKey::Pending => Err(WithheldReason::Pending),
                DataKey::NoAccess => Err(WithheldReason::NotPermitted),
                DataKey::Missing => {
                    return Err(Error::Integrity(msg!(
                        "data-key-dossier-missing",
                        cat = cat,
                        dossier = entry.dossier
                    )))
                }
            },
        )
    }
}

impl Session<'_> {
    /// Builds the actor's view of a checked entry (latest value of each field).
    /// With `decided`, key decisions are shared with the other entries of the
    /// same dossier read (the caller holds the vault's write lock).
    pub(crate) fn entry_view(
        &mut self,
        entry: &CheckedEntry,
        break_glass: bool,
        decided: Option<&mut KeyDecisions>,
    ) -> Result<EntryView> {
        let vault = self.vault;
        latest_view(
            vault,
            entry,
            &mut StaffKeys {
                s: self,
                break_glass,
                decided,
            },
        )
    }

    /// Every version of an entry, oldest first, each with the fields written in
    /// that version (amendments never overwrite). Audited like a read.
    pub fn entry_history(
        &mut self,
        entry_id: &str,
        break_glass: Option<&str>,
    ) -> Result<Vec<VersionView>> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "entry.history";
        let dossier = self.vault.entry_dossier(entry_id)?;
        let access = self.reach(&dossier, ACTION, break_glass)?;
        let vault = self.vault;
        let built = vault.checked_entry(entry_id).and_then(|checked| {
            history_view(
                vault,
                &checked,
                &mut StaffKeys {
                    s: self,
                    break_glass: access.break_glass,
                    decided: None,
                },
            )
        });
        let outcome = if built.is_ok() {
            Outcome::Ok
        } else {
            Outcome::Error
        };
        let cats: BTreeSet<String> = built
            .iter()
            .flatten()
            .flat_map(|v| v.fields.values().map(|f| f.category.clone()))
            .collect();
        let mut d = self
            .draft(ACTION)
            .dossier(&dossier)
            .entry(entry_id)
            .categories(cats)
            .outcome(outcome);
        d.break_glass = access.break_glass;
        d.justification = access.justification;
        d.detail = access.detail;
        self.vault.audit(d)?;
        built
    }

    /// Checks the fields against the kind and the actor's write rights, then seals
    /// them into a version record.
    fn seal_version(
        &mut self,
        action: &str,
        entry: &EntryRecord,
        version: u32,
        inputs: &[FieldInput],
        previous: &[VersionRecord],
        batch: &mut Batch,
    ) -> Result<VersionRecord> {
        let kind = self
            .vault
            .policy
            .kinds
            .get(&entry.kind)
            .ok_or_else(|| {
                Error::Usage(msg!(
                    "unknown-entry-kind-see-coffre-policy",
                    kind = entry.kind
                ))
            })?
            .clone();
        if inputs.is_empty() {
            return Err(Error::Usage(msg!("give-least-one-field-name-value")));
        }
        let mut seen = BTreeSet::new();
        for f in inputs {
            if !kind.fields.contains_key(&f.name) {
                let known: Vec<&str> = kind.fields.keys().map(String::as_str).collect();
                return Err(Error::Usage(msg!(
                    "kind-field-fields",
                    kind = entry.kind,
                    name = f.name,
                    join = known.join(", ")
                )));
            }
            if !seen.insert(f.name.as_str()) {
                return Err(Error::Usage(msg!("field-given-twice", name = f.name)));
            }
        }
        for f in inputs {
            let cat = &kind.fields[&f.name];
            if !self.vault.policy.can_write(&self.me.profession, cat) {
                return self.refuse(
                    action,
                    Some(&entry.dossier),
                    msg!(
                        "profession-may-write-category",
                        profession = self.me.profession,
                        cat = cat
                    ),
                );
            }
            if self.vault.policy.is_author_only(cat) {
                let other_author = previous
                    .iter()
                    .filter(|v| v.fields.iter().any(|pf| pf.name == f.name))
                    .any(|v| v.author != self.me.id);
                if other_author {
                    return self.refuse(
                        action,
                        Some(&entry.dossier),
                        msg!("field-author-only-written-someone-else", name = f.name),
                    );
                }
            }
        }
        let mut sealed = Vec::new();
        for f in inputs {
            let cat = kind.fields[&f.name].clone();
            let key = match self.data_key(
                &entry.dossier,
                &cat,
                Some(&self.me.id.clone()),
                Some(batch),
            )? {
                DataKey::Key(k) => k,
                DataKey::Pending => {
                    self.vault.audit(
                        self.draft(action)
                            .dossier(&entry.dossier)
                            .outcome(Outcome::Denied)
                            .categories([cat.as_str()])
                            .detail("key not granted yet"),
                    )?;
                    let holders =
                        self.holders_hint(&crate::policy::VaultKey::Category(cat.clone()));
                    return Err(Error::Pending(if holders.is_empty() {
                        msg!("key-category-granted-you-yet", cat = cat)
                    } else {
                        msg!(
                            "key-category-granted-you-yet-holders",
                            cat = cat,
                            holders = holders
                        )
                    }));
                }
                _ => {
                    return self.refuse(
                        action,
                        Some(&entry.dossier),
                        msg!("you-hold-key-category", cat = cat),
                    )
                }
            };
            let aad = field_aad(
                &self.vault.meta.vault_id,
                &entry.dossier,
                &entry.id,
                &f.name,
                version,
                &cat,
            );
            sealed.push(crate::vault::records::field::seal(
                &f.name,
                &cat,
                &key,
                &aad,
                f.value.as_bytes(),
            )?);
        }
        Ok(VersionRecord {
            version,
            author: self.me.id.clone(),
            time: now(),
            fields: sealed,
        })
    }

    /// Adds an entry of `kind` to `dossier`. Returns the new entry id.
    pub fn add_entry(
        &mut self,
        dossier: &str,
        kind: &str,
        fields: &[FieldInput],
    ) -> Result<String> {
        let _turn = self.ensure_current()?;
        let vault = self.vault;
        let _writing = vault
            .write_lock
            .lock()
            .map_err(|_| Error::Io(msg!("write-lock-poisoned")))?;
        let mut batch = Batch::new();
        let (id, draft) = self.prepare_entry(dossier, kind, fields, false, &mut batch)?;
        self.vault.commit_audited(draft, batch)?;
        Ok(id)
    }

    /// Checks a new entry against the policy and the care team, seals it into
    /// `batch` and returns its id with the audit draft to commit it with. The
    /// caller holds the vault's write lock. Refusals are audited here.
    /// `dossier_checked`: the dossier was found open and the actor in its care
    /// team under the same write lock (an import checks each dossier once per group).
    pub(crate) fn prepare_entry(
        &mut self,
        dossier: &str,
        kind: &str,
        fields: &[FieldInput],
        dossier_checked: bool,
        batch: &mut Batch,
    ) -> Result<(String, Draft)> {
        const ACTION: &str = "entry.add";
        if !dossier_checked {
            self.load_dossier(dossier)?;
        }
        if !self.vault.policy.kinds.contains_key(kind) {
            return Err(Error::Usage(msg!(
                "unknown-entry-kind-see-coffre-policy",
                kind = kind
            )));
        }
        if !dossier_checked && !self.in_team(dossier, &self.me.id.clone())? {
            return self.refuse(
                ACTION,
                Some(dossier),
                msg!("you-care-team-dossier", dossier = dossier),
            );
        }
        let id = layout::new_entry_id()?;
        let entry = EntryRecord {
            id: id.clone(),
            dossier: dossier.to_string(),
            kind: kind.to_string(),
            author: self.me.id.clone(),
            created: now(),
            latest: 1,
        };
        let version = self.seal_version(ACTION, &entry, 1, fields, &[], batch)?;
        let cats: Vec<String> = version.fields.iter().map(|f| f.category.clone()).collect();
        let record = encode(&entry)?;
        let element = crate::vault::access::trust::element(
            &entry,
            &[crate::vault::access::trust::shape(&version)],
        );
        // The header lives in the dossier's list (one range scan reads a
        // dossier); `e/{entry}` only locates it.
        batch.put(layout::entry(&id), dossier.as_bytes().to_vec());
        batch.put(layout::version(dossier, &id, 1), encode(&version)?);
        batch.put(layout::dossier_entry(dossier, &id), record);
        let draft = self
            .draft(ACTION)
            .dossier(dossier)
            .entry(&id)
            .categories(cats)
            .fact(
                crate::vault::access::trust::content_fact(dossier, &[element], &[])?,
                self.fact_signer(),
            );
        Ok((id, draft))
    }

    /// Amends an entry: the given fields get a new version; nothing is overwritten.
    /// Returns the new version number.
    pub fn amend_entry(&mut self, entry_id: &str, fields: &[FieldInput]) -> Result<u32> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "entry.amend";
        let vault = self.vault;
        let _writing = vault
            .write_lock
            .lock()
            .map_err(|_| Error::Io(msg!("write-lock-poisoned")))?;
        // What is amended is the entry the register holds, never a stored copy
        // rolled back (the fact would replace an element it does not hold).
        let checked = self.vault.checked_entry(entry_id)?;
        let mut entry = checked.record().clone();
        if entry.author.starts_with("person.") {
            return self.refuse(
                ACTION,
                Some(&entry.dossier.clone()),
                msg!("note-written-person-theirs-cannot-amended"),
            );
        }
        if !self.in_team(&entry.dossier, &self.me.id.clone())? {
            return self.refuse(
                ACTION,
                Some(&entry.dossier.clone()),
                msg!("you-care-team-dossier", dossier = entry.dossier),
            );
        }
        let previous = checked.versions().to_vec();
        let mut shapes: Vec<[u8; 32]> = previous
            .iter()
            .map(crate::vault::access::trust::shape)
            .collect();
        let old_element = checked.element();
        let version = entry.latest + 1;
        let mut batch = Batch::new();
        let rec = self.seal_version(ACTION, &entry, version, fields, &previous, &mut batch)?;
        let cats: Vec<String> = rec.fields.iter().map(|f| f.category.clone()).collect();
        entry.latest = version;
        let record = encode(&entry)?;
        shapes.push(crate::vault::access::trust::shape(&rec));
        let new_element = crate::vault::access::trust::element(&entry, &shapes);
        batch.put(layout::dossier_entry(&entry.dossier, entry_id), record);
        batch.put(
            layout::version(&entry.dossier, entry_id, version),
            encode(&rec)?,
        );
        self.vault.commit_audited(
            self.draft(ACTION)
                .dossier(&entry.dossier)
                .entry(entry_id)
                .categories(cats)
                .detail(&format!("version {version}"))
                .fact(
                    crate::vault::access::trust::content_fact(
                        &entry.dossier,
                        &[new_element],
                        &[old_element],
                    )?,
                    self.fact_signer(),
                ),
            batch,
        )?;
        Ok(version)
    }

    /// Reads one entry (care team or break-glass, like a dossier).
    pub fn show_entry(&mut self, entry_id: &str, break_glass: Option<&str>) -> Result<EntryView> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "entry.read";
        let dossier = self.vault.entry_dossier(entry_id)?;
        let access = self.reach(&dossier, ACTION, break_glass)?;
        let viewed = self.vault.checked_entry(entry_id).and_then(|c| {
            self.vault.check_objections(&dossier)?;
            self.entry_view(&c, access.break_glass, None)
        });
        match viewed {
            Ok(view) => {
                let cats: Vec<String> = view.fields.values().map(|f| f.category.clone()).collect();
                let mut d = self
                    .draft(ACTION)
                    .dossier(&dossier)
                    .entry(entry_id)
                    .categories(cats);
                d.break_glass = access.break_glass;
                d.justification = access.justification;
                d.detail = access.detail;
                self.vault.audit(d)?;
                Ok(view)
            }
            Err(e) => {
                self.vault.audit(
                    self.draft(ACTION)
                        .dossier(&dossier)
                        .entry(entry_id)
                        .outcome(Outcome::Error)
                        .detail("could not be read: integrity or storage error"),
                )?;
                Err(e)
            }
        }
    }
}
