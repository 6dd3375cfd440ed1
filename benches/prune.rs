//! Prune benchmark: `audit prune --yes` of a log of 1,000,000 entries dated two
//! years back (time and peak memory: the covered set, the signed fact, the lines
//! rewritten through the journal, the index records removed, the store rewritten),
//! measured side by side in one run with a plain rewrite of the same file (read
//! it line by line, write a copy, fsync), and the ratio of the two.
//!
//! `cargo bench --bench prune`. Size: `COFFRE_BENCH_PRUNE_ENTRIES=1000000`
//! (default). Where the vault is built: `COFFRE_BENCH_DIR` (default: a temporary
//! directory). Needs `gcc`: the vault is built by this program run again under a
//! clock set two years back (an `LD_PRELOAD` shim, as in the tests). Each phase
//! runs in its own process, which reports its own peak resident size (`VmHWM`).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use coffre::audit::Draft;
use coffre::crypto::kdf::KdfParams;
use coffre::{InitOptions, Vault};
use secrecy::SecretString;

#[path = "../tests/util/clock.rs"]
#[allow(dead_code)]
mod clock;

const PASS: &str = "bench-passphrase";

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn build(dir: &Path, n: usize) {
    let (vault, _) = Vault::init(
        dir,
        InitOptions {
            establishment: "Bench".into(),
            admin_id: "dir".into(),
            admin_name: "Director".into(),
            admin_profession: "directeur".into(),
            admin_passphrase: SecretString::from(PASS),
            kdf: KdfParams::INSECURE_FAST,
            policy: None,
            recovery: None,
        },
    )
    .expect("init");
    let mut done = 0;
    while done < n {
        let k = (n - done).min(10_000);
        let drafts = (done..done + k)
            .map(|i| {
                Draft::new(
                    &format!("s{}", i % 50),
                    "educateur-specialise",
                    "dossier.read",
                )
                .dossier(&format!("d-{:010x}", i % 2000))
                .categories(["daily-life", "social"])
            })
            .collect();
        vault.audit_batch(drafts).expect("audit");
        done += k;
    }
    vault.settle().expect("settle");
}

fn prune(dir: &Path) {
    let vault = Vault::open(dir).expect("open");
    {
        let mut s = vault
            .unlock("dir", &SecretString::from(PASS))
            .expect("unlock");
        let plan = s
            .audit_prune(coffre::vault::PruneOptions {
                yes: true,
                confirm_clock: true,
                beyond_export: true,
            })
            .expect("prune");
        assert!(plan.done, "nothing pruned");
        eprintln!("pruned {}", plan.count);
        s.checkpoint().expect("checkpoint");
    }
    vault.close().expect("close and rewrite the store");
}

fn rewrite(dir: &Path) {
    let src = BufReader::new(std::fs::File::open(dir.join("audit.log")).expect("open"));
    let out = std::fs::File::create(dir.join("audit.log.copy")).expect("create");
    let mut w = BufWriter::new(&out);
    for line in src.split(b'\n') {
        let mut line = line.expect("read");
        line.push(b'\n');
        w.write_all(&line).expect("write");
    }
    w.flush().expect("flush");
    drop(w);
    out.sync_all().expect("sync");
}

/// Runs this program as `phase` on `dir`; returns (seconds, peak KiB).
fn phase(phase: &str, dir: &Path, clock: Option<(&Path, i64)>) -> (f64, u64) {
    let mut c = Command::new(std::env::current_exe().expect("self"));
    c.env("COFFRE_BENCH_PRUNE_PHASE", phase)
        .env("COFFRE_BENCH_PRUNE_VAULT", dir);
    if let Some((lib, offset)) = clock {
        c.env("LD_PRELOAD", lib)
            .env("FAKE_OFFSET", offset.to_string());
    }
    let out = c.output().expect("run phase");
    assert!(
        out.status.success(),
        "{phase}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace();
    let secs: f64 = it.next().and_then(|s| s.parse().ok()).expect("time");
    let kib: u64 = it.next().and_then(|s| s.parse().ok()).expect("memory");
    (secs, kib)
}

fn main() {
    let n: usize = std::env::var("COFFRE_BENCH_PRUNE_ENTRIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    if let Ok(p) = std::env::var("COFFRE_BENCH_PRUNE_PHASE") {
        let dir = PathBuf::from(std::env::var("COFFRE_BENCH_PRUNE_VAULT").expect("vault"));
        let start = Instant::now();
        match p.as_str() {
            "build" => build(&dir, n),
            "prune" => prune(&dir),
            "rewrite" => rewrite(&dir),
            other => panic!("unknown phase {other}"),
        }
        println!("{} {}", start.elapsed().as_secs_f64(), peak_kib());
        return;
    }
    let base =
        std::env::var("COFFRE_BENCH_DIR").map_or_else(|_| std::env::temp_dir(), PathBuf::from);
    let root = tempfile::Builder::new()
        .prefix("coffre-prune-bench")
        .tempdir_in(base)
        .expect("tempdir");
    let lib = clock::shim(root.path());
    let dir = root.path().join("vault");
    let (build_s, _) = phase("build", &dir, Some((&lib, -2 * 365 * 86_400)));
    let size = std::fs::metadata(dir.join("audit.log")).map_or(0, |m| m.len());
    let (rw_s, rw_kib) = phase("rewrite", &dir, None);
    let (pr_s, pr_kib) = phase("prune", &dir, None);
    println!(
        "prune benchmark: {n} entries, audit.log {} MiB (built in {build_s:.1} s)",
        size >> 20
    );
    println!("| | time (s) | peak memory (MiB) |");
    println!("|---|---|---|");
    println!(
        "| plain rewrite of audit.log | {rw_s:.2} | {:.1} |",
        rw_kib as f64 / 1024.0
    );
    println!(
        "| audit prune --yes (with store rewrite) | {pr_s:.2} | {:.1} |",
        pr_kib as f64 / 1024.0
    );
    println!(
        "| ratio prune / rewrite | {:.1} | {:.1} |",
        pr_s / rw_s.max(1e-9),
        pr_kib as f64 / (rw_kib.max(1)) as f64
    );
}
