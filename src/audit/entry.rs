//! The audit entry (formats 2 to 7), its line encoding, and filters for reading the log.
//!
//! A line is the compact JSON of [`AuditEntry`], fields in declaration order,
//! starting `{"v":6,"seq":N,"prev":"<64 hex>",…`. The line's bytes (without the
//! newline) are the Merkle leaf; `prev` is the leaf hash of the line before, so an
//! altered entry is pinpointed by the entry after it. `docs/audit-format.md` is the
//! byte-exact specification.

use serde::{Deserialize, Serialize};

use super::merkle::Hash;
use crate::error::{Error, Result};

/// Format version of an entry that carries no fact (Coffre writes it; 4 is
/// the same without `aprev`, 2 without `aprev` and `dprev`, read only).
pub const ENTRY_VERSION: u32 = 6;
/// Format version of an entry that carries a fact (`fact`, `signer`, `sig`
/// members after `justification`): see `docs/audit-format.md` (5 is the same
/// without `aprev`, 3 without `aprev` and `dprev`, read only).
pub const FACT_ENTRY_VERSION: u32 = 7;

/// An entry's `dprev`: absent (formats 2 and 3), `null` (no dossier), or the
/// number of the previous line naming the same dossier (0 for none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dprev {
    /// Not a member (formats 2 and 3).
    #[default]
    Absent,
    /// `null`: the entry names no dossier.
    Null,
    /// The previous line naming the dossier; 0 for none.
    Seq(u64),
}

impl Dprev {
    /// Whether the member is left out of the line.
    pub fn is_absent(&self) -> bool {
        *self == Dprev::Absent
    }

    /// The number, when there is one.
    pub fn seq(&self) -> Option<u64> {
        match self {
            Dprev::Seq(n) => Some(*n),
            _ => None,
        }
    }
}

impl Serialize for Dprev {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Dprev::Seq(n) => s.serialize_u64(*n),
            _ => s.serialize_none(),
        }
    }
}

impl<'de> Deserialize<'de> for Dprev {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(match Option::<u64>::deserialize(d)? {
            Some(n) => Dprev::Seq(n),
            None => Dprev::Null,
        })
    }
}

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

    /// Parses the spelling used on the command line.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Outcome::Ok,
            Outcome::Denied,
            Outcome::Failed,
            Outcome::Error,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// One line of the audit log.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// Entry format version: 6, or 7 for an entry that carries a fact (4
    /// and 5 without `aprev`, 2 and 3 without `aprev` and `dprev`, in logs
    /// written before).
    pub v: u32,
    /// Sequence number, from 1, without gaps.
    pub seq: u64,
    /// Leaf hash (hex) of the previous line; for the first entry, the vault's genesis.
    pub prev: String,
    /// UTC time, RFC 3339, seconds.
    pub time: String,
    /// Staff id of the actor (as claimed, for failed unlocks).
    pub actor: String,
    /// Formats 6 and 7: the number of the previous line naming the same
    /// actor (0 for the first); absent in formats 2 to 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aprev: Option<u64>,
    /// The actor's profession ("" if unknown).
    pub profession: String,
    /// What was attempted (`dossier.read`, `entry.add`, `unlock`, `key.grant`, …).
    pub action: String,
    /// The dossier concerned.
    pub dossier: Option<String>,
    /// Formats 4 and 5: the number of the previous line naming the same
    /// dossier (0 for the first), `null` when `dossier` is null.
    #[serde(default, skip_serializing_if = "Dprev::is_absent")]
    pub dprev: Dprev,
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
    /// 32 lower-case hex digits: 128 random bits drawn for this line, so that
    /// its leaf hash — all a pruned line keeps — cannot be matched by trying
    /// the few values the other members can take (who, which dossier, when).
    /// In a line without a fact, followed by `0` digits that pad the line to
    /// a multiple of [`crate::audit::log::PAD_TO`] bytes.
    pub nonce: String,
    /// A fact of the rights register (format 3 only): a JSON object, kept as
    /// written because the signature covers its bytes (see [`crate::rights`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fact: Option<Box<serde_json::value::RawValue>>,
    /// Who signed the fact: a staff id, or `~recovery` for the recovery key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// Ed25519 signature (128 lower-case hex) of the line up to and excluding
    /// `,"sig":`, followed by `}`, prefixed by `coffre/fact/v1\n`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
}

impl PartialEq for AuditEntry {
    fn eq(&self, o: &Self) -> bool {
        self.v == o.v
            && self.seq == o.seq
            && self.prev == o.prev
            && self.time == o.time
            && self.actor == o.actor
            && self.aprev == o.aprev
            && self.profession == o.profession
            && self.action == o.action
            && self.dossier == o.dossier
            && self.dprev == o.dprev
            && self.entry == o.entry
            && self.target == o.target
            && self.categories == o.categories
            && self.outcome == o.outcome
            && self.break_glass == o.break_glass
            && self.detail == o.detail
            && self.justification == o.justification
            && self.nonce == o.nonce
            && self.fact.as_ref().map(|f| f.get()) == o.fact.as_ref().map(|f| f.get())
            && self.signer == o.signer
            && self.sig == o.sig
    }
}

impl Eq for AuditEntry {}

/// Signs a fact line: the signature covers the bytes of a draft line.
pub type FactSigner = std::sync::Arc<super::checkpoint::SigningKey>;

/// What a caller records; the log fills in `v`, `seq`, `prev` and `time`.
#[derive(Clone, Default)]
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
    /// A fact of the rights register (JSON object) and who signs it: the
    /// signer's name in the entry and their key. `None` as key: an unsigned
    /// content fact, vouched for by the next checkpoint.
    pub fact: Option<(String, Option<(String, FactSigner)>)>,
}

impl std::fmt::Debug for Draft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Draft")
            .field("actor", &self.actor)
            .field("action", &self.action)
            .finish_non_exhaustive()
    }
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
    /// Attaches a fact (compact JSON object), signed by `signer` (name, key).
    pub fn fact(mut self, json: String, signer: Option<(String, FactSigner)>) -> Self {
        self.fact = Some((json, signer));
        self
    }
}

/// Domain separation prefix of fact signatures.
pub const FACT_SIG_DOMAIN: &[u8] = b"coffre/fact/v1\n";

/// The bytes a fact signature covers for a line that ends with
/// `,"sig":"<128 hex>"}`: the domain prefix, the line up to `,"sig":`, then `}`.
/// `None` if the line does not end that way.
pub fn signed_part(line: &[u8]) -> Option<Vec<u8>> {
    const TAIL: usize = 8 + 128 + 2; // ,"sig":" + hex + "}
    if line.len() < TAIL || !line.ends_with(b"\"}") {
        return None;
    }
    let cut = line.len() - TAIL;
    if &line[cut..cut + 8] != b",\"sig\":\"" {
        return None;
    }
    let mut out = Vec::with_capacity(FACT_SIG_DOMAIN.len() + cut + 1);
    out.extend_from_slice(FACT_SIG_DOMAIN);
    out.extend_from_slice(&line[..cut]);
    out.push(b'}');
    Some(out)
}

impl AuditEntry {
    /// The line bytes (compact JSON, no newline): the Merkle leaf.
    pub fn to_line(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(|e| Error::Io(msg!("cannot-encode-audit-entry", e = e)))
    }

    /// Parses a line, which must be a well-formed entry
    /// ([`super::line::check_line`]: its canonical form, format 2 to 7).
    pub fn from_line(line: &[u8], place: &str) -> Result<Self> {
        if let super::line::Shape::Pruned(_) = super::line::check_line(line, &|| place.to_string())?
        {
            return Err(Error::Integrity(msg!(
                "audit-valid-entry-altered-damaged",
                place = place
            )));
        }
        let e: AuditEntry = serde_json::from_slice(line).map_err(|_| {
            Error::Integrity(msg!("audit-valid-entry-altered-damaged", place = place))
        })?;
        let fact_shape = e.fact.is_some() == super::line::carries_fact(e.v)
            && (e.signer.is_some() == e.sig.is_some())
            && (e.fact.is_some() || e.signer.is_none())
            && (e.dprev.is_absent() != super::line::chains_dossier(e.v))
            && (e.dprev == Dprev::Null) == (e.dossier.is_none() && !e.dprev.is_absent())
            && e.aprev.is_some() == super::line::chains_actor(e.v);
        if !(2..=7).contains(&e.v) {
            return Err(Error::Integrity(msg!(
                "audit-unknown-format-version",
                place = place,
                v = e.v
            )));
        }
        if !fact_shape {
            return Err(Error::Integrity(msg!(
                "audit-valid-entry-altered-damaged",
                place = place
            )));
        }
        Ok(e)
    }
}

/// Reads `seq` and `prev` from the fixed prefix of a line without a full JSON
/// parse: `{"v":6,"seq":<digits>,"prev":"<64 hex>"` (or `"v":2` to 7). `None` if the
/// prefix is not exactly that shape.
pub fn quick_header(line: &[u8]) -> Option<(u64, Hash)> {
    let rest = line.strip_prefix(b"{\"v\":")?;
    if !matches!(rest.first(), Some(b'2'..=b'7')) {
        return None;
    }
    let rest = rest[1..].strip_prefix(b",\"seq\":")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 20 || (digits > 1 && rest[0] == b'0') {
        return None;
    }
    let seq: u64 = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    let rest = rest[digits..].strip_prefix(b",\"prev\":\"")?;
    if rest.len() < 65 || rest[64] != b'"' {
        return None;
    }
    let mut prev = [0u8; 32];
    hex::decode_to_slice(&rest[..64], &mut prev).ok()?;
    if rest[..64].iter().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    Some((seq, prev))
}

/// The `prev` of the first entry of a vault's log:
/// SHA-256("coffre/audit/genesis\n" ‖ vault id).
pub fn genesis(vault_id: &str) -> Hash {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(b"coffre/audit/genesis\n");
    ctx.update(vault_id.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// Normalises a time bound given by a user, to the RFC 3339 UTC form used in
/// entries: a day as typed in France (`14/05/2012`) or in ISO 8601
/// (`2012-05-14`), meaning its midnight UTC, or an RFC 3339 time.
///
/// Errors: [`Error::Usage`] (exit 2): `date-two-digit-year` for `14/05/12`
/// (its century cannot be told), `date-yyyy-mm-dd-time-yyyy` for anything else.
pub fn normalise_time(s: &str) -> Result<String> {
    let s = s.trim();
    let bad = || Error::Usage(msg!("date-yyyy-mm-dd-time-yyyy", s = s));
    if s.contains('/') || s.len() == 10 {
        return match crate::i18n::parse_date(s) {
            Ok(d) => Ok(format!("{d}T00:00:00Z")),
            Err(e) if s.contains('/') => Err(e),
            Err(_) => Err(bad()),
        };
    }
    let t: jiff::Timestamp = s.parse().map_err(|_| bad())?;
    Ok(t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

#[cfg(test)]
mod time_bound_tests {
    use super::normalise_time;

    #[test]
    fn days_are_read_as_typed_in_france_or_in_iso_8601() {
        assert_eq!(
            normalise_time("14/05/2012").unwrap(),
            "2012-05-14T00:00:00Z"
        );
        assert_eq!(normalise_time("4/5/2012").unwrap(), "2012-05-04T00:00:00Z");
        assert_eq!(
            normalise_time("2012-05-14").unwrap(),
            "2012-05-14T00:00:00Z"
        );
        assert_eq!(
            normalise_time("2012-05-14T10:00:00+02:00").unwrap(),
            "2012-05-14T08:00:00Z"
        );
        for bad in ["14/05/12", "31/02/2012", "hier", "2012-13-01", ""] {
            assert!(normalise_time(bad).is_err(), "{bad}");
        }
        let two = normalise_time("14/05/12").unwrap_err().to_string();
        assert!(two.contains("four") || two.contains("quatre"), "{two}");
    }
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
    /// Only entries at or after this time (RFC 3339, compared as UTC text).
    pub since: Option<String>,
    /// Only entries strictly before this time.
    pub until: Option<String>,
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
            && self
                .since
                .as_ref()
                .is_none_or(|s| e.time.as_str() >= s.as_str())
            && self
                .until
                .as_ref()
                .is_none_or(|u| e.time.as_str() < u.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample(seq: u64) -> AuditEntry {
        AuditEntry {
            v: 2,
            seq,
            prev: hex::encode([7u8; 32]),
            time: "2026-01-01T00:00:00Z".into(),
            actor: "a".into(),
            aprev: None,
            profession: "medecin".into(),
            action: "dossier.read".into(),
            dossier: Some("d-1".into()),
            dprev: Default::default(),
            entry: None,
            target: None,
            categories: vec!["medical".into()],
            outcome: Outcome::Ok,
            break_glass: false,
            detail: None,
            justification: None,
            nonce: "0123456789abcdef0123456789abcdef".into(),
            fact: None,
            signer: None,
            sig: None,
        }
    }

    #[test]
    fn quick_header_matches_full_parse() {
        let e = sample(42);
        let line = e.to_line().unwrap();
        assert_eq!(quick_header(&line), Some((42, [7u8; 32])));
        assert_eq!(AuditEntry::from_line(&line, "line 1").unwrap(), e);
    }

    #[test]
    fn quick_header_rejects_other_shapes() {
        assert!(quick_header(b"{\"v\":3,\"seq\":1,").is_none());
        assert!(quick_header(b"{\"v\":2,\"seq\":01,\"prev\":\"").is_none());
        assert!(quick_header(b"").is_none());
        let mut line = sample(1).to_line().unwrap();
        line[30] = b'G';
        assert!(quick_header(&line).is_none());
    }

    proptest! {
        #[test]
        fn prop_quick_header_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
            let _ = quick_header(&bytes);
            let _ = AuditEntry::from_line(&bytes, "x");
        }

        /// Whatever text the members hold, the line serde writes is well
        /// formed: the rule of `line` is exactly serde_json's canonical form.
        #[test]
        fn prop_any_text_serialises_well_formed(
            actor in any::<String>(),
            detail in proptest::option::of(any::<String>()),
            cats in proptest::collection::btree_set(any::<String>(), 0..4),
        ) {
            let mut e = sample(3);
            e.actor = actor;
            e.detail = detail;
            e.categories = cats.into_iter().collect();
            let line = e.to_line().unwrap();
            prop_assume!(line.len() <= super::super::line::MAX_LINE_LEN);
            prop_assert!(super::super::line::check(&line).is_ok(), "{}", String::from_utf8_lossy(&line));
            prop_assert_eq!(AuditEntry::from_line(&line, "x").unwrap(), e);
        }

        /// A well-formed line is the canonical serialisation of its entry.
        #[test]
        fn prop_well_formed_is_canonical(bytes in proptest::collection::vec(any::<u8>(), 0..80), at in 0usize..300) {
            let mut line = sample(9).to_line().unwrap();
            let at = at.min(line.len());
            line.splice(at..at, bytes);
            if super::super::line::check(&line).is_ok() {
                let e = AuditEntry::from_line(&line, "x").unwrap();
                prop_assert_eq!(e.to_line().unwrap(), line);
            }
        }

        /// Formats 4 and 5: whatever the dossier (text or none) and `dprev`,
        /// the line serde writes is well formed, reads back as itself, and
        /// the chain's quick reading ([`super::super::line::links`]) finds
        /// what the full check finds; a `dprev` inconsistent with the
        /// dossier, or with the format, is refused.
        #[test]
        fn prop_dprev_codec(
            dossier in proptest::option::of(any::<String>()),
            dprev in any::<u64>(),
            detail in proptest::option::of(any::<String>()),
            fact in any::<bool>(),
        ) {
            let mut e = sample(7);
            e.v = 4;
            e.dossier = dossier.clone();
            e.detail = detail;
            e.dprev = if dossier.is_some() { Dprev::Seq(dprev) } else { Dprev::Null };
            if fact {
                e.v = 5;
                e.fact = Some(serde_json::value::RawValue::from_string(
                    "{\"kind\":\"erased\",\"dossier\":\"d-1\"}".into()).unwrap());
                e.signer = Some("a".into());
                e.sig = Some("ab".repeat(64));
            }
            let line = e.to_line().unwrap();
            prop_assume!(line.len() <= super::super::line::MAX_LINE_LEN);
            let shape = super::super::line::check(&line);
            let Ok(super::super::line::Shape::Entry { v, seq, dossier: span, dprev: got, .. }) = shape else {
                return Err(TestCaseError::fail(format!("{shape:?}: {}", String::from_utf8_lossy(&line))));
            };
            prop_assert_eq!(v, e.v);
            prop_assert_eq!(got, e.dprev.seq());
            prop_assert_eq!(AuditEntry::from_line(&line, "x").unwrap(), e.clone());
            let links = super::super::line::links(&line).unwrap();
            prop_assert_eq!((links.v, links.seq, links.dprev), (v, seq, got));
            prop_assert_eq!(links.dossier, span.map(|s| s.of(&line)));
            // Inconsistent: a number with no dossier, null with one, none at all.
            let mut bad = e.clone();
            bad.dprev = if dossier.is_some() { Dprev::Null } else { Dprev::Seq(dprev) };
            prop_assert!(super::super::line::check(&bad.to_line().unwrap()).is_err());
            bad.dprev = Dprev::Absent;
            prop_assert!(super::super::line::check(&bad.to_line().unwrap()).is_err());
            let mut old = e.clone();
            old.v -= 2;
            prop_assert!(super::super::line::check(&old.to_line().unwrap()).is_err());
        }

        #[test]
        fn prop_round_trip(seq in 1u64..u64::MAX, actor in "[a-z.]{1,12}", cats in proptest::collection::vec("[a-z-]{1,10}", 0..4)) {
            let mut e = sample(seq);
            e.actor = actor;
            // Categories are sorted and unique in a well-formed line.
            let mut cats = cats;
            cats.sort();
            cats.dedup();
            e.categories = cats;
            let line = e.to_line().unwrap();
            prop_assert_eq!(quick_header(&line).map(|h| h.0), Some(seq));
            prop_assert_eq!(AuditEntry::from_line(&line, "x").unwrap(), e);
        }
    }
}
