//! The stored raw events, read back page by page for export and replay.

use super::*;

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Ingest order; the cursor of the events list.
    pub id: i64,
    pub message_id: String,
    pub kind: String,
    pub account_id: Option<AccountId>,
    pub group_id: Option<String>,
    pub user_key: String,
    pub name: Option<String>,
    pub occurred_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub body: String,
}

impl StoredEvent {
    /// An event of a block, with the block's account and time received.
    pub(crate) fn from_block(
        e: BlockEvent,
        account: AccountId,
        received_at: DateTime<Utc>,
    ) -> StoredEvent {
        StoredEvent {
            id: e.id,
            occurred_at: e.occurred_at(),
            message_id: e.message_id,
            kind: e.kind,
            account_id: Some(account),
            group_id: e.group_id,
            user_key: e.user_key,
            name: e.name,
            received_at,
            body: e.body,
        }
    }

    /// The message as the rollups see it.
    pub fn to_message(&self) -> Message {
        usage_message(
            &self.kind,
            &self.user_key,
            self.name.clone(),
            self.occurred_at,
        )
    }
}

impl Store {
    /// Stored messages in ingest order after `after`, of one account or of all: the loose
    /// rows and the blocks' events merged by id.
    pub async fn events(
        &self,
        account: Option<AccountId>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>> {
        let limit = limit.clamp(1, 10_000) as usize;
        let mut args = Args::default();
        let mut cond = format!("id > {}", args.push(Arg::Int(after)));
        if let Some(a) = account {
            cond.push_str(&format!(" AND account_id = {}", args.push(Arg::Int(a.0))));
        }
        let most = args.push(Arg::Int(limit as i64));
        let sql = format!(
            "SELECT id, message_id, kind, account_id, group_id, user_key, name, occurred_at, received_at, body \
             FROM events WHERE {cond} ORDER BY id LIMIT {most}"
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            message_id: String,
            kind: String,
            account_id: Option<i64>,
            group_id: Option<String>,
            user_key: String,
            name: Option<String>,
            occurred_at: String,
            received_at: String,
            body: String,
        }
        let rows: Vec<Row> = sqlx::query_as_with(&sql, args.into_arguments())
            .fetch_all(&self.pool)
            .await?;
        let mut out = rows
            .into_iter()
            .map(|r| {
                Ok(StoredEvent {
                    id: r.id,
                    message_id: r.message_id,
                    kind: r.kind,
                    account_id: r.account_id.map(AccountId),
                    group_id: r.group_id,
                    user_key: r.user_key,
                    name: r.name,
                    occurred_at: time("occurred_at", &r.occurred_at)?,
                    received_at: time("received_at", &r.received_at)?,
                    body: r.body,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // Blocks never overlap, so in order of their last id their events are in order: read
        // until `limit` of them are past the cursor.
        let mut from_block = after;
        let mut in_blocks = 0;
        while in_blocks < limit {
            let mut args = Args::default();
            let mut cond = format!("last_id > {}", args.push(Arg::Int(from_block)));
            if let Some(a) = account {
                cond.push_str(&format!(" AND account_id = {}", args.push(Arg::Int(a.0))));
            }
            let blocks: Vec<(i64, i64, String, Vec<u8>)> = sqlx::query_as_with(
                &format!(
                    "SELECT last_id, account_id, received_at, data FROM event_blocks \
                     WHERE {cond} ORDER BY last_id LIMIT 16"
                ),
                args.into_arguments(),
            )
            .fetch_all(&self.pool)
            .await?;
            if blocks.is_empty() {
                break;
            }
            for (last, account, received_at, data) in blocks {
                from_block = last;
                let received_at = time("received_at", &received_at)?;
                for e in decode_block(&data)? {
                    if e.id > after {
                        in_blocks += 1;
                        out.push(StoredEvent::from_block(e, AccountId(account), received_at));
                    }
                }
            }
        }
        out.sort_by_key(|e| e.id);
        out.truncate(limit);
        Ok(out)
    }
}
