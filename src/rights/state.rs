//! The rights register: the state that the facts of the audit log build, and the
//! rules that decide whether a fact may be applied (who may add staff, who may
//! put whom in a care team, that a revocation is final, …).
//!
//! The register is never read from the store as such: it is rebuilt by replaying
//! the log ([`super::replay`]) from the genesis or from a member's own anchor
//! ([`super::anchor`]). Records in the store are checked against it where they
//! are used.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::fact::{hex32, Digest, Fact, Member, Status, PERSON_SIGNER_PREFIX, RECOVERY_SIGNER};
use crate::crypto::kdf::KdfParams;
use crate::error::{Error, Result};
use crate::policy::{Capability, Policy, VaultKey};

/// The most entries one content fact may add: a bulk import signs one fact per
/// dossier for each run of at most this many entries of a group
/// (`docs/audit-format.md`). 256 elements of 64 hex digits keep the entry well
/// within an audit line's 64 KiB.
pub const MAX_CONTENT_ADDED: usize = 256;

/// What the register knows of one staff member.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StaffEntry {
    /// The member as the latest fact describes them.
    pub member: Member,
    /// Their current signing key.
    pub key: [u8; 32],
    /// Every signing key they have had, with the entry number from which it
    /// signs (a recovery gives a new key; the old one signs nothing after it).
    pub keys: Vec<(u64, [u8; 32])>,
    /// Restricted vault keys (by name) that may be granted to them.
    pub approved: BTreeSet<String>,
    /// Entry number of the fact that added them.
    pub added_at: u64,
    /// Who added them (a manager, or `~recovery`).
    pub added_by: String,
    /// When (Unix seconds).
    pub added_time: u64,
    /// Entry number from which they were revoked.
    pub revoked_at: Option<u64>,
    /// SHA-256 (hex) of their passphrase material as last changed by
    /// themselves ([`Fact::Passphrase`]); `None` until they change it (the
    /// material a manager or the recovery key sealed at `staff.add` or
    /// `recover` is then the only one that opens their identity).
    #[serde(default)]
    pub passphrase: Option<String>,
    /// Their second factors, by id ([`Fact::SecondFactor`]).
    #[serde(default)]
    pub second_factors: BTreeMap<String, SecondFactorEntry>,
    /// Whether a manager reset their second factors since they last enrolled
    /// one ([`Fact::SecondFactorReset`]): they enrol again at their next web
    /// login.
    #[serde(default)]
    pub second_factor_reset: bool,
    /// Their factors a later fact withdrew (their removal, a manager's reset,
    /// a new identity), by id: a record of one still in the store decides
    /// nothing (`src/store/layout.rs`, `sf/`).
    #[serde(default)]
    pub second_factors_withdrawn: BTreeMap<String, SecondFactorEntry>,
    /// How many facts withdrew factors of theirs: a session opened before
    /// the latest ends (`Session::ensure_current`).
    #[serde(default)]
    pub second_factor_withdrawals: u64,
}

impl StaffEntry {
    /// Withdraws the factors whose id `which` picks (kept among the
    /// withdrawn), and counts one more withdrawal.
    fn withdraw_second_factors(&mut self, which: impl Fn(&str) -> bool) {
        let ids: Vec<String> = self
            .second_factors
            .keys()
            .filter(|id| which(id))
            .cloned()
            .collect();
        for id in ids {
            if let Some(e) = self.second_factors.remove(&id) {
                self.second_factors_withdrawn.insert(id, e);
            }
        }
        self.second_factor_withdrawals += 1;
    }
}

/// A second factor as the register keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorEntry {
    /// `totp`.
    pub kind: String,
    /// The commitment to its stored record
    /// ([`super::fact::second_factor_commitment`]).
    pub commitment: String,
    /// Entry number of the fact that enrolled it.
    pub seq: u64,
}

/// What the register knows of one dossier.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DossierEntry {
    /// Who created it (manages its care team).
    pub creator: String,
    /// Current care team.
    pub team: BTreeSet<String>,
    /// Break-glass windows: staff id → end (Unix seconds).
    pub break_glass: BTreeMap<String, u64>,
    /// The person's own access: their `age` recipient.
    pub person: Option<String>,
    /// The person's signing key (they record objections themselves).
    pub person_key: Option<[u8; 32]>,
    /// Objections in force: (category, profession).
    pub objections: BTreeSet<(String, String)>,
    /// End of the support, if closed (Unix seconds).
    pub closed: Option<u64>,
    /// The retention rule recorded when it was closed (`None`: closed before
    /// the rule was recorded in the fact).
    #[serde(default)]
    pub closed_rule: Option<String>,
    /// Whether it was erased.
    pub erased: bool,
    /// SHA-256 (hex) of the data keys wrapped to the person
    /// ([`Fact::PersonKeys`]); `None` until the first such fact after the
    /// person's credential was issued.
    #[serde(default)]
    pub person_wraps: Option<String>,
    /// The content elements of its entries ([`super::fact::entry_element`]):
    /// each entry is checked on its own, so a damaged entry never switches the
    /// check off for the others; their sum is [`DossierEntry::content`].
    #[serde(default)]
    pub elements: BTreeSet<[u8; 32]>,
    /// The DPO's release of its break-the-glass justifications, if any.
    #[serde(default)]
    pub release: Option<Release>,
    /// The person's own second factors, by id ([`Fact::SecondFactor`] whose
    /// `member` is `person:<dossier>`).
    #[serde(default)]
    pub person_second_factors: BTreeMap<String, SecondFactorEntry>,
    /// The person's factors a later fact withdrew (their removal, a member's
    /// reset, a new credential): a record of one left in the store decides
    /// nothing (`src/store/layout.rs`, `psf/`).
    #[serde(default)]
    pub person_second_factors_withdrawn: BTreeMap<String, SecondFactorEntry>,
    /// Whether a member reset the person's factors since they last enrolled one.
    #[serde(default)]
    pub person_second_factor_reset: bool,
    /// How many facts withdrew factors of the person: a session of theirs
    /// opened before the latest ends (`PersonSession::ensure_current`).
    #[serde(default)]
    pub person_second_factor_withdrawals: u64,
}

impl DossierEntry {
    /// Withdraws the person's factors whose id `which` picks (kept among the
    /// withdrawn), and counts one more withdrawal.
    fn withdraw_person_second_factors(&mut self, which: impl Fn(&str) -> bool) {
        let ids: Vec<String> = self
            .person_second_factors
            .keys()
            .filter(|id| which(id))
            .cloned()
            .collect();
        for id in ids {
            if let Some(e) = self.person_second_factors.remove(&id) {
                self.person_second_factors_withdrawn.insert(id, e);
            }
        }
        self.person_second_factor_withdrawals += 1;
    }

    /// The dossier's content digest: the sum of its elements (derived, so it
    /// is never kept beside them).
    pub fn content(&self) -> Digest {
        let mut d = Digest::default();
        for e in &self.elements {
            d.add(e);
        }
        d
    }
}

/// A release of a dossier's break-the-glass justifications to the person, as
/// the register keeps it ([`Fact::Release`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// Entry number of the fact.
    pub seq: u64,
    /// Who released (a member who may read the audit trail).
    pub by: String,
    /// Justifications of entries up to this number are released.
    pub up_to: u64,
    /// SHA-256 (hex) of the stored release record.
    pub record: String,
}

/// The rights register.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Register {
    /// Vault id.
    pub vault: String,
    /// SHA-256 (hex) of the policy file.
    pub policy_sha256: String,
    /// Weakest key-derivation parameters allowed.
    pub kdf_floor: Option<KdfParams>,
    /// The recovery key's `age` recipient.
    pub recovery_recipient: String,
    /// The recovery key's signing key.
    pub recovery_key: [u8; 32],
    /// The audit key's `age` recipient.
    pub audit_recipient: String,
    /// Key commitments: key name → commitment of generation 1, 2, …
    pub keys: BTreeMap<String, Vec<String>>,
    /// Staff by id.
    pub staff: BTreeMap<String, StaffEntry>,
    /// Dossiers by id.
    pub dossiers: BTreeMap<String, DossierEntry>,
    /// SHA-256 (hex) of each data-key record, by `dossier/category/label`.
    pub data_keys: BTreeMap<String, String>,
    /// Prunes of the access trail, oldest first.
    pub prunes: Vec<PruneRecord>,
    /// The largest tree size of a checkpoint exported by a member who may prune
    /// ([`Fact::Export`]): prunes stop there unless told otherwise.
    pub exported: Option<u64>,
    /// Vault keys that must be rotated before they seal anything new: key name
    /// → the member whose revocation or change of profession took it from them.
    /// Set when a member who could hold the key no longer may; cleared by the
    /// key's next generation ([`Fact::Key`]).
    #[serde(default)]
    pub rotations: BTreeMap<String, String>,
}

/// A prune of the access trail as the register keeps it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PruneRecord {
    /// Entry number of the prune fact.
    pub seq: u64,
    /// Who pruned.
    pub by: String,
    /// When (Unix seconds).
    pub time: u64,
    /// Entries before this time (Unix seconds) were pruned.
    pub cutoff: u64,
    /// Range of positions covered.
    pub first: u64,
    /// Last position covered.
    pub last: u64,
    /// Number of entries pruned.
    pub count: u64,
}

/// Where a fact stands: its entry number, time, and who signed it.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// Entry number.
    pub seq: u64,
    /// Entry time (Unix seconds).
    pub time: u64,
    /// Signer name (`None`: an unsigned content fact).
    pub signer: Option<&'a str>,
}

fn refused(ctx: &Context<'_>, why: crate::error::Msg) -> Error {
    Error::Integrity(msg!(
        "audit-entry-carries-fact-signer-may",
        seq = ctx.seq,
        why = why
    ))
}

impl Register {
    /// Whether the genesis was applied.
    pub fn is_born(&self) -> bool {
        !self.vault.is_empty()
    }

    /// The active member `id`, if any.
    pub fn active(&self, id: &str) -> Option<&StaffEntry> {
        self.staff
            .get(id)
            .filter(|s| s.member.status == Status::Active)
    }

    /// The public key that signs as `signer` now: an active member, the
    /// recovery key, or a person supported (`person:<dossier>`).
    pub fn signer_key(&self, signer: &str) -> Option<[u8; 32]> {
        if signer == RECOVERY_SIGNER {
            return Some(self.recovery_key);
        }
        if let Some(d) = signer.strip_prefix(PERSON_SIGNER_PREFIX) {
            return self.dossiers.get(d).and_then(|d| d.person_key);
        }
        self.active(signer).map(|s| s.key)
    }

    /// Whether `staff` is in the care team of `dossier` now.
    pub fn in_team(&self, dossier: &str, staff: &str) -> bool {
        self.dossiers
            .get(dossier)
            .is_some_and(|d| d.team.contains(staff))
    }

    /// The end of `staff`'s break-glass window on `dossier`, if one was opened.
    pub fn break_glass_until(&self, dossier: &str, staff: &str) -> Option<u64> {
        self.dossiers
            .get(dossier)
            .and_then(|d| d.break_glass.get(staff).copied())
    }

    /// Whether the person objects to `category` being shared with `profession`.
    pub fn objects(&self, dossier: &str, category: &str, profession: &str) -> bool {
        self.dossiers.get(dossier).is_some_and(|d| {
            d.objections
                .contains(&(category.to_string(), profession.to_string()))
        })
    }

    /// Whether `key` may be granted to `member` now: they are active, entitled
    /// by their profession, and — for a restricted key — approved.
    pub fn may_hold(&self, policy: &Policy, member: &str, key: &VaultKey) -> bool {
        let Some(s) = self.active(member) else {
            return false;
        };
        policy.entitled(&s.member.profession, key)
            && (!policy.needs_approval(key) || s.approved.contains(&key.name()))
    }

    /// Every signing key each member has had: the only keys a checkpoint may
    /// verify under (pinned by the log, never read from the store or from the
    /// checkpoint itself).
    pub fn signer_keys(&self) -> std::collections::HashMap<String, Vec<[u8; 32]>> {
        self.staff
            .iter()
            .map(|(id, s)| (id.clone(), s.keys.iter().map(|(_, k)| *k).collect()))
            .collect()
    }

    /// For each member, the checkpoint sizes each of their keys may sign:
    /// `(from, until, key)` — from the entry that introduced the key to the one
    /// that replaced it (a recovery) or revoked the member.
    pub fn key_windows(&self) -> std::collections::HashMap<String, Vec<(u64, u64, [u8; 32])>> {
        self.staff
            .iter()
            .map(|(id, s)| {
                let mut out = Vec::new();
                for (i, (from, key)) in s.keys.iter().enumerate() {
                    let next = s.keys.get(i + 1).map_or(u64::MAX, |(n, _)| *n);
                    let until = next.min(s.revoked_at.unwrap_or(u64::MAX));
                    out.push((*from, until, *key));
                }
                (id.clone(), out)
            })
            .collect()
    }

    /// The commitment of generation `generation` of `key`.
    pub fn commitment(&self, key: &str, generation: u32) -> Option<&str> {
        self.keys
            .get(key)
            .and_then(|c| c.get((generation as usize).checked_sub(1)?))
            .map(String::as_str)
    }

    fn staff_signer<'a>(&'a self, ctx: &Context<'_>) -> Result<&'a StaffEntry> {
        let signer = ctx.signer.ok_or_else(|| refused(ctx, msg!("signed")))?;
        self.active(signer)
            .ok_or_else(|| refused(ctx, msg!("signer-active-member")))
    }

    fn staff_with(
        &self,
        policy: &Policy,
        ctx: &Context<'_>,
        cap: Capability,
    ) -> Result<&StaffEntry> {
        let s = self.staff_signer(ctx)?;
        if !policy.has(&s.member.profession, cap) {
            return Err(refused(ctx, msg!("profession-may-2", what = cap.msg())));
        }
        Ok(s)
    }

    fn is_recovery(ctx: &Context<'_>) -> bool {
        ctx.signer == Some(RECOVERY_SIGNER)
    }

    fn dossier_mut(&mut self, id: &str, ctx: &Context<'_>) -> Result<&mut DossierEntry> {
        match self.dossiers.get_mut(id) {
            Some(d) if !d.erased => Ok(d),
            _ => Err(refused(ctx, msg!("dossier-does-exist", id = id))),
        }
    }

    /// Checks that `fact` may be applied in `ctx` (the signature was checked by
    /// the caller), then applies it. On error the register is unchanged.
    pub fn apply(&mut self, policy: &Policy, fact: &Fact, ctx: &Context<'_>) -> Result<()> {
        if !self.is_born() && !matches!(fact, Fact::Genesis { .. }) {
            return Err(refused(ctx, msg!("log-does-start-vault-s-genesis")));
        }
        // No fact is taken unsigned: anyone with the disk could slip one in.
        if ctx.signer.is_none() {
            return Err(refused(ctx, msg!("signed")));
        }
        match fact {
            Fact::Genesis {
                vault,
                policy_sha256,
                kdf_floor,
                recovery_recipient,
                recovery_key,
                audit_recipient,
                keys,
                admin,
            } => {
                if self.is_born() || ctx.seq != 1 {
                    return Err(refused(ctx, msg!("genesis-after-first-entry")));
                }
                if ctx.signer != Some(admin.id.as_str()) || admin.status != Status::Active {
                    return Err(refused(ctx, msg!("genesis-signed-first-member")));
                }
                crate::store::layout::check_id("staff", &admin.id)
                    .map_err(|_| refused(ctx, msg!("staff-id-valid")))?;
                if !policy.has(&admin.profession, Capability::ManageStaff) {
                    return Err(refused(ctx, msg!("first-member-must-manage-staff")));
                }
                let admin_key = hex32(&admin.key, "a signing key")?;
                let mut approved = BTreeSet::new();
                for key in policy.vault_keys() {
                    if policy.entitled(&admin.profession, &key) && policy.needs_approval(&key) {
                        approved.insert(key.name());
                    }
                }
                *self = Register {
                    vault: vault.clone(),
                    policy_sha256: policy_sha256.clone(),
                    kdf_floor: Some(*kdf_floor),
                    recovery_recipient: recovery_recipient.clone(),
                    recovery_key: hex32(recovery_key, "the recovery signing key")?,
                    audit_recipient: audit_recipient.clone(),
                    keys: keys
                        .iter()
                        .map(|(k, c)| (k.clone(), vec![c.clone()]))
                        .collect(),
                    staff: BTreeMap::new(),
                    dossiers: BTreeMap::new(),
                    data_keys: BTreeMap::new(),
                    prunes: Vec::new(),
                    exported: None,
                    rotations: BTreeMap::new(),
                };
                self.staff.insert(
                    admin.id.clone(),
                    StaffEntry {
                        member: admin.clone(),
                        key: admin_key,
                        keys: vec![(ctx.seq, admin_key)],
                        approved,
                        added_at: ctx.seq,
                        added_by: admin.id.clone(),
                        added_time: ctx.time,
                        revoked_at: None,
                        passphrase: None,
                        second_factors: BTreeMap::new(),
                        second_factor_reset: false,
                        second_factors_withdrawn: BTreeMap::new(),
                        second_factor_withdrawals: 0,
                    },
                );
            }
            Fact::Staff { member } => self.apply_staff(policy, member, ctx)?,
            Fact::Approve { member, keys } => {
                let target = self
                    .active(member)
                    .ok_or_else(|| refused(ctx, msg!("active-member", member = member)))?;
                let target_prof = target.member.profession.clone();
                let signer = if Self::is_recovery(ctx) {
                    None
                } else {
                    Some(self.staff_signer(ctx)?.clone())
                };
                for name in keys {
                    let key = policy
                        .vault_keys()
                        .into_iter()
                        .find(|k| &k.name() == name)
                        .ok_or_else(|| refused(ctx, msg!("key", name = name)))?;
                    if !policy.entitled(&target_prof, &key) {
                        return Err(refused(ctx, msg!("entitled", member = member, name = name)));
                    }
                    if let Some(s) = &signer {
                        let holds = policy.entitled(&s.member.profession, &key)
                            && (!policy.needs_approval(&key) || s.approved.contains(name));
                        if !holds {
                            return Err(refused(ctx, msg!("signer-does-hold", name = name)));
                        }
                    }
                }
                if let Some(s) = self.staff.get_mut(member) {
                    s.approved.extend(keys.iter().cloned());
                }
            }
            Fact::Key {
                key,
                generation,
                commitment,
            } => {
                let vk = policy
                    .vault_keys()
                    .into_iter()
                    .find(|k| &k.name() == key)
                    .ok_or_else(|| refused(ctx, msg!("key-2", key = key)))?;
                if !Self::is_recovery(ctx) {
                    let s = self.staff_signer(ctx)?;
                    if !self.may_hold(policy, &s.member.id, &vk) {
                        return Err(refused(ctx, msg!("signer-does-hold-2", key = key)));
                    }
                }
                let gens = self.keys.entry(key.clone()).or_default();
                if *generation as usize != gens.len() + 1 {
                    return Err(refused(ctx, msg!("key-generation-out-order")));
                }
                hex32(commitment, "a key commitment")?;
                gens.push(commitment.clone());
                self.rotations.remove(key);
            }
            Fact::AuditRecipient { recipient } => {
                if !Self::is_recovery(ctx) {
                    let s = self.staff_signer(ctx)?;
                    if !self.may_hold(policy, &s.member.id, &VaultKey::Audit) {
                        return Err(refused(ctx, msg!("signer-does-hold-audit-key")));
                    }
                }
                self.audit_recipient = recipient.clone();
            }
            Fact::Dossier { dossier } => {
                let creator = self
                    .staff_with(policy, ctx, Capability::CreateDossier)?
                    .member
                    .id
                    .clone();
                if self.dossiers.contains_key(dossier) {
                    return Err(refused(
                        ctx,
                        msg!("dossier-exists-already", dossier = dossier),
                    ));
                }
                let mut d = DossierEntry {
                    creator: creator.clone(),
                    ..DossierEntry::default()
                };
                d.team.insert(creator);
                self.dossiers.insert(dossier.clone(), d);
            }
            Fact::Closed { dossier, at, rule } => {
                let creator = self.dossier_mut(dossier, ctx)?.creator.clone();
                let s = self.staff_signer(ctx)?;
                let may = s.member.id == creator
                    || policy.has(&s.member.profession, Capability::ManageTeam)
                    || policy.has(&s.member.profession, Capability::Erase);
                if !may {
                    return Err(refused(ctx, msg!("only-manager-creator-closes-dossier")));
                }
                let d = self.dossier_mut(dossier, ctx)?;
                d.closed = Some(*at);
                d.closed_rule = rule.clone();
            }
            Fact::Erased { dossier } => {
                if !Self::is_recovery(ctx) {
                    self.staff_with(policy, ctx, Capability::Erase)?;
                }
                let d = self.dossier_mut(dossier, ctx)?;
                d.erased = true;
                d.team.clear();
                d.break_glass.clear();
                d.person = None;
                d.person_key = None;
                d.person_wraps = None;
                d.objections.clear();
                let prefix = format!("{dossier}/");
                self.data_keys.retain(|k, _| !k.starts_with(&prefix));
            }
            Fact::Team {
                dossier,
                member,
                present,
            } => {
                let creator = self.dossier_mut(dossier, ctx)?.creator.clone();
                let s = self.staff_signer(ctx)?;
                if s.member.id != creator
                    && !policy.has(&s.member.profession, Capability::ManageTeam)
                {
                    return Err(refused(ctx, msg!("only-team-manager-creator-changes-care")));
                }
                if *present && self.active(member).is_none() {
                    return Err(refused(ctx, msg!("active-member", member = member)));
                }
                let d = self.dossier_mut(dossier, ctx)?;
                if *present {
                    d.team.insert(member.clone());
                } else {
                    d.team.remove(member);
                }
            }
            Fact::BreakGlass {
                dossier,
                member,
                until,
            } => {
                let s = self.staff_with(policy, ctx, Capability::BreakGlass)?;
                if &s.member.id != member {
                    return Err(refused(ctx, msg!("break-glass-opened-own-member")));
                }
                let longest = u64::from(policy.rules.break_glass_hours) * 3600 + 60;
                if *until > ctx.time.saturating_add(longest) {
                    return Err(refused(ctx, msg!("break-glass-window-longer-than-policy")));
                }
                self.dossier_mut(dossier, ctx)?
                    .break_glass
                    .insert(member.clone(), *until);
            }
            Fact::Person {
                dossier,
                recipient,
                key,
            } => {
                if !Self::is_recovery(ctx) {
                    self.staff_with(policy, ctx, Capability::PersonAccess)?;
                }
                let person_key = match key {
                    Some(k) => Some(hex32(k, "the person's signing key")?),
                    None => None,
                };
                let d = self.dossier_mut(dossier, ctx)?;
                d.person = recipient.clone();
                d.person_key = person_key;
                // A new credential: the wraps to the old one are gone, and
                // the person's second factors (sealed to it) with them.
                d.person_wraps = None;
                if !d.person_second_factors.is_empty() {
                    d.withdraw_person_second_factors(|_| true);
                }
            }
            Fact::Objection {
                dossier,
                category,
                profession,
                objects,
            } => {
                let by_person =
                    ctx.signer == Some(format!("{PERSON_SIGNER_PREFIX}{dossier}").as_str());
                if !by_person {
                    self.staff_with(policy, ctx, Capability::PersonAccess)?;
                }
                let d = self.dossier_mut(dossier, ctx)?;
                let pair = (category.clone(), profession.clone());
                if *objects {
                    d.objections.insert(pair);
                } else {
                    d.objections.remove(&pair);
                }
            }
            Fact::DataKey {
                dossier,
                key,
                record,
            } => {
                hex32(record, "a data-key record hash")?;
                let (category, label) = key
                    .split_once('/')
                    .ok_or_else(|| refused(ctx, msg!("data-key-named-without-label")))?;
                if !Self::is_recovery(ctx) {
                    let s = self.staff_signer(ctx)?;
                    let may = if policy.is_author_only(category) {
                        // Only the author makes their own key.
                        s.member.id == label
                    } else {
                        label == "*"
                            && self.may_hold(
                                policy,
                                &s.member.id,
                                &VaultKey::Category(category.to_string()),
                            )
                    };
                    if !may {
                        return Err(refused(ctx, msg!("signer-may-make-key", key = key)));
                    }
                }
                // Recorded by dossier id alone: a dossier's first data key is
                // made before the fact that creates the dossier.
                if self.dossiers.get(dossier).is_some_and(|d| d.erased) {
                    return Err(refused(ctx, msg!("dossier-erased-2", dossier = dossier)));
                }
                self.data_keys
                    .insert(format!("{dossier}/{key}"), record.clone());
            }
            Fact::Prune {
                cutoff,
                first,
                last,
                count,
                positions,
                ..
            } => {
                let s = self.staff_with(policy, ctx, Capability::PruneAudit)?;
                let by = s.member.id.clone();
                let span = last.checked_sub(*first).map(|n| n + 1);
                let well_formed = *first >= 1
                    && *last < ctx.seq
                    && span.is_some_and(|n| *count <= n)
                    && positions.len() == 64
                    && hex::decode(positions).is_ok();
                if !well_formed {
                    return Err(refused(ctx, msg!("prune-must-cover-earlier")));
                }
                // Never newer than the policy's retention, by the fact's own time.
                if cutoff.saturating_add(policy.audit.trail_retention_secs) > ctx.time {
                    return Err(refused(ctx, msg!("prune-younger-than-retention")));
                }
                self.prunes.push(PruneRecord {
                    seq: ctx.seq,
                    by,
                    time: ctx.time,
                    cutoff: *cutoff,
                    first: *first,
                    last: *last,
                    count: *count,
                });
            }
            Fact::Export { size } => {
                self.staff_with(policy, ctx, Capability::PruneAudit)?;
                // The checkpoint was made before the fact that records it.
                if *size == 0 || *size >= ctx.seq {
                    return Err(refused(ctx, msg!("export-must-precede")));
                }
                self.exported = Some(self.exported.map_or(*size, |e| e.max(*size)));
            }
            Fact::Content { dossier, .. } => {
                let (add, remove) = self.check_content(fact, ctx)?;
                let d = self.dossier_mut(dossier, ctx)?;
                for e in &remove {
                    d.elements.remove(e);
                }
                for e in &add {
                    d.elements.insert(*e);
                }
            }
            Fact::Release {
                dossier,
                up_to,
                record,
            } => {
                hex32(record, "a release record hash")?;
                let by = self
                    .staff_with(policy, ctx, Capability::ReadAudit)?
                    .member
                    .id
                    .clone();
                if *up_to >= ctx.seq {
                    return Err(refused(ctx, msg!("release-must-precede")));
                }
                self.dossier_mut(dossier, ctx)?.release = Some(Release {
                    seq: ctx.seq,
                    by,
                    up_to: *up_to,
                    record: record.clone(),
                });
            }
            Fact::PersonKeys {
                dossier,
                wraps,
                add,
            } => {
                hex32(wraps, "a person's wraps hash")?;
                if !add.windows(2).all(|w| w[0] < w[1]) {
                    return Err(refused(ctx, msg!("person-keys-categories-sorted")));
                }
                if !Self::is_recovery(ctx) {
                    // Whoever wraps a key to the person holds it, or manages the
                    // person's rights: a member who holds no key of a category
                    // cannot make the person's next note sealed under one they chose.
                    let s = self.staff_signer(ctx)?;
                    let id = s.member.id.clone();
                    if !policy.has(&s.member.profession, Capability::PersonAccess)
                        && !add
                            .iter()
                            .all(|c| self.may_hold(policy, &id, &VaultKey::Category(c.clone())))
                    {
                        return Err(refused(ctx, msg!("person-keys-signer-holds-keys")));
                    }
                }
                let d = self.dossier_mut(dossier, ctx)?;
                if d.erased || d.person.is_none() {
                    return Err(refused(
                        ctx,
                        msg!("person-keys-without-access", dossier = dossier),
                    ));
                }
                d.person_wraps = Some(wraps.clone());
            }
            Fact::Passphrase { member, record } => {
                hex32(record, "a passphrase record hash")?;
                let s = self.staff_signer(ctx)?;
                if &s.member.id != member {
                    return Err(refused(ctx, msg!("passphrase-changed-own-member")));
                }
                if let Some(s) = self.staff.get_mut(member) {
                    s.passphrase = Some(record.clone());
                }
            }
            Fact::SecondFactor {
                member,
                id,
                factor,
                commitment,
            } if member.starts_with(PERSON_SIGNER_PREFIX) => {
                hex32(commitment, "a second-factor commitment")?;
                let d = self.person_factor_owner(member, ctx)?;
                if ctx.signer != Some(member.as_str()) {
                    return Err(refused(ctx, msg!("second-factor-own-member")));
                }
                if crate::store::layout::check_id("second factor", id).is_err()
                    || factor != "totp"
                    || d.person_second_factors.contains_key(id)
                {
                    return Err(refused(ctx, msg!("second-factor-new-id")));
                }
                d.person_second_factors.insert(
                    id.clone(),
                    SecondFactorEntry {
                        kind: factor.clone(),
                        commitment: commitment.clone(),
                        seq: ctx.seq,
                    },
                );
                d.person_second_factor_reset = false;
                d.person_second_factors_withdrawn.remove(id);
            }
            Fact::SecondFactorRemoved { member, id }
                if member.starts_with(PERSON_SIGNER_PREFIX) =>
            {
                let d = self.person_factor_owner(member, ctx)?;
                if ctx.signer != Some(member.as_str()) {
                    return Err(refused(ctx, msg!("second-factor-own-member")));
                }
                if !d.person_second_factors.contains_key(id) {
                    return Err(refused(ctx, msg!("second-factor-unknown", id = id)));
                }
                d.withdraw_person_second_factors(|f| f == id);
            }
            Fact::SecondFactorReset { member } if member.starts_with(PERSON_SIGNER_PREFIX) => {
                // A member who may manage the person's rights, or the recovery key.
                if !Self::is_recovery(ctx) {
                    self.staff_with(policy, ctx, Capability::PersonAccess)?;
                }
                let d = self.person_factor_owner(member, ctx)?;
                d.withdraw_person_second_factors(|_| true);
                d.person_second_factor_reset = true;
            }
            Fact::SecondFactor {
                member,
                id,
                factor,
                commitment,
            } => {
                hex32(commitment, "a second-factor commitment")?;
                let s = self.staff_signer(ctx)?;
                if &s.member.id != member {
                    return Err(refused(ctx, msg!("second-factor-own-member")));
                }
                if crate::store::layout::check_id("second factor", id).is_err()
                    || !super::fact::SECOND_FACTOR_KINDS.contains(&factor.as_str())
                    || s.second_factors.contains_key(id)
                {
                    return Err(refused(ctx, msg!("second-factor-new-id")));
                }
                if let Some(s) = self.staff.get_mut(member) {
                    s.second_factors.insert(
                        id.clone(),
                        SecondFactorEntry {
                            kind: factor.clone(),
                            commitment: commitment.clone(),
                            seq: ctx.seq,
                        },
                    );
                    s.second_factor_reset = false;
                    s.second_factors_withdrawn.remove(id);
                }
            }
            Fact::SecondFactorRemoved { member, id } => {
                let s = self.staff_signer(ctx)?;
                if &s.member.id != member {
                    return Err(refused(ctx, msg!("second-factor-own-member")));
                }
                if !s.second_factors.contains_key(id) {
                    return Err(refused(ctx, msg!("second-factor-unknown", id = id)));
                }
                if let Some(s) = self.staff.get_mut(member) {
                    s.withdraw_second_factors(|f| f == id);
                }
            }
            Fact::SecondFactorReset { member } => {
                if !Self::is_recovery(ctx) {
                    self.staff_with(policy, ctx, Capability::ManageStaff)?;
                }
                match self.staff.get_mut(member) {
                    Some(s) if s.member.status == Status::Active => {
                        s.withdraw_second_factors(|_| true);
                        s.second_factor_reset = true;
                    }
                    _ => {
                        return Err(refused(
                            ctx,
                            msg!("second-factor-reset-active", member = member),
                        ))
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks that a `content` fact may be applied in `ctx` (the register is
    /// not changed); returns its elements (added, removed).
    pub fn check_content(
        &self,
        fact: &Fact,
        ctx: &Context<'_>,
    ) -> Result<(Vec<[u8; 32]>, Vec<[u8; 32]>)> {
        let Fact::Content {
            dossier,
            add,
            remove,
        } = fact
        else {
            return Err(refused(
                ctx,
                msg!("content-change-one-entry-written-amended"),
            ));
        };
        if ctx.signer.is_none() {
            return Err(refused(ctx, msg!("signed")));
        }
        let add = add
            .iter()
            .map(|e| hex32(e, "a content element"))
            .collect::<Result<Vec<_>>>()?;
        let remove = remove
            .iter()
            .map(|e| hex32(e, "a content element"))
            .collect::<Result<Vec<_>>>()?;
        // Entries written (one, or a bulk import's group of at most
        // MAX_CONTENT_ADDED) or one entry amended (one element
        // replaced by one), by a member of the dossier's care team, or
        // by the person in their own file; an entry is never just removed.
        let written = remove.is_empty() && (1..=MAX_CONTENT_ADDED).contains(&add.len());
        let amended = remove.len() == 1 && add.len() == 1;
        if !written && !amended {
            return Err(refused(
                ctx,
                msg!("content-change-one-entry-written-amended"),
            ));
        }
        let by_person = ctx.signer == Some(format!("{PERSON_SIGNER_PREFIX}{dossier}").as_str());
        if !by_person {
            let s = self.staff_signer(ctx)?.member.id.clone();
            if !self.in_team(dossier, &s) {
                return Err(refused(ctx, msg!("signer-dossier-s-care-team")));
            }
        }
        self.dossier_ref(dossier, ctx)?;
        Ok((add, remove))
    }

    /// The dossier of a person's second factor (`member` is
    /// `person:<dossier>`): it exists, is not erased, and has the person's
    /// own access.
    fn person_factor_owner(
        &mut self,
        member: &str,
        ctx: &Context<'_>,
    ) -> Result<&mut DossierEntry> {
        let dossier = member.strip_prefix(PERSON_SIGNER_PREFIX).unwrap_or(member);
        let d = self.dossier_mut(dossier, ctx)?;
        if d.person.is_none() {
            return Err(refused(ctx, msg!("second-factor-person-access")));
        }
        Ok(d)
    }

    fn dossier_ref(&self, id: &str, ctx: &Context<'_>) -> Result<&DossierEntry> {
        match self.dossiers.get(id) {
            Some(d) if !d.erased => Ok(d),
            _ => Err(refused(ctx, msg!("dossier-does-exist", id = id))),
        }
    }

    fn apply_staff(&mut self, policy: &Policy, member: &Member, ctx: &Context<'_>) -> Result<()> {
        let key = hex32(&member.key, "a signing key")?;
        crate::store::layout::check_id("staff", &member.id)
            .map_err(|_| refused(ctx, msg!("staff-id-valid")))?;
        if !policy.has_profession(&member.profession) {
            return Err(refused(
                ctx,
                msg!("unknown-profession-2", profession = member.profession),
            ));
        }
        let recovery = Self::is_recovery(ctx);
        match self.staff.get(&member.id) {
            None => {
                if !recovery {
                    self.staff_with(policy, ctx, Capability::ManageStaff)?;
                }
                if member.status != Status::Active {
                    return Err(refused(ctx, msg!("new-member-must-active")));
                }
                self.staff.insert(
                    member.id.clone(),
                    StaffEntry {
                        member: member.clone(),
                        key,
                        keys: vec![(ctx.seq, key)],
                        approved: BTreeSet::new(),
                        added_at: ctx.seq,
                        added_by: ctx.signer.unwrap_or_default().to_string(),
                        added_time: ctx.time,
                        revoked_at: None,
                        passphrase: None,
                        second_factors: BTreeMap::new(),
                        second_factor_reset: false,
                        second_factors_withdrawn: BTreeMap::new(),
                        second_factor_withdrawals: 0,
                    },
                );
            }
            Some(old) => {
                if old.member.status == Status::Revoked {
                    return Err(refused(ctx, msg!("revocation-final")));
                }
                // Keys this member may hold before the change: any they may no
                // longer hold after it must be rotated before sealing anything new.
                let held_before: Vec<VaultKey> = policy
                    .vault_keys()
                    .into_iter()
                    .filter(|k| self.may_hold(policy, &member.id, k))
                    .collect();
                let new_identity = old.member.recipient != member.recipient || old.key != key;
                if new_identity && !recovery {
                    return Err(refused(ctx, msg!("only-recovery-key-gives-member-new")));
                }
                if !recovery {
                    self.staff_with(policy, ctx, Capability::ManageStaff)?;
                }
                let s = self
                    .staff
                    .get_mut(&member.id)
                    .ok_or_else(|| refused(ctx, msg!("unknown-member")))?;
                if s.member.profession != member.profession {
                    // Approvals stand only for keys the new profession is entitled to.
                    s.approved.retain(|name| {
                        policy
                            .vault_keys()
                            .iter()
                            .any(|k| &k.name() == name && policy.entitled(&member.profession, k))
                    });
                }
                if new_identity {
                    s.keys.push((ctx.seq, key));
                    s.key = key;
                }
                if member.status == Status::Revoked {
                    s.revoked_at = Some(ctx.seq);
                }
                if new_identity {
                    // The recovery key sealed a new identity under a new passphrase.
                    s.passphrase = None;
                    // Its TOTP secrets were sealed to the old identity: the
                    // member enrols again.
                    if !s.second_factors.is_empty() {
                        s.withdraw_second_factors(|_| true);
                        s.second_factor_reset = true;
                    }
                }
                s.member = member.clone();
                for key in held_before {
                    if !self.may_hold(policy, &member.id, &key) {
                        self.rotations.insert(key.name(), member.id.clone());
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rights::fact::Member;

    fn member(id: &str, profession: &str, status: Status, key: u8) -> Member {
        Member {
            id: id.into(),
            profession: profession.into(),
            status,
            recipient: format!("age1{id}{key}"),
            key: hex::encode([key; 32]),
        }
    }

    fn ctx(seq: u64, signer: &str) -> Context<'_> {
        Context {
            seq,
            time: 1_000,
            signer: Some(signer),
        }
    }

    fn born(policy: &Policy) -> Register {
        let mut r = Register::default();
        let genesis = Fact::Genesis {
            vault: "v".into(),
            policy_sha256: "p".into(),
            kdf_floor: KdfParams::INSECURE_FAST,
            recovery_recipient: "age1rec".into(),
            recovery_key: hex::encode([9u8; 32]),
            audit_recipient: "age1audit".into(),
            keys: BTreeMap::new(),
            admin: member("dir", "directeur", Status::Active, 1),
        };
        r.apply(policy, &genesis, &ctx(1, "dir")).unwrap();
        r
    }

    #[test]
    fn revocation_is_final_and_closes_the_key_window() {
        let policy = crate::policy::parse(crate::policy::DEFAULT_POLICY, "default.toml").unwrap();
        let mut r = born(&policy);
        let add = Fact::Staff {
            member: member("nur", "infirmier", Status::Active, 2),
        };
        r.apply(&policy, &add, &ctx(5, "dir")).unwrap();
        // The member cannot change their own profession; nobody but the
        // recovery key gives them a new key.
        let promote = Fact::Staff {
            member: member("nur", "medecin", Status::Active, 2),
        };
        assert!(r.apply(&policy, &promote, &ctx(6, "nur")).is_err());
        let rekey = Fact::Staff {
            member: member("nur", "infirmier", Status::Active, 3),
        };
        assert!(r.apply(&policy, &rekey, &ctx(6, "dir")).is_err());
        r.apply(&policy, &rekey, &ctx(7, RECOVERY_SIGNER)).unwrap();
        let revoke = Fact::Staff {
            member: member("nur", "infirmier", Status::Revoked, 3),
        };
        r.apply(&policy, &revoke, &ctx(9, "dir")).unwrap();
        let back = Fact::Staff {
            member: member("nur", "infirmier", Status::Active, 3),
        };
        assert!(r.apply(&policy, &back, &ctx(10, "dir")).is_err());
        assert!(r.apply(&policy, &back, &ctx(10, RECOVERY_SIGNER)).is_err());
        let w = r.key_windows();
        assert_eq!(w["nur"], vec![(5, 7, [2u8; 32]), (7, 9, [3u8; 32])]);
        assert_eq!(w["dir"], vec![(1, u64::MAX, [1u8; 32])]);
    }

    #[test]
    fn entries_change_only_by_one_write_of_a_team_member() {
        let policy = crate::policy::parse(crate::policy::DEFAULT_POLICY, "default.toml").unwrap();
        let mut r = born(&policy);
        let staff = |id: &str, prof: &str, key: u8| Fact::Staff {
            member: member(id, prof, Status::Active, key),
        };
        r.apply(&policy, &staff("doc", "medecin", 2), &ctx(2, "dir"))
            .unwrap();
        r.apply(&policy, &staff("dpo", "dpo", 3), &ctx(3, "dir"))
            .unwrap();
        let d = Fact::Dossier {
            dossier: "d-1".into(),
        };
        r.apply(&policy, &d, &ctx(4, "dir")).unwrap();
        let team = Fact::Team {
            dossier: "d-1".into(),
            member: "doc".into(),
            present: true,
        };
        r.apply(&policy, &team, &ctx(5, "dir")).unwrap();
        let e = |add: Vec<u8>, remove: Vec<u8>| Fact::Content {
            dossier: "d-1".into(),
            add: add.iter().map(|b| hex::encode([*b; 32])).collect(),
            remove: remove.iter().map(|b| hex::encode([*b; 32])).collect(),
        };
        r.apply(&policy, &e(vec![7], vec![]), &ctx(6, "doc"))
            .unwrap();
        // Not in the team: refused; a pure removal: refused, whoever signs.
        assert!(r
            .apply(&policy, &e(vec![8], vec![7]), &ctx(7, "dpo"))
            .is_err());
        assert!(r
            .apply(&policy, &e(vec![], vec![7]), &ctx(7, "doc"))
            .is_err());
        // Two replaced at once, or one replaced by two: refused.
        assert!(r
            .apply(&policy, &e(vec![1], vec![7, 9]), &ctx(7, "doc"))
            .is_err());
        assert!(r
            .apply(&policy, &e(vec![1, 2], vec![7]), &ctx(7, "doc"))
            .is_err());
        // More than a bulk import's group: refused.
        let many = Fact::Content {
            dossier: "d-1".into(),
            add: (0..=MAX_CONTENT_ADDED)
                .map(|i| {
                    hex::encode(
                        ring::digest::digest(&ring::digest::SHA256, &i.to_be_bytes()).as_ref(),
                    )
                })
                .collect(),
            remove: vec![],
        };
        assert!(r.apply(&policy, &many, &ctx(7, "doc")).is_err());
        // An amendment by a team member replaces one element.
        r.apply(&policy, &e(vec![8], vec![7]), &ctx(7, "doc"))
            .unwrap();
        let mut want = Digest::default();
        want.add(&[8u8; 32]);
        assert_eq!(r.dossiers["d-1"].content(), want);
    }

    #[test]
    fn restricted_keys_need_an_approval_by_a_holder() {
        let policy = crate::policy::parse(crate::policy::DEFAULT_POLICY, "default.toml").unwrap();
        let mut r = born(&policy);
        let medical = VaultKey::Category("medical".into());
        for (seq, id) in [(2, "doc"), (3, "doc2")] {
            let f = Fact::Staff {
                member: member(id, "medecin", Status::Active, seq as u8 + 10),
            };
            r.apply(&policy, &f, &ctx(seq, "dir")).unwrap();
        }
        assert!(
            !r.may_hold(&policy, "doc", &medical),
            "no automatic medical key"
        );
        let approve = |m: &str| Fact::Approve {
            member: m.into(),
            keys: vec!["cat:medical".into()],
        };
        // The director holds no medical key: cannot approve.
        assert!(r.apply(&policy, &approve("doc"), &ctx(4, "dir")).is_err());
        // Nor can an unapproved doctor approve a colleague.
        assert!(r.apply(&policy, &approve("doc2"), &ctx(4, "doc")).is_err());
        r.apply(&policy, &approve("doc"), &ctx(4, RECOVERY_SIGNER))
            .unwrap();
        assert!(r.may_hold(&policy, "doc", &medical));
        r.apply(&policy, &approve("doc2"), &ctx(5, "doc")).unwrap();
        assert!(r.may_hold(&policy, "doc2", &medical));
    }
}
