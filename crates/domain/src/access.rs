//! Who may read or change which student data: the one policy every access to student data
//! goes through. Every decision lives here; the server only asks.
//!
//! Reading a student:
//! - system admin: everything;
//! - school leader: the students of their school, every sensitive field;
//! - core-team member: their team's roster, every sensitive field;
//! - extended-team member (specialist, interventionist, paraeducator): only the students they
//!   serve, with the profile and the sensitive fields *of the service they give* — special
//!   education: IEP/504 and accommodations; paraeducator support: accommodations;
//!   English-learner instruction: English-learner status, proficiency and home language —
//!   never demographics or health;
//! - community educator or volunteer: names and team only, of the students on their core
//!   team's roster or whom they serve.
//!
//! Anything else is refused, and a refusal answers like a missing record. The store only hands
//! out a student's record for a [`StudentGrant`] and a roster's records, formative data,
//! choices and groupings for a [`RosterGrant`]; both can only be made here, so no code path
//! reads student data without this decision.

use crate::educator::RoleType;
use crate::ids::{EducatorId, SchoolId, StudentId, TeamId, UserId};
use crate::team::TeamKind;
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
    /// A leader of some school (or of all of them).
    pub fn is_leader(&self) -> bool {
        self.system_role != SystemRole::Educator
    }
    fn is_community(&self) -> bool {
        self.role_type.is_some_and(RoleType::is_community)
    }
    fn educator_of(&self, school: SchoolId) -> bool {
        self.system_role == SystemRole::Educator && self.school == Some(school)
    }
}

/// A kind of sensitive student data. Each is shown only to those whose work needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sensitive {
    /// Whether the student has an IEP or a Section 504 plan.
    Plans,
    /// The accommodations the student's plan gives.
    Accommodations,
    /// English-learner status, proficiency and home language.
    EnglishLearning,
    /// Health notes.
    Health,
    /// Birth date, gender, race and ethnicity, free or reduced lunch.
    Demographics,
    /// Which services the student's plan requires, and who serves them.
    Services,
}

impl Sensitive {
    pub const ALL: [Sensitive; 6] = [
        Self::Plans,
        Self::Accommodations,
        Self::EnglishLearning,
        Self::Health,
        Self::Demographics,
        Self::Services,
    ];
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plans => "plans",
            Self::Accommodations => "accommodations",
            Self::EnglishLearning => "english_learning",
            Self::Health => "health",
            Self::Demographics => "demographics",
            Self::Services => "services",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Plans => "IEP and 504 plans",
            Self::Accommodations => "accommodations",
            Self::EnglishLearning => "English-learner status",
            Self::Health => "health notes",
            Self::Demographics => "demographics",
            Self::Services => "services",
        }
    }
}

/// A set of [`Sensitive`] kinds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SensitiveSet(u8);

impl SensitiveSet {
    pub const EMPTY: Self = Self(0);
    pub const ALL: Self = Self(0b11_1111);

    pub fn of(kinds: &[Sensitive]) -> Self {
        Self(kinds.iter().fold(0, |acc, k| acc | k.bit()))
    }
    pub fn contains(self, k: Sensitive) -> bool {
        self.0 & k.bit() != 0
    }
    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = Sensitive> {
        Sensitive::ALL
            .into_iter()
            .filter(move |k| self.contains(*k))
    }
}

/// The sensitive data a service needs about the students it serves.
pub fn needed_for_service(service: &str) -> SensitiveSet {
    match service {
        "special_education" => SensitiveSet::of(&[Sensitive::Plans, Sensitive::Accommodations]),
        "paraeducator_support" => SensitiveSet::of(&[Sensitive::Accommodations]),
        "english_learner" => SensitiveSet::of(&[Sensitive::EnglishLearning]),
        _ => SensitiveSet::EMPTY,
    }
}

/// How much of a student record a reader sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Access {
    profile: bool,
    sensitive: SensitiveSet,
}

impl Access {
    /// Names and team only.
    pub const DIRECTORY: Self = Self {
        profile: false,
        sensitive: SensitiveSet::EMPTY,
    };
    /// The profile (grade, interests, strengths, choices, formative data), no sensitive field.
    pub const PROFILE: Self = Self {
        profile: true,
        sensitive: SensitiveSet::EMPTY,
    };
    /// Everything.
    pub const FULL: Self = Self {
        profile: true,
        sensitive: SensitiveSet::ALL,
    };

    /// The profile with these sensitive kinds.
    pub fn profile_with(sensitive: SensitiveSet) -> Self {
        Self {
            profile: true,
            sensitive,
        }
    }
    pub fn sees_profile(self) -> bool {
        self.profile
    }
    pub fn sees(self, kind: Sensitive) -> bool {
        self.sensitive.contains(kind)
    }
    pub fn sensitive(self) -> SensitiveSet {
        self.sensitive
    }
    /// `directory`, `profile` (with some or no sensitive kinds) or `full`.
    pub fn as_str(self) -> &'static str {
        if self == Self::FULL {
            "full"
        } else if self.profile {
            "profile"
        } else {
            "directory"
        }
    }
    /// In words, for pages.
    pub fn label(self) -> String {
        if self == Self::FULL {
            return "everything, sensitive fields included".into();
        }
        if !self.profile {
            return "name and team only".into();
        }
        let kinds: Vec<&str> = self.sensitive.iter().map(Sensitive::label).collect();
        if kinds.is_empty() {
            "profile, no sensitive fields".into()
        } else {
            format!("profile and {}", kinds.join(", "))
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
    /// The services the reader gives this student in the current term (empty: none).
    pub reader_services: Vec<String>,
}

impl StudentFacts {
    pub fn served_by_reader(&self) -> bool {
        !self.reader_services.is_empty()
    }
}

/// The decision for one reader and one student.
pub fn student_access(p: &Principal, f: &StudentFacts) -> Option<Access> {
    if p.is_leader_of(f.school) {
        return Some(Access::FULL);
    }
    if !p.educator_of(f.school) {
        return None;
    }
    let on_core_team = f.core_team.is_some_and(|t| p.core_teams.contains(&t));
    if p.is_community() {
        return (on_core_team || f.served_by_reader()).then_some(Access::DIRECTORY);
    }
    if on_core_team {
        return Some(Access::FULL);
    }
    if f.served_by_reader() {
        let needed = f
            .reader_services
            .iter()
            .fold(SensitiveSet::EMPTY, |acc, s| {
                acc.union(needed_for_service(s))
            });
        return Some(Access::profile_with(needed));
    }
    None
}

/// Proof that the policy allowed a reader to see one student at a level. Only this module
/// makes one.
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

/// May this reader change the student's profile and choices (given their grant)?
pub fn may_change_profile(grant: &StudentGrant) -> bool {
    grant.access.sees_profile()
}

/// What the policy needs to know about a team.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TeamFacts {
    pub team: TeamId,
    pub school: SchoolId,
    pub kind: TeamKind,
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

/// What a roster grant is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RosterUse {
    /// Listing the roster.
    Read,
    /// The team's grouping board: formative data, choices and groupings.
    GroupingBoard,
    /// The students an extended-team member serves, across teams.
    Served,
    /// Students named somewhere else (the audit log), each as the reader may see them.
    Listed,
}

/// Whether the reader may open a core team's roster at all, and how much of it. Each student
/// listed is then decided by [`student_access`].
pub fn roster_scope(p: &Principal, t: &TeamFacts) -> Option<RosterScope> {
    if t.kind != TeamKind::Core {
        return None;
    }
    if p.is_leader_of(t.school) {
        return Some(RosterScope::Whole);
    }
    if !p.educator_of(t.school) {
        return None;
    }
    if p.core_teams.contains(&t.team) {
        Some(RosterScope::Whole)
    } else if !p.extended_teams.is_empty() {
        Some(RosterScope::ServedOnly)
    } else {
        None
    }
}

/// Proof that the policy allowed a reader to read a set of students in bulk, each at their own
/// level. Only this module makes one; the store requires one for every bulk read of student
/// data (rosters, formative data, choices, groupings, served-student lists).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterGrant {
    team: Option<TeamId>,
    school: Option<SchoolId>,
    scope: RosterScope,
    purpose: RosterUse,
    students: Vec<StudentGrant>,
}

impl RosterGrant {
    /// The team whose roster this is (`None` for a served-student list).
    pub fn team(&self) -> Option<TeamId> {
        self.team
    }
    pub fn school(&self) -> Option<SchoolId> {
        self.school
    }
    pub fn scope(&self) -> RosterScope {
        self.scope
    }
    pub fn purpose(&self) -> RosterUse {
        self.purpose
    }
    /// The students this grant covers, in roster order.
    pub fn students(&self) -> &[StudentGrant] {
        &self.students
    }
    /// The students whose profile (and formative data) the reader may see.
    pub fn with_profile(&self) -> impl Iterator<Item = &StudentGrant> {
        self.students.iter().filter(|g| g.access.sees_profile())
    }
    /// The highest access among the students, for the audit log.
    pub fn widest(&self) -> Option<Access> {
        self.students
            .iter()
            .map(|g| g.access)
            .max_by_key(|a| (a.profile, a.sensitive.0.count_ones()))
    }
}

fn grants_for(p: &Principal, facts: &[StudentFacts]) -> Vec<StudentGrant> {
    facts
        .iter()
        .filter_map(|f| authorize_student(p, f))
        .collect()
}

/// Decides a roster read: `None` when the reader may not open this roster; otherwise a grant
/// for the students among `facts` (the roster now) that the reader may see.
pub fn authorize_roster(
    p: &Principal,
    t: &TeamFacts,
    facts: &[StudentFacts],
) -> Option<RosterGrant> {
    let scope = roster_scope(p, t)?;
    Some(RosterGrant {
        team: Some(t.team),
        school: Some(t.school),
        scope,
        purpose: RosterUse::Read,
        students: grants_for(p, facts)
            .into_iter()
            .filter(|g| {
                scope == RosterScope::Whole
                    || facts
                        .iter()
                        .any(|f| f.student == g.student && f.served_by_reader())
            })
            .collect(),
    })
}

/// Decides the use of a core team's grouping board: its members (not community educators or
/// volunteers, who see names and groups only) and the school's leaders. The grant covers the
/// students on the roster now, so a student who left is no longer shown to the old team.
pub fn authorize_grouping_board(
    p: &Principal,
    t: &TeamFacts,
    facts: &[StudentFacts],
) -> Option<RosterGrant> {
    if roster_scope(p, t)? != RosterScope::Whole || p.is_community() {
        return None;
    }
    let students = grants_for(p, facts);
    if students.iter().any(|g| !g.access.sees_profile()) {
        return None;
    }
    Some(RosterGrant {
        team: Some(t.team),
        school: Some(t.school),
        scope: RosterScope::Whole,
        purpose: RosterUse::GroupingBoard,
        students,
    })
}

/// The students an extended-team member serves (facts from the store's served list).
pub fn authorize_served(p: &Principal, facts: &[StudentFacts]) -> RosterGrant {
    RosterGrant {
        team: None,
        school: p.school,
        scope: RosterScope::ServedOnly,
        purpose: RosterUse::Served,
        students: grants_for(p, facts)
            .into_iter()
            .filter(|g| {
                facts
                    .iter()
                    .any(|f| f.student == g.student && f.served_by_reader())
            })
            .collect(),
    }
}

/// Students named on a page (the audit log's entries): each one the reader may see, at their
/// own level; the others are left out.
pub fn authorize_listed(p: &Principal, facts: &[StudentFacts]) -> RosterGrant {
    RosterGrant {
        team: None,
        school: p.school,
        scope: RosterScope::ServedOnly,
        purpose: RosterUse::Listed,
        students: grants_for(p, facts),
    }
}

/// Proof that the reader may read a school's whole week: every core team's roster and every
/// service assignment, by student id, to build, check or re-plan its schedule. Only this
/// module makes one; the store requires it to read a school's schedule facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduleGrant {
    school: SchoolId,
}

impl ScheduleGrant {
    pub fn school(&self) -> SchoolId {
        self.school
    }
}

/// May build, review, publish and re-plan a school's schedule: its leaders.
pub fn authorize_schedule(p: &Principal, school: SchoolId) -> Option<ScheduleGrant> {
    p.is_leader_of(school).then_some(ScheduleGrant { school })
}

/// The command line (`ensemble schedule …`), run by whoever holds the database's credentials:
/// the same reads as a school leader, audited as the command line.
pub fn command_line_schedule(school: SchoolId) -> ScheduleGrant {
    ScheduleGrant { school }
}

/// May record an absence for an educator: the educator, the lead of a core team they are on,
/// and the school's leaders. `leads_their_team` says whether the reader leads a team the
/// absent educator belongs to.
pub fn may_record_absence(
    p: &Principal,
    school: SchoolId,
    educator: EducatorId,
    leads_their_team: bool,
) -> bool {
    p.is_leader_of(school)
        || (p.belongs_to(school) && (p.educator == Some(educator) || leads_their_team))
}

/// May approve a re-plan: the lead of the absent educator's team, the school's leaders.
pub fn may_approve_replan(p: &Principal, school: SchoolId, leads_their_team: bool) -> bool {
    p.is_leader_of(school) || (p.belongs_to(school) && leads_their_team)
}

/// May see why an educator is absent (the reason's category): the school's leaders.
pub fn may_see_absence_reason(p: &Principal, school: SchoolId) -> bool {
    p.is_leader_of(school)
}

/// May change a core team's roster: the school's leaders.
pub fn may_change_roster(p: &Principal, t: &TeamFacts) -> bool {
    t.kind == TeamKind::Core && p.is_leader_of(t.school)
}

/// May create teams in a school: its leaders.
pub fn may_create_team(p: &Principal, school: SchoolId) -> bool {
    p.is_leader_of(school)
}

/// May book (and cancel the bookings of) spaces for a team: its members and the school's
/// leaders.
pub fn may_book_for(p: &Principal, t: &TeamFacts) -> bool {
    p.is_leader_of(t.school)
        || (p.educator_of(t.school)
            && (p.core_teams.contains(&t.team) || p.extended_teams.contains(&t.team)))
}

/// May see a school's structure (teams, members, spaces, grid): anyone of the school.
pub fn may_see_school(p: &Principal, school: SchoolId) -> bool {
    p.belongs_to(school)
}

/// May design staffing plans and read the aggregate need counts they use: the school's
/// leaders.
pub fn may_plan_staffing(p: &Principal, school: SchoolId) -> bool {
    p.is_leader_of(school)
}

/// May change the district's staffing catalog and policy: system (district) leaders.
pub fn may_edit_district_settings(p: &Principal) -> bool {
    p.system_role == SystemRole::SystemAdmin
}

/// May import formative results for a student: the school's leaders and the members of the
/// student's core team (not community educators or volunteers).
pub fn may_import_results(p: &Principal, f: &StudentFacts) -> bool {
    p.is_leader_of(f.school)
        || (p.educator_of(f.school)
            && !p.is_community()
            && f.core_team.is_some_and(|t| p.core_teams.contains(&t)))
}

/// Whose audit log a reader may read: `Some(None)` every school's, `Some(Some(s))` one
/// school's, `None` none.
pub fn audit_scope(p: &Principal) -> Option<Option<SchoolId>> {
    match p.system_role {
        SystemRole::SystemAdmin => Some(None),
        SystemRole::SchoolLeader => p.school.map(Some),
        SystemRole::Educator => None,
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

    fn student(school: SchoolId, team: Option<i64>, services: &[&str]) -> StudentFacts {
        StudentFacts {
            student: StudentId(9),
            school,
            core_team: team.map(TeamId),
            reader_services: services.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn team(id: i64, school: SchoolId) -> TeamFacts {
        TeamFacts {
            team: TeamId(id),
            school,
            kind: TeamKind::Core,
        }
    }

    struct Readers {
        admin: Principal,
        leader: Principal,
        core: Principal,
        para_core: Principal,
        sped: Principal,
        ell: Principal,
        para: Principal,
        interventionist: Principal,
        community: Principal,
        volunteer: Principal,
    }

    fn readers() -> Readers {
        use SystemRole::Educator as E;
        Readers {
            admin: reader(SystemRole::SystemAdmin, None, &[], &[]),
            leader: reader(SystemRole::SchoolLeader, None, &[], &[]),
            core: reader(E, Some(RoleType::ExperiencedEducator), &[10], &[]),
            para_core: reader(E, Some(RoleType::Paraeducator), &[10], &[]),
            sped: reader(E, Some(RoleType::Specialist), &[], &[20]),
            ell: reader(E, Some(RoleType::Specialist), &[], &[20]),
            para: reader(E, Some(RoleType::Paraeducator), &[], &[20]),
            interventionist: reader(E, Some(RoleType::Specialist), &[], &[20]),
            community: reader(E, Some(RoleType::CommunityEducator), &[], &[20]),
            volunteer: reader(E, Some(RoleType::Volunteer), &[], &[20]),
        }
    }

    #[test]
    fn leaders_and_core_teams_see_everything_of_their_students() {
        let r = readers();
        let mine = student(SCHOOL, Some(10), &[]);
        let other_team = student(SCHOOL, Some(11), &[]);
        let elsewhere = student(OTHER_SCHOOL, Some(10), &["special_education"]);
        assert_eq!(student_access(&r.admin, &elsewhere), Some(Access::FULL));
        assert_eq!(student_access(&r.leader, &other_team), Some(Access::FULL));
        assert_eq!(student_access(&r.leader, &elsewhere), None);
        assert_eq!(student_access(&r.core, &mine), Some(Access::FULL));
        assert_eq!(student_access(&r.para_core, &mine), Some(Access::FULL));
        assert_eq!(student_access(&r.core, &other_team), None);
        assert_eq!(student_access(&r.core, &elsewhere), None);
    }

    #[test]
    fn extended_team_members_see_the_flags_of_the_service_they_give() {
        use Sensitive::*;
        let r = readers();
        let sped = student_access(&r.sped, &student(SCHOOL, Some(11), &["special_education"]))
            .expect("served");
        assert!(sped.sees_profile());
        assert!(sped.sees(Plans) && sped.sees(Accommodations));
        for k in [EnglishLearning, Health, Demographics, Services] {
            assert!(!sped.sees(k), "{k:?}");
        }
        let ell = student_access(&r.ell, &student(SCHOOL, Some(11), &["english_learner"]))
            .expect("served");
        assert_eq!(ell.sensitive(), SensitiveSet::of(&[EnglishLearning]));
        let para = student_access(
            &r.para,
            &student(SCHOOL, Some(11), &["paraeducator_support"]),
        )
        .expect("served");
        assert_eq!(para.sensitive(), SensitiveSet::of(&[Accommodations]));
        let reading = student_access(
            &r.interventionist,
            &student(SCHOOL, Some(11), &["reading_intervention"]),
        )
        .expect("served");
        assert_eq!(reading, Access::PROFILE);
        // Two services add up; never demographics or health.
        let both = student_access(
            &r.sped,
            &student(SCHOOL, Some(11), &["special_education", "english_learner"]),
        )
        .expect("served");
        assert_eq!(
            both.sensitive(),
            SensitiveSet::of(&[Plans, Accommodations, EnglishLearning])
        );
        assert!(!both.sees(Demographics) && !both.sees(Health));
        // Not served: nothing at all, in this school or another.
        assert_eq!(
            student_access(&r.sped, &student(SCHOOL, Some(11), &[])),
            None
        );
        assert_eq!(
            student_access(
                &r.sped,
                &student(OTHER_SCHOOL, Some(11), &["special_education"])
            ),
            None
        );
    }

    #[test]
    fn community_educators_and_volunteers_see_names_only() {
        let r = readers();
        for p in [&r.community, &r.volunteer] {
            assert_eq!(
                student_access(p, &student(SCHOOL, Some(11), &["robotics_mentoring"])),
                Some(Access::DIRECTORY)
            );
            assert_eq!(student_access(p, &student(SCHOOL, Some(11), &[])), None);
        }
        let mut community_core = r.community.clone();
        community_core.core_teams = vec![TeamId(10)];
        assert_eq!(
            student_access(&community_core, &student(SCHOOL, Some(10), &[])),
            Some(Access::DIRECTORY)
        );
    }

    #[test]
    fn roster_scope_follows_membership() {
        let r = readers();
        assert_eq!(
            roster_scope(&r.core, &team(10, SCHOOL)),
            Some(RosterScope::Whole)
        );
        assert_eq!(roster_scope(&r.core, &team(11, SCHOOL)), None);
        assert_eq!(
            roster_scope(&r.sped, &team(11, SCHOOL)),
            Some(RosterScope::ServedOnly)
        );
        assert_eq!(roster_scope(&r.sped, &team(11, OTHER_SCHOOL)), None);
        let extended = TeamFacts {
            kind: TeamKind::Extended,
            ..team(20, SCHOOL)
        };
        assert_eq!(roster_scope(&r.leader, &extended), None);
    }

    #[test]
    fn a_served_only_roster_holds_only_served_students() {
        let r = readers();
        let facts = vec![
            StudentFacts {
                student: StudentId(1),
                ..student(SCHOOL, Some(11), &["special_education"])
            },
            StudentFacts {
                student: StudentId(2),
                ..student(SCHOOL, Some(11), &[])
            },
        ];
        let g = authorize_roster(&r.sped, &team(11, SCHOOL), &facts).expect("grant");
        assert_eq!(g.scope(), RosterScope::ServedOnly);
        assert_eq!(
            g.students()
                .iter()
                .map(StudentGrant::student)
                .collect::<Vec<_>>(),
            vec![StudentId(1)]
        );
        assert!(authorize_roster(&r.core, &team(11, SCHOOL), &facts).is_none());
        let whole = authorize_roster(&r.leader, &team(11, SCHOOL), &facts).expect("grant");
        assert_eq!(whole.students().len(), 2);
    }

    #[test]
    fn the_grouping_board_is_for_members_and_leaders() {
        let r = readers();
        let facts = vec![student(SCHOOL, Some(10), &[])];
        let t = team(10, SCHOOL);
        assert!(authorize_grouping_board(&r.core, &t, &facts).is_some());
        assert!(authorize_grouping_board(&r.leader, &t, &facts).is_some());
        assert!(authorize_grouping_board(&r.admin, &t, &facts).is_some());
        assert!(authorize_grouping_board(&r.core, &team(11, SCHOOL), &facts).is_none());
        assert!(authorize_grouping_board(&r.sped, &t, &facts).is_none());
        let mut community_core = r.community.clone();
        community_core.core_teams = vec![TeamId(10)];
        assert!(authorize_grouping_board(&community_core, &t, &facts).is_none());
        let board = authorize_grouping_board(&r.core, &t, &facts).expect("grant");
        assert_eq!(board.purpose(), RosterUse::GroupingBoard);
    }

    #[test]
    fn changes_are_for_those_responsible() {
        let r = readers();
        let t = team(10, SCHOOL);
        assert!(may_change_roster(&r.leader, &t));
        assert!(!may_change_roster(&r.core, &t));
        assert!(!may_change_roster(&r.leader, &team(10, OTHER_SCHOOL)));
        assert!(may_book_for(&r.core, &t));
        assert!(!may_book_for(&r.core, &team(11, SCHOOL)));
        assert!(may_book_for(&r.sped, &team(20, SCHOOL)));
        assert!(may_import_results(&r.core, &student(SCHOOL, Some(10), &[])));
        assert!(!may_import_results(
            &r.sped,
            &student(SCHOOL, Some(10), &["special_education"])
        ));
        assert!(may_edit_district_settings(&r.admin));
        assert!(!may_edit_district_settings(&r.leader));
        assert_eq!(audit_scope(&r.leader), Some(Some(SCHOOL)));
        assert_eq!(audit_scope(&r.core), None);
    }
}
