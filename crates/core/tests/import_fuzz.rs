//! Property tests: importers never panic, whatever bytes or CSV they are fed; every rejected row
//! names a line that exists in the file.

use proptest::prelude::*;
use sherpa_core::import::*;
use sherpa_core::{CustomFieldDef, FieldKind};

const HEADERS: &[&str] = &[
    "external_id",
    "name",
    "domain",
    "industry",
    "country",
    "employees",
    "parent_external_id",
    "lifecycle",
    "customer_since",
    "csm_email",
    "ae_email",
    "Account ID",
    "Account Name",
    "Type",
    "Record ID",
    "Company name",
    "Lifecycle Stage",
    "account_external_id",
    "email",
    "roles",
    "departed_on",
    "First Name",
    "Last Name",
    "arr",
    "currency",
    "seats",
    "start_date",
    "end_date",
    "status",
    "outcome",
    "churn_reason",
    "function",
    "role",
    "manager_email",
    "kind",
    "occurred_at",
    "attendees",
    "summary",
    "custom.tier_note",
    "custom.nps_goal",
    "???",
];

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-zA-Z0-9 .@;,:/_-]{0,24}",
        Just("2026-02-30".to_string()),
        Just("12k$".to_string()),
        Just("churned".to_string()),
        Just("champion;economic buyer".to_string()),
        Just("\"quoted, \"\"cell\"\"\"".to_string()),
        "\\PC{0,12}",
    ]
}

fn csv_file() -> impl Strategy<Value = (Vec<String>, Vec<Vec<String>>, bool)> {
    (proptest::sample::subsequence(HEADERS, 1..12), any::<bool>()).prop_flat_map(
        |(headers, semicolon)| {
            let width = headers.len();
            let rows =
                proptest::collection::vec(proptest::collection::vec(cell(), width..=width), 0..12);
            (
                Just(headers.into_iter().map(String::from).collect::<Vec<_>>()),
                rows,
                Just(semicolon),
            )
        },
    )
}

fn render(headers: &[String], rows: &[Vec<String>], semicolon: bool) -> String {
    let sep = if semicolon { ";" } else { "," };
    let quote = |c: &str| {
        if c.contains([',', ';', '"', '\n']) && !c.starts_with('"') {
            format!("\"{}\"", c.replace('"', "\"\""))
        } else {
            c.to_string()
        }
    };
    let mut out = headers
        .iter()
        .map(|h| quote(h))
        .collect::<Vec<_>>()
        .join(sep);
    for r in rows {
        out.push('\n');
        out.push_str(&r.iter().map(|c| quote(c)).collect::<Vec<_>>().join(sep));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn importers_never_panic_on_random_csv((headers, rows, semicolon) in csv_file()) {
        let text = render(&headers, &rows, semicolon);
        let Ok(sheet) = read_sheet(text.as_bytes()) else { return Ok(()) };
        let last_line = text.lines().count().max(1);
        let defs = [
            CustomFieldDef::new("tier_note", "", FieldKind::Text).unwrap(),
            CustomFieldDef::new("nps_goal", "", FieldKind::Number).unwrap(),
        ];
        let m = Mapping::default();
        let mut errors = Vec::new();
        if let Ok(p) = parse_accounts(&sheet, &m, &defs) { errors.extend(p.errors); }
        if let Ok(p) = parse_contacts(&sheet, &m) { errors.extend(p.errors); }
        if let Ok(p) = parse_contracts(&sheet, &m) { errors.extend(p.errors); }
        if let Ok(p) = parse_users(&sheet, &m) { errors.extend(p.errors); }
        if let Ok(p) = parse_activities(&sheet, &m) { errors.extend(p.errors); }
        for e in errors {
            prop_assert!(e.line >= 2 && e.line <= last_line, "line {} of {}", e.line, last_line);
            prop_assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn importers_never_panic_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(sheet) = read_sheet(&bytes) {
            let m = Mapping::default();
            let _ = parse_accounts(&sheet, &m, &[]);
            let _ = parse_contacts(&sheet, &m);
            let _ = parse_contracts(&sheet, &m);
            let _ = parse_users(&sheet, &m);
            let _ = parse_activities(&sheet, &m);
        }
    }
}
