//! A dossier's identity beyond the name and birth date (sex, address,
//! admission date, unit): given at creation, checked, sealed with the name
//! (never in the store in clear), shown to those who read identity.

mod util;

use util::{contains_bytes, files_under, TestVault};

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
