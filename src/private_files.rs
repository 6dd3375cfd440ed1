//! Owner-only modes for everything Coffre keeps on disk, whatever the umask: the
//! vault's folders are `0700` and its files `0600`, so other accounts of the
//! machine can neither read the audit log (who read which dossier, when) nor the
//! store (wrapped identities, for offline guessing), nor write anything.
//!
//! Files Coffre creates itself are opened with [`options`] (mode `0600` from the
//! start). Files other libraries create (sled's) are set to `0600` right after;
//! a folder at `0700` keeps them out of reach meanwhile. [`make_private`] walks a
//! vault at open, sets modes back and reports what it found too open.

use std::fs::OpenOptions;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::{Error, Result};
use crate::warning::Warning;

/// Mode of every folder of a vault: owner only.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file of a vault: owner read and write.
pub const FILE_MODE: u32 = 0o600;
/// Group and other bits: none may be set.
const SHARED_BITS: u32 = 0o077;
/// How deep [`make_private`] walks (the vault, `store/`, `store/blobs/`...).
const MAX_DEPTH: usize = 4;

/// Open options that create a file with mode `0600` (the umask can only take
/// bits away).
pub fn options() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.mode(FILE_MODE);
    o
}

/// Creates `dir` (and missing parents) and sets `dir` itself to `0700`.
pub fn create_dir(dir: &Path) -> Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(|e| Error::io(msg!("cannot-create-folder"), e))?;
    set_mode(dir, DIR_MODE).map_err(|e| Error::io(msg!("cannot-make-folder-private"), e))
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

/// Sets `path` (a file or folder, never followed if a symbolic link) to the
/// owner-only mode if it has group or other bits; returns its former bits when
/// it had any, with whether they could be changed.
pub fn tighten(path: &Path) -> Option<(u32, bool)> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    tighten_known(path, &meta)
}

/// [`tighten`] with `path`'s metadata already read (not following links).
fn tighten_known(path: &Path, meta: &std::fs::Metadata) -> Option<(u32, bool)> {
    let ft = meta.file_type();
    let mode = meta.permissions().mode() & 0o7777;
    if ft.is_symlink() || mode & SHARED_BITS == 0 {
        return None;
    }
    let want = if ft.is_dir() { DIR_MODE } else { FILE_MODE };
    Some((mode, set_mode(path, want).is_ok()))
}

/// Walks `dir` (a vault, a few levels deep, symbolic links not followed) and sets
/// every folder to `0700` and every file to `0600` where group or other bits were
/// set; returns one [`Warning::LoosePermissions`] per path found so. Never fails:
/// what cannot be listed or changed is reported as not fixed.
pub fn make_private(dir: &Path) -> Vec<Warning> {
    let mut warnings = Vec::new();
    walk(dir, 0, &mut warnings);
    warnings
}

fn walk(path: &Path, depth: usize, out: &mut Vec<Warning>) {
    // One `lstat` per path: a vault holds one erasure-key file per dossier, and
    // this walk runs at every open.
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    if let Some((mode, fixed)) = tighten_known(path, &meta) {
        out.push(Warning::LoosePermissions {
            path: path.to_path_buf(),
            mode,
            fixed,
        });
    }
    if !meta.is_dir() || depth >= MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        walk(&p, depth + 1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_modes_are_reported_and_tightened() {
        let t = tempfile::tempdir().unwrap();
        let v = t.path().join("v");
        create_dir(&v.join("store")).unwrap();
        set_mode(&v, 0o755).unwrap();
        std::fs::write(v.join("audit.log"), b"x").unwrap();
        set_mode(&v.join("audit.log"), 0o666).unwrap();
        let f = options()
            .write(true)
            .create_new(true)
            .open(v.join("store/db"))
            .unwrap();
        drop(f);
        let w = make_private(&v);
        let paths: Vec<_> = w
            .iter()
            .map(|w| match w {
                Warning::LoosePermissions { path, mode, fixed } => {
                    assert!(fixed);
                    (path.clone(), *mode)
                }
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            paths,
            vec![(v.clone(), 0o755), (v.join("audit.log"), 0o666)]
        );
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&v), 0o700);
        assert_eq!(mode(&v.join("audit.log")), 0o600);
        assert_eq!(mode(&v.join("store")), 0o700);
        assert_eq!(mode(&v.join("store/db")), 0o600);
        assert!(make_private(&v).is_empty());
    }
}
