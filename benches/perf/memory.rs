//! Peak memory of W2 and R2 for Coffre alone: the same import and bulk read in a
//! child process (the parent holds the baselines' stores too), with the peak
//! resident size printed after each tenth of the work.

use std::process::Command;

use coffre::crypto::kdf::KdfParams;
use coffre::{FieldInput, NewEntry};

use crate::fixture::{note, pass, peak_mib, reset_peak, vault};

/// Set in the child's environment.
pub const CHILD: &str = "COFFRE_BENCH_MEMORY_CHILD";

/// The child's work: prints `w2 <entries> <MiB>` and `r2 <entries> <MiB>` lines.
pub fn child(n_dossiers: usize, per_dossier: usize) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (v, dossiers) = vault(
        &tmp.path().join("vault"),
        KdfParams::INSECURE_FAST,
        n_dossiers,
    );
    let mut s = v.unlock("edu", &pass()).expect("unlock");
    let total = n_dossiers * per_dossier;
    let tenth = total.div_ceil(10);
    reset_peak();
    for k in 0..10 {
        let range = (k * tenth)..((k + 1) * tenth).min(total);
        let entries = range.map(|i| {
            Ok(NewEntry {
                dossier: dossiers[i % dossiers.len()].clone(),
                kind: "daily-life".into(),
                fields: vec![FieldInput::new("text", &note(i))],
            })
        });
        s.import_entries(entries, 1000, &mut |_| {})
            .expect("import");
        println!("w2 {} {:.0}", ((k + 1) * tenth).min(total), peak_mib());
    }
    reset_peak();
    let per = dossiers.len().div_ceil(10);
    let mut read = 0;
    for chunk in dossiers.chunks(per) {
        s.read_dossiers(chunk, 100, &mut |view| {
            read += view.entries.len();
            Ok(())
        })
        .expect("read");
        println!("r2 {read} {:.0}", peak_mib());
    }
}

/// Peak resident memory (MiB) after so many entries.
pub type Curve = Vec<(u64, f64)>;

/// Runs the child; returns the peaks of W2 and of R2.
pub fn measure(n_dossiers: usize, per_dossier: usize) -> (Curve, Curve) {
    let out = Command::new(std::env::current_exe().expect("own path"))
        .env(CHILD, "1")
        .env("COFFRE_BENCH_DOSSIERS", n_dossiers.to_string())
        .env("COFFRE_BENCH_PER_DOSSIER", per_dossier.to_string())
        .output()
        .expect("run the memory child");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (mut w2, mut r2) = (Vec::new(), Vec::new());
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if let [kind, n, mib] = parts[..] {
            let point = (n.parse().unwrap_or(0), mib.parse().unwrap_or(f64::NAN));
            match kind {
                "w2" => w2.push(point),
                "r2" => r2.push(point),
                _ => {}
            }
        }
    }
    (w2, r2)
}
