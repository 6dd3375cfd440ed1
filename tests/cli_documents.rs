//! Documents attached to a dossier, end to end through the `coffre` binary:
//! files around the chunk size and of a few MiB come back byte for byte, every
//! opening and upload is audited, a profession not entitled to the category is
//! refused (and audited), a new version keeps the earlier one, nothing of the
//! title or the content is on disk in clear, and a chunk replaced or removed
//! in the store is an integrity failure (exit 5) naming its record, with no
//! file written under the name asked for.

use crate::util;

use std::path::{Path, PathBuf};

use coffre::store::Op;
use util::{contains_bytes, files_under, forge_store, marker, TestVault};

const DOCTOR: &str = "dr.leroy";
const AIDE: &str = "as.martin";

fn setup() -> (TestVault, String) {
    let mut v = TestVault::new();
    v.add_staff(DOCTOR, "Camille Leroy", "medecin", true);
    v.add_staff(AIDE, "Sam Martin", "aide-soignant", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, DOCTOR);
    v.team_add(&admin, &d, AIDE);
    (v, d)
}

/// Bytes that do not repeat within a chunk (a shifted chunk would not match).
fn content(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn write_file(root: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = root.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn add(v: &TestVault, user: &str, d: &str, file: &Path, title: &str, cat: &str) -> util::Run {
    v.as_user(
        user,
        &[
            "document",
            "add",
            d,
            file.to_str().unwrap(),
            "--title",
            title,
            "--type",
            "compte-rendu-hospitalisation",
            "--category",
            cat,
            "--date",
            "18/03/2024",
            "--source",
            "CHU de Nantes",
        ],
    )
}

fn get(v: &TestVault, user: &str, d: &str, doc: &str, out: &Path, extra: &[&str]) -> util::Run {
    let mut args = vec!["document", "get", d, doc, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    v.as_user(user, &args)
}

fn actions(v: &TestVault) -> Vec<serde_json::Value> {
    v.audit_lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn round_trips_files_around_the_chunk_size_and_of_a_few_mib_with_every_opening_audited() {
    let (v, d) = setup();
    let chunk = coffre::vault::DOCUMENT_CHUNK;
    let root = v.root.path().to_path_buf();
    let mut ids = Vec::new();
    for (i, n) in [0usize, 1, chunk, chunk + 1, 3 * 1024 * 1024 + 123]
        .into_iter()
        .enumerate()
    {
        let bytes = content(n, i as u32);
        let f = write_file(&root, &format!("in-{i}.bin"), &bytes);
        let r = add(&v, DOCTOR, &d, &f, &format!("Compte rendu {i}"), "medical");
        r.expect_code(0, "document add");
        let id = r.single_line();
        let out = root.join(format!("out-{i}.bin"));
        get(&v, DOCTOR, &d, &id, &out, &[]).expect_code(0, "document get");
        let back = std::fs::read(&out).unwrap();
        assert!(back == bytes, "size {n}: the document came back different");
        // Never written over an existing file.
        get(&v, DOCTOR, &d, &id, &out, &[]).expect_code(2, "get over a file");
        ids.push(id);
    }
    let list = v.as_user(DOCTOR, &["document", "list", &d, "--json"]);
    list.expect_code(0, "list");
    let j = list.json();
    assert_eq!(j["documents"].as_array().unwrap().len(), 5);
    assert_eq!(j["documents"][4]["date"], "2024-03-18");
    assert_eq!(j["documents"][4]["category"], "medical");
    let lines = actions(&v);
    let count = |a: &str, who: &str| {
        lines
            .iter()
            .filter(|l| l["action"] == a && l["actor"] == who && l["outcome"] == "ok")
            .count()
    };
    assert_eq!(count("document.add", DOCTOR), 5, "uploads audited");
    assert_eq!(count("document.read", DOCTOR), 5, "openings audited");
    assert_eq!(count("document.list", DOCTOR), 1, "the list audited");
    v.verify().expect_code(0, "the audit log verifies");
    let admin = v.admin.clone();
    v.as_user(&admin, &["check"]).expect_code(0, "coffre check");
}

#[test]
fn a_profession_not_entitled_is_refused_no_byte_and_audited() {
    let (v, d) = setup();
    let root = v.root.path().to_path_buf();
    let f = write_file(&root, "letter.bin", &content(100_000, 7));
    let r = add(&v, DOCTOR, &d, &f, "Lettre", "medical");
    r.expect_code(0, "add");
    let id = r.single_line();
    let out = root.join("stolen.bin");
    let r = get(&v, AIDE, &d, &id, &out, &[]);
    r.expect_code(3, "an aide-soignant opens a medical document");
    assert!(!out.exists(), "no file written");
    assert!(
        std::fs::read_dir(&root).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".part")),
        "no partial file left"
    );
    let refused = actions(&v)
        .into_iter()
        .any(|l| l["action"] == "document.read" && l["actor"] == AIDE && l["outcome"] == "denied");
    assert!(refused, "the refusal is audited");
    let list = v.as_user(AIDE, &["document", "list", &d, "--json"]);
    list.expect_code(0, "list");
    assert_eq!(list.json()["documents"].as_array().unwrap().len(), 0);
    assert_eq!(list.json()["withheld"], 1);
    // Nor may they attach one in a category they may not write.
    add(&v, AIDE, &d, &f, "Lettre", "medical").expect_code(3, "write refused");
    // A type the policy does not define, and a missing file: usage errors.
    let r = v.as_user(
        DOCTOR,
        &[
            "document",
            "add",
            &d,
            f.to_str().unwrap(),
            "--title",
            "x",
            "--type",
            "nope",
            "--category",
            "medical",
        ],
    );
    r.expect_code(2, "unknown type");
    let missing = root.join("missing.pdf");
    add(&v, DOCTOR, &d, &missing, "x", "medical").expect_code(2, "missing file");
    // To a terminal, never: `--out -` with stdout a pipe works.
    let r = v.as_user(DOCTOR, &["document", "get", &d, &id, "--out", "-"]);
    r.expect_code(0, "to a pipe");
}

#[test]
fn a_new_version_keeps_the_earlier_one_and_nothing_is_in_clear_on_disk() {
    let (v, d) = setup();
    let root = v.root.path().to_path_buf();
    let title = marker("TitreSecret");
    let body1 = format!("{} contenu premier", marker("Contenu"));
    let body2 = format!("{} contenu second", marker("Contenu"));
    let f1 = write_file(&root, "v1.txt", body1.as_bytes());
    let f2 = write_file(&root, "v2.txt", body2.as_bytes());
    let r = add(&v, DOCTOR, &d, &f1, &title, "medical");
    r.expect_code(0, "add");
    let id = r.single_line();
    let r = v.as_user(
        DOCTOR,
        &[
            "document",
            "add",
            &d,
            f2.to_str().unwrap(),
            "--title",
            &title,
            "--type",
            "bilan",
            "--category",
            "medical",
            "--version-of",
            &id,
        ],
    );
    r.expect_code(0, "new version");
    let o1 = root.join("o1");
    let o2 = root.join("o2");
    get(&v, DOCTOR, &d, &id, &o1, &["--version", "1"]).expect_code(0, "v1");
    get(&v, DOCTOR, &d, &id, &o2, &[]).expect_code(0, "latest");
    assert_eq!(std::fs::read(&o1).unwrap(), body1.as_bytes());
    assert_eq!(std::fs::read(&o2).unwrap(), body2.as_bytes());
    for file in files_under(&v.dir) {
        let bytes = std::fs::read(&file).unwrap();
        for secret in [&title, &body1, &body2] {
            assert!(
                !contains_bytes(&bytes, secret.as_bytes()),
                "{} holds plaintext",
                file.display()
            );
        }
    }
    // Another dossier's id with this document: not found, nothing audited as read.
    let other = v.create_dossier(&v.admin.clone(), "Autre Personne", "2010-01-01");
    let o3 = root.join("o3");
    get(&v, DOCTOR, &other, &id, &o3, &[]).expect_code(1, "wrong dossier");
}

/// The chunk records of the closed vault, in key order.
fn chunk_keys(v: &TestVault) -> Vec<(Vec<u8>, Vec<u8>)> {
    let store = v.raw_store();
    let keys = store.scan_prefix(b"dc/").unwrap();
    drop(store);
    keys
}

#[test]
fn a_chunk_replaced_swapped_or_removed_in_the_store_is_exit_5_naming_it() {
    let (v, d) = setup();
    let root = v.root.path().to_path_buf();
    let chunk = coffre::vault::DOCUMENT_CHUNK;
    let f = write_file(&root, "scan.bin", &content(3 * chunk + 10, 3));
    let r = add(&v, DOCTOR, &d, &f, "Scan", "medical");
    r.expect_code(0, "add");
    let id = r.single_line();
    let g = write_file(&root, "other.bin", &content(3 * chunk + 10, 4));
    let r = add(&v, DOCTOR, &d, &g, "Autre", "medical");
    r.expect_code(0, "add");
    let other = r.single_line();
    let all = chunk_keys(&v);
    let mine: Vec<_> = all
        .iter()
        .filter(|(k, _)| String::from_utf8_lossy(k).contains(&id))
        .cloned()
        .collect();
    let theirs: Vec<_> = all
        .iter()
        .filter(|(k, _)| String::from_utf8_lossy(k).contains(&other))
        .cloned()
        .collect();
    assert_eq!(mine.len(), 4);
    let name = |i: usize| String::from_utf8_lossy(&mine[i].0).into_owned();
    let attacks: Vec<(&str, Vec<Op>, usize)> = vec![
        (
            "swapped",
            vec![
                Op::Put(mine[1].0.clone(), mine[2].1.clone()),
                Op::Put(mine[2].0.clone(), mine[1].1.clone()),
            ],
            1,
        ),
        ("removed", vec![Op::Remove(mine[2].0.clone())], 2),
        ("last removed", vec![Op::Remove(mine[3].0.clone())], 3),
        (
            "from another document",
            vec![Op::Put(mine[1].0.clone(), theirs[1].1.clone())],
            1,
        ),
        (
            "flipped",
            vec![Op::Put(mine[0].0.clone(), {
                let mut b = mine[0].1.clone();
                b[30] ^= 1;
                b
            })],
            0,
        ),
    ];
    for (i, (what, ops, blamed)) in attacks.into_iter().enumerate() {
        forge_store(&v.dir, ops);
        let out = root.join(format!("tampered-{i}"));
        let r = get(&v, DOCTOR, &d, &id, &out, &[]);
        r.expect_code(5, what);
        assert!(
            r.stderr.contains(&name(blamed)),
            "{what}: names the record: {}",
            r.stderr
        );
        assert!(
            !out.exists(),
            "{what}: nothing written under the name asked for"
        );
        // Put the honest chunks back.
        forge_store(
            &v.dir,
            mine.iter()
                .map(|(k, b)| Op::Put(k.clone(), b.clone()))
                .collect(),
        );
        let ok = root.join(format!("honest-{i}"));
        get(&v, DOCTOR, &d, &id, &ok, &[]).expect_code(0, "restored");
    }
    let failed = actions(&v)
        .into_iter()
        .filter(|l| l["action"] == "document.read" && l["outcome"] == "error")
        .count();
    assert_eq!(failed, 5, "each failed stream adds an error line");
}

fn age_keygen(path: &Path) -> String {
    let out = std::process::Command::new("age-keygen")
        .arg("-o")
        .arg(path)
        .output()
        .expect("run age-keygen");
    assert!(out.status.success());
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .find_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("age1"))
                .map(str::to_string)
        })
        .expect("a recipient")
}

/// The person's export (art. 15) holds the documents of their file, byte for
/// byte, opened with stock `age` and `tar`, minus the withheld categories.
#[test]
fn the_persons_export_contains_the_documents_minus_withheld_categories() {
    let (v, d) = setup();
    let root = v.root.path().to_path_buf();
    let shared = content(200_000, 11);
    let f = write_file(&root, "cr.pdf.bin", &shared);
    add(&v, DOCTOR, &d, &f, "Compte rendu", "medical").expect_code(0, "add");
    let third = content(5_000, 12);
    let g = write_file(&root, "tiers.bin", &third);
    add(&v, DOCTOR, &d, &g, "Courrier d'un tiers", "third-party").expect_code(0, "add");
    let key = root.join("person.key");
    let recipient = age_keygen(&key);
    let out = root.join("export.age");
    let rk = v.recovery.to_str().unwrap().to_string();
    v.as_user(
        &v.admin.clone(),
        &[
            "access",
            "export",
            &d,
            "--out",
            out.to_str().unwrap(),
            "--recipient",
            &recipient,
            "--recovery-key",
            &rk,
        ],
    )
    .expect_code(0, "access export");
    let dest = root.join("x");
    std::fs::create_dir_all(&dest).unwrap();
    let sh = format!(
        "age -d -i '{}' '{}' | tar -x -C '{}'",
        key.display(),
        out.display(),
        dest.display()
    );
    let st = std::process::Command::new("sh")
        .arg("-c")
        .arg(&sh)
        .status()
        .unwrap();
    assert!(st.success(), "stock age and tar open the export");
    let docs: Vec<PathBuf> = files_under(&dest)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("/documents/"))
        .collect();
    assert_eq!(
        docs.len(),
        1,
        "one document, the withheld one left out: {docs:?}"
    );
    assert_eq!(std::fs::read(&docs[0]).unwrap(), shared, "byte for byte");
}

/// Erasing a dossier erases its documents: the chunk records are gone, and
/// the document no longer opens.
#[test]
fn erasing_a_dossier_erases_its_documents() {
    let (v, d) = setup();
    let root = v.root.path().to_path_buf();
    let f = write_file(&root, "a.bin", &content(150_000, 21));
    let r = add(&v, DOCTOR, &d, &f, "Bilan", "medical");
    r.expect_code(0, "add");
    let doc = r.single_line();
    assert_eq!(
        chunk_keys(&v).len(),
        3,
        "positive control: three chunks stored"
    );
    let admin = v.admin.clone();
    v.as_user(
        &admin,
        &[
            "dossier",
            "erase",
            &d,
            "--yes",
            "--reason",
            "fin de conservation",
        ],
    )
    .expect_code(0, "dossier erase");
    assert!(chunk_keys(&v).is_empty(), "no chunk left after erasure");
    let out = root.join("after.bin");
    let r = get(&v, DOCTOR, &d, &doc, &out, &[]);
    assert_ne!(r.code, 0, "an erased document does not open");
    assert!(!out.exists());
}

/// The same round trip with the vault in PostgreSQL: chunks are rows of
/// their own, and the document comes back byte for byte.
#[test]
fn round_trip_in_postgres_with_chunks_as_rows() {
    let mut v = TestVault::in_postgres("IME Les Tilleuls", "dir.martin", "Claire Martin");
    v.add_staff(DOCTOR, "Camille Leroy", "medecin", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, DOCTOR);
    let root = v.root.path().to_path_buf();
    let chunk = coffre::vault::DOCUMENT_CHUNK;
    let bytes = content(5 * chunk + 3, 31);
    let f = write_file(&root, "pg.bin", &bytes);
    let r = add(&v, DOCTOR, &d, &f, "Compte rendu", "medical");
    r.expect_code(0, "add");
    let doc = r.single_line();
    assert_eq!(chunk_keys(&v).len(), 6, "one row per chunk");
    let out = root.join("pg-out.bin");
    get(&v, DOCTOR, &d, &doc, &out, &[]).expect_code(0, "get");
    assert!(std::fs::read(&out).unwrap() == bytes, "byte for byte");
}

/// Beyond the policy's size limit, or with content that contradicts its
/// declared type, an upload is refused (exit 2) and leaves no chunk behind.
#[test]
fn too_large_or_disguised_uploads_are_refused_and_leave_nothing() {
    let policy = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policies/default.toml"
    ))
    .unwrap()
    .replace("max_mib = 500", "max_mib = 1");
    let mut v = TestVault::with_policy(&policy);
    v.add_staff(DOCTOR, "Camille Leroy", "medecin", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, DOCTOR);
    let root = v.root.path().to_path_buf();
    let big = write_file(&root, "big.bin", &content(2 * 1024 * 1024, 5));
    let r = add(&v, DOCTOR, &d, &big, "Trop gros", "medical");
    r.expect_code(2, "beyond max_mib");
    assert!(
        chunk_keys(&v).is_empty(),
        "no chunk left by a refused upload"
    );
    let fake = write_file(
        &root,
        "lettre.pdf",
        b"<html><script>alert(1)</script></html>",
    );
    let r = add(&v, DOCTOR, &d, &fake, "Faux PDF", "medical");
    r.expect_code(2, "HTML named .pdf");
    assert!(chunk_keys(&v).is_empty(), "nothing stored of it");
    let ok = write_file(&root, "ok.bin", &content(1000, 6));
    add(&v, DOCTOR, &d, &ok, "Petit", "medical").expect_code(0, "within the limit");
}

/// `--title @FILE` and `--source @-` keep the document's words off the
/// command line (`ps`, the shell's history): read from a file and from
/// standard input, they come back as given, one trailing line end dropped.
#[test]
fn title_and_source_are_read_from_a_file_or_standard_input() {
    let (v, d) = setup();
    let root = v.root.path().to_path_buf();
    let title = marker("Titre-secret-");
    let source = marker("Source-secrete-");
    let title_file = write_file(&root, "title.txt", format!("{title}\n").as_bytes());
    let f = write_file(&root, "cr.bin", &content(1000, 21));
    let at = format!("@{}", title_file.display());
    let args = [
        "document",
        "add",
        &d,
        f.to_str().unwrap(),
        "--title",
        &at,
        "--type",
        "compte-rendu-hospitalisation",
        "--category",
        "medical",
        "--source",
        "@-",
    ];
    assert!(!args
        .iter()
        .any(|a| a.contains(&title) || a.contains(&source)));
    let r = v.as_user_stdin(DOCTOR, format!("{source}\r\n").as_bytes(), &args);
    r.expect_code(0, "document add with @FILE and @-");
    let listed = v
        .as_user(DOCTOR, &["--json", "document", "list", &d])
        .json();
    let doc = &listed["documents"][0];
    assert_eq!(doc["title"], title.as_str());
    assert_eq!(doc["source"], source.as_str());
    // A file that cannot be read: a usage error naming the option.
    let missing = format!("@{}", root.join("absent.txt").display());
    let r = v.as_user(
        DOCTOR,
        &[
            "document",
            "add",
            &d,
            f.to_str().unwrap(),
            "--title",
            &missing,
            "--type",
            "compte-rendu-hospitalisation",
            "--category",
            "medical",
        ],
    );
    r.expect_code(2, "unreadable title file");
    assert!(r.stderr.contains("title"), "{}", r.stderr);
    // Standard input cannot be both the document and its title.
    let r = v.as_user_stdin(
        DOCTOR,
        b"x",
        &[
            "document",
            "add",
            &d,
            "-",
            "--title",
            "@-",
            "--type",
            "compte-rendu-hospitalisation",
            "--category",
            "medical",
        ],
    );
    r.expect_code(2, "stdin taken twice");
    let help = v.anon(&["document", "add", "--help"]);
    assert!(help.stdout.contains("@FILE"), "{}", help.stdout);
}

/// A new version keeps the first version's category: one in another
/// category is refused (exit 2) naming both, and nothing is added.
#[test]
fn a_new_version_in_another_category_is_refused_naming_both() {
    let (v, d) = setup();
    let root = v.root.path().to_path_buf();
    let f = write_file(&root, "v1.bin", &content(500, 31));
    let r = add(&v, DOCTOR, &d, &f, "Bilan", "third-party");
    r.expect_code(0, "add");
    let id = r.single_line();
    let g = write_file(&root, "v2.bin", &content(500, 32));
    let version = |cat: &str| {
        v.as_user(
            DOCTOR,
            &[
                "document",
                "add",
                &d,
                g.to_str().unwrap(),
                "--title",
                "Bilan",
                "--type",
                "compte-rendu-hospitalisation",
                "--category",
                cat,
                "--version-of",
                &id,
            ],
        )
    };
    let r = version("medical");
    r.expect_code(2, "another category");
    assert!(
        r.stderr.contains("third-party") && r.stderr.contains("medical"),
        "{}",
        r.stderr
    );
    assert_eq!(
        chunk_keys(&v)
            .iter()
            .filter(|(k, _)| String::from_utf8_lossy(k).contains(&id))
            .count(),
        1,
        "nothing stored of the refused version"
    );
    version("third-party").expect_code(0, "the same category");
}

/// Every document version in an export is an audited read of it; a version
/// whose content is gone makes the export fail with exit 5 naming the
/// chunk, audited as an error and never as a read made.
#[test]
fn the_export_audits_each_document_and_a_missing_one_is_exit_5() {
    let (v, d) = setup();
    let root = v.root.path().to_path_buf();
    let f = write_file(&root, "cr.bin", &content(70_000, 41));
    let r = add(&v, DOCTOR, &d, &f, "Compte rendu", "medical");
    r.expect_code(0, "add");
    let id = r.single_line();
    let key = root.join("person.key");
    let recipient = age_keygen(&key);
    let rk = v.recovery.to_str().unwrap().to_string();
    let admin = v.admin.clone();
    let export = |n: &str| {
        let out = root.join(n);
        v.as_user(
            &admin,
            &[
                "access",
                "export",
                &d,
                "--out",
                out.to_str().unwrap(),
                "--recipient",
                &recipient,
                "--recovery-key",
                &rk,
            ],
        )
    };
    let reads = |outcome: &str| {
        actions(&v)
            .into_iter()
            .filter(|l| {
                l["action"] == "document.read"
                    && l["entry"] == id.as_str()
                    && l["actor"] == admin.as_str()
                    && l["outcome"] == outcome
            })
            .count()
    };
    export("a.age").expect_code(0, "export");
    assert_eq!(
        reads("ok"),
        1,
        "the document in the export is an audited read"
    );
    let first = chunk_keys(&v)
        .into_iter()
        .find(|(k, _)| String::from_utf8_lossy(k).contains(&id))
        .unwrap();
    forge_store(&v.dir, vec![Op::Remove(first.0.clone())]);
    let r = export("b.age");
    r.expect_code(5, "content gone");
    assert!(
        r.stderr.contains(&*String::from_utf8_lossy(&first.0)),
        "names the chunk: {}",
        r.stderr
    );
    assert_eq!(reads("ok"), 1, "no read claimed for the missing version");
    assert_eq!(reads("error"), 1, "an error line instead");
}

/// `coffre check` names the chunks no committed version names (an upload
/// whose process was killed) without calling them damage, and
/// `--sweep-chunks` removes them and only them.
#[test]
fn check_reports_orphan_chunks_and_sweeps_them_on_request() {
    let (v, d) = setup();
    let root = v.root.path().to_path_buf();
    let f = write_file(&root, "cr.bin", &content(70_000, 51));
    add(&v, DOCTOR, &d, &f, "Compte rendu", "medical").expect_code(0, "add");
    let kept = chunk_keys(&v);
    assert_eq!(kept.len(), 2);
    let orphan = format!("dc/{d}/e-00000000000000000000000000/00aa/0000000000000000");
    forge_store(
        &v.dir,
        vec![Op::Put(orphan.clone().into_bytes(), vec![7; 100])],
    );
    let admin = v.admin.clone();
    let rk = v.recovery.to_str().unwrap().to_string();
    let r = v.as_user(&admin, &["--json", "check", "--recovery-key", &rk]);
    r.expect_code(0, "orphans are not damage");
    let j = r.json();
    assert_eq!(j["orphan_chunks"], 1, "{j}");
    assert_eq!(j["swept_chunks"], 0);
    assert_eq!(chunk_keys(&v).len(), 3, "only reported");
    let r = v.as_user(&admin, &["check", "--recovery-key", &rk, "--sweep-chunks"]);
    r.expect_code(0, "sweep");
    assert!(r.stdout.contains("00aa"), "{}", r.stdout);
    assert_eq!(chunk_keys(&v), kept, "the orphan alone is gone");
    let j = v.as_user(&admin, &["--json", "check"]).json();
    assert_eq!(j["orphan_chunks"], 0, "{j}");
}
