//! `coffre policy …`: checking a policy file, showing the vault's, and
//! explaining who may read what in a dossier. No login.

use super::*;

/// Runs one `PolicyCmd`.
pub(super) fn policy(cli: &Cli, c: &PolicyCmd, out: &mut Out) -> Res {
    match c {
        PolicyCmd::Check { file } => {
            let p = coffre::policy::load(file)?;
            out.line(&tr!(
                "cli-policy-valid",
                file = file.display().to_string(),
                categories = p.categories.len(),
                professions = p.professions.len(),
                kinds = p.kinds.len()
            ))
        }
        PolicyCmd::Show => {
            let dir = vault_dir(cli)?;
            let in_database = dir.to_str().is_some_and(coffre::store::postgres::is_url);
            let policy = if in_database || dir.join("store").is_dir() {
                Vault::open(&dir)?.policy().clone()
            } else {
                coffre::policy::parse(
                    coffre::policy::DEFAULT_POLICY,
                    coffre::policy::DEFAULT_POLICY_NAME,
                )?
            };
            if out.json {
                let v = serde_json::to_value(&policy)
                    .map_err(|e| Error::Io(msg!("encoding-failed", detail = e.to_string())))?;
                out.json(&v)
            } else {
                print_policy(&policy, out)
            }
        }
        PolicyCmd::Explain { dossier } => {
            let vault = open_vault(cli)?;
            let x = vault.explain(&user(cli)?, dossier)?;
            if out.json {
                return out
                    .json(&serde_json::to_value(&x).map_err(|e| {
                        Error::Io(msg!("encoding-failed", detail = e.to_string()))
                    })?);
            }
            let policy = vault.policy();
            out.line(&tr!(
                "cli-explain-head",
                user = x.user.clone(),
                profession = policy.profession_label(&x.profession, lang()),
                dossier = x.dossier.clone(),
                in_team = if x.in_team { "yes" } else { "no" },
                break_glass = if x.may_break_glass { "yes" } else { "no" }
            ))?;
            let rows: Vec<[String; 4]> = x
                .categories
                .iter()
                .map(|c| {
                    [
                        category_with_id(policy, &c.category),
                        tr!("cli-explain-policy", value = c.policy.to_string()),
                        tr!("cli-explain-key", value = c.key.to_string()),
                        if c.can_read_now {
                            tr!("cli-yes")
                        } else {
                            tr!("cli-no")
                        },
                    ]
                })
                .collect();
            let head = [
                tr!("cli-explain-col-category"),
                tr!("cli-explain-col-policy"),
                tr!("cli-explain-col-key"),
                tr!("cli-explain-col-now"),
            ];
            let width = |i: usize| {
                rows.iter()
                    .map(|r| r[i].chars().count())
                    .chain(std::iter::once(head[i].chars().count()))
                    .max()
                    .unwrap_or(0)
            };
            let (w0, w1, w2) = (width(0), width(1), width(2));
            for r in std::iter::once(&head).chain(rows.iter()) {
                out.line(&format!(
                    "{:<w0$} {:<w1$} {:<w2$} {}",
                    r[0], r[1], r[2], r[3]
                ))?;
            }
            Ok(())
        }
    }
}

pub(super) fn print_policy(p: &coffre::policy::Policy, out: &mut Out) -> Res {
    let l = lang();
    out.line(&tr!(
        "cli-policy-head",
        name = p.name.clone(),
        format = p.format
    ))?;
    out.line(&tr!(
        "cli-policy-break-glass",
        hours = p.rules.break_glass_hours
    ))?;
    out.line(&match &p.audit.trail_retention_reason {
        Some(r) => tr!(
            "cli-policy-trail-reason",
            retention = period(&p.audit.trail_retention),
            reason = coffre::text::escape(r)
        ),
        None => tr!(
            "cli-policy-trail",
            retention = period(&p.audit.trail_retention)
        ),
    })?;
    out.line(&tr!("cli-policy-categories"))?;
    for (id, c) in &p.categories {
        let mut flags = Vec::new();
        if c.author_only {
            flags.push(tr!("cli-policy-author-only"));
        }
        if c.withheld.is_some() {
            flags.push(tr!("cli-policy-withheld"));
        }
        let flags = if flags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", flags.join(", "))
        };
        out.line(&format!("  {id:<14} {}{flags}", c.labels.get(l)))?;
    }
    out.line(&tr!("cli-policy-professions"))?;
    for (id, pr) in &p.professions {
        let cells: Vec<String> = p
            .categories
            .keys()
            .filter_map(|c| {
                if pr.write.contains(c) {
                    Some(format!("{c}:W"))
                } else if pr.read.contains(c) {
                    Some(format!("{c}:R"))
                } else {
                    None
                }
            })
            .collect();
        let caps: Vec<&str> = pr.can.iter().map(|c| c.name()).collect();
        out.line(&format!("  {id:<22} {}", pr.labels.get(l)))?;
        out.line(&format!("  {:<22} {}", "", cells.join(" ")))?;
        if !caps.is_empty() {
            out.line(&format!(
                "  {:<22} {}",
                "",
                tr!("cli-policy-may", caps = caps.join(", "))
            ))?;
        }
    }
    out.line(&tr!("cli-policy-kinds"))?;
    for (id, k) in &p.kinds {
        let f: Vec<String> = k
            .fields
            .iter()
            .map(|(n, c)| {
                tr!(
                    "cli-policy-field",
                    name = n.clone(),
                    label = p.field_label(n, l),
                    category = c.clone()
                )
            })
            .collect();
        out.line(&format!("  {id:<14} {}", k.labels.get(l)))?;
        out.line(&format!("  {:<14} {}", "", f.join(", ")))?;
    }
    if !p.documents.types.is_empty() {
        let max_mib: u64 = p.documents.max_bytes / (1024 * 1024);
        out.line(&tr!("cli-policy-document-types", max_mib = max_mib))?;
        for (id, labels) in &p.documents.types {
            out.line(&format!("  {id:<30} {}", labels.get(l)))?;
        }
    }
    Ok(())
}
