//! Things the library noticed and dealt with that the user should know about, but
//! that are not failures: returned as values (never printed by the library), so a
//! program using Coffre decides how to show them. The `coffre` command prints each
//! on standard error.

use std::path::PathBuf;

/// Something noticed while opening or verifying a vault that did not stop it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// A file or folder of the vault could be read (or written) by the group or
    /// by other accounts of the machine (its mode had bits of `0o077` set).
    /// Coffre keeps its folders at `0700` and its files at `0600` whatever the
    /// umask; `fixed` says whether the mode could be set back.
    LoosePermissions {
        /// The file or folder.
        path: PathBuf,
        /// Its permission bits as found (`st_mode & 0o7777`).
        mode: u32,
        /// Whether it was made private again (owner only).
        fixed: bool,
    },
    /// The record store's snapshot file (sled's `snap.*`, a cache derived from its
    /// log, holding no data of its own) was damaged: it was moved aside and
    /// rebuilt from the log. The data and the audit log were not affected.
    DamagedSnapshot {
        /// Where the damaged file was.
        file: PathBuf,
        /// Where it was moved to (kept for inspection; it can be deleted);
        /// `None` when it was left in place (a read-only verification rebuilt it
        /// in a temporary copy only).
        moved_to: Option<PathBuf>,
    },
    /// Audit entries found after the end of the log the store recorded, not
    /// yet taken in. The writing open takes them in and flags them in the log
    /// (`audit.adopted`); a read-only verification only reports them.
    UnrecordedEntries {
        /// Number of the first such entry (1-based, as in the log).
        first: u64,
        /// Number of the last.
        last: u64,
        /// Whether the journal holds them (a command was interrupted after
        /// making them durable) rather than only the file (written outside
        /// coffre, or an interrupted write).
        in_journal: bool,
    },
    /// Changes made durable in the journal but not yet applied to the vault's
    /// files (the last command was interrupted). A read-only verification
    /// reports them without applying them; opening the vault with coffre
    /// applies them.
    UnappliedChanges {
        /// Number of journal records not yet applied.
        count: usize,
    },
}

impl Warning {
    /// The warning as a message of the catalog.
    pub fn msg(&self) -> crate::error::Msg {
        match self {
            Warning::LoosePermissions { path, mode, fixed } => msg!(
                "warning-loose-permissions",
                path = path,
                mode = format!("{mode:o}"),
                fixed = if *fixed { "yes" } else { "no" }
            ),
            Warning::DamagedSnapshot { file, moved_to } => match moved_to {
                Some(to) => msg!("warning-damaged-snapshot-moved", file = file, moved_to = to),
                None => msg!("warning-damaged-snapshot-kept", file = file),
            },
            Warning::UnrecordedEntries {
                first,
                last,
                in_journal,
            } => msg!(
                "warning-unrecorded-entries",
                first = *first,
                last = *last,
                journal = if *in_journal { "yes" } else { "no" }
            ),
            Warning::UnappliedChanges { count } => {
                msg!("warning-unapplied-changes", count = *count)
            }
        }
    }
}
