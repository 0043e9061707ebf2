//! A whole district's records, as an importer or the demo generator produces them, keyed by
//! `sourcedId` so that records refer to each other the way OneRoster files do.
//! [`Dataset::validate`] checks every reference and every rule of the model before anything
//! is written, so an import either lands whole or not at all.

use crate::access::SystemRole;
use crate::educator::{
    Competency, ContentExpertise, Employment, Fte, RoleType, WeeklyAvailability,
};
use crate::error::RuleViolation;
use crate::school::{Grade, TermKind, TimeGrid};
use crate::space::{check_zones, SpaceKind, SpaceLoad};
use crate::student::{Demographics, Needs, StudentProfile};
use crate::team::{check_composition, TeamKind, TeamMemberRole, TeamSeat};
use crate::SourcedId;
use std::collections::{HashMap, HashSet};

#[derive(Clone, Debug, Default)]
pub struct Dataset {
    pub districts: Vec<NewDistrict>,
    pub schools: Vec<NewSchool>,
    pub educators: Vec<NewEducator>,
    pub students: Vec<NewStudent>,
    pub teams: Vec<NewTeam>,
    pub services: Vec<NewService>,
    pub spaces: Vec<NewSpace>,
    pub bookings: Vec<NewBooking>,
    pub accounts: Vec<NewAccount>,
}

#[derive(Clone, Debug)]
pub struct NewDistrict {
    pub sourced_id: SourcedId,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct NewSchool {
    pub sourced_id: SourcedId,
    pub district: SourcedId,
    pub name: String,
    pub grade_low: Grade,
    pub grade_high: Grade,
    /// The school's time zone, an IANA name such as `America/Phoenix`.
    pub time_zone: String,
    pub grid: TimeGrid,
    pub terms: Vec<NewTerm>,
    /// The term whose teams and rosters are in force.
    pub current_term: SourcedId,
}

#[derive(Clone, Debug)]
pub struct NewTerm {
    pub sourced_id: SourcedId,
    pub parent: Option<SourcedId>,
    pub kind: TermKind,
    pub name: String,
    pub start_date: String,
    pub end_date: String,
}

#[derive(Clone, Debug)]
pub struct NewEducator {
    pub sourced_id: SourcedId,
    pub school: SourcedId,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub role_type: RoleType,
    pub employment: Employment,
    pub fte: Fte,
    pub years_experience: u8,
    pub availability: WeeklyAvailability,
    pub expertise: Vec<ContentExpertise>,
    pub competencies: Vec<Competency>,
}

#[derive(Clone, Debug)]
pub struct NewStudent {
    pub sourced_id: SourcedId,
    pub school: SourcedId,
    pub given_name: String,
    pub family_name: String,
    pub grade: Grade,
    pub profile: StudentProfile,
    pub needs: Needs,
    pub demographics: Demographics,
}

#[derive(Clone, Debug)]
pub struct NewTeam {
    pub sourced_id: SourcedId,
    pub school: SourcedId,
    pub term: SourcedId,
    pub name: String,
    pub kind: TeamKind,
    pub description: String,
    pub members: Vec<(SourcedId, TeamMemberRole)>,
    /// Students on the roster (core teams only).
    pub roster: Vec<SourcedId>,
}

/// An extended-team member serving a student (special education, English-learner support,
/// intervention, mentoring …) in a term.
#[derive(Clone, Debug)]
pub struct NewService {
    pub educator: SourcedId,
    pub student: SourcedId,
    pub term: SourcedId,
    pub service: String,
}

#[derive(Clone, Debug)]
pub struct NewSpace {
    pub sourced_id: SourcedId,
    pub school: SourcedId,
    pub parent: Option<SourcedId>,
    pub name: String,
    pub kind: SpaceKind,
    pub capacity: u32,
}

/// A team using a space in one period of the weekly grid.
#[derive(Clone, Debug)]
pub struct NewBooking {
    pub space: SourcedId,
    pub term: SourcedId,
    pub day: crate::school::DayOfWeek,
    pub period: usize,
    pub team: SourcedId,
    pub headcount: u32,
    pub purpose: String,
}

/// A login. `educator` links it to the educator whose teams grant access.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub system_role: SystemRole,
    pub school: Option<SourcedId>,
    pub educator: Option<SourcedId>,
}

/// What is wrong with a dataset, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DatasetError {
    #[error("{kind} {id}: refers to unknown {target} {reference}")]
    UnknownReference {
        kind: &'static str,
        id: String,
        target: &'static str,
        reference: String,
    },
    #[error("{kind} {id} appears twice")]
    Duplicate { kind: &'static str, id: String },
    #[error("{kind} {id}: {rule}")]
    Rule {
        kind: &'static str,
        id: String,
        rule: Box<RuleViolation>,
    },
}

impl Dataset {
    /// Checks references, uniqueness and the model's rules without touching any store.
    pub fn validate(&self) -> Result<(), DatasetError> {
        let districts = unique("district", self.districts.iter().map(|d| &d.sourced_id))?;
        let schools = unique("school", self.schools.iter().map(|s| &s.sourced_id))?;
        let mut terms: HashMap<&SourcedId, &SourcedId> = HashMap::new();
        for s in &self.schools {
            known("school", &s.sourced_id, "district", &districts, &s.district)?;
            for t in &s.terms {
                if terms.insert(&t.sourced_id, &s.sourced_id).is_some() {
                    return Err(DatasetError::Duplicate {
                        kind: "term",
                        id: t.sourced_id.to_string(),
                    });
                }
            }
            if !s.terms.iter().any(|t| t.sourced_id == s.current_term) {
                return Err(unknown("school", &s.sourced_id, "term", &s.current_term));
            }
            if s.grade_low > s.grade_high {
                return Err(DatasetError::Rule {
                    kind: "school",
                    id: s.sourced_id.to_string(),
                    rule: Box::new(RuleViolation::Invalid(format!(
                        "grades run from {} to {}",
                        s.grade_low, s.grade_high
                    ))),
                });
            }
        }
        let educators: HashMap<&SourcedId, &NewEducator> = {
            let ids = unique("educator", self.educators.iter().map(|e| &e.sourced_id))?;
            drop(ids);
            self.educators.iter().map(|e| (&e.sourced_id, e)).collect()
        };
        for e in &self.educators {
            known("educator", &e.sourced_id, "school", &schools, &e.school)?;
        }
        let students = unique("student", self.students.iter().map(|s| &s.sourced_id))?;
        for s in &self.students {
            known("student", &s.sourced_id, "school", &schools, &s.school)?;
        }
        let school_of: HashMap<&SourcedId, &SourcedId> = self
            .students
            .iter()
            .map(|s| (&s.sourced_id, &s.school))
            .collect();
        // People of one school are never on another school's teams, rosters or services.
        let other_school =
            |kind: &'static str, id: String, what: &str, who: &SourcedId| DatasetError::Rule {
                kind,
                id,
                rule: Box::new(RuleViolation::Invalid(format!(
                    "{what} {who} belongs to another school"
                ))),
            };
        let teams = unique("team", self.teams.iter().map(|t| &t.sourced_id))?;
        let mut on_roster: HashMap<(&SourcedId, &SourcedId), &str> = HashMap::new();
        for t in &self.teams {
            known("team", &t.sourced_id, "school", &schools, &t.school)?;
            if terms.get(&t.term) != Some(&&t.school) {
                return Err(unknown("team", &t.sourced_id, "term", &t.term));
            }
            let mut seats = Vec::new();
            for (m, _) in &t.members {
                let e = educators
                    .get(m)
                    .ok_or_else(|| unknown("team", &t.sourced_id, "educator", m))?;
                if e.school != t.school {
                    return Err(other_school(
                        "team",
                        t.sourced_id.to_string(),
                        "educator",
                        m,
                    ));
                }
                seats.push(TeamSeat {
                    name: format!("{} {}", e.given_name, e.family_name),
                    role_type: e.role_type,
                });
            }
            check_composition(&t.name, t.kind, &seats).map_err(|rule| DatasetError::Rule {
                kind: "team",
                id: t.sourced_id.to_string(),
                rule: Box::new(rule),
            })?;
            if t.kind == TeamKind::Extended && !t.roster.is_empty() {
                return Err(DatasetError::Rule {
                    kind: "team",
                    id: t.sourced_id.to_string(),
                    rule: Box::new(RuleViolation::RosterOnExtendedTeam {
                        team: t.name.clone(),
                    }),
                });
            }
            for s in &t.roster {
                known("team", &t.sourced_id, "student", &students, s)?;
                if school_of.get(s) != Some(&&t.school) {
                    return Err(other_school("team", t.sourced_id.to_string(), "student", s));
                }
                if let Some(existing) = on_roster.insert((&t.term, s), &t.name) {
                    return Err(DatasetError::Rule {
                        kind: "team",
                        id: t.sourced_id.to_string(),
                        rule: Box::new(RuleViolation::StudentOnTwoRosters {
                            student: s.to_string(),
                            term: t.term.to_string(),
                            existing_team: existing.to_owned(),
                        }),
                    });
                }
            }
        }
        for sv in &self.services {
            let id = format!("{}→{}", sv.educator, sv.student);
            if !educators.contains_key(&sv.educator) {
                return Err(DatasetError::UnknownReference {
                    kind: "service",
                    id,
                    target: "educator",
                    reference: sv.educator.to_string(),
                });
            }
            if !students.contains(&sv.student) {
                return Err(DatasetError::UnknownReference {
                    kind: "service",
                    id,
                    target: "student",
                    reference: sv.student.to_string(),
                });
            }
            if !terms.contains_key(&sv.term) {
                return Err(DatasetError::UnknownReference {
                    kind: "service",
                    id,
                    target: "term",
                    reference: sv.term.to_string(),
                });
            }
            let student_school = school_of.get(&sv.student).copied();
            if educators.get(&sv.educator).map(|e| &e.school) != student_school {
                return Err(other_school("service", id, "educator", &sv.educator));
            }
            if terms.get(&sv.term).copied() != student_school {
                return Err(other_school("service", id, "term", &sv.term));
            }
        }
        let spaces: HashMap<&SourcedId, &NewSpace> = {
            unique("space", self.spaces.iter().map(|s| &s.sourced_id))?;
            self.spaces.iter().map(|s| (&s.sourced_id, s)).collect()
        };
        let mut zones: HashMap<&SourcedId, Vec<u32>> = HashMap::new();
        for s in &self.spaces {
            known("space", &s.sourced_id, "school", &schools, &s.school)?;
            if let Some(p) = &s.parent {
                let parent = spaces
                    .get(p)
                    .ok_or_else(|| unknown("space", &s.sourced_id, "space", p))?;
                if parent.kind != SpaceKind::FlexibleSpace || s.kind != SpaceKind::Zone {
                    return Err(DatasetError::Rule {
                        kind: "space",
                        id: s.sourced_id.to_string(),
                        rule: Box::new(RuleViolation::Invalid(
                            "only a zone has a parent, and it must be a flexible space".into(),
                        )),
                    });
                }
                zones.entry(p).or_default().push(s.capacity);
            } else if s.kind == SpaceKind::Zone {
                return Err(DatasetError::Rule {
                    kind: "space",
                    id: s.sourced_id.to_string(),
                    rule: Box::new(RuleViolation::Invalid(
                        "a zone must lie inside a flexible space".into(),
                    )),
                });
            }
        }
        for (room, caps) in &zones {
            let r = spaces[room];
            check_zones(&r.name, r.capacity, caps).map_err(|rule| DatasetError::Rule {
                kind: "space",
                id: room.to_string(),
                rule: Box::new(rule),
            })?;
        }
        // Bookings: a zone's headcount also counts against its room.
        let mut load: HashMap<(&SourcedId, &SourcedId, u8, usize), u32> = HashMap::new();
        for b in &self.bookings {
            let id = format!("{} {} {}", b.space, b.day.short(), b.period + 1);
            let space = spaces
                .get(&b.space)
                .ok_or_else(|| DatasetError::UnknownReference {
                    kind: "booking",
                    id: id.clone(),
                    target: "space",
                    reference: b.space.to_string(),
                })?;
            if !teams.contains(&b.team) {
                return Err(DatasetError::UnknownReference {
                    kind: "booking",
                    id,
                    target: "team",
                    reference: b.team.to_string(),
                });
            }
            let mut chain = vec![(&b.space, *space)];
            if let Some(p) = &space.parent {
                chain.push((p, spaces[p]));
            }
            for (sid, s) in chain {
                let booked = load
                    .entry((sid, &b.term, b.day.index(), b.period))
                    .or_default();
                SpaceLoad {
                    space: s.name.clone(),
                    capacity: s.capacity,
                    booked: *booked,
                }
                .admit(
                    b.headcount,
                    b.day.name(),
                    &format!("period {}", b.period + 1),
                )
                .map_err(|rule| DatasetError::Rule {
                    kind: "booking",
                    id: id.clone(),
                    rule: Box::new(rule),
                })?;
                *booked += b.headcount;
            }
        }
        let mut emails = HashSet::new();
        for a in &self.accounts {
            if !emails.insert(a.email.to_ascii_lowercase()) {
                return Err(DatasetError::Duplicate {
                    kind: "account",
                    id: a.email.clone(),
                });
            }
            if let Some(e) = &a.educator {
                if !educators.contains_key(e) {
                    return Err(unknown(
                        "account",
                        &SourcedId(a.email.clone()),
                        "educator",
                        e,
                    ));
                }
            }
            if let Some(s) = &a.school {
                known(
                    "account",
                    &SourcedId(a.email.clone()),
                    "school",
                    &schools,
                    s,
                )?;
            }
        }
        Ok(())
    }
}

fn unique<'a>(
    kind: &'static str,
    ids: impl Iterator<Item = &'a SourcedId>,
) -> Result<HashSet<&'a SourcedId>, DatasetError> {
    let mut set = HashSet::new();
    for id in ids {
        if !set.insert(id) {
            return Err(DatasetError::Duplicate {
                kind,
                id: id.to_string(),
            });
        }
    }
    Ok(set)
}

fn unknown(
    kind: &'static str,
    id: &SourcedId,
    target: &'static str,
    reference: &SourcedId,
) -> DatasetError {
    DatasetError::UnknownReference {
        kind,
        id: id.to_string(),
        target,
        reference: reference.to_string(),
    }
}

fn known(
    kind: &'static str,
    id: &SourcedId,
    target: &'static str,
    set: &HashSet<&SourcedId>,
    reference: &SourcedId,
) -> Result<(), DatasetError> {
    if set.contains(reference) {
        Ok(())
    } else {
        Err(unknown(kind, id, target, reference))
    }
}
