//! Coffre's checkpoints against a well-kept independent implementation of the
//! transparency ecosystem's formats (`signed_note` and `tlog_tiles`, ports of Go's
//! `golang.org/x/mod/sumdb/note` and `tlog`): a note Coffre signs is verified by
//! `signed_note` and parsed by `tlog_tiles`, a note `signed_note` signs is parsed
//! and verified by Coffre, and every record of a real vault's `checkpoints.log`
//! is a note those parsers accept.

use crate::util;

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use coffre::audit::checkpoint::{key_id, key_name, origin_for};
use coffre::audit::merkle::{leaf_hash, root_of};
use coffre::audit::{Checkpoint, SignatureCheck, SigningKey};
use signed_note::{Note, StandardSigner, StandardVerifier, VerifierList};
use util::TestVault;

const SEED: [u8; 32] = [42u8; 32];

/// The signed-note verifier key text: `<name>+<key ID hex>+<base64(0x01 ‖ key)>`.
fn vkey(name: &str, public: &[u8; 32]) -> String {
    let mut k = vec![0x01];
    k.extend_from_slice(public);
    format!(
        "{name}+{}+{}",
        hex::encode(key_id(name, public)),
        BASE64.encode(k)
    )
}

/// The signed-note signer key text: `PRIVATE+KEY+<name>+<key ID>+<base64(0x01 ‖ seed)>`.
fn skey(name: &str, public: &[u8; 32], seed: &[u8; 32]) -> String {
    let mut k = vec![0x01];
    k.extend_from_slice(seed);
    format!(
        "PRIVATE+KEY+{name}+{}+{}",
        hex::encode(key_id(name, public)),
        BASE64.encode(k)
    )
}

fn sample() -> (String, u64, [u8; 32]) {
    let lines: Vec<Vec<u8>> = (0..5).map(|i| format!("line {i}").into_bytes()).collect();
    let leaves: Vec<[u8; 32]> = lines.iter().map(|l| leaf_hash(l)).collect();
    (origin_for(&leaves[0]), 5, root_of(&leaves))
}

#[test]
fn a_note_coffre_signs_verifies_with_signed_note() {
    let key = SigningKey::from_seed(&SEED).unwrap();
    let (origin, size, root) = sample();
    let c = key.sign(&origin, size, root, "dr.leroy");
    let name = key_name(&origin, "dr.leroy");
    let verifier = StandardVerifier::new(&vkey(&name, &key.public())).unwrap();
    let note = Note::from_bytes(c.to_text().as_bytes()).unwrap();
    let (verified, unknown) = note
        .verify(&VerifierList::new(vec![Box::new(verifier)]))
        .unwrap();
    assert_eq!(verified.len(), 1);
    assert!(unknown.is_empty());
    assert_eq!(verified[0].name(), name);

    let cp = tlog_tiles::Checkpoint::from_bytes(note.text()).unwrap();
    assert_eq!(cp.origin(), origin);
    assert_eq!(cp.size(), size);
    assert_eq!(cp.hash().0, root);
    assert_eq!(cp.extension(), "");

    // Another key under the same name is refused by signed_note too.
    let other = SigningKey::from_seed(&[7u8; 32]).unwrap();
    let verifier = StandardVerifier::new(&vkey(&name, &other.public())).unwrap();
    assert!(note
        .verify(&VerifierList::new(vec![Box::new(verifier)]))
        .is_err());
}

#[test]
fn a_note_signed_by_signed_note_verifies_in_coffre() {
    let key = SigningKey::from_seed(&SEED).unwrap();
    let (origin, size, root) = sample();
    let name = key_name(&origin, "dpo.lambert");
    let text = format!("{origin}\n{size}\n{}\n", BASE64.encode(root));
    let signer = StandardSigner::new(&skey(&name, &key.public(), &SEED)).unwrap();
    let witness_seed = [9u8; 32];
    let witness = SigningKey::from_seed(&witness_seed).unwrap();
    let witness_signer = StandardSigner::new(&skey(
        "witness.example/w1",
        &witness.public(),
        &witness_seed,
    ))
    .unwrap();
    let mut note = Note::new(text.as_bytes(), &[]).unwrap();
    note.add_sigs(&[&signer, &witness_signer]).unwrap();
    let bytes = String::from_utf8(note.to_bytes()).unwrap();

    let c = Checkpoint::parse(&bytes).unwrap();
    assert_eq!((c.size, c.root), (size, root));
    assert_eq!(c.origin(), Some(origin.as_str()));
    assert_eq!(c.to_text(), bytes, "Coffre writes the same bytes back");
    let keys = HashMap::from([("dpo.lambert".to_string(), vec![key.public()])]);
    assert_eq!(
        c.check_signatures(&keys),
        SignatureCheck::Valid("dpo.lambert".into())
    );
    // Coffre's own signature over the same text is the same (Ed25519 is
    // deterministic): the two implementations sign the same bytes.
    let mine = key.sign(&origin, size, root, "dpo.lambert");
    assert!(
        bytes.starts_with(&mine.to_text()),
        "{bytes}\n{}",
        mine.to_text()
    );
}

#[test]
fn every_record_of_a_vault_checkpoint_file_is_a_standard_note() {
    let v = TestVault::new();
    let d = v.create_dossier(&v.admin, "Lucas Exemple", "2012-05-14");
    v.as_user(&v.admin, &["dossier", "show", &d])
        .expect_code(0, "read");
    let text = std::fs::read_to_string(v.dir.join("checkpoints.log")).unwrap();
    let log = std::fs::read_to_string(v.audit_path()).unwrap();
    let origin = origin_for(&leaf_hash(log.lines().next().unwrap().as_bytes()));
    // The documented split: each note is followed by one empty line.
    let records: Vec<String> = text
        .split("\n\n")
        .collect::<Vec<_>>()
        .chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| format!("{}\n\n{}\n", c[0], c[1]))
        .collect();
    assert!(records.len() >= 3, "{text}");
    assert_eq!(
        records.iter().map(|r| format!("{r}\n")).collect::<String>(),
        text,
        "the file is the notes, each followed by an empty line"
    );
    let parsed = Checkpoint::parse_many(&text).unwrap();
    assert_eq!(parsed.len(), records.len());
    for (r, c) in records.iter().zip(&parsed) {
        let note = Note::from_bytes(r.as_bytes()).unwrap();
        let cp = tlog_tiles::Checkpoint::from_bytes(note.text()).unwrap();
        assert_eq!(cp.origin(), origin);
        assert_eq!((cp.size(), cp.hash().0), (c.size, c.root));
        assert_eq!(&c.to_text(), r);
    }
    // The exported checkpoint is a single note as well.
    let out = v.root.path().join("cp.txt");
    v.anon(&["audit", "checkpoint", "--out", out.to_str().unwrap()])
        .expect_code(0, "export");
    let one = std::fs::read(&out).unwrap();
    assert_eq!(one, records.last().unwrap().as_bytes());
    Note::from_bytes(&one).unwrap();
}
