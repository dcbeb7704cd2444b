//! Contacts: list (by account), get, create, patch.

use super::json::ListRecords;
use super::json::{MergePatch, date, parsed, text};
use super::{ApiJson, ApiPath, ApiQuery, Page};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sherpa_core::*;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct ContactDto {
    pub id: String,
    pub account_id: Option<String>,
    pub external_id: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub title: Option<String>,
    /// economic_buyer, champion, coach, technical_buyer, user_buyer, admin, executive.
    pub roles: Vec<String>,
    pub active: bool,
    pub departed_on: Option<chrono::NaiveDate>,
}

impl From<Contact> for ContactDto {
    fn from(c: Contact) -> Self {
        let f = c.fields;
        ContactDto {
            id: c.id.to_string(),
            account_id: f.account_id.map(|a| a.to_string()),
            active: f.active(),
            external_id: f.external_id,
            name: f.name,
            email: f.email.map(|e| e.to_string()),
            title: f.title,
            roles: f.roles.iter().map(|r| r.as_str().to_string()).collect(),
            departed_on: f.departed_on,
        }
    }
}

/// Lists contacts, of one account or of the whole book, in id order.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts", params(ListRecords),
    responses((status = 200, description = "A page of contacts", body = Page<ContactDto>), (status = 400, body = crate::error::Problem)))]
pub async fn list_contacts(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiQuery(p): ApiQuery<ListRecords>,
) -> Result<Json<Page<ContactDto>>, AppError> {
    let (q, limit) = p.query()?;
    let items = s.store.contacts(&q).await?;
    Ok(Json(Page::<ContactDto>::from_records(items, limit, |c| {
        c.id.to_string()
    })))
}

pub fn contact_patch(v: Value) -> Result<ContactPatch, AppError> {
    let m = MergePatch::new(
        v,
        &[
            "account_id",
            "account_external_id",
            "external_id",
            "name",
            "email",
            "title",
            "roles",
            "departed_on",
        ],
    )?;
    Ok(ContactPatch {
        account: match m.field("account_external_id", text(limits::EXTERNAL_ID))? {
            Some(x) => Some(x.map(AccountRef::ExternalId)),
            None => m.field("account_id", |v| parsed::<AccountId>(v).map(AccountRef::Id))?,
        },
        external_id: m.field("external_id", text(limits::EXTERNAL_ID))?,
        name: m.required("name", text(limits::NAME))?,
        email: m.field("email", |v| {
            Email::parse(&super::json::string(v)?).map_err(|e| e.0)
        })?,
        title: m.field("title", text(limits::SHORT_TEXT))?,
        roles: m
            .field("roles", |v| {
                let list = v.as_array().ok_or("expected a list of roles")?;
                let joined: Vec<String> = list
                    .iter()
                    .map(super::json::string)
                    .collect::<Result<_, _>>()?;
                parse_roles(&joined.join(";")).map_err(|e| e.to_string())
            })?
            .map(Option::unwrap_or_default),
        departed_on: m.field("departed_on", date)?,
    })
}

/// One contact.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    responses((status = 200, description = "The contact", body = ContactDto), (status = 404, body = crate::error::Problem)))]
pub async fn get_contact(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ContactDto>, AppError> {
    let id = id
        .parse::<ContactId>()
        .map_err(|e| AppError::NotFound(e.0))?;
    Ok(Json(s.store.contact(id).await?.into()))
}

/// Adds a contact to an account.
#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts", request_body(content = Object),
    responses((status = 201, description = "The contact, recorded", body = ContactDto), (status = 400, body = crate::error::Problem)))]
pub async fn create_contact(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<ContactDto>), AppError> {
    let patch = contact_patch(body)?;
    let c = s.app.add_contact(&u.caller(), &patch).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// Changes a contact (JSON Merge Patch); set `departed_on` when they leave.
#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The contact", body = ContactDto), (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn update_contact(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    body: axum::body::Bytes,
) -> Result<Json<ContactDto>, AppError> {
    let id = id
        .parse::<ContactId>()
        .map_err(|e| AppError::NotFound(e.0))?;
    let body: Value = serde_json::from_slice(&body).map_err(|e| AppError::BadRequest {
        field: None,
        message: format!("invalid JSON: {e}"),
    })?;
    let patch = contact_patch(body)?;
    Ok(Json(
        s.app.change_contact(&u.caller(), id, &patch).await?.into(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct EmailConsent {
    pub contact_id: String,
    pub email: String,
    /// Whether automated emails (low-touch automation) skip this address.
    pub unsubscribed: bool,
}

/// Stops automated emails to the contact (they asked on a call, by reply): the same list the
/// unsubscribe link writes to.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/unsubscribe", tag = "contacts",
    params(("id" = String, Path)),
    responses((status = 200, description = "The contact's email consent", body = EmailConsent), (status = 400, body = crate::error::Problem)))]
pub async fn unsubscribe_contact(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EmailConsent>, AppError> {
    let id = id
        .parse::<ContactId>()
        .map_err(|e| AppError::NotFound(e.0))?;
    let email = s.app.stop_contact_emails(&u.caller(), id, None).await?;
    Ok(Json(EmailConsent {
        contact_id: id.to_string(),
        email,
        unsubscribed: true,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiftUnsubscribe {
    /// The person's word: when and how they asked to receive automated emails again.
    reason: Option<String>,
}

/// Lifts the contact's unsubscribe. It was the person's choice: only an admin lifts it, with
/// their word as the `reason` (audited); the person can also lift it through the link in any
/// automated email.
#[utoipa::path(delete, path = "/api/v1/contacts/{id}/unsubscribe", tag = "contacts",
    params(("id" = String, Path), LiftUnsubscribe),
    responses((status = 200, description = "The contact's email consent", body = EmailConsent), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
pub async fn resubscribe_contact(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<LiftUnsubscribe>,
) -> Result<Json<EmailConsent>, AppError> {
    let id = id
        .parse::<ContactId>()
        .map_err(|e| AppError::NotFound(e.0))?;
    let email = s
        .app
        .lift_unsubscribe(&u.caller(), id, None, q.reason.as_deref().unwrap_or(""))
        .await?;
    Ok(Json(EmailConsent {
        contact_id: id.to_string(),
        email,
        unsubscribed: false,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    /// Why: the request as received ("GDPR request #1234 by email, 2026-12-01"); kept in the
    /// audit log, at most 500 characters.
    reason: String,
}

/// What an erasure changed.
#[derive(Serialize, ToSchema)]
pub struct ErasureDone {
    pub contact_id: String,
    /// Audit entries whose copies of the contact were replaced.
    pub audit_entries: u64,
    /// Emails to them stripped of address and text (queued ones are not sent).
    pub sends: u64,
    /// Product usage events whose traits (email, name, IP) were removed.
    pub events: u64,
}

/// Erases a contact at their request (admins): name, email, title, CRM id and roles go and the
/// contact stays as "Erased contact", so meetings, survey answers and usage still count for
/// the account; the audit log's copies of them, the emails Sherpa wrote them (address and text)
/// and the traits on their product usage events are erased too. An unsubscribe is kept: it is
/// their objection to being emailed. The reason is audited; it cannot be undone.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/erase", tag = "contacts",
    params(("id" = String, Path)), request_body = ErasureRequest,
    responses((status = 200, description = "What the erasure changed", body = ErasureDone), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn erase_contact(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<ErasureRequest>,
) -> Result<Json<ErasureDone>, AppError> {
    let id = id
        .parse::<ContactId>()
        .map_err(|e| AppError::NotFound(e.0))?;
    let done = s.app.erase_contact(&u.caller(), id, &b.reason).await?;
    Ok(Json(ErasureDone {
        contact_id: id.to_string(),
        audit_entries: done.audit_entries,
        sends: done.sends,
        events: done.events,
    }))
}
