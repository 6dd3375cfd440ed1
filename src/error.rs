//! The library's error type and the exit code each kind of error maps to.
//!
//! Messages never contain plaintext: they name identifiers (staff ids, dossier ids,
//! field and category names), never names of people, field contents or passphrases.

use std::fmt;

/// Everything that can go wrong in Coffre, grouped by what the user should do about it.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The request itself is malformed (bad argument, unknown kind or field).
    Usage(String),
    /// The deontology policy (or the care team) does not allow this.
    Refused(String),
    /// The actor is entitled to the data but their key has not been granted yet.
    Pending(String),
    /// Wrong passphrase, unknown or revoked user.
    Auth(String),
    /// Stored data or the audit log has been altered or is corrupt.
    Integrity(String),
    /// A policy file is malformed or incoherent.
    Policy {
        /// The file that was read.
        file: String,
        /// The 1-based line of the problem (0 when unknown).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The thing asked for does not exist.
    NotFound(String),
    /// Another process holds the vault.
    Busy(String),
    /// The audit log could not be written, so the operation was not carried out.
    AuditUnavailable(String),
    /// An operating-system or storage error.
    Io(String),
    /// Stopped by the user (Ctrl-C, SIGINT) after finishing what was under way
    /// durably; the message says what was done and how to resume.
    Interrupted(String),
}

/// Shorthand for results in this crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The same error with its message passed through `f` (to say where it
    /// happened); errors without a free-text message are returned as they are.
    pub fn with_context(self, f: impl FnOnce(String) -> String) -> Error {
        match self {
            Error::Usage(m) => Error::Usage(f(m)),
            Error::Refused(m) => Error::Refused(f(m)),
            Error::Pending(m) => Error::Pending(f(m)),
            Error::NotFound(m) => Error::NotFound(f(m)),
            other => other,
        }
    }

    /// The documented process exit code for this error (see the README).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            Error::Refused(_) | Error::Pending(_) => 3,
            Error::Auth(_) => 4,
            Error::Integrity(_) => 5,
            Error::Policy { .. }
            | Error::NotFound(_)
            | Error::Busy(_)
            | Error::AuditUnavailable(_)
            | Error::Io(_) => 1,
            // 128 + SIGINT, the shell's convention for a command stopped by Ctrl-C.
            Error::Interrupted(_) => 130,
        }
    }

    pub(crate) fn io(context: &str, err: std::io::Error) -> Self {
        Error::Io(format!("{context}: {err}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) => write!(f, "{m}"),
            Error::Refused(m) => write!(f, "refused: {m}"),
            Error::Pending(m) => write!(f, "access pending: {m}"),
            Error::Auth(m) => write!(f, "authentication failed: {m}"),
            Error::Integrity(m) => write!(f, "integrity failure: {m}"),
            Error::Policy { file, line, reason } => {
                if *line > 0 {
                    write!(f, "invalid policy {file}:{line}: {reason}")
                } else {
                    write!(f, "invalid policy {file}: {reason}")
                }
            }
            Error::NotFound(m) => write!(f, "not found: {m}"),
            Error::Busy(m) => write!(f, "{m}"),
            Error::AuditUnavailable(m) => write!(
                f,
                "the audit log could not be written, so nothing was done (no audit, no access): {m}"
            ),
            Error::Io(m) => write!(f, "{m}"),
            Error::Interrupted(m) => write!(f, "interrupted: {m}"),
        }
    }
}

impl std::error::Error for Error {}
