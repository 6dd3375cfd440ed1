//! R1 (one 100-entry dossier read) and R2 (every entry of every dossier read, as
//! an export would), R2 interleaved slice by slice with its baselines.

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::{Duration, Instant};

use coffre::Session;

use crate::fixture::{median, peak_mib, reset_peak, timed};

/// R1's figures: medians over the reads, and over read − flush taken in pairs.
pub struct R1 {
    pub read: Duration,
    pub flush: Duration,
    /// Median over the pairs of (read − the flush measured just before it): the
    /// read's cost beyond one flush, both timed in the same moment of the disk.
    pub beyond: Duration,
    pub entries: usize,
}

/// R1: `n` reads of one dossier, decrypted, each read audited durably; before
/// each read, one raw 1 KiB write + `fdatasync` into a preallocated file in
/// `dir` (W1's baseline), so that each read is paired with a flush of the same
/// moment (the shared disk's flush time moves by 10× within a minute).
pub fn r1(s: &mut Session<'_>, dossier: &str, dir: &Path, n: usize) -> R1 {
    let raw = OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(dir.join("r1-raw.bin"))
        .expect("raw file");
    raw.write_all_at(&vec![0u8; (n + 1) * 1024], 0)
        .expect("prealloc");
    raw.sync_all().expect("sync");
    let block = vec![7u8; 1024];
    let (mut reads, mut flushes, mut beyond) = (Vec::new(), Vec::new(), Vec::new());
    let mut entries = 0;
    for i in 0..n {
        let t = Instant::now();
        raw.write_all_at(&block, (i * 1024) as u64)
            .expect("raw write");
        raw.sync_data().expect("fdatasync");
        let flush = t.elapsed();
        let t = Instant::now();
        let view = s.show_dossier(dossier, None).expect("read");
        let read = t.elapsed();
        entries = view.entries.len();
        reads.push(read);
        flushes.push(flush);
        beyond.push(read.saturating_sub(flush));
    }
    R1 {
        read: median(reads),
        flush: median(flushes),
        beyond: median(beyond),
        entries,
    }
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
