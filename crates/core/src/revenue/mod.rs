//! Revenue: how much of the book's recurring revenue stays, grows and leaves, by the common
//! SaaS definitions, written out where the figures are shown; the renewal forecast, the table
//! of renewal chances it rests on, and how accurate it has been.

mod accuracy;
mod calibration;
mod config;
mod forecast;
pub mod meddicc;
mod period;
mod renewal;
mod retention;
mod series;

pub use accuracy::*;
pub use calibration::*;
pub use config::*;
pub use forecast::*;
pub use period::*;
pub use renewal::*;
pub use retention::*;
pub use series::*;
