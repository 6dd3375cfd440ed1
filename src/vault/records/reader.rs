//! Reading entries, shared by staff sessions and the person's own access: the
//! caller decides, field by field, whether the reader gets the data key (policy,
//! objections, break-the-glass for staff; withheld categories for the person); this
//! module walks versions, opens values and builds the views.

use std::collections::BTreeMap;

use crate::crypto::Key32;
use crate::error::{Error, Result};
use crate::store::layout;
use crate::store::records::{decode, EntryRecord, SealedField, VersionRecord};
use crate::vault::access::keys::field_aad;
use crate::vault::views::{EntryView, FieldValue, VersionView, Withheld, WithheldReason};
use crate::vault::{rfc3339, Vault};

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
            None => Err(Error::NotFound(msg!("entry", id = id))),
        }
    }

    /// Versions 1 to `latest` of an entry, each where it belongs. Read key by key
    /// (a prefix scan costs sled several times more); [`Vault::versions_checked`]
    /// also looks for versions that should not exist.
    pub(crate) fn versions(&self, entry: &EntryRecord) -> Result<Vec<VersionRecord>> {
        let mut out = Vec::with_capacity(entry.latest as usize);
        for n in 1..=entry.latest {
            let bytes = self
                .store
                .get(&layout::version(&entry.dossier, &entry.id, n))?
                .ok_or_else(|| versions_damaged(entry))?;
            let v: VersionRecord = decode(&bytes, "entry version")?;
            if v.version != n {
                return Err(versions_damaged(entry));
            }
            out.push(v);
        }
        Ok(out)
    }

    /// Every stored version of every entry of `dossier`, still encoded, by entry
    /// id, in version order: one range scan (what a whole-dossier read needs).
    /// Take an entry's versions out with [`take_versions`], which decodes and
    /// checks them as [`Vault::versions`] does (so a damaged version damages
    /// its entry only).
    pub(crate) fn dossier_versions(&self, dossier: &str) -> Result<StoredVersions> {
        let prefix = layout::dossier_version_prefix(dossier);
        let mut out = StoredVersions::new();
        for (k, v) in self.store.scan_prefix(&prefix)? {
            // `v/{dossier}/{entry}/{version}`: the entry is the next part.
            let entry = k[prefix.len()..]
                .split(|&b| b == b'/')
                .next()
                .unwrap_or_default();
            let entry = String::from_utf8_lossy(entry).into_owned();
            out.entry(entry).or_default().push(v);
        }
        Ok(out)
    }

    /// [`Vault::versions`], and no version beyond `latest` (for `coffre check`).
    pub(crate) fn versions_checked(&self, entry: &EntryRecord) -> Result<Vec<VersionRecord>> {
        let stored = self
            .store
            .scan_prefix(&layout::version_prefix(&entry.dossier, &entry.id))?
            .len();
        if stored != entry.latest as usize {
            return Err(versions_damaged(entry));
        }
        self.versions(entry)
    }

    /// A dossier's entry records, oldest first. The dossier's list holds a copy
    /// of each record (written with it); lists written before it held copies are
    /// read entry by entry. A copy must be of the entry it is listed under.
    pub(crate) fn dossier_entries(&self, dossier: &str) -> Result<Vec<EntryRecord>> {
        let mut entries = Vec::new();
        for (k, v) in self
            .store
            .scan_prefix(&layout::dossier_entry_prefix(dossier))?
        {
            let id = layout::last_component(&k)?;
            let entry = if v.is_empty() {
                self.load_entry(&id)?
            } else {
                let e: EntryRecord = decode(&v, "entry")?;
                if e.id != id || e.dossier != dossier {
                    return Err(Error::Integrity(msg!(
                        "list-dossier-holds-another-entry-under",
                        dossier = dossier,
                        id = id
                    )));
                }
                e
            };
            entries.push(entry);
        }
        entries.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        Ok(entries)
    }

    /// The ids of a dossier's entries, oldest first.
    pub(crate) fn dossier_entry_ids(&self, dossier: &str) -> Result<Vec<String>> {
        Ok(self
            .dossier_entries(dossier)?
            .into_iter()
            .map(|e| e.id)
            .collect())
    }
}

/// A dossier's stored versions, still encoded, by entry id, in version order.
pub(crate) type StoredVersions = std::collections::HashMap<String, Vec<Vec<u8>>>;

/// The versions 1 to `latest` of `entry` out of a [`Vault::dossier_versions`]
/// map, decoded: each where it belongs, none missing (versions beyond `latest`
/// are not read, as with [`Vault::versions`]).
pub(crate) fn take_versions(
    all: &mut StoredVersions,
    entry: &EntryRecord,
) -> Result<Vec<VersionRecord>> {
    let mut stored = all.remove(&entry.id).unwrap_or_default();
    stored.truncate(entry.latest as usize);
    if stored.len() != entry.latest as usize {
        return Err(versions_damaged(entry));
    }
    let mut out = Vec::with_capacity(stored.len());
    for (i, bytes) in stored.iter().enumerate() {
        let v: VersionRecord = decode(bytes, "entry version")?;
        if v.version as usize != i + 1 {
            return Err(versions_damaged(entry));
        }
        out.push(v);
    }
    Ok(out)
}

fn versions_damaged(entry: &EntryRecord) -> Error {
    Error::Integrity(msg!("entry-missing-extra-versions", id = entry.id))
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
    let plain = crate::vault::records::field::open(key, &aad, field)?;
    let value = String::from_utf8(plain.to_vec())
        .map_err(|_| Error::Integrity(msg!("field-value-text")))?;
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
    latest_view_of(vault, entry, &vault.versions(entry)?, keys)
}

/// [`latest_view`] from versions already read.
pub(crate) fn latest_view_of(
    vault: &Vault,
    entry: &EntryRecord,
    versions: &[VersionRecord],
    keys: &mut dyn FieldKeys,
) -> Result<EntryView> {
    let mut latest: BTreeMap<&str, (&SealedField, u32, &str)> = BTreeMap::new();
    for v in versions {
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
