//! Performance side by side, in one run (`cargo bench --bench perf`; add
//! `--features sqlcipher` for the SQLCipher columns). Each workload runs its
//! contenders in alternating rounds on the same machine and prints absolute
//! figures, ratios and the goal each ratio is held to (docs/performance.md).
//!
//! Sizes (environment): COFFRE_BENCH_W1_ROUNDS × COFFRE_BENCH_W1_PER_ROUND
//! writes (10 × 200), COFFRE_BENCH_DOSSIERS × COFFRE_BENCH_PER_DOSSIER entries
//! for W2/R2/C1 (1,000 × 100), COFFRE_BENCH_AUDIT_ENTRIES for A1/A2 (1,000,000).
//! COFFRE_BENCH_ONLY=W1 runs W1 alone (its vault, its rounds, its lines of the
//! table), for profiling the write path without the other workloads.

mod audit;
mod command;
mod fixture;
mod memory;
mod reads;
#[cfg(feature = "sqlcipher")]
#[allow(dead_code)]
mod sqlcipher;
mod writes;

use std::time::{Duration, Instant};

use coffre::crypto::kdf::KdfParams;

use fixture::{ms, pass, per_sec};

fn env_n(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// `ratio` against `goal` (a ratio is Coffre's speed over the baseline's).
fn verdict(ratio: f64, goal: f64) -> &'static str {
    if ratio >= goal {
        "met"
    } else {
        "**missed**"
    }
}

fn speed_ratio(coffre: Duration, baseline: Duration) -> f64 {
    baseline.as_secs_f64() / coffre.as_secs_f64()
}

/// The SQLCipher column: its speed and Coffre's ratio to it, or why it is absent.
fn vs_sql(coffre: Duration, sql: Option<Duration>, n: usize, goal: f64) -> String {
    match sql {
        Some(d) => {
            let r = speed_ratio(coffre, d);
            format!(
                "{:.0}/s → **{r:.2}×** (goal ≥ {goal}×: {})",
                per_sec(n, d),
                verdict(r, goal)
            )
        }
        None => "— (build with `--features sqlcipher`)".to_string(),
    }
}

fn main() {
    let rounds = env_n("COFFRE_BENCH_W1_ROUNDS", 10);
    let per_round = env_n("COFFRE_BENCH_W1_PER_ROUND", 200);
    let n_dossiers = env_n("COFFRE_BENCH_DOSSIERS", 1000);
    let per_dossier = env_n("COFFRE_BENCH_PER_DOSSIER", 100);
    let audit_entries = env_n("COFFRE_BENCH_AUDIT_ENTRIES", 1_000_000) as u64;
    if std::env::var_os(memory::CHILD).is_some() {
        memory::child(n_dossiers, per_dossier);
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let step = |what: &str| eprintln!("[{:>6.1} s] {what}", started.elapsed().as_secs_f64());

    // ---- W1, R1, W2, R2 on one vault at the production key derivation.
    step("setting up the W1/W2 vault");
    let vdir = tmp.path().join("vault");
    let (v, dossiers) = fixture::vault(&vdir, KdfParams::DEFAULT, n_dossiers);
    let mut s = v.unlock("edu", &pass()).expect("unlock");
    step("W1 durable writes");
    let w1 = writes::w1(&mut s, &dossiers[0], tmp.path(), rounds, per_round);
    if std::env::var("COFFRE_BENCH_ONLY").is_ok_and(|w| w.eq_ignore_ascii_case("W1")) {
        step("done (W1 only)");
        print_w1(&w1, rounds);
        return;
    }
    #[cfg(feature = "sqlcipher")]
    let mut sql = sqlcipher::SqlCipher::create(&tmp.path().join("w2.sqlcipher"));
    step("W2 bulk import");
    let (w2, plain, rowids) = writes::w2(
        &mut s,
        &dossiers[1..],
        per_dossier,
        10,
        tmp.path(),
        #[cfg(feature = "sqlcipher")]
        &mut sql,
    );
    let _ = &rowids;
    // R1 is a read in a working day, not in the seconds after a 100,000-entry
    // import: the import's write-back (sled's flush of it) is let finish first,
    // as it would be long before anyone opens a dossier.
    v.settle().expect("settle after the import");
    step("R1 dossier read");
    let r1 = reads::r1(&mut s, &dossiers[1], tmp.path(), 21);
    step("R2 bulk read");
    let r2 = reads::r2(
        &mut s,
        &dossiers[1..],
        &plain,
        10,
        #[cfg(feature = "sqlcipher")]
        (&sql, &rowids),
    );
    drop(s);
    drop(v);
    drop(plain);

    // ---- C1 on that vault (W1 + W2 entries), as a new process.
    step("C1 the command");
    let c1 = command::c1(&vdir, &dossiers[1], 5);

    // ---- A1, A2.
    step("A1/A2 audit log (generating)");
    let a = audit::run(&tmp.path().join("audit-vault"), audit_entries, 3);
    step("W2/R2 memory, Coffre alone (child process)");
    let (w2_mem, r2_mem) = memory::measure(n_dossiers, per_dossier);
    step("done");

    let w2_sled = speed_ratio(w2.coffre, w2.sled);
    let r2_sled = speed_ratio(r2.coffre, r2.sled);
    let a1 = a.sha.as_secs_f64() / a.verify.as_secs_f64();

    print_w1(&w1, rounds);
    println!(
        "| W2 bulk import, {} entries in {} dossiers (groups of 1,000) | {:.0}/s | plain sled, batches of 1,000 + flush: {:.0}/s | **{w2_sled:.2}×** (goal ≥ 0.5×: {}) |",
        w2.entries,
        n_dossiers - 1,
        per_sec(w2.entries, w2.coffre),
        per_sec(w2.entries, w2.sled),
        verdict(w2_sled, 0.5)
    );
    println!(
        "| W2 vs SQLCipher, commit every 100 | | {} | |",
        vs_sql(w2.coffre, w2.sqlcipher, w2.entries, 2.0)
    );
    let curve = |points: &[(u64, f64)]| {
        points
            .iter()
            .map(|(n, mib)| format!("{n}: {mib:.0}"))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    println!(
        "| W2 peak memory, Coffre alone (entries: MiB) | {} | whole benchmark process: {:.0} → {:.0} MiB | |",
        curve(&w2_mem),
        w2.peak_first,
        w2.peak_end
    );
    println!(
        "| R1 {}-entry dossier read, decrypted, read audited durably (21 reads, each after one raw flush) | median {:.2} ms | one flush (W1's raw write + fdatasync, just before each read) median {:.2} ms | median of (read − its flush) {:.2} ms beyond one flush (goal < 2 ms: {}) |",
        r1.entries,
        ms(r1.read),
        ms(r1.flush),
        ms(r1.beyond),
        if r1.beyond < Duration::from_millis(2) { "met" } else { "**missed**" }
    );
    println!(
        "| R2 bulk read, {} entries ({:.0} MB of text) | {:.0} entries/s | plain sled gets of the same values: {:.0}/s | **{r2_sled:.2}×** (goal ≥ 0.5×: {}) |",
        r2.entries,
        r2.bytes as f64 / 1e6,
        per_sec(r2.entries, r2.coffre),
        per_sec(r2.entries, r2.sled),
        verdict(r2_sled, 0.5)
    );
    println!(
        "| R2 vs SQLCipher point queries | | {} | |",
        vs_sql(r2.coffre, r2.sqlcipher, r2.entries, 2.0)
    );
    println!(
        "| R2 peak memory, Coffre alone (entries read: MiB) | {} | whole benchmark process: {:.0} → {:.0} MiB | |",
        curve(&r2_mem),
        r2.peak_first,
        r2.peak_end
    );
    println!(
        "| A1 audit verify, {} entries, {:.0} MB | {:.3} s | plain SHA-256 pass (read + hash): {:.3} s | **{a1:.2}×** (goal ≥ 0.5×: {}) |",
        a.entries,
        a.megabytes,
        a.verify.as_secs_f64(),
        a.sha.as_secs_f64(),
        verdict(a1, 0.5)
    );
    println!(
        "| A2 one dossier's audit entries ({} rows) | median {:.1} ms, worst {:.1} ms | | goal < 50 ms: {} |",
        a.rows,
        ms(a.query_median),
        ms(a.query_worst),
        if a.query_median < Duration::from_millis(50) { "met" } else { "**missed**" }
    );
    println!(
        "| C1 `coffre dossier show` ({} entries in the vault) | {:.0} ms | process start {:.1} ms · open {:.1} ms · unlock {:.0} ms · argon2id alone, after each command {:.0} ms · read + audit {:.1} ms · close {:.1} ms | median of (command − its argon2id): {:.0} ms without the key derivation (goal < 100 ms: {}) |",
        w1.writes + w2.entries,
        ms(c1.command),
        ms(c1.start),
        ms(c1.open),
        ms(c1.unlock),
        ms(c1.kdf),
        ms(c1.read),
        ms(c1.close),
        ms(c1.without_kdf),
        if c1.without_kdf < Duration::from_millis(100) { "met" } else { "**missed**" }
    );
    #[cfg(feature = "sqlcipher")]
    println!("\nSQLCipher: {}", sqlcipher::describe());
}

/// The table's head and W1's three lines.
fn print_w1(w1: &writes::W1, rounds: usize) {
    let w1_raw = speed_ratio(w1.coffre, w1.raw);
    println!();
    println!("| workload | Coffre | baseline | ratio (Coffre's speed / baseline's) · goal |");
    println!("|---|---|---|---|");
    println!(
        "| W1 durable 1 KiB write, one at a time ({} writes, {rounds} alternating rounds) | {:.0}/s | raw 1 KiB write + fdatasync, preallocated file: {:.0}/s | **{w1_raw:.2}×** (goal ≥ 0.6×: {}) |",
        w1.writes,
        per_sec(w1.writes, w1.coffre),
        per_sec(w1.writes, w1.raw),
        verdict(w1_raw, 0.6)
    );
    println!(
        "| W1 vs SQLCipher autocommit (WAL, synchronous=FULL) | | {} | |",
        vs_sql(w1.coffre, w1.sqlcipher, w1.writes, 1.5)
    );
    println!(
        "| W1 vs plain sled (not power-safe / + fdatasync) | | insert+flush {:.0}/s · + fdatasync {:.0}/s | {:.2}× · {:.2}× |",
        per_sec(w1.writes, w1.sled_flush),
        per_sec(w1.writes, w1.sled_fdatasync),
        speed_ratio(w1.coffre, w1.sled_flush),
        speed_ratio(w1.coffre, w1.sled_fdatasync)
    );
}
