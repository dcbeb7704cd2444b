//! Tickets and survey answers over the API: help desks and survey tools post them, everyone
//! reads them.

use super::{ApiJson, ApiQuery, Page};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sherpa_core::*;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ByAccount {
    /// Only this account's.
    account_id: Option<String>,
    limit: Option<i64>,
}

fn account_filter(q: &ByAccount) -> Result<(Option<AccountId>, i64), AppError> {
    let account = q
        .account_id
        .as_deref()
        .map(|a| {
            a.parse::<AccountId>()
                .map_err(|e| AppError::bad("account_id", e.0))
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::bad("limit", "between 1 and 1000"));
    }
    Ok((account, limit))
}

/// The account a body names, and the caller's right to add to it.
fn target(raw: &str) -> Result<AccountId, AppError> {
    raw.parse::<AccountId>()
        .map_err(|e| AppError::bad("account_id", e.0))
}

fn vocab<T: std::str::FromStr<Err = ParseEnumError>>(field: &str, v: &str) -> Result<T, AppError> {
    v.parse()
        .map_err(|e: ParseEnumError| AppError::bad(field, e.to_string()))
}

fn external_id(v: Option<String>) -> Result<Option<String>, AppError> {
    match v {
        Some(x) => optional_text("external_id", &x, limits::EXTERNAL_ID).map_err(invalid),
        None => Ok(None),
    }
}

fn invalid(e: Invalid) -> AppError {
    let (field, message) = e.0.split_once(": ").unwrap_or(("body", &e.0));
    AppError::bad(field, message)
}

#[derive(Serialize, ToSchema)]
pub struct TicketDto {
    pub id: String,
    pub account_id: String,
    pub external_id: Option<String>,
    pub subject: String,
    pub opened_at: String,
    pub severity: String,
    pub status: String,
    pub resolved_at: Option<String>,
    pub escalated: bool,
    pub csat: Option<i64>,
}

impl From<Ticket> for TicketDto {
    fn from(t: Ticket) -> Self {
        let f = t.fields;
        TicketDto {
            id: t.id.to_string(),
            account_id: f.account_id.to_string(),
            external_id: f.external_id,
            subject: f.subject,
            opened_at: text::timestamp(f.opened_at),
            severity: f.severity.to_string(),
            status: f.status.to_string(),
            resolved_at: f.resolved_at.map(text::timestamp),
            escalated: f.escalated,
            csat: f.csat,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewTicket {
    account_id: String,
    /// The help desk's id: posting it again updates the ticket.
    external_id: Option<String>,
    #[serde(default)]
    subject: String,
    /// RFC 3339.
    opened_at: String,
    /// low, normal, high or urgent (default normal).
    severity: Option<String>,
    /// new, open, pending, on_hold, solved or closed (default open).
    status: Option<String>,
    resolved_at: Option<String>,
    #[serde(default)]
    escalated: bool,
    /// 1 to 5.
    csat: Option<i64>,
}

fn instant(field: &str, v: &str) -> Result<chrono::DateTime<chrono::Utc>, AppError> {
    text::parse_timestamp(v).ok_or_else(|| AppError::bad(field, format!("\"{v}\" is not RFC 3339")))
}

/// Tickets, newest first.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "support", params(ByAccount),
    responses((status = 200, description = "A page of tickets", body = Page<TicketDto>), (status = 400, body = crate::error::Problem)))]
pub async fn list_tickets(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiQuery(q): ApiQuery<ByAccount>,
) -> Result<Json<Page<TicketDto>>, AppError> {
    let (account, limit) = account_filter(&q)?;
    let items = s.store.tickets(account, limit).await?;
    Ok(Json(Page {
        items: items.into_iter().map(TicketDto::from).collect(),
        next_cursor: None,
    }))
}

/// Records a ticket (or updates the one with the same external id).
#[utoipa::path(post, path = "/api/v1/tickets", tag = "support", request_body = NewTicket,
    responses((status = 201, description = "The ticket, recorded", body = TicketDto), (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn create_ticket(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<NewTicket>,
) -> Result<(StatusCode, Json<TicketDto>), AppError> {
    u.require_write()?;
    let account_id = target(&b.account_id)?;
    let fields = TicketFields {
        account_id,
        external_id: external_id(b.external_id)?,
        subject: optional_text("subject", &b.subject, 500)
            .map_err(invalid)?
            .unwrap_or_default(),
        opened_at: instant("opened_at", &b.opened_at)?,
        severity: b
            .severity
            .as_deref()
            .map(|v| vocab("severity", v))
            .transpose()?
            .unwrap_or(Severity::Normal),
        status: b
            .status
            .as_deref()
            .map(|v| vocab("status", v))
            .transpose()?
            .unwrap_or(TicketStatus::Open),
        resolved_at: b
            .resolved_at
            .as_deref()
            .map(|v| instant("resolved_at", v))
            .transpose()?,
        escalated: b.escalated,
        csat: b.csat,
    };
    let t = s.app.record_ticket(&u.caller(), &fields).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

#[derive(Serialize, ToSchema)]
pub struct SurveyDto {
    pub id: String,
    pub account_id: String,
    pub contact_id: Option<String>,
    pub external_id: Option<String>,
    pub kind: String,
    pub score: Option<i64>,
    pub answer: Option<String>,
    pub comment: Option<String>,
    pub answered_on: NaiveDate,
}

impl From<Survey> for SurveyDto {
    fn from(s: Survey) -> Self {
        let f = s.fields;
        SurveyDto {
            id: s.id.to_string(),
            account_id: f.account_id.to_string(),
            contact_id: f.contact_id.map(|c| c.to_string()),
            external_id: f.external_id,
            kind: f.kind.to_string(),
            score: f.score,
            answer: f.intent.map(|i| i.to_string()),
            comment: f.comment,
            answered_on: f.answered_on,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewSurvey {
    account_id: String,
    contact_id: Option<String>,
    external_id: Option<String>,
    /// nps (0-10), csat (1-5), ces (1-7) or renew_intent (answer yes, no or unsure).
    kind: String,
    score: Option<i64>,
    answer: Option<String>,
    comment: Option<String>,
    answered_on: NaiveDate,
}

/// Survey answers, newest first.
#[utoipa::path(get, path = "/api/v1/surveys", tag = "support", params(ByAccount),
    responses((status = 200, description = "A page of survey answers", body = Page<SurveyDto>), (status = 400, body = crate::error::Problem)))]
pub async fn list_surveys(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiQuery(q): ApiQuery<ByAccount>,
) -> Result<Json<Page<SurveyDto>>, AppError> {
    let (account, limit) = account_filter(&q)?;
    let items = s.store.surveys(account, limit).await?;
    Ok(Json(Page {
        items: items.into_iter().map(SurveyDto::from).collect(),
        next_cursor: None,
    }))
}

/// Records a survey answer (or updates the one with the same external id).
#[utoipa::path(post, path = "/api/v1/surveys", tag = "support", request_body = NewSurvey,
    responses((status = 201, description = "The survey answer, recorded", body = SurveyDto), (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn create_survey(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<NewSurvey>,
) -> Result<(StatusCode, Json<SurveyDto>), AppError> {
    u.require_write()?;
    let account_id = target(&b.account_id)?;
    let contact_id = b
        .contact_id
        .as_deref()
        .map(|c| c.parse::<ContactId>())
        .transpose()
        .map_err(|e| AppError::bad("contact_id", e.0))?;
    let fields = SurveyFields {
        account_id,
        contact_id,
        external_id: external_id(b.external_id)?,
        kind: vocab("kind", &b.kind)?,
        score: b.score,
        intent: b
            .answer
            .as_deref()
            .map(|v| vocab("answer", v))
            .transpose()?,
        comment: b
            .comment
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty()),
        answered_on: b.answered_on,
    };
    let saved = s.app.record_survey(&u.caller(), &fields).await?;
    Ok((StatusCode::CREATED, Json(saved.into())))
}
