//! How large a request body may be, and how a larger one is refused: 413 with the limit in
//! words, the same from the API, the pages and the intake's outer bound.

/// The largest request body: a bulk upsert of 1,000 accounts or a 5 MB spreadsheet fits.
pub const MAX_BODY: usize = 5 * 1024 * 1024;

/// What a 413 says.
pub fn too_large() -> String {
    format!(
        "the request body is over the limit of {} MB ({MAX_BODY} bytes); send fewer items per \
         request or split the file",
        MAX_BODY / (1024 * 1024)
    )
}
