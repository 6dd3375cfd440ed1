//! The staff key lifecycle: passphrase change, revocation, change of profession,
//! and the rotation of category keys that follows — by the next holder to unlock
//! or at once with the recovery key, never by a manager who does not hold them —
//! then the re-wrapping of existing data keys to the new generation.

use secrecy::SecretString;
use serde::Serialize;

use crate::crypto::key::random_bytes;
use crate::crypto::wrap::{self, Identity};
use crate::crypto::{envelope, kdf, Key32};
use crate::error::{Error, Result};
use crate::policy::{Capability, VaultKey};
use crate::rights::fact::key_commitment;
use crate::rights::Fact;
use crate::store::records::{decode, encode, DataKeyRecord, StaffRecord, StaffStatus};
use crate::store::{layout, Batch};
use crate::vault::access::keys::{
    category_wrap_key, data_key_aad, new_key_material, RECOVERY_HOLDER,
};
use crate::vault::access::session::Session;
use crate::vault::staff::members::member_of;

/// A pending rotation, as listed.
#[derive(Clone, Debug, Serialize)]
pub struct PendingRotation {
    /// Key name (`cat:medical`).
    pub key: String,
    /// Why (in English, as the JSON output has it: `ID revoked`, `ID changed
    /// profession`); [`PendingRotation::reason_msg`] for people.
    pub reason: String,
}

impl PendingRotation {
    /// Why, as a message of the catalog (the member named by their id).
    pub fn reason_msg(&self) -> crate::error::Msg {
        if let Some(member) = self.reason.strip_suffix(" revoked") {
            msg!("rotation-reason-revoked", member = member)
        } else if let Some(member) = self.reason.strip_suffix(" changed profession") {
            msg!("rotation-reason-profession", member = member)
        } else {
            msg!("action-other", id = self.reason.clone())
        }
    }
}

impl Session<'_> {
    /// Changes this member's passphrase: the identity is re-sealed under a new salt;
    /// the old passphrase stops working.
    pub fn change_passphrase(&mut self, new: &SecretString) -> Result<()> {
        let _turn = self.ensure_current()?;
        let new = &crate::crypto::passphrase::check_new(new, &self.vault.kdf())?;
        // The record as stored now, not this session's copy from its login: a
        // directory-key rotation since then re-sealed the member's name, and
        // writing the old copy back would leave a name no later rotation can
        // open (the director could no longer log in). Under the key lock, so
        // that no rotation re-seals it between this read and the write.
        let vault = self.vault;
        let _keys = vault
            .keys_lock
            .lock()
            .map_err(|_| Error::Io(msg!("key-lock-poisoned")))?;
        let mut rec = vault.staff_record(&self.me.id)?.ok_or_else(|| {
            Error::Auth(msg!("session-member-changed", user = self.me.id.clone()))
        })?;
        let salt = random_bytes::<16>()?;
        rec.kdf = self.vault.kdf();
        let pkey = kdf::derive(new, &salt, &rec.kdf)?;
        rec.salt = salt.to_vec();
        rec.identity_sealed = envelope::seal(
            &pkey,
            &self.vault.identity_aad(&rec.id),
            &wrap::secret_bytes(self.identity()),
        )?;
        // The line and the record in one change: both saved, or neither.
        let mut batch = Batch::new();
        batch.put(layout::staff(&rec.id), encode(&rec)?);
        // Signed: an older copy of the record (the old passphrase) is refused.
        let fact = Fact::Passphrase {
            member: rec.id.clone(),
            record: hex::encode(crate::rights::fact::passphrase_hash(
                &rec.id,
                &rec.kdf,
                &rec.salt,
                &rec.identity_sealed,
            )),
        };
        self.vault.commit_audited(
            self.draft("staff.passwd")
                .target(&rec.id)
                .fact(fact.to_json()?, self.fact_signer()),
            batch,
        )?;
        self.me = rec;
        Ok(())
    }

    fn require_manager(&self, action: &str) -> Result<()> {
        self.require(Capability::ManageStaff, action, None)
    }

    /// The keys `rec` holds that it should not keep (all of them when revoked),
    /// for the audit line's detail. The rotations themselves are derived from
    /// the signed register ([`crate::rights::Register::rotations`]): the fact
    /// that revokes or changes the member is what makes them pending.
    fn keys_to_rotate(
        &self,
        rec: &StaffRecord,
        keep: impl Fn(&VaultKey) -> bool,
    ) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        for key in self.vault.policy.vault_keys() {
            if keep(&key) || !self.vault.has_wrap(&key, &rec.id)? {
                continue;
            }
            keys.push(key.name());
        }
        Ok(keys)
    }

    /// Revokes a staff member: they can no longer unlock, and every category key
    /// they held is rotated (at once where this manager or `recovery` can, else by
    /// the next holder to unlock). Returns the rotations still pending.
    pub fn revoke_staff(
        &mut self,
        id: &str,
        recovery: Option<&Identity>,
    ) -> Result<Vec<PendingRotation>> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "staff.revoke";
        layout::check_id("staff", id)?;
        self.require_manager(ACTION)?;
        if id == self.me.id {
            return Err(Error::Usage(msg!("you-cannot-revoke-yourself")));
        }
        self.check_recovery(recovery)?;
        let mut rec = self
            .vault
            .staff_record(id)?
            .ok_or_else(|| Error::NotFound(msg!("staff-member-3", id = id)))?;
        if rec.status == StaffStatus::Revoked {
            return Err(Error::Usage(msg!("already-revoked", id = id)));
        }
        let mut batch = Batch::new();
        let keys = self.keys_to_rotate(&rec, |_| false)?;
        rec.status = StaffStatus::Revoked;
        batch.put(layout::staff(id), encode(&rec)?);
        let fact = Fact::Staff {
            member: member_of(&rec),
        };
        self.vault.commit_audited(
            self.draft(ACTION)
                .target(id)
                .detail(&format!("keys to rotate: {}", keys.join(", ")))
                .fact(fact.to_json()?, self.fact_signer()),
            batch,
        )?;
        self.process_rotations(recovery)?;
        self.pending_rotations()
    }

    /// Changes a member's profession: keys of the new profession are granted
    /// (where this manager or `recovery` can), keys of the old one rotated.
    pub fn set_profession(
        &mut self,
        id: &str,
        profession: &str,
        recovery: Option<&Identity>,
    ) -> Result<Vec<PendingRotation>> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "staff.set-profession";
        layout::check_id("staff", id)?;
        self.require_manager(ACTION)?;
        self.check_recovery(recovery)?;
        if !self.vault.policy.has_profession(profession) {
            return Err(Error::Usage(msg!(
                "unknown-profession-2",
                profession = profession
            )));
        }
        let mut rec = self
            .vault
            .staff_record(id)?
            .ok_or_else(|| Error::NotFound(msg!("staff-member-3", id = id)))?;
        if rec.status == StaffStatus::Revoked {
            return Err(Error::Usage(msg!("revoked", id = id)));
        }
        let mut batch = Batch::new();
        let policy = &self.vault.policy;
        let keys = self.keys_to_rotate(&rec, |k| policy.entitled(profession, k))?;
        let detail = format!(
            "{} -> {profession}; keys to rotate: {}",
            rec.profession,
            keys.join(", ")
        );
        rec.profession = profession.to_string();
        batch.put(layout::staff(id), encode(&rec)?);
        let fact = Fact::Staff {
            member: member_of(&rec),
        };
        self.vault.commit_audited(
            self.draft(ACTION)
                .target(id)
                .detail(&detail)
                .fact(fact.to_json()?, self.fact_signer()),
            batch,
        )?;
        if id == self.me.id {
            self.me = rec.clone();
        }
        self.process_rotations(recovery)?;
        if let Some(r) = recovery {
            // The recovery key decides for the new profession's restricted keys.
            self.approve_with_recovery(id, r)?;
        }
        self.grant_to(&rec, recovery)?;
        self.pending_rotations()
    }

    fn check_recovery(&self, recovery: Option<&Identity>) -> Result<()> {
        match recovery {
            Some(r) if r.recipient() != self.vault.meta.recovery_recipient => {
                Err(Error::Auth(msg!("recovery-key-vault")))
            }
            _ => Ok(()),
        }
    }

    /// Rotations waiting for a holder, as the signed register has them.
    pub fn pending_rotations(&self) -> Result<Vec<PendingRotation>> {
        let _turn = self.ensure_current()?;
        self.vault.with_register(|r| {
            Ok(r.rotations
                .iter()
                .map(|(key, member)| PendingRotation {
                    key: key.clone(),
                    reason: match r.staff.get(member).map(|s| s.member.status) {
                        Some(crate::rights::Status::Revoked) => format!("{member} revoked"),
                        _ => format!("{member} changed profession"),
                    },
                })
                .collect())
        })
    }

    /// Carries out every pending rotation this member (or `recovery`) can: a new
    /// generation of the key, wrapped to every active entitled member and the
    /// recovery key. Runs at every unlock.
    pub(crate) fn process_rotations(&mut self, recovery: Option<&Identity>) -> Result<()> {
        let vault = self.vault;
        let _guard = vault
            .keys_lock
            .lock()
            .map_err(|_| Error::Io(msg!("key-lock-poisoned")))?;
        let pending: Vec<String> =
            vault.with_register(|r| Ok(r.rotations.keys().cloned().collect()))?;
        for name in pending {
            let key = match name.as_str() {
                "directory" => VaultKey::Directory,
                "index" => VaultKey::Index,
                "audit" => VaultKey::Audit,
                other => match other.strip_prefix("cat:") {
                    Some(cat) => VaultKey::Category(cat.to_string()),
                    None => continue,
                },
            };
            let gen = vault.key_gen(&key)?;
            // Only a member the register lets hold the key rotates it (someone
            // who lost it, by a change of profession, still has the old wrap).
            let me = self.me.id.clone();
            let may = vault.with_register(|r| Ok(r.may_hold(&vault.policy, &me, &key)))?;
            let own = match may {
                true => self.vault_key_material(&key)?,
                false => None,
            };
            let old = match own {
                Some(m) => Some((m, false)),
                None => match recovery {
                    Some(r) => match vault
                        .store
                        .get(&layout::wrap(&name, gen, RECOVERY_HOLDER))?
                    {
                        Some(ct) => wrap::unwrap(&ct, r)?.map(|m| (m, true)),
                        None => None,
                    },
                    None => None,
                },
            };
            let Some((old, by_recovery)) = old else {
                continue;
            };
            let material = new_key_material(&key)?;
            let next = gen + 1;
            let mut batch = Batch::new();
            // What is sealed directly under the key moves to the new one.
            let resealed =
                match self.reseal_for_rotation(&key, &old, &material, recovery, &mut batch)? {
                    Some(n) => n,
                    None => continue, // cannot re-seal everything yet: stays pending
                };
            batch.put(
                layout::wrap(&name, next, RECOVERY_HOLDER),
                wrap::wrap(&material, &[&vault.meta.recovery_recipient])?,
            );
            let mut holders = 0;
            // Each member handed earlier generations is named in the log, as
            // a grant names its target: they gain access to what was written
            // before, which the DPO sees.
            let mut handed = Vec::new();
            // The new generation goes to whom the signed register says may hold it.
            let members: Vec<(String, String)> = vault.with_register(|r| {
                Ok(r.staff
                    .values()
                    .filter(|s| r.may_hold(&vault.policy, &s.member.id, &key))
                    .map(|s| (s.member.id.clone(), s.member.recipient.clone()))
                    .collect())
            })?;
            for (id, recipient) in members {
                batch.put(
                    layout::wrap(&name, next, &id),
                    wrap::wrap(&material, &[&recipient])?,
                );
                // With it, the earlier generations this member holds and they
                // lack (one who joined since the revocation): what was
                // written before stays under those until `keys rotate`, and a
                // grant never adds them to a member who holds the current one.
                let older = self.older_wraps(&key, next, &id, &recipient, recovery)?;
                if !older.is_empty() {
                    let mut g = self.draft("key.grant").target(&id).detail(&name);
                    if let VaultKey::Category(c) = &key {
                        g = g.categories([c.as_str()]);
                    }
                    handed.push(g);
                }
                for (k, v) in older {
                    batch.put(k, v);
                }
                holders += 1;
            }
            let mut d = self.draft("key.rotate").detail(&format!(
                "{name} generation {next}, wrapped to {holders} member(s){}{}",
                if resealed > 0 {
                    format!(", {resealed} item(s) re-sealed")
                } else {
                    String::new()
                },
                if by_recovery {
                    " (with the recovery key)"
                } else {
                    ""
                }
            ));
            if let VaultKey::Category(c) = &key {
                d = d.categories([c.as_str()]);
            }
            let fact = Fact::Key {
                key: name.clone(),
                generation: next,
                commitment: key_commitment(&vault.meta.vault_id, &name, next, &material),
            };
            let signer = match (by_recovery, recovery) {
                (true, Some(r)) => self.recovery_signer(r)?,
                _ => self.fact_signer(),
            };
            let mut drafts = vec![d.fact(fact.to_json()?, signer.clone())];
            drafts.extend(handed);
            if key == VaultKey::Audit {
                let recipient = crate::crypto::wrap::Identity::parse(
                    std::str::from_utf8(&material)
                        .map_err(|_| Error::Io(msg!("new-audit-key-text")))?,
                )?
                .recipient();
                drafts.push(
                    self.draft("audit.recipient")
                        .fact(Fact::AuditRecipient { recipient }.to_json()?, signer),
                );
            }
            vault.durable(drafts, batch)?;
            self.forget_keys();
        }
        Ok(())
    }

    /// Moves what is sealed directly under a rotated key to the new material:
    /// staff names and the establishment name (directory key), the blind name
    /// index (index key: every dossier's name tokens are tagged again), the audit
    /// recipient (audit key). Category keys seal only data keys, which are renewed
    /// lazily. Returns the number of items re-sealed, or `None` when some cannot be
    /// (the rotation then stays pending).
    fn reseal_for_rotation(
        &mut self,
        key: &VaultKey,
        old: &[u8],
        new: &[u8],
        recovery: Option<&Identity>,
        batch: &mut Batch,
    ) -> Result<Option<u64>> {
        let vault = self.vault;
        let vid = vault.meta.vault_id.clone();
        match key {
            VaultKey::Category(_) => Ok(Some(0)),
            VaultKey::Directory => {
                let (old, new) = (Key32::from_slice(old)?, Key32::from_slice(new)?);
                let mut n = 0;
                for mut rec in vault.all_staff()? {
                    let name = crate::vault::access::keys::open_staff_name(
                        &old,
                        &vid,
                        &rec.id,
                        &rec.name_sealed,
                    )?;
                    rec.name_sealed =
                        crate::vault::access::keys::seal_staff_name(&new, &vid, &rec.id, &name)?;
                    batch.put(layout::staff(&rec.id), encode(&rec)?);
                    n += 1;
                }
                let aad = crate::crypto::Aad::new("coffre/establishment/v1").with(vid.as_bytes());
                let est = envelope::open(&old, &aad, &vault.establishment_sealed()?)?;
                batch.put(layout::establishment(), envelope::seal(&new, &aad, &est)?);
                Ok(Some(n + 1))
            }
            VaultKey::Index => {
                let new = Key32::from_slice(new)?;
                let mut n = 0;
                for rec in vault.all_dossiers()? {
                    if rec.erased.is_some() {
                        continue;
                    }
                    let Some(idk) = self.data_key_any(&rec.id, "identity", "*", recovery)? else {
                        return Ok(None);
                    };
                    let (name, _) =
                        crate::vault::records::dossier::open_header_with(&idk, &vid, &rec)?;
                    crate::vault::records::reindex::index_name(
                        &*vault.store,
                        batch,
                        &new,
                        &rec.id,
                        &name,
                    )?;
                    n += 1;
                }
                // Every name is now under the current normalisation.
                let (k, v) = crate::vault::records::reindex::version_record();
                batch.put(k, v);
                Ok(Some(n))
            }
            VaultKey::Audit => {
                let text = std::str::from_utf8(new).map_err(|_| Error::Io(msg!("audit-key")))?;
                let id = Identity::parse(text)?;
                // The new recipient is the register's from the fact written with
                // the rotation; nothing is stored for it.
                let _ = id;
                Ok(Some(0))
            }
        }
    }

    /// Replaces the data key of a shared category in one dossier by a new one
    /// sealed under the current generation of the category key, re-encrypting every
    /// value it protects (same text, same version, new ciphertext). Needs the old
    /// generation to open the old values; `Pending` otherwise.
    pub(crate) fn renew_data_key(&mut self, dossier: &str, category: &str) -> Result<()> {
        let vault = self.vault;
        let _guard = vault
            .keys_lock
            .lock()
            .map_err(|_| Error::Io(msg!("key-lock-poisoned")))?;
        let path = layout::data_key(dossier, category, None);
        let Some(bytes) = vault.store.get(&path)? else {
            return Ok(());
        };
        // The key renewed is the one the register records (an older copy put
        // back would be renewed from values it no longer opens).
        vault.check_data_key(dossier, category, "*", &bytes)?;
        let old: DataKeyRecord = decode(&bytes, "data key")?;
        let key = VaultKey::Category(category.to_string());
        let current = vault.key_gen(&key)?;
        if old.key_gen >= current {
            return Ok(()); // renewed meanwhile
        }
        let (Some(old_ck), Some(new_ck)) = (
            self.vault_key_material_gen(&key, old.key_gen)?,
            self.vault_key_material_gen(&key, current)?,
        ) else {
            return Err(Error::Pending(msg!(
                "data-dossier-must-moved-new-key",
                category = category,
                dossier = dossier
            )));
        };
        let vid = vault.meta.vault_id.clone();
        let erasure = self.erasure_key(dossier)?;
        let (old_ck, new_ck) = (Key32::from_slice(&old_ck)?, Key32::from_slice(&new_ck)?);
        let wk_old = category_wrap_key(&erasure, &old_ck, &vid, dossier, category, old.key_gen)?;
        let old_dk = Key32::from_slice(&envelope::open(
            &wk_old,
            &data_key_aad(&vid, dossier, category, old.key_gen),
            &old.wrapped,
        )?)?;
        let new_dk = Key32::random()?;
        let mut batch = Batch::new();
        let mut fields = 0u64;
        // Only what the register holds is re-sealed (never a planted version).
        for entry in vault.checked_dossier(dossier)?.complete(dossier)? {
            let id = entry.record().id.clone();
            for mut v in entry.versions().iter().cloned() {
                let mut changed = false;
                for f in v.fields.iter_mut().filter(|f| f.category == category) {
                    let aad = crate::vault::access::keys::field_aad(
                        &vid, dossier, &id, &f.name, v.version, category,
                    );
                    crate::vault::records::field::reseal(&old_dk, &new_dk, &aad, f)?;
                    changed = true;
                    fields += 1;
                }
                if changed {
                    // Same shape: the dossier's content digest does not change.
                    batch.put(layout::version(dossier, &id, v.version), encode(&v)?);
                }
            }
        }
        if category == "identity" {
            let mut rec = vault.dossier_record(dossier)?;
            let aad = crate::vault::access::keys::header_aad(&vid, dossier);
            let plain = envelope::open(&old_dk, &aad, &rec.header_sealed)?;
            rec.header_sealed = envelope::seal(&new_dk, &aad, &plain)?;
            batch.put(layout::dossier(dossier), encode(&rec)?);
        }
        let wk_new = category_wrap_key(&erasure, &new_ck, &vid, dossier, category, current)?;
        let wrapped = envelope::seal(
            &wk_new,
            &data_key_aad(&vid, dossier, category, current),
            new_dk.expose(),
        )?;
        let record = encode(&DataKeyRecord {
            key_gen: current,
            wrapped,
        })?;
        let key_fact = crate::vault::access::trust::data_key_fact(dossier, category, "*", &record)?;
        batch.put(path, record);
        // The person's wrap follows the new key in the same step (their wrap
        // of the old one then opens nothing).
        let to_person =
            self.wrap_new_key_to_person(dossier, category, None, &new_dk, &erasure, &mut batch)?;
        let drafts: Vec<crate::audit::Draft> = std::iter::once(
            self.draft("keys.renew")
                .dossier(dossier)
                .categories([category])
                .fact(key_fact, self.fact_signer())
                .detail(&format!(
                    "new data key (generation {current}); {fields} value(s) re-encrypted"
                )),
        )
        .chain(to_person)
        .collect();
        vault.durable(drafts, batch).map(|_| ())
    }

    /// Renews, under the current generation of their category key, every data key
    /// still sealed under an older one, for the categories this member holds (see
    /// `Session::renew_data_key`). Resumable: each dossier is committed on its
    /// own, and a new run takes up what remains. `progress(done, total)` is called
    /// as it goes. Returns (renewed, left for holders of other categories).
    pub fn rewrap_data_keys(&mut self, progress: &mut dyn FnMut(u64, u64)) -> Result<(u64, u64)> {
        let _turn = self.ensure_current()?;
        let mut todo = Vec::new();
        for (k, v) in self.vault.store.scan_prefix(b"dk/")? {
            let rec: DataKeyRecord = decode(&v, "data key")?;
            let s = String::from_utf8_lossy(&k).into_owned();
            let parts: Vec<&str> = s.split('/').collect();
            let [_, dossier, cat, "*"] = parts.as_slice() else {
                continue;
            };
            let current = self.vault.key_gen(&VaultKey::Category(cat.to_string()))?;
            if rec.key_gen < current {
                todo.push((dossier.to_string(), cat.to_string()));
            }
        }
        let total = todo.len() as u64;
        let (mut done, mut skipped) = (0u64, 0u64);
        for (i, (dossier, cat)) in todo.into_iter().enumerate() {
            let _w = self
                .vault
                .write_lock
                .lock()
                .map_err(|_| Error::Io(msg!("write-lock-poisoned")))?;
            match self.renew_data_key(&dossier, &cat) {
                Ok(()) => done += 1,
                Err(Error::Pending(_)) | Err(Error::NotFound(_)) => skipped += 1,
                Err(e) => return Err(e),
            }
            if (i + 1) % 20 == 0 {
                progress(done + skipped, total);
            }
        }
        progress(done + skipped, total);
        self.vault.audit(self.draft("keys.rewrap").detail(&format!(
            "{done} data keys renewed, {skipped} left for other holders"
        )))?;
        self.forget_keys();
        Ok((done, skipped))
    }
}

impl Session<'_> {
    /// Records that the recovery key was split into shares (audited as a use).
    pub fn record_recovery_split(&mut self, k: u8, n: u8) -> Result<()> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "recovery.split";
        self.require_manager(ACTION)?;
        self.vault.audit(self.draft(ACTION).detail(&format!(
            "recovery key split into {n} shares, {k} needed (a use of the recovery key)"
        )))?;
        Ok(())
    }

    /// Gives a staff member who lost their passphrase a new identity and
    /// passphrase, and re-grants with the recovery key every key they are entitled
    /// to (all generations) and their own author-only notes. Audited as a use of
    /// the recovery key.
    pub fn recover_staff(
        &mut self,
        id: &str,
        new_pass: &SecretString,
        recovery: &Identity,
        how: &str,
    ) -> Result<()> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "staff.recover";
        layout::check_id("staff", id)?;
        self.require_manager(ACTION)?;
        self.check_recovery(Some(recovery))?;
        let new_pass = &crate::crypto::passphrase::check_new(new_pass, &self.vault.kdf())?;
        let mut rec = self
            .vault
            .staff_record(id)?
            .ok_or_else(|| Error::NotFound(msg!("staff-member-3", id = id)))?;
        if rec.status == StaffStatus::Revoked {
            return Err(Error::Usage(msg!("revoked", id = id)));
        }
        let draft = self.draft(ACTION).target(id).detail(&format!(
            "new identity, keys re-granted with the recovery key ({how})"
        ));
        let identity = Identity::generate();
        let salt = random_bytes::<16>()?;
        rec.kdf = self.vault.kdf();
        let pkey = kdf::derive(new_pass, &salt, &rec.kdf)?;
        rec.salt = salt.to_vec();
        rec.recipient = identity.recipient();
        rec.identity_sealed = envelope::seal(
            &pkey,
            &self.vault.identity_aad(id),
            &wrap::secret_bytes(&identity),
        )?;
        rec.previous_signing_keys.push(rec.signing_key);
        rec.signing_key = crate::audit::SigningKey::derive(
            &wrap::secret_bytes(&identity),
            &self.vault.meta.vault_id,
        )?
        .public();
        let mut batch = Batch::new();
        // Wraps to the lost identity are useless now.
        for (k, _) in self.vault.store.scan_prefix(b"w/")? {
            if layout::last_component(&k)? == id {
                batch.remove(k);
            }
        }
        // Every generation of every key they are entitled to, from the recovery wraps.
        for key in self.vault.policy.vault_keys() {
            let may = self
                .vault
                .with_register(|r| Ok(r.may_hold(&self.vault.policy, id, &key)))?;
            if !may {
                continue;
            }
            for gen in 1..=self.vault.key_gen(&key)? {
                let Some(ct) =
                    self.vault
                        .store
                        .get(&layout::wrap(&key.name(), gen, RECOVERY_HOLDER))?
                else {
                    continue;
                };
                let Some(m) = wrap::unwrap(&ct, recovery)? else {
                    continue;
                };
                batch.put(
                    layout::wrap(&key.name(), gen, id),
                    wrap::wrap(&m, &[&rec.recipient])?,
                );
            }
        }
        // Their own author-only notes (each new wrap recorded, signed by the
        // recovery key).
        let mut key_facts = Vec::new();
        let vid = self.vault.meta.vault_id.clone();
        for (k, v) in self.vault.store.scan_prefix(b"dk/")? {
            let s = String::from_utf8_lossy(&k).into_owned();
            let parts: Vec<&str> = s.split('/').collect();
            let [_, dossier, cat, label] = parts.as_slice() else {
                continue;
            };
            if *label != id {
                continue;
            }
            let Ok(erasure) = self.vault.erasure_key(dossier) else {
                continue;
            };
            // Only a key the register recorded is wrapped again and signed: a
            // record planted with the files (a key its planter knows, wrapped to
            // the recovery key's public recipient) is refused, never vouched for.
            self.vault.check_data_key(dossier, cat, label, &v)?;
            let old: DataKeyRecord = decode(&v, "data key")?;
            let Some(dk) = crate::vault::access::keys::unwrap_personal(
                &old.wrapped,
                recovery,
                &erasure,
                &vid,
                dossier,
                cat,
                label,
            )?
            else {
                continue;
            };
            let recipients = [
                rec.recipient.as_str(),
                self.vault.meta.recovery_recipient.as_str(),
            ];
            let wrapped = crate::vault::access::keys::wrap_personal(
                &dk,
                &recipients,
                &erasure,
                &vid,
                dossier,
                cat,
                label,
            )?;
            let record = encode(&DataKeyRecord {
                key_gen: 0,
                wrapped,
            })?;
            key_facts.push(
                self.draft("key.rewrap")
                    .dossier(dossier)
                    .target(id)
                    .categories([*cat])
                    .fact(
                        crate::vault::access::trust::data_key_fact(dossier, cat, label, &record)?,
                        self.recovery_signer(recovery)?,
                    ),
            );
            batch.put(k.clone(), record);
        }
        batch.put(layout::staff(id), encode(&rec)?);
        // The `staff` fact withdraws their second factors (sealed to the lost
        // identity): their records and the cache of codes used go with it,
        // in the same change, so that the member enrols again.
        for (k, _) in self
            .vault
            .store
            .scan_prefix(&layout::second_factor_prefix(id))?
        {
            batch.remove(k);
        }
        batch.remove(layout::second_factor_uses(id));
        // Only the recovery key gives a member a new identity (and signing key).
        let fact = Fact::Staff {
            member: member_of(&rec),
        };
        let draft = draft.fact(fact.to_json()?, self.recovery_signer(recovery)?);
        let mut drafts = vec![draft];
        drafts.extend(key_facts);
        self.vault.durable(drafts, batch).map(|_| ())
    }
}
