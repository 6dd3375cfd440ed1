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
        .unwrap_or_else(|| panic!("{name} not found: install PostgreSQL (.ci/run does)"))
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
    // its folder is removed (the static holding it is never dropped: each
    // run of a test binary would leave its databases behind). Autovacuum is off: its snapshots would make whether a deleted row
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
    let out = Command::new(bin("psql"))
        .arg("-h")
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
            "-c",
            sql,
        ])
        .output()
        .map_err(|e| e.to_string())?;
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

/// An empty database of its own; returns its name.
pub fn new_database() -> String {
    let s = server();
    let name = format!(
        "vault_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::SeqCst)
    );
    psql_raw(&s.socket, "postgres", &format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("CREATE DATABASE failed: {e}"));
    name
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
