//! Any bytes as a correctly signed token's payload (what a site backend with a bug, or an
//! attacker holding a leaked secret, could send): decoding never panics, and what decodes
//! signs again to claims that verify equal.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use koe_shared::AttributionToken;
use koe_shared::token::{sign, verify};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;

const SECRET: &[u8] = b"koe_ss_fuzzing-secret";

fuzz_target!(|payload: &[u8]| {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET).expect("any key length");
    mac.update(payload);
    let raw = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    );
    let Ok(token) = AttributionToken::try_from(raw) else {
        return;
    };
    if let Ok(claims) = verify(SECRET, &token, 0) {
        let again = verify(SECRET, &sign(SECRET, &claims), 0).expect("re-signed claims verify");
        assert_eq!(again, claims);
    }
});
