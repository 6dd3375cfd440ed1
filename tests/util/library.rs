//! A vault built through the library rather than the command, for the tests that
//! exercise the library directly (durability, bulk reads).

use std::path::Path;

use coffre::crypto::kdf::KdfParams;
use coffre::crypto::wrap::Identity;
use coffre::{InitOptions, NewStaff, Vault};
use secrecy::{ExposeSecret, SecretString};

/// A new vault in `dir` (fast test key derivation) with the director `dir` and
/// the `members` given as (id, profession), every passphrase `pass`, every key
/// granted through the recovery key (which is then forgotten).
pub fn library_vault(dir: &Path, pass: &str, members: &[(&str, &str)]) -> Vault {
    let pass = SecretString::from(pass);
    let recovery = Identity::generate();
    let copy = Identity::parse(recovery.to_secret_string().expose_secret()).expect("identity");
    let (v, _) = Vault::init(
        dir,
        InitOptions {
            establishment: "Library".into(),
            admin_id: "dir".into(),
            admin_name: "Director".into(),
            admin_profession: "directeur".into(),
            admin_passphrase: pass.clone(),
            kdf: KdfParams::INSECURE_FAST,
            policy: None,
            recovery: Some(copy),
        },
    )
    .expect("init");
    {
        let mut s = v.unlock("dir", &pass).expect("unlock the director");
        for (id, profession) in members {
            s.add_staff(
                &NewStaff {
                    id,
                    name: id,
                    profession,
                    passphrase: &pass,
                },
                Some(&recovery),
            )
            .expect("add a member");
        }
    }
    v
}
