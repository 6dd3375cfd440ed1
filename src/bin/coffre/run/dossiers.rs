//! `coffre dossier …`: creating, finding, listing and showing dossiers, their
//! care team, closing and erasing one.

use super::entries::*;
use super::*;

/// Runs one `DossierCmd` command in the member's session.
pub(super) fn dossier(c: &DossierCmd, s: &mut Session<'_>, out: &mut Out) -> Res {
    match c {
        DossierCmd::Create {
            name,
            birthdate,
            sex,
            address,
            admitted,
            unit,
        } => {
            let details = coffre::views::DossierDetails {
                sex: sex.clone().unwrap_or_default(),
                address: address.clone().unwrap_or_default(),
                admitted: admitted.clone().unwrap_or_default(),
                unit: unit.clone().unwrap_or_default(),
            };
            let id = s.create_dossier_with(name, birthdate, &details)?;
            out.line(&id)
        }
        DossierCmd::Find { text } => {
            let list = s.find_dossiers(text)?;
            print_summaries(&list, out)
        }
        DossierCmd::List => {
            let list = s.list_dossiers()?;
            print_summaries(&list, out)
        }
        DossierCmd::Show { id, break_glass } => {
            let view = s.show_dossier(id, break_glass.as_deref())?;
            if out.json {
                out.json(&dossier_json(&view))?;
            } else {
                print_dossier(s, &view, out)?;
            }
            if view.damaged.is_empty() {
                Ok(())
            } else {
                Err(Error::Integrity(msg!(
                    "entries-dossier-damaged-altered-others-shown",
                    join = view.damaged.join(", "),
                    id = id
                ))
                .into())
            }
        }
        DossierCmd::Team(TeamCmd::Add { id, staff_id }) => {
            s.add_team_member(id, staff_id)?;
            if out.json {
                return out.json(&json!({"dossier": id, "added": staff_id}));
            }
            out.line(&tr!(
                "cli-team-added",
                staff = staff_id.clone(),
                id = id.clone()
            ))
        }
        DossierCmd::Team(TeamCmd::Remove { id, staff_id }) => {
            s.remove_team_member(id, staff_id)?;
            if out.json {
                return out.json(&json!({"dossier": id, "removed": staff_id}));
            }
            out.line(&tr!(
                "cli-team-removed",
                staff = staff_id.clone(),
                id = id.clone()
            ))
        }
        DossierCmd::Team(TeamCmd::List { id }) => {
            let team = s.team(id)?;
            if out.json {
                return out.json(&json!(team));
            }
            for m in team {
                out.line(&m)?;
            }
            Ok(())
        }
        DossierCmd::Close { id, rule } => {
            s.close_dossier(id, rule.as_deref())?;
            out.line(&tr!("cli-dossier-closed", id = id.clone()))
        }
        DossierCmd::Erase { id, reason, yes } => {
            if !yes {
                confirm_erasure(id)?;
            }
            s.erase_dossier(id, reason)?;
            out.line(&tr!("cli-dossier-erased", id = id.clone()))
        }
    }
}

/// Asks, on a terminal, to type the dossier's id to confirm its erasure,
/// after saying what it does; off a terminal, refuses (exit 2) and names
/// `--yes`. Nothing is erased unless the id typed is the dossier's.
pub(super) fn confirm_erasure(id: &str) -> Result<(), Error> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(msg!(
            "cli-erase-needs-yes",
            id = id.to_string()
        )));
    }
    let mut err = std::io::stderr();
    let _ = writeln!(err, "{}", tr!("cli-erase-what", id = id.to_string()));
    let _ = write!(err, "{} ", tr!("cli-erase-prompt"));
    let _ = err.flush();
    let mut typed = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut typed)
        .map_err(|e| Error::Io(msg!("cannot-read-standard-input", e = e)))?;
    if typed.trim() == id {
        Ok(())
    } else {
        Err(Error::Usage(msg!(
            "cli-erase-not-confirmed",
            id = id.to_string()
        )))
    }
}

pub(super) fn print_summaries(list: &[DossierSummary], out: &mut Out) -> Res {
    if out.json {
        return out.json(
            &serde_json::to_value(list)
                .map_err(|e| Error::Io(msg!("encoding-failed", detail = e.to_string())))?,
        );
    }
    if list.is_empty() {
        return out.line(&tr!("cli-no-dossier"));
    }
    for d in list {
        let who = match (&d.name, &d.birthdate) {
            (Some(n), Some(b)) => tr!(
                "cli-summary-born",
                name = n.clone(),
                birthdate = coffre::i18n::civil_date(coffre::i18n::current(), b)
            ),
            _ if d.in_team => tr!("cli-summary-name-withheld"),
            _ => tr!("cli-summary-not-in-team"),
        };
        out.line(&format!("{}  {}", d.id, who))?;
    }
    Ok(())
}

pub(super) fn dossier_json(d: &DossierView) -> Value {
    json!({
        "id": d.id, "name": d.name, "birthdate": d.birthdate, "details": d.details,
        "break_glass": d.break_glass,
        "entries": d.entries.iter().map(entry_json).collect::<Vec<_>>(),
        "damaged": d.damaged,
    })
}

pub(super) fn print_dossier(s: &mut Session<'_>, d: &DossierView, out: &mut Out) -> Res {
    let who = match (&d.name, &d.birthdate) {
        (Some(n), Some(b)) => tr!(
            "cli-dossier-who",
            name = n.clone(),
            birthdate = coffre::i18n::civil_date(coffre::i18n::current(), b)
        ),
        _ => tr!("cli-dossier-identity-withheld"),
    };
    out.line(&tr!("cli-dossier-head", id = d.id.clone(), who = who))?;
    if d.break_glass {
        out.line(&tr!("cli-dossier-break-glass"))?;
    }
    if d.entries.is_empty() {
        out.line(&tr!("cli-dossier-no-entry"))?;
    }
    for e in &d.entries {
        print_entry(s, e, out)?;
    }
    Ok(())
}
