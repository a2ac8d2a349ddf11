//! The fuzz corpus (`fuzz/corpus/`, grown by `cargo xtask fuzz`) replayed on stable in every
//! test run, with the properties the fuzz targets check: inputs that once found a crash, or
//! new paths, stay fine.

use std::path::Path;

use koe_shared::token::{sign, unverified_site, verify};
use koe_shared::{AttributionToken, Submission};

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    inputs.sort();
    inputs
}

#[test]
fn submissions_in_the_corpus_parse_or_fail_cleanly_and_round_trip() {
    let inputs = corpus("submission");
    assert!(
        !inputs.is_empty(),
        "the submission corpus is in the repository"
    );
    for input in inputs {
        let Ok(text) = std::str::from_utf8(&input) else {
            continue;
        };
        if let Ok(submission) = serde_json::from_str::<Submission>(text) {
            let again = serde_json::to_string(&submission).unwrap();
            assert_eq!(
                serde_json::from_str::<Submission>(&again).unwrap(),
                submission
            );
        }
    }
}

#[test]
fn tokens_in_the_corpus_never_verify_unsigned() {
    let inputs = corpus("token");
    assert!(!inputs.is_empty(), "the token corpus is in the repository");
    for input in inputs {
        let Ok(text) = String::from_utf8(input) else {
            continue;
        };
        if let Ok(token) = AttributionToken::try_from(text) {
            let _ = unverified_site(&token);
            assert!(verify(b"koe_ss_corpus-secret", &token, 0).is_err());
        }
    }
}

#[test]
fn signed_payloads_in_the_corpus_decode_or_fail_cleanly() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hmac::{Hmac, Mac as _};
    let secret = b"koe_ss_fuzzing-secret";
    for payload in corpus("token_payload") {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
        mac.update(&payload);
        let raw = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        );
        let Ok(token) = AttributionToken::try_from(raw) else {
            continue;
        };
        if let Ok(claims) = verify(secret, &token, 0) {
            assert_eq!(verify(secret, &sign(secret, &claims), 0).unwrap(), claims);
        }
    }
}
