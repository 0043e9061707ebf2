//! The schedule document: a school's week as JSON, complete enough for anyone to check it
//! without Ensemble — the time grid, the teams with their members, rosters and spaces, the
//! educators with the periods they are at school, the spaces, the services students receive,
//! and every session. Students appear by id only. `docs/schedule.md` describes the format.

use ensemble_domain::{DayOfWeek, PeriodKind, RoleType, TeamKind};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// The format's name and version, written in every document.
pub const FORMAT: &str = "ensemble-schedule/1";

/// A time of day in minutes after midnight, written `HH:MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Clock(pub u16);

impl Clock {
    pub fn minutes(self) -> u16 {
        self.0
    }
}

impl std::fmt::Display for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl std::str::FromStr for Clock {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("\"{s}\" is not a time of day as HH:MM");
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(bad());
        }
        let h: u16 = h.parse().map_err(|_| bad())?;
        let m: u16 = m.parse().map_err(|_| bad())?;
        if h > 23 || m > 59 {
            return Err(bad());
        }
        Ok(Self(h * 60 + m))
    }
}

impl Serialize for Clock {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Clock {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A school's week.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Doc {
    /// Always [`FORMAT`].
    pub format: String,
    pub school: Named,
    pub term: Term,
    /// The school's time zone (IANA name), for calendars.
    pub time_zone: String,
    /// Minutes every core team plans together each day, at least.
    pub planning_minutes_daily: u32,
    pub grid: Grid,
    pub teams: Vec<Team>,
    pub educators: Vec<Educator>,
    pub spaces: Vec<Space>,
    /// Which educator gives which student which service, and for how many minutes a week.
    pub services: Vec<Service>,
    /// The week: every session on every school day.
    pub sessions: Vec<Session>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub id: i64,
    pub name: String,
    /// First and last day, `YYYY-MM-DD`.
    pub start_date: String,
    pub end_date: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    pub days: Vec<DayOfWeek>,
    pub periods: Vec<GridPeriod>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridPeriod {
    pub name: String,
    pub start: Clock,
    pub end: Clock,
    pub kind: PeriodKind,
}

impl GridPeriod {
    pub fn minutes(&self) -> u32 {
        u32::from(self.end.0.saturating_sub(self.start.0))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub kind: TeamKind,
    pub member_ids: Vec<i64>,
    /// The members who lead it.
    #[serde(default)]
    pub lead_ids: Vec<i64>,
    /// A core team's roster.
    #[serde(default)]
    pub student_ids: Vec<i64>,
    /// The team's own spaces: a core team's home rooms or zones, the specials team's rooms
    /// (one for each of its members, in order).
    #[serde(default)]
    pub space_ids: Vec<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Educator {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: RoleType,
    /// Per school day, the periods (indexes into `grid.periods`) the educator is at school.
    pub available: BTreeMap<DayOfWeek, Vec<usize>>,
    /// The largest group the educator's role leads (the district's catalog); the role's
    /// default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_group: Option<u32>,
}

/// The largest group a role leads when the catalog says nothing: a professional educator a
/// large group (60), a resident a class under a mentor (25), a specialist a small group (12),
/// a paraeducator or community educator 6, a volunteer 4.
pub fn default_max_group(role: RoleType) -> u32 {
    match role {
        RoleType::TeacherLeader | RoleType::ExperiencedEducator | RoleType::NoviceTeacher => 60,
        RoleType::ResidentTeacher => 25,
        RoleType::Specialist => 12,
        RoleType::Paraeducator | RoleType::CommunityEducator => 6,
        RoleType::Volunteer => 4,
    }
}

impl Educator {
    /// The largest group they lead.
    pub fn max_group(&self) -> u32 {
        self.max_group
            .unwrap_or_else(|| default_max_group(self.role))
    }

    pub fn is_available(&self, day: DayOfWeek, period: usize) -> bool {
        self.available
            .get(&day)
            .is_some_and(|p| p.contains(&period))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Space {
    pub id: i64,
    pub name: String,
    /// `classroom`, `flexible_space`, `zone`, `lab`, `library`, `gym`, `commons`,
    /// `small_group_room`, …
    pub kind: String,
    /// Students it seats.
    pub capacity: u32,
    /// For a zone: the flexible space it is part of.
    #[serde(default)]
    pub zone_of: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub educator_id: i64,
    pub student_id: i64,
    pub service: String,
    pub label: String,
    pub minutes_per_week: u32,
}

/// What a session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// A core team's students with the team's educators in the team's spaces (advisory too).
    TeamBlock,
    /// A core team's members plan together (with the extended team once a week).
    Planning,
    /// An extended-team member with the students whose plans require the service.
    Service,
    /// The specials team has a core team's students while that team plans.
    Specials,
    Lunch,
    /// An educator supervises a team's lunch.
    Duty,
}

impl SessionKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::TeamBlock => "Team block",
            Self::Planning => "Team planning",
            Self::Service => "Service",
            Self::Specials => "Specials",
            Self::Lunch => "Lunch",
            Self::Duty => "Lunch duty",
        }
    }
}

/// How a service is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The students leave the team block for the session.
    PullOut,
    /// The educator joins the students in the team block's space.
    PushIn,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    pub day: DayOfWeek,
    pub start: Clock,
    pub end: Clock,
    pub kind: SessionKind,
    /// The core team whose students or members the session is about (the specials team's
    /// sessions name the core team whose students they have).
    pub team_id: i64,
    pub educator_ids: Vec<i64>,
    pub student_ids: Vec<i64>,
    pub space_id: Option<i64>,
    /// The zone's name when the space is a zone of a flexible space.
    #[serde(default)]
    pub zone: Option<String>,
    /// A service session's service code and how it is given.
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub mode: Option<Mode>,
    /// In words: "Advisory", "Team planning with the extended team", "Special education
    /// (pull-out)".
    pub label: String,
}

impl Session {
    pub fn minutes(&self) -> u32 {
        u32::from(self.end.0.saturating_sub(self.start.0))
    }
    pub fn overlaps(&self, o: &Session) -> bool {
        self.day == o.day && self.start < o.end && o.start < self.end
    }
}

impl Doc {
    pub fn team(&self, id: i64) -> Option<&Team> {
        self.teams.iter().find(|t| t.id == id)
    }
    pub fn educator(&self, id: i64) -> Option<&Educator> {
        self.educators.iter().find(|e| e.id == id)
    }
    pub fn space(&self, id: i64) -> Option<&Space> {
        self.spaces.iter().find(|s| s.id == id)
    }
    /// The grid period a session sits in (its start), if any.
    pub fn period_of(&self, s: &Session) -> Option<usize> {
        self.grid.periods.iter().position(|p| p.start == s.start)
    }
}
