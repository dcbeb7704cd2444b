//! An account's success plan: success in the customer's words, the objectives with where each
//! stands against the straight path and why, a form to record a value, the steps and their
//! tasks, the blockers, every version with what changed, and the links shared with the
//! customer. Without a plan: start one from a template. The editor is `edit`; the patterns
//! across all plans are `patterns`; the customer's read-only view is `shared`.

pub mod edit;
pub mod patterns;
pub mod shared;
pub mod template_form;
pub mod templates;

use super::problem;
use crate::AppState;
use crate::web::session::{Current, Signed};
use crate::web::{Failure, Nav, PageResult, format, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use rust_decimal::Decimal;
use serde::Deserialize;
use sherpa_app::{PlanView, RecordValue};
use sherpa_core::AccountId;
use sherpa_core::plan::ObjectiveStatus;

/// An objective's row.
pub(crate) struct ObjectiveLine {
    pub key: String,
    pub title: String,
    pub owner: String,
    pub baseline: String,
    pub target: String,
    pub latest: String,
    /// 0 to 100, for the bar.
    pub progress: i64,
    /// Where the straight path is today, 0 to 100.
    pub expected: i64,
    pub status: String,
    /// The status as a class: on_track, at_risk...
    pub status_class: &'static str,
    pub reason: String,
    pub source: String,
    /// A person records its values (not read by Sherpa).
    pub recordable: bool,
    pub first_value: bool,
    pub history: Vec<(String, String, String, String)>,
}

pub(crate) struct StepLine {
    pub title: String,
    pub owner: String,
    pub due: String,
    pub overdue: bool,
    pub done: bool,
}

pub(crate) struct BlockerLine {
    pub dimension: String,
    pub label: String,
    pub summary: String,
    pub severity: String,
    pub open: bool,
    pub owner: String,
    pub raised: String,
    pub resolution: String,
    pub internal: bool,
}

/// What a plan page and the shared page both show.
pub(crate) struct PlanBody {
    pub success: String,
    pub value_drivers: Vec<String>,
    pub objectives: Vec<ObjectiveLine>,
    pub steps: Vec<StepLine>,
    pub blockers: Vec<BlockerLine>,
    pub started: String,
    pub refreshed: String,
    pub updated: String,
    pub refresh_due: String,
    pub update_due: String,
    pub covers_until: String,
    pub in_place: bool,
    pub template: String,
    pub version: i64,
}

fn status_class(s: ObjectiveStatus) -> &'static str {
    match s {
        ObjectiveStatus::OnTrack => "on_track",
        ObjectiveStatus::AtRisk => "at_risk",
        ObjectiveStatus::OffTrack => "off_track",
        ObjectiveStatus::Achieved => "achieved",
        ObjectiveStatus::Missed => "missed",
    }
}

fn whole_percent(share: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    (share * Decimal::ONE_HUNDRED).round().to_i64().unwrap_or(0)
}

fn plain(d: Decimal) -> String {
    d.normalize().to_string()
}

pub(crate) fn body(p: &PlanView, today: chrono::NaiveDate) -> PlanBody {
    let d = |x: chrono::NaiveDate| format::date(Some(x));
    let objectives = p
        .content
        .objectives
        .iter()
        .zip(&p.objectives)
        .map(|(o, v)| {
            let m = &o.measure;
            let unit = &m.unit;
            ObjectiveLine {
                key: o.key.clone(),
                title: o.title.clone(),
                owner: v.owner.clone().unwrap_or_else(|| "nobody".into()),
                baseline: format!("{} {unit} on {}", plain(m.baseline), d(m.baseline_on)),
                target: format!("{} {unit} by {}", plain(m.target), d(m.target_on)),
                latest: v.values.last().map_or_else(
                    || "none recorded yet".to_string(),
                    |l| format!("{} {unit} on {}", plain(l.value), d(l.on)),
                ),
                progress: whole_percent(v.assessment.progress).clamp(0, 100),
                expected: whole_percent(v.assessment.expected).clamp(0, 100),
                status: v.assessment.status.as_str().replace('_', " "),
                status_class: status_class(v.assessment.status),
                reason: v.assessment.reason.clone(),
                source: v.source.clone(),
                recordable: !o.source.is_measured(),
                first_value: o.first_value,
                history: v
                    .values
                    .iter()
                    .rev()
                    .map(|x| (d(x.on), plain(x.value), x.source.clone(), x.note.clone()))
                    .collect(),
            }
        })
        .collect();
    let steps = p
        .content
        .steps
        .iter()
        .zip(&p.steps)
        .map(|(s, v)| StepLine {
            title: s.title.clone(),
            owner: v.owner.clone().unwrap_or_else(|| "nobody".into()),
            due: s.due_on.map(d).unwrap_or_default(),
            overdue: !v.done && s.due_on.is_some_and(|x| x < today),
            done: v.done,
        })
        .collect();
    let blockers = p
        .content
        .blockers
        .iter()
        .zip(&p.blocker_owners)
        .map(|(b, owner)| BlockerLine {
            dimension: b.dimension.clone(),
            label: b.label.clone().unwrap_or_default(),
            summary: b.summary.clone(),
            severity: b.severity.to_string(),
            open: b.status == sherpa_core::plan::BlockerStatus::Open,
            owner: owner.clone().unwrap_or_default(),
            raised: d(b.raised_on),
            resolution: match (&b.resolution, b.resolved_on) {
                (Some(r), Some(on)) => format!("{} ({})", r, d(on)),
                (Some(r), None) => r.clone(),
                _ => String::new(),
            },
            internal: b.internal,
        })
        .collect();
    PlanBody {
        success: p.content.success.clone(),
        value_drivers: p.content.value_drivers.clone(),
        objectives,
        steps,
        blockers,
        started: d(p.started_on),
        refreshed: d(p.refreshed_on),
        updated: d(p.updated_on),
        refresh_due: d(p.refresh_due_on),
        update_due: d(p.update_due_on),
        covers_until: d(p.covers_until),
        in_place: p.in_place,
        template: p.template.clone().unwrap_or_default(),
        version: p.version,
    }
}

struct VersionLine {
    version: i64,
    kind: String,
    on: String,
    changes: Vec<String>,
}

struct ShareLine {
    id: i64,
    created: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    nav: Nav,
    account: AccountId,
    account_name: String,
    plan: Option<PlanBody>,
    may_edit: bool,
    /// Templates, those meant for this account first.
    templates: Vec<(String, bool)>,
    versions: Vec<VersionLine>,
    shares: Vec<ShareLine>,
    /// A link just issued: shown once.
    issued: Option<String>,
    today: String,
    csrf: String,
    /// Values may be recorded from this page.
    recording: bool,
    message: Option<String>,
    message_ok: bool,
}

pub(crate) fn account_id(raw: &str) -> Result<AccountId, Failure> {
    raw.parse()
        .map_err(|_| Failure::not_found(format!("no account {raw}")))
}

/// Refuses, before any form is read, a person who may not edit the account's plan.
pub(crate) async fn may_edit(s: &AppState, c: &Current, id: AccountId) -> Result<(), Failure> {
    let acc = s.store.account(id).await?;
    Ok(c.caller().may(|u| u.may_edit_plan(&acc.fields.owners))?)
}

async fn page(
    s: &AppState,
    c: &Current,
    id: AccountId,
    message: Option<(bool, String)>,
    issued: Option<String>,
) -> Result<PlanPage, Failure> {
    let caller = c.caller();
    let acc = s.store.account(id).await?;
    let today = s.store.clock().today();
    let view = s.app.plan(&caller, id).await?;
    let may_edit = caller.may(|u| u.may_edit_plan(&acc.fields.owners)).is_ok();
    let versions = s
        .app
        .plan_versions(&caller, id)
        .await?
        .into_iter()
        .map(|v| VersionLine {
            version: v.version,
            kind: v.kind,
            on: format::date(Some(v.made_on)),
            changes: v.changes,
        })
        .collect();
    let shares = if may_edit && view.is_some() {
        s.app
            .plan_shares(&caller, id)
            .await?
            .into_iter()
            .map(|x| ShareLine {
                id: x.id,
                created: format::time(x.created_at),
                expires: format::date(Some(x.expires_on)),
            })
            .collect()
    } else {
        Vec::new()
    };
    let (ok, text) = message.map_or((true, None), |(ok, m)| (ok, Some(m)));
    Ok(PlanPage {
        nav: Nav::new(c, "book"),
        account: id,
        account_name: acc.fields.name.clone(),
        plan: view.as_ref().map(|v| body(v, today)),
        may_edit,
        templates: s.app.plan_templates_for(id).await?,
        versions,
        shares,
        issued,
        today: today.to_string(),
        csrf: c.session.csrf.clone(),
        recording: may_edit,
        message: text,
        message_ok: ok,
    })
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
) -> PageResult {
    let id = account_id(&id)?;
    Ok(render(&page(&s, &c, id, None, None).await?))
}

/// The page again with a refusal, answered 400: nothing was changed.
async fn refused(s: &AppState, c: &Current, id: AccountId, problem: String) -> PageResult {
    let mut resp = render(&page(s, c, id, Some((false, problem)), None).await?);
    *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    Ok(resp)
}

#[derive(Deserialize)]
pub struct ValueForm {
    value: String,
    on: String,
    #[serde(default)]
    note: String,
}

/// Records a value of an objective; back to the plan.
pub async fn record_value(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path((id, key)): Path<(String, String)>,
    Form(f): Form<ValueForm>,
) -> PageResult {
    let id = account_id(&id)?;
    may_edit(&s, &c, id).await?;
    let outcome = match (
        f.value.trim().replace(',', "").parse::<Decimal>(),
        f.on.trim().parse::<chrono::NaiveDate>(),
    ) {
        (Err(_), _) => Err(sherpa_app::Error::invalid(
            "value",
            format!("\"{}\" is not a number", f.value.trim()),
        )),
        (_, Err(_)) => Err(sherpa_app::Error::invalid(
            "on",
            format!("\"{}\" is not a date (YYYY-MM-DD)", f.on.trim()),
        )),
        (Ok(value), Ok(on)) => {
            s.app
                .record_objective_value(
                    &c.caller(),
                    RecordValue {
                        account: id,
                        objective: key,
                        value,
                        on: Some(on),
                        note: f.note,
                    },
                )
                .await
        }
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/accounts/{id}/plan#objectives")).into_response()),
        Err(e) => {
            let p = problem(e)?;
            refused(
                &s,
                &c,
                id,
                format!("The value was not recorded: {p}. Nothing was changed."),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct ShareForm {
    days: String,
}

/// Issues a link for the customer and shows it once.
pub async fn share(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    Form(f): Form<ShareForm>,
) -> PageResult {
    let id = account_id(&id)?;
    may_edit(&s, &c, id).await?;
    let issued = match super::number("days", &f.days) {
        Ok(days) => {
            s.app
                .share_plan(&c.caller(), id, u64::try_from(days).unwrap_or(0))
                .await
        }
        Err(e) => Err(e),
    };
    match issued {
        Ok(link) => Ok(render(
            &page(
                &s,
                &c,
                id,
                Some((
                    true,
                    format!(
                        "A read-only link to this plan works until {}. Copy it now: it is not shown again.",
                        format::date(Some(link.expires_on))
                    ),
                )),
                Some(format!("/shared/plans/{}", link.secret)),
            )
            .await?,
        )),
        Err(e) => {
            let p = problem(e)?;
            refused(&s, &c, id, format!("No link was made: {p}.")).await
        }
    }
}

/// Revokes a link; back to the plan.
pub async fn revoke_share(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path((id, share)): Path<(String, String)>,
) -> PageResult {
    let id = account_id(&id)?;
    let share: i64 = share
        .parse()
        .map_err(|_| Failure::not_found(format!("no plan link {share}")))?;
    s.app.revoke_plan_share(&c.caller(), id, share).await?;
    Ok(Redirect::to(&format!("/accounts/{id}/plan#share")).into_response())
}
