//! Rebuilding the rights register from the audit log: every line from a trusted
//! point (the genesis, or a member's own anchor) to the end is read, its link to
//! the line before checked, and every fact it carries verified (signature under
//! a key the register introduced) and applied.

use std::io::{BufRead, BufReader, Seek, SeekFrom};

use ring::signature::{UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};

use super::fact::{hex32, Fact};
use super::state::{Context, Register};
use crate::audit::merkle::{leaf_hash, Hash};
use crate::audit::{signed_part, AuditEntry};
use crate::error::{Error, Result};
use crate::policy::Policy;

/// A register verified up to a point of the log.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Verified {
    /// The register as of entry `size`.
    pub register: Register,
    /// Entries covered.
    pub size: u64,
    /// Byte offset just after the last covered line.
    pub offset: u64,
    /// Byte offset of the last covered line.
    pub last_line: u64,
    /// Leaf hash of the last covered line (the chain's start when none).
    pub last_leaf: Hash,
    /// Leaf hash of the first line: the vault's genesis hash.
    pub genesis: Hash,
    /// Time of the last covered entry (Unix seconds).
    pub last_time: u64,
    /// Number of facts taken in (to tell whether the register changed).
    pub facts: u64,
    /// A pruned line or a prune fact was met since the last prune check (or a
    /// prune was under way then): the next [`Verified::catch_up`] checks every
    /// pruned line of the log against the prune facts. Pruned lines come
    /// before the fact that covers them, and a prune can cover lines before a
    /// member's anchor, so the check is made over the whole log, once the lines
    /// are read, not line by line.
    pub prune_check: bool,
}

impl Verified {
    /// Nothing verified yet: the log of vault `vault_id` before its first line.
    pub fn start(vault_id: &str) -> Self {
        Verified {
            register: Register::default(),
            size: 0,
            offset: 0,
            last_line: 0,
            last_leaf: crate::audit::genesis(vault_id),
            genesis: [0; 32],
            last_time: 0,
            facts: 0,
            prune_check: false,
        }
    }

    /// Takes in one line (without its newline) that follows the covered part,
    /// after checking its link to the line before (a pruned line's too).
    /// `trusted`: a line this process has just written (its signature is its
    /// own; the rules are still applied).
    pub fn take(&mut self, policy: &Policy, line: &[u8], trusted: bool) -> Result<()> {
        if crate::audit::prune::parse_pruned(line).is_none() {
            crate::audit::check_header(line, self.size + 1, &self.last_leaf)?;
        }
        self.take_linked(policy, line, &leaf_hash(line), trusted)
    }

    /// [`Verified::take`] of a line whose form, number and link to the line
    /// before were checked by the caller (`audit verify`, which checks every
    /// line in parallel), given its leaf hash: the fact it carries is
    /// verified and applied. A pruned line's own link is checked here.
    pub fn take_linked(
        &mut self,
        policy: &Policy,
        line: &[u8],
        leaf: &Hash,
        trusted: bool,
    ) -> Result<()> {
        let seq = self.size + 1;
        if let Some(p) = crate::audit::prune::parse_pruned(line) {
            // A pruned line carries no fact, but keeps its link to the line
            // before (so a fact before it cannot be swapped for another line);
            // whether a prune fact covers it, and vouches for its `prev` and
            // leaf, is checked once the log is read ([`Verified::catch_up`]).
            crate::audit::pruned_link(&p, seq, &self.last_leaf)?;
            let leaf = p.leaf;
            self.prune_check = true;
            self.last_line = self.offset;
            self.offset += line.len() as u64 + 1;
            self.size = seq;
            self.last_leaf = leaf;
            return Ok(());
        }
        let leaf = *leaf;
        if crate::audit::line::starts_as_fact(line) {
            let time = self.apply_fact_line(policy, line, seq, trusted)?;
            self.last_time = time;
            self.facts += 1;
        } else if seq == 1 {
            return Err(Error::Io(msg!(
                "vault-created-earlier-version-coffre-whose"
            )));
        }
        if seq == 1 {
            self.genesis = leaf;
        }
        self.last_line = self.offset;
        self.offset += line.len() as u64 + 1;
        self.size = seq;
        self.last_leaf = leaf;
        Ok(())
    }

    fn apply_fact_line(
        &mut self,
        policy: &Policy,
        line: &[u8],
        seq: u64,
        trusted: bool,
    ) -> Result<u64> {
        let place = format!("entry {seq}");
        let entry = AuditEntry::from_line(line, &place)?;
        let time = entry
            .time
            .parse::<jiff::Timestamp>()
            .map_err(|_| Error::Integrity(msg!("audit-time-valid", place = place)))?
            .as_second()
            .max(0) as u64;
        if !crate::audit::line::carries_fact(entry.v) {
            return Ok(time);
        }
        let raw = entry
            .fact
            .as_ref()
            .ok_or_else(|| Error::Integrity(msg!("audit-fact", place = place)))?;
        let fact = Fact::parse(raw.get(), seq)?;
        if matches!(fact, Fact::Prune { .. }) {
            self.prune_check = true;
        }
        if let Some(signer) = &entry.signer {
            // A member signs only their own entries: the log names who did it
            // (`person:<dossier>` signs as the actor `person.<dossier>`; the
            // recovery key, for the member who used it).
            let own = signer == &entry.actor
                || signer == super::fact::RECOVERY_SIGNER
                || signer
                    .strip_prefix(super::fact::PERSON_SIGNER_PREFIX)
                    .is_some_and(|d| entry.actor == crate::vault::person::session::person_actor(d));
            if !own {
                return Err(Error::Integrity(msg!(
                    "audit-signed-names-actor-log-forged",
                    place = place,
                    signer = signer,
                    actor = entry.actor
                )));
            }
            if !trusted {
                let key = match &fact {
                    Fact::Genesis { admin, .. } if seq == 1 => hex32(&admin.key, "a signing key")?,
                    _ => self.register.signer_key(signer).ok_or_else(|| {
                        Error::Integrity(msg!(
                            "audit-signed-who-holds-signing-key",
                            place = place,
                            signer = signer
                        ))
                    })?,
                };
                let sig = entry
                    .sig
                    .as_deref()
                    .and_then(|s| hex::decode(s).ok())
                    .unwrap_or_default();
                let signed = signed_part(line).unwrap_or_default();
                UnparsedPublicKey::new(&ED25519, &key)
                    .verify(&signed, &sig)
                    .map_err(|_| {
                        Error::Integrity(msg!(
                            "audit-signature-fact-does-verify-entry",
                            place = place
                        ))
                    })?;
            }
        }
        let ctx = Context {
            seq,
            time,
            signer: entry.signer.as_deref(),
        };
        self.register.apply(policy, &fact, &ctx)?;
        Ok(time)
    }

    /// Reads and takes in every line of `path` from the covered end up to byte
    /// `end` (the log's recorded end).
    pub fn catch_up(
        &mut self,
        policy: &Policy,
        log: &dyn crate::store::medium::LogMedium,
        end: u64,
    ) -> Result<()> {
        if end <= self.offset && !self.prune_check {
            return Ok(());
        }
        let io = |e| Error::io(msg!("cannot-read-audit-log"), e);
        let mut file = crate::store::medium::reader(log);
        file.seek(SeekFrom::Start(self.offset)).map_err(io)?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut line = Vec::with_capacity(1024);
        while self.offset < end {
            line.clear();
            let n = reader.read_until(b'\n', &mut line).map_err(io)?;
            if n == 0 || line.last() != Some(&b'\n') {
                return Err(Error::Integrity(msg!(
                    "audit-log-ends-entry-before-recorded",
                    size = self.size
                )));
            }
            line.pop();
            self.take(policy, &line, false)?;
        }
        if self.prune_check {
            let found = crate::audit::prune::check_log(log, end)?;
            // A prune under way is checked again once it completes.
            self.prune_check = found.prunes.iter().any(|p| p.in_progress);
        }
        Ok(())
    }
}

/// Verifies the whole log at `path` from its genesis: every complete line
/// (a torn last line is left to the log's own checks).
pub fn from_genesis(
    policy: &Policy,
    vault_id: &str,
    log: &dyn crate::store::medium::LogMedium,
) -> Result<Verified> {
    let len = log.len()?;
    let mut end = len;
    if len > 0 {
        // Up to the last newline.
        use std::io::Read;
        let mut f = crate::store::medium::reader(log);
        let from = len.saturating_sub(crate::audit::MAX_LINE as u64 + 1);
        f.seek(SeekFrom::Start(from))
            .map_err(|e| Error::io(msg!("cannot-read-audit-log"), e))?;
        let mut tail = Vec::new();
        f.read_to_end(&mut tail)
            .map_err(|e| Error::io(msg!("cannot-read-audit-log"), e))?;
        end = match tail.iter().rposition(|b| *b == b'\n') {
            Some(i) => from + i as u64 + 1,
            None => 0,
        };
    }
    let mut v = Verified::start(vault_id);
    v.catch_up(policy, log, end)?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsigned_first_line_is_an_old_vault() {
        let policy = crate::policy::parse(crate::policy::DEFAULT_POLICY, "default.toml").unwrap();
        let mut v = Verified::start("00");
        let prev = hex::encode(crate::audit::genesis("00"));
        let line = format!(
            "{{\"v\":2,\"seq\":1,\"prev\":\"{prev}\",\"time\":\"2026-01-01T00:00:00Z\",\"actor\":\"a\",\"profession\":\"directeur\",\"action\":\"vault.init\",\"dossier\":null,\"entry\":null,\"target\":null,\"categories\":[],\"outcome\":\"ok\",\"break_glass\":false,\"detail\":null,\"justification\":null,\"nonce\":\"00112233445566778899aabbccddeeff\"}}"
        );
        let err = v.take(&policy, line.as_bytes(), false).unwrap_err();
        assert!(
            err.in_lang(crate::i18n::Lang::En)
                .contains("earlier version"),
            "{err}"
        );
        assert_eq!(err.exit_code(), 1, "not reported as tampering");
    }
}
