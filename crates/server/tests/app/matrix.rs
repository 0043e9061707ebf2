//! The authorization matrix: every route the router declares (pages and API, every method) ×
//! every role (system admin, school leader, core-team lead, core-team member, another team's
//! member, specialist, paraeducator, community educator, volunteer, signed out) × own team,
//! another team, another school and a missing id.
//!
//! What each role may do is stated here again, independently of `domain::access`, from the
//! README's table; facts (who is on which roster, who serves whom) are read from the database
//! before each request. A route without a row in the table fails the test. Each cell counts:
//! - a **leak** when a role reaches what it may not (or signed out reaches anything but the
//!   sign-in), when a response names a student the role may not see, or when a student is shown
//!   with more (or other) sensitive kinds than the role's need;
//! - an **oracle difference** when a refusal differs from the answer for a missing record;
//! - a **wrong refusal** when a role is refused what it may do.
//!
//! All but the cell count must be zero.

use crate::harness::*;
use ensemble_store::testing::each_backend;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

const MISSING: i64 = 987_654;
const MISSING_SOURCED: &str = "zz-missing-student";

// ----- the world, read from the database -----

#[derive(Clone, Debug)]
struct Student {
    school: i64,
    sourced: String,
    name: String,
    team: Option<i64>,
}

#[derive(Clone, Debug, Default)]
struct World {
    students: BTreeMap<i64, Student>,
    /// (educator, student) → services.
    services: HashMap<(i64, i64), Vec<String>>,
    /// team → (school, kind, name).
    teams: BTreeMap<i64, (i64, String, String)>,
    /// team → members (educators).
    members: BTreeMap<i64, BTreeSet<i64>>,
    /// team → its leads (educators).
    leads: BTreeMap<i64, BTreeSet<i64>>,
    /// email → (system role, school, educator, role type).
    users: BTreeMap<String, (String, Option<i64>, Option<i64>, String)>,
    bookings: BTreeMap<i64, i64>,
    spaces: BTreeMap<i64, i64>,
    groupings: BTreeMap<i64, i64>,
    plans: BTreeMap<i64, i64>,
    /// submission → (educator, their school, the competency, the assessor's level).
    submissions: BTreeMap<i64, (i64, i64, String, i64)>,
    /// (educator, competency) → level.
    held: HashMap<(i64, String), i64>,
    /// Open team goals → their team.
    open_goals: BTreeMap<i64, i64>,
    /// Names that are also educators' or accounts' names (never a leak on their own).
    adult_names: HashSet<String>,
}

fn split(row: &str) -> Vec<&str> {
    row.split('|').collect()
}

fn int(s: &str) -> Option<i64> {
    s.parse().ok()
}

async fn load(app: &App) -> World {
    let q = |sql: &'static str| app.db.strings(sql, &[]);
    let mut w = World::default();
    for r in q("SELECT CAST(st.id AS TEXT) || '|' || CAST(st.school_id AS TEXT) || '|' || st.sourced_id || '|' || st.given_name || ' ' || st.family_name || '|' || COALESCE(CAST(r.team_id AS TEXT), '')
                FROM students st JOIN schools s ON s.id = st.school_id
                LEFT JOIN roster_entries r ON r.student_id = st.id AND r.term_id = s.current_term_id").await
    {
        let f = split(&r);
        w.students.insert(
            int(f[0]).expect("id"),
            Student {
                school: int(f[1]).expect("school"),
                sourced: f[2].to_owned(),
                name: f[3].to_owned(),
                team: int(f[4]),
            },
        );
    }
    for r in q("SELECT CAST(a.educator_id AS TEXT) || '|' || CAST(a.student_id AS TEXT) || '|' || a.service
                FROM service_assignments a JOIN students st ON st.id = a.student_id JOIN schools s ON s.id = st.school_id
                WHERE a.term_id = s.current_term_id").await
    {
        let f = split(&r);
        w.services
            .entry((int(f[0]).expect("e"), int(f[1]).expect("s")))
            .or_default()
            .push(f[2].to_owned());
    }
    for r in q("SELECT CAST(t.id AS TEXT) || '|' || CAST(t.school_id AS TEXT) || '|' || t.kind || '|' || t.name
                FROM teams t JOIN schools s ON s.id = t.school_id WHERE t.term_id = s.current_term_id").await
    {
        let f = split(&r);
        w.teams.insert(
            int(f[0]).expect("id"),
            (int(f[1]).expect("school"), f[2].to_owned(), f[3].to_owned()),
        );
    }
    for r in q("SELECT CAST(team_id AS TEXT) || '|' || CAST(educator_id AS TEXT) FROM team_members WHERE member_role = 'lead'").await {
        let f = split(&r);
        w.leads
            .entry(int(f[0]).expect("team"))
            .or_default()
            .insert(int(f[1]).expect("educator"));
    }
    for r in q("SELECT CAST(team_id AS TEXT) || '|' || CAST(educator_id AS TEXT) FROM team_members")
        .await
    {
        let f = split(&r);
        w.members
            .entry(int(f[0]).expect("team"))
            .or_default()
            .insert(int(f[1]).expect("educator"));
    }
    for r in q("SELECT u.email || '|' || u.system_role || '|' || COALESCE(CAST(u.school_id AS TEXT), '') || '|' || COALESCE(CAST(u.educator_id AS TEXT), '') || '|' || COALESCE(e.role_type, '') || '|' || COALESCE(CAST(e.school_id AS TEXT), '')
                FROM users u LEFT JOIN educators e ON e.id = u.educator_id").await
    {
        let f = split(&r);
        w.users.insert(
            f[0].to_owned(),
            (f[1].to_owned(), int(f[2]).or(int(f[5])), int(f[3]), f[4].to_owned()),
        );
    }
    for (table, map) in [
        (
            "SELECT CAST(id AS TEXT) || '|' || CAST(team_id AS TEXT) FROM space_bookings",
            &mut w.bookings,
        ),
        (
            "SELECT CAST(id AS TEXT) || '|' || CAST(school_id AS TEXT) FROM spaces",
            &mut w.spaces,
        ),
        (
            "SELECT CAST(id AS TEXT) || '|' || CAST(team_id AS TEXT) FROM groupings",
            &mut w.groupings,
        ),
        (
            "SELECT CAST(id AS TEXT) || '|' || CAST(school_id AS TEXT) FROM staffing_plans",
            &mut w.plans,
        ),
    ] {
        for r in q(table).await {
            let f = split(&r);
            map.insert(int(f[0]).expect("id"), int(f[1]).expect("owner"));
        }
    }
    for r in q("SELECT CAST(s.id AS TEXT) || '|' || CAST(s.educator_id AS TEXT) || '|' || CAST(e.school_id AS TEXT) || '|' || m.body
                FROM credential_submissions s JOIN educators e ON e.id = s.educator_id JOIN micro_credentials m ON m.id = s.micro_credential_id").await
    {
        let f: Vec<&str> = r.splitn(4, '|').collect();
        let body: Value = serde_json::from_str(f[3]).expect("a catalog entry");
        w.submissions.insert(
            int(f[0]).expect("id"),
            (
                int(f[1]).expect("educator"),
                int(f[2]).expect("school"),
                body["competency"].as_str().expect("competency").to_owned(),
                body["assessor_level"].as_i64().expect("level"),
            ),
        );
    }
    for r in q("SELECT CAST(educator_id AS TEXT) || '|' || code || '|' || CAST(level AS TEXT) FROM educator_competencies").await {
        let f = split(&r);
        w.held.insert(
            (int(f[0]).expect("educator"), f[1].to_owned()),
            int(f[2]).expect("level"),
        );
    }
    for r in q("SELECT CAST(id AS TEXT) || '|' || CAST(team_id AS TEXT) FROM team_goals WHERE closed_at IS NULL").await {
        let f = split(&r);
        w.open_goals.insert(int(f[0]).expect("goal"), int(f[1]).expect("team"));
    }
    w.adult_names = q("SELECT given_name || ' ' || family_name FROM educators")
        .await
        .into_iter()
        .chain(q("SELECT display_name FROM users").await)
        .collect();
    w
}

// ----- the policy, stated again from the README -----

/// A signed-in role as the policy sees it.
#[derive(Clone, Debug)]
struct Who {
    admin: bool,
    leader: bool,
    school: Option<i64>,
    educator: Option<i64>,
    community: bool,
    core: BTreeSet<i64>,
    extended: BTreeSet<i64>,
}

fn who(w: &World, email: &str) -> Who {
    let (role, school, educator, role_type) = w.users.get(email).cloned().expect("an account");
    let mut core = BTreeSet::new();
    let mut extended = BTreeSet::new();
    if let Some(e) = educator {
        for (t, m) in &w.members {
            if m.contains(&e) {
                if let Some((_, kind, _)) = w.teams.get(t) {
                    if kind == "core" {
                        core.insert(*t);
                    } else {
                        extended.insert(*t);
                    }
                }
            }
        }
    }
    Who {
        admin: role == "system_admin",
        leader: role == "school_leader",
        school,
        educator,
        community: role_type == "community_educator" || role_type == "volunteer",
        core,
        extended,
    }
}

impl Who {
    fn leads(&self, school: i64) -> bool {
        self.admin || (self.leader && self.school == Some(school))
    }
    fn of_school(&self, school: i64) -> bool {
        self.admin || self.school == Some(school)
    }
    fn educator_of(&self, school: i64) -> bool {
        !self.admin && !self.leader && self.school == Some(school)
    }
}

const ALL_KINDS: [&str; 6] = [
    "plans",
    "accommodations",
    "english_learning",
    "health",
    "demographics",
    "services",
];

/// What a role sees of a student: `None` refused; else ("directory"|"profile"|"full", kinds).
fn sees(w: &World, p: &Who, student: i64) -> Option<(&'static str, Vec<&'static str>)> {
    let s = w.students.get(&student)?;
    if p.leads(s.school) {
        return Some(("full", ALL_KINDS.to_vec()));
    }
    if !p.educator_of(s.school) {
        return None;
    }
    let on_core = s.team.is_some_and(|t| p.core.contains(&t));
    let services = p
        .educator
        .and_then(|e| w.services.get(&(e, student)))
        .cloned()
        .unwrap_or_default();
    if p.community {
        return (on_core || !services.is_empty()).then(|| ("directory", Vec::new()));
    }
    if on_core {
        return Some(("full", ALL_KINDS.to_vec()));
    }
    if services.is_empty() {
        return None;
    }
    let mut kinds = BTreeSet::new();
    for sv in &services {
        match sv.as_str() {
            "special_education" => {
                kinds.insert("plans");
                kinds.insert("accommodations");
            }
            "paraeducator_support" => {
                kinds.insert("accommodations");
            }
            "english_learner" => {
                kinds.insert("english_learning");
            }
            _ => {}
        }
    }
    let kinds = ALL_KINDS
        .iter()
        .copied()
        .filter(|k| kinds.contains(k))
        .collect();
    Some(("profile", kinds))
}

fn team_school(w: &World, t: i64) -> Option<i64> {
    w.teams.get(&t).map(|x| x.0)
}

fn may_roster(w: &World, p: &Who, t: i64) -> bool {
    let Some((school, kind, _)) = w.teams.get(&t) else {
        return false;
    };
    kind == "core"
        && (p.leads(*school)
            || (p.educator_of(*school) && (p.core.contains(&t) || !p.extended.is_empty())))
}

fn may_board(w: &World, p: &Who, t: i64) -> bool {
    let Some((school, kind, _)) = w.teams.get(&t) else {
        return false;
    };
    kind == "core"
        && (p.leads(*school) || (p.educator_of(*school) && p.core.contains(&t) && !p.community))
}

fn may_book(w: &World, p: &Who, t: i64) -> bool {
    let Some((school, _, _)) = w.teams.get(&t) else {
        return false;
    };
    p.leads(*school) || (p.educator_of(*school) && (p.core.contains(&t) || p.extended.contains(&t)))
}

// ----- the table -----

/// What a route's first path parameter (or its body) names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    None,
    School,
    Team,
    Student,
    Educator,
    Space,
    Booking,
    Grouping,
    /// A micro-credential of the catalog.
    Credential,
    /// A submission of evidence.
    Submission,
    /// An educator with an earned credential (`{cid}`).
    Earned,
}

/// Who may use a route, given the cell's target.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// Anyone signed in.
    SignedIn,
    /// Anyone of the target's school (structure, no student data).
    SchoolOf,
    /// The target team's roster.
    Roster,
    /// Changing the target team's roster: its school's leaders.
    RosterChange,
    /// The target student's record.
    StudentRead,
    /// Changing the target student's profile.
    StudentChange,
    /// The target team's grouping board.
    Board,
    /// Booking for (or cancelling a booking of) the target team.
    Book,
    /// The target school's leaders.
    Leader,
    /// District leaders only.
    District,
    /// School and district leaders (the audit log).
    AnyLeader,
    /// Importing results for the target student.
    Import,
    /// The fixture absence: the school's leaders, the absent educator, the leads of their
    /// teams.
    AbsenceSee,
    /// Approving its re-plan: the school's leaders and the leads of the absent educator's teams.
    AbsenceApprove,
    /// The fixture educator's own calendar (or the feed of it): themself and their school's
    /// leaders.
    OwnCalendar,
    /// The target team's calendar: its members and its school's leaders.
    TeamCalendar,
    /// An entry of the district's catalog: anyone of the district.
    CatalogEntry,
    /// A submission: its educator, a leader of their school, or an educator of that school
    /// holding the competency at the entry's assessor level.
    SubmissionSee,
    /// An earned credential: its educator and their school's leaders.
    OwnEarned,
    /// Closing the fixture goal: an open goal of the target team, by its board's users.
    GoalClose,
    /// Nobody: the set-up page of an installation that has accounts (signed out: the sign-in;
    /// signed in: missing).
    Nobody,
}

struct Row {
    method: &'static str,
    path: &'static str,
    target: Target,
    rule: Rule,
    /// Changes what later cells see: facts are read again after it succeeds.
    mutates: bool,
    /// Runs after the others (it changes teams, rosters or sessions).
    late: bool,
}

const fn row(method: &'static str, path: &'static str, target: Target, rule: Rule) -> Row {
    Row {
        method,
        path,
        target,
        rule,
        mutates: false,
        late: false,
    }
}

const fn changes(mut r: Row) -> Row {
    r.mutates = true;
    r
}

const fn last(mut r: Row) -> Row {
    r.mutates = true;
    r.late = true;
    r
}

fn table() -> Vec<Row> {
    use Rule::*;
    use Target as T;
    vec![
        row("GET", "/healthz", T::None, Public),
        row("GET", "/static/app.css", T::None, Public),
        row("GET", "/static/app.js", T::None, Public),
        row("GET", "/static/favicon.svg", T::None, Public),
        row("GET", "/favicon.ico", T::None, Public),
        row("GET", "/login", T::None, Public),
        row("POST", "/login", T::None, Public),
        last(row("POST", "/logout", T::None, SignedIn)),
        row("GET", "/setup", T::None, Nobody),
        row("POST", "/setup", T::None, Nobody),
        row("GET", "/imports", T::None, District),
        row("POST", "/imports", T::None, District),
        row("GET", "/imports/{import}", T::None, District),
        last(row("POST", "/imports/{import}/apply", T::None, District)),
        row("GET", "/schools/{id}/accounts", T::School, Leader),
        changes(row(
            "POST",
            "/schools/{id}/accounts/{user}/link",
            T::School,
            Leader,
        )),
        row("GET", "/welcome/{link}", T::None, Public),
        last(row("POST", "/welcome/{link}", T::None, Public)),
        row("GET", "/schools/{id}/proposals", T::School, Leader),
        changes(row(
            "POST",
            "/schools/{id}/proposals/merge",
            T::School,
            Leader,
        )),
        changes(row(
            "POST",
            "/schools/{id}/proposals/{proposal}/split",
            T::School,
            Leader,
        )),
        last(row(
            "POST",
            "/schools/{id}/proposals/{proposal}/confirm",
            T::School,
            Leader,
        )),
        row("GET", "/", T::None, SignedIn),
        row("GET", "/schools/{id}", T::School, SchoolOf),
        row("GET", "/teams/{id}", T::Team, SchoolOf),
        changes(row("POST", "/teams/{id}/roster", T::Team, RosterChange)),
        changes(row("POST", "/teams/{id}/goals", T::Team, Board)),
        last(row(
            "POST",
            "/teams/{id}/goals/{goal}/close",
            T::Team,
            GoalClose,
        )),
        last(row(
            "POST",
            "/teams/{id}/roster/{student}/remove",
            T::Team,
            RosterChange,
        )),
        row("GET", "/students/{id}", T::Student, StudentRead),
        changes(row(
            "POST",
            "/students/{id}/profile",
            T::Student,
            StudentChange,
        )),
        row("GET", "/my-students", T::None, SignedIn),
        row("GET", "/educators/{id}", T::Educator, SchoolOf),
        row("GET", "/credentials", T::None, SignedIn),
        row("POST", "/credentials", T::None, District),
        row(
            "POST",
            "/credentials/{id}/evidence",
            T::Credential,
            CatalogEntry,
        ),
        row("GET", "/credentials/review", T::None, SignedIn),
        row("GET", "/pathways", T::None, AnyLeader),
        row("GET", "/submissions/{id}", T::Submission, SubmissionSee),
        row(
            "POST",
            "/submissions/{id}/decision",
            T::Submission,
            SubmissionSee,
        ),
        row(
            "GET",
            "/educators/{id}/credentials/{cid}",
            T::Earned,
            OwnEarned,
        ),
        row("GET", "/audit", T::None, AnyLeader),
        row("GET", "/audit.csv", T::None, AnyLeader),
        row("GET", "/schools/{id}/staffing", T::School, Leader),
        changes(row("POST", "/schools/{id}/staffing", T::School, Leader)),
        changes(row(
            "POST",
            "/schools/{id}/staffing/{plan}/assign",
            T::School,
            Leader,
        )),
        row(
            "GET",
            "/schools/{id}/staffing/{plan}/review",
            T::School,
            Leader,
        ),
        last(row(
            "POST",
            "/schools/{id}/staffing/{plan}/apply",
            T::School,
            Leader,
        )),
        row("GET", "/schools/{id}/staffing/compare", T::School, Leader),
        row("GET", "/schools/{id}/staffing/settings", T::School, Leader),
        changes(row(
            "POST",
            "/schools/{id}/staffing/settings",
            T::School,
            District,
        )),
        row("GET", "/schools/{id}/schedule", T::School, Leader),
        changes(row("POST", "/schools/{id}/schedule", T::School, Leader)),
        changes(row(
            "POST",
            "/schools/{id}/schedule/settings",
            T::School,
            Leader,
        )),
        last(row(
            "POST",
            "/schools/{id}/schedule/{schedule}/publish",
            T::School,
            Leader,
        )),
        row("GET", "/schools/{id}/absences", T::School, SchoolOf),
        changes(row("POST", "/schools/{id}/absences", T::School, SchoolOf)),
        row(
            "GET",
            "/schools/{id}/absences/{absence}",
            T::School,
            AbsenceSee,
        ),
        last(row(
            "POST",
            "/schools/{id}/absences/{absence}/approve",
            T::School,
            AbsenceApprove,
        )),
        row("GET", "/calendar/{token}", T::None, Public),
        changes(row(
            "POST",
            "/educators/{id}/calendar",
            T::Educator,
            OwnCalendar,
        )),
        changes(row("POST", "/teams/{id}/calendar", T::Team, TeamCalendar)),
        changes(row(
            "POST",
            "/students/{id}/calendar",
            T::Student,
            StudentChange,
        )),
        last(row(
            "POST",
            "/schools/{id}/calendar-feeds/{feed}/revoke",
            T::School,
            OwnCalendar,
        )),
        row("GET", "/teams/{id}/grouping", T::Team, Board),
        changes(row("POST", "/teams/{id}/grouping", T::Team, Board)),
        changes(row(
            "POST",
            "/teams/{id}/grouping/{gid}/move",
            T::Team,
            Board,
        )),
        last(row(
            "POST",
            "/teams/{id}/grouping/{gid}/publish",
            T::Team,
            Board,
        )),
        row("GET", "/api/v1/openapi.json", T::None, Public),
        row("GET", "/api/v1/me", T::None, SignedIn),
        row("GET", "/api/v1/teams", T::None, SignedIn),
        changes(row("POST", "/api/v1/teams", T::School, Leader)),
        row("GET", "/api/v1/teams/{id}", T::Team, SchoolOf),
        row("GET", "/api/v1/teams/{id}/roster", T::Team, Roster),
        changes(row(
            "POST",
            "/api/v1/teams/{id}/roster",
            T::Team,
            RosterChange,
        )),
        last(row(
            "DELETE",
            "/api/v1/teams/{id}/roster/{student_id}",
            T::Team,
            RosterChange,
        )),
        row("GET", "/api/v1/teams/{id}/bookings", T::Team, SchoolOf),
        row("GET", "/api/v1/teams/{id}/goals", T::Team, SchoolOf),
        changes(row("POST", "/api/v1/teams/{id}/goals", T::Team, Board)),
        row("GET", "/api/v1/spaces/{id}/bookings", T::Space, SchoolOf),
        changes(row("POST", "/api/v1/spaces/{id}/bookings", T::Team, Book)),
        last(row("DELETE", "/api/v1/bookings/{id}", T::Booking, Book)),
        row("GET", "/api/v1/students/{id}", T::Student, StudentRead),
        changes(row(
            "PATCH",
            "/api/v1/students/{id}/profile",
            T::Student,
            StudentChange,
        )),
        row("GET", "/api/v1/my-students", T::None, SignedIn),
        changes(row("POST", "/api/v1/assessments", T::Student, Import)),
        row("GET", "/api/v1/educators/{id}", T::Educator, SchoolOf),
        row("GET", "/api/v1/credentials", T::None, SignedIn),
        row("POST", "/api/v1/credentials", T::None, District),
        row(
            "POST",
            "/api/v1/credentials/{id}/submissions",
            T::Credential,
            CatalogEntry,
        ),
        row("GET", "/api/v1/submissions", T::None, SignedIn),
        row("GET", "/api/v1/pathways", T::None, AnyLeader),
        row(
            "GET",
            "/api/v1/educators/{id}/pathways",
            T::Educator,
            SchoolOf,
        ),
        row(
            "GET",
            "/api/v1/submissions/{id}",
            T::Submission,
            SubmissionSee,
        ),
        row(
            "POST",
            "/api/v1/submissions/{id}/decision",
            T::Submission,
            SubmissionSee,
        ),
        row(
            "GET",
            "/api/v1/educators/{id}/credentials",
            T::Educator,
            OwnCalendar,
        ),
        row("GET", "/api/v1/audit", T::None, AnyLeader),
        row(
            "GET",
            "/api/v1/schools/{id}/staffing/plans",
            T::School,
            Leader,
        ),
        changes(row(
            "POST",
            "/api/v1/schools/{id}/staffing/plans",
            T::School,
            Leader,
        )),
        row(
            "GET",
            "/api/v1/schools/{id}/staffing/plans/{plan}",
            T::School,
            Leader,
        ),
        changes(row(
            "POST",
            "/api/v1/schools/{id}/staffing/plans/{plan}/assignments",
            T::School,
            Leader,
        )),
        row(
            "GET",
            "/api/v1/schools/{id}/staffing/plans/{plan}/preview",
            T::School,
            Leader,
        ),
        last(row(
            "POST",
            "/api/v1/schools/{id}/staffing/plans/{plan}/save",
            T::School,
            Leader,
        )),
        row(
            "GET",
            "/api/v1/schools/{id}/staffing/settings",
            T::School,
            Leader,
        ),
        changes(row(
            "PUT",
            "/api/v1/schools/{id}/staffing/settings",
            T::School,
            District,
        )),
        row("GET", "/api/v1/schools/{id}/schedules", T::School, Leader),
        changes(row(
            "POST",
            "/api/v1/schools/{id}/schedules",
            T::School,
            Leader,
        )),
        row(
            "GET",
            "/api/v1/schools/{id}/schedules/{schedule}",
            T::School,
            Leader,
        ),
        last(row(
            "POST",
            "/api/v1/schools/{id}/schedules/{schedule}/publish",
            T::School,
            Leader,
        )),
        row("GET", "/api/v1/teams/{id}/groupings", T::Team, Board),
        changes(row("POST", "/api/v1/teams/{id}/groupings", T::Team, Board)),
        row("GET", "/api/v1/groupings/{id}", T::Grouping, Board),
        changes(row(
            "POST",
            "/api/v1/groupings/{id}/moves",
            T::Grouping,
            Board,
        )),
        last(row(
            "POST",
            "/api/v1/groupings/{id}/publish",
            T::Grouping,
            Board,
        )),
    ]
}

// ----- the cells -----

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    Own,
    OtherTeam,
    OtherSchool,
    Missing,
}

/// The records each place names.
#[derive(Clone, Debug)]
struct Fixture {
    school: i64,
    team: i64,
    student: i64,
    sourced: String,
    educator: i64,
    space: i64,
    booking: i64,
    grouping: i64,
    /// A student in the grouping and a group to move them to.
    move_to: (String, String),
    plan: i64,
    /// A draft schedule of the school.
    schedule: i64,
    /// An absence of `absent` recorded against the school's published schedule.
    absence: i64,
    absent: i64,
    /// A calendar feed of `educator`: its id and secret.
    feed: i64,
    token: String,
    /// A planned team's name and one of its members.
    plan_team: (String, String),
    /// An open proposed core team of the school (two of the team's members).
    proposal: i64,
    /// An uploaded roster bundle waiting for its review (not a zip: applying it is refused).
    import: i64,
    /// An account of the school without a password, and a sign-in link for another one.
    account: i64,
    link: String,
    /// A catalog entry, a submission by a member of the team, and a credential earned by one.
    credential: i64,
    submission: i64,
    earner: i64,
    earned: i64,
    /// An open goal of the team.
    goal: i64,
}

/// The kind of answer a cell got.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Answer {
    /// Sent to the sign-in form (pages) or 401 (API).
    SignIn,
    /// Refused, or missing: the normalized message.
    Refusal(String),
    /// Anything else.
    Reached(u16),
}

struct Role {
    name: &'static str,
    email: Option<String>,
    client: Client,
    token: String,
    csrf: String,
}

async fn signed_in(app: &App, name: &'static str) -> Role {
    let email = app.email(name);
    let client = app.browser(&email).await;
    let home = client
        .get(format!("{}/", app.base))
        .send()
        .await
        .expect("home");
    let page = match home.status() {
        StatusCode::SEE_OTHER => {
            let to = home.headers()["location"]
                .to_str()
                .expect("location")
                .to_owned();
            page_text(&client, format!("{}{to}", app.base)).await
        }
        _ => home.text().await.expect("html"),
    };
    Role {
        name,
        csrf: csrf_of(&page),
        token: app.token_for(&email).await,
        email: Some(email),
        client,
    }
}

const ROLES: [&str; 9] = [
    "System (district) leader",
    "School leader",
    "Core-team lead",
    "Core-team member",
    "Core-team member, other team",
    "Extended team: specialist",
    "Extended team: paraeducator",
    "Community educator",
    "Volunteer",
];

fn normalize(s: &str, f: &Fixture) -> String {
    s.replace(&f.sourced, "X")
        .replace(MISSING_SOURCED, "X")
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect()
}

/// Fills a path's parameters from a fixture.
fn fill(path: &str, f: &Fixture, target: Target) -> String {
    let first = match target {
        Target::School => f.school,
        Target::Team => f.team,
        Target::Student => f.student,
        Target::Educator => f.educator,
        Target::Space | Target::None => f.space,
        Target::Booking => f.booking,
        Target::Grouping => f.grouping,
        Target::Credential => f.credential,
        Target::Submission => f.submission,
        Target::Earned => f.earner,
    };
    let first = if path.starts_with("/api/v1/spaces/") || path.starts_with("/spaces/") {
        f.space
    } else {
        first
    };
    let url = path
        .replace("{id}", &first.to_string())
        .replace("{student_id}", &f.student.to_string())
        .replace("{student}", &f.student.to_string())
        .replace("{gid}", &f.grouping.to_string())
        .replace("{plan}", &f.plan.to_string())
        .replace("{schedule}", &f.schedule.to_string())
        .replace("{absence}", &f.absence.to_string())
        .replace("{feed}", &f.feed.to_string())
        .replace("{proposal}", &f.proposal.to_string())
        .replace("{import}", &f.import.to_string())
        .replace("{user}", &f.account.to_string())
        .replace("{link}", &f.link)
        .replace("{cid}", &f.earned.to_string())
        .replace("{goal}", &f.goal.to_string())
        .replace("{token}", &format!("{}.ics", f.token));
    if path == "/schools/{id}/staffing/compare" {
        format!("{url}?a={}&b={}", f.plan, f.plan)
    } else {
        url
    }
}

/// The form fields (pages) or JSON body (API) of a cell.
fn body(
    path: &str,
    f: &Fixture,
    settings: &Value,
) -> (Vec<(String, String)>, Value, Option<String>) {
    let form = |pairs: &[(&str, String)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    };
    match path {
        "/login" => (
            form(&[
                ("email", "nobody@demo.example".into()),
                ("password", "wrong".into()),
            ]),
            Value::Null,
            None,
        ),
        "/teams/{id}/roster" => (form(&[("student", f.sourced.clone())]), Value::Null, None),
        "/students/{id}/profile" => (
            form(&[("interests", "chess".into()), ("strengths", "focus".into())]),
            Value::Null,
            None,
        ),
        "/schools/{id}/staffing/{plan}/assign" => (
            form(&[
                ("team", f.plan_team.0.clone()),
                ("responsibility", "team_lead".into()),
                ("holder", f.plan_team.1.clone()),
                ("coach", String::new()),
            ]),
            Value::Null,
            None,
        ),
        "/schools/{id}/staffing/settings" => (
            form(&[("mode", "json".into()), ("settings", settings.to_string())]),
            Value::Null,
            None,
        ),
        "/schools/{id}/staffing/{plan}/apply" => (
            form(&[
                ("confirmed", "yes".into()),
                ("reason", "The matrix applies whatever the plan says".into()),
            ]),
            Value::Null,
            None,
        ),
        "/schools/{id}/schedule/settings" => (
            form(&[
                ("time_zone", "America/Phoenix".into()),
                ("planning_minutes", "45".into()),
            ]),
            Value::Null,
            None,
        ),
        "/schools/{id}/absences" => (
            form(&[
                ("educator", f.educator.to_string()),
                ("date", "2026-12-07".into()),
                ("reason", "illness".into()),
            ]),
            Value::Null,
            None,
        ),
        "/schools/{id}/schedule/{schedule}/publish" => {
            (form(&[("confirmed", "yes".into())]), Value::Null, None)
        }
        "/teams/{id}/grouping" => (
            form(&[
                ("block", "Matrix block".into()),
                ("focus", "math.fractions".into()),
                ("strategy", "need".into()),
            ]),
            Value::Null,
            None,
        ),
        "/teams/{id}/grouping/{gid}/move" => (
            form(&[
                ("student", f.move_to.0.clone()),
                ("to", f.move_to.1.clone()),
            ]),
            Value::Null,
            None,
        ),
        "/api/v1/teams" => (
            Vec::new(),
            json!({"school_id": f.school, "name": "Matrix team", "kind": "extended", "members": []}),
            None,
        ),
        "/api/v1/teams/{id}/roster" => (Vec::new(), json!({"student_ids": [f.student]}), None),
        "/api/v1/spaces/{id}/bookings" => (
            Vec::new(),
            json!({"team_id": f.team, "day": "monday", "period": 1, "headcount": 1}),
            None,
        ),
        "/api/v1/students/{id}/profile" => (
            Vec::new(),
            json!({"interests": ["chess"], "strengths": ["focus"]}),
            None,
        ),
        "/api/v1/assessments" => (
            Vec::new(),
            Value::Null,
            Some(format!(
                "student_id,skill,date,score,source\n{},math.fractions,2026-11-30,70,Quiz\n",
                f.sourced
            )),
        ),
        "/api/v1/schools/{id}/staffing/plans/{plan}/assignments" => (
            Vec::new(),
            json!({"team": f.plan_team.0, "responsibility": "team_lead", "holder": f.plan_team.1}),
            None,
        ),
        "/api/v1/schools/{id}/staffing/settings" => (Vec::new(), settings.clone(), None),
        "/teams/{id}/goals" => (
            form(&[
                ("skill", "math.fractions".into()),
                ("level", "3".into()),
                ("percent", "80".into()),
                ("by", "2099-06-30".into()),
            ]),
            Value::Null,
            None,
        ),
        "/api/v1/teams/{id}/goals" => (
            Vec::new(),
            json!({"skill": "math.fractions", "level": 3, "percent": 80, "by": "2099-06-30"}),
            None,
        ),
        "/submissions/{id}/decision" => (
            form(&[("decision", "accept".into()), ("score_0", "1".into())]),
            Value::Null,
            None,
        ),
        "/api/v1/credentials" => (
            Vec::new(),
            json!({"code": "Not a code", "name": "Matrix", "competency": "coaching", "level": 3, "evidence": "x",
                   "rubric": [{"name": "x", "levels": ["a", "b", "c", "d"]}], "assessor_level": 3, "hours": 1}),
            None,
        ),
        "/api/v1/credentials/{id}/submissions" => (Vec::new(), json!({"evidence": ""}), None),
        "/api/v1/submissions/{id}/decision" => {
            (Vec::new(), json!({"scores": [1], "accept": true}), None)
        }
        "/api/v1/teams/{id}/groupings" => (
            Vec::new(),
            json!({"block": "Matrix block", "focus": "math.fractions", "strategy": "need"}),
            None,
        ),
        "/api/v1/groupings/{id}/moves" => (
            Vec::new(),
            json!({"student": f.move_to.0, "to": f.move_to.1}),
            None,
        ),
        _ => (Vec::new(), Value::Null, None),
    }
}

/// The text of a page's error message, if it is an error page.
fn page_error(html: &str) -> String {
    text_of(html, "error-message").unwrap_or_default()
}

struct Sent {
    answer: Answer,
    status: u16,
    body: String,
}

async fn send(app: &App, role: Option<&Role>, row: &Row, f: &Fixture, settings: &Value) -> Sent {
    let api = row.path.starts_with("/api/");
    let url = format!("{}{}", app.base, fill(row.path, f, row.target));
    let (mut form, json_body, csv) = body(row.path, f, settings);
    let method = Method::from_bytes(row.method.as_bytes()).expect("method");
    let anonymous = browser_client();
    let client = role.map_or(&anonymous, |r| &r.client);
    let mut req = client.request(method.clone(), &url);
    if api {
        if let Some(r) = role {
            req = req.bearer_auth(&r.token);
        }
        if let Some(csv) = csv {
            req = req.header("content-type", "text/csv").body(csv);
        } else if !json_body.is_null() {
            req = req.json(&json_body);
        }
    } else if method != Method::GET {
        if row.path == "/login" {
            let login = page_text(client, format!("{}/login", app.base)).await;
            form.push(("csrf".into(), csrf_of(&login)));
        } else if let Some(r) = role {
            form.push(("csrf".into(), r.csrf.clone()));
        }
        req = req.form(&form);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let location = resp
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = resp.text().await.unwrap_or_default();
    let answer = if (api && status == StatusCode::UNAUTHORIZED)
        || (!api && status == StatusCode::SEE_OTHER && location.starts_with("/login"))
    {
        Answer::SignIn
    } else {
        let message = if api {
            serde_json::from_str::<Value>(&text)
                .ok()
                .map(|v| format!("{} {}", v["error"]["code"], v["error"]["message"]))
                .unwrap_or_default()
        } else {
            page_error(&text)
        };
        if status == StatusCode::NOT_FOUND || message.contains("that you may") {
            Answer::Refusal(format!("{} {}", status.as_u16(), normalize(&message, f)))
        } else {
            Answer::Reached(status.as_u16())
        }
    };
    Sent {
        answer,
        status: status.as_u16(),
        body: text,
    }
}

/// Whether the rule lets `p` use the route on this fixture (`None`: signed out).
fn allowed(w: &World, p: Option<&Who>, rule: Rule, row: &Row, f: &Fixture) -> bool {
    let Some(p) = p else {
        return matches!(rule, Rule::Public);
    };
    let team = match row.target {
        Target::Booking => w.bookings.get(&f.booking).copied(),
        Target::Grouping => w.groupings.get(&f.grouping).copied(),
        _ => Some(f.team).filter(|t| w.teams.contains_key(t)),
    };
    let school_exists = w.teams.values().any(|t| t.0 == f.school);
    match rule {
        Rule::Public | Rule::SignedIn => true,
        Rule::Nobody => false,
        Rule::SchoolOf => match row.target {
            Target::School => school_exists && p.of_school(f.school),
            Target::Team => team
                .and_then(|t| team_school(w, t))
                .is_some_and(|s| p.of_school(s)),
            Target::Space => w.spaces.get(&f.space).is_some_and(|s| p.of_school(*s)),
            Target::Educator => {
                // An educator's school: the school of a team they are on (the fixture's).
                f.educator != MISSING && p.of_school(f.school)
            }
            _ => false,
        },
        Rule::Roster => team.is_some_and(|t| may_roster(w, p, t)),
        Rule::RosterChange => team
            .and_then(|t| w.teams.get(&t))
            .is_some_and(|(s, kind, _)| kind == "core" && p.leads(*s)),
        Rule::StudentRead => sees(w, p, f.student).is_some(),
        Rule::StudentChange => sees(w, p, f.student).is_some_and(|(level, _)| level != "directory"),
        Rule::Board => team.is_some_and(|t| may_board(w, p, t)),
        Rule::Book => {
            team.is_some_and(|t| may_book(w, p, t))
                && (row.target == Target::Booking || w.spaces.contains_key(&f.space))
        }
        Rule::Leader => school_exists && p.leads(f.school),
        Rule::District => school_exists && p.admin,
        Rule::AnyLeader => p.admin || p.leader,
        Rule::AbsenceSee | Rule::AbsenceApprove => {
            f.absence != MISSING
                && (p.leads(f.school)
                    || (matches!(rule, Rule::AbsenceSee) && p.educator == Some(f.absent))
                    || p.educator.is_some_and(|me| {
                        me != f.absent
                            && w.leads.iter().any(|(t, ls)| {
                                ls.contains(&me)
                                    && w.members.get(t).is_some_and(|m| m.contains(&f.absent))
                                    && w.teams.contains_key(t)
                            })
                    }))
        }
        Rule::OwnCalendar => {
            f.educator != MISSING && (p.educator == Some(f.educator) || p.leads(f.school))
        }
        Rule::TeamCalendar => team.is_some_and(|t| {
            team_school(w, t).is_some_and(|s| p.leads(s))
                || p.educator
                    .is_some_and(|me| w.members.get(&t).is_some_and(|m| m.contains(&me)))
        }),
        Rule::CatalogEntry => f.credential != MISSING,
        Rule::SubmissionSee => {
            w.submissions
                .get(&f.submission)
                .is_some_and(|(e, school, comp, level)| {
                    p.educator == Some(*e)
                        || p.leads(*school)
                        || (p.educator_of(*school)
                            && p.educator.is_some_and(|me| {
                                w.held.get(&(me, comp.clone())).is_some_and(|h| h >= level)
                            }))
                })
        }
        Rule::GoalClose => w.open_goals.get(&f.goal) == Some(&f.team) && may_board(w, p, f.team),
        Rule::OwnEarned => {
            f.earner != MISSING && (p.educator == Some(f.earner) || p.leads(f.school))
        }
        Rule::Import => w.students.get(&f.student).is_some_and(|s| {
            p.leads(s.school)
                || (p.educator_of(s.school)
                    && !p.community
                    && s.team.is_some_and(|t| p.core.contains(&t)))
        }),
    }
}

/// Student names in a body that the role may not see (a name an adult also has, or a student
/// the role sees, proves nothing and is not counted).
fn leaked_names(w: &World, p: Option<&Who>, body: &str) -> Vec<String> {
    let visible: HashSet<&str> = w
        .students
        .iter()
        .filter(|(id, _)| p.is_some_and(|p| sees(w, p, **id).is_some()))
        .map(|(_, s)| s.name.as_str())
        .collect();
    let hidden: HashSet<&str> = w
        .students
        .values()
        .map(|s| s.name.as_str())
        .filter(|n| !visible.contains(n) && !w.adult_names.contains(*n))
        .collect();
    // Words, each with whether a comma stands between it and the word before.
    let mut words: Vec<(&str, bool)> = Vec::new();
    let mut comma = false;
    let mut start = None;
    for (i, c) in body.char_indices() {
        let letter = c.is_alphabetic() || c == '\'' || c == '-';
        match (letter, start) {
            (true, None) => start = Some(i),
            (false, Some(s0)) => {
                words.push((&body[s0..i], comma));
                comma = false;
                start = None;
            }
            _ => {}
        }
        if c == ',' {
            comma = true;
        }
    }
    if let Some(s0) = start {
        words.push((&body[s0..], comma));
    }
    // A list of adults ("… Naomi Walker, Ravi Tsosie …") puts one's family name next to the
    // next one's given name: across a comma, that pair is the list, not a name.
    let given: HashSet<&str> = w
        .adult_names
        .iter()
        .filter_map(|n| n.split(' ').next())
        .collect();
    let family: HashSet<&str> = w
        .adult_names
        .iter()
        .filter_map(|n| n.rsplit(' ').next())
        .collect();
    let mut out = Vec::new();
    for pair in words.windows(2) {
        let ((a, _), (b, across)) = (pair[0], pair[1]);
        for (name, listed) in [
            (
                format!("{a} {b}"),
                across && family.contains(a) && given.contains(b),
            ),
            (
                format!("{b} {a}"),
                across && family.contains(a) && given.contains(b),
            ),
        ] {
            if !listed && hidden.contains(name.as_str()) {
                out.push(name);
            }
        }
    }
    out
}

/// Students in a JSON body shown with other access than the role's.
fn wrong_sensitivity(w: &World, p: Option<&Who>, body: &Value, out: &mut Vec<String>) {
    match body {
        Value::Object(o) => {
            if let (Some(sid), Some(access)) =
                (o.get("sourced_id").and_then(Value::as_str), o.get("access"))
            {
                let student = w
                    .students
                    .iter()
                    .find(|(_, s)| s.sourced == sid)
                    .map(|(id, _)| *id);
                let expected = student.and_then(|id| p.and_then(|p| sees(w, p, id)));
                let got = (
                    access.as_str().unwrap_or(""),
                    o.get("sensitive").cloned().unwrap_or(Value::Null),
                );
                match expected {
                    Some((level, kinds)) if got.0 == level && got.1 == json!(kinds) => {}
                    other => out.push(format!("{sid}: shown as {got:?}, expected {other:?}")),
                }
            }
            for v in o.values() {
                wrong_sensitivity(w, p, v, out);
            }
        }
        Value::Array(a) => {
            for v in a {
                wrong_sensitivity(w, p, v, out);
            }
        }
        _ => {}
    }
}

/// On a student's page, the sections present must be the kinds the role may see.
fn wrong_sections(w: &World, p: Option<&Who>, f: &Fixture, html: &str, out: &mut Vec<String>) {
    let Some((_, kinds)) = p.and_then(|p| sees(w, p, f.student)) else {
        return;
    };
    for (id, kind) in [
        ("iep", "plans"),
        ("accommodations", "accommodations"),
        ("english-learner", "english_learning"),
        ("health", "health"),
        ("demographics", "demographics"),
    ] {
        let shown = html.contains(&format!("id=\"{id}\""));
        if shown != kinds.contains(&kind) {
            out.push(format!("student {}: section {id} shown={shown}", f.student));
        }
    }
}

#[derive(Default, Debug)]
struct Counts {
    cells: usize,
    leaks: Vec<String>,
    oracle: Vec<String>,
    wrong_refusals: Vec<String>,
    server_errors: Vec<String>,
}

/// A school day (Monday to Friday) ten days or more before `end`.
fn school_day_before(end: &str) -> String {
    use ensemble_domain::school::{date_of_days, days_since_epoch, weekday_of};
    let end = days_since_epoch("end", end).expect("a date");
    (10..20)
        .map(|k| date_of_days(end - k))
        .find(|d| weekday_of("d", d).is_ok_and(|w| w.index() < 5))
        .expect("a school day")
}

impl Role {
    /// Posts a page form (with this role's CSRF token); the answer's `Location`.
    async fn post_form(&self, app: &App, path: &str, fields: &[(&str, String)]) -> String {
        let mut form: Vec<(String, String)> = vec![("csrf".into(), self.csrf.clone())];
        form.extend(fields.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        let r = self
            .client
            .post(format!("{}{path}", app.base))
            .form(&form)
            .send()
            .await
            .expect("post");
        r.headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("no redirect: {}", r.status()))
    }
}

async fn fixtures(app: &App, admin: &str) -> (BTreeMap<Place, Fixture>, Value) {
    let w = load(app).await;
    let admin_page = signed_in(app, "System (district) leader").await;
    let team_named = |name: &str| {
        *w.teams
            .iter()
            .find(|(_, t)| t.2 == name)
            .unwrap_or_else(|| panic!("no team {name}"))
            .0
    };
    let specialist = who(&w, &app.email("Extended team: specialist"))
        .educator
        .expect("educator");
    let mut out = BTreeMap::new();
    for (place, team) in [
        (Place::Own, team_named("6 Saguaro")),
        (Place::OtherTeam, team_named("6 Palo Verde")),
        (Place::OtherSchool, team_named("4–5 Cholla")),
    ] {
        let school = w.teams[&team].0;
        // On the own team, a student the specialist serves in special education; elsewhere the
        // first on the roster.
        let student = w
            .students
            .iter()
            .filter(|(_, s)| s.team == Some(team))
            .map(|(id, _)| *id)
            .find(|id| {
                place != Place::Own
                    || w.services
                        .get(&(specialist, *id))
                        .is_some_and(|v| v.iter().any(|s| s == "special_education"))
            })
            .expect("a student");
        let educator = *w.members[&team].iter().next().expect("a member");
        let space = *w
            .spaces
            .iter()
            .filter(|(_, s)| **s == school)
            .map(|(id, _)| id)
            .nth(if place == Place::OtherTeam { 1 } else { 0 })
            .expect("a space");
        let booking = *w
            .bookings
            .iter()
            .find(|(_, t)| **t == team)
            .expect("a booking")
            .0;
        let (s, g) = app
            .send(
                Method::POST,
                &format!("/api/v1/teams/{team}/groupings"),
                admin,
                json!({"block": "Fixture", "focus": "math.fractions", "strategy": "need"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{g}");
        let groups = g["groups"].as_array().expect("groups");
        let from = groups
            .iter()
            .position(|x| !x["students"].as_array().expect("s").is_empty())
            .expect("a group");
        let move_to = (
            groups[from]["students"][0]["sourced_id"]
                .as_str()
                .expect("student")
                .to_owned(),
            groups[(from + 1) % groups.len()]["name"]
                .as_str()
                .expect("group")
                .to_owned(),
        );
        let (s, plan) = app
            .send(
                Method::POST,
                &format!("/api/v1/schools/{school}/staffing/plans"),
                admin,
                Value::Null,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{plan}");
        let (s, schedule) = app
            .send(
                Method::POST,
                &format!("/api/v1/schools/{school}/schedules"),
                admin,
                Value::Null,
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{schedule}");
        let schedule_id = schedule["id"].as_i64().expect("schedule");
        // The week published, an absence of the fixture educator recorded against it, and a
        // calendar feed of theirs.
        let (s, body) = app
            .send(
                Method::POST,
                &format!("/api/v1/schools/{school}/schedules/{schedule_id}/publish"),
                admin,
                Value::Null,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let date = app
            .db
            .strings(
                "SELECT t.end_date FROM terms t JOIN schools s ON s.current_term_id = t.id WHERE CAST(s.id AS TEXT) = $1",
                &[&school.to_string()],
            )
            .await
            .pop()
            .expect("the term's end");
        let date = school_day_before(&date);
        let location = admin_page
            .post_form(
                app,
                &format!("/schools/{school}/absences"),
                &[
                    ("educator", educator.to_string()),
                    ("date", date.clone()),
                    ("reason", "illness".into()),
                ],
            )
            .await;
        let absence = location
            .split('/')
            .nth(4)
            .and_then(|x| x.split('?').next())
            .and_then(int)
            .unwrap_or_else(|| panic!("no absence recorded on {date}: {location}"));
        let location = admin_page
            .post_form(app, &format!("/educators/{educator}/calendar"), &[])
            .await;
        let token = location
            .split("%2Fcalendar%2F")
            .nth(1)
            .and_then(|x| x.split(".ics").next())
            .unwrap_or_else(|| panic!("no feed address: {location}"))
            .to_owned();
        let feed = app
            .db
            .strings("SELECT CAST(MAX(id) AS TEXT) FROM calendar_feeds", &[])
            .await
            .pop()
            .and_then(|x| int(&x))
            .expect("a feed");
        // A proposed core team of two of the team's members, as an import would leave one.
        let members: Vec<String> = app
            .db
            .strings(
                "SELECT e.sourced_id FROM team_members m JOIN educators e ON e.id = m.educator_id WHERE CAST(m.team_id AS TEXT) = $1 ORDER BY e.id",
                &[&team.to_string()],
            )
            .await;
        let body = json!({
            "name": "Fixture house",
            "members": [[members[0], true], [members[1], false]],
            "roster": [],
            "classes": ["Fixture class"],
            "why": "They co-teach Fixture class.",
        });
        app.db
            .execute(
                &format!(
                    "INSERT INTO team_proposals (school_id, term_id, name, body, status, created_at)
                     SELECT id, current_term_id, 'Fixture house', '{}', 'open', 1 FROM schools WHERE id = $1",
                    body.to_string().replace('\'', "''")
                ),
                &[school],
            )
            .await;
        let proposal = app
            .db
            .strings("SELECT CAST(MAX(id) AS TEXT) FROM team_proposals", &[])
            .await
            .pop()
            .and_then(|x| int(&x))
            .expect("a proposal");
        let admin_id = app
            .db
            .strings(
                "SELECT CAST(MIN(id) AS TEXT) FROM users WHERE system_role = 'system_admin'",
                &[],
            )
            .await
            .pop()
            .and_then(|x| int(&x))
            .expect("a system leader");
        let import = app
            .store
            .save_upload(
                ensemble_domain::UserId(admin_id),
                "fixture.zip",
                b"not a zip",
                "reviewed",
                "{}",
            )
            .await
            .expect("an upload");
        let entry = ensemble_store::Actor::command_line("matrix").entry(
            ensemble_store::actions::USER_CREATE,
            "user",
            None,
        );
        // Two accounts without a password: the target of making links, and a link's holder
        // (making links for `account` must not replace the one the welcome rows open).
        let mut made = Vec::new();
        for (who, name) in [("account", "Fixture Account"), ("holder", "Fixture Holder")] {
            let id = app
                .store
                .create_user(
                    &format!("fixture-{who}-{place:?}@example.org"),
                    name,
                    ensemble_domain::SystemRole::SchoolLeader,
                    Some(ensemble_domain::SchoolId(school)),
                    None,
                    None,
                    &entry,
                )
                .await
                .expect("an account");
            made.push(id);
        }
        let (account, holder) = (made[0], made[1]);
        let link = app
            .store
            .make_sign_in_link(holder, None, 86_400_000, &entry)
            .await
            .expect("a link")
            .expect("the account");
        let first = |sql: String| async move {
            app.db
                .strings(&sql, &[])
                .await
                .pop()
                .and_then(|x| int(&x))
                .unwrap_or(MISSING)
        };
        let credential = first("SELECT CAST(MIN(id) AS TEXT) FROM micro_credentials".into()).await;
        let submission = first(format!(
            "SELECT CAST(s.id AS TEXT) FROM credential_submissions s JOIN team_members m ON m.educator_id = s.educator_id WHERE m.team_id = {team} ORDER BY s.id LIMIT 1"
        ))
        .await;
        let earned = first(format!(
            "SELECT CAST(i.id AS TEXT) FROM issued_credentials i JOIN team_members m ON m.educator_id = i.educator_id WHERE m.team_id = {team} ORDER BY i.id LIMIT 1"
        ))
        .await;
        let earner = first(format!(
            "SELECT CAST(educator_id AS TEXT) FROM issued_credentials WHERE id = {earned}"
        ))
        .await;
        let (s, made) = app
            .send(
                Method::POST,
                &format!("/api/v1/teams/{team}/goals"),
                admin,
                json!({"skill": "math.fractions", "level": 3, "percent": 75, "by": "2099-06-30"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{made}");
        let goal = made["id"].as_i64().expect("goal");
        out.insert(
            place,
            Fixture {
                goal,
                credential,
                submission,
                earner,
                earned,
                proposal,
                import,
                account: account.0,
                link,
                school,
                team,
                student,
                sourced: w.students[&student].sourced.clone(),
                educator,
                space,
                booking,
                grouping: g["id"].as_i64().expect("id"),
                move_to,
                plan: plan["id"].as_i64().expect("plan"),
                schedule: schedule_id,
                absence,
                absent: educator,
                feed,
                token,
                plan_team: (
                    plan["teams"][0]["name"].as_str().expect("team").to_owned(),
                    plan["teams"][0]["members"][0]["educator"]
                        .as_str()
                        .expect("member")
                        .to_owned(),
                ),
            },
        );
    }
    let own = out[&Place::Own].clone();
    out.insert(
        Place::Missing,
        Fixture {
            school: MISSING,
            team: MISSING,
            student: MISSING,
            sourced: MISSING_SOURCED.into(),
            educator: MISSING,
            space: MISSING,
            booking: MISSING,
            grouping: MISSING,
            move_to: own.move_to.clone(),
            plan: MISSING,
            schedule: MISSING,
            absence: MISSING,
            absent: MISSING,
            feed: MISSING,
            token: "0".repeat(64),
            plan_team: own.plan_team.clone(),
            proposal: MISSING,
            import: MISSING,
            account: MISSING,
            link: "0".repeat(64),
            credential: MISSING,
            submission: MISSING,
            earner: MISSING,
            earned: MISSING,
            goal: MISSING,
        },
    );
    let (_, settings) = app
        .get(
            &format!("/api/v1/schools/{}/staffing/settings", own.school),
            admin,
        )
        .await;
    (out, settings)
}

#[tokio::test]
async fn every_route_every_role_every_place() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let admin_token = app.token("System (district) leader").await;
        let (places, settings) = fixtures(&app, &admin_token).await;
        let mut roles = Vec::new();
        for name in ROLES {
            roles.push(signed_in(&app, name).await);
        }

        // Every route has a row, and every row a route.
        let table = table();
        let routes = ensemble_server::route_list();
        let listed: BTreeSet<(String, String)> = routes
            .iter()
            .map(|r| (r.method.to_owned(), r.path.clone()))
            .collect();
        let rows: BTreeSet<(String, String)> = table
            .iter()
            .map(|r| (r.method.to_owned(), r.path.to_owned()))
            .collect();
        let unlisted: Vec<_> = listed.difference(&rows).collect();
        assert!(unlisted.is_empty(), "routes without a row in the matrix: {unlisted:?}");
        let stale: Vec<_> = rows.difference(&listed).collect();
        assert!(stale.is_empty(), "rows for routes that do not exist: {stale:?}");

        let mut order: Vec<&Row> = table.iter().collect();
        // Changes of teams, rosters and sessions last; signing out very last.
        order.sort_by_key(|r| (r.late, r.path == "/logout"));
        let mut counts = Counts::default();
        let mut world = load(&app).await;
        for r in order {
            let targeted = r.target != Target::None;
            let role_list: Vec<Option<&Role>> =
                std::iter::once(None).chain(roles.iter().map(Some)).collect();
            for role in role_list {
                let role_name = role.map_or("signed out", |r| r.name);
                let p = role.and_then(|r| r.email.as_deref()).map(|e| who(&world, e));
                // The answer for a missing record, that every refusal must equal.
                let missing = if targeted {
                    Some(send(&app, role, r, &places[&Place::Missing], &settings).await.answer)
                } else {
                    None
                };
                let cells: Vec<Place> = if targeted {
                    vec![Place::Own, Place::OtherTeam, Place::OtherSchool, Place::Missing]
                } else {
                    vec![Place::Own]
                };
                for place in cells {
                    let f = &places[&place];
                    let expect = allowed(&world, p.as_ref(), r.rule, r, f);
                    let sent = if place == Place::Missing {
                        Sent {
                            answer: missing.clone().expect("missing answer"),
                            status: 404,
                            body: String::new(),
                        }
                    } else {
                        send(&app, role, r, f, &settings).await
                    };
                    counts.cells += 1;
                    let cell = format!("{} {} as {role_name} on {place:?}", r.method, r.path);
                    if sent.status >= 500 {
                        counts.server_errors.push(format!("{cell}: {}", sent.status));
                    }
                    match (&sent.answer, expect, p.is_some()) {
                        // Signed out: only the sign-in, except public routes.
                        (Answer::SignIn, false, false) => {}
                        (_, false, false) => counts.leaks.push(format!("{cell}: {:?}", sent.answer)),
                        (Answer::Refusal(m), false, true) => {
                            // A route without a record to miss has nothing to be told apart from.
                            if missing.as_ref().is_some_and(|x| *x != sent.answer) {
                                counts.oracle.push(format!("{cell}: {m} vs {missing:?}"));
                            }
                        }
                        (other, false, true) => counts.leaks.push(format!("{cell}: reached {other:?}")),
                        (Answer::Refusal(m), true, _) => counts.wrong_refusals.push(format!("{cell}: {m}")),
                        // Signing out ends in the sign-in form; the session must be gone.
                        (Answer::SignIn, true, true) if r.path == "/logout" => {
                            let after = role
                                .expect("signed in")
                                .client
                                .get(format!("{}/my-students", app.base))
                                .send()
                                .await
                                .expect("get");
                            if after.status() != StatusCode::SEE_OTHER {
                                counts.wrong_refusals.push(format!("{cell}: still signed in after signing out"));
                            }
                        }
                        (Answer::SignIn, true, true) => counts.wrong_refusals.push(format!("{cell}: sent to sign in")),
                        (Answer::SignIn | Answer::Reached(_), true, _) => {}
                    }
                    // Whatever the answer, it names no student the role may not see, and shows
                    // each student it names as the role may see them.
                    let names = leaked_names(&world, p.as_ref(), &sent.body);
                    if !names.is_empty() {
                        counts.leaks.push(format!("{cell}: names {names:?}"));
                    }
                    if let Ok(v) = serde_json::from_str::<Value>(&sent.body) {
                        let mut wrong = Vec::new();
                        wrong_sensitivity(&world, p.as_ref(), &v, &mut wrong);
                        counts.leaks.extend(wrong.into_iter().map(|x| format!("{cell}: {x}")));
                    }
                    if r.path == "/students/{id}" && sent.status == 200 {
                        let mut wrong = Vec::new();
                        wrong_sections(&world, p.as_ref(), f, &sent.body, &mut wrong);
                        counts.leaks.extend(wrong.into_iter().map(|x| format!("{cell}: {x}")));
                    }
                    if r.mutates && (200..400).contains(&sent.status) {
                        world = load(&app).await;
                    }
                }
            }
        }
        let (cells, leaks, oracle, wrong, errors) = (
            counts.cells,
            counts.leaks.len(),
            counts.oracle.len(),
            counts.wrong_refusals.len(),
            counts.server_errors.len(),
        );
        println!(
            "authorization matrix on {b:?}: {} routes, {} roles and signed out, {cells} cells; leaks {leaks}, refusals unlike not-found {oracle}, wrong refusals {wrong}, server errors {errors}",
            table.len(),
            ROLES.len()
        );
        let show = |v: &[String]| v.iter().take(15).cloned().collect::<Vec<_>>().join("\n  ");
        assert_eq!(wrong, 0, "{b:?} wrong refusals:\n  {}", show(&counts.wrong_refusals));
        assert_eq!(leaks, 0, "{b:?} leaks:\n  {}", show(&counts.leaks));
        assert_eq!(oracle, 0, "{b:?} refusals unlike not-found:\n  {}", show(&counts.oracle));
        assert_eq!(wrong, 0, "{b:?} wrong refusals:\n  {}", show(&counts.wrong_refusals));
        assert_eq!(errors, 0, "{b:?} server errors:\n  {}", show(&counts.server_errors));
        assert!(cells > 1500, "{cells} cells");
    })
    .await;
}
