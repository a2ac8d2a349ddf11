//! Issuing rating links: the site's fatigue rules first (its sample, a named customer's
//! cooldown — `surveying::admit_link`), then the signed links — one function for the admin API
//! and `koe link`.

use koe_shared::{CustomerId, Declined};

use super::{LinkRequest, LinkSet, build};
use crate::sites::Site;
use crate::sites::fatigue::CustomerKey;
use crate::storage::{CustomerStore, StorageError};
use crate::surveying::admit_link;

/// Who the links are for, beyond what they carry.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    /// The customer, for the cooldown (never stored: only their keyed hash).
    pub customer: Option<&'a CustomerId>,
    /// Make the links even outside the sample or within the cooldown (the customer is still
    /// noted as surveyed).
    pub force: bool,
}

/// The links for `request`, pointing at `base` (the collector's public address), or why none
/// were made.
#[tracing::instrument(name = "links::issue", skip_all, fields(site = %site.key))]
pub async fn issue<S: CustomerStore>(
    storage: &S,
    site: &Site,
    key: &CustomerKey,
    request: &LinkRequest,
    recipient: Recipient<'_>,
    base: &str,
) -> Result<Result<LinkSet, Declined>, StorageError> {
    let admitted = admit_link(
        storage,
        site,
        key,
        &request.interaction,
        recipient.customer,
        recipient.force,
    )
    .await?;
    Ok(admitted.map(|()| build(site, base, request)))
}
