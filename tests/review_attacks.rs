//! Attacks on the claim that every store record is vouched for, derived or
//! decides nothing: each test plays one adversary of `docs/threat-model.md`
//! and fails while Coffre shows a silent difference.

use crate::util;

use coffre::store::{layout, Op};
use util::{forge_store, marker, TestVault};

/// Every record of the closed folder vault under `prefix`.
fn scan(v: &TestVault, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    v.raw_store().scan_prefix(prefix).unwrap()
}

/// Administrator with disk access: the blind index "decides nothing" (a
/// search hint filtered by the register's reach), so copying a dossier's
/// index records under a dossier id the register has never held must not
/// change what an honest search finds. Today the search fails as a whole on
/// the planted id (`find_dossiers` reads `dossier_record(id)?` for every id a
/// tag lists), so a hint record decides that no one finds that person by name.
#[test]
fn a_planted_index_hint_does_not_stop_an_honest_name_search() {
    let v = TestVault::new();
    let d = v.create_dossier("dir.martin", "Zorglub Personne", "2010-01-01");
    let found = v.as_user("dir.martin", &["dossier", "find", "zorglub"]);
    assert!(
        found.ok("the control search").contains(&d),
        "the control search finds the dossier"
    );
    // The reverse index names each tag of the dossier: copy each `i/{tag}/{d}`
    // under a dossier id no fact ever named.
    let tags = scan(&v, &layout::dossier_index_prefix(&d));
    assert!(!tags.is_empty(), "the dossier's tags");
    let mut ops = Vec::new();
    for (k, _) in &tags {
        let hex_tag = layout::last_component(k).unwrap();
        let tag = hex::decode(hex_tag).unwrap();
        let value = util::stored(&v.dir, &layout::index(&tag, &d)).unwrap_or_default();
        ops.push(Op::Put(layout::index(&tag, "d-00000000ff"), value));
    }
    forge_store(&v.dir, ops);
    let r = v.as_user("dir.martin", &["dossier", "find", "zorglub"]);
    let (code, out, err) = r.parts();
    assert!(
        code == 0 && out.contains(&d),
        "a record that decides nothing stopped the search: exit {code}, {out} {err}"
    );
}

/// Administrator with disk access (or an accomplice of the member the person
/// objected to): the person's objection is vouched for by an `objection`
/// fact. Deleting its record must either change nothing (the register's
/// objection still withholds the category) or be exit 5 naming it.
#[test]
fn an_objection_record_deleted_withholds_as_before_or_is_named() {
    let mut v = TestVault::new();
    v.add_staff("e.petit", "Eva Petit", "educateur-specialise", true);
    let d = v.create_dossier("dir.martin", "Zorglub Personne", "2010-01-01");
    v.team_add("dir.martin", &d, "e.petit");
    let secret = marker("IDENT");
    v.add_entry("dir.martin", &d, "identity", &[&format!("text={secret}")]);
    v.as_user(
        "dir.martin",
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
    .expect_code(0, "the objection");
    let r = v.as_user("e.petit", &["dossier", "show", &d]);
    assert!(
        !r.ok("the educator reads").contains(&secret),
        "control: the objection withholds it"
    );
    let objections = scan(&v, &layout::objection_prefix(&d));
    assert!(!objections.is_empty(), "the objection's record");
    forge_store(
        &v.dir,
        objections.into_iter().map(|(k, _)| Op::Remove(k)).collect(),
    );
    let r = v.as_user("e.petit", &["dossier", "show", &d]);
    let (code, out, err) = r.parts();
    assert!(
        code == 5 || (code == 0 && !out.contains(&secret)),
        "the objection's record deleted: exit {code}, shows the withheld note: {}; {err}",
        out.contains(&secret)
    );
    assert!(
        code != 5 || err.contains("ob/"),
        "exit 5 names the objection's record: {err}"
    );
}
