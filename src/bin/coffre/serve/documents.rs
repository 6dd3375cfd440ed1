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
/// reader waits for the browser, memory stays at a few chunks). A browser
/// that reads nothing for the idle limit makes the write fail (`TimedOut`),
/// so a stalled download frees its blocking thread.
struct ToBody {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    rt: tokio::runtime::Handle,
    idle: std::time::Duration,
    /// A write failed: the browser went away (or a `HEAD` dropped the
    /// body) or read nothing for the idle limit. The stream then stopped
    /// on the reader's side, not on damage.
    reader_stopped: bool,
}

impl Write for ToBody {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let sent = self.rt.block_on(tokio::time::timeout(
            self.idle,
            self.tx.send(Ok(Bytes::copy_from_slice(buf))),
        ));
        let failed = match sent {
            Ok(Ok(())) => return Ok(buf.len()),
            Ok(Err(_)) => std::io::ErrorKind::BrokenPipe,
            Err(_) => std::io::ErrorKind::TimedOut,
        };
        self.reader_stopped = true;
        Err(std::io::Error::from(failed))
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

/// Transfers one account (a staff member, or the person of a dossier) may
/// hold at once: 2, or fewer if there are fewer places
/// (`--document-transfers`), so one member's idle transfers leave the
/// other members places.
pub fn transfers_per_account(places: usize) -> usize {
    places.clamp(1, 2)
}

/// A place among the document transfers, counted against its account too:
/// both are given back when it is dropped (the stream's end).
pub(super) struct TransferSlot {
    _place: tokio::sync::OwnedSemaphorePermit,
    counts: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
    account: String,
}

impl Drop for TransferSlot {
    fn drop(&mut self) {
        // A poisoned table still counts: its data is a plain map.
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = counts.get_mut(&self.account) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.account);
            }
        }
    }
}

/// A place among the document transfers for the account of `h`: the
/// staff's places and the persons' are apart (`--document-transfers` each),
/// so the persons' downloads never take the staff's places; within them,
/// the French 429 when that account already holds [`transfers_per_account`]
/// of them, the French 503 when none is free (both with `Retry-After`).
#[allow(clippy::result_large_err)]
fn transfer_slot(app: &super::App, h: &super::sessions::Handle) -> Result<TransferSlot, Response> {
    use axum::http::StatusCode;
    let busy = |status: StatusCode, msg: String| {
        let mut r = status_page(app, nav(app, h), status, msg);
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
        r
    };
    // The person's account is their dossier; a staff member's, their id.
    let person = h.profession == "person";
    let account = format!("{}:{}", if person { "person" } else { "staff" }, h.user);
    let mut counts = app.transfers_by.lock().unwrap_or_else(|p| p.into_inner());
    let held = counts.get(&account).copied().unwrap_or(0);
    if held >= app.transfers_each {
        return Err(busy(
            StatusCode::TOO_MANY_REQUESTS,
            coffre::tr!("web-document-busy-account"),
        ));
    }
    let pool = if person {
        &app.person_transfers
    } else {
        &app.transfers
    };
    let place = pool.clone().try_acquire_owned().map_err(|_| {
        busy(
            StatusCode::SERVICE_UNAVAILABLE,
            coffre::tr!("web-document-busy"),
        )
    })?;
    counts.insert(account.clone(), held + 1);
    Ok(TransferSlot {
        _place: place,
        counts: app.transfers_by.clone(),
        account,
    })
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
    let slot = match transfer_slot(&app, &h) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let opened = on_staff(&h, move |s| {
        s.begin_document(&dossier, &doc, q.version, None)
    })
    .await;
    let opened = match opened {
        Ok(o) => o,
        Err(e) => return error_page(&app, nav(&app, &h), &e),
    };
    attachment(app, opened, Reader::Staff(h), slot)
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
    let slot = match transfer_slot(&app, &h) {
        Ok(s) => s,
        Err(r) => return r,
    };
    match on_person(&h, move |p| p.begin_document(&doc, q.version)).await {
        Ok(opened) => attachment(app, opened, Reader::Person(h), slot),
        Err(e) => error_page(&app, nav(&app, &h), &e),
    }
}

/// Whose read a download is, for the error line of a stream cut midway.
enum Reader {
    Staff(super::sessions::Handle),
    Person(super::sessions::Handle),
}

/// The response of an opened document: an attachment whose body is read
/// from the vault as the browser takes it. A failure midway cuts the
/// response and adds a line to the log under the reader's name: `error`
/// for damage or storage, `failed` (`download interrupted before the end`)
/// for a browser gone, idle past the limit, or a `HEAD` that takes no body.
/// `slot` is held until the stream ends.
fn attachment(
    app: std::sync::Arc<super::App>,
    opened: coffre::vault::OpenedDocument,
    reader: Reader,
    slot: TransferSlot,
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
    let idle = app.transfer_idle;
    tokio::spawn(async move {
        let rt = tokio::runtime::Handle::current();
        let streamed = tokio::task::spawn_blocking(move || {
            let mut w = ToBody {
                tx: tx.clone(),
                rt,
                idle,
                reader_stopped: false,
            };
            let r = app.vault.stream_document(&opened, &mut w);
            if let Err(e) = &r {
                // Never waits: a browser that reads nothing is not waited for.
                let _ = tx.try_send(Err(std::io::Error::other(e.kind())));
            }
            (r.map_err(|_| w.reader_stopped), opened)
        })
        .await;
        // The stream stopped at the first failure: if a write failed, the
        // reader stopped it (an interrupted read); otherwise the content or
        // its storage did (an integrity or storage error).
        match streamed {
            Ok((Err(true), opened)) => {
                let _ = match reader {
                    Reader::Staff(m) => {
                        on_staff(&m, move |s| s.document_interrupted(&opened)).await
                    }
                    Reader::Person(p) => {
                        on_person(&p, move |s| s.document_interrupted(&opened)).await
                    }
                };
            }
            Ok((Err(false), opened)) => {
                let _ = match reader {
                    Reader::Staff(m) => on_staff(&m, move |s| s.document_failed(&opened)).await,
                    Reader::Person(p) => on_person(&p, move |s| s.document_failed(&opened)).await,
                };
            }
            _ => {}
        }
        drop(slot);
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
const MAX_FIELD: u64 = 4096;
/// The fields of the upload form, in this order: the CSRF token first (the
/// body is refused unless it comes first and is valid), the file last.
const FIELDS: [&str; 7] = [
    "csrf", "title", "type", "date", "source", "category", "file",
];
/// Most parts an upload may have (a field repeated counts each time).
const MAX_PARTS: usize = FIELDS.len() + 2;
/// Room for the parts' boundaries and headers in the whole body's limit.
const OVERHEAD: u64 = 64 * 1024;

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

/// Why an upload's form was refused before the library saw it.
enum Refusal {
    /// A part, the body or the number of parts above its limit (413).
    TooLarge(String),
    /// Malformed, an unknown field, the browser idle past the limit (400).
    Bad(String),
}

impl Refusal {
    fn of(e: multer::Error, file_limit: u64) -> Refusal {
        let mib: u64 = file_limit / (1024 * 1024);
        match e {
            multer::Error::FieldSizeExceeded { field_name, .. }
                if field_name.as_deref() == Some("file") =>
            {
                Refusal::TooLarge(coffre::tr!("web-document-too-large", limit_mib = mib))
            }
            multer::Error::FieldSizeExceeded { .. } => {
                Refusal::TooLarge(coffre::tr!("web-document-field-too-long", max = MAX_FIELD))
            }
            multer::Error::StreamSizeExceeded { .. } => {
                Refusal::TooLarge(coffre::tr!("web-document-too-large", limit_mib = mib))
            }
            _ => Refusal::Bad(coffre::tr!("web-document-form-invalid")),
        }
    }
}

/// The next part within the idle limit (`None` at the end of the form).
async fn next_part(
    form: &mut multer::Multipart<'static>,
    idle: std::time::Duration,
    limit: u64,
) -> Result<Option<multer::Field<'static>>, Refusal> {
    match tokio::time::timeout(idle, form.next_field()).await {
        Ok(Ok(f)) => Ok(f),
        Ok(Err(e)) => Err(Refusal::of(e, limit)),
        Err(_) => Err(Refusal::Bad(coffre::tr!("web-document-stalled"))),
    }
}

/// A text part, whole (its size bounded by the form's constraints).
async fn text_part(
    field: &mut multer::Field<'static>,
    idle: std::time::Duration,
    limit: u64,
) -> Result<zeroize::Zeroizing<String>, Refusal> {
    let mut buf = zeroize::Zeroizing::new(Vec::new());
    loop {
        match tokio::time::timeout(idle, field.chunk()).await {
            Ok(Ok(Some(c))) => buf.extend_from_slice(&c),
            Ok(Ok(None)) => break,
            Ok(Err(e)) => return Err(Refusal::of(e, limit)),
            Err(_) => return Err(Refusal::Bad(coffre::tr!("web-document-stalled"))),
        }
    }
    match std::str::from_utf8(&buf) {
        Ok(t) => Ok(zeroize::Zeroizing::new(t.to_string())),
        Err(_) => Err(Refusal::Bad(coffre::tr!("web-document-form-invalid"))),
    }
}

/// `POST /dossiers/{dossier}/documents` (multipart): attaches a document.
///
/// The body is read under limits (multer's constraints): only the form's
/// fields, each text part at most [`MAX_FIELD`] bytes, the file at most the
/// policy's `[documents] max_mib`, at most [`MAX_PARTS`] parts, every block
/// within the idle limit (`--transfer-idle-secs`). The origin is checked
/// first, then the first part must be a valid CSRF token: nothing after it
/// (the file) is read otherwise. The file is streamed into the vault as it
/// arrives, never held whole. Answers: 303 to the dossier; 403 (origin,
/// token), 413 (a part or the number of parts above its limit), 400
/// (malformed, idle), 503 (too many transfers at once), as French pages.
pub async fn document_add(
    State(app): S,
    Member(h): Member,
    DossierId(dossier): DossierId,
    headers: axum::http::HeaderMap,
    body: Body,
) -> Response {
    use axum::http::StatusCode;
    if !super::security::same_origin(&app, &headers) {
        return forbidden(&app, nav(&app, &h), coffre::tr!("web-refused-origin"));
    }
    let slot = match transfer_slot(&app, &h) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let idle = app.transfer_idle;
    let limit = app.vault.policy().documents.max_bytes;
    let refuse = |r: Refusal| match r {
        Refusal::TooLarge(m) => status_page(&app, nav(&app, &h), StatusCode::PAYLOAD_TOO_LARGE, m),
        Refusal::Bad(m) => status_page(&app, nav(&app, &h), StatusCode::BAD_REQUEST, m),
    };
    let Some(boundary) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok())
    else {
        return refuse(Refusal::Bad(coffre::tr!("web-document-form-invalid")));
    };
    let constraints = multer::Constraints::new()
        .allowed_fields(FIELDS.to_vec())
        .size_limit(
            multer::SizeLimit::new()
                .whole_stream(limit.saturating_add(OVERHEAD + MAX_FIELD * MAX_PARTS as u64))
                .per_field(MAX_FIELD)
                .for_field("file", limit),
        );
    let mut form =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    // The token first, or nothing more is read.
    let mut first = match next_part(&mut form, idle, limit).await {
        Ok(Some(f)) if f.name() == Some("csrf") => f,
        Ok(_) => return forbidden(&app, nav(&app, &h), coffre::tr!("web-refused-csrf")),
        Err(r) => return refuse(r),
    };
    match text_part(&mut first, idle, limit).await {
        Ok(token) if super::security::csrf_ok(&h.csrf, &token) => {}
        Ok(_) => return forbidden(&app, nav(&app, &h), coffre::tr!("web-refused-csrf")),
        Err(r) => return refuse(r),
    }
    drop(first);
    let mut text: std::collections::HashMap<String, zeroize::Zeroizing<String>> =
        std::collections::HashMap::new();
    let mut parts = 1usize;
    let mut field = loop {
        let mut next = match next_part(&mut form, idle, limit).await {
            Ok(Some(f)) => f,
            Ok(None) => return refuse(Refusal::Bad(coffre::tr!("web-document-form-invalid"))),
            Err(r) => return refuse(r),
        };
        parts += 1;
        if parts > MAX_PARTS {
            return refuse(Refusal::TooLarge(coffre::tr!(
                "web-document-too-many-parts"
            )));
        }
        let name = next.name().unwrap_or_default().to_string();
        if name == "file" {
            break next;
        }
        match text_part(&mut next, idle, limit).await {
            Ok(value) => {
                text.insert(name, value);
            }
            Err(r) => return refuse(r),
        }
    };
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
        let r = on_staff(&member, move |s| {
            s.add_document(
                &d,
                &input,
                &mut FromBody {
                    rx,
                    cur: Bytes::new(),
                },
            )
        })
        .await;
        drop(slot);
        r
    });
    // Why the stream was cut here, if it was (the library then sees an
    // interrupted read and removes what it stored).
    let mut cut: Option<Refusal> = None;
    loop {
        match tokio::time::timeout(idle, field.chunk()).await {
            Ok(Ok(Some(c))) => {
                if tx.send(Ok(c)).await.is_err() {
                    break; // the library stopped reading (too large, refused…)
                }
            }
            Ok(Ok(None)) => break,
            Ok(Err(e)) => {
                cut = Some(Refusal::of(e, limit));
                let _ = tx.send(Err(())).await;
                break;
            }
            Err(_) => {
                cut = Some(Refusal::Bad(coffre::tr!("web-document-stalled")));
                let _ = tx.send(Err(())).await;
                break;
            }
        }
    }
    drop(tx);
    let done = job.await;
    if let Some(r) = cut {
        return refuse(r);
    }
    match done {
        Ok(Ok(_)) => see_other(&format!("/dossiers/{dossier}#documents")),
        Ok(Err(e)) if e.kind() == "document-too-large" => status_page(
            &app,
            nav(&app, &h),
            StatusCode::PAYLOAD_TOO_LARGE,
            error_text(&e, lang(&app)),
        ),
        Ok(Err(e)) => error_page(&app, nav(&app, &h), &e),
        Err(_) => refuse(Refusal::Bad(coffre::tr!("web-document-form-invalid"))),
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
