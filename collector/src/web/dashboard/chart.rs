//! Trend charts as SVG: a line through the values, the 95 % interval as a band, and points
//! resting on few responses drawn hollow and labelled, so they never pass for solid ones.
//! Buckets sit on a time axis by their first day, so a stretch without answers shows as a
//! gap rather than being closed up. Plain SVG: it renders and prints without JavaScript, and
//! the page's CSP allows it.
//!
//! This file computes the geometry; `templates/dashboard/chart.svg` draws it. The pages
//! include that template (through `trend.html`, which puts the chart's table beside it), so
//! the chart's texts are escaped with the rest of the page and never pass through raw output.

use jiff::civil::Date;

/// One bucket's value.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub label: String,
    /// The bucket's first day, which places it on the time axis (`None`: by its position).
    pub day: Option<Date>,
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub n: u64,
    pub low_n: bool,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 44.0;
/// Room for half of the last bucket's label ("11-30", centred on its point).
const RIGHT: f64 = 24.0;
/// Room above the top of the scale for the "n=" label of a point at 100 %, which sits
/// [`LOW_N_ABOVE`] above its point and is [`LOW_N_FONT`] tall.
const TOP: f64 = 24.0;
const BOTTOM: f64 = 28.0;
const LOW_N_ABOVE: f64 = 9.0;
/// The "n=" label's font size (`chart.svg`).
const LOW_N_FONT: f64 = 10.0;
const _: () = assert!(
    TOP - LOW_N_ABOVE >= LOW_N_FONT,
    "a point at the top keeps its label inside the frame"
);
/// The least room between two bucket labels under the plot (one is about 30 wide).
const LABEL_GAP: f64 = 40.0;

/// A chart ready to draw: coordinates formatted (one decimal, as the SVG has always had them),
/// texts left as they are for the template to escape.
#[derive(Debug)]
pub struct TrendChart<'a> {
    /// Names the chart for screen readers; the page also shows it as the figure's caption.
    pub(super) title: &'a str,
    pub(super) width: f64,
    pub(super) height: f64,
    pub(super) grid_x1: f64,
    pub(super) grid_x2: f64,
    pub(super) tick_x: f64,
    /// Where the bucket labels under the plot sit.
    pub(super) label_y: f64,
    pub(super) ticks: Vec<Tick>,
    /// The interval band's polygon points; `None` without points.
    pub(super) band: Option<String>,
    /// The value line's points; `None` without points.
    pub(super) line: Option<String>,
    pub(super) marks: Vec<Mark>,
    /// The same values as text: the table offered beside the chart for anyone who cannot
    /// see it (and for copying numbers out).
    pub(super) table: Vec<TableLine>,
}

/// One bucket of the chart's table alternative.
#[derive(Debug)]
pub(super) struct TableLine {
    pub(super) label: String,
    pub(super) value: String,
    pub(super) interval: String,
    pub(super) n: u64,
    pub(super) low_n: bool,
}

/// A horizontal grid line and its value on the axis.
#[derive(Debug)]
pub(super) struct Tick {
    pub(super) y: String,
    pub(super) text_y: String,
    pub(super) value: String,
}

/// One point's circle, with its tooltip, its "n=" label when few responses carry it, and
/// its bucket label under the plot (not every one when there are many).
#[derive(Debug)]
pub(super) struct Mark {
    pub(super) class: &'static str,
    pub(super) fill: &'static str,
    pub(super) cx: String,
    pub(super) cy: String,
    pub(super) tip: String,
    pub(super) low_n_y: Option<String>,
    pub(super) n: u64,
    pub(super) label: Option<String>,
}

impl<'a> TrendChart<'a> {
    /// The chart of `points` on the scale `min..=max`; `title` names it for screen readers.
    pub fn new(
        title: &'a str,
        points: &[TrendPoint],
        min: f64,
        max: f64,
        low_n_label: &str,
    ) -> Self {
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let xs = time_axis(
            &points.iter().map(|p| p.day).collect::<Vec<_>>(),
            LEFT,
            plot_w,
        );
        let x = |i: usize| xs[i];
        let y = |v: f64| TOP + plot_h * (1.0 - ((v.clamp(min, max) - min) / (max - min)));
        let ticks = (0..=4)
            .map(|tick| {
                let v = min + (max - min) * f64::from(tick) / 4.0;
                Tick {
                    y: format!("{:.1}", y(v)),
                    text_y: format!("{:.1}", y(v) + 4.0),
                    value: if v.fract() == 0.0 {
                        format!("{v:.0}")
                    } else {
                        format!("{v:.1}")
                    },
                }
            })
            .collect();
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
        // Bucket labels from the first on, each far enough from the one before to be read.
        let mut labelled_at = f64::NEG_INFINITY;
        let marks = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let labelled = x(i) - labelled_at >= LABEL_GAP;
                if labelled {
                    labelled_at = x(i);
                }
                let low_n = if p.low_n {
                    format!(", {low_n_label}")
                } else {
                    String::new()
                };
                let (class, fill) = if p.low_n {
                    ("point low-n", "#fff")
                } else {
                    ("point", "#2454d6")
                };
                Mark {
                    class,
                    fill,
                    cx: format!("{:.1}", x(i)),
                    cy: format!("{:.1}", y(p.value)),
                    tip: format!(
                        "{}: {:.1} ({:.1}–{:.1}), n = {}{low_n}",
                        p.label, p.value, p.low, p.high, p.n
                    ),
                    low_n_y: p.low_n.then(|| format!("{:.1}", y(p.value) - LOW_N_ABOVE)),
                    n: p.n,
                    label: labelled.then(|| p.label.clone()),
                }
            })
            .collect();
        let table = points
            .iter()
            .map(|p| TableLine {
                label: p.label.clone(),
                value: format!("{:.1}", p.value),
                interval: format!("{:.1}–{:.1}", p.low, p.high),
                n: p.n,
                low_n: p.low_n,
            })
            .collect();
        Self {
            title,
            width: WIDTH,
            height: HEIGHT,
            grid_x1: LEFT,
            grid_x2: WIDTH - RIGHT,
            tick_x: LEFT - 6.0,
            label_y: HEIGHT - 8.0,
            ticks,
            band,
            line,
            marks,
            table,
        }
    }
}

/// Where each period sits across a plot `width` wide starting at `left`: by its first day on a
/// time axis when every period has one (so a stretch without data shows as a gap), else evenly;
/// one period in the middle. The trend chart and the cards' sparklines share it.
pub(super) fn time_axis(days: &[Option<Date>], left: f64, width: f64) -> Vec<f64> {
    let first_day = days.first().copied().flatten();
    let span_days = match (first_day, days.last().copied().flatten()) {
        (Some(first), Some(last)) if days.iter().all(Option::is_some) => (last - first).get_days(),
        _ => 0,
    };
    (0..days.len())
        .map(|i| {
            if days.len() <= 1 {
                return left + width / 2.0;
            }
            match (days[i], first_day) {
                (Some(day), Some(first)) if span_days > 0 => {
                    left + width * f64::from((day - first).get_days()) / f64::from(span_days)
                }
                _ => left + width * i as f64 / (days.len() - 1) as f64,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use askama::Template;

    use super::*;

    /// The chart alone, drawn by the same template the site page includes.
    #[derive(Template)]
    #[template(path = "dashboard/chart.svg", escape = "html")]
    struct ChartSvg<'a> {
        chart: &'a TrendChart<'a>,
    }

    fn trend(title: &str, points: &[TrendPoint], min: f64, max: f64, low_n: &str) -> String {
        let chart = TrendChart::new(title, points, min, max, low_n);
        ChartSvg { chart: &chart }
            .render()
            .expect("the chart renders")
    }

    fn point(label: &str, value: f64, low_n: bool) -> TrendPoint {
        TrendPoint {
            label: label.into(),
            day: None,
            value,
            low: value - 10.0,
            high: value + 10.0,
            n: if low_n { 4 } else { 40 },
            low_n,
        }
    }

    /// A bucket starting `offset` days after 2026-11-01.
    fn on_day(offset: i64, value: f64, low_n: bool) -> TrendPoint {
        let day = Date::constant(2026, 11, 1)
            .checked_add(jiff::Span::new().days(offset))
            .unwrap();
        TrendPoint {
            label: day.to_string()[5..].to_owned(),
            day: Some(day),
            ..point("", value, low_n)
        }
    }

    fn xs(chart: &TrendChart<'_>) -> Vec<f64> {
        chart.marks.iter().map(|m| m.cx.parse().unwrap()).collect()
    }

    #[test]
    fn one_point_per_bucket_and_low_n_points_marked() {
        let points = [
            point("11-02", 80.0, false),
            point("11-09", 70.0, true),
            point("11-16", 90.0, false),
        ];
        let svg = trend("CSAT <%>", &points, 0.0, 100.0, "low n");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(svg.matches("class=\"point low-n\"").count(), 1);
        assert!(svg.contains("n=4"));
        assert_eq!(svg.matches("<polygon class=\"band\"").count(), 1);
        assert!(
            svg.contains("viewBox=\"0 0 640 220\""),
            "the frame keeps its size: {svg}"
        );
        assert!(
            !svg.contains("CSAT <%>") && svg.contains("aria-label=\"CSAT &#60;%&#62;\""),
            "titles are escaped: {svg}"
        );
    }

    #[test]
    fn values_map_into_the_plot_and_empty_charts_have_no_marks() {
        let svg = trend("NPS", &[point("a", 100.0, false)], -100.0, 100.0, "low n");
        assert!(
            svg.contains(&format!("cy=\"{TOP:.1}\"")),
            "the top of the scale is the top of the plot: {svg}"
        );
        let empty = trend("NPS", &[], -100.0, 100.0, "low n");
        assert!(!empty.contains("<circle") && !empty.contains("<polygon"));
        assert_eq!(empty.matches("<line class=\"grid\"").count(), 5);
    }

    #[test]
    fn buckets_sit_on_a_time_axis_so_a_gap_shows_as_one() {
        let points = [
            on_day(0, 80.0, false),
            on_day(1, 70.0, false),
            on_day(11, 90.0, false),
        ];
        let x = xs(&TrendChart::new("CSAT", &points, 0.0, 100.0, "low n"));
        let (near, far) = (x[1] - x[0], x[2] - x[1]);
        assert!(
            (far / near - 10.0).abs() < 0.1,
            "one day apart, then ten: ten times as far: {x:?}"
        );
        assert_eq!(
            (x[0], x[2]),
            (LEFT, WIDTH - RIGHT),
            "the first and last buckets at the plot's ends"
        );
        let undated = [
            point("a", 80.0, false),
            point("b", 70.0, false),
            point("c", 90.0, false),
        ];
        let x = xs(&TrendChart::new("CSAT", &undated, 0.0, 100.0, "low n"));
        assert!(
            ((x[1] - x[0]) - (x[2] - x[1])).abs() < 0.2,
            "without days, buckets are spaced by position: {x:?}"
        );
    }

    #[test]
    fn labels_of_a_low_n_point_at_100_percent_stay_inside_the_frame() {
        let points = [on_day(0, 80.0, false), on_day(1, 100.0, true)];
        let chart = TrendChart::new("CSAT", &points, 0.0, 100.0, "low n");
        let mark = &chart.marks[1];
        let baseline: f64 = mark
            .low_n_y
            .as_deref()
            .expect("a low-n point is labelled")
            .parse()
            .unwrap();
        assert!(
            baseline - LOW_N_FONT >= 0.0,
            "the n= label's top is inside the viewBox: baseline {baseline}"
        );
        let cx: f64 = mark.cx.parse().unwrap();
        assert!(
            mark.label.is_some() && cx + 16.0 <= WIDTH,
            "the last bucket's label, centred on it, ends inside the viewBox: {cx}"
        );
        let svg = trend("CSAT", &points, 0.0, 100.0, "low n");
        assert!(svg.contains("viewBox=\"0 0 640 220\"") && svg.contains(">n=4<"));
    }
}
