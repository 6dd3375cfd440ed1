//! Key material and associated-data conventions shared by the vault's operations.
//! `docs/crypto.md` describes the same in prose. Public so that independent tools
//! (and tests below the policy layer) can rebuild the exact associated data.

use zeroize::Zeroizing;

use crate::crypto::key::random_bytes;
use crate::crypto::wrap::{self, Identity};
use crate::crypto::{envelope, Aad, Key32};
use crate::error::{Error, Result};
use crate::policy::VaultKey;

/// Holder name under which the recovery key's wraps are stored.
pub const RECOVERY_HOLDER: &str = "~recovery";

/// Fresh material for a vault key: 32 random bytes, or for the audit key the text
/// of a new `age` identity (so that anyone can encrypt justifications to it).
pub(crate) fn new_key_material(key: &VaultKey) -> Result<Zeroizing<Vec<u8>>> {
    match key {
        VaultKey::Audit => Ok(wrap::secret_bytes(&Identity::generate())),
        _ => Ok(Zeroizing::new(random_bytes::<32>()?.to_vec())),
    }
}

/// Associated data of a staff member's sealed display name.
fn staff_name_aad(vault_id: &str, staff_id: &str) -> Aad {
    Aad::new("coffre/staff-name/v1")
        .with(vault_id.as_bytes())
        .with(staff_id.as_bytes())
}

/// Seals a staff display name under the directory key.
pub(crate) fn seal_staff_name(
    dir_key: &Key32,
    vault_id: &str,
    staff_id: &str,
    name: &str,
) -> Result<Vec<u8>> {
    envelope::seal(
        dir_key,
        &staff_name_aad(vault_id, staff_id),
        name.as_bytes(),
    )
}

/// Opens a staff display name.
pub(crate) fn open_staff_name(
    dir_key: &Key32,
    vault_id: &str,
    staff_id: &str,
    sealed: &[u8],
) -> Result<String> {
    let plain = envelope::open(dir_key, &staff_name_aad(vault_id, staff_id), sealed)?;
    String::from_utf8(plain.to_vec()).map_err(|_| Error::Integrity(msg!("staff-name-text")))
}

/// Associated data of a data key sealed under a category key.
pub fn data_key_aad(vault_id: &str, dossier: &str, category: &str, gen: u32) -> Aad {
    Aad::new("coffre/data-key/v1")
        .with(vault_id.as_bytes())
        .with(dossier.as_bytes())
        .with(category.as_bytes())
        .with(&gen.to_be_bytes())
}

/// Associated data of one field value.
pub fn field_aad(
    vault_id: &str,
    dossier: &str,
    entry: &str,
    field: &str,
    version: u32,
    category: &str,
) -> Aad {
    Aad::new("coffre/field/v1")
        .with(vault_id.as_bytes())
        .with(dossier.as_bytes())
        .with(entry.as_bytes())
        .with(field.as_bytes())
        .with(&version.to_be_bytes())
        .with(category.as_bytes())
}

/// Associated data of a dossier's sealed header (name, birth date).
pub fn header_aad(vault_id: &str, dossier: &str) -> Aad {
    Aad::new("coffre/dossier-header/v1")
        .with(vault_id.as_bytes())
        .with(dossier.as_bytes())
}

fn hkdf(salt: &[u8], ikm: &[u8], info: &[&[u8]]) -> Result<Key32> {
    use ring::hkdf;
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm);
    let okm = prk
        .expand(info, hkdf::HKDF_SHA256)
        .map_err(|_| Error::Io(msg!("key-derivation-failed")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    okm.fill(&mut out[..])
        .map_err(|_| Error::Io(msg!("key-derivation-failed")))?;
    Key32::from_slice(&out[..])
}

/// The key that seals a shared category's data key for one dossier:
/// HKDF-SHA256(salt = the dossier's erasure key, IKM = the category key,
/// info = "coffre/data-key-wrap/v1" ‖ vault ‖ dossier ‖ category ‖ generation).
/// Destroying the erasure key makes every wrapped copy useless, even to someone
/// holding the category key (the recovery key included) and an old copy of the store.
pub fn category_wrap_key(
    erasure: &Key32,
    category_key: &Key32,
    vault_id: &str,
    dossier: &str,
    category: &str,
    gen: u32,
) -> Result<Key32> {
    hkdf(
        erasure.expose(),
        category_key.expose(),
        &[
            b"coffre/data-key-wrap/v1",
            vault_id.as_bytes(),
            dossier.as_bytes(),
            category.as_bytes(),
            &gen.to_be_bytes(),
        ],
    )
}

/// The key that seals a data key before it is wrapped with `age` to individuals
/// (the author of an author-only category, the person supported):
/// HKDF-SHA256(salt = the dossier's erasure key, IKM = "", info =
/// "coffre/data-key-personal/v1" ‖ vault ‖ dossier ‖ category ‖ label).
fn personal_seal_key(
    erasure: &Key32,
    vault_id: &str,
    dossier: &str,
    category: &str,
    label: &str,
) -> Result<Key32> {
    hkdf(
        erasure.expose(),
        b"",
        &[
            b"coffre/data-key-personal/v1",
            vault_id.as_bytes(),
            dossier.as_bytes(),
            category.as_bytes(),
            label.as_bytes(),
        ],
    )
}

fn personal_aad(vault_id: &str, dossier: &str, category: &str, label: &str) -> Aad {
    Aad::new("coffre/data-key-personal/v1")
        .with(vault_id.as_bytes())
        .with(dossier.as_bytes())
        .with(category.as_bytes())
        .with(label.as_bytes())
}

/// Wraps a data key for individuals: sealed under the erasure-bound key, then
/// `age`-encrypted to `recipients`. Both the erasure key and one identity are
/// needed to open it.
pub fn wrap_personal(
    dk: &Key32,
    recipients: &[&str],
    erasure: &Key32,
    vault_id: &str,
    dossier: &str,
    category: &str,
    label: &str,
) -> Result<Vec<u8>> {
    let k = personal_seal_key(erasure, vault_id, dossier, category, label)?;
    let inner = envelope::seal(
        &k,
        &personal_aad(vault_id, dossier, category, label),
        dk.expose(),
    )?;
    wrap::wrap(&inner, recipients)
}

/// Opens a [`wrap_personal`] wrap; `Ok(None)` if it is not addressed to `identity`.
pub fn unwrap_personal(
    wrapped: &[u8],
    identity: &Identity,
    erasure: &Key32,
    vault_id: &str,
    dossier: &str,
    category: &str,
    label: &str,
) -> Result<Option<Key32>> {
    let Some(inner) = wrap::unwrap(wrapped, identity)? else {
        return Ok(None);
    };
    let k = personal_seal_key(erasure, vault_id, dossier, category, label)?;
    let dk = envelope::open(
        &k,
        &personal_aad(vault_id, dossier, category, label),
        &inner,
    )?;
    Ok(Some(Key32::from_slice(&dk)?))
}
