//! Customer health (seed 003): scorecards of factors that turn Sherpa's own metrics into an
//! explainable 0-100 score and a colour; the catalogue of those metrics; the default
//! scorecards and the rules that assign them.

mod catalogue;
mod scorecard;

pub use catalogue::*;
pub use scorecard::*;
