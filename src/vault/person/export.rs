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
use crate::vault::access::session::Session;
use crate::vault::audit_trail::audit_read::describe_action;
use crate::vault::person::release::{is_released, ReleaseRecord};
use crate::vault::records::reader::{history_view, FieldKeys};
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
        _e: &EntryRecord,
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
            None => Err(Error::Integrity(msg!(
                "data-key-missing",
                category = f.category
            ))),
        }
    }
}

/// One line of the access history, in French.
pub(crate) fn quoi(e: &AuditEntry) -> String {
    let base = match e.action.as_str() {
        "dossier.read" => "a consulté le dossier",
        "entry.read" => "a consulté une note",
        "entry.history" => "a consulté les versions d'une note",
        "entry.add" => "a écrit une note",
        "entry.amend" => "a corrigé une note",
        "dossier.create" => "a ouvert le dossier",
        "break-glass.open" => "a ouvert le dossier en urgence (bris de glace)",
        "team.add" => "a ajouté un professionnel à l'équipe",
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
    pub fn export_dossier(
        &mut self,
        dossier: &str,
        recovery: Option<&Identity>,
        out: &mut dyn Write,
    ) -> Result<ExportSummary> {
        const ACTION: &str = "access.export";
        let rec = self.load_dossier(dossier)?;
        self.require(Capability::PersonAccess, ACTION, Some(dossier))?;
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
            match self.data_key_any(dossier, cat, label, recovery)? {
                Some(key) => {
                    keys.insert((cat.to_string(), label.to_string()), key);
                }
                None => missing.push(cat.to_string()),
            }
        }
        if !missing.is_empty() {
            missing.sort();
            missing.dedup();
            self.vault.audit(
                self.draft(ACTION)
                    .dossier(dossier)
                    .outcome(crate::audit::Outcome::Denied)
                    .categories(missing.clone())
                    .detail("keys not held; nothing exported"),
            )?;
            return Err(Error::Pending(msg!(
                "export-needs-keys-you-do-hold",
                join = missing.join(", ")
            )));
        }
        let (name, birthdate) = match keys.get(&("identity".to_string(), "*".to_string())) {
            Some(k) => crate::vault::records::dossier::open_header_with(
                k,
                &self.vault.meta.vault_id,
                &rec,
            )?,
            None => return Err(Error::Integrity(msg!("dossier-identity-key"))),
        };
        let mut cats: Vec<String> = keys.keys().map(|(c, _)| c.clone()).collect();
        cats.sort();
        cats.dedup();
        self.vault
            .audit(self.draft(ACTION).dossier(dossier).categories(cats.clone()))?;

        // Every generation of the audit key, through the recovery key, so the
        // justifications the DPO released can be shown in the actor's words.
        let audit_key = match recovery {
            Some(r) => self.vault.audit_identities_with_recovery(r)?,
            None => Vec::new(),
        };
        let release = self.vault.justification_release(dossier)?;
        let names = self.staff_name_map()?;
        let establishment = self.establishment()?;
        let entry_ids = self.vault.dossier_entry_ids(dossier)?;
        let ctx = Ctx {
            vault: self.vault,
            dossier: dossier.to_string(),
            establishment,
            name,
            birthdate,
            exported_at: rfc3339(now()),
            entry_ids,
            keys,
            names,
            audit_key,
            release,
            closed: rec.closed.map(rfc3339),
            retention: rec.retention.clone(),
        };
        let written = ctx.write_tar(out, cats);
        self.outcome_of_write(crate::vault::outcome::EXPORT_ACTION, Some(dossier), written)
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

struct Ctx<'a> {
    vault: &'a crate::vault::Vault,
    dossier: String,
    establishment: String,
    name: String,
    birthdate: String,
    exported_at: String,
    entry_ids: Vec<String>,
    keys: HashMap<(String, String), Key32>,
    names: HashMap<String, String>,
    audit_key: Vec<Identity>,
    /// The DPO's release of justifications, if any.
    release: Option<ReleaseRecord>,
    closed: Option<String>,
    retention: Option<String>,
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

    /// Every entry with all its versions, one at a time.
    fn for_each_entry(
        &self,
        mut f: impl FnMut(&EntryRecord, Vec<VersionView>) -> Result<()>,
    ) -> Result<()> {
        let withheld = self.withheld();
        let author_only = |c: &str| self.vault.policy.is_author_only(c);
        let mut keys = ExportKeys {
            keys: &self.keys,
            withheld: &withheld,
            author_only: &author_only,
        };
        for id in &self.entry_ids {
            let e = self.vault.load_entry(id)?;
            let versions = history_view(self.vault, &e, &mut keys)?;
            f(&e, versions)?;
        }
        Ok(())
    }

    /// The dossier's audit entries, read from the index in small batches.
    fn for_each_event(
        &self,
        mut f: impl FnMut(&AuditEntry, Option<String>) -> Result<()>,
    ) -> Result<()> {
        let offsets = self.vault.audit_offsets('d', &self.dossier)?;
        for chunk in offsets.chunks(256) {
            for e in self.vault.audit_read_at(chunk)? {
                // The words only once the DPO released them for this dossier.
                let released = is_released(self.release.as_ref(), &e);
                let j = e.justification.as_ref().map(|h| {
                    let words = released
                        .then(|| hex::decode(h).ok())
                        .flatten()
                        .and_then(|ct| self.audit_key.iter().find_map(|k| wrap::unwrap(&ct, k).ok().flatten()))
                        .map(|p| String::from_utf8_lossy(&p).into_owned());
                    match (words, released) {
                        (Some(w), _) => w,
                        (None, true) => "(justification communicable : consultez-la avec votre accès personnel ou auprès du délégué à la protection des données)".into(),
                        (None, false) => "(justification enregistrée ; ses termes peuvent mentionner d'autres personnes et vous sont communiqués après examen par le délégué à la protection des données)".into(),
                    }
                });
                f(&e, j)?;
            }
        }
        Ok(())
    }

    /// A UTC time as the person reads it: local time of the establishment, in French.
    fn fr_time(&self, utc: &str) -> String {
        let tz = jiff::tz::TimeZone::get(&self.vault.policy.audit.timezone)
            .unwrap_or(jiff::tz::TimeZone::UTC);
        match utc.parse::<jiff::Timestamp>() {
            Ok(t) => t
                .to_zoned_datetime(tz)
                .strftime("%d/%m/%Y à %H:%M")
                .to_string(),
            Err(_) => utc.to_string(),
        }
    }

    fn who(&self, id: &str, profession: Option<&str>) -> String {
        if let Some(d) = id.strip_prefix("person.") {
            if d == self.dossier {
                return "vous-même".into();
            }
        }
        let name = self
            .names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string());
        match profession.and_then(|p| self.vault.policy.professions.get(p)) {
            Some(p) => format!("{name} ({})", p.label),
            None => name,
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
            .map(|d| d.label.clone())
            .unwrap_or_else(|| c.to_string())
    }

    fn retention_text(&self) -> String {
        let r = &self.vault.policy.retention;
        let rule = self.retention.as_deref().unwrap_or(&r.default);
        let base = match r.rules.get(rule) {
            Some(x) => format!(
                "{} : {} ans après la fin de l'accompagnement ({})",
                x.label, x.years, x.source
            ),
            None => rule.to_string(),
        };
        let extra: Vec<String> = r
            .categories
            .iter()
            .map(|(c, y)| format!("{} : au moins {y} ans", self.category_label(c)))
            .collect();
        let end = match &self.closed {
            Some(c) => format!(" Accompagnement terminé le {c}."),
            None => " L'accompagnement est en cours.".into(),
        };
        format!("{base}. {}.{end}", extra.join(" ; "))
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
                    .map(|(_, pr)| pr.label.clone())
                    .collect();
                (d.label.clone(), who)
            })
            .collect()
    }

    fn report_html(&self, w: &mut dyn Write, t: &mut Tally) -> Result<()> {
        let info = &self.vault.policy.information;
        write!(
            w,
            "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Votre dossier</title><style>{STYLE}</style></head><body>\
             <h1>Votre dossier — {}</h1><p>{}, né(e) le {}. Dossier {}. Copie établie le {} par {}.</p>",
            esc(&self.establishment),
            esc(&self.name),
            esc(&self.birthdate),
            esc(&self.dossier),
            esc(&self.fr_time(&self.exported_at)),
            esc(&self.establishment)
        )
        .map_err(io)?;
        w.write_all("<h2>Ce que contient votre dossier</h2>".as_bytes())
            .map_err(io)?;
        self.for_each_entry(|e, versions| {
            t.entries += 1;
            let kind = self.vault.policy.kinds.get(&e.kind).map(|k| k.label.clone()).unwrap_or_else(|| e.kind.clone());
            write!(w, "<h3>{} — {}</h3>", esc(&kind), esc(&self.fr_time(&rfc3339(e.created)))).map_err(io)?;
            for v in &versions {
                let prof = self.staff_profession(&v.author);
                let title = if v.version == 1 { "Écrit".to_string() } else { format!("Correction (version {})", v.version) };
                write!(w, "<p class=\"muted\">{title} le {} par {}</p><table>", esc(&self.fr_time(&v.time)), esc(&self.who(&v.author, prof.as_deref()))).map_err(io)?;
                for (name, f) in &v.fields {
                    let label = self.vault.policy.field_label(name, crate::i18n::Lang::Fr);
                    write!(w, "<tr><th>{}</th><td>{}<div class=\"muted\">{}</div></td></tr>", esc(&label), esc(&f.value), esc(&self.category_label(&f.category))).map_err(io)?;
                }
                for x in &v.withheld {
                    *t.withheld.entry(x.category.clone()).or_default() += 1;
                    write!(
                        w,
                        "<tr><th>{}</th><td class=\"muted\">Information non communicable ({}) : {}</td></tr>",
                        esc(&self.vault.policy.field_label(&x.field, crate::i18n::Lang::Fr)),
                        esc(&self.category_label(&x.category)),
                        esc(&self.withheld_reason(&x.category))
                    )
                    .map_err(io)?;
                }
                w.write_all(b"</table>").map_err(io)?;
            }
            Ok(())
        })?;
        if t.entries == 0 {
            w.write_all("<p class=\"muted\">Aucune note pour l'instant.</p>".as_bytes())
                .map_err(io)?;
        }
        w.write_all("<h2>Ce qui ne vous est pas communiqué</h2>".as_bytes())
            .map_err(io)?;
        if t.withheld.is_empty() {
            w.write_all(
                "<p>Rien : toutes les informations de votre dossier figurent ci-dessus.</p>"
                    .as_bytes(),
            )
            .map_err(io)?;
        } else {
            w.write_all(b"<table><tr><th>Cat\xc3\xa9gorie</th><th>Nombre</th><th>Raison</th></tr>")
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
        w.write_all("<h2>Qui a consulté ou modifié votre dossier</h2><table><tr><th>Date</th><th>Qui</th><th>Quoi</th><th>Catégories</th><th>Justification</th></tr>".as_bytes()).map_err(io)?;
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
                esc(&quoi(e)),
                if e.break_glass {
                    " — accès d'urgence"
                } else {
                    ""
                },
                esc(&cats.join(", ")),
                esc(j.as_deref().unwrap_or(""))
            )
            .map_err(io)
        })?;
        w.write_all(b"</table>").map_err(io)?;
        w.write_all("<h2>Vos droits et le traitement de vos données</h2><p><strong>Finalités :</strong></p><ul>".as_bytes()).map_err(io)?;
        for p in &info.purposes {
            write!(w, "<li>{}</li>", esc(p)).map_err(io)?;
        }
        w.write_all("</ul><p><strong>Qui peut lire quoi (destinataires, au sein de l'équipe qui vous accompagne) :</strong></p><table>".as_bytes()).map_err(io)?;
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
            "</table><p><strong>Durée de conservation :</strong> {}</p><p><strong>Origine des informations :</strong> {}</p><p><strong>Vos droits :</strong></p><ul>",
            esc(&self.retention_text()),
            esc(&info.source)
        )
        .map_err(io)?;
        for r in &info.rights {
            write!(w, "<li>{}</li>", esc(r)).map_err(io)?;
        }
        write!(
            w,
            "</ul><p><strong>Réclamation :</strong> {}</p><p><strong>Délégué à la protection des données :</strong> {}</p>\
             <p class=\"muted\">Le fichier data.json contient les mêmes informations dans un format lisible par une machine.</p></body></html>",
            esc(&info.complaint),
            esc(&info.dpo_contact)
        )
        .map_err(io)
    }

    fn data_json(&self, w: &mut dyn Write, t: &mut Tally) -> Result<()> {
        let info = &self.vault.policy.information;
        let head = json!({
            "format": EXPORT_FORMAT,
            "establishment": self.establishment,
            "dossier": self.dossier,
            "person": {"name": self.name, "birthdate": self.birthdate},
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
