//! Exports: a table of text cells written as CSV or XLSX. The columns of each kind are Sherpa's
//! own import columns, so an export can be edited and imported back.

use rust_xlsxwriter::{Format, Workbook};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&self.headers).expect("writing to memory");
        for r in &self.rows {
            w.write_record(r).expect("writing to memory");
        }
        w.into_inner().expect("flushing to memory")
    }

    /// One sheet with a bold, frozen header row.
    pub fn to_xlsx(&self, sheet_name: &str) -> Result<Vec<u8>, String> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name).map_err(|e| e.to_string())?;
        let bold = Format::new().set_bold();
        for (c, h) in self.headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, h, &bold)
                .map_err(|e| e.to_string())?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                sheet
                    .write_string(r as u32 + 1, c as u16, v)
                    .map_err(|e| e.to_string())?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
        book.save_to_buffer().map_err(|e| e.to_string())
    }

    /// Rows as JSON objects keyed by header.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    serde_json::Value::Object(
                        self.headers
                            .iter()
                            .cloned()
                            .zip(r.iter().map(|v| serde_json::Value::String(v.clone())))
                            .collect(),
                    )
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::read_sheet;

    #[test]
    fn csv_and_xlsx_read_back() {
        let mut t = Table::new(&["external_id", "name"]);
        t.rows
            .push(vec!["A-1".into(), "Acme, \"the\" company".into()]);
        for bytes in [t.to_csv(), t.to_xlsx("accounts").unwrap()] {
            let s = read_sheet(&bytes).unwrap();
            assert_eq!(s.headers, t.headers);
            assert_eq!(s.rows[0].cells, t.rows[0]);
        }
    }
}
