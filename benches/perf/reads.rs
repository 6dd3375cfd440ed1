//! R1 (one 100-entry dossier read) and R2 (every entry of every dossier read, as
//! an export would), R2 interleaved slice by slice with its baselines.

use std::time::{Duration, Instant};

use coffre::Session;

use crate::fixture::{median, peak_mib, reset_peak, timed};

/// R1: median over `n` reads of one dossier, decrypted, the read audited durably.
pub fn r1(s: &mut Session<'_>, dossier: &str, n: usize) -> (Duration, usize) {
    let mut times = Vec::new();
    let mut entries = 0;
    for _ in 0..n {
        let t = Instant::now();
        let view = s.show_dossier(dossier, None).expect("read");
        times.push(t.elapsed());
        entries = view.entries.len();
    }
    (median(times), entries)
}

/// R2 results.
#[derive(Default)]
pub struct R2 {
    pub entries: usize,
    pub bytes: usize,
    pub coffre: Duration,
    pub sled: Duration,
    pub sqlcipher: Option<Duration>,
    pub peak_first: f64,
    pub peak_end: f64,
}

pub fn r2(
    s: &mut Session<'_>,
    dossiers: &[String],
    db: &sled::Db,
    slices: usize,
    #[cfg(feature = "sqlcipher")] sql: (&crate::sqlcipher::SqlCipher, &[i64]),
) -> R2 {
    let mut out = R2::default();
    let keys: Vec<sled::IVec> = db.iter().keys().map(|k| k.expect("key")).collect();
    #[cfg(feature = "sqlcipher")]
    let mut sql_time = Duration::ZERO;
    let per = dossiers.len().div_ceil(slices);
    let key_slice = keys.len().div_ceil(slices);
    reset_peak();
    for k in 0..slices {
        let ids = &dossiers[(k * per).min(dossiers.len())..((k + 1) * per).min(dossiers.len())];
        timed(&mut out.coffre, || {
            s.read_dossiers(ids, 100, &mut |view| {
                for e in &view.entries {
                    out.entries += 1;
                    out.bytes += e.fields.values().map(|f| f.value.len()).sum::<usize>();
                }
                Ok(())
            })
            .expect("read");
        });
        let ks = &keys[(k * key_slice).min(keys.len())..((k + 1) * key_slice).min(keys.len())];
        let mut sled_bytes = 0;
        timed(&mut out.sled, || {
            for key in ks {
                sled_bytes += db.get(key).expect("get").expect("present").len();
            }
        });
        std::hint::black_box(sled_bytes);
        #[cfg(feature = "sqlcipher")]
        {
            let (sql, rowids) = sql;
            let rs =
                &rowids[(k * key_slice).min(rowids.len())..((k + 1) * key_slice).min(rowids.len())];
            let mut n = 0;
            timed(&mut sql_time, || {
                for &id in rs {
                    n += sql.get(id).len();
                }
            });
            std::hint::black_box(n);
        }
        if k == 0 {
            out.peak_first = peak_mib();
        }
    }
    out.peak_end = peak_mib();
    #[cfg(feature = "sqlcipher")]
    {
        out.sqlcipher = Some(sql_time);
    }
    out
}
