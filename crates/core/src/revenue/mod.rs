//! Revenue: how much of the book's recurring revenue stays, grows and leaves, by the common
//! SaaS definitions, written out where the figures are shown.

mod config;
pub mod meddicc;
mod period;
mod renewal;
mod retention;

pub use config::*;
pub use period::*;
pub use renewal::*;
pub use retention::*;
