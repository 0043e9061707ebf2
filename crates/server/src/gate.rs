//! The one gate to student data. Every handler that reads or changes a student record calls
//! a method here; each method asks the access policy ([`ensemble_domain::access`]), writes the
//! audit log (allowed, denied, or not found), and only then reads or writes the store. A
//! refused read answers exactly like a missing record, so nobody learns whether it exists.

use crate::error::AppError;
use ensemble_domain::access::{
    authorize_student, roster_scope, Principal, RosterScope, StudentFacts,
};
use ensemble_domain::*;
use ensemble_store::{
    AuditEntry, AuditOutcome, AuditRow, NewTeamInput, Store, StudentRecord, TeamDetail,
};

/// A reader (or writer) of student data, with the store they reach it through.
pub struct Gate<'a> {
    store: &'a Store,
    who: &'a Principal,
}

/// What a roster read returns.
#[derive(Debug)]
pub struct Roster {
    pub team: TeamDetail,
    pub scope: RosterScope,
    pub students: Vec<StudentRecord>,
}

fn hidden_student(id: StudentId) -> AppError {
    AppError::NotFound(format!("No student {id} that you may see."))
}

impl<'a> Gate<'a> {
    pub fn new(store: &'a Store, who: &'a Principal) -> Self {
        Self { store, who }
    }

    async fn audit(
        &self,
        school: Option<SchoolId>,
        action: &str,
        kind: &str,
        target: Option<i64>,
        outcome: AuditOutcome,
        detail: String,
    ) -> Result<(), AppError> {
        self.store
            .audit(AuditEntry {
                user: Some(self.who.user),
                actor: &self.who.email,
                school: school.or(self.who.school),
                action,
                target_kind: kind,
                target_id: target,
                outcome,
                detail,
            })
            .await
            .map_err(AppError::from)
    }

    /// The policy's facts about a student; a missing student is audited and answered like a
    /// hidden one.
    async fn facts_or_hidden(&self, id: StudentId, action: &str) -> Result<StudentFacts, AppError> {
        match self.store.student_facts(id, self.who.educator).await? {
            Some(facts) => Ok(facts),
            None => {
                self.audit(
                    None,
                    action,
                    "student",
                    Some(id.0),
                    AuditOutcome::NotFound,
                    String::new(),
                )
                .await?;
                Err(hidden_student(id))
            }
        }
    }

    /// One student's record, as much of it as the reader may see.
    pub async fn student(&self, id: StudentId) -> Result<StudentRecord, AppError> {
        let facts = self.facts_or_hidden(id, "student.read").await?;
        let Some(grant) = authorize_student(self.who, &facts) else {
            self.audit(
                Some(facts.school),
                "student.read",
                "student",
                Some(id.0),
                AuditOutcome::Denied,
                "not on the reader's teams or services".into(),
            )
            .await?;
            return Err(hidden_student(id));
        };
        // Audit before the data leaves: a read that cannot be logged does not happen.
        self.audit(
            Some(facts.school),
            "student.read",
            "student",
            Some(id.0),
            AuditOutcome::Allowed,
            format!("access: {}", grant.access().as_str()),
        )
        .await?;
        let mut records = self
            .store
            .student_records(std::slice::from_ref(&grant))
            .await?;
        records.pop().ok_or_else(|| hidden_student(id))
    }

    /// A team's structure, for anyone of its school. No student data.
    pub async fn team(&self, id: TeamId) -> Result<TeamDetail, AppError> {
        match self.store.team(id).await? {
            Some(t) if self.who.belongs_to(t.team.school) => Ok(t),
            _ => Err(AppError::NotFound(format!(
                "No team {id} that you may see."
            ))),
        }
    }

    /// A team's roster, each student shown as the reader may see them.
    pub async fn roster(&self, id: TeamId) -> Result<Roster, AppError> {
        let team = self.team(id).await?;
        let (scope, students) = self.roster_of(&team).await?;
        Ok(Roster {
            team,
            scope,
            students,
        })
    }

    /// The roster of a team already read through [`Gate::team`].
    pub async fn roster_of(
        &self,
        team: &TeamDetail,
    ) -> Result<(RosterScope, Vec<StudentRecord>), AppError> {
        let id = team.team.id;
        let school = team.team.school;
        let Some(scope) = roster_scope(self.who, id, school) else {
            self.audit(
                Some(school),
                "roster.read",
                "team",
                Some(id.0),
                AuditOutcome::Denied,
                format!("not a member of {}", team.team.name),
            )
            .await?;
            return Err(AppError::Forbidden(format!(
                "Only the members of {} and school leaders may see its roster.",
                team.team.name
            )));
        };
        let facts = self.store.roster_facts(id, self.who.educator).await?;
        let grants: Vec<_> = facts
            .iter()
            .filter_map(|f| authorize_student(self.who, f))
            .collect();
        let level = grants
            .iter()
            .map(|g| g.access())
            .max()
            .map(|a| a.as_str())
            .unwrap_or("none");
        self.audit(
            Some(school),
            "roster.read",
            "team",
            Some(id.0),
            AuditOutcome::Allowed,
            format!(
                "{} of {} students, access: {level}",
                grants.len(),
                facts.len()
            ),
        )
        .await?;
        let students = self.store.student_records(&grants).await?;
        Ok((scope, students))
    }

    /// The students the reader serves (extended-team members).
    pub async fn served(&self) -> Result<Vec<StudentRecord>, AppError> {
        let Some(educator) = self.who.educator else {
            return Ok(Vec::new());
        };
        let facts = self.store.served_facts(educator).await?;
        let grants: Vec<_> = facts
            .iter()
            .filter_map(|f| authorize_student(self.who, f))
            .collect();
        self.audit(
            None,
            "served.read",
            "educator",
            Some(educator.0),
            AuditOutcome::Allowed,
            format!("{} students", grants.len()),
        )
        .await?;
        Ok(self.store.student_records(&grants).await?)
    }

    /// Replaces a student's interests and strengths (core-team members, the extended-team
    /// members who serve them, leaders; not community educators or volunteers).
    pub async fn update_profile(
        &self,
        id: StudentId,
        profile: &StudentProfile,
    ) -> Result<(), AppError> {
        let facts = self.facts_or_hidden(id, "student.update").await?;
        let grant = match authorize_student(self.who, &facts) {
            Some(g) if g.access().sees_profile() => g,
            Some(_) => {
                self.audit(
                    Some(facts.school),
                    "student.update",
                    "student",
                    Some(id.0),
                    AuditOutcome::Denied,
                    "directory access only".into(),
                )
                .await?;
                return Err(AppError::Forbidden("Community educators and volunteers see names and groups only and cannot change profiles.".into()));
            }
            None => {
                self.audit(
                    Some(facts.school),
                    "student.update",
                    "student",
                    Some(id.0),
                    AuditOutcome::Denied,
                    String::new(),
                )
                .await?;
                return Err(hidden_student(id));
            }
        };
        self.store.update_student_profile(&grant, profile).await?;
        self.audit(
            Some(facts.school),
            "student.update",
            "student",
            Some(id.0),
            AuditOutcome::Allowed,
            format!(
                "interests: {}; strengths: {}",
                profile.interests.join(", "),
                profile.strengths.join(", ")
            ),
        )
        .await
    }

    fn require_leader(&self, school: SchoolId, what: &str) -> Result<(), AppError> {
        if self.who.is_leader_of(school) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "Only school leaders may {what}."
            )))
        }
    }

    /// Puts students on a core team's roster (school leaders). All or nothing.
    pub async fn roster_add(
        &self,
        team: TeamId,
        students: &[StudentId],
    ) -> Result<usize, AppError> {
        let t = self.team(team).await?;
        if let Err(e) = self.require_leader(t.team.school, "change rosters") {
            self.audit(
                Some(t.team.school),
                "roster.add",
                "team",
                Some(team.0),
                AuditOutcome::Denied,
                String::new(),
            )
            .await?;
            return Err(e);
        }
        let ids = students
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        match self.store.add_to_roster(team, students).await {
            Ok(n) => {
                self.audit(
                    Some(t.team.school),
                    "roster.add",
                    "team",
                    Some(team.0),
                    AuditOutcome::Allowed,
                    format!("students {ids}"),
                )
                .await?;
                Ok(n)
            }
            Err(e) => {
                let e = AppError::from(e);
                self.audit(
                    Some(t.team.school),
                    "roster.add",
                    "team",
                    Some(team.0),
                    AuditOutcome::Failed,
                    format!("students {ids}: {}", e.message()),
                )
                .await?;
                Err(e)
            }
        }
    }

    /// Takes a student off a core team's roster (school leaders).
    pub async fn roster_remove(&self, team: TeamId, student: StudentId) -> Result<(), AppError> {
        let t = self.team(team).await?;
        if let Err(e) = self.require_leader(t.team.school, "change rosters") {
            self.audit(
                Some(t.team.school),
                "roster.remove",
                "team",
                Some(team.0),
                AuditOutcome::Denied,
                format!("student {student}"),
            )
            .await?;
            return Err(e);
        }
        let r = self.store.remove_from_roster(team, student).await;
        let outcome = if r.is_ok() {
            AuditOutcome::Allowed
        } else {
            AuditOutcome::Failed
        };
        self.audit(
            Some(t.team.school),
            "roster.remove",
            "team",
            Some(team.0),
            outcome,
            format!("student {student}"),
        )
        .await?;
        Ok(r?)
    }

    /// Creates a team in the school's current term (school leaders).
    pub async fn create_team(&self, input: &NewTeamInput) -> Result<TeamId, AppError> {
        self.require_leader(input.school, "create teams")?;
        let id = self.store.create_team(input).await?;
        self.audit(
            Some(input.school),
            "team.create",
            "team",
            Some(id.0),
            AuditOutcome::Allowed,
            input.name.clone(),
        )
        .await?;
        Ok(id)
    }

    /// Books a space for a team (school leaders, or members of that core team).
    pub async fn book_space(
        &self,
        space: SpaceId,
        team: TeamId,
        day: DayOfWeek,
        period: usize,
        headcount: u32,
        purpose: &str,
    ) -> Result<i64, AppError> {
        let t = self.team(team).await?;
        if !(self.who.is_leader_of(t.team.school) || self.who.core_teams.contains(&team)) {
            return Err(AppError::Forbidden(format!(
                "Only school leaders and members of {} may book spaces for it.",
                t.team.name
            )));
        }
        Ok(self
            .store
            .book_space(space, team, day, period, headcount, purpose)
            .await?)
    }

    /// The audit log: a school leader sees their school's, a system leader everyone's.
    pub async fn audit_log(
        &self,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditRow>, AppError> {
        match self.who.system_role {
            SystemRole::SystemAdmin => Ok(self.store.audit_log(None, before, limit).await?),
            SystemRole::SchoolLeader => match self.who.school {
                Some(s) => Ok(self.store.audit_log(Some(s), before, limit).await?),
                None => Ok(Vec::new()),
            },
            SystemRole::Educator => Err(AppError::Forbidden(
                "Only school and system leaders may read the audit log.".into(),
            )),
        }
    }
}
