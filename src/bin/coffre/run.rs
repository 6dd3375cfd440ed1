//! Dispatch of each command to the library, and printing of its result as text or
//! JSON.

use coffre::i18n::{self, Lang};
use coffre::{msg, tr};
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
            Failure::Coffre(Error::Io(msg!("cannot-write-output", e = e)))
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
        .ok_or_else(|| Error::Usage(msg!("data-directory-platform-give-vault-dir")))
}

/// A vault's location for messages: a folder as it is, a database address
/// without its password and parameters.
fn shown(dir: &std::path::Path) -> String {
    coffre::store::postgres::redact(&dir.display().to_string())
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
                crate::lang::from_policy(v.policy());
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
        let text = i18n::render(&w.msg(), i18n::current());
        eprintln!("coffre: {}", tr!("cli-warning", text = text));
    }
}

/// The language of this run's output.
fn lang() -> Lang {
    i18n::current()
}

/// An RFC 3339 time of the vault as the language writes it, in the
/// establishment's time zone (the text as it is if it is not a time).
fn when(policy: &coffre::policy::Policy, t: &str) -> String {
    match t.parse::<jiff::Timestamp>() {
        Ok(ts) => i18n::date_time(lang(), ts, &policy.audit.timezone),
        Err(_) => t.to_string(),
    }
}

/// A category's label, with its id where the user may have to type it.
fn category_with_id(policy: &coffre::policy::Policy, id: &str) -> String {
    let label = policy.category_label(id, lang());
    if label == id {
        id.to_string()
    } else {
        format!("{label} ({id})")
    }
}

fn user(cli: &Cli) -> Result<String, Error> {
    cli.user
        .clone()
        .ok_or_else(|| Error::Usage(msg!("say-who-you-user-id-coffre")))
}

fn unlock<'v>(vault: &'v Vault, cli: &Cli) -> Result<Session<'v>, Error> {
    let user = user(cli)?;
    let pass = input::passphrase(&user)?;
    let session = vault.unlock(&user, &pass)?;
    if session.weak_kdf() {
        eprintln!("coffre: {}", tr!("cli-weak-kdf"));
    }
    let clock = vault.clock_check();
    if !clock.plausible() {
        eprintln!(
            "coffre: {}",
            tr!(
                "cli-clock-warning",
                finding = i18n::render(&clock.finding(), lang())
            )
        );
    }
    for (key, staff) in session.grants_made() {
        let key = i18n::render(&coffre::policy::key_msg(key), lang());
        eprintln!(
            "coffre: {}",
            tr!(
                "cli-granted-key",
                key = coffre::text::escape(&key).to_string(),
                staff = coffre::text::escape(staff)
            )
        );
    }
    Ok(session)
}

fn read_identity_file(path: &Path) -> Result<Identity, Error> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| Error::Usage(msg!("cannot-read", path = path.display(), e = e)))?,
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
        Command::Demo { dir, serve, listen } => {
            let dir = match (dir, serve) {
                (Some(d), _) => Some(d.clone()),
                (None, true) => Some(crate::serve::demo_dir()?),
                (None, false) => None,
            };
            let report = coffre::demo::run(dir.as_deref())?;
            out.text(&report)?;
            match (serve, dir) {
                (true, Some(d)) => {
                    out.w.flush()?;
                    let vault = Vault::open(&d)?;
                    crate::lang::from_policy(vault.policy());
                    let args = crate::cli::ServeArgs {
                        listen: listen.clone(),
                        tls_cert: None,
                        tls_key: None,
                        insecure_http: false,
                        server_names: Vec::new(),
                        trusted_proxies: Vec::new(),
                    };
                    Ok(crate::serve::run(vault, &args)?)
                }
                _ => Ok(()),
            }
        }
        Command::Serve(a) => {
            let vault = open_vault(&cli)?;
            Ok(crate::serve::run(vault, a)?)
        }
        Command::Policy(PolicyCmd::Check { file }) => {
            let p = coffre::policy::load(file)?;
            out.line(&tr!(
                "cli-policy-valid",
                file = file.display().to_string(),
                categories = p.categories.len(),
                professions = p.professions.len(),
                kinds = p.kinds.len()
            ))
        }
        Command::Policy(PolicyCmd::Show) => {
            let dir = vault_dir(&cli)?;
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
                print_policy(&policy, &mut out)
            }
        }
        Command::Policy(PolicyCmd::Explain { dossier }) => {
            let vault = open_vault(&cli)?;
            let x = vault.explain(&user(&cli)?, dossier)?;
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
            out.line(&tr!(
                "cli-backup-intact",
                vault = m.vault_id.clone(),
                taken = m.created.clone(),
                records = m.records,
                files = m.files.len(),
                entries = v.entries
            ))
        }
        Command::Restore { file, recovery_key } => {
            let dir = cli
                .vault
                .clone()
                .ok_or_else(|| Error::Usage(msg!("give-vault-dir-new-folder-restore")))?;
            let id = read_identity_file(recovery_key)?;
            let mut r = decrypt_backup(file, &id)?;
            let (m, v) = coffre::vault::backup::restore(&mut r, &dir)?;
            out.line(&tr!(
                "cli-restored",
                vault = m.vault_id.clone(),
                dir = shown(&dir),
                taken = m.created.clone(),
                records = m.records,
                entries = v.entries
            ))
        }
        Command::Migrate { to } => {
            let dir = vault_dir(&cli)?;
            let m = coffre::vault::upkeep::migrate::migrate(&dir, to)?;
            out.line(&tr!(
                "cli-migrated",
                vault = m.vault_id.clone(),
                database = coffre::store::postgres::display(to),
                records = m.records,
                entries = m.after.entries,
                root = hex::encode(m.after.root),
                dir = shown(&dir)
            ))
        }
        Command::Audit(AuditCmd::Verify { since, genesis }) => {
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
            let dir = vault_dir(&cli)?;
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
        Command::Audit(AuditCmd::Checkpoint { out: path }) => {
            let vault = open_vault(&cli)?;
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
                    let mut s = unlock(&vault, &cli)?;
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
            return Err(Error::Usage(msg!(
                "already-exists-choose-new-file-recovery",
                p = p.display()
            ))
            .into());
        }
    }
    let policy = match &a.policy {
        Some(p) => Some((
            std::fs::read_to_string(p)
                .map_err(|e| Error::Usage(msg!("cannot-read-2", p = p.display(), e = e)))?,
            p.display().to_string(),
        )),
        None => None,
    };
    // The policy's language speaks from here on, unless another choice was made.
    let chosen = match &policy {
        Some((text, file)) => coffre::policy::parse(text, file)?,
        None => coffre::policy::parse(
            coffre::policy::DEFAULT_POLICY,
            coffre::policy::DEFAULT_POLICY_NAME,
        )?,
    };
    crate::lang::from_policy(&chosen);
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
                    "coffre: {}",
                    tr!("cli-recovery-written", path = p.display().to_string())
                );
            }
        }
        None => {
            eprintln!("coffre: {}", tr!("cli-recovery-shown"));
            out.text(&file_text)?;
        }
    }
    if out.json {
        out.json(&json!({
            "vault": shown(&dir),
            "vault_id": report.vault_id,
            "genesis": report.genesis,
        }))
    } else {
        out.line(&tr!(
            "cli-vault-created",
            vault = report.vault_id.clone(),
            dir = shown(&dir)
        ))?;
        out.line(&tr!("cli-genesis", genesis = report.genesis.clone()))
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
        .map_err(|e| Error::Usage(msg!("cannot-create", path = path.display(), e = e)))
}

fn write_secret_file(path: &Path, text: &str) -> Result<(), Error> {
    let mut f = create_private(path)?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::Io(msg!("cannot-write", path = path.display(), e = e)))
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
            out.line(&tr!("cli-staff-added", id = id.clone()))?;
            if !pending.is_empty() {
                out.line(&tr!(
                    "cli-staff-pending",
                    keys = coffre::policy::keys_in_words(&pending, lang())
                ))?;
            }
            Ok(())
        }
        Command::Staff(StaffCmd::List) => {
            let list = s.list_staff()?;
            let rotations = s.pending_rotations()?;
            if out.json {
                return out
                    .json(&serde_json::to_value(&list).map_err(|e| {
                        Error::Io(msg!("encoding-failed", detail = e.to_string()))
                    })?);
            }
            print_rotations(&rotations, out)?;
            for m in &list {
                let pending = if m.pending.is_empty() {
                    String::new()
                } else {
                    format!(
                        "  {}",
                        tr!(
                            "cli-staff-list-pending",
                            keys = coffre::policy::keys_in_words(&m.pending, lang())
                        )
                    )
                };
                let policy = s.vault().policy();
                out.line(&format!(
                    "{:<20} {:<30} {:<8} {}{}",
                    m.id,
                    policy.profession_label(&m.profession, lang()),
                    tr!("cli-staff-status", status = m.status.to_string()),
                    m.name,
                    pending
                ))?;
            }
            Ok(())
        }
        Command::Dossier(DossierCmd::Create {
            name,
            birthdate,
            sex,
            address,
            admitted,
            unit,
        }) => {
            let details = coffre::views::DossierDetails {
                sex: sex.clone().unwrap_or_default(),
                address: address.clone().unwrap_or_default(),
                admitted: admitted.clone().unwrap_or_default(),
                unit: unit.clone().unwrap_or_default(),
            };
            let id = s.create_dossier_with(name, birthdate, &details)?;
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
                Err(Error::Integrity(msg!(
                    "entries-dossier-damaged-altered-others-shown",
                    join = view.damaged.join(", "),
                    id = id
                ))
                .into())
            }
        }
        Command::Dossier(DossierCmd::Team(TeamCmd::Add { id, staff_id })) => {
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
        Command::Dossier(DossierCmd::Team(TeamCmd::Remove { id, staff_id })) => {
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
            out.line(&tr!(
                "cli-entry-amended",
                entry = entry.clone(),
                version = v
            ))
        }
        Command::Entry(EntryCmd::Import { file, group }) => {
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
        Command::Audit(AuditCmd::Log { filter: f }) => {
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
        Command::Audit(AuditCmd::ReleaseJustifications { dossier }) => {
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
        Command::Audit(AuditCmd::History { dossier }) => {
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
        Command::Audit(AuditCmd::Report {
            since,
            until,
            format,
        }) => {
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
        Command::Staff(StaffCmd::Passwd) => {
            let new = input::new_passphrase(s.user())?;
            s.change_passphrase(&new)?;
            out.line(&tr!("cli-passphrase-changed"))
        }
        Command::Staff(StaffCmd::Revoke { id, recovery_key }) => {
            let recovery = recovery_key
                .as_deref()
                .map(read_identity_file)
                .transpose()?;
            let pending = s.revoke_staff(id, recovery.as_ref())?;
            out.line(&tr!("cli-revoked", id = id.clone()))?;
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
                return out.line(&tr!("cli-approval-refused", id = id.clone()));
            }
            let recovery = recovery_key
                .as_deref()
                .map(read_identity_file)
                .transpose()?;
            if !out.json {
                let policy = s.vault().policy();
                out.line(&tr!(
                    "cli-approval-request",
                    id = id.clone(),
                    profession = policy.profession_label(&request.profession, lang()),
                    invited_by = request.invited_by.clone(),
                    invited = when(policy, &request.invited),
                    keys = if request.keys.is_empty() {
                        tr!("cli-nothing")
                    } else {
                        coffre::policy::keys_in_words(&request.keys, lang())
                    }
                ))?;
            }
            let keys = s.approve_staff(id, recovery.as_ref())?;
            for (key, staff) in s.grants_made().iter().filter(|(_, staff)| staff == id) {
                eprintln!(
                    "coffre: {}",
                    tr!(
                        "cli-granted-key",
                        key = i18n::render(&coffre::policy::key_msg(key), lang()),
                        staff = staff.clone()
                    )
                );
            }
            if out.json {
                out.json(&json!({"approved": keys, "member": request}))
            } else {
                out.line(&tr!(
                    "cli-approved",
                    id = id.clone(),
                    keys = coffre::policy::keys_in_words(&keys, lang())
                ))
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
            out.line(&tr!(
                "cli-profession-set",
                id = id.clone(),
                profession = s.vault().policy().profession_label(profession, lang())
            ))?;
            print_rotations(&pending, out)
        }
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
        Command::Check { recovery_key } => {
            let recovery = recovery_key
                .as_deref()
                .map(read_identity_file)
                .transpose()?;
            let r = s.check(recovery.as_ref())?;
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
        Command::Dossier(DossierCmd::Close { id, rule }) => {
            s.close_dossier(id, rule.as_deref())?;
            out.line(&tr!("cli-dossier-closed", id = id.clone()))
        }
        Command::Dossier(DossierCmd::Erase { id, reason, yes }) => {
            if !yes {
                confirm_erasure(id)?;
            }
            s.erase_dossier(id, reason)?;
            out.line(&tr!("cli-dossier-erased", id = id.clone()))
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
        Command::Access(AccessCmd::Grant {
            dossier,
            recovery_key,
        }) => {
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
                    keys = coffre::policy::keys_in_words(&missing, lang())
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
            let policy = s.vault().policy();
            out.line(&tr!(
                "cli-objection-recorded",
                category = policy.category_label(category, lang()),
                profession = policy.profession_label(profession, lang()),
                dossier = dossier.clone()
            ))
        }
        Command::Access(AccessCmd::View { .. }) => {
            Err(Error::Usage(msg!("access-view-person-run-without-user")).into())
        }
        // Handled before unlocking.
        Command::Init(_)
        | Command::Demo { .. }
        | Command::Serve(_)
        | Command::Policy(_)
        | Command::Audit(AuditCmd::Verify { .. })
        | Command::Audit(AuditCmd::Checkpoint { .. }) => Ok(()),
    }
}

/// Which period the access trail covers, and each prune (when, by whom).
fn print_prunes(vault: &Vault, out: &mut Out) -> Res {
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

fn decrypt_backup(path: &Path, id: &Identity) -> Result<Box<dyn std::io::Read>, Error> {
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
fn write_encrypted<T>(
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

/// Asks, on a terminal, to type the dossier's id to confirm its erasure,
/// after saying what it does; off a terminal, refuses (exit 2) and names
/// `--yes`. Nothing is erased unless the id typed is the dossier's.
fn confirm_erasure(id: &str) -> Result<(), Error> {
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
        out.line(&tr!(
            "cli-rotation-pending",
            key = i18n::render(&coffre::policy::key_msg(&p.key), lang()),
            reason = i18n::render(&p.reason_msg(), lang())
        ))?;
    }
    Ok(())
}

fn print_retention(items: &[coffre::vault::RetentionItem], out: &mut Out) -> Res {
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

/// One audit entry as its reader reads it: the time in the establishment's
/// zone, the member's login and profession, what was done and how it ended in
/// words, what it was about, and the reason in the reader's language. The
/// JSON output keeps the log's own fields.
fn audit_line(policy: &coffre::policy::Policy, r: &coffre::views::AuditRecord) -> String {
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

fn print_summaries(list: &[DossierSummary], out: &mut Out) -> Res {
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
        "id": d.id, "name": d.name, "birthdate": d.birthdate, "details": d.details,
        "break_glass": d.break_glass,
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
fn note_named(
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

fn print_fields(
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

fn print_dossier(s: &mut Session<'_>, d: &DossierView, out: &mut Out) -> Res {
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

fn print_policy(p: &coffre::policy::Policy, out: &mut Out) -> Res {
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
    Ok(())
}

/// A period written in the policy, in the user's language.
fn period(written: &str) -> String {
    i18n::render(&coffre::policy::period_msg(written), lang())
}
