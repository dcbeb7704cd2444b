//! The team: each member with their book size, linking to their book.

use crate::AppState;
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, format, render};
use askama::Template;
use axum::extract::State;
use sherpa_core::{Money, UserId};
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
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    nav: Nav,
    members: Vec<Member>,
}

pub async fn show(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    let users = s.store.users().await?;
    let sizes: HashMap<UserId, (i64, Money)> = s
        .store
        .book_sizes()
        .await?
        .into_iter()
        .map(|b| (b.user_id, (b.accounts, b.arr)))
        .collect();
    let names: HashMap<UserId, String> = users.iter().map(|u| (u.id, u.name.clone())).collect();
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
                arr: format::money(&arr),
                active: u.active,
            }
        })
        .collect();
    // Active people first, the biggest books first: who carries the load is what the page is for.
    members.sort_by(|a, b| b.active.cmp(&a.active).then(b.accounts.cmp(&a.accounts)));
    Ok(render(&TeamPage {
        nav: Nav::new(&c, "team"),
        members,
    }))
}
