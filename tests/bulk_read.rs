//! `Session::read_dossiers`: many dossiers read as an export would, their reads
//! audited in groups before anything is handed out.

use crate::util;

use coffre::{Error, FieldInput};
use secrecy::SecretString;

const PASS: &str = "bulk-read-passphrase";

fn pass() -> SecretString {
    SecretString::from(PASS)
}

#[test]
fn dossiers_are_read_in_groups_and_a_refusal_stops_the_reading() {
    let dir = tempfile::tempdir().expect("tmp");
    let v = util::library::library_vault(dir.path(), PASS, &[("edu", "educateur-specialise")]);
    let (mine, other) = {
        let mut s = v.unlock("dir", &pass()).expect("unlock");
        let mut mine = Vec::new();
        for i in 0..5 {
            let d = s
                .create_dossier(&format!("Person {i}"), "2000-01-01")
                .expect("dossier");
            s.add_team_member(&d, "edu").expect("team");
            mine.push(d);
        }
        let other = s
            .create_dossier("Elsewhere", "2000-01-01")
            .expect("dossier");
        (mine, other)
    };
    let mut s = v.unlock("edu", &pass()).expect("unlock");
    for (i, d) in mine.iter().enumerate() {
        for j in 0..=i {
            s.add_entry(
                d,
                "daily-life",
                &[FieldInput::new("text", &format!("{i}.{j}"))],
            )
            .expect("add");
        }
    }
    let before = v.verify_audit(None).expect("verify").entries;
    let mut seen = Vec::new();
    let n = s
        .read_dossiers(&mine, 2, &mut |view| {
            seen.push((view.id.clone(), view.entries.len()));
            Ok(())
        })
        .expect("read");
    assert_eq!(n, 5);
    let want: Vec<(String, usize)> = mine.iter().cloned().zip(1..=5).collect();
    assert_eq!(seen, want);
    let after = v.verify_audit(None).expect("verify").entries;
    assert_eq!(after - before, 5, "one audit entry per dossier read");

    // A dossier outside the care team: refused (and audited); the ones before
    // it in its group were read and are handed out, the ones after are not.
    let ids = vec![
        mine[0].clone(),
        mine[1].clone(),
        mine[2].clone(),
        other.clone(),
        mine[3].clone(),
    ];
    let mut got = Vec::new();
    let r = s.read_dossiers(&ids, 2, &mut |view| {
        got.push(view.id.clone());
        Ok(())
    });
    assert!(matches!(r, Err(Error::Refused(_))), "{r:?}");
    assert_eq!(got, mine[..3].to_vec());
    drop(s);
    let summary = v.verify_audit(None).expect("verify");
    assert!(summary.entries > 0);
}
