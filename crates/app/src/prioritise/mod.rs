//! Prioritising the book: grading accounts and choosing their tiers, and the rules that do it
//! (grade bounds, the tier grid, Pareto segments, 9-box labels, cadences, staffing).

mod grading;
mod nine_box;
mod reassignment;
mod settings;

pub use grading::{ChooseTier, GradeAccount};
pub use nine_box::{BoxOfQuarter, PlaceInNineBox, PlacedAccount, QuarterBoard, TierTime};
pub use reassignment::ProposeReassignment;
pub use settings::{CadencesConfig, GradeBoundsConfig, ParetoConfig, PrioritisationConfig};
