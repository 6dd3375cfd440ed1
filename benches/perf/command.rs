//! C1: `coffre dossier show` as a new process on the W2 vault, and where its
//! time goes (the same steps timed through the library).

use std::path::Path;
use std::time::{Duration, Instant};

use coffre::crypto::kdf::{self, KdfParams};
use coffre::Vault;

use crate::fixture::{median, pass, PASS};

pub struct C1 {
    pub command: Duration,
    /// The key derivation alone (argon2id at the production parameters), timed
    /// in this process right after each command.
    pub kdf: Duration,
    /// Median over the rounds of (command − the derivation timed right after
    /// it): the command without its key derivation, both of the same moment.
    pub without_kdf: Duration,
    pub start: Duration,
    pub open: Duration,
    pub unlock: Duration,
    pub read: Duration,
    pub close: Duration,
}

fn run(args: &[&str]) -> Duration {
    let t = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coffre"))
        .args(args)
        .env("COFFRE_PASSPHRASE", PASS)
        .output()
        .expect("run coffre");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.elapsed()
}

/// The vault at `dir` must be closed (C1 opens it as a new process would).
pub fn c1(dir: &Path, dossier: &str, n: usize) -> C1 {
    let vault = dir.to_str().expect("utf-8 path");
    let args = [
        "--vault", vault, "--user", "edu", "dossier", "show", dossier,
    ];
    let (mut commands, mut kdfs, mut without) = (vec![], vec![], vec![]);
    for _ in 0..n {
        let c = run(&args);
        let t = Instant::now();
        kdf::derive(&pass(), &[1u8; 16], &KdfParams::DEFAULT).expect("kdf");
        let k = t.elapsed();
        commands.push(c);
        kdfs.push(k);
        without.push(c.saturating_sub(k));
    }
    let command = median(commands);
    let start = median((0..n).map(|_| run(&["--version"])).collect());
    let (mut open, mut unlock, mut read, mut close) = (vec![], vec![], vec![], vec![]);
    for _ in 0..n {
        let t = Instant::now();
        let v = Vault::open(dir).expect("open");
        open.push(t.elapsed());
        let t = Instant::now();
        let mut s = v.unlock("edu", &pass()).expect("unlock");
        unlock.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(s.show_dossier(dossier, None).expect("read"));
        read.push(t.elapsed());
        let t = Instant::now();
        drop(s);
        drop(v);
        close.push(t.elapsed());
    }
    C1 {
        command,
        kdf: median(kdfs),
        without_kdf: median(without),
        start,
        open: median(open),
        unlock: median(unlock),
        read: median(read),
        close: median(close),
    }
}
