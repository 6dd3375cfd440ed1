//! The second factor on the command line (`[auth] cli_second_factor`): by
//! default the console keeps the passphrase alone; when the policy asks it, a
//! member who has enrolled an authenticator app gives a one-time code (or a
//! recovery code) after the passphrase, checked, audited and accepted once as
//! on the web; a member whose only factor is a passkey is told the command
//! line cannot use it (tested in `tests/web_passkey.rs`, where passkeys are
//! made).

use crate::util;

use std::io::Write;
use std::process::{Command, Stdio};

use secrecy::SecretString;
use serde_json::Value;
use util::{Run, TestVault, COFFRE};

fn policy(cli: bool) -> String {
    let p = coffre::policy::DEFAULT_POLICY.replace(
        "cli_second_factor = false",
        &format!("cli_second_factor = {cli}"),
    );
    if cli {
        assert_ne!(
            p,
            coffre::policy::DEFAULT_POLICY,
            "the shipped policy names the rule"
        );
    }
    p
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn code_at(secret: &str, time: u64) -> String {
    let raw = totp_rs::Secret::try_from_base32(secret.replace(' ', "")).expect("base32 secret");
    totp_rs::Builder::new()
        .with_secret(raw.as_ref().to_vec())
        .build()
        .expect("totp")
        .generate(time)
        .to_string()
}

/// Enrols an authenticator app for `user` through the library (what the
/// member's web page does): its base32 secret and recovery codes.
fn enrol_app(v: &TestVault, user: &str) -> (String, Vec<String>) {
    let vault = coffre::Vault::open(&v.dir).expect("open");
    let mut s = vault
        .unlock(user, &SecretString::from(v.pass(user)))
        .expect("unlock");
    let e = s.begin_totp_enrolment().expect("begin");
    let secret = e.secret_base32().to_string();
    s.enrol_totp(&e, &code_at(&secret, now())).expect("enrol");
    let codes = e.recovery_codes().iter().map(|c| c.to_string()).collect();
    (secret, codes)
}

/// Runs coffre as `user` with their passphrase and, when given, `code` in
/// `COFFRE_SECOND_FACTOR` (stdin a pipe, as every test run).
fn as_user_with_code(v: &TestVault, user: &str, code: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = Command::new(COFFRE);
    cmd.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("COFFRE_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("COFFRE_LANG", "fr")
        .env("COFFRE_VAULT", &v.dir)
        .env("COFFRE_USER", user)
        .env("COFFRE_PASSPHRASE", v.pass(user));
    if let Some(c) = code {
        cmd.env("COFFRE_SECOND_FACTOR", c);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start coffre");
    let _ = child.stdin.take().expect("stdin").write_all(b"");
    let out = child.wait_with_output().expect("coffre did not finish");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

fn sf_lines(v: &TestVault, from: usize) -> Vec<Value> {
    v.audit_lines()[from..]
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| {
            e["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("auth.second-factor"))
        })
        .collect()
}

#[test]
fn by_default_the_console_keeps_the_passphrase_alone() {
    let mut v = TestVault::with_policy(&policy(false));
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    enrol_app(&v, "e.petit");
    let before = v.audit_lines().len();
    let run = as_user_with_code(&v, "e.petit", None, &["dossier", "list"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(sf_lines(&v, before).is_empty(), "no code asked");
}

#[test]
fn when_the_policy_asks_it_a_code_is_needed_and_accepted_once() {
    let mut v = TestVault::with_policy(&policy(true));
    v.add_staff("e.petit", "Emma Petit", "educateur-specialise", true);
    v.add_staff("s.roux", "Sarah Roux", "assistant-social", true);
    let (secret, recovery) = enrol_app(&v, "e.petit");
    assert_eq!(recovery.len(), 10);

    // A member with no factor enrolled: the passphrase alone, as before.
    let run = as_user_with_code(&v, "s.roux", None, &["dossier", "list"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    // No code given: refused before anything is read, saying how to give it.
    let run = as_user_with_code(&v, "e.petit", None, &["dossier", "list"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("COFFRE_SECOND_FACTOR"),
        "{}",
        run.stderr
    );

    // A wrong code: refused (exit 4), audited.
    let before = v.audit_lines().len();
    let t = now();
    let near: Vec<String> = [t - 30, t, t + 30, t + 60]
        .iter()
        .map(|t| code_at(&secret, *t))
        .collect();
    let wrong = ["000000", "111111", "222222", "333333", "444444"]
        .into_iter()
        .find(|c| !near.iter().any(|n| n == c))
        .unwrap();
    let run = as_user_with_code(&v, "e.petit", Some(wrong), &["dossier", "list"]);
    assert_eq!(run.code, 4, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("code incorrect"), "{}", run.stderr);
    let lines = sf_lines(&v, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["outcome"], "failed");
    assert_eq!(lines[0]["detail"], "wrong code");

    // The next step's code (the enrolment used this one): accepted, audited.
    let code = code_at(&secret, now() + 30);
    let before = v.audit_lines().len();
    let run = as_user_with_code(&v, "e.petit", Some(&code), &["dossier", "list"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let lines = sf_lines(&v, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["action"], "auth.second-factor");
    assert_eq!(lines[0]["outcome"], "ok");
    assert!(
        lines[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("totp step "),
        "{lines:?}"
    );

    // The same code again: refused as used.
    let run = as_user_with_code(&v, "e.petit", Some(&code), &["dossier", "list"]);
    assert_eq!(run.code, 4, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("déjà servi"), "{}", run.stderr);

    // A recovery code, typed in capitals: accepted once.
    let r = recovery[3].to_uppercase();
    let before = v.audit_lines().len();
    let run = as_user_with_code(&v, "e.petit", Some(&r), &["dossier", "list"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let lines = sf_lines(&v, before);
    assert_eq!(lines[0]["detail"], "recovery code 4", "{lines:?}");
    let run = as_user_with_code(&v, "e.petit", Some(&r), &["dossier", "list"]);
    assert_eq!(run.code, 4, "{}{}", run.stdout, run.stderr);

    // A recovery code is never in the log (its number only).
    let log = v.audit_lines().join("\n");
    assert!(!log.contains(&recovery[3]), "{log}");
}
