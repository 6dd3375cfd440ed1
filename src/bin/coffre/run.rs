//! Dispatch of each command to the library, and printing of its result as text or
//! JSON.

use std::io::Write;
use std::path::{Path, PathBuf};

use coffre::audit::{normalise_time, Checkpoint, Filter, Outcome};
use coffre::crypto::kdf::KdfParams;
use coffre::crypto::wrap::Identity;
use coffre::views::{DossierSummary, DossierView, EntryView};
use coffre::{Error, InitOptions, NewStaff, Session, Vault};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use crate::cli::{
    AccessCmd, AuditCmd, BackupCmd, Cli, Command, DossierCmd, EntryCmd, KeysCmd, PolicyCmd,
    RecoveryCmd, ReportFormat, RetentionCmd, StaffCmd, TeamCmd,
};
use crate::input;

/// Why a command did not succeed.
pub enum Failure {
    /// The reader of our output went away: not an error.
    BrokenPipe,
    /// A library error, with its exit code.
    Coffre(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Coffre(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::BrokenPipe
        } else {
            Failure::Coffre(Error::Io(format!("cannot write output: {e}")))
        }
    }
}

type Res = std::result::Result<(), Failure>;

struct Out {
    json: bool,
    w: std::io::StdoutLock<'static>,
}

impl Out {
    /// Writes one line of text, through `coffre::text::escape`: a line break,
    /// an escape sequence or a text-direction control in a stored name, id or
    /// justification is shown as a visible escape (`\n`, `\u{1b}`), so it can
    /// neither forge an extra row nor drive the terminal.
    fn line(&mut self, s: &str) -> Res {
        writeln!(self.w, "{}", coffre::text::escape(s))?;
        Ok(())
    }
    /// Writes text that is multi-line by nature (a note's body, a report, the
    /// recovery key file), through `coffre::text::escape_multiline`: line feeds
    /// and tabs are kept, every other control is escaped.
    fn text(&mut self, s: &str) -> Res {
        writeln!(self.w, "{}", coffre::text::escape_multiline(s))?;
        Ok(())
    }
    fn json(&mut self, v: &Value) -> Res {
        writeln!(self.w, "{v}")?;
        Ok(())
    }
}

fn default_vault_dir() -> Result<PathBuf, Error> {
    dirs::data_dir()
        .map(|d| d.join("coffre").join("vault"))
        .ok_or_else(|| Error::Usage("no data directory on this platform: give --vault DIR".into()))
}

fn vault_dir(cli: &Cli) -> Result<PathBuf, Error> {
    match &cli.vault {
        Some(d) => Ok(d.clone()),
        None => default_vault_dir(),
    }
}

/// Opens the vault, waiting up to `--wait` seconds if another process has it.
fn open_vault(cli: &Cli) -> Result<Vault, Error> {
    let dir = vault_dir(cli)?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(cli.wait);
    loop {
        match Vault::open(&dir) {
            Err(Error::Busy(m)) if std::time::Instant::now() < deadline => {
                let _ = m;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Ok(v) => {
                print_warnings(v.warnings());
                return Ok(v);
            }
            other => return other,
        }
    }
}

/// Prints what the library noticed without failing, on standard error.
fn print_warnings(warnings: &[coffre::Warning]) {
    for w in warnings {
        let text = match w {
            coffre::Warning::LoosePermissions { path, mode, fixed } => format!(
                "{} had mode {mode:o}: other accounts of this machine could reach it; {}",
                path.display(),
                if *fixed {
                    "made private (owner only)"
                } else {
                    "could not change it: make the vault folder and its files owner-only (chmod -R go-rwx)"
                }
            ),
            coffre::Warning::DamagedSnapshot { file, moved_to } => match moved_to {
                Some(to) => format!(
                    "the store's snapshot {} was damaged (a storage fault, not tampering): moved to {} and rebuilt from the store's log; no data was lost",
                    file.display(),
                    to.display()
                ),
                None => format!(
                    "the store's snapshot {} is damaged (a storage fault, not tampering): this check rebuilt it in a temporary copy; the next coffre command run with write access replaces it",
                    file.display()
                ),
            },
            coffre::Warning::UnrecordedEntries {
                first,
                last,
                in_journal,
            } => format!(
                "entries {first} to {last} {}; not vouched for by their signer yet; the next coffre command that opens the vault takes them in and flags them in the log",
                if *in_journal {
                    "were restored from the journal after an interruption (a crash or a power cut, or a journal written by someone with access to the disk)"
                } else {
                    "were found beyond the recorded end of the log (written outside coffre, or an interrupted write)"
                }
            ),
            coffre::Warning::UnappliedChanges { count } => format!(
                "{count} change(s) in the journal not yet applied; open the vault with coffre (any command) to apply them"
            ),
            other => format!("{other:?}"),
        };
        eprintln!("coffre: warning: {text}");
    }
}

fn user(cli: &Cli) -> Result<String, Error> {
    cli.user
        .clone()
        .ok_or_else(|| Error::Usage("say who you are: --user ID or COFFRE_USER".into()))
}

fn unlock<'v>(vault: &'v Vault, cli: &Cli) -> Result<Session<'v>, Error> {
    let user = user(cli)?;
    let pass = input::passphrase(&user)?;
    let session = vault.unlock(&user, &pass)?;
    if session.weak_kdf() {
        eprintln!("coffre: warning: this passphrase uses a weak key derivation (--insecure-fast-kdf): tests and demonstrations only");
    }
    let clock = vault.clock_check();
    if !clock.plausible() {
        eprintln!(
            "coffre: warning: {}: check the system clock (time-based erasures are refused until it is right, or confirmed with --confirm-clock)",
            clock.describe()
        );
    }
    for (key, staff) in session.grants_made() {
        eprintln!(
            "coffre: granted key '{}' to {}",
            coffre::text::escape(key),
            coffre::text::escape(staff)
        );
    }
    Ok(session)
}

fn read_identity_file(path: &Path) -> Result<Identity, Error> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| Error::Usage(format!("cannot read {}: {e}", path.display())))?,
    );
    Identity::from_file_text(&text)
}

/// Runs one command.
pub fn run(cli: Cli) -> Res {
    let mut out = Out {
        json: cli.json,
        w: std::io::stdout().lock(),
    };
    match &cli.command {
        Command::Init(a) => init(&cli, a, &mut out),
        Command::Demo { dir } => {
            let report = coffre::demo::run(dir.as_deref())?;
            out.text(&report)
        }
        Command::Policy(PolicyCmd::Check { file }) => {
            let p = coffre::policy::load(file)?;
            out.line(&format!(
                "{}: valid ({} categories, {} professions, {} kinds)",
                file.display(),
                p.categories.len(),
                p.professions.len(),
                p.kinds.len()
            ))
        }
        Command::Policy(PolicyCmd::Show) => {
            let dir = vault_dir(&cli)?;
            let policy = if dir.join("store").is_dir() {
                Vault::open(&dir)?.policy().clone()
            } else {
                coffre::policy::parse(
                    coffre::policy::DEFAULT_POLICY,
                    coffre::policy::DEFAULT_POLICY_NAME,
                )?
            };
            if out.json {
                let v = serde_json::to_value(&policy).map_err(|e| Error::Io(e.to_string()))?;
                out.json(&v)
            } else {
                print_policy(&policy, &mut out)
            }
        }
        Command::Policy(PolicyCmd::Explain { dossier }) => {
            let vault = open_vault(&cli)?;
            let x = vault.explain(&user(&cli)?, dossier)?;
            if out.json {
                return out.json(&serde_json::to_value(&x).map_err(|e| Error::Io(e.to_string()))?);
            }
            out.line(&format!(
                "{} ({}) on dossier {}: {} the care team{}",
                x.user,
                x.profession,
                x.dossier,
                if x.in_team { "in" } else { "NOT in" },
                if x.may_break_glass {
                    "; may break the glass in an emergency"
                } else {
                    ""
                }
            ))?;
            out.line(&format!(
                "{:<16} {:<12} {:<13} {}",
                "category", "policy", "key", "can read now"
            ))?;
            for c in &x.categories {
                out.line(&format!(
                    "{:<16} {:<12} {:<13} {}",
                    c.category,
                    c.policy,
                    c.key,
                    if c.can_read_now { "yes" } else { "no" }
                ))?;
            }
            Ok(())
        }
        Command::Backup {
            cmd: Some(BackupCmd::Verify { file, recovery_key }),
            ..
        } => {
            let id = read_identity_file(recovery_key)?;
            let tmp =
                std::env::temp_dir().join(format!("coffre-backup-check-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&tmp);
            // Restore into a private temporary folder to check the audit too, then remove it.
            let result = decrypt_backup(file, &id)
                .and_then(|mut r| coffre::vault::backup::restore(&mut r, &tmp));
            let _ = std::fs::remove_dir_all(&tmp);
            let (m, v) = result?;
            if out.json {
                return out.json(&json!({"ok": true, "vault_id": m.vault_id, "created": m.created, "records": m.records, "audit_entries": v.entries}));
            }
            out.line(&format!(
                "backup intact: vault {}, taken {}, {} records, {} files, audit log verified ({} entries)",
                m.vault_id,
                m.created,
                m.records,
                m.files.len(),
                v.entries
            ))
        }
        Command::Restore { file, recovery_key } => {
            let dir = cli.vault.clone().ok_or_else(|| {
                Error::Usage("give --vault DIR: a new folder to restore into".into())
            })?;
            let id = read_identity_file(recovery_key)?;
            let mut r = decrypt_backup(file, &id)?;
            let (m, v) = coffre::vault::backup::restore(&mut r, &dir)?;
            out.line(&format!(
                "vault {} restored into {} from the backup of {}: {} records, audit log verified ({} entries)",
                m.vault_id,
                dir.display(),
                m.created,
                m.records,
                v.entries
            ))
        }
        Command::Audit(AuditCmd::Verify { since }) => {
            let since = match since {
                Some(p) => Some(Checkpoint::parse(&std::fs::read_to_string(p).map_err(
                    |e| Error::Usage(format!("cannot read {}: {e}", p.display())),
                )?)?),
                None => None,
            };
            // Read-only: works on a write-protected copy and changes nothing.
            let dir = vault_dir(&cli)?;
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(cli.wait);
            let checked = loop {
                match coffre::vault::verify_read_only(&dir, since.as_ref()) {
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
            out.line(&format!(
                "audit log intact: {} entries, {} signed checkpoints, root {}",
                s.entries,
                s.checkpoints,
                hex::encode(s.root)
            ))?;
            if let Some((size, proof)) = s.since {
                out.line(&format!(
                    "extends the given checkpoint of {size} entries (consistency proof of {proof} hashes verified)"
                ))?;
            }
            for w in &s.warnings {
                out.line(&format!("warning: {w}"))?;
            }
            if unsigned > 0 {
                out.line(&format!(
                    "note: the last {unsigned} entries are not covered by a signed checkpoint yet (signed at the next command)"
                ))?;
            }
            Ok(())
        }
        Command::Audit(AuditCmd::Checkpoint { out: path }) => {
            let vault = open_vault(&cli)?;
            let c = vault
                .latest_checkpoint()?
                .ok_or_else(|| Error::NotFound("no signed checkpoint yet".into()))?;
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            let mut f = opts
                .open(path)
                .map_err(|e| Error::Usage(format!("cannot create {}: {e}", path.display())))?;
            f.write_all(c.to_text().as_bytes())
                .and_then(|_| f.sync_all())
                .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
            // `audit prune` goes no further than what an exported checkpoint covers.
            vault.record_exported_checkpoint(c.size)?;
            let signer = c.claimed_signer().unwrap_or_default();
            if out.json {
                return out.json(&json!({"size": c.size, "root": hex::encode(c.root), "signer": signer, "origin": c.origin(), "time": c.time()}));
            }
            out.line(&format!(
                "checkpoint of {} entries signed by {} written to {}",
                c.size,
                signer,
                path.display()
            ))
        }
        Command::Audit(AuditCmd::Prune { .. }) => {
            let vault = open_vault(&cli)?;
            {
                let mut s = unlock(&vault, &cli)?;
                let result = session_command(&cli, &mut s, &mut out);
                let signed = s.checkpoint();
                result?;
                signed?;
            }
            // Rewrites the store if the prune made it due (its files keep removed values).
            Ok(vault.close()?)
        }
        Command::Access(a) if cli.user.is_none() && person_command(a) => {
            let vault = open_vault(&cli)?;
            person(&vault, a, &mut out)
        }
        _ => {
            let vault = open_vault(&cli)?;
            let mut s = unlock(&vault, &cli)?;
            let result = session_command(&cli, &mut s, &mut out);
            // Sign a checkpoint of everything this command recorded, even after a refusal.
            let signed = s.checkpoint();
            result?;
            signed?;
            Ok(())
        }
    }
}

fn init(cli: &Cli, a: &crate::cli::InitArgs, out: &mut Out) -> Res {
    let dir = vault_dir(cli)?;
    if let Some(p) = &a.recovery_out {
        if p.exists() {
            return Err(Error::Usage(format!(
                "{} already exists; choose a new file for the recovery key",
                p.display()
            ))
            .into());
        }
    }
    let policy = match &a.policy {
        Some(p) => Some((
            std::fs::read_to_string(p)
                .map_err(|e| Error::Usage(format!("cannot read {}: {e}", p.display())))?,
            p.display().to_string(),
        )),
        None => None,
    };
    let pass = input::new_passphrase(&a.admin_id)?;
    let opts = InitOptions {
        establishment: a.establishment.clone(),
        admin_id: a.admin_id.clone(),
        admin_name: a.admin_name.clone(),
        admin_profession: a.admin_profession.clone(),
        admin_passphrase: pass,
        kdf: if a.insecure_fast_kdf {
            KdfParams::INSECURE_FAST
        } else {
            KdfParams::DEFAULT
        },
        policy,
        recovery: None,
    };
    let (_vault, report) = Vault::init(&dir, opts)?;
    let secret = report.recovery.to_secret_string();
    let file_text = zeroize::Zeroizing::new(format!(
        "# Coffre recovery key for vault {}\n# public key: {}\n# genesis: {}\n# Keep it offline (safe, sealed envelope). Whoever holds it can grant any key.\n{}\n",
        report.vault_id,
        report.recovery.recipient(),
        report.genesis,
        secret.expose_secret()
    ));
    match &a.recovery_out {
        Some(p) => {
            write_secret_file(p, &file_text)?;
            if !out.json {
                eprintln!(
                    "coffre: recovery key written to {} — move it off this machine",
                    p.display()
                );
            }
        }
        None => {
            eprintln!(
                "coffre: RECOVERY KEY (shown once; store it offline, then clear this screen):"
            );
            out.text(&file_text)?;
        }
    }
    if out.json {
        out.json(&json!({
            "vault": dir.display().to_string(),
            "vault_id": report.vault_id,
            "genesis": report.genesis,
        }))
    } else {
        out.line(&format!(
            "vault {} created in {}",
            report.vault_id,
            dir.display()
        ))?;
        out.line(&format!(
            "genesis {} (the vault's identity: keep it with the recovery key; every checkpoint names it)",
            report.genesis
        ))
    }
}

/// Creates a new file readable by its owner only; never overwrites, never follows
/// a link at `path`.
fn create_private(path: &Path) -> Result<std::fs::File, Error> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
        .map_err(|e| Error::Usage(format!("cannot create {}: {e}", path.display())))
}

fn write_secret_file(path: &Path, text: &str) -> Result<(), Error> {
    let mut f = create_private(path)?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))
}

fn session_command(cli: &Cli, s: &mut Session<'_>, out: &mut Out) -> Res {
    match &cli.command {
        Command::Staff(StaffCmd::Add {
            id,
            name,
            profession,
            recovery_key,
        }) => {
            let recovery = match recovery_key {
                Some(p) => Some(read_identity_file(p)?),
                None => None,
            };
            let pass = input::new_passphrase(id)?;
            let pending = s.add_staff(
                &NewStaff {
                    id,
                    name,
                    profession,
                    passphrase: &pass,
                },
                recovery.as_ref(),
            )?;
            if out.json {
                return out.json(&json!({"id": id, "pending": pending}));
            }
            out.line(&format!("staff member {id} added"))?;
            if !pending.is_empty() {
                out.line(&format!(
                    "access pending for: {} (granted when a holder unlocks, or now with --recovery-key)",
                    pending.join(", ")
                ))?;
            }
            Ok(())
        }
        Command::Staff(StaffCmd::List) => {
            let list = s.list_staff()?;
            let rotations = s.pending_rotations()?;
            if out.json {
                return out
                    .json(&serde_json::to_value(&list).map_err(|e| Error::Io(e.to_string()))?);
            }
            print_rotations(&rotations, out)?;
            for m in &list {
                let pending = if m.pending.is_empty() {
                    String::new()
                } else {
                    format!("  pending: {}", m.pending.join(", "))
                };
                out.line(&format!(
                    "{:<20} {:<22} {:<8} {}{}",
                    m.id, m.profession, m.status, m.name, pending
                ))?;
            }
            Ok(())
        }
        Command::Dossier(DossierCmd::Create { name, birthdate }) => {
            let id = s.create_dossier(name, birthdate)?;
            out.line(&id)
        }
        Command::Dossier(DossierCmd::Find { text }) => {
            let list = s.find_dossiers(text)?;
            print_summaries(&list, out)
        }
        Command::Dossier(DossierCmd::List) => {
            let list = s.list_dossiers()?;
            print_summaries(&list, out)
        }
        Command::Dossier(DossierCmd::Show { id, break_glass }) => {
            let view = s.show_dossier(id, break_glass.as_deref())?;
            if out.json {
                out.json(&dossier_json(&view))?;
            } else {
                print_dossier(s, &view, out)?;
            }
            if view.damaged.is_empty() {
                Ok(())
            } else {
                Err(Error::Integrity(format!(
                    "entries {} of dossier {id} are damaged or altered; the others are shown (run `coffre check`)",
                    view.damaged.join(", ")
                ))
                .into())
            }
        }
        Command::Dossier(DossierCmd::Team(TeamCmd::Add { id, staff_id })) => {
            s.add_team_member(id, staff_id)?;
            if out.json {
                return out.json(&json!({"dossier": id, "added": staff_id}));
            }
            out.line(&format!("{staff_id} added to the care team of {id}"))
        }
        Command::Dossier(DossierCmd::Team(TeamCmd::List { id })) => {
            let team = s.team(id)?;
            if out.json {
                return out.json(&json!(team));
            }
            for m in team {
                out.line(&m)?;
            }
            Ok(())
        }
        Command::Entry(EntryCmd::Add {
            dossier,
            kind,
            fields,
        }) => {
            let fields = input::fields(fields)?;
            let id = s.add_entry(dossier, kind, &fields)?;
            out.line(&id)
        }
        Command::Entry(EntryCmd::Amend { entry, fields }) => {
            let fields = input::fields(fields)?;
            let v = s.amend_entry(entry, &fields)?;
            if out.json {
                return out.json(&json!({"entry": entry, "version": v}));
            }
            out.line(&format!("{entry} amended: version {v}"))
        }
        Command::Entry(EntryCmd::Import { file, group }) => {
            let n = crate::import::run(s, file, *group as usize)?;
            if out.json {
                return out.json(&json!({ "imported": n.written, "skipped": n.skipped }));
            }
            match n.skipped {
                0 => out.line(&format!("{} entries imported", n.written)),
                k => out.line(&format!(
                    "{} entries imported ({k} imported earlier from this file were skipped)",
                    n.written
                )),
            }
        }
        Command::Entry(EntryCmd::Show { entry, break_glass }) => {
            let view = s.show_entry(entry, break_glass.as_deref())?;
            if out.json {
                return out.json(&entry_json(&view));
            }
            print_entry(s, &view, out)
        }
        Command::Entry(EntryCmd::History { entry, break_glass }) => {
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
                out.line(&format!(
                    "version {}  by {}  on {}",
                    v.version, author, v.time
                ))?;
                print_fields(&v.fields, &v.withheld, out)?;
            }
            Ok(())
        }
        Command::Audit(AuditCmd::Log { filter: f }) => {
            let outcome = match f.outcome.as_deref() {
                None => None,
                Some(o) => Some(Outcome::parse(o).ok_or_else(|| {
                    Error::Usage("--outcome is one of ok, denied, failed, error".into())
                })?),
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
                    out.json(&serde_json::to_value(&r).map_err(|e| Error::Io(e.to_string()))?)?;
                } else {
                    out.line(&audit_line(&r))?;
                }
            }
            Ok(())
        }
        Command::Audit(AuditCmd::ReleaseJustifications { dossier }) => {
            let r = s.release_justifications(dossier)?;
            if out.json {
                return out.json(&serde_json::to_value(&r).map_err(|e| Error::Io(e.to_string()))?);
            }
            out.line(&format!(
                "{} justification(s) of dossier {} released to the person (audit entries up to {}).",
                r.released, r.dossier, r.up_to_seq
            ))?;
            if r.unreadable > 0 {
                out.line(&format!(
                    "{} justification(s) could not be opened with your audit keys and were not released.",
                    r.unreadable
                ))?;
            }
            if !r.person_copies {
                out.line("The person has no personal access yet: their exports show the words; after `access grant`, release again for their own access.")?;
            }
            Ok(())
        }
        Command::Audit(AuditCmd::History { dossier }) => {
            let items = s.access_history(dossier)?;
            if out.json {
                for i in &items {
                    out.json(&serde_json::to_value(i).map_err(|e| Error::Io(e.to_string()))?)?;
                }
                return Ok(());
            }
            out.line(&format!(
                "Who accessed the file {dossier} ({} events):",
                items.len()
            ))?;
            print_prunes(s.vault(), out)?;
            for i in &items {
                let who = match (&i.name, &i.profession_label) {
                    (Some(n), Some(p)) => format!("{n} ({p})"),
                    (Some(n), None) => n.clone(),
                    _ => i.actor.clone(),
                };
                let mut line = format!("  {}  {who} {}", i.time, i.what);
                if !i.categories.is_empty() {
                    line.push_str(&format!(" [{}]", i.categories.join(", ")));
                }
                if let Some(j) = &i.justification {
                    line.push_str(&format!(" — justification, in their words: \"{j}\""));
                }
                out.line(&line)?;
            }
            Ok(())
        }
        Command::Audit(AuditCmd::Prune {
            yes,
            confirm_clock,
            beyond_export,
        }) => {
            let plan = s.audit_prune(coffre::vault::PruneOptions {
                yes: *yes,
                confirm_clock: *confirm_clock,
                beyond_export: *beyond_export,
            })?;
            if out.json {
                return out
                    .json(&serde_json::to_value(&plan).map_err(|e| Error::Io(e.to_string()))?);
            }
            let period = match (&plan.from, &plan.to) {
                (Some(a), Some(b)) => format!("{} entries dated {a} to {b}", plan.count),
                _ => "no entry".to_string(),
            };
            let verb = if plan.done {
                "pruned"
            } else if *yes {
                "nothing to prune:"
            } else {
                "would prune"
            };
            out.line(&format!(
                "{verb} {period} (older than {}, retention {})",
                plan.cutoff, plan.retention
            ))?;
            if plan.held_back > 0 {
                out.line(&format!(
                    "{} older entries are kept: the last exported checkpoint covers only {} entries (export a new one with `audit checkpoint --out`, or give --beyond-export)",
                    plan.held_back,
                    plan.limit.unwrap_or(0)
                ))?;
            }
            if !plan.done && !*yes && plan.count > 0 {
                out.line("dry run: nothing changed; give --yes to prune")?;
            }
            Ok(())
        }
        Command::Audit(AuditCmd::Report {
            since,
            until,
            format,
        }) => {
            let since = since.as_deref().map(normalise_time).transpose()?;
            let until = until.as_deref().map(normalise_time).transpose()?;
            let report = s.audit_report(since, until)?;
            let text = match (format, out.json) {
                (ReportFormat::Json, _) | (_, true) => {
                    serde_json::to_string_pretty(&report).map_err(|e| Error::Io(e.to_string()))?
                }
                (ReportFormat::Html, false) => coffre::audit::render::report_html(&report),
                (ReportFormat::Text, false) => coffre::audit::render::report_text(&report),
            };
            out.text(&text)
        }
        Command::Staff(StaffCmd::Passwd) => {
            let new = input::new_passphrase(s.user())?;
            s.change_passphrase(&new)?;
            out.line("passphrase changed; the old one no longer works")
        }
        Command::Staff(StaffCmd::Revoke { id, recovery_key }) => {
            let recovery = recovery_key
                .as_deref()
                .map(read_identity_file)
                .transpose()?;
            let pending = s.revoke_staff(id, recovery.as_ref())?;
            out.line(&format!("{id} revoked: they can no longer unlock"))?;
            print_rotations(&pending, out)
        }
        Command::Staff(StaffCmd::Approve {
            id,
            recovery_key,
            refuse,
        }) => {
            let request = s.approval_request(id)?;
            if *refuse {
                s.refuse_approval(id)?;
                return out.line(&format!(
                    "approval of {id} refused (recorded in the audit log)"
                ));
            }
            let recovery = recovery_key
                .as_deref()
                .map(read_identity_file)
                .transpose()?;
            if !out.json {
                out.line(&format!(
                    "{id} ({}) was added by {} on {}; waiting: {}",
                    request.profession,
                    request.invited_by,
                    request.invited,
                    if request.keys.is_empty() {
                        "nothing".to_string()
                    } else {
                        request.keys.join(", ")
                    }
                ))?;
            }
            let keys = s.approve_staff(id, recovery.as_ref())?;
            for (key, staff) in s.grants_made().iter().filter(|(_, staff)| staff == id) {
                eprintln!("coffre: granted key '{key}' to {staff}");
            }
            if out.json {
                out.json(&json!({"approved": keys, "member": request}))
            } else {
                out.line(&format!("{id} approved for {}", keys.join(", ")))
            }
        }
        Command::Staff(StaffCmd::SetProfession {
            id,
            profession,
            recovery_key,
        }) => {
            let recovery = recovery_key
                .as_deref()
                .map(read_identity_file)
                .transpose()?;
            let pending = s.set_profession(id, profession, recovery.as_ref())?;
            out.line(&format!("{id} is now {profession}"))?;
            print_rotations(&pending, out)
        }
        Command::Backup {
            out: Some(path),
            cmd: None,
        } => {
            let r = coffre::crypto::wrap::parse_recipient(s.vault().recovery_recipient())?;
            let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
                .map_err(|e| Error::Io(format!("cannot encrypt the backup: {e}")))?;
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
            out.line(&format!(
                "backup written to {}: {} records, {} audit entries, encrypted to the recovery key",
                path.display(),
                m.records,
                m.audit_entries
            ))
        }
        Command::Backup { .. } => {
            Err(Error::Usage("give --out FILE, or `backup verify FILE`".into()).into())
        }
        Command::Recovery(RecoveryCmd::Split {
            recovery_key,
            threshold,
            shares,
            out_dir,
        }) => {
            let id = read_identity_file(recovery_key)?;
            if id.recipient() != s.vault().recovery_recipient() {
                return Err(
                    Error::Auth("this is not the recovery key of this vault".into()).into(),
                );
            }
            if out_dir.exists() {
                return Err(Error::Usage(format!(
                    "{} exists: give a new folder",
                    out_dir.display()
                ))
                .into());
            }
            let secret = coffre::crypto::wrap::secret_bytes(&id);
            let lines =
                coffre::crypto::shares::split(&secret, *threshold, *shares, s.vault().id())?;
            s.record_recovery_split(*threshold, *shares)?;
            std::fs::create_dir_all(out_dir)
                .map_err(|e| Error::Usage(format!("cannot create {}: {e}", out_dir.display())))?;
            for (i, line) in lines.iter().enumerate() {
                let text = zeroize::Zeroizing::new(format!(
                    "# Coffre recovery key share {} of {} ({} needed). Keep it apart from the others.\n{}\n",
                    i + 1,
                    shares,
                    threshold,
                    line.as_str()
                ));
                write_secret_file(&out_dir.join(format!("share-{}.txt", i + 1)), &text)?;
            }
            out.line(&format!(
                "{shares} shares written to {} ({threshold} needed to rebuild the key); give them to different people, then destroy the key file",
                out_dir.display()
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
                                Error::Usage(format!("cannot read {}: {e}", p.display()))
                            })?);
                        let line = text
                            .lines()
                            .find(|l| l.starts_with("coffre-share/"))
                            .ok_or_else(|| {
                                Error::Usage(format!("{} holds no share", p.display()))
                            })?;
                        lines.push(zeroize::Zeroizing::new(line.to_string()));
                    }
                    let secret = coffre::crypto::shares::combine(&lines, s.vault().id())?;
                    let text = std::str::from_utf8(&secret)
                        .map_err(|_| Error::Usage("the shares do not rebuild a key".into()))?;
                    (
                        Identity::parse(text)?,
                        format!("reassembled from {} shares", lines.len()),
                    )
                }
            };
            let pass = input::new_passphrase(staff)?;
            s.recover_staff(staff, &pass, &id, &how)?;
            out.line(&format!(
                "{staff} has a new passphrase; their keys were re-granted with the recovery key ({how})"
            ))
        }
        Command::Restore { .. } => Ok(()),
        Command::Check { recovery_key } => {
            let recovery = recovery_key
                .as_deref()
                .map(read_identity_file)
                .transpose()?;
            let r = s.check(recovery.as_ref())?;
            if out.json {
                out.json(&serde_json::to_value(&r).map_err(|e| Error::Io(e.to_string()))?)?;
            } else {
                out.line(&format!(
                    "{} records, {} sealed fields intact, {} not checked (no key: use --recovery-key to check all), {} damaged",
                    r.records,
                    r.fields_checked,
                    r.fields_unchecked,
                    r.damaged.len()
                ))?;
                for d in &r.damaged {
                    out.line(&format!("DAMAGED {}: {}", d.item, d.reason))?;
                }
            }
            if r.damaged.is_empty() {
                Ok(())
            } else {
                Err(Error::Integrity(format!("{} damaged item(s)", r.damaged.len())).into())
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
                        "\r[{}{}] {d}/{t} data keys",
                        "#".repeat(filled as usize),
                        " ".repeat((width - filled) as usize)
                    );
                    if d == t {
                        eprintln!();
                    }
                }
            })?;
            if out.json {
                return out.json(&json!({"rewrapped": done, "left_for_other_holders": skipped}));
            }
            out.line(&format!(
                "{done} data key(s) re-wrapped; {skipped} left for holders of other categories"
            ))
        }
        Command::Dossier(DossierCmd::Close { id, rule }) => {
            s.close_dossier(id, rule.as_deref())?;
            out.line(&format!(
                "dossier {id} closed: its retention period starts today"
            ))
        }
        Command::Dossier(DossierCmd::Erase { id, reason }) => {
            s.erase_dossier(id, reason)?;
            out.line(&format!("dossier {id} erased: its keys are destroyed"))
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
                out.line(&format!(
                    "dry run: {} dossier(s) would be erased (add --yes):",
                    items.len()
                ))?;
            } else {
                out.line(&format!("{} dossier(s) erased:", items.len()))?;
            }
            print_retention(&items, out)
        }
        Command::Access(AccessCmd::Grant {
            dossier,
            recovery_key,
        }) => {
            let recovery = recovery_key
                .as_deref()
                .map(read_identity_file)
                .transpose()?;
            let pass = input::new_passphrase(&format!("the person of dossier {dossier}"))?;
            let missing = s.grant_person_access(dossier, &pass, recovery.as_ref())?;
            if out.json {
                return out.json(&json!({"dossier": dossier, "granted": true, "pending": missing}));
            }
            out.line(&format!("personal access to {dossier} granted"))?;
            if !missing.is_empty() {
                out.line(&format!(
                    "not yet readable by the person: {} (follows when a holder of those keys works on the file, or now with --recovery-key)",
                    missing.join(", ")
                ))?;
            }
            Ok(())
        }
        Command::Access(AccessCmd::Export {
            dossier,
            out: path,
            recipient,
            passphrase,
            recovery_key,
        }) => {
            let recovery = recovery_key
                .as_deref()
                .map(read_identity_file)
                .transpose()?;
            let encryptor = match (recipient, passphrase) {
                (Some(r), _) => {
                    let r = coffre::crypto::wrap::parse_recipient(r)?;
                    age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
                        .map_err(|e| {
                            Error::Usage(format!("cannot encrypt to this recipient: {e}"))
                        })?
                }
                (None, true) => {
                    let pass = input::new_passphrase("the export")?;
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
                (None, false) => {
                    return Err(Error::Usage("give --recipient or --passphrase".into()).into())
                }
            };
            let summary = write_export(s, dossier, recovery.as_ref(), encryptor, path)?;
            if out.json {
                return out
                    .json(&serde_json::to_value(&summary).map_err(|e| Error::Io(e.to_string()))?);
            }
            out.line(&format!(
                "export of {dossier} written to {}: {} entries, {} access events, {} withheld field(s)",
                path.display(),
                summary.entries,
                summary.history,
                summary.withheld.values().sum::<u64>()
            ))
        }
        Command::Access(AccessCmd::Note {
            dossier,
            text,
            entry,
        }) => {
            let mut fields = vec![coffre::FieldInput::new("text", text)];
            if let Some(e) = entry {
                fields.push(coffre::FieldInput::new("about", e));
            }
            let id = s.add_entry(dossier, "person-note", &fields)?;
            out.line(&id)
        }
        Command::Access(AccessCmd::Object {
            dossier,
            category,
            profession,
        }) => {
            s.record_objection(dossier, category, profession)?;
            out.line(&format!("objection recorded: '{category}' is no longer shared with '{profession}' for {dossier}"))
        }
        Command::Access(AccessCmd::View { .. }) => {
            Err(Error::Usage("access view is for the person: run it without --user".into()).into())
        }
        // Handled before unlocking.
        Command::Init(_)
        | Command::Demo { .. }
        | Command::Policy(_)
        | Command::Audit(AuditCmd::Verify { .. })
        | Command::Audit(AuditCmd::Checkpoint { .. }) => Ok(()),
    }
}

/// Which period the access trail covers, and each prune (when, by whom).
fn print_prunes(vault: &Vault, out: &mut Out) -> Res {
    let rules = &vault.policy().audit;
    let prunes = vault.prunes()?;
    match prunes.last() {
        None => out.line(&format!(
            "  (the access trail is kept {}; nothing was pruned yet)",
            rules.trail_retention
        )),
        Some(last) => {
            out.line(&format!(
                "  (the access trail covers entries from {} on; it is kept {})",
                rfc3339_of(last.cutoff),
                rules.trail_retention
            ))?;
            for p in &prunes {
                out.line(&format!(
                    "  older entries pruned on {} by {}: {} entries dated before {}",
                    rfc3339_of(p.time),
                    p.by,
                    p.count,
                    rfc3339_of(p.cutoff)
                ))?;
            }
            Ok(())
        }
    }
}

fn rfc3339_of(secs: u64) -> String {
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        .to_string()
}

/// Whether an `access` command can be run by the person with their own access.
fn person_command(a: &AccessCmd) -> bool {
    matches!(
        a,
        AccessCmd::View { .. } | AccessCmd::Note { .. } | AccessCmd::Object { .. }
    )
}

/// The person's own commands (no staff user; their passphrase).
fn person(vault: &Vault, a: &AccessCmd, out: &mut Out) -> Res {
    let dossier = match a {
        AccessCmd::View { dossier }
        | AccessCmd::Note { dossier, .. }
        | AccessCmd::Object { dossier, .. } => dossier,
        _ => return Err(Error::Usage("this command needs --user".into()).into()),
    };
    let pass = input::passphrase(&format!("dossier {dossier}"))?;
    let p = vault.unlock_person(dossier, &pass)?;
    if p.weak_kdf() {
        eprintln!("coffre: warning: this passphrase uses a weak key derivation (--insecure-fast-kdf): tests and demonstrations only");
    }
    match a {
        AccessCmd::View { .. } => {
            let view = p.view()?;
            let history = p.history()?;
            if out.json {
                let mut v = dossier_json(&view);
                v["access_history"] =
                    serde_json::to_value(&history).map_err(|e| Error::Io(e.to_string()))?;
                v["access_trail_retention"] = json!(vault.policy().audit.trail_retention);
                return out.json(&v);
            }
            let who = match (&view.name, &view.birthdate) {
                (Some(n), Some(b)) => format!("{n}, né(e) le {b}"),
                _ => String::new(),
            };
            out.line(&format!("Votre dossier {} — {who}", view.id))?;
            for e in &view.entries {
                out.line(&format!(
                    "  {} ({}) version {}",
                    e.kind, e.created, e.version
                ))?;
                for (name, f) in &e.fields {
                    out.text(&format!("    {}: {}", coffre::text::escape(name), f.value))?;
                }
                for w in &e.withheld {
                    out.line(&format!(
                        "    {}: non communicable ({})",
                        w.field, w.category
                    ))?;
                }
            }
            out.line("Qui a consulté ou modifié votre dossier :")?;
            for h in &history {
                let who = h
                    .profession_label
                    .clone()
                    .unwrap_or_else(|| h.actor.clone());
                let mut line = format!(
                    "  {} {} {} [{}]",
                    h.time,
                    who,
                    h.what,
                    h.categories.join(", ")
                );
                if let Some(j) = &h.justification {
                    line.push_str(&format!(" — justification : « {j} »"));
                }
                out.line(&line)?;
            }
            out.line(&format!(
                "Cet historique des accès est conservé {} (recommandation de la CNIL sur la journalisation) ; les entrées plus anciennes sont effacées.",
                vault.policy().audit.trail_retention
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
            out.line(&format!(
                "objection recorded: '{category}' is no longer shared with '{profession}'"
            ))
        }
        _ => Ok(()),
    }
}

fn decrypt_backup(path: &Path, id: &Identity) -> Result<Box<dyn std::io::Read>, Error> {
    let f = std::fs::File::open(path)
        .map_err(|e| Error::Usage(format!("cannot read {}: {e}", path.display())))?;
    let d = age::Decryptor::new_buffered(std::io::BufReader::new(f)).map_err(|_| {
        Error::Integrity(format!(
            "{} is not a coffre backup (not an age file)",
            path.display()
        ))
    })?;
    let r = d
        .decrypt(std::iter::once(id.age_identity() as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => {
                Error::Auth("this recovery key does not open this backup".into())
            }
            _ => Error::Integrity(format!(
                "{} is damaged: its header does not verify",
                path.display()
            )),
        })?;
    Ok(Box::new(r))
}

/// Writes `body` through age into a new file, synced (removed again on failure).
fn write_encrypted<T>(
    path: &Path,
    encryptor: age::Encryptor,
    body: &mut dyn FnMut(&mut dyn Write) -> Result<T, Error>,
) -> Result<T, Error> {
    let file = create_private(path)?;
    let result = (|| {
        let werr = |e: std::io::Error| Error::Io(format!("cannot write {}: {e}", path.display()));
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

/// Streams the export through age into a new file (removed again on failure).
fn write_export(
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

fn print_rotations(pending: &[coffre::vault::PendingRotation], out: &mut Out) -> Res {
    for p in pending {
        out.line(&format!(
            "rotation pending: {} ({}) — done when a holder of that key unlocks, or with --recovery-key",
            p.key, p.reason
        ))?;
    }
    Ok(())
}

fn print_retention(items: &[coffre::vault::RetentionItem], out: &mut Out) -> Res {
    if out.json {
        return out.json(&serde_json::to_value(items).map_err(|e| Error::Io(e.to_string()))?);
    }
    if items.is_empty() {
        return out.line("no dossier");
    }
    for i in items {
        out.line(&format!(
            "{}  closed {}  rule {}  kept {} years ({})  due {}{}",
            i.dossier,
            i.closed,
            i.rule,
            i.years,
            i.because,
            i.due,
            if i.past_due { "  PAST DUE" } else { "" }
        ))?;
    }
    Ok(())
}

fn audit_line(r: &coffre::views::AuditRecord) -> String {
    let e = &r.entry;
    let mut line = format!(
        "{:>6} {} {:<20} {:<22} {:<18} {:<7}",
        e.seq,
        e.time,
        e.actor,
        e.profession,
        e.action,
        e.outcome.as_str()
    );
    if let Some(d) = &e.dossier {
        line.push_str(&format!(" dossier={d}"));
    }
    if let Some(x) = &e.entry {
        line.push_str(&format!(" entry={x}"));
    }
    if let Some(t) = &e.target {
        line.push_str(&format!(" target={t}"));
    }
    if !e.categories.is_empty() {
        line.push_str(&format!(" categories={}", e.categories.join(",")));
    }
    if e.break_glass {
        line.push_str(" BREAK-GLASS");
    }
    if let Some(d) = &e.detail {
        line.push_str(&format!(" ({d})"));
    }
    if let Some(j) = &r.justification_text {
        line.push_str(&format!(" justification (the actor's words): \"{j}\""));
    }
    line
}

fn print_summaries(list: &[DossierSummary], out: &mut Out) -> Res {
    if out.json {
        return out.json(&serde_json::to_value(list).map_err(|e| Error::Io(e.to_string()))?);
    }
    if list.is_empty() {
        return out.line("no dossier");
    }
    for d in list {
        let who = match (&d.name, &d.birthdate) {
            (Some(n), Some(b)) => format!("{n} (born {b})"),
            _ if d.in_team => "(name withheld)".to_string(),
            _ => "(not in your care team)".to_string(),
        };
        out.line(&format!("{}  {}", d.id, who))?;
    }
    Ok(())
}

fn entry_json(e: &EntryView) -> Value {
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

fn dossier_json(d: &DossierView) -> Value {
    json!({
        "id": d.id, "name": d.name, "birthdate": d.birthdate, "break_glass": d.break_glass,
        "entries": d.entries.iter().map(entry_json).collect::<Vec<_>>(),
        "damaged": d.damaged,
    })
}

fn author_label(s: &mut Session<'_>, id: &str) -> String {
    match s.staff_name(id) {
        Ok(Some(n)) => format!("{n} ({id})"),
        _ => id.to_string(),
    }
}

fn print_entry(s: &mut Session<'_>, e: &EntryView, out: &mut Out) -> Res {
    let author = author_label(s, &e.author);
    out.line(&format!(
        "entry {}  kind {}  version {}  by {}  on {}",
        e.id, e.kind, e.version, author, e.created
    ))?;
    print_fields(&e.fields, &e.withheld, out)
}

fn print_fields(
    fields: &std::collections::BTreeMap<String, coffre::views::FieldValue>,
    withheld: &[coffre::views::Withheld],
    out: &mut Out,
) -> Res {
    for (name, v) in fields {
        out.text(&format!(
            "  {} [{}]: {}",
            coffre::text::escape(name),
            v.category,
            v.value
        ))?;
    }
    for w in withheld {
        out.line(&format!(
            "  {} [{}]: WITHHELD ({})",
            w.field,
            w.category,
            w.reason.explain()
        ))?;
    }
    Ok(())
}

fn print_dossier(s: &mut Session<'_>, d: &DossierView, out: &mut Out) -> Res {
    let who = match (&d.name, &d.birthdate) {
        (Some(n), Some(b)) => format!("{n}, born {b}"),
        _ => "identity withheld".to_string(),
    };
    out.line(&format!("dossier {}: {}", d.id, who))?;
    if d.break_glass {
        out.line("BREAK-THE-GLASS ACCESS: recorded and reported to the data protection officer")?;
    }
    if d.entries.is_empty() {
        out.line("no entry yet")?;
    }
    for e in &d.entries {
        print_entry(s, e, out)?;
    }
    Ok(())
}

fn print_policy(p: &coffre::policy::Policy, out: &mut Out) -> Res {
    out.line(&format!("policy {} (format {})", p.name, p.format))?;
    out.line(&format!(
        "break-the-glass lasts {} hours",
        p.rules.break_glass_hours
    ))?;
    out.line(&match &p.audit.trail_retention_reason {
        Some(r) => format!(
            "the access trail is kept {} (reason: {}); older entries are pruned with `audit prune`",
            p.audit.trail_retention,
            coffre::text::escape(r)
        ),
        None => format!(
            "the access trail is kept {}; older entries are pruned with `audit prune`",
            p.audit.trail_retention
        ),
    })?;
    out.line("categories:")?;
    for (id, c) in &p.categories {
        let mut flags = Vec::new();
        if c.author_only {
            flags.push("author only".to_string());
        }
        if c.withheld.is_some() {
            flags.push("withheld from the person".to_string());
        }
        let flags = if flags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", flags.join(", "))
        };
        out.line(&format!("  {id:<14} {}{flags}", c.description))?;
    }
    out.line("professions (W write+read, R read):")?;
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
        out.line(&format!("  {id:<22} {}", cells.join(" ")))?;
        if !caps.is_empty() {
            out.line(&format!("  {:<22} may: {}", "", caps.join(", ")))?;
        }
    }
    out.line("entry kinds:")?;
    for (id, k) in &p.kinds {
        let f: Vec<String> = k.fields.iter().map(|(n, c)| format!("{n}({c})")).collect();
        out.line(&format!("  {id:<14} {}", f.join(" ")))?;
    }
    Ok(())
}
