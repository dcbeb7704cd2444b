//! The 9-box page (seed 001): the quarter's book on the grid with each box's movement since the
//! quarter before, and where personal time went by box and by tier (tiering says where you
//! want to spend time; the 9-box shows where you spend it). Placing an account is a form on
//! its 360.

use super::account::{account_id, refused};
use super::{number, problem};
use crate::AppState;
use crate::web::nine_box_chart::{BoxFigure, nine_box};
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sherpa_app::{BoxOfQuarter, PlaceInNineBox, TierTime};
use sherpa_core::prioritise::Quarter;

#[derive(Template)]
#[template(path = "nine_box.html")]
struct NineBoxPage {
    nav: Nav,
    quarter: String,
    previous: String,
    next: String,
    mine: bool,
    chart: String,
    placed: usize,
    not_yet_placed: usize,
    /// Top row first, as the grid reads.
    boxes: Vec<BoxOfQuarter>,
    by_tier: Vec<TierTime>,
    problem: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShowParams {
    quarter: String,
    /// "1": only the accounts where I am the CSM.
    mine: String,
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<ShowParams>,
) -> PageResult {
    let today = s.store.clock().today();
    let (quarter, problem) = match p.quarter.trim() {
        "" => (Quarter::of(today), String::new()),
        q => match q.parse::<Quarter>() {
            Ok(q) => (q, String::new()),
            Err(e) => (Quarter::of(today), format!("quarter: {e}")),
        },
    };
    let mine = p.mine == "1";
    let board = s
        .app
        .nine_box(quarter, mine.then_some(c.session.user.id))
        .await?;
    let placed = board.boxes.iter().map(|b| b.accounts.len()).sum();
    let count = |b: &BoxOfQuarter, word: &str| {
        b.accounts.iter().filter(|a| a.movement == word).count() as u32
    };
    let figures: Vec<BoxFigure> = board
        .boxes
        .iter()
        .map(|b| BoxFigure {
            relationship: b.nine_box.relationship,
            upsell: b.nine_box.upsell,
            label: b.label.clone(),
            accounts: b.time_spent.accounts,
            up: count(b, "up"),
            down: count(b, "down"),
            touches_per_account: b.time_spent.per_account(),
        })
        .collect();
    let mut boxes = board.boxes;
    boxes.sort_by_key(|b| {
        (
            std::cmp::Reverse(b.nine_box.upsell),
            std::cmp::Reverse(b.nine_box.relationship),
        )
    });
    let next = Quarter::of(quarter.end());
    Ok(render(&NineBoxPage {
        nav: Nav::new(&c, "nine-box"),
        chart: nine_box(&figures, &quarter.to_string()),
        quarter: quarter.to_string(),
        previous: quarter.previous().to_string(),
        next: next.to_string(),
        mine,
        placed,
        not_yet_placed: board.not_yet_placed,
        boxes,
        by_tier: board.by_tier,
        problem,
    })
    .into_response())
}

#[derive(Deserialize)]
pub struct PlaceForm {
    relationship: String,
    upsell: String,
    #[serde(default)]
    note: String,
}

/// Places the account in this quarter's 9-box, from its 360.
pub async fn place(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<PlaceForm>,
) -> PageResult {
    let id = account_id(&id)?;
    let result = async {
        let cmd = PlaceInNineBox {
            account: id,
            quarter: None,
            relationship: number("relationship", &f.relationship)?,
            upsell: number("upsell", &f.upsell)?,
            note: f.note,
        };
        s.app.place_in_nine_box(&c.caller(), cmd).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/accounts/{id}?saved=1#priority")).into_response()),
        Err(e) => refused(&s, &c, id, problem(e)?).await,
    }
}
