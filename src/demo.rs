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
use crate::i18n::{self, Lang};
use crate::tr_in;
use crate::vault::views::DossierView;
use crate::{FieldInput, InitOptions, NewStaff, Vault};

/// The demonstration recovery key (published; never for real use).
pub const DEMO_RECOVERY_KEY: &str = include_str!("../keys/demo-recovery-key.txt");
/// The passphrase of every demo staff member.
pub const DEMO_PASSPHRASE: &str = "demo-passphrase";
/// The passphrase of the demo's person supported, for `/moi`.
pub const DEMO_PERSON_PASSPHRASE: &str = "demo-person-passphrase";

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

fn describe(view: &DossierView, policy: &crate::policy::Policy, l: Lang) -> Vec<String> {
    let mut lines = Vec::new();
    lines.push(match &view.name {
        Some(n) => format!("    {}", tr_in!(l, "demo-identity", name = n.clone())),
        None => format!("    {}", tr_in!(l, "demo-identity-withheld")),
    });
    for e in &view.entries {
        let kind = policy.kind_label(&e.kind, l);
        for (name, v) in &e.fields {
            lines.push(format!(
                "    {kind} — {} [{}]{}{}",
                policy.field_label(name, l),
                policy.category_label(&v.category, l),
                i18n::colon(l),
                v.value
            ));
        }
        for wh in &e.withheld {
            lines.push(format!(
                "    {kind} — {} [{}]{}{}",
                policy.field_label(&wh.field, l),
                policy.category_label(&wh.category, l),
                i18n::colon(l),
                tr_in!(
                    l,
                    "demo-withheld",
                    reason = i18n::render(&wh.reason.msg(), l)
                )
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
    let l = i18n::current();
    w(&mut out, &tr_in!(l, "demo-title"));
    w(
        &mut out,
        &tr_in!(l, "demo-vault", dir = dir.display().to_string()),
    );
    w(
        &mut out,
        &format!(
            "{}\n",
            tr_in!(l, "demo-passphrase", passphrase = DEMO_PASSPHRASE)
        ),
    );

    let (vault, _report) = Vault::init(
        &dir,
        InitOptions {
            establishment: tr_in!(l, "demo-establishment"),
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
        let dossier = director.create_dossier_with(
            "Lucas Fictif-Exemple",
            "2012-05-14",
            &crate::vault::views::DossierDetails {
                sex: "m".into(),
                admitted: "2024-09-02".into(),
                unit: "Groupe des Tilleuls (fictif)".into(),
                address: "1 rue de l'Exemple, 00000 Fictiville".into(),
            },
        )?;
        for (id, _, profession) in STAFF {
            if *profession != "dpo" {
                director.add_team_member(&dossier, id)?;
            }
        }
        dossier
    };
    let policy = vault.policy().clone();
    i18n::set_labels(&policy);
    w(
        &mut out,
        &tr_in!(
            l,
            "demo-staff-added",
            count = STAFF.len(),
            dossier = dossier.clone()
        ),
    );

    // Entries written by the professions entitled to each category.
    let admission = {
        let mut social = vault.unlock("a.roux", &pass)?;
        social.add_entry(
            &dossier,
            "admission",
            &[
                FieldInput::new("reason", &tr_in!(l, "demo-value-reason")),
                FieldInput::new("contacts", &tr_in!(l, "demo-value-contacts")),
            ],
        )?
    };
    {
        let mut doctor = vault.unlock("dr.leroy", &pass)?;
        doctor.amend_entry(
            &admission,
            &[
                FieldInput::new("medical_context", &tr_in!(l, "demo-value-medical")),
                FieldInput::new("alerts", &tr_in!(l, "demo-value-alerts")),
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
                &tr_in!(l, "demo-value-psy-synthesis"),
            )],
        )?;
        psy.add_entry(
            &dossier,
            "psy-notes",
            &[FieldInput::new("text", &tr_in!(l, "demo-value-psy-notes"))],
        )?;
    }
    {
        let mut edu = vault.unlock("e.petit", &pass)?;
        edu.add_entry(
            &dossier,
            "daily-life",
            &[FieldInput::new("text", &tr_in!(l, "demo-value-daily"))],
        )?;
    }
    w(&mut out, &format!("{}\n", tr_in!(l, "demo-entries")));

    w(&mut out, &tr_in!(l, "demo-each-profession"));
    for (id, _, profession) in std::iter::once(&("d.bernard", "", "directeur")).chain(STAFF.iter())
    {
        let mut s = vault.unlock(id, &pass)?;
        match s.show_dossier(&dossier, None) {
            Ok(view) => {
                w(
                    &mut out,
                    &format!(
                        "  {} ({id}){}",
                        policy.profession_label(profession, l),
                        i18n::colon(l).trim_end()
                    ),
                );
                for line in describe(&view, &policy, l) {
                    w(&mut out, &line);
                }
            }
            Err(e) => w(
                &mut out,
                &format!(
                    "  {} ({id}){}{}",
                    policy.profession_label(profession, l),
                    i18n::colon(l),
                    e.in_lang(l)
                ),
            ),
        }
    }

    w(
        &mut out,
        &format!("\n{}", tr_in!(l, "demo-refused-attempt")),
    );
    {
        let mut edu = vault.unlock("e.petit", &pass)?;
        match edu.add_entry(
            &dossier,
            "medical",
            &[FieldInput::new("text", &tr_in!(l, "demo-value-never"))],
        ) {
            Err(e @ Error::Refused(_)) => w(
                &mut out,
                &format!(
                    "  {}",
                    tr_in!(
                        l,
                        "demo-exit-code",
                        error = e.in_lang(l),
                        code = e.exit_code()
                    )
                ),
            ),
            Err(e) => return Err(e),
            Ok(_) => return Err(Error::Io(msg!("demo-expected-refusal"))),
        }
    }

    w(&mut out, &format!("\n{}", tr_in!(l, "demo-break-glass")));
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
            w(
                &mut out,
                &format!(
                    "  {}",
                    tr_in!(l, "demo-without-justification", error = e.in_lang(l))
                ),
            );
        }
        let why = tr_in!(l, "demo-value-justification");
        let view = nurse.show_dossier(&dossier, Some(&why))?;
        w(
            &mut out,
            &format!(
                "  {}",
                tr_in!(l, "demo-with-break-glass", justification = why.clone())
            ),
        );
        for line in describe(&view, &policy, l) {
            w(&mut out, &line);
        }
    }

    w(&mut out, &format!("\n{}", tr_in!(l, "demo-audit-trail")));
    {
        let mut dpo = vault.unlock("dpo.lambert", &pass)?;
        let filter = Filter {
            dossier: Some(dossier.clone()),
            ..Filter::default()
        };
        for r in dpo.audit_log(&filter)? {
            let e = &r.entry;
            let cats: Vec<String> = e
                .categories
                .iter()
                .map(|c| policy.category_label(c, l))
                .collect();
            let mut line = format!(
                "  #{:<3} {:<12} {} — {}",
                e.seq,
                e.actor,
                policy.profession_label(&e.profession, l),
                i18n::render(&crate::audit::words::action(&e.action, e.outcome), l),
            );
            // No empty brackets for a line that touched no category (a refusal).
            if !cats.is_empty() {
                line.push_str(&format!(" [{}]", cats.join(", ")));
            }
            if e.break_glass {
                line.push_str(&format!(" {}", tr_in!(l, "demo-break-glass-flag")));
            }
            if let Some(j) = &r.justification_text {
                line.push_str(&format!(" \"{j}\""));
            }
            w(&mut out, &line);
        }
    }
    // The person's own access (given by the director, who handles the
    // person's rights), so that "Mon dossier" can be tried too.
    {
        let mut director = vault.unlock("d.bernard", &pass)?;
        director.grant_person_access(
            &dossier,
            &SecretString::from(DEMO_PERSON_PASSPHRASE),
            Some(&recovery),
        )?;
    }
    let summary = vault.verify_audit(None)?;
    w(
        &mut out,
        &format!(
            "\n{}",
            tr_in!(
                l,
                "demo-verified",
                entries = summary.entries,
                checkpoints = summary.checkpoints,
                root = hex::encode(summary.root)
            )
        ),
    );
    w(
        &mut out,
        &tr_in!(
            l,
            "demo-try",
            dir = dir.display().to_string(),
            dossier = dossier.clone(),
            passphrase = DEMO_PASSPHRASE
        ),
    );
    // Every login, for the browser (`coffre demo --serve`).
    w(
        &mut out,
        &format!(
            "\n{}",
            tr_in!(l, "demo-logins", passphrase = DEMO_PASSPHRASE)
        ),
    );
    let nurse = ("n.garcia", "Nora Garcia", "infirmier");
    for (id, name, profession) in std::iter::once(&("d.bernard", "Dominique Bernard", "directeur"))
        .chain(STAFF.iter())
        .chain(std::iter::once(&nurse))
    {
        w(
            &mut out,
            &format!(
                "  {id:<12} {name} — {}",
                policy.profession_label(profession, l)
            ),
        );
    }
    w(
        &mut out,
        &format!(
            "  {}",
            tr_in!(
                l,
                "demo-person-login",
                dossier = dossier.clone(),
                passphrase = DEMO_PERSON_PASSPHRASE
            )
        ),
    );
    Ok(out)
}
