//! The library's error type, the exit code each kind of error maps to, and the
//! typed message every error carries.
//!
//! The library composes no sentence for a user: an error is a category (what the
//! user should do about it, hence the exit code) and a [`Msg`], a stable message id
//! of the Fluent catalog (`i18n/*/coffre.ftl`) with named arguments. Front-ends turn
//! it into words in the user's language with [`crate::i18n::render_error`];
//! `Display` does so in the process's current language ([`crate::i18n::current`]).
//! Arguments are identifiers (staff ids, dossier ids, field and category ids),
//! counts, paths and the operating system's error kinds, never names of people,
//! field contents or passphrases.

use std::fmt;
use std::path::{Path, PathBuf};

/// One named argument of a [`Msg`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Arg {
    /// An identifier, a path, or a technical detail from another library, shown as it is.
    Text(String),
    /// A count or a number (Fluent selects plural forms on it).
    Number(i64),
    /// An operating-system error: its kind and, when known, its `errno` (shown
    /// through the catalog's `io-reason-*` messages).
    Io {
        /// The portable kind of the error.
        kind: std::io::ErrorKind,
        /// The raw OS error number, if any.
        code: Option<i32>,
    },
    /// A nested message (what went wrong underneath).
    Msg(Box<Msg>),
    /// A nested error, shown with its category's prefix.
    Error(Box<Error>),
}

/// A typed message: a stable id of the Fluent catalog and its named arguments.
///
/// The id is the error's stable kind: scripts and tests may match it; it never
/// changes meaning. Build one with [`msg!`](crate::msg).
#[derive(Clone, Debug, PartialEq)]
pub struct Msg {
    kind: &'static str,
    args: Vec<(&'static str, Arg)>,
}

impl Msg {
    /// A message with no argument yet.
    pub fn new(kind: &'static str) -> Self {
        Msg {
            kind,
            args: Vec::new(),
        }
    }

    /// The same message with one more named argument.
    pub fn with(mut self, name: &'static str, value: Arg) -> Self {
        self.args.push((name, value));
        self
    }

    /// The stable message id (the Fluent id of the catalog).
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The named arguments, in the order they were given.
    pub fn args(&self) -> &[(&'static str, Arg)] {
        &self.args
    }

    /// The argument named `name`, if any.
    pub fn arg(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, a)| a)
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::i18n::render(self, crate::i18n::current()))
    }
}

/// Builds a [`Msg`]: `msg!("audit-entry-bad-hash", seq = n, path = &p)`.
///
/// Each value becomes an [`Arg`]: integers a number, strings and paths text, an
/// `std::io::Error` its kind, a [`Msg`] or an [`Error`] a nested message, and any
/// other `Display` value its text.
#[macro_export]
macro_rules! msg {
    ($kind:literal $(, $name:ident = $val:expr)* $(,)?) => {{
        #[allow(unused_imports)]
        use $crate::error::{ArgDisplay as _, ArgSpecific as _};
        $crate::error::Msg::new($kind)$(.with(stringify!($name), (&$crate::error::ArgProbe(&$val)).to_arg()))*
    }};
}

/// Wrapper used by [`msg!`] to turn a value into an [`Arg`] (not for direct use).
#[doc(hidden)]
pub struct ArgProbe<'a, T: ?Sized>(pub &'a T);

/// Conversion of the types [`msg!`] knows (numbers, strings, paths, errors).
#[doc(hidden)]
pub trait ArgSpecific {
    /// The argument.
    fn to_arg(&self) -> Arg;
}

/// Conversion of any other `Display` value to text.
#[doc(hidden)]
pub trait ArgDisplay {
    /// The argument.
    fn to_arg(&self) -> Arg;
}

impl<T: fmt::Display + ?Sized> ArgDisplay for &ArgProbe<'_, T> {
    fn to_arg(&self) -> Arg {
        Arg::Text(self.0.to_string())
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl ArgSpecific for ArgProbe<'_, $t> {
            fn to_arg(&self) -> Arg {
                Arg::Number(i64::try_from(*self.0).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_arg!(u8, u16, u32, u64, usize, i8, i16, i32, i64);

impl ArgSpecific for ArgProbe<'_, str> {
    fn to_arg(&self) -> Arg {
        Arg::Text(self.0.to_string())
    }
}
impl ArgSpecific for ArgProbe<'_, String> {
    fn to_arg(&self) -> Arg {
        Arg::Text(self.0.clone())
    }
}
impl ArgSpecific for ArgProbe<'_, Path> {
    fn to_arg(&self) -> Arg {
        Arg::Text(self.0.display().to_string())
    }
}
impl ArgSpecific for ArgProbe<'_, PathBuf> {
    fn to_arg(&self) -> Arg {
        Arg::Text(self.0.display().to_string())
    }
}
impl ArgSpecific for ArgProbe<'_, std::io::Error> {
    fn to_arg(&self) -> Arg {
        Arg::Io {
            kind: self.0.kind(),
            code: self.0.raw_os_error(),
        }
    }
}
impl ArgSpecific for ArgProbe<'_, Error> {
    fn to_arg(&self) -> Arg {
        Arg::Error(Box::new(self.0.clone()))
    }
}
impl ArgSpecific for ArgProbe<'_, Msg> {
    fn to_arg(&self) -> Arg {
        Arg::Msg(Box::new(self.0.clone()))
    }
}
impl ArgSpecific for ArgProbe<'_, Arg> {
    fn to_arg(&self) -> Arg {
        self.0.clone()
    }
}
impl<'b, T: ?Sized> ArgSpecific for ArgProbe<'_, &'b T>
where
    for<'c> ArgProbe<'c, T>: ArgSpecific,
{
    fn to_arg(&self) -> Arg {
        ArgProbe(*self.0).to_arg()
    }
}

/// Everything that can go wrong in Coffre, grouped by what the user should do about it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The request itself is malformed (bad argument, unknown kind or field).
    Usage(Msg),
    /// The deontology policy (or the care team) does not allow this.
    Refused(Msg),
    /// The actor is entitled to the data but their key has not been granted yet.
    Pending(Msg),
    /// Wrong passphrase, unknown or revoked user.
    Auth(Msg),
    /// Stored data or the audit log has been altered or is corrupt.
    Integrity(Msg),
    /// A policy file is malformed or incoherent.
    Policy {
        /// The file that was read.
        file: String,
        /// The 1-based line of the problem (0 when unknown).
        line: usize,
        /// What is wrong.
        reason: Msg,
    },
    /// The thing asked for does not exist.
    NotFound(Msg),
    /// Another process holds the vault.
    Busy(Msg),
    /// The audit log could not be written, so the operation was not carried out.
    AuditUnavailable(Msg),
    /// An operating-system or storage error.
    Io(Msg),
    /// Stopped by the user (Ctrl-C, SIGINT) after finishing what was under way
    /// durably; the message says what was done and how to resume.
    Interrupted(Msg),
}

/// Shorthand for results in this crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The same error with its message placed inside `f`'s message (to say where
    /// it happened: `f` receives the original message as an argument); errors of
    /// other categories than usage, refusal, pending and not-found are returned as
    /// they are.
    pub fn with_context(self, f: impl FnOnce(Msg) -> Msg) -> Error {
        match self {
            Error::Usage(m) => Error::Usage(f(m)),
            Error::Refused(m) => Error::Refused(f(m)),
            Error::Pending(m) => Error::Pending(f(m)),
            Error::NotFound(m) => Error::NotFound(f(m)),
            other => other,
        }
    }

    /// The typed message of this error (for a policy error, its reason).
    pub fn msg(&self) -> &Msg {
        match self {
            Error::Usage(m)
            | Error::Refused(m)
            | Error::Pending(m)
            | Error::Auth(m)
            | Error::Integrity(m)
            | Error::NotFound(m)
            | Error::Busy(m)
            | Error::AuditUnavailable(m)
            | Error::Io(m)
            | Error::Interrupted(m) => m,
            Error::Policy { reason, .. } => reason,
        }
    }

    /// The stable id of this error's message (its kind).
    pub fn kind(&self) -> &'static str {
        self.msg().kind()
    }

    /// The stable name of the error's category, as used in the catalog
    /// (`error-usage`, `error-refused`, …).
    pub fn category(&self) -> &'static str {
        match self {
            Error::Usage(_) => "usage",
            Error::Refused(_) => "refused",
            Error::Pending(_) => "pending",
            Error::Auth(_) => "auth",
            Error::Integrity(_) => "integrity",
            Error::Policy { .. } => "policy",
            Error::NotFound(_) => "not-found",
            Error::Busy(_) => "busy",
            Error::AuditUnavailable(_) => "audit-unavailable",
            Error::Io(_) => "io",
            Error::Interrupted(_) => "interrupted",
        }
    }

    /// This error in words, in `lang` (what [`crate::i18n::render_error`] gives).
    pub fn in_lang(&self, lang: crate::i18n::Lang) -> String {
        crate::i18n::render_error(self, lang)
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

    /// An operating-system error: `context` says what was being done; the OS
    /// error's kind is added to it as the argument `reason`.
    /// An error of Coffre's own carried through an `io::Error` (a log read
    /// through [`crate::store::medium::MediumReader`]: a damaged row, a
    /// database error) comes back out as itself.
    pub(crate) fn io(context: Msg, err: std::io::Error) -> Self {
        if err.get_ref().is_some_and(|e| e.is::<Error>()) {
            if let Some(inner) = err.into_inner() {
                if let Ok(own) = inner.downcast::<Error>() {
                    return *own;
                }
            }
            return Error::Io(context);
        }
        Error::Io(context.with(
            "reason",
            Arg::Io {
                kind: err.kind(),
                code: err.raw_os_error(),
            },
        ))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::i18n::render_error(self, crate::i18n::current()))
    }
}

impl std::error::Error for Error {}
