//! The 9-box page (seed 001): the quarter's book on the grid with each box's movement since the
//! quarter before, and where personal time went by box and by tier (tiering says where you
//! want to spend time; the 9-box shows where you spend it). Placing an account is a form on
//! its 360.

use super::account::{account_id, refused};
use crate::AppState;
use crate::handlers::nine_box::{BoxDto, TierTimeDto, nine_box_dto};
use crate::web::nine_box_chart::{BoxFigure, nine_box};
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sherpa_core::Actor;
use sherpa_core::prioritise::{NineBox, Quarter};
use sherpa_store::StoreError;

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
    boxes: Vec<BoxDto>,
    by_tier: Vec<TierTimeDto>,
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
    let mut view = s.store.nine_box(quarter).await?;
    let mine = p.mine == "1";
    if mine {
        let me = c.session.user.id;
        view.entries.retain(|e| e.csm == Some(me));
    }
    let placed = view.entries.len();
    let dto = nine_box_dto(view);
    let figures: Vec<BoxFigure> = dto
        .boxes
        .iter()
        .map(|b| BoxFigure {
            relationship: b.relationship,
            upsell: b.upsell,
            label: b.label.clone(),
            accounts: b.time_spent.accounts,
            up: b.accounts.iter().filter(|a| a.movement == "up").count() as u32,
            down: b.accounts.iter().filter(|a| a.movement == "down").count() as u32,
            touches_per_account: b.time_spent.touches_per_account,
        })
        .collect();
    let mut boxes = dto.boxes;
    boxes.sort_by_key(|b| {
        (
            std::cmp::Reverse(b.upsell),
            std::cmp::Reverse(b.relationship),
        )
    });
    let next = Quarter::of(quarter.end());
    Ok(render(&NineBoxPage {
        nav: Nav::new(&c, "nine-box"),
        chart: nine_box(&figures, &dto.quarter),
        quarter: dto.quarter,
        previous: dto.previous_quarter,
        next: next.to_string(),
        mine,
        placed,
        not_yet_placed: dto.not_yet_placed,
        boxes,
        by_tier: dto.by_tier,
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
    let a = s.store.account(id).await?;
    c.session.user.may_grade(&a.fields.owners)?;
    let rating = |v: &str| v.trim().parse::<i64>().unwrap_or(0);
    let placed = match NineBox::new(rating(&f.relationship), rating(&f.upsell)) {
        Err(e) => Err(e.to_string()),
        Ok(b) => {
            let quarter = Quarter::of(s.store.clock().today());
            match s
                .store
                .place_in_nine_box(
                    &Actor::user(c.session.user.id, "web"),
                    id,
                    quarter,
                    b,
                    &f.note,
                )
                .await
            {
                Ok(_) => Ok(()),
                Err(StoreError::Invalid { field, message }) => Err(format!("{field}: {message}")),
                Err(e) => return Err(e.into()),
            }
        }
    };
    match placed {
        Ok(()) => Ok(Redirect::to(&format!("/accounts/{id}?saved=1#priority")).into_response()),
        Err(p) => refused(&s, &c, id, p).await,
    }
}
