//! Every route of the UI, area by area, each with who may use it (checked before any form is
//! read).

use super::{Access, WebRoute, pages};
use crate::AppState;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};

fn at(
    method: Method,
    path: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
) -> WebRoute {
    WebRoute {
        method,
        path,
        access,
        handler,
    }
}

/// Every route of the UI.
pub fn routes() -> Vec<WebRoute> {
    [
        public(),
        work(),
        account(),
        portfolio(),
        settings(),
        admin(),
        import(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Signing in and out, the password, the public links (unsubscribe, a calendar's feed) and the assets.
fn public() -> Vec<WebRoute> {
    use Access::*;
    use pages::*;
    vec![
        at(Method::GET, "/", Signed, get(home::home)),
        at(Method::GET, "/login", Public, get(login::form)),
        at(Method::POST, "/login", Public, post(login::submit)),
        at(Method::POST, "/logout", Public, post(login::logout)),
        at(
            Method::GET,
            "/unsubscribe/{id}",
            Public,
            get(unsubscribe::form),
        ),
        at(
            Method::POST,
            "/unsubscribe/{id}",
            Public,
            post(unsubscribe::confirm),
        ),
        at(
            Method::POST,
            "/unsubscribe/{id}/resume",
            Public,
            post(unsubscribe::resume),
        ),
        at(Method::GET, "/password", Signed, get(login::password_form)),
        at(
            Method::POST,
            "/password",
            Signed,
            post(login::change_password),
        ),
        at(
            Method::GET,
            "/calendar/{file}",
            Public,
            get(crate::calendar_feed::serve_feed),
        ),
        at(
            Method::GET,
            "/assets/{file}",
            Public,
            get(super::assets::serve),
        ),
        at(
            Method::GET,
            "/shared/plans/{secret}",
            Public,
            get(plans::shared::show),
        ),
    ]
}

/// A person's own work: their day, the book's overview for leaders, the book, tasks, the
/// calendar feed, and the audit log.
fn work() -> Vec<WebRoute> {
    use Access::*;
    use pages::*;
    vec![
        at(Method::GET, "/today", Signed, get(home::today)),
        at(Method::GET, "/search", Signed, get(search::show)),
        at(Method::GET, "/search/people", Signed, get(search::people)),
        at(Method::GET, "/me/time-zone", Signed, get(me::show)),
        at(Method::POST, "/me/time-zone", Signed, post(me::save)),
        at(Method::GET, "/overview", ManageBook, get(home::overview)),
        at(Method::GET, "/system", Admin, get(home::system)),
        at(Method::GET, "/book", Signed, get(book::show)),
        at(Method::GET, "/tasks", Signed, get(tasks::show)),
        at(Method::GET, "/tasks/team", Signed, get(tasks::team)),
        at(Method::POST, "/tasks/{id}", Signed, post(tasks::act)),
        at(
            Method::POST,
            "/tasks/bulk",
            Signed,
            post(tasks::act_on_many),
        ),
        at(Method::GET, "/calendar", Signed, get(cadence::show)),
        at(Method::POST, "/calendar", Signed, post(cadence::issue)),
        at(
            Method::POST,
            "/calendar/revoke",
            Signed,
            post(cadence::revoke),
        ),
        at(Method::GET, "/audit", Admin, get(audit::show)),
    ]
}

/// The account 360 and every action on it.
fn account() -> Vec<WebRoute> {
    use Access::*;
    use pages::*;
    vec![
        at(Method::GET, "/accounts/{id}", Signed, get(account::show)),
        at(Method::GET, "/accounts/{id}/plan", Signed, get(plans::show)),
        at(
            Method::GET,
            "/accounts/{id}/plan/edit",
            Signed,
            get(plans::edit::form),
        ),
        at(
            Method::POST,
            "/accounts/{id}/plan/edit",
            Signed,
            post(plans::edit::save),
        ),
        at(
            Method::POST,
            "/accounts/{id}/plan/objectives/{key}/values",
            Signed,
            post(plans::record_value),
        ),
        at(
            Method::POST,
            "/accounts/{id}/plan/shares",
            Signed,
            post(plans::share),
        ),
        at(
            Method::POST,
            "/accounts/{id}/plan/shares/{share}/revoke",
            Signed,
            post(plans::revoke_share),
        ),
        at(
            Method::POST,
            "/accounts/{id}/milestones/{key}",
            Signed,
            post(account::engagement::complete),
        ),
        at(
            Method::POST,
            "/accounts/{id}/effectiveness/objectives",
            Signed,
            post(account::effectiveness::add_objective),
        ),
        at(
            Method::POST,
            "/accounts/{id}/whitespace/introductions",
            Signed,
            post(account::whitespace::introduce),
        ),
        at(
            Method::POST,
            "/accounts/{id}/contacts/{contact}/emails",
            Signed,
            post(account::engagement::email_consent),
        ),
        at(
            Method::POST,
            "/accounts/{id}/delete",
            Admin,
            post(account::erasure::delete_account),
        ),
        at(
            Method::POST,
            "/accounts/{id}/contacts/{contact}/erase",
            Admin,
            post(account::erasure::erase_contact),
        ),
        at(
            Method::POST,
            "/accounts/{id}/pulse",
            Signed,
            post(account::health::set_pulse),
        ),
        at(
            Method::POST,
            "/accounts/{id}/playbooks/{playbook}/close",
            Signed,
            post(account::playbook::close),
        ),
        at(Method::POST, "/accounts/{id}", Signed, post(account::edit)),
        at(
            Method::POST,
            "/accounts/{id}/activities",
            Signed,
            post(account::log_activity),
        ),
        at(
            Method::POST,
            "/accounts/{id}/grade",
            Signed,
            post(account::priority::grade),
        ),
        at(
            Method::POST,
            "/accounts/{id}/tier",
            Signed,
            post(account::priority::tier),
        ),
        at(
            Method::POST,
            "/accounts/{id}/nine-box",
            Signed,
            post(nine_box::place),
        ),
    ]
}

/// The portfolio as leaders steer it: health, the back-test, segments, the 9-box, staffing, reassignments, the team.
fn portfolio() -> Vec<WebRoute> {
    use Access::*;
    use pages::*;
    vec![
        at(Method::GET, "/portfolio", Signed, get(portfolio::show)),
        at(
            Method::POST,
            "/portfolio/reassign",
            Signed,
            post(portfolio::reassign_many),
        ),
        at(
            Method::GET,
            "/plans/patterns",
            Signed,
            get(plans::patterns::show),
        ),
        at(
            Method::GET,
            "/effectiveness",
            Signed,
            get(effectiveness::show),
        ),
        at(Method::GET, "/adoption", Signed, get(adoption::show)),
        at(Method::GET, "/adoption.xlsx", Signed, get(adoption::export)),
        at(
            Method::GET,
            "/plans/patterns.xlsx",
            Signed,
            get(plans::patterns::export),
        ),
        at(
            Method::GET,
            "/revenue/retention",
            Signed,
            get(revenue::retention::show),
        ),
        at(
            Method::GET,
            "/revenue/retention.xlsx",
            Signed,
            get(revenue::retention::export),
        ),
        at(
            Method::GET,
            "/revenue/renewals",
            Signed,
            get(revenue::renewals::show),
        ),
        at(
            Method::GET,
            "/revenue/forecast",
            Signed,
            get(revenue::forecast::show),
        ),
        at(
            Method::GET,
            "/revenue/forecast.xlsx",
            Signed,
            get(revenue::forecast::export),
        ),
        at(
            Method::POST,
            "/revenue/forecast/{action}",
            Signed,
            post(revenue::forecast::form),
        ),
        at(
            Method::GET,
            "/revenue/accuracy",
            Signed,
            get(revenue::accuracy::show),
        ),
        at(
            Method::GET,
            "/revenue/accuracy.xlsx",
            Signed,
            get(revenue::accuracy::export),
        ),
        at(
            Method::GET,
            "/revenue/renewals.xlsx",
            Signed,
            get(revenue::renewals::export),
        ),
        at(
            Method::POST,
            "/revenue/renewals/{contract}/call",
            Signed,
            post(revenue::renewals::make_call),
        ),
        at(
            Method::GET,
            "/revenue/renewals/{contract}/meddicc",
            Signed,
            get(revenue::meddicc::show),
        ),
        at(
            Method::POST,
            "/revenue/renewals/{contract}/meddicc",
            Signed,
            post(revenue::meddicc::save),
        ),
        at(
            Method::POST,
            "/revenue/renewals/{contract}/competitors",
            Signed,
            post(revenue::meddicc::mention),
        ),
        at(Method::GET, "/portfolio/health", Signed, get(health::show)),
        at(
            Method::GET,
            "/portfolio/health/backtest",
            Signed,
            get(backtest::show),
        ),
        at(
            Method::POST,
            "/portfolio/health/backtest/recompute",
            Signed,
            post(backtest::recompute),
        ),
        at(
            Method::POST,
            "/portfolio/health/backtest/apply",
            ManageBook,
            post(backtest::apply),
        ),
        at(
            Method::GET,
            "/portfolio/export",
            Signed,
            get(portfolio::export),
        ),
        at(
            Method::POST,
            "/portfolio/views",
            Signed,
            post(portfolio::save_view),
        ),
        at(
            Method::POST,
            "/portfolio/views/{id}/delete",
            Signed,
            post(portfolio::delete_view),
        ),
        at(Method::GET, "/team", Signed, get(team::show)),
        at(Method::GET, "/segments", Signed, get(segments::show)),
        at(
            Method::POST,
            "/segments/apply",
            ManageBook,
            post(segments::apply),
        ),
        at(
            Method::POST,
            "/segments/settings",
            ManageBook,
            post(segments::settings),
        ),
        at(
            Method::GET,
            "/segments/export",
            Signed,
            get(segments::export),
        ),
        at(Method::GET, "/nine-box", Signed, get(nine_box::show)),
        at(Method::GET, "/staffing", Signed, get(staffing::show)),
        at(
            Method::GET,
            "/reassignments",
            Signed,
            get(reassignments::show),
        ),
        at(
            Method::POST,
            "/reassignments",
            ManageBook,
            post(reassignments::propose),
        ),
        at(
            Method::POST,
            "/reassignments/{id}/approve",
            ManageBook,
            post(reassignments::approve),
        ),
        at(
            Method::POST,
            "/staffing",
            ManageBook,
            post(staffing::set_params),
        ),
    ]
}

/// Customer success settings (leaders and admins): health, prioritisation, engagement.
fn settings() -> Vec<WebRoute> {
    use Access::*;
    use pages::*;
    vec![
        at(
            Method::GET,
            "/admin/health",
            ManageBook,
            get(scorecards::show),
        ),
        at(
            Method::POST,
            "/admin/health",
            ManageBook,
            post(scorecards::save),
        ),
        at(
            Method::POST,
            "/admin/health/scorecards/{n}",
            ManageBook,
            post(scorecard_form::save),
        ),
        at(
            Method::POST,
            "/admin/health/rules",
            ManageBook,
            post(scorecards::save_rules),
        ),
        at(
            Method::POST,
            "/admin/health/playbook",
            ManageBook,
            post(playbook_form::save),
        ),
        at(
            Method::GET,
            "/admin/prioritisation",
            ManageBook,
            get(prioritisation::show),
        ),
        at(
            Method::POST,
            "/admin/prioritisation",
            ManageBook,
            post(prioritisation::save),
        ),
        at(
            Method::GET,
            "/admin/effectiveness",
            ManageBook,
            get(effectiveness_form::show),
        ),
        at(
            Method::POST,
            "/admin/effectiveness/models/{n}",
            ManageBook,
            post(effectiveness_form::save),
        ),
        at(
            Method::POST,
            "/admin/effectiveness/rules",
            ManageBook,
            post(effectiveness_form::save_rules),
        ),
        at(
            Method::GET,
            "/admin/adoption",
            ManageBook,
            get(adoption_form::show),
        ),
        at(
            Method::POST,
            "/admin/adoption",
            ManageBook,
            post(adoption_form::save),
        ),
        at(
            Method::GET,
            "/admin/engagement",
            ManageBook,
            get(models::show),
        ),
        at(
            Method::POST,
            "/admin/engagement",
            ManageBook,
            post(models::save),
        ),
        at(
            Method::GET,
            "/admin/plans",
            ManageBook,
            get(plans::templates::show),
        ),
        at(
            Method::POST,
            "/admin/plans",
            ManageBook,
            post(plans::templates::save),
        ),
        at(
            Method::POST,
            "/admin/plans/lists",
            ManageBook,
            post(plans::templates::save_lists),
        ),
        at(
            Method::POST,
            "/admin/plans/templates",
            ManageBook,
            post(plans::templates::add_template),
        ),
        at(
            Method::POST,
            "/admin/plans/templates/{n}",
            ManageBook,
            post(plans::templates::save_template),
        ),
        at(
            Method::POST,
            "/admin/engagement/rules",
            ManageBook,
            post(models::save_rules),
        ),
        at(
            Method::POST,
            "/admin/engagement/models/{n}/milestones",
            ManageBook,
            post(models::save_milestones),
        ),
        at(
            Method::POST,
            "/admin/engagement/models/{n}/moments",
            ManageBook,
            post(models::save_moments),
        ),
        at(
            Method::POST,
            "/admin/engagement/releases",
            ManageBook,
            post(models::release),
        ),
        at(
            Method::GET,
            "/admin/engagement/preview",
            ManageBook,
            get(outbox::preview),
        ),
        at(
            Method::GET,
            "/admin/engagement/sends",
            ManageBook,
            get(outbox::list),
        ),
        at(
            Method::POST,
            "/admin/engagement/sends/{id}/retry",
            ManageBook,
            post(outbox::retry),
        ),
    ]
}

/// Administration: the team, tokens, the intake.
fn admin() -> Vec<WebRoute> {
    use Access::*;
    use pages::*;
    vec![
        at(Method::GET, "/admin/users", Admin, get(admin::show)),
        at(Method::POST, "/admin/users", Admin, post(admin::add_user)),
        at(
            Method::POST,
            "/admin/pending-owners",
            Admin,
            post(admin::assign_owner),
        ),
        at(
            Method::POST,
            "/admin/users/{id}",
            Admin,
            post(admin::update_user),
        ),
        at(
            Method::POST,
            "/admin/users/{id}/password",
            Admin,
            post(admin::reset_password),
        ),
        at(
            Method::POST,
            "/admin/tokens",
            Admin,
            post(admin::create_token),
        ),
        at(
            Method::POST,
            "/admin/tokens/{id}/revoke",
            Admin,
            post(admin::revoke_token),
        ),
        at(Method::GET, "/admin/intake", Admin, get(intake::show)),
        at(
            Method::POST,
            "/admin/intake/retention",
            Admin,
            post(intake::set_retention),
        ),
        at(
            Method::POST,
            "/admin/features",
            Admin,
            post(intake::set_feature),
        ),
    ]
}

/// Imports: preview a file, then confirm it.
fn import() -> Vec<WebRoute> {
    use Access::*;
    use pages::*;
    vec![
        at(Method::GET, "/import", ManageBook, get(import::form)),
        at(Method::POST, "/import", ManageBook, post(import::preview)),
        at(
            Method::POST,
            "/import/{id}",
            ManageBook,
            post(import::confirm),
        ),
    ]
}
