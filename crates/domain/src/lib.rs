//! The team-based school as types: districts, schools, terms and the weekly time grid,
//! educators along the continuum of roles, students with their protected profiles, core and
//! extended teams with their shared rosters, learning spaces, and the rules that bind them.
//!
//! This crate is pure: no database, no HTTP, no async, no clock. Constructors validate, so a
//! value that exists obeys the model's rules ("parse, don't validate").

pub mod access;
pub mod credential;
pub mod dataset;
pub mod educator;
pub mod error;
pub mod goal;
pub mod ids;
pub mod labels;
pub mod pathway;
pub mod school;
pub mod space;
pub mod student;
pub mod team;

pub use access::{
    Access, Principal, RosterGrant, RosterScope, Sensitive, SensitiveSet, StudentFacts,
    StudentGrant, SystemRole, TeamFacts,
};
pub use educator::{
    Competency, ContentExpertise, Employment, Evidence, Fte, Level, RoleType, WeeklyAvailability,
};
pub use error::{ParseError, RuleViolation};
pub use ids::*;
pub use school::{DayOfWeek, Grade, Period, PeriodKind, TermKind, TimeGrid};
pub use space::{SpaceKind, SpaceLoad};
pub use student::{Demographics, Needs, SeenNeeds, StudentProfile};
pub use team::{TeamKind, TeamMemberRole, TeamSeat};

/// An identifier that a student information system gives a record (OneRoster's `sourcedId`).
/// Non-empty, at most 255 characters, no whitespace or control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct SourcedId(String);

impl SourcedId {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ParseError::new("sourcedId", raw, "must not be empty"));
        }
        if s.len() > 255 {
            return Err(ParseError::new(
                "sourcedId",
                raw,
                "must be at most 255 characters",
            ));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ParseError::new(
                "sourcedId",
                raw,
                "must not contain spaces or control characters",
            ));
        }
        Ok(Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SourcedId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for SourcedId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SourcedId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A person's display name, trimmed, 1–100 characters.
pub fn parse_name(field: &'static str, raw: &str) -> Result<String, ParseError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ParseError::new(field, raw, "must not be empty"));
    }
    if s.chars().count() > 100 {
        return Err(ParseError::new(
            field,
            raw,
            "must be at most 100 characters",
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(ParseError::new(
            field,
            raw,
            "must not contain control characters",
        ));
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sourced_id_rejects_blank_and_spaces() {
        assert!(SourcedId::parse("  ").is_err());
        assert!(SourcedId::parse("a b").is_err());
        assert_eq!(
            SourcedId::parse(" stu-1 ").map(|s| s.0),
            Ok("stu-1".to_owned())
        );
        assert!(SourcedId::parse(&"x".repeat(256)).is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("name", "  Ada "), Ok("Ada".to_owned()));
        assert!(parse_name("name", "").is_err());
        assert!(parse_name("name", "a\u{0}b").is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sourced_ids_are_trimmed_and_never_contain_spaces(s in "\\PC{0,300}") {
            if let Ok(id) = SourcedId::parse(&s) {
                prop_assert!(!id.as_str().is_empty() && id.as_str().len() <= 255);
                prop_assert!(!id.as_str().chars().any(char::is_whitespace));
                prop_assert_eq!(SourcedId::parse(id.as_str()), Ok(id.clone()));
            }
        }

        #[test]
        fn names_are_bounded(s in "\\PC{0,150}") {
            if let Ok(n) = parse_name("name", &s) {
                prop_assert!(!n.is_empty() && n.chars().count() <= 100 && n == n.trim());
            }
        }
    }
}
