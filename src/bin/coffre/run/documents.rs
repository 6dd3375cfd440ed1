//! `coffre document …`: attaching documents to a dossier, listing and
//! opening them (never to a terminal).

use super::*;
use coffre::{DocumentInput, DocumentView};
use std::io::IsTerminal;
use zeroize::Zeroizing;

/// Runs one `DocumentCmd` command in the member's session.
pub(super) fn document(c: &DocumentCmd, s: &mut Session<'_>, out: &mut Out) -> Res {
    match c {
        DocumentCmd::Add {
            dossier,
            file,
            title,
            doc_type,
            category,
            date,
            source,
            mime,
            version_of,
        } => {
            let stdin = file.as_os_str() == "-";
            let file_name = if stdin {
                String::new()
            } else {
                file.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            };
            // `@FILE` / `@-`: the title and source are content, kept out of
            // the command line when the caller wants.
            let mut stdin_used = stdin;
            let title = crate::input::sensitive_text(title, "title", &mut stdin_used)?;
            let source = match source {
                Some(v) => crate::input::sensitive_text(v, "source", &mut stdin_used)?,
                None => Zeroizing::new(String::new()),
            };
            let input = DocumentInput {
                title,
                doc_type: doc_type.clone(),
                date: date.clone().unwrap_or_default(),
                source,
                category: category.clone(),
                mime: mime.clone().unwrap_or_default(),
                file_name: Zeroizing::new(file_name),
            };
            let mut reader: Box<dyn std::io::Read> = if stdin {
                Box::new(std::io::stdin().lock())
            } else {
                Box::new(std::fs::File::open(file).map_err(|e| {
                    Error::Usage(msg!(
                        "document-cannot-read-file",
                        path = file.display(),
                        e = e
                    ))
                })?)
            };
            match version_of {
                None => {
                    let id = s.add_document(dossier, &input, &mut reader)?;
                    if out.json {
                        return out.json(&json!({"document": id, "version": 1}));
                    }
                    out.line(&id)
                }
                Some(doc) => {
                    let v = s.add_document_version(dossier, doc, &input, &mut reader)?;
                    if out.json {
                        return out.json(&json!({"document": doc, "version": v}));
                    }
                    out.line(&tr!(
                        "cli-document-version-added",
                        doc = doc.clone(),
                        version = v
                    ))
                }
            }
        }
        DocumentCmd::List {
            dossier,
            break_glass,
        } => {
            let (docs, withheld, damaged) = s.list_documents(dossier, break_glass.as_deref())?;
            let damaged = if damaged.is_empty() {
                Ok(())
            } else {
                Err(Error::Integrity(msg!(
                    "entries-dossier-damaged-altered-others-shown",
                    join = damaged.join(", "),
                    id = dossier.clone()
                ))
                .into())
            };
            if out.json {
                out.json(&json!({"documents": docs, "withheld": withheld}))?;
                return damaged;
            }
            let policy = s.vault().policy();
            for d in &docs {
                out.line(&line(policy, d))?;
            }
            if docs.is_empty() {
                out.line(&tr!("cli-document-none"))?;
            }
            if withheld > 0 {
                out.line(&tr!("cli-document-withheld", n = withheld))?;
            }
            damaged
        }
        DocumentCmd::Get {
            dossier,
            doc,
            version,
            out: path,
            break_glass,
        } => {
            if path.as_os_str() == "-" {
                if std::io::stdout().is_terminal() {
                    return Err(Error::Usage(msg!("document-not-to-terminal")).into());
                }
                s.open_document(dossier, doc, *version, break_glass.as_deref(), &mut out.w)?;
                return Ok(());
            }
            let view = get_to_file(s, dossier, doc, *version, break_glass.as_deref(), path)?;
            if out.json {
                return out.json(&json!({"document": view.id, "version": view.version,
                                        "size": view.size, "sha256": view.sha256}));
            }
            Ok(())
        }
    }
}

fn line(policy: &coffre::policy::Policy, d: &DocumentView) -> String {
    tr!(
        "cli-document-line",
        id = d.id.clone(),
        version = d.version,
        title = d.title.clone(),
        doc_type = policy.document_type_label(&d.doc_type, lang()),
        cat = policy.category_label(&d.category, lang()),
        date = if d.date.is_empty() {
            "—".to_string()
        } else {
            d.date.clone()
        },
        size = d.size,
        file = d.file_name.clone()
    )
}

/// Writes the document into a temporary file beside `path`, synced, then
/// links it at `path` (never overwriting): a document whose stream fails its
/// checks never lands under the name asked for.
fn get_to_file(
    s: &mut Session<'_>,
    dossier: &str,
    doc: &str,
    version: Option<u32>,
    break_glass: Option<&str>,
    path: &Path,
) -> Result<DocumentView, Error> {
    if path.exists() {
        return Err(Error::Usage(msg!(
            "document-out-exists",
            path = path.display()
        )));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let suffix = hex::encode(coffre::crypto::key::random_bytes::<6>()?);
    let tmp = dir.join(format!(".coffre-document-{suffix}.part"));
    let mut f = create_private(&tmp)?;
    let done = (|| {
        let view = {
            let mut w = std::io::BufWriter::with_capacity(256 * 1024, &mut f);
            let view = s.open_document(dossier, doc, version, break_glass, &mut w)?;
            w.flush()
                .map_err(|e| Error::Io(msg!("cannot-write", path = path.display(), e = e)))?;
            view
        };
        f.sync_all()
            .map_err(|e| Error::Io(msg!("cannot-write", path = path.display(), e = e)))?;
        std::fs::hard_link(&tmp, path)
            .map_err(|e| Error::Usage(msg!("cannot-create", path = path.display(), e = e)))?;
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(view)
    })();
    let _ = std::fs::remove_file(&tmp);
    done
}
