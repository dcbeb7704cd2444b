//! Team members.

use super::Page;
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use sherpa_core::User;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: String,
    pub email: String,
    pub name: String,
    /// sales, csm, customer_development, executive, operations.
    pub function: String,
    /// admin, leader, csm, sales, viewer.
    pub role: String,
    pub manager_id: Option<String>,
    pub active: bool,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        UserDto {
            id: u.id.to_string(),
            email: u.email.to_string(),
            name: u.name,
            function: u.function.as_str().into(),
            role: u.role.as_str().into(),
            manager_id: u.manager_id.map(|m| m.to_string()),
            active: u.active,
        }
    }
}

/// The whole team, by name.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, description = "A page of users", body = Page<UserDto>)))]
pub async fn list_users(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<Page<UserDto>>, AppError> {
    let users = s.store.users().await?;
    Ok(Json(Page {
        items: users.into_iter().map(UserDto::from).collect(),
        next_cursor: None,
    }))
}
