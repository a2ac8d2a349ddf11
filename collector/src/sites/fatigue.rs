//! Survey fatigue: a site surveys a share of its interactions (`sample_percent`) and spares a
//! customer it surveyed recently (`cooldown_days`). The sample is decided by the interaction id
//! alone, keyed with the server's secret ([`CustomerKey`]), so a retry or a reload never flips
//! it and nobody can compute it ahead; the cooldown needs the customer (named by the site's
//! signed token or its admin key, never by the page alone), whom Koe knows only by a keyed hash
//! with the same key — enough to tell "surveyed within the cooldown", and useless to anyone
//! reading the database without the key.

use hmac::{Hmac, Mac};
use koe_shared::{CustomerId, InteractionId};
use sha2::{Digest, Sha256};

use crate::ids::SiteId;
use crate::storage::CustomerHash;

/// A site's fatigue rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fatigue {
    /// Share of interactions surveyed, 0–100.
    pub sample_percent: u8,
    /// Days a surveyed customer is not asked again (0: no cooldown).
    pub cooldown_days: u32,
}

impl Default for Fatigue {
    fn default() -> Self {
        Self {
            sample_percent: 100,
            cooldown_days: 0,
        }
    }
}

/// The longest cooldown: a year.
pub const MAX_COOLDOWN_DAYS: u32 = 365;

impl Fatigue {
    /// Whether `interaction` falls in the site's sample: the first 64 bits of
    /// HMAC-SHA256(the server's key, "sample" ‖ 0 ‖ site id ‖ interaction) modulo 10 000, below
    /// `sample_percent` × 100. The same interaction always gets the same answer; different
    /// ones spread evenly; and without the server's key nobody — an agent who knows the site's
    /// public key included — can tell in advance which chats will be surveyed.
    pub fn samples(&self, key: &CustomerKey, site: SiteId, interaction: &InteractionId) -> bool {
        if self.sample_percent >= 100 {
            return true;
        }
        let mut mac = key.mac();
        mac.update(b"sample\0");
        mac.update(&site.get().to_be_bytes());
        mac.update(interaction.as_str().as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % 10_000 < u64::from(self.sample_percent) * 100
    }

    /// The cooldown in milliseconds, when there is one.
    pub fn cooldown_ms(&self) -> Option<i64> {
        (self.cooldown_days > 0).then(|| i64::from(self.cooldown_days) * 86_400_000)
    }
}

/// The server-side key customer ids are hashed with (`customer_key`, or one the server made
/// for itself and keeps in the database).
#[derive(Clone)]
pub struct CustomerKey([u8; 32]);

impl std::fmt::Debug for CustomerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CustomerKey([redacted])")
    }
}

impl CustomerKey {
    /// The name of the key the server keeps for itself when none is configured.
    pub const STORED_NAME: &'static str = "customer_hash";

    /// From the configured secret (its SHA-256, so any length of secret makes a full key).
    pub fn from_secret(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }

    /// A key as the server keeps it for itself (`STORED_NAME`).
    pub fn from_bytes(key: [u8; 32]) -> Self {
        Self(key)
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts keys of any length")
    }

    /// The customer as stored for site `site_id` (the same id on two sites gives two hashes).
    pub fn hash(&self, site_id: SiteId, customer: &CustomerId) -> CustomerHash {
        let mut mac = self.mac();
        mac.update(&site_id.get().to_be_bytes());
        mac.update(customer.as_str().as_bytes());
        CustomerHash(mac.finalize().into_bytes().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteId {
        SiteId::new(7)
    }

    fn key() -> CustomerKey {
        CustomerKey::from_secret("a server secret of at least thirty-two bytes")
    }

    #[test]
    fn sampling_is_decided_by_the_interaction_alone() {
        let fatigue = Fatigue {
            sample_percent: 20,
            cooldown_days: 0,
        };
        let interaction = InteractionId::try_from("chat-1").unwrap();
        let first = fatigue.samples(&key(), site(), &interaction);
        assert!((0..100).all(|_| fatigue.samples(&key(), site(), &interaction) == first));
        let none = Fatigue {
            sample_percent: 0,
            ..fatigue
        };
        assert!(!none.samples(&key(), site(), &interaction));
        assert!(Fatigue::default().samples(&key(), site(), &interaction));
    }

    #[test]
    fn the_sample_cannot_be_told_without_the_servers_key() {
        // The old rule, SHA-256 of the public site key and the interaction, let anyone (an
        // agent included) compute which chats would be surveyed. With another key the same
        // interactions fall differently: about half of a 50 % sample's decisions change.
        let fatigue = Fatigue {
            sample_percent: 50,
            cooldown_days: 0,
        };
        let other = CustomerKey::from_secret("another server's secret, also long enough");
        let differ = (0..1_000)
            .filter(|n| {
                let interaction = InteractionId::try_from(format!("chat-{n}").as_str()).unwrap();
                fatigue.samples(&key(), site(), &interaction)
                    != fatigue.samples(&other, site(), &interaction)
            })
            .count();
        // n = 1 000, p = ½: 500 ± 16 (σ); far from 0, which a public rule would give.
        assert!((400..=600).contains(&differ), "{differ}");
    }

    #[test]
    fn a_sample_of_20_percent_holds_about_a_fifth_of_interactions() {
        let fatigue = Fatigue {
            sample_percent: 20,
            cooldown_days: 0,
        };
        let shown = (0..10_000)
            .filter(|n| {
                let interaction = InteractionId::try_from(format!("chat-{n}").as_str()).unwrap();
                fatigue.samples(&key(), site(), &interaction)
            })
            .count();
        // n p = 2 000, σ = √(n p (1 − p)) = 40.
        assert!((1_880..=2_120).contains(&shown), "{shown}");
    }

    #[test]
    fn customers_are_hashed_per_site_and_key() {
        let key = CustomerKey::from_secret("a configured secret of some length");
        let customer = CustomerId::try_from("alice@example.com").unwrap();
        assert_eq!(
            key.hash(SiteId::new(1), &customer),
            key.hash(SiteId::new(1), &customer)
        );
        assert_ne!(
            key.hash(SiteId::new(1), &customer),
            key.hash(SiteId::new(2), &customer)
        );
        let other = CustomerKey::from_secret("another secret");
        assert_ne!(
            key.hash(SiteId::new(1), &customer),
            other.hash(SiteId::new(1), &customer)
        );
    }
}
