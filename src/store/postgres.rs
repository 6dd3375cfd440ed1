//! A vault in PostgreSQL, shared by several Coffre processes (several sites).
//!
//! The database holds exactly what a vault folder holds — ciphertext, wrapped
//! keys, the documented metadata, the audit log's lines and the signed
//! checkpoints — in one schema, `coffre`:
//!
//! | table                   | what                                          |
//! |-------------------------|-----------------------------------------------|
//! | `vault`                 | one row: the policy's text                    |
//! | `records`               | the store: `key bytea` → `value bytea`        |
//! | `audit_log`             | the log's lines, byte for byte, by offset     |
//! | `checkpoint_log`        | the signed checkpoints, one row each          |
//! | `erasure_keys`          | each dossier's erasure key (crypto-shredding) |
//!
//! Every change of the vault is one transaction ([`PgVault::commit_change`]):
//! its audit lines, its checkpoint, its store batch and the log's new state
//! (the `as` record) commit together or not at all, with
//! `synchronous_commit = on` (acknowledged = committed). Processes take turns
//! with the row lock of `coffre.vault`, held on a second connection for the
//! span of one operation ([`PgVault::begin_operation`]); the commit also
//! compares the `as` record it started from (`SELECT … FOR UPDATE`), so a
//! lost lock can never make two processes append after the same line.
//!
//! Nothing here trusts the database: every record is checked by the vault as
//! it checks the files of a folder vault (the database administrator is an
//! adversary like the disk administrator; see `docs/threat-model.md`).

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;

use postgres::{Client, Config};

use crate::error::{Error, Result};
use crate::store::medium::LogMedium;
use crate::store::{Batch, Op, Store, Visitor};

/// Schema of the tables (see the module's documentation).
pub const SCHEMA: &str = "coffre";

/// Statements that create an empty vault's tables.
const CREATE: &str = "
CREATE SCHEMA coffre;
CREATE TABLE coffre.vault (
    id smallint PRIMARY KEY CHECK (id = 1),
    policy text NOT NULL
);
CREATE TABLE coffre.records (
    key bytea PRIMARY KEY,
    value bytea NOT NULL
);
CREATE TABLE coffre.audit_log (
    byte_offset bigint PRIMARY KEY,
    line bytea NOT NULL
);
CREATE TABLE coffre.checkpoint_log (
    byte_offset bigint PRIMARY KEY,
    note bytea NOT NULL
);
CREATE TABLE coffre.erasure_keys (
    dossier text PRIMARY KEY,
    key bytea NOT NULL
);
";

/// A source of records: calls the function it is given on every (key, value).
pub type Records<'a> = &'a mut dyn FnMut(&mut dyn FnMut(&[u8], &[u8]) -> Result<()>) -> Result<()>;

/// Whether `location` (a `--vault` value) names a PostgreSQL database.
pub fn is_url(location: &str) -> bool {
    let l = location.get(..13).unwrap_or(location).to_ascii_lowercase();
    l.starts_with("postgres://") || l.starts_with("postgresql://")
}

/// A `--vault` value for messages: a folder as it is; anything that looks
/// like an address (`scheme://…`) without its password and parameters, even
/// with a mistyped scheme.
pub fn redact(location: &str) -> String {
    if location.contains("://") {
        display(location)
    } else {
        location.to_string()
    }
}

/// `location` without its password and parameters, for messages.
pub fn display(location: &str) -> String {
    let (scheme, rest) = location.split_once("://").unwrap_or(("postgres", location));
    // The user information ends at the last `@` (a password may hold `?`,
    // `/` or `:`); only the user's name before its `:` is kept.
    let rest = match rest.rsplit_once('@') {
        Some((user, host)) => format!("{}@{host}", user.split(':').next().unwrap_or("")),
        None => rest.to_string(),
    };
    let rest = rest.split('?').next().unwrap_or("");
    format!("{scheme}://{rest}")
}

/// Column `i` of `row`: a value of an unexpected type or a NULL (a table
/// altered with SQL) is an integrity failure naming the table, never a panic.
fn col<'a, T: postgres::types::FromSql<'a>>(
    row: &'a postgres::Row,
    i: usize,
    table: &str,
) -> Result<T> {
    row.try_get(i)
        .map_err(|_| Error::Integrity(msg!("database-row-damaged", table = table.to_string())))
}

/// A byte offset as a `bigint`: one beyond its range (rows planted near the
/// end of the range) is damage, never a wrapped negative offset.
fn pos(v: u64) -> Result<i64> {
    i64::try_from(v)
        .map_err(|_| Error::Integrity(msg!("database-row-damaged", table = "coffre".to_string())))
}

/// A database error as a Coffre error, without the connection string.
fn db(e: postgres::Error) -> Error {
    let text = match e.as_db_error() {
        Some(d) => format!("{}: {}", d.code().code(), d.message()),
        None => e.to_string(),
    };
    Error::Io(msg!("database-error", e = text))
}

/// How to reach the database.
struct Target {
    config: Config,
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

/// Parses a libpq-style URL. `sslmode=verify-full` (the default over TCP) and
/// `sslmode=require` both verify the server's certificate chain and name
/// (rustls always does), against `sslrootcert=FILE` (PEM) or the system's
/// certificates; `sslmode=disable` sends in clear (meant for a Unix socket).
fn parse(location: &str) -> Result<Target> {
    let bad = |why: &str| Error::Usage(msg!("database-url-invalid", why = why.to_string()));
    let (base, query) = match location.split_once('?') {
        Some((b, q)) => (b, q),
        None => (location, ""),
    };
    let mut kept = Vec::new();
    let mut mode: Option<String> = None;
    let mut root: Option<String> = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", v)) => mode = Some(v.to_string()),
            Some(("sslrootcert", v)) => root = Some(percent_decode(v)),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config: Config = url.parse().map_err(|_| bad("not a postgres:// URL"))?;
    let unix = config
        .get_hosts()
        .iter()
        .all(|h| matches!(h, postgres::config::Host::Unix(_)));
    let mode = mode.unwrap_or_else(|| if unix { "disable" } else { "verify-full" }.into());
    config.connect_timeout(std::time::Duration::from_secs(10));
    config.application_name("coffre");
    // Acknowledged = committed on the server; a wait for another process's
    // turn gives up after 30 s rather than hanging.
    config.options("-c synchronous_commit=on -c lock_timeout=30000");
    let tls = match mode.as_str() {
        "disable" => {
            config.ssl_mode(postgres::config::SslMode::Disable);
            None
        }
        "require" | "verify-ca" | "verify-full" => {
            config.ssl_mode(postgres::config::SslMode::Require);
            Some(tls_config(root.as_deref())?)
        }
        _ => return Err(bad("sslmode must be disable, require or verify-full")),
    };
    Ok(Target { config, tls })
}

fn percent_decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(x) = u8::from_str_radix(&v[i + 1..i + 3], 16) {
                out.push(x);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn tls_config(root: Option<&str>) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    match root {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<std::result::Result<Vec<_>, _>>())
                .map_err(|e| Error::Usage(msg!("database-root-certificate", e = e.to_string())))?;
            for c in certs {
                roots.add(c).map_err(|e| {
                    Error::Usage(msg!("database-root-certificate", e = e.to_string()))
                })?;
            }
        }
        None => {
            for c in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(c);
            }
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::Usage(msg!("database-root-certificate", e = e.to_string())))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// Who holds the vault's turn in this process, and how deeply (an operation
/// may call another).
#[derive(Default)]
struct Turn {
    owner: Option<ThreadId>,
    depth: u32,
}

/// A connection to a vault in PostgreSQL.
pub struct PgVault {
    target: Target,
    client: Mutex<Option<Client>>,
    /// A second connection, whose open transaction holds the row lock of
    /// `coffre.vault` while this process has the vault's turn.
    turn_client: Mutex<Option<Client>>,
    turn: Mutex<Turn>,
    turn_free: Condvar,
    /// An erasure deleted a key: the table is rewritten at the end of the
    /// operation.
    scrub_due: std::sync::atomic::AtomicBool,
    /// An audit prune rewrote lines: every table is rewritten at the end of
    /// the operation.
    vacuum_due: std::sync::atomic::AtomicBool,
    label: String,
}

impl std::fmt::Debug for PgVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgVault")
            .field("database", &self.label)
            .finish_non_exhaustive()
    }
}

/// Held for the span of one operation; gives the turn back when dropped.
pub struct Operation<'a> {
    pg: &'a PgVault,
    /// Whether this is the outermost operation (the one that took the turn).
    pub first: bool,
}

impl Drop for Operation<'_> {
    fn drop(&mut self) {
        self.pg.end_operation();
    }
}

impl PgVault {
    /// Connects to the database at `location` (a `postgres://` URL).
    /// Errors: [`Error::Usage`] for a malformed URL, [`Error::Io`] if the
    /// server cannot be reached.
    pub fn connect(location: &str) -> Result<Arc<PgVault>> {
        let target = parse(location)?;
        let pg = PgVault {
            target,
            client: Mutex::new(None),
            turn_client: Mutex::new(None),
            turn: Mutex::new(Turn::default()),
            turn_free: Condvar::new(),
            scrub_due: std::sync::atomic::AtomicBool::new(false),
            vacuum_due: std::sync::atomic::AtomicBool::new(false),
            label: display(location),
        };
        pg.with_client(|_| Ok(()))?;
        Ok(Arc::new(pg))
    }

    /// The database, for messages (no password).
    pub fn label(&self) -> &str {
        &self.label
    }

    fn open_client(&self) -> Result<Client> {
        let r = match &self.target.tls {
            Some(tls) => self.target.config.connect(tls.clone()),
            None => self.target.config.connect(postgres::NoTls),
        };
        r.map_err(|e| {
            Error::Io(msg!(
                "database-unreachable",
                database = self.label.clone(),
                e = e.to_string()
            ))
        })
    }

    fn client(&self) -> Result<MutexGuard<'_, Option<Client>>> {
        let mut guard = self
            .client
            .lock()
            .map_err(|_| Error::Io(msg!("database-lock-poisoned")))?;
        if guard.as_ref().is_none_or(|c| c.is_closed()) {
            *guard = Some(self.open_client()?);
        }
        Ok(guard)
    }

    /// Runs `f` on the connection (reconnecting first if it was lost).
    pub fn with_client<T>(&self, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        let mut guard = self.client()?;
        match guard.as_mut() {
            Some(c) => f(c),
            None => Err(Error::Io(msg!("database-lock-poisoned"))),
        }
    }

    /// Whether the database holds a vault (its schema exists).
    pub fn holds_vault(&self) -> Result<bool> {
        self.with_client(|c| {
            let row = c
                .query_one("SELECT to_regclass('coffre.records') IS NOT NULL", &[])
                .map_err(db)?;
            col::<bool>(&row, 0, "coffre")
        })
    }

    /// Creates the schema and stores the policy text, in one transaction.
    /// Errors: [`Error::Usage`] if the database already holds a vault.
    pub fn create(&self, policy: &str) -> Result<()> {
        self.import(policy, &mut |_| Ok(()), &mut std::io::empty(), &[], &[])
    }

    /// Fills an empty database with a whole vault, in one transaction (an
    /// interrupted move leaves the database empty): the policy, every record
    /// `records` yields, the audit log's lines, the checkpoints (one row per
    /// record) and the erasure keys. Used by `coffre migrate` and by a restore
    /// into PostgreSQL. Errors: [`Error::Usage`] if the database already
    /// holds a vault.
    pub fn import(
        &self,
        policy: &str,
        records: Records<'_>,
        audit: &mut dyn std::io::BufRead,
        checkpoints: &[u8],
        erasure_keys: &[(String, Vec<u8>)],
    ) -> Result<()> {
        if self.holds_vault()? {
            return Err(Error::Usage(msg!(
                "already-holds-vault",
                dir = self.label.clone()
            )));
        }
        self.with_client(|c| {
            let mut tx = c.transaction().map_err(db)?;
            tx.batch_execute(CREATE).map_err(db)?;
            tx.execute(
                "INSERT INTO coffre.vault (id, policy) VALUES (1, $1)",
                &[&policy],
            )
            .map_err(db)?;
            let put = tx
                .prepare("INSERT INTO coffre.records (key, value) VALUES ($1, $2)")
                .map_err(db)?;
            records(&mut |k, v| tx.execute(&put, &[&k, &v]).map(|_| ()).map_err(db))?;
            let line_stmt = tx
                .prepare("INSERT INTO coffre.audit_log (byte_offset, line) VALUES ($1, $2)")
                .map_err(db)?;
            let mut off = 0u64;
            let mut line = Vec::new();
            loop {
                line.clear();
                let n = audit
                    .read_until(b'\n', &mut line)
                    .map_err(|e| Error::io(msg!("cannot-read-audit-log"), e))?;
                if n == 0 {
                    break;
                }
                tx.execute(&line_stmt, &[&pos(off)?, &line]).map_err(db)?;
                off += n as u64;
            }
            let mut at = 0usize;
            for record in checkpoint_records(checkpoints) {
                tx.execute(
                    "INSERT INTO coffre.checkpoint_log (byte_offset, note) VALUES ($1, $2)",
                    &[&pos(at as u64)?, &record],
                )
                .map_err(db)?;
                at += record.len();
            }
            for (dossier, key) in erasure_keys {
                tx.execute(
                    "INSERT INTO coffre.erasure_keys (dossier, key) VALUES ($1, $2)",
                    &[dossier, key],
                )
                .map_err(db)?;
            }
            tx.commit().map_err(db)
        })
    }

    /// Every dossier's erasure key (for a backup).
    pub fn all_erasure_keys(&self) -> Result<Vec<(String, Vec<u8>)>> {
        self.with_client(|c| {
            c.query(
                "SELECT dossier, key FROM coffre.erasure_keys ORDER BY dossier",
                &[],
            )
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok((
                    col(r, 0, "coffre.erasure_keys")?,
                    col(r, 1, "coffre.erasure_keys")?,
                ))
            })
            .collect::<Result<Vec<_>>>()
        })
    }

    /// The stored policy text.
    pub fn policy(&self) -> Result<String> {
        self.with_client(|c| {
            let row = c
                .query_opt("SELECT policy FROM coffre.vault WHERE id = 1", &[])
                .map_err(db)?
                .ok_or_else(|| Error::Integrity(msg!("vault-s-settings-missing")))?;
            col::<String>(&row, 0, "coffre.vault")
        })
    }

    /// Takes this process's turn on the vault (reentrant on one thread): waits
    /// until no other thread of this process holds it, then for the row lock
    /// of `coffre.vault` (`SELECT … FOR UPDATE` in a transaction kept open on
    /// a second connection), so that one operation at a time runs on the
    /// vault across all processes. Only an account that may update the
    /// schema's tables can hold that lock (an advisory lock could be taken by
    /// any account that connects). `first` tells the caller to catch up with
    /// what other processes committed. Errors: [`Error::Busy`] after 30 s of
    /// waiting (`lock_timeout`).
    pub fn begin_operation(&self) -> Result<Operation<'_>> {
        let me = std::thread::current().id();
        let mut turn = self
            .turn
            .lock()
            .map_err(|_| Error::Io(msg!("database-lock-poisoned")))?;
        if turn.owner == Some(me) {
            turn.depth += 1;
            return Ok(Operation {
                pg: self,
                first: false,
            });
        }
        while turn.owner.is_some() {
            turn = self
                .turn_free
                .wait(turn)
                .map_err(|_| Error::Io(msg!("database-lock-poisoned")))?;
        }
        turn.owner = Some(me);
        turn.depth = 1;
        drop(turn);
        // From here on, the turn is given back when `op` is dropped.
        let op = Operation {
            pg: self,
            first: true,
        };
        let mut guard = self
            .turn_client
            .lock()
            .map_err(|_| Error::Io(msg!("database-lock-poisoned")))?;
        if guard.as_ref().is_none_or(|c| c.is_closed()) {
            *guard = Some(self.open_client()?);
        }
        let c = guard
            .as_mut()
            .ok_or_else(|| Error::Io(msg!("database-lock-poisoned")))?;
        let locked = c
            .batch_execute("BEGIN")
            .and_then(|_| c.query_one("SELECT 1 FROM coffre.vault WHERE id = 1 FOR UPDATE", &[]));
        if let Err(e) = locked {
            let _ = c.batch_execute("ROLLBACK");
            return Err(match e.code() {
                // lock_timeout (30 s): another process holds the vault.
                Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE) => {
                    Error::Busy(msg!("database-busy"))
                }
                _ => db(e),
            });
        }
        Ok(op)
    }

    fn end_operation(&self) {
        let Ok(mut turn) = self.turn.lock() else {
            return;
        };
        turn.depth = turn.depth.saturating_sub(1);
        if turn.depth == 0 {
            // A connection lost meanwhile took its lock with it.
            if let Ok(mut guard) = self.turn_client.lock() {
                if let Some(c) = guard.as_mut() {
                    if c.batch_execute("ROLLBACK").is_err() {
                        *guard = None;
                    }
                }
            }
            let all = self
                .vacuum_due
                .swap(false, std::sync::atomic::Ordering::SeqCst);
            let keys = self
                .scrub_due
                .swap(false, std::sync::atomic::Ordering::SeqCst);
            if all || keys {
                // Best effort: a snapshot older than the change, held by
                // another process at this moment, keeps the old rows until
                // the next erasure or prune rewrites the tables again. One
                // statement each: several in one call would share an
                // implicit transaction, where VACUUM cannot run.
                let tables: &[&str] = if all {
                    &["audit_log", "records", "erasure_keys"]
                } else {
                    &["erasure_keys"]
                };
                let _ = self.with_client(|c| {
                    for t in tables {
                        c.batch_execute(&format!("VACUUM FULL coffre.{t}"))
                            .map_err(db)?;
                    }
                    Ok(())
                });
            }
            turn.owner = None;
            self.turn_free.notify_one();
        }
    }

    /// Commits one change of the vault in one transaction: `lines` appended
    /// to the audit log at byte `log_at`, `checkpoint` appended to the
    /// checkpoints at its offset, `ops` applied to the records, and the `as`
    /// record (key `state_key`) moved from `state_before` to `state_after` —
    /// refused if another process moved it meanwhile. If the commit fails
    /// (the connection lost, the server down), the change's own first line
    /// (or its checkpoint) is read back once reconnected: acknowledged only
    /// if it is there, never applied twice. A change of records alone has
    /// nothing to read back and is reported as failed.
    ///
    /// Errors: [`Error::Busy`] if another process committed first (nothing
    /// written; the operation can be tried again); [`Error::Io`] if the
    /// change did not commit; `database-outcome-unknown` ([`Error::Io`]) if
    /// the database could not be asked for 10 s — it may have committed:
    /// look before doing it again.
    #[allow(clippy::too_many_arguments)]
    pub fn commit_change(
        &self,
        state_key: &[u8],
        state_before: &[u8],
        state_after: &[u8],
        lines: Option<(u64, &[u8])>,
        checkpoint: Option<(u64, &[u8])>,
        ops: &[Op],
        erase: &[String],
    ) -> Result<()> {
        let attempt = self.with_client(|c| {
            let mut tx = c.transaction().map_err(db)?;
            if let Err(e) = lock_head(&mut tx, state_key, state_before) {
                return Ok(Err(e));
            }
            if let Some((at, bytes)) = lines {
                let stmt = tx
                    .prepare("INSERT INTO coffre.audit_log (byte_offset, line) VALUES ($1, $2)")
                    .map_err(db)?;
                let mut off = at;
                for line in bytes.split_inclusive(|b| *b == b'\n') {
                    tx.execute(&stmt, &[&pos(off)?, &line]).map_err(db)?;
                    off += line.len() as u64;
                }
            }
            if let Some((at, bytes)) = checkpoint {
                tx.execute(
                    "INSERT INTO coffre.checkpoint_log (byte_offset, note) VALUES ($1, $2)",
                    &[&pos(at)?, &bytes],
                )
                .map_err(db)?;
            }
            apply_ops(&mut tx, ops)?;
            for dossier in erase {
                tx.execute(
                    "DELETE FROM coffre.erasure_keys WHERE dossier = $1",
                    &[dossier],
                )
                .map_err(db)?;
            }
            tx.execute(
                "UPDATE coffre.records SET value = $2 WHERE key = $1",
                &[&state_key, &state_after],
            )
            .map_err(db)?;
            Ok(tx.commit().map_err(db))
        });
        match attempt {
            Ok(Ok(())) => Ok(()),
            Ok(Err(Error::Busy(m))) => Err(Error::Busy(m)),
            Ok(Err(e)) | Err(e) => {
                // Did it commit? Once reconnected, the rows tell: the first
                // of its lines (or its checkpoint) at its offset, byte for
                // byte (each line carries a random nonce: no other process's
                // line can match). Asked again for a while if the database
                // cannot be reached; never guessed.
                let check = || {
                    self.with_client(|c| {
                        let (q, at, bytes) = match (lines, checkpoint) {
                            (Some((at, b)), _) => (
                                "SELECT line FROM coffre.audit_log WHERE byte_offset = $1",
                                at,
                                b.split_inclusive(|x| *x == b'\n').next().unwrap_or(b),
                            ),
                            (None, Some((at, b))) => (
                                "SELECT note FROM coffre.checkpoint_log WHERE byte_offset = $1",
                                at,
                                b,
                            ),
                            // A change of records alone leaves no line to look
                            // for (the `as` record does not move): not
                            // acknowledged — the caller says it failed, and
                            // doing it again is harmless.
                            (None, None) => return Ok(false),
                        };
                        let found: Option<Vec<u8>> = c
                            .query_opt(q, &[&pos(at)?])
                            .map_err(db)?
                            .map(|r| col(&r, 0, "coffre.audit_log"))
                            .transpose()?;
                        Ok(found.as_deref() == Some(bytes))
                    })
                };
                for attempt in 0..20 {
                    match check() {
                        Ok(true) => return Ok(()),
                        Ok(false) => return Err(e),
                        Err(_) if attempt < 19 => {
                            std::thread::sleep(std::time::Duration::from_millis(500))
                        }
                        Err(_) => {}
                    }
                }
                Err(Error::Io(msg!("database-outcome-unknown")))
            }
        }
    }

    /// Rewrites lines of the audit log in place (an audit prune: each piece
    /// starts a line and keeps its length; a line's newline may be left out)
    /// and applies `ops`, in one transaction. Errors: [`Error::Integrity`] if
    /// a piece does not start a line of the table.
    pub fn rewrite_lines(
        &self,
        state_key: &[u8],
        state: &[u8],
        lines: &[(u64, Vec<u8>)],
        ops: &[Op],
    ) -> Result<()> {
        self.with_client(|c| {
            let mut tx = c.transaction().map_err(db)?;
            // As in `commit_change`: only on the log this process checked.
            lock_head(&mut tx, state_key, state)?;
            for (at, bytes) in lines {
                let mut off = *at;
                for line in bytes.split_inclusive(|b| *b == b'\n') {
                    let n = tx
                        .execute(
                            "UPDATE coffre.audit_log SET line = overlay(line placing $2::bytea from 1) \
                             WHERE byte_offset = $1 AND length(line) >= length($2::bytea)",
                            &[&pos(off)?, &line],
                        )
                        .map_err(db)?;
                    if n != 1 {
                        return Err(Error::Integrity(msg!("audit-log-does-end-where-recorded")));
                    }
                    off += line.len() as u64;
                }
            }
            apply_ops(&mut tx, ops)?;
            tx.commit().map_err(db)
        })
    }

    /// A dossier's erasure key, if stored.
    pub fn erasure_key(&self, dossier: &str) -> Result<Option<Vec<u8>>> {
        self.with_client(|c| {
            c.query_opt(
                "SELECT key FROM coffre.erasure_keys WHERE dossier = $1",
                &[&dossier],
            )
            .map_err(db)?
            .map(|r| col(&r, 0, "coffre.erasure_keys"))
            .transpose()
        })
    }

    /// Stores a new dossier's erasure key (refused if one exists).
    pub fn create_erasure_key(&self, dossier: &str, key: &[u8]) -> Result<()> {
        self.with_client(|c| {
            c.execute(
                "INSERT INTO coffre.erasure_keys (dossier, key) VALUES ($1, $2)",
                &[&dossier, &key],
            )
            .map_err(db)
            .map(|_| ())
        })
    }

    /// Rewrites the erasure keys' table into a fresh file (`VACUUM FULL`),
    /// so that the bytes of keys deleted by an erasure leave its pages (a
    /// plain `VACUUM` only marks them reusable). Run after the erasure has
    /// committed.
    pub fn scrub_erasure_keys(&self) -> Result<()> {
        // Done when this process gives the turn back: while its transaction
        // holding the turn is open, the deleted row is still "recently dead"
        // to PostgreSQL and a rewrite would copy it.
        self.scrub_due
            .store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Reclaims the space of rewritten or deleted rows of every table, so
    /// that content an audit prune or an erasure removed leaves the tables'
    /// files (`VACUUM FULL`), when this process gives the turn back (see
    /// [`PgVault::scrub_erasure_keys`]). The write-ahead log and backups keep
    /// it until they are recycled (see `docs/deployment.md`).
    pub fn vacuum(&self) -> Result<()> {
        self.vacuum_due
            .store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}

/// Locks the `as` record (the log's recorded end) for the transaction and
/// checks it is still `expected`, the end this process started from.
/// Errors: [`Error::Busy`] if another process moved it (nothing written).
fn lock_head(tx: &mut postgres::Transaction<'_>, key: &[u8], expected: &[u8]) -> Result<()> {
    let head: Option<Vec<u8>> = tx
        .query_opt(
            "SELECT value FROM coffre.records WHERE key = $1 FOR UPDATE",
            &[&key],
        )
        .map_err(db)?
        .map(|r| col(&r, 0, "coffre.records"))
        .transpose()?;
    if head.as_deref() == Some(expected) {
        Ok(())
    } else {
        Err(Error::Busy(msg!("database-vault-moved")))
    }
}

/// The records of a checkpoints file: each ends with an empty line.
fn checkpoint_records(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'\n' && bytes[i + 1] == b'\n' {
            out.push(&bytes[start..i + 2]);
            start = i + 2;
            i += 2;
        } else {
            i += 1;
        }
    }
    if start < bytes.len() {
        out.push(&bytes[start..]);
    }
    out
}

fn apply_ops(tx: &mut postgres::Transaction<'_>, ops: &[Op]) -> Result<()> {
    if ops.is_empty() {
        return Ok(());
    }
    let put = tx
        .prepare(
            "INSERT INTO coffre.records (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        )
        .map_err(db)?;
    let remove = tx
        .prepare("DELETE FROM coffre.records WHERE key = $1")
        .map_err(db)?;
    for op in ops {
        match op {
            Op::Put(k, v) => tx.execute(&put, &[k, v]).map_err(db)?,
            Op::Remove(k) => tx.execute(&remove, &[k]).map_err(db)?,
        };
    }
    Ok(())
}

/// The first key after every key that starts with `prefix` (`None`: no bound).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// The vault's records in `coffre.records`.
#[derive(Debug)]
pub struct PgStore {
    pg: Arc<PgVault>,
}

impl PgStore {
    /// The records of the vault behind `pg`.
    pub fn new(pg: Arc<PgVault>) -> Self {
        PgStore { pg }
    }
}

impl Store for PgStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.pg.with_client(|c| {
            c.query_opt("SELECT value FROM coffre.records WHERE key = $1", &[&key])
                .map_err(db)?
                .map(|r| col(&r, 0, "coffre.records"))
                .transpose()
        })
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.scan_prefix_page(prefix, None, usize::MAX)
    }

    fn commit(&self, batch: Batch) -> Result<()> {
        self.pg.with_client(|c| {
            let mut tx = c.transaction().map_err(db)?;
            apply_ops(&mut tx, &batch.ops)?;
            tx.commit().map_err(db)
        })
    }

    fn apply(&self, batch: Batch) -> Result<()> {
        self.commit(batch)
    }

    fn for_each(&self, f: Visitor<'_>) -> Result<()> {
        let mut after: Option<Vec<u8>> = None;
        loop {
            let page = self.scan_prefix_page(b"", after.as_deref(), 1024)?;
            let Some((last, _)) = page.last() else {
                return Ok(());
            };
            after = Some(last.clone());
            for (k, v) in &page {
                f(k, v)?;
            }
        }
    }

    fn scan_prefix_page(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let from: &[u8] = match after {
            Some(a) if a >= prefix => a,
            _ => prefix,
        };
        let strict = after.is_some_and(|a| a >= prefix);
        let end = prefix_end(prefix);
        let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
        self.pg.with_client(|c| {
            let rows = c
                .query(
                    "SELECT key, value FROM coffre.records \
                     WHERE (key > $1 OR (NOT $2 AND key = $1)) \
                       AND ($3::bytea IS NULL OR key < $3) \
                     ORDER BY key LIMIT $4",
                    &[&from, &strict, &end, &limit],
                )
                .map_err(db)?;
            rows.iter()
                .map(|r| Ok((col(r, 0, "coffre.records")?, col(r, 1, "coffre.records")?)))
                .collect()
        })
    }
}

/// One of the vault's logs in a table: `coffre.audit_log` (a row per line)
/// or `coffre.checkpoint_log` (a row per checkpoint), keyed by byte offset.
#[derive(Debug)]
pub struct PgLog {
    pg: Arc<PgVault>,
    table: &'static str,
    column: &'static str,
}

impl PgLog {
    /// The audit log's lines.
    pub fn audit(pg: Arc<PgVault>) -> Self {
        PgLog {
            pg,
            table: "coffre.audit_log",
            column: "line",
        }
    }

    /// The signed checkpoints.
    pub fn checkpoints(pg: Arc<PgVault>) -> Self {
        PgLog {
            pg,
            table: "coffre.checkpoint_log",
            column: "note",
        }
    }
}

impl LogMedium for PgLog {
    fn len(&self) -> Result<u64> {
        // The last two rows: the last must be non-empty and begin where the
        // one before it ends (a row planted far ahead is damage, not length).
        let q = format!(
            "SELECT byte_offset, length({c}) FROM {t} ORDER BY byte_offset DESC LIMIT 2",
            c = self.column,
            t = self.table
        );
        let rows = self
            .pg
            .with_client(|c| c.query(q.as_str(), &[]).map_err(db))?;
        let damaged =
            || Error::Integrity(msg!("database-row-damaged", table = self.table.to_string()));
        let mut ends = Vec::new();
        for r in &rows {
            let off: i64 = col(r, 0, self.table)?;
            let len: i32 = col(r, 1, self.table)?;
            if off < 0 || len <= 0 {
                return Err(damaged());
            }
            ends.push((off as u64, len as u64));
        }
        match ends.as_slice() {
            [] => Ok(0),
            [(0, len)] => Ok(*len),
            [_] => Err(damaged()),
            [(off, len), (p_off, p_len), ..] if p_off + p_len == *off => Ok(off + len),
            _ => Err(damaged()),
        }
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let start = offset.min(i64::MAX as u64) as i64;
        let end = offset.saturating_add(buf.len() as u64).min(i64::MAX as u64) as i64;
        // From the row before the one holding `offset`: every row read must
        // begin where the one before it ends, so rows overlapping, or one
        // slipped inside another's bytes, are damage — whatever offset a
        // reader starts from, it sees the same bytes.
        let q = format!(
            "SELECT byte_offset, {c} FROM {t} \
             WHERE byte_offset >= coalesce((SELECT byte_offset FROM {t} WHERE byte_offset <= $1 \
                                            ORDER BY byte_offset DESC OFFSET 1 LIMIT 1), 0) \
               AND byte_offset < $2 ORDER BY byte_offset",
            c = self.column,
            t = self.table
        );
        let rows = self
            .pg
            .with_client(|c| c.query(q.as_str(), &[&start, &end]).map_err(db))?;
        let damaged =
            || Error::Integrity(msg!("database-row-damaged", table = self.table.to_string()));
        let mut n = 0usize;
        let mut at = offset;
        let mut expected: Option<u64> = None;
        for r in &rows {
            let off: i64 = col(r, 0, self.table)?;
            let bytes: Vec<u8> = col(r, 1, self.table)?;
            let off = u64::try_from(off).map_err(|_| damaged())?;
            match expected {
                None if off > offset => return Err(damaged()),
                Some(e) if e != off => return Err(damaged()),
                _ => {}
            }
            if bytes.is_empty() {
                return Err(damaged());
            }
            expected = Some(off + bytes.len() as u64);
            if off + bytes.len() as u64 <= at || n == buf.len() {
                continue;
            }
            let skip = (at - off) as usize;
            let take = (bytes.len() - skip).min(buf.len() - n);
            buf[n..n + take].copy_from_slice(&bytes[skip..skip + take]);
            n += take;
            at += take as u64;
        }
        if n < buf.len() {
            // The end, as far as contiguous rows go: nothing may lie beyond.
            let q = format!(
                "SELECT 1 FROM {t} WHERE byte_offset >= $1 LIMIT 1",
                t = self.table
            );
            let beyond = self.pg.with_client(|c| {
                c.query_opt(q.as_str(), &[&(at.min(i64::MAX as u64) as i64)])
                    .map_err(db)
            })?;
            if beyond.is_some() {
                return Err(damaged());
            }
        }
        Ok(n)
    }

    fn write_at(&self, offset: u64, bytes: &[u8]) -> Result<()> {
        let len = self.len()?;
        if offset > len {
            return Err(Error::Integrity(msg!(
                "holds-bytes-where-least-written-before",
                into_owned = self.table.to_string(),
                len = len,
                offset = offset
            )));
        }
        let q = format!(
            "INSERT INTO {t} (byte_offset, {c}) VALUES ($1, $2) \
             ON CONFLICT (byte_offset) DO UPDATE SET {c} = EXCLUDED.{c}",
            c = self.column,
            t = self.table
        );
        self.pg.with_client(|c| {
            c.execute(q.as_str(), &[&pos(offset)?, &bytes])
                .map_err(db)
                .map(|_| ())
        })
    }

    fn truncate(&self, len: u64) -> Result<()> {
        let q = format!("DELETE FROM {t} WHERE byte_offset >= $1", t = self.table);
        self.pg
            .with_client(|c| c.execute(q.as_str(), &[&pos(len)?]).map_err(db).map(|_| ()))
    }

    fn sync(&self) -> Result<()> {
        // Every write is a committed transaction (synchronous_commit = on).
        Ok(())
    }

    fn name(&self) -> String {
        self.table.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_records_split_after_each_empty_line_and_keep_every_byte() {
        let text = b"a\nb\n\nc\n\nd\n";
        let parts = checkpoint_records(text);
        assert_eq!(parts, vec![&b"a\nb\n\n"[..], &b"c\n\n"[..], &b"d\n"[..]]);
        assert_eq!(parts.concat(), text.to_vec());
        assert!(checkpoint_records(b"").is_empty());
    }

    #[test]
    fn prefix_end_is_the_first_key_after_the_prefix() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(b"\xff\xff"), None);
        assert_eq!(prefix_end(b""), None);
    }

    #[test]
    fn urls_are_shown_without_password_or_parameters() {
        assert_eq!(
            display("postgres://coffre:s3cret@db.example:5432/vault?sslmode=verify-full"),
            "postgres://coffre@db.example:5432/vault"
        );
        assert_eq!(
            display("postgresql:///vault?host=/tmp"),
            "postgresql:///vault"
        );
        assert!(is_url("postgres://x") && is_url("postgresql://x") && !is_url("/srv/coffre"));
    }

    #[test]
    fn unknown_ssl_modes_are_refused() {
        assert!(matches!(
            parse("postgres://h/db?sslmode=allow"),
            Err(Error::Usage(_))
        ));
        assert!(parse("postgres:///db?host=/run/postgresql").is_ok());
    }
}
