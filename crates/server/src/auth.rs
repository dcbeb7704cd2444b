//! API authentication and authorisation: a Bearer token of scope `api` names a team member, and
//! their role decides what they may change (enforced here for every API write).

use crate::{AppError, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sherpa_core::{Account, Actor, Role, TokenScope, User};
use sherpa_store::Principal;

/// The caller of an API request.
pub struct ApiUser(pub Principal);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                AppError::Unauthorized(
                    "send Authorization: Bearer <token> (create one with sherpa token create)"
                        .into(),
                )
            })?;
        let token = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                AppError::Unauthorized("the Authorization header must be \"Bearer <token>\"".into())
            })?;
        let principal = state
            .store
            .authenticate_token(token)
            .await?
            .ok_or_else(|| AppError::Unauthorized("the token is unknown or revoked".into()))?;
        if principal.scope != TokenScope::Api {
            return Err(AppError::Forbidden(
                "an ingest token can only send events; use an api token".into(),
            ));
        }
        Ok(ApiUser(principal))
    }
}

impl ApiUser {
    pub fn user(&self) -> &User {
        &self.0.user
    }

    pub fn actor(&self) -> Actor {
        Actor::user(self.0.user.id, "api")
    }

    /// Admins and leaders change anything in the book.
    pub fn require_manage(&self) -> Result<(), AppError> {
        match self.user().role {
            Role::Admin | Role::Leader => Ok(()),
            r => Err(AppError::Forbidden(format!(
                "the {r} role cannot do this; ask a leader or an admin"
            ))),
        }
    }

    /// Creating records needs a role that writes.
    pub fn require_write(&self) -> Result<(), AppError> {
        match self.user().role {
            Role::Viewer => Err(AppError::Forbidden("the viewer role is read-only".into())),
            _ => Ok(()),
        }
    }

    /// CSMs (and sales) edit the accounts they own; admins and leaders edit any.
    pub fn require_account_edit(&self, account: &Account) -> Result<(), AppError> {
        match self.user().role {
            Role::Admin | Role::Leader => Ok(()),
            Role::Csm | Role::Sales if account.fields.owners.includes(self.user().id) => Ok(()),
            Role::Viewer => Err(AppError::Forbidden("the viewer role is read-only".into())),
            r => Err(AppError::Forbidden(format!(
                "the {r} role edits only accounts it owns; account {} is not yours",
                account.id
            ))),
        }
    }
}
