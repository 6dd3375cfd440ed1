//! `AuditEntry::from_line`, `quick_header` and `line::check` on arbitrary
//! bytes (a line of `audit.log`), and their agreement: the fast prefix reader
//! must never disagree with the full parse about `seq` and `prev`, and a line
//! `line::check` calls well formed is exactly the canonical serialisation of
//! the entry it parses to.
#![no_main]

use coffre::audit::{quick_header, AuditEntry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let quick = quick_header(data);
    let full = AuditEntry::from_line(data, "fuzz");
    if let (Some((seq, prev)), Ok(e)) = (&quick, &full) {
        assert_eq!(*seq, e.seq, "quick_header and from_line disagree on seq");
        assert_eq!(
            hex::encode(prev),
            e.prev,
            "quick_header and from_line disagree on prev"
        );
    }
    // The one rule of what a line is (`audit::line`): a well-formed entry
    // parses, and is byte for byte its own canonical serialisation.
    if let Ok(coffre::audit::line::Shape::Entry { seq, .. }) = coffre::audit::line::check(data) {
        let e = full.as_ref().expect("a well-formed line parses");
        assert_eq!(e.seq, seq, "line::check and from_line disagree on seq");
        assert!(
            e.to_line().expect("serialises") == data,
            "a well-formed line is not its canonical form"
        );
    }
    if let Ok(e) = &full {
        // A line in canonical form (what coffre writes) always has the fixed
        // prefix that quick_header reads.
        let canonical = e.to_line().expect("a parsed entry serialises");
        let prev_is_hex = e.prev.len() == 64
            && e.prev
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if canonical == data && prev_is_hex {
            assert_eq!(
                quick,
                Some((e.seq, {
                    let mut h = [0u8; 32];
                    hex::decode_to_slice(&e.prev, &mut h).expect("hex");
                    h
                })),
                "a canonical line has no readable fixed prefix"
            );
        }
        // Re-serialising is stable.
        let again = AuditEntry::from_line(&canonical, "fuzz").expect("own line parses");
        assert_eq!(again.to_line().expect("serialises"), canonical);
    }
});
