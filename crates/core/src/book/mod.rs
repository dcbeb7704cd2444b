//! The account book: the nouns a CS team works with every day (team members, accounts,
//! contacts, contract terms, activities, tasks) and the audit trail of every change.

mod access;
mod account;
mod activity;
mod audit;
mod contact;
mod contract;
mod country;
mod custom_field;
mod email;
mod enums;
mod ids;
mod patch;
mod support;
mod task;
mod team;

pub use access::*;
pub use account::*;
pub use activity::*;
pub use audit::*;
pub use contact::*;
pub use contract::*;
pub use country::{country_code, country_name, optional_country};
pub use custom_field::*;
pub use email::*;
pub use enums::ParseEnumError;
pub(crate) use enums::vocabulary;
pub use ids::*;
pub use patch::*;
pub use support::*;
pub use task::*;
pub use team::*;

/// A value a person typed that does not fit the field; the message says what was expected.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct Invalid(pub String);

/// A required piece of text: trimmed, not empty, at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let t = value.trim();
    if t.is_empty() {
        return Err(Invalid(format!("{field} is required")));
    }
    optional_text(field, t, max).map(|o| o.expect("not empty"))
}

/// Optional text: blank becomes `None`; longer than `max` characters is refused.
pub fn optional_text(field: &str, value: &str, max: usize) -> Result<Option<String>, Invalid> {
    let t = value.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > max {
        return Err(Invalid(format!("{field} is longer than {max} characters")));
    }
    Ok(Some(t.to_string()))
}
