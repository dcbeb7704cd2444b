//! Saved views: a person's named portfolio filters, kept as the page's query string so that a
//! view opens exactly the filtered, sorted list it was saved from. Also the uploads that wait
//! for confirmation between an import's preview and its commit.

use crate::{Result, Store, StoreError};
use sherpa_core::UserId;

/// A named filter set on the portfolio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    /// The portfolio's query string, without the leading `?`.
    pub query: String,
}

/// A file uploaded for import, waiting for its preview to be confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedUpload {
    pub id: i64,
    pub user_id: UserId,
    pub kind: String,
    pub file_name: String,
    pub content: Vec<u8>,
}

impl Store {
    /// Saves (or replaces) the view of that name for a user; the name as checked by the
    /// caller.
    pub async fn save_view(&self, user: UserId, name: &str, query: &str) -> Result<SavedView> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM saved_views WHERE user_id = $1 AND name = $2")
            .bind(user.0)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO saved_views (user_id, name, query, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user.0)
        .bind(name)
        .bind(query)
        .bind(self.now())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(SavedView {
            id,
            name: name.to_string(),
            query: query.to_string(),
        })
    }

    /// A user's views, by name.
    pub async fn saved_views(&self, user: UserId) -> Result<Vec<SavedView>> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, name, query FROM saved_views WHERE user_id = $1 ORDER BY name",
        )
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, query)| SavedView { id, name, query })
            .collect())
    }

    /// Deletes one of a user's own views.
    pub async fn delete_view(&self, user: UserId, id: i64) -> Result<()> {
        let done = sqlx::query("DELETE FROM saved_views WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user.0)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("saved view", id));
        }
        Ok(())
    }

    /// Keeps an uploaded file until its uploader confirms the import.
    pub async fn stage_upload(
        &self,
        user: UserId,
        kind: &str,
        file_name: &str,
        content: &[u8],
    ) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO import_uploads (user_id, kind, file_name, content, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(user.0)
        .bind(kind)
        .bind(file_name)
        .bind(content.to_vec())
        .bind(self.now())
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// A staged upload of this user.
    pub async fn staged_upload(&self, user: UserId, id: i64) -> Result<StagedUpload> {
        let row: Option<(i64, i64, String, String, Vec<u8>)> = sqlx::query_as(
            "SELECT id, user_id, kind, file_name, content FROM import_uploads WHERE id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await?;
        let (id, user_id, kind, file_name, content) =
            row.ok_or_else(|| StoreError::not_found("upload", id))?;
        Ok(StagedUpload {
            id,
            user_id: UserId(user_id),
            kind,
            file_name,
            content,
        })
    }

    /// Forgets uploads older than `age` that were never confirmed; answers how many.
    pub async fn prune_uploads(&self, age: chrono::Duration) -> Result<u64> {
        let cutoff = sherpa_core::text::timestamp(self.clock.now() - age);
        let done = sqlx::query("DELETE FROM import_uploads WHERE created_at < $1")
            .bind(cutoff)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Forgets a staged upload (after its import, or when it is abandoned).
    pub async fn drop_upload(&self, id: i64) -> Result<()> {
        sqlx::query("DELETE FROM import_uploads WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
