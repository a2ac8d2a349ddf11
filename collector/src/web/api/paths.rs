//! The authenticated API's path parameters, as the routes read them and the OpenAPI document
//! describes them (one type for both).

use koe_shared::SiteKey;
use serde::Deserialize;

/// `{site}`: the site's key, as `koe site list` shows it.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SitePath {
    /// The site's key (`koe site list`); a key of another site gets 404.
    pub site: SiteKey,
}

/// `{site}` and the numeric id of one of its items (an API key, a webhook).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SiteItemPath {
    /// The site's key.
    pub site: SiteKey,
    /// The item's id, as listed.
    pub id: i64,
}

/// `{site}` and an interaction id.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InteractionPath {
    /// The site's key.
    pub site: SiteKey,
    /// The interaction, as the site named it. Parsed by the handler, so that a malformed id is
    /// refused with its reason (400) rather than as a path that names nothing (404).
    #[param(value_type = koe_shared::InteractionId)]
    pub interaction: String,
}
