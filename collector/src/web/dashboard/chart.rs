//! Trend charts as SVG: a line through the values, the 95 % interval as a band, and points
//! resting on few responses drawn hollow and labelled, so they never pass for solid ones.
//! Plain SVG: it renders and prints without JavaScript, and the page's CSP allows it.

use std::fmt::Write as _;

use super::html::escape;

/// One bucket's value.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub label: String,
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub n: u64,
    pub low_n: bool,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// An SVG chart of `points` on the scale `min..=max`; `title` names it for screen readers.
pub fn trend(title: &str, points: &[TrendPoint], min: f64, max: f64, low_n_label: &str) -> String {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: usize| {
        if points.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (points.len() - 1) as f64
        }
    };
    let y = |v: f64| TOP + plot_h * (1.0 - ((v.clamp(min, max) - min) / (max - min)));
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    for tick in 0..=4 {
        let v = min + (max - min) * f64::from(tick) / 4.0;
        let _ = write!(
            svg,
            r##"<line class="grid" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#d0d3da" stroke-width="1"/><text x="{}" y="{:.1}" text-anchor="end" font-size="11" fill="#555">{v:.0}</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            y = y(v),
        );
    }
    if !points.is_empty() {
        let upper: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.high)))
            .collect();
        let lower: Vec<String> = points
            .iter()
            .enumerate()
            .rev()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.low)))
            .collect();
        let _ = write!(
            svg,
            r##"<polygon class="band" points="{} {}" fill="#2454d6" fill-opacity="0.15"/>"##,
            upper.join(" "),
            lower.join(" ")
        );
        let line: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.value)))
            .collect();
        let _ = write!(
            svg,
            r##"<polyline class="line" points="{}" fill="none" stroke="#2454d6" stroke-width="2"/>"##,
            line.join(" ")
        );
    }
    for (i, p) in points.iter().enumerate() {
        let tip = format!(
            "{}: {:.1} ({:.1}–{:.1}), n = {}{}",
            p.label,
            p.value,
            p.low,
            p.high,
            p.n,
            if p.low_n {
                format!(", {low_n_label}")
            } else {
                String::new()
            }
        );
        let (class, fill) = if p.low_n {
            ("point low-n", "#fff")
        } else {
            ("point", "#2454d6")
        };
        let _ = write!(
            svg,
            r##"<circle class="{class}" cx="{:.1}" cy="{:.1}" r="4.5" fill="{fill}" stroke="#2454d6" stroke-width="2"><title>{}</title></circle>"##,
            x(i),
            y(p.value),
            escape(&tip)
        );
        if p.low_n {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="#8a4b00">n={}</text>"##,
                x(i),
                y(p.value) - 9.0,
                p.n
            );
        }
        let step = points.len().div_ceil(8).max(1);
        if i % step == 0 {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{}" text-anchor="middle" font-size="11" fill="#555">{}</text>"##,
                x(i),
                HEIGHT - 8.0,
                escape(&p.label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(label: &str, value: f64, low_n: bool) -> TrendPoint {
        TrendPoint {
            label: label.into(),
            value,
            low: value - 10.0,
            high: value + 10.0,
            n: if low_n { 4 } else { 40 },
            low_n,
        }
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
            svg.contains("aria-label=\"CSAT &lt;%&gt;\""),
            "titles are escaped"
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
    }
}
