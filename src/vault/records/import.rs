//! Bulk import: many entries written in groups, each group one durable step
//! (its audit lines and its data together), for an establishment bringing its
//! existing notes into Coffre.
//!
//! An import can be interrupted between groups and taken up again: each entry's
//! audit line records the import's id (a digest of the file, [`import_id`]) and
//! the entry's number in it, so a second run of the same file finds how far the
//! first one got ([`Session::imported_from`]) and skips those entries. Groups are
//! written whole and in order, so what was written is always the file's first
//! entries.

use std::collections::{BTreeMap, HashSet};

use crate::audit::Draft;
use crate::error::{Error, Result};
use crate::rights::fact::Fact;
use crate::store::Batch;
use crate::vault::access::session::Session;
use crate::vault::records::entry::FieldInput;

/// One entry to import.
#[derive(Debug)]
pub struct NewEntry {
    /// The dossier it goes to (the importer must be in its care team).
    pub dossier: String,
    /// Its kind (see `coffre policy show`).
    pub kind: String,
    /// Its fields.
    pub fields: Vec<FieldInput>,
}

/// Entries per durable step when the caller does not say.
pub const DEFAULT_GROUP: usize = 1000;

/// How an import's entries are marked in their audit detail:
/// `import <id> item <n>` (content-free: the id is a digest of the whole file).
const IMPORT_MARK: &str = "import ";

/// The id of an import: the first 32 hex digits (128 bits) of the SHA-256 of the
/// file's bytes (FIPS 180-4). It names the file, not its text: it cannot be
/// turned back into a note, and a changed file is a new import.
pub fn import_id(file: &mut dyn std::io::Read) -> Result<String> {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(msg!("cannot-read-import-file"), e)),
        };
        ctx.update(&buf[..n]);
    }
    Ok(hex::encode(&ctx.finish().as_ref()[..16]))
}

/// The entry number an import detail records for `id`, if it is one.
fn import_item(detail: &str, id: &str) -> Option<u64> {
    detail
        .strip_prefix(IMPORT_MARK)?
        .strip_prefix(id)?
        .strip_prefix(" item ")?
        .parse()
        .ok()
}

/// How to run an import ([`Session::import_entries_with`]).
pub struct ImportOptions<'a> {
    /// Entries per durable step (at least 1).
    pub group: usize,
    /// The import's id ([`import_id`]), recorded with each entry; `None` records nothing.
    pub id: Option<&'a str>,
    /// The number (from 1) of the first entry given: the entries before it were
    /// imported by an earlier run and are not given again.
    pub first: u64,
    /// Asked after each group: `true` stops the import there (the groups
    /// written stay written), e.g. when the user pressed Ctrl-C.
    pub stop: &'a dyn Fn() -> bool,
}

/// What an import did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportOutcome {
    /// Entries written by this run.
    pub written: u64,
    /// Whether it stopped early because `stop` said so.
    pub interrupted: bool,
}

/// Prefixes an error's message with the entry it concerns.
fn at_entry(n: u64, e: Error) -> Error {
    e.with_context(|m| msg!("import-at-entry", n = n, detail = m))
}

impl Session<'_> {
    /// Adds `entries` in groups of `group` entries. Each group is checked and
    /// sealed entry by entry exactly as [`Session::add_entry`] would, then made
    /// durable in one step with one audit line per entry. `progress` is called
    /// after each group with the number of entries written so far.
    ///
    /// Stops at the first entry that is malformed or refused, with an error
    /// naming it (counted from 1): the groups before it are written, nothing of
    /// its own group is. Returns the number of entries written.
    pub fn import_entries<I>(
        &mut self,
        entries: I,
        group: usize,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64>
    where
        I: IntoIterator<Item = Result<NewEntry>>,
    {
        let _turn = self.ensure_current()?;
        let opts = ImportOptions {
            group,
            id: None,
            first: 1,
            stop: &|| false,
        };
        self.import_entries_with(entries, &opts, progress)
            .map(|o| o.written)
    }

    /// How many entries of the import `id` ([`import_id`]) this member has
    /// already written: the highest entry number its audit lines record (the
    /// entries up to it are all written, groups being whole and in order).
    /// 0 when none.
    pub fn imported_from(&mut self, id: &str) -> Result<u64> {
        let _turn = self.ensure_current()?;
        let filter = crate::audit::Filter {
            actor: Some(self.me.id.clone()),
            action: Some("entry.add".into()),
            ..Default::default()
        };
        Ok(self
            .vault
            .audit_entries(&filter)?
            .iter()
            .filter_map(|e| import_item(e.detail.as_deref()?, id))
            .max()
            .unwrap_or(0))
    }

    /// [`Session::import_entries`] with an import id recorded in each entry's
    /// audit line, numbering from `opts.first`, and a stop check after each
    /// group. Errors name the entry by its number in the file. `progress` is
    /// called with the number written by this run.
    pub fn import_entries_with<I>(
        &mut self,
        entries: I,
        opts: &ImportOptions<'_>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportOutcome>
    where
        I: IntoIterator<Item = Result<NewEntry>>,
    {
        let _turn = self.ensure_current()?;
        let group = opts.group.max(1);
        let base = opts.first.max(1) - 1;
        let vault = self.vault;
        let mut written = 0u64;
        let mut iter = entries.into_iter().peekable();
        while iter.peek().is_some() {
            if (opts.stop)() {
                return Ok(ImportOutcome {
                    written,
                    interrupted: true,
                });
            }
            let _writing = vault
                .write_lock
                .lock()
                .map_err(|_| Error::Io(msg!("write-lock-poisoned")))?;
            let mut batch = Batch::new();
            let mut drafts = Vec::with_capacity(group);
            // Dossiers found open and ours in this group (nothing can change
            // them while the write lock is held).
            let mut checked: HashSet<String> = HashSet::new();
            for item in iter.by_ref().take(group) {
                let n = base + written + drafts.len() as u64 + 1;
                let entry = item.map_err(|e| at_entry(n, e))?;
                let known = checked.contains(&entry.dossier);
                let (_, mut draft) = self
                    .prepare_entry(
                        &entry.dossier,
                        &entry.kind,
                        &entry.fields,
                        known,
                        &mut batch,
                    )
                    .map_err(|e| at_entry(n, e))?;
                if !known {
                    checked.insert(entry.dossier.clone());
                }
                if let Some(id) = opts.id {
                    draft.detail = Some(format!("{IMPORT_MARK}{id} item {n}"));
                }
                drafts.push(draft);
            }
            merge_content_facts(&mut drafts)?;
            let count = drafts.len() as u64;
            vault.durable(drafts, batch)?;
            written += count;
            progress(written);
        }
        Ok(ImportOutcome {
            written,
            interrupted: false,
        })
    }
}

/// One signed content fact per dossier of a group (at most
/// [`crate::rights::state::MAX_CONTENT_ADDED`] entries each), carried by the
/// group's last entry in that dossier, instead of one per entry: each fact costs
/// an Ed25519 signature at write and a replay at every unlock, and a group is
/// one durable step anyway. Every entry still has its own audit line.
fn merge_content_facts(drafts: &mut [Draft]) -> Result<()> {
    let mut by_dossier: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, d) in drafts.iter().enumerate() {
        if let (Some(dossier), Some(_)) = (&d.dossier, &d.fact) {
            by_dossier.entry(dossier.clone()).or_default().push(i);
        }
    }
    for (dossier, indices) in by_dossier {
        for chunk in indices.chunks(crate::rights::state::MAX_CONTENT_ADDED) {
            let mut added = Vec::with_capacity(chunk.len());
            let mut signer = None;
            for &i in chunk {
                let Some((json, s)) = drafts[i].fact.take() else {
                    continue;
                };
                match Fact::parse(&json, 0)? {
                    Fact::Content { add, remove, .. } if remove.is_empty() => {
                        added.extend(add);
                        signer = s;
                    }
                    _ => return Err(Error::Io(msg!("import-fact-not-content"))),
                }
            }
            if let Some(&last) = chunk.last() {
                let fact = Fact::Content {
                    dossier: dossier.clone(),
                    add: added,
                    remove: Vec::new(),
                };
                drafts[last].fact = Some((fact.to_json()?, signer));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_marks_read_back_only_for_their_own_import() {
        let id = import_id(&mut &b"{\"dossier\":\"d-1\"}\n"[..]).unwrap();
        assert_eq!(id.len(), 32);
        assert_ne!(id, import_id(&mut &b"other"[..]).unwrap());
        let detail = format!("{IMPORT_MARK}{id} item 42");
        assert_eq!(import_item(&detail, &id), Some(42));
        assert_eq!(import_item(&detail, "0123"), None);
        assert_eq!(import_item("version 2", &id), None);
    }
}
