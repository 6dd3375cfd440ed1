//! The language of the command's output: `--lang` found before clap parses the
//! arguments, and whether the policy's `language` may still decide.

use std::ffi::OsString;
use std::sync::atomic::{AtomicBool, Ordering};

static EXPLICIT: AtomicBool = AtomicBool::new(false);

/// The value of `--lang X` or `--lang=X` among `args` (the last one wins, as clap
/// would have it); `None` when absent. Arguments after `--` are not options.
pub fn flag_in(args: &[OsString]) -> Option<String> {
    let mut found = None;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        if a == "--lang" {
            found = it.next().map(|v| v.to_string_lossy().into_owned());
        } else if let Some(v) = a.strip_prefix("--lang=") {
            found = Some(v.to_string());
        }
    }
    found
}

/// Records whether `--lang`, `COFFRE_LANG` or the locale chose the language.
pub fn set_explicit(explicit: bool) {
    EXPLICIT.store(explicit, Ordering::Relaxed);
}

/// Once a vault's policy is read: its labels name categories, kinds and
/// professions in messages, and its `language` decides when nothing else did.
pub fn from_policy(policy: &coffre::policy::Policy) {
    coffre::i18n::set_labels(policy);
    let language = policy.language;
    if EXPLICIT.load(Ordering::Relaxed) {
        return;
    }
    if let Some(l) = language {
        coffre::i18n::set_current(l);
    }
}

/// The command's `--help` descriptions in the current language: each command's
/// `about` from the catalog's `help-<command>-<subcommand>`, the global options'
/// from `help-arg-<name>` (clap's own headings stay as clap writes them).
pub fn localise_help(cmd: clap::Command) -> clap::Command {
    let loader = coffre::i18n::loader(coffre::i18n::current());
    let mut cmd = cmd;
    for arg in ["vault", "user", "json", "wait", "lang"] {
        let id = format!("help-arg-{arg}");
        if loader.has(&id) {
            let text = loader.get(&id);
            cmd = cmd.mut_arg(arg, |a| a.help(text));
        }
    }
    localise_command(cmd, "")
}

fn localise_command(mut cmd: clap::Command, path: &str) -> clap::Command {
    let loader = coffre::i18n::loader(coffre::i18n::current());
    let id = if path.is_empty() {
        "help-root".to_string()
    } else {
        format!("help-{path}")
    };
    if loader.has(&id) {
        cmd = cmd.about(loader.get(&id)).long_about(None);
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .filter(|n| n != "help")
        .collect();
    for name in subs {
        let p = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}-{name}")
        };
        cmd = cmd.mut_subcommand(&name, |s| localise_command(s, &p));
    }
    cmd
}
