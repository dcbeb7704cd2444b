//! The header's search over contacts: a person's name or email anywhere in the book, with
//! their account. Accounts are found through the book's own text search
//! ([`crate::AccountQuery::text`]), the team through its short list of users.

use crate::erasure::ERASED_NAME;
use crate::sql::{Arg, Args};
use crate::{Result, Store};
use sherpa_core::text::fold;
use sherpa_core::{AccountId, ContactId};

/// A contact a search found, with the account they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundContact {
    pub id: ContactId,
    pub name: String,
    pub email: Option<String>,
    pub title: Option<String>,
    pub account: AccountId,
    pub account_name: String,
}

/// id, name, email, title, account id, account name.
type FoundRow = (i64, String, Option<String>, Option<String>, i64, String);

impl Store {
    /// Contacts whose name or email holds `text` (case and accents aside), people still at
    /// their company first, at most `limit`.
    pub async fn search_contacts(&self, text: &str, limit: i64) -> Result<Vec<FoundContact>> {
        let text = fold(text);
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let mut args = Args::default();
        let like = args.push(Arg::Text(format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )));
        let erased = args.push(Arg::Text(ERASED_NAME.into()));
        let most = args.push(Arg::Int(limit.clamp(1, 50)));
        let rows: Vec<FoundRow> =
            sqlx::query_as_with(
                &format!(
                    "SELECT c.id, c.name, c.email, c.title, a.id, a.name FROM contacts c \
                     JOIN accounts a ON a.id = c.account_id \
                     WHERE (LOWER(c.name) LIKE {like} ESCAPE '\\' OR LOWER(COALESCE(c.email, '')) LIKE {like} ESCAPE '\\') \
                     AND c.name <> {erased} \
                     ORDER BY CASE WHEN c.departed_on IS NULL THEN 0 ELSE 1 END, c.name, c.id LIMIT {most}"
                ),
                args.into_arguments(),
            )
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, name, email, title, account, account_name)| FoundContact {
                    id: ContactId(id),
                    name,
                    email,
                    title,
                    account: AccountId(account),
                    account_name,
                },
            )
            .collect())
    }
}
