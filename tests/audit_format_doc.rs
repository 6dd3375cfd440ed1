//! Keeps `docs/audit-format.md` true: rebuilds its worked example with the
//! library and checks that every line, hash and signature the document shows
//! appears in it byte for byte, and that the example verifies.

use coffre::audit::merkle::{leaf_hash, node_hash, root_of};
use std::collections::HashMap;

use coffre::audit::checkpoint::origin_for;
use coffre::audit::{genesis, AuditEntry, Checkpoint, Outcome, SignatureCheck, SigningKey};

const VAULT: &str = "00112233445566778899aabbccddeeff";

#[allow(clippy::too_many_arguments)]
fn entry(
    seq: u64,
    prev: [u8; 32],
    time: &str,
    actor: &str,
    prof: &str,
    action: &str,
    dossier: Option<&str>,
    cats: &[&str],
    outcome: Outcome,
) -> AuditEntry {
    AuditEntry {
        v: 2,
        seq,
        prev: hex::encode(prev),
        time: time.into(),
        actor: actor.into(),
        profession: prof.into(),
        action: action.into(),
        dossier: dossier.map(String::from),
        entry: None,
        target: None,
        categories: cats.iter().map(|c| c.to_string()).collect(),
        outcome,
        break_glass: false,
        detail: None,
        justification: None,
        // Drawn at random for each line; fixed here for the example.
        nonce: format!("{:032x}", 0x5eed_0000u64 + seq),
        fact: None,
        signer: None,
        sig: None,
    }
}

/// Lines, their leaves, the root and the checkpoint of the worked example.
type Example = (Vec<Vec<u8>>, Vec<[u8; 32]>, [u8; 32], Checkpoint);

/// The worked example: three entries, their leaves, the root and a checkpoint.
pub fn example() -> Example {
    let g = genesis(VAULT);
    let e1 = entry(
        1,
        g,
        "2026-03-02T08:00:00Z",
        "d.bernard",
        "directeur",
        "vault.init",
        None,
        &[],
        Outcome::Ok,
    );
    let l1 = e1.to_line().unwrap();
    let e2 = entry(
        2,
        leaf_hash(&l1),
        "2026-03-02T08:05:00Z",
        "c.leroy",
        "medecin",
        "dossier.read",
        Some("d-0a1b2c3d4e"),
        &["identity", "medical"],
        Outcome::Ok,
    );
    let l2 = e2.to_line().unwrap();
    let e3 = entry(
        3,
        leaf_hash(&l2),
        "2026-03-02T08:06:00Z",
        "e.petit",
        "educateur-specialise",
        "entry.add",
        Some("d-0a1b2c3d4e"),
        &[],
        Outcome::Denied,
    );
    let l3 = e3.to_line().unwrap();
    let lines = vec![l1, l2, l3];
    let leaves: Vec<[u8; 32]> = lines.iter().map(|l| leaf_hash(l)).collect();
    let root = root_of(&leaves);
    let cp = key().sign(&origin_for(&leaves[0]), 3, root, "e.petit");
    (lines, leaves, root, cp)
}

#[test]
fn the_document_shows_the_real_bytes() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/audit-format.md"))
        .unwrap();
    let (lines, leaves, root, cp) = example();
    assert!(doc.contains(&hex::encode(genesis(VAULT))), "genesis");
    for l in &lines {
        assert!(
            doc.contains(std::str::from_utf8(l).unwrap()),
            "line {}",
            String::from_utf8_lossy(l)
        );
    }
    for l in &leaves {
        assert!(doc.contains(&hex::encode(l)), "leaf {}", hex::encode(l));
    }
    let n01 = node_hash(&leaves[0], &leaves[1]);
    assert!(doc.contains(&hex::encode(n01)), "node 0-1");
    assert_eq!(root, node_hash(&n01, &leaves[2]));
    assert!(doc.contains(&hex::encode(root)), "root");
    assert!(
        doc.contains(&cp.to_text()),
        "checkpoint text:\n{}",
        cp.to_text()
    );
    let keys = HashMap::from([("e.petit".to_string(), vec![key().public()])]);
    assert_eq!(
        cp.check_signatures(&keys),
        SignatureCheck::Valid("e.petit".into())
    );
    assert!(
        doc.contains(&hex::encode(key().public())),
        "the example's public key"
    );
}

fn key() -> SigningKey {
    SigningKey::derive(b"AGE-SECRET-KEY-1EXAMPLEONLYNOTAREALKEY", VAULT).unwrap()
}

/// Prints the example (run with `--nocapture` when updating the document).
#[test]
fn print_example() {
    let (lines, leaves, root, cp) = example();
    println!("genesis {}", hex::encode(genesis(VAULT)));
    for (l, h) in lines.iter().zip(&leaves) {
        println!("{}\nleaf {}", String::from_utf8_lossy(l), hex::encode(h));
    }
    println!("node01 {}", hex::encode(node_hash(&leaves[0], &leaves[1])));
    println!("root {}\n{}", hex::encode(root), cp.to_text());
    println!("public key {}", hex::encode(key().public()));
}
