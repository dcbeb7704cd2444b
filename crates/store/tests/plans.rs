//! Plans written with their history at once (a whole book's, as the demo loads them) read back
//! as the same plans saved version by version would: the versions, the steps' open tasks and
//! the audit trail, with the days the history gives.

mod support;

use sherpa_core::demo::DemoBook;
use sherpa_core::*;
use sherpa_store::{AuditQuery, PlanChange, PlanHistory, PlanSave, StoreError};

/// The tasks a plan's open steps open on `account`.
fn step_tasks(
    account: AccountId,
    content: &sherpa_core::plan::PlanContent,
) -> Vec<(String, TaskFields)> {
    content
        .steps
        .iter()
        .filter(|s| !s.done)
        .map(|s| {
            let task = TaskFields {
                account_id: account,
                title: format!("Plan step: {}", s.title),
                owner_id: Some(UserId(1)),
                due_on: s.due_on,
                priority: Priority::Normal,
                source: TaskSource::Plan,
                reason: "a step of the success plan".into(),
                dedup_key: Some(format!("plan-step:{}", s.key)),
            };
            (s.key.clone(), task)
        })
        .collect()
}

/// What the audit trail says happened on an account, in order.
async fn trail(store: &sherpa_store::Store, account: AccountId) -> Vec<(String, String)> {
    let q = AuditQuery {
        account_id: Some(account),
        limit: 1_000,
        ..Default::default()
    };
    let mut out: Vec<_> = store
        .audit_entries(&q)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.entity, e.action))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn a_plan_written_with_its_history_reads_back_like_one_saved_version_by_version() {
    let db = support::TestDb::new().await;
    let store = &db.store;
    let today = db.clock.today();
    let book = DemoBook::new(80, 42, today);
    store
        .load_demo(&book, "$argon2id$x", &|_, _| {})
        .await
        .unwrap();
    // A reviewed plan with steps still to do, and an account without a plan to save it on.
    let (i, plan) = (0..book.accounts)
        .find_map(|i| {
            let p = book.plan(&book.account(i))?;
            let open = p.content.steps.iter().any(|s| !s.done);
            (open && p.refreshed_on > p.started_on).then_some((i, p))
        })
        .expect("the demo has a reviewed plan with open steps");
    let whole = AccountId(i as i64 + 1);
    let stepwise = (0..book.accounts)
        .find(|j| book.plan(&book.account(*j)).is_none())
        .map(|j| AccountId(j as i64 + 1))
        .expect("the demo has accounts without a plan");
    let actor = Actor::system("test");

    let history = PlanHistory {
        account: whole,
        content: plan.content.clone(),
        template: Some(plan.template.to_string()),
        versions: vec![
            (PlanChange::Start, "plan started".into(), plan.started_on),
            (PlanChange::Refresh, "reviewed".into(), plan.refreshed_on),
        ],
        updated_on: plan.updated_on,
        open_steps: step_tasks(whole, &plan.content),
    };
    assert_eq!(
        store
            .save_plan_histories(&actor, std::slice::from_ref(&history))
            .await
            .unwrap(),
        1
    );
    for (change, changes, open_steps) in [
        (
            PlanChange::Start,
            "plan started",
            step_tasks(stepwise, &plan.content),
        ),
        (PlanChange::Refresh, "reviewed", Vec::new()),
    ] {
        let save = PlanSave {
            account: stepwise,
            content: plan.content.clone(),
            template: Some(plan.template.to_string()),
            change,
            changes: vec![changes.into()],
            open_steps,
            close_tasks: Vec::new(),
        };
        store.save_plan(&actor, save).await.unwrap();
    }

    let a = store.plan(whole).await.unwrap().expect("written");
    let b = store.plan(stepwise).await.unwrap().expect("saved");
    assert_eq!(
        (a.version, &a.content, &a.template),
        (b.version, &b.content, &b.template)
    );
    assert_eq!(a.started_on, plan.started_on, "the history's first day");
    assert_eq!(a.dates.refreshed_on, plan.refreshed_on);
    assert_eq!(a.dates.updated_on, plan.updated_on);
    let mut steps: Vec<_> = a.step_tasks.keys().cloned().collect();
    let mut theirs: Vec<_> = b.step_tasks.keys().cloned().collect();
    steps.sort();
    theirs.sort();
    assert!(!steps.is_empty());
    assert_eq!(steps, theirs, "each open step has its task");
    assert!(a.step_tasks.values().all(|(_, s)| *s == TaskStatus::Open));

    let va = store.plan_versions(whole).await.unwrap();
    let vb = store.plan_versions(stepwise).await.unwrap();
    let shape = |v: &[sherpa_store::PlanVersion]| -> Vec<_> {
        v.iter()
            .map(|v| {
                (
                    v.version,
                    v.kind.clone(),
                    v.changes.clone(),
                    v.content.clone(),
                )
            })
            .collect()
    };
    assert_eq!(shape(&va), shape(&vb));
    let days: Vec<_> = va.iter().map(|v| v.made_on).collect();
    let mut expected = vec![plan.started_on, plan.refreshed_on];
    expected.sort();
    let mut sorted = days.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "each version on its day");
    assert_eq!(trail(store, whole).await, trail(store, stepwise).await);

    // Written again, the batch is refused whole and nothing changes.
    let again = store
        .save_plan_histories(&actor, std::slice::from_ref(&history))
        .await
        .unwrap_err();
    assert!(
        matches!(&again, StoreError::Conflict(m) if m.contains("already has a success plan")),
        "{again}"
    );
    assert_eq!(store.plan_versions(whole).await.unwrap().len(), 2);
    assert_eq!(trail(store, whole).await, trail(store, stepwise).await);
}

/// A plan step's task done is an update of the plan that day; undoing it (a Done pressed by
/// mistake) takes that update back, so the plan does not look kept up when it was not.
#[tokio::test]
async fn a_step_done_updates_the_plan_and_its_undo_takes_that_back() {
    let db = support::TestDb::new().await;
    let store = &db.store;
    let today = db.clock.today();
    let book = DemoBook::new(80, 42, today);
    store
        .load_demo(&book, "$argon2id$x", &|_, _| {})
        .await
        .unwrap();
    // A plan with steps still to do, written with its history, last updated before today.
    let (i, plan) = (0..book.accounts)
        .find_map(|i| {
            let p = book.plan(&book.account(i))?;
            let open = p.content.steps.iter().any(|s| !s.done);
            (open && p.updated_on < today).then_some((i, p))
        })
        .expect("the demo has a plan with open steps");
    let account = AccountId(i as i64 + 1);
    let history = PlanHistory {
        account,
        content: plan.content.clone(),
        template: Some(plan.template.to_string()),
        versions: vec![(PlanChange::Start, "plan started".into(), plan.started_on)],
        updated_on: plan.updated_on,
        open_steps: step_tasks(account, &plan.content),
    };
    store
        .save_plan_histories(&Actor::system("test"), std::slice::from_ref(&history))
        .await
        .unwrap();
    let stored = store.plan(account).await.unwrap().unwrap();
    let (before, task) = (
        stored.dates.updated_on,
        stored.step_tasks.values().next().expect("a step's task").0,
    );
    assert_eq!(before, plan.updated_on);
    let updated_on = || async { store.plan(account).await.unwrap().unwrap().dates.updated_on };
    let actor = Actor::system("test");
    let change = |status: TaskStatus, outcome: Option<String>| TaskChange {
        status: Some(status),
        outcome: Some(outcome),
        ..Default::default()
    };
    store
        .update_task(&actor, task, &change(TaskStatus::Done, Some("done".into())))
        .await
        .unwrap();
    assert_eq!(updated_on().await, today, "the step done updates the plan");
    store
        .update_task(&actor, task, &change(TaskStatus::Open, None))
        .await
        .unwrap();
    assert_eq!(updated_on().await, before, "the undo takes the update back");
    // Done again and left done: the plan is updated that day.
    store
        .update_task(&actor, task, &change(TaskStatus::Done, None))
        .await
        .unwrap();
    assert_eq!(updated_on().await, today);
}
