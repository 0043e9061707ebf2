//! OneRoster 1.2 CSV bundles in and out of Ensemble.
//!
//! [`mod@read`] checks a bundle whole and refuses it with every problem named (file, line,
//! column, value); [`map`] turns a checked bundle into Ensemble's terms (a [`map::Plan`]);
//! [`propose`] finds the core teams in co-taught classes and houses; [`mod@write`] writes a plan
//! back out as a bundle. Pure: no database, no network.

pub mod map;
pub mod model;
pub mod propose;
pub mod read;
pub mod sample;
pub mod write;

pub use map::{plan, Plan};
pub use model::Bundle;
pub use read::{read, Files, Problem, Ref, Refused};

/// Reads, checks and maps a bundle in one go; `known` answers for references a delta bundle
/// makes to what an earlier import brought in.
pub fn load(files: &Files, known: &dyn Fn(Ref, &str) -> bool) -> Result<(Bundle, Plan), Refused> {
    let bundle = read::read(files, known)?;
    let plan = map::plan(&bundle, known).map_err(|problems| Refused { problems, more: 0 })?;
    Ok((bundle, plan))
}
