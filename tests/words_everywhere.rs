//! Every word a user reads, in their language, with labels and never ids.
//!
//! One establishment's story is told with the command (in French, then in
//! English): staff of several professions, one added without the recovery key
//! (keys waiting for approval), a dossier created with a date typed as in
//! France, notes and a correction, a refusal and an emergency access, the
//! person's own access with their remark and objection, a member revoked, the
//! DPO's log, history and report, the person's export. Then `coffre serve`
//! is started in the same language and every page is fetched as the
//! director, a nurse, an educator, the DPO and the person.
//!
//! Everything printed, every page's visible text and the files people are
//! handed (the recovery key file, the export's report) are checked: no
//! message id of the catalog left raw, no category, kind, field, profession,
//! action or status id of the policy, no note id, no ISO date, no command-line
//! option on a web page, and no telltale word of the other language (the
//! names, note texts and establishment typed by people are taken out first:
//! they are what people wrote). A short, explicit list allows the ids people
//! do read: login ids beside names, dossier numbers, and the ids `policy show`
//! and `policy explain` print beside labels because they are what one types.

use crate::util;

use std::path::{Path, PathBuf};

use util::http::{http, set_cookie, Server};
use util::words::checks;
use util::{run_coffre, Opts, Run};

// ------------------------------------------------------------------ the story

const DIR_PASS: &str = "dir-passphrase";
const PERSON_PASS: &str = "person passphrase long enough 2026!";
const EXPORT_PASS: &str = "export-passphrase-long enough 2026!";

/// What people typed: their words are theirs, in whatever language.
const TYPED: &[&str] = &[
    "IME Les Tilleuls",
    "Claire Directrice",
    "Paul Médecin",
    "Nina Garde",
    "Ines Infirmière",
    "Eric Éducateur",
    "Alice Sociale",
    "Denis Délégué",
    "Rémi Remplaçant",
    "Lucas Martin",
    "Groupe des Tilleuls",
    "Léa Nouvelle",
    "Accueil temporaire",
    "Mère",
    "Epilepsie suivie",
    "Allergie pénicilline",
    "Bonne journée en atelier",
    "Nuit calme",
    "Crise nocturne, médecin d'astreinte",
    "Je ne suis pas d'accord avec cette note",
    "Sophie Nouvelle",
];

struct Story {
    _root: tempfile::TempDir,
    dir: PathBuf,
    lang: &'static str,
    dossier: String,
    entry: String,
    /// (where, what people read there).
    said: Vec<(String, String)>,
}

impl Story {
    fn run(
        &mut self,
        step: &str,
        user: Option<&str>,
        pass: Option<&str>,
        new: Option<&str>,
        args: &[&str],
    ) -> Run {
        let r = run_coffre(
            args,
            &Opts {
                vault: Some(&self.dir),
                user,
                pass,
                new_pass: new,
                lang: Some(self.lang),
                ..Opts::default()
            },
        );
        // An HTML report is read as a page.
        let stdout = if step.contains("--format html") {
            visible_text(&r.stdout)
        } else {
            r.stdout.clone()
        };
        self.said
            .push((format!("coffre {step}"), format!("{stdout}\n{}", r.stderr)));
        r
    }

    fn as_user(&mut self, step: &str, user: &str, args: &[&str]) -> Run {
        let pass = if user == "dir" {
            DIR_PASS.to_string()
        } else {
            format!("{user}-passphrase")
        };
        self.run(step, Some(user), Some(&pass), None, args)
    }

    fn heard(&mut self, step: &str, text: String) {
        self.said.push((step.to_string(), text));
    }
}

fn story(lang: &'static str) -> Story {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("vault");
    let recovery = root.path().join("recovery.txt");
    let mut s = Story {
        dir,
        _root: root,
        lang,
        dossier: String::new(),
        entry: String::new(),
        said: Vec::new(),
    };
    let rk = recovery.to_str().unwrap().to_string();
    s.run(
        "init",
        None,
        None,
        Some(DIR_PASS),
        &[
            "init",
            "--establishment",
            "IME Les Tilleuls",
            "--admin-id",
            "dir",
            "--admin-name",
            "Claire Directrice",
            "--recovery-out",
            &rk,
            "--insecure-fast-kdf",
        ],
    )
    .expect_code(0, "init");
    let text = std::fs::read_to_string(&recovery).unwrap();
    s.heard("the recovery key file", text);
    for (id, name, prof) in [
        ("med", "Paul Médecin", "medecin"),
        ("med2", "Nina Garde", "medecin"),
        ("inf", "Ines Infirmière", "infirmier"),
        ("educ", "Eric Éducateur", "educateur-specialise"),
        ("as", "Alice Sociale", "assistant-social"),
        ("dpo", "Denis Délégué", "dpo"),
        ("rem", "Rémi Remplaçant", "infirmier"),
    ] {
        let pass = format!("{id}-passphrase");
        s.run(
            "staff add",
            Some("dir"),
            Some(DIR_PASS),
            Some(&pass),
            &[
                "staff",
                "add",
                "--id",
                id,
                "--name",
                name,
                "--profession",
                prof,
                "--recovery-key",
                &rk,
            ],
        )
        .expect_code(0, "staff add");
    }
    // A new nurse added without the recovery key: keys waiting for approval.
    s.run(
        "staff add (keys to approve)",
        Some("dir"),
        Some(DIR_PASS),
        Some("new-passphrase"),
        &[
            "staff",
            "add",
            "--id",
            "new",
            "--name",
            "Sophie Nouvelle",
            "--profession",
            "infirmier",
        ],
    )
    .expect_code(0, "staff add without the recovery key");
    // Dates as typed in France; a two-digit year is refused, ISO still taken.
    let r = s.as_user(
        "dossier create (two-digit year)",
        "as",
        &[
            "dossier",
            "create",
            "--name",
            "Lucas Martin",
            "--birthdate",
            "14/05/12",
        ],
    );
    r.expect_code(2, "a two-digit year is ambiguous");
    let d = s
        .as_user(
            "dossier create",
            "as",
            &[
                "dossier",
                "create",
                "--name",
                "Lucas Martin",
                "--birthdate",
                "14/05/2012",
            ],
        )
        .ok("a date typed as in France")
        .trim()
        .to_string();
    s.dossier = d.clone();
    let iso = s
        .as_user(
            "dossier create (ISO date)",
            "as",
            &[
                "dossier",
                "create",
                "--name",
                "Nina Garde",
                "--birthdate",
                "2010-01-31",
            ],
        )
        .ok("an ISO date")
        .trim()
        .to_string();
    assert!(iso.starts_with("d-"), "{iso}");
    for m in ["med", "inf", "educ", "rem"] {
        s.as_user("dossier team add", "as", &["dossier", "team", "add", &d, m])
            .expect_code(0, "team add");
    }
    s.as_user("dossier team list", "as", &["dossier", "team", "list", &d])
        .expect_code(0, "team list");
    s.as_user(
        "dossier team remove",
        "as",
        &["dossier", "team", "remove", &d, "rem"],
    )
    .expect_code(0, "team remove");
    s.as_user(
        "dossier team add",
        "as",
        &["dossier", "team", "add", &d, "rem"],
    )
    .expect_code(0, "team add again");
    let e1 = s
        .as_user(
            "entry add",
            "as",
            &[
                "entry",
                "add",
                &d,
                "--kind",
                "admission",
                "--field",
                "reason=Accueil temporaire",
                "--field",
                "contacts=Mère",
            ],
        )
        .ok("admission")
        .trim()
        .to_string();
    s.entry = e1.clone();
    s.as_user(
        "entry amend",
        "med",
        &[
            "entry",
            "amend",
            &e1,
            "--field",
            "medical_context=Epilepsie suivie",
            "--field",
            "alerts=Allergie pénicilline",
        ],
    )
    .expect_code(0, "amend");
    s.as_user(
        "entry add",
        "educ",
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "educational",
            "--field",
            "text=Bonne journée en atelier",
        ],
    )
    .expect_code(0, "educational");
    s.as_user(
        "entry add",
        "inf",
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "daily-life",
            "--field",
            "text=Nuit calme",
        ],
    )
    .expect_code(0, "daily-life");
    for u in ["med", "inf", "educ", "as"] {
        s.as_user("dossier show", u, &["dossier", "show", &d])
            .expect_code(0, "read");
    }
    s.as_user("dossier list", "educ", &["dossier", "list"])
        .expect_code(0, "list");
    s.as_user("dossier find", "educ", &["dossier", "find", "lucas"])
        .expect_code(0, "find");
    s.as_user("entry show", "educ", &["entry", "show", &e1])
        .expect_code(0, "entry show");
    s.as_user("entry history", "med", &["entry", "history", &e1])
        .expect_code(0, "entry history");
    s.as_user("dossier show (refused)", "med2", &["dossier", "show", &d])
        .expect_code(3, "refusal");
    s.as_user(
        "dossier show --break-glass",
        "med2",
        &[
            "dossier",
            "show",
            &d,
            "--break-glass",
            "Crise nocturne, médecin d'astreinte",
        ],
    )
    .expect_code(0, "break-glass");
    s.as_user(
        "policy explain",
        "educ",
        &["policy", "explain", "--dossier", &d],
    )
    .expect_code(0, "explain");
    s.run(
        "wrong passphrase",
        Some("educ"),
        Some("not-the-passphrase"),
        None,
        &["dossier", "list"],
    )
    .expect_code(4, "wrong passphrase");
    // The person's own access, their remark and objection.
    s.run(
        "access grant",
        Some("dir"),
        Some(DIR_PASS),
        Some(PERSON_PASS),
        &["access", "grant", &d, "--recovery-key", &rk],
    )
    .expect_code(0, "access grant");
    s.run(
        "access note",
        None,
        Some(PERSON_PASS),
        None,
        &[
            "access",
            "note",
            &d,
            "--text",
            "Je ne suis pas d'accord avec cette note",
            "--entry",
            &e1,
        ],
    )
    .expect_code(0, "access note");
    s.run(
        "access object",
        None,
        Some(PERSON_PASS),
        None,
        &[
            "access",
            "object",
            &d,
            "--category",
            "educational",
            "--profession",
            "infirmier",
        ],
    )
    .expect_code(0, "access object");
    s.run(
        "access view",
        None,
        Some(PERSON_PASS),
        None,
        &["access", "view", &d],
    )
    .expect_code(0, "access view");
    // The staff, a member revoked.
    s.as_user(
        "staff revoke",
        "dir",
        &["staff", "revoke", "rem", "--recovery-key", &rk],
    )
    .expect_code(0, "revoke");
    s.as_user("staff list", "dir", &["staff", "list"])
        .expect_code(0, "staff list");
    // The DPO's side.
    s.run("audit verify", None, None, None, &["audit", "verify"])
        .expect_code(0, "verify");
    s.as_user("audit log", "dpo", &["audit", "log"])
        .expect_code(0, "audit log");
    s.as_user("audit history", "dpo", &["audit", "history", &d])
        .expect_code(0, "audit history");
    s.as_user("audit report", "dpo", &["audit", "report"])
        .expect_code(0, "report");
    s.as_user(
        "audit report --format html",
        "dpo",
        &["audit", "report", "--format", "html"],
    )
    .expect_code(0, "report html");
    s.as_user("retention due", "dir", &["retention", "due"])
        .expect_code(0, "retention due");
    // The person's export: what they read is its report.html.
    let out = s.dir.parent().unwrap().join("export.age");
    let out = out.to_str().unwrap().to_string();
    s.run(
        "access export",
        Some("dir"),
        Some(DIR_PASS),
        Some(EXPORT_PASS),
        &[
            "access",
            "export",
            &d,
            "--out",
            &out,
            "--passphrase",
            "--recovery-key",
            &rk,
        ],
    )
    .expect_code(0, "export");
    let html = report_html(Path::new(&out), EXPORT_PASS);
    s.heard("the export's report.html", visible_text(&html));
    // The command's own words: its help, command by command.
    for args in help_commands() {
        let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
        a.push("--help");
        let step = a.join(" ");
        s.run(&step, None, None, None, &a).expect_code(0, "help");
    }
    s
}

/// `[]`, `[staff]`, `[staff, add]`…: every command and subcommand, read from
/// the top-level help and each command's.
fn help_commands() -> Vec<Vec<String>> {
    fn subcommands(args: &[String]) -> Vec<String> {
        let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
        a.push("--help");
        let r = run_coffre(
            &a,
            &Opts {
                lang: Some("en"),
                ..Opts::default()
            },
        );
        let mut out = Vec::new();
        let mut in_commands = false;
        for l in r.stdout.lines() {
            if l.trim_end().ends_with(':') && !l.starts_with(' ') {
                in_commands = l.starts_with("Command");
                continue;
            }
            if in_commands {
                if let Some(name) = l.split_whitespace().next() {
                    if name != "help" {
                        out.push(name.to_string());
                    }
                }
            }
        }
        out
    }
    let mut all = vec![Vec::new()];
    for c in subcommands(&[]) {
        let top = vec![c.clone()];
        for s in subcommands(&top) {
            all.push(vec![c.clone(), s]);
        }
        all.push(top);
    }
    assert!(all.len() > 30, "too few commands found: {all:?}");
    all
}

/// The report.html of an export encrypted with `passphrase`.
fn report_html(file: &Path, passphrase: &str) -> String {
    let f = std::fs::File::open(file).unwrap();
    let d = age::Decryptor::new_buffered(std::io::BufReader::new(f)).unwrap();
    let id = age::scrypt::Identity::new(secrecy::SecretString::from(passphrase.to_string()));
    let r = d
        .decrypt(std::iter::once(&id as &dyn age::Identity))
        .unwrap();
    let mut tar = tar::Archive::new(r);
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().ends_with("report.html") {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut e, &mut s).unwrap();
            return s;
        }
    }
    panic!("no report.html in the export");
}

// ------------------------------------------------------------------ the web

/// Starts `coffre serve` in `lang` on the story's vault.
fn serve(s: &Story) -> Server {
    Server::start_with(
        &s.dir,
        &s.dir.parent().unwrap().join("serve.log"),
        &["--lang", s.lang],
    )
}

/// The hidden `csrf` field of a form page.
fn csrf_of(body: &str) -> String {
    body.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf field")
        .to_string()
}

/// Logs in through `path`'s form with `fields`; the session's `Cookie`.
fn login(host: &str, path: &str, fields: &str) -> String {
    let (status, head, body) = http(host, "GET", path, &[], "");
    assert_eq!(status, 200, "GET {path}");
    let nonce = set_cookie(&head, "__Host-coffre-login").expect("login cookie");
    let cookie = format!("__Host-coffre-login={nonce}");
    let origin = format!("http://{host}");
    let (status, head, _) = http(
        host,
        "POST",
        path,
        &[("Cookie", &cookie), ("Origin", &origin)],
        &format!("{fields}&csrf={}", csrf_of(&body)),
    );
    assert_eq!(status, 303, "login at {path}: {head}");
    let session = set_cookie(&head, "__Host-coffre").expect("session cookie");
    format!("__Host-coffre={session}")
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Every page of the web application, as each role, read into the story.
fn walk_the_web(s: &mut Story) {
    let server = serve(s);
    let host = server.host.clone();
    let origin = format!("http://{host}");
    let d = s.dossier.clone();
    let e = s.entry.clone();
    for path in ["/login", "/moi/login", "/no-such-page"] {
        let (_, _, body) = http(&host, "GET", path, &[], "");
        s.heard(&format!("web {path}"), visible_text(&body));
    }
    let pages = [
        "/dossiers".to_string(),
        "/transmissions".to_string(),
        format!("/dossiers/{d}"),
        format!("/dossiers/{d}/pourquoi"),
        format!("/dossiers/{d}/copie-lisible"),
        format!("/dossiers/{d}/equipe"),
        format!("/dossiers/{d}/equipe/educ/retirer"),
        "/dossiers/nouveau".to_string(),
        format!("/dossiers/{d}/acces-personne"),
        format!("/dossiers/{d}/bris-de-glace"),
        format!("/dossiers/{d}/notes/new"),
        format!("/dossiers/{d}/notes/new?kind=daily-life"),
        format!("/notes/{e}/versions"),
        format!("/notes/{e}/amend"),
        "/personnel".to_string(),
        "/personnel/new/revoquer".to_string(),
        "/audit".to_string(),
        format!("/audit/historique?dossier={d}"),
        format!("/audit/historique?dossier={d}&du=01/01/2020&au=31/12/2099&profession=infirmier&action=dossier.read"),
        format!("/audit/historique?dossier={d}&du=14/05/12"),
        format!("/audit/liberer?dossier={d}"),
        "/audit/rapport.html".to_string(),
        "/no-such-page".to_string(),
    ];
    for (user, pass) in [
        ("dir", DIR_PASS.to_string()),
        ("inf", "inf-passphrase".to_string()),
        ("educ", "educ-passphrase".to_string()),
        ("dpo", "dpo-passphrase".to_string()),
        ("med2", "med2-passphrase".to_string()),
    ] {
        let cookie = login(
            &host,
            "/login",
            &format!("user={user}&passphrase={}", enc(&pass)),
        );
        for p in &pages {
            let (status, _, body) = http(&host, "GET", p, &[("Cookie", &cookie)], "");
            if status == 303 {
                continue;
            }
            s.heard(
                &format!("web {p} as {user} ({status})"),
                visible_text(&body),
            );
        }
        // The forms' answers: a name searched, a note refused for an empty
        // field, a break-glass without its reason, a member added.
        let (_, _, page) = http(&host, "GET", "/dossiers", &[("Cookie", &cookie)], "");
        let csrf = csrf_of(&page);
        let post = |path: &str, body: String| {
            http(
                &host,
                "POST",
                path,
                &[("Cookie", &cookie), ("Origin", &origin)],
                &format!("csrf={csrf}&{body}"),
            )
        };
        let mut answers = vec![
            ("POST /dossiers", post("/dossiers", "q=lucas".into())),
            (
                "POST note without text",
                post(
                    &format!("/dossiers/{d}/notes/new"),
                    "kind=daily-life&field.text=".into(),
                ),
            ),
            (
                "POST break-glass without reason",
                post(
                    &format!("/dossiers/{d}/bris-de-glace"),
                    "justification=".into(),
                ),
            ),
            (
                "POST /audit/checkpoint",
                post("/audit/checkpoint", String::new()),
            ),
            (
                "POST /dossiers/nouveau with a two-digit year",
                post(
                    "/dossiers/nouveau",
                    format!("name={}&birthdate=14%2F05%2F12", enc("Léa Nouvelle")),
                ),
            ),
        ];
        if user == "dir" {
            answers.push((
                "POST /personnel",
                post(
                    "/personnel",
                    format!(
                        "id=new2&name={}&profession=infirmier&passphrase={}",
                        enc("Sophie Nouvelle"),
                        enc("another passphrase long enough 2026!")
                    ),
                ),
            ));
            answers.push((
                "POST /dossiers/D/equipe",
                post(&format!("/dossiers/{d}/equipe"), "staff=dpo".into()),
            ));
            answers.push((
                "POST /dossiers/D/equipe/dpo/retirer",
                post(
                    &format!("/dossiers/{d}/equipe/dpo/retirer"),
                    "confirm=oui".into(),
                ),
            ));
            // A new dossier, and the person's sheet for it (the story's
            // dossier keeps the person's credential used below).
            let (status, head, _) = post(
                "/dossiers/nouveau",
                format!(
                    "name={}&birthdate=14%2F05%2F2012&sex=f&admitted=01%2F09%2F2024&unit={}",
                    enc("Léa Nouvelle"),
                    enc("Groupe des Tilleuls")
                ),
            );
            assert_eq!(status, 303, "dossier created on the web: {head}");
            let new = head
                .lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("location"))
                .and_then(|(_, v)| v.trim().strip_prefix("/dossiers/"))
                .expect("led to the new dossier")
                .to_string();
            answers.push((
                "GET /dossiers/NEW (made on the web)",
                http(
                    &host,
                    "GET",
                    &format!("/dossiers/{new}"),
                    &[("Cookie", &cookie)],
                    "",
                ),
            ));
            answers.push((
                "GET /dossiers/NEW/acces-personne",
                http(
                    &host,
                    "GET",
                    &format!("/dossiers/{new}/acces-personne"),
                    &[("Cookie", &cookie)],
                    "",
                ),
            ));
            answers.push((
                "POST /dossiers/NEW/acces-personne (the sheet)",
                post(
                    &format!("/dossiers/{new}/acces-personne"),
                    "confirm=oui".into(),
                ),
            ));
        }
        if user == "inf" {
            answers.push((
                "POST approve",
                post("/personnel/new/approuver", String::new()),
            ));
        }
        for (what, (status, _, body)) in answers {
            if status == 303 || body.is_empty() {
                continue;
            }
            if what == "POST /audit/checkpoint" {
                continue; // a file to keep, in the format of the log's checkpoints
            }
            s.heard(
                &format!("web {what} as {user} ({status})"),
                visible_text(&body),
            );
        }
    }
    // The person.
    let cookie = login(
        &host,
        "/moi/login",
        &format!("dossier={d}&passphrase={}", enc(PERSON_PASS)),
    );
    let (_, _, page) = http(&host, "GET", "/moi", &[("Cookie", &cookie)], "");
    s.heard("web /moi as the person", visible_text(&page));
    let csrf = csrf_of(&page);
    let (_, _, body) = http(
        &host,
        "POST",
        "/moi/objection",
        &[("Cookie", &cookie), ("Origin", &origin)],
        &format!("csrf={csrf}&category=psy-synthesis&profession=educateur-specialise"),
    );
    s.heard("web POST /moi/objection as the person", visible_text(&body));
    for p in [
        "/dossiers",
        "/no-such-page",
        "/moi?page=2&acces=2",
        "/moi/copie-lisible",
    ] {
        let (status, _, body) = http(&host, "GET", p, &[("Cookie", &cookie)], "");
        if status != 303 {
            s.heard(
                &format!("web {p} as the person ({status})"),
                visible_text(&body),
            );
        }
    }
    drop(server);
}

/// What a person reads of an HTML page: its text, and the attributes shown
/// (`title`, `alt`, `aria-label`, `placeholder`, a button's `value`);
/// entities decoded. Markup, ids in `href`, `data-*` and form values are not
/// read by anyone.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        for attr in ["title", "alt", "aria-label", "placeholder"] {
            let key = format!(" {attr}=\"");
            if let Some(at) = tag.find(&key) {
                let v = &tag[at + key.len()..];
                out.push(' ');
                out.push_str(v.split('"').next().unwrap_or(""));
                out.push(' ');
            }
        }
        rest = &rest[lt + gt + 1..];
        if (name == "style" || name == "script") && !tag.starts_with('/') {
            let close = format!("</{name}");
            rest = rest.find(&close).map(|i| &rest[i..]).unwrap_or("");
        }
        out.push(' ');
    }
    out.push_str(rest);
    out.replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

fn check(lang: &'static str) {
    let mut s = story(lang);
    walk_the_web(&mut s);
    let c = checks(lang, TYPED);
    // `COFFRE_WORDS_DUMP=FILE`: everything read, to look at.
    if let Some(f) = std::env::var_os("COFFRE_WORDS_DUMP") {
        let all: Vec<String> = s
            .said
            .iter()
            .map(|(w, t)| format!("=== {w}\n{t}"))
            .collect();
        std::fs::write(f, all.join("\n")).unwrap();
    }
    assert!(
        c.foreign.len() > 50,
        "too few telltales: {}",
        c.foreign.len()
    );
    let problems: Vec<String> = s
        .said
        .iter()
        .flat_map(|(step, text)| c.problems(step, text))
        .collect();
    let web_pages = s.said.iter().filter(|(s, _)| s.starts_with("web ")).count();
    assert!(web_pages > 60, "only {web_pages} pages read");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn french_everywhere_a_user_reads() {
    check("fr");
}

#[test]
fn english_everywhere_with_lang_en() {
    check("en");
}

#[test]
fn the_checks_catch_the_faults_they_are_for() {
    let fr = checks("fr", TYPED);
    for (bad, why) in [
        (
            "« Specialised educator » ne peut pas écrire",
            "an English label",
        ),
        ("Statut : revoked", "an English status"),
        ("clés en attente : cat:care", "a key id"),
        ("a lu access.grant", "an action id"),
        ("le 2012-05-14", "an ISO date"),
        ("note e-6620288eab53ab", "a note id"),
        ("par person.d-699c4f27ab", "a person's id"),
        ("conservé 1 year", "an English word"),
        ("web-explain-title", "a message id"),
        ("catégorie daily-life", "a category id"),
    ] {
        assert!(
            !fr.problems("coffre x", bad).is_empty(),
            "{why} not caught: {bad}"
        );
    }
    assert!(!fr
        .problems(
            "web /x",
            "en cas d'urgence : --break-glass \"justification\""
        )
        .is_empty());
    assert!(fr
        .problems(
            "web /x",
            "Claire Directrice (dir), dossier d-699c4f27ab, le 14/05/2012"
        )
        .is_empty());
    let en = checks("en", TYPED);
    assert!(!en
        .problems("coffre x", "« Éducateur·rice spécialisé·e » may not write")
        .is_empty());
    assert!(!en
        .problems("coffre x", "kept for 1 an, le 14/05")
        .is_empty());
}
