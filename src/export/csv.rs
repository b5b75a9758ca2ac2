//! A sheet as a CSV file for machines: one rectangular table, a header of snake_case names,
//! RFC 4180 (CRLF line ends, quotes where needed), money in minor units, ratios as decimals,
//! dates in ISO 8601.

use super::{Cell, Sheet};
use crate::error::{ApiError, ApiResult};

/// First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Text as a CSV cell that a spreadsheet shows as text: a leading formula character gets a
/// single quote before it (OWASP's CSV-injection advice). Only text is neutralised; numbers,
/// negative ones included, stay numbers.
fn neutralised(text: &str) -> String {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => neutralised(s),
        Cell::Int(n) | Cell::Money(n) => n.to_string(),
        Cell::Ratio(f) | Cell::Number(f) => f.to_string(),
        Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        Cell::Empty => String::new(),
    }
}

/// The sheet as one CSV table: its header, then its rows (a record sheet is one row). Rows are
/// padded or cut to the header's width, so that the file is rectangular.
pub fn render(sheet: &Sheet) -> ApiResult<Vec<u8>> {
    let fail = |e: csv::Error| ApiError::Internal(anyhow::anyhow!("csv: {e}"));
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let width = sheet.header.len();
    w.write_record(sheet.header.iter().map(|h| neutralised(h)))
        .map_err(fail)?;
    for row in &sheet.rows {
        let cells = row
            .iter()
            .map(cell_text)
            .chain(std::iter::repeat(String::new()))
            .take(width);
        w.write_record(cells).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn text_that_a_spreadsheet_would_run_is_quoted_and_numbers_stay_numbers() {
        let mut sheet = Sheet::new("s", &["name", "gap"]);
        for text in ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "a=b"] {
            sheet.push(vec![Cell::from(text), Cell::Int(-5)]);
        }
        sheet.push(vec![Cell::Empty, Cell::Ratio(-0.5)]);
        let text = String::from_utf8(render(&sheet).unwrap()).unwrap();
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let rows: Vec<(String, String)> = reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_string(), r[1].to_string())
            })
            .collect();
        let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "'=1+2",
                "'+1",
                "'-1",
                "'@SUM(A1)",
                "'\tx",
                "'\rx",
                "plain",
                "a=b",
                ""
            ]
        );
        assert!(rows[..8].iter().all(|r| r.1 == "-5"));
        assert_eq!(rows[8].1, "-0.5");
    }

    #[test]
    fn typed_cells_are_written_for_machines_with_crlf_line_ends() {
        let mut sheet = Sheet::new("s", &["day", "sales_minor", "rate", "note"]);
        let day = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        sheet.push(vec![
            day.into(),
            Cell::Money(34_800_000),
            Cell::Ratio(0.9334),
            "two\nlines".into(),
        ]);
        sheet.push(vec![Cell::Empty]);
        let text = String::from_utf8(render(&sheet).unwrap()).unwrap();
        assert_eq!(
            text,
            "day,sales_minor,rate,note\r\n2026-11-03,34800000,0.9334,\"two\nlines\"\r\n,,,\r\n"
        );
    }

    #[test]
    fn a_record_sheet_is_one_row_of_named_figures() {
        let sheet = Sheet::record(
            "Summary",
            vec![("unit", "North".into()), ("visits", 3.into())],
        );
        let text = String::from_utf8(render(&sheet).unwrap()).unwrap();
        assert_eq!(text, "unit,visits\r\nNorth,3\r\n");
    }
}
