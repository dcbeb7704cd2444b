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

    /// Whether the database refused the data written (a value it cannot hold, a broken
    /// constraint) rather than failed to work (gone, busy, full): the same write would fail
    /// again, while writes without the offending row would not.
    pub fn is_about_the_data(&self) -> bool {
        match self {
            StoreError::Db(sqlx::Error::Database(d)) => {
                // PostgreSQL's SQLSTATE (five characters): class 22 is a data exception, 23 an
                // integrity violation. SQLite's codes are numbers of up to four digits, some of
                // which begin 22 or 23 (an I/O error is 2314): only the kind speaks for them.
                let code = d.code().unwrap_or_default();
                let sqlstate =
                    code.len() == 5 && (code.starts_with("22") || code.starts_with("23"));
                sqlstate
                    || matches!(
                        d.kind(),
                        sqlx::error::ErrorKind::UniqueViolation
                            | sqlx::error::ErrorKind::ForeignKeyViolation
                            | sqlx::error::ErrorKind::NotNullViolation
                            | sqlx::error::ErrorKind::CheckViolation
                    )
            }
            StoreError::Embedded(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                rusqlite::ErrorCode::ConstraintViolation | rusqlite::ErrorCode::TooBig
            ),
            _ => false,
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
