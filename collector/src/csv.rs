//! CSV as spreadsheets expect it: RFC 4180 quoting, CRLF line ends, UTF-8 with a byte-order
//! mark (so Excel reads Japanese correctly), and cells that a spreadsheet would run as a
//! formula (`= + - @`, tab, CR) neutralised with a leading `'`. Reports and response lists
//! both write through it.

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

/// A whole table: header, then rows, each line ending in CRLF, after a BOM.
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = head(header);
    out.push_str(&lines(rows));
    out
}

/// A table's start: the BOM and the header line (a streamed table sends [`lines`] after it).
pub fn head(header: &[&str]) -> String {
    let mut out = String::from(BOM);
    out.push_str(&header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    out
}

/// Rows of cells (already quoted), each line ending in CRLF.
pub fn lines(rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = String::new();
    for row in rows {
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
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
