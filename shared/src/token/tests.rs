//! The token format's tests, including the documented test vectors.

use super::*;
use proptest::prelude::*;
use sha2::Digest;

/// The test vector quoted in `shared/docs/attribution-token.md`. It was computed
/// independently with Python's `hmac` module, so it checks this code too.
pub const VECTOR_SECRET: &str =
    "koe_ss_test-vector-secret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";
pub const VECTOR_TOKEN: &str = include_str!("../../docs/test-vector-token.txt");

fn vector_claims() -> AttributionClaims {
    AttributionClaims {
        site: SiteKey::try_from("site_demo").unwrap(),
        interaction: InteractionId::try_from("chat-2026-0001").unwrap(),
        agent: Some(AgentId::try_from("agent-佐藤").unwrap()),
        team: Some(TeamId::try_from("tokyo").unwrap()),
        channel: Some(Channel::Chat),
        expires_at: 1_800_000_000,
        offer: None,
        customer: None,
    }
}

pub const OFFER_VECTOR_TOKEN: &str = include_str!("../../docs/test-vector-offer-token.txt");

/// The email-link vector: email channel, offering CSAT 4.
fn offer_claims() -> AttributionClaims {
    AttributionClaims {
        interaction: InteractionId::try_from("ticket-8812").unwrap(),
        channel: Some(Channel::Email),
        offer: Some(Offer::new(OfferedQuestion::Csat, 4).unwrap()),
        customer: None,
        ..vector_claims()
    }
}

pub const CUSTOMER_VECTOR_TOKEN: &str = include_str!("../../docs/test-vector-customer-token.txt");

/// The widget vector naming its customer (version 3).
fn customer_claims() -> AttributionClaims {
    AttributionClaims {
        interaction: InteractionId::try_from("chat-2026-0002").unwrap(),
        customer: Some(CustomerId::try_from("customer-0042").unwrap()),
        ..vector_claims()
    }
}

#[test]
fn signing_the_customer_vector_gives_the_documented_token() {
    assert_eq!(
        sign(VECTOR_SECRET.as_bytes(), &customer_claims()).as_str(),
        CUSTOMER_VECTOR_TOKEN.trim()
    );
    let token = AttributionToken::try_from(CUSTOMER_VECTOR_TOKEN.trim().to_owned()).unwrap();
    assert_eq!(
        verify(VECTOR_SECRET.as_bytes(), &token, 0),
        Ok(customer_claims())
    );
}

#[test]
fn a_rating_link_never_carries_a_customer() {
    let claims = AttributionClaims {
        customer: Some(CustomerId::try_from("customer-0042").unwrap()),
        ..offer_claims()
    };
    assert_eq!(
        sign(VECTOR_SECRET.as_bytes(), &claims).as_str(),
        OFFER_VECTOR_TOKEN.trim()
    );
}

#[test]
fn signing_the_offer_vector_gives_the_documented_token() {
    assert_eq!(
        sign(VECTOR_SECRET.as_bytes(), &offer_claims()).as_str(),
        OFFER_VECTOR_TOKEN.trim()
    );
    let token = AttributionToken::try_from(OFFER_VECTOR_TOKEN.trim().to_owned()).unwrap();
    assert_eq!(
        verify(VECTOR_SECRET.as_bytes(), &token, 0),
        Ok(offer_claims())
    );
    assert_eq!(
        unverified_site(&token).map(String::from).as_deref(),
        Some("site_demo")
    );
}

#[test]
fn offers_stay_on_their_scale() {
    assert!(Offer::new(OfferedQuestion::Csat, 0).is_err());
    assert!(Offer::new(OfferedQuestion::Csat, 5).is_ok());
    assert!(Offer::new(OfferedQuestion::Nps, 10).is_ok());
    assert!(Offer::new(OfferedQuestion::Nps, 11).is_err());
}

#[test]
fn signing_the_test_vector_gives_the_documented_token() {
    assert_eq!(
        sign(VECTOR_SECRET.as_bytes(), &vector_claims()).as_str(),
        VECTOR_TOKEN.trim()
    );
}

#[test]
fn the_documented_token_verifies_with_the_secret_or_its_digest() {
    let token = AttributionToken::try_from(VECTOR_TOKEN.trim().to_owned()).unwrap();
    assert!(
        VECTOR_SECRET.len() > 64,
        "the digest trick needs secrets longer than a block"
    );
    let digest = Sha256::digest(VECTOR_SECRET.as_bytes());
    for key in [VECTOR_SECRET.as_bytes(), digest.as_slice()] {
        assert_eq!(verify(key, &token, 1_700_000_000), Ok(vector_claims()));
    }
}

#[test]
fn expiry_is_inclusive_of_its_second() {
    let token = sign(b"secret", &vector_claims());
    assert!(verify(b"secret", &token, 1_800_000_000).is_ok());
    assert_eq!(
        verify(b"secret", &token, 1_800_000_001),
        Err(TokenError::Expired)
    );
}

#[test]
fn a_token_signed_with_another_secret_is_refused() {
    let token = sign(b"site A secret", &vector_claims());
    assert_eq!(
        verify(b"site B secret", &token, 0),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn unknown_versions_and_garbage_are_refused() {
    let mut payload = encode_payload(&vector_claims());
    payload[0] = 9;
    let mac = mac_for(b"k", &payload).finalize().into_bytes();
    let token = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(mac)
    );
    let token = AttributionToken::try_from(token).unwrap();
    assert_eq!(
        verify(b"k", &token, 0),
        Err(TokenError::UnsupportedVersion(9))
    );
    for raw in ["abc", "abc.def", "a.b.c", "AAAA.AAAA"] {
        let token = AttributionToken::try_from(raw.to_owned()).unwrap();
        assert!(verify(b"k", &token, 0).is_err(), "{raw}");
    }
    assert!(AttributionToken::try_from("has space.x".to_owned()).is_err());
    assert!(AttributionToken::try_from("a".repeat(MAX_TOKEN_LEN + 1)).is_err());
}

#[test]
fn absent_fields_stay_absent() {
    let claims = AttributionClaims {
        agent: None,
        team: None,
        channel: None,
        ..vector_claims()
    };
    let token = sign(b"k", &claims);
    assert_eq!(verify(b"k", &token, 0), Ok(claims));
}

proptest! {
    #[test]
    fn changing_any_byte_of_a_token_breaks_it(index in 0usize..200, replacement in "[A-Za-z0-9_-]") {
        let token = sign(b"k", &vector_claims()).as_str().to_owned();
        let index = index % token.len();
        let mut bytes = token.clone().into_bytes();
        prop_assume!(bytes[index] != b'.' && bytes[index] != replacement.as_bytes()[0]);
        bytes[index] = replacement.as_bytes()[0];
        let tampered = AttributionToken::try_from(String::from_utf8(bytes).unwrap()).unwrap();
        prop_assert!(verify(b"k", &tampered, 0).is_err());
    }

    #[test]
    fn sign_then_verify_returns_the_claims(
        interaction in "[a-zA-Z0-9 あ-ん]{1,60}",
        agent in proptest::option::of("[a-z0-9]{1,20}"),
        expires_at in any::<u64>(),
    ) {
        prop_assume!(!interaction.trim().is_empty());
        let claims = AttributionClaims {
            interaction: InteractionId::try_from(interaction).unwrap(),
            agent: agent.map(|a| AgentId::try_from(a).unwrap()),
            expires_at,
            ..vector_claims()
        };
        let token = sign(b"secret", &claims);
        prop_assert_eq!(verify(b"secret", &token, 0), Ok(claims));
    }
}
