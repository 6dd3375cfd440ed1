//! Hostile input: oversized values, invalid UTF-8, terminal escape sequences,
//! path tricks and malformed policy files each get a clear error (or are made
//! harmless), never a crash, and nothing already stored is lost.

use crate::util;

use util::TestVault;

fn setup() -> (TestVault, String) {
    let mut v = TestVault::new();
    v.add_staff("e.petit", "Élise Petit", "educateur-specialise", true);
    let admin = v.admin.clone();
    let d = v.create_dossier(&admin, "Lucas Exemple", "2012-05-14");
    v.team_add(&admin, &d, "e.petit");
    v.add_entry("e.petit", &d, "daily-life", &["text=déjà là"]);
    (v, d)
}

#[test]
fn oversized_and_non_text_values_are_refused_and_nothing_is_lost() {
    let (v, d) = setup();
    let big = v.root.path().join("big.txt");
    std::fs::write(&big, vec![b'a'; 16 * 1024 * 1024 + 1]).unwrap();
    let r = v.as_user(
        "e.petit",
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "daily-life",
            "--field",
            &format!("text=@{}", big.display()),
        ],
    );
    r.expect_code(2, "a value over 16 MiB");
    assert!(r.stderr.contains("too large"), "{}", r.stderr);

    let bin = v.root.path().join("bin.dat");
    std::fs::write(&bin, [0xff, 0xfe, 0x00, 0x80]).unwrap();
    let r = v.as_user(
        "e.petit",
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "daily-life",
            "--field",
            &format!("text=@{}", bin.display()),
        ],
    );
    r.expect_code(2, "invalid UTF-8");
    assert!(r.stderr.contains("UTF-8"), "{}", r.stderr);

    let r = v.as_user(
        "e.petit",
        &[
            "entry",
            "add",
            &d,
            "--kind",
            "daily-life",
            "--field",
            "text=@/nonexistent/file",
        ],
    );
    r.expect_code(2, "missing @FILE");

    let r = v.as_user("e.petit", &["--json", "dossier", "show", &d]);
    r.expect_code(0, "dossier still readable");
    let j = r.json();
    assert_eq!(
        j["entries"].as_array().unwrap().len(),
        1,
        "nothing was added, nothing lost"
    );
    assert_eq!(j["entries"][0]["fields"]["text"], "déjà là");
    v.verify().expect_code(0, "audit intact");
}

#[test]
fn terminal_escape_sequences_are_stored_but_never_replayed() {
    let (v, d) = setup();
    let evil = "bonjour\u{1b}[2J\u{1b}]0;pwned\u{7}fin";
    let id = v.add_entry("e.petit", &d, "daily-life", &[&format!("text={evil}")]);
    let r = v.as_user("e.petit", &["entry", "show", &id]);
    r.expect_code(0, "entry show");
    assert!(
        !r.stdout.contains('\u{1b}'),
        "no escape character reaches the terminal"
    );
    assert!(r.stdout.contains("bonjour") && r.stdout.contains("fin"));
    // JSON keeps the exact value, escaped.
    let j = v
        .as_user("e.petit", &["--json", "entry", "show", &id])
        .json();
    assert_eq!(j["fields"]["text"], evil);
}

#[test]
fn output_files_are_never_overwritten_or_followed() {
    let (v, d) = setup();
    let admin = v.admin.clone();
    let rk = v.recovery.to_str().unwrap().to_string();
    let precious = v.root.path().join("precious.txt");
    std::fs::write(&precious, "keep me").unwrap();
    let link = v.root.path().join("link.age");
    std::os::unix::fs::symlink(&precious, &link).unwrap();
    for out in [&precious, &link] {
        let r = v.as_user(
            &admin,
            &[
                "access",
                "export",
                &d,
                "--out",
                out.to_str().unwrap(),
                "--recipient",
                "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
                "--recovery-key",
                &rk,
            ],
        );
        assert_ne!(r.code, 0, "export onto an existing path or a symlink");
        let r = v.as_user(&admin, &["backup", "--out", out.to_str().unwrap()]);
        assert_ne!(r.code, 0, "backup onto an existing path or a symlink");
    }
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me");
}

#[test]
fn policy_files_with_wrong_types_are_refused_with_their_line() {
    let v = TestVault::new();
    let bad = v.root.path().join("bad.toml");
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/policies/default.toml"
    ))
    .unwrap()
    .replace("break_glass_hours = 8", "break_glass_hours = \"eight\"");
    std::fs::write(&bad, &text).unwrap();
    let line = text.lines().position(|l| l.contains("\"eight\"")).unwrap() + 1;
    let r = v.anon(&["policy", "check", bad.to_str().unwrap()]);
    r.expect_code(1, "wrong type");
    assert!(
        r.stderr.contains(&format!("bad.toml:{line}")),
        "{}",
        r.stderr
    );
    // Random bytes are refused too, without a crash.
    std::fs::write(&bad, [0u8, 159, 146, 150, 10, 255]).unwrap();
    let r = v.anon(&["policy", "check", bad.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}
