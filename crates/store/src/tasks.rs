//! Tasks (calls to action). A rule's dedup key keeps it from opening a second open task for
//! the same account: the database's partial unique index enforces it on both engines.

use crate::audit::record;
use crate::rows::{date, opt_date, parse, time};
use crate::sql::{Arg, Args};
use crate::{Result, Store, StoreError};
use sherpa_core::*;
use sqlx::FromRow;

#[derive(FromRow)]
struct TaskRow {
    id: i64,
    account_id: i64,
    title: String,
    owner_id: Option<i64>,
    due_on: Option<String>,
    priority: String,
    status: String,
    outcome: Option<String>,
    source: String,
    reason: String,
    dedup_key: Option<String>,
    created_at: String,
    closed_at: Option<String>,
}

/// A task with the at-risk playbook it belongs to.
#[derive(FromRow)]
struct PlaybookTaskRow {
    #[sqlx(flatten)]
    task: TaskRow,
    playbook_id: i64,
}

/// A task with its account's name.
#[derive(FromRow)]
struct NamedTaskRow {
    #[sqlx(flatten)]
    task: TaskRow,
    account_name: String,
}

impl Store {
    /// The open tasks of `owner` with their accounts' names, soonest due first (undated last):
    /// the "My tasks" page.
    pub async fn open_tasks_of(&self, owner: UserId) -> Result<Vec<(Task, String)>> {
        let columns: Vec<String> = TASK_COLUMNS.split(", ").map(|c| format!("t.{c}")).collect();
        let rows: Vec<NamedTaskRow> = sqlx::query_as(&format!(
            "SELECT {}, a.name AS account_name FROM tasks t JOIN accounts a ON a.id = t.account_id \
         WHERE t.owner_id = $1 AND t.status = 'open' \
         ORDER BY CASE WHEN t.due_on IS NULL THEN 1 ELSE 0 END, t.due_on, t.id LIMIT 5000",
            columns.join(", ")
        ))
        .bind(owner.0)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| Ok((Task::try_from(r.task)?, r.account_name)))
            .collect()
    }
}

const TASK_COLUMNS: &str = "id, account_id, title, owner_id, due_on, priority, status, outcome, source, reason, dedup_key, created_at, closed_at";

impl TryFrom<TaskRow> for Task {
    type Error = sqlx::Error;
    fn try_from(r: TaskRow) -> Result<Self, sqlx::Error> {
        Ok(Task {
            id: TaskId(r.id),
            fields: TaskFields {
                account_id: AccountId(r.account_id),
                title: r.title,
                owner_id: r.owner_id.map(UserId),
                due_on: date("due_on", &r.due_on)?,
                priority: parse("priority", &r.priority)?,
                source: parse("source", &r.source)?,
                reason: r.reason,
                dedup_key: r.dedup_key,
            },
            status: parse("status", &r.status)?,
            outcome: r.outcome,
            created_at: time("created_at", &r.created_at)?,
            closed_at: r
                .closed_at
                .as_deref()
                .map(|c| time("closed_at", c))
                .transpose()?,
        })
    }
}

/// Filters for task lists.
#[derive(Debug, Clone, Default)]
pub struct TaskQuery {
    pub owner: Option<UserId>,
    pub account: Option<AccountId>,
    pub status: Option<TaskStatus>,
    /// Due on or before this day.
    pub due_before: Option<chrono::NaiveDate>,
    /// Include archived tasks (closed long ago).
    pub archived: bool,
    pub after: Option<TaskId>,
    pub limit: i64,
}

fn task_json(t: &TaskFields, status: TaskStatus, outcome: &Option<String>) -> serde_json::Value {
    serde_json::json!({
        "account_id": t.account_id.to_string(), "title": t.title, "owner_id": t.owner_id.map(|o| o.to_string()),
        "due_on": opt_date(t.due_on), "priority": t.priority, "source": t.source, "reason": t.reason,
        "dedup_key": t.dedup_key, "status": status, "outcome": outcome,
    })
}

/// Marks an open task done by a rule (a grading, a logged touch), with the outcome and an audit
/// entry, inside the caller's transaction.
pub(crate) async fn close_done(
    conn: &mut sqlx::AnyConnection,
    now: &str,
    actor: &Actor,
    task: i64,
    account: AccountId,
    outcome: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE tasks SET status = 'done', outcome = $1, closed_at = $2, updated_at = $2 WHERE id = $3",
    )
    .bind(outcome)
    .bind(now)
    .bind(task)
    .execute(&mut *conn)
    .await?;
    crate::audit::record(
        conn,
        now,
        actor,
        "update",
        "task",
        task,
        Some(&serde_json::json!({"account_id": account.0, "status": "open"})),
        Some(&serde_json::json!({"account_id": account.0, "status": "done", "outcome": outcome})),
    )
    .await
}

/// A logged activity counts for a task opened up to this long after it (a call logged the
/// next day).
const LOGGED_LATE: chrono::Duration = chrono::Duration::days(1);

/// Closes each of the account's `open` tasks (id, opened at) that the logged activity
/// answers: one opened no later than a day after the activity. The outcome says how: "touched:
/// call on 2026-11-24", "answered: qbr on 2026-12-31".
pub(crate) async fn close_answered(
    conn: &mut sqlx::AnyConnection,
    now: &str,
    actor: &Actor,
    input: &ActivityInput,
    account: AccountId,
    open: Vec<(i64, String)>,
    how: &str,
) -> Result<()> {
    for (task, created) in open {
        if input.occurred_at + LOGGED_LATE < time("created_at", &created)? {
            continue;
        }
        let outcome = format!(
            "{how}: {} on {}",
            input.kind,
            input.occurred_at.date_naive()
        );
        close_done(conn, now, actor, task, account, &outcome).await?;
    }
    Ok(())
}

/// Opens a task inside the caller's transaction, with its audit entry; answers its id, or
/// nothing when the account already has an open task with its dedup key (the partial unique
/// index decides, so two servers racing open one).
pub(crate) async fn open_in(
    conn: &mut sqlx::AnyConnection,
    now: &str,
    actor: &Actor,
    t: &TaskFields,
) -> Result<Option<i64>> {
    let sql = format!(
        "INSERT INTO tasks ({}) VALUES ({}) ON CONFLICT DO NOTHING RETURNING id",
        OPEN_COLUMNS.join(", "),
        crate::sql::placeholders(0, OPEN_COLUMNS.len())
    );
    let id: Option<i64> = sqlx::query_scalar_with(&sql, Args(open_row(t, now)).into_arguments())
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(id) = id {
        record(
            conn,
            now,
            actor,
            "create",
            "task",
            id,
            None,
            Some(&opened_json(t)),
        )
        .await?;
    }
    Ok(id)
}

/// Opens many tasks at once, with an audit entry each, inside the caller's transaction; a
/// task whose rule already has one open on the account is not opened. Each task comes with a
/// tag of the caller's; answers the tag and id of each opened. A task without a rule's key is
/// opened on its own (only the key tells which row is which).
pub(crate) async fn open_many<T: Copy + Send + Sync>(
    conn: &mut sqlx::AnyConnection,
    engine: crate::Engine,
    now: &str,
    actor: &Actor,
    tasks: &[(T, &TaskFields)],
) -> Result<Vec<(T, i64)>> {
    let (keyed, single): (Vec<_>, Vec<_>) = tasks.iter().partition(|(_, t)| t.dedup_key.is_some());
    let mut out = Vec::with_capacity(tasks.len());
    for &(tag, t) in single {
        if let Some(id) = open_in(conn, now, actor, t).await? {
            out.push((tag, id));
        }
    }
    if keyed.is_empty() {
        return Ok(out);
    }
    let returned: Vec<(i64, i64, Option<String>)> = crate::bulk::upsert_rows_returning(
        &mut *conn,
        engine,
        "tasks",
        OPEN_COLUMNS.as_slice(),
        keyed.iter().map(|(_, t)| open_row(t, now)),
        "ON CONFLICT DO NOTHING",
        "id, account_id, dedup_key",
    )
    .await?;
    let mut ids: std::collections::HashMap<(i64, String), i64> = returned
        .into_iter()
        .filter_map(|(id, account, key)| Some(((account, key?), id)))
        .collect();
    let mut entries = Vec::new();
    for &(tag, t) in keyed {
        let key = (t.account_id.0, t.dedup_key.clone().unwrap_or_default());
        // The first of two alike is the one written.
        let Some(id) = ids.remove(&key) else { continue };
        out.push((tag, id));
        entries.push(crate::audit::Entry {
            action: "create",
            entity: "task",
            entity_id: id.to_string(),
            account_id: Some(t.account_id.0),
            before: None,
            after: Some(opened_json(t).to_string()),
        });
    }
    crate::audit::record_all(conn, engine, now, actor, entries).await?;
    Ok(out)
}

/// The columns a task is opened with; [`open_row`] gives their values.
pub(crate) const OPEN_COLUMNS: [&str; 11] = [
    "account_id",
    "title",
    "owner_id",
    "due_on",
    "priority",
    "status",
    "source",
    "reason",
    "dedup_key",
    "created_at",
    "updated_at",
];

/// The values of a task opened `now`, in the order of [`OPEN_COLUMNS`].
pub(crate) fn open_row(t: &TaskFields, now: &str) -> Vec<Arg> {
    vec![
        Arg::Int(t.account_id.0),
        Arg::Text(t.title.clone()),
        Arg::OptInt(t.owner_id.map(|o| o.0)),
        Arg::OptText(opt_date(t.due_on)),
        Arg::Text(t.priority.as_str().into()),
        Arg::Text(TaskStatus::Open.as_str().into()),
        Arg::Text(t.source.as_str().into()),
        Arg::Text(t.reason.clone()),
        Arg::OptText(t.dedup_key.clone()),
        Arg::Text(now.into()),
        Arg::Text(now.into()),
    ]
}

/// What the audit shows of a task just opened.
pub(crate) fn opened_json(t: &TaskFields) -> serde_json::Value {
    task_json(t, TaskStatus::Open, &None)
}

/// How long a done or cancelled task stays in the lists before it is archived.
pub const ARCHIVE_AFTER_DAYS: i64 = 90;

impl Store {
    /// Archives tasks done or cancelled more than [`ARCHIVE_AFTER_DAYS`] ago; answers how many.
    /// They stay in the database and in `?archived=true` lists.
    pub async fn archive_tasks(&self) -> Result<u64> {
        let now = self.now();
        let before = sherpa_core::text::timestamp(
            self.clock().now() - chrono::Duration::days(ARCHIVE_AFTER_DAYS),
        );
        let mut tx = self.write_tx().await?;
        let n = sqlx::query(
            "UPDATE tasks SET archived_at = $1 WHERE archived_at IS NULL AND status <> 'open' AND closed_at < $2",
        )
        .bind(&now)
        .bind(&before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    pub async fn task(&self, id: TaskId) -> Result<Task> {
        let row: Option<TaskRow> =
            sqlx::query_as(&format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
        row.map(Task::try_from)
            .transpose()?
            .ok_or_else(|| StoreError::not_found("task", id))
    }

    /// The tasks of the account's at-risk playbooks, by playbook, oldest task first: one read
    /// for all of them.
    pub(crate) async fn playbook_tasks(
        &self,
        account: AccountId,
    ) -> Result<std::collections::HashMap<i64, Vec<Task>>> {
        let rows: Vec<PlaybookTaskRow> = sqlx::query_as(&format!(
            "SELECT {TASK_COLUMNS}, playbook_id FROM tasks \
             WHERE account_id = $1 AND playbook_id IS NOT NULL ORDER BY id"
        ))
        .bind(account.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out: std::collections::HashMap<i64, Vec<Task>> = Default::default();
        for r in rows {
            out.entry(r.playbook_id)
                .or_default()
                .push(Task::try_from(r.task)?);
        }
        Ok(out)
    }

    pub async fn tasks(&self, q: &TaskQuery) -> Result<Vec<Task>> {
        let rows: Vec<TaskRow> = sqlx::query_as(&format!(
            "SELECT {TASK_COLUMNS} FROM tasks WHERE ($1 IS NULL OR owner_id = $1) AND ($2 IS NULL OR account_id = $2) \
             AND ($3 IS NULL OR status = $3) AND id > $4 AND ($6 IS NULL OR due_on <= $6) AND ($7 = 1 OR archived_at IS NULL) ORDER BY id LIMIT $5"
        ))
        .bind(q.owner.map(|o| o.0))
        .bind(q.account.map(|a| a.0))
        .bind(q.status.map(|s| s.as_str()))
        .bind(q.after.map(|a| a.0).unwrap_or(0))
        .bind(q.limit.clamp(1, 1000))
        .bind(opt_date(q.due_before))
        .bind(i64::from(q.archived))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(Task::try_from)
            .collect::<Result<_, _>>()?)
    }

    /// Opens a task. When the fields carry a dedup key and an open task with that key exists for
    /// the account, that task is returned and nothing new is opened.
    pub async fn open_task(&self, actor: &Actor, t: &TaskFields) -> Result<(Task, bool)> {
        if t.title.trim().is_empty() {
            return Err(StoreError::invalid("title", "title is required"));
        }
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let Some(id) = open_in(&mut tx, &now, actor, t).await? else {
            // An open task of the same rule: that one stands.
            tx.rollback().await?;
            let open: (i64,) = sqlx::query_as(
                "SELECT id FROM tasks WHERE account_id = $1 AND dedup_key = $2 AND status = 'open'",
            )
            .bind(t.account_id.0)
            .bind(t.dedup_key.as_deref())
            .fetch_one(&self.pool)
            .await?;
            return Ok((self.task(TaskId(open.0)).await?, false));
        };
        tx.commit().await?;
        Ok((self.task(TaskId(id)).await?, true))
    }

    /// Closes or reopens a task, or changes its owner, due date or priority.
    pub async fn update_task(
        &self,
        actor: &Actor,
        id: TaskId,
        change: &TaskChange,
    ) -> Result<Task> {
        let before = self.task(id).await?;
        let mut f = before.fields.clone();
        if let Some(o) = change.owner {
            f.owner_id = o;
        }
        if let Some(d) = change.due_on {
            f.due_on = d;
        }
        if let Some(p) = change.priority {
            f.priority = p;
        }
        let new_status = change.status.unwrap_or(before.status);
        let new_outcome = change.outcome.clone().unwrap_or(before.outcome.clone());
        let now = self.now();
        let closed_at = match (before.status, new_status) {
            (_, TaskStatus::Open) => None,
            (TaskStatus::Open, _) => Some(now.clone()),
            _ => before.closed_at.map(sherpa_core::text::timestamp),
        };
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE tasks SET owner_id = $1, due_on = $2, priority = $3, status = $4, outcome = $5, closed_at = $6, \
             updated_at = $7 WHERE id = $8",
        )
        .bind(f.owner_id.map(|o| o.0))
        .bind(opt_date(f.due_on))
        .bind(f.priority.as_str())
        .bind(new_status.as_str())
        .bind(new_outcome.as_deref())
        .bind(closed_at)
        .bind(&now)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, || "an open task for the same rule and account already exists".into()))?;
        let today = text::date(self.clock().today());
        if new_status == TaskStatus::Done && before.status != TaskStatus::Done {
            // A plan step's task done is the step done: an update of the plan. The day it
            // replaces is kept, for an undo.
            sqlx::query(
                "UPDATE plan_step_tasks SET plan_updated_before = (SELECT s.updated_on \
                 FROM success_plans s WHERE s.account_id = plan_step_tasks.account_id) \
                 WHERE task_id = $1",
            )
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE success_plans SET updated_on = $1 WHERE account_id IN \
                 (SELECT account_id FROM plan_step_tasks WHERE task_id = $2)",
            )
            .bind(&today)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        } else if new_status == TaskStatus::Open && before.status == TaskStatus::Done {
            // Undone: the plan was not updated after all, unless something else updated it on
            // a later day than the Done's.
            let done_on = before
                .closed_at
                .map_or(today.clone(), |t| text::date(t.date_naive()));
            sqlx::query(
                "UPDATE success_plans SET updated_on = (SELECT l.plan_updated_before \
                 FROM plan_step_tasks l WHERE l.task_id = $2) \
                 WHERE updated_on = $1 AND account_id IN (SELECT account_id FROM plan_step_tasks \
                 WHERE task_id = $2 AND plan_updated_before IS NOT NULL)",
            )
            .bind(&done_on)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE plan_step_tasks SET plan_updated_before = NULL WHERE task_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        record(
            &mut tx,
            &now,
            actor,
            "update",
            "task",
            id,
            Some(&task_json(&before.fields, before.status, &before.outcome)),
            Some(&task_json(&f, new_status, &new_outcome)),
        )
        .await?;
        tx.commit().await?;
        self.task(id).await
    }
}
