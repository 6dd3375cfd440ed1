//! The language of the command's output: `--lang` found before clap parses the
//! arguments, and whether the policy's `language` may still decide.

use coffre::tr;
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
    let version = loader.get("help-version-flag");
    // clap adds its own `--version` at build time, in English: ours instead.
    cmd = cmd.disable_version_flag(true).arg(
        clap::Arg::new("version")
            .short('V')
            .long("version")
            .action(clap::ArgAction::Version)
            .help(version),
    );
    let mut cmd = localise_command(cmd, "");
    // The `help` subcommands exist once the command is built.
    cmd.build();
    localise_help_subcommands(cmd, &loader.get("help-help-command"))
}

fn localise_help_subcommands(mut cmd: clap::Command, text: &str) -> clap::Command {
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        if name == "help" {
            cmd = cmd.mut_subcommand(&name, |s| s.about(text.to_string()));
        } else {
            cmd = cmd.mut_subcommand(&name, |s| localise_help_subcommands(s, text));
        }
    }
    cmd
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
    // clap's own words: the headings, and the help flag's description.
    cmd = cmd
        .help_template(format!(
            "{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
            loader.get("help-usage-heading")
        ))
        .subcommand_help_heading(loader.get("help-commands-heading"))
        .disable_help_flag(true)
        .arg(
            clap::Arg::new("help")
                .short('h')
                .long("help")
                .action(clap::ArgAction::Help)
                .help(loader.get("help-help-flag")),
        );
    let (options, arguments) = (
        loader.get("help-options-heading"),
        loader.get("help-arguments-heading"),
    );
    let args: Vec<(String, bool)> = cmd
        .get_arguments()
        .filter(|a| a.get_help_heading().is_none())
        .map(|a| (a.get_id().to_string(), a.is_positional()))
        .collect();
    for (id, positional) in args {
        let heading = if positional { &arguments } else { &options };
        // Each argument's description: `help-<command path>--<argument id>`.
        let help = arg_help_id(path, &id)
            .filter(|h| loader.has(h))
            .map(|h| loader.get(&h));
        cmd = cmd.mut_arg(id, |a| {
            let a = a.help_heading(heading.clone());
            let a = match help {
                Some(text) => a.help(text),
                None => a,
            };
            shown_defaults_in_language(a)
        });
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

/// clap's `[default: …]`, `[possible values: …]` and `[env: …]` annotations,
/// in the user's language (`help-default`, `help-possible-values`,
/// `help-env`) at the end of the argument's description.
fn shown_defaults_in_language(a: clap::Arg) -> clap::Arg {
    let lang = coffre::i18n::current();
    let mut notes = Vec::new();
    if a.get_action().takes_values() && !a.is_hide_default_value_set() {
        let values: Vec<String> = a
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        if !values.is_empty() {
            notes.push(coffre::i18n::render(
                &coffre::msg!("help-default", value = values.join(", ")),
                lang,
            ));
        }
    }
    let possible: Vec<String> = a
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if a.get_action().takes_values() && !possible.is_empty() && !a.is_hide_possible_values_set() {
        notes.push(coffre::i18n::render(
            &coffre::msg!("help-possible-values", values = possible.join(", ")),
            lang,
        ));
    }
    if let Some(env) = a.get_env().filter(|_| !a.is_hide_env_set()) {
        notes.push(coffre::i18n::render(
            &coffre::msg!("help-env", name = env.to_string_lossy().into_owned()),
            lang,
        ));
    }
    if notes.is_empty() {
        return a;
    }
    let text = a.get_help().map(|h| h.to_string()).unwrap_or_default();
    let help = format!("{text} [{}]", notes.join(", "));
    a.hide_default_value(true)
        .hide_env(true)
        .hide_possible_values(true)
        .help(help)
}

/// Arguments described by `help-arg-<name>` (every command has them) or by
/// clap itself.
const SHARED_ARGS: [&str; 7] = ["vault", "user", "json", "wait", "lang", "help", "version"];

/// The catalog id of argument `id`'s description under command `path`
/// (`staff-add`, …): `help-staff-add--recovery_key`; `None` for the shared ones.
fn arg_help_id(path: &str, id: &str) -> Option<String> {
    (!path.is_empty() && !SHARED_ARGS.contains(&id)).then(|| format!("help-{path}--{id}"))
}

/// A usage error of the command line (clap's), in the user's language, as
/// lines: what was wrong (with a suggestion when clap has one), then where to
/// find the help.
/// Exit code 2 as before; `--help` and its displays are not errors.
pub fn usage_error(e: &clap::Error) -> Vec<String> {
    use clap::error::{ContextKind, ErrorKind};
    let ctx = |k| e.get(k).map(|v| v.to_string()).unwrap_or_default();
    let what = match e.kind() {
        ErrorKind::InvalidSubcommand => {
            tr!(
                "usage-unknown-command",
                what = ctx(ContextKind::InvalidSubcommand)
            )
        }
        ErrorKind::UnknownArgument => {
            tr!(
                "usage-unknown-argument",
                what = ctx(ContextKind::InvalidArg)
            )
        }
        ErrorKind::MissingRequiredArgument => {
            tr!(
                "usage-missing-argument",
                what = ctx(ContextKind::InvalidArg)
            )
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            tr!("usage-missing-command")
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation | ErrorKind::InvalidUtf8 => tr!(
            "usage-invalid-value",
            arg = ctx(ContextKind::InvalidArg),
            value = ctx(ContextKind::InvalidValue)
        ),
        ErrorKind::ArgumentConflict => tr!(
            "usage-conflict",
            what = ctx(ContextKind::InvalidArg),
            other = ctx(ContextKind::PriorArg)
        ),
        ErrorKind::TooManyValues
        | ErrorKind::TooFewValues
        | ErrorKind::WrongNumberOfValues
        | ErrorKind::NoEquals => tr!("usage-wrong-values", arg = ctx(ContextKind::InvalidArg)),
        _ => tr!("usage-other"),
    };
    let suggestion = [
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedArg,
        ContextKind::SuggestedValue,
    ]
    .into_iter()
    .map(ctx)
    .find(|s| !s.is_empty());
    let mut out = what;
    if let Some(s) = suggestion {
        out.push_str(&format!(" ({})", tr!("usage-did-you-mean", what = s)));
    }
    vec![out, tr!("usage-see-help")]
}

#[cfg(test)]
mod arg_help_tests {
    use super::*;
    use clap::CommandFactory;

    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<(String, String)>) {
        for a in cmd.get_arguments() {
            if let Some(id) = arg_help_id(path, a.get_id().as_str()) {
                let english = a.get_help().map(|h| h.to_string()).unwrap_or_default();
                out.push((id, english));
            }
        }
        for s in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let p = if path.is_empty() {
                s.get_name().to_string()
            } else {
                format!("{path}-{}", s.get_name())
            };
            walk(s, &p, out);
        }
    }

    #[test]
    fn every_argument_of_every_command_is_described_in_both_catalogs() {
        let mut all = Vec::new();
        walk(&crate::cli::Cli::command(), "", &mut all);
        assert!(
            all.len() > 50,
            "the walk finds the arguments: {}",
            all.len()
        );
        for lang in [coffre::i18n::Lang::Fr, coffre::i18n::Lang::En] {
            let loader = coffre::i18n::loader(lang);
            let missing: Vec<String> = all
                .iter()
                .filter(|(id, _)| !loader.has(id))
                .map(|(id, en)| format!("{id} = {en}"))
                .collect();
            assert!(missing.is_empty(), "{lang:?}:\n{}", missing.join("\n"));
        }
    }
}
