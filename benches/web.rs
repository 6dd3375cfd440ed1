//! Web benchmark: what `coffre serve` costs over the library, measured side by side
//! in one run.
//!
//! 1. **The first page of a long dossier** (2,000 notes unless told otherwise;
//!    `GET /dossiers/{id}`, the whole HTML page, 50 notes to a page,
//!    over a fresh loopback connection, the read audited durably by the server)
//!    against the library's R1 read of the same dossier (`Session::show_dossier`,
//!    decrypted, audited durably) on an identical copy of the vault. Reads alternate
//!    between the two, so both see the same disk and the same neighbours. Goal:
//!    web ≤ 1.5 × library + 2 ms (medians).
//! 2. **20 logged-in users at once**: 20 members, each logged in through the login
//!    form (`POST /login` with its CSRF token and `Origin`), each reading dossiers
//!    of their care team in a loop from their own thread (the load generator, one
//!    fresh connection per request). Throughput, p50/p95 latency, and the server's
//!    resident memory per open session (`VmRSS` after the 20 logins minus before,
//!    over 20).
//!
//! `cargo bench --bench web`. Environment: `COFFRE_BENCH_WEB_NOTES` (the long
//! dossier's notes, default 2000), `COFFRE_BENCH_WEB_READS` (part 1's reads
//! per side, default 21), `COFFRE_BENCH_WEB_REQUESTS` (part 2's requests per user,
//! default 40), `COFFRE_BENCH_DIR` (where the vaults are built; default a temporary
//! directory). Staff keys use the fast test key derivation, so logins do not
//! dominate; the reads themselves are what is measured.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use coffre::{FieldInput, Vault};
use secrecy::SecretString;

#[path = "../tests/util/http.rs"]
mod http;
#[path = "../tests/util/library.rs"]
mod library;

use http::{http, login, Server};

const PASS: &str = "bench-passphrase";
const USERS: usize = 20;
const PROFESSIONS: [&str; 5] = [
    "medecin",
    "infirmier",
    "psychologue",
    "assistant-social",
    "educateur-specialise",
];
/// (writer, kind) in rotation.
const WRITERS: [(&str, &str); 4] = [
    ("soc", "social"),
    ("edu", "educational"),
    ("edu", "daily-life"),
    ("doc", "medical"),
];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A field of about 200 bytes, different for every entry.
fn text(i: usize) -> String {
    let mut s = format!("note {i:06}:");
    let mut k = (i as u64).wrapping_mul(2_654_435_761);
    while s.len() < 200 {
        k = k.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        s.push_str(
            [" journée", " atelier", " repas", " échange", " projet"][(k >> 33) as usize % 5],
        );
    }
    s
}

fn staff_id(i: usize) -> String {
    format!("u{i:02}")
}

/// The vault: the writers, `USERS` readers, one dossier of `notes` entries and
/// `USERS` dossiers of 20; everyone in every care team.
fn build(dir: &Path, notes: usize) -> (String, Vec<String>) {
    let pass = SecretString::from(PASS);
    let mut members: Vec<(String, &str)> = vec![
        ("soc".into(), "assistant-social"),
        ("edu".into(), "educateur-specialise"),
        ("doc".into(), "medecin"),
    ];
    for i in 0..USERS {
        members.push((staff_id(i), PROFESSIONS[i % PROFESSIONS.len()]));
    }
    let list: Vec<(&str, &str)> = members.iter().map(|(id, p)| (id.as_str(), *p)).collect();
    let vault = library::library_vault(dir, PASS, &list);
    let (big, small) = {
        let mut d = vault.unlock("dir", &pass).expect("unlock dir");
        let mut dossiers = Vec::new();
        for i in 0..=USERS {
            let id = d
                .create_dossier(&format!("Personne Bench{i}"), "2000-01-01")
                .expect("dossier");
            for (m, _) in &members {
                d.add_team_member(&id, m).expect("team");
            }
            dossiers.push(id);
        }
        let big = dossiers.remove(0);
        (big, dossiers)
    };
    let mut writers: Vec<_> = ["soc", "edu", "doc"]
        .iter()
        .map(|id| (*id, vault.unlock(id, &pass).expect("unlock")))
        .collect();
    let mut write = |d: &str, n: usize| {
        for i in 0..n {
            let (who, kind) = WRITERS[i % WRITERS.len()];
            let s = &mut writers.iter_mut().find(|(id, _)| *id == who).expect("w").1;
            s.add_entry(d, kind, &[FieldInput::new("text", &text(i))])
                .expect("add entry");
        }
    };
    write(&big, notes);
    for d in &small {
        write(d, 20);
    }
    (big, small)
}

fn copy_dir(from: &Path, to: &Path) {
    let ok = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp");
    assert!(ok.success(), "copying the vault failed");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn main() {
    let notes = env_usize("COFFRE_BENCH_WEB_NOTES", 2000).max(10);
    let reads = env_usize("COFFRE_BENCH_WEB_READS", 21).max(1);
    let per_user = env_usize("COFFRE_BENCH_WEB_REQUESTS", 40).max(1);
    let tmp = match std::env::var_os("COFFRE_BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d),
        None => tempfile::tempdir(),
    }
    .expect("temp dir");
    let lib_dir = tmp.path().join("vault-lib");
    let web_dir = tmp.path().join("vault-web");
    let t = Instant::now();
    let (big, small) = build(&lib_dir, notes);
    copy_dir(&lib_dir, &web_dir);
    println!(
        "built two identical vaults in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let server = Server::start(&web_dir, &tmp.path().join("serve.log"));
    let rss_before = server.rss_kib();

    // ---- 1. the first page of the long dossier against the library's read.
    let vault = Vault::open(&lib_dir).expect("open the library's copy");
    let pass = SecretString::from(PASS);
    let mut lib_session = vault.unlock("soc", &pass).expect("unlock soc");
    let cookie = login(&server.host, "soc", PASS);
    let page = format!("/dossiers/{big}");
    let (mut lib, mut web) = (Vec::new(), Vec::new());
    let mut page_bytes = 0;
    let mut page_notes = 0;
    for i in 0..reads + 2 {
        let t = Instant::now();
        let view = lib_session.show_dossier(&big, None).expect("library read");
        let l = t.elapsed();
        assert_eq!(view.entries.len(), notes, "library entries");
        let t = Instant::now();
        let (status, _, body) = http(&server.host, "GET", &page, &[("Cookie", &cookie)], "");
        let w = t.elapsed();
        assert_eq!(status, 200, "dossier page");
        // Newest first; notes of the same second are in the order of their
        // ids, so the very last one may be further down the first page.
        assert!(
            !body.contains("note 000000:") && body.contains("<article class=\"entry\""),
            "the page shows the dossier's latest notes, not its first"
        );
        page_bytes = body.len();
        page_notes = body.matches("<article class=\"entry\"").count();
        if i >= 2 {
            // The first two of each warm caches.
            lib.push(l);
            web.push(w);
        }
    }
    drop(lib_session);
    drop(vault);
    let (l, w) = (median(&mut lib), median(&mut web));
    let goal = ms(l) * 1.5 + 2.0;
    println!();
    println!("| measure | library R1 | web page | ratio web / library | goal |");
    println!("|---|---|---|---|---|");
    println!(
        "| {notes}-entry dossier, first page, median of {reads} reads each (page {} KiB, {page_notes} notes; goal ≤ 100 KB: {}) | {:.2} ms | {:.2} ms | {:.2} | web ≤ 1.5 × library + 2 ms = {:.2} ms: {} |",
        page_bytes / 1024,
        if page_bytes <= 100_000 { "met" } else { "not met" },
        ms(l),
        ms(w),
        ms(w) / ms(l),
        goal,
        if ms(w) <= goal { "met" } else { "not met" }
    );

    // ---- 2. 20 users at once.
    let cookies: Vec<String> = (0..USERS)
        .map(|i| login(&server.host, &staff_id(i), PASS))
        .collect();
    let rss_sessions = server.rss_kib();
    let log_lines = || {
        std::fs::read(web_dir.join("audit.log"))
            .map(|b| b.iter().filter(|c| **c == b'\n').count())
            .unwrap_or(0)
    };
    let lines_before = log_lines();
    let barrier = Arc::new(Barrier::new(USERS + 1));
    let small = Arc::new(small);
    let threads: Vec<_> = cookies
        .into_iter()
        .enumerate()
        .map(|(i, cookie)| {
            let (barrier, small, host) = (barrier.clone(), small.clone(), server.host.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let mut lat = Vec::with_capacity(per_user);
                for k in 0..per_user {
                    let d = &small[(i + k) % small.len()];
                    let t = Instant::now();
                    let (status, _, _) = http(
                        &host,
                        "GET",
                        &format!("/dossiers/{d}"),
                        &[("Cookie", &cookie)],
                        "",
                    );
                    lat.push(t.elapsed());
                    assert_eq!(status, 200, "user {i} reading {d}");
                }
                lat
            })
        })
        .collect();
    barrier.wait();
    let t = Instant::now();
    let mut all: Vec<Duration> = threads
        .into_iter()
        .flat_map(|h| h.join().expect("load thread"))
        .collect();
    let elapsed = t.elapsed();
    let rss_after = server.rss_kib();
    let n = all.len();
    let audited = log_lines() - lines_before;
    assert!(
        audited >= n,
        "every page read is audited: {audited} lines for {n} reads"
    );
    let (p50, p95) = (percentile(&mut all, 0.5), percentile(&mut all, 0.95));
    println!();
    println!("| {USERS} users at once, {per_user} reads of 20-entry dossiers each | figure |");
    println!("|---|---|");
    println!(
        "| requests | {n} in {:.2} s, {audited} audit entries written (each read audited before its page is sent) |",
        elapsed.as_secs_f64()
    );
    println!(
        "| throughput | {:.0} dossier pages/s |",
        n as f64 / elapsed.as_secs_f64()
    );
    println!(
        "| latency p50 / p95 | {:.2} ms / {:.2} ms (p95/p50 = {:.2}) |",
        ms(p50),
        ms(p95),
        ms(p95) / ms(p50)
    );
    println!(
        "| server memory | {:.1} MiB before logins, {:.1} MiB with {USERS} sessions, {:.1} MiB after the reads |",
        rss_before as f64 / 1024.0,
        rss_sessions as f64 / 1024.0,
        rss_after as f64 / 1024.0
    );
    println!(
        "| memory per session | {:.0} KiB ((with sessions − before) / {}: the {USERS} users and part 1's member) |",
        (rss_sessions.saturating_sub(rss_before)) as f64 / (USERS + 1) as f64,
        USERS + 1
    );
}
