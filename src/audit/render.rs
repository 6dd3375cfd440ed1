//! Rendering audit reports and access histories as plain text and as a single,
//! self-contained HTML page (inline style, no external asset, everything escaped).

use std::fmt::Write as _;

use super::report::{Item, Report};
use super::Outcome;
use crate::i18n::{recorded, Lang};
use crate::text::escape as one_line;
use crate::tr_in;

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The page frame shared by reports and exports.
pub const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}\
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}\
th{background:#f3f3f3}figure.chart{margin:1rem 0;overflow-x:auto}figure.chart svg{max-width:100%;height:auto}.warn{color:#a40000;font-weight:bold}.muted{color:#666}.just{font-style:italic}";

fn who(i: &Item) -> String {
    match &i.name {
        Some(n) => format!("{n} ({})", i.actor),
        None => i.actor.clone(),
    }
}

fn profession(lang: Lang, id: &str) -> String {
    crate::i18n::label_of("profession", id, lang).unwrap_or_else(|| id.to_string())
}

fn categories(lang: Lang, ids: &[String]) -> String {
    ids.iter()
        .map(|c| crate::i18n::label_of("category", c, lang).unwrap_or_else(|| c.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn action(lang: Lang, id: &str) -> String {
    crate::i18n::render(&crate::audit::words::action(id, Outcome::Ok), lang)
}

fn period(lang: Lang, r: &Report) -> (String, String) {
    (
        r.since
            .as_deref()
            .map(|t| crate::i18n::written_time(lang, t, &crate::i18n::zone()))
            .unwrap_or_else(|| tr_in!(lang, "report-the-beginning")),
        r.until
            .as_deref()
            .map(|t| crate::i18n::written_time(lang, t, &crate::i18n::zone()))
            .unwrap_or_else(|| tr_in!(lang, "report-now")),
    )
}

fn scope(lang: Lang, r: &Report) -> String {
    tr_in!(lang, "report-scope", scope = r.scope.clone())
}

fn items_text(lang: Lang, out: &mut String, title: &str, items: &[Item]) {
    let _ = writeln!(
        out,
        "\n{}",
        tr_in!(
            lang,
            "report-section",
            title = title.to_string(),
            count = items.len()
        )
    );
    for i in items {
        let _ = write!(
            out,
            "  #{} {} {} [{}] {}",
            i.seq,
            crate::i18n::written_time(lang, &i.local_time, "UTC"),
            one_line(&who(i)),
            one_line(&profession(lang, &i.profession)),
            one_line(&action(lang, &i.action))
        );
        if let Some(d) = &i.dossier {
            let _ = write!(out, " {}", tr_in!(lang, "report-dossier", id = one_line(d)));
        }
        if !i.categories.is_empty() {
            let _ = write!(out, " [{}]", one_line(&categories(lang, &i.categories)));
        }
        if let Some(d) = &i.detail {
            let _ = write!(out, " ({})", one_line(&recorded(d, lang)));
        }
        if let Some(j) = &i.justification {
            let _ = write!(
                out,
                " — {}",
                tr_in!(lang, "report-justification", text = one_line(j))
            );
        }
        let _ = writeln!(out);
    }
}

/// One sentence: how long the access trail is kept and which period it covers.
fn trail_text(t: &super::report::TrailNote, lang: Lang) -> String {
    let kept = match &t.reason {
        Some(r) => tr_in!(
            lang,
            "report-trail-kept-reason",
            retention = crate::i18n::render(&crate::policy::period_msg(&t.retention), lang),
            reason = one_line(r)
        ),
        None => tr_in!(
            lang,
            "report-trail-kept",
            retention = crate::i18n::render(&crate::policy::period_msg(&t.retention), lang)
        ),
    };
    match &t.covers_from {
        Some(from) => tr_in!(
            lang,
            "report-trail-covers",
            from = from.clone(),
            kept = kept
        ),
        None => tr_in!(lang, "report-trail-none", kept = kept),
    }
}

/// The report as plain text, in `lang` (categories and professions by their
/// label once [`crate::i18n::set_labels`] was given the policy).
pub fn report_text(r: &Report, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        tr_in!(lang, "report-title", scope = scope(lang, r))
    );
    let (since, until) = period(lang, r);
    let _ = writeln!(
        out,
        "{}",
        tr_in!(lang, "report-period", since = since, until = until)
    );
    let _ = writeln!(
        out,
        "{}",
        tr_in!(
            lang,
            "report-integrity",
            integrity = recorded(&r.integrity, lang)
        )
    );
    let _ = writeln!(out, "{}", trail_text(&r.trail, lang));
    for p in &r.trail.prunes {
        let _ = writeln!(
            out,
            "  {}",
            tr_in!(
                lang,
                "report-trail-pruned",
                on = p.on.clone(),
                by = one_line(&p.by),
                count = p.count,
                before = p.before.clone(),
                fact = p.fact
            )
        );
    }
    let t = &r.totals;
    let _ = writeln!(
        out,
        "{}",
        tr_in!(
            lang,
            "report-totals",
            entries = t.entries,
            reads = t.reads,
            writes = t.writes,
            denied = t.denied,
            break_glass = t.break_glass,
            failed = t.failed_unlocks,
            outside = t.outside_hours,
            recovery = t.recovery_uses
        )
    );
    let _ = writeln!(out, "\n{}", tr_in!(lang, "report-per-profession"));
    for (p, c) in &r.by_profession {
        let p = one_line(&profession(lang, p)).into_owned();
        let _ = writeln!(
            out,
            "  {p:<40} {:>6} {:>6} {:>6} {:>6}",
            c.reads, c.writes, c.denied, c.dossiers_read
        );
    }
    if r.scope == "full" {
        let _ = writeln!(out, "\n{}", tr_in!(lang, "report-per-person"));
        for a in &r.by_actor {
            let n = a
                .name
                .clone()
                .map(|n| format!("{n} ({})", a.actor))
                .unwrap_or_else(|| a.actor.clone());
            let n = one_line(&n);
            let _ = writeln!(
                out,
                "  {n:<36} {:<40} {:>6} {:>6} {:>6} {:>6}",
                one_line(&profession(lang, &a.profession)),
                a.counts.reads,
                a.counts.writes,
                a.counts.denied,
                a.counts.dossiers_read
            );
        }
        items_text(
            lang,
            &mut out,
            &tr_in!(lang, "report-break-glass"),
            &r.break_glass,
        );
        items_text(
            lang,
            &mut out,
            &tr_in!(lang, "report-refusals"),
            &r.refusals,
        );
        items_text(
            lang,
            &mut out,
            &tr_in!(lang, "report-outside-hours"),
            &r.outside_hours,
        );
        let _ = writeln!(
            out,
            "\n{}",
            tr_in!(
                lang,
                "report-bursts",
                dossiers = r.rules.burst_dossiers,
                minutes = r.rules.burst_minutes,
                count = r.bursts.len()
            )
        );
        for b in &r.bursts {
            let n = b.name.clone().unwrap_or_else(|| b.actor.clone());
            let _ = writeln!(
                out,
                "  {}",
                tr_in!(
                    lang,
                    "report-burst",
                    name = one_line(&n),
                    actor = one_line(&b.actor),
                    dossiers = b.dossiers,
                    from = b.from.clone(),
                    to = b.to.clone()
                )
            );
        }
        items_text(
            lang,
            &mut out,
            &tr_in!(lang, "report-failed-unlocks"),
            &r.failed_unlocks,
        );
        items_text(
            lang,
            &mut out,
            &tr_in!(lang, "report-recovery-uses"),
            &r.recovery_uses,
        );
        items_text(lang, &mut out, &tr_in!(lang, "report-adopted"), &r.adopted);
    } else {
        let _ = writeln!(out, "\n{}", tr_in!(lang, "report-aggregate-only"));
    }
    out
}

fn items_html(lang: Lang, out: &mut String, title: &str, items: &[Item]) {
    let _ = write!(out, "<h2>{} ({})</h2>", esc(title), items.len());
    if items.is_empty() {
        let _ = write!(
            out,
            "<p class=\"muted\">{}</p>",
            esc(&tr_in!(lang, "report-none"))
        );
        return;
    }
    out.push_str("<table><tr>");
    for h in [
        "#".to_string(),
        tr_in!(lang, "report-col-time"),
        tr_in!(lang, "report-col-who"),
        tr_in!(lang, "report-col-profession"),
        tr_in!(lang, "report-col-action"),
        tr_in!(lang, "report-col-dossier"),
        tr_in!(lang, "report-col-categories"),
        tr_in!(lang, "report-col-detail"),
    ] {
        let _ = write!(out, "<th>{}</th>", esc(&h));
    }
    out.push_str("</tr>");
    for i in items {
        let mut detail = i
            .detail
            .as_deref()
            .map(|d| esc(&recorded(d, lang)))
            .unwrap_or_default();
        if let Some(j) = &i.justification {
            let _ = write!(
                detail,
                "<div class=\"just\">{}</div>",
                esc(&tr_in!(lang, "report-justification", text = j.clone()))
            );
        }
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            i.seq,
            esc(&crate::i18n::written_time(lang, &i.local_time, "UTC")),
            esc(&who(i)),
            esc(&profession(lang, &i.profession)),
            esc(&action(lang, &i.action)),
            esc(i.dossier.as_deref().unwrap_or("")),
            esc(&categories(lang, &i.categories)),
            detail
        );
    }
    out.push_str("</table>");
}

fn row(out: &mut String, cells: &[String]) {
    out.push_str("<tr>");
    for c in cells {
        let _ = write!(out, "<th>{}</th>", esc(c));
    }
    out.push_str("</tr>");
}

/// The report as one self-contained HTML page, in `lang`.
pub fn report_html(r: &Report, lang: Lang) -> String {
    report_html_with_pictures(r, lang, &[])
}

/// [`report_html`] with `pictures` (inline `<svg>` elements, such as those of
/// `crate::web::charts`, put in as they are: they must already be escaped)
/// after the totals, each in a `<figure>`.
pub fn report_html_with_pictures(r: &Report, lang: Lang, pictures: &[String]) -> String {
    let mut out = String::new();
    let title = tr_in!(lang, "report-title", scope = scope(lang, r));
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>",
        lang.code(),
        esc(&title)
    );
    let _ = write!(out, "<h1>{}</h1>", esc(&title));
    let (since, until) = period(lang, r);
    let _ = write!(
        out,
        "<p>{} {}</p>",
        esc(&tr_in!(lang, "report-period", since = since, until = until)),
        esc(&tr_in!(
            lang,
            "report-integrity",
            integrity = recorded(&r.integrity, lang)
        ))
    );
    let _ = write!(out, "<p>{}</p>", esc(&trail_text(&r.trail, lang)));
    if !r.trail.prunes.is_empty() {
        let _ = write!(
            out,
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            esc(&tr_in!(lang, "report-col-pruned-on")),
            esc(&tr_in!(lang, "report-col-pruned-by")),
            esc(&tr_in!(lang, "report-col-entries")),
            esc(&tr_in!(lang, "report-col-pruned-before")),
            esc(&tr_in!(lang, "report-col-pruned-fact"))
        );
        for p in &r.trail.prunes {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&p.on),
                esc(&p.by),
                p.count,
                esc(&p.before),
                p.fact
            );
        }
        out.push_str("</table>");
    }
    let t = &r.totals;
    out.push_str("<table>");
    row(
        &mut out,
        &[
            tr_in!(lang, "report-col-entries"),
            tr_in!(lang, "report-col-reads"),
            tr_in!(lang, "report-col-writes"),
            tr_in!(lang, "report-col-refusals"),
            tr_in!(lang, "report-col-break-glass"),
            tr_in!(lang, "report-col-failed"),
            tr_in!(lang, "report-col-outside"),
            tr_in!(lang, "report-col-recovery"),
        ],
    );
    let _ = write!(
        out,
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"warn\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
        t.entries, t.reads, t.writes, t.denied, t.break_glass, t.failed_unlocks, t.outside_hours, t.recovery_uses
    );
    if !pictures.is_empty() {
        let _ = write!(out, "<h2>{}</h2>", esc(&tr_in!(lang, "report-pictures")));
        for p in pictures {
            let _ = write!(out, "<figure class=\"chart\">{p}</figure>");
        }
    }
    let _ = write!(
        out,
        "<h2>{}</h2><table>",
        esc(&tr_in!(lang, "report-per-profession-title"))
    );
    row(
        &mut out,
        &[
            tr_in!(lang, "report-col-profession"),
            tr_in!(lang, "report-col-reads"),
            tr_in!(lang, "report-col-writes"),
            tr_in!(lang, "report-col-refusals"),
            tr_in!(lang, "report-col-dossiers-read"),
        ],
    );
    for (p, c) in &r.by_profession {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&profession(lang, p)),
            c.reads,
            c.writes,
            c.denied,
            c.dossiers_read
        );
    }
    out.push_str("</table>");
    if r.scope == "full" {
        let _ = write!(
            out,
            "<h2>{}</h2><table>",
            esc(&tr_in!(lang, "report-per-person-title"))
        );
        row(
            &mut out,
            &[
                tr_in!(lang, "report-col-who"),
                tr_in!(lang, "report-col-profession"),
                tr_in!(lang, "report-col-reads"),
                tr_in!(lang, "report-col-writes"),
                tr_in!(lang, "report-col-refusals"),
                tr_in!(lang, "report-col-dossiers-read"),
            ],
        );
        for a in &r.by_actor {
            let n = a
                .name
                .clone()
                .map(|n| format!("{n} ({})", a.actor))
                .unwrap_or_else(|| a.actor.clone());
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&n),
                esc(&profession(lang, &a.profession)),
                a.counts.reads,
                a.counts.writes,
                a.counts.denied,
                a.counts.dossiers_read
            );
        }
        out.push_str("</table>");
        items_html(
            lang,
            &mut out,
            &tr_in!(lang, "report-break-glass"),
            &r.break_glass,
        );
        items_html(
            lang,
            &mut out,
            &tr_in!(lang, "report-refusals"),
            &r.refusals,
        );
        items_html(
            lang,
            &mut out,
            &tr_in!(lang, "report-outside-hours"),
            &r.outside_hours,
        );
        let _ = write!(
            out,
            "<h2>{}</h2>",
            esc(&tr_in!(
                lang,
                "report-bursts",
                dossiers = r.rules.burst_dossiers,
                minutes = r.rules.burst_minutes,
                count = r.bursts.len()
            ))
        );
        if !r.bursts.is_empty() {
            out.push_str("<ul>");
            for b in &r.bursts {
                let n = b.name.clone().unwrap_or_else(|| b.actor.clone());
                let _ = write!(
                    out,
                    "<li>{}</li>",
                    esc(&tr_in!(
                        lang,
                        "report-burst",
                        name = n,
                        actor = b.actor.clone(),
                        dossiers = b.dossiers,
                        from = b.from.clone(),
                        to = b.to.clone()
                    ))
                );
            }
            out.push_str("</ul>");
        }
        items_html(
            lang,
            &mut out,
            &tr_in!(lang, "report-failed-unlocks"),
            &r.failed_unlocks,
        );
        items_html(
            lang,
            &mut out,
            &tr_in!(lang, "report-recovery-uses"),
            &r.recovery_uses,
        );
        items_html(lang, &mut out, &tr_in!(lang, "report-adopted"), &r.adopted);
    } else {
        let _ = write!(
            out,
            "<p class=\"muted\">{}</p>",
            esc(&tr_in!(lang, "report-aggregate-only"))
        );
    }
    let _ = write!(
        out,
        "<p class=\"muted\">{}</p></body></html>",
        esc(&tr_in!(lang, "report-purpose"))
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<script>\"a\"&'b'"),
            "&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;"
        );
    }
}
