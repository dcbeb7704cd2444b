//! Seed 000's grading moments as tasks: "each account should first be graded by the sales team
//! upon close ... make this a closing task", then "re-evaluated once the Success team has a
//! chance to interact with the customer, generally within the first 30 days". A grading closes
//! the tasks it answers.

use super::GradingMoment;
use crate::book::{AccountId, Lifecycle, Priority, TaskFields, TaskSource, UserId};
use chrono::{Days, NaiveDate};

/// The task of a new account without a grade, for its AE.
pub const GRADE_AT_CLOSE: &str = "grade-at-close";
/// The CSM's re-grade once the account has been graded at close.
pub const REGRADE_FIRST_30_DAYS: &str = "regrade-first-30-days";
/// The CSM's "re-grade?" prompt when the account's state changed since its last grading.
pub const REGRADE_STATE_CHANGE: &str = "regrade-state-change";
/// ARR moved this share (percent) or more since the last grading.
pub const ARR_CHANGE_PERCENT: i64 = 20;
/// Product events of the last 30 days moved this share (percent) or more against the 30 before,
/// from at least `USAGE_BASELINE` events.
pub const USAGE_CHANGE_PERCENT: i64 = 50;
pub const USAGE_BASELINE: i64 = 100;
/// An account is new, and gets these tasks, this long after it started.
pub const NEW_FOR_DAYS: u64 = 90;
/// The AE grades within this many days of the start.
const AT_CLOSE_DAYS: u64 = 7;
/// The CSM re-grades within this many days of the start.
const FIRST_DAYS: u64 = 30;

/// What the grading tasks of one account depend on.
#[derive(Debug, Clone)]
pub struct GradingFacts {
    pub account: AccountId,
    pub name: String,
    /// Customer since, else the day the account was created.
    pub start: NaiveDate,
    pub lifecycle: Option<Lifecycle>,
    pub ae: Option<UserId>,
    pub csm: Option<UserId>,
    /// The moments of its gradings so far.
    pub gradings: Vec<GradingMoment>,
}

/// The grading task the account needs now, if any (opening it again is harmless: a task's
/// dedup key keeps one open per account).
pub fn grading_task(f: &GradingFacts, today: NaiveDate) -> Option<TaskFields> {
    let new = f.start.checked_add_days(Days::new(NEW_FOR_DAYS))? >= today;
    if !new || f.lifecycle == Some(Lifecycle::Churned) {
        return None;
    }
    let task = |title: String, owner, days, priority, reason: &str, key: &str| TaskFields {
        account_id: f.account,
        title,
        owner_id: owner,
        due_on: f.start.checked_add_days(Days::new(days)),
        priority,
        source: TaskSource::Grading,
        reason: reason.into(),
        dedup_key: Some(key.into()),
    };
    if f.gradings.is_empty() {
        return Some(task(
            format!("Grade {} at close", f.name),
            f.ae.or(f.csm),
            AT_CLOSE_DAYS,
            Priority::High,
            "A new account without a grade. The AE grades it at close, before the handoff: how big \
             could it be (A/B/C) and how likely is it to grow (1/2/3). Its tier, and so the time \
             the team gives it, follow from the grade.",
            GRADE_AT_CLOSE,
        ));
    }
    let regraded = f.gradings.iter().any(|m| *m != GradingMoment::AtClose);
    if !regraded && f.csm.is_some() {
        return Some(task(
            format!("Re-grade {} within its first 30 days", f.name),
            f.csm,
            FIRST_DAYS,
            Priority::Normal,
            "Graded at close by sales. The CSM re-grades within the first 30 days, once early \
             conversations and usage have shown more about its size and its will to grow.",
            REGRADE_FIRST_30_DAYS,
        ));
    }
    None
}

/// The grading tasks a grading at this moment answers.
pub fn answered_by(moment: GradingMoment) -> &'static [&'static str] {
    match moment {
        GradingMoment::AtClose => &[GRADE_AT_CLOSE],
        GradingMoment::First30Days => &[GRADE_AT_CLOSE, REGRADE_FIRST_30_DAYS],
        GradingMoment::StateChange => {
            &[GRADE_AT_CLOSE, REGRADE_FIRST_30_DAYS, REGRADE_STATE_CHANGE]
        }
    }
}

/// What may have changed since an account's last grading.
#[derive(Debug, Clone)]
pub struct StateFacts {
    pub account: AccountId,
    pub name: String,
    pub csm: Option<UserId>,
    pub grade: Option<super::Grade>,
    /// ARR (minor units) when last graded, and now.
    pub arr_at_grading: i64,
    pub arr_now: i64,
    /// Champions and economic buyers who left after the last grading, with their role.
    pub departed: Vec<(String, crate::book::RelationshipRole)>,
    /// Product events in the last 30 days and the 30 before, when usage data exists.
    pub usage: Option<(i64, i64)>,
}

/// The "re-grade?" prompt of seed 000's state changes, or none when nothing moved enough.
pub fn regrade_prompt(f: &StateFacts, today: NaiveDate) -> Option<TaskFields> {
    let grade = f.grade?;
    let mut why = Vec::new();
    for (who, role) in &f.departed {
        why.push(format!("{} {who} left", role.as_str().replace('_', " ")));
    }
    let moved = |before: i64, now: i64, percent: i64| {
        before > 0 && (now - before).abs() * 100 >= before * percent
    };
    if moved(f.arr_at_grading, f.arr_now, ARR_CHANGE_PERCENT) {
        let change = (f.arr_now - f.arr_at_grading) * 100 / f.arr_at_grading;
        why.push(format!("ARR {change:+}% since the grading"));
    }
    if let Some((last, before)) = f.usage
        && before >= USAGE_BASELINE
        && moved(before, last, USAGE_CHANGE_PERCENT)
    {
        let change = (last - before) * 100 / before;
        why.push(format!("product use {change:+}% over the last 30 days"));
    }
    if why.is_empty() {
        return None;
    }
    Some(TaskFields {
        account_id: f.account,
        title: format!("Re-grade {}? ({grade})", f.name),
        owner_id: f.csm,
        due_on: today.checked_add_days(Days::new(7)),
        priority: Priority::Normal,
        source: TaskSource::Grading,
        reason: format!(
            "The account's state changed since it was graded {grade}: {}. Re-grade when the account \
             changes, so that its tier, and the time it gets, follow.",
            why.join("; ")
        ),
        dedup_key: Some(REGRADE_STATE_CHANGE.into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn facts(start: &str, gradings: Vec<GradingMoment>) -> GradingFacts {
        GradingFacts {
            account: AccountId(1),
            name: "Viacom".into(),
            start: day(start),
            lifecycle: Some(Lifecycle::Onboarding),
            ae: Some(UserId(7)),
            csm: Some(UserId(8)),
            gradings,
        }
    }

    #[test]
    fn a_new_account_asks_its_ae_for_a_grade_then_its_csm_for_a_re_grade() {
        let today = day("2026-11-30");
        let t = grading_task(&facts("2026-11-25", vec![]), today).unwrap();
        assert_eq!(t.dedup_key.as_deref(), Some(GRADE_AT_CLOSE));
        assert_eq!(
            (t.owner_id, t.due_on),
            (Some(UserId(7)), Some(day("2026-12-02")))
        );
        let t = grading_task(&facts("2026-11-25", vec![GradingMoment::AtClose]), today).unwrap();
        assert_eq!(t.dedup_key.as_deref(), Some(REGRADE_FIRST_30_DAYS));
        assert_eq!(
            (t.owner_id, t.due_on),
            (Some(UserId(8)), Some(day("2026-12-25")))
        );
        let done = facts(
            "2026-11-25",
            vec![GradingMoment::AtClose, GradingMoment::First30Days],
        );
        assert!(grading_task(&done, today).is_none());
    }

    #[test]
    fn old_and_churned_accounts_and_accounts_graded_by_their_csm_get_no_task() {
        let today = day("2026-11-30");
        // 91 days after the start the account is no longer new.
        assert!(grading_task(&facts("2026-08-31", vec![]), today).is_none());
        assert!(grading_task(&facts("2026-09-01", vec![]), today).is_some());
        let mut churned = facts("2026-11-01", vec![]);
        churned.lifecycle = Some(Lifecycle::Churned);
        assert!(grading_task(&churned, today).is_none());
        assert!(
            grading_task(
                &facts("2026-11-01", vec![GradingMoment::First30Days]),
                today
            )
            .is_none()
        );
        // Without an AE the CSM grades it.
        let mut no_ae = facts("2026-11-20", vec![]);
        no_ae.ae = None;
        assert_eq!(
            grading_task(&no_ae, today).unwrap().owner_id,
            Some(UserId(8))
        );
    }

    #[test]
    fn a_grading_answers_the_tasks_of_its_moment() {
        assert_eq!(answered_by(GradingMoment::AtClose), &[GRADE_AT_CLOSE]);
        assert!(answered_by(GradingMoment::First30Days).contains(&REGRADE_FIRST_30_DAYS));
    }

    #[test]
    fn a_state_change_prompts_a_regrade_and_small_moves_do_not() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let mut f = StateFacts {
            account: AccountId(1),
            name: "Acme".into(),
            csm: Some(UserId(2)),
            grade: Some("A1".parse().unwrap()),
            arr_at_grading: 100_000,
            arr_now: 119_000,
            departed: vec![],
            usage: Some((149, 100)),
        };
        assert!(
            regrade_prompt(&f, today).is_none(),
            "19% ARR and +49% use: below both edges"
        );
        f.usage = Some((49, 100));
        let t = regrade_prompt(&f, today).unwrap();
        assert!(t.reason.contains("product use -51%"), "{}", t.reason);
        f.usage = Some((10, 40));
        f.arr_now = 120_000;
        assert!(
            regrade_prompt(&f, today)
                .unwrap()
                .reason
                .contains("ARR +20%")
        );
        f.arr_now = 100_000;
        assert!(
            regrade_prompt(&f, today).is_none(),
            "too little use to judge"
        );
        f.departed = vec![("Dana".into(), crate::book::RelationshipRole::Champion)];
        let t = regrade_prompt(&f, today).unwrap();
        assert!(t.reason.contains("champion Dana left"), "{}", t.reason);
        assert_eq!(t.dedup_key.as_deref(), Some(REGRADE_STATE_CHANGE));
        f.grade = None;
        assert!(
            regrade_prompt(&f, today).is_none(),
            "ungraded accounts get the grading tasks"
        );
    }
}
