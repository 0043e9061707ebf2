//! What the staffing engine is given: the catalog of roles, responsibilities and services, the
//! policy, and for each school its students (aggregate counts only) and its pool of educators.
//!
//! These types are the JSON input format (`docs/staffing.md`); [`Problem::validate`] names the
//! field of every error.

use crate::budget::BudgetModel;
use crate::catalog::{check_subjects, Catalog, Policy, MINUTES_PER_WEEK};
use ensemble_domain::{Evidence, Level, RoleType};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Weight of one hard violation in the objective.
pub const HARD: i64 = 10_000;

/// A staffing problem: one or more schools designed under one catalog and policy.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    #[serde(default = "Catalog::default_catalog")]
    pub catalog: Catalog,
    #[serde(default)]
    pub policy: Policy,
    pub schools: Vec<SchoolInput>,
    /// The salary schedule and benefits for `staffing budget`; the demo model when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetModel>,
}

/// A district's settings: the catalog and policy its schools are designed with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default = "Catalog::default_catalog")]
    pub catalog: Catalog,
    #[serde(default)]
    pub policy: Policy,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            catalog: Catalog::default_catalog(),
            policy: Policy::default(),
        }
    }
}

impl Settings {
    pub fn validate(&self) -> Result<(), InputError> {
        self.catalog.validate()?;
        self.policy.validate()?;
        check_generated_codes(
            &self.catalog,
            &self.policy.subjects.iter().map(String::as_str).collect(),
        )
    }
}

/// One school: its students by grade band and its pool of educators.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolInput {
    pub id: String,
    pub name: String,
    pub bands: Vec<Band>,
    pub educators: Vec<Candidate>,
    /// Protected collaborative planning minutes per week each core team gets in the schedule.
    #[serde(default = "default_planning")]
    pub planning_minutes_per_week: u32,
}

fn default_planning() -> u32 {
    250
}

/// Students in one or more grades that core teams share. Counts only: the engine never sees a
/// student record.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub name: String,
    pub grades: Vec<u8>,
    pub students: u32,
    /// Students who need each kind of support (`special_education`, `english_learner`,
    /// `reading_intervention`, …): the keys the catalog's services name in `need`.
    #[serde(default)]
    pub needs: BTreeMap<String, u32>,
    /// English learners by home language (counts), for hiring profiles.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub languages: BTreeMap<String, u32>,
    /// Core subjects each team of the band must plan; the policy's when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// Names for the band's teams, used in order (last year's names keep continuity visible).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub team_names: Vec<String>,
}

/// An educator in the pool, as the engine needs to see them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    pub role: RoleType,
    /// Full-time equivalent, 0 to 1 (volunteers 0).
    pub fte: f64,
    /// Weekly minutes they can give; `fte × policy.minutes_per_fte` when absent (set it for
    /// volunteers, whose FTE is 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes_per_week: Option<u32>,
    #[serde(default)]
    pub years: u8,
    #[serde(default)]
    pub competencies: Vec<HeldCompetency>,
    /// Content expertise: subject → level 1–4.
    #[serde(default)]
    pub content: BTreeMap<String, Level>,
    /// The team they were on last year (continuity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_team: Option<String>,
    #[serde(default)]
    pub prefers: Preferences,
    /// Self-reported, opt-in tags a leader wants spread across teams (never inferred).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diversity_tags: Vec<String>,
    /// Salary-schedule lane (`BA`, `MA`, …) for the budget; the model's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lane: Option<String>,
}

/// A competency held at a level, with where its evidence comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeldCompetency {
    pub code: String,
    pub level: Level,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// What an educator would like.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<u8>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responsibilities: Vec<String>,
}

/// An input the engine cannot work with, with the JSON path of the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct InputError {
    pub path: String,
    pub problem: String,
}

fn err(path: String, problem: impl Into<String>) -> InputError {
    InputError {
        path,
        problem: problem.into(),
    }
}

impl Candidate {
    /// FTE in thousandths.
    pub fn fte_milli(&self) -> u32 {
        (self.fte * 1000.0).round().clamp(0.0, 1000.0) as u32
    }
    /// Weekly minutes this person can give.
    pub fn capacity(&self, policy: &Policy) -> u32 {
        self.minutes_per_week
            .unwrap_or(self.fte_milli() * policy.minutes_per_fte / 1000)
    }
    /// Weekly minutes a core-team seat takes with the team's students (teacher-leaders are
    /// partly released to lead).
    pub fn core_minutes(&self, policy: &Policy) -> u32 {
        let per_fte = if self.role == RoleType::TeacherLeader {
            policy.core_minutes_per_fte
                - policy
                    .leader_release_minutes
                    .min(policy.core_minutes_per_fte)
        } else {
            policy.core_minutes_per_fte
        };
        self.fte_milli() * per_fte / 1000
    }
    pub fn competency(&self, code: &str) -> Option<&HeldCompetency> {
        self.competencies.iter().find(|c| c.code == code)
    }
    pub fn competency_level(&self, code: &str) -> u8 {
        self.competency(code).map_or(0, |c| c.level.get())
    }
    pub fn content_level(&self, subject: &str) -> u8 {
        self.content.get(subject).map_or(0, |l| l.get())
    }
    /// A veteran for novice pairing: a teacher-leader, or a professional with the policy's years.
    pub fn is_veteran(&self, policy: &Policy) -> bool {
        self.role == RoleType::TeacherLeader
            || (self.role.is_professional()
                && self.role != RoleType::NoviceTeacher
                && self.years >= policy.veteran_years)
    }
    /// Needs a veteran on their team: novice and resident teachers.
    pub fn needs_pairing(&self) -> bool {
        matches!(
            self.role,
            RoleType::NoviceTeacher | RoleType::ResidentTeacher
        )
    }
    /// May sit on a core team (specialists, community educators and volunteers serve from the
    /// extended team).
    pub fn core_eligible(&self) -> bool {
        matches!(
            self.role,
            RoleType::TeacherLeader
                | RoleType::ExperiencedEducator
                | RoleType::NoviceTeacher
                | RoleType::ResidentTeacher
                | RoleType::Paraeducator
        )
    }
    /// Must sit on a core team (teachers are not left without students).
    pub fn core_required(&self) -> bool {
        self.core_eligible() && self.role != RoleType::Paraeducator
    }
}

impl Problem {
    /// Checks everything the engine relies on. Errors name the JSON path.
    pub fn validate(&self) -> Result<(), InputError> {
        self.catalog.validate()?;
        self.policy.validate()?;
        if let Some(b) = &self.budget {
            b.validate()?;
        }
        if self.schools.is_empty() {
            return Err(err("schools".into(), "at least one school is needed"));
        }
        let mut school_ids = BTreeSet::new();
        let mut educator_ids = BTreeSet::new();
        for (si, s) in self.schools.iter().enumerate() {
            let at = format!("schools[{si}]");
            if s.id.trim().is_empty() {
                return Err(err(format!("{at}.id"), "must not be empty"));
            }
            if !school_ids.insert(s.id.as_str()) {
                return Err(err(
                    format!("{at}.id"),
                    format!("school {:?} appears twice", s.id),
                ));
            }
            if s.bands.is_empty() {
                return Err(err(
                    format!("{at}.bands"),
                    "at least one grade band is needed",
                ));
            }
            if s.educators.len() > MAX_EDUCATORS {
                return Err(err(
                    format!("{at}.educators"),
                    format!("at most {MAX_EDUCATORS} educators per school"),
                ));
            }
            if s.planning_minutes_per_week > MINUTES_PER_WEEK {
                return Err(err(
                    format!("{at}.planning_minutes_per_week"),
                    "must be at most 10,080 (the minutes of a week)",
                ));
            }
            let mut band_names = BTreeSet::new();
            let mut team_names = BTreeSet::new();
            let mut teams = 0u64;
            for (bi, b) in s.bands.iter().enumerate() {
                let at = format!("{at}.bands[{bi}]");
                if b.grades.is_empty() || b.grades.iter().any(|g| *g > 13) {
                    return Err(err(
                        format!("{at}.grades"),
                        "must list grades 0 (kindergarten) to 13",
                    ));
                }
                if b.students == 0 || b.students > MAX_BAND_STUDENTS {
                    return Err(err(
                        format!("{at}.students"),
                        format!("must be 1 to {MAX_BAND_STUDENTS}"),
                    ));
                }
                if b.name.trim().is_empty() || !band_names.insert(b.name.as_str()) {
                    return Err(err(
                        format!("{at}.name"),
                        "each band needs its own, non-empty name",
                    ));
                }
                for t in &b.team_names {
                    if t.trim().is_empty() || !team_names.insert(t.as_str()) {
                        return Err(err(
                            format!("{at}.team_names"),
                            format!("{t:?}: team names must be non-empty and used once"),
                        ));
                    }
                }
                if !b.subjects.is_empty() {
                    check_subjects(&b.subjects).map_err(|problem| InputError {
                        path: format!("{at}.subjects"),
                        problem,
                    })?;
                }
                // The most teams the designer may try for this band.
                teams += u64::from(b.students.div_ceil(self.policy.roster[0].max(1)));
                if teams > MAX_TEAMS {
                    return Err(err(
                        format!("{at}.students"),
                        format!(
                            "with policy.roster starting at {}, the school's bands could need more than {MAX_TEAMS} teams",
                            self.policy.roster[0]
                        ),
                    ));
                }
                for (need, n) in &b.needs {
                    if *n > b.students {
                        return Err(err(
                            format!("{at}.needs.{need}"),
                            format!("{n} is more than the band's {} students", b.students),
                        ));
                    }
                }
            }
            for (ei, e) in s.educators.iter().enumerate() {
                let at = format!("{at}.educators[{ei}]");
                if e.id.trim().is_empty() {
                    return Err(err(format!("{at}.id"), "must not be empty"));
                }
                if !educator_ids.insert(e.id.as_str()) {
                    return Err(err(
                        format!("{at}.id"),
                        format!("educator {:?} appears twice", e.id),
                    ));
                }
                if !(0.0..=1.0).contains(&e.fte) || e.fte.is_nan() {
                    return Err(err(format!("{at}.fte"), "must be between 0 and 1"));
                }
                if e.role == RoleType::Volunteer && e.fte > 0.0 {
                    return Err(err(format!("{at}.fte"), "must be 0 for a volunteer"));
                }
                if e.years > 80 {
                    return Err(err(format!("{at}.years"), "must be at most 80"));
                }
                if e.minutes_per_week.is_some_and(|m| m > 3000) {
                    return Err(err(
                        format!("{at}.minutes_per_week"),
                        "must be at most 3000 (50 hours)",
                    ));
                }
                let mut seen = BTreeSet::new();
                for (ci, c) in e.competencies.iter().enumerate() {
                    if !seen.insert(c.code.as_str()) {
                        return Err(err(
                            format!("{at}.competencies[{ci}].code"),
                            format!("{:?} is listed twice", c.code),
                        ));
                    }
                }
            }
        }
        // Per-subject responsibility codes (`lead_planner_ela`) must not equal another code.
        let mut subjects: BTreeSet<&str> =
            self.policy.subjects.iter().map(String::as_str).collect();
        for s in &self.schools {
            for b in &s.bands {
                subjects.extend(b.subjects.iter().map(String::as_str));
            }
        }
        check_generated_codes(&self.catalog, &subjects)?;
        Ok(())
    }

    pub fn educator(&self, id: &str) -> Option<(usize, &Candidate)> {
        self.schools
            .iter()
            .enumerate()
            .find_map(|(si, s)| s.educators.iter().find(|e| e.id == id).map(|e| (si, e)))
    }
}

/// The most educators per school.
pub const MAX_EDUCATORS: usize = 5_000;
/// The most students in one band.
pub const MAX_BAND_STUDENTS: u32 = 200_000;
/// The most core teams a school's bands may need.
pub const MAX_TEAMS: u64 = 2_000;

/// Refuses a catalog where a per-subject code (`lead_planner_ela`) equals another
/// responsibility's code.
pub(crate) fn check_generated_codes(
    catalog: &Catalog,
    subjects: &BTreeSet<&str>,
) -> Result<(), InputError> {
    let plain: BTreeSet<&str> = catalog
        .responsibilities
        .iter()
        .filter(|r| r.per_subject_content.is_none())
        .map(|r| r.code.as_str())
        .collect();
    let mut generated = BTreeSet::new();
    for (i, r) in catalog.responsibilities.iter().enumerate() {
        if r.per_subject_content.is_some() {
            for s in subjects {
                let code = format!("{}_{s}", r.code);
                if plain.contains(code.as_str()) || !generated.insert(code.clone()) {
                    return Err(err(
                        format!("catalog.responsibilities[{i}].code"),
                        format!("{code:?} (for subject {s}) is also another responsibility's code"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The core subjects of a band: its own list, or the policy's.
pub fn band_subjects<'a>(band: &'a Band, policy: &'a Policy) -> &'a [String] {
    if band.subjects.is_empty() {
        &policy.subjects
    } else {
        &band.subjects
    }
}
