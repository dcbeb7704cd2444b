//! My book: the CSM's home. The accounts a person owns in any function, with what decides
//! where time goes today: ARR, days to renewal, lifecycle, days since the last personal touch.

use crate::AppState;
use crate::web::listing::{self, ListParams, RENEWAL_WINDOWS, Row};
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, format, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use sherpa_core::{Lifecycle, Role, UserId};

/// `/`: leaders and admins start on the portfolio, everyone else on their book.
pub async fn home(Signed(c): Signed) -> Response {
    match c.session.user.role {
        Role::Admin | Role::Leader => Redirect::to("/portfolio").into_response(),
        _ => Redirect::to("/book").into_response(),
    }
}

#[derive(Template)]
#[template(path = "book.html")]
struct BookPage {
    nav: Nav,
    owner_name: String,
    mine: bool,
    p: ListParams,
    rows: Vec<Row>,
    count: i64,
    arr: String,
    next: Option<String>,
    first_page: bool,
    filtered: bool,
    lifecycles: &'static [Lifecycle],
    windows: [(&'static str, &'static str); 5],
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(mut p): Query<ListParams>,
) -> PageResult {
    let me = &c.session.user;
    let owner = match p.user.trim() {
        "" => me.clone(),
        id => {
            let id: UserId = id.parse().map_err(|e: sherpa_core::Invalid| {
                crate::web::Failure::bad(format!("user: {e}"))
            })?;
            s.store.user(id).await?
        }
    };
    // The book is always one person's, whatever the query says.
    p.owner.clear();
    let today = s.store.clock().now().date_naive();
    let mut q = p.to_query(today, listing::PAGE)?;
    q.owner = Some(owner.id);
    // The page and its totals at once, on two connections.
    let (page, totals) = tokio::join!(s.store.accounts(&q), s.store.account_totals(&q));
    let ((accounts, next), (count, arr)) = (page?, totals?);
    let ids: Vec<_> = accounts.iter().map(|a| a.id).collect();
    let touches = s.store.last_personal_touches(&ids).await?;
    let names = listing::csm_names(&s.store, &accounts).await?;
    let rows = accounts
        .iter()
        .map(|a| Row::new(a, today, &names, touches.get(&a.id).map(|t| t.date_naive())))
        .collect();
    let filtered = !(p.q.is_empty() && p.lifecycle.is_empty() && p.renewal.is_empty());
    Ok(render(&BookPage {
        nav: Nav::new(&c, "book"),
        mine: owner.id == me.id,
        owner_name: owner.name,
        first_page: p.cursor.is_empty(),
        next: next.map(|n| p.next_link(&n)),
        p,
        rows,
        count,
        arr: format::money(&arr),
        filtered,
        lifecycles: Lifecycle::ALL,
        windows: RENEWAL_WINDOWS,
    }))
}
