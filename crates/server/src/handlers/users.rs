//! Team members.

use super::json::{MergePatch, boolean, parsed, text};
use super::{ApiPath, Page};
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
    /// Their time zone (IANA name) for their "today"; null follows the team's.
    pub time_zone: Option<String>,
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
            time_zone: u.time_zone,
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

/// Changes a team member (admins): `role`, `function`, `name`, `manager_id` (null: none) or
/// `active` (false: they can no longer sign in and are signed out everywhere; their accounts,
/// tasks and history stay theirs until reassigned). JSON Merge Patch; audited.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The user as changed", body = UserDto), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn update_user(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    body: axum::body::Bytes,
) -> Result<Json<UserDto>, AppError> {
    u.allowed(u.user().may_administer())?;
    let id = id
        .parse::<sherpa_core::UserId>()
        .map_err(|e| AppError::NotFound(e.0))?;
    let member = s.store.user(id).await?;
    let body: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| AppError::BadRequest {
            field: None,
            message: format!("invalid JSON: {e}"),
        })?;
    let m = MergePatch::new(body, &["role", "function", "name", "manager_id", "active"])?;
    let manager = match m.field("manager_id", parsed::<sherpa_core::UserId>)? {
        None => member.manager_id,
        Some(m) => m,
    };
    let change = sherpa_app::ChangeTeamMember {
        name: m.required("name", text(sherpa_core::limits::NAME))?,
        function: m
            .required("function", parsed::<sherpa_core::Function>)?
            .unwrap_or(member.function),
        role: m
            .required("role", parsed::<sherpa_core::Role>)?
            .unwrap_or(member.role),
        manager: manager.map(sherpa_core::PersonRef::Id),
        active: m.required("active", boolean)?.unwrap_or(member.active),
    };
    let saved = s.app.change_team_member(&u.caller(), id, change).await?;
    Ok(Json(saved.into()))
}

/// The caller: who the token belongs to, with their time zone.
#[utoipa::path(get, path = "/api/v1/me", tag = "users", responses((status = 200, description = "The caller", body = UserDto)))]
pub async fn get_me(u: ApiUser) -> Json<UserDto> {
    Json(u.user().clone().into())
}

/// Changes the caller's own settings: `time_zone`, an IANA name such as `Europe/Paris` that their
/// "today" (overdue, due today, this week) follows, or null to follow the team's. The same
/// change as "Time zone" in their menu. JSON Merge Patch; audited.
#[utoipa::path(patch, path = "/api/v1/me", tag = "users",
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The caller as changed", body = UserDto), (status = 400, body = crate::error::Problem)))]
pub async fn update_me(
    State(s): State<AppState>,
    u: ApiUser,
    body: axum::body::Bytes,
) -> Result<Json<UserDto>, AppError> {
    let body: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| AppError::BadRequest {
            field: None,
            message: format!("invalid JSON: {e}"),
        })?;
    let m = MergePatch::new(body, &["time_zone"])?;
    let me = match m.field("time_zone", text(sherpa_core::limits::NAME))? {
        None => u.user().clone(),
        // Null and empty text both follow the team's zone again.
        Some(zone) => {
            s.app
                .set_my_time_zone(&u.caller(), zone.as_deref().unwrap_or(""))
                .await?
        }
    };
    Ok(Json(me.into()))
}

/// An owner an import named who is not a team member yet.
#[derive(Serialize, ToSchema)]
pub struct PendingOwnerDto {
    /// The name or email as the file wrote it.
    pub name: String,
    /// csm, ae, customer_development or executive_sponsor.
    pub function: String,
    /// Accounts saved without this owner, waiting for them.
    pub accounts: i64,
}

/// Owners imports named who are not team members yet (admins). Adding a member with that name
/// or email gives them the accounts; `POST /api/v1/pending-owners/assign` gives them to a
/// member who goes by another name.
#[utoipa::path(get, path = "/api/v1/pending-owners", tag = "users",
    responses((status = 200, description = "The names waiting, most accounts first", body = Page<PendingOwnerDto>),
        (status = 403, body = crate::error::Problem)))]
pub async fn list_pending_owners(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<Page<PendingOwnerDto>>, AppError> {
    let pending = s.app.pending_owners(&u.caller()).await?;
    Ok(Json(
        pending
            .into_iter()
            .map(|p| PendingOwnerDto {
                name: p.name,
                function: p.function.as_str().into(),
                accounts: p.accounts,
            })
            .collect(),
    ))
}

#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnerAssignment {
    /// The owner's name or email as the import kept it.
    pub name: String,
    /// The team member who owns those accounts.
    pub user_id: String,
}

/// How many accounts the member now owns.
#[derive(Serialize, ToSchema)]
pub struct OwnerAssigned {
    pub accounts: usize,
}

/// Gives the accounts waiting for an owner's name to a team member (admins); audited per
/// account. An account whose owner was set since keeps that owner.
#[utoipa::path(post, path = "/api/v1/pending-owners/assign", tag = "users", request_body = OwnerAssignment,
    responses((status = 200, description = "How many accounts the member now owns", body = OwnerAssigned),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn assign_pending_owner(
    State(s): State<AppState>,
    u: ApiUser,
    super::ApiJson(b): super::ApiJson<OwnerAssignment>,
) -> Result<Json<OwnerAssigned>, AppError> {
    let id = b
        .user_id
        .parse::<sherpa_core::UserId>()
        .map_err(|e| AppError::bad("user_id", e.0))?;
    let accounts = s
        .app
        .assign_pending_owner(&u.caller(), &b.name, &sherpa_core::PersonRef::Id(id))
        .await?;
    Ok(Json(OwnerAssigned { accounts }))
}
