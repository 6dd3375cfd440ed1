//! A clock shifted for one run of the binary: a tiny `LD_PRELOAD` library
//! (built with the C compiler) that adds `FAKE_OFFSET` seconds to
//! `clock_gettime(CLOCK_REALTIME)`, so tests can age a vault without editing it.

use std::path::{Path, PathBuf};
use std::process::Command;

const SHIM: &str = r#"
#define _GNU_SOURCE
#include <time.h>
#include <stdlib.h>
#include <dlfcn.h>
int clock_gettime(clockid_t id, struct timespec *ts) {
  static int (*real)(clockid_t, struct timespec *) = 0;
  if (!real) real = dlsym(RTLD_NEXT, "clock_gettime");
  int r = real(id, ts);
  const char *o = getenv("FAKE_OFFSET");
  if (r == 0 && o && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) ts->tv_sec += atoll(o);
  return r;
}
"#;

/// Builds the clock-shifting library into `dir`.
pub fn shim(dir: &Path) -> PathBuf {
    let src = dir.join("faketime.c");
    let lib = dir.join("faketime.so");
    std::fs::write(&src, SHIM).expect("write shim");
    let st = Command::new("gcc")
        .args(["-shared", "-fPIC", "-O2", "-o"])
        .arg(&lib)
        .arg(&src)
        .arg("-ldl")
        .status()
        .expect("these tests need gcc to build a clock-shifting library");
    assert!(st.success(), "gcc failed to build the clock shim");
    lib
}
