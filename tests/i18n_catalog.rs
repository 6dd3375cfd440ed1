//! The message catalogs: French and English hold the same message ids with the
//! same variables, both parse as Fluent, and every id the code uses exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_syntax::ast;

/// Message id → the variables it uses.
type Catalog = BTreeMap<String, BTreeSet<String>>;

fn vars_of_pattern(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for el in &p.elements {
        if let ast::PatternElement::Placeable { expression } = el {
            vars_of_expression(expression, out);
        }
    }
}

fn vars_of_inline(e: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match e {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_string());
        }
        ast::InlineExpression::Placeable { expression } => vars_of_expression(expression, out),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                vars_of_inline(a, out);
            }
        }
        _ => {}
    }
}

fn vars_of_expression(e: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Select { selector, variants } => {
            vars_of_inline(selector, out);
            for v in variants {
                vars_of_pattern(&v.value, out);
            }
        }
        ast::Expression::Inline(i) => vars_of_inline(i, out),
    }
}

fn catalog(lang: &str) -> Catalog {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("i18n/{lang}/coffre.ftl"));
    let text = std::fs::read_to_string(&path).unwrap();
    let res = fluent_syntax::parser::parse(text.as_str())
        .unwrap_or_else(|(_, errs)| panic!("{lang} catalog does not parse: {errs:?}"));
    let mut out = Catalog::new();
    for entry in &res.body {
        if let ast::Entry::Message(m) = entry {
            let mut vars = BTreeSet::new();
            if let Some(v) = &m.value {
                vars_of_pattern(v, &mut vars);
            }
            assert!(
                out.insert(m.id.name.to_string(), vars).is_none(),
                "{lang}: message '{}' is defined twice",
                m.id.name
            );
        }
    }
    out
}

#[test]
fn both_catalogs_hold_the_same_ids_with_the_same_variables() {
    let fr = catalog("fr");
    let en = catalog("en");
    assert!(fr.len() > 100, "the French catalog is nearly empty");
    let only_fr: Vec<_> = fr.keys().filter(|k| !en.contains_key(*k)).collect();
    let only_en: Vec<_> = en.keys().filter(|k| !fr.contains_key(*k)).collect();
    assert!(only_fr.is_empty(), "only in French: {only_fr:?}");
    assert!(only_en.is_empty(), "only in English: {only_en:?}");
    for (id, vars) in &fr {
        assert_eq!(vars, &en[id], "message '{id}' has different variables");
    }
}

/// Every `msg!("id", a = …)`, `tr!("id", …)` and `tr_in!(lang, "id", …)` of the
/// sources, with the argument names given.
fn uses_in(src: &str) -> Vec<(String, BTreeSet<String>)> {
    let mut out = Vec::new();
    for mac in ["msg!(", "tr!(", "tr_in!("] {
        let mut rest = src;
        while let Some(at) = rest.find(mac) {
            // Skip the macros' own definitions and other words ending the same way.
            let before = rest[..at].chars().last();
            rest = &rest[at + mac.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            // The macro's arguments, up to the matching parenthesis.
            let mut depth = 1;
            let mut end = 0;
            let mut in_str = false;
            let bytes = rest.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                let c = bytes[i];
                if in_str {
                    if c == b'\\' {
                        i += 1;
                    } else if c == b'"' {
                        in_str = false;
                    }
                } else if c == b'"' {
                    in_str = true;
                } else if c == b'(' || c == b'[' || c == b'{' {
                    depth += 1;
                } else if c == b')' || c == b']' || c == b'}' {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                i += 1;
            }
            let args = &rest[..end];
            let Some(q) = args.find('"') else { continue };
            let Some(q2) = args[q + 1..].find('"') else {
                continue;
            };
            let id = &args[q + 1..q + 1 + q2];
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                continue;
            }
            // Top-level `name = value` pairs after the id.
            let mut names = BTreeSet::new();
            let (mut d, mut s, mut start) = (0, false, q + 2 + q2);
            let tail = args.as_bytes();
            let mut parts = Vec::new();
            for (j, &c) in tail.iter().enumerate().skip(q + 2 + q2) {
                match c {
                    b'"' => s = !s,
                    b'(' | b'[' | b'{' if !s => d += 1,
                    b')' | b']' | b'}' if !s => d -= 1,
                    b',' if !s && d == 0 => {
                        parts.push(&args[start..j]);
                        start = j + 1;
                    }
                    _ => {}
                }
            }
            parts.push(&args[start..]);
            for p in parts {
                if let Some((n, _)) = p.split_once('=') {
                    let n = n.trim();
                    if !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        names.insert(n.to_string());
                    }
                }
            }
            out.push((id.to_string(), names));
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_id_the_code_uses_exists_with_its_arguments() {
    let fr = catalog("fr");
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut uses = 0;
    let mut problems = Vec::new();
    for f in files {
        let src = std::fs::read_to_string(&f).unwrap();
        // Examples in comments and docs are not uses.
        let src: String = src
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for (id, args) in uses_in(&src) {
            uses += 1;
            match fr.get(&id) {
                None => problems.push(format!("{}: '{id}' is not in the catalog", f.display())),
                Some(vars) => {
                    // Arguments the message does not use are allowed (a language may
                    // leave one out); a variable no caller gives is not.
                    let missing: Vec<_> = vars.difference(&args).collect();
                    // `Error::io` adds `reason` itself.
                    let missing: Vec<_> = missing.into_iter().filter(|v| *v != "reason").collect();
                    if !missing.is_empty() {
                        problems.push(format!("{}: '{id}' is given no {missing:?}", f.display()));
                    }
                }
            }
        }
    }
    assert!(uses > 300, "only {uses} uses found: the scan is broken");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every `t("id")` of the web application's page templates (`l.t("id")`:
/// a message with no argument, looked up at run time).
fn template_uses(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(at) = rest.find(".t(\"") {
        rest = &rest[at + 4..];
        if let Some(end) = rest.find('"') {
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn every_id_the_page_templates_use_exists_without_arguments() {
    let fr = catalog("fr");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin/coffre/serve/pages");
    let mut uses = 0;
    let mut problems = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "html") {
            continue;
        }
        let src = std::fs::read_to_string(&p).unwrap();
        for id in template_uses(&src) {
            uses += 1;
            match fr.get(&id) {
                None => problems.push(format!("{}: '{id}' is not in the catalog", p.display())),
                Some(vars) if !vars.is_empty() => problems.push(format!(
                    "{}: '{id}' needs {vars:?}, which a template cannot give",
                    p.display()
                )),
                Some(_) => {}
            }
        }
    }
    assert!(
        uses > 50,
        "only {uses} uses found in the templates: the scan is broken"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_template_scan_finds_ids() {
    assert_eq!(
        template_uses(r#"<h1>{{ l.t("web-a") }}</h1>{{ l.t("web-b") }}"#),
        vec!["web-a".to_string(), "web-b".to_string()]
    );
}

#[test]
fn the_scan_finds_ids_and_arguments() {
    let uses = uses_in(r#"Error::Usage(msg!("a-b", n = f(x, y), path = "p,q"))"#);
    assert_eq!(uses.len(), 1);
    assert_eq!(uses[0].0, "a-b");
    assert_eq!(
        uses[0].1,
        ["n", "path"].iter().map(|s| s.to_string()).collect()
    );
}
