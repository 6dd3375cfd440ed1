//! The vault's side of the rights register ([`crate::rights`]): establishing it
//! when someone unlocks (from their anchor, or from the genesis), keeping it up
//! to date with the facts this process writes, and checking the store's records
//! against it where they are used. A record that disagrees with the register
//! was changed outside coffre: an integrity failure naming the record (exit 5).

use std::collections::BTreeSet;
use std::sync::MutexGuard;

use crate::audit::Draft;
use crate::crypto::wrap::{self, Identity};
use crate::error::{Error, Result};
use crate::rights::{AnchorKey, Fact, Register, Status, Verified};
use crate::store::records::{DossierRecord, StaffRecord, StaffStatus};
use crate::store::Batch;
use crate::vault::Vault;

/// How many lines an anchor may lag behind before it is sealed again.
const ANCHOR_LAG: u64 = 256;

/// Store key of a holder's anchor: `ra/{holder}`.
pub(crate) fn anchor_key(holder: &str) -> Vec<u8> {
    format!("ra/{holder}").into_bytes()
}

/// A store record that disagrees with the rights register.
pub(crate) fn forged(record: &str, what: &str) -> Error {
    Error::Integrity(msg!(
        "record-does-match-signed-rights-register",
        record = record,
        what = what
    ))
}

/// The record a [`forged`] failure names, if `e` is one.
pub(crate) fn named_record(e: &Error) -> Option<String> {
    match e {
        Error::Integrity(m) if m.kind() == "record-does-match-signed-rights-register" => {
            match m.arg("record") {
                Some(crate::error::Arg::Text(t)) => Some(t.clone()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether an integrity failure met while reading one entry is that entry's
/// own damage (its header, its versions, its values: it is then named among
/// the damaged entries and the others are shown), rather than damage to a
/// record many entries share (a data key, a vault key, the dossier, a
/// member), which is reported as itself.
pub(crate) fn entry_damage(e: &Error) -> bool {
    match e {
        Error::Integrity(_) => named_record(e)
            .is_none_or(|r| r.starts_with("de/") || r.starts_with("e/") || r.starts_with("v/")),
        _ => false,
    }
}

impl Vault {
    pub(crate) fn rights_lock(&self) -> Result<MutexGuard<'_, Option<Verified>>> {
        self.rights
            .lock()
            .map_err(|_| Error::Io(msg!("rights-register-lock-poisoned")))
    }

    /// Runs `f` on the verified register. Errors if no one unlocked yet (the
    /// register is established at unlock).
    pub(crate) fn with_register<T>(&self, f: impl FnOnce(&Register) -> Result<T>) -> Result<T> {
        let guard = self.rights_lock()?;
        match guard.as_ref() {
            Some(v) => f(&v.register),
            None => Err(Error::Io(msg!("rights-register-verified-yet-unlock-first"))),
        }
    }

    /// The register if established, for checks that also run before an unlock.
    pub(crate) fn register_if_verified<T>(
        &self,
        f: impl FnOnce(&Register) -> T,
    ) -> Result<Option<T>> {
        Ok(self.rights_lock()?.as_ref().map(|v| f(&v.register)))
    }

    /// Verifies the register for the holder of `identity` (a staff id or
    /// `person:<dossier>`): from their own anchor when it is valid, else from
    /// the genesis; then checks the vault's settings against it. Done once per
    /// process; the register then follows every line this process writes.
    pub(crate) fn establish_rights(&self, holder: &str, identity: &Identity) -> Result<AnchorKey> {
        let key = AnchorKey::derive(&wrap::secret_bytes(identity), &self.meta.vault_id)?;
        // Lock order everywhere: the log, then the register.
        let log = self.log()?;
        let mut guard = self.rights_lock()?;
        let mut origin = self
            .rights_origin
            .lock()
            .map_err(|_| Error::Io(msg!("rights-register-lock-poisoned")))?;
        // A register established from another holder's anchor is that holder's
        // word: a second holder in the same process verifies from the genesis.
        let foreign = origin
            .as_deref()
            .is_some_and(|o| !o.is_empty() && o != holder);
        if guard.is_none() || foreign {
            let end = log.state().offset;
            let path = self.audit_medium.clone();
            let anchored = match foreign {
                true => None,
                false => match self.store.get(&anchor_key(holder))? {
                    Some(sealed) => key.open(&sealed, path.as_ref(), end)?,
                    None => None,
                },
            };
            *origin = Some(if anchored.is_some() {
                holder.to_string()
            } else {
                String::new()
            });
            let base = anchored.as_ref().map_or((0, 0), |v| (v.size, v.facts));
            *self
                .anchored_at
                .lock()
                .map_err(|_| Error::Io(msg!("rights-register-lock-poisoned")))? = base;
            let mut verified = anchored.unwrap_or_else(|| Verified::start(&self.meta.vault_id));
            verified.catch_up(&self.policy, path.as_ref(), end)?;
            self.check_settings(&verified.register)?;
            *guard = Some(verified);
        }
        Ok(key)
    }

    /// The vault's settings (read before anyone unlocks) against the register.
    pub(crate) fn check_settings(&self, r: &Register) -> Result<()> {
        if !r.is_born() {
            return Err(Error::Integrity(msg!(
                "audit-log-holds-signed-genesis-emptied"
            )));
        }
        if r.vault != self.meta.vault_id {
            return Err(forged("meta", "vault id"));
        }
        if r.policy_sha256 != self.meta.policy_sha256 {
            return Err(forged("policy.toml", "policy fingerprint"));
        }
        if r.recovery_recipient != self.meta.recovery_recipient {
            return Err(forged("meta", "recovery recipient"));
        }
        if let Some(floor) = r.kdf_floor {
            let k = self.meta.kdf;
            if k.m_kib < floor.m_kib || k.t < floor.t || k.p < floor.p {
                return Err(forged(
                    "meta",
                    "key-derivation parameters below the vault's floor",
                ));
            }
        }
        Ok(())
    }

    /// Seals the verified register as `holder`'s anchor (stored with the next
    /// change; a cache, so not audited).
    pub(crate) fn save_anchor(&self, holder: &str, key: &AnchorKey) -> Result<()> {
        let origin = self
            .rights_origin
            .lock()
            .map_err(|_| Error::Io(msg!("rights-register-lock-poisoned")))?
            .clone();
        if origin.is_some_and(|o| !o.is_empty() && o != holder) {
            return Ok(());
        }
        let base = *self
            .anchored_at
            .lock()
            .map_err(|_| Error::Io(msg!("rights-register-lock-poisoned")))?;
        let (sealed, now) = match self.rights_lock()?.as_ref() {
            // Worth a new anchor once the next unlock would otherwise read a few
            // hundred lines (facts among them are replayed then, cheaply).
            Some(v) if v.size >= base.0 + ANCHOR_LAG => (key.seal(v)?, (v.size, v.facts)),
            _ => return Ok(()),
        };
        *self
            .anchored_at
            .lock()
            .map_err(|_| Error::Io(msg!("rights-register-lock-poisoned")))? = now;
        let mut batch = Batch::new();
        batch.put(anchor_key(holder), sealed);
        self.commit(batch)
    }

    /// Checks facts about to be written (by this process) against the register,
    /// so that a refused fact is never journaled.
    pub(crate) fn check_facts(&self, drafts: &[Draft]) -> Result<()> {
        let facts: Vec<(Fact, Option<&str>)> = drafts
            .iter()
            .filter_map(|d| d.fact.as_ref())
            .map(|(json, signer)| {
                Ok((
                    Fact::parse(json, 0)?,
                    signer.as_ref().map(|(name, _)| name.as_str()),
                ))
            })
            .collect::<Result<_>>()?;
        let guard = self.rights_lock()?;
        let Some(v) = guard.as_ref() else {
            // Before the genesis is written (init) there is nothing to check against.
            return Ok(());
        };
        // Coffre signs only with a key the register accepts now: a session
        // whose member was revoked, recovered elsewhere or re-issued since it
        // opened would write a line every verifier rejects.
        let born = v.register.is_born();
        for (_, signer) in drafts.iter().filter_map(|d| d.fact.as_ref()) {
            if let (true, Some((name, key))) = (born, signer) {
                if v.register.signer_key(name) != Some(key.public()) {
                    return Err(Error::Auth(msg!("signing-key-retired")));
                }
            }
        }
        let time = crate::vault::now();
        if facts.iter().all(|(f, _)| matches!(f, Fact::Content { .. })) {
            // Content facts change only the dossier's elements: checked on the
            // register as it stands, without copying it (a write's cost).
            for (i, (fact, signer)) in facts.iter().enumerate() {
                let ctx = crate::rights::state::Context {
                    seq: v.size + 1 + i as u64,
                    time,
                    signer: *signer,
                };
                v.register.check_content(fact, &ctx).map_err(|_| {
                    Error::Refused(msg!(
                        "change-allowed-rights-register",
                        fact = fact_kind(fact)
                    ))
                })?;
            }
            return Ok(());
        }
        let mut r = v.register.clone();
        for (i, (fact, signer)) in facts.iter().enumerate() {
            let ctx = crate::rights::state::Context {
                seq: v.size + 1 + i as u64,
                time,
                signer: *signer,
            };
            r.apply(&self.policy, fact, &ctx).map_err(|_| {
                Error::Refused(msg!(
                    "change-allowed-rights-register",
                    fact = fact_kind(fact)
                ))
            })?;
        }
        Ok(())
    }

    /// Takes in lines this process has just appended (bytes as written).
    pub(crate) fn follow(&self, bytes: &[u8]) -> Result<()> {
        let mut guard = self.rights_lock()?;
        if let Some(v) = guard.as_mut() {
            for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                if let Err(e) = v.take(&self.policy, line, true) {
                    // The register no longer follows the log: verify again at the next unlock.
                    *guard = None;
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// The member `id` as the register knows them.
    pub(crate) fn member(&self, id: &str) -> Result<Option<crate::rights::state::StaffEntry>> {
        self.with_register(|r| Ok(r.staff.get(id).cloned()))
    }

    /// Checks a staff record from the store against the register (once it is
    /// verified).
    pub(crate) fn check_staff(&self, rec: &StaffRecord) -> Result<()> {
        let verdict = self.register_if_verified(|r| match r.staff.get(&rec.id) {
            None => Err(forged(
                &format!("s/{}", rec.id),
                "a member the register does not know",
            )),
            Some(s) => {
                let status = match s.member.status {
                    Status::Active => StaffStatus::Active,
                    Status::Revoked => StaffStatus::Revoked,
                };
                if s.member.profession != rec.profession
                    || status != rec.status
                    || s.member.recipient != rec.recipient
                    || s.key != rec.signing_key
                {
                    Err(forged(
                        &format!("s/{}", rec.id),
                        "profession, status or keys",
                    ))
                } else if s.passphrase.as_ref().is_some_and(|h| {
                    *h != hex::encode(crate::rights::fact::passphrase_hash(
                        &rec.id,
                        &rec.kdf,
                        &rec.salt,
                        &rec.identity_sealed,
                    ))
                }) {
                    // An older copy of the record: the passphrase the member
                    // replaced would open it again.
                    Err(forged(
                        &format!("s/{}", rec.id),
                        "passphrase material the member did not set last",
                    ))
                } else {
                    Ok(())
                }
            }
        })?;
        verdict.unwrap_or(Ok(()))
    }

    /// Checks that the store holds exactly the register's members.
    pub(crate) fn check_staff_set(&self, records: &[StaffRecord]) -> Result<()> {
        let verdict = self.register_if_verified(|r| {
            // The same ids, not only as many (a duplicate would hide a removal).
            let held: BTreeSet<&str> = records.iter().map(|s| s.id.as_str()).collect();
            let missing = r.staff.keys().find(|id| !held.contains(id.as_str()));
            if records.len() != r.staff.len() || held.len() != records.len() || missing.is_some() {
                return Err(forged(
                    &format!("s/{}", missing.map_or("…", |s| s.as_str())),
                    "staff record missing or added",
                ));
            }
            Ok(())
        })?;
        verdict.unwrap_or(Ok(()))
    }

    /// Checks a dossier record against the register.
    pub(crate) fn check_dossier(&self, rec: &DossierRecord) -> Result<()> {
        let verdict = self.register_if_verified(|r| match r.dossiers.get(&rec.id) {
            None => Err(forged(
                &format!("d/{}", rec.id),
                "a dossier the register does not know",
            )),
            Some(d) => {
                if d.creator != rec.created_by
                    || d.erased != rec.erased.is_some()
                    || d.closed != rec.closed
                {
                    Err(forged(
                        &format!("d/{}", rec.id),
                        "creator, closing or erasure",
                    ))
                } else {
                    Ok(())
                }
            }
        })?;
        verdict.unwrap_or(Ok(()))
    }

    /// Checks a vault key's material against the commitment the register holds
    /// for that generation (a wrap of another key put in its place is refused).
    pub(crate) fn check_key_material(
        &self,
        key: &str,
        generation: u32,
        material: &[u8],
    ) -> Result<()> {
        let expected =
            crate::rights::fact::key_commitment(&self.meta.vault_id, key, generation, material);
        let verdict = self.register_if_verified(|r| match r.commitment(key, generation) {
            Some(c) if c == expected => Ok(()),
            _ => Err(forged(
                &format!("w/{key}/{generation:08}"),
                "a wrapped key that is not the vault's key",
            )),
        })?;
        verdict.unwrap_or(Ok(()))
    }

    /// The genesis hash of the vault (leaf hash of its first audit entry), once
    /// the register is verified.
    pub fn genesis_hash(&self) -> Result<Option<[u8; 32]>> {
        self.register_if_verified(|_| ())
            .and_then(|_| Ok(self.rights_lock()?.as_ref().map(|v| v.genesis)))
    }

    /// Establishes the register from the genesis when nobody unlocked (no
    /// anchor is used or sealed): for commands that read rights without a
    /// passphrase, such as `policy explain`. Errors: as [`Vault::verify_register`].
    pub(crate) fn establish_anonymously(&self) -> Result<()> {
        if self.rights_lock()?.is_some() {
            return Ok(());
        }
        let verified = self.verify_register()?;
        let mut guard = self.rights_lock()?;
        if guard.is_none() {
            *self
                .rights_origin
                .lock()
                .map_err(|_| Error::Io(msg!("rights-register-lock-poisoned")))? =
                Some(String::new());
            *guard = Some(verified);
        }
        Ok(())
    }

    /// Verifies the whole register from the genesis (no anchor): for `audit
    /// verify` and `check`.
    pub(crate) fn verify_register(&self) -> Result<Verified> {
        let end = self.log()?.state().offset;
        let mut v = Verified::start(&self.meta.vault_id);
        v.catch_up(&self.policy, self.audit_medium.as_ref(), end)?;
        self.check_settings(&v.register)?;
        Ok(v)
    }
}

/// A short name of a fact's kind, for messages.
fn fact_kind(f: &Fact) -> &'static str {
    match f {
        Fact::Genesis { .. } => "genesis",
        Fact::Staff { .. } => "staff",
        Fact::Approve { .. } => "approval",
        Fact::Key { .. } => "key generation",
        Fact::AuditRecipient { .. } => "audit recipient",
        Fact::Dossier { .. } => "dossier",
        Fact::Closed { .. } => "closing",
        Fact::Erased { .. } => "erasure",
        Fact::Team { .. } => "care team",
        Fact::BreakGlass { .. } => "break-glass",
        Fact::Person { .. } => "person's access",
        Fact::Objection { .. } => "objection",
        Fact::Content { .. } => "entries",
        Fact::DataKey { .. } => "data key",
        Fact::Prune { .. } => "prune of the access trail",
        Fact::Export { .. } => "exported checkpoint",
        Fact::Release { .. } => "release of justifications",
        Fact::Passphrase { .. } => "passphrase change",
        Fact::PersonKeys { .. } => "keys wrapped to the person",
        Fact::SecondFactor { .. } => "second factor",
        Fact::SecondFactorRemoved { .. } => "second factor removed",
        Fact::SecondFactorReset { .. } => "second factor reset",
    }
}

impl Vault {
    /// Checks a dossier's objection records against the register's.
    pub(crate) fn check_objections(&self, dossier: &str) -> Result<()> {
        let mut stored = Vec::new();
        for (k, _) in self
            .store
            .scan_prefix(&crate::store::layout::objection_prefix(dossier))?
        {
            let k = String::from_utf8_lossy(&k).into_owned();
            let mut parts = k.rsplitn(3, '/');
            let (p, c) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            stored.push((c.to_string(), p.to_string()));
        }
        stored.sort();
        let signed: Vec<(String, String)> = self.with_register(|r| {
            Ok(r.dossiers
                .get(dossier)
                .map(|d| d.objections.iter().cloned().collect())
                .unwrap_or_default())
        })?;
        if stored != signed {
            return Err(forged(
                &format!("ob/{dossier}/…"),
                "the person's objections",
            ));
        }
        Ok(())
    }
}

impl Vault {
    /// Checks a stored data-key record against the hash the register holds for
    /// it (a key planted or rolled back is refused).
    pub(crate) fn check_data_key(
        &self,
        dossier: &str,
        category: &str,
        label: &str,
        bytes: &[u8],
    ) -> Result<()> {
        let name = format!("{dossier}/{category}/{label}");
        let hash = hex::encode(crate::rights::fact::record_hash(bytes));
        let verdict =
            self.register_if_verified(|r| r.data_keys.get(&name).is_some_and(|h| *h == hash))?;
        match verdict {
            Some(false) => Err(forged(
                &format!("dk/{name}"),
                "a data key the register did not record",
            )),
            _ => Ok(()),
        }
    }
}

/// A signed fact recording a data-key record (see [`Fact::DataKey`]).
pub(crate) fn data_key_fact(
    dossier: &str,
    category: &str,
    label: &str,
    bytes: &[u8],
) -> Result<String> {
    Fact::DataKey {
        dossier: dossier.to_string(),
        key: format!("{category}/{label}"),
        record: hex::encode(crate::rights::fact::record_hash(bytes)),
    }
    .to_json()
}

/// The content element of an entry whose versions have these shapes.
pub(crate) fn element(
    entry: &crate::store::records::EntryRecord,
    version_shapes: &[[u8; 32]],
) -> [u8; 32] {
    crate::rights::fact::entry_element(
        &entry.id,
        &entry.kind,
        &entry.author,
        entry.created,
        version_shapes,
    )
}

/// The shape of a version record (see [`crate::rights::fact::version_shape`]).
pub(crate) fn shape(v: &crate::store::records::VersionRecord) -> [u8; 32] {
    let fields: Vec<(&str, &str, &[u8; 32])> = v
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.category.as_str(), &f.commitment))
        .collect();
    crate::rights::fact::version_shape(v.version, &v.author, v.time, &fields)
}

/// A content fact: `add` and `remove` elements of `dossier`'s digest.
pub(crate) fn content_fact(dossier: &str, add: &[[u8; 32]], remove: &[[u8; 32]]) -> Result<String> {
    Fact::Content {
        dossier: dossier.to_string(),
        add: add.iter().map(hex::encode).collect(),
        remove: remove.iter().map(hex::encode).collect(),
    }
    .to_json()
}

impl Vault {
    /// Every store record that disagrees with the signed register, as (record,
    /// reason), for `coffre check`: staff, dossiers, care teams, break-glass
    /// windows, objections, the person's credential and each dossier's entries.
    pub(crate) fn register_disagreements(&self) -> Result<Vec<(String, String)>> {
        use crate::store::layout;
        use crate::store::records::{decode, BreakGlassRecord, TeamRecord};
        let mut out: Vec<(String, String)> = Vec::new();
        fn note(out: &mut Vec<(String, String)>, r: Result<()>, item: String) {
            if let Err(e) = r {
                out.push((item, e.to_string()));
            }
        }
        note(&mut out, self.all_staff().map(|_| ()), "s/…".into());
        let register = self.with_register(|r| Ok(r.clone()))?;
        for (id, d) in &register.dossiers {
            note(
                &mut out,
                self.dossier_record(id).map(|_| ()),
                format!("d/{id}"),
            );
            if d.erased {
                continue;
            }
            // Care team.
            let mut team = Vec::new();
            for (k, v) in self.store.scan_prefix(&layout::team_prefix(id))? {
                let t: TeamRecord = decode(&v, "care team")?;
                if t.until.is_none() {
                    team.push(layout::last_component(&k)?);
                }
            }
            team.sort();
            let signed: Vec<String> = d.team.iter().cloned().collect();
            if team != signed {
                out.push((
                    format!("t/{id}/…"),
                    "care team differs from the signed register".into(),
                ));
            }
            // Break-glass windows.
            for (k, v) in self.store.scan_prefix(&layout::break_glass_prefix(id))? {
                let who = layout::last_component(&k)?;
                let b: BreakGlassRecord = decode(&v, "break-glass")?;
                if d.break_glass.get(&who) != Some(&b.until) {
                    out.push((
                        format!("bg/{id}/{who}"),
                        "break-glass window not signed".into(),
                    ));
                }
            }
            // The person's credential.
            let person = self.person_record(id)?.map(|p| p.recipient);
            if person != d.person {
                out.push((
                    format!("p/{id}"),
                    "personal access not granted in the register".into(),
                ));
            }
            note(&mut out, self.check_objections(id), format!("ob/{id}/…"));
            note(
                &mut out,
                self.person_wraps(id).map(|_| ()),
                format!("pk/{id}/…"),
            );
            note(
                &mut out,
                self.checked_dossier(id)
                    .and_then(|c| c.complete(id).map(|_| ())),
                format!("de/{id}/…"),
            );
        }
        // Every data key the register records, present and as recorded (a
        // missing one loses every value under it).
        for name in register.data_keys.keys() {
            let mut parts = name.splitn(3, '/');
            let (Some(d), Some(cat), Some(label)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let key = layout::data_key(d, cat, (label != "*").then_some(label));
            match self.store.get(&key)? {
                None => out.push((
                    format!("dk/{name}"),
                    "a data key the register records is missing".into(),
                )),
                Some(b) => note(
                    &mut out,
                    self.check_data_key(d, cat, label, &b),
                    format!("dk/{name}"),
                ),
            }
        }
        // Dossier records the register never heard of.
        for (k, _) in self.store.scan_prefix(&layout::dossier_prefix())? {
            let id = layout::last_component(&k)?;
            if !register.dossiers.contains_key(&id) {
                out.push((
                    format!("d/{id}"),
                    "a dossier the signed register does not know".into(),
                ));
            }
        }
        Ok(out)
    }
}

/// What a member saw of the log at their last command, signed with their key:
/// the log must still hold that entry, unchanged, at that place.
#[derive(serde::Serialize, serde::Deserialize)]
struct LastSeen {
    size: u64,
    line: u64,
    end: u64,
    leaf: [u8; 32],
    sig: Vec<u8>,
}

/// Store key of a member's last-seen record: `cs/{member}`.
fn last_seen_key(member: &str) -> Vec<u8> {
    format!("cs/{member}").into_bytes()
}

fn last_seen_message(
    vault: &str,
    member: &str,
    size: u64,
    line: u64,
    end: u64,
    leaf: &[u8; 32],
) -> Vec<u8> {
    format!(
        "coffre/last-seen/v1\n{vault}\n{member}\n{size} {line} {end} {}\n",
        hex::encode(leaf)
    )
    .into_bytes()
}

/// Checks one member's last-seen record against the log at `path`: its
/// signature under one of `keys` (else it is ignored: not theirs), then that
/// entry `size` is still there, unchanged.
fn check_last_seen(
    vault: &str,
    member: &str,
    keys: &[[u8; 32]],
    bytes: &[u8],
    path: &dyn crate::store::medium::LogMedium,
    log_end: u64,
) -> Result<Option<u64>> {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(r) = crate::store::records::decode::<LastSeen>(bytes, "last seen") else {
        return Ok(None);
    };
    let msg = last_seen_message(vault, member, r.size, r.line, r.end, &r.leaf);
    let signed = keys.iter().any(|k| {
        ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, k)
            .verify(&msg, &r.sig)
            .is_ok()
    });
    if !signed {
        return Ok(None);
    }
    let gone = || {
        Error::Integrity(msg!(
            "audit-log-longer-holds-entry-saw",
            size = r.size,
            member = member
        ))
    };
    if r.end > log_end {
        return Err(gone());
    }
    let len = r
        .end
        .checked_sub(r.line)
        .and_then(|n| n.checked_sub(1))
        .filter(|n| *n as usize <= crate::audit::MAX_LINE)
        .ok_or_else(gone)? as usize;
    let mut file = crate::store::medium::reader(path);
    let mut line = vec![0u8; len + 1];
    file.seek(SeekFrom::Start(r.line))
        .and_then(|_| file.read_exact(&mut line))
        .map_err(|_| gone())?;
    if line.pop() != Some(b'\n') || crate::audit::prune::line_leaf(&line) != r.leaf {
        return Err(gone());
    }
    Ok(Some(r.size))
}

/// Checks every member's last-seen record (the store's `cs/` records) against the log (for
/// `audit verify`, which has no passphrase: signatures are checked under the
/// keys the register pins).
pub(crate) fn check_all_last_seen(
    records: Vec<(Vec<u8>, Vec<u8>)>,
    register: &Register,
    path: &dyn crate::store::medium::LogMedium,
    checkpoints: &[crate::audit::Checkpoint],
) -> Result<()> {
    let end = path.len()?;
    let mut sizes = std::collections::HashMap::new();
    for (k, v) in records {
        let member = String::from_utf8_lossy(&k[3..]).into_owned();
        if let Some(s) = register.staff.get(&member) {
            let keys: Vec<[u8; 32]> = s.keys.iter().map(|(_, k)| *k).collect();
            if let Some(size) = check_last_seen(&register.vault, &member, &keys, &v, path, end)? {
                sizes.insert(member, size);
            }
        }
    }
    // Every member who signed a checkpoint left such a record, with it, at
    // least as far as that checkpoint: a missing or older one means the end
    // of the log was cut and the records removed or replaced.
    for c in checkpoints {
        let Some(signer) = c.claimed_signer() else {
            continue;
        };
        if !register.staff.contains_key(signer) || c.time().is_some() {
            continue; // not a member's note (or an old-format checkpoint)
        }
        if sizes.get(signer).is_none_or(|s| *s < c.size) {
            return Err(Error::Integrity(msg!(
                "signed-record-where-left-log-least",
                signer = signer,
                size = c.size
            )));
        }
    }
    Ok(())
}

impl Vault {
    /// The signed record of the entry the log ends with as `member` leaves it,
    /// as a batch to commit with their checkpoint (empty before the register is
    /// verified: at `init`, the genesis's own checkpoint).
    pub(crate) fn last_seen_batch(
        &self,
        member: &str,
        key: &crate::audit::SigningKey,
    ) -> Result<Batch> {
        let mut batch = Batch::new();
        if let Some(v) = self.rights_lock()?.as_ref().filter(|v| v.size > 0) {
            let msg = last_seen_message(
                &self.meta.vault_id,
                member,
                v.size,
                v.last_line,
                v.offset,
                &v.last_leaf,
            );
            let rec = LastSeen {
                size: v.size,
                line: v.last_line,
                end: v.offset,
                leaf: v.last_leaf,
                sig: key.sign_bytes(&msg).to_vec(),
            };
            batch.put(last_seen_key(member), crate::store::records::encode(&rec)?);
        }
        Ok(batch)
    }

    /// At unlock: the log must still hold what this member saw last time.
    pub(crate) fn check_own_last_seen(&self, member: &str) -> Result<()> {
        let Some(bytes) = self.store.get(&last_seen_key(member))? else {
            return Ok(());
        };
        let keys = self.with_register(|r| {
            Ok(r.staff
                .get(member)
                .map(|s| s.keys.iter().map(|(_, k)| *k).collect::<Vec<_>>())
                .unwrap_or_default())
        })?;
        let path = self.audit_medium.clone();
        let end = self.log()?.state().offset;
        check_last_seen(
            &self.meta.vault_id,
            member,
            &keys,
            &bytes,
            path.as_ref(),
            end,
        )
        .map(|_| ())
    }
}
