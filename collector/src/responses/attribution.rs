//! Who handled an interaction: taken from a signed token where there is one, checked against
//! what the submission claims, and required to be signed on strict sites. An impression's
//! customer counts only when the token signs it ([`SignedCustomer`]).

use koe_shared::token::TokenError;
use koe_shared::{AgentId, AttributionToken, Channel, CustomerId, InteractionId, TeamId};

use crate::responses::Attribution;
use crate::sites::{Site, SiteTokenError};

/// What a submission or impression says about its interaction.
#[derive(Debug, Clone, Copy)]
pub struct ClaimedAttribution<'a> {
    pub interaction: &'a InteractionId,
    pub agent: Option<&'a AgentId>,
    pub team: Option<&'a TeamId>,
    pub channel: Option<Channel>,
    pub token: Option<&'a AttributionToken>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AttributionError {
    #[error("the attribution token is expired")]
    TokenExpired,
    #[error("the attribution token is not valid for this site: {0}")]
    InvalidToken(TokenError),
    #[error("the attribution token was issued for another site")]
    WrongSite,
    #[error(
        "the attribution token was signed with a secret this site has rotated out and whose grace period has ended: sign with the current secret"
    )]
    SecretRetired,
    #[error("the submission's {0} differs from the one its token was signed for")]
    TokenMismatch(&'static str),
    #[error("this site accepts only signed attribution: send the token from your backend")]
    TokenRequired,
    #[error("this site accepts only signed attribution, and the token does not cover {0}")]
    UnsignedField(&'static str),
}

/// Resolves the attribution to store, at `now_ms` (Unix milliseconds).
pub fn resolve(
    site: &Site,
    claimed: ClaimedAttribution<'_>,
    now_ms: i64,
) -> Result<Attribution, AttributionError> {
    resolve_with_customer(site, claimed, None, now_ms).map(|(attribution, _)| attribution)
}

/// The customer an impression asks about, as the site's token signed them. Only
/// [`resolve_with_customer`] makes one, so holding one means the site's backend vouched for
/// it. A `customer` the page sends on its own never becomes one: were it to reach the cooldown,
/// anyone could ask about any id whether that person was surveyed lately (a `cooldown` decline
/// against a survey shown), and spare or deny them a survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCustomer(CustomerId);

impl SignedCustomer {
    pub fn id(&self) -> &CustomerId {
        &self.0
    }
}

/// [`resolve`], and the customer being asked when the token signs them (never stored: only
/// the cooldown uses it). The page may repeat the token's customer, not change it; an unsigned
/// one is refused on strict sites, as any unsigned field is, and ignored on the others.
pub fn resolve_with_customer(
    site: &Site,
    claimed: ClaimedAttribution<'_>,
    customer: Option<&CustomerId>,
    now_ms: i64,
) -> Result<(Attribution, Option<SignedCustomer>), AttributionError> {
    let Some(token) = claimed.token else {
        if site.strict {
            return Err(AttributionError::TokenRequired);
        }
        let attribution = Attribution {
            agent: claimed.agent.cloned(),
            team: claimed.team.cloned(),
            channel: claimed.channel,
            verified: false,
        };
        // Nothing signs the customer, so the cooldown never hears of them.
        return Ok((attribution, None));
    };
    let claims = site.verify_token(token, now_ms).map_err(|e| match e {
        SiteTokenError::Token(TokenError::Expired) => AttributionError::TokenExpired,
        SiteTokenError::Token(other) => AttributionError::InvalidToken(other),
        SiteTokenError::SecretRetired => AttributionError::SecretRetired,
    })?;
    if claims.site != site.key {
        return Err(AttributionError::WrongSite);
    }
    if &claims.interaction != claimed.interaction {
        return Err(AttributionError::TokenMismatch("interaction"));
    }
    let agent = signed_or_claimed("agent", claims.agent, claimed.agent.cloned(), site.strict)?;
    let team = signed_or_claimed("team", claims.team, claimed.team.cloned(), site.strict)?;
    let channel = signed_or_claimed("channel", claims.channel, claimed.channel, site.strict)?;
    let customer = signed_or_claimed("customer", claims.customer, customer.cloned(), site.strict)?;
    let attribution = Attribution {
        verified: agent.1 && team.1 && channel.1,
        agent: agent.0,
        team: team.0,
        channel: channel.0,
    };
    let customer = match customer {
        (Some(id), true) => Some(SignedCustomer(id)),
        // Sent by the page alone (non-strict sites): ignored, as without a token.
        _ => None,
    };
    Ok((attribution, customer))
}

/// One field: the token's value when it gives one (the submission may repeat it, not change
/// it), else the submission's own value, which strict sites refuse. The flag says whether the
/// result is covered by the token (an absent field is).
fn signed_or_claimed<T: PartialEq>(
    field: &'static str,
    signed: Option<T>,
    claimed: Option<T>,
    strict: bool,
) -> Result<(Option<T>, bool), AttributionError> {
    match (signed, claimed) {
        (Some(s), Some(c)) if s != c => Err(AttributionError::TokenMismatch(field)),
        (Some(s), _) => Ok((Some(s), true)),
        (None, Some(_)) if strict => Err(AttributionError::UnsignedField(field)),
        (None, Some(c)) => Ok((Some(c), false)),
        (None, None) => Ok((None, true)),
    }
}
