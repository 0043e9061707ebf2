//! The catalog (roles, the responsibilities a core team carries, the services the extended team
//! gives) and the policy. The defaults are grounded in the seeds and in public team-based models
//! (`docs/research/staffing-design-notes.md`); a district edits them in its input file.

use crate::problem::{Candidate, InputError};
use ensemble_domain::{Level, RoleType};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Roles, responsibilities and services.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub roles: Vec<RoleDef>,
    pub responsibilities: Vec<ResponsibilityDef>,
    pub services: Vec<ServiceDef>,
}

/// A role on the continuum with its typical FTE and how it is paid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDef {
    pub role: RoleType,
    pub label: String,
    pub typical_fte: f64,
    pub pay: Pay,
    /// Smallest and largest group this role leads in a block (the role's default when absent:
    /// see [`RoleDef::group_size`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_size: Option<[u32; 2]>,
}

impl RoleDef {
    /// The group sizes a role leads by default: a professional educator a whole class's
    /// worth, a resident a class under a mentor, a specialist a small group, a paraeducator or
    /// community educator a small group, a volunteer a few students.
    pub fn default_group_size(role: RoleType) -> [u32; 2] {
        match role {
            RoleType::TeacherLeader | RoleType::ExperiencedEducator | RoleType::NoviceTeacher => {
                [4, 60]
            }
            RoleType::ResidentTeacher => [4, 25],
            RoleType::Specialist => [1, 12],
            RoleType::Paraeducator | RoleType::CommunityEducator => [1, 6],
            RoleType::Volunteer => [1, 4],
        }
    }

    /// The smallest and largest group this role leads.
    pub fn group_size(&self) -> [u32; 2] {
        self.group_size
            .unwrap_or_else(|| Self::default_group_size(self.role))
    }
}

/// How a role is paid (the budget model holds the amounts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pay {
    /// The certified salary schedule (lane × step).
    Certified,
    /// The classified hourly schedule (by step).
    Classified,
    /// An hourly rate (community educators).
    Hourly,
    /// A programme stipend (residents).
    Stipend,
    Unpaid,
}

/// A competency needed at a level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub competency: String,
    pub level: Level,
}

/// A responsibility each core team must have someone hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponsibilityDef {
    pub code: String,
    pub label: String,
    /// Roles that may hold it.
    pub holders: Vec<RoleType>,
    /// Competencies a ready holder has, all of them.
    #[serde(default)]
    pub requires: Vec<Requirement>,
    /// One per core subject of the band (`lead_planner_ela`, …), needing content expertise at
    /// this level in that subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_subject_content: Option<Level>,
    /// May be held one level short on each requirement, as a coached stretch.
    #[serde(default)]
    pub stretch: bool,
    /// Weekly minutes it takes.
    pub load_minutes: u32,
    /// Only teams with students who have this need carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_with_need: Option<String>,
}

/// A service the extended team gives the students who need it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDef {
    pub code: String,
    pub label: String,
    /// Which need count drives it (`all` for every student).
    pub need: String,
    /// Weekly minutes each of those students needs.
    pub minutes_per_student: u32,
    /// Roles that may give it.
    pub providers: Vec<RoleType>,
    /// Competencies a provider has, all of them.
    #[serde(default)]
    pub requires: Vec<Requirement>,
}

/// What a school leader sets for their school's design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Students per core team, smallest and largest (ASU profiles: 85–150).
    pub roster: [u32; 2],
    /// Most adults on one core team.
    pub max_team_size: u32,
    /// Most students per professional educator on a core team (hard when set).
    pub max_students_per_professional: Option<u32>,
    /// Working minutes per week of 1.0 FTE.
    pub minutes_per_fte: u32,
    /// Of those, the minutes a core-team member spends with the team's students; the rest is
    /// for responsibilities.
    pub core_minutes_per_fte: u32,
    /// Of those, the minutes a teacher-leader is released from teaching to lead (partial
    /// release, as in multi-classroom-leader models).
    pub leader_release_minutes: u32,
    /// Weekly minutes a coach gives each stretch they coach.
    pub coach_minutes: u32,
    /// The competency a coach needs, at `coach_level`.
    pub coach_competency: String,
    pub coach_level: Level,
    /// Responsibilities one person may hold before the load term counts.
    pub holdings_before_load: u32,
    /// Years of experience that make a professional a veteran for novice pairing.
    pub veteran_years: u8,
    /// Core subjects every team plans (a band can override).
    pub subjects: Vec<String>,
    pub weights: Weights,
    /// Moves per school for the heuristic's local search.
    pub search_moves: u32,
}

/// Weights of the soft terms (each hard violation weighs [`crate::HARD`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// Per team and core subject with no member at content level 3.
    pub content_spread: u32,
    /// Per novice or resident with no veteran on their team.
    pub novice_pairing: u32,
    /// Per 0.1 FTE a team is away from its share of the core FTE.
    pub balance: u32,
    /// Per responsibility a person holds beyond `Policy::holdings_before_load`.
    pub load: u32,
    /// Per diversity tag of the school missing from a team that has room for it.
    pub diversity: u32,
    /// Per unmet wish (grade, responsibility).
    pub preference: u32,
    /// Per pair of last year's teammates now on different teams.
    pub continuity: u32,
    /// Per stretch assignment.
    pub stretch: u32,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            content_spread: 30,
            novice_pairing: 40,
            balance: 5,
            load: 5,
            diversity: 5,
            preference: 10,
            continuity: 5,
            stretch: 20,
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            roster: [85, 150],
            max_team_size: 8,
            max_students_per_professional: Some(45),
            minutes_per_fte: 1500,
            core_minutes_per_fte: 1200,
            leader_release_minutes: 300,
            coach_minutes: 30,
            coach_competency: "coaching".into(),
            coach_level: lvl(3),
            holdings_before_load: 3,
            veteran_years: 5,
            subjects: ["ela", "math", "science", "social_studies"]
                .map(String::from)
                .to_vec(),
            weights: Weights::default(),
            search_moves: 20_000,
        }
    }
}

fn lvl(n: u8) -> Level {
    Level::new(i64::from(n)).unwrap_or_else(|_| unreachable!("catalog levels are 1–4"))
}

fn req(code: &str, level: u8) -> Requirement {
    Requirement {
        competency: code.into(),
        level: lvl(level),
    }
}

impl Catalog {
    /// The default catalog (see `docs/staffing.md` for the reasoning behind each entry).
    pub fn default_catalog() -> Self {
        use RoleType::*;
        let role = |role: RoleType, fte: f64, pay: Pay| RoleDef {
            role,
            label: role.label().into(),
            typical_fte: fte,
            pay,
            group_size: Some(RoleDef::default_group_size(role)),
        };
        let pros = vec![TeacherLeader, ExperiencedEducator, NoviceTeacher];
        let core_adults = vec![
            TeacherLeader,
            ExperiencedEducator,
            NoviceTeacher,
            ResidentTeacher,
            Paraeducator,
        ];
        let resp = |code: &str,
                    label: &str,
                    holders: &Vec<RoleType>,
                    requires: Vec<Requirement>,
                    stretch: bool,
                    load: u32| ResponsibilityDef {
            code: code.into(),
            label: label.into(),
            holders: holders.clone(),
            requires,
            per_subject_content: None,
            stretch,
            load_minutes: load,
            only_with_need: None,
        };
        let service = |code: &str,
                       label: &str,
                       need: &str,
                       minutes: u32,
                       providers: Vec<RoleType>,
                       requires: Vec<Requirement>| ServiceDef {
            code: code.into(),
            label: label.into(),
            need: need.into(),
            minutes_per_student: minutes,
            providers,
            requires,
        };
        let mut lead_planner = resp(
            "lead_planner",
            "Lead planner",
            &pros,
            vec![req("unit_design", 3)],
            true,
            60,
        );
        lead_planner.per_subject_content = Some(lvl(3));
        Self {
            roles: vec![
                role(TeacherLeader, 1.0, Pay::Certified),
                role(ExperiencedEducator, 1.0, Pay::Certified),
                role(NoviceTeacher, 1.0, Pay::Certified),
                role(ResidentTeacher, 1.0, Pay::Stipend),
                role(Specialist, 1.0, Pay::Certified),
                role(Paraeducator, 1.0, Pay::Classified),
                role(CommunityEducator, 0.2, Pay::Hourly),
                role(Volunteer, 0.0, Pay::Unpaid),
            ],
            responsibilities: vec![
                resp(
                    "team_lead",
                    "Team lead",
                    &vec![TeacherLeader, ExperiencedEducator],
                    vec![req("coaching", 3), req("data_meeting_lead", 3)],
                    false,
                    150,
                ),
                lead_planner,
                resp(
                    "data_lead",
                    "Data-meeting lead",
                    &pros,
                    vec![req("data_meeting_lead", 3)],
                    true,
                    60,
                ),
                resp(
                    "family_communication",
                    "Family communication lead",
                    &core_adults,
                    vec![req("family_communication", 3)],
                    true,
                    45,
                ),
                resp(
                    "culture_lead",
                    "Culture and behaviour lead",
                    &core_adults,
                    vec![req("culture_and_behaviour", 3)],
                    true,
                    45,
                ),
                resp(
                    "small_group_lead",
                    "Small-group instruction lead",
                    &core_adults,
                    vec![req("small_group_instruction", 3)],
                    true,
                    45,
                ),
                resp(
                    "technology_data",
                    "Technology and data facilitator",
                    &core_adults,
                    vec![req("technology_and_data", 3)],
                    true,
                    45,
                ),
            ],
            services: vec![
                service(
                    "special_education",
                    "Special education (IEP services and case management)",
                    "special_education",
                    45,
                    vec![Specialist],
                    vec![req("iep_case_management", 3)],
                ),
                service(
                    "paraeducator_support",
                    "Paraeducator support for students with IEPs",
                    "special_education",
                    20,
                    vec![Paraeducator, Specialist],
                    vec![req("small_group_instruction", 2)],
                ),
                service(
                    "english_learner",
                    "English-learner instruction",
                    "english_learner",
                    30,
                    vec![Specialist],
                    vec![req("ell_instruction", 3)],
                ),
                service(
                    "newcomer_integration",
                    "Newcomer integration",
                    "english_learner",
                    10,
                    vec![Specialist, Paraeducator, CommunityEducator, Volunteer],
                    vec![req("newcomer_integration", 2)],
                ),
                service(
                    "reading_intervention",
                    "Reading intervention",
                    "reading_intervention",
                    45,
                    vec![Specialist, Paraeducator],
                    vec![req("reading_intervention", 2)],
                ),
                service(
                    "math_intervention",
                    "Math intervention",
                    "math_intervention",
                    45,
                    vec![Specialist, Paraeducator],
                    vec![req("math_intervention", 2)],
                ),
                service(
                    "counselling",
                    "School counselling (ASCA 250:1)",
                    "all",
                    6,
                    vec![Specialist],
                    vec![req("counselling", 3)],
                ),
            ],
        }
    }

    pub fn validate(&self) -> Result<(), InputError> {
        let bad = |path: String, problem: String| Err(InputError { path, problem });
        for (i, r) in self.roles.iter().enumerate() {
            if let Some([lo, hi]) = r.group_size {
                if lo == 0 || lo > hi || hi > 1_000 {
                    return bad(
                        format!("catalog.roles[{i}].group_size"),
                        "must be [smallest, largest] with 1 ≤ smallest ≤ largest ≤ 1,000".into(),
                    );
                }
            }
        }
        let mut codes = BTreeSet::new();
        for (i, r) in self.responsibilities.iter().enumerate() {
            if ensemble_domain::educator::parse_code("code", &r.code).is_err() {
                return bad(
                    format!("catalog.responsibilities[{i}].code"),
                    "must be lower-case letters, digits or underscores".into(),
                );
            }
            if !codes.insert(r.code.as_str()) {
                return bad(
                    format!("catalog.responsibilities[{i}].code"),
                    format!("{:?} appears twice", r.code),
                );
            }
            if r.holders.is_empty() {
                return bad(
                    format!("catalog.responsibilities[{i}].holders"),
                    "at least one role must be able to hold it".into(),
                );
            }
            if r.load_minutes > MINUTES_PER_WEEK {
                return bad(
                    format!("catalog.responsibilities[{i}].load_minutes"),
                    "must be at most 10,080 (the minutes of a week)".into(),
                );
            }
        }
        if self.services.len() > 64 {
            return bad("catalog.services".into(), "at most 64 services".into());
        }
        let mut codes = BTreeSet::new();
        for (i, s) in self.services.iter().enumerate() {
            if !codes.insert(s.code.as_str()) {
                return bad(
                    format!("catalog.services[{i}].code"),
                    format!("{:?} appears twice", s.code),
                );
            }
            if s.providers.is_empty() {
                return bad(
                    format!("catalog.services[{i}].providers"),
                    "at least one role must be able to give it".into(),
                );
            }
            if s.minutes_per_student > MINUTES_PER_WEEK {
                return bad(
                    format!("catalog.services[{i}].minutes_per_student"),
                    "must be at most 10,080 (the minutes of a week)".into(),
                );
            }
        }
        Ok(())
    }

    pub fn role(&self, role: RoleType) -> Option<&RoleDef> {
        self.roles.iter().find(|r| r.role == role)
    }
}

impl Policy {
    pub fn validate(&self) -> Result<(), InputError> {
        let bad = |path: &str, problem: &str| {
            Err(InputError {
                path: format!("policy.{path}"),
                problem: problem.into(),
            })
        };
        if self.roster[0] == 0 || self.roster[0] > self.roster[1] {
            return bad(
                "roster",
                "must be [smallest, largest] with 1 ≤ smallest ≤ largest",
            );
        }
        if self.max_team_size < 2 {
            return bad("max_team_size", "must be at least 2");
        }
        if self.max_students_per_professional == Some(0) {
            return bad("max_students_per_professional", "must be at least 1");
        }
        if self.minutes_per_fte == 0 || self.core_minutes_per_fte > self.minutes_per_fte {
            return bad(
                "core_minutes_per_fte",
                "must be at most minutes_per_fte, which must be above 0",
            );
        }
        if self.leader_release_minutes > self.core_minutes_per_fte {
            return bad(
                "leader_release_minutes",
                "must be at most core_minutes_per_fte",
            );
        }
        if self.subjects.is_empty() {
            return bad("subjects", "at least one core subject is needed");
        }
        check_subjects(&self.subjects).map_err(|problem| InputError {
            path: "policy.subjects".into(),
            problem,
        })?;
        let week = |v: u32| v <= MINUTES_PER_WEEK;
        if !week(self.minutes_per_fte) || !week(self.coach_minutes) {
            return bad(
                "minutes_per_fte",
                "minutes_per_fte and coach_minutes must be at most 10,080 (the minutes of a week)",
            );
        }
        if self.roster[1] > 5_000 || self.max_team_size > 1_000 {
            return bad(
                "roster",
                "rosters are at most 5,000 students and teams at most 1,000 adults",
            );
        }
        if self
            .max_students_per_professional
            .is_some_and(|m| m > 10_000)
        {
            return bad("max_students_per_professional", "must be at most 10,000");
        }
        if self.holdings_before_load > 1_000 || self.veteran_years > 80 {
            return bad(
                "holdings_before_load",
                "holdings_before_load must be at most 1,000 and veteran_years at most 80",
            );
        }
        if self.search_moves > MAX_SEARCH_MOVES {
            return bad("search_moves", "must be at most 10,000,000");
        }
        let w = &self.weights;
        let weights = [
            w.content_spread,
            w.novice_pairing,
            w.balance,
            w.load,
            w.diversity,
            w.preference,
            w.continuity,
            w.stretch,
        ];
        if weights.iter().any(|&x| x > 1_000) {
            return bad(
                "weights",
                "each weight must be at most 1,000 (a hard violation weighs 10,000)",
            );
        }
        Ok(())
    }
}

/// The minutes of a week: the most any minutes field may hold.
pub const MINUTES_PER_WEEK: u32 = 7 * 24 * 60;
/// The most local-search moves per school a policy may ask for.
pub const MAX_SEARCH_MOVES: u32 = 10_000_000;
/// The most core subjects (the designer keeps them in a 64-bit set).
pub const MAX_SUBJECTS: usize = 64;

/// Subjects must be valid codes, distinct, and at most [`MAX_SUBJECTS`].
pub(crate) fn check_subjects(subjects: &[String]) -> Result<(), String> {
    if subjects.len() > MAX_SUBJECTS {
        return Err(format!("at most {MAX_SUBJECTS} core subjects"));
    }
    let mut seen = BTreeSet::new();
    for s in subjects {
        if ensemble_domain::educator::parse_code("subject", s).is_err() {
            return Err(format!(
                "{s:?} must be lower-case letters, digits or underscores"
            ));
        }
        if !seen.insert(s.as_str()) {
            return Err(format!("{s:?} is listed twice"));
        }
    }
    Ok(())
}

/// How a candidate stands against a set of requirements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Readiness {
    /// Meets every requirement.
    Ready,
    /// At most one level short on each, where a coached stretch is allowed.
    Stretch,
    No,
}

/// How `c` stands for responsibility `r` (with `subject` for per-subject ones).
pub fn readiness(c: &Candidate, r: &ResponsibilityDef, subject: Option<&str>) -> Readiness {
    if !r.holders.contains(&c.role) {
        return Readiness::No;
    }
    let mut gaps: Vec<(u8, u8)> = r
        .requires
        .iter()
        .map(|q| (c.competency_level(&q.competency), q.level.get()))
        .collect();
    if let (Some(level), Some(s)) = (r.per_subject_content, subject) {
        gaps.push((c.content_level(s), level.get()));
    }
    if gaps.iter().all(|(have, need)| have >= need) {
        Readiness::Ready
    } else if r.stretch
        && gaps
            .iter()
            .all(|(have, need)| *have > 0 && have + 1 >= *need)
    {
        Readiness::Stretch
    } else {
        Readiness::No
    }
}

/// May `c` give service `s`?
pub fn qualified(c: &Candidate, s: &ServiceDef) -> bool {
    s.providers.contains(&c.role)
        && s.requires
            .iter()
            .all(|q| c.competency_level(&q.competency) >= q.level.get())
}

/// May `c` coach a stretch under this policy?
pub fn can_coach(c: &Candidate, policy: &Policy) -> bool {
    c.role.is_professional()
        && c.competency_level(&policy.coach_competency) >= policy.coach_level.get()
}
