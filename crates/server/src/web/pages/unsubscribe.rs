//! The unsubscribe link of automated emails: a confirmation page (a GET changes nothing, as
//! mail scanners follow links) and the POST that stops them, which is also RFC 8058's
//! one-click unsubscribe. Public: the link's Message-ID is 128 random bits and stops only its
//! own recipient's automated emails.

use crate::AppState;
use crate::web::{PageResult, render};
use askama::Template;
use axum::extract::{Path, State};

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    message_id: String,
    address: Option<String>,
    done: bool,
}

pub async fn form(State(s): State<AppState>, Path(id): Path<String>) -> PageResult {
    let address = s.store.send_address(&id).await?;
    Ok(render(&UnsubscribePage {
        message_id: id,
        address,
        done: false,
    }))
}

pub async fn confirm(State(s): State<AppState>, Path(id): Path<String>) -> PageResult {
    let address = s.store.unsubscribe(&id).await?;
    if address.is_some() {
        tracing::info!("a contact unsubscribed from automated email");
    }
    Ok(render(&UnsubscribePage {
        message_id: id,
        done: address.is_some(),
        address,
    }))
}
