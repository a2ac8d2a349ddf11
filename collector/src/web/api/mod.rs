//! The JSON API. Public (widget, email page): `POST /api/v1/responses`, `/api/v1/impressions`,
//! `GET /api/v1/survey` (a site's survey in the customer's language).
//! With an API key: `/api/v1/sites/{site}` (settings), `…/survey` (its own survey), `…/scores`, `…/standings`, `…/reasons`, `…/question`,
//! `…/responses` (and erasing one interaction's), `…/keys`, `…/links`, `…/webhooks`, the service side (`…/interactions`, `…/volumes`,
//! `…/service`); the
//! document at `/api/v1/openapi.json`.

mod admission;
pub mod auth;
pub mod body;
pub mod caller;
mod erasure;
pub mod extractors;
pub mod followups;
mod impressions;
mod integrations;
mod interactions;
mod keys;
mod links;
pub mod openapi;
pub mod paths;
mod question;
mod reasons;
mod response_list;
mod responses;
mod scores;
mod service;
mod sites;
mod standings;
pub mod survey;
mod webhooks;

pub use erasure::erase_interaction;
pub use followups::{
    add_followup_note, change_followup, followup_report, list_followups, set_followup_settings,
    show_followup, show_followup_settings,
};
pub use impressions::record_impression;
pub use integrations::{
    create_integration, delete_integration, list_integration_events, list_integrations,
    pause_integration, push_line_card, retry_integration_event, set_integration_credentials,
};
pub use interactions::{put_facts, put_facts_batch, show_facts};
pub use keys::{create_key, list_keys, revoke_key};
pub use links::create_links;
pub use openapi::openapi_json;
pub use question::question;
pub use reasons::reasons;
pub use response_list::list_responses;
pub use responses::submit_response;
pub use scores::scores;
pub use service::{
    drivers, put_volume, service, set_settings as set_service_settings,
    show_settings as show_service_settings,
};
pub use sites::{show_site, update_site_settings};
pub use standings::standings;
pub use survey::{publish_survey, show_survey, survey, survey_versions};
pub use webhooks::{
    create_webhook, delete_webhook, list_deliveries, list_webhooks, rotate_webhook_secret,
};
