//! Dispatch of each command to the library, and printing of its result as text or
//! JSON.

mod audit;
mod documents;
mod dossiers;
mod entries;
mod maintenance;
mod person;
mod policy;
mod staff;

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
    AccessCmd, AuditCmd, BackupCmd, Cli, Command, DocumentCmd, DossierCmd, EntryCmd, KeysCmd,
    PolicyCmd, RecoveryCmd, ReportFormat, RetentionCmd, StaffCmd, TeamCmd,
};
use crate::input;
use maintenance::decrypt_backup;

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
    let mut session = vault.unlock(&user, &pass)?;
    second_factor(vault, &mut session, &user)?;
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

/// The second factor on the command line, when the policy asks it
/// (`[auth] cli_second_factor = true`) and the member has one enrolled: a
/// one-time code or a recovery code, checked (and audited) by the library.
/// A member whose only factors are passkeys is refused: a terminal cannot
/// carry a WebAuthn ceremony.
fn second_factor(vault: &Vault, session: &mut Session<'_>, user: &str) -> Result<(), Error> {
    if !vault.policy().auth.cli_second_factor {
        return Ok(());
    }
    let status = session.second_factor_status()?;
    if status.enrolled.is_empty() {
        return Ok(());
    }
    let passkey = coffre::vault::access::second_factor::KIND_PASSKEY;
    if status.enrolled.iter().all(|(_, kind)| kind == passkey) {
        return Err(Error::Auth(msg!(
            "cli-second-factor-passkey-only",
            who = user.to_string()
        )));
    }
    let code = input::second_factor_code(user)?;
    if let coffre::vault::access::second_factor::Accepted::Recovery { left } =
        session.check_second_factor(&code)?
    {
        if left <= 3 {
            eprintln!(
                "coffre: {}",
                tr!("cli-second-factor-few-recovery", left = left)
            );
        }
    }
    Ok(())
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
                        document_transfers: 8,
                        transfer_idle_secs: 30,
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
        Command::Policy(c) => policy::policy(&cli, c, &mut out),
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
        Command::Audit(c @ (AuditCmd::Verify { .. } | AuditCmd::Checkpoint { .. })) => {
            audit::without_login(&cli, c, &mut out)
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
        Command::Access(a) if cli.user.is_none() && person::person_command(a) => {
            let vault = open_vault(&cli)?;
            person::person(&vault, a, &mut out)
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
        Command::Staff(c) => staff::staff(c, s, out),
        Command::Dossier(c) => dossiers::dossier(c, s, out),
        Command::Entry(c) => entries::entry(c, s, out),
        Command::Document(c) => documents::document(c, s, out),
        Command::Audit(c) => audit::audit(c, s, out),
        Command::Access(c) => person::access(c, s, out),
        Command::Backup { .. }
        | Command::Recovery(_)
        | Command::Recover { .. }
        | Command::Restore { .. }
        | Command::Migrate { .. }
        | Command::Check { .. }
        | Command::Keys(_)
        | Command::Retention(_) => maintenance::keeping(cli, s, out),
        Command::Init(_) | Command::Demo { .. } | Command::Serve(_) | Command::Policy(_) => Ok(()),
    }
}

fn rfc3339_of(secs: u64) -> String {
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        .to_string()
}

/// A period written in the policy, in the user's language.
fn period(written: &str) -> String {
    i18n::render(&coffre::policy::period_msg(written), lang())
}
