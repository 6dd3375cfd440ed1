//! SQLCipher baseline for the performance benchmark: the reference an
//! establishment would otherwise pick, an encrypted SQLite (bundled SQLCipher
//! through `rusqlite`).
//!
//! The setup is the one a careful deployment would use: a random 256-bit raw
//! key (no passphrase KDF at open), `journal_mode=WAL`, `synchronous=FULL` (a
//! commit is durable when it returns), one table with an index on the dossier,
//! and cached prepared statements so that no timing includes SQL parsing.
//!
//! Built only with `cargo bench --bench perf --features sqlcipher`.

use rusqlite::{params, types::Value, Connection};
use std::path::Path;

const INSERT: &str = "INSERT INTO entries (dossier, body) VALUES (?1, ?2)";
const GET: &str = "SELECT body FROM entries WHERE id = ?1";
const DOSSIER: &str = "SELECT body FROM entries WHERE dossier = ?1 ORDER BY id";

/// An encrypted SQLite database holding `entries(id, dossier, body)`.
pub struct SqlCipher {
    conn: Connection,
}

/// Opens `conn` with a fresh random 256-bit raw key. The key is thrown away:
/// a benchmark database is never reopened, and the key's quality does not
/// change any timing (SQLite's CSPRNG, seeded by the OS, draws it).
fn key_randomly(conn: &Connection) {
    let hex: String = Connection::open_in_memory()
        .and_then(|c| c.query_row("SELECT hex(randomblob(32))", [], |r| r.get(0)))
        .expect("sqlcipher: draw a random key");
    // The raw-key form (x'…', 64 hex digits) skips PBKDF2 entirely.
    conn.execute_batch(&format!("PRAGMA key = \"x'{hex}'\";"))
        .expect("sqlcipher: PRAGMA key");
}

/// Reads back a one-value PRAGMA as text.
fn pragma(conn: &Connection, name: &str) -> String {
    conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, Value>(0))
        .map(|v| match v {
            Value::Text(s) => s,
            Value::Integer(i) => i.to_string(),
            other => format!("{other:?}"),
        })
        .unwrap_or_else(|e| panic!("sqlcipher: PRAGMA {name}: {e}"))
}

impl SqlCipher {
    /// Creates an encrypted database at `path` with a random 256-bit raw key
    /// (`PRAGMA key = "x'…'"`), `journal_mode=WAL`, `synchronous=FULL`, and the
    /// table `entries(id INTEGER PRIMARY KEY, dossier TEXT NOT NULL, body BLOB
    /// NOT NULL)` with an index on `dossier`. Asserts that the pragmas took
    /// effect and that the file written does not start with SQLite's plaintext
    /// header (it is encrypted).
    pub fn create(path: &Path) -> SqlCipher {
        let conn = Connection::open(path).expect("sqlcipher: open the database file");
        key_randomly(&conn);
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .expect("sqlcipher: set journal_mode and synchronous");
        assert_eq!(
            pragma(&conn, "journal_mode"),
            "wal",
            "sqlcipher: journal_mode=WAL did not take"
        );
        assert_eq!(
            pragma(&conn, "synchronous"),
            "2",
            "sqlcipher: synchronous=FULL did not take"
        );

        conn.execute_batch(
            "CREATE TABLE entries (
                 id INTEGER PRIMARY KEY,
                 dossier TEXT NOT NULL,
                 body BLOB NOT NULL
             );
             CREATE INDEX entries_dossier ON entries (dossier);",
        )
        .expect("sqlcipher: create the schema");

        // In WAL mode the first commit may sit in the -wal file only: move it
        // into the database file, then look at what is really on disk.
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .expect("sqlcipher: checkpoint");
        let file = std::fs::read(path).expect("sqlcipher: read the database file back");
        assert!(
            file.len() >= 4096,
            "sqlcipher: the database file was not written"
        );
        assert_ne!(
            &file[..16],
            b"SQLite format 3\0",
            "sqlcipher: the database file is plaintext SQLite"
        );
        SqlCipher { conn }
    }

    /// One row inserted in its own transaction (autocommit): durable when it
    /// returns. Returns the rowid.
    pub fn insert_autocommit(&mut self, dossier: &str, body: &[u8]) -> i64 {
        let mut stmt = self
            .conn
            .prepare_cached(INSERT)
            .expect("sqlcipher: prepare insert");
        stmt.execute(params![dossier, body])
            .expect("sqlcipher: insert");
        self.conn.last_insert_rowid()
    }

    /// Inserts all rows, committing every `per_commit` rows (and once at the
    /// end). Returns the rowids in order.
    pub fn insert_batched<'a>(
        &mut self,
        rows: impl Iterator<Item = (&'a str, &'a [u8])>,
        per_commit: usize,
    ) -> Vec<i64> {
        assert!(per_commit > 0, "sqlcipher: per_commit must be at least 1");
        let mut rows = rows.peekable();
        let mut ids = Vec::with_capacity(rows.size_hint().0);
        while rows.peek().is_some() {
            let tx = self.conn.transaction().expect("sqlcipher: begin");
            {
                let mut stmt = tx
                    .prepare_cached(INSERT)
                    .expect("sqlcipher: prepare insert");
                for (dossier, body) in rows.by_ref().take(per_commit) {
                    stmt.execute(params![dossier, body])
                        .expect("sqlcipher: insert");
                    ids.push(tx.last_insert_rowid());
                }
            }
            tx.commit().expect("sqlcipher: commit");
        }
        ids
    }

    /// One point query by rowid, returning the body (prepared statement cached).
    pub fn get(&self, id: i64) -> Vec<u8> {
        let mut stmt = self
            .conn
            .prepare_cached(GET)
            .expect("sqlcipher: prepare get");
        stmt.query_row(params![id], |r| r.get(0))
            .unwrap_or_else(|e| panic!("sqlcipher: get row {id}: {e}"))
    }

    /// Every body of one dossier (by the index), in insertion order.
    pub fn dossier(&self, dossier: &str) -> Vec<Vec<u8>> {
        let mut stmt = self
            .conn
            .prepare_cached(DOSSIER)
            .expect("sqlcipher: prepare dossier");
        stmt.query_map(params![dossier], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .expect("sqlcipher: read a dossier")
    }
}

/// A short human description of the baseline's setup, with the SQLCipher
/// version and the cipher settings in force, for the benchmark's printout.
pub fn describe() -> String {
    let conn = Connection::open_in_memory().expect("sqlcipher: open in memory");
    key_randomly(&conn);
    let settings: Vec<String> = {
        let mut stmt = conn
            .prepare("PRAGMA cipher_settings")
            .expect("sqlcipher: cipher_settings");
        stmt.query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<_, _>>())
            .expect("sqlcipher: read cipher_settings")
    };
    let settings: Vec<&str> = settings
        .iter()
        .map(|s| s.trim_start_matches("PRAGMA ").trim_end_matches(';'))
        .collect();
    format!(
        "SQLCipher {} (SQLite {}, {} {}), AES-256-CBC, raw 256-bit key (no KDF at open), \
         journal_mode=WAL, synchronous=FULL, one table + index on dossier, cached statements; {}",
        pragma(&conn, "cipher_version"),
        rusqlite::version(),
        pragma(&conn, "cipher_provider"),
        pragma(&conn, "cipher_provider_version"),
        settings.join(", "),
    )
}
