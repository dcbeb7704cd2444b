//! Revenue: retention over reporting periods, the renewal pipeline and the forecast. Everyone
//! signed in reads the figures; leaders lock and re-plan the forecast.

mod adoption;
mod demo;
mod forecast;
mod meddicc;
mod plan;
mod probabilities;
mod renewals;
mod retention;

pub use adoption::StrategicFeatures;
pub use forecast::{
    ColourCheck, Waterfall, WaterfallPeriod, parse_forecast_grain, parse_series, plan_periods,
};
pub use meddicc::{
    COMPETITION_DAYS, ElementView, MeddiccView, MentionCompetitor, QualificationVersion,
};
pub use plan::{PLAN_NOTE_MAX, PlanRequest};
pub use probabilities::{AccuracyState, ForecastBasis, RENEWAL_FORECAST_JOB, accuracy_table};
pub use renewals::{MakeCall, Renewal, RenewalPipeline, within_days};
pub use retention::{RetentionPeriod, RetentionQuery, RetentionReport, RevenueGroup, parse_grain};
