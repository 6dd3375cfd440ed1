//! `coffre audit verify`, `docs/verify_audit.py` and the ordinary commands
//! against the rules of `docs/audit-format.md` where they once disagreed with
//! it: a line appended to the log that breaks the spec's entry rules (no
//! `nonce`, members out of order, categories unsorted, an unknown outcome, a
//! string escaped where JSON need not, a date that does not exist, a byte that
//! is not UTF-8) is an alteration for both verifiers (exit 5), and an ordinary
//! command refuses it (exit 5) without adopting it — nothing is written after
//! it, no checkpoint signs it. A well-formed line appended the same way is the
//! control: both verifiers accept it and the next command adopts it.
//! `checkpoints.log` framed otherwise than the spec says, or holding a byte
//! that is not UTF-8, is refused by both verifiers (exit 5).

use crate::util;

use std::path::{Path, PathBuf};

use util::{run_coffre, Opts, Run, TestVault};

/// A vault after a few commands: a director, a doctor, a dossier whose team
/// holds the doctor, a note. Copied for each case (each case alters its copy).
fn base() -> (TestVault, String) {
    let mut v = TestVault::new();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, "dr.leroy");
    v.add_entry("dr.leroy", &d, "medical", &["text=Une note"]);
    v.verify().expect_code(0, "the untouched vault verifies");
    assert_eq!(python(&v.dir).0, 0, "{}", python(&v.dir).1);
    (v, d)
}

/// A copy of the vault's folder in a fresh temporary folder.
fn copy(v: &TestVault) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let to = root.path().join("vault");
    copy_dir(&v.dir, &to);
    (root, to)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn leaf(line: &[u8]) -> String {
    let mut b = vec![0u8];
    b.extend_from_slice(line);
    hex::encode(ring::digest::digest(&ring::digest::SHA256, &b))
}

/// The next line of the log at `dir`, chained to its last line, as anyone
/// with write access to the disk can make one (SHA-256 needs no key): a read
/// by the doctor, in canonical form (format 6, its `aprev` the last line
/// by the doctor, its `dprev` the last line naming the dossier).
fn next_line(dir: &Path, dossier: &str) -> String {
    let log = std::fs::read(dir.join("audit.log")).unwrap();
    let lines: Vec<&[u8]> = log
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    format!(
        "{{\"v\":6,\"seq\":{},\"prev\":\"{}\",\"time\":\"2026-01-05T03:00:00Z\",\"actor\":\"dr.leroy\",\"aprev\":{},\"profession\":\"medecin\",\"action\":\"dossier.read\",\"dossier\":\"{dossier}\",\"dprev\":{},\"entry\":null,\"target\":null,\"categories\":[\"identity\",\"medical\"],\"outcome\":\"ok\",\"break_glass\":false,\"detail\":null,\"justification\":null,\"nonce\":\"00112233445566778899aabbccddeeff\"}}",
        lines.len() + 1,
        leaf(lines[lines.len() - 1]),
        last_by(&lines, "dr.leroy"),
        last_about(&lines, dossier),
    )
}

/// The number of the last line of `lines` by `actor` (0 for none).
fn last_by(lines: &[&[u8]], actor: &str) -> usize {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            serde_json::from_slice::<serde_json::Value>(l)
                .ok()
                .is_some_and(|v| v["actor"] == actor)
        })
        .map(|(i, _)| i + 1)
        .last()
        .unwrap_or(0)
}

/// The number of the last line of `lines` naming `dossier` (0 for none).
fn last_about(lines: &[&[u8]], dossier: &str) -> usize {
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            serde_json::from_slice::<serde_json::Value>(l)
                .ok()
                .is_some_and(|v| v["dossier"] == dossier)
        })
        .map(|(i, _)| i + 1)
        .last()
        .unwrap_or(0)
}

fn append(dir: &Path, line: &[u8]) {
    let mut log = std::fs::read(dir.join("audit.log")).unwrap();
    log.extend_from_slice(line);
    log.push(b'\n');
    std::fs::write(dir.join("audit.log"), log).unwrap();
}

/// `docs/verify_audit.py DIR`: (exit code, output).
fn python(dir: &Path) -> (i32, String) {
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

fn verify(dir: &Path) -> Run {
    run_coffre(
        &["audit", "verify"],
        &Opts {
            vault: Some(dir),
            ..Opts::default()
        },
    )
}

fn dossier_list(v: &TestVault, dir: &Path) -> Run {
    let user = v.admin.clone();
    run_coffre(
        &["dossier", "list"],
        &Opts {
            vault: Some(dir),
            user: Some(&user),
            pass: Some(v.pass(&user)),
            ..Opts::default()
        },
    )
}

/// Both verifiers refuse the vault at `dir` as altered (exit 5); `words` are
/// in coffre's message.
#[track_caller]
fn both_refuse(dir: &Path, what: &str, words: &[&str]) {
    let r = verify(dir);
    r.expect_code(5, &format!("audit verify, {what}"));
    for w in words {
        assert!(r.stderr.contains(w), "{what}: '{w}' in {}", r.stderr);
    }
    let (code, out) = python(dir);
    assert_eq!(code, 5, "verify_audit.py, {what}: {out}");
}

/// The cases: what is changed in a well-formed line, and what coffre names.
fn malformed(good: &str) -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let nonce = ",\"nonce\":\"00112233445566778899aabbccddeeff\"";
    vec![
        (
            "a line without its nonce",
            good.replace(nonce, "").into_bytes(),
            "in their order",
        ),
        (
            "members out of order",
            good.replace(
                "\"profession\":\"medecin\",\"action\":\"dossier.read\"",
                "\"action\":\"dossier.read\",\"profession\":\"medecin\"",
            )
            .into_bytes(),
            "in their order",
        ),
        (
            "categories not sorted",
            good.replace("[\"identity\",\"medical\"]", "[\"medical\",\"identity\"]")
                .into_bytes(),
            "categories not sorted",
        ),
        (
            "an unknown outcome",
            good.replace("\"outcome\":\"ok\"", "\"outcome\":\"maybe\"")
                .into_bytes(),
            "unknown outcome",
        ),
        (
            "a character escaped where JSON need not",
            good.replace("\"actor\":\"dr.leroy\"", "\"actor\":\"\\u0064r.leroy\"")
                .into_bytes(),
            "canonical form",
        ),
        (
            "a date that does not exist",
            good.replace("2026-01-05", "2026-02-30").into_bytes(),
            "malformed time",
        ),
        (
            "a dprev with a leading zero",
            good.replace("\"dprev\":", "\"dprev\":0").into_bytes(),
            "dprev",
        ),
        (
            "a dprev where the format has none",
            {
                let (a, b) = (
                    good.find(",\"aprev\":").unwrap(),
                    good.find(",\"profession\":").unwrap(),
                );
                format!("{}{}", &good[..a], &good[b..]).replace("\"v\":6", "\"v\":2")
            }
            .into_bytes(),
            "in their order",
        ),
        (
            "an aprev with a leading zero",
            good.replace("\"aprev\":", "\"aprev\":0").into_bytes(),
            "aprev",
        ),
        (
            "an aprev where the format has none",
            good.replace("\"v\":6", "\"v\":4").into_bytes(),
            "in their order",
        ),
        (
            "a format-6 line without aprev",
            {
                let (a, b) = (
                    good.find(",\"aprev\":").unwrap(),
                    good.find(",\"profession\":").unwrap(),
                );
                format!("{}{}", &good[..a], &good[b..]).into_bytes()
            },
            "in their order",
        ),
        (
            "a format-6 line without dprev",
            {
                let (a, b) = (
                    good.find(",\"dprev\":").unwrap(),
                    good.find(",\"entry\":").unwrap(),
                );
                format!("{}{}", &good[..a], &good[b..]).into_bytes()
            },
            "in their order",
        ),
        (
            "a byte that is not UTF-8",
            good.replace("dr.leroy", "dr.lerXy")
                .bytes()
                .map(|b| if b == b'X' { 0xff } else { b })
                .collect(),
            "not UTF-8",
        ),
    ]
}

/// The control: a well-formed line appended behind coffre's back is accepted
/// by both verifiers (reported, not refused) and adopted by the next command,
/// after which both verifiers still accept the vault.
#[test]
fn a_well_formed_appended_line_is_adopted_and_verifies() {
    let (v, d) = base();
    let (_root, dir) = copy(&v);
    append(&dir, next_line(&dir, &d).as_bytes());
    verify(&dir).expect_code(0, "audit verify");
    assert_eq!(python(&dir).0, 0, "{}", python(&dir).1);
    let n = std::fs::read_to_string(dir.join("audit.log"))
        .unwrap()
        .lines()
        .count();
    dossier_list(&v, &dir).expect_code(0, "dossier list adopts it");
    let after = std::fs::read_to_string(dir.join("audit.log")).unwrap();
    assert!(
        after.lines().nth(n).unwrap().contains("audit.adopted"),
        "flagged"
    );
    verify(&dir).expect_code(0, "audit verify after the adoption");
    assert_eq!(python(&dir).0, 0, "{}", python(&dir).1);
}

/// Each malformed line: both verifiers refuse it (exit 5), and `dossier list`
/// refuses it (exit 5) without writing anything — after which both verifiers
/// still refuse the vault, the line still named.
#[test]
fn a_malformed_appended_line_is_an_alteration_never_adopted() {
    let (v, d) = base();
    for (what, line, words) in malformed(&next_line(&v.dir, &d)) {
        let (_root, dir) = copy(&v);
        append(&dir, &line);
        let n = std::fs::read(dir.join("audit.log"))
            .unwrap()
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count();
        let entry = format!("entry {n}");
        both_refuse(&dir, what, &[&entry, "not a well-formed line", words]);
        let log = std::fs::read(dir.join("audit.log")).unwrap();
        let checkpoints = std::fs::read(dir.join("checkpoints.log")).unwrap();
        let r = dossier_list(&v, &dir);
        r.expect_code(5, &format!("dossier list, {what}"));
        assert!(r.stderr.contains(&entry), "{what}: {}", r.stderr);
        assert!(
            std::fs::read(dir.join("audit.log")).unwrap() == log,
            "{what}: the log was written to"
        );
        assert!(
            std::fs::read(dir.join("checkpoints.log")).unwrap() == checkpoints,
            "{what}: a checkpoint was signed"
        );
        both_refuse(&dir, &format!("{what}, after the command"), &[&entry]);
    }
}

/// `checkpoints.log` holding a byte that is not UTF-8: an alteration (exit 5),
/// not a failure to read the file.
#[test]
fn a_checkpoint_file_that_is_not_utf8_is_an_alteration() {
    let (v, _) = base();
    for (what, change) in [("appended", 0usize), ("inside a note", 1)] {
        let (_root, dir) = copy(&v);
        let path = dir.join("checkpoints.log");
        let mut bytes = std::fs::read(&path).unwrap();
        if change == 0 {
            bytes.push(0xff);
        } else {
            let at = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
            bytes[at] = 0xff;
        }
        std::fs::write(&path, bytes).unwrap();
        both_refuse(
            &dir,
            &format!("a byte that is not UTF-8 {what}"),
            &["UTF-8"],
        );
    }
}

/// `checkpoints.log` framed otherwise than the spec says (each note followed
/// by exactly one empty line, nothing before or between): refused by both.
#[test]
fn checkpoint_framing_the_spec_forbids_is_refused() {
    let (v, _) = base();
    let text = std::fs::read_to_string(v.dir.join("checkpoints.log")).unwrap();
    assert!(text.ends_with("\n\n") && !text.ends_with("\n\n\n"));
    let first_end = text.find("\n\n").unwrap() + 2;
    let first_end = first_end + text[first_end..].find('\n').unwrap() + 1;
    let cases = [
        ("an empty line before the first note", format!("\n{text}")),
        ("two empty lines at the end", format!("{text}\n")),
        (
            "the last note without its empty line",
            text[..text.len() - 1].to_string(),
        ),
        (
            "two empty lines between notes",
            format!("{}\n{}", &text[..=first_end], &text[first_end + 1..]),
        ),
        (
            "two notes without an empty line between them",
            format!("{}{}", &text[..first_end], &text[first_end + 1..]),
        ),
        (
            "a line that belongs to no note",
            format!("{text}garbage\n\n"),
        ),
    ];
    for (what, bad) in cases {
        let (_root, dir) = copy(&v);
        std::fs::write(dir.join("checkpoints.log"), bad).unwrap();
        both_refuse(&dir, what, &[]);
    }
    // The file as written still verifies (the cases above change only framing).
    let (_root, dir) = copy(&v);
    std::fs::write(dir.join("checkpoints.log"), &text).unwrap();
    verify(&dir).expect_code(0, "as written");
}

// ------------------------------------------------------------------ facts

/// A small deterministic generator (xorshift64*), so that a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const PROFESSIONS: &[&str] = &[
    "directeur",
    "cadre-socio-educatif",
    "medecin",
    "infirmier",
    "psychologue",
    "assistant-social",
    "educateur-specialise",
    "administratif",
    "dpo",
    "astronaute",
];
const STAFF: &[&str] = &["dir", "m1", "m2", "m3", "m4", "m5", "Bad id"];
const DOSSIERS: &[&str] = &["d1", "d2", "d3", "d1", "d2"];
const KEYS: &[&str] = &[
    "cat:medical",
    "cat:identity",
    "cat:psy-synthesis",
    "cat:justice",
    "cat:psy-notes",
    "directory",
    "index",
    "audit",
    "cat:nope",
];
const DATA_KEYS: &[&str] = &[
    "medical/*",
    "identity/*",
    "psy-notes/m1",
    "psy-notes/*",
    "third-party/m2",
    "nope",
];

fn signing(label: &str, n: u64) -> coffre::audit::SigningKey {
    coffre::audit::SigningKey::derive(format!("{label}/{n}").as_bytes(), "v").unwrap()
}

fn hash_hex(r: &mut Rng) -> String {
    let mut b = [0u8; 32];
    for c in b.chunks_mut(8) {
        c.copy_from_slice(&r.next().to_le_bytes());
    }
    hex::encode(b)
}

/// One random fact, its signer's name and key, the entry's actor.
fn random_fact(
    r: &mut Rng,
    keys: &mut std::collections::HashMap<String, u64>,
    seq: u64,
    time: u64,
) -> (
    coffre::rights::Fact,
    String,
    coffre::audit::SigningKey,
    String,
) {
    use coffre::rights::fact::{Fact, Member, Status};
    let staff = |r: &mut Rng| r.pick(STAFF).to_string();
    let dossier = |r: &mut Rng| r.pick(DOSSIERS).to_string();
    let fact = match r.below(24) {
        0 | 1 => {
            let id = staff(r);
            let gen = keys.get(&id).copied().unwrap_or(0);
            // Mostly the key it has; sometimes a new identity.
            let gen = if gen == 0 || r.chance(15) {
                gen + 1
            } else {
                gen
            };
            // The director stays a director (their facts keep the log going).
            let director = id == "dir";
            Fact::Staff {
                member: Member {
                    id: id.clone(),
                    profession: if director {
                        "directeur".to_string()
                    } else {
                        r.pick(PROFESSIONS).to_string()
                    },
                    status: if !director && r.chance(15) {
                        Status::Revoked
                    } else {
                        Status::Active
                    },
                    recipient: format!("age1{id}{gen}"),
                    key: hex::encode(signing(&id, gen).public()),
                },
            }
        }
        2 => Fact::Approve {
            member: staff(r),
            keys: (0..r.below(3)).map(|_| r.pick(KEYS).to_string()).collect(),
        },
        3 => Fact::Key {
            key: r.pick(KEYS).to_string(),
            generation: 1 + r.below(3) as u32,
            commitment: hash_hex(r),
        },
        4 => Fact::Dossier {
            dossier: dossier(r),
        },
        5 | 13 => Fact::Team {
            dossier: dossier(r),
            member: staff(r),
            present: r.chance(70),
        },
        6 | 14 => Fact::BreakGlass {
            dossier: dossier(r),
            member: if r.chance(70) { "dir".into() } else { staff(r) },
            until: time + r.below(10 * 3600) as u64,
        },
        7 => Fact::Person {
            dossier: dossier(r),
            recipient: Some("age1person".into()),
            key: if r.chance(80) {
                Some(hex::encode(signing("person", 1).public()))
            } else {
                None
            },
        },
        8 | 15 => Fact::Objection {
            dossier: dossier(r),
            category: "medical".into(),
            profession: "infirmier".into(),
            objects: r.chance(50),
        },
        9 => Fact::DataKey {
            dossier: dossier(r),
            key: r.pick(DATA_KEYS).to_string(),
            record: hash_hex(r),
        },
        10 | 16 | 17 => Fact::Content {
            dossier: dossier(r),
            add: (0..r.below(3)).map(|_| hash_hex(r)).collect(),
            remove: (0..r.below(2)).map(|_| hash_hex(r)).collect(),
        },
        11 => Fact::Closed {
            dossier: dossier(r),
            at: time,
            // Older facts have no rule: both forms are valid.
            rule: (r.below(2) == 0).then(|| "adulte".to_string()),
        },
        // Only one dossier is ever erased (nothing about it applies after).
        12 => Fact::Erased {
            dossier: "d3".into(),
        },
        18 => Fact::AuditRecipient {
            recipient: "age1audit2".into(),
        },
        19 => Fact::PersonKeys {
            dossier: dossier(r),
            wraps: hash_hex(r),
            add: match r.below(4) {
                0 => vec![],
                1 => vec!["medical".into()],
                2 => vec!["identity".into(), "social".into()],
                // Out of order: refused by both.
                _ => vec!["social".into(), "identity".into()],
            },
        },
        21 => Fact::SecondFactor {
            member: if r.chance(60) { "dir".into() } else { staff(r) },
            id: r
                .pick(&["totp-1", "totp-2", "Totp/3", "passkey-1"])
                .to_string(),
            factor: r.pick(&["totp", "totp", "passkey", "sms"]).to_string(),
            commitment: hash_hex(r),
        },
        22 => Fact::SecondFactorRemoved {
            member: if r.chance(60) { "dir".into() } else { staff(r) },
            id: r.pick(&["totp-1", "totp-2"]).to_string(),
        },
        23 => Fact::SecondFactorReset { member: staff(r) },
        _ => Fact::Export {
            size: r.below(seq as usize + 1) as u64,
        },
    };
    let (signer, key, actor) = match r.below(10) {
        // The director most often: the profession with most capabilities.
        2..=8 => {
            let gen = keys.get("dir").copied().unwrap_or(1);
            ("dir".to_string(), signing("dir", gen), "dir".to_string())
        }
        0 => ("~recovery".to_string(), signing("recovery", 1), staff(r)),
        1 => {
            let d = dossier(r);
            let actor = if r.chance(85) {
                format!("person.{d}")
            } else {
                format!("person.{}", dossier(r))
            };
            (format!("person:{d}"), signing("person", 1), actor)
        }
        _ => {
            let id = staff(r);
            let gen = keys.get(&id).copied().unwrap_or(1);
            // Mostly the key the generator last gave them; sometimes an older one.
            let gen = if gen > 1 && r.chance(10) {
                gen - 1
            } else {
                gen
            };
            let actor = if r.chance(95) { id.clone() } else { staff(r) };
            (id.clone(), signing(&id, gen), actor)
        }
    };
    if let Fact::Staff { member } = &fact {
        let gen = keys.get(&member.id).copied().unwrap_or(0);
        if member.key != hex::encode(signing(&member.id, gen.max(1)).public()) {
            keys.insert(member.id.clone(), gen + 1);
        } else {
            keys.entry(member.id.clone()).or_insert(1);
        }
    }
    (fact, signer, key, actor)
}

fn fact_line(
    seq: u64,
    prev: &[u8; 32],
    time: u64,
    actor: &str,
    fact: &coffre::rights::Fact,
    signer: &str,
    key: &coffre::audit::SigningKey,
) -> Vec<u8> {
    let t = jiff::Timestamp::from_second(time as i64)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let e = coffre::audit::AuditEntry {
        v: 3,
        seq,
        prev: hex::encode(prev),
        time: t,
        actor: actor.into(),
        aprev: None,
        profession: String::new(),
        action: "fact".into(),
        dossier: None,
        dprev: Default::default(),
        entry: None,
        target: None,
        categories: vec![],
        outcome: coffre::audit::Outcome::Ok,
        break_glass: false,
        detail: None,
        justification: None,
        nonce: format!("{seq:032x}"),
        fact: Some(serde_json::value::RawValue::from_string(fact.to_json().unwrap()).unwrap()),
        signer: Some(signer.into()),
        sig: Some("0".repeat(128)),
    };
    let mut line = e.to_line().unwrap();
    let sig = hex::encode(key.sign_bytes(&coffre::audit::signed_part(&line).unwrap()));
    let end = line.len() - 2;
    line[end - 128..end].copy_from_slice(sig.as_bytes());
    line
}

/// Writes a vault's three files: the lines, one checkpoint of size 1 signed
/// by the genesis member, the default policy.
fn write_files(dir: &Path, lines: &[Vec<u8>], origin: &str) {
    let log: Vec<u8> = lines
        .iter()
        .flat_map(|l| [&l[..], b"\n"].concat())
        .collect();
    std::fs::write(dir.join("audit.log"), log).unwrap();
    let root = coffre::audit::merkle::leaf_hash(&lines[0]);
    let cp = signing("dir", 1).sign(origin, 1, root, "dir");
    std::fs::write(dir.join("checkpoints.log"), cp.to_text() + "\n").unwrap();
    std::fs::write(dir.join("policy.toml"), coffre::policy::DEFAULT_POLICY).unwrap();
}

/// Random facts of every kind, by signers allowed or not, with keys current
/// or not: each fact Coffre's rights replay refuses, `verify_audit.py`
/// refuses too (exit 5) as the log's last line; the log of every fact Coffre
/// accepted, `verify_audit.py` accepts. The two verifiers follow one rule.
#[test]
fn both_verifiers_apply_the_same_rights_rules() {
    use coffre::rights::fact::{Fact, Member, Status};
    let policy =
        coffre::policy::parse_stored(coffre::policy::DEFAULT_POLICY, "policy.toml").unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Another seed to explore: AUDIT_CONFORMANCE_SEED=<number> (then every
    // refusal is checked with verify_audit.py, and coverage is not required).
    let explore: Option<u64> = std::env::var("AUDIT_CONFORMANCE_SEED")
        .ok()
        .and_then(|s| s.parse().ok());
    let mut r = Rng(explore.unwrap_or(0x5eed_c0ff_ee00_0001) | 1);
    let every = if explore.is_some() { 1 } else { 6 };
    let mut keys: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    keys.insert("dir".into(), 1);
    let mut time = 1_767_225_600u64; // 2026-01-01
    let digest = hex::encode(ring::digest::digest(
        &ring::digest::SHA256,
        coffre::policy::DEFAULT_POLICY.as_bytes(),
    ));
    let genesis = Fact::Genesis {
        vault: "v".into(),
        policy_sha256: digest,
        kdf_floor: coffre::crypto::kdf::KdfParams::DEFAULT,
        recovery_recipient: "age1recovery".into(),
        recovery_key: hex::encode(signing("recovery", 1).public()),
        audit_recipient: "age1audit".into(),
        keys: Default::default(),
        admin: Member {
            id: "dir".into(),
            profession: "directeur".into(),
            status: Status::Active,
            recipient: "age1dir1".into(),
            key: hex::encode(signing("dir", 1).public()),
        },
    };
    let first = fact_line(
        1,
        &coffre::audit::genesis("v"),
        time,
        "dir",
        &genesis,
        "dir",
        &signing("dir", 1),
    );
    let origin = coffre::audit::checkpoint::origin_for(&coffre::audit::merkle::leaf_hash(&first));
    let mut verified = coffre::rights::Verified::start("v");
    verified.take(&policy, &first, false).unwrap();
    let mut lines = vec![first];
    let (mut accepted, mut refused) = (0, 0);
    let mut kinds = std::collections::BTreeSet::new();
    for _ in 0..400 {
        time += 60 + r.below(3600) as u64;
        let seq = lines.len() as u64 + 1;
        let mut trial_keys = keys.clone();
        let (fact, signer, key, actor) = random_fact(&mut r, &mut trial_keys, seq, time);
        let prev = coffre::audit::merkle::leaf_hash(lines.last().unwrap());
        let line = fact_line(seq, &prev, time, &actor, &fact, &signer, &key);
        let mut next = verified.clone();
        match next.take(&policy, &line, false) {
            Ok(()) => {
                let json = fact.to_json().unwrap();
                let kind = json[9..].split('"').next().unwrap_or_default().to_string();
                kinds.insert(kind);
                verified = next;
                keys = trial_keys;
                lines.push(line);
                accepted += 1;
            }
            Err(e) => {
                assert_eq!(e.exit_code(), 5, "{e:?}");
                refused += 1;
                // Python on a sample of the refusals (each run reads the log).
                if refused % every == 0 {
                    let mut with = lines.clone();
                    with.push(line);
                    write_files(dir.path(), &with, &origin);
                    let (code, out) = python(dir.path());
                    assert_eq!(
                        code,
                        5,
                        "entry {seq} refused by coffre ({}) but not by verify_audit.py: {out}\n{}",
                        e.in_lang(coffre::i18n::Lang::En),
                        String::from_utf8_lossy(with.last().unwrap())
                    );
                    assert!(
                        out.contains(&format!("entry {seq}")),
                        "names entry {seq}: {out}"
                    );
                }
            }
        }
    }
    eprintln!("{accepted} facts accepted, {refused} refused; kinds accepted: {kinds:?}");
    assert!(
        explore.is_some() || (accepted > 50 && refused > 50 && kinds.len() >= 13),
        "too few facts of each outcome for the test to mean much: {kinds:?}"
    );
    write_files(dir.path(), &lines, &origin);
    let (code, out) = python(dir.path());
    assert_eq!(code, 0, "the log coffre accepts: {out}");
}

/// The dossier chain (`dprev`, "The dossier chain" in the spec): a line
/// appended with a `dprev` other than the last line naming its dossier, and a
/// line of format 2 after lines of format 6, are refused by both verifiers
/// (exit 5), coffre naming the line, and by an ordinary command, which
/// writes nothing after it; the same line with the right `dprev` is the
/// control (see `a_well_formed_appended_line_is_adopted_and_verifies`).
#[test]
fn both_verifiers_follow_each_dossiers_chain() {
    let (v, d) = base();
    let good = next_line(&v.dir, &d);
    let log = std::fs::read(v.dir.join("audit.log")).unwrap();
    let lines: Vec<&[u8]> = log
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let n = lines.len() + 1;
    let last = last_about(&lines, &d);
    assert!(last > 1, "the dossier has lines");
    let dprev = format!("\"dprev\":{last},");
    assert!(good.contains(&dprev), "{good}");
    let cases = [
        (
            "a dprev that skips the last line about the dossier",
            good.replace(
                &dprev,
                &format!("\"dprev\":{},", last_about(&lines[..last - 1], &d)),
            ),
            format!("entry {n} gives"),
        ),
        (
            "a dprev of 0 for a dossier with lines",
            good.replace(&dprev, "\"dprev\":0,"),
            format!("entry {n} gives 0 as the previous entry about dossier {d}"),
        ),
        (
            "a dprev naming a later line than the last about the dossier",
            good.replace(&dprev, &format!("\"dprev\":{},", n - 1)),
            format!("entry {n} gives"),
        ),
        (
            "a line of format 2 after lines of format 6",
            {
                let (x, y) = (
                    good.find(",\"aprev\":").unwrap(),
                    good.find(",\"profession\":").unwrap(),
                );
                format!("{}{}", &good[..x], &good[y..])
            }
            .replace("\"v\":6", "\"v\":2")
            .replace(&format!(",{}", dprev.trim_end_matches(',')), ""),
            format!("entry {n} is of format 2"),
        ),
    ];
    for (what, line, words) in cases {
        if what.contains("later line") && last == n - 1 {
            continue;
        }
        let (_root, dir) = copy(&v);
        append(&dir, line.as_bytes());
        both_refuse(&dir, what, &[&words]);
        // An ordinary command refuses it too, before writing anything.
        let log = std::fs::read(dir.join("audit.log")).unwrap();
        let checkpoints = std::fs::read(dir.join("checkpoints.log")).unwrap();
        let r = dossier_list(&v, &dir);
        r.expect_code(5, &format!("dossier list, {what}"));
        assert!(r.stderr.contains(&words), "{what}: {}", r.stderr);
        assert!(
            std::fs::read(dir.join("audit.log")).unwrap() == log,
            "{what}: the log was written to"
        );
        assert!(
            std::fs::read(dir.join("checkpoints.log")).unwrap() == checkpoints,
            "{what}: a checkpoint was signed"
        );
    }
}

/// The actor chain (`aprev`, "The actor chain" in the spec): a line appended
/// with an `aprev` other than the last line by its actor, a line given to
/// another actor, and a line of format 4 after lines of format 6, are refused
/// by both verifiers (exit 5), coffre naming the line, and by an ordinary
/// command, which writes nothing after it.
#[test]
fn both_verifiers_follow_each_actors_chain() {
    let (v, d) = base();
    let good = next_line(&v.dir, &d);
    let log = std::fs::read(v.dir.join("audit.log")).unwrap();
    let lines: Vec<&[u8]> = log
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let n = lines.len() + 1;
    let last = last_by(&lines, "dr.leroy");
    assert!(last > 1, "the doctor has lines");
    let aprev = format!("\"aprev\":{last},");
    assert!(good.contains(&aprev), "{good}");
    let admin_last = last_by(&lines, &v.admin);
    let cases = [
        (
            "an aprev that skips the actor's last line",
            good.replace(
                &aprev,
                &format!("\"aprev\":{},", last_by(&lines[..last - 1], "dr.leroy")),
            ),
            format!("entry {n} gives"),
        ),
        (
            "an aprev of 0 for an actor with lines",
            good.replace(&aprev, "\"aprev\":0,"),
            format!("entry {n} gives 0 as the previous entry by actor dr.leroy"),
        ),
        (
            "a line given to another actor",
            good.replace("\"actor\":\"dr.leroy\"", &format!("\"actor\":\"{}\"", v.admin)),
            format!("entry {n} gives {last} as the previous entry by actor {}; the log says {admin_last}", v.admin),
        ),
        (
            "a line of format 4 after lines of format 6",
            good.replace("\"v\":6", "\"v\":4")
                .replace(&format!(",{}", aprev.trim_end_matches(',')), ""),
            format!("entry {n} is of format 4"),
        ),
    ];
    for (what, line, words) in cases {
        if what.contains("another actor") && admin_last == last {
            continue;
        }
        let (_root, dir) = copy(&v);
        append(&dir, line.as_bytes());
        both_refuse(&dir, what, &[&words]);
        let log = std::fs::read(dir.join("audit.log")).unwrap();
        let checkpoints = std::fs::read(dir.join("checkpoints.log")).unwrap();
        let r = dossier_list(&v, &dir);
        r.expect_code(5, &format!("dossier list, {what}"));
        assert!(r.stderr.contains(&words), "{what}: {}", r.stderr);
        assert!(
            std::fs::read(dir.join("audit.log")).unwrap() == log,
            "{what}: the log was written to"
        );
        assert!(
            std::fs::read(dir.join("checkpoints.log")).unwrap() == checkpoints,
            "{what}: a checkpoint was signed"
        );
    }
}
