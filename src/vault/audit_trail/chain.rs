//! Each dossier's lines as the log chains them (`dprev`, see
//! [`crate::audit::chain`]): the writer's number for a new line, taken from
//! the log, and the readers' walk of a dossier's history against the index.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::sync::atomic::Ordering;

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

/// Reads the lines of `vault`'s audit log from byte `from` up to byte `end`, giving each
/// with its offset.
fn each_line(
    vault: &Vault,
    from: u64,
    end: u64,
    mut f: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<()> {
    let medium = vault.audit_medium.as_ref();
    vault
        .chain_bytes_read
        .fetch_add(end.saturating_sub(from), Ordering::Relaxed);
    let io = |e| Error::io(msg!("cannot-read-audit-log"), e);
    let mut file = crate::store::medium::reader(medium);
    file.seek(SeekFrom::Start(from)).map_err(io)?;
    // No larger than the span read: a writer's tail read is a line or two,
    // and a 1 MiB buffer is zeroed on its first fill at every write.
    let span = usize::try_from(end.saturating_sub(from)).unwrap_or(usize::MAX);
    let mut reader = BufReader::with_capacity(span.clamp(4096, 1 << 20), file);
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
fn lines_about(vault: &Vault, from: u64, end: u64, written: &str) -> Result<Vec<(u64, u64)>> {
    let needle = format!("\"dossier\":\"{written}\"");
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let mut found = Vec::new();
    each_line(vault, from, end, |at, line| {
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

/// The last line naming each dossier of `wanted` (as written → its index
/// hint, (number, offset)) from its hint to byte `end`, all in one read of
/// the log from the lowest hint. A dossier whose hint is not a line naming
/// it (an index changed outside coffre) is left out of the answer.
fn tails(
    vault: &Vault,
    end: u64,
    wanted: &HashMap<Vec<u8>, (u64, u64)>,
) -> Result<HashMap<Vec<u8>, u64>> {
    let Some(from) = wanted.values().map(|h| h.1).min() else {
        return Ok(HashMap::new());
    };
    // Per dossier: whether its hint was found, and its last line.
    let mut seen: HashMap<&[u8], (bool, u64)> = HashMap::new();
    each_line(vault, from, end, |at, line| {
        let Some(l) = crate::audit::line::links(line) else {
            return Ok(());
        };
        let Some(d) = l.dossier else {
            return Ok(());
        };
        if let Some((key, &(hseq, hoff))) = wanted.get_key_value(d) {
            if at >= hoff {
                let s = seen.entry(key.as_slice()).or_insert((false, 0));
                if at == hoff && l.seq == hseq {
                    s.0 = true;
                }
                s.1 = l.seq;
            }
        }
        Ok(())
    })?;
    Ok(seen
        .into_iter()
        .filter(|(_, (ok, _))| *ok)
        .map(|(d, (_, last))| (d.to_vec(), last))
        .collect())
}

/// Line `seq` of the log, read backwards from byte `end`, where the line
/// after line `end_seq` begins (`seq` ≤ `end_seq`): the cost is the lines
/// between them, not the log.
fn line_back(vault: &Vault, end: u64, end_seq: u64, seq: u64) -> Result<Vec<u8>> {
    let medium = vault.audit_medium.as_ref();
    let k = (end_seq + 1).saturating_sub(seq) as usize;
    let mut buf: Vec<u8> = Vec::new();
    let mut pos = end;
    let mut chunk = 64 * 1024u64;
    loop {
        // Newlines from the end: the k-th ends line `seq`, the (k+1)-th
        // ends the line before it.
        let nl: Vec<usize> = memchr::memrchr_iter(b'\n', &buf).take(k + 1).collect();
        if k >= 1 && (nl.len() > k || (pos == 0 && nl.len() == k)) {
            let start = nl.get(k).map_or(0, |i| i + 1);
            return Ok(buf[start..nl[k - 1]].to_vec());
        }
        if pos == 0 || k == 0 {
            return Err(Error::Integrity(msg!("audit-index-points-past-end-log")));
        }
        let from = pos.saturating_sub(chunk);
        let mut more = vec![0u8; (pos - from) as usize];
        let mut got = 0;
        while got < more.len() {
            let n = medium.read_at(from + got as u64, &mut more[got..])?;
            if n == 0 {
                return Err(Error::Integrity(msg!("audit-index-points-past-end-log")));
            }
            got += n;
        }
        vault
            .chain_bytes_read
            .fetch_add(pos - from, Ordering::Relaxed);
        more.extend_from_slice(&buf);
        buf = more;
        pos = from;
        chunk = chunk.saturating_mul(2);
    }
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
        let written = written(dossier)?;
        let mut trail = self
            .dossier_trail
            .lock()
            .map_err(|_| Error::AuditUnavailable(msg!("audit-log-lock-poisoned")))?;
        if let Some((chain, to, n)) = trail.whole.as_mut() {
            if *to <= end && *n <= size {
                let mut seq = *n;
                each_line(self, *to, end, |_, line| {
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
                let later = lines_about(self, to, end, &written)?;
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
            let later = lines_about(self, offset, end, &written)?;
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
            let last = lines_about(self, 0, end, &written)?
                .last()
                .map_or(0, |l| l.1);
            trail.one.insert(dossier.to_string(), (last, end));
            return Ok(last);
        }
        // Another: every dossier's last line at once, kept (a bulk import,
        // a server creating dossiers).
        let mut chain = Chain::new();
        let mut seq = 0;
        each_line(self, 0, end, |_, line| {
            seq += 1;
            chain.see(seq, line, false)
        })?;
        let last = chain.last(written.as_bytes());
        trail.whole = Some((chain, end, size));
        Ok(last)
    }

    /// [`Vault::last_line_about`] for every dossier a durable step names,
    /// with one read of the log for them all: the dossiers the process
    /// knows nothing of yet whose index gives a hint are read together, from
    /// the lowest hint to the end (a name search matching many dossiers, an
    /// import into existing ones), instead of once each.
    pub(crate) fn last_lines_about(
        &self,
        log: &AuditLog,
        dossiers: &[String],
    ) -> Result<HashMap<String, u64>> {
        let end = log.state().offset;
        let size = log.state().size;
        let mut wanted: HashMap<Vec<u8>, (u64, u64)> = HashMap::new();
        let mut names: HashMap<Vec<u8>, String> = HashMap::new();
        {
            let trail = self
                .dossier_trail
                .lock()
                .map_err(|_| Error::AuditUnavailable(msg!("audit-log-lock-poisoned")))?;
            let whole = trail
                .whole
                .as_ref()
                .is_some_and(|(_, to, n)| *to <= end && *n <= size);
            for d in dossiers {
                if whole || trail.one.get(d).is_some_and(|(_, to)| *to <= end) {
                    continue;
                }
                let hint = self
                    .audit_offsets('d', d)
                    .ok()
                    .and_then(|pairs| pairs.last().copied());
                if let Some(h) = hint.filter(|h| h.1 < end) {
                    let w = written(d)?.into_bytes();
                    wanted.insert(w.clone(), h);
                    names.insert(w, d.clone());
                }
            }
        }
        if wanted.len() > 1 {
            let found = tails(self, end, &wanted)?;
            let mut trail = self
                .dossier_trail
                .lock()
                .map_err(|_| Error::AuditUnavailable(msg!("audit-log-lock-poisoned")))?;
            for (w, last) in found {
                if let Some(d) = names.remove(&w) {
                    trail.one.insert(d, (last, end));
                }
            }
        }
        // Each answered from what is kept now (a read of no length), or
        // looked for alone (no hint, or a hint that is not its line).
        let mut out = HashMap::new();
        for d in dossiers {
            if !out.contains_key(d) {
                out.insert(d.clone(), self.last_line_about(log, d)?);
            }
        }
        Ok(out)
    }

    /// The last line before byte `end` naming each of `dossiers` (0 for
    /// none), read from the log, the index giving hints: the hinted ones in
    /// one read from the lowest hint, and, when more than one has no usable
    /// hint, every dossier's last line in one pass over the log up to `end`.
    fn lasts_before(&self, end: u64, dossiers: &[String]) -> Result<HashMap<String, u64>> {
        let mut out = HashMap::new();
        let mut wanted: HashMap<Vec<u8>, (u64, u64)> = HashMap::new();
        let mut names: HashMap<Vec<u8>, String> = HashMap::new();
        for d in dossiers {
            let hint = self
                .audit_offsets('d', d)
                .ok()
                .and_then(|pairs| pairs.into_iter().rfind(|p| p.1 < end));
            if let Some(h) = hint {
                let w = written(d)?.into_bytes();
                wanted.insert(w.clone(), h);
                names.insert(w, d.clone());
            }
        }
        if wanted.len() > 1 {
            for (w, last) in tails(self, end, &wanted)? {
                if let Some(d) = names.get(&w) {
                    out.insert(d.clone(), last);
                }
            }
        } else if let Some((w, &(seq, offset))) = wanted.iter().next() {
            let w = String::from_utf8_lossy(w).into_owned();
            let later = lines_about(self, offset, end, &w)?;
            if later.first() == Some(&(offset, seq)) {
                out.insert(
                    names[w.as_bytes()].clone(),
                    later.last().map_or(seq, |h| h.1),
                );
            }
        }
        let rest: Vec<&String> = dossiers.iter().filter(|d| !out.contains_key(*d)).collect();
        if rest.len() > 1 {
            let mut chain = Chain::new();
            let mut seq = 0;
            each_line(self, 0, end, |_, line| {
                seq += 1;
                chain.see(seq, line, false)
            })?;
            for d in rest {
                out.insert(d.clone(), chain.last(written(d)?.as_bytes()));
            }
        } else {
            for d in rest {
                let last = lines_about(self, 0, end, &written(d)?)?
                    .last()
                    .map_or(0, |h| h.1);
                out.insert(d.clone(), last);
            }
        }
        Ok(out)
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
        let mut chained = start > 0 && self.chained_before(start)?;
        // The dossiers whose first line here carries a `dprev`: their last
        // line before these, all read at once.
        let mut seen = std::collections::HashSet::new();
        let mut need = Vec::new();
        for l in found {
            if let Some(d) = &l.entry.dossier {
                if seen.insert(d.as_str()) && matches!(l.entry.dprev, Dprev::Seq(_)) {
                    need.push(d.clone());
                }
            }
        }
        let before = self.lasts_before(start, &need)?;
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
            let expected = match last.get(d).or_else(|| before.get(d)) {
                Some(s) => *s,
                None => 0,
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
    /// index in order ([`ChainWalk::take`]), anchored on the log: the last
    /// line naming the dossier, read from the log as the writer reads it
    /// ([`Vault::last_line_about`]) before the index is read, must be
    /// indexed (or newer entries chained above it), so no reader depends on
    /// having written its own line about the dossier first.
    pub(crate) fn chain_walk<'v>(&'v self, dossier: &str) -> Result<ChainWalk<'v>> {
        let (top, end, end_seq) = {
            let log = self.log()?;
            let top = self.last_line_about(&log, dossier)?;
            (top, log.state().offset, log.state().size)
        };
        Ok(ChainWalk {
            vault: self,
            dossier: dossier.to_string(),
            top,
            end,
            end_seq,
            below: 0,
            fault: None,
        })
    }

    /// Whether line `p`, unindexed and named as `dprev` by line `seq`
    /// (which begins at byte `at`) of `dossier`'s history, is a pruned line
    /// (`None`), or the fault to name: a line in no prune's range, or a kept
    /// line (a prune's range spans facts and other dossiers' lines it never
    /// prunes) — read from the log, backwards from `at`.
    fn gap(&self, dossier: &str, p: u64, seq: u64, at: u64, below: u64) -> Result<Option<Error>> {
        let missing = || {
            Error::Integrity(msg!(
                "audit-index-missing",
                record = format!("ax/d/{dossier}/{p:016x}")
            ))
        };
        if !self.in_a_prune(p)? {
            return Ok(Some(missing()));
        }
        let line = line_back(self, at, seq.saturating_sub(1), p)?;
        if crate::audit::prune::is_pruned(&line) {
            return Ok(None);
        }
        let w = written(dossier)?;
        let names = crate::audit::line::links(&line)
            .is_some_and(|l| l.seq == p && l.dossier == Some(w.as_bytes()));
        Ok(Some(if names {
            missing()
        } else {
            Error::Integrity(msg!(
                "audit-dprev-wrong",
                seq = seq,
                dossier = dossier.to_string(),
                dprev = p,
                expected = below
            ))
        }))
    }
}

/// The walk of a dossier's history down its chain, made on the entries the
/// index gives, oldest first (as they are read, in batches): from the newest
/// down, each line's `dprev` must be the number of the next entry the index
/// gives — or 0 when there is none — or a pruned line (read from the log);
/// and the newest entry must be the last line naming the dossier as read
/// from the log when the walk began. The walk stops at a line of format 2
/// or 3 (written before the chain) and at a pruned line; a fault below a
/// stop counts for nothing, the fault nearest the newest line is the one
/// named.
pub(crate) struct ChainWalk<'v> {
    vault: &'v Vault,
    dossier: String,
    /// The last line naming the dossier, read from the log (0 for none).
    top: u64,
    /// The log's end (bytes, lines) when `top` was read.
    end: u64,
    end_seq: u64,
    /// The number of the entry taken last (0 before the first).
    below: u64,
    /// The fault nearest the newest line so far.
    fault: Option<Error>,
}

impl ChainWalk<'_> {
    /// Takes the next entries the index gives for the dossier, oldest
    /// first, with the index's (number, offset) pairs they were read at.
    pub(crate) fn take(&mut self, entries: &[AuditEntry], pairs: &[(u64, u64)]) -> Result<()> {
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
                    let at = pairs
                        .binary_search_by_key(&e.seq, |x| x.0)
                        .map(|i| pairs[i].1)
                        .map_err(|_| {
                            Error::Integrity(msg!(
                                "audit-index-points-elsewhere",
                                record = record(e.seq)
                            ))
                        })?;
                    self.fault = self.vault.gap(&self.dossier, p, e.seq, at, self.below)?;
                }
            }
            self.below = e.seq;
        }
        Ok(())
    }

    /// The end of the walk: the fault it found, if any. The log's last line
    /// naming the dossier, above every entry the index gave, is the fault
    /// named first — unless it is a pruned line (what a process kept of the
    /// chain may name one).
    ///
    /// Errors: [`Error::Integrity`] naming the index record missing
    /// (`audit-index-missing`) or off the chain (`audit-index-off-chain`).
    pub(crate) fn finish(self) -> Result<()> {
        if self.top > self.below {
            let line = line_back(self.vault, self.end, self.end_seq, self.top)?;
            if !crate::audit::prune::is_pruned(&line) {
                return Err(Error::Integrity(msg!(
                    "audit-index-missing",
                    record = format!("ax/d/{}/{:016x}", self.dossier, self.top)
                )));
            }
        }
        match self.fault {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
