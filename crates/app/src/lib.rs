//! Sherpa's use cases: one function per thing a person or a job does ("grade an account",
//! "choose a tier", "log an activity", "finish a task"). Each takes the acting person and a typed
//! command, checks their permission, applies the rules of `sherpa_core`, writes through the
//! store in one transaction (which writes the audit entry), and then starts the follow-ups.
//!
//! The API handlers, the web pages, the CLI and the background jobs are thin adapters over
//! this crate, so the same action has the same outcome whichever door it comes through.

mod accounts;
mod adoption;
pub use accounts::{BULK_ACCOUNTS, ReassignAccounts, Reassigned};
mod backtest;
mod book;
mod cadence;
pub mod config;
mod effectiveness;
mod engagement;
mod engagement_config;
mod erasure;
mod error;
mod event_import;
mod follow_up;
mod health;
mod health_config;
mod health_refresh;
mod home;
mod import;
mod intake;
pub mod jobs;
mod outreach;
pub mod password;
mod plans;
mod prioritise;
mod revenue;
mod search;
mod staffing;
mod tasks;
mod team;
mod time_zone;
mod timeline;
mod views;

pub use adoption::{AdoptionMatrix, AdoptionSheet, Peer, Upsell, Whitespace, matrix_query};
pub use backtest::{BACKTEST_JOB, BacktestState};
pub use effectiveness::{
    AccountEffectiveness, BehaviourView, Candidate, Improvement, ModelOverview, PeerGroup,
};
pub use engagement::CompleteMilestone;
pub use engagement_config::RecordRelease;
pub use erasure::ERASURE_REASON;
pub use error::{Error, Result, parse_field};
pub use event_import::{EVENT_SLICE, EventImport, EventSource, MAX_LISTED_ERRORS};
pub use health::{ClosePlaybook, PULSE_DAYS, SetPulse};
pub use health_config::{ApplyWeights, HealthConfigChange};
pub use health_refresh::{BookRescore, MarkedRefresh};
pub use home::{
    AdminHome, ArrAtRisk, ColourShare, DayTask, LEADER_RENEWAL_DAYS, LeaderHome, MOVED_DAYS,
    MemberLoad, RenewalRisk, Slipping, TODAY_RENEWAL_DAYS, Today,
};
pub use import::ImportSheet;
pub use intake::{MapFeature, RETENTION_DAYS};
pub use outreach::{MomentPreview, PREVIEW_ACCOUNTS, PreviewMoment};
pub use plans::{
    ObjectiveView, PatternAccount, PlanPatterns, PlanView, RecordValue, SavePlan, SharedPlanView,
    StepView,
};
pub use prioritise::{
    BoxOfQuarter, CadencesConfig, ChooseTier, GradeAccount, GradeBoundsConfig, ParetoConfig,
    PlaceInNineBox, PlacedAccount, PrioritisationConfig, ProposeReassignment, QuarterBoard,
    TierTime,
};
pub use revenue::{
    AccuracyState, COMPETITION_DAYS, ColourCheck, ElementView, ForecastBasis, MakeCall,
    MeddiccView, MentionCompetitor, PLAN_NOTE_MAX, PlanRequest, QualificationVersion,
    RENEWAL_FORECAST_JOB, Renewal, RenewalPipeline, RetentionPeriod, RetentionQuery,
    RetentionReport, RevenueGroup, StrategicFeatures, Waterfall, WaterfallPeriod, accuracy_table,
    parse_forecast_grain, parse_grain, parse_series, plan_periods, within_days,
};
pub use search::{Found, SEARCH_EACH, SEARCH_MIN_CHARS};
pub use staffing::{CsmBook, GroupNeed, Staffing, tenths};
pub use tasks::{BULK_TASKS, OpenTask, SNOOZE_DAYS, TaskAction, WorkTask, WorkTasks};
pub use team::{AddTeamMember, ChangeTeamMember, CreateToken, TOKEN_NAME};
pub use timeline::LogActivity;

use sherpa_core::{Actor, Denied, User};
use sherpa_store::Store;

/// The application: every use case, over one store. Cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    store: Store,
}

/// The door an action came through, kept with every change it makes ("via" in the audit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    Api,
    Web,
    Cli,
}

impl Door {
    pub fn as_str(self) -> &'static str {
        match self {
            Door::Api => "api",
            Door::Web => "web",
            Door::Cli => "cli",
        }
    }

    /// The door in words, as a record of where something was asked ("through the API").
    pub fn place(self) -> &'static str {
        match self {
            Door::Api => "API",
            Door::Web => "account page",
            Door::Cli => "command line",
        }
    }
}

/// Who acts, and through which door: a team member (signed in, or by their API token), or the
/// operator at the command line, who holds the database itself and acts as the system.
#[derive(Debug, Clone)]
pub struct Caller {
    person: Option<User>,
    pub door: Door,
}

impl Caller {
    pub fn new(user: User, door: Door) -> Self {
        Caller {
            person: Some(user),
            door,
        }
    }

    /// The operator of a `sherpa` command: every rule of the book applies, no role limits.
    pub fn operator() -> Self {
        Caller {
            person: None,
            door: Door::Cli,
        }
    }

    /// The team member acting; an action that is a person's own (logging a call, opening a
    /// task for oneself) refuses the operator.
    pub fn person(&self) -> Result<&User> {
        self.person.as_ref().ok_or_else(|| {
            Error::Forbidden(
                "this is a team member's action; sign in, or use their API token".into(),
            )
        })
    }

    /// Checks a role rule of the team member acting; the operator passes.
    pub fn may(&self, rule: impl FnOnce(&User) -> Result<(), Denied>) -> Result<()> {
        match &self.person {
            Some(u) => Ok(rule(u)?),
            None => Ok(()),
        }
    }

    /// The author of the changes this caller makes, as the audit log keeps it.
    pub fn actor(&self) -> Actor {
        match &self.person {
            Some(u) => Actor::user(u.id, self.door.as_str()),
            None => Actor::system(self.door.as_str()),
        }
    }
}

impl App {
    pub fn new(store: Store) -> Self {
        App { store }
    }

    /// The store, for reading. Changes go through the use cases.
    pub fn store(&self) -> &Store {
        &self.store
    }
}
