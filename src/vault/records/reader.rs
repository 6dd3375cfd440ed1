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
use crate::vault::access::trust::forged;
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

/// An entry read through the signed register: its header (`de/{dossier}/{entry}`)
/// and versions (`v/{dossier}/{entry}/{n}`) give the content element the
/// register holds for its dossier ([`crate::rights::fact::entry_element`]).
/// Only [`Vault::checked_entry`] and [`Vault::checked_dossier`] make one, so
/// no view, export or key renewal can be built from an unchecked record.
#[derive(Debug)]
pub(crate) struct CheckedEntry {
    record: EntryRecord,
    versions: Vec<VersionRecord>,
}

impl CheckedEntry {
    /// The entry's header.
    pub(crate) fn record(&self) -> &EntryRecord {
        &self.record
    }

    /// Versions 1 to `latest`, in order.
    pub(crate) fn versions(&self) -> &[VersionRecord] {
        &self.versions
    }

    /// Its content element (what a content fact adds or removes).
    pub(crate) fn element(&self) -> [u8; 32] {
        element_of(&self.record, &self.versions)
    }
}

/// A dossier's entries read through the signed register: every entry the
/// register holds is here, checked, or named in `damaged` (it could not be
/// read, or is not the one the register holds); nothing is left out silently.
#[derive(Debug)]
pub(crate) struct CheckedDossier {
    /// Checked entries, oldest first.
    pub(crate) entries: Vec<CheckedEntry>,
    /// Ids of the entries listed that could not be read or checked.
    pub(crate) damaged: Vec<String>,
}

impl CheckedDossier {
    /// The entries, or an integrity failure naming the first damaged one (for
    /// what must not leave an entry out: the person's view and export, key
    /// renewal).
    pub(crate) fn complete(self, dossier: &str) -> Result<Vec<CheckedEntry>> {
        match self.damaged.first() {
            Some(id) => Err(forged(
                &format!("de/{dossier}/{id}"),
                "an entry that does not open as the register holds it",
            )),
            None => Ok(self.entries),
        }
    }
}

/// An entry's locator removed, or pointing to a dossier that does not hold it.
fn locator_forged(id: &str) -> Error {
    forged(
        &format!("e/{id}"),
        "the entry's locator removed or pointing to another dossier",
    )
}

fn element_of(record: &EntryRecord, versions: &[VersionRecord]) -> [u8; 32] {
    let shapes: Vec<[u8; 32]> = versions
        .iter()
        .map(crate::vault::access::trust::shape)
        .collect();
    crate::vault::access::trust::element(record, &shapes)
}

impl Vault {
    /// The header of entry `id`, unchecked (writers check what they replace
    /// through [`Vault::checked_entry`]). `e/{entry}` only says which dossier
    /// the entry is in (older vaults kept a full copy there: only its dossier
    /// is read); the header is the dossier's `de/{dossier}/{entry}`.
    fn load_entry(&self, id: &str) -> Result<EntryRecord> {
        let (dossier, locator, legacy) = self.locate_entry(id)?;
        match self.store.get(&layout::dossier_entry(&dossier, id))? {
            Some(b) if !b.is_empty() => {
                let e: EntryRecord = decode(&b, "entry")?;
                if e.id != id || e.dossier != dossier {
                    return Err(forged(
                        &format!("de/{dossier}/{id}"),
                        "another entry listed under this one",
                    ));
                }
                Ok(e)
            }
            // A list written before it held copies: the old full record, which
            // must be this entry's (a header of another one planted as an
            // older vault's record is refused).
            Some(_) if legacy => {
                let e: EntryRecord = decode(&locator, "entry")?;
                if e.id != id || e.dossier != dossier {
                    return Err(forged(
                        &format!("e/{id}"),
                        "another entry's record in place of this one",
                    ));
                }
                Ok(e)
            }
            _ => {
                if self.entry_elsewhere(id, &dossier)?.is_some() {
                    return Err(locator_forged(id));
                }
                Err(forged(
                    &format!("de/{dossier}/{id}"),
                    "an entry removed from its dossier's list",
                ))
            }
        }
    }

    /// The dossier other than `not` whose list holds entry `id`, if any: read
    /// only when the locator led nowhere, to tell a damaged locator (the entry
    /// is elsewhere) from a missing entry.
    fn entry_elsewhere(&self, id: &str, not: &str) -> Result<Option<String>> {
        for d in self.all_dossiers()? {
            if d.id != not && self.store.get(&layout::dossier_entry(&d.id, id))?.is_some() {
                return Ok(Some(d.id));
            }
        }
        Ok(None)
    }

    /// The dossier entry `id` is in, as `e/{entry}` says: decides nothing on
    /// its own (access is decided by the register for that dossier, and the
    /// entry is then read and checked there).
    ///
    /// Errors: `NotFound` for an unknown id, `Usage` for an invalid one.
    pub(crate) fn entry_dossier(&self, id: &str) -> Result<String> {
        Ok(self.locate_entry(id)?.0)
    }

    /// (dossier, stored locator, whether it is an older vault's full record).
    fn locate_entry(&self, id: &str) -> Result<(String, Vec<u8>, bool)> {
        layout::check_id("entry", id)?;
        let Some(locator) = self.store.get(&layout::entry(id))? else {
            if self.entry_elsewhere(id, "")?.is_some() {
                return Err(locator_forged(id));
            }
            return Err(Error::NotFound(msg!("entry", id = id)));
        };
        let legacy = std::str::from_utf8(&locator)
            .ok()
            .filter(|d| layout::check_id("dossier", d).is_ok())
            .is_none();
        let dossier = if legacy {
            decode::<EntryRecord>(&locator, "entry")?.dossier
        } else {
            String::from_utf8_lossy(&locator).into_owned()
        };
        Ok((dossier, locator, legacy))
    }

    /// Versions 1 to `latest` of an entry, each where it belongs. Read key by key
    /// (a prefix scan costs sled several times more); versions beyond `latest`
    /// are not read.
    fn versions(&self, entry: &EntryRecord) -> Result<Vec<VersionRecord>> {
        // `latest` is read from the store: never an allocation of its size.
        let mut out = Vec::with_capacity((entry.latest as usize).min(64));
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

    /// Entry `id` checked against the signed register (its element is one the
    /// register holds for its dossier).
    ///
    /// Errors: `NotFound` for an unknown id; `Integrity` naming the record when
    /// the header or a version was removed, rolled back, replaced or moved.
    pub(crate) fn checked_entry(&self, id: &str) -> Result<CheckedEntry> {
        let record = self.load_entry(id)?;
        let versions = self.versions(&record)?;
        let checked = CheckedEntry { record, versions };
        let element = checked.element();
        let d = &checked.record.dossier;
        let known = self.with_register(|r| {
            Ok(r.dossiers
                .get(d)
                .is_some_and(|x| !x.erased && x.elements.contains(&element)))
        })?;
        if !known {
            return Err(forged(
                &format!("de/{d}/{id}"),
                "an entry or version rolled back, replaced or moved",
            ));
        }
        Ok(checked)
    }

    /// Every entry of `dossier`, checked against the signed register: each
    /// listed entry whose header and versions give an element the register
    /// holds is in `entries`; one that cannot be read or gives another element
    /// is named in `damaged` (the others are still checked and shown).
    ///
    /// Errors: `Integrity` naming `de/{dossier}/…` when the list holds fewer or
    /// more entries than the register (one removed or planted).
    pub(crate) fn checked_dossier(&self, dossier: &str) -> Result<CheckedDossier> {
        let prefix = layout::dossier_entry_prefix(dossier);
        let listed = self.store.scan_prefix(&prefix)?;
        let mut all_versions = self.dossier_versions(dossier)?;
        let mut candidates = Vec::with_capacity(listed.len());
        let mut damaged = Vec::new();
        for (k, v) in &listed {
            let id = layout::last_component(k)?;
            let record = if v.is_empty() {
                self.load_entry(&id)
            } else {
                decode::<EntryRecord>(v, "entry").and_then(|e| {
                    if e.id == id && e.dossier == dossier {
                        Ok(e)
                    } else {
                        Err(Error::Integrity(msg!(
                            "list-dossier-holds-another-entry-under",
                            dossier = dossier,
                            id = id
                        )))
                    }
                })
            };
            let read = record.and_then(|record| {
                let versions = take_versions(&mut all_versions, &record)?;
                Ok(CheckedEntry { record, versions })
            });
            match read {
                Ok(c) => {
                    let element = c.element();
                    candidates.push((c, element));
                }
                Err(Error::Integrity(_)) => damaged.push(id),
                Err(other) => return Err(other),
            }
        }
        let (mut entries, count) = self.with_register(|r| {
            let signed = r.dossiers.get(dossier).filter(|d| !d.erased);
            let mut entries = Vec::with_capacity(candidates.len());
            for (c, element) in candidates {
                if signed.is_some_and(|d| d.elements.contains(&element)) {
                    entries.push(c);
                } else {
                    damaged.push(c.record.id.clone());
                }
            }
            Ok((entries, signed.map_or(0, |d| d.elements.len())))
        })?;
        if listed.len() != count {
            return Err(forged(
                &format!("de/{dossier}/…"),
                "the dossier's entries: one was removed or added",
            ));
        }
        entries.sort_by(|a, b| {
            (a.record.created, &a.record.id).cmp(&(b.record.created, &b.record.id))
        });
        damaged.sort();
        Ok(CheckedDossier { entries, damaged })
    }

    /// Every stored version of every entry of `dossier`, still encoded, by entry
    /// id, in version order: one range scan (what a whole-dossier read needs).
    fn dossier_versions(&self, dossier: &str) -> Result<StoredVersions> {
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

    /// Whether entry `entry` has versions stored beyond its `latest` (for
    /// `coffre check`: they are never read, but should not be there).
    pub(crate) fn extra_versions(&self, entry: &CheckedEntry) -> Result<bool> {
        let e = entry.record();
        let stored = self
            .store
            .scan_prefix(&layout::version_prefix(&e.dossier, &e.id))?
            .len();
        Ok(stored != e.latest as usize)
    }
}

/// A dossier's stored versions, still encoded, by entry id, in version order.
pub(crate) type StoredVersions = std::collections::HashMap<String, Vec<Vec<u8>>>;

/// The versions 1 to `latest` of `entry` out of a [`Vault::dossier_versions`]
/// map, decoded: each where it belongs, none missing (versions beyond `latest`
/// are not read, as with [`Vault::versions`]).
fn take_versions(all: &mut StoredVersions, entry: &EntryRecord) -> Result<Vec<VersionRecord>> {
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
    // The key is vouched for (its data-key fact) and the field's place is its
    // AAD: a value that does not open was replaced in its version's record
    // (an older copy from before a key renewal, another value).
    let plain = crate::vault::records::field::open(key, &aad, field).map_err(|_| {
        forged(
            &String::from_utf8_lossy(&layout::version(&entry.dossier, &entry.id, version)),
            "a sealed value that does not open under its data key",
        )
    })?;
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

/// The latest value of each field of a checked entry, as `keys` allows.
pub(crate) fn latest_view(
    vault: &Vault,
    checked: &CheckedEntry,
    keys: &mut dyn FieldKeys,
) -> Result<EntryView> {
    let (entry, versions) = (checked.record(), checked.versions());
    let mut latest: BTreeMap<&str, (&SealedField, u32, &str)> = BTreeMap::new();
    for v in versions {
        for f in &v.fields {
            // A document's content key is opened by the document's reader only.
            if crate::vault::records::document::hidden_field(&entry.kind, &f.name) {
                continue;
            }
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
    checked: &CheckedEntry,
    keys: &mut dyn FieldKeys,
) -> Result<Vec<VersionView>> {
    let entry = checked.record();
    let mut out = Vec::new();
    for v in checked.versions() {
        let mut fields = BTreeMap::new();
        let mut withheld = Vec::new();
        for f in v
            .fields
            .iter()
            .filter(|f| !crate::vault::records::document::hidden_field(&entry.kind, &f.name))
        {
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
