//! Each dossier's and each actor's lines as the log chains them (`dprev`
//! and `aprev`, see [`crate::audit::chain`]): the writer's numbers for a new
//! line, taken from the log, and the readers' walk of a dossier's or an
//! actor's history against the index.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::sync::atomic::Ordering;

use crate::audit::chain::Chain;
use crate::audit::line::{Links, Shape};
use crate::audit::{AuditEntry, AuditLog, Dprev, Named};
use crate::error::{Error, Result};
use crate::vault::Vault;

/// A dossier (`'d'`) or an actor (`'a'`) and its id: what the index keys
/// (`ax/{kind}/{id}/…`) and the log chains.
pub(crate) type Key = (char, String);

/// The key of what a line about to be written names.
pub(crate) fn key_of(n: Named<'_>) -> Key {
    match n {
        Named::Dossier(d) => ('d', d.to_string()),
        Named::Actor(a) => ('a', a.to_string()),
    }
}

/// What line `l` names of kind `kind`: its dossier (`'d'`) or its actor
/// (`'a'`), as written between the quotes.
fn named<'a>(l: &Links<'a>, kind: char) -> Option<&'a [u8]> {
    match kind {
        'd' => l.dossier,
        _ => Some(l.actor),
    }
}

/// The last line `chain` kept naming `w` (as written) of kind `kind`.
fn chain_last(chain: &Chain, kind: char, w: &[u8]) -> u64 {
    match kind {
        'd' => chain.last(w),
        _ => chain.last_by(w),
    }
}

/// What a process learnt of the log's dossier and actor chains, to spare
/// the next line about a dossier, or by an actor, a long read. Everything in
/// it was read from the log up to an offset; a use first reads the log from
/// there to its end (lines other processes appended included), so it stays
/// right however the log grew. Pruning rewrites lines in place: a number
/// kept here may then be a pruned line's, which every verifier accepts as
/// `dprev` or `aprev` (see [`Chain`]).
#[derive(Debug, Default)]
pub(crate) struct DossierTrail {
    /// Every dossier's and actor's last line, read from the whole log up to
    /// `.1` (bytes), which holds `.2` lines: made once a second dossier or
    /// actor had to be looked for in the whole log.
    whole: Option<(Chain, u64, u64)>,
    /// Per dossier or actor: its last line, read from the log up to the
    /// byte offset kept with it.
    one: HashMap<Key, (u64, u64)>,
    /// How many dossiers or actors were looked for in the whole log, one by one.
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

/// `id` as written between the quotes of a line (canonical JSON).
fn written(id: &str) -> Result<String> {
    let quoted = serde_json::to_string(id)
        .map_err(|e| Error::AuditUnavailable(msg!("cannot-encode-audit-entry", e = e)))?;
    Ok(quoted[1..quoted.len() - 1].to_string())
}

/// The lines naming `written` as their dossier (`kind` `'d'`) or actor
/// (`'a'`) between bytes `from` and `end`, as (offset, number), in order:
/// found on the raw bytes (inside a string a quote is escaped, so
/// `"dossier":"<id>"` is the member or a fact's), each confirmed by reading
/// its line.
fn lines_about(
    vault: &Vault,
    from: u64,
    end: u64,
    kind: char,
    written: &str,
) -> Result<Vec<(u64, u64)>> {
    let needle = match kind {
        'd' => format!("\"dossier\":\"{written}\""),
        _ => format!("\"actor\":\"{written}\""),
    };
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let mut found = Vec::new();
    each_line(vault, from, end, |at, line| {
        if finder.find(line).is_none() {
            return Ok(());
        }
        if let Ok(Shape::Entry {
            seq,
            dossier,
            actor,
            ..
        }) = crate::audit::line::check(line)
        {
            let span = match kind {
                'd' => dossier,
                _ => Some(actor),
            };
            if span.is_some_and(|d| d.of(line) == written.as_bytes()) {
                found.push((at, seq));
            }
        }
        Ok(())
    })?;
    Ok(found)
}

/// Where [`tails`] starts for one dossier or actor: at byte `at`, where
/// either the index's hint — line `hint`, which must be a line naming it —
/// or (`hint` `None`) what this process kept, `last`, read up to `at`.
#[derive(Clone, Copy, Debug)]
struct From {
    at: u64,
    hint: Option<u64>,
    last: u64,
}

/// The last line naming each of `wanted` (kind and id as written → where
/// to start) from its start to byte `end`, all in one read of the log from
/// the lowest start. One whose hint is not a line naming it (an index
/// changed outside coffre) is left out of the answer.
fn tails(
    vault: &Vault,
    end: u64,
    wanted: &HashMap<(char, Vec<u8>), From>,
) -> Result<HashMap<(char, Vec<u8>), u64>> {
    let Some(from) = wanted.values().map(|h| h.at).min() else {
        return Ok(HashMap::new());
    };
    // Per key: whether its start was found, and its last line.
    let mut seen: HashMap<(char, Vec<u8>), (bool, u64)> = wanted
        .iter()
        .map(|(k, f)| (k.clone(), (f.hint.is_none(), f.last)))
        .collect();
    let mut probe: (char, Vec<u8>) = ('d', Vec::new());
    // For a few keys (a line's actor and dossier), only the lines holding
    // one of their members as written are read further: found on the raw
    // bytes, as [`lines_about`] does.
    // Each from its own start: a member's recent start does not make every
    // line since a dossier's old one read further.
    let needles: Vec<(u64, Vec<u8>)> = wanted
        .iter()
        .map(|((kind, w), f)| {
            let mut n = match kind {
                'd' => b"\"dossier\":\"".to_vec(),
                _ => b"\"actor\":\"".to_vec(),
            };
            n.extend_from_slice(w);
            n.push(b'"');
            (f.at, n)
        })
        .collect();
    let finders: Vec<(u64, memchr::memmem::Finder<'_>)> = if needles.len() <= 8 {
        needles
            .iter()
            .map(|(at, n)| (*at, memchr::memmem::Finder::new(n)))
            .collect()
    } else {
        Vec::new()
    };
    each_line(vault, from, end, |at, line| {
        if !finders.is_empty()
            && !finders
                .iter()
                .any(|(start, f)| at >= *start && f.find(line).is_some())
        {
            return Ok(());
        }
        let Some(l) = crate::audit::line::links(line) else {
            return Ok(());
        };
        for kind in ['d', 'a'] {
            let Some(w) = named(&l, kind) else {
                continue;
            };
            probe.0 = kind;
            probe.1.clear();
            probe.1.extend_from_slice(w);
            let Some(f) = wanted.get(&probe) else {
                continue;
            };
            if at >= f.at {
                if let Some(s) = seen.get_mut(&probe) {
                    if at == f.at && f.hint == Some(l.seq) {
                        s.0 = true;
                    }
                    s.1 = l.seq;
                }
            }
        }
        Ok(())
    })?;
    Ok(seen
        .into_iter()
        .filter(|(_, (ok, _))| *ok)
        .map(|(k, (_, last))| (k, last))
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
    /// The number of the last line of the log naming `id` as its dossier
    /// (`kind` `'d'`) or its actor (`'a'`), 0 for none, for the `dprev` or
    /// `aprev` of a line about to be written after `log`'s end; the caller
    /// holds the log's lock (and, in PostgreSQL, the vault's turn, so the log
    /// holds every other process's lines).
    ///
    /// Taken from the log, never from the index alone: the index's last line
    /// for the dossier or actor is where the reading starts (a hint), and the
    /// log is read from there to its end for a later line naming it. A hint
    /// that is not a line naming it (an index changed outside coffre), or no
    /// hint, makes the whole log read for it; the second time in a process,
    /// for every dossier and actor at once, and every one's last line is
    /// kept.
    pub(crate) fn last_line_about(&self, log: &AuditLog, kind: char, id: &str) -> Result<u64> {
        let end = log.state().offset;
        let size = log.state().size;
        let written = written(id)?;
        let key: Key = (kind, id.to_string());
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
                return Ok(chain_last(chain, kind, written.as_bytes()));
            }
            trail.whole = None;
        }
        if let Some(&(last, to)) = trail.one.get(&key) {
            if to <= end {
                let later = lines_about(self, to, end, kind, &written)?;
                let last = later.last().map_or(last, |l| l.1);
                trail.one.insert(key, (last, end));
                return Ok(last);
            }
        }
        let hint = self.last_indexed(kind, id, size).ok().flatten();
        if let Some((seq, offset)) = hint.filter(|h| h.1 < end) {
            let later = lines_about(self, offset, end, kind, &written)?;
            if later.first() == Some(&(offset, seq)) {
                let last = later.last().map_or(seq, |l| l.1);
                trail.one.insert(key, (last, end));
                return Ok(last);
            }
        }
        if trail.whole_reads == 0 {
            // The first looked for in the whole log: its lines only, on the
            // raw bytes (a command that names one new dossier).
            trail.whole_reads += 1;
            let last = lines_about(self, 0, end, kind, &written)?
                .last()
                .map_or(0, |l| l.1);
            trail.one.insert(key, (last, end));
            return Ok(last);
        }
        // Another: every dossier's and actor's last line at once, kept (a
        // bulk import, a server creating dossiers).
        let mut chain = Chain::new();
        let mut seq = 0;
        each_line(self, 0, end, |_, line| {
            seq += 1;
            chain.see(seq, line, false)
        })?;
        let last = chain_last(&chain, kind, written.as_bytes());
        trail.whole = Some((chain, end, size));
        Ok(last)
    }

    /// [`Vault::last_line_about`] for every dossier and actor a durable step
    /// names, with one read of the log for them all: those the process kept
    /// (read up to an offset) and those whose index gives a hint are read
    /// together, from the lowest offset to the end (the actor and the
    /// dossier of one line, a name search matching many dossiers, an import
    /// into existing ones), instead of once each.
    pub(crate) fn last_lines_about(
        &self,
        log: &AuditLog,
        keys: &[Key],
    ) -> Result<HashMap<Key, u64>> {
        let end = log.state().offset;
        let size = log.state().size;
        let mut wanted: HashMap<(char, Vec<u8>), From> = HashMap::new();
        let mut names: HashMap<(char, Vec<u8>), Key> = HashMap::new();
        let mut out = HashMap::new();
        {
            let trail = self
                .dossier_trail
                .lock()
                .map_err(|_| Error::AuditUnavailable(msg!("audit-log-lock-poisoned")))?;
            let whole = trail
                .whole
                .as_ref()
                .is_some_and(|(_, to, n)| *to <= end && *n <= size);
            for k in keys {
                if whole {
                    break;
                }
                let from = match trail.one.get(k) {
                    Some(&(last, to)) if to <= end => Some(From {
                        at: to,
                        hint: None,
                        last,
                    }),
                    _ => self
                        .last_indexed(k.0, &k.1, size)
                        .ok()
                        .flatten()
                        .filter(|h| h.1 < end)
                        .map(|(seq, at)| From {
                            at,
                            hint: Some(seq),
                            last: 0,
                        }),
                };
                if let Some(f) = from {
                    let w = (k.0, written(&k.1)?.into_bytes());
                    wanted.insert(w.clone(), f);
                    names.insert(w, k.clone());
                }
            }
        }
        if !wanted.is_empty() {
            let found = tails(self, end, &wanted)?;
            let mut trail = self
                .dossier_trail
                .lock()
                .map_err(|_| Error::AuditUnavailable(msg!("audit-log-lock-poisoned")))?;
            for (w, last) in found {
                if let Some(k) = names.remove(&w) {
                    trail.one.insert(k.clone(), (last, end));
                    out.insert(k, last);
                }
            }
        }
        // The rest answered from the whole log's chain kept, or looked for
        // alone (no hint, or a hint that is not its line).
        for k in keys {
            if !out.contains_key(k) {
                let last = self.last_line_about(log, k.0, &k.1)?;
                out.insert(k.clone(), last);
            }
        }
        Ok(out)
    }

    /// The last line before byte `end` naming each of `keys` (0 for none),
    /// read from the log, the index giving hints: the hinted ones in one read
    /// from the lowest hint, and, when more than one has no usable hint,
    /// every dossier's and actor's last line in one pass over the log up to
    /// `end`.
    fn lasts_before(&self, end: u64, keys: &[Key]) -> Result<HashMap<Key, u64>> {
        let mut out = HashMap::new();
        let mut wanted: HashMap<(char, Vec<u8>), From> = HashMap::new();
        let mut names: HashMap<(char, Vec<u8>), Key> = HashMap::new();
        for k in keys {
            let hint = self
                .audit_offsets(k.0, &k.1)
                .ok()
                .and_then(|pairs| pairs.into_iter().rfind(|p| p.1 < end));
            if let Some((seq, at)) = hint {
                let w = (k.0, written(&k.1)?.into_bytes());
                wanted.insert(
                    w.clone(),
                    From {
                        at,
                        hint: Some(seq),
                        last: 0,
                    },
                );
                names.insert(w, k.clone());
            }
        }
        for (w, last) in tails(self, end, &wanted)? {
            if let Some(k) = names.get(&w) {
                out.insert(k.clone(), last);
            }
        }
        let rest: Vec<&Key> = keys.iter().filter(|k| !out.contains_key(*k)).collect();
        if rest.len() > 1 {
            let mut chain = Chain::new();
            let mut seq = 0;
            each_line(self, 0, end, |_, line| {
                seq += 1;
                chain.see(seq, line, false)
            })?;
            for k in rest {
                let last = chain_last(&chain, k.0, written(&k.1)?.as_bytes());
                out.insert(k.clone(), last);
            }
        } else {
            for k in rest {
                let last = lines_about(self, 0, end, k.0, &written(&k.1)?)?
                    .last()
                    .map_or(0, |h| h.1);
                out.insert(k.clone(), last);
            }
        }
        Ok(out)
    }

    /// Checks the dossier and actor chains of the lines an opening found
    /// beyond the recorded end (a crash, or lines appended outside Coffre),
    /// in log order, before they are taken in and anything is written after
    /// them: each `dprev` (`aprev`) must be the last line naming its dossier
    /// (actor) before it — read from the log, never from the index alone —
    /// or a line in a prune's range after it (it may be a pruned line), and
    /// no line of format 2 or 3 may follow one of format 4 to 7, nor one of
    /// format 2 to 5 one of format 6 or 7, among them or just before them.
    /// The dossiers and actors are all looked for in one read.
    ///
    /// Errors: [`Error::Integrity`] naming the line, as a verifier does.
    pub(crate) fn check_taken_in(&self, found: &[crate::audit::Located]) -> Result<()> {
        use crate::audit::line::{chains_actor, chains_dossier};
        let Some(first) = found.first() else {
            return Ok(());
        };
        let start = first.offset;
        let before_v = if start > 0 {
            self.format_before(start)?
        } else {
            None
        };
        let mut chained = before_v.is_some_and(chains_dossier);
        let mut actors_chained = before_v.is_some_and(chains_actor);
        // The dossiers and actors whose first line here carries a `dprev`
        // (`aprev`): their last line before these, all read at once.
        let mut seen = std::collections::HashSet::new();
        let mut need: Vec<Key> = Vec::new();
        for l in found {
            if let Some(d) = &l.entry.dossier {
                let k: Key = ('d', d.clone());
                if seen.insert(k.clone()) && matches!(l.entry.dprev, Dprev::Seq(_)) {
                    need.push(k);
                }
            }
            let k: Key = ('a', l.entry.actor.clone());
            if seen.insert(k.clone()) && l.entry.aprev.is_some() {
                need.push(k);
            }
        }
        let before = self.lasts_before(start, &need)?;
        let mut last: HashMap<Key, u64> = HashMap::new();
        for l in found {
            let e = &l.entry;
            if !chains_dossier(e.v) {
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
            if !chains_actor(e.v) {
                if actors_chained {
                    return Err(Error::Integrity(msg!(
                        "audit-actor-format-downgrade",
                        seq = e.seq,
                        v = e.v
                    )));
                }
            } else {
                actors_chained = true;
            }
            let ka: Key = ('a', e.actor.clone());
            if let Some(p) = e.aprev {
                let expected = last
                    .get(&ka)
                    .or_else(|| before.get(&ka))
                    .copied()
                    .unwrap_or(0);
                let fits = p == expected || (p > expected && p < e.seq && self.in_a_prune(p)?);
                if !fits {
                    return Err(Error::Integrity(msg!(
                        "audit-aprev-wrong",
                        seq = e.seq,
                        actor = e.actor.clone(),
                        aprev = p,
                        expected = expected
                    )));
                }
            }
            last.insert(ka, e.seq);
            let Some(d) = &e.dossier else {
                continue;
            };
            let kd: Key = ('d', d.clone());
            if let Dprev::Seq(p) = e.dprev {
                let expected = last
                    .get(&kd)
                    .or_else(|| before.get(&kd))
                    .copied()
                    .unwrap_or(0);
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
            }
            last.insert(kd, e.seq);
        }
        Ok(())
    }

    /// The format of the line that ends at byte `end` (a log with no
    /// downgrade then holds no line of an older chained format after it). A
    /// pruned line tells nothing: `None`, and the verifiers judge.
    fn format_before(&self, end: u64) -> Result<Option<u32>> {
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
        Ok(crate::audit::line::links(line).map(|l| l.v))
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

    /// Starts the walk of the history of `id`, a dossier (`kind` `'d'`) or
    /// an actor (`'a'`), its entries read from the index in order
    /// ([`ChainWalk::take`]), anchored on the log: the last line naming it,
    /// read from the log as the writer reads it ([`Vault::last_line_about`])
    /// before the index is read, must be indexed (or newer entries chained
    /// above it), so no reader depends on having written its own line first.
    pub(crate) fn chain_walk<'v>(&'v self, kind: char, id: &str) -> Result<ChainWalk<'v>> {
        let (top, end, end_seq) = {
            let log = self.log()?;
            let top = self.last_line_about(&log, kind, id)?;
            (top, log.state().offset, log.state().size)
        };
        Ok(ChainWalk {
            vault: self,
            kind,
            id: id.to_string(),
            top,
            end,
            end_seq,
            below: 0,
            fault: None,
        })
    }

    /// Whether line `p`, unindexed and named as `dprev` (`aprev`) by line
    /// `seq` (which begins at byte `at`) of the history of `id`, of `kind`,
    /// is a pruned line (`None`), or the fault to name: a line in no prune's
    /// range, or a kept line (a prune's range spans facts and other lines it
    /// never prunes) — read from the log, backwards from `at`.
    fn gap(
        &self,
        kind: char,
        id: &str,
        p: u64,
        seq: u64,
        at: u64,
        below: u64,
    ) -> Result<Option<Error>> {
        let missing = || missing(kind, id, p);
        if !self.in_a_prune(p)? {
            return Ok(Some(missing()));
        }
        let line = line_back(self, at, seq.saturating_sub(1), p)?;
        if crate::audit::prune::is_pruned(&line) {
            return Ok(None);
        }
        let w = written(id)?;
        let names = crate::audit::line::links(&line)
            .is_some_and(|l| l.seq == p && named(&l, kind) == Some(w.as_bytes()));
        Ok(Some(if names {
            missing()
        } else if kind == 'd' {
            Error::Integrity(msg!(
                "audit-dprev-wrong",
                seq = seq,
                dossier = id.to_string(),
                dprev = p,
                expected = below
            ))
        } else {
            Error::Integrity(msg!(
                "audit-aprev-wrong",
                seq = seq,
                actor = id.to_string(),
                aprev = p,
                expected = below
            ))
        }))
    }
}

/// The index record `ax/{kind}/{id}/{seq}`.
fn record(kind: char, id: &str, seq: u64) -> String {
    format!("ax/{kind}/{id}/{seq:016x}")
}

/// The index record of line `seq` of `id`'s history, missing.
fn missing(kind: char, id: &str, seq: u64) -> Error {
    let record = record(kind, id, seq);
    Error::Integrity(if kind == 'd' {
        msg!("audit-index-missing", record = record)
    } else {
        msg!("audit-actor-index-missing", record = record)
    })
}

/// The walk of a dossier's or an actor's history down its chain, made on
/// the entries the index gives, oldest first (as they are read, in
/// batches): from the newest down, each line's `dprev` (`aprev`) must be the
/// number of the next entry the index gives — or 0 when there is none — or
/// a pruned line (read from the log); and the newest entry must be the last
/// line naming the dossier (actor) as read from the log when the walk
/// began. The walk stops at a line of a format without the chain (written
/// before it) and at a pruned line; a fault below a stop counts for nothing,
/// the fault nearest the newest line is the one named.
pub(crate) struct ChainWalk<'v> {
    vault: &'v Vault,
    /// `'d'` (a dossier's history, `dprev`) or `'a'` (an actor's, `aprev`).
    kind: char,
    id: String,
    /// The last line naming the dossier or actor, read from the log (0 for none).
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
    /// Takes the next entries the index gives, oldest first, with the
    /// index's (number, offset) pairs they were read at.
    pub(crate) fn take(&mut self, entries: &[AuditEntry], pairs: &[(u64, u64)]) -> Result<()> {
        for e in entries {
            let prev = match self.kind {
                'd' => e.dprev.seq(),
                _ => e.aprev,
            };
            match prev {
                None => self.fault = None,
                Some(p) if p == self.below => {}
                Some(p) if p < self.below => {
                    let record = record(self.kind, &self.id, self.below);
                    self.fault = Some(Error::Integrity(if self.kind == 'd' {
                        msg!("audit-index-off-chain", record = record)
                    } else {
                        msg!("audit-actor-index-off-chain", record = record)
                    }));
                }
                Some(p) => {
                    let at = pairs
                        .binary_search_by_key(&e.seq, |x| x.0)
                        .map(|i| pairs[i].1)
                        .map_err(|_| {
                            Error::Integrity(msg!(
                                "audit-index-points-elsewhere",
                                record = record(self.kind, &self.id, e.seq)
                            ))
                        })?;
                    self.fault = self
                        .vault
                        .gap(self.kind, &self.id, p, e.seq, at, self.below)?;
                }
            }
            self.below = e.seq;
        }
        Ok(())
    }

    /// The end of the walk: the fault it found, if any. The log's last line
    /// naming the dossier or actor, above every entry the index gave, is the
    /// fault named first — unless it is a pruned line (what a process kept
    /// of the chain may name one).
    ///
    /// Errors: [`Error::Integrity`] naming the index record missing
    /// (`audit-index-missing`, `audit-actor-index-missing`) or off the chain
    /// (`audit-index-off-chain`, `audit-actor-index-off-chain`).
    pub(crate) fn finish(self) -> Result<()> {
        if self.top > self.below {
            let line = line_back(self.vault, self.end, self.end_seq, self.top)?;
            if !crate::audit::prune::is_pruned(&line) {
                return Err(missing(self.kind, &self.id, self.top));
            }
        }
        match self.fault {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Vault {
    /// Starts the walk of the latest lines of `id`'s history — a dossier
    /// (`kind` `'d'`) or an actor (`'a'`) — newest first
    /// ([`ChainWalkDown::take`]), anchored on the log like
    /// [`Vault::chain_walk`]: for a reader that wants only the latest lines
    /// (the home page's recent dossiers) or those after a line it already
    /// knows (the second factor's codes used since its cache).
    pub(crate) fn chain_walk_down<'v>(&'v self, kind: char, id: &str) -> Result<ChainWalkDown<'v>> {
        let (top, end, end_seq) = {
            let log = self.log()?;
            let top = self.last_line_about(&log, kind, id)?;
            (top, log.state().offset, log.state().size)
        };
        Ok(ChainWalkDown {
            vault: self,
            kind,
            id: id.to_string(),
            top,
            end,
            end_seq,
            newer: None,
            stopped: false,
        })
    }
}

/// The walk of a dossier's or an actor's history down its chain from the
/// newest line, on the entries the index gives newest first: the newest
/// entry must be at least the log's last line naming it (read when the walk
/// began), and each entry must be the line the newer one names as its
/// `dprev` (`aprev`), unless that line is pruned. The walk stops at a line
/// of a format without the chain and at a pruned line (below them, the
/// index cannot be checked against the chain); the first fault met, the
/// nearest the newest line, is returned at once.
pub(crate) struct ChainWalkDown<'v> {
    vault: &'v Vault,
    kind: char,
    id: String,
    /// The last line naming the dossier or actor, read from the log (0 for none).
    top: u64,
    /// The log's end (bytes, lines) when `top` was read.
    end: u64,
    end_seq: u64,
    /// The entry taken last: its number, offset and the line it names as
    /// its previous one.
    newer: Option<(u64, u64, u64)>,
    /// Whether the walk met a stop.
    stopped: bool,
}

impl ChainWalkDown<'_> {
    /// Whether line `x`, which the entry `newer` names as its previous one
    /// but the index does not give, is a pruned line (the walk then stops),
    /// or the fault to name; `found` is the number of the entry the index
    /// gives in its place (0 for none).
    fn missing_line(&mut self, x: u64, found: u64) -> Result<()> {
        let fault = match self.newer {
            Some((seq, at, _)) => self.vault.gap(self.kind, &self.id, x, seq, at, found)?,
            None => {
                let line = line_back(self.vault, self.end, self.end_seq, x)?;
                (!crate::audit::prune::is_pruned(&line)).then(|| missing(self.kind, &self.id, x))
            }
        };
        match fault {
            Some(e) => Err(e),
            None => {
                self.stopped = true;
                Ok(())
            }
        }
    }

    /// Takes the next entries the index gives, newest first, with the
    /// index's (number, offset) pairs they were read at (in any order).
    ///
    /// Errors: [`Error::Integrity`] naming the index record missing or off
    /// the chain, as [`ChainWalk::finish`].
    pub(crate) fn take(&mut self, entries: &[AuditEntry], pairs: &[(u64, u64)]) -> Result<()> {
        for e in entries {
            if self.stopped {
                return Ok(());
            }
            let expect = match self.newer {
                Some((_, _, p)) => p,
                None => self.top,
            };
            if e.seq > expect && self.newer.is_some() {
                return Err(off_chain(self.kind, &self.id, e.seq));
            }
            if e.seq < expect {
                self.missing_line(expect, e.seq)?;
                if self.stopped {
                    return Ok(());
                }
            }
            let prev = match self.kind {
                'd' => e.dprev.seq(),
                _ => e.aprev,
            };
            let Some(p) = prev else {
                self.stopped = true;
                return Ok(());
            };
            let at = pairs
                .iter()
                .find(|x| x.0 == e.seq)
                .map(|x| x.1)
                .ok_or_else(|| {
                    Error::Integrity(msg!(
                        "audit-index-points-elsewhere",
                        record = record(self.kind, &self.id, e.seq)
                    ))
                })?;
            self.newer = Some((e.seq, at, p));
        }
        Ok(())
    }

    /// The end of the walk, the index having given no entry below the last
    /// one taken but `floor` (0 for none): the line the last entry names as
    /// its previous one must be `floor`, or a pruned line; `floor` itself may
    /// be pruned since, and then be named by no later line.
    ///
    /// Errors: [`Error::Integrity`] naming the index record missing or off
    /// the chain.
    pub(crate) fn finish(mut self, floor: u64) -> Result<()> {
        if self.stopped {
            return Ok(());
        }
        let expect = match self.newer {
            Some((_, _, p)) => p,
            None => self.top,
        };
        if expect > floor {
            return self.missing_line(expect, floor);
        }
        if expect < floor {
            // The line `floor` was pruned before the next line was written?
            let (seq, at) = match self.newer {
                Some((seq, at, _)) => (seq.saturating_sub(1), at),
                None => (self.end_seq, self.end),
            };
            let line = line_back(self.vault, at, seq, floor)?;
            if !crate::audit::prune::is_pruned(&line) {
                return Err(off_chain(self.kind, &self.id, floor));
            }
        }
        Ok(())
    }
}

/// The index record of line `seq` of `id`'s history, off its chain.
fn off_chain(kind: char, id: &str, seq: u64) -> Error {
    let record = record(kind, id, seq);
    Error::Integrity(if kind == 'd' {
        msg!("audit-index-off-chain", record = record)
    } else {
        msg!("audit-actor-index-off-chain", record = record)
    })
}
