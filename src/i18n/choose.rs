//! Which language to speak: `--lang`, else `COFFRE_LANG`, else the locale
//! (`LC_ALL`, `LC_MESSAGES`, `LANG`, in POSIX order of precedence), else the
//! policy's `language`, else French.

use super::Lang;
use crate::error::{Error, Result};

/// Where the chosen language came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// The `--lang` option.
    Flag,
    /// The `COFFRE_LANG` environment variable.
    Env,
    /// The locale (`LC_ALL`, `LC_MESSAGES` or `LANG`).
    Locale,
    /// The policy's `language`.
    Policy,
    /// Nothing chose: French, the shipped policy's language.
    Default,
}

/// The language to speak and where the choice came from.
///
/// `flag` is `--lang`'s value, `env` reads an environment variable (injected so
/// tests need not touch the process's environment), `policy` the policy's
/// `language`. A `--lang` or `COFFRE_LANG` naming no language Coffre speaks is a
/// usage error (`lang-unknown`); a locale of another language (or `C`, `POSIX`)
/// is passed over, as is an empty variable.
pub fn choose(
    flag: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    policy: Option<&str>,
) -> Result<(Lang, Choice)> {
    if let Some(f) = flag {
        return Lang::parse(f)
            .map(|l| (l, Choice::Flag))
            .ok_or_else(|| Error::Usage(msg!("lang-unknown", value = f, source = "--lang")));
    }
    if let Some(v) = env("COFFRE_LANG").filter(|v| !v.trim().is_empty()) {
        return Lang::parse(&v)
            .map(|l| (l, Choice::Env))
            .ok_or_else(|| Error::Usage(msg!("lang-unknown", value = v, source = "COFFRE_LANG")));
    }
    // POSIX: the first of these that is set and not empty decides the messages' locale.
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|name| env(name).filter(|v| !v.trim().is_empty()));
    if let Some(l) = locale.as_deref().and_then(Lang::parse) {
        return Ok((l, Choice::Locale));
    }
    if let Some(l) = policy.and_then(Lang::parse) {
        return Ok((l, Choice::Policy));
    }
    Ok((Lang::Fr, Choice::Default))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn order_of_precedence() {
        let all = [("COFFRE_LANG", "en"), ("LC_ALL", "fr_FR.UTF-8")];
        assert_eq!(
            choose(Some("fr"), &env(&all), Some("en")).unwrap(),
            (Lang::Fr, Choice::Flag)
        );
        assert_eq!(
            choose(None, &env(&all), Some("fr")).unwrap(),
            (Lang::En, Choice::Env)
        );
        let loc = [
            ("LC_ALL", ""),
            ("LC_MESSAGES", "en_GB.UTF-8"),
            ("LANG", "fr_FR"),
        ];
        assert_eq!(
            choose(None, &env(&loc), Some("fr")).unwrap(),
            (Lang::En, Choice::Locale)
        );
        let c = [("LANG", "C.UTF-8")];
        assert_eq!(
            choose(None, &env(&c), Some("en")).unwrap(),
            (Lang::En, Choice::Policy)
        );
        let de = [("LANG", "de_DE.UTF-8")];
        assert_eq!(
            choose(None, &env(&de), None).unwrap(),
            (Lang::Fr, Choice::Default)
        );
    }

    #[test]
    fn unknown_language_is_a_usage_error() {
        let e = choose(Some("de"), &env(&[]), None).unwrap_err();
        assert_eq!((e.exit_code(), e.kind()), (2, "lang-unknown"));
        let e = choose(None, &env(&[("COFFRE_LANG", "klingon")]), None).unwrap_err();
        assert_eq!(e.kind(), "lang-unknown");
    }
}
