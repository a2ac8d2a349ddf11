//! The dashboard's pages, rendered on the server. Every value from a customer or a site is
//! escaped; nothing here runs script.

use std::fmt::Write as _;

use koe_shared::metrics::Estimate;

use super::chart::{TrendPoint, trend};
use super::html::{escape, page};
use super::texts::Texts;
use crate::report::{Report, ReportRow};
use crate::routes::response_list::ListedResponse;
use crate::site::Site;

pub fn sign_in(t: &Texts, error: bool) -> String {
    let error = if error {
        format!(r#"<p class="error" role="alert">{}</p>"#, t.bad_key)
    } else {
        String::new()
    };
    page(
        t.lang,
        t.title,
        &format!(
            r#"<main class="narrow"><h1>{title}</h1>{error}<form method="post" action="/dashboard/sign-in"><label for="api_key">{api_key}</label><input id="api_key" name="api_key" type="password" autocomplete="off" required><input type="hidden" name="lang" value="{lang}"><p class="help">{help}</p><button type="submit">{sign_in}</button></form><p><a href="?lang={other_code}">{other}</a></p></main>"#,
            title = t.title,
            api_key = t.api_key,
            lang = t.lang,
            help = t.sign_in_help,
            sign_in = t.sign_in,
            other_code = t.other_lang_code,
            other = t.other_lang,
        ),
    )
}

/// What the site page shows, gathered by the handler.
#[derive(Debug)]
pub struct SitePage<'a> {
    pub site: &'a Site,
    pub trend: &'a Report,
    pub table: &'a Report,
    pub low_ratings: &'a [ListedResponse],
    /// The query string the page was asked with (for CSV links and language switch).
    pub query: String,
    pub sort: &'a str,
}

fn cell(e: Option<Estimate>, decimals: usize) -> String {
    match e {
        Some(e) => format!(
            r#"{:.d$} <span class="ci">({:.d$}–{:.d$})</span>"#,
            e.value,
            e.low,
            e.high,
            d = decimals
        ),
        None => "–".into(),
    }
}

fn points(report: &Report, metric: fn(&ReportRow) -> Option<Estimate>) -> Vec<TrendPoint> {
    report
        .rows
        .iter()
        .filter_map(|row| {
            metric(row).map(|e| TrendPoint {
                label: row
                    .bucket_start
                    .get(5..)
                    .unwrap_or(&row.bucket_start)
                    .to_owned(),
                value: e.value,
                low: e.low,
                high: e.high,
                n: e.n,
                low_n: row.low_n,
            })
        })
        .collect()
}

fn sort_value(row: &ReportRow, sort: &str) -> f64 {
    let value = |e: Option<Estimate>| e.map_or(f64::NEG_INFINITY, |e| e.value);
    match sort {
        "csat" => value(row.csat),
        "nps" => value(row.nps),
        "ces" => value(row.ces),
        "fcr" => value(row.fcr),
        "rate" => value(row.response_rate),
        _ => row.responses as f64,
    }
}

pub fn site_page(t: &Texts, p: &SitePage<'_>) -> String {
    let site = escape(p.site.key.as_str());
    let mut body = format!(
        r#"<header><h1>{name}</h1><nav><a href="?{query}&amp;lang={other_code}">{other}</a><form method="post" action="/dashboard/sign-out"><button type="submit" class="link">{sign_out}</button></form></nav></header><main>"#,
        name = escape(&p.site.name),
        query = escape(&p.query),
        other_code = t.other_lang_code,
        other = t.other_lang,
        sign_out = t.sign_out,
    );
    let bucket_options: String = ["day", "week", "month", "all"]
        .iter()
        .zip(t.buckets)
        .map(|(value, label)| {
            let selected = if *value == p.trend.bucket {
                " selected"
            } else {
                ""
            };
            format!(r#"<option value="{value}"{selected}>{label}</option>"#)
        })
        .collect();
    let _ = write!(
        body,
        r#"<form class="range" method="get"><label>{from} <input type="date" name="from" value="{f}"></label><label>{to} <input type="date" name="to" value="{tt}"></label><label>{bucket} <select name="bucket">{bucket_options}</select></label><input type="hidden" name="lang" value="{lang}"><button type="submit">{apply}</button></form><p class="help">{help}</p>"#,
        from = t.from,
        to = t.to,
        f = p.trend.from,
        tt = p.trend.to,
        bucket = t.bucket,
        lang = t.lang,
        apply = t.apply,
        help = t.interval_help,
    );
    let _ = write!(
        body,
        r#"<section><h2>{trend}</h2><figure><figcaption>{csat_title}</figcaption>{csat}</figure><figure><figcaption>{nps_title}</figcaption>{nps}</figure></section>"#,
        trend = t.trend,
        csat_title = t.csat_trend,
        csat = trend(
            t.csat_trend,
            &points(p.trend, |r| r.csat),
            0.0,
            100.0,
            t.low_n
        ),
        nps_title = t.nps_trend,
        nps = trend(
            t.nps_trend,
            &points(p.trend, |r| r.nps),
            -100.0,
            100.0,
            t.low_n
        ),
    );

    let mut rows: Vec<&ReportRow> = p.table.rows.iter().collect();
    rows.sort_by(|a, b| sort_value(b, p.sort).total_cmp(&sort_value(a, p.sort)));
    let heading = |key: &str, label: &str| {
        let current = if key == p.sort {
            r#" aria-sort="descending""#
        } else {
            ""
        };
        format!(
            r#"<th scope="col"{current}><a href="?{}&amp;sort={key}">{label}</a></th>"#,
            escape(&p.query)
        )
    };
    let _ = write!(
        body,
        r#"<section><h2>{title}</h2><table><thead><tr><th scope="col">{agent}</th><th scope="col">{channel}</th>{n}{csat}{nps}{ces}{fcr}{rate}<th scope="col"></th></tr></thead><tbody>"#,
        title = t.by_agent_channel,
        agent = t.agent,
        channel = t.channel,
        n = heading("n", t.responses),
        csat = heading("csat", "CSAT %"),
        nps = heading("nps", "NPS"),
        ces = heading("ces", "CES"),
        fcr = heading("fcr", "FCR %"),
        rate = heading("rate", t.response_rate),
    );
    for row in &rows {
        let name = |v: &Option<String>| {
            v.clone()
                .filter(|v| !v.is_empty())
                .map_or_else(|| t.none.to_owned(), |v| escape(&v))
        };
        let badge = if row.low_n {
            format!(
                r#"<span class="badge" title="{}">{}</span>"#,
                t.low_n_help, t.low_n
            )
        } else {
            String::new()
        };
        let _ = write!(
            body,
            r#"<tr class="{class}"><td>{agent}</td><td>{channel}</td><td>{n}</td><td>{csat}</td><td>{nps}</td><td>{ces}</td><td>{fcr}</td><td>{rate}</td><td>{badge}</td></tr>"#,
            class = if row.low_n { "low-n" } else { "" },
            agent = name(&row.agent),
            channel = name(&row.channel),
            n = row.responses,
            csat = cell(row.csat, 1),
            nps = cell(row.nps, 0),
            ces = cell(row.ces, 2),
            fcr = cell(row.fcr, 1),
            rate = cell(row.response_rate, 1),
        );
    }
    if rows.is_empty() {
        let _ = write!(body, r#"<tr><td colspan="9">{}</td></tr>"#, t.nothing_yet);
    }
    body.push_str("</tbody></table></section>");

    let _ = write!(
        body,
        r#"<section><h2>{}</h2><ul class="comments">"#,
        t.low_comments
    );
    for r in p.low_ratings {
        let comment = r
            .comment
            .as_deref()
            .map_or_else(|| format!("<em>{}</em>", t.no_comment), escape);
        let _ = write!(
            body,
            r#"<li><p class="meta">CSAT {csat} · {agent} · {channel} · {day}</p><p class="comment">{comment}</p></li>"#,
            csat = r.csat.map(|v| v.to_string()).unwrap_or_default(),
            agent = escape(r.agent.as_deref().unwrap_or(t.none)),
            channel = r.channel.unwrap_or(t.none),
            day = escape(&r.day),
        );
    }
    if p.low_ratings.is_empty() {
        let _ = write!(body, "<li>{}</li>", t.nothing_yet);
    }
    let _ = write!(
        body,
        r#"</ul></section><section><h2>{download}</h2><p><a href="/dashboard/sites/{site}/scores.csv?{query}">{scores}</a> · <a href="/dashboard/sites/{site}/responses.csv?{query}">{responses}</a></p></section></main>"#,
        download = t.download,
        query = escape(&p.query),
        scores = t.scores_csv,
        responses = t.responses_csv,
    );
    page(t.lang, &format!("{} — {}", p.site.name, t.title), &body)
}
