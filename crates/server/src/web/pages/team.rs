//! The team: each member with their book size, linking to their book.

use crate::AppState;
use crate::web::paging::{Page, PeopleQuery};
use crate::web::session::Signed;
use crate::web::sorting::{Key, sort_rows};
use crate::web::{Nav, PageResult, format, render};
use askama::Template;
use axum::extract::{Query, State};
use sherpa_core::{Money, User, UserId};
use std::collections::HashMap;

struct Member {
    id: UserId,
    name: String,
    email: String,
    function: String,
    role: String,
    manager: String,
    accounts: i64,
    arr_amount: rust_decimal::Decimal,
    arr: String,
    active: bool,
    /// Personal touches past their cadence period (seed 001).
    overdue: i64,
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    nav: Nav,
    q: String,
    /// The column the team is sorted by (`-` first: descending); empty: active first, by name.
    sort: String,
    members: Page<Member>,
}

const PER_PAGE: usize = 100;

/// The columns the team sorts by.
const SORTS: [&str; 8] = [
    "name", "email", "function", "role", "manager", "accounts", "arr", "overdue",
];

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(pq): Query<PeopleQuery>,
) -> PageResult {
    let mut users: Vec<User> = s
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| pq.matches(u))
        .collect();
    // Active people first, each group by name (the store's order; the sort is stable).
    users.sort_by_key(|u| !u.active);
    // Every listed person's figures: a column sorts the whole team, not a page of it.
    let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    let sizes: HashMap<UserId, (i64, Money)> = s
        .store
        .book_sizes(&ids)
        .await?
        .into_iter()
        .map(|b| (b.user_id, (b.accounts, b.arr)))
        .collect();
    let managers: Vec<UserId> = users.iter().filter_map(|u| u.manager_id).collect();
    let names = s.store.user_names(&managers).await?;
    let overdue: HashMap<UserId, i64> = s
        .store
        .overdue_touches()
        .await?
        .into_iter()
        .filter_map(|o| Some((o.owner?, o.count)))
        .collect();
    let zero = Money::zero(s.store.currency());
    let mut members: Vec<Member> = users
        .iter()
        .map(|u| {
            let (accounts, arr) = sizes.get(&u.id).cloned().unwrap_or((0, zero));
            Member {
                id: u.id,
                name: u.name.clone(),
                email: u.email.as_str().to_string(),
                function: u.function.to_string(),
                role: u.role.to_string(),
                manager: u
                    .manager_id
                    .and_then(|m| names.get(&m).cloned())
                    .unwrap_or_default(),
                accounts,
                arr_amount: arr.amount,
                arr: format::money(&arr),
                active: u.active,
                overdue: overdue.get(&u.id).copied().unwrap_or(0),
            }
        })
        .collect();
    sort_rows(&mut members, &pq.sort, &SORTS, |m, field| match field {
        "name" => Some(Key::text(&m.name)),
        "email" => Some(Key::text(&m.email)),
        "function" => Some(Key::text(&m.function)),
        "role" => Some(Key::text(&m.role)),
        "manager" => (!m.manager.is_empty()).then(|| Key::text(&m.manager)),
        "accounts" => Some(Key::number(m.accounts)),
        "arr" => Some(Key::Number(m.arr_amount)),
        _ => Some(Key::number(m.overdue)),
    })?;
    Ok(render(&TeamPage {
        nav: Nav::new(&c, "team"),
        members: pq.page(members, PER_PAGE),
        q: pq.q,
        sort: pq.sort,
    }))
}

impl TeamPage {
    fn sort_link(&self, field: &str) -> String {
        crate::web::paging::sort_link(&self.q, &self.sort, field)
    }

    fn aria_sort(&self, field: &str) -> &'static str {
        format::aria_sort(&self.sort, field, "")
    }
}
