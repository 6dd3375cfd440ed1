//! Each dossier's lines, chained by the log itself (`docs/audit-format.md`,
//! "The dossier chain"): a line of format 4 or 5 naming a dossier carries
//! `dprev`, the number of the previous line naming the same dossier (0 for
//! none). Every verifier keeps, in its one pass, the last line naming each
//! dossier and checks each `dprev` against it; the writer computes `dprev`
//! the same way ([`crate::vault`]'s tail check), so it never writes a line
//! its own verifier refuses; readers of a history walk the chain down
//! against the audit index, so a deleted index record is an integrity
//! failure instead of a silent gap.
//!
//! Each actor's lines are chained the same way ("The actor chain"): a line of
//! format 6 or 7 carries `aprev`, the number of the previous line naming the
//! same actor, checked in the same pass against the last line kept for
//! each actor.

use std::collections::HashMap;

use super::line::{chains_actor, chains_dossier};
use super::prune::is_pruned;
use crate::error::{Error, Result};

/// The last line naming each dossier and each actor, so far, and the
/// pruned lines met.
#[derive(Clone, Debug, Default)]
pub struct Chain {
    /// Dossier (its bytes as written, between the quotes) → the number of
    /// the last unpruned line naming it.
    last: HashMap<Vec<u8>, u64>,
    /// Actor (its bytes as written, between the quotes) → the number of the
    /// last unpruned line naming it.
    actors: HashMap<Vec<u8>, u64>,
    /// Numbers of the pruned lines, increasing.
    pruned: Vec<u64>,
    /// The first line of format 4 to 7, once met.
    chained_from: Option<u64>,
    /// The first line of format 6 or 7, once met.
    actors_chained_from: Option<u64>,
}

impl Chain {
    /// Before the first line.
    pub fn new() -> Self {
        Chain::default()
    }

    /// Takes in line `seq`, which was checked to be well formed
    /// ([`super::line::check`]). With `check`, refuses a `dprev` other than
    /// the number of the last line naming the same dossier — or than a
    /// pruned line after it (a pruned line has lost its dossier) — and a line
    /// of format 2 or 3 after one of format 4 to 7; the same for `aprev`
    /// and the actor, and a line of format 2 to 5 after one of format 6 or 7.
    ///
    /// Errors: [`Error::Integrity`] naming the line.
    pub fn see(&mut self, seq: u64, line: &[u8], check: bool) -> Result<()> {
        if is_pruned(line) {
            self.pruned.push(seq);
            return Ok(());
        }
        let Some(l) = super::line::links(line) else {
            return Err(Error::Integrity(msg!(
                "audit-valid-entry-altered-damaged",
                place = format!("entry {seq}")
            )));
        };
        if !chains_dossier(l.v) {
            if check && self.chained_from.is_some() {
                return Err(Error::Integrity(msg!(
                    "audit-format-downgrade",
                    seq = seq,
                    v = l.v
                )));
            }
        } else if self.chained_from.is_none() {
            self.chained_from = Some(seq);
        }
        if !chains_actor(l.v) {
            if check && self.actors_chained_from.is_some() {
                return Err(Error::Integrity(msg!(
                    "audit-actor-format-downgrade",
                    seq = seq,
                    v = l.v
                )));
            }
        } else if self.actors_chained_from.is_none() {
            self.actors_chained_from = Some(seq);
        }
        if let (true, Some(p)) = (check, l.aprev) {
            let expected = self.last_by(l.actor);
            if !self.fits(expected, p, seq) {
                return Err(Error::Integrity(msg!(
                    "audit-aprev-wrong",
                    seq = seq,
                    actor = String::from_utf8_lossy(l.actor).into_owned(),
                    aprev = p,
                    expected = expected
                )));
            }
        }
        self.record_by(l.actor, seq);
        let Some(d) = l.dossier else {
            return Ok(());
        };
        let expected = self.last(d);
        if let (true, Some(p)) = (check, l.dprev) {
            if !self.fits(expected, p, seq) {
                return Err(Error::Integrity(msg!(
                    "audit-dprev-wrong",
                    seq = seq,
                    dossier = String::from_utf8_lossy(d).into_owned(),
                    dprev = p,
                    expected = expected
                )));
            }
        }
        self.record(d, seq);
        Ok(())
    }

    /// Whether `dprev` (or `aprev`) is what a line `seq` may carry when the
    /// last line naming its dossier (or actor) is `expected`.
    pub fn fits(&self, expected: u64, dprev: u64, seq: u64) -> bool {
        dprev == expected
            || (dprev > expected && dprev < seq && self.pruned.binary_search(&dprev).is_ok())
    }

    /// The number of the last unpruned line naming dossier `d` (as written
    /// in a line, between the quotes), 0 for none.
    pub fn last(&self, d: &[u8]) -> u64 {
        self.last.get(d).copied().unwrap_or(0)
    }

    /// The number of the last unpruned line naming actor `a` (as written in
    /// a line, between the quotes), 0 for none.
    pub fn last_by(&self, a: &[u8]) -> u64 {
        self.actors.get(a).copied().unwrap_or(0)
    }

    /// Records line `seq` as the last naming actor `a`.
    pub fn record_by(&mut self, a: &[u8], seq: u64) {
        match self.actors.get_mut(a) {
            Some(s) => *s = seq,
            None => {
                self.actors.insert(a.to_vec(), seq);
            }
        }
    }

    /// Records line `seq` as the last naming dossier `d`.
    pub fn record(&mut self, d: &[u8], seq: u64) {
        match self.last.get_mut(d) {
            Some(s) => *s = seq,
            None => {
                self.last.insert(d.to_vec(), seq);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line of format 4 (or 2 without `dprev`) about `dossier`, as the
    /// chain reads it (the rest of the line does not matter to it).
    fn line(v: u32, seq: u64, dossier: Option<&str>, dprev: Option<u64>) -> Vec<u8> {
        let d = dossier.map_or("null".to_string(), |d| format!("\"{d}\""));
        let p = match (v, dprev) {
            (2 | 3, _) => String::new(),
            (_, Some(p)) => format!(",\"dprev\":{p}"),
            (_, None) => ",\"dprev\":null".to_string(),
        };
        format!(
            "{{\"v\":{v},\"seq\":{seq},\"prev\":\"{}\",\"time\":\"2026-01-01T00:00:00Z\",\"actor\":\"a\",\"profession\":\"p\",\"action\":\"dossier.read\",\"dossier\":{d}{p},\"entry\":null,\"target\":null,\"categories\":[],\"outcome\":\"ok\",\"break_glass\":false,\"detail\":null,\"justification\":null,\"nonce\":\"{}\"}}",
            "0".repeat(64),
            "0".repeat(32)
        )
        .into_bytes()
    }

    fn pruned() -> Vec<u8> {
        format!(
            "{{\"pruned\":\"{}\",\"prev\":\"{}\",\"by\":9}}",
            "1".repeat(64),
            "2".repeat(64)
        )
        .into_bytes()
    }

    #[test]
    fn each_dprev_must_be_the_last_line_about_its_dossier_or_a_pruned_one_after_it() {
        let mut c = Chain::new();
        c.see(1, &line(4, 1, None, None), true).unwrap();
        c.see(2, &line(4, 2, Some("d-1"), Some(0)), true).unwrap();
        c.see(3, &pruned(), true).unwrap();
        c.see(4, &line(4, 4, Some("d-2"), Some(0)), true).unwrap();
        // The last unpruned line about d-1 is 2; 3 is pruned, after it.
        for (dprev, ok) in [(2, true), (3, true), (1, false), (0, false), (4, false)] {
            let mut c = c.clone();
            assert_eq!(
                c.see(5, &line(4, 5, Some("d-1"), Some(dprev)), true)
                    .is_ok(),
                ok,
                "dprev {dprev}"
            );
        }
        // A pruned line the line itself does not follow is no excuse.
        let mut later = c.clone();
        assert!(later
            .see(5, &line(4, 5, Some("d-1"), Some(5)), true)
            .is_err());
        // Lines of format 2 before the first of format 4 set the chain, and
        // none may follow it.
        let mut old = Chain::new();
        old.see(1, &line(2, 1, Some("d-1"), None), true).unwrap();
        old.see(2, &line(4, 2, Some("d-1"), Some(1)), true).unwrap();
        let err = old
            .see(3, &line(2, 3, Some("d-1"), None), true)
            .unwrap_err()
            .to_string();
        assert!(err.contains('3'), "{err}");
        // Unchecked, the chain only learns.
        let mut learn = Chain::new();
        learn
            .see(1, &line(4, 1, Some("d-1"), Some(7)), false)
            .unwrap();
        assert_eq!(learn.last(b"d-1"), 1);
        assert_eq!(learn.last(b"d-2"), 0);
    }

    /// A line of format 6 by `actor`, with `aprev` and no dossier.
    fn by(seq: u64, actor: &str, aprev: u64) -> Vec<u8> {
        String::from_utf8(line(4, seq, None, None))
            .unwrap()
            .replacen("\"v\":4", "\"v\":6", 1)
            .replace(
                "\"actor\":\"a\"",
                &format!("\"actor\":\"{actor}\",\"aprev\":{aprev}"),
            )
            .into_bytes()
    }

    #[test]
    fn each_aprev_must_be_the_last_line_by_its_actor_or_a_pruned_one_after_it() {
        // Its own reading of the line first.
        let l = by(9, "b.martin", 4);
        assert!(super::super::line::check(&l).is_ok());
        let links = super::super::line::links(&l).unwrap();
        assert_eq!((links.actor, links.aprev), (&b"b.martin"[..], Some(4)));
        let mut c = Chain::new();
        // Lines of format 4 by `a` set the chain without an aprev.
        c.see(1, &line(4, 1, None, None), true).unwrap();
        c.see(2, &by(2, "b", 0), true).unwrap();
        c.see(3, &pruned(), true).unwrap();
        c.see(4, &by(4, "a", 1), true).unwrap();
        // The last unpruned line by b is 2; 3 is pruned, after it.
        for (aprev, ok) in [
            (2, true),
            (3, true),
            (1, false),
            (0, false),
            (4, false),
            (5, false),
        ] {
            let mut c = c.clone();
            assert_eq!(
                c.see(5, &by(5, "b", aprev), true).is_ok(),
                ok,
                "aprev {aprev}"
            );
        }
        // No line of format 4 after one of format 6.
        let err = c
            .clone()
            .see(5, &line(4, 5, None, None), true)
            .unwrap_err()
            .to_string();
        assert!(err.contains('5'), "{err}");
        assert_eq!(
            (c.last_by(b"a"), c.last_by(b"b"), c.last_by(b"c")),
            (4, 2, 0)
        );
    }
}
