//! At-risk playbooks (seed 003): when an account turns to a colour the playbook names, its
//! tasks open for the account's owners, each saying why. One playbook is open per account at a
//! time (a unique index on both engines): an account that turns orange, then red, keeps the
//! one it has. Closing it records the outcome and cancels the tasks still open.
//!
//! A playbook opens when the account's own data turns it (the refresher, the daily rebuild),
//! not when an admin re-defines how accounts are scored: a new scorecard that turns a thousand
//! accounts at once must not hand every CSM a pile of tasks for a change of formula.

use crate::rows::{opt_date, parse, time};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use sherpa_core::health::{Colour, Playbook, PlaybookOutcome};
use sherpa_core::*;

/// One playbook with its tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct AtRiskPlaybook {
    pub id: i64,
    pub account_id: AccountId,
    pub opened_at: DateTime<Utc>,
    /// The colour the account turned to, from which, at which score.
    pub colour: Colour,
    pub from_colour: Option<Colour>,
    pub score: Option<f64>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<UserId>,
    pub outcome: Option<PlaybookOutcome>,
    pub note: Option<String>,
    pub tasks: Vec<Task>,
}

/// An account that changed colour, as the playbook needs it.
pub(super) struct Turn {
    pub id: AccountId,
    pub colour: Colour,
    pub from: Option<Colour>,
    pub score: Option<f64>,
}

/// An account's CSM, AE, Customer Development and executive sponsor ids.
type Owners = (Option<i64>, Option<i64>, Option<i64>, Option<i64>);

#[derive(sqlx::FromRow)]
struct PlaybookRow {
    id: i64,
    account_id: i64,
    opened_at: String,
    colour: String,
    from_colour: Option<String>,
    score: Option<f64>,
    closed_at: Option<String>,
    closed_by: Option<i64>,
    outcome: Option<String>,
    note: Option<String>,
}

const PLAYBOOK_COLUMNS: &str =
    "id, account_id, opened_at, colour, from_colour, score, closed_at, closed_by, outcome, note";

fn playbook(r: PlaybookRow) -> Result<AtRiskPlaybook> {
    Ok(AtRiskPlaybook {
        id: r.id,
        account_id: AccountId(r.account_id),
        opened_at: time("opened_at", &r.opened_at)?,
        colour: parse("colour", &r.colour)?,
        from_colour: r
            .from_colour
            .as_deref()
            .map(|f| parse("from_colour", f))
            .transpose()?,
        score: r.score,
        closed_at: r
            .closed_at
            .as_deref()
            .map(|c| time("closed_at", c))
            .transpose()?,
        closed_by: r.closed_by.map(UserId),
        outcome: r
            .outcome
            .as_deref()
            .map(|o| parse("outcome", o))
            .transpose()?,
        note: r.note,
        tasks: Vec::new(),
    })
}

/// "Turned red from yellow (score 31.5)".
fn turned_text(colour: Colour, from: Option<Colour>, score: Option<f64>) -> String {
    let from = from.map_or(String::new(), |f| format!(" from {}", f.as_str()));
    let score = score.map_or(String::new(), |s| format!(" (score {s:.1})"));
    format!("Turned {}{from}{score}", colour.as_str())
}

impl Store {
    /// Opens the playbook for each account that turned to one of its colours and has none
    /// open; answers how many opened. One transaction for all of them.
    pub(super) async fn open_playbooks(
        &self,
        playbook: &Playbook,
        turns: &[Turn],
    ) -> Result<usize> {
        let due: Vec<&Turn> = turns
            .iter()
            .filter(|t| playbook.colours.contains(&t.colour))
            .collect();
        if due.is_empty() || playbook.tasks.is_empty() {
            return Ok(0);
        }
        let now = self.now();
        let today = self.clock().today();
        let actor = Actor::system("health");
        let mut opened = 0;
        let mut tx = self.write_tx().await?;
        for t in due {
            let owners: Option<Owners> =
                sqlx::query_as(
                    "SELECT csm_id, ae_id, cd_id, sponsor_id FROM accounts a WHERE id = $1 \
                     AND NOT EXISTS (SELECT 1 FROM health_playbooks p WHERE p.account_id = a.id AND p.closed_at IS NULL)",
                )
                .bind(t.id.0)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((csm, ae, cd, sponsor)) = owners else {
                continue;
            };
            // Another server on the same database may have opened one meanwhile: the unique
            // index keeps it to one, and this one then opens nothing.
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO health_playbooks (account_id, opened_at, colour, from_colour, score) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (account_id) WHERE closed_at IS NULL DO NOTHING RETURNING id",
            )
            .bind(t.id.0)
            .bind(&now)
            .bind(t.colour.as_str())
            .bind(t.from.map(|c| c.as_str()))
            .bind(t.score)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else {
                continue;
            };
            let why = turned_text(t.colour, t.from, t.score);
            let n = playbook.tasks.len();
            for (i, task) in playbook.tasks.iter().enumerate() {
                let owner = match task.owner {
                    OwnerFunction::Csm => csm,
                    OwnerFunction::Ae => ae,
                    OwnerFunction::CustomerDevelopment => cd,
                    OwnerFunction::ExecutiveSponsor => sponsor,
                }
                .or(csm);
                sqlx::query(
                    "INSERT INTO tasks (account_id, title, owner_id, due_on, priority, status, source, reason, \
                     created_at, updated_at, playbook_id) VALUES ($1, $2, $3, $4, $5, 'open', 'health', $6, $7, $7, $8)",
                )
                .bind(t.id.0)
                .bind(&task.title)
                .bind(owner)
                .bind(opt_date(Some(today + chrono::Days::new(task.due_in_days.into()))))
                .bind(task.priority.as_str())
                .bind(format!(
                    "{why}: at-risk playbook {id}, task {} of {n} ({})",
                    i + 1,
                    task.owner.as_str()
                ))
                .bind(&now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            crate::audit::record(
                &mut tx,
                &now,
                &actor,
                "create",
                "playbook",
                id,
                None,
                Some(&serde_json::json!({
                    "account_id": t.id.0, "colour": t.colour, "from_colour": t.from,
                    "score": t.score, "tasks": n,
                })),
            )
            .await?;
            opened += 1;
        }
        tx.commit().await?;
        Ok(opened)
    }

    /// The account's playbooks with their tasks, newest first.
    pub async fn account_playbooks(&self, account: AccountId) -> Result<Vec<AtRiskPlaybook>> {
        let rows: Vec<PlaybookRow> = sqlx::query_as(&format!(
            "SELECT {PLAYBOOK_COLUMNS} FROM health_playbooks WHERE account_id = $1 ORDER BY id DESC"
        ))
        .bind(account.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<AtRiskPlaybook> = rows.into_iter().map(playbook).collect::<Result<_>>()?;
        let mut tasks = self.playbook_tasks(account).await?;
        for p in &mut out {
            p.tasks = tasks.remove(&p.id).unwrap_or_default();
        }
        Ok(out)
    }

    pub async fn playbook(&self, id: i64) -> Result<AtRiskPlaybook> {
        let row: Option<PlaybookRow> = sqlx::query_as(&format!(
            "SELECT {PLAYBOOK_COLUMNS} FROM health_playbooks WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let mut p = playbook(row.ok_or_else(|| StoreError::not_found("playbook", id))?)?;
        p.tasks = self
            .playbook_tasks(p.account_id)
            .await?
            .remove(&id)
            .unwrap_or_default();
        Ok(p)
    }

    /// Closes an open playbook with its outcome; its tasks still open are cancelled with it.
    pub async fn close_playbook(
        &self,
        actor: &Actor,
        id: i64,
        outcome: PlaybookOutcome,
        note: &str,
    ) -> Result<AtRiskPlaybook> {
        let before = self.playbook(id).await?;
        if before.closed_at.is_some() {
            return Err(StoreError::invalid(
                "playbook",
                format!("playbook {id} is already closed"),
            ));
        }
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let closed = sqlx::query(
            "UPDATE health_playbooks SET closed_at = $1, closed_by = $2, outcome = $3, note = $4 \
             WHERE id = $5 AND closed_at IS NULL",
        )
        .bind(&now)
        .bind(actor.user_id.map(|u| u.0))
        .bind(outcome.as_str())
        .bind(note.trim())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if closed == 0 {
            return Err(StoreError::invalid(
                "playbook",
                format!("playbook {id} is already closed"),
            ));
        }
        sqlx::query(
            "UPDATE tasks SET status = 'cancelled', outcome = $1, closed_at = $2, updated_at = $2 \
             WHERE playbook_id = $3 AND status = 'open'",
        )
        .bind(format!("playbook closed: {}", outcome.as_str()))
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        crate::audit::record(
            &mut tx,
            &now,
            actor,
            "update",
            "playbook",
            id,
            Some(&serde_json::json!({"account_id": before.account_id.0, "status": "open"})),
            Some(&serde_json::json!({
                "account_id": before.account_id.0, "status": "closed",
                "outcome": outcome, "note": note.trim(),
            })),
        )
        .await?;
        tx.commit().await?;
        self.playbook(id).await
    }
}
