//! The `coffre` command: a thin layer over the `coffre` library. It parses
//! arguments, reads passphrases, calls the library and prints; errors map to the
//! documented exit codes in one place (`exit_code`).

mod cli;
mod import;
mod input;
mod lang;
mod run;
mod serve;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Before any passphrase or key is in memory: a crash must not write them to disk.
    if let Err(e) = coffre::harden::forbid_core_dumps() {
        let _ = writeln!(std::io::stderr(), "coffre: warning: {e}");
    }
    // The language is needed before the arguments are parsed (for `--help` and
    // usage errors), so `--lang` is looked for first among the raw arguments.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let flag = lang::flag_in(&args);
    let env = |name: &str| std::env::var(name).ok();
    match coffre::i18n::choose(flag.as_deref(), &env, None) {
        Ok((l, choice)) => {
            coffre::i18n::set_current(l);
            lang::set_explicit(choice != coffre::i18n::Choice::Default);
        }
        Err(e) => {
            let msg = e.to_string();
            let _ = writeln!(std::io::stderr(), "coffre: {}", coffre::text::escape(&msg));
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    }
    let cmd = lang::localise_help(<cli::Cli as clap::CommandFactory>::command());
    let parsed = cmd
        .try_get_matches_from(&args)
        .and_then(|m| <cli::Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
            } else {
                for line in lang::usage_error(&e) {
                    let _ = writeln!(std::io::stderr(), "coffre: {}", coffre::text::escape(&line));
                }
            }
            // clap: 0 for --help/--version, 2 for usage errors.
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    match run::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(run::Failure::BrokenPipe) => ExitCode::SUCCESS,
        Err(run::Failure::Coffre(e)) => {
            // Through the same escaping as every other output: a message may quote
            // an id or a name read from the vault.
            let msg = e.to_string();
            let _ = writeln!(std::io::stderr(), "coffre: {}", coffre::text::escape(&msg));
            ExitCode::from(e.exit_code().clamp(0, 255) as u8)
        }
    }
}
