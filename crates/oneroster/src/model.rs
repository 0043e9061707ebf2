//! The records of a OneRoster 1.2 CSV bundle, as the reader checked them: every value has its
//! format, every enumeration one of its values (or a vendor's `ext:` term), and each record
//! remembers the line it came from so that later checks can name it.

use std::collections::BTreeMap;

/// How the manifest says a file is supplied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Bulk,
    Delta,
    Absent,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bulk => "bulk",
            Self::Delta => "delta",
            Self::Absent => "absent",
        }
    }
}

/// `manifest.csv`.
#[derive(Clone, Debug, Default)]
pub struct Manifest {
    /// `file.users` → mode, by file stem (`users`).
    pub files: BTreeMap<String, Mode>,
    pub oneroster_version: String,
    pub system_name: Option<String>,
    pub system_code: Option<String>,
}

impl Manifest {
    pub fn mode(&self, stem: &str) -> Mode {
        self.files.get(stem).copied().unwrap_or(Mode::Absent)
    }
}

/// `active` or `tobedeleted`; empty in a bulk file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Active,
    ToBeDeleted,
}

/// The three columns every data file starts with, and the line the record is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    pub sourced_id: String,
    pub status: Option<Status>,
    pub date_last_modified: Option<String>,
    /// The record's line in its file (the header is line 1).
    pub line: u64,
}

impl Meta {
    pub fn deleted(&self) -> bool {
        self.status == Some(Status::ToBeDeleted)
    }
}

/// `academicSessions.csv` `type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionType {
    GradingPeriod,
    Semester,
    SchoolYear,
    Term,
    Ext(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcademicSession {
    pub meta: Meta,
    pub title: String,
    pub kind: SessionType,
    /// `YYYY-MM-DD`, inclusive.
    pub start_date: String,
    /// `YYYY-MM-DD`.
    pub end_date: String,
    pub parent: Option<String>,
    pub school_year: i32,
    /// The schools whose calendar holds this session, from the extension column Ensemble
    /// writes ([`crate::map::SCHOOLS_COLUMN`]).
    pub ensemble_schools: Vec<String>,
}

/// `orgs.csv` `type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrgType {
    Department,
    School,
    District,
    Local,
    State,
    National,
    Ext(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Org {
    pub meta: Meta,
    pub name: String,
    pub kind: OrgType,
    pub identifier: Option<String>,
    pub parent: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Course {
    pub meta: Meta,
    pub school_year: Option<String>,
    pub title: String,
    pub course_code: Option<String>,
    pub grades: Vec<String>,
    pub org: String,
    pub subjects: Vec<String>,
    pub subject_codes: Vec<String>,
}

/// `classes.csv` `classType`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClassType {
    Homeroom,
    Scheduled,
    Ext(String),
}

impl ClassType {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Homeroom => "homeroom",
            Self::Scheduled => "scheduled",
            Self::Ext(s) => s,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Class {
    pub meta: Meta,
    pub title: String,
    pub grades: Vec<String>,
    pub course: String,
    pub class_code: Option<String>,
    pub class_type: ClassType,
    pub location: Option<String>,
    pub school: String,
    pub terms: Vec<String>,
    pub subjects: Vec<String>,
    pub subject_codes: Vec<String>,
    pub periods: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub meta: Meta,
    pub enabled: bool,
    pub username: String,
    pub user_ids: Vec<String>,
    pub given_name: String,
    pub family_name: String,
    pub middle_name: Option<String>,
    pub identifier: Option<String>,
    pub email: Option<String>,
    pub sms: Option<String>,
    pub phone: Option<String>,
    pub agents: Vec<String>,
    pub grades: Vec<String>,
    pub master_identifier: Option<String>,
    pub preferred_given_name: Option<String>,
    pub preferred_middle_name: Option<String>,
    pub preferred_family_name: Option<String>,
    pub primary_org: Option<String>,
    pub pronouns: Option<String>,
    /// Ensemble's role type, from the extension column Ensemble writes
    /// ([`crate::map::ROLE_TYPE_COLUMN`]).
    pub ensemble_role_type: Option<String>,
}

/// A role of `roles.csv` (and of `enrollments.csv`, which allows fewer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleName {
    Administrator,
    Aide,
    Counselor,
    DistrictAdministrator,
    Guardian,
    Parent,
    Principal,
    Proctor,
    Relative,
    SiteAdministrator,
    Student,
    SystemAdministrator,
    Teacher,
    Ext(String),
}

impl RoleName {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Administrator => "administrator",
            Self::Aide => "aide",
            Self::Counselor => "counselor",
            Self::DistrictAdministrator => "districtAdministrator",
            Self::Guardian => "guardian",
            Self::Parent => "parent",
            Self::Principal => "principal",
            Self::Proctor => "proctor",
            Self::Relative => "relative",
            Self::SiteAdministrator => "siteAdministrator",
            Self::Student => "student",
            Self::SystemAdministrator => "systemAdministrator",
            Self::Teacher => "teacher",
            Self::Ext(s) => s,
        }
    }

    /// The values `roles.csv` allows.
    pub const ROLES: [&'static str; 12] = [
        "aide",
        "counselor",
        "districtAdministrator",
        "guardian",
        "parent",
        "principal",
        "proctor",
        "relative",
        "siteAdministrator",
        "student",
        "systemAdministrator",
        "teacher",
    ];

    /// The values `enrollments.csv` allows.
    pub const ENROLLMENT_ROLES: [&'static str; 4] =
        ["administrator", "proctor", "student", "teacher"];

    pub fn parse(s: &str) -> Self {
        match s {
            "administrator" => Self::Administrator,
            "aide" => Self::Aide,
            "counselor" => Self::Counselor,
            "districtAdministrator" => Self::DistrictAdministrator,
            "guardian" => Self::Guardian,
            "parent" => Self::Parent,
            "principal" => Self::Principal,
            "proctor" => Self::Proctor,
            "relative" => Self::Relative,
            "siteAdministrator" => Self::SiteAdministrator,
            "student" => Self::Student,
            "systemAdministrator" => Self::SystemAdministrator,
            "teacher" => Self::Teacher,
            other => Self::Ext(other.to_owned()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    pub meta: Meta,
    pub user: String,
    pub primary: bool,
    pub role: RoleName,
    pub begin_date: Option<String>,
    pub end_date: Option<String>,
    pub org: String,
    pub user_profile: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrollment {
    pub meta: Meta,
    pub class: String,
    pub school: String,
    pub user: String,
    pub role: RoleName,
    pub primary: Option<bool>,
    pub begin_date: Option<String>,
    pub end_date: Option<String>,
}

/// `demographics.csv`: its sourcedId is the user's.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Demographic {
    pub meta: Option<Meta>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub american_indian_or_alaska_native: Option<bool>,
    pub asian: Option<bool>,
    pub black_or_african_american: Option<bool>,
    pub native_hawaiian_or_other_pacific_islander: Option<bool>,
    pub white: Option<bool>,
    pub two_or_more_races: Option<bool>,
    pub hispanic_or_latino: Option<bool>,
    pub country_of_birth_code: Option<String>,
    pub state_of_birth_abbreviation: Option<String>,
    pub city_of_birth: Option<String>,
    pub public_school_residence_status: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserProfile {
    pub meta: Meta,
    pub user: String,
    pub profile_type: String,
    pub vendor_id: String,
    pub application_id: Option<String>,
    pub description: Option<String>,
    pub credential_type: String,
    pub username: String,
}

/// A whole bundle as read and checked.
#[derive(Clone, Debug, Default)]
pub struct Bundle {
    pub manifest: Manifest,
    pub sessions: Vec<AcademicSession>,
    pub orgs: Vec<Org>,
    pub courses: Vec<Course>,
    pub classes: Vec<Class>,
    pub users: Vec<User>,
    pub roles: Vec<Role>,
    pub enrollments: Vec<Enrollment>,
    pub demographics: Vec<Demographic>,
    pub user_profiles: Vec<UserProfile>,
    /// What the reader noticed and did not refuse: unknown columns, files Ensemble does not
    /// use, passwords it does not keep.
    pub warnings: Vec<String>,
}
