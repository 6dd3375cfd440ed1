//! Free-space checks before writing, without a `statvfs` call per change.
//!
//! sled 0.34 can wait for ever when a write hits a full disk, so every change is
//! refused beforehand if the file system has no room for it. The file system is
//! asked again only when the bytes accepted since its last answer could have
//! used a quarter of the free space it reported, or after a second.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Room kept free beyond a change's own needs.
pub const MARGIN: u64 = 2 * 1024 * 1024;

/// Free-space bookkeeping for one directory.
#[derive(Debug)]
pub struct SpaceCheck {
    dir: PathBuf,
    /// When the file system last answered, what it said, and bytes accepted since.
    seen: Mutex<Option<(Instant, u64, u64)>>,
}

impl SpaceCheck {
    /// Checks for the file system holding `dir`.
    pub fn new(dir: &Path) -> Self {
        SpaceCheck {
            dir: dir.to_path_buf(),
            seen: Mutex::new(None),
        }
    }

    /// Refuses (nothing written yet) unless about `bytes` more can be written:
    /// `bytes` three times over (the data lands in more than one place and sled
    /// rewrites segments) plus [`MARGIN`].
    pub fn require(&self, bytes: u64) -> Result<()> {
        let needed = bytes.saturating_mul(3).saturating_add(MARGIN);
        let mut seen = self
            .seen
            .lock()
            .map_err(|_| Error::Io(msg!("space-check-lock-poisoned")))?;
        let stale = match *seen {
            None => true,
            Some((at, free, used)) => {
                at.elapsed() > Duration::from_secs(1) || used.saturating_add(needed) > free / 4
            }
        };
        if stale {
            *seen = fs4::available_space(&self.dir)
                .ok()
                .map(|free| (Instant::now(), free, 0));
        }
        let Some((at, free, used)) = *seen else {
            // The file system would not say: let the write itself report.
            return Ok(());
        };
        let left = free.saturating_sub(used);
        if left < needed {
            *seen = None;
            return Err(Error::Io(msg!(
                "enough-disk-space-mib-free-about",
                left = left / (1024 * 1024),
                div_ceil = needed.div_ceil(1024 * 1024)
            )));
        }
        *seen = Some((at, free, used.saturating_add(bytes.saturating_mul(3))));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_cannot_fit_and_accepts_small_changes() {
        let dir = tempfile::tempdir().unwrap();
        let check = SpaceCheck::new(dir.path());
        let free = fs4::available_space(dir.path()).unwrap();
        assert!(check.require(1024).is_ok());
        let err = check.require(free).unwrap_err();
        assert!(
            err.in_lang(crate::i18n::Lang::En)
                .contains("not enough disk space"),
            "{err}"
        );
        // Accepted bytes are counted between two answers of the file system.
        for _ in 0..100 {
            check.require(1024).unwrap();
        }
        let seen = check.seen.lock().unwrap();
        assert!(seen.is_some_and(|(_, _, used)| used >= 100 * 3 * 1024));
    }
}
