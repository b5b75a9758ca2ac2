//! Checks of exported files: an XLSX workbook read back with calamine (values, number formats,
//! bold headers) and as its raw XML parts (frozen pane, autofilter, page setup, print titles);
//! a CSV file read as one rectangular table the way pandas would.
#![allow(dead_code)]

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};

/// An exported workbook.
pub struct Book {
    pub bytes: Vec<u8>,
    pub xlsx: Xlsx<Cursor<Vec<u8>>>,
}

impl Book {
    /// Opens the bytes; when `EXPORT_SAMPLES_DIR` is set, also saves them there as `name`
    /// (to look at the file in a spreadsheet or render it to PDF).
    pub fn open(bytes: Vec<u8>, name: &str) -> Book {
        if let Ok(dir) = std::env::var("EXPORT_SAMPLES_DIR") {
            std::fs::write(std::path::Path::new(&dir).join(name), &bytes).unwrap();
        }
        let xlsx = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
        Book { bytes, xlsx }
    }

    pub fn value(&mut self, sheet: &str, at: (u32, u32)) -> Data {
        let range = self.xlsx.worksheet_range(sheet).unwrap();
        range.get_value(at).cloned().unwrap_or(Data::Empty)
    }

    /// The number format code of a cell (`General` when it has none).
    pub fn number_format(&mut self, sheet: &str, at: (u32, u32)) -> String {
        let styles = self.xlsx.worksheet_style(sheet).unwrap();
        styles
            .get(at)
            .and_then(|s| s.number_format.as_ref())
            .map(|f| f.format_code.clone())
            .unwrap_or_else(|| "General".into())
    }

    pub fn is_bold(&mut self, sheet: &str, at: (u32, u32)) -> bool {
        let styles = self.xlsx.worksheet_style(sheet).unwrap();
        styles
            .get(at)
            .and_then(|s| s.font.as_ref())
            .is_some_and(|f| f.is_bold())
    }

    /// A part of the package (`xl/worksheets/sheet1.xml`), as text.
    pub fn part(&self, name: &str) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(self.bytes.clone())).unwrap();
        let mut text = String::new();
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    /// Asserts that sheet `n` (1-based) reads and prints like a report: the header at
    /// `header_row` (0-based) frozen, filtered over `columns` and repeated on every printed
    /// page; landscape, fitted to one page wide; every column sized.
    pub fn assert_printable(&self, n: usize, header_row: u32, columns: &str) {
        let xml = self.part(&format!("xl/worksheets/sheet{n}.xml"));
        let header = header_row + 1;
        let first_data = header + 1;
        assert!(
            xml.contains(&format!(
                "<pane ySplit=\"{header}\" topLeftCell=\"A{first_data}\""
            )) && xml.contains("state=\"frozen\""),
            "the header row is frozen: {xml}"
        );
        assert!(
            xml.contains(&format!("<autoFilter ref=\"A{header}:{columns}")),
            "the header row is filtered: {xml}"
        );
        assert!(xml.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{xml}");
        assert!(xml.contains("orientation=\"landscape\""), "{xml}");
        assert!(
            xml.contains("fitToHeight=\"0\""),
            "one page wide, as long as needed: {xml}"
        );
        assert!(
            !xml.contains("fitToWidth=") || xml.contains("fitToWidth=\"1\""),
            "{xml}"
        );
        assert!(
            xml.contains("<cols>") && xml.contains("customWidth=\"1\""),
            "{xml}"
        );
        let book = self.part("xl/workbook.xml");
        assert!(
            book.contains(&format!(
                "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{}\">",
                n - 1
            )) && book.contains(&format!("!${header}:${header}</definedName>")),
            "the header row repeats on every page: {book}"
        );
    }
}

/// A CSV file read as pandas reads it: one table, the first line its header. Asserts RFC 4180
/// line ends (CRLF), a rectangular table (every row as wide as the header) and unique
/// snake_case column names; returns the header and the rows.
pub fn one_csv_table(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(text.ends_with("\r\n"), "{text:?}");
    let bare_lf = text
        .char_indices()
        .filter(|(i, c)| *c == '\n' && !text[..*i].ends_with('\r'))
        .count();
    assert_eq!(bare_lf, 0, "every line ends in CRLF: {text:?}");
    // Not flexible: a row of another width is an error, as in pandas.
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    for name in &header {
        assert!(
            !name.is_empty()
                && name.starts_with(|c: char| c.is_ascii_lowercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{name:?} is snake_case"
        );
    }
    let mut unique = header.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), header.len(), "unique names: {header:?}");
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// The value of `column` in `row` of a table from [`one_csv_table`].
pub fn column<'a>(header: &[String], row: &'a [String], column: &str) -> &'a str {
    let i = header
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column} in {header:?}"));
    &row[i]
}
