//! Backup and restore. A backup is one `age` file, encrypted to the vault's
//! recovery key, holding a tar of the policy, the audit log and its checkpoints,
//! the erasure keys, a dump of the store and — last — a manifest with the size and
//! SHA-256 of every member. It is taken under the vault's lock (a consistent state;
//! other commands wait with `--wait`), streamed in bounded memory, and checked
//! member by member on `backup verify` and `restore`, which also verifies the audit.
//!
//! Dossiers erased before a backup are not in it. Restoring a backup older than an
//! erasure brings that dossier back: erase it again (the current audit log says
//! which and why), or keep backups within the retention schedule.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use ring::digest::{Context, SHA256};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::policy::Capability;
use crate::store::sled_store::SledStore;
use crate::store::{Batch, Store};
use crate::vault::access::session::Session;
use crate::vault::audit_trail::restores::{restore_detail, RESTORE_ACTION, RESTORE_ACTOR};
use crate::vault::{now, rfc3339, Vault, AUDIT_FILE, CHECKPOINT_FILE, POLICY_FILE, STORE_DIR};

/// Format marker of the manifest.
pub const BACKUP_FORMAT: &str = "coffre-backup/1";
const ROOT: &str = "coffre-backup";
const MANIFEST: &str = "MANIFEST.json";
const STORE_DUMP: &str = "store.bin";

/// The last member of a backup.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// [`BACKUP_FORMAT`].
    pub format: String,
    /// Vault id.
    pub vault_id: String,
    /// When the backup was taken.
    pub created: String,
    /// Store records dumped.
    pub records: u64,
    /// Audit entries in the backed-up log.
    pub audit_entries: u64,
    /// Every other member: size and SHA-256 (hex).
    pub files: BTreeMap<String, (u64, String)>,
}

struct Hashing<'a> {
    w: &'a mut dyn Write,
    ctx: Context,
    n: u64,
}

impl Write for Hashing<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.w.write(buf)?;
        self.ctx.update(&buf[..n]);
        self.n += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

fn io(e: std::io::Error) -> Error {
    Error::io(msg!("cannot-write-backup"), e)
}

fn tar_header(name: &str, size: u64) -> Result<tar::Header> {
    let mut h = tar::Header::new_ustar();
    h.set_path(format!("{ROOT}/{name}")).map_err(io)?;
    h.set_size(size);
    h.set_mode(0o600);
    h.set_mtime(now());
    h.set_cksum();
    Ok(h)
}

/// Writes one member whose bytes `body` produces (called once), hashing them.
fn member(
    out: &mut dyn Write,
    name: &str,
    size: u64,
    files: &mut BTreeMap<String, (u64, String)>,
    body: &mut dyn FnMut(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    out.write_all(tar_header(name, size)?.as_bytes())
        .map_err(io)?;
    let mut h = Hashing {
        w: out,
        ctx: Context::new(&SHA256),
        n: 0,
    };
    body(&mut h)?;
    if h.n != size {
        return Err(Error::Io(msg!("changed-while-backed-up", name = name)));
    }
    let digest = hex::encode(h.ctx.finish());
    out.write_all(&vec![0u8; ((512 - size % 512) % 512) as usize])
        .map_err(io)?;
    files.insert(name.to_string(), (size, digest));
    Ok(())
}

/// Copies `limit` bytes of a log (audit or checkpoints) into `out`.
fn copy_medium(
    out: &mut dyn Write,
    m: &dyn crate::store::medium::LogMedium,
    limit: u64,
) -> Result<()> {
    let copied =
        std::io::copy(&mut crate::store::medium::reader(m).take(limit), out).map_err(io)?;
    if copied != limit {
        return Err(Error::Io(msg!(
            "changed-while-backed-up-2",
            path = m.name()
        )));
    }
    Ok(())
}

fn copy_file(out: &mut dyn Write, path: &Path, limit: u64) -> Result<()> {
    let f =
        std::fs::File::open(path).map_err(|e| Error::io(msg!("cannot-read-vault-backup"), e))?;
    let copied = std::io::copy(&mut f.take(limit), out).map_err(io)?;
    if copied != limit {
        return Err(Error::Io(msg!(
            "changed-while-backed-up-2",
            path = path.display()
        )));
    }
    Ok(())
}

impl Session<'_> {
    /// Writes a backup of the whole vault (unencrypted tar) into `out`; the caller
    /// encrypts it to the recovery key. Staff managers only; audited first.
    pub fn backup(&mut self, out: &mut dyn Write) -> Result<Manifest> {
        let _turn = self.vault.begin()?;
        let _turn = self.ensure_current()?;
        const ACTION: &str = "vault.backup";
        self.require(Capability::ManageStaff, ACTION, None)?;
        self.vault.audit(self.draft(ACTION))?;
        // Everything into the store's files, the audit index included.
        let written = self
            .vault
            .settle()
            .and_then(|_| self.vault.write_backup(out));
        self.outcome_of_write(crate::vault::outcome::BACKUP_ACTION, None, written)
    }
}

impl Vault {
    fn write_backup(&self, out: &mut dyn Write) -> Result<Manifest> {
        let mut files = BTreeMap::new();
        let state = self.log()?.state().clone();
        let dir = self.dir.clone();
        let len = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        // The same members whether the vault is a folder or a database: a
        // backup restores as a folder, or into PostgreSQL.
        if let crate::vault::Backend::Postgres(pg) = &self.backend {
            let policy = pg.policy()?;
            member(
                out,
                POLICY_FILE,
                policy.len() as u64,
                &mut files,
                &mut |w| w.write_all(policy.as_bytes()).map_err(io),
            )?;
            let cps = self.checkpoints.medium().clone();
            let size = cps.len()?;
            member(out, CHECKPOINT_FILE, size, &mut files, &mut |w| {
                copy_medium(w, cps.as_ref(), size)
            })?;
        } else {
            for name in [POLICY_FILE, CHECKPOINT_FILE] {
                let p = dir.join(name);
                let size = len(&p);
                member(out, name, size, &mut files, &mut |w| copy_file(w, &p, size))?;
            }
        }
        let log = self.audit_medium.clone();
        member(out, AUDIT_FILE, state.offset, &mut files, &mut |w| {
            copy_medium(w, log.as_ref(), state.offset)
        })?;
        if let crate::vault::Backend::Postgres(pg) = &self.backend {
            for (n, key) in pg.all_erasure_keys()? {
                member(
                    out,
                    &format!("erasure/{n}"),
                    key.len() as u64,
                    &mut files,
                    &mut |w| w.write_all(&key).map_err(io),
                )?;
            }
        }
        let erasure_dir = dir.join("erasure");
        if let Ok(entries) = std::fs::read_dir(&erasure_dir) {
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            for n in names {
                let p = erasure_dir.join(&n);
                member(out, &format!("erasure/{n}"), 32, &mut files, &mut |w| {
                    copy_file(w, &p, 32)
                })?;
            }
        }
        // The store: first its size, then its bytes.
        let (mut size, mut records) = (0u64, 0u64);
        self.store.for_each(&mut |k, v| {
            size += 8 + k.len() as u64 + v.len() as u64;
            records += 1;
            Ok(())
        })?;
        member(out, STORE_DUMP, size, &mut files, &mut |w| {
            self.store.for_each(&mut |k, v| {
                w.write_all(&(k.len() as u32).to_be_bytes()).map_err(io)?;
                w.write_all(k).map_err(io)?;
                w.write_all(&(v.len() as u32).to_be_bytes()).map_err(io)?;
                w.write_all(v).map_err(io)
            })
        })?;
        let manifest = Manifest {
            format: BACKUP_FORMAT.into(),
            vault_id: self.meta.vault_id.clone(),
            created: rfc3339(now()),
            records,
            audit_entries: state.size,
            files,
        };
        let bytes = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| Error::Io(msg!("encoding-failed", detail = e.to_string())))?;
        out.write_all(tar_header(MANIFEST, bytes.len() as u64)?.as_bytes())
            .map_err(io)?;
        out.write_all(&bytes).map_err(io)?;
        out.write_all(&vec![0u8; (512 - bytes.len() % 512) % 512])
            .map_err(io)?;
        out.write_all(&[0u8; 1024]).map_err(io)?;
        out.flush().map_err(io)?;
        Ok(manifest)
    }
}

fn bad(what: &str) -> Error {
    Error::Integrity(msg!("backup-damaged-incomplete", what = what))
}

/// Reads a backup tar (already decrypted). With `target`, members are written into
/// that new vault directory; without, they are only checked. Every member is
/// hashed and compared with the manifest, which must come last.
pub fn read_backup(input: &mut dyn Read, target: Option<&Path>) -> Result<Manifest> {
    let mut archive = tar::Archive::new(input);
    let mut seen: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut manifest: Option<Manifest> = None;
    let store = match target {
        Some(dir) => {
            if dir.exists()
                && std::fs::read_dir(dir)
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(true)
            {
                return Err(Error::Usage(msg!(
                    "exists-empty-restore-into-new-folder",
                    dir = dir.display()
                )));
            }
            crate::private_files::create_dir(dir)
                .and_then(|_| crate::private_files::create_dir(&dir.join("erasure")))?;
            Some(SledStore::open(&dir.join(STORE_DIR))?)
        }
        None => None,
    };
    for entry in archive.entries().map_err(|_| bad("not a backup archive"))? {
        let mut entry = entry.map_err(|_| bad("unreadable member"))?;
        let path = entry
            .path()
            .map_err(|_| bad("member name"))?
            .to_string_lossy()
            .into_owned();
        let Some(name) = path.strip_prefix(&format!("{ROOT}/")).map(str::to_string) else {
            return Err(bad("unexpected member"));
        };
        if manifest.is_some() {
            return Err(bad("members after the manifest"));
        }
        if name == MANIFEST {
            let mut text = Vec::new();
            entry.read_to_end(&mut text).map_err(|_| bad("manifest"))?;
            manifest = Some(serde_json::from_slice(&text).map_err(|_| bad("manifest"))?);
            continue;
        }
        let allowed = [POLICY_FILE, AUDIT_FILE, CHECKPOINT_FILE, STORE_DUMP]
            .contains(&name.as_str())
            || name
                .strip_prefix("erasure/")
                .is_some_and(|d| crate::store::layout::check_id("dossier", d).is_ok());
        if !allowed {
            return Err(bad(&format!("unexpected member {name}")));
        }
        let mut ctx = Context::new(&SHA256);
        let mut size = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        let mut file = match target {
            Some(dir) if name != STORE_DUMP => Some(
                crate::private_files::options()
                    .write(true)
                    .create_new(true)
                    .open(dir.join(&name))
                    .map_err(|e| Error::io(msg!("cannot-restore-file"), e))?,
            ),
            _ => None,
        };
        let mut dump = DumpReader::default();
        let mut batch = Batch::new();
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(|_| bad(&format!("{name} is truncated")))?;
            if n == 0 {
                break;
            }
            ctx.update(&buf[..n]);
            size += n as u64;
            if let Some(f) = file.as_mut() {
                f.write_all(&buf[..n])
                    .map_err(|e| Error::io(msg!("cannot-restore-file"), e))?;
            }
            if name == STORE_DUMP {
                dump.feed(&buf[..n], &mut |k, v| {
                    batch.put(k, v);
                })?;
                if let (Some(s), true) = (store.as_ref(), batch.ops.len() >= 1000) {
                    s.apply(std::mem::take(&mut batch))?;
                }
            }
        }
        if name == STORE_DUMP {
            dump.finish()?;
            if let Some(s) = store.as_ref() {
                s.apply(batch)?;
            }
        }
        if let Some(f) = file {
            f.sync_all()
                .map_err(|e| Error::io(msg!("cannot-restore-file"), e))?;
        }
        seen.insert(name, (size, hex::encode(ctx.finish())));
    }
    let manifest = manifest.ok_or_else(|| bad("no manifest (the backup was cut short)"))?;
    if manifest.format != BACKUP_FORMAT {
        return Err(bad(&format!("unknown format {}", manifest.format)));
    }
    if manifest.files != seen {
        let differing: Vec<&String> = manifest
            .files
            .keys()
            .chain(seen.keys())
            .filter(|k| manifest.files.get(*k) != seen.get(*k))
            .collect();
        return Err(bad(&format!(
            "members differ from the manifest: {differing:?}"
        )));
    }
    if let Some(s) = store {
        s.commit(Batch::new())?;
    }
    if let Some(dir) = target {
        crate::vault::init::sync_dir(&dir.join("erasure"))?;
        crate::vault::init::sync_dir(dir)?;
    }
    Ok(manifest)
}

/// Parses the store dump: `u32 BE key length, key, u32 BE value length, value`…
#[derive(Default)]
struct DumpReader {
    pending: Vec<u8>,
}

impl DumpReader {
    fn feed(&mut self, bytes: &[u8], emit: &mut dyn FnMut(Vec<u8>, Vec<u8>)) -> Result<()> {
        self.pending.extend_from_slice(bytes);
        let mut pos = 0;
        loop {
            let rest = &self.pending[pos..];
            if rest.len() < 4 {
                break;
            }
            let kl = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
            if rest.len() < 4 + kl + 4 {
                break;
            }
            let vl_at = 4 + kl;
            let vl = u32::from_be_bytes([
                rest[vl_at],
                rest[vl_at + 1],
                rest[vl_at + 2],
                rest[vl_at + 3],
            ]) as usize;
            if kl > 1 << 20 || vl > 64 << 20 {
                return Err(bad("store record too large"));
            }
            if rest.len() < vl_at + 4 + vl {
                break;
            }
            emit(
                rest[4..vl_at].to_vec(),
                rest[vl_at + 4..vl_at + 4 + vl].to_vec(),
            );
            pos += vl_at + 4 + vl;
        }
        self.pending.drain(..pos);
        Ok(())
    }

    fn finish(&self) -> Result<()> {
        if self.pending.is_empty() {
            Ok(())
        } else {
            Err(bad("the store dump ends in the middle of a record"))
        }
    }
}

/// Restores a backup into the new directory `dir`, then opens it, verifies its
/// audit log and records the restore in it (`vault.restore`, by
/// `recovery-key`, with the backup's date and number of audit entries).
///
/// The holder of the recovery key has no checkpoint-signing key (checkpoints are
/// signed by staff members, `src/audit/checkpoint.rs`), so that entry is left for
/// the next staff member's command to sign, like a failed unlock. Returns the
/// manifest and the verification of the log as it was in the backup.
pub fn restore(
    input: &mut dyn Read,
    dir: &Path,
) -> Result<(Manifest, crate::audit::VerifySummary)> {
    if let Some(url) = dir.to_str().filter(|d| crate::store::postgres::is_url(d)) {
        // Into PostgreSQL: restored as a folder in a private temporary place
        // (ciphertext, as in any vault folder), moved in, then removed.
        let scratch = std::env::temp_dir().join(format!(
            "coffre-restore-{}",
            hex::encode(crate::crypto::key::random_bytes::<8>()?)
        ));
        crate::private_files::create_dir(&scratch)?;
        let moved = restore(input, &scratch.join("vault"))
            .and_then(|(m, _)| Ok((m, super::migrate::migrate(&scratch.join("vault"), url)?)));
        let _ = std::fs::remove_dir_all(&scratch);
        let (manifest, moved) = moved?;
        return Ok((manifest, moved.after));
    }
    let manifest = read_backup(input, Some(dir))?;
    let vault = Vault::open(dir)?;
    if vault.id() != manifest.vault_id {
        return Err(bad(
            "the store does not belong to the vault of the manifest",
        ));
    }
    let summary = vault.verify_audit(None)?;
    vault.audit(
        crate::audit::Draft::new(RESTORE_ACTOR, "", RESTORE_ACTION)
            .detail(&restore_detail(&manifest.created, manifest.audit_entries)),
    )?;
    Ok((manifest, summary))
}
