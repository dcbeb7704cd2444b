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
use sherpa_store::{AuditOrder, AuditQuery};
use std::collections::HashMap;

/// Entries read for a page: enough that the system's runs fold into a few lines.
const READ: i64 = 500;
/// Lines a page shows; the next page starts after the last entry they hold.
const LINES: usize = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditParams {
    user: String,
    account: String,
    from: String,
    to: String,
    before: String,
    /// Oldest first: entries after this one.
    after: String,
    /// `when` (oldest first), `-when` (the default), `who`, `action` or `record`, `-` first
    /// for descending.
    sort: String,
    /// Entries skipped, paging a list not sorted by time.
    skip: String,
}

/// The columns the log sorts by.
const SORTS: [&str; 4] = ["when", "who", "action", "record"];

impl AuditParams {
    fn order(&self) -> Result<AuditOrder, Failure> {
        Ok(
            match crate::web::sorting::column(self.sort.trim(), &SORTS)? {
                None | Some(("when", true)) => AuditOrder::NewestFirst,
                Some(("when", false)) => AuditOrder::OldestFirst,
                Some(("who", descending)) => AuditOrder::ByPerson { descending },
                Some(("action", descending)) => AuditOrder::ByAction { descending },
                Some((_, descending)) => AuditOrder::ByRecord { descending },
            },
        )
    }

    /// A link to a page of the log with these filters and `changes` (pairs of a parameter and
    /// its value).
    fn link(&self, changes: &[(&str, &str)]) -> String {
        format::link_with(
            &[
                ("user", &self.user),
                ("account", &self.account),
                ("from", &self.from),
                ("to", &self.to),
                ("sort", &self.sort),
            ],
            changes,
        )
    }
}

/// A record an entry is about: its words and, where it has one, its account's page.
struct Record {
    text: String,
    href: Option<String>,
}

struct Line {
    when: String,
    who: String,
    via: String,
    action: String,
    record: Record,
    /// The fields that changed: label, before, after.
    changes: Vec<(String, String, String)>,
    /// The system's own run of the same action on many records, folded into this line.
    run: Vec<Record>,
    /// The last entry the line holds in the page's order, where the next page starts.
    last: sherpa_core::AuditId,
    /// How many entries the line holds.
    entries: usize,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    p: AuditParams,
    lines: Vec<Line>,
    /// The next page, and its words ("Older changes").
    next: Option<(String, &'static str)>,
    /// Back to the first page, from a later one.
    first: Option<(String, &'static str)>,
}

impl AuditPage {
    fn sort_link(&self, field: &str) -> String {
        let sort = format::next_sort_newest_first(&self.p.sort, field, "when");
        self.p.link(&[("sort", &sort)])
    }

    fn aria_sort(&self, field: &str) -> &'static str {
        format::aria_sort_newest_first(&self.p.sort, field, "when")
    }
}

fn day(field: &str, s: &str) -> Result<Option<NaiveDate>, Failure> {
    match s.trim() {
        "" => Ok(None),
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| Failure::bad(format!("{field}: \"{d}\" is not a date (YYYY-MM-DD)"))),
    }
}

/// Fields that hold a team member's id, shown by name.
const PERSON_FIELDS: &[&str] = &[
    "owner_id",
    "csm_id",
    "ae_id",
    "cd_id",
    "sponsor_id",
    "user_id",
    "manager_id",
    "from_user",
    "to_user",
];
/// Fields that hold an account's id, shown by name.
const ACCOUNT_FIELDS: &[&str] = &["account_id", "parent_id"];

/// A run of the system's own entries this long or longer folds into one line.
const RUN: usize = 3;

/// Names for the ids an entry's fields hold.
struct Names {
    people: HashMap<UserId, String>,
    accounts: HashMap<AccountId, String>,
}

fn id_of(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A field's name as people say it: `csm_id` is "CSM", `due_on` is "due on".
fn label(field: &str) -> String {
    match field {
        "csm_id" => "CSM".into(),
        "ae_id" => "AE".into(),
        "cd_id" => "customer development".into(),
        "sponsor_id" => "executive sponsor".into(),
        "arr_minor" => "ARR (cents)".into(),
        f => f.strip_suffix("_id").unwrap_or(f).replace('_', " "),
    }
}

impl Names {
    fn value(&self, field: &str, v: Option<&serde_json::Value>) -> String {
        let Some(v) = v else { return String::new() };
        if let Some(id) = id_of(v) {
            let name = if PERSON_FIELDS.contains(&field) {
                self.people.get(&UserId(id))
            } else if ACCOUNT_FIELDS.contains(&field) {
                self.accounts.get(&AccountId(id))
            } else {
                None
            };
            if let Some(n) = name {
                return n.clone();
            }
        }
        match v {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// Field by field, what an entry changed (for a creation: every field it set).
    fn changes(&self, e: &AuditEntry) -> Vec<(String, String, String)> {
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
                    label(k),
                    self.value(k, before.get(k)),
                    self.value(k, after.get(k)),
                )
            })
            .filter(|(_, b, a)| b != a)
            .collect()
    }

    fn record(&self, e: &AuditEntry) -> Record {
        let account = e.account_id.map(|a| {
            (
                a,
                self.accounts
                    .get(&a)
                    .cloned()
                    .unwrap_or_else(|| format!("account {a} (deleted)")),
            )
        });
        let kind = e.entity.replace('_', " ");
        match account {
            Some((a, name)) if e.entity == "account" => Record {
                text: name,
                href: Some(format!("/accounts/{a}")),
            },
            Some((a, name)) => Record {
                text: format!("{kind} {} · {name}", e.entity_id),
                href: Some(format!("/accounts/{a}")),
            },
            None => Record {
                text: format!("{kind} {}", e.entity_id),
                href: None,
            },
        }
    }

    fn ids(entries: &[AuditEntry]) -> (Vec<UserId>, Vec<AccountId>) {
        let mut people: Vec<UserId> = entries.iter().filter_map(|e| e.actor.user_id).collect();
        let mut accounts: Vec<AccountId> = entries.iter().filter_map(|e| e.account_id).collect();
        for e in entries {
            for side in [&e.before, &e.after].into_iter().flatten() {
                let Some(obj) = side.as_object() else {
                    continue;
                };
                for (k, v) in obj {
                    match id_of(v) {
                        Some(id) if PERSON_FIELDS.contains(&k.as_str()) => people.push(UserId(id)),
                        Some(id) if ACCOUNT_FIELDS.contains(&k.as_str()) => {
                            accounts.push(AccountId(id))
                        }
                        _ => {}
                    }
                }
            }
        }
        (people, accounts)
    }
}

/// Whether two entries belong to one run of the system's own bulk work.
fn same_run(a: &AuditEntry, b: &AuditEntry) -> bool {
    a.actor.user_id.is_none()
        && b.actor.user_id.is_none()
        && a.actor.via == b.actor.via
        && a.action == b.action
        && a.entity == b.entity
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
        after_id: parse_id("after", &p.after)?.map(sherpa_core::AuditId),
        order: p.order()?,
        offset: match p.skip.trim() {
            "" => 0,
            n => n
                .parse::<u32>()
                .map(i64::from)
                .map_err(|_| Failure::bad(format!("skip: \"{n}\" is not a count")))?,
        },
        limit: READ,
        ..Default::default()
    };
    let entries = s.store.audit_entries(&q).await?;
    let (people, accounts) = Names::ids(&entries);
    let names = Names {
        people: s.store.user_names(&people).await?,
        accounts: s.store.account_names(&accounts).await?,
    };
    let paged = !(p.before.is_empty() && p.after.is_empty() && q.offset == 0);
    let (first_words, next_words) = match q.order {
        AuditOrder::NewestFirst => ("← Newest changes", "Older changes →"),
        AuditOrder::OldestFirst => ("← Oldest changes", "Later changes →"),
        _ => ("← First page", "Next page →"),
    };
    let first = paged.then(|| {
        (
            p.link(&[("before", ""), ("after", ""), ("skip", "")]),
            first_words,
        )
    });
    let mut lines: Vec<Line> = Vec::new();
    let mut rest = entries.as_slice();
    while let Some(e) = rest.first() {
        let run = rest.iter().take_while(|x| same_run(e, x)).count().max(1);
        let (these, after) = rest.split_at(run);
        rest = after;
        let who = e
            .actor
            .user_id
            .map(|u| {
                names
                    .people
                    .get(&u)
                    .cloned()
                    .unwrap_or_else(|| format!("user {u}"))
            })
            .unwrap_or_else(|| "Sherpa".into());
        let folded = these.len() >= RUN;
        lines.push(Line {
            // A run spans its earliest to its latest entry, whichever way the page runs.
            when: match (
                these.iter().map(|x| x.at).min().map(format::time),
                these.iter().map(|x| x.at).max().map(format::time),
            ) {
                (Some(from), Some(to)) if folded && from != to => format!("{from} – {to}"),
                _ => format::time(e.at),
            },
            who,
            via: e.actor.via.clone(),
            action: e.action.clone(),
            record: if folded {
                Record {
                    text: format!("{} {}s", these.len(), e.entity.replace('_', " ")),
                    href: None,
                }
            } else {
                names.record(e)
            },
            changes: if folded { Vec::new() } else { names.changes(e) },
            run: if folded {
                these.iter().map(|x| names.record(x)).collect()
            } else {
                Vec::new()
            },
            last: if folded {
                these[these.len() - 1].id
            } else {
                e.id
            },
            entries: if folded { these.len() } else { 1 },
        });
        if !folded {
            // Entries that are not a run stay one line each.
            for x in &these[1..] {
                lines.push(Line {
                    when: format::time(x.at),
                    who: lines.last().expect("just pushed").who.clone(),
                    via: x.actor.via.clone(),
                    action: x.action.clone(),
                    record: names.record(x),
                    changes: names.changes(x),
                    run: Vec::new(),
                    last: x.id,
                    entries: 1,
                });
            }
        }
    }
    let full = entries.len() as i64 == READ || lines.len() > LINES;
    lines.truncate(LINES);
    let next = full.then(|| {
        let last = lines.last().expect("a full page").last.to_string();
        let link = match q.order {
            AuditOrder::NewestFirst => p.link(&[("before", &last)]),
            AuditOrder::OldestFirst => p.link(&[("after", &last)]),
            _ => {
                let shown: usize = lines.iter().map(|l| l.entries).sum();
                p.link(&[("skip", &(q.offset as usize + shown).to_string())])
            }
        };
        (link, next_words)
    });
    Ok(render(&AuditPage {
        nav: Nav::new(&c, "audit"),
        p,
        lines,
        next,
        first,
    }))
}
