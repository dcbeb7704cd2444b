//! MEDDICC over the API: a renewal's qualification with what the book knows beside each
//! element, a version saved, and the competitors mentioned on an account.

use super::Page;
use super::health::account;
use super::{ApiJson, ApiPath};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sherpa_app::{MeddiccView, MentionCompetitor};
use sherpa_core::ContractId;
use sherpa_core::revenue::meddicc::{Element, Entry, Qualification, Rating};
use sherpa_store::CompetitorMention;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ElementDto {
    /// metrics, economic_buyer, decision_process, decision_criteria, identified_pain,
    /// champion or competition.
    pub element: String,
    pub label: String,
    pub question: String,
    /// green, yellow or red; null while unrated.
    pub rating: Option<String>,
    pub note: String,
    /// What the book knows that bears on it.
    pub facts: Vec<String>,
    /// Something to look at: no economic buyer on the map, a departed champion.
    pub flag: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QualificationVersionDto {
    pub by: Option<String>,
    pub saved_at: chrono::DateTime<chrono::Utc>,
    pub rated: usize,
    pub of: usize,
}

#[derive(Serialize, ToSchema)]
pub struct MentionDto {
    pub competitor: String,
    pub on: chrono::NaiveDate,
    pub note: String,
    pub by: Option<String>,
}

impl From<&CompetitorMention> for MentionDto {
    fn from(m: &CompetitorMention) -> Self {
        MentionDto {
            competitor: m.competitor.clone(),
            on: m.on,
            note: m.note.clone(),
            by: m.by.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MeddiccDto {
    pub contract_id: String,
    pub account_id: String,
    pub account_name: String,
    pub end_date: chrono::NaiveDate,
    /// The elements in use, in MEDDICC's order.
    pub elements: Vec<ElementDto>,
    /// Elements rated, of the elements in use.
    pub rated: usize,
    pub of: usize,
    /// Every version saved, the latest first.
    pub history: Vec<QualificationVersionDto>,
    /// Competitors mentioned on the account in the last year.
    pub mentions: Vec<MentionDto>,
    /// The competitors an account can mention.
    pub competitors: Vec<String>,
}

fn dto(v: MeddiccView) -> MeddiccDto {
    MeddiccDto {
        contract_id: v.renewal.stored.contract.to_string(),
        account_id: v.renewal.stored.account.to_string(),
        account_name: v.renewal.stored.name.clone(),
        end_date: v.renewal.stored.end,
        elements: v
            .elements
            .iter()
            .map(|e| ElementDto {
                element: e.element.as_str().into(),
                label: e.element.label().into(),
                question: e.element.question().into(),
                rating: e.entry.rating.map(|r| r.as_str().into()),
                note: e.entry.note.clone(),
                facts: e.facts.clone(),
                flag: e.flag.clone(),
            })
            .collect(),
        rated: v.completeness.0,
        of: v.completeness.1,
        history: v
            .history
            .iter()
            .map(|h| QualificationVersionDto {
                by: h.by.clone(),
                saved_at: h.saved_at,
                rated: h.rated,
                of: h.of,
            })
            .collect(),
        mentions: v.mentions.iter().map(MentionDto::from).collect(),
        competitors: v.competitors,
    }
}

fn contract(id: &str) -> Result<ContractId, AppError> {
    id.parse::<ContractId>()
        .map_err(|e| AppError::NotFound(e.0))
}

/// A renewal's MEDDICC qualification, with what the book knows beside each element.
#[utoipa::path(get, path = "/api/v1/renewals/{contract_id}/meddicc", tag = "renewals",
    params(("contract_id" = String, Path)),
    responses((status = 200, description = "The qualification", body = MeddiccDto), (status = 404, body = crate::error::Problem)))]
pub async fn get_meddicc(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<MeddiccDto>, AppError> {
    Ok(Json(dto(s
        .app
        .meddicc(&u.caller(), contract(&id)?)
        .await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    /// green, yellow or red; leave out while unknown.
    pub rating: Option<String>,
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQualification {
    /// By element: metrics, economic_buyer, decision_process, decision_criteria,
    /// identified_pain, champion, competition. An element left out is unrated.
    pub elements: BTreeMap<String, EntryInput>,
}

/// Saves a version of a renewal's qualification (the account's owners and leaders); the
/// whole qualification, not a patch.
#[utoipa::path(put, path = "/api/v1/renewals/{contract_id}/meddicc", tag = "renewals",
    params(("contract_id" = String, Path)), request_body = NewQualification,
    responses((status = 200, description = "The qualification", body = MeddiccDto), (status = 400, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn put_meddicc(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<NewQualification>,
) -> Result<Json<MeddiccDto>, AppError> {
    u.require_write()?;
    let contract = contract(&id)?;
    let mut q = Qualification::new();
    for (key, input) in b.elements {
        let element = key
            .parse::<Element>()
            .map_err(|e| AppError::bad(&format!("elements.{key}"), e.to_string()))?;
        let rating = input
            .rating
            .as_deref()
            .filter(|r| !r.is_empty())
            .map(str::parse::<Rating>)
            .transpose()
            .map_err(|e| AppError::bad(&format!("elements.{key}.rating"), e.to_string()))?;
        q.insert(
            element,
            Entry {
                rating,
                note: input.note,
            },
        );
    }
    Ok(Json(dto(s
        .app
        .save_meddicc(&u.caller(), contract, q)
        .await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMention {
    /// A competitor of the list an admin keeps.
    pub competitor: String,
    /// The day it came up; today when left out.
    pub on: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub note: String,
}

/// Records a competitor mentioned on an account (its owners and leaders).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/competitors", operation_id = "mention_competitor", tag = "renewals",
    params(("id" = String, Path)), request_body = NewMention,
    responses((status = 201, description = "The competitor mentions", body = [MentionDto]), (status = 400, body = crate::error::Problem)))]
pub async fn mention(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<NewMention>,
) -> Result<(StatusCode, Json<Vec<MentionDto>>), AppError> {
    u.require_write()?;
    let id = account(&id)?;
    let caller = u.caller();
    s.app
        .mention_competitor(
            &caller,
            MentionCompetitor {
                account: id,
                competitor: b.competitor,
                on: b.on,
                note: b.note,
            },
        )
        .await?;
    let since = s.store.clock().today() - chrono::Days::new(sherpa_app::COMPETITION_DAYS);
    let all = s.store.competitor_mentions(id, since).await?;
    Ok((
        StatusCode::CREATED,
        Json(all.iter().map(MentionDto::from).collect()),
    ))
}

/// The competitors mentioned on an account in the last year, the latest first.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/competitors", operation_id = "competitor_mentions", tag = "renewals",
    params(("id" = String, Path)), responses((status = 200, description = "The competitor mentions", body = Page<MentionDto>)))]
pub async fn mentions(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Page<MentionDto>>, AppError> {
    let id = account(&id)?;
    s.store.account(id).await?;
    let since = s.store.clock().today() - chrono::Days::new(sherpa_app::COMPETITION_DAYS);
    let all = s.store.competitor_mentions(id, since).await?;
    Ok(Json(all.iter().map(MentionDto::from).collect()))
}
