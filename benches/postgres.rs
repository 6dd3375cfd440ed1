//! PostgreSQL benchmark: what a vault in a database costs over plain
//! PostgreSQL, measured side by side in one run, on a throw-away server this
//! benchmark starts (the system's `initdb` and `postgres`, Unix socket).
//!
//! 1. **W1**: `Session::add_entry` of a ~1 KiB note (one transaction: the
//!    sealed entry, its audit line, the log's new end, the index) against a
//!    plain `INSERT` of the same number of bytes in its own transaction, in
//!    alternating rounds.
//! 2. **R1**: `Session::show_dossier` of a 100-entry dossier (decrypted, the
//!    read audited in its own transaction) against a plain `SELECT` of 100
//!    rows of the same size in one transaction, alternating.
//! 3. **W1 with four concurrent writers**: four processes, each writing into
//!    its own dossier of the same vault; throughput and p95 latency, against
//!    one writer alone.
//!
//! `cargo bench --bench postgres`. Environment: `COFFRE_BENCH_PG_WRITES` (W1
//! writes per side, default 300), `COFFRE_BENCH_PG_READS` (R1 reads per side,
//! default 31), `COFFRE_BENCH_PG_CONCURRENT` (writes per concurrent writer,
//! default 150). Staff keys use the fast test key derivation.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use coffre::{FieldInput, Vault};
use secrecy::SecretString;

#[path = "../tests/util/library.rs"]
mod library;
#[path = "../tests/util/pg.rs"]
#[allow(dead_code)]
mod pg;

const PASS: &str = "bench-passphrase";
const CHILD: &str = "COFFRE_BENCH_PG_CHILD";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// About 1 KiB of text, different for every call.
fn note(i: usize) -> String {
    let mut s = format!("Observation {i} : ");
    while s.len() < 1000 {
        s.push_str("journée calme, repas pris, activité d'atelier suivie. ");
    }
    s.truncate(1000);
    s
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A child process: `n` writes into `dossier`, printing each latency (µs).
fn child(spec: &str) {
    let mut parts = spec.splitn(3, '\t');
    let (url, dossier, n) = (
        parts.next().unwrap().to_string(),
        parts.next().unwrap().to_string(),
        parts.next().unwrap().parse::<usize>().unwrap(),
    );
    let v = Vault::open(&PathBuf::from(url)).expect("open");
    let mut s = v.unlock("doc", &SecretString::from(PASS)).expect("unlock");
    let mut out = String::new();
    for i in 0..n {
        let t = Instant::now();
        s.add_entry(&dossier, "medical", &[FieldInput::new("text", &note(i))])
            .expect("write");
        out.push_str(&format!("{}\n", t.elapsed().as_micros()));
    }
    print!("{out}");
}

/// Runs `writers` processes at once, `n` writes each; (writes/s, p95 ms).
fn concurrent(url: &str, dossiers: &[String], n: usize) -> (f64, f64) {
    let exe = std::env::current_exe().expect("this benchmark");
    let t = Instant::now();
    let children: Vec<_> = dossiers
        .iter()
        .map(|d| {
            Command::new(&exe)
                .env(CHILD, format!("{url}\t{d}\t{n}"))
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawn a writer")
        })
        .collect();
    let mut lat = Vec::new();
    for c in children {
        let out = c.wait_with_output().expect("writer");
        assert!(out.status.success(), "a writer failed");
        lat.extend(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|l| l.parse::<f64>().unwrap() / 1000.0),
        );
    }
    let wall = t.elapsed().as_secs_f64();
    (lat.len() as f64 / wall, percentile(&mut lat, 0.95))
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        child(&spec);
        return;
    }
    let writes = env_usize("COFFRE_BENCH_PG_WRITES", 300);
    let reads = env_usize("COFFRE_BENCH_PG_READS", 31);
    let per_writer = env_usize("COFFRE_BENCH_PG_CONCURRENT", 150);
    let pass = SecretString::from(PASS);

    eprintln!("starting PostgreSQL");
    let name = pg::new_database();
    let url = pg::url(&name);
    let v = library::library_vault(&PathBuf::from(&url), PASS, &[("doc", "medecin")]);
    let dossiers: Vec<String> = {
        let mut s = v.unlock("dir", &pass).expect("unlock the director");
        (0..6)
            .map(|i| {
                let d = s
                    .create_dossier(&format!("Personne {i}"), "2010-01-01")
                    .expect("dossier");
                s.add_team_member(&d, "doc").expect("team");
                d
            })
            .collect()
    };
    // Plain PostgreSQL, same server, same socket, same commit settings.
    let mut plain = postgres::Client::connect(
        &format!(
            "host={} user=postgres dbname={name} options='-c synchronous_commit=on'",
            pg::server().socket.display()
        ),
        postgres::NoTls,
    )
    .expect("plain connection");
    plain
        .batch_execute("CREATE TABLE plain (id bigserial PRIMARY KEY, k bytea, v bytea)")
        .expect("plain table");
    let insert = plain
        .prepare("INSERT INTO plain (k, v) VALUES ($1, $2)")
        .expect("prepare");

    // ---- W1, alternating rounds.
    let mut s = v.unlock("doc", &pass).expect("unlock the doctor");
    let (mut w_vault, mut w_plain) = (Vec::new(), Vec::new());
    let rounds = 6;
    for r in 0..rounds {
        eprintln!("W1 round {}/{rounds}", r + 1);
        for i in 0..writes / rounds {
            let text = note(r * 10_000 + i);
            let t = Instant::now();
            s.add_entry(&dossiers[0], "medical", &[FieldInput::new("text", &text)])
                .expect("write");
            w_vault.push(ms(t.elapsed()));
        }
        for i in 0..writes / rounds {
            let text = note(r * 10_000 + i);
            let t = Instant::now();
            plain
                .execute(
                    &insert,
                    &[&format!("e/{r}/{i}").into_bytes(), &text.into_bytes()],
                )
                .expect("insert");
            w_plain.push(ms(t.elapsed()));
        }
    }
    // ---- R1: a 100-entry dossier, alternating with a plain 100-row select.
    eprintln!("R1: writing the 100-entry dossier");
    for i in 0..100 {
        s.add_entry(
            &dossiers[1],
            "medical",
            &[FieldInput::new("text", &note(i))],
        )
        .expect("write");
    }
    let (mut r_vault, mut r_plain) = (Vec::new(), Vec::new());
    for _ in 0..reads {
        let t = Instant::now();
        let view = s.show_dossier(&dossiers[1], None).expect("read");
        r_vault.push(ms(t.elapsed()));
        assert_eq!(view.entries.len(), 100);
        let t = Instant::now();
        let mut tx = plain.transaction().expect("tx");
        let rows = tx
            .query("SELECT k, v FROM plain ORDER BY id LIMIT 100", &[])
            .expect("select");
        tx.commit().expect("commit");
        r_plain.push(ms(t.elapsed()));
        assert_eq!(rows.len(), 100);
    }
    drop(s);
    drop(v);

    // ---- Four writers at once, against one alone.
    eprintln!("W1 with one writer, then four at once");
    let (one_rate, one_p95) = concurrent(&url, &dossiers[2..3], per_writer);
    let (four_rate, four_p95) = concurrent(&url, &dossiers[2..6], per_writer);

    let (wv, wp) = (median(&mut w_vault), median(&mut w_plain));
    let (rv, rp) = (median(&mut r_vault), median(&mut r_plain));
    println!("| measure | vault in PostgreSQL | plain PostgreSQL | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| W1 1 KiB note, one transaction each ({} writes per side, {rounds} alternating rounds) | median {wv:.2} ms ({:.0}/s) | INSERT of 1 KiB, autocommit: median {wp:.2} ms ({:.0}/s) | {:.2}× the time |",
        w_vault.len(),
        1000.0 / wv,
        1000.0 / wp,
        wv / wp
    );
    println!(
        "| R1 100-entry dossier read, decrypted, audited in its own transaction ({reads} reads per side) | median {rv:.2} ms | SELECT of 100 rows of 1 KiB in one transaction: median {rp:.2} ms | {:.2}× the time |",
        rv / rp
    );
    println!(
        "| W1, four processes writing at once ({per_writer} writes each) | {four_rate:.0}/s, p95 {four_p95:.2} ms | one process alone: {one_rate:.0}/s, p95 {one_p95:.2} ms | {:.2}× the throughput |",
        four_rate / one_rate
    );
}
