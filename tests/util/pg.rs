//! A throw-away PostgreSQL server for the tests: the system's `initdb` and
//! `postgres` in a temporary folder, listening on a Unix socket only, started
//! once per test binary and stopped when the test process ends (a small shell
//! watchdog). PostgreSQL refuses to run as root, so under root the server runs
//! as the `postgres` account (`runuser`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// The running server.
pub struct Server {
    /// Folder of the server's Unix socket.
    pub socket: PathBuf,
    _root: tempfile::TempDir,
}

static SERVER: OnceLock<Server> = OnceLock::new();
static NEXT_DB: AtomicU32 = AtomicU32::new(1);

/// A PostgreSQL program: on the `PATH`, else in Debian's versioned folder.
pub fn bin(name: &str) -> PathBuf {
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin").join(name))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
        .pop()
        .unwrap_or_else(|| panic!("{name} not found: install PostgreSQL (`./test` does)"))
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `cmd` run as the server's account (`postgres` under root).
fn as_server(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// `initdb` of a new cluster in `data` (trust on the socket, UTF-8).
fn initdb(data: &Path) -> std::process::Output {
    as_server(&bin("initdb"))
        .args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-instructions",
            "-D",
        ])
        .arg(data)
        .stdout(Stdio::null())
        .output()
        .expect("initdb")
}

/// The server, started at the first call.
pub fn server() -> &'static Server {
    SERVER.get_or_init(start)
}

// The watchdog shell is never waited for: it outlives this function by
// design, and stops the server once the test process has ended.
#[allow(clippy::zombie_processes)]
fn start() -> Server {
    let root = tempfile::Builder::new()
        .prefix("coffre-pg")
        .tempdir()
        .expect("tempdir");
    let data = root.path().join("data");
    let socket = root.path().join("sock");
    std::fs::create_dir(&socket).unwrap();
    if is_root() {
        let out = Command::new("chown")
            .args(["-R", "postgres:"])
            .arg(root.path())
            .status()
            .expect("chown");
        assert!(out.success(), "chown of the server's folder failed");
    }
    let out = initdb(&data);
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The server stops (fast shutdown) once this test process is gone, and
    // its folder is removed (the `TempDir` of a static is never dropped).
    // Autovacuum is off: its snapshots would make whether a deleted row
    // survives a table's rewrite depend on timing (the erasure tests check
    // what Coffre itself does).
    let script = r#"
"$1" -D "$2" -k "$3" -c listen_addresses= -c fsync=on -c synchronous_commit=on \
    -c max_connections=200 -c autovacuum=off >"$2/../server.log" 2>&1 &
while [ -d "/proc/$4" ]; do sleep 0.3; done
"$5" -D "$2" -m fast -w stop >/dev/null 2>&1
rm -rf "$6"
"#;
    let mut cmd = as_server(Path::new("/bin/sh"));
    cmd.args(["-c", script, "sh"])
        .arg(bin("postgres"))
        .arg(&data)
        .arg(&socket)
        .arg(std::process::id().to_string())
        .arg(bin("pg_ctl"))
        .arg(root.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd.spawn().expect("start postgres");
    let server = Server {
        socket,
        _root: root,
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let ok = psql_raw(&server.socket, "postgres", "SELECT 1").is_ok();
        if ok {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "PostgreSQL did not start: {}",
            std::fs::read_to_string(server._root.path().join("server.log")).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    server
}

fn psql_raw(socket: &Path, db: &str, sql: &str) -> Result<String, String> {
    psql_in(socket, db, &["-c", sql], None)
}

/// `psql` in database `db` with `args` after the common ones, and `stdin`
/// as its input if given.
fn psql_in(socket: &Path, db: &str, args: &[&str], stdin: Option<&[u8]>) -> Result<String, String> {
    let mut cmd = Command::new(bin("psql"));
    cmd.arg("-h")
        .arg(socket)
        .args([
            "-U",
            "postgres",
            "-d",
            db,
            "-X",
            "-A",
            "-t",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
        ])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let mut input = child.stdin.take().expect("stdin");
    let bytes = stdin.unwrap_or_default().to_vec();
    // Written while the output is read: neither pipe fills up.
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut input, &bytes));
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    // psql stops reading at an error: what it did not read is of no use.
    let _ = writer.join();
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// The server's data folder (its files, as the DBA's machine holds them).
pub fn data_dir() -> PathBuf {
    server()._root.path().join("data")
}

/// A name no database of this test process has had.
fn next_name() -> String {
    format!(
        "vault_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::SeqCst)
    )
}

/// An empty database of its own; returns its name.
pub fn new_database() -> String {
    let s = server();
    let name = next_name();
    psql_raw(&s.socket, "postgres", &format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("CREATE DATABASE failed: {e}"));
    name
}

/// A new database holding a copy of database `from`, byte for byte
/// (`CREATE DATABASE … TEMPLATE`, much faster than a dump and a restore);
/// returns its name. Nothing may be connected to `from` meanwhile (the
/// server waits a few seconds for connections that are closing).
pub fn copy_database(from: &str) -> String {
    let s = server();
    let name = next_name();
    psql_raw(
        &s.socket,
        "postgres",
        &format!("CREATE DATABASE {name} TEMPLATE {from}"),
    )
    .unwrap_or_else(|e| panic!("CREATE DATABASE … TEMPLATE {from} failed: {e}"));
    name
}

/// Drops database `name`, closing any connection left to it; never panics
/// (called when a test's copies are dropped, possibly while unwinding).
pub fn drop_database(name: &str) {
    let _ = psql_raw(
        &server().socket,
        "postgres",
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    );
}

/// [`drop_database`] on a thread of its own, one database after another:
/// a drop makes the server write a checkpoint (a second or more while other
/// databases are being copied), which the caller need not wait for. What is
/// left when the test process ends goes with the server's folder.
pub fn drop_database_later(name: &str) {
    static DROPPER: OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<String>>> = OnceLock::new();
    let dropper = DROPPER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            for name in rx {
                drop_database(&name);
            }
        });
        std::sync::Mutex::new(tx)
    });
    let _ = dropper
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send(name.to_string());
}

/// The `--vault` address of database `name`.
pub fn url(name: &str) -> String {
    format!(
        "postgres:///{name}?host={}&user=postgres",
        server().socket.display()
    )
}

/// Runs `sql` with `psql` in database `name` (as the database administrator
/// would); returns the rows, `|`-separated, one per line. Panics on error.
#[track_caller]
pub fn psql(name: &str, sql: &str) -> String {
    psql_raw(&server().socket, name, sql).unwrap_or_else(|e| panic!("psql failed: {e}\n{sql}"))
}

/// Runs the statements of `sql` with `psql` in database `name`, given on its
/// standard input (so of any length; one transaction with `-1`); returns
/// the rows as [`psql`] does. Panics on error.
#[track_caller]
pub fn psql_script(name: &str, sql: &str) -> String {
    psql_in(
        &server().socket,
        name,
        &["-1", "-f", "-"],
        Some(sql.as_bytes()),
    )
    .unwrap_or_else(|e| panic!("psql failed: {e}"))
}

/// Stops the server abruptly (`immediate`: like a crash) and starts it again
/// on the same data and socket.
pub fn restart_immediate() {
    let s = server();
    let data = s._root.path().join("data");
    let out = as_server(&bin("pg_ctl"))
        .args(["-D"])
        .arg(&data)
        .args(["-m", "immediate", "-w", "stop"])
        .output()
        .expect("pg_ctl stop");
    assert!(out.status.success(), "pg_ctl stop failed");
    let out = as_server(&bin("pg_ctl"))
        .arg("-D")
        .arg(&data)
        .arg("-o")
        .arg(format!(
            "-k {} -c listen_addresses= -c max_connections=200 -c autovacuum=off",
            s.socket.display()
        ))
        .arg("-l")
        .arg(s._root.path().join("server2.log"))
        .args(["-w", "start"])
        .output()
        .expect("pg_ctl start");
    assert!(
        out.status.success(),
        "pg_ctl start failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A second server, listening on TCP (127.0.0.1) with TLS only, its
/// certificate (for the name `localhost`) issued by a throw-away authority;
/// stopped when dropped.
pub struct TlsServer {
    /// The TCP port.
    pub port: u16,
    /// The authority that issued the server's certificate (PEM).
    pub ca: PathBuf,
    /// An authority that did not (PEM).
    pub other_ca: PathBuf,
    root: tempfile::TempDir,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = as_server(&bin("pg_ctl"))
            .arg("-D")
            .arg(self.root.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

fn openssl(args: &[&str], dir: &Path) {
    let ok = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl is needed to make test certificates")
        .success();
    assert!(ok, "openssl {args:?} failed");
}

/// Starts a [`TlsServer`].
pub fn tls_server() -> TlsServer {
    let root = tempfile::Builder::new()
        .prefix("coffre-pg-tls")
        .tempdir()
        .expect("tempdir");
    let dir = root.path();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    for name in ["ca", "other-ca"] {
        let mut a = vec!["req", "-x509"];
        a.extend(ec);
        a.extend([
            "-days",
            "1",
            "-subj",
            "/CN=Coffre test authority",
            "-keyout",
        ]);
        let key = format!("{name}.key");
        let pem = format!("{name}.pem");
        a.extend([key.as_str(), "-out", pem.as_str()]);
        openssl(&a, dir);
    }
    let mut a = vec!["req"];
    a.extend(ec);
    a.extend([
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    openssl(&a, dir);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
            "-out",
            "server.crt",
        ],
        dir,
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    if is_root() {
        let ok = Command::new("chown")
            .args(["-R", "postgres:"])
            .arg(dir)
            .status()
            .expect("chown")
            .success();
        assert!(ok);
    }
    std::fs::set_permissions(
        dir.join("server.key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let data = dir.join("data");
    let out = initdb(&data);
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(
        data.join("pg_hba.conf"),
        "hostssl all all 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 reject\n",
    )
    .unwrap();
    let out = as_server(&bin("pg_ctl"))
        .arg("-D")
        .arg(&data)
        .arg("-o")
        .arg(format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c ssl=on \
             -c ssl_cert_file={} -c ssl_key_file={}",
            dir.display(),
            dir.join("server.crt").display(),
            dir.join("server.key").display()
        ))
        .arg("-l")
        .arg(dir.join("server.log"))
        .args(["-w", "start"])
        .output()
        .expect("pg_ctl start");
    assert!(
        out.status.success(),
        "TLS server did not start: {}",
        std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
    );
    TlsServer {
        port,
        ca: dir.join("ca.pem"),
        other_ca: dir.join("other-ca.pem"),
        root,
    }
}
