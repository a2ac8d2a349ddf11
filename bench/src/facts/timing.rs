//! The service reports' timing over HTTP: the 90-day weekly reports, the drivers and the
//! Service page.

use crate::load::Request;
use crate::reports::{ReportTiming, time_calls};
use crate::target::Target;

/// Times the 90-day weekly service reports, the drivers and the Service page.
pub(super) async fn time_reports(
    port: u16,
    target: &Target,
    today: &str,
) -> anyhow::Result<Vec<ReportTiming>> {
    let to: jiff::civil::Date = today.parse()?;
    let from = to.checked_sub(jiff::Span::new().days(89))?;
    let auth = format!("Authorization: Bearer {}\r\n", target.read_key);
    let site = format!("/api/v1/sites/{}", target.site.key);
    let range = format!("from={from}&to={to}");
    let mut timings = Vec::new();
    for (name, path) in [
        (
            "service KPIs",
            format!("{site}/service?{range}&bucket=week"),
        ),
        (
            "service by agent",
            format!("{site}/service?{range}&bucket=week&group_by=agent"),
        ),
        (
            "service by topic",
            format!("{site}/service?{range}&bucket=week&group_by=topic"),
        ),
        (
            "service by team × channel",
            format!("{site}/service?{range}&bucket=week&group_by=team,channel"),
        ),
        ("drivers", format!("{site}/service/drivers?{range}")),
    ] {
        let (first, mut timing) = time_calls(port, name, &Request::get(&path), &auth).await?;
        let report: serde_json::Value = serde_json::from_slice(&first)?;
        timing.rows = report["rows"]
            .as_array()
            .or(report["bands"].as_array())
            .map_or(0, Vec::len);
        timings.push(timing);
    }
    let cookie = crate::reports::sign_in(port, target).await?;
    let page = Request::get(&format!(
        "/dashboard/sites/{}/service?{range}&bucket=week&lang=en",
        target.site.key
    ));
    timings.push(
        time_calls(
            port,
            "dashboard: service",
            &page,
            &format!("Cookie: {cookie}\r\n"),
        )
        .await?
        .1,
    );
    Ok(timings)
}
