//! Every daily task of the establishment, done in a real headless Chromium by
//! each profession the shipped policy (the demo's) lets do it, at a desktop's
//! width (1280 px) and a phone's (390 px).
//!
//! The table `TASKS` names each task, which professions do it (read from the
//! policy: a capability, a category written or read, the care team) and how
//! it is done: the real page is driven, its outcome checked on screen, then
//! every page met on the way is checked by axe-core (no serious or critical
//! WCAG 2.1 A/AA violation), for sideways scrolling, and for the words people
//! read (`util::words`: French only, no message id, no id of the policy, no
//! ISO date, no note id, no command-line option). One vault, one server, one
//! browser; each member logs in once and their tab is reused.

use crate::util;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coffre::policy::{Capability, Policy};
use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::Value;
use util::http::Server;
use util::words::{checks, Checks};
use util::{marker, TestVault};

/// The staff: one member per profession of the policy but the director's
/// (the vault's first member, `dir.martin`), with the names people read.
const NAMES: &[(&str, &str)] = &[
    ("medecin", "Camille Leroy"),
    ("infirmier", "Inès Moreau"),
    ("aide-soignant", "Samuel Blanc"),
    ("psychologue", "Paul Garnier"),
    ("assistant-social", "Amina Roux"),
    ("educateur-specialise", "Élise Petit"),
    ("ergotherapeute", "Jeanne Faure"),
    ("orthophoniste", "Louis Mercier"),
    ("cadre-socio-educatif", "Nadia Chevalier"),
    ("administratif", "Yves Lambert"),
    ("dpo", "Hélène Garcia"),
];

/// Members revoked by the revocation task, one per (manager, width).
const SPARE: &[(&str, &str)] = &[
    ("r1", "Rémi Dubois"),
    ("r2", "Lina Fontaine"),
    ("r3", "Hugo Perrin"),
    ("r4", "Zoé Marchand"),
];

/// The person of the main dossier, and of the other ones.
const PERSON: &str = "Mathilde Vasseur";
const LONG_PERSON: &str = "Gaston Lefebvre";
const BG_PERSON: &str = "Noémie Carpentier";
const NEW_PERSON: &str = "Lucas Rolland";
const NOTES_IN_LONG: usize = 2000;

/// What people typed (names, the establishment): theirs, not checked.
fn typed() -> Vec<&'static str> {
    let mut t = vec![
        "Etablissement de test",
        "Direction Test",
        // The director's login id, shown beside the name as every login id.
        "dir.martin",
        PERSON,
        LONG_PERSON,
        BG_PERSON,
        NEW_PERSON,
        "Groupe des Tilleuls",
    ];
    t.extend(NAMES.iter().map(|(_, n)| *n));
    t.extend(SPARE.iter().map(|(_, n)| *n));
    t
}

fn policy() -> Policy {
    coffre::policy::parse(coffre::policy::DEFAULT_POLICY, "default.toml").unwrap()
}

/// Every profession of the policy, the director's included.
fn professions(p: &Policy) -> Vec<String> {
    p.professions.keys().cloned().collect()
}

fn with(p: &Policy, cap: Capability) -> Vec<String> {
    professions(p)
        .into_iter()
        .filter(|x| p.has(x, cap))
        .collect()
}

/// A kind of one field whose category `profession` writes (the kinds named
/// after their category), the first in the policy's order.
fn kind_written(p: &Policy, profession: &str) -> Option<String> {
    p.kinds
        .iter()
        .find(|(id, k)| {
            k.fields.len() == 1 && p.categories.contains_key(*id) && p.can_write(profession, id)
        })
        .map(|(id, _)| id.clone())
}

/// The shared state of the run.
struct Ctx {
    v: TestVault,
    server: Server,
    browser: Browser,
    axe: Option<String>,
    words: Checks,
    policy: Policy,
    /// Profession → login id.
    ids: BTreeMap<String, String>,
    /// The care team's dossier (everyone but the DPO), the long one (its
    /// readers), the one opened by breaking the glass (its creator only).
    main: String,
    long: String,
    bg: String,
    tabs: RefCell<BTreeMap<String, Arc<Tab>>>,
    /// Profession → the marker of the note it wrote (then corrected).
    notes: RefCell<BTreeMap<String, String>>,
    /// Profession → the dossier it created.
    created: RefCell<BTreeMap<String, String>>,
    /// The person's passphrase, from the last sheet issued.
    person_pass: RefCell<Option<String>>,
    person_tab: RefCell<Option<Arc<Tab>>>,
    spare: RefCell<Vec<&'static str>>,
    /// Faults of the pages (axe, width, words), reported together at the end.
    faults: RefCell<Vec<String>>,
    pages_checked: RefCell<usize>,
    /// The time spent checking pages.
    looking: RefCell<Duration>,
    /// The pages and widths axe-core has checked.
    axed: RefCell<std::collections::BTreeSet<String>>,
}

/// One daily task: who does it (in words, and computed from the policy)
/// and how.
struct Task {
    name: &'static str,
    who: &'static str,
    professions: fn(&Ctx) -> Vec<String>,
    run: fn(&Ctx, &Tab, &str, u32),
}

const TASKS: &[Task] = &[
    Task {
        name: "create a dossier",
        who: "create-dossier",
        professions: |c| with(&c.policy, Capability::CreateDossier),
        run: create_dossier,
    },
    Task {
        name: "write a note choosing its kind",
        who: "writes a category, in the care team",
        professions: |c| writers(c),
        run: write_note,
    },
    Task {
        name: "correct a note",
        who: "the note's author",
        professions: |c| writers(c),
        run: correct_note,
    },
    Task {
        name: "search a name by prefix",
        who: "reads or writes identity",
        professions: |c| {
            professions(&c.policy)
                .into_iter()
                .filter(|p| c.policy.can_read(p, "identity") || c.policy.can_write(p, "identity"))
                .collect()
        },
        run: search_by_prefix,
    },
    Task {
        name: "open a dossier of 2,000 notes, paginated",
        who: "reads daily-life, in the care team",
        professions: |c| long_readers(&c.policy),
        run: long_dossier,
    },
    Task {
        name: "add and remove a care-team member",
        who: "manage-team, or the dossier's creator",
        professions: |c| {
            let mut p = with(&c.policy, Capability::ManageTeam);
            p.push("assistant-social".into());
            p
        },
        run: care_team,
    },
    Task {
        name: "break the glass",
        who: "break-glass, outside the care team",
        professions: |c| with(&c.policy, Capability::BreakGlass),
        run: break_glass,
    },
    Task {
        name: "give the person access",
        who: "person-access",
        professions: |c| with(&c.policy, Capability::PersonAccess),
        run: person_access,
    },
    Task {
        name: "the person's readable copy",
        who: "person-access, in the care team",
        professions: |c| with(&c.policy, Capability::PersonAccess),
        run: readable_copy,
    },
    Task {
        name: "release the justifications",
        who: "read-audit",
        professions: |c| with(&c.policy, Capability::ReadAudit),
        run: release,
    },
    Task {
        name: "the DPO's report",
        who: "read-audit or audit-reports",
        professions: |c| {
            professions(&c.policy)
                .into_iter()
                .filter(|p| {
                    c.policy.has(p, Capability::ReadAudit)
                        || c.policy.has(p, Capability::AuditReports)
                })
                .collect()
        },
        run: report,
    },
    Task {
        name: "a dossier's history, filtered",
        who: "read-audit",
        professions: |c| with(&c.policy, Capability::ReadAudit),
        run: history,
    },
    Task {
        name: "revoke a member, confirmed",
        who: "manage-staff",
        professions: |c| with(&c.policy, Capability::ManageStaff),
        run: revoke,
    },
    Task {
        name: "upload and download a document",
        who: "writes a category, in the care team",
        professions: |c| writers(c),
        run: document,
    },
];

fn writers(c: &Ctx) -> Vec<String> {
    professions(&c.policy)
        .into_iter()
        .filter(|p| kind_written(&c.policy, p).is_some())
        .collect()
}

fn long_readers(p: &Policy) -> Vec<String> {
    professions(p)
        .into_iter()
        .filter(|x| p.can_read(x, "daily-life"))
        .collect()
}

// ------------------------------------------------------------------ the browser

fn browser() -> Browser {
    let path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists())
        .expect("chromium is not installed: run the suite with `./test`, which installs it");
    Browser::new(
        LaunchOptions::default_builder()
            .path(Some(path))
            .headless(true)
            .sandbox(false)
            .window_size(Some((1280, 900)))
            .idle_browser_timeout(Duration::from_secs(900))
            .build()
            .unwrap(),
    )
    .unwrap()
}

fn axe_source() -> Option<String> {
    let path = std::env::var("COFFRE_AXE_JS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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
            eprintln!("axe-core not installed: accessibility not checked (./test --setup)");
            None
        }
    }
}

fn eval(tab: &Tab, js: &str) -> Value {
    tab.evaluate(js, true)
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

fn has(tab: &Tab, selector: &str) -> bool {
    tab.find_element(selector).is_ok()
}

fn goto(tab: &Tab, url: &str) {
    tab.navigate_to(url).unwrap();
    tab.wait_until_navigated().unwrap();
}

fn set(tab: &Tab, selector: &str, value: &str) {
    eval(
        tab,
        &format!(
            "document.querySelector({}).value = {}",
            serde_json::to_string(selector).unwrap(),
            serde_json::to_string(value).unwrap()
        ),
    );
}

/// Clicks and waits for the new page, fully loaded.
fn click(tab: &Tab, selector: &str) {
    eval(tab, "window.__coffre_old_page = true");
    tab.wait_for_element(selector)
        .unwrap_or_else(|e| panic!("{selector}: {e}\n{}", text(tab)))
        .click()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
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
            Instant::now() < deadline,
            "clicking {selector} led to no new page"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A GET with the tab's session cookie, outside the browser (a download,
/// which a page's script may not fetch under the CSP): (status, body).
fn fetch(c: &Ctx, tab: &Tab, path: &str) -> (u16, String) {
    let cookie = tab
        .get_cookies()
        .unwrap()
        .into_iter()
        .find(|k| k.name == "__Host-coffre")
        .expect("a session cookie");
    let path = path.strip_prefix(&c.url("")).unwrap_or(path);
    let (status, _, body) = util::http::http(
        &c.server.host,
        "GET",
        path,
        &[("Cookie", &format!("__Host-coffre={}", cookie.value))],
        "",
    );
    (status, body)
}

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

impl Ctx {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.host)
    }

    /// The member's tab, logged in at the first use.
    fn tab(&self, profession: &str) -> Arc<Tab> {
        if let Some(t) = self.tabs.borrow().get(profession) {
            return t.clone();
        }
        let user = &self.ids[profession];
        let tab = self.browser.new_context().unwrap().new_tab().unwrap();
        goto(&tab, &self.url("/login"));
        set(&tab, "#user", user);
        set(&tab, "#passphrase", self.v.pass(user));
        click(&tab, "form.card button[type=submit]");
        assert!(
            tab.get_url().ends_with("/dossiers"),
            "{profession}: login led to {}: {}",
            tab.get_url(),
            text(&tab)
        );
        self.tabs
            .borrow_mut()
            .insert(profession.to_string(), tab.clone());
        tab
    }

    /// The checks of a page on screen: axe-core, the width, the words.
    fn look(&self, tab: &Tab, page: &str, width: u32) {
        let t0 = Instant::now();
        let mut faults = Vec::new();
        // axe-core once per page and width (the same template for every
        // profession; its run is what takes the time).
        let first = self.axed.borrow_mut().insert(format!("{page} {width}"));
        if let (Some(src), true) = (&self.axe, first) {
            if eval(tab, "typeof axe").as_str() != Some("object") {
                tab.evaluate(src, false).unwrap();
            }
            let r = eval(
                tab,
                "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}).then(r => JSON.stringify({passes: r.passes.length, bad: r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' '))])}))",
            );
            let found: Value = serde_json::from_str(r.as_str().unwrap_or("{}")).unwrap();
            if found["passes"].as_u64().unwrap_or(0) == 0 {
                faults.push(format!("{page} at {width}: axe checked nothing"));
            }
            if found["bad"] != serde_json::json!([]) {
                faults.push(format!("{page} at {width}: axe: {}", found["bad"]));
            }
        }
        let wide = eval(
            tab,
            "document.documentElement.scrollWidth - document.documentElement.clientWidth",
        )
        .as_i64()
        .unwrap_or(0);
        if wide > 0 {
            faults.push(format!(
                "{page} at {width}: {wide} px wider than the screen"
            ));
        }
        if eval(tab, "document.documentElement.lang") != "fr" {
            faults.push(format!("{page}: not marked as French"));
        }
        let read = eval(
            tab,
            "document.title + '\\n' + document.body.innerText + '\\n' + [...document.querySelectorAll('[title],[aria-label],[placeholder],[alt]')].map(e => ['title', 'aria-label', 'placeholder', 'alt'].map(a => e.getAttribute(a) || '').join(' ')).join('\\n')",
        );
        faults.extend(
            self.words
                .problems(&format!("web {page}"), read.as_str().unwrap_or("")),
        );
        *self.pages_checked.borrow_mut() += 1;
        *self.looking.borrow_mut() += t0.elapsed();
        self.faults.borrow_mut().extend(faults);
    }
}

// ------------------------------------------------------------------ the tasks

fn create_dossier(c: &Ctx, tab: &Tab, prof: &str, width: u32) {
    goto(tab, &c.url("/dossiers"));
    click(tab, "#nav-new-dossier");
    c.look(tab, "new dossier", width);
    set(tab, "#nd-name", NEW_PERSON);
    set(tab, "#nd-birthdate", "14/05/12");
    click(tab, "form#new-dossier button[type=submit]");
    assert!(has(tab, "#new-dossier-error"), "{prof}: {}", text(tab));
    c.look(tab, "new dossier refused", width);
    set(tab, "#nd-birthdate", "14/05/2012");
    set(tab, "#nd-unit", "Groupe des Tilleuls");
    click(tab, "form#new-dossier button[type=submit]");
    let url = tab.get_url();
    let id = url.rsplit('/').next().unwrap_or_default().to_string();
    assert!(
        id.starts_with("d-"),
        "{prof}: not led to the dossier: {url}"
    );
    let page = text(tab);
    if c.policy.can_read(prof, "identity") || c.policy.can_write(prof, "identity") {
        assert!(page.contains(NEW_PERSON), "{prof}: {page}");
        assert!(page.contains("14/05/2012"), "{prof}: {page}");
    }
    c.look(tab, "dossier created", width);
    c.created.borrow_mut().insert(prof.to_string(), id);
}

fn write_note(c: &Ctx, tab: &Tab, prof: &str, width: u32) {
    let kind = kind_written(&c.policy, prof).unwrap();
    goto(tab, &c.url(&format!("/dossiers/{}", c.main)));
    click(tab, &format!("a[href='/dossiers/{}/notes/new']", c.main));
    assert!(
        !has(tab, "#note-form"),
        "{prof}: a form before a kind is chosen"
    );
    c.look(tab, "choosing a note's kind", width);
    set(tab, "#kind", &kind);
    click(tab, "form.card button[type=submit]");
    let label = c.policy.kind_label(&kind, coffre::i18n::Lang::Fr);
    assert_eq!(
        eval(tab, "document.querySelector('#chosen-kind').textContent"),
        Value::String(label.to_string()),
        "{prof}"
    );
    c.look(tab, "note form", width);
    let said = marker("Note");
    eval(
        tab,
        &format!(
            "document.querySelectorAll('#note-form textarea').forEach(t => t.value = {})",
            serde_json::to_string(&format!("Observation du jour {said}")).unwrap()
        ),
    );
    click(tab, "#note-form button[type=submit]");
    assert!(
        text(tab).contains(&said),
        "{prof} ({kind}): the note written is not shown: {}",
        text(tab)
    );
    c.look(tab, "dossier after a note", width);
    c.notes.borrow_mut().insert(prof.to_string(), said);
}

fn correct_note(c: &Ctx, tab: &Tab, prof: &str, width: u32) {
    let said = c.notes.borrow()[prof].clone();
    goto(tab, &c.url(&format!("/dossiers/{}", c.main)));
    let id = eval(
        tab,
        &format!(
            "[...document.querySelectorAll('article.entry')].find(a => a.textContent.includes({})).dataset.entry",
            serde_json::to_string(&said).unwrap()
        ),
    );
    let id = id.as_str().unwrap_or_default().to_string();
    assert!(id.starts_with("e-"), "{prof}: its note is not on the page");
    click(tab, &format!("a[href='/notes/{id}/amend']"));
    c.look(tab, "correcting a note", width);
    let now = marker("Corrige");
    eval(
        tab,
        &format!(
            "document.querySelectorAll('#note-form textarea').forEach(t => t.value = {})",
            serde_json::to_string(&format!("Observation corrigée {now}")).unwrap()
        ),
    );
    click(tab, "#note-form button[type=submit]");
    let page = text(tab);
    assert!(
        page.contains(&now),
        "{prof}: the correction is not shown: {page}"
    );
    click(tab, &format!("a[href='/notes/{id}/versions']"));
    let versions = text(tab);
    assert!(
        versions.contains(&now) && versions.contains(&said),
        "{prof}: both versions: {versions}"
    );
    c.look(tab, "a note's versions", width);
    c.notes.borrow_mut().insert(prof.to_string(), now);
}

fn search_by_prefix(c: &Ctx, tab: &Tab, prof: &str, width: u32) {
    goto(tab, &c.url("/dossiers"));
    // "Vass" starts the person's last name.
    set(tab, "#q", "Vass");
    click(tab, "form.search button[type=submit]");
    assert!(
        has(tab, &format!("li[data-dossier='{}']", c.main)),
        "{prof}: the prefix finds the dossier: {}",
        text(tab)
    );
    assert!(!tab.get_url().contains("Vass"));
    assert!(text(tab).contains(PERSON), "{prof}: {}", text(tab));
    c.look(tab, "search results", width);
}

fn long_dossier(c: &Ctx, tab: &Tab, prof: &str, width: u32) {
    goto(tab, &c.url(&format!("/dossiers/{}", c.long)));
    let count = |tab: &Tab| {
        eval(tab, "document.querySelectorAll('article.entry').length")
            .as_u64()
            .unwrap_or(0)
    };
    assert_eq!(count(tab), 50, "{prof}");
    let summary = eval(tab, "document.querySelector('#page-summary').textContent");
    // The count as French writes it: 2 000, a narrow no-break space.
    assert!(
        summary
            .as_str()
            .unwrap_or("")
            .contains("Notes 1 à 50 sur 2\u{202f}000"),
        "{prof}: {summary}"
    );
    c.look(tab, "a dossier of 2,000 notes", width);
    click(tab, "#older");
    assert_eq!(count(tab), 50, "{prof}: the second page");
    assert!(has(tab, "#newer"));
    c.look(tab, "the second page of 2,000 notes", width);
}

fn care_team(c: &Ctx, tab: &Tab, prof: &str, width: u32) {
    let newcomer = "r-team";
    goto(tab, &c.url(&format!("/dossiers/{}/equipe", c.main)));
    c.look(tab, "care team", width);
    set(tab, "#staff", newcomer);
    click(tab, "form#team-add button[type=submit]");
    assert!(
        has(tab, &format!("li[data-staff='{newcomer}']")),
        "{prof}: {}",
        text(tab)
    );
    c.look(tab, "care team, a member added", width);
    click(tab, &format!("a[data-remove='{newcomer}']"));
    assert!(
        text(tab).contains("ne pourra plus ouvrir ce dossier"),
        "{prof}: {}",
        text(tab)
    );
    c.look(tab, "care team removal", width);
    click(tab, "#confirm-form button[type=submit]");
    assert!(!has(tab, &format!("li[data-staff='{newcomer}']")), "{prof}");
    assert!(
        text(tab).contains("ne fait plus partie de l'équipe"),
        "{prof}: {}",
        text(tab)
    );
}

fn break_glass(c: &Ctx, tab: &Tab, prof: &str, width: u32) {
    goto(tab, &c.url(&format!("/dossiers/{}/bris-de-glace", c.bg)));
    c.look(tab, "break-the-glass form", width);
    set(
        tab,
        "#justification",
        "Chute la nuit, appel du médecin d'astreinte",
    );
    click(tab, "form.card button[type=submit]");
    assert!(
        has(tab, "#break-glass-banner"),
        "{prof}: no banner: {}",
        text(tab)
    );
    c.look(tab, "dossier under break-the-glass", width);
}

fn person_access(c: &Ctx, tab: &Tab, prof: &str, width: u32) {
    goto(tab, &c.url(&format!("/dossiers/{}/equipe", c.main)));
    click(tab, "#person-access");
    assert!(
        text(tab).contains("affichée une seule fois"),
        "{prof}: {}",
        text(tab)
    );
    c.look(tab, "person access, asked", width);
    click(tab, "#confirm-form button[type=submit]");
    let pass = eval(
        tab,
        "document.querySelector('#sheet-passphrase').textContent",
    );
    let pass = pass.as_str().unwrap_or_default().trim().to_string();
    assert_eq!(pass.len(), 29, "{prof}: {}", text(tab));
    c.look(tab, "the person's sheet", width);
    *c.person_pass.borrow_mut() = Some(pass);
    // The person's session, if any, was for the credential now replaced.
    *c.person_tab.borrow_mut() = None;
}

fn readable_copy(c: &Ctx, tab: &Tab, prof: &str, width: u32) {
    let d = c.created.borrow()[prof].clone();
    goto(tab, &c.url(&format!("/dossiers/{d}")));
    assert!(
        has(tab, &format!("a[href='/dossiers/{d}/copie-lisible']")),
        "{prof}: the copy is offered"
    );
    let (status, body) = fetch(c, tab, &format!("/dossiers/{d}/copie-lisible"));
    assert_eq!(status, 200, "{prof}: the readable copy of {d}: {body}");
    assert!(
        body.contains(NEW_PERSON),
        "{prof}: the copy names the person"
    );
    // The copy, opened as the person will open it.
    eval(
        tab,
        &format!(
            "document.open(); document.write({}); document.close(); true",
            serde_json::to_string(&body).unwrap()
        ),
    );
    c.look(tab, "the readable copy", width);
}

fn release(c: &Ctx, tab: &Tab, prof: &str, width: u32) {
    goto(tab, &c.url(&format!("/audit/liberer?dossier={}", c.bg)));
    assert!(text(tab).contains("tiers"), "{prof}: {}", text(tab));
    c.look(tab, "release of the justifications, asked", width);
    click(tab, "#confirm-form button[type=submit]");
    assert!(
        text(tab).contains("communiquée(s) à la personne"),
        "{prof}: {}",
        text(tab)
    );
    c.look(tab, "release of the justifications, done", width);
}

fn report(c: &Ctx, tab: &Tab, prof: &str, width: u32) {
    goto(tab, &c.url("/dossiers"));
    click(tab, "nav a[href='/audit']");
    assert!(
        eval(tab, "document.querySelectorAll('.charts svg').length")
            .as_u64()
            .unwrap_or(0)
            >= 2,
        "{prof}: pictures: {}",
        text(tab)
    );
    c.look(tab, "audit report", width);
}

fn history(c: &Ctx, tab: &Tab, prof: &str, width: u32) {
    goto(
        tab,
        &c.url(&format!(
            "/audit/historique?dossier={}&profession=medecin",
            c.bg
        )),
    );
    let page = text(tab);
    assert!(page.contains("les plus récents d'abord"), "{prof}: {page}");
    assert!(has(tab, "tr[data-break-glass]"), "{prof}: {page}");
    assert!(page.contains("Chute la nuit"), "{prof}: the justification");
    let rows = eval(
        tab,
        "[...document.querySelectorAll('tbody tr')].map(r => r.innerText).join('\\n')",
    );
    let rows = rows.as_str().unwrap_or_default();
    assert!(
        rows.contains("(Médecin)") && !rows.contains("(Infirmier·ère)"),
        "{prof}: the filter keeps the doctor only: {rows}"
    );
    c.look(tab, "a dossier's history, filtered", width);
}

fn revoke(c: &Ctx, tab: &Tab, prof: &str, width: u32) {
    let who = c.spare.borrow_mut().pop().expect("a member to revoke");
    goto(tab, &c.url("/personnel"));
    c.look(tab, "staff", width);
    click(
        tab,
        &format!("form[action='/personnel/{who}/revoquer'] button[type=submit]"),
    );
    let asked = text(tab);
    assert!(
        asked.contains("Révoquer") && asked.contains("définitive"),
        "{prof}: {asked}"
    );
    c.look(tab, "revocation, asked", width);
    click(tab, "#confirm-form button[type=submit]");
    assert!(
        text(tab).contains(&format!("{who} révoqué·e")),
        "{prof}: {}",
        text(tab)
    );
    c.look(tab, "revocation, done", width);
}

fn document(c: &Ctx, tab: &Tab, prof: &str, width: u32) {
    goto(tab, &c.url(&format!("/dossiers/{}", c.main)));
    eval(
        tab,
        "document.querySelector('#document-upload').open = true",
    );
    let title = format!("Courrier {}", marker("Doc"));
    let bytes = format!("%PDF-1.4 contenu {}", marker("Contenu"));
    let file = c.v.root.path().join(format!("{prof}-{width}.pdf"));
    std::fs::write(&file, &bytes).unwrap();
    set(tab, "#doc-title", &title);
    set(tab, "#doc-date", "18/03/2024");
    tab.wait_for_element("#doc-file")
        .unwrap()
        .set_input_files(&[file.to_str().unwrap()])
        .unwrap();
    click(tab, "#document-upload button[type=submit]");
    let href = eval(
        tab,
        &format!(
            "([...document.querySelectorAll('#documents a')].find(a => a.textContent === {}) || {{}}).href || ''",
            serde_json::to_string(&title).unwrap()
        ),
    );
    let href = href.as_str().unwrap_or_default().to_string();
    assert!(
        !href.is_empty(),
        "{prof}: the document is listed: {}",
        text(tab)
    );
    c.look(tab, "dossier with a document", width);
    let (status, body) = fetch(c, tab, &href);
    assert_eq!(status, 200, "{prof}");
    assert!(
        body.contains(&bytes),
        "{prof}: the document downloaded is the one sent: {body}"
    );
}

/// The person's `/moi`, with the last sheet's passphrase.
fn moi(c: &Ctx, width: u32) {
    let tab = {
        let existing = c.person_tab.borrow().clone();
        match existing {
            Some(t) => t,
            None => {
                let tab = c.browser.new_context().unwrap().new_tab().unwrap();
                viewport(&tab, width);
                goto(&tab, &c.url("/moi/login"));
                c.look(&tab, "the person's login", width);
                set(&tab, "#dossier", &c.main);
                let pass = c.person_pass.borrow().clone().expect("a sheet was issued");
                set(&tab, "#passphrase", &pass);
                click(&tab, "form.card button[type=submit]");
                *c.person_tab.borrow_mut() = Some(tab.clone());
                tab
            }
        }
    };
    viewport(&tab, width);
    goto(&tab, &c.url("/moi"));
    assert!(tab.get_url().ends_with("/moi"), "{}", text(&tab));
    let page = text(&tab);
    assert!(page.contains(PERSON), "{page}");
    c.look(&tab, "/moi", width);
    let (status, copy) = fetch(c, &tab, "/moi/copie-lisible");
    assert_eq!(status, 200);
    assert!(copy.contains(PERSON));
    let remark = marker("Remarque");
    set(&tab, "#text", &format!("Je ne suis pas d'accord {remark}"));
    click(&tab, "form[action='/moi/note'] button[type=submit]");
    assert!(text(&tab).contains(&remark), "{}", text(&tab));
    c.look(&tab, "/moi after a remark", width);
}

// ------------------------------------------------------------------ the run

fn setup() -> Ctx {
    let policy = policy();
    let mut v = TestVault::new();
    let mut ids = BTreeMap::new();
    ids.insert("directeur".to_string(), v.admin.clone());
    for (i, (prof, name)) in NAMES.iter().enumerate() {
        let id = format!("u{i:02}");
        v.add_staff(&id, name, prof, true);
        ids.insert(prof.to_string(), id);
    }
    for (id, name) in SPARE {
        v.add_staff(id, name, "educateur-specialise", true);
    }
    v.add_staff("r-team", "Claire Vidal", "educateur-specialise", true);
    let creator = ids["assistant-social"].clone();
    let main = v.create_dossier(&creator, PERSON, "2001-02-03");
    for (prof, id) in &ids {
        if prof != "dpo" && *id != creator {
            v.team_add(&creator, &main, id);
        }
    }
    v.add_entry(
        &ids["infirmier"],
        &main,
        "care-alerts",
        &["text=Allergie pénicilline"],
    );
    // The long dossier: its readers in the team, 2,000 notes.
    let long = v.create_dossier(&creator, LONG_PERSON, "1990-06-07");
    let educ = ids["educateur-specialise"].clone();
    v.team_add(&creator, &long, &educ);
    for prof in long_readers(&policy) {
        if ids[&prof] != creator {
            v.team_add(&creator, &long, &ids[&prof]);
        }
    }
    let lines: String = (0..NOTES_IN_LONG)
        .map(|i| {
            format!("{{\"dossier\":\"{long}\",\"kind\":\"daily-life\",\"fields\":{{\"text\":\"Journée numéro {i}\"}}}}\n")
        })
        .collect();
    let import = v.root.path().join("long.jsonl");
    std::fs::write(&import, lines).unwrap();
    v.as_user(&educ, &["entry", "import", import.to_str().unwrap()])
        .expect_code(0, "import the long dossier's notes");
    let bg = v.create_dossier(&creator, BG_PERSON, "1985-09-10");
    let log = v.root.path().join("serve.log");
    let server = Server::start(&v.dir, &log);
    let ids = ids;
    Ctx {
        words: checks("fr", &typed()),
        axe: axe_source(),
        browser: browser(),
        server,
        policy,
        ids,
        main,
        long,
        bg,
        v,
        tabs: RefCell::new(BTreeMap::new()),
        notes: RefCell::new(BTreeMap::new()),
        created: RefCell::new(BTreeMap::new()),
        person_pass: RefCell::new(None),
        person_tab: RefCell::new(None),
        spare: RefCell::new(SPARE.iter().map(|(id, _)| *id).collect()),
        faults: RefCell::new(Vec::new()),
        pages_checked: RefCell::new(0),
        axed: RefCell::new(Default::default()),
        looking: RefCell::new(Duration::ZERO),
    }
}

/// At a desktop's width, every task by every profession that does it.
#[test]
fn every_daily_task_by_every_profession_that_does_it() {
    daily_tasks(1280);
}

/// At a phone's width, the same. Run apart from the desktop's, each with its
/// own vault, server and browser, so that the two widths run side by side
/// (the test waits on the browser more than it computes).
#[test]
fn every_daily_task_at_a_phones_width() {
    daily_tasks(390);
}

/// Every task of [`TASKS`] at `width`, by every profession that does it,
/// then the person's `/moi`, in a vault of its own.
fn daily_tasks(width: u32) {
    let t0 = Instant::now();
    let mut c = setup();
    let ready = t0.elapsed();
    eprintln!("vault ready in {ready:.1?}");
    let mut done = Vec::new();
    // `COFFRE_WEB_TASKS=create,copy`: only the tasks whose names hold one of
    // these words (a task may need an earlier one).
    let only: Vec<String> = std::env::var("COFFRE_WEB_TASKS")
        .unwrap_or_default()
        .split(',')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    {
        for task in TASKS {
            if !only.is_empty() && !only.iter().any(|o| task.name.contains(o.as_str())) {
                continue;
            }
            let who = (task.professions)(&c);
            assert!(
                !who.is_empty(),
                "{}: no profession ({})",
                task.name,
                task.who
            );
            let t = Instant::now();
            for prof in &who {
                let tab = c.tab(prof);
                viewport(&tab, width);
                (task.run)(&c, &tab, prof, width);
                done.push(format!("{} / {prof} / {width}", task.name));
            }
            eprintln!(
                "{} at {width}: {} professions, {:.1?}",
                task.name,
                who.len(),
                t.elapsed()
            );
        }
        if only.is_empty() || only.iter().any(|o| o == "moi") {
            moi(&c, width);
        }
        done.push(format!("the person's /moi / {width}"));
    }
    let faults = c.faults.borrow().clone();
    println!(
        "{} tasks done, {} pages checked in {:.1?}; vault ready in {:.1?}, all in {:.1?}",
        done.len(),
        c.pages_checked.borrow(),
        c.looking.borrow(),
        ready,
        t0.elapsed()
    );
    assert!(
        faults.is_empty(),
        "{} faults on the pages:\n{}",
        faults.len(),
        faults.join("\n")
    );
    drop(c.tabs.take());
    drop(c.person_tab.take());
    assert_eq!(c.server.stop(), 0, "a clean shutdown");
    c.v.verify().expect_code(0, "audit verify after the day");
}
