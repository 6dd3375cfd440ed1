//! A second factor for staff logins on the web: one-time codes (TOTP, RFC
//! 6238) with single-use recovery codes, and passkeys (WebAuthn, through the
//! `webauthn-rs` relying-party library: ceremonies, origin and RP id checks,
//! attestation and assertion parsing are its own) (`docs/second-factor.md`).
//!
//! What vouches for what:
//!
//! - `sf/{member}/{id}` holds a factor: the TOTP secret sealed to the member's
//!   own `age` recipient and the SHA-256 of each recovery code. The member's
//!   `second-factor` fact, signed in the session that enrols it, commits to
//!   the record's bytes; [`Vault::checked_second_factors`] is the only way to a
//!   [`CheckedSecondFactor`], and refuses (exit 5, naming it) a record that
//!   fact does not commit, such as one planted by someone with the files.
//! - Which codes were already accepted is **derived** from the audit log: the
//!   `auth.second-factor` lines of the member (the time step accepted, the
//!   recovery code used), read through the actor index. `sfu/{member}` caches
//!   what the lines up to one entry say, HMAC-sealed under a key derived from
//!   the member's identity; each check reads only the member's lines after
//!   it. A cache deleted, rolled back or forged is rebuilt from the log (a
//!   forged one fails its seal; an older genuine one only makes the check
//!   read more lines), so no store record can give a used code back. A
//!   passkey's last signature counter is derived the same way (`passkey
//!   counter N`): a counter that goes back is refused and audited.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::audit::{AuditEntry, Outcome};
use crate::crypto::key::random_bytes;
use crate::crypto::wrap;
use crate::error::{Error, Result};
use crate::policy::Capability;
use crate::rights::fact::second_factor_commitment;
use crate::rights::state::SecondFactorEntry;
use crate::rights::Fact;
use crate::store::records::{decode, encode};
use crate::store::{layout, Batch};
use crate::vault::access::session::Session;
use crate::vault::access::trust::forged;
use crate::vault::Vault;
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder, WebauthnError,
};

/// Seconds of one TOTP time step.
pub const TOTP_STEP: u64 = 30;
/// Digits of a one-time code.
pub const TOTP_DIGITS: u8 = 6;
/// Recovery codes made at each enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code (no 0/o, 1/l/i: read aloud or copied by hand).
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// Letters of a recovery code (about 50 bits).
const RECOVERY_LEN: usize = 10;
/// The action of a second-factor check at login.
pub const ACTION_CHECK: &str = "auth.second-factor";
/// The action of an enrolment.
pub const ACTION_ENROL: &str = "auth.second-factor.enrol";
/// The action of a removal by the member.
pub const ACTION_REMOVE: &str = "auth.second-factor.remove";
/// The action of a reset by a manager.
pub const ACTION_RESET: &str = "auth.second-factor.reset";
/// The action of a reset of the person's factor by a member with `person-access`.
pub const ACTION_RESET_PERSON: &str = "auth.second-factor.reset-person";
/// The kind of a one-time-code factor.
pub const KIND_TOTP: &str = "totp";
/// The kind of a passkey factor.
pub const KIND_PASSKEY: &str = "passkey";

/// The detail of a refused passkey whose signature counter is not above the
/// last one accepted (or the one stored at enrolment): a cloned
/// authenticator (WebAuthn Level 3, § 6.1.1 "Signature Counter
/// Considerations").
pub const DETAIL_COUNTER_BACK: &str = "passkey counter went back";

/// Whether a passkey's signature `counter` shows a copy of the key, given the
/// `last` one accepted (0: none yet): it must be above it, unless both are 0
/// (an authenticator that keeps no counter, which WebAuthn allows).
fn counter_went_back(counter: u32, last: u64) -> bool {
    (counter > 0 || last > 0) && u64::from(counter) <= last
}

/// Whose factors: a staff member's (`sf/{member}/…`) or the person's own
/// for a dossier (`psf/{dossier}/…`, their principal `person:{dossier}`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Owner<'a> {
    Staff(&'a str),
    Person(&'a str),
}

impl Owner<'_> {
    /// The name facts, commitments and hashes bind: the staff id, or
    /// `person:{dossier}`.
    fn principal(&self) -> String {
        match self {
            Owner::Staff(m) => m.to_string(),
            Owner::Person(d) => format!("{}{d}", crate::rights::fact::PERSON_SIGNER_PREFIX),
        }
    }
    /// The actor of their audit lines.
    fn actor(&self) -> String {
        match self {
            Owner::Staff(m) => m.to_string(),
            Owner::Person(d) => crate::vault::person::session::person_actor(d),
        }
    }
    fn prefix(&self) -> Vec<u8> {
        match self {
            Owner::Staff(m) => layout::second_factor_prefix(m),
            Owner::Person(d) => layout::person_second_factor_prefix(d),
        }
    }
    fn record_key(&self, id: &str) -> Vec<u8> {
        match self {
            Owner::Staff(m) => layout::second_factor(m, id),
            Owner::Person(d) => layout::person_second_factor(d, id),
        }
    }
    fn uses_key(&self) -> Vec<u8> {
        match self {
            Owner::Staff(m) => layout::second_factor_uses(m),
            Owner::Person(d) => layout::person_second_factor_uses(d),
        }
    }
    fn record_name(&self, id: &str) -> String {
        match self {
            Owner::Staff(m) => format!("sf/{m}/{id}"),
            Owner::Person(d) => format!("psf/{d}/{id}"),
        }
    }
}

/// Who acts on a set of factors, for the operations staff and person share:
/// the vault, whose factors, their identity (opens the TOTP secret, seals
/// the `sfu/` cache), how their audit lines are drafted and their facts signed.
pub(crate) struct Holder<'a> {
    pub(crate) vault: &'a Vault,
    pub(crate) owner: Owner<'a>,
    pub(crate) identity: &'a wrap::Identity,
    pub(crate) recipient: String,
    pub(crate) draft: &'a dyn Fn(&str) -> crate::audit::Draft,
    pub(crate) signer: Option<(String, crate::audit::FactSigner)>,
}

impl Holder<'_> {
    /// A new TOTP secret and ten recovery codes, in memory.
    pub(crate) fn begin_totp(&self) -> Result<TotpEnrolment> {
        let secret = Zeroizing::new(random_bytes::<20>()?.to_vec());
        let mut recovery = Vec::with_capacity(RECOVERY_CODES);
        for _ in 0..RECOVERY_CODES {
            recovery.push(new_recovery_code()?);
        }
        Ok(TotpEnrolment {
            id: format!("totp-{}", hex::encode(random_bytes::<4>()?)),
            account: self.owner.principal(),
            secret,
            recovery,
        })
    }

    /// What the log says of `factors`' uses, and the batch that writes the
    /// owner's cache of it, to commit with the next line.
    fn uses_and_cache(
        &self,
        factors: &[CheckedSecondFactor],
    ) -> Result<(BTreeMap<String, Used>, Batch)> {
        let member = self.owner.principal();
        let key = cache_key(&self.vault.meta.vault_id, &member, self.identity);
        let (used, last) = self.vault.second_factor_uses(self.owner, factors, &key)?;
        // What the lines read say, for the next check (the line written now
        // comes after `last`, and is read then).
        let cache = UsesCache {
            member,
            seq: last,
            used: factors
                .iter()
                .filter_map(|f| {
                    let u = used.get(&f.id)?;
                    Some((
                        f.id.clone(),
                        f.entry.seq,
                        u.last_step,
                        u.recovery.iter().map(|n| *n as u32).collect(),
                    ))
                })
                .collect(),
        };
        let mut batch = Batch::new();
        batch.put(self.owner.uses_key(), seal_cache(&key, &cache)?);
        Ok((used, batch))
    }

    /// Enrols `e` once `code` proves the app holds the secret: the record
    /// sealed to the holder, and the `second-factor` fact they sign, in one
    /// durable change. Errors: [`Error::Auth`] (exit 4, audited) for a wrong code.
    pub(crate) fn enrol_totp(&self, e: &TotpEnrolment, code: &str) -> Result<()> {
        let totp = totp_for(&e.secret, &e.account)?;
        let code = normalise(code);
        let Some(step) = totp.check(&code, crate::vault::now()) else {
            self.vault.audit(
                (self.draft)(ACTION_ENROL)
                    .target(&e.id)
                    .outcome(Outcome::Failed)
                    .detail("wrong code"),
            )?;
            return Err(Error::Auth(msg!("second-factor-wrong-code")));
        };
        let vault_id = self.vault.meta.vault_id.clone();
        let member = self.owner.principal();
        let record = SecondFactorRecord {
            member: member.clone(),
            id: e.id.clone(),
            factor: KIND_TOTP.into(),
            secret_sealed: wrap::wrap(&e.secret, &[&self.recipient])?,
            recovery: e
                .recovery
                .iter()
                .map(|c| recovery_hash(&vault_id, &member, &normalise(c)))
                .collect(),
        };
        let bytes = encode(&record)?;
        let fact = Fact::SecondFactor {
            member: member.clone(),
            id: e.id.clone(),
            factor: KIND_TOTP.into(),
            commitment: second_factor_commitment(&vault_id, &member, &e.id, KIND_TOTP, &bytes),
        };
        let mut batch = Batch::new();
        batch.put(self.owner.record_key(&e.id), bytes);
        self.vault.commit_audited(
            (self.draft)(ACTION_ENROL)
                .target(&e.id)
                .detail(&format!("totp step {step}"))
                .fact(fact.to_json()?, self.signer.clone()),
            batch,
        )?;
        Ok(())
    }

    /// Checks a one-time code or a recovery code against the holder's
    /// factors, each accepted once, every attempt audited
    /// ([`Session::check_second_factor`]).
    pub(crate) fn check_code(
        &self,
        factors: Vec<CheckedSecondFactor>,
        code: &str,
    ) -> Result<Accepted> {
        if factors.is_empty() {
            return Err(Error::Usage(msg!("second-factor-none")));
        }
        let member = self.owner.principal();
        let (used, batch) = self.uses_and_cache(&factors)?;
        let code = normalise(code);
        let now = crate::vault::now();
        let mut replayed = false;
        for f in &factors {
            let Stored::Totp(record) = &f.record else {
                continue;
            };
            let u = used.get(&f.id);
            if code.len() == usize::from(TOTP_DIGITS) && code.bytes().all(|b| b.is_ascii_digit()) {
                let Some(secret) = wrap::unwrap(&record.secret_sealed, self.identity)? else {
                    return Err(forged(
                        &self.owner.record_name(&f.id),
                        "a second factor sealed to someone else",
                    ));
                };
                let totp = totp_for(&secret, &member)?;
                if let Some(step) = totp.check(&code, now) {
                    if u.and_then(|u| u.last_step).is_some_and(|l| step <= l) {
                        replayed = true;
                        continue;
                    }
                    self.vault.commit_audited(
                        (self.draft)(ACTION_CHECK)
                            .target(&f.id)
                            .detail(&format!("totp step {step}")),
                        batch,
                    )?;
                    return Ok(Accepted::Totp { step });
                }
            } else {
                let h = recovery_hash(&self.vault.meta.vault_id, &member, &code);
                if let Some(n) = record.recovery.iter().position(|r| *r == h) {
                    if u.is_some_and(|u| u.recovery.contains(&(n + 1))) {
                        replayed = true;
                        continue;
                    }
                    self.vault.commit_audited(
                        (self.draft)(ACTION_CHECK)
                            .target(&f.id)
                            .detail(&format!("recovery code {}", n + 1)),
                        batch,
                    )?;
                    let spent = u.map_or(0, |u| u.recovery.len()) + 1;
                    return Ok(Accepted::Recovery {
                        left: record.recovery.len().saturating_sub(spent),
                    });
                }
            }
        }
        let detail = if replayed {
            "code already used"
        } else {
            "wrong code"
        };
        self.vault.audit(
            (self.draft)(ACTION_CHECK)
                .outcome(Outcome::Failed)
                .detail(detail),
        )?;
        Err(Error::Auth(if replayed {
            msg!("second-factor-code-used")
        } else {
            msg!("second-factor-wrong-code")
        }))
    }
}

/// The stored record `sf/{member}/{id}`.
#[derive(Serialize, Deserialize)]
struct SecondFactorRecord {
    member: String,
    id: String,
    factor: String,
    /// The TOTP secret, `age`-encrypted to the member's own recipient.
    #[serde(with = "serde_bytes")]
    secret_sealed: Vec<u8>,
    /// SHA-256 of each recovery code ([`recovery_hash`]).
    recovery: Vec<[u8; 32]>,
}

/// The stored record `sf/{member}/{id}` of a passkey: the credential (its id
/// and public key) as `webauthn-rs` serialises a [`Passkey`]. Nothing in it
/// is secret.
#[derive(Serialize, Deserialize)]
struct PasskeyRecord {
    member: String,
    id: String,
    factor: String,
    /// The library's `Passkey`, as JSON.
    passkey: String,
}

/// A factor's record, of the kind the register names.
enum Stored {
    Totp(SecondFactorRecord),
    Passkey(Box<Passkey>),
}

/// A factor whose record the signed register commits to (the only way to one
/// is [`Vault::checked_second_factors`]).
pub struct CheckedSecondFactor {
    id: String,
    entry: SecondFactorEntry,
    record: Stored,
}

impl CheckedSecondFactor {
    /// The factor's id.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// Its kind (`totp` or `passkey`).
    pub fn kind(&self) -> &str {
        &self.entry.kind
    }
}

/// The relying party of passkeys: the RP id and the origins browsers reach the
/// server at (from its configured name, or `localhost` on the loopback). The
/// library refuses a credential made for any other origin.
pub struct RelyingParty(Webauthn);

impl std::fmt::Debug for RelyingParty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelyingParty").finish_non_exhaustive()
    }
}

impl RelyingParty {
    /// `rp_id` (a domain name, or `localhost`) and the origins allowed, each
    /// within it, each `https://`, or `http://` on the loopback only
    /// (`localhost`, `127.0.0.1`, `[::1]`: the only plain-http origins
    /// browsers count as secure contexts, W3C Secure Contexts § 3.1).
    /// Errors: [`Error::Usage`] for a plain-http origin elsewhere, and when
    /// the library refuses them (an IP address as RP id, an origin outside
    /// the RP id).
    pub fn new(rp_id: &str, origins: &[String]) -> Result<Self> {
        let bad = || Error::Usage(msg!("second-factor-passkey-config", rp = rp_id));
        let urls: Vec<Url> = origins
            .iter()
            .map(|o| Url::parse(o).map_err(|_| bad()))
            .collect::<Result<_>>()?;
        for u in &urls {
            let loopback = matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
            if !(u.scheme() == "https" || (u.scheme() == "http" && loopback)) {
                return Err(Error::Usage(msg!(
                    "second-factor-passkey-http",
                    origin = u.origin().ascii_serialization()
                )));
            }
        }
        let (first, rest) = urls.split_first().ok_or_else(bad)?;
        let mut b = WebauthnBuilder::new(rp_id, first)
            .map_err(|_| bad())?
            .rp_name("Coffre");
        for u in rest {
            b = b.append_allowed_origin(u);
        }
        b.build().map(RelyingParty).map_err(|_| bad())
    }
}

/// A passkey enrolment under way: the registration ceremony's state, kept in
/// the server's memory (never the browser's) until the browser answers.
pub struct PasskeyEnrolment {
    id: String,
    options: String,
    state: PasskeyRegistration,
}

impl std::fmt::Debug for PasskeyEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasskeyEnrolment")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl PasskeyEnrolment {
    /// The new factor's id.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The options for `navigator.credentials.create`, as JSON.
    pub fn options_json(&self) -> &str {
        &self.options
    }
}

/// A passkey login under way: the authentication ceremony's challenge, kept
/// in the server's memory, used once.
pub struct PasskeyChallenge {
    options: String,
    state: PasskeyAuthentication,
}

impl std::fmt::Debug for PasskeyChallenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasskeyChallenge").finish_non_exhaustive()
    }
}

impl PasskeyChallenge {
    /// The options for `navigator.credentials.get`, as JSON.
    pub fn options_json(&self) -> &str {
        &self.options
    }
}

/// The WebAuthn user handle of a member: random-looking, stable, and not
/// their id (SHA-256 of the vault id and staff id, cut to 16 bytes).
fn user_handle(vault: &str, member: &str) -> Uuid {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for p in [
        b"coffre/passkey-user/v1".as_slice(),
        vault.as_bytes(),
        member.as_bytes(),
    ] {
        ctx.update(&(p.len() as u32).to_be_bytes());
        ctx.update(p);
    }
    let mut out = [0u8; 16];
    out.copy_from_slice(&ctx.finish().as_ref()[..16]);
    Uuid::from_bytes(out)
}

/// A TOTP enrolment under way: the secret and recovery codes shown once,
/// kept in memory until the member confirms with a first code. Never
/// written anywhere in the clear; its `Debug` shows nothing of them.
pub struct TotpEnrolment {
    id: String,
    account: String,
    secret: Zeroizing<Vec<u8>>,
    recovery: Vec<Zeroizing<String>>,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpEnrolment")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl TotpEnrolment {
    /// The new factor's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The secret in base32 (RFC 4648, no padding), in groups of four, for
    /// those who type it into their app.
    pub fn secret_base32(&self) -> Zeroizing<String> {
        let plain = Zeroizing::new(totp_rs::Secret::from(self.secret.to_vec()).to_base32());
        let mut out = Zeroizing::new(String::with_capacity(plain.len() + plain.len() / 4));
        for (i, c) in plain.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }

    /// The `otpauth://` URI an app reads from the QR code.
    pub fn uri(&self) -> Result<Zeroizing<String>> {
        let totp = totp_for(&self.secret, &self.account)?;
        totp.to_url()
            .map(Zeroizing::new)
            .map_err(|_| Error::Usage(msg!("second-factor-cannot-encode")))
    }

    /// The recovery codes, shown once.
    pub fn recovery_codes(&self) -> &[Zeroizing<String>] {
        &self.recovery
    }
}

/// What a member has, as the register says.
#[derive(Clone, Debug)]
pub struct SecondFactorStatus {
    /// (id, kind) of each factor enrolled.
    pub enrolled: Vec<(String, String)>,
    /// A manager reset their factors since they last enrolled one.
    pub reset: bool,
}

/// A second factor accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accepted {
    /// A one-time code of this time step.
    Totp {
        /// The time step accepted.
        step: u64,
    },
    /// A recovery code, with the number still unused.
    Recovery {
        /// Recovery codes left.
        left: usize,
    },
    /// A passkey, with the signature counter it gave (0: it keeps none).
    Passkey {
        /// The signature counter.
        counter: u32,
    },
}

fn totp_for(secret: &[u8], account: &str) -> Result<totp_rs::Totp> {
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(TOTP_DIGITS)
        .with_skew(1)
        .with_step_duration(TOTP_STEP)
        .with_secret(secret.to_vec())
        .with_issuer(Some("Coffre"))
        .with_account_name(account.replace(':', "."))
        .build()
        .map_err(|_| Error::Usage(msg!("second-factor-cannot-encode")))
}

/// The SHA-256 a recovery code is stored as: length-prefixed parts
/// (`coffre/recovery-code/v1`, vault id, staff id, the code without its dash,
/// in lower case). A code is random, so no slow hash is needed.
fn recovery_hash(vault: &str, member: &str, code: &str) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for p in [
        b"coffre/recovery-code/v1".as_slice(),
        vault.as_bytes(),
        member.as_bytes(),
        code.as_bytes(),
    ] {
        ctx.update(&(p.len() as u32).to_be_bytes());
        ctx.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn new_recovery_code() -> Result<Zeroizing<String>> {
    let raw = Zeroizing::new(random_bytes::<RECOVERY_LEN>()?);
    let mut s = Zeroizing::new(String::with_capacity(RECOVERY_LEN + 1));
    for (i, b) in raw.iter().enumerate() {
        if i == RECOVERY_LEN / 2 {
            s.push('-');
        }
        // 256 is not a multiple of 31: a bias of under 1 % per letter,
        // well within the code's 50 bits.
        s.push(RECOVERY_ALPHABET[usize::from(*b) % RECOVERY_ALPHABET.len()] as char);
    }
    Ok(s)
}

/// What the member typed, without spaces and dashes, in lower case.
fn normalise(code: &str) -> Zeroizing<String> {
    Zeroizing::new(
        code.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_lowercase)
            .collect(),
    )
}

/// Codes already accepted for one factor, from the log.
#[derive(Default)]
struct Used {
    /// The last TOTP time step accepted; for a passkey, the last signature
    /// counter accepted.
    last_step: Option<u64>,
    recovery: BTreeSet<usize>,
}

/// The cache `sfu/{member}`: what the member's lines up to entry `seq` say.
#[derive(Serialize, Deserialize)]
struct UsesCache {
    member: String,
    seq: u64,
    /// (factor id, the entry that enrolled it, last step, recovery codes used).
    used: Vec<(String, u64, Option<u64>, Vec<u32>)>,
}

/// The key that seals a member's `sfu/` cache: only their identity makes it.
fn cache_key(vault: &str, member: &str, identity: &wrap::Identity) -> ring::hmac::Key {
    let secret = wrap::secret_bytes(identity);
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for p in [
        b"coffre/second-factor-uses/v1".as_slice(),
        vault.as_bytes(),
        member.as_bytes(),
        &secret[..],
    ] {
        ctx.update(&(p.len() as u32).to_be_bytes());
        ctx.update(p);
    }
    ring::hmac::Key::new(ring::hmac::HMAC_SHA256, ctx.finish().as_ref())
}

fn seal_cache(key: &ring::hmac::Key, cache: &UsesCache) -> Result<Vec<u8>> {
    let mut bytes = encode(cache)?;
    let tag = ring::hmac::sign(key, &bytes);
    bytes.extend_from_slice(tag.as_ref());
    Ok(bytes)
}

fn open_cache(key: &ring::hmac::Key, member: &str, sealed: &[u8]) -> Option<UsesCache> {
    let cut = sealed.len().checked_sub(32)?;
    ring::hmac::verify(key, &sealed[..cut], &sealed[cut..]).ok()?;
    let c: UsesCache = decode(&sealed[..cut], "second-factor uses").ok()?;
    (c.member == member).then_some(c)
}

impl Vault {
    /// The second factors of `member`, each checked against the signed
    /// register: every factor the register holds must have its record, with
    /// the bytes its fact commits to, and no other record may be under
    /// `sf/{member}/`. Errors: [`Error::Integrity`] (exit 5) naming the record.
    pub fn checked_second_factors(&self, member: &str) -> Result<Vec<CheckedSecondFactor>> {
        layout::check_id("staff", member)?;
        self.checked_factors(Owner::Staff(member))
    }

    /// The person's own second factors for `dossier`, checked as
    /// [`Vault::checked_second_factors`] against the `second-factor` facts
    /// whose member is `person:{dossier}`. Errors: [`Error::Integrity`]
    /// (exit 5) naming `psf/{dossier}/{id}`.
    pub fn checked_person_second_factors(&self, dossier: &str) -> Result<Vec<CheckedSecondFactor>> {
        layout::check_id("dossier", dossier)?;
        self.checked_factors(Owner::Person(dossier))
    }

    fn checked_factors(&self, owner: Owner<'_>) -> Result<Vec<CheckedSecondFactor>> {
        type Factors = BTreeMap<String, SecondFactorEntry>;
        let (want, withdrawn): (Factors, Factors) = self.with_register(|r| {
            Ok(match owner {
                Owner::Staff(m) => r
                    .staff
                    .get(m)
                    .map(|s| (s.second_factors.clone(), s.second_factors_withdrawn.clone()))
                    .unwrap_or_default(),
                Owner::Person(d) => r
                    .dossiers
                    .get(d)
                    .filter(|d| !d.erased)
                    .map(|d| {
                        (
                            d.person_second_factors.clone(),
                            d.person_second_factors_withdrawn.clone(),
                        )
                    })
                    .unwrap_or_default(),
            })
        })?;
        let member = owner.principal();
        let member = member.as_str();
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for (k, v) in self.store.scan_prefix(&owner.prefix())? {
            let id = layout::last_component(&k)?;
            let name = owner.record_name(&id);
            let Some(entry) = want.get(&id) else {
                // The very record of a factor a later fact withdrew (left by
                // an older version's recovery) decides nothing; any other is
                // planted.
                let left_over = withdrawn.get(&id).is_some_and(|w| {
                    k == owner.record_key(&id)
                        && second_factor_commitment(&self.meta.vault_id, member, &id, &w.kind, &v)
                            == w.commitment
                });
                if left_over {
                    continue;
                }
                return Err(forged(
                    &name,
                    "a second factor the register does not commit",
                ));
            };
            if k != owner.record_key(&id)
                || second_factor_commitment(&self.meta.vault_id, member, &id, &entry.kind, &v)
                    != entry.commitment
            {
                return Err(forged(&name, "a second factor other than the one enrolled"));
            }
            let record = if entry.kind == KIND_PASSKEY {
                let r: PasskeyRecord = decode(&v, "second factor")?;
                let pk: Option<Passkey> = serde_json::from_str(&r.passkey).ok();
                match pk {
                    Some(pk) if r.member == member && r.id == id && r.factor == entry.kind => {
                        Stored::Passkey(Box::new(pk))
                    }
                    _ => return Err(forged(&name, "a second factor other than the one enrolled")),
                }
            } else {
                let r: SecondFactorRecord = decode(&v, "second factor")?;
                if r.member != member || r.id != id || r.factor != entry.kind {
                    return Err(forged(&name, "a second factor other than the one enrolled"));
                }
                Stored::Totp(r)
            };
            seen.insert(id.clone());
            out.push(CheckedSecondFactor {
                id,
                entry: entry.clone(),
                record,
            });
        }
        if let Some(id) = want.keys().find(|id| !seen.contains(*id)) {
            return Err(forged(&owner.record_name(id), "a second factor removed"));
        }
        Ok(out)
    }

    /// The codes already accepted for each of `member`'s factors, from their
    /// `auth.second-factor` lines after each factor's enrolment (those up to
    /// the cache's entry from the cache, when its seal holds); with the last
    /// entry read, for the next cache. The lines after the cache's are read
    /// through the actor index, walked down the log's chain of the member's
    /// lines (`aprev`).
    ///
    /// Errors: [`Error::Integrity`] naming an index record missing from, or
    /// planted on, the member's chain.
    fn second_factor_uses(
        &self,
        owner: Owner<'_>,
        factors: &[CheckedSecondFactor],
        key: &ring::hmac::Key,
    ) -> Result<(BTreeMap<String, Used>, u64)> {
        let mut used: BTreeMap<String, Used> = BTreeMap::new();
        let mut from = 0;
        let actor = owner.actor();
        if let Some(sealed) = self.store.get(&owner.uses_key())? {
            if let Some(c) = open_cache(key, &owner.principal(), &sealed) {
                from = c.seq;
                for (id, enrolled, last_step, recovery) in c.used {
                    // Only for the factor enrolled by that very fact.
                    if factors
                        .iter()
                        .any(|f| f.id == id && f.entry.seq == enrolled)
                    {
                        used.insert(
                            id,
                            Used {
                                last_step,
                                recovery: recovery.into_iter().map(|n| n as usize).collect(),
                            },
                        );
                    }
                }
            }
        }
        // The member's lines after the cache's, through the index, checked
        // against the log's chain of their lines (`aprev`) anchored on the
        // log before the index is read: an index record deleted (to make a
        // used code acceptable again) or planted is an integrity failure,
        // and the code is refused.
        let mut walk = self.chain_walk_down('a', &actor)?;
        let pairs: Vec<(u64, u64)> = self
            .audit_offsets('a', &actor)?
            .into_iter()
            .filter(|(seq, _)| *seq > from)
            .collect();
        let last = pairs.last().map_or(from, |p| p.0);
        let entries = self.indexed_entries('a', &actor, &pairs)?;
        let newest_first: Vec<AuditEntry> = entries.iter().rev().cloned().collect();
        walk.take(&newest_first, &pairs)?;
        walk.finish(from)?;
        for e in entries {
            if e.outcome != Outcome::Ok || (e.action != ACTION_CHECK && e.action != ACTION_ENROL) {
                continue;
            }
            let Some(f) = factors
                .iter()
                .find(|f| e.target.as_deref() == Some(f.id.as_str()))
            else {
                continue;
            };
            if e.seq < f.entry.seq {
                continue;
            }
            let u = used.entry(f.id.clone()).or_default();
            let detail = e.detail.as_deref().unwrap_or_default();
            if let Some(step) = detail
                .strip_prefix("totp step ")
                .or_else(|| detail.strip_prefix("passkey counter "))
                .and_then(|s| s.parse::<u64>().ok())
            {
                u.last_step = Some(u.last_step.map_or(step, |l| l.max(step)));
            } else if let Some(n) = detail
                .strip_prefix("recovery code ")
                .and_then(|s| s.parse::<usize>().ok())
            {
                u.recovery.insert(n);
            }
        }
        Ok((used, last))
    }
}

impl Session<'_> {
    /// The second factors this member has, and whether a manager reset them.
    pub fn second_factor_status(&self) -> Result<SecondFactorStatus> {
        let _turn = self.ensure_current()?;
        let factors = self.vault.checked_second_factors(&self.me.id)?;
        let reset = self.vault.with_register(|r| {
            Ok(r.staff
                .get(&self.me.id)
                .is_some_and(|s| s.second_factor_reset))
        })?;
        Ok(SecondFactorStatus {
            enrolled: factors
                .iter()
                .map(|f| (f.id.clone(), f.entry.kind.clone()))
                .collect(),
            reset,
        })
    }

    /// The holder of this member's own factors.
    fn holder<'a>(&'a self, draft: &'a dyn Fn(&str) -> crate::audit::Draft) -> Holder<'a> {
        Holder {
            vault: self.vault,
            owner: Owner::Staff(&self.me.id),
            identity: self.identity(),
            recipient: self.me.recipient.clone(),
            draft,
            signer: self.fact_signer(),
        }
    }

    /// A new TOTP secret and ten recovery codes, kept in memory until
    /// [`Session::enrol_totp`] confirms them with a first code.
    pub fn begin_totp_enrolment(&self) -> Result<TotpEnrolment> {
        let _turn = self.ensure_current()?;
        let draft = |a: &str| self.draft(a);
        self.holder(&draft).begin_totp()
    }

    /// Enrols `e` once `code` (from the member's app) proves the app holds
    /// the secret: the record sealed to the member, and the `second-factor`
    /// fact they sign, in one durable change. The code's time step counts as
    /// used. Errors: [`Error::Auth`] (exit 4) for a wrong code.
    pub fn enrol_totp(&mut self, e: &TotpEnrolment, code: &str) -> Result<()> {
        let _turn = self.ensure_current()?;
        let draft = |a: &str| self.draft(a);
        self.holder(&draft).enrol_totp(e, code)
    }

    /// Checks a one-time code (6 digits) or a recovery code against this
    /// member's factors. Each code is accepted once: a time step no later
    /// than one already accepted, or a recovery code already used, is
    /// refused. Every attempt is an `auth.second-factor` line (the step or
    /// the recovery code's number when accepted). Errors: [`Error::Auth`]
    /// (exit 4) for a wrong or reused code; [`Error::Integrity`] (exit 5) for
    /// a factor the register does not commit.
    pub fn check_second_factor(&mut self, code: &str) -> Result<Accepted> {
        // The vault's turn (PostgreSQL: every process waits for it), then this
        // process's own exclusion, both held from reading the codes used to
        // appending this check's line: two checks of the same code, at once,
        // in two sessions (or two processes), see each other's line.
        let _turn = self.ensure_current()?;
        let _one_at_a_time = self
            .vault
            .second_factor_lock
            .lock()
            .map_err(|_| Error::Io(msg!("second-factor-lock-poisoned")))?;
        let factors = self.vault.checked_second_factors(&self.me.id)?;
        let draft = |a: &str| self.draft(a);
        self.holder(&draft).check_code(factors, code)
    }

    /// Removes one of this member's own factors (`second-factor-removed`,
    /// signed by them). The member's other sessions end; this one goes on.
    pub fn remove_second_factor(&mut self, id: &str) -> Result<()> {
        let _turn = self.ensure_current()?;
        layout::check_id("second factor", id)?;
        let member = self.me.id.clone();
        let factors = self.vault.checked_second_factors(&member)?;
        if !factors.iter().any(|f| f.id == id) {
            return Err(Error::NotFound(msg!("second-factor-unknown", id = id)));
        }
        let fact = Fact::SecondFactorRemoved {
            member: member.clone(),
            id: id.to_string(),
        };
        let mut batch = Batch::new();
        batch.remove(layout::second_factor(&member, id));
        self.vault.commit_audited(
            self.draft(ACTION_REMOVE)
                .target(id)
                .fact(fact.to_json()?, self.fact_signer()),
            batch,
        )?;
        // This session made the withdrawal and goes on; the member's others
        // end (one more than `ensure_current` saw: any other since ends this
        // one too).
        self.second_factor_withdrawals += 1;
        Ok(())
    }

    /// A manager (`manage-staff`) withdraws every second factor of `member`
    /// (`second-factor-reset`): after a lost phone, the member enrols again
    /// at their next web login. Every session of `member` opened before ends
    /// ([`Session::ensure_current`]), with the enrolments under way in them.
    pub fn reset_second_factor(&mut self, member: &str) -> Result<()> {
        let _turn = self.ensure_current()?;
        layout::check_id("staff", member)?;
        self.require(Capability::ManageStaff, ACTION_RESET, None)?;
        let active = self
            .vault
            .with_register(|r| Ok(r.active(member).is_some()))?;
        if !active {
            return Err(Error::NotFound(msg!("staff-member-3", id = member)));
        }
        // Checked first (a planted record is named, not removed); then every
        // record goes, those of factors withdrawn earlier with them.
        self.vault.checked_second_factors(member)?;
        let mut batch = Batch::new();
        for (k, _) in self
            .vault
            .store
            .scan_prefix(&layout::second_factor_prefix(member))?
        {
            batch.remove(k);
        }
        let fact = Fact::SecondFactorReset {
            member: member.to_string(),
        };
        self.vault.commit_audited(
            self.draft(ACTION_RESET)
                .target(member)
                .fact(fact.to_json()?, self.fact_signer()),
            batch,
        )?;
        // The member's sessions end (`ensure_current`), but for this one when
        // a manager reset their own.
        if member == self.me.id {
            self.second_factor_withdrawals += 1;
        }
        Ok(())
    }
}

impl Session<'_> {
    /// The member's passkeys, as the register vouches for them.
    fn checked_passkeys(&self) -> Result<Vec<(String, Passkey)>> {
        Ok(self
            .vault
            .checked_second_factors(&self.me.id)?
            .into_iter()
            .filter_map(|f| match f.record {
                Stored::Passkey(pk) => Some((f.id, *pk)),
                Stored::Totp(_) => None,
            })
            .collect())
    }

    /// Starts the registration of a new passkey (a member may have several):
    /// the options for the browser, and the ceremony's state, to keep in
    /// memory until [`Session::enrol_passkey`]. The member's passkeys
    /// already enrolled are excluded (an authenticator is enrolled once).
    pub fn begin_passkey_enrolment(&self, rp: &RelyingParty) -> Result<PasskeyEnrolment> {
        let _turn = self.ensure_current()?;
        let existing: Vec<_> = self
            .checked_passkeys()?
            .iter()
            .map(|(_, pk)| pk.cred_id().clone())
            .collect();
        let handle = user_handle(&self.vault.meta.vault_id, &self.me.id);
        let (options, state) =
            rp.0.start_passkey_registration(handle, &self.me.id, &self.me.id, Some(existing))
                .map_err(|_| Error::Usage(msg!("second-factor-cannot-encode")))?;
        let options = serde_json::to_string(&options)
            .map_err(|_| Error::Usage(msg!("second-factor-cannot-encode")))?;
        Ok(PasskeyEnrolment {
            id: format!("passkey-{}", hex::encode(random_bytes::<4>()?)),
            options,
            state,
        })
    }

    /// Enrols the passkey the browser made for `e` (`credential`: the
    /// `PublicKeyCredential` as JSON), once the library has checked it
    /// (origin, RP id, challenge, user verification): the record and the
    /// `second-factor` fact the member signs, in one durable change.
    /// Errors: [`Error::Auth`] (exit 4, audited) for a credential refused.
    pub fn enrol_passkey(
        &mut self,
        rp: &RelyingParty,
        e: &PasskeyEnrolment,
        credential: &str,
    ) -> Result<()> {
        let _turn = self.ensure_current()?;
        let made = serde_json::from_str::<RegisterPublicKeyCredential>(credential)
            .ok()
            .and_then(|c| rp.0.finish_passkey_registration(&c, &e.state).ok());
        let Some(passkey) = made else {
            self.vault.audit(
                self.draft(ACTION_ENROL)
                    .target(&e.id)
                    .outcome(Outcome::Failed)
                    .detail("passkey refused"),
            )?;
            return Err(Error::Auth(msg!("second-factor-passkey-refused")));
        };
        let vault_id = self.vault.meta.vault_id.clone();
        let member = self.me.id.clone();
        let record = PasskeyRecord {
            member: member.clone(),
            id: e.id.clone(),
            factor: KIND_PASSKEY.into(),
            passkey: serde_json::to_string(&passkey)
                .map_err(|_| Error::Usage(msg!("second-factor-cannot-encode")))?,
        };
        let bytes = encode(&record)?;
        let fact = Fact::SecondFactor {
            member: member.clone(),
            id: e.id.clone(),
            factor: KIND_PASSKEY.into(),
            commitment: second_factor_commitment(&vault_id, &member, &e.id, KIND_PASSKEY, &bytes),
        };
        let mut batch = Batch::new();
        batch.put(layout::second_factor(&member, &e.id), bytes);
        self.vault.commit_audited(
            self.draft(ACTION_ENROL)
                .target(&e.id)
                .detail("passkey")
                .fact(fact.to_json()?, self.fact_signer()),
            batch,
        )?;
        Ok(())
    }

    /// A challenge for this member's passkeys (`None`: they have none), to
    /// keep in memory until [`Session::check_passkey`].
    pub fn begin_passkey_check(&self, rp: &RelyingParty) -> Result<Option<PasskeyChallenge>> {
        let _turn = self.ensure_current()?;
        let keys: Vec<Passkey> = self
            .checked_passkeys()?
            .into_iter()
            .map(|(_, k)| k)
            .collect();
        if keys.is_empty() {
            return Ok(None);
        }
        let (options, state) =
            rp.0.start_passkey_authentication(&keys)
                .map_err(|_| Error::Usage(msg!("second-factor-cannot-encode")))?;
        let options = serde_json::to_string(&options)
            .map_err(|_| Error::Usage(msg!("second-factor-cannot-encode")))?;
        Ok(Some(PasskeyChallenge { options, state }))
    }

    /// Checks the browser's answer to `c` (`credential`: the
    /// `PublicKeyCredential` as JSON) against the member's passkeys: the
    /// library checks the signature, origin, RP id, challenge and user
    /// verification; a signature counter no later than the last one accepted
    /// (the log's `passkey counter N`) marks a cloned authenticator and is
    /// refused (counters of 0 are not checked). Every attempt is an
    /// `auth.second-factor` line. Errors: [`Error::Auth`] (exit 4) for an
    /// answer refused; [`Error::Integrity`] (exit 5) for a factor the
    /// register does not commit.
    pub fn check_passkey(
        &mut self,
        rp: &RelyingParty,
        c: &PasskeyChallenge,
        credential: &str,
    ) -> Result<Accepted> {
        // As for a code: the turn, then this process's exclusion, held from
        // reading the last counter to appending this check's line, so two
        // answers with the same counter at once (a key and its clone) see
        // each other's line.
        let _turn = self.ensure_current()?;
        let _one_at_a_time = self
            .vault
            .second_factor_lock
            .lock()
            .map_err(|_| Error::Io(msg!("second-factor-lock-poisoned")))?;
        let member = self.me.id.clone();
        let factors = self.vault.checked_second_factors(&member)?;
        let answer = serde_json::from_str::<PublicKeyCredential>(credential).ok();
        let checked = answer
            .as_ref()
            .map(|a| rp.0.finish_passkey_authentication(a, &c.state));
        if let Some(Err(WebauthnError::CredentialPossibleCompromise)) = checked {
            // The library's own check: a counter not above the one stored
            // at enrolment (a copy of the key made before its first use).
            let target = answer.as_ref().and_then(|a| {
                factors.iter().find(|f| {
                    matches!(&f.record, Stored::Passkey(pk) if pk.cred_id()[..] == a.raw_id[..])
                })
            });
            let mut draft = self
                .draft(ACTION_CHECK)
                .outcome(Outcome::Failed)
                .detail(DETAIL_COUNTER_BACK);
            if let Some(f) = target {
                draft = draft.target(&f.id);
            }
            self.vault.audit(draft)?;
            return Err(Error::Auth(msg!("second-factor-passkey-counter")));
        }
        let found = checked.and_then(|r| r.ok()).and_then(|res| {
            factors
                .iter()
                .find(|f| matches!(&f.record, Stored::Passkey(pk) if pk.cred_id() == res.cred_id()))
                .map(|f| (f, res.counter()))
        });
        let Some((f, counter)) = found else {
            self.vault.audit(
                self.draft(ACTION_CHECK)
                    .outcome(Outcome::Failed)
                    .detail("passkey refused"),
            )?;
            return Err(Error::Auth(msg!("second-factor-passkey-refused")));
        };
        let draft = |a: &str| self.draft(a);
        let (used, batch) = self.holder(&draft).uses_and_cache(&factors)?;
        let last = used.get(&f.id).and_then(|u| u.last_step).unwrap_or(0);
        if counter_went_back(counter, last) {
            self.vault.audit(
                self.draft(ACTION_CHECK)
                    .target(&f.id)
                    .outcome(Outcome::Failed)
                    .detail(DETAIL_COUNTER_BACK),
            )?;
            return Err(Error::Auth(msg!("second-factor-passkey-counter")));
        }
        self.vault.commit_audited(
            self.draft(ACTION_CHECK)
                .target(&f.id)
                .detail(&format!("passkey counter {counter}")),
            batch,
        )?;
        Ok(Accepted::Passkey { counter })
    }
}

impl crate::vault::person::session::PersonSession<'_> {
    fn person_draft(&self, action: &str) -> crate::audit::Draft {
        crate::audit::Draft::new(&self.actor(), "person", action).dossier(&self.dossier)
    }

    /// The holder of the person's own factors.
    fn person_holder<'a>(
        &'a self,
        draft: &'a dyn Fn(&str) -> crate::audit::Draft,
        signer: Option<(String, crate::audit::FactSigner)>,
    ) -> Holder<'a> {
        Holder {
            vault: self.vault,
            owner: Owner::Person(&self.dossier),
            identity: &self.identity,
            recipient: self.identity.recipient(),
            draft,
            signer,
        }
    }

    /// The person's own second factors, and whether a member reset them
    /// (`docs/second-factor.md`). Errors: [`Error::Integrity`] (exit 5)
    /// naming a `psf/` record the register does not commit.
    pub fn second_factor_status(&self) -> Result<SecondFactorStatus> {
        let _turn = self.ensure_current()?;
        let factors = self.vault.checked_person_second_factors(&self.dossier)?;
        let reset = self.vault.with_register(|r| {
            Ok(r.dossiers
                .get(&self.dossier)
                .is_some_and(|d| d.person_second_factor_reset))
        })?;
        Ok(SecondFactorStatus {
            enrolled: factors
                .iter()
                .map(|f| (f.id.clone(), f.entry.kind.clone()))
                .collect(),
            reset,
        })
    }

    /// A new TOTP secret and ten recovery codes for the person, kept in
    /// memory until [`PersonSession::enrol_totp`].
    pub fn begin_totp_enrolment(&self) -> Result<TotpEnrolment> {
        let _turn = self.ensure_current()?;
        let draft = |a: &str| self.person_draft(a);
        self.person_holder(&draft, None).begin_totp()
    }

    /// Enrols `e` once `code` proves the person's app holds the secret: the
    /// record `psf/{dossier}/{id}` sealed to their credential, and the
    /// `second-factor` fact (member `person:{dossier}`) they sign, in one
    /// durable change. Errors: [`Error::Auth`] (exit 4, audited) for a wrong code.
    pub fn enrol_totp(&self, e: &TotpEnrolment, code: &str) -> Result<()> {
        let _turn = self.ensure_current()?;
        let draft = |a: &str| self.person_draft(a);
        self.person_holder(&draft, Some(self.signer()?))
            .enrol_totp(e, code)
    }

    /// Checks a one-time code or a recovery code against the person's
    /// factors: each accepted once, every attempt an `auth.second-factor`
    /// line of `person.{dossier}` (as [`Session::check_second_factor`]).
    /// Errors: [`Error::Auth`] (exit 4) for a wrong or reused code;
    /// [`Error::Integrity`] (exit 5) for a factor the register does not commit.
    pub fn check_second_factor(&self, code: &str) -> Result<Accepted> {
        let _turn = self.ensure_current()?;
        let _one_at_a_time = self
            .vault
            .second_factor_lock
            .lock()
            .map_err(|_| Error::Io(msg!("second-factor-lock-poisoned")))?;
        let factors = self.vault.checked_person_second_factors(&self.dossier)?;
        let draft = |a: &str| self.person_draft(a);
        self.person_holder(&draft, None).check_code(factors, code)
    }

    /// Removes one of the person's own factors (`second-factor-removed`,
    /// signed by them). Their other sessions end; this one goes on.
    pub fn remove_second_factor(&self, id: &str) -> Result<()> {
        let _turn = self.ensure_current()?;
        layout::check_id("second factor", id)?;
        let factors = self.vault.checked_person_second_factors(&self.dossier)?;
        if !factors.iter().any(|f| f.id == id) {
            return Err(Error::NotFound(msg!("second-factor-unknown", id = id)));
        }
        let owner = Owner::Person(&self.dossier);
        let fact = Fact::SecondFactorRemoved {
            member: owner.principal(),
            id: id.to_string(),
        };
        let mut batch = Batch::new();
        batch.remove(owner.record_key(id));
        self.vault.commit_audited(
            self.person_draft(ACTION_REMOVE)
                .target(id)
                .fact(fact.to_json()?, Some(self.signer()?)),
            batch,
        )?;
        self.second_factor_withdrawals
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}

impl Session<'_> {
    /// A member who may manage the person's rights (`person-access`)
    /// withdraws every second factor of the person of `dossier`
    /// (`second-factor-reset`, member `person:{dossier}`): after a lost
    /// phone and lost recovery codes, the person logs in with their
    /// passphrase and enrols again. Their open sessions end. Errors:
    /// [`Error::Refused`] without the capability (audited),
    /// [`Error::NotFound`] when the dossier has no personal access,
    /// [`Error::Integrity`] for a planted factor record (named, not removed).
    pub fn reset_person_second_factor(&mut self, dossier: &str) -> Result<()> {
        let _turn = self.ensure_current()?;
        layout::check_id("dossier", dossier)?;
        self.require(Capability::PersonAccess, ACTION_RESET_PERSON, Some(dossier))?;
        let has_access = self.vault.with_register(|r| {
            Ok(r.dossiers
                .get(dossier)
                .is_some_and(|d| !d.erased && d.person.is_some()))
        })?;
        if !has_access {
            return Err(Error::NotFound(msg!(
                "second-factor-person-none",
                dossier = dossier
            )));
        }
        self.vault.checked_person_second_factors(dossier)?;
        let owner = Owner::Person(dossier);
        let mut batch = Batch::new();
        for (k, _) in self.vault.store.scan_prefix(&owner.prefix())? {
            batch.remove(k);
        }
        let fact = Fact::SecondFactorReset {
            member: owner.principal(),
        };
        self.vault.commit_audited(
            self.draft(ACTION_RESET_PERSON)
                .dossier(dossier)
                .target(&owner.principal())
                .fact(fact.to_json()?, self.fact_signer()),
            batch,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_ten_letters_read_without_their_dash() {
        let c = new_recovery_code().unwrap();
        assert_eq!(c.len(), RECOVERY_LEN + 1);
        assert_eq!(&c[5..6], "-");
        assert_eq!(normalise(&c.to_uppercase()).len(), RECOVERY_LEN);
        assert_ne!(
            recovery_hash("v", "a", &normalise(&c)),
            recovery_hash("v", "b", &normalise(&c)),
            "bound to the member"
        );
    }

    #[test]
    fn the_relying_party_is_a_name_with_its_origins() {
        assert!(RelyingParty::new("localhost", &["http://localhost:8080".into()]).is_ok());
        assert!(
            RelyingParty::new("coffre.example.fr", &["https://coffre.example.fr".into()]).is_ok()
        );
        // An origin outside the RP id, or an IP address: refused.
        assert!(
            RelyingParty::new("coffre.example.fr", &["https://coffre-example.fr".into()]).is_err()
        );
        assert!(RelyingParty::new("127.0.0.1", &["http://127.0.0.1:8080".into()]).is_err());
        // Plain http only on the loopback.
        let http = RelyingParty::new(
            "coffre.example.fr",
            &[
                "https://coffre.example.fr".into(),
                "http://coffre.example.fr:8080".into(),
            ],
        );
        match http {
            Err(Error::Usage(m)) => assert!(
                crate::i18n::render(&m, crate::i18n::Lang::En)
                    .contains("http://coffre.example.fr:8080"),
                "{m:?}"
            ),
            other => panic!("{other:?}"),
        }
        assert!(
            RelyingParty::new("coffre.example.fr", &["ftp://coffre.example.fr".into()]).is_err()
        );
        assert_ne!(user_handle("v", "a"), user_handle("v", "b"));
    }

    #[test]
    fn a_passkey_counter_must_go_up_unless_the_key_keeps_none() {
        assert!(!counter_went_back(0, 0), "a key that keeps no counter");
        assert!(!counter_went_back(0, 0) && !counter_went_back(1, 0));
        assert!(!counter_went_back(8, 7));
        assert!(counter_went_back(7, 7), "the same counter twice");
        assert!(counter_went_back(6, 7));
        assert!(counter_went_back(0, 7), "a counter that stops counting");
    }

    #[test]
    fn the_enrolment_shows_nothing_in_debug() {
        let e = TotpEnrolment {
            id: "totp-1".into(),
            account: "a".into(),
            secret: Zeroizing::new(vec![7; 20]),
            recovery: vec![Zeroizing::new("abcde-fghjk".into())],
        };
        let shown = format!("{e:?}");
        assert!(!shown.contains("abcde"), "{shown}");
        assert!(
            !shown.contains(&*e.secret_base32().replace(' ', "")),
            "{shown}"
        );
        let uri = e.uri().unwrap();
        assert!(uri.starts_with("otpauth://totp/"), "{}", &*uri);
    }
}
