//! Policy decisions: who may read or write a category, who holds which vault key,
//! who may do which administrative act. Pure functions of the policy, so they are
//! easy to test exhaustively.

use serde::Serialize;

use super::Policy;

/// Administrative capabilities a profession may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Add staff members.
    ManageStaff,
    /// Create dossiers.
    CreateDossier,
    /// Add staff to any care team (the dossier's creator may always).
    ManageTeam,
    /// Read the full audit log (never record contents).
    ReadAudit,
    /// Read aggregate audit reports only.
    AuditReports,
    /// Open a dossier outside one's care team in an emergency, with a justification.
    BreakGlass,
    /// Handle the person's rights: export, self-service credential, objections.
    PersonAccess,
    /// Erase dossiers (crypto-shredding) and apply retention.
    Erase,
    /// Prune the access trail older than its retention (`audit prune`).
    PruneAudit,
}

impl Capability {
    const ALL: [(Capability, &'static str); 9] = [
        (Capability::ManageStaff, "manage-staff"),
        (Capability::CreateDossier, "create-dossier"),
        (Capability::ManageTeam, "manage-team"),
        (Capability::ReadAudit, "read-audit"),
        (Capability::AuditReports, "audit-reports"),
        (Capability::BreakGlass, "break-glass"),
        (Capability::PersonAccess, "person-access"),
        (Capability::Erase, "erase"),
        (Capability::PruneAudit, "prune-audit"),
    ];

    /// Parses the policy-file spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, n)| *n == s).map(|(c, _)| *c)
    }

    /// The policy-file spelling.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(c, _)| *c == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }

    /// What it allows, as a verb phrase for messages ("may not …").
    pub fn what(self) -> &'static str {
        match self {
            Capability::ManageStaff => "manage staff",
            Capability::CreateDossier => "create dossiers",
            Capability::ManageTeam => "manage care teams",
            Capability::ReadAudit => "read the audit log",
            Capability::AuditReports => "read audit reports",
            Capability::BreakGlass => "break the glass",
            Capability::PersonAccess => "handle the person's rights",
            Capability::Erase => "erase dossiers",
            Capability::PruneAudit => "prune the access trail",
        }
    }

    /// What it allows, as a message of the catalog (a verb phrase: "gérer le
    /// personnel").
    pub fn msg(self) -> crate::error::Msg {
        match self {
            Capability::ManageStaff => msg!("capability-manage-staff"),
            Capability::CreateDossier => msg!("capability-create-dossier"),
            Capability::ManageTeam => msg!("capability-manage-team"),
            Capability::ReadAudit => msg!("capability-read-audit"),
            Capability::AuditReports => msg!("capability-audit-reports"),
            Capability::BreakGlass => msg!("capability-break-glass"),
            Capability::PersonAccess => msg!("capability-person-access"),
            Capability::Erase => msg!("capability-erase"),
            Capability::PruneAudit => msg!("capability-prune-audit"),
        }
    }

    /// All spellings, for error messages.
    pub fn names() -> String {
        Self::ALL
            .iter()
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A key held at vault level and wrapped with `age` to those entitled to it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum VaultKey {
    /// The key of a shared (not author-only) category.
    Category(String),
    /// Seals staff names and the establishment name; every active member holds it.
    Directory,
    /// Keys the blind name index; held by those who may read `identity`.
    Index,
    /// The `age` identity that opens audit justifications; held by audit readers.
    Audit,
}

impl VaultKey {
    /// Stable name used in the store (`cat:medical`, `directory`, `index`, `audit`).
    pub fn name(&self) -> String {
        match self {
            VaultKey::Category(c) => format!("cat:{c}"),
            VaultKey::Directory => "directory".into(),
            VaultKey::Index => "index".into(),
            VaultKey::Audit => "audit".into(),
        }
    }
}

/// A key named as the vault stores it (`cat:medical`, `directory`, `index`,
/// `audit`), possibly followed by ` (to approve)` as in the pending keys of
/// [`crate::vault::views::StaffInfo`], as a message: the category's label
/// once the front-end gave the policy's labels (`i18n::set_labels`).
pub fn key_msg(name: &str) -> crate::error::Msg {
    if let Some(key) = name.strip_suffix(" (to approve)") {
        return msg!("key-name-to-approve", key = key_msg(key));
    }
    match name {
        "directory" => msg!("key-name-directory"),
        "index" => msg!("key-name-index"),
        "audit" => msg!("key-name-audit"),
        other => match other.strip_prefix("cat:") {
            Some(c) => msg!("key-name-category", category = c),
            None => msg!("action-other", id = other),
        },
    }
}

/// Keys named as the vault stores them, in words, in `lang`, separated by
/// commas (see [`key_msg`]).
pub fn keys_in_words(names: &[String], lang: crate::i18n::Lang) -> String {
    names
        .iter()
        .map(|n| crate::i18n::render(&key_msg(n), lang))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Categories named by their policy ids (`daily-life`, as
/// `Session::grant_person_access` returns those still missing), in words, in
/// `lang`: their labels once the front-end gave the policy's labels
/// (`i18n::set_labels`), separated by commas.
pub fn categories_in_words(categories: &[String], lang: crate::i18n::Lang) -> String {
    let keys: Vec<String> = categories.iter().map(|c| format!("cat:{c}")).collect();
    keys_in_words(&keys, lang)
}

impl Policy {
    /// Whether `profession` exists.
    pub fn has_profession(&self, profession: &str) -> bool {
        self.professions.contains_key(profession)
    }

    /// Whether `profession` may read `category`. For an author-only category this
    /// means "may read back what they wrote themselves".
    pub fn can_read(&self, profession: &str, category: &str) -> bool {
        let Some(p) = self.professions.get(profession) else {
            return false;
        };
        match self.categories.get(category) {
            Some(c) if c.author_only => p.write.contains(category),
            Some(_) => p.read.contains(category),
            None => false,
        }
    }

    /// Whether `profession` may write `category`.
    pub fn can_write(&self, profession: &str, category: &str) -> bool {
        self.professions
            .get(profession)
            .is_some_and(|p| p.write.contains(category))
    }

    /// Whether `profession` has `cap`.
    pub fn has(&self, profession: &str, cap: Capability) -> bool {
        self.professions
            .get(profession)
            .is_some_and(|p| p.can.contains(&cap))
    }

    /// Whether `category` is author-only.
    pub fn is_author_only(&self, category: &str) -> bool {
        self.categories.get(category).is_some_and(|c| c.author_only)
    }

    /// Why `category` is never shown to the person supported (their own access,
    /// their export), or `None` when it may be. Author-only categories are always
    /// withheld, whatever the policy text says: their keys are never wrapped to
    /// the person. A category the policy does not define is withheld too.
    pub fn withheld_from_person(&self, category: &str) -> Option<&str> {
        match self.categories.get(category) {
            None => Some(super::UNKNOWN_CATEGORY_REASON),
            Some(c) => match (&c.withheld, c.author_only) {
                (Some(r), _) => Some(r.as_str()),
                (None, true) => Some(super::AUTHOR_ONLY_REASON),
                (None, false) => None,
            },
        }
    }

    /// Whether break-glass may open `category`.
    pub fn break_glass_opens(&self, category: &str) -> bool {
        self.categories
            .get(category)
            .is_some_and(|c| c.break_glass && !c.author_only)
    }

    /// Every vault-level key this policy calls for.
    pub fn vault_keys(&self) -> Vec<VaultKey> {
        let mut keys: Vec<VaultKey> = self
            .categories
            .iter()
            .filter(|(_, c)| !c.author_only)
            .map(|(id, _)| VaultKey::Category(id.clone()))
            .collect();
        keys.extend([VaultKey::Directory, VaultKey::Index, VaultKey::Audit]);
        keys
    }

    /// Whether a member of `profession` is entitled to hold `key`.
    /// Whether `key` is granted only after an explicit approval (the category's
    /// `approval = true`): a manager who creates an account gets nothing
    /// restricted from it.
    pub fn needs_approval(&self, key: &VaultKey) -> bool {
        match key {
            VaultKey::Category(c) => self.categories.get(c).is_some_and(|c| c.approval),
            _ => false,
        }
    }

    /// Whether `profession` is entitled to hold `key`.
    pub fn entitled(&self, profession: &str, key: &VaultKey) -> bool {
        match key {
            VaultKey::Category(c) => self.can_read(profession, c),
            VaultKey::Directory => self.has_profession(profession),
            VaultKey::Index => self.can_read(profession, "identity"),
            VaultKey::Audit => self.has(profession, Capability::ReadAudit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{parse, DEFAULT_POLICY};
    use proptest::prelude::*;

    fn default() -> Policy {
        parse(DEFAULT_POLICY, "default.toml").unwrap()
    }

    /// The matrix of the domain background, cell by cell: W, R or -.
    const MATRIX: &[(&str, [&str; 11])] = &[
        (
            "medecin",
            ["R", "R", "R", "R", "W", "W", "W", "R", "-", "R", "-"],
        ),
        (
            "infirmier",
            ["R", "-", "R", "W", "W", "W", "R", "R", "-", "-", "-"],
        ),
        (
            "aide-soignant",
            ["R", "-", "R", "W", "W", "R", "-", "-", "-", "-", "-"],
        ),
        (
            "psychologue",
            ["R", "R", "R", "R", "-", "R", "-", "W", "W", "R", "-"],
        ),
        (
            "assistant-social",
            ["W", "W", "R", "R", "-", "R", "-", "R", "-", "W", "W"],
        ),
        (
            "educateur-specialise",
            ["R", "R", "W", "W", "-", "R", "-", "R", "-", "R", "-"],
        ),
        (
            "ergotherapeute",
            ["R", "-", "R", "R", "W", "R", "-", "R", "-", "-", "-"],
        ),
        (
            "orthophoniste",
            ["R", "-", "R", "R", "W", "R", "-", "R", "-", "-", "-"],
        ),
        (
            "cadre-socio-educatif",
            ["W", "R", "W", "R", "-", "R", "-", "R", "-", "W", "R"],
        ),
        (
            "directeur",
            ["W", "-", "-", "-", "-", "R", "-", "-", "-", "R", "W"],
        ),
        (
            "administratif",
            ["W", "-", "-", "-", "-", "-", "-", "-", "-", "-", "W"],
        ),
        (
            "dpo",
            ["-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"],
        ),
    ];
    const COLS: [&str; 11] = [
        "identity",
        "social",
        "educational",
        "daily-life",
        "care",
        "care-alerts",
        "medical",
        "psy-synthesis",
        "psy-notes",
        "justice",
        "financial",
    ];

    #[test]
    fn default_policy_implements_the_domain_matrix() {
        let p = default();
        assert_eq!(p.professions.len(), MATRIX.len());
        for (prof, row) in MATRIX {
            for (cat, cell) in COLS.iter().zip(row.iter()) {
                let (r, w) = (p.can_read(prof, cat), p.can_write(prof, cat));
                let got = match (r, w) {
                    (_, true) => "W",
                    (true, false) => "R",
                    (false, false) => "-",
                };
                assert_eq!(got, *cell, "{prof} on {cat}");
            }
            // third-party: every profession writes, only the author reads back.
            let writes_tp = p.can_write(prof, "third-party");
            assert_eq!(writes_tp, *prof != "dpo", "{prof} on third-party");
        }
    }

    #[test]
    fn default_policy_capabilities() {
        let p = default();
        let with = |cap| -> Vec<&str> {
            p.professions
                .iter()
                .filter(|(_, v)| v.can.contains(&cap))
                .map(|(k, _)| k.as_str())
                .collect()
        };
        assert_eq!(
            with(Capability::ManageStaff),
            vec!["cadre-socio-educatif", "directeur"]
        );
        assert_eq!(
            with(Capability::CreateDossier),
            vec![
                "administratif",
                "assistant-social",
                "cadre-socio-educatif",
                "directeur"
            ]
        );
        assert_eq!(with(Capability::ReadAudit), vec!["dpo"]);
        assert_eq!(with(Capability::AuditReports), vec!["directeur", "dpo"]);
        assert_eq!(
            with(Capability::BreakGlass),
            vec!["cadre-socio-educatif", "directeur", "infirmier", "medecin"]
        );
        assert!(!p.break_glass_opens("psy-notes"));
        assert!(!p.break_glass_opens("third-party"));
        assert!(p.break_glass_opens("medical"));
        assert!(p.categories["third-party"].withheld.is_some());
        assert!(p.is_author_only("psy-notes") && p.is_author_only("third-party"));
    }

    #[test]
    fn default_kinds_cover_every_category_and_admission() {
        let p = default();
        for cat in p.categories.keys() {
            let k = &p.kinds[cat];
            assert_eq!(k.fields.len(), 1);
            assert_eq!(k.fields["text"], *cat);
        }
        let a = &p.kinds["admission"].fields;
        assert_eq!(a["reason"], "social");
        assert_eq!(a["medical_context"], "medical");
        assert_eq!(a["alerts"], "care-alerts");
        assert_eq!(a["contacts"], "identity");
    }

    #[test]
    fn dpo_holds_no_content_key() {
        let p = default();
        for key in p.vault_keys() {
            let entitled = p.entitled("dpo", &key);
            match key {
                VaultKey::Category(_) | VaultKey::Index => assert!(!entitled, "{key:?}"),
                VaultKey::Directory | VaultKey::Audit => assert!(entitled),
            }
        }
        assert!(!p.entitled("directeur", &VaultKey::Category("medical".into())));
        assert!(!p.entitled("directeur", &VaultKey::Audit));
    }

    proptest! {
        /// For any profession and category: write implies read for shared categories,
        /// key entitlement equals read permission, and unknown names grant nothing.
        #[test]
        fn prop_decisions_are_coherent(pi in 0usize..12, ci in 0usize..12, junk in "[a-z]{1,8}") {
            let p = default();
            let prof = p.professions.keys().nth(pi).unwrap().clone();
            let cat = p.categories.keys().nth(ci).unwrap().clone();
            if p.can_write(&prof, &cat) && !p.is_author_only(&cat) {
                prop_assert!(p.can_read(&prof, &cat));
            }
            if !p.is_author_only(&cat) {
                prop_assert_eq!(p.entitled(&prof, &VaultKey::Category(cat.clone())), p.can_read(&prof, &cat));
            }
            let unknown = format!("zz-{junk}");
            prop_assert!(!p.can_read(&unknown, &cat));
            prop_assert!(!p.can_write(&prof, &unknown));
            prop_assert!(!p.can_read(&prof, &unknown));
        }
    }
}
