//! Parsing and checking a policy file. Every refusal names the file, the line and
//! the reason.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{
    AuditRules, Capability, Category, Information, Kind, Policy, Profession, Retention,
    RetentionRule, Rules,
};
use crate::error::{Error, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    format: Spanned<u32>,
    name: String,
    #[serde(default)]
    description: String,
    rules: RawRules,
    #[serde(default)]
    audit: Option<RawAudit>,
    retention: RawRetention,
    information: RawInformation,
    categories: BTreeMap<String, RawCategory>,
    professions: BTreeMap<String, RawProfession>,
    kinds: BTreeMap<String, RawKind>,
    #[serde(default)]
    language: Option<Spanned<String>>,
    #[serde(default)]
    fields: BTreeMap<String, RawFieldLabel>,
    #[serde(default)]
    web: Option<RawWeb>,
    #[serde(default)]
    auth: Option<RawAuth>,
    #[serde(default)]
    documents: Option<RawDocuments>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocuments {
    max_mib: Option<Spanned<u64>>,
    #[serde(default)]
    types: BTreeMap<String, RawFieldLabel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuth {
    second_factor: Option<Spanned<String>>,
    person_second_factor: Option<Spanned<String>>,
    cli_second_factor: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeb {
    idle_minutes: Option<Spanned<u32>>,
    max_hours: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFieldLabel {
    #[serde(default)]
    label: Option<Spanned<String>>,
    #[serde(default)]
    label_en: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    break_glass_hours: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetention {
    default: Spanned<String>,
    #[serde(default)]
    require_approval: bool,
    rules: BTreeMap<String, RawRetentionRule>,
    #[serde(default)]
    categories: BTreeMap<String, Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetentionRule {
    label: Spanned<String>,
    years: Spanned<u32>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInformation {
    purposes: Vec<String>,
    source: String,
    rights: Vec<String>,
    complaint: String,
    dpo_contact: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    timezone: Option<Spanned<String>>,
    work_start_hour: Option<Spanned<u8>>,
    work_end_hour: Option<Spanned<u8>>,
    weekends_outside: Option<bool>,
    burst_dossiers: Option<Spanned<u32>>,
    burst_minutes: Option<Spanned<u32>>,
    clock_max_ahead_days: Option<Spanned<u32>>,
    trail_retention: Option<Spanned<String>>,
    trail_retention_reason: Option<String>,
    trail_counts: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    description: Spanned<String>,
    #[serde(default)]
    label: Option<Spanned<String>>,
    #[serde(default)]
    label_en: Option<Spanned<String>>,
    #[serde(default)]
    author_only: Option<Spanned<bool>>,
    #[serde(default)]
    withheld: Option<String>,
    #[serde(default)]
    break_glass: Option<Spanned<bool>>,
    #[serde(default)]
    approval: bool,
    #[serde(default)]
    pinned: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfession {
    label: Spanned<String>,
    #[serde(default)]
    label_en: Option<Spanned<String>>,
    #[serde(default)]
    read: Vec<Spanned<String>>,
    #[serde(default)]
    write: Vec<Spanned<String>>,
    #[serde(default)]
    can: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    description: Spanned<String>,
    #[serde(default)]
    label: Option<Spanned<String>>,
    #[serde(default)]
    label_en: Option<Spanned<String>>,
    fields: BTreeMap<String, Spanned<String>>,
}

/// Reads and checks a policy file.
pub fn load(path: &Path) -> Result<Policy> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Policy {
        file: path.display().to_string(),
        line: 0,
        reason: msg!("policy-cannot-read", reason = e),
    })?;
    parse(&text, &path.display().to_string())
}

struct Ctx<'a> {
    text: &'a str,
    file: &'a str,
}

impl Ctx<'_> {
    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }
    fn err<T>(&self, span: std::ops::Range<usize>, reason: crate::error::Msg) -> Result<T> {
        let line = if span.end == 0 {
            0
        } else {
            self.line(span.start)
        };
        Err(Error::Policy {
            file: self.file.to_string(),
            line,
            reason,
        })
    }
}

/// The French and English labels of a category, kind, profession or field `id`
/// (`what` names which, for the message). A policy read from a file must give
/// both (`label` and `label_en`, non-empty): a missing one is refused at `span`,
/// the line of the definition. A vault's stored copy of an older policy falls
/// back on `fallback_fr` / `fallback_en`.
#[allow(clippy::too_many_arguments)]
fn labels(
    cx: &Ctx<'_>,
    stored: bool,
    what: &str,
    id: &str,
    fr: Option<&Spanned<String>>,
    en: Option<&Spanned<String>>,
    span: std::ops::Range<usize>,
    fallback: (&str, &str),
) -> Result<super::Labels> {
    let mut out = super::Labels::default();
    for (lang, given, key, fb, slot) in [
        ("fr", fr, "label", fallback.0, &mut out.fr),
        ("en", en, "label_en", fallback.1, &mut out.en),
    ] {
        match given {
            Some(l) if !l.get_ref().trim().is_empty() => *slot = l.get_ref().trim().to_string(),
            Some(l) if !stored => {
                return cx.err(
                    l.span(),
                    msg!(
                        "policy-label-empty",
                        what = what,
                        id = id,
                        key = key,
                        lang = lang
                    ),
                )
            }
            None if !stored => {
                return cx.err(
                    span,
                    msg!(
                        "policy-label-missing",
                        what = what,
                        id = id,
                        key = key,
                        lang = lang
                    ),
                )
            }
            _ => *slot = fb.to_string(),
        }
    }
    Ok(out)
}

fn valid_ident(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && s.as_bytes()[0].is_ascii_lowercase()
}

/// Parses and checks policy text; `file` names it in errors.
///
/// Besides the coherence rules of `policies/README.md`, an author-only category
/// must carry `withheld = "legal reason"`: what only its author may read back is
/// never given to the person supported (their keys are never wrapped to them), and
/// the person's copy lists it with that reason. A policy that would leave it
/// readable by the person is refused (`Error::Policy`, file:line:reason).
pub fn parse(text: &str, file: &str) -> Result<Policy> {
    parse_with(text, file, false)
}

/// Parses the copy of the policy a vault keeps (fingerprinted at `init`). Vaults
/// created before author-only categories had to carry `withheld` still open: such
/// a category is withheld from the person with [`super::AUTHOR_ONLY_REASON`].
/// Every other rule of [`parse`] applies.
pub fn parse_stored(text: &str, file: &str) -> Result<Policy> {
    parse_with(text, file, true)
}

fn parse_with(text: &str, file: &str, stored: bool) -> Result<Policy> {
    let cx = Ctx { text, file };
    let raw: RawPolicy = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| cx.line(s.start)).unwrap_or(0);
        Error::Policy {
            file: file.to_string(),
            line,
            reason: msg!("policy-toml-syntax", detail = e.message()),
        }
    })?;

    if *raw.format.get_ref() != 1 {
        return cx.err(
            raw.format.span(),
            msg!("unsupported-policy-format-coffre-reads-format"),
        );
    }
    let hours = *raw.rules.break_glass_hours.get_ref();
    if !(1..=24).contains(&hours) {
        return cx.err(
            raw.rules.break_glass_hours.span(),
            msg!("break-glass-hours-must-between-1"),
        );
    }

    let mut audit = AuditRules::default();
    if let Some(a) = &raw.audit {
        if let Some(tz) = &a.timezone {
            if jiff::tz::TimeZone::get(tz.get_ref()).is_err() {
                return cx.err(
                    tz.span(),
                    msg!("unknown-time-zone-use-iana-name", get_ref = tz.get_ref()),
                );
            }
            audit.timezone = tz.get_ref().clone();
        }
        if let Some(h) = &a.work_start_hour {
            if *h.get_ref() > 23 {
                return cx.err(h.span(), msg!("work-start-hour-must-between-0"));
            }
            audit.work_start_hour = *h.get_ref();
        }
        if let Some(h) = &a.work_end_hour {
            if *h.get_ref() == 0 || *h.get_ref() > 24 || *h.get_ref() <= audit.work_start_hour {
                return cx.err(h.span(), msg!("work-end-hour-must-after-work"));
            }
            audit.work_end_hour = *h.get_ref();
        }
        if let Some(w) = a.weekends_outside {
            audit.weekends_outside = w;
        }
        if let Some(n) = &a.burst_dossiers {
            if *n.get_ref() < 2 {
                return cx.err(n.span(), msg!("burst-dossiers-must-least-2"));
            }
            audit.burst_dossiers = *n.get_ref();
        }
        if let Some(n) = &a.burst_minutes {
            if *n.get_ref() == 0 || *n.get_ref() > 24 * 60 {
                return cx.err(n.span(), msg!("burst-minutes-must-between-1-1440"));
            }
            audit.burst_minutes = *n.get_ref();
        }
        if let Some(n) = &a.clock_max_ahead_days {
            if *n.get_ref() == 0 || *n.get_ref() > 3660 {
                return cx.err(n.span(), msg!("clock-max-ahead-days-must-between"));
            }
            audit.clock_max_ahead_days = *n.get_ref();
        }
        if let Some(t) = &a.trail_retention {
            let Some(secs) = crate::policy::parse_trail_retention(t.get_ref()) else {
                return cx.err(t.span(), msg!("policy-trail-retention-format"));
            };
            audit.trail_retention_secs = secs;
            audit.trail_retention = t.get_ref().trim().to_string();
        }
        let reason = a
            .trail_retention_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        audit.trail_retention_reason = reason.map(str::to_string);
        if audit.trail_retention_secs > 3 * crate::policy::YEAR_SECS {
            let span = a.trail_retention.as_ref().map_or(0..0, |t| t.span());
            return cx.err(span, msg!("policy-trail-retention-max"));
        }
        if audit.trail_retention_secs > crate::policy::YEAR_SECS && reason.is_none() {
            let span = a.trail_retention.as_ref().map_or(0..0, |t| t.span());
            return cx.err(span, msg!("policy-trail-retention-reason"));
        }
        if let Some(c) = a.trail_counts {
            audit.trail_counts = c;
        }
    }

    let mut web = super::WebRules::default();
    if let Some(w) = &raw.web {
        if let Some(m) = &w.idle_minutes {
            if !(1..=480).contains(m.get_ref()) {
                return cx.err(m.span(), msg!("policy-web-idle-minutes"));
            }
            web.idle_minutes = *m.get_ref();
        }
        if let Some(h) = &w.max_hours {
            if !(1..=24).contains(h.get_ref()) {
                return cx.err(h.span(), msg!("policy-web-max-hours"));
            }
            web.max_hours = *h.get_ref();
        }
    }

    let mut auth = super::AuthRules::default();
    if let Some(a) = &raw.auth {
        if let Some(sf) = &a.second_factor {
            auth.second_factor = match sf.get_ref().as_str() {
                "required" => super::SecondFactorRule::Required,
                "optional" => super::SecondFactorRule::Optional,
                "required-remote" => super::SecondFactorRule::RequiredRemote,
                _ => return cx.err(sf.span(), msg!("policy-auth-second-factor")),
            };
        }
        if let Some(p) = &a.person_second_factor {
            auth.person_second_factor = match p.get_ref().as_str() {
                "optional" => super::PersonSecondFactor::Optional,
                "required" => super::PersonSecondFactor::Required,
                "none" => super::PersonSecondFactor::None,
                _ => return cx.err(p.span(), msg!("policy-auth-person-second-factor")),
            };
        }
        if let Some(c) = &a.cli_second_factor {
            auth.cli_second_factor = *c.get_ref();
        }
    }

    let mut categories = BTreeMap::new();
    for (id, c) in &raw.categories {
        if !valid_ident(id) {
            return cx.err(
                c.description.span(),
                msg!("category-identifier-invalid-z-0-9", id = id),
            );
        }
        let inner = c;
        let author_only = inner.author_only.as_ref().is_some_and(|b| *b.get_ref());
        let break_glass = match &inner.break_glass {
            Some(b) if *b.get_ref() && author_only => {
                return cx.err(
                    b.span(),
                    msg!("category-author-only-break-glass-never", id = id),
                );
            }
            Some(b) => *b.get_ref(),
            None => !author_only,
        };
        if let Some(reason) = &inner.withheld {
            if reason.trim().is_empty() {
                return cx.err(
                    c.description.span(),
                    msg!("category-withheld-must-give-legal-reason", id = id),
                );
            }
        }
        // Author-only means: never the person's either (CSP L1111-7 and the
        // doctrine on practitioners' personal notes; policies/README.md).
        let withheld = match (&inner.withheld, &inner.author_only) {
            (Some(r), _) => Some(r.clone()),
            (None, Some(a)) if *a.get_ref() => {
                if !stored {
                    return cx.err(
                        a.span(),
                        msg!("category-author-only-never-given-person", id = id),
                    );
                }
                Some(super::AUTHOR_ONLY_REASON.to_string())
            }
            (None, _) => None,
        };
        categories.insert(
            id.clone(),
            Category {
                description: inner.description.get_ref().clone(),
                label: inner.label.as_ref().map_or_else(
                    || inner.description.get_ref().clone(),
                    |l| l.get_ref().clone(),
                ),
                labels: labels(
                    &cx,
                    stored,
                    "category",
                    id,
                    inner.label.as_ref(),
                    inner.label_en.as_ref(),
                    c.description.span(),
                    (
                        inner
                            .label
                            .as_ref()
                            .map_or(inner.description.get_ref(), |l| l.get_ref()),
                        inner.description.get_ref(),
                    ),
                )?,
                author_only,
                withheld,
                break_glass,
                approval: inner.approval,
                pinned: inner.pinned,
            },
        );
    }
    if !categories.contains_key("identity") {
        return cx.err(0..0, msg!("category-identity-required-holds-person-s"));
    }

    let mut professions = BTreeMap::new();
    for (id, p) in &raw.professions {
        if !valid_ident(id) {
            return cx.err(
                p.label.span(),
                msg!("profession-identifier-invalid", id = id),
            );
        }
        let inner = p;
        let mut read = BTreeSet::new();
        let mut write = BTreeSet::new();
        for (list, is_write) in [(&inner.read, false), (&inner.write, true)] {
            for c in list {
                let cat = c.get_ref();
                let Some(def) = categories.get(cat) else {
                    return cx.err(
                        c.span(),
                        msg!("profession-unknown-category", id = id, cat = cat),
                    );
                };
                if !is_write && def.author_only {
                    return cx.err(
                        c.span(),
                        msg!(
                            "profession-author-only-list-under-write",
                            id = id,
                            cat = cat
                        ),
                    );
                }
                if read.contains(cat) || write.contains(cat) {
                    return cx.err(
                        c.span(),
                        msg!("profession-category-listed-twice", id = id, cat = cat),
                    );
                }
                if is_write {
                    write.insert(cat.clone());
                } else {
                    read.insert(cat.clone());
                }
            }
        }
        // Write implies read, except for author-only categories (read back by the author only).
        for c in &write {
            if categories.get(c).is_some_and(|d| !d.author_only) {
                read.insert(c.clone());
            }
        }
        let mut can = BTreeSet::new();
        for c in &inner.can {
            match Capability::parse(c.get_ref()) {
                Some(cap) => {
                    can.insert(cap);
                }
                None => {
                    return cx.err(
                        c.span(),
                        msg!(
                            "profession-unknown-capability-known",
                            id = id,
                            get_ref = c.get_ref(),
                            names = Capability::names()
                        ),
                    )
                }
            }
        }
        if can.contains(&Capability::CreateDossier) && !write.contains("identity") {
            return cx.err(
                p.label.span(),
                msg!("profession-may-create-dossiers-may-write", id = id),
            );
        }
        professions.insert(
            id.clone(),
            Profession {
                label: inner.label.get_ref().clone(),
                labels: labels(
                    &cx,
                    stored,
                    "profession",
                    id,
                    Some(&inner.label),
                    inner.label_en.as_ref(),
                    p.label.span(),
                    (inner.label.get_ref(), inner.label.get_ref()),
                )?,
                read,
                write,
                can,
            },
        );
    }
    if !professions
        .values()
        .any(|p| p.can.contains(&Capability::ManageStaff))
    {
        return cx.err(0..0, msg!("profession-may-manage-staff-nobody-could"));
    }

    let mut kinds = BTreeMap::new();
    for (id, k) in &raw.kinds {
        if !valid_ident(id) {
            return cx.err(
                k.description.span(),
                msg!("kind-identifier-invalid", id = id),
            );
        }
        let inner = k;
        if inner.fields.is_empty() {
            return cx.err(k.description.span(), msg!("kind-field", id = id));
        }
        let mut fields = BTreeMap::new();
        for (name, cat) in &inner.fields {
            if !valid_ident(name) {
                return cx.err(
                    cat.span(),
                    msg!("kind-field-name-invalid", id = id, name = name),
                );
            }
            if !categories.contains_key(cat.get_ref()) {
                return cx.err(
                    cat.span(),
                    msg!(
                        "kind-field-unknown-category",
                        id = id,
                        name = name,
                        get_ref = cat.get_ref()
                    ),
                );
            }
            if !stored && !raw.fields.contains_key(name) {
                return cx.err(
                    cat.span(),
                    msg!("policy-field-label-missing", id = id, name = name),
                );
            }
            fields.insert(name.clone(), cat.get_ref().clone());
        }
        kinds.insert(
            id.clone(),
            Kind {
                description: inner.description.get_ref().clone(),
                label: inner.label.as_ref().map_or_else(
                    || inner.description.get_ref().clone(),
                    |l| l.get_ref().clone(),
                ),
                labels: labels(
                    &cx,
                    stored,
                    "kind",
                    id,
                    inner.label.as_ref(),
                    inner.label_en.as_ref(),
                    k.description.span(),
                    (
                        inner
                            .label
                            .as_ref()
                            .map_or(inner.description.get_ref(), |l| l.get_ref()),
                        inner.description.get_ref(),
                    ),
                )?,
                fields,
            },
        );
    }

    let mut rules = BTreeMap::new();
    for (id, r) in &raw.retention.rules {
        if !valid_ident(id) {
            return cx.err(
                r.label.span(),
                msg!("retention-rule-identifier-invalid", id = id),
            );
        }
        let years = *r.years.get_ref();
        if years == 0 || years > 200 {
            return cx.err(r.years.span(), msg!("retention-years-must-between-1-200"));
        }
        rules.insert(
            id.clone(),
            RetentionRule {
                label: r.label.get_ref().clone(),
                years,
                source: r.source.clone(),
            },
        );
    }
    if !rules.contains_key(raw.retention.default.get_ref()) {
        return cx.err(
            raw.retention.default.span(),
            msg!(
                "default-retention-rule-defined",
                get_ref = raw.retention.default.get_ref()
            ),
        );
    }
    let mut retention_categories = BTreeMap::new();
    for (cat, years) in &raw.retention.categories {
        if !categories.contains_key(cat) {
            return cx.err(years.span(), msg!("retention-unknown-category", cat = cat));
        }
        retention_categories.insert(cat.clone(), *years.get_ref());
    }
    let retention = Retention {
        default: raw.retention.default.get_ref().clone(),
        require_approval: raw.retention.require_approval,
        rules,
        categories: retention_categories,
    };
    let information = Information {
        purposes: raw.information.purposes.clone(),
        source: raw.information.source.clone(),
        rights: raw.information.rights.clone(),
        complaint: raw.information.complaint.clone(),
        dpo_contact: raw.information.dpo_contact.clone(),
    };

    let language = match &raw.language {
        None => None,
        Some(l) => match crate::i18n::Lang::parse(l.get_ref()) {
            Some(lang) if l.get_ref().len() == 2 => Some(lang),
            _ => {
                return cx.err(
                    l.span(),
                    msg!("policy-language-unknown", value = l.get_ref()),
                )
            }
        },
    };
    let mut field_labels = BTreeMap::new();
    for (name, f) in &raw.fields {
        if !valid_ident(name) {
            let span = f.label.as_ref().map_or(0..0, |l| l.span());
            return cx.err(span, msg!("policy-field-name-invalid", name = name));
        }
        let span = f
            .label
            .as_ref()
            .or(f.label_en.as_ref())
            .map_or(0..0, |l| l.span());
        field_labels.insert(
            name.clone(),
            labels(
                &cx,
                stored,
                "field",
                name,
                f.label.as_ref(),
                f.label_en.as_ref(),
                span,
                (name, name),
            )?,
        );
    }
    let mut documents = super::DocumentRules::default();
    if let Some(d) = &raw.documents {
        if let Some(m) = &d.max_mib {
            if !(1..=1024 * 1024).contains(m.get_ref()) {
                return cx.err(m.span(), msg!("policy-documents-max-mib"));
            }
            documents.max_bytes = m.get_ref() * 1024 * 1024;
        }
        for (id, t) in &d.types {
            let span = t
                .label
                .as_ref()
                .or(t.label_en.as_ref())
                .map_or(0..0, |l| l.span());
            if !valid_ident(id) {
                return cx.err(span, msg!("policy-document-type-invalid", id = id));
            }
            documents.types.insert(
                id.clone(),
                labels(
                    &cx,
                    stored,
                    "document type",
                    id,
                    t.label.as_ref(),
                    t.label_en.as_ref(),
                    span,
                    (id, id),
                )?,
            );
        }
    }
    if kinds.contains_key(crate::vault::DOCUMENT_KIND) {
        return cx.err(0..0, msg!("policy-kind-document-reserved"));
    }
    Ok(Policy {
        format: 1,
        name: raw.name,
        description: raw.description,
        rules: Rules {
            break_glass_hours: hours,
        },
        audit,
        retention,
        information,
        categories,
        professions,
        kinds,
        language,
        field_labels,
        web,
        auth,
        documents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{AUTHOR_ONLY_REASON, DEFAULT_POLICY};

    #[test]
    fn every_name_of_the_default_policy_has_both_labels() {
        let p = parse(DEFAULT_POLICY, "default.toml").unwrap();
        assert_eq!(p.language, Some(crate::i18n::Lang::Fr));
        let fr = crate::i18n::Lang::Fr;
        let en = crate::i18n::Lang::En;
        assert_eq!(p.field_label("medical_context", fr), "Contexte médical");
        assert_eq!(p.field_label("medical_context", en), "Medical context");
        assert_eq!(p.category_label("medical", en), "Medical information");
        assert_eq!(p.profession_label("infirmier", fr), "Infirmier·ère");
        for k in p.kinds.values() {
            for f in k.fields.keys() {
                assert!(p.field_labels.contains_key(f), "field {f}");
            }
        }
    }

    #[test]
    fn a_missing_label_is_refused_with_its_line_but_a_stored_copy_opens() {
        // Without the English label of the category 'medical'.
        let text = DEFAULT_POLICY.replace("label_en = \"Medical information\"\n", "");
        let line = text
            .lines()
            .position(|l| l.starts_with("description = \"Diagnoses"))
            .unwrap()
            + 1;
        match parse(&text, "p.toml") {
            Err(Error::Policy {
                file,
                line: l,
                reason,
            }) => {
                assert_eq!((file.as_str(), l), ("p.toml", line));
                assert_eq!(reason.kind(), "policy-label-missing");
                assert_eq!(
                    reason.arg("key"),
                    Some(&crate::error::Arg::Text("label_en".into()))
                );
            }
            other => panic!("{other:?}"),
        }
        let p = parse_stored(&text, "vault/policy.toml").unwrap();
        assert_eq!(
            p.categories["medical"].labels.en,
            "Diagnoses, treatments, medical notes"
        );
        // A field with no labels is refused at the kind that uses it.
        let text = DEFAULT_POLICY.replace(
            "[fields.alerts]\nlabel = \"Alertes\"\nlabel_en = \"Alerts\"\n",
            "",
        );
        let err = parse(&text, "p.toml").unwrap_err();
        assert_eq!(err.kind(), "policy-field-label-missing");
        assert!(matches!(err, Error::Policy { line, .. } if line > 0));
    }

    /// The default policy with `psy-notes` no longer carrying its `withheld` line,
    /// as vaults created before the rule hold it; and the line `author_only` is on.
    fn without_psy_notes_reason() -> (String, usize) {
        let mut out = Vec::new();
        let mut in_psy = false;
        let mut line_no = 0;
        for l in DEFAULT_POLICY.lines() {
            if l.starts_with('[') {
                in_psy = l == "[categories.psy-notes]";
            }
            if in_psy && l.starts_with("withheld") {
                continue;
            }
            out.push(l);
            if in_psy && l.starts_with("author_only") {
                line_no = out.len();
            }
        }
        assert!(line_no > 0);
        (out.join("\n"), line_no)
    }

    #[test]
    fn an_author_only_category_readable_by_the_person_is_refused_at_its_line() {
        let (text, line) = without_psy_notes_reason();
        match parse(&text, "p.toml") {
            Err(Error::Policy {
                file,
                line: l,
                reason,
            }) => {
                assert_eq!(file, "p.toml");
                assert_eq!(l, line, "{reason}");
                assert_eq!(reason.kind(), "category-author-only-never-given-person");
                assert_eq!(
                    reason.arg("id"),
                    Some(&crate::error::Arg::Text("psy-notes".into()))
                );
            }
            other => panic!("accepted: {:?}", other.map(|p| p.name)),
        }
    }

    #[test]
    fn a_stored_copy_without_the_reason_opens_with_author_only_withheld() {
        let (text, _) = without_psy_notes_reason();
        let p = parse_stored(&text, "vault/policy.toml").unwrap();
        assert_eq!(
            p.categories["psy-notes"].withheld.as_deref(),
            Some(AUTHOR_ONLY_REASON)
        );
        assert_eq!(
            p.withheld_from_person("psy-notes"),
            Some(AUTHOR_ONLY_REASON)
        );
        assert_eq!(p.withheld_from_person("medical"), None);
        assert!(p.withheld_from_person("no-such-category").is_some());
    }

    #[test]
    fn the_default_policy_withholds_every_author_only_category_with_a_reason() {
        let p = parse(DEFAULT_POLICY, "default.toml").unwrap();
        for (id, c) in &p.categories {
            if c.author_only {
                let r = p.withheld_from_person(id).unwrap();
                assert!(r.contains("CSP L1111-7"), "{id}: {r}");
            }
        }
        assert!(p
            .withheld_from_person("psy-notes")
            .unwrap()
            .contains("personal notes"));
    }

    #[test]
    fn the_second_factor_rule_is_read_checked_and_defaults_to_required_remote() {
        use crate::policy::SecondFactorRule;
        let p = parse(DEFAULT_POLICY, "default.toml").unwrap();
        assert_eq!(p.auth.second_factor, SecondFactorRule::RequiredRemote);
        assert_eq!(
            p.auth.person_second_factor,
            crate::policy::PersonSecondFactor::Optional
        );
        assert!(
            !p.auth.cli_second_factor,
            "the console keeps the passphrase alone"
        );
        assert!(!p.auth.second_factor.required(true), "loopback");
        assert!(p.auth.second_factor.required(false));
        // A vault's policy written before the section opens with the default.
        let start = DEFAULT_POLICY.find("[auth]").unwrap();
        let end = start + DEFAULT_POLICY[start..].find("\n\n[").unwrap() + 1;
        let older = format!("{}{}", &DEFAULT_POLICY[..start], &DEFAULT_POLICY[end..]);
        assert!(!older.contains("second_factor"));
        let p = parse_stored(&older, "policy.toml").unwrap();
        assert_eq!(p.auth.second_factor, SecondFactorRule::RequiredRemote);
        let required = DEFAULT_POLICY.replace(
            "second_factor = \"required-remote\"",
            "second_factor = \"required\"",
        );
        let p = parse(&required, "p.toml").unwrap();
        assert!(p.auth.second_factor.required(true));
        let cli = DEFAULT_POLICY.replace("cli_second_factor = false", "cli_second_factor = true");
        assert!(parse(&cli, "p.toml").unwrap().auth.cli_second_factor);
        let cli =
            DEFAULT_POLICY.replace("cli_second_factor = false", "cli_second_factor = \"totp\"");
        assert!(parse(&cli, "p.toml").is_err(), "a boolean");
        let bad = DEFAULT_POLICY.replace(
            "second_factor = \"required-remote\"",
            "second_factor = \"sometimes\"",
        );
        let line = bad.lines().position(|l| l.contains("sometimes")).unwrap() + 1;
        match parse(&bad, "p.toml") {
            Err(Error::Policy { line: l, .. }) => assert_eq!(l, line),
            other => panic!("{other:?}"),
        }
    }
}
