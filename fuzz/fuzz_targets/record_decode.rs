//! `store::records::decode` (postcard) on arbitrary bytes for the records read
//! before or while unlocking: errors are fine, panics and huge allocations are
//! not. A decoded record must encode and decode back to the same value.
#![no_main]

use coffre::store::records::{
    decode, encode, DataKeyRecord, StaffRecord, VaultMeta, VersionRecord,
};
use libfuzzer_sys::fuzz_target;

fn round_trip<T>(data: &[u8], what: &str)
where
    T: serde::Serialize + serde::de::DeserializeOwned + std::fmt::Debug,
{
    if let Ok(v) = decode::<T>(data, what) {
        let bytes = encode(&v).expect("a decoded record encodes");
        let back: T = decode(&bytes, what).expect("an encoded record decodes");
        assert_eq!(format!("{back:?}"), format!("{v:?}"), "{what} round trip");
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<StaffRecord>(data, "staff");
    round_trip::<VersionRecord>(data, "version");
    round_trip::<DataKeyRecord>(data, "data key");
    round_trip::<VaultMeta>(data, "vault settings");
});
