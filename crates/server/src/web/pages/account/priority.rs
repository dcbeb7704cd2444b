//! Grade and tier on the account 360 (seeds 000, 001): the current grade and tier with their
//! history, the grading form (the AE at close, the CSM within 30 days or on a state change) and
//! the tier decision or override.

use super::{account_id, refused};
use crate::AppState;
use crate::web::pages::{number, problem};
use crate::web::session::Signed;
use crate::web::{PageResult, format};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sherpa_app::{ChooseTier, GradeAccount};
use sherpa_core::prioritise::*;
use sherpa_core::*;
use sherpa_store::{Store, StoreError};

/// How many gradings the page lists.
const HISTORY: usize = 5;

pub(super) struct GradingLine {
    pub grade: String,
    pub moment: &'static str,
    pub potential: String,
    pub reason: String,
    pub when: String,
}

/// What the account page shows of the account's priority.
pub(super) struct PrioritySection {
    /// "A1", or empty when ungraded.
    pub grade: String,
    /// "Tier 1", "needs a tier decision", or empty.
    pub tier: String,
    pub decision_needed: bool,
    /// The two tiers a decision chooses between.
    pub between: Vec<u8>,
    /// "decided: quick call" or "override: strategic logo".
    pub choice: String,
    pub potential: String,
    pub gradings: Vec<GradingLine>,
    pub may_grade: bool,
    /// The grading moments this person may grade at (the AE: at close only).
    pub moments: &'static [GradingMoment],
    /// Deciding between a grade's two tiers, and the 9-box: the CS team.
    pub may_decide: bool,
    /// Overriding the grid: a leader.
    pub may_override: bool,
    /// "1. High touch", or empty when no segment is applied.
    pub segment: String,
    /// "Heavily invest (3-3), 2026-Q4", or empty when never placed.
    pub nine_box: String,
    /// The quarter a placement from the page is for.
    pub quarter: String,
    /// "Tier 1: a weekly personal touch; due by 29 Nov 2026", or empty without a tier.
    pub cadence: String,
    /// The personal touch of this period is overdue.
    pub touch_overdue: bool,
}

fn moment_label(m: GradingMoment) -> &'static str {
    match m {
        GradingMoment::AtClose => "at close",
        GradingMoment::First30Days => "within the first 30 days",
        GradingMoment::StateChange => "on a state change",
    }
}

impl PrioritySection {
    pub fn moment_label(m: &GradingMoment) -> &'static str {
        moment_label(*m)
    }
}

pub(super) async fn section(
    store: &Store,
    a: &Account,
    me: &User,
) -> Result<PrioritySection, StoreError> {
    let p = &a.priority;
    let rules = store.prioritisation_rules().await?;
    let grid = rules.grid;
    let between = match p.grade.map(|g| grid.cell(g)) {
        Some(TierCell::Between(x, y)) => vec![x.get(), y.get()],
        _ => Vec::new(),
    };
    let gradings = store
        .gradings(a.id)
        .await?
        .into_iter()
        .take(HISTORY)
        .map(|g| GradingLine {
            grade: g.grade.to_string(),
            moment: moment_label(g.moment),
            potential: format::money(&g.potential),
            reason: g.reason,
            when: format::date(Some(g.at.date_naive())),
        })
        .collect();
    let today = store.clock().today();
    let touch = store
        .tasks(&sherpa_store::TaskQuery {
            account: Some(a.id),
            status: Some(TaskStatus::Open),
            limit: 100,
            ..Default::default()
        })
        .await?
        .into_iter()
        .find(|t| t.fields.dedup_key.as_deref() == Some(PERSONAL_TOUCH));
    let touch_overdue = touch
        .as_ref()
        .and_then(|t| t.fields.due_on)
        .is_some_and(|d| d < today);
    let cadence = match p.tier.and_then(|t| {
        rules
            .cadences
            .cadences()
            .ok()?
            .into_iter()
            .find(|c| c.tier == t)
    }) {
        None => String::new(),
        Some(c) => format!(
            "{}: a personal touch {}; {}",
            c.tier,
            c.describe(),
            match touch.and_then(|t| t.fields.due_on) {
                Some(d) if d < today => format!("overdue since {}", format::date(Some(d))),
                Some(d) => format!("due by {}", format::date(Some(d))),
                None => "done for this period".into(),
            }
        ),
    };
    Ok(PrioritySection {
        grade: p.grade.map(|g| g.to_string()).unwrap_or_default(),
        tier: match (p.tier, p.tier_decision_needed) {
            (Some(t), _) => t.to_string(),
            (None, true) => "needs a tier decision".into(),
            (None, false) => String::new(),
        },
        decision_needed: p.tier_decision_needed,
        between,
        choice: p
            .tier_choice
            .as_ref()
            .map(|c| match c.kind {
                TierChoiceKind::Decision => format!("decided: {}", c.reason),
                TierChoiceKind::Override => format!("override: {}", c.reason),
            })
            .unwrap_or_default(),
        potential: p.potential.as_ref().map(format::money).unwrap_or_default(),
        gradings,
        may_grade: me.may_grade(&a.fields.owners, true).is_ok(),
        moments: if me.may_grade(&a.fields.owners, false).is_ok() {
            GradingMoment::ALL
        } else {
            &[GradingMoment::AtClose]
        },
        may_decide: me.may_decide_tier(&a.fields.owners).is_ok(),
        may_override: me.may_override_tier().is_ok(),
        segment: p
            .segment
            .map(|n| format!("{n}. {}", rules.pareto.name(n)))
            .unwrap_or_default(),
        nine_box: p
            .nine_box
            .map(|(q, b)| format!("{} ({}), {q}", rules.nine_box_labels.label(b), b.code()))
            .unwrap_or_default(),
        quarter: Quarter::of(store.clock().today()).to_string(),
        cadence,
        touch_overdue,
    })
}

#[derive(Deserialize)]
pub struct GradeForm {
    potential_value: String,
    growth: String,
    moment: String,
    reason: String,
}

/// Back to the account's grade and tier when saved; the page with the rule that refused it
/// otherwise.
async fn answer<T>(
    s: &AppState,
    c: &crate::web::session::Current,
    id: AccountId,
    result: sherpa_app::Result<T>,
) -> PageResult {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/accounts/{id}?saved=1#priority")).into_response()),
        Err(e) => refused(s, c, id, problem(e)?).await,
    }
}

pub async fn grade(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<GradeForm>,
) -> PageResult {
    let id = account_id(&id)?;
    let result = async {
        let cmd = GradeAccount {
            account: id,
            potential: GradeAccount::potential_value(&f.potential_value)?,
            growth: GradeAccount::growth(number("growth", &f.growth)?)?,
            moment: GradeAccount::moment(&f.moment)?,
            reason: f.reason,
        };
        s.app.grade_account(&c.caller(), cmd).await
    }
    .await;
    answer(&s, &c, id, result).await
}

#[derive(Deserialize)]
pub struct TierForm {
    /// 1, 2, 3, or "grid" to follow the grid again.
    tier: String,
    /// decision or override; left out, [`sherpa_core::prioritise::TierChoiceKind::unstated`]
    /// decides.
    #[serde(default)]
    kind: String,
    reason: String,
}

pub async fn tier(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<TierForm>,
) -> PageResult {
    let id = account_id(&id)?;
    let result = async {
        let cmd = ChooseTier {
            account: id,
            tier: match f.tier.trim() {
                "grid" => None,
                t => Some(ChooseTier::tier(number("tier", t)?)?),
            },
            kind: Some(f.kind.trim())
                .filter(|k| !k.is_empty())
                .map(ChooseTier::kind)
                .transpose()?,
            reason: f.reason,
        };
        s.app.choose_tier(&c.caller(), cmd).await
    }
    .await;
    answer(&s, &c, id, result).await
}
