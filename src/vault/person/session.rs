//! The person's rights inside the vault: their own credential (self-service view
//! and access history, enforced by keys: their identity opens only their own
//! dossier's non-withheld data keys), objections to sharing a category with a
//! profession, and notes of disagreement.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::audit::{Draft, Filter, Outcome};
use crate::crypto::kdf;
use crate::crypto::key::random_bytes;
use crate::crypto::wrap::{self, Identity};
use crate::crypto::{envelope, Aad, Key32};
use crate::error::{Error, Result};
use crate::policy::{Capability, VaultKey};
use crate::rights::Fact;
use crate::store::records::{decode, encode, DataKeyRecord, EntryRecord, SealedField};
use crate::store::{layout, Batch};
use crate::vault::access::keys::{unwrap_personal, wrap_personal, RECOVERY_HOLDER};
use crate::vault::access::session::{DataKey, Session};
use crate::vault::audit_trail::audit_read::HistoryItem;
use crate::vault::records::reader::{latest_view, FieldKeys};
use crate::vault::views::{DossierView, WithheldReason};
use crate::vault::{now, Vault};
use secrecy::SecretString;

/// The person's credential for their own dossier.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PersonRecord {
    /// Public recipient of the person's identity.
    pub recipient: String,
    /// KDF parameters.
    pub kdf: kdf::KdfParams,
    /// KDF salt.
    #[serde(with = "serde_bytes")]
    pub salt: Vec<u8>,
    /// The identity sealed under the passphrase-derived key.
    #[serde(with = "serde_bytes")]
    pub identity_sealed: Vec<u8>,
    /// Who granted it, when.
    pub granted_by: String,
    /// When.
    pub granted: u64,
}

/// An objection of the person to a category being shared with a profession.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ObjectionRecord {
    /// When it was recorded.
    pub time: u64,
    /// Who recorded it (staff id, or the person).
    pub recorded_by: String,
}

/// An objection, as listed.
#[derive(Clone, Debug, Serialize)]
pub struct Objection {
    /// Category.
    pub category: String,
    /// Profession.
    pub profession: String,
    /// When (RFC 3339).
    pub time: String,
    /// Who recorded it.
    pub recorded_by: String,
}

/// The actor name the audit log uses for a person acting on their own dossier.
pub fn person_actor(dossier: &str) -> String {
    format!("person.{dossier}")
}

fn person_aad(vault_id: &str, dossier: &str) -> Aad {
    Aad::new("coffre/person-identity/v1")
        .with(vault_id.as_bytes())
        .with(dossier.as_bytes())
}

fn label_of(key: &[u8]) -> Result<(String, String)> {
    // dk/{dossier}/{category}/{label}
    let s = std::str::from_utf8(key).map_err(|_| Error::Integrity(msg!("store-key-text")))?;
    let parts: Vec<&str> = s.split('/').collect();
    match parts.as_slice() {
        [_, _, cat, label] => Ok((cat.to_string(), label.to_string())),
        _ => Err(Error::Integrity(msg!("data-key-record-malformed-key"))),
    }
}

/// The data keys wrapped to the person for one dossier, as the signed
/// register vouches for them: only [`Vault::person_wraps`] makes one, so a
/// wrap planted in the store (a key someone knows, wrapped to the person's
/// public recipient) never reaches a reader or the person's own note.
#[derive(Default)]
pub(crate) struct PersonWraps {
    wraps: BTreeMap<Vec<u8>, Vec<u8>>,
}

/// The signed fact for the set of wraps `set` of `dossier`, which adds or
/// replaces the wraps of the categories `add` (compact JSON).
pub(crate) fn person_keys_fact(
    dossier: &str,
    set: &BTreeMap<Vec<u8>, Vec<u8>>,
    add: &[String],
) -> Result<String> {
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = set.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut add = add.to_vec();
    add.sort();
    add.dedup();
    Fact::PersonKeys {
        dossier: dossier.to_string(),
        wraps: hex::encode(crate::rights::fact::person_wraps_hash(dossier, &pairs)),
        add,
    }
    .to_json()
}

impl PersonWraps {
    /// The set with `key` wrapped as `wrap` (a new or renewed data key), and
    /// its signed fact.
    pub(crate) fn with(
        mut self,
        dossier: &str,
        category: &str,
        key: Vec<u8>,
        wrap: Vec<u8>,
    ) -> Result<String> {
        self.wraps.insert(key, wrap);
        person_keys_fact(dossier, &self.wraps, &[category.to_string()])
    }

    /// The wrap stored under `key` (a `pk/` key), if the set holds it.
    pub(crate) fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.wraps.get(key).map(Vec::as_slice)
    }
}

impl Vault {
    /// The `pk/{dossier}/…` records, in key order.
    fn stored_person_wraps(&self, dossier: &str) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut all = self.store.scan_prefix(&layout::person_prefix(dossier))?;
        all.sort();
        Ok(all)
    }

    /// The data keys wrapped to the person for `dossier`, checked against the
    /// last `person-keys` fact: `Some` when the stored set is the one it
    /// commits to (or there is no wrap at all), `None` while no fact covers the
    /// stored set yet (wraps written before the fact existed: nothing is read
    /// through them, and the next member who opens the dossier wraps anew and
    /// signs). Errors: `Integrity` naming `pk/{dossier}/…` when the set differs
    /// from the one the register holds (a wrap planted, removed or rolled back).
    pub(crate) fn person_wraps(&self, dossier: &str) -> Result<Option<PersonWraps>> {
        let stored = self.stored_person_wraps(dossier)?;
        let signed = self
            .with_register(|r| Ok(r.dossiers.get(dossier).and_then(|d| d.person_wraps.clone())))?;
        match signed {
            Some(h) => {
                let hash = hex::encode(crate::rights::fact::person_wraps_hash(dossier, &stored));
                if h != hash {
                    return Err(crate::vault::access::trust::forged(
                        &format!("pk/{dossier}/…"),
                        "keys wrapped to the person the register does not vouch for",
                    ));
                }
                Ok(Some(PersonWraps {
                    wraps: stored.into_iter().collect(),
                }))
            }
            None if stored.is_empty() => Ok(Some(PersonWraps::default())),
            None => Ok(None),
        }
    }

    /// Data key `dk` of (`dossier`, `category`, `label`: an author or `*`)
    /// wrapped to the person's credential `person` and to the recovery key.
    pub(crate) fn person_wrap(
        &self,
        person: &PersonRecord,
        dk: &Key32,
        erasure: &Key32,
        dossier: &str,
        category: &str,
        label: &str,
    ) -> Result<Vec<u8>> {
        let recipients = [
            person.recipient.as_str(),
            self.meta.recovery_recipient.as_str(),
        ];
        wrap_personal(
            dk,
            &recipients,
            erasure,
            &self.meta.vault_id,
            dossier,
            category,
            &format!("person/{label}"),
        )
    }

    /// The person's credential for `dossier`, checked against the signed
    /// register once it is verified: keys are wrapped to its recipient, so a
    /// credential planted in the store must never be believed.
    pub(crate) fn person_record(&self, dossier: &str) -> Result<Option<PersonRecord>> {
        let rec: Option<PersonRecord> = match self.store.get(&layout::person(dossier))? {
            Some(b) => Some(decode(&b, "person credential")?),
            None => None,
        };
        let signed = self.rights_lock()?.as_ref().map(|v| {
            v.register
                .dossiers
                .get(dossier)
                .and_then(|d| d.person.clone())
        });
        if let Some(signed) = signed {
            if rec.as_ref().map(|r| &r.recipient) != signed.as_ref() {
                return Err(crate::vault::access::trust::forged(
                    &format!("p/{dossier}"),
                    "a personal access the register did not grant",
                ));
            }
        }
        Ok(rec)
    }

    /// Before a refused personal unlock is blamed on the person: the register
    /// (verified from the genesis if nobody in this process unlocked yet) must
    /// agree with the vault's settings and with `p/{dossier}`; a deleted or
    /// replaced credential is an integrity failure naming it (exit 5).
    fn check_refused_person(&self, dossier: &str) -> Result<()> {
        self.establish_anonymously()?;
        self.person_record(dossier).map(|_| ())
    }

    /// Opens the person's own access to `dossier` with their passphrase. Failed
    /// attempts are audited.
    pub fn unlock_person(
        &self,
        dossier: &str,
        passphrase: &SecretString,
    ) -> Result<PersonSession<'_>> {
        layout::check_id("dossier", dossier)?;
        let _turn = self.begin()?;
        let actor = person_actor(dossier);
        let fail = |detail: &str| -> Result<PersonSession<'_>> {
            self.audit(
                Draft::new(&actor, "person", "unlock")
                    .dossier(dossier)
                    .outcome(Outcome::Failed)
                    .detail(detail),
            )?;
            Err(Error::Auth(msg!(
                "cannot-open-dossier",
                dossier = dossier,
                detail = crate::audit::words::auth_detail(detail)
            )))
        };
        let Some(rec) = self.person_record(dossier)? else {
            // The same key derivation as a wrong passphrase: the time of the
            // refusal does not tell which dossiers have a personal access.
            crate::crypto::passphrase::decoy(passphrase, dossier, &self.meta.kdf);
            self.check_refused_person(dossier)?;
            return fail("no personal access was granted for this dossier");
        };
        let aad = person_aad(&self.meta.vault_id, dossier);
        let opened =
            crate::crypto::passphrase::open_with(passphrase, &rec.salt, &rec.kdf, |key| {
                envelope::open(key, &aad, &rec.identity_sealed).ok()
            })?;
        let Some(secret) = opened else {
            self.check_refused_person(dossier)?;
            return fail("wrong passphrase");
        };
        let text = std::str::from_utf8(&secret)
            .map_err(|_| Error::Integrity(msg!("sealed-identity-corrupt")))?;
        let identity =
            Identity::parse(text).map_err(|_| Error::Integrity(msg!("sealed-identity-corrupt")))?;
        // The signed register says whether this credential is the person's.
        self.establish_rights(&actor, &identity)?;
        let signed = self.with_register(|r| {
            Ok(r.dossiers
                .get(dossier)
                .filter(|d| !d.erased)
                .and_then(|d| d.person.clone()))
        })?;
        if signed.as_deref() != Some(identity.recipient().as_str())
            || rec.recipient != identity.recipient()
        {
            return Err(crate::vault::access::trust::forged(
                &format!("p/{dossier}"),
                "a personal access the register did not grant",
            ));
        }
        let withdrawals = self.with_register(|r| {
            Ok(r.dossiers
                .get(dossier)
                .map_or(0, |d| d.person_second_factor_withdrawals))
        })?;
        Ok(PersonSession {
            vault: self,
            dossier: dossier.to_string(),
            identity,
            weak: rec.kdf.is_weak(),
            second_factor_withdrawals: std::sync::atomic::AtomicU64::new(withdrawals),
        })
    }
}

impl Session<'_> {
    /// Whether the person objects to `category` being shared with this actor's profession.
    pub(crate) fn objects(&mut self, dossier: &str, category: &str) -> Result<bool> {
        let stored = self
            .vault
            .store
            .get(&layout::objection(
                dossier,
                category,
                &self.me.profession.clone(),
            ))?
            .is_some();
        let signed = self
            .vault
            .with_register(|r| Ok(r.objects(dossier, category, &self.me.profession)))?;
        if stored != signed {
            return Err(crate::vault::access::trust::forged(
                &format!("ob/{dossier}/{category}/{}", self.me.profession),
                "objection",
            ));
        }
        Ok(signed)
    }

    fn require_person_access(&self, action: &str, dossier: &str) -> Result<()> {
        self.require(Capability::PersonAccess, action, Some(dossier))
    }

    /// Opens a data key of `dossier` for export or granting: with this member's
    /// keys, else with the recovery identity. `None` if neither can.
    pub(crate) fn data_key_any(
        &mut self,
        dossier: &str,
        category: &str,
        label: &str,
        recovery: Option<&Identity>,
    ) -> Result<Option<Key32>> {
        let author = (label != "*").then_some(label);
        if let DataKey::Key(k) = self.data_key(dossier, category, author, None)? {
            return Ok(Some(k));
        }
        let Some(r) = recovery else { return Ok(None) };
        let vid = self.vault.meta.vault_id.clone();
        let erasure = self.erasure_key(dossier)?;
        let Some(bytes) = self
            .vault
            .store
            .get(&layout::data_key(dossier, category, author))?
        else {
            return Ok(None);
        };
        self.vault
            .check_data_key(dossier, category, label, &bytes)?;
        let rec: DataKeyRecord = decode(&bytes, "data key")?;
        if self.vault.policy.is_author_only(category) {
            return unwrap_personal(&rec.wrapped, r, &erasure, &vid, dossier, category, label);
        }
        let ck_name = VaultKey::Category(category.to_string()).name();
        let Some(ct) =
            self.vault
                .store
                .get(&layout::wrap(&ck_name, rec.key_gen, RECOVERY_HOLDER))?
        else {
            return Ok(None);
        };
        let Some(m) = wrap::unwrap(&ct, r)? else {
            return Ok(None);
        };
        let ck = Key32::from_slice(&m)?;
        let wk = crate::vault::access::keys::category_wrap_key(
            &erasure,
            &ck,
            &vid,
            dossier,
            category,
            rec.key_gen,
        )?;
        let plain = envelope::open(
            &wk,
            &crate::vault::access::keys::data_key_aad(&vid, dossier, category, rec.key_gen),
            &rec.wrapped,
        )?;
        Ok(Some(Key32::from_slice(&plain)?))
    }

    /// A data key of `dossier` just created or renewed (`author`: its author
    /// for an author-only category), wrapped at once to the person when they
    /// have their own access, the category is not withheld from them and the
    /// register vouches for their set of wraps: the wrap is put into `batch`
    /// and the signed `person-keys` line to commit with it is returned (`None`
    /// otherwise: the next member who opens the dossier wraps the key with the
    /// others). The caller holds the key lock.
    pub(crate) fn wrap_new_key_to_person(
        &self,
        dossier: &str,
        category: &str,
        author: Option<&str>,
        dk: &Key32,
        erasure: &Key32,
        batch: &mut Batch,
    ) -> Result<Option<Draft>> {
        if self.vault.policy.withheld_from_person(category).is_some() {
            return Ok(None);
        }
        let Some(person) = self.vault.person_record(dossier)? else {
            return Ok(None);
        };
        let Some(set) = self.vault.person_wraps(dossier)? else {
            return Ok(None);
        };
        let label = author.unwrap_or("*");
        let w = self
            .vault
            .person_wrap(&person, dk, erasure, dossier, category, label)?;
        let path = layout::person_key(dossier, category, author);
        let fact = set.with(dossier, category, path.clone(), w.clone())?;
        batch.put(path, w);
        Ok(Some(
            self.draft("access.keys")
                .dossier(dossier)
                .detail("data key wrapped to the person")
                .fact(fact, self.fact_signer()),
        ))
    }

    /// Wraps to the person every non-withheld data key of `dossier` this member
    /// (or `recovery`) can open and the person lacks. Returns the categories still
    /// missing.
    pub(crate) fn sync_person_keys(
        &mut self,
        dossier: &str,
        recovery: Option<&Identity>,
    ) -> Result<Vec<String>> {
        let Some(person) = self.vault.person_record(dossier)? else {
            return Ok(Vec::new());
        };
        let erasure = self.erasure_key(dossier)?;
        // From reading the set to committing its fact, under the key lock
        // (data-key creation and renewal change the set under it too): two
        // sessions syncing at once would each sign a set missing the other's
        // wrap, and lock the person out.
        let vault = self.vault;
        let _keys = vault
            .keys_lock
            .lock()
            .map_err(|_| Error::Io(msg!("key-lock-poisoned")))?;
        let mut batch = Batch::new();
        let mut missing = Vec::new();
        let mut added = Vec::new();
        // The set the register vouches for; wraps no fact covers yet (written
        // before the fact existed) are all made again, never adopted.
        let mut set = match self.vault.person_wraps(dossier)? {
            Some(w) => w.wraps,
            None => {
                for (k, _) in self.vault.stored_person_wraps(dossier)? {
                    batch.remove(k);
                }
                BTreeMap::new()
            }
        };
        // Wraps of categories withheld from the person (author-only notes wrapped
        // by earlier versions) go: nothing reads through them any more.
        let mut stale = Vec::new();
        let keys: Vec<Vec<u8>> = set.keys().cloned().collect();
        for k in keys {
            let (cat, _) = label_of(&k)?;
            if self.vault.policy.withheld_from_person(&cat).is_some() {
                stale.push(cat);
                set.remove(&k);
                batch.remove(k);
            }
        }
        for (k, _) in self
            .vault
            .store
            .scan_prefix(&layout::data_key_prefix(dossier))?
        {
            let (cat, label) = label_of(&k)?;
            if self.vault.policy.withheld_from_person(&cat).is_some() {
                continue;
            }
            let author = (label != "*").then_some(label.as_str());
            let path = layout::person_key(dossier, &cat, author);
            if set.contains_key(&path) {
                continue;
            }
            match self.data_key_any(dossier, &cat, &label, recovery)? {
                Some(dk) => {
                    let w = self
                        .vault
                        .person_wrap(&person, &dk, &erasure, dossier, &cat, &label)?;
                    set.insert(path.clone(), w.clone());
                    batch.put(path, w);
                    added.push(cat.clone());
                }
                None => missing.push(cat),
            }
        }
        missing.sort();
        missing.dedup();
        if !batch.is_empty() {
            stale.sort();
            stale.dedup();
            let detail = if stale.is_empty() {
                "data keys wrapped to the person".to_string()
            } else {
                format!(
                    "data keys wrapped to the person; wraps of withheld categories removed: {}",
                    stale.join(", ")
                )
            };
            let fact = person_keys_fact(dossier, &set, &added)?;
            self.vault.commit_audited(
                self.draft("access.keys")
                    .dossier(dossier)
                    .categories(stale)
                    .detail(&detail)
                    .fact(fact, self.fact_signer()),
                batch,
            )?;
        }
        Ok(missing)
    }

    /// Gives the person their own credential for `dossier` (replacing any
    /// earlier one). Returns the categories whose keys could not be wrapped yet
    /// (they follow when a holder unlocks, or at once with `recovery`).
    pub fn grant_person_access(
        &mut self,
        dossier: &str,
        passphrase: &SecretString,
        recovery: Option<&Identity>,
    ) -> Result<Vec<String>> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "access.grant";
        let rec = self.load_dossier(dossier)?;
        self.require_person_access(ACTION, dossier)?;
        if rec.erased.is_some() {
            return Err(Error::NotFound(msg!("dossier-erased-2", dossier = dossier)));
        }
        let passphrase = &crate::crypto::passphrase::check_new(passphrase, &self.vault.kdf())?;
        let identity = Identity::generate();
        let salt = random_bytes::<16>()?;
        let params = self.vault.kdf();
        let pkey = kdf::derive(passphrase, &salt, &params)?;
        let person = PersonRecord {
            recipient: identity.recipient(),
            kdf: params,
            salt: salt.to_vec(),
            identity_sealed: envelope::seal(
                &pkey,
                &person_aad(&self.vault.meta.vault_id, dossier),
                &wrap::secret_bytes(&identity),
            )?,
            granted_by: self.me.id.clone(),
            granted: now(),
        };
        let person_key = crate::audit::SigningKey::derive(
            &wrap::secret_bytes(&identity),
            &self.vault.meta.vault_id,
        )?;
        let fact = Fact::Person {
            dossier: dossier.to_string(),
            recipient: Some(identity.recipient()),
            key: Some(hex::encode(person_key.public())),
        };
        let draft = self
            .draft(ACTION)
            .dossier(dossier)
            .detail(if recovery.is_some() {
                "with the recovery key"
            } else {
                "personal access granted"
            })
            .fact(fact.to_json()?, self.fact_signer());
        {
            // Under the key lock, as every change of the person's wraps.
            let _keys = self
                .vault
                .keys_lock
                .lock()
                .map_err(|_| Error::Io(msg!("key-lock-poisoned")))?;
            let mut batch = Batch::new();
            // A new credential replaces the old one: its wraps go, and the
            // person's second factors (sealed to it; the `person` fact
            // withdraws them) with their cache.
            for prefix in [
                layout::person_prefix(dossier),
                layout::person_second_factor_prefix(dossier),
            ] {
                for (k, _) in self.vault.store.scan_prefix(&prefix)? {
                    batch.remove(k);
                }
            }
            batch.remove(layout::person_second_factor_uses(dossier));
            batch.put(layout::person(dossier), encode(&person)?);
            // The credential and the signed fact that grants it, in one step.
            self.vault.commit_audited(draft, batch)?;
        }
        self.sync_person_keys(dossier, recovery)
    }

    /// Records the person's objection to `category` being shared with `profession`.
    pub fn record_objection(
        &mut self,
        dossier: &str,
        category: &str,
        profession: &str,
    ) -> Result<()> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "access.object";
        self.load_dossier(dossier)?;
        self.require_person_access(ACTION, dossier)?;
        record_objection(
            self.vault,
            dossier,
            category,
            profession,
            &self.me.id,
            &self.me.profession,
            self.fact_signer(),
        )
    }

    /// The person's objections for `dossier`.
    pub fn objections(&mut self, dossier: &str) -> Result<Vec<Objection>> {
        let _turn = self.ensure_current()?;
        self.load_dossier(dossier)?;
        list_objections(self.vault, dossier)
    }
}

fn record_objection(
    vault: &Vault,
    dossier: &str,
    category: &str,
    profession: &str,
    by: &str,
    by_profession: &str,
    signer: Option<(String, crate::audit::FactSigner)>,
) -> Result<()> {
    if !vault.policy.categories.contains_key(category) {
        return Err(Error::Usage(msg!("unknown-category", category = category)));
    }
    if !vault.policy.has_profession(profession) {
        return Err(Error::Usage(msg!(
            "unknown-profession-2",
            profession = profession
        )));
    }
    let fact = Fact::Objection {
        dossier: dossier.to_string(),
        category: category.to_string(),
        profession: profession.to_string(),
        objects: true,
    };
    let mut batch = Batch::new();
    batch.put(
        layout::objection(dossier, category, profession),
        encode(&ObjectionRecord {
            time: now(),
            recorded_by: by.to_string(),
        })?,
    );
    vault
        .commit_audited(
            Draft::new(by, by_profession, "access.object")
                .dossier(dossier)
                .categories([category])
                .target(profession)
                .detail(&format!(
                    "objection to sharing '{category}' with '{profession}'"
                ))
                .fact(fact.to_json()?, signer),
            batch,
        )
        .map(|_| ())
}

fn list_objections(vault: &Vault, dossier: &str) -> Result<Vec<Objection>> {
    let mut out = Vec::new();
    for (k, v) in vault
        .store
        .scan_prefix(&layout::objection_prefix(dossier))?
    {
        let s = std::str::from_utf8(&k).map_err(|_| Error::Integrity(msg!("store-key-text")))?;
        let parts: Vec<&str> = s.split('/').collect();
        let [_, _, cat, prof] = parts.as_slice() else {
            return Err(Error::Integrity(msg!("objection-record-malformed-key")));
        };
        let r: ObjectionRecord = decode(&v, "objection")?;
        out.push(Objection {
            category: cat.to_string(),
            profession: prof.to_string(),
            time: crate::vault::rfc3339(r.time),
            recorded_by: r.recorded_by,
        });
    }
    Ok(out)
}

/// The person, unlocked on their own dossier.
pub struct PersonSession<'v> {
    pub(crate) vault: &'v Vault,
    pub(crate) dossier: String,
    pub(crate) identity: Identity,
    weak: bool,
    /// The register's count of withdrawals of the person's second factors
    /// when this session opened (or its own removal since): a member's reset
    /// ends it.
    pub(crate) second_factor_withdrawals: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for PersonSession<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonSession")
            .field("dossier", &self.dossier)
            .finish_non_exhaustive()
    }
}

/// The person's right to each field: never a withheld category; then their key.
struct PersonKeys<'a> {
    vault: &'a Vault,
    identity: &'a Identity,
    erasure: Key32,
    /// The vouched wraps (`None`: not vouched yet, every key pending).
    wraps: Option<PersonWraps>,
}

impl FieldKeys for PersonKeys<'_> {
    fn key_for(
        &mut self,
        entry: &EntryRecord,
        field: &SealedField,
        author: &str,
    ) -> Result<std::result::Result<Key32, WithheldReason>> {
        let cat = field.category.as_str();
        // Checked before any wrap is looked up: a wrap of a withheld category left
        // by an earlier version is never read through.
        if self.vault.policy.withheld_from_person(cat).is_some() {
            return Ok(Err(WithheldReason::WithheldFromPerson));
        }
        let author_only = self.vault.policy.is_author_only(cat);
        let label = if author_only { author } else { "*" };
        let key = layout::person_key(&entry.dossier, cat, author_only.then_some(author));
        let Some(w) = self.wraps.as_ref().and_then(|w| w.get(&key)) else {
            return Ok(Err(WithheldReason::Pending));
        };
        let vid = &self.vault.meta.vault_id;
        Ok(
            match unwrap_personal(
                w,
                self.identity,
                &self.erasure,
                vid,
                &entry.dossier,
                cat,
                &format!("person/{label}"),
            )? {
                Some(k) => Ok(k),
                None => Err(WithheldReason::NotPermitted),
            },
        )
    }
}

impl PersonSession<'_> {
    /// The vault's turn, once the signed register still names this
    /// credential as the person's (a long-lived web session must end when the
    /// credential is re-issued or removed, or the dossier erased). Call it on
    /// every request. Errors: [`Error::Auth`] (exit 4), log in again.
    pub fn ensure_current(&self) -> Result<crate::vault::Turn<'_>> {
        let turn = self.vault.begin()?;
        let me = self.identity.recipient();
        let withdrawals = self
            .second_factor_withdrawals
            .load(std::sync::atomic::Ordering::SeqCst);
        let same = self.vault.with_register(|r| {
            Ok(r.dossiers.get(&self.dossier).is_some_and(|d| {
                !d.erased
                    && d.person.as_deref() == Some(me.as_str())
                    // No factor of theirs withdrawn since (a member's reset
                    // after a lost phone, a removal in another session).
                    && d.person_second_factor_withdrawals == withdrawals
            }))
        })?;
        if same {
            Ok(turn)
        } else {
            Err(Error::Auth(msg!(
                "person-session-credential-changed",
                dossier = self.dossier.clone()
            )))
        }
    }

    /// The dossier this credential opens.
    pub fn dossier(&self) -> &str {
        &self.dossier
    }

    /// Whether the passphrase uses the weak test KDF.
    pub fn weak_kdf(&self) -> bool {
        self.weak
    }

    pub(crate) fn actor(&self) -> String {
        person_actor(&self.dossier)
    }

    /// Signs the person's own facts (`person:<dossier>`), with the key the
    /// `person` fact that granted their access introduced.
    pub(crate) fn signer(&self) -> Result<(String, crate::audit::FactSigner)> {
        let key = crate::audit::SigningKey::derive(
            &wrap::secret_bytes(&self.identity),
            &self.vault.meta.vault_id,
        )?;
        Ok((
            format!(
                "{}{}",
                crate::rights::fact::PERSON_SIGNER_PREFIX,
                self.dossier
            ),
            std::sync::Arc::new(key),
        ))
    }

    /// Opens a document of the person's file (its latest version, or
    /// `version`) for them: audited `document.read` before anything is
    /// returned; the content then streams with [`Vault::stream_document`].
    /// A document in a category withheld from them is refused (audited).
    pub fn begin_document(
        &self,
        doc: &str,
        version: Option<u32>,
    ) -> Result<crate::vault::records::document::OpenedDocument> {
        let _turn = self.ensure_current()?;
        let not_found = || Error::NotFound(msg!("document-not-found", id = doc));
        let dossier = self.vault.entry_dossier(doc).map_err(|e| match e {
            Error::NotFound(_) => not_found(),
            other => other,
        })?;
        if dossier != self.dossier {
            return Err(not_found());
        }
        let checked = self.vault.checked_entry(doc)?;
        if checked.record().kind != crate::vault::records::document::DOCUMENT_KIND {
            return Err(not_found());
        }
        let erasure = self.vault.erasure_key(&self.dossier)?;
        let mut keys = PersonKeys {
            vault: self.vault,
            identity: &self.identity,
            erasure,
            wraps: self.vault.person_wraps(&self.dossier)?,
        };
        let number = version.unwrap_or(checked.record().latest);
        let draft = Draft::new(&self.actor(), "person", "document.read")
            .dossier(&self.dossier)
            .entry(doc);
        match crate::vault::records::document::open_with(self.vault, &mut keys, &checked, number)? {
            Some(opened) => {
                let draft = draft.categories([opened.view().category.as_str()]);
                // A version whose content is gone: an error naming the
                // record, audited as such, never as a read made.
                if let Err(e) = self.vault.document_present(&opened) {
                    self.vault.audit(
                        draft
                            .outcome(Outcome::Error)
                            .detail(&crate::vault::records::document::missing_detail(&e)),
                    )?;
                    return Err(e);
                }
                // Durable before the first byte leaves.
                self.vault
                    .audit(draft.detail(&format!("version {number}")))?;
                Ok(opened)
            }
            None => {
                self.vault.audit(
                    draft
                        .outcome(Outcome::Denied)
                        .detail("withheld from the person"),
                )?;
                Err(Error::Refused(WithheldReason::WithheldFromPerson.msg()))
            }
        }
    }

    /// Audits a stream of `opened` (from [`PersonSession::begin_document`])
    /// that failed before its end: the read was audited as begun, this line
    /// says it did not complete.
    pub fn document_failed(
        &self,
        opened: &crate::vault::records::document::OpenedDocument,
    ) -> Result<()> {
        let v = opened.view();
        self.vault.audit(
            Draft::new(&self.actor(), "person", "document.read")
                .dossier(&self.dossier)
                .entry(&v.id)
                .categories([v.category.as_str()])
                .outcome(Outcome::Error)
                .detail(crate::vault::records::document::STREAM_DAMAGED),
        )?;
        Ok(())
    }

    /// Audits a stream of `opened` the person's browser stopped before the
    /// end (gone, idle past the limit, a `HEAD`): a `failed` line
    /// (`download interrupted before the end`), not damage.
    pub fn document_interrupted(
        &self,
        opened: &crate::vault::records::document::OpenedDocument,
    ) -> Result<()> {
        let v = opened.view();
        self.vault.audit(
            Draft::new(&self.actor(), "person", "document.read")
                .dossier(&self.dossier)
                .entry(&v.id)
                .categories([v.category.as_str()])
                .outcome(Outcome::Failed)
                .detail(crate::vault::records::document::STREAM_INTERRUPTED),
        )?;
        Ok(())
    }

    /// The person's file: every non-withheld field, withheld ones listed with their
    /// category. Audited before it is returned.
    pub fn view(&self) -> Result<DossierView> {
        let _turn = self.ensure_current()?;
        let erasure = self.vault.erasure_key(&self.dossier)?;
        let mut keys = PersonKeys {
            vault: self.vault,
            identity: &self.identity,
            erasure,
            wraps: self.vault.person_wraps(&self.dossier)?,
        };
        let mut entries = Vec::new();
        // The person is shown every entry the register holds, or nothing.
        let checked = self
            .vault
            .checked_dossier(&self.dossier)?
            .complete(&self.dossier)?;
        for e in &checked {
            entries.push(latest_view(self.vault, e, &mut keys)?);
        }
        let mut cats: Vec<String> = entries
            .iter()
            .flat_map(|e| e.fields.values().map(|f| f.category.clone()))
            .collect();
        cats.push("identity".into());
        let header = self.header(&mut keys)?;
        self.vault.audit(
            Draft::new(&self.actor(), "person", "access.view")
                .dossier(&self.dossier)
                .categories(cats),
        )?;
        let (name, birthdate, details) = match header {
            Some((n, b, d)) => (Some(n), Some(b), Some(d)),
            None => (None, None, None),
        };
        Ok(DossierView {
            id: self.dossier.clone(),
            name,
            birthdate,
            details,
            break_glass: false,
            entries,
            damaged: Vec::new(),
        })
    }

    /// The person's readable copy of their file: one HTML page (their notes
    /// in plain words, what is withheld and why, the texts of the law, who
    /// accessed the file), made with their own keys, to keep or print.
    /// Audited as their export (`access.export`, detail `the readable copy`)
    /// before it is made.
    ///
    /// Errors: [`Error::Auth`] once the credential no longer opens the file;
    /// [`Error::Integrity`] (exit 5, naming the record) if an entry the
    /// register holds is missing or altered: the copy never leaves one out.
    pub fn readable_copy(&self) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let _turn = self.ensure_current()?;
        let erasure = self.vault.erasure_key(&self.dossier)?;
        let mut keys = PersonKeys {
            vault: self.vault,
            identity: &self.identity,
            erasure,
            wraps: self.vault.person_wraps(&self.dossier)?,
        };
        let Some((name, birthdate, details)) = self.header(&mut keys)? else {
            return Err(Error::Pending(msg!("person-identity-not-yet")));
        };
        self.vault.audit(
            Draft::new(&self.actor(), "person", "access.export")
                .dossier(&self.dossier)
                .detail(&crate::tr_in!(
                    crate::i18n::Lang::En,
                    "audit-detail-readable-copy"
                )),
        )?;
        let made = crate::vault::person::export::person_readable_copy(
            self.vault,
            &self.dossier,
            name,
            birthdate,
            details,
            Box::new(keys),
        );
        if made.is_err() {
            // The copy was audited as made: say it was not (best effort; the
            // copy's own error is the one returned).
            let _ = self.vault.audit(
                Draft::new(&self.actor(), "person", "access.export")
                    .dossier(&self.dossier)
                    .outcome(Outcome::Error)
                    .detail(crate::vault::outcome::NOT_WRITTEN),
            );
        }
        made
    }

    fn header(
        &self,
        keys: &mut PersonKeys<'_>,
    ) -> Result<Option<(String, String, crate::vault::views::DossierDetails)>> {
        let rec = self.vault.dossier_record(&self.dossier)?;
        let field = SealedField {
            name: "header".into(),
            category: "identity".into(),
            ciphertext: Vec::new(),
            commitment: [0; 32],
        };
        let dummy = EntryRecord {
            id: String::new(),
            dossier: self.dossier.clone(),
            kind: String::new(),
            author: String::new(),
            created: 0,
            latest: 0,
        };
        let Ok(k) = keys.key_for(&dummy, &field, "*")? else {
            return Ok(None);
        };
        crate::vault::records::dossier::open_identity_with(&k, &self.vault.meta.vault_id, &rec)
            .map(Some)
    }

    /// Who read or changed the file, when, which categories. A break-the-glass
    /// justification is given in its author's words only once the DPO released
    /// the dossier's justifications (`Session::release_justifications`); before,
    /// the person sees that the emergency access happened. Audited.
    pub fn history(&self) -> Result<Vec<HistoryItem>> {
        let _turn = self.ensure_current()?;
        self.vault
            .audit(Draft::new(&self.actor(), "person", "access.history").dossier(&self.dossier))?;
        let filter = Filter {
            dossier: Some(self.dossier.clone()),
            ..Filter::default()
        };
        let mut out = Vec::new();
        for e in self.vault.audit_entries(&filter)? {
            let what = crate::vault::person::export::quoi(&e);
            let justification =
                self.vault
                    .released_for_person(&self.dossier, &e, &self.identity)?;
            out.push(self.vault.history_item(e, None, what, justification));
        }
        Ok(out)
    }

    /// Attaches the person's own note (e.g. their disagreement with an entry,
    /// `about`) to their dossier, as an entry of kind `person-note` written by them.
    pub fn note(&self, text: &str, about: Option<&str>) -> Result<String> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "access.note";
        let _writing = self
            .vault
            .write_lock
            .lock()
            .map_err(|_| Error::Io(msg!("write-lock-poisoned")))?;
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::Usage(msg!("note-empty")));
        }
        if let Some(e) = about {
            let entry = self.vault.checked_entry(e)?;
            if entry.record().dossier != self.dossier {
                return Err(Error::Usage(msg!("entry-your-dossier", e = e)));
            }
        }
        // Never sealed while the identity key's rotation is pending (a revoked
        // member still holds the key the dossier's identity data key is under).
        // A data key of an older generation is renewed by staff at their next
        // write; until then the person's note joins what that key already seals.
        let identity_key = crate::policy::VaultKey::Category("identity".into());
        let pending = self
            .vault
            .with_register(|r| Ok(r.rotations.contains_key(&identity_key.name())))?;
        if pending {
            return Err(Error::Pending(msg!(
                "your-access-your-dossier-complete-yet"
            )));
        }
        // Only a wrap the register vouches for: a key planted in the store,
        // wrapped to the person's public recipient, would let whoever chose it
        // read this note.
        let wraps = self.vault.person_wraps(&self.dossier)?;
        let identity_wrap = layout::person_key(&self.dossier, "identity", None);
        let Some(w) = wraps.as_ref().and_then(|w| w.get(&identity_wrap)) else {
            return Err(Error::Pending(msg!(
                "your-access-your-dossier-complete-yet"
            )));
        };
        let vid = self.vault.meta.vault_id.clone();
        let erasure = self.vault.erasure_key(&self.dossier)?;
        let key = unwrap_personal(
            w,
            &self.identity,
            &erasure,
            &vid,
            &self.dossier,
            "identity",
            "person/*",
        )?
        .ok_or_else(|| Error::Integrity(msg!("your-key-does-open-your-dossier")))?;
        let id = layout::new_entry_id()?;
        let actor = self.actor();
        let mut fields = vec![("text", text.to_string())];
        if let Some(e) = about {
            fields.push(("about", e.to_string()));
        }
        let mut sealed = Vec::new();
        for (name, value) in &fields {
            let aad = crate::vault::access::keys::field_aad(
                &vid,
                &self.dossier,
                &id,
                name,
                1,
                "identity",
            );
            sealed.push(crate::vault::records::field::seal(
                name,
                "identity",
                &key,
                &aad,
                value.as_bytes(),
            )?);
        }
        let entry = EntryRecord {
            id: id.clone(),
            dossier: self.dossier.clone(),
            kind: "person-note".into(),
            author: actor.clone(),
            created: now(),
            latest: 1,
        };
        let version = crate::store::records::VersionRecord {
            version: 1,
            author: actor.clone(),
            time: now(),
            fields: sealed,
        };
        let mut batch = Batch::new();
        let record = encode(&entry)?;
        let element = crate::vault::access::trust::element(
            &entry,
            &[crate::vault::access::trust::shape(&version)],
        );
        batch.put(layout::entry(&id), self.dossier.as_bytes().to_vec());
        batch.put(layout::version(&self.dossier, &id, 1), encode(&version)?);
        batch.put(layout::dossier_entry(&self.dossier, &id), record);
        self.vault.commit_audited(
            Draft::new(&actor, "person", ACTION)
                .dossier(&self.dossier)
                .entry(&id)
                .categories(["identity"])
                .fact(
                    crate::vault::access::trust::content_fact(&self.dossier, &[element], &[])?,
                    Some(self.signer()?),
                ),
            batch,
        )?;
        Ok(id)
    }

    /// The person objects to `category` being shared with `profession`.
    pub fn object(&self, category: &str, profession: &str) -> Result<()> {
        let _turn = self.ensure_current()?;
        let key = crate::audit::SigningKey::derive(
            &wrap::secret_bytes(&self.identity),
            &self.vault.meta.vault_id,
        )?;
        record_objection(
            self.vault,
            &self.dossier,
            category,
            profession,
            &self.actor(),
            "person",
            Some((
                format!(
                    "{}{}",
                    crate::rights::fact::PERSON_SIGNER_PREFIX,
                    self.dossier
                ),
                std::sync::Arc::new(key),
            )),
        )
    }

    /// The person's objections.
    pub fn objections(&self) -> Result<Vec<Objection>> {
        let _turn = self.ensure_current()?;
        list_objections(self.vault, &self.dossier)
    }
}
