//! The blind name index's normalisation version, and the one-time move of a vault
//! indexed under an earlier normalisation to the current one.
//!
//! Normalisation 2 (`crypto::blind`) folds ligatures, the dotless and dotted i and
//! the letters with a stroke ("Lætitia" is indexed as "laetitia"), so that the
//! usual spellings find a name. Normalisation 3 adds each word's prefixes of 3
//! to 10 characters and pads every dossier's tags to whole blocks
//! (`crypto::blind::name_tags`), so that "Luca" finds "Lucas". A vault indexed
//! before (no `in` record, or an earlier number) is re-indexed once, at the
//! unlock of the first member who holds the name-index key and the identity
//! key, audited as `index.rebuild`, and marked so it never runs again. Until
//! then, and for dossiers it could not open, searches try each word under both
//! normalisations (`crypto::blind::query_tokens`), as whole words only, so
//! nothing indexed before stops being found and no dossier is found by a
//! prefix while others could not be.

use crate::crypto::{blind, Key32};
use crate::error::{Error, Result};
use crate::policy::VaultKey;
use crate::store::{layout, Batch};
use crate::vault::access::session::DataKey;
use crate::vault::Session;

/// The normalisation of the blind name index that this code writes.
pub(crate) const NAME_INDEX_VERSION: u8 = 3;

/// The first normalisation whose index holds word prefixes.
const PREFIX_VERSION: u8 = 3;

/// Dossiers re-indexed per durable, audited step: each writes one block of
/// tags ([`blind::TAG_BLOCK`], two records each, about 7 KB) and removes its
/// earlier ones, so that a step stays within the journal's preallocated 4 MiB.
const GROUP: usize = 250;

/// The record saying which normalisation the index is under (`in`, one byte).
pub(crate) fn version_record() -> (Vec<u8>, Vec<u8>) {
    (layout::name_index_version(), vec![NAME_INDEX_VERSION])
}

/// The normalisation the store's index is under (`in`; absent: 1; an empty
/// record counts as 1 too). Errors: storage errors only.
pub(crate) fn stored_version(store: &dyn crate::store::Store) -> Result<u8> {
    Ok(store
        .get(&layout::name_index_version())?
        .and_then(|v| v.first().copied())
        .unwrap_or(1))
}

/// Whether searches may look query words up as prefixes: only once every
/// dossier's name is indexed with its prefixes (the `in` record says 3 or
/// more), so that a prefix never finds some names and not others.
pub(crate) fn prefixes_indexed(store: &dyn crate::store::Store) -> Result<bool> {
    Ok(stored_version(store)? >= PREFIX_VERSION)
}

/// Puts into `batch` the index entries of a new dossier for `name` under
/// `index_key`: for each tag of [`blind::name_tags`] (tokens, prefixes,
/// padding, in byte order), `i/{tag}/{dossier}` and its reverse
/// `di/{dossier}/{tag}`. Errors: the random generator's ([`crate::Error::Io`]).
pub(crate) fn put_name_tags(
    batch: &mut Batch,
    index_key: &Key32,
    dossier: &str,
    name: &str,
) -> Result<()> {
    for tag in blind::name_tags(index_key, name)? {
        batch.put(layout::index(&tag, dossier), Vec::new());
        batch.put(
            layout::dossier_index(dossier, &tag),
            layout::index(&tag, dossier),
        );
    }
    Ok(())
}

/// Puts into `batch` the index entries of `dossier` for `name` under `index_key`,
/// replacing every one it had (read from `store` through the reverse entries
/// `di/`: tokens, prefixes and padding alike). Errors: storage and random
/// generator errors.
pub(crate) fn index_name(
    store: &dyn crate::store::Store,
    batch: &mut Batch,
    index_key: &Key32,
    dossier: &str,
    name: &str,
) -> Result<()> {
    for (rk, rv) in store.scan_prefix(&layout::dossier_index_prefix(dossier))? {
        batch.remove(rv);
        batch.remove(rk);
    }
    put_name_tags(batch, index_key, dossier, name)
}

impl Session<'_> {
    /// Re-indexes every dossier's name under the current normalisation if the
    /// vault was indexed under an earlier one and this member holds the
    /// name-index key and the identity key; otherwise does nothing (the next
    /// member who holds them will). Each group of [`GROUP`] dossiers is one
    /// durable step audited as `index.rebuild`; the version record is written
    /// with the last group, and only if every dossier could be re-indexed (a
    /// damaged or unreadable one is left as it was, still found through the
    /// earlier normalisation). Errors: storage and audit errors only.
    pub(crate) fn upgrade_name_index(&mut self) -> Result<()> {
        const ACTION: &str = "index.rebuild";
        if self
            .vault
            .store
            .get(&layout::name_index_version())?
            .is_some()
            && stored_version(&*self.vault.store)? >= NAME_INDEX_VERSION
        {
            return Ok(());
        }
        let Some(index_key) = self.vault_key32(&VaultKey::Index)? else {
            return Ok(());
        };
        let vault = self.vault;
        let _writing = vault
            .write_lock
            .lock()
            .map_err(|_| Error::Io(msg!("write-lock-poisoned")))?;
        let vid = vault.meta.vault_id.clone();
        let mut dossiers = Vec::new();
        for rec in self.vault.all_dossiers()? {
            if rec.erased.is_none() {
                dossiers.push(rec);
            }
        }
        let total = dossiers.len();
        let mut left = 0usize;
        let mut done = 0usize;
        let mut groups = dossiers.chunks(GROUP).peekable();
        if groups.peek().is_none() {
            let (k, v) = version_record();
            let mut batch = Batch::new();
            batch.put(k, v);
            return self.vault.commit(batch);
        }
        while let Some(group) = groups.next() {
            let mut batch = Batch::new();
            let mut n = 0usize;
            for rec in group {
                let key = match self.data_key(&rec.id, "identity", None, None) {
                    Ok(DataKey::Key(k)) => k,
                    Ok(DataKey::Missing) => continue,
                    Ok(DataKey::NoAccess | DataKey::Pending) if left + done + n == 0 => {
                        // Not a holder of the identity key: leave it all to one.
                        return Ok(());
                    }
                    Ok(_) | Err(_) => {
                        left += 1;
                        continue;
                    }
                };
                match crate::vault::records::dossier::open_header_with(&key, &vid, rec) {
                    Ok((name, _)) => {
                        index_name(&*self.vault.store, &mut batch, &index_key, &rec.id, &name)?;
                        n += 1;
                    }
                    Err(_) => left += 1,
                }
            }
            done += n;
            let last = groups.peek().is_none();
            if last && left == 0 {
                let (k, v) = version_record();
                batch.put(k, v);
            }
            let detail = format!(
                "names of {done} of {total} dossiers re-indexed under name normalisation \
                 {NAME_INDEX_VERSION}{}",
                if last && left > 0 {
                    format!("; {left} could not be read and keep their earlier index")
                } else {
                    String::new()
                }
            );
            self.vault.commit_audited(
                self.draft(ACTION).categories(["identity"]).detail(&detail),
                batch,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;
    use crate::{InitOptions, Vault};
    use secrecy::SecretString;

    fn ids(list: Vec<crate::views::DossierSummary>) -> Vec<String> {
        list.iter().map(|d| d.id.clone()).collect()
    }

    /// Turns the index of `dossier` back into what normalisation 1 wrote, and the
    /// vault into one indexed before normalisation 2.
    fn index_as_before(s: &mut Session<'_>, dossier: &str, name: &str) {
        let key = s.vault_key32(&VaultKey::Index).unwrap().unwrap();
        let store = &*s.vault.store;
        let mut batch = Batch::new();
        for (rk, rv) in store
            .scan_prefix(&layout::dossier_index_prefix(dossier))
            .unwrap()
        {
            batch.remove(rv);
            batch.remove(rk);
        }
        // The last token of each query group is the word under normalisation 1.
        for group in blind::query_tokens(name) {
            let tag = blind::tag(&key, group.last().unwrap());
            batch.put(layout::index(&tag, dossier), Vec::new());
            batch.put(
                layout::dossier_index(dossier, &tag),
                layout::index(&tag, dossier),
            );
        }
        batch.remove(layout::name_index_version());
        s.vault.commit(batch).unwrap();
    }

    /// Turns the index of `dossier` back into what normalisation 2 wrote (one
    /// tag per token, no prefix, no padding), and the vault into one indexed
    /// under normalisation 2.
    fn index_as_version_2(s: &mut Session<'_>, dossier: &str, name: &str) {
        let key = s.vault_key32(&VaultKey::Index).unwrap().unwrap();
        let store = &*s.vault.store;
        let mut batch = Batch::new();
        for (rk, rv) in store
            .scan_prefix(&layout::dossier_index_prefix(dossier))
            .unwrap()
        {
            batch.remove(rv);
            batch.remove(rk);
        }
        for token in blind::tokens(name) {
            let tag = blind::tag(&key, &token);
            batch.put(layout::index(&tag, dossier), Vec::new());
            batch.put(
                layout::dossier_index(dossier, &tag),
                layout::index(&tag, dossier),
            );
        }
        batch.put(layout::name_index_version(), vec![2]);
        s.vault.commit(batch).unwrap();
    }

    fn new_vault(dir: &std::path::Path, pass: &SecretString) -> Vault {
        Vault::init(
            dir,
            InitOptions {
                establishment: "Reindex".into(),
                admin_id: "dir".into(),
                admin_name: "Director".into(),
                admin_profession: "directeur".into(),
                admin_passphrase: pass.clone(),
                kdf: KdfParams::INSECURE_FAST,
                policy: None,
                recovery: None,
            },
        )
        .unwrap()
        .0
    }

    fn index_records(v: &Vault, dossier: &str) -> (usize, usize) {
        let reverse = v
            .store
            .scan_prefix(&layout::dossier_index_prefix(dossier))
            .unwrap();
        let forward = v
            .store
            .scan_prefix(b"i/")
            .unwrap()
            .into_iter()
            .filter(|(k, _)| k.ends_with(dossier.as_bytes()))
            .count();
        (forward, reverse.len())
    }

    #[test]
    fn prefixes_are_searched_only_once_the_vault_is_re_indexed_with_them() {
        let dir = tempfile::tempdir().unwrap();
        let pass = SecretString::from("reindex-test");
        let v = new_vault(dir.path(), &pass);
        let (d, long) = {
            let mut s = v.unlock("dir", &pass).unwrap();
            let d = s.create_dossier("Lucas Martin", "2012-05-14").unwrap();
            let long = s
                .create_dossier("Anne Marie Louise Jeanne Claire Dupont", "1950-01-01")
                .unwrap();
            assert_eq!(ids(s.find_dossiers("Luca mart").unwrap()), vec![d.clone()]);
            // Every dossier stores one block, whatever its name.
            assert_eq!(index_records(&v, &d), (blind::TAG_BLOCK, blind::TAG_BLOCK));
            assert_eq!(
                index_records(&v, &long),
                (blind::TAG_BLOCK, blind::TAG_BLOCK)
            );
            index_as_version_2(&mut s, &d, "Lucas Martin");
            index_as_version_2(&mut s, &long, "Anne Marie Louise Jeanne Claire Dupont");
            // Under normalisation 2: whole words only, for every dossier.
            assert!(s.find_dossiers("Luca").unwrap().is_empty());
            assert_eq!(ids(s.find_dossiers("lucas").unwrap()), vec![d.clone()]);
            (d, long)
        };
        assert_eq!(index_records(&v, &d), (2, 2));
        {
            let mut s = v.unlock("dir", &pass).unwrap();
            assert_eq!(ids(s.find_dossiers("Luca").unwrap()), vec![d.clone()]);
            assert_eq!(ids(s.find_dossiers("dupon LOUIS").unwrap()), vec![long]);
            // Two letters: whole words only.
            assert!(s.find_dossiers("Lu").unwrap().is_empty());
        }
        assert_eq!(index_records(&v, &d), (blind::TAG_BLOCK, blind::TAG_BLOCK));
        assert_eq!(
            v.store.get(&layout::name_index_version()).unwrap(),
            Some(vec![NAME_INDEX_VERSION])
        );
    }

    #[test]
    fn a_vault_indexed_before_is_still_searched_then_re_indexed_once_and_audited() {
        let dir = tempfile::tempdir().unwrap();
        let pass = SecretString::from("reindex-test");
        let (v, _) = Vault::init(
            dir.path(),
            InitOptions {
                establishment: "Reindex".into(),
                admin_id: "dir".into(),
                admin_name: "Director".into(),
                admin_profession: "directeur".into(),
                admin_passphrase: pass.clone(),
                kdf: KdfParams::INSECURE_FAST,
                policy: None,
                recovery: None,
            },
        )
        .unwrap();
        assert_eq!(
            v.store.get(&layout::name_index_version()).unwrap(),
            Some(vec![NAME_INDEX_VERSION]),
            "a new vault starts under the current normalisation"
        );
        let rebuilds = || {
            std::fs::read_to_string(dir.path().join("audit.log"))
                .unwrap()
                .matches("\"action\":\"index.rebuild\"")
                .count()
        };
        let (d, other) = {
            let mut s = v.unlock("dir", &pass).unwrap();
            let d = s.create_dossier("Lætitia Cœur", "2000-01-01").unwrap();
            let other = s.create_dossier("Yıldız Martin", "2001-01-01").unwrap();
            index_as_before(&mut s, &d, "Lætitia Cœur");
            index_as_before(&mut s, &other, "Yıldız Martin");
            // Before the re-index: the spellings that found them still do.
            assert_eq!(
                ids(s.find_dossiers("lætitia CŒUR").unwrap()),
                vec![d.clone()]
            );
            assert_eq!(ids(s.find_dossiers("martin").unwrap()), vec![other.clone()]);
            assert!(s.find_dossiers("laetitia").unwrap().is_empty());
            (d, other)
        };
        assert_eq!(rebuilds(), 0);
        {
            let mut s = v.unlock("dir", &pass).unwrap();
            assert_eq!(
                ids(s.find_dossiers("laetitia coeur").unwrap()),
                vec![d.clone()]
            );
            assert_eq!(ids(s.find_dossiers("Lætitia").unwrap()), vec![d.clone()]);
            assert_eq!(ids(s.find_dossiers("yildiz").unwrap()), vec![other.clone()]);
        }
        assert_eq!(rebuilds(), 1, "audited");
        assert_eq!(
            v.store.get(&layout::name_index_version()).unwrap(),
            Some(vec![NAME_INDEX_VERSION])
        );
        drop(v.unlock("dir", &pass).unwrap());
        assert_eq!(rebuilds(), 1, "runs once");
    }
}
