//! A site's own survey over the API: `GET …/sites/{site}/survey` (read: the definition
//! published now and its version), `PUT …/sites/{site}/survey` (admin: publish a new version;
//! `If-Match` the version edited), `GET …/sites/{site}/survey/versions` (read), and the public
//! `GET /api/v1/survey?site=…&lang=…` the widget and the hosted page read: the survey in the
//! customer's language, from memory, cached by browsers for a minute. Each calls
//! `sites::survey_publish` or the site's `PublishedSurvey`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use koe_shared::SiteKey;
use koe_shared::survey::look::Position;
use koe_shared::survey::{PageLook, ResolvedSurvey, SurveyDefinition};
use serde::{Deserialize, Serialize};

use super::admission::admit_site;
use super::caller::Caller;
use super::paths::SitePath;
use crate::sites::survey::PublishedSurvey;
use crate::sites::survey_publish::{self, SurveyError};
use crate::storage::Storage;
use crate::web::error::{IngestError, ManageError};
use crate::web::state::AppState;

/// How long a browser may keep a survey before asking again: a published change reaches every
/// customer within this, and a page showing many surveys asks once.
pub const SURVEY_MAX_AGE_SECONDS: u32 = 60;

/// A site's survey: its version (0 is Koe's own, never published) and its definition.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SurveyView {
    pub version: u32,
    pub definition: SurveyDefinition,
}

impl From<&PublishedSurvey> for SurveyView {
    fn from(published: &PublishedSurvey) -> Self {
        Self {
            version: published.version,
            definition: published.survey.to_definition(),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/survey",
    tag = "survey",
    summary = "The site's survey as published now",
    description = "Its wording per language, reasons, own question and look, as a definition \
        `PUT` takes back; the `ETag` is its version.",
    params(SitePath),
    responses((status = 200, description = "The survey.", body = SurveyView)),
    security(("api_key" = ["read"])),
)]
#[tracing::instrument(name = "api::show_survey", skip_all)]
pub async fn show_survey<S: Storage>(
    caller: Caller,
    _state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let published = &caller.site.survey;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", published.version)))
        .json(SurveyView::from(published.as_ref())))
}

#[utoipa::path(
    put,
    path = "/api/v1/sites/{site}/survey",
    tag = "survey",
    summary = "Publish a new version of the site's survey",
    description = "The whole definition (docs/survey.md): what it leaves out is Koe's. Checked \
        whole: every problem is named in `problems` and nothing changes. `If-Match: \"N\"` \
        publishes only while version N is current (409 `survey_changed` otherwise). The widget \
        and hosted page show the new version within a minute, without a new script tag.",
    params(SitePath, ("If-Match" = Option<String>, Header, description = "The version edited, `\"3\"`.")),
    request_body = SurveyDefinition,
    responses(
        (status = 200, description = "Published.", body = SurveyView),
        (status = 409, description = "Another version was published meanwhile.", body = koe_shared::ApiError),
        (status = 422, description = "The definition has problems: nothing changed.", body = crate::web::error::SurveyErrorBody),
    ),
    security(("api_key" = ["admin"])),
)]
#[tracing::instrument(name = "api::publish_survey", skip_all)]
pub async fn publish_survey<S: Storage>(
    caller: Caller,
    req: HttpRequest,
    body: web::Json<SurveyDefinition>,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let expected = match req.headers().get(header::IF_MATCH) {
        None => None,
        Some(raw) => Some(if_match_version(raw)?),
    };
    let published = survey_publish::publish(
        &state.storage,
        &caller.site,
        &body,
        expected,
        caller.actor(),
    )
    .await
    .map_err(ManageError::from)?;
    state.sites.reload(&state.storage).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", published.version)))
        .json(SurveyView::from(&published)))
}

/// `"3"` (or `3`, or `W/"3"`) as a version.
fn if_match_version(raw: &HeaderValue) -> Result<u32, ManageError> {
    raw.to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            ManageError::BadParameter(
                "If-Match must name the survey version edited, as \"3\"".into(),
            )
        })
}

impl From<SurveyError> for ManageError {
    fn from(error: SurveyError) -> Self {
        match error {
            SurveyError::Invalid(problems) => Self::InvalidSurvey(problems),
            SurveyError::Conflict { .. } => Self::SurveyChanged(error.to_string()),
            SurveyError::SiteGone => Self::NotFound,
            SurveyError::Storage(e) => e.into(),
        }
    }
}

/// One published version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SurveyVersionView {
    pub version: u32,
    /// RFC 3339.
    pub published_at: String,
    /// `user:EMAIL`, `key:N` or `cli`.
    pub published_by: String,
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SurveyVersions {
    /// Newest first, at most 50.
    pub versions: Vec<SurveyVersionView>,
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/survey/versions",
    tag = "survey",
    summary = "The site's published survey versions",
    params(SitePath),
    responses((status = 200, description = "Newest first.", body = SurveyVersions)),
    security(("api_key" = ["read"])),
)]
#[tracing::instrument(name = "api::survey_versions", skip_all)]
pub async fn survey_versions<S: Storage>(
    caller: Caller,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, ManageError> {
    let versions = survey_publish::versions(&state.storage, &caller.site).await?;
    let versions = versions
        .into_iter()
        .map(|v| SurveyVersionView {
            version: v.version,
            published_at: v.published_at.to_string(),
            published_by: v.published_by,
            definition: serde_json::from_str(&v.definition).unwrap_or_default(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(SurveyVersions { versions }))
}

/// FNV-1a, 32 bits: the same for the same name on every collector and every build.
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// Which site's survey, in which language, in which form. Other parameters (a page's
/// cache-busting) are ignored.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SurveyQuery {
    /// The site's public key (the script tag's `data-site`).
    pub site: SiteKey,
    /// The customer's languages, most wanted first (`ja`, `pt-BR,en`); then the browser's
    /// `Accept-Language`; then the survey's first language.
    pub lang: Option<String>,
    /// The script tag's `data-color`: the colour where the survey sets none.
    pub color: Option<String>,
    /// The script tag's `data-position` (`bottom-left`, `left`): where the survey sets none.
    pub position: Option<String>,
    /// The form of the answer the asker reads: the widget sends `2` (it reads `scales`).
    /// The answer is the same either way; the parameter makes another URL of each form, so
    /// a browser never takes one form from its cache for the other.
    #[param(maximum = 255)]
    pub form: Option<u8>,
}

/// The form of the resolved survey this collector answers with: 2 since it carries each
/// built-in scale's options (`scales`).
const RESOLVED_FORM: u8 = 2;

#[utoipa::path(
    get,
    path = "/api/v1/survey",
    tag = "ingest",
    summary = "A site's survey in the customer's language",
    description = "What the widget and the hosted page show: every text (the site's, else \
        Koe's), `{brand}` filled in, the reasons, the site's own question, each built-in \
        scale's options (`scales`: the values sent and their accessible names) and the look. \
        `{agent_display_name}` is left for the page. Cached for a minute; the `ETag` names \
        the version, the language, the site's name and the answer's form.",
    params(SurveyQuery),
    responses(
        (status = 200, description = "The survey.", body = ResolvedSurvey),
        (status = 304, description = "Not changed since the `ETag` sent in `If-None-Match`."),
    ),
)]
#[tracing::instrument(name = "api::survey", skip_all)]
pub async fn survey<S: Storage>(
    req: HttpRequest,
    state: web::Data<AppState<S>>,
) -> Result<HttpResponse, IngestError> {
    // Read here rather than by an extractor: a bad query is refused as the public endpoints
    // refuse, in their JSON.
    let query = web::Query::<SurveyQuery>::from_query(req.query_string())
        .map_err(|e| IngestError::InvalidField(format!("the query string is not valid: {e}")))?;
    let site = admit_site(&state, &req, &query.site).await?;
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let wanted = query.lang.as_deref().into_iter().chain(accept);
    let page = PageLook {
        color: query.color.clone(),
        position: match query.position.as_deref() {
            Some("bottom-left" | "left") => Some(Position::BottomLeft),
            Some("bottom-right" | "right") => Some(Position::BottomRight),
            _ => None,
        },
    };
    let survey = site.survey.resolve(wanted, &site.name, &page);
    // The page's look is part of what the URL names, so the browser's cache keeps them apart;
    // the tag says which version and language, which site name stood for `{brand}` (a
    // renamed site's survey is not its old one), and the answer's form (one Koe changed is not
    // the one a browser revalidates).
    let etag = format!(
        "\"v{}-{}-{:08x}-f{RESOLVED_FORM}\"",
        survey.version,
        survey.lang,
        fnv1a(&site.name)
    );
    let cache = format!("public, max-age={SURVEY_MAX_AGE_SECONDS}");
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Language"));
    Ok(if unchanged {
        response.finish()
    } else {
        response.json(survey)
    })
}
