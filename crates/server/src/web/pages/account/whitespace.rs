//! Whitespace on the account 360: the features the customer pays for and nobody used in 30
//! days, each with the healthy like accounts that use it most (accounts to ask, never their
//! contacts) and a button that opens the CSM's task to introduce them; and the offerings like
//! accounts own that it does not, with their ARR.

use super::{account_id, refused};
use crate::AppState;
use crate::web::session::Signed;
use crate::web::{Failure, PageResult, format};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sherpa_core::{AccountId, Currency, Money};

pub(super) struct PeerLine {
    pub id: String,
    pub name: String,
    /// "40% of its seats" or "6 people".
    pub use_words: String,
}

pub(super) struct FeatureLine {
    pub feature: String,
    pub function: String,
    pub peers: Vec<PeerLine>,
}

pub(super) struct UpsellLine {
    pub offering: String,
    /// The features it would add, in words.
    pub adds: String,
    /// "12 of 40 like accounts".
    pub owning: String,
    pub arr: String,
}

pub(super) struct WhitespaceSection {
    pub usage_known: bool,
    pub like: String,
    pub reengage: Vec<FeatureLine>,
    pub upsell: Vec<UpsellLine>,
    pub may_introduce: bool,
}

pub(super) async fn section(
    s: &AppState,
    caller: &sherpa_app::Caller,
    id: AccountId,
    currency: Currency,
    may_introduce: bool,
) -> Result<WhitespaceSection, Failure> {
    let w = s.app.whitespace(caller, id).await?;
    let mut peers = w.peers;
    Ok(WhitespaceSection {
        usage_known: w.usage_known,
        like: w.like,
        reengage: w
            .reengage
            .into_iter()
            .map(|c| FeatureLine {
                peers: peers
                    .iter_mut()
                    .find(|(f, _)| *f == c.feature)
                    .map(|(_, p)| std::mem::take(p))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| PeerLine {
                        id: p.id.to_string(),
                        use_words: match p.share {
                            Some(share) => format!("{share:.0}% of its seats use it"),
                            None => format!("{} people use it", p.users),
                        },
                        name: p.name,
                    })
                    .collect(),
                feature: c.feature,
                function: c.function,
            })
            .collect(),
        upsell: w
            .upsell
            .into_iter()
            .map(|u| UpsellLine {
                adds: u.adds.join(", "),
                owning: format!("{} of {} like accounts", u.owning, u.like),
                arr: format::money(&Money::from_minor_units(u.owning_arr_minor, currency)),
                offering: u.offering,
            })
            .collect(),
        may_introduce,
    })
}

#[derive(Deserialize)]
pub struct IntroduceForm {
    feature: String,
    peer: String,
}

/// Opens the CSM's task to introduce the account to a peer on a feature; back to the section.
pub async fn introduce(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    Form(f): Form<IntroduceForm>,
) -> PageResult {
    let id = account_id(&id)?;
    let peer = account_id(&f.peer)?;
    let problem = match s
        .app
        .introduce_peer(&c.caller(), id, &f.feature, peer)
        .await
    {
        Ok(_) => {
            return Ok(
                Redirect::to(&format!("/accounts/{id}?introduced=1#whitespace")).into_response(),
            );
        }
        Err(e) => crate::web::pages::problem(e)?,
    };
    refused(
        &s,
        &c,
        id,
        format!("No introduction was opened: {problem}. Nothing was changed."),
    )
    .await
}
