//! CSV as spreadsheets expect it: RFC 4180 quoting, CRLF line ends, UTF-8 with a byte-order
//! mark (so Excel reads Japanese correctly), and cells that a spreadsheet would run as a
//! formula (`= + - @`, tab, CR) neutralised with a leading `'`.

use koe_shared::metrics::Estimate;

use super::Report;

const BOM: &str = "\u{feff}";

/// One CSV cell, quoted when needed and defused when it could run as a formula.
pub fn cell(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

/// A number cell; numbers are never defused (a negative NPS stays a number).
fn number(value: f64) -> String {
    format!("{value:.2}")
}

/// A whole table: header, then rows, each line ending in CRLF, after a BOM.
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = String::from(BOM);
    out.push_str(&header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for row in rows {
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

const METRICS: [&str; 6] = [
    "csat",
    "nps",
    "ces",
    "fcr",
    "response_rate",
    "self_resolution",
];

pub fn report(report: &Report) -> String {
    let mut header: Vec<String> = report.group_by.iter().map(|g| (*g).to_owned()).collect();
    header.extend(["bucket_start", "responses", "impressions"].map(str::to_owned));
    for metric in METRICS {
        header.extend(["", "_low", "_high", "_n"].map(|suffix| format!("{metric}{suffix}")));
    }
    header.push("low_n".into());
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows = report.rows.iter().map(|row| {
        let mut cells: Vec<String> = Vec::new();
        for group in &report.group_by {
            cells.push(cell(row.group_value(group).unwrap_or_default()));
        }
        cells.extend([
            cell(&row.bucket_start),
            row.responses.to_string(),
            row.impressions.to_string(),
        ]);
        let estimates = [
            row.csat,
            row.nps,
            row.ces,
            row.fcr,
            row.response_rate,
            row.self_resolution,
        ];
        for estimate in estimates {
            match estimate {
                Some(Estimate {
                    value,
                    low,
                    high,
                    n,
                }) => cells.extend([number(value), number(low), number(high), n.to_string()]),
                None => cells.extend([String::new(), String::new(), String::new(), "0".into()]),
            }
        }
        cells.push(row.low_n.to_string());
        cells
    });
    table(&header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        for risky in ["+1", "-1", "@SUM(A1)", "\tx"] {
            assert!(
                cell(risky).trim_start_matches('"').starts_with('\''),
                "{risky}"
            );
        }
        assert_eq!(cell("日本語"), "日本語");
    }

    #[test]
    fn tables_start_with_a_bom_and_end_lines_with_crlf() {
        let csv = table(&["a", "b"], [vec!["1".into(), cell("x,y")]]);
        assert_eq!(csv, "\u{feff}a,b\r\n1,\"x,y\"\r\n");
    }
}
