//! A dossier's documents on the web: the download, an audited read streamed
//! from the chunked encryption (the read is written durably before the first
//! byte leaves), always as an attachment of a type that cannot run in
//! Coffre's origin.

use std::io::Write;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::common::*;
use super::extract::*;

/// `?version=N` of a download (the latest otherwise).
#[derive(Default, Deserialize)]
pub struct VersionQuery {
    pub(super) version: Option<u32>,
}

/// Types a browser is told as they are; anything else (HTML, SVG, XML,
/// scripts, unknown) is served as `application/octet-stream`.
fn served_type(mime: &str) -> &'static str {
    match mime {
        "application/pdf" => "application/pdf",
        "image/png" => "image/png",
        "image/jpeg" => "image/jpeg",
        "image/gif" => "image/gif",
        "image/webp" => "image/webp",
        "audio/mpeg" => "audio/mpeg",
        "audio/ogg" => "audio/ogg",
        "audio/wav" => "audio/wav",
        "video/mp4" => "video/mp4",
        "video/webm" => "video/webm",
        "text/plain" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A file name safe in a header: ASCII letters, digits, `.`, `-` and `_`
/// kept, anything else `_`; the document's id when nothing is left.
pub(super) fn safe_file_name(name: &str, id: &str, version: u32) -> String {
    let cleaned: String = name
        .chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        format!("document-{id}-v{version}")
    } else {
        cleaned
    }
}

/// Hands each written block to the response body (a bounded channel: the
/// reader waits for the browser, memory stays at a few chunks).
struct ToBody(tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>);

impl Write for ToBody {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The receiving end, as the body's stream.
struct FromReader(tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>);

impl futures_core::Stream for FromReader {
    type Item = Result<Bytes, std::io::Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// `GET /dossiers/{dossier}/documents/{doc}`: the document as an attachment.
/// The read is audited before the response starts; a stream that fails its
/// checks midway is cut (the browser reports a failed download) and audited.
pub async fn document_get(
    State(app): S,
    Member(h): Member,
    DossierId(dossier): DossierId,
    DocId(doc): DocId,
    Q(q): Q<VersionQuery>,
) -> Response {
    let opened = on_staff(&h, move |s| {
        s.begin_document(&dossier, &doc, q.version, None)
    })
    .await;
    let opened = match opened {
        Ok(o) => o,
        Err(e) => return error_page(&app, nav(&app, &h), &e),
    };
    attachment(app, opened, Some(h))
}

/// `GET /moi/documents/{doc}`: a document of the person's own file.
pub async fn moi_document(
    State(app): S,
    // The address is read first: a malformed id gets the error page
    // whoever asks, as on every other route.
    DocId(doc): DocId,
    Person(h): Person,
    Q(q): Q<VersionQuery>,
) -> Response {
    match on_person(&h, move |p| p.begin_document(&doc, q.version)).await {
        Ok(opened) => attachment(app, opened, None),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// The response of an opened document: an attachment whose body is read
/// from the vault as the browser takes it. A failure midway cuts the
/// response and, for a member (`staff`), adds an error line to the log.
fn attachment(
    app: std::sync::Arc<super::App>,
    opened: coffre::vault::OpenedDocument,
    staff: Option<super::sessions::Handle>,
) -> Response {
    let (mime, name, size) = {
        let v = opened.view();
        (
            served_type(&v.mime),
            safe_file_name(&v.file_name, &v.id, v.version),
            v.size,
        )
    };
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        let streamed = tokio::task::spawn_blocking(move || {
            let mut w = ToBody(tx.clone());
            let r = app.vault.stream_document(&opened, &mut w);
            if let Err(e) = &r {
                let _ = tx.blocking_send(Err(std::io::Error::other(e.kind())));
            }
            (r, opened)
        })
        .await;
        if let (Ok((Err(_), opened)), Some(member)) = (streamed, staff) {
            let _ = on_staff(&member, move |s| s.document_failed(&opened)).await;
        }
    });
    let mut resp = Body::from_stream(FromReader(rx)).into_response();
    let hd = resp.headers_mut();
    hd.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    hd.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        hd.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// Longest text field of the upload form, in bytes.
const MAX_FIELD: usize = 4096;
/// How long the browser may leave the upload idle.
const IDLE: std::time::Duration = std::time::Duration::from_secs(30);

/// The address of an upload, which the guard lets through without reading
/// the body whole (it is streamed into the vault): `/dossiers/{id}/documents`.
pub fn is_upload(path: &str) -> bool {
    path.strip_prefix("/dossiers/")
        .and_then(|rest| rest.strip_suffix("/documents"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// What the library reads of an upload: the body's blocks as they arrive.
struct FromBody {
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, ()>>,
    cur: Bytes,
}

impl std::io::Read for FromBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.cur.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.cur = b,
                Some(Err(())) => return Err(std::io::Error::other("upload interrupted")),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len());
        buf[..n].copy_from_slice(&self.cur.split_to(n));
        Ok(n)
    }
}

async fn bounded_text(field: &mut axum::extract::multipart::Field<'_>) -> Option<String> {
    let mut buf = Vec::new();
    loop {
        match tokio::time::timeout(IDLE, field.chunk()).await {
            Ok(Ok(Some(c))) if buf.len() + c.len() <= MAX_FIELD => buf.extend_from_slice(&c),
            Ok(Ok(None)) => return String::from_utf8(buf).ok(),
            _ => return None,
        }
    }
}

/// `POST /dossiers/{dossier}/documents` (multipart): attaches a document.
/// The origin and the CSRF token (which must come before the file) are
/// checked before a byte of the file is read; the file is streamed into the
/// vault as it arrives, never held whole.
pub async fn document_add(
    State(app): S,
    Member(h): Member,
    DossierId(dossier): DossierId,
    headers: axum::http::HeaderMap,
    mut form: axum::extract::Multipart,
) -> Response {
    use axum::http::StatusCode;
    if !super::security::same_origin(&app, &headers) {
        return forbidden(&app, nav(&app, &h), coffre::tr!("web-refused-origin"));
    }
    let bad = |app: &super::App| {
        error_page(
            app,
            nav(app, &h),
            &coffre::Error::Usage(coffre::msg!("web-document-form-invalid")),
        )
    };
    let mut text: std::collections::HashMap<String, zeroize::Zeroizing<String>> =
        std::collections::HashMap::new();
    let mut csrf_ok = false;
    let mut field = loop {
        let next = match tokio::time::timeout(IDLE, form.next_field()).await {
            Ok(Ok(Some(f))) => f,
            _ => return bad(&app),
        };
        let name = next.name().unwrap_or_default().to_string();
        if name == "file" {
            break next;
        }
        let mut next = next;
        let Some(value) = bounded_text(&mut next).await else {
            return bad(&app);
        };
        if name == "csrf" {
            if !super::security::csrf_ok(&h.csrf, &value) {
                return forbidden(&app, nav(&app, &h), coffre::tr!("web-refused-csrf"));
            }
            csrf_ok = true;
        }
        text.insert(name, zeroize::Zeroizing::new(value));
    };
    if !csrf_ok {
        return forbidden(&app, nav(&app, &h), coffre::tr!("web-refused-csrf"));
    }
    let get = |k: &str| text.get(k).map(|v| v.to_string()).unwrap_or_default();
    let input = coffre::DocumentInput {
        title: zeroize::Zeroizing::new(get("title")),
        doc_type: get("type"),
        date: get("date"),
        source: zeroize::Zeroizing::new(get("source")),
        category: get("category"),
        file_name: zeroize::Zeroizing::new(field.file_name().unwrap_or_default().to_string()),
        // The browser's say is only a hint: the type comes from the name,
        // checked against the first bytes.
        mime: String::new(),
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, ()>>(4);
    let d = dossier.clone();
    let member = h.clone();
    let job = tokio::spawn(async move {
        on_staff(&member, move |s| {
            s.add_document(
                &d,
                &input,
                &mut FromBody {
                    rx,
                    cur: Bytes::new(),
                },
            )
        })
        .await
    });
    loop {
        match tokio::time::timeout(IDLE, field.chunk()).await {
            Ok(Ok(Some(c))) => {
                if tx.send(Ok(c)).await.is_err() {
                    break; // the library stopped reading (too large, refused…)
                }
            }
            Ok(Ok(None)) => break,
            _ => {
                let _ = tx.send(Err(())).await;
                break;
            }
        }
    }
    drop(tx);
    match job.await {
        Ok(Ok(_)) => see_other(&format!("/dossiers/{dossier}#documents")),
        Ok(Err(e)) if e.exit_code() == 2 => {
            (StatusCode::BAD_REQUEST, error_page(&app, nav(&app, &h), &e)).into_response()
        }
        Ok(Err(e)) => error_page(&app, nav(&app, &h), &e),
        Err(_) => bad(&app),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_can_run_is_served_as_bytes() {
        for m in [
            "text/html",
            "image/svg+xml",
            "application/xhtml+xml",
            "text/xml",
            "application/javascript",
            "x/y",
        ] {
            assert_eq!(served_type(m), "application/octet-stream", "{m}");
        }
        assert_eq!(served_type("application/pdf"), "application/pdf");
    }

    #[test]
    fn file_names_cannot_break_the_header() {
        assert_eq!(safe_file_name("a\"b\r\n.pdf", "e-1", 1), "a_b__.pdf");
        assert_eq!(safe_file_name("..", "e-1", 2), "document-e-1-v2");
        assert_eq!(safe_file_name("Lettre é.pdf", "e-1", 1), "Lettre__.pdf");
    }
}
