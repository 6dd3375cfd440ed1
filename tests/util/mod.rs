//! Shared helpers for the black-box CLI tests: a throw-away vault in a temporary
//! directory, and a way to run the `coffre` binary as a given staff member.
//!
//! Every run clears the `COFFRE_*` environment variables inherited from the test
//! process and sets only those the test asks for, feeds stdin from a pipe (so the
//! passphrase is always taken from the environment, never from a terminal) and
//! checks that the program did not panic.

#![allow(dead_code)]

pub mod clock;
pub mod http;
pub mod library;
pub mod pg;
pub mod words;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// Path of the binary under test.
pub const COFFRE: &str = env!("CARGO_BIN_EXE_coffre");

/// The environment variables the program reads; all are cleared in every child.
const COFFRE_ENV: &[&str] = &[
    "COFFRE_VAULT",
    "COFFRE_USER",
    "COFFRE_PASSPHRASE",
    "COFFRE_NEW_PASSPHRASE",
    "COFFRE_LANG",
];

/// What one run of the binary produced.
#[derive(Debug, Clone)]
pub struct Run {
    /// Exit code (-1 if killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// (exit code, stdout, stderr).
    pub fn parts(&self) -> (i32, &str, &str) {
        (self.code, &self.stdout, &self.stderr)
    }

    /// Asserts the exit code, with the whole output in the failure message.
    #[track_caller]
    pub fn expect_code(&self, code: i32, what: &str) -> &Self {
        assert_eq!(
            self.code, code,
            "{what}: expected exit code {code}, got {}\nstdout: {}\nstderr: {}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self, what: &str) -> &str {
        self.expect_code(0, what);
        &self.stdout
    }

    /// Parses stdout as one JSON value.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    /// Parses stdout as JSON lines.
    #[track_caller]
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("line is not JSON ({e}): {l}"))
            })
            .collect()
    }

    /// The single non-empty line of stdout (ids printed "alone on a line").
    #[track_caller]
    pub fn single_line(&self) -> String {
        let lines: Vec<&str> = self
            .stdout
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one line on stdout, got {:?}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        lines[0].to_string()
    }
}

/// Everything a child process gets besides its arguments.
#[derive(Default, Clone)]
pub struct Opts<'a> {
    /// `COFFRE_VAULT`.
    pub vault: Option<&'a Path>,
    /// `COFFRE_USER`.
    pub user: Option<&'a str>,
    /// `COFFRE_PASSPHRASE`.
    pub pass: Option<&'a str>,
    /// `COFFRE_NEW_PASSPHRASE`.
    pub new_pass: Option<&'a str>,
    /// Bytes written to stdin (an empty pipe otherwise).
    pub stdin: Option<&'a [u8]>,
    /// The clock seen by the binary: the shim library ([`clock::shim`]) and
    /// the offset in seconds.
    pub clock: Option<(&'a Path, i64)>,
    /// `COFFRE_LANG` (English when `None`: most tests match English words).
    pub lang: Option<&'a str>,
}

/// Runs the binary with `args` and exactly the `COFFRE_*` variables of `opts`.
#[track_caller]
pub fn run_coffre(args: &[&str], opts: &Opts<'_>) -> Run {
    let mut cmd = Command::new(COFFRE);
    cmd.args(args);
    for v in COFFRE_ENV {
        cmd.env_remove(v);
    }
    if let Some((lib, offset)) = opts.clock {
        cmd.env("LD_PRELOAD", lib)
            .env("FAKE_OFFSET", offset.to_string());
    }
    cmd.env("COFFRE_LANG", opts.lang.unwrap_or("en"));
    if let Some(v) = opts.vault {
        cmd.env("COFFRE_VAULT", v);
    }
    if let Some(u) = opts.user {
        cmd.env("COFFRE_USER", u);
    }
    if let Some(p) = opts.pass {
        cmd.env("COFFRE_PASSPHRASE", p);
    }
    if let Some(p) = opts.new_pass {
        cmd.env("COFFRE_NEW_PASSPHRASE", p);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("cannot start coffre");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        if let Some(bytes) = opts.stdin {
            // The program may exit before reading (e.g. a usage error): ignore EPIPE.
            let _ = stdin.write_all(bytes);
        }
    }
    let out = child.wait_with_output().expect("coffre did not finish");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "coffre panicked running {args:?}:\n{}",
        run.stderr
    );
    assert_ne!(run.code, -1, "coffre was killed by a signal: {args:?}");
    assert!(
        run.code != 101,
        "coffre exited with 101 (a panic) running {args:?}:\n{}",
        run.stderr
    );
    run
}

/// A vault in a temporary directory, with its recovery key and the passphrases of
/// the staff the test created.
pub struct TestVault {
    /// Keeps the temporary directory alive; the vault is `root/vault`.
    pub root: tempfile::TempDir,
    /// The vault directory.
    pub dir: PathBuf,
    /// The recovery key file written by `init --recovery-out` (outside the vault).
    pub recovery: PathBuf,
    /// The first staff member (a director).
    pub admin: String,
    passes: HashMap<String, String>,
    /// The PostgreSQL database holding the vault (`dir` is then its address).
    pub database: Option<String>,
}

impl TestVault {
    /// `coffre init` with a director `dir.martin` and the fast test KDF.
    pub fn new() -> TestVault {
        Self::init_with("Etablissement de test", "dir.martin", "Direction Test")
    }

    /// `coffre init` with the given establishment and director (profession
    /// `directeur`, the default), always with `--insecure-fast-kdf`.
    #[track_caller]
    pub fn init_with(establishment: &str, admin_id: &str, admin_name: &str) -> TestVault {
        Self::init_full(establishment, admin_id, admin_name, None)
    }

    /// [`TestVault::new`] with this policy text instead of the shipped default.
    #[track_caller]
    pub fn with_policy(policy: &str) -> TestVault {
        Self::init_full(
            "Etablissement de test",
            "dir.martin",
            "Direction Test",
            Some(policy),
        )
    }

    /// [`TestVault::init_with`] in a database of its own on the tests'
    /// PostgreSQL server ([`pg`]).
    #[track_caller]
    pub fn in_postgres(establishment: &str, admin_id: &str, admin_name: &str) -> TestVault {
        let db = pg::new_database();
        Self::init_at(establishment, admin_id, admin_name, None, Some(db))
    }

    /// The vault `from` moved into database `name` (same staff, passphrases
    /// and recovery key).
    pub fn at_database(from: &TestVault, name: &str) -> TestVault {
        TestVault {
            root: tempfile::tempdir().expect("tempdir"),
            dir: PathBuf::from(pg::url(name)),
            recovery: from.recovery.clone(),
            admin: from.admin.clone(),
            passes: from.passes.clone(),
            database: Some(name.to_string()),
        }
    }

    #[track_caller]
    fn init_full(
        establishment: &str,
        admin_id: &str,
        admin_name: &str,
        policy: Option<&str>,
    ) -> TestVault {
        Self::init_at(establishment, admin_id, admin_name, policy, None)
    }

    #[track_caller]
    fn init_at(
        establishment: &str,
        admin_id: &str,
        admin_name: &str,
        policy: Option<&str>,
        database: Option<String>,
    ) -> TestVault {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = match &database {
            Some(db) => PathBuf::from(pg::url(db)),
            None => root.path().join("vault"),
        };
        let recovery = root.path().join("recovery-key.txt");
        let pass = format!("{admin_id}-passphrase");
        let policy_file = root.path().join("policy.toml");
        let mut args = vec![
            "init".to_string(),
            "--establishment".to_string(),
            establishment.to_string(),
            "--admin-id".to_string(),
            admin_id.to_string(),
            "--admin-name".to_string(),
            admin_name.to_string(),
            "--recovery-out".to_string(),
            recovery.to_str().expect("utf-8 path").to_string(),
            "--insecure-fast-kdf".to_string(),
        ];
        if let Some(text) = policy {
            std::fs::write(&policy_file, text).expect("write policy");
            args.push("--policy".to_string());
            args.push(policy_file.to_str().expect("utf-8 path").to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run_coffre(
            &args,
            &Opts {
                vault: Some(&dir),
                new_pass: Some(&pass),
                ..Opts::default()
            },
        );
        r.expect_code(0, "init");
        if database.is_none() {
            assert!(dir.join("store").is_dir(), "init made no store");
        }
        assert!(recovery.is_file(), "init wrote no recovery key");
        let mut passes = HashMap::new();
        passes.insert(admin_id.to_string(), pass);
        TestVault {
            root,
            dir,
            recovery,
            admin: admin_id.to_string(),
            passes,
            database,
        }
    }

    /// The passphrase the test gave `user`.
    pub fn pass(&self, user: &str) -> &str {
        self.passes
            .get(user)
            .unwrap_or_else(|| panic!("no passphrase known for {user}"))
    }

    /// Records a passphrase (e.g. one set through a hand-made `staff add`).
    pub fn set_pass(&mut self, user: &str, pass: &str) {
        self.passes.insert(user.to_string(), pass.to_string());
    }

    /// Runs coffre on this vault with no user and no passphrase.
    #[track_caller]
    pub fn anon(&self, args: &[&str]) -> Run {
        run_coffre(
            args,
            &Opts {
                vault: Some(&self.dir),
                ..Opts::default()
            },
        )
    }

    /// Runs coffre as `user` with their own passphrase.
    #[track_caller]
    pub fn as_user(&self, user: &str, args: &[&str]) -> Run {
        self.as_user_pass(user, self.pass(user), args)
    }

    /// Runs coffre as `user` with the given passphrase: (code, stdout, stderr).
    #[track_caller]
    pub fn run(&self, user: &str, pass: &str, args: &[&str]) -> (i32, String, String) {
        let r = self.as_user_pass(user, pass, args);
        (r.code, r.stdout, r.stderr)
    }

    /// Runs coffre as `user` with the given passphrase.
    #[track_caller]
    pub fn as_user_pass(&self, user: &str, pass: &str, args: &[&str]) -> Run {
        run_coffre(
            args,
            &Opts {
                vault: Some(&self.dir),
                user: Some(user),
                pass: Some(pass),
                ..Opts::default()
            },
        )
    }

    /// Runs coffre as `user` with the clock shifted by `offset` seconds
    /// (`lib` from [`clock::shim`]).
    #[track_caller]
    pub fn as_user_at(&self, lib: &Path, offset: i64, user: &str, args: &[&str]) -> Run {
        run_coffre(
            args,
            &Opts {
                vault: Some(&self.dir),
                user: Some(user),
                pass: Some(self.pass(user)),
                clock: Some((lib, offset)),
                ..Opts::default()
            },
        )
    }

    /// Runs coffre as `user` with `stdin` piped in.
    #[track_caller]
    pub fn as_user_stdin(&self, user: &str, stdin: &[u8], args: &[&str]) -> Run {
        run_coffre(
            args,
            &Opts {
                vault: Some(&self.dir),
                user: Some(user),
                pass: Some(self.pass(user)),
                stdin: Some(stdin),
                ..Opts::default()
            },
        )
    }

    /// `staff add` by the director, with the recovery key or not. Returns the run.
    #[track_caller]
    pub fn add_staff_run(
        &mut self,
        id: &str,
        name: &str,
        profession: &str,
        with_recovery: bool,
    ) -> Run {
        let pass = format!("{id}-passphrase");
        let recovery = self.recovery.to_str().expect("utf-8 path").to_string();
        let mut args = vec![
            "staff",
            "add",
            "--id",
            id,
            "--name",
            name,
            "--profession",
            profession,
        ];
        if with_recovery {
            args.extend(["--recovery-key", recovery.as_str()]);
        }
        let r = run_coffre(
            &args,
            &Opts {
                vault: Some(&self.dir),
                user: Some(&self.admin),
                pass: Some(self.pass(&self.admin)),
                new_pass: Some(&pass),
                ..Opts::default()
            },
        );
        if r.code == 0 {
            self.passes.insert(id.to_string(), pass);
        }
        r
    }

    /// `staff add` that must succeed.
    #[track_caller]
    pub fn add_staff(&mut self, id: &str, name: &str, profession: &str, with_recovery: bool) {
        self.add_staff_run(id, name, profession, with_recovery)
            .expect_code(0, &format!("staff add {id}"));
    }

    /// `dossier create` as `user`; returns the new id.
    #[track_caller]
    pub fn create_dossier(&self, user: &str, name: &str, birthdate: &str) -> String {
        let r = self.as_user(
            user,
            &[
                "dossier",
                "create",
                "--name",
                name,
                "--birthdate",
                birthdate,
            ],
        );
        r.expect_code(0, "dossier create");
        let id = r.single_line();
        assert!(
            !id.contains(char::is_whitespace) && !id.is_empty(),
            "odd dossier id {id:?}"
        );
        id
    }

    /// `dossier team add` as `user`, which must succeed.
    #[track_caller]
    pub fn team_add(&self, user: &str, dossier: &str, staff: &str) {
        self.as_user(user, &["dossier", "team", "add", dossier, staff])
            .expect_code(0, &format!("team add {staff}"));
    }

    /// `entry add` as `user`, which must succeed; returns the entry id.
    #[track_caller]
    pub fn add_entry(&self, user: &str, dossier: &str, kind: &str, fields: &[&str]) -> String {
        let mut args = vec!["entry", "add", dossier, "--kind", kind];
        for f in fields {
            args.extend(["--field", f]);
        }
        let r = self.as_user(user, &args);
        r.expect_code(0, &format!("entry add {kind} by {user}"));
        r.single_line()
    }

    /// The audit log as the given audit reader sees it (`--json`), with extra
    /// filter arguments.
    #[track_caller]
    pub fn audit_log(&self, reader: &str, filters: &[&str]) -> Vec<Value> {
        let mut args = vec!["audit", "log", "--json"];
        args.extend_from_slice(filters);
        let r = self.as_user(reader, &args);
        r.expect_code(0, "audit log");
        r.json_lines()
    }

    /// The audit log's lines, in order, wherever the vault keeps them.
    pub fn audit_lines(&self) -> Vec<String> {
        match &self.database {
            Some(db) => pg::psql(
                db,
                "SELECT convert_from(line, 'UTF8') FROM coffre.audit_log ORDER BY byte_offset",
            )
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
            None => std::fs::read_to_string(self.audit_path())
                .expect("audit log")
                .lines()
                .map(str::to_string)
                .collect(),
        }
    }

    /// The vault's record store, opened directly (no coffre process may have
    /// a folder vault open meanwhile).
    pub fn raw_store(&self) -> Box<dyn coffre::store::Store> {
        match &self.database {
            Some(_) => Box::new(coffre::store::postgres::PgStore::new(
                coffre::store::postgres::PgVault::connect(self.dir.to_str().unwrap()).unwrap(),
            )),
            None => Box::new(
                coffre::store::sled_store::SledStore::open(&self.dir.join("store")).unwrap(),
            ),
        }
    }

    /// Path of the audit log.
    pub fn audit_path(&self) -> PathBuf {
        self.dir.join("audit.log")
    }

    /// `audit verify` (no user, no passphrase).
    #[track_caller]
    pub fn verify(&self) -> Run {
        self.anon(&["audit", "verify"])
    }
}

/// A hard-to-guess marker: `prefix` followed by 24 random hexadecimal digits.
pub fn marker(prefix: &str) -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = String::from(prefix);
    for _ in 0..2 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        out.push_str(&format!("{:012x}", h.finish() & 0xffff_ffff_ffff));
    }
    out
}

/// Every regular file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let entry = entry.expect("dir entry");
            let ft = entry.file_type().expect("file type");
            if ft.is_dir() {
                stack.push(entry.path());
            } else if ft.is_file() {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    out
}

/// Whether `haystack` contains `needle` as bytes.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() || needle.len() > haystack.len() {
        return false;
    }
    if needle.is_ascii() {
        // Lossy decoding keeps every ASCII byte in place, so an ASCII needle is
        // found exactly; std's substring search is much faster than windows().
        return String::from_utf8_lossy(haystack).contains(std::str::from_utf8(needle).unwrap());
    }
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether `text` mentions `word` followed by exactly the number `n` (e.g.
/// "entry 3" but not "entry 31").
pub fn mentions_number(text: &str, word: &str, n: u64) -> bool {
    let pat = format!("{word} {n}");
    text.match_indices(&pat).any(|(i, _)| {
        !text[i + pat.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

/// The entry `id` of a `dossier show --json` output.
pub fn entry_by_id<'a>(dossier: &'a Value, id: &str) -> &'a Value {
    dossier["entries"]
        .as_array()
        .expect("entries array")
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("entry {id} missing from {dossier}"))
}

/// Applies store operations to the closed folder vault at `dir` by appending
/// them to its journal: the next open replays them. No key is needed: this is
/// what anyone with write access to the folder can do.
pub fn forge_store(dir: &Path, ops: Vec<coffre::store::Op>) {
    use coffre::store::journal::{Journal, Record, DEFAULT_CAPACITY};
    let (mut j, pending) = Journal::open(&dir.join("journal"), DEFAULT_CAPACITY).unwrap();
    assert!(pending.is_empty(), "the vault was not closed cleanly");
    j.append(&Record {
        writes: vec![],
        ops,
    })
    .unwrap();
}

/// One store record of the closed vault at `dir` (opened and closed for it).
pub fn stored(dir: &Path, key: &[u8]) -> Option<Vec<u8>> {
    coffre::Vault::open(dir).unwrap().store().get(key).unwrap()
}
