//! `coffre entry import FILE`: reads entries as JSON Lines, checks the whole file
//! first (nothing is written if a line is malformed), then imports it in groups
//! with a progress bar on the terminal.
//!
//! One line per entry: `{"dossier": "d-…", "kind": "…", "fields": {"name": "value"}}`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::Path;

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
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", path.display())))
}

/// Parses line `n` (from 1); the error never quotes the line (it holds notes).
fn parse(n: u64, text: &str) -> Result<NewEntry, Error> {
    let mut line: Line = serde_json::from_str(text).map_err(|e| {
        Error::Usage(format!(
            "line {n}: not an entry ({}, column {}); expected {{\"dossier\", \"kind\", \"fields\"}}",
            match e.classify() {
                serde_json::error::Category::Data => "wrong or missing member",
                serde_json::error::Category::Eof => "cut short",
                _ => "not JSON",
            },
            e.column()
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
            Err(e) => Some(Err(Error::Usage(format!("line {n}: cannot read: {e}")))),
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

/// Checks then imports `path`; returns the number of entries written.
pub fn run(s: &mut Session<'_>, path: &Path, group: usize) -> Result<u64, Error> {
    // First pass: every line must parse before anything is written.
    let mut total = 0;
    for e in entries(path)? {
        e?;
        total += 1;
    }
    let mut bar = Progress {
        total,
        shown: false,
    };
    let mut written = 0;
    let result = s.import_entries(entries(path)?, group, &mut |done| {
        written = done;
        bar.draw(done);
    });
    bar.finish();
    result.map_err(|e| {
        e.with_context(|m| {
            format!("{m} ({written} entries of {total} were written before this error)")
        })
    })
}
