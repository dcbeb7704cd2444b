//! Reads an uploaded spreadsheet (CSV or XLSX) into a header row and data rows of text cells,
//! keeping each row's line number so that every error can point at it.

use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

/// The decoded file: headers and the non-blank data rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<SheetRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// The line (CSV) or row (XLSX) number a person sees in their editor, counting from 1.
    pub line: usize,
    pub cells: Vec<String>,
}

impl SheetRow {
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map(String::as_str).unwrap_or("")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    Csv,
    Xlsx,
}

impl SheetFormat {
    /// XLSX files are ZIP archives; everything else is read as CSV.
    pub fn detect(bytes: &[u8]) -> Self {
        if bytes.starts_with(b"PK\x03\x04") {
            SheetFormat::Xlsx
        } else {
            SheetFormat::Csv
        }
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SheetError {
    #[error("the file is empty: expected a header row")]
    Empty,
    #[error("line {line}: the file is not UTF-8 text (save it as \"CSV UTF-8\")")]
    NotUtf8 { line: usize },
    #[error("line {line}: {message}")]
    Csv { line: usize, message: String },
    #[error("line {line}: has {found} cells, the header has {expected}")]
    Width {
        line: usize,
        found: usize,
        expected: usize,
    },
    #[error("the header names \"{0}\" twice")]
    DuplicateHeader(String),
    #[error("the header has an empty column name in column {0}")]
    BlankHeader(usize),
    #[error("line {line}, column \"{column}\": {}", crate::nul::REFUSED)]
    Nul { line: usize, column: String },
    #[error("the header's column {column} {}", crate::nul::REFUSED, column = .0)]
    NulHeader(usize),
    #[error("not a readable XLSX workbook: {0}")]
    Xlsx(String),
}

/// The most rows one file may hold; larger books are split or sent through the API in batches.
pub const MAX_ROWS: usize = 1_000_000;

pub fn read_sheet(bytes: &[u8]) -> Result<Sheet, SheetError> {
    let sheet = match SheetFormat::detect(bytes) {
        SheetFormat::Csv => read_csv(bytes)?,
        SheetFormat::Xlsx => read_xlsx(bytes)?,
    };
    check_headers(&sheet.headers)?;
    refuse_nul(&sheet)?;
    Ok(sheet)
}

/// A NUL in any cell (CSV lets one through) refuses the file, naming its line and column.
fn refuse_nul(sheet: &Sheet) -> Result<(), SheetError> {
    if let Some(i) = sheet.headers.iter().position(|h| h.contains('\0')) {
        return Err(SheetError::NulHeader(i + 1));
    }
    for row in &sheet.rows {
        let named = sheet.headers.iter().zip(&row.cells);
        if let Some(column) = crate::nul::first_with_nul(named) {
            return Err(SheetError::Nul {
                line: row.line,
                column,
            });
        }
    }
    Ok(())
}

fn check_headers(headers: &[String]) -> Result<(), SheetError> {
    let mut seen = std::collections::HashSet::new();
    for (i, h) in headers.iter().enumerate() {
        if h.trim().is_empty() {
            return Err(SheetError::BlankHeader(i + 1));
        }
        if !seen.insert(h.trim().to_lowercase()) {
            return Err(SheetError::DuplicateHeader(h.clone()));
        }
    }
    Ok(())
}

/// Picks `;` when the header line has more semicolons than commas (European Excel exports).
pub(crate) fn delimiter(text: &[u8]) -> u8 {
    let first = text.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let count = |d: u8| first.iter().filter(|b| **b == d).count();
    if count(b';') > count(b',') {
        b';'
    } else {
        b','
    }
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(bytes))
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let line = reader.position().line() as usize;
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(line);
                return Err(SheetError::Csv {
                    line,
                    message: e.to_string(),
                });
            }
        }
        // The reader places a record after blank lines at the first of them: count them in.
        let line = record.position().map_or(line, |p| {
            let skipped = bytes[p.byte() as usize..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .filter(|b| **b == b'\n')
                .count();
            p.line() as usize + skipped
        });
        let cells = record
            .iter()
            // A `'` that an export put before a formula-like cell comes off again.
            .map(|c| std::str::from_utf8(c).map(|s| crate::export::uninert(s.trim()).to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| SheetError::NotUtf8 { line })?;
        if cells.iter().all(String::is_empty) {
            continue;
        }
        match &headers {
            None => headers = Some(cells),
            Some(h) => {
                if cells.len() != h.len() {
                    return Err(SheetError::Width {
                        line,
                        found: cells.len(),
                        expected: h.len(),
                    });
                }
                if rows.len() >= MAX_ROWS {
                    return Err(SheetError::Csv {
                        line,
                        message: format!("more than {MAX_ROWS} rows"),
                    });
                }
                rows.push(SheetRow { line, cells });
            }
        }
    }
    Ok(Sheet {
        headers: headers.ok_or(SheetError::Empty)?,
        rows,
    })
}

fn read_xlsx(bytes: &[u8]) -> Result<Sheet, SheetError> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| SheetError::Xlsx(e.to_string()))?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(SheetError::Empty)?;
    let range = book
        .worksheet_range(&first)
        .map_err(|e| SheetError::Xlsx(e.to_string()))?;
    let (first_row, _) = range.start().unwrap_or((0, 0));
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for (i, r) in range.rows().enumerate() {
        let line = first_row as usize + i + 1;
        let cells: Vec<String> = r.iter().map(cell_text).collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        match &headers {
            None => {
                let mut h = cells;
                while h.last().is_some_and(String::is_empty) {
                    h.pop();
                }
                headers = Some(h);
            }
            Some(h) => {
                let mut cells = cells;
                cells.resize(h.len().max(cells.len()), String::new());
                if cells[h.len()..].iter().any(|c| !c.is_empty()) {
                    return Err(SheetError::Width {
                        line,
                        found: cells.len(),
                        expected: h.len(),
                    });
                }
                cells.truncate(h.len());
                rows.push(SheetRow { line, cells });
            }
        }
        if rows.len() > MAX_ROWS {
            return Err(SheetError::Xlsx(format!("more than {MAX_ROWS} rows")));
        }
    }
    Ok(Sheet {
        headers: headers.ok_or(SheetError::Empty)?,
        rows,
    })
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => {
                t.date().format("%Y-%m-%d").to_string()
            }
            Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            None => dt.to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_nul_in_a_cell_refuses_the_file_naming_line_and_column() {
        let e = read_sheet(b"name,notes\nAcme,fine\n\nBeta,bad\0note\n").unwrap_err();
        assert_eq!(
            e,
            SheetError::Nul {
                line: 4,
                column: "notes".into()
            }
        );
        assert!(
            e.to_string()
                .starts_with("line 4, column \"notes\": contains a NUL")
        );
        assert_eq!(
            read_sheet(b"name,no\0tes\nAcme,x\n").unwrap_err(),
            SheetError::NulHeader(2)
        );
    }

    #[test]
    fn reads_bom_semicolons_quotes_and_blank_lines() {
        let text = "\u{feff}Name;Country\n\"Acme; Inc\";France\n\n;\nBeta;\"Côte d'Ivoire\"\n\n\n";
        let s = read_sheet(text.as_bytes()).unwrap();
        assert_eq!(s.headers, vec!["Name", "Country"]);
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[0].cells, vec!["Acme; Inc", "France"]);
        assert_eq!(s.rows[1].line, 5);
    }

    #[test]
    fn a_short_row_names_its_line() {
        let e = read_sheet(b"a,b\n1,2\n3\n").unwrap_err();
        assert_eq!(
            e,
            SheetError::Width {
                line: 3,
                found: 1,
                expected: 2
            }
        );
    }

    #[test]
    fn lines_are_counted_the_same_in_files_with_crlf_line_ends() {
        // What Salesforce, HubSpot and Excel write: CRLF, a blank line, a quoted line break.
        let text = "a,b\r\n1,2\r\n\r\n\"x\r\ny\",4\r\n5,6\r\n7\r\n";
        let e = read_sheet(text.as_bytes()).unwrap_err();
        assert_eq!(
            e,
            SheetError::Width {
                line: 7,
                found: 1,
                expected: 2
            }
        );
        let s = read_sheet(b"a,b\r\n1,2\r\n\r\n3,4\r\n").unwrap();
        let lines: Vec<usize> = s.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4]);
    }

    #[test]
    fn duplicate_headers_are_refused() {
        assert!(matches!(
            read_sheet(b"a,A\n1,2\n"),
            Err(SheetError::DuplicateHeader(_))
        ));
    }

    proptest! {
        #[test]
        fn never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = read_sheet(&bytes);
        }

        #[test]
        fn never_panics_on_random_zip_like_bytes(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut bytes = b"PK\x03\x04".to_vec();
            bytes.extend(tail);
            let _ = read_sheet(&bytes);
        }
    }
}
