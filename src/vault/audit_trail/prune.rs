//! `coffre audit prune`: the access trail older than the policy's
//! `[audit] trail_retention` (CNIL recommendation on logging, 2021) loses its
//! content everywhere Coffre keeps it, without breaking verification.
//!
//! Steps (each resumable; `docs/audit-format.md`, "Pruning the access trail"):
//! 1. the covered set is computed: entries of the access trail dated before the cutoff,
//!    up to the last checkpoint a DPO exported (unless told to go further);
//! 2. a signed `prune` fact committing to exactly those positions is appended
//!    (durable) — from here an interruption is resumed at the next opening;
//! 3. the lines are rewritten in place as `{"pruned":"<leaf>","prev":"<prev>","by":<fact>}`
//!    (same length), through the journal, in batches;
//! 4. the audit index records (`ax/…`) that point at them are removed;
//! 5. the vault settles, the journal file is zeroed (it held the old lines) and
//!    a marker file `prune.compact` is written (durable); an `audit.pruned`
//!    entry closes the prune, saying that the store is rewritten when the
//!    vault closes;
//! 6. when the vault closes ([`Vault::close`], or when it is dropped), the store
//!    is rewritten into fresh files ([`compact_store`]): sled keeps removed
//!    values in its segment files until it reuses them. While the marker is
//!    there, the next opening rewrites the store before opening it and zeroes
//!    the journal again: an interruption anywhere is finished then.
//!
//! Test hook (debug builds only, `cfg(debug_assertions)`; release builds have
//! no such code): `COFFRE_TEST_PRUNE_STOP=<step>[#<n>]` aborts the process, as
//! a kill would (no destructor, nothing flushed), the `n`-th time (default the
//! first) the prune reaches `step`: `fact` (the prune fact is durable),
//! `lines` (after a batch of rewritten lines), `lines-done`, `index` (after a
//! batch of index records removed), `marked` (marker written, prune not yet
//! closed), `closed` (closing entry written, journal not yet zeroed),
//! `compact-copied` (store copied, folders not yet swapped), `compact-moved`
//! (old store moved aside, copy not yet in place). `COFFRE_TEST_PRUNE_BATCH`
//! sets the bytes per journal record, to get several batches from few entries.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde::Serialize;

use crate::audit::prune::{
    line_prev, parse_pruned, positions_digest, pruned_bytes, MonthCount, Position, PruneFact,
};
use crate::audit::{merkle::leaf_hash, Draft};
use crate::error::{Error, Result};
use crate::policy::Capability;
use crate::store::journal::{FileWrite, LogFile};
use crate::store::{Batch, Store};
use crate::vault::access::session::Session;
use crate::vault::{now, rfc3339, Vault, STORE_DIR};

/// Action of the prune (the fact's entry, and a refused or dry run).
pub const PRUNE_ACTION: &str = "audit.prune";
/// Action of the entry that closes a prune once every covered line is pruned.
pub const PRUNED_ACTION: &str = "audit.pruned";
/// Bytes of rewritten lines (or index values) per journal record.
const BATCH_BYTES: usize = 1 << 20;
/// Index records read per page when the prune removes those of pruned lines.
const INDEX_PAGE: usize = 4096;
/// Marker file: a prune removed values the store's files may still hold; the
/// store is rewritten (and the journal zeroed) when the vault closes or opens.
const COMPACT_MARKER: &str = "prune.compact";

/// Test hook: see the module documentation. Debug builds only.
#[cfg(debug_assertions)]
pub(in crate::vault) fn stop_at(step: &str) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static SEEN: AtomicU32 = AtomicU32::new(0);
    let Ok(v) = std::env::var("COFFRE_TEST_PRUNE_STOP") else {
        return;
    };
    let (name, nth) = v
        .split_once('#')
        .map_or((v.as_str(), 1), |(a, b)| (a, b.parse().unwrap_or(1)));
    if name == step && SEEN.fetch_add(1, Ordering::SeqCst) + 1 >= nth {
        std::process::abort();
    }
}

/// Test hook: see the module documentation. Nothing in release builds.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub(in crate::vault) fn stop_at(_step: &str) {}

/// Bytes per journal record ([`BATCH_BYTES`]; debug builds: `COFFRE_TEST_PRUNE_BATCH`).
fn batch_bytes() -> usize {
    #[cfg(debug_assertions)]
    if let Some(n) = std::env::var("COFFRE_TEST_PRUNE_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return n;
    }
    BATCH_BYTES
}

/// What `audit prune` is asked to do.
#[derive(Clone, Copy, Debug, Default)]
pub struct PruneOptions {
    /// Act (otherwise a dry run).
    pub yes: bool,
    /// Go on with an implausible clock (audited).
    pub confirm_clock: bool,
    /// Prune also entries after the last checkpoint a DPO exported.
    pub beyond_export: bool,
}

/// What a prune covers (or covered).
#[derive(Clone, Debug, Serialize)]
pub struct PrunePlan {
    /// The time the prune counts from (RFC 3339): the clock, or the latest time
    /// other members' entries vouch for if earlier ([`Session::vouched_now`]).
    pub now: String,
    /// Whether the clock reads more than a day beyond that time (then older
    /// entries wait for others' work, or for `--confirm-clock`).
    pub clock_ahead: bool,
    /// The policy's retention, in its words.
    pub retention: String,
    /// Entries dated before this are covered (RFC 3339).
    pub cutoff: String,
    /// Entries covered.
    pub count: u64,
    /// Range of their positions.
    pub first: Option<u64>,
    /// Last position.
    pub last: Option<u64>,
    /// Time of the oldest and newest covered entry.
    pub from: Option<String>,
    /// Time of the newest covered entry.
    pub to: Option<String>,
    /// Positions after this one were left out: the last exported checkpoint
    /// covers no more (`None`: no limit).
    pub limit: Option<u64>,
    /// Old entries left out because of the limit.
    pub held_back: u64,
    /// Counts kept per month and profession (if the policy keeps them).
    pub counts: Vec<MonthCount>,
    /// Whether it was carried out.
    pub done: bool,
    /// Entry number of the prune fact, once written.
    pub fact: Option<u64>,
}

/// One covered line: position, byte offset, length (without newline), leaf.
struct Covered {
    /// Entry number, its `prev` and leaf as before the prune.
    at: Position,
    offset: u64,
    len: usize,
}

impl Session<'_> {
    /// `audit prune`: see the module documentation. A dry run (no `yes`)
    /// reports what would be pruned and is audited as such. Errors:
    /// [`Error::Refused`] (exit 3) without the `prune-audit` capability or
    /// with an implausible clock (unless confirmed).
    pub fn audit_prune(&mut self, opts: PruneOptions) -> Result<PrunePlan> {
        let _turn = self.ensure_current()?;
        self.require(Capability::PruneAudit, PRUNE_ACTION, None)?;
        if opts.yes {
            self.require_plausible_clock(PRUNE_ACTION, opts.confirm_clock)?;
        }
        let vault = self.vault();
        let rules = &vault.policy.audit;
        // The clock, but no later than other members' work vouches for: a
        // clock walked forward by the one pruning does not age the trail.
        let at = self.vouched_now(PRUNE_ACTION, opts.confirm_clock && opts.yes)?;
        let cutoff = at.saturating_sub(rules.trail_retention_secs);
        vault.settle()?;
        // From the signed register: no one with the disk alone moves it.
        let exported = vault.with_register(|r| Ok(r.exported))?;
        let limit = if opts.beyond_export {
            None
        } else {
            Some(exported.unwrap_or(0))
        };
        let (covered, counts, times, held_back) = {
            let log = vault.log()?;
            vault.plan_prune(log.medium().as_ref(), log.state().offset, cutoff, limit)?
        };
        let mut plan = PrunePlan {
            now: rfc3339(at),
            clock_ahead: now() > at.saturating_add(crate::vault::clock::MAX_BEHIND_SECS),
            retention: rules.trail_retention.clone(),
            cutoff: rfc3339(cutoff),
            count: covered.len() as u64,
            first: covered.first().map(|c| c.at.seq),
            last: covered.last().map(|c| c.at.seq),
            from: times.map(|t| rfc3339(t.0)),
            to: times.map(|t| rfc3339(t.1)),
            limit,
            held_back,
            counts: if rules.trail_counts {
                counts
            } else {
                Vec::new()
            },
            done: false,
            fact: None,
        };
        let period = match (&plan.from, &plan.to) {
            (Some(a), Some(b)) => format!("{} entries dated {a} to {b}", plan.count),
            _ => "no entry".to_string(),
        };
        if !opts.yes || covered.is_empty() {
            let what = if opts.yes {
                "nothing to prune"
            } else {
                "dry run"
            };
            vault.audit(self.draft(PRUNE_ACTION).detail(&format!(
                "{what}: {period}, older than {} (retention {})",
                plan.cutoff, plan.retention
            )))?;
            return Ok(plan);
        }
        let fact = PruneFact {
            cutoff,
            first: covered[0].at.seq,
            last: covered[covered.len() - 1].at.seq,
            count: covered.len() as u64,
            positions: hex::encode(positions_digest(covered.iter().map(|c| &c.at))),
            counts: plan.counts.clone(),
        };
        let json = crate::rights::Fact::Prune {
            cutoff: fact.cutoff,
            first: fact.first,
            last: fact.last,
            count: fact.count,
            positions: fact.positions.clone(),
            counts: fact.counts.clone(),
        }
        .to_json()?;
        let draft = self
            .draft(PRUNE_ACTION)
            .detail(&format!(
                "pruning {period}, older than {} (retention {})",
                plan.cutoff, plan.retention
            ))
            .fact(json, self.fact_signer());
        let written = vault.durable(vec![draft], Batch::new())?;
        let seq = written
            .first()
            .map(|l| l.entry.seq)
            .ok_or_else(|| Error::AuditUnavailable(msg!("prune-fact-not-written")))?;
        plan.fact = Some(seq);
        stop_at("fact");
        vault.finish_prune(seq, &fact, covered, self.draft(PRUNED_ACTION))?;
        plan.done = true;
        Ok(plan)
    }
}

impl Session<'_> {
    /// Exports the checkpoint of `size` entries with `write` (`audit checkpoint
    /// --out`) and records it: `audit prune` then goes no further unless told
    /// to. Only a member who may prune (capability `prune-audit`: the DPO, the
    /// director) moves this limit, audited (`audit.checkpoint-export`); an
    /// export made without logging in limits nothing. Errors:
    /// [`Error::Refused`] (exit 3) without the capability, or for a size the
    /// register refuses, before `write` runs; `write`'s own error, before
    /// anything is recorded.
    pub fn record_exported_checkpoint(
        &mut self,
        size: u64,
        write: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "audit.checkpoint-export";
        self.require(Capability::PruneAudit, ACTION, None)?;
        let fact = crate::rights::Fact::Export { size }.to_json()?;
        let draft = self
            .draft(ACTION)
            .detail(&format!("checkpoint of {size} entries exported"))
            .fact(fact, self.fact_signer());
        // A fact the register would refuse writes no file either.
        self.vault().check_facts(std::slice::from_ref(&draft))?;
        write()?;
        self.vault().durable(vec![draft], Batch::new())?;
        Ok(())
    }
}

type Planned = (Vec<Covered>, Vec<MonthCount>, Option<(u64, u64)>, u64);

impl Vault {
    /// The lines a prune with `cutoff` covers up to position `limit`: intact
    /// access-trail entries dated before the cutoff. Also the counts per month and
    /// profession, the covered period and how many old entries the limit held back.
    fn plan_prune(
        &self,
        path: &dyn crate::store::medium::LogMedium,
        end: u64,
        cutoff: u64,
        limit: Option<u64>,
    ) -> Result<Planned> {
        let mut covered = Vec::new();
        let mut counts: std::collections::BTreeMap<(String, String), u64> = Default::default();
        let mut span: Option<(u64, u64)> = None;
        let mut held_back = 0u64;
        crate::audit::prune::each_line(path, end, |seq, offset, line| {
            // Only the access trail (`crate::audit::prune::trail_time`).
            let Some(t) = crate::audit::prune::trail_time(line) else {
                return Ok(());
            };
            if t >= cutoff {
                return Ok(());
            }
            if limit.is_some_and(|l| seq > l) {
                held_back += 1;
                return Ok(());
            }
            let e = crate::audit::AuditEntry::from_line(line, &format!("entry {seq}"))?;
            let month = e.time.get(..7).unwrap_or("").to_string();
            *counts.entry((month, e.profession)).or_default() += 1;
            span = Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
            let prev = line_prev(line).ok_or_else(|| {
                Error::Integrity(msg!(
                    "audit-entry-canonical-form",
                    place = format!("entry {seq}"),
                    seq = seq
                ))
            })?;
            covered.push(Covered {
                at: Position {
                    seq,
                    prev,
                    leaf: leaf_hash(line),
                },
                offset,
                len: line.len(),
            });
            Ok(())
        })?;
        let counts = counts
            .into_iter()
            .map(|((month, profession), n)| MonthCount {
                month,
                profession,
                n,
            })
            .collect();
        Ok((covered, counts, span, held_back))
    }

    /// Rewrites the lines the prune fact at entry `seq` covers, removes their
    /// index records, closes the prune with `closing` (an `audit.pruned`
    /// entry), settles and zeroes the journal. `covered`: the lines as
    /// planned; checked again against the fact.
    fn finish_prune(
        &self,
        seq: u64,
        fact: &PruneFact,
        covered: Vec<Covered>,
        closing: Draft,
    ) -> Result<()> {
        let digest = hex::encode(positions_digest(covered.iter().map(|c| &c.at)));
        if covered.len() as u64 != fact.count || digest != fact.positions {
            return Err(Error::Integrity(msg!(
                "prune-covered-lines-differ",
                seq = seq
            )));
        }
        // 3. The lines, in batches of contiguous runs.
        let mut writes: Vec<FileWrite> = Vec::new();
        let mut size = 0usize;
        for c in &covered {
            let bytes = pruned_bytes(&c.at.leaf, &c.at.prev, seq, c.len)
                .ok_or_else(|| Error::Integrity(msg!("audit-entry-too-short", seq = c.at.seq)))?;
            size += bytes.len();
            match writes.last_mut() {
                Some(w) if w.offset + w.bytes.len() as u64 == c.offset => {
                    w.bytes.push(b'\n');
                    w.bytes.extend_from_slice(&bytes);
                }
                _ => writes.push(FileWrite {
                    file: LogFile::Audit,
                    offset: c.offset,
                    bytes,
                }),
            }
            if size >= batch_bytes() {
                self.rewrite_in_place(std::mem::take(&mut writes), Batch::new())?;
                stop_at("lines");
                size = 0;
            }
        }
        stop_at("lines-done");
        // 4. The index records pointing at them, in the last batches.
        let mut pruned: Vec<u64> = covered.iter().map(|c| c.at.seq).collect();
        pruned.sort_unstable();
        let mut batch = Batch::new();
        let mut batch_size = 0usize;
        // Page by page: the index of a million entries is not held at once.
        let mut after: Option<Vec<u8>> = None;
        loop {
            let page = self
                .store
                .scan_prefix_page(b"ax/", after.as_deref(), INDEX_PAGE)?;
            let Some((last, _)) = page.last() else {
                break;
            };
            after = Some(last.clone());
            for (k, v) in page {
                let mut pairs = Vec::new();
                crate::vault::index_pairs(&k, &v, &mut pairs)?;
                let keep: Vec<(u64, u64)> = pairs
                    .iter()
                    .copied()
                    .filter(|(s, _)| pruned.binary_search(s).is_err())
                    .collect();
                if keep.len() == pairs.len() {
                    continue;
                }
                if keep.is_empty() {
                    batch_size += k.len();
                    batch.remove(k);
                } else {
                    let mut value = Vec::with_capacity(keep.len() * 16);
                    for (s, o) in keep {
                        value.extend_from_slice(&s.to_be_bytes());
                        value.extend_from_slice(&o.to_be_bytes());
                    }
                    batch_size += value.len() + k.len();
                    batch.put(k, value);
                }
                if batch_size >= batch_bytes() {
                    self.rewrite_in_place(std::mem::take(&mut writes), std::mem::take(&mut batch))?;
                    stop_at("index");
                    batch_size = 0;
                }
            }
        }
        self.rewrite_in_place(writes, batch)?;
        // 5. Settled, the journal's old records zeroed, the store's rewrite
        // due (marker), then closed.
        self.settle()?;
        self.scrub_journal()?;
        if !self.in_database() {
            write_marker(&self.dir)?;
        }
        stop_at("marked");
        self.audit(closing.detail(&format!(
            "{} entries pruned as recorded at entry {seq} (entries {} to {}, dated before {}); \
             the store's files are rewritten when the vault closes",
            fact.count,
            fact.first,
            fact.last,
            rfc3339(fact.cutoff)
        )))?;
        stop_at("closed");
        self.settle()?;
        self.scrub_journal()
    }

    /// Removes what a prune rewrote from where old copies linger: the
    /// journal's records (zeroed) in a folder; the tables' dead rows
    /// (`VACUUM FULL`) in PostgreSQL.
    fn scrub_journal(&self) -> Result<()> {
        match &self.backend {
            crate::vault::Backend::Folder { journal, .. } => journal
                .lock()
                .map_err(|_| Error::Io(msg!("journal-lock-poisoned")))?
                .scrub(),
            crate::vault::Backend::Postgres(pg) => pg.vacuum(),
        }
    }

    /// After the open (and [`Vault::resume_prune`]): if a prune's store rewrite
    /// was due when the vault was opened (`due`, and the store was rewritten
    /// before it was opened), the journal is zeroed again and the marker
    /// removed — unless a prune resumed just now made the rewrite due again.
    pub(in crate::vault) fn finish_due_compaction(&self, due: bool, resumed: bool) -> Result<()> {
        if !due || resumed || self.in_database() {
            return Ok(());
        }
        self.settle()?;
        self.scrub_journal()?;
        remove_marker(&self.dir)
    }

    /// Closes the vault: settles it and, if a prune made it due, rewrites the
    /// store into fresh files and zeroes the journal (the lock is held
    /// throughout). What a front-end calls after `audit prune --yes`; dropping
    /// the vault does the same, ignoring errors (the next opening then
    /// finishes it). Errors: those of [`compact_store`].
    pub fn close(mut self) -> Result<()> {
        self.compact_if_due()
    }

    /// See [`Vault::close`]. The vault's store is closed afterwards when a
    /// rewrite was due (any later use of it fails).
    pub(in crate::vault) fn compact_if_due(&mut self) -> Result<()> {
        if !self.ready.load(std::sync::atomic::Ordering::SeqCst) || self.in_database() {
            // A database's tables were rewritten by the prune itself.
            return Ok(());
        }
        self.settle()?;
        if !self.dir.join(COMPACT_MARKER).exists() {
            return Ok(());
        }
        self.scrub_journal()?;
        drop(std::mem::replace(&mut self.store, Box::new(Closed)));
        self.ready.store(false, std::sync::atomic::Ordering::SeqCst);
        compact_locked(&self.dir)?;
        remove_marker(&self.dir)
    }

    /// Completes a prune an interruption left under way: the log's last line is
    /// a prune fact. Runs at open, before anything else is written.
    /// Returns whether it completed one.
    pub(in crate::vault) fn resume_prune(&self) -> Result<bool> {
        let (path, end, size) = {
            let log = self.log()?;
            (log.medium().clone(), log.state().offset, log.state().size)
        };
        if size == 0 {
            return Ok(false);
        }
        let last = last_line(path.as_ref(), end)?;
        if !crate::audit::line::starts_as_fact(&last)
            || memchr::memmem::find(&last, b"\"fact\":{\"kind\":\"prune\"").is_none()
        {
            return Ok(false);
        }
        let entry = crate::audit::AuditEntry::from_line(&last, "prune fact")?;
        let Some(raw) = entry.fact else {
            return Ok(false);
        };
        let Ok(crate::rights::Fact::Prune {
            cutoff,
            first,
            last: last_pos,
            count,
            positions,
            counts,
        }) = crate::rights::Fact::parse(raw.get(), size)
        else {
            return Ok(false);
        };
        let fact = PruneFact {
            cutoff,
            first,
            last: last_pos,
            count,
            positions,
            counts,
        };
        // Nothing is erased on the word of a line found in the log: the fact
        // must be one the register accepts (signature, signer's capability,
        // cutoff within the retention), verified from the genesis — a forged
        // or unsigned fact is an integrity failure here, before any line is
        // touched. And it must not be dated ahead of the clock: a fact written
        // under a clock set forward (or dated forward by hand) would prune
        // reads still within the retention.
        self.verify_register()?;
        let dated = crate::vault::clock::parse_time(&entry.time)?;
        if dated > now().saturating_add(crate::vault::clock::MAX_BEHIND_SECS) {
            return Err(Error::Integrity(msg!(
                "prune-fact-dated-ahead",
                seq = size,
                time = entry.time.clone()
            )));
        }
        // The covered set as the fact defines it: pruned by it, or still an
        // entry dated before its cutoff.
        let mut covered = Vec::new();
        crate::audit::prune::each_line(path.as_ref(), end, |seq, offset, line| {
            if seq < first || seq > last_pos {
                return Ok(());
            }
            if let Some(p) = parse_pruned(line) {
                if p.by == size {
                    covered.push(Covered {
                        at: Position {
                            seq,
                            prev: p.prev,
                            leaf: p.leaf,
                        },
                        offset,
                        len: line.len(),
                    });
                }
            } else if crate::audit::prune::trail_time(line).is_some_and(|t| t < cutoff) {
                let prev = line_prev(line).ok_or_else(|| {
                    Error::Integrity(msg!(
                        "audit-entry-canonical-form",
                        place = format!("entry {seq}"),
                        seq = seq
                    ))
                })?;
                covered.push(Covered {
                    at: Position {
                        seq,
                        prev,
                        leaf: leaf_hash(line),
                    },
                    offset,
                    len: line.len(),
                });
            }
            Ok(())
        })?;
        let closing = Draft::new(crate::vault::ADOPTION_ACTOR, "", PRUNED_ACTION);
        self.finish_prune(size, &fact, covered, closing)?;
        Ok(true)
    }

    /// The prunes recorded in the register (verified), oldest first.
    pub fn prunes(&self) -> Result<Vec<crate::rights::state::PruneRecord>> {
        self.with_register(|r| Ok(r.prunes.clone()))
    }
}

/// The last complete line of the log at `path` that is `end` bytes long.
fn last_line(log: &dyn crate::store::medium::LogMedium, end: u64) -> Result<Vec<u8>> {
    let io = |e| Error::io(msg!("cannot-read-audit-log"), e);
    let mut f = crate::store::medium::reader(log);
    let from = end.saturating_sub(crate::audit::MAX_LINE as u64 + 1);
    f.seek(SeekFrom::Start(from)).map_err(io)?;
    let mut buf = vec![0u8; (end - from) as usize];
    f.read_exact(&mut buf).map_err(io)?;
    buf.pop();
    let start = buf.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    Ok(buf[start..].to_vec())
}

/// Rewrites the store of the vault in `dir` into fresh files and removes the
/// old ones: sled keeps removed and replaced values in its segment files until
/// it reuses the space, so after a prune the removed index records would still
/// be on disk. Takes the vault's lock. The copy is made in `store.compact`;
/// once it is complete a marker file `store.swap` is written, the old folder
/// moved to `store.old` and the copy put in its place ([`recover_compaction`]
/// finishes an interrupted swap at the next opening).
pub fn compact_store(dir: &Path) -> Result<()> {
    let _lock = crate::vault::take_lock(dir)?;
    compact_locked(dir)
}

/// [`compact_store`] with the vault's lock already held and its store closed.
pub(in crate::vault) fn compact_locked(dir: &Path) -> Result<()> {
    recover_compaction(dir)?;
    let live = dir.join(STORE_DIR);
    let fresh = dir.join(COMPACT_DIR);
    {
        let old = crate::store::sled_store::SledStore::open(&live)?;
        let new = crate::store::sled_store::SledStore::open(&fresh)?;
        let mut batch = Batch::new();
        let mut size = 0usize;
        let mut failed: Option<Error> = None;
        old.for_each(&mut |k, v| {
            size += k.len() + v.len();
            batch.put(k.to_vec(), v.to_vec());
            if size >= 4 * BATCH_BYTES {
                if let Err(e) = new.apply(std::mem::take(&mut batch)) {
                    failed.get_or_insert(e);
                }
                size = 0;
            }
            Ok(())
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        new.apply(batch)?;
        new.commit(Batch::new())?;
    }
    stop_at("compact-copied");
    let io = |e| Error::io(msg!("cannot-replace-store-compacted"), e);
    crate::private_files::options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(dir.join(SWAP_MARKER))
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    sync_dir(dir)?;
    std::fs::rename(&live, dir.join(OLD_DIR)).map_err(io)?;
    stop_at("compact-moved");
    std::fs::rename(&fresh, &live).map_err(io)?;
    sync_dir(dir)?;
    recover_compaction(dir)
}

const COMPACT_DIR: &str = "store.compact";
const OLD_DIR: &str = "store.old";
const SWAP_MARKER: &str = "store.swap";

fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(msg!("cannot-sync-vault-directory"), e))
}

/// Whether a prune made a rewrite of the store due ([`COMPACT_MARKER`]).
pub(in crate::vault) fn compaction_due(dir: &Path) -> bool {
    dir.join(COMPACT_MARKER).exists()
}

fn write_marker(dir: &Path) -> Result<()> {
    crate::private_files::options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(dir.join(COMPACT_MARKER))
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(msg!("cannot-mark-store-rewrite"), e))?;
    sync_dir(dir)
}

fn remove_marker(dir: &Path) -> Result<()> {
    match std::fs::remove_file(dir.join(COMPACT_MARKER)) {
        Ok(()) => sync_dir(dir),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(msg!("cannot-remove-store-rewrite-marker"), e)),
    }
}

/// The store of a vault whose store was closed to be rewritten: every use fails.
struct Closed;

fn closed() -> Error {
    Error::Io(msg!("vault-closed-for-store-rewrite"))
}

impl Store for Closed {
    fn get(&self, _key: &[u8]) -> Result<Option<Vec<u8>>> {
        Err(closed())
    }
    fn scan_prefix(&self, _prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        Err(closed())
    }
    fn commit(&self, _batch: Batch) -> Result<()> {
        Err(closed())
    }
    fn apply(&self, _batch: Batch) -> Result<()> {
        Err(closed())
    }
    fn for_each(&self, _f: crate::store::Visitor<'_>) -> Result<()> {
        Err(closed())
    }
}

/// Whether a compaction of the store was interrupted while swapping folders.
pub(in crate::vault) fn swap_pending(dir: &Path) -> bool {
    dir.join(SWAP_MARKER).exists()
}

/// Finishes or undoes an interrupted [`compact_store`]: with the marker, the
/// complete copy takes the place of a store already moved aside; without it, a
/// partial copy is removed. Then no earlier copy is left.
pub(in crate::vault) fn recover_compaction(dir: &Path) -> Result<()> {
    let io = |e| Error::io(msg!("cannot-finish-store-compaction"), e);
    let live = dir.join(STORE_DIR);
    let fresh = dir.join(COMPACT_DIR);
    let marker = dir.join(SWAP_MARKER);
    if marker.exists() && !live.exists() && fresh.is_dir() {
        std::fs::rename(&fresh, &live).map_err(io)?;
        sync_dir(dir)?;
    }
    for leftover in [dir.join(OLD_DIR), fresh] {
        if leftover.exists() && live.is_dir() {
            std::fs::remove_dir_all(&leftover).map_err(io)?;
        }
    }
    if marker.exists() && live.is_dir() {
        std::fs::remove_file(&marker).map_err(io)?;
        sync_dir(dir)?;
    }
    Ok(())
}
