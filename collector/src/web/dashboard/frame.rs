//! What every signed-in dashboard page shows around its content (`templates/dashboard/
//! frame.html`): the site, the tabs, the language switch, sign-out and the filters form, all
//! keeping the page's filters in their links.

use koe_shared::Channel;

use super::filters::Filters;
use crate::report::compare::Compare;
use crate::sites::Site;
use crate::texts::dashboard::Texts;

/// The dashboard's pages, in the tabs' order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Overview,
    Agents,
    Channels,
    Comments,
}

impl Tab {
    const ALL: [Self; 4] = [Self::Overview, Self::Agents, Self::Channels, Self::Comments];

    /// The tab's path under the site's.
    fn path(self) -> &'static str {
        match self {
            Self::Overview => "",
            Self::Agents => "/agents",
            Self::Channels => "/channels",
            Self::Comments => "/comments",
        }
    }
}

/// A tab's link.
#[derive(Debug)]
pub struct TabLink<'a> {
    pub label: &'a str,
    pub href: String,
    /// The tab of this page (or of the page it belongs to, see [`Frame::current`]).
    pub current: bool,
}

/// An option of a `<select>`.
#[derive(Debug)]
pub struct Choice<'a> {
    pub value: &'a str,
    pub label: &'a str,
    pub selected: bool,
}

impl<'a> Choice<'a> {
    /// `options` as `(value, label)`, the one equal to `current` selected.
    pub fn list(options: impl IntoIterator<Item = (&'a str, &'a str)>, current: &str) -> Vec<Self> {
        options
            .into_iter()
            .map(|(value, label)| Choice {
                value,
                label,
                selected: value == current,
            })
            .collect()
    }
}

/// The frame of a page: everything `frame.html` shows but the page's own content.
#[derive(Debug)]
pub struct Frame<'a> {
    pub heading: String,
    pub site_name: &'a str,
    pub tabs: Vec<TabLink<'a>>,
    /// `aria-current` of the current tab: `page`, or `true` on a page under it (an agent's).
    pub current: &'static str,
    /// The query string of this page in the other language.
    pub other_lang_query: String,
    pub from: String,
    pub to: String,
    pub buckets: Vec<Choice<'a>>,
    pub compares: Vec<Choice<'a>>,
    pub channels: Vec<Choice<'a>>,
    pub team: &'a str,
    pub agent: &'a str,
    /// Whether the page takes the agent filter (an agent's own page and the ranking do not).
    pub agent_filter: bool,
    /// The page without any filter but the language.
    pub clear_href: String,
}

impl<'a> Frame<'a> {
    /// The frame of `tab` for `site`; `page_params` are the page's own parameters (kept by
    /// the language switch).
    pub fn new(
        t: &'a Texts,
        site: &'a Site,
        filters: &'a Filters,
        tab: Tab,
        heading: String,
        page_params: &[(&str, &str)],
    ) -> Self {
        let base = format!("/dashboard/sites/{}", site.key);
        let r = &filters.report;
        let tabs = Tab::ALL
            .into_iter()
            .zip(t.pages.tabs)
            .map(|(each, label)| TabLink {
                label,
                href: format!("{base}{}?{}", each.path(), filters.query(&[], &[])),
                current: each == tab,
            })
            .collect();
        let buckets = Choice::list(
            ["day", "week", "month", "all"].into_iter().zip(t.buckets),
            r.bucket.as_str(),
        );
        let compares = Choice::list(
            [Compare::Previous, Compare::PreviousYear]
                .map(Compare::as_str)
                .into_iter()
                .zip(t.pages.compare_options),
            filters.compare.as_str(),
        );
        let channels = Choice::list(
            std::iter::once(("", t.pages.any))
                .chain(Channel::ALL.iter().map(|c| (c.as_str(), c.as_str()))),
            r.channel.map_or("", Channel::as_str),
        );
        Self {
            heading,
            site_name: &site.name,
            tabs,
            current: "page",
            other_lang_query: filters.query_in(t.other_lang_code, page_params, &[]),
            from: r.from.to_string(),
            to: r.to.to_string(),
            buckets,
            compares,
            channels,
            team: r.team.as_ref().map_or("", |t| t.as_str()),
            agent: r.agent.as_ref().map_or("", |a| a.as_str()),
            agent_filter: !matches!(tab, Tab::Agents),
            clear_href: format!("{base}{}?lang={}", tab.path(), t.lang),
        }
    }
}
