//! Reading entries, shared by staff sessions and the person's own access: the
//! caller decides, field by field, whether the reader gets the data key (policy,
//! objections, break-the-glass for staff; withheld categories for the person); this
//! module walks versions, opens values and builds the views.

use std::collections::BTreeMap;

use super::keys::field_aad;
use super::views::{EntryView, FieldValue, VersionView, Withheld, WithheldReason};
use super::{rfc3339, Vault};
use crate::crypto::{envelope, Key32};
use crate::error::{Error, Result};
use crate::store::layout;
use crate::store::records::{decode, EntryRecord, SealedField, VersionRecord};

/// Gives the key of a stored field, or the reason it stays withheld.
pub(crate) trait FieldKeys {
    /// The data key for `field` of `entry`, written by `author`.
    fn key_for(
        &mut self,
        entry: &EntryRecord,
        field: &SealedField,
        author: &str,
    ) -> Result<std::result::Result<Key32, WithheldReason>>;
}

impl Vault {
    pub(crate) fn load_entry(&self, id: &str) -> Result<EntryRecord> {
        layout::check_id("entry", id)?;
        match self.store.get(&layout::entry(id))? {
            Some(b) => decode(&b, "entry"),
            None => Err(Error::NotFound(format!("entry {id}"))),
        }
    }

    /// Every version of an entry, checked to be complete.
    pub(crate) fn versions(&self, entry: &EntryRecord) -> Result<Vec<VersionRecord>> {
        let mut out: Vec<VersionRecord> = self
            .store
            .scan_prefix(&layout::version_prefix(&entry.id))?
            .iter()
            .map(|(_, v)| decode::<VersionRecord>(v, "entry version"))
            .collect::<Result<_>>()?;
        out.sort_by_key(|v| v.version);
        let numbered_ok = out
            .iter()
            .enumerate()
            .all(|(i, v)| v.version as usize == i + 1);
        if out.len() != entry.latest as usize || !numbered_ok {
            return Err(Error::Integrity(format!(
                "entry {} has missing or extra versions",
                entry.id
            )));
        }
        Ok(out)
    }

    /// The ids of a dossier's entries, oldest first.
    pub(crate) fn dossier_entry_ids(&self, dossier: &str) -> Result<Vec<String>> {
        let mut entries: Vec<(u64, String)> = Vec::new();
        for (k, _) in self
            .store
            .scan_prefix(&layout::dossier_entry_prefix(dossier))?
        {
            let id = layout::last_component(&k)?;
            let e = self.load_entry(&id)?;
            entries.push((e.created, id));
        }
        entries.sort();
        Ok(entries.into_iter().map(|(_, id)| id).collect())
    }
}

fn open_value(
    vault: &Vault,
    entry: &EntryRecord,
    field: &SealedField,
    version: u32,
    author: &str,
    key: &Key32,
) -> Result<FieldValue> {
    let aad = field_aad(
        &vault.meta.vault_id,
        &entry.dossier,
        &entry.id,
        &field.name,
        version,
        &field.category,
    );
    let plain = envelope::open(key, &aad, &field.ciphertext)?;
    let value = String::from_utf8(plain.to_vec())
        .map_err(|_| Error::Integrity("a field value is not text".into()))?;
    Ok(FieldValue {
        value,
        category: field.category.clone(),
        version,
        author: author.to_string(),
    })
}

#[allow(clippy::too_many_arguments)] // each argument is one distinct piece of the view being built
fn open_or_withhold(
    vault: &Vault,
    keys: &mut dyn FieldKeys,
    entry: &EntryRecord,
    field: &SealedField,
    version: u32,
    author: &str,
    fields: &mut BTreeMap<String, FieldValue>,
    withheld: &mut Vec<Withheld>,
) -> Result<()> {
    match keys.key_for(entry, field, author)? {
        Ok(k) => {
            fields.insert(
                field.name.clone(),
                open_value(vault, entry, field, version, author, &k)?,
            );
        }
        Err(reason) => withheld.push(Withheld {
            field: field.name.clone(),
            category: field.category.clone(),
            reason,
        }),
    }
    Ok(())
}

/// The latest value of each field of `entry`, as `keys` allows.
pub(crate) fn latest_view(
    vault: &Vault,
    entry: &EntryRecord,
    keys: &mut dyn FieldKeys,
) -> Result<EntryView> {
    let versions = vault.versions(entry)?;
    let mut latest: BTreeMap<&str, (&SealedField, u32, &str)> = BTreeMap::new();
    for v in &versions {
        for f in &v.fields {
            latest.insert(&f.name, (f, v.version, &v.author));
        }
    }
    let mut fields = BTreeMap::new();
    let mut withheld = Vec::new();
    for (f, version, author) in latest.into_values() {
        open_or_withhold(
            vault,
            keys,
            entry,
            f,
            version,
            author,
            &mut fields,
            &mut withheld,
        )?;
    }
    Ok(EntryView {
        id: entry.id.clone(),
        dossier: entry.dossier.clone(),
        kind: entry.kind.clone(),
        author: entry.author.clone(),
        version: entry.latest,
        created: rfc3339(entry.created),
        fields,
        withheld,
    })
}

/// Every version of `entry`, each with the fields written in it, as `keys` allows.
pub(crate) fn history_view(
    vault: &Vault,
    entry: &EntryRecord,
    keys: &mut dyn FieldKeys,
) -> Result<Vec<VersionView>> {
    let mut out = Vec::new();
    for v in vault.versions(entry)? {
        let mut fields = BTreeMap::new();
        let mut withheld = Vec::new();
        for f in &v.fields {
            open_or_withhold(
                vault,
                keys,
                entry,
                f,
                v.version,
                &v.author,
                &mut fields,
                &mut withheld,
            )?;
        }
        out.push(VersionView {
            version: v.version,
            author: v.author.clone(),
            time: rfc3339(v.time),
            fields,
            withheld,
        });
    }
    Ok(out)
}
