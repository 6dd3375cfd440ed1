//! Bulk import: many entries written in groups, each group one durable step
//! (its audit lines and its data together), for an establishment bringing its
//! existing notes into Coffre.

use std::collections::HashSet;

use super::entry::FieldInput;
use super::session::Session;
use crate::error::{Error, Result};
use crate::store::Batch;

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

/// Prefixes an error's message with the entry it concerns.
fn at_entry(n: u64, e: Error) -> Error {
    e.with_context(|m| format!("entry {n}: {m}"))
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
        let group = group.max(1);
        let vault = self.vault;
        let mut written = 0u64;
        let mut iter = entries.into_iter().peekable();
        while iter.peek().is_some() {
            let _writing = vault
                .write_lock
                .lock()
                .map_err(|_| Error::Io("write lock poisoned".into()))?;
            let mut batch = Batch::new();
            let mut drafts = Vec::with_capacity(group);
            // Dossiers found open and ours in this group (nothing can change
            // them while the write lock is held).
            let mut checked: HashSet<String> = HashSet::new();
            for item in iter.by_ref().take(group) {
                let n = written + drafts.len() as u64 + 1;
                let entry = item.map_err(|e| at_entry(n, e))?;
                let known = checked.contains(&entry.dossier);
                let (_, draft) = self
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
                drafts.push(draft);
            }
            let count = drafts.len() as u64;
            vault.durable(drafts, batch)?;
            written += count;
            progress(written);
        }
        Ok(written)
    }
}
