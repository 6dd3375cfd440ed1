//! `coffre audit …` once logged in: the log, a dossier's history, releasing
//! justifications, pruning, the DPO's report.

use super::*;

/// Runs one `AuditCmd` command in the member's session.
pub(super) fn audit(c: &AuditCmd, s: &mut Session<'_>, out: &mut Out) -> Res {
    match c {
        // Handled before unlocking.
        AuditCmd::Verify { .. } | AuditCmd::Checkpoint { .. } => Ok(()),
        AuditCmd::Log { filter: f } => {
            let outcome = match f.outcome.as_deref() {
                None => None,
                Some(o) => Some(
                    Outcome::parse(o)
                        .ok_or_else(|| Error::Usage(msg!("outcome-one-ok-denied-failed-error")))?,
                ),
            };
            let filter = Filter {
                dossier: f.dossier.clone(),
                actor: f.actor.clone(),
                action: f.action.clone(),
                outcome,
                since: f.since.as_deref().map(normalise_time).transpose()?,
                until: f.until.as_deref().map(normalise_time).transpose()?,
            };
            for r in s.audit_log(&filter)? {
                if out.json {
                    out.json(&serde_json::to_value(&r).map_err(|e| {
                        Error::Io(msg!("encoding-failed", detail = e.to_string()))
                    })?)?;
                } else {
                    out.line(&audit_line(s.vault().policy(), &r))?;
                }
            }
            Ok(())
        }
        AuditCmd::ReleaseJustifications { dossier } => {
            let r = s.release_justifications(dossier)?;
            if out.json {
                return out
                    .json(&serde_json::to_value(&r).map_err(|e| {
                        Error::Io(msg!("encoding-failed", detail = e.to_string()))
                    })?);
            }
            out.line(&tr!(
                "cli-released",
                released = r.released,
                dossier = r.dossier.clone(),
                up_to = r.up_to_seq
            ))?;
            if r.unreadable > 0 {
                out.line(&tr!("cli-released-unreadable", unreadable = r.unreadable))?;
            }
            if !r.person_copies {
                out.line(&tr!("cli-released-no-person-access"))?;
            }
            Ok(())
        }
        AuditCmd::History { dossier } => {
            let items = s.access_history(dossier)?;
            if out.json {
                for i in &items {
                    out.json(&serde_json::to_value(i).map_err(|e| {
                        Error::Io(msg!("encoding-failed", detail = e.to_string()))
                    })?)?;
                }
                return Ok(());
            }
            out.line(&tr!(
                "cli-history-head",
                dossier = dossier.clone(),
                count = items.len()
            ))?;
            print_prunes(s.vault(), out)?;
            let policy = s.vault().policy();
            for i in &items {
                let profession = policy.profession_label(&i.profession, lang());
                let who = match &i.name {
                    _ if i.actor.starts_with("person.") => tr!("web-author-the-person"),
                    Some(n) => format!("{n} ({profession})"),
                    None => format!("{} ({profession})", i.actor),
                };
                let what =
                    i18n::render(&coffre::audit::words::action(&i.action, i.outcome), lang());
                let mut line = format!("  {}  {who} {what}", when(policy, &i.time));
                if !i.categories.is_empty() {
                    let labels: Vec<String> = i
                        .categories
                        .iter()
                        .map(|c| policy.category_label(c, lang()))
                        .collect();
                    line.push_str(&format!(" [{}]", labels.join(", ")));
                }
                if let Some(j) = &i.justification {
                    line.push_str(&format!(
                        " — {}",
                        tr!("cli-justification-words", text = j.clone())
                    ));
                }
                out.line(&line)?;
            }
            Ok(())
        }
        AuditCmd::Prune {
            yes,
            confirm_clock,
            beyond_export,
        } => {
            let plan = s.audit_prune(coffre::vault::PruneOptions {
                yes: *yes,
                confirm_clock: *confirm_clock,
                beyond_export: *beyond_export,
            })?;
            if out.json {
                return out
                    .json(&serde_json::to_value(&plan).map_err(|e| {
                        Error::Io(msg!("encoding-failed", detail = e.to_string()))
                    })?);
            }
            let policy = s.vault().policy();
            let period = match (&plan.from, &plan.to) {
                (Some(a), Some(b)) => tr!(
                    "cli-prune-period",
                    count = plan.count,
                    from = when(policy, a),
                    to = when(policy, b)
                ),
                _ => tr!("cli-prune-nothing"),
            };
            let (cutoff, retention) = (when(policy, &plan.cutoff), self::period(&plan.retention));
            let head = if plan.done {
                tr!(
                    "cli-prune-done",
                    period = period,
                    cutoff = cutoff,
                    retention = retention
                )
            } else if *yes {
                tr!(
                    "cli-prune-none",
                    period = period,
                    cutoff = cutoff,
                    retention = retention
                )
            } else {
                tr!(
                    "cli-prune-would",
                    period = period,
                    cutoff = cutoff,
                    retention = retention
                )
            };
            out.line(&head)?;
            if plan.clock_ahead {
                out.line(&tr!("cli-prune-vouched", time = when(policy, &plan.now)))?;
            }
            if plan.held_back > 0 {
                out.line(&tr!(
                    "cli-prune-held-back",
                    count = plan.held_back,
                    limit = plan.limit.unwrap_or(0)
                ))?;
            }
            if !plan.done && !*yes && plan.count > 0 {
                out.line(&tr!("cli-prune-dry-run"))?;
            }
            Ok(())
        }
        AuditCmd::Report {
            since,
            until,
            format,
        } => {
            let since = since.as_deref().map(normalise_time).transpose()?;
            let until = until.as_deref().map(normalise_time).transpose()?;
            if matches!(format, ReportFormat::Html) && !out.json {
                // The same report, read and audited the same way, with its pictures.
                let dashboard = s.audit_dashboard(since, until)?;
                return out.text(&coffre::web::charts::report_html(&dashboard, lang()));
            }
            let report = s.audit_report(since, until)?;
            let text = match (format, out.json) {
                (ReportFormat::Json, _) | (_, true) => serde_json::to_string_pretty(&report)
                    .map_err(|e| Error::Io(msg!("encoding-failed", detail = e.to_string())))?,
                (ReportFormat::Html, false) => coffre::audit::render::report_html(&report, lang()),
                (ReportFormat::Text, false) => coffre::audit::render::report_text(&report, lang()),
            };
            out.text(&text)
        }
    }
}

/// Which period the access trail covers, and each prune (when, by whom).
pub(super) fn print_prunes(vault: &Vault, out: &mut Out) -> Res {
    let policy = vault.policy();
    let retention = period(&policy.audit.trail_retention);
    let prunes = vault.prunes()?;
    match prunes.last() {
        None => out.line(&format!(
            "  {}",
            tr!("cli-trail-none-pruned", retention = retention)
        )),
        Some(last) => {
            out.line(&format!(
                "  {}",
                tr!(
                    "cli-trail-covers",
                    from = when(policy, &rfc3339_of(last.cutoff)),
                    retention = retention.clone()
                )
            ))?;
            for p in &prunes {
                out.line(&format!(
                    "  {}",
                    tr!(
                        "cli-trail-pruned",
                        when = when(policy, &rfc3339_of(p.time)),
                        by = p.by.clone(),
                        count = p.count,
                        cutoff = when(policy, &rfc3339_of(p.cutoff))
                    )
                ))?;
            }
            Ok(())
        }
    }
}

/// One audit entry as its reader reads it: the time in the establishment's
/// zone, the member's login and profession, what was done and how it ended in
/// words, what it was about, and the reason in the reader's language. The
/// JSON output keeps the log's own fields.
pub(super) fn audit_line(
    policy: &coffre::policy::Policy,
    r: &coffre::views::AuditRecord,
) -> String {
    let e = &r.entry;
    let l = lang();
    let profession = if e.actor.starts_with("person.") {
        tr!("web-author-the-person")
    } else {
        policy.profession_label(&e.profession, l)
    };
    let mut line = format!(
        "{:>6} {} {} [{}] {}",
        e.seq,
        when(policy, &e.time),
        if e.actor.starts_with("person.") {
            String::new()
        } else {
            e.actor.clone()
        },
        profession,
        i18n::render(&coffre::audit::words::action(&e.action, e.outcome), l)
    );
    if let Some(d) = &e.dossier {
        line.push_str(&format!(", {}", tr!("report-dossier", id = d.clone())));
    }
    if let Some(x) = &e.entry {
        line.push_str(&format!(", {x}"));
    }
    if let Some(t) = &e.target {
        line.push_str(&format!(" → {t}"));
    }
    if !e.categories.is_empty() {
        let labels: Vec<String> = e
            .categories
            .iter()
            .map(|c| policy.category_label(c, l))
            .collect();
        line.push_str(&format!(" [{}]", labels.join(", ")));
    }
    if e.break_glass {
        line.push_str(&format!(" {}", tr!("cli-audit-break-glass")));
    }
    if let Some(d) = &e.detail {
        line.push_str(&format!(" ({})", i18n::recorded(d, l)));
    }
    if let Some(j) = &r.justification_text {
        line.push_str(&format!(
            " {}",
            tr!("cli-audit-justification", text = j.clone())
        ));
    }
    line
}

/// `audit verify` and `audit checkpoint`: run without a login, on the log
/// and the checkpoints alone.
pub(super) fn without_login(cli: &Cli, c: &AuditCmd, out: &mut Out) -> Res {
    match c {
        AuditCmd::Verify { since, genesis } => {
            let genesis = match genesis {
                Some(g) => {
                    let mut h = [0u8; 32];
                    hex::decode_to_slice(g.trim(), &mut h)
                        .map_err(|_| Error::Usage(msg!("genesis-not-64-hex", g = g.clone())))?;
                    Some(h)
                }
                None => None,
            };
            let since = match since {
                Some(p) => {
                    let bytes = std::fs::read(p)
                        .map_err(|e| Error::Usage(msg!("cannot-read-2", p = p.display(), e = e)))?;
                    let text = String::from_utf8(bytes)
                        .map_err(|_| Error::Integrity(msg!("given-checkpoint-not-utf8")))?;
                    Some(Checkpoint::parse(&text)?)
                }
                None => None,
            };
            // Read-only: works on a write-protected copy and changes nothing.
            let dir = vault_dir(cli)?;
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(cli.wait);
            let checked = loop {
                match coffre::vault::verify_read_only(&dir, since.as_ref(), genesis.as_ref()) {
                    Err(Error::Busy(_)) if std::time::Instant::now() < deadline => {
                        std::thread::sleep(std::time::Duration::from_millis(100));
                    }
                    other => break other?,
                }
            };
            print_warnings(&checked.warnings);
            let s = checked.summary;
            let unsigned = s.entries - s.signed;
            if out.json {
                return out.json(&json!({
                    "ok": true, "entries": s.entries, "checkpoints": s.checkpoints,
                    "signed": s.signed, "root": hex::encode(s.root),
                    "since": s.since.map(|(size, proof)| json!({"size": size, "proof_hashes": proof})),
                    "warnings": s.warnings,
                }));
            }
            out.line(&tr!(
                "cli-audit-intact",
                entries = s.entries,
                checkpoints = s.checkpoints,
                root = hex::encode(s.root)
            ))?;
            if let Some((size, proof)) = s.since {
                out.line(&tr!("cli-audit-extends", size = size, proof = proof))?;
            }
            for w in &s.warnings {
                out.line(&tr!("cli-warning", text = w.to_string()))?;
            }
            if unsigned > 0 {
                out.line(&tr!("cli-audit-unsigned", unsigned = unsigned))?;
            }
            Ok(())
        }
        AuditCmd::Checkpoint { out: path } => {
            let vault = open_vault(cli)?;
            let c = vault
                .latest_checkpoint()?
                .ok_or_else(|| Error::NotFound(msg!("signed-checkpoint-yet")))?;
            let write = || -> coffre::Result<()> {
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                let mut f = opts.open(path).map_err(|e| {
                    Error::Usage(msg!("cannot-create", path = path.display(), e = e))
                })?;
                f.write_all(c.to_text().as_bytes())
                    .and_then(|_| f.sync_all())
                    .map_err(|e| Error::Io(msg!("cannot-write", path = path.display(), e = e)))
            };
            // `audit prune` goes no further than what a checkpoint exported by
            // a member who may prune covers; without logging in, nothing is
            // recorded.
            let recorded = match &cli.user {
                Some(_) => {
                    let mut s = unlock(&vault, cli)?;
                    let r = s.record_exported_checkpoint(c.size, write);
                    let signed = s.checkpoint();
                    r?;
                    signed?;
                    true
                }
                None => {
                    write()?;
                    false
                }
            };
            let signer = c.claimed_signer().unwrap_or_default();
            if out.json {
                return out.json(&json!({"size": c.size, "root": hex::encode(c.root), "signer": signer, "origin": c.origin(), "time": c.time()}));
            }
            out.line(&tr!(
                "cli-checkpoint-written",
                size = c.size,
                signer = signer.to_string(),
                path = path.display().to_string()
            ))?;
            if !recorded {
                out.line(&tr!("cli-checkpoint-not-recorded"))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
