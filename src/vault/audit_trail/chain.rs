//! Each dossier's lines as the log chains them (`dprev`, see
//! [`crate::audit::chain`]): the writer's number for a new line, taken from
//! the log, and the readers' walk of a dossier's history against the index.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Seek, SeekFrom};

use crate::audit::chain::Chain;
use crate::audit::line::Shape;
use crate::audit::{AuditEntry, AuditLog, Dprev};
use crate::error::{Error, Result};
use crate::vault::Vault;

/// What a process learnt of the log's dossier chains, to spare the next
/// line about a dossier a long read. Everything in it was read from the log
/// up to an offset; a use first reads the log from there to its end (lines
/// other processes appended included), so it stays right however the log
/// grew. Pruning rewrites lines in place: a number kept here may then be a
/// pruned line's, which every verifier accepts as `dprev` (see
/// [`Chain`]).
#[derive(Debug, Default)]
pub(crate) struct DossierTrail {
    /// Every dossier's last line, read from the whole log up to `.1`
    /// (bytes), which holds `.2` lines: made once a dossier had to be looked
    /// for in the whole log.
    whole: Option<(Chain, u64, u64)>,
    /// Per dossier: its last line, read from the log up to the byte offset
    /// kept with it.
    one: HashMap<String, (u64, u64)>,
    /// How many dossiers were looked for in the whole log, one by one.
    whole_reads: u32,
}

/// Reads the lines of `medium` from byte `from` up to byte `end`, giving each
/// with its offset.
fn each_line(
    medium: &dyn crate::store::medium::LogMedium,
    from: u64,
    end: u64,
    mut f: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<()> {
    let io = |e| Error::io(msg!("cannot-read-audit-log"), e);
    let mut file = crate::store::medium::reader(medium);
    file.seek(SeekFrom::Start(from)).map_err(io)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut line = Vec::with_capacity(1024);
    let mut at = from;
    while at < end {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(io)?;
        if n == 0 || line.last() != Some(&b'\n') {
            return Err(Error::Integrity(msg!("audit-index-points-past-end-log")));
        }
        line.pop();
        f(at, &line)?;
        at += n as u64;
    }
    Ok(())
}

/// `dossier` as written between the quotes of a line (canonical JSON).
fn written(dossier: &str) -> Result<String> {
    let quoted = serde_json::to_string(dossier)
        .map_err(|e| Error::AuditUnavailable(msg!("cannot-encode-audit-entry", e = e)))?;
    Ok(quoted[1..quoted.len() - 1].to_string())
}

/// The lines naming `dossier` (as `written`) between bytes `from` and `end`,
/// as (offset, number), in order: found on the raw bytes (inside a string a
/// quote is escaped, so `"dossier":"<id>"` is the member or a fact's), each
/// confirmed by reading its line.
fn lines_about(
    medium: &dyn crate::store::medium::LogMedium,
    from: u64,
    end: u64,
    written: &str,
) -> Result<Vec<(u64, u64)>> {
    let needle = format!("\"dossier\":\"{written}\"");
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let mut found = Vec::new();
    each_line(medium, from, end, |at, line| {
        if finder.find(line).is_none() {
            return Ok(());
        }
        if let Ok(Shape::Entry {
            seq,
            dossier: Some(d),
            ..
        }) = crate::audit::line::check(line)
        {
            if d.of(line) == written.as_bytes() {
                found.push((at, seq));
            }
        }
        Ok(())
    })?;
    Ok(found)
}

impl Vault {
    /// The number of the last line of the log naming `dossier` (0 for none),
    /// for the `dprev` of a line about to be written after `log`'s end; the
    /// caller holds the log's lock (and, in PostgreSQL, the vault's turn, so
    /// the log holds every other process's lines).
    ///
    /// Taken from the log, never from the index alone: the index's last line
    /// for the dossier is where the reading starts (a hint), and the log is
    /// read from there to its end for a later line naming it. A hint that is
    /// not a line naming the dossier (an index changed outside coffre), or no
    /// hint, makes the whole log read for the dossier; the second time in a
    /// process, for every dossier at once, and every dossier's last line is
    /// kept.
    pub(crate) fn last_line_about(&self, log: &AuditLog, dossier: &str) -> Result<u64> {
        let end = log.state().offset;
        let size = log.state().size;
        let medium = self.audit_medium.as_ref();
        let written = written(dossier)?;
        let mut trail = self
            .dossier_trail
            .lock()
            .map_err(|_| Error::AuditUnavailable(msg!("audit-log-lock-poisoned")))?;
        if let Some((chain, to, n)) = trail.whole.as_mut() {
            if *to <= end && *n <= size {
                let mut seq = *n;
                each_line(medium, *to, end, |_, line| {
                    seq += 1;
                    chain.see(seq, line, false)
                })?;
                *to = end;
                *n = size;
                return Ok(chain.last(written.as_bytes()));
            }
            trail.whole = None;
        }
        if let Some(&(last, to)) = trail.one.get(dossier) {
            if to <= end {
                let later = lines_about(medium, to, end, &written)?;
                let last = later.last().map_or(last, |l| l.1);
                trail.one.insert(dossier.to_string(), (last, end));
                return Ok(last);
            }
        }
        let hint = self
            .audit_offsets('d', dossier)
            .ok()
            .and_then(|pairs| pairs.last().copied());
        if let Some((seq, offset)) = hint.filter(|h| h.1 < end) {
            let later = lines_about(medium, offset, end, &written)?;
            if later.first() == Some(&(offset, seq)) {
                let last = later.last().map_or(seq, |l| l.1);
                trail.one.insert(dossier.to_string(), (last, end));
                return Ok(last);
            }
        }
        if trail.whole_reads == 0 {
            // The first dossier looked for in the whole log: its lines only,
            // on the raw bytes (a command that names one new dossier).
            trail.whole_reads += 1;
            let last = lines_about(medium, 0, end, &written)?
                .last()
                .map_or(0, |l| l.1);
            trail.one.insert(dossier.to_string(), (last, end));
            return Ok(last);
        }
        // Another: every dossier's last line at once, kept (a bulk import,
        // a server creating dossiers).
        let mut chain = Chain::new();
        let mut seq = 0;
        each_line(medium, 0, end, |_, line| {
            seq += 1;
            chain.see(seq, line, false)
        })?;
        let last = chain.last(written.as_bytes());
        trail.whole = Some((chain, end, size));
        Ok(last)
    }

    /// Checks the dossier chain of the lines an opening found beyond the
    /// recorded end (a crash, or lines appended outside Coffre), in log
    /// order, before they are taken in and anything is written after them: each `dprev` must be the
    /// last line naming its dossier before it — read from the log, never from
    /// the index alone — or a line in a prune's range after it (it may be a
    /// pruned line), and no line of format 2 or 3 may follow one of format 4
    /// or 5 among them or just before them.
    ///
    /// Errors: [`Error::Integrity`] naming the line, as a verifier does.
    pub(crate) fn check_taken_in(&self, found: &[crate::audit::Located]) -> Result<()> {
        let Some(first) = found.first() else {
            return Ok(());
        };
        let start = first.offset;
        let medium = self.audit_medium.as_ref();
        let mut chained = start > 0 && self.chained_before(start)?;
        let mut last: HashMap<String, u64> = HashMap::new();
        for l in found {
            let e = &l.entry;
            if !crate::audit::line::chains_dossier(e.v) {
                if chained {
                    return Err(Error::Integrity(msg!(
                        "audit-format-downgrade",
                        seq = e.seq,
                        v = e.v
                    )));
                }
            } else {
                chained = true;
            }
            let (Some(d), Dprev::Seq(p)) = (&e.dossier, e.dprev) else {
                if let Some(d) = &e.dossier {
                    last.insert(d.clone(), e.seq);
                }
                continue;
            };
            let expected = match last.get(d) {
                Some(s) => *s,
                None => {
                    let written = written(d)?;
                    let hint = self
                        .audit_offsets('d', d)
                        .ok()
                        .and_then(|pairs| pairs.into_iter().rfind(|p| p.1 < start));
                    let from_hint = match hint {
                        Some((seq, offset)) => {
                            let later = lines_about(medium, offset, start, &written)?;
                            (later.first() == Some(&(offset, seq)))
                                .then(|| later.last().map_or(seq, |h| h.1))
                        }
                        None => None,
                    };
                    match from_hint {
                        Some(s) => s,
                        None => lines_about(medium, 0, start, &written)?
                            .last()
                            .map_or(0, |h| h.1),
                    }
                }
            };
            let fits = p == expected || (p > expected && p < e.seq && self.in_a_prune(p)?);
            if !fits {
                return Err(Error::Integrity(msg!(
                    "audit-dprev-wrong",
                    seq = e.seq,
                    dossier = d.clone(),
                    dprev = p,
                    expected = expected
                )));
            }
            last.insert(d.clone(), e.seq);
        }
        Ok(())
    }

    /// Whether the line that ends at byte `end` is of format 4 or 5 (a log
    /// with no downgrade then holds no line of format 2 or 3 after it). A
    /// pruned line tells nothing: `false`, and the verifiers judge.
    fn chained_before(&self, end: u64) -> Result<bool> {
        let medium = self.audit_medium.as_ref();
        let from = end.saturating_sub(crate::audit::MAX_LINE as u64);
        let mut buf = vec![0u8; (end - from) as usize];
        let mut got = 0;
        while got < buf.len() {
            let n = medium.read_at(from + got as u64, &mut buf[got..])?;
            if n == 0 {
                break;
            }
            got += n;
        }
        buf.truncate(got);
        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let line = match memchr::memrchr(b'\n', body) {
            Some(i) => &body[i + 1..],
            None => body,
        };
        Ok(
            crate::audit::line::links(line)
                .is_some_and(|l| crate::audit::line::chains_dossier(l.v)),
        )
    }

    /// Forgets what this process kept of the dossier chains.
    pub(crate) fn forget_dossier_trail(&self) -> Result<()> {
        let mut trail = self
            .dossier_trail
            .lock()
            .map_err(|_| Error::AuditUnavailable(msg!("audit-log-lock-poisoned")))?;
        *trail = DossierTrail::default();
        Ok(())
    }

    /// Whether line `seq` lies in the range of a prune of the access trail
    /// (it may have been pruned, and lost its dossier).
    fn in_a_prune(&self, seq: u64) -> Result<bool> {
        let guard = self.rights_lock()?;
        Ok(guard.as_ref().is_some_and(|v| {
            v.register
                .prunes
                .iter()
                .any(|p| p.first <= seq && seq <= p.last)
        }))
    }

    /// Starts the walk of `dossier`'s history, its entries read from the
    /// index in order ([`ChainWalk::take`]).
    pub(crate) fn chain_walk<'v>(&'v self, dossier: &str) -> ChainWalk<'v> {
        ChainWalk {
            vault: self,
            dossier: dossier.to_string(),
            below: 0,
            fault: None,
        }
    }
}

/// The walk of a dossier's history down its chain, made on the entries the
/// index gives, oldest first (as they are read, in batches): from the newest
/// down, each line's `dprev` must be the number of the next entry the index
/// gives — or 0 when there is none. The walk stops at a line of format 2 or 3
/// (written before the chain) and at a pruned line; a fault below a stop
/// counts for nothing, the fault nearest the newest line is the one named.
pub(crate) struct ChainWalk<'v> {
    vault: &'v Vault,
    dossier: String,
    /// The number of the entry taken last (0 before the first).
    below: u64,
    /// The fault nearest the newest line so far.
    fault: Option<Error>,
}

impl ChainWalk<'_> {
    /// Takes the next entries the index gives for the dossier, oldest first.
    pub(crate) fn take(&mut self, entries: &[AuditEntry]) -> Result<()> {
        for e in entries {
            let record = |seq: u64| format!("ax/d/{}/{seq:016x}", self.dossier);
            match e.dprev {
                Dprev::Absent | Dprev::Null => self.fault = None,
                Dprev::Seq(p) if p == self.below => {}
                Dprev::Seq(p) if p < self.below => {
                    self.fault = Some(Error::Integrity(msg!(
                        "audit-index-off-chain",
                        record = record(self.below)
                    )));
                }
                Dprev::Seq(p) => {
                    self.fault = if self.vault.in_a_prune(p)? {
                        None
                    } else {
                        Some(Error::Integrity(msg!(
                            "audit-index-missing",
                            record = record(p)
                        )))
                    };
                }
            }
            self.below = e.seq;
        }
        Ok(())
    }

    /// The end of the walk: the fault it found, if any.
    ///
    /// Errors: [`Error::Integrity`] naming the index record missing
    /// (`audit-index-missing`) or off the chain (`audit-index-off-chain`).
    pub(crate) fn finish(self) -> Result<()> {
        match self.fault {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
