//! `coffre policy explain` without a passphrase: why a member can or cannot read
//! each category of a dossier, from records checked against the signed rights
//! register (verified from the genesis, since nobody unlocks).

use crate::util;

use util::TestVault;

#[test]
fn explain_tells_who_may_read_what_without_a_passphrase() {
    let mut v = TestVault::new();
    v.add_staff("dr.leroy", "Camille Leroy", "medecin", true);
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, "dr.leroy");
    let doctor = v.anon(&[
        "policy",
        "explain",
        "--user",
        "dr.leroy",
        "--dossier",
        &d,
        "--json",
    ]);
    doctor.expect_code(0, "explain for the doctor");
    let j = doctor.json();
    assert_eq!(j["in_team"], true, "{j}");
    let medical = j["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "medical")
        .unwrap()
        .clone();
    assert_eq!(medical["can_read_now"], true, "{j}");
    let educator = v.anon(&[
        "policy",
        "explain",
        "--user",
        "e.petit",
        "--dossier",
        &d,
        "--json",
    ]);
    educator.expect_code(0, "explain for the educator");
    let j = educator.json();
    assert_eq!(j["in_team"], false, "not in the care team: {j}");
    assert!(
        j["categories"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["can_read_now"] == false),
        "outside the care team nothing is readable: {j}"
    );
    // In words, in French by default: the category's label, not only its id.
    let text = v.anon(&["policy", "explain", "--user", "dr.leroy", "--dossier", &d]);
    text.expect_code(0, "explain in words");
    assert!(text.stdout.contains("medical"), "{}", text.stdout);
}
