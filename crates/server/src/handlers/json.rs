//! JSON in and out: a body extractor whose errors are problem+json naming what was wrong, the
//! list envelope `{items, next_cursor}`, and Merge Patch helpers.

use crate::AppError;
use axum::extract::{FromRequest, Request};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Like `axum::Json`, but a bad body answers 400 problem+json with serde's explanation.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::TooLarge(crate::body_limit::too_large()))
            }
            Err(e) => Err(AppError::BadRequest {
                field: None,
                message: e.body_text(),
            }),
        }
    }
}

/// Like `axum::extract::Query`, but a bad query string answers 400 problem+json.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, AppError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(AppError::BadRequest {
                field: None,
                message: e.body_text(),
            }),
        }
    }
}

/// Like `axum::extract::Path`, but a path that does not decode answers 404 problem+json.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, AppError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(e) => Err(AppError::NotFound(e.body_text())),
        }
    }
}

/// A page of a list.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Page<T: utoipa::ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Query parameters of the id-ordered lists (contacts, contract terms).
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListRecords {
    /// Only this account's records.
    account_id: Option<String>,
    /// The record with this CRM id.
    external_id: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// 1 to 500; default 50.
    limit: Option<i64>,
}

impl ListRecords {
    /// The store query for one page (reading one record more, to know whether another page follows).
    pub fn query(&self) -> Result<(sherpa_store::ListQuery, i64), AppError> {
        let id = |field: &str, v: &Option<String>| {
            v.as_deref()
                .map(|s| {
                    s.trim()
                        .parse::<i64>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| AppError::bad(field, format!("\"{s}\" is not a valid id")))
                })
                .transpose()
        };
        let limit = page_limit(self.limit)?;
        let q = sherpa_store::ListQuery {
            account: id("account_id", &self.account_id)?.map(sherpa_core::AccountId),
            external_id: self.external_id.clone(),
            after: id("cursor", &self.cursor)?,
            limit: limit + 1,
        };
        Ok((q, limit))
    }
}

/// The page size asked for: 1 to 500, 50 when not given.
pub fn page_limit(limit: Option<i64>) -> Result<i64, AppError> {
    let limit = limit.unwrap_or(50);
    if (1..=500).contains(&limit) {
        Ok(limit)
    } else {
        Err(AppError::bad("limit", "use 1 to 500"))
    }
}

/// A list that is never long (an account's own records, a team's people) is its whole self on one
/// page: the same envelope as every other list, without a next cursor.
impl<T: utoipa::ToSchema> FromIterator<T> for Page<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        Page {
            items: items.into_iter().collect(),
            next_cursor: None,
        }
    }
}

impl<T: utoipa::ToSchema> Page<T> {
    /// A page from `limit + 1` records read in list order: the extra one says there is more, and
    /// the position of the last record shown is the next cursor.
    pub fn from_records<R>(records: Vec<R>, limit: i64, id: impl Fn(&R) -> String) -> Self
    where
        T: From<R>,
    {
        let more = records.len() as i64 > limit;
        let mut items: Vec<R> = records;
        items.truncate(limit as usize);
        let next_cursor = if more { items.last().map(&id) } else { None };
        Page {
            items: items.into_iter().map(T::from).collect(),
            next_cursor,
        }
    }
}

/// A JSON Merge Patch object's fields: `None` absent, `Some(None)` null, `Some(Some(v))` a value.
pub struct MergePatch(pub Map<String, Value>);

impl MergePatch {
    pub fn new(v: Value, allowed: &[&str]) -> Result<Self, AppError> {
        let Value::Object(map) = v else {
            return Err(AppError::BadRequest {
                field: None,
                message: "the body must be a JSON object".into(),
            });
        };
        if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(AppError::bad(
                k,
                format!("unknown field; allowed: {}", allowed.join(", ")),
            ));
        }
        Ok(MergePatch(map))
    }

    /// Parses a nullable field with `f`, naming the field on error.
    pub fn field<T>(
        &self,
        name: &str,
        f: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Result<Option<Option<T>>, AppError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(v) => f(v)
                .map(|t| Some(Some(t)))
                .map_err(|m| AppError::bad(name, m)),
        }
    }

    /// A field that cannot be cleared.
    pub fn required<T>(
        &self,
        name: &str,
        f: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Result<Option<T>, AppError> {
        match self.field(name, f)? {
            Some(None) => Err(AppError::bad(name, format!("{name} cannot be null"))),
            other => Ok(other.flatten()),
        }
    }
}

pub fn string(v: &Value) -> Result<String, String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("expected a string, got {v}"))
}

pub fn text(max: usize) -> impl Fn(&Value) -> Result<String, String> {
    move |v| {
        let s = string(v)?;
        if s.chars().count() > max {
            return Err(format!("longer than {max} characters"));
        }
        Ok(s.trim().to_string())
    }
}

pub fn parsed<T: std::str::FromStr>(v: &Value) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    string(v)?.parse::<T>().map_err(|e| e.to_string())
}

pub fn date(v: &Value) -> Result<chrono::NaiveDate, String> {
    let s = string(v)?;
    sherpa_core::text::parse_date(&s)
        .ok_or_else(|| format!("\"{s}\" is not a date like 2026-03-31"))
}

pub fn boolean(v: &Value) -> Result<bool, String> {
    v.as_bool()
        .ok_or_else(|| format!("expected true or false, got {v}"))
}

pub fn whole(max: i64) -> impl Fn(&Value) -> Result<i64, String> {
    move |v| {
        let n = v
            .as_i64()
            .ok_or_else(|| format!("expected a whole number, got {v}"))?;
        if !(0..=max).contains(&n) {
            return Err(format!("{n} is out of range (0 to {max})"));
        }
        Ok(n)
    }
}
