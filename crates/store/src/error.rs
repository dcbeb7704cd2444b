//! Storage errors. A database failure is never turned into "not found".

use sherpa_core::import::RowError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    /// A unique value is already taken, or a rule forbids the change.
    #[error("{0}")]
    Conflict(String),
    /// The change does not fit the book's rules; the message names the field.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// Rows of an import or bulk upsert that cannot be applied; nothing was written.
    #[error("{} rows rejected", .0.len())]
    Rows(Vec<RowError>),
    #[error("database URL: {0}")]
    Url(String),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// From the event intake's own SQLite connection.
    #[error(transparent)]
    Embedded(#[from] rusqlite::Error),
    /// A stored block of events that does not decode: the file was damaged.
    #[error(transparent)]
    Block(#[from] sherpa_core::intake::BlockError),
}

impl StoreError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        StoreError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    pub fn not_found(entity: &'static str, id: impl std::fmt::Display) -> Self {
        StoreError::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    /// Maps a unique-constraint violation to a conflict that names the value.
    pub(crate) fn unique(e: sqlx::Error, what: impl FnOnce() -> String) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what()),
            _ => StoreError::Db(e),
        }
    }
}
