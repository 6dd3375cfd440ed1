//! `coffre demo`: builds a fictitious establishment through the public library API
//! and reports what each profession sees of the same file, a refused attempt, a
//! break-the-glass access and the verified audit trail.
//!
//! Every person and value here is invented. The vault uses the weak test KDF and
//! the published demonstration recovery key (`keys/demo-recovery-key.txt`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use secrecy::SecretString;

use crate::audit::Filter;
use crate::crypto::kdf::KdfParams;
use crate::crypto::key::random_bytes;
use crate::crypto::wrap::Identity;
use crate::error::{Error, Result};
use crate::vault::views::DossierView;
use crate::{FieldInput, InitOptions, NewStaff, Vault};

/// The demonstration recovery key (published; never for real use).
pub const DEMO_RECOVERY_KEY: &str = include_str!("../keys/demo-recovery-key.txt");
/// The passphrase of every demo staff member.
pub const DEMO_PASSPHRASE: &str = "demo-passphrase";

const STAFF: &[(&str, &str, &str)] = &[
    ("dr.leroy", "Dr Camille Leroy", "medecin"),
    ("i.moreau", "Inès Moreau", "infirmier"),
    ("p.garnier", "Paul Garnier", "psychologue"),
    ("e.petit", "Élise Petit", "educateur-specialise"),
    ("a.roux", "Amina Roux", "assistant-social"),
    ("s.blanc", "Samuel Blanc", "aide-soignant"),
    ("dpo.lambert", "Hélène Lambert", "dpo"),
];

fn w(out: &mut String, s: &str) {
    let _ = writeln!(out, "{s}");
}

fn describe(view: &DossierView) -> Vec<String> {
    let mut lines = Vec::new();
    lines.push(match &view.name {
        Some(n) => format!("    identity: {n}"),
        None => "    identity: withheld".into(),
    });
    for e in &view.entries {
        for (name, v) in &e.fields {
            lines.push(format!(
                "    {:<10} {name:<16} [{}] {}",
                e.kind, v.category, v.value
            ));
        }
        for wh in &e.withheld {
            lines.push(format!(
                "    {:<10} {:<16} [{}] WITHHELD: {}",
                e.kind,
                wh.field,
                wh.category,
                wh.reason.explain()
            ));
        }
    }
    lines
}

/// Builds the demo vault in `dir` (or a new temporary directory) and returns the
/// report to print.
pub fn run(dir: Option<&Path>) -> Result<String> {
    let dir: PathBuf = match dir {
        Some(d) => d.to_path_buf(),
        None => {
            std::env::temp_dir().join(format!("coffre-demo-{}", hex::encode(random_bytes::<4>()?)))
        }
    };
    let pass = SecretString::from(DEMO_PASSPHRASE);
    let recovery = Identity::from_file_text(DEMO_RECOVERY_KEY)?;
    let mut out = String::new();
    w(
        &mut out,
        "Coffre demonstration — every person below is fictitious.",
    );
    w(&mut out, &format!("Demo vault: {}", dir.display()));
    w(
        &mut out,
        &format!("Staff passphrase: {DEMO_PASSPHRASE} (weak key derivation: demo only)\n"),
    );

    let (vault, _report) = Vault::init(
        &dir,
        InitOptions {
            establishment: "IME Les Tilleuls (fictitious)".into(),
            admin_id: "d.bernard".into(),
            admin_name: "Dominique Bernard".into(),
            admin_profession: "directeur".into(),
            admin_passphrase: pass.clone(),
            kdf: KdfParams::INSECURE_FAST,
            policy: None,
            recovery: Some(recovery),
        },
    )?;
    let recovery = Identity::from_file_text(DEMO_RECOVERY_KEY)?;

    // The director sets up the team; keys the director does not hold (medical,
    // psychological) are granted with the recovery key, as when founding an establishment.
    let dossier = {
        let mut director = vault.unlock("d.bernard", &pass)?;
        for (id, name, profession) in STAFF {
            director.add_staff(
                &NewStaff {
                    id,
                    name,
                    profession,
                    passphrase: &pass,
                },
                Some(&recovery),
            )?;
        }
        let dossier = director.create_dossier("Lucas Fictif-Exemple", "2012-05-14")?;
        for (id, _, profession) in STAFF {
            if *profession != "dpo" {
                director.add_team_member(&dossier, id)?;
            }
        }
        dossier
    };
    w(
        &mut out,
        &format!(
            "Staff added: director + {} members; dossier {dossier} created for a fictitious child.",
            STAFF.len()
        ),
    );

    // Entries written by the professions entitled to each category.
    let admission = {
        let mut social = vault.unlock("a.roux", &pass)?;
        social.add_entry(
            &dossier,
            "admission",
            &[
                FieldInput::new(
                    "reason",
                    "Orientation MDPH; family asks for a weekday placement",
                ),
                FieldInput::new("contacts", "Mother: 06 00 00 00 00 (fictitious)"),
            ],
        )?
    };
    {
        let mut doctor = vault.unlock("dr.leroy", &pass)?;
        doctor.amend_entry(
            &admission,
            &[
                FieldInput::new("medical_context", "Epilepsy, treated; last seizure 2025"),
                FieldInput::new("alerts", "Allergic to penicillin"),
            ],
        )?;
    }
    {
        let mut psy = vault.unlock("p.garnier", &pass)?;
        psy.add_entry(
            &dossier,
            "psy-synthesis",
            &[FieldInput::new(
                "text",
                "Settles well when routines are announced",
            )],
        )?;
        psy.add_entry(
            &dossier,
            "psy-notes",
            &[FieldInput::new(
                "text",
                "Raw test data, session 1 (author only)",
            )],
        )?;
    }
    {
        let mut edu = vault.unlock("e.petit", &pass)?;
        edu.add_entry(
            &dossier,
            "daily-life",
            &[FieldInput::new(
                "text",
                "Good day at the workshop; tired after lunch",
            )],
        )?;
    }
    w(&mut out, "Entries: an admission (social worker, amended by the doctor), a psychologist's summary and");
    w(&mut out, "personal notes, a daily note by the educator.\n");

    w(&mut out, "What each profession sees of the same dossier:");
    for (id, _, profession) in std::iter::once(&("d.bernard", "", "directeur")).chain(STAFF.iter())
    {
        let mut s = vault.unlock(id, &pass)?;
        match s.show_dossier(&dossier, None) {
            Ok(view) => {
                w(&mut out, &format!("  {profession} ({id}):"));
                for l in describe(&view) {
                    w(&mut out, &l);
                }
            }
            Err(e) => w(&mut out, &format!("  {profession} ({id}): {e}")),
        }
    }

    w(
        &mut out,
        "\nA refused attempt: the educator tries to write a medical note.",
    );
    {
        let mut edu = vault.unlock("e.petit", &pass)?;
        match edu.add_entry(
            &dossier,
            "medical",
            &[FieldInput::new("text", "should never be stored")],
        ) {
            Err(e @ Error::Refused(_)) => {
                w(&mut out, &format!("  {e} (exit code {})", e.exit_code()))
            }
            Err(e) => return Err(e),
            Ok(_) => return Err(Error::Io(msg!("demo-expected-refusal"))),
        }
    }

    w(
        &mut out,
        "\nBreak-the-glass: a night nurse outside the care team opens the file in an emergency.",
    );
    {
        let mut director = vault.unlock("d.bernard", &pass)?;
        director.add_staff(
            &NewStaff {
                id: "n.garcia",
                name: "Nora Garcia",
                profession: "infirmier",
                passphrase: &pass,
            },
            Some(&recovery),
        )?;
    }
    {
        let mut nurse = vault.unlock("n.garcia", &pass)?;
        if let Err(e) = nurse.show_dossier(&dossier, None) {
            w(&mut out, &format!("  without justification: {e}"));
        }
        let view = nurse.show_dossier(
            &dossier,
            Some("Seizure at night, need allergies and treatment"),
        )?;
        w(
            &mut out,
            "  with --break-glass \"Seizure at night, need allergies and treatment\":",
        );
        for l in describe(&view) {
            w(&mut out, &l);
        }
    }

    w(
        &mut out,
        "\nThe audit trail, as the data protection officer reads it (no content, ever):",
    );
    {
        let mut dpo = vault.unlock("dpo.lambert", &pass)?;
        let filter = Filter {
            dossier: Some(dossier.clone()),
            ..Filter::default()
        };
        for r in dpo.audit_log(&filter)? {
            let e = &r.entry;
            let mut line = format!(
                "  #{:<3} {:<12} {:<20} {:<16} {:<7} [{}]",
                e.seq,
                e.actor,
                e.profession,
                e.action,
                e.outcome.as_str(),
                e.categories.join(",")
            );
            if e.break_glass {
                line.push_str(" BREAK-GLASS");
            }
            if let Some(j) = &r.justification_text {
                line.push_str(&format!(" \"{j}\""));
            }
            w(&mut out, &line);
        }
    }
    let summary = vault.verify_audit(None)?;
    w(
        &mut out,
        &format!(
            "\nAudit log verified: {} entries, {} signed checkpoints, Merkle root {}.",
            summary.entries,
            summary.checkpoints,
            hex::encode(summary.root)
        ),
    );
    w(
        &mut out,
        &format!(
            "Try it: coffre --vault {} --user e.petit dossier show {dossier}",
            dir.display()
        ),
    );
    w(
        &mut out,
        &format!("      (passphrase: COFFRE_PASSPHRASE={DEMO_PASSPHRASE})"),
    );
    Ok(out)
}
