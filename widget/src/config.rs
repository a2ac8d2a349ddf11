//! What the loader tells the widget (from the script tag) and what each `koe('show', …)` asks.

use crate::color::Brand;
use crate::state::Question;
use koe_shared::Locale;

/// Where the survey card sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    BottomRight,
    BottomLeft,
    /// Inside the element `data-target` names.
    Inline,
}

impl Position {
    pub fn from_attribute(raw: Option<&str>, has_target: bool) -> Self {
        match raw {
            _ if has_target => Self::Inline,
            Some("bottom-left" | "left") => Self::BottomLeft,
            _ => Self::BottomRight,
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Self::BottomRight => "koe-right",
            Self::BottomLeft => "koe-left",
            Self::Inline => "koe-inline",
        }
    }
}

/// Settings from the script tag's `data-*` attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct WidgetConfig {
    pub site: String,
    /// The collector's origin, e.g. `https://koe.example.com`.
    pub endpoint: String,
    pub lang: Locale,
    pub brand: Brand,
    pub position: Position,
    pub target: Option<String>,
}

/// One `koe('show', { … })` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShowRequest {
    pub interaction: String,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub channel: Option<String>,
    pub token: Option<String>,
    /// The site's id for the customer, sent with the impression only: the survey cooldown counts
    /// it when the token signs the same customer, and the collector ignores it otherwise.
    pub customer: Option<String>,
    pub steps: Vec<Question>,
}

impl ShowRequest {
    /// A help-article survey: "Did this answer your question?" then an optional comment,
    /// on the `help_center` channel. Each view is its own interaction, named after the article.
    pub fn article(article: &str, visit: &str) -> Self {
        Self {
            interaction: format!("article:{article}:{visit}"),
            agent: None,
            team: None,
            channel: Some("help_center".into()),
            token: None,
            customer: None,
            steps: vec![Question::Article, Question::Comment],
        }
    }

    /// Whether this survey is remembered as answered (article views are never skipped).
    pub fn remembered(&self) -> bool {
        !self.steps.contains(&Question::Article)
    }
}
