//! The audit log: who read or changed what, when, and whether it was allowed. A change and its
//! entry are written in the same transaction (every write function of the store takes its
//! entry); a read is logged before its data leaves; a refusal is logged on its own.

use crate::{now_ms, Result, Store};
use ensemble_domain::access::Principal;
use ensemble_domain::*;
use serde::Serialize;
use sqlx::Row;

/// What happened to the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Allowed,
    Denied,
    /// The record does not exist (kept apart from `Denied` only here, never in answers).
    NotFound,
    /// Allowed, but a rule of the model or bad input refused it; nothing changed.
    Failed,
}

impl AuditOutcome {
    pub const ALL: [AuditOutcome; 4] = [Self::Allowed, Self::Denied, Self::NotFound, Self::Failed];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Denied => "denied",
            Self::NotFound => "not_found",
            Self::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Denied => "refused",
            Self::NotFound => "not found",
            Self::Failed => "failed",
        }
    }
}

/// The actions the log records, with what each means in words.
pub mod actions {
    pub const STUDENT_READ: &str = "student.read";
    pub const STUDENT_UPDATE: &str = "student.update";
    pub const STUDENT_NAMES: &str = "student.names";
    pub const ROSTER_READ: &str = "roster.read";
    pub const ROSTER_ADD: &str = "roster.add";
    pub const ROSTER_REMOVE: &str = "roster.remove";
    pub const SERVED_READ: &str = "served.read";
    pub const TEAM_CREATE: &str = "team.create";
    pub const BOOKING_CREATE: &str = "booking.create";
    pub const BOOKING_DELETE: &str = "booking.delete";
    pub const ASSESSMENTS_READ: &str = "assessments.read";
    pub const ASSESSMENTS_IMPORT: &str = "assessments.import";
    pub const GROUPING_PROPOSE: &str = "grouping.propose";
    pub const GROUPING_MOVE: &str = "grouping.move";
    pub const GROUPING_PUBLISH: &str = "grouping.publish";
    pub const STUDENTS_AGGREGATE: &str = "students.aggregate";
    pub const STAFFING_BUILD: &str = "staffing.build";
    pub const STAFFING_READ: &str = "staffing.read";
    pub const STAFFING_ASSIGN: &str = "staffing.assign";
    pub const STAFFING_SAVE: &str = "staffing.save";
    pub const STAFFING_SETTINGS: &str = "staffing.settings";
    pub const SCHEDULE_READ: &str = "schedule.read";
    pub const SCHEDULE_BUILD: &str = "schedule.build";
    pub const SCHEDULE_PUBLISH: &str = "schedule.publish";
    pub const SCHEDULE_SETTINGS: &str = "schedule.settings";
    pub const ABSENCE_RECORD: &str = "absence.record";
    pub const ABSENCE_APPROVE: &str = "absence.approve";
    pub const FEED_CREATE: &str = "feed.create";
    pub const FEED_REVOKE: &str = "feed.revoke";
    pub const TOKEN_CREATE: &str = "token.create";
    pub const TOKEN_REVOKE: &str = "token.revoke";
    pub const USER_CREATE: &str = "user.create";
    pub const USER_LINK: &str = "user.link";
    pub const CREDENTIAL_CATALOG: &str = "credential.catalog";
    pub const CREDENTIAL_SUBMIT: &str = "credential.submit";
    pub const CREDENTIAL_DECIDE: &str = "credential.decide";
    pub const TEAM_GOAL: &str = "team.goal";
    pub const USER_PASSWORD: &str = "user.password";
    pub const ONEROSTER_IMPORT: &str = "oneroster.import";
    pub const TEAM_PROPOSALS: &str = "team.proposals";
    pub const LOGIN: &str = "login";
    pub const LOGOUT: &str = "logout";

    /// Every action, with a plain description for the audit page.
    pub const ALL: [(&str, &str); 42] = [
        (STUDENT_READ, "opened a student's record"),
        (STUDENT_NAMES, "saw students' names on the audit log"),
        (STUDENT_UPDATE, "changed a student's profile or choices"),
        (ROSTER_READ, "read a team's roster"),
        (ROSTER_ADD, "added students to a roster"),
        (ROSTER_REMOVE, "took a student off a roster"),
        (SERVED_READ, "listed the students they serve"),
        (TEAM_CREATE, "created a team"),
        (BOOKING_CREATE, "booked a space"),
        (BOOKING_DELETE, "cancelled a booking"),
        (ASSESSMENTS_READ, "read formative data"),
        (ASSESSMENTS_IMPORT, "imported formative results"),
        (GROUPING_PROPOSE, "proposed groups"),
        (GROUPING_MOVE, "moved a student between groups"),
        (GROUPING_PUBLISH, "published groups to the team"),
        (STUDENTS_AGGREGATE, "counted students' needs for staffing"),
        (STAFFING_BUILD, "built a staffing plan"),
        (STAFFING_READ, "opened a staffing plan"),
        (STAFFING_ASSIGN, "changed who holds a responsibility"),
        (STAFFING_SAVE, "saved a staffing plan as the school's teams"),
        (
            STAFFING_SETTINGS,
            "changed the district's staffing catalog and policy",
        ),
        (
            SCHEDULE_READ,
            "read the school's rosters and services for its schedule",
        ),
        (SCHEDULE_BUILD, "built a draft schedule"),
        (SCHEDULE_PUBLISH, "published the school's schedule"),
        (
            SCHEDULE_SETTINGS,
            "changed the school's time zone or planning time",
        ),
        (ABSENCE_RECORD, "recorded an absence"),
        (ABSENCE_APPROVE, "approved the re-plan of an absence"),
        (FEED_CREATE, "created a calendar feed"),
        (FEED_REVOKE, "revoked a calendar feed"),
        (TOKEN_CREATE, "created an API token"),
        (TOKEN_REVOKE, "revoked an API token"),
        (USER_CREATE, "created an account"),
        (USER_LINK, "made a sign-in link for an account"),
        (CREDENTIAL_CATALOG, "changed the micro-credential catalog"),
        (
            CREDENTIAL_SUBMIT,
            "submitted evidence for a micro-credential",
        ),
        (
            CREDENTIAL_DECIDE,
            "accepted or returned a micro-credential submission",
        ),
        (TEAM_GOAL, "set or closed a team goal"),
        (USER_PASSWORD, "chose a password with a sign-in link"),
        (ONEROSTER_IMPORT, "imported a OneRoster bundle"),
        (
            TEAM_PROPOSALS,
            "confirmed, merged or split proposed core teams",
        ),
        (LOGIN, "signed in"),
        (LOGOUT, "signed out"),
    ];

    /// The description of an action, or the action itself.
    pub fn describe(action: &str) -> &str {
        ALL.iter()
            .find(|(a, _)| *a == action)
            .map_or(action, |(_, d)| d)
    }
}

/// Who acts: the account, as written in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user: Option<UserId>,
    pub email: String,
    pub school: Option<SchoolId>,
}

impl Actor {
    pub fn of(p: &Principal) -> Self {
        Self {
            user: Some(p.user),
            email: p.email.clone(),
            school: p.school,
        }
    }
    /// Someone acting at the command line (not signed in), e.g. `ensemble token create`.
    pub fn command_line(what: &str) -> Self {
        Self {
            user: None,
            email: format!("command line ({what})"),
            school: None,
        }
    }
    /// An entry of this actor, allowed, with no detail yet.
    pub fn entry(&self, action: &'static str, kind: &'static str, id: Option<i64>) -> AuditEntry {
        AuditEntry {
            user: self.user,
            actor: self.email.clone(),
            school: self.school,
            action,
            target_kind: kind,
            target_id: id,
            outcome: AuditOutcome::Allowed,
            detail: String::new(),
            students: Vec::new(),
        }
    }
}

/// One entry to write.
#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub user: Option<UserId>,
    pub actor: String,
    pub school: Option<SchoolId>,
    /// One of [`actions`].
    pub action: &'static str,
    pub target_kind: &'static str,
    pub target_id: Option<i64>,
    pub outcome: AuditOutcome,
    pub detail: String,
    /// The students read or changed.
    pub students: Vec<StudentId>,
}

impl AuditEntry {
    pub fn school(mut self, s: SchoolId) -> Self {
        self.school = Some(s);
        self
    }
    pub fn outcome(mut self, o: AuditOutcome) -> Self {
        self.outcome = o;
        self
    }
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = d.into();
        self
    }
    pub fn students(mut self, s: impl IntoIterator<Item = StudentId>) -> Self {
        self.students = s.into_iter().collect();
        self
    }
}

/// `,12,57,` for students 12 and 57: a `LIKE '%,12,%'` finds every entry naming student 12.
fn student_list(ids: &[StudentId]) -> String {
    if ids.is_empty() {
        return String::new();
    }
    let mut s = String::with_capacity(ids.len() * 5 + 1);
    s.push(',');
    for id in ids {
        s.push_str(&id.0.to_string());
        s.push(',');
    }
    s
}

/// Writes one entry on `conn` (inside the caller's transaction, when it has one).
pub(crate) async fn write(conn: &mut sqlx::AnyConnection, e: &AuditEntry) -> Result<()> {
    // Texts are bounded so that a log entry never fails for its size.
    let detail: String = e.detail.chars().take(2000).collect();
    sqlx::query("INSERT INTO audit_log (at, user_id, actor, school_id, action, target_kind, target_id, outcome, detail, students) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(now_ms())
        .bind(e.user.map(|u| u.0))
        .bind(e.actor.chars().take(300).collect::<String>())
        .bind(e.school.map(|s| s.0))
        .bind(e.action)
        .bind(e.target_kind)
        .bind(e.target_id)
        .bind(e.outcome.as_str())
        .bind(detail)
        .bind(student_list(&e.students))
        .execute(conn)
        .await?;
    Ok(())
}

/// One entry as read back.
#[derive(Clone, Debug, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at_ms: i64,
    pub user: Option<UserId>,
    /// The account's name now, if it still exists.
    pub user_name: Option<String>,
    pub actor: String,
    pub school: Option<SchoolId>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<i64>,
    pub outcome: String,
    pub detail: String,
    pub students: Vec<StudentId>,
}

/// Which entries to read.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// One school's entries (`None`: every school's).
    pub school: Option<SchoolId>,
    pub user: Option<UserId>,
    /// Entries that read or changed this student (their record, or a roster that held them).
    pub student: Option<StudentId>,
    pub action: Option<String>,
    pub outcome: Option<AuditOutcome>,
    /// Only entries older than this id (paging).
    pub before: Option<i64>,
}

impl Store {
    /// Writes one entry on its own (reads and refusals; changes write theirs in their own
    /// transaction).
    pub async fn audit(&self, e: &AuditEntry) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        write(&mut conn, e).await
    }

    /// The newest entries that match `f`, at most `limit` (1–1000).
    pub async fn audit_log(&self, f: &AuditFilter, limit: u32) -> Result<Vec<AuditRow>> {
        let student = f.student.map(|s| format!("%,{},%", s.0));
        let rows = sqlx::query(
            "SELECT a.id, a.at, a.user_id, u.display_name, a.actor, a.school_id, a.action, a.target_kind, a.target_id, a.outcome, a.detail, a.students
             FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
             WHERE ($1 < 0 OR a.school_id = $1) AND ($2 < 0 OR a.id < $2) AND ($3 < 0 OR a.user_id = $3)
               AND ($4 = '' OR a.action = $4) AND ($5 = '' OR a.outcome = $5) AND ($6 = '' OR a.students LIKE $6)
             ORDER BY a.id DESC LIMIT $7",
        )
        .bind(f.school.map_or(-1, |s| s.0))
        .bind(f.before.unwrap_or(-1))
        .bind(f.user.map_or(-1, |u| u.0))
        .bind(f.action.clone().unwrap_or_default())
        .bind(f.outcome.map_or("", AuditOutcome::as_str))
        .bind(student.unwrap_or_default())
        .bind(i64::from(limit.clamp(1, 1000)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let students: String = r.try_get("students")?;
                Ok(AuditRow {
                    id: r.try_get("id")?,
                    at_ms: r.try_get("at")?,
                    user: r.try_get::<Option<i64>, _>("user_id")?.map(UserId),
                    user_name: r.try_get("display_name")?,
                    actor: r.try_get("actor")?,
                    school: r.try_get::<Option<i64>, _>("school_id")?.map(SchoolId),
                    action: r.try_get("action")?,
                    target_kind: r.try_get("target_kind")?,
                    target_id: r.try_get("target_id")?,
                    outcome: r.try_get("outcome")?,
                    detail: r.try_get("detail")?,
                    students: students
                        .split(',')
                        .filter_map(|x| x.parse().ok())
                        .map(StudentId)
                        .collect(),
                })
            })
            .collect()
    }

    /// The accounts that appear in a school's log (every school's for `None`), for the audit
    /// page's filter: id, name and e-mail address.
    pub async fn audit_people(&self, school: Option<SchoolId>) -> Result<Vec<(UserId, String)>> {
        let rows = sqlx::query(
            "SELECT u.id, u.display_name, u.email FROM users u
             WHERE ($1 < 0 OR u.school_id = $1 OR u.educator_id IN (SELECT id FROM educators WHERE school_id = $1) OR u.system_role = 'system_admin')
             ORDER BY u.display_name, u.id",
        )
        .bind(school.map_or(-1, |s| s.0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    UserId(r.try_get("id")?),
                    format!(
                        "{} ({})",
                        r.try_get::<String, _>("display_name")?,
                        r.try_get::<String, _>("email")?
                    ),
                ))
            })
            .collect()
    }
}
