//! Staff management: adding members (with their keys granted at once where the
//! actor or the recovery key can) and listing them with their pending grants.

use secrecy::SecretString;

use crate::audit::SigningKey;
use crate::crypto::envelope;
use crate::crypto::kdf;
use crate::crypto::key::random_bytes;
use crate::crypto::wrap::{self, Identity};
use crate::error::{Error, Result};
use crate::policy::Capability;
use crate::rights::{Fact, Member, Status};
use crate::store::records::{encode, StaffRecord, StaffStatus};
use crate::store::{layout, Batch};
use crate::vault::access::keys::{open_staff_name, seal_staff_name};
use crate::vault::access::session::Session;
use crate::vault::now;
use crate::vault::views::StaffInfo;

/// The register's view of a staff record.
pub(crate) fn member_of(rec: &StaffRecord) -> Member {
    Member {
        id: rec.id.clone(),
        profession: rec.profession.clone(),
        status: match rec.status {
            StaffStatus::Active => Status::Active,
            StaffStatus::Revoked => Status::Revoked,
        },
        recipient: rec.recipient.clone(),
        key: hex::encode(rec.signing_key),
    }
}

/// A new staff member.
pub struct NewStaff<'a> {
    /// Login id.
    pub id: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Profession from the policy.
    pub profession: &'a str,
    /// Their initial passphrase.
    pub passphrase: &'a SecretString,
}

impl Session<'_> {
    /// Adds a staff member. Keys they are entitled to are granted at once when this
    /// actor holds them, or when `recovery` is given; the rest stay pending until a
    /// holder unlocks. Returns the keys still pending.
    pub fn add_staff(
        &mut self,
        new: &NewStaff<'_>,
        recovery: Option<&Identity>,
    ) -> Result<Vec<String>> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "staff.add";
        layout::check_id("staff", new.id)?;
        self.require(Capability::ManageStaff, ACTION, None)?;
        if !self.vault.policy.has_profession(new.profession) {
            return Err(Error::Usage(msg!(
                "unknown-profession-see-coffre-policy-show",
                profession = new.profession
            )));
        }
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Error::Usage(msg!("name-must-1-200-characters")));
        }
        crate::text::check_name("the staff member's name", name)?;
        let passphrase = crate::crypto::passphrase::check_new(new.passphrase, &self.vault.kdf())?;
        if self.vault.staff_record(new.id)?.is_some() {
            return Err(Error::Usage(msg!(
                "staff-member-already-exists",
                id = new.id
            )));
        }
        if let Some(r) = recovery {
            if r.recipient() != self.vault.meta.recovery_recipient {
                return Err(Error::Auth(msg!("recovery-key-vault")));
            }
        }
        let dir_key = self.directory_key()?;
        let identity = Identity::generate();
        let kdf_params = self.vault.kdf();
        let salt = random_bytes::<16>()?;
        let pkey = kdf::derive(&passphrase, &salt, &kdf_params)?;
        let rec = StaffRecord {
            id: new.id.to_string(),
            profession: new.profession.to_string(),
            status: StaffStatus::Active,
            recipient: identity.recipient(),
            kdf: kdf_params,
            salt: salt.to_vec(),
            identity_sealed: envelope::seal(
                &pkey,
                &self.vault.identity_aad(new.id),
                &wrap::secret_bytes(&identity),
            )?,
            name_sealed: seal_staff_name(&dir_key, &self.vault.meta.vault_id, new.id, name)?,
            signing_key: SigningKey::derive(
                &wrap::secret_bytes(&identity),
                &self.vault.meta.vault_id,
            )?
            .public(),
            previous_signing_keys: Vec::new(),
            added: now(),
            added_by: self.me.id.clone(),
        };
        let mut d = self
            .draft(ACTION)
            .target(new.id)
            .detail(&format!("profession {}", new.profession));
        if recovery.is_some() {
            d = d.detail(&format!(
                "profession {}, keys granted with the recovery key",
                new.profession
            ));
        }
        let fact = Fact::Staff {
            member: member_of(&rec),
        };
        let d = d.fact(fact.to_json()?, self.fact_signer());
        let mut batch = Batch::new();
        batch.put(layout::staff(new.id), encode(&rec)?);
        self.vault.commit_audited(d, batch)?;
        if let Some(r) = recovery {
            // The recovery key decides for every restricted key at once.
            self.approve_with_recovery(&rec.id, r)?;
        }
        self.grant_to(&rec, recovery)?;
        self.pending_for(&rec)
    }

    /// Lists every staff member with their pending grants.
    pub fn list_staff(&mut self) -> Result<Vec<StaffInfo>> {
        let _turn = self.ensure_current()?;
        let dir_key = self.directory_key()?;
        let mut out = Vec::new();
        for rec in self.vault.all_staff()? {
            let name = open_staff_name(
                &dir_key,
                &self.vault.meta.vault_id,
                &rec.id,
                &rec.name_sealed,
            )?;
            let pending = if rec.status == StaffStatus::Active {
                self.pending_for(&rec)?
            } else {
                Vec::new()
            };
            out.push(StaffInfo {
                id: rec.id.clone(),
                name,
                profession: rec.profession.clone(),
                status: match rec.status {
                    StaffStatus::Active => "active".into(),
                    StaffStatus::Revoked => "revoked".into(),
                },
                pending,
            });
        }
        self.vault.audit(self.draft("staff.list"))?;
        Ok(out)
    }

    /// The display name of a staff member (for showing authors).
    pub fn staff_name(&mut self, id: &str) -> Result<Option<String>> {
        let _turn = self.ensure_current()?;
        let Some(rec) = self.vault.staff_record(id)? else {
            return Ok(None);
        };
        let dir_key = self.directory_key()?;
        Ok(Some(open_staff_name(
            &dir_key,
            &self.vault.meta.vault_id,
            id,
            &rec.name_sealed,
        )?))
    }

    /// The establishment's name.
    pub fn establishment(&mut self) -> Result<String> {
        let _turn = self.ensure_current()?;
        let dir_key = self.directory_key()?;
        let aad = crate::crypto::Aad::new("coffre/establishment/v1")
            .with(self.vault.meta.vault_id.as_bytes());
        // Sealed under the current directory key: one that does not open was
        // removed (the copy in `meta` is older) or replaced.
        let plain =
            envelope::open(&dir_key, &aad, &self.vault.establishment_sealed()?).map_err(|_| {
                crate::vault::access::trust::forged(
                    "es",
                    "the establishment's name does not open under the directory key",
                )
            })?;
        String::from_utf8(plain.to_vec())
            .map_err(|_| Error::Integrity(msg!("establishment-name-text")))
    }
}

/// A member waiting for restricted keys, as shown to a holder who may approve.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Approval {
    /// The member's id.
    pub id: String,
    /// Their profession.
    pub profession: String,
    /// Who added them (staff id, or `~recovery`).
    pub invited_by: String,
    /// When (RFC 3339).
    pub invited: String,
    /// Restricted keys they are entitled to and do not have approved yet.
    pub keys: Vec<String>,
}

impl Session<'_> {
    /// Restricted keys `id` is entitled to, not yet approved.
    fn unapproved(&self, id: &str) -> Result<(crate::rights::state::StaffEntry, Vec<String>)> {
        let policy = &self.vault.policy;
        let entry = self
            .vault
            .member(id)?
            .filter(|s| s.member.status == Status::Active)
            .ok_or_else(|| Error::NotFound(msg!("active-staff-member", id = id)))?;
        let keys = policy
            .vault_keys()
            .into_iter()
            .filter(|k| {
                policy.needs_approval(k)
                    && policy.entitled(&entry.member.profession, k)
                    && !entry.approved.contains(&k.name())
            })
            .map(|k| k.name())
            .collect();
        Ok((entry, keys))
    }

    /// What approving `id` would decide: who invited them, their profession,
    /// when, and the restricted keys waiting.
    pub fn approval_request(&self, id: &str) -> Result<Approval> {
        let _turn = self.ensure_current()?;
        layout::check_id("staff", id)?;
        let (entry, keys) = self.unapproved(id)?;
        Ok(Approval {
            id: id.to_string(),
            profession: entry.member.profession.clone(),
            invited_by: entry.added_by.clone(),
            invited: crate::vault::rfc3339(entry.added_time),
            keys,
        })
    }

    /// Approves that `id` may hold the restricted keys this member holds (or,
    /// with `recovery`, all of them), then grants them at once. A signed,
    /// audited decision (`staff.approve`). Returns the keys approved.
    pub fn approve_staff(&mut self, id: &str, recovery: Option<&Identity>) -> Result<Vec<String>> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "staff.approve";
        layout::check_id("staff", id)?;
        if id == self.me.id {
            return Err(Error::Usage(msg!("you-cannot-approve-yourself")));
        }
        if let Some(r) = recovery {
            if r.recipient() != self.vault.meta.recovery_recipient {
                return Err(Error::Auth(msg!("recovery-key-vault")));
            }
        }
        let (_, waiting) = self.unapproved(id)?;
        let policy = &self.vault.policy;
        let me = self.me.id.clone();
        let keys: Vec<String> = match recovery {
            Some(_) => waiting,
            None => {
                let mine = self.vault.with_register(|r| {
                    Ok(policy
                        .vault_keys()
                        .into_iter()
                        .filter(|k| r.may_hold(policy, &me, k))
                        .map(|k| k.name())
                        .collect::<Vec<_>>())
                })?;
                waiting.into_iter().filter(|k| mine.contains(k)).collect()
            }
        };
        if keys.is_empty() {
            return self.refuse(
                ACTION,
                None,
                msg!("restricted-key-waiting-approval-you-give", id = id),
            );
        }
        let fact = Fact::Approve {
            member: id.to_string(),
            keys: keys.clone(),
        };
        let signer = match recovery {
            Some(r) => self.recovery_signer(r)?,
            None => self.fact_signer(),
        };
        let cats: Vec<String> = keys
            .iter()
            .filter_map(|k| k.strip_prefix("cat:").map(str::to_string))
            .collect();
        self.vault.audit(
            self.draft(ACTION)
                .target(id)
                .categories(cats)
                .detail(&format!(
                    "approved {}{}",
                    keys.join(", "),
                    if recovery.is_some() {
                        " (with the recovery key)"
                    } else {
                        ""
                    }
                ))
                .fact(fact.to_json()?, signer),
        )?;
        if let Some(rec) = self.vault.staff_record(id)? {
            self.grant_to(&rec, recovery)?;
        }
        Ok(keys)
    }

    /// Records that this holder refuses to approve `id` (audited, nothing granted).
    pub fn refuse_approval(&mut self, id: &str) -> Result<()> {
        let _turn = self.ensure_current()?;
        layout::check_id("staff", id)?;
        let (_, waiting) = self.unapproved(id)?;
        self.vault.audit(
            self.draft("staff.approve")
                .target(id)
                .outcome(crate::audit::Outcome::Denied)
                .detail(&format!("approval refused for {}", waiting.join(", "))),
        )?;
        Ok(())
    }

    /// With the recovery key, approves every restricted key `id` is entitled to
    /// (no grant here: the caller grants).
    pub(crate) fn approve_with_recovery(&mut self, id: &str, recovery: &Identity) -> Result<()> {
        let (_, waiting) = self.unapproved(id)?;
        if waiting.is_empty() {
            return Ok(());
        }
        let fact = Fact::Approve {
            member: id.to_string(),
            keys: waiting.clone(),
        };
        self.vault.audit(
            self.draft("staff.approve")
                .target(id)
                .detail(&format!(
                    "approved {} (with the recovery key)",
                    waiting.join(", ")
                ))
                .fact(fact.to_json()?, self.recovery_signer(recovery)?),
        )?;
        Ok(())
    }
}
