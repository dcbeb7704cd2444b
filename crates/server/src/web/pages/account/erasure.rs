//! Erasure requests and account deletions from the account 360 (admins): the same use cases
//! as `sherpa erase` and the API.

use super::*;
use axum::Form;

#[derive(Deserialize)]
pub struct ErasureForm {
    reason: String,
}

/// Erases a contact at their request (admins), with the request as the reason.
pub async fn erase_contact(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path((id, contact)): Path<(String, String)>,
    Form(f): Form<ErasureForm>,
) -> PageResult {
    let id = account_id(&id)?;
    let contact = contact_id(&contact)?;
    s.app.erase_contact(&c.caller(), contact, &f.reason).await?;
    Ok(Redirect::to(&format!("/accounts/{id}#map-h")).into_response())
}

/// Deletes the account and everything that hangs off it (admins), with the reason.
pub async fn delete_account(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    Form(f): Form<ErasureForm>,
) -> PageResult {
    let id = account_id(&id)?;
    s.app.delete_account(&c.caller(), id, &f.reason).await?;
    Ok(Redirect::to("/portfolio").into_response())
}
