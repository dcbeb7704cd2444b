//! Revenue pages: retention, the renewal pipeline, the forecast and its accuracy.

pub mod accuracy;
pub mod forecast;
pub mod meddicc;
pub mod renewals;
pub mod retention;
