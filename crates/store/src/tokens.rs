//! API and ingest tokens: a long random value shown once, kept only as its SHA-256 and
//! compared in constant time. (argon2 is for passwords: a token is already high-entropy, and
//! every API request checks one.)

use crate::rows::{USER_COLUMNS, UserRow, time};
use crate::{Result, Store, StoreError};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sherpa_core::*;
use subtle::ConstantTimeEq;

/// A freshly made token: the secret is shown once and never stored.
#[derive(Debug)]
pub struct NewToken {
    pub id: TokenId,
    pub secret: String,
}

/// Who a request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: User,
    pub scope: TokenScope,
    pub token_id: TokenId,
}

pub(crate) fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// 256 random bits as hex: a secret nobody can guess.
pub(crate) fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

impl Store {
    pub async fn create_token(
        &self,
        actor: &Actor,
        user: UserId,
        scope: TokenScope,
        name: &str,
    ) -> Result<NewToken> {
        let secret = format!("sherpa_{}_{}", scope.as_str(), random_hex());
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO api_tokens (user_id, name, scope, token_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(user.0)
        .bind(name)
        .bind(scope.as_str())
        .bind(digest(&secret))
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        let after =
            serde_json::json!({"user_id": user.to_string(), "name": name, "scope": scope.as_str()});
        crate::audit::record(
            &mut tx,
            &now,
            actor,
            "create",
            "api_token",
            id,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(NewToken {
            id: TokenId(id),
            secret,
        })
    }

    /// The active user behind a token, if the token exists, is not revoked and the user is active.
    pub async fn authenticate_token(&self, secret: &str) -> Result<Option<Principal>> {
        let hash = digest(secret);
        type Row = (i64, String, String, Option<String>, i64, Option<String>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT id, token_hash, scope, revoked_at, user_id, last_used_at FROM api_tokens WHERE token_hash = $1",
        )
        .bind(&hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some((id, stored, scope, revoked, user_id, last_used)) = row else {
            return Ok(None);
        };
        if !bool::from(stored.as_bytes().ct_eq(hash.as_bytes())) || revoked.is_some() {
            return Ok(None);
        }
        // When a token was last used, to the minute: written at most once a minute, so that
        // hundreds of intake requests a second do not each take the database's write lock.
        let now = self.now();
        if last_used.is_none_or(|t| t[..16] < now[..16]) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(&now)
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        let user: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND active = 1"
        ))
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(user) = user else { return Ok(None) };
        Ok(Some(Principal {
            user: User::try_from(user)?,
            scope: scope
                .parse()
                .map_err(|_| crate::rows::bad("scope", &scope))?,
            token_id: TokenId(id),
        }))
    }

    pub async fn revoke_token(&self, actor: &Actor, id: TokenId) -> Result<()> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(&now)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("active token", id));
        }
        crate::audit::record(&mut tx, &now, actor, "revoke", "api_token", id, None, None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Tokens of one user, or of everyone (never their secrets), oldest first.
    pub async fn tokens(&self, user: Option<UserId>) -> Result<Vec<TokenInfo>> {
        let rows: Vec<TokenRow> = sqlx::query_as(
            "SELECT id, user_id, name, scope, created_at, revoked_at, last_used_at FROM api_tokens \
             WHERE ($1 IS NULL OR user_id = $1) ORDER BY id",
        )
        .bind(user.map(|u| u.0))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: TokenId(r.id),
                    user_id: UserId(r.user_id),
                    name: r.name,
                    scope: r.scope,
                    created_at: time("created_at", &r.created_at)?,
                    revoked: r.revoked_at.is_some(),
                    last_used_at: r
                        .last_used_at
                        .map(|u| time("last_used_at", &u))
                        .transpose()?,
                })
            })
            .collect()
    }
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    name: String,
    scope: String,
    created_at: String,
    revoked_at: Option<String>,
    last_used_at: Option<String>,
}

/// What is known of a token besides its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: TokenId,
    pub user_id: UserId,
    pub name: String,
    pub scope: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked: bool,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}
