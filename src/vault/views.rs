//! What the vault hands back to callers: plain data views, serialisable for
//! `--json`. Plaintext values are zeroized when a view is dropped and never shown by
//! `Debug`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

/// A decrypted field value.
#[derive(Clone, Serialize)]
pub struct FieldValue {
    /// The plaintext.
    pub value: String,
    /// Its category.
    pub category: String,
    /// The version in which it was last written.
    pub version: u32,
    /// Who wrote that version.
    pub author: String,
}

impl Drop for FieldValue {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

impl std::fmt::Debug for FieldValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldValue")
            .field("category", &self.category)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// Why a field is not shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WithheldReason {
    /// The actor's profession may not read this category.
    NotPermitted,
    /// Author-only category written by someone else.
    AuthorOnly,
    /// Entitled, but the category key has not been granted yet.
    Pending,
    /// Break-the-glass never opens this category.
    NotUnderBreakGlass,
    /// The person objects to this category being shared with this profession.
    Objection,
    /// Withheld from the person's own access, for the legal reason in the policy.
    WithheldFromPerson,
}

impl WithheldReason {
    /// Why the field is not shown, as a message of the catalog.
    pub fn msg(self) -> crate::error::Msg {
        match self {
            WithheldReason::NotPermitted => msg!("withheld-not-permitted"),
            WithheldReason::AuthorOnly => msg!("withheld-author-only"),
            WithheldReason::Pending => msg!("withheld-pending"),
            WithheldReason::NotUnderBreakGlass => msg!("withheld-not-under-break-glass"),
            WithheldReason::Objection => msg!("withheld-objection"),
            WithheldReason::WithheldFromPerson => msg!("withheld-from-person"),
        }
    }

    /// Short explanation for people.
    pub fn explain(self) -> &'static str {
        match self {
            WithheldReason::NotPermitted => "not permitted for your profession",
            WithheldReason::AuthorOnly => "readable by its author only",
            WithheldReason::Pending => "access pending: key not granted yet",
            WithheldReason::NotUnderBreakGlass => "never opened by break-the-glass",
            WithheldReason::Objection => "the person objects to sharing it with your profession",
            WithheldReason::WithheldFromPerson => {
                "withheld from the person's own access (see the legal reason)"
            }
        }
    }
}

/// A field that exists but is not shown.
#[derive(Clone, Debug, Serialize)]
pub struct Withheld {
    /// Field name.
    pub field: String,
    /// Its category.
    pub category: String,
    /// Why.
    pub reason: WithheldReason,
}

/// One entry as the actor may see it (latest version of each field).
#[derive(Clone, Debug, Serialize)]
pub struct EntryView {
    /// Entry id.
    pub id: String,
    /// Dossier id.
    pub dossier: String,
    /// Kind.
    pub kind: String,
    /// First author's staff id.
    pub author: String,
    /// Latest version number.
    pub version: u32,
    /// Creation time (RFC 3339).
    pub created: String,
    /// Visible fields by name.
    pub fields: BTreeMap<String, FieldValue>,
    /// Fields not shown, with their category.
    pub withheld: Vec<Withheld>,
}

/// One version of an entry: the fields written in that version.
#[derive(Clone, Debug, Serialize)]
pub struct VersionView {
    /// Version number (1 = creation).
    pub version: u32,
    /// Who wrote it.
    pub author: String,
    /// When (RFC 3339).
    pub time: String,
    /// Fields written in this version that the actor may read.
    pub fields: BTreeMap<String, FieldValue>,
    /// Fields written in this version that stay withheld.
    pub withheld: Vec<Withheld>,
}

/// A dossier as the actor may see it.
#[derive(Clone, Serialize)]
pub struct DossierView {
    /// Dossier id.
    pub id: String,
    /// The person's name, if `identity` is readable.
    pub name: Option<String>,
    /// Birth date, if `identity` is readable.
    pub birthdate: Option<String>,
    /// The rest of the identity (sex, address, admission, unit), same
    /// condition; each part empty when not given.
    pub details: Option<DossierDetails>,
    /// Whether this read was a break-the-glass access.
    pub break_glass: bool,
    /// Entries, oldest first.
    pub entries: Vec<EntryView>,
    /// Entries that failed their integrity check (altered or damaged on disk).
    pub damaged: Vec<String>,
}

impl Drop for DossierView {
    fn drop(&mut self) {
        if let Some(n) = self.name.as_mut() {
            n.zeroize();
        }
        if let Some(b) = self.birthdate.as_mut() {
            b.zeroize();
        }
    }
}

/// The parts of a dossier's identity beside the name and birth date, sealed
/// with them in its header (category `identity`); each may be empty (not
/// given, or a dossier created before they existed).
#[derive(Clone, Default, Serialize, Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct DossierDetails {
    /// `f` (female), `m` (male), `x` (another, or not said); empty: not given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sex: String,
    /// Postal address, as written.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub address: String,
    /// Admission date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub admitted: String,
    /// Unit or group of the establishment, as written.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
}

impl DossierDetails {
    /// The details given, as a page or a copy shows them: (label, value) in
    /// `l`, the sex in words, the admission date as written in the language
    /// (`14/05/2012`), the unit and address as typed; the parts not given
    /// are left out.
    pub fn lines(&self, l: crate::i18n::Lang) -> Vec<(String, String)> {
        let t = |id: &str| crate::i18n::text(l, id);
        let mut out = Vec::new();
        let sex = match self.sex.as_str() {
            "f" => Some("details-sex-f"),
            "m" => Some("details-sex-m"),
            "x" => Some("details-sex-x"),
            _ => None,
        };
        if let Some(sex) = sex {
            out.push((t("details-sex"), t(sex)));
        }
        if !self.admitted.is_empty() {
            out.push((
                t("details-admitted"),
                crate::i18n::civil_date(l, &self.admitted),
            ));
        }
        if !self.unit.is_empty() {
            out.push((t("details-unit"), self.unit.clone()));
        }
        if !self.address.is_empty() {
            out.push((t("details-address"), self.address.clone()));
        }
        out
    }

    /// Whether nothing was given.
    pub fn is_empty(&self) -> bool {
        self.sex.is_empty()
            && self.address.is_empty()
            && self.admitted.is_empty()
            && self.unit.is_empty()
    }
}

impl std::fmt::Debug for DossierView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DossierView")
            .field("id", &self.id)
            .field("entries", &self.entries)
            .finish_non_exhaustive()
    }
}

/// A dossier the member opened or wrote in lately ([`Session::recent_dossiers`]).
///
/// [`Session::recent_dossiers`]: crate::Session::recent_dossiers
#[derive(Clone, Debug, Serialize)]
pub struct RecentDossier {
    /// Dossier id.
    pub id: String,
    /// When the member last read or wrote in it (RFC 3339, UTC).
    pub time: String,
}

/// A line of `dossier list` / `dossier find`.
#[derive(Clone, Serialize)]
pub struct DossierSummary {
    /// Dossier id.
    pub id: String,
    /// Name, when the actor is in the care team and may read identity.
    pub name: Option<String>,
    /// Birth date, same condition.
    pub birthdate: Option<String>,
    /// Whether the actor is in the care team.
    pub in_team: bool,
}

impl Drop for DossierSummary {
    fn drop(&mut self) {
        if let Some(n) = self.name.as_mut() {
            n.zeroize();
        }
    }
}

impl std::fmt::Debug for DossierSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DossierSummary")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A line of `staff list`.
#[derive(Clone, Debug, Serialize)]
pub struct StaffInfo {
    /// Login id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Profession.
    pub profession: String,
    /// `active` or `revoked`.
    pub status: String,
    /// Keys the member is entitled to but has not been granted yet.
    pub pending: Vec<String>,
}

/// One category in `policy explain`.
#[derive(Clone, Debug, Serialize)]
pub struct CategoryAccess {
    /// Category.
    pub category: String,
    /// What the policy says: `write`, `read`, `author-only` or `none`.
    pub policy: String,
    /// Key state: `held`, `pending`, `per-author` or `not-entitled`.
    pub key: String,
    /// Whether the user can read this category in this dossier now.
    pub can_read_now: bool,
}

/// The answer to `policy explain`.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    /// Staff id explained.
    pub user: String,
    /// Their profession.
    pub profession: String,
    /// Dossier.
    pub dossier: String,
    /// Whether they are in its care team.
    pub in_team: bool,
    /// Whether their profession may break the glass.
    pub may_break_glass: bool,
    /// Per category.
    pub categories: Vec<CategoryAccess>,
}

/// What `init` returns besides the open vault.
#[derive(Debug)]
pub struct InitReport {
    /// The vault id.
    pub vault_id: String,
    /// The recovery identity (only shown once; the caller must store it safely).
    pub recovery: crate::crypto::wrap::Identity,
    /// The vault's genesis hash (64 hex): the leaf hash of its first audit
    /// entry, which names it in every checkpoint. Keep it with the recovery key:
    /// a log rebuilt from scratch has another.
    pub genesis: String,
}

/// An audit entry as shown to an audit reader (justification decrypted).
#[derive(Clone, Debug, Serialize)]
pub struct AuditRecord {
    /// The entry as stored.
    #[serde(flatten)]
    pub entry: crate::audit::AuditEntry,
    /// The decrypted justification, when there is one.
    pub justification_text: Option<String>,
}
