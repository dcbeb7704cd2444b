//! The router: every REST endpoint is registered with its OpenAPI description, so the document
//! at `/api/v1/openapi.json` is generated from the handlers themselves.

use crate::handlers::*;
use crate::{AppState, metrics};
use axum::Router;
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(OpenApi)]
#[openapi(
    info(title = "Sherpa API", description = "Customer success: the account book, contacts, contract terms, activities and tasks."),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every operation can answer 400 (a parameter that does not parse), 401 (no or a bad token),
/// 403 (the role may not), 404 and 422 with a problem document: said once here rather than on
/// each handler.
struct CommonProblems;

impl Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |what: &str| {
            ResponseBuilder::new()
                .description(what)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                for (code, what) in [
                    (
                        "400",
                        "A parameter or the body is not valid; the problem names the field",
                    ),
                    ("401", "No token, or an unknown or revoked one"),
                    ("403", "The caller's role may not do this"),
                    ("404", "No such record"),
                    ("409", "A unique value is already taken"),
                    ("413", "The body is too large"),
                    (
                        "422",
                        "Items of a bulk request were rejected; nothing was written",
                    ),
                ] {
                    op.responses
                        .responses
                        .insert(code.to_string(), problem(what).into());
                }
            }
        }
    }
}

/// Routes outside the OpenAPI document and the web UI, open to anyone (GET).
pub const SYSTEM_ROUTES: [&str; 3] = ["/api/v1/openapi.json", "/healthz", "/metrics"];

pub fn router(state: AppState) -> Router {
    let (api, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(accounts::list_accounts, accounts::create_account))
        .routes(routes!(accounts::reassign_accounts))
        .routes(routes!(
            accounts::get_account,
            accounts::update_account,
            accounts::delete_account
        ))
        .routes(routes!(bulk::bulk_upsert_accounts))
        .routes(routes!(bulk::bulk_upsert_contacts))
        .routes(routes!(bulk::bulk_upsert_contracts))
        .routes(routes!(accounts::arr_history))
        .routes(routes!(priorities::grade_account))
        .routes(routes!(priorities::choose_tier))
        .routes(routes!(priorities::priority_history))
        .routes(routes!(
            effectiveness::get_models,
            effectiveness::set_models
        ))
        .routes(routes!(effectiveness::get_account_effectiveness))
        .routes(routes!(effectiveness::add_objective))
        .routes(routes!(adoption::get_matrix))
        .routes(routes!(adoption::get_config, adoption::set_config))
        .routes(routes!(adoption::get_whitespace))
        .routes(routes!(adoption::introduce))
        .routes(routes!(health::get_health))
        .routes(routes!(health::get_history))
        .routes(routes!(health::set_pulse))
        .routes(routes!(
            health_config::get_config,
            health_config::set_config
        ))
        .routes(routes!(playbooks::list_playbooks))
        .routes(routes!(health::get_backtest))
        .routes(routes!(health::recompute_backtest))
        .routes(routes!(playbooks::close_playbook))
        .routes(routes!(engagement::get_config, engagement::set_config))
        .routes(routes!(engagement::get_engagement))
        .routes(routes!(engagement::complete_milestone))
        .routes(routes!(engagement::onboarding_analytics))
        .routes(routes!(
            engagement::list_releases,
            engagement::record_release
        ))
        .routes(routes!(outreach::list_sends))
        .routes(routes!(outreach::retry_send))
        .routes(routes!(outreach::preview))
        .routes(routes!(outreach::run_engagement))
        .routes(routes!(
            cadence::get_calendar,
            cadence::reissue_calendar,
            cadence::revoke_calendar
        ))
        .routes(routes!(cadence::overdue_touches))
        .routes(routes!(nine_box::place_account))
        .routes(routes!(nine_box::get_nine_box))
        .routes(routes!(segments::get_pareto))
        .routes(routes!(staffing::get_staffing))
        .routes(routes!(reassignments::propose, reassignments::list))
        .routes(routes!(reassignments::approve))
        .routes(routes!(segments::apply_pareto))
        .routes(routes!(
            priorities::get_prioritisation,
            priorities::set_prioritisation
        ))
        .routes(routes!(contacts::list_contacts, contacts::create_contact))
        .routes(routes!(contacts::get_contact, contacts::update_contact))
        .routes(routes!(
            contacts::unsubscribe_contact,
            contacts::resubscribe_contact
        ))
        .routes(routes!(contacts::erase_contact))
        .routes(routes!(
            contracts::list_contracts,
            contracts::create_contract
        ))
        .routes(routes!(contracts::get_contract, contracts::update_contract))
        .routes(routes!(
            activities::list_activities,
            activities::log_activity
        ))
        .routes(routes!(tasks::list_tasks, tasks::create_task))
        .routes(routes!(tasks::update_task))
        .routes(routes!(home::today))
        .routes(routes!(overview::overview))
        .routes(routes!(overview::system))
        .routes(routes!(users::list_users))
        .routes(routes!(users::update_user))
        .routes(routes!(users::get_me, users::update_me))
        .routes(routes!(users::list_pending_owners))
        .routes(routes!(users::assign_pending_owner))
        .routes(routes!(usage::account_usage))
        .routes(routes!(usage::list_events))
        .routes(routes!(usage::intake_status))
        .routes(routes!(voice::list_tickets, voice::create_ticket))
        .routes(routes!(voice::list_surveys, voice::create_survey))
        .routes(routes!(
            custom_fields::list_custom_fields,
            custom_fields::define_custom_field
        ))
        .routes(routes!(plans::get_plan, plans::put_plan))
        .routes(routes!(plans::plan_versions))
        .routes(routes!(plans::record_value))
        .routes(routes!(plans::draft_plan))
        .routes(routes!(plans::share_plan, plans::list_shares))
        .routes(routes!(plans::revoke_share))
        .routes(routes!(plans::patterns))
        .routes(routes!(plans::get_config, plans::set_config))
        .routes(routes!(revenue::retention))
        .routes(routes!(renewals::pipeline))
        .routes(routes!(renewals::make_call, renewals::calls))
        .routes(routes!(meddicc::get_meddicc, meddicc::put_meddicc))
        .routes(routes!(meddicc::mention, meddicc::mentions))
        .routes(routes!(forecast::waterfall))
        .routes(routes!(forecast::lock_plan))
        .routes(routes!(forecast::replan))
        .routes(routes!(forecast::explain_variance))
        .routes(routes!(forecast::accuracy))
        .split_for_parts();
    let mut doc = doc;
    // After the routes are in: the modifier walks every operation.
    CommonProblems.modify(&mut doc);
    let known = std::sync::Arc::new(crate::query_params::KnownParams::of(&doc));
    let api = api.route_layer(axum::middleware::from_fn_with_state(
        known,
        crate::query_params::refuse_unknown,
    ));
    let doc = std::sync::Arc::new(doc.merge_from(system::outside_api()));
    // The NUL rule guards every door that takes text, except the intake (it rules per message).
    let guarded = Router::new()
        .merge(api)
        .merge(crate::web::router(state.clone()))
        .layer(axum::middleware::from_fn(crate::nul_guard::refuse));
    Router::new()
        .merge(guarded)
        .route(
            SYSTEM_ROUTES[0],
            get(move || {
                let d = doc.clone();
                async move { axum::Json((*d).clone()) }
            }),
        )
        .route(SYSTEM_ROUTES[1], get(system::healthz))
        .route(SYSTEM_ROUTES[2], get(system::metrics))
        .merge(crate::intake::router())
        .fallback(system::not_found)
        // Inside the problem layer, so that a body over the limit is refused as a problem.
        .layer(RequestBodyLimitLayer::new(crate::body_limit::MAX_BODY))
        .layer(axum::middleware::from_fn(
            crate::error::problem_for_every_error,
        ))
        .layer(axum::middleware::from_fn(crate::security_headers::add))
        .layer(axum::middleware::from_fn_with_state(
            state.trusted_proxies.clone(),
            crate::forwarded::note,
        ))
        .layer(axum::middleware::from_fn(metrics::track))
        // The span names the route's template, never the path: paths carry calendar feed
        // secrets and unsubscribe ids, query strings anything a client sends.
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// A request's log span: its method and matched route template.
fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str())
        .unwrap_or("unmatched");
    tracing::debug_span!("request", method = %req.method(), route)
}
