//! The DPO's dashboard: the series its pictures are drawn from, computed from the
//! same reading of the audit log as the DPO's report ([`Session::audit_report`]),
//! so a picture and the report of a period never disagree.
//!
//! Every count is taken in the establishment's time zone (the policy's `[audit]
//! timezone`) and uses the report's own definitions: a *read* is a successful
//! `dossier.read`, `entry.read` or `entry.history`; a *write* a successful
//! `entry.add`, `entry.amend` or `dossier.create`; a *refusal* any entry whose
//! outcome is `denied`; a *failed login* an `unlock` whose outcome is `failed`;
//! working hours are `[work_start_hour, work_end_hour)` on weekdays (and on
//! weekends unless `weekends_outside`), as for the report's "reads outside
//! working hours". Break-the-glass openings (with the actor's justification,
//! when the reader may see it) and bursts are the report's own lists.
//!
//! Who may see it, and how it is audited, is the report's rule: the data
//! protection officer (`read_audit`) gets everything; a member allowed only
//! aggregate reports (`audit_reports`) gets the per-day and per-hour counts and
//! no list naming anyone; the reading is recorded as `audit.report` first.
//! Drawing is in [`super::charts`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::audit::report::{self, is_read, is_write, Burst, Item, Report};
use crate::audit::{AuditEntry, Outcome};
use crate::error::Result;
use crate::i18n::Lang;
use crate::policy::Policy;
use crate::Session;

/// How many different days a dashboard shows at most (about thirteen months):
/// a longer period keeps its most recent days and says how many it left out.
pub const MAX_DAYS: usize = 400;

/// Accesses of one profession, day by day.
#[derive(Clone, Debug, Serialize)]
pub struct ProfessionSeries {
    /// Profession id (as in the policy and the audit log).
    pub id: String,
    /// French label from the policy (the id if the policy no longer defines it).
    pub label_fr: String,
    /// English label from the policy (the id if the policy no longer defines it).
    pub label_en: String,
    /// Successful reads and writes of content, one count per day of
    /// [`Dashboard::days`].
    pub per_day: Vec<u64>,
}

impl ProfessionSeries {
    /// The profession's label in `lang`.
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.label_fr,
            Lang::En => &self.label_en,
        }
    }
}

/// Reads of content during one hour of the day (local time).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HourCount {
    /// Hour of the day, 0–23, in the establishment's time zone.
    pub hour: u8,
    /// Reads within working hours.
    pub inside: u64,
    /// Reads outside working hours (including weekend reads when the policy says
    /// weekends are outside); their sum over the day is the report's
    /// `totals.outside_hours`.
    pub outside: u64,
}

/// The series of the DPO's pictures over one period, with the report they
/// come from.
#[derive(Clone, Debug, Serialize)]
pub struct Dashboard {
    /// The report of the same period (scope, integrity, totals, lists).
    pub report: Report,
    /// Every local day (`YYYY-MM-DD`) from the period's start (`since`, else the
    /// first entry) to the last entry, oldest first, at most [`MAX_DAYS`]; the x
    /// axis of the per-day series; empty when the period holds no entry.
    pub days: Vec<String>,
    /// Days of the period left out at its start because it spans more than
    /// [`MAX_DAYS`] (their counts are in the report's totals, not in the series).
    pub days_left_out: u64,
    /// Accesses (successful reads and writes of content) per day, one series per
    /// profession that made any in the period, ordered by profession id.
    pub accesses: Vec<ProfessionSeries>,
    /// Reads of content per hour of the day, 24 items (hour 0 first).
    pub reads_by_hour: Vec<HourCount>,
    /// Refusals (outcome `denied`, any action) per day of [`Dashboard::days`].
    pub refusals_per_day: Vec<u64>,
    /// Failed logins (`unlock` with outcome `failed`) per day of [`Dashboard::days`].
    pub failed_unlocks_per_day: Vec<u64>,
    /// Profession id → (French label, English label), for every profession of
    /// the policy and every one named in the period.
    pub profession_labels: BTreeMap<String, (String, String)>,
}

impl Dashboard {
    /// Break-the-glass openings, with justifications when the reader may see
    /// them (empty in an aggregate dashboard).
    pub fn break_glass(&self) -> &[Item] {
        &self.report.break_glass
    }

    /// Unusual reading bursts (empty in an aggregate dashboard).
    pub fn bursts(&self) -> &[Burst] {
        &self.report.bursts
    }

    /// The label of profession `id` in `lang` (the id if unknown).
    pub fn profession_label(&self, id: &str, lang: Lang) -> String {
        match (self.profession_labels.get(id), lang) {
            (Some((fr, _)), Lang::Fr) => fr.clone(),
            (Some((_, en)), Lang::En) => en.clone(),
            (None, _) => id.to_string(),
        }
    }

    /// Whether this is the data protection officer's full dashboard.
    pub fn is_full(&self) -> bool {
        self.report.scope == "full"
    }
}

impl Session<'_> {
    /// The DPO's dashboard over a period (`since`/`until` already normalised, as
    /// for [`Session::audit_report`]): allowed, refused and audited exactly like
    /// the report (one `audit.report` entry, written before anything is read).
    ///
    /// # Errors
    /// `Refused` (exit code 3) for a member allowed neither `read_audit` nor
    /// `audit_reports`; `Io` if the log cannot be read.
    pub fn audit_dashboard(
        &mut self,
        since: Option<String>,
        until: Option<String>,
    ) -> Result<Dashboard> {
        let (report, entries) = self.audit_report_with_entries(since, until)?;
        Ok(build(report, &entries, self.vault.policy()))
    }
}

/// Computes the series from the entries `report` was built from (oldest first).
/// Pure: no access check, no audit; [`Session::audit_dashboard`] does both.
pub fn build(report: Report, entries: &[AuditEntry], policy: &Policy) -> Dashboard {
    let rules = &report.rules;
    let tz = jiff::tz::TimeZone::get(&rules.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let mut hours: Vec<HourCount> = (0u8..24)
        .map(|hour| HourCount {
            hour,
            ..HourCount::default()
        })
        .collect();
    // Per local day: profession → accesses, refusals, failed logins.
    let mut per_day: BTreeMap<jiff::civil::Date, (BTreeMap<String, u64>, u64, u64)> =
        BTreeMap::new();
    for e in entries {
        let Ok(ts) = e.time.parse::<jiff::Timestamp>() else {
            continue;
        };
        let z = report::local(&ts, &tz);
        let day = per_day.entry(z.date()).or_default();
        let ok = e.outcome == Outcome::Ok;
        let read = ok && is_read(&e.action);
        if (read || (ok && is_write(&e.action))) && !e.profession.is_empty() {
            *day.0.entry(e.profession.clone()).or_default() += 1;
        }
        if e.outcome == Outcome::Denied {
            day.1 += 1;
        }
        if e.action == "unlock" && e.outcome == Outcome::Failed {
            day.2 += 1;
        }
        if read {
            if let Some(h) = usize::try_from(z.hour())
                .ok()
                .and_then(|h| hours.get_mut(h))
            {
                if report::outside(&z, rules) {
                    h.outside += 1;
                } else {
                    h.inside += 1;
                }
            }
        }
    }
    // The axis starts at the period's start when one was asked for (so a quiet
    // start of the period shows as such), else at the first entry.
    let since = report
        .since
        .as_deref()
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .map(|t| report::local(&t, &tz).date());
    let mut days = Vec::new();
    if let (Some(first), Some(last)) = (
        per_day.keys().next().copied(),
        per_day.keys().next_back().copied(),
    ) {
        let first = since.map_or(first, |s| s.min(first));
        let mut d = first;
        while d <= last {
            days.push(d);
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => break,
            }
        }
    }
    let left_out = days.len().saturating_sub(MAX_DAYS);
    let days: Vec<jiff::civil::Date> = days.split_off(left_out);
    let mut professions: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut refusals = vec![0; days.len()];
    let mut failed = vec![0; days.len()];
    for (i, d) in days.iter().enumerate() {
        if let Some((by_prof, r, f)) = per_day.get(d) {
            for (p, n) in by_prof {
                professions
                    .entry(p.clone())
                    .or_insert_with(|| vec![0; days.len()])[i] = *n;
            }
            refusals[i] = *r;
            failed[i] = *f;
        }
    }
    let accesses = professions
        .into_iter()
        .map(|(id, per_day)| ProfessionSeries {
            label_fr: policy.profession_label(&id, Lang::Fr),
            label_en: policy.profession_label(&id, Lang::En),
            id,
            per_day,
        })
        .collect();
    let profession_labels = policy
        .professions
        .keys()
        .chain(entries.iter().map(|e| &e.profession))
        .filter(|p| !p.is_empty())
        .map(|p| {
            (
                p.clone(),
                (
                    policy.profession_label(p, Lang::Fr),
                    policy.profession_label(p, Lang::En),
                ),
            )
        })
        .collect();
    Dashboard {
        report,
        days: days
            .iter()
            .map(|d| d.strftime("%Y-%m-%d").to_string())
            .collect(),
        days_left_out: left_out as u64,
        accesses,
        reads_by_hour: hours,
        refusals_per_day: refusals,
        failed_unlocks_per_day: failed,
        profession_labels,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::audit::report::ReportInput;
    use crate::policy::AuditRules;

    pub(crate) fn entry(
        seq: u64,
        time: &str,
        actor: &str,
        prof: &str,
        action: &str,
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
            dossier: Some(format!("d{seq}")),
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

    /// The shipped policy.
    pub(crate) fn policy() -> Policy {
        crate::policy::parse(crate::policy::DEFAULT_POLICY, "default.toml").unwrap()
    }

    /// A dashboard over `entries` with Paris working hours 9–18, weekends outside,
    /// a burst being 3 dossiers in 10 minutes; `justification` gives seq 7's words.
    pub(crate) fn dashboard_of(entries: &[AuditEntry], justification: &str) -> Dashboard {
        let rules = AuditRules {
            work_start_hour: 9,
            work_end_hour: 18,
            weekends_outside: true,
            burst_dossiers: 3,
            burst_minutes: 10,
            ..AuditRules::default()
        };
        let names = HashMap::from([("a".to_string(), "Dr <A>".to_string())]);
        let words = justification.to_string();
        let just = move |e: &AuditEntry| (e.action == "break-glass.open").then(|| words.clone());
        let input = ReportInput {
            entries,
            rules: &rules,
            names: &names,
            full: true,
            since: None,
            until: None,
            justification: &just,
        };
        let rep = report::build(&input, "ok".into());
        build(rep, entries, &policy())
    }

    /// Two days in January (Paris is UTC+1), three professions, refusals,
    /// failed logins, a break-the-glass and a burst.
    pub(crate) fn sample() -> Vec<AuditEntry> {
        use Outcome::*;
        vec![
            // Monday 5 January 2026.
            entry(
                1,
                "2026-01-05T08:30:00Z",
                "a",
                "medecin",
                "dossier.read",
                Ok,
            ), // 09:30 in
            entry(2, "2026-01-05T09:00:00Z", "a", "medecin", "entry.add", Ok),
            entry(
                3,
                "2026-01-05T21:15:00Z",
                "a",
                "medecin",
                "dossier.read",
                Ok,
            ), // 22:15 out
            entry(
                4,
                "2026-01-05T10:00:00Z",
                "b",
                "infirmier",
                "entry.read",
                Ok,
            ), // 11:00 in
            entry(
                5,
                "2026-01-05T10:05:00Z",
                "c",
                "educateur-specialise",
                "dossier.read",
                Denied,
            ),
            entry(6, "2026-01-05T23:30:00Z", "x", "", "unlock", Failed), // 00:30 on the 6th
            // Tuesday 6 January.
            entry(
                7,
                "2026-01-06T13:00:00Z",
                "a",
                "medecin",
                "break-glass.open",
                Ok,
            ),
            entry(
                8,
                "2026-01-06T14:00:00Z",
                "b",
                "infirmier",
                "dossier.read",
                Ok,
            ),
            entry(
                9,
                "2026-01-06T14:03:00Z",
                "b",
                "infirmier",
                "dossier.read",
                Ok,
            ),
            entry(
                10,
                "2026-01-06T14:06:00Z",
                "b",
                "infirmier",
                "dossier.read",
                Ok,
            ),
            entry(11, "2026-01-06T14:07:00Z", "x", "", "unlock", Failed),
            // Thursday 8 January: nothing on the 7th.
            entry(
                12,
                "2026-01-08T16:00:00Z",
                "c",
                "educateur-specialise",
                "entry.read",
                Ok,
            ),
        ]
    }

    #[test]
    fn series_per_local_day_hour_and_profession() {
        let d = dashboard_of(&sample(), "urgence");
        assert_eq!(
            d.days,
            ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08"]
        );
        let by: HashMap<&str, &Vec<u64>> = d
            .accesses
            .iter()
            .map(|s| (s.id.as_str(), &s.per_day))
            .collect();
        assert_eq!(by["medecin"], &vec![3, 0, 0, 0]);
        assert_eq!(by["infirmier"], &vec![1, 3, 0, 0]);
        assert_eq!(by["educateur-specialise"], &vec![0, 0, 0, 1]);
        assert_eq!(by.len(), 3, "no series for a profession with no access");
        assert_eq!(d.refusals_per_day, vec![1, 0, 0, 0]);
        // 23:30 UTC on the 5th is 00:30 on the 6th in Paris.
        assert_eq!(d.failed_unlocks_per_day, vec![0, 2, 0, 0]);
        let h = |n: usize| d.reads_by_hour[n];
        assert_eq!(d.reads_by_hour.len(), 24);
        assert_eq!((h(9).inside, h(9).outside), (1, 0));
        assert_eq!((h(11).inside, h(11).outside), (1, 0));
        assert_eq!((h(22).inside, h(22).outside), (0, 1));
        assert_eq!(h(15).inside, 3);
        assert_eq!(h(17).inside, 1);
        let outside: u64 = d.reads_by_hour.iter().map(|h| h.outside).sum();
        assert_eq!(outside, d.report.totals.outside_hours);
        let reads: u64 = d.reads_by_hour.iter().map(|h| h.inside + h.outside).sum();
        assert_eq!(reads, d.report.totals.reads);
        assert_eq!(d.break_glass().len(), 1);
        assert_eq!(d.break_glass()[0].justification.as_deref(), Some("urgence"));
        assert_eq!(d.bursts().len(), 1);
        let medecin = d.accesses.iter().find(|s| s.id == "medecin").unwrap();
        assert_eq!(
            medecin.label(Lang::Fr),
            policy().profession_label("medecin", Lang::Fr)
        );
        assert_ne!(medecin.label(Lang::Fr), "medecin", "labelled, not the id");
    }

    #[test]
    fn weekend_reads_are_outside_when_the_policy_says_so() {
        // Saturday 10 January 2026, 11:00 in Paris.
        let e = vec![entry(
            1,
            "2026-01-10T10:00:00Z",
            "a",
            "medecin",
            "dossier.read",
            Outcome::Ok,
        )];
        let d = dashboard_of(&e, "");
        assert_eq!(d.reads_by_hour[11].outside, 1);
        assert_eq!(d.reads_by_hour[11].inside, 0);
    }

    #[test]
    fn a_long_period_keeps_its_latest_days() {
        let e = vec![
            entry(
                1,
                "2020-01-01T12:00:00Z",
                "a",
                "medecin",
                "dossier.read",
                Outcome::Ok,
            ),
            entry(
                2,
                "2026-01-01T12:00:00Z",
                "a",
                "medecin",
                "dossier.read",
                Outcome::Ok,
            ),
        ];
        let d = dashboard_of(&e, "");
        assert_eq!(d.days.len(), MAX_DAYS);
        assert_eq!(d.days.last().map(String::as_str), Some("2026-01-01"));
        // 2020-01-01 to 2026-01-01 inclusive: 6 × 365 + 2 leap days + 1.
        assert_eq!(d.days_left_out as usize + MAX_DAYS, 2193);
        assert_eq!(d.days.first().map(String::as_str), Some("2024-11-28"));
        assert_eq!(d.accesses[0].per_day.iter().sum::<u64>(), 1);
    }

    #[test]
    fn the_axis_starts_at_the_period_asked_for() {
        let mut d = dashboard_of(&sample(), "");
        let mut rep = d.report.clone();
        rep.since = Some("2026-01-02T00:00:00Z".into());
        d = build(rep, &sample(), &policy());
        assert_eq!(d.days.first().map(String::as_str), Some("2026-01-02"));
        assert_eq!(d.days.len(), 7);
        assert_eq!(d.refusals_per_day, vec![0, 0, 0, 1, 0, 0, 0]);
    }

    #[test]
    fn nothing_gives_empty_series() {
        let d = dashboard_of(&[], "");
        assert!(d.days.is_empty() && d.accesses.is_empty());
        assert_eq!(d.reads_by_hour.len(), 24);
    }
}
