//! Offline verification of a vault's audit log: every entry, every link, every
//! checkpoint signature, the Merkle root at every checkpoint, the state recorded in
//! the store and — given an earlier checkpoint kept off the machine — a consistency
//! proof that today's log extends it. Needs no secret: only public keys.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::checkpoint::Checkpoint;
use super::entry::genesis;
use super::log::LogState;
use super::merkle::{consistency_proof, verify_consistency, Hash, Tree};
use crate::error::{Error, Result};

/// What verification needs besides the log file.
#[derive(Debug)]
pub struct VerifyInput<'a> {
    /// The vault id.
    pub vault_id: &'a str,
    /// The signed checkpoints, oldest first.
    pub checkpoints: &'a [Checkpoint],
    /// Each staff member's checkpoint-signing public key.
    pub signers: &'a HashMap<String, [u8; 32]>,
    /// The state the store recorded, if available.
    pub recorded: Option<&'a LogState>,
    /// An earlier checkpoint the log must extend.
    pub since: Option<&'a Checkpoint>,
}

/// What a successful verification found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifySummary {
    /// Number of entries.
    pub entries: u64,
    /// Merkle root of all entries.
    pub root: Hash,
    /// Number of checkpoints verified.
    pub checkpoints: usize,
    /// Entries covered by the latest checkpoint.
    pub signed: u64,
    /// With `since`: its size and the length of the consistency proof checked.
    pub since: Option<(u64, usize)>,
}

fn describe(i: usize, c: &Checkpoint) -> String {
    format!(
        "checkpoint #{} (size {}, signed by {} at {})",
        i + 1,
        c.size,
        c.signer,
        c.time
    )
}

fn check_checkpoint(i: usize, c: &Checkpoint, input: &VerifyInput<'_>) -> Result<()> {
    if c.vault != input.vault_id {
        return Err(Error::Integrity(format!(
            "{} belongs to another vault",
            describe(i, c)
        )));
    }
    if !c.signature_valid() {
        return Err(Error::Integrity(format!(
            "{}: the signature is invalid",
            describe(i, c)
        )));
    }
    if input.signers.get(&c.signer) != Some(&c.key) {
        return Err(Error::Integrity(format!(
            "{}: signed with a key that is not {}'s checkpoint key",
            describe(i, c),
            c.signer
        )));
    }
    Ok(())
}

/// Verifies the log at `path`. The first failure is an [`Error::Integrity`] that
/// names the entry or checkpoint concerned.
pub fn verify(path: &Path, input: &VerifyInput<'_>) -> Result<VerifySummary> {
    for (i, c) in input.checkpoints.iter().enumerate() {
        check_checkpoint(i, c, input)?;
        if i > 0 && c.size < input.checkpoints[i - 1].size {
            return Err(Error::Integrity(format!(
                "{} goes back from {} entries: checkpoints were reordered or the log rewritten",
                describe(i, c),
                input.checkpoints[i - 1].size
            )));
        }
    }
    if let Some(s) = input.since {
        if s.vault != input.vault_id {
            return Err(Error::Integrity(
                "the given checkpoint belongs to another vault".into(),
            ));
        }
        if !s.signature_valid() {
            return Err(Error::Integrity(
                "the given checkpoint's signature is invalid".into(),
            ));
        }
    }
    let file = File::open(path).map_err(|e| Error::io("cannot read the audit log", e))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut tree = Tree::new();
    let mut prev = genesis(input.vault_id);
    let mut leaves: Vec<Hash> = Vec::new();
    let keep_leaves = input.since.is_some();
    let mut next_cp = 0usize;
    let mut line = Vec::with_capacity(1024);
    let mut since_root_ok = input.since.is_some_and(|s| s.size == 0);
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::io("cannot read the audit log", e))?;
        if n == 0 {
            break;
        }
        let seq = tree.size() + 1;
        if line.last() != Some(&b'\n') {
            return Err(Error::Integrity(format!(
                "audit entry {seq} is incomplete (an interrupted write; opening the vault repairs it)"
            )));
        }
        line.pop();
        let leaf = super::log::check_link_pub(&line, seq, &prev)?;
        tree.push(leaf);
        prev = leaf;
        if keep_leaves {
            leaves.push(leaf);
        }
        while let Some(c) = input.checkpoints.get(next_cp) {
            if c.size != tree.size() {
                break;
            }
            if c.root != tree.root() {
                let from = if next_cp == 0 {
                    1
                } else {
                    input.checkpoints[next_cp - 1].size + 1
                };
                return Err(Error::Integrity(format!(
                    "entries {from} to {} do not match the root signed in {}: entry {} or the order of entries was altered",
                    c.size,
                    describe(next_cp, c),
                    c.size
                )));
            }
            next_cp += 1;
        }
        if let Some(s) = input.since {
            if s.size == tree.size() {
                if s.root != tree.root() {
                    return Err(Error::Integrity(format!(
                        "today's log does not extend the given checkpoint (size {}, signed by {} at {}): entries up to {} were rewritten",
                        s.size, s.signer, s.time, s.size
                    )));
                }
                since_root_ok = true;
            }
        }
    }
    let entries = tree.size();
    if let Some(c) = input.checkpoints.get(next_cp) {
        return Err(Error::Integrity(format!(
            "the log has {entries} entries but {} covers {}: entries were cut off the end",
            describe(next_cp, c),
            c.size
        )));
    }
    if let Some(r) = input.recorded {
        if r.size > entries {
            return Err(Error::Integrity(format!(
                "the log has {entries} entries but the store recorded {}: entries were cut off the end",
                r.size
            )));
        }
    }
    let root = tree.root();
    let since = match input.since {
        None => None,
        Some(s) => {
            if s.size > entries {
                return Err(Error::Integrity(format!(
                    "the log has {entries} entries but the given checkpoint (signed by {} at {}) covers {}: entries were cut off or the log replaced",
                    s.signer, s.time, s.size
                )));
            }
            let proof = if s.size == 0 {
                Vec::new()
            } else {
                consistency_proof(s.size as usize, &leaves).unwrap_or_default()
            };
            if !since_root_ok
                || (s.size > 0 && !verify_consistency(s.size, entries, &s.root, &root, &proof))
            {
                return Err(Error::Integrity(
                    "the consistency proof between the given checkpoint and today's log fails"
                        .into(),
                ));
            }
            Some((s.size, proof.len()))
        }
    };
    Ok(VerifySummary {
        entries,
        root,
        checkpoints: input.checkpoints.len(),
        signed: input.checkpoints.last().map_or(0, |c| c.size),
        since,
    })
}
