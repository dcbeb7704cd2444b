//! Revenue pages: retention, the renewal pipeline and the forecast.

pub mod renewals;
pub mod retention;
