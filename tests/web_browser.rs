//! Black-box tests of `coffre serve` in a real headless Chromium (Debian's
//! `chromium`, driven over the DevTools protocol): a vault built with the CLI,
//! the server started on a free port of the loopback, and people of several
//! professions using it as they would. What each one sees is checked field by
//! field against what the CLI shows the same member of the same dossier (itself
//! checked against the policy's matrix by `cli_story`); forms, CSRF, headers,
//! escaping, break-glass, the person's portal and the DPO's pages are attacked or
//! used through the browser, and the markers typed in it are then looked for in
//! every file of the vault.

use crate::util;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::Value;
use util::{contains_bytes, files_under, marker, Opts, TestVault, COFFRE};

/// `coffre serve` on 127.0.0.1:0, its log (standard error) kept in a file.
struct Server {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Server {
    fn start(v: &TestVault) -> Server {
        Self::start_with(v, &[])
    }

    fn start_with(v: &TestVault, extra: &[&str]) -> Server {
        let log = v.root.path().join("serve.log");
        let mut child = Command::new(COFFRE)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env_remove("COFFRE_USER")
            .env_remove("COFFRE_PASSPHRASE")
            .env_remove("COFFRE_LANG")
            .env("COFFRE_VAULT", &v.dir)
            .env("LANG", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("cannot start coffre serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().trim_end_matches('/').to_string();
        assert!(
            url.starts_with("http://127.0.0.1:") || url.starts_with("https://127.0.0.1:"),
            "no URL printed: {line:?}; log: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        Server { child, url, log }
    }

    fn host(&self) -> String {
        self.url
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .to_string()
    }

    /// SIGTERM, then the exit status (0 expected: a clean shutdown).
    fn stop(&mut self) -> i32 {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..100 {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s.code().unwrap_or(-1);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        -1
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw HTTP/1.1 exchange (for what a browser will not send: a wrong Host, a
/// forged form): (status, headers lower-cased, body).
fn http(
    host: &str,
    method: &str,
    path: &str,
    extra: &[(&str, &str)],
    body: &str,
) -> (u16, BTreeMap<String, String>, String) {
    let mut s = std::net::TcpStream::connect(host).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !extra.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {host}\r\n"));
    }
    for (k, v) in extra {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST" {
        req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

fn browser() -> Browser {
    let path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("chromium is not installed: run the suite with `./test`, which installs it (or `apt-get install chromium`)");
    Browser::new(
        LaunchOptions::default_builder()
            .path(Some(path))
            .headless(true)
            .sandbox(false)
            .window_size(Some((768, 1024)))
            .idle_browser_timeout(Duration::from_secs(600))
            .build()
            .unwrap(),
    )
    .unwrap()
}

/// With `COFFRE_SCREENSHOTS=DIR`, saves the page as `DIR/NAME.png` (the
/// README's pictures are made this way; a tablet's width).
fn shot(tab: &Tab, name: &str) {
    if let Ok(dir) = std::env::var("COFFRE_SCREENSHOTS") {
        use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
        let png = tab
            .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
            .unwrap();
        // Parts of the story run at once and several take the same
        // picture (the login page): each is written whole, then renamed.
        let path = PathBuf::from(dir).join(format!("{name}.png"));
        let part = path.with_extension(format!("png.{:?}", std::thread::current().id()));
        std::fs::write(&part, png).unwrap();
        std::fs::rename(&part, &path).unwrap();
    }
}

/// axe-core (`npm install --prefix target/axe axe-core@4`, done by `./test`),
/// the reference accessibility checker; `COFFRE_AXE_JS` may name its file.
fn axe_source() -> Option<String> {
    let path = std::env::var("COFFRE_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/axe/node_modules/axe-core/axe.min.js")
        });
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!(
                "axe-core is missing at {} (`./test` installs it)",
                path.display()
            )
        }
        Err(_) => {
            eprintln!("axe-core not installed: accessibility not checked (npm install --prefix target/axe axe-core@4)");
            None
        }
    }
}

/// Runs axe-core on the page: no serious or critical violation of WCAG 2.1
/// A/AA rules.
fn check_accessibility(tab: &Tab, axe: &Option<String>, page: &str) {
    let Some(src) = axe else { return };
    eval(tab, src);
    let r = tab
        .evaluate(
            "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}).then(r => JSON.stringify({passes: r.passes.length, bad: r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' '))])}))",
            true,
        )
        .unwrap();
    let found: Value = serde_json::from_str(
        &r.value
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
    )
    .unwrap();
    assert!(
        found["passes"].as_u64().unwrap_or(0) > 0,
        "{page}: axe checked nothing"
    );
    let found = found["bad"].to_string();
    assert_eq!(found, "[]", "{page}: accessibility violations (axe-core)");
}

fn eval(tab: &Tab, js: &str) -> Value {
    tab.evaluate(js, false)
        .unwrap_or_else(|e| panic!("evaluate {js}: {e}"))
        .value
        .unwrap_or(Value::Null)
}

fn text(tab: &Tab) -> String {
    eval(tab, "document.body.innerText")
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn goto(tab: &Tab, url: &str) {
    tab.navigate_to(url).unwrap();
    tab.wait_until_navigated().unwrap();
}

/// Sets a form input's value (as pasting would) by its CSS selector.
fn set(tab: &Tab, selector: &str, value: &str) {
    let js = format!(
        "document.querySelector({}).value = {}",
        serde_json::to_string(selector).unwrap(),
        serde_json::to_string(value).unwrap()
    );
    eval(tab, &js);
}

/// Clicks the element and waits for the page it leads to: a new document
/// (the old one was marked), fully loaded.
fn click(tab: &Tab, selector: &str) {
    eval(tab, "window.__coffre_old_page = true");
    tab.wait_for_element(selector).unwrap().click().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let done = tab
            .evaluate(
                "typeof window.__coffre_old_page === 'undefined' && document.readyState === 'complete'",
                false,
            )
            .ok()
            .and_then(|r| r.value)
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if done {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "clicking {selector} led to no new page"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Logs `user` in, in a new browser context (its own cookies).
fn login(b: &Browser, s: &Server, user: &str, pass: &str) -> Arc<Tab> {
    let ctx = b.new_context().unwrap();
    let tab = ctx.new_tab().unwrap();
    goto(&tab, &format!("{}/login", s.url));
    if user == "dir.martin" {
        shot(&tab, "login");
        check_accessibility(&tab, &axe_source(), "login");
    }
    tab.wait_for_element("#user").unwrap().click().unwrap();
    tab.type_str(user).unwrap();
    set(&tab, "#passphrase", pass);
    click(&tab, "form.card button[type=submit]");
    assert!(
        tab.get_url().ends_with("/dossiers"),
        "{user}: login did not lead to the dossiers but to {}: {}\nserver log:\n{}",
        tab.get_url(),
        text(&tab),
        std::fs::read_to_string(&s.log).unwrap_or_default()
    );
    tab
}

/// The fields of every entry on the page: entry → field → (category,
/// withheld reason or None, value or None).
type Seen = BTreeMap<String, BTreeMap<String, (String, Option<String>, Option<String>)>>;

fn seen_on_page(tab: &Tab) -> Seen {
    let js = r#"JSON.stringify([...document.querySelectorAll('[data-entry]')].map(a => [a.dataset.entry,
        [...a.querySelectorAll('[data-field]')].map(f => [f.dataset.field, f.dataset.category,
          f.dataset.withheld || null, f.querySelector('.value') ? f.querySelector('.value').textContent : null])]))"#;
    let v: Value = serde_json::from_str(eval(tab, js).as_str().unwrap()).unwrap();
    let mut out = Seen::new();
    for e in v.as_array().unwrap() {
        let mut fields = BTreeMap::new();
        for f in e[1].as_array().unwrap() {
            fields.insert(
                f[0].as_str().unwrap().to_string(),
                (
                    f[1].as_str().unwrap().to_string(),
                    f[2].as_str().map(str::to_string),
                    f[3].as_str().map(str::to_string),
                ),
            );
        }
        out.insert(e[0].as_str().unwrap().to_string(), fields);
    }
    out
}

/// The same, from the CLI's `dossier show --json`.
fn seen_by_cli(v: &TestVault, user: &str, dossier: &str) -> Seen {
    let j = v
        .as_user(user, &["--json", "dossier", "show", dossier])
        .json();
    let mut out = Seen::new();
    for e in j["entries"].as_array().unwrap() {
        let mut fields = BTreeMap::new();
        let id = e["id"].as_str().unwrap().to_string();
        // The CLI's JSON gives values without categories; the categories come
        // from the kind (one field `text` of the kind's own category).
        let kind = e["kind"].as_str().unwrap();
        for (name, value) in e["fields"].as_object().unwrap() {
            fields.insert(
                name.clone(),
                (
                    kind.to_string(),
                    None,
                    Some(value.as_str().unwrap().to_string()),
                ),
            );
        }
        for w in e["withheld"].as_array().unwrap() {
            fields.insert(
                w["field"].as_str().unwrap().to_string(),
                (
                    w["category"].as_str().unwrap().to_string(),
                    Some(w["reason"].as_str().unwrap().to_string()),
                    None,
                ),
            );
        }
        out.insert(id, fields);
    }
    out
}

/// The staff of the story: (id, profession).
const STAFF: &[(&str, &str)] = &[
    ("dr.web", "medecin"),
    ("inf.web", "infirmier"),
    ("psy.web", "psychologue"),
    ("as.web", "assistant-social"),
    ("edu.web", "educateur-specialise"),
    ("dpo.web", "dpo"),
];

/// The vault of the story: the staff, one dossier whose team is every
/// carer, one entry of each kind, the person's own access.
struct Story {
    v: TestVault,
    dossier: String,
    person_name: String,
}

const PERSON_PASS: &str = "person-web-passphrase-1";

impl Story {
    fn new() -> Story {
        Self::with_policy(include_str!("../policies/default.toml"))
    }

    fn with_policy(policy: &str) -> Story {
        let mut v = TestVault::with_policy(policy);
        for (id, prof) in STAFF {
            v.add_staff(id, &format!("Web {id}"), prof, true);
        }
        let person_name = marker("Nom");
        let dossier = v.create_dossier("as.web", &format!("Camille {person_name}"), "2001-02-03");
        for (id, _) in STAFF
            .iter()
            .filter(|(id, _)| *id != "as.web" && *id != "dpo.web")
        {
            v.team_add("as.web", &dossier, id);
        }
        // One entry of each kind, by a profession that writes it.
        let written: &[(&str, &str)] = &[
            // The oldest note, at the bottom of the dossier: its alert is pinned
            // at the top.
            ("inf.web", "care-alerts"),
            ("dr.web", "medical"),
            ("inf.web", "care"),
            ("psy.web", "psy-notes"),
            ("psy.web", "psy-synthesis"),
            ("as.web", "social"),
            ("as.web", "financial"),
            ("edu.web", "daily-life"),
            ("edu.web", "third-party"),
        ];
        for (author, kind) in written {
            let text = format!("text={}", marker(&format!("cli-{kind}-")));
            v.add_entry(author, &dossier, kind, &[&text]);
        }
        // The person's own access, with the recovery key.
        util::run_coffre(
            &[
                "--user",
                "dir.martin",
                "access",
                "grant",
                &dossier,
                "--recovery-key",
                v.recovery.to_str().unwrap(),
            ],
            &Opts {
                vault: Some(&v.dir),
                pass: Some(v.pass("dir.martin")),
                new_pass: Some(PERSON_PASS),
                ..Opts::default()
            },
        )
        .expect_code(0, "access grant");
        Story {
            v,
            dossier,
            person_name,
        }
    }

    /// Stops the server (a clean shutdown), then: nothing typed in the
    /// browser (`secrets`, and the person's name) is in the server's log or
    /// in any file of the vault, the log holds no dossier id, and the vault
    /// verifies. Returns the log.
    fn finish(&self, b: Browser, mut server: Server, secrets: &[&str]) -> String {
        drop(b);
        assert_eq!(server.stop(), 0, "clean shutdown");
        let log = std::fs::read_to_string(&server.log).unwrap();
        let files: Vec<_> = files_under(self.v.root.path())
            .into_iter()
            .filter(|f| *f != server.log)
            .map(|f| (std::fs::read(&f).unwrap(), f))
            .collect();
        for secret in secrets.iter().copied().chain([self.person_name.as_str()]) {
            assert!(!log.contains(secret), "the server log holds {secret}");
            for (bytes, f) in &files {
                assert!(
                    !contains_bytes(bytes, secret.as_bytes()),
                    "{secret} found in {}",
                    f.display()
                );
            }
        }
        assert!(!log.contains(&self.dossier), "the log holds no id");
        self.v
            .verify()
            .expect_code(0, "audit verify after the web session");
        log
    }
}

/// The web application in a real browser: each part of the story below
/// runs on a vault, server and browser of its own, all at once (a browser
/// spends most of its time waiting on the server and on its own protocol,
/// not computing).
#[test]
fn the_web_application_in_a_real_browser() {
    let parts: &[(&str, fn())] = &[
        (
            "every profession",
            every_profession_sees_what_the_cli_shows_it,
        ),
        ("long dossier", a_long_dossier_is_read_a_page_at_a_time),
        ("typed note", a_note_typed_in_the_browser),
        (
            "login throttle",
            the_login_throttle_holds_an_account_not_a_workstation,
        ),
        ("break-glass", break_glass_and_the_dpo_sees_it),
        ("staff", the_director_manages_staff_and_the_care_team),
        ("the person", the_person_reads_their_file_and_adds_a_remark),
        ("headers", headers_and_the_host_check),
        ("idle session", an_idle_session_ends),
        ("daily pages", the_days_pages_at_a_desk_and_on_a_phone),
    ];
    std::thread::scope(|scope| {
        let running: Vec<_> = parts
            .iter()
            .map(|(name, part)| {
                std::thread::Builder::new()
                    .name(name.to_string())
                    .spawn_scoped(scope, move || {
                        let t0 = std::time::Instant::now();
                        part();
                        println!("{name}: {:.1?}", t0.elapsed());
                    })
                    .unwrap()
            })
            .collect();
        let failed: Vec<&str> = running
            .into_iter()
            .zip(parts)
            .filter_map(|(t, (name, _))| t.join().is_err().then_some(*name))
            .collect();
        assert!(failed.is_empty(), "parts that failed: {failed:?}");
    });
}

/// The matrix: every profession sees what the CLI shows it, no more.
fn every_profession_sees_what_the_cli_shows_it() {
    let s = Story::new();
    let (v, dossier) = (&s.v, &s.dossier);
    // What the CLI shows each member (before the server holds the vault).
    let mut cli_seen = BTreeMap::new();
    for (id, _) in STAFF.iter().filter(|(id, _)| *id != "dpo.web") {
        cli_seen.insert(*id, seen_by_cli(v, id, dossier));
    }
    let server = Server::start(v);
    let b = browser();
    let axe = axe_source();
    for (id, prof) in STAFF {
        let tab = login(&b, &server, id, v.pass(id));
        assert_eq!(eval(&tab, "document.documentElement.lang"), "fr");
        goto(&tab, &format!("{}/dossiers/{dossier}", server.url));
        if *prof == "dpo" {
            assert!(
                tab.find_element("[data-entry]").is_err(),
                "the DPO must see no entry"
            );
            assert!(text(&tab).contains("Action impossible"), "{}", text(&tab));
            continue;
        }
        if *id == "edu.web" {
            check_accessibility(&tab, &axe, "dossier");
            goto(&tab, &format!("{}/dossiers", server.url));
            check_accessibility(&tab, &axe, "dossiers");
            goto(&tab, &format!("{}/dossiers/{dossier}", server.url));
        }
        let page = seen_on_page(&tab);
        let cli = &cli_seen[id];
        assert_eq!(
            page.keys().collect::<BTreeSet<_>>(),
            cli.keys().collect::<BTreeSet<_>>(),
            "{id}: entries"
        );
        for (entry, fields) in cli {
            for (name, (_, withheld, value)) in fields {
                let (_, w, val) = &page[entry][name];
                assert_eq!(
                    w, withheld,
                    "{id} ({prof}): withheld reason of {entry}.{name}"
                );
                assert_eq!(val, value, "{id} ({prof}): value of {entry}.{name}");
            }
            assert_eq!(page[entry].len(), fields.len(), "{id}: fields of {entry}");
        }
        // The headline cases, stated plainly.
        let page_text = text(&tab);
        let medical_visible = page_text.contains("cli-medical-");
        assert_eq!(
            medical_visible,
            matches!(*prof, "medecin" | "infirmier"),
            "{id} ({prof}): medical text"
        );
        assert_eq!(
            page_text.contains("cli-psy-notes-"),
            *id == "psy.web",
            "{id}: the psychologist's own notes"
        );
        assert!(
            tab.find_element("[data-withheld]").is_ok(),
            "{id}: withheld fields are shown, not hidden"
        );
    }
    let log = s.finish(b, server, &[]);
    assert!(
        log.contains("GET /dossiers/{dossier} 200"),
        "the log names route templates: {log}"
    );
    // One audit entry per dossier page, as for the CLI: the doctor read the
    // dossier once with the CLI and once in the browser.
    let reads = v.audit_log(
        "dpo.web",
        &[
            "--actor",
            "dr.web",
            "--action",
            "dossier.read",
            "--dossier",
            dossier,
        ],
    );
    assert_eq!(reads.len(), 2, "{reads:?}");
}

/// A long dossier is read a page at a time, newest first, and filtered.
fn a_long_dossier_is_read_a_page_at_a_time() {
    let s = Story::new();
    let v = &s.v;
    let long = v.create_dossier("as.web", "Paginé Exemple", "2003-04-05");
    let lines: String = (0..120)
        .map(|i| {
            format!(
                "{{\"dossier\":\"{long}\",\"kind\":\"social\",\"fields\":{{\"text\":\"page-note-{i:03}\"}}}}\n"
            )
        })
        .collect();
    let import = v.root.path().join("long.jsonl");
    std::fs::write(&import, lines).unwrap();
    v.as_user("as.web", &["entry", "import", import.to_str().unwrap()])
        .expect_code(0, "import 120 notes");
    v.add_entry("as.web", &long, "financial", &["text=le seul budget"]);
    let server = Server::start(v);
    let b = browser();
    let axe = axe_source();
    let social = login(&b, &server, "as.web", v.pass("as.web"));
    goto(&social, &format!("{}/dossiers/{long}", server.url));
    let mut seen_notes = BTreeSet::new();
    for page in 1..=3 {
        let count = eval(&social, "document.querySelectorAll('article.entry').length");
        let expected = if page < 3 { 50 } else { 21 };
        assert_eq!(count, expected, "page {page}: {}", text(&social));
        let on_page = eval(
            &social,
            "[...document.querySelectorAll('article.entry')].map(a => a.textContent).join('\\n')",
        );
        for w in on_page.as_str().unwrap_or("").split_whitespace() {
            if w.starts_with("page-note-") {
                seen_notes.insert(w.to_string());
            }
        }
        assert_eq!(
            social.find_element("#newer").is_ok(),
            page > 1,
            "page {page}: a link to newer notes"
        );
        if page < 3 {
            click(&social, "#older");
        } else {
            assert!(social.find_element("#older").is_err());
        }
    }
    assert_eq!(seen_notes.len(), 120, "every note on one page or another");
    check_accessibility(&social, &axe, "a page of a long dossier");
    // Filtered by kind: the one financial note, and the summary says so.
    goto(&social, &format!("{}/dossiers/{long}", server.url));
    set(&social, "#f-kind", "financial");
    click(&social, "form.filters button[type=submit]");
    assert_eq!(
        eval(&social, "document.querySelectorAll('article.entry').length"),
        1
    );
    assert!(
        text(&social).contains("filtrées parmi 121"),
        "{}",
        text(&social)
    );
    s.finish(b, server, &[]);
}

/// An educator writes a note typed in the browser, with HTML in it, and
/// amends it; forms without their token are refused; logging out ends the
/// session.
fn a_note_typed_in_the_browser() {
    let s = Story::new();
    let (v, dossier) = (&s.v, &s.dossier);
    let server = Server::start(v);
    let b = browser();
    let axe = axe_source();
    let typed = marker("Tape");
    let hostile = format!(
        "{typed} <script>window.__pwned = 1; document.title = 'pwned'</script><img src=x onerror=\"window.__pwned=2\"><b>gras</b>"
    );
    let edu = login(&b, &server, "edu.web", v.pass("edu.web"));
    // Menus offer what the profession may do: no DPO workspace for an
    // educator (opening it would only record a refusal under her name), and
    // the staff page without the forms that add, change or revoke members.
    assert_eq!(
        eval(
            &edu,
            "document.querySelectorAll('nav a[href=\"/audit\"]').length"
        ),
        0,
        "{}",
        text(&edu)
    );
    goto(&edu, &format!("{}/personnel", server.url));
    assert_eq!(
        eval(
            &edu,
            "document.querySelectorAll('form[action$=revoquer], form[action$=profession], #new-id').length"
        ),
        0,
        "{}",
        text(&edu)
    );
    // Care alerts are pinned above every note, however old their note is.
    goto(&edu, &format!("{}/dossiers/{dossier}", server.url));
    let pinned = eval(
        &edu,
        "(() => { const a = document.querySelector('#alerts'); \
           const first = document.querySelector('article.entry'); \
           return a && first && (a.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING) \
             ? a.textContent : ''; })()",
    );
    assert!(
        pinned.as_str().unwrap_or("").contains("cli-care-alerts-"),
        "the care alert above the notes: {pinned} / {}",
        text(&edu)
    );
    // Until a kind is chosen there is no form that could save a note; once
    // it is, the page names it and offers no other kind beside the fields
    // (a list of kinds beside a form saved the first kind when another was
    // picked but not confirmed).
    goto(
        &edu,
        &format!("{}/dossiers/{dossier}/notes/new", server.url),
    );
    edu.wait_for_element("select#kind").unwrap();
    assert_eq!(
        eval(
            &edu,
            "document.querySelectorAll('#note-form, textarea').length"
        ),
        0,
        "a note form before a kind is chosen: {}",
        text(&edu)
    );
    set(&edu, "select#kind", "educational");
    click(&edu, "form[method=get] button[type=submit]");
    edu.wait_for_element("#note-form").unwrap();
    assert_eq!(eval(&edu, "document.querySelectorAll('select').length"), 0);
    assert_eq!(
        eval(
            &edu,
            "document.querySelector('#note-form input[name=kind]').value"
        ),
        "educational"
    );
    assert!(
        !eval(&edu, "document.querySelector('#chosen-kind').textContent")
            .as_str()
            .unwrap_or("")
            .is_empty()
    );
    goto(
        &edu,
        &format!(
            "{}/dossiers/{dossier}/notes/new?kind=daily-life",
            server.url
        ),
    );
    edu.wait_for_element("textarea[name='field.text']")
        .unwrap()
        .click()
        .unwrap();
    // Inserted as one piece of text (`Input.insertText`, what typing a
    // character without a key of its own does): key by key, this note took
    // half a minute of the protocol's round trips.
    edu.send_character(&hostile).unwrap();
    shot(&edu, "note");
    check_accessibility(&edu, &axe, "note form");
    click(&edu, "#note-form button[type=submit]");
    assert!(
        edu.get_url().contains(&format!("/dossiers/{dossier}")),
        "after writing: {} {}",
        edu.get_url(),
        text(&edu)
    );
    let page_text = text(&edu);
    assert!(
        page_text.contains(&hostile),
        "the note is shown as text, exactly as typed"
    );
    assert_eq!(eval(&edu, "typeof window.__pwned"), "undefined");
    assert_eq!(eval(&edu, "document.scripts.length"), 0);
    assert_eq!(
        eval(&edu, "document.querySelectorAll('main b, main img').length"),
        0
    );
    let new_entry = eval(
        &edu,
        &format!(
            "[...document.querySelectorAll('[data-entry]')].find(a => a.textContent.includes('{typed}')).dataset.entry"
        ),
    )
    .as_str()
    .unwrap()
    .to_string();

    // ---- and amends it: a second version; the first is kept.
    let amended = marker("Corrige");
    goto(&edu, &format!("{}/notes/{new_entry}/amend", server.url));
    set(
        &edu,
        "textarea[name='field.text']",
        &format!("{amended} corrigé"),
    );
    click(&edu, "#note-form button[type=submit]");
    let page_text = text(&edu);
    shot(&edu, "dossier");
    assert!(page_text.contains(&amended), "the amended text is shown");
    assert!(
        !page_text.contains(&typed),
        "the dossier shows the latest version"
    );
    goto(&edu, &format!("{}/notes/{new_entry}/versions", server.url));
    let versions = text(&edu);
    assert!(
        versions.contains(&amended) && versions.contains(&typed),
        "{versions}"
    );
    assert_eq!(
        eval(&edu, "document.querySelectorAll('[data-version]').length"),
        2
    );

    // ---- CSRF: a form with a wrong token, or none, is refused and writes nothing.
    let refused = marker("Refuse");
    for tamper in [
        "document.querySelector('#note-form input[name=csrf]').value = 'bad'",
        "document.querySelector('#note-form input[name=csrf]').remove()",
    ] {
        goto(
            &edu,
            &format!(
                "{}/dossiers/{dossier}/notes/new?kind=daily-life",
                server.url
            ),
        );
        set(&edu, "textarea[name='field.text']", &refused);
        eval(&edu, tamper);
        click(&edu, "#note-form button[type=submit]");
        assert!(
            text(&edu).contains("Formulaire refusé"),
            "{tamper}: {}",
            text(&edu)
        );
    }
    goto(&edu, &format!("{}/dossiers/{dossier}", server.url));
    assert!(
        !text(&edu).contains(&refused),
        "a refused form wrote a note"
    );
    // A forged POST from elsewhere, with the victim's cookie but no token.
    let cookie = edu
        .get_cookies()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "__Host-coffre")
        .expect("the session cookie");
    assert!(cookie.http_only, "the session cookie is HttpOnly");
    assert_eq!(cookie.path, "/");
    let cookie_header = format!("__Host-coffre={}", cookie.value);
    let (status, _, _) = http(
        &server.host(),
        "POST",
        &format!("/dossiers/{dossier}/notes/new"),
        &[
            ("Cookie", &cookie_header),
            ("Origin", "http://evil.example"),
        ],
        &format!("kind=daily-life&field.text={refused}"),
    );
    assert_eq!(status, 403, "a cross-site POST");

    // ---- logout: the next request asks to log in again.
    click(&edu, "form.logout button[type=submit]");
    assert!(edu.get_url().ends_with("/login"), "{}", edu.get_url());
    goto(&edu, &format!("{}/dossiers/{dossier}", server.url));
    assert!(
        edu.get_url().ends_with("/login"),
        "after logout: {}",
        edu.get_url()
    );
    let (status, headers, _) = http(
        &server.host(),
        "GET",
        &format!("/dossiers/{dossier}"),
        &[("Cookie", &cookie_header)],
        "",
    );
    assert_eq!(status, 303, "the old cookie opens nothing");
    assert_eq!(headers.get("location").map(String::as_str), Some("/login"));

    s.finish(b, server, &[&typed, &amended]);
    // The CLI sees the web's writes.
    let after = v
        .as_user("edu.web", &["--json", "dossier", "show", dossier])
        .json();
    let e = util::entry_by_id(&after, &new_entry);
    assert_eq!(e["version"], 2);
    assert_eq!(e["fields"]["text"], format!("{amended} corrigé"));
}

/// The login throttle counts per account and client: a colleague's mistakes
/// on this workstation (the same address) hold her account, not the
/// director's.
fn the_login_throttle_holds_an_account_not_a_workstation() {
    let s = Story::new();
    let v = &s.v;
    let server = Server::start(v);
    let b = browser();
    let ctx = b.new_context().unwrap();
    let wrong = ctx.new_tab().unwrap();
    for attempt in 0..6 {
        goto(&wrong, &format!("{}/login", server.url));
        set(&wrong, "#user", "edu.web");
        set(&wrong, "#passphrase", "not her passphrase at all");
        click(&wrong, "form.card button[type=submit]");
        assert!(wrong.get_url().ends_with("/login"), "attempt {attempt}");
    }
    let held = text(&wrong);
    assert!(
        held.contains("tentatives"),
        "the sixth attempt waits: {held}"
    );

    login(&b, &server, "dir.martin", v.pass("dir.martin"));
    s.finish(b, server, &[]);
}

/// Break-glass: the director is outside the care team, finds the dossier by
/// a search and opens it with a justification; the DPO sees it.
fn break_glass_and_the_dpo_sees_it() {
    let s = Story::new();
    let (v, dossier, person_name) = (&s.v, s.dossier.as_str(), s.person_name.as_str());
    let server = Server::start(v);
    let b = browser();
    let axe = axe_source();
    let dir = login(&b, &server, "dir.martin", v.pass("dir.martin"));
    goto(&dir, &format!("{}/dossiers/{dossier}", server.url));
    assert!(dir.find_element("#break-glass-banner").is_err());
    // Found by a search: the result names no one outside the team, and the
    // break-glass form says which file it opens (its number and the words
    // searched, which stay in the box and never reach the address).
    goto(&dir, &format!("{}/dossiers", server.url));
    set(&dir, "#q", person_name);
    click(&dir, "form.search button[type=submit]");
    assert_eq!(
        eval(&dir, "document.querySelector('#q').value"),
        person_name,
        "the search keeps its words"
    );
    assert!(!dir.get_url().contains(person_name));
    click(
        &dir,
        &format!("form[action='/dossiers/{dossier}/bris-de-glace/demande'] button"),
    );
    let names = eval(
        &dir,
        "document.querySelector('#break-glass-names').textContent",
    );
    let names = names.as_str().unwrap_or("");
    assert!(
        names.contains(dossier) && names.contains(person_name),
        "the form names the file: {names}"
    );
    assert!(!dir.get_url().contains(person_name));
    // A search that finds nothing says so, with the words searched.
    let nobody = marker("Personne");
    goto(&dir, &format!("{}/dossiers", server.url));
    set(&dir, "#q", &nobody);
    click(&dir, "form.search button[type=submit]");
    assert!(
        text(&dir).contains(&format!("Aucun dossier pour « {nobody} »")),
        "{}",
        text(&dir)
    );
    goto(&dir, &format!("{}/dossiers/{dossier}", server.url));
    click(
        &dir,
        &format!("a[href='/dossiers/{dossier}/bris-de-glace']"),
    );
    let justification = marker("Urgence");
    // Blank (the browser's own check taken away): refused by the library.
    eval(
        &dir,
        "document.querySelector('#justification').removeAttribute('required')",
    );
    set(&dir, "#justification", "   ");
    click(&dir, "form.card button[type=submit]");
    assert!(
        dir.find_element("#break-glass-banner").is_err(),
        "no justification, no access"
    );
    set(
        &dir,
        "#justification",
        &format!("Chute la nuit {justification}"),
    );
    click(&dir, "form.card button[type=submit]");
    dir.wait_for_element("#break-glass-banner").unwrap();
    shot(&dir, "break-glass");
    check_accessibility(&dir, &axe, "dossier under break-glass");
    assert!(
        dir.find_element("[data-entry]").is_ok(),
        "the dossier is open"
    );

    // The DPO sees the break-glass with its justification.
    let dpo = login(&b, &server, "dpo.web", v.pass("dpo.web"));
    assert_eq!(
        eval(
            &dpo,
            "document.querySelectorAll('nav a[href=\"/audit\"]').length"
        ),
        1,
        "the DPO's menu offers the audit: {}",
        text(&dpo)
    );
    goto(&dpo, &format!("{}/audit", server.url));
    shot(&dpo, "audit");
    check_accessibility(&dpo, &axe, "audit");
    let pictures = eval(&dpo, "document.querySelectorAll('.charts svg').length");
    assert!(
        pictures.as_u64().unwrap_or(0) >= 4,
        "the DPO's pictures: {pictures}"
    );
    assert_eq!(eval(&dpo, "document.scripts.length"), 0);
    assert_eq!(
        eval(&dpo, "document.querySelector('#verify-status').dataset.ok"),
        "true"
    );
    goto(
        &dpo,
        &format!("{}/audit/historique?dossier={dossier}", server.url),
    );
    let history = text(&dpo);
    shot(&dpo, "audit-history");
    check_accessibility(&dpo, &axe, "access history");
    assert!(history.contains(&justification), "{history}");
    assert!(dpo.find_element("tr[data-break-glass]").is_ok());

    s.finish(b, server, &[&justification]);
}

/// The director manages staff and the care team from the browser.
fn the_director_manages_staff_and_the_care_team() {
    let s = Story::new();
    let (v, dossier) = (&s.v, &s.dossier);
    let server = Server::start(v);
    let b = browser();
    let axe = axe_source();
    let dir = login(&b, &server, "dir.martin", v.pass("dir.martin"));
    goto(&dir, &format!("{}/personnel", server.url));
    check_accessibility(&dir, &axe, "staff");
    assert!(dir.find_element("tr[data-staff='edu.web']").is_ok());
    set(&dir, "#new-id", "new.web");
    set(&dir, "#new-name", "Nouvelle Recrue");
    set(&dir, "#new-profession", "educateur-specialise");
    set(
        &dir,
        "#new-passphrase",
        "correct-horse-battery-staple-web-42",
    );
    click(&dir, "form[action='/personnel'] button[type=submit]");
    assert!(
        text(&dir).contains("membre du personnel new.web ajouté"),
        "{}",
        text(&dir)
    );
    goto(&dir, &format!("{}/dossiers/{dossier}/equipe", server.url));
    set(&dir, "#staff", "new.web");
    click(&dir, "form.card button[type=submit]");
    assert!(
        dir.find_element("li[data-staff='new.web']").is_ok(),
        "{}",
        text(&dir)
    );
    // new.web opens the dossier in a session of their own, which must not
    // outlive the change of profession that follows.
    let early = login(
        &b,
        &server,
        "new.web",
        "correct-horse-battery-staple-web-42",
    );
    goto(&early, &format!("{}/dossiers/{dossier}", server.url));
    assert!(
        early.find_element("[data-entry]").is_ok(),
        "new.web reads the dossier: {}",
        text(&early)
    );
    goto(&dir, &format!("{}/personnel", server.url));
    set(&dir, "#p-new\\.web", "aide-soignant");
    click(
        &dir,
        "form[action='/personnel/new.web/profession'] button[type=submit]",
    );
    assert!(
        text(&dir).contains("new.web est désormais Aide-soignant"),
        "{}",
        text(&dir)
    );
    goto(&early, &format!("{}/dossiers/{dossier}", server.url));
    assert!(
        early.get_url().ends_with("/login"),
        "a session opened before the change of profession is ended: {}",
        early.get_url()
    );
    // Revoking cannot be undone: the button leads to a page that names the
    // member and what will happen; a post without that confirmation does
    // nothing but lead there.
    eval(
        &dir,
        "const f = document.createElement('form'); f.method = 'post'; \
         f.action = '/personnel/new.web/revoquer'; f.id = 'unconfirmed'; \
         const t = document.querySelector('input[name=csrf]').cloneNode(); f.append(t); \
         const b = document.createElement('button'); b.type = 'submit'; f.append(b); \
         document.body.append(f);",
    );
    click(&dir, "#unconfirmed button");
    assert!(
        dir.get_url().ends_with("/personnel/new.web/revoquer"),
        "a post without the confirmation leads to it: {}",
        dir.get_url()
    );
    assert!(!text(&dir).contains("new.web révoqué·e"), "{}", text(&dir));
    goto(&dir, &format!("{}/personnel", server.url));
    click(
        &dir,
        "form[action='/personnel/new.web/revoquer'] button[type=submit]",
    );
    let asked = text(&dir);
    assert!(
        asked.contains("Révoquer") && asked.contains("new.web") && asked.contains("définitive"),
        "the confirmation names the member and says it is final: {asked}"
    );
    check_accessibility(&dir, &axe, "revocation confirmation");
    click(&dir, "#confirm-form button[type=submit]");
    assert!(text(&dir).contains("new.web révoqué·e"), "{}", text(&dir));
    // The revoked member cannot log in.
    let ctx = b.new_context().unwrap();
    let gone = ctx.new_tab().unwrap();
    goto(&gone, &format!("{}/login", server.url));
    set(&gone, "#user", "new.web");
    set(&gone, "#passphrase", "correct-horse-battery-staple-web-42");
    click(&gone, "form.card button[type=submit]");
    assert!(gone.get_url().ends_with("/login"), "{}", gone.get_url());
    assert!(gone.find_element("#login-error").is_ok());

    s.finish(b, server, &[]);
}

/// The person: their file, who accessed it, a remark, their export.
fn the_person_reads_their_file_and_adds_a_remark() {
    let s = Story::new();
    let (v, dossier, person_name) = (&s.v, s.dossier.as_str(), s.person_name.as_str());
    // An educator of the team reads the dossier.
    v.as_user("edu.web", &["dossier", "show", dossier])
        .expect_code(0, "the educator reads the dossier");
    let server = Server::start(v);
    let b = browser();
    let axe = axe_source();
    let ctx = b.new_context().unwrap();
    let me = ctx.new_tab().unwrap();
    goto(&me, &format!("{}/moi/login", server.url));
    set(&me, "#dossier", dossier);
    set(&me, "#passphrase", PERSON_PASS);
    click(&me, "form.card button[type=submit]");
    assert!(
        me.get_url().ends_with("/moi"),
        "{} {}",
        me.get_url(),
        text(&me)
    );
    let mine = text(&me);
    shot(&me, "moi");
    check_accessibility(&me, &axe, "/moi");
    assert!(mine.contains(person_name), "the person sees their name");
    assert!(
        mine.contains("Éducateur·rice spécialisé·e"),
        "who accessed it"
    );
    assert!(
        !mine.contains("cli-psy-notes-"),
        "not the psychologist's own notes"
    );
    let remark = marker("Desaccord");
    set(&me, "#text", &remark);
    click(&me, "form[action='/moi/note'] button[type=submit]");
    assert!(
        text(&me).contains("Votre remarque est enregistrée"),
        "{}",
        text(&me)
    );
    assert!(text(&me).contains(&remark));
    let person_cookie = me
        .get_cookies()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "__Host-coffre")
        .expect("the person's session cookie");
    let (status, h, body) = http(
        &server.host(),
        "GET",
        "/moi/export.json",
        &[("Cookie", &format!("__Host-coffre={}", person_cookie.value))],
        "",
    );
    assert_eq!(status, 200);
    assert!(h["content-disposition"].starts_with("attachment"));
    let export: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(export["dossier"]["id"], dossier);
    assert!(export["access_history"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));

    s.finish(b, server, &[&remark]);
}

/// The pages of the day, at a desktop's and a phone's width, each checked
/// by axe-core and for sideways scrolling: the day's transmissions (today's
/// notes of the educator's team), the DPO's filtered history of the dossier,
/// the page that says what releasing the justifications does and the release
/// itself, and the person's paged file with its readable copy offered.
fn the_days_pages_at_a_desk_and_on_a_phone() {
    let s = Story::new();
    let (v, dossier, person_name) = (&s.v, s.dossier.as_str(), s.person_name.as_str());
    v.as_user(
        &v.admin,
        &["dossier", "show", dossier, "--break-glass", "chute la nuit"],
    )
    .expect_code(0, "the director breaks the glass");
    let server = Server::start(v);
    let b = browser();
    let axe = axe_source();
    for width in [1280u32, 390] {
        let edu = login_at(&b, &server, "edu.web", v.pass("edu.web"), width);
        click(&edu, "a[href='/transmissions']");
        let seen = text(&edu);
        assert!(seen.contains("Transmissions du jour"), "{seen}");
        assert!(
            seen.contains(person_name),
            "today's notes of the team: {seen}"
        );
        assert!(
            !seen.contains("cli-medical-"),
            "no medical note for an educator"
        );
        check_accessibility(&edu, &axe, &format!("transmissions at {width}"));
        fits(&edu, "transmissions", width);

        let dpo = login_at(&b, &server, "dpo.web", v.pass("dpo.web"), width);
        goto(
            &dpo,
            &format!(
                "{}/audit/historique?dossier={dossier}&profession=educateur-specialise",
                server.url
            ),
        );
        let seen = text(&dpo);
        assert!(seen.contains("les plus récents d'abord"), "{seen}");
        check_accessibility(&dpo, &axe, &format!("filtered history at {width}"));
        fits(&dpo, "filtered history", width);
        click(&dpo, "a[href^='/audit/liberer']");
        assert!(text(&dpo).contains("tiers"), "{}", text(&dpo));
        check_accessibility(&dpo, &axe, &format!("release confirmation at {width}"));
        fits(&dpo, "release confirmation", width);
        click(&dpo, "#confirm-form button[type=submit]");
        assert!(
            text(&dpo).contains("communiquée(s) à la personne"),
            "{}",
            text(&dpo)
        );
    }
    let ctx = b.new_context().unwrap();
    let me = ctx.new_tab().unwrap();
    viewport(&me, 390);
    goto(&me, &format!("{}/moi/login", server.url));
    set(&me, "#dossier", dossier);
    set(&me, "#passphrase", PERSON_PASS);
    click(&me, "form.card button[type=submit]");
    assert!(
        has(&me, "a[href='/moi/copie-lisible']"),
        "the copy is offered"
    );
    assert!(
        text(&me).contains("chute la nuit"),
        "the released words: {}",
        text(&me)
    );
    check_accessibility(&me, &axe, "/moi at 390");
    fits(&me, "/moi", 390);
    s.finish(b, server, &[]);
}

/// The headers, on a page and on an error; the Host check.
fn headers_and_the_host_check() {
    let s = Story::new();
    let server = Server::start(&s.v);
    let (status, h, _) = http(&server.host(), "GET", "/login", &[], "");
    assert_eq!(status, 200);
    let csp = &h["content-security-policy"];
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "CSP without {part}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
    let set_cookie = &h["set-cookie"];
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let (status, h, _) = http(&server.host(), "GET", "/nowhere", &[], "");
    assert_eq!(status, 404);
    assert_eq!(h["cache-control"], "no-store");
    let (status, _, _) = http(
        &server.host(),
        "GET",
        "/login",
        &[("Host", "rebound.example:80")],
        "",
    );
    assert_eq!(status, 421, "a foreign Host is refused (DNS rebinding)");

    let mut server = server;
    assert_eq!(server.stop(), 0, "clean shutdown");
}

/// A session left idle for the policy's time (a minute, the shortest it
/// allows) has ended: its next request needs a new login.
fn an_idle_session_ends() {
    let policy = include_str!("../policies/default.toml");
    assert!(policy.contains("idle_minutes = 15"));
    let s = Story::with_policy(&policy.replace("idle_minutes = 15", "idle_minutes = 1"));
    let (v, dossier) = (&s.v, &s.dossier);
    let server = Server::start(v);
    let b = browser();
    let idle = login(&b, &server, "inf.web", v.pass("inf.web"));
    let idle_since = std::time::Instant::now();
    goto(&idle, &format!("{}/dossiers/{dossier}", server.url));
    assert!(
        !idle.get_url().ends_with("/login"),
        "a fresh session is open: {}",
        idle.get_url()
    );
    let waited = idle_since.elapsed();
    if waited < Duration::from_secs(65) {
        std::thread::sleep(Duration::from_secs(65) - waited);
    }
    goto(&idle, &format!("{}/dossiers/{dossier}", server.url));
    assert!(
        idle.get_url().ends_with("/login"),
        "an idle session still open: {}",
        idle.get_url()
    );
    s.finish(b, server, &[]);
}

#[test]
fn serve_refuses_bad_addresses_with_usage_errors() {
    let v = TestVault::new();
    let r = v.anon(&["serve", "--listen", "0.0.0.0:0"]);
    r.expect_code(2, "non-loopback without TLS");
    let r = v.anon(&["serve", "--listen", "not-an-address"]);
    r.expect_code(2, "unreadable address");
    let r = v.anon(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        "/nonexistent.pem",
        "--tls-key",
        "/nonexistent.key",
    ]);
    r.expect_code(2, "unreadable TLS files");
    // A port already taken: the server cannot listen (exit code 1).
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let r = v.anon(&["serve", "--listen", &addr]);
    r.expect_code(1, "port in use");
    assert!(
        r.stderr.contains(&addr),
        "the message names the address: {}",
        r.stderr
    );
}

#[test]
fn demo_serve_builds_the_demo_and_serves_it() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("demo");
    let mut child = Command::new(COFFRE)
        .args(["demo", "--serve", "--listen", "127.0.0.1:0", "--dir"])
        .arg(&dir)
        .env("COFFRE_LANG", "fr")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    let url = loop {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            panic!("no URL printed after the demo:\n{printed}");
        }
        printed.push_str(&line);
        if line.starts_with("http://") {
            break line.trim().trim_end_matches('/').to_string();
        }
    };
    assert!(
        printed.contains("demo-passphrase"),
        "the demo logins are shown:\n{printed}"
    );
    let host = url.trim_start_matches("http://");
    let (status, _, body) = http(host, "GET", "/login", &[], "");
    assert_eq!(status, 200);
    assert!(body.contains("lang=\"fr\""));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "clean shutdown");
}

#[test]
fn serve_over_tls_with_the_establishments_certificate() {
    let v = TestVault::new();
    let (cert, key) = (
        v.root.path().join("cert.pem"),
        v.root.path().join("key.pem"),
    );
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl is needed to make a test certificate");
    assert!(made.success());
    let mut server = Server::start_with(
        &v,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let host = server.host();
    // A TLS client gets the page, with HSTS.
    let mut client = Command::new("openssl")
        .args([
            "s_client",
            "-quiet",
            "-connect",
            &host,
            "-servername",
            "localhost",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    client
        .stdin
        .take()
        .unwrap()
        .write_all(
            format!("GET /login HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .unwrap();
    let out = client.wait_with_output().unwrap();
    let answer = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 200"), "{answer}");
    assert!(
        answer.contains("strict-transport-security: max-age="),
        "{answer}"
    );
    assert!(
        answer.contains("; secure"),
        "the cookies are Secure: {answer}"
    );
    // Plain HTTP on the TLS port gets no page.
    let mut s = std::net::TcpStream::connect(&host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = s.write_all(format!("GET /login HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes());
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
    assert_eq!(server.stop(), 0, "clean shutdown");
}

/// Connections that send nothing, or headers too slowly, are closed (10 s)
/// instead of piling up until the server runs out of file descriptors; the
/// server still answers others meanwhile.
#[test]
fn silent_and_slow_connections_are_closed() {
    let v = TestVault::new();
    let mut server = Server::start(&v);
    let host = server.host();
    let start = std::time::Instant::now();
    let mut silent = std::net::TcpStream::connect(&host).unwrap();
    let mut slow = std::net::TcpStream::connect(&host).unwrap();
    slow.write_all(b"GET /login HTTP/1.1\r\n").unwrap();
    for s in [&silent, &slow] {
        s.set_read_timeout(Some(Duration::from_secs(40))).unwrap();
    }
    // A body declared and never sent in full.
    let mut stalled = std::net::TcpStream::connect(&host).unwrap();
    stalled
        .write_all(
            format!(
                "POST /login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nuser=a"
            )
            .as_bytes(),
        )
        .unwrap();
    stalled
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let (status, _, _) = http(&host, "GET", "/login", &[], "");
    assert_eq!(status, 200, "others are served meanwhile");
    // The slow one sends a header line every 3 s and never ends its headers.
    let trickle = std::thread::spawn(move || {
        for _ in 0..10 {
            std::thread::sleep(Duration::from_secs(3));
            if slow.write_all(b"X-Slow: 1\r\n").is_err() {
                break;
            }
        }
        let mut rest = Vec::new();
        let _ = slow.read_to_end(&mut rest);
    });
    let mut buf = [0u8; 16];
    let n = silent.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "the silent connection is closed, not answered");
    let waited = start.elapsed();
    assert!(
        waited < Duration::from_secs(30),
        "the silent connection was closed after {waited:?}"
    );
    trickle.join().unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(35),
        "the slow connection was closed"
    );
    let mut answer = String::new();
    let _ = stalled.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "a stalled body gets 408 after {:?}: {answer:?}",
        start.elapsed()
    );
    assert!(start.elapsed() < Duration::from_secs(50));
    assert_eq!(server.stop(), 0);
}

/// Emulates a screen `width` pixels wide (390: a phone; 1280: a desktop).
fn viewport(tab: &Tab, width: u32) {
    use headless_chrome::protocol::cdp::Emulation::SetDeviceMetricsOverride;
    tab.call_method(SetDeviceMetricsOverride {
        width,
        height: if width < 600 { 844 } else { 900 },
        device_scale_factor: 1.0,
        mobile: width < 600,
        scale: None,
        screen_width: None,
        screen_height: None,
        position_x: None,
        position_y: None,
        dont_set_visible_size: None,
        screen_orientation: None,
        viewport: None,
        display_feature: None,
        device_posture: None,
    })
    .unwrap();
}

/// Logs in at the given width, the page then reloaded at that width.
fn login_at(b: &Browser, s: &Server, user: &str, pass: &str, width: u32) -> Arc<Tab> {
    let tab = login(b, s, user, pass);
    viewport(&tab, width);
    tab
}

/// Nothing wider than the screen (no sideways scrolling on a phone).
fn fits(tab: &Tab, page: &str, width: u32) {
    let wide = eval(
        tab,
        "document.documentElement.scrollWidth - document.documentElement.clientWidth",
    )
    .as_i64()
    .unwrap_or(0);
    assert!(
        wide <= 0,
        "{page} at {width} px is {wide} px wider than the screen"
    );
}

fn has(tab: &Tab, selector: &str) -> bool {
    tab.find_element(selector).is_ok()
}

/// The daily administration of dossiers in the browser, at a desktop's and a
/// phone's width: a social worker (whose profession creates dossiers) creates
/// one with a birth date typed as in France, manages its care team by name
/// and removes a colleague after a confirmation naming both; an educator
/// (who may not) is offered neither the creation nor the team's forms; the
/// director gives the person access and gets the printable sheet, with which
/// the person logs in. Then the audit log holds each act, signed by the
/// library, and no refusal for a page that was not offered; the passphrase
/// shown on the sheet is in no file of the vault and not in the server's log.
#[test]
fn daily_administration_in_the_browser() {
    let mut v = TestVault::new();
    v.add_staff("as.admin", "Sophie Assistante", "assistant-social", true);
    v.add_staff("edu.admin", "Paul Educateur", "educateur-specialise", true);
    v.add_staff("dpo.admin", "Delphine Dpo", "dpo", true);
    let mut server = Server::start(&v);
    let b = browser();
    let axe = axe_source();
    let mut passphrases = Vec::new();
    let mut made = Vec::new();
    for width in [1280u32, 390] {
        // ---- not offered to a profession that may not create dossiers.
        let edu = login_at(&b, &server, "edu.admin", v.pass("edu.admin"), width);
        assert!(!has(&edu, "#nav-new-dossier"), "educator offered creation");
        goto(&edu, &format!("{}/dossiers/nouveau", server.url));
        assert!(
            text(&edu).contains("ne permet pas de créer un dossier"),
            "{}",
            text(&edu)
        );
        assert!(!has(&edu, "form#new-dossier"));

        // ---- the social worker creates a dossier.
        let sw = login_at(&b, &server, "as.admin", v.pass("as.admin"), width);
        click(&sw, "#nav-new-dossier");
        assert!(sw.get_url().ends_with("/dossiers/nouveau"));
        check_accessibility(&sw, &axe, "new dossier");
        fits(&sw, "new dossier", width);
        let name = format!("Lucas Martin{width}");
        set(&sw, "#nd-name", &name);
        // A two-digit year is refused with a clear message; what was typed
        // stays in the form.
        set(&sw, "#nd-birthdate", "14/05/12");
        click(&sw, "form#new-dossier button[type=submit]");
        let err = text(&sw);
        assert!(has(&sw, "#new-dossier-error"), "{err}");
        assert!(err.contains("année"), "the error names the year: {err}");
        assert_eq!(
            eval(&sw, "document.querySelector('#nd-name').value"),
            Value::String(name.clone())
        );
        check_accessibility(&sw, &axe, "new dossier with an error");
        set(&sw, "#nd-birthdate", "14/05/2012");
        set(&sw, "#nd-sex", "m");
        set(&sw, "#nd-admitted", "01/09/2024");
        set(&sw, "#nd-unit", "Groupe des Tilleuls");
        set(&sw, "#nd-address", "3 rue des Lilas, 69003 Lyon");
        click(&sw, "form#new-dossier button[type=submit]");
        let url = sw.get_url();
        let dossier = url.rsplit('/').next().unwrap_or_default().to_string();
        assert!(dossier.starts_with("d-"), "not led to the dossier: {url}");
        assert!(!url.contains("Lucas"), "a name in an address: {url}");
        let page = text(&sw);
        assert!(page.contains(&name), "{page}");
        assert!(page.contains("14/05/2012"), "{page}");
        assert!(!page.contains("2012-05-14"), "an ISO date: {page}");
        let identity = eval(&sw, "document.querySelector('#identity').innerText");
        let identity = identity.as_str().unwrap_or_default().to_string();
        for shown in [
            "Masculin",
            "01/09/2024",
            "Groupe des Tilleuls",
            "69003 Lyon",
        ] {
            assert!(identity.contains(shown), "{shown} not in {identity}");
        }
        check_accessibility(&sw, &axe, "new dossier opened");
        fits(&sw, "new dossier opened", width);
        // The social worker does not give the person access: not offered.
        assert!(!has(&sw, "#person-access"));
        made.push(dossier.clone());

        // ---- the care team, by name: the creator adds the educator.
        goto(&sw, &format!("{}/dossiers/{dossier}/equipe", server.url));
        check_accessibility(&sw, &axe, "care team");
        fits(&sw, "care team", width);
        let options = eval(
            &sw,
            "[...document.querySelectorAll('#staff option')].map(o => o.textContent).join('|')",
        );
        let options = options.as_str().unwrap_or_default().to_string();
        assert!(options.contains("Paul Educateur"), "{options}");
        assert!(
            !options.contains("Sophie Assistante"),
            "already in: {options}"
        );
        set(&sw, "#staff", "edu.admin");
        click(&sw, "form#team-add button[type=submit]");
        assert!(has(&sw, "li[data-staff='edu.admin']"), "{}", text(&sw));
        assert!(text(&sw).contains("Paul Educateur"), "{}", text(&sw));

        // The educator, now in the team, sees it but no form changing it.
        goto(&edu, &format!("{}/dossiers/{dossier}/equipe", server.url));
        assert!(has(&edu, "li[data-staff='as.admin']"), "{}", text(&edu));
        assert!(!has(&edu, "form#team-add"));
        assert!(!has(&edu, "[data-remove]"));
        goto(&edu, &format!("{}/dossiers/{dossier}", server.url));
        assert!(text(&edu).contains(&name), "{}", text(&edu));

        // ---- removal: a confirmation naming who leaves whose file.
        click(&sw, "a[data-remove='edu.admin']");
        assert!(sw.get_url().ends_with("/equipe/edu.admin/retirer"));
        let confirm = text(&sw);
        assert!(confirm.contains("Retirer Paul Educateur"), "{confirm}");
        assert!(confirm.contains(&name), "whose file: {confirm}");
        assert!(
            confirm.contains("ne pourra plus ouvrir ce dossier"),
            "{confirm}"
        );
        check_accessibility(&sw, &axe, "care team removal");
        fits(&sw, "care team removal", width);
        click(&sw, "#confirm-form button[type=submit]");
        assert!(
            text(&sw).contains("ne fait plus partie de l'équipe"),
            "{}",
            text(&sw)
        );
        assert!(!has(&sw, "li[data-staff='edu.admin']"));
        // ---- her home page: the dossier she just created is her most
        // recent one, named.
        goto(&sw, &format!("{}/dossiers", server.url));
        let first = eval(
            &sw,
            "document.querySelector('#recent li[data-recent]').dataset.recent",
        );
        assert_eq!(first, Value::String(dossier.clone()), "{}", text(&sw));
        assert!(
            eval(&sw, "document.querySelector('#recent').innerText")
                .as_str()
                .unwrap_or_default()
                .contains(&name),
            "{}",
            text(&sw)
        );
        check_accessibility(&sw, &axe, "home page with recent dossiers");
        fits(&sw, "home page with recent dossiers", width);
        goto(&edu, &format!("{}/dossiers/{dossier}", server.url));
        assert!(
            !text(&edu).contains(&name) && !has(&edu, "[data-entry]"),
            "a removed member still opens the file: {}",
            text(&edu)
        );

        // ---- the director gives the person access (from the team page:
        // the director is not in the team).
        let dir = login_at(&b, &server, "dir.martin", v.pass("dir.martin"), width);
        goto(&dir, &format!("{}/dossiers/{dossier}/equipe", server.url));
        click(&dir, "#person-access");
        let confirm = text(&dir);
        assert!(confirm.contains("affichée une seule fois"), "{confirm}");
        assert!(confirm.contains("/moi"), "{confirm}");
        check_accessibility(&dir, &axe, "person access");
        click(&dir, "#confirm-form button[type=submit]");
        assert!(
            dir.get_url()
                .ends_with(&format!("/dossiers/{dossier}/acces-personne")),
            "{}",
            dir.get_url()
        );
        let sheet = text(&dir);
        let pass = eval(
            &dir,
            "document.querySelector('#sheet-passphrase').textContent",
        );
        let pass = pass.as_str().unwrap_or_default().trim().to_string();
        assert_eq!(pass.len(), 29, "{sheet}");
        assert_eq!(
            eval(&dir, "document.querySelector('#sheet-dossier').textContent"),
            Value::String(dossier.clone())
        );
        assert_eq!(
            eval(&dir, "document.querySelector('#sheet-address').textContent"),
            Value::String(format!("{}/moi", server.url))
        );
        assert!(sheet.contains("Ce que vous pouvez faire"), "{sheet}");
        assert!(sheet.contains("Etablissement de test"), "{sheet}");
        assert!(!dir.get_url().contains(&pass));
        check_accessibility(&dir, &axe, "person's sheet");
        fits(&dir, "person's sheet", width);
        shot(&dir, &format!("person-sheet-{width}"));
        // On paper: the sheet alone.
        {
            use headless_chrome::protocol::cdp::Emulation::SetEmulatedMedia;
            dir.call_method(SetEmulatedMedia {
                media: Some("print".into()),
                features: None,
            })
            .unwrap();
            let shown = |sel: &str| {
                eval(
                    &dir,
                    &format!(
                        "getComputedStyle(document.querySelector({})).display",
                        serde_json::to_string(sel).unwrap()
                    ),
                )
            };
            assert_eq!(shown("header.top"), Value::String("none".into()));
            assert_eq!(shown(".no-print"), Value::String("none".into()));
            assert_ne!(shown("#person-sheet"), Value::String("none".into()));
            dir.call_method(SetEmulatedMedia {
                media: Some(String::new()),
                features: None,
            })
            .unwrap();
        }
        // Reloading shows no passphrase (the form asks again).
        goto(
            &dir,
            &format!("{}/dossiers/{dossier}/acces-personne", server.url),
        );
        assert!(!text(&dir).contains(&pass));

        // ---- the person logs in with the sheet.
        let ctx = b.new_context().unwrap();
        let me = ctx.new_tab().unwrap();
        viewport(&me, width);
        goto(&me, &format!("{}/moi", server.url));
        set(&me, "#dossier", &dossier);
        set(&me, "#passphrase", &pass);
        click(&me, "form.card button[type=submit]");
        assert!(me.get_url().ends_with("/moi"), "{}", text(&me));
        assert!(text(&me).contains(&name), "{}", text(&me));
        // Their identity as the establishment keeps it.
        let identity = eval(&me, "document.querySelector('#identity').innerText");
        let identity = identity.as_str().unwrap_or_default().to_string();
        for shown in [
            "Masculin",
            "01/09/2024",
            "Groupe des Tilleuls",
            "69003 Lyon",
        ] {
            assert!(identity.contains(shown), "/moi: {shown} not in {identity}");
        }
        check_accessibility(&me, &axe, "the person's page with their identity");
        fits(&me, "the person's page with their identity", width);
        passphrases.push(pass);
    }
    assert_eq!(server.stop(), 0, "clean shutdown");
    let log = std::fs::read_to_string(&server.log).unwrap_or_default();
    for p in &passphrases {
        assert!(
            !log.contains(p.as_str()),
            "a passphrase in the server's log"
        );
        for f in files_under(&v.dir) {
            let bytes = std::fs::read(&f).unwrap_or_default();
            assert!(
                !contains_bytes(&bytes, p.as_bytes()),
                "a passphrase in {}",
                f.display()
            );
        }
    }
    assert!(!log.contains("Lucas"), "a name in the server's log");
    // The library recorded each act; no refusal for what was not offered.
    let entries = v.audit_log("dpo.admin", &[]);
    let count = |action: &str, actor: &str, outcome: &str| {
        entries
            .iter()
            .filter(|e| e["action"] == action && e["actor"] == actor && e["outcome"] == outcome)
            .count()
    };
    assert_eq!(count("dossier.create", "as.admin", "ok"), 2);
    assert_eq!(count("team.add", "as.admin", "ok"), 2);
    assert_eq!(count("team.remove", "as.admin", "ok"), 2);
    assert_eq!(count("access.grant", "dir.martin", "ok"), 2);
    let refused: Vec<&Value> = entries
        .iter()
        // (Opening the file once removed is refused, rightly.)
        .filter(|e| {
            e["actor"] == "edu.admin" && e["outcome"] == "denied" && e["action"] != "dossier.read"
        })
        .collect();
    assert!(
        refused.is_empty(),
        "refusals recorded for pages not offered: {refused:?}"
    );
    for d in &made {
        let team = v
            .as_user("dir.martin", &["--json", "dossier", "team", "list", d])
            .json();
        assert_eq!(team, serde_json::json!(["as.admin"]), "{d}");
    }
    v.verify().expect_code(0, "audit verify");
}
