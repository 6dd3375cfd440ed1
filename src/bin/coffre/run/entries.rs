//! `coffre entry …`: writing, correcting, importing, showing notes and their
//! versions.

use super::*;

/// Runs one `EntryCmd` command in the member's session.
pub(super) fn entry(c: &EntryCmd, s: &mut Session<'_>, out: &mut Out) -> Res {
    match c {
        EntryCmd::Add {
            dossier,
            kind,
            fields,
        } => {
            let fields = input::fields(fields)?;
            let id = s.add_entry(dossier, kind, &fields)?;
            out.line(&id)
        }
        EntryCmd::Amend { entry, fields } => {
            let fields = input::fields(fields)?;
            let v = s.amend_entry(entry, &fields)?;
            if out.json {
                return out.json(&json!({"entry": entry, "version": v}));
            }
            out.line(&tr!(
                "cli-entry-amended",
                entry = entry.clone(),
                version = v
            ))
        }
        EntryCmd::Import { file, group } => {
            let n = crate::import::run(s, file, *group as usize)?;
            if out.json {
                return out.json(&json!({ "imported": n.written, "skipped": n.skipped }));
            }
            out.line(&tr!(
                "cli-imported",
                written = n.written,
                skipped = n.skipped
            ))
        }
        EntryCmd::Show { entry, break_glass } => {
            let view = s.show_entry(entry, break_glass.as_deref())?;
            if out.json {
                return out.json(&entry_json(&view));
            }
            print_entry(s, &view, out)
        }
        EntryCmd::History { entry, break_glass } => {
            let versions = s.entry_history(entry, break_glass.as_deref())?;
            if out.json {
                let v: Vec<Value> = versions
                    .iter()
                    .map(|v| {
                        let fields: serde_json::Map<String, Value> = v
                            .fields
                            .iter()
                            .map(|(k, f)| (k.clone(), Value::String(f.value.clone())))
                            .collect();
                        json!({"version": v.version, "author": v.author, "time": v.time,
                               "fields": fields, "withheld": v.withheld})
                    })
                    .collect();
                return out.json(&json!({"entry": entry, "versions": v}));
            }
            for v in &versions {
                let author = author_label(s, &v.author);
                let policy = s.vault().policy();
                out.line(&tr!(
                    "cli-version-line",
                    version = v.version,
                    author = author,
                    time = when(policy, &v.time)
                ))?;
                print_fields(policy, &v.fields, &v.withheld, out)?;
            }
            Ok(())
        }
    }
}

pub(super) fn entry_json(e: &EntryView) -> Value {
    let fields: serde_json::Map<String, Value> = e
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.value.clone())))
        .collect();
    let withheld: Vec<Value> = e
        .withheld
        .iter()
        .map(|w| json!({"field": w.field, "category": w.category, "reason": w.reason}))
        .collect();
    json!({
        "id": e.id, "dossier": e.dossier, "kind": e.kind, "author": e.author, "version": e.version,
        "created": e.created, "fields": fields, "withheld": withheld,
    })
}

pub(super) fn author_label(s: &mut Session<'_>, id: &str) -> String {
    match s.staff_name(id) {
        Ok(Some(n)) => format!("{n} ({id})"),
        _ => id.to_string(),
    }
}

pub(super) fn print_entry(s: &mut Session<'_>, e: &EntryView, out: &mut Out) -> Res {
    let author = author_label(s, &e.author);
    let policy = s.vault().policy();
    out.line(&tr!(
        "cli-entry-head",
        id = e.id.clone(),
        kind = policy.kind_label(&e.kind, lang()),
        version = e.version,
        author = author,
        time = when(policy, &e.created)
    ))?;
    print_fields(policy, &e.fields, &e.withheld, out)
}

/// A field `about` holding the id of a note of the same file, named as
/// people name notes (its kind and date); any other value as it is.
pub(super) fn note_named(
    policy: &coffre::policy::Policy,
    entries: &[EntryView],
    field: &str,
    value: &str,
) -> String {
    match entries
        .iter()
        .find(|e| field == "about" && e.id == value.trim())
    {
        Some(e) => tr!(
            "web-note-ref",
            kind = policy.kind_label(&e.kind, lang()),
            created = when(policy, &e.created)
        ),
        None => value.to_string(),
    }
}

pub(super) fn print_fields(
    policy: &coffre::policy::Policy,
    fields: &std::collections::BTreeMap<String, coffre::views::FieldValue>,
    withheld: &[coffre::views::Withheld],
    out: &mut Out,
) -> Res {
    for (name, v) in fields {
        out.text(&format!(
            "  {} [{}]: {}",
            coffre::text::escape(&policy.field_label(name, lang())),
            policy.category_label(&v.category, lang()),
            v.value
        ))?;
    }
    for w in withheld {
        out.line(&tr!(
            "cli-field-withheld",
            field = policy.field_label(&w.field, lang()),
            category = policy.category_label(&w.category, lang()),
            reason = i18n::render(&w.reason.msg(), lang())
        ))?;
    }
    Ok(())
}
