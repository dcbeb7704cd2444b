//! The plan editor: the whole plan as one form (success, value drivers, objectives, steps,
//! blockers, each list with a blank row to add one), saved as an update or as the quarterly
//! refresh. A new plan starts from a template's draft. A refused save shows the form again
//! with what was typed and the field that is wrong; nothing is saved.

use super::{account_id, may_edit};
use crate::AppState;
use crate::web::session::{Current, Signed};
use crate::web::{Failure, Nav, PageResult, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use rust_decimal::Decimal;
use serde::Deserialize;
use sherpa_app::SavePlan;
use sherpa_core::health::METRICS;
use sherpa_core::plan::{
    Blocker, BlockerSeverity, BlockerStatus, Measure, Objective, PlanContent, PlanOwner, Step,
    UnitKind, ValueSource,
};
use sherpa_core::*;
use std::collections::HashMap;

/// Blank rows offered to add objectives, steps and blockers.
const BLANK_ROWS: usize = 1;

#[derive(Default, Clone)]
pub(crate) struct ObjectiveRow {
    key: String,
    title: String,
    kind: String,
    unit: String,
    baseline: String,
    baseline_on: String,
    baseline_source: String,
    target: String,
    target_on: String,
    /// entry, import, metric or event.
    source: String,
    metric: String,
    event: String,
    property: String,
    window: String,
    owner: String,
    first_value: bool,
}

#[derive(Default, Clone)]
pub(crate) struct StepRow {
    key: String,
    title: String,
    owner: String,
    due_on: String,
    done: bool,
}

#[derive(Default, Clone)]
pub(crate) struct BlockerRow {
    dimension: String,
    label: String,
    summary: String,
    severity: String,
    status: String,
    owner: String,
    raised_on: String,
    resolved_on: String,
    resolution: String,
    internal: bool,
}

#[derive(Template)]
#[template(path = "plan_edit.html")]
struct EditPage {
    nav: Nav,
    account: AccountId,
    account_name: String,
    template: String,
    /// Editing a live plan (else starting one).
    live: bool,
    success: String,
    value_drivers: String,
    objectives: Vec<ObjectiveRow>,
    steps: Vec<StepRow>,
    blockers: Vec<BlockerRow>,
    kinds: Vec<&'static str>,
    sources: &'static [(&'static str, &'static str)],
    metrics: Vec<(&'static str, &'static str)>,
    owners: Vec<(String, String)>,
    dimensions: Vec<String>,
    labels: Vec<String>,
    severities: Vec<&'static str>,
    error: Option<String>,
}

fn text(d: Option<impl ToString>) -> String {
    d.map(|x| x.to_string()).unwrap_or_default()
}

fn rows_of(c: &PlanContent) -> (Vec<ObjectiveRow>, Vec<StepRow>, Vec<BlockerRow>) {
    let objectives = c
        .objectives
        .iter()
        .map(|o| {
            let (source, metric, event, property, window) = match &o.source {
                ValueSource::Entry => ("entry", "", "", "", String::new()),
                ValueSource::Import => ("import", "", "", "", String::new()),
                ValueSource::Metric { metric } => {
                    ("metric", metric.as_str(), "", "", String::new())
                }
                ValueSource::Event {
                    event,
                    property,
                    window_days,
                } => (
                    "event",
                    "",
                    event.as_str(),
                    property.as_deref().unwrap_or(""),
                    window_days.to_string(),
                ),
                ValueSource::Feature {
                    feature,
                    share_of_seats,
                } => (
                    if *share_of_seats {
                        "feature_seats"
                    } else {
                        "feature"
                    },
                    "",
                    feature.as_str(),
                    "",
                    String::new(),
                ),
            };
            let m = &o.measure;
            ObjectiveRow {
                key: o.key.clone(),
                title: o.title.clone(),
                kind: m.kind.to_string(),
                unit: m.unit.clone(),
                baseline: m.baseline.normalize().to_string(),
                baseline_on: m.baseline_on.to_string(),
                baseline_source: m.baseline_source.clone(),
                target: m.target.normalize().to_string(),
                target_on: m.target_on.to_string(),
                source: source.into(),
                metric: metric.into(),
                event: event.into(),
                property: property.into(),
                window,
                owner: text(o.owner),
                first_value: o.first_value,
            }
        })
        .collect();
    let steps = c
        .steps
        .iter()
        .map(|s| StepRow {
            key: s.key.clone(),
            title: s.title.clone(),
            owner: text(s.owner),
            due_on: text(s.due_on),
            done: s.done,
        })
        .collect();
    let blockers = c
        .blockers
        .iter()
        .map(|b| BlockerRow {
            dimension: b.dimension.clone(),
            label: b.label.clone().unwrap_or_default(),
            summary: b.summary.clone(),
            severity: b.severity.to_string(),
            status: b.status.to_string(),
            owner: text(b.owner),
            raised_on: b.raised_on.to_string(),
            resolved_on: text(b.resolved_on),
            resolution: b.resolution.clone().unwrap_or_default(),
            internal: b.internal,
        })
        .collect();
    (objectives, steps, blockers)
}

/// What the form posted, as rows (blank rows dropped).
fn rows_from(form: &HashMap<String, String>) -> (Vec<ObjectiveRow>, Vec<StepRow>, Vec<BlockerRow>) {
    let v = |k: String| {
        form.get(&k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let first = v("first_value".into());
    let count = |prefix: &str| {
        form.keys()
            .filter_map(|k| {
                k.strip_prefix(prefix)?
                    .split('_')
                    .next()?
                    .parse::<usize>()
                    .ok()
            })
            .max()
            .map_or(0, |n| n + 1)
    };
    let objectives = (0..count("o"))
        .map(|i| ObjectiveRow {
            key: v(format!("o{i}_key")),
            title: v(format!("o{i}_title")),
            kind: v(format!("o{i}_kind")),
            unit: v(format!("o{i}_unit")),
            baseline: v(format!("o{i}_baseline")),
            baseline_on: v(format!("o{i}_baseline_on")),
            baseline_source: v(format!("o{i}_baseline_source")),
            target: v(format!("o{i}_target")),
            target_on: v(format!("o{i}_target_on")),
            source: v(format!("o{i}_source")),
            metric: v(format!("o{i}_metric")),
            event: v(format!("o{i}_event")),
            property: v(format!("o{i}_property")),
            window: v(format!("o{i}_window")),
            owner: v(format!("o{i}_owner")),
            first_value: first == i.to_string(),
        })
        .filter(|o| !o.title.is_empty())
        .collect();
    let steps = (0..count("s"))
        .map(|i| StepRow {
            key: v(format!("s{i}_key")),
            title: v(format!("s{i}_title")),
            owner: v(format!("s{i}_owner")),
            due_on: v(format!("s{i}_due_on")),
            done: !v(format!("s{i}_done")).is_empty(),
        })
        .filter(|s| !s.title.is_empty())
        .collect();
    let blockers = (0..count("b"))
        .map(|i| BlockerRow {
            dimension: v(format!("b{i}_dimension")),
            label: v(format!("b{i}_label")),
            summary: v(format!("b{i}_summary")),
            severity: v(format!("b{i}_severity")),
            status: v(format!("b{i}_status")),
            owner: v(format!("b{i}_owner")),
            raised_on: v(format!("b{i}_raised_on")),
            resolved_on: v(format!("b{i}_resolved_on")),
            resolution: v(format!("b{i}_resolution")),
            internal: !v(format!("b{i}_internal")).is_empty(),
        })
        .filter(|b| !b.summary.is_empty() || !b.label.is_empty())
        .collect();
    (objectives, steps, blockers)
}

fn bad(field: String, message: String) -> sherpa_app::Error {
    sherpa_app::Error::Invalid { field, message }
}

fn decimal(field: String, s: &str) -> sherpa_app::Result<Decimal> {
    s.replace(',', "")
        .parse()
        .map_err(|_| bad(field, format!("\"{s}\" is not a number")))
}

fn day(field: String, s: &str) -> sherpa_app::Result<chrono::NaiveDate> {
    s.parse()
        .map_err(|_| bad(field, format!("\"{s}\" is not a date (YYYY-MM-DD)")))
}

fn opt_day(field: String, s: &str) -> sherpa_app::Result<Option<chrono::NaiveDate>> {
    if s.is_empty() {
        Ok(None)
    } else {
        day(field, s).map(Some)
    }
}

fn owner(field: String, s: &str) -> sherpa_app::Result<Option<PlanOwner>> {
    if s.is_empty() {
        Ok(None)
    } else {
        s.parse().map(Some).map_err(|m| bad(field, m))
    }
}

fn vocab<T: std::str::FromStr>(field: String, s: &str) -> sherpa_app::Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| bad(field, e.to_string()))
}

/// The plan the rows say, or the first field that does not read.
fn content(
    success: &str,
    drivers: &str,
    o: &[ObjectiveRow],
    s: &[StepRow],
    b: &[BlockerRow],
) -> sherpa_app::Result<PlanContent> {
    let mut objectives = Vec::new();
    for (i, r) in o.iter().enumerate() {
        let f = |name: &str| format!("objectives[{i}].{name}");
        let source = match r.source.as_str() {
            "import" => ValueSource::Import,
            "metric" => ValueSource::Metric {
                metric: r.metric.clone(),
            },
            "event" => ValueSource::Event {
                event: r.event.clone(),
                property: Some(r.property.clone()).filter(|p| !p.is_empty()),
                window_days: r.window.parse().map_err(|_| {
                    bad(
                        f("source.window_days"),
                        format!("\"{}\" is not a number of days", r.window),
                    )
                })?,
            },
            "feature" | "feature_seats" => ValueSource::Feature {
                feature: r.event.clone(),
                share_of_seats: r.source == "feature_seats",
            },
            _ => ValueSource::Entry,
        };
        objectives.push(Objective {
            key: r.key.clone(),
            title: r.title.clone(),
            measure: Measure {
                kind: vocab::<UnitKind>(f("measure.kind"), &r.kind)?,
                unit: r.unit.clone(),
                baseline: decimal(f("measure.baseline"), &r.baseline)?,
                baseline_on: day(f("measure.baseline_on"), &r.baseline_on)?,
                baseline_source: r.baseline_source.clone(),
                target: decimal(f("measure.target"), &r.target)?,
                target_on: day(f("measure.target_on"), &r.target_on)?,
            },
            source,
            owner: owner(f("owner"), &r.owner)?,
            first_value: r.first_value,
        });
    }
    let mut steps = Vec::new();
    for (i, r) in s.iter().enumerate() {
        steps.push(Step {
            key: r.key.clone(),
            title: r.title.clone(),
            owner: owner(format!("steps[{i}].owner"), &r.owner)?,
            due_on: opt_day(format!("steps[{i}].due_on"), &r.due_on)?,
            done: r.done,
        });
    }
    let mut blockers = Vec::new();
    for (i, r) in b.iter().enumerate() {
        let f = |name: &str| format!("blockers[{i}].{name}");
        blockers.push(Blocker {
            dimension: r.dimension.clone(),
            label: Some(r.label.clone()).filter(|l| !l.is_empty()),
            summary: if r.summary.is_empty() {
                r.label.clone()
            } else {
                r.summary.clone()
            },
            severity: vocab::<BlockerSeverity>(f("severity"), &r.severity)?,
            status: vocab::<BlockerStatus>(f("status"), &r.status)?,
            owner: owner(f("owner"), &r.owner)?,
            raised_on: day(f("raised_on"), &r.raised_on)?,
            resolved_on: opt_day(f("resolved_on"), &r.resolved_on)?,
            resolution: Some(r.resolution.clone()).filter(|x| !x.is_empty()),
            internal: r.internal,
        });
    }
    Ok(PlanContent {
        success: success.to_string(),
        value_drivers: drivers.lines().map(String::from).collect(),
        objectives,
        steps,
        blockers,
    })
}

#[allow(clippy::too_many_arguments)]
async fn page(
    s: &AppState,
    c: &Current,
    id: AccountId,
    template: String,
    live: bool,
    success: String,
    value_drivers: String,
    rows: (Vec<ObjectiveRow>, Vec<StepRow>, Vec<BlockerRow>),
    error: Option<String>,
) -> Result<EditPage, Failure> {
    let acc = s.store.account(id).await?;
    let today = s.store.clock().today();
    let config = s.app.plans_config().await?;
    let users = s.store.users().await?;
    let contacts = s
        .store
        .contacts(&sherpa_store::ListQuery {
            account: Some(id),
            limit: 500,
            ..Default::default()
        })
        .await?;
    let mut owners: Vec<(String, String)> = vec![(String::new(), "nobody".into())];
    for (f, label) in [
        (OwnerFunction::Csm, "the account's CSM"),
        (OwnerFunction::Ae, "the account's AE"),
        (
            OwnerFunction::CustomerDevelopment,
            "the account's Customer Development",
        ),
        (
            OwnerFunction::ExecutiveSponsor,
            "the account's executive sponsor",
        ),
    ] {
        owners.push((f.to_string(), label.into()));
    }
    for u in users.iter().filter(|u| u.active) {
        owners.push((format!("user:{}", u.id), u.name.clone()));
    }
    for ct in contacts.iter().filter(|c| c.fields.departed_on.is_none()) {
        owners.push((
            format!("contact:{}", ct.id),
            format!("{} (customer)", ct.fields.name),
        ));
    }
    let (mut objectives, mut steps, mut blockers) = rows;
    for _ in 0..BLANK_ROWS {
        objectives.push(ObjectiveRow {
            kind: "other".into(),
            source: "entry".into(),
            baseline_on: today.to_string(),
            owner: "csm".into(),
            window: "7".into(),
            ..Default::default()
        });
        steps.push(StepRow {
            owner: "csm".into(),
            ..Default::default()
        });
        blockers.push(BlockerRow {
            // Chosen, or the label's own when it is one of the library's.
            dimension: String::new(),
            severity: "medium".into(),
            status: "open".into(),
            raised_on: today.to_string(),
            ..Default::default()
        });
    }
    Ok(EditPage {
        nav: Nav::new(c, "book"),
        account: id,
        account_name: acc.fields.name,
        template,
        live,
        success,
        value_drivers,
        objectives,
        steps,
        blockers,
        kinds: UnitKind::ALL.iter().map(|k| k.as_str()).collect(),
        sources: &super::template_form::SOURCES,
        metrics: METRICS.iter().map(|m| (m.key, m.name)).collect(),
        owners,
        dimensions: config.dimensions().names().to_vec(),
        labels: config.labels.iter().map(|l| l.label.clone()).collect(),
        severities: BlockerSeverity::ALL.iter().map(|s| s.as_str()).collect(),
        error,
    })
}

#[derive(Deserialize)]
pub struct EditParams {
    #[serde(default)]
    template: String,
}

/// The editor: the live plan, or a template's draft for a new one.
pub async fn form(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    Query(q): Query<EditParams>,
) -> PageResult {
    let id = account_id(&id)?;
    may_edit(&s, &c, id).await?;
    let live = s.app.plan(&c.caller(), id).await?;
    let (content, template) = match (&live, q.template.trim()) {
        (Some(p), _) => (p.content.clone(), p.template.clone().unwrap_or_default()),
        (None, "") => (PlanContent::default(), String::new()),
        (None, t) => (s.app.draft_plan(id, t).await?, t.to_string()),
    };
    let drivers = content.value_drivers.join("\n");
    let page = page(
        &s,
        &c,
        id,
        template,
        live.is_some(),
        content.success.clone(),
        drivers,
        rows_of(&content),
        None,
    )
    .await?;
    Ok(render(&page))
}

/// Saves the form as a new version: an update, or the quarterly refresh.
pub async fn save(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let id = account_id(&id)?;
    may_edit(&s, &c, id).await?;
    let form: HashMap<String, String> = fields.into_iter().collect();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let rows = rows_from(&form);
    let template = get("template");
    let outcome = match content(
        &get("success"),
        &get("value_drivers"),
        &rows.0,
        &rows.1,
        &rows.2,
    ) {
        Ok(content) => {
            s.app
                .save_plan(
                    &c.caller(),
                    SavePlan {
                        account: id,
                        content,
                        template: Some(template.clone()).filter(|t| !t.is_empty()),
                        refresh: get("save") == "refresh",
                    },
                )
                .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/accounts/{id}/plan")).into_response()),
        Err(e) => {
            let problem = super::super::problem(e)?;
            let live = s.store.plan(id).await?.is_some();
            let page = page(
                &s,
                &c,
                id,
                template,
                live,
                get("success"),
                get("value_drivers"),
                rows,
                Some(format!(
                    "The plan was not saved: {problem}. Nothing was changed."
                )),
            )
            .await?;
            let mut resp = render(&page);
            *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(resp)
        }
    }
}
