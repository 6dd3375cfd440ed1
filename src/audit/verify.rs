//! Offline verification of a vault's audit log: every entry, every link, every
//! checkpoint signature, the Merkle root at every checkpoint, the state recorded in
//! the store and — given an earlier checkpoint kept off the machine — a consistency
//! proof that today's log extends it. Needs no secret: only public keys.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use super::checkpoint::{log_origin, Checkpoint, Form, SignatureCheck};
use super::entry::genesis;
use super::log::LogState;
use super::log::MAX_LINE;
use super::merkle::{consistency_proof, root_of, verify_consistency, Hash, Tree};
use super::prune::{is_pruned, line_leaf};
use super::tally::Tally;
use crate::error::{Error, Result};

/// What verification needs besides the log file.
#[derive(Debug)]
pub struct VerifyInput<'a> {
    /// The vault id.
    pub vault_id: &'a str,
    /// The signed checkpoints, oldest first.
    pub checkpoints: &'a [Checkpoint],
    /// Each staff member's checkpoint-signing public keys (current and earlier).
    pub signers: &'a HashMap<String, Vec<[u8; 32]>>,
    /// When known (from the log's own facts), the sizes each key may sign:
    /// `(from, until, key)`, a checkpoint of size `s` verifying under `key` only
    /// if `from <= s < until` (a recovered member's old key signs nothing after
    /// the recovery, a revoked member's nothing after the revocation).
    pub key_windows: Option<&'a HashMap<String, Vec<(u64, u64, [u8; 32])>>>,
    /// The state the store recorded, if available.
    pub recorded: Option<&'a LogState>,
    /// An earlier checkpoint the log must extend.
    pub since: Option<&'a Checkpoint>,
}

/// What a successful verification found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifySummary {
    /// Number of entries.
    pub entries: u64,
    /// Merkle root of all entries.
    pub root: Hash,
    /// Number of checkpoints verified.
    pub checkpoints: usize,
    /// Entries covered by the latest checkpoint.
    pub signed: u64,
    /// With `since`: its size and the length of the consistency proof checked.
    pub since: Option<(u64, usize)>,
    /// Things the DPO should know that are not failures (entries taken in
    /// without a signer's voucher).
    pub warnings: Vec<String>,
    /// Pruned lines found (each covered by its prune fact).
    pub pruned: u64,
    /// The prunes recorded in the log, oldest first.
    pub prunes: Vec<super::prune::PruneSeen>,
}

/// What [`Scan::each`] is called with: (number, line without its newline,
/// leaf hash).
pub type EachLine<'a> = dyn FnMut(u64, &[u8], &Hash) -> Result<()> + 'a;

/// Work a caller wants done on the log's lines in the same pass as
/// [`verify_log_with`], instead of reading the log again.
#[derive(Default)]
pub struct Scan<'a> {
    /// Called on every line in log order, once its form, number and link
    /// are checked, with (number, line without its newline, leaf hash). Its
    /// error ends the verification.
    pub each: Option<&'a mut EachLine<'a>>,
    /// `(tally, end)`: every line that starts before byte `end` is counted
    /// into `tally` ([`Tally::add_line`]: what the audit index must hold).
    pub tally: Option<(&'a mut Tally, u64)>,
    /// The checkpoints' signatures are left to the caller, who learns the
    /// signers from the lines (`each` replays the register's facts) and then
    /// calls [`check_checkpoints`]. Their order and the roots they sign are
    /// still checked here.
    pub signatures_later: bool,
}

/// Bytes read per step; lines are hashed in parallel within a step.
const CHUNK: usize = 8 << 20;

/// Appends up to `want` bytes from `file` to `buf`; returns how many were read.
fn fill(file: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> Result<usize> {
    let start = buf.len();
    buf.resize(start + want, 0);
    let mut got = 0;
    while got < want {
        match file.read(&mut buf[start + got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                buf.truncate(start);
                return Err(Error::io(msg!("cannot-read-audit-log"), e));
            }
        }
    }
    buf.truncate(start + got);
    Ok(got)
}

/// Width of the aligned perfect subtrees hashed in parallel.
const BLOCK: u64 = 256;

/// Roots of the aligned perfect subtrees of `BLOCK` leaves lying wholly in
/// `leaves` (whose first leaf has global index `base`), keyed by global index of
/// their first leaf; blocks containing a `stop` strictly inside are left out.
fn block_roots(
    base: u64,
    leaves: &[Hash],
    stops: &[u64],
    threads: usize,
) -> std::collections::HashMap<u64, Hash> {
    let first = base.div_ceil(BLOCK) * BLOCK;
    let mut starts = Vec::new();
    let mut g = first;
    while g + BLOCK <= base + leaves.len() as u64 {
        if !stops.iter().any(|s| *s > g && *s < g + BLOCK) {
            starts.push(g);
        }
        g += BLOCK;
    }
    let root = |g: &u64| {
        let i = (g - base) as usize;
        (*g, root_of(&leaves[i..i + BLOCK as usize]))
    };
    if threads <= 1 || starts.len() < 8 {
        return starts.iter().map(root).collect();
    }
    let per = starts.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = starts
            .chunks(per)
            .map(|part| scope.spawn(move || part.iter().map(root).collect::<Vec<(u64, Hash)>>()))
            .collect();
        let mut out = std::collections::HashMap::with_capacity(starts.len());
        for h in handles {
            match h.join() {
                Ok(v) => out.extend(v),
                Err(_) => return starts.iter().map(root).collect(),
            }
        }
        out
    })
}

/// Leaf hashes of `lines` (a pruned line's is the hash it carries), computed on up to `threads` threads.
fn leaves_parallel(lines: &[&[u8]], threads: usize) -> Vec<Hash> {
    if threads <= 1 || lines.len() < 1024 {
        return lines.iter().map(|l| line_leaf(l)).collect();
    }
    let per = lines.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(per)
            .map(|part| {
                scope.spawn(move || part.iter().map(|l| line_leaf(l)).collect::<Vec<Hash>>())
            })
            .collect();
        let mut out = Vec::with_capacity(lines.len());
        for h in handles {
            match h.join() {
                Ok(v) => out.extend(v),
                // A hashing thread cannot panic on any input; recompute if it did.
                Err(_) => return lines.iter().map(|l| line_leaf(l)).collect(),
            }
        }
        out
    })
}

/// What [`headers_parallel`] found besides failures.
struct Headers {
    /// Details of `audit.adopted` entries, in order.
    adopted: Vec<String>,
    /// The lines' tally, when one was asked for.
    tally: Option<Tally>,
}

/// Checks every line's number and link to the line before (`prev` for the
/// first), on `threads` threads, collects the details of `audit.adopted`
/// entries in order and, given `tally` (an empty tally and the byte offset
/// where counting ends), counts the lines that start before that offset.
/// `at` is the byte offset of `lines[0]`, which all lie in one buffer, in
/// order. The error is the first in log order.
fn headers_parallel(
    lines: &[&[u8]],
    hashed: &[Hash],
    base: u64,
    prev: &Hash,
    threads: usize,
    at: u64,
    tally: Option<(&Tally, u64)>,
) -> Result<Headers> {
    let start = lines.first().map_or(0, |l| l.as_ptr() as usize);
    let check = |from: usize, part: &[&[u8]]| -> Result<Headers> {
        let finder = memchr::memmem::Finder::new(ADOPTED);
        let mut adopted = Vec::new();
        let mut counted = tally.map(|(t, end)| (t.empty_like(), end));
        for (k, line) in part.iter().enumerate() {
            let i = from + k;
            let link = if i == 0 { prev } else { &hashed[i - 1] };
            let shape = super::log::check_header(line, base + i as u64 + 1, link)?;
            note_adoption(line, &finder, &mut adopted);
            if let Some((t, end)) = &mut counted {
                // Lines lie in one buffer: their distance from the first is
                // their distance in the log.
                let offset = at + (line.as_ptr() as usize - start) as u64;
                if offset < *end {
                    t.add_line(line, &shape, offset);
                }
            }
        }
        Ok(Headers {
            adopted,
            tally: counted.map(|(t, _)| t),
        })
    };
    if threads <= 1 || lines.len() < 1024 {
        return check(0, lines);
    }
    let per = lines.len().div_ceil(threads);
    let results: Vec<Result<Headers>> = std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(per)
            .enumerate()
            .map(|(n, part)| scope.spawn(move || check(n * per, part)))
            .collect();
        handles
            .into_iter()
            .enumerate()
            .map(|(n, h)| {
                // A checking thread cannot panic on any input; check again if it did.
                h.join().unwrap_or_else(|_| {
                    check(n * per, &lines[n * per..((n + 1) * per).min(lines.len())])
                })
            })
            .collect()
    });
    let mut out = Headers {
        adopted: Vec::new(),
        tally: None,
    };
    for r in results {
        let part = r?;
        out.adopted.extend(part.adopted);
        out.tally = match (out.tally, part.tally) {
            (Some(mut a), Some(b)) => {
                a.merge(b);
                Some(a)
            }
            (a, b) => a.or(b),
        };
    }
    Ok(out)
}

fn summary(c: &Checkpoint) -> String {
    let by = c.claimed_signer().unwrap_or("nobody known");
    match c.time() {
        Some(t) => format!("size {}, signed by {by} at {t}", c.size),
        None => format!("size {}, signed by {by}", c.size),
    }
}

fn describe(i: usize, c: &Checkpoint) -> String {
    format!("checkpoint #{} ({})", i + 1, summary(c))
}

/// Checks that `c` belongs to this vault (its origin is `origin`, the log's; or,
/// for the earlier format, its vault id) and that a staff member's allowed key
/// signed it. `what` names it in messages.
fn check_checkpoint(
    what: &str,
    c: &Checkpoint,
    input: &VerifyInput<'_>,
    origin: Option<&str>,
) -> Result<()> {
    let ours = match &c.form {
        Form::Note { origin: o, .. } => origin == Some(o.as_str()),
        Form::Legacy(l) => l.vault == input.vault_id,
    };
    if !ours {
        return Err(Error::Integrity(msg!(
            "belongs-another-vault-log-s-first",
            what = what
        )));
    }
    let windowed: Option<HashMap<String, Vec<[u8; 32]>>> = input.key_windows.map(|w| {
        w.iter()
            .map(|(id, keys)| {
                let valid = keys
                    .iter()
                    .filter(|(from, until, _)| *from <= c.size && c.size < *until)
                    .map(|(_, _, k)| *k)
                    .collect();
                (id.clone(), valid)
            })
            .collect()
    });
    match c.check_signatures(windowed.as_ref().unwrap_or(input.signers)) {
        SignatureCheck::Valid(_) => Ok(()),
        SignatureCheck::Invalid(_) => Err(Error::Integrity(msg!("signature-invalid", what = what))),
        SignatureCheck::Unknown(Some(s)) => Err(Error::Integrity(msg!(
            "signed-key-s-checkpoint-key",
            what = what,
            s = s
        ))),
        SignatureCheck::Unknown(None) => Err(Error::Integrity(msg!(
            "signed-any-staff-member-vault",
            what = what
        ))),
    }
}

/// Verifies the log at `path`. The first failure is an [`Error::Integrity`] that
/// names the entry or checkpoint concerned.
pub fn verify(path: &Path, input: &VerifyInput<'_>) -> Result<VerifySummary> {
    if let Err(e) = std::fs::metadata(path) {
        return Err(Error::io(msg!("cannot-read-audit-log"), e));
    }
    verify_log(&crate::store::medium::FileMedium::new(path), input)
}

/// [`verify`] for a log wherever its bytes live (a file, or rows of a vault in
/// PostgreSQL).
pub fn verify_log(
    log: &dyn crate::store::medium::LogMedium,
    input: &VerifyInput<'_>,
) -> Result<VerifySummary> {
    verify_log_with(log, input, Scan::default())
}

/// Checks that each checkpoint of `input` (and the given one) belongs to this
/// log and is signed by a key `input` accepts for its size. Errors:
/// [`Error::Integrity`] naming the first checkpoint that is not.
pub fn check_checkpoints(
    log: &dyn crate::store::medium::LogMedium,
    input: &VerifyInput<'_>,
) -> Result<()> {
    let origin = log_origin(log)?;
    for (i, c) in input.checkpoints.iter().enumerate() {
        check_checkpoint(&describe(i, c), c, input, origin.as_deref())?;
    }
    if let Some(s) = input.since {
        check_checkpoint("the given checkpoint", s, input, origin.as_deref())?;
    }
    Ok(())
}

/// [`verify_log`], doing `scan`'s work on every line in the same pass.
pub fn verify_log_with(
    log: &dyn crate::store::medium::LogMedium,
    input: &VerifyInput<'_>,
    scan: Scan<'_>,
) -> Result<VerifySummary> {
    for (i, c) in input.checkpoints.iter().enumerate() {
        if i > 0 && c.size < input.checkpoints[i - 1].size {
            return Err(Error::Integrity(msg!(
                "goes-back-entries-checkpoints-reordered-log",
                c = describe(i, c),
                size = input.checkpoints[i - 1].size
            )));
        }
    }
    if !scan.signatures_later {
        check_checkpoints(log, input)?;
    }
    let Scan {
        mut each,
        mut tally,
        ..
    } = scan;
    let mut file = crate::store::medium::reader(log);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    let mut tree = Tree::new();
    let mut prev = genesis(input.vault_id);
    let mut leaves: Vec<Hash> = Vec::new();
    let keep_leaves = input.since.is_some();
    let mut next_cp = 0usize;
    let mut since_root_ok = input.since.is_some_and(|s| s.size == 0);
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + MAX_LINE);
    let mut warnings = Vec::new();
    let mut order = TimeOrder::default();
    let mut eof = false;
    // Whether the log holds a pruned line or a prune fact (then checked below).
    let mut saw_prune = false;
    let mut bytes_read = 0u64;
    // Each dossier's lines, chained by their `dprev`, and each actor's, by
    // their `aprev`.
    let mut chain = super::chain::Chain::new();
    loop {
        if !eof {
            let n = fill(&mut file, &mut buf, CHUNK)?;
            eof = n == 0;
        }
        if buf.is_empty() {
            break;
        }
        let end = match buf.iter().rposition(|b| *b == b'\n') {
            Some(i) => i + 1,
            None if eof => 0,
            None if buf.len() > CHUNK + MAX_LINE => {
                return Err(Error::Integrity(msg!(
                    "audit-entry-longer-than-any-valid-2",
                    size = tree.size() + 1
                )))
            }
            None => continue,
        };
        if end == 0 {
            return Err(Error::Integrity(msg!(
                "audit-entry-incomplete-interrupted-write-opening",
                size = tree.size() + 1
            )));
        }
        let body = &buf[..end - 1];
        let mut lines: Vec<&[u8]> = Vec::with_capacity(body.len() / 300 + 1);
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', body) {
            lines.push(&body[start..nl]);
            start = nl + 1;
        }
        lines.push(&body[start..]);
        let base = tree.size();
        let hashed = leaves_parallel(&lines, threads);
        let headers = headers_parallel(
            &lines,
            &hashed,
            base,
            &prev,
            threads,
            bytes_read,
            tally.as_ref().map(|(t, end)| (&**t, *end)),
        )?;
        warnings.extend(headers.adopted);
        if let (Some((whole, _)), Some(part)) = (tally.as_mut(), headers.tally) {
            whole.merge(part);
        }
        for (i, line) in lines.iter().enumerate() {
            let seq = base + i as u64 + 1;
            order.see(seq, line);
            chain.see(seq, line, true)?;
            if let Some(each) = each.as_mut() {
                each(seq, line, &hashed[i])?;
            }
        }
        saw_prune = saw_prune
            || lines.iter().any(|l| {
                is_pruned(l)
                    || (super::line::starts_as_fact(l)
                        && memchr::memmem::find(l, b"\"fact\":{\"kind\":\"prune\"").is_some())
            });
        bytes_read += end as u64;
        // Perfect subtrees of BLOCK aligned leaves, hashed in parallel, except the
        // blocks inside which a checkpoint (or the given one) needs a root.
        let stops: Vec<u64> = input
            .checkpoints
            .iter()
            .map(|c| c.size)
            .chain(input.since.map(|c| c.size))
            .filter(|s| *s > base && *s < base + lines.len() as u64 && s % BLOCK != 0)
            .collect();
        let blocks = block_roots(base, &hashed, &stops, threads);
        let mut i = 0usize;
        while i < lines.len() {
            let pushed = match blocks.get(&(base + i as u64)) {
                Some(root) => {
                    tree.push_subtree(BLOCK, *root);
                    BLOCK as usize
                }
                None => {
                    tree.push(hashed[i]);
                    1
                }
            };
            if keep_leaves {
                leaves.extend_from_slice(&hashed[i..i + pushed]);
            }
            i += pushed;
            while let Some(c) = input.checkpoints.get(next_cp) {
                if c.size != tree.size() {
                    break;
                }
                if c.root != tree.root() {
                    let from = if next_cp == 0 {
                        1
                    } else {
                        input.checkpoints[next_cp - 1].size + 1
                    };
                    return Err(Error::Integrity(msg!(
                        "entries-do-match-root-signed-entry",
                        from = from,
                        size = c.size,
                        c = describe(next_cp, c)
                    )));
                }
                next_cp += 1;
            }
            if let Some(s) = input.since {
                if s.size == tree.size() {
                    if s.root != tree.root() {
                        return Err(Error::Integrity(msg!(
                            "today-s-log-does-extend-given",
                            s = summary(s),
                            size = s.size
                        )));
                    }
                    since_root_ok = true;
                }
            }
        }
        prev = hashed[lines.len() - 1];
        buf.drain(..end);
        if eof && buf.is_empty() {
            break;
        }
    }
    let entries = tree.size();
    // `coffre init` signs the first checkpoint: a log without any was stripped of them.
    if input.checkpoints.is_empty() && entries > 0 {
        return Err(Error::Integrity(msg!(
            "audit-no-checkpoint",
            entries = entries
        )));
    }
    let pruning = if saw_prune {
        super::prune::check_log(log, bytes_read)?
    } else {
        super::prune::PruneSummary::default()
    };
    for p in pruning.prunes.iter().filter(|p| p.in_progress) {
        warnings.push(format!(
            "the prune recorded at entry {} is under way ({} of {} entries pruned): the next opening of the vault completes it",
            p.seq, p.pruned, p.fact.count
        ));
    }
    if let Some(c) = input.checkpoints.get(next_cp) {
        return Err(Error::Integrity(msg!(
            "log-entries-covers-entries-cut-off",
            entries = entries,
            c = describe(next_cp, c),
            size = c.size
        )));
    }
    if let Some(r) = input.recorded {
        let signed = input.checkpoints.last().map_or(0, |c| c.size);
        if r.checkpointed > signed {
            return Err(Error::Integrity(msg!(
                "store-recorded-checkpoint-entries-latest-checkpoint",
                checkpointed = r.checkpointed,
                signed = signed
            )));
        }
        if r.size > entries {
            return Err(Error::Integrity(msg!(
                "log-entries-store-recorded-entries-cut",
                entries = entries,
                size = r.size
            )));
        }
    }
    warnings.extend(order.warnings());
    for (i, pair) in input.checkpoints.windows(2).enumerate() {
        // Only old-format checkpoints carry a time (notes do not).
        if let (Some(b), Some(a)) = (pair[1].time(), pair[0].time()) {
            if b >= a {
                continue;
            }
            warnings.push(format!(
                "{} is dated before {}: the clock was set back when it was signed",
                describe(i + 1, &pair[1]),
                describe(i, &pair[0])
            ));
        }
    }
    let root = tree.root();
    let since = match input.since {
        None => None,
        Some(s) => {
            if s.size > entries {
                return Err(Error::Integrity(msg!(
                    "log-entries-given-checkpoint-covers-entries",
                    entries = entries,
                    size = s.size
                )));
            }
            let proof = if s.size == 0 {
                Vec::new()
            } else {
                consistency_proof(s.size as usize, &leaves).unwrap_or_default()
            };
            if !since_root_ok
                || (s.size > 0 && !verify_consistency(s.size, entries, &s.root, &root, &proof))
            {
                return Err(Error::Integrity(msg!(
                    "consistency-proof-between-given-checkpoint-today"
                )));
            }
            Some((s.size, proof.len()))
        }
    };
    Ok(VerifySummary {
        entries,
        root,
        checkpoints: input.checkpoints.len(),
        signed: input.checkpoints.last().map_or(0, |c| c.size),
        since,
        warnings,
        pruned: pruning.pruned,
        prunes: pruning.prunes,
    })
}

/// Runs of entries dated before an earlier entry (the clock was set back, or
/// the times are wrong): reported as warnings, not failures — the chain and the
/// signatures decide integrity; times only say what the machine's clock said.
#[derive(Default)]
struct TimeOrder {
    /// Latest time seen so far and the entry that carries it.
    latest: Option<(Vec<u8>, u64)>,
    runs: Vec<BackwardRun>,
}

/// Consecutive entries dated before an earlier one.
struct BackwardRun {
    first: u64,
    last: u64,
    /// The earliest time in the run.
    earliest: Vec<u8>,
    /// The entry it goes back from, and its time.
    from: u64,
    from_time: Vec<u8>,
}

/// Most runs described one by one; more are counted.
const MAX_TIME_RUNS: usize = 20;

impl TimeOrder {
    fn see(&mut self, seq: u64, line: &[u8]) {
        let Some(t) = line_time(line) else {
            return;
        };
        match &self.latest {
            Some((latest, at)) if t < latest.as_slice() => match self.runs.last_mut() {
                Some(run) if run.last + 1 == seq && run.from == *at => {
                    run.last = seq;
                    if t < run.earliest.as_slice() {
                        run.earliest = t.to_vec();
                    }
                }
                _ => self.runs.push(BackwardRun {
                    first: seq,
                    last: seq,
                    earliest: t.to_vec(),
                    from: *at,
                    from_time: latest.clone(),
                }),
            },
            _ => self.latest = Some((t.to_vec(), seq)),
        }
    }

    fn warnings(self) -> Vec<String> {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let n = self.runs.len();
        let mut out: Vec<String> = self
            .runs
            .into_iter()
            .take(MAX_TIME_RUNS)
            .map(|r| {
                let (first, last) = (r.first, r.last);
                let which = if first == last {
                    format!("entry {first} is")
                } else {
                    format!("entries {first} to {last} are")
                };
                format!(
                    "{which} dated before entry {} ({} < {}): their times go backwards (the system clock was set back, or the times are wrong)",
                    r.from,
                    text(&r.earliest),
                    text(&r.from_time)
                )
            })
            .collect();
        if n > MAX_TIME_RUNS {
            out.push(format!(
                "{} more runs of entries dated before earlier entries",
                n - MAX_TIME_RUNS
            ));
        }
        out
    }
}

/// The `time` of an entry line, read from its fixed prefix (`…"prev":"<64 hex>","time":"…"`).
pub(crate) fn line_time(line: &[u8]) -> Option<&[u8]> {
    let head = &line[..line.len().min(200)];
    let at = memchr::memmem::find(head, b"\",\"time\":\"")? + 10;
    let len = memchr::memchr(b'"', &head[at..])?;
    Some(&head[at..at + len])
}

/// How an `audit.adopted` entry's action reads in its line.
const ADOPTED: &[u8] = b"\"action\":\"audit.adopted\"";

/// Records the detail of an `audit.adopted` entry (rare: a fast byte search first).
fn note_adoption(line: &[u8], finder: &memchr::memmem::Finder<'_>, warnings: &mut Vec<String>) {
    if finder.find(line).is_some() {
        if let Ok(e) = super::entry::AuditEntry::from_line(line, "adoption") {
            warnings.push(format!("entry {}: {}", e.seq, e.detail.unwrap_or_default()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::checkpoint::origin_for;
    use crate::audit::{AuditLog, Draft, LogState, SigningKey};

    /// A log of `n` entries with checkpoints at `sizes`, in a temp dir.
    fn build(
        n: u64,
        sizes: &[u64],
    ) -> (
        tempfile::TempDir,
        Vec<Checkpoint>,
        HashMap<String, Vec<[u8; 32]>>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = AuditLog::open(
            crate::store::medium::FileMedium::shared(&dir.path().join("audit.log")),
            LogState::empty("v"),
        )
        .unwrap();
        let key = SigningKey::derive(b"k", "v").unwrap();
        let mut cps = Vec::new();
        let mut done = 0;
        let mut last: HashMap<String, u64> = HashMap::new();
        for &s in sizes.iter().chain(std::iter::once(&n)) {
            let drafts = (done..s)
                .map(|i| Draft::new("a", "medecin", "dossier.read").dossier(&format!("d{}", i % 7)))
                .collect();
            let prepared = log
                .prepare(drafts, &mut |n| {
                    let k = match n {
                        crate::audit::Named::Dossier(d) => format!("d:{d}"),
                        crate::audit::Named::Actor(a) => format!("a:{a}"),
                    };
                    Ok(last.get(&k).copied().unwrap_or(0))
                })
                .unwrap();
            for l in log.write_prepared(prepared).unwrap() {
                if let Some(d) = &l.entry.dossier {
                    last.insert(format!("d:{d}"), l.entry.seq);
                }
                last.insert(format!("a:{}", l.entry.actor), l.entry.seq);
            }
            done = s;
            let origin = log_origin(&crate::store::medium::FileMedium::new(
                &dir.path().join("audit.log"),
            ))
            .unwrap()
            .unwrap();
            if s != n || sizes.contains(&n) {
                cps.push(key.sign(&origin, s, log.state().tree.root(), "a"));
            }
        }
        let signers = HashMap::from([("a".to_string(), vec![key.public()])]);
        (dir, cps, signers)
    }

    fn run(
        dir: &tempfile::TempDir,
        cps: &[Checkpoint],
        signers: &HashMap<String, Vec<[u8; 32]>>,
        since: Option<&Checkpoint>,
    ) -> Result<VerifySummary> {
        let input = VerifyInput {
            vault_id: "v",
            checkpoints: cps,
            signers,
            key_windows: None,
            recorded: None,
            since,
        };
        verify(&dir.path().join("audit.log"), &input)
    }

    #[test]
    fn parallel_blocks_agree_with_checkpoints_at_any_size() {
        let sizes = [1, 255, 256, 300, 513, 1024, 1500, 2999];
        let (dir, cps, signers) = build(3000, &sizes);
        let s = run(&dir, &cps, &signers, None).unwrap();
        assert_eq!(s.entries, 3000);
        assert_eq!(s.checkpoints, sizes.len());
        for since in &cps {
            let r = run(&dir, &cps, &signers, Some(since)).unwrap();
            assert_eq!(r.since.map(|x| x.0), Some(since.size));
        }
    }

    #[test]
    fn altered_entry_inside_a_parallel_block_is_pinpointed() {
        let (dir, cps, signers) = build(3000, &[1000, 2000]);
        let path = dir.path().join("audit.log");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        lines[1700] = lines[1700].replace("\"dossier\":\"d", "\"dossier\":\"x");
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let err = run(&dir, &cps, &signers, None)
            .unwrap_err()
            .in_lang(crate::i18n::Lang::En);
        assert!(
            err.contains("entry 1702 does not link to entry 1701"),
            "{err}"
        );
    }

    #[test]
    fn altered_last_entry_is_caught_by_the_signed_root() {
        let (dir, cps, signers) = build(600, &[600]);
        let path = dir.path().join("audit.log");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let last = lines.len() - 1;
        // (Another dossier or actor would break its chain first: see below.)
        lines[last] = lines[last].replace("\"dossier.read\"", "\"dossier.list\"");
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let err = run(&dir, &cps, &signers, None)
            .unwrap_err()
            .in_lang(crate::i18n::Lang::En);
        assert!(err.contains("do not match the root signed"), "{err}");
    }

    /// A line moved to another dossier, a line removed from a dossier's chain
    /// (its `dprev` rewritten to skip it), a line removed from an actor's
    /// chain (its `aprev`), a line of format 2 after the first of format 4
    /// and one of format 4 after the first of format 6 are refused by the
    /// chain, naming the line.
    #[test]
    fn the_dossier_chain_refuses_a_wrong_dprev_and_a_downgrade() {
        let (dir, cps, signers) = build(40, &[40]);
        let path = dir.path().join("audit.log");
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<String> = text.lines().map(String::from).collect();
        assert!(run(&dir, &cps, &signers, None).is_ok());
        let mut try_with = |i: usize, new: String, want: &str| {
            let mut l = lines.clone();
            l[i] = new;
            std::fs::write(&path, l.join("\n") + "\n").unwrap();
            let err = run(&dir, &cps, &signers, None)
                .unwrap_err()
                .in_lang(crate::i18n::Lang::En);
            assert!(err.contains(want), "{err}");
        };
        // The last line (no line after it links to it) is about d4 (i % 7
        // with i = 39); its previous line is 33.
        let i = 39;
        assert!(
            lines[i].contains("\"dossier\":\"d4\",\"dprev\":33,"),
            "{}",
            lines[i]
        );
        try_with(
            i,
            lines[i].replace("\"dprev\":33,", "\"dprev\":26,"),
            "entry 40 gives 26 as the previous entry about dossier d4; the log says 33",
        );
        try_with(
            i,
            lines[i].replace("\"dossier\":\"d4\"", "\"dossier\":\"d5\""),
            "entry 40 gives 33 as the previous entry about dossier d5; the log says 34",
        );
        try_with(
            i,
            lines[i]
                .replace("\"v\":6,", "\"v\":2,")
                .replace(",\"aprev\":39", "")
                .replace(",\"dprev\":33", ""),
            "entry 40 is of format 2, after entries of format 4 or 5",
        );
        // The actor chain: every line is by `a`, so line 40's `aprev` is 39.
        assert!(
            lines[i].contains("\"actor\":\"a\",\"aprev\":39,"),
            "{}",
            lines[i]
        );
        try_with(
            i,
            lines[i].replace("\"aprev\":39,", "\"aprev\":38,"),
            "entry 40 gives 38 as the previous entry by actor a; the log says 39",
        );
        try_with(
            i,
            lines[i]
                .replace("\"v\":6,", "\"v\":4,")
                .replace(",\"aprev\":39", ""),
            "entry 40 is of format 4, after entries of format 6 or 7",
        );
    }

    #[test]
    fn entries_dated_backwards_are_grouped_into_warnings() {
        let line = |seq: u64, t: &str| {
            format!(
                "{{\"v\":2,\"seq\":{seq},\"prev\":\"{}\",\"time\":\"{t}\",\"actor\":\"a\"}}",
                "0".repeat(64)
            )
        };
        assert_eq!(
            line_time(line(1, "2026-01-01T00:00:00Z").as_bytes()),
            Some(&b"2026-01-01T00:00:00Z"[..])
        );
        let mut order = TimeOrder::default();
        for (seq, t) in [
            (1, "2026-01-05T00:00:00Z"),
            (2, "2026-01-02T00:00:00Z"),
            (3, "2026-01-01T00:00:00Z"),
            (4, "2026-01-06T00:00:00Z"),
            (5, "2026-01-06T00:00:00Z"),
            (6, "2026-01-03T00:00:00Z"),
        ] {
            order.see(seq, line(seq, t).as_bytes());
        }
        let w = order.warnings();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with("entries 2 to 3 are dated before entry 1 (2026-01-01T00:00:00Z"),
            "{}",
            w[0]
        );
        assert!(
            w[1].starts_with("entry 6 is dated before entry 5"),
            "{}",
            w[1]
        );
    }

    #[test]
    fn wrong_signer_key_and_other_vault_are_refused() {
        let (dir, cps, _) = build(10, &[5]);
        let other = HashMap::from([(
            "a".to_string(),
            vec![SigningKey::derive(b"other", "v").unwrap().public()],
        )]);
        assert!(run(&dir, &cps, &other, None)
            .unwrap_err()
            .in_lang(crate::i18n::Lang::En)
            .contains("not a's checkpoint key"));
        let key = SigningKey::derive(b"k", "w").unwrap();
        let signers = HashMap::from([("a".to_string(), vec![key.public()])]);
        let foreign = vec![key.sign(&origin_for(&[7u8; 32]), 5, cps[0].root, "a")];
        assert!(run(&dir, &foreign, &signers, None)
            .unwrap_err()
            .in_lang(crate::i18n::Lang::En)
            .contains("another vault"));
        let foreign = vec![key.sign_legacy("w", 5, cps[0].root, "t", "a")];
        assert!(run(&dir, &foreign, &signers, None)
            .unwrap_err()
            .in_lang(crate::i18n::Lang::En)
            .contains("another vault"));
    }

    #[test]
    fn old_format_checkpoints_still_verify_beside_new_ones() {
        let (dir, cps, signers) = build(40, &[10, 20, 30, 40]);
        let key = SigningKey::derive(b"k", "v").unwrap();
        // The first two as the earlier format wrote them, the others as notes.
        let mut mixed: Vec<Checkpoint> = cps[..2]
            .iter()
            .map(|c| key.sign_legacy("v", c.size, c.root, "2026-01-01T00:00:00Z", "a"))
            .collect();
        mixed.extend_from_slice(&cps[2..]);
        let file: String = mixed.iter().map(|c| c.to_text() + "\n").collect();
        let parsed = Checkpoint::parse_many(&file).unwrap();
        assert_eq!(parsed, mixed);
        let s = run(&dir, &parsed, &signers, Some(&mixed[0])).unwrap();
        assert_eq!((s.entries, s.checkpoints), (40, mixed.len()));
        // A legacy root that does not match is caught like any other.
        let mut bad = parsed.clone();
        bad[1] = key.sign_legacy("v", 20, cps[0].root, "2026-01-01T00:00:00Z", "a");
        let err = run(&dir, &bad, &signers, None)
            .unwrap_err()
            .in_lang(crate::i18n::Lang::En);
        assert!(err.contains("do not match the root signed"), "{err}");
    }

    /// A format-2 line `seq` after `prev`, naming `actor` and `dossier`,
    /// padded through its detail to `len` bytes (without its newline).
    fn padded_line(seq: u64, prev: &Hash, actor: &str, dossier: &str, len: usize) -> Vec<u8> {
        let make = |detail: &str| {
            format!(
                "{{\"v\":2,\"seq\":{seq},\"prev\":\"{}\",\"time\":\"2026-01-01T00:00:00Z\",\"actor\":\"{actor}\",\"profession\":\"p\",\"action\":\"dossier.read\",\"dossier\":\"{dossier}\",\"entry\":null,\"target\":null,\"categories\":[],\"outcome\":\"ok\",\"break_glass\":false,\"detail\":\"{detail}\",\"justification\":null,\"nonce\":\"{}\"}}",
                hex::encode(prev),
                "1".repeat(32)
            )
        };
        let bare = make("").len();
        assert!(len >= bare, "{len} < {bare}");
        make(&"x".repeat(len - bare)).into_bytes()
    }

    /// The tally counted on the verifying threads, chunk by chunk, against
    /// the entries' true offsets: a line ending exactly at the first chunk's
    /// end, a line of nearly the longest length straddling the second's, and
    /// the end of counting on a line's first byte (that line not counted).
    #[test]
    fn the_tally_counts_each_line_at_its_offset_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let chunk = CHUNK as u64;
        let actors = ["a0", "edu.1", "Not An Id", "dir"];
        let dossiers = ["d-0", "d-1", "also not", "d-2", "d-3"];
        let mut log: Vec<u8> = Vec::new();
        // (seq, offset, actor, dossier) of every line.
        let mut at: Vec<(u64, u64, &str, &str)> = Vec::new();
        let mut tree = Tree::new();
        let mut prev = genesis("v");
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let (mut exact, mut straddled) = (false, false);
        let mut seq = 0u64;
        while (log.len() as u64) < 2 * chunk + (1 << 20) {
            seq += 1;
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let off = log.len() as u64;
            let mut len = 400 + (rng % 2600) as usize;
            if !exact && chunk - off < 4000 {
                // Its newline is the first chunk's last byte.
                len = (chunk - off - 1) as usize;
                exact = true;
            } else if !straddled && 2 * chunk - off < 4000 {
                len = MAX_LINE - 2;
                straddled = true;
            }
            let (actor, dossier) = (actors[(seq % 4) as usize], dossiers[(seq % 5) as usize]);
            let line = padded_line(seq, &prev, actor, dossier, len);
            assert_eq!(line.len(), len);
            prev = crate::audit::merkle::leaf_hash(&line);
            tree.push(prev);
            log.extend_from_slice(&line);
            log.push(b'\n');
            at.push((seq, off, actor, dossier));
        }
        assert!(exact && straddled);
        assert_eq!(log[CHUNK - 1], b'\n');
        let big = at
            .iter()
            .find(|a| a.1 < 2 * chunk && a.1 + 60_000 > 2 * chunk);
        assert!(big.is_some(), "a line straddles the second chunk's end");
        std::fs::write(&path, &log).unwrap();
        let medium = crate::store::medium::FileMedium::new(&path);
        let origin = log_origin(&medium).unwrap().unwrap();
        let key = SigningKey::derive(b"k", "v").unwrap();
        let cps = vec![key.sign(&origin, seq, tree.root(), "a")];
        let signers = HashMap::new();
        let input = VerifyInput {
            vault_id: "v",
            checkpoints: &cps,
            signers: &signers,
            key_windows: None,
            recorded: None,
            since: None,
        };
        // The end of counting: the file's end, and the first byte of a line
        // of the third chunk.
        let third = at.iter().find(|a| a.1 > 2 * chunk + 1000).unwrap().1;
        for end in [log.len() as u64, third] {
            let tally_key = [5u8; 16];
            let mut counted = Tally::new(&tally_key);
            let mut seen = Vec::new();
            let mut each = |seq: u64, line: &[u8], _: &Hash| {
                seen.push((seq, line.len()));
                Ok(())
            };
            let s = verify_log_with(
                &medium,
                &input,
                Scan {
                    each: Some(&mut each),
                    tally: Some((&mut counted, end)),
                    signatures_later: true,
                },
            )
            .unwrap();
            assert_eq!(s.entries, seq);
            assert_eq!(seen.len() as u64, seq, "every line once, in order");
            assert!(seen
                .iter()
                .enumerate()
                .all(|(i, (n, _))| *n == i as u64 + 1));
            let mut truth = Tally::new(&tally_key);
            for (n, off, actor, dossier) in &at {
                if *off >= end {
                    continue;
                }
                if crate::store::layout::check_id("staff", actor).is_ok() {
                    truth.add('a', actor, *n, *off);
                }
                if crate::store::layout::check_id("dossier", dossier).is_ok() {
                    truth.add('d', dossier, *n, *off);
                }
            }
            counted
                .compare(&truth)
                .expect("the tally of the true offsets");
            // And the serial count the read-only verifier makes.
            let mut serial = Tally::new(&tally_key);
            crate::vault::audit_trail::index_check::add_log(&mut serial, &medium, end).unwrap();
            serial.compare(&truth).expect("the serial tally");
        }
    }

    #[test]
    fn a_given_checkpoint_signed_by_an_unknown_key_is_refused() {
        let (dir, cps, signers) = build(20, &[10]);
        let mallory = SigningKey::derive(b"mallory", "v").unwrap();
        let origin = log_origin(&crate::store::medium::FileMedium::new(
            &dir.path().join("audit.log"),
        ))
        .unwrap()
        .unwrap();
        let forged = mallory.sign(&origin, 10, cps[0].root, "a");
        let err = run(&dir, &cps, &signers, Some(&forged))
            .unwrap_err()
            .in_lang(crate::i18n::Lang::En);
        assert!(err.contains("not a's checkpoint key"), "{err}");
    }
}
