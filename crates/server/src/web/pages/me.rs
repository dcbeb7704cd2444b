//! A person's own time zone: their "today", what is overdue and due today for them, follows
//! it. Empty follows the team's.

use crate::AppState;
use crate::web::session::Signed;
use crate::web::{FieldError, Nav, PageResult, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sherpa_core::prioritise::time_zone_names;

#[derive(Template)]
#[template(path = "time_zone.html")]
struct TimeZonePage {
    nav: Nav,
    /// The zone field as shown: theirs, or what was typed.
    zone: String,
    team_zone: String,
    /// "Sunday 06 December".
    today: String,
    zones: Vec<&'static str>,
    saved: bool,
    error: Option<FieldError>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Saved {
    saved: String,
}

async fn page(
    s: &AppState,
    c: &crate::web::session::Current,
    zone: String,
) -> Result<TimeZonePage, crate::web::Failure> {
    let me = s.store.user(c.session.user.id).await?;
    Ok(TimeZonePage {
        nav: Nav::new(c, "time-zone"),
        zone,
        team_zone: s.store.prioritisation_rules().await?.cadences.time_zone,
        today: s.app.today_of(&me).await?.format("%A %d %B").to_string(),
        zones: time_zone_names().collect(),
        saved: false,
        error: None,
    })
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(q): Query<Saved>,
) -> PageResult {
    let me = s.store.user(c.session.user.id).await?;
    let mut p = page(&s, &c, me.time_zone.unwrap_or_default()).await?;
    p.saved = !q.saved.is_empty();
    Ok(render(&p))
}

#[derive(Deserialize)]
pub struct ZoneForm {
    time_zone: String,
}

pub async fn save(
    State(s): State<AppState>,
    Signed(c): Signed,
    axum::Form(f): axum::Form<ZoneForm>,
) -> PageResult {
    match s.app.set_my_time_zone(&c.caller(), &f.time_zone).await {
        Ok(_) => Ok(Redirect::to("/me/time-zone?saved=1").into_response()),
        Err(sherpa_app::Error::Invalid { field, message }) => {
            let mut p = page(&s, &c, f.time_zone).await?;
            p.error = Some(FieldError {
                key: field,
                message,
            });
            let mut resp = render(&p);
            *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}
