//! A member's own anchor: the register their coffre verified last time, sealed
//! with a key only their identity gives, so that the next unlock verifies only
//! the lines written since instead of the whole log.
//!
//! Stored at `ra/{holder}`: postcard of [`Verified`], then HMAC-SHA256 (32 bytes)
//! over it under `HKDF-SHA256(salt "coffre/rights-anchor/v2", IKM = the identity's
//! secret text, info = vault id)`. The salt's version is the form's: postcard
//! is not self-describing, so a register with new members (v2: the withdrawn
//! second factors) is sealed under a new key, and an older anchor, which no
//! longer opens, only makes the next unlock verify from the genesis. Someone without the identity cannot make an
//! anchor its holder accepts. The anchored line is checked against the log
//! (same leaf hash at the same place): since every line links to the one before,
//! an unchanged last line means an unchanged log up to it.
//!
//! The holder can forge their own anchor; that fools only their own coffre, which
//! they could as well replace: the limit stated in `docs/threat-model.md`. Grants
//! and every decision about other members are made by *their* coffre on *their*
//! verified register.

use std::io::{Read, Seek, SeekFrom};

use ring::{hkdf, hmac};
use zeroize::Zeroizing;

use super::replay::Verified;
use crate::audit::prune::line_leaf;
use crate::error::{Error, Result};
use crate::store::records::{decode, encode};

/// The key that seals a holder's anchor.
pub struct AnchorKey(hmac::Key);

impl std::fmt::Debug for AnchorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnchorKey").finish_non_exhaustive()
    }
}

impl AnchorKey {
    /// Derives the key from an identity's secret text.
    pub fn derive(identity_secret: &[u8], vault_id: &str) -> Result<Self> {
        let prk =
            hkdf::Salt::new(hkdf::HKDF_SHA256, b"coffre/rights-anchor/v2").extract(identity_secret);
        let info = [vault_id.as_bytes()];
        let okm = prk
            .expand(&info, hkdf::HKDF_SHA256)
            .map_err(|_| Error::Io(msg!("key-derivation-failed")))?;
        let mut bytes = Zeroizing::new([0u8; 32]);
        okm.fill(&mut bytes[..])
            .map_err(|_| Error::Io(msg!("key-derivation-failed")))?;
        Ok(AnchorKey(hmac::Key::new(hmac::HMAC_SHA256, &bytes[..])))
    }

    /// The sealed record of `v`.
    pub fn seal(&self, v: &Verified) -> Result<Vec<u8>> {
        let mut bytes = encode(v)?;
        let tag = hmac::sign(&self.0, &bytes);
        bytes.extend_from_slice(tag.as_ref());
        Ok(bytes)
    }

    /// Opens a sealed record, and checks that the line it ends on is still in
    /// the log at `log_path`, which is `log_end` bytes long. `Ok(None)` if it
    /// was not sealed by this key or is damaged (the caller verifies from the
    /// genesis); an integrity failure if it is genuine but the log no longer
    /// holds that line: entries were removed or rewritten behind the member.
    pub fn open(
        &self,
        sealed: &[u8],
        log: &dyn crate::store::medium::LogMedium,
        log_end: u64,
    ) -> Result<Option<Verified>> {
        let Some(cut) = sealed.len().checked_sub(32) else {
            return Ok(None);
        };
        if hmac::verify(&self.0, &sealed[..cut], &sealed[cut..]).is_err() {
            return Ok(None);
        }
        let Ok(mut v) = decode::<Verified>(&sealed[..cut], "rights anchor") else {
            return Ok(None);
        };
        if v.size == 0 {
            return Ok(Some(v));
        }
        let gone = || Error::Integrity(msg!("audit-log-longer-holds-entry-when", size = v.size));
        let len = v
            .offset
            .checked_sub(v.last_line)
            .and_then(|n| n.checked_sub(1))
            .filter(|n| *n as usize <= crate::audit::MAX_LINE && v.offset <= log_end)
            .ok_or_else(gone)? as usize;
        let mut file = crate::store::medium::reader(log);
        let mut line = vec![0u8; len + 1];
        file.seek(SeekFrom::Start(v.last_line))
            .and_then(|_| file.read_exact(&mut line))
            .map_err(|_| gone())?;
        if line.pop() != Some(b'\n') || line_leaf(&line) != v.last_leaf {
            return Err(gone());
        }
        if crate::audit::prune::is_pruned(&line) {
            // Pruned since: the prune is checked at the catch-up that follows.
            v.prune_check = true;
        }
        Ok(Some(v))
    }
}
