//! Power loss is not SIGKILL: what the page cache holds is lost. sled 0.34's
//! `flush()` ends in `sync_file_range`, which flushes neither the device cache nor
//! the file's metadata. Coffre therefore makes every change durable in its
//! journal — one `fdatasync`, or one `pwrite` through a descriptor opened with
//! `O_DSYNC` where the file system allows direct writes — before acknowledging
//! it, then applies it to the
//! audit log, the checkpoints and the store; when the vault is closed it
//! "settles": `fdatasync` of `audit.log`, `checkpoints.log`, sled's `db` (after
//! sled's own flush) and every new file in `store/blobs/`, and only then empties
//! the journal (docs/architecture.md, "Durability"). These tests run
//! `coffre entry add` under `strace` and check that those calls are really made,
//! in that order, and that the entry id is printed only after the journal's flush.
//!
//! `strace` must be installed (`apt-get install strace`). Without it the tests
//! fail, unless `COFFRE_SKIP_STRACE=1` is set.

use crate::util;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use util::{TestVault, COFFRE};

const DOCTOR: &str = "doc.sync";

/// Whether strace can be used; panics with a clear message if it cannot and the
/// skip variable is not set. Returns false to skip.
fn strace_available() -> bool {
    let ok = Command::new("strace")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return true;
    }
    if std::env::var("COFFRE_SKIP_STRACE").as_deref() == Ok("1") {
        eprintln!("durability_sync: strace not available, skipped (COFFRE_SKIP_STRACE=1)");
        return false;
    }
    panic!(
        "strace is not installed or cannot run: the durability tests need it \
         (apt-get install -y strace), or set COFFRE_SKIP_STRACE=1 to skip them knowingly"
    );
}

/// One traced system call.
#[derive(Debug, Clone)]
struct Call {
    /// `fsync`, `fdatasync`, `sync_file_range`, `openat`, or `write` (to
    /// standard output only, whose path is then `stdout`).
    name: String,
    /// For the sync calls, the path of the fd (`-y`); for `openat`, the path
    /// of the returned fd (or the requested path if it failed).
    path: String,
    /// `openat` with `O_CREAT`.
    creates: bool,
    /// `openat` with `O_DSYNC`: every write through the returned fd is synced.
    dsync: bool,
    /// The fd the call returned (`openat`) or used (`pwrite64`).
    fd: Option<u32>,
    /// The whole line, for messages.
    line: String,
}

impl Call {
    fn is_full_sync(&self) -> bool {
        self.name == "fsync" || self.name == "fdatasync" || self.name == "pwrite64+dsync"
    }
}

/// Marks as full syncs the `pwrite64` calls made through an fd opened with
/// `O_DSYNC` (each returns once its data is on the device).
fn mark_dsync_writes(calls: &mut [Call]) {
    let mut dsync_fds: std::collections::HashMap<u32, bool> = std::collections::HashMap::new();
    for c in calls.iter_mut() {
        match (c.name.as_str(), c.fd) {
            ("openat", Some(fd)) => {
                dsync_fds.insert(fd, c.dsync);
            }
            ("pwrite64", Some(fd)) if dsync_fds.get(&fd) == Some(&true) => {
                c.name = "pwrite64+dsync".into();
            }
            _ => {}
        }
    }
}

/// Parses `strace -f -y` output (one call per line, `PID name(args) = result`).
/// `<... resumed>` lines are skipped: the `<unfinished ...>` line before them
/// already names the call and its fd.
fn parse_trace(text: &str) -> Vec<Call> {
    let mut out = Vec::new();
    for line in text.lines() {
        // Drop the leading pid.
        let rest = line
            .trim_start()
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim_start();
        if rest.starts_with("<...") || rest.starts_with("+++") || rest.starts_with("---") {
            continue;
        }
        let Some(paren) = rest.find('(') else {
            continue;
        };
        let name = &rest[..paren];
        if ![
            "fsync",
            "fdatasync",
            "sync_file_range",
            "openat",
            "write",
            "pwrite64",
        ]
        .contains(&name)
        {
            continue;
        }
        let args = &rest[paren + 1..];
        if name == "write" && !args.starts_with("1<") {
            continue;
        }
        let path = if name == "write" {
            "stdout".to_string()
        } else if name == "openat" {
            // Prefer the resolved path of the returned fd: `= 5</x/y>`.
            match rest.rfind("= ") {
                Some(eq) if rest[eq..].contains('<') => {
                    let r = &rest[eq..];
                    let a = r.find('<').unwrap() + 1;
                    let b = r[a..].find('>').map_or(r.len(), |b| a + b);
                    r[a..b].to_string()
                }
                _ => {
                    // The requested path: openat(AT_FDCWD</cwd>, "path", ...
                    let a = args.find('"').map_or(0, |a| a + 1);
                    let b = args[a..].find('"').map_or(args.len(), |b| a + b);
                    args[a..b].to_string()
                }
            }
        } else {
            // fsync(5</path>) / sync_file_range(4</path>, ...
            match (args.find('<'), args.find('>')) {
                (Some(a), Some(b)) if b > a => args[a + 1..b].to_string(),
                _ => String::new(),
            }
        };
        let fd = if name == "openat" {
            rest.rfind("= ")
                .and_then(|eq| rest[eq + 2..].split('<').next())
                .and_then(|n| n.trim().parse().ok())
        } else {
            args.split('<').next().and_then(|n| n.trim().parse().ok())
        };
        out.push(Call {
            name: name.to_string(),
            path,
            creates: name == "openat" && args.contains("O_CREAT") && !rest.contains("= -1"),
            dsync: name == "openat" && args.contains("O_DSYNC") && !rest.contains("= -1"),
            fd,
            line: line.to_string(),
        });
    }
    mark_dsync_writes(&mut out);
    out
}

/// Runs coffre as `user` under strace; returns (exit code, stdout, trace text).
fn traced(vault: &Path, user: &str, pass: &str, args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let trace = dir.path().join("trace.txt");
    let out = Command::new("strace")
        .args([
            "-f",
            "-y",
            "-e",
            "trace=fsync,fdatasync,sync_file_range,openat,write,pwrite64",
            "-o",
        ])
        .arg(&trace)
        .arg(COFFRE)
        .args(args)
        .env_remove("COFFRE_NEW_PASSPHRASE")
        .env("COFFRE_VAULT", vault)
        .env("COFFRE_USER", user)
        .env("COFFRE_PASSPHRASE", pass)
        .stdin(Stdio::null())
        .output()
        .expect("cannot run strace");
    let text = std::fs::read_to_string(&trace).unwrap_or_else(|e| {
        panic!(
            "strace wrote no trace ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        text,
    )
}

struct Setup {
    tv: TestVault,
    dossier: String,
    /// The vault directory as strace prints it (symlinks resolved).
    real: PathBuf,
}

fn setup() -> Setup {
    let mut tv = TestVault::new();
    tv.add_staff(DOCTOR, "Docteur Sync", "medecin", true);
    let admin = tv.admin.clone();
    let dossier = tv.create_dossier(&admin, "Dominique Sync", "2011-02-03");
    tv.team_add(&admin, &dossier, DOCTOR);
    // One ordinary write first, so that the traced command is a steady-state one.
    tv.add_entry(DOCTOR, &dossier, "medical", &["text=first note"]);
    let real = std::fs::canonicalize(&tv.dir).expect("canonical vault path");
    Setup { tv, dossier, real }
}

/// Indices of the calls matching `pred`.
fn find(calls: &[Call], pred: impl Fn(&Call) -> bool) -> Vec<usize> {
    calls
        .iter()
        .enumerate()
        .filter(|(_, c)| pred(c))
        .map(|(i, _)| i)
        .collect()
}

fn summary(calls: &[Call], real: &Path) -> String {
    let prefix = real.display().to_string();
    calls
        .iter()
        .filter(|c| c.name != "openat" || c.path.starts_with(&prefix))
        .map(|c| format!("  {}", c.line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The checks shared by both tests, on the trace of one acknowledged `entry add`.
/// Returns the index of the journal's last flush (the reset that ends settling).
fn check_entry_add_trace(calls: &[Call], real: &Path) -> usize {
    let journal = real.join("journal").display().to_string();
    let audit = real.join("audit.log").display().to_string();
    let db = real.join("store").join("db").display().to_string();
    let checkpoints = real.join("checkpoints.log").display().to_string();
    let prefix = real.display().to_string();
    let all = summary(calls, real);

    let ack = find(calls, |c| c.name == "write" && c.path == "stdout");
    let Some(&ack) = ack.first() else {
        panic!("the entry id was never written to standard output:\n{all}");
    };
    let journal_syncs = find(calls, |c| c.is_full_sync() && c.path == journal);

    // The write is acknowledged after exactly one flush, the journal's: no other
    // file of the vault is flushed between it and the acknowledgement.
    let before_ack: Vec<usize> = journal_syncs.iter().copied().filter(|&i| i < ack).collect();
    assert_eq!(
        before_ack.len(),
        1,
        "expected exactly one flush of the journal before the entry id is printed:\n{all}"
    );
    let others = find(calls, |c| {
        c.is_full_sync() && c.path.starts_with(&prefix) && c.path != journal
    });
    assert!(
        !others.iter().any(|&i| i > before_ack[0] && i < ack),
        "another file of the vault was flushed between the journal and the acknowledgement:\n{all}"
    );

    // Closing settles: the logs and sled's data file are flushed, and only
    // then is the journal emptied (its last flush).
    let last = *journal_syncs.last().expect("journal synced");
    assert!(
        last > ack,
        "the journal was not emptied after the command:\n{all}"
    );
    for (name, path) in [
        ("audit.log", &audit),
        ("checkpoints.log", &checkpoints),
        ("store/db", &db),
    ] {
        assert!(
            find(calls, |c| c.is_full_sync() && &c.path == path)
                .iter()
                .any(|&i| i > ack && i < last),
            "{name} was not flushed (fsync/fdatasync) before the journal was emptied:\n{all}"
        );
    }
    // Every time sled pushes data to its file, a real sync of that file follows
    // before the journal is emptied.
    let db_syncs = find(calls, |c| c.is_full_sync() && c.path == db);
    for r in find(calls, |c| c.name == "sync_file_range" && c.path == db) {
        if r > last {
            continue;
        }
        assert!(
            db_syncs.iter().any(|&s| s > r && s < last),
            "sled's sync_file_range at trace line {r} is not followed by an fsync/fdatasync of \
             store/db before the journal is emptied:\n  {}\n{all}",
            calls[r].line
        );
    }
    last
}

#[test]
fn entry_add_is_acknowledged_after_one_journal_flush_and_settled_on_close() {
    if !strace_available() {
        return;
    }
    let s = setup();
    let field = "text=a note that must survive a power cut";
    let (code, stdout, trace) = traced(
        &s.tv.dir,
        DOCTOR,
        s.tv.pass(DOCTOR),
        &[
            "entry", "add", &s.dossier, "--kind", "medical", "--field", field,
        ],
    );
    assert_eq!(code, 0, "entry add under strace failed; trace:\n{trace}");
    assert!(
        stdout.trim().starts_with("e-"),
        "no entry id printed: {stdout:?}"
    );
    let calls = parse_trace(&trace);
    check_entry_add_trace(&calls, &s.real);
}

#[test]
fn entry_add_with_a_large_value_syncs_the_new_blob_file() {
    if !strace_available() {
        return;
    }
    let s = setup();
    // sled writes values over ~128 KiB to their own file in store/blobs/.
    let big: String = (0..300_000u32)
        .map(|i| char::from(b'a' + (i.wrapping_mul(2_654_435_761) >> 27) as u8 % 26))
        .collect();
    let file = s.tv.root.path().join("big-note.txt");
    std::fs::write(&file, &big).expect("write big note");
    let field = format!("text=@{}", file.display());
    let (code, stdout, trace) = traced(
        &s.tv.dir,
        DOCTOR,
        s.tv.pass(DOCTOR),
        &[
            "entry", "add", &s.dossier, "--kind", "medical", "--field", &field,
        ],
    );
    assert_eq!(code, 0, "entry add under strace failed; trace:\n{trace}");
    let id = stdout.trim().to_string();
    assert!(id.starts_with("e-"), "no entry id printed: {stdout:?}");
    let calls = parse_trace(&trace);
    let last = check_entry_add_trace(&calls, &s.real);

    let blobs = s.real.join("store").join("blobs").display().to_string();
    let all = summary(&calls, &s.real);
    let created = find(&calls, |c| {
        c.name == "openat" && c.creates && c.path.starts_with(&format!("{blobs}/"))
    });
    assert!(
        !created.is_empty(),
        "a 300 KB value created no file in store/blobs (did sled's blob threshold change?):\n{all}"
    );
    for &i in &created {
        let path = &calls[i].path;
        let synced = (i + 1..last).any(|j| calls[j].is_full_sync() && &calls[j].path == path);
        assert!(
            synced,
            "new blob {path} was not fsync'ed/fdatasync'ed before the journal was emptied:\n{all}"
        );
        let dir_synced = (i + 1..last).any(|j| calls[j].is_full_sync() && calls[j].path == blobs);
        assert!(
            dir_synced,
            "store/blobs/ was not synced after {path} was created (its directory entry could be lost):\n{all}"
        );
    }

    // And the value reads back whole.
    let r = s.tv.as_user(DOCTOR, &["entry", "show", &id, "--json"]);
    assert_eq!(r.json()["fields"]["text"].as_str(), Some(big.as_str()));
}

#[test]
fn trace_parser_reads_strace_y_lines() {
    // Not strace-dependent: the parser on lines in strace's -f -y format.
    let text = "\
814   openat(AT_FDCWD</tmp>, \"/v/audit.log\", O_RDWR|O_CREAT|O_APPEND|O_CLOEXEC, 0666) = 5</v/audit.log>
814   fdatasync(5</v/audit.log>) = 0
816   sync_file_range(4</v/store/db>, 47069, 24, SYNC_FILE_RANGE_WAIT_BEFORE|SYNC_FILE_RANGE_WRITE <unfinished ...>
816   <... sync_file_range resumed>)    = 0
814   openat(AT_FDCWD</tmp>, \"/v/nope\", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)
814   fsync(4</v/store/db>)     = 0
814   write(2</dev/pts/0>, \"warning\", 7) = 7
814   write(1<pipe:[123]>, \"e-12\\n\", 5) = 5
814   +++ exited with 0 +++
";
    let calls = parse_trace(text);
    let got: Vec<(&str, &str, bool)> = calls
        .iter()
        .map(|c| (c.name.as_str(), c.path.as_str(), c.creates))
        .collect();
    assert_eq!(
        got,
        vec![
            ("openat", "/v/audit.log", true),
            ("fdatasync", "/v/audit.log", false),
            ("sync_file_range", "/v/store/db", false),
            ("openat", "/v/nope", false),
            ("fsync", "/v/store/db", false),
            ("write", "stdout", false),
        ]
    );
}
