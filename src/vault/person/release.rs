//! Break-the-glass justifications and the person supported. A justification is the
//! actor's own words and may name third parties, so it is encrypted to the audit
//! key only: the person sees *that* an emergency access happened (when, which
//! profession, which categories), not its words, until the data protection officer
//! releases them for that dossier (an audited act, `audit.release`).
//!
//! On release the DPO, who holds the audit key, decrypts the dossier's
//! justifications and seals each one under a fresh random key *K*
//! (ChaCha20-Poly1305, AAD `coffre/released-justification/v1 ‖ vault ‖ dossier ‖
//! seq`); *K* is wrapped to the person's own key and the recovery key, bound to the
//! dossier's erasure key like the person's data keys (`docs/crypto.md`, "The
//! person's key"). Exports made with the recovery key show the released words too
//! (decrypted with the audit key), and only those up to the released audit entry.
//!
//! The release is vouched for by a signed fact ([`Fact::Release`]) that commits
//! to the SHA-256 of the release record, which itself lists the hash of every
//! sealed copy. Readers reach it only through [`Vault::checked_release`]: a
//! record planted, rolled back or removed, or a copy added, replaced or
//! removed, is an integrity failure naming the record (exit 5).

use serde::{Deserialize, Serialize};

use crate::audit::{AuditEntry, Filter};
use crate::crypto::key::random_bytes;
use crate::crypto::wrap::{self, Identity};
use crate::crypto::{envelope, Aad, Key32};
use crate::error::{Error, Result};
use crate::policy::{Capability, VaultKey};
use crate::rights::Fact;
use crate::store::records::{decode, encode};
use crate::store::{layout, Batch};
use crate::vault::access::keys::{unwrap_personal, wrap_personal, RECOVERY_HOLDER};
use crate::vault::access::session::Session;
use crate::vault::audit_trail::audit_read::decrypt_justification_for_person;
use crate::vault::{now, Vault};

/// The pseudo-category and label the release key is wrapped under.
const RELEASE_CATEGORY: &str = "~justifications";
const RELEASE_LABEL: &str = "person/release";

/// The DPO's release of a dossier's justifications (`jr/{dossier}/release`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReleaseRecord {
    /// Staff id of the DPO who released them.
    pub released_by: String,
    /// When (Unix seconds).
    pub time: u64,
    /// Justifications of audit entries up to this sequence number are released.
    pub up_to_seq: u64,
    /// The release key *K*, wrapped to the person and the recovery key (empty when
    /// the person had no personal access at the time of the release).
    #[serde(with = "serde_bytes")]
    pub key: Vec<u8>,
    /// `(audit entry number, SHA-256 of the sealed copy)` of every copy sealed
    /// for the person, in entry order.
    pub copies: Vec<(u64, [u8; 32])>,
}

/// A release checked against the signed register: the only way readers reach
/// the release record and the sealed copies.
#[derive(Debug)]
pub(crate) struct CheckedRelease {
    record: ReleaseRecord,
    copies: std::collections::BTreeMap<u64, Vec<u8>>,
}

impl CheckedRelease {
    /// Whether the justification of audit entry `e` is released.
    pub(crate) fn covers(&self, e: &AuditEntry) -> bool {
        e.seq <= self.record.up_to_seq
    }
}

/// What a release did.
#[derive(Clone, Debug, Serialize)]
pub struct ReleaseSummary {
    /// The dossier.
    pub dossier: String,
    /// Justifications released.
    pub released: u64,
    /// Justifications the releasing member's audit keys could not open (not released).
    pub unreadable: u64,
    /// Audit entries up to this sequence number are covered.
    pub up_to_seq: u64,
    /// Whether copies were sealed for the person's own access (false: the person
    /// has no personal access yet; release again after `access grant`).
    pub person_copies: bool,
}

fn released_aad(vault_id: &str, dossier: &str, seq: u64) -> Aad {
    Aad::new("coffre/released-justification/v1")
        .with(vault_id.as_bytes())
        .with(dossier.as_bytes())
        .with(&seq.to_be_bytes())
}

impl Vault {
    /// The DPO's release for `dossier`, if any, checked against the signed
    /// register (see the module documentation).
    ///
    /// Errors: `Integrity` naming `jr/{dossier}/…` when the stored release or
    /// its copies are not exactly those the register vouches for.
    pub(crate) fn checked_release(&self, dossier: &str) -> Result<Option<CheckedRelease>> {
        let signed =
            self.with_register(|r| Ok(r.dossiers.get(dossier).and_then(|d| d.release.clone())))?;
        let stored = self.store.get(&layout::justification_release(dossier))?;
        let forged = |what: &str| {
            crate::vault::access::trust::forged(&format!("jr/{dossier}/release"), what)
        };
        let (signed, bytes) = match (signed, stored) {
            // No release the register records: nothing is released, whatever
            // the store holds (a planted record, or one made before releases
            // were signed, which the DPO makes again).
            (None, _) => return Ok(None),
            (Some(_), None) => return Err(forged("the release the register records is missing")),
            (Some(s), Some(b)) => (s, b),
        };
        if hex::encode(crate::rights::fact::record_hash(&bytes)) != signed.record {
            return Err(forged("a release record the register did not record"));
        }
        let record: ReleaseRecord = decode(&bytes, "justification release")?;
        if record.up_to_seq != signed.up_to {
            return Err(forged("a release record the register did not record"));
        }
        let mut copies = std::collections::BTreeMap::new();
        let release_key = layout::justification_release(dossier);
        for (k, v) in self
            .store
            .scan_prefix(&layout::justification_prefix(dossier))?
        {
            if k == release_key {
                continue;
            }
            let seq = layout::last_component(&k)?
                .parse::<u64>()
                .map_err(|_| forged("a copy the release does not list"))?;
            copies.insert(seq, v);
        }
        let listed: Vec<(u64, [u8; 32])> = copies
            .iter()
            .map(|(seq, v)| (*seq, crate::rights::fact::record_hash(v)))
            .collect();
        if listed != record.copies {
            return Err(forged("a released copy added, replaced or removed"));
        }
        Ok(Some(CheckedRelease { record, copies }))
    }

    /// Every generation of the audit key, opened with the recovery identity.
    pub(crate) fn audit_identities_with_recovery(&self, r: &Identity) -> Result<Vec<Identity>> {
        let mut out = Vec::new();
        for gen in 1..=self.key_gen(&VaultKey::Audit)? {
            let wrapped =
                self.store
                    .get(&layout::wrap(&VaultKey::Audit.name(), gen, RECOVERY_HOLDER))?;
            if let Some(m) = wrapped
                .map(|ct| wrap::unwrap(&ct, r))
                .transpose()?
                .flatten()
            {
                if let Some(id) = std::str::from_utf8(&m)
                    .ok()
                    .and_then(|s| Identity::parse(s).ok())
                {
                    out.push(id);
                }
            }
        }
        Ok(out)
    }

    /// The justification of audit entry `e` of `dossier` as the person may read it
    /// with their `identity`: only if the DPO released it. Anything missing or not
    /// opening gives `None` (the person then sees that an access happened, not why).
    pub(crate) fn released_for_person(
        &self,
        dossier: &str,
        e: &AuditEntry,
        identity: &Identity,
    ) -> Result<Option<String>> {
        if e.justification.is_none() {
            return Ok(None);
        }
        let Some(rel) = self.checked_release(dossier)? else {
            return Ok(None);
        };
        if !rel.covers(e) || rel.record.key.is_empty() {
            return Ok(None);
        }
        let Some(sealed) = rel.copies.get(&e.seq) else {
            return Ok(None);
        };
        let erasure = self.erasure_key(dossier)?;
        let vid = &self.meta.vault_id;
        let Some(k) = unwrap_personal(
            &rel.record.key,
            identity,
            &erasure,
            vid,
            dossier,
            RELEASE_CATEGORY,
            RELEASE_LABEL,
        )?
        else {
            return Ok(None);
        };
        let plain = envelope::open(&k, &released_aad(vid, dossier, e.seq), sealed)?;
        Ok(Some(String::from_utf8_lossy(&plain).into_owned()))
    }
}

/// Whether the justification of `e` was released to the person by `release`.
pub(crate) fn is_released(release: Option<&CheckedRelease>, e: &AuditEntry) -> bool {
    release.is_some_and(|r| r.covers(e))
}

impl Session<'_> {
    /// The DPO releases to the person supported the break-the-glass justifications
    /// recorded so far in `dossier` (capability `read-audit`). Audited
    /// (`audit.release`) in the same durable step as the records it writes; a later
    /// emergency access needs a new release. Replaces any earlier release.
    ///
    /// Errors: `Refused` without `read-audit`; `NotFound` for an unknown or erased
    /// dossier.
    pub fn release_justifications(&mut self, dossier: &str) -> Result<ReleaseSummary> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "audit.release";
        self.load_dossier(dossier)?;
        self.require(Capability::ReadAudit, ACTION, Some(dossier))?;
        let keys = self.audit_key()?;
        let filter = Filter {
            dossier: Some(dossier.to_string()),
            ..Filter::default()
        };
        let entries = self.vault.audit_entries(&filter)?;
        let up_to_seq = entries.iter().map(|e| e.seq).max().unwrap_or(0);
        let person = self.vault.person_record(dossier)?;
        let vid = self.vault.meta.vault_id.clone();
        let k = Key32::from_slice(&random_bytes::<32>()?)?;
        let mut batch = Batch::new();
        // An earlier release's copies go: this one replaces it.
        for (key, _) in self
            .vault
            .store
            .scan_prefix(&layout::justification_prefix(dossier))?
        {
            batch.remove(key);
        }
        let (mut released, mut unreadable) = (0u64, 0u64);
        let mut copies = Vec::new();
        for e in entries.iter().filter(|e| e.justification.is_some()) {
            match decrypt_justification_for_person(e, &keys) {
                Some(text) => {
                    released += 1;
                    if person.is_some() {
                        let sealed = envelope::seal(
                            &k,
                            &released_aad(&vid, dossier, e.seq),
                            text.as_bytes(),
                        )?;
                        copies.push((e.seq, crate::rights::fact::record_hash(&sealed)));
                        batch.put(layout::released_justification(dossier, e.seq), sealed);
                    }
                }
                None => unreadable += 1,
            }
        }
        let wrapped = match &person {
            Some(p) => {
                let erasure = self.erasure_key(dossier)?;
                let recipients = [
                    p.recipient.as_str(),
                    self.vault.meta.recovery_recipient.as_str(),
                ];
                wrap_personal(
                    &k,
                    &recipients,
                    &erasure,
                    &vid,
                    dossier,
                    RELEASE_CATEGORY,
                    RELEASE_LABEL,
                )?
            }
            None => Vec::new(),
        };
        copies.sort_unstable();
        let record = encode(&ReleaseRecord {
            released_by: self.me.id.clone(),
            time: now(),
            up_to_seq,
            key: wrapped,
            copies,
        })?;
        let fact = Fact::Release {
            dossier: dossier.to_string(),
            up_to: up_to_seq,
            record: hex::encode(crate::rights::fact::record_hash(&record)),
        };
        batch.put(layout::justification_release(dossier), record);
        if released == 0 && unreadable > 0 {
            return Err(Error::Pending(msg!(
                "none-justification-s-dossier-opens-your",
                unreadable = unreadable,
                dossier = dossier
            )));
        }
        self.vault.commit_audited(
            self.draft(ACTION)
                .dossier(dossier)
                .detail(&format!(
                    "{released} justification(s) released to the person, up to audit entry {up_to_seq}"
                ))
                .fact(fact.to_json()?, self.fact_signer()),
            batch,
        )?;
        Ok(ReleaseSummary {
            dossier: dossier.to_string(),
            released,
            unreadable,
            up_to_seq,
            person_copies: person.is_some(),
        })
    }
}
