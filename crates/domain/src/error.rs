//! Errors of the model: a value that cannot be parsed, and a rule of the team-based model that
//! a change would break. Both say what and where, in words a school leader understands.

/// A field whose raw value is not acceptable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem} (got {value:?})")]
pub struct ParseError {
    pub field: &'static str,
    pub value: String,
    pub problem: &'static str,
}

impl ParseError {
    pub fn new(field: &'static str, value: &str, problem: &'static str) -> Self {
        let value: String = value.chars().take(80).collect();
        Self {
            field,
            value,
            problem,
        }
    }
}

/// A rule of the team-based model that a change would break.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleViolation {
    #[error("core team \"{team}\" needs at least two professional educators; it would have {found}{}", list_names(.members))]
    CoreTeamTooFewProfessionals {
        team: String,
        found: usize,
        members: Vec<String>,
    },
    #[error("student {student} is already on the roster of core team \"{existing_team}\" in term {term}; a student belongs to one core roster per term")]
    StudentOnTwoRosters {
        student: String,
        term: String,
        existing_team: String,
    },
    #[error("only core teams own a roster; \"{team}\" is an extended team (extended-team members serve students through service assignments)")]
    RosterOnExtendedTeam { team: String },
    #[error("space \"{space}\" holds {capacity}, but {requested} would be there on {day} {period}{}", explain_load(.already))]
    SpaceOverCapacity {
        space: String,
        capacity: u32,
        requested: u32,
        already: u32,
        day: String,
        period: String,
    },
    #[error("zones of \"{room}\" would hold {zones_total} together, more than the room's capacity of {capacity}")]
    ZonesExceedRoom {
        room: String,
        capacity: u32,
        zones_total: u32,
    },
    #[error("{what} belongs to school {found}, not to school {expected}")]
    WrongSchool {
        what: String,
        expected: String,
        found: String,
    },
    #[error("educator {educator} is already on team \"{team}\"")]
    AlreadyOnTeam { educator: String, team: String },
    #[error("student {student} is not on the roster of \"{team}\"")]
    NotOnRoster { student: String, team: String },
    #[error("{0}")]
    Invalid(String),
}

fn list_names(names: &[String]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!(" ({})", names.join(", "))
    }
}

fn explain_load(already: &u32) -> String {
    if *already == 0 {
        String::new()
    } else {
        format!(" ({already} already booked)")
    }
}
