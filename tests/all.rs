//! Coffre's integration tests, one binary: each file of `tests/` is a module
//! of it (linking the library once instead of once per file), except
//! `postgres.rs`, a binary of its own because its crash test restarts the
//! throw-away server the other files' PostgreSQL tests share. Run one file's
//! tests with `./test --test all FILE::` (e.g. `./test --test all web_browser::`).

mod util;

mod attack_review;
mod audit_access_chain;
mod audit_actor_chain;
mod audit_conformance;
mod audit_format_doc;
mod audit_key_rotation;
mod audit_prune;
mod audit_prune_interrupted;
mod audit_verify_one_pass;
mod bulk_read;
mod c2sp_interop;
mod cli_audit;
mod cli_backup;
mod cli_clock;
mod cli_documents;
mod cli_dossier_identity;
mod cli_errors;
mod cli_explain;
mod cli_hostile;
mod cli_i18n_story;
mod cli_import;
mod cli_import_resume;
mod cli_input;
mod cli_lifecycle;
mod cli_name_search;
mod cli_no_plaintext;
mod cli_person_rights;
mod cli_restore_audit;
mod cli_second_factor;
mod cli_storage_faults;
mod cli_story;
mod cli_tamper;
mod cli_team;
mod concurrency;
mod crash;
mod crypto_enforcement;
mod disk_full;
mod document_memory;
mod dossier_chain_review;
mod durability_sync;
mod erasure;
mod file_modes;
mod i18n_catalog;
mod journal_replay;
mod ordinary_use;
mod output_outcome;
mod records_swapped;
mod review_attacks;
mod review_documents;
mod rights_forgery;
mod rotation_earlier_generations;
mod second_factor_review;
mod storage_damage;
mod tamper_campaign;
mod verify_readonly;
mod web_addresses;
mod web_browser;
mod web_daily;
mod web_dashboard;
mod web_documents;
mod web_passkey;
mod web_person_second_factor;
mod web_recent_attacks;
mod web_second_factor;
mod web_tasks;
mod words_everywhere;

/// Every file of `tests/` is compiled: declared above, or a binary of its own
/// in `Cargo.toml` (with `autotests = false` a file declared nowhere would
/// silently never run).
#[test]
fn every_test_file_is_declared() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let this = std::fs::read_to_string(dir.join("tests/all.rs")).expect("tests/all.rs");
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml");
    let mut missing = Vec::new();
    for e in std::fs::read_dir(dir.join("tests")).expect("tests/") {
        let name = e
            .expect("tests/ entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let Some(stem) = name.strip_suffix(".rs") else {
            continue;
        };
        if stem == "all" {
            continue;
        }
        let declared = this.lines().any(|l| l == format!("mod {stem};"));
        let own_binary = manifest.contains(&format!("path = \"tests/{name}\""));
        if !declared && !own_binary {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "test files that would never run: {missing:?}"
    );
}
