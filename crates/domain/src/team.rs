//! Core and extended teams. A core team is at least two professional educators who share one
//! roster of students for a term; an extended team complements it with specialists,
//! paraeducators, community educators and volunteers who serve some of those students.

use crate::educator::RoleType;
use crate::error::{ParseError, RuleViolation};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamKind {
    Core,
    Extended,
    /// The specials and electives teachers (arts, music, physical education …) who have a
    /// core team's students while that team plans.
    Specials,
}

impl TeamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Core => "core",
            Self::Extended => "extended",
            Self::Specials => "specials",
        }
    }
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s {
            "core" => Ok(Self::Core),
            "extended" => Ok(Self::Extended),
            "specials" => Ok(Self::Specials),
            _ => Err(ParseError::new(
                "team kind",
                s,
                "must be core, extended or specials",
            )),
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Core => "Core team",
            Self::Extended => "Extended team",
            Self::Specials => "Specials team",
        }
    }
}

/// A member's seat on a team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamMemberRole {
    Lead,
    Member,
}

impl TeamMemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Member => "member",
        }
    }
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s {
            "lead" => Ok(Self::Lead),
            "member" => Ok(Self::Member),
            _ => Err(ParseError::new("team role", s, "must be lead or member")),
        }
    }
    /// In words, for pages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Lead => "Team lead",
            Self::Member => "Member",
        }
    }
}

/// One person on a team, as the team rules need to see them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamSeat {
    pub name: String,
    pub role_type: RoleType,
}

/// Checks the composition rules of a team of `kind` named `team` with these members.
pub fn check_composition(
    team: &str,
    kind: TeamKind,
    seats: &[TeamSeat],
) -> Result<(), RuleViolation> {
    if kind == TeamKind::Core {
        let pros = seats
            .iter()
            .filter(|s| s.role_type.is_professional())
            .count();
        if pros < 2 {
            return Err(RuleViolation::CoreTeamTooFewProfessionals {
                team: team.to_owned(),
                found: pros,
                members: seats
                    .iter()
                    .map(|s| format!("{} — {}", s.name, s.role_type.label()))
                    .collect(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat(name: &str, role_type: RoleType) -> TeamSeat {
        TeamSeat {
            name: name.into(),
            role_type,
        }
    }

    #[test]
    fn core_team_needs_two_professionals() {
        let one = [
            seat("Ada", RoleType::TeacherLeader),
            seat("Bo", RoleType::Paraeducator),
            seat("Cy", RoleType::ResidentTeacher),
        ];
        let err = check_composition("6 Blue", TeamKind::Core, &one)
            .expect_err("one professional is too few");
        let msg = err.to_string();
        assert!(
            msg.contains("6 Blue") && msg.contains("would have 1"),
            "{msg}"
        );
        let two = [
            seat("Ada", RoleType::TeacherLeader),
            seat("Di", RoleType::NoviceTeacher),
        ];
        assert!(check_composition("6 Blue", TeamKind::Core, &two).is_ok());
        assert!(check_composition("Extended", TeamKind::Extended, &one[1..]).is_ok());
    }
}
