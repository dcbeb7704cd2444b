//! Revenue: retention over reporting periods, the renewal pipeline and the forecast. Everyone
//! signed in reads the figures; leaders lock and re-plan the forecast.

mod retention;

pub use retention::{RetentionPeriod, RetentionQuery, RetentionReport, RevenueGroup, parse_grain};
