//! Reading secrets and field values from the user: passphrases from a terminal
//! prompt or the environment, field values from arguments, files or stdin.

use coffre::{msg, tr};
use std::io::{IsTerminal, Read};

use coffre::crypto::passphrase::normalise;
use coffre::{Error, FieldInput, Result};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// The passphrase of the person unlocking: a prompt on a terminal, else
/// `COFFRE_PASSPHRASE`.
pub fn passphrase(user: &str) -> Result<SecretString> {
    if std::io::stdin().is_terminal() {
        let p = rpassword::prompt_password(format!(
            "{} ",
            tr!("cli-prompt-passphrase", who = user.to_string())
        ))
        .map_err(|e| Error::Io(msg!("cannot-read-passphrase", e = e)))?;
        return Ok(SecretString::from(p));
    }
    match std::env::var("COFFRE_PASSPHRASE") {
        Ok(p) => Ok(SecretString::from(p)),
        Err(_) => Err(Error::Usage(msg!(
            "passphrase-run-coffre-terminal-set-coffre"
        ))),
    }
}

/// A one-time code (or a recovery code) after the passphrase, when the policy
/// asks one on the command line: a prompt on a terminal (not echoed), else
/// `COFFRE_SECOND_FACTOR`, as for the passphrase.
pub fn second_factor_code(user: &str) -> Result<Zeroizing<String>> {
    if std::io::stdin().is_terminal() {
        let c = rpassword::prompt_password(format!(
            "{} ",
            tr!("cli-prompt-second-factor", who = user.to_string())
        ))
        .map_err(|e| Error::Io(msg!("cannot-read-passphrase", e = e)))?;
        return Ok(Zeroizing::new(c));
    }
    match std::env::var("COFFRE_SECOND_FACTOR") {
        Ok(c) => Ok(Zeroizing::new(c)),
        Err(_) => Err(Error::Usage(msg!("cli-second-factor-missing"))),
    }
}

/// A passphrase being set: asked twice on a terminal, else `COFFRE_NEW_PASSPHRASE`.
/// It is returned as given: the library normalises it and checks its strength
/// (`coffre::crypto::passphrase::check_new`), so an empty one is refused there
/// with a message that says it is empty.
pub fn new_passphrase(whose: &str) -> Result<SecretString> {
    if std::io::stdin().is_terminal() {
        let a = SecretString::from(
            rpassword::prompt_password(format!(
                "{} ",
                tr!("cli-prompt-new-passphrase", who = whose.to_string())
            ))
            .map_err(|e| Error::Io(msg!("cannot-read-passphrase", e = e)))?,
        );
        let b = SecretString::from(
            rpassword::prompt_password(format!("{} ", tr!("cli-prompt-repeat")))
                .map_err(|e| Error::Io(msg!("cannot-read-passphrase", e = e)))?,
        );
        let (na, nb) = (normalise(&a), normalise(&b));
        if na.expose_secret() != nb.expose_secret() {
            return Err(Error::Usage(msg!("two-passphrases-differ")));
        }
        return Ok(a);
    }
    match std::env::var("COFFRE_NEW_PASSPHRASE") {
        Ok(p) => Ok(SecretString::from(p)),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Error::Usage(msg!("coffre-new-passphrase-utf-8-text")))
        }
        Err(std::env::VarError::NotPresent) => {
            Err(Error::Usage(msg!("new-passphrase-run-coffre-terminal-set")))
        }
    }
}

/// Parses `NAME=VALUE`, `NAME=@FILE` and `NAME=@-` arguments.
pub fn fields(args: &[String]) -> Result<Vec<FieldInput>> {
    let mut out = Vec::new();
    let mut stdin_used = false;
    for arg in args {
        let Some((name, value)) = arg.split_once('=') else {
            return Err(Error::Usage(msg!("field-must-written-name-value")));
        };
        let value: Zeroizing<String> = if value == "@-" {
            if stdin_used {
                return Err(Error::Usage(msg!("only-one-field-may-read-standard")));
            }
            stdin_used = true;
            let mut buf = Zeroizing::new(Vec::new());
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| Error::Io(msg!("cannot-read-standard-input", e = e)))?;
            text(buf, name)?
        } else if let Some(path) = value.strip_prefix('@') {
            let buf = Zeroizing::new(std::fs::read(path).map_err(|e| {
                Error::Usage(msg!("field-cannot-read", name = name, path = path, e = e))
            })?);
            text(buf, name)?
        } else {
            Zeroizing::new(value.to_string())
        };
        out.push(FieldInput {
            name: name.to_string(),
            value,
        });
    }
    Ok(out)
}

/// A sensitive text option (`--title`, `--source`): `@FILE` reads it from a
/// file and `@-` from standard input (one trailing line end dropped), so it
/// never shows in `ps` or the shell's history; anything else is the text
/// itself. `stdin_used` says whether standard input was already taken
/// (a document read from `-`, another option). Errors: usage (exit 2).
pub fn sensitive_text(value: &str, name: &str, stdin_used: &mut bool) -> Result<Zeroizing<String>> {
    let buf = if value == "@-" {
        if *stdin_used {
            return Err(Error::Usage(msg!("only-one-field-may-read-standard")));
        }
        *stdin_used = true;
        let mut buf = Zeroizing::new(Vec::new());
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Error::Io(msg!("cannot-read-standard-input", e = e)))?;
        buf
    } else if let Some(path) = value.strip_prefix('@') {
        Zeroizing::new(std::fs::read(path).map_err(|e| {
            Error::Usage(msg!("field-cannot-read", name = name, path = path, e = e))
        })?)
    } else {
        return Ok(Zeroizing::new(value.to_string()));
    };
    let mut t = text(buf, name)?;
    if t.ends_with('\n') {
        t.pop();
        if t.ends_with('\r') {
            t.pop();
        }
    }
    Ok(t)
}

fn text(buf: Zeroizing<Vec<u8>>, name: &str) -> Result<Zeroizing<String>> {
    match std::str::from_utf8(&buf) {
        Ok(s) => Ok(Zeroizing::new(s.to_string())),
        Err(_) => Err(Error::Usage(msg!("field-value-utf-8-text", name = name))),
    }
}
