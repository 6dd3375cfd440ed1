//! A1 (verify a one-million-entry audit log, against a plain SHA-256 pass over
//! the same bytes, interleaved) and A2 (one dossier's audit entries, latency).

use std::path::Path;
use std::time::{Duration, Instant};

use coffre::audit::{Draft, Filter, Outcome};
use coffre::crypto::kdf::KdfParams;

use crate::fixture::{median, pass, timed, vault_with};

const DOSSIERS: u64 = 1000;
const ACTORS: u64 = 50;
const BATCH: u64 = 10_000;

pub struct Audit {
    pub entries: u64,
    pub megabytes: f64,
    pub sha: Duration,
    pub verify: Duration,
    pub query_median: Duration,
    pub query_worst: Duration,
    pub rows: usize,
}

pub fn run(dir: &Path, n: u64, rounds: usize) -> Audit {
    let (v, _) = vault_with(dir, KdfParams::INSECURE_FAST, 0, "dpo");
    let mut signer = v.unlock("dir", &pass()).expect("unlock");
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
        v.audit_batch(drafts).expect("append");
        signer.checkpoint().expect("checkpoint");
        seq += k;
    }
    drop(signer);
    v.settle().expect("settle");
    let log = dir.join("audit.log");
    let bytes = std::fs::metadata(&log).expect("log").len();
    // Both read the file from the page cache: read it once beforehand.
    std::hint::black_box(std::fs::read(&log).expect("read").len());
    let (mut sha, mut verify) = (Duration::ZERO, Duration::ZERO);
    let mut entries = 0;
    for _ in 0..rounds {
        timed(&mut sha, || {
            let data = std::fs::read(&log).expect("read");
            std::hint::black_box(ring::digest::digest(&ring::digest::SHA256, &data));
        });
        entries = timed(&mut verify, || {
            v.verify_audit(None).expect("verify").entries
        });
    }
    // The DPO reads one dossier's entries (the read of the audit is itself audited).
    let mut s = v.unlock("edu", &pass()).expect("unlock the DPO");
    let mut lat = Vec::new();
    let mut rows = 0;
    for q in 0..21u64 {
        let f = Filter {
            dossier: Some(format!("d-{:010x}", (q * 37) % DOSSIERS)),
            ..Filter::default()
        };
        let t = Instant::now();
        rows = s.audit_log(&f).expect("audit query").len();
        lat.push(t.elapsed());
    }
    let worst = *lat.iter().max().expect("queries");
    Audit {
        entries,
        megabytes: bytes as f64 / 1e6,
        sha: sha / rounds as u32,
        verify: verify / rounds as u32,
        query_median: median(lat),
        query_worst: worst,
        rows,
    }
}
