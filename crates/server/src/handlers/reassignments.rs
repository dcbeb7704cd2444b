//! Gradual reassignment in the API: proposing a schedule of account moves, reading it, and the
//! leader's approval.

use super::Page;
use super::accounts::MoneyDto;
use super::{ApiJson, ApiPath};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sherpa_app::ProposeReassignment;
use sherpa_store::ReassignmentPlan;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct ReassignmentBody {
    /// departure (every account moves on `day`) or rebalance (the smallest accounts move after
    /// their renewals until the book is down to `target_arr`).
    pub kind: String,
    /// The CSM whose accounts move: a user id or email.
    pub csm: String,
    /// The CSMs who receive them (ids or emails).
    pub recipients: Vec<String>,
    /// The departure day, or the earliest day of a rebalance (default today).
    pub day: Option<chrono::NaiveDate>,
    /// Rebalance: the ARR the book keeps, a decimal string.
    pub target_arr: Option<String>,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct MoveDto {
    pub account_id: String,
    pub account_name: String,
    pub arr: MoneyDto,
    pub to: String,
    pub on: chrono::NaiveDate,
    /// pending, done or skipped.
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReassignmentDto {
    pub id: String,
    pub kind: String,
    pub csm: String,
    /// proposed, approved or cancelled.
    pub status: String,
    pub reason: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub moves: Vec<MoveDto>,
}

impl From<ReassignmentPlan> for ReassignmentDto {
    fn from(p: ReassignmentPlan) -> Self {
        ReassignmentDto {
            id: p.id.to_string(),
            kind: p.kind.as_str().into(),
            csm: p.from.to_string(),
            status: p.status,
            reason: p.reason,
            created_at: p.created_at,
            moves: p
                .moves
                .into_iter()
                .map(|m| MoveDto {
                    account_id: m.account.to_string(),
                    account_name: m.account_name,
                    arr: m.arr.into(),
                    to: m.to.to_string(),
                    on: m.on,
                    status: m.status,
                })
                .collect(),
        }
    }
}

/// Proposes a schedule of moves (leaders and admins); nothing moves until it is approved.
#[utoipa::path(post, path = "/api/v1/reassignments", operation_id = "propose_reassignments", tag = "prioritisation",
    request_body = ReassignmentBody,
    responses((status = 200, description = "The reassignment plan", body = ReassignmentDto)))]
pub async fn propose(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(body): ApiJson<ReassignmentBody>,
) -> Result<Json<ReassignmentDto>, AppError> {
    let cmd = ProposeReassignment {
        kind: body.kind,
        csm: body.csm,
        recipients: body.recipients,
        day: body.day,
        target_arr: body.target_arr,
        reason: body.reason,
    };
    Ok(Json(
        s.app.propose_reassignment(&u.caller(), cmd).await?.into(),
    ))
}

/// The latest reassignment plans with their moves.
#[utoipa::path(get, path = "/api/v1/reassignments", operation_id = "list_reassignments", tag = "prioritisation",
    responses((status = 200, description = "The reassignment plans", body = Page<ReassignmentDto>)))]
pub async fn list(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<Page<ReassignmentDto>>, AppError> {
    Ok(Json(
        s.store
            .reassignments()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

fn plan_id(id: &str) -> Result<i64, AppError> {
    id.parse()
        .map_err(|_| AppError::NotFound(format!("reassignment {id}")))
}

/// Approves a proposed plan (leaders and admins): each move happens on its day.
#[utoipa::path(post, path = "/api/v1/reassignments/{id}/approve", operation_id = "approve_reassignments", tag = "prioritisation",
    params(("id" = String, Path)),
    responses((status = 200, description = "The reassignment plan", body = ReassignmentDto)))]
pub async fn approve(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ReassignmentDto>, AppError> {
    Ok(Json(
        s.app
            .approve_reassignment(&u.caller(), plan_id(&id)?)
            .await?
            .into(),
    ))
}
