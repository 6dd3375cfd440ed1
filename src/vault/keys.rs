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
    String::from_utf8(plain.to_vec())
        .map_err(|_| Error::Integrity("a staff name is not text".into()))
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
