//! The audit entry, its canonical hash, and filters for reading the log.

use ring::digest::{Context, SHA256};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What happened to the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Carried out.
    Ok,
    /// Refused by the policy or the care team.
    Denied,
    /// Authentication failed.
    Failed,
    /// Stopped by an integrity failure or an error.
    Error,
}

impl Outcome {
    /// The spelling used in the log and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
            Outcome::Error => "error",
        }
    }
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// Sequence number, from 1, without gaps.
    pub seq: u64,
    /// UTC time, RFC 3339.
    pub time: String,
    /// Staff id of the actor (as claimed, for failed unlocks).
    pub actor: String,
    /// The actor's profession ("" if unknown).
    pub profession: String,
    /// What was attempted (`dossier.read`, `entry.add`, `unlock`, `key.grant`, …).
    pub action: String,
    /// The dossier concerned.
    pub dossier: Option<String>,
    /// The entry concerned.
    pub entry: Option<String>,
    /// The staff member acted upon (staff add, team add, key grant).
    pub target: Option<String>,
    /// Data categories read or written.
    pub categories: Vec<String>,
    /// What happened.
    pub outcome: Outcome,
    /// Whether this was a break-the-glass access.
    pub break_glass: bool,
    /// A short, content-free reason (e.g. "not in the care team").
    pub detail: Option<String>,
    /// The actor's justification, age-encrypted to the audit key (hex).
    pub justification: Option<String>,
    /// Hash of the previous entry (hex).
    pub prev: String,
    /// Hash of this entry (hex).
    pub hash: String,
}

/// What a caller records; the log fills in `seq`, `time`, `prev` and `hash`.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    /// Staff id.
    pub actor: String,
    /// Profession.
    pub profession: String,
    /// Action name.
    pub action: String,
    /// Dossier.
    pub dossier: Option<String>,
    /// Entry.
    pub entry: Option<String>,
    /// Staff member acted upon.
    pub target: Option<String>,
    /// Categories.
    pub categories: Vec<String>,
    /// Outcome (defaults to `Ok` through [`Draft::new`]).
    pub outcome: Option<Outcome>,
    /// Break-glass flag.
    pub break_glass: bool,
    /// Content-free reason.
    pub detail: Option<String>,
    /// Encrypted justification (hex).
    pub justification: Option<String>,
}

impl Draft {
    /// A draft for `action` by `actor`.
    pub fn new(actor: &str, profession: &str, action: &str) -> Self {
        Draft {
            actor: actor.into(),
            profession: profession.into(),
            action: action.into(),
            outcome: Some(Outcome::Ok),
            ..Draft::default()
        }
    }
    /// Sets the dossier.
    pub fn dossier(mut self, d: &str) -> Self {
        self.dossier = Some(d.into());
        self
    }
    /// Sets the entry.
    pub fn entry(mut self, e: &str) -> Self {
        self.entry = Some(e.into());
        self
    }
    /// Sets the staff member acted upon.
    pub fn target(mut self, t: &str) -> Self {
        self.target = Some(t.into());
        self
    }
    /// Sets the categories.
    pub fn categories<I: IntoIterator<Item = S>, S: Into<String>>(mut self, c: I) -> Self {
        self.categories = c.into_iter().map(Into::into).collect();
        self.categories.sort();
        self.categories.dedup();
        self
    }
    /// Sets the outcome.
    pub fn outcome(mut self, o: Outcome) -> Self {
        self.outcome = Some(o);
        self
    }
    /// Sets the content-free detail.
    pub fn detail(mut self, d: &str) -> Self {
        self.detail = Some(d.into());
        self
    }
}

impl AuditEntry {
    /// The hash this entry should carry.
    pub fn compute_hash(&self) -> Result<String> {
        let mut copy = self.clone();
        copy.hash = String::new();
        let body = serde_json::to_vec(&copy)
            .map_err(|e| Error::Io(format!("cannot encode audit entry: {e}")))?;
        let mut ctx = Context::new(&SHA256);
        ctx.update(b"coffre/audit/v1\n");
        ctx.update(&body);
        Ok(hex::encode(ctx.finish()))
    }
}

/// The `prev` of the first entry of a vault's log.
pub fn genesis(vault_id: &str) -> String {
    let mut ctx = Context::new(&SHA256);
    ctx.update(b"coffre/audit/genesis\n");
    ctx.update(vault_id.as_bytes());
    hex::encode(ctx.finish())
}

/// Selects audit entries.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only this dossier.
    pub dossier: Option<String>,
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this outcome.
    pub outcome: Option<Outcome>,
}

impl Filter {
    /// Whether `e` passes the filter.
    pub fn matches(&self, e: &AuditEntry) -> bool {
        self.dossier
            .as_ref()
            .is_none_or(|d| e.dossier.as_ref() == Some(d))
            && self.actor.as_ref().is_none_or(|a| &e.actor == a)
            && self.action.as_ref().is_none_or(|a| &e.action == a)
            && self.outcome.is_none_or(|o| e.outcome == o)
    }
}
