//! Who may read which student data: the one policy every read of student data goes through.
//!
//! - system admin: everything;
//! - school leader: the students of their school, sensitive fields included;
//! - core-team member: their team's roster, sensitive fields included;
//! - extended-team member: only the students they serve, without sensitive fields;
//! - community educator or volunteer: names and groups only, of the students on their core
//!   team's roster or whom they serve.
//!
//! Anything else is refused. The store only hands out a student's record for a
//! [`StudentGrant`], and a grant can only be made here, so no code path reads a student
//! without this decision.

use crate::educator::RoleType;
use crate::ids::{EducatorId, SchoolId, StudentId, TeamId, UserId};
use serde::Serialize;

/// The kind of account, independent of any team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemRole {
    /// A district (system) leader or administrator: sees everything.
    SystemAdmin,
    /// A principal or assistant principal: sees their school.
    SchoolLeader,
    /// Anyone on a core or extended team.
    Educator,
}

impl SystemRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SystemAdmin => "system_admin",
            Self::SchoolLeader => "school_leader",
            Self::Educator => "educator",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "system_admin" => Some(Self::SystemAdmin),
            "school_leader" => Some(Self::SchoolLeader),
            "educator" => Some(Self::Educator),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::SystemAdmin => "System leader",
            Self::SchoolLeader => "School leader",
            Self::Educator => "Educator",
        }
    }
}

/// The signed-in reader, with the memberships that grant access.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub user: UserId,
    pub email: String,
    pub display_name: String,
    pub system_role: SystemRole,
    pub school: Option<SchoolId>,
    pub educator: Option<EducatorId>,
    pub role_type: Option<RoleType>,
    /// Core teams the reader is a member of, in the current term.
    pub core_teams: Vec<TeamId>,
    /// Extended teams the reader is a member of, in the current term.
    pub extended_teams: Vec<TeamId>,
}

impl Principal {
    pub fn is_leader_of(&self, school: SchoolId) -> bool {
        match self.system_role {
            SystemRole::SystemAdmin => true,
            SystemRole::SchoolLeader => self.school == Some(school),
            SystemRole::Educator => false,
        }
    }
    /// May see the school's structure (teams, members, spaces, grid) — not its students.
    pub fn belongs_to(&self, school: SchoolId) -> bool {
        self.system_role == SystemRole::SystemAdmin || self.school == Some(school)
    }
    fn is_community(&self) -> bool {
        self.role_type.is_some_and(RoleType::is_community)
    }
}

/// How much of a student record a reader sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Names and groups (team) only.
    Directory,
    /// The profile (grade, interests, strengths) without sensitive fields.
    Standard,
    /// Everything, sensitive fields included.
    Full,
}

impl Access {
    pub fn sees_profile(self) -> bool {
        self >= Access::Standard
    }
    pub fn sees_sensitive(self) -> bool {
        self == Access::Full
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Directory => "directory",
            Self::Standard => "standard",
            Self::Full => "full",
        }
    }
}

/// What the policy needs to know about a student relative to the reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StudentFacts {
    pub student: StudentId,
    pub school: SchoolId,
    /// The core team whose roster holds the student in the current term.
    pub core_team: Option<TeamId>,
    /// The reader has a service assignment for this student in the current term.
    pub served_by_reader: bool,
}

/// The decision for one reader and one student.
pub fn student_access(p: &Principal, f: &StudentFacts) -> Option<Access> {
    if p.is_leader_of(f.school) {
        return Some(Access::Full);
    }
    if p.system_role != SystemRole::Educator || p.school != Some(f.school) {
        return None;
    }
    let on_core_team = f.core_team.is_some_and(|t| p.core_teams.contains(&t));
    if p.is_community() {
        return (on_core_team || f.served_by_reader).then_some(Access::Directory);
    }
    if on_core_team {
        Some(Access::Full)
    } else if f.served_by_reader {
        Some(Access::Standard)
    } else {
        None
    }
}

/// Proof that the policy allowed a reader to see one student at a level. Only
/// [`authorize_student`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StudentGrant {
    student: StudentId,
    access: Access,
}

impl StudentGrant {
    pub fn student(&self) -> StudentId {
        self.student
    }
    pub fn access(&self) -> Access {
        self.access
    }
}

/// Decides and, when allowed, returns the grant to read the student with.
pub fn authorize_student(p: &Principal, f: &StudentFacts) -> Option<StudentGrant> {
    student_access(p, f).map(|access| StudentGrant {
        student: f.student,
        access,
    })
}

/// Which part of a core team's roster a reader may list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RosterScope {
    /// Every student on the roster.
    Whole,
    /// Only the students the reader serves (extended-team members).
    ServedOnly,
}

/// Whether the reader may open a team's roster at all, and how much of it. Each student
/// listed is then decided by [`student_access`].
pub fn roster_scope(p: &Principal, team: TeamId, school: SchoolId) -> Option<RosterScope> {
    if p.is_leader_of(school) {
        return Some(RosterScope::Whole);
    }
    if p.system_role != SystemRole::Educator || p.school != Some(school) {
        return None;
    }
    if p.core_teams.contains(&team) {
        Some(RosterScope::Whole)
    } else if !p.extended_teams.is_empty() {
        Some(RosterScope::ServedOnly)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHOOL: SchoolId = SchoolId(1);
    const OTHER_SCHOOL: SchoolId = SchoolId(2);

    fn reader(
        role: SystemRole,
        role_type: Option<RoleType>,
        core: &[i64],
        ext: &[i64],
    ) -> Principal {
        Principal {
            user: UserId(1),
            email: "x@demo.example".into(),
            display_name: "X".into(),
            system_role: role,
            school: Some(SCHOOL),
            educator: role_type.map(|_| EducatorId(1)),
            role_type,
            core_teams: core.iter().copied().map(TeamId).collect(),
            extended_teams: ext.iter().copied().map(TeamId).collect(),
        }
    }

    fn student(school: SchoolId, team: Option<i64>, served: bool) -> StudentFacts {
        StudentFacts {
            student: StudentId(9),
            school,
            core_team: team.map(TeamId),
            served_by_reader: served,
        }
    }

    #[test]
    fn the_access_table() {
        use Access::*;
        let admin = reader(SystemRole::SystemAdmin, None, &[], &[]);
        let leader = reader(SystemRole::SchoolLeader, None, &[], &[]);
        let core = reader(
            SystemRole::Educator,
            Some(RoleType::ExperiencedEducator),
            &[10],
            &[],
        );
        let para_core = reader(
            SystemRole::Educator,
            Some(RoleType::Paraeducator),
            &[10],
            &[],
        );
        let ext = reader(SystemRole::Educator, Some(RoleType::Specialist), &[], &[20]);
        let community = reader(
            SystemRole::Educator,
            Some(RoleType::CommunityEducator),
            &[],
            &[20],
        );

        let mine = student(SCHOOL, Some(10), false);
        let other_team = student(SCHOOL, Some(11), false);
        let served = student(SCHOOL, Some(11), true);
        let elsewhere = student(OTHER_SCHOOL, Some(10), true);

        let cases = [
            (&admin, &elsewhere, Some(Full)),
            (&leader, &other_team, Some(Full)),
            (&leader, &elsewhere, None),
            (&core, &mine, Some(Full)),
            (&para_core, &mine, Some(Full)),
            (&core, &other_team, None),
            (&core, &elsewhere, None),
            (&ext, &served, Some(Standard)),
            (&ext, &other_team, None),
            (&community, &served, Some(Directory)),
            (&community, &other_team, None),
        ];
        for (i, (p, f, want)) in cases.iter().enumerate() {
            assert_eq!(student_access(p, f), *want, "case {i}");
        }
    }

    #[test]
    fn roster_scope_follows_membership() {
        let core = reader(
            SystemRole::Educator,
            Some(RoleType::NoviceTeacher),
            &[10],
            &[],
        );
        assert_eq!(
            roster_scope(&core, TeamId(10), SCHOOL),
            Some(RosterScope::Whole)
        );
        assert_eq!(roster_scope(&core, TeamId(11), SCHOOL), None);
        let ext = reader(SystemRole::Educator, Some(RoleType::Specialist), &[], &[20]);
        assert_eq!(
            roster_scope(&ext, TeamId(11), SCHOOL),
            Some(RosterScope::ServedOnly)
        );
        assert_eq!(roster_scope(&ext, TeamId(11), OTHER_SCHOOL), None);
    }
}
