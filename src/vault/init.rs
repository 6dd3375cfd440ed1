//! Creating a vault: policy copy, vault keys, recovery key, first staff member.

use std::collections::BTreeMap;
use std::path::Path;

use secrecy::SecretString;

use super::views::InitReport;
use super::{now, policy_digest, take_lock, Vault, AUDIT_FILE, POLICY_FILE, STORE_DIR};
use crate::audit::{AuditLog, Draft, LogState, SigningKey};
use crate::crypto::kdf::{self, KdfParams};
use crate::crypto::key::random_bytes;
use crate::crypto::wrap::{self, Identity};
use crate::crypto::{envelope, Aad, Key32};
use crate::error::{Error, Result};
use crate::policy::{Capability, VaultKey};
use crate::store::records::{encode, StaffRecord, StaffStatus, VaultMeta, FORMAT};
use crate::store::sled_store::SledStore;
use crate::store::{layout, Batch, Store};
use crate::vault::access::keys::{new_key_material, seal_staff_name};

/// Everything `init` needs.
pub struct InitOptions {
    /// The establishment's name (sealed in the vault).
    pub establishment: String,
    /// First staff member's id.
    pub admin_id: String,
    /// First staff member's display name.
    pub admin_name: String,
    /// First staff member's profession (must be able to manage staff).
    pub admin_profession: String,
    /// First staff member's passphrase.
    pub admin_passphrase: SecretString,
    /// KDF parameters for every passphrase in this vault.
    pub kdf: KdfParams,
    /// Policy text and the name to report it under; `None` for the shipped default.
    pub policy: Option<(String, String)>,
    /// Use this recovery identity instead of generating one (demonstrations).
    pub recovery: Option<Identity>,
}

impl std::fmt::Debug for InitOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InitOptions")
            .field("admin_id", &self.admin_id)
            .finish_non_exhaustive()
    }
}

/// Where a new vault is created.
enum Place {
    Folder(Box<SledStore>, std::fs::File),
    Database(std::sync::Arc<crate::store::postgres::PgVault>),
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(msg!("cannot-sync-vault-directory"), e))
}

impl Vault {
    /// Creates a new vault in `dir` (which must not hold one) and returns it open,
    /// with the recovery identity the caller must hand to the establishment.
    pub fn init(dir: &Path, opts: InitOptions) -> Result<(Vault, InitReport)> {
        layout::check_id("staff", &opts.admin_id)?;
        if opts.admin_name.trim().is_empty() || opts.establishment.trim().is_empty() {
            return Err(Error::Usage(msg!("establishment-admin-names-must-empty")));
        }
        crate::text::check_name("the establishment's name", &opts.establishment)?;
        crate::text::check_name("the first member's name", &opts.admin_name)?;
        let database = dir
            .to_str()
            .filter(|d| crate::store::postgres::is_url(d))
            .map(str::to_string);
        if database.is_none() && (dir.join(STORE_DIR).exists() || dir.join(AUDIT_FILE).exists()) {
            return Err(Error::Usage(msg!(
                "already-holds-vault",
                dir = dir.display()
            )));
        }
        let (policy_text, policy_name) = opts.policy.clone().unwrap_or_else(|| {
            (
                crate::policy::DEFAULT_POLICY.to_string(),
                crate::policy::DEFAULT_POLICY_NAME.to_string(),
            )
        });
        let policy = crate::policy::parse(&policy_text, &policy_name)?;
        if !policy.has_profession(&opts.admin_profession) {
            return Err(Error::Usage(msg!(
                "unknown-profession",
                admin_profession = opts.admin_profession
            )));
        }
        if !policy.has(&opts.admin_profession, Capability::ManageStaff) {
            return Err(Error::Usage(msg!(
                "first-member-must-able-manage-staff",
                admin_profession = opts.admin_profession
            )));
        }
        let admin_passphrase =
            crate::crypto::passphrase::check_new(&opts.admin_passphrase, &opts.kdf)?;

        let place = match &database {
            Some(url) => {
                let pg = crate::store::postgres::PgVault::connect(url)?;
                pg.create(&policy_text)?;
                Place::Database(pg)
            }
            None => {
                crate::private_files::create_dir(dir)?;
                let lock = take_lock(dir)?;
                let policy_path = dir.join(POLICY_FILE);
                crate::private_files::options()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&policy_path)
                    .and_then(|mut f| {
                        std::io::Write::write_all(&mut f, policy_text.as_bytes())?;
                        f.sync_all()
                    })
                    .map_err(|e| Error::io(msg!("cannot-write-vault-s-policy"), e))?;
                let store = SledStore::open(&dir.join(STORE_DIR))?;
                sync_dir(dir)?;
                Place::Folder(Box::new(store), lock)
            }
        };

        let vault_id = hex::encode(random_bytes::<16>()?);
        let recovery = match opts.recovery {
            Some(r) => r,
            None => Identity::generate(),
        };
        let admin_identity = Identity::generate();

        let mut batch = Batch::new();
        let mut key_gens = BTreeMap::new();
        let mut directory_key = None;
        let mut audit_recipient = String::new();
        let mut commitments = BTreeMap::new();
        for key in policy.vault_keys() {
            let material = new_key_material(&key)?;
            commitments.insert(
                key.name(),
                crate::rights::fact::key_commitment(&vault_id, &key.name(), 1, &material),
            );
            if key == VaultKey::Audit {
                let id = Identity::parse(
                    std::str::from_utf8(&material).map_err(|_| Error::Io(msg!("audit-key")))?,
                )?;
                audit_recipient = id.recipient();
            }
            if key == VaultKey::Directory {
                directory_key = Some(Key32::from_slice(&material)?);
            }
            let recovery_wrap = wrap::wrap(&material, &[&recovery.recipient()])?;
            batch.put(
                layout::wrap(&key.name(), 1, crate::vault::access::keys::RECOVERY_HOLDER),
                recovery_wrap,
            );
            if policy.entitled(&opts.admin_profession, &key) {
                batch.put(
                    layout::wrap(&key.name(), 1, &opts.admin_id),
                    wrap::wrap(&material, &[&admin_identity.recipient()])?,
                );
            }
            key_gens.insert(key.name(), 1u32);
        }
        let directory_key = directory_key.ok_or_else(|| Error::Io(msg!("directory-key")))?;

        let establishment_sealed = envelope::seal(
            &directory_key,
            &Aad::new("coffre/establishment/v1").with(vault_id.as_bytes()),
            opts.establishment.as_bytes(),
        )?;
        let meta = VaultMeta {
            format: FORMAT,
            vault_id: vault_id.clone(),
            created: now(),
            kdf: opts.kdf,
            recovery_recipient: recovery.recipient(),
            audit_recipient,
            policy_sha256: policy_digest(&policy_text),
            key_gens,
            establishment_sealed,
        };
        batch.put(layout::meta(), encode(&meta)?);
        let (k, v) = crate::vault::records::reindex::version_record();
        batch.put(k, v);

        let salt = random_bytes::<16>()?;
        let pkey = kdf::derive(&admin_passphrase, &salt, &opts.kdf)?;
        let identity_aad = Aad::new("coffre/identity/v1")
            .with(vault_id.as_bytes())
            .with(opts.admin_id.as_bytes());
        let signer = SigningKey::derive(&wrap::secret_bytes(&admin_identity), &vault_id)?;
        let admin = StaffRecord {
            signing_key: signer.public(),
            previous_signing_keys: Vec::new(),
            id: opts.admin_id.clone(),
            profession: opts.admin_profession.clone(),
            status: StaffStatus::Active,
            recipient: admin_identity.recipient(),
            kdf: opts.kdf,
            salt: salt.to_vec(),
            identity_sealed: envelope::seal(
                &pkey,
                &identity_aad,
                &wrap::secret_bytes(&admin_identity),
            )?,
            name_sealed: seal_staff_name(
                &directory_key,
                &vault_id,
                &opts.admin_id,
                &opts.admin_name,
            )?,
            added: now(),
            added_by: opts.admin_id.clone(),
        };
        batch.put(layout::staff(&opts.admin_id), encode(&admin)?);

        batch.put(layout::audit_state(), encode(&LogState::empty(&vault_id))?);
        let (dir, store, audit_medium, checkpoints, backend): (
            std::path::PathBuf,
            Box<dyn crate::store::Store>,
            crate::store::medium::Medium,
            crate::audit::CheckpointFile,
            super::Backend,
        ) = match place {
            Place::Database(pg) => {
                use crate::store::postgres::{PgLog, PgStore};
                let store = PgStore::new(pg.clone());
                crate::store::Store::commit(&store, batch)?;
                (
                    std::path::PathBuf::from(pg.label()),
                    Box::new(store),
                    std::sync::Arc::new(PgLog::audit(pg.clone())),
                    crate::audit::CheckpointFile::on(std::sync::Arc::new(PgLog::checkpoints(
                        pg.clone(),
                    ))),
                    super::Backend::Postgres(pg),
                )
            }
            Place::Folder(store, lock) => {
                store.commit(batch)?;
                let (journal, _) = crate::store::journal::Journal::open(
                    &dir.join(super::JOURNAL_FILE),
                    crate::store::journal::DEFAULT_CAPACITY,
                )?;
                sync_dir(dir)?;
                (
                    dir.to_path_buf(),
                    Box::new(crate::store::overlay::Overlay::new(*store)),
                    crate::store::medium::FileMedium::shared(&dir.join(AUDIT_FILE)),
                    crate::audit::CheckpointFile::new(&dir.join(super::CHECKPOINT_FILE)),
                    super::Backend::Folder {
                        journal: std::sync::Mutex::new(journal),
                        space: crate::store::space::SpaceCheck::new(dir),
                        _lock: lock,
                    },
                )
            }
        };
        let (log, _) = AuditLog::open(audit_medium.clone(), LogState::empty(&vault_id))?;
        let vault = Vault::from_parts(super::Parts {
            dir,
            store,
            policy,
            meta,
            checkpoints,
            log,
            audit_medium,
            backend,
            ready: true,
            rights: Some(crate::rights::Verified::start(&vault_id)),
            warnings: Vec::new(),
            clock_reference: None,
        });
        // The genesis: the root of the rights register, signed by the first
        // member; its leaf hash is the vault's identity.
        let recovery_signer = SigningKey::derive(&wrap::secret_bytes(&recovery), &vault_id)?;
        let genesis = crate::rights::Fact::Genesis {
            vault: vault_id.clone(),
            policy_sha256: vault.meta.policy_sha256.clone(),
            kdf_floor: opts.kdf,
            recovery_recipient: recovery.recipient(),
            recovery_key: hex::encode(recovery_signer.public()),
            audit_recipient: vault.meta.audit_recipient.clone(),
            keys: commitments,
            admin: crate::rights::Member {
                id: opts.admin_id.clone(),
                profession: opts.admin_profession.clone(),
                status: crate::rights::Status::Active,
                recipient: admin.recipient.clone(),
                key: hex::encode(admin.signing_key),
            },
        };
        let signer = std::sync::Arc::new(signer);
        vault.audit(
            Draft::new(&opts.admin_id, &opts.admin_profession, "vault.init")
                .target(&opts.admin_id)
                .fact(
                    genesis.to_json()?,
                    Some((opts.admin_id.clone(), signer.clone())),
                ),
        )?;
        vault.checkpoint(&signer, &opts.admin_id)?;
        let genesis_hash = vault
            .rights_lock()?
            .as_ref()
            .map(|v| v.genesis)
            .ok_or_else(|| Error::Io(msg!("genesis-recorded")))?;
        Ok((
            vault,
            InitReport {
                vault_id,
                recovery,
                genesis: hex::encode(genesis_hash),
            },
        ))
    }
}
