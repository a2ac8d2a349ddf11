//! What every signed-in dashboard page shows around its content (`templates/dashboard/
//! frame.html`): the site, the tabs, the language switch, sign-out and the filters form, all
//! keeping the page's filters in their links. A page whose filters cannot be shown gets the
//! same frame from the URL's values as given ([`Frame::refused`]), the bad ones marked.

use koe_shared::Channel;

use super::filters::{Filters, PageQuery, Problem};
use super::viewer::Header;
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
    Service,
}

impl Tab {
    const ALL: [Self; 5] = [
        Self::Overview,
        Self::Agents,
        Self::Channels,
        Self::Comments,
        Self::Service,
    ];

    /// The tab's label.
    pub fn label(self, t: &Texts) -> &'static str {
        let index = Self::ALL.iter().position(|tab| *tab == self).unwrap_or(0);
        t.pages.tabs[index]
    }

    /// The tab's path under the site's.
    pub fn path(self) -> &'static str {
        match self {
            Self::Overview => "",
            Self::Agents => "/agents",
            Self::Channels => "/channels",
            Self::Comments => "/comments",
            Self::Service => "/service",
        }
    }

    /// Whether the page compares with an earlier period (the Service page reads its trend
    /// instead: its form keeps the URL's choice hidden, for the other tabs' links).
    pub fn compares(self) -> bool {
        !matches!(self, Self::Service)
    }
}

/// The tabs' links, each keeping `query`, `current` marked.
pub fn tab_links<'a>(
    t: &'a Texts,
    base: &str,
    query: &str,
    current: Option<Tab>,
) -> Vec<TabLink<'a>> {
    Tab::ALL
        .into_iter()
        .zip(t.pages.tabs)
        .map(|(each, label)| TabLink {
            label,
            href: format!("{base}{}?{query}", each.path()),
            current: Some(each) == current,
        })
        .collect()
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
    /// The site's Integrations page (in the header, beside the language switch).
    /// The header's links, as the person's role has them.
    pub header: &'a Header,
    /// `aria-current` of the current tab: `page`, or `true` on a page under it (an agent's).
    pub current: &'static str,
    /// The query string of this page in the other language.
    /// The same page in the other language (`?` and that query).
    pub other_lang_href: String,
    pub from: String,
    pub to: String,
    pub buckets: Vec<Choice<'a>>,
    /// Whether the form shows the comparison (otherwise it keeps `compare` hidden).
    pub compare_filter: bool,
    pub compare: &'a str,
    pub compares: Vec<Choice<'a>>,
    pub channels: Vec<Choice<'a>>,
    pub team: &'a str,
    pub agent: &'a str,
    /// Whether the page takes the agent filter (an agent's own page and the ranking do not).
    pub agent_filter: bool,
    /// The page without any filter but the language.
    pub clear_href: String,
    /// The date inputs' type: `date`, or `text` for a value given in the URL that is not a
    /// date (a date input would show it empty).
    pub from_type: &'static str,
    pub to_type: &'static str,
    /// The cards' heading: against which earlier period.
    pub against: &'a str,
    /// What is wrong with the URL, on a page that cannot be shown.
    pub problem: Option<Problem>,
    /// The field the problem's message follows (`""`: the top of the form).
    message_after: &'static str,
}

/// The fields of the filters form, in its order: the shared filters, then the comment feed's,
/// then the Service page's.
const FORM_ORDER: [&str; 15] = [
    "from",
    "to",
    "bucket",
    "compare",
    "team",
    "channel",
    "agent",
    "min_csat",
    "max_csat",
    "min_nps",
    "max_nps",
    "reason",
    "has_comment",
    "flagged",
    "topic",
];

/// `Some(value)` of the URL's parameter when it is given and not empty.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.trim().is_empty())
}

/// An input's type for a day the URL gave: `text` when it is not one (so it stays visible).
fn date_type(value: &str) -> &'static str {
    if value.is_empty() || value.parse::<jiff::civil::Date>().is_ok() {
        "date"
    } else {
        "text"
    }
}

/// A `<select>`'s options with the URL's value chosen; a value the list does not hold is added
/// as given, so the form shows what was asked for.
fn choices_keeping<'a>(
    options: impl IntoIterator<Item = (&'a str, &'a str)>,
    given: &'a str,
) -> Vec<Choice<'a>> {
    let mut list = Choice::list(options, given);
    if !given.is_empty() && !list.iter().any(|c| c.selected) {
        list.push(Choice {
            value: given,
            label: given,
            selected: true,
        });
    }
    list
}

impl<'a> Frame<'a> {
    /// The frame of `tab` for `site`; `page_params` are the page's own parameters (kept by
    /// the language switch).
    pub fn new(
        t: &'a Texts,
        site: &'a Site,
        header: &'a Header,
        filters: &'a Filters,
        tab: Tab,
        heading: String,
        page_params: &[(&str, &str)],
    ) -> Self {
        let base = format!("/dashboard/sites/{}", site.key);
        let r = &filters.report;
        let tabs = tab_links(t, &base, &filters.query(&[], &[]), Some(tab));
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
            header,
            current: "page",
            other_lang_href: format!("?{}", filters.query_in(t.other_lang_code, page_params, &[])),
            from: r.from.to_string(),
            to: r.to.to_string(),
            buckets,
            compare_filter: tab.compares(),
            compare: filters.compare.as_str(),
            compares,
            channels,
            team: r.team.as_ref().map_or("", |t| t.as_str()),
            agent: r.agent.as_ref().map_or("", |a| a.as_str()),
            agent_filter: !matches!(tab, Tab::Agents),
            clear_href: format!("{base}{}?lang={}", tab.path(), t.lang),
            from_type: "date",
            to_type: "date",
            against: against(t, filters.compare),
            problem: None,
            message_after: "",
        }
    }

    /// The frame of a page whose request cannot be shown: the URL's values as given (the tabs
    /// keep those that are fine), the bad ones marked, `problem` beside them. `page_params` are
    /// the page's own parameters the form shows (their names), kept by the language switch;
    /// `agent_page` names the agent of an agent's page (whose tabs leave the agent out).
    pub fn refused(
        t: &'a Texts,
        (site, header): (&'a Site, &'a Header),
        query: &'a PageQuery,
        tab: Tab,
        agent_page: Option<&str>,
        page_params: &[(&str, &str)],
        problem: Problem,
    ) -> Self {
        let base = format!("/dashboard/sites/{}", site.key);
        let page_path = match agent_page {
            Some(agent) => {
                let segment: String =
                    url::form_urlencoded::byte_serialize(agent.as_bytes()).collect();
                format!("{base}/agents/{}", segment.replace('+', "%20"))
            }
            None => format!("{base}{}", tab.path()),
        };
        let shared = [
            ("from", &query.from),
            ("to", &query.to),
            ("bucket", &query.bucket),
            ("compare", &query.compare),
            ("team", &query.team),
            ("channel", &query.channel),
            ("agent", &query.agent),
        ];
        // The tabs keep the filters that are fine (an agent's page keeps no agent filter).
        let mut kept = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in shared {
            let left_out =
                problem.fields.contains(&name) || (name == "agent" && agent_page.is_some());
            if let (Some(value), false) = (given(value), left_out) {
                kept.append_pair(name, value);
            }
        }
        kept.append_pair("lang", t.lang);
        let kept = kept.finish();
        let tabs = tab_links(t, &base, &kept, Some(tab));
        // The language switch shows this very page, its values as given.
        let mut same = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in shared {
            if let Some(value) = given(value) {
                same.append_pair(name, value);
            }
        }
        for (name, value) in page_params {
            same.append_pair(name, value);
        }
        same.append_pair("lang", t.other_lang_code);
        let from = given(&query.from).unwrap_or_default();
        let to = given(&query.to).unwrap_or_default();
        let bucket = given(&query.bucket).unwrap_or("week");
        let compare = given(&query.compare).unwrap_or(Compare::Previous.as_str());
        let channel = given(&query.channel).unwrap_or_default();
        let agent_filter = !matches!(tab, Tab::Agents);
        // A page that does not compare still shows a bad comparison, marked, to be corrected.
        let compare_filter = tab.compares() || problem.fields.contains(&"compare");
        // Where the message goes: after the last field it is about that the form shows.
        let shown = |field: &str| {
            (field != "agent" || agent_filter)
                && (field != "compare" || compare_filter)
                && (FORM_ORDER[..7].contains(&field)
                    || page_params.iter().any(|(name, _)| *name == field))
        };
        let message_after = FORM_ORDER
            .iter()
            .rev()
            .find(|field| problem.fields.contains(*field) && shown(field))
            .copied()
            .unwrap_or("");
        let other_lang_query = same.finish();
        Self {
            heading: match agent_page {
                Some(agent) => agent.to_owned(),
                None => tab.label(t).to_owned(),
            },
            site_name: &site.name,
            tabs,
            header,
            current: if agent_page.is_some() { "true" } else { "page" },
            other_lang_href: format!("?{other_lang_query}"),
            from: from.to_owned(),
            to: to.to_owned(),
            buckets: choices_keeping(
                ["day", "week", "month", "all"].into_iter().zip(t.buckets),
                bucket,
            ),
            compare_filter,
            compare,
            compares: choices_keeping(
                [Compare::Previous, Compare::PreviousYear]
                    .map(Compare::as_str)
                    .into_iter()
                    .zip(t.pages.compare_options),
                compare,
            ),
            channels: choices_keeping(
                std::iter::once(("", t.pages.any))
                    .chain(Channel::ALL.iter().map(|c| (c.as_str(), c.as_str()))),
                channel,
            ),
            team: query.team.as_deref().unwrap_or_default(),
            agent: if agent_page.is_some() {
                ""
            } else {
                query.agent.as_deref().unwrap_or_default()
            },
            agent_filter,
            clear_href: format!("{page_path}?lang={}", t.lang),
            from_type: date_type(from),
            to_type: date_type(to),
            against: against(t, Compare::parse(compare).unwrap_or(Compare::Previous)),
            problem: Some(problem),
            message_after,
        }
    }

    /// Whether the URL's value of `field` is what the page cannot show.
    pub fn is_invalid(&self, field: &str) -> bool {
        self.problem
            .as_ref()
            .is_some_and(|p| p.fields.contains(&field))
    }

    /// Whether the problem's message follows `field` (`""`: the top of the form).
    pub fn problem_after(&self, field: &str) -> bool {
        self.problem.is_some() && self.message_after == field
    }
}

/// The cards' heading for the earlier period compared with.
fn against(t: &Texts, compare: Compare) -> &'static str {
    match compare {
        Compare::Previous => t.insights.overview,
        Compare::PreviousYear => t.insights.overview_year,
    }
}
