//! Keeps `docs/audit-format.md` true: rebuilds its worked example with the
//! library and checks that every line, hash, signature and the example's
//! policy the document shows appear in it byte for byte; then writes the
//! example out as a vault's three files and verifies them with the rights
//! replay and verifier of `coffre audit verify` and with
//! `docs/verify_audit.py`: the example is a complete vault either verifier
//! accepts, and a copy with one changed byte is refused by both.

use std::collections::HashMap;
use std::path::Path;

use coffre::audit::checkpoint::origin_for;
use coffre::audit::merkle::{leaf_hash, node_hash, root_of};
use coffre::audit::{
    genesis, signed_part, AuditEntry, Checkpoint, Outcome, SignatureCheck, SigningKey,
};
use coffre::crypto::kdf::KdfParams;
use coffre::rights::fact::{key_commitment, Fact, Member, Status};

const VAULT: &str = "00112233445566778899aabbccddeeff";

/// The example's policy: the smallest policy Coffre accepts with a profession
/// that manages staff and one whose restricted key needs an approval.
const POLICY: &str = r#"format = 1
name = "example"

[rules]
break_glass_hours = 8

[retention]
default = "adult"

[retention.rules.adult]
label = "Adult support file"
years = 2
source = "example"

[information]
purposes = ["example"]
source = "example"
rights = ["example"]
complaint = "example"
dpo_contact = "example"

[categories.identity]
description = "Who the person is"
label = "Identité"
label_en = "Identity"

[categories.medical]
description = "Medical record"
label = "Médical"
label_en = "Medical"
approval = true

[professions.directeur]
label = "Directeur"
label_en = "Director"
write = ["identity"]
can = ["manage-staff", "create-dossier", "manage-team"]

[professions.medecin]
label = "Médecin"
label_en = "Doctor"
write = ["identity", "medical"]

[kinds.note]
description = "A note"
label = "Note"
label_en = "Note"
fields = { text = "medical" }
"#;

/// Example keys (derived from texts, never real identities).
fn key(text: &str) -> SigningKey {
    SigningKey::derive(text.as_bytes(), VAULT).unwrap()
}

fn director() -> SigningKey {
    key("AGE-SECRET-KEY-1EXAMPLEONLYNOTAREALKEY")
}

fn doctor() -> SigningKey {
    key("AGE-SECRET-KEY-1EXAMPLEDOCTORNOTAREALKEY")
}

fn recovery() -> SigningKey {
    key("AGE-SECRET-KEY-1EXAMPLERECOVERYNOTAREALKEY")
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, b))
}

#[allow(clippy::too_many_arguments)]
fn entry(
    seq: u64,
    prev: [u8; 32],
    time: &str,
    actor: &str,
    prof: &str,
    action: &str,
    dossier: Option<&str>,
    target: Option<&str>,
    cats: &[&str],
    outcome: Outcome,
    detail: Option<&str>,
) -> AuditEntry {
    AuditEntry {
        v: 6,
        seq,
        prev: hex::encode(prev),
        time: time.into(),
        actor: actor.into(),
        // The director's second line (2) follows their first; the doctor's
        // one line (3) is their first.
        aprev: Some(if seq == 2 { 1 } else { 0 }),
        profession: prof.into(),
        action: action.into(),
        dossier: dossier.map(String::from),
        // The example's one line about a dossier is its first.
        dprev: match dossier {
            Some(_) => coffre::audit::Dprev::Seq(0),
            None => coffre::audit::Dprev::Null,
        },
        entry: None,
        target: target.map(String::from),
        categories: cats.iter().map(|c| c.to_string()).collect(),
        outcome,
        break_glass: false,
        detail: detail.map(String::from),
        justification: None,
        // Drawn at random for each line; fixed here for the example.
        nonce: format!("{:032x}", 0x5eed_0000u64 + seq),
        fact: None,
        signer: None,
        sig: None,
    }
}

/// `e` as a line of format 7 carrying `fact`, signed by `signer` with `key`.
fn with_fact(mut e: AuditEntry, fact: &Fact, signer: &str, key: &SigningKey) -> Vec<u8> {
    e.v = 7;
    e.fact = Some(serde_json::value::RawValue::from_string(fact.to_json().unwrap()).unwrap());
    e.signer = Some(signer.into());
    e.sig = Some("0".repeat(128));
    let mut line = e.to_line().unwrap();
    let sig = hex::encode(key.sign_bytes(&signed_part(&line).unwrap()));
    let end = line.len() - 2;
    line[end - 128..end].copy_from_slice(sig.as_bytes());
    line
}

fn member(id: &str, profession: &str, recipient: &str, key: &SigningKey) -> Member {
    Member {
        id: id.into(),
        profession: profession.into(),
        status: Status::Active,
        recipient: recipient.into(),
        key: hex::encode(key.public()),
    }
}

/// Lines, their leaves, the root and the checkpoint of the worked example.
type Example = (Vec<Vec<u8>>, Vec<[u8; 32]>, [u8; 32], Checkpoint);

/// The worked example: the genesis, a member added, a refused read; their
/// leaves, the root and the checkpoint the new member signs.
pub fn example() -> Example {
    let keys = ["audit", "cat:identity", "cat:medical", "directory", "index"]
        .iter()
        .enumerate()
        .map(|(i, k)| {
            (
                k.to_string(),
                key_commitment(VAULT, k, 1, &[i as u8 + 1; 32]),
            )
        })
        .collect();
    let genesis_fact = Fact::Genesis {
        vault: VAULT.into(),
        policy_sha256: sha256_hex(POLICY.as_bytes()),
        kdf_floor: KdfParams::DEFAULT,
        recovery_recipient: "age15qjlrcs2lndpyeky85jarvmftq04ke9le4d06jnp6z3zmcyhg4uqlhllvu".into(),
        recovery_key: hex::encode(recovery().public()),
        audit_recipient: "age1ujyyg53jhdy5hzq37u4rqf6e2qlxa59z3hm240l7e03fufcnqgnsp2a0qm".into(),
        keys,
        admin: member(
            "d.bernard",
            "directeur",
            "age19g6hq6dvgklul678nnkh5v9ljzz5t8qyc0wqa8d52su0gll8j4lqcsgudx",
            &director(),
        ),
    };
    let e1 = entry(
        1,
        genesis(VAULT),
        "2026-03-02T08:00:00Z",
        "d.bernard",
        "directeur",
        "vault.init",
        None,
        None,
        &[],
        Outcome::Ok,
        None,
    );
    let l1 = with_fact(e1, &genesis_fact, "d.bernard", &director());
    let staff = Fact::Staff {
        member: member(
            "c.leroy",
            "medecin",
            "age13gka0a5uhsmtywzs3eelyxln2vlv4klzj9c8vcv827ykyxd6mpcqwsw0tf",
            &doctor(),
        ),
    };
    let e2 = entry(
        2,
        leaf_hash(&l1),
        "2026-03-02T08:05:00Z",
        "d.bernard",
        "directeur",
        "staff.add",
        None,
        Some("c.leroy"),
        &[],
        Outcome::Ok,
        Some("profession medecin"),
    );
    let l2 = with_fact(e2, &staff, "d.bernard", &director());
    let e3 = entry(
        3,
        leaf_hash(&l2),
        "2026-03-02T08:06:00Z",
        "c.leroy",
        "medecin",
        "dossier.read",
        Some("d-0a1b2c3d4e"),
        None,
        &["identity", "medical"],
        Outcome::Denied,
        Some("not in the care team"),
    );
    let l3 = e3.to_line().unwrap();
    let lines = vec![l1, l2, l3];
    let leaves: Vec<[u8; 32]> = lines.iter().map(|l| leaf_hash(l)).collect();
    let root = root_of(&leaves);
    let cp = doctor().sign(&origin_for(&leaves[0]), 3, root, "c.leroy");
    (lines, leaves, root, cp)
}

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/audit-format.md")).unwrap()
}

#[test]
fn the_document_shows_the_real_bytes() {
    let doc = doc();
    let (lines, leaves, root, cp) = example();
    assert!(
        doc.contains(&format!("```toml\n{POLICY}```")),
        "the example's policy"
    );
    assert!(doc.contains(&sha256_hex(POLICY.as_bytes())), "its SHA-256");
    assert!(doc.contains(&hex::encode(genesis(VAULT))), "genesis");
    for l in &lines {
        assert!(
            doc.contains(std::str::from_utf8(l).unwrap()),
            "line {}",
            String::from_utf8_lossy(l)
        );
        assert!(coffre::audit::line::check(l).is_ok(), "well formed");
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
    let keys = HashMap::from([("c.leroy".to_string(), vec![doctor().public()])]);
    assert_eq!(
        cp.check_signatures(&keys),
        SignatureCheck::Valid("c.leroy".into())
    );
    for k in [director(), doctor(), recovery()] {
        assert!(
            doc.contains(&hex::encode(k.public())),
            "the example's public key {}",
            hex::encode(k.public())
        );
    }
}

/// The example's three files in `dir`.
fn write_vault(dir: &Path) {
    let (lines, _, _, cp) = example();
    let log: Vec<u8> = lines
        .iter()
        .flat_map(|l| [&l[..], b"\n"].concat())
        .collect();
    std::fs::write(dir.join("audit.log"), log).unwrap();
    std::fs::write(dir.join("checkpoints.log"), cp.to_text() + "\n").unwrap();
    std::fs::write(dir.join("policy.toml"), POLICY).unwrap();
}

/// What `coffre audit verify` checks from the files: the rights replay from
/// the genesis (every line well formed, every fact signed and allowed), then
/// the log against its checkpoints under the keys the replay pinned.
fn rust_verify(dir: &Path) -> coffre::Result<u64> {
    let policy = coffre::policy::parse_stored(POLICY, "policy.toml")?;
    let medium = coffre::store::medium::FileMedium::new(&dir.join("audit.log"));
    let v = coffre::rights::replay::from_genesis(&policy, VAULT, &medium)?;
    let text = std::fs::read_to_string(dir.join("checkpoints.log")).unwrap();
    let checkpoints = Checkpoint::parse_many(&text)?;
    let s = coffre::audit::verify(
        &dir.join("audit.log"),
        &coffre::audit::VerifyInput {
            vault_id: VAULT,
            checkpoints: &checkpoints,
            signers: &v.register.signer_keys(),
            key_windows: Some(&v.register.key_windows()),
            recorded: None,
            since: None,
        },
    )?;
    Ok(s.entries)
}

fn python_verify(dir: &Path) -> (i32, String) {
    let out = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/verify_audit.py"))
        .arg(dir)
        .output()
        .expect("python3");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn the_example_is_a_vault_both_verifiers_accept() {
    let dir = tempfile::tempdir().unwrap();
    write_vault(dir.path());
    assert_eq!(rust_verify(dir.path()).unwrap(), 3);
    let (code, out) = python_verify(dir.path());
    assert_eq!(code, 0, "{out}");
    // One byte of the doctor's read changed: both refuse, as an alteration.
    let path = dir.path().join("audit.log");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"denied\"", "\"ok\"")).unwrap();
    let err = rust_verify(dir.path()).unwrap_err();
    assert_eq!(err.exit_code(), 5, "{err:?}");
    let (code, out) = python_verify(dir.path());
    assert_eq!(code, 5, "{out}");
}

/// Prints the example (run with `--nocapture` when updating the document).
#[test]
fn print_example() {
    let (lines, leaves, root, cp) = example();
    println!("policy sha256 {}", sha256_hex(POLICY.as_bytes()));
    println!("genesis {}", hex::encode(genesis(VAULT)));
    for (l, h) in lines.iter().zip(&leaves) {
        println!("{}\nleaf {}", String::from_utf8_lossy(l), hex::encode(h));
    }
    println!("node01 {}", hex::encode(node_hash(&leaves[0], &leaves[1])));
    println!("root {}\n{}", hex::encode(root), cp.to_text());
    for (who, k) in [
        ("director", director()),
        ("doctor", doctor()),
        ("recovery", recovery()),
    ] {
        println!("{who} public key {}", hex::encode(k.public()));
    }
}
