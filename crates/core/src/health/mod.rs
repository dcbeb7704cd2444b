//! Customer health (seed 003): scorecards of factors that turn Sherpa's own metrics into an
//! explainable 0-100 score and a colour; the catalogue of those metrics and how each is worked
//! out from the book's dated records; the default scorecards and the rules that assign them.

mod backtest;
mod catalogue;
mod config;
mod inputs;
mod scorecard;

pub use backtest::*;
pub use catalogue::*;
pub use config::*;
pub use inputs::*;
pub use scorecard::*;
