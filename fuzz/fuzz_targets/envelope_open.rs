//! `envelope::open` with a fixed key and associated data on arbitrary bytes: it
//! must refuse (never panic) anything it did not seal, and sealing the input then
//! opening it must give the input back.
#![no_main]

use coffre::crypto::{envelope, Aad, Key32};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = Key32::from_slice(&[0x42; 32]).expect("32-byte key");
    let aad = Aad::new("coffre/fuzz/v1").with(b"vault").with(b"field");
    // Arbitrary bytes essentially never authenticate; if they did, it would be a
    // forgery.
    assert!(
        envelope::open(&key, &aad, data).is_err(),
        "arbitrary bytes opened under a fixed key"
    );
    let sealed = envelope::seal(&key, &aad, data).expect("seal");
    let opened = envelope::open(&key, &aad, &sealed).expect("own envelope opens");
    assert_eq!(&opened[..], data);
    let other = Aad::new("coffre/fuzz/v1").with(b"vault").with(b"other");
    assert!(
        envelope::open(&key, &other, &sealed).is_err(),
        "AAD not bound"
    );
});
