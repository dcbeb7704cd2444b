//! Exports: a table of text cells written as CSV or XLSX. The columns of each kind are Sherpa's
//! own import columns, so an export can be edited and imported back.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// What a column holds, so that a spreadsheet gets numbers people can sum, money in a money
/// format and ids as text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Column {
    /// Read off each cell: a day is a date, a plain number a number, anything else text.
    #[default]
    Auto,
    /// Always text, even when it looks like a number (ids: "00123", "4711").
    Text,
    /// Counts: numbers in a spreadsheet and in JSON.
    Whole,
    /// Amounts of money: numbers with two decimals and thousands separators in a spreadsheet;
    /// decimal text in JSON, as in the API.
    Money,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// What each column holds, by position; a column not listed is `Auto`.
    pub columns: Vec<Column>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            columns: Vec::new(),
        }
    }

    /// Says that the columns with these headers hold `kind`.
    pub fn with(mut self, kind: Column, headers: &[&str]) -> Self {
        self.columns.resize(self.headers.len(), Column::Auto);
        for (i, h) in self.headers.iter().enumerate() {
            if headers.contains(&h.as_str()) {
                self.columns[i] = kind;
            }
        }
        self
    }

    fn column(&self, c: usize) -> Column {
        self.columns.get(c).copied().unwrap_or_default()
    }

    /// Each column's width in characters for a spreadsheet: its widest cell as shown (money
    /// with its thousands separators), a little room for the filter button, a long note capped.
    fn widths(&self) -> Vec<f64> {
        self.headers
            .iter()
            .enumerate()
            .map(|(c, h)| {
                let widest = self
                    .rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|v| match (self.column(c), plain_number(v)) {
                        (Column::Money, Some(n)) => shown_money(n).len(),
                        _ => v.chars().count(),
                    })
                    .max()
                    .unwrap_or(0);
                (widest.max(h.chars().count() + 3) as f64 + 1.0).min(50.0)
            })
            .collect()
    }

    /// CSV with every cell that a spreadsheet would run as a formula made inert (see
    /// [`inert`]).
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(self.headers.iter().map(|h| inert(h).into_owned()))
            .expect("writing to memory");
        for r in &self.rows {
            w.write_record(r.iter().map(|c| inert(c).into_owned()))
                .expect("writing to memory");
        }
        w.into_inner().expect("flushing to memory")
    }

    /// One sheet with a bold, frozen, filterable header row and columns as wide as what they
    /// hold: numbers are numbers (money with two decimals), days are dates, ids and everything
    /// else text, never a formula, whatever it says.
    pub fn to_xlsx(&self, sheet_name: &str) -> Result<Vec<u8>, String> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name).map_err(|e| e.to_string())?;
        let bold = Format::new().set_bold();
        let day = Format::new().set_num_format("yyyy-mm-dd");
        let money = Format::new().set_num_format("#,##0.00");
        let whole = Format::new().set_num_format("0");
        for (c, h) in self.headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, h, &bold)
                .map_err(|e| e.to_string())?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let kind = self.column(c);
                let (r, c) = (r as u32 + 1, c as u16);
                if v.is_empty() {
                    continue;
                }
                let written = match (kind, plain_day(v), plain_number(v)) {
                    (Column::Text, _, _) => sheet.write_string(r, c, v),
                    (Column::Auto, Some(d), _) => sheet.write_datetime_with_format(r, c, &d, &day),
                    (Column::Money, _, Some(n)) => sheet.write_number_with_format(r, c, n, &money),
                    (Column::Whole, _, Some(n)) => sheet.write_number_with_format(r, c, n, &whole),
                    (_, _, Some(n)) => sheet.write_number(r, c, n),
                    _ => sheet.write_string(r, c, v),
                };
                written.map_err(|e| e.to_string())?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
        if !self.headers.is_empty() {
            sheet
                .autofilter(0, 0, self.rows.len() as u32, self.headers.len() as u16 - 1)
                .map_err(|e| e.to_string())?;
        }
        for (c, width) in self.widths().into_iter().enumerate() {
            sheet
                .set_column_width(c as u16, width)
                .map_err(|e| e.to_string())?;
        }
        book.save_to_buffer().map_err(|e| e.to_string())
    }

    /// Aligned columns for a terminal: numbers to the right, text to the left.
    pub fn to_text(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut out = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| {
                    if plain_number(c).is_some() {
                        format!("{c:>w$}")
                    } else {
                        format!("{c:<w$}")
                    }
                })
                .collect::<Vec<_>>()
                .join("  ");
            out.truncate(out.trim_end().len());
            out.push('\n');
            out
        };
        let mut out = line(&self.headers);
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }

    /// Rows as JSON objects keyed by header: an empty cell is null, a whole-number column's
    /// cell a number, every other cell its text (money stays decimal text, as in the API).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        let cell = |c: usize, v: &String| {
            if v.is_empty() {
                return Value::Null;
            }
            match v.parse::<i64>() {
                Ok(n) if self.column(c) == Column::Whole => Value::from(n),
                _ => Value::String(v.clone()),
            }
        };
        Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    Value::Object(
                        self.headers
                            .iter()
                            .cloned()
                            .zip(r.iter().enumerate().map(|(c, v)| cell(c, v)))
                            .collect(),
                    )
                })
                .collect(),
        )
    }
}

/// The first characters that make a spreadsheet read a cell as a formula (OWASP's list).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as a spreadsheet may open it safely: one that starts like a formula (`=HYPERLINK(…)`,
/// `+cmd|…`, `@SUM(…)`) gets a leading `'`, which shows it as text; a plain number (`-1200.00`)
/// stays as it is. Importing the file back takes the `'` off again.
pub fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_START) && plain_number(cell).is_none() {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Undoes [`inert`]: a `'` before what would start a formula.
pub fn uninert(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_START) => rest,
        _ => cell,
    }
}

/// An amount as the `#,##0.00` format shows it, for the column's width.
fn shown_money(n: f64) -> String {
    let fixed = format!("{:.2}", n.abs());
    let (whole, cents) = fixed.split_once('.').unwrap_or((&fixed, "00"));
    let mut grouped = String::new();
    for (i, d) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(d);
    }
    format!("{}{grouped}.{cents}", if n < 0.0 { "-" } else { "" })
}

/// A cell that is a day written as Sherpa writes one (`2026-03-31`), as a spreadsheet date.
fn plain_day(cell: &str) -> Option<ExcelDateTime> {
    if cell.len() != 10 {
        return None;
    }
    let d = NaiveDate::parse_from_str(cell, "%Y-%m-%d").ok()?;
    let year = u16::try_from(d.year()).ok()?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8).ok()
}

/// A cell that is a number as people write one: an optional minus, digits without a leading
/// zero (ids like "00123" stay text), and an optional decimal part.
fn plain_number(cell: &str) -> Option<f64> {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = whole.len() > 1 && whole.starts_with('0');
    (numeric(whole) && numeric(fraction) && !leading_zero && whole.len() <= 15)
        .then(|| cell.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::read_sheet;

    #[test]
    fn json_has_nulls_and_whole_numbers_and_keeps_money_and_ids_as_text() {
        let mut t = Table::new(&["external_id", "employees", "arr", "industry"])
            .with(Column::Whole, &["employees"])
            .with(Column::Money, &["arr"]);
        t.rows.push(vec![
            "00123".into(),
            "1200".into(),
            "181776.00".into(),
            "".into(),
        ]);
        t.rows.push(vec![
            "77".into(),
            "".into(),
            "10.50".into(),
            "Retail".into(),
        ]);
        assert_eq!(
            t.to_json(),
            serde_json::json!([
                {"external_id": "00123", "employees": 1200, "arr": "181776.00", "industry": null},
                {"external_id": "77", "employees": null, "arr": "10.50", "industry": "Retail"},
            ])
        );
    }

    #[test]
    fn csv_and_xlsx_read_back() {
        let mut t = Table::new(&["external_id", "name", "arr", "start_date"]);
        t.rows.push(vec![
            "A-1".into(),
            "Acme, \"the\" company".into(),
            "12000".into(),
            "2026-03-31".into(),
        ]);
        t.rows.push(vec![
            "A-2".into(),
            "=HYPERLINK(\"x\")".into(),
            "-5".into(),
            "".into(),
        ]);
        for bytes in [t.to_csv(), t.to_xlsx("accounts").unwrap()] {
            let s = read_sheet(&bytes).unwrap();
            assert_eq!(s.headers, t.headers);
            assert_eq!(s.rows[0].cells, t.rows[0]);
            assert_eq!(
                s.rows[1].cells, t.rows[1],
                "a formula-like name reads back as written"
            );
        }
    }

    #[test]
    fn days_are_dates_and_amounts_are_numbers_in_a_spreadsheet() {
        use calamine::{Data, Reader, Xlsx};
        let mut t = Table::new(&["day", "arr", "id", "crm id", "seats"])
            .with(Column::Money, &["arr"])
            .with(Column::Text, &["crm id"])
            .with(Column::Whole, &["seats"]);
        t.rows.push(vec![
            "2026-03-31".into(),
            "1200.50".into(),
            "00123".into(),
            "4711".into(),
            "25".into(),
        ]);
        t.rows
            .push(vec!["".into(), "".into(), "".into(), "".into(), "".into()]);
        let bytes = t.to_xlsx("typed").unwrap();
        let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("typed").unwrap();
        assert!(
            matches!(range.get((1, 0)), Some(Data::DateTime(_))),
            "{range:?}"
        );
        assert_eq!(range.get((1, 1)), Some(&Data::Float(1200.5)));
        assert_eq!(range.get((1, 2)), Some(&Data::String("00123".into())));
        assert_eq!(
            range.get((1, 3)),
            Some(&Data::String("4711".into())),
            "an id that looks like a number stays text"
        );
        assert_eq!(range.get((1, 4)), Some(&Data::Float(25.0)));
        assert!(
            matches!(range.get((2, 1)), None | Some(Data::Empty)),
            "an empty cell is left empty, not an empty string: {range:?}"
        );
    }

    #[test]
    fn a_cell_that_would_run_as_a_formula_is_made_inert_and_numbers_stay_numbers() {
        for (cell, out) in [
            (
                "=HYPERLINK(\"http://evil.example\",\"x\")",
                "'=HYPERLINK(\"http://evil.example\",\"x\")",
            ),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
            ("-2+3", "'-2+3"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-1200.00", "-1200.00"),
            ("Acme", "Acme"),
        ] {
            assert_eq!(inert(cell), out, "{cell:?}");
            assert_eq!(uninert(&inert(cell)), cell);
        }
        assert_eq!(
            uninert("'quoted"),
            "'quoted",
            "only a quote that guards a formula goes"
        );
        assert_eq!(plain_number("12000.50"), Some(12000.5));
        assert_eq!(shown_money(1234567.5), "1,234,567.50");
        assert_eq!(shown_money(-181.0), "-181.00");
        assert_eq!(plain_number("00123"), None);
        assert_eq!(plain_number("1e5"), None);
    }
}
