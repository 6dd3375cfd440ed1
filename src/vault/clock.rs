//! Judging the system clock by the vault's own history.
//!
//! Coffre takes "now" from the system clock, and some actions depend on it in ways
//! that cannot be undone: `retention apply --yes` crypto-shreds every dossier whose
//! retention period has passed *according to that clock*. A clock set years ahead
//! (a dead CMOS battery, a mistyped date, a virtual machine restored from an image)
//! would erase dossiers closed minutes earlier. The vault has a witness: the time of
//! its latest audit entry, written by the previous command.
//!
//! [`judge_clock`] compares the two. The clock is plausible when it reads
//! - at most [`MAX_BEHIND_SECS`] (one day) **before** the latest entry — entries are
//!   written in order, so any more means the clock was set back; one day leaves room
//!   for a machine whose clock is corrected by a few hours;
//! - at most `clock_max_ahead_days` (policy `[audit]`, default
//!   [`DEFAULT_MAX_AHEAD_DAYS`] = 45) **after** it. A vault is normally used every
//!   working day, but a small service may close for its summer holidays (four to five
//!   weeks in August is common in the medico-social sector) and nobody opens the
//!   vault meanwhile; 45 days covers that without a question, while a clock wrong by
//!   months or years is caught. A longer real idle period only costs one
//!   `--confirm-clock`, which is audited.
//!
//! The quick check ([`Vault::clock_check`], a warning on every command) takes as
//! reference the latest entry found when the vault was opened, before the current
//! command wrote anything: entries written by this command carry the clock being
//! judged. But once a command has run under a wrong clock, its entries become the
//! next command's reference: so before a destructive action
//! ([`Session::require_plausible_clock`]) the whole history is read too
//! ([`Vault::clock_check_history`]): any step between consecutive entries outside
//! the same bounds, not followed by a `clock.confirm` entry, is a jump nobody
//! confirmed, and the action is refused as well (the step to a `vault.restore`
//! entry is not judged: a backup may have been kept for months). This reads the audit log once
//! (a few seconds for a million entries), only for such actions. A vault with no
//! entry yet has no reference: the clock is taken as it is.
//!
//! Step by step is not enough: one member can move the clock forward in steps
//! each within the allowance, running a command at each, until dossiers or
//! reads look old enough to erase. So a destructive action counts time only as
//! far as *other* members' work vouches for it ([`Session::vouched_now`]: the
//! clock, but no later than the latest fact signed by another staff member —
//! a note written, a team changed); beyond that only `--confirm-clock`, audited, takes the clock
//! at its word. In a working establishment others write every day, so this
//! costs at most the time since the last colleague's activity. Two members
//! walking the clock together are not detected by this rule (their entries and
//! the prune fact's `cutoff` remain in the log for the DPO's report).
//!
//! Entries keep the time the clock gave (that is evidence of what the machine said);
//! checkpoints never go back in time (see `Vault::checkpoint`), and `audit verify`
//! and the DPO report point out entries whose times go backwards.

use serde::Serialize;

use super::{now, rfc3339, Vault};
use crate::error::{Error, Result};
use crate::vault::access::session::Session;

/// Default for the policy's `[audit] clock_max_ahead_days`: how many days the
/// clock may read ahead of the latest audit entry (see the module documentation
/// for why 45).
pub const DEFAULT_MAX_AHEAD_DAYS: u32 = 45;

/// How many seconds the clock may read behind the latest audit entry (one day).
pub const MAX_BEHIND_SECS: u64 = 86_400;

/// Action recorded when a user confirms an implausible clock.
pub const CONFIRM_ACTION: &str = "clock.confirm";

/// What [`judge_clock`] concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClockVerdict {
    /// Within the bounds, or no reference to judge by.
    Plausible,
    /// More than the allowed number of days after the latest entry.
    Ahead,
    /// More than one day before the latest entry.
    Behind,
}

/// The clock compared with the vault's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClockCheck {
    /// What the system clock reads (seconds since the Unix epoch, UTC).
    pub now: u64,
    /// Time of the latest audit entry before this command (seconds since the
    /// epoch), if the log had one.
    pub reference: Option<u64>,
    /// `now - reference` in seconds (negative: the clock reads before the entry).
    pub offset: i64,
    /// The conclusion.
    pub verdict: ClockVerdict,
    /// When the jump is in the history: the number of the first audit entry
    /// dated after it (`now` is then that entry's time, `reference` the time of
    /// the entry before). `None`: the jump is between the latest entry and now.
    pub at: Option<u64>,
}

/// Judges `now` against `reference` (both seconds since the Unix epoch, UTC):
/// at most [`MAX_BEHIND_SECS`] behind and at most `max_ahead_days` days ahead is
/// plausible; no reference is plausible.
pub fn judge_clock(now: u64, reference: Option<u64>, max_ahead_days: u32) -> ClockCheck {
    let offset = match reference {
        Some(r) => i64::try_from(now)
            .unwrap_or(i64::MAX)
            .saturating_sub(i64::try_from(r).unwrap_or(i64::MAX)),
        None => 0,
    };
    let ahead_limit = i64::from(max_ahead_days) * 86_400;
    let verdict = match reference {
        None => ClockVerdict::Plausible,
        Some(_) if offset > ahead_limit => ClockVerdict::Ahead,
        Some(_) if offset < -(MAX_BEHIND_SECS as i64) => ClockVerdict::Behind,
        Some(_) => ClockVerdict::Plausible,
    };
    ClockCheck {
        now,
        reference,
        offset,
        verdict,
        at: None,
    }
}

/// A duration in words: "3 days 4 hours", "12 minutes".
pub fn describe_secs(secs: u64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (d, h) {
        (0, 0) => format!("{m} minutes"),
        (0, _) => format!("{h} hours {m} minutes"),
        _ => format!("{d} days {h} hours"),
    }
}

impl ClockCheck {
    /// Whether the clock may be trusted for time-based actions.
    pub fn plausible(&self) -> bool {
        self.verdict == ClockVerdict::Plausible
    }

    /// The finding as a message of the catalog (for people; [`ClockCheck::describe`]
    /// is the audit log's English record of it): the clock's reading, how far
    /// after or before the reference, which entry if the jump is in the history.
    pub fn finding(&self) -> crate::error::Msg {
        let span = self.offset.unsigned_abs();
        let (days, hours, minutes) = (span / 86_400, span % 86_400 / 3600, span % 3600 / 60);
        let ahead = if self.offset >= 0 { "yes" } else { "no" };
        let reference = self.reference.map(rfc3339).unwrap_or_default();
        match self.at {
            None => msg!(
                "clock-finding-now",
                now = rfc3339(self.now),
                days = days,
                hours = hours,
                minutes = minutes,
                ahead = ahead,
                reference = reference
            ),
            Some(seq) => msg!(
                "clock-finding-history",
                at = seq,
                now = rfc3339(self.now),
                days = days,
                hours = hours,
                minutes = minutes,
                ahead = ahead,
                reference = reference
            ),
        }
    }

    /// The finding in words, content-free, ending with the offset in seconds
    /// (English: recorded in the audit log's `detail`).
    pub fn describe(&self) -> String {
        let reference = self.reference.map(rfc3339).unwrap_or_default();
        let how = if self.offset >= 0 { "after" } else { "before" };
        let span = describe_secs(self.offset.unsigned_abs());
        match self.at {
            None => format!(
                "the system clock reads {}, {span} {how} the vault's latest audit entry ({reference}; offset {:+} seconds)",
                rfc3339(self.now),
                self.offset
            ),
            Some(seq) => format!(
                "audit entry {seq} is dated {}, {span} {how} the entry before it ({reference}): the clock jumped and no one has confirmed it since (offset {:+} seconds)",
                rfc3339(self.now),
                self.offset
            ),
        }
    }
}

impl Vault {
    /// The system clock judged against the latest audit entry found when the
    /// vault was opened, with the policy's `[audit] clock_max_ahead_days`.
    pub fn clock_check(&self) -> ClockCheck {
        judge_clock(
            now(),
            self.clock_reference,
            self.policy.audit.clock_max_ahead_days,
        )
    }
}

impl Vault {
    /// The clock judged against the whole history: the latest step between
    /// consecutive audit entries (and from the latest entry to now) that lies
    /// outside the bounds of [`judge_clock`] and that no `clock.confirm` entry
    /// follows. Plausible when there is none. Reads the log once.
    pub fn clock_check_history(&self) -> Result<ClockCheck> {
        let _turn = self.begin()?;
        use std::io::{BufRead, Read};
        let days = self.policy.audit.clock_max_ahead_days;
        let (path, end) = {
            let log = self.log()?;
            (log.medium().clone(), log.state().offset)
        };
        let file = crate::store::medium::reader(path.as_ref());
        let confirm = format!("\"action\":\"{CONFIRM_ACTION}\"");
        let confirm = memchr::memmem::Finder::new(confirm.as_bytes());
        let restore = format!(
            "\"action\":\"{}\"",
            crate::vault::audit_trail::restores::RESTORE_ACTION
        );
        let restore = memchr::memmem::Finder::new(restore.as_bytes());
        let mut prev: Option<u64> = None;
        let mut jump: Option<ClockCheck> = None;
        for (i, line) in std::io::BufReader::new(file.take(end))
            .split(b'\n')
            .enumerate()
        {
            let line = line.map_err(|e| Error::io(msg!("cannot-read-audit-log"), e))?;
            let Some(t) = crate::audit::line_time(&line)
                .and_then(|t| std::str::from_utf8(t).ok())
                .and_then(|t| parse_time(t).ok())
            else {
                continue;
            };
            // A restore follows the backup's last entry after however long the
            // backup was kept: that step is expected, not a jump.
            if prev.is_some() && restore.find(&line).is_none() {
                let step = judge_clock(t, prev, days);
                if !step.plausible() {
                    jump = Some(ClockCheck {
                        at: Some(i as u64 + 1),
                        ..step
                    });
                }
            }
            if confirm.find(&line).is_some()
                && memchr::memmem::find(&line, b"\"outcome\":\"ok\"").is_some()
            {
                jump = None;
            }
            prev = Some(t);
        }
        let last = judge_clock(now(), prev, days);
        Ok(match (last.plausible(), jump) {
            (true, Some(j)) => j,
            _ => last,
        })
    }
}

/// The string member `name` of an audit line (`"name":"value"`), without
/// parsing the line; `None` if absent or not a string.
fn line_member<'a>(line: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let key = format!("\"{name}\":\"");
    let at = memchr::memmem::find(line, key.as_bytes())? + key.len();
    let len = memchr::memchr(b'"', &line[at..])?;
    Some(&line[at..at + len])
}

impl Vault {
    /// The latest time that someone other than `actor` vouches for: the time of
    /// the latest signed fact (a format-3 entry: a note written, a care team
    /// changed…) with outcome `ok` whose signer is another staff member (not
    /// `actor`, not the recovery key, not the person supported). Unsigned
    /// entries do not count: anyone with the disk can append them, and anyone
    /// can cause a refusal or a failed unlock under any name; a fact needs its
    /// signer's key. `None` when the log holds no such entry. Reads the log
    /// once (seconds since the Unix epoch, UTC).
    ///
    /// Why: [`Vault::clock_check_history`] judges each step of the clock, not
    /// where the steps lead; one member moving the clock forward in plausible
    /// steps, running a command at each, could make a destructive time-based
    /// action (`audit prune`, `retention apply`) believe months have passed.
    /// Time that only that member's own entries show is not vouched for.
    pub fn vouched_time(&self, actor: &str) -> Result<Option<u64>> {
        let mut latest: Option<u64> = None;
        let (path, end) = {
            let log = self.log()?;
            (log.medium().clone(), log.state().offset)
        };
        crate::audit::prune::each_line(path.as_ref(), end, |_, _, line| {
            // A signed fact (format 3 or 5): an unsigned line is as easy to append
            // to the log as to forge, a fact needs its signer's key, and every
            // fact of the log was verified when the vault was unlocked.
            let vouches = crate::audit::line::starts_as_fact(line)
                && memchr::memmem::find(line, b"\"outcome\":\"ok\"").is_some()
                && line_member(line, "signer").is_some_and(|signer| {
                    signer != actor.as_bytes()
                        && !signer.starts_with(b"~")
                        && !signer.starts_with(b"person:")
                });
            if vouches {
                if let Some(t) = crate::audit::line_time(line)
                    .and_then(|t| std::str::from_utf8(t).ok())
                    .and_then(|t| parse_time(t).ok())
                {
                    latest = Some(latest.map_or(t, |l| l.max(t)));
                }
            }
            Ok(())
        })?;
        Ok(latest)
    }
}

impl Session<'_> {
    /// "Now" for a destructive, time-based action (`action`): the system clock,
    /// but no later than the latest time another member's work vouches for
    /// ([`Vault::vouched_time`]). With `confirm_clock` the user vouches for the
    /// clock instead: when it reads more than a day beyond the vouched time,
    /// that is audited ([`CONFIRM_ACTION`], both times in the detail). With no
    /// entry by anyone else (a vault one member uses alone) the clock is taken,
    /// judged only step by step. Seconds since the Unix epoch, UTC.
    pub fn vouched_now(&self, action: &str, confirm_clock: bool) -> Result<u64> {
        let clock = now();
        let Some(vouched) = self.vault.vouched_time(&self.me.id)? else {
            return Ok(clock);
        };
        if clock <= vouched.saturating_add(MAX_BEHIND_SECS) {
            return Ok(clock);
        }
        if !confirm_clock {
            return Ok(vouched);
        }
        self.vault.audit(self.draft(CONFIRM_ACTION).detail(&format!(
            "clock confirmed by the user for {action} beyond other members' latest activity ({}): the clock reads {}",
            rfc3339(vouched),
            rfc3339(clock)
        )))?;
        Ok(clock)
    }
}

impl Session<'_> {
    /// Guards a destructive, time-based action (`action`, e.g. `retention.apply`):
    /// when the clock is implausible ([`Vault::clock_check`]) the action is
    /// refused (audited as denied, [`Error::Refused`], exit 3) unless
    /// `confirm_clock`, in which case the confirmation is audited
    /// ([`CONFIRM_ACTION`], with the offset) and the action may go on.
    pub fn require_plausible_clock(&mut self, action: &str, confirm_clock: bool) -> Result<()> {
        let mut check = self.vault.clock_check();
        if check.plausible() {
            check = self.vault.clock_check_history()?;
        }
        if check.plausible() {
            return Ok(());
        }
        if !confirm_clock {
            let reason = msg!(
                "clock-looks-wrong",
                offset = check.finding(),
                action = action
            );
            return self.refuse(action, None, reason);
        }
        self.vault
            .audit(self.draft(CONFIRM_ACTION).detail(&format!(
                "clock confirmed by the user for {action}: {}",
                check.describe()
            )))
            .map(|_| ())
    }
}

/// Parses an entry's RFC 3339 time to seconds since the epoch.
pub(crate) fn parse_time(t: &str) -> Result<u64> {
    let ts: jiff::Timestamp = t
        .parse()
        .map_err(|_| Error::Integrity(msg!("audit-entry-s-time-valid-time")))?;
    u64::try_from(ts.as_second())
        .map_err(|_| Error::Integrity(msg!("audit-entry-s-time-before-1970")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400;

    #[test]
    fn bounds() {
        let r = 1_800_000_000;
        assert!(judge_clock(r, None, 45).plausible());
        assert!(judge_clock(r + 10, Some(r), 45).plausible());
        assert!(judge_clock(r + 45 * DAY, Some(r), 45).plausible());
        assert_eq!(
            judge_clock(r + 45 * DAY + 1, Some(r), 45).verdict,
            ClockVerdict::Ahead
        );
        assert_eq!(
            judge_clock(r + 21 * 366 * DAY, Some(r), 45).verdict,
            ClockVerdict::Ahead
        );
        assert!(judge_clock(r - DAY, Some(r), 45).plausible());
        let back = judge_clock(r - DAY - 1, Some(r), 45);
        assert_eq!(back.verdict, ClockVerdict::Behind);
        assert_eq!(back.offset, -(DAY as i64) - 1);
        assert!(back.describe().contains("before"), "{}", back.describe());
    }

    #[test]
    fn parse_time_reads_entry_times() {
        assert_eq!(parse_time("1970-01-02T00:00:00Z").unwrap(), DAY);
        assert!(parse_time("yesterday").is_err());
    }
}
