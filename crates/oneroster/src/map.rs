//! From a checked bundle to what Ensemble keeps: districts and schools from orgs, each school's
//! terms from the academic sessions its classes use, educators and students from users and
//! their roles, demographics for the protected table, classes and enrollments as they are (who
//! teaches whom), and the teams Ensemble itself exported (classes of type `ext:ensemble…`).
//!
//! Nothing here reads a database: what a delta bundle leaves out is the store's to keep.

use crate::model::*;
use crate::read::Problem;
use ensemble_domain::educator::RoleType;
use ensemble_domain::school::TermKind;
use ensemble_domain::team::{TeamKind, TeamMemberRole};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The class type of a team Ensemble exported, by kind of team.
pub fn team_class_type(kind: TeamKind) -> &'static str {
    match kind {
        TeamKind::Core => "ext:ensembleCoreTeam",
        TeamKind::Extended => "ext:ensembleExtendedTeam",
        TeamKind::Specials => "ext:ensembleSpecialsTeam",
    }
}

fn team_kind_of(class_type: &ClassType) -> Option<TeamKind> {
    match class_type.as_str() {
        "ext:ensembleCoreTeam" => Some(TeamKind::Core),
        "ext:ensembleExtendedTeam" => Some(TeamKind::Extended),
        "ext:ensembleSpecialsTeam" => Some(TeamKind::Specials),
        _ => None,
    }
}

/// The academicSessions.csv extension column where Ensemble lists the schools that hold a
/// session in their calendar (OneRoster ties sessions to no org).
pub const SCHOOLS_COLUMN: &str = "metadata.ensemble.schoolSourcedIds";

/// The users.csv extension column where Ensemble keeps an educator's role type.
pub const ROLE_TYPE_COLUMN: &str = "metadata.ensemble.roleType";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct District {
    pub sourced_id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct School {
    pub sourced_id: String,
    pub district: String,
    pub name: String,
    pub grade_low: u8,
    pub grade_high: u8,
}

/// A school's copy of an academic session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub school: String,
    pub session: String,
    pub parent: Option<String>,
    pub kind: TermKind,
    pub name: String,
    pub start_date: String,
    pub end_date: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Educator {
    pub sourced_id: String,
    pub school: String,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub role_type: RoleType,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Student {
    pub sourced_id: String,
    pub school: String,
    pub given_name: String,
    pub family_name: String,
    pub grade: u8,
}

/// A principal or site administrator: a school leader's account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leader {
    pub sourced_id: String,
    pub school: String,
    pub name: String,
    pub email: String,
}

/// The demographics Ensemble keeps, in its protected table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Demographics {
    pub student: String,
    pub birth_date: Option<String>,
    pub gender: Option<String>,
    pub race_ethnicity: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassRow {
    pub sourced_id: String,
    pub school: String,
    pub title: String,
    pub class_type: String,
    pub course: String,
    pub course_title: String,
    pub terms: Vec<String>,
    pub grades: Vec<String>,
    pub subjects: Vec<String>,
    pub periods: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrollmentRow {
    pub sourced_id: String,
    pub class: String,
    pub user: String,
    pub role: String,
    pub primary: bool,
}

/// A team Ensemble exported, coming back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Team {
    pub sourced_id: String,
    pub school: String,
    pub session: String,
    pub name: String,
    pub kind: TeamKind,
    pub members: Vec<(String, TeamMemberRole)>,
    pub roster: Vec<String>,
}

/// A user the bundle changes without saying their role (a delta): names and email only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameChange {
    pub sourced_id: String,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
}

/// Everything a bundle says, in Ensemble's terms.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub districts: Vec<District>,
    pub schools: Vec<School>,
    pub terms: Vec<Term>,
    /// The session each school's current term comes from.
    pub current: BTreeMap<String, String>,
    pub educators: Vec<Educator>,
    pub students: Vec<Student>,
    pub leaders: Vec<Leader>,
    pub name_changes: Vec<NameChange>,
    pub demographics: Vec<Demographics>,
    pub classes: Vec<ClassRow>,
    pub enrollments: Vec<EnrollmentRow>,
    pub teams: Vec<Team>,
    /// sourcedIds the bundle deletes (`tobedeleted`), by kind.
    pub delete_users: Vec<String>,
    pub delete_classes: Vec<String>,
    pub delete_enrollments: Vec<String>,
    /// Files given in bulk: what they leave out of the bundle's schools is removed.
    pub bulk_users: bool,
    pub bulk_classes: bool,
    pub bulk_enrollments: bool,
    pub warnings: Vec<String>,
}

/// A grade code (CEDS: `KG`, `01` … `12`) as Ensemble's 0 (kindergarten) to 12.
pub fn grade_of(code: &str) -> Option<u8> {
    match code {
        "KG" | "K" => Some(0),
        c => c.parse::<u8>().ok().filter(|g| (1..=12).contains(g)),
    }
}

/// The CEDS code of a grade.
pub fn grade_code(g: u8) -> String {
    if g == 0 {
        "KG".into()
    } else {
        format!("{g:02}")
    }
}

fn race_of(d: &Demographic) -> Option<String> {
    let mut parts = Vec::new();
    if d.hispanic_or_latino == Some(true) {
        parts.push("Hispanic or Latino");
    }
    for (flag, name) in [
        (
            d.american_indian_or_alaska_native,
            "American Indian or Alaska Native",
        ),
        (d.asian, "Asian"),
        (d.black_or_african_american, "Black or African American"),
        (
            d.native_hawaiian_or_other_pacific_islander,
            "Native Hawaiian or Other Pacific Islander",
        ),
        (d.white, "White"),
        (d.two_or_more_races, "Two or more races"),
    ] {
        if flag == Some(true) {
            parts.push(name);
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The OneRoster race flags of Ensemble's race and ethnicity text.
pub fn race_flags(text: &str) -> [bool; 7] {
    let has = |n: &str| text.split(';').any(|p| p.trim().eq_ignore_ascii_case(n));
    [
        has("American Indian or Alaska Native"),
        has("Asian"),
        has("Black or African American"),
        has("Native Hawaiian or Other Pacific Islander"),
        has("White"),
        has("Two or more races"),
        has("Hispanic or Latino"),
    ]
}

/// What an educator role of `roles.csv` makes of a user, strongest first.
fn educator_role(r: &RoleName) -> Option<(u8, RoleType)> {
    match r {
        RoleName::Teacher => Some((0, RoleType::ExperiencedEducator)),
        RoleName::Counselor => Some((1, RoleType::Specialist)),
        RoleName::Aide => Some((2, RoleType::Paraeducator)),
        _ => None,
    }
}

/// Maps a checked bundle; `known` answers for schools an earlier import brought in.
pub fn plan(b: &Bundle, known: &dyn Fn(crate::Ref, &str) -> bool) -> Result<Plan, Vec<Problem>> {
    let mut p = Plan {
        bulk_users: b.manifest.mode("users") == Mode::Bulk,
        bulk_classes: b.manifest.mode("classes") == Mode::Bulk,
        bulk_enrollments: b.manifest.mode("enrollments") == Mode::Bulk,
        warnings: b.warnings.clone(),
        ..Default::default()
    };
    let mut problems = Vec::new();
    let orgs: HashMap<&str, &Org> = b
        .orgs
        .iter()
        .map(|o| (o.meta.sourced_id.as_str(), o))
        .collect();
    let mut other_orgs = 0;
    for o in b.orgs.iter().filter(|o| !o.meta.deleted()) {
        match o.kind {
            OrgType::District => p.districts.push(District {
                sourced_id: o.meta.sourced_id.clone(),
                name: o.name.clone(),
            }),
            OrgType::School => {
                let district = o
                    .parent
                    .as_deref()
                    .filter(|d| orgs.get(d).is_none_or(|d| d.kind == OrgType::District));
                match district {
                    Some(d) => p.schools.push(School {
                        sourced_id: o.meta.sourced_id.clone(),
                        district: d.to_owned(),
                        name: o.name.clone(),
                        grade_low: 0,
                        grade_high: 12,
                    }),
                    None => problems.push(Problem {
                        file: "orgs.csv".into(),
                        line: o.meta.line,
                        column: "parentSourcedId".into(),
                        value: o.parent.clone().unwrap_or_default(),
                        message: "a school belongs to a district: give the sourcedId of its org of type district".into(),
                    }),
                }
            }
            _ => other_orgs += 1,
        }
    }
    if other_orgs > 0 {
        p.warnings.push(format!(
            "orgs.csv: {other_orgs} org{} other than districts and schools (departments, states …) not used",
            if other_orgs == 1 { "" } else { "s" }
        ));
    }
    let schools: HashSet<String> = p.schools.iter().map(|s| s.sourced_id.clone()).collect();

    // Terms: each school's classes' sessions and their parents.
    let sessions: HashMap<&str, &AcademicSession> = b
        .sessions
        .iter()
        .filter(|s| !s.meta.deleted())
        .map(|s| (s.meta.sourced_id.as_str(), s))
        .collect();
    let mut per_school: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for c in b.classes.iter().filter(|c| !c.meta.deleted()) {
        for t in &c.terms {
            *per_school
                .entry(c.school.as_str())
                .or_default()
                .entry(t.as_str())
                .or_default() += 1;
        }
    }
    // Sessions tied to no class: the schools Ensemble listed, or the bundle's only school.
    let only_school = match p.schools.as_slice() {
        [one] => Some(one.sourced_id.clone()),
        _ => None,
    };
    let school_ids: Vec<String> = p.schools.iter().map(|s| s.sourced_id.clone()).collect();
    for s in b.sessions.iter().filter(|s| !s.meta.deleted()) {
        let holders: Vec<&str> = if s.ensemble_schools.is_empty() {
            only_school.iter().map(String::as_str).collect()
        } else {
            s.ensemble_schools.iter().map(String::as_str).collect()
        };
        for h in holders {
            if let Some(sid) = school_ids.iter().find(|x| x.as_str() == h) {
                per_school
                    .entry(sid.as_str())
                    .or_default()
                    .entry(s.meta.sourced_id.as_str())
                    .or_default();
            }
        }
    }
    for (school, used) in &per_school {
        let mut wanted: Vec<&str> = Vec::new();
        for s in used.keys() {
            let mut at = Some(*s);
            while let Some(id) = at {
                if wanted.contains(&id) {
                    break;
                }
                wanted.push(id);
                at = sessions.get(id).and_then(|s| s.parent.as_deref());
            }
        }
        for id in wanted {
            if let Some(s) = sessions.get(id) {
                p.terms.push(Term {
                    school: (*school).to_owned(),
                    session: id.to_owned(),
                    parent: s
                        .parent
                        .clone()
                        .filter(|x| sessions.contains_key(x.as_str())),
                    kind: if s.kind == SessionType::SchoolYear {
                        TermKind::SchoolYear
                    } else {
                        TermKind::Term
                    },
                    name: s.title.clone(),
                    start_date: s.start_date.clone(),
                    end_date: s.end_date.clone(),
                });
            }
        }
        // The current term: the session most of its classes meet in (the later on a tie).
        if let Some((id, _)) = used
            .iter()
            .filter(|(id, _)| sessions.contains_key(*id))
            .max_by(|a, b| {
                a.1.cmp(b.1).then_with(|| {
                    let sa = sessions.get(a.0).map(|s| s.start_date.as_str());
                    let sb = sessions.get(b.0).map(|s| s.start_date.as_str());
                    sa.cmp(&sb)
                })
            })
        {
            p.current.insert((*school).to_owned(), (*id).to_owned());
        }
    }

    // People: each user's roles at schools.
    let mut roles_of: HashMap<&str, Vec<&Role>> = HashMap::new();
    for r in b.roles.iter().filter(|r| !r.meta.deleted()) {
        roles_of.entry(r.user.as_str()).or_default().push(r);
    }
    let mut not_used_roles = 0;
    let mut outside_grades = 0;
    let mut people: HashSet<&str> = HashSet::new();
    for u in &b.users {
        if u.meta.deleted() {
            p.delete_users.push(u.meta.sourced_id.clone());
            continue;
        }
        let id = u.meta.sourced_id.as_str();
        let given = u
            .preferred_given_name
            .clone()
            .unwrap_or_else(|| u.given_name.clone());
        let family = u
            .preferred_family_name
            .clone()
            .unwrap_or_else(|| u.family_name.clone());
        let Some(roles) = roles_of.get(id) else {
            p.name_changes.push(NameChange {
                sourced_id: id.to_owned(),
                given_name: given,
                family_name: family,
                email: u.email.clone(),
            });
            continue;
        };
        // The school: the primary role's org, else the user's primary org, else the first.
        let at_school = |r: &&&Role| schools.contains(&r.org) || known(crate::Ref::School, &r.org);
        let pick = roles
            .iter()
            .filter(at_school)
            .min_by_key(|r| (!r.primary, Some(&r.org) != u.primary_org.as_ref()));
        let student = roles
            .iter()
            .filter(at_school)
            .find(|r| r.role == RoleName::Student);
        let educator = roles
            .iter()
            .filter(at_school)
            .filter_map(|r| educator_role(&r.role).map(|x| (x, r)))
            .min_by_key(|((rank, _), r)| (*rank, !r.primary));
        let leader = roles
            .iter()
            .filter(at_school)
            .find(|r| matches!(r.role, RoleName::Principal | RoleName::SiteAdministrator));
        if let Some(r) = student {
            let grade = u.grades.first().map(String::as_str);
            match grade.map(grade_of) {
                Some(Some(g)) => {
                    people.insert(id);
                    p.students.push(Student {
                        sourced_id: id.to_owned(),
                        school: r.org.clone(),
                        given_name: given,
                        family_name: family,
                        grade: g,
                    })
                }
                Some(None) => outside_grades += 1,
                None => problems.push(Problem {
                    file: "users.csv".into(),
                    line: u.meta.line,
                    column: "grades".into(),
                    value: String::new(),
                    message: "a student needs a grade (KG, 01 … 12)".into(),
                }),
            }
        } else if let Some(((_, role_type), r)) = educator {
            people.insert(id);
            p.educators.push(Educator {
                sourced_id: id.to_owned(),
                school: r.org.clone(),
                given_name: given,
                family_name: family,
                email: u.email.clone(),
                role_type: u
                    .ensemble_role_type
                    .as_deref()
                    .and_then(|t| RoleType::parse(t).ok())
                    .unwrap_or(role_type),
            });
        } else if let Some(r) = leader {
            match &u.email {
                Some(email) => p.leaders.push(Leader {
                    sourced_id: id.to_owned(),
                    school: r.org.clone(),
                    name: format!("{given} {family}"),
                    email: email.clone(),
                }),
                None => not_used_roles += 1,
            }
        } else {
            let _ = pick;
            not_used_roles += 1;
        }
    }
    if not_used_roles > 0 {
        p.warnings.push(format!(
            "users.csv: {not_used_roles} user{} with no student, teacher, aide, counselor or principal role at a school (parents, guardians, proctors, district staff …) not imported",
            if not_used_roles == 1 { "" } else { "s" }
        ));
    }
    if outside_grades > 0 {
        p.warnings.push(format!(
            "users.csv: {outside_grades} student{} in grades outside kindergarten to 12 (PK, PS, UG …) not imported",
            if outside_grades == 1 { "" } else { "s" }
        ));
    }
    // Grade range of each school, from its students.
    for s in &mut p.schools {
        let grades: Vec<u8> = p
            .students
            .iter()
            .filter(|st| st.school == s.sourced_id)
            .map(|st| st.grade)
            .collect();
        if let (Some(lo), Some(hi)) = (grades.iter().min(), grades.iter().max()) {
            s.grade_low = *lo;
            s.grade_high = *hi;
        }
    }
    let students: HashSet<&str> = p.students.iter().map(|s| s.sourced_id.as_str()).collect();
    for d in &b.demographics {
        let Some(m) = &d.meta else { continue };
        if m.deleted()
            || (!students.contains(m.sourced_id.as_str()) && people.contains(m.sourced_id.as_str()))
        {
            continue;
        }
        p.demographics.push(Demographics {
            student: m.sourced_id.clone(),
            birth_date: d.birth_date.clone(),
            gender: d.sex.clone(),
            race_ethnicity: race_of(d),
        });
    }

    // Classes and enrollments; teams Ensemble exported come back as teams.
    let courses: HashMap<&str, &Course> = b
        .courses
        .iter()
        .map(|c| (c.meta.sourced_id.as_str(), c))
        .collect();
    let mut team_classes: HashMap<&str, usize> = HashMap::new();
    for c in &b.classes {
        if c.meta.deleted() {
            p.delete_classes.push(c.meta.sourced_id.clone());
            continue;
        }
        if let Some(kind) = team_kind_of(&c.class_type) {
            team_classes.insert(c.meta.sourced_id.as_str(), p.teams.len());
            p.teams.push(Team {
                sourced_id: c.meta.sourced_id.clone(),
                school: c.school.clone(),
                session: c.terms.first().cloned().unwrap_or_default(),
                name: c.title.clone(),
                kind,
                members: Vec::new(),
                roster: Vec::new(),
            });
            continue;
        }
        p.classes.push(ClassRow {
            sourced_id: c.meta.sourced_id.clone(),
            school: c.school.clone(),
            title: c.title.clone(),
            class_type: c.class_type.as_str().to_owned(),
            course: c.course.clone(),
            course_title: courses
                .get(c.course.as_str())
                .map(|x| x.title.clone())
                .unwrap_or_default(),
            terms: c.terms.clone(),
            grades: c.grades.clone(),
            subjects: c.subjects.clone(),
            periods: c.periods.clone(),
        });
    }
    for e in &b.enrollments {
        if e.meta.deleted() {
            p.delete_enrollments.push(e.meta.sourced_id.clone());
            continue;
        }
        if let Some(&t) = team_classes.get(e.class.as_str()) {
            let team = &mut p.teams[t];
            match e.role {
                RoleName::Student => team.roster.push(e.user.clone()),
                RoleName::Teacher => team.members.push((
                    e.user.clone(),
                    if e.primary == Some(true) {
                        TeamMemberRole::Lead
                    } else {
                        TeamMemberRole::Member
                    },
                )),
                _ => {}
            }
            continue;
        }
        p.enrollments.push(EnrollmentRow {
            sourced_id: e.meta.sourced_id.clone(),
            class: e.class.clone(),
            user: e.user.clone(),
            role: e.role.as_str().to_owned(),
            primary: e.primary == Some(true),
        });
    }
    if problems.is_empty() {
        Ok(p)
    } else {
        Err(problems)
    }
}
