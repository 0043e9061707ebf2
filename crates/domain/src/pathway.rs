//! Pathways: how an educator enters the profession, specializes and advances without leaving
//! students. A district's pathways are a role ladder (community educator → paraeducator →
//! resident teacher → certified teacher → teacher-leader), where an educator stands on the step
//! of their role, and specialist tracks (English learners, special education, data, technology),
//! where they stand on the highest step whose competencies they hold. Each step names the
//! competencies it asks for, at a level, and the time it usually takes; a micro-credential that
//! raises a competency moves an educator along every pathway that asks for it.

use crate::educator::{parse_code, Competency, Level, RoleType};
use crate::error::ParseError;
use serde::{Deserialize, Serialize};

/// A ladder of roles, or a specialist track.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathwayKind {
    /// Each step is a role: an educator stands on the step of their role.
    Ladder,
    /// Steps of growing expertise: an educator stands on the highest step they meet.
    Track,
}

/// A competency a step asks for, at a level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRequirement {
    pub competency: String,
    pub level: Level,
}

/// One step of a pathway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathwayStep {
    pub name: String,
    /// What the step is, in a sentence.
    pub description: String,
    /// On a ladder, the roles this step is (empty on a track).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<RoleType>,
    pub requires: Vec<StepRequirement>,
    /// The time the step usually takes before the next, in months.
    pub typical_months: u16,
}

/// A pathway of the district's catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pathway {
    /// A lower-case slug, unique in the district: `teaching`, `english_learners`.
    pub code: String,
    pub name: String,
    pub kind: PathwayKind,
    pub steps: Vec<PathwayStep>,
}

/// At most this many steps in a pathway, and requirements in a step.
pub const MAX_STEPS: usize = 8;

impl Pathway {
    /// Checks a pathway: slugs, names given and bounded, 2–8 steps each asking for at most 8
    /// known-format competencies, 1–120 months each; on a ladder every step names a role and no
    /// role is on two steps.
    pub fn checked(self) -> Result<Self, ParseError> {
        let bad = |field: &'static str, value: &str, problem: &'static str| {
            Err(ParseError::new(field, value, problem))
        };
        if !(2..=MAX_STEPS).contains(&self.steps.len()) {
            return bad("steps", &self.steps.len().to_string(), "must be 2 to 8");
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return bad(
                "name",
                &self.name,
                "must be given, and at most 120 characters",
            );
        }
        let mut roles_seen: Vec<RoleType> = Vec::new();
        let mut steps = Vec::new();
        for s in self.steps {
            let step_name = s.name.trim();
            if step_name.is_empty() || step_name.chars().count() > 120 {
                return bad(
                    "step name",
                    &s.name,
                    "must be given, and at most 120 characters",
                );
            }
            if s.description.chars().count() > 1000 {
                return bad(
                    "step description",
                    &s.description,
                    "must be at most 1,000 characters",
                );
            }
            if !(1..=120).contains(&s.typical_months) {
                return bad(
                    "typical months",
                    &s.typical_months.to_string(),
                    "must be 1 to 120",
                );
            }
            if s.requires.len() > MAX_STEPS {
                return bad(
                    "requires",
                    &s.requires.len().to_string(),
                    "must be at most 8",
                );
            }
            match self.kind {
                PathwayKind::Ladder if s.roles.is_empty() => {
                    return bad("roles", step_name, "a ladder's step must name its roles")
                }
                PathwayKind::Track if !s.roles.is_empty() => {
                    return bad("roles", step_name, "a track's steps name no roles")
                }
                _ => {}
            }
            for r in &s.roles {
                if roles_seen.contains(r) {
                    return bad("roles", r.label(), "is on two steps");
                }
                roles_seen.push(*r);
            }
            let requires = s
                .requires
                .into_iter()
                .map(|q| {
                    Ok(StepRequirement {
                        competency: parse_code("competency", &q.competency)?,
                        level: q.level,
                    })
                })
                .collect::<Result<Vec<_>, ParseError>>()?;
            steps.push(PathwayStep {
                name: step_name.to_owned(),
                description: s.description.trim().to_owned(),
                roles: s.roles,
                requires,
                typical_months: s.typical_months,
            });
        }
        Ok(Self {
            code: parse_code("code", &self.code)?,
            name: name.to_owned(),
            kind: self.kind,
            steps,
        })
    }

    /// Where an educator of this role, holding these competencies, stands.
    pub fn standing(&self, role: RoleType, held: &[Competency]) -> Standing {
        let meets = |s: &PathwayStep| {
            s.requires
                .iter()
                .all(|q| level_of(held, &q.competency) >= Some(q.level))
        };
        let at = match self.kind {
            PathwayKind::Ladder => self.steps.iter().position(|s| s.roles.contains(&role)),
            PathwayKind::Track => self.steps.iter().rposition(meets),
        };
        // A ladder's role that is not on it (a specialist on the teaching ladder) has no
        // standing there and no next step.
        let next_index = match (self.kind, at) {
            (PathwayKind::Ladder, None) => None,
            (_, None) => Some(0),
            (_, Some(i)) => Some(i + 1).filter(|n| *n < self.steps.len()),
        };
        let next = next_index.map(|i| {
            let s = &self.steps[i];
            let (met, missing): (Vec<_>, Vec<_>) = s
                .requires
                .iter()
                .map(|q| Gap {
                    competency: q.competency.clone(),
                    need: q.level,
                    have: level_of(held, &q.competency),
                })
                .partition(|g| g.have >= Some(g.need));
            Next {
                step: i,
                met,
                missing,
            }
        });
        Standing { at, next }
    }
}

fn level_of(held: &[Competency], code: &str) -> Option<Level> {
    held.iter().find(|c| c.code == code).map(|c| c.level)
}

/// Where an educator stands on one pathway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    /// The step they stand on (its index), if any.
    pub at: Option<usize>,
    /// The step that comes next, with what they hold of it.
    pub next: Option<Next>,
}

/// The next step: which requirements are met and which are not yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Next {
    pub step: usize,
    pub met: Vec<Gap>,
    pub missing: Vec<Gap>,
}

/// One requirement against what the educator holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    pub competency: String,
    pub need: Level,
    pub have: Option<Level>,
}

fn lvl(n: i64) -> Level {
    Level::new(n).unwrap_or_else(|_| unreachable!("default levels are 1–4"))
}

fn step(
    name: &str,
    description: &str,
    roles: &[RoleType],
    requires: &[(&str, i64)],
    typical_months: u16,
) -> PathwayStep {
    PathwayStep {
        name: name.into(),
        description: description.into(),
        roles: roles.to_vec(),
        requires: requires
            .iter()
            .map(|(c, l)| StepRequirement {
                competency: (*c).into(),
                level: lvl(*l),
            })
            .collect(),
        typical_months,
    }
}

/// The pathways a district starts with: the teaching ladder and four specialist tracks.
pub fn default_pathways() -> Vec<Pathway> {
    use RoleType::*;
    let track = |code: &str, name: &str, steps: Vec<PathwayStep>| Pathway {
        code: code.into(),
        name: name.into(),
        kind: PathwayKind::Track,
        steps,
    };
    vec![
        Pathway {
            code: "teaching".into(),
            name: "Into and up the teaching profession".into(),
            kind: PathwayKind::Ladder,
            steps: vec![
                step("Community educator", "Brings their expertise and care to students under the team's lead: mentoring, reading, a club.", &[Volunteer, CommunityEducator], &[("mentoring", 1)], 12),
                step("Paraeducator", "Works with small groups and individual students, planned by the core team.", &[Paraeducator], &[("small_group_instruction", 2), ("culture_and_behaviour", 2)], 18),
                step("Resident teacher", "Teaches a share of the team's students under a mentor while earning a licence.", &[ResidentTeacher], &[("small_group_instruction", 2), ("unit_design", 1), ("culture_and_behaviour", 2)], 12),
                step("Certified teacher", "A licensed teacher sharing the team's roster: plans, teaches and assesses with the team.", &[NoviceTeacher, ExperiencedEducator], &[("small_group_instruction", 3), ("unit_design", 2), ("family_communication", 2)], 36),
                step("Teacher-leader", "Leads a core team while still teaching (a multi-classroom leader): coaches, leads data meetings, answers for the team's results.", &[TeacherLeader], &[("coaching", 3), ("data_meeting_lead", 3), ("unit_design", 3)], 36),
            ],
        },
        track("english_learners", "English learners", vec![
            step("English-learner practitioner", "Teaches English learners in the core team's lessons with language supports.", &[], &[("ell_instruction", 2)], 12),
            step("English-learner lead", "Plans the team's language supports and welcomes newcomers.", &[], &[("ell_instruction", 3), ("newcomer_integration", 2)], 24),
            step("English-learner specialist", "Serves English learners across teams and coaches others.", &[], &[("ell_instruction", 4), ("newcomer_integration", 3)], 36),
        ]),
        track("special_education", "Special education", vec![
            step("Inclusion practitioner", "Co-teaches students with disabilities in the team's lessons.", &[], &[("co_teaching", 2), ("behaviour_support", 2)], 12),
            step("Inclusion lead", "Plans accommodations with the team and follows IEP goals.", &[], &[("co_teaching", 3), ("iep_case_management", 2)], 24),
            step("Special-education specialist", "Manages IEPs and serves students across teams.", &[], &[("iep_case_management", 3), ("behaviour_support", 3)], 36),
        ]),
        track("data", "Data", vec![
            step("Data practitioner", "Reads the team's formative data and groups students by skill.", &[], &[("technology_and_data", 2), ("data_meeting_lead", 2)], 12),
            step("Data-meeting lead", "Leads the team's data meetings.", &[], &[("data_meeting_lead", 3)], 12),
            step("Data coach", "Coaches teams across the school in using their data.", &[], &[("data_meeting_lead", 4), ("coaching", 3)], 24),
        ]),
        track("technology", "Technology", vec![
            step("Technology practitioner", "Uses the team's tools well with students.", &[], &[("technology_and_data", 2)], 12),
            step("Technology lead", "Chooses and sets up the team's tools, and designs projects with them.", &[], &[("technology_and_data", 3), ("project_based_learning", 2)], 18),
            step("Technology coach", "Coaches colleagues across teams.", &[], &[("technology_and_data", 4), ("coaching", 3)], 24),
        ]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::educator::Evidence;

    fn held(pairs: &[(&str, i64)]) -> Vec<Competency> {
        pairs
            .iter()
            .map(|(c, l)| Competency {
                code: (*c).into(),
                level: lvl(*l),
                evidence: Evidence::ObservedEvidence,
                source: String::new(),
            })
            .collect()
    }

    #[test]
    fn the_defaults_are_valid() {
        for p in default_pathways() {
            let code = p.code.clone();
            assert_eq!(p.clone().checked().expect(&code), p);
        }
    }

    #[test]
    fn a_ladder_places_by_role_and_a_track_by_competencies() {
        let all = default_pathways();
        let ladder = &all[0];
        let para = ladder.standing(
            RoleType::Paraeducator,
            &held(&[("small_group_instruction", 2), ("unit_design", 1)]),
        );
        assert_eq!(para.at, Some(1));
        let next = para.next.expect("a next step");
        assert_eq!(next.step, 2);
        assert_eq!(next.met.len(), 2, "{next:?}");
        assert_eq!(next.missing[0].competency, "culture_and_behaviour");
        assert_eq!(next.missing[0].have, None);
        // The top step has no next; a specialist is not on the ladder.
        assert_eq!(ladder.standing(RoleType::TeacherLeader, &[]).next, None);
        assert_eq!(
            ladder.standing(RoleType::Specialist, &[]),
            Standing {
                at: None,
                next: None
            }
        );
        let data = &all[3];
        let s = data.standing(
            RoleType::NoviceTeacher,
            &held(&[("technology_and_data", 2), ("data_meeting_lead", 3)]),
        );
        assert_eq!(s.at, Some(1));
        let none = data.standing(RoleType::NoviceTeacher, &held(&[("data_meeting_lead", 3)]));
        // Track steps are climbed by what one holds: the second step is met without the first.
        assert_eq!(none.at, Some(1));
        let nothing = data.standing(RoleType::NoviceTeacher, &[]);
        assert_eq!((nothing.at, nothing.next.map(|n| n.step)), (None, Some(0)));
    }

    #[test]
    fn bad_pathways_are_refused_with_the_field() {
        let mut p = default_pathways().remove(0);
        p.steps[1].roles.push(RoleType::Volunteer);
        assert_eq!(p.checked().expect_err("a role twice").field, "roles");
        let mut p = default_pathways().remove(1);
        p.steps[0].typical_months = 0;
        assert_eq!(p.checked().expect_err("no months").field, "typical months");
        let mut p = default_pathways().remove(1);
        p.steps.truncate(1);
        assert_eq!(p.checked().expect_err("one step").field, "steps");
    }
}
