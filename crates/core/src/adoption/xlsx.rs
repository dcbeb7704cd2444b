//! The adoption matrix as a spreadsheet, coloured as the page is: a used cell holds the share of
//! seats that used the feature (a number, shaded from light to dark green by a colour scale), a
//! paid-for feature nobody used reads "unused" on orange, one not bought "not bought" on grey.
//! The colours are conditional formats on the values, so they follow any edit or filter; no
//! cell is ever written as a formula.

use super::{Cell, Column};
use rust_xlsxwriter::{
    Color, ConditionalFormat2ColorScale, ConditionalFormatText, ConditionalFormatTextRule, Format,
    Workbook,
};

/// The matrix's colours, on the page and in the spreadsheet.
pub const USED_LOW: u32 = 0xD7ECDF;
pub const USED_HIGH: u32 = 0x1A7F4B;
pub const UNUSED: u32 = 0xF6C28B;
pub const NOT_BOUGHT: u32 = 0xE4E7EC;

/// What a cell reads when it is not a share of seats.
pub const UNUSED_TEXT: &str = "unused";
pub const NOT_BOUGHT_TEXT: &str = "not bought";
pub const UNKNOWN_TEXT: &str = "no usage data";

/// One account's row.
pub struct SheetRow<'a> {
    pub account: &'a str,
    pub tier: Option<u8>,
    pub grade: Option<&'a str>,
    pub csm: &'a str,
    pub industry: &'a str,
    pub whitespace: Option<i64>,
    pub cells: &'a [Cell],
}

/// The columns before the features.
const LEAD: [&str; 6] = ["Account", "Tier", "Grade", "CSM", "Industry", "Whitespace"];

fn err(e: rust_xlsxwriter::XlsxError) -> String {
    e.to_string()
}

/// The workbook: a row of functions above a row of features, then one row per account.
pub fn matrix_xlsx(columns: &[Column], rows: &[SheetRow]) -> Result<Vec<u8>, String> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Adoption").map_err(err)?;
    let bold = Format::new().set_bold();
    let lead = LEAD.len() as u16;
    for (c, h) in LEAD.iter().enumerate() {
        sheet
            .write_string_with_format(1, c as u16, *h, &bold)
            .map_err(err)?;
    }
    let mut function = "";
    for (i, col) in columns.iter().enumerate() {
        let c = lead + i as u16;
        if col.function != function {
            function = &col.function;
            sheet
                .write_string_with_format(0, c, function, &bold)
                .map_err(err)?;
        }
        sheet
            .write_string_with_format(1, c, &col.feature, &bold)
            .map_err(err)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 2;
        sheet.write_string(r, 0, row.account).map_err(err)?;
        if let Some(t) = row.tier {
            sheet.write_number(r, 1, f64::from(t)).map_err(err)?;
        }
        if let Some(g) = row.grade {
            sheet.write_string(r, 2, g).map_err(err)?;
        }
        sheet.write_string(r, 3, row.csm).map_err(err)?;
        sheet.write_string(r, 4, row.industry).map_err(err)?;
        if let Some(w) = row.whitespace {
            sheet.write_number(r, 5, w as f64).map_err(err)?;
        }
        for (i, cell) in row.cells.iter().enumerate() {
            let c = lead + i as u16;
            match cell {
                Cell::Used { share: Some(s), .. } => sheet
                    .write_number(r, c, (s * 10.0).round() / 10.0)
                    .map_err(err)?,
                Cell::Used { users, share: None } => sheet
                    .write_string(r, c, format!("used by {users}"))
                    .map_err(err)?,
                Cell::Unused => sheet.write_string(r, c, UNUSED_TEXT).map_err(err)?,
                Cell::NotEntitled => sheet.write_string(r, c, NOT_BOUGHT_TEXT).map_err(err)?,
                Cell::Unknown => sheet.write_string(r, c, UNKNOWN_TEXT).map_err(err)?,
            };
        }
    }
    if !columns.is_empty() && !rows.is_empty() {
        let (first, last) = (2, rows.len() as u32 + 1);
        let (from, to) = (lead, lead + columns.len() as u16 - 1);
        let scale = ConditionalFormat2ColorScale::new()
            .set_minimum(rust_xlsxwriter::ConditionalFormatType::Number, 0)
            .set_maximum(rust_xlsxwriter::ConditionalFormatType::Number, 100)
            .set_minimum_color(Color::RGB(USED_LOW))
            .set_maximum_color(Color::RGB(USED_HIGH));
        sheet
            .add_conditional_format(first, from, last, to, &scale)
            .map_err(err)?;
        for (text, fill) in [(UNUSED_TEXT, UNUSED), (NOT_BOUGHT_TEXT, NOT_BOUGHT)] {
            let rule = ConditionalFormatText::new()
                .set_rule(ConditionalFormatTextRule::Contains(text.into()))
                .set_format(Format::new().set_background_color(Color::RGB(fill)));
            sheet
                .add_conditional_format(first, from, last, to, &rule)
                .map_err(err)?;
        }
    }
    sheet.set_freeze_panes(2, 1).map_err(err)?;
    sheet.set_column_width(0, 28).map_err(err)?;
    book.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    #[test]
    fn the_sheet_holds_shares_as_numbers_and_states_as_words() {
        let columns = vec![
            Column {
                feature: "Report Built".into(),
                function: "Reporting".into(),
                products: vec![],
            },
            Column {
                feature: "Forecast Run".into(),
                function: "Planning".into(),
                products: vec!["Enterprise".into()],
            },
        ];
        let cells = [
            Cell::Used {
                users: 4,
                share: Some(40.0),
            },
            Cell::NotEntitled,
        ];
        let rows = [SheetRow {
            account: "=HYPERLINK(\"x\")",
            tier: Some(1),
            grade: Some("A1"),
            csm: "Casey",
            industry: "Retail",
            whitespace: Some(0),
            cells: &cells,
        }];
        let bytes = matrix_xlsx(&columns, &rows).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("Adoption").unwrap();
        assert_eq!(
            range.get_value((0, 6)),
            Some(&Data::String("Reporting".into()))
        );
        assert_eq!(
            range.get_value((1, 7)),
            Some(&Data::String("Forecast Run".into()))
        );
        assert_eq!(range.get_value((2, 6)), Some(&Data::Float(40.0)));
        assert_eq!(
            range.get_value((2, 7)),
            Some(&Data::String("not bought".into()))
        );
        assert_eq!(
            range.get_value((2, 0)),
            Some(&Data::String("=HYPERLINK(\"x\")".into())),
            "a name is text, never a formula"
        );
    }
}
