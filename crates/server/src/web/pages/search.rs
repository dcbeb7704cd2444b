//! The header's search box: accounts, contacts and team members as a person types (the box
//! asks for `?q=…&partial=1` and shows the list under itself), or a page of results when the
//! form is sent without the script. The fields that name a team member suggest people the
//! same way (`/search/people`).

use crate::AppState;
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, format, render};
use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use sherpa_app::{Found, SEARCH_MIN_CHARS};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchQuery {
    q: String,
    /// Only the list, for the box's drop-down (any value).
    partial: Option<String>,
}

/// One result: where it goes and how it reads.
struct Hit {
    href: String,
    name: String,
    detail: String,
}

struct Results {
    accounts: Vec<Hit>,
    contacts: Vec<Hit>,
    people: Vec<Hit>,
}

impl Results {
    fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.contacts.is_empty() && self.people.is_empty()
    }
}

#[derive(Template)]
#[template(path = "search_results.html")]
struct SearchList {
    q: String,
    short: bool,
    r: Results,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    nav: Nav,
    q: String,
    short: bool,
    r: Results,
}

fn results(found: Found) -> Results {
    Results {
        accounts: found
            .accounts
            .into_iter()
            .map(|a| Hit {
                href: format!("/accounts/{}", a.id),
                detail: [
                    a.fields.external_id.clone(),
                    a.fields.domain.as_ref().map(|d| d.as_str().to_string()),
                    Some(format::money(&a.arr)),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
                name: a.fields.name,
            })
            .collect(),
        contacts: found
            .contacts
            .into_iter()
            .map(|c| Hit {
                href: format!("/accounts/{}#people", c.account),
                detail: [c.title, c.email, Some(c.account_name)]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · "),
                name: c.name,
            })
            .collect(),
        people: found
            .people
            .into_iter()
            .map(|u| Hit {
                href: format!("/book?user={}", u.id),
                detail: format!("{} · {}", u.function.as_str().replace('_', " "), u.email),
                name: u.name,
            })
            .collect(),
    }
}

/// The team members a "hand to" field suggests as a person types (its list's options, each
/// an email with the name shown): a field for a person never carries the whole team.
#[derive(Template)]
#[template(path = "people_options.html")]
struct PeopleOptions {
    people: Vec<(String, String)>,
}

pub async fn people(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let people = s.app.find_people(&c.caller(), &q.q).await?;
    Ok(render(&PeopleOptions {
        people: people
            .into_iter()
            .map(|u| (u.email.as_str().to_string(), u.name))
            .collect(),
    }))
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let found = s.app.search(&c.caller(), &q.q).await?;
    let short = q.q.trim().chars().count() < SEARCH_MIN_CHARS;
    let r = results(found);
    if q.partial.is_some() {
        return Ok(render(&SearchList { q: q.q, short, r }));
    }
    Ok(render(&SearchPage {
        nav: Nav::new(&c, "search"),
        q: q.q,
        short,
        r,
    }))
}
