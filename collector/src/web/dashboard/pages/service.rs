//! Service: how support is doing on the interactions' own facts. Seven cards over the range —
//! CSAT and NPS from the survey, FCR from the facts (beside the customers' own "resolved?"),
//! first response time, interactions handled per day with the resolution rate,
//! self-resolution and the contact rate — each with its 95 % interval, n and its trend as a
//! small line (and as a table); then what goes with unhappy customers (the drivers' bands
//! whose CSAT falls below the rest, called out only when the interval says so) and every
//! band's CSAT and NPS, cut by cut. Figures a filter does not narrow say so.

use std::borrow::Cow;

use actix_web::{HttpResponse, web};
use askama::Template;
use koe_shared::Channel;
use koe_shared::compare::{Change, Verdict};
use koe_shared::metrics::Estimate;

use super::super::chart::TrendPoint;
use super::super::filters::{Filters, Problem, non_empty, report_parameters};
use super::super::frame::{Frame, Tab};
use super::super::insights::{Cell, cell};
use super::super::refused;
use super::super::sparkline::{Scale, Sparkline};
use super::super::viewer::Header;
use super::super::{Answer, SignedIn, failed, html_ok};
use super::points;
use crate::facts::settings::duration;
use crate::report::drivers::{DriverBand, Drivers, UnhappyBand};
use crate::report::service::{Percentile, ServiceQuery, ServiceReport, ServiceRow};
use crate::report::{self, Bucket, Report, ReportQuery, ReportRow};
use crate::sites::Site;
use crate::storage::Storage;
use crate::texts::dashboard::Texts;
use crate::texts::service::ServiceTexts;
use crate::web::state::AppState;

/// A line under a card's value: a related figure, formatted.
#[derive(Debug)]
struct Line<'a> {
    label: Cow<'a, str>,
    text: String,
}

/// One KPI of the range.
#[derive(Debug)]
struct Kpi<'a> {
    /// The card's id in the page, `kpi-{id}` (a link or a test can point at it).
    id: &'static str,
    name: &'a str,
    /// `None`: nothing to show (`missing` says why when the report does).
    main: Option<Cell>,
    /// Why the report could not compute the value (the contact rate's reason, in English).
    missing: Option<&'a str>,
    /// What the card says without a value or a reason.
    empty: &'a str,
    /// The value rests on fewer answers or interactions than the site's threshold.
    low_n: bool,
    lines: Vec<Line<'a>>,
    /// The filters this figure is not narrowed by, when the URL has any.
    note: Option<String>,
    spark: Sparkline,
}

/// A band whose CSAT is below the rest's.
#[derive(Debug)]
struct UnhappyRow<'a> {
    /// `called-out`, `low-n`, both or none.
    class: &'static str,
    cut: &'a str,
    band: &'a str,
    difference: String,
    interval: String,
    n: u64,
    called_out: bool,
    low_n: bool,
}

/// A band's figure against the rest of the answers: its verdict in words and the difference.
#[derive(Debug)]
struct VsRest<'a> {
    /// `up`, `down`, `no-clear-change` or `no-comparison` (the verdicts' colours).
    class: &'static str,
    words: &'a str,
    difference: String,
}

#[derive(Debug)]
struct BandRow<'a> {
    name: &'a str,
    low_n: bool,
    csat: Option<Cell>,
    csat_vs_rest: VsRest<'a>,
    nps: Option<Cell>,
    nps_vs_rest: VsRest<'a>,
}

/// The bands of one cut (first response time, contacts, handled by, topic).
#[derive(Debug)]
struct CutTable<'a> {
    /// The cut's code, for the table's id.
    id: &'a str,
    label: &'a str,
    bands: Vec<BandRow<'a>>,
}

#[derive(Debug, Template)]
#[template(path = "dashboard/service.html")]
struct ServicePage<'a> {
    t: &'a Texts,
    s: &'a ServiceTexts,
    frame: Frame<'a>,
    /// The topic filter, as the form shows it.
    topic: &'a str,
    cards: Vec<Kpi<'a>>,
    /// The filters the drivers are not narrowed by, when the URL has any.
    drivers_note: Option<String>,
    unhappy: Vec<UnhappyRow<'a>>,
    cuts: Vec<CutTable<'a>>,
}

#[tracing::instrument(name = "dashboard::service::page", skip_all)]
pub async fn page<S: Storage>(page: SignedIn<S>, state: web::Data<AppState<S>>) -> HttpResponse {
    let SignedIn {
        site,
        t,
        filters,
        query,
        ..
    } = &page;
    // The shared filters parsed already; the topic is this page's own, and says what is
    // wrong with it inside the frame like any other.
    let topic = non_empty(&query.topic);
    let mut trend = match ServiceQuery::parse(&report_parameters(query), &topic, site.today()) {
        Ok(trend) => trend,
        Err(error) => {
            return refused::page(
                t,
                site,
                &page.header,
                query,
                Tab::Service,
                None,
                Problem::from(&error),
            );
        }
    };
    // The team and agent as the person's scope narrowed them (a team lead's team, never the
    // whole site), not as the URL gave them.
    trend.filter.team = filters.report.team.as_ref().map(|t| t.as_str().to_owned());
    trend.filter.agent = filters.report.agent.as_ref().map(|a| a.as_str().to_owned());
    render(&state, t, site, &page.header, filters, &trend)
        .await
        .unwrap_or_else(|r| r)
}

/// `trend`: the service report by the URL's bucket (a week unless it says otherwise).
async fn render<S: Storage>(
    state: &AppState<S>,
    t: &'static Texts,
    site: &Site,
    header: &Header,
    filters: &Filters,
    trend: &ServiceQuery,
) -> Answer {
    let s = t.service;
    let whole = ServiceQuery {
        bucket: Bucket::All,
        ..trend.clone()
    };
    let survey_by_bucket = ReportQuery {
        group_by: Vec::new(),
        compare: None,
        ..filters.report.clone()
    };
    let survey_whole = ReportQuery {
        bucket: Bucket::All,
        ..survey_by_bucket.clone()
    };
    let (survey, survey_trend, service, service_trend, drivers) = futures_util::try_join!(
        report::load(&state.storage, site, &survey_whole),
        report::load(&state.storage, site, &survey_by_bucket),
        report::load_service(&state.storage, site, &whole),
        report::load_service(&state.storage, site, trend),
        report::load_drivers(&state.storage, site, &whole),
    )
    .map_err(failed)?;
    let topic = whole.filter.topic.as_deref().unwrap_or_default();
    let unnarrowed = Unnarrowed {
        s,
        agent: filters.report.agent.is_some(),
        channel: filters
            .report
            .channel
            .is_some_and(|c| c != Channel::HelpCenter),
        topic: !topic.is_empty(),
    };
    let threshold = u64::from(site.low_n_threshold);
    let own: Vec<(&str, &str)> = if topic.is_empty() {
        Vec::new()
    } else {
        vec![("topic", topic)]
    };
    let figures = Figures {
        t,
        s,
        threshold,
        unnarrowed: &unnarrowed,
        survey: survey.rows.first(),
        service: service.rows.first(),
        frt_target_secs: service.frt_target_secs,
        survey_trend: &survey_trend,
        service_trend: &service_trend,
    };
    let page = ServicePage {
        t,
        s,
        frame: Frame::new(
            t,
            site,
            header,
            filters,
            Tab::Service,
            t.pages.tabs[4].into(),
            &own,
        ),
        topic,
        cards: figures.cards(),
        drivers_note: unnarrowed.of(&[Filter::Agent, Filter::Topic]),
        unhappy: unhappy_rows(s, &drivers.unhappy, threshold),
        cuts: cut_tables(t, s, &drivers, threshold),
    };
    Ok(html_ok(&page))
}

/// The filters a figure may not be narrowed by.
#[derive(Debug, Clone, Copy)]
enum Filter {
    Agent,
    Channel,
    Topic,
}

/// Which filters the URL sets, to say which of them a figure leaves out.
#[derive(Debug)]
struct Unnarrowed {
    s: &'static ServiceTexts,
    agent: bool,
    /// A channel other than the help center's (where help articles are read).
    channel: bool,
    topic: bool,
}

impl Unnarrowed {
    /// "Not narrowed by agent, topic" for those of `filters` the URL sets; `None` if none.
    fn of(&self, filters: &[Filter]) -> Option<String> {
        let names: Vec<&str> = filters
            .iter()
            .filter_map(|filter| match filter {
                Filter::Agent => self.agent.then_some(self.s.filter_names[0]),
                Filter::Channel => self.channel.then_some(self.s.filter_names[1]),
                Filter::Topic => self.topic.then_some(self.s.filter_names[2]),
            })
            .collect();
        (!names.is_empty()).then(|| {
            format!(
                "{}{}{}",
                self.s.not_narrowed[0],
                names.join(self.s.list_separator),
                self.s.not_narrowed[1]
            )
        })
    }
}

/// What the cards are made of: the whole range's rows and the rows by bucket.
#[derive(Debug)]
struct Figures<'r> {
    t: &'static Texts,
    s: &'static ServiceTexts,
    threshold: u64,
    unnarrowed: &'r Unnarrowed,
    survey: Option<&'r ReportRow>,
    service: Option<&'r ServiceRow>,
    frt_target_secs: i64,
    survey_trend: &'r Report,
    service_trend: &'r ServiceReport,
}

fn decimals_1(v: f64) -> String {
    format!("{v:.1}")
}

fn decimals_0(v: f64) -> String {
    format!("{v:.0}")
}

fn decimals_2(v: f64) -> String {
    format!("{v:.2}")
}

/// Seconds as a short duration (`45 s`, `15 min`, `1.5 h`), as the FRT bands are labelled.
fn seconds(v: f64) -> String {
    duration(v.round() as i64)
}

/// A first-response percentile as a card's cell; in the histogram's open last bucket, "≥".
fn frt_cell(p: Option<Percentile>) -> Option<Cell> {
    p.map(|p| Cell {
        value: if p.at_least {
            format!("≥ {}", seconds(p.seconds))
        } else {
            seconds(p.seconds)
        },
        interval: format!("{} – {}", seconds(p.low), seconds(p.high)),
        n: p.n,
    })
}

/// A cell as one line's text: "72.0 (61.3 – 80.9), n = 40", or a dash.
fn cell_text(figure: Option<Cell>) -> String {
    figure.map_or_else(
        || "–".to_owned(),
        |c| format!("{} ({}), n = {}", c.value, c.interval, c.n),
    )
}

/// A count that may be a credited share: whole when it is whole.
fn count(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The service report's rows by bucket as trend points.
fn service_points(
    report: &ServiceReport,
    metric: impl Fn(&ServiceRow) -> Option<Estimate>,
) -> Vec<TrendPoint> {
    report
        .rows
        .iter()
        .filter_map(|row| {
            metric(row).map(|e| TrendPoint {
                label: short_label(&row.bucket_start),
                day: row.bucket_start.parse().ok(),
                value: e.value,
                low: e.low,
                high: e.high,
                n: e.n,
                low_n: row.low_n,
            })
        })
        .collect()
}

/// A bucket's label as the trend chart writes it: the first day without its year.
fn short_label(bucket_start: &str) -> String {
    bucket_start.get(5..).unwrap_or(bucket_start).to_owned()
}

impl Figures<'_> {
    fn title(&self, name: &str) -> String {
        format!("{name}{}", self.s.trend_suffix)
    }

    fn low_n(&self, main: Option<&Cell>) -> bool {
        main.is_some_and(|c| c.n < self.threshold)
    }

    /// A card of `main`, empty cards saying `empty`.
    fn card<'k>(
        &self,
        id: &'static str,
        name: &'k str,
        main: Option<Cell>,
        empty: &'k str,
        spark: Sparkline,
    ) -> Kpi<'k> {
        Kpi {
            id,
            name,
            low_n: self.low_n(main.as_ref()),
            main,
            missing: None,
            empty,
            lines: Vec::new(),
            note: None,
            spark,
        }
    }

    fn cards(&self) -> Vec<Kpi<'_>> {
        let (t, s) = (self.t, self.s);
        let survey = self.survey;
        let service = self.service;
        let spark = |name: &str, points: Vec<TrendPoint>, scale: Scale, show: fn(f64) -> String| {
            Sparkline::new(self.title(name), &points, scale, show, t.low_n)
        };
        let share = Scale::Between(0.0, 100.0);

        let mut csat = self.card(
            "csat",
            "CSAT %",
            cell(survey.and_then(|r| r.csat), 1),
            t.nothing_yet,
            spark(
                "CSAT %",
                points(self.survey_trend, |r| r.csat),
                share,
                decimals_1,
            ),
        );
        csat.note = self.unnarrowed.of(&[Filter::Topic]);

        let mut fcr = self.card(
            "fcr",
            s.fcr,
            cell(service.and_then(|r| r.fcr), 1),
            s.no_interactions,
            spark(
                s.fcr,
                service_points(self.service_trend, |r| r.fcr),
                share,
                decimals_1,
            ),
        );
        fcr.lines.push(Line {
            label: s.survey_fcr.into(),
            text: cell_text(cell(survey.and_then(|r| r.fcr), 1)),
        });
        fcr.note = self
            .unnarrowed
            .of(&[Filter::Topic])
            .map(|note| format!("{}: {note}", s.survey_fcr));

        let mut nps = self.card(
            "nps",
            "NPS",
            cell(survey.and_then(|r| r.nps), 0),
            t.nothing_yet,
            spark(
                "NPS",
                points(self.survey_trend, |r| r.nps),
                Scale::Between(-100.0, 100.0),
                decimals_0,
            ),
        );
        nps.note = self.unnarrowed.of(&[Filter::Topic]);

        let frt_points: Vec<TrendPoint> = self
            .service_trend
            .rows
            .iter()
            .filter_map(|row| {
                row.frt_median.map(|p| TrendPoint {
                    label: short_label(&row.bucket_start),
                    day: row.bucket_start.parse().ok(),
                    value: p.seconds,
                    low: p.low,
                    high: p.high,
                    n: p.n,
                    low_n: row.low_n,
                })
            })
            .collect();
        let mut frt = self.card(
            "frt",
            s.frt,
            frt_cell(service.and_then(|r| r.frt_median)),
            s.no_interactions,
            spark(s.frt, frt_points, Scale::FromZero, seconds),
        );
        frt.lines.push(Line {
            label: s.p90.into(),
            text: cell_text(frt_cell(service.and_then(|r| r.frt_p90))),
        });
        frt.lines.push(Line {
            label: format!("{} ({})", s.within_target, duration(self.frt_target_secs)).into(),
            text: cell_text(cell(service.and_then(|r| r.frt_within_target), 1)),
        });

        let mut handled = self.card(
            "handled",
            s.handled,
            cell(service.and_then(|r| r.handled_per_day), 1),
            s.no_interactions,
            spark(
                s.handled,
                service_points(self.service_trend, |r| r.handled_per_day),
                Scale::FromZero,
                decimals_1,
            ),
        );
        handled.lines.push(Line {
            label: s.resolved.into(),
            text: cell_text(cell(service.and_then(|r| r.resolution_rate), 1)),
        });
        if let Some(row) = service {
            handled.lines.push(Line {
                label: s.interactions.into(),
                text: count(row.interactions),
            });
        }

        let mut self_resolution = self.card(
            "self-resolution",
            s.self_resolution,
            cell(service.and_then(|r| r.self_resolution), 1),
            s.no_self_resolution,
            spark(
                s.self_resolution,
                service_points(self.service_trend, |r| r.self_resolution),
                share,
                decimals_1,
            ),
        );
        // Help articles have no agent or topic, and are read on the help center's channel: a
        // figure shown beside those filters is the site's (or the team's), and says so; where
        // the report leaves it out for them, the card says how to see it.
        let articles_apart = self
            .unnarrowed
            .of(&[Filter::Agent, Filter::Channel, Filter::Topic]);
        if self_resolution.main.is_some() {
            self_resolution.note = articles_apart;
        } else if articles_apart.is_some() {
            self_resolution.empty = s.self_resolution_whole_site;
        }

        let mut contact_rate = self.card(
            "contact-rate",
            s.contact_rate,
            cell(service.and_then(|r| r.contact_rate), 2),
            s.no_interactions,
            spark(
                s.contact_rate,
                service_points(self.service_trend, |r| r.contact_rate),
                Scale::FromZero,
                decimals_2,
            ),
        );
        if let Some(row) = service {
            // Without it, the card says why (active users not sent for every day, or counted
            // per site where the page is narrowed to an agent) — never a rate of 0.
            contact_rate.missing = row.contact_rate_missing.as_deref();
            contact_rate.lines.push(Line {
                label: s.contacts.into(),
                text: count(row.contacts),
            });
        }

        vec![csat, fcr, nps, frt, handled, self_resolution, contact_rate]
    }
}

/// A cut's name in the page's language (an unknown one as it came).
fn cut_label<'a>(s: &'a ServiceTexts, cut: &'a str) -> &'a str {
    match cut {
        "frt" => s.cuts[0],
        "contacts" => s.cuts[1],
        "handled_by" => s.cuts[2],
        "topic" => s.cuts[3],
        other => other,
    }
}

/// A band's name in the page's language: who handled it in words, others as they came (an FRT
/// band's durations, a contact count, the helpdesk's own topic).
fn band_label<'a>(s: &'a ServiceTexts, cut: &str, band: &'a str) -> &'a str {
    match (cut, band) {
        ("handled_by", "human") => s.handled_by[0],
        ("handled_by", "bot") => s.handled_by[1],
        ("handled_by", "bot_then_human") => s.handled_by[2],
        _ => band,
    }
}

fn unhappy_rows<'a>(
    s: &'a ServiceTexts,
    unhappy: &'a [UnhappyBand],
    threshold: u64,
) -> Vec<UnhappyRow<'a>> {
    unhappy
        .iter()
        .map(|u| {
            let low_n = u.n < threshold;
            UnhappyRow {
                class: match (u.called_out, low_n) {
                    (true, true) => "called-out low-n",
                    (true, false) => "called-out",
                    (false, true) => "low-n",
                    (false, false) => "",
                },
                cut: cut_label(s, &u.cut),
                band: band_label(s, &u.cut, &u.band),
                difference: format!("{:+.1}", u.difference),
                interval: format!("{:+.1} – {:+.1}", u.low, u.high),
                n: u.n,
                called_out: u.called_out,
                low_n,
            }
        })
        .collect()
}

fn vs_rest<'a>(t: &'a Texts, s: &'a ServiceTexts, change: Option<Change>, d: usize) -> VsRest<'a> {
    match change {
        None => VsRest {
            class: "no-comparison",
            words: t.pages.no_comparison,
            difference: String::new(),
        },
        Some(c) => {
            let (class, words) = match c.verdict {
                Verdict::Up => ("up", s.vs_rest_verdicts[0]),
                Verdict::Down => ("down", s.vs_rest_verdicts[1]),
                Verdict::NoClearChange => ("no-clear-change", s.vs_rest_verdicts[2]),
            };
            VsRest {
                class,
                words,
                difference: format!("{:+.d$} ({:+.d$} – {:+.d$})", c.difference, c.low, c.high),
            }
        }
    }
}

fn band_row<'a>(
    t: &'a Texts,
    s: &'a ServiceTexts,
    band: &'a DriverBand,
    threshold: u64,
) -> BandRow<'a> {
    BandRow {
        name: band_label(s, &band.cut, &band.band),
        low_n: band.csat.map_or(0, |e| e.n) < threshold,
        csat: cell(band.csat, 1),
        csat_vs_rest: vs_rest(t, s, band.csat_vs_rest, 1),
        nps: cell(band.nps, 0),
        nps_vs_rest: vs_rest(t, s, band.nps_vs_rest, 0),
    }
}

/// The drivers' bands, one table per cut in the drivers' order.
fn cut_tables<'a>(
    t: &'a Texts,
    s: &'a ServiceTexts,
    drivers: &'a Drivers,
    threshold: u64,
) -> Vec<CutTable<'a>> {
    let mut tables: Vec<CutTable<'a>> = Vec::new();
    for band in &drivers.bands {
        let row = band_row(t, s, band, threshold);
        let known = tables.iter().position(|table| table.id == band.cut);
        match known {
            Some(at) => tables[at].bands.push(row),
            None => tables.push(CutTable {
                id: &band.cut,
                label: cut_label(s, &band.cut),
                bands: vec![row],
            }),
        }
    }
    tables
}
