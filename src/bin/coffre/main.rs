//! The `coffre` command: a thin layer over the `coffre` library. It parses
//! arguments, reads passphrases, calls the library and prints; errors map to the
//! documented exit codes in one place (`exit_code`).

mod cli;
mod import;
mod input;
mod run;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Before any passphrase or key is in memory: a crash must not write them to disk.
    if let Err(e) = coffre::harden::forbid_core_dumps() {
        let _ = writeln!(std::io::stderr(), "coffre: warning: {e}");
    }
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
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
