//! The DPO's audit report: accesses per profession and per actor, refusals,
//! break-the-glass with justifications, reads outside working hours, unusually many
//! dossiers read in a short time, failed unlocks and uses of the recovery key.
//! Thresholds come from the policy's `[audit]` section. Pure computation over
//! entries; rendering is in `render.rs`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::entry::{AuditEntry, Outcome};
use crate::policy::AuditRules;

/// Reads of content.
pub fn is_read(action: &str) -> bool {
    matches!(
        action,
        "dossier.read" | "entry.read" | "entry.history" | "document.read" | "document.list"
    )
}

/// Writes of content.
pub fn is_write(action: &str) -> bool {
    matches!(
        action,
        "entry.add" | "entry.amend" | "dossier.create" | "document.add" | "document.amend"
    )
}

/// What the report is computed from.
pub struct ReportInput<'a> {
    /// Entries of the period, oldest first.
    pub entries: &'a [AuditEntry],
    /// Thresholds.
    pub rules: &'a AuditRules,
    /// Staff id → display name.
    pub names: &'a HashMap<String, String>,
    /// Full report (DPO) or aggregates only (director).
    pub full: bool,
    /// Period start, as given.
    pub since: Option<String>,
    /// Period end, as given.
    pub until: Option<String>,
    /// Decrypts a justification, when the reader may.
    pub justification: &'a dyn Fn(&AuditEntry) -> Option<String>,
}

/// One notable entry.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    /// Audit sequence number.
    pub seq: u64,
    /// UTC time.
    pub time: String,
    /// Local time in the establishment's time zone.
    pub local_time: String,
    /// Actor id.
    pub actor: String,
    /// Actor name, if known.
    pub name: Option<String>,
    /// Profession.
    pub profession: String,
    /// Action.
    pub action: String,
    /// Dossier.
    pub dossier: Option<String>,
    /// Categories.
    pub categories: Vec<String>,
    /// Content-free detail.
    pub detail: Option<String>,
    /// The actor's justification (their own words), for break-the-glass.
    pub justification: Option<String>,
}

/// Counts for one profession or actor.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    /// Successful reads.
    pub reads: u64,
    /// Successful writes.
    pub writes: u64,
    /// Refusals.
    pub denied: u64,
    /// Different dossiers read.
    pub dossiers_read: u64,
}

/// Per-actor line.
#[derive(Clone, Debug, Serialize)]
pub struct ActorRow {
    /// Actor id.
    pub actor: String,
    /// Name.
    pub name: Option<String>,
    /// Profession.
    pub profession: String,
    /// Counts.
    #[serde(flatten)]
    pub counts: Counts,
}

/// Many dossiers read in a short time by one actor.
#[derive(Clone, Debug, Serialize)]
pub struct Burst {
    /// Actor id.
    pub actor: String,
    /// Name.
    pub name: Option<String>,
    /// Different dossiers read in the window.
    pub dossiers: u64,
    /// First read of the window (UTC).
    pub from: String,
    /// Last read of the window (UTC).
    pub to: String,
}

/// Totals over the period.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    /// Entries in the period.
    pub entries: u64,
    /// Successful reads.
    pub reads: u64,
    /// Successful writes.
    pub writes: u64,
    /// Refusals.
    pub denied: u64,
    /// Failed unlocks and failed second factors.
    pub failed_unlocks: u64,
    /// Break-the-glass openings.
    pub break_glass: u64,
    /// Reads outside working hours.
    pub outside_hours: u64,
    /// Uses of the recovery key.
    pub recovery_uses: u64,
    /// Entries taken in at open without a signer's voucher.
    pub adopted: u64,
}

/// The report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// `full` (DPO) or `aggregate` (director).
    pub scope: String,
    /// Period start, as asked.
    pub since: Option<String>,
    /// Period end, as asked.
    pub until: Option<String>,
    /// The thresholds used.
    pub rules: AuditRules,
    /// Result of verifying the log before reporting.
    pub integrity: String,
    /// Totals.
    pub totals: Totals,
    /// Per profession.
    pub by_profession: BTreeMap<String, Counts>,
    /// Per actor (full report only).
    pub by_actor: Vec<ActorRow>,
    /// Refusals (full report only).
    pub refusals: Vec<Item>,
    /// Break-the-glass openings with justifications (full report only).
    pub break_glass: Vec<Item>,
    /// Reads outside working hours (full report only).
    pub outside_hours: Vec<Item>,
    /// Unusual reading bursts (full report only).
    pub bursts: Vec<Burst>,
    /// Failed unlocks and failed second factors (full report only).
    pub failed_unlocks: Vec<Item>,
    /// Uses of the recovery key (full report only).
    pub recovery_uses: Vec<Item>,
    /// Entries found beyond the recorded end of the log and taken in unsigned
    /// (an interrupted command, or writing outside coffre) (full report only).
    pub adopted: Vec<Item>,
    /// How long the access trail is kept and what was pruned (`audit prune`).
    pub trail: TrailNote,
}

/// How long the access trail is kept (`[audit] trail_retention`, CNIL
/// recommendation on logging, 2021) and which prunes removed older entries.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TrailNote {
    /// The retention, in the policy's words (e.g. `1 year`).
    pub retention: String,
    /// The documented reason for a retention above one year.
    pub reason: Option<String>,
    /// The trail holds entries dated from this time on (RFC 3339, UTC); `None`
    /// if nothing was pruned yet.
    pub covers_from: Option<String>,
    /// Each prune, oldest first.
    pub prunes: Vec<PruneNote>,
}

/// One prune of the access trail.
#[derive(Clone, Debug, Serialize)]
pub struct PruneNote {
    /// When it was done (RFC 3339, UTC).
    pub on: String,
    /// Who did it (staff id).
    pub by: String,
    /// How many entries it pruned.
    pub count: u64,
    /// Entries dated before this (RFC 3339, UTC) were pruned.
    pub before: String,
    /// Audit entry number of its signed fact.
    pub fact: u64,
}

/// `ts` in time zone `tz`.
pub(crate) fn local(ts: &jiff::Timestamp, tz: &jiff::tz::TimeZone) -> jiff::ZonedDateTime {
    ts.to_zoned_datetime(tz.clone())
}

/// Whether a local time is outside the policy's working hours (before
/// `work_start_hour`, at or after `work_end_hour`, or a weekend day when
/// `weekends_outside`).
pub(crate) fn outside(z: &jiff::ZonedDateTime, rules: &AuditRules) -> bool {
    let h = z.hour();
    let weekend = matches!(
        z.weekday(),
        jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
    );
    h < i8::try_from(rules.work_start_hour).unwrap_or(0)
        || h >= i8::try_from(rules.work_end_hour).unwrap_or(24)
        || (rules.weekends_outside && weekend)
}

/// Computes the report. `integrity` is the caller's verification result.
pub fn build(input: &ReportInput<'_>, integrity: String) -> Report {
    let tz = jiff::tz::TimeZone::get(&input.rules.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let name = |id: &str| input.names.get(id).cloned();
    let item = |e: &AuditEntry, ts: Option<&jiff::Timestamp>, with_justification: bool| Item {
        seq: e.seq,
        time: e.time.clone(),
        local_time: ts
            .map(|t| local(t, &tz).strftime("%Y-%m-%d %H:%M %Z").to_string())
            .unwrap_or_default(),
        actor: e.actor.clone(),
        name: name(&e.actor),
        profession: e.profession.clone(),
        action: e.action.clone(),
        dossier: e.dossier.clone(),
        categories: e.categories.clone(),
        detail: e.detail.clone(),
        justification: if with_justification {
            (input.justification)(e)
        } else {
            None
        },
    };
    let mut totals = Totals {
        entries: input.entries.len() as u64,
        ..Totals::default()
    };
    let mut by_profession: BTreeMap<String, Counts> = BTreeMap::new();
    let mut by_actor: BTreeMap<String, (String, Counts, BTreeSet<String>)> = BTreeMap::new();
    let mut prof_dossiers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let (mut refusals, mut break_glass, mut outside_hours, mut failed, mut recovery) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut adopted = Vec::new();
    let mut reads_by_actor: BTreeMap<String, Vec<(jiff::Timestamp, String)>> = BTreeMap::new();

    for e in input.entries {
        let ts: Option<jiff::Timestamp> = e.time.parse().ok();
        let read = is_read(&e.action) && e.outcome == Outcome::Ok;
        let write = is_write(&e.action) && e.outcome == Outcome::Ok;
        let denied = e.outcome == Outcome::Denied;
        if !e.profession.is_empty() && (read || write || denied) {
            let c = by_profession.entry(e.profession.clone()).or_default();
            c.reads += u64::from(read);
            c.writes += u64::from(write);
            c.denied += u64::from(denied);
            if read {
                if let Some(d) = &e.dossier {
                    prof_dossiers
                        .entry(e.profession.clone())
                        .or_default()
                        .insert(d.clone());
                }
            }
            let a = by_actor
                .entry(e.actor.clone())
                .or_insert_with(|| (e.profession.clone(), Counts::default(), BTreeSet::new()));
            a.1.reads += u64::from(read);
            a.1.writes += u64::from(write);
            a.1.denied += u64::from(denied);
            if read {
                if let Some(d) = &e.dossier {
                    a.2.insert(d.clone());
                }
            }
        }
        totals.reads += u64::from(read);
        totals.writes += u64::from(write);
        totals.denied += u64::from(denied);
        if denied {
            refusals.push(item(e, ts.as_ref(), false));
        }
        // A wrong second factor is a failed login too (its action's words
        // tell which step failed).
        let login_step = e.action == "unlock" || e.action.starts_with("auth.second-factor");
        if login_step && e.outcome == Outcome::Failed {
            totals.failed_unlocks += 1;
            failed.push(item(e, ts.as_ref(), false));
        }
        if e.action == "break-glass.open" && e.outcome == Outcome::Ok {
            totals.break_glass += 1;
            break_glass.push(item(e, ts.as_ref(), input.full));
        }
        if e.action == "audit.adopted" {
            totals.adopted += 1;
            adopted.push(item(e, ts.as_ref(), false));
        }
        if e.detail
            .as_deref()
            .is_some_and(|d| d.contains("recovery key"))
        {
            totals.recovery_uses += 1;
            recovery.push(item(e, ts.as_ref(), false));
        }
        if read {
            if let Some(t) = &ts {
                if outside(&local(t, &tz), input.rules) {
                    totals.outside_hours += 1;
                    outside_hours.push(item(e, ts.as_ref(), false));
                }
                if let Some(d) = &e.dossier {
                    reads_by_actor
                        .entry(e.actor.clone())
                        .or_default()
                        .push((*t, d.clone()));
                }
            }
        }
    }
    for (p, set) in prof_dossiers {
        if let Some(c) = by_profession.get_mut(&p) {
            c.dossiers_read = set.len() as u64;
        }
    }

    // Bursts: a sliding window of `burst_minutes` over each actor's reads.
    let window = jiff::SignedDuration::from_mins(i64::from(input.rules.burst_minutes));
    let mut bursts = Vec::new();
    for (actor, reads) in &reads_by_actor {
        let mut start = 0usize;
        let mut i = 0usize;
        while i < reads.len() {
            while reads[i].0.duration_since(reads[start].0) > window {
                start += 1;
            }
            let distinct: BTreeSet<&String> = reads[start..=i].iter().map(|r| &r.1).collect();
            if distinct.len() as u64 >= u64::from(input.rules.burst_dossiers) {
                // Extend to the end of this burst, then report it once.
                let mut end = i;
                while end + 1 < reads.len()
                    && reads[end + 1].0.duration_since(reads[start].0) <= window
                {
                    end += 1;
                }
                let all: BTreeSet<&String> = reads[start..=end].iter().map(|r| &r.1).collect();
                bursts.push(Burst {
                    actor: actor.clone(),
                    name: name(actor),
                    dossiers: all.len() as u64,
                    from: reads[start].0.to_string(),
                    to: reads[end].0.to_string(),
                });
                start = end + 1;
                i = end + 1;
                continue;
            }
            i += 1;
        }
    }

    let by_actor_rows = by_actor
        .into_iter()
        .map(|(actor, (profession, mut counts, dossiers))| {
            counts.dossiers_read = dossiers.len() as u64;
            ActorRow {
                name: name(&actor),
                actor,
                profession,
                counts,
            }
        })
        .collect();
    let full = input.full;
    let keep = |v: Vec<Item>| if full { v } else { Vec::new() };
    Report {
        scope: if full {
            "full".into()
        } else {
            "aggregate".into()
        },
        since: input.since.clone(),
        until: input.until.clone(),
        rules: input.rules.clone(),
        integrity,
        totals,
        by_profession,
        by_actor: if full { by_actor_rows } else { Vec::new() },
        refusals: keep(refusals),
        break_glass: keep(break_glass),
        outside_hours: keep(outside_hours),
        bursts: if full { bursts } else { Vec::new() },
        failed_unlocks: keep(failed),
        recovery_uses: keep(recovery),
        adopted: keep(adopted),
        trail: TrailNote {
            retention: input.rules.trail_retention.clone(),
            reason: input.rules.trail_retention_reason.clone(),
            ..TrailNote::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(
        seq: u64,
        time: &str,
        actor: &str,
        prof: &str,
        action: &str,
        dossier: &str,
        outcome: Outcome,
    ) -> AuditEntry {
        AuditEntry {
            v: 2,
            seq,
            prev: String::new(),
            time: time.into(),
            actor: actor.into(),
            profession: prof.into(),
            action: action.into(),
            dossier: if dossier.is_empty() {
                None
            } else {
                Some(dossier.into())
            },
            aprev: None,
            dprev: Default::default(),
            entry: None,
            target: None,
            categories: vec![],
            outcome,
            break_glass: action == "break-glass.open",
            detail: None,
            justification: None,
            nonce: "00000000000000000000000000000000".into(),
            fact: None,
            signer: None,
            sig: None,
        }
    }

    fn rules() -> AuditRules {
        AuditRules {
            burst_dossiers: 3,
            burst_minutes: 10,
            ..AuditRules::default()
        }
    }

    #[test]
    fn counts_outside_hours_bursts_and_refusals() {
        let entries = vec![
            // 12:00 Paris (UTC+1 in January): inside hours.
            e(
                1,
                "2026-01-05T11:00:00Z",
                "a",
                "medecin",
                "dossier.read",
                "d1",
                Outcome::Ok,
            ),
            // 23:30 Paris: outside hours.
            e(
                2,
                "2026-01-05T22:30:00Z",
                "a",
                "medecin",
                "dossier.read",
                "d2",
                Outcome::Ok,
            ),
            // Burst: b reads d1, d2, d3 within 10 minutes.
            e(
                3,
                "2026-01-06T09:00:00Z",
                "b",
                "infirmier",
                "dossier.read",
                "d1",
                Outcome::Ok,
            ),
            e(
                4,
                "2026-01-06T09:03:00Z",
                "b",
                "infirmier",
                "dossier.read",
                "d2",
                Outcome::Ok,
            ),
            e(
                5,
                "2026-01-06T09:06:00Z",
                "b",
                "infirmier",
                "entry.read",
                "d3",
                Outcome::Ok,
            ),
            // Not a burst: c reads 3 dossiers over 30 minutes.
            e(
                6,
                "2026-01-06T09:00:00Z",
                "c",
                "educateur-specialise",
                "dossier.read",
                "d1",
                Outcome::Ok,
            ),
            e(
                7,
                "2026-01-06T09:15:00Z",
                "c",
                "educateur-specialise",
                "dossier.read",
                "d2",
                Outcome::Ok,
            ),
            e(
                8,
                "2026-01-06T09:30:00Z",
                "c",
                "educateur-specialise",
                "dossier.read",
                "d3",
                Outcome::Ok,
            ),
            e(
                9,
                "2026-01-06T10:00:00Z",
                "c",
                "educateur-specialise",
                "entry.add",
                "d3",
                Outcome::Denied,
            ),
            e(
                10,
                "2026-01-06T10:00:00Z",
                "x",
                "",
                "unlock",
                "",
                Outcome::Failed,
            ),
            e(
                11,
                "2026-01-06T10:05:00Z",
                "a",
                "medecin",
                "break-glass.open",
                "d9",
                Outcome::Ok,
            ),
        ];
        let names = HashMap::from([("a".to_string(), "Dr A".to_string())]);
        let just = |x: &AuditEntry| {
            if x.seq == 11 {
                Some("emergency".to_string())
            } else {
                None
            }
        };
        let r = rules();
        let input = ReportInput {
            entries: &entries,
            rules: &r,
            names: &names,
            full: true,
            since: None,
            until: None,
            justification: &just,
        };
        let rep = build(&input, "ok".into());
        assert_eq!(rep.totals.reads, 8);
        assert_eq!(rep.totals.denied, 1);
        assert_eq!(rep.totals.failed_unlocks, 1);
        assert_eq!(rep.totals.break_glass, 1);
        assert_eq!(
            rep.break_glass[0].justification.as_deref(),
            Some("emergency")
        );
        assert_eq!(
            rep.outside_hours.iter().map(|i| i.seq).collect::<Vec<_>>(),
            vec![2]
        );
        assert_eq!(rep.bursts.len(), 1);
        assert_eq!(rep.bursts[0].actor, "b");
        assert_eq!(rep.bursts[0].dossiers, 3);
        assert_eq!(rep.by_profession["medecin"].reads, 2);
        assert_eq!(rep.by_profession["medecin"].dossiers_read, 2);
        assert_eq!(
            rep.by_actor
                .iter()
                .find(|a| a.actor == "a")
                .and_then(|a| a.name.clone())
                .as_deref(),
            Some("Dr A")
        );

        let agg = build(
            &ReportInput {
                full: false,
                ..input
            },
            "ok".into(),
        );
        assert!(agg.by_actor.is_empty() && agg.break_glass.is_empty() && agg.refusals.is_empty());
        assert_eq!(agg.totals.break_glass, 1);
        assert_eq!(agg.by_profession["infirmier"].reads, 3);
    }
}
