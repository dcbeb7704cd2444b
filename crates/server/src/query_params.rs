//! Unknown query parameters are refused: `?account=` on an endpoint that takes no such filter
//! answers 400 naming it, instead of being ignored and answering for the whole book. What each
//! endpoint takes is read from its OpenAPI description, so the document and the check agree.

use crate::AppError;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{OpenApi, RefOr};

/// The query parameters each (method, route) takes.
#[derive(Debug, Clone, Default)]
pub struct KnownParams(HashMap<(Method, String), BTreeSet<String>>);

impl KnownParams {
    pub fn of(doc: &OpenApi) -> KnownParams {
        let mut known = HashMap::new();
        for (path, item) in &doc.paths.paths {
            let ops: [(Method, &Option<Operation>); 5] = [
                (Method::GET, &item.get),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::PATCH, &item.patch),
                (Method::DELETE, &item.delete),
            ];
            for (method, op) in ops {
                let Some(op) = op else { continue };
                let names = op
                    .parameters
                    .iter()
                    .flatten()
                    .filter_map(|p| match p {
                        RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query) => {
                            Some(p.name.clone())
                        }
                        _ => None,
                    })
                    .collect();
                known.insert((method, path.clone()), names);
            }
        }
        KnownParams(known)
    }

    /// The names in `query` the route does not take, in the order given.
    fn unknown(&self, method: &Method, route: &str, query: &str) -> Vec<String> {
        let Some(takes) = self.0.get(&(method.clone(), route.to_string())) else {
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        for (name, _) in form_urlencoded::parse(query.as_bytes()) {
            if !takes.contains(name.as_ref()) && !out.iter().any(|n| n == name.as_ref()) {
                out.push(name.into_owned());
            }
        }
        out
    }

    fn takes(&self, method: &Method, route: &str) -> Vec<String> {
        self.0
            .get(&(method.clone(), route.to_string()))
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// Refuses a request whose query names a parameter its route does not take. A request with no
/// credentials goes on to be refused as unauthenticated first.
pub async fn refuse_unknown(
    State(known): State<Arc<KnownParams>>,
    matched: Option<MatchedPath>,
    req: Request,
    next: Next,
) -> Response {
    let signed = req
        .headers()
        .contains_key(axum::http::header::AUTHORIZATION);
    if let (true, Some(route), Some(query)) = (signed, matched, req.uri().query()) {
        let unknown = known.unknown(req.method(), route.as_str(), query);
        if !unknown.is_empty() {
            let takes = known.takes(req.method(), route.as_str());
            let message = format!(
                "unknown query parameter{} {}; {} takes {}",
                if unknown.len() > 1 { "s" } else { "" },
                unknown
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                route.as_str(),
                if takes.is_empty() {
                    "none".to_string()
                } else {
                    takes.join(", ")
                }
            );
            return AppError::BadRequest {
                field: unknown.first().cloned(),
                message,
            }
            .into_response();
        }
    }
    next.run(req).await
}
