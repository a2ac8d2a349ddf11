//! The Survey page (`/sites/{site}/survey`, owners and admins): the site's own survey as the
//! definition `koe survey show` prints (TOML), edited here, saved as a draft and previewed in
//! every language of the draft — the real widget rendering the draft beside the hosted page it
//! would show — then published as the next version (`sites::survey_publish`, with the version
//! edited: someone else's publication meanwhile is refused). A draft with problems is not saved;
//! each problem is listed with its field.
//!
//! The preview runs the shipped widget unchanged: its page (`…/survey/preview/widget`) loads
//! `koe.js` with `data-endpoint` set to `…/survey/preview`, under which this module answers the
//! widget's three calls — the survey (the draft, resolved as customers would get it), and an
//! impression and answers that are acknowledged and recorded nowhere.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use koe_shared::OfferedQuestion;
use koe_shared::survey::{LanguageTag, PageLook, Survey, SurveyDefinition};
use serde::Deserialize;

use super::super::frame::{TabLink, tab_links};
use super::super::viewer::Header;
use super::super::{SignedIn, failed, html, redirect, same_origin};
use crate::clock;
use crate::people::Need;
use crate::sites::survey::{PublishedSurvey, QuestionWords};
use crate::sites::survey_publish::{self, SurveyError};
use crate::storage::{Storage, SurveyDraftRecord};
use crate::templates::render;
use crate::texts::dashboard::Texts;
use crate::web::state::AppState;

/// One language's two previews.
#[derive(Debug)]
struct PreviewItem {
    lang: String,
    widget_src: String,
    page_src: String,
}

#[derive(Debug)]
struct VersionItem {
    version: u32,
    at: String,
    by: String,
}

#[derive(Debug, Template)]
#[template(path = "dashboard/survey.html")]
struct SurveyPage<'a> {
    t: &'a Texts,
    site_name: &'a str,
    header: &'a Header,
    other_lang_href: String,
    tabs: Vec<TabLink<'a>>,
    base: String,
    /// The version customers see.
    version: u32,
    /// The version the text in the form was started from (the form sends it back: publishing
    /// over a newer one is refused).
    base_version: u32,
    definition: String,
    /// "Draft saved 2026-12-07 10:00 by user:…", when the text is a draft.
    draft: Option<String>,
    published: Option<u32>,
    problems: Vec<String>,
    previews: Vec<PreviewItem>,
    versions: Vec<VersionItem>,
}

#[derive(Debug, Deserialize)]
pub struct SurveyForm {
    definition: String,
    /// The version the definition was edited from.
    version: u32,
    /// `preview`, `publish` or `discard` (the draft).
    intent: String,
}

#[derive(Debug, Deserialize)]
pub struct PublishedQuery {
    published: Option<u32>,
}

/// The definition as typed (TOML), read: `None` with the reason when it is not one.
fn read(text: &str) -> Result<SurveyDefinition, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

/// The survey a page previews: the draft when it reads and checks, else the published one.
fn previewed(draft: Option<&SurveyDraftRecord>, published: &PublishedSurvey) -> Survey {
    draft
        .and_then(|d| read(&d.definition).ok())
        .and_then(|d| d.check().ok())
        .unwrap_or_else(|| published.survey.clone())
}

struct Shown {
    status: StatusCode,
    definition: Option<String>,
    /// The version the text was edited from, when it is not what the page would say (a
    /// refused post's own).
    base_version: Option<u32>,
    problems: Vec<String>,
    published: Option<u32>,
}

async fn render_page<S: Storage>(
    state: &AppState<S>,
    page: &SignedIn<S>,
    shown: Shown,
) -> HttpResponse {
    let SignedIn { site, t, .. } = page;
    let (draft, versions) = match futures_util::try_join!(
        state.storage.survey_draft(site.id),
        survey_publish::versions(&state.storage, site),
    ) {
        Ok(found) => found,
        Err(error) => return failed(error),
    };
    let when = |at: jiff::Timestamp| {
        at.to_zoned(site.timezone.zone().clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    };
    let published = &site.survey;
    let base = format!("/dashboard/sites/{}", site.key);
    let survey = previewed(draft.as_ref(), published);
    let previews = survey
        .languages
        .iter()
        .map(|lang| PreviewItem {
            lang: lang.to_string(),
            widget_src: format!("{base}/survey/preview/widget?lang={lang}"),
            page_src: format!("{base}/survey/preview/page?lang={lang}"),
        })
        .collect();
    let definition = shown.definition.unwrap_or_else(|| match &draft {
        Some(draft) => draft.definition.clone(),
        None => toml::to_string_pretty(&published.survey.to_definition()).unwrap_or_default(),
    });
    let page = SurveyPage {
        t,
        site_name: &site.name,
        header: &page.header,
        other_lang_href: format!("{base}/survey?lang={}", t.other_lang_code),
        tabs: tab_links(t, &base, &format!("lang={}", t.lang), None),
        version: published.version,
        base_version: shown
            .base_version
            .or(draft.as_ref().map(|d| d.base_version))
            .unwrap_or(published.version),
        draft: draft.as_ref().map(|d| {
            format!(
                "{} {} ({} {})",
                t.survey.draft,
                when(d.saved_at),
                t.survey.by,
                d.saved_by
            )
        }),
        definition,
        published: shown.published,
        problems: shown.problems,
        previews,
        versions: versions
            .into_iter()
            .map(|v| VersionItem {
                version: v.version,
                at: when(v.published_at),
                by: v.published_by,
            })
            .collect(),
        base,
    };
    let mut response = html(shown.status, render(&page));
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(PAGE_CSP),
    );
    response
}

/// The dashboard's policy, with the preview's frames (its own pages) allowed.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; \
     style-src 'self'; img-src 'self'; frame-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// 403 for a person whose role does not administer the site. Each handler checks it itself (the
/// extractor checks it first), so no routing mistake can open these pages to a narrower role.
fn not_theirs<S>(page: &SignedIn<S>) -> Option<HttpResponse> {
    (!page.viewer.may(Need::Administer)).then(|| HttpResponse::Forbidden().finish())
}

#[tracing::instrument(name = "dashboard::survey::page", skip_all)]
pub async fn page<S: Storage>(
    page: SignedIn<S>,
    query: web::Query<PublishedQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if let Some(refused) = not_theirs(&page) {
        return refused;
    }
    let shown = Shown {
        status: StatusCode::OK,
        definition: None,
        base_version: None,
        problems: Vec::new(),
        published: query.published,
    };
    render_page(&state, &page, shown).await
}

/// Preview (the draft saved, the page again with its previews) or publish (the next version,
/// the draft dropped). A definition with problems is neither: the page lists them, the text
/// kept as typed.
#[tracing::instrument(name = "dashboard::survey::save", skip_all)]
pub async fn save<S: Storage>(
    req: HttpRequest,
    page: SignedIn<S>,
    form: web::Form<SurveyForm>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if !same_origin(&state, &req) || !page.viewer.may(Need::Administer) {
        return HttpResponse::Forbidden().finish();
    }
    let t = page.t;
    let base = format!("/dashboard/sites/{}/survey", page.site.key);
    if form.intent == "discard" {
        return match state.storage.drop_survey_draft(page.site.id).await {
            Ok(()) => redirect(&format!("{base}?lang={}", t.lang)),
            Err(error) => failed(error),
        };
    }
    let refused = |problems: Vec<String>| Shown {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        definition: Some(form.definition.clone()),
        base_version: Some(form.version),
        problems,
        published: None,
    };
    let definition = match read(&form.definition) {
        Ok(definition) => definition,
        Err(why) => {
            let shown = refused(vec![format!("{} {why}", t.survey.not_toml)]);
            return render_page(&state, &page, shown).await;
        }
    };
    if let Err(problems) = definition.check() {
        let shown = refused(problems.iter().map(ToString::to_string).collect());
        return render_page(&state, &page, shown).await;
    }
    if form.intent != "publish" {
        let draft = SurveyDraftRecord {
            definition: form.definition.clone(),
            base_version: form.version,
            saved_at: clock::now(),
            saved_by: page.viewer.actor().to_string(),
        };
        return match state.storage.save_survey_draft(page.site.id, draft).await {
            Ok(()) => redirect(&format!("{base}?lang={}#preview", t.lang)),
            Err(error) => failed(error),
        };
    }
    let actor = page.viewer.actor();
    match survey_publish::publish(
        &state.storage,
        &page.site,
        &definition,
        Some(form.version),
        actor,
    )
    .await
    {
        Ok(published) => {
            if let Err(error) = state.storage.drop_survey_draft(page.site.id).await {
                tracing::warn!(error = %error, "a published survey's draft stayed");
            }
            if let Err(error) = state.sites.reload(&state.storage).await {
                return failed(error);
            }
            redirect(&format!(
                "{base}?lang={}&published={}",
                t.lang, published.version
            ))
        }
        Err(SurveyError::Storage(error)) => failed(error),
        Err(refusal) => {
            let shown = Shown {
                status: StatusCode::CONFLICT,
                ..refused(vec![refusal.to_string()])
            };
            render_page(&state, &page, shown).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct PreviewQuery {
    lang: Option<String>,
}

/// The preview's address of a language, `?lang=` read as a tag (else the survey's first).
fn preview_lang(query: &PreviewQuery) -> Vec<LanguageTag> {
    query
        .lang
        .as_deref()
        .and_then(|l| LanguageTag::try_from(l).ok())
        .into_iter()
        .collect()
}

/// The previewed survey of the page's site, in the language asked.
async fn draft_survey<S: Storage>(
    state: &AppState<S>,
    page: &SignedIn<S>,
    query: &PreviewQuery,
) -> Result<koe_shared::survey::ResolvedSurvey, HttpResponse> {
    let draft = state
        .storage
        .survey_draft(page.site.id)
        .await
        .map_err(failed)?;
    let survey = previewed(draft.as_ref(), &page.site.survey);
    let lang = survey.language_for(&preview_lang(query)).clone();
    let version = page.site.survey.version;
    Ok(survey.resolve_on_page(version, &lang, &page.site.name, &PageLook::default()))
}

/// The preview's frame pages: the dashboard's own scripts, the widget's WebAssembly, nothing
/// else; framed only by the dashboard itself.
const PREVIEW_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
     connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; \
     frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

fn framed(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, PREVIEW_CSP))
        .insert_header((header::X_FRAME_OPTIONS, "SAMEORIGIN"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// The widget's preview page: the shipped loader, its calls answered by this module.
#[tracing::instrument(name = "dashboard::survey::preview_widget", skip_all)]
pub async fn preview_widget<S: Storage>(
    page: SignedIn<S>,
    query: web::Query<PreviewQuery>,
) -> HttpResponse {
    if let Some(refused) = not_theirs(&page) {
        return refused;
    }
    let lang = preview_lang(&query)
        .first()
        .map_or_else(String::new, ToString::to_string);
    framed(render(&WidgetPreview {
        site: page.site.key.as_str(),
        lang: &lang,
        endpoint: &format!("/dashboard/sites/{}/survey/preview", page.site.key),
    }))
}

#[derive(Debug, Template)]
#[template(path = "dashboard/survey_preview.html")]
struct WidgetPreview<'a> {
    site: &'a str,
    lang: &'a str,
    endpoint: &'a str,
}

/// The hosted page's preview: the page a rating link opens, with the draft's words.
#[tracing::instrument(name = "dashboard::survey::preview_page", skip_all)]
pub async fn preview_page<S: Storage>(
    page: SignedIn<S>,
    query: web::Query<PreviewQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if let Some(refused) = not_theirs(&page) {
        return refused;
    }
    let survey = match draft_survey(&state, &page, &query).await {
        Ok(survey) => survey,
        Err(response) => return response,
    };
    let words = QuestionWords::of(&survey);
    let t = crate::texts::survey::of(survey.lang.locale().unwrap_or(koe_shared::Locale::En));
    let body = crate::web::survey_page::preview(t, &words, OfferedQuestion::Csat);
    framed(body)
}

/// `GET …/preview/api/v1/survey`: the draft as the widget gets a survey.
#[tracing::instrument(name = "dashboard::survey::preview_survey", skip_all)]
pub async fn preview_survey<S: Storage>(
    page: SignedIn<S>,
    query: web::Query<PreviewQuery>,
    state: web::Data<AppState<S>>,
) -> HttpResponse {
    if let Some(refused) = not_theirs(&page) {
        return refused;
    }
    match draft_survey(&state, &page, &query).await {
        Ok(survey) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(survey),
        Err(response) => response,
    }
}

/// `POST …/preview/api/v1/impressions` and `…/responses`: acknowledged, recorded nowhere.
#[tracing::instrument(name = "dashboard::survey::preview_answer", skip_all)]
pub async fn preview_answer<S: Storage>(page: SignedIn<S>) -> HttpResponse {
    if let Some(refused) = not_theirs(&page) {
        return refused;
    }
    HttpResponse::Ok().json(serde_json::json!({ "show": true, "recorded": false }))
}
