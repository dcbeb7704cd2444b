//! Custom account fields: list them; an admin defines new ones.

use super::ApiJson;
use super::Page;
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sherpa_core::*;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CustomFieldDto {
    pub key: String,
    pub label: String,
    /// text, number, money, date or yes_no.
    pub kind: String,
}

impl From<CustomFieldDef> for CustomFieldDto {
    fn from(d: CustomFieldDef) -> Self {
        CustomFieldDto {
            key: d.key,
            label: d.label,
            kind: d.kind.as_str().into(),
        }
    }
}

/// The custom account fields.
#[utoipa::path(get, path = "/api/v1/custom-fields", tag = "custom fields", responses((status = 200, description = "The custom fields", body = Page<CustomFieldDto>)))]
pub async fn list_custom_fields(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<Page<CustomFieldDto>>, AppError> {
    Ok(Json(
        s.store
            .custom_fields()
            .await?
            .into_iter()
            .map(CustomFieldDto::from)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomField {
    /// Lower-case letters, digits and _, like renewal_risk.
    key: String,
    #[serde(default)]
    label: String,
    /// text, number, money, date or yes_no.
    kind: String,
}

/// Defines a custom account field (leader or admin: customer success configuration).
#[utoipa::path(post, path = "/api/v1/custom-fields", tag = "custom fields", request_body = NewCustomField,
    responses((status = 201, description = "The custom field, recorded", body = CustomFieldDto)))]
pub async fn define_custom_field(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<NewCustomField>,
) -> Result<(StatusCode, Json<CustomFieldDto>), AppError> {
    u.require_manage()?;
    let kind: FieldKind = b
        .kind
        .parse()
        .map_err(|e: ParseEnumError| AppError::bad("kind", e.to_string()))?;
    let def = CustomFieldDef::new(&b.key, &b.label, kind).map_err(|e| AppError::bad("key", e.0))?;
    s.app.define_custom_field(&u.caller(), &def).await?;
    Ok((StatusCode::CREATED, Json(def.into())))
}
