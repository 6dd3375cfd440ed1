//! `coffre entry import`: a JSON Lines file of entries, checked whole before
//! anything is written, then imported in groups, each group durable and
//! audited entry by entry.

use crate::util;

use util::{contains_bytes, files_under, marker, TestVault};

const EDU: &str = "edu.import";
const DPO: &str = "dpo.import";

fn setup() -> (TestVault, String, String) {
    let mut tv = TestVault::new();
    tv.add_staff(EDU, "Educ Import", "educateur-specialise", true);
    tv.add_staff(DPO, "Dpo Import", "dpo", true);
    let admin = tv.admin.clone();
    let mine = tv.create_dossier(&admin, "Alix Import", "2010-01-01");
    tv.team_add(&admin, &mine, EDU);
    let other = tv.create_dossier(&admin, "Bo Ailleurs", "2011-01-01");
    (tv, mine, other)
}

fn line(dossier: &str, text: &str) -> String {
    serde_json::json!({"dossier": dossier, "kind": "daily-life", "fields": {"text": text}})
        .to_string()
}

fn entry_count(tv: &TestVault, dossier: &str) -> usize {
    let r = tv.as_user(EDU, &["dossier", "show", dossier, "--json"]);
    r.expect_code(0, "dossier show");
    r.json()["entries"].as_array().expect("entries").len()
}

#[test]
fn a_file_is_imported_in_groups_each_entry_audited() {
    let (tv, d, _) = setup();
    let secret = marker("import-note-");
    let mut text = String::new();
    for i in 0..250 {
        text.push_str(&line(&d, &format!("{secret} {i}")));
        text.push('\n');
        if i == 100 {
            text.push('\n'); // blank lines are skipped
        }
    }
    let file = tv.root.path().join("entries.jsonl");
    std::fs::write(&file, &text).expect("write");
    let r = tv.as_user(
        EDU,
        &[
            "entry",
            "import",
            file.to_str().expect("utf-8"),
            "--group",
            "100",
            "--json",
        ],
    );
    r.expect_code(0, "import");
    assert_eq!(r.json()["imported"], 250);
    assert_eq!(entry_count(&tv, &d), 250);
    let adds: Vec<_> = tv
        .audit_log(DPO, &["--dossier", &d, "--action", "entry.add"])
        .into_iter()
        .filter(|e| e["actor"] == EDU)
        .collect();
    assert_eq!(adds.len(), 250, "one audit entry per imported entry");
    tv.verify().expect_code(0, "audit verify after import");
    for f in files_under(&tv.dir) {
        let bytes = std::fs::read(&f).expect("read");
        assert!(
            !contains_bytes(&bytes, secret.as_bytes()),
            "imported plaintext found in {}",
            f.display()
        );
    }
}

#[test]
fn a_malformed_line_stops_the_import_before_anything_is_written() {
    let (tv, d, _) = setup();
    let secret = marker("malformed-");
    let text = format!(
        "{}\n{}\n{{\"dossier\": \"{d}\", \"kind\": \"daily-life\", \"fields\": {{\"text\": \"{secret}\"\n",
        line(&d, "one"),
        line(&d, "two")
    );
    let file = tv.root.path().join("bad.jsonl");
    std::fs::write(&file, text).expect("write");
    let r = tv.as_user(EDU, &["entry", "import", file.to_str().expect("utf-8")]);
    r.expect_code(2, "malformed line");
    let (_, _, stderr) = r.parts();
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(
        !stderr.contains(&secret),
        "the error quotes the note: {stderr}"
    );
    assert_eq!(entry_count(&tv, &d), 0, "nothing written");
}

#[test]
fn a_refused_entry_stops_the_import_after_the_groups_before_it() {
    let (tv, d, other) = setup();
    let mut text = String::new();
    for i in 0..30 {
        let target = if i == 24 { &other } else { &d };
        text.push_str(&line(target, &format!("note {i}")));
        text.push('\n');
    }
    let file = tv.root.path().join("refused.jsonl");
    std::fs::write(&file, text).expect("write");
    let r = tv.as_user(
        EDU,
        &[
            "entry",
            "import",
            file.to_str().expect("utf-8"),
            "--group",
            "10",
        ],
    );
    r.expect_code(3, "not in the care team");
    let (_, _, stderr) = r.parts();
    assert!(stderr.contains("entry 25"), "{stderr}");
    assert!(stderr.contains("20 entries of 30 were written"), "{stderr}");
    assert_eq!(
        entry_count(&tv, &d),
        20,
        "the two groups before the refusal stay"
    );
    let refused = tv.audit_log(DPO, &["--dossier", &other, "--outcome", "denied"]);
    assert_eq!(refused.len(), 1, "the refusal is audited");
}
