//! Rendering audit reports and access histories as plain text and as a single,
//! self-contained HTML page (inline style, no external asset, everything escaped).

use std::fmt::Write as _;

use super::report::{Item, Report};
use crate::text::escape as one_line;

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
th{background:#f3f3f3}.warn{color:#a40000;font-weight:bold}.muted{color:#666}.just{font-style:italic}";

fn who(i: &Item) -> String {
    match &i.name {
        Some(n) => format!("{n} ({})", i.actor),
        None => i.actor.clone(),
    }
}

fn items_text(out: &mut String, title: &str, items: &[Item]) {
    let _ = writeln!(out, "\n{title}: {}", items.len());
    for i in items {
        let _ = write!(
            out,
            "  #{} {} {} [{}] {}",
            i.seq,
            i.local_time,
            one_line(&who(i)),
            one_line(&i.profession),
            one_line(&i.action)
        );
        if let Some(d) = &i.dossier {
            let _ = write!(out, " dossier={}", one_line(d));
        }
        if !i.categories.is_empty() {
            let _ = write!(out, " categories={}", one_line(&i.categories.join(",")));
        }
        if let Some(d) = &i.detail {
            let _ = write!(out, " ({})", one_line(d));
        }
        if let Some(j) = &i.justification {
            let _ = write!(
                out,
                " — justification, in the actor's words: \"{}\"",
                one_line(j)
            );
        }
        let _ = writeln!(out);
    }
}

/// One sentence: how long the access trail is kept and which period it covers.
fn trail_text(t: &super::report::TrailNote) -> String {
    let kept = match &t.reason {
        Some(r) => format!("the access trail is kept {} ({})", t.retention, one_line(r)),
        None => format!("the access trail is kept {}", t.retention),
    };
    match &t.covers_from {
        Some(from) => format!("Access trail: covers entries from {from} on; {kept}"),
        None => format!("Access trail: {kept}; nothing was pruned yet"),
    }
}

/// The report as plain text.
pub fn report_text(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Coffre audit report ({})", r.scope);
    let _ = writeln!(
        out,
        "Period: {} to {}",
        r.since.as_deref().unwrap_or("the beginning"),
        r.until.as_deref().unwrap_or("now")
    );
    let _ = writeln!(out, "Log integrity: {}", r.integrity);
    let _ = writeln!(out, "{}", trail_text(&r.trail));
    for p in &r.trail.prunes {
        let _ = writeln!(
            out,
            "  older entries pruned on {} by {}: {} entries dated before {} (fact at entry {})",
            p.on,
            one_line(&p.by),
            p.count,
            p.before,
            p.fact
        );
    }
    let t = &r.totals;
    let _ = writeln!(
        out,
        "Entries {} · reads {} · writes {} · refusals {} · break-the-glass {} · failed unlocks {} · reads outside working hours {} · recovery key uses {}",
        t.entries, t.reads, t.writes, t.denied, t.break_glass, t.failed_unlocks, t.outside_hours, t.recovery_uses
    );
    let _ = writeln!(
        out,
        "\nPer profession (reads / writes / refusals / dossiers read):"
    );
    for (p, c) in &r.by_profession {
        let p = one_line(p);
        let _ = writeln!(
            out,
            "  {p:<24} {:>6} {:>6} {:>6} {:>6}",
            c.reads, c.writes, c.denied, c.dossiers_read
        );
    }
    if r.scope == "full" {
        let _ = writeln!(
            out,
            "\nPer person (reads / writes / refusals / dossiers read):"
        );
        for a in &r.by_actor {
            let n = a
                .name
                .clone()
                .map(|n| format!("{n} ({})", a.actor))
                .unwrap_or_else(|| a.actor.clone());
            let n = one_line(&n);
            let _ = writeln!(
                out,
                "  {n:<36} {:<22} {:>6} {:>6} {:>6} {:>6}",
                one_line(&a.profession),
                a.counts.reads,
                a.counts.writes,
                a.counts.denied,
                a.counts.dossiers_read
            );
        }
        items_text(&mut out, "Break-the-glass accesses", &r.break_glass);
        items_text(&mut out, "Refusals", &r.refusals);
        items_text(&mut out, "Reads outside working hours", &r.outside_hours);
        let _ = writeln!(
            out,
            "\nUnusually many dossiers read (at least {} within {} minutes): {}",
            r.rules.burst_dossiers,
            r.rules.burst_minutes,
            r.bursts.len()
        );
        for b in &r.bursts {
            let n = b.name.clone().unwrap_or_else(|| b.actor.clone());
            let _ = writeln!(
                out,
                "  {} ({}): {} dossiers from {} to {}",
                one_line(&n),
                one_line(&b.actor),
                b.dossiers,
                b.from,
                b.to
            );
        }
        items_text(&mut out, "Failed unlocks", &r.failed_unlocks);
        items_text(&mut out, "Uses of the recovery key", &r.recovery_uses);
        items_text(
            &mut out,
            "Log entries taken in without a signature (interrupted command or outside writing)",
            &r.adopted,
        );
    } else {
        let _ = writeln!(
            out,
            "\n(Aggregate report: per-person details are for the data protection officer only.)"
        );
    }
    out
}

fn items_html(out: &mut String, title: &str, items: &[Item]) {
    let _ = write!(out, "<h2>{} ({})</h2>", esc(title), items.len());
    if items.is_empty() {
        out.push_str("<p class=\"muted\">None.</p>");
        return;
    }
    out.push_str("<table><tr><th>#</th><th>Local time</th><th>Who</th><th>Profession</th><th>Action</th><th>Dossier</th><th>Categories</th><th>Detail</th></tr>");
    for i in items {
        let mut detail = i.detail.as_deref().map(esc).unwrap_or_default();
        if let Some(j) = &i.justification {
            let _ = write!(
                detail,
                "<div class=\"just\">Justification, in the actor's words: “{}”</div>",
                esc(j)
            );
        }
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            i.seq,
            esc(&i.local_time),
            esc(&who(i)),
            esc(&i.profession),
            esc(&i.action),
            esc(i.dossier.as_deref().unwrap_or("")),
            esc(&i.categories.join(", ")),
            detail
        );
    }
    out.push_str("</table>");
}

/// The report as one self-contained HTML page.
pub fn report_html(r: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Coffre audit report</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(
        out,
        "<h1>Coffre audit report <span class=\"muted\">({})</span></h1>",
        esc(&r.scope)
    );
    let _ = write!(
        out,
        "<p>Period: {} to {}. Log integrity: <strong>{}</strong>.</p>",
        esc(r.since.as_deref().unwrap_or("the beginning")),
        esc(r.until.as_deref().unwrap_or("now")),
        esc(&r.integrity)
    );
    let _ = write!(out, "<p>{}</p>", esc(&trail_text(&r.trail)));
    if !r.trail.prunes.is_empty() {
        out.push_str("<table><tr><th>Pruned on</th><th>By</th><th>Entries</th><th>Dated before</th><th>Fact</th></tr>");
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
    let _ = write!(
        out,
        "<table><tr><th>Entries</th><th>Reads</th><th>Writes</th><th>Refusals</th><th>Break-the-glass</th><th>Failed unlocks</th><th>Outside hours</th><th>Recovery key uses</th></tr>\
         <tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"warn\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
        t.entries, t.reads, t.writes, t.denied, t.break_glass, t.failed_unlocks, t.outside_hours, t.recovery_uses
    );
    out.push_str("<h2>Per profession</h2><table><tr><th>Profession</th><th>Reads</th><th>Writes</th><th>Refusals</th><th>Dossiers read</th></tr>");
    for (p, c) in &r.by_profession {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(p),
            c.reads,
            c.writes,
            c.denied,
            c.dossiers_read
        );
    }
    out.push_str("</table>");
    if r.scope == "full" {
        out.push_str("<h2>Per person</h2><table><tr><th>Who</th><th>Profession</th><th>Reads</th><th>Writes</th><th>Refusals</th><th>Dossiers read</th></tr>");
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
                esc(&a.profession),
                a.counts.reads,
                a.counts.writes,
                a.counts.denied,
                a.counts.dossiers_read
            );
        }
        out.push_str("</table>");
        items_html(&mut out, "Break-the-glass accesses", &r.break_glass);
        items_html(&mut out, "Refusals", &r.refusals);
        items_html(&mut out, "Reads outside working hours", &r.outside_hours);
        let _ = write!(
            out,
            "<h2>Unusually many dossiers read ({})</h2><p class=\"muted\">At least {} different dossiers within {} minutes.</p>",
            r.bursts.len(),
            r.rules.burst_dossiers,
            r.rules.burst_minutes
        );
        if !r.bursts.is_empty() {
            out.push_str("<table><tr><th>Who</th><th>Dossiers</th><th>From</th><th>To</th></tr>");
            for b in &r.bursts {
                let n = b.name.clone().unwrap_or_else(|| b.actor.clone());
                let _ = write!(
                    out,
                    "<tr><td>{} ({})</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&n),
                    esc(&b.actor),
                    b.dossiers,
                    esc(&b.from),
                    esc(&b.to)
                );
            }
            out.push_str("</table>");
        }
        items_html(&mut out, "Failed unlocks", &r.failed_unlocks);
        items_html(&mut out, "Uses of the recovery key", &r.recovery_uses);
        items_html(
            &mut out,
            "Log entries taken in without a signature (interrupted command or outside writing)",
            &r.adopted,
        );
    } else {
        out.push_str("<p class=\"muted\">Aggregate report: per-person details are for the data protection officer only.</p>");
    }
    out.push_str("<p class=\"muted\">Audit entries never contain what was written. Using this log to evaluate staff would divert it from its purpose.</p></body></html>");
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
