//! An unlocked staff member: their identity, the keys they hold, and the automatic
//! granting of keys to colleagues who are entitled to them but do not have them yet.

use std::collections::HashMap;

use zeroize::Zeroizing;

use crate::audit::{Checkpoint, Draft, SigningKey};
use crate::crypto::wrap::{self, Identity};
use crate::crypto::{envelope, Key32};
use crate::error::{Error, Result};
use crate::policy::VaultKey;
use crate::store::records::{decode, encode, DataKeyRecord, StaffRecord, StaffStatus};
use crate::store::{layout, Batch};
use crate::vault::access::keys::{
    category_wrap_key, data_key_aad, unwrap_personal, wrap_personal, RECOVERY_HOLDER,
};
use crate::vault::Vault;

/// State of a data key for the current actor.
pub(crate) enum DataKey {
    /// The key, opened.
    Key(Key32),
    /// Entitled to the category, but its key has not been granted yet.
    Pending,
    /// Cannot open it (not entitled, or another author's key).
    NoAccess,
    /// No data of this category exists yet in this dossier.
    Missing,
}

/// An unlocked staff member. Every read and write of the vault goes through here.
pub struct Session<'v> {
    pub(crate) vault: &'v Vault,
    pub(crate) me: StaffRecord,
    identity: Identity,
    pub(crate) signer: std::sync::Arc<SigningKey>,
    weak_kdf: bool,
    /// Seals this member's anchor of the rights register at the end.
    anchor: crate::rights::AnchorKey,
    held: HashMap<String, Option<Zeroizing<Vec<u8>>>>,
    /// Data keys opened in this session, with the record they came from (a key
    /// renewed by another session since is noticed by comparing the record).
    data_keys: HashMap<Vec<u8>, (Vec<u8>, Key32)>,
    erasure_keys: HashMap<String, Key32>,
    grants: Vec<(String, String)>,
    /// The register's count of withdrawals of this member's second factors
    /// when this session opened (or when it withdrew one itself): a reset, a
    /// removal elsewhere or a recovery since ends it.
    pub(crate) second_factor_withdrawals: u64,
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        // Best effort: an unsigned tail is reported by `audit verify`.
        let _ = self.checkpoint();
    }
}

impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.me.id)
            .finish_non_exhaustive()
    }
}

impl<'v> Session<'v> {
    pub(crate) fn new(
        vault: &'v Vault,
        me: StaffRecord,
        identity: Identity,
        signer: SigningKey,
        weak_kdf: bool,
        anchor: crate::rights::AnchorKey,
    ) -> Self {
        Session {
            vault,
            me,
            identity,
            signer: std::sync::Arc::new(signer),
            weak_kdf,
            anchor,
            held: HashMap::new(),
            data_keys: HashMap::new(),
            erasure_keys: HashMap::new(),
            grants: Vec::new(),
            second_factor_withdrawals: 0,
        }
    }

    /// Signs a checkpoint of the audit log if this session (or anyone since the
    /// last checkpoint) added entries. Runs again automatically when the session
    /// is dropped; call it to see errors.
    pub fn checkpoint(&mut self) -> Result<Option<Checkpoint>> {
        let _turn = self.vault.begin()?;
        let c = self.vault.checkpoint(&self.signer, &self.me.id)?;
        if c.is_some() {
            // What this member's coffre verified, for their next unlock.
            self.vault.save_anchor(&self.me.id, &self.anchor)?;
        }
        Ok(c)
    }

    /// Signs facts as this member: (signer name, key) for [`Draft::fact`].
    pub(crate) fn fact_signer(&self) -> Option<(String, crate::audit::FactSigner)> {
        Some((self.me.id.clone(), self.signer.clone()))
    }

    /// Signs facts with the recovery key (its Ed25519 key is derived from the
    /// recovery identity like a member's, and introduced by the genesis).
    pub(crate) fn recovery_signer(
        &self,
        recovery: &Identity,
    ) -> Result<Option<(String, crate::audit::FactSigner)>> {
        let key = SigningKey::derive(&wrap::secret_bytes(recovery), &self.vault.meta.vault_id)?;
        Ok(Some((
            crate::rights::RECOVERY_SIGNER.to_string(),
            std::sync::Arc::new(key),
        )))
    }

    /// The unlocked staff member's id.
    pub fn user(&self) -> &str {
        &self.me.id
    }

    /// Their profession.
    pub fn profession(&self) -> &str {
        &self.me.profession
    }

    /// Whether this member's passphrase uses the weak test KDF.
    pub fn weak_kdf(&self) -> bool {
        self.weak_kdf
    }

    /// Keys granted to colleagues during this session, as (key, staff id).
    pub fn grants_made(&self) -> &[(String, String)] {
        &self.grants
    }

    /// The vault this session belongs to.
    pub fn vault(&self) -> &'v Vault {
        self.vault
    }

    /// Checks that this session's member is still, in the signed rights
    /// register, who they were at unlock: active, with the same profession. A
    /// session kept open for hours (the web application's) must not outlive a
    /// revocation, a change of profession or the withdrawal of a second
    /// factor of theirs by another session; every public method of
    /// `Session` calls this first, and a front-end that keeps sessions calls
    /// it on every request. Errors:
    /// [`Error::Auth`] (exit 4) naming the member when they were revoked or
    /// their profession changed (log in again), or removed from the register.
    pub fn ensure_current(&self) -> Result<crate::vault::Turn<'v>> {
        // In PostgreSQL, the vault's turn first: the register then includes
        // what other processes committed (a revocation on another site).
        let turn = self.vault.begin()?;
        let same = self.vault.with_register(|r| {
            Ok(r.staff.get(&self.me.id).is_some_and(|s| {
                s.member.status == crate::rights::fact::Status::Active
                    && s.member.profession == self.me.profession
                    // Recovered (here or at another site): new keys, and this
                    // session's would sign what the register has retired.
                    && s.member.recipient == self.me.recipient
                    && s.key == self.me.signing_key
                    // No factor of theirs withdrawn since (a manager's reset
                    // after a lost phone, a removal in another session):
                    // what was opened with it ends, enrolments under way too.
                    && s.second_factor_withdrawals == self.second_factor_withdrawals
            }))
        })?;
        if same {
            Ok(turn)
        } else {
            Err(Error::Auth(msg!(
                "session-member-changed",
                user = self.me.id.clone()
            )))
        }
    }

    pub(crate) fn draft(&self, action: &str) -> Draft {
        Draft::new(&self.me.id, &self.me.profession, action)
    }

    fn key_gen(&self, key: &VaultKey) -> Result<u32> {
        self.vault.key_gen(key)
    }

    /// The material of the current generation of a vault key, if this member holds it.
    pub(crate) fn vault_key_material(
        &mut self,
        key: &VaultKey,
    ) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let gen = self.key_gen(key)?;
        self.vault_key_material_gen(key, gen)
    }

    /// The material of generation `gen` of a vault key, if this member holds it.
    pub(crate) fn vault_key_material_gen(
        &mut self,
        key: &VaultKey,
        gen: u32,
    ) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let name = format!("{}#{gen}", key.name());
        if let Some(cached) = self.held.get(&name) {
            return Ok(cached.clone());
        }
        let material = match self
            .vault
            .store
            .get(&layout::wrap(&key.name(), gen, &self.me.id))?
        {
            Some(ct) => wrap::unwrap(&ct, &self.identity)?,
            None => None,
        };
        if let Some(m) = &material {
            // Anyone can wrap a key to a member's public recipient: only the
            // vault's own key (its committed generation) is accepted.
            self.vault.check_key_material(&key.name(), gen, m)?;
        }
        // Only what is held is kept: a key granted later by a colleague (or
        // delivered by their next session) is found by this session's next
        // request, not hidden for as long as it lasts.
        if material.is_some() {
            self.held.insert(name, material.clone());
        }
        Ok(material)
    }

    /// Forgets cached key material (after a rotation).
    pub(crate) fn forget_keys(&mut self) {
        self.held.clear();
        self.data_keys.clear();
    }

    /// The identity of this member.
    pub(crate) fn identity(&self) -> &Identity {
        &self.identity
    }

    /// A 32-byte vault key (category, directory or index key) if held.
    pub(crate) fn vault_key32(&mut self, key: &VaultKey) -> Result<Option<Key32>> {
        match self.vault_key_material(key)? {
            Some(m) => Ok(Some(Key32::from_slice(&m)?)),
            None => Ok(None),
        }
    }

    /// The directory key, which every active member holds once granted.
    pub(crate) fn directory_key(&mut self) -> Result<Key32> {
        self.vault_key32(&VaultKey::Directory)?
            .ok_or_else(|| Error::Pending(msg!("staff-directory-key-granted-you-yet")))
    }

    /// Whether `staff` has been granted the current generation of `key`.
    pub(crate) fn has_wrap(&self, key: &VaultKey, staff: &str) -> Result<bool> {
        self.vault.has_wrap(key, staff)
    }

    /// Keys `rec` is entitled to but does not hold; a restricted key not yet
    /// approved is named with " (to approve)".
    pub(crate) fn pending_for(&self, rec: &StaffRecord) -> Result<Vec<String>> {
        Ok(self
            .pending_keys(rec, self.vault.policy.vault_keys())?
            .into_iter()
            .map(|(key, approved)| {
                if approved {
                    key.name()
                } else {
                    format!("{} (to approve)", key.name())
                }
            })
            .collect())
    }

    /// Of `keys`, those `rec` is entitled to but does not hold, each with
    /// whether the signed register lets them hold it now (false: a restricted
    /// key not yet approved).
    fn pending_keys(
        &self,
        rec: &StaffRecord,
        keys: impl IntoIterator<Item = VaultKey>,
    ) -> Result<Vec<(VaultKey, bool)>> {
        let mut out = Vec::new();
        for key in keys {
            if self.vault.policy.entitled(&rec.profession, &key) && !self.has_wrap(&key, &rec.id)? {
                let approved = self
                    .vault
                    .with_register(|r| Ok(r.may_hold(&self.vault.policy, &rec.id, &key)))?;
                out.push((key, approved));
            }
        }
        Ok(out)
    }

    /// Wraps every key `target` is entitled to and lacks, using keys this member
    /// holds and, if given, the recovery identity. Each grant is audited in the
    /// same durable step that stores it. Returns the names of the keys granted.
    pub(crate) fn grant_to(
        &mut self,
        target: &StaffRecord,
        recovery: Option<&Identity>,
    ) -> Result<Vec<String>> {
        if target.status != StaffStatus::Active {
            return Ok(Vec::new());
        }
        let mut batch = Batch::new();
        let mut drafts = Vec::new();
        let mut granted = Vec::new();
        for key in self.vault.policy.vault_keys() {
            // The signed register decides: entitled by profession and, for a
            // restricted key, approved by a holder or the recovery key.
            let may = self
                .vault
                .with_register(|r| Ok(r.may_hold(&self.vault.policy, &target.id, &key)))?;
            if !may {
                continue;
            }
            if self.has_wrap(&key, &target.id)? {
                continue;
            }
            let gen = self.key_gen(&key)?;
            let Some(material) = self.key_material_or_recovery(&key, gen, recovery)? else {
                continue;
            };
            // Earlier generations still seal what was written before a
            // rotation until every dossier's data key is renewed (`keys
            // rotate`): a member who joins in between receives, with the
            // current one, those this member holds, or they could not read the
            // older notes they are entitled to. Looked at only when the
            // current generation is granted, so an unlock's grants cost no
            // more than one read per member and key.
            for (k, v) in self.older_wraps(&key, gen, &target.id, &target.recipient, recovery)? {
                batch.put(k, v);
            }
            let mut d = self
                .draft("key.grant")
                .target(&target.id)
                .detail(&key.name());
            if let VaultKey::Category(c) = &key {
                d = d.categories([c.as_str()]);
            }
            if recovery.is_some() && self.vault_key_material(&key)?.is_none() {
                d = d.detail(&format!("{} (with the recovery key)", key.name()));
            }
            drafts.push(d);
            batch.put(
                layout::wrap(&key.name(), gen, &target.id),
                wrap::wrap(&material, &[&target.recipient])?,
            );
            granted.push(key.name());
        }
        self.vault.durable(drafts, batch)?;
        for k in &granted {
            self.grants.push((k.clone(), target.id.clone()));
        }
        Ok(granted)
    }

    /// Generation `gen` of `key`: this member's, else with `recovery` the
    /// recovery key's wrap, checked against the register's commitment.
    fn key_material_or_recovery(
        &mut self,
        key: &VaultKey,
        gen: u32,
        recovery: Option<&Identity>,
    ) -> Result<Option<Zeroizing<Vec<u8>>>> {
        if let Some(m) = self.vault_key_material_gen(key, gen)? {
            return Ok(Some(m));
        }
        let Some(r) = recovery else { return Ok(None) };
        let Some(ct) = self
            .vault
            .store
            .get(&layout::wrap(&key.name(), gen, RECOVERY_HOLDER))?
        else {
            return Ok(None);
        };
        let material = wrap::unwrap(&ct, r)?;
        if let Some(m) = &material {
            self.vault.check_key_material(&key.name(), gen, m)?;
        }
        Ok(material)
    }

    /// Wraps to member `id` (public recipient `recipient`) the generations of
    /// `key` before `current` that this member holds and they lack (empty
    /// when there are none). With `recovery`, the generations this member
    /// lacks are taken from the recovery key's wraps (it holds every
    /// generation), each checked against the register's commitment.
    pub(crate) fn older_wraps(
        &mut self,
        key: &VaultKey,
        current: u32,
        id: &str,
        recipient: &str,
        recovery: Option<&Identity>,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut out = Vec::new();
        for g in 1..current {
            let path = layout::wrap(&key.name(), g, id);
            if self.vault.store.get(&path)?.is_some() {
                continue;
            }
            if let Some(m) = self.key_material_or_recovery(key, g, recovery)? {
                out.push((path, wrap::wrap(&m, &[recipient])?));
            }
        }
        Ok(out)
    }

    /// Grants, to every active colleague, the keys this member holds and they are
    /// entitled to but lack. Runs at every unlock.
    pub(crate) fn process_grants(&mut self) -> Result<()> {
        self.grant_to_all().map(|_| ())
    }

    /// [`Session::grant_to`] every other active member: (member, keys
    /// granted) for each who received any.
    fn grant_to_all(&mut self) -> Result<Vec<(String, Vec<String>)>> {
        let mut out = Vec::new();
        for rec in self.vault.all_staff()? {
            if rec.id != self.me.id && rec.status == StaffStatus::Active {
                let granted = self.grant_to(&rec, None)?;
                if !granted.is_empty() {
                    out.push((rec.id.clone(), granted));
                }
            }
        }
        Ok(out)
    }

    /// The active colleagues waiting for keys this member holds: for each, the
    /// keys the signed register lets them hold and they lack (ready to hand
    /// over), and the restricted ones they are entitled to but not yet
    /// approved for (an approval first, on the staff page). Decides nothing:
    /// [`Session::hand_over_keys`] checks again. Empty for a member who holds
    /// none of what others wait for.
    pub fn colleagues_waiting(&mut self) -> Result<Vec<Waiting>> {
        let _turn = self.ensure_current()?;
        let mut out = Vec::new();
        let held: Vec<VaultKey> = self
            .vault
            .policy
            .vault_keys()
            .into_iter()
            .filter(|k| self.vault_key_material(k).ok().flatten().is_some())
            .collect();
        if held.is_empty() {
            return Ok(out);
        }
        for rec in self.vault.all_staff()? {
            if rec.id == self.me.id || rec.status != StaffStatus::Active {
                continue;
            }
            let pending = self.pending_keys(&rec, held.iter().cloned())?;
            if pending.is_empty() {
                continue;
            }
            let (mut ready, mut to_approve) = (Vec::new(), Vec::new());
            for (key, approved) in pending {
                if approved {
                    ready.push(key);
                } else {
                    to_approve.push(key);
                }
            }
            let name = self.staff_name(&rec.id).ok().flatten();
            out.push(Waiting {
                id: rec.id.clone(),
                name,
                ready,
                to_approve,
            });
        }
        Ok(out)
    }

    /// The keys this member is entitled to and does not hold yet, each with
    /// whether it may be handed over now (a restricted key needs an approval
    /// first) and who holds it (by name, at most five: [`Session::holders_hint`]),
    /// for the member's first page: who to ask. Decides nothing; reads the
    /// signed register only, so it writes no audit line.
    pub fn my_pending_keys(&mut self) -> Result<Vec<MyPendingKey>> {
        let _turn = self.ensure_current()?;
        let me = self.me.id.clone();
        let Some(rec) = self.vault.all_staff()?.into_iter().find(|r| r.id == me) else {
            return Ok(Vec::new());
        };
        let keys = self.vault.policy.vault_keys();
        let mut out = Vec::new();
        for (key, approved) in self.pending_keys(&rec, keys)? {
            let holders = self.holders_hint(&key);
            out.push(MyPendingKey {
                key,
                approved,
                holders,
            });
        }
        Ok(out)
    }

    /// Hands over, now, every key this member holds to every active colleague
    /// the register lets hold it and who lacks it — what the next unlock of
    /// this member would do, for a member whose session stays open (the web).
    /// Each grant is audited (`key.grant`) in the durable step that stores it.
    /// Returns (colleague, keys granted) for each colleague who received any.
    pub fn hand_over_keys(&mut self) -> Result<Vec<(String, Vec<String>)>> {
        let _turn = self.ensure_current()?;
        self.grant_to_all()
    }

    /// Who can hand `key` over to this member, for a message saying where a
    /// pending key comes from: the other active members the register lets
    /// hold it, as "Name (login)" where the staff directory opens, else by
    /// login; at most five, then how many more. Any of them delivers it at
    /// their next command in Coffre (a restricted key also needs their
    /// approval). Decides nothing.
    pub(crate) fn holders_hint(&mut self, key: &crate::policy::VaultKey) -> String {
        let me = self.me.id.clone();
        let policy = &self.vault.policy;
        let ids: Vec<String> = self
            .vault
            .with_register(|r| {
                Ok(r.staff
                    .keys()
                    .filter(|id| **id != me && r.may_hold(policy, id, key))
                    .cloned()
                    .collect())
            })
            .unwrap_or_default();
        let mut named: Vec<String> = Vec::new();
        for id in ids.iter().take(5) {
            named.push(match self.staff_name(id) {
                Ok(Some(n)) => format!("{n} ({id})"),
                _ => id.clone(),
            });
        }
        if ids.len() > 5 {
            named.push(format!("+{}", ids.len() - 5));
        }
        named.join(", ")
    }

    /// The data key of (`dossier`, `category`), for author-only categories that of
    /// `author`. With `create`, a missing key is made and put into `create`'s batch.
    pub(crate) fn data_key(
        &mut self,
        dossier: &str,
        category: &str,
        author: Option<&str>,
        create: Option<&mut Batch>,
    ) -> Result<DataKey> {
        let author_only = self.vault.policy.is_author_only(category);
        let author = if author_only { author } else { None };
        if author_only && author.is_none() {
            return Err(Error::Usage(msg!(
                "category-needs-author",
                category = category
            )));
        }
        let path = layout::data_key(dossier, category, author);
        let cat_key = VaultKey::Category(category.to_string());
        if create.is_some() && !author_only {
            // Nothing new is sealed under a category key whose rotation is
            // pending (a holder was revoked or changed profession since this
            // session opened): rotate it first, or wait for a holder who can.
            let pending = |s: &Self| {
                s.vault
                    .with_register(|r| Ok(r.rotations.contains_key(&cat_key.name())))
            };
            if pending(self)? {
                self.process_rotations(None)?;
                if pending(self)? {
                    return Ok(DataKey::Pending);
                }
            }
        }
        let stored_bytes = self.vault.store.get(&path)?;
        if let Some(b) = &stored_bytes {
            self.vault
                .check_data_key(dossier, category, author.unwrap_or("*"), b)?;
        }
        if let Some(b) = &stored_bytes {
            let stale = !author_only
                && create.is_some()
                && decode::<DataKeyRecord>(b, "data key")?.key_gen < self.key_gen(&cat_key)?;
            if stale {
                // The category key was rotated (someone left): values written from now
                // on get a new data key, out of reach of any copy of the old one.
                self.renew_data_key(dossier, category)?;
                return self.data_key(dossier, category, author, None);
            }
            if let Some((cached, k)) = self.data_keys.get(&path) {
                if cached == b {
                    return Ok(DataKey::Key(k.duplicate()));
                }
            }
        }
        let stored = match &stored_bytes {
            Some(b) => Some(decode::<DataKeyRecord>(b, "data key")?),
            None => None,
        };
        let vid = self.vault.meta.vault_id.clone();
        let erasure = self.erasure_key(dossier)?;
        let label = author.unwrap_or("*");
        let key = match stored {
            Some(rec) if author_only => {
                match unwrap_personal(
                    &rec.wrapped,
                    &self.identity,
                    &erasure,
                    &vid,
                    dossier,
                    category,
                    label,
                )? {
                    Some(k) => k,
                    None => return Ok(DataKey::NoAccess),
                }
            }
            Some(rec) => {
                let ck = match self.vault_key_material_gen(&cat_key, rec.key_gen)? {
                    Some(m) => Some(Key32::from_slice(&m)?),
                    None => None,
                };
                let Some(ck) = ck else {
                    return Ok(
                        if self.vault.policy.entitled(&self.me.profession, &cat_key) {
                            DataKey::Pending
                        } else {
                            DataKey::NoAccess
                        },
                    );
                };
                let wk = category_wrap_key(&erasure, &ck, &vid, dossier, category, rec.key_gen)?;
                // The wrap was checked against the register above and the
                // category key comes from it: a wrap that does not open is
                // the dossier's erasure key, replaced or altered (it is the
                // one input no fact vouches for), and is named as such.
                let plain = envelope::open(
                    &wk,
                    &data_key_aad(&vid, dossier, category, rec.key_gen),
                    &rec.wrapped,
                )
                .map_err(|e| match e {
                    Error::Integrity(_) => crate::vault::access::trust::forged(
                        &format!("erasure/{dossier}"),
                        "the dossier's erasure key does not open its data keys",
                    ),
                    other => other,
                })?;
                Key32::from_slice(&plain)?
            }
            None => {
                // A key the register records is gone from the store: every
                // value under it is lost, which is not "nothing written yet",
                // and making another would leave them unreadable for good.
                let name = format!("{dossier}/{category}/{label}");
                if self
                    .vault
                    .with_register(|r| Ok(r.data_keys.contains_key(&name)))?
                {
                    return Err(crate::vault::access::trust::forged(
                        &format!("dk/{name}"),
                        "a data key the register records is missing",
                    ));
                }
                if create.is_none() {
                    return Ok(DataKey::Missing);
                }
                // Check-then-create under the vault's key lock, committed at once:
                // two sessions creating the same data key would leave one of them
                // sealing values under a key the store then forgets.
                let vault = self.vault;
                let _guard = vault
                    .keys_lock
                    .lock()
                    .map_err(|_| Error::Io(msg!("key-lock-poisoned")))?;
                if vault.store.get(&path)?.is_some() {
                    return self.data_key(dossier, category, author, None);
                }
                let mut own = Batch::new();
                let batch = &mut own;
                let key = Key32::random()?;
                let rec = if author_only {
                    let recipients = [
                        self.me.recipient.as_str(),
                        self.vault.meta.recovery_recipient.as_str(),
                    ];
                    DataKeyRecord {
                        key_gen: 0,
                        wrapped: wrap_personal(
                            &key,
                            &recipients,
                            &erasure,
                            &vid,
                            dossier,
                            category,
                            label,
                        )?,
                    }
                } else {
                    let gen = self.key_gen(&cat_key)?;
                    let Some(ck) = self.vault_key32(&cat_key)? else {
                        return Ok(
                            if self.vault.policy.entitled(&self.me.profession, &cat_key) {
                                DataKey::Pending
                            } else {
                                DataKey::NoAccess
                            },
                        );
                    };
                    let wk = category_wrap_key(&erasure, &ck, &vid, dossier, category, gen)?;
                    let wrapped = envelope::seal(
                        &wk,
                        &data_key_aad(&vid, dossier, category, gen),
                        key.expose(),
                    )?;
                    DataKeyRecord {
                        key_gen: gen,
                        wrapped,
                    }
                };
                let record = encode(&rec)?;
                let fact =
                    crate::vault::access::trust::data_key_fact(dossier, category, label, &record)?;
                batch.put(path.clone(), record);
                // The person supported, if they have their own access, gets every
                // new non-withheld key of their dossier at once, under its fact.
                let to_person =
                    self.wrap_new_key_to_person(dossier, category, author, &key, &erasure, batch)?;
                // The new key is recorded, signed, in the same step.
                let drafts: Vec<Draft> = std::iter::once(
                    self.draft("key.create")
                        .dossier(dossier)
                        .categories([category])
                        .fact(fact, self.fact_signer()),
                )
                .chain(to_person)
                .collect();
                vault.durable(drafts, own)?;
                key
            }
        };
        if let Some(b) = self.vault.store.get(&path)? {
            self.data_keys.insert(path, (b, key.duplicate()));
        }
        Ok(DataKey::Key(key))
    }

    /// The erasure key of `dossier` (cached for the session).
    pub(crate) fn erasure_key(&mut self, dossier: &str) -> Result<Key32> {
        if let Some(k) = self.erasure_keys.get(dossier) {
            return Ok(k.duplicate());
        }
        let k = self.vault.erasure_key(dossier)?;
        self.erasure_keys.insert(dossier.to_string(), k.duplicate());
        Ok(k)
    }

    /// Encrypts a justification to the vault's audit key only (hex of an age
    /// file). The person supported reads it once the DPO releases it.
    /// Encrypts a justification to the audit key, bound to the dossier it
    /// is about (see [`crate::vault::audit_trail::audit_read::open_justification`]).
    pub(crate) fn seal_justification(&self, dossier: &str, text: &str) -> Result<String> {
        // The audit key only: the person gets the words once the DPO releases
        // them (vault::release).
        let audit = self.vault.audit_recipient()?;
        let bound = crate::vault::audit_trail::audit_read::bind_justification(dossier, text);
        Ok(hex::encode(wrap::wrap(&bound, &[audit.as_str()])?))
    }
}

/// A key this member waits for (see [`Session::my_pending_keys`]). No
/// `Debug`: it holds names.
#[derive(Clone)]
pub struct MyPendingKey {
    /// The key.
    pub key: VaultKey,
    /// Whether a holder may hand it over now (else it is restricted and
    /// needs an approval first, on the staff page).
    pub approved: bool,
    /// Who holds it: "Name (login), …", empty when nobody does yet.
    pub holders: String,
}

/// A colleague waiting for keys (see [`Session::colleagues_waiting`]). No
/// `Debug`: it holds a name.
#[derive(Clone)]
pub struct Waiting {
    /// Their login.
    pub id: String,
    /// Their name, where the staff directory opens.
    pub name: Option<String>,
    /// Keys that can be handed over now.
    pub ready: Vec<VaultKey>,
    /// Restricted keys that need an approval first.
    pub to_approve: Vec<VaultKey>,
}
