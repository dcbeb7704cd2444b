//! Tickets and survey answers: kept per account, updated by their external id on re-import,
//! every write audited.

use crate::audit::record;
use crate::rows::time;
use crate::users::Change;
use crate::{Result, Store, StoreError};
use sherpa_core::text::{date, timestamp};
use sherpa_core::*;
use sqlx::AnyConnection;

/// What the account 360 shows of support.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketSummary {
    pub open: i64,
    pub opened_last_30_days: i64,
    /// Over tickets resolved in the last 90 days.
    pub average_resolution: Option<chrono::Duration>,
    pub longest_resolution: Option<chrono::Duration>,
    pub escalated_last_90_days: i64,
}

const TICKET_COLUMNS: &str = "id, account_id, external_id, subject, opened_at, severity, status, resolved_at, escalated, csat";

#[derive(sqlx::FromRow)]
struct TicketRow {
    id: i64,
    account_id: i64,
    external_id: Option<String>,
    subject: String,
    opened_at: String,
    severity: String,
    status: String,
    resolved_at: Option<String>,
    escalated: i64,
    csat: Option<i64>,
}

fn ticket(r: TicketRow) -> Result<Ticket> {
    let bad = |f: &str, v: &str| StoreError::invalid(f, format!("stored value {v:?}"));
    Ok(Ticket {
        id: TicketId(r.id),
        fields: TicketFields {
            account_id: AccountId(r.account_id),
            external_id: r.external_id,
            subject: r.subject,
            opened_at: time("opened_at", &r.opened_at)?,
            severity: r
                .severity
                .parse()
                .map_err(|_| bad("severity", &r.severity))?,
            status: r.status.parse().map_err(|_| bad("status", &r.status))?,
            resolved_at: r.resolved_at.map(|t| time("resolved_at", &t)).transpose()?,
            escalated: r.escalated != 0,
            csat: r.csat,
        },
    })
}

fn ticket_json(t: &TicketFields) -> serde_json::Value {
    serde_json::json!({
        "account_id": t.account_id.to_string(), "external_id": t.external_id, "subject": t.subject,
        "opened_at": timestamp(t.opened_at), "severity": t.severity, "status": t.status,
        "resolved_at": t.resolved_at.map(timestamp), "escalated": t.escalated, "csat": t.csat,
    })
}

/// Creates a ticket, or updates the one with the same external id.
pub(crate) async fn save_ticket(
    conn: &mut AnyConnection,
    now: &str,
    actor: &Actor,
    t: &TicketFields,
) -> Result<(TicketId, Change)> {
    t.check().map_err(|e| {
        let (f, m) = e.0.split_once(": ").unwrap_or(("ticket", &e.0));
        StoreError::invalid(f, m)
    })?;
    let existing: Option<TicketRow> = match &t.external_id {
        Some(x) => {
            sqlx::query_as(&format!(
                "SELECT {TICKET_COLUMNS} FROM tickets WHERE external_id = $1"
            ))
            .bind(x)
            .fetch_optional(&mut *conn)
            .await?
        }
        None => None,
    };
    let before = existing.map(ticket).transpose()?;
    stays_with_its_account(
        "ticket",
        before.as_ref().map(|b| b.fields.account_id),
        t.account_id,
    )?;
    if before.as_ref().is_some_and(|b| &b.fields == t) {
        return Ok((before.expect("checked").id, Change::Unchanged));
    }
    let values = (
        t.account_id.0,
        t.subject.clone(),
        timestamp(t.opened_at),
        t.severity.as_str(),
        t.status.as_str(),
        t.resolved_at.map(timestamp),
        i64::from(t.escalated),
        t.csat,
    );
    let (id, change) = match &before {
        Some(b) => {
            sqlx::query(
                "UPDATE tickets SET account_id = $1, subject = $2, opened_at = $3, severity = $4, status = $5, \
                 resolved_at = $6, escalated = $7, csat = $8, updated_at = $9 WHERE id = $10",
            )
            .bind(values.0)
            .bind(values.1)
            .bind(values.2)
            .bind(values.3)
            .bind(values.4)
            .bind(values.5)
            .bind(values.6)
            .bind(values.7)
            .bind(now)
            .bind(b.id.0)
            .execute(&mut *conn)
            .await?;
            (b.id, Change::Updated)
        }
        None => {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO tickets (account_id, subject, opened_at, severity, status, resolved_at, escalated, csat, \
                 external_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(values.0)
            .bind(values.1)
            .bind(values.2)
            .bind(values.3)
            .bind(values.4)
            .bind(values.5)
            .bind(values.6)
            .bind(values.7)
            .bind(t.external_id.as_deref())
            .bind(now)
            .fetch_one(&mut *conn)
            .await?;
            (TicketId(id), Change::Created)
        }
    };
    let action = if change == Change::Created {
        "create"
    } else {
        "update"
    };
    record(
        conn,
        now,
        actor,
        action,
        "ticket",
        id,
        before.as_ref().map(|b| ticket_json(&b.fields)).as_ref(),
        Some(&ticket_json(t)),
    )
    .await?;
    Ok((id, change))
}

const SURVEY_COLUMNS: &str =
    "id, account_id, contact_id, external_id, kind, score, intent, comment, answered_on";

#[derive(sqlx::FromRow)]
struct SurveyRow {
    id: i64,
    account_id: i64,
    contact_id: Option<i64>,
    external_id: Option<String>,
    kind: String,
    score: Option<i64>,
    intent: Option<String>,
    comment: Option<String>,
    answered_on: String,
}

fn survey(r: SurveyRow) -> Result<Survey> {
    let bad = |f: &str, v: &str| StoreError::invalid(f, format!("stored value {v:?}"));
    Ok(Survey {
        id: SurveyId(r.id),
        fields: SurveyFields {
            account_id: AccountId(r.account_id),
            contact_id: r.contact_id.map(ContactId),
            external_id: r.external_id,
            kind: r.kind.parse().map_err(|_| bad("kind", &r.kind))?,
            score: r.score,
            intent: r
                .intent
                .map(|i| i.parse().map_err(|_| bad("intent", &i)))
                .transpose()?,
            comment: r.comment,
            answered_on: r
                .answered_on
                .parse()
                .map_err(|_| bad("answered_on", &r.answered_on))?,
        },
    })
}

fn survey_json(s: &SurveyFields) -> serde_json::Value {
    serde_json::json!({
        "account_id": s.account_id.to_string(), "contact_id": s.contact_id.map(|c| c.to_string()),
        "external_id": s.external_id, "kind": s.kind, "score": s.score, "intent": s.intent,
        "comment": s.comment, "answered_on": date(s.answered_on),
    })
}

/// A ticket or survey answer recorded again under its external id stays on its account: a
/// write naming another account would move (and overwrite) a record of an account the writer
/// may not touch.
fn stays_with_its_account(what: &str, was: Option<AccountId>, now: AccountId) -> Result<()> {
    match was {
        Some(was) if was != now => Err(StoreError::invalid(
            "external_id",
            format!(
                "a {what} with this external id is on another account; it stays with its account"
            ),
        )),
        _ => Ok(()),
    }
}

/// Records a survey answer, or updates the one with the same external id.
pub(crate) async fn save_survey(
    conn: &mut AnyConnection,
    now: &str,
    actor: &Actor,
    s: &SurveyFields,
) -> Result<(SurveyId, Change)> {
    s.check().map_err(|e| {
        let (f, m) = e.0.split_once(": ").unwrap_or(("survey", &e.0));
        StoreError::invalid(f, m)
    })?;
    let existing: Option<SurveyRow> = match &s.external_id {
        Some(x) => {
            sqlx::query_as(&format!(
                "SELECT {SURVEY_COLUMNS} FROM surveys WHERE external_id = $1"
            ))
            .bind(x)
            .fetch_optional(&mut *conn)
            .await?
        }
        None => None,
    };
    let before = existing.map(survey).transpose()?;
    stays_with_its_account(
        "survey answer",
        before.as_ref().map(|b| b.fields.account_id),
        s.account_id,
    )?;
    if before.as_ref().is_some_and(|b| &b.fields == s) {
        return Ok((before.expect("checked").id, Change::Unchanged));
    }
    if let Some(b) = &before {
        sqlx::query("DELETE FROM surveys WHERE id = $1")
            .bind(b.id.0)
            .execute(&mut *conn)
            .await?;
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO surveys (account_id, contact_id, external_id, kind, score, intent, comment, answered_on, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(s.account_id.0)
    .bind(s.contact_id.map(|c| c.0))
    .bind(s.external_id.as_deref())
    .bind(s.kind.as_str())
    .bind(s.score)
    .bind(s.intent.map(|i| i.as_str()))
    .bind(s.comment.as_deref())
    .bind(date(s.answered_on))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let change = if before.is_some() {
        Change::Updated
    } else {
        Change::Created
    };
    record(
        conn,
        now,
        actor,
        if before.is_some() { "update" } else { "create" },
        "survey",
        id,
        before.as_ref().map(|b| survey_json(&b.fields)).as_ref(),
        Some(&survey_json(s)),
    )
    .await?;
    Ok((SurveyId(id), change))
}

impl Store {
    pub async fn save_ticket(&self, actor: &Actor, t: &TicketFields) -> Result<Ticket> {
        let mut tx = self.write_tx().await?;
        let (id, _) = save_ticket(&mut tx, &self.now(), actor, t).await?;
        tx.commit().await?;
        self.health_watch().mark([t.account_id]);
        Ok(Ticket {
            id,
            fields: t.clone(),
        })
    }

    /// Tickets, newest first, of one account or of all.
    pub async fn tickets(&self, account: Option<AccountId>, limit: i64) -> Result<Vec<Ticket>> {
        let rows: Vec<TicketRow> = self
            .newest(TICKET_COLUMNS, "tickets", "opened_at", account, limit)
            .await?;
        rows.into_iter().map(ticket).collect()
    }

    /// Rows of a per-account table, newest first by `order`, of one account or of all.
    async fn newest<R>(
        &self,
        columns: &str,
        table: &str,
        order: &str,
        account: Option<AccountId>,
        limit: i64,
    ) -> Result<Vec<R>>
    where
        R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let mut args = crate::sql::Args::default();
        let cond = match account {
            Some(a) => format!(
                "WHERE account_id = {}",
                args.push(crate::sql::Arg::Int(a.0))
            ),
            None => String::new(),
        };
        let limit = args.push(crate::sql::Arg::Int(limit.clamp(1, 10_000)));
        let sql = format!(
            "SELECT {columns} FROM {table} {cond} ORDER BY {order} DESC, id DESC LIMIT {limit}"
        );
        Ok(sqlx::query_as_with(&sql, args.into_arguments())
            .fetch_all(&self.pool)
            .await?)
    }

    /// Open tickets, tickets of the last 30 days, resolution times and escalations.
    pub async fn ticket_summary(&self, account: AccountId) -> Result<TicketSummary> {
        let now = self.clock.now();
        let tickets = self.tickets(Some(account), 10_000).await?;
        let within =
            |t: &TicketFields, days: i64| now - t.opened_at <= chrono::Duration::days(days);
        let resolved: Vec<chrono::Duration> = tickets
            .iter()
            .filter(|t| {
                t.fields
                    .resolved_at
                    .is_some_and(|r| now - r <= chrono::Duration::days(90))
            })
            .filter_map(|t| t.fields.resolution())
            .collect();
        Ok(TicketSummary {
            open: tickets.iter().filter(|t| t.fields.status.is_open()).count() as i64,
            opened_last_30_days: tickets.iter().filter(|t| within(&t.fields, 30)).count() as i64,
            average_resolution: (!resolved.is_empty()).then(|| {
                resolved.iter().copied().sum::<chrono::Duration>() / resolved.len() as i32
            }),
            longest_resolution: resolved.iter().copied().max(),
            escalated_last_90_days: tickets
                .iter()
                .filter(|t| t.fields.escalated && within(&t.fields, 90))
                .count() as i64,
        })
    }

    pub async fn save_survey(&self, actor: &Actor, s: &SurveyFields) -> Result<Survey> {
        let mut tx = self.write_tx().await?;
        let (id, _) = save_survey(&mut tx, &self.now(), actor, s).await?;
        tx.commit().await?;
        self.health_watch().mark([s.account_id]);
        Ok(Survey {
            id,
            fields: s.clone(),
        })
    }

    /// Survey answers, newest first, of one account or of all.
    pub async fn surveys(&self, account: Option<AccountId>, limit: i64) -> Result<Vec<Survey>> {
        let rows: Vec<SurveyRow> = self
            .newest(SURVEY_COLUMNS, "surveys", "answered_on", account, limit)
            .await?;
        rows.into_iter().map(survey).collect()
    }
}
