//! Dates and numbers as each language writes them, in the establishment's time
//! zone (the policy's `[audit] timezone`, an IANA name): `30/11/2026 à 14:05` in
//! French, `30 Nov 2026, 14:05` in English; `12 345` and `12,345`.

use super::Lang;
use crate::error::{Error, Result};
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

/// A time as the vault or its log writes it, in `lang`: an RFC 3339 time
/// (`2026-12-08T01:53:31Z`) in time zone `tz`, a local time of a report
/// (`2026-12-07 18:53 CET`, already in the establishment's zone), or a date
/// (`2026-12-07`); any other text as it is.
pub fn written_time(lang: Lang, s: &str, tz: &str) -> String {
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return date_time(lang, ts, tz);
    }
    if let Some(d) = strict_iso(s) {
        return civil_date(lang, &d.to_string());
    }
    let local = s
        .get(..16)
        .filter(|p| strict_iso(&p[..10]).is_some() && p.as_bytes()[10] == b' ')
        .and_then(|p| jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M", p).ok());
    match local {
        Some(t) => tr_in!(
            lang,
            "date-time",
            day = format!("{:02}", t.day()),
            month = month_abbrev(lang, t.month()),
            year = t.year().to_string(),
            hour = format!("{:02}", t.hour()),
            minute = format!("{:02}", t.minute())
        ),
        None => s.to_string(),
    }
}

/// A calendar date kept as `YYYY-MM-DD` (a birth date) as the language
/// writes it (`14/05/2012`, `14 May 2012`); a text of another form as it is.
pub fn civil_date(lang: Lang, iso: &str) -> String {
    match strict_iso(iso) {
        Some(d) => tr_in!(
            lang,
            "date-only",
            day = format!("{:02}", d.day()),
            month = month_abbrev(lang, d.month()),
            year = d.year().to_string()
        ),
        None => iso.to_string(),
    }
}

/// `YYYY-MM-DD`, a real date, and nothing else.
fn strict_iso(s: &str) -> Option<jiff::civil::Date> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    s.parse().ok()
}

/// A date typed by a person: as written in France, `14/05/2012` (day and month
/// of one or two digits), or `2012-05-14` (ISO 8601). A year of two digits
/// (`14/05/12`) is refused with its own message (`date-two-digit-year`): its
/// century cannot be told. Anything else is `date-not-a-date`. The value is
/// not repeated in the error (a birth date says who someone is).
pub fn parse_date(input: &str) -> Result<jiff::civil::Date> {
    let s = input.trim();
    let bad = || Error::Usage(msg!("date-not-a-date"));
    if let Some(d) = strict_iso(s) {
        return Ok(d);
    }
    let parts: Vec<&str> = s.split('/').collect();
    let [day, month, year] = parts.as_slice() else {
        return Err(bad());
    };
    let digits = |p: &str, max: usize| {
        !p.is_empty() && p.len() <= max && p.bytes().all(|c| c.is_ascii_digit())
    };
    if !digits(day, 2) || !digits(month, 2) || !digits(year, 4) {
        return Err(bad());
    }
    if year.len() != 4 {
        return Err(Error::Usage(msg!("date-two-digit-year")));
    }
    let (Ok(y), Ok(m), Ok(d)) = (year.parse::<i16>(), month.parse::<i8>(), day.parse::<i8>())
    else {
        return Err(bad());
    };
    jiff::civil::Date::new(y, m, d).map_err(|_| bad())
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
    fn dates_typed_as_in_france() {
        let d = jiff::civil::date(2012, 5, 14);
        assert_eq!(parse_date("14/05/2012").unwrap(), d);
        assert_eq!(parse_date(" 14/5/2012 ").unwrap(), d);
        assert_eq!(parse_date("2012-05-14").unwrap(), d);
        let e = parse_date("14/05/12").unwrap_err();
        assert_eq!((e.kind(), e.exit_code()), ("date-two-digit-year", 2));
        for bad in [
            "31/02/2012",
            "2012-5-14",
            "14-05-2012",
            "14/05/20122",
            "",
            "1/1",
            "a/b/cdef",
        ] {
            assert_eq!(
                parse_date(bad).unwrap_err().kind(),
                "date-not-a-date",
                "{bad}"
            );
        }
        assert_eq!(civil_date(Lang::Fr, "2012-05-14"), "14/05/2012");
        assert_eq!(civil_date(Lang::En, "2012-05-14"), "14 May 2012");
        assert_eq!(civil_date(Lang::Fr, "inconnue"), "inconnue");
        assert_eq!(
            written_time(Lang::Fr, "2026-12-07 18:53 CET", "UTC"),
            "07/12/2026 à 18:53"
        );
        assert_eq!(
            written_time(Lang::Fr, "2026-11-30T13:05:00Z", "Europe/Paris"),
            "30/11/2026 à 14:05"
        );
        assert_eq!(written_time(Lang::Fr, "2026-12-07", "UTC"), "07/12/2026");
    }

    #[test]
    fn grouped_numbers() {
        assert_eq!(number(Lang::Fr, 1234567), "1\u{202f}234\u{202f}567");
        assert_eq!(number(Lang::En, -1234), "-1,234");
        assert_eq!(number(Lang::En, 999), "999");
    }
}
