//! W1 (one durable write at a time) and W2 (bulk import), each interleaved
//! round by round with its baselines so that a slow moment of the shared disk
//! falls on every contender alike.

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Duration;

use coffre::{FieldInput, NewEntry, Session};

use crate::fixture::{note, peak_mib, reset_peak, timed};

/// Total time of each contender over all rounds.
#[derive(Default)]
pub struct W1 {
    pub writes: usize,
    pub coffre: Duration,
    pub raw: Duration,
    pub sled_flush: Duration,
    pub sled_fdatasync: Duration,
    pub sqlcipher: Option<Duration>,
}

fn sled_db(path: &Path) -> sled::Db {
    sled::Config::new()
        .path(path)
        .cache_capacity(64 * 1024 * 1024)
        .flush_every_ms(None)
        .open()
        .expect("sled")
}

pub fn w1(s: &mut Session<'_>, dossier: &str, dir: &Path, rounds: usize, per_round: usize) -> W1 {
    let n = rounds * per_round;
    let mut out = W1 {
        writes: n,
        ..W1::default()
    };
    let raw = OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(dir.join("raw.bin"))
        .expect("raw file");
    // Preallocated by writing it once: the loop then changes no metadata.
    raw.write_all_at(&vec![0u8; (n + 1) * 1024], 0)
        .expect("prealloc");
    raw.sync_all().expect("sync");
    let db = sled_db(&dir.join("sled-w1"));
    let db_file = std::fs::File::open(dir.join("sled-w1").join("db")).expect("db file");
    #[cfg(feature = "sqlcipher")]
    let mut sql = crate::sqlcipher::SqlCipher::create(&dir.join("w1.sqlcipher"));
    #[cfg(feature = "sqlcipher")]
    let mut sql_time = Duration::ZERO;
    let block = note(0).into_bytes();
    s.add_entry(dossier, "daily-life", &[FieldInput::new("text", &note(0))])
        .expect("warm up");
    for r in 0..rounds {
        let base = r * per_round;
        timed(&mut out.coffre, || {
            for i in base..base + per_round {
                s.add_entry(dossier, "daily-life", &[FieldInput::new("text", &note(i))])
                    .expect("add");
            }
        });
        timed(&mut out.raw, || {
            for i in base..base + per_round {
                raw.write_all_at(&block, i as u64 * 1024).expect("write");
                raw.sync_data().expect("fdatasync");
            }
        });
        timed(&mut out.sled_flush, || {
            for i in base..base + per_round {
                db.insert(format!("a{i:08}"), block.as_slice())
                    .expect("insert");
                db.flush().expect("flush");
            }
        });
        timed(&mut out.sled_fdatasync, || {
            for i in base..base + per_round {
                db.insert(format!("b{i:08}"), block.as_slice())
                    .expect("insert");
                db.flush().expect("flush");
                db_file.sync_data().expect("fdatasync");
            }
        });
        #[cfg(feature = "sqlcipher")]
        timed(&mut sql_time, || {
            for _ in base..base + per_round {
                sql.insert_autocommit(dossier, &block);
            }
        });
    }
    #[cfg(feature = "sqlcipher")]
    {
        out.sqlcipher = Some(sql_time);
    }
    out
}

/// W2 results.
#[derive(Default)]
pub struct W2 {
    pub entries: usize,
    pub coffre: Duration,
    pub sled: Duration,
    pub sqlcipher: Option<Duration>,
    /// Peak resident memory (MiB) after the first slice and at the end.
    pub peak_first: f64,
    pub peak_end: f64,
}

/// Imports `per_dossier` entries into each dossier (round-robin), in `slices`
/// interleaved with the baselines. Coffre groups 1,000 entries per durable step;
/// sled applies batches of 1,000 and flushes each; SQLCipher commits every 100.
/// Returns the plain sled database (R2 reads it back).
pub fn w2(
    s: &mut Session<'_>,
    dossiers: &[String],
    per_dossier: usize,
    slices: usize,
    dir: &Path,
    #[cfg(feature = "sqlcipher")] sql: &mut crate::sqlcipher::SqlCipher,
) -> (W2, sled::Db, Vec<i64>) {
    let total = dossiers.len() * per_dossier;
    let mut out = W2 {
        entries: total,
        ..W2::default()
    };
    let db = sled_db(&dir.join("sled-w2"));
    #[cfg_attr(not(feature = "sqlcipher"), allow(unused_mut))]
    let mut rowids = Vec::new();
    #[cfg(feature = "sqlcipher")]
    let mut sql_time = Duration::ZERO;
    let slice = total.div_ceil(slices);
    reset_peak();
    for k in 0..slices {
        let range = k * slice..((k + 1) * slice).min(total);
        let dossier_of = |i: usize| dossiers[i % dossiers.len()].as_str();
        timed(&mut out.coffre, || {
            let entries = range.clone().map(|i| {
                Ok(NewEntry {
                    dossier: dossier_of(i).to_string(),
                    kind: "daily-life".into(),
                    fields: vec![FieldInput::new("text", &note(i))],
                })
            });
            s.import_entries(entries, 1000, &mut |_| {})
                .expect("import");
        });
        timed(&mut out.sled, || {
            for chunk in range.clone().collect::<Vec<_>>().chunks(1000) {
                let mut b = sled::Batch::default();
                for &i in chunk {
                    b.insert(
                        format!("{}/{i:08}", dossier_of(i)).as_bytes(),
                        note(i).as_bytes(),
                    );
                }
                db.apply_batch(b).expect("batch");
                db.flush().expect("flush");
            }
        });
        #[cfg(feature = "sqlcipher")]
        timed(&mut sql_time, || {
            let notes: Vec<(usize, String)> = range.clone().map(|i| (i, note(i))).collect();
            rowids.extend(sql.insert_batched(
                notes.iter().map(|(i, t)| (dossier_of(*i), t.as_bytes())),
                100,
            ));
        });
        if k == 0 {
            out.peak_first = peak_mib();
        }
    }
    out.peak_end = peak_mib();
    #[cfg(feature = "sqlcipher")]
    {
        out.sqlcipher = Some(sql_time);
    }
    (out, db, rowids)
}
