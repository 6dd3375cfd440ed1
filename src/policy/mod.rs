//! Deontology policies: the data categories, entry kinds, professions and who may
//! do what. A policy is a TOML file (`policies/default.toml` ships with Coffre and is
//! copied into each vault at `init`); [`load`] parses and checks it, reporting the
//! file, line and reason of any problem. Decisions live in [`eval`].

pub mod eval;
mod load;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

pub use eval::{categories_in_words, key_msg, keys_in_words, Capability, VaultKey};
pub use load::{load, parse, parse_stored};

/// The policy shipped with Coffre (the French social and medico-social defaults).
pub const DEFAULT_POLICY: &str = include_str!("../../policies/default.toml");
/// The name under which the default policy is reported in errors.
pub const DEFAULT_POLICY_NAME: &str = "policies/default.toml";

/// Why an author-only category is withheld from the person when the policy text
/// gives no reason (vaults whose policy copy predates that rule). Personal notes
/// kept by their author alone are not part of the communicable file (CSP L1111-7;
/// ANAES recommendations approved by the arrêté of 5 March 2004); see
/// `policies/README.md`.
pub const AUTHOR_ONLY_REASON: &str = "Personal notes kept by their author alone are not part of the communicable file (CSP L1111-7; ANAES recommendations approved by the arrêté of 5 March 2004).";

/// Why a category this policy does not define is withheld from the person.
pub const UNKNOWN_CATEGORY_REASON: &str = "category not defined by the policy in force";

/// An effective, checked policy.
#[derive(Clone, Debug, Serialize)]
pub struct Policy {
    /// Format version of the policy file.
    pub format: u32,
    /// Name of this policy.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Rules beyond the matrix.
    pub rules: Rules,
    /// Thresholds of the DPO's audit report.
    pub audit: AuditRules,
    /// Retention periods.
    pub retention: Retention,
    /// What the person's access export tells them (GDPR art. 15 information).
    pub information: Information,
    /// Data categories by identifier.
    pub categories: BTreeMap<String, Category>,
    /// Professions by identifier.
    pub professions: BTreeMap<String, Profession>,
    /// Entry kinds by identifier.
    pub kinds: BTreeMap<String, Kind>,
    /// The language the establishment speaks by default (`language = "fr"`), used
    /// when neither `--lang`, `COFFRE_LANG` nor the locale chose one. Not in the
    /// JSON output (kept as it was).
    #[serde(skip)]
    pub language: Option<crate::i18n::Lang>,
    /// French and English labels of field names (`[fields.NAME]`). Not in the
    /// JSON output (kept as it was).
    #[serde(skip)]
    pub field_labels: BTreeMap<String, Labels>,
    /// Limits of the web application's browser sessions (`[web]`). Not in the
    /// JSON output (kept as it was).
    #[serde(skip)]
    pub web: WebRules,
    /// The second factor of staff logins on the web (`[auth]`). Not in the
    /// JSON output (kept as it was).
    #[serde(skip)]
    pub auth: AuthRules,
    /// Documents attached to dossiers (`[documents]`): their types and size
    /// limit. Not in the JSON output (kept as it was).
    #[serde(skip)]
    pub documents: DocumentRules,
}

/// What documents a dossier may hold (`[documents]` of the policy).
#[derive(Clone, Debug)]
pub struct DocumentRules {
    /// The largest document accepted, in bytes (`max_mib`, default 500 MiB).
    pub max_bytes: u64,
    /// The types a document may have, by identifier, with their labels
    /// (`[documents.types.ID]`). A policy without them accepts no document.
    pub types: BTreeMap<String, Labels>,
}

impl Default for DocumentRules {
    fn default() -> Self {
        DocumentRules {
            max_bytes: 500 * 1024 * 1024,
            types: BTreeMap::new(),
        }
    }
}

/// When a staff login on the web needs a second factor (`[auth] second_factor`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecondFactorRule {
    /// Every staff login on the web.
    Required,
    /// Members may enrol one; whoever has one must give it.
    Optional,
    /// Required unless the server listens on loopback addresses only (the
    /// shipped default).
    #[default]
    RequiredRemote,
}

impl SecondFactorRule {
    /// Whether a member with no second factor must enrol one before their web
    /// session opens, for a server that listens on `loopback` addresses only
    /// (or not).
    pub fn required(self, loopback: bool) -> bool {
        match self {
            SecondFactorRule::Required => true,
            SecondFactorRule::Optional => false,
            SecondFactorRule::RequiredRemote => !loopback,
        }
    }
}

/// The person's own second factor (`[auth] person_second_factor`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PersonSecondFactor {
    /// Not offered on `/moi`; a factor enrolled earlier is still asked.
    None,
    /// The person may enrol one.
    Optional,
    /// A person without one enrols after their passphrase.
    Required,
}

/// The second factor's rules (`[auth]` of the policy,
/// `docs/second-factor.md`).
#[derive(Clone, Debug, Serialize)]
pub struct AuthRules {
    /// For staff logins on the web.
    pub second_factor: SecondFactorRule,
    /// For the person supported, on `/moi`: `"optional"` (the default: they
    /// may enrol one), `"required"` (a person without one enrols after their
    /// passphrase) or `"none"` (not offered).
    pub person_second_factor: PersonSecondFactor,
    /// Whether the command line asks a member who has a one-time-code factor
    /// for a code (or a recovery code) after the passphrase (`true`), or
    /// keeps the passphrase alone on the server's console (`false`, the
    /// default: `docs/threat-model.md`).
    pub cli_second_factor: bool,
}

impl Default for AuthRules {
    fn default() -> Self {
        AuthRules {
            second_factor: SecondFactorRule::RequiredRemote,
            person_second_factor: PersonSecondFactor::Optional,
            cli_second_factor: false,
        }
    }
}

/// Limits of a browser session of `coffre serve` (`[web]` of the policy): when
/// its unlocked keys are dropped (zeroized) without a logout, so that a browser
/// left open on a shared computer does not keep a dossier readable.
#[derive(Clone, Debug, Serialize)]
pub struct WebRules {
    /// Minutes without a request after which a session ends (1–480, default 15).
    pub idle_minutes: u32,
    /// Hours after login after which a session ends whatever its use (1–24,
    /// default 10).
    pub max_hours: u32,
}

impl Default for WebRules {
    fn default() -> Self {
        WebRules {
            idle_minutes: 15,
            max_hours: 10,
        }
    }
}

/// A name shown to people, in each language Coffre speaks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels {
    /// French (`label = "…"`).
    pub fr: String,
    /// English (`label_en = "…"`).
    pub en: String,
}

impl Labels {
    /// The label in `lang`.
    pub fn get(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::Fr => &self.fr,
            crate::i18n::Lang::En => &self.en,
        }
    }
}

impl Policy {
    /// The label of category `id` in `lang` (the id itself if the policy does
    /// not define it, e.g. a category of an older policy).
    pub fn category_label(&self, id: &str, lang: crate::i18n::Lang) -> String {
        self.categories
            .get(id)
            .map_or_else(|| id.to_string(), |c| c.labels.get(lang).to_string())
    }

    /// The label of entry kind `id` in `lang` (the id itself if unknown).
    pub fn kind_label(&self, id: &str, lang: crate::i18n::Lang) -> String {
        if id == crate::vault::DOCUMENT_KIND {
            // The same word in French and English.
            return "Document".to_string();
        }
        self.kinds
            .get(id)
            .map_or_else(|| id.to_string(), |k| k.labels.get(lang).to_string())
    }

    /// The label of profession `id` in `lang` (the id itself if unknown).
    pub fn profession_label(&self, id: &str, lang: crate::i18n::Lang) -> String {
        self.professions
            .get(id)
            .map_or_else(|| id.to_string(), |p| p.labels.get(lang).to_string())
    }

    /// The label of document type `id` in `lang` (the id itself if unknown).
    pub fn document_type_label(&self, id: &str, lang: crate::i18n::Lang) -> String {
        self.documents
            .types
            .get(id)
            .map_or_else(|| id.to_string(), |l| l.get(lang).to_string())
    }

    /// The label of field name `name` in `lang` (the name itself if unknown).
    pub fn field_label(&self, name: &str, lang: crate::i18n::Lang) -> String {
        self.field_labels
            .get(name)
            .map_or_else(|| name.to_string(), |l| l.get(lang).to_string())
    }
}

impl crate::i18n::LabelSource for Policy {
    fn label(&self, name: &str, id: &str, lang: crate::i18n::Lang) -> Option<String> {
        match name {
            "profession" => Some(self.profession_label(id, lang)),
            "category" | "cat" => Some(self.category_label(id, lang)),
            // A list of categories, as ids joined by ", ".
            "categories" => Some(
                id.split(", ")
                    .map(|c| format!("« {} »", self.category_label(c, lang)))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            "kind" => Some(self.kind_label(id, lang)),
            _ => None,
        }
    }

    fn relabel(&self, text: &str, lang: crate::i18n::Lang) -> Option<String> {
        let all = self
            .professions
            .values()
            .map(|p| &p.labels)
            .chain(self.categories.values().map(|c| &c.labels))
            .chain(self.kinds.values().map(|k| &k.labels))
            .chain(self.field_labels.values());
        for l in all {
            if l.fr == text || l.en == text {
                return Some(l.get(lang).to_string());
            }
        }
        None
    }

    fn timezone(&self) -> Option<String> {
        Some(self.audit.timezone.clone())
    }
}

/// Rules that are not per profession.
#[derive(Clone, Debug, Serialize)]
pub struct Rules {
    /// How long a break-glass access stays open, in hours.
    pub break_glass_hours: u32,
}

/// Thresholds for the audit report (what the DPO is shown as unusual).
#[derive(Clone, Debug, Serialize)]
pub struct AuditRules {
    /// The establishment's time zone (IANA name), for working hours.
    pub timezone: String,
    /// Working hours start (local hour, 0–23).
    pub work_start_hour: u8,
    /// Working hours end (local hour, 1–24); reads at or after it are reported.
    pub work_end_hour: u8,
    /// Whether reads on Saturdays and Sundays are reported as outside working hours.
    pub weekends_outside: bool,
    /// Reading this many different dossiers …
    pub burst_dossiers: u32,
    /// … within this many minutes is reported as unusual.
    pub burst_minutes: u32,
    /// How many days the system clock may read ahead of the vault's latest audit
    /// entry before time-based destructive actions (`retention apply`) ask for
    /// `--confirm-clock` (see [`crate::vault::clock`]).
    pub clock_max_ahead_days: u32,
    /// How long the access trail (entries that carry no fact) is kept, in
    /// seconds (`trail_retention`, default one year: CNIL recommendation on
    /// logging, 2021: 6 months to 1 year; at most 3 years, and above 1 year
    /// only with `trail_retention_reason`). `coffre audit prune` removes the
    /// content of older entries.
    pub trail_retention_secs: u64,
    /// The policy's words for `trail_retention`, e.g. `1 year`.
    pub trail_retention: String,
    /// The documented reason for keeping the trail more than a year.
    pub trail_retention_reason: Option<String>,
    /// Whether a prune keeps aggregate counts per month and profession (no
    /// dossier or staff id) in its fact.
    pub trail_counts: bool,
}

/// Seconds in a year of 365.25 days, the unit of `trail_retention`.
pub const YEAR_SECS: u64 = 31_557_600;

/// Parses a trail retention: `<n> day(s)`, `<n> month(s)` (a twelfth of a
/// year) or `<n> year(s)` (365.25 days), also `<n>d`, `<n>m`, `<n>y`; seconds.
pub fn parse_trail_retention(s: &str) -> Option<u64> {
    let (n, unit) = split_trail_retention(s)?;
    let unit = match unit {
        PeriodUnit::Days => 86_400,
        PeriodUnit::Months => YEAR_SECS / 12,
        PeriodUnit::Years => YEAR_SECS,
    };
    n.checked_mul(unit).filter(|v| *v > 0)
}

/// The unit of a period written in the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodUnit {
    /// `d`, `day`, `days`.
    Days,
    /// `m`, `month`, `months`.
    Months,
    /// `y`, `year`, `years`.
    Years,
}

/// A trail retention's number and unit, as written (see
/// [`parse_trail_retention`]); `None` if it is not of that form.
pub fn split_trail_retention(s: &str) -> Option<(u64, PeriodUnit)> {
    let s = s.trim();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let n: u64 = s[..digits].parse().ok()?;
    let unit = match s[digits..].trim() {
        "d" | "day" | "days" => PeriodUnit::Days,
        "m" | "month" | "months" => PeriodUnit::Months,
        "y" | "year" | "years" => PeriodUnit::Years,
        _ => return None,
    };
    Some((n, unit))
}

/// A period written in the policy (`1 year`, `6 months`, `90 days`: see
/// [`parse_trail_retention`]) as a message; the policy's text as it is if it
/// is not of that form.
pub fn period_msg(written: &str) -> crate::error::Msg {
    match split_trail_retention(written) {
        Some((n, PeriodUnit::Days)) => msg!("period-days", n = n),
        Some((n, PeriodUnit::Months)) => msg!("period-months", n = n),
        Some((n, PeriodUnit::Years)) => msg!("period-years", n = n),
        None => msg!("period-as-written", text = written.to_string()),
    }
}

impl Default for AuditRules {
    fn default() -> Self {
        AuditRules {
            timezone: "Europe/Paris".into(),
            work_start_hour: 7,
            work_end_hour: 21,
            weekends_outside: false,
            burst_dossiers: 15,
            burst_minutes: 60,
            clock_max_ahead_days: crate::vault::clock::DEFAULT_MAX_AHEAD_DAYS,
            trail_retention_secs: YEAR_SECS,
            trail_retention: "1 year".into(),
            trail_retention_reason: None,
            trail_counts: false,
        }
    }
}

/// Retention periods after the end of support (`dossier close`).
#[derive(Clone, Debug, Serialize)]
pub struct Retention {
    /// The rule applied when `dossier close` names none.
    pub default: String,
    /// Whether erasing needs a recorded approval (public establishments:
    /// the archives service, Code du patrimoine L211-4).
    pub require_approval: bool,
    /// Rules by identifier.
    pub rules: BTreeMap<String, RetentionRule>,
    /// Minimum years for a dossier that holds data of these categories.
    pub categories: BTreeMap<String, u32>,
}

/// One retention rule.
#[derive(Clone, Debug, Serialize)]
pub struct RetentionRule {
    /// What it applies to.
    pub label: String,
    /// Years after the end of support.
    pub years: u32,
    /// Where the period comes from.
    pub source: String,
}

/// The information the person's export gives (GDPR art. 15, CASF L311-3).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Information {
    /// Purposes of the processing.
    pub purposes: Vec<String>,
    /// Where data not collected from the person comes from.
    pub source: String,
    /// The person's rights, in plain words.
    pub rights: Vec<String>,
    /// How to complain (CNIL).
    pub complaint: String,
    /// How to reach the data protection officer.
    pub dpo_contact: String,
}

/// A data category.
#[derive(Clone, Debug, Serialize)]
pub struct Category {
    /// What goes there.
    pub description: String,
    /// Name shown to the person supported (in French in the default policy).
    pub label: String,
    /// Only the author reads it back (no shared category key exists).
    pub author_only: bool,
    /// If set, withheld from the person's own access, for this legal reason.
    pub withheld: Option<String>,
    /// Whether break-glass may open it (never for author-only categories).
    pub break_glass: bool,
    /// Whether its key is granted only by an explicit decision of a holder or
    /// of the recovery key (`coffre staff approve`), never automatically.
    pub approval: bool,
    /// What every carer must see first (allergies, care protocols): its
    /// fields are shown at the top of a dossier, above every note, and of
    /// the break-the-glass view, to whoever may read them.
    pub pinned: bool,
    /// French and English labels (not in the JSON output, kept as it was).
    #[serde(skip)]
    pub labels: Labels,
}

/// A profession and its rights.
#[derive(Clone, Debug, Serialize)]
pub struct Profession {
    /// Human label.
    pub label: String,
    /// Categories it may read (including those it may write).
    pub read: BTreeSet<String>,
    /// Categories it may write.
    pub write: BTreeSet<String>,
    /// Administrative capabilities.
    pub can: BTreeSet<Capability>,
    /// French and English labels (not in the JSON output, kept as it was).
    #[serde(skip)]
    pub labels: Labels,
}

/// An entry kind: a named set of fields, each in one category.
#[derive(Clone, Debug, Serialize)]
pub struct Kind {
    /// What this kind is for.
    pub description: String,
    /// Name shown to the person supported.
    pub label: String,
    /// Field name → category.
    pub fields: BTreeMap<String, String>,
    /// French and English labels (not in the JSON output, kept as it was).
    #[serde(skip)]
    pub labels: Labels,
}
