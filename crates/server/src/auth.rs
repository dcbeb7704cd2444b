//! API authentication and authorisation: a Bearer token of scope `api` names a team member, and
//! their role decides what they may change (enforced here for every API write).

use crate::{AppError, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sherpa_core::{Denied, TokenScope, User};
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

    /// The caller of a use case.
    pub fn caller(&self) -> sherpa_app::Caller {
        sherpa_app::Caller::new(self.0.user.clone(), sherpa_app::Door::Api)
    }

    /// Turns a role rule's refusal into a 403.
    pub fn allowed(&self, rule: Result<(), Denied>) -> Result<(), AppError> {
        rule.map_err(|d| AppError::Forbidden(d.0))
    }

    /// Admins and leaders change anything in the book.
    pub fn require_manage(&self) -> Result<(), AppError> {
        self.allowed(self.user().may_manage_book())
    }

    /// A quick refusal for read-only callers before a body is read.
    pub fn require_write(&self) -> Result<(), AppError> {
        match self.user().role {
            sherpa_core::Role::Viewer => {
                Err(AppError::Forbidden("the viewer role is read-only".into()))
            }
            _ => Ok(()),
        }
    }
}
