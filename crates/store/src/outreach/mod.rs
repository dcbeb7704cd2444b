//! The outbox of low-touch automation: a moment's emails and webhook posts as send records.
//! A record is written in the transaction that fires the moment (before), claimed by one
//! sender (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two servers never claim the same one),
//! and marked sent after delivery (after). A claim whose lease ran out was interrupted: it is
//! sent again under the same Message-ID, and the record says so. Failures are retried with
//! back-off and stay visible; final outcomes go on the account's timeline.

mod plan;

pub use plan::{Occasion, PlannedSend, UNSUBSCRIBE_MARK};

use crate::rows::{parse, time};
use crate::{Engine, Result, Store};
use chrono::{DateTime, Duration, Utc};
use sherpa_core::book::{AccountRef, ActivityInput, ActivityKind};
use sherpa_core::engagement::*;
use sherpa_core::text::timestamp;
use sherpa_core::{AccountId, Actor};
use sqlx::{AnyConnection, FromRow};

/// Attempts before a send is given up as failed (the last some 8 minutes after the first).
pub const MAX_ATTEMPTS: i64 = 5;

/// How long a claim lasts: a sender that has not answered by then is taken to have died.
pub const LEASE: Duration = Duration::minutes(2);

/// A send record.
#[derive(Debug, Clone, PartialEq)]
pub struct Send {
    pub id: i64,
    pub firing_id: i64,
    pub account_id: AccountId,
    pub account_name: String,
    pub model: String,
    pub moment: String,
    pub channel: Channel,
    pub contact_id: Option<i64>,
    pub recipient: String,
    pub recipient_name: String,
    /// Stable across retries: the receiver can tell a second delivery of the same message.
    pub message_id: String,
    pub subject: String,
    pub body: String,
    pub status: SendStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// A signed webhook's: the environment variable holding its secret.
    pub signing_env: Option<String>,
}

#[derive(FromRow)]
struct SendRow {
    id: i64,
    firing_id: i64,
    account_id: i64,
    account_name: String,
    model: String,
    moment: String,
    channel: String,
    contact_id: Option<i64>,
    recipient: String,
    recipient_name: String,
    message_id: String,
    subject: String,
    body: String,
    status: String,
    attempts: i64,
    last_error: Option<String>,
    next_attempt_at: String,
    created_at: String,
    sent_at: Option<String>,
    signing_env: Option<String>,
}

const COLUMNS: &str = "s.id, s.firing_id, s.account_id, a.name AS account_name, f.model, f.moment, \
     s.channel, s.contact_id, s.recipient, s.recipient_name, s.message_id, s.subject, s.body, \
     s.status, s.attempts, s.last_error, s.next_attempt_at, s.created_at, s.sent_at, s.signing_env";

const FROM: &str = "outreach_sends s JOIN accounts a ON a.id = s.account_id \
     JOIN engagement_firings f ON f.id = s.firing_id";

impl Send {
    /// "Jane Doe <jane@acme.test>", or the webhook's destination.
    pub fn addressee(&self) -> String {
        self.channel
            .addressee(&self.recipient, &self.recipient_name)
    }
}

impl TryFrom<SendRow> for Send {
    type Error = sqlx::Error;
    fn try_from(r: SendRow) -> Result<Self, sqlx::Error> {
        Ok(Send {
            id: r.id,
            firing_id: r.firing_id,
            account_id: AccountId(r.account_id),
            account_name: r.account_name,
            model: r.model,
            moment: r.moment,
            channel: parse("channel", &r.channel)?,
            contact_id: r.contact_id,
            recipient: r.recipient,
            recipient_name: r.recipient_name,
            message_id: r.message_id,
            subject: r.subject,
            body: r.body,
            status: parse("status", &r.status)?,
            attempts: r.attempts,
            last_error: r.last_error,
            next_attempt_at: time("next_attempt_at", &r.next_attempt_at)?,
            created_at: time("created_at", &r.created_at)?,
            sent_at: r
                .sent_at
                .as_deref()
                .map(|t| time("sent_at", t))
                .transpose()?,
            signing_env: r.signing_env,
        })
    }
}

/// Which sends a list shows, newest first.
#[derive(Debug, Clone, Default)]
pub struct SendQuery {
    /// These sends only, when not empty.
    pub ids: Vec<i64>,
    pub account: Option<AccountId>,
    pub status: Option<SendStatus>,
    /// Sends older than this one (the outbox reads newest first).
    pub before: Option<i64>,
    pub order: SendOrder,
    /// Sends skipped first, paging an order other than the newest first.
    pub offset: i64,
    pub limit: i64,
}

/// The column the outbox is ordered by; within it the newest sends come first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendColumn {
    When,
    Account,
    Moment,
    /// The contact's name, or the webhook's host.
    To,
    Status,
    Attempts,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendOrder {
    pub column: SendColumn,
    pub descending: bool,
}

impl Default for SendOrder {
    /// The newest first.
    fn default() -> Self {
        SendOrder {
            column: SendColumn::When,
            descending: true,
        }
    }
}

impl SendOrder {
    fn sql(self) -> String {
        let column = match self.column {
            SendColumn::When => "s.id",
            SendColumn::Account => "LOWER(a.name)",
            SendColumn::Moment => "f.moment",
            SendColumn::To => "LOWER(s.recipient_name)",
            SendColumn::Status => "s.status",
            SendColumn::Attempts => "s.attempts",
            SendColumn::Error => "COALESCE(s.last_error, '')",
        };
        let dir = if self.descending { "DESC" } else { "ASC" };
        match self.column {
            SendColumn::When => format!("s.id {dir}"),
            _ => format!("{column} {dir}, s.id DESC"),
        }
    }
}

/// The outbox in numbers, by status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
    pub dry_run: i64,
    pub skipped: i64,
    /// Emails waiting for a mail server (pending, never attempted).
    pub emails_waiting: i64,
}

/// Writes an occasion's sends in the firing's transaction: the record before.
pub(crate) async fn queue(
    conn: &mut AnyConnection,
    store: &Store,
    now: &str,
    firing: i64,
    o: &Occasion<'_>,
) -> Result<usize> {
    let planned = plan::plan(conn, store, o).await?;
    let mut n = 0;
    for p in planned {
        // 128 random bits: the Message-ID doubles as the unsubscribe link's key.
        let message_id = format!("sherpa.{firing}.{}", crate::tokens::random_hex());
        n += sqlx::query(
            "INSERT INTO outreach_sends (firing_id, account_id, channel, contact_id, recipient, \
             recipient_name, message_id, subject, body, status, last_error, next_attempt_at, created_at, signing_env) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13) ON CONFLICT DO NOTHING",
        )
        .bind(firing)
        .bind(o.account)
        .bind(p.channel.as_str())
        .bind(p.contact_id)
        .bind(&p.recipient)
        .bind(&p.recipient_name)
        .bind(&message_id)
        .bind(&p.subject)
        .bind(&p.body)
        .bind(p.status.as_str())
        .bind(p.error.as_deref())
        .bind(now)
        .bind(p.signing_env.as_deref())
        .execute(&mut *conn)
        .await?
        .rows_affected() as usize;
        if p.status == SendStatus::Failed {
            let what = format!(
                "{} to {} not sent: {}",
                p.channel,
                p.channel.addressee(&p.recipient, &p.recipient_name),
                p.error.as_deref().unwrap_or_default()
            );
            on_timeline(conn, now, o.account, &message_id, &what).await?;
        }
    }
    Ok(n)
}

/// Ends a sender's claim with `status`; answers false when the claim was no longer its own
/// (its lease ran out and another sender took the send over).
async fn settle(
    conn: &mut AnyConnection,
    send: &Send,
    worker: &str,
    status: SendStatus,
    sent_at: Option<&str>,
    error: Option<&str>,
    next_attempt_at: Option<&str>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE outreach_sends SET status = $1, sent_at = COALESCE($2, sent_at), \
         last_error = COALESCE($3, last_error), next_attempt_at = COALESCE($4, next_attempt_at), \
         claimed_by = NULL, claimed_until = NULL WHERE id = $5 AND status = 'sending' AND claimed_by = $6",
    )
    .bind(status.as_str())
    .bind(sent_at)
    .bind(error)
    .bind(next_attempt_at)
    .bind(send.id)
    .bind(worker)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The account's contacts' addresses that stopped automated email, in lower case.
pub(crate) async fn unsubscribed_of(
    conn: &mut AnyConnection,
    account: AccountId,
) -> Result<std::collections::HashSet<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT u.email FROM unsubscribes u JOIN contacts c ON lower(c.email) = u.email \
         WHERE c.account_id = $1",
    )
    .bind(account.0)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(e,)| e).collect())
}

/// A send's final outcome on the account's timeline, once (keyed by its Message-ID).
async fn on_timeline(
    conn: &mut AnyConnection,
    now: &str,
    account: i64,
    message_id: &str,
    summary: &str,
) -> Result<()> {
    let input = ActivityInput {
        account: AccountRef::Id(AccountId(account)),
        external_id: Some(format!("send:{message_id}")),
        kind: ActivityKind::Automated,
        occurred_at: time("now", now)?,
        by: None,
        attendees: Vec::new(),
        summary: summary.chars().take(2000).collect(),
    };
    crate::activities::save_activity(conn, now, &Actor::system("outreach"), &input).await?;
    Ok(())
}

impl Store {
    /// What an occasion would send now, written nowhere: the dry-run preview.
    pub async fn plan_sends(&self, o: &Occasion<'_>) -> Result<Vec<PlannedSend>> {
        let mut conn = self.pool.acquire().await?;
        plan::plan(&mut conn, self, o).await
    }

    /// Claims up to `limit` sends that are due on `channels`, and those whose claim ran out.
    pub async fn claim_sends(
        &self,
        worker: &str,
        channels: &[Channel],
        limit: i64,
    ) -> Result<Vec<Send>> {
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        let lock = match self.engine {
            Engine::Postgres => "FOR UPDATE SKIP LOCKED",
            Engine::Sqlite => "",
        };
        // The channels follow the four values bound first.
        let only = crate::sql::placeholders(4, channels.len());
        let now = self.now();
        let until = timestamp(self.clock.now() + LEASE);
        let mut tx = self.write_tx().await?;
        let sql = format!(
            "UPDATE outreach_sends SET attempts = attempts + 1, claimed_by = $1, claimed_until = $2, \
             last_error = CASE WHEN status = 'sending' THEN \
               'the previous attempt was interrupted; sent again under the same Message-ID' \
               ELSE last_error END, status = 'sending' \
             WHERE id IN (SELECT id FROM outreach_sends WHERE channel IN ({only}) AND \
               ((status = 'pending' AND next_attempt_at <= $3) OR (status = 'sending' AND claimed_until < $3)) \
               ORDER BY id LIMIT $4 {lock}) RETURNING id"
        );
        let ids = sqlx::query_as(&sql)
            .bind(worker)
            .bind(&until)
            .bind(&now)
            .bind(limit);
        let ids: Vec<(i64,)> = channels
            .iter()
            .fold(ids, |q, c| q.bind(c.as_str()))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.sends(&SendQuery {
            ids: ids.into_iter().map(|(i,)| i).collect(),
            limit,
            ..Default::default()
        })
        .await
    }

    /// Records a delivery (the record after) and puts it on the account's timeline. A sender
    /// whose claim was taken over records nothing: the one holding it will.
    pub async fn send_delivered(&self, send: &Send, worker: &str) -> Result<bool> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let done = settle(
            &mut tx,
            send,
            worker,
            SendStatus::Sent,
            Some(&now),
            None,
            None,
        )
        .await?;
        if done {
            let to = send.addressee();
            let what = match send.channel {
                Channel::Email => format!(
                    "Automated email \"{}\" sent to {to} ({}, {}); Message-ID {}",
                    send.subject, send.model, send.moment, send.message_id
                ),
                Channel::Webhook => {
                    format!("Webhook posted to {to} ({}, {})", send.model, send.moment)
                }
            };
            on_timeline(&mut tx, &now, send.account_id.0, &send.message_id, &what).await?;
        }
        tx.commit().await?;
        Ok(done)
    }

    /// Records a failed attempt: tried again after a back-off, or given up after
    /// [`MAX_ATTEMPTS`] (or at once when `for_good`), which goes on the timeline.
    pub async fn send_failed(
        &self,
        send: &Send,
        worker: &str,
        error: &str,
        for_good: bool,
    ) -> Result<SendStatus> {
        let now = self.now();
        let status = if for_good || send.attempts >= MAX_ATTEMPTS {
            SendStatus::Failed
        } else {
            SendStatus::Pending
        };
        let next = timestamp(self.clock.now() + crate::jobs::backoff(send.attempts));
        let mut tx = self.write_tx().await?;
        let done = settle(
            &mut tx,
            send,
            worker,
            status,
            None,
            Some(error),
            Some(&next),
        )
        .await?;
        if done && status == SendStatus::Failed {
            let what = format!(
                "Automated {} to {} failed after {} attempt{} ({}, {}): {error}",
                send.channel,
                send.channel
                    .shown_recipient(&send.recipient, &send.recipient_name),
                send.attempts,
                if send.attempts == 1 { "" } else { "s" },
                send.model,
                send.moment
            );
            on_timeline(&mut tx, &now, send.account_id.0, &send.message_id, &what).await?;
        }
        tx.commit().await?;
        Ok(status)
    }

    /// Sends in the query's order, newest first unless it says otherwise.
    pub async fn sends(&self, q: &SendQuery) -> Result<Vec<Send>> {
        use crate::sql::{Arg, Args};
        let mut args = Args::default();
        let mut filter = String::from("1 = 1");
        if let Some(a) = q.account {
            filter.push_str(&format!(" AND s.account_id = {}", args.push(Arg::Int(a.0))));
        }
        if let Some(s) = q.status {
            filter.push_str(&format!(" AND s.status = {}", args.text(s.as_str())));
        }
        if let Some(before) = q.before {
            filter.push_str(&format!(" AND s.id < {}", args.push(Arg::Int(before))));
        }
        if !q.ids.is_empty() {
            let list: Vec<String> = q.ids.iter().map(|i| args.push(Arg::Int(*i))).collect();
            filter.push_str(&format!(" AND s.id IN ({})", list.join(", ")));
        }
        let limit = args.push(Arg::Int(q.limit.clamp(1, 10_000)));
        let offset = args.push(Arg::Int(q.offset.max(0)));
        let rows: Vec<SendRow> = sqlx::query_as_with(
            &format!(
                "SELECT {COLUMNS} FROM {FROM} WHERE {filter} ORDER BY {} LIMIT {limit} OFFSET {offset}",
                q.order.sql()
            ),
            args.into_arguments(),
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(Send::try_from)
            .collect::<Result<_, _>>()?)
    }

    pub async fn outbox_counts(&self) -> Result<OutboxCounts> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM outreach_sends GROUP BY status")
                .fetch_all(&self.pool)
                .await?;
        let mut c = OutboxCounts::default();
        for (status, n) in rows {
            match status.as_str() {
                "pending" | "sending" => c.pending += n,
                "sent" => c.sent += n,
                "failed" => c.failed += n,
                "dry_run" => c.dry_run += n,
                _ => c.skipped += n,
            }
        }
        let (waiting,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM outreach_sends WHERE channel = 'email' AND status = 'pending' AND attempts = 0",
        )
        .fetch_one(&self.pool)
        .await?;
        c.emails_waiting = waiting;
        Ok(c)
    }

    /// Sends a failed send again (a person fixed the address or the receiver); answers whether
    /// it was a failed one.
    pub async fn retry_send(&self, id: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE outreach_sends SET status = 'pending', next_attempt_at = $1, attempts = 0 \
             WHERE id = $2 AND status = 'failed' AND body <> ''",
        )
        .bind(self.now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The address an email's unsubscribe link is for; `None` for an unknown link.
    pub async fn send_address(&self, message_id: &str) -> Result<Option<String>> {
        let found: Option<(String,)> = sqlx::query_as(
            "SELECT recipient FROM outreach_sends WHERE message_id = $1 AND channel = 'email'",
        )
        .bind(message_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.map(|(e,)| e.to_lowercase()))
    }

    /// Stops automated email to the address of an email's unsubscribe link, answering it;
    /// `None` for an unknown link.
    pub async fn unsubscribe(&self, message_id: &str) -> Result<Option<String>> {
        let Some(email) = self.send_address(message_id).await? else {
            return Ok(None);
        };
        self.stop_emails(&email, &format!("link in {message_id}"))
            .await?;
        Ok(Some(email))
    }

    /// Stops automated email to an address (a contact asked by other means).
    pub async fn stop_emails(&self, email: &str, how: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO unsubscribes (email, unsubscribed_at, how) VALUES ($1, $2, $3) \
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(email.to_lowercase())
        .bind(self.now())
        .bind(how)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Lets automated email go to an address again, recording who lifted the unsubscribe and
    /// why; false when the address was not unsubscribed.
    pub async fn resume_emails(&self, actor: &Actor, email: &str, reason: &str) -> Result<bool> {
        let email = email.to_lowercase();
        let mut tx = self.write_tx().await?;
        let how: Option<(String,)> =
            sqlx::query_as("DELETE FROM unsubscribes WHERE email = $1 RETURNING how")
                .bind(&email)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((how,)) = &how {
            crate::audit::record(
                &mut tx,
                &self.now(),
                actor,
                "lift",
                "unsubscribe",
                &email,
                Some(&serde_json::json!({"unsubscribed": how})),
                Some(&serde_json::json!({"reason": reason})),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(how.is_some())
    }

    /// The recipient of an email, through its link, lets automated email come again.
    pub async fn resubscribe(&self, message_id: &str) -> Result<Option<String>> {
        let Some(email) = self.send_address(message_id).await? else {
            return Ok(None);
        };
        let recipient = Actor::system("unsubscribe link");
        self.resume_emails(&recipient, &email, "the recipient asked through their link")
            .await?;
        Ok(Some(email))
    }

    /// Which of an account's contacts' addresses have stopped automated email (lower case).
    pub async fn unsubscribed_of(
        &self,
        account: AccountId,
    ) -> Result<std::collections::HashSet<String>> {
        let mut conn = self.pool.acquire().await?;
        unsubscribed_of(&mut conn, account).await
    }

    /// Whether automated email to this address has been stopped.
    pub async fn is_unsubscribed(&self, email: &str) -> Result<bool> {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT email FROM unsubscribes WHERE email = $1")
                .bind(email.to_lowercase())
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }
}
