//! Documents attached to a dossier (`docs/documents.md`): an entry of the
//! reserved kind [`DOCUMENT_KIND`] whose fields (title, type, date, source,
//! the manifest and the content key) are sealed in the category chosen at
//! upload, and whose content is a stream of chunks, each its own store record
//! (`dc/…`), sealed under the version's content key and bound by its
//! associated data to its dossier, entry, version, position and whether it is
//! the last. The manifest (size, chunk count, SHA-256) is a field, so the
//! author's signed `content` fact commits it: a chunk moved, dropped,
//! reordered, truncated, replayed from another document or version, or
//! re-sealed by a holder of the key is an integrity failure naming its record.
//!
//! Memory stays bounded: content goes in and out through `Read` and `Write`,
//! one chunk at a time, chunks written durably in groups.

use std::collections::BTreeSet;
use std::io::{Read, Write};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::audit::Outcome;
use crate::crypto::{envelope, Aad, Key32};
use crate::error::{Error, Result};
use crate::store::records::{encode, EntryRecord, SealedField, VersionRecord};
use crate::store::{layout, Batch};
use crate::vault::access::keys::field_aad;
use crate::vault::access::session::{DataKey, Session};
use crate::vault::access::trust::forged;
use crate::vault::now;
use crate::vault::records::reader::CheckedEntry;
use crate::vault::views::WithheldReason;

/// The reserved entry kind of documents (no policy may define a kind of this name).
pub const DOCUMENT_KIND: &str = "document";
/// Plaintext bytes per chunk (the last may be shorter).
pub const CHUNK: usize = 64 * 1024;
/// Chunks written per durable step while a document is stored (1 MiB).
const GROUP: usize = 16;
/// Longest title, source or file name, in characters.
const MAX_TEXT: usize = 500;

/// Field names of a document's version.
const F_TITLE: &str = "title";
const F_TYPE: &str = "type";
const F_DATE: &str = "date";
const F_SOURCE: &str = "source";
const F_CONTENT: &str = "content";
const F_KEY: &str = "content_key";

/// The fields a person or a note view never shows (the content key).
pub(crate) fn hidden_field(kind: &str, field: &str) -> bool {
    kind == DOCUMENT_KIND && field == F_KEY
}

/// What the caller says of a document it attaches. Title and source are
/// content: zeroized on drop, never shown by `Debug`.
pub struct DocumentInput {
    /// Title.
    pub title: Zeroizing<String>,
    /// A document type of the policy (`[documents.types.*]`).
    pub doc_type: String,
    /// The document's own date (`YYYY-MM-DD`), or empty.
    pub date: String,
    /// Where it came from, or empty.
    pub source: Zeroizing<String>,
    /// The policy category that decides who may open it.
    pub category: String,
    /// The file's name (content: sealed in the manifest).
    pub file_name: Zeroizing<String>,
    /// Its MIME type (checked against the first bytes when known).
    pub mime: String,
}

impl std::fmt::Debug for DocumentInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentInput")
            .field("doc_type", &self.doc_type)
            .field("category", &self.category)
            .finish_non_exhaustive()
    }
}

/// The manifest of one version's content, sealed as its `content` field.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    /// File name.
    name: String,
    /// MIME type.
    mime: String,
    /// Bytes of plaintext.
    size: u64,
    /// Number of chunks (at least 1: an empty file is one empty chunk).
    chunks: u64,
    /// SHA-256 of the plaintext, hex.
    sha256: String,
    /// The random id the chunks are stored under.
    blob: String,
}

/// A document as a member (or the person) sees it in a list.
#[derive(Clone, Serialize)]
pub struct DocumentView {
    /// Entry id.
    pub id: String,
    /// Dossier id.
    pub dossier: String,
    /// Latest version.
    pub version: u32,
    /// Title.
    pub title: String,
    /// Type identifier.
    pub doc_type: String,
    /// The document's own date (or empty).
    pub date: String,
    /// Source (or empty).
    pub source: String,
    /// Category.
    pub category: String,
    /// File name.
    pub file_name: String,
    /// MIME type.
    pub mime: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// Author of the version.
    pub author: String,
    /// Time of the version (RFC 3339).
    pub time: String,
}

impl std::fmt::Debug for DocumentView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentView")
            .field("id", &self.id)
            .field("version", &self.version)
            .field("category", &self.category)
            .finish_non_exhaustive()
    }
}

impl Drop for DocumentView {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.title.zeroize();
        self.source.zeroize();
        self.file_name.zeroize();
    }
}

/// Associated data of chunk `index` of a version's content.
pub(crate) fn chunk_aad(
    vault: &str,
    dossier: &str,
    entry: &str,
    version: u32,
    blob: &str,
    index: u64,
    last: bool,
) -> Aad {
    Aad::new("coffre/doc-chunk/v1")
        .with(vault.as_bytes())
        .with(dossier.as_bytes())
        .with(entry.as_bytes())
        .with(&version.to_be_bytes())
        .with(blob.as_bytes())
        .with(&index.to_be_bytes())
        .with(&[u8::from(last)])
}

/// Reads up to `CHUNK` bytes (fewer only at the end of `input`).
fn read_chunk(input: &mut dyn Read) -> Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(vec![0u8; CHUNK]);
    let mut filled = 0;
    while filled < CHUNK {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::Io(msg!("document-read-failed", e = e.to_string()))),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

/// What [`seal_stream`] sealed (no plaintext: the first bytes the type check
/// needs are looked at in place, never kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sealed {
    pub(crate) size: u64,
    pub(crate) chunks: u64,
    pub(crate) sha256: [u8; 32],
}

/// Seals `input` chunk by chunk under `key`, the associated data of each given
/// by `aad(index, last)`, handing every sealed chunk to `sink`. Refuses more
/// than `limit` bytes (usage) before sealing beyond it, and first bytes that
/// `check_head` refuses before sealing anything.
pub(crate) fn seal_stream(
    key: &Key32,
    aad: &dyn Fn(u64, bool) -> Aad,
    input: &mut dyn Read,
    limit: u64,
    check_head: &dyn Fn(&[u8]) -> Result<()>,
    sink: &mut dyn FnMut(u64, Vec<u8>) -> Result<()>,
) -> Result<Sealed> {
    let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
    let mut cur = read_chunk(input)?;
    check_head(&cur[..cur.len().min(512)])?;
    let (mut index, mut size) = (0u64, 0u64);
    loop {
        let next = if cur.len() == CHUNK {
            read_chunk(input)?
        } else {
            Zeroizing::new(Vec::new())
        };
        let last = next.is_empty();
        size += cur.len() as u64;
        if size > limit {
            return Err(Error::Usage(msg!(
                "document-too-large",
                limit_mib = limit / (1024 * 1024)
            )));
        }
        hash.update(&cur);
        sink(index, envelope::seal(key, &aad(index, last), &cur)?)?;
        if last {
            break;
        }
        cur = next;
        index += 1;
    }
    let mut sha256 = [0u8; 32];
    sha256.copy_from_slice(hash.finish().as_ref());
    Ok(Sealed {
        size,
        chunks: index + 1,
        sha256,
    })
}

/// Opens `chunks` sealed chunks fetched by `fetch(index)` (`None`: missing)
/// and writes the plaintext to `out`, checking each chunk's place, that only
/// the last is short and marked last, and at the end the size and the
/// SHA-256 against the signed digest. The last chunk is held back until that
/// digest matched: content re-sealed by a holder of the content key never
/// reaches `out` whole (a reader sees a stream ending short of `size`, an
/// incomplete download). At most two chunks are in memory.
/// `name(index)` names the record a failure blames.
#[allow(clippy::too_many_arguments)] // each is one distinct input of the check
pub(crate) fn open_stream(
    key: &Key32,
    aad: &dyn Fn(u64, bool) -> Aad,
    chunks: u64,
    size: u64,
    sha256: &[u8; 32],
    fetch: &mut dyn FnMut(u64) -> Result<Option<Vec<u8>>>,
    name: &dyn Fn(u64) -> String,
    out: &mut dyn Write,
) -> Result<()> {
    if chunks == 0 {
        return Err(forged(&name(0), "a document of no chunk"));
    }
    let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
    let mut total = 0u64;
    // The last chunk opened, written once the next one opened (or, for the
    // last, once the digest matched).
    let mut held = None;
    for i in 0..chunks {
        let last = i + 1 == chunks;
        let sealed =
            fetch(i)?.ok_or_else(|| forged(&name(i), "a chunk of the document is missing"))?;
        let plain = envelope::open(key, &aad(i, last), &sealed)
            .map_err(|_| forged(&name(i), "a chunk that does not open at its place"))?;
        if (!last && plain.len() != CHUNK) || plain.len() > CHUNK {
            return Err(forged(&name(i), "a chunk of the wrong length"));
        }
        total += plain.len() as u64;
        if total > size {
            return Err(forged(&name(i), "more content than its author signed"));
        }
        hash.update(&plain);
        // The chunk before this one is written only now; this one waits.
        if let Some(before) = held.replace(plain) {
            out.write_all(&before)
                .map_err(|e| Error::Io(msg!("document-write-failed", e = e.to_string())))?;
        }
    }
    if total != size || hash.finish().as_ref() != sha256 {
        return Err(forged(
            &name(chunks - 1),
            "content that differs from the digest its author signed",
        ));
    }
    if let Some(last) = held {
        out.write_all(&last)
            .map_err(|e| Error::Io(msg!("document-write-failed", e = e.to_string())))?;
    }
    out.flush()
        .map_err(|e| Error::Io(msg!("document-write-failed", e = e.to_string())))?;
    Ok(())
}

/// The key of chunk `index` of a version's content.
fn chunk_record(dossier: &str, entry: &str, blob: &str, index: u64) -> Vec<u8> {
    layout::document_chunk(dossier, entry, blob, index)
}

/// Whether the first bytes contradict a declared MIME type that can run or
/// be rendered (a "PDF" that is not one, an "image" that is HTML…).
fn type_contradicts(mime: &str, head: &[u8]) -> bool {
    let starts = |p: &[u8]| head.starts_with(p);
    let looks_markup = {
        let t = String::from_utf8_lossy(&head[..head.len().min(256)]).to_ascii_lowercase();
        let t = t.trim_start_matches('\u{feff}').trim_start();
        t.starts_with("<!doctype")
            || t.starts_with("<html")
            || t.starts_with("<svg")
            || t.starts_with("<?xml")
            || t.starts_with("<script")
    };
    match mime {
        "application/pdf" => !starts(b"%PDF-"),
        "image/png" => !starts(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => !starts(b"\xff\xd8\xff"),
        "image/gif" => !starts(b"GIF8"),
        "image/webp" => !(starts(b"RIFF") && head.get(8..12) == Some(b"WEBP")),
        m if m.starts_with("image/") || m.starts_with("audio/") || m.starts_with("video/") => {
            looks_markup && m != "image/svg+xml"
        }
        _ => false,
    }
}

/// The MIME type of a file name's extension (`application/octet-stream` if unknown).
pub fn mime_of(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "txt" => "text/plain",
        "html" | "htm" => "text/html",
        "mp3" => "audio/mpeg",
        "ogg" | "oga" => "audio/ogg",
        "wav" => "audio/wav",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "odt" => "application/vnd.oasis.opendocument.text",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
    }
}

fn check_text(what: &str, s: &str, required: bool) -> Result<()> {
    if (required && s.trim().is_empty())
        || s.chars().count() > MAX_TEXT
        || s.chars().any(|c| c.is_control())
    {
        return Err(Error::Usage(msg!(
            "document-text-invalid",
            what = what,
            max = MAX_TEXT
        )));
    }
    Ok(())
}

/// The document's date in the form kept (`YYYY-MM-DD`), from that form or
/// the French `JJ/MM/AAAA`; empty stays empty.
fn normalise_date(d: &str) -> Result<String> {
    if d.trim().is_empty() {
        return Ok(String::new());
    }
    crate::i18n::parse_date(d.trim())
        .map(|d| d.to_string())
        .map_err(|_| Error::Usage(msg!("document-date-invalid")))
}

/// A version's fields opened for a reader: the view, the manifest and the key.
/// A version whose content is stored, its fields not sealed yet.
struct Stored<'v> {
    category: String,
    values: [(&'static str, Zeroizing<String>); 6],
    /// The chunks written, removed on drop unless the version was committed.
    chunks: ChunkGuard<'v>,
}

/// The chunks an upload wrote (`dc/{dossier}/{entry}/{blob}/0..written`):
/// removed when dropped, unless [`ChunkGuard::keep`] was called once the
/// version naming them was committed. A refused upload, a commit that
/// failed, a full disk or a client gone leave no chunk behind; only a
/// process killed mid-upload does, which `coffre check` reports and sweeps.
pub(crate) struct ChunkGuard<'v> {
    vault: &'v crate::vault::Vault,
    dossier: String,
    entry: String,
    blob: String,
    /// Chunks possibly written (0..written): a group that failed to commit
    /// is counted, removing a key absent is harmless.
    written: u64,
    kept: bool,
}

impl ChunkGuard<'_> {
    /// The chunks are still there (first and last): `coffre check
    /// --sweep-chunks` removes those of an upload not committed yet, and the
    /// commit, under the same turn of the vault, must then be refused rather
    /// than record a version whose content is gone.
    fn present(&self) -> Result<()> {
        let ends = [0, self.written.saturating_sub(1)];
        for i in ends {
            let key = chunk_record(&self.dossier, &self.entry, &self.blob, i);
            if self.vault.store.get(&key)?.is_none() {
                return Err(Error::Io(msg!("document-chunks-gone")));
            }
        }
        Ok(())
    }

    /// The version naming these chunks is committed: they stay.
    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for ChunkGuard<'_> {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        // Best effort, 256 removals per durable step: what cannot be removed
        // now (the store itself failing) is named by no fact, decides
        // nothing, and is found by `coffre check`.
        for first in (0..self.written).step_by(256) {
            let mut rm = Batch::new();
            for i in first..self.written.min(first + 256) {
                rm.remove(chunk_record(&self.dossier, &self.entry, &self.blob, i));
            }
            if let Ok(_turn) = self.vault.begin() {
                let _ = self.vault.commit(rm);
            }
        }
    }
}

struct Opened {
    view: DocumentView,
    manifest: Manifest,
    key: Key32,
}

impl<'v> Session<'v> {
    /// Attaches a new document to `dossier`, its content read from `input`.
    /// Returns the new entry id. Audited `document.add` (refusals too).
    pub fn add_document(
        &mut self,
        dossier: &str,
        input: &DocumentInput,
        content: &mut dyn Read,
    ) -> Result<String> {
        const ACTION: &str = "document.add";
        self.may_attach(ACTION, dossier, None)?;
        let id = layout::new_entry_id()?;
        let entry = EntryRecord {
            id: id.clone(),
            dossier: dossier.to_string(),
            kind: DOCUMENT_KIND.to_string(),
            author: self.me.id.clone(),
            created: now(),
            latest: 1,
        };
        let stored = self.store_version(ACTION, &entry, 1, input, content)?;
        // The rights again: a long upload may have outlived them.
        let _turn = self.ensure_current()?;
        self.may_attach(ACTION, dossier, Some(&input.category))?;
        let vault = self.vault;
        let _writing = vault
            .write_lock
            .lock()
            .map_err(|_| Error::Io(msg!("write-lock-poisoned")))?;
        stored.chunks.present()?;
        let mut batch = Batch::new();
        let version = self.seal_document_version(ACTION, &entry, 1, &stored, &mut batch)?;
        let element = crate::vault::access::trust::element(
            &entry,
            &[crate::vault::access::trust::shape(&version)],
        );
        batch.put(layout::entry(&id), dossier.as_bytes().to_vec());
        batch.put(layout::version(dossier, &id, 1), encode(&version)?);
        batch.put(layout::dossier_entry(dossier, &id), encode(&entry)?);
        self.vault.commit_audited(
            self.draft(ACTION)
                .dossier(dossier)
                .entry(&id)
                .categories([input.category.as_str()])
                .fact(
                    crate::vault::access::trust::content_fact(dossier, &[element], &[])?,
                    self.fact_signer(),
                ),
            batch,
        )?;
        stored.chunks.keep();
        Ok(id)
    }

    /// Adds a new version of document `entry_id` of `dossier` (the earlier
    /// ones are kept). Returns its number. Audited `document.amend`. A
    /// document of another dossier is refused (usage,
    /// `document-other-dossier`, naming both dossiers).
    pub fn add_document_version(
        &mut self,
        dossier: &str,
        entry_id: &str,
        input: &DocumentInput,
        content: &mut dyn Read,
    ) -> Result<u32> {
        const ACTION: &str = "document.amend";
        let (checked, entry) = {
            let _turn = self.ensure_current()?;
            let checked = self.vault.checked_entry(entry_id)?;
            let entry = checked.record().clone();
            if entry.kind != DOCUMENT_KIND {
                return Err(Error::NotFound(msg!("document-not-found", id = entry_id)));
            }
            // The dossier the caller means must be the document's: a version
            // is never written to another dossier's document.
            if entry.dossier != dossier {
                return Err(Error::Usage(msg!(
                    "document-other-dossier",
                    id = entry_id,
                    dossier = dossier,
                    actual = entry.dossier.clone()
                )));
            }
            self.may_attach(ACTION, &entry.dossier, None)?;
            // A version keeps the category of the first: otherwise a new
            // version could move the content to a category more people open.
            let first = checked
                .versions()
                .iter()
                .min_by_key(|v| v.version)
                .and_then(|v| v.fields.first())
                .map(|f| f.category.clone())
                .ok_or_else(|| {
                    forged(
                        &String::from_utf8_lossy(&layout::version(&entry.dossier, &entry.id, 1)),
                        "a document version without one of its fields",
                    )
                })?;
            if first != input.category {
                return Err(Error::Usage(msg!(
                    "document-category-fixed",
                    first = first,
                    given = input.category.clone()
                )));
            }
            (checked, entry)
        };
        let number = entry.latest + 1;
        let stored = self.store_version(ACTION, &entry, number, input, content)?;
        let _turn = self.ensure_current()?;
        self.may_attach(ACTION, &entry.dossier, Some(&input.category))?;
        let vault = self.vault;
        let _writing = vault
            .write_lock
            .lock()
            .map_err(|_| Error::Io(msg!("write-lock-poisoned")))?;
        // Under the lock: the entry the register holds now must still be the
        // one this version follows (another version written meanwhile).
        let now_checked = self.vault.checked_entry(entry_id)?;
        if now_checked.element() != checked.element() {
            return Err(Error::Usage(msg!("document-changed-meanwhile")));
        }
        stored.chunks.present()?;
        let mut batch = Batch::new();
        let rec = self.seal_document_version(ACTION, &entry, number, &stored, &mut batch)?;
        let mut shapes: Vec<[u8; 32]> = checked
            .versions()
            .iter()
            .map(crate::vault::access::trust::shape)
            .collect();
        shapes.push(crate::vault::access::trust::shape(&rec));
        let mut updated = entry.clone();
        updated.latest = number;
        let new_element = crate::vault::access::trust::element(&updated, &shapes);
        batch.put(
            layout::dossier_entry(&entry.dossier, entry_id),
            encode(&updated)?,
        );
        batch.put(
            layout::version(&entry.dossier, entry_id, number),
            encode(&rec)?,
        );
        self.vault.commit_audited(
            self.draft(ACTION)
                .dossier(&entry.dossier)
                .entry(entry_id)
                .categories([input.category.as_str()])
                .detail(&format!("version {number}"))
                .fact(
                    crate::vault::access::trust::content_fact(
                        &entry.dossier,
                        &[new_element],
                        &[checked.element()],
                    )?,
                    self.fact_signer(),
                ),
            batch,
        )?;
        stored.chunks.keep();
        Ok(number)
    }

    /// The dossier is open, the member in its care team and, with
    /// `category`, allowed to write it (refusals audited). Under the caller's
    /// turn, or its own.
    fn may_attach(&mut self, action: &str, dossier: &str, category: Option<&str>) -> Result<()> {
        let _turn = self.ensure_current()?;
        self.load_dossier(dossier)?;
        if !self.in_team(dossier, &self.me.id.clone())? {
            return self.refuse(
                action,
                Some(dossier),
                msg!("you-care-team-dossier", dossier = dossier),
            );
        }
        if let Some(cat) = category {
            if !self.vault.policy.can_write(&self.me.profession, cat) {
                return self.refuse(
                    action,
                    Some(dossier),
                    msg!(
                        "profession-may-write-category",
                        profession = self.me.profession,
                        cat = cat
                    ),
                );
            }
        }
        Ok(())
    }

    /// Checks `input` against the policy and the actor's rights, streams the
    /// content into durable chunk records and returns the version's values,
    /// to be sealed at commit by [`Session::seal_document_version`].
    fn store_version(
        &mut self,
        action: &str,
        entry: &EntryRecord,
        number: u32,
        input: &DocumentInput,
        content: &mut dyn Read,
    ) -> Result<Stored<'v>> {
        let policy = &self.vault.policy;
        if !policy.documents.types.contains_key(&input.doc_type) {
            let known: Vec<&str> = policy.documents.types.keys().map(String::as_str).collect();
            return Err(Error::Usage(msg!(
                "document-type-unknown",
                doc_type = input.doc_type,
                known = known.join(", ")
            )));
        }
        if !policy.categories.contains_key(&input.category) {
            return Err(Error::Usage(msg!(
                "document-category-unknown",
                cat = input.category
            )));
        }
        check_text("title", &input.title, true)?;
        check_text("source", &input.source, false)?;
        check_text("file", &input.file_name, false)?;
        let date = normalise_date(&input.date)?;
        let mime = if input.mime.is_empty() {
            mime_of(&input.file_name).to_string()
        } else {
            input.mime.to_ascii_lowercase()
        };
        if mime.len() > 100
            || !mime.contains('/')
            || !mime
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/.+-".contains(&b))
        {
            return Err(Error::Usage(msg!("document-mime-invalid")));
        }
        let cat = input.category.clone();
        if !self.vault.policy.can_write(&self.me.profession, &cat) {
            return self.refuse(
                action,
                Some(&entry.dossier),
                msg!(
                    "profession-may-write-category",
                    profession = self.me.profession,
                    cat = cat
                ),
            );
        }
        // Refused before anything streams when the key cannot be had now (it
        // is fetched again at commit: what seals the fields is the key then).
        let turn = self.ensure_current()?;
        self.version_key(action, &entry.dossier, &cat, &mut Batch::new())?;
        // No turn on the vault while the content streams in (in PostgreSQL
        // a turn holds every other operation of this process): one per group.
        drop(turn);
        // The content under a key of its own, sealed in the version's fields.
        let content_key = Key32::random()?;
        let blob = hex::encode(crate::crypto::key::random_bytes::<8>()?);
        let vid = self.vault.meta.vault_id.clone();
        let (dossier, eid) = (entry.dossier.clone(), entry.id.clone());
        let aad = |i: u64, last: bool| chunk_aad(&vid, &dossier, &eid, number, &blob, i, last);
        let vault = self.vault;
        let mut guard = ChunkGuard {
            vault,
            dossier: dossier.clone(),
            entry: eid.clone(),
            blob: blob.clone(),
            written: 0,
            kept: false,
        };
        let mut group = Batch::new();
        let mut pending = 0u64;
        let check_head = |head: &[u8]| {
            if type_contradicts(&mime, head) {
                Err(Error::Usage(msg!(
                    "document-type-contradicts",
                    mime = mime.clone()
                )))
            } else {
                Ok(())
            }
        };
        // On any error below, `guard` removes what was written.
        let sealed = seal_stream(
            &content_key,
            &aad,
            content,
            vault.policy.documents.max_bytes,
            &check_head,
            &mut |i, bytes| {
                group.put(chunk_record(&dossier, &eid, &blob, i), bytes);
                pending += 1;
                if pending == GROUP as u64 {
                    guard.written = i + 1;
                    let _turn = vault.begin()?;
                    vault.commit(std::mem::take(&mut group))?;
                    pending = 0;
                }
                Ok(())
            },
        )
        .and_then(|sealed| {
            guard.written = sealed.chunks;
            let _turn = vault.begin()?;
            vault.commit(std::mem::take(&mut group))?;
            Ok(sealed)
        })?;
        let manifest = Manifest {
            name: input.file_name.to_string(),
            mime,
            size: sealed.size,
            chunks: sealed.chunks,
            sha256: hex::encode(sealed.sha256),
            blob,
        };
        let manifest_json = Zeroizing::new(
            serde_json::to_string(&manifest)
                .map_err(|_| Error::Io(msg!("document-manifest-encode")))?,
        );
        let key_hex = Zeroizing::new(hex::encode(content_key.expose()));
        let z = |v: &str| Zeroizing::new(v.to_string());
        Ok(Stored {
            category: cat,
            chunks: guard,
            values: [
                (F_TITLE, z(&input.title)),
                (F_TYPE, z(&input.doc_type)),
                (F_DATE, z(&date)),
                (F_SOURCE, z(&input.source)),
                (F_CONTENT, manifest_json),
                (F_KEY, key_hex),
            ],
        })
    }

    /// The data key new values of (`dossier`, `cat`) are sealed under for this
    /// member, made into `batch` if there is none yet, or the refusal (audited).
    fn version_key(
        &mut self,
        action: &str,
        dossier: &str,
        cat: &str,
        batch: &mut Batch,
    ) -> Result<Key32> {
        let me = self.me.id.clone();
        match self.data_key(dossier, cat, Some(&me), Some(batch))? {
            DataKey::Key(k) => Ok(k),
            DataKey::Pending => {
                self.vault.audit(
                    self.draft(action)
                        .dossier(dossier)
                        .outcome(Outcome::Denied)
                        .categories([cat])
                        .detail("key not granted yet"),
                )?;
                Err(Error::Pending(msg!(
                    "key-category-granted-you-yet",
                    cat = cat
                )))
            }
            _ => self.refuse(
                action,
                Some(dossier),
                msg!("you-hold-key-category", cat = cat),
            ),
        }
    }

    /// Seals a stored version's fields under the data key current now (a
    /// renewal during the upload replaced the one it started with); a key made
    /// goes into `batch`. Under the caller's turn and write lock.
    fn seal_document_version(
        &mut self,
        action: &str,
        entry: &EntryRecord,
        number: u32,
        stored: &Stored<'_>,
        batch: &mut Batch,
    ) -> Result<VersionRecord> {
        let cat = &stored.category;
        let key = self.version_key(action, &entry.dossier, cat, batch)?;
        let vid = &self.vault.meta.vault_id;
        let mut fields: Vec<SealedField> = Vec::new();
        for (name, value) in &stored.values {
            let aad = field_aad(vid, &entry.dossier, &entry.id, name, number, cat);
            fields.push(crate::vault::records::field::seal(
                name,
                cat,
                &key,
                &aad,
                value.as_bytes(),
            )?);
        }
        Ok(VersionRecord {
            version: number,
            author: self.me.id.clone(),
            time: now(),
            fields,
        })
    }

    /// Opens version `number` of a checked document for this member, or says
    /// why it stays withheld.
    fn open_version(
        &mut self,
        checked: &CheckedEntry,
        number: u32,
        break_glass: bool,
    ) -> Result<std::result::Result<Opened, WithheldReason>> {
        let entry = checked.record();
        let one_category = |n: u32, v: &VersionRecord| match v.fields.first() {
            Some(f) if v.fields.iter().all(|g| g.category == f.category) => Ok(f.category.clone()),
            _ => Err(forged(
                &String::from_utf8_lossy(&layout::version(&entry.dossier, &entry.id, n)),
                "a document version whose fields are not in one category",
            )),
        };
        // The document's category (every version keeps the first one's)
        // decides before the version is looked up: a reader it refuses
        // learns nothing of which versions exist.
        let first = checked
            .versions()
            .iter()
            .min_by_key(|v| v.version)
            .ok_or_else(|| Error::NotFound(msg!("document-version-not-found", version = number)))?;
        let cat = one_category(first.version, first)?;
        let policy = &self.vault.policy;
        let author_only = policy.is_author_only(&cat);
        if !policy.can_read(&self.me.profession, &cat) {
            return Ok(Err(WithheldReason::NotPermitted));
        }
        if break_glass && !policy.break_glass_opens(&cat) {
            return Ok(Err(WithheldReason::NotUnderBreakGlass));
        }
        if self.objects(&entry.dossier, &cat)? {
            return Ok(Err(WithheldReason::Objection));
        }
        let v = checked
            .versions()
            .iter()
            .find(|v| v.version == number)
            .ok_or_else(|| Error::NotFound(msg!("document-version-not-found", version = number)))?;
        if one_category(number, v)? != cat {
            return Err(forged(
                &String::from_utf8_lossy(&layout::version(&entry.dossier, &entry.id, number)),
                "a document version in another category than the first",
            ));
        }
        if author_only && v.author != self.me.id {
            return Ok(Err(WithheldReason::AuthorOnly));
        }
        let key = match self.data_key(
            &entry.dossier,
            &cat,
            author_only.then_some(v.author.as_str()),
            None,
        )? {
            DataKey::Key(k) => k,
            DataKey::Pending => return Ok(Err(WithheldReason::Pending)),
            DataKey::NoAccess => return Ok(Err(WithheldReason::NotPermitted)),
            DataKey::Missing => {
                return Err(Error::Integrity(msg!(
                    "data-key-dossier-missing",
                    cat = cat,
                    dossier = entry.dossier
                )))
            }
        };
        open_fields(self.vault, entry, v, &key).map(Ok)
    }

    /// The documents of `dossier` this member may open (latest versions), how
    /// many are withheld, and the ids of those found damaged (not shown; the
    /// others are). An audited read (`document.list`): titles are content.
    pub fn list_documents(
        &mut self,
        dossier: &str,
        break_glass: Option<&str>,
    ) -> Result<(Vec<DocumentView>, usize, Vec<String>)> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "document.list";
        self.load_dossier(dossier)?;
        let access = self.reach(dossier, ACTION, break_glass)?;
        let listed = (|| {
            self.vault.check_objections(dossier)?;
            let entries = self.vault.checked_dossier(dossier)?.complete(dossier)?;
            let mut shown = Vec::new();
            let mut withheld = 0usize;
            let mut damaged = Vec::new();
            for c in entries.iter().filter(|c| c.record().kind == DOCUMENT_KIND) {
                // One document that does not open is named, never a reason
                // to withhold the others (as `show_dossier` does for entries).
                match self.open_version(c, c.record().latest, access.break_glass) {
                    Ok(Ok(o)) => shown.push(o.view),
                    Ok(Err(_)) => withheld += 1,
                    Err(e) if crate::vault::access::trust::entry_damage(&e) => {
                        damaged.push(c.record().id.clone())
                    }
                    Err(e) => return Err(e),
                }
            }
            damaged.sort();
            Ok::<_, Error>((shown, withheld, damaged))
        })();
        let cats: BTreeSet<String> = listed
            .iter()
            .flat_map(|(v, _, _)| v.iter().map(|d| d.category.clone()))
            .collect();
        let damaged = listed
            .as_ref()
            .map(|(_, _, d)| d.clone())
            .unwrap_or_default();
        let mut d = self
            .draft(ACTION)
            .dossier(dossier)
            .categories(cats)
            .outcome(if listed.is_ok() && damaged.is_empty() {
                Outcome::Ok
            } else {
                Outcome::Error
            });
        d.break_glass = access.break_glass;
        d.justification = access.justification;
        d.detail = if damaged.is_empty() {
            access.detail
        } else {
            Some(format!(
                "damaged documents not shown: {}{}",
                damaged.join(", "),
                access
                    .detail
                    .as_deref()
                    .map(|x| format!("; {x}"))
                    .unwrap_or_default()
            ))
        };
        self.vault.audit(d)?;
        listed
    }

    /// Opens document `entry_id` of `dossier` (its latest version, or
    /// `version`) and streams its content into `out`. The read is audited
    /// durably (`document.read`) before the first byte is written; a refusal
    /// is audited too, and a failure in the middle of the stream adds an
    /// error line. Returns the version's view.
    pub fn open_document(
        &mut self,
        dossier: &str,
        entry_id: &str,
        version: Option<u32>,
        break_glass: Option<&str>,
        out: &mut dyn Write,
    ) -> Result<DocumentView> {
        let opened = self.begin_document(dossier, entry_id, version, break_glass)?;
        let streamed = self.vault.stream_document(&opened, out);
        if streamed.is_err() {
            self.document_failed(&opened)?;
        }
        streamed.map(|()| opened.view().clone())
    }

    /// The first half of [`Session::open_document`]: checks the document and
    /// the member's right to it and audits the read durably. What it returns
    /// streams the content ([`Vault::stream_document`]) without the session,
    /// so a web response can be sent while it is read.
    pub fn begin_document(
        &mut self,
        dossier: &str,
        entry_id: &str,
        version: Option<u32>,
        break_glass: Option<&str>,
    ) -> Result<OpenedDocument> {
        let (opened, _) = self.begin_document_read(dossier, entry_id, version, break_glass)?;
        Ok(OpenedDocument(opened))
    }

    /// Audits a stream of `opened` that failed before its end: an `error`
    /// line (`could not be read to the end: integrity or storage error`).
    pub fn document_failed(&mut self, opened: &OpenedDocument) -> Result<()> {
        let v = opened.view();
        self.vault.audit(
            self.draft("document.read")
                .dossier(&v.dossier)
                .entry(&v.id)
                .categories([v.category.as_str()])
                .outcome(Outcome::Error)
                .detail(STREAM_DAMAGED),
        )?;
        Ok(())
    }

    /// Audits a stream of `opened` its reader stopped before the end (a
    /// browser gone or idle past the limit, a `HEAD`): a `failed` line
    /// (`download interrupted before the end`), not damage.
    pub fn document_interrupted(&mut self, opened: &OpenedDocument) -> Result<()> {
        let v = opened.view();
        self.vault.audit(
            self.draft("document.read")
                .dossier(&v.dossier)
                .entry(&v.id)
                .categories([v.category.as_str()])
                .outcome(Outcome::Failed)
                .detail(STREAM_INTERRUPTED),
        )?;
        Ok(())
    }

    /// Checks the document and the member's right to it and audits the read
    /// durably: what [`Session::open_document`] does before streaming.
    fn begin_document_read(
        &mut self,
        expected: &str,
        entry_id: &str,
        version: Option<u32>,
        break_glass: Option<&str>,
    ) -> Result<(Opened, CheckedEntry)> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "document.read";
        let dossier = self.vault.entry_dossier(entry_id).map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound(msg!("document-not-found", id = entry_id)),
            other => other,
        })?;
        if dossier != expected {
            return Err(Error::NotFound(msg!("document-not-found", id = entry_id)));
        }
        let access = self.reach(&dossier, ACTION, break_glass)?;
        let opened = (|| {
            self.vault.check_objections(&dossier)?;
            let checked = self.vault.checked_entry(entry_id)?;
            if checked.record().kind != DOCUMENT_KIND {
                return Err(Error::NotFound(msg!("document-not-found", id = entry_id)));
            }
            let number = version.unwrap_or(checked.record().latest);
            let o = self.open_version(&checked, number, access.break_glass)?;
            Ok((o, checked))
        })();
        let (o, checked) = match opened {
            Ok(x) => x,
            // A version or document that is not there (a typo): a failed
            // read, never reported as damage.
            Err(e @ Error::NotFound(_)) => {
                self.vault.audit(
                    self.draft(ACTION)
                        .dossier(&dossier)
                        .entry(entry_id)
                        .outcome(Outcome::Failed)
                        .detail("not found"),
                )?;
                return Err(e);
            }
            Err(e) => {
                self.vault.audit(
                    self.draft(ACTION)
                        .dossier(&dossier)
                        .entry(entry_id)
                        .outcome(Outcome::Error)
                        .detail("could not be read: integrity or storage error"),
                )?;
                return Err(e);
            }
        };
        match o {
            Ok(opened) => {
                let whole = OpenedDocument(opened);
                if let Err(e) = self.vault.document_present(&whole) {
                    self.vault.audit(
                        self.draft(ACTION)
                            .dossier(&dossier)
                            .entry(entry_id)
                            .categories([whole.view().category.as_str()])
                            .outcome(Outcome::Error)
                            .detail(&missing_detail(&e)),
                    )?;
                    return Err(e);
                }
                let opened = whole.0;
                let mut d = self
                    .draft(ACTION)
                    .dossier(&dossier)
                    .entry(entry_id)
                    .categories([opened.view.category.as_str()])
                    .detail(&format!("version {}", opened.view.version));
                d.break_glass = access.break_glass;
                d.justification = access.justification;
                d.detail = access.detail.or(d.detail);
                // Durable before the first byte leaves.
                self.vault.audit(d)?;
                Ok((opened, checked))
            }
            Err(reason) => self.refuse(ACTION, Some(&dossier), reason.msg()),
        }
    }
}

/// The detail of the audit line (`error`) of a document's stream that failed
/// its checks or its storage midway.
pub(crate) const STREAM_DAMAGED: &str = "could not be read to the end: integrity or storage error";
/// The detail of the audit line (`failed`) of a document's stream its reader
/// stopped before the end (gone, idle past the limit).
pub(crate) const STREAM_INTERRUPTED: &str = "download interrupted before the end";

/// The detail of the audit line of a read refused because content is
/// missing: the record it names (identifiers only).
pub(crate) fn missing_detail(e: &Error) -> String {
    match crate::vault::access::trust::named_record(e) {
        Some(r) => format!("content missing, not read: {r}"),
        None => "content missing, not read".to_string(),
    }
}

/// A document version its reader was allowed to open, the read audited:
/// its view, and what streams its content. The content key inside is never
/// shown by `Debug`.
pub struct OpenedDocument(Opened);

impl OpenedDocument {
    /// The version's title, type, file name, MIME type, size…
    pub fn view(&self) -> &DocumentView {
        &self.0.view
    }
}

impl std::fmt::Debug for OpenedDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedDocument")
            .field("view", &self.0.view)
            .finish_non_exhaustive()
    }
}

impl crate::vault::Vault {
    /// Whether the content of an opened version is still stored: its first
    /// and last chunks are looked up (not opened). Called before a read is
    /// audited as made, so a version whose chunks were deleted is refused as
    /// an integrity failure naming the missing record (exit 5), never
    /// audited as a successful read. A chunk missing in between is caught
    /// while streaming.
    pub fn document_present(&self, d: &OpenedDocument) -> Result<()> {
        let (v, m) = (&d.0.view, &d.0.manifest);
        let ends: &[u64] = if m.chunks <= 1 {
            &[0]
        } else {
            &[0, m.chunks - 1]
        };
        for &i in ends {
            let key = chunk_record(&v.dossier, &v.id, &m.blob, i);
            if self.store.get(&key)?.is_none() {
                return Err(forged(
                    &String::from_utf8_lossy(&key),
                    "a chunk of the document is missing",
                ));
            }
        }
        Ok(())
    }

    /// Streams the content of an opened document into `out`, chunk by chunk,
    /// each checked at its place, and the digest at the end (integrity
    /// failures name the chunk's record).
    pub fn stream_document(&self, d: &OpenedDocument, out: &mut dyn Write) -> Result<()> {
        stream_content(self, &d.0.view, &d.0.manifest, &d.0.key, out)
    }
}

/// Opens version `number` of a checked document with the keys `keys` gives
/// (the person's export: their wraps, or the keys an exporting member
/// gathered); `None` if its category is withheld from that reader.
pub(crate) fn open_with(
    vault: &crate::vault::Vault,
    keys: &mut dyn crate::vault::records::reader::FieldKeys,
    checked: &CheckedEntry,
    number: u32,
) -> Result<Option<OpenedDocument>> {
    let entry = checked.record();
    let Some(v) = checked.versions().iter().find(|v| v.version == number) else {
        return Ok(None);
    };
    let Some(f) = v.fields.iter().find(|f| f.name == F_KEY) else {
        return Err(forged(
            &String::from_utf8_lossy(&layout::version(&entry.dossier, &entry.id, number)),
            "a document version without one of its fields",
        ));
    };
    match keys.key_for(entry, f, &v.author)? {
        Ok(k) => open_fields(vault, entry, v, &k).map(|o| Some(OpenedDocument(o))),
        Err(_) => Ok(None),
    }
}

/// Streams the chunks of a version whose fields were opened.
fn stream_content(
    vault: &crate::vault::Vault,
    view: &DocumentView,
    m: &Manifest,
    key: &Key32,
    out: &mut dyn Write,
) -> Result<()> {
    let sha: [u8; 32] = hex::decode(&m.sha256)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Error::Integrity(msg!("document-manifest-invalid")))?;
    let vid = vault.meta.vault_id.clone();
    let (d, e, n, blob) = (&view.dossier, &view.id, view.version, &m.blob);
    let aad = |i: u64, last: bool| chunk_aad(&vid, d, e, n, blob, i, last);
    let name = |i: u64| String::from_utf8_lossy(&chunk_record(d, e, blob, i)).into_owned();
    open_stream(
        key,
        &aad,
        m.chunks,
        m.size,
        &sha,
        &mut |i| vault.store.get(&chunk_record(d, e, blob, i)),
        &name,
        out,
    )
}

/// The `blob` the manifest of version `v` names, its `content` field opened
/// under `key` (`coffre check`: chunks no committed version names). `None`
/// if the version has no such field (not a document's version).
pub(crate) fn manifest_blob(
    vault: &crate::vault::Vault,
    entry: &EntryRecord,
    v: &VersionRecord,
    key: &Key32,
) -> Result<Option<String>> {
    let Some(f) = v.fields.iter().find(|f| f.name == F_CONTENT) else {
        return Ok(None);
    };
    let aad = field_aad(
        &vault.meta.vault_id,
        &entry.dossier,
        &entry.id,
        F_CONTENT,
        v.version,
        &f.category,
    );
    let plain = crate::vault::records::field::open(key, &aad, f)
        .map_err(|_| Error::Integrity(msg!("document-manifest-invalid")))?;
    let m: Manifest = serde_json::from_slice(&plain)
        .map_err(|_| Error::Integrity(msg!("document-manifest-invalid")))?;
    Ok(Some(m.blob.clone()))
}

/// Opens every field of a document's version under `key` (each checked
/// against its commitment, which the signed register covers).
fn open_fields(
    vault: &crate::vault::Vault,
    entry: &EntryRecord,
    v: &VersionRecord,
    key: &Key32,
) -> Result<Opened> {
    let record = String::from_utf8_lossy(&layout::version(&entry.dossier, &entry.id, v.version))
        .into_owned();
    let get = |name: &str| -> Result<(Zeroizing<String>, String)> {
        let f = v
            .fields
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| forged(&record, "a document version without one of its fields"))?;
        let aad = field_aad(
            &vault.meta.vault_id,
            &entry.dossier,
            &entry.id,
            name,
            v.version,
            &f.category,
        );
        let plain = crate::vault::records::field::open(key, &aad, f).map_err(|_| {
            forged(
                &record,
                "a sealed value that does not open under its data key",
            )
        })?;
        let text = String::from_utf8(plain.to_vec())
            .map_err(|_| Error::Integrity(msg!("field-value-text")))?;
        Ok((Zeroizing::new(text), f.category.clone()))
    };
    let (title, cat) = get(F_TITLE)?;
    let (doc_type, _) = get(F_TYPE)?;
    let (date, _) = get(F_DATE)?;
    let (source, _) = get(F_SOURCE)?;
    let (manifest, _) = get(F_CONTENT)?;
    let (key_hex, _) = get(F_KEY)?;
    let manifest: Manifest = serde_json::from_str(&manifest)
        .map_err(|_| Error::Integrity(msg!("document-manifest-invalid")))?;
    let raw = Zeroizing::new(
        hex::decode(key_hex.as_str())
            .map_err(|_| Error::Integrity(msg!("document-manifest-invalid")))?,
    );
    let content_key = Key32::from_slice(&raw)?;
    Ok(Opened {
        view: DocumentView {
            id: entry.id.clone(),
            dossier: entry.dossier.clone(),
            version: v.version,
            title: title.to_string(),
            doc_type: doc_type.to_string(),
            date: date.to_string(),
            source: source.to_string(),
            category: cat,
            file_name: manifest.name.clone(),
            mime: manifest.mime.clone(),
            size: manifest.size,
            sha256: manifest.sha256.clone(),
            author: v.author.clone(),
            time: crate::vault::rfc3339(v.time),
        },
        manifest,
        key: content_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn aad_for(doc: &'static str, version: u32) -> impl Fn(u64, bool) -> Aad {
        move |i, last| chunk_aad("v", "d-1", doc, version, "b", i, last)
    }

    fn seal_all(
        key: &Key32,
        data: &[u8],
        doc: &'static str,
        version: u32,
    ) -> (Vec<Vec<u8>>, Sealed) {
        let mut chunks = Vec::new();
        let s = seal_stream(
            key,
            &aad_for(doc, version),
            &mut &data[..],
            u64::MAX,
            &|_| Ok(()),
            &mut |i, b| {
                assert_eq!(i as usize, chunks.len());
                chunks.push(b);
                Ok(())
            },
        )
        .unwrap();
        (chunks, s)
    }

    fn open_all(
        key: &Key32,
        chunks: &[Vec<u8>],
        s: &Sealed,
        doc: &'static str,
        version: u32,
    ) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        open_stream(
            key,
            &aad_for(doc, version),
            s.chunks,
            s.size,
            &s.sha256,
            &mut |i| Ok(chunks.get(i as usize).cloned()),
            &|i| format!("dc/d-1/{doc}/b/{i:016x}"),
            &mut out,
        )?;
        Ok(out)
    }

    /// A data key renewed while a document streams in (another member writes
    /// the category after a revocation) is the one its fields are sealed
    /// under: the document opens and the listing shows it.
    #[test]
    fn a_key_renewed_during_an_upload_seals_the_fields_at_commit() {
        use crate::crypto::kdf::KdfParams;
        use crate::crypto::wrap::Identity;
        use crate::vault::{FieldInput, InitOptions, NewStaff, Vault};
        use secrecy::{ExposeSecret, SecretString};
        let pass = SecretString::from("document-test-passphrase");
        let recovery = Identity::generate();
        let copy = Identity::parse(recovery.to_secret_string().expose_secret()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (v, _) = Vault::init(
            dir.path(),
            InitOptions {
                establishment: "Documents".into(),
                admin_id: "dir".into(),
                admin_name: "Director".into(),
                admin_profession: "directeur".into(),
                admin_passphrase: pass.clone(),
                kdf: KdfParams::INSECURE_FAST,
                policy: None,
                recovery: Some(copy),
            },
        )
        .unwrap();
        let d = {
            let mut s = v.unlock("dir", &pass).unwrap();
            for id in ["edu", "edu-other", "edu-gone"] {
                s.add_staff(
                    &NewStaff {
                        id,
                        name: id,
                        profession: "educateur-specialise",
                        passphrase: &pass,
                    },
                    Some(&recovery),
                )
                .unwrap();
            }
            let d = s.create_dossier("Lucas Martin", "2012-05-14").unwrap();
            for m in ["edu", "edu-other"] {
                s.add_team_member(&d, m).unwrap();
            }
            d
        };
        let note = |t: &str| [FieldInput::new("text", t)];
        v.unlock("edu-other", &pass)
            .unwrap()
            .add_entry(&d, "daily-life", &note("BEFORE"))
            .unwrap();
        // The renewal happens while the content is read, the vault's turn
        // released: a revocation, then another member writes the category.
        struct Racing<'a> {
            v: &'a Vault,
            d: &'a str,
            pass: &'a SecretString,
            body: &'a [u8],
            raced: bool,
        }
        impl Read for Racing<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if !self.raced {
                    self.raced = true;
                    let mut s = self.v.unlock("dir", self.pass).unwrap();
                    s.revoke_staff("edu-gone", None).unwrap();
                    drop(s);
                    self.v
                        .unlock("edu-other", self.pass)
                        .unwrap()
                        .add_entry(self.d, "daily-life", &[FieldInput::new("text", "AFTER")])
                        .unwrap();
                }
                self.body.read(buf)
            }
        }
        let mut s = v.unlock("edu", &pass).unwrap();
        let input = DocumentInput {
            title: Zeroizing::new("Projet personnalisé".into()),
            doc_type: "compte-rendu-hospitalisation".into(),
            date: String::new(),
            source: Zeroizing::new(String::new()),
            category: "daily-life".into(),
            file_name: Zeroizing::new("projet.txt".into()),
            mime: "text/plain".into(),
        };
        let mut racing = Racing {
            v: &v,
            d: &d,
            pass: &pass,
            body: b"the plan of the year",
            raced: false,
        };
        let id = s.add_document(&d, &input, &mut racing).unwrap();
        assert!(racing.raced);
        let (docs, withheld, damaged) = s.list_documents(&d, None).unwrap();
        assert_eq!((withheld, damaged.len()), (0, 0), "{damaged:?}");
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].id, id);
        assert_eq!(docs[0].title, "Projet personnalisé");
    }

    /// A vault with a dossier whose care team holds `edu` (an educator).
    fn vault_with_team() -> (
        tempfile::TempDir,
        crate::vault::Vault,
        String,
        secrecy::SecretString,
        crate::crypto::wrap::Identity,
    ) {
        use crate::crypto::kdf::KdfParams;
        use crate::crypto::wrap::Identity;
        use crate::vault::{InitOptions, NewStaff, Vault};
        use secrecy::{ExposeSecret, SecretString};
        let pass = SecretString::from("document-test-passphrase");
        let recovery = Identity::generate();
        let copy = Identity::parse(recovery.to_secret_string().expose_secret()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (v, _) = Vault::init(
            dir.path(),
            InitOptions {
                establishment: "Documents".into(),
                admin_id: "dir".into(),
                admin_name: "Director".into(),
                admin_profession: "directeur".into(),
                admin_passphrase: pass.clone(),
                kdf: KdfParams::INSECURE_FAST,
                policy: None,
                recovery: Some(copy),
            },
        )
        .unwrap();
        let d = {
            let mut s = v.unlock("dir", &pass).unwrap();
            s.add_staff(
                &NewStaff {
                    id: "edu",
                    name: "edu",
                    profession: "educateur-specialise",
                    passphrase: &pass,
                },
                Some(&recovery),
            )
            .unwrap();
            let d = s.create_dossier("Lucas Martin", "2012-05-14").unwrap();
            s.add_team_member(&d, "edu").unwrap();
            d
        };
        (dir, v, d, pass, recovery)
    }

    fn input(category: &str) -> DocumentInput {
        DocumentInput {
            title: Zeroizing::new("Projet".into()),
            doc_type: "compte-rendu-hospitalisation".into(),
            date: String::new(),
            source: Zeroizing::new(String::new()),
            category: category.into(),
            file_name: Zeroizing::new("projet.bin".into()),
            mime: "application/octet-stream".into(),
        }
    }

    fn chunk_keys(v: &crate::vault::Vault) -> usize {
        v.store.scan_prefix(b"dc/").unwrap().len()
    }

    /// An upload refused after its content was stored (the member left the
    /// care team while it streamed: the commit is refused) leaves no chunk.
    #[test]
    fn chunks_of_an_upload_refused_at_its_commit_are_removed() {
        let (_dir, v, d, pass, _recovery) = vault_with_team();
        struct Leaving<'a> {
            v: &'a crate::vault::Vault,
            d: &'a str,
            pass: &'a secrecy::SecretString,
            body: &'a [u8],
        }
        impl Read for Leaving<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.body.read(buf)?;
                if n == 0 {
                    let mut s = self.v.unlock("dir", self.pass).unwrap();
                    s.remove_team_member(self.d, "edu").unwrap();
                }
                Ok(n)
            }
        }
        let body = data(3 * 1024 * 1024 + 5);
        let mut s = v.unlock("edu", &pass).unwrap();
        let r = s.add_document(
            &d,
            &input("daily-life"),
            &mut Leaving {
                v: &v,
                d: &d,
                pass: &pass,
                body: &body,
            },
        );
        assert!(matches!(r, Err(Error::Refused(_))), "{r:?}");
        assert_eq!(chunk_keys(&v), 0, "no chunk left behind");
    }

    /// `check` names chunks no committed version names, and sweeps them
    /// when asked; the chunks of a committed document stay.
    #[test]
    fn check_finds_and_sweeps_orphan_chunks_only() {
        let (_dir, v, d, pass, recovery) = vault_with_team();
        let mut s = v.unlock("edu", &pass).unwrap();
        let body = data(CHUNK + 3);
        let id = s
            .add_document(&d, &input("daily-life"), &mut &body[..])
            .unwrap();
        drop(s);
        assert_eq!(chunk_keys(&v), 2);
        // What a process killed mid-upload leaves: chunks of an entry that
        // was never committed, and of an upload of a committed entry that
        // no version names.
        let mut b = Batch::new();
        b.put(
            layout::document_chunk(&d, "e-00000000000000000000000000", "00ff", 0),
            vec![1; 40],
        );
        b.put(layout::document_chunk(&d, &id, "00ee", 0), vec![2; 40]);
        b.put(layout::document_chunk(&d, &id, "00ee", 1), vec![3; 40]);
        {
            let _turn = v.begin().unwrap();
            v.commit(b).unwrap();
        }
        let mut admin = v.unlock("dir", &pass).unwrap();
        // The director holds no key of daily-life: the committed entry's
        // version cannot be opened, so its chunks are left alone; those of
        // an entry the register does not know are orphans.
        let r = admin.check(None).unwrap();
        assert!(r.damaged.is_empty(), "{:?}", r.damaged);
        assert_eq!(r.orphan_chunks, 1, "{:?}", r.orphan_uploads);
        // With the recovery key every version opens: three orphans, named.
        let r = admin.check(Some(&recovery)).unwrap();
        assert_eq!(r.orphan_chunks, 3, "{:?}", r.orphan_uploads);
        assert!(r.orphan_uploads.contains(&format!("dc/{d}/{id}/00ee")));
        assert_eq!((r.swept_chunks, chunk_keys(&v)), (0, 5), "only reported");
        let r = admin.check_and_sweep(Some(&recovery), true).unwrap();
        assert_eq!(r.swept_chunks, 3);
        assert_eq!(chunk_keys(&v), 2, "the committed document's chunks stay");
        drop(admin);
        let mut s = v.unlock("edu", &pass).unwrap();
        let mut out = Vec::new();
        s.open_document(&d, &id, None, None, &mut out).unwrap();
        assert_eq!(out, body);
    }

    /// A new version keeps the first version's category.
    #[test]
    fn a_new_version_cannot_change_the_category() {
        let (_dir, v, d, pass, _recovery) = vault_with_team();
        let mut s = v.unlock("edu", &pass).unwrap();
        let id = s
            .add_document(&d, &input("daily-life"), &mut &b"first"[..])
            .unwrap();
        let r = s.add_document_version(&d, &id, &input("educational"), &mut &b"second"[..]);
        match r {
            Err(Error::Usage(m)) => {
                assert_eq!(m.kind(), "document-category-fixed");
                let t = m.to_string();
                assert!(t.contains("daily-life") && t.contains("educational"), "{t}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            s.add_document_version(&d, &id, &input("daily-life"), &mut &b"second"[..])
                .unwrap(),
            2
        );
    }

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn round_trips_at_the_edges() {
        let k = Key32::random().unwrap();
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK] {
            let d = data(n);
            let (c, s) = seal_all(&k, &d, "e-1", 1);
            assert_eq!(s.chunks as usize, n.div_ceil(CHUNK).max(1), "{n}");
            assert_eq!(open_all(&k, &c, &s, "e-1", 1).unwrap(), d, "{n}");
        }
    }

    fn refused(r: Result<Vec<u8>>) -> bool {
        matches!(r, Err(Error::Integrity(_)))
    }

    #[test]
    fn moved_dropped_reordered_truncated_or_foreign_chunks_are_refused() {
        let k = Key32::random().unwrap();
        let d = data(3 * CHUNK + 10);
        let (c, s) = seal_all(&k, &d, "e-1", 1);
        assert_eq!(c.len(), 4);
        // Reordered.
        let mut r = c.clone();
        r.swap(1, 2);
        assert!(refused(open_all(&k, &r, &s, "e-1", 1)));
        // Dropped in the middle (the rest shifted down).
        let mut r = c.clone();
        r.remove(1);
        assert!(refused(open_all(&k, &r, &s, "e-1", 1)));
        // Truncated: the last chunk gone, and a manifest saying one fewer.
        let mut r = c.clone();
        r.pop();
        assert!(refused(open_all(&k, &r, &s, "e-1", 1)));
        let short = Sealed {
            chunks: 3,
            ..s.clone()
        };
        assert!(refused(open_all(&k, &r, &short, "e-1", 1)));
        // Moved: a chunk put at another position.
        let mut r = c.clone();
        r[3] = c[0].clone();
        assert!(refused(open_all(&k, &r, &s, "e-1", 1)));
        // A flipped bit.
        let mut r = c.clone();
        r[2][20] ^= 1;
        assert!(refused(open_all(&k, &r, &s, "e-1", 1)));
        // From another document or another version, under the same key.
        let (other_doc, _) = seal_all(&k, &d, "e-2", 1);
        let (other_version, _) = seal_all(&k, &d, "e-1", 2);
        for foreign in [&other_doc, &other_version] {
            let mut r = c.clone();
            r[1] = foreign[1].clone();
            assert!(refused(open_all(&k, &r, &s, "e-1", 1)));
        }
        // A whole stream of another version opened as this one.
        assert!(refused(open_all(&k, &other_version, &s, "e-1", 1)));
        // Re-sealed by a holder of the key: other bytes, valid chunks.
        let mut forged = d.clone();
        forged[5] ^= 1;
        let (f, _) = seal_all(&k, &forged, "e-1", 1);
        assert!(refused(open_all(&k, &f, &s, "e-1", 1)));
        // The honest stream still opens.
        assert_eq!(open_all(&k, &c, &s, "e-1", 1).unwrap(), d);
    }

    /// Chunks re-sealed under the right content key with other bytes open
    /// one by one; only the digest at the end tells. The stream must stop
    /// before its last byte: what was written is short of the signed size.
    #[test]
    fn content_re_sealed_with_the_key_never_leaves_whole() {
        let k = Key32::random().unwrap();
        for (n, at) in [(3 * CHUNK + 10, 3 * CHUNK + 1), (3 * CHUNK, 5), (10, 3)] {
            let d = data(n);
            let (_, s) = seal_all(&k, &d, "e-1", 1);
            let mut forged = d.clone();
            forged[at] ^= 1;
            let (f, fs) = seal_all(&k, &forged, "e-1", 1);
            assert_eq!((fs.chunks, fs.size), (s.chunks, s.size));
            let mut out = Vec::new();
            let r = open_stream(
                &k,
                &aad_for("e-1", 1),
                s.chunks,
                s.size,
                &s.sha256,
                &mut |i| Ok(f.get(i as usize).cloned()),
                &|i| format!("dc/d-1/e-1/b/{i:016x}"),
                &mut out,
            );
            match r {
                Err(Error::Integrity(m)) => {
                    assert!(m.to_string().contains(&format!("{:016x}", s.chunks - 1)))
                }
                other => panic!("{n}: {other:?}"),
            }
            assert!(
                (out.len() as u64) < s.size,
                "{n}: {} of {} bytes left before the digest was checked",
                out.len(),
                s.size
            );
            assert_eq!(out[..], forged[..out.len()]);
        }
    }

    #[test]
    fn the_size_limit_is_enforced_while_reading() {
        let k = Key32::random().unwrap();
        let d = data(2 * CHUNK + 1);
        let mut n = 0;
        let r = seal_stream(
            &k,
            &aad_for("e-1", 1),
            &mut &d[..],
            2 * CHUNK as u64,
            &|_| Ok(()),
            &mut |_, _| {
                n += 1;
                Ok(())
            },
        );
        assert!(matches!(r, Err(Error::Usage(_))));
        assert!(n <= 2, "nothing sealed beyond the limit");
    }

    #[test]
    fn declared_types_are_checked_against_the_bytes() {
        assert!(type_contradicts("application/pdf", b"<html><script>"));
        assert!(!type_contradicts("application/pdf", b"%PDF-1.7\n"));
        assert!(type_contradicts("image/png", b"<svg onload=alert(1)>"));
        assert!(type_contradicts("video/mp4", b"<!DOCTYPE html>"));
        assert!(!type_contradicts("application/octet-stream", b"<html>"));
        assert_eq!(mime_of("Lettre.PDF"), "application/pdf");
        assert_eq!(mime_of("noext"), "application/octet-stream");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn prop_stream_round_trips_around_chunk_boundaries(
            chunks in 0usize..4,
            delta in -3i64..4,
            seed in any::<u8>(),
            read_size in 1usize..100_000,
        ) {
            let n = (chunks as i64 * CHUNK as i64 + delta).max(0) as usize;
            let d: Vec<u8> = (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect();
            // A reader that hands out at most `read_size` bytes at a time.
            struct Trickle<'a>(&'a [u8], usize);
            impl Read for Trickle<'_> {
                fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                    let n = self.1.min(buf.len()).min(self.0.len());
                    buf[..n].copy_from_slice(&self.0[..n]);
                    self.0 = &self.0[n..];
                    Ok(n)
                }
            }
            let k = Key32::random().unwrap();
            let mut sealed = Vec::new();
            let s = seal_stream(&k, &aad_for("e-1", 1), &mut Trickle(&d, read_size), u64::MAX, &|_| Ok(()), &mut |_, b| {
                sealed.push(b);
                Ok(())
            }).unwrap();
            prop_assert_eq!(s.size as usize, n);
            prop_assert_eq!(s.chunks as usize, n.div_ceil(CHUNK).max(1));
            prop_assert_eq!(open_all(&k, &sealed, &s, "e-1", 1).unwrap(), d);
            // Truncating the stream by its last chunk never opens.
            if sealed.len() > 1 {
                sealed.pop();
                let short = Sealed { chunks: s.chunks - 1, ..s.clone() };
                prop_assert!(open_all(&k, &sealed, &short, "e-1", 1).is_err());
            }
        }
    }
}
