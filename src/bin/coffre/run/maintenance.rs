//! Keeping the vault: backups, the recovery key's shares, recovery, the
//! check, key rotation, retention.

use super::*;

/// Runs one of the vault's keeping commands in the member's session.
pub(super) fn keeping(cli: &Cli, s: &mut Session<'_>, out: &mut Out) -> Res {
    match &cli.command {
        Command::Backup {
            out: Some(path),
            cmd: None,
        } => {
            let r = coffre::crypto::wrap::parse_recipient(s.vault().recovery_recipient())?;
            let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
                .map_err(|e| Error::Io(msg!("cannot-encrypt-backup", e = e)))?;
            // The library audits the backup first and records a failure of its own
            // writer; a failure to finish or sync the file is recorded here.
            let mut handed_over = false;
            let written = write_encrypted(path, enc, &mut |w| {
                let m = s.backup(w)?;
                handed_over = true;
                Ok(m)
            });
            if written.is_err() && handed_over {
                let _ = s.backup_not_written();
            }
            let m = written?;
            if out.json {
                return out.json(&json!({"file": path.display().to_string(), "records": m.records, "audit_entries": m.audit_entries}));
            }
            out.line(&tr!(
                "cli-backup-written",
                path = path.display().to_string(),
                records = m.records,
                entries = m.audit_entries
            ))
        }
        Command::Backup { .. } => {
            Err(Error::Usage(msg!("give-out-file-backup-verify-file")).into())
        }
        Command::Recovery(RecoveryCmd::Split {
            recovery_key,
            threshold,
            shares,
            out_dir,
        }) => {
            let id = read_identity_file(recovery_key)?;
            if id.recipient() != s.vault().recovery_recipient() {
                return Err(Error::Auth(msg!("recovery-key-vault")).into());
            }
            if out_dir.exists() {
                return Err(Error::Usage(msg!(
                    "exists-give-new-folder",
                    out_dir = out_dir.display()
                ))
                .into());
            }
            let secret = coffre::crypto::wrap::secret_bytes(&id);
            let lines =
                coffre::crypto::shares::split(&secret, *threshold, *shares, s.vault().id())?;
            s.record_recovery_split(*threshold, *shares)?;
            std::fs::create_dir_all(out_dir).map_err(|e| {
                Error::Usage(msg!("cannot-create-2", out_dir = out_dir.display(), e = e))
            })?;
            for (i, line) in lines.iter().enumerate() {
                let text = zeroize::Zeroizing::new(format!(
                    "# {}\n{}\n",
                    tr!(
                        "cli-share-file-head",
                        n = ((i + 1) as u64),
                        shares = u64::from(*shares),
                        threshold = u64::from(*threshold)
                    ),
                    line.as_str()
                ));
                write_secret_file(&out_dir.join(format!("share-{}.txt", i + 1)), &text)?;
            }
            out.line(&tr!(
                "cli-shares-written",
                shares = u64::from(*shares),
                dir = out_dir.display().to_string(),
                threshold = u64::from(*threshold)
            ))
        }
        Command::Recover {
            staff,
            shares,
            recovery_key,
        } => {
            let (id, how) = match recovery_key {
                Some(p) => (read_identity_file(p)?, "recovery key file".to_string()),
                None => {
                    let mut lines = Vec::new();
                    for p in shares {
                        let text =
                            zeroize::Zeroizing::new(std::fs::read_to_string(p).map_err(|e| {
                                Error::Usage(msg!("cannot-read-2", p = p.display(), e = e))
                            })?);
                        let line = text
                            .lines()
                            .find(|l| l.starts_with("coffre-share/"))
                            .ok_or_else(|| Error::Usage(msg!("holds-share", p = p.display())))?;
                        lines.push(zeroize::Zeroizing::new(line.to_string()));
                    }
                    let secret = coffre::crypto::shares::combine(&lines, s.vault().id())?;
                    let text = std::str::from_utf8(&secret)
                        .map_err(|_| Error::Usage(msg!("shares-do-rebuild-key")))?;
                    (
                        Identity::parse(text)?,
                        format!("reassembled from {} shares", lines.len()),
                    )
                }
            };
            let pass = input::new_passphrase(staff)?;
            s.recover_staff(staff, &pass, &id, &how)?;
            let how_words = if recovery_key.is_some() {
                tr!("cli-recover-how-file")
            } else {
                tr!("cli-recover-how-shares", count = shares.len())
            };
            out.line(&tr!(
                "cli-recovered",
                staff = staff.clone(),
                how = how_words
            ))
        }
        Command::Restore { .. } | Command::Migrate { .. } => Ok(()),
        Command::Check {
            recovery_key,
            sweep_chunks,
        } => {
            let recovery = recovery_key
                .as_deref()
                .map(read_identity_file)
                .transpose()?;
            let r = s.check_and_sweep(recovery.as_ref(), *sweep_chunks)?;
            if out.json {
                out.json(
                    &serde_json::to_value(&r)
                        .map_err(|e| Error::Io(msg!("encoding-failed", detail = e.to_string())))?,
                )?;
            } else {
                out.line(&tr!(
                    "cli-check-summary",
                    records = r.records,
                    checked = r.fields_checked,
                    unchecked = r.fields_unchecked,
                    damaged = r.damaged.len()
                ))?;
                for d in &r.damaged {
                    out.line(&tr!(
                        "cli-check-damaged",
                        item = d.item.clone(),
                        reason = d.reason.clone()
                    ))?;
                }
                if r.swept_chunks > 0 {
                    out.line(&tr!("check-orphan-chunks-swept", n = r.swept_chunks))?;
                } else if r.orphan_chunks > 0 {
                    out.line(&tr!("check-orphan-chunks", n = r.orphan_chunks))?;
                }
                for u in &r.orphan_uploads {
                    out.line(&format!("  {u}"))?;
                }
            }
            if r.damaged.is_empty() {
                Ok(())
            } else {
                Err(
                    Error::Integrity(msg!("damaged-item-s", damaged_count = r.damaged.len()))
                        .into(),
                )
            }
        }
        Command::Keys(KeysCmd::Rotate) => {
            let quiet = out.json;
            let mut last = 0u64;
            let (done, skipped) = s.rewrap_data_keys(&mut |d, t| {
                if !quiet && t > 0 && (d == t || d >= last + 200) {
                    last = d;
                    let width = 30u64;
                    let filled = (d * width).checked_div(t).unwrap_or(width);
                    eprint!(
                        "\r[{}{}] {}",
                        "#".repeat(filled as usize),
                        " ".repeat((width - filled) as usize),
                        tr!("cli-rotate-progress", done = d, total = t)
                    );
                    if d == t {
                        eprintln!();
                    }
                }
            })?;
            if out.json {
                return out.json(&json!({"rewrapped": done, "left_for_other_holders": skipped}));
            }
            out.line(&tr!("cli-rotated", done = done, skipped = skipped))
        }
        Command::Keys(KeysCmd::Waiting) => {
            let mine = s.my_pending_keys()?;
            if out.json {
                let list: Vec<Value> = mine
                    .iter()
                    .map(|k| json!({"key": k.key.name(), "approved": k.approved, "holders": k.holders}))
                    .collect();
                return out.json(&json!({ "pending": list }));
            }
            if mine.is_empty() {
                return out.line(&tr!("cli-keys-pending-none"));
            }
            for k in &mine {
                let key = i18n::render(&coffre::policy::key_msg(&k.key.name()), lang());
                out.line(&match (k.approved, k.holders.is_empty()) {
                    (false, _) => tr!("my-key-to-approve", key = key),
                    (true, true) => tr!("my-key-no-holder", key = key),
                    (true, false) => tr!("my-key-holders", key = key, holders = k.holders.clone()),
                })?;
            }
            Ok(())
        }
        Command::Retention(RetentionCmd::Due { all }) => {
            let items = s.retention_list(!all)?;
            print_retention(&items, out)
        }
        Command::Retention(RetentionCmd::Apply {
            yes,
            approval,
            confirm_clock,
        }) => {
            let items = s.retention_apply(*yes, approval.as_deref(), *confirm_clock)?;
            if out.json {
                return out.json(&json!({"erased": yes, "dossiers": items}));
            }
            if !yes {
                out.line(&tr!("cli-retention-dry-run", count = items.len()))?;
            } else {
                out.line(&tr!("cli-retention-erased", count = items.len()))?;
            }
            print_retention(&items, out)
        }
        _ => Ok(()),
    }
}

pub(super) fn decrypt_backup(path: &Path, id: &Identity) -> Result<Box<dyn std::io::Read>, Error> {
    let f = std::fs::File::open(path)
        .map_err(|e| Error::Usage(msg!("cannot-read", path = path.display(), e = e)))?;
    let d = age::Decryptor::new_buffered(std::io::BufReader::new(f))
        .map_err(|_| Error::Integrity(msg!("coffre-backup-age-file", path = path.display())))?;
    let r = d
        .decrypt(std::iter::once(id.age_identity() as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => Error::Auth(msg!("recovery-key-does-open-backup")),
            _ => Error::Integrity(msg!("damaged-header-does-verify", path = path.display())),
        })?;
    Ok(Box::new(r))
}

/// Writes `body` through age into a new file, synced (removed again on failure).
pub(super) fn write_encrypted<T>(
    path: &Path,
    encryptor: age::Encryptor,
    body: &mut dyn FnMut(&mut dyn Write) -> Result<T, Error>,
) -> Result<T, Error> {
    let file = create_private(path)?;
    let result = (|| {
        let werr =
            |e: std::io::Error| Error::Io(msg!("cannot-write", path = path.display(), e = e));
        let mut w = encryptor
            .wrap_output(std::io::BufWriter::new(file))
            .map_err(werr)?;
        let value = body(&mut w)?;
        let mut inner = w.finish().map_err(werr)?;
        inner.flush().map_err(werr)?;
        inner.get_ref().sync_all().map_err(werr)?;
        Ok(value)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(path);
    }
    result
}

pub(super) fn print_retention(items: &[coffre::vault::RetentionItem], out: &mut Out) -> Res {
    if out.json {
        return out.json(
            &serde_json::to_value(items)
                .map_err(|e| Error::Io(msg!("encoding-failed", detail = e.to_string())))?,
        );
    }
    if items.is_empty() {
        return out.line(&tr!("cli-no-dossier"));
    }
    for i in items {
        out.line(&tr!(
            "cli-retention-item",
            dossier = i.dossier.clone(),
            closed = i.closed.clone(),
            rule = i.rule.clone(),
            years = i.years,
            because = i.because.clone(),
            due = i.due.clone(),
            past_due = if i.past_due { "yes" } else { "no" }
        ))?;
    }
    Ok(())
}
