//! Dates and numbers as each language writes them, in the establishment's time
//! zone (the policy's `[audit] timezone`, an IANA name): `30/11/2026 à 14:05` in
//! French, `30 Nov 2026, 14:05` in English; `12 345` and `12,345`.

use super::Lang;
use crate::tr_in;

fn zoned(ts: jiff::Timestamp, tz: &str) -> jiff::ZonedDateTime {
    // An unknown zone name (already refused when the policy is loaded) falls back to UTC.
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    ts.to_zoned_datetime(zone)
}

/// The month `m` (1–12) as the language abbreviates it in dates (`03`, `Mar`).
pub(crate) fn month_abbrev(lang: Lang, m: i8) -> String {
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    match lang {
        Lang::Fr => format!("{m:02}"),
        Lang::En => EN[usize::try_from(m - 1).unwrap_or(0).min(11)].to_string(),
    }
}

/// A moment as a date and a time to the minute, in time zone `tz`.
pub fn date_time(lang: Lang, ts: jiff::Timestamp, tz: &str) -> String {
    let z = zoned(ts, tz);
    tr_in!(
        lang,
        "date-time",
        day = format!("{:02}", z.day()),
        month = month_abbrev(lang, z.month()),
        year = z.year().to_string(),
        hour = format!("{:02}", z.hour()),
        minute = format!("{:02}", z.minute())
    )
}

/// A moment's date alone, in time zone `tz`.
pub fn date(lang: Lang, ts: jiff::Timestamp, tz: &str) -> String {
    let z = zoned(ts, tz);
    tr_in!(
        lang,
        "date-only",
        day = format!("{:02}", z.day()),
        month = month_abbrev(lang, z.month()),
        year = z.year().to_string()
    )
}

/// An integer with the language's thousands separator (a narrow no-break space
/// in French, as the Imprimerie nationale's rules have it; a comma in English).
pub fn number(lang: Lang, n: i64) -> String {
    let sep = match lang {
        Lang::Fr => '\u{202f}',
        Lang::En => ',',
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// The colon as the language writes it before what follows: ` : ` in French
/// (with a no-break space before it), `: ` in English.
pub fn colon(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "\u{a0}: ",
        Lang::En => ": ",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_and_english_dates_in_the_establishment_zone() {
        // 2026-11-30 13:05 UTC is 14:05 in Paris (winter time).
        let ts: jiff::Timestamp = "2026-11-30T13:05:00Z".parse().unwrap();
        assert_eq!(
            date_time(Lang::Fr, ts, "Europe/Paris"),
            "30/11/2026 à 14:05"
        );
        assert_eq!(
            date_time(Lang::En, ts, "Europe/Paris"),
            "30 Nov 2026, 14:05"
        );
        assert_eq!(date(Lang::Fr, ts, "Europe/Paris"), "30/11/2026");
    }

    #[test]
    fn grouped_numbers() {
        assert_eq!(number(Lang::Fr, 1234567), "1\u{202f}234\u{202f}567");
        assert_eq!(number(Lang::En, -1234), "-1,234");
        assert_eq!(number(Lang::En, 999), "999");
    }
}
