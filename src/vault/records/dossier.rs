//! Dossiers: creation (with the blind name index), listing, name search, reading a
//! whole dossier and managing its care team.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::audit::{Draft, Outcome};
use crate::crypto::key::random_bytes;
use crate::crypto::{blind, envelope};
use crate::error::{Error, Result};
use crate::policy::{Capability, VaultKey};
use crate::rights::Fact;
use crate::store::records::{decode, encode, DossierRecord, StaffStatus, TeamRecord};
use crate::store::{layout, Batch};
use crate::vault::access::keys::header_aad;
use crate::vault::access::session::{DataKey, Session};
use crate::vault::now;
use crate::vault::views::{DossierDetails, DossierSummary, DossierView};

/// The sealed part of a dossier header. The details (sex, address,
/// admission, unit) sit beside the name, absent when empty, so a header of a
/// dossier created before them reads as it always did.
#[derive(Serialize, Deserialize)]
struct Header {
    name: String,
    birthdate: String,
    #[serde(flatten)]
    details: DossierDetails,
}

impl Drop for Header {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.name);
        zeroize::Zeroize::zeroize(&mut self.birthdate);
    }
}

/// Opens a dossier's name and birth date with its `identity` data key.
pub(crate) fn open_header_with(
    key: &crate::crypto::Key32,
    vault_id: &str,
    rec: &DossierRecord,
) -> Result<(String, String)> {
    let (name, birthdate, _) = open_identity_with(key, vault_id, rec)?;
    Ok((name, birthdate))
}

/// Opens a dossier's whole identity (name, birth date, details) with its
/// `identity` data key.
pub(crate) fn open_identity_with(
    key: &crate::crypto::Key32,
    vault_id: &str,
    rec: &DossierRecord,
) -> Result<(String, String, DossierDetails)> {
    // The key is the dossier's vouched identity data key: a header that does
    // not open under it was replaced (an older copy, another dossier's).
    let plain =
        envelope::open(key, &header_aad(vault_id, &rec.id), &rec.header_sealed).map_err(|_| {
            crate::vault::access::trust::forged(
                &format!("d/{}", rec.id),
                "a sealed header that does not open under the dossier's key",
            )
        })?;
    let h: Header = serde_json::from_slice(&plain)
        .map_err(|_| Error::Integrity(msg!("dossier-header-corrupt")))?;
    Ok((h.name.clone(), h.birthdate.clone(), h.details.clone()))
}

/// Checks the details of a new dossier and returns them as kept: the sex
/// one of `f`, `m`, `x` (or empty), the admission date as typed in France
/// (as a birth date), the address and unit one line each, trimmed, of at
/// most 300 and 100 characters.
pub fn normalise_details(d: &DossierDetails) -> Result<DossierDetails> {
    let sex = d.sex.trim().to_lowercase();
    if !["", "f", "m", "x"].contains(&sex.as_str()) {
        return Err(Error::Usage(msg!("dossier-sex-invalid")));
    }
    let address = d.address.trim().to_string();
    let unit = d.unit.trim().to_string();
    if address.chars().count() > 300 || unit.chars().count() > 100 {
        return Err(Error::Usage(msg!("dossier-details-too-long")));
    }
    crate::text::check_name("the address", &address)?;
    crate::text::check_name("the unit", &unit)?;
    let admitted = if d.admitted.trim().is_empty() {
        String::new()
    } else {
        normalise_birthdate(d.admitted.trim()).map_err(|e| {
            if e.kind() == "date-two-digit-year" {
                e
            } else {
                Error::Usage(msg!("admission-date-must-real-date"))
            }
        })?
    };
    Ok(DossierDetails {
        sex,
        address,
        admitted,
        unit,
    })
}

/// Checks a birth date as typed (see [`normalise_birthdate`]).
pub fn check_date(s: &str) -> Result<()> {
    normalise_birthdate(s).map(|_| ())
}

/// A birth date as typed (`14/05/2012` as written in France, or `2012-05-14`)
/// in the form dossiers keep it, `YYYY-MM-DD`; a year of two digits is refused
/// (its century cannot be told), as is a year before 1900 or after 2200.
pub fn normalise_birthdate(s: &str) -> Result<String> {
    let bad = || Error::Usage(msg!("birth-date-must-real-date-written"));
    let d = crate::i18n::parse_date(s).map_err(|e| {
        if e.kind() == "date-two-digit-year" {
            e
        } else {
            bad()
        }
    })?;
    if !(1900..=2200).contains(&d.year()) {
        return Err(bad());
    }
    Ok(d.to_string())
}

/// The most characters of a name search: those of a name.
const MAX_QUERY_CHARS: usize = 200;

impl Session<'_> {
    /// Creates a dossier for a person; the creator joins its care team.
    pub fn create_dossier(&mut self, name: &str, birthdate: &str) -> Result<String> {
        self.create_dossier_with(name, birthdate, &DossierDetails::default())
    }

    /// [`Session::create_dossier`] with the rest of the identity (checked by
    /// [`normalise_details`]), sealed with the name in the header.
    pub fn create_dossier_with(
        &mut self,
        name: &str,
        birthdate: &str,
        details: &DossierDetails,
    ) -> Result<String> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "dossier.create";
        let vault = self.vault;
        let _writing = vault
            .write_lock
            .lock()
            .map_err(|_| Error::Io(msg!("write-lock-poisoned")))?;
        self.require(Capability::CreateDossier, ACTION, None)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Error::Usage(msg!("name-must-1-200-characters")));
        }
        crate::text::check_name("the dossier's name", name)?;
        let birthdate = &normalise_birthdate(birthdate)?;
        let details = normalise_details(details)?;
        let id = format!("d-{}", hex::encode(random_bytes::<5>()?));
        self.vault.create_erasure_key(&id)?;
        let mut batch = Batch::new();
        let key = match self.data_key(&id, "identity", None, Some(&mut batch))? {
            DataKey::Key(k) => k,
            _ => return Err(Error::Pending(msg!("identity-key-granted-you-yet"))),
        };
        let index_key = self
            .vault_key32(&VaultKey::Index)?
            .ok_or_else(|| Error::Pending(msg!("name-index-key-granted-you-yet")))?;
        let header = Zeroizing::new(
            serde_json::to_vec(&Header {
                name: name.to_string(),
                birthdate: birthdate.to_string(),
                details,
            })
            .map_err(|e| Error::Io(msg!("encoding-failed", detail = e.to_string())))?,
        );
        let rec = DossierRecord {
            id: id.clone(),
            created: now(),
            created_by: self.me.id.clone(),
            header_sealed: envelope::seal(
                &key,
                &header_aad(&self.vault.meta.vault_id, &id),
                &header,
            )?,
            closed: None,
            retention: None,
            erased: None,
        };
        batch.put(layout::dossier(&id), encode(&rec)?);
        crate::vault::records::reindex::put_name_tags(&mut batch, &index_key, &id, name)?;
        let team = TeamRecord {
            added_by: self.me.id.clone(),
            since: now(),
            until: None,
        };
        batch.put(layout::team(&id, &self.me.id), encode(&team)?);
        let fact = Fact::Dossier {
            dossier: id.clone(),
        };
        self.vault.commit_audited(
            self.draft(ACTION)
                .dossier(&id)
                .categories(["identity"])
                .fact(fact.to_json()?, self.fact_signer()),
            batch,
        )?;
        Ok(id)
    }

    /// Opens a dossier's name and birth date, if the actor may read identity.
    fn open_header(&mut self, rec: &DossierRecord) -> Result<Option<(String, String)>> {
        Ok(self.open_identity(rec)?.map(|(n, b, _)| (n, b)))
    }

    /// Opens a dossier's whole identity, if the actor may read it.
    fn open_identity(
        &mut self,
        rec: &DossierRecord,
    ) -> Result<Option<(String, String, DossierDetails)>> {
        if !self.vault.policy.can_read(&self.me.profession, "identity")
            || self.objects(&rec.id, "identity")?
        {
            return Ok(None);
        }
        let key = match self.data_key(&rec.id, "identity", None, None)? {
            DataKey::Key(k) => k,
            _ => return Ok(None),
        };
        open_identity_with(&key, &self.vault.meta.vault_id, rec).map(Some)
    }

    fn summaries(&mut self, ids: &[String], action: &str) -> Result<Vec<DossierSummary>> {
        let mut out = Vec::new();
        let mut named = 0usize;
        for id in ids {
            let rec = self.vault.dossier_record(id)?;
            if rec.erased.is_some() {
                continue;
            }
            let in_team = self.in_team(id, &self.me.id.clone())?;
            let header = if in_team {
                self.open_header(&rec)?
            } else {
                None
            };
            named += usize::from(header.is_some());
            let (name, birthdate) = match header {
                Some((n, b)) => (Some(n), Some(b)),
                None => (None, None),
            };
            out.push(DossierSummary {
                id: id.clone(),
                name,
                birthdate,
                in_team,
            });
        }
        let mut d = self
            .draft(action)
            .detail(&format!("{} dossiers, {named} names shown", ids.len()));
        if named > 0 {
            d = d.categories(["identity"]);
        }
        self.vault.audit(d)?;
        Ok(out)
    }

    /// Dossiers whose care team includes the actor; managers of care teams see every
    /// dossier id (names only where they are in the team).
    pub fn list_dossiers(&mut self) -> Result<Vec<DossierSummary>> {
        let _turn = self.ensure_current()?;
        let all_ids: Vec<String> = self
            .vault
            .all_dossiers()?
            .into_iter()
            .map(|d| d.id)
            .collect();
        let manager = self
            .vault
            .policy
            .has(&self.me.profession, Capability::ManageTeam);
        let mut ids = Vec::new();
        for id in all_ids {
            if manager || self.in_team(&id, &self.me.id.clone())? {
                ids.push(id);
            }
        }
        self.summaries(&ids, "dossier.list")
    }

    /// Finds dossiers whose name has, for every word of `text`, a word that is
    /// it or starts with it (case and accents ignored), through the blind index:
    /// a query word of 3 to 10 characters matches the start of a name's word
    /// ("Luca" finds "Lucas Martin"); one of two characters, or of more than
    /// ten, only a whole word; words of one character are ignored. Until the
    /// vault's index holds prefixes (normalisation 3, `vault::reindex`), whole
    /// words only. The query is never recorded. Errors: [`Error::Usage`] when
    /// no word has two characters or the query more than 200; [`Error::Pending`] when the name-index key
    /// has not reached the member yet; a refusal (audited) when their
    /// profession may not search names; storage and audit errors.
    ///
    /// Only dossiers the actor could open are returned: those whose care team
    /// they are in now (the signed register decides), and, when their profession
    /// may break the glass and break-the-glass opens identity, the others (without
    /// their name: it is shown only to the care team). Any other match is left out
    /// without a trace in the answer (not counted, no hint): "is this person
    /// supported here" is itself what a search must not tell. An erased dossier
    /// is never returned. Every match is looked at the same way (its record and
    /// its team) before that decision, so the time taken does not tell hidden
    /// matches apart from shown ones.
    ///
    /// The search is audited as a read, before anything is returned: one
    /// `dossier.find` line per dossier returned, indexed under that dossier (so
    /// its access history and the person's own history show it), all written in
    /// one durable step; a search that returns nothing writes one line without a
    /// dossier. No line carries the query.
    pub fn find_dossiers(&mut self, text: &str) -> Result<Vec<DossierSummary>> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "dossier.find";
        let Some(index_key) = self.vault_key32(&VaultKey::Index)? else {
            if self
                .vault
                .policy
                .entitled(&self.me.profession, &VaultKey::Index)
            {
                return Err(Error::Pending(msg!("name-index-key-granted-you-yet")));
            }
            return self.refuse(
                ACTION,
                None,
                msg!(
                    "profession-may-search-names",
                    profession = self.me.profession
                ),
            );
        };
        // Each word under both normalisations (blind::query_tags): names indexed
        // before ligatures were folded are still found; and as a prefix once
        // every name's prefixes are indexed.
        // A name has at most 200 characters: a longer query matches no more
        // than its first 200 would, and each of its words is a lookup in the
        // index, so tens of thousands of words held the vault for a minute.
        // Refused before any lookup, whatever the index holds.
        if text.trim().chars().count() > MAX_QUERY_CHARS {
            return Err(Error::Usage(msg!(
                "name-search-too-long",
                max = MAX_QUERY_CHARS
            )));
        }
        let by_prefix = crate::vault::records::reindex::prefixes_indexed(&*self.vault.store)?;
        let words = blind::query_tags(&index_key, text, by_prefix);
        if words.is_empty() {
            return Err(Error::Usage(msg!("give-least-one-word-two-letters")));
        }
        let mut found: Option<BTreeSet<String>> = None;
        for group in &words {
            let mut ids = BTreeSet::new();
            for tag in group {
                for (k, _) in self.vault.store.scan_prefix(&layout::index_prefix(tag))? {
                    ids.insert(layout::last_component(&k)?);
                }
            }
            found = Some(match found {
                None => ids,
                Some(prev) => prev.intersection(&ids).cloned().collect(),
            });
        }
        let policy = &self.vault.policy;
        let by_break_glass = policy.has(&self.me.profession, Capability::BreakGlass)
            && policy.break_glass_opens("identity");
        let me = self.me.id.clone();
        // The same reads for every match, whatever is decided.
        let mut reachable = Vec::new();
        // The name index decides nothing: an id it lists that the register
        // never held (a record planted or copied under another id) is no
        // match, and never a reason to fail the whole search.
        let found: Vec<String> = self.vault.with_register(|r| {
            Ok(found
                .unwrap_or_default()
                .into_iter()
                .filter(|id| r.dossiers.contains_key(id))
                .collect())
        })?;
        for id in found {
            let rec = self.vault.dossier_record(&id)?;
            let in_team = self.in_team(&id, &me)?;
            if rec.erased.is_none() && (in_team || by_break_glass) {
                reachable.push((rec, in_team));
            }
        }
        let mut out = Vec::with_capacity(reachable.len());
        for (rec, in_team) in reachable {
            // The name only for the care team: outside it, a name is read by
            // breaking the glass (justified), never by searching.
            let header = if in_team {
                self.open_header(&rec)?
            } else {
                None
            };
            let (name, birthdate) = match header {
                Some((n, b)) => (Some(n), Some(b)),
                None => (None, None),
            };
            out.push(DossierSummary {
                id: rec.id.clone(),
                name,
                birthdate,
                in_team,
            });
        }
        self.vault
            .durable(self.find_drafts(ACTION, &out), Batch::new())?;
        Ok(out)
    }

    /// The audit lines of a name search that returned `found`: one per dossier
    /// (categories `identity` where its name is shown), or one without a
    /// dossier when nothing was returned. Content-free: no query, no name.
    fn find_drafts(&self, action: &str, found: &[DossierSummary]) -> Vec<Draft> {
        let n = found.len();
        if n == 0 {
            return vec![self.draft(action).detail("name search returned no dossier")];
        }
        found
            .iter()
            .map(|d| {
                let how = if d.in_team {
                    "in the care team"
                } else {
                    "outside the care team, reachable by break-the-glass"
                };
                let mut draft = self.draft(action).dossier(&d.id).detail(&format!(
                    "name search returned {n} dossier(s); this one {how}"
                ));
                if d.name.is_some() {
                    draft = draft.categories(["identity"]);
                }
                draft
            })
            .collect()
    }

    /// Reads a whole dossier: every field the actor may read, every other field
    /// listed as withheld with its category. Audited before anything is returned.
    pub fn show_dossier(&mut self, id: &str, break_glass: Option<&str>) -> Result<DossierView> {
        let _turn = self.ensure_current()?;
        let (view, draft) = self.read_dossier(id, break_glass)?;
        self.vault.audit(draft)?;
        let view = view?;
        self.after_dossier_read(id)?;
        Ok(view)
    }

    /// The day's transmissions: the notes written since `since` (seconds since
    /// the epoch; a front-end gives the start of the day in the
    /// establishment's time zone) in the dossiers of this member's care teams,
    /// newest dossier first. Only dossiers holding such notes are read; each
    /// read is audited (`dossier.read`, with the categories of the notes
    /// shown and the detail `transmissions`) before anything is returned,
    /// all in one durable step. Each view holds only those notes.
    ///
    /// Errors: as [`Session::show_dossier`]; a dossier that cannot be read
    /// stops the reading once its error is audited.
    pub fn transmissions(&mut self, since: u64) -> Result<Vec<DossierView>> {
        let _turn = self.ensure_current()?;
        let me = self.me.id.clone();
        let mut ids = Vec::new();
        for d in self.vault.all_dossiers()? {
            if d.erased.is_some() || !self.in_team(&d.id, &me)? {
                continue;
            }
            let checked = self.vault.checked_dossier(&d.id)?;
            let newest = checked
                .entries
                .iter()
                .map(|e| e.record().created)
                .filter(|c| *c >= since)
                .max();
            // A damaged entry's date is not to be trusted (its record is what
            // failed): a dossier with one is read whatever its date, so that
            // the page names the damage and its read is audited as an error,
            // rather than leaving a note of the day out without a word.
            match (newest, checked.damaged.is_empty()) {
                (Some(newest), _) => ids.push((newest, d.id.clone())),
                (None, false) => ids.push((since, d.id.clone())),
                (None, true) => {}
            }
        }
        ids.sort_by(|a, b| b.cmp(a));
        let ids: Vec<String> = ids.into_iter().map(|(_, id)| id).collect();
        match self.read_group(&ids, Some(since), Some("transmissions"))? {
            (_, Some(e)) => Err(e),
            (views, None) => Ok(views),
        }
    }

    /// Reads many dossiers, as an export would: `group` dossiers at a time are
    /// read and their reads audited in one durable step, then handed to `f` in
    /// order (so memory holds one group, whatever the number of dossiers). Stops
    /// at the first dossier that cannot be read (refusal or damage), once its
    /// refusal or error is audited. Returns the number of dossiers read.
    pub fn read_dossiers(
        &mut self,
        ids: &[String],
        group: usize,
        f: &mut dyn FnMut(DossierView) -> Result<()>,
    ) -> Result<u64> {
        let _turn = self.ensure_current()?;
        let mut read = 0;
        for chunk in ids.chunks(group.max(1)) {
            let (views, failed) = self.read_group(chunk, None, None)?;
            for view in views {
                self.after_dossier_read(&view.id)?;
                f(view)?;
                read += 1;
            }
            if let Some(e) = failed {
                return Err(e);
            }
        }
        Ok(read)
    }

    /// Reads `ids` in order (only their entries created at or after `since`,
    /// when given) and writes their reads' audit entries, with `detail` when
    /// given, in one durable step. Stops at the first dossier that cannot be
    /// read, once its refusal or error is among those entries: the views read
    /// before it, and its error.
    fn read_group(
        &mut self,
        ids: &[String],
        since: Option<u64>,
        detail: Option<&str>,
    ) -> Result<(Vec<DossierView>, Option<Error>)> {
        let mut views = Vec::with_capacity(ids.len());
        let mut drafts = Vec::with_capacity(ids.len());
        let mut failed = None;
        for id in ids {
            match self.read_dossier_since(id, None, since) {
                Ok((view, draft)) => {
                    drafts.push(match detail {
                        Some(d) => draft.detail(d),
                        None => draft,
                    });
                    match view {
                        Ok(v) => views.push(v),
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        self.vault.durable(drafts, Batch::new())?;
        Ok((views, failed))
    }

    /// After a read: keys the person supported still waits for follow when a
    /// holder works on the file.
    fn after_dossier_read(&mut self, id: &str) -> Result<()> {
        if self.vault.person_record(id)?.is_some() {
            self.sync_person_keys(id, None)?;
        }
        Ok(())
    }

    /// Decrypts a dossier for [`Session::show_dossier`] and returns the view (or
    /// the error met) with the audit entry to write before it is shown. An error
    /// before access is decided (unknown dossier, refusal — audited) comes out
    /// as the outer error.
    fn read_dossier(
        &mut self,
        id: &str,
        break_glass: Option<&str>,
    ) -> Result<(Result<DossierView>, Draft)> {
        self.read_dossier_since(id, break_glass, None)
    }

    /// [`Session::read_dossier`] of the entries created at or after `since`
    /// (seconds since the epoch) only, when given: only those are decrypted
    /// and only their categories are in the audit entry.
    fn read_dossier_since(
        &mut self,
        id: &str,
        break_glass: Option<&str>,
        since: Option<u64>,
    ) -> Result<(Result<DossierView>, Draft)> {
        const ACTION: &str = "dossier.read";
        let rec = self.load_dossier(id)?;
        let access = self.reach(id, ACTION, break_glass)?;
        let vault = self.vault;
        let result = (|| -> Result<DossierView> {
            // No data key is renewed while the dossier is read, so each
            // category's key is decided once for all its entries.
            let _steady = vault
                .write_lock
                .lock()
                .map_err(|_| Error::Io(msg!("write-lock-poisoned")))?;
            let mut decided = crate::vault::records::entry::KeyDecisions::new();
            // Every entry the register holds, each checked on its own: a
            // damaged one is named, never a reason to skip the others' check.
            let checked = self.vault.checked_dossier(id)?;
            // The objections must be those the signed register vouches for.
            self.vault.check_objections(id)?;
            let header = if access.break_glass && !self.vault.policy.break_glass_opens("identity") {
                None
            } else {
                self.open_identity(&rec)?
            };
            let mut views = Vec::new();
            let mut damaged = checked.damaged;
            let shown = checked
                .entries
                .iter()
                .filter(|e| since.is_none_or(|t| e.record().created >= t));
            for e in shown {
                match self.entry_view(e, access.break_glass, Some(&mut decided)) {
                    Ok(v) => views.push(v),
                    Err(err) if crate::vault::access::trust::entry_damage(&err) => {
                        damaged.push(e.record().id.clone())
                    }
                    Err(other) => return Err(other),
                }
            }
            let (name, birthdate, details) = match header {
                Some((n, b, d)) => (Some(n), Some(b), Some(d)),
                None => (None, None, None),
            };
            Ok(DossierView {
                damaged,
                id: id.to_string(),
                name,
                birthdate,
                details,
                break_glass: access.break_glass,
                entries: views,
            })
        })();
        match result {
            Ok(view) => {
                let mut cats: BTreeSet<String> = view
                    .entries
                    .iter()
                    .flat_map(|e| e.fields.values().map(|f| f.category.clone()))
                    .collect();
                if view.name.is_some() {
                    cats.insert("identity".into());
                }
                let mut d = self.draft(ACTION).dossier(id).categories(cats);
                d.break_glass = access.break_glass;
                d.justification = access.justification.clone();
                d.detail = access.detail.clone();
                if !view.damaged.is_empty() {
                    d.outcome = Some(Outcome::Error);
                    d.detail = Some(format!(
                        "damaged entries not shown: {}{}",
                        view.damaged.join(", "),
                        access
                            .detail
                            .as_deref()
                            .map(|x| format!("; {x}"))
                            .unwrap_or_default()
                    ));
                }
                Ok((Ok(view), d))
            }
            Err(e) => {
                let mut d = self
                    .draft(ACTION)
                    .dossier(id)
                    .outcome(Outcome::Error)
                    .detail("could not be read: integrity or storage error");
                d.break_glass = access.break_glass;
                Ok((Err(e), d))
            }
        }
    }

    /// Adds `staff` to the care team of `dossier`. Allowed to care-team managers
    /// and to the dossier's creator.
    pub fn add_team_member(&mut self, dossier: &str, staff: &str) -> Result<()> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "team.add";
        let rec = self.load_dossier(dossier)?;
        layout::check_id("staff", staff)?;
        self.require_manager_or_creator(ACTION, &rec, "change its team")?;
        match self.vault.staff_record(staff)? {
            Some(s) if s.status == StaffStatus::Active => {}
            Some(_) => return Err(Error::Usage(msg!("staff-member-revoked", staff = staff))),
            None => return Err(Error::NotFound(msg!("staff-member-2", staff = staff))),
        }
        let team = TeamRecord {
            added_by: self.me.id.clone(),
            since: now(),
            until: None,
        };
        let fact = Fact::Team {
            dossier: dossier.to_string(),
            member: staff.to_string(),
            present: true,
        };
        let mut batch = Batch::new();
        batch.put(layout::team(dossier, staff), encode(&team)?);
        self.vault.commit_audited(
            self.draft(ACTION)
                .dossier(dossier)
                .target(staff)
                .fact(fact.to_json()?, self.fact_signer()),
            batch,
        )?;
        Ok(())
    }

    /// Removes `staff` from the care team of `dossier`: from now on they no
    /// longer open it (what they wrote stays, under their name, and what
    /// they read stays in the audit log). Allowed, as adding, to care-team
    /// managers and to the dossier's creator; a signed `team` fact
    /// (`present: false`) records it, audited `team.remove`. The store keeps
    /// the membership with its end (`until`).
    ///
    /// Errors: [`Error::Refused`] (exit 3, audited) for anyone else;
    /// [`Error::Usage`] (exit 2) when `staff` is not in the team.
    pub fn remove_team_member(&mut self, dossier: &str, staff: &str) -> Result<()> {
        let _turn = self.ensure_current()?;
        const ACTION: &str = "team.remove";
        let rec = self.load_dossier(dossier)?;
        layout::check_id("staff", staff)?;
        self.require_manager_or_creator(ACTION, &rec, "change its team")?;
        if !self.in_team(dossier, staff)? {
            return Err(Error::Usage(msg!(
                "staff-not-in-team",
                staff = staff,
                dossier = dossier
            )));
        }
        let mut team: TeamRecord = match self.vault.store.get(&layout::team(dossier, staff))? {
            Some(b) => decode(&b, "care team")?,
            None => TeamRecord {
                added_by: self.me.id.clone(),
                since: now(),
                until: None,
            },
        };
        team.until = Some(now());
        let fact = Fact::Team {
            dossier: dossier.to_string(),
            member: staff.to_string(),
            present: false,
        };
        let mut batch = Batch::new();
        batch.put(layout::team(dossier, staff), encode(&team)?);
        self.vault.commit_audited(
            self.draft(ACTION)
                .dossier(dossier)
                .target(staff)
                .fact(fact.to_json()?, self.fact_signer()),
            batch,
        )?;
        Ok(())
    }

    /// Whether this member may change the care team of `dossier` (a manager
    /// of care teams, or its creator): what the pages offer. Decides nothing
    /// and records nothing; adding and removing check again.
    pub fn may_change_team(&mut self, dossier: &str) -> Result<bool> {
        let _turn = self.ensure_current()?;
        let rec = self.load_dossier(dossier)?;
        Ok(self
            .vault
            .policy
            .has(&self.me.profession, Capability::ManageTeam)
            || rec.created_by == self.me.id)
    }

    /// One dossier as the dossier list shows it: its name and birth date
    /// when this member is in its team and may read identity, else its
    /// number alone. Audited as a list of one (`dossier.list`).
    pub fn dossier_summary(&mut self, dossier: &str) -> Result<DossierSummary> {
        let _turn = self.ensure_current()?;
        self.load_dossier(dossier)?;
        self.summaries(&[dossier.to_string()], "dossier.list")?
            .pop()
            .ok_or_else(|| Error::NotFound(msg!("dossier-erased", id = dossier)))
    }

    /// The staff ids in the care team of `dossier`, for its members and for
    /// those who manage care teams (capability `manage-team`). Errors:
    /// [`Error::Refused`] (exit 3, audited as `team.list`) for anyone else:
    /// who follows a person is itself something about that person.
    pub fn team(&mut self, dossier: &str) -> Result<Vec<String>> {
        const ACTION: &str = "team.list";
        let _turn = self.ensure_current()?;
        self.load_dossier(dossier)?;
        let me = self.me.id.clone();
        if !self
            .vault
            .policy
            .has(&self.me.profession, Capability::ManageTeam)
            && !self.in_team(dossier, &me)?
        {
            return self.refuse(
                ACTION,
                Some(dossier),
                msg!("you-care-team-dossier", dossier = dossier),
            );
        }
        let mut out = Vec::new();
        for (k, v) in self
            .vault
            .store
            .scan_prefix(&layout::team_prefix(dossier))?
        {
            let t: TeamRecord = decode(&v, "care team")?;
            if t.until.is_none_or(|u| u > now()) {
                out.push(layout::last_component(&k)?);
            }
        }
        // The signed register decides; a store that says otherwise was edited.
        let signed: Vec<String> = self.vault.with_register(|r| {
            Ok(r.dossiers
                .get(dossier)
                .map(|d| d.team.iter().cloned().collect())
                .unwrap_or_default())
        })?;
        out.sort();
        if out != signed {
            return Err(crate::vault::access::trust::forged(
                &format!("t/{dossier}/…"),
                "care-team membership",
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::{check_date, normalise_birthdate};

    #[test]
    fn dates() {
        assert!(check_date("2001-02-28").is_ok());
        assert!(check_date("2000-02-29").is_ok());
        assert!(check_date("1900-02-29").is_err());
        assert!(check_date("2001-13-01").is_err());
        assert!(check_date("2001-1-01").is_err());
        assert!(check_date("01-01-2001").is_err());
        assert!(check_date("2001-04-31").is_err());
        assert!(check_date("").is_err());
        assert_eq!(normalise_birthdate("14/05/2012").unwrap(), "2012-05-14");
        assert_eq!(normalise_birthdate("2012-05-14").unwrap(), "2012-05-14");
        assert_eq!(
            normalise_birthdate("14/05/12").unwrap_err().kind(),
            "date-two-digit-year"
        );
        assert_eq!(
            normalise_birthdate("14/05/1850").unwrap_err().kind(),
            "birth-date-must-real-date-written"
        );
    }
}
