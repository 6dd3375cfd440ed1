//! Process hardening: keeps the keys a process holds in memory out of core dumps
//! (CWE-528, "core dump file in a world-readable location"; issue 10 point 6).
//! A crash of a process that has unlocked a vault would otherwise write its
//! memory — identities, data keys, decrypted fields — to a file on disk.
//!
//! Uses `rustix`'s safe wrappers of `prctl(2)` and `setrlimit(2)` (the library
//! forbids `unsafe` code).

use crate::error::{Error, Result};

/// Forbids core dumps of the calling process from now on:
/// `setrlimit(RLIMIT_CORE, 0, 0)` (POSIX; no core file, and the hard limit cannot
/// be raised again) and, on Linux, `prctl(PR_SET_DUMPABLE, 0)` (no core dump even
/// through a `core_pattern` pipe, and `/proc/PID/mem` and `ptrace` attach are
/// closed to other processes of the same user). Call it at process start, before
/// any key is in memory.
///
/// Errors: [`Error::Io`] if the kernel refuses either call.
pub fn forbid_core_dumps() -> Result<()> {
    use rustix::process::{setrlimit, Resource, Rlimit};
    setrlimit(
        Resource::Core,
        Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    )
    .map_err(|e| Error::Io(msg!("cannot-forbid-core-dumps-setrlimit", e = e)))?;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
        .map_err(|e| Error::Io(msg!("cannot-forbid-core-dumps-prctl", e = e)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_hardening_no_core_dump_can_be_written() {
        forbid_core_dumps().unwrap();
        let lim = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!(lim.current, Some(0));
        assert_eq!(lim.maximum, Some(0));
        #[cfg(target_os = "linux")]
        {
            assert_eq!(
                rustix::process::dumpable_behavior().unwrap(),
                rustix::process::DumpableBehavior::NotDumpable
            );
            // The kernel's own view of this process.
            let status = std::fs::read_to_string("/proc/self/limits").unwrap();
            let core = status
                .lines()
                .find(|l| l.starts_with("Max core file size"))
                .unwrap();
            let nums: Vec<&str> = core.split_whitespace().skip(4).take(2).collect();
            assert_eq!(nums, ["0", "0"], "{core}");
        }
    }
}
