//! The audit log (admins): who changed what and when, with the values before and after,
//! filtered by person, account and date.

use crate::AppState;
use crate::web::session::Signed;
use crate::web::{Failure, Nav, PageResult, format, render};
use askama::Template;
use axum::extract::{Query, State};
use chrono::NaiveDate;
use serde::Deserialize;
use sherpa_core::{AccountId, AuditEntry, UserId};
use sherpa_store::AuditQuery;

const PAGE: i64 = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditParams {
    user: String,
    account: String,
    from: String,
    to: String,
    before: String,
}

struct Line {
    when: String,
    who: String,
    via: String,
    action: String,
    entity: String,
    entity_id: String,
    account: Option<i64>,
    /// The fields that changed: name, before, after.
    changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    p: AuditParams,
    lines: Vec<Line>,
    older: Option<String>,
}

fn day(field: &str, s: &str) -> Result<Option<NaiveDate>, Failure> {
    match s.trim() {
        "" => Ok(None),
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| Failure::bad(format!("{field}: \"{d}\" is not a date (YYYY-MM-DD)"))),
    }
}

fn show_value(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Field by field, what an entry changed (for a creation: every field it set).
fn changes(e: &AuditEntry) -> Vec<(String, String, String)> {
    let empty = serde_json::Map::new();
    let obj = |v: &Option<serde_json::Value>| v.as_ref().and_then(|v| v.as_object()).cloned();
    let before = obj(&e.before).unwrap_or_else(|| empty.clone());
    let after = obj(&e.after).unwrap_or_else(|| empty.clone());
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    // A field empty on both sides (null before, absent after a deletion) changed nothing shown.
    keys.into_iter()
        .map(|k| {
            (
                k.clone(),
                show_value(before.get(k)),
                show_value(after.get(k)),
            )
        })
        .filter(|(_, b, a)| b != a)
        .collect()
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<AuditParams>,
) -> PageResult {
    let parse_id = |field: &str, v: &str| -> Result<Option<i64>, Failure> {
        match v.trim() {
            "" => Ok(None),
            n => n
                .parse::<i64>()
                .map(Some)
                .map_err(|_| Failure::bad(format!("{field}: \"{n}\" is not an id"))),
        }
    };
    let from = day("from", &p.from)?;
    let to = day("to", &p.to)?;
    let q = AuditQuery {
        user_id: crate::web::listing::resolve_owner(&s.store, &p.user)
            .await
            .map_err(|f| Failure::bad(f.message.replacen("owner", "person", 1)))?,
        account_id: parse_id("account", &p.account)?.map(AccountId),
        from: from.map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc()),
        // "to" is the last day included.
        to: to.map(|d| {
            (d + chrono::Days::new(1))
                .and_hms_opt(0, 0, 0)
                .expect("midnight")
                .and_utc()
        }),
        before_id: parse_id("before", &p.before)?.map(sherpa_core::AuditId),
        limit: PAGE,
        ..Default::default()
    };
    let entries = s.store.audit_entries(&q).await?;
    let people: Vec<UserId> = entries.iter().filter_map(|e| e.actor.user_id).collect();
    let names = s.store.user_names(&people).await?;
    let older = (entries.len() as i64 == PAGE).then(|| {
        format!(
            "?{}",
            format::query(&[
                ("user", &p.user),
                ("account", &p.account),
                ("from", &p.from),
                ("to", &p.to),
                (
                    "before",
                    &entries.last().expect("a full page").id.to_string()
                ),
            ])
        )
    });
    let lines = entries
        .iter()
        .map(|e| Line {
            when: format::time(e.at),
            who: e
                .actor
                .user_id
                .map(|u| {
                    names
                        .get(&u)
                        .cloned()
                        .unwrap_or_else(|| format!("user {u}"))
                })
                .unwrap_or_else(|| "system".into()),
            via: e.actor.via.clone(),
            action: e.action.clone(),
            entity: e.entity.clone(),
            entity_id: e.entity_id.clone(),
            account: (e.entity == "account")
                .then(|| e.entity_id.parse().ok())
                .flatten(),
            changes: changes(e),
        })
        .collect();
    Ok(render(&AuditPage {
        nav: Nav::new(&c, "audit"),
        p,
        lines,
        older,
    }))
}
