//! Merkle tree hashing, inclusion and consistency proofs, as in RFC 9162 §2.1
//! (Certificate Transparency v2, same hashing as RFC 6962).
//!
//! ```text
//! leaf hash  = SHA-256(0x00 ‖ leaf bytes)
//! node hash  = SHA-256(0x01 ‖ left ‖ right)
//! MTH({})    = SHA-256("")
//! MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n
//! ```
//!
//! [`Tree`] keeps only the "frontier" (one hash per set bit of the size), so the
//! root of a log of any length is computed in one streaming pass with O(log n)
//! memory. Proofs are computed from the full list of leaf hashes.

use ring::digest::{Context, SHA256};
use serde::{Deserialize, Serialize};

/// A 32-byte hash.
pub type Hash = [u8; 32];

fn finish(ctx: Context) -> Hash {
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// SHA-256(0x00 ‖ data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut ctx = Context::new(&SHA256);
    ctx.update(&[0x00]);
    ctx.update(data);
    finish(ctx)
}

/// SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut ctx = Context::new(&SHA256);
    ctx.update(&[0x01]);
    ctx.update(left);
    ctx.update(right);
    finish(ctx)
}

/// The root of the empty tree, SHA-256 of nothing.
pub fn empty_root() -> Hash {
    finish(Context::new(&SHA256))
}

/// A streaming Merkle tree: push leaf hashes, read the root at any size.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tree {
    /// Roots of perfect subtrees, largest first (one per set bit of `size`).
    frontier: Vec<(u64, Hash)>,
    size: u64,
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Self {
        Tree::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        self.push_subtree(1, leaf);
    }

    /// Appends the root of a perfect subtree of `width` leaves (a power of two).
    /// The tree's size must be a multiple of `width`; returns `false` (and
    /// changes nothing) otherwise.
    pub fn push_subtree(&mut self, width: u64, root: Hash) -> bool {
        if !width.is_power_of_two() || !self.size.is_multiple_of(width) {
            return false;
        }
        let mut node = (width, root);
        while let Some(&(w, h)) = self.frontier.last() {
            if w != node.0 {
                break;
            }
            self.frontier.pop();
            node = (w * 2, node_hash(&h, &node.1));
        }
        self.frontier.push(node);
        self.size += width;
        true
    }

    /// Whether a deserialised tree is well formed: widths are distinct powers of
    /// two, largest first, adding up to the size.
    pub fn is_well_formed(&self) -> bool {
        let mut sum = 0u64;
        let mut last = u64::MAX;
        for (w, _) in &self.frontier {
            if !w.is_power_of_two() || *w >= last {
                return false;
            }
            last = *w;
            sum = sum.saturating_add(*w);
        }
        sum == self.size
    }

    /// The root hash for the current size.
    pub fn root(&self) -> Hash {
        let mut iter = self.frontier.iter().rev();
        let Some(&(_, mut acc)) = iter.next() else {
            return empty_root();
        };
        for (_, h) in iter {
            acc = node_hash(h, &acc);
        }
        acc
    }
}

/// Largest power of two strictly smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// Root of a list of leaf hashes (recursive definition; for proofs and tests).
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// Inclusion proof of leaf `index` in the tree of `leaves` (RFC 9162 §2.1.3.1).
pub fn inclusion_proof(index: usize, leaves: &[Hash]) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    fn path(m: usize, d: &[Hash], out: &mut Vec<Hash>) {
        if d.len() <= 1 {
            return;
        }
        let k = split(d.len());
        if m < k {
            path(m, &d[..k], out);
            out.push(root_of(&d[k..]));
        } else {
            path(m - k, &d[k..], out);
            out.push(root_of(&d[..k]));
        }
    }
    let mut out = Vec::new();
    path(index, leaves, &mut out);
    Some(out)
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && &r == root
}

/// Consistency proof between the first `m` leaves and all `leaves`
/// (RFC 9162 §2.1.4.1, SUBPROOF).
pub fn consistency_proof(m: usize, leaves: &[Hash]) -> Option<Vec<Hash>> {
    let n = leaves.len();
    if m == 0 || m > n {
        return None;
    }
    fn subproof(m: usize, d: &[Hash], complete: bool, out: &mut Vec<Hash>) {
        let n = d.len();
        if m == n {
            if !complete {
                out.push(root_of(d));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            subproof(m, &d[..k], complete, out);
            out.push(root_of(&d[k..]));
        } else {
            subproof(m - k, &d[k..], false, out);
            out.push(root_of(&d[..k]));
        }
    }
    let mut out = Vec::new();
    subproof(m, leaves, true, &mut out);
    Some(out)
}

/// Verifies that the tree of size `size2` with root `root2` extends the tree of
/// size `size1` with root `root1` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    root1: &Hash,
    root2: &Hash,
    proof: &[Hash],
) -> bool {
    if size1 > size2 {
        return false;
    }
    if size1 == size2 {
        return proof.is_empty() && root1 == root2;
    }
    if size1 == 0 {
        return proof.is_empty();
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if size1.is_power_of_two() {
        path.insert(0, *root1);
    }
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut fn_, mut sn) = (size1 - 1, size2 - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && &fr == root1 && &sr == root2
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The eight leaves used by the Certificate Transparency reference test data.
    fn ct_leaves() -> Vec<Hash> {
        let raw: [&[u8]; 8] = [
            b"",
            b"\x00",
            b"\x10",
            b"\x20\x21",
            b"\x30\x31",
            b"\x40\x41\x42\x43",
            b"\x50\x51\x52\x53\x54\x55\x56\x57",
            b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
        ];
        raw.iter().map(|d| leaf_hash(d)).collect()
    }

    fn h(s: &str) -> Hash {
        let v = hex::decode(s).unwrap();
        let mut out = [0u8; 32];
        out.copy_from_slice(&v);
        out
    }

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(Tree::new().root(), empty_root());
    }

    #[test]
    fn ct_reference_roots() {
        let expected = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let leaves = ct_leaves();
        let mut tree = Tree::new();
        for (i, e) in expected.iter().enumerate() {
            tree.push(leaves[i]);
            assert_eq!(
                hex::encode(tree.root()),
                *e,
                "streaming root of size {}",
                i + 1
            );
            assert_eq!(
                hex::encode(root_of(&leaves[..=i])),
                *e,
                "recursive root of size {}",
                i + 1
            );
        }
    }

    #[test]
    fn ct_reference_consistency_proofs() {
        let leaves = ct_leaves();
        let cases: [(usize, usize, &[&str]); 4] = [
            (1, 1, &[]),
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                &[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        for (m, n, proof) in cases {
            let got = consistency_proof(m, &leaves[..n]).unwrap();
            let want: Vec<Hash> = proof.iter().map(|s| h(s)).collect();
            assert_eq!(got, want, "proof {m} -> {n}");
            let (r1, r2) = (root_of(&leaves[..m]), root_of(&leaves[..n]));
            assert!(verify_consistency(m as u64, n as u64, &r1, &r2, &got));
        }
    }

    /// RFC 9162 §2.1.5's example tree of seven leaves d0..d6: its consistency
    /// proofs, written there with node names, rebuilt from those nodes.
    #[test]
    fn rfc9162_example_consistency_proofs() {
        let d: Vec<Hash> = (0u8..7).map(|i| leaf_hash(&[i])).collect();
        let (a, b, c, dd, e, f, j) = (d[0], d[1], d[2], d[3], d[4], d[5], d[6]);
        let g = node_hash(&a, &b);
        let hh = node_hash(&c, &dd);
        let i = node_hash(&e, &f);
        let k = node_hash(&g, &hh);
        let l = node_hash(&i, &j);
        // hash0 (3 leaves) to hash (7 leaves): [c, d, g, l]
        assert_eq!(consistency_proof(3, &d).unwrap(), vec![c, dd, g, l]);
        // hash1 (4 leaves) to hash: [l]
        assert_eq!(consistency_proof(4, &d).unwrap(), vec![l]);
        // hash2 (6 leaves) to hash: [i, j, k]
        assert_eq!(consistency_proof(6, &d).unwrap(), vec![i, j, k]);
        let root7 = node_hash(&k, &l);
        assert_eq!(root_of(&d), root7);
        // RFC 9162 §2.1.3's inclusion examples on the same tree.
        assert_eq!(inclusion_proof(0, &d).unwrap(), vec![b, hh, l]);
        assert_eq!(inclusion_proof(3, &d).unwrap(), vec![c, g, l]);
        assert_eq!(inclusion_proof(4, &d).unwrap(), vec![f, j, k]);
        assert_eq!(inclusion_proof(6, &d).unwrap(), vec![i, k]);
    }

    #[test]
    fn bad_proofs_are_rejected() {
        let leaves = ct_leaves();
        let (r3, r8) = (root_of(&leaves[..3]), root_of(&leaves));
        let mut p = consistency_proof(3, &leaves).unwrap();
        assert!(verify_consistency(3, 8, &r3, &r8, &p));
        p[0][0] ^= 1;
        assert!(!verify_consistency(3, 8, &r3, &r8, &p));
        let p = consistency_proof(3, &leaves).unwrap();
        assert!(!verify_consistency(3, 8, &r8, &r8, &p));
        assert!(!verify_consistency(4, 8, &r3, &r8, &p));
        assert!(!verify_consistency(9, 8, &r3, &r8, &p));
        assert!(!verify_consistency(3, 8, &r3, &r8, &p[..p.len() - 1]));
    }

    proptest! {
        #[test]
        fn prop_streaming_equals_recursive_and_proofs_verify(n in 1usize..70, seed in any::<u64>()) {
            let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&(seed.wrapping_add(i as u64)).to_be_bytes())).collect();
            let mut t = Tree::new();
            for l in &leaves { t.push(*l); }
            let root = root_of(&leaves);
            prop_assert_eq!(t.root(), root);
            // Pushing aligned perfect subtrees gives the same root.
            let mut t2 = Tree::new();
            let mut i = 0;
            while i < n {
                if i % 8 == 0 && i + 8 <= n {
                    prop_assert!(t2.push_subtree(8, root_of(&leaves[i..i + 8])));
                    i += 8;
                } else {
                    t2.push(leaves[i]);
                    i += 1;
                }
            }
            prop_assert_eq!(t2.root(), root);
            if n % 8 != 0 {
                prop_assert!(!t2.push_subtree(8, leaves[0]));
            }
            let m = (seed as usize % n) + 1;
            let proof = consistency_proof(m, &leaves).unwrap();
            prop_assert!(verify_consistency(m as u64, n as u64, &root_of(&leaves[..m]), &root, &proof));
            let idx = seed as usize % n;
            let ip = inclusion_proof(idx, &leaves).unwrap();
            prop_assert!(verify_inclusion(idx as u64, n as u64, &leaves[idx], &ip, &root));
            prop_assert!(!verify_inclusion(idx as u64, n as u64, &leaf_hash(b"other"), &ip, &root));
        }
    }
}
