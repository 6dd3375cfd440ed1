//! Performance side by side, in one run: Coffre against the disk's own limit and
//! plain sled on the same work (`cargo bench --bench perf`). Prints absolute
//! figures and ratios. SQLCipher is not compared yet.
//!
//! W1 durable write, one ~1 KiB entry at a time (data and audit through fdatasync)
//!    vs a 1 KiB write + fdatasync loop on a preallocated file, and sled insert+flush.
//! R1 a 100-entry dossier read and decrypted, its access audited durably.
//! R2 every entry of many dossiers read, vs plain sled gets of the same records.
//! C1 the `coffre dossier show` command, split into process start, store open,
//!    key derivation (at the production strength) and the rest.

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use coffre::crypto::kdf::KdfParams;
use coffre::crypto::wrap::Identity;
use coffre::{FieldInput, InitOptions, NewStaff, Vault};
use secrecy::SecretString;

const PASS: &str = "bench-passphrase";

fn env_n(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn vault(dir: &Path, kdf: KdfParams) -> (Vault, String) {
    let pass = SecretString::from(PASS);
    let recovery = Identity::generate();
    let rtext = recovery.to_secret_string();
    let (v, _) = Vault::init(
        dir,
        InitOptions {
            establishment: "Bench".into(),
            admin_id: "dir".into(),
            admin_name: "Director".into(),
            admin_profession: "directeur".into(),
            admin_passphrase: pass.clone(),
            kdf,
            policy: None,
            recovery: Some(recovery),
        },
    )
    .expect("init");
    let recovery = Identity::parse(secrecy::ExposeSecret::expose_secret(&rtext)).expect("id");
    let d = {
        let mut s = v.unlock("dir", &pass).expect("unlock");
        s.add_staff(
            &NewStaff {
                id: "edu",
                name: "Edu",
                profession: "educateur-specialise",
                passphrase: &pass,
            },
            Some(&recovery),
        )
        .expect("staff");
        let d = s
            .create_dossier("Bench Person", "2000-01-01")
            .expect("dossier");
        s.add_team_member(&d, "edu").expect("team");
        d
    };
    (v, d)
}

fn per_sec(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn main() {
    let n = env_n("COFFRE_BENCH_WRITES", 300);
    let value = "x".repeat(1000);
    let tmp = tempfile::tempdir().expect("tmp");

    // ---- W1: durable writes, one at a time.
    let (v, d) = vault(&tmp.path().join("w1"), KdfParams::INSECURE_FAST);
    let mut s = v.unlock("edu", &SecretString::from(PASS)).expect("unlock");
    s.add_entry(&d, "daily-life", &[FieldInput::new("text", &value)])
        .expect("warm up");
    let t = Instant::now();
    for _ in 0..n {
        s.add_entry(&d, "daily-life", &[FieldInput::new("text", &value)])
            .expect("add");
    }
    let w1 = t.elapsed();

    // Raw limit: 1 KiB write + fdatasync on a preallocated file, same file system.
    let raw_path = tmp.path().join("raw.bin");
    let mut f = OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&raw_path)
        .expect("raw");
    f.set_len((n as u64 + 1) * 1024).expect("prealloc");
    f.sync_all().expect("sync");
    let block = vec![7u8; 1024];
    let t = Instant::now();
    for i in 0..n {
        f.seek(SeekFrom::Start(i as u64 * 1024)).expect("seek");
        f.write_all(&block).expect("write");
        f.sync_data().expect("fdatasync");
    }
    let raw = t.elapsed();

    // Plain sled: insert + flush (sync_file_range only: not power-safe) and with fdatasync.
    let db = sled::open(tmp.path().join("sled")).expect("sled");
    let t = Instant::now();
    for i in 0..n {
        db.insert(format!("k{i}"), block.clone()).expect("insert");
        db.flush().expect("flush");
    }
    let sled_flush = t.elapsed();
    let dbfile = std::fs::File::open(tmp.path().join("sled").join("db")).expect("db file");
    let t = Instant::now();
    for i in 0..n {
        db.insert(format!("j{i}"), block.clone()).expect("insert");
        db.flush().expect("flush");
        dbfile.sync_data().expect("fdatasync");
    }
    let sled_sync = t.elapsed();

    // ---- R1: a 100-entry dossier read (entries written above: use a fresh 100-entry one).
    let d100 = {
        let mut dir = v.unlock("dir", &SecretString::from(PASS)).expect("unlock");
        let id = dir
            .create_dossier("Hundred Entries", "2001-01-01")
            .expect("dossier");
        dir.add_team_member(&id, "edu").expect("team");
        id
    };
    for i in 0..100 {
        s.add_entry(
            &d100,
            "daily-life",
            &[FieldInput::new("text", &format!("{i} {value}"))],
        )
        .expect("add");
    }
    let mut r1 = Vec::new();
    for _ in 0..15 {
        let t = Instant::now();
        let view = s.show_dossier(&d100, None).expect("read");
        r1.push(t.elapsed());
        assert_eq!(view.entries.len(), 100);
    }
    r1.sort();
    let r1_median = r1[r1.len() / 2];
    // The same 100 version records straight from sled, no decryption, no audit.
    let store_keys: Vec<Vec<u8>> = v
        .store()
        .scan_prefix(b"v/")
        .expect("scan")
        .into_iter()
        .map(|(k, _)| k)
        .take(100)
        .collect();
    let t = Instant::now();
    for _ in 0..15 {
        for k in &store_keys {
            std::hint::black_box(v.store().get(k).expect("get"));
        }
    }
    let r1_plain = t.elapsed() / 15;
    drop(s);
    drop(v);

    // ---- C1: the command, with the production key derivation.
    let c1dir = tmp.path().join("c1");
    let (v, d) = vault(&c1dir, KdfParams::DEFAULT);
    {
        let mut s = v.unlock("edu", &SecretString::from(PASS)).expect("unlock");
        for i in 0..100 {
            s.add_entry(
                &d,
                "daily-life",
                &[FieldInput::new("text", &format!("{i} {value}"))],
            )
            .expect("add");
        }
    }
    drop(v);
    let bin = env!("CARGO_BIN_EXE_coffre");
    let time_cmd = |args: &[&str]| -> Duration {
        let mut best = Duration::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            let out = std::process::Command::new(bin)
                .args(args)
                .env("COFFRE_PASSPHRASE", PASS)
                .output()
                .expect("run");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            best = best.min(t.elapsed());
        }
        best
    };
    let vault_arg = c1dir.to_str().expect("utf-8");
    let start = time_cmd(&["--version"]);
    let open = time_cmd(&[
        "--vault",
        vault_arg,
        "--user",
        "edu",
        "policy",
        "explain",
        "--dossier",
        &d,
    ]);
    let show = time_cmd(&["--vault", vault_arg, "--user", "edu", "dossier", "show", &d]);
    let t = Instant::now();
    let salt = [1u8; 16];
    let _ = coffre::crypto::kdf::derive(&SecretString::from(PASS), &salt, &KdfParams::DEFAULT)
        .expect("kdf");
    let kdf = t.elapsed();

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!();
    println!("| workload | Coffre | baseline | ratio (Coffre / baseline speed) |");
    println!("|---|---|---|---|");
    println!(
        "| W1 durable 1 KiB write, one at a time | {:.0}/s | raw write+fdatasync {:.0}/s | {:.2}× (goal ≥ 0.6×) |",
        per_sec(n, w1),
        per_sec(n, raw),
        raw.as_secs_f64() / w1.as_secs_f64()
    );
    println!(
        "| W1, against plain sled | {:.0}/s | sled insert+flush {:.0}/s · +fdatasync {:.0}/s | {:.2}× · {:.2}× |",
        per_sec(n, w1),
        per_sec(n, sled_flush),
        per_sec(n, sled_sync),
        sled_flush.as_secs_f64() / w1.as_secs_f64(),
        sled_sync.as_secs_f64() / w1.as_secs_f64()
    );
    println!(
        "| R1 100-entry dossier read + durable audit | median {:.2} ms | 100 plain sled gets {:.3} ms | (goal < 2 ms + one flush) |",
        ms(r1_median),
        ms(r1_plain)
    );
    println!(
        "| C1 `coffre dossier show` (100 entries, 64 MiB/3-pass argon2id) | {:.0} ms | process start {:.1} ms · open+metadata {:.0} ms · key derivation {:.0} ms | rest ≈ {:.0} ms |",
        ms(show),
        ms(start),
        ms(open),
        ms(kdf),
        (ms(show) - ms(open) - ms(kdf)).max(0.0)
    );
}
