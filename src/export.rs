//! Exports of tabular reports as CSV and as XLSX workbooks (a real spreadsheet, not CSV renamed).

use actix_web::http::header;
use actix_web::HttpResponse;
use rust_xlsxwriter::{Format, Workbook};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::error::{ApiError, ApiResult};

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Integers: counts and money in minor units.
    Int(i64),
    /// Ratios and averages.
    Float(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<Option<i64>> for Cell {
    fn from(n: Option<i64>) -> Self {
        n.map(Cell::Int).unwrap_or(Cell::Empty)
    }
}

impl From<Option<f64>> for Cell {
    fn from(n: Option<f64>) -> Self {
        n.map(Cell::Float).unwrap_or(Cell::Empty)
    }
}

impl Cell {
    /// The API name of an enum value (`behind_pace`, `sales_amount`), as text.
    pub fn name<T: Serialize>(value: &T) -> Cell {
        match serde_json::to_value(value) {
            Ok(serde_json::Value::String(s)) => Cell::Text(s),
            _ => Cell::Empty,
        }
    }

    /// The API names of several enum values, space-separated.
    pub fn names<T: Serialize>(values: &[T]) -> Cell {
        let names: Vec<String> = values
            .iter()
            .filter_map(|v| match Cell::name(v) {
                Cell::Text(s) => Some(s),
                _ => None,
            })
            .collect();
        Cell::Text(names.join(" "))
    }
}

/// A sheet: a name, a header row and data rows.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn new(name: &str, header: &[&str]) -> Self {
        Sheet {
            name: name.to_string(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// `?format=csv|xlsx` of an export endpoint.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` or `xlsx`.
    #[param(inline, example = "xlsx")]
    pub format: ExportFormat,
}

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
        Cell::Int(n) => n.to_string(),
        Cell::Float(f) => f.to_string(),
        Cell::Empty => String::new(),
    }
}

/// The sheets as CSV (several sheets follow each other, each with its name on a line).
pub fn csv(sheets: &[Sheet]) -> ApiResult<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(anyhow::anyhow!("csv: {e}"));
    for (i, sheet) in sheets.iter().enumerate() {
        if sheets.len() > 1 {
            if i > 0 {
                w.write_record([""]).map_err(fail)?;
            }
            w.write_record([format!("# {}", sheet.name)])
                .map_err(fail)?;
        }
        w.write_record(sheet.header.iter().map(|h| neutralised(h)))
            .map_err(fail)?;
        for row in &sheet.rows {
            w.write_record(row.iter().map(cell_text)).map_err(fail)?;
        }
    }
    w.into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("csv: {e}")))
}

/// The sheets as an XLSX workbook, one worksheet each, bold frozen header row.
pub fn xlsx(sheets: &[Sheet]) -> ApiResult<Vec<u8>> {
    let fail = |e: rust_xlsxwriter::XlsxError| ApiError::Internal(anyhow::anyhow!("xlsx: {e}"));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for sheet in sheets {
        let ws = book.add_worksheet();
        // Sheet names are at most 31 characters in Excel.
        let name: String = sheet.name.chars().take(31).collect();
        ws.set_name(&name).map_err(fail)?;
        for (c, h) in sheet.header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)
                .map_err(fail)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
                    Cell::Int(n) => ws.write_number(r, c, *n as f64).map(|_| ()),
                    Cell::Float(f) => ws.write_number(r, c, *f).map(|_| ()),
                    Cell::Empty => Ok(()),
                }
                .map_err(fail)?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(fail)?;
        ws.autofit();
    }
    book.save_to_buffer().map_err(fail)
}

/// How the client wants the file typed: by its own media type (the default), or as
/// `application/octet-stream` when its `Accept` asks for that and not for the file's own type
/// (generated clients that read every download as bytes do).
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    octet_stream: bool,
}

impl actix_web::FromRequest for Wanted {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let accept = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let octet_stream = accept.contains("application/octet-stream")
            && !accept.contains("text/csv")
            && !accept.contains("spreadsheetml");
        std::future::ready(Ok(Wanted { octet_stream }))
    }
}

/// The response of an export: the file, with a download name.
pub fn respond(
    format: ExportFormat,
    wanted: Wanted,
    file_stem: &str,
    sheets: &[Sheet],
) -> ApiResult<HttpResponse> {
    let (bytes, content_type, ext) = match format {
        ExportFormat::Csv => (csv(sheets)?, "text/csv; charset=utf-8", "csv"),
        ExportFormat::Xlsx => (
            xlsx(sheets)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let content_type = if wanted.octet_stream {
        "application/octet-stream"
    } else {
        content_type
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_stem}.{ext}\""),
        ))
        .body(bytes))
}

/// The bytes of an exported file, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct ExportFile(pub Vec<u8>);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn text_that_a_spreadsheet_would_run_is_quoted_and_numbers_stay_numbers() {
        let mut sheet = Sheet::new("s", &["name", "gap"]);
        for text in ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "a=b"] {
            sheet.push(vec![Cell::from(text), Cell::Int(-5)]);
        }
        sheet.push(vec![Cell::Empty, Cell::Float(-0.5)]);
        let text = String::from_utf8(csv(&[sheet]).unwrap()).unwrap();
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
}
