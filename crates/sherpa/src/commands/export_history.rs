//! `sherpa export tasks|activities|health|usage|audit`: the work and the history of the book,
//! for a spreadsheet or another tool. Unlike the book's own exports these are records, not
//! import files: each row names its account by Sherpa's id and CRM id.

use sherpa_core::Account;
use sherpa_core::export::{Column, Table};
use sherpa_core::text::{date, timestamp};
use sherpa_core::*;
use sherpa_store::{AuditQuery, Store, TaskQuery};
use std::collections::HashMap;

/// How far back the usage export reaches: the year the pages show.
const USAGE_DAYS: u64 = 365;

/// The account columns every history row starts with.
const ACCOUNT: [&str; 3] = ["account_sherpa_id", "account_external_id", "account"];

fn account_cells(a: &Account) -> Vec<String> {
    vec![
        a.id.to_string(),
        a.fields.external_id.clone().unwrap_or_default(),
        a.fields.name.clone(),
    ]
}

fn table(headers: &[&str]) -> Table {
    let mut all: Vec<&str> = ACCOUNT.to_vec();
    all.extend_from_slice(headers);
    Table::new(&all).with(Column::Text, &ACCOUNT[..2])
}

pub async fn tasks(
    store: &Store,
    accounts: &[Account],
    emails: &HashMap<UserId, String>,
) -> anyhow::Result<Table> {
    let by_id: HashMap<AccountId, &Account> = accounts.iter().map(|a| (a.id, a)).collect();
    let mut t = table(&[
        "task_id",
        "title",
        "reason",
        "owner_email",
        "due_on",
        "priority",
        "source",
        "status",
        "outcome",
        "created_at",
        "closed_at",
    ])
    .with(Column::Text, &["task_id"]);
    let mut after = None;
    loop {
        let page = store
            .tasks(&TaskQuery {
                archived: true,
                after,
                limit: 1000,
                ..Default::default()
            })
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for task in page {
            let Some(a) = by_id.get(&task.fields.account_id) else {
                continue;
            };
            let f = &task.fields;
            let mut row = account_cells(a);
            row.extend([
                task.id.to_string(),
                f.title.clone(),
                f.reason.clone(),
                f.owner_id
                    .and_then(|u| emails.get(&u).cloned())
                    .unwrap_or_default(),
                f.due_on.map(date).unwrap_or_default(),
                f.priority.to_string(),
                f.source.to_string(),
                task.status.to_string(),
                task.outcome.clone().unwrap_or_default(),
                timestamp(task.created_at),
                task.closed_at.map(timestamp).unwrap_or_default(),
            ]);
            t.rows.push(row);
        }
    }
    Ok(t)
}

pub async fn activities(
    store: &Store,
    accounts: &[Account],
    emails: &HashMap<UserId, String>,
) -> anyhow::Result<Table> {
    let mut t = table(&[
        "activity_id",
        "external_id",
        "kind",
        "occurred_at",
        "user_email",
        "summary",
    ])
    .with(Column::Text, &["activity_id", "external_id"]);
    for a in accounts {
        let mut before = None;
        loop {
            let page = store.timeline(a.id, before, 500).await?;
            let Some(last) = page.last() else { break };
            before = Some((last.fields.occurred_at, last.id));
            for act in page {
                let f = &act.fields;
                let mut row = account_cells(a);
                row.extend([
                    act.id.to_string(),
                    f.external_id.clone().unwrap_or_default(),
                    f.kind.to_string(),
                    timestamp(f.occurred_at),
                    f.user_id
                        .and_then(|u| emails.get(&u).cloned())
                        .unwrap_or_default(),
                    f.summary.clone(),
                ]);
                t.rows.push(row);
            }
        }
    }
    Ok(t)
}

/// Every health snapshot (daily, and at each colour change), newest first per account.
pub async fn health(store: &Store, accounts: &[Account]) -> anyhow::Result<Table> {
    let mut t = table(&[
        "taken_at",
        "score",
        "colour",
        "from_colour",
        "scorecard",
        "reason",
    ]);
    for a in accounts {
        for s in store.health_history(a.id).await? {
            let mut row = account_cells(a);
            row.extend([
                timestamp(s.taken_at),
                s.score.map(|v| format!("{v:.1}")).unwrap_or_default(),
                s.colour.map(|c| c.to_string()).unwrap_or_default(),
                s.from_colour.map(|c| c.to_string()).unwrap_or_default(),
                s.scorecard,
                s.reason,
            ]);
            t.rows.push(row);
        }
    }
    Ok(t)
}

/// The daily usage rollups of the last year, days with usage only.
pub async fn usage(store: &Store, accounts: &[Account]) -> anyhow::Result<Table> {
    let to = store.clock().today();
    let from = to - chrono::Days::new(USAGE_DAYS - 1);
    let counts = [
        "events",
        "page_views",
        "active_users",
        "seats_in_use",
        "features_used",
    ];
    let mut headers = vec!["day"];
    headers.extend(counts);
    let mut t = table(&headers).with(Column::Whole, &counts);
    for a in accounts {
        for d in store.usage(a.id, from, to).await? {
            let mut row = account_cells(a);
            row.push(date(d.day));
            row.extend(
                [
                    d.events,
                    d.page_views,
                    d.active_users,
                    d.seats_in_use,
                    d.features_used,
                ]
                .map(|n| n.to_string()),
            );
            t.rows.push(row);
        }
    }
    Ok(t)
}

/// The audit log, newest first: who changed what, when, and the record before and after.
pub async fn audit(store: &Store, emails: &HashMap<UserId, String>) -> anyhow::Result<Table> {
    let mut t = Table::new(&[
        "audit_id",
        "at",
        "by",
        "via",
        "action",
        "entity",
        "entity_id",
        "before",
        "after",
    ])
    .with(Column::Text, &["audit_id", "entity_id"]);
    let mut before_id = None;
    loop {
        let page = store
            .audit_entries(&AuditQuery {
                before_id,
                limit: 1000,
                ..Default::default()
            })
            .await?;
        let Some(last) = page.last() else { break };
        before_id = Some(last.id);
        for e in page {
            let json = |v: &Option<serde_json::Value>| {
                v.as_ref().map(|v| v.to_string()).unwrap_or_default()
            };
            t.rows.push(vec![
                e.id.to_string(),
                timestamp(e.at),
                e.actor
                    .user_id
                    .and_then(|u| emails.get(&u).cloned())
                    .unwrap_or_default(),
                e.actor.via.clone(),
                e.action.clone(),
                e.entity.clone(),
                e.entity_id.clone(),
                json(&e.before),
                json(&e.after),
            ]);
        }
    }
    Ok(t)
}
