//! The terminal tables of `koe report`: each metric with its interval, low-n rows marked, and
//! the agent standings; both under a line naming the site and the range. [`aligned`] lines up
//! these and the CLI's listings (`koe site list`, `koe webhook deliveries`) by terminal columns,
//! so an agent named 山田太郎 (four characters, eight columns) keeps the columns after it in line.

use std::borrow::Cow;

use koe_shared::compare::Change;
use koe_shared::metrics::Estimate;
use unicode_width::UnicodeWidthStr;

use super::Report;
use super::standings::{Flag, Standings};

/// What a `*` beside a response rate means.
const CAPPED: &str = "* capped: more responses than impressions (answers from rating links and \
                      imports come without one), so the rate is 100 % of the impressions and \
                      means \"at least\"";

fn estimate(e: Option<Estimate>, decimals: usize) -> String {
    match e {
        Some(e) => format!(
            "{:.d$} ({:.d$}–{:.d$})",
            e.value,
            e.low,
            e.high,
            d = decimals
        ),
        None => "–".into(),
    }
}

/// A change as `+3.1 (−1.2–7.4) up`, or `–`.
fn change_cell(change: Option<Change>, decimals: usize) -> String {
    match change {
        Some(c) => format!(
            "{:+.d$} ({:.d$}–{:.d$}) {}",
            c.difference,
            c.low,
            c.high,
            c.verdict.as_str(),
            d = decimals
        ),
        None => "–".into(),
    }
}

pub fn render(report: &Report) -> String {
    let mut header: Vec<String> = report
        .group_by
        .iter()
        .map(|g| g.as_str().to_owned())
        .collect();
    header.extend(
        [
            "bucket",
            "n",
            "CSAT %",
            "NPS",
            "CES",
            "FCR %",
            "resp. rate %",
            "",
        ]
        .map(str::to_owned),
    );
    if report.compared_with.is_some() {
        header.extend(["CSAT % change", "NPS change"].map(str::to_owned));
    }
    let mut rows = vec![header];
    for row in &report.rows {
        let mut cells: Vec<String> = Vec::new();
        for &group in &report.group_by {
            let value = row
                .group_value(group)
                .filter(|v| !v.is_empty())
                .unwrap_or("(none)");
            cells.push(value.to_owned());
        }
        cells.push(row.bucket_start.clone());
        cells.push(row.responses.to_string());
        cells.push(estimate(row.csat, 1));
        cells.push(estimate(row.nps, 0));
        cells.push(estimate(row.ces, 2));
        cells.push(estimate(row.fcr, 1));
        let mut rate = estimate(row.response_rate, 1);
        if row.response_rate_capped {
            rate.push('*');
        }
        cells.push(rate);
        cells.push(if row.low_n {
            "low n".into()
        } else {
            String::new()
        });
        if report.compared_with.is_some() {
            let change = row.change.clone().unwrap_or_default();
            cells.push(change_cell(change.csat, 1));
            cells.push(change_cell(change.nps, 0));
        }
        rows.push(cells);
    }
    let mut out = format!(
        "{} · {} to {} · by {} · {} rows (low n: fewer than {} responses; intervals are 95 %)\n",
        report.site,
        report.from,
        report.to,
        report.bucket.as_str(),
        report.rows.len(),
        report.low_n_threshold
    );
    // Every column left-aligned and none cut: an agent's, team's or channel's id is what
    // `--agent`, `--team` and `--channel` take, so it is shown whole.
    out.push_str(&aligned(&rows, &[]));
    if report.rows.iter().any(|r| r.response_rate_capped) {
        out.push_str(CAPPED);
        out.push('\n');
    }
    out
}

/// How a column lines up its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A column of a table [`aligned`] prints: its alignment, and the most terminal columns it may
/// take (a wider cell is [`cut`]); without one, a column is as wide as its widest cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub align: Align,
    pub max_width: Option<usize>,
}

impl Column {
    pub const LEFT: Self = Self {
        align: Align::Left,
        max_width: None,
    };
    pub const RIGHT: Self = Self {
        align: Align::Right,
        max_width: None,
    };

    /// This column, its cells cut at `width` terminal columns.
    pub const fn at_most(self, width: usize) -> Self {
        Self {
            max_width: Some(width),
            ..self
        }
    }
}

/// Between two columns.
const GAP: &str = "  ";

/// Where a cut cell ends: one terminal column (East Asian "ambiguous", counted narrow as
/// [`width`] counts it).
const ELLIPSIS: &str = "…";

/// How many terminal columns `text` takes: 2 for a CJK ideograph or full-width kana, 1 for
/// half-width kana (ﾔﾏﾀﾞ is 4), 0 for a combining mark. Never `chars().count()`, which counts
/// 山田太郎 as 4 and `e` + U+0308 as 2. Measure the text as printed: after `shown()` escaped it.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` as it fits in `max` terminal columns: whole, or its longest beginning that leaves
/// room for a closing `…` (a combining mark stays with its letter).
pub fn cut(text: &str, max: usize) -> Cow<'_, str> {
    if width(text) <= max {
        return Cow::Borrowed(text);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let room = max - width(ELLIPSIS);
    // The ends of the beginnings one character long and longer (the whole does not fit).
    let end = text
        .char_indices()
        .map(|(i, _)| i)
        .skip(1)
        .take_while(|&i| width(&text[..i]) <= room)
        .last()
        .unwrap_or(0);
    Cow::Owned(format!("{}{ELLIPSIS}", &text[..end]))
}

/// `text` filled with spaces to `columns` terminal columns: after it (`Left`) or before it
/// (`Right`); text as wide or wider comes back as it is.
pub fn pad(text: &str, columns: usize, align: Align) -> String {
    let fill = " ".repeat(columns.saturating_sub(width(text)));
    match align {
        Align::Left => format!("{text}{fill}"),
        Align::Right => format!("{fill}{text}"),
    }
}

/// Rows of cells as lines, each column as wide on the terminal as its widest cell (after
/// cutting the cells of a column with a `max_width`), two spaces between columns, no trailing
/// spaces. A column past the end of `columns` is [`Column::LEFT`].
pub fn aligned(rows: &[Vec<String>], columns: &[Column]) -> String {
    let column = |c: usize| columns.get(c).copied().unwrap_or(Column::LEFT);
    let cells: Vec<Vec<Cow<'_, str>>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .map(|(c, cell)| match column(c).max_width {
                    Some(max) => cut(cell, max),
                    None => Cow::Borrowed(cell.as_str()),
                })
                .collect()
        })
        .collect();
    let count = cells.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..count)
        .map(|c| {
            cells
                .iter()
                .filter_map(|row| row.get(c))
                .map(|cell| width(cell))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &cells {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, &span))| pad(cell, span, column(c).align))
            .collect();
        out.push_str(line.join(GAP).trim_end());
        out.push('\n');
    }
    out
}

/// Agent standings under a line naming the site and the range: rank, agent, team, n, raw CSAT
/// with its interval, shrunk CSAT, the difference from the rest of the team with its interval,
/// flag.
pub fn standings(standings: &Standings) -> String {
    let header = [
        "rank",
        "agent",
        "team",
        "n",
        "CSAT % (95 %)",
        "shrunk",
        "vs rest of team (95 %)",
        "flag",
        "handled",
        "resolved % (95 %)",
        "FRT median",
    ];
    let mut rows = vec![Vec::from(header.map(str::to_owned))];
    for a in &standings.agents {
        let flag = match a.flag {
            Some(Flag::Below) => "below the rest of the team",
            Some(Flag::Above) => "above the rest of the team",
            None => "",
        };
        let against = match a.against_team {
            Some(t) => format!("{:+.1} ({:.1}–{:.1})", t.difference, t.low, t.high),
            None => "–".into(),
        };
        rows.push(vec![
            a.rank.to_string(),
            a.agent.clone(),
            a.team.as_deref().unwrap_or("(none)").to_owned(),
            a.csat.n.to_string(),
            estimate(Some(a.csat), 1),
            format!("{:.1}", a.shrunk),
            against,
            flag.to_owned(),
            a.service
                .map_or("–".into(), |s| format!("{:.1}", s.handled)),
            a.service
                .and_then(|s| s.resolution_rate)
                .map_or("–".into(), |r| estimate(Some(r), 1)),
            a.service
                .and_then(|s| s.frt_median)
                .map_or("–".into(), |p| {
                    crate::facts::settings::duration(p.seconds.round() as i64)
                }),
        ]);
    }
    let agents = match standings.agents.len() {
        1 => "1 agent".to_owned(),
        n => format!("{n} agents"),
    };
    let mut out = format!(
        "{} · {} to {} · {agents} ranked by CSAT shrunk toward their team's (intervals are \
         95 %; flagged when the interval of the difference from the rest of the team leaves \
         out 0)\n",
        standings.site, standings.from, standings.to
    );
    // Shown whole, as in the score table: the agent's id is what `--agent` takes.
    out.push_str(&aligned(&rows, &[]));
    out
}

#[cfg(test)]
mod tests {
    use koe_shared::metrics::proportion_percent;

    use super::*;
    use crate::report::standings::{AgainstTeam, Standing};
    use crate::report::{Bucket, GroupBy, ReportRow};

    /// Names whose characters are not one terminal column each: 山田太郎 is 4 characters in 8
    /// columns; ﾔﾏﾀﾞ is half-width kana, 1 column each (its ﾞ too); `Zoe` + U+0308 (a combining
    /// diaeresis) is 4 characters shown as the 3 columns of Zoë; the precomposed Zoë and aiko
    /// are as wide as they are long. With a team beside each, some as wide and as narrow.
    const NAMES: [(&str, Option<&str>); 5] = [
        ("山田太郎", Some("東京サポート")),
        ("ﾔﾏﾀﾞ", Some("ｻﾎﾟｰﾄ")),
        ("aiko", None),
        ("Zoë", Some("support")),
        ("Zoe\u{308}", Some("support")),
    ];

    /// What `line` shows from terminal column `column` on, or `None` when a character spans it.
    fn from_column(line: &str, column: usize) -> Option<&str> {
        line.char_indices()
            .map(|(i, _)| i)
            .chain([line.len()])
            .find(|&i| width(&line[..i]) >= column)
            .filter(|&i| width(&line[..i]) == column)
            .map(|i| &line[i..])
    }

    /// Asserts that under each header title in `titles`, every row's cell starts at the same
    /// terminal column as the title: `cells` gives each row's expected beginnings, in order.
    fn assert_lined_up(table: &str, titles: &[&str], cells: &[Vec<String>]) {
        let mut lines = table.lines().skip(1);
        let header = lines.next().unwrap();
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), cells.len(), "{table}");
        for (i, title) in titles.iter().enumerate() {
            let start = width(&header[..header.find(title).expect(title)]);
            for (line, expected) in rows.iter().zip(cells) {
                let cell = &expected[i];
                assert!(
                    from_column(line, start).is_some_and(|shown| shown.starts_with(cell.as_str())),
                    "{cell:?} starts at terminal column {start}, under {title:?}, in:\n{table}"
                );
            }
        }
    }

    #[test]
    fn standings_line_up_by_terminal_columns_after_cjk_half_width_and_combined_names() {
        let ranked = Standings {
            site: "site_shop".into(),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            agents: NAMES
                .iter()
                .enumerate()
                .map(|(i, (agent, team))| Standing {
                    rank: i + 1,
                    agent: (*agent).to_owned(),
                    team: team.map(str::to_owned),
                    csat: proportion_percent(80, 100).unwrap(),
                    shrunk: 79.5,
                    against_team: None,
                    flag: None,
                    service: None,
                })
                .collect(),
        };
        let table = standings(&ranked);
        let cells: Vec<Vec<String>> = NAMES
            .iter()
            .enumerate()
            .map(|(i, (agent, team))| {
                vec![
                    (i + 1).to_string(),
                    (*agent).to_owned(),
                    team.unwrap_or("(none)").to_owned(),
                    "80.0 (".to_owned(),
                    "79.5".to_owned(),
                ]
            })
            .collect();
        assert_lined_up(
            &table,
            &["rank", "agent", "team", "CSAT % (95 %)", "shrunk"],
            &cells,
        );
    }

    #[test]
    fn score_tables_line_up_by_terminal_columns_after_cjk_half_width_and_combined_names() {
        let row = |(agent, team): (&str, Option<&str>)| ReportRow {
            agent: Some(agent.to_owned()),
            channel: None,
            team: team.map(str::to_owned),
            bucket_start: "2026-11-01".into(),
            responses: 12,
            impressions: 20,
            csat: proportion_percent(9, 12),
            nps: None,
            ces: None,
            fcr: None,
            response_rate: None,
            response_rate_capped: false,
            self_resolution: None,
            low_n: false,
            change: None,
        };
        let report = Report {
            site: "site_shop".into(),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            bucket: Bucket::All,
            group_by: vec![GroupBy::Agent, GroupBy::Team],
            low_n_threshold: 5,
            compared_with: None,
            rows: NAMES.into_iter().map(row).collect(),
        };
        let table = render(&report);
        let cells: Vec<Vec<String>> = NAMES
            .iter()
            .map(|(agent, team)| {
                vec![
                    (*agent).to_owned(),
                    team.unwrap_or("(none)").to_owned(),
                    "2026-11-01".to_owned(),
                    "12".to_owned(),
                    "75.0 (".to_owned(),
                ]
            })
            .collect();
        assert_lined_up(&table, &["agent", "team", "bucket", "n ", "CSAT %"], &cells);
    }

    #[test]
    fn a_cell_wider_than_its_column_is_cut_by_terminal_columns_with_an_ellipsis() {
        let cases = [
            ("aiko", 4, "aiko", "as wide as the column: whole"),
            ("山田太郎", 8, "山田太郎", "8 columns in 8: whole"),
            ("山田太郎", 7, "山田太…", "6 columns and the ellipsis"),
            ("山田太郎", 6, "山田…", "太 would take the ellipsis' column"),
            ("ﾔﾏﾀﾞﾀﾛｳ", 5, "ﾔﾏﾀﾞ…", "half-width kana: 1 column each"),
            (
                "Zoe\u{308}ys",
                4,
                "Zoe\u{308}…",
                "a combining mark stays with its letter",
            ),
            ("山田太郎", 1, "…", "no room for a character"),
            ("山田太郎", 0, "", "no room at all"),
        ];
        for (text, max, expected, what) in cases {
            let shown = cut(text, max);
            assert_eq!(shown, expected, "{what}");
            assert!(width(&shown) <= max, "{what}: {shown}");
        }
    }

    #[test]
    fn cells_are_padded_to_terminal_columns_left_or_right() {
        let rows = vec![
            vec!["山田太郎".to_owned(), "7".to_owned(), "end".to_owned()],
            vec!["ﾔﾏﾀﾞ".to_owned(), "1234".to_owned(), "end".to_owned()],
            vec![
                "a very long name indeed".to_owned(),
                "0".to_owned(),
                "end".to_owned(),
            ],
        ];
        let table = aligned(&rows, &[Column::LEFT.at_most(8), Column::RIGHT]);
        assert_eq!(
            table,
            "山田太郎     7  end\n\
             ﾔﾏﾀﾞ      1234  end\n\
             a very …     0  end\n"
        );
    }

    #[test]
    fn standings_are_headed_by_the_site_and_range_and_show_the_difference() {
        let ranked = Standings {
            site: "site_shop".into(),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            agents: vec![Standing {
                rank: 1,
                agent: "ken".into(),
                team: None,
                csat: proportion_percent(20, 100).unwrap(),
                shrunk: 21.04,
                against_team: Some(AgainstTeam {
                    rest: proportion_percent(85, 100).unwrap(),
                    difference: -65.0,
                    low: -73.76,
                    high: -52.854,
                }),
                flag: Some(Flag::Below),
                service: None,
            }],
        };
        let table = standings(&ranked);
        let mut lines = table.lines();
        let head = lines.next().unwrap();
        assert!(
            head.starts_with("site_shop · 2026-11-01 to 2026-11-30 · 1 agent ranked"),
            "{table}"
        );
        assert!(
            lines.next().unwrap().starts_with("rank  agent  team"),
            "{table}"
        );
        let ken = lines.next().unwrap();
        assert!(ken.contains("(none)"), "{table}");
        assert!(ken.contains("-65.0 (-73.8–-52.9)"), "{table}");
        assert!(ken.contains("below the rest of the team"), "{table}");
        assert!(
            ken.trim_end().ends_with("–"),
            "no facts credit ken: his service columns say so: {table}"
        );
    }
}
