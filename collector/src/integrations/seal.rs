//! Credentials at rest: an integration's API token, channel secret or hook secret is sealed
//! with the server's integration key (XChaCha20-Poly1305, a random 24-byte nonce per seal) before
//! it is stored, and opened only where a call needs it. The key is `secrets_key` when
//! configured (kept out of the database, so a copy of the database alone reveals no token);
//! otherwise one the server makes and keeps in its own table.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore as _;
use sha2::{Digest, Sha256};

const NONCE_LEN: usize = 24;

/// Seals and opens credentials.
#[derive(Clone)]
pub struct SealKey([u8; 32]);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(…)")
    }
}

/// A sealed value could not be opened: another key sealed it, or it was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the stored credentials cannot be opened with this server's key (was `secrets_key` changed?)"
)]
pub struct Unsealable;

impl SealKey {
    /// The name of the key the server keeps when none is configured.
    pub const STORED_NAME: &'static str = "integration_seal";

    /// A configured secret of any length, stretched to a key.
    pub fn from_secret(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }

    /// `plain` sealed: base64 of nonce || ciphertext (with its tag).
    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher()
            .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
            .expect("sealing in memory does not fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        STANDARD.encode(out)
    }

    /// What [`seal`](Self::seal) sealed, if this key sealed it and nothing changed it.
    pub fn open(&self, sealed: &str) -> Result<String, Unsealable> {
        let bytes = STANDARD.decode(sealed).map_err(|_| Unsealable)?;
        if bytes.len() <= NONCE_LEN {
            return Err(Unsealable);
        }
        let (nonce, body) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher()
            .decrypt(XNonce::from_slice(nonce), body)
            .map_err(|_| Unsealable)?;
        String::from_utf8(plain).map_err(|_| Unsealable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_only_with_its_key_and_hides_the_token() {
        let key = SealKey::from_secret("server key");
        let sealed = key.seal("cw-api-token-123");
        assert!(!sealed.contains("cw-api-token"));
        assert_ne!(
            sealed,
            key.seal("cw-api-token-123"),
            "a fresh nonce each time"
        );
        assert_eq!(key.open(&sealed).unwrap(), "cw-api-token-123");
        assert_eq!(
            SealKey::from_secret("another").open(&sealed),
            Err(Unsealable)
        );
        let mut tampered = STANDARD.decode(&sealed).unwrap();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(key.open(&STANDARD.encode(tampered)), Err(Unsealable));
        assert_eq!(key.open("AAAA"), Err(Unsealable));
    }
}
