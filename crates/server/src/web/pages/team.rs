//! The team: each member with their book size, linking to their book.

use crate::AppState;
use crate::web::paging::{Page, PeopleQuery};
use crate::web::session::Signed;
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
    members: Page<Member>,
}

const PER_PAGE: usize = 100;

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
    let page = pq.page(users, PER_PAGE);
    let ids: Vec<UserId> = page.items.iter().map(|u| u.id).collect();
    let sizes: HashMap<UserId, (i64, Money)> = s
        .store
        .book_sizes(&ids)
        .await?
        .into_iter()
        .map(|b| (b.user_id, (b.accounts, b.arr)))
        .collect();
    let managers: Vec<UserId> = page.items.iter().filter_map(|u| u.manager_id).collect();
    let names = s.store.user_names(&managers).await?;
    let overdue: HashMap<UserId, i64> = s
        .store
        .overdue_touches()
        .await?
        .into_iter()
        .filter_map(|o| Some((o.owner?, o.count)))
        .collect();
    let zero = Money::zero(s.store.currency());
    let members = page.map(|u| {
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
            arr: format::money(&arr),
            active: u.active,
            overdue: overdue.get(&u.id).copied().unwrap_or(0),
        }
    });
    Ok(render(&TeamPage {
        nav: Nav::new(&c, "team"),
        members,
        q: pq.q,
    }))
}
