//! Web sessions: a random cookie value kept only as its SHA-256 (like API tokens), the user it
//! signs in, its CSRF token and its expiry. Sessions live in the database so that every server
//! behind a load balancer knows them and a restart signs nobody out.

use crate::rows::{USER_COLUMNS, UserRow};
use crate::tokens::{digest, random_hex};
use crate::{Result, Store};
use chrono::Duration;
use sherpa_core::text::timestamp;
use sherpa_core::*;

/// A signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub user: User,
    /// The token every state-changing form must carry.
    pub csrf: String,
}

/// A session just opened: the cookie value is shown to the browser once and never stored.
#[derive(Debug)]
pub struct NewSession {
    pub cookie: String,
    pub csrf: String,
}

impl Store {
    /// Opens a session for a user that lasts `ttl`.
    pub async fn open_session(&self, user: UserId, ttl: Duration) -> Result<NewSession> {
        let cookie = random_hex();
        let csrf = random_hex();
        let now = self.clock.now();
        sqlx::query(
            "INSERT INTO web_sessions (token_hash, user_id, csrf, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(digest(&cookie))
        .bind(user.0)
        .bind(&csrf)
        .bind(timestamp(now))
        .bind(timestamp(now + ttl))
        .execute(&self.pool)
        .await?;
        Ok(NewSession { cookie, csrf })
    }

    /// The session behind a cookie value, if it exists, has not expired and its user is active.
    pub async fn session(&self, cookie: &str) -> Result<Option<WebSession>> {
        let columns = USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let row: Option<SessionRow> = sqlx::query_as(&format!(
            "SELECT s.csrf, {columns} FROM web_sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1"
        ))
        .bind(digest(cookie))
        .bind(self.now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(WebSession {
                user: User::try_from(r.user)?,
                csrf: r.csrf,
            })
        })
        .transpose()
    }

    /// Signs a browser out.
    pub async fn close_session(&self, cookie: &str) -> Result<()> {
        sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1")
            .bind(digest(cookie))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Signs a user out everywhere except, optionally, the session with this cookie value
    /// (after a password change the person stays signed in where they changed it).
    pub async fn close_sessions_of(&self, user: UserId, keep: Option<&str>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM web_sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user.0)
            .bind(keep.map(digest).unwrap_or_default())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Drops expired sessions (run by the daily job).
    pub async fn prune_sessions(&self) -> Result<u64> {
        let done = sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
            .bind(self.now())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Sets a user's password (an argon2id PHC string, never the password), audited without the
    /// hash.
    pub async fn set_password_hash(&self, actor: &Actor, user: UserId, hash: &str) -> Result<()> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let done =
            sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(hash)
                .bind(&now)
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(crate::StoreError::not_found("user", user));
        }
        crate::audit::record(
            &mut tx,
            &now,
            actor,
            "set_password",
            "user",
            user,
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A session row: the CSRF token beside the user's columns.
struct SessionRow {
    csrf: String,
    user: UserRow,
}

impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for SessionRow {
    fn from_row(row: &'r sqlx::any::AnyRow) -> sqlx::Result<Self> {
        use sqlx::Row;
        Ok(SessionRow {
            csrf: row.try_get("csrf")?,
            user: UserRow::from_row(row)?,
        })
    }
}
