//! My book: the accounts a person owns in any function, with what decides
//! where time goes today: ARR, days to renewal, lifecycle, days since the last personal touch.

use crate::AppState;
use crate::web::listing::{self, ListParams, RENEWAL_WINDOWS, Row};
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, render};
use askama::Template;
use axum::extract::{Query, State};
use sherpa_core::{Lifecycle, UserId};

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
    pager: listing::Pager,
    filtered: bool,
    lifecycles: &'static [Lifecycle],
    windows: [(&'static str, &'static str); 5],
    /// The last week's scoring change and how many of these accounts it re-coloured.
    scoring_moved: Option<(String, String, i64)>,
    /// Whether the rows can be ticked for a bulk action (the portfolio's).
    bulk: bool,
}

/// How long the book says that the scorecards re-coloured some of its accounts.
const SCORING_NOTICE_DAYS: i64 = 7;

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
    let list = listing::load(&s.store, &q, &p, today).await?;
    let filtered = p.any_filter();
    let week_ago = s.store.clock().now() - chrono::Duration::days(SCORING_NOTICE_DAYS);
    let scoring_moved = match s.store.scoring_changes(week_ago).await?.pop() {
        Some(change) => {
            let n = s
                .store
                .owners_accounts_moved_by_scoring(owner.id, week_ago)
                .await?;
            (n > 0).then(|| (change.at.format("%d %b %Y").to_string(), change.summary, n))
        }
        None => None,
    };
    Ok(render(&BookPage {
        scoring_moved,
        bulk: false,
        nav: Nav::new(&c, "book"),
        mine: owner.id == me.id,
        owner_name: owner.name,
        pager: list.pager,
        p,
        rows: list.rows,
        count: list.count,
        arr: list.arr,
        filtered,
        lifecycles: Lifecycle::ALL,
        windows: RENEWAL_WINDOWS,
    }))
}
