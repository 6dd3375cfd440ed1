//! Name search tells nobody whether a person is supported outside their reach,
//! black-box through the `coffre` command and `coffre serve`: a member finds a
//! dossier by name only if they are in its care team or may open it by breaking
//! the glass; anything else is not listed, not counted, not hinted at. Every
//! search is an audited read: one `dossier.find` line per dossier returned,
//! indexed under it (its access history and the person's own history show it),
//! and no line carries the name searched. A query word of 3 to 10 letters
//! also matches the start of a name's word ("Luca" finds "Lucas Martin"),
//! under the same rules.

use crate::util;

use coffre::crypto::wrap::{self, Identity};
use coffre::crypto::{blind, envelope, kdf, Aad, Key32};
use coffre::store::layout;
use coffre::store::records::{decode, StaffRecord, VaultMeta};
use coffre::store::Op;
use secrecy::SecretString;
use serde_json::Value;
use util::*;

/// The person supported whom the searches look for (words used nowhere else).
const NAME: &str = "Amandine Quelquepart";
/// Another person, in the outside educator's own care team.
const OTHER: &str = "Amandine Ailleurs";
/// The person's own passphrase (their personal access).
const PERSON_PASS: &str = "passphrase of the person supported";

/// Staff: two educators (one in the person's care team, one outside it), a
/// doctor outside it (doctors may break the glass, and break-the-glass opens
/// identity in the default policy) and a DPO.
struct Setup {
    v: TestVault,
    /// The dossier of [`NAME`]: care team the director and `edu.in`.
    d: String,
    /// The dossier of [`OTHER`]: care team the director and `edu.out`.
    other: String,
}

fn setup() -> Setup {
    let mut v = TestVault::new();
    for (id, prof) in [
        ("edu.in", "educateur-specialise"),
        ("edu.out", "educateur-specialise"),
        ("doc", "medecin"),
        ("dpo", "dpo"),
    ] {
        v.add_staff(id, &format!("Name of {id}"), prof, true);
    }
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, NAME, "1990-03-03");
    v.team_add(&admin, &d, "edu.in");
    let other = v.create_dossier(&admin, OTHER, "1991-04-04");
    v.team_add(&admin, &other, "edu.out");
    Setup { v, d, other }
}

/// `dossier find TEXT --json` as `user`: the summaries returned.
#[track_caller]
fn find(v: &TestVault, user: &str, text: &str) -> Vec<Value> {
    let r = v.as_user(user, &["dossier", "find", text, "--json"]);
    r.expect_code(0, &format!("dossier find by {user}"));
    r.json().as_array().expect("array of summaries").clone()
}

fn ids(found: &[Value]) -> Vec<&str> {
    found
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect()
}

/// The `dossier.find` lines the log gained since it had `before` lines.
#[track_caller]
fn new_find_lines(v: &TestVault, before: usize) -> Vec<Value> {
    v.audit_lines()[before..]
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).expect("audit line is JSON"))
        .filter(|e| e["action"] == "dossier.find")
        .collect()
}

#[test]
fn search_outside_reach_reveals_nothing_and_every_search_is_audited_under_its_dossiers() {
    let s = setup();
    let v = &s.v;

    // An educator outside the care team: the name exists, she finds nothing,
    // in text and in JSON, and no count or hint of a hidden match.
    let before = v.audit_lines().len();
    assert!(
        find(v, "edu.out", "quelquepart").is_empty(),
        "an educator outside the care team learns that a dossier exists"
    );
    let text = v.as_user("edu.out", &["dossier", "find", "Quelquepart"]);
    text.expect_code(0, "find in text");
    assert_eq!(text.single_line(), "no dossier", "{}", text.stdout);
    assert!(!text.stdout.contains(&s.d) && !text.stderr.contains(&s.d));
    let lines = new_find_lines(v, before);
    assert_eq!(
        lines.len(),
        2,
        "one line per search returning nothing: {lines:?}"
    );
    for l in &lines {
        assert_eq!(l["actor"], "edu.out");
        assert_eq!(l["outcome"], "ok");
        assert!(l["dossier"].is_null(), "{l}");
        assert_eq!(l["detail"], "name search returned no dossier");
    }
    // A word shared with her own dossier: only hers comes back.
    let before = v.audit_lines().len();
    let mine = find(v, "edu.out", "amandine");
    assert_eq!(ids(&mine), vec![s.other.as_str()]);
    assert_eq!(mine[0]["name"], OTHER);
    let lines = new_find_lines(v, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["dossier"], s.other.as_str());
    assert_eq!(
        lines[0]["detail"],
        "name search returned 1 dossier(s); this one in the care team"
    );

    // A member of the care team finds it, with the name.
    let before = v.audit_lines().len();
    let found = find(v, "edu.in", "QUELQUEPART amandine");
    assert_eq!(ids(&found), vec![s.d.as_str()]);
    assert_eq!(found[0]["name"], NAME);
    assert_eq!(found[0]["birthdate"], "1990-03-03");
    assert_eq!(found[0]["in_team"], true);
    let lines = new_find_lines(v, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["actor"], "edu.in");
    assert_eq!(lines[0]["dossier"], s.d.as_str());
    assert_eq!(lines[0]["categories"], serde_json::json!(["identity"]));

    // A doctor outside the team may break the glass (and break-the-glass
    // opens identity): she finds the dossier, without its name, and the log
    // says so under the dossier.
    let before = v.audit_lines().len();
    let found = find(v, "doc", "quelquepart");
    assert_eq!(ids(&found), vec![s.d.as_str()]);
    assert!(found[0]["name"].is_null(), "{:?}", found[0]);
    assert_eq!(found[0]["in_team"], false);
    let lines = new_find_lines(v, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["actor"], "doc");
    assert_eq!(lines[0]["dossier"], s.d.as_str());
    assert_eq!(lines[0]["categories"], serde_json::json!([]));
    assert_eq!(
        lines[0]["detail"],
        "name search returned 1 dossier(s); this one outside the care team, reachable by break-the-glass"
    );
    // Both dossiers for a word they share: one line under each.
    let before = v.audit_lines().len();
    let both = find(v, "doc", "amandine");
    let mut got = ids(&both);
    got.sort();
    let mut want = vec![s.d.as_str(), s.other.as_str()];
    want.sort();
    assert_eq!(got, want);
    let mut logged: Vec<String> = new_find_lines(v, before)
        .iter()
        .map(|l| l["dossier"].as_str().expect("a dossier").to_string())
        .collect();
    logged.sort();
    assert_eq!(logged, want);

    // The DPO sees in the dossier's history who found it by name …
    let r = v.as_user("dpo", &["audit", "history", &s.d, "--json"]);
    r.expect_code(0, "audit history");
    let history = r.json_lines();
    let finders: Vec<&str> = history
        .iter()
        .filter(|h| h["action"] == "dossier.find")
        .map(|h| h["actor"].as_str().expect("actor"))
        .collect();
    assert_eq!(finders, vec!["edu.in", "doc", "doc"], "{history:?}");
    let r = v.as_user("dpo", &["audit", "history", &s.d]);
    r.expect_code(0, "audit history");
    assert!(
        r.stdout.contains("found the file by a name search"),
        "{}",
        r.stdout
    );

    // … and so does the person, in their own history.
    let r = run_coffre(
        &[
            "access",
            "grant",
            &s.d,
            "--recovery-key",
            v.recovery.to_str().expect("utf-8 path"),
        ],
        &Opts {
            vault: Some(&v.dir),
            user: Some(&v.admin),
            pass: Some(v.pass(&v.admin)),
            new_pass: Some(PERSON_PASS),
            ..Opts::default()
        },
    );
    r.expect_code(0, "access grant");
    let person = |args: &[&str], lang: &str| {
        run_coffre(
            args,
            &Opts {
                vault: Some(&v.dir),
                pass: Some(PERSON_PASS),
                lang: Some(lang),
                ..Opts::default()
            },
        )
    };
    let r = person(&["access", "view", &s.d, "--json"], "en");
    r.expect_code(0, "access view");
    let seen: Vec<(String, String)> = r.json()["access_history"]
        .as_array()
        .expect("access history")
        .iter()
        .filter(|h| h["action"] == "dossier.find")
        .map(|h| {
            (
                h["profession"].as_str().expect("profession").to_string(),
                h["what"].as_str().expect("what").to_string(),
            )
        })
        .collect();
    let searched = "a trouvé le dossier par une recherche de nom".to_string();
    assert_eq!(
        seen,
        vec![
            ("educateur-specialise".to_string(), searched.clone()),
            ("medecin".to_string(), searched.clone()),
            ("medecin".to_string(), searched),
        ]
    );
    let r = person(&["access", "view", &s.d], "fr");
    r.expect_code(0, "access view in French");
    assert!(
        r.stdout
            .contains("a trouvé le dossier par une recherche de nom"),
        "{}",
        r.stdout
    );

    // An erased dossier is never found, even by those who found it before.
    v.as_user(
        &v.admin,
        &[
            "dossier",
            "erase",
            &s.d,
            "--yes",
            "--reason",
            "end of retention",
        ],
    )
    .expect_code(0, "erase");
    assert!(find(v, "doc", "quelquepart").is_empty());
    assert_eq!(ids(&find(v, "doc", "amandine")), vec![s.other.as_str()]);

    // No line of the log holds a name or a word searched.
    let log = std::fs::read_to_string(v.audit_path()).expect("audit log");
    for word in ["Amandine", "Quelquepart", "Ailleurs"] {
        assert!(
            !log.to_lowercase().contains(&word.to_lowercase()),
            "the audit log holds {word}"
        );
    }
    v.verify().expect_code(0, "audit verify");
}

#[test]
fn web_search_outside_reach_reveals_nothing() {
    let s = setup();
    let v = &s.v;
    let server = http::Server::start(&v.dir, &v.root.path().join("serve.log"));
    let origin = format!("http://{}", server.host);
    let search = |user: &str, q: &str| -> String {
        let cookie = http::login(&server.host, user, v.pass(user));
        let (status, _, page) =
            http::http(&server.host, "GET", "/dossiers", &[("Cookie", &cookie)], "");
        assert_eq!(status, 200, "GET /dossiers as {user}");
        let csrf = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("csrf field")
            .to_string();
        let (status, _, body) = http::http(
            &server.host,
            "POST",
            "/dossiers",
            &[("Cookie", &cookie), ("Origin", &origin)],
            &format!("csrf={csrf}&q={q}"),
        );
        assert_eq!(status, 200, "search as {user}: {body}");
        body
    };

    let out = search("edu.out", "quelquepart");
    assert!(!out.contains(&s.d), "the web search reveals the dossier");
    assert!(!out.contains("data-dossier="), "{out}");
    let out = search("edu.out", "amandine");
    assert!(out.contains(&format!("data-dossier=\"{}\"", s.other)));
    assert!(!out.contains(&s.d), "the web search reveals the dossier");

    let out = search("edu.in", "quelquepart");
    assert!(out.contains(&format!("data-dossier=\"{}\"", s.d)), "{out}");
    assert!(out.contains(NAME), "{out}");
    let out = search("doc", "quelquepart");
    assert!(out.contains(&format!("data-dossier=\"{}\"", s.d)), "{out}");
    assert!(!out.contains(NAME), "a name shown outside the care team");
    // A prefix, as on the command line: within reach only, the query kept.
    let out = search("edu.in", "Quelq");
    assert!(out.contains(&format!("data-dossier=\"{}\"", s.d)), "{out}");
    assert!(out.contains("value=\"Quelq\""), "the query is kept: {out}");
    let out = search("edu.out", "Quelq");
    assert!(!out.contains(&s.d), "the web search reveals the dossier");
    assert!(!out.contains("data-dossier="), "{out}");
    drop(server);

    let lines: Vec<Value> = v
        .audit_lines()
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).expect("audit line is JSON"))
        .filter(|e| e["action"] == "dossier.find")
        .collect();
    let seen: Vec<(&str, Option<&str>)> = lines
        .iter()
        .map(|e| (e["actor"].as_str().expect("actor"), e["dossier"].as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("edu.out", None),
            ("edu.out", Some(s.other.as_str())),
            ("edu.in", Some(s.d.as_str())),
            ("doc", Some(s.d.as_str())),
            ("edu.in", Some(s.d.as_str())),
            ("edu.out", None),
        ]
    );
}

/// The index key as `user` unwraps it from the store with their passphrase
/// (what a member holding it can do with the files).
fn index_key(v: &TestVault, user: &str) -> Key32 {
    let store = v.raw_store();
    let meta: VaultMeta = decode(&store.get(b"meta").unwrap().unwrap(), "meta").unwrap();
    let rec: StaffRecord =
        decode(&store.get(&layout::staff(user)).unwrap().unwrap(), "staff").unwrap();
    let pkey = kdf::derive(&SecretString::from(v.pass(user)), &rec.salt, &rec.kdf).unwrap();
    let aad = Aad::new("coffre/identity/v1")
        .with(meta.vault_id.as_bytes())
        .with(user.as_bytes());
    let secret = envelope::open(&pkey, &aad, &rec.identity_sealed).unwrap();
    let identity = Identity::parse(std::str::from_utf8(&secret).unwrap()).unwrap();
    let mut keys = Vec::new();
    for (k, ct) in store.scan_prefix(b"w/index/").unwrap() {
        if String::from_utf8(k).unwrap().ends_with(&format!("/{user}")) {
            if let Some(m) = wrap::unwrap(&ct, &identity).unwrap() {
                keys.push(Key32::from_slice(&m).unwrap());
            }
        }
    }
    assert_eq!(keys.len(), 1, "one generation of the index key");
    keys.remove(0)
}

/// The blind-index records `i/…/{dossier}` and `di/{dossier}/…` of the
/// closed vault (opened for it, so that a forged journal is replayed).
fn index_records(v: &TestVault, dossier: &str) -> (usize, usize) {
    let vault = coffre::Vault::open(&v.dir).unwrap();
    let store = vault.store();
    let forward = store
        .scan_prefix(b"i/")
        .unwrap()
        .into_iter()
        .filter(|(k, _)| k.ends_with(format!("/{dossier}").as_bytes()))
        .count();
    let reverse = store
        .scan_prefix(&layout::dossier_index_prefix(dossier))
        .unwrap()
        .len();
    (forward, reverse)
}

#[test]
fn word_prefixes_find_names_within_reach_only() {
    let s = setup();
    let v = &s.v;
    let lucas = v.create_dossier(&v.admin, "Lucas Martin", "2012-05-14");
    v.team_add(&v.admin, &lucas, "edu.in");

    // "Luca" finds Lucas Martin, with the name, for the care team; so do
    // prefixes of both words together, in any case and with accents.
    let found = find(v, "edu.in", "Luca");
    assert_eq!(ids(&found), vec![lucas.as_str()]);
    assert_eq!(found[0]["name"], "Lucas Martin");
    assert_eq!(ids(&find(v, "edu.in", "MÀRT luc")), vec![lucas.as_str()]);
    assert_eq!(ids(&find(v, "edu.in", "quelquepar")), vec![s.d.as_str()]);
    // Two letters are a whole word, never a prefix; a word that starts no
    // word of the name, or that runs past it, finds nothing.
    for q in ["Lu", "Ma", "ucas", "Lucass", "Martini"] {
        assert!(find(v, "edu.in", q).is_empty(), "{q}");
    }
    // Every word must match.
    assert!(find(v, "edu.in", "Luca Quelque").is_empty());

    // Outside the care team, a prefix tells no more than a whole word: the
    // educator of the other dossier finds only hers, the doctor (break the
    // glass) finds the dossier without its name.
    let before = v.audit_lines().len();
    assert!(find(v, "edu.out", "Quelque").is_empty());
    assert!(find(v, "edu.out", "Luca").is_empty());
    assert_eq!(ids(&find(v, "edu.out", "aman")), vec![s.other.as_str()]);
    let lines = new_find_lines(v, before);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0]["dossier"].is_null() && lines[1]["dossier"].is_null());
    assert_eq!(lines[2]["dossier"], s.other.as_str());
    let found = find(v, "doc", "quelq");
    assert_eq!(ids(&found), vec![s.d.as_str()]);
    assert!(found[0]["name"].is_null(), "{:?}", found[0]);
    let text = v.as_user("edu.out", &["dossier", "find", "Quelque"]);
    text.expect_code(0, "find in text");
    assert_eq!(text.single_line(), "no dossier", "{}", text.stdout);

    // Each dossier holds the same number of index records, whatever its name.
    for d in [&s.d, &s.other, &lucas] {
        assert_eq!(index_records(v, d), (blind::TAG_BLOCK, blind::TAG_BLOCK));
    }
    // No line of the log holds a word searched.
    let log = std::fs::read_to_string(v.audit_path()).expect("audit log");
    for word in ["luca", "quelq", "aman"] {
        assert!(
            !log.to_lowercase().contains(word),
            "the audit log holds {word}"
        );
    }
}

#[test]
fn a_vault_indexed_before_prefixes_is_re_indexed_once_then_finds_prefixes() {
    let s = setup();
    let v = &s.v;
    // Turn the vault back into one indexed under normalisation 2: one tag per
    // whole word, no prefix, no padding, and `in` saying 2.
    let key = index_key(v, &v.admin);
    let mut ops = Vec::new();
    for (d, name) in [(&s.d, NAME), (&s.other, OTHER)] {
        for (k, val) in v
            .raw_store()
            .scan_prefix(&layout::dossier_index_prefix(d))
            .unwrap()
        {
            ops.push(Op::Remove(val));
            ops.push(Op::Remove(k));
        }
        for token in blind::tokens(name) {
            let tag = blind::tag(&key, &token);
            ops.push(Op::Put(layout::index(&tag, d), Vec::new()));
            ops.push(Op::Put(
                layout::dossier_index(d, &tag),
                layout::index(&tag, d),
            ));
        }
    }
    ops.push(Op::Put(layout::name_index_version(), vec![2]));
    forge_store(&v.dir, ops);
    assert_eq!(index_records(v, &s.d), (2, 2));
    let rebuilds = || {
        v.audit_lines()
            .iter()
            .filter(|l| l.contains("\"action\":\"index.rebuild\""))
            .count()
    };
    assert_eq!(rebuilds(), 0);

    // The first member holding the index and identity keys re-indexes at
    // unlock (audited), and their search already finds by prefix.
    assert_eq!(ids(&find(v, "edu.in", "quelque")), vec![s.d.as_str()]);
    assert_eq!(rebuilds(), 1);
    assert_eq!(
        stored(&v.dir, &layout::name_index_version()),
        Some(vec![3]),
        "the vault is marked as indexed with prefixes"
    );
    for d in [&s.d, &s.other] {
        assert_eq!(index_records(v, d), (blind::TAG_BLOCK, blind::TAG_BLOCK));
    }
    // Once only; and the reach rules are unchanged.
    assert!(find(v, "edu.out", "quelque").is_empty());
    assert_eq!(ids(&find(v, "edu.out", "amand")), vec![s.other.as_str()]);
    assert_eq!(rebuilds(), 1);
    v.verify().expect_code(0, "audit verify");
}
