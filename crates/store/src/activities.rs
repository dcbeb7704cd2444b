//! The account timeline: calls, meetings, emails, notes, kickoffs, trainings and reviews.

use crate::accounts::resolve_account;
use crate::audit::record;
use crate::rows::{parse, time};
use crate::sql::{Arg, Args};
use crate::users::{Change, resolve_person};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use sherpa_core::text::timestamp;
use sherpa_core::*;
use sqlx::{AnyConnection, FromRow};

#[derive(FromRow)]
struct ActivityRow {
    id: i64,
    account_id: i64,
    external_id: Option<String>,
    kind: String,
    occurred_at: String,
    user_id: Option<i64>,
    summary: String,
}

/// Records an activity; with an external id, importing it again changes nothing.
pub(crate) async fn save_activity(
    conn: &mut AnyConnection,
    now: &str,
    actor: &Actor,
    input: &ActivityInput,
) -> Result<(ActivityId, Change)> {
    let account = resolve_account(conn, &input.account)
        .await
        .map_err(|e| StoreError::invalid("account", e))?;
    let user = match &input.by {
        Some(p) => Some(
            resolve_person(conn, p)
                .await
                .map_err(|e| StoreError::invalid("user", e))?,
        ),
        None => None,
    };
    let mut attendees = Vec::new();
    for email in &input.attendees {
        let found: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM contacts WHERE email = $1 AND account_id = $2 ORDER BY id LIMIT 1",
        )
        .bind(email.as_str())
        .bind(account.0)
        .fetch_optional(&mut *conn)
        .await?;
        let (cid,) = found.ok_or_else(|| {
            StoreError::invalid(
                "attendees",
                format!("{email} is not a contact of this account"),
            )
        })?;
        attendees.push(cid);
    }
    attendees.sort();
    attendees.dedup();
    if let Some(x) = &input.external_id {
        let existing: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM activities WHERE external_id = $1")
                .bind(x)
                .fetch_optional(&mut *conn)
                .await?;
        if let Some((id,)) = existing {
            // Activities are history: a re-import of the same id leaves the record as it is.
            return Ok((ActivityId(id), Change::Unchanged));
        }
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO activities (account_id, external_id, kind, occurred_at, user_id, summary, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(account.0)
    .bind(input.external_id.as_deref())
    .bind(input.kind.as_str())
    .bind(timestamp(input.occurred_at))
    .bind(user.map(|u| u.0))
    .bind(&input.summary)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for c in &attendees {
        sqlx::query("INSERT INTO activity_attendees (activity_id, contact_id) VALUES ($1, $2)")
            .bind(id)
            .bind(c)
            .execute(&mut *conn)
            .await?;
    }
    let after = serde_json::json!({
        "account_id": account.to_string(), "kind": input.kind, "occurred_at": timestamp(input.occurred_at),
        "user_id": user.map(|u| u.to_string()), "attendees": attendees.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        "summary": input.summary,
    });
    record(
        conn,
        now,
        actor,
        "create",
        "activity",
        id,
        None,
        Some(&after),
    )
    .await?;
    if input.kind.is_personal_touch() {
        crate::cadence::close_touch_tasks(conn, now, actor, account, input).await?;
    }
    crate::engagement::close_answered_moments(conn, now, actor, account, input).await?;
    Ok((ActivityId(id), Change::Created))
}

impl Store {
    pub async fn log_activity(&self, actor: &Actor, input: &ActivityInput) -> Result<Activity> {
        let mut tx = self.write_tx().await?;
        let (id, _) = save_activity(&mut tx, &self.now(), actor, input).await?;
        tx.commit().await?;
        let activity = self.activity(id).await?;
        self.health_watch().mark([activity.fields.account_id]);
        Ok(activity)
    }

    pub async fn activity(&self, id: ActivityId) -> Result<Activity> {
        let mut args = Args::default();
        let cond = format!("id = {}", args.push(Arg::Int(id.0)));
        let list = self.activities_where(&cond, args, 1).await?;
        list.into_iter()
            .next()
            .ok_or_else(|| StoreError::not_found("activity", id))
    }

    /// The account's timeline, newest first; `before` continues after the last one shown.
    pub async fn timeline(
        &self,
        account: AccountId,
        before: Option<(DateTime<Utc>, ActivityId)>,
        limit: i64,
    ) -> Result<Vec<Activity>> {
        let mut args = Args::default();
        let mut cond = format!("account_id = {}", args.push(Arg::Int(account.0)));
        if let Some((at, id)) = before {
            let (t, i) = (
                args.push(Arg::Text(timestamp(at))),
                args.push(Arg::Int(id.0)),
            );
            cond.push_str(&format!(" AND (occurred_at, id) < ({t}, {i})"));
        }
        self.activities_where(&cond, args, limit).await
    }

    async fn activities_where(
        &self,
        cond: &str,
        mut args: Args,
        limit: i64,
    ) -> Result<Vec<Activity>> {
        let limit = args.push(Arg::Int(limit.clamp(1, 10_000)));
        let sql = format!(
            "SELECT id, account_id, external_id, kind, occurred_at, user_id, summary FROM activities WHERE {cond} \
             ORDER BY occurred_at DESC, id DESC LIMIT {limit}"
        );
        let rows: Vec<ActivityRow> = sqlx::query_as_with(&sql, args.into_arguments())
            .fetch_all(&self.pool)
            .await?;
        // Attendees of the whole page in one query.
        let mut attendees: std::collections::HashMap<i64, Vec<ContactId>> =
            std::collections::HashMap::new();
        if !rows.is_empty() {
            let mut ids = Args::default();
            let list: Vec<String> = rows.iter().map(|r| ids.push(Arg::Int(r.id))).collect();
            let sql = format!(
                "SELECT activity_id, contact_id FROM activity_attendees WHERE activity_id IN ({}) ORDER BY contact_id",
                list.join(", ")
            );
            let pairs: Vec<(i64, i64)> = sqlx::query_as_with(&sql, ids.into_arguments())
                .fetch_all(&self.pool)
                .await?;
            for (a, c) in pairs {
                attendees.entry(a).or_default().push(ContactId(c));
            }
        }
        rows.into_iter()
            .map(|r| {
                Ok(Activity {
                    id: ActivityId(r.id),
                    fields: ActivityFields {
                        account_id: AccountId(r.account_id),
                        external_id: r.external_id,
                        kind: parse("kind", &r.kind)?,
                        occurred_at: time("occurred_at", &r.occurred_at)?,
                        user_id: r.user_id.map(UserId),
                        attendees: attendees.remove(&r.id).unwrap_or_default(),
                        summary: r.summary,
                    },
                })
            })
            .collect()
    }
}
