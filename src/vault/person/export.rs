//! The person's access export (GDPR art. 15 and 20; CASF L311-3; CSP L1111-7):
//! a tar stream holding `report.html` (their file in plain French, readable in any
//! browser with no external asset), `data.json` (the same, machine-readable) and
//! `access-history.json`; the caller encrypts it with `age`.
//!
//! Memory stays bounded whatever the size of the dossier: each document is
//! rendered twice, entry by entry — once into a byte counter to learn its size for
//! the tar header, once into the output — so no document is ever held whole.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use serde::Serialize;
use serde_json::json;

use crate::audit::render::{esc, STYLE};
use crate::audit::{AuditEntry, Outcome};
use crate::crypto::wrap::{self, Identity};
use crate::crypto::Key32;
use crate::error::{Error, Result};
use crate::policy::Capability;
use crate::store::layout;
use crate::store::records::{EntryRecord, SealedField};
use crate::tr_in;
use crate::vault::access::session::Session;
use crate::vault::audit_trail::audit_read::describe_action;
use crate::vault::person::release::{is_released, CheckedRelease};
use crate::vault::records::reader::{history_view, CheckedEntry, FieldKeys};
use crate::vault::views::{VersionView, WithheldReason};
use crate::vault::{now, rfc3339};

/// Format marker of `data.json`.
pub const EXPORT_FORMAT: &str = "coffre-export/1";

/// What an export contained.
#[derive(Clone, Debug, Serialize)]
pub struct ExportSummary {
    /// Entries exported.
    pub entries: u64,
    /// Categories whose content was exported.
    pub categories: Vec<String>,
    /// Fields withheld, by category.
    pub withheld: BTreeMap<String, u64>,
    /// Access-history events included.
    pub history: u64,
    /// Bytes of the (unencrypted) tar stream.
    pub bytes: u64,
}

struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn io(e: std::io::Error) -> Error {
    Error::io(msg!("cannot-write-export"), e)
}

/// Keys for the export: every non-withheld category, nothing withheld.
struct ExportKeys<'a> {
    keys: &'a HashMap<(String, String), Key32>,
    withheld: &'a dyn Fn(&str) -> bool,
    author_only: &'a dyn Fn(&str) -> bool,
}

impl FieldKeys for ExportKeys<'_> {
    fn key_for(
        &mut self,
        e: &EntryRecord,
        f: &SealedField,
        author: &str,
    ) -> Result<std::result::Result<Key32, WithheldReason>> {
        if (self.withheld)(&f.category) {
            return Ok(Err(WithheldReason::WithheldFromPerson));
        }
        let label = if (self.author_only)(&f.category) {
            author
        } else {
            "*"
        };
        match self.keys.get(&(f.category.clone(), label.to_string())) {
            Some(k) => Ok(Ok(k.duplicate())),
            // Every value's key was gathered from the dossier's data keys: one
            // that is not there was removed from the store.
            None => Err(crate::vault::access::trust::forged(
                &format!("dk/{}/{}/{label}", e.dossier, f.category),
                "a data key the register records is missing",
            )),
        }
    }
}

/// One line of the access history, in French.
pub(crate) fn quoi(e: &AuditEntry) -> String {
    let base = match e.action.as_str() {
        "dossier.read" => "a consulté le dossier",
        "dossier.find" => "a trouvé le dossier par une recherche de nom",
        "entry.read" => "a consulté une note",
        "entry.history" => "a consulté les versions d'une note",
        "entry.add" => "a écrit une note",
        "entry.amend" => "a corrigé une note",
        "document.add" => "a joint un document",
        "document.amend" => "a ajouté une version d'un document",
        "document.read" => "a ouvert un document",
        "document.list" => "a consulté la liste des documents",
        "dossier.create" => "a ouvert le dossier",
        "break-glass.open" => "a ouvert le dossier en urgence (bris de glace)",
        "team.add" => "a ajouté un professionnel à l'équipe",
        "team.remove" => "a retiré un professionnel de l'équipe",
        "access.grant" => "vous a ouvert un accès personnel",
        "access.view" => "consultation de votre dossier par vous-même",
        "access.history" => "consultation de l'historique par vous-même",
        "access.export" => "a préparé une copie de votre dossier",
        "access.object" => "a enregistré une opposition",
        "access.note" => "note ajoutée à votre demande",
        "audit.release" => "a rendu consultables les justifications des accès d'urgence",
        "audit.history" => "a consulté l'historique des accès",
        "dossier.close" => "a clôturé le dossier",
        _ => return describe_action(e),
    };
    match e.outcome {
        Outcome::Ok => base.to_string(),
        Outcome::Denied => format!("accès refusé : {base}"),
        Outcome::Failed | Outcome::Error => format!("tentative échouée : {base}"),
    }
}

impl Session<'_> {
    /// Writes the person's export of `dossier` as a tar stream into `out`. Keys
    /// come from this member and, where they hold none, from `recovery`; if a
    /// non-withheld category cannot be opened at all, nothing is written.
    /// Without `recovery`, only a member of the dossier's care team may
    /// export it (a refusal, audited, otherwise).
    pub fn export_dossier(
        &mut self,
        dossier: &str,
        recovery: Option<&Identity>,
        out: &mut dyn Write,
    ) -> Result<ExportSummary> {
        let _turn = self.ensure_current()?;
        let (ctx, cats) = self.prepare_export(dossier, recovery, None)?;
        let written = ctx.write_tar(out, cats);
        drop(ctx);
        self.outcome_of_write(crate::vault::outcome::EXPORT_ACTION, Some(dossier), written)
    }

    /// The person's readable copy of `dossier`: the `report.html` of
    /// [`Session::export_dossier`] alone (their file in plain words, the
    /// establishment's and the law's texts, who accessed it), one HTML page
    /// with no external asset, to print or show; audited as an export
    /// (`access.export`, detail `the readable copy`) before it is made. Keys as
    /// for the export: this member's, and `recovery`'s where they hold none.
    ///
    /// Errors: as [`Session::export_dossier`]; nothing is returned if a
    /// category the person may read cannot be opened.
    pub fn readable_copy(
        &mut self,
        dossier: &str,
        recovery: Option<&Identity>,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let _turn = self.ensure_current()?;
        let detail = crate::tr_in!(crate::i18n::Lang::En, "audit-detail-readable-copy");
        // A copy in plain text passes before the member's eyes: the access
        // history (who read the file, when) only for those who may read the
        // audit; the person reads it with their own access or from the DPO.
        let with_history = self
            .vault
            .policy
            .has(&self.me.profession, Capability::ReadAudit);
        let (mut ctx, _) = self.prepare_export(dossier, recovery, Some(&detail))?;
        ctx.with_history = with_history;
        let mut out = zeroize::Zeroizing::new(Vec::new());
        let written = ctx.report_html(&mut *out, &mut Tally::default());
        drop(ctx);
        self.outcome_of_write(crate::vault::outcome::EXPORT_ACTION, Some(dossier), written)?;
        Ok(out)
    }

    /// Everything an export of `dossier` shows, gathered and checked, with the
    /// categories whose content it holds; the export is audited here (with
    /// `detail`), before anything is rendered.
    fn prepare_export(
        &mut self,
        dossier: &str,
        recovery: Option<&Identity>,
        detail: Option<&str>,
    ) -> Result<(Ctx<'_>, Vec<String>)> {
        const ACTION: &str = "access.export";
        let rec = self.load_dossier(dossier)?;
        self.require(Capability::PersonAccess, ACTION, Some(dossier))?;
        // Without the recovery key the copy is opened with this member's own
        // category keys, which hold for every dossier: the care team's rule
        // binds it as it binds any read, or a manager outside the team would
        // read the file (name, notes, history) with no justification. The
        // recovery key's holder opens every dossier whatever the team.
        if recovery.is_none() && !self.in_team(dossier, &self.me.id.clone())? {
            return self.refuse(
                ACTION,
                Some(dossier),
                msg!("you-care-team-dossier", dossier = dossier),
            );
        }
        if rec.erased.is_some() {
            return Err(Error::NotFound(msg!("dossier-erased-2", dossier = dossier)));
        }
        if let Some(r) = recovery {
            if r.recipient() != self.vault.meta.recovery_recipient {
                return Err(Error::Auth(msg!("recovery-key-vault")));
            }
        }
        // Every non-withheld data key, or nothing.
        let mut keys = HashMap::new();
        let mut missing = Vec::new();
        let mut objected = Vec::new();
        for (k, _) in self
            .vault
            .store
            .scan_prefix(&layout::data_key_prefix(dossier))?
        {
            let s = String::from_utf8_lossy(&k).into_owned();
            let parts: Vec<&str> = s.split('/').collect();
            let [_, _, cat, label] = parts.as_slice() else {
                return Err(Error::Integrity(msg!("data-key-record-malformed-key")));
            };
            // Never a key of a category withheld from the person (author-only
            // notes included): its content cannot reach the export.
            if self.vault.policy.withheld_from_person(cat).is_some() {
                continue;
            }
            // A category the person objected to sharing with this member's
            // profession is not opened with their keys: the copy is in plain
            // words before whoever makes it (a web download, or an export to
            // a recipient they choose), and the objection holds as on any
            // read. The person's copy is whole, or not made by them.
            if recovery.is_none() && self.objects(dossier, cat)? {
                objected.push(cat.to_string());
                continue;
            }
            match self.data_key_any(dossier, cat, label, recovery)? {
                Some(key) => {
                    keys.insert((cat.to_string(), label.to_string()), key);
                }
                None => missing.push(cat.to_string()),
            }
        }
        if !objected.is_empty() {
            objected.sort();
            objected.dedup();
            return self.refuse(
                ACTION,
                Some(dossier),
                msg!(
                    "export-objected-for-your-profession",
                    categories = objected.join(", ")
                ),
            );
        }
        if !missing.is_empty() {
            missing.sort();
            missing.dedup();
            self.vault.audit(
                self.draft(ACTION)
                    .dossier(dossier)
                    .outcome(crate::audit::Outcome::Denied)
                    .categories(missing.clone())
                    .detail(&crate::tr_in!(
                        crate::i18n::Lang::En,
                        "audit-detail-export-keys-not-held"
                    )),
            )?;
            return Err(Error::Pending(msg!(
                "export-needs-keys-you-do-hold",
                categories = missing.join(", ")
            )));
        }
        let (name, birthdate, details) = match keys.get(&("identity".to_string(), "*".to_string()))
        {
            Some(k) => crate::vault::records::dossier::open_identity_with(
                k,
                &self.vault.meta.vault_id,
                &rec,
            )?,
            None => return Err(Error::Integrity(msg!("dossier-identity-key"))),
        };
        let mut cats: Vec<String> = keys.keys().map(|(c, _)| c.clone()).collect();
        cats.sort();
        cats.dedup();
        let mut d = self.draft(ACTION).dossier(dossier).categories(cats.clone());
        if let Some(detail) = detail {
            d = d.detail(detail);
        }
        self.vault.audit(d)?;

        // Every generation of the audit key, through the recovery key, so the
        // justifications the DPO released can be shown in the actor's words.
        let audit_key = match recovery {
            Some(r) => self.vault.audit_identities_with_recovery(r)?,
            None => Vec::new(),
        };
        let release = self.vault.checked_release(dossier)?;
        let names = self.staff_name_map()?;
        let establishment = self.establishment()?;
        // Every entry the register holds, checked, or no export at all (exit 5
        // naming the entry): the person's copy never leaves one out silently.
        let entries = self.vault.checked_dossier(dossier)?.complete(dossier)?;
        let ctx = Ctx {
            vault: self.vault,
            dossier: dossier.to_string(),
            establishment,
            name,
            birthdate,
            details,
            exported_at: rfc3339(now()),
            entries,
            keys: CopyKeys::Gathered(keys),
            with_history: true,
            names,
            audit_key,
            release,
            closed: rec.closed.map(rfc3339),
            retention: rec.retention.clone(),
            lang: crate::i18n::current(),
            reader: (self.me.id.clone(), self.me.profession.clone()),
        };
        Ok((ctx, cats))
    }

    fn staff_name_map(&mut self) -> Result<HashMap<String, String>> {
        let mut m = HashMap::new();
        for rec in self.vault.all_staff()? {
            if let Some(n) = self.staff_name(&rec.id)? {
                m.insert(rec.id, n);
            }
        }
        Ok(m)
    }
}

/// Where a copy's field keys come from: gathered from the exporting member's
/// (and the recovery key's) data keys, or the person's own wraps.
enum CopyKeys<'a> {
    Gathered(HashMap<(String, String), Key32>),
    Person(std::cell::RefCell<Box<dyn FieldKeys + 'a>>),
}

/// The person's readable copy made with their own keys (`keys`, the person's
/// wraps): the same page as a member's, without what the person's credential
/// cannot open (the staff directory: members are named by profession; the
/// establishment's name; the justifications, shown only as having been
/// given). The caller audits it first.
pub(crate) fn person_readable_copy<'a>(
    vault: &'a crate::vault::Vault,
    dossier: &str,
    name: String,
    birthdate: String,
    details: crate::vault::views::DossierDetails,
    keys: Box<dyn FieldKeys + 'a>,
) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let rec = vault.dossier_record(dossier)?;
    let ctx = Ctx {
        vault,
        dossier: dossier.to_string(),
        establishment: String::new(),
        name,
        birthdate,
        details,
        exported_at: rfc3339(now()),
        entries: vault.checked_dossier(dossier)?.complete(dossier)?,
        keys: CopyKeys::Person(std::cell::RefCell::new(keys)),
        with_history: true,
        names: HashMap::new(),
        audit_key: Vec::new(),
        release: vault.checked_release(dossier)?,
        closed: rec.closed.map(rfc3339),
        retention: rec.retention.clone(),
        lang: crate::i18n::current(),
        // The person's copy holds no document content (report.html alone).
        reader: (
            crate::vault::person::session::person_actor(dossier),
            "person".into(),
        ),
    };
    let mut out = zeroize::Zeroizing::new(Vec::new());
    ctx.report_html(&mut *out, &mut Tally::default())?;
    Ok(out)
}

struct Ctx<'a> {
    vault: &'a crate::vault::Vault,
    dossier: String,
    establishment: String,
    name: String,
    birthdate: String,
    /// The rest of the identity (sex, admission, unit, address), as given.
    details: crate::vault::views::DossierDetails,
    exported_at: String,
    entries: Vec<CheckedEntry>,
    keys: CopyKeys<'a>,
    /// Whether the access history is in the page: not in a copy made by a
    /// member who may not read the audit (they would read it on the way).
    with_history: bool,
    names: HashMap<String, String>,
    audit_key: Vec<Identity>,
    /// The DPO's release of justifications, if any.
    release: Option<CheckedRelease>,
    closed: Option<String>,
    retention: Option<String>,
    /// The language of report.html (data.json keeps its French `what` texts).
    lang: crate::i18n::Lang,
    /// Who makes the copy (actor, profession): each document version it
    /// holds is their audited `document.read`.
    reader: (String, String),
}

/// Counts gathered while rendering (identical in both passes).
#[derive(Default)]
struct Tally {
    entries: u64,
    withheld: BTreeMap<String, u64>,
    history: u64,
}

impl Ctx<'_> {
    fn write_tar(&self, out: &mut dyn Write, categories: Vec<String>) -> Result<ExportSummary> {
        type Render<'r> = &'r dyn Fn(&Ctx<'_>, &mut dyn Write, &mut Tally) -> Result<()>;
        let docs: [(&str, Render<'_>); 3] = [
            ("report.html", &|c, w, t| c.report_html(w, t)),
            ("data.json", &|c, w, t| c.data_json(w, t)),
            ("access-history.json", &|c, w, t| c.history_json(w, t)),
        ];
        let mut total = 0u64;
        let mut tally = Tally::default();
        for (name, render) in docs {
            let mut counter = Counter(0);
            render(self, &mut counter, &mut Tally::default())?;
            let mut header = tar::Header::new_ustar();
            header
                .set_path(format!("coffre-export-{}/{name}", self.dossier))
                .map_err(io)?;
            header.set_size(counter.0);
            header.set_mode(0o600);
            header.set_mtime(now());
            header.set_cksum();
            out.write_all(header.as_bytes()).map_err(io)?;
            let mut written = Counter(0);
            let mut tee = Tee {
                a: &mut *out,
                b: &mut written,
            };
            let mut t = Tally::default();
            render(self, &mut tee, &mut t)?;
            if written.0 != counter.0 {
                return Err(Error::Io(msg!("export-changed-while-written-run-again")));
            }
            if name == "report.html" {
                tally = t;
            }
            let pad = (512 - (counter.0 % 512)) % 512;
            out.write_all(&vec![0u8; pad as usize]).map_err(io)?;
            total += 512 + counter.0 + pad;
        }
        // The documents of the file, each version the reader may open, as
        // they were attached (streamed: the size is in the signed manifest).
        total += self.write_documents(out)?;
        out.write_all(&[0u8; 1024]).map_err(io)?;
        out.flush().map_err(io)?;
        Ok(ExportSummary {
            entries: tally.entries,
            categories,
            withheld: tally.withheld,
            history: tally.history,
            bytes: total + 1024,
        })
    }

    fn withheld(&self) -> impl Fn(&str) -> bool + '_ {
        |c: &str| self.vault.policy.withheld_from_person(c).is_some()
    }

    /// The legal reason `category` is withheld from the person ("" if it is not).
    fn withheld_reason(&self, category: &str) -> String {
        self.vault
            .policy
            .withheld_from_person(category)
            .unwrap_or("")
            .to_string()
    }

    /// Appends every document version this copy's keys open to the tar
    /// stream, under `documents/`; returns the bytes written.
    fn write_documents(&self, out: &mut dyn Write) -> Result<u64> {
        use crate::vault::records::document::{open_with, DOCUMENT_KIND};
        let withheld = self.withheld();
        let author_only = |c: &str| self.vault.policy.is_author_only(c);
        let (mut gathered, mut person);
        let keys: &mut dyn FieldKeys = match &self.keys {
            CopyKeys::Gathered(keys) => {
                gathered = ExportKeys {
                    keys,
                    withheld: &withheld,
                    author_only: &author_only,
                };
                &mut gathered
            }
            CopyKeys::Person(cell) => {
                person = cell.borrow_mut();
                &mut **person
            }
        };
        let mut total = 0u64;
        for e in self
            .entries
            .iter()
            .filter(|e| e.record().kind == DOCUMENT_KIND)
        {
            for v in 1..=e.record().latest {
                let Some(opened) = open_with(self.vault, keys, e, v)? else {
                    continue;
                };
                let view = opened.view();
                // Each version in the copy is a read of it, audited durably
                // before its first byte; content that is gone is an error
                // naming the record, audited as such.
                let draft =
                    crate::audit::Draft::new(&self.reader.0, &self.reader.1, "document.read")
                        .dossier(&self.dossier)
                        .entry(&view.id)
                        .categories([view.category.as_str()]);
                if let Err(err) = self.vault.document_present(&opened) {
                    self.vault.audit(
                        draft
                            .outcome(Outcome::Error)
                            .detail(&crate::vault::records::document::missing_detail(&err)),
                    )?;
                    return Err(err);
                }
                self.vault.audit(
                    draft
                        .clone()
                        .detail(&format!("version {} in the export", view.version)),
                )?;
                let name: String = view
                    .file_name
                    .chars()
                    .take(60)
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                let mut header = tar::Header::new_ustar();
                header
                    .set_path(format!(
                        "coffre-export-{}/documents/{}-v{}-{}",
                        self.dossier,
                        view.id,
                        view.version,
                        name.trim_start_matches('.')
                    ))
                    .map_err(io)?;
                header.set_size(view.size);
                header.set_mode(0o600);
                header.set_mtime(now());
                header.set_cksum();
                out.write_all(header.as_bytes()).map_err(io)?;
                if let Err(err) = self.vault.stream_document(&opened, out) {
                    let _ = self.vault.audit(
                        draft
                            .outcome(Outcome::Error)
                            .detail("could not be read to the end: integrity or storage error"),
                    );
                    return Err(err);
                }
                let pad = (512 - (view.size % 512)) % 512;
                out.write_all(&vec![0u8; pad as usize]).map_err(io)?;
                total += 512 + view.size + pad;
            }
        }
        Ok(total)
    }

    /// Every entry with all its versions, one at a time.
    fn for_each_entry(
        &self,
        mut f: impl FnMut(&EntryRecord, Vec<VersionView>) -> Result<()>,
    ) -> Result<()> {
        let withheld = self.withheld();
        let author_only = |c: &str| self.vault.policy.is_author_only(c);
        let (mut gathered, mut person);
        let keys: &mut dyn FieldKeys = match &self.keys {
            CopyKeys::Gathered(keys) => {
                gathered = ExportKeys {
                    keys,
                    withheld: &withheld,
                    author_only: &author_only,
                };
                &mut gathered
            }
            CopyKeys::Person(cell) => {
                person = cell.borrow_mut();
                &mut **person
            }
        };
        for e in &self.entries {
            let versions = history_view(self.vault, e, keys)?;
            f(e.record(), versions)?;
        }
        Ok(())
    }

    /// The dossier's audit entries, read from the index in small batches.
    fn for_each_event(
        &self,
        mut f: impl FnMut(&AuditEntry, Option<String>) -> Result<()>,
    ) -> Result<()> {
        // The index against the log's chain of the dossier's lines, anchored
        // on the log before the index is read.
        let mut walk = self.vault.chain_walk('d', &self.dossier)?;
        let pairs = self.vault.audit_offsets('d', &self.dossier)?;
        for chunk in pairs.chunks(256) {
            let entries = self.vault.indexed_entries('d', &self.dossier, chunk)?;
            walk.take(&entries, chunk)?;
            for e in entries {
                // The words only once the DPO released them for this dossier.
                let released = is_released(self.release.as_ref(), &e);
                let j = e.justification.as_ref().map(|h| {
                    let words = released
                        .then(|| hex::decode(h).ok())
                        .flatten()
                        .and_then(|ct| {
                            self.audit_key
                                .iter()
                                .find_map(|k| wrap::unwrap(&ct, k).ok().flatten())
                        })
                        .and_then(|p| {
                            crate::vault::audit_trail::audit_read::open_justification(
                                &e,
                                &p,
                                crate::vault::audit_trail::audit_read::Reader::Person,
                            )
                        });
                    match (words, released) {
                        (Some(w), _) => w,
                        (None, true) => tr_in!(self.lang, "export-justification-released"),
                        (None, false) => tr_in!(self.lang, "export-justification-kept"),
                    }
                });
                f(&e, j)?;
            }
        }
        walk.finish()
    }

    /// A UTC time as the person reads it: local time of the establishment, in
    /// the export's language (`30/11/2026 à 14:05`).
    fn fr_time(&self, utc: &str) -> String {
        match utc.parse::<jiff::Timestamp>() {
            Ok(t) => crate::i18n::date_time(self.lang, t, &self.vault.policy.audit.timezone),
            Err(_) => utc.to_string(),
        }
    }

    fn who(&self, id: &str, profession: Option<&str>) -> String {
        if let Some(d) = id.strip_prefix("person.") {
            if d == self.dossier {
                return tr_in!(self.lang, "export-yourself");
            }
        }
        let label = profession
            .and_then(|p| self.vault.policy.professions.get(p))
            .map(|p| p.labels.get(self.lang).to_string());
        match (self.names.get(id), label) {
            (Some(name), Some(p)) => format!("{name} ({p})"),
            (Some(name), None) => name.clone(),
            // Without the staff directory (the person's own copy): the
            // profession, as the person's page names authors.
            (None, Some(p)) if self.names.is_empty() => p,
            (None, Some(p)) => format!("{id} ({p})"),
            (None, None) => id.to_string(),
        }
    }

    fn staff_profession(&self, id: &str) -> Option<String> {
        self.vault
            .staff_record(id)
            .ok()
            .flatten()
            .map(|s| s.profession)
    }

    fn category_label(&self, c: &str) -> String {
        self.vault
            .policy
            .categories
            .get(c)
            .map(|d| d.labels.get(self.lang).to_string())
            .unwrap_or_else(|| c.to_string())
    }

    fn retention_text(&self) -> String {
        let r = &self.vault.policy.retention;
        let rule = self.retention.as_deref().unwrap_or(&r.default);
        let base = match r.rules.get(rule) {
            Some(x) => tr_in!(
                self.lang,
                "export-retention-rule",
                label = x.label.clone(),
                years = x.years,
                source = x.source.clone()
            ),
            None => rule.to_string(),
        };
        let extra: Vec<String> = r
            .categories
            .iter()
            .map(|(c, y)| {
                tr_in!(
                    self.lang,
                    "export-retention-at-least",
                    category = self.category_label(c),
                    years = u64::from(*y)
                )
            })
            .collect();
        let end = match &self.closed {
            Some(c) => tr_in!(self.lang, "export-support-ended", date = self.fr_time(c)),
            None => tr_in!(self.lang, "export-support-ongoing"),
        };
        format!("{base}. {}. {end}", extra.join(" ; "))
    }

    fn recipients(&self) -> Vec<(String, Vec<String>)> {
        let p = &self.vault.policy;
        p.categories
            .iter()
            .filter(|(c, _)| p.withheld_from_person(c).is_none())
            .map(|(c, d)| {
                let who: Vec<String> = p
                    .professions
                    .iter()
                    .filter(|(id, _)| p.can_read(id, c))
                    .map(|(_, pr)| pr.labels.get(self.lang).to_string())
                    .collect();
                (d.labels.get(self.lang).to_string(), who)
            })
            .collect()
    }

    fn report_html(&self, w: &mut dyn Write, t: &mut Tally) -> Result<()> {
        let info = &self.vault.policy.information;
        let l = self.lang;
        write!(
            w,
            "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\
             <h1>{}</h1><p>{}</p>",
            l.code(),
            esc(&tr_in!(l, "export-title")),
            esc(&if self.establishment.is_empty() {
                tr_in!(l, "export-title")
            } else {
                tr_in!(l, "export-heading", establishment = self.establishment.clone())
            }),
            esc(&if self.establishment.is_empty() {
                tr_in!(
                    l,
                    "export-intro-own",
                    name = self.name.clone(),
                    birthdate = crate::i18n::civil_date(l, &self.birthdate),
                    date = self.fr_time(&self.exported_at)
                )
            } else {
                tr_in!(
                    l,
                    "export-intro",
                    name = self.name.clone(),
                    birthdate = crate::i18n::civil_date(l, &self.birthdate),
                    dossier = self.dossier.clone(),
                    date = self.fr_time(&self.exported_at),
                    establishment = self.establishment.clone()
                )
            })
        )
        .map_err(io)?;
        let details = self.details.lines(l);
        if !details.is_empty() {
            write!(w, "<h2>{}</h2><dl>", esc(&tr_in!(l, "export-details"))).map_err(io)?;
            for (k, v) in &details {
                write!(w, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v)).map_err(io)?;
            }
            write!(w, "</dl>").map_err(io)?;
        }
        write!(w, "<h2>{}</h2>", esc(&tr_in!(l, "export-contents"))).map_err(io)?;
        // Notes named as people name them (kind and date), for a note
        // about an earlier one (the person's remark).
        let mut named: std::collections::HashMap<String, String> = Default::default();
        self.for_each_entry(|e, versions| {
            t.entries += 1;
            let kind = self.vault.policy.kind_label(&e.kind, l);
            named.insert(
                e.id.clone(),
                tr_in!(
                    l,
                    "web-note-ref",
                    kind = kind.clone(),
                    created = self.fr_time(&rfc3339(e.created))
                ),
            );
            write!(
                w,
                "<h3>{} — {}</h3>",
                esc(&kind),
                esc(&self.fr_time(&rfc3339(e.created)))
            )
            .map_err(io)?;
            for v in &versions {
                let prof = self.staff_profession(&v.author);
                let title = tr_in!(
                    l,
                    "export-version",
                    version = v.version,
                    date = self.fr_time(&v.time),
                    who = self.who(&v.author, prof.as_deref())
                );
                write!(w, "<p class=\"muted\">{}</p><table>", esc(&title)).map_err(io)?;
                for (name, f) in &v.fields {
                    let label = self.vault.policy.field_label(name, l);
                    write!(
                        w,
                        "<tr><th>{}</th><td>{}<div class=\"muted\">{}</div></td></tr>",
                        esc(&label),
                        esc(match named.get(f.value.trim()) {
                            Some(n) if name == "about" => n,
                            _ => &f.value,
                        }),
                        esc(&self.category_label(&f.category))
                    )
                    .map_err(io)?;
                }
                for x in &v.withheld {
                    *t.withheld.entry(x.category.clone()).or_default() += 1;
                    write!(
                        w,
                        "<tr><th>{}</th><td class=\"muted\">{}</td></tr>",
                        esc(&self.vault.policy.field_label(&x.field, l)),
                        esc(&tr_in!(
                            l,
                            "export-field-withheld",
                            category = self.category_label(&x.category),
                            reason = self.withheld_reason(&x.category)
                        ))
                    )
                    .map_err(io)?;
                }
                w.write_all(b"</table>").map_err(io)?;
            }
            Ok(())
        })?;
        if t.entries == 0 {
            write!(
                w,
                "<p class=\"muted\">{}</p>",
                esc(&tr_in!(l, "export-no-entry"))
            )
            .map_err(io)?;
        }
        write!(w, "<h2>{}</h2>", esc(&tr_in!(l, "export-withheld-title"))).map_err(io)?;
        if t.withheld.is_empty() {
            write!(w, "<p>{}</p>", esc(&tr_in!(l, "export-withheld-nothing"))).map_err(io)?;
        } else {
            write!(
                w,
                "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
                esc(&tr_in!(l, "export-col-category")),
                esc(&tr_in!(l, "export-col-count")),
                esc(&tr_in!(l, "export-col-reason"))
            )
            .map_err(io)?;
            for (c, n) in &t.withheld {
                write!(
                    w,
                    "<tr><td>{}</td><td>{n}</td><td>{}</td></tr>",
                    esc(&self.category_label(c)),
                    esc(&self.withheld_reason(c))
                )
                .map_err(io)?;
            }
            w.write_all(b"</table>").map_err(io)?;
        }
        if !self.with_history {
            write!(
                w,
                "<h2>{}</h2><p>{}</p>",
                esc(&tr_in!(l, "export-history-title")),
                esc(&tr_in!(l, "export-history-elsewhere"))
            )
            .map_err(io)?;
        } else {
            write!(
                w,
                "<h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                esc(&tr_in!(l, "export-history-title")),
                esc(&tr_in!(l, "export-col-date")),
                esc(&tr_in!(l, "export-col-who")),
                esc(&tr_in!(l, "export-col-what")),
                esc(&tr_in!(l, "export-col-categories")),
                esc(&tr_in!(l, "export-col-justification"))
            )
            .map_err(io)?;
            self.for_each_event(|e, j| {
                t.history += 1;
                let cats: Vec<String> = e
                    .categories
                    .iter()
                    .map(|c| self.category_label(c))
                    .collect();
                write!(
                    w,
                    "<tr><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td class=\"just\">{}</td></tr>",
                    esc(&self.fr_time(&e.time)),
                    esc(&self.who(&e.actor, Some(&e.profession))),
                    esc(&crate::i18n::render(
                        &crate::audit::words::person_action(e),
                        l
                    )),
                    if e.break_glass {
                        format!(" — {}", tr_in!(l, "export-emergency"))
                    } else {
                        String::new()
                    },
                    esc(&cats.join(", ")),
                    esc(j.as_deref().unwrap_or(""))
                )
                .map_err(io)
            })?;
            w.write_all(b"</table>").map_err(io)?;
        }
        write!(
            w,
            "<h2>{}</h2><p><strong>{}</strong></p><ul>",
            esc(&tr_in!(l, "export-rights-title")),
            esc(&tr_in!(l, "export-purposes"))
        )
        .map_err(io)?;
        for p in &info.purposes {
            write!(w, "<li>{}</li>", esc(p)).map_err(io)?;
        }
        write!(
            w,
            "</ul><p><strong>{}</strong></p><table>",
            esc(&tr_in!(l, "export-recipients"))
        )
        .map_err(io)?;
        for (cat, who) in self.recipients() {
            write!(
                w,
                "<tr><th>{}</th><td>{}</td></tr>",
                esc(&cat),
                esc(&who.join(", "))
            )
            .map_err(io)?;
        }
        write!(
            w,
            "</table><p><strong>{}</strong> {}</p><p><strong>{}</strong> {}</p><p><strong>{}</strong> {}</p><p><strong>{}</strong></p><ul>",
            esc(&tr_in!(l, "export-retention")),
            esc(&self.retention_text()),
            esc(&tr_in!(l, "export-trail-retention")),
            esc(&crate::i18n::render(
                &crate::policy::period_msg(&self.vault.policy.audit.trail_retention),
                l
            )),
            esc(&tr_in!(l, "export-source")),
            esc(&info.source),
            esc(&tr_in!(l, "export-your-rights"))
        )
        .map_err(io)?;
        for r in &info.rights {
            write!(w, "<li>{}</li>", esc(r)).map_err(io)?;
        }
        write!(
            w,
            "</ul><p><strong>{}</strong> {}</p><p><strong>{}</strong> {}</p>\
             <p class=\"muted\">{}</p></body></html>",
            esc(&tr_in!(l, "export-complaint")),
            esc(&info.complaint),
            esc(&tr_in!(l, "export-dpo")),
            esc(&info.dpo_contact),
            esc(&tr_in!(l, "export-data-json"))
        )
        .map_err(io)
    }

    fn data_json(&self, w: &mut dyn Write, t: &mut Tally) -> Result<()> {
        let info = &self.vault.policy.information;
        let head = json!({
            "format": EXPORT_FORMAT,
            "establishment": self.establishment,
            "dossier": self.dossier,
            "person": {"name": self.name, "birthdate": self.birthdate, "details": self.details},
            "exported_at": self.exported_at,
        });
        let head = serde_json::to_string(&head)
            .map_err(|e| Error::Io(msg!("encoding-failed", detail = e.to_string())))?;
        // Open the object, leaving it unclosed to append the streamed arrays.
        w.write_all(&head.as_bytes()[..head.len() - 1])
            .map_err(io)?;
        w.write_all(b",\"entries\":[").map_err(io)?;
        let mut first = true;
        let mut withheld: BTreeMap<String, u64> = BTreeMap::new();
        self.for_each_entry(|e, versions| {
            t.entries += 1;
            let vs: Vec<serde_json::Value> = versions
                .iter()
                .map(|v| {
                    let fields: serde_json::Map<String, serde_json::Value> = v
                        .fields
                        .iter()
                        .map(|(k, f)| (k.clone(), json!({"value": f.value, "category": f.category})))
                        .collect();
                    for x in &v.withheld {
                        *withheld.entry(x.category.clone()).or_default() += 1;
                    }
                    json!({
                        "version": v.version,
                        "time": v.time,
                        "author": {"id": v.author, "name": self.names.get(&v.author), "profession": self.staff_profession(&v.author)},
                        "fields": fields,
                        "withheld": v.withheld.iter().map(|x| json!({"field": x.field, "category": x.category})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let item = json!({"id": e.id, "kind": e.kind, "created": rfc3339(e.created), "versions": vs});
            if !first {
                w.write_all(b",").map_err(io)?;
            }
            first = false;
            serde_json::to_writer(&mut *w, &item).map_err(|e| Error::Io(msg!("encoding-failed", detail = e.to_string())))
        })?;
        let withheld_list: Vec<serde_json::Value> = withheld
            .iter()
            .map(|(c, n)| json!({"category": c, "fields": n, "reason": self.withheld_reason(c)}))
            .collect();
        let tail = json!({
            "withheld": withheld_list,
            "information": {
                "purposes": info.purposes,
                "recipients": self.recipients().into_iter().map(|(c, w)| json!({"category": c, "professions": w})).collect::<Vec<_>>(),
                "retention": self.retention_text(),
                "access_trail_retention": self.vault.policy.audit.trail_retention,
                "source": info.source,
                "rights": info.rights,
                "complaint": info.complaint,
                "dpo_contact": info.dpo_contact,
            },
            "access_history": "access-history.json",
        });
        let tail = serde_json::to_string(&tail)
            .map_err(|e| Error::Io(msg!("encoding-failed", detail = e.to_string())))?;
        w.write_all(b"],").map_err(io)?;
        w.write_all(&tail.as_bytes()[1..]).map_err(io)?;
        Ok(())
    }

    fn history_json(&self, w: &mut dyn Write, t: &mut Tally) -> Result<()> {
        w.write_all(b"[").map_err(io)?;
        let mut first = true;
        self.for_each_event(|e, j| {
            t.history += 1;
            let item = json!({
                "seq": e.seq,
                "time": e.time,
                "who": self.who(&e.actor, Some(&e.profession)),
                "actor": e.actor,
                "profession": e.profession,
                "action": e.action,
                "what": quoi(e),
                "categories": e.categories,
                "outcome": e.outcome,
                "break_glass": e.break_glass,
                "justification": j,
            });
            if !first {
                w.write_all(b",").map_err(io)?;
            }
            first = false;
            serde_json::to_writer(&mut *w, &item)
                .map_err(|e| Error::Io(msg!("encoding-failed", detail = e.to_string())))
        })?;
        w.write_all(b"]").map_err(io)
    }
}

struct Tee<'a> {
    a: &'a mut dyn Write,
    b: &'a mut Counter,
}

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.a.write(buf)?;
        self.b.0 += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.a.flush()
    }
}
