//! Export benchmark: time and peak memory of the person's export for a dossier of
//! 1,000 entries and one of 10,000 (about 200-byte fields, four categories), through
//! the library (into a byte counter) and through the real command
//! (`coffre access export … --recipient …` into a file, as a separate process).
//!
//! The goal is memory that does not grow with the dossier: the table ends with the
//! ratio peak memory (large) / peak memory (small).
//!
//! `cargo bench --bench export`. Sizes: `COFFRE_BENCH_EXPORT_SIZES=1000,10000`
//! (default). Where the vault is built: `COFFRE_BENCH_DIR` (default: a temporary
//! directory under the system's; every entry is written with its fsyncs, as in use).
//!
//! Peak memory: for the command, the child's maximum resident set size as reported
//! by GNU `/usr/bin/time -f %M` (the kernel's rusage), or, without it, the highest
//! `VmHWM` read from `/proc/<pid>/status` while polling; for the library, this
//! process's `VmHWM` after resetting it (`/proc/self/clear_refs`), minus the
//! resident size before the export.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use coffre::crypto::kdf::KdfParams;
use coffre::crypto::wrap::Identity;
use coffre::{FieldInput, InitOptions, NewStaff, Vault};
use secrecy::{ExposeSecret, SecretString};

const PASS: &str = "bench-passphrase";
/// (writer, kind) in rotation.
const WRITERS: [(&str, &str); 4] = [
    ("soc", "social"),
    ("edu", "educational"),
    ("edu", "daily-life"),
    ("doc", "medical"),
];

struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A field of about 200 bytes, different for every entry.
fn text(i: usize) -> String {
    const WORDS: &[&str] = &[
        "observation",
        "journée",
        "calme",
        "atelier",
        "repas",
        "sommeil",
        "échange",
        "famille",
        "projet",
        "progrès",
        "rendez-vous",
        "sortie",
    ];
    let mut s = format!("note {i:06}:");
    let mut k = i.wrapping_mul(2_654_435_761);
    while s.len() < 200 {
        k = k.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        s.push(' ');
        s.push_str(WORDS[(k >> 33) % WORDS.len()]);
    }
    s
}

/// `VmHWM` / `VmRSS` of a process, in KiB.
fn status_kib(pid: &str, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn gnu_time() -> Option<PathBuf> {
    let p = PathBuf::from("/usr/bin/time");
    let ok = Command::new(&p)
        .args(["-f", "%M", "true"])
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    let s = String::from_utf8_lossy(&ok.stderr);
    (ok.status.success() && s.trim().parse::<u64>().is_ok()).then_some(p)
}

/// Runs the command export; returns (wall time, peak RSS KiB, file size).
fn cli_export(
    vault: &Path,
    dossier: &str,
    out: &Path,
    recipient: &str,
    recovery: &Path,
    time: Option<&Path>,
) -> (Duration, u64, u64) {
    let _ = std::fs::remove_file(out);
    let rss_file = out.with_extension("rss");
    let mut cmd = match time {
        Some(t) => {
            let mut c = Command::new(t);
            c.arg("-f")
                .arg("%M")
                .arg("-o")
                .arg(&rss_file)
                .arg(env!("CARGO_BIN_EXE_coffre"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_coffre")),
    };
    cmd.arg("--vault")
        .arg(vault)
        .args(["--user", "dir", "access", "export", dossier, "--out"])
        .arg(out)
        .args(["--recipient", recipient, "--recovery-key"])
        .arg(recovery)
        .env("COFFRE_PASSPHRASE", PASS)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let t = Instant::now();
    let mut child = cmd.spawn().expect("run coffre");
    let pid = child.id().to_string();
    let mut polled = 0u64;
    let status = loop {
        if time.is_none() {
            if let Some(k) = status_kib(&pid, "VmHWM:") {
                polled = polled.max(k);
            }
        }
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let wall = t.elapsed();
    let mut err = String::new();
    use std::io::Read;
    let _ = child.stderr.take().map(|mut e| e.read_to_string(&mut err));
    assert!(status.success(), "coffre access export failed: {err}");
    let peak = match time {
        Some(_) => std::fs::read_to_string(&rss_file)
            .ok()
            .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()))
            .expect("GNU time output"),
        None => polled,
    };
    (
        wall,
        peak,
        std::fs::metadata(out).expect("export file").len(),
    )
}

/// Peak RSS (KiB) of `coffre --user dir staff list`: opening and unlocking the
/// same vault without reading any dossier, the fixed cost of a command.
fn cli_baseline(vault: &Path, time: Option<&Path>, scratch: &Path) -> u64 {
    let rss_file = scratch.join("baseline.rss");
    let mut cmd = match time {
        Some(t) => {
            let mut c = Command::new(t);
            c.arg("-f")
                .arg("%M")
                .arg("-o")
                .arg(&rss_file)
                .arg(env!("CARGO_BIN_EXE_coffre"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_coffre")),
    };
    cmd.arg("--vault")
        .arg(vault)
        .args(["--user", "dir", "staff", "list"])
        .env("COFFRE_PASSPHRASE", PASS)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("run coffre");
    let pid = child.id().to_string();
    let mut polled = 0u64;
    let status = loop {
        if let Some(k) = status_kib(&pid, "VmHWM:") {
            polled = polled.max(k);
        }
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    assert!(status.success(), "coffre staff list failed");
    match time {
        Some(_) => std::fs::read_to_string(&rss_file)
            .ok()
            .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()))
            .expect("GNU time output"),
        None => polled,
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn main() {
    let sizes: Vec<usize> = std::env::var("COFFRE_BENCH_EXPORT_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000]);
    assert!(!sizes.is_empty(), "no sizes");
    let tmp = match std::env::var_os("COFFRE_BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d),
        None => tempfile::tempdir(),
    }
    .expect("temp dir");
    let dir = tmp.path().join("vault");
    let pass = SecretString::from(PASS);
    let recovery = Identity::generate();
    let recovery_text = recovery.to_secret_string();
    let recovery_file = tmp.path().join("recovery.txt");
    std::fs::write(
        &recovery_file,
        format!("{}\n", recovery_text.expose_secret()),
    )
    .expect("recovery file");
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
    let recovery = Identity::parse(recovery_text.expose_secret()).expect("id");

    // ---- build the dossiers.
    let mut dossiers = Vec::new();
    {
        let mut d = vault.unlock("dir", &pass).expect("unlock dir");
        for (id, prof) in [
            ("soc", "assistant-social"),
            ("edu", "educateur-specialise"),
            ("doc", "medecin"),
        ] {
            d.add_staff(
                &NewStaff {
                    id,
                    name: id,
                    profession: prof,
                    passphrase: &pass,
                },
                Some(&recovery),
            )
            .expect("staff");
        }
        for (i, _) in sizes.iter().enumerate() {
            let id = d
                .create_dossier(&format!("Personne Bench{i}"), "2000-01-01")
                .expect("dossier");
            for s in ["soc", "edu", "doc"] {
                d.add_team_member(&id, s).expect("team");
            }
            dossiers.push(id);
        }
    }
    let mut writers: Vec<_> = ["soc", "edu", "doc"]
        .iter()
        .map(|id| (*id, vault.unlock(id, &pass).expect("unlock")))
        .collect();
    for (n, d) in sizes.iter().zip(&dossiers) {
        let t = Instant::now();
        for i in 0..*n {
            let (who, kind) = WRITERS[i % WRITERS.len()];
            let s = &mut writers.iter_mut().find(|(id, _)| *id == who).expect("w").1;
            s.add_entry(d, kind, &[FieldInput::new("text", &text(i))])
                .expect("add entry");
        }
        let el = t.elapsed();
        println!(
            "built dossier {d}: {n} entries in {:.1} s ({:.2} ms per entry, each fsynced)",
            el.as_secs_f64(),
            el.as_secs_f64() * 1e3 / *n as f64
        );
    }
    drop(writers);

    // ---- library export into a counter.
    let can_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let mut lib = Vec::new();
    {
        let mut s = vault.unlock("dir", &pass).expect("unlock dir");
        for d in &dossiers {
            let mut best = Duration::MAX;
            let mut bytes = 0;
            let mut delta = 0u64;
            for _ in 0..3 {
                let before = status_kib("self", "VmRSS:").unwrap_or(0);
                if can_reset {
                    let _ = std::fs::write("/proc/self/clear_refs", "5");
                }
                let mut c = Counter(0);
                let t = Instant::now();
                let summary = s
                    .export_dossier(d, Some(&recovery), &mut c)
                    .expect("export");
                best = best.min(t.elapsed());
                assert_eq!(summary.bytes, c.0);
                bytes = c.0;
                let peak = status_kib("self", "VmHWM:").unwrap_or(0);
                delta = delta.max(peak.saturating_sub(before));
            }
            lib.push((best, delta, bytes));
        }
    }
    drop(vault);

    // ---- the command, as a separate process.
    let key = Identity::generate();
    let recipient = key.recipient();
    let time = gnu_time();
    let mut cli = Vec::new();
    for d in &dossiers {
        let out = tmp.path().join(format!("{d}.age"));
        let mut best = Duration::MAX;
        let mut peak = 0;
        let mut size = 0;
        for _ in 0..3 {
            let (w, p, s) = cli_export(&dir, d, &out, &recipient, &recovery_file, time.as_deref());
            best = best.min(w);
            peak = peak.max(p);
            size = s;
        }
        cli.push((best, peak, size));
    }

    let baseline = (0..3)
        .map(|_| cli_baseline(&dir, time.as_deref(), tmp.path()))
        .max()
        .unwrap_or(0);

    // ---- table.
    println!();
    println!(
        "peak memory of the command: {}; library: {}",
        if time.is_some() {
            "GNU time %M (max RSS)"
        } else {
            "polled VmHWM"
        },
        if can_reset {
            "VmHWM after reset, minus RSS before"
        } else {
            "VmHWM minus RSS before (VmHWM could not be reset: an upper bound)"
        }
    );
    println!("best of 3 runs each");
    println!();
    let header: Vec<String> = sizes.iter().map(|n| format!("{n} entries")).collect();
    println!("| measure | {} |", header.join(" | "));
    println!("|---|{}", "---|".repeat(sizes.len()));
    let row = |name: &str, f: &dyn Fn(usize) -> String| {
        let cells: Vec<String> = (0..sizes.len()).map(f).collect();
        println!("| {name} | {} |", cells.join(" | "));
    };
    row("tar stream (unencrypted)", &|i| {
        format!("{:.1} MB", lib[i].2 as f64 / 1e6)
    });
    row("library export → counter: time", &|i| {
        format!("{:.3} s", lib[i].0.as_secs_f64())
    });
    row("library export: memory growth (peak − before)", &|i| {
        format!("{:.1} MiB", mib(lib[i].1))
    });
    row("`coffre access export` process: wall time", &|i| {
        format!("{:.3} s", cli[i].0.as_secs_f64())
    });
    row("`coffre access export` process: peak RSS", &|i| {
        format!("{:.1} MiB", mib(cli[i].1))
    });
    row(
        "`coffre access export` process: peak RSS above a command reading no dossier",
        &|i| format!("{:.1} MiB", mib(cli[i].1.saturating_sub(baseline))),
    );
    row("export file (age)", &|i| {
        format!("{:.1} MB", cli[i].2 as f64 / 1e6)
    });
    let (first, last) = (0, sizes.len() - 1);
    if last > first {
        println!();
        println!(
            "| **ratio memory({}) / memory({})**, command peak RSS | **{:.2}×** for {:.0}× the entries (goal: ≈ 1×) |",
            sizes[last],
            sizes[first],
            cli[last].1 as f64 / cli[first].1.max(1) as f64,
            sizes[last] as f64 / sizes[first] as f64
        );
        println!(
            "| same vault, `coffre staff list` (open + unlock, no dossier read): peak RSS | {:.1} MiB |",
            mib(baseline)
        );
        println!(
            "| ratio memory({}) / memory({}), library growth | {:.2}× |",
            sizes[last],
            sizes[first],
            lib[last].1 as f64 / lib[first].1.max(1) as f64
        );
        println!(
            "| ratio time({}) / time({}), command | {:.2}× |",
            sizes[last],
            sizes[first],
            cli[last].0.as_secs_f64() / cli[first].0.as_secs_f64()
        );
    }
}
