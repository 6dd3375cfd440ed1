//! `Checkpoint::parse` and `Checkpoint::parse_many` on arbitrary text (a
//! checkpoint file kept off the machine, or `checkpoints.log`). A parsed
//! checkpoint must print back to the text it came from (canonical form).
#![no_main]

use coffre::audit::Checkpoint;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = Checkpoint::parse(text) {
        let printed = c.to_text();
        let back = Checkpoint::parse(&printed).expect("a checkpoint's own text parses");
        assert_eq!(back.to_text(), printed);
        let _ = c.signature_valid();
    }
    if let Ok(all) = Checkpoint::parse_many(text) {
        let printed: String = all.iter().map(Checkpoint::to_text).collect();
        let back = Checkpoint::parse_many(&printed).expect("own text parses");
        assert_eq!(back.len(), all.len());
    }
});
