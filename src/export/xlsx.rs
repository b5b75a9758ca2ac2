//! Sheets as an XLSX workbook for people: money in major units with the company currency's
//! number format, ratios as percentages, dates as date cells; a title above each table; the
//! header row bold, frozen, filtered and repeated on every printed page; columns sized to
//! their contents; printed landscape, one page wide.

use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use super::{Cell, Currency, Layout, Sheet};
use crate::error::{ApiError, ApiResult};

/// The longest text a cell holds (Excel's limit).
const MAX_TEXT: usize = 32_767;
/// Column widths, in characters of the default font.
const MIN_WIDTH: usize = 4;
const MAX_WIDTH: usize = 50;
/// The value column of a record sheet, where long notes wrap.
const RECORD_VALUE_WIDTH: usize = 60;
/// Points per line of the default 11 pt font.
const LINE_HEIGHT: f64 = 15.0;

/// The formats every sheet of a workbook uses.
struct Formats {
    title: Format,
    subtitle: Format,
    header: Format,
    /// The header of a column of numbers, aligned with them.
    header_right: Format,
    text: Format,
    wrapped: Format,
    int: Format,
    money: Format,
    ratio: Format,
    number: Format,
    date: Format,
    minor_digits: u8,
    code_len: usize,
}

/// The number format of money in `currency`: `#,##0.00 "EUR"` (as many decimals as the
/// currency has minor digits).
pub fn money_format(currency: &Currency) -> String {
    let decimals = match currency.minor_digits {
        0 => String::new(),
        n => format!(".{}", "0".repeat(n as usize)),
    };
    format!("#,##0{decimals} \"{}\"", currency.code)
}

fn header() -> Format {
    Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("#D9E1F2")
        .set_border_bottom(FormatBorder::Thin)
}

impl Formats {
    fn new(currency: &Currency) -> Self {
        let top = |f: Format| f.set_align(rust_xlsxwriter::FormatAlign::Top);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            subtitle: Format::new().set_italic(),
            header: top(header().set_indent(1)),
            header_right: top(header().set_align(rust_xlsxwriter::FormatAlign::Right)),
            // Indented, so that text does not touch the right-aligned number before it.
            text: top(Format::new().set_indent(1)),
            wrapped: top(Format::new().set_indent(1).set_text_wrap()),
            int: top(Format::new().set_num_format("#,##0")),
            money: top(Format::new().set_num_format(money_format(currency))),
            ratio: top(Format::new().set_num_format("0.00%")),
            number: top(Format::new().set_num_format("0.00")),
            date: top(Format::new().set_num_format("yyyy-mm-dd")),
            minor_digits: currency.minor_digits,
            code_len: currency.code.chars().count(),
        }
    }

    /// How many characters the cell takes once formatted.
    fn shown_width(&self, cell: &Cell) -> usize {
        match cell {
            Cell::Text(s) => s.lines().map(|l| l.chars().count()).max().unwrap_or(0),
            Cell::Int(n) => grouped_len(*n),
            Cell::Money(n) => {
                let digits = self.minor_digits as usize;
                let whole = grouped_len(*n / 10_i64.pow(self.minor_digits as u32));
                whole + if digits > 0 { digits + 1 } else { 0 } + 1 + self.code_len
            }
            Cell::Ratio(r) => format!("{:.2}%", r * 100.0).len(),
            Cell::Number(n) => format!("{n:.2}").len(),
            Cell::Date(_) => 10,
            Cell::Empty => 0,
        }
    }

    fn major(&self, minor: i64) -> f64 {
        minor as f64 / 10_f64.powi(self.minor_digits as i32)
    }
}

/// The length of an integer written with thousands separators.
fn grouped_len(n: i64) -> usize {
    let digits = n.unsigned_abs().to_string().len();
    digits + (digits - 1) / 3 + usize::from(n < 0)
}

/// A column name for people: `sales_target_minor` becomes `Sales target`.
pub fn label(key: &str) -> String {
    let key = key.strip_suffix("_minor").unwrap_or(key);
    let key = key.strip_suffix("_ratio").unwrap_or(key);
    let mut words = key.replace('_', " ");
    if let Some(stem) = words.strip_suffix(" id") {
        words = format!("{stem} ID");
    }
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn write_cell(
    ws: &mut Worksheet,
    (row, col): (u32, u16),
    cell: &Cell,
    f: &Formats,
    text: &Format,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(s) => {
            let s: String = s.chars().take(MAX_TEXT).collect();
            ws.write_string_with_format(row, col, s, text)
        }
        Cell::Int(n) => ws.write_number_with_format(row, col, *n as f64, &f.int),
        Cell::Money(n) => ws.write_number_with_format(row, col, f.major(*n), &f.money),
        Cell::Ratio(r) => ws.write_number_with_format(row, col, *r, &f.ratio),
        Cell::Number(n) => ws.write_number_with_format(row, col, *n, &f.number),
        Cell::Date(d) => {
            use chrono::Datelike;
            let (y, m, day) = (d.year(), d.month() as u8, d.day() as u8);
            match u16::try_from(y)
                .ok()
                .map(|y| ExcelDateTime::from_ymd(y, m, day))
            {
                Some(Ok(date)) => ws.write_datetime_with_format(row, col, date, &f.date),
                // Before 1900 Excel has no dates: the ISO text instead.
                _ => ws.write_string_with_format(row, col, d.to_string(), text),
            }
        }
        Cell::Empty => return Ok(()),
    }
    .map(|_| ())
}

/// The characters a wrapped cell `width` characters wide holds on a line: less its padding
/// and indent; `bold` text is counted a sixth wider.
fn room(width: usize, bold: bool) -> usize {
    (width.saturating_sub(3) * if bold { 5 } else { 6 } / 6).max(1)
}

/// Lines a text takes in a wrapped cell `width` characters wide, wrapped at spaces (a word
/// longer than a line is counted as one line: the columns are sized to hold the longest).
fn lines(text: &str, width: usize, bold: bool) -> usize {
    let room = room(width, bold);
    let mut count = 1;
    let mut used = 0;
    for word in text.split(' ') {
        let len = word.chars().count();
        if used > 0 && used + 1 + len > room {
            count += 1;
            used = len;
        } else if used > 0 {
            used += 1 + len;
        } else {
            used = len;
        }
    }
    count
}

/// Whether a column holds numbers (its first filled cell is not text).
fn is_numeric(sheet: &Sheet, col: usize) -> bool {
    sheet
        .rows
        .iter()
        .filter_map(|r| r.get(col))
        .find(|c| **c != Cell::Empty)
        .is_some_and(|c| !matches!(c, Cell::Text(_)))
}

/// The title lines from row 0; returns the row of the table's header (one blank row below the
/// title).
fn write_title(ws: &mut Worksheet, sheet: &Sheet, f: &Formats) -> Result<u32, XlsxError> {
    for (i, line) in sheet.title.iter().enumerate() {
        let format = if i == 0 { &f.title } else { &f.subtitle };
        ws.write_string_with_format(i as u32, 0, line, format)?;
    }
    if !sheet.title.is_empty() {
        ws.set_row_height(0, 20)?;
    }
    Ok(match sheet.title.len() {
        0 => 0,
        n => n as u32 + 1,
    })
}

/// A header row of labels at `row`, tall enough for the longest wrapped label.
fn write_header(
    ws: &mut Worksheet,
    row: u32,
    labels: &[String],
    widths: &[usize],
    numeric: &[bool],
    f: &Formats,
) -> Result<(), XlsxError> {
    let mut tallest = 1;
    for (c, (label, width)) in labels.iter().zip(widths).enumerate() {
        let format = if numeric.get(c) == Some(&true) {
            &f.header_right
        } else {
            &f.header
        };
        ws.write_string_with_format(row, c as u16, label, format)?;
        ws.set_column_width(c as u16, *width as f64)?;
        tallest = tallest.max(lines(label, *width, true));
    }
    ws.set_row_height(row, LINE_HEIGHT * tallest as f64)?;
    Ok(())
}

fn write_table(ws: &mut Worksheet, sheet: &Sheet, f: &Formats, top: u32) -> Result<u32, XlsxError> {
    let labels: Vec<String> = sheet.header.iter().map(|h| label(h)).collect();
    let widths: Vec<usize> = labels
        .iter()
        .enumerate()
        .map(|(c, label)| {
            // Room for the longest word of the bold label, which wraps at spaces.
            let longest_word = label
                .split(' ')
                .map(|w| w.chars().count() * 6 / 5 + 1)
                .max();
            let data = sheet
                .rows
                .iter()
                .filter_map(|r| r.get(c))
                .map(|cell| f.shown_width(cell))
                .max();
            data.into_iter()
                .chain(longest_word)
                .max()
                .unwrap_or(0)
                .clamp(MIN_WIDTH, MAX_WIDTH)
                + 3
        })
        .collect();
    let numeric: Vec<bool> = (0..labels.len()).map(|c| is_numeric(sheet, c)).collect();
    write_header(ws, top, &labels, &widths, &numeric, f)?;
    // Identifiers are for machines: kept in the workbook for lookups, hidden and not printed.
    for (c, key) in sheet.header.iter().enumerate() {
        if key == "id" || key.ends_with("_id") {
            ws.set_column_hidden(c as u16)?;
        }
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate().take(labels.len()) {
            write_cell(ws, (top + 1 + r as u32, c as u16), cell, f, &f.text)?;
        }
    }
    Ok(top + sheet.rows.len() as u32)
}

/// A record sheet: a figure per row, its label beside its value; long text wraps.
fn write_record(
    ws: &mut Worksheet,
    sheet: &Sheet,
    f: &Formats,
    top: u32,
) -> Result<u32, XlsxError> {
    let empty = Vec::new();
    let values = sheet.rows.first().unwrap_or(&empty);
    let labels: Vec<String> = sheet.header.iter().map(|h| label(h)).collect();
    let label_width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 3;
    let value_width = values
        .iter()
        .map(|c| f.shown_width(c))
        .max()
        .unwrap_or(0)
        .clamp(12, RECORD_VALUE_WIDTH)
        + 3;
    let heading = ["Figure".to_string(), "Value".to_string()];
    write_header(ws, top, &heading, &[label_width, value_width], &[], f)?;
    for (i, name) in labels.iter().enumerate() {
        let row = top + 1 + i as u32;
        ws.write_string_with_format(row, 0, name, &f.text)?;
        let Some(cell) = values.get(i) else { continue };
        write_cell(ws, (row, 1), cell, f, &f.wrapped)?;
        if let Cell::Text(s) = cell {
            let needed: usize = s.lines().map(|l| lines(l, value_width, false)).sum();
            if needed > 1 {
                ws.set_row_height(row, LINE_HEIGHT * needed as f64)?;
            }
        }
    }
    Ok(top + labels.len() as u32)
}

/// The paper the company prints on: US Letter where the currency says North America, else A4.
fn paper_size(currency: &Currency) -> u8 {
    match currency.code.as_str() {
        "USD" | "CAD" | "MXN" => 1,
        _ => 9,
    }
}

fn write_sheet(ws: &mut Worksheet, sheet: &Sheet, f: &Formats, paper: u8) -> Result<(), XlsxError> {
    // Sheet names are at most 31 characters in Excel, without []:*?/\.
    let name: String = sheet
        .name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .take(31)
        .collect();
    ws.set_name(name)?;
    let top = write_title(ws, sheet, f)?;
    let (last_row, last_col) = match sheet.layout {
        Layout::Table => (
            write_table(ws, sheet, f, top)?,
            sheet.header.len().saturating_sub(1),
        ),
        Layout::Record => (write_record(ws, sheet, f, top)?, 1),
    };
    ws.set_freeze_panes(top + 1, 0)?;
    ws.autofilter(top, 0, last_row, last_col as u16)?;
    ws.set_repeat_rows(top, top)?;
    ws.set_landscape();
    ws.set_paper_size(paper);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_footer("&CPage &P of &N");
    Ok(())
}

/// The sheets as an XLSX workbook, one worksheet each.
pub fn render(sheets: &[Sheet], currency: &Currency) -> ApiResult<Vec<u8>> {
    let fail = |e: XlsxError| ApiError::Internal(anyhow::anyhow!("xlsx: {e}"));
    let formats = Formats::new(currency);
    let mut book = Workbook::new();
    for sheet in sheets {
        write_sheet(book.add_worksheet(), sheet, &formats, paper_size(currency)).map_err(fail)?;
    }
    book.save_to_buffer().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_drop_the_machine_units() {
        assert_eq!(label("sales_target_minor"), "Sales target");
        assert_eq!(label("achievement_ratio"), "Achievement");
        assert_eq!(label("user_id"), "User ID");
        assert_eq!(label("effective_visit_rate"), "Effective visit rate");
    }

    #[test]
    fn pages_are_a4_except_where_the_currency_says_north_america() {
        let of = |code: &str| Currency {
            code: code.into(),
            minor_digits: 2,
        };
        assert_eq!(paper_size(&of("EUR")), 9);
        assert_eq!(paper_size(&of("GBP")), 9);
        assert_eq!(paper_size(&of("USD")), 1);
        assert_eq!(paper_size(&of("CAD")), 1);
    }

    #[test]
    fn money_is_formatted_with_the_currency_and_its_minor_digits() {
        let eur = Currency {
            code: "EUR".into(),
            minor_digits: 2,
        };
        let jpy = Currency {
            code: "JPY".into(),
            minor_digits: 0,
        };
        assert_eq!(money_format(&eur), "#,##0.00 \"EUR\"");
        assert_eq!(money_format(&jpy), "#,##0 \"JPY\"");
        let f = Formats::new(&eur);
        assert_eq!(
            f.shown_width(&Cell::Money(34_800_000)),
            "348,000.00 EUR".len()
        );
        assert_eq!(f.shown_width(&Cell::Int(-1_000)), "-1,000".len());
    }

    #[test]
    fn wrapped_text_is_counted_in_lines_broken_at_spaces() {
        assert_eq!(lines("Rank", 8, true), 1);
        assert_eq!(lines("Report timeliness rate", 15, true), 3);
        assert_eq!(lines("Sales target", 20, true), 1);
        assert_eq!(lines("Average quality score", 12, true), 3);
        assert_eq!(lines(&"x".repeat(25), 12, false), 1);
    }
}
