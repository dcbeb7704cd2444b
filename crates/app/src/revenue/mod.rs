//! Revenue: retention over reporting periods, the renewal pipeline and the forecast. Everyone
//! signed in reads the figures; leaders lock and re-plan the forecast.

mod demo;
mod meddicc;
mod renewals;
mod retention;

pub use meddicc::{
    COMPETITION_DAYS, ElementView, MeddiccView, MentionCompetitor, QualificationVersion,
};
pub use renewals::{MakeCall, Renewal, RenewalPipeline, within_days};
pub use retention::{RetentionPeriod, RetentionQuery, RetentionReport, RevenueGroup, parse_grain};
