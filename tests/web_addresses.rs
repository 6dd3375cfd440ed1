//! Addresses a browser can be made to send, black-box over HTTP: a malformed
//! id in the path (not UTF-8 once decoded, forbidden characters, too long)
//! or a query string that cannot be read, on every route that takes them,
//! gets the French error page with a 400 — never the framework's plain-text
//! English answer, never a library call (nothing is written to the log).

use crate::util;

use util::http;
use util::TestVault;

/// The routes of the server that take a parameter in their path, with the
/// methods they answer. Checked against the router's own list below, so a
/// route added later without being tried here fails this test.
const ROUTES: &[(&str, &[&str])] = &[
    ("/dossiers/{dossier}", &["GET"]),
    ("/dossiers/{dossier}/acces-personne", &["GET", "POST"]),
    ("/dossiers/{dossier}/notes/new", &["GET", "POST"]),
    ("/dossiers/{dossier}/bris-de-glace", &["GET", "POST"]),
    ("/dossiers/{dossier}/bris-de-glace/demande", &["POST"]),
    ("/dossiers/{dossier}/pourquoi", &["GET"]),
    ("/dossiers/{dossier}/copie-lisible", &["GET"]),
    ("/dossiers/{dossier}/documents", &["POST"]),
    ("/dossiers/{dossier}/documents/{doc}", &["GET"]),
    ("/dossiers/{dossier}/equipe", &["GET", "POST"]),
    (
        "/dossiers/{dossier}/equipe/{staff}/retirer",
        &["GET", "POST"],
    ),
    ("/personnel/{staff}/{action}", &["GET", "POST"]),
    ("/notes/{note}/amend", &["GET", "POST"]),
    ("/notes/{note}/versions", &["GET"]),
    ("/second-facteur/{factor}/retirer", &["POST"]),
    ("/second-facteur/reinitialiser/{staff}", &["POST"]),
    ("/moi/documents/{doc}", &["GET"]),
    ("/moi/second-facteur/{factor}/retirer", &["POST"]),
    (
        "/dossiers/{dossier}/second-facteur-personne/reinitialiser",
        &["POST"],
    ),
];

/// Values no id may take, as they appear in the address.
const BAD: &[&str] = &[
    "%FF",
    "%C3%28",
    "A%20B",
    "d-%00x",
    "%3Cscript%3E",
    "..",
    "-x",
    "DOSSIER",
    "x%2Fy",
];

/// What the framework's own rejections say (axum's plain-text bodies).
const FRAMEWORK: &[&str] = &[
    "Invalid URL",
    "Failed to deserialize",
    "Cannot parse",
    "Wrong number of path arguments",
    "No paths parameters",
    "Missing request extension",
    "Form requests must",
    "Internal Server Error",
];

fn french_error_page(route: &str, status: u16, head: &str, body: &str) {
    assert!(
        status == 400 || status == 404,
        "{route}: status {status}, want 400 or 404: {body}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/html; charset=utf-8"),
        "{route}: not an HTML page: {head}"
    );
    assert!(
        body.contains("<html lang=\"fr\">"),
        "{route}: not a French page: {body}"
    );
    for w in FRAMEWORK {
        assert!(!body.contains(w), "{route}: the framework's words {w:?}");
    }
    assert!(
        body.contains("Action impossible") || body.contains("Page introuvable"),
        "{route}: not the error page: {body}"
    );
}

/// The router's routes with a parameter, as `mod.rs` declares them.
fn routes_of_the_router() -> Vec<String> {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/bin/coffre/serve/mod.rs"
    ))
    .expect("the router's source");
    src.split(".route(")
        .skip(1)
        .filter_map(|r| r.trim_start().strip_prefix('"'))
        .filter_map(|r| r.split('"').next())
        .filter(|r| r.contains('{'))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_route_with_a_path_parameter_is_tried() {
    let listed: Vec<&str> = ROUTES.iter().map(|(r, _)| *r).collect();
    let routes = routes_of_the_router();
    assert!(!routes.is_empty(), "the router's routes were found");
    for r in &routes {
        assert!(
            listed.contains(&r.as_str()),
            "route {r} takes a parameter and is not tried by this test"
        );
    }
}

#[test]
fn a_malformed_id_in_any_address_gets_the_french_error_page() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("as.martin", "Claire Martin", "assistant-social", true);
    let d = v.create_dossier(&admin, "Jeanne Usager", "1950-01-01");
    v.team_add(&admin, &d, "as.martin");
    let note = v.add_entry("as.martin", &d, "social", &["text=Premier entretien."]);
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let cookie = http::login(&host, "as.martin", v.pass("as.martin"));
    let (_, _, home) = http::http(&host, "GET", "/dossiers", &[("Cookie", &cookie)], "");
    let token = http::csrf(&home).expect("a csrf token on the home page");
    let lines_before = v.audit_lines().len();

    let mut tried = 0;
    for (route, methods) in ROUTES {
        let params: Vec<&str> = route
            .split('{')
            .skip(1)
            .filter_map(|p| p.split('}').next())
            .collect();
        for bad_param in &params {
            for bad in BAD {
                // The other parameters are good ones: only this one is wrong.
                let mut path = route.to_string();
                for p in &params {
                    let good = match *p {
                        "dossier" => d.as_str(),
                        "note" => note.as_str(),
                        "staff" => "as.martin",
                        _ => "revoquer",
                    };
                    let value = if p == bad_param { bad } else { good };
                    path = path.replace(&format!("{{{p}}}"), value);
                }
                if *bad_param == "action" && !["%FF", "%C3%28"].contains(bad) {
                    // An unknown action word is answered as before (back to
                    // the staff page); only one that is not UTF-8 is tried here.
                    continue;
                }
                for m in *methods {
                    let (status, head, body) = if *m == "GET" {
                        http::http(&host, "GET", &path, &[("Cookie", &cookie)], "")
                    } else {
                        http::post(
                            &host,
                            &path,
                            &cookie,
                            &[("csrf", &token), ("confirm", "oui")],
                        )
                    };
                    french_error_page(&format!("{m} {path}"), status, &head, &body);
                    tried += 1;
                }
            }
        }
    }
    assert!(tried > 100, "{tried} requests tried");

    // A query string that cannot be read is told the same way.
    for path in [
        format!("/dossiers/{d}?page=abc"),
        "/audit/historique?dossier=x&page=-1".to_string(),
    ] {
        let (status, head, body) = http::http(&host, "GET", &path, &[("Cookie", &cookie)], "");
        french_error_page(&path, status, &head, &body);
    }

    // A good address still works.
    let (status, _, page) = http::http(
        &host,
        "GET",
        &format!("/dossiers/{d}"),
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Premier entretien."), "{page}");

    // Without a session, a bad address sends the browser to log in, as any
    // page does, and says nothing of the id.
    let (status, head, _) = http::http(&host, "GET", "/dossiers/%FF", &[], "");
    assert_eq!(status, 303, "{head}");
    assert_eq!(http::location(&head).as_deref(), Some("/login"));
    drop(server);

    // Nothing was asked of the library for a malformed address: the log
    // grew by the good page's read (and the session's own lines) only.
    let lines = v.audit_lines();
    let new: Vec<&String> = lines[lines_before..]
        .iter()
        .filter(|l| l.contains("\"denied\"") || l.contains("\"failed\""))
        .collect();
    assert!(
        new.is_empty(),
        "refusals recorded for bad addresses: {new:?}"
    );
}
