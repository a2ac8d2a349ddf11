//! Whether a customer is surveyed now: a survey the widget is about to show (an impression,
//! or a `prepare`'s peek ahead of it) and rating links about to be sent both follow the site's
//! fatigue rules — its sample, and a named customer's cooldown — and are counted here, so the
//! public API, the admin API and `koe link` decide alike. The widget's customer is named only
//! by the site's signed token ([`SignedCustomer`]); a link's by the admin key that asks for it.

use koe_shared::{CustomerId, Declined, InteractionId};

use crate::clock;
use crate::responses::Attribution;
use crate::responses::attribution::SignedCustomer;
use crate::sites::Site;
use crate::sites::fatigue::CustomerKey;
use crate::storage::{
    AnswerStore, CustomerCheck, CustomerStore, ImpressionOutcome, ImpressionWrite, StorageError,
};

/// The configured key (`customer_key`), else the one the server keeps in the database.
pub async fn customer_key<S: CustomerStore>(
    configured: Option<&str>,
    storage: &S,
) -> Result<CustomerKey, StorageError> {
    match configured {
        Some(secret) => Ok(CustomerKey::from_secret(secret)),
        None => Ok(CustomerKey::from_bytes(
            storage.server_key(CustomerKey::STORED_NAME).await?,
        )),
    }
}

/// A survey the widget is about to show, as the page described it (attribution and customer
/// already checked against the site's token rules).
#[derive(Debug, Clone)]
pub struct ImpressionRequest {
    pub interaction: InteractionId,
    pub attribution: Attribution,
    /// Only a customer the token signed: an id the page sent unsigned never reaches the
    /// cooldown, so the answer cannot tell anyone whether that person was surveyed lately.
    pub customer: Option<SignedCustomer>,
    /// Only ask (`koe('prepare')`): record nothing.
    pub peek: bool,
    /// When the page asked: the impression's day, in the site's time zone.
    pub at: jiff::Timestamp,
}

/// What became of a survey about to be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Shown, and counted now: the interaction's first impression.
    Counted,
    /// Shown again (a reload): counted before.
    Again,
    /// A peek's answer: it would be shown. Nothing recorded.
    WouldShow,
    /// Not shown, and nothing recorded.
    Declined(Declined),
}

/// Decides whether the survey is shown — the site's sample, then the signed customer's
/// cooldown — and counts its impression when it is (unless only peeking).
#[tracing::instrument(name = "surveying::show", skip_all, fields(site = %site.key, peek = request.peek))]
pub async fn show<S: AnswerStore + CustomerStore>(
    storage: &S,
    site: &Site,
    key: &CustomerKey,
    request: ImpressionRequest,
) -> Result<Shown, StorageError> {
    if !site.fatigue.samples(key, site.id, &request.interaction) {
        return Ok(Shown::Declined(Declined::SampledOut));
    }
    let check = |customer: SignedCustomer| CustomerCheck {
        customer: key.hash(site.id, customer.id()),
        cooldown_ms: site.fatigue.cooldown_ms(),
    };
    if request.peek {
        let customer = request.customer.map(check);
        let shown = storage
            .would_show(site.id, &request.interaction, customer, request.at)
            .await?;
        return Ok(match shown {
            true => Shown::WouldShow,
            false => Shown::Declined(Declined::Cooldown),
        });
    }
    let outcome = storage
        .record_impression(ImpressionWrite {
            site_id: site.id,
            interaction: request.interaction,
            attribution: request.attribution,
            day: site.timezone.local_date(request.at.as_millisecond()),
            now_ms: request.at.as_millisecond(),
            customer: request.customer.map(check),
        })
        .await?;
    Ok(match outcome {
        ImpressionOutcome::Recorded => Shown::Counted,
        ImpressionOutcome::AlreadyRecorded => Shown::Again,
        ImpressionOutcome::Cooldown => Shown::Declined(Declined::Cooldown),
    })
}

/// Whether a rating link may be sent for `interaction` now: in the site's sample, and — when the
/// customer is named — not surveyed within the cooldown (then noted as surveyed, in the same
/// statement). `force` sends anyway, still noting the customer.
#[tracing::instrument(name = "surveying::admit_link", skip_all, fields(site = %site.key))]
pub async fn admit_link<S: CustomerStore>(
    storage: &S,
    site: &Site,
    key: &CustomerKey,
    interaction: &InteractionId,
    customer: Option<&CustomerId>,
    force: bool,
) -> Result<Result<(), Declined>, StorageError> {
    if !force && !site.fatigue.samples(key, site.id, interaction) {
        return Ok(Err(Declined::SampledOut));
    }
    // Without a cooldown the customer is not remembered: it would serve nothing.
    let (Some(customer), Some(cooldown_ms)) = (customer, site.fatigue.cooldown_ms()) else {
        return Ok(Ok(()));
    };
    let check = CustomerCheck {
        customer: key.hash(site.id, customer),
        cooldown_ms: Some(cooldown_ms).filter(|_| !force),
    };
    let asked = storage
        .survey_customer(site.id, check, clock::now())
        .await?;
    Ok(if asked {
        Ok(())
    } else {
        Err(Declined::Cooldown)
    })
}
