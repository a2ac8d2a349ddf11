//! What the loader tells the widget (from the script tag) and what each `koe('show', …)` asks.

use crate::state::Question;

/// Settings from the script tag's `data-*` attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct WidgetConfig {
    pub site: String,
    /// The collector's origin, e.g. `https://koe.example.com`.
    pub endpoint: String,
    /// The customer's languages, most wanted first: `data-lang`, else the browser's
    /// (`ja,en-US`). The collector picks the survey's language from them.
    pub languages: String,
    /// `data-color` and `data-position`: the look where the site's published survey sets none.
    pub color: Option<String>,
    pub position_attribute: Option<String>,
    /// `data-target`: the element the survey goes in, instead of a corner of the page.
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
    /// `agentName`: what `{agent_display_name}` stands for in the site's texts.
    pub agent_name: Option<String>,
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
            agent_name: None,
            steps: vec![Question::Article, Question::Comment],
        }
    }

    /// Whether this survey is remembered as answered (article views are never skipped).
    pub fn remembered(&self) -> bool {
        !self.steps.contains(&Question::Article)
    }
}
