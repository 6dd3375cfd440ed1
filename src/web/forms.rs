//! An entry kind's fields as form inputs, and a submitted form back into the
//! library's [`FieldInput`]s. Labels come from the policy (`[kinds.*]`,
//! `[fields.*]`, `[categories.*]`) in the language asked for; what a member may
//! write is the policy's own answer ([`Policy::can_write`]), so a form never
//! offers a field the library would refuse. The library still decides: a form
//! built here is a convenience, [`crate::Session::add_entry`] checks again.

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::policy::Policy;
use crate::FieldInput;

/// The prefix of a field's form input name: the field `text` is submitted as
/// `field.text`, so that no field name can collide with the form's own inputs
/// (`csrf`, `kind`).
pub const FIELD_PREFIX: &str = "field.";

/// Longest value accepted for one field, in bytes (a long report fits; a
/// mistaken upload of a whole file does not).
pub const MAX_FIELD_BYTES: usize = 256 * 1024;

/// One input of a note form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormField {
    /// The field's name in the policy (`text`, `medical_context`).
    pub name: String,
    /// The form input's name: [`FIELD_PREFIX`] then the field's name.
    pub input: String,
    /// The field's label in the language asked for.
    pub label: String,
    /// The category the field's value is sealed under.
    pub category: String,
    /// That category's label.
    pub category_label: String,
}

/// A kind a member may choose when writing a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindChoice {
    /// The kind's id in the policy.
    pub id: String,
    /// Its label in the language asked for.
    pub label: String,
}

/// The kinds of which `profession` may write at least one field, sorted by
/// label. Empty for a profession the policy does not know.
pub fn writable_kinds(policy: &Policy, profession: &str, lang: Lang) -> Vec<KindChoice> {
    let mut out: Vec<KindChoice> = policy
        .kinds
        .iter()
        .filter(|(_, k)| {
            k.fields
                .values()
                .any(|cat| policy.can_write(profession, cat))
        })
        .map(|(id, _)| KindChoice {
            id: id.clone(),
            label: policy.kind_label(id, lang),
        })
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out
}

/// The fields of `kind` that `profession` may write, in the policy's order.
///
/// Errors: [`Error::NotFound`] if the policy has no such kind;
/// [`Error::Refused`] if the profession may write none of its fields.
pub fn kind_fields(
    policy: &Policy,
    kind: &str,
    profession: &str,
    lang: Lang,
) -> Result<Vec<FormField>> {
    let k = policy
        .kinds
        .get(kind)
        .ok_or_else(|| Error::NotFound(msg!("web-form-unknown-kind", kind = kind)))?;
    let out: Vec<FormField> = k
        .fields
        .iter()
        .filter(|(_, cat)| policy.can_write(profession, cat))
        .map(|(name, cat)| FormField {
            name: name.clone(),
            input: format!("{FIELD_PREFIX}{name}"),
            label: policy.field_label(name, lang),
            category: cat.clone(),
            category_label: policy.category_label(cat, lang),
        })
        .collect();
    if out.is_empty() {
        return Err(Error::Refused(msg!(
            "web-form-kind-not-writable",
            kind = kind,
            profession = profession
        )));
    }
    Ok(out)
}

/// The fields of a submitted note form (name, value pairs as the browser sent
/// them, in `application/x-www-form-urlencoded`, WHATWG URL standard §5) as the
/// library's inputs for `kind`. Inputs not starting with [`FIELD_PREFIX`] are
/// the form's own and are passed over; line ends are made `\n` (browsers send
/// `\r\n`, HTML §4.10.21.8); a field left empty is not written.
///
/// Errors ([`Error::Usage`]): a field `kind` does not have, a value longer than
/// [`MAX_FIELD_BYTES`], or no field filled in at all; [`Error::NotFound`] for an
/// unknown kind.
pub fn field_inputs(
    policy: &Policy,
    kind: &str,
    submitted: &[(String, Zeroizing<String>)],
) -> Result<Vec<FieldInput>> {
    let k = policy
        .kinds
        .get(kind)
        .ok_or_else(|| Error::NotFound(msg!("web-form-unknown-kind", kind = kind)))?;
    let mut out = Vec::new();
    for (input, value) in submitted {
        let Some(name) = input.strip_prefix(FIELD_PREFIX) else {
            continue;
        };
        if !k.fields.contains_key(name) {
            return Err(Error::Usage(msg!(
                "web-form-unknown-field",
                field = name,
                kind = kind
            )));
        }
        if value.len() > MAX_FIELD_BYTES {
            return Err(Error::Usage(msg!(
                "web-form-field-too-long",
                field = name,
                max = MAX_FIELD_BYTES
            )));
        }
        if value.trim().is_empty() {
            continue;
        }
        let text = Zeroizing::new(value.replace("\r\n", "\n").replace('\r', "\n"));
        out.push(FieldInput::new(name, &text));
    }
    if out.is_empty() {
        return Err(Error::Usage(msg!("web-form-empty")));
    }
    // The policy's order, whatever the browser's.
    out.sort_by_key(|f| k.fields.keys().position(|n| *n == f.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{parse, DEFAULT_POLICY};

    fn policy() -> Policy {
        parse(DEFAULT_POLICY, "default.toml").unwrap()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, Zeroizing<String>)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), Zeroizing::new(v.to_string())))
            .collect()
    }

    #[test]
    fn kinds_offered_follow_the_write_column_of_the_policy() {
        let p = policy();
        let nurse: Vec<String> = writable_kinds(&p, "infirmier", Lang::Fr)
            .into_iter()
            .map(|k| k.id)
            .collect();
        assert!(nurse.contains(&"care".to_string()), "{nurse:?}");
        assert!(!nurse.contains(&"medical".to_string()), "{nurse:?}");
        let dpo = writable_kinds(&p, "dpo", Lang::Fr);
        assert!(dpo.is_empty(), "the DPO writes nothing");
        for k in writable_kinds(&p, "educateur-specialise", Lang::Fr) {
            let fields = kind_fields(&p, &k.id, "educateur-specialise", Lang::Fr).unwrap();
            assert!(fields
                .iter()
                .all(|f| p.can_write("educateur-specialise", &f.category)));
        }
    }

    #[test]
    fn labels_come_from_the_policy_in_the_language_asked() {
        let p = policy();
        let fr = kind_fields(&p, "daily-life", "educateur-specialise", Lang::Fr).unwrap();
        let en = kind_fields(&p, "daily-life", "educateur-specialise", Lang::En).unwrap();
        assert_eq!(fr[0].input, "field.text");
        assert_eq!(
            fr[0].category_label,
            p.category_label("daily-life", Lang::Fr)
        );
        assert_eq!(
            en[0].category_label,
            p.category_label("daily-life", Lang::En)
        );
        assert_ne!(fr[0].category_label, en[0].category_label);
    }

    #[test]
    fn a_kind_nobody_of_the_profession_writes_is_refused() {
        let p = policy();
        let e = kind_fields(&p, "medical", "educateur-specialise", Lang::Fr).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        let e = kind_fields(&p, "no-such-kind", "medecin", Lang::Fr).unwrap_err();
        assert!(matches!(e, Error::NotFound(_)));
    }

    #[test]
    fn submitted_fields_become_inputs_with_unix_line_ends() {
        let p = policy();
        let got = field_inputs(
            &p,
            "daily-life",
            &pairs(&[
                ("csrf", "x"),
                ("kind", "daily-life"),
                ("field.text", "a\r\nb"),
            ]),
        )
        .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].name, "text");
        assert_eq!(got[0].value.as_str(), "a\nb");
    }

    #[test]
    fn bad_submissions_are_usage_errors() {
        let p = policy();
        let empty = field_inputs(&p, "daily-life", &pairs(&[("field.text", "  \r\n")]));
        assert_eq!(empty.unwrap_err().exit_code(), 2);
        let unknown = field_inputs(&p, "daily-life", &pairs(&[("field.secret", "x")]));
        assert_eq!(unknown.unwrap_err().exit_code(), 2);
        let long = "x".repeat(MAX_FIELD_BYTES + 1);
        let too_long = field_inputs(&p, "daily-life", &pairs(&[("field.text", &long)]));
        assert_eq!(too_long.unwrap_err().exit_code(), 2);
    }
}
