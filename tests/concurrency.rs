//! Several threads reading and writing through one open vault: every write lands,
//! every read sees whole values, and the audit log verifies with one entry per
//! operation.

use coffre::crypto::kdf::KdfParams;
use coffre::crypto::wrap::Identity;
use coffre::{FieldInput, InitOptions, NewStaff, Vault};
use secrecy::SecretString;

#[test]
fn threads_share_one_vault_safely() {
    let tmp = tempfile::tempdir().unwrap();
    let pass = SecretString::from("concurrency-pass");
    let recovery = Identity::generate();
    let rtext = recovery.to_secret_string();
    let (vault, _) = Vault::init(
        &tmp.path().join("v"),
        InitOptions {
            establishment: "E".into(),
            admin_id: "dir".into(),
            admin_name: "D".into(),
            admin_profession: "directeur".into(),
            admin_passphrase: pass.clone(),
            kdf: KdfParams::INSECURE_FAST,
            policy: None,
            recovery: Some(recovery),
        },
    )
    .unwrap();
    let recovery = Identity::parse(secrecy::ExposeSecret::expose_secret(&rtext)).unwrap();
    let writers = ["w0", "w1", "w2", "w3"];
    let dossier = {
        let mut d = vault.unlock("dir", &pass).unwrap();
        for w in writers {
            d.add_staff(
                &NewStaff {
                    id: w,
                    name: w,
                    profession: "educateur-specialise",
                    passphrase: &pass,
                },
                Some(&recovery),
            )
            .unwrap();
        }
        let id = d.create_dossier("Shared Person", "2000-01-01").unwrap();
        for w in writers {
            d.add_team_member(&id, w).unwrap();
        }
        id
    };
    const PER_THREAD: usize = 15;
    let before = vault.verify_audit(None).unwrap().entries;
    let written: Vec<Vec<(String, String)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = writers
            .iter()
            .map(|w| {
                let vault = &vault;
                let pass = &pass;
                let dossier = &dossier;
                scope.spawn(move || {
                    let mut s = vault.unlock(w, pass).unwrap();
                    let mut mine = Vec::new();
                    for i in 0..PER_THREAD {
                        let value = format!("{w}-note-{i}-{}", "x".repeat(i * 10));
                        let id = s
                            .add_entry(dossier, "daily-life", &[FieldInput::new("text", &value)])
                            .unwrap();
                        mine.push((id, value));
                        // Interleave reads of the whole dossier.
                        if i % 5 == 0 {
                            let view = s.show_dossier(dossier, None).unwrap();
                            for e in &view.entries {
                                let v = &e.fields["text"].value;
                                assert!(v.contains("-note-"), "a whole value, never a torn one");
                            }
                        }
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut s = vault.unlock("w0", &pass).unwrap();
    let view = s.show_dossier(&dossier, None).unwrap();
    assert_eq!(view.entries.len(), writers.len() * PER_THREAD);
    for (id, value) in written.iter().flatten() {
        let e = s.show_entry(id, None).unwrap();
        assert_eq!(&e.fields["text"].value, value);
    }
    drop(s);
    let summary = vault.verify_audit(None).unwrap();
    // Each add and each read is one audit entry (plus key grants at unlock, if any).
    let reads = writers.len() * PER_THREAD.div_ceil(5);
    assert!(summary.entries >= before + (writers.len() * PER_THREAD + reads) as u64);
}
