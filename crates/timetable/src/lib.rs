//! The scheduling engine's model and its FET reader. A timetable instance is a days × hours
//! grid, teachers, student sets (years ⊃ groups ⊃ subgroups), rooms with capacity in
//! buildings, subjects and activity tags, and activities (split into sub-activities) that must
//! each get a start time and a room, under hard and soft constraints.
//!
//! Pure: no database, no HTTP, no async, no clock.
//!
//! Status: the model and the reader of a `.fet` file's structure (issue 3's first step). The
//! constraints are read as [`RawConstraint`]s, counted by type and kept for the solver to come.

pub mod compile;
pub mod fet;
pub mod fet_out;
pub mod model;
pub mod problem;
pub mod solver;
pub mod verify;
mod xml;

pub use compile::{compile, Unsupported};
pub use fet::{read_fet, FetReport};
pub use model::*;
pub use verify::{verify, Verdict};

/// Something wrong with a `.fet` file, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, <{element}>: {message}")]
pub struct FetError {
    pub line: usize,
    pub element: String,
    pub message: String,
}

impl FetError {
    pub(crate) fn at(line: usize, element: &str, message: String) -> Self {
        Self {
            line,
            element: element.to_owned(),
            message,
        }
    }
}
