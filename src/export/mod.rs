//! Exports of tabular reports as CSV (one table per file, for machines) and as XLSX workbooks
//! (one sheet per table, for people: formatted, filtered, printable).
//!
//! A [`Sheet`] says what each value is ([`Cell::Money`], [`Cell::Ratio`], [`Cell::Date`], ...);
//! [`csv::render`] and [`xlsx::render`] each show it their way.

pub mod csv;
pub mod xlsx;

use actix_web::http::header;
use actix_web::HttpResponse;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiResult;

/// One cell of an exported table, typed so that each writer can render it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Counts and ranks.
    Int(i64),
    /// Money in minor units of the company currency: kept as is in CSV, shown in major units
    /// with the currency's format in XLSX.
    Money(i64),
    /// A ratio (`0.9334`): a decimal in CSV, a percentage (`93.34%`) in XLSX.
    Ratio(f64),
    /// Any other decimal (an average score): two decimals in XLSX.
    Number(f64),
    /// A calendar date: ISO 8601 in CSV, a real date cell in XLSX.
    Date(NaiveDate),
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

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Self {
        s.map(Cell::Text).unwrap_or(Cell::Empty)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Self {
        Cell::Date(d)
    }
}

impl From<bool> for Cell {
    /// `yes` or `no`.
    fn from(b: bool) -> Self {
        Cell::from(if b { "yes" } else { "no" })
    }
}

impl Cell {
    /// Money in minor units, or an empty cell.
    pub fn money(minor: Option<i64>) -> Cell {
        minor.map(Cell::Money).unwrap_or(Cell::Empty)
    }

    /// A count, or an empty cell.
    pub fn int(n: Option<i64>) -> Cell {
        n.map(Cell::Int).unwrap_or(Cell::Empty)
    }

    /// A ratio, or an empty cell.
    pub fn ratio(r: Option<f64>) -> Cell {
        r.map(Cell::Ratio).unwrap_or(Cell::Empty)
    }

    /// A decimal, or an empty cell.
    pub fn number(n: Option<f64>) -> Cell {
        n.map(Cell::Number).unwrap_or(Cell::Empty)
    }

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

/// How a sheet's rows are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// A header row, then one row per item.
    #[default]
    Table,
    /// One item of many named figures (a summary): one row in CSV, so that each figure is a
    /// typed column; a figure-per-row list in XLSX, which people read down.
    Record,
}

/// A table: a tab name, title lines, snake_case column names and rows of typed cells.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// The worksheet's tab name.
    pub name: String,
    /// Lines shown above the table in XLSX (what, which unit, which period).
    pub title: Vec<String>,
    /// Column names, snake_case; money columns end in `_minor` (the CSV unit).
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub layout: Layout,
}

impl Sheet {
    pub fn new(name: &str, header: &[&str]) -> Self {
        Sheet {
            name: name.to_string(),
            header: header.iter().map(|h| h.to_string()).collect(),
            ..Sheet::default()
        }
    }

    /// A [`Layout::Record`] sheet of `(name, value)` figures.
    pub fn record(name: &str, figures: Vec<(&str, Cell)>) -> Self {
        let (header, row): (Vec<_>, Vec<_>) = figures
            .into_iter()
            .map(|(name, cell)| (name.to_string(), cell))
            .unzip();
        Sheet {
            name: name.to_string(),
            header,
            rows: vec![row],
            layout: Layout::Record,
            ..Sheet::default()
        }
    }

    /// The same sheet with these title lines.
    pub fn titled(mut self, lines: Vec<String>) -> Self {
        self.title = lines;
        self
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }
}

/// The company currency: how money cells are shown in XLSX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    /// ISO 4217 code (`EUR`).
    pub code: String,
    /// Digits of the minor unit (2 for cents).
    pub minor_digits: u8,
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// The tables an export answers: the one asked for; without one, the first (main) table for
/// CSV, which holds one table per file, and every table for XLSX, one sheet each.
pub fn chosen<T: Copy>(format: ExportFormat, asked: Option<T>, all: &[T]) -> Vec<T> {
    match (asked, format) {
        (Some(t), _) => vec![t],
        (None, ExportFormat::Csv) => all.iter().copied().take(1).collect(),
        (None, ExportFormat::Xlsx) => all.to_vec(),
    }
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

/// The response of an export: the file, with a download name. A CSV file holds the first
/// sheet only (callers pass one).
pub fn respond(
    format: ExportFormat,
    wanted: Wanted,
    file_stem: &str,
    currency: &Currency,
    sheets: &[Sheet],
) -> ApiResult<HttpResponse> {
    let (bytes, content_type, ext) = match format {
        ExportFormat::Csv => (
            csv::render(sheets.first().unwrap_or(&Sheet::default()))?,
            "text/csv; charset=utf-8",
            "csv",
        ),
        ExportFormat::Xlsx => (
            xlsx::render(sheets, currency)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let content_type = if wanted.octet_stream {
        "application/octet-stream"
    } else {
        content_type
    };
    let stem: String = file_stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{stem}.{ext}\""),
        ))
        .body(bytes))
}

/// The bytes of an exported file, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct ExportFile(pub Vec<u8>);
