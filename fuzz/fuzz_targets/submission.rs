//! Any bytes as a submission body: parsing never panics, and whatever parses survives a round
//! trip through the wire format unchanged (the widget and the collector agree on it).
#![no_main]

use koe_shared::wire::Submission;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(submission) = serde_json::from_str::<Submission>(text) {
        let again = serde_json::to_string(&submission).expect("a parsed submission serialises");
        let parsed: Submission = serde_json::from_str(&again).expect("and parses again");
        assert_eq!(parsed, submission);
    }
});
