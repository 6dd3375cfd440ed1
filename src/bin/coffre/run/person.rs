//! `coffre access …`: the person's access (granting it, their export, their
//! notes and objections), by staff or by the person.

use super::dossiers::*;
use super::entries::*;
use super::maintenance::*;
use super::*;

/// Runs one `AccessCmd` command in the member's session.
pub(super) fn access(c: &AccessCmd, s: &mut Session<'_>, out: &mut Out) -> Res {
    match c {
        AccessCmd::Grant {
            dossier,
            recovery_key,
        } => {
            let recovery = recovery_key
                .as_deref()
                .map(read_identity_file)
                .transpose()?;
            let pass = input::new_passphrase(&tr!("cli-prompt-person", dossier = dossier.clone()))?;
            let missing = s.grant_person_access(dossier, &pass, recovery.as_ref())?;
            if out.json {
                return out.json(&json!({"dossier": dossier, "granted": true, "pending": missing}));
            }
            out.line(&tr!("cli-access-granted", dossier = dossier.clone()))?;
            if !missing.is_empty() {
                out.line(&tr!(
                    "cli-access-missing",
                    keys = coffre::policy::categories_in_words(&missing, lang())
                ))?;
            }
            Ok(())
        }
        AccessCmd::Export {
            dossier,
            out: path,
            recipient,
            passphrase,
            recovery_key,
        } => {
            let recovery = recovery_key
                .as_deref()
                .map(read_identity_file)
                .transpose()?;
            let encryptor = match (recipient, passphrase) {
                (Some(r), _) => {
                    let r = coffre::crypto::wrap::parse_recipient(r)?;
                    age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
                        .map_err(|e| Error::Usage(msg!("cannot-encrypt-recipient", e = e)))?
                }
                (None, true) => {
                    let pass = input::new_passphrase(&tr!("cli-prompt-export"))?;
                    // The export's passphrase follows the vault's rule (age derives its own key).
                    let kdf = if s.vault().weak_kdf() {
                        KdfParams::INSECURE_FAST
                    } else {
                        KdfParams::DEFAULT
                    };
                    age::Encryptor::with_user_passphrase(coffre::crypto::passphrase::check_new(
                        &pass, &kdf,
                    )?)
                }
                (None, false) => return Err(Error::Usage(msg!("give-recipient-passphrase")).into()),
            };
            let summary = write_export(s, dossier, recovery.as_ref(), encryptor, path).map_err(
                |e| match e {
                    // On the console, the option that gives the recovery key.
                    Error::Pending(m) if m.kind() == "export-needs-keys-you-do-hold" => {
                        Error::Pending(msg!("cli-export-give-recovery-key", reason = m))
                    }
                    e => e,
                },
            )?;
            if out.json {
                return out
                    .json(&serde_json::to_value(&summary).map_err(|e| {
                        Error::Io(msg!("encoding-failed", detail = e.to_string()))
                    })?);
            }
            out.line(&tr!(
                "cli-export-written",
                dossier = dossier.clone(),
                path = path.display().to_string(),
                entries = summary.entries,
                events = summary.history,
                withheld = summary.withheld.values().sum::<u64>()
            ))
        }
        AccessCmd::Note {
            dossier,
            text,
            entry,
        } => {
            let mut fields = vec![coffre::FieldInput::new("text", text)];
            if let Some(e) = entry {
                fields.push(coffre::FieldInput::new("about", e));
            }
            let id = s.add_entry(dossier, "person-note", &fields)?;
            out.line(&id)
        }
        AccessCmd::Object {
            dossier,
            category,
            profession,
        } => {
            s.record_objection(dossier, category, profession)?;
            let policy = s.vault().policy();
            out.line(&tr!(
                "cli-objection-recorded",
                category = policy.category_label(category, lang()),
                profession = policy.profession_label(profession, lang()),
                dossier = dossier.clone()
            ))
        }
        AccessCmd::View { .. } => {
            Err(Error::Usage(msg!("access-view-person-run-without-user")).into())
        }
    }
}

/// Whether an `access` command can be run by the person with their own access.
pub(super) fn person_command(a: &AccessCmd) -> bool {
    matches!(
        a,
        AccessCmd::View { .. } | AccessCmd::Note { .. } | AccessCmd::Object { .. }
    )
}

/// The person's own commands (no staff user; their passphrase).
pub(super) fn person(vault: &Vault, a: &AccessCmd, out: &mut Out) -> Res {
    let dossier = match a {
        AccessCmd::View { dossier }
        | AccessCmd::Note { dossier, .. }
        | AccessCmd::Object { dossier, .. } => dossier,
        _ => return Err(Error::Usage(msg!("command-needs-user")).into()),
    };
    let pass = input::passphrase(&tr!("cli-prompt-dossier", dossier = dossier.clone()))?;
    let p = vault.unlock_person(dossier, &pass)?;
    if p.weak_kdf() {
        eprintln!("coffre: {}", tr!("cli-weak-kdf"));
    }
    let policy = vault.policy();
    match a {
        AccessCmd::View { .. } => {
            let view = p.view()?;
            let history = p.history()?;
            if out.json {
                let mut v = dossier_json(&view);
                v["access_history"] = serde_json::to_value(&history)
                    .map_err(|e| Error::Io(msg!("encoding-failed", detail = e.to_string())))?;
                v["access_trail_retention"] = json!(vault.policy().audit.trail_retention);
                return out.json(&v);
            }
            let who = match (&view.name, &view.birthdate) {
                (Some(n), Some(b)) => {
                    tr!(
                        "cli-person-who",
                        name = n.clone(),
                        birthdate = coffre::i18n::civil_date(coffre::i18n::current(), b)
                    )
                }
                _ => String::new(),
            };
            out.line(&tr!("cli-person-head", id = view.id.clone(), who = who))?;
            for e in &view.entries {
                out.line(&format!(
                    "  {}",
                    tr!(
                        "cli-person-entry",
                        kind = policy.kind_label(&e.kind, lang()),
                        created = when(policy, &e.created),
                        version = e.version
                    )
                ))?;
                for (name, f) in &e.fields {
                    out.text(&format!(
                        "    {} : {}",
                        coffre::text::escape(&policy.field_label(name, lang())),
                        note_named(policy, &view.entries, name, &f.value)
                    ))?;
                }
                for w in &e.withheld {
                    out.line(&format!(
                        "    {}",
                        tr!(
                            "cli-person-withheld",
                            field = policy.field_label(&w.field, lang()),
                            category = policy.category_label(&w.category, lang())
                        )
                    ))?;
                }
            }
            out.line(&tr!("cli-person-history-head"))?;
            for h in &history {
                let who = policy.profession_label(&h.profession, lang());
                let what =
                    i18n::render(&coffre::audit::words::action(&h.action, h.outcome), lang());
                let cats: Vec<String> = h
                    .categories
                    .iter()
                    .map(|c| policy.category_label(c, lang()))
                    .collect();
                let mut line = format!(
                    "  {} {} {} [{}]",
                    when(policy, &h.time),
                    who,
                    what,
                    cats.join(", ")
                );
                if let Some(j) = &h.justification {
                    line.push_str(&format!(
                        " — {}",
                        tr!("cli-justification-words", text = j.clone())
                    ));
                }
                out.line(&line)?;
            }
            out.line(&tr!(
                "cli-person-trail-kept",
                retention = period(&vault.policy().audit.trail_retention)
            ))?;
            Ok(())
        }
        AccessCmd::Note { text, entry, .. } => {
            let id = p.note(text, entry.as_deref())?;
            out.line(&id)
        }
        AccessCmd::Object {
            category,
            profession,
            ..
        } => {
            p.object(category, profession)?;
            out.line(&tr!(
                "cli-objection-recorded-person",
                category = policy.category_label(category, lang()),
                profession = policy.profession_label(profession, lang())
            ))
        }
        _ => Ok(()),
    }
}

/// Streams the export through age into a new file (removed again on failure).
pub(super) fn write_export(
    s: &mut Session<'_>,
    dossier: &str,
    recovery: Option<&Identity>,
    encryptor: age::Encryptor,
    path: &Path,
) -> Result<coffre::ExportSummary, Error> {
    // The library audits the export first and records a failure of its own
    // writer; a failure to finish or sync the file is recorded here.
    let mut handed_over = false;
    let written = write_encrypted(path, encryptor, &mut |w| {
        let summary = s.export_dossier(dossier, recovery, w)?;
        handed_over = true;
        Ok(summary)
    });
    if written.is_err() && handed_over {
        let _ = s.export_not_written(dossier);
    }
    written
}
