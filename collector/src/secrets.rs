//! Generated keys and secrets, and the digests that are all the database keeps of them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

fn random_text(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// 32 random bytes: a key the server makes for itself.
pub fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    key
}

/// A stand-in for an erased interaction's id where its impression is kept: random, so it
/// links to nothing.
pub fn erased_interaction() -> String {
    format!("erased-{}", random_text(12))
}

/// A webhook event's id, sent with every attempt so receivers can drop repeats.
pub fn event_id() -> String {
    format!("evt_{}", random_text(15))
}

/// A webhook's signing secret: `whsec_` and 43 random characters (32 bytes).
pub fn new_webhook_secret() -> String {
    format!("whsec_{}", random_text(32))
}

/// An integration's secret path segment (its webhook address is the first credential):
/// `i_` and 43 random characters (32 bytes).
pub fn new_integration_path() -> String {
    format!("i_{}", random_text(32))
}

/// A generic hook's secret (its signature key, or its Basic auth password): `koe_hook_` and 43
/// random characters.
pub fn new_hook_secret() -> String {
    format!("koe_hook_{}", random_text(32))
}

/// A random (version 4) UUID, as LINE's retry keys are.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A public site key: `site_` and 16 random characters.
pub fn new_site_key() -> String {
    format!("site_{}", random_text(12))
}

/// A site's signing secret: `koe_ss_` and 64 random characters (48 bytes). Longer than
/// SHA-256's 64-byte block on purpose: HMAC then keys on its digest, which is what is stored.
pub fn new_signing_secret() -> String {
    format!("koe_ss_{}", random_text(48))
}

/// An API key: `koe_` + role + `_` and 43 random characters (32 bytes).
pub fn new_api_key(role: &str) -> String {
    format!("koe_{role}_{}", random_text(32))
}

/// The SHA-256 digest stored in place of a secret or key. Keys are random and long, so a
/// fast hash is enough: there is nothing to guess.
pub fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// The first characters of a key, to tell keys apart in listings and logs.
pub fn key_prefix(key: &str) -> String {
    key.chars().take(14).collect()
}

/// A one-time link's token (an invitation, a password reset, the first owner's link): `koe_inv_`
/// and 43 random characters (32 bytes); only its digest is kept.
pub fn new_invitation_token() -> String {
    format!("koe_inv_{}", random_text(32))
}

/// A follow-up's re-ask link token: `koe_rec_` and 43 random characters; only its digest is
/// kept.
pub fn new_reask_token() -> String {
    format!("koe_rec_{}", random_text(32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_enough_for_the_digest_trick_and_unique() {
        let a = new_signing_secret();
        assert!(a.len() > 64 && a.starts_with("koe_ss_"));
        assert_ne!(a, new_signing_secret());
        assert!(new_api_key("read").starts_with("koe_read_"));
        assert_eq!(digest("x").len(), 32);
    }
}
