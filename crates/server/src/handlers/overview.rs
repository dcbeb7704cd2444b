//! The leader's and the admin's homes through the API: the book's ARR by colour, renewals and
//! their risk, colour movements, the team's load and the quarters' trend (a board deck or a BI
//! tool builds on it); and whether the data still arrives, the intake, jobs and outbox.

use super::home::ColourMoveDto;
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use rust_decimal::Decimal;
use serde::Serialize;
use sherpa_app::{ArrAtRisk, ColourShare, LeaderHome, RenewalRisk};
use utoipa::ToSchema;

/// Accounts and ARR of one health colour.
#[derive(Serialize, ToSchema)]
pub struct ColourShareDto {
    /// green, yellow, orange or red; null: not scored.
    pub colour: Option<String>,
    pub accounts: i64,
    /// In the reporting currency, as a decimal.
    pub arr: String,
}

fn shares(mix: &[ColourShare]) -> Vec<ColourShareDto> {
    mix.iter()
        .map(|m| ColourShareDto {
            colour: m.colour.map(|c| c.as_str().into()),
            accounts: m.accounts,
            arr: m.arr.amount.normalize().to_string(),
        })
        .collect()
}

/// Renewals and their risk, amounts in the reporting currency as decimals.
#[derive(Serialize, ToSchema)]
pub struct RenewalRiskDto {
    pub renewals: usize,
    pub arr: String,
    /// The ARR of renewals on accounts of a colour counted at risk, not yet signed.
    pub at_risk: String,
    pub at_risk_count: usize,
    /// ARR times each renewal's modelled chance (signed renewals count whole).
    pub expected: String,
    /// Renewals the probability table has no figure for.
    pub unmodelled: usize,
}

fn decimal(d: Decimal) -> String {
    d.round_dp(2).normalize().to_string()
}

impl From<&RenewalRisk> for RenewalRiskDto {
    fn from(r: &RenewalRisk) -> Self {
        RenewalRiskDto {
            renewals: r.renewals,
            arr: decimal(r.arr),
            at_risk: decimal(r.at_risk),
            at_risk_count: r.at_risk_count,
            expected: decimal(r.expected),
            unmodelled: r.unmodelled,
        }
    }
}

/// The renewals falling in one month.
#[derive(Serialize, ToSchema)]
pub struct RenewalMonthDto {
    /// The month's first day.
    pub month: chrono::NaiveDate,
    #[serde(flatten)]
    pub risk: RenewalRiskDto,
}

/// The renewals of one CSM's accounts.
#[derive(Serialize, ToSchema)]
pub struct RenewalOwnerDto {
    /// Null: accounts without a CSM.
    pub csm: Option<String>,
    #[serde(flatten)]
    pub risk: RenewalRiskDto,
}

/// One team member's load.
#[derive(Serialize, ToSchema)]
pub struct MemberLoadDto {
    pub user_id: String,
    pub name: String,
    pub open_tasks: i64,
    pub overdue_tasks: i64,
    pub due_this_week: i64,
    /// Personal touches their accounts' tier cadences wanted and did not get.
    pub overdue_touches: i64,
}

/// The book's ARR by colour at a quarter's end.
#[derive(Serialize, ToSchema)]
pub struct QuarterMixDto {
    /// "Q3 2026".
    pub quarter: String,
    pub end: chrono::NaiveDate,
    /// The day of the health snapshots read for it: the latest on or before its end.
    pub read_on: chrono::NaiveDate,
    pub mix: Vec<ColourShareDto>,
    /// The share of that ARR on the colours counted at risk, in whole percent; null: no ARR.
    pub at_risk_percent: Option<String>,
    pub renewals: QuarterRenewalsDto,
    /// The team's tasks over the quarter; null before Sherpa held any.
    pub tasks: Option<QuarterTasksDto>,
}

/// How the renewals that fell due in a quarter came out: the ARR of the terms that ended,
/// what ran the day after (at most what was due), and what was lost.
#[derive(Serialize, ToSchema)]
pub struct QuarterRenewalsDto {
    pub renewals: usize,
    pub due: String,
    pub renewed: String,
    pub lost: String,
    /// Accounts with nothing running the day after.
    pub churned: usize,
}

/// The team's tasks: open at the quarter's end (and how many people held them), done in it,
/// and those overdue as the next day began when that was recorded.
#[derive(Serialize, ToSchema)]
pub struct QuarterTasksDto {
    pub open: i64,
    pub owners: i64,
    pub done: i64,
    /// Absent for a quarter that ended before Sherpa recorded its load each day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overdue: Option<OverdueAtEndDto>,
}

/// The overdue tasks as recorded when a day began.
#[derive(Serialize, ToSchema)]
pub struct OverdueAtEndDto {
    /// The day whose start the figures are of.
    pub as_of: chrono::NaiveDate,
    /// When they were recorded: shortly after midnight, or later that day when no server
    /// ran then.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub tasks: i64,
    /// Of them, personal touches a tier's cadence asked for.
    pub personal_touches: i64,
}

/// Accounts of each colour on one day.
#[derive(Serialize, ToSchema)]
pub struct ColourDayDto {
    pub day: chrono::NaiveDate,
    pub green: i64,
    pub yellow: i64,
    pub orange: i64,
    pub red: i64,
    pub unscored: i64,
}

/// A leader's overview of the book.
#[derive(Serialize, ToSchema)]
pub struct OverviewDto {
    pub today: chrono::NaiveDate,
    /// The reporting currency of every amount.
    pub currency: String,
    pub accounts: i64,
    pub arr: String,
    /// ARR by colour now, green first, the unscored last.
    pub mix: Vec<ColourShareDto>,
    /// The colours counted at risk: those the at-risk playbook opens on.
    pub at_risk_colours: Vec<String>,
    /// Renewals of the next six months, in all and by month and by CSM (most at risk first).
    pub renewals: RenewalRiskDto,
    pub renewals_by_month: Vec<RenewalMonthDto>,
    pub renewals_by_csm: Vec<RenewalOwnerDto>,
    /// Colour changes since this day's snapshot, the worse first.
    pub moved_since: Option<chrono::NaiveDate>,
    pub moved: Vec<ColourMoveDto>,
    pub team_load: Vec<MemberLoadDto>,
    /// Accounts by colour each day of the last 90.
    pub trend: Vec<ColourDayDto>,
    /// ARR by colour at the end of each of the last quarters the health history reaches.
    pub quarters: Vec<QuarterMixDto>,
}

/// What the leader's home shows: ARR and its health mix, renewals in the next six months with
/// their risk (by month and by CSM), colour movements this week, each person's load, and the
/// trend by day and by quarter (leaders and admins).
#[utoipa::path(get, path = "/api/v1/overview", tag = "accounts",
    responses((status = 200, description = "The book's overview", body = OverviewDto), (status = 403, body = crate::error::Problem)))]
pub async fn overview(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<OverviewDto>, AppError> {
    let h: LeaderHome = s.app.leader_home(&u.caller()).await?;
    let at_risk = h.at_risk_colours.clone();
    Ok(Json(OverviewDto {
        today: h.today,
        currency: h.currency.to_string(),
        accounts: h.accounts,
        arr: h.arr.amount.normalize().to_string(),
        mix: shares(&h.mix),
        at_risk_colours: at_risk.iter().map(|c| c.as_str().into()).collect(),
        renewals: (&h.horizon).into(),
        renewals_by_month: h
            .months
            .iter()
            .map(|(month, r)| RenewalMonthDto {
                month: *month,
                risk: r.into(),
            })
            .collect(),
        renewals_by_csm: h
            .owners
            .iter()
            .map(|(csm, r)| RenewalOwnerDto {
                csm: csm.clone(),
                risk: r.into(),
            })
            .collect(),
        moved_since: h.moved_since,
        moved: h.moved.into_iter().map(ColourMoveDto::from).collect(),
        team_load: h
            .loads
            .into_iter()
            .map(|l| MemberLoadDto {
                user_id: l.owner.to_string(),
                name: l.name,
                open_tasks: l.open,
                overdue_tasks: l.overdue,
                due_this_week: l.due_this_week,
                overdue_touches: l.overdue_touches,
            })
            .collect(),
        trend: h
            .trend
            .iter()
            .map(|d| ColourDayDto {
                day: d.day,
                green: d.counts[0],
                yellow: d.counts[1],
                orange: d.counts[2],
                red: d.counts[3],
                unscored: d.counts[4],
            })
            .collect(),
        quarters: h
            .quarters
            .iter()
            .map(|q| QuarterMixDto {
                quarter: q.label.clone(),
                end: q.end,
                read_on: q.read_on,
                mix: shares(&q.mix),
                at_risk_percent: ArrAtRisk::of(&q.mix, &at_risk)
                    .percent()
                    .map(|p| p.normalize().to_string()),
                renewals: QuarterRenewalsDto {
                    renewals: q.renewals.renewals,
                    due: decimal(q.renewals.due),
                    renewed: decimal(q.renewals.renewed),
                    lost: decimal(q.renewals.lost),
                    churned: q.renewals.churned,
                },
                tasks: q.load.as_ref().map(|l| QuarterTasksDto {
                    open: l.open,
                    owners: l.owners,
                    done: l.done,
                    overdue: l.at_end.as_ref().map(|s| OverdueAtEndDto {
                        as_of: s.day,
                        recorded_at: s.taken_at,
                        tasks: s.overdue,
                        personal_touches: s.overdue_touches,
                    }),
                }),
            })
            .collect(),
    }))
}

/// A source's last write.
#[derive(Serialize, ToSchema)]
pub struct SourceDto {
    pub source: String,
    /// Null: nothing written yet.
    pub last_write: Option<chrono::DateTime<chrono::Utc>>,
}

/// The event intake.
#[derive(Serialize, ToSchema)]
pub struct IntakeDto {
    pub accepted: i64,
    pub duplicates: i64,
    pub rejected: i64,
    /// Stored events that no account carries yet.
    pub unmapped: i64,
    pub accepted_last_hour: i64,
    pub rejected_last_hour: i64,
}

/// The background jobs.
#[derive(Serialize, ToSchema)]
pub struct JobsDto {
    /// Queued and due now.
    pub due: i64,
    pub running: i64,
    /// Given up after their last attempt.
    pub failed: i64,
    /// How long the oldest due job has waited past its time.
    pub lag_seconds: i64,
}

/// The outbox of emails and webhook posts.
#[derive(Serialize, ToSchema)]
pub struct OutboxDto {
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
    pub dry_run: i64,
    pub skipped: i64,
    /// Emails waiting for a mail server.
    pub emails_waiting: i64,
}

/// Active team members of one role.
#[derive(Serialize, ToSchema)]
pub struct RoleCountDto {
    pub role: String,
    pub active: usize,
}

/// Whether the system is well: each source's last write, the intake, jobs, outbox and team.
#[derive(Serialize, ToSchema)]
pub struct SystemDto {
    pub now: chrono::DateTime<chrono::Utc>,
    pub sources: Vec<SourceDto>,
    pub intake: IntakeDto,
    pub jobs: JobsDto,
    pub outbox: OutboxDto,
    pub roles: Vec<RoleCountDto>,
    pub inactive_users: usize,
}

/// What the admin's home shows: whether the book's data still arrives (each source's last
/// write), the intake (with the last hour), the background jobs, the outbox and the team
/// (admins).
#[utoipa::path(get, path = "/api/v1/system", tag = "system",
    responses((status = 200, description = "The system's state", body = SystemDto), (status = 403, body = crate::error::Problem)))]
pub async fn system(State(s): State<AppState>, u: ApiUser) -> Result<Json<SystemDto>, AppError> {
    let h = s.app.admin_home(&u.caller()).await?;
    Ok(Json(SystemDto {
        now: h.now,
        sources: h
            .sources
            .into_iter()
            .map(|f| SourceDto {
                source: f.source.into(),
                last_write: f.last,
            })
            .collect(),
        intake: IntakeDto {
            accepted: h.intake.accepted,
            duplicates: h.intake.duplicates,
            rejected: h.intake.rejected,
            unmapped: h.intake.unmapped,
            accepted_last_hour: h.last_hour.0,
            rejected_last_hour: h.last_hour.1,
        },
        jobs: JobsDto {
            due: h.jobs.due,
            running: h.jobs.running,
            failed: h.jobs.failed,
            lag_seconds: h.jobs.lag.num_seconds(),
        },
        outbox: OutboxDto {
            pending: h.outbox.pending,
            sent: h.outbox.sent,
            failed: h.outbox.failed,
            dry_run: h.outbox.dry_run,
            skipped: h.outbox.skipped,
            emails_waiting: h.outbox.emails_waiting,
        },
        roles: h
            .roles
            .into_iter()
            .map(|(role, active)| RoleCountDto {
                role: role.as_str().into(),
                active,
            })
            .collect(),
        inactive_users: h.inactive,
    }))
}
