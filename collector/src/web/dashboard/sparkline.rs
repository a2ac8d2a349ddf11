//! A card's small trend line, as SVG: the values period by period with their 95 % interval as
//! a band, points resting on few answers drawn hollow — the trend chart's conventions
//! (`chart.rs`) without its axes, small enough to sit under a number. It says nothing a reader
//! must see in it: the same values are offered as a table beside it.
//!
//! This file computes the geometry and formats the values (a card shows seconds as a duration,
//! a share with one decimal); `templates/dashboard/sparkline.svg` draws it, escaping every
//! text with the rest of the page.

use super::chart::TrendPoint;

const WIDTH: f64 = 200.0;
const HEIGHT: f64 = 44.0;
/// Room around the plot, so a point's circle at an end or at the top stays whole.
const PAD: f64 = 4.0;

/// What the line's height runs over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// A metric's own range (0–100 for a share, −100–100 for NPS).
    Between(f64, f64),
    /// From 0 to the highest interval end drawn (counts, rates, durations).
    FromZero,
}

/// A line ready to draw: coordinates formatted, texts left for the template to escape.
#[derive(Debug)]
pub struct Sparkline {
    /// Names the line for screen readers and its table: "CSAT % over time".
    pub(super) title: String,
    pub(super) width: f64,
    pub(super) height: f64,
    /// The interval band's polygon points; `None` without points.
    pub(super) band: Option<String>,
    /// The values' polyline points; `None` without points.
    pub(super) line: Option<String>,
    pub(super) dots: Vec<Dot>,
    /// The same values as text, for the table offered beside the line.
    pub(super) rows: Vec<SparkRow>,
}

/// One period's point, with its tooltip.
#[derive(Debug)]
pub(super) struct Dot {
    pub(super) class: &'static str,
    pub(super) fill: &'static str,
    pub(super) cx: String,
    pub(super) cy: String,
    pub(super) tip: String,
}

/// One period of the table alternative.
#[derive(Debug)]
pub(super) struct SparkRow {
    pub(super) label: String,
    pub(super) value: String,
    pub(super) interval: String,
    pub(super) n: u64,
    pub(super) low_n: bool,
}

impl Sparkline {
    /// The line of `points` on `scale`, their values written by `show`; `title` names it.
    pub fn new(
        title: String,
        points: &[TrendPoint],
        scale: Scale,
        show: impl Fn(f64) -> String,
        low_n_label: &str,
    ) -> Self {
        let (min, max) = match scale {
            Scale::Between(min, max) => (min, max),
            Scale::FromZero => {
                let top = points
                    .iter()
                    .map(|p| p.high.max(p.value))
                    .fold(0.0, f64::max);
                (0.0, if top > 0.0 { top } else { 1.0 })
            }
        };
        let plot_w = WIDTH - 2.0 * PAD;
        let plot_h = HEIGHT - 2.0 * PAD;
        // Periods sit on a time axis by their first day, as on the trend chart, so a stretch
        // without facts shows as a gap.
        let xs = super::chart::time_axis(
            &points.iter().map(|p| p.day).collect::<Vec<_>>(),
            PAD,
            plot_w,
        );
        let x = |i: usize| xs[i];
        let y = |v: f64| PAD + plot_h * (1.0 - ((v.clamp(min, max) - min) / (max - min)));
        let coordinates = |pairs: Vec<(usize, f64)>| {
            pairs
                .into_iter()
                .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(v)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let (band, line) = if points.is_empty() {
            (None, None)
        } else {
            let upper: Vec<(usize, f64)> = points.iter().map(|p| p.high).enumerate().collect();
            let lower: Vec<(usize, f64)> = points.iter().map(|p| p.low).enumerate().rev().collect();
            let values: Vec<(usize, f64)> = points.iter().map(|p| p.value).enumerate().collect();
            (
                Some(format!("{} {}", coordinates(upper), coordinates(lower))),
                Some(coordinates(values)),
            )
        };
        let dots = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (class, fill, low_n) = if p.low_n {
                    ("point low-n", "#fff", format!(", {low_n_label}"))
                } else {
                    ("point", "#2454d6", String::new())
                };
                Dot {
                    class,
                    fill,
                    cx: format!("{:.1}", x(i)),
                    cy: format!("{:.1}", y(p.value)),
                    tip: format!(
                        "{}: {} ({} – {}), n = {}{low_n}",
                        p.label,
                        show(p.value),
                        show(p.low),
                        show(p.high),
                        p.n
                    ),
                }
            })
            .collect();
        let rows = points
            .iter()
            .map(|p| SparkRow {
                label: p.label.clone(),
                value: show(p.value),
                interval: format!("{} – {}", show(p.low), show(p.high)),
                n: p.n,
                low_n: p.low_n,
            })
            .collect();
        Self {
            title,
            width: WIDTH,
            height: HEIGHT,
            band,
            line,
            dots,
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::Date;

    use super::*;

    fn on_day(offset: i64, value: f64, low_n: bool) -> TrendPoint {
        let day = Date::constant(2026, 11, 2)
            .checked_add(jiff::Span::new().days(offset))
            .unwrap();
        TrendPoint {
            label: day.to_string()[5..].to_owned(),
            day: Some(day),
            value,
            low: value - 5.0,
            high: value + 5.0,
            n: if low_n { 4 } else { 40 },
            low_n,
        }
    }

    fn one_decimal(v: f64) -> String {
        format!("{v:.1}")
    }

    fn xs(line: &Sparkline) -> Vec<f64> {
        line.dots.iter().map(|d| d.cx.parse().unwrap()).collect()
    }

    #[test]
    fn points_stay_inside_the_frame_and_low_n_ones_are_hollow() {
        let points = [
            on_day(0, 100.0, false),
            on_day(7, 0.0, true),
            on_day(14, 50.0, false),
        ];
        let line = Sparkline::new(
            "CSAT".into(),
            &points,
            Scale::Between(0.0, 100.0),
            one_decimal,
            "low n",
        );
        let ys: Vec<f64> = line.dots.iter().map(|d| d.cy.parse().unwrap()).collect();
        assert_eq!(ys, vec![PAD, HEIGHT - PAD, HEIGHT / 2.0]);
        assert_eq!(xs(&line), vec![PAD, WIDTH / 2.0, WIDTH - PAD]);
        assert_eq!(line.dots[1].class, "point low-n");
        assert!(
            line.dots[1].tip.ends_with(", low n"),
            "{}",
            line.dots[1].tip
        );
        assert_eq!(line.rows[0].interval, "95.0 – 105.0");
        assert!(line.band.is_some() && line.line.is_some());
    }

    #[test]
    fn a_gap_between_periods_shows_as_one() {
        let points = [
            on_day(0, 10.0, false),
            on_day(1, 20.0, false),
            on_day(11, 30.0, false),
        ];
        let x = xs(&Sparkline::new(
            "n".into(),
            &points,
            Scale::FromZero,
            one_decimal,
            "low n",
        ));
        assert!(((x[2] - x[1]) / (x[1] - x[0]) - 10.0).abs() < 0.2, "{x:?}");
    }

    #[test]
    fn counts_scale_from_zero_and_nothing_draws_no_line() {
        let line = Sparkline::new(
            "per day".into(),
            &[on_day(0, 0.0, false)],
            Scale::FromZero,
            one_decimal,
            "low n",
        );
        assert_eq!(xs(&line), vec![WIDTH / 2.0], "one point sits in the middle");
        let empty = Sparkline::new("per day".into(), &[], Scale::FromZero, one_decimal, "low n");
        assert!(empty.dots.is_empty() && empty.line.is_none() && empty.band.is_none());
    }
}
