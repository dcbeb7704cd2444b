//! What a use case answers when it does not do what was asked: the rule it refused on, in words
//! a person can act on, or a failure of the database (logged by the door, never shown).

use sherpa_core::Denied;
use sherpa_core::import::RowError;
use sherpa_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The record named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The caller's role or ownership does not allow the action.
    #[error("{0}")]
    Forbidden(String),
    /// A value breaks a rule; the message names the field and the rule.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The action collides with the state of the book (a taken name, a closed record).
    #[error("{0}")]
    Conflict(String),
    /// Rows of an import or bulk upsert that cannot be applied; nothing was written.
    #[error("{} rows rejected", .0.len())]
    Rows(Vec<RowError>),
    /// The database failed. Its text is for the server log only.
    #[error(transparent)]
    Store(StoreError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A core rule's refusal, which names its field first ("csat: 7 is not ...").
impl From<sherpa_core::Invalid> for Error {
    fn from(e: sherpa_core::Invalid) -> Self {
        match e.0.split_once(": ") {
            Some((field, message)) => Error::invalid(field, message),
            None => Error::invalid("value", e.0),
        }
    }
}

impl Error {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// A value typed as text, parsed by its type's own rules; a refusal names the field with the
/// type's own words ("moment: \"sometime\" is not a grading moment; expected ...").
pub fn parse_field<T>(field: &str, text: &str) -> Result<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    text.trim()
        .parse()
        .map_err(|e: T::Err| Error::invalid(field, e.to_string()))
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => Error::NotFound(e.to_string()),
            StoreError::Invalid { field, message } => Error::Invalid { field, message },
            StoreError::Conflict(m) => Error::Conflict(m),
            StoreError::Rows(rows) => Error::Rows(rows),
            other => Error::Store(other),
        }
    }
}

impl From<Denied> for Error {
    fn from(d: Denied) -> Self {
        Error::Forbidden(d.0)
    }
}
