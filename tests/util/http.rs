//! A small HTTP/1.1 client for `coffre serve` without a browser: start the
//! server, send one request per connection, log in through the form (its
//! CSRF token and cookie, with `Origin`). Used by the web benchmark and the
//! tests of several sites on one vault.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A `coffre serve` process on a free loopback port; killed when dropped.
pub struct Server {
    /// The process.
    pub child: Child,
    /// `127.0.0.1:PORT`.
    pub host: String,
}

impl Server {
    /// Starts `coffre serve` on the vault at `vault` (a folder or a database
    /// address), its log into `log`.
    pub fn start(vault: &Path, log: &Path) -> Server {
        Self::start_with(vault, log, &[])
    }

    /// [`Server::start`] with more arguments for `coffre serve` (`--lang en`).
    pub fn start_with(vault: &Path, log: &Path, extra: &[&str]) -> Server {
        Self::start_with_env(vault, log, extra, &[])
    }

    /// [`Server::start`] with more arguments and these environment variables
    /// besides (`COFFRE_LANG`…).
    pub fn start_with_env(
        vault: &Path,
        log: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_coffre"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env_remove("COFFRE_LANG")
            .env_remove("COFFRE_USER")
            .env_remove("COFFRE_PASSPHRASE")
            .env("COFFRE_VAULT", vault)
            .env("LANG", "C")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).expect("log"))
            .spawn()
            .expect("coffre serve");
        let mut out = child.stdout.take().expect("stdout");
        let mut line = Vec::new();
        let mut b = [0u8; 1];
        while out.read(&mut b).map(|n| n == 1).unwrap_or(false) && b[0] != b'\n' {
            line.push(b[0]);
        }
        let url = String::from_utf8_lossy(&line).trim().to_string();
        let host = url
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("no URL printed: {url:?}"))
            .trim_end_matches('/')
            .to_string();
        Server { child, host }
    }

    /// The server's resident memory, KiB.
    pub fn rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse().ok())
            })
            .unwrap_or(0)
    }
}

impl Server {
    /// Stops the server as systemd does (SIGTERM): it ends every session,
    /// then exits. Returns its exit code (-1 if it had to be killed after 30
    /// seconds, or died of a signal).
    pub fn stop(&mut self) -> i32 {
        // SAFETY: kill(2) with a child's pid and a valid signal number.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s.code().unwrap_or(-1);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        -1
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request over a fresh connection: (status, raw head, body).
pub fn http(
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut s = TcpStream::connect(host).expect("connect");
    // A server that stops answering fails the test instead of hanging it.
    s.set_read_timeout(Some(std::time::Duration::from_secs(120)))
        .expect("read timeout");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST" {
        req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("receive");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

/// A form's fields, `application/x-www-form-urlencoded`: every byte but
/// ASCII letters and digits percent-encoded.
pub fn form(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A form posted by a logged-in browser: its session cookie and this
/// server's `Origin`, the fields encoded with [`form`].
pub fn post(
    host: &str,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let origin = format!("http://{host}");
    http(
        host,
        "POST",
        path,
        &[("Cookie", cookie), ("Origin", &origin)],
        &form(fields),
    )
}

/// The `Location` a response head sends the browser to.
pub fn location(head: &str) -> Option<String> {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.trim().to_string())
}

/// The value of the first `csrf` input of a page.
pub fn csrf(body: &str) -> Option<String> {
    body.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(str::to_string)
}

/// The value of cookie `name` set by a response head.
pub fn set_cookie(head: &str, name: &str) -> Option<String> {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| {
            v.trim()
                .strip_prefix(&format!("{name}="))
                .map(str::to_string)
        })
        .map(|v| v.split(';').next().unwrap_or("").to_string())
        .find(|v| !v.is_empty())
}

/// Logs in through the form; returns the `Cookie` header of the session.
pub fn login(host: &str, user: &str, pass: &str) -> String {
    login_at(host, "/login", &[("user", user), ("passphrase", pass)])
        .unwrap_or_else(|(status, head)| panic!("login of {user}: {status} {head}"))
}

/// Logs in through the form at `path` (`/login`, or `/moi/login` for the
/// person) with these fields besides the CSRF token: the `Cookie` header of
/// the session, or the answer's status and head when it opened none.
pub fn login_at(host: &str, path: &str, fields: &[(&str, &str)]) -> Result<String, (u16, String)> {
    let (status, head, body) = http(host, "GET", path, &[], "");
    assert_eq!(status, 200, "GET {path}");
    let nonce = set_cookie(&head, "__Host-coffre-login").expect("login cookie");
    let token = csrf(&body).expect("csrf field");
    let cookie = format!("__Host-coffre-login={nonce}");
    let mut all = fields.to_vec();
    all.push(("csrf", &token));
    let (status, head, _) = post(host, path, &cookie, &all);
    match set_cookie(&head, "__Host-coffre") {
        Some(session) if status == 303 => Ok(format!("__Host-coffre={session}")),
        _ => Err((status, head)),
    }
}
