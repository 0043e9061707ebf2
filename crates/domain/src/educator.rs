//! Educators along the continuum of roles: what they are employed for, when they are
//! available, what they know and can do, and how that is evidenced.

use crate::error::ParseError;
use crate::school::DayOfWeek;
use serde::{Deserialize, Serialize};

/// Where an educator stands on the continuum of roles (seed 004).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleType {
    /// Leads a core team while still teaching.
    TeacherLeader,
    /// A certified teacher with several years of practice.
    ExperiencedEducator,
    /// A certified teacher early in their career.
    NoviceTeacher,
    /// A teacher candidate in a residency, teaching under a mentor.
    ResidentTeacher,
    /// Special education, English learners, intervention, counselling …
    Specialist,
    Paraeducator,
    /// A community member who brings expertise and works with students under the team's lead.
    CommunityEducator,
    Volunteer,
}

impl RoleType {
    pub const ALL: [RoleType; 8] = [
        Self::TeacherLeader,
        Self::ExperiencedEducator,
        Self::NoviceTeacher,
        Self::ResidentTeacher,
        Self::Specialist,
        Self::Paraeducator,
        Self::CommunityEducator,
        Self::Volunteer,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TeacherLeader => "teacher_leader",
            Self::ExperiencedEducator => "experienced_educator",
            Self::NoviceTeacher => "novice_teacher",
            Self::ResidentTeacher => "resident_teacher",
            Self::Specialist => "specialist",
            Self::Paraeducator => "paraeducator",
            Self::CommunityEducator => "community_educator",
            Self::Volunteer => "volunteer",
        }
    }
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| ParseError::new("role type", s, "is not a role on the continuum"))
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::TeacherLeader => "Teacher-leader",
            Self::ExperiencedEducator => "Experienced professional educator",
            Self::NoviceTeacher => "Novice teacher",
            Self::ResidentTeacher => "Resident teacher",
            Self::Specialist => "Specialist",
            Self::Paraeducator => "Paraeducator",
            Self::CommunityEducator => "Community educator",
            Self::Volunteer => "Volunteer",
        }
    }
    /// A certified professional educator: counts toward the two a core team needs.
    pub fn is_professional(self) -> bool {
        matches!(
            self,
            Self::TeacherLeader
                | Self::ExperiencedEducator
                | Self::NoviceTeacher
                | Self::Specialist
        )
    }
    /// Community educators and volunteers see students' names and groups only.
    pub fn is_community(self) -> bool {
        matches!(self, Self::CommunityEducator | Self::Volunteer)
    }
}

/// How an educator is employed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Employment {
    FullTime,
    PartTime,
    Volunteer,
}

impl Employment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FullTime => "full_time",
            Self::PartTime => "part_time",
            Self::Volunteer => "volunteer",
        }
    }
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s {
            "full_time" => Ok(Self::FullTime),
            "part_time" => Ok(Self::PartTime),
            "volunteer" => Ok(Self::Volunteer),
            _ => Err(ParseError::new(
                "employment",
                s,
                "must be full_time, part_time or volunteer",
            )),
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::FullTime => "Full-time",
            Self::PartTime => "Part-time",
            Self::Volunteer => "Volunteer",
        }
    }
}

/// Full-time equivalent in thousandths (1000 = 1.0 FTE), consistent with the employment:
/// full-time is 1.0, part-time strictly between 0 and 1, a volunteer 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Fte(u16);

impl Fte {
    pub fn new(employment: Employment, thousandths: i64) -> Result<Self, ParseError> {
        let ok = match employment {
            Employment::FullTime => thousandths == 1000,
            Employment::PartTime => (1..1000).contains(&thousandths),
            Employment::Volunteer => thousandths == 0,
        };
        if !ok {
            let problem = match employment {
                Employment::FullTime => "must be 1.0 for a full-time educator",
                Employment::PartTime => "must be above 0 and below 1.0 for a part-time educator",
                Employment::Volunteer => "must be 0 for a volunteer",
            };
            return Err(ParseError::new(
                "fte",
                &format!("{:.3}", thousandths as f64 / 1000.0),
                problem,
            ));
        }
        Ok(Self(thousandths as u16))
    }
    pub fn thousandths(self) -> u16 {
        self.0
    }
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 1000.0
    }
}

impl std::fmt::Display for Fte {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2}", self.as_f64())
    }
}

/// A level of readiness, 1 (emerging) to 4 (expert): the scale of competencies and content
/// expertise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Level(u8);

impl Level {
    pub fn new(n: i64) -> Result<Self, ParseError> {
        match n {
            1..=4 => Ok(Self(n as u8)),
            _ => Err(ParseError::new(
                "level",
                &n.to_string(),
                "must be 1 (emerging) to 4 (expert)",
            )),
        }
    }
    pub fn get(self) -> u8 {
        self.0
    }
    pub fn label(self) -> &'static str {
        ["", "Emerging", "Developing", "Proficient", "Expert"][self.0 as usize]
    }
}
impl TryFrom<i64> for Level {
    type Error = ParseError;
    fn try_from(n: i64) -> Result<Self, ParseError> {
        Self::new(n)
    }
}
impl From<Level> for i64 {
    fn from(l: Level) -> i64 {
        i64::from(l.0)
    }
}

/// Where a competency's evidence comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    Degree,
    Licence,
    Credential,
    MicroCredential,
    ObservedEvidence,
}

impl Evidence {
    pub const ALL: [Evidence; 5] = [
        Self::Degree,
        Self::Licence,
        Self::Credential,
        Self::MicroCredential,
        Self::ObservedEvidence,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Degree => "degree",
            Self::Licence => "licence",
            Self::Credential => "credential",
            Self::MicroCredential => "micro_credential",
            Self::ObservedEvidence => "observed_evidence",
        }
    }
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| {
                ParseError::new(
                    "evidence",
                    s,
                    "must be degree, licence, credential, micro_credential or observed_evidence",
                )
            })
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Degree => "Degree",
            Self::Licence => "Licence",
            Self::Credential => "Credential",
            Self::MicroCredential => "Micro-credential",
            Self::ObservedEvidence => "Observed evidence",
        }
    }
}

/// A competency (knowledge, skill or disposition) an educator holds at a level, with its
/// evidence. Codes are lower-case slugs such as `small_group_instruction`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Competency {
    pub code: String,
    pub level: Level,
    pub evidence: Evidence,
    /// What the evidence is: "M.Ed. Reading, ASU 2019", "Micro-credential: Data-driven small groups".
    pub source: String,
}

/// Mastery of a content area (`math`, `ela`, `science`, `social_studies`, …) at a level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentExpertise {
    pub subject: String,
    pub level: Level,
}

/// Parses a lower-case slug: letters, digits and underscores, 1–64 characters.
pub fn parse_code(field: &'static str, raw: &str) -> Result<String, ParseError> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ParseError::new(
            field,
            raw,
            "must be 1–64 lower-case letters, digits or underscores",
        ))
    }
}

/// The periods of the week an educator can work: one bit per period for each day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WeeklyAvailability {
    days: [u32; 7],
}

impl WeeklyAvailability {
    /// Available in every one of `periods` periods on the given days.
    pub fn full(days: &[DayOfWeek], periods: usize) -> Self {
        let mask = if periods >= 32 {
            u32::MAX
        } else {
            (1u32 << periods) - 1
        };
        let mut a = Self::default();
        for d in days {
            a.days[d.index() as usize] = mask;
        }
        a
    }
    pub fn set(&mut self, day: DayOfWeek, period: usize, available: bool) {
        if period < 32 {
            let bit = 1u32 << period;
            if available {
                self.days[day.index() as usize] |= bit;
            } else {
                self.days[day.index() as usize] &= !bit;
            }
        }
    }
    pub fn is_available(&self, day: DayOfWeek, period: usize) -> bool {
        period < 32 && self.days[day.index() as usize] & (1 << period) != 0
    }
    pub fn periods_per_week(&self) -> u32 {
        self.days.iter().map(|d| d.count_ones()).sum()
    }
    /// Compact text form stored in the database: seven hexadecimal masks, comma-separated.
    pub fn encode(&self) -> String {
        self.days
            .iter()
            .map(|d| format!("{d:x}"))
            .collect::<Vec<_>>()
            .join(",")
    }
    pub fn decode(raw: &str) -> Result<Self, ParseError> {
        let bad = || {
            ParseError::new(
                "availability",
                raw,
                "must be seven hexadecimal day masks separated by commas",
            )
        };
        let parts: Vec<&str> = raw.split(',').collect();
        if parts.len() != 7 {
            return Err(bad());
        }
        let mut a = Self::default();
        for (slot, p) in a.days.iter_mut().zip(parts) {
            *slot = u32::from_str_radix(p, 16).map_err(|_| bad())?;
        }
        Ok(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fte_matches_employment() {
        assert!(Fte::new(Employment::FullTime, 1000).is_ok());
        assert!(Fte::new(Employment::FullTime, 800).is_err());
        assert!(Fte::new(Employment::PartTime, 500).is_ok());
        assert!(Fte::new(Employment::PartTime, 1000).is_err());
        assert!(Fte::new(Employment::Volunteer, 0).is_ok());
        assert!(Fte::new(Employment::Volunteer, 100).is_err());
    }

    #[test]
    fn professional_roles_are_the_certified_ones() {
        let pros: Vec<_> = RoleType::ALL
            .into_iter()
            .filter(|r| r.is_professional())
            .collect();
        assert_eq!(
            pros,
            vec![
                RoleType::TeacherLeader,
                RoleType::ExperiencedEducator,
                RoleType::NoviceTeacher,
                RoleType::Specialist
            ]
        );
        for r in RoleType::ALL {
            assert_eq!(RoleType::parse(r.as_str()), Ok(r));
        }
    }

    proptest! {
        #[test]
        fn availability_round_trips(days in proptest::array::uniform7(any::<u32>())) {
            let a = WeeklyAvailability { days };
            prop_assert_eq!(WeeklyAvailability::decode(&a.encode()), Ok(a));
        }

        #[test]
        fn availability_decode_never_panics(s in ".{0,80}") {
            let _ = WeeklyAvailability::decode(&s);
        }
    }
}
