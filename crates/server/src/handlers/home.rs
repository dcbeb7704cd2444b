//! The homes through the API: a CSM's day as the Today page shows it, for a mobile app, a chat
//! bot or a morning email to build on.

use super::renewals::{RenewalDto, dto};
use super::tasks::TaskDto;
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use sherpa_app::DayTask;
use sherpa_store::ColourMove;
use utoipa::ToSchema;

/// A task of the day with its account's name.
#[derive(Serialize, ToSchema)]
pub struct DayTaskDto {
    #[serde(flatten)]
    pub task: TaskDto,
    pub account_name: String,
}

impl From<DayTask> for DayTaskDto {
    fn from(d: DayTask) -> Self {
        DayTaskDto {
            task: d.task.into(),
            account_name: d.account,
        }
    }
}

/// An account whose health colour changed this week.
#[derive(Serialize, ToSchema)]
pub struct ColourMoveDto {
    pub account_id: String,
    pub account_name: String,
    /// green, yellow, orange or red; null: not scored.
    pub from: Option<String>,
    pub to: Option<String>,
    pub score: Option<f64>,
    /// The change came from a scoring change, not the account's own data.
    pub by_scoring: bool,
}

impl From<ColourMove> for ColourMoveDto {
    fn from(m: ColourMove) -> Self {
        ColourMoveDto {
            account_id: m.account.to_string(),
            account_name: m.name,
            from: m.from.map(|c| c.as_str().into()),
            to: m.to.map(|c| c.as_str().into()),
            score: m.score.map(|v| (v * 10.0).round() / 10.0),
            by_scoring: m.by_scoring,
        }
    }
}

/// An objective of a slipping plan.
#[derive(Serialize, ToSchema)]
pub struct SlippingObjectiveDto {
    pub title: String,
    /// at_risk or off_track.
    pub status: String,
}

/// An account whose success plan slips.
#[derive(Serialize, ToSchema)]
pub struct SlippingDto {
    pub account_id: String,
    pub account_name: String,
    pub objectives: Vec<SlippingObjectiveDto>,
    /// The day its monthly update or quarterly refresh was due, when that has passed.
    pub rhythm_due: Option<chrono::NaiveDate>,
}

/// A CSM's day.
#[derive(Serialize, ToSchema)]
pub struct TodayDto {
    /// The day in the caller's time zone.
    pub today: chrono::NaiveDate,
    /// Tasks due before today, the personal touches aside.
    pub overdue: Vec<DayTaskDto>,
    pub due_today: Vec<DayTaskDto>,
    /// Personal touches their accounts' tier cadences want by today.
    pub touches: Vec<DayTaskDto>,
    /// Renewals of their accounts in the next 90 days, soonest first.
    pub renewals: Vec<RenewalDto>,
    /// Their accounts whose colour changed in the last 7 days, the worse first.
    pub moved: Vec<ColourMoveDto>,
    pub slipping: Vec<SlippingDto>,
}

/// The caller's day, as the Today page shows it: what is overdue and due today, the personal
/// touches their tiers' cadences want, renewals in the next 90 days, accounts that changed
/// colour this week and success plans that slip.
#[utoipa::path(get, path = "/api/v1/today", tag = "tasks",
    responses((status = 200, description = "The caller's day", body = TodayDto), (status = 403, body = crate::error::Problem)))]
pub async fn today(State(s): State<AppState>, u: ApiUser) -> Result<Json<TodayDto>, AppError> {
    let t = s.app.today(&u.caller()).await?;
    let tasks = |list: Vec<DayTask>| list.into_iter().map(DayTaskDto::from).collect();
    Ok(Json(TodayDto {
        today: t.today,
        overdue: tasks(t.overdue),
        due_today: tasks(t.due_today),
        touches: tasks(t.touches),
        renewals: t.renewals.iter().map(dto).collect(),
        moved: t.moved.into_iter().map(ColourMoveDto::from).collect(),
        slipping: t
            .slipping
            .into_iter()
            .map(|p| SlippingDto {
                account_id: p.account.to_string(),
                account_name: p.name,
                objectives: p
                    .objectives
                    .into_iter()
                    .map(|(title, status)| SlippingObjectiveDto {
                        title,
                        status: status.as_str().into(),
                    })
                    .collect(),
                rhythm_due: p.rhythm_due,
            })
            .collect(),
    }))
}
