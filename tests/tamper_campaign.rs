//! A store-tampering campaign: every kind of record a realistic vault holds
//! (`src/store/layout.rs`) is deleted, rolled back to an older genuine copy of
//! itself, and replaced by the same kind of record of another dossier or
//! member, each time on a fresh copy of the vault. The campaign runs on both
//! backends ([`Backend`]): a folder vault, tampered through the journal the
//! next open replays (what anyone with the folder can do, no key needed), and
//! the same vault moved into PostgreSQL (`coffre migrate`), tampered through
//! the rows of `coffre.records` with SQL (what anyone with the database can
//! do). The commands of everyday use then run on the tampered copy and on an
//! untouched one. For every command, either nothing visible changed (same
//! exit code, same output once times, fresh ids and the vault's location are
//! set aside), or the command failed as an integrity failure (exit code 5)
//! naming the record. Anything else is a silent difference: every one is
//! collected, and the test fails once with the whole list, except the gaps
//! listed in [`KNOWN_GAPS`] (both backends), [`FOLDER_GAPS`] and
//! [`POSTGRES_GAPS`].
//!
//! The records that are gone from new vaults (`kg/`, `kr/`, `ar`) are planted
//! instead, and must change nothing.
//!
//! The two backends hold the same records (the move copies them byte for
//! byte, which the campaign checks), so the same tamperings and commands run
//! on both, and each is compared with its own untouched vault. What differs
//! by backend is said where it differs: a folder is tampered through its
//! journal, a database through its rows ([`VaultCopy::forge`], which checks
//! the journal or the rows hold the forged records); the messages name the
//! vault's folder or database, set aside alike ([`VaultCopy::scrub`]); and
//! outcomes that differ are listed in [`FOLDER_GAPS`] or [`POSTGRES_GAPS`]
//! with why. Everything else must go the same way on both (checked by the
//! default run).
//!
//! A tampering runs the commands that read its record (by prefix, dossier and
//! member: see [`Cmd::reads`]), beside outcomes of the untouched vault taken
//! once for all (see [`Baselines`]). The whole campaign takes minutes on each
//! backend: it is ignored in the default run, which runs a part of it on both
//! ([`sample`]: every prefix, each of the three tamperings).
//! `TAMPER_ONLY=text` keeps the tamperings whose record contains `text`;
//! `TAMPER_THREADS` sets how many run at once (6); `TAMPER_EVERY_COMMAND=1`
//! runs every command after every tampering, to check the lists of what each
//! command reads (slower).

use crate::util;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use coffre::store::journal::Journal;
use coffre::store::Op;
use coffre::Vault;
use serde_json::Value;
use util::{TestVault, COFFRE};

/// A gap of the library, as (record, tampering, command, what differs): a
/// command whose outcome on the tampered copy differs from the untouched
/// vault's, silently or as an integrity failure that does not name the
/// record. Printed on every run, never a failure. The record is written with
/// the story's ids as `{d1}` (the dossier every tampering is about), `{d2}`
/// (the closed one), `{d3}` (the erased one), `{e_daily}` (the note amended
/// twice); `{n}` stands for a tag or a sequence number.
type Gap = (&'static str, &'static str, &'static str, &'static str);

/// The gaps known today on both backends (see [`Gap`]).
#[rustfmt::skip]
const KNOWN_GAPS: &[Gap] = &[
    // Availability, not trust (docs/crypto.md): a deleted wrap is an
    // undelivered grant, delivered again by the next holder's session.
    // The doctor's wrap of the medical key deleted: medical fields show as
    // "pending", writing is refused as not granted yet (exit 3), the staff list
    // shows a pending grant.
    ("w/cat:medical/00000001/doc", "deleted", "doc: dossier show d1", "medical fields withheld as \"pending\""),
    ("w/cat:medical/00000001/doc", "deleted", "doc: dossier show d2 (closed)", "medical fields withheld as \"pending\""),
    ("w/cat:medical/00000001/doc", "deleted", "doc: entry show (medical)", "medical fields withheld as \"pending\""),
    ("w/cat:medical/00000001/doc", "deleted", "dir: staff list", "doc pending cat:medical"),
    ("w/cat:medical/00000001/doc", "deleted", "doc: entry add d1", "exit 3 \"access pending\""),
    // Another holder's wrap in place of the doctor's (it does not open for
    // them): the same as deleted, never an integrity failure.
    ("w/cat:medical/00000001/doc", "another's copy", "doc: dossier show d1", "medical fields withheld as \"pending\""),
    ("w/cat:medical/00000001/doc", "another's copy", "doc: dossier show d2 (closed)", "medical fields withheld as \"pending\""),
    ("w/cat:medical/00000001/doc", "another's copy", "doc: entry show (medical)", "medical fields withheld as \"pending\""),
    ("w/cat:medical/00000001/doc", "another's copy", "doc: entry add d1", "exit 3 \"access pending\""),
    // The educator's wrap of the current daily-life key deleted: their notes
    // show as "pending", amending is refused (exit 3).
    ("w/cat:daily-life/00000002/edu", "deleted", "edu: entry show (amended)", "daily-life fields withheld as \"pending\""),
    ("w/cat:daily-life/00000002/edu", "deleted", "edu: entry history", "daily-life fields withheld as \"pending\""),
    ("w/cat:daily-life/00000002/edu", "deleted", "dir: staff list", "edu pending cat:daily-life"),
    ("w/cat:daily-life/00000002/edu", "deleted", "edu: entry amend", "exit 3 \"access pending\""),
    // The index normalisation record deleted: the next member holding the index
    // key re-indexes (audited as `index.rebuild`), which shifts the export's
    // access history and adds an entry to the backup's log.
    ("in", "deleted", "dir: access export d1", "sequence numbers shifted by one"),
    ("in", "deleted", "dir: backup", "audit_entries + 1"),
    // An older normalisation: the same re-indexing.
    ("in", "another's copy", "dir: access export d1", "sequence numbers shifted by one"),
    ("in", "another's copy", "dir: backup", "audit_entries + 1"),
    // A blind-index record (the tag of the word "lucas") deleted: the search
    // for the person's name no longer finds the dossier. (A padding tag
    // deleted or moved changes nothing: no search looks it up.)
    ("i/{n}/{d1}", "deleted", "doc: dossier find", "returns []"),
    // A blind-index record moved to d2: the search no longer finds d1 (and does
    // not return d2).
    ("i/{n}/{d1}", "another's copy", "doc: dossier find", "returns []"),
];

/// The gaps known today on a folder vault only (see [`Gap`]).
#[rustfmt::skip]
const FOLDER_GAPS: &[Gap] = &[
    // The audit state from halfway (on a folder, indistinguishable from a
    // crash between the log's append and the state's update): the lines after
    // it are taken in again (an error line is added for the DPO) and indexed
    // a second time; commands go on with every later sequence number shifted
    // by one; `audit verify` and `check` then fail naming the index
    // `ax/a/dir.martin/…`, not `as`.
    ("as", "older copy", "the person: access view d1", "sequence numbers shifted by one"),
    ("as", "older copy", "dpo: audit history d1", "sequence numbers shifted by one"),
    ("as", "older copy", "the second person: access view d2", "sequence numbers shifted by one"),
    ("as", "older copy", "dir: access export d1", "sequence numbers shifted by one"),
    ("as", "older copy", "audit verify", "exit 5 naming ax/a/dir.martin/…"),
    ("as", "older copy", "dir: backup", "audit_entries + 1"),
    ("as", "older copy", "dir: check", "exit 5 naming ax/a/dir.martin/…"),
    // (In PostgreSQL the log's lines and the audit state commit in one
    // transaction: the same record is refused at open, naming `as`.)
];

/// The gaps known today in PostgreSQL only (see [`Gap`]).
#[rustfmt::skip]
const POSTGRES_GAPS: &[Gap] = &[
];

// ------------------------------------------------------------------ the cast

const DIR: &str = "dir.martin";
const DOC: &str = "doc";
const URG: &str = "urg";
const PSY: &str = "psy";
const EDU: &str = "edu";
const SOC: &str = "soc";
const NUR: &str = "nur";
const DPO: &str = "dpo";
const PERSON1: &str = "passphrase of Lucas Martin";
const PERSON2: &str = "passphrase of Emma Petit";
/// The doctor's passphrase before `staff passwd`.
const OLD_DOC_PASS: &str = "doc-passphrase";

/// The store's records, key → value.
type Records = BTreeMap<Vec<u8>, Vec<u8>>;

/// The vault built by ordinary use, and what the campaign needs to know of it.
struct Story {
    v: TestVault,
    d1: String,
    d2: String,
    /// The dossier of imported notes.
    d3: String,
    /// A daily-life note of d1, amended twice (once after the snapshot).
    e_daily: String,
    /// The first medical note of d1.
    e_med: String,
    /// Every entry the story wrote.
    entries: BTreeSet<String>,
    /// The store halfway through the story.
    older: Records,
    /// The store at the end.
    now: Records,
    /// The `meta` record of another vault.
    foreign_meta: Vec<u8>,
    /// The person's age identity file and recipient, for exports.
    age_key: Option<PathBuf>,
    age_recipient: String,
}

/// Every record of the (closed) vault at `dir`, read through the library.
fn records(dir: &Path) -> Records {
    let v = Vault::open(dir).unwrap();
    v.store().scan_prefix(b"").unwrap().into_iter().collect()
}

/// Runs coffre as `user`, with `new` as the new passphrase it asks for.
#[track_caller]
fn as_new(v: &TestVault, user: &str, new: &str, args: &[&str]) {
    util::run_coffre(
        args,
        &util::Opts {
            vault: Some(&v.dir),
            user: Some(user),
            pass: Some(v.pass(user)),
            new_pass: Some(new),
            ..util::Opts::default()
        },
    )
    .expect_code(0, &format!("{args:?}"));
}

/// A command run by the person themself (no staff user, their passphrase);
/// returns its standard output.
#[track_caller]
fn person(v: &TestVault, pass: &str, args: &[&str]) -> String {
    let r = util::run_coffre(
        args,
        &util::Opts {
            vault: Some(&v.dir),
            pass: Some(pass),
            ..util::Opts::default()
        },
    );
    r.expect_code(0, &format!("the person: {args:?}"));
    r.stdout
}

/// `age-keygen -o path`: the recipient, if the stock age tools are here.
/// Without them, with `COFFRE_SKIP_AGE=1`, `None`: exports are then compared
/// by their summary only.
fn age_keygen(path: &Path) -> Option<String> {
    match Command::new("age-keygen").arg("-o").arg(path).output() {
        Ok(out) if out.status.success() => {}
        _ if std::env::var("COFFRE_SKIP_AGE").as_deref() == Ok("1") => return None,
        _ => panic!(
            "this test opens exports with the stock `age` tool: install it \
             (e.g. `apt-get install -y age`), or set COFFRE_SKIP_AGE=1"
        ),
    }
    let text = std::fs::read_to_string(path).unwrap();
    let recipient = text
        .split_whitespace()
        .find(|w| w.starts_with("age1"))
        .expect("no age1 recipient in the key file");
    Some(recipient.to_string())
}

/// Waits until the clock is at its next second.
fn next_second() {
    let second = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let now = second();
    while second() == now {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The one-time code of the base32 `secret` at `time` (RFC 6238, as an
/// authenticator app computes it).
fn totp_code(secret: &str, time: u64) -> String {
    let raw = totp_rs::Secret::try_from_base32(secret.replace(' ', "")).expect("base32");
    totp_rs::Builder::new()
        .with_secret(raw.as_ref().to_vec())
        .build()
        .expect("totp")
        .generate(time)
        .to_string()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An authenticator app enrolled by `user` through the library (as their web
/// page does: `sf/{user}/…`), then a login's code of the next time step
/// (`sfu/{user}`): the app's secret and its recovery codes.
fn enrol_app(v: &TestVault, user: &str) -> (String, Vec<String>) {
    let vault = Vault::open(&v.dir).unwrap();
    let mut s = vault
        .unlock(user, &secrecy::SecretString::from(v.pass(user)))
        .unwrap();
    let e = s.begin_totp_enrolment().unwrap();
    let secret = e.secret_base32().to_string();
    s.enrol_totp(&e, &totp_code(&secret, unix_now())).unwrap();
    s.check_second_factor(&totp_code(&secret, unix_now() + 30))
        .unwrap();
    let codes = e.recovery_codes().iter().map(|c| c.to_string()).collect();
    (secret, codes)
}

/// A login of `user` with one of their recovery codes, through the library.
fn recovery_login(v: &TestVault, user: &str, code: &str) {
    let vault = Vault::open(&v.dir).unwrap();
    let mut s = vault
        .unlock(user, &secrecy::SecretString::from(v.pass(user)))
        .unwrap();
    s.check_second_factor(code).unwrap();
}

/// `entry import` of `n` social notes into `d` by the social worker.
fn import(v: &TestVault, d: &str, n: usize, tag: &str) {
    let file = v.root.path().join(format!("import-{tag}.jsonl"));
    let lines: String = (0..n)
        .map(|i| {
            format!(
                "{{\"dossier\":\"{d}\",\"kind\":\"social\",\"fields\":{{\"text\":\"archive {tag} {i}\"}}}}\n"
            )
        })
        .collect();
    std::fs::write(&file, lines).unwrap();
    v.as_user(
        SOC,
        &["entry", "import", file.to_str().unwrap(), "--group", "50"],
    )
    .expect_code(0, "entry import");
}

fn build() -> Story {
    let mut v = TestVault::new();
    assert_eq!(v.admin, DIR);
    for (id, prof) in [
        (DOC, "medecin"),
        (URG, "medecin"),
        (PSY, "psychologue"),
        (EDU, "educateur-specialise"),
        (SOC, "assistant-social"),
        (NUR, "infirmier"),
        (DPO, "dpo"),
    ] {
        v.add_staff(id, &format!("Name of {id}"), prof, true);
    }
    let rec = v.recovery.to_str().unwrap().to_string();
    let d1 = v.create_dossier(DIR, "Lucas Martin", "2012-05-14");
    let d2 = v.create_dossier(DIR, "Emma Petit", "2013-06-15");
    for m in [DOC, PSY, EDU, SOC, NUR] {
        v.team_add(DIR, &d1, m);
    }
    for m in [DOC, PSY, EDU, SOC] {
        v.team_add(DIR, &d2, m);
    }
    // A third dossier with a long imported history: the log grows past the
    // point where members' coffre keeps an anchor of the register (`ra/`).
    let d3 = v.create_dossier(DIR, "Jade Archive", "2001-02-03");
    v.team_add(DIR, &d3, SOC);
    import(&v, &d3, 200, "first");
    let mut entries = BTreeSet::new();
    let mut add = |v: &TestVault, who: &str, d: &str, kind: &str, fields: &[&str]| {
        let e = v.add_entry(who, d, kind, fields);
        entries.insert(e.clone());
        e
    };
    let e_med = add(&v, DOC, &d1, "medical", &["text=MED-ONE"]);
    add(&v, PSY, &d1, "psy-notes", &["text=PSY-NOTES-ONE"]);
    add(&v, PSY, &d1, "psy-synthesis", &["text=PSY-SYNTH-ONE"]);
    let e_daily = add(&v, EDU, &d1, "daily-life", &["text=DAILY-ONE-V1"]);
    add(
        &v,
        SOC,
        &d1,
        "admission",
        &["reason=REASON-ONE", "contacts=CONTACTS-ONE"],
    );
    add(&v, SOC, &d1, "social", &["text=SOCIAL-ONE"]);
    add(&v, EDU, &d1, "educational", &["text=EDU-ONE"]);
    add(&v, DOC, &d2, "medical", &["text=MED-TWO"]);
    add(&v, EDU, &d2, "daily-life", &["text=DAILY-TWO"]);
    add(&v, PSY, &d2, "psy-notes", &["text=PSY-NOTES-TWO"]);
    add(&v, SOC, &d2, "social", &["text=SOCIAL-TWO"]);
    v.as_user(
        EDU,
        &["entry", "amend", &e_daily, "--field", "text=DAILY-ONE-V2"],
    )
    .expect_code(0, "amend");
    for (d, pass) in [(&d1, PERSON1), (&d2, PERSON2)] {
        as_new(
            &v,
            DIR,
            pass,
            &["access", "grant", d, "--recovery-key", &rec],
        );
    }
    person(
        &v,
        PERSON1,
        &[
            "access",
            "object",
            &d1,
            "--category",
            "daily-life",
            "--profession",
            "infirmier",
        ],
    );
    person(
        &v,
        PERSON2,
        &[
            "access",
            "object",
            &d2,
            "--category",
            "social",
            "--profession",
            "educateur-specialise",
        ],
    );
    let note = person(
        &v,
        PERSON1,
        &["access", "note", &d1, "--text", "MY-OWN-WORDS"],
    );
    let note = note.trim().to_string();
    for d in [&d1, &d2] {
        v.as_user(
            URG,
            &[
                "dossier",
                "show",
                d,
                "--break-glass",
                "chute la nuit, appel du SAMU",
            ],
        )
        .expect_code(0, "break the glass");
        v.as_user(DPO, &["audit", "release-justifications", d])
            .expect_code(0, "release");
    }
    // Second factors (`sf/`, `sfu/`): the educator's app, with a login.
    let (_, edu_recovery) = enrol_app(&v, EDU);
    let older = records(&v.dir);

    // The second half: what changes records the first half wrote.
    recovery_login(&v, EDU, &edu_recovery[0]);
    enrol_app(&v, SOC);
    import(&v, &d3, 260, "second");
    v.team_add(DIR, &d2, NUR);
    add(&v, NUR, &d1, "care-alerts", &["text=ALERT-ONE"]);
    add(&v, DOC, &d1, "medical", &["text=MED-ONE-BIS"]);
    add(&v, EDU, &d2, "educational", &["text=EDU-TWO"]);
    v.as_user(
        EDU,
        &["entry", "amend", &e_daily, "--field", "text=DAILY-ONE-V3"],
    )
    .expect_code(0, "second amendment");
    // A window is its end, to the second: opened within the second of the
    // first ones, the new window would end with them, and their records
    // would be as good as its own.
    next_second();
    v.as_user(
        URG,
        &[
            "dossier",
            "show",
            &d1,
            "--break-glass",
            "nouvelle chute, seconde alerte",
        ],
    )
    .expect_code(0, "break the glass again");
    v.as_user(DPO, &["audit", "release-justifications", &d1])
        .expect_code(0, "second release");
    v.as_user(DIR, &["dossier", "close", &d2])
        .expect_code(0, "close");
    let new_pass = "doc-new-passphrase";
    assert_eq!(v.pass(DOC), OLD_DOC_PASS);
    as_new(&v, DOC, new_pass, &["staff", "passwd"]);
    v.set_pass(DOC, new_pass);
    v.as_user(DIR, &["staff", "revoke", PSY, "--recovery-key", &rec])
        .expect_code(0, "revoke");
    for m in [DIR, DOC, EDU, SOC, NUR] {
        v.as_user(m, &["keys", "rotate"])
            .expect_code(0, "keys rotate");
    }
    // The archive dossier erased (crypto-shredding): its record says so.
    v.as_user(
        DIR,
        &[
            "dossier",
            "erase",
            &d3,
            "--yes",
            "--reason",
            "end of retention",
        ],
    )
    .expect_code(0, "erase");
    entries.insert(note);
    let now = records(&v.dir);
    let other = TestVault::new();
    let foreign_meta = records(&other.dir).remove(&b"meta"[..]).unwrap();
    let age_key = v.root.path().join("person.key");
    let age_recipient = age_keygen(&age_key);
    let (age_key, age_recipient) = match age_recipient {
        Some(r) => (Some(age_key), r),
        None => (None, coffre::crypto::wrap::Identity::generate().recipient()),
    };
    Story {
        v,
        d1,
        d2,
        d3,
        e_daily,
        e_med,
        entries,
        older,
        now,
        foreign_meta,
        age_key,
        age_recipient,
    }
}

// ------------------------------------------------------------------ backends

/// Where the campaign runs.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Backend {
    /// The story's folder vault, tampered through its journal.
    Folder,
    /// The story's vault moved into PostgreSQL, tampered through the rows of
    /// `coffre.records`.
    Postgres,
}

impl Backend {
    fn label(self) -> &'static str {
        match self {
            Backend::Folder => "folder",
            Backend::Postgres => "postgres",
        }
    }

    /// The gaps known on this backend: [`KNOWN_GAPS`] and its own list.
    fn gaps(self) -> impl Iterator<Item = &'static Gap> {
        let own = match self {
            Backend::Folder => FOLDER_GAPS,
            Backend::Postgres => POSTGRES_GAPS,
        };
        KNOWN_GAPS.iter().chain(own)
    }
}

/// The tables of a vault in PostgreSQL.
const TABLES: [&str; 5] = [
    "coffre.vault",
    "coffre.records",
    "coffre.audit_log",
    "coffre.checkpoint_log",
    "coffre.erasure_keys",
];

/// The untouched vault of a campaign, which every run copies: a copy of the
/// story's folder, or the database a copy of it was moved into (`coffre
/// migrate`; the folder then refuses to open).
struct Untouched {
    /// The folder vault is `{root}/vault`.
    root: tempfile::TempDir,
    /// The database holding the vault, if it is in PostgreSQL.
    database: Option<String>,
    /// The databases of copies no longer used: the next copy takes one back,
    /// with the untouched rows put back, rather than a new one (dropping a
    /// database makes the server write a checkpoint: seconds while other
    /// databases are being copied).
    spare: Mutex<Vec<String>>,
    /// The statements that put the untouched rows back in such a database:
    /// `TRUNCATE` of every table, then their rows as `COPY` data.
    reset: String,
}

impl Drop for Untouched {
    fn drop(&mut self) {
        let spare = std::mem::take(&mut *self.spare.lock().unwrap_or_else(|e| e.into_inner()));
        for name in spare.iter().chain(&self.database) {
            util::pg::drop_database_later(name);
        }
    }
}

impl Untouched {
    fn new(backend: Backend, s: &Story) -> Untouched {
        let root = tempfile::tempdir().unwrap();
        copy_dir(&s.v.dir, &root.path().join("vault"));
        let mut u = Untouched {
            root,
            database: None,
            spare: Mutex::new(Vec::new()),
            reset: String::new(),
        };
        if backend == Backend::Postgres {
            let name = util::pg::new_database();
            util::run_coffre(
                &["migrate", "--to", &util::pg::url(&name)],
                &util::Opts {
                    vault: Some(&u.root.path().join("vault")),
                    ..util::Opts::default()
                },
            )
            .expect_code(0, "migrate");
            u.reset = format!("TRUNCATE {};\n", TABLES.join(", "));
            for table in TABLES {
                let rows = util::pg::psql(&name, &format!("COPY {table} TO STDOUT"));
                u.reset
                    .push_str(&format!("COPY {table} FROM STDIN;\n{rows}\\.\n"));
            }
            u.database = Some(name);
        }
        u
    }

    /// A fresh copy: every file of the folder; a database copied from the
    /// untouched one (`CREATE DATABASE … TEMPLATE`), or a spare one with the
    /// untouched rows put back.
    fn copy(&self) -> VaultCopy<'_> {
        let root = tempfile::tempdir().unwrap();
        let database = match &self.database {
            None => {
                copy_dir(&self.root.path().join("vault"), &root.path().join("vault"));
                None
            }
            Some(untouched) => {
                let spare = self.spare.lock().unwrap().pop();
                Some(match spare {
                    Some(name) => {
                        util::pg::psql_script(&name, &self.reset);
                        name
                    }
                    None => util::pg::copy_database(untouched),
                })
            }
        };
        VaultCopy {
            root,
            database,
            of: self,
        }
    }

    /// Every record of the untouched vault, key → value.
    fn records(&self) -> Records {
        match &self.database {
            None => records(&self.root.path().join("vault")),
            Some(name) => hex_rows(&util::pg::psql(
                name,
                "SELECT encode(key, 'hex') || ' ' || encode(value, 'hex') FROM coffre.records",
            )),
        }
    }
}

/// Rows of `psql` as `hex(key) hex(value)`, one a line.
fn hex_rows(rows: &str) -> Records {
    rows.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once(' ').unwrap();
            (hex::decode(k).unwrap(), hex::decode(v).unwrap())
        })
        .collect()
}

/// One copy of the untouched vault: the folder `{root}/vault`, or a database
/// of the tests' PostgreSQL server (given back to the untouched vault's
/// spares when the copy is dropped). Commands write their exports and
/// backups in `root`.
struct VaultCopy<'a> {
    root: tempfile::TempDir,
    /// The database holding the vault, if it is in PostgreSQL.
    database: Option<String>,
    of: &'a Untouched,
}

impl Drop for VaultCopy<'_> {
    fn drop(&mut self) {
        if let Some(name) = self.database.take() {
            self.of
                .spare
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(name);
        }
    }
}

impl VaultCopy<'_> {
    /// The folder vault (meaningless for a database).
    fn dir(&self) -> PathBuf {
        self.root.path().join("vault")
    }

    /// What `COFFRE_VAULT` says for this copy.
    fn location(&self) -> String {
        match &self.database {
            Some(name) => util::pg::url(name),
            None => self.dir().to_str().unwrap().to_string(),
        }
    }

    /// Applies `ops` (key → new value, `None`: removed) as someone with the
    /// vault's files or database but no key can: appended to a folder's
    /// journal, which the next open replays; in PostgreSQL, `DELETE` and
    /// `INSERT … ON CONFLICT DO UPDATE` on `coffre.records`. Then checks the
    /// journal, or the rows, hold exactly the forged records.
    fn forge(&self, ops: &[(Vec<u8>, Option<Vec<u8>>)], what: &str) {
        let Some(name) = &self.database else {
            util::forge_store(
                &self.dir(),
                ops.iter()
                    .map(|(k, v)| match v {
                        Some(v) => Op::Put(k.clone(), v.clone()),
                        None => Op::Remove(k.clone()),
                    })
                    .collect(),
            );
            let pending = Journal::read_pending(&self.dir().join("journal")).unwrap();
            let forged: Vec<(Vec<u8>, Option<Vec<u8>>)> = pending
                .iter()
                .flat_map(|r| &r.ops)
                .map(|op| match op {
                    Op::Put(k, v) => (k.clone(), Some(v.clone())),
                    Op::Remove(k) => (k.clone(), None),
                })
                .collect();
            assert_eq!(forged, ops, "{what}: the forged journal record");
            return;
        };
        let bytes = |b: &[u8]| format!("'\\x{}'::bytea", hex::encode(b));
        let mut sql: String = ops
            .iter()
            .map(|(k, v)| match v {
                None => format!("DELETE FROM coffre.records WHERE key = {};\n", bytes(k)),
                Some(v) => format!(
                    "INSERT INTO coffre.records (key, value) VALUES ({}, {}) \
                     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;\n",
                    bytes(k),
                    bytes(v)
                ),
            })
            .collect();
        // The rows as the next command reads them.
        let keys: Vec<String> = ops.iter().map(|(k, _)| bytes(k)).collect();
        sql.push_str(&format!(
            "SELECT encode(key, 'hex') || ' ' || encode(value, 'hex') \
             FROM coffre.records WHERE key IN ({});\n",
            keys.join(", ")
        ));
        let found = hex_rows(&util::pg::psql_script(name, &sql));
        let wanted: Records = ops
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), v.clone())))
            .collect();
        assert!(
            found == wanted,
            "{what}: the forged rows are not in the database"
        );
    }

    /// `text` with this copy's location as `{VAULT}` (a database in every
    /// way messages write it: its URL, without parameters, its name) and its
    /// folder as `{ROOT}`: the same for every copy.
    fn scrub(&self, text: &str) -> String {
        let text = match &self.database {
            Some(name) => text
                .replace(&util::pg::url(name), "{VAULT}")
                .replace(&format!("postgres:///{name}"), "{VAULT}")
                .replace(name.as_str(), "{VAULT}"),
            None => text.replace(&self.location(), "{VAULT}"),
        };
        text.replace(self.root.path().to_str().unwrap(), "{ROOT}")
    }
}

/// Copies the folder `from` to `to` (`cp -a`: every file, modes kept).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::metadata(from).unwrap().permissions()).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            copy_file(&entry.path(), &target);
        }
    }
}

/// Copies one file, mode kept, without writing its blocks of zeros (the
/// preallocated journal is mostly zeros): the same bytes, read back.
fn copy_file(from: &Path, to: &Path) {
    use std::os::unix::fs::FileExt;
    const BLOCK: usize = 4096;
    let bytes = std::fs::read(from).unwrap();
    let f = std::fs::File::create(to).unwrap();
    for (i, block) in bytes.chunks(BLOCK).enumerate() {
        if block.iter().any(|b| *b != 0) {
            f.write_all_at(block, (i * BLOCK) as u64).unwrap();
        }
    }
    f.set_len(bytes.len() as u64).unwrap();
    f.set_permissions(std::fs::metadata(from).unwrap().permissions())
        .unwrap();
}

// ------------------------------------------------------------------ commands

/// One command of everyday use, as run on every copy.
struct Cmd {
    /// How reports name it.
    name: String,
    user: Option<String>,
    pass: Option<String>,
    /// `{OUT}` stands for a new file beside the copy.
    args: Vec<String>,
    /// The command writes an export to `{OUT}`: it is opened and compared too.
    export: bool,
    /// JSON members set aside (they count what any command changes).
    drop: &'static [&'static str],
    /// The prefixes of the records it reads (`None`: any).
    reads: Option<Vec<&'static str>>,
    /// The dossier it is about: of the records of a dossier, it reads that
    /// one's only.
    dossier: Option<String>,
    /// It shows every member (names, keys, the signed log): of the records
    /// of one member, it reads all members' (else only its user's).
    all_members: bool,
    /// It shows the access trail, which holds what every command before it
    /// did: after a command went another way, it runs beside an untouched
    /// copy that ran the same commands.
    trail: bool,
    /// Refused on the untouched vault.
    refused: bool,
}

impl Cmd {
    /// Whether the command reads what `t` changed.
    fn reads(&self, t: &Tampering) -> bool {
        self.reads.as_ref().is_none_or(|r| r.contains(&t.prefix))
            && match (&self.dossier, &t.dossier) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
            && match &t.member {
                Some(m) => self.all_members || self.user.as_ref() == Some(m),
                None => true,
            }
    }
}

/// What a command did, made comparable.
#[derive(Clone, Debug, PartialEq)]
struct Outcome {
    code: i32,
    out: String,
    err: String,
}

/// What the comparison needs to know besides the outputs.
struct Context {
    /// Every entry id the story wrote (others are new, and vary).
    entries: BTreeSet<String>,
    age_key: Option<PathBuf>,
    /// How many times coffre ran.
    runs: AtomicUsize,
}

// What each command reads, by record prefix: a tampering runs the commands
// that read its record, and those that read everything.

/// What every command reads as it opens the vault and unlocks: the vault's
/// settings, the log's state, its user's record and keys, and the name
/// index's normalisation (a member holding the index key re-indexes by it).
const UNLOCK: &[&str] = &["meta", "as", "s/", "w/", "in"];
/// What a member's own unlock reads of theirs only, and rewrites: their
/// anchor of the register and their record of where the log ended (read by
/// their first command of the campaign).
const HOLDER: &[&str] = &["ra/", "cs/"];
/// The records of a dossier a member reads.
const DOSSIER: &[&str] = &["d/", "t/", "dk/", "de/", "e/", "v/", "ob/", "bg/"];
/// What an entry read by its id reads (besides its dossier's, which the
/// dossier's reads cover).
const ENTRY: &[&str] = &["de/", "e/", "v/", "dk/"];
/// What finding and listing dossiers read.
const NAMES: &[&str] = &["d/", "t/", "dk/", "i/", "di/", "in"];
/// What the access trail reads besides the log.
const TRAIL: &[&str] = &["ax/"];

fn commands(s: &Story) -> Vec<Cmd> {
    let rec = s.v.recovery.to_str().unwrap().to_string();
    let (d1, d2) = (s.d1.as_str(), s.d2.as_str());
    let cmd = |name: &str, user: Option<&str>, pass: Option<&str>, args: &[&str]| Cmd {
        name: name.to_string(),
        user: user.map(str::to_string),
        pass: pass.map(str::to_string),
        args: args.iter().map(|a| a.to_string()).collect(),
        export: false,
        drop: &[],
        reads: None,
        dossier: None,
        all_members: false,
        trail: false,
        refused: false,
    };
    let staff =
        |name: &str, user: &str, args: &[&str]| cmd(name, Some(user), Some(s.v.pass(user)), args);
    let reading = |c: Cmd, parts: &[&[&'static str]]| Cmd {
        reads: Some(parts.concat()),
        ..c
    };
    let about = |c: Cmd, d: &str| Cmd {
        dossier: Some(d.to_string()),
        ..c
    };
    let everyone = |c: Cmd| Cmd {
        all_members: true,
        ..c
    };
    let trail = |c: Cmd| Cmd {
        trail: true,
        all_members: true,
        ..c
    };

    // First the commands that show the access trail; then those that read
    // the store only; then those that write.
    let mut export = staff(
        "dir: access export d1",
        DIR,
        &[
            "access",
            "export",
            d1,
            "--out",
            "{OUT}",
            "--recipient",
            &s.age_recipient,
            "--recovery-key",
            &rec,
            "--json",
        ],
    );
    export.export = true;
    let mut verify = cmd("audit verify", None, None, &["audit", "verify", "--json"]);
    // The root covers every line's time: it differs between any two runs.
    verify.drop = &["root"];
    let mut check = staff(
        "dir: check",
        DIR,
        &["check", "--recovery-key", &rec, "--json"],
    );
    // How many records the store holds: a deleted or planted record is
    // counted, which decides nothing.
    check.drop = &["records"];
    let mut backup = staff("dir: backup", DIR, &["backup", "--out", "{OUT}", "--json"]);
    backup.drop = &["records"];
    let old_pass = cmd(
        "doc with the passphrase they changed: dossier list",
        Some(DOC),
        Some(OLD_DOC_PASS),
        &["dossier", "list", "--json"],
    );
    vec![
        about(
            trail(cmd(
                "the person: access view d1",
                None,
                Some(PERSON1),
                &["access", "view", d1, "--json"],
            )),
            d1,
        ),
        about(
            trail(staff(
                "dpo: audit history d1",
                DPO,
                &["audit", "history", d1, "--json"],
            )),
            d1,
        ),
        about(
            reading(
                trail(cmd(
                    "the second person: access view d2",
                    None,
                    Some(PERSON2),
                    &["access", "view", d2, "--json"],
                )),
                &[UNLOCK, DOSSIER, TRAIL, &["p/", "pk/", "jr/"]],
            ),
            d2,
        ),
        about(trail(export), d1),
        // It reads the log and, of the store, only these (on a copy it makes).
        reading(trail(verify), &[&["meta", "as"], TRAIL, HOLDER]),
        reading(trail(backup), &[UNLOCK, TRAIL]),
        about(
            reading(
                staff(
                    "doc: dossier show d1",
                    DOC,
                    &["dossier", "show", d1, "--json"],
                ),
                &[
                    UNLOCK,
                    HOLDER,
                    DOSSIER,
                    &["i/", "di/", "in", "es", "kg/", "kr/", "ar"],
                ],
            ),
            d1,
        ),
        about(
            reading(
                staff(
                    "nur: dossier show d1 (the person objects)",
                    NUR,
                    &["dossier", "show", d1, "--json"],
                ),
                &[UNLOCK, &["ob/", "t/"]],
            ),
            d1,
        ),
        about(
            reading(
                staff(
                    "urg: dossier show d1 (break-glass window open)",
                    URG,
                    &["dossier", "show", d1, "--json"],
                ),
                &[UNLOCK, &["bg/", "t/"]],
            ),
            d1,
        ),
        about(
            reading(
                staff(
                    "doc: dossier show d2 (closed)",
                    DOC,
                    &["dossier", "show", d2, "--json"],
                ),
                &[UNLOCK, DOSSIER],
            ),
            d2,
        ),
        reading(
            staff(
                "edu: entry show (amended)",
                EDU,
                &["entry", "show", &s.e_daily, "--json"],
            ),
            &[UNLOCK, ENTRY],
        ),
        reading(
            staff(
                "edu: entry history",
                EDU,
                &["entry", "history", &s.e_daily, "--json"],
            ),
            &[UNLOCK, ENTRY],
        ),
        reading(
            staff(
                "doc: entry show (medical)",
                DOC,
                &["entry", "show", &s.e_med, "--json"],
            ),
            &[UNLOCK, ENTRY],
        ),
        reading(
            staff(
                "doc: dossier find",
                DOC,
                &["dossier", "find", "Lucas Martin", "--json"],
            ),
            &[UNLOCK, NAMES],
        ),
        reading(
            staff("doc: dossier list", DOC, &["dossier", "list", "--json"]),
            &[UNLOCK, NAMES],
        ),
        reading(
            everyone(staff("dir: staff list", DIR, &["staff", "list", "--json"])),
            &[UNLOCK, &["es", "kg/", "kr/", "ar"]],
        ),
        about(
            reading(
                staff(
                    "dir: dossier team list d1",
                    DIR,
                    &["dossier", "team", "list", d1, "--json"],
                ),
                &[UNLOCK, &["d/", "t/"]],
            ),
            d1,
        ),
        reading(
            staff(
                "dir: retention due",
                DIR,
                &["retention", "due", "--all", "--json"],
            ),
            &[UNLOCK, &["d/", "dk/"]],
        ),
        Cmd {
            refused: true,
            ..reading(
                staff(
                    "psy (revoked): dossier list",
                    PSY,
                    &["dossier", "list", "--json"],
                ),
                &[UNLOCK],
            )
        },
        Cmd {
            refused: true,
            ..reading(old_pass, &[UNLOCK])
        },
        everyone(check),
        reading(
            staff("doc: keys rotate", DOC, &["keys", "rotate", "--json"]),
            &[UNLOCK, &["dk/", "pk/", "kg/", "kr/"]],
        ),
        about(
            reading(
                staff(
                    "doc: entry add d1",
                    DOC,
                    &[
                        "entry",
                        "add",
                        d1,
                        "--kind",
                        "medical",
                        "--field",
                        "text=NEW-NOTE",
                    ],
                ),
                &[UNLOCK, &["d/", "t/", "dk/", "de/", "ob/"]],
            ),
            d1,
        ),
        reading(
            staff(
                "edu: entry amend",
                EDU,
                &[
                    "entry",
                    "amend",
                    &s.e_daily,
                    "--field",
                    "text=DAILY-ONE-V4",
                    "--json",
                ],
            ),
            &[UNLOCK, ENTRY],
        ),
    ]
}

/// Runs `cmd` on `copy`; never panics on what coffre does.
fn run(copy: &VaultCopy, n: usize, cmd: &Cmd, ctx: &Context) -> Outcome {
    ctx.runs.fetch_add(1, Ordering::Relaxed);
    let out_file = copy.root.path().join(format!("out-{n}.age"));
    let out_text = out_file.to_str().unwrap().to_string();
    let args: Vec<String> = cmd
        .args
        .iter()
        .map(|a| a.replace("{OUT}", &out_text))
        .collect();
    let mut c = Command::new(COFFRE);
    c.args(&args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("COFFRE_LANG", "en")
        .env("COFFRE_VAULT", copy.location())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(u) = &cmd.user {
        c.env("COFFRE_USER", u);
    }
    if let Some(p) = &cmd.pass {
        c.env("COFFRE_PASSPHRASE", p);
    }
    let child = c.spawn().expect("cannot start coffre");
    let out = child.wait_with_output().unwrap();
    let err = copy.scrub(
        &String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| !l.contains("weak key derivation (--insecure-fast-kdf)"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let mut text = normalise(&String::from_utf8_lossy(&out.stdout), cmd, ctx);
    let code = out.status.code().unwrap_or(-1);

    if cmd.export && code == 0 {
        text.push_str(&open_export(&out_file, ctx));
    }
    Outcome {
        code,
        out: copy.scrub(&text),
        err,
    }
}

/// The person's data and access history inside an export (`age -d`, then
/// the tar), made comparable (`report.html` shows the same, as a page);
/// nothing without the age tools.
fn open_export(file: &Path, ctx: &Context) -> String {
    let Some(key) = &ctx.age_key else {
        return String::new();
    };
    let plain = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(key)
        .arg(file)
        .output()
        .unwrap();
    if !plain.status.success() {
        return format!(
            "\nthe export does not open: {}",
            String::from_utf8_lossy(&plain.stderr)
        );
    }
    let mut docs = String::new();
    let mut archive = tar::Archive::new(&plain.stdout[..]);
    let mut found: Vec<(String, String)> = archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            let mut body = String::new();
            std::io::Read::read_to_string(&mut e, &mut body).unwrap();
            (name, body)
        })
        .collect();
    found.sort();
    for (name, body) in found {
        if name.ends_with(".json") {
            docs.push_str(&format!(
                "\n--- {name}\n{}",
                normalise_json_text(&body, &[], ctx)
            ));
        }
    }
    docs
}

/// stdout made comparable: JSON lines with their times and new entry ids set
/// aside (and the members `cmd.drop`), text with new entry ids set aside.
fn normalise(stdout: &str, cmd: &Cmd, ctx: &Context) -> String {
    stdout
        .lines()
        .map(|line| match serde_json::from_str::<Value>(line) {
            Ok(mut v) => {
                scrub(&mut v, cmd.drop, ctx);
                v.to_string()
            }
            Err(_) => line
                .split(' ')
                .map(|w| scrub_word(w, ctx))
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn normalise_json_text(text: &str, drop: &[&str], ctx: &Context) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(mut v) => {
            scrub(&mut v, drop, ctx);
            serde_json::to_string_pretty(&v).unwrap()
        }
        Err(_) => text.to_string(),
    }
}

/// Whether `s` starts like an RFC 3339 time (`2026-12-07T05:22:27Z`).
fn is_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
}

fn scrub_word(w: &str, ctx: &Context) -> String {
    let is_entry =
        w.len() == 23 && w.starts_with("e-") && w[2..].bytes().all(|b| b.is_ascii_hexdigit());
    if is_entry && !ctx.entries.contains(w) {
        "<new entry>".into()
    } else if is_time(w) {
        "<time>".into()
    } else {
        w.to_string()
    }
}

fn scrub(v: &mut Value, drop: &[&str], ctx: &Context) {
    match v {
        Value::String(s) => *s = scrub_word(s, ctx),
        Value::Array(a) => a.iter_mut().for_each(|x| scrub(x, drop, ctx)),
        Value::Object(m) => {
            for k in drop {
                m.remove(*k);
            }
            m.values_mut().for_each(|x| scrub(x, drop, ctx));
        }
        _ => {}
    }
}

// ------------------------------------------------------------------ baselines

/// The untouched vault's outcomes, shared by every tampering. A tampering
/// runs the commands that read its record, in order. What the store-reading
/// commands show does not depend on which commands ran before them (reads
/// leave the store's visible content as it was), so their outcomes come from
/// one run of every command; the commands that show the access trail, which
/// holds every command before them, come from a run of the same trail
/// commands (they come first). After a command went another way, a
/// tampering runs the next trail commands beside a fresh untouched copy.
/// The test checks this on a few lists of commands.
/// Outcomes computed once by whichever tampering needs them first.
type Shared = Arc<OnceLock<Vec<Outcome>>>;

struct Baselines<'a> {
    /// The untouched vault, copied for every run.
    vault: &'a Untouched,
    cmds: &'a [Cmd],
    ctx: &'a Context,
    /// Every command, in order.
    full: Vec<Outcome>,
    /// Trail commands run → their outcomes.
    trails: Mutex<HashMap<Vec<usize>, Shared>>,
    /// How many times coffre ran on untouched copies.
    runs: AtomicUsize,
}

impl<'a> Baselines<'a> {
    fn new(vault: &'a Untouched, cmds: &'a [Cmd], ctx: &'a Context) -> Baselines<'a> {
        let all: Vec<usize> = (0..cmds.len()).collect();
        let mut b = Baselines {
            vault,
            cmds,
            ctx,
            full: Vec::new(),
            trails: Mutex::new(HashMap::new()),
            runs: AtomicUsize::new(0),
        };
        b.full = b.fresh_run(&all);
        b
    }

    /// The outcomes of `plan` (command indices, in order).
    fn of(&self, plan: &[usize]) -> Vec<Outcome> {
        let trail: Vec<usize> = plan
            .iter()
            .copied()
            .filter(|&i| self.cmds[i].trail)
            .collect();
        let cell = self
            .trails
            .lock()
            .unwrap()
            .entry(trail.clone())
            .or_default()
            .clone();
        let trailed = cell.get_or_init(|| self.fresh_run(&trail));
        let mut trailed = trailed.iter();
        plan.iter()
            .map(|&i| match self.cmds[i].trail {
                true => trailed.next().unwrap().clone(),
                false => self.full[i].clone(),
            })
            .collect()
    }

    /// Runs `plan` on a fresh untouched copy.
    fn fresh_run(&self, plan: &[usize]) -> Vec<Outcome> {
        self.runs.fetch_add(plan.len(), Ordering::Relaxed);
        let copy = self.vault.copy();
        plan.iter()
            .map(|&i| run(&copy, i, &self.cmds[i], self.ctx))
            .collect()
    }
}

// ------------------------------------------------------------------ tamperings

/// The three tamperings of the campaign, and planting a record new vaults
/// no longer have.
#[derive(Clone, Copy, Debug, PartialEq)]
enum How {
    /// (a) the record deleted.
    Delete,
    /// (b) the record replaced by an older genuine copy of itself.
    Older,
    /// (c) the record replaced by the same kind of record of another
    /// dossier or member (or moved under another dossier's key).
    Other,
    /// A record of older vaults planted.
    Plant,
}

impl How {
    fn label(self) -> &'static str {
        match self {
            How::Delete => "deleted",
            How::Older => "older copy",
            How::Other => "another's copy",
            How::Plant => "planted",
        }
    }
}

struct Tampering {
    /// The layout prefix it stands for (`de/`, `meta`…).
    prefix: &'static str,
    /// The record changed, as text.
    record: String,
    how: How,
    /// What was done, in words.
    what: String,
    /// key → new value (`None`: removed).
    ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    /// What a message naming the record may say.
    names: Vec<String>,
    /// The dossier the record is about, if any.
    dossier: Option<String>,
    /// The member the record is about (their record, wraps, anchor…).
    member: Option<String>,
    /// The record with the story's ids as `{d1}`, `{e_daily}`…, and tags
    /// and sequence numbers as `{n}`: the same from run to run.
    shape: String,
}

impl Tampering {
    fn new(
        prefix: &'static str,
        record: &str,
        how: How,
        what: String,
        ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    ) -> Tampering {
        let parts: Vec<&str> = record.split('/').collect();
        let member = match parts[..] {
            ["s" | "ra" | "cs" | "sfu", m] | ["w", _, _, m] | ["sf", m, _] => Some(m.to_string()),
            _ => None,
        };
        Tampering {
            prefix,
            record: record.to_string(),
            how,
            what,
            ops,
            names: names_of(record),
            dossier: parts
                .iter()
                .find(|p| p.starts_with("d-"))
                .map(|d| d.to_string()),
            member,
            shape: String::new(),
        }
    }
}

/// `record` with the story's ids as `{d1}`, `{d2}`, `{d3}`, `{e_daily}`, and
/// blind-index tags and sequence numbers as `{n}`.
fn shape(s: &Story, record: &str) -> String {
    record
        .replace(&s.d1, "{d1}")
        .replace(&s.d2, "{d2}")
        .replace(&s.d3, "{d3}")
        .replace(&s.e_daily, "{e_daily}")
        .split('/')
        .map(
            |p| match p.len() >= 16 && p.bytes().all(|b| b.is_ascii_hexdigit()) {
                true => "{n}",
                false => p,
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// What a message naming `key` may say: the key, or its prefix up to the
/// dossier or member it is about (`de/d-…`, `w/cat:medical`, `ax/d/d-…`).
/// An entry's header and its versions are named by the entry (its id, or
/// `de/{dossier}/{entry}`: a version's shape is part of the entry's signed
/// element); the records whose key says little by what the messages call
/// them.
fn names_of(key: &str) -> Vec<String> {
    let parts: Vec<&str> = key.split('/').collect();
    let mut out = vec![key.to_string()];
    match parts[..] {
        ["meta"] => out.push("the vault's settings".into()),
        ["as"] => {
            out.push("the store has no record of the audit log".into());
            out.push("the recorded audit state".into());
        }
        // An entry's header and versions: the entry itself, named by its id.
        ["de", d, e] | ["v", d, e, _] => {
            out.push(format!("de/{d}/{e}"));
            out.push(e.to_string());
        }
        ["cs", m] => out.push(format!("the signed record of where '{m}' left the log")),
        _ => {}
    }
    if let Some(i) = parts.iter().position(|p| p.starts_with("d-")) {
        out.push(parts[..=i].join("/"));
    }
    if parts.len() > 2 {
        let n = if parts[0] == "ax" { 3 } else { 2 };
        out.push(parts[..n].join("/"));
    }
    out.dedup();
    out
}

/// Whether `text` names one of `names` (not inside a longer word).
fn names_record(text: &str, names: &[String]) -> bool {
    names.iter().any(|n| {
        text.match_indices(n.as_str()).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + n.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '/')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_')
        })
    })
}

fn text(key: &[u8]) -> String {
    String::from_utf8_lossy(key).into_owned()
}

/// The index key (its latest generation) as the director unwraps it from
/// the final store with their passphrase.
fn index_key(s: &Story) -> coffre::crypto::Key32 {
    use coffre::crypto::wrap::{self, Identity};
    use coffre::crypto::{envelope, kdf, Aad, Key32};
    use coffre::store::records::{decode, StaffRecord, VaultMeta};
    let meta: VaultMeta = decode(&value(s, "meta"), "meta").unwrap();
    let rec: StaffRecord = decode(&value(s, &format!("s/{DIR}")), "staff").unwrap();
    let pass = secrecy::SecretString::from(s.v.pass(DIR));
    let pkey = kdf::derive(&pass, &rec.salt, &rec.kdf).unwrap();
    let aad = Aad::new("coffre/identity/v1")
        .with(meta.vault_id.as_bytes())
        .with(DIR.as_bytes());
    let secret = envelope::open(&pkey, &aad, &rec.identity_sealed).unwrap();
    let identity = Identity::parse(std::str::from_utf8(&secret).unwrap()).unwrap();
    let wrapped = keys_under(s, "w/index/")
        .into_iter()
        .filter(|k| text(k).ends_with(&format!("/{DIR}")))
        .max()
        .expect("the director holds the index key");
    let material = wrap::unwrap(&s.now[wrapped], &identity)
        .unwrap()
        .expect("the director's wrap opens");
    Key32::from_slice(&material).unwrap()
}

/// The keys of the final store under `prefix`.
fn keys_under<'a>(s: &'a Story, prefix: &str) -> Vec<&'a Vec<u8>> {
    s.now
        .keys()
        .filter(|k| k.starts_with(prefix.as_bytes()))
        .collect()
}

/// The first key under `prefix` (panics if there is none).
fn first_under(s: &Story, prefix: &str) -> Vec<u8> {
    keys_under(s, prefix)
        .first()
        .map(|k| k.to_vec())
        .unwrap_or_else(|| panic!("no record under {prefix}"))
}

/// (a), (b) and (c) for `key`: (c) puts `other`'s value in its place.
/// Tamperings that cannot be made are noted in `notes`.
fn three(
    s: &Story,
    prefix: &'static str,
    key: &[u8],
    other: Option<(&str, Vec<u8>)>,
    out: &mut Vec<Tampering>,
    notes: &mut Vec<String>,
) {
    let record = text(key);
    let now = s
        .now
        .get(key)
        .unwrap_or_else(|| panic!("{record} is not in the store"));
    let make = |how, what: String, ops| Tampering::new(prefix, &record, how, what, ops);
    out.push(make(
        How::Delete,
        "deleted".into(),
        vec![(key.to_vec(), None)],
    ));
    match s.older.get(key) {
        Some(old) if old != now => out.push(make(
            How::Older,
            "the copy from halfway through the story".into(),
            vec![(key.to_vec(), Some(old.clone()))],
        )),
        Some(_) => notes.push(format!(
            "{record}: (b) skipped, the record did not change since the older copy"
        )),
        None => notes.push(format!(
            "{record}: (b) skipped, the record is newer than the older copy (its older state is its absence: (a))"
        )),
    }
    match other {
        Some((from, value)) => {
            assert_ne!(&value, now, "{record}: the other copy is the same");
            out.push(make(
                How::Other,
                format!("the value of {from}"),
                vec![(key.to_vec(), Some(value))],
            ))
        }
        None => notes.push(format!(
            "{record}: (c) skipped, there is no other record of its kind"
        )),
    }
}

fn value(s: &Story, key: &str) -> Vec<u8> {
    s.now
        .get(key.as_bytes())
        .unwrap_or_else(|| panic!("no record {key}"))
        .clone()
}

/// The same key with `d1` replaced by `d2`, when the store has it.
fn in_d2(s: &Story, key: &[u8]) -> Option<(String, Vec<u8>)> {
    let k = text(key).replace(&s.d1, &s.d2);
    s.now.get(k.as_bytes()).map(|v| (k, v.clone()))
}

fn tamperings(s: &Story) -> (Vec<Tampering>, Vec<String>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let (d1, d2) = (s.d1.as_str(), s.d2.as_str());
    let mut one = |prefix: &'static str, key: &[u8], other: Option<(String, Vec<u8>)>| {
        let other = other.as_ref().map(|(k, v)| (k.as_str(), v.clone()));
        three(s, prefix, key, other, &mut out, &mut notes);
    };
    let other = |k: &str| Some((k.to_string(), value(s, k)));
    let d2_of = |key: &[u8]| in_d2(s, key);

    one(
        "meta",
        b"meta",
        Some(("another vault's meta".into(), s.foreign_meta.clone())),
    );
    one("s/", b"s/doc", other("s/urg"));
    one("s/", b"s/psy", other("s/edu"));
    one(
        "w/",
        b"w/cat:medical/00000001/doc",
        other("w/cat:medical/00000001/urg"),
    );
    one(
        "w/",
        b"w/cat:daily-life/00000002/edu",
        other("w/cat:daily-life/00000001/edu"),
    );
    // d2 is closed, d3 erased: their older copies are open ones.
    let d3 = s.d3.as_str();
    for (d, o) in [(d1, d2), (d2, d1), (d3, d1)] {
        one("d/", format!("d/{d}").as_bytes(), other(&format!("d/{o}")));
    }
    one(
        "t/",
        format!("t/{d1}/nur").as_bytes(),
        other(&format!("t/{d2}/nur")),
    );
    for cat in ["daily-life/*", "medical/*", "psy-notes/psy"] {
        let key = format!("dk/{d1}/{cat}");
        one("dk/", key.as_bytes(), d2_of(key.as_bytes()));
    }
    let d2_entry = text(&first_under(s, &format!("de/{d2}/")));
    let d2_entry_id = d2_entry.rsplit('/').next().unwrap().to_string();
    one(
        "de/",
        format!("de/{d1}/{}", s.e_daily).as_bytes(),
        other(&d2_entry),
    );
    one(
        "e/",
        format!("e/{}", s.e_daily).as_bytes(),
        other(&format!("e/{d2_entry_id}")),
    );
    let d2_version = format!("v/{d2}/{d2_entry_id}/00000001");
    one(
        "v/",
        format!("v/{d1}/{}/00000001", s.e_daily).as_bytes(),
        other(&d2_version),
    );
    let di1 = keys_under(s, &format!("di/{d1}/"))[0].clone();
    let di2 = text(keys_under(s, &format!("di/{d2}/"))[0]);
    one("di/", &di1, other(&di2));
    let p = format!("p/{d1}");
    one("p/", p.as_bytes(), other(&format!("p/{d2}")));
    let pk = format!("pk/{d1}/daily-life/*");
    one("pk/", pk.as_bytes(), d2_of(pk.as_bytes()));
    let release = format!("jr/{d1}/release");
    one(
        "jr/",
        release.as_bytes(),
        other(&format!("jr/{d2}/release")),
    );
    let copy1 = keys_under(s, &format!("jr/{d1}/e/"))[0].clone();
    let copy2 = text(keys_under(s, &format!("jr/{d2}/e/"))[0]);
    one("jr/", &copy1, other(&copy2));
    let ob2 = text(keys_under(s, &format!("ob/{d2}/"))[0]);
    one(
        "ob/",
        format!("ob/{d1}/daily-life/infirmier").as_bytes(),
        other(&ob2),
    );
    one(
        "bg/",
        format!("bg/{d1}/{URG}").as_bytes(),
        other(&format!("bg/{d2}/{URG}")),
    );
    one("ra/", b"ra/doc", other("ra/edu"));
    one("as", b"as", None);
    let ax_d1 = keys_under(s, &format!("ax/d/{d1}/"))[3].clone();
    let ax_d2 = text(keys_under(s, &format!("ax/d/{d2}/"))[3]);
    one("ax/", &ax_d1, other(&ax_d2));
    one("cs/", b"cs/doc", other("cs/edu"));
    let sf_edu = keys_under(s, &format!("sf/{EDU}/"))[0].clone();
    let sf_soc = text(keys_under(s, &format!("sf/{SOC}/"))[0]);
    one("sf/", &sf_edu, other(&sf_soc));
    one(
        "sfu/",
        format!("sfu/{EDU}").as_bytes(),
        other(&format!("sfu/{SOC}")),
    );
    // The establishment's name re-sealed by the rotation, and the index's
    // normalisation (set back to the one before).
    one("es", b"es", None);
    let mut normalisation = value(s, "in");
    normalisation[0] -= 1;
    one(
        "in",
        b"in",
        Some(("an earlier normalisation".into(), normalisation)),
    );
    // The blind index: a hint whose value is empty. Deleted, or moved under
    // the other dossier. Of d1's tags, the one of the word "lucas" (the
    // others are its prefixes, the other word's, and random padding, which no
    // search finds): computed with the director's index key.
    let i1 = text(&coffre::store::layout::index(
        &coffre::crypto::blind::tag(&index_key(s), "lucas"),
        d1,
    ));
    assert!(
        s.now.contains_key(i1.as_bytes()),
        "{i1}: the tag of \"lucas\" is d1's"
    );
    let moved = i1.replace(d1, d2);
    out.push(Tampering::new(
        "i/",
        &i1,
        How::Delete,
        "deleted".into(),
        vec![(i1.clone().into_bytes(), None)],
    ));
    let mut t = Tampering::new(
        "i/",
        &i1,
        How::Other,
        format!("moved to {moved}"),
        vec![
            (i1.clone().into_bytes(), None),
            (moved.clone().into_bytes(), Some(value(s, &i1))),
        ],
    );
    t.names.extend(names_of(&moved));
    out.push(t);
    notes.push(format!(
        "{i1}: (b) skipped, a blind-index record holds nothing (its tag changes with the index key)"
    ));
    // Planted, with the value of a record of d1: the emergency doctor in
    // d1's care team; under d2's key, the person's objection, the amended
    // note, a data key of a category d2 does not hold.
    let moves = [
        ("t/", format!("t/{d1}/{URG}"), format!("t/{d1}/nur")),
        (
            "ob/",
            format!("ob/{d2}/daily-life/infirmier"),
            format!("ob/{d1}/daily-life/infirmier"),
        ),
        (
            "de/",
            format!("de/{d2}/{}", s.e_daily),
            format!("de/{d1}/{}", s.e_daily),
        ),
        (
            "dk/",
            format!("dk/{d2}/care-alerts/*"),
            format!("dk/{d1}/care-alerts/*"),
        ),
    ];
    for (prefix, key, from) in moves {
        assert!(!s.now.contains_key(key.as_bytes()), "{key} exists");
        out.push(Tampering::new(
            prefix,
            &key,
            How::Other,
            format!("planted, the value of {from}"),
            vec![(key.clone().into_bytes(), Some(value(s, &from)))],
        ));
    }
    // What older vaults held, planted: read by nothing.
    let rotation = postcard::to_stdvec(&(1_700_000_000u64, "staff-revoked".to_string())).unwrap();
    let attacker = coffre::crypto::wrap::Identity::generate().recipient();
    for (key, v) in [
        ("kg/cat:medical", 9u32.to_be_bytes().to_vec()),
        ("kr/cat:medical", rotation),
        ("ar", attacker.into_bytes()),
    ] {
        assert!(!s.now.contains_key(key.as_bytes()), "{key} in a new vault");
        let prefix = match key {
            "ar" => "ar",
            k if k.starts_with("kg/") => "kg/",
            _ => "kr/",
        };
        out.push(Tampering::new(
            prefix,
            key,
            How::Plant,
            "planted".into(),
            vec![(key.as_bytes().to_vec(), Some(v))],
        ));
    }
    // The erased dossier: its record rolled back to when it was not erased
    // (deleted or replaced, it is as for the two others: left out, to keep
    // the campaign short).
    let erased = format!("d/{}", s.d3);
    out.retain(|t| t.record != erased || t.how == How::Older);
    for t in &mut out {
        t.shape = shape(s, &t.record);
    }
    let notes = notes
        .iter()
        .map(|n| match n.split_once(": ") {
            Some((record, rest)) => format!("{}: {rest}", shape(s, record)),
            None => n.clone(),
        })
        .collect();
    (out, notes)
}

// ------------------------------------------------------------------ the campaign

/// A command whose outcome on a tampered copy differs from the untouched
/// vault's without an integrity failure naming the record.
struct Finding {
    /// The record, with the story's ids as `{d1}`, `{e_daily}`… (as in
    /// [`KNOWN_GAPS`]).
    shape: String,
    record: String,
    how: How,
    what: String,
    command: String,
    expected: Outcome,
    got: Outcome,
}

impl Finding {
    /// Whether it is the gap `g`.
    fn is(&self, g: &Gap) -> bool {
        let (r, h, c, _) = g;
        *r == self.shape && *h == self.how.label() && *c == self.command
    }

    /// A silent difference, or an integrity failure that does not name it.
    fn kind(&self) -> &'static str {
        if self.got.code == 5 {
            "exit 5 without naming the record"
        } else {
            "silent difference"
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cut = |s: &str| -> String {
            let s = s.trim();
            if s.chars().count() > 300 {
                format!("{}…", s.chars().take(300).collect::<String>())
            } else {
                s.to_string()
            }
        };
        // Where the two outputs part.
        let (a, b) = (&self.expected.out, &self.got.out);
        let at = a
            .char_indices()
            .zip(b.chars())
            .find(|((_, x), y)| x != y)
            .map_or(a.len().min(b.len()), |((i, _), _)| i);
        let from = a[..at].char_indices().rev().nth(100).map_or(0, |(i, _)| i);
        let part = |s: &str| cut(s.get(from..).unwrap_or(""));
        write!(
            f,
            "{}: {} {} ({}), `{}`\n    (\"{}\", \"{}\", \"{}\", \"…\"),\n    untouched: exit {}, stdout from byte {from}: {}\n    tampered:  exit {}, stdout from byte {from}: {}\n    stderr: {}",
            self.kind(),
            self.record,
            self.how.label(),
            self.what,
            self.command,
            self.shape,
            self.how.label(),
            self.command,
            self.expected.code,
            part(a),
            self.got.code,
            part(b),
            cut(&self.got.err),
        )
    }
}

/// How one tampering went: what each command did.
struct Report {
    findings: Vec<Finding>,
    /// Commands that failed with exit 5 naming the record.
    detected: Vec<String>,
    /// Commands whose outcome did not change.
    unchanged: usize,
}

/// The commands that read what `t` changed, in order (every command with
/// `TAMPER_EVERY_COMMAND=1`).
fn plan_of(cmds: &[Cmd], t: &Tampering) -> Vec<usize> {
    let every = std::env::var("TAMPER_EVERY_COMMAND").as_deref() == Ok("1");
    (0..cmds.len())
        .filter(|&i| every || cmds[i].reads(t))
        .collect()
}

fn campaign_one(t: &Tampering, b: &Baselines<'_>) -> Report {
    // A fresh copy of the untouched vault, tampered with.
    let tampered = || {
        let copy = b.vault.copy();
        copy.forge(&t.ops, &t.record);
        copy
    };
    let mut report = Report {
        findings: Vec::new(),
        detected: Vec::new(),
        unchanged: 0,
    };
    let plan = plan_of(b.cmds, t);
    let baseline = b.of(&plan);
    let mut copy = tampered();
    // After a divergence: an untouched copy that runs the same commands.
    let mut twin: Option<VaultCopy> = None;
    for (p, &i) in plan.iter().enumerate() {
        let cmd = &b.cmds[i];
        let got = run(&copy, i, cmd, b.ctx);
        let expected = match &twin {
            Some(twin) if cmd.trail => run(twin, i, cmd, b.ctx),
            _ => baseline[p].clone(),
        };
        if got.code == expected.code && got.out == expected.out {
            report.unchanged += 1;
            continue;
        }
        // `check` lists what is damaged on stdout, the others say it on stderr.
        if got.code == 5 && names_record(&format!("{}\n{}", got.err, got.out), &t.names) {
            report.detected.push(cmd.name.clone());
        } else {
            report.findings.push(Finding {
                shape: t.shape.clone(),
                record: t.record.clone(),
                how: t.how,
                what: t.what.clone(),
                command: cmd.name.clone(),
                expected,
                got,
            });
        }
        // The copy went another way than the untouched one: the next
        // commands that show the access trail start again on a fresh tampered
        // copy, beside a fresh untouched one. (The others show what the
        // store holds, which only the tampering changed.)
        if plan.get(p + 1).is_some_and(|&n| b.cmds[n].trail) {
            copy = tampered();
            twin = Some(b.vault.copy());
        }
    }
    report
}

/// A deterministic part of `campaign` for the default run: one tampering
/// of every record prefix, taking (a), (b) and (c) in turn where the prefix
/// has them (so that each of the three runs), the planted records, and the
/// tamperings whose outcome differs by backend (those of [`FOLDER_GAPS`]
/// and [`POSTGRES_GAPS`]).
fn sample(campaign: Vec<Tampering>) -> Vec<Tampering> {
    const TURN: [How; 3] = [How::Delete, How::Older, How::Other];
    let mut next = 0;
    let mut kept = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for prefix in campaign.iter().map(|t| t.prefix) {
        if !seen.insert(prefix) {
            continue;
        }
        let of = |how: How| {
            campaign
                .iter()
                .position(|t| t.prefix == prefix && t.how == how)
        };
        let turn = (0..3)
            .map(|k| (next + k) % 3)
            .find_map(|k| of(TURN[k]).map(|i| (k, i)));
        match turn {
            Some((k, i)) => {
                kept.insert(i);
                next = k + 1;
            }
            None => {
                kept.insert(of(How::Plant).expect("a tampering of every prefix"));
            }
        }
    }
    campaign
        .into_iter()
        .enumerate()
        .filter(|(i, t)| kept.contains(i) || by_backend(&t.shape, t.how))
        .map(|(_, t)| t)
        .collect()
}

/// Whether the outcome of tampering `how` with the record `shape` differs
/// by backend: it has a gap in [`FOLDER_GAPS`] or [`POSTGRES_GAPS`].
fn by_backend(shape: &str, how: How) -> bool {
    FOLDER_GAPS
        .iter()
        .chain(POSTGRES_GAPS)
        .any(|(r, h, _, _)| *r == shape && *h == how.label())
}

/// What a campaign found.
struct Outcomes {
    /// Every difference neither unchanged nor an integrity failure naming
    /// the record that is not a known gap of the backend, as reported.
    gaps: Vec<String>,
    /// For each tampering run, in order: its record (as a shape) and
    /// tampering, and how many of its commands were unchanged, failed naming
    /// it, or neither.
    counts: Vec<(String, How, [usize; 3])>,
}

/// Runs `campaign` (with `notes`, the tamperings it leaves out) on
/// `backend`: the yardstick first (every kind of record the vault holds is
/// tampered with, the untouched vault passes its own checks, the shared
/// outcomes hold), then every tampering on copies of its own. Prints the
/// report.
fn run_campaign(
    s: &Story,
    backend: Backend,
    mut campaign: Vec<Tampering>,
    notes: &[String],
) -> Outcomes {
    let t0 = Instant::now();
    let ctx = Context {
        entries: s.entries.clone(),
        age_key: s.age_key.clone(),
        runs: AtomicUsize::new(0),
    };
    let cmds = commands(s);
    let untouched = Untouched::new(backend, s);
    let held_records = untouched.records();
    if backend == Backend::Postgres {
        // `coffre migrate` moved the records byte for byte: the campaign's
        // tamperings, made from the folder's, apply to the same rows. Only
        // the log's state and the index of the move's own audit entry
        // (by its actor, `coffre`) differ.
        let differ: Vec<String> = s
            .now
            .iter()
            .filter(|(k, v)| held_records.get(*k) != Some(*v))
            .map(|(k, _)| text(k))
            .chain(
                held_records
                    .keys()
                    .filter(|k| !s.now.contains_key(*k))
                    .map(|k| text(k)),
            )
            .filter(|k| k != "as" && !k.starts_with("ax/a/coffre/"))
            .collect();
        assert!(
            differ.is_empty(),
            "records that differ between the folder and the database: {differ:?}"
        );
    }

    // Every kind of record the vault holds is tampered with.
    let covered: BTreeSet<&str> = campaign.iter().map(|t| t.prefix).collect();
    let held: BTreeSet<String> = held_records
        .keys()
        .map(|k| {
            let k = text(k);
            match k.split_once('/') {
                Some((p, _)) => format!("{p}/"),
                None => k,
            }
        })
        .collect();
    let missed: Vec<&String> = held
        .iter()
        .filter(|p| !covered.contains(p.as_str()))
        .collect();
    assert!(
        missed.is_empty(),
        "record prefixes of the vault the campaign does not tamper with: {missed:?}"
    );
    for gone in ["kg/", "kr/", "ar"] {
        assert!(!held.contains(gone), "a new vault holds {gone}");
    }

    // The yardstick: the untouched vault passes its own checks, two runs on
    // two untouched copies give the same outcomes, and the outcomes of a
    // tampering's commands can be taken from them (see `Baselines`).
    let b = Baselines::new(&untouched, &cmds, &ctx);
    let all: Vec<usize> = (0..cmds.len()).collect();
    let first = &b.full;
    for (cmd, o) in cmds.iter().zip(first) {
        let refused = cmd.refused;
        assert_eq!(
            o.code != 0,
            refused,
            "{}, untouched vault, `{}`: {o:?}",
            backend.label(),
            cmd.name
        );
    }
    let mut plans: Vec<Vec<usize>> = campaign.iter().map(|t| plan_of(&cmds, t)).collect();
    plans.sort_by_key(|p| (p.iter().filter(|&&i| cmds[i].trail).count(), p.len()));
    plans.dedup();
    let checked = [&plans[0], &plans[plans.len() / 2]];
    // These runs, each on a fresh untouched copy, at once.
    let (again, runs) = std::thread::scope(|scope| {
        let again = scope.spawn(|| b.fresh_run(&all));
        let runs = checked.map(|plan| {
            let b = &b;
            scope.spawn(move || (b.fresh_run(plan), b.of(plan)))
        });
        (
            again
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            runs.map(|t| t.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
        )
    });
    for ((cmd, a), o) in cmds.iter().zip(first).zip(&again) {
        assert_eq!(
            a,
            o,
            "{}: two untouched runs of `{}` differ",
            backend.label(),
            cmd.name
        );
    }
    for (plan, (run, taken)) in checked.iter().zip(&runs) {
        for ((&i, taken), ran) in plan.iter().zip(taken).zip(run) {
            assert_eq!(
                taken,
                ran,
                "{}: `{}` after the commands {plan:?}: the outcome taken from the shared \
                 runs differs from a run of these commands",
                backend.label(),
                cmds[i].name
            );
        }
    }
    let t1 = Instant::now();
    // While working on the campaign: only the tamperings of some records.
    if let Ok(only) = std::env::var("TAMPER_ONLY") {
        campaign.retain(|t| t.record.contains(&only));
    }

    let threads: usize = std::env::var("TAMPER_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(6);
    let next = AtomicUsize::new(0);
    let reports: Mutex<Vec<(usize, Report)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(t) = campaign.get(i) else { break };
                let r = campaign_one(t, &b);
                reports.lock().unwrap().push((i, r));
            });
        }
    });
    let mut reports = reports.into_inner().unwrap();
    reports.sort_by_key(|(i, _)| *i);
    let runs = b.runs.load(Ordering::Relaxed);
    drop(b);
    // Its databases are dropped in the background.
    drop(untouched);

    let label = backend.label();
    let (mut unchanged, mut detected, mut other) = (0, 0, 0);
    for (_, r) in &reports {
        unchanged += r.unchanged;
        detected += r.detected.len();
        other += r.findings.len();
    }
    println!(
        "{label}: {} tamperings × {} commands ({} runs: unchanged {unchanged}, exit 5 naming \
         the record {detected}, other {other}); untouched runs {:.1?}, campaign {:.1?}; \
         coffre ran {} times ({} on untouched copies)",
        campaign.len(),
        cmds.len(),
        unchanged + detected + other,
        t1 - t0,
        t1.elapsed(),
        ctx.runs.load(Ordering::Relaxed),
        runs
    );
    for n in notes {
        println!("{label}: note: {n}");
    }
    let mut gaps = Vec::new();
    let mut known = Vec::new();
    for (i, r) in &reports {
        let t = &campaign[*i];
        println!(
            "{label}: {:<36} {:<14} unchanged {:>2}, exit 5 naming it {:>2}, other {:>2}",
            t.shape,
            t.how.label(),
            r.unchanged,
            r.detected.len(),
            r.findings.len()
        );
        for f in &r.findings {
            if backend.gaps().any(|g| f.is(g)) {
                known.push(f);
            } else {
                gaps.push(format!("{label}: {f}"));
            }
        }
    }
    println!("{label}: {} known gap(s):", known.len());
    for f in &known {
        println!("{label}: KNOWN GAP, {f}");
    }
    // A known gap that did not show, of a tampering that ran: closed.
    for g in backend.gaps() {
        let ran = campaign
            .iter()
            .any(|t| t.shape == g.0 && t.how.label() == g.1 && cmds.iter().any(|c| c.name == g.2));
        if ran && !known.iter().any(|f| f.is(g)) {
            println!(
                "{label}: note: the known gap ({}, {}, {}) did not show: remove it from the list",
                g.0, g.1, g.2
            );
        }
    }
    let _ = std::io::stdout().flush();
    let counts = reports
        .iter()
        .map(|(i, r)| {
            let t = &campaign[*i];
            (
                t.shape.clone(),
                t.how,
                [r.unchanged, r.detected.len(), r.findings.len()],
            )
        })
        .collect();
    Outcomes { gaps, counts }
}

/// Fails with every finding `gaps` holds.
#[track_caller]
fn no_gaps(gaps: Vec<String>) {
    assert!(
        gaps.is_empty(),
        "{} difference(s) neither unchanged nor an integrity failure naming the record \
         (or not the same on both backends):\n{}",
        gaps.len(),
        gaps.join("\n")
    );
}

// The whole campaign takes one to one and a half minutes on a folder and two
// and a half to three in PostgreSQL on two cores: in the default run,
// `a_sample_of_the_campaign_on_both_backends` runs a part of it. Run them with
// `cargo test --test all tamper_campaign:: -- --ignored` when changing how records
// are checked or closing a gap (and remove the gap from its list).
#[test]
#[ignore = "the whole campaign, minutes; the default run takes a sample"]
fn every_record_tampered_with_changes_nothing_or_is_named() {
    let t0 = Instant::now();
    let s = build();
    println!("story {:.1?}", t0.elapsed());
    let (campaign, notes) = tamperings(&s);
    no_gaps(run_campaign(&s, Backend::Folder, campaign, &notes).gaps);
}

#[test]
#[ignore = "the whole campaign, minutes; the default run takes a sample"]
fn every_row_tampered_with_in_postgres_changes_nothing_or_is_named() {
    let t0 = Instant::now();
    let s = build();
    println!("story {:.1?}", t0.elapsed());
    let (campaign, notes) = tamperings(&s);
    no_gaps(run_campaign(&s, Backend::Postgres, campaign, &notes).gaps);
}

/// [`sample`] on both backends. Besides the gaps, a tampering must go the
/// same way on both (as many commands unchanged, failing naming it, or
/// neither), unless its outcome differs by backend as [`FOLDER_GAPS`] and
/// [`POSTGRES_GAPS`] say: a tampering that changes nothing in one backend
/// only was not made there, or is not checked there.
#[test]
fn a_sample_of_the_campaign_on_both_backends() {
    let t0 = Instant::now();
    let s = build();
    println!("story {:.1?}", t0.elapsed());
    // Both backends at once: most of a campaign's time is its commands'
    // start-up and waits on the store, and each backend's yardstick runs its
    // commands one after another.
    let [folder, postgres] = std::thread::scope(|scope| {
        [Backend::Folder, Backend::Postgres]
            .map(|backend| {
                let s = &s;
                scope.spawn(move || {
                    let (campaign, _) = tamperings(s);
                    run_campaign(s, backend, sample(campaign), &[])
                })
            })
            .map(|t| t.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    });
    let mut gaps = folder.gaps;
    gaps.extend(postgres.gaps);
    for ((shape, how, f), (_, _, p)) in folder.counts.iter().zip(&postgres.counts) {
        if f != p && !by_backend(shape, *how) {
            gaps.push(format!(
                "{shape} {}: goes another way in PostgreSQL: (unchanged, exit 5 naming it, \
                 other) {f:?} on a folder, {p:?} in PostgreSQL",
                how.label()
            ));
        }
    }
    no_gaps(gaps);
}
