//! The storage boundary: a small ordered key-value interface with atomic, durable
//! batches. The vault talks only to [`Store`]; [`sled_store::SledStore`] is today's
//! engine and another can replace it by implementing the same five methods.
//!
//! What the store holds is listed in [`layout`] and `docs/architecture.md`.
//! The vault makes its changes durable through the [`journal`] and applies them
//! here without waiting; [`Store::commit`] is used when the journal settles.

pub mod journal;
pub mod layout;
pub mod medium;
pub mod overlay;
pub mod postgres;
pub mod records;
pub mod sled_store;
pub mod space;

use crate::error::Result;

/// One change inside a [`Batch`].
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum Op {
    /// Set `key` to `value`.
    Put(Vec<u8>, Vec<u8>),
    /// Remove `key`.
    Remove(Vec<u8>),
}

/// A set of changes applied all together or not at all.
#[derive(Debug, Default)]
pub struct Batch {
    pub(crate) ops: Vec<Op>,
    /// Dossiers whose erasure key goes with this change (a vault in
    /// PostgreSQL deletes the key's row in the change's transaction; a
    /// folder vault has destroyed the key's file before).
    pub(crate) erase: Vec<String>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Batch::default()
    }
    /// Adds a put.
    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.ops.push(Op::Put(key, value));
    }
    /// Adds a removal.
    pub fn remove(&mut self, key: Vec<u8>) {
        self.ops.push(Op::Remove(key));
    }
    /// Bytes of keys and values in the batch (for space checks).
    pub fn byte_size(&self) -> u64 {
        ops_size(&self.ops)
    }
    /// Whether the batch holds no change.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// Bytes of keys and values in `ops`.
pub(crate) fn ops_size(ops: &[Op]) -> u64 {
    ops.iter()
        .map(|op| match op {
            Op::Put(k, v) => (k.len() + v.len()) as u64,
            Op::Remove(k) => k.len() as u64,
        })
        .sum()
}

/// A visitor of key-value pairs (see [`Store::for_each`]).
pub type Visitor<'a> = &'a mut dyn FnMut(&[u8], &[u8]) -> Result<()>;

/// An ordered key-value store with atomic batches.
pub trait Store: Send + Sync {
    /// Reads one key.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;
    /// All pairs whose key starts with `prefix`, in key order.
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>>;
    /// Applies `batch` atomically. When this returns `Ok`, the batch — and every
    /// batch applied before it — has reached stable storage (`fsync`), not only the
    /// page cache.
    fn commit(&self, batch: Batch) -> Result<()>;
    /// Applies `batch` atomically without waiting for stable storage (the vault
    /// has made it durable in its [`journal`] first); the next [`Store::commit`]
    /// makes it durable here too.
    fn apply(&self, batch: Batch) -> Result<()>;
    /// Calls `f` on every pair in key order, without loading them all (backups).
    fn for_each(&self, f: Visitor<'_>) -> Result<()>;
    /// A page of [`Store::scan_prefix`]: up to `limit` pairs (at least one
    /// unless none is left) whose key starts with `prefix` and comes after
    /// `after` (from the prefix's start if `None`), in key order. Reading a
    /// large prefix page by page keeps memory bounded (the audit prune's index
    /// records). The default reads the whole prefix; stores override it.
    fn scan_prefix_page(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        Ok(self
            .scan_prefix(prefix)?
            .into_iter()
            .filter(|(k, _)| after.is_none_or(|a| k.as_slice() > a))
            .take(limit.max(1))
            .collect())
    }
}
