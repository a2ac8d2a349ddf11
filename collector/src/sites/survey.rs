//! A site's own survey as the collector holds it: the version its customers see now, read
//! with the site (so the site directory serves it from memory, even while the database is
//! down), stored as the JSON of its definition.

use koe_shared::survey::language;
use koe_shared::survey::{PageLook, ResolvedSurvey, Survey, SurveyDefinition, TextKey};

/// The survey a site publishes now (by default Koe's own, version 0).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishedSurvey {
    /// 0: Koe's own survey, never published; then 1, 2, … per publication.
    pub version: u32,
    pub survey: Survey,
}

impl PublishedSurvey {
    /// From the site's row: its version and definition (`None`: Koe's own). A stored
    /// definition was checked before it was stored; one that no longer passes says why.
    pub fn from_stored(version: u32, definition: Option<&str>) -> Result<Self, String> {
        let Some(json) = definition else {
            return Ok(Self {
                version,
                survey: Survey::default(),
            });
        };
        let definition: SurveyDefinition =
            serde_json::from_str(json).map_err(|e| format!("a stored survey: {e}"))?;
        let survey = definition.check().map_err(|problems| {
            let first = problems.first().map(ToString::to_string);
            format!(
                "a stored survey no longer passes: {}",
                first.unwrap_or_default()
            )
        })?;
        Ok(Self { version, survey })
    }

    /// What is stored: the definition as JSON.
    pub fn stored(survey: &Survey) -> String {
        serde_json::to_string(&survey.to_definition()).expect("a definition serialises")
    }

    /// The survey for a customer whose languages are `wanted` (a `lang` parameter, then the
    /// browser's `Accept-Language`, …, each a tag or a list).
    pub fn resolve<'a>(
        &self,
        wanted: impl IntoIterator<Item = &'a str>,
        site_name: &str,
        page: &PageLook,
    ) -> ResolvedSurvey {
        let wanted = language::preferences(wanted);
        let lang = self.survey.language_for(&wanted).clone();
        self.survey
            .resolve_on_page(self.version, &lang, site_name, page)
    }

    /// The survey in the language closest to `lang`, chosen as [`Self::resolve`] does.
    pub fn in_language(&self, lang: &str, site_name: &str) -> ResolvedSurvey {
        self.resolve([lang], site_name, &PageLook::default())
    }
}

/// A site's words for the questions the server-rendered places ask — the hosted survey page,
/// the rating email — in the customer's language: the same the widget shows, `{brand}` and
/// the agent filled in. Templates escape them like any other value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionWords {
    /// The language they are in (a BCP 47 tag): pages mark them with it where it is not the
    /// page's own.
    pub lang: String,
    pub csat_question: String,
    pub csat_labels: [String; 5],
    pub nps_question: String,
    pub nps_low: String,
    pub nps_high: String,
}

impl QuestionWords {
    pub fn of(survey: &ResolvedSurvey) -> Self {
        let text = |key| survey.text(key, None);
        Self {
            lang: survey.lang.to_string(),
            csat_question: text(TextKey::CsatQuestion),
            csat_labels: survey.csat_labels(),
            nps_question: text(TextKey::NpsQuestion),
            nps_low: text(TextKey::NpsLow),
            nps_high: text(TextKey::NpsHigh),
        }
    }

    /// Koe's own words in one of its languages.
    pub fn koe(lang: &str) -> Self {
        Self::of(&PublishedSurvey::default().in_language(lang, ""))
    }
}
