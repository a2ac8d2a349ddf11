//! Any string as an attribution or rating-link token (what `/s/{token}` and the `token` field
//! take from strangers): reading its site and verifying it never panic, and a forgery never
//! verifies.
#![no_main]

use koe_shared::AttributionToken;
use koe_shared::token::{unverified_site, verify};
use libfuzzer_sys::fuzz_target;

const SECRET: &[u8] = b"koe_ss_fuzzing-secret-that-no-input-can-know-0123456789abcdefghijkl";

fuzz_target!(|data: &str| {
    let Ok(token) = AttributionToken::try_from(data.to_owned()) else {
        return;
    };
    let _ = unverified_site(&token);
    assert!(
        verify(SECRET, &token, 0).is_err(),
        "a token nobody signed verified: {data:?}"
    );
});
