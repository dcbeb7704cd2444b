//! The portfolio: the leader's view of every account, filtered, totalled, saved as views and
//! exported exactly as shown.

use crate::AppState;
use crate::web::listing::{self, ListParams, RENEWAL_WINDOWS, Row};
use crate::web::session::Signed;
use crate::web::{Failure, Nav, PageResult, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sherpa_core::export::{Column, Table};
use sherpa_core::{AccountId, Lifecycle};
use sherpa_store::SavedView;

#[derive(Template)]
#[template(path = "portfolio.html")]
struct PortfolioPage {
    nav: Nav,
    p: ListParams,
    rows: Vec<Row>,
    count: i64,
    arr: String,
    pager: listing::Pager,
    filtered: bool,
    lifecycles: &'static [Lifecycle],
    windows: [(&'static str, &'static str); 5],
    views: Vec<SavedView>,
    filters: String,
    book_empty: bool,
    /// Whether the rows can be ticked to reassign them (leaders and admins).
    bulk: bool,
    /// The owner functions the bulk bar reassigns.
    functions: Vec<(&'static str, &'static str)>,
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(mut p): Query<ListParams>,
) -> PageResult {
    p.user.clear();
    let today = s.store.clock().now().date_naive();
    let mut q = p.to_query(today, listing::PAGE)?;
    q.owner = listing::resolve_owner(&s.store, &p.owner).await?;
    // The person's saved views are read beside the page.
    let (list, views) = tokio::try_join!(listing::load(&s.store, &q, &p, today), async {
        Ok::<_, crate::web::Failure>(s.store.saved_views(c.session.user.id).await?)
    })?;
    let filtered = p.any_filter();
    let nav = Nav::new(&c, "portfolio");
    let bulk = nav.manages() && !list.rows.is_empty();
    Ok(render(&PortfolioPage {
        nav,
        bulk,
        functions: crate::web::format::owner_functions(),
        pager: list.pager,
        filters: p.filters_query(true),
        book_empty: list.count == 0 && !filtered,
        p,
        rows: list.rows,
        count: list.count,
        arr: list.arr,
        filtered,
        lifecycles: Lifecycle::ALL,
        windows: RENEWAL_WINDOWS,
        views,
    }))
}

#[derive(Deserialize)]
pub struct ExportParams {
    format: String,
    #[serde(flatten)]
    list: ListParams,
}

/// Every account matching the portfolio's filters, in its sort order, with the columns the
/// page shows.
pub async fn export(
    State(s): State<AppState>,
    Signed(_c): Signed,
    Query(e): Query<ExportParams>,
) -> PageResult {
    let today = s.store.clock().now().date_naive();
    let mut p = e.list;
    p.cursor.clear();
    let mut q = p.to_query(today, 500)?;
    q.owner = listing::resolve_owner(&s.store, &p.owner).await?;
    let mut table = Table::new(&[
        "Sherpa id",
        "Account",
        "CRM id",
        "ARR",
        "Currency",
        "Renewal",
        "Days to renewal",
        "Lifecycle",
        "Days since personal touch",
        "Grade",
        "Tier",
        "Segment",
        "9-box",
        "Health",
        "Health colour",
        "Plan",
        "Industry",
        "Country",
        "CSM",
    ])
    .with(Column::Text, &["Sherpa id", "CRM id"])
    .with(Column::Money, &["ARR"])
    .with(
        Column::Whole,
        &["Days to renewal", "Days since personal touch", "Health"],
    );
    loop {
        let (page, next) = s.store.accounts(&q).await?;
        let ids: Vec<_> = page.iter().map(|a| a.id).collect();
        let touches = s.store.last_personal_touches(&ids).await?;
        let names = listing::csm_names(&s.store, &page).await?;
        for a in &page {
            let r = Row::new(a, today, &names, touches.get(&a.id).map(|t| t.date_naive()));
            table.rows.push(vec![
                a.id.to_string(),
                r.name,
                r.external_id,
                a.arr.fixed_amount(),
                a.arr.currency.to_string(),
                r.renewal,
                r.days_to_renewal,
                r.lifecycle,
                r.last_touch,
                r.grade,
                match r.tier.as_str() {
                    "?" => "decide".to_string(),
                    _ => r.tier,
                },
                r.segment,
                a.priority
                    .nine_box
                    .map(|(q, b)| format!("{} ({q})", b.code()))
                    .unwrap_or_default(),
                r.health,
                r.health_colour.to_string(),
                r.plan,
                r.industry,
                r.country,
                r.csm,
            ]);
        }
        match next {
            Some(n) => q.cursor = Some(n),
            None => break,
        }
    }
    crate::web::download(&table, &e.format, "Portfolio", today)
}

#[derive(Deserialize)]
pub struct NewView {
    name: String,
    query: String,
}

pub async fn save_view(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(v): Form<NewView>,
) -> PageResult {
    // Keep only the filters a portfolio understands (never a page cursor).
    let params: ListParams =
        serde_urlencoded::from_str(&v.query).map_err(|e| Failure::bad(format!("query: {e}")))?;
    let query = params.filters_query(true);
    s.app.save_view(&c.caller(), &v.name, &query).await?;
    Ok(Redirect::to(&format!("/portfolio?{query}")).into_response())
}

pub async fn delete_view(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<i64>,
) -> PageResult {
    s.app.delete_view(&c.caller(), id).await?;
    Ok(Redirect::to("/portfolio").into_response())
}

/// Gives the ticked accounts' CSM (or another owner function) to one person; back to the same
/// list, saying what was done or why nothing was.
pub async fn reassign_many(
    State(s): State<AppState>,
    Signed(c): Signed,
    body: axum::body::Bytes,
) -> PageResult {
    // `account` repeats, so the body is read as pairs.
    let form = crate::web::Ticked::read(&body)?;
    let get = |k: &str| form.get(k);
    let accounts = form.ids::<AccountId>("account")?;
    let said = match s
        .app
        .reassign_accounts(
            &c.caller(),
            sherpa_app::ReassignAccounts {
                accounts,
                function: get("function"),
                to: get("to"),
            },
        )
        .await
    {
        Ok(done) => {
            let n = done.accounts;
            let accounts = if n == 1 { "account" } else { "accounts" };
            let who = done.to.name;
            crate::web::format::query(&[("message", &format!("{n} {accounts} given to {who}."))])
        }
        Err(e) => {
            let why = super::problem(e)?;
            crate::web::format::query(&[("problem", &format!("Nothing was changed: {why}"))])
        }
    };
    // Back to the list as it was filtered and sorted: `back` is its query string.
    let back = get("back");
    let sep = if back.is_empty() { "" } else { "&" };
    Ok(Redirect::to(&format!("/portfolio?{back}{sep}{said}")).into_response())
}
