//! The audit trail: one entry per write, in the same transaction as the write.

use crate::rows::time;
use crate::{Result, Store};
use sherpa_core::{Actor, AuditEntry, AuditId, UserId};
use sqlx::{AnyConnection, FromRow};

// The audit entry is one row of eight facts; a struct would only restate them.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    conn: &mut AnyConnection,
    at: &str,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: impl std::fmt::Display,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<()> {
    let entity_id = entity_id.to_string();
    let account_id = concerned_account(entity, &entity_id, before, after);
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, via, action, entity, entity_id, before, after, account_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(at)
    .bind(actor.user_id.map(|u| u.0))
    .bind(&actor.via)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(before.map(|b| b.to_string()))
    .bind(after.map(|a| a.to_string()))
    .bind(account_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// An entry written with others in one statement (see [`record_all`]), its values as JSON
/// text.
pub(crate) struct Entry {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: String,
    pub account_id: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Writes many entries of one actor at once, in their order: a file's import audits every row
/// it changes without a statement each.
pub(crate) fn record_all<'a>(
    conn: &'a mut AnyConnection,
    engine: crate::Engine,
    at: &'a str,
    actor: &'a Actor,
    entries: impl IntoIterator<Item = Entry, IntoIter: Send + 'a>,
) -> impl Future<Output = Result<()>> + Send + 'a {
    use crate::sql::Arg;
    let rows = entries.into_iter().map(|e| {
        vec![
            Arg::Text(at.to_string()),
            Arg::OptInt(actor.user_id.map(|u| u.0)),
            Arg::Text(actor.via.clone()),
            Arg::Text(e.action.to_string()),
            Arg::Text(e.entity.to_string()),
            Arg::Text(e.entity_id),
            Arg::OptText(e.before),
            Arg::OptText(e.after),
            Arg::OptInt(e.account_id),
        ]
    });
    crate::bulk::insert_rows(
        conn,
        engine,
        "audit_log",
        &[
            "at",
            "user_id",
            "via",
            "action",
            "entity",
            "entity_id",
            "before",
            "after",
            "account_id",
        ],
        rows,
    )
}

/// The account an entry concerns: the account itself, or the `account_id` its record carries.
fn concerned_account(
    entity: &str,
    entity_id: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Option<i64> {
    if entity == "account" {
        return entity_id.parse().ok();
    }
    [after, before]
        .into_iter()
        .flatten()
        .find_map(|v| match &v["account_id"] {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        })
}

/// Filters for the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub user_id: Option<UserId>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// Entries about this account, its contacts, terms, activities and tasks.
    pub account_id: Option<sherpa_core::AccountId>,
    /// Entries at or after this instant (fixed-width RFC 3339, as stored).
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Entries before this instant.
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    /// Entries before this id (paging back in time, newest first).
    pub before_id: Option<AuditId>,
    /// Entries after this id (paging forward in time, oldest first).
    pub after_id: Option<AuditId>,
    pub order: AuditOrder,
    /// Entries skipped first, for the orders that are not by time.
    pub offset: i64,
    pub limit: i64,
}

/// How the audit log is ordered. Within a person, an action or a record the newest come first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuditOrder {
    #[default]
    NewestFirst,
    OldestFirst,
    /// By the name of who made the change, Sherpa's own changes under "Sherpa".
    ByPerson {
        descending: bool,
    },
    ByAction {
        descending: bool,
    },
    /// By the kind of record, then its account's name.
    ByRecord {
        descending: bool,
    },
}

impl AuditOrder {
    fn sql(self) -> String {
        let dir = |d: bool| if d { "DESC" } else { "ASC" };
        match self {
            AuditOrder::NewestFirst => "l.id DESC".into(),
            AuditOrder::OldestFirst => "l.id ASC".into(),
            AuditOrder::ByPerson { descending } => format!(
                "LOWER(COALESCE(u.name, 'Sherpa')) {}, l.id DESC",
                dir(descending)
            ),
            AuditOrder::ByAction { descending } => {
                format!("l.action {}, l.id DESC", dir(descending))
            }
            AuditOrder::ByRecord { descending } => format!(
                "l.entity {d}, LOWER(COALESCE(a.name, '')) {d}, l.id DESC",
                d = dir(descending)
            ),
        }
    }
}

#[derive(FromRow)]
struct AuditRow {
    id: i64,
    at: String,
    user_id: Option<i64>,
    via: String,
    action: String,
    entity: String,
    entity_id: String,
    account_id: Option<i64>,
    before: Option<String>,
    after: Option<String>,
}

impl Store {
    /// In the query's order, newest first unless it says otherwise.
    pub async fn audit_entries(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        // Names are joined only for the orders that sort by them.
        let joins = match q.order {
            AuditOrder::ByPerson { .. } => "LEFT JOIN users u ON u.id = l.user_id",
            AuditOrder::ByRecord { .. } => "LEFT JOIN accounts a ON a.id = l.account_id",
            _ => "",
        };
        let rows: Vec<AuditRow> = sqlx::query_as(&format!(
            "SELECT l.id, l.at, l.user_id, l.via, l.action, l.entity, l.entity_id, l.account_id, \
             l.before, l.after FROM audit_log l {joins} \
             WHERE ($1 IS NULL OR l.user_id = $1) AND ($2 IS NULL OR l.entity = $2) \
             AND ($3 IS NULL OR l.entity_id = $3) AND ($4 IS NULL OR l.id < $4) \
             AND ($6 IS NULL OR l.account_id = $6) AND ($7 IS NULL OR l.at >= $7) \
             AND ($8 IS NULL OR l.at < $8) AND ($9 IS NULL OR l.id > $9) \
             ORDER BY {} LIMIT $5 OFFSET $10",
            q.order.sql()
        ))
        .bind(q.user_id.map(|u| u.0))
        .bind(q.entity.as_deref())
        .bind(q.entity_id.as_deref())
        .bind(q.before_id.map(|a| a.0))
        .bind(q.limit.clamp(1, 1000))
        .bind(q.account_id.map(|a| a.0))
        .bind(q.from.map(sherpa_core::text::timestamp))
        .bind(q.to.map(sherpa_core::text::timestamp))
        .bind(q.after_id.map(|a| a.0))
        .bind(q.offset.max(0))
        .fetch_all(&self.pool)
        .await?;
        let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        rows.into_iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: AuditId(r.id),
                    at: time("at", &r.at)?,
                    actor: Actor {
                        user_id: r.user_id.map(UserId),
                        via: r.via,
                    },
                    action: r.action,
                    entity: r.entity,
                    entity_id: r.entity_id,
                    account_id: r.account_id.map(sherpa_core::AccountId),
                    before: json(r.before),
                    after: json(r.after),
                })
            })
            .collect()
    }
}
