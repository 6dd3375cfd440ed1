//! The person's rights, black-box through the `coffre` command (and, where the claim
//! is about cryptography, by opening the store directly while no coffre process runs):
//! the encrypted export (decrypted with the stock `age` tool), the person's own
//! access (view, history, notes, objections), amendments, and retention.
//!
//! The stock `age` and `age-keygen` tools are required; without them the tests that
//! need them FAIL, unless `COFFRE_SKIP_AGE=1` is set.

use crate::util;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use coffre::crypto::kdf::KdfParams;
use coffre::crypto::wrap::{self, Identity};
use coffre::crypto::{envelope, Aad, Key32};
use coffre::store::records::{decode, DataKeyRecord, EntryRecord, VaultMeta, VersionRecord};
use coffre::store::sled_store::SledStore;
use coffre::store::{Batch, Store};
use coffre::vault::keys::{category_wrap_key, data_key_aad, field_aad, unwrap_personal};
use secrecy::SecretString;
use serde_json::Value;
use util::*;

// ------------------------------------------------------------------ the cast

const DOC: &str = "doc";
const PSY: &str = "psy";
const SOC: &str = "soc";
const EDU: &str = "edu";
const DPO: &str = "dpo";
const CADRE: &str = "cadre";

/// Every care-giving member used by the tests, with their profession.
const CARE_TEAM: &[(&str, &str)] = &[
    (DOC, "medecin"),
    (PSY, "psychologue"),
    (SOC, "assistant-social"),
    (EDU, "educateur-specialise"),
];

/// The twelve categories of the default policy; the two author-only ones,
/// `psy-notes` and `third-party`, are withheld from the person.
const CATEGORIES: [&str; 12] = [
    "identity",
    "social",
    "educational",
    "daily-life",
    "care",
    "care-alerts",
    "medical",
    "psy-synthesis",
    "psy-notes",
    "justice",
    "financial",
    "third-party",
];
/// The categories withheld from the person (both author-only).
const WITHHELD: [&str; 2] = ["psy-notes", "third-party"];
/// The legal reason the default policy gives for withholding `third-party`.
const THIRD_PARTY_REASON: &str = "Information from or about third parties is not communicated to the person (CSP L1111-7, CRPA L311-6, GDPR art. 15(4)).";
/// The legal reason the default policy gives for withholding `psy-notes`.
const PSY_NOTES_REASON: &str = "The psychologist's personal notes are working notes kept by their author alone, not part of the communicable file (CSP L1111-7; ANAES recommendations approved by the arrêté of 5 March 2004; code of ethics of psychologists).";

fn is_withheld(category: &str) -> bool {
    WITHHELD.contains(&category)
}

/// A profession allowed to write `category` (default policy).
fn writer(category: &str) -> &'static str {
    match category {
        "care" | "care-alerts" | "medical" => DOC,
        "psy-synthesis" | "psy-notes" => PSY,
        "identity" | "social" | "justice" | "financial" => SOC,
        "educational" | "daily-life" | "third-party" => EDU,
        other => panic!("no writer for {other}"),
    }
}

/// A vault with a director, a DPO and the given staff (all granted with the
/// recovery key).
fn setup(staff: &[(&str, &str)]) -> TestVault {
    let mut v = TestVault::new();
    v.add_staff(DPO, "Delegue Protection", "dpo", true);
    for (id, prof) in staff {
        v.add_staff(id, &format!("Name of {id}"), prof, true);
    }
    v
}

/// A dossier whose care team holds `team` (the director, its creator, is in it).
fn new_dossier(v: &TestVault, name: &str, team: &[&str]) -> String {
    let d = v.create_dossier(&v.admin, name, "2011-03-04");
    for s in team {
        v.team_add(&v.admin, &d, s);
    }
    d
}

/// A dossier with one entry of every category (unique markers) and an admission
/// entry amended once.
struct Filled {
    d: String,
    name: String,
    /// category → marker written in it.
    markers: BTreeMap<&'static str, String>,
    /// category → entry id.
    entries: BTreeMap<&'static str, String>,
    admission: String,
    adm_reason_v1: String,
    adm_reason_v2: String,
    adm_contacts: String,
}

impl Filled {
    /// The values the person may see in the latest version of each entry.
    fn visible_latest(&self) -> BTreeSet<String> {
        let mut s: BTreeSet<String> = self
            .markers
            .iter()
            .filter(|(c, _)| !is_withheld(c))
            .map(|(_, m)| m.clone())
            .collect();
        s.insert(self.adm_reason_v2.clone());
        s.insert(self.adm_contacts.clone());
        s
    }

    /// The values of every version the person may see.
    fn visible_all_versions(&self) -> BTreeSet<String> {
        let mut s = self.visible_latest();
        s.insert(self.adm_reason_v1.clone());
        s
    }

    fn withheld_markers(&self) -> Vec<&str> {
        WITHHELD.iter().map(|c| self.markers[c].as_str()).collect()
    }
}

fn fill(v: &TestVault, name: &str) -> Filled {
    let team: Vec<&str> = CARE_TEAM.iter().map(|(id, _)| *id).collect();
    let d = new_dossier(v, name, &team);
    let mut markers = BTreeMap::new();
    let mut entries = BTreeMap::new();
    for cat in CATEGORIES {
        let m = marker(&format!("MK-{cat}-"));
        let e = v.add_entry(writer(cat), &d, cat, &[&format!("text={m}")]);
        markers.insert(cat, m);
        entries.insert(cat, e);
    }
    let adm_reason_v1 = marker("ADM-REASON-V1-");
    let adm_reason_v2 = marker("ADM-REASON-V2-");
    let adm_contacts = marker("ADM-CONTACTS-");
    let admission = v.add_entry(
        SOC,
        &d,
        "admission",
        &[
            &format!("reason={adm_reason_v1}"),
            &format!("contacts={adm_contacts}"),
        ],
    );
    v.as_user(
        SOC,
        &[
            "entry",
            "amend",
            &admission,
            "--field",
            &format!("reason={adm_reason_v2}"),
        ],
    )
    .expect_code(0, "amend admission");
    Filled {
        d,
        name: name.to_string(),
        markers,
        entries,
        admission,
        adm_reason_v1,
        adm_reason_v2,
        adm_contacts,
    }
}

fn recovery_arg(v: &TestVault) -> String {
    v.recovery.to_str().expect("utf-8 path").to_string()
}

/// `access grant` by the director; the person's passphrase is `pass`.
fn grant(v: &TestVault, d: &str, pass: &str, with_recovery: bool) -> Run {
    let rec = recovery_arg(v);
    let mut args = vec!["access", "grant", d];
    if with_recovery {
        args.extend(["--recovery-key", rec.as_str()]);
    }
    run_coffre(
        &args,
        &Opts {
            vault: Some(&v.dir),
            user: Some(&v.admin),
            pass: Some(v.pass(&v.admin)),
            new_pass: Some(pass),
            ..Opts::default()
        },
    )
}

/// A command run by the person themself: no staff user, their passphrase.
fn person(v: &TestVault, pass: &str, args: &[&str]) -> Run {
    run_coffre(
        args,
        &Opts {
            vault: Some(&v.dir),
            pass: Some(pass),
            ..Opts::default()
        },
    )
}

/// `access view --json` by the person, which must succeed.
#[track_caller]
fn person_view(v: &TestVault, d: &str, pass: &str) -> Value {
    let r = person(v, pass, &["access", "view", d, "--json"]);
    r.expect_code(0, "access view");
    r.json()
}

/// Every field value of a `dossier show --json` / `access view --json` output.
fn view_values(view: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in view["entries"].as_array().expect("entries") {
        for (_, f) in e["fields"].as_object().expect("fields") {
            out.insert(f.as_str().expect("field value is text").to_string());
        }
    }
    out
}

/// (field, category, reason) of every withheld field of one entry in a view.
fn withheld_of(entry: &Value) -> Vec<(String, String, String)> {
    entry["withheld"]
        .as_array()
        .expect("withheld")
        .iter()
        .map(|w| {
            (
                w["field"].as_str().unwrap_or_default().to_string(),
                w["category"].as_str().unwrap_or_default().to_string(),
                w["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

// ------------------------------------------------------------------ age helpers

/// Whether the stock `age` tools are here. Without them: fail, unless
/// `COFFRE_SKIP_AGE=1` (then the caller skips).
fn age_tools() -> bool {
    let works = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    if works("age") && works("age-keygen") {
        return true;
    }
    if std::env::var("COFFRE_SKIP_AGE").as_deref() == Ok("1") {
        eprintln!("skipped: the stock `age` tool is missing and COFFRE_SKIP_AGE=1");
        return false;
    }
    panic!(
        "this test needs the stock `age` and `age-keygen` tools to decrypt the export as the \
         person would: install them (e.g. `apt-get install -y age`), or set COFFRE_SKIP_AGE=1 to skip"
    );
}

/// `age-keygen -o path`; returns the `age1…` recipient.
fn age_keygen(path: &Path) -> String {
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(path)
        .output()
        .expect("run age-keygen");
    assert!(
        out.status.success(),
        "age-keygen failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(path).expect("read the age key");
    text.lines()
        .find_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("age1"))
                .map(str::to_string)
        })
        .expect("no age1 recipient in the key file")
}

/// `age -d -i key export | tar -x -C dest`; returns the extracted files.
fn age_decrypt_untar(key: &Path, export: &Path, dest: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(dest).expect("mkdir");
    let mut age = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(key)
        .arg(export)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run age");
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(dest)
        .stdin(age.stdout.take().expect("age stdout"))
        .output()
        .expect("run tar");
    let age_out = age.wait_with_output().expect("age did not finish");
    assert!(
        age_out.status.success(),
        "age -d failed: {}",
        String::from_utf8_lossy(&age_out.stderr)
    );
    assert!(
        tar.status.success(),
        "tar -x failed: {}",
        String::from_utf8_lossy(&tar.stderr)
    );
    files_under(dest)
}

/// `access export` by `user` with an age recipient.
fn export_to(v: &TestVault, user: &str, d: &str, out: &Path, recipient: &str, rec: bool) -> Run {
    let rk = recovery_arg(v);
    let out = out.to_str().expect("utf-8 path");
    let mut args = vec![
        "access",
        "export",
        d,
        "--out",
        out,
        "--recipient",
        recipient,
    ];
    if rec {
        args.extend(["--recovery-key", rk.as_str()]);
    }
    v.as_user(user, &args)
}

/// The three documents of a decrypted export.
struct Export {
    html: String,
    data: Value,
    history: Value,
    raw_data: String,
    raw_history: String,
}

/// Exports `d` as the director with the recovery key, decrypts it with stock age.
fn export_and_open(v: &TestVault, d: &str, tag: &str) -> Export {
    let key = v.root.path().join(format!("{tag}-person.key"));
    let recipient = age_keygen(&key);
    let out = v.root.path().join(format!("{tag}.age"));
    export_to(v, &v.admin, d, &out, &recipient, true).expect_code(0, "access export");
    open_export(&key, &out, d, &v.root.path().join(format!("{tag}-out")))
}

fn open_export(key: &Path, file: &Path, d: &str, dest: &Path) -> Export {
    let files = age_decrypt_untar(key, file, dest);
    let base = dest.join(format!("coffre-export-{d}"));
    let mut names: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(dest).unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            format!("coffre-export-{d}/access-history.json"),
            format!("coffre-export-{d}/data.json"),
            format!("coffre-export-{d}/report.html"),
        ],
        "the export holds exactly its three documents"
    );
    let raw_data = std::fs::read_to_string(base.join("data.json")).expect("data.json");
    let raw_history =
        std::fs::read_to_string(base.join("access-history.json")).expect("access-history.json");
    Export {
        html: std::fs::read_to_string(base.join("report.html")).expect("report.html"),
        data: serde_json::from_str(&raw_data).expect("data.json is JSON"),
        history: serde_json::from_str(&raw_history).expect("access-history.json is JSON"),
        raw_data,
        raw_history,
    }
}

/// Every field value of every version in an export's data.json.
fn export_values(data: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in data["entries"].as_array().expect("entries") {
        for ver in e["versions"].as_array().expect("versions") {
            for (_, f) in ver["fields"].as_object().expect("fields") {
                out.insert(f["value"].as_str().expect("value").to_string());
            }
        }
    }
    out
}

fn export_entry<'a>(data: &'a Value, id: &str) -> &'a Value {
    data["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["id"] == id)
        .unwrap_or_else(|| panic!("entry {id} missing from the export"))
}

fn actions(history: &Value) -> Vec<(String, String)> {
    history
        .as_array()
        .expect("history array")
        .iter()
        .map(|h| {
            (
                h["actor"].as_str().unwrap_or_default().to_string(),
                h["action"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

// ------------------------------------------------------------------ 1a. export

#[test]
fn export_holds_every_non_withheld_value_versions_history_and_information() {
    if !age_tools() {
        return;
    }
    let v = setup(CARE_TEAM);
    let f = fill(&v, "Lucas Martin");
    let d = &f.d;

    // Reads by staff before the export.
    v.as_user(DOC, &["dossier", "show", d])
        .expect_code(0, "doctor reads");
    v.as_user(EDU, &["entry", "show", &f.entries["educational"]])
        .expect_code(0, "educator reads an entry");

    let key = v.root.path().join("person.key");
    let recipient = age_keygen(&key);
    let out = v.root.path().join("copie.age");
    let out_s = out.to_str().unwrap();

    // The director lacks the medical, psychological… keys: without the recovery
    // key the export is refused as pending (3) and no file is left behind.
    let r = export_to(&v, &v.admin, d, &out, &recipient, false);
    r.expect_code(3, "export without the recovery key");
    assert!(
        r.stderr.contains("--recovery-key"),
        "the refusal says what to do: {}",
        r.stderr
    );
    assert!(!out.exists(), "a refused export left a file behind");

    // A profession without the person-access capability: refused (3), no file.
    export_to(&v, DOC, d, &out, &recipient, true).expect_code(3, "doctor exports");
    assert!(!out.exists(), "a refused export left a file behind");

    // A recovery key that is not this vault's: authentication failure, no file.
    let stranger = v.root.path().join("stranger.key");
    age_keygen(&stranger);
    v.as_user(
        &v.admin,
        &[
            "access",
            "export",
            d,
            "--out",
            out_s,
            "--recipient",
            &recipient,
            "--recovery-key",
            stranger.to_str().unwrap(),
        ],
    )
    .expect_code(4, "export with another vault's recovery key");
    assert!(!out.exists(), "a refused export left a file behind");

    // The real export.
    let r = export_to(&v, &v.admin, d, &out, &recipient, true);
    r.expect_code(0, "export with the recovery key");

    // An existing file is never overwritten.
    let before = std::fs::read(&out).unwrap();
    export_to(&v, &v.admin, d, &out, &recipient, true).expect_code(2, "export onto a file");
    assert_eq!(
        std::fs::read(&out).unwrap(),
        before,
        "existing file changed"
    );

    // On disk: an age file, private, with no plaintext.
    assert!(
        before.starts_with(b"age-encryption.org/v1\n-> X25519 "),
        "not an age file to an X25519 recipient"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the export must be readable by its owner only");
    }
    for m in f.visible_all_versions() {
        assert!(
            !contains_bytes(&before, m.as_bytes()),
            "plaintext in the export file"
        );
    }
    assert!(!contains_bytes(&before, f.name.as_bytes()));

    let x = open_export(&key, &out, d, &v.root.path().join("out"));

    // data.json: exactly the non-withheld values, every version.
    assert_eq!(x.data["format"], "coffre-export/1");
    assert_eq!(x.data["dossier"], d.as_str());
    assert_eq!(x.data["person"]["name"], f.name.as_str());
    assert_eq!(x.data["person"]["birthdate"], "2011-03-04");
    assert_eq!(
        export_values(&x.data),
        f.visible_all_versions(),
        "data.json must hold exactly the non-withheld values of every version"
    );
    assert_eq!(
        x.data["entries"].as_array().unwrap().len(),
        13,
        "12 category entries and the admission"
    );
    // The withheld entries are listed, without their value, with their category.
    for cat in WITHHELD {
        let w = export_entry(&x.data, &f.entries[cat]);
        assert_eq!(w["versions"][0]["fields"], serde_json::json!({}));
        assert_eq!(
            w["versions"][0]["withheld"],
            serde_json::json!([{"field": "text", "category": cat}])
        );
    }
    // The register of what is withheld, with the legal reasons.
    assert_eq!(
        x.data["withheld"],
        serde_json::json!([
            {"category": "psy-notes", "fields": 1, "reason": PSY_NOTES_REASON},
            {"category": "third-party", "fields": 1, "reason": THIRD_PARTY_REASON}
        ])
    );
    // The amended admission: both versions, each with its value.
    let adm = export_entry(&x.data, &f.admission);
    let vs = adm["versions"].as_array().unwrap();
    assert_eq!(vs.len(), 2, "both versions of the amended entry");
    assert_eq!(vs[0]["version"], 1);
    assert_eq!(vs[0]["fields"]["reason"]["value"], f.adm_reason_v1.as_str());
    assert_eq!(
        vs[0]["fields"]["contacts"]["value"],
        f.adm_contacts.as_str()
    );
    assert_eq!(vs[1]["version"], 2);
    assert_eq!(vs[1]["fields"]["reason"]["value"], f.adm_reason_v2.as_str());
    assert_eq!(vs[1]["author"]["id"], SOC);
    // Information owed to the person (GDPR art. 13-15).
    let info = &x.data["information"];
    for k in ["purposes", "recipients", "rights"] {
        assert!(
            info[k].as_array().is_some_and(|a| !a.is_empty()),
            "information.{k} is missing: {info}"
        );
    }
    for k in ["retention", "source", "complaint", "dpo_contact"] {
        assert!(
            info[k].as_str().is_some_and(|s| !s.is_empty()),
            "information.{k} is missing: {info}"
        );
    }
    assert!(info["complaint"].as_str().unwrap().contains("CNIL"));
    assert!(
        info["retention"].as_str().unwrap().contains("20"),
        "retention mentions the 20 years of medical data: {}",
        info["retention"]
    );
    // Recipients never list the withheld categories.
    assert!(!info["recipients"].to_string().contains("tiers"));
    assert!(!info["recipients"]
        .to_string()
        .contains("Notes personnelles"));

    // report.html: the same values, the withheld one absent, its reason present,
    // self-contained.
    for m in f.visible_all_versions() {
        assert!(x.html.contains(&m), "report.html lacks {m}");
    }
    assert!(x.html.contains(&f.name));
    assert!(x.html.contains(THIRD_PARTY_REASON));
    assert!(x
        .html
        .contains("personal notes are working notes kept by their author alone"));
    assert!(
        x.html.contains("Correction (version 2)"),
        "the amendment is shown as a correction"
    );
    let lower = x.html.to_lowercase();
    for bad in [
        "http://", "https://", "src=", "<script", "<link", "url(", "@import", "<img", "<iframe",
    ] {
        assert!(
            !lower.contains(bad),
            "report.html has an external asset: {bad}"
        );
    }
    // Nothing withheld anywhere in the export.
    for doc in [&x.html, &x.raw_data, &x.raw_history] {
        for m in f.withheld_markers() {
            assert!(!doc.contains(m), "a withheld value is in the export: {m}");
        }
    }

    // access-history.json: the reads before the export, and the export itself.
    let acts = actions(&x.history);
    assert!(
        acts.contains(&(DOC.into(), "dossier.read".into())),
        "the doctor's read is missing: {acts:?}"
    );
    assert!(
        acts.contains(&(EDU.into(), "entry.read".into())),
        "the educator's read is missing: {acts:?}"
    );
    assert!(
        acts.contains(&(v.admin.clone(), "access.export".into())),
        "the export itself is missing from the history: {acts:?}"
    );
    assert!(
        acts.contains(&(DOC.into(), "access.export".into())),
        "the refused export attempt is missing from the history: {acts:?}"
    );
    for h in x.history.as_array().unwrap() {
        assert!(h["what"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(h["time"].as_str().is_some_and(|s| !s.is_empty()));
    }
    assert!(
        x.history
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["who"].as_str().unwrap_or("").contains("Name of doc")),
        "the history names the staff member"
    );

    // The export is audited (access.export, ok, by the director, with categories).
    let log = v.audit_log(DPO, &["--action", "access.export", "--dossier", d]);
    let ok: Vec<&Value> = log.iter().filter(|e| e["outcome"] == "ok").collect();
    assert_eq!(ok.len(), 1, "one successful export audited: {log:?}");
    assert_eq!(ok[0]["actor"], v.admin.as_str());
    let cats: BTreeSet<&str> = ok[0]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let expected: BTreeSet<&str> = CATEGORIES
        .iter()
        .copied()
        .filter(|c| !is_withheld(c))
        .collect();
    assert_eq!(cats, expected, "the export's audited categories");
    assert!(
        log.iter()
            .any(|e| e["outcome"] == "denied" && e["actor"] == DOC),
        "the refused export by the doctor is audited: {log:?}"
    );
    v.verify().expect_code(0, "audit verify");
}

#[test]
fn export_with_a_passphrase_is_an_age_scrypt_file_the_library_opens() {
    let v = setup(&[(SOC, "assistant-social")]);
    let d = new_dossier(&v, "Nina Passe", &[SOC]);
    let m = marker("MK-social-");
    v.add_entry(SOC, &d, "social", &[&format!("text={m}")]);
    let out = v.root.path().join("copie.age");
    let rec = recovery_arg(&v);
    let export_pass = "phrase de la copie";
    let r = run_coffre(
        &[
            "access",
            "export",
            &d,
            "--out",
            out.to_str().unwrap(),
            "--passphrase",
            "--recovery-key",
            &rec,
        ],
        &Opts {
            vault: Some(&v.dir),
            user: Some(&v.admin),
            pass: Some(v.pass(&v.admin)),
            new_pass: Some(export_pass),
            ..Opts::default()
        },
    );
    r.expect_code(0, "export --passphrase");
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        bytes.starts_with(b"age-encryption.org/v1\n-> scrypt "),
        "not a passphrase-encrypted age file"
    );
    assert!(!contains_bytes(&bytes, m.as_bytes()));

    // Decrypt with the age library, then read the tar.
    let open = |pass: &str| -> Option<Vec<u8>> {
        use std::io::Read;
        let dec = age::Decryptor::new(&bytes[..]).expect("age header");
        assert!(dec.is_scrypt());
        let id = age::scrypt::Identity::new(SecretString::from(pass.to_string()));
        let mut r = dec
            .decrypt(std::iter::once(&id as &dyn age::Identity))
            .ok()?;
        let mut plain = Vec::new();
        r.read_to_end(&mut plain).expect("read");
        Some(plain)
    };
    assert!(open("not the passphrase").is_none());
    let plain = open(export_pass).expect("the export passphrase opens it");
    let mut ar = tar::Archive::new(&plain[..]);
    let mut docs = BTreeMap::new();
    for e in ar.entries().expect("tar") {
        use std::io::Read;
        let mut e = e.expect("tar entry");
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut s = String::new();
        e.read_to_string(&mut s).expect("utf-8 document");
        docs.insert(name, s);
    }
    let names: Vec<&String> = docs.keys().collect();
    assert_eq!(
        names,
        vec![
            &format!("coffre-export-{d}/access-history.json"),
            &format!("coffre-export-{d}/data.json"),
            &format!("coffre-export-{d}/report.html"),
        ]
    );
    let data: Value = serde_json::from_str(&docs[&format!("coffre-export-{d}/data.json")]).unwrap();
    assert_eq!(data["format"], "coffre-export/1");
    assert_eq!(export_values(&data), BTreeSet::from([m.clone()]));
    assert!(docs[&format!("coffre-export-{d}/report.html")].contains(&m));
}

#[test]
fn export_refused_for_missing_keys_is_audited() {
    let v = setup(&[(DOC, "medecin")]);
    let d = new_dossier(&v, "Refus Audite", &[DOC]);
    v.add_entry(DOC, &d, "medical", &["text=diagnostic"]);
    let out = v.root.path().join("copie.age");
    let recipient = Identity::generate().recipient();
    export_to(&v, &v.admin, &d, &out, &recipient, false).expect_code(3, "export");
    assert!(!out.exists());
    let log = v.audit_log(DPO, &["--action", "access.export", "--dossier", &d]);
    assert!(
        log.iter()
            .any(|e| e["actor"] == v.admin.as_str() && e["outcome"] == "denied"),
        "the refused export is not in the audit log: {log:?}"
    );
}

#[test]
fn access_grant_json_lists_pending_categories() {
    let v = setup(&[(DOC, "medecin")]);
    let d = new_dossier(&v, "Json Attente", &[DOC]);
    v.add_entry(DOC, &d, "medical", &["text=diagnostic"]);
    let r = run_coffre(
        &["--json", "access", "grant", &d],
        &Opts {
            vault: Some(&v.dir),
            user: Some(&v.admin),
            pass: Some(v.pass(&v.admin)),
            new_pass: Some("passphrase of the person"),
            ..Opts::default()
        },
    );
    r.expect_code(0, "grant --json");
    let j: Value = serde_json::from_str(r.stdout.trim())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.stdout));
    assert_eq!(j.to_string().matches("medical").count(), 1, "{j}");
}

// ------------------------------------------------------------------ 1b. self-service

#[test]
fn person_sees_own_file_and_history_but_not_withheld_or_other_dossiers() {
    let mut v = setup(CARE_TEAM);
    v.add_staff("urg", "Urgentiste", "medecin", true);
    let f = fill(&v, "Ines Moreau");
    let a = &f.d;
    let b = new_dossier(&v, "Paul Autre", &[SOC]);
    let mb = marker("MK-B-social-");
    v.add_entry(SOC, &b, "social", &[&format!("text={mb}")]);

    const PASS_A: &str = "passphrase of Ines";
    const PASS_B: &str = "passphrase of Paul";
    let g = grant(&v, a, PASS_A, true);
    g.expect_code(0, "grant with the recovery key");
    assert!(
        !g.stdout.contains("not yet readable"),
        "nothing is pending with the recovery key: {}",
        g.stdout
    );

    // Staff reads, one of them an emergency outside the care team.
    v.as_user(DOC, &["dossier", "show", a])
        .expect_code(0, "doctor reads");
    let just = "chute nocturne, besoin du traitement";
    v.as_user("urg", &["dossier", "show", a, "--break-glass", just])
        .expect_code(0, "break the glass");

    let view = person_view(&v, a, PASS_A);
    assert_eq!(view["id"], a.as_str());
    assert_eq!(view["name"], f.name.as_str());
    assert_eq!(view["birthdate"], "2011-03-04");
    assert_eq!(
        view_values(&view),
        f.visible_latest(),
        "the person sees exactly every non-withheld field (latest versions)"
    );
    let raw = person(&v, PASS_A, &["access", "view", a, "--json"]);
    for m in f.withheld_markers() {
        assert!(!raw.stdout.contains(m), "a withheld value in access view");
    }
    let withheld_ids: Vec<&str> = WITHHELD.iter().map(|c| f.entries[c].as_str()).collect();
    for cat in WITHHELD {
        let w = entry_by_id(&view, &f.entries[cat]);
        assert_eq!(
            withheld_of(w),
            vec![(
                "text".to_string(),
                cat.to_string(),
                "withheld-from-person".to_string()
            )]
        );
    }
    // Nothing else is withheld.
    for e in view["entries"].as_array().unwrap() {
        if !withheld_ids.iter().any(|id| e["id"] == *id) {
            assert_eq!(e["withheld"], serde_json::json!([]), "withheld in {e}");
        }
    }

    // Their access history: staff reads, the emergency (not its words: they may
    // name third parties; the DPO releases them).
    let hist = view["access_history"].as_array().expect("access_history");
    let has = |actor: &str, action: &str| {
        hist.iter()
            .any(|h| h["actor"] == actor && h["action"] == action && h["outcome"] == "ok")
    };
    assert!(has(DOC, "dossier.read"), "doctor's read missing: {hist:?}");
    assert!(has(&v.admin, "access.grant"));
    assert!(has(EDU, "entry.add"));
    let bg: Vec<&Value> = hist
        .iter()
        .filter(|h| h["actor"] == "urg" && h["break_glass"] == true)
        .collect();
    assert!(!bg.is_empty(), "the emergency access is shown: {hist:?}");
    assert!(
        bg.iter().all(|h| h["justification"].is_null()),
        "the justification's words before the DPO's release: {bg:?}"
    );
    assert!(!raw.stdout.contains(just));

    // Wrong passphrase: authentication failure (4), audited as failed.
    person(&v, "not my passphrase", &["access", "view", a, "--json"])
        .expect_code(4, "wrong passphrase");
    let failed = v.audit_log(DPO, &["--dossier", a, "--outcome", "failed"]);
    assert!(
        failed
            .iter()
            .any(|e| e["actor"] == format!("person.{a}") && e["action"] == "unlock"),
        "the failed attempt is audited: {failed:?}"
    );
    // The person's views are audited too.
    let viewed = v.audit_log(DPO, &["--dossier", a, "--action", "access.view"]);
    assert!(viewed
        .iter()
        .any(|e| e["actor"] == format!("person.{a}") && e["outcome"] == "ok"));

    // A's passphrase does not open B: neither before B has a credential nor after.
    person(&v, PASS_A, &["access", "view", &b, "--json"])
        .expect_code(4, "A's passphrase on B without a grant");
    grant(&v, &b, PASS_B, true).expect_code(0, "grant B");
    person(&v, PASS_A, &["access", "view", &b, "--json"]).expect_code(4, "A's passphrase on B");
    let vb = person_view(&v, &b, PASS_B);
    assert_eq!(view_values(&vb), BTreeSet::from([mb.clone()]));
    assert!(!view_values(&person_view(&v, a, PASS_A)).contains(&mb));

    // `access view` is for the person only.
    v.as_user(&v.admin, &["access", "view", a])
        .expect_code(2, "access view with --user");
}

/// The person's credential, as stored at `p/{dossier}` (mirror of
/// `vault::person::PersonRecord`, which is not public; postcard is positional).
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct PersonRecordMirror {
    recipient: String,
    kdf: KdfParams,
    salt: Vec<u8>,
    identity_sealed: Vec<u8>,
    granted_by: String,
    granted: u64,
}

fn unseal_person(store: &SledStore, vault_id: &str, d: &str, pass: &str) -> Option<Identity> {
    let rec: PersonRecordMirror = decode(
        &store
            .get(format!("p/{d}").as_bytes())
            .unwrap()
            .expect("person credential"),
        "person",
    )
    .unwrap();
    let key =
        coffre::crypto::kdf::derive(&SecretString::from(pass.to_string()), &rec.salt, &rec.kdf)
            .unwrap();
    let aad = Aad::new("coffre/person-identity/v1")
        .with(vault_id.as_bytes())
        .with(d.as_bytes());
    let secret = envelope::open(&key, &aad, &rec.identity_sealed).ok()?;
    let id = Identity::parse(std::str::from_utf8(&secret).unwrap()).unwrap();
    assert_eq!(id.recipient(), rec.recipient);
    Some(id)
}

/// (category, label) of a `dk/…` or `pk/…` key.
fn cat_label(key: &[u8]) -> (String, String) {
    let s = std::str::from_utf8(key).unwrap();
    let p: Vec<&str> = s.split('/').collect();
    assert_eq!(p.len(), 4, "malformed key {s}");
    (p[2].to_string(), p[3].to_string())
}

/// Every sealed field of a dossier: (entry, version, author, field).
fn sealed_fields(
    store: &SledStore,
    d: &str,
) -> Vec<(
    EntryRecord,
    u32,
    String,
    coffre::store::records::SealedField,
)> {
    let mut out = Vec::new();
    // The entry's header is in the dossier's list (e/ only locates it).
    for (k, header) in store.scan_prefix(format!("de/{d}/").as_bytes()).unwrap() {
        let id = std::str::from_utf8(&k)
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        let e: EntryRecord = decode(&header, "entry").unwrap();
        for (_, vb) in store
            .scan_prefix(&coffre::store::layout::version_prefix(&e.dossier, &id))
            .unwrap()
        {
            let ver: VersionRecord = decode(&vb, "version").unwrap();
            for fld in ver.fields {
                out.push((e.clone(), ver.version, ver.author.clone(), fld));
            }
        }
    }
    out
}

fn opens_field(
    key: &Key32,
    vid: &str,
    e: &EntryRecord,
    version: u32,
    f: &coffre::store::records::SealedField,
) -> Option<String> {
    let aad = field_aad(vid, &e.dossier, &e.id, &f.name, version, &f.category);
    // The sealed payload is r ‖ value, r being 32 random bytes (docs/crypto.md).
    envelope::open(key, &aad, &f.ciphertext)
        .ok()
        .map(|p| String::from_utf8(p[32..].to_vec()).unwrap())
}

#[test]
fn person_identity_opens_only_own_non_withheld_data_keys() {
    let v = setup(CARE_TEAM);
    let f = fill(&v, "Chloe Crypto");
    let a = f.d.clone();
    let b = new_dossier(&v, "Hugo Voisin", &[SOC, PSY, EDU]);
    for (who, kind) in [(SOC, "social"), (PSY, "psy-notes"), (EDU, "third-party")] {
        v.add_entry(who, &b, kind, &[&format!("text={}", marker("MK-B-"))]);
    }
    const PASS_A: &str = "passphrase of Chloe";
    grant(&v, &a, PASS_A, true).expect_code(0, "grant A");
    grant(&v, &b, "passphrase of Hugo", true).expect_code(0, "grant B");

    // No coffre process runs now: open the store as an attacker with the files.
    let store = SledStore::open(&v.dir.join("store")).unwrap();
    let meta: VaultMeta = decode(&store.get(b"meta").unwrap().unwrap(), "meta").unwrap();
    let vid = meta.vault_id.as_str();
    let erasure = |d: &str| {
        Key32::from_slice(&std::fs::read(v.dir.join("erasure").join(d)).unwrap()).unwrap()
    };
    let (ea, eb) = (erasure(&a), erasure(&b));

    assert!(unseal_person(&store, vid, &a, "wrong passphrase").is_none());
    let id = unseal_person(&store, vid, &a, PASS_A).expect("the passphrase unseals the identity");

    // Positive control: every pk/{A}/… wrap opens, and the key opens the fields.
    let mut person_keys: BTreeMap<(String, String), Key32> = BTreeMap::new();
    for (k, w) in store.scan_prefix(format!("pk/{a}/").as_bytes()).unwrap() {
        let (cat, label) = cat_label(&k);
        assert!(
            !is_withheld(&cat),
            "a withheld category ({cat}) is wrapped to the person"
        );
        let dk = unwrap_personal(&w, &id, &ea, vid, &a, &cat, &format!("person/{label}"))
            .unwrap()
            .unwrap_or_else(|| panic!("pk/{a}/{cat}/{label} does not open"));
        person_keys.insert((cat, label), dk);
    }
    for cat in WITHHELD {
        assert!(
            store
                .scan_prefix(format!("pk/{a}/{cat}/").as_bytes())
                .unwrap()
                .is_empty(),
            "no {cat} key may be wrapped to the person"
        );
    }
    let dks = store.scan_prefix(format!("dk/{a}/").as_bytes()).unwrap();
    let expected: BTreeSet<(String, String)> = dks
        .iter()
        .map(|(k, _)| cat_label(k))
        .filter(|(c, _)| !is_withheld(c))
        .collect();
    assert_eq!(
        person_keys.keys().cloned().collect::<BTreeSet<_>>(),
        expected,
        "one person wrap per non-withheld data key"
    );
    let mut opened = BTreeSet::new();
    for (e, ver, author, fld) in sealed_fields(&store, &a) {
        let label = if is_withheld(&fld.category) {
            author.clone()
        } else {
            "*".to_string()
        };
        let found: Vec<String> = person_keys
            .values()
            .filter_map(|k| opens_field(k, vid, &e, ver, &fld))
            .collect();
        if is_withheld(&fld.category) {
            assert!(found.is_empty(), "a person key opens a withheld field");
        } else {
            let k = &person_keys[&(fld.category.clone(), label)];
            let value =
                opens_field(k, vid, &e, ver, &fld).expect("the person's key opens the field");
            opened.insert(value);
        }
    }
    assert_eq!(opened, f.visible_all_versions(), "positive control");

    // Negative: none of the dk/ records of A opens with what the person holds.
    for (k, rec) in &dks {
        let (cat, label) = cat_label(k);
        let rec: DataKeyRecord = decode(rec, "dk").unwrap();
        if is_withheld(&cat) {
            assert!(
                unwrap_personal(&rec.wrapped, &id, &ea, vid, &a, &cat, &label)
                    .unwrap()
                    .is_none(),
                "the author-only wrap dk/{a}/{cat}/{label} opens for the person"
            );
        } else {
            let aad = data_key_aad(vid, &a, &cat, rec.key_gen);
            for pk in person_keys.values() {
                let wk = category_wrap_key(&ea, pk, vid, &a, &cat, rec.key_gen).unwrap();
                assert!(envelope::open(&wk, &aad, &rec.wrapped).is_err());
            }
        }
    }
    // No vault key (category keys, directory, index, audit) is wrapped to them.
    let wraps = store.scan_prefix(b"w/").unwrap();
    assert!(wraps.len() > 20, "the vault has its key wraps");
    for (k, ct) in &wraps {
        assert!(
            wrap::unwrap(ct, &id).unwrap().is_none(),
            "{} opens with the person's identity",
            String::from_utf8_lossy(k)
        );
    }
    // Nothing of dossier B: its person wraps, its author-only keys, its fields.
    let pkb = store.scan_prefix(format!("pk/{b}/").as_bytes()).unwrap();
    assert!(!pkb.is_empty());
    for (_, w) in &pkb {
        assert!(wrap::unwrap(w, &id).unwrap().is_none());
    }
    for (k, rec) in store.scan_prefix(format!("dk/{b}/").as_bytes()).unwrap() {
        let (cat, label) = cat_label(&k);
        let rec: DataKeyRecord = decode(&rec, "dk").unwrap();
        if is_withheld(&cat) {
            assert!(
                unwrap_personal(&rec.wrapped, &id, &eb, vid, &b, &cat, &label)
                    .unwrap()
                    .is_none()
            );
        }
    }
    let bf = sealed_fields(&store, &b);
    assert_eq!(bf.len(), 3);
    for (e, ver, _, fld) in &bf {
        for k in person_keys.values() {
            assert!(opens_field(k, vid, e, *ver, fld).is_none());
        }
    }
}

// ------------------------------------------------------------------ 1c. keys after the grant

#[test]
fn new_entries_reach_the_person_at_once_and_pending_categories_are_listed() {
    let v = setup(CARE_TEAM);
    let f = fill(&v, "Emma Suite");
    const PASS_A: &str = "passphrase of Emma";
    grant(&v, &f.d, PASS_A, true).expect_code(0, "grant");
    // A new entry in a category whose key existed at the grant …
    let m1 = marker("MK-new-educational-");
    v.add_entry(EDU, &f.d, "educational", &[&format!("text={m1}")]);
    // … and a psy-notes entry by its author (same author-only key), which is
    // never the person's.
    let m2 = marker("MK-new-psy-notes-");
    v.add_entry(PSY, &f.d, "psy-notes", &[&format!("text={m2}")]);
    let seen = view_values(&person_view(&v, &f.d, PASS_A));
    assert!(seen.contains(&m1), "new entries are visible at once");
    assert!(
        !seen.contains(&m2),
        "the psychologist's notes reach the person"
    );

    // Grant WITHOUT the recovery key by the director, who holds identity,
    // financial, care-alerts and justice keys only.
    let c = new_dossier(&v, "Jules Attente", &[DOC, EDU, SOC]);
    let mi = marker("MK-C-identity-");
    let mm = marker("MK-C-medical-");
    let me = marker("MK-C-educational-");
    v.add_entry(SOC, &c, "identity", &[&format!("text={mi}")]);
    v.add_entry(DOC, &c, "medical", &[&format!("text={mm}")]);
    v.add_entry(EDU, &c, "educational", &[&format!("text={me}")]);
    const PASS_C: &str = "passphrase of Jules";
    let g = grant(&v, &c, PASS_C, false);
    g.expect_code(0, "grant without the recovery key");
    assert!(
        g.stdout
            .contains("not yet readable by the person: Educational observations and individual project, Medical information"),
        "the grant lists exactly the pending categories: {}",
        g.stdout
    );
    let view = person_view(&v, &c, PASS_C);
    assert_eq!(view["name"], "Jules Attente");
    assert_eq!(view_values(&view), BTreeSet::from([mi.clone()]));
    let reasons: BTreeSet<(String, String, String)> = view["entries"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(withheld_of)
        .collect();
    assert_eq!(
        reasons,
        BTreeSet::from([
            ("text".into(), "educational".into(), "pending".into()),
            ("text".into(), "medical".into(), "pending".into()),
        ])
    );

    // A category whose key is created after the grant reaches the person at once,
    // whoever writes it.
    let mf = marker("MK-C-financial-");
    let mc = marker("MK-C-care-");
    v.add_entry(SOC, &c, "financial", &[&format!("text={mf}")]);
    v.add_entry(DOC, &c, "care", &[&format!("text={mc}")]);
    let seen = view_values(&person_view(&v, &c, PASS_C));
    assert!(
        seen.contains(&mf) && seen.contains(&mc),
        "new keys follow: {seen:?}"
    );
    assert!(!seen.contains(&mm));

    // A new grant with the recovery key replaces the credential and completes it.
    const PASS_C2: &str = "new passphrase of Jules";
    let g = grant(&v, &c, PASS_C2, true);
    g.expect_code(0, "grant again");
    assert!(!g.stdout.contains("not yet readable"), "{}", g.stdout);
    person(&v, PASS_C, &["access", "view", &c, "--json"])
        .expect_code(4, "the replaced passphrase no longer opens");
    let seen = view_values(&person_view(&v, &c, PASS_C2));
    assert_eq!(
        seen,
        BTreeSet::from([mi, mm, me, mf, mc]),
        "everything non-withheld after the grant with the recovery key"
    );
}

#[test]
fn pending_person_keys_follow_when_a_holder_works_on_the_file() {
    let v = setup(&[(DOC, "medecin")]);
    let c = new_dossier(&v, "Leo Attente", &[DOC]);
    let mm = marker("MK-C-medical-");
    v.add_entry(DOC, &c, "medical", &[&format!("text={mm}")]);
    const PASS_C: &str = "passphrase of Leo";
    let g = grant(&v, &c, PASS_C, false);
    g.expect_code(0, "grant without the recovery key");
    // "not yet readable by the person: Medical information (follows when a
    // holder of those keys works on the file, or now with --recovery-key)":
    // the category by its label, never its id.
    assert!(g.stdout.contains("Medical information"), "{}", g.stdout);
    assert!(!g.stdout.contains("medical"), "{}", g.stdout);
    assert!(g.stdout.contains("follows when a holder"), "{}", g.stdout);
    // The doctor, who holds the medical key, reads the file and writes in it.
    v.as_user(DOC, &["dossier", "show", &c])
        .expect_code(0, "doctor reads");
    let mm2 = marker("MK-C-medical-2-");
    v.add_entry(DOC, &c, "medical", &[&format!("text={mm2}")]);
    let seen = view_values(&person_view(&v, &c, PASS_C));
    assert!(
        seen.contains(&mm) && seen.contains(&mm2),
        "the medical key should have followed to the person: sees {seen:?}"
    );
}

// ------------------------------------------------------------------ 1d. notes

#[test]
fn person_notes_are_seen_by_staff_not_amendable_and_exported() {
    if !age_tools() {
        return;
    }
    let v = setup(&[(SOC, "assistant-social"), (EDU, "educateur-specialise")]);
    let d = new_dossier(&v, "Sarah Note", &[SOC, EDU]);
    let ms = marker("MK-social-");
    let e = v.add_entry(SOC, &d, "social", &[&format!("text={ms}")]);
    let other = new_dossier(&v, "Autre Personne", &[SOC]);
    let eo = v.add_entry(SOC, &other, "social", &["text=x"]);
    const PASS: &str = "passphrase of Sarah";
    grant(&v, &d, PASS, true).expect_code(0, "grant");

    let text = format!(
        "Je ne suis pas d'accord avec cette note {}",
        marker("NOTE-")
    );
    let r = person(
        &v,
        PASS,
        &["access", "note", &d, "--text", &text, "--entry", &e],
    );
    r.expect_code(0, "the person writes a note");
    let note = r.single_line();
    assert!(note.starts_with("e-"), "a note is an entry: {note}");
    // About an entry of another dossier, or empty: usage errors.
    person(
        &v,
        PASS,
        &["access", "note", &d, "--text", "x", "--entry", &eo],
    )
    .expect_code(2, "note about another dossier's entry");
    person(&v, PASS, &["access", "note", &d, "--text", "   "]).expect_code(2, "empty note");
    person(
        &v,
        "wrong passphrase",
        &["access", "note", &d, "--text", "x"],
    )
    .expect_code(4, "note with a wrong passphrase");

    // Staff see it, as the person's note.
    let shown = v.as_user(EDU, &["dossier", "show", &d, "--json"]);
    shown.expect_code(0, "educator reads");
    let n = entry_by_id(&shown.json(), &note).clone();
    assert_eq!(n["kind"], "person-note");
    assert_eq!(n["author"], format!("person.{d}"));
    assert_eq!(n["fields"]["text"], text.as_str());
    assert_eq!(n["fields"]["about"], e.as_str());
    // Staff cannot amend it (refused, audited).
    v.as_user(SOC, &["entry", "amend", &note, "--field", "text=rewritten"])
        .expect_code(3, "staff amends the person's note");
    let denied = v.audit_log(DPO, &["--action", "entry.amend", "--outcome", "denied"]);
    assert!(denied
        .iter()
        .any(|x| x["actor"] == SOC && x["dossier"] == d.as_str()));
    let again = v.as_user(EDU, &["entry", "show", &note, "--json"]);
    assert_eq!(again.json()["fields"]["text"], text.as_str());
    assert_eq!(again.json()["version"], 1);
    // Audited as the person's.
    let log = v.audit_log(DPO, &["--action", "access.note", "--dossier", &d]);
    assert!(log
        .iter()
        .any(|x| x["actor"] == format!("person.{d}") && x["entry"] == note.as_str()));
    // Their own view and the export show it.
    assert!(view_values(&person_view(&v, &d, PASS)).contains(&text));
    let x = export_and_open(&v, &d, "notes");
    let ne = export_entry(&x.data, &note);
    assert_eq!(ne["kind"], "person-note");
    assert_eq!(ne["versions"][0]["fields"]["text"]["value"], text.as_str());
    assert!(
        x.html.contains(&text.replace('\'', "&#39;")),
        "report.html shows the note (HTML-escaped)"
    );
}

// ------------------------------------------------------------------ 1e. objections

#[test]
fn objection_withholds_a_category_from_one_profession_only() {
    let mut v = setup(CARE_TEAM);
    v.add_staff(CADRE, "Cadre", "cadre-socio-educatif", true);
    let f = fill(&v, "Adam Refus");
    let d = &f.d;
    const PASS: &str = "passphrase of Adam";
    grant(&v, d, PASS, true).expect_code(0, "grant");

    // Before: the educator reads social data.
    let before = v.as_user(EDU, &["dossier", "show", d, "--json"]).json();
    assert!(view_values(&before).contains(&f.markers["social"]));

    // The person objects to social data being shared with educators.
    person(
        &v,
        PASS,
        &[
            "access",
            "object",
            d,
            "--category",
            "social",
            "--profession",
            "educateur-specialise",
        ],
    )
    .expect_code(0, "the person objects");
    // Staff with person-access records one for justice.
    v.as_user(
        CADRE,
        &[
            "access",
            "object",
            d,
            "--category",
            "justice",
            "--profession",
            "educateur-specialise",
        ],
    )
    .expect_code(0, "the cadre records an objection");
    // Staff without person-access may not, and bad names are usage errors.
    v.as_user(
        EDU,
        &[
            "access",
            "object",
            d,
            "--category",
            "care-alerts",
            "--profession",
            "educateur-specialise",
        ],
    )
    .expect_code(3, "educator records an objection");
    person(
        &v,
        PASS,
        &[
            "access",
            "object",
            d,
            "--category",
            "nope",
            "--profession",
            "educateur-specialise",
        ],
    )
    .expect_code(2, "unknown category");
    person(
        &v,
        PASS,
        &[
            "access",
            "object",
            d,
            "--category",
            "social",
            "--profession",
            "nope",
        ],
    )
    .expect_code(2, "unknown profession");

    // The educator now sees social and justice fields withheld for "objection".
    let r = v.as_user(EDU, &["dossier", "show", d, "--json"]);
    r.expect_code(0, "educator reads");
    let edu = r.json();
    let seen = view_values(&edu);
    assert!(!seen.contains(&f.markers["social"]));
    assert!(!seen.contains(&f.markers["justice"]));
    assert!(
        !seen.contains(&f.adm_reason_v2),
        "the admission's social field too"
    );
    assert!(!r.stdout.contains(&f.markers["social"]));
    assert!(
        seen.contains(&f.markers["care-alerts"]),
        "other categories stay"
    );
    assert!(seen.contains(&f.markers["educational"]));
    for (cat, field, entry) in [
        ("social", "text", &f.entries["social"]),
        ("justice", "text", &f.entries["justice"]),
        ("social", "reason", &f.admission),
    ] {
        assert!(
            withheld_of(entry_by_id(&edu, entry)).contains(&(
                field.to_string(),
                cat.to_string(),
                "objection".to_string()
            )),
            "{cat} field {field} of {entry} is not withheld for objection: {}",
            entry_by_id(&edu, entry)
        );
    }
    let one = v.as_user(EDU, &["entry", "show", &f.entries["social"], "--json"]);
    assert_eq!(withheld_of(&one.json())[0].2, "objection");

    // Other professions still see them.
    for who in [SOC, DOC, PSY] {
        let seen = view_values(&v.as_user(who, &["dossier", "show", d, "--json"]).json());
        assert!(seen.contains(&f.markers["social"]), "{who} lost social");
        assert!(seen.contains(&f.markers["justice"]), "{who} lost justice");
    }

    // Both objections are audited, with the category and the profession.
    let log = v.audit_log(DPO, &["--action", "access.object", "--dossier", d]);
    let by = |actor: &str, cat: &str| {
        log.iter().any(|e| {
            e["actor"] == actor
                && e["outcome"] == "ok"
                && e["target"] == "educateur-specialise"
                && e["categories"] == serde_json::json!([cat])
        })
    };
    assert!(by(&format!("person.{d}"), "social"), "{log:?}");
    assert!(by(CADRE, "justice"), "{log:?}");
    assert!(log
        .iter()
        .any(|e| e["actor"] == EDU && e["outcome"] == "denied"));
}

#[test]
fn objection_to_identity_also_hides_the_name() {
    let v = setup(&[(SOC, "assistant-social"), (EDU, "educateur-specialise")]);
    let d = new_dossier(&v, "Zoe Anonyme", &[SOC, EDU]);
    let mi = marker("MK-identity-");
    v.add_entry(SOC, &d, "identity", &[&format!("text={mi}")]);
    const PASS: &str = "passphrase of Zoe";
    grant(&v, &d, PASS, true).expect_code(0, "grant");
    person(
        &v,
        PASS,
        &[
            "access",
            "object",
            &d,
            "--category",
            "identity",
            "--profession",
            "educateur-specialise",
        ],
    )
    .expect_code(0, "object to identity");
    let r = v.as_user(EDU, &["dossier", "show", &d, "--json"]);
    r.expect_code(0, "educator reads");
    assert!(
        !view_values(&r.json()).contains(&mi),
        "identity field withheld"
    );
    assert!(
        !r.stdout.contains("Zoe Anonyme") && r.json()["name"].is_null(),
        "the name is identity data the person objected to sharing: {}",
        r.stdout
    );
    let found = v.as_user(EDU, &["dossier", "list", "--json"]);
    assert!(!found.stdout.contains("Zoe Anonyme"), "{}", found.stdout);
}

// ------------------------------------------------------------------ 1f. amendments

#[test]
fn amendments_keep_both_versions_in_history_and_export() {
    if !age_tools() {
        return;
    }
    let v = setup(&[(SOC, "assistant-social")]);
    let d = new_dossier(&v, "Rose Version", &[SOC]);
    let v1 = marker("MK-V1-");
    let v2 = marker("MK-V2-");
    let e = v.add_entry(SOC, &d, "social", &[&format!("text={v1}")]);
    let r = v.as_user(
        SOC,
        &[
            "entry",
            "amend",
            &e,
            "--field",
            &format!("text={v2}"),
            "--json",
        ],
    );
    r.expect_code(0, "amend");
    assert_eq!(r.json()["version"], 2);

    let h = v.as_user(SOC, &["entry", "history", &e, "--json"]);
    h.expect_code(0, "entry history");
    let h = h.json();
    let vs = h["versions"].as_array().unwrap();
    assert_eq!(vs.len(), 2);
    assert_eq!(vs[0]["version"], 1);
    assert_eq!(vs[0]["fields"]["text"], v1.as_str());
    assert_eq!(vs[1]["version"], 2);
    assert_eq!(vs[1]["fields"]["text"], v2.as_str());
    let cur = v.as_user(SOC, &["entry", "show", &e, "--json"]).json();
    assert_eq!(cur["fields"]["text"], v2.as_str());
    assert_eq!(cur["version"], 2);
    let hist_log = v.audit_log(DPO, &["--action", "entry.history", "--dossier", &d]);
    assert_eq!(hist_log.len(), 1, "reading the versions is audited");

    let x = export_and_open(&v, &d, "amend");
    let ex = export_entry(&x.data, &e);
    let evs = ex["versions"].as_array().unwrap();
    assert_eq!(evs.len(), 2);
    assert_eq!(evs[0]["fields"]["text"]["value"], v1.as_str());
    assert_eq!(evs[1]["fields"]["text"]["value"], v2.as_str());
    assert!(x.html.contains(&v1) && x.html.contains(&v2));
    assert!(x.html.contains("Correction (version 2)"));
    assert!(
        x.html.find(&v1).unwrap() < x.html.find(&v2).unwrap(),
        "the original comes before its correction"
    );
}

// ------------------------------------------------------------------ 1g. retention

const YEAR: u64 = 31_557_600;

/// Moves the `closed` time of dossiers back by `years`, in the store directly (no
/// coffre process may run).
fn due_ids(r: &Run) -> Vec<String> {
    r.json()
        .as_array()
        .expect("a JSON list")
        .iter()
        .map(|i| i["dossier"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn retention_lists_and_erases_only_what_is_past_due() {
    let v = setup(&[
        (DOC, "medecin"),
        (SOC, "assistant-social"),
        (EDU, "educateur-specialise"),
    ]);
    let dir = v.admin.clone();
    // D1: social only; D2: with medical data; D3: still open.
    let d1 = new_dossier(&v, "Ancien Dossier", &[SOC, EDU]);
    let m1 = marker("MK-D1-");
    v.add_entry(SOC, &d1, "social", &[&format!("text={m1}")]);
    let d2 = new_dossier(&v, "Dossier Medical", &[DOC, SOC]);
    let m2 = marker("MK-D2-");
    v.add_entry(SOC, &d2, "social", &[&format!("text={m2}")]);
    v.add_entry(DOC, &d2, "medical", &["text=diagnostic"]);
    let d3 = new_dossier(&v, "Dossier Ouvert", &[SOC]);
    let m3 = marker("MK-D3-");
    v.add_entry(SOC, &d3, "social", &[&format!("text={m3}")]);

    // The dossiers are closed three years ago: the binary runs with its clock
    // set back (the closing time is signed in the log, so it cannot be edited
    // afterwards).
    let tmp = tempfile::tempdir().unwrap();
    let lib = util::clock::shim(tmp.path());
    let back = -3 * YEAR as i64;
    // Closing: managers and the creator only; known rules only.
    v.as_user_at(&lib, back, EDU, &["dossier", "close", &d1])
        .expect_code(3, "educator closes");
    v.as_user_at(
        &lib,
        back,
        &dir,
        &["dossier", "close", &d1, "--rule", "nope"],
    )
    .expect_code(2, "unknown rule");
    v.as_user_at(&lib, back, &dir, &["dossier", "close", &d1])
        .expect_code(0, "close D1");
    v.as_user_at(
        &lib,
        back,
        &dir,
        &["dossier", "close", &d2, "--rule", "adulte"],
    )
    .expect_code(0, "close D2");

    // Nothing was due then.
    let r = v.as_user_at(&lib, back, &dir, &["retention", "due", "--json"]);
    r.expect_code(0, "retention due");
    assert!(due_ids(&r).is_empty(), "nothing due yet: {}", r.stdout);
    let all = v
        .as_user_at(&lib, back, &dir, &["retention", "due", "--all", "--json"])
        .json();
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2, "both closed dossiers listed: {all:?}");
    let item = |list: &[Value], d: &str| list.iter().find(|i| i["dossier"] == d).cloned();
    let i1 = item(all, &d1).expect("D1 listed");
    assert_eq!(i1["rule"], "adulte");
    assert_eq!(i1["years"], 2);
    assert_eq!(i1["past_due"], false);
    let i2 = item(all, &d2).expect("D2 listed");
    assert_eq!(i2["years"], 20, "medical data are kept 20 years: {i2}");
    assert!(item(all, &d3).is_none(), "an open dossier has no due date");
    // Only those who may erase see retention.
    v.as_user(SOC, &["retention", "due"])
        .expect_code(3, "retention due by a social worker");

    // Three years later (today).
    let r = v.as_user(&dir, &["retention", "due", "--json"]);
    assert_eq!(
        due_ids(&r),
        vec![d1.clone()],
        "only D1 is due: {}",
        r.stdout
    );
    let i1 = &r.json()[0];
    assert_eq!(i1["rule"], "adulte");
    assert_eq!(i1["years"], 2);
    assert_eq!(i1["past_due"], true);
    let all = v
        .as_user(&dir, &["retention", "due", "--all", "--json"])
        .json();
    let i2 = item(all.as_array().unwrap(), &d2).unwrap();
    assert_eq!(
        i2["past_due"], false,
        "D2 holds medical data: not due after 3 years"
    );
    assert_eq!(i2["years"], 20);

    // Dry run: lists, erases nothing.
    let r = v.as_user(&dir, &["retention", "apply", "--json"]);
    r.expect_code(0, "dry run");
    assert_eq!(r.json()["erased"], false);
    assert_eq!(r.json()["dossiers"][0]["dossier"], d1.as_str());
    assert!(v.dir.join("erasure").join(&d1).exists());
    let seen = view_values(&v.as_user(SOC, &["dossier", "show", &d1, "--json"]).json());
    assert!(seen.contains(&m1), "the dry run erased D1");
    assert!(
        v.audit_log(DPO, &["--action", "retention.apply"])
            .is_empty(),
        "a dry run records no erasure"
    );

    // For real.
    // The log shows the clock going back three years and forward again: an
    // erasure then needs the clock confirmed (audited).
    let r = v.as_user(&dir, &["retention", "apply", "--yes", "--json"]);
    r.expect_code(3, "retention apply --yes after a clock jump");
    let r = v.as_user(
        &dir,
        &["retention", "apply", "--yes", "--confirm-clock", "--json"],
    );
    r.expect_code(0, "retention apply --yes --confirm-clock");
    assert_eq!(r.json()["erased"], true);
    assert_eq!(r.json()["dossiers"].as_array().unwrap().len(), 1);
    assert!(
        !v.dir.join("erasure").join(&d1).exists(),
        "D1's erasure key is gone"
    );
    let r = v.as_user(SOC, &["dossier", "show", &d1, "--json"]);
    assert_ne!(r.code, 0, "an erased dossier cannot be shown");
    assert!(!r.stdout.contains(&m1));
    let log: Vec<serde_json::Value> = v
        .audit_log(DPO, &["--action", "retention.apply"])
        .into_iter()
        .filter(|e| e["outcome"] != "denied")
        .collect();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["dossier"], d1.as_str());
    assert_eq!(log[0]["actor"], dir.as_str());
    assert_eq!(log[0]["outcome"], "ok");
    // Nothing due any more; the others are untouched.
    assert!(due_ids(&v.as_user(&dir, &["retention", "due", "--json"])).is_empty());
    let r = v.as_user(&dir, &["retention", "apply", "--yes", "--json"]);
    assert_eq!(r.json()["dossiers"], serde_json::json!([]));
    let s2 = view_values(&v.as_user(SOC, &["dossier", "show", &d2, "--json"]).json());
    assert!(s2.contains(&m2));
    let s2d = view_values(&v.as_user(DOC, &["dossier", "show", &d2, "--json"]).json());
    assert!(s2d.contains("diagnostic"));
    let s3 = view_values(&v.as_user(SOC, &["dossier", "show", &d3, "--json"]).json());
    assert!(s3.contains(&m3));
    v.verify().expect_code(0, "audit verify");
}

// ------------------------------------------------------------------ what the person never receives

/// The recovery identity from the recovery-key file.
fn recovery_identity(v: &TestVault) -> Identity {
    let text = std::fs::read_to_string(&v.recovery).expect("recovery key file");
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("AGE-SECRET-KEY-"))
        .expect("the recovery file holds an age identity");
    Identity::parse(line.trim()).expect("recovery identity")
}

/// The psychologist's notes wrapped to the person (`pk/{d}/psy-notes/{author}`),
/// forged with the recovery key straight into the store: the wrap really opens
/// the notes' data key with the person's identity, yet the person never reads
/// through it — the set of wraps is not the one the signed `person-keys` fact
/// vouches for, so their view and a colleague's read fail naming `pk/` — and the
/// export, made with staff keys, lists the notes as withheld.
#[test]
fn person_wraps_of_author_only_notes_planted_are_never_read_through() {
    if !age_tools() {
        return;
    }
    let v = setup(CARE_TEAM);
    let f = fill(&v, "Lea Ancienne");
    let d = f.d.clone();
    const PASS: &str = "passphrase of Lea";
    grant(&v, &d, PASS, true).expect_code(0, "grant");

    // As an attacker — or an older Coffre — with the files, no coffre running.
    {
        let store = SledStore::open(&v.dir.join("store")).unwrap();
        let meta: VaultMeta = decode(&store.get(b"meta").unwrap().unwrap(), "meta").unwrap();
        let vid = meta.vault_id.clone();
        let erasure =
            Key32::from_slice(&std::fs::read(v.dir.join("erasure").join(&d)).unwrap()).unwrap();
        assert!(
            store
                .scan_prefix(format!("pk/{d}/psy-notes/").as_bytes())
                .unwrap()
                .is_empty(),
            "no psy-notes wrap for the person today"
        );
        let rec: DataKeyRecord = decode(
            &store
                .get(format!("dk/{d}/psy-notes/{PSY}").as_bytes())
                .unwrap()
                .expect("the psychologist's data key"),
            "dk",
        )
        .unwrap();
        let rid = recovery_identity(&v);
        let dk = unwrap_personal(&rec.wrapped, &rid, &erasure, &vid, &d, "psy-notes", PSY)
            .unwrap()
            .expect("the recovery key opens the author-only key");
        let person = unseal_person(&store, &vid, &d, PASS).expect("person identity");
        let w = coffre::vault::keys::wrap_personal(
            &dk,
            &[
                person.recipient().as_str(),
                meta.recovery_recipient.as_str(),
            ],
            &erasure,
            &vid,
            &d,
            "psy-notes",
            &format!("person/{PSY}"),
        )
        .unwrap();
        // Positive control: the forged wrap opens the notes for the person.
        let back = unwrap_personal(
            &w,
            &person,
            &erasure,
            &vid,
            &d,
            "psy-notes",
            &format!("person/{PSY}"),
        )
        .unwrap()
        .expect("the forged wrap opens for the person");
        let (e, ver, _, fld) = sealed_fields(&store, &d)
            .into_iter()
            .find(|(_, _, _, fld)| fld.category == "psy-notes")
            .expect("the psy-notes field");
        assert_eq!(
            opens_field(&back, &vid, &e, ver, &fld).as_deref(),
            Some(f.markers["psy-notes"].as_str()),
            "positive control: the wrap opens the notes"
        );
        let mut batch = Batch::new();
        batch.put(format!("pk/{d}/psy-notes/{PSY}").into_bytes(), w);
        store.commit(batch).unwrap();
    }

    // The person's own access: an integrity failure naming the wraps; never the words.
    for args in [
        vec!["access", "view", d.as_str(), "--json"],
        vec!["access", "view", d.as_str()],
    ] {
        let r = person(&v, PASS, &args);
        r.expect_code(5, "access view with a planted wrap");
        assert!(!r.stdout.contains(&f.markers["psy-notes"]));
        assert!(r.stderr.contains(&format!("pk/{d}/")), "{}", r.stderr);
    }

    // The export, by the director with the recovery key: listed with its reason.
    let x = export_and_open(&v, &d, "old-wrap");
    for doc in [&x.html, &x.raw_data, &x.raw_history] {
        for m in f.withheld_markers() {
            assert!(!doc.contains(m), "a withheld value is in the export: {m}");
        }
    }
    assert!(
        x.raw_data.contains(&f.markers["social"]),
        "positive control"
    );
    assert!(x.data["withheld"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["category"] == "psy-notes" && w["reason"] == PSY_NOTES_REASON));

    // A colleague's read does not adopt the planted wrap either.
    let r = v.as_user(DOC, &["dossier", "show", &d]);
    r.expect_code(5, "doctor reads");
    assert!(r.stderr.contains(&format!("pk/{d}/")), "{}", r.stderr);
}

/// Break-the-glass words can name third parties: the person sees that an
/// emergency access happened (when, which profession, which categories), not the
/// words, until the DPO releases them for that dossier; the release is audited.
#[test]
fn justification_words_reach_the_person_only_after_the_dpo_releases_them() {
    if !age_tools() {
        return;
    }
    let mut v = setup(CARE_TEAM);
    v.add_staff("urg", "Urgentiste", "medecin", true);
    let f = fill(&v, "Nina Urgence");
    let d = f.d.clone();
    const PASS: &str = "passphrase of Nina";
    grant(&v, &d, PASS, true).expect_code(0, "grant");
    let just = marker("JUSTIF-Mme Voisine a signale des coups-");
    v.as_user("urg", &["dossier", "show", &d, "--break-glass", &just])
        .expect_code(0, "break the glass");

    let emergency = |hist: &Value| -> Vec<Value> {
        hist.as_array()
            .unwrap()
            .iter()
            .filter(|h| h["actor"] == "urg" && h["break_glass"] == true)
            .cloned()
            .collect()
    };

    // Before the release: the access is there, its words are not.
    let raw = person(&v, PASS, &["access", "view", &d, "--json"]);
    raw.expect_code(0, "view");
    assert!(!raw.stdout.contains(&just), "the words before the release");
    let bg = emergency(&raw.json()["access_history"]);
    assert!(!bg.is_empty(), "the emergency access is shown");
    assert!(bg.iter().all(|h| h["profession"] == "medecin"));
    assert!(bg.iter().any(|h| h["action"] == "dossier.read"
        && h["categories"].as_array().is_some_and(|c| !c.is_empty())));
    assert!(bg.iter().all(|h| h["justification"].is_null()));
    let x = export_and_open(&v, &d, "before");
    for doc in [&x.html, &x.raw_data, &x.raw_history] {
        assert!(
            !doc.contains(&just),
            "the words in the export before the release"
        );
    }
    assert!(
        x.html.contains("emergency access"),
        "the emergency is in the report"
    );

    // Only an audit reader may release (the director may not), audited.
    v.as_user(&v.admin, &["audit", "release-justifications", &d])
        .expect_code(3, "the director releases");
    let r = v.as_user(DPO, &["audit", "release-justifications", &d, "--json"]);
    r.expect_code(0, "the DPO releases");
    let sum = r.json();
    // The opening of the window and the read it allowed carry the same words.
    let with_words = v
        .audit_log(DPO, &["--dossier", &d])
        .iter()
        .filter(|e| e["justification_text"] == just.as_str())
        .count();
    assert_eq!(with_words, 2, "break-glass.open and the read");
    assert_eq!(sum["released"], with_words, "{sum}");
    assert_eq!(sum["person_copies"], true);
    let rel = v.audit_log(DPO, &["--dossier", &d, "--action", "audit.release"]);
    assert!(
        rel.iter()
            .any(|e| e["actor"] == DPO && e["outcome"] == "ok"),
        "the release is audited: {rel:?}"
    );
    assert!(
        rel.iter()
            .any(|e| e["actor"] == v.admin.as_str() && e["outcome"] == "denied"),
        "the refused release is audited: {rel:?}"
    );

    // After: the person reads the words, in their view and in the export.
    let view = person_view(&v, &d, PASS);
    let bg = emergency(&view["access_history"]);
    assert!(
        bg.iter().any(|h| h["justification"] == just.as_str()),
        "the released words: {bg:?}"
    );
    let txt = person(&v, PASS, &["access", "view", &d]);
    assert!(txt.stdout.contains(&just));
    let x = export_and_open(&v, &d, "after");
    assert!(x.raw_history.contains(&just) && x.html.contains(&just));
    assert!(
        actions(&view["access_history"]).contains(&(DPO.into(), "audit.release".into())),
        "the person sees the release in their history"
    );

    // A later emergency is not covered by the earlier release.
    let later = marker("JUSTIF-second-");
    v.as_user("urg", &["dossier", "show", &d, "--break-glass", &later])
        .expect_code(0, "second break-glass");
    let raw = person(&v, PASS, &["access", "view", &d, "--json"]);
    assert!(!raw.stdout.contains(&later), "a later justification leaked");
    assert!(raw.stdout.contains(&just), "the released one stays");
    let x = export_and_open(&v, &d, "later");
    assert!(!x.raw_history.contains(&later) && !x.html.contains(&later));
}

/// The person's readable copy on the web: one HTML page of their file, for a
/// member whose profession handles the person's rights and who holds the
/// keys, without the recovery key; refused to a profession that may not;
/// audited as an export, marked as the readable copy.
#[test]
fn a_readable_copy_on_the_web_for_a_member_who_holds_the_keys() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("c.cadre", "Claire Cadre", "cadre-socio-educatif", true);
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d, "c.cadre");
    v.team_add(&admin, &d, "e.petit");
    let text = marker("copie-");
    v.add_entry("e.petit", &d, "daily-life", &[&format!("text={text}")]);
    // The manager's first session takes the keys a colleague holds for them.
    v.as_user("c.cadre", &["dossier", "show", &d])
        .expect_code(0, "the manager reads the dossier");
    // The person's own access (the director, with the recovery key).
    let person_pass = "la phrase de passe de Lucas 2026";
    grant(&v, &d, person_pass, true).expect_code(0, "access grant");

    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let path = format!("/dossiers/{d}/copie-lisible");
    let cookie = http::login(&host, "c.cadre", v.pass("c.cadre"));
    let (_, _, page) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cookie)],
        "",
    );
    assert!(
        page.contains(&path),
        "the dossier page offers the copy to a manager"
    );
    let (status, head, body) = http::http(&host, "GET", &path, &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "{head}\n{body}");
    assert!(
        head.to_lowercase()
            .contains("content-disposition: attachment"),
        "{head}"
    );
    assert!(body.contains(&text), "the note is in the copy");
    assert!(body.contains("Lucas Martin"), "the person is named");
    assert!(body.starts_with("<!DOCTYPE html>"), "one HTML page");
    // The member does not read, on the way, who read the file.
    assert!(
        body.contains("ne figure pas dans cette copie"),
        "the history is left to the person's access and the DPO"
    );
    assert!(!body.contains("<th>Justification</th>"), "no history table");

    // An educator may not make it: no link, and the address is refused.
    let cookie = http::login(&host, "e.petit", v.pass("e.petit"));
    let (_, _, page) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cookie)],
        "",
    );
    assert!(!page.contains(&path), "no copy offered to an educator");
    let (status, _, body) = http::http(&host, "GET", &path, &[("Cookie", &cookie)], "");
    assert_eq!(status, 403, "{body}");
    assert!(!body.contains(&text));

    // The person makes their own copy from /moi, with their own keys.
    let cookie = http::login_at(
        &host,
        "/moi/login",
        &[("dossier", d.as_str()), ("passphrase", person_pass)],
    )
    .expect("the person logs in");
    let (_, _, page) = http::http(&host, "GET", "/moi", &[("Cookie", &cookie)], "");
    assert!(page.contains("/moi/copie-lisible"), "/moi offers the copy");
    let (status, head, own) = http::http(
        &host,
        "GET",
        "/moi/copie-lisible",
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(status, 200, "{head}\n{own}");
    assert!(
        head.to_lowercase()
            .contains("content-disposition: attachment"),
        "{head}"
    );
    assert!(own.contains(&text) && own.contains("Lucas Martin"), "{own}");
    assert!(
        !own.contains("e.petit"),
        "authors are named by profession, not by login id"
    );
    assert!(own.contains("ducat"), "the author's profession: {own}");
    assert!(
        !own.contains("ne figure pas dans cette copie") && own.contains("<th>Justification</th>"),
        "the person's own copy holds their history"
    );
    drop(server);

    let exports: Vec<Value> = v
        .audit_lines()
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["action"] == "access.export")
        .collect();
    assert!(
        exports.iter().any(|e| e["actor"] == "c.cadre"
            && e["outcome"] == "ok"
            && e["detail"] == "the readable copy"),
        "{exports:?}"
    );
    assert!(
        exports
            .iter()
            .any(|e| e["actor"] == "e.petit" && e["outcome"] == "denied"),
        "the refusal is audited: {exports:?}"
    );
    assert!(
        exports
            .iter()
            .any(|e| e["actor"] == format!("person.{d}").as_str()
                && e["outcome"] == "ok"
                && e["detail"] == "the readable copy"),
        "the person's own copy is audited: {exports:?}"
    );
}

/// A remark of the person about a note many pages back is shown, on the
/// dossier's first page, naming that note by kind and date, not by its id.
#[test]
fn a_remark_names_the_note_it_is_about_even_pages_back() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    let d = v.create_dossier(&admin, "Lucas Martin", "2010-02-03");
    v.team_add(&admin, &d, "e.petit");
    let first = v.add_entry(
        "e.petit",
        &d,
        "daily-life",
        &["text=la toute première note"],
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    {
        let vault = coffre::Vault::open(&v.dir).expect("open");
        let mut s = vault
            .unlock(
                "e.petit",
                &SecretString::from(v.pass("e.petit").to_string()),
            )
            .expect("unlock");
        for i in 0..60 {
            s.add_entry(
                &d,
                "daily-life",
                &[coffre::FieldInput::new("text", &format!("note {i}"))],
            )
            .expect("write");
        }
    }
    let pass = "la phrase de passe de Lucas 2026";
    grant(&v, &d, pass, true).expect_code(0, "access grant");
    // Times are kept to the second: the remark comes a second later, so it
    // is the newest.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    person(
        &v,
        pass,
        &[
            "access",
            "note",
            &d,
            "--text",
            "je ne suis pas d'accord",
            "--entry",
            &first,
        ],
    )
    .expect_code(0, "the person's remark about the first note");

    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let cookie = http::login(&server.host, "e.petit", v.pass("e.petit"));
    let (_, _, page) = http::http(
        &server.host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cookie)],
        "",
    );
    assert!(
        page.contains("je ne suis pas d"),
        "the remark is on page 1: {page}"
    );
    assert!(
        !page.contains("la toute première note"),
        "the first note is pages back"
    );
    assert!(!page.contains(&first), "the note is not named by its id");
    assert!(page.contains("Vie quotidienne"), "named by its kind");
    drop(server);
}
