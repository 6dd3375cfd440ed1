//! `Identity::from_file_text` on arbitrary text (an `age` key file given with
//! `--recovery-key`). A parsed identity must give back a recipient and the same
//! identity from its own text form.
#![no_main]

use coffre::crypto::wrap::Identity;
use libfuzzer_sys::fuzz_target;
use secrecy::ExposeSecret;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = Identity::from_file_text(text) {
        let recipient = id.recipient();
        assert!(recipient.starts_with("age1"));
        let again = Identity::parse(id.to_secret_string().expose_secret())
            .expect("an identity's own text form parses");
        assert_eq!(again.recipient(), recipient);
    }
});
