//! A dossier's identity beyond the name and birth date (sex, address,
//! admission date, unit): given at creation, checked, sealed with the name
//! (never in the store in clear), shown to those who read identity.

use crate::util;

use util::http;
use util::{contains_bytes, files_under, run_coffre, Opts, TestVault};

#[test]
fn a_dossier_keeps_the_rest_of_its_identity_sealed() {
    let mut v = TestVault::new();
    v.add_staff("as.id", "Sophie Assistante", "assistant-social", true);
    let create = |extra: &[&str]| {
        let mut args = vec![
            "dossier",
            "create",
            "--name",
            "Lucas Martin",
            "--birthdate",
            "14/05/2012",
        ];
        args.extend_from_slice(extra);
        v.as_user("as.id", &args)
    };
    create(&["--admitted", "01/09/24"]).expect_code(2, "a two-digit year");
    create(&["--admitted", "31/02/2024"]).expect_code(2, "no such date");
    create(&["--sex", "h"]).expect_code(2, "an unknown sex");
    let unit = "Groupe-Tilleuls-unique-7f3a";
    let d = create(&[
        "--sex",
        "F",
        "--admitted",
        "01/09/2024",
        "--unit",
        unit,
        "--address",
        "3 rue des Lilas, 69003 Lyon",
    ])
    .single_line();
    let shown = v
        .as_user("as.id", &["--json", "dossier", "show", &d])
        .json();
    assert_eq!(
        shown["details"],
        serde_json::json!({"sex": "f", "admitted": "2024-09-01", "unit": unit,
            "address": "3 rue des Lilas, 69003 Lyon"})
    );
    // A dossier without them reads as before.
    let plain = v.create_dossier("as.id", "Nina Garde", "2010-01-31");
    let shown = v
        .as_user("as.id", &["--json", "dossier", "show", &plain])
        .json();
    assert_eq!(shown["details"], serde_json::json!({}));
    for f in files_under(&v.dir) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        assert!(
            !contains_bytes(&bytes, unit.as_bytes()),
            "the unit in clear in {}",
            f.display()
        );
    }
    v.verify().expect_code(0, "audit verify");
}

/// The person sees the rest of their identity as the establishment keeps it:
/// on `/moi`, in their readable copy and their JSON download; and so does the
/// readable copy a member makes for them. In French words and dates.
#[test]
fn the_person_sees_the_rest_of_their_identity() {
    let mut v = TestVault::new();
    let admin = v.admin.clone();
    v.add_staff("as.id", "Sophie Assistante", "assistant-social", true);
    let unit = "Groupe-Tilleuls-unique-9b1c";
    let d = v
        .as_user(
            "as.id",
            &[
                "dossier",
                "create",
                "--name",
                "Lucas Martin",
                "--birthdate",
                "14/05/2012",
                "--sex",
                "m",
                "--admitted",
                "01/09/2024",
                "--unit",
                unit,
                "--address",
                "3 rue des Lilas, 69003 Lyon",
            ],
        )
        .single_line();
    v.team_add("as.id", &d, &admin);
    let person_pass = "la phrase de passe de Lucas 2026";
    run_coffre(
        &[
            "access",
            "grant",
            &d,
            "--recovery-key",
            v.recovery.to_str().expect("utf-8 path"),
        ],
        &Opts {
            vault: Some(&v.dir),
            user: Some(&admin),
            pass: Some(v.pass(&admin)),
            new_pass: Some(person_pass),
            ..Opts::default()
        },
    )
    .expect_code(0, "access grant");
    let server =
        http::Server::start_with(&v.dir, &v.root.path().join("serve.log"), &["--lang", "fr"]);
    let host = server.host.clone();
    let person = http::login_at(
        &host,
        "/moi/login",
        &[("dossier", d.as_str()), ("passphrase", person_pass)],
    )
    .expect("the person logs in");
    let staff = http::login(&host, &admin, v.pass(&admin));
    let get = |path: &str, cookie: &str| {
        let (status, _, body) = http::http(&host, "GET", path, &[("Cookie", cookie)], "");
        assert_eq!(status, 200, "{path}: {body}");
        body.replace("&#39;", "'")
    };
    let expected = [
        "Sexe",
        "Masculin",
        "Date d'admission",
        "01/09/2024",
        "Unité ou groupe",
        unit,
        "Adresse",
        "3 rue des Lilas, 69003 Lyon",
    ];
    for (what, page) in [
        ("/moi", get("/moi", &person)),
        ("the person's copy", get("/moi/copie-lisible", &person)),
        (
            "the copy made by staff",
            get(&format!("/dossiers/{d}/copie-lisible"), &staff),
        ),
    ] {
        for e in expected {
            assert!(page.contains(e), "{what} shows {e:?}: {page}");
        }
        assert!(!page.contains("2024-09-01"), "{what}: an ISO date");
    }
    let json: serde_json::Value =
        serde_json::from_str(&get("/moi/export.json", &person)).expect("the JSON download");
    assert_eq!(json["dossier"]["details"]["unit"], unit, "{json}");
    drop(server);
    v.verify().expect_code(0, "audit verify");
}
