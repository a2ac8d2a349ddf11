//! Dashboard sessions: a signed cookie naming the server-side session (`user_sessions`) and the
//! person who signed in, until when. The MAC (HMAC-SHA256 with the server's session key,
//! checked in constant time) keeps a forged cookie from reaching the database; the stored
//! session is what sign-out, "sign out everywhere" and a password reset end.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ids::UserId;

pub const COOKIE: &str = "koe_session";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// The stored session's id.
    pub id: i64,
    pub user_id: UserId,
    /// Unix seconds.
    pub expires_at: i64,
}

/// The server's key for signing sessions.
#[derive(Clone)]
pub struct SessionKey([u8; 32]);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey([redacted])")
    }
}

impl SessionKey {
    /// The name of the key the server keeps for itself when no `session_secret` is set.
    pub const STORED_NAME: &'static str = "session";

    /// The key the server keeps in the database under [`Self::STORED_NAME`] (`startup.rs` loads
    /// it when no `session_secret` is set): the same for every collector on that database and
    /// across restarts, so a page served by one is confirmed on another and sessions outlive a
    /// deploy.
    pub fn from_stored(key: [u8; 32]) -> Self {
        Self(key)
    }

    /// From the `session_secret` setting.
    pub fn from_secret(secret: &str) -> Self {
        Self(crate::secrets::digest(secret))
    }

    fn mac(&self, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(payload);
        mac
    }

    pub fn seal(&self, session: &Session) -> String {
        let payload = format!("{}.{}.{}", session.id, session.user_id, session.expires_at);
        let mac = self.mac(payload.as_bytes()).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(mac)
        )
    }

    /// `value` with a MAC for `purpose` (e.g. the time a page was served, which the page's
    /// form sends back): the server can trust it when it returns, without keeping it.
    pub fn stamp(&self, purpose: &str, value: i64) -> String {
        let mac = self
            .mac(format!("{purpose}.{value}").as_bytes())
            .finalize()
            .into_bytes();
        format!("{value}.{}", URL_SAFE_NO_PAD.encode(mac))
    }

    /// The value of a [`SessionKey::stamp`] for `purpose`, if its MAC is ours.
    pub fn check_stamp(&self, purpose: &str, stamped: &str) -> Option<i64> {
        let (value, mac) = stamped.split_once('.')?;
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        self.mac(format!("{purpose}.{value}").as_bytes())
            .verify_slice(&mac)
            .ok()?;
        value.parse().ok()
    }

    /// The session in a cookie value, if it is ours, intact and not expired at `now` (seconds).
    pub fn open(&self, cookie: &str, now: i64) -> Option<Session> {
        let (payload, mac) = cookie.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        self.mac(&payload).verify_slice(&mac).ok()?;
        let text = String::from_utf8(payload).ok()?;
        let mut parts = text.split('.');
        let session = Session {
            id: parts.next()?.parse().ok()?,
            user_id: parts.next()?.parse().ok()?,
            expires_at: parts.next()?.parse().ok()?,
        };
        (parts.next().is_none() && now <= session.expires_at).then_some(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_believed_only_with_their_mac_and_purpose() {
        let key = SessionKey::from_secret("test secret");
        let stamped = key.stamp("served_at:link", 1234);
        assert_eq!(key.check_stamp("served_at:link", &stamped), Some(1234));
        assert_eq!(
            key.check_stamp("served_at:other", &stamped),
            None,
            "another link"
        );
        assert_eq!(key.check_stamp("served_at:link", "0"), None, "unsigned");
        let forged = stamped.replacen("1234", "0", 1);
        assert_eq!(
            key.check_stamp("served_at:link", &forged),
            None,
            "a changed time"
        );
    }

    #[test]
    fn sessions_round_trip_and_refuse_tampering_and_expiry() {
        let key = SessionKey::from_secret("test secret");
        let session = Session {
            id: 5,
            user_id: UserId::new(3),
            expires_at: 1000,
        };
        let cookie = key.seal(&session);
        assert_eq!(key.open(&cookie, 1000), Some(session));
        assert_eq!(key.open(&cookie, 1001), None, "expired");
        assert_eq!(
            SessionKey::from_secret("other").open(&cookie, 0),
            None,
            "another server's key"
        );
        let forged = key.seal(&Session {
            user_id: UserId::new(4),
            ..session
        });
        let spliced = format!(
            "{}.{}",
            forged.split('.').next().unwrap(),
            cookie.split('.').nth(1).unwrap()
        );
        assert_eq!(
            key.open(&spliced, 0),
            None,
            "payload swapped under a valid MAC"
        );
        assert_eq!(key.open("garbage", 0), None);
    }
}
