//! Revenue pages: retention, the renewal pipeline and the forecast.

pub mod meddicc;
pub mod renewals;
pub mod retention;
