//! The DPO's pictures as SVG drawn by the server: accesses per day by
//! profession, reads by hour of the day with working hours marked, refusals and
//! failed logins per day, break-the-glass accesses with their justifications,
//! reading bursts. Each is drawn from a [`Dashboard`] (`super::dashboard`).
//!
//! Every picture is one `<svg>` element (SVG 1.1 / SVG 2, W3C) meant to be put
//! inline in an HTML page, or served as an `image/svg+xml` document once passed
//! through [`standalone`]:
//! - accessible: `role="img"`, a `<title>` and a `<desc>` (what it shows, in
//!   words, with the totals) named by `aria-labelledby` (WAI-ARIA Graphics
//!   Module); text labels on the axes; a legend naming each series under its
//!   label; every bar carries its own `<title>` (series, day or hour, count);
//! - distinguishable by colour-blind people: the Okabe–Ito palette (Okabe & Ito,
//!   *Color Universal Design*, 2008), a dark outline on every bar and swatch
//!   (WCAG 2.1 §1.4.11, 3:1 against white) and, past the palette's eight
//!   colours, hatching;
//! - allowed by a strict Content-Security-Policy (`default-src 'none';
//!   style-src 'self'`): no `<script>`, no event attribute, no `style`
//!   attribute or element, no external reference; presentation attributes only
//!   (`fill=`, `stroke=`, `font-size=`);
//! - escaped: every text that comes from the log or the policy (names,
//!   justifications, labels) is written as character data, never as markup.
//!
//! Words come from the message catalog (`chart-*`), profession labels from the
//! policy. Bars carry `data-day`/`data-hour`, `data-series` and `data-count` so
//! tests (and a reader's tools) can check a picture against its data.
//!
//! Drawn here rather than with a plotting crate: the pictures are a few
//! rectangles and texts, and what they must carry (`<title>`/`<desc>` with
//! ARIA, per-bar titles and data attributes, no inline style) is what general
//! SVG backends do not give.

use std::fmt::Write as _;

use super::dashboard::Dashboard;
use crate::audit::render::esc;
use crate::i18n::Lang;
use crate::tr_in;

/// One picture of the dashboard.
#[derive(Clone, Debug)]
pub struct Chart {
    /// Stable id, also the prefix of the ids inside the SVG (`coffre-hours`…).
    pub id: &'static str,
    /// The `<svg>` element, ready to put inline in HTML.
    pub svg: String,
}

/// The Okabe–Ito palette, darkest first; yellow last (weakest on white).
const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#F0E442",
];
/// Outline of every bar and swatch (contrast against white and against the fill).
const OUTLINE: &str = "#222222";
/// Working-hours band.
const BAND: &str = "#DDDDDD";
/// Text and axes.
const INK: &str = "#222222";
/// Grid lines.
const GRID: &str = "#BBBBBB";
/// Reads within working hours.
const INSIDE: &str = "#0072B2";
/// Reads outside working hours, break-the-glass markers.
const ALERT: &str = "#D55E00";

const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 40.0;
const PLOT_H: f64 = 200.0;

/// Every picture of `d` in the order of the page: accesses, hours, refusals,
/// failed logins, then (full dashboard only) break-the-glass and bursts.
pub fn all(d: &Dashboard, lang: Lang) -> Vec<Chart> {
    let mut out = vec![
        Chart {
            id: "coffre-accesses",
            svg: accesses_per_day(d, lang),
        },
        Chart {
            id: "coffre-hours",
            svg: reads_by_hour(d, lang),
        },
        Chart {
            id: "coffre-refusals",
            svg: refusals_per_day(d, lang),
        },
        Chart {
            id: "coffre-failed",
            svg: failed_logins_per_day(d, lang),
        },
    ];
    if d.is_full() {
        out.push(Chart {
            id: "coffre-break-glass",
            svg: break_glass(d, lang),
        });
        out.push(Chart {
            id: "coffre-bursts",
            svg: bursts(d, lang),
        });
    }
    out
}

/// The DPO's report as one self-contained HTML page in `lang`
/// ([`crate::audit::render::report_html`]) with the pictures of [`all`] after
/// the totals: what `coffre audit report --format html` writes.
pub fn report_html(d: &Dashboard, lang: Lang) -> String {
    let pictures: Vec<String> = all(d, lang).into_iter().map(|c| c.svg).collect();
    crate::audit::render::report_html_with_pictures(&d.report, lang, &pictures)
}

/// `svg` (one of this module's pictures) as a standalone SVG document, to be
/// served as `image/svg+xml`: the SVG namespace added to its root element.
pub fn standalone(svg: &str) -> String {
    match svg.strip_prefix("<svg ") {
        Some(rest) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" {rest}"
        ),
        None => svg.to_string(),
    }
}

/// Fill of series `i`: a palette colour, or past the palette a hatching of one
/// (defined by [`defs`] under the chart's `id`).
fn fill(id: &str, i: usize) -> String {
    if i < PALETTE.len() {
        PALETTE[i].to_string()
    } else {
        format!("url(#{id}-hatch-{i})")
    }
}

/// The hatchings for series past the palette.
fn defs(out: &mut String, id: &str, series: usize) {
    if series <= PALETTE.len() {
        return;
    }
    out.push_str("<defs>");
    for i in PALETTE.len()..series {
        let c = PALETTE[i % PALETTE.len()];
        let angle = if (i / PALETTE.len()) % 2 == 1 {
            45
        } else {
            -45
        };
        let _ = write!(
            out,
            "<pattern id=\"{id}-hatch-{i}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate({angle})\"><rect width=\"6\" height=\"6\" fill=\"#FFFFFF\"/><rect width=\"3\" height=\"6\" fill=\"{c}\"/></pattern>"
        );
    }
    out.push_str("</defs>");
}

/// Opens the `<svg>` with its title, description and visible heading.
fn open(out: &mut String, id: &str, width: f64, height: f64, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg class=\"coffre-chart\" id=\"{id}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" \
         font-family=\"system-ui, sans-serif\" font-size=\"12\" fill=\"{INK}\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>\
         <text x=\"8\" y=\"20\" font-size=\"15\" font-weight=\"bold\" aria-hidden=\"true\">{}</text>",
        esc(title),
        esc(desc),
        esc(title)
    );
}

/// A step of 1, 2 or 5 × 10ⁿ giving about four grid lines up to `max`.
fn nice_step(max: u64) -> u64 {
    let rough = (max as f64 / 4.0).max(1.0);
    let mut p = 1u64;
    while (p as f64) * 10.0 <= rough {
        p = p.saturating_mul(10);
    }
    for m in [1, 2, 5, 10] {
        if (p.saturating_mul(m)) as f64 >= rough {
            return p.saturating_mul(m);
        }
    }
    p.saturating_mul(10)
}

/// Draws the y axis (grid lines and their numbers) for counts up to `max`;
/// returns the top of the scale.
fn y_axis(out: &mut String, max: u64, plot_w: f64) -> u64 {
    let step = nice_step(max);
    let top = max.div_ceil(step).max(1) * step;
    let mut v = 0;
    while v <= top {
        let y = TOP + PLOT_H - PLOT_H * v as f64 / top as f64;
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{GRID}\" stroke-width=\"0.5\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v}</text>",
            LEFT + plot_w,
            LEFT - 6.0,
            y + 4.0
        );
        v += step;
    }
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{INK}\"/>",
        LEFT + plot_w,
        TOP + PLOT_H,
        TOP + PLOT_H
    );
    top
}

/// One bar segment with its own title and data attributes.
#[allow(clippy::too_many_arguments)]
fn bar(
    out: &mut String,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    fill: &str,
    axis: (&str, &str),
    series: &str,
    count: u64,
    title: &str,
) {
    let _ = write!(
        out,
        "<rect class=\"bar\" x=\"{x:.2}\" y=\"{y:.2}\" width=\"{w:.2}\" height=\"{h:.2}\" fill=\"{fill}\" \
         stroke=\"{OUTLINE}\" stroke-width=\"0.5\" data-{}=\"{}\" data-series=\"{}\" data-count=\"{count}\"><title>{}</title></rect>",
        axis.0,
        esc(axis.1),
        esc(series),
        esc(title)
    );
}

/// The legend: one swatch and label per series, one per line, from `y`;
/// returns the y after it.
fn legend(out: &mut String, y: f64, items: &[(String, String)]) -> f64 {
    out.push_str("<g class=\"legend\">");
    let mut y = y;
    for (fill, label) in items {
        let _ = write!(
            out,
            "<rect x=\"{LEFT}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{fill}\" stroke=\"{OUTLINE}\" stroke-width=\"0.5\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            y,
            LEFT + 18.0,
            y + 10.0,
            esc(label)
        );
        y += 18.0;
    }
    out.push_str("</g>");
    y
}

/// A day `YYYY-MM-DD` as the language writes it on an axis (`05/01`, `05 Jan`).
fn day_label(lang: Lang, day: &str) -> String {
    match day.parse::<jiff::civil::Date>() {
        Ok(d) => tr_in!(
            lang,
            "chart-day",
            day = format!("{:02}", d.day()),
            month = crate::i18n::month_abbrev(lang, d.month())
        ),
        Err(_) => day.to_string(),
    }
}

/// Full date of a day `YYYY-MM-DD` (`05/01/2026`).
fn day_full(lang: Lang, day: &str) -> String {
    match day.parse::<jiff::civil::Date>() {
        Ok(d) => tr_in!(
            lang,
            "date-only",
            day = format!("{:02}", d.day()),
            month = crate::i18n::month_abbrev(lang, d.month()),
            year = d.year().to_string()
        ),
        Err(_) => day.to_string(),
    }
}

/// A "nothing in this period" line inside the plot.
fn none_text(out: &mut String, text: &str) {
    let _ = write!(
        out,
        "<text class=\"empty\" x=\"{LEFT}\" y=\"{:.1}\">{}</text>",
        TOP + 24.0,
        esc(text)
    );
}

/// Stacked bars per day: `series` is (label, counts per day of `d.days`).
fn by_day(
    d: &Dashboard,
    lang: Lang,
    id: &str,
    title: &str,
    desc: &str,
    series: &[(String, &[u64])],
) -> String {
    let n = d.days.len();
    let plot_w = (n as f64 * 22.0).clamp(480.0, 1200.0);
    let slot = if n == 0 { plot_w } else { plot_w / n as f64 };
    let legend_h = 18.0 * series.len() as f64;
    let note_h = if d.days_left_out > 0 { 18.0 } else { 0.0 };
    let width = LEFT + plot_w + RIGHT;
    let height = TOP + PLOT_H + 40.0 + note_h + legend_h + 8.0;
    let mut out = String::new();
    open(&mut out, id, width, height, title, desc);
    defs(&mut out, id, series.len());
    let totals: Vec<u64> = (0..n)
        .map(|i| {
            series
                .iter()
                .map(|s| s.1.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let max = totals.iter().copied().max().unwrap_or(0);
    let top = y_axis(&mut out, max, plot_w);
    if max == 0 {
        none_text(&mut out, &tr_in!(lang, "chart-none"));
    }
    let scale = PLOT_H / top as f64;
    let w = (slot * 0.8).max(1.0);
    for (i, day) in d.days.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - w) / 2.0;
        let mut y = TOP + PLOT_H;
        let when = day_full(lang, day);
        for (k, (label, counts)) in series.iter().enumerate() {
            let c = counts.get(i).copied().unwrap_or(0);
            if c == 0 {
                continue;
            }
            let h = c as f64 * scale;
            y -= h;
            let t = tr_in!(
                lang,
                "chart-bar",
                series = label.clone(),
                when = when.clone(),
                count = c
            );
            bar(
                &mut out,
                x,
                y,
                w,
                h,
                &fill(id, k),
                ("day", day),
                label,
                c,
                &t,
            );
        }
    }
    // Day labels: at most about twelve, always the first and the last.
    let every = n.div_ceil(12).max(1);
    for (i, day) in d.days.iter().enumerate() {
        if i % every != 0 {
            continue;
        }
        let x = LEFT + slot * (i as f64 + 0.5);
        let _ = write!(
            out,
            "<text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            TOP + PLOT_H + 16.0,
            esc(&day_label(lang, day))
        );
    }
    let mut y = TOP + PLOT_H + 34.0;
    if d.days_left_out > 0 {
        let _ = write!(
            out,
            "<text x=\"{LEFT}\" y=\"{:.1}\">{}</text>",
            y + 10.0,
            esc(&tr_in!(
                lang,
                "chart-days-left-out",
                count = d.days_left_out
            ))
        );
        y += 18.0;
    }
    // Listed top to bottom as the segments are stacked.
    let items: Vec<(String, String)> = series
        .iter()
        .enumerate()
        .rev()
        .map(|(k, s)| (fill(id, k), s.0.clone()))
        .collect();
    legend(&mut out, y, &items);
    out.push_str("</svg>");
    out
}

fn period(d: &Dashboard, lang: Lang) -> (String, String) {
    let from = d
        .days
        .first()
        .map(|x| day_full(lang, x))
        .unwrap_or_default();
    let to = d.days.last().map(|x| day_full(lang, x)).unwrap_or_default();
    (from, to)
}

/// Accesses (successful reads and writes of content) per day, stacked by
/// profession, each profession in the legend under its label in `lang`.
pub fn accesses_per_day(d: &Dashboard, lang: Lang) -> String {
    let total: u64 = d.accesses.iter().flat_map(|s| s.per_day.iter()).sum();
    let (from, to) = period(d, lang);
    let series: Vec<(String, &[u64])> = d
        .accesses
        .iter()
        .map(|s| (s.label(lang).to_string(), s.per_day.as_slice()))
        .collect();
    by_day(
        d,
        lang,
        "coffre-accesses",
        &tr_in!(lang, "chart-accesses-title"),
        &tr_in!(
            lang,
            "chart-accesses-desc",
            from = from,
            to = to,
            total = total
        ),
        &series,
    )
}

/// Refusals (any action refused by the policy) per day.
pub fn refusals_per_day(d: &Dashboard, lang: Lang) -> String {
    let (from, to) = period(d, lang);
    let total: u64 = d.refusals_per_day.iter().sum();
    by_day(
        d,
        lang,
        "coffre-refusals",
        &tr_in!(lang, "chart-refusals-title"),
        &tr_in!(
            lang,
            "chart-refusals-desc",
            from = from,
            to = to,
            total = total
        ),
        &[(
            tr_in!(lang, "chart-legend-refusals"),
            d.refusals_per_day.as_slice(),
        )],
    )
}

/// Failed logins (`unlock` refused: wrong passphrase) per day.
pub fn failed_logins_per_day(d: &Dashboard, lang: Lang) -> String {
    let (from, to) = period(d, lang);
    let total: u64 = d.failed_unlocks_per_day.iter().sum();
    by_day(
        d,
        lang,
        "coffre-failed",
        &tr_in!(lang, "chart-failed-title"),
        &tr_in!(
            lang,
            "chart-failed-desc",
            from = from,
            to = to,
            total = total
        ),
        &[(
            tr_in!(lang, "chart-legend-failed"),
            d.failed_unlocks_per_day.as_slice(),
        )],
    )
}

/// Reads per hour of the day (local time), within and outside working hours
/// stacked, over a band marking the policy's working hours.
pub fn reads_by_hour(d: &Dashboard, lang: Lang) -> String {
    const ID: &str = "coffre-hours";
    let rules = &d.report.rules;
    let plot_w = 24.0 * 24.0;
    let slot = plot_w / 24.0;
    let outside: u64 = d.reads_by_hour.iter().map(|h| h.outside).sum();
    let total: u64 = d.reads_by_hour.iter().map(|h| h.inside + h.outside).sum();
    let title = tr_in!(lang, "chart-hours-title");
    let desc = tr_in!(
        lang,
        "chart-hours-desc",
        timezone = rules.timezone.clone(),
        start = u64::from(rules.work_start_hour),
        end = u64::from(rules.work_end_hour),
        weekends = if rules.weekends_outside { "yes" } else { "no" },
        outside = outside,
        total = total
    );
    let width = LEFT + plot_w + RIGHT;
    let height = TOP + PLOT_H + 40.0 + 3.0 * 18.0 + 8.0;
    let mut out = String::new();
    open(&mut out, ID, width, height, &title, &desc);
    let start = f64::from(rules.work_start_hour.min(24));
    let end = f64::from(rules.work_end_hour.min(24)).max(start);
    let band = tr_in!(
        lang,
        "chart-legend-work-hours",
        start = u64::from(rules.work_start_hour),
        end = u64::from(rules.work_end_hour)
    );
    let _ = write!(
        out,
        "<rect class=\"work-hours\" x=\"{:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{PLOT_H}\" fill=\"{BAND}\" \
         data-start=\"{}\" data-end=\"{}\"><title>{}</title></rect>",
        LEFT + slot * start,
        slot * (end - start),
        rules.work_start_hour,
        rules.work_end_hour,
        esc(&band)
    );
    let max = d
        .reads_by_hour
        .iter()
        .map(|h| h.inside + h.outside)
        .max()
        .unwrap_or(0);
    let top = y_axis(&mut out, max, plot_w);
    if max == 0 {
        none_text(&mut out, &tr_in!(lang, "chart-none"));
    }
    let scale = PLOT_H / top as f64;
    let inside_label = tr_in!(lang, "chart-legend-inside");
    let outside_label = tr_in!(lang, "chart-legend-outside");
    let w = slot * 0.8;
    for h in &d.reads_by_hour {
        let x = LEFT + slot * f64::from(h.hour) + (slot - w) / 2.0;
        let hour = h.hour.to_string();
        let when = tr_in!(lang, "chart-hour", hour = u64::from(h.hour));
        let mut y = TOP + PLOT_H;
        for (label, fill, c) in [
            (&inside_label, INSIDE, h.inside),
            (&outside_label, ALERT, h.outside),
        ] {
            if c == 0 {
                continue;
            }
            let bh = c as f64 * scale;
            y -= bh;
            let t = tr_in!(
                lang,
                "chart-bar",
                series = label.clone(),
                when = when.clone(),
                count = c
            );
            bar(&mut out, x, y, w, bh, fill, ("hour", &hour), label, c, &t);
        }
    }
    for hour in (0u64..24).step_by(3) {
        let _ = write!(
            out,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            LEFT + slot * hour as f64,
            TOP + PLOT_H + 16.0,
            esc(&tr_in!(lang, "chart-hour", hour = hour))
        );
    }
    legend(
        &mut out,
        TOP + PLOT_H + 34.0,
        &[
            (BAND.to_string(), band),
            (ALERT.to_string(), outside_label),
            (INSIDE.to_string(), inside_label),
        ],
    );
    out.push_str("</svg>");
    out
}

/// Splits `text` into lines of at most about `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A moment (RFC 3339) in the establishment's time zone, as the language
/// writes it; the text itself if it does not parse.
fn moment(lang: Lang, time: &str, tz: &str) -> String {
    match time.parse::<jiff::Timestamp>() {
        Ok(ts) => crate::i18n::date_time(lang, ts, tz),
        Err(_) => time.to_string(),
    }
}

/// Break-the-glass openings: numbered markers on a strip of the period's days,
/// then one block per opening (when, who, profession, dossier) with the actor's
/// justification in their own words, as text. An aggregate dashboard holds no
/// opening: the picture then says it is for the DPO only.
pub fn break_glass(d: &Dashboard, lang: Lang) -> String {
    const ID: &str = "coffre-break-glass";
    let items = d.break_glass();
    let tz = d.report.rules.timezone.as_str();
    let title = tr_in!(lang, "chart-break-glass-title");
    let desc = tr_in!(lang, "chart-break-glass-desc", count = items.len());
    let plot_w = 760.0;
    // Each block: a heading line and the justification's lines.
    let blocks: Vec<(Vec<String>, Vec<String>)> = items
        .iter()
        .map(|i| {
            let who = match &i.name {
                Some(n) => format!("{n} ({})", i.actor),
                None => i.actor.clone(),
            };
            let head = tr_in!(
                lang,
                "chart-break-glass-row",
                time = moment(lang, &i.time, tz),
                who = who,
                profession = d.profession_label(&i.profession, lang),
                dossier = i.dossier.clone().unwrap_or_default()
            );
            let just = match &i.justification {
                Some(t) => tr_in!(lang, "chart-justification", text = t.clone()),
                None => tr_in!(lang, "chart-no-justification"),
            };
            (wrap(&head, 100), wrap(&just, 100))
        })
        .collect();
    let strip_h = 36.0;
    let body_h: f64 = blocks
        .iter()
        .map(|b| 6.0 + 16.0 * (b.0.len() + b.1.len()) as f64)
        .sum::<f64>()
        .max(24.0);
    let width = LEFT + plot_w + RIGHT;
    let height = TOP + strip_h + body_h + 16.0;
    let mut out = String::new();
    open(&mut out, ID, width, height, &title, &desc);
    if !d.is_full() {
        none_text(&mut out, &tr_in!(lang, "chart-for-dpo-only"));
        out.push_str("</svg>");
        return out;
    }
    // The strip of days, with a numbered marker per opening.
    let n = d.days.len().max(1);
    let slot = plot_w / n as f64;
    let strip_y = TOP + 12.0;
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{strip_y}\" y2=\"{strip_y}\" stroke=\"{INK}\"/>",
        LEFT + plot_w
    );
    if let (Some(first), Some(last)) = (d.days.first(), d.days.last()) {
        let _ = write!(
            out,
            "<text class=\"tick\" x=\"{LEFT}\" y=\"{:.1}\">{}</text><text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            strip_y + 22.0,
            esc(&day_full(lang, first)),
            LEFT + plot_w,
            strip_y + 22.0,
            esc(&day_full(lang, last))
        );
    }
    let tzone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    for (k, i) in items.iter().enumerate() {
        let day = i.time.parse::<jiff::Timestamp>().ok().map(|t| {
            t.to_zoned_datetime(tzone.clone())
                .date()
                .strftime("%Y-%m-%d")
                .to_string()
        });
        let pos = day
            .as_deref()
            .and_then(|x| d.days.iter().position(|y| y == x))
            .unwrap_or(0);
        let x = LEFT + slot * (pos as f64 + 0.5);
        let _ = write!(
            out,
            "<g class=\"marker\" data-seq=\"{}\"><circle cx=\"{x:.1}\" cy=\"{strip_y}\" r=\"7\" fill=\"{ALERT}\" stroke=\"{OUTLINE}\" stroke-width=\"0.5\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"9\" fill=\"#FFFFFF\">{}</text><title>{}</title></g>",
            i.seq,
            strip_y + 3.0,
            k + 1,
            esc(&blocks[k].0.join(" "))
        );
    }
    let mut y = TOP + strip_h + 14.0;
    if items.is_empty() {
        none_text(&mut out, &tr_in!(lang, "chart-none"));
    }
    for (k, (head, lines)) in blocks.iter().enumerate() {
        let _ = write!(out, "<g class=\"opening\" data-seq=\"{}\">", items[k].seq);
        for (n, h) in head.iter().enumerate() {
            let (x, text) = if n == 0 {
                (8.0, format!("{}. {h}", k + 1))
            } else {
                (24.0, h.clone())
            };
            let _ = write!(
                out,
                "<text x=\"{x:.1}\" y=\"{y:.1}\" font-weight=\"bold\">{}</text>",
                esc(&text)
            );
            y += 16.0;
        }
        for l in lines {
            let _ = write!(
                out,
                "<text class=\"justification\" x=\"{:.1}\" y=\"{y:.1}\" font-style=\"italic\">{}</text>",
                24.0,
                esc(l)
            );
            y += 16.0;
        }
        out.push_str("</g>");
        y += 6.0;
    }
    out.push_str("</svg>");
    out
}

/// Reading bursts: one horizontal bar per burst (who, when it started), its
/// length the number of different dossiers read, with the policy's threshold
/// marked. An aggregate dashboard holds none: the picture says it is for the
/// DPO only.
pub fn bursts(d: &Dashboard, lang: Lang) -> String {
    const ID: &str = "coffre-bursts";
    let rules = &d.report.rules;
    let list = d.bursts();
    let title = tr_in!(lang, "chart-bursts-title");
    let desc = tr_in!(
        lang,
        "chart-bursts-desc",
        minutes = u64::from(rules.burst_minutes),
        dossiers = u64::from(rules.burst_dossiers),
        count = list.len()
    );
    let label_w = 300.0;
    let plot_w = 440.0;
    let row = 22.0;
    let width = label_w + plot_w + RIGHT + 40.0;
    let height = TOP + 20.0 + row * list.len().max(1) as f64 + 40.0;
    let mut out = String::new();
    open(&mut out, ID, width, height, &title, &desc);
    if !d.is_full() {
        none_text(&mut out, &tr_in!(lang, "chart-for-dpo-only"));
        out.push_str("</svg>");
        return out;
    }
    if list.is_empty() {
        none_text(&mut out, &tr_in!(lang, "chart-none"));
        out.push_str("</svg>");
        return out;
    }
    let threshold = u64::from(rules.burst_dossiers);
    let max = list
        .iter()
        .map(|b| b.dossiers)
        .max()
        .unwrap_or(0)
        .max(threshold)
        .max(1);
    let scale = plot_w / max as f64;
    let x0 = label_w;
    let series = tr_in!(lang, "chart-legend-dossiers");
    let mut y = TOP + 10.0;
    for b in list {
        let who = b.name.clone().unwrap_or_else(|| b.actor.clone());
        let label = tr_in!(
            lang,
            "chart-burst-label",
            who = who,
            time = moment(lang, &b.from, &rules.timezone)
        );
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            x0 - 8.0,
            y + 13.0,
            esc(&label)
        );
        let t = tr_in!(
            lang,
            "chart-bar",
            series = series.clone(),
            when = label.clone(),
            count = b.dossiers
        );
        let _ = write!(
            out,
            "<rect class=\"bar\" x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.2}\" height=\"{:.1}\" fill=\"{ALERT}\" stroke=\"{OUTLINE}\" stroke-width=\"0.5\" \
             data-actor=\"{}\" data-series=\"{}\" data-count=\"{}\"><title>{}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            b.dossiers as f64 * scale,
            row - 6.0,
            esc(&b.actor),
            esc(&series),
            b.dossiers,
            esc(&t),
            x0 + b.dossiers as f64 * scale + 4.0,
            y + 13.0,
            b.dossiers
        );
        y += row;
    }
    let tx = x0 + threshold as f64 * scale;
    let _ = write!(
        out,
        "<line class=\"threshold\" x1=\"{tx:.1}\" x2=\"{tx:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{INK}\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\" data-count=\"{threshold}\"/>\
         <text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        TOP + 4.0,
        y + 4.0,
        y + 18.0,
        esc(&tr_in!(lang, "chart-threshold", dossiers = threshold))
    );
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::audit::Outcome;
    use crate::web::dashboard::tests::{dashboard_of, entry, sample};

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"))
    }

    /// Bars of a picture: (axis value, series, count, height).
    fn bars(doc: &roxmltree::Document<'_>, axis: &str) -> Vec<(String, String, u64, f64)> {
        doc.descendants()
            .filter(|n| n.has_tag_name("rect") && n.attribute("class") == Some("bar"))
            .map(|n| {
                (
                    n.attribute(axis).unwrap_or_default().to_string(),
                    n.attribute("data-series").unwrap().to_string(),
                    n.attribute("data-count").unwrap().parse().unwrap(),
                    n.attribute("height").unwrap().parse().unwrap(),
                )
            })
            .collect()
    }

    fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
        doc.descendants()
            .filter(|n| n.is_element() && (n.has_tag_name("text") || n.has_tag_name("title")))
            .map(|n| n.text().unwrap_or_default().to_string())
            .collect()
    }

    /// Heights are proportional to counts: one scale for every bar.
    fn assert_proportional(bars: &[(String, String, u64, f64)]) {
        let scale = bars[0].3 / bars[0].2 as f64;
        for b in bars {
            assert!(
                (b.3 - b.2 as f64 * scale).abs() < 0.05,
                "bar {b:?} is not at the scale {scale}"
            );
        }
    }

    /// What every picture must be: an accessible, script-free, style-free SVG.
    fn assert_safe_and_accessible(svg: &str) {
        let doc = parse(svg);
        let root = doc.root_element();
        assert!(root.has_tag_name("svg"));
        assert_eq!(root.attribute("role"), Some("img"));
        let id = root.attribute("id").unwrap();
        let first: Vec<_> = root.children().filter(|n| n.is_element()).take(2).collect();
        assert!(first[0].has_tag_name("title") && first[1].has_tag_name("desc"));
        assert!(!first[0].text().unwrap_or("").is_empty());
        assert!(!first[1].text().unwrap_or("").is_empty());
        assert_eq!(
            root.attribute("aria-labelledby"),
            Some(format!("{id}-title {id}-desc").as_str())
        );
        for n in doc.descendants().filter(|n| n.is_element()) {
            let tag = n.tag_name().name().to_ascii_lowercase();
            assert!(
                !["script", "style", "foreignobject", "a", "image", "use"].contains(&tag.as_str()),
                "<{tag}> in a picture"
            );
            for a in n.attributes() {
                let name = a.name().to_ascii_lowercase();
                assert!(!name.starts_with("on"), "event attribute {name}");
                assert!(name != "style" && name != "href", "attribute {name}");
                assert!(
                    !a.value().to_ascii_lowercase().contains("javascript:"),
                    "{name}={}",
                    a.value()
                );
            }
        }
    }

    #[test]
    fn accesses_per_day_match_the_series_and_name_every_profession() {
        let d = dashboard_of(&sample(), "urgence");
        for lang in Lang::ALL {
            let svg = accesses_per_day(&d, lang);
            assert_safe_and_accessible(&svg);
            let doc = parse(&svg);
            let bars = bars(&doc, "data-day");
            assert_proportional(&bars);
            let mut got: BTreeMap<(String, String), u64> = BTreeMap::new();
            for b in &bars {
                *got.entry((b.0.clone(), b.1.clone())).or_default() += b.2;
            }
            let mut want = BTreeMap::new();
            for s in &d.accesses {
                for (i, c) in s.per_day.iter().enumerate() {
                    if *c > 0 {
                        want.insert((d.days[i].clone(), s.label(lang).to_string()), *c);
                    }
                }
            }
            assert_eq!(got, want);
            assert_eq!(
                got[&(
                    "2026-01-06".to_string(),
                    d.profession_label("infirmier", lang)
                )],
                3
            );
            let legend: Vec<String> = doc
                .descendants()
                .filter(|n| n.attribute("class") == Some("legend"))
                .flat_map(|g| g.descendants())
                .filter(|n| n.has_tag_name("text"))
                .map(|n| n.text().unwrap_or_default().to_string())
                .collect();
            let stacked: Vec<String> = d
                .accesses
                .iter()
                .rev()
                .map(|s| s.label(lang).to_string())
                .collect();
            assert_eq!(legend, stacked, "the legend lists the stack top to bottom");
            for s in &d.accesses {
                assert!(
                    legend.contains(&s.label(lang).to_string()),
                    "{} missing from the legend {legend:?}",
                    s.id
                );
                assert_ne!(s.label(lang), s.id, "the legend shows labels, not ids");
            }
            // The days: first and last labelled on the axis.
            let t = texts(&doc);
            assert!(t.contains(&day_label(lang, "2026-01-05")), "{t:?}");
        }
    }

    #[test]
    fn reads_by_hour_mark_working_hours_and_split_outside_reads() {
        let d = dashboard_of(&sample(), "");
        let svg = reads_by_hour(&d, Lang::Fr);
        assert_safe_and_accessible(&svg);
        let doc = parse(&svg);
        let band: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("work-hours"))
            .collect();
        assert_eq!(band.len(), 1, "one working-hours band");
        assert_eq!(band[0].attribute("data-start"), Some("9"));
        assert_eq!(band[0].attribute("data-end"), Some("18"));
        // The band spans 9 of the 24 hour slots of the plot.
        let bw: f64 = band[0].attribute("width").unwrap().parse().unwrap();
        let bx: f64 = band[0].attribute("x").unwrap().parse().unwrap();
        let slot = bw / 9.0;
        assert!((bx - (LEFT + 9.0 * slot)).abs() < 0.1);
        let bars = bars(&doc, "data-hour");
        assert_proportional(&bars);
        let outside = tr_in!(Lang::Fr, "chart-legend-outside");
        let inside = tr_in!(Lang::Fr, "chart-legend-inside");
        for h in &d.reads_by_hour {
            let count = |series: &str| {
                bars.iter()
                    .filter(|b| b.0 == h.hour.to_string() && b.1 == series)
                    .map(|b| b.2)
                    .sum::<u64>()
            };
            assert_eq!(count(&inside), h.inside, "hour {}", h.hour);
            assert_eq!(count(&outside), h.outside, "hour {}", h.hour);
        }
        assert!(bars
            .iter()
            .any(|b| b.0 == "22" && b.1 == outside && b.2 == 1));
        let desc = doc
            .descendants()
            .find(|n| n.has_tag_name("desc"))
            .and_then(|n| n.text())
            .unwrap();
        assert!(desc.contains("Europe/Paris") && desc.contains("9 h") && desc.contains("18 h"));
        assert!(
            desc.contains("Une consultation hors des heures de travail sur 7"),
            "{desc}"
        );
    }

    #[test]
    fn refusals_and_failed_logins_per_day() {
        let d = dashboard_of(&sample(), "");
        for (svg, series) in [
            (refusals_per_day(&d, Lang::En), &d.refusals_per_day),
            (
                failed_logins_per_day(&d, Lang::En),
                &d.failed_unlocks_per_day,
            ),
        ] {
            assert_safe_and_accessible(&svg);
            let doc = parse(&svg);
            let bars = bars(&doc, "data-day");
            for (i, day) in d.days.iter().enumerate() {
                let got: u64 = bars.iter().filter(|b| &b.0 == day).map(|b| b.2).sum();
                assert_eq!(got, series[i], "{day}");
            }
            assert_proportional(&bars);
        }
    }

    #[test]
    fn text_from_the_log_is_escaped() {
        let evil = "<script>alert(1)</script> & \"quoted\" <b onclick='x'>";
        let mut entries = sample();
        entries.push(entry(
            20,
            "2026-01-06T15:00:00Z",
            "a",
            "medecin",
            "break-glass.open",
            Outcome::Ok,
        ));
        let d = dashboard_of(&entries, evil);
        for c in all(&d, Lang::Fr) {
            assert_safe_and_accessible(&c.svg);
            assert!(!c.svg.contains("<script"), "{}", c.id);
            assert!(!c.svg.contains("<b "), "{}", c.id);
        }
        let svg = break_glass(&d, Lang::Fr);
        let doc = parse(&svg);
        let justifications: String = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("justification"))
            .map(|n| n.text().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            justifications.contains(evil),
            "the justification is shown as text: {justifications}"
        );
        // The name "Dr <A>" is text too, and each opening is numbered on the strip.
        assert!(texts(&doc).iter().any(|t| t.contains("Dr <A> (a)")));
        let markers = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("marker"))
            .count();
        assert_eq!(markers, d.break_glass().len());
        assert_eq!(markers, 2);
    }

    #[test]
    fn bursts_are_bars_with_the_threshold() {
        let d = dashboard_of(&sample(), "");
        let svg = bursts(&d, Lang::En);
        assert_safe_and_accessible(&svg);
        let doc = parse(&svg);
        let bars = bars(&doc, "data-actor");
        assert_eq!(bars.len(), d.bursts().len());
        assert_eq!((bars[0].0.as_str(), bars[0].2), ("b", 3));
        let line = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("threshold"))
            .unwrap();
        assert_eq!(line.attribute("data-count"), Some("3"));
    }

    #[test]
    fn an_aggregate_dashboard_names_nobody() {
        let mut d = dashboard_of(&sample(), "urgence");
        d.report.scope = "aggregate".into();
        d.report.break_glass.clear();
        d.report.bursts.clear();
        let ids: Vec<&str> = all(&d, Lang::Fr).iter().map(|c| c.id).collect();
        assert_eq!(
            ids,
            [
                "coffre-accesses",
                "coffre-hours",
                "coffre-refusals",
                "coffre-failed"
            ]
        );
        let svg = break_glass(&d, Lang::Fr);
        assert!(svg.contains(&esc(&tr_in!(Lang::Fr, "chart-for-dpo-only"))));
        assert!(!svg.contains("urgence"));
    }

    #[test]
    fn empty_and_many_series_still_draw() {
        let d = dashboard_of(&[], "");
        for c in all(&d, Lang::En) {
            assert_safe_and_accessible(&c.svg);
        }
        // Eleven professions: past the palette, hatching keeps them apart.
        let profs = [
            "medecin",
            "infirmier",
            "educateur-specialise",
            "psychologue",
            "assistant-social",
            "directeur",
            "dpo",
            "p8",
            "p9",
            "p10",
            "p11",
        ];
        let e: Vec<_> = profs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                entry(
                    i as u64 + 1,
                    "2026-01-05T10:00:00Z",
                    "a",
                    p,
                    "dossier.read",
                    Outcome::Ok,
                )
            })
            .collect();
        let d = dashboard_of(&e, "");
        let svg = accesses_per_day(&d, Lang::Fr);
        assert_safe_and_accessible(&svg);
        let doc = parse(&svg);
        let fills: std::collections::BTreeSet<String> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("bar"))
            .map(|n| n.attribute("fill").unwrap().to_string())
            .collect();
        assert_eq!(fills.len(), profs.len(), "every profession its own fill");
        let patterns = doc
            .descendants()
            .filter(|n| n.has_tag_name("pattern"))
            .count();
        assert_eq!(patterns, profs.len() - PALETTE.len());
    }

    #[test]
    fn standalone_documents_declare_the_namespace() {
        let d = dashboard_of(&sample(), "");
        let doc = standalone(&reads_by_hour(&d, Lang::Fr));
        let parsed = parse(&doc);
        assert_eq!(
            parsed.root_element().tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
    }
}
