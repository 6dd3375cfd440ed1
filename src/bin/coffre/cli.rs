//! Command-line definitions (clap derive). This interface is a contract: commands
//! and options may be added, never renamed.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Coffre: an encrypted, audited records vault for social and medico-social work.
#[derive(Debug, Parser)]
#[command(name = "coffre", version, about, long_about = None)]
pub struct Cli {
    /// The vault: a folder, or a PostgreSQL database address (default: a folder in
    /// the platform's data directory).
    #[arg(long, global = true, env = "COFFRE_VAULT", value_name = "DIR")]
    pub vault: Option<PathBuf>,
    /// Your staff id.
    #[arg(long, global = true, env = "COFFRE_USER", value_name = "ID")]
    pub user: Option<String>,
    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// If another coffre process has the vault open, wait up to this many seconds.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 0)]
    pub wait: u64,
    /// The language of messages: fr or en (default: COFFRE_LANG, then the locale,
    /// then the policy's language).
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new vault with its first staff member (a manager) and a recovery key.
    Init(InitArgs),
    /// Manage staff members.
    #[command(subcommand)]
    Staff(StaffCmd),
    /// Create, find and read dossiers.
    #[command(subcommand)]
    Dossier(DossierCmd),
    /// Add, read and amend entries.
    #[command(subcommand)]
    Entry(EntryCmd),
    /// Attach documents to a dossier, list and open them.
    #[command(subcommand)]
    Document(DocumentCmd),
    /// Verify and read the audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Show and explain the deontology policy.
    #[command(subcommand)]
    Policy(PolicyCmd),
    /// The person's rights: export, own access, notes, objections.
    #[command(subcommand)]
    Access(AccessCmd),
    /// Retention periods: dossiers due for erasure.
    #[command(subcommand)]
    Retention(RetentionCmd),
    /// Key maintenance.
    #[command(subcommand)]
    Keys(KeysCmd),
    /// Back up the whole vault into one file encrypted to the recovery key
    /// (`backup --out FILE`), or check a backup (`backup verify FILE`).
    #[command(args_conflicts_with_subcommands = true)]
    Backup {
        /// The backup file to create.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(subcommand)]
        cmd: Option<BackupCmd>,
    },
    /// Check every record, the audit log and every sealed field you (or the
    /// recovery key) can open; list what is damaged (exit code 5 if anything is).
    Check {
        /// Open every sealed field with the recovery key.
        #[arg(long, value_name = "FILE")]
        recovery_key: Option<PathBuf>,
        /// Remove the document chunks no committed version names (left by an
        /// upload whose process was killed); an upload still running when
        /// they go is refused at its end and must be sent again.
        #[arg(long)]
        sweep_chunks: bool,
    },
    /// The recovery key: split it into shares kept by different people.
    #[command(subcommand)]
    Recovery(RecoveryCmd),
    /// Give a staff member who lost their passphrase a new one, re-granting their
    /// keys with the recovery key (reassembled from shares, or the key file).
    Recover {
        /// The staff member.
        #[arg(long, value_name = "ID")]
        staff: String,
        /// A share file (give at least the threshold).
        #[arg(long = "share", value_name = "FILE")]
        shares: Vec<PathBuf>,
        /// Or the whole recovery key file.
        #[arg(long, value_name = "FILE", conflicts_with = "shares")]
        recovery_key: Option<PathBuf>,
    },
    /// Rebuild a vault from a backup into a new folder (--vault DIR).
    Restore {
        /// The backup file.
        file: PathBuf,
        /// The recovery key file (backups are encrypted to it).
        #[arg(long, value_name = "FILE")]
        recovery_key: PathBuf,
    },
    /// Move a folder vault (--vault DIR) into an empty PostgreSQL database, audit
    /// log and checkpoints intact.
    Migrate {
        /// The database to move into.
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Build a demonstration establishment with fictitious people and show what each
    /// profession sees.
    Demo {
        /// Where to build the demo vault (default: a new temporary directory).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Then serve it in a browser (`coffre serve` on the demo vault).
        #[arg(long)]
        serve: bool,
        /// With --serve: the address to listen on.
        #[arg(
            long,
            value_name = "ADDR:PORT",
            default_value = "127.0.0.1:8080",
            requires = "serve"
        )]
        listen: String,
    },
    /// Serve the vault to browsers: staff, the DPO and the person log in with
    /// their own passphrase (see docs/web.md and docs/deployment.md).
    Serve(ServeArgs),
}

/// Options of `coffre serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address and port to listen on (port 0: any free port).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The TLS certificate chain (PEM); required to listen beyond this machine.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The TLS private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Listen beyond this machine without TLS (passphrases would cross the
    /// network in clear: only behind a TLS proxy on the same machine).
    #[arg(long, conflicts_with = "tls_cert")]
    pub insecure_http: bool,
    /// A host name browsers use to reach the server (repeatable); requests
    /// naming another host are refused (DNS rebinding).
    #[arg(long = "server-name", value_name = "NAME")]
    pub server_names: Vec<String>,
    /// The address of a reverse proxy in front (repeatable): for requests
    /// from it, the client's address is the last one its `X-Forwarded-For`
    /// names (login throttling counts per client, not per proxy).
    #[arg(long = "trusted-proxy", value_name = "IP")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Document uploads and downloads served at once, for the staff and, as
    /// many again, for the persons; one more is answered 503 (each holds a
    /// blocking thread while it streams). One account holds at most 2.
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=256))]
    pub document_transfers: u32,
    /// Seconds a document upload or download may stay idle (the browser
    /// sending or reading nothing) before it is cut.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub transfer_idle_secs: u64,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The establishment's name.
    #[arg(long, value_name = "NAME")]
    pub establishment: String,
    /// The first staff member's id (lower case letters, digits, '.', '_', '-').
    #[arg(long, value_name = "ID")]
    pub admin_id: String,
    /// The first staff member's name.
    #[arg(long, value_name = "NAME")]
    pub admin_name: String,
    /// The first staff member's profession; it must be allowed to manage staff.
    #[arg(long, value_name = "P", default_value = "directeur")]
    pub admin_profession: String,
    /// Write the recovery key to this new file (otherwise it is printed once).
    #[arg(long, value_name = "FILE")]
    pub recovery_out: Option<PathBuf>,
    /// Use a deliberately weak passphrase derivation: tests and demonstrations only.
    #[arg(long)]
    pub insecure_fast_kdf: bool,
    /// Use this policy file instead of the shipped default.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum StaffCmd {
    /// Add a staff member (their passphrase is asked twice, or read from
    /// COFFRE_NEW_PASSPHRASE).
    Add {
        /// Login id.
        #[arg(long, value_name = "ID")]
        id: String,
        /// Full name.
        #[arg(long, value_name = "NAME")]
        name: String,
        /// Profession identifier (see `coffre policy show`).
        #[arg(long, value_name = "P")]
        profession: String,
        /// Grant every key they are entitled to at once, with the recovery key file.
        #[arg(long, value_name = "FILE")]
        recovery_key: Option<PathBuf>,
    },
    /// List staff members and their pending key grants.
    List,
    /// Change your own passphrase (current one as usual; the new one asked twice,
    /// or COFFRE_NEW_PASSPHRASE). The old passphrase stops working.
    Passwd,
    /// Revoke a staff member: no more unlocking; the keys they held are rotated.
    Revoke {
        /// Staff id.
        id: String,
        /// Rotate every key at once with the recovery key.
        #[arg(long, value_name = "FILE")]
        recovery_key: Option<PathBuf>,
    },
    /// Approve a new member for restricted keys (medical, care, psychologist's
    /// summary, justice…) that you hold: shows who added them, their profession
    /// and when, then grants. Nothing restricted is ever granted without it.
    Approve {
        /// Staff id.
        id: String,
        /// Approve every restricted key they are entitled to, with the recovery key.
        #[arg(long, value_name = "FILE")]
        recovery_key: Option<PathBuf>,
        /// Refuse instead (recorded in the audit log; nothing is granted).
        #[arg(long)]
        refuse: bool,
    },
    /// Change a staff member's profession (grants and rotations follow).
    SetProfession {
        /// Staff id.
        id: String,
        /// New profession.
        profession: String,
        /// Grant and rotate at once with the recovery key.
        #[arg(long, value_name = "FILE")]
        recovery_key: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DossierCmd {
    /// Create a dossier; prints its id alone on a line.
    Create {
        /// The person's full name.
        #[arg(long, value_name = "FULL NAME")]
        name: String,
        /// Birth date, DD/MM/YYYY (e.g. 14/05/2012) or YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        birthdate: String,
        /// Sex: f (female), m (male) or x (other, or not said).
        #[arg(long)]
        sex: Option<String>,
        /// Postal address.
        #[arg(long)]
        address: Option<String>,
        /// Admission date, DD/MM/YYYY.
        #[arg(long, value_name = "DATE")]
        admitted: Option<String>,
        /// Unit or group of the establishment.
        #[arg(long)]
        unit: Option<String>,
    },
    /// Find dossiers by name (whole words, or their first 3 to 10 letters; case and accents ignored).
    Find {
        /// Words of the name.
        text: String,
    },
    /// List the dossiers of your care teams.
    List,
    /// Show a dossier: the fields you may read, the others listed as withheld.
    Show {
        /// Dossier id.
        id: String,
        /// Emergency access outside your care team, with a justification.
        #[arg(long, value_name = "JUSTIFICATION")]
        break_glass: Option<String>,
    },
    /// Manage a dossier's care team.
    #[command(subcommand)]
    Team(TeamCmd),
    /// Record the end of support: starts the retention period.
    Close {
        /// Dossier id.
        id: String,
        /// Retention rule (see `coffre policy show`; default: the policy's).
        #[arg(long)]
        rule: Option<String>,
    },
    /// Erase a dossier for good by destroying its keys (crypto-shredding).
    /// Asks to type the dossier's id on a terminal; elsewhere needs --yes.
    Erase {
        /// Dossier id.
        id: String,
        /// Why (recorded, encrypted, in the audit log).
        #[arg(long)]
        reason: String,
        /// Erase without asking (scripts): it cannot be undone.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccessCmd {
    /// Write the person's file, encrypted with age, for them to take away
    /// (report.html, data.json, access-history.json in a tar).
    Export {
        /// Dossier id.
        dossier: String,
        /// The file to create.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Encrypt to this age recipient (age1…).
        #[arg(
            long,
            value_name = "AGE_RECIPIENT",
            conflicts_with = "passphrase",
            required_unless_present = "passphrase"
        )]
        recipient: Option<String>,
        /// Encrypt with a passphrase (asked twice, or COFFRE_NEW_PASSPHRASE).
        #[arg(long)]
        passphrase: bool,
        /// Open categories you do not hold with the recovery key.
        #[arg(long, value_name = "FILE")]
        recovery_key: Option<PathBuf>,
    },
    /// Give the person their own access to their file (sets their passphrase).
    Grant {
        /// Dossier id.
        dossier: String,
        /// Wrap every key at once with the recovery key.
        #[arg(long, value_name = "FILE")]
        recovery_key: Option<PathBuf>,
    },
    /// For the person: see your file and who accessed it (no --user; your passphrase).
    View {
        /// Your dossier id.
        dossier: String,
    },
    /// Attach the person's note (e.g. disagreement with an entry). Without --user,
    /// the person writes it with their own access.
    Note {
        /// Dossier id.
        dossier: String,
        /// The note.
        #[arg(long)]
        text: String,
        /// The entry it is about.
        #[arg(long, value_name = "ENTRY")]
        entry: Option<String>,
    },
    /// Record the person's objection to a category being shared with a profession.
    /// Without --user, the person records it with their own access.
    Object {
        /// Dossier id.
        dossier: String,
        /// Category.
        #[arg(long)]
        category: String,
        /// Profession.
        #[arg(long)]
        profession: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RecoveryCmd {
    /// Split the recovery key into N shares, any K of which rebuild it (e.g. the
    /// director, the DPO and a sealed envelope). Writes share-1.txt … share-N.txt.
    Split {
        /// The recovery key file.
        #[arg(long, value_name = "FILE")]
        recovery_key: PathBuf,
        /// Shares needed to rebuild the key.
        #[arg(long)]
        threshold: u8,
        /// Shares to make.
        #[arg(long)]
        shares: u8,
        /// A new folder for the share files.
        #[arg(long, value_name = "DIR")]
        out_dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum BackupCmd {
    /// Check a backup without restoring it: decryption, every member against the
    /// manifest, and the audit log inside it.
    Verify {
        /// The backup file.
        file: PathBuf,
        /// The recovery key file.
        #[arg(long, value_name = "FILE")]
        recovery_key: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Re-wrap existing data keys under the current generation of their category
    /// key after a rotation (resumable; shows progress).
    Rotate,
    /// The keys you are waiting for, and who holds each (by name).
    Waiting,
}

#[derive(Debug, Subcommand)]
pub enum RetentionCmd {
    /// Closed dossiers past their retention period.
    Due {
        /// List every closed dossier with its due date.
        #[arg(long)]
        all: bool,
    },
    /// Erase the dossiers past their period (a dry run unless --yes).
    Apply {
        /// Really erase.
        #[arg(long)]
        yes: bool,
        /// The approval reference, when the policy requires one.
        #[arg(long)]
        approval: Option<String>,
        /// Erase even though the system clock reads far from the vault's latest
        /// audit entry (more than a day before it, or more than the policy's
        /// `clock_max_ahead_days` after it); the confirmation is audited.
        #[arg(long)]
        confirm_clock: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TeamCmd {
    /// Add a staff member to the care team.
    Add {
        /// Dossier id.
        id: String,
        /// Staff id.
        staff_id: String,
    },
    /// Remove a staff member from the care team.
    Remove {
        /// Dossier id.
        id: String,
        /// Staff id.
        staff_id: String,
    },
    /// List the care team.
    List {
        /// Dossier id.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DocumentCmd {
    /// Attach a document (or, with --version-of, a new version of one); prints its id alone on a line.
    Add {
        /// Dossier id.
        dossier: String,
        /// The file to attach (- reads standard input).
        file: PathBuf,
        /// Title; @FILE reads it from a file and @- from standard input, so
        /// that it shows neither in `ps` nor in the shell's history.
        #[arg(long, value_name = "TEXT|@FILE|@-")]
        title: String,
        /// Document type (see `coffre policy show`).
        #[arg(long = "type", value_name = "TYPE")]
        doc_type: String,
        /// The category that decides who may open it.
        #[arg(long)]
        category: String,
        /// The document's own date, DD/MM/YYYY (e.g. 18/03/2024) or YYYY-MM-DD.
        #[arg(long)]
        date: Option<String>,
        /// Where the document came from; @FILE reads it from a file and @-
        /// from standard input (kept out of `ps` and the shell's history).
        #[arg(long, value_name = "TEXT|@FILE|@-")]
        source: Option<String>,
        /// MIME type (guessed from the file name otherwise).
        #[arg(long)]
        mime: Option<String>,
        /// Add a new version of this document instead (the earlier ones are kept).
        #[arg(long, value_name = "DOC")]
        version_of: Option<String>,
    },
    /// List the documents of a dossier you may open.
    List {
        /// Dossier id.
        dossier: String,
        /// Emergency access outside your care team, with a justification.
        #[arg(long, value_name = "JUSTIFICATION")]
        break_glass: Option<String>,
    },
    /// Open a document into a file (never to a terminal: --out - writes to standard output).
    Get {
        /// Dossier id.
        dossier: String,
        /// Document id.
        doc: String,
        /// A version (the latest otherwise).
        #[arg(long = "version", id = "doc_version", value_name = "N")]
        version: Option<u32>,
        /// The file to write (created, never overwritten), or - for standard output.
        #[arg(long)]
        out: PathBuf,
        /// Emergency access outside your care team, with a justification.
        #[arg(long, value_name = "JUSTIFICATION")]
        break_glass: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum EntryCmd {
    /// Add an entry; prints its id alone on a line.
    Add {
        /// Dossier id.
        dossier: String,
        /// Entry kind (see `coffre policy show`).
        #[arg(long)]
        kind: String,
        /// NAME=VALUE, NAME=@FILE (read a file) or NAME=@- (read standard input).
        #[arg(long = "field", value_name = "NAME=VALUE", required = true)]
        fields: Vec<String>,
    },
    /// Show an entry.
    Show {
        /// Entry id.
        entry: String,
        /// Emergency access outside your care team, with a justification.
        #[arg(long, value_name = "JUSTIFICATION")]
        break_glass: Option<String>,
    },
    /// Show every version of an entry (corrections keep the earlier text).
    History {
        /// Entry id.
        entry: String,
        /// Emergency access outside your care team, with a justification.
        #[arg(long, value_name = "JUSTIFICATION")]
        break_glass: Option<String>,
    },
    /// Amend an entry: adds a version, never overwrites.
    Amend {
        /// Entry id.
        entry: String,
        /// NAME=VALUE, NAME=@FILE or NAME=@-.
        #[arg(long = "field", value_name = "NAME=VALUE", required = true)]
        fields: Vec<String>,
    },
    /// Import many entries from a JSON Lines file, one entry per line:
    /// {"dossier": "d-…", "kind": "…", "fields": {"name": "value"}}. The whole
    /// file is checked first; entries are then written in groups, each group
    /// audited and made durable in one step. Prints the number imported.
    Import {
        /// The JSON Lines file.
        file: PathBuf,
        /// Entries per durable step.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        group: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Verify every entry, every signed checkpoint and, with --since, that today's
    /// log extends an earlier checkpoint (exit code 5 on any alteration). Needs no
    /// passphrase.
    Verify {
        /// A checkpoint file exported earlier with `audit checkpoint --out`.
        #[arg(long, value_name = "FILE")]
        since: Option<PathBuf>,
        /// The vault's genesis hash (printed by `init`, in the recovery key
        /// file): a log rebuilt from scratch is refused.
        #[arg(long, value_name = "HEX")]
        genesis: Option<String>,
    },
    /// Export the latest signed checkpoint, to keep off the machine (paper, e-mail).
    Checkpoint {
        /// Where to write it (a new file).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Prune the access trail older than the policy's `[audit] trail_retention`
    /// (CNIL recommendation on logging, 2021): each such entry keeps only its
    /// hash, so every root and checkpoint still verifies; facts (staff, keys,
    /// teams, grants) are never pruned. A dry run unless --yes. Entries after
    /// the last checkpoint exported with `audit checkpoint --out` are kept
    /// unless --beyond-export. Members whose profession may prune only.
    Prune {
        /// Prune (otherwise only say what would be pruned).
        #[arg(long)]
        yes: bool,
        /// Go on although the system clock looks wrong (audited).
        #[arg(long)]
        confirm_clock: bool,
        /// Also prune entries that the last exported checkpoint does not cover.
        #[arg(long)]
        beyond_export: bool,
    },
    /// Show audit entries (audit readers only; this read is itself audited).
    Log {
        #[command(flatten)]
        filter: LogFilter,
    },
    /// The person's access history: who read or changed their file, when, which
    /// categories and why (audit readers only).
    History {
        /// Dossier id.
        dossier: String,
    },
    /// Release to the person the break-the-glass justifications recorded so far in
    /// their file, after checking that their words may be shown (they can name
    /// third parties). Audit readers only; the release is itself audited.
    ReleaseJustifications {
        /// Dossier id.
        dossier: String,
    },
    /// The data protection officer's report (aggregates only for directors).
    Report {
        /// From this day (14/05/2012, midnight UTC) or time (RFC 3339).
        #[arg(long)]
        since: Option<String>,
        /// Until this date or time (excluded).
        #[arg(long)]
        until: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,
    },
}

/// Filters of `audit log`.
#[derive(Debug, Args)]
pub struct LogFilter {
    /// Only this dossier.
    #[arg(long, value_name = "ID")]
    pub dossier: Option<String>,
    /// Only this actor.
    #[arg(long, value_name = "ID")]
    pub actor: Option<String>,
    /// Only this action (e.g. dossier.read).
    #[arg(long)]
    pub action: Option<String>,
    /// Only this outcome: ok, denied, failed, error.
    #[arg(long)]
    pub outcome: Option<String>,
    /// From this day (14/05/2012, midnight UTC) or time (RFC 3339).
    #[arg(long)]
    pub since: Option<String>,
    /// Until this date or time (excluded).
    #[arg(long)]
    pub until: Option<String>,
}

/// Formats of `audit report`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ReportFormat {
    /// Plain text.
    Text,
    /// One self-contained HTML page.
    Html,
    /// JSON.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCmd {
    /// Print the effective policy (the vault's, or the shipped default without a vault).
    Show,
    /// Explain a staff member's access to a dossier, category by category.
    Explain {
        /// Dossier id.
        #[arg(long, value_name = "ID")]
        dossier: String,
    },
    /// Check a policy file and report the first problem with its line.
    Check {
        /// The policy file.
        file: PathBuf,
    },
}
