//! Audit benchmark: verification throughput and one-dossier query latency on a
//! generated log, side by side with a plain SHA-256 pass over the same bytes.
//!
//! `cargo bench --bench audit` (1,000,000 entries; set COFFRE_BENCH_ENTRIES to
//! change). Prints absolute figures and the ratios the goals are stated in.

use std::time::{Duration, Instant};

use coffre::audit::{Draft, Filter, Outcome};
use coffre::crypto::kdf::KdfParams;
use coffre::crypto::wrap::Identity;
use coffre::{InitOptions, NewStaff, Vault};
use secrecy::SecretString;

const DOSSIERS: u64 = 1000;
const ACTORS: u64 = 50;
const BATCH: u64 = 10_000;

fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..n {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        last = Some(v);
    }
    (best, last.expect("n > 0"))
}

fn main() {
    let n: u64 = std::env::var("COFFRE_BENCH_ENTRIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("vault");
    let pass = SecretString::from("bench-passphrase");
    let recovery = Identity::generate();
    let recovery_text = recovery.to_secret_string();
    let (vault, _) = Vault::init(
        &dir,
        InitOptions {
            establishment: "Bench".into(),
            admin_id: "dir".into(),
            admin_name: "Director".into(),
            admin_profession: "directeur".into(),
            admin_passphrase: pass.clone(),
            kdf: KdfParams::INSECURE_FAST,
            policy: None,
            recovery: Some(recovery),
        },
    )
    .expect("init");
    let recovery =
        Identity::parse(secrecy::ExposeSecret::expose_secret(&recovery_text)).expect("id");
    vault
        .unlock("dir", &pass)
        .expect("unlock")
        .add_staff(
            &NewStaff {
                id: "dpo",
                name: "DPO",
                profession: "dpo",
                passphrase: &pass,
            },
            Some(&recovery),
        )
        .expect("dpo");

    println!("generating {n} audit entries ({DOSSIERS} dossiers, {ACTORS} actors, a signed checkpoint every {BATCH}) …");
    let t = Instant::now();
    let mut signer = vault.unlock("dpo", &pass).expect("unlock dpo");
    let mut seq = 0u64;
    while seq < n {
        let k = BATCH.min(n - seq);
        let drafts: Vec<Draft> = (seq..seq + k)
            .map(|i| {
                let mut d = Draft::new(
                    &format!("staff{}", i % ACTORS),
                    "educateur-specialise",
                    "dossier.read",
                )
                .dossier(&format!("d-{:010x}", (i * 7919) % DOSSIERS))
                .categories(["identity", "daily-life", "educational"]);
                if i % 97 == 0 {
                    d = d
                        .outcome(Outcome::Denied)
                        .detail("you are not in the care team");
                }
                d
            })
            .collect();
        vault.audit_batch(drafts).expect("append");
        signer.checkpoint().expect("checkpoint");
        seq += k;
    }
    drop(signer);
    println!("  generated in {:.1} s", t.elapsed().as_secs_f64());

    let log_path = dir.join("audit.log");
    let bytes = std::fs::metadata(&log_path).expect("log").len();

    // Baseline: read the same file and SHA-256 it in one pass.
    let (base, _) = best_of(3, || {
        let data = std::fs::read(&log_path).expect("read");
        ring::digest::digest(&ring::digest::SHA256, &data)
    });
    // Coffre: full verification (every line, link, leaf, Merkle root at every
    // checkpoint, every signature, the recorded state).
    let (ver, summary) = best_of(3, || vault.verify_audit(None).expect("verify"));
    assert!(summary.entries >= n, "entries verified");

    // One-dossier query through the library (includes auditing the read itself,
    // with its fdatasync, and the checkpoint when the session ends).
    let mut s = vault.unlock("dpo", &pass).expect("unlock dpo");
    let mut lat = Vec::new();
    let mut rows = 0;
    for q in 0..21u64 {
        let f = Filter {
            dossier: Some(format!("d-{:010x}", (q * 37) % DOSSIERS)),
            ..Filter::default()
        };
        let t = Instant::now();
        rows = s.audit_log(&f).expect("query").len();
        lat.push(t.elapsed());
    }
    drop(s);
    lat.sort();
    let median = lat[lat.len() / 2];
    let worst = lat[lat.len() - 1];

    // Same query through the CLI, as a new process (open, unlock, query, checkpoint).
    drop(vault);
    let dossier = "d-0000000000";
    let mut cli = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_coffre"))
            .args(["--vault"])
            .arg(&dir)
            .args([
                "--user",
                "dpo",
                "--json",
                "audit",
                "log",
                "--dossier",
                dossier,
            ])
            .env("COFFRE_PASSPHRASE", "bench-passphrase")
            .output()
            .expect("run coffre");
        cli.push(t.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    cli.sort();

    let mb = bytes as f64 / 1e6;
    let eps = |d: Duration| n as f64 / d.as_secs_f64();
    println!();
    println!("| measure | value |");
    println!("|---|---|");
    println!("| log size | {n} entries, {mb:.0} MB |");
    println!(
        "| plain SHA-256 pass (read + hash) | {:.3} s, {:.0} entries/s, {:.0} MB/s |",
        base.as_secs_f64(),
        eps(base),
        mb / base.as_secs_f64()
    );
    println!(
        "| coffre audit verify (library) | {:.3} s, {:.0} entries/s, {:.0} MB/s |",
        ver.as_secs_f64(),
        eps(ver),
        mb / ver.as_secs_f64()
    );
    println!(
        "| **ratio verify / SHA-256 pass** | **{:.2}×** (goal ≤ 2×) |",
        ver.as_secs_f64() / base.as_secs_f64()
    );
    println!("| one-dossier query, library ({rows} rows) | median {:.1} ms, worst {:.1} ms (goal < 50 ms) |", median.as_secs_f64() * 1e3, worst.as_secs_f64() * 1e3);
    println!(
        "| same query, `coffre audit log --dossier` process | median {:.1} ms, worst {:.1} ms |",
        cli[cli.len() / 2].as_secs_f64() * 1e3,
        cli[cli.len() - 1].as_secs_f64() * 1e3
    );
}
