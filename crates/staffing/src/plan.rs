//! What the engine proposes (and what a leader may edit by hand): core teams with their members
//! and the responsibilities each holds, and the extended team's service minutes.

use crate::problem::Problem;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A plan file: the input it was designed from, the design, and the engine's report. `staffing
/// check` and `staffing budget` read the first two; the report is for people.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub input: Problem,
    pub design: Design,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<crate::Report>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Design {
    pub schools: Vec<SchoolDesign>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolDesign {
    pub school: String,
    pub teams: Vec<TeamDesign>,
    /// Everyone who serves from the extended team, with their service minutes.
    #[serde(default)]
    pub extended: Vec<ExtendedSeat>,
}

/// A core team: its share of a band's students, its members and who holds each responsibility.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamDesign {
    pub name: String,
    /// The band's name (`Grade 6`).
    pub band: String,
    /// Students on the team's shared roster.
    pub roster: u32,
    /// Of those, students with each need.
    #[serde(default)]
    pub needs: BTreeMap<String, u32>,
    pub members: Vec<Member>,
    pub holdings: Vec<Holding>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub educator: String,
    /// Why they are on this team.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub why: Vec<String>,
}

/// Who holds one responsibility of a team (`lead_planner_ela`, `team_lead`, …).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holding {
    pub responsibility: String,
    /// `None` when no one could hold it: a gap.
    #[serde(default)]
    pub holder: Option<String>,
    /// The teammate who coaches a stretch assignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coach: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtendedSeat {
    pub educator: String,
    pub services: Vec<ServiceMinutes>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
}

/// Weekly minutes of a service given to one core team's students.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceMinutes {
    pub service: String,
    pub team: String,
    pub minutes: u32,
}

impl SchoolDesign {
    pub fn team(&self, name: &str) -> Option<&TeamDesign> {
        self.teams.iter().find(|t| t.name == name)
    }
}
