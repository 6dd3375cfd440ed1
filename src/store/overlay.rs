//! Recent changes held in memory in front of the store.
//!
//! Between two settlings every change is already durable in the vault's
//! journal, so it need not reach sled at once: it is kept in a sorted map that
//! every read consults first, and written to sled in one sorted batch when the
//! vault settles ([`Store::commit`]). An insert into sled costs several
//! microseconds (it materialises and relinks a page); an insert into the map, a
//! fraction of that. The map holds at most what the journal holds (a few MiB).

use std::collections::BTreeMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::{Batch, Op, Store, Visitor};
use crate::error::{Error, Result};

/// Batches this large skip the overlay.
const DIRECT: usize = 256;

/// Changes not yet in the store: a value, or `None` for a removal.
type Recent = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// A [`Store`] with recent changes in memory.
pub struct Overlay<S: Store> {
    inner: S,
    recent: RwLock<Recent>,
}

impl<S: Store> std::fmt::Debug for Overlay<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overlay").finish_non_exhaustive()
    }
}

impl<S: Store> Overlay<S> {
    /// Puts `inner` behind an empty overlay.
    pub fn new(inner: S) -> Self {
        Overlay {
            inner,
            recent: RwLock::new(BTreeMap::new()),
        }
    }

    fn read(&self) -> Result<RwLockReadGuard<'_, Recent>> {
        self.recent
            .read()
            .map_err(|_| Error::Io(msg!("store-overlay-lock-poisoned")))
    }

    fn write(&self) -> Result<RwLockWriteGuard<'_, Recent>> {
        self.recent
            .write()
            .map_err(|_| Error::Io(msg!("store-overlay-lock-poisoned")))
    }
}

/// Records `batch`'s changes in the overlay.
fn absorb(recent: &mut Recent, batch: Batch) {
    for op in batch.ops {
        match op {
            Op::Put(k, v) => recent.insert(k, Some(v)),
            Op::Remove(k) => recent.insert(k, None),
        };
    }
}

/// Everything the overlay holds, as one batch.
fn as_batch(recent: &Recent) -> Batch {
    let mut batch = Batch::new();
    for (k, v) in recent {
        match v {
            Some(v) => batch.put(k.clone(), v.clone()),
            None => batch.remove(k.clone()),
        }
    }
    batch
}

/// The overlay's changes under `prefix`, in key order.
fn range<'a>(
    recent: &'a Recent,
    prefix: &'a [u8],
) -> impl Iterator<Item = (&'a Vec<u8>, &'a Option<Vec<u8>>)> + 'a {
    recent
        .range(prefix.to_vec()..)
        .take_while(move |(k, _)| k.starts_with(prefix))
}

impl<S: Store> Store for Overlay<S> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let recent = self.read()?;
        match recent.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.inner.get(key),
        }
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        // The read lock is held across both reads: settling cannot move a change
        // from the overlay to the store in between.
        let recent = self.read()?;
        let stored = self.inner.scan_prefix(prefix)?;
        if range(&recent, prefix).next().is_none() {
            return Ok(stored);
        }
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = stored.into_iter().collect();
        for (k, v) in range(&recent, prefix) {
            match v {
                Some(v) => merged.insert(k.clone(), v.clone()),
                None => merged.remove(k),
            };
        }
        Ok(merged.into_iter().collect())
    }

    fn scan_prefix_page(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let recent = self.read()?;
        let mut after = after.map(<[u8]>::to_vec);
        loop {
            let page = self
                .inner
                .scan_prefix_page(prefix, after.as_deref(), limit)?;
            // The stored page covers keys up to its last one, or to the end of
            // the prefix when it is not full; the overlay's changes in that
            // span are merged in.
            let upper = if page.len() >= limit.max(1) {
                page.last().map(|(k, _)| k.clone())
            } else {
                None
            };
            let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = page.into_iter().collect();
            for (k, v) in range(&recent, prefix) {
                if after.as_ref().is_some_and(|a| k <= a) {
                    continue;
                }
                if upper.as_ref().is_some_and(|u| k > u) {
                    break;
                }
                match v {
                    Some(v) => merged.insert(k.clone(), v.clone()),
                    None => merged.remove(k),
                };
            }
            // A full stored page the overlay removed entirely: read on.
            if merged.is_empty() && upper.is_some() {
                after = upper;
                continue;
            }
            return Ok(merged.into_iter().collect());
        }
    }

    fn commit(&self, batch: Batch) -> Result<()> {
        let mut recent = self.write()?;
        absorb(&mut recent, batch);
        // Emptied only once the store holds it all: on failure reads still see
        // the changes, and the journal still holds them.
        self.inner.commit(as_batch(&recent))?;
        recent.clear();
        Ok(())
    }

    fn apply(&self, batch: Batch) -> Result<()> {
        let mut recent = self.write()?;
        if batch.ops.len() >= DIRECT {
            // A bulk batch (an import group) goes straight to the store, after
            // what the overlay holds, which it may overwrite: the map would
            // only grow, and sled takes a large batch in one go.
            self.inner.apply(as_batch(&recent))?;
            recent.clear();
            return self.inner.apply(batch);
        }
        absorb(&mut recent, batch);
        Ok(())
    }

    fn for_each(&self, f: Visitor<'_>) -> Result<()> {
        let recent = self.read()?;
        let mut pending = recent.iter().peekable();
        self.inner.for_each(&mut |k, v| {
            // Overlay keys before this one come first; one equal to it replaces it.
            while let Some((ok, ov)) = pending.next_if(|(ok, _)| ok.as_slice() < k) {
                if let Some(ov) = ov {
                    f(ok, ov)?;
                }
            }
            match pending.next_if(|(ok, _)| ok.as_slice() == k) {
                Some((_, Some(ov))) => f(k, ov),
                Some((_, None)) => Ok(()),
                None => f(k, v),
            }
        })?;
        for (ok, ov) in pending {
            if let Some(ov) = ov {
                f(ok, ov)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sled_store::SledStore;
    use proptest::prelude::*;

    fn all(s: &dyn Store) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        s.for_each(&mut |k, v| {
            out.push((k.to_vec(), v.to_vec()));
            Ok(())
        })
        .unwrap();
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        /// Whatever the mix of changes and settlings, the overlay reads exactly
        /// like a map given the same changes.
        #[test]
        fn reads_like_a_plain_map(
            steps in proptest::collection::vec(
                (0u8..3, proptest::collection::vec((0u8..12, proptest::option::of(0u8..200)), 0..6)),
                1..25,
            )
        ) {
            let dir = tempfile::tempdir().unwrap();
            let o = Overlay::new(SledStore::open(dir.path()).unwrap());
            let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
            for (how, changes) in steps {
                let mut b = Batch::new();
                for (k, v) in changes {
                    let key = vec![b'k', b'0' + k % 4, k];
                    match v {
                        Some(v) => { model.insert(key.clone(), vec![v]); b.put(key, vec![v]); }
                        None => { model.remove(&key); b.remove(key); }
                    }
                }
                if how == 0 { o.commit(b).unwrap(); } else { o.apply(b).unwrap(); }
                if how == 1 {
                    // A bulk batch, straight to the store.
                    let mut big = Batch::new();
                    for i in 0..DIRECT as u16 {
                        let key = format!("z{i:05}").into_bytes();
                        model.insert(key.clone(), vec![how]);
                        big.put(key, vec![how]);
                    }
                    o.apply(big).unwrap();
                }
                let want: Vec<(Vec<u8>, Vec<u8>)> = model.clone().into_iter().collect();
                prop_assert_eq!(all(&o), want.clone());
                for p in [b"k0".as_slice(), b"k1", b"k", b"x", b"z0001"] {
                    let w: Vec<_> = want.iter().filter(|(k, _)| k.starts_with(p)).cloned().collect();
                    prop_assert_eq!(o.scan_prefix(p).unwrap(), w.clone());
                    // Read page by page, with pages of every small size: the
                    // same pairs, in order.
                    for limit in 1..4 {
                        let mut paged = Vec::new();
                        let mut after: Option<Vec<u8>> = None;
                        loop {
                            let page = o.scan_prefix_page(p, after.as_deref(), limit).unwrap();
                            let Some((last, _)) = page.last() else { break };
                            after = Some(last.clone());
                            paged.extend(page);
                        }
                        prop_assert_eq!(&paged, &w);
                    }
                }
                for k in 0u8..12 {
                    let key = vec![b'k', b'0' + k % 4, k];
                    prop_assert_eq!(o.get(&key).unwrap(), model.get(&key).cloned());
                }
            }
        }
    }
}
