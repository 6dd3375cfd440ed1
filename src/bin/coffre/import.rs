//! `coffre entry import FILE`: reads entries as JSON Lines, checks the whole file
//! first (nothing is written if a line is malformed), then imports it in groups
//! with a progress bar on the terminal.
//!
//! One line per entry: `{"dossier": "d-…", "kind": "…", "fields": {"name": "value"}}`.
//!
//! Ctrl-C (SIGINT, or SIGTERM) does not kill the import: the group being written
//! is finished durably, then the import stops with a message saying how many
//! entries are written, and exit code 130 (128 + SIGINT, the shell's convention).
//! A second Ctrl-C ends the process at once (what was acknowledged stays: each
//! group is one journal record). Running the same file again skips the entries
//! already written: the import is identified by a digest of the file
//! (`coffre::vault::import::import_id`), recorded in each entry's audit line.

use coffre::msg;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use coffre::vault::import::{import_id, ImportOptions};
use coffre::{Error, FieldInput, NewEntry, Session};
use serde::Deserialize;
use zeroize::Zeroize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    dossier: String,
    kind: String,
    fields: BTreeMap<String, String>,
}

fn open(path: &Path) -> Result<BufReader<std::fs::File>, Error> {
    std::fs::File::open(path)
        .map(BufReader::new)
        .map_err(|e| Error::Usage(msg!("cannot-read", path = path.display(), e = e)))
}

/// Parses line `n` (from 1); the error never quotes the line (it holds notes).
fn parse(n: u64, text: &str) -> Result<NewEntry, Error> {
    let mut line: Line = serde_json::from_str(text).map_err(|e| {
        Error::Usage(msg!(
            "line-entry-column-expected-dossier-kind",
            n = n,
            JSON = match e.classify() {
                serde_json::error::Category::Data => "wrong or missing member",
                serde_json::error::Category::Eof => "cut short",
                _ => "not JSON",
            },
            column = e.column()
        ))
    })?;
    let fields = line
        .fields
        .iter()
        .map(|(k, v)| FieldInput::new(k, v))
        .collect();
    for v in line.fields.values_mut() {
        v.zeroize();
    }
    Ok(NewEntry {
        dossier: std::mem::take(&mut line.dossier),
        kind: std::mem::take(&mut line.kind),
        fields,
    })
}

/// The entries of the file, one per non-blank line.
fn entries(path: &Path) -> Result<impl Iterator<Item = Result<NewEntry, Error>>, Error> {
    let mut n = 0u64;
    Ok(open(path)?.lines().filter_map(move |l| {
        n += 1;
        match l {
            Ok(mut text) => {
                if text.trim().is_empty() {
                    return None;
                }
                let parsed = parse(n, &text);
                text.zeroize();
                Some(parsed)
            }
            Err(e) => Some(Err(Error::Usage(msg!("line-cannot-read", n = n, e = e)))),
        }
    }))
}

/// A one-line progress bar on standard error, drawn only on a terminal.
struct Progress {
    total: u64,
    shown: bool,
}

impl Progress {
    fn draw(&mut self, done: u64) {
        if !std::io::stderr().is_terminal() || self.total == 0 {
            return;
        }
        const WIDTH: u64 = 30;
        let filled = (done * WIDTH / self.total) as usize;
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{}{}] {done}/{} entries ({}%)",
            "#".repeat(filled),
            " ".repeat(WIDTH as usize - filled),
            self.total,
            done * 100 / self.total
        );
        let _ = err.flush();
        self.shown = true;
    }

    fn finish(&self) {
        if self.shown {
            eprintln!();
        }
    }
}

/// What a completed import did.
pub struct Imported {
    /// Entries written by this run.
    pub written: u64,
    /// Entries of the file written by an earlier, interrupted run, skipped.
    pub skipped: u64,
}

/// Sets a flag on SIGINT and SIGTERM (a second one ends the process at once).
fn stop_flag() -> Result<Arc<AtomicBool>, Error> {
    let flag = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(&flag))
            .and_then(|_| signal_hook::flag::register(sig, Arc::clone(&flag)))
            .map_err(|e| Error::Io(msg!("cannot-install-interruption-handler", e = e)))?;
    }
    Ok(flag)
}

/// Checks then imports `path`, skipping the entries an earlier run of the same
/// file wrote. An interruption is [`Error::Interrupted`] (exit code 130).
pub fn run(s: &mut Session<'_>, path: &Path, group: usize) -> Result<Imported, Error> {
    let stop = stop_flag()?;
    let id = import_id(
        &mut std::fs::File::open(path)
            .map_err(|e| Error::Usage(msg!("cannot-read", path = path.display(), e = e)))?,
    )?;
    // First pass: every line must parse before anything is written.
    let mut total = 0;
    for e in entries(path)? {
        e?;
        total += 1;
        if stop.load(Ordering::SeqCst) {
            return Err(Error::Interrupted(msg!(
                "while-file-being-checked-nothing-imported"
            )));
        }
    }
    let skipped = s.imported_from(&id)?.min(total);
    if skipped > 0 {
        eprintln!(
            "coffre: {skipped} of the {total} entries of this file were imported by an earlier run; importing the rest"
        );
    }
    let mut bar = Progress {
        total,
        shown: false,
    };
    let mut written = 0;
    let opts = ImportOptions {
        group,
        id: Some(&id),
        first: skipped + 1,
        stop: &|| stop.load(Ordering::SeqCst),
    };
    let result = s.import_entries_with(entries(path)?.skip(skipped as usize), &opts, &mut |done| {
        written = done;
        bar.draw(skipped + done);
    });
    bar.finish();
    let done = skipped + written;
    match result {
        Ok(o) if o.interrupted => Err(Error::Interrupted(msg!(
            "entries-imported-run-import-run-same",
            done = done,
            total = total,
            written = o.written,
            id = id
        ))),
        Ok(o) => Ok(Imported {
            written: o.written,
            skipped,
        }),
        Err(e) => {
            Err(e.with_context(|m| msg!("import-partial", detail = m, done = done, total = total)))
        }
    }
}
