//! Every word a user reads: the Fluent catalogs (`i18n/fr/coffre.ftl`,
//! `i18n/en/coffre.ftl`, embedded in the binary), the choice of language, and the
//! rendering of the library's typed errors and messages ([`crate::error::Msg`]).
//!
//! Front-ends (the `coffre` command, later the web application) call
//! [`render_error`] / [`render`] for what the library returns, and the [`tr!`](crate::tr)
//! macro (i18n-embed-fl's `fl!`, whose message ids and argument names are checked at
//! compile time against the French catalog) for their own sentences.
//! How to add a message or a language: `docs/i18n.md`.
//!
//! Catalogs follow Project Fluent's syntax (<https://projectfluent.org/fluent/guide/>);
//! plurals use the CLDR plural rules of each language.

mod choose;
mod format;
mod recorded;
pub mod words;

pub use choose::{choose, Choice};
pub(crate) use format::month_abbrev;
pub use format::{civil_date, colon, date, date_time, number, parse_date, written_time};
pub use recorded::recorded;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use fluent::{FluentArgs, FluentValue};
use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed::LanguageLoader;
use rust_embed::RustEmbed;

use crate::error::{Arg, Error, Msg};

#[doc(hidden)]
pub use i18n_embed_fl::fl as __fl;

/// The catalogs, embedded at build time.
#[derive(RustEmbed)]
#[folder = "i18n/"]
struct Catalogs;

/// A language Coffre speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    /// French (the reference catalog and the shipped policy's language).
    Fr,
    /// English.
    En,
}

impl Lang {
    /// Every language, the reference (French) first.
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    /// The ISO 639-1 code (`fr`, `en`), as in `--lang` and the policy's `language`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The language named by `s`: an ISO 639-1 code, a BCP 47 tag (`fr-FR`) or a
    /// POSIX locale (`fr_FR.UTF-8`, `en_GB@euro`); `None` for another language or
    /// for `C` / `POSIX`.
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim();
        let primary: String = s
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    fn index(self) -> u8 {
        match self {
            Lang::Fr => 0,
            Lang::En => 1,
        }
    }
}

/// The loader holding `lang`'s catalog (built once; no Unicode isolation marks
/// around arguments, since output goes to terminals and files).
pub fn loader(lang: Lang) -> &'static FluentLanguageLoader {
    static LOADERS: [OnceLock<FluentLanguageLoader>; 2] = [OnceLock::new(), OnceLock::new()];
    LOADERS[lang.index() as usize].get_or_init(|| {
        let loader: FluentLanguageLoader = i18n_embed::fluent::fluent_language_loader!();
        let id = i18n_embed::unic_langid::LanguageIdentifier::from_parts(
            i18n_embed::unic_langid::subtags::Language::from_bytes(lang.code().as_bytes())
                .unwrap_or_default(),
            None,
            None,
            &[],
        );
        // The catalogs are embedded and checked by tests (`tests/i18n_catalog.rs`):
        // loading can only fail on a broken build, and then every id renders as
        // itself rather than stopping the program.
        let _ = loader.load_languages(&Catalogs, &[id]);
        loader.set_use_isolating(false);
        loader
    })
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// Sets the language of this process's output (what [`current`] returns).
pub fn set_current(lang: Lang) {
    CURRENT.store(lang.index(), Ordering::Relaxed);
}

/// The language of this process's output: what [`set_current`] set, French until then.
pub fn current() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::En,
        _ => Lang::Fr,
    }
}

/// A message of the catalog with no argument, by its runtime id (for ids chosen
/// from data, e.g. a category of error); [`tr!`](crate::tr) checks literal ids at
/// compile time and is preferred.
pub fn text(lang: Lang, id: &str) -> String {
    loader(lang).get(id)
}

/// A message of the catalog with arguments given as [`Arg`]s, by its runtime id.
pub fn text_args(lang: Lang, id: &str, args: &[(&str, Arg)]) -> String {
    let mut fa = FluentArgs::new();
    for (name, arg) in args {
        fa.set(name.to_string(), fluent_value(name, arg, lang));
    }
    loader(lang).get_args_fluent(id, Some(&fa))
}

/// What names the ids held by messages' arguments in people's words: the
/// vault's policy (which implements it), given by the front-end. The library's
/// lowest floor knows only this, not the policy.
pub trait LabelSource: Send + Sync {
    /// The label of the id `id` held by an argument named `name`
    /// (`profession`, `category`/`cat`, `kind`) in `lang`; `None` for an
    /// argument of another name.
    fn label(&self, name: &str, id: &str, lang: Lang) -> Option<String>;

    /// A label written in another language (`Specialised educator`, as the
    /// audit log recorded a refusal in English) in `lang`; `None` if `text`
    /// is no label.
    fn relabel(&self, _text: &str, _lang: Lang) -> Option<String> {
        None
    }

    /// The establishment's time zone (an IANA name), in which times are shown.
    fn timezone(&self) -> Option<String> {
        None
    }
}

type Source = std::sync::Arc<dyn LabelSource>;

static LABELS: std::sync::RwLock<Option<Source>> = std::sync::RwLock::new(None);

/// The labels that replace ids in rendered messages: an argument named
/// `profession`, `category` (or `cat`) or `kind` holding an id the source
/// (the policy) defines is shown as its label in the language of the message.
/// Front-ends set it once the vault (hence its policy) is known.
pub fn set_labels<L: LabelSource + Clone + 'static>(source: &L) {
    if let Ok(mut l) = LABELS.write() {
        *l = Some(std::sync::Arc::new(source.clone()));
    }
}

/// The label of the id `id` held by an argument named `name` (`profession`,
/// `category`/`cat`, `kind`) in the source given to [`set_labels`], if any.
pub fn label_of(name: &str, id: &str, lang: Lang) -> Option<String> {
    let guard = LABELS.read().ok()?;
    guard.as_ref()?.label(name, id, lang)
}

/// `text` in `lang` if it is a label of the source given to [`set_labels`].
pub fn relabel(text: &str, lang: Lang) -> Option<String> {
    let guard = LABELS.read().ok()?;
    guard.as_ref()?.relabel(text, lang)
}

/// The time zone of the source given to [`set_labels`]; UTC without one.
pub fn zone() -> String {
    LABELS
        .read()
        .ok()
        .and_then(|g| g.as_ref().and_then(|s| s.timezone()))
        .unwrap_or_else(|| "UTC".to_string())
}

fn fluent_value(name: &str, arg: &Arg, lang: Lang) -> FluentValue<'static> {
    match arg {
        Arg::Text(s) => FluentValue::from(label_of(name, s, lang).unwrap_or_else(|| s.clone())),
        Arg::Number(n) => FluentValue::from(*n),
        Arg::Io { kind, code } => FluentValue::from(io_reason(*kind, *code, lang)),
        Arg::Msg(m) => FluentValue::from(render(m, lang)),
        Arg::Error(e) => FluentValue::from(render_error(e, lang)),
    }
}

/// A typed message in `lang`.
pub fn render(msg: &Msg, lang: Lang) -> String {
    text_args(lang, msg.kind(), msg.args())
}

/// An error in `lang`: its category's wording (`refused: …`, `integrity failure: …`)
/// around its message.
pub fn render_error(err: &Error, lang: Lang) -> String {
    let detail = Arg::Text(render(err.msg(), lang));
    match err {
        Error::Policy { file, line, .. } => {
            let args = [
                ("file", Arg::Text(file.clone())),
                ("line", Arg::Number(i64::try_from(*line).unwrap_or(0))),
                ("detail", detail),
            ];
            if *line > 0 {
                text_args(lang, "error-policy-line", &args)
            } else {
                text_args(lang, "error-policy", &args)
            }
        }
        _ => {
            let id = match err.category() {
                "usage" => "error-usage",
                "refused" => "error-refused",
                "pending" => "error-pending",
                "auth" => "error-auth",
                "integrity" => "error-integrity",
                "not-found" => "error-not-found",
                "busy" => "error-busy",
                "audit-unavailable" => "error-audit-unavailable",
                "interrupted" => "error-interrupted",
                _ => "error-io",
            };
            text_args(lang, id, &[("detail", detail)])
        }
    }
}

/// An operating-system error's kind in words (`io-reason-*` of the catalog).
fn io_reason(kind: std::io::ErrorKind, code: Option<i32>, lang: Lang) -> String {
    use std::io::ErrorKind as K;
    let id = match kind {
        K::NotFound => "io-reason-not-found",
        K::PermissionDenied => "io-reason-permission-denied",
        K::AlreadyExists => "io-reason-already-exists",
        K::StorageFull => "io-reason-storage-full",
        K::ReadOnlyFilesystem => "io-reason-read-only",
        K::UnexpectedEof => "io-reason-unexpected-eof",
        K::Interrupted => "io-reason-interrupted",
        K::InvalidData | K::InvalidInput => "io-reason-invalid-data",
        K::WouldBlock => "io-reason-would-block",
        K::BrokenPipe => "io-reason-broken-pipe",
        K::TimedOut => "io-reason-timed-out",
        _ => "io-reason-other",
    };
    let mut args = HashMap::new();
    args.insert("code", FluentValue::from(code.map(i64::from).unwrap_or(0)));
    loader(lang).get_args_concrete(id, args)
}

/// A message of the catalog in the process's current language, its id and
/// argument names checked at compile time: `tr!("dossier-created", id = id)`.
#[macro_export]
macro_rules! tr {
    ($($t:tt)*) => {
        $crate::i18n::__fl!($crate::i18n::loader($crate::i18n::current()), $($t)*)
    };
}

/// A message of the catalog in the given language, checked at compile time:
/// `tr_in!(lang, "dossier-created", id = id)`.
#[macro_export]
macro_rules! tr_in {
    ($lang:expr, $($t:tt)*) => {
        $crate::i18n::__fl!($crate::i18n::loader($lang), $($t)*)
    };
}
