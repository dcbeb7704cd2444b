//! Import (leaders and admins): upload a CSV or XLSX of accounts, contacts or contract terms,
//! see what it would do with every rejected row and why, then confirm. The same all-or-nothing
//! rules as `sherpa import`: the preview is the import run in a transaction that is rolled back.

use crate::AppState;
use crate::web::session::{Current, Signed};
use crate::web::{Failure, Nav, PageResult, render};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use sherpa_app::ImportSheet;
use sherpa_core::import::{ImportKind, ImportSummary, Mapping, RowError};

/// What the web import takes; users, activities and event history stay with the CLI and the API.
const KINDS: [(&str, &str); 6] = [
    ("accounts", "Accounts"),
    ("contacts", "Contacts"),
    ("contracts", "Contract terms"),
    ("tickets", "Support tickets (help-desk export)"),
    ("surveys", "Survey answers (NPS, CSAT, CES, renewal intent)"),
    (
        "objective-values",
        "Success plan figures (customer-reported)",
    ),
];

/// Rejected rows listed on the page; the count says how many more there are.
const SHOWN_ERRORS: usize = 500;

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    nav: Nav,
    kinds: [(&'static str, &'static str); 6],
    /// The outcome of a preview or an import.
    result: Option<Outcome>,
    message: Option<String>,
}

impl ImportPage {
    /// Money as every page writes it ("$185,712").
    fn money(&self, m: &sherpa_core::Money) -> String {
        crate::web::format::money(m)
    }
}

struct Outcome {
    file_name: String,
    kind: String,
    /// Set on a clean preview: the staged upload to confirm.
    confirm: Option<i64>,
    done: bool,
    summary: Option<ImportSummary>,
    /// "7 accounts in Sherpa are not in this file; ..." over the list of them.
    not_in_file: Option<String>,
    /// Rows the CRM marks as not customers, or deals not won, left out.
    left_out: Option<String>,
    errors: Vec<RowError>,
    more_errors: usize,
}

fn page(c: &Current, result: Option<Outcome>, message: Option<String>) -> PageResult {
    let failed = message.is_some() || result.as_ref().is_some_and(|r| !r.errors.is_empty());
    let mut resp = render(&ImportPage {
        nav: Nav::new(c, "import"),
        kinds: KINDS,
        result,
        message,
    });
    if failed {
        *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(resp)
}

pub async fn form(Signed(c): Signed) -> PageResult {
    page(&c, None, None)
}

fn kind_of(raw: &str) -> Result<ImportKind, String> {
    match KINDS.iter().find(|(k, _)| *k == raw) {
        Some(_) => raw.parse(),
        None => Err(format!(
            "kind: \"{raw}\" cannot be imported here; choose accounts, contacts, contracts, tickets, surveys or objective-values"
        )),
    }
}

/// Runs the file through the import; a rejection becomes the page's list of rows.
async fn run(
    s: &AppState,
    c: &Current,
    kind: ImportKind,
    bytes: &[u8],
    dry_run: bool,
) -> Result<Result<ImportSummary, (Vec<RowError>, Option<String>)>, Failure> {
    let cmd = ImportSheet {
        kind,
        bytes,
        mapping: &Mapping::default(),
        dry_run,
    };
    match s.app.import_sheet(&c.caller(), cmd, &|_| {}).await {
        Ok(summary) => Ok(Ok(summary)),
        Err(sherpa_app::Error::Rows(errors)) => Ok(Err((errors, None))),
        Err(sherpa_app::Error::Invalid { message, .. }) => Ok(Err((vec![], Some(message)))),
        Err(e) => Err(e.into()),
    }
}

fn outcome(
    file_name: String,
    kind: &str,
    result: Result<ImportSummary, Vec<RowError>>,
    confirm: Option<i64>,
    done: bool,
) -> Outcome {
    let (summary, errors) = match result {
        Ok(s) => (Some(s), vec![]),
        Err(e) => (None, e),
    };
    let more_errors = errors.len().saturating_sub(SHOWN_ERRORS);
    let (not_in_file, left_out) = match (&summary, kind.parse::<ImportKind>()) {
        (Some(s), Ok(k)) => (s.not_in_file_words(k), s.left_out_words(k)),
        _ => (None, None),
    };
    Outcome {
        not_in_file,
        left_out,
        file_name,
        kind: kind.to_string(),
        confirm: if errors.is_empty() { confirm } else { None },
        done,
        summary,
        errors: errors.into_iter().take(SHOWN_ERRORS).collect(),
        more_errors,
    }
}

pub async fn preview(
    State(s): State<AppState>,
    Signed(c): Signed,
    mut form: Multipart,
) -> PageResult {
    let mut kind = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| Failure::bad(format!("the upload is not a valid form: {e}")))?
    {
        match field.name() {
            Some("kind") => kind = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| Failure::bad(format!("file: {e}")))?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let parsed_kind = match kind_of(&kind) {
        Ok(k) => k,
        Err(m) => return page(&c, None, Some(m)),
    };
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return page(
            &c,
            None,
            Some("file: choose a CSV or XLSX file to upload".into()),
        );
    };
    match run(&s, &c, parsed_kind, &bytes, true).await? {
        Err((_, Some(message))) => page(&c, None, Some(format!("{name}: {message}"))),
        Err((errors, None)) => page(
            &c,
            Some(outcome(name, &kind, Err(errors), None, false)),
            None,
        ),
        Ok(summary) => {
            let staged = s
                .store
                .stage_upload(c.session.user.id, &kind, &name, &bytes)
                .await?;
            page(
                &c,
                Some(outcome(name, &kind, Ok(summary), Some(staged), false)),
                None,
            )
        }
    }
}

pub async fn confirm(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<i64>,
) -> PageResult {
    let upload = s.store.staged_upload(c.session.user.id, id).await?;
    let kind = kind_of(&upload.kind).map_err(Failure::bad)?;
    // The book may have changed since the preview: the import checks every row again.
    let result = run(&s, &c, kind, &upload.content, false).await?;
    s.store.drop_upload(upload.id).await?;
    match result {
        Err((_, Some(message))) => page(&c, None, Some(message)),
        Err((errors, None)) => page(
            &c,
            Some(outcome(
                upload.file_name,
                &upload.kind,
                Err(errors),
                None,
                false,
            )),
            None,
        ),
        Ok(summary) => page(
            &c,
            Some(outcome(
                upload.file_name,
                &upload.kind,
                Ok(summary),
                None,
                true,
            )),
            None,
        ),
    }
}
