//! The pages: askama templates (`serve/pages/*.html`, HTML-escaped by default,
//! no inline script or style) and the plain data they show. Every word comes
//! from the message catalog: `l.t("id")` in a template, `tr!` here.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use coffre::i18n::Lang;
use zeroize::Zeroize;

/// The catalog in the pages' language.
#[derive(Clone, Copy)]
pub struct L(pub Lang);

impl L {
    /// The message `id` (no argument) of the catalog.
    pub fn t(&self, id: &str) -> String {
        coffre::i18n::text(self.0, id)
    }
    /// The language code for `<html lang>`.
    pub fn code(&self) -> &'static str {
        self.0.code()
    }
}

/// The header of a logged-in page.
pub struct Nav {
    /// Who is logged in, as shown (staff id, or the dossier id for the person).
    pub user: String,
    /// Their profession's label.
    pub role: String,
    /// The CSRF token of this session's forms.
    pub csrf: String,
    /// A staff member (the dossier list), not the person.
    pub staff: bool,
    /// Their profession reads the audit log or its reports (the DPO's
    /// workspace is offered to them only).
    pub audit: bool,
    /// Their profession creates dossiers (the link to the form is shown).
    pub create: bool,
}

/// Renders a page (a template that fails to render is a server error, told
/// without detail).
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(_) => (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "template error\n",
        )
            .into_response(),
    }
}

/// A field shown with its value.
#[derive(Clone)]
pub struct FieldCard {
    pub name: String,
    pub label: String,
    pub category: String,
    pub category_label: String,
    pub value: String,
}

impl Drop for FieldCard {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

/// A field withheld from the reader, with the reason.
pub struct WithheldCard {
    /// The reason's machine id (`not-permitted`, `author-only`…).
    pub code: String,
    pub name: String,
    pub label: String,
    pub category: String,
    pub category_label: String,
    pub reason: String,
}

/// One entry of a dossier.
pub struct EntryCard {
    pub id: String,
    pub kind_label: String,
    pub created: String,
    pub author: String,
    pub version: u32,
    pub fields: Vec<FieldCard>,
    pub withheld: Vec<WithheldCard>,
    pub amendable: bool,
}

/// The pages of a dossier's notes, newest first.
pub struct Pager {
    /// "Notes 1 to 50 of 2,000" (empty when none is shown).
    pub summary: String,
    /// The page of newer notes, if any.
    pub newer: Option<String>,
    /// The page of older notes, if any.
    pub older: Option<String>,
    /// The filters in force (ids; empty: all).
    pub kind: String,
    pub author: String,
    pub filtered: bool,
}

/// A field of a pinned category (an allergy, a care protocol), shown at the
/// top of the dossier with the note it comes from.
pub struct AlertCard {
    /// The field, as in its note.
    pub field: FieldCard,
    /// The note's id (its anchor on the page).
    pub entry: String,
    pub kind_label: String,
    pub created: String,
    pub author: String,
}

/// One line of an access history.
pub struct HistoryRow {
    pub time: String,
    pub who: String,
    pub what: String,
    pub categories: String,
    pub justification: Option<String>,
    pub break_glass: bool,
}

/// A choice of a `<select>`.
pub struct Choice {
    pub id: String,
    pub label: String,
}

/// One input of a note form.
pub struct FieldBox {
    pub input: String,
    pub label: String,
    pub category: String,
    pub category_label: String,
    pub value: String,
}

impl Drop for FieldBox {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub csrf: String,
    pub person: bool,
    pub error: Option<String>,
    pub user: String,
}

pub struct DossierRow {
    pub id: String,
    pub who: String,
    pub in_team: bool,
}

impl Drop for DossierRow {
    fn drop(&mut self) {
        self.who.zeroize();
    }
}

#[derive(Template)]
#[template(path = "dossiers.html")]
pub struct DossiersPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub csrf: String,
    pub searched: bool,
    /// The words searched, kept in the box (never in an address).
    pub query: String,
    pub rows: Vec<DossierRow>,
    /// The dossiers the member opened or wrote in lately (the home page
    /// only), newest first, with when.
    pub recent: Vec<(DossierRow, String)>,
    /// The keys this member waits for, each in a sentence naming who holds
    /// it (the home page only).
    pub my_pending: Vec<String>,
    /// Colleagues waiting for keys this member holds (the home page only).
    pub waiting: Vec<WaitingRow>,
    /// Whether one of them can receive keys now (one click).
    pub can_hand_over: bool,
    /// What was just done (keys handed over), if anything.
    pub notice: Option<String>,
}

/// A colleague waiting for keys, in words.
pub struct WaitingRow {
    /// "Inès Morel (i.morel)".
    pub who: String,
    /// The keys that can be handed over now, by their labels.
    pub ready: String,
    /// The restricted keys that need an approval first, by their labels.
    pub to_approve: String,
}

impl Drop for DossiersPage {
    fn drop(&mut self) {
        self.query.zeroize();
    }
}

/// The notes of the day in one dossier.
pub struct TransmissionGroup {
    pub id: String,
    pub who: String,
    /// The dossier's damaged entries named, in words (empty when none).
    pub damaged: String,
    pub entries: Vec<EntryCard>,
}

impl Drop for TransmissionGroup {
    fn drop(&mut self) {
        self.who.zeroize();
    }
}

#[derive(Template)]
#[template(path = "transmissions.html")]
pub struct TransmissionsPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub groups: Vec<TransmissionGroup>,
}

/// One document in a dossier's list.
pub struct DocumentCard {
    /// Where it downloads (ids only).
    pub href: String,
    pub title: String,
    /// Type, category, date, size, version, in words.
    pub meta: String,
}

impl Drop for DocumentCard {
    fn drop(&mut self) {
        self.title.zeroize();
    }
}

#[derive(Template)]
#[template(path = "dossier.html")]
pub struct DossierPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub id: String,
    pub who: String,
    /// The rest of the identity, each part labelled (empty parts left out).
    pub identity: Vec<(String, String)>,
    /// The readable fields of pinned categories (care alerts), newest first,
    /// shown above every note.
    pub alerts: Vec<AlertCard>,
    /// Which page of notes this is, and the links to the others.
    pub pager: Pager,
    /// The kinds of note the dossier holds, for the filter.
    pub kinds: Vec<Choice>,
    /// The authors of its notes, for the filter.
    pub authors: Vec<Choice>,
    pub break_glass: bool,
    pub break_glass_banner: String,
    pub entries: Vec<EntryCard>,
    pub damaged: String,
    /// The documents the member may open, newest version of each.
    pub documents: Vec<DocumentCard>,
    /// How many are not open to them, in words (empty: none).
    pub documents_withheld: String,
    /// The upload form: the policy's document types, and the categories the
    /// member may write (empty: no form).
    pub doc_types: Vec<Choice>,
    pub doc_categories: Vec<Choice>,
    pub csrf: String,
    pub can_write: bool,
    /// Whether the member may make the person's readable copy.
    pub can_copy: bool,
    /// The profession gives the person access (the link is shown).
    pub person_access: bool,
}

impl Drop for DossierPage {
    fn drop(&mut self) {
        self.who.zeroize();
    }
}

#[derive(Template)]
#[template(path = "note_form.html")]
pub struct NoteFormPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub csrf: String,
    pub title: String,
    pub dossier: String,
    pub action: String,
    pub amend: bool,
    pub kinds: Vec<Choice>,
    pub kind: String,
    pub kind_label: String,
    pub fields: Vec<FieldBox>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "break_glass.html")]
pub struct BreakGlassPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub csrf: String,
    pub dossier: String,
    /// Which file this is, as far as the member may know before opening it:
    /// its number, and the words of the search that found it.
    pub names: String,
    /// The words of that search, carried in the form (never in an address).
    pub query: String,
    pub lead: String,
    pub error: Option<String>,
}

impl Drop for BreakGlassPage {
    fn drop(&mut self) {
        self.names.zeroize();
        self.query.zeroize();
    }
}

pub struct ExplainRow {
    pub category: String,
    pub label: String,
    pub policy: String,
    pub key: String,
    pub now: bool,
}

#[derive(Template)]
#[template(path = "explain.html")]
pub struct ExplainPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub dossier: String,
    pub head: String,
    pub rows: Vec<ExplainRow>,
}

pub struct VersionCard {
    pub version: u32,
    pub head: String,
    pub fields: Vec<FieldCard>,
    pub withheld: Vec<WithheldCard>,
}

#[derive(Template)]
#[template(path = "versions.html")]
pub struct VersionsPage {
    pub l: L,
    pub nav: Option<Nav>,
    /// The note, named by who wrote it and when.
    pub entry: String,
    pub dossier: String,
    pub versions: Vec<VersionCard>,
}

#[derive(Template)]
#[template(path = "moi.html")]
pub struct MoiPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub csrf: String,
    pub who: String,
    /// The rest of the identity (sex, admission, unit, address), as given.
    pub identity: Vec<(String, String)>,
    pub entries: Vec<EntryCard>,
    /// The documents of their file they may open.
    pub documents: Vec<DocumentCard>,
    pub history: Vec<HistoryRow>,
    pub retention: String,
    pub categories: Vec<Choice>,
    pub professions: Vec<Choice>,
    pub notice: Option<String>,
    /// The pages of newer and older notes, and of newer and older lines of
    /// the history, if any.
    pub newer_notes: Option<String>,
    pub older_notes: Option<String>,
    pub newer_lines: Option<String>,
    pub older_lines: Option<String>,
}

impl Drop for MoiPage {
    fn drop(&mut self) {
        self.who.zeroize();
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub csrf: String,
    pub ok: bool,
    pub status: String,
    pub details: Vec<String>,
    /// The dashboard's pictures: SVG drawn and escaped by `coffre::web::charts`.
    pub charts: Vec<String>,
}

#[derive(Template)]
#[template(path = "history.html")]
pub struct HistoryPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub dossier: String,
    pub head: String,
    /// The lines of this page, newest first.
    pub rows: Vec<HistoryRow>,
    /// The filters in force, as typed or chosen (empty: all).
    pub du: String,
    pub au: String,
    pub profession: String,
    pub action: String,
    /// The professions and actions the history holds.
    pub professions: Vec<Choice>,
    pub actions: Vec<Choice>,
    pub filtered: bool,
    /// "Lines 1 to 50 of 120 (of 300 in all)" (empty when none is shown).
    pub summary: String,
    /// The newer and older pages, if any.
    pub newer: Option<String>,
    pub older: Option<String>,
    /// What was just done (a release), if anything.
    pub notice: Option<String>,
    /// Whether the member may release the justifications to the person.
    pub can_release: bool,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub title: String,
    pub message: String,
    pub link: Option<(String, String)>,
}

pub struct StaffRow {
    pub id: String,
    pub name: String,
    pub profession: String,
    pub profession_label: String,
    pub status: String,
    pub pending: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "staff.html")]
pub struct StaffPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub csrf: String,
    /// The member's profession manages staff: the forms that add, change
    /// and revoke members are shown.
    pub manage: bool,
    pub rows: Vec<StaffRow>,
    pub professions: Vec<Choice>,
    pub rotations: Vec<String>,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "team.html")]
pub struct TeamPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub csrf: String,
    pub dossier: String,
    /// The members, by name and profession (their login beside).
    pub members: Vec<Choice>,
    /// This member may change the team: the forms are shown.
    pub manage: bool,
    /// The active staff not in the team, by name, for the form adding one.
    pub candidates: Vec<Choice>,
    /// The profession gives the person access (the link is shown: a
    /// director reaches it here without being in the team).
    pub person_access: bool,
    pub notice: Option<String>,
}

/// The form creating a dossier; what was typed is kept on an error.
#[derive(Template)]
#[template(path = "dossier_new.html")]
pub struct NewDossierPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub csrf: String,
    pub name: String,
    pub birthdate: String,
    /// The rest of the identity as typed (zeroized when dropped).
    pub details: coffre::views::DossierDetails,
    /// The choices of sex: (value, label).
    pub sexes: Vec<Choice>,
    pub error: Option<String>,
}

impl Drop for NewDossierPage {
    fn drop(&mut self) {
        self.name.zeroize();
        self.birthdate.zeroize();
    }
}

/// The sheet handed to the person with their new credential: shown once,
/// never stored (every page is `Cache-Control: no-store`), the passphrase
/// zeroized with the page.
#[derive(Template)]
#[template(path = "person_sheet.html")]
pub struct PersonSheetPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub dossier: String,
    /// The person, by name and birth date (or the dossier's number).
    pub person: String,
    /// "Given by <establishment>, on <date>".
    pub from: String,
    /// The address of the person's login (`…/moi`).
    pub address: String,
    pub passphrase: String,
    /// The categories the person cannot read yet, in words (empty: none).
    pub pending: String,
}

impl Drop for PersonSheetPage {
    fn drop(&mut self) {
        self.passphrase.zeroize();
        self.person.zeroize();
    }
}

/// A confirmation asked before an action that cannot be undone: what will
/// happen, named, then one form that does it and a way back.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub l: L,
    pub nav: Option<Nav>,
    pub csrf: String,
    pub title: String,
    /// What will be done, to whom (one sentence).
    pub lead: String,
    /// What follows from it, one item each.
    pub consequences: Vec<String>,
    /// Where the confirming form posts.
    pub action: String,
    /// What the confirming form carries besides the token and the
    /// confirmation (name, value): what the action applies to, when its
    /// address does not say it.
    pub hidden: Vec<(String, String)>,
    pub confirm_label: String,
    pub cancel_href: String,
}
