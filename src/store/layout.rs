//! Key layout of the store: one function per kind of record, so the whole
//! namespace can be read in one place, with what each record is worth.
//!
//! The signed rights register (the facts of the audit log, `crate::rights`)
//! is the only source of truth. Every record below has exactly one status:
//!
//! - **vouched for**: a signed fact commits to it (or to what it says); it is
//!   compared with the register where it is read, through the accessor named,
//!   and a record that disagrees is an integrity failure naming it (exit 5);
//! - **derived**: rebuilt from the register or from vouched records, never
//!   trusted on its own;
//! - **decides nothing**: read for display or as a hint, with the reason it
//!   cannot change a decision.
//!
//! `docs/crypto.md` ("What each record is worth") gives the same table with
//! the attacks each check answers.
//!
//! | prefix | record | status | by what, checked where |
//! |---|---|---|---|
//! | `meta` | [`VaultMeta`](super::records::VaultMeta) | vouched for | the genesis fact: vault id, policy fingerprint, recovery recipient, KDF at or above the floor (`Vault::check_settings`, at every unlock). Its `key_gens` and `audit_recipient` are read by nothing (the register's); `establishment_sealed` decides nothing (a name shown, sealed under the directory key) |
//! | `s/{staff}` | staff member | vouched for | `staff` facts: profession, status, recipient, signing key; `passphrase` facts: the passphrase material (`Vault::staff_record`, `Vault::all_staff`: the record must be its key's member and agree with the register; a refused unlock checks it against the register before blaming the passphrase). `name_sealed` decides nothing (shown; sealed with the member's id as AAD) |
//! | `w/{key}/{gen}/{holder}` | a vault key wrapped with age | vouched for | `genesis`/`key` facts commit to each generation's material; an unwrapped key is refused unless it matches (`Session::vault_key_material_gen`). Who receives a wrap is decided by `Register::may_hold`; a deleted wrap is an undelivered grant (shown "pending", wrapped again by the next holder's session, audited `key.grant`); a member who joins after a rotation also receives the earlier generations a holder has |
//! | `kg/{key}`, `kr/{key}`, `ar` | (older vaults) generation, pending rotation, audit recipient | decides nothing | read by nothing: the generation is the number of commitments the register holds (`Vault::key_gen`), pending rotations are `Register::rotations`, the audit recipient the register's |
//! | `es` | the establishment's name, re-sealed after a directory-key rotation | decides nothing | shown; sealed under the directory key |
//! | `d/{dossier}` | dossier | vouched for | `dossier`, `closed` (with its retention rule) and `erased` facts (`Vault::dossier_record`, `Vault::all_dossiers`: the record must be its key's dossier and agree with the register, and every dossier the register holds must have one; retention reads the rule from the register). A header that does not open under the dossier's identity key names `d/`. `header_sealed` is content, sealed under the dossier's identity data key with the dossier as AAD |
//! | `t/{dossier}/{staff}` | care-team membership | vouched for | `team` facts (`Vault::in_team` compares both) |
//! | `dk/{dossier}/{category}/{author or *}` | wrapped data key | vouched for | `data-key` facts commit to the record's SHA-256 (`Vault::check_data_key`); the categories a dossier holds, for retention, are the register's |
//! | `de/{dossier}/{entry}` | entry header (kind, author, time, latest version) | vouched for | `content` facts: the entry's element (header and every version's shape) must be one the register holds for the dossier (`Vault::checked_entry`, `Vault::checked_dossier`: the only way to a [`CheckedEntry`](crate::vault::records::reader::CheckedEntry)) |
//! | `e/{entry}` | the dossier an entry is in (older vaults: a copy of the header) | decides nothing | a locator: the entry is then read from `de/` under that dossier and checked there; access is decided by the register for that dossier. A locator removed or pointing to a dossier that does not hold the entry is named (`e/`) when another dossier holds it |
//! | `v/{dossier}/{entry}/{version}` | one version | vouched for | the version's shape is part of the entry's element (as `de/`); versions beyond `latest` are never read (`coffre check` reports them) |
//! | `dc/{dossier}/{entry}/{blob}/{index}` | one sealed chunk (64 KiB of plaintext) of a document version | vouched for | the version's `content` field (its manifest: size, chunk count, SHA-256 and `blob`) is committed by the author's `content` fact, as `v/`; each chunk is sealed under the version's content key (itself a committed field) with the dossier, entry, version, blob, position and last-chunk flag as AAD, and the digest is compared at the end of the stream (`Session::open_document`: a chunk missing, moved, replayed or re-sealed is exit 5 naming it). A read is audited as made only once the first and last chunks are found (`Vault::document_present`); a version whose chunks are gone is exit 5 naming the chunk and an `error` audit line. Chunks no committed manifest names decide nothing: an upload removes its own unless the version naming them is committed (`ChunkGuard`), and the commit looks its first and last chunks up under its turn; those a killed process left are reported by `coffre check` (`orphan_chunks`, only where every version of their entry opens or the register does not know the entry) and removed by `--sweep-chunks` |
//! | `i/{tag}/{dossier}`, `di/{dossier}/{tag}` | blind index and its reverse: each dossier's name tokens, their prefixes of 3 to 10 characters and random padding, a multiple of 48 tags (`crypto::blind::name_tags`) | decides nothing | a search hint: results are filtered by the register's reach before anything is shown; a padding tag is found by no search |
//! | `in` | the blind index's name normalisation (one byte; absent: 1; 3: with prefixes) | decides nothing | a wrong value only makes a search find less (no prefix below 3) or re-indexes once more (audited `index.rebuild`) |
//! | `p/{dossier}` | the person's credential | vouched for | `person` facts: recipient and signing key (`PersonSession` opens only the identity the register names) |
//! | `pk/{dossier}/{category}/{author or *}` | data keys wrapped to the person supported | vouched for | `person-keys` facts commit to the whole set of a dossier's wraps (`Vault::person_wraps`, the only way to a `PersonWraps`: a set that differs is an integrity failure naming `pk/{dossier}/…`; a set no fact covers yet, from an older vault, is read by nothing and wrapped anew by the next member who opens the dossier) |
//! | `jr/{dossier}/release`, `jr/{dossier}/e/{seq}` | the DPO's release of justifications, and each released copy | vouched for | `release` facts commit to the release record, which lists each copy's SHA-256 (`Vault::checked_release`, the only way to a `CheckedRelease`) |
//! | `ob/{dossier}/{category}/{profession}` | the person's objections | vouched for | `objection` facts (`Vault::check_objections`) |
//! | `bg/{dossier}/{staff}` | open break-glass window | vouched for | `break-glass` facts (the register's window is the one used; its `opened` and `audit_seq` are neither checked nor used nor shown) |
//! | `cs/{member}` | where the log ended at the member's last checkpoint | vouched for | signed with the member's key, in the checkpoint's durable step; checked at their next unlock and by `audit verify` |
//! | `sf/{member}/{id}` | a second factor: the TOTP secret `age`-encrypted to the member, the SHA-256 of each recovery code; or a passkey (its credential id and public key, as `webauthn-rs` serialises a `Passkey`) | vouched for | the member's `second-factor` fact commits to the record's bytes (SHA-256 with the vault, member, id and kind); `second-factor-removed`, `second-factor-reset` and a new identity (`staff` fact signed by the recovery key) withdraw it, and remove the record in the same change (`Vault::checked_second_factors`, the only way to a `CheckedSecondFactor`: a record decides something only while the register holds its factor; the very record of a factor a later fact withdrew, bytes as committed, decides nothing and goes at the member's next reset or recovery; a record no fact ever committed, one that differs, or one of a factor the register holds that is missing is an integrity failure naming `sf/{member}/{id}`) |
//! | `sfu/{member}` | the one-time codes and recovery codes already accepted, and each passkey's last signature counter, as the member's lines up to one entry say | derived | from the member's `auth.second-factor` lines of the log (the time step accepted, the recovery code's number, the passkey's counter), HMAC-sealed under a key derived from the member's identity: a check reads it, then the member's lines after its entry through the actor index, walked down the log's actor chain (`aprev`) to the cache's entry; a cache that fails its seal is ignored (rebuilt from the log), an older genuine one only makes the check read more lines, and a deleted cache with deleted `ax/a` records is an integrity failure, so none gives a used code back |
//! | `psf/{dossier}/{id}` | the person's own second factor (`docs/second-factor.md`): the TOTP secret `age`-encrypted to the person's credential (`p/{dossier}`), the SHA-256 of each recovery code | vouched for | the person's `second-factor` fact (its `member` is `person:{dossier}`, signed by the person) commits to the record's bytes (SHA-256 with the vault, `person:{dossier}`, id and kind); `second-factor-removed` (the person), `second-factor-reset` (a member with `person-access`, or the recovery key) and a new credential (`person` fact) withdraw it, and remove the record in the same change (`Vault::checked_person_second_factors`: the same rules as `sf/`, an integrity failure naming `psf/{dossier}/{id}`) |
//! | `psfu/{dossier}` | the codes the person already used | derived | as `sfu/`, from the lines of the actor `person.{dossier}`, HMAC-sealed under a key derived from the person's identity |
//! | `ra/{holder}` | a member's anchor of the rights register | derived | the register their coffre verified, HMAC-sealed with their identity; its last line is checked against the log before it is used, and only by its holder |
//! | `as` | audit state | derived | size, byte length, last leaf, Merkle frontier: checked against the log when the vault opens |
//! | `ax/{d or a}/{id}/{seq}` | audit index by dossier and by actor | derived | byte offsets into the log: every read checks the line's number and dossier or actor; a dossier's history walks the log's dossier chain (`dprev`), and a member's trail (`audit log --actor`, the home page's recent dossiers, the second factor's used codes) the log's actor chain (`aprev`), down through the records it reads, anchored on the log's last line naming the dossier or actor, so a deleted, planted or moved `ax/d` or `ax/a` record is exit 5 naming it (the second factor's check then refuses the code); `audit verify` compares the whole index with the log. **Left**: lines written before format 4 (no `dprev`) or before format 6 (no `aprev`) are not chained: a deleted record of one of them shortens a listing until `audit verify` or `check` runs |

use crate::error::{Error, Result};

/// Checks an identifier that becomes part of a key: 1–64 characters of
/// `a-z 0-9 . _ -`, starting with a letter or digit.
pub fn check_id(kind: &str, id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        && id.as_bytes()[0].is_ascii_alphanumeric();
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(msg!(
            "invalid-id-use-1-64-characters",
            kind = kind
        )))
    }
}

/// A new entry id: `e-`, the time in microseconds (13 hex digits), 8 random hex
/// digits. Time first, so that entries written together sit together in the
/// store (inserting at random places of sled's tree costs several times more);
/// the creation time is readable metadata of the entry anyway.
pub fn new_entry_id() -> Result<String> {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64);
    Ok(format!(
        "e-{micros:013x}{}",
        hex::encode(crate::crypto::key::random_bytes::<4>()?)
    ))
}

fn k(parts: &[&str]) -> Vec<u8> {
    parts.join("/").into_bytes()
}

/// `meta`
pub fn meta() -> Vec<u8> {
    b"meta".to_vec()
}
/// `as`: where the audit log stands (size, byte length, last leaf, Merkle frontier).
pub fn audit_state() -> Vec<u8> {
    b"as".to_vec()
}
/// `ax/{d|a}/{dossier or actor}/{seq, 16 hex}` → byte offset of the entry in the log.
pub fn audit_index(kind: char, id: &str, seq: u64) -> Vec<u8> {
    format!("ax/{kind}/{id}/{seq:016x}").into_bytes()
}
/// Prefix of one dossier's or actor's audit index.
pub fn audit_index_prefix(kind: char, id: &str) -> Vec<u8> {
    format!("ax/{kind}/{id}/").into_bytes()
}
/// `s/{staff}`
pub fn staff(id: &str) -> Vec<u8> {
    k(&["s", id])
}
/// Prefix of all staff records.
pub fn staff_prefix() -> Vec<u8> {
    b"s/".to_vec()
}
/// `w/{key}/{gen}/{holder}`
pub fn wrap(key: &str, gen: u32, holder: &str) -> Vec<u8> {
    k(&["w", key, &format!("{gen:08}"), holder])
}
/// Prefix of all wraps of one key generation.
pub fn wrap_prefix(key: &str, gen: u32) -> Vec<u8> {
    let mut v = k(&["w", key, &format!("{gen:08}")]);
    v.push(b'/');
    v
}
/// `es`: the establishment's name, re-sealed after a directory-key rotation.
pub fn establishment() -> Vec<u8> {
    b"es".to_vec()
}
/// `in`: the normalisation the blind name index is under (one byte; absent in
/// vaults indexed before version 2; 3 once every name's prefixes are indexed).
pub fn name_index_version() -> Vec<u8> {
    b"in".to_vec()
}
/// `d/{dossier}`
pub fn dossier(id: &str) -> Vec<u8> {
    k(&["d", id])
}
/// Prefix of all dossiers.
pub fn dossier_prefix() -> Vec<u8> {
    b"d/".to_vec()
}
/// `t/{dossier}/{staff}`
pub fn team(dossier: &str, staff: &str) -> Vec<u8> {
    k(&["t", dossier, staff])
}
/// Prefix of one dossier's team.
pub fn team_prefix(dossier: &str) -> Vec<u8> {
    let mut v = k(&["t", dossier]);
    v.push(b'/');
    v
}
/// `dk/{dossier}/{category}/{author or *}`
pub fn data_key(dossier: &str, category: &str, author: Option<&str>) -> Vec<u8> {
    k(&["dk", dossier, category, author.unwrap_or("*")])
}
/// Prefix of one dossier's data keys.
pub fn data_key_prefix(dossier: &str) -> Vec<u8> {
    let mut v = k(&["dk", dossier]);
    v.push(b'/');
    v
}
/// `pk/{dossier}/{category}/{author or *}`: a data key wrapped to the person supported.
pub fn person_key(dossier: &str, category: &str, author: Option<&str>) -> Vec<u8> {
    k(&["pk", dossier, category, author.unwrap_or("*")])
}
/// Prefix of the keys wrapped to the person supported for one dossier.
pub fn person_prefix(dossier: &str) -> Vec<u8> {
    let mut v = k(&["pk", dossier]);
    v.push(b'/');
    v
}
/// `jr/{dossier}/release`: the DPO's release of the dossier's break-glass
/// justifications to the person supported.
pub fn justification_release(dossier: &str) -> Vec<u8> {
    k(&["jr", dossier, "release"])
}
/// `jr/{dossier}/e/{seq}` (seq as 20 decimal digits): one released justification.
pub fn released_justification(dossier: &str, seq: u64) -> Vec<u8> {
    k(&["jr", dossier, "e", &format!("{seq:020}")])
}
/// Prefix of every released-justification record of one dossier.
pub fn justification_prefix(dossier: &str) -> Vec<u8> {
    let mut v = k(&["jr", dossier]);
    v.push(b'/');
    v
}
/// `p/{dossier}`: the person's own credential for their dossier.
pub fn person(dossier: &str) -> Vec<u8> {
    k(&["p", dossier])
}
/// `di/{dossier}/{tag}` → the blind-index key, so erasure and re-indexing can
/// remove a dossier's tags (tokens, prefixes and padding alike).
pub fn dossier_index(dossier: &str, tag: &[u8]) -> Vec<u8> {
    k(&["di", dossier, &hex::encode(tag)])
}
/// Prefix of one dossier's reverse index entries.
pub fn dossier_index_prefix(dossier: &str) -> Vec<u8> {
    let mut v = k(&["di", dossier]);
    v.push(b'/');
    v
}
/// `ob/{dossier}/{category}/{profession}`: the person objects to this sharing.
pub fn objection(dossier: &str, category: &str, profession: &str) -> Vec<u8> {
    k(&["ob", dossier, category, profession])
}
/// Prefix of one dossier's objections.
pub fn objection_prefix(dossier: &str) -> Vec<u8> {
    let mut v = k(&["ob", dossier]);
    v.push(b'/');
    v
}
/// `de/{dossier}/{entry}`
pub fn dossier_entry(dossier: &str, entry: &str) -> Vec<u8> {
    k(&["de", dossier, entry])
}
/// Prefix of one dossier's entries.
pub fn dossier_entry_prefix(dossier: &str) -> Vec<u8> {
    let mut v = k(&["de", dossier]);
    v.push(b'/');
    v
}
/// `e/{entry}`
pub fn entry(id: &str) -> Vec<u8> {
    k(&["e", id])
}
/// `v/{dossier}/{entry}/{version}`: one entry version. Keyed under its dossier
/// so that a dossier's versions are one contiguous range (a dossier read is one
/// range scan, not one lookup per entry).
pub fn version(dossier: &str, entry: &str, version: u32) -> Vec<u8> {
    k(&["v", dossier, entry, &format!("{version:08}")])
}
/// Prefix of one entry's versions.
pub fn version_prefix(dossier: &str, entry: &str) -> Vec<u8> {
    let mut v = k(&["v", dossier, entry]);
    v.push(b'/');
    v
}
/// Prefix of every version of every entry of one dossier.
pub fn dossier_version_prefix(dossier: &str) -> Vec<u8> {
    let mut v = k(&["v", dossier]);
    v.push(b'/');
    v
}
/// `dc/{dossier}/{entry}/{blob}/{index, 16 hex}`: one sealed chunk of a
/// document version's content (`blob` is the version's random id, named in
/// its manifest).
pub fn document_chunk(dossier: &str, entry: &str, blob: &str, index: u64) -> Vec<u8> {
    k(&["dc", dossier, entry, blob, &format!("{index:016x}")])
}
/// Prefix of every chunk of every document of one dossier.
pub fn document_chunk_prefix(dossier: &str) -> Vec<u8> {
    let mut v = k(&["dc", dossier]);
    v.push(b'/');
    v
}
/// `i/{tag}/{dossier}`
pub fn index(tag: &[u8], dossier: &str) -> Vec<u8> {
    k(&["i", &hex::encode(tag), dossier])
}
/// Prefix of one blind-index tag.
pub fn index_prefix(tag: &[u8]) -> Vec<u8> {
    let mut v = k(&["i", &hex::encode(tag)]);
    v.push(b'/');
    v
}
/// Prefix of one dossier's break-glass windows.
pub fn break_glass_prefix(dossier: &str) -> Vec<u8> {
    let mut v = k(&["bg", dossier]);
    v.push(b'/');
    v
}
/// `bg/{dossier}/{staff}`
pub fn break_glass(dossier: &str, staff: &str) -> Vec<u8> {
    k(&["bg", dossier, staff])
}

/// `sf/{member}/{id}`: one second factor of a staff member (a TOTP secret
/// sealed to them, and the hashes of their recovery codes).
pub fn second_factor(member: &str, id: &str) -> Vec<u8> {
    k(&["sf", member, id])
}
/// Prefix of one member's second factors.
pub fn second_factor_prefix(member: &str) -> Vec<u8> {
    let mut v = k(&["sf", member]);
    v.push(b'/');
    v
}

/// `psf/{dossier}/{id}`: one second factor of the person supported.
pub fn person_second_factor(dossier: &str, id: &str) -> Vec<u8> {
    k(&["psf", dossier, id])
}

/// `psf/{dossier}/`: every second factor of the person supported.
pub fn person_second_factor_prefix(dossier: &str) -> Vec<u8> {
    let mut v = k(&["psf", dossier]);
    v.push(b'/');
    v
}

/// `psfu/{dossier}`: the codes the person already used (derived, as `sfu/`).
pub fn person_second_factor_uses(dossier: &str) -> Vec<u8> {
    k(&["psfu", dossier])
}

/// `sfu/{member}`: the one-time and recovery codes already accepted, as the
/// member's audit lines up to one entry say (a cache, HMAC-sealed with the
/// member's identity).
pub fn second_factor_uses(member: &str) -> Vec<u8> {
    k(&["sfu", member])
}

/// The last `/`-separated component of a key, as text.
pub fn last_component(key: &[u8]) -> Result<String> {
    let s = std::str::from_utf8(key).map_err(|_| Error::Integrity(msg!("store-key-text")))?;
    Ok(s.rsplit('/').next().unwrap_or_default().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_inject_separators() {
        assert!(check_id("staff", "marie.dupont").is_ok());
        assert!(check_id("staff", "a/b").is_err());
        assert!(check_id("staff", "").is_err());
        assert!(check_id("staff", "-x").is_err());
        assert!(check_id("staff", "Marie").is_err());
        assert!(check_id("staff", &"a".repeat(65)).is_err());
    }

    #[test]
    fn prefixes_do_not_overlap_between_ids() {
        // "d1" must not match the prefix of "d10".
        assert!(!team("d10", "x").starts_with(&team_prefix("d1")));
        assert_eq!(last_component(&team("d1", "alice")).unwrap(), "alice");
    }
}
