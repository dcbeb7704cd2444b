//! Sherpa's storage: the only crate with SQL. One set of portable queries runs on SQLite (the
//! embedded default) and on PostgreSQL, chosen at run time from the database URL.
//!
//! Why sqlx's `Any` driver rather than a trait with two implementations: every table keeps
//! values both engines read the same way (integer minor units for money, fixed-width text for
//! dates and times, 0/1 for flags), so one query text serves both and the two engines cannot
//! drift apart. The few engine-specific statements (job claiming with `SKIP LOCKED`, backups)
//! branch on [`Engine`].

mod accounts;
mod activities;
mod adoption;
mod audit;
mod backup;
mod books;
mod bulk;
mod cadence;
mod checkpoint;
mod connect;
mod contacts;
mod contracts;
mod custom_fields;
mod db_file;
mod demo;
mod effectiveness;
mod engagement;
mod erasure;
mod error;
mod exchange;
mod forecast;
mod freshness;
mod health;
mod import;
mod intake;
mod jobs;
mod nine_box;
mod outreach;
mod pending_owners;
mod plans;
mod priorities;
mod qualification;
mod reassignments;
mod renewals;
mod revenue;
mod rollups;
mod rows;
mod saved_views;
mod search;
mod segments;
mod sessions;
mod sql;
mod support;
mod task_board;
mod tasks;
mod tokens;
mod users;
mod versions;

pub use accounts::{AccountQuery, AccountSort, SortField};
pub use adoption::{MatrixAccount, MatrixQuery};
pub use audit::{AuditOrder, AuditQuery};
pub use backup::{PG_BACKUP_HELP, restore_sqlite};
pub use books::BookSize;
pub use cadence::{IssuedFeed, OverdueTouches};
pub use connect::{DEFAULT_URL, Engine, redact as redacted};
pub use demo::{DemoProgress, DemoVoice};
pub use effectiveness::{
    EffectivenessRun, KeptEffectiveness, PeerJudgement, PhaseCount, PhaseMove, PhaseRecord,
};
pub use engagement::{
    AccountEngagement, EngagementConfigVersion, EngagementSweep, FiredMoment, ProductRelease,
};
pub use erasure::{DeletedAccount, ERASED_NAME, Erased};
pub use error::StoreError;
pub use forecast::{NewPlan, PeriodValues, PlanRecord, PlannedRenewal, VarianceNote};
pub use freshness::SourceFreshness;
pub use health::{
    AccountHealth, AtRiskPlaybook, BACKTEST_HORIZONS, BACKTEST_MAX_HORIZON_DAYS, BuiltinFollowed,
    ColourDay, ColourMove, CsmPulse, HealthConfigVersion, HealthRefresh, HealthSnapshot,
    HealthWatch, INVOICE_DAYS_OVERDUE, PULSE_MAX_DAYS, SCORING_MOVE_NOTICE_DAYS, ScoringChange,
    ScoringMove, StoredBacktest, check_backtest_horizon, colour_slot,
};
pub use import::Progress;
pub use intake::{IngestOutcome, IntakeStatus, StoredEvent, UsageDay};
pub use jobs::{Job, JobQueue, JobStatus};
pub use nine_box::{NineBoxEntry, NineBoxView};
pub use outreach::{
    LEASE, MAX_ATTEMPTS, Occasion, OutboxCounts, PlannedSend, Send, SendColumn, SendOrder,
    SendQuery, UNSUBSCRIBE_MARK,
};
pub use pending_owners::PendingOwner;
pub use plans::{
    IssuedShare, NewObjectiveValue, NewTurn, ObjectiveValue, PlanChange, PlanHistory, PlanSave,
    PlanStanding, PlanVersion, PlannedRow, SharedPlan, StoredPlan,
};
pub use priorities::{CsmGroupBook, GradeInput, PrioritisationRules};
pub use qualification::{CompetitorMention, SavedQualification};
pub use reassignments::{PlannedMove, ReassignmentPlan, ReassignmentRequest, received};
pub use renewals::{CallMade, PipelineRenewal};
pub use revenue::{RevenueAccount, RevenueTerms};
pub use saved_views::{SavedView, StagedUpload};
pub use search::FoundContact;
pub use segments::{CurveAccount, ParetoView, SegmentApplication};
pub use sessions::{NewSession, WebSession};
pub use support::TicketSummary;
pub use task_board::{LoadSnapshot, PastLoad, TaskLoad};
pub use tasks::TaskQuery;
pub use tokens::{NewToken, Principal, TokenInfo};
pub use versions::ConfigVersion;

use sherpa_core::Clock;
use sqlx::AnyPool;
use std::sync::Arc;

/// A handle on the database: cheap to clone, shared by the server, jobs and CLI commands.
/// How much of the connection pool is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    clock: Arc<dyn Clock>,
    /// The database URL with its password hidden: the only form kept, so no log or `Debug`
    /// output can leak it.
    display_url: String,
    /// The event intake's own connection on a SQLite file (see `intake::sqlite`).
    sqlite_intake: Option<Arc<intake::SqliteIntake>>,
    /// Accounts whose health must be recomputed (see `health::watch`).
    health: Arc<health::HealthWatch>,
    /// On a SQLite file: this process's claim that the database is in use (see `db_file`).
    _in_use: Option<Arc<db_file::Holding>>,
    /// The book's terms as revenue reports read them, with the generation they were read at
    /// (see `revenue`).
    terms: Arc<std::sync::Mutex<Option<revenue::CachedTerms>>>,
    /// The account lists' totals by filter, with the generation they were counted at (see
    /// `accounts::totals`).
    totals: Arc<std::sync::Mutex<accounts::TotalsCache>>,
    /// Text searches' matches in their lists' order, with the generation they were read at
    /// (see `accounts::matches`).
    matches: Arc<std::sync::Mutex<accounts::MatchesCache>>,
}

/// Filters for the id-ordered lists of contacts and contract terms.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub account: Option<sherpa_core::AccountId>,
    /// The record with this CRM id.
    pub external_id: Option<String>,
    /// Records after this id (the cursor).
    pub after: Option<i64>,
    pub limit: i64,
}

impl ListQuery {
    /// The statement of one page of `columns` from `table` under these filters. Only the filters
    /// given become conditions, so that the planner can use the account and CRM-id indexes (a
    /// catch-all `$1 IS NULL OR ...` condition would make it scan).
    pub(crate) fn statement(
        &self,
        columns: &str,
        table: &str,
    ) -> (String, sqlx::any::AnyArguments<'static>) {
        use sql::{Arg, Args};
        let mut args = Args::default();
        let mut conds = vec![format!(
            "id > {}",
            args.push(Arg::Int(self.after.unwrap_or(0)))
        )];
        if let Some(a) = self.account {
            conds.push(format!("account_id = {}", args.push(Arg::Int(a.0))));
        }
        if let Some(x) = &self.external_id {
            conds.push(format!("external_id = {}", args.push(Arg::Text(x.clone()))));
        }
        let limit = args.push(Arg::Int(self.limit.max(1)));
        let sql = format!(
            "SELECT {columns} FROM {table} WHERE {} ORDER BY id LIMIT {limit}",
            conds.join(" AND ")
        );
        (sql, args.into_arguments())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl Store {
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// A transaction that will write. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads first and writes later fails outright
    /// (SQLITE_BUSY, no waiting) when another connection committed in between, and that
    /// reached a user as a 500. Taken at once, the lock waits its turn under `busy_timeout`.
    pub(crate) async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.engine {
            Engine::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Engine::Postgres => self.pool.begin().await?,
        })
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// The connection pool's use: connections open, of them idle, and the most it opens.
    pub fn pool_use(&self) -> PoolUse {
        PoolUse {
            open: self.pool.size(),
            idle: self.pool.num_idle() as u32,
            max: self.pool.options().get_max_connections(),
        }
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The URL without its password, for messages.
    pub fn display_url(&self) -> String {
        self.display_url.clone()
    }

    fn now(&self) -> String {
        sherpa_core::text::timestamp(self.clock.now())
    }

    /// Reporting currency for totals and account ARR.
    pub fn currency(&self) -> sherpa_core::Currency {
        sherpa_core::Currency::USD
    }

    pub async fn close(&self) {
        if let Err(e) = self.write_held_intake().await {
            tracing::warn!(error = %e, "writing the intake's held rollups and ids on closing failed; the next start redoes them");
        }
        self.pool.close().await;
    }
}
