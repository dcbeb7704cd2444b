//! "My tasks" (seed 002's calls to action as a CSM works them): the open tasks of the signed-in
//! person, or of a team member for leaders, in overdue / today / this week / later, each with
//! its account and why it exists, and the team view of who is behind. A task is done with an
//! outcome note, snoozed, or handed to someone else.

use crate::AppState;
use crate::web::session::Signed;
use crate::web::sorting::{Key, sort_rows};
use crate::web::{Failure, Nav, PageResult, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use chrono::Datelike;
use serde::Deserialize;
use sherpa_app::{TaskAction, WorkTask, WorkTasks};
use sherpa_core::{Role, TaskId, TaskStatus, UserId, title_beside_account};

struct Line {
    id: TaskId,
    title: String,
    /// Urgent or high: the row stands out.
    urgent: bool,
    account: String,
    account_id: String,
    due: String,
    due_on: Option<chrono::NaiveDate>,
    priority: String,
    /// Low 0 .. urgent 3: what the priority sorts by.
    rank: u8,
    reason: String,
}

struct Group {
    key: &'static str,
    label: &'static str,
    lines: Vec<Line>,
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    nav: Nav,
    /// Whose tasks: "My tasks" or "Casey's tasks".
    heading: String,
    owner: UserId,
    groups: Vec<Group>,
    total: usize,
    message: Option<String>,
    problem: Option<String>,
    done: Option<DoneTask>,
    /// The column each group is sorted by (`-` first: descending); empty: by due day.
    sort: String,
}

/// The columns each group of tasks sorts by.
const SORTS: [&str; 4] = ["task", "account", "due", "priority"];

impl TasksPage {
    fn sort_link(&self, field: &str) -> String {
        format!(
            "?{}",
            crate::web::format::query(&[
                ("user", &self.owner.to_string()),
                ("sort", &crate::web::format::next_sort(&self.sort, field)),
            ])
        )
    }

    fn aria_sort(&self, field: &str) -> &'static str {
        crate::web::format::aria_sort(&self.sort, field, "due")
    }
}

#[derive(Deserialize)]
pub struct TasksQuery {
    user: Option<String>,
    message: Option<String>,
    /// A bulk action refused, and why.
    problem: Option<String>,
    /// The task just done, which the page offers to undo.
    done: Option<String>,
    sort: Option<String>,
}

/// A task just marked done, shown with an Undo that opens it again.
pub struct DoneTask {
    pub id: TaskId,
    pub title: String,
    /// The list Undo goes back to: "today" or the owner's id.
    pub back: String,
}

/// The task a `done=` parameter names, while it is still done: a stale or foreign id shows
/// nothing (the Undo itself checks who may reopen it).
pub async fn done_task(s: &AppState, id: Option<&str>, back: String) -> Option<DoneTask> {
    let id: TaskId = id?.parse().ok()?;
    let task = s.store.task(id).await.ok()?;
    (task.status == TaskStatus::Done).then_some(DoneTask {
        id,
        title: task.fields.title,
        back,
    })
}

use sherpa_core::clock::week_end;

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(q): Query<TasksQuery>,
) -> PageResult {
    let me = &c.session.user;
    let owner = match q.user.as_deref().filter(|u| !u.is_empty()) {
        None => me.id,
        Some(u) => {
            let id: UserId = u
                .parse()
                .map_err(|_| Failure::not_found(format!("no user {u}")))?;
            if id != me.id && !matches!(me.role, Role::Admin | Role::Leader) {
                return Err(Failure::forbidden(
                    "only leaders and admins see another person's tasks",
                ));
            }
            id
        }
    };
    let users = s.store.users().await?;
    let who = users
        .iter()
        .find(|u| u.id == owner)
        .ok_or_else(|| Failure::not_found(format!("no user {owner}")))?;
    // The list's person's day, in their time zone.
    let today = s.app.today_of(who).await?;
    let end = week_end(today);
    let mut groups = vec![
        Group {
            key: "overdue",
            label: "Overdue",
            lines: vec![],
        },
        Group {
            key: "today",
            label: "Today",
            lines: vec![],
        },
        Group {
            key: "week",
            label: "This week",
            lines: vec![],
        },
        Group {
            key: "later",
            label: "Later",
            lines: vec![],
        },
        Group {
            key: "undated",
            label: "No due date",
            lines: vec![],
        },
    ];
    let tasks = s.store.open_tasks_of(owner).await?;
    let total = tasks.len();
    for (t, account) in tasks {
        let slot = match t.fields.due_on {
            Some(d) if d < today => 0,
            Some(d) if d == today => 1,
            Some(d) if d <= end => 2,
            Some(_) => 3,
            None => 4,
        };
        groups[slot].lines.push(Line {
            id: t.id,
            title: title_beside_account(&t.fields.title, &account).to_string(),
            urgent: t.fields.priority.stands_out(),
            account,
            account_id: t.fields.account_id.to_string(),
            due: t
                .fields
                .due_on
                .map(|d| d.format("%a %d %b").to_string())
                .unwrap_or_default(),
            due_on: t.fields.due_on,
            priority: t.fields.priority.to_string(),
            rank: t.fields.priority as u8,
            reason: t.fields.reason,
        });
    }
    let sort = q.sort.clone().unwrap_or_default();
    for g in &mut groups {
        sort_rows(&mut g.lines, &sort, &SORTS, |l, field| match field {
            "task" => Some(Key::text(&l.title)),
            "account" => Some(Key::text(&l.account)),
            "due" => l.due_on.map(|d| Key::number(d.num_days_from_ce())),
            _ => Some(Key::number(l.rank)),
        })?;
    }
    Ok(render(&TasksPage {
        nav: Nav::new(&c, "tasks"),
        heading: if owner == me.id {
            "My tasks".into()
        } else {
            format!("{}'s tasks", who.name)
        },
        owner,
        groups,
        total,
        message: q.message,
        problem: q.problem,
        done: done_task(&s, q.done.as_deref(), owner.to_string()).await,
        sort,
    }))
}

#[derive(Deserialize)]
pub struct TaskForm {
    /// done, snooze or reassign.
    action: String,
    #[serde(default)]
    outcome: String,
    /// Days to snooze.
    days: Option<u64>,
    to: Option<String>,
    /// Whose list to go back to.
    back: Option<String>,
    /// The list's sort, kept on the way back.
    #[serde(default)]
    sort: String,
}

/// Works one task; back to the list it was on.
pub async fn act(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    Form(f): Form<TaskForm>,
) -> PageResult {
    let id: TaskId = id
        .parse()
        .map_err(|_| Failure::not_found(format!("no task {id}")))?;
    let action = match f.action.as_str() {
        "done" => TaskAction::Done {
            outcome: Some(f.outcome.clone()),
        },
        "snooze" => TaskAction::Snooze {
            days: f.days.unwrap_or(7),
        },
        "reopen" => TaskAction::Reopen,
        "reassign" => TaskAction::Reassign {
            to: s
                .app
                .team_member("to", f.to.as_deref().unwrap_or_default())
                .await?,
        },
        other => return Err(Failure::bad_request(format!("no task action {other:?}"))),
    };
    let task = s
        .app
        .work_task(&c.caller(), WorkTask { task: id, action })
        .await?;
    let list = match f.back.as_deref().filter(|b| !b.is_empty()) {
        Some("today") => "/today?".to_string(),
        Some(u) => format!(
            "/tasks?{}&",
            crate::web::format::query(&[
                (
                    "user",
                    &u.parse::<UserId>()
                        .map_or(c.session.user.id, |u| u)
                        .to_string()
                ),
                ("sort", f.sort.trim()),
            ])
        ),
        None => "/tasks?".to_string(),
    };
    // The list says what was done, so a press on a phone is seen to have worked, and offers
    // to undo it; a reopened task says so.
    let said = match f.action.as_str() {
        "done" => crate::web::format::query(&[("done", &task.id.to_string())]),
        "reopen" => {
            crate::web::format::query(&[("message", &format!("Open again: {}", task.fields.title))])
        }
        _ => String::new(),
    };
    let to = format!("{list}{said}");
    Ok(Redirect::to(to.trim_end_matches(['?', '&'])).into_response())
}

/// The same action on the tasks ticked in a list; back to the list, saying what was done or
/// why nothing was.
pub async fn act_on_many(
    State(s): State<AppState>,
    Signed(c): Signed,
    body: axum::body::Bytes,
) -> PageResult {
    // `task` repeats, so the body is read as pairs.
    let form = crate::web::Ticked::read(&body)?;
    let get = |k: &str| form.get(k);
    let tasks = form.ids::<TaskId>("task")?;
    let back = get("back").parse::<UserId>().unwrap_or(c.session.user.id);
    let action = get("action");
    if !["done", "snooze", "reassign"].contains(&action.as_str()) {
        return Err(Failure::bad_request(format!("no task action {action:?}")));
    }
    // The person the tasks go to is named by the form's text, so a name nobody has is
    // refused like any other reason, on the list.
    let worked = async {
        let action = match action.as_str() {
            "done" => TaskAction::Done { outcome: None },
            "snooze" => TaskAction::Snooze { days: 7 },
            _ => TaskAction::Reassign {
                to: s.app.team_member("to", &get("to")).await?,
            },
        };
        let done = s
            .app
            .work_tasks(
                &c.caller(),
                WorkTasks {
                    tasks,
                    action: action.clone(),
                },
            )
            .await?;
        Ok::<_, sherpa_app::Error>((action, done))
    };
    let said = match worked.await {
        Ok((action, done)) => {
            let n = done.len();
            let tasks = if n == 1 { "task" } else { "tasks" };
            let words = match action {
                TaskAction::Done { .. } => format!("{n} {tasks} done."),
                TaskAction::Snooze { .. } => format!("{n} {tasks} snoozed a week."),
                TaskAction::Reassign { .. } => format!("{n} {tasks} handed over."),
                TaskAction::Reopen => format!("{n} {tasks} open again."),
            };
            crate::web::format::query(&[("message", &words)])
        }
        Err(e) => {
            let why = super::problem(e)?;
            crate::web::format::query(&[("problem", &format!("Nothing was changed: {why}"))])
        }
    };
    let list =
        crate::web::format::query(&[("user", &back.to_string()), ("sort", get("sort").trim())]);
    Ok(Redirect::to(&format!("/tasks?{list}&{said}")).into_response())
}

struct LoadLine {
    id: String,
    name: String,
    open: i64,
    overdue: i64,
    due_week: i64,
}

#[derive(Template)]
#[template(path = "tasks_team.html")]
struct TeamTasksPage {
    nav: Nav,
    loads: Vec<LoadLine>,
    unowned: i64,
}

/// Who is behind: each person's open, overdue and due-this-week tasks (leaders and admins).
pub async fn team(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    if !matches!(c.session.user.role, Role::Admin | Role::Leader) {
        return Err(Failure::forbidden(
            "the team's tasks are for leaders and admins",
        ));
    }
    let today = s.store.clock().today();
    let loads = s.store.task_loads(today, week_end(today)).await?;
    let users = s.store.users().await?;
    let unowned = loads
        .iter()
        .filter(|l| l.owner.is_none())
        .map(|l| l.open)
        .sum();
    Ok(render(&TeamTasksPage {
        nav: Nav::new(&c, "tasks"),
        loads: loads
            .into_iter()
            .filter_map(|l| {
                let u = users.iter().find(|u| Some(u.id) == l.owner)?;
                Some(LoadLine {
                    id: u.id.to_string(),
                    name: u.name.clone(),
                    open: l.open,
                    overdue: l.overdue,
                    due_week: l.due_by,
                })
            })
            .collect(),
        unowned,
    }))
}
