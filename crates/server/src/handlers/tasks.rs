//! Tasks (calls to action): list, open by hand, update status, owner or due date.

use super::json::{MergePatch, date, parsed, text};
use super::{ApiJson, ApiPath, ApiQuery, Page};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sherpa_app::OpenTask;
use sherpa_core::*;
use sherpa_store::TaskQuery;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct TaskDto {
    pub id: String,
    pub account_id: String,
    pub title: String,
    pub owner_id: Option<String>,
    pub due_on: Option<chrono::NaiveDate>,
    pub priority: String,
    pub status: String,
    pub outcome: Option<String>,
    pub source: String,
    /// Why the task exists.
    pub reason: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// For a task the engagement engine opened: the model, moment, rule and values that
    /// fired it.
    pub moment: Option<TaskMomentDto>,
}

#[derive(Serialize, ToSchema)]
pub struct TaskMomentDto {
    pub model: String,
    pub moment: String,
    /// The rule in words: "day 91 of each contract term".
    pub rule: String,
    /// The values that fired it.
    pub values: String,
    /// Which occurrence it was ("term:2026-01-15", "ticket:812"): each fires once.
    pub occurrence: String,
}

/// Fills in the moments behind the engine's tasks among `tasks`.
async fn with_moments(s: &AppState, tasks: &mut [TaskDto]) -> Result<(), AppError> {
    let ids: Vec<TaskId> = tasks
        .iter()
        .filter(|t| t.source == TaskSource::Engagement.as_str())
        .filter_map(|t| t.id.parse().ok())
        .collect();
    let mut moments = s.store.task_moments(&ids).await?;
    for t in tasks {
        if let Some(m) = t.id.parse().ok().and_then(|id| moments.remove(&id)) {
            t.moment = Some(TaskMomentDto {
                model: m.model,
                moment: m.moment,
                rule: m.rule,
                values: m.values,
                occurrence: m.occurrence,
            });
        }
    }
    Ok(())
}

impl From<Task> for TaskDto {
    fn from(t: Task) -> Self {
        let f = t.fields;
        TaskDto {
            id: t.id.to_string(),
            account_id: f.account_id.to_string(),
            title: f.title,
            owner_id: f.owner_id.map(|o| o.to_string()),
            due_on: f.due_on,
            priority: f.priority.as_str().into(),
            status: t.status.as_str().into(),
            outcome: t.outcome,
            source: f.source.as_str().into(),
            reason: f.reason,
            created_at: t.created_at,
            closed_at: t.closed_at,
            moment: None,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListTasks {
    owner_id: Option<String>,
    account_id: Option<String>,
    /// open, done or cancelled.
    status: Option<String>,
    /// Due on or before this day (YYYY-MM-DD).
    due_before: Option<chrono::NaiveDate>,
    /// Include tasks archived (done or cancelled more than 90 days ago); false by default.
    archived: Option<bool>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// Lists tasks in id order.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", params(ListTasks),
    responses((status = 200, description = "A page of tasks", body = Page<TaskDto>), (status = 400, body = crate::error::Problem)))]
pub async fn list_tasks(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiQuery(p): ApiQuery<ListTasks>,
) -> Result<Json<Page<TaskDto>>, AppError> {
    let limit = super::json::page_limit(p.limit)?;
    let q = TaskQuery {
        owner: p
            .owner_id
            .as_deref()
            .map(|o| {
                o.parse()
                    .map_err(|e: Invalid| AppError::bad("owner_id", e.0))
            })
            .transpose()?,
        account: p
            .account_id
            .as_deref()
            .map(|o| {
                o.parse()
                    .map_err(|e: Invalid| AppError::bad("account_id", e.0))
            })
            .transpose()?,
        status: p
            .status
            .as_deref()
            .map(|o| {
                o.parse()
                    .map_err(|e: ParseEnumError| AppError::bad("status", e.to_string()))
            })
            .transpose()?,
        after: p
            .cursor
            .as_deref()
            .map(|o| o.parse().map_err(|e: Invalid| AppError::bad("cursor", e.0)))
            .transpose()?,
        due_before: p.due_before,
        archived: p.archived.unwrap_or(false),
        limit: limit + 1,
    };
    let items = s.store.tasks(&q).await?;
    let mut page = Page::<TaskDto>::from_records(items, limit, |t| t.id.to_string());
    with_moments(&s, &mut page.items).await?;
    Ok(Json(page))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    account_id: String,
    title: String,
    /// Defaults to the caller.
    owner_id: Option<String>,
    due_on: Option<chrono::NaiveDate>,
    /// low, normal, high, urgent.
    priority: Option<String>,
    /// Why the task exists.
    reason: Option<String>,
}

/// Opens a task by hand.
#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", request_body = NewTask,
    responses((status = 201, description = "The task, recorded", body = TaskDto), (status = 400, body = crate::error::Problem)))]
pub async fn create_task(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<NewTask>,
) -> Result<(StatusCode, Json<TaskDto>), AppError> {
    u.require_write()?;
    let cmd = OpenTask {
        account: b
            .account_id
            .parse::<AccountId>()
            .map_err(|e| AppError::bad("account_id", e.0))?,
        title: b.title,
        owner: b
            .owner_id
            .map(|o| {
                o.parse()
                    .map_err(|e: Invalid| AppError::bad("owner_id", e.0))
            })
            .transpose()?,
        due_on: b.due_on,
        priority: b
            .priority
            .as_deref()
            .map(|p| {
                p.parse()
                    .map_err(|e: ParseEnumError| AppError::bad("priority", e.to_string()))
            })
            .transpose()?,
        reason: b.reason,
    };
    let t = s.app.open_task(&u.caller(), cmd).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

/// Changes a task's status, outcome note, owner, due date or priority (JSON Merge Patch).
#[utoipa::path(patch, path = "/api/v1/tasks/{id}", tag = "tasks", params(("id" = String, Path)),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The task", body = TaskDto), (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn update_task(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    body: axum::body::Bytes,
) -> Result<Json<TaskDto>, AppError> {
    let id = id.parse::<TaskId>().map_err(|e| AppError::NotFound(e.0))?;
    let body: Value = serde_json::from_slice(&body).map_err(|e| AppError::BadRequest {
        field: None,
        message: format!("invalid JSON: {e}"),
    })?;
    let m = MergePatch::new(
        body,
        &["status", "outcome", "owner_id", "due_on", "priority"],
    )?;
    let change = TaskChange {
        status: m.required("status", parsed::<TaskStatus>)?,
        outcome: m.field("outcome", text(limits::LONG_TEXT))?,
        owner: m.field("owner_id", parsed::<UserId>)?,
        due_on: m.field("due_on", date)?,
        priority: m.required("priority", parsed::<Priority>)?,
    };
    let t = s.app.change_task(&u.caller(), id, change).await?;
    let mut t = [TaskDto::from(t)];
    with_moments(&s, &mut t).await?;
    let [t] = t;
    Ok(Json(t))
}
