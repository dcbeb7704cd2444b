//! The unsubscribe link of automated emails: a confirmation page (a GET changes nothing, as
//! mail scanners follow links) and the POST that stops them, which is also RFC 8058's
//! one-click unsubscribe. Public: the link's Message-ID is 128 random bits and stops only its
//! own recipient's automated emails. The same link lets the recipient change their mind: an
//! unsubscribe is theirs to lift (or an admin's, on their word).

use crate::AppState;
use crate::web::{PageResult, render};
use askama::Template;
use axum::extract::{Path, State};

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    message_id: String,
    address: Option<String>,
    /// Unsubscribed by this request.
    done: bool,
    /// Emails resumed by this request.
    resumed: bool,
}

pub async fn form(State(s): State<AppState>, Path(id): Path<String>) -> PageResult {
    let address = s.store.send_address(&id).await?;
    Ok(render(&UnsubscribePage {
        message_id: id,
        address,
        done: false,
        resumed: false,
    }))
}

pub async fn confirm(State(s): State<AppState>, Path(id): Path<String>) -> PageResult {
    let address = s.app.unsubscribe_by_link(&id).await?;
    if address.is_some() {
        tracing::info!("a contact unsubscribed from automated email");
    }
    Ok(render(&UnsubscribePage {
        message_id: id,
        done: address.is_some(),
        resumed: false,
        address,
    }))
}

pub async fn resume(State(s): State<AppState>, Path(id): Path<String>) -> PageResult {
    let address = s.app.resubscribe_by_link(&id).await?;
    if address.is_some() {
        tracing::info!("a contact resumed automated email through their link");
    }
    Ok(render(&UnsubscribePage {
        message_id: id,
        done: false,
        resumed: address.is_some(),
        address,
    }))
}
