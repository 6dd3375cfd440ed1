//! Vaults, payloads and measures shared by the workloads.

use std::path::Path;
use std::time::{Duration, Instant};

use coffre::crypto::kdf::KdfParams;
use coffre::crypto::wrap::Identity;
use coffre::{InitOptions, NewStaff, Vault};
use secrecy::{ExposeSecret, SecretString};

/// Every staff member's passphrase in the benchmark vaults (strong enough for the
/// production key derivation's passphrase rule).
pub const PASS: &str = "banc lavande ricochet boussole";

/// The passphrase as a secret.
pub fn pass() -> SecretString {
    SecretString::from(PASS)
}

/// A ~1 KiB note, different for each `i`.
pub fn note(i: usize) -> String {
    let mut s = format!("{i:08} ");
    while s.len() < 1024 {
        s.push_str("observation du jour, atelier, repas, sommeil; ");
    }
    s.truncate(1024);
    s
}

/// A vault with a director and an educator (`edu`, passphrase derived with
/// `edu_kdf`) in the care team of `dossiers` new dossiers, whose ids it returns.
pub fn vault(dir: &Path, edu_kdf: KdfParams, dossiers: usize) -> (Vault, Vec<String>) {
    vault_with(dir, edu_kdf, dossiers, "educateur-specialise")
}

/// [`vault`] with the member `edu` of another profession.
pub fn vault_with(
    dir: &Path,
    edu_kdf: KdfParams,
    dossiers: usize,
    profession: &str,
) -> (Vault, Vec<String>) {
    let recovery = Identity::generate();
    let copy = Identity::parse(recovery.to_secret_string().expose_secret()).expect("identity");
    let (v, _) = Vault::init(
        dir,
        InitOptions {
            establishment: "Bench".into(),
            admin_id: "dir".into(),
            admin_name: "Director".into(),
            admin_profession: "directeur".into(),
            admin_passphrase: pass(),
            kdf: edu_kdf,
            policy: None,
            recovery: Some(copy),
        },
    )
    .expect("init");
    let ids = {
        let mut s = v.unlock("dir", &pass()).expect("unlock");
        s.add_staff(
            &NewStaff {
                id: "edu",
                name: "Edu",
                profession,
                passphrase: &pass(),
            },
            Some(&recovery),
        )
        .expect("staff");
        (0..dossiers)
            .map(|i| {
                let d = s
                    .create_dossier(&format!("Personne {i}"), "2000-01-01")
                    .expect("dossier");
                s.add_team_member(&d, "edu").expect("team");
                d
            })
            .collect()
    };
    (v, ids)
}

/// Rate in operations per second.
pub fn per_sec(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// Milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Runs `f` and adds its duration to `total`.
pub fn timed<T>(total: &mut Duration, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let v = f();
    *total += t.elapsed();
    v
}

/// Resets the process's peak resident memory (Linux `clear_refs` 5), so that
/// [`peak_mib`] then reports the peak since this call.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory (VmHWM) in MiB, if the kernel reports it.
pub fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The median of some durations.
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}
