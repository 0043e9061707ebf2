//! The one gate to student data and to the changes people make. Every handler that reads or
//! changes a student record, a roster, formative data or a school's teams goes through a method
//! here; each asks the access policy ([`ensemble_domain::access`]), writes the audit log
//! (allowed, refused or not found) and only then touches the store — a read is logged before
//! its data leaves (a read that cannot be logged does not happen), a change is logged in its
//! own transaction.
//!
//! A refusal answers exactly like a missing record: same status, same message, for reads and
//! changes, by id or by sourcedId — so nobody learns whether a record they may not see exists.

use crate::error::AppError;
use ensemble_domain::access::{self, Principal, RosterGrant, RosterScope, StudentGrant};
use ensemble_domain::*;
use ensemble_store::{
    actions, Actor, AuditEntry, AuditFilter, AuditOutcome, AuditRow, BookingRow, Fresh, Loaded,
    NewBooking, NewTeamInput, SchoolRow, Store, StudentRecord, TeamDetail,
};
use std::collections::BTreeMap;

/// A reader (or writer), with the store they reach it through.
pub struct Gate<'a> {
    store: &'a Store,
    who: &'a Principal,
    actor: Actor,
    /// The data version this request read with its session or token: reads of structure,
    /// rosters and records may then come from the store's memory.
    fresh: Option<Fresh>,
}

/// A roster as one reader may see it.
#[derive(Debug)]
pub struct Roster {
    pub team: TeamDetail,
    pub scope: RosterScope,
    pub students: Loaded<StudentRecord>,
}

/// A team's grouping board: the roster now, each student readable with their formative data,
/// and the grant the store needs for the board's reads and changes.
#[derive(Debug)]
pub struct Board {
    pub team: TeamDetail,
    pub grant: RosterGrant,
    pub students: Vec<StudentRecord>,
}

/// What a refused or missing record is called in the answer.
fn hidden(kind: &str, id: impl std::fmt::Display) -> AppError {
    AppError::NotFound(format!("No {kind} {id} that you may see."))
}

fn unchangeable(kind: &str, id: impl std::fmt::Display) -> AppError {
    AppError::NotFound(format!("No {kind} {id} that you may change."))
}

impl<'a> Gate<'a> {
    pub fn new(store: &'a Store, who: &'a Principal) -> Self {
        Self {
            store,
            who,
            actor: Actor::of(who),
            fresh: None,
        }
    }

    /// A gate for a request that read the data version `fresh` with its session or token.
    pub fn at(store: &'a Store, who: &'a Principal, fresh: Fresh) -> Self {
        Self {
            fresh: Some(fresh),
            ..Self::new(store, who)
        }
    }

    /// The team's structure, from the store's memory when it may.
    async fn load_team(&self, id: TeamId) -> Result<Option<TeamDetail>, AppError> {
        Ok(match self.fresh {
            Some(f) => self.store.team_at(f, id).await?,
            None => self.store.team(id).await?,
        })
    }

    async fn load_roster_facts(&self, team: TeamId) -> Result<Vec<StudentFacts>, AppError> {
        Ok(match self.fresh {
            Some(f) => {
                self.store
                    .roster_facts_at(f, team, self.who.educator)
                    .await?
            }
            None => self.store.roster_facts(team, self.who.educator).await?,
        })
    }

    async fn load_records(
        &self,
        grant: &RosterGrant,
        with_services: bool,
    ) -> Result<Loaded<StudentRecord>, AppError> {
        Ok(match self.fresh {
            Some(f) => {
                self.store
                    .roster_records_at(f, grant, with_services)
                    .await?
            }
            None => self.store.roster_records(grant, with_services).await?,
        })
    }

    /// The school's grid, from the store's memory when it may.
    pub async fn grid(&self, school: SchoolId) -> Result<Option<TimeGrid>, AppError> {
        Ok(match self.fresh {
            Some(f) => self.store.grid_at(f, school).await?,
            None => self.store.grid(school).await?,
        })
    }

    pub fn who(&self) -> &Principal {
        self.who
    }

    pub fn store(&self) -> &Store {
        self.store
    }

    /// An audit entry of this reader, allowed, for the caller to complete and hand to a store
    /// write (which writes it in the change's transaction).
    pub fn entry(&self, action: &'static str, kind: &'static str, id: Option<i64>) -> AuditEntry {
        self.actor.entry(action, kind, id)
    }

    /// Writes an entry on its own (a read, a refusal).
    pub async fn log(&self, e: AuditEntry) -> Result<(), AppError> {
        self.store.audit(&e).await.map_err(AppError::from)
    }

    /// Logs a refusal (or a miss) and returns the answer to give.
    async fn refuse(&self, e: AuditEntry, answer: AppError) -> AppError {
        match self.log(e).await {
            Ok(()) => answer,
            Err(failed) => failed,
        }
    }

    /// Logs a change that a rule of the model (or a concurrent change) refused: nothing
    /// changed, but the attempt is on record.
    pub async fn failed(&self, e: AuditEntry, why: AppError) -> AppError {
        let e = e
            .outcome(AuditOutcome::Failed)
            .detail(format!("refused: {}", why.message()));
        self.refuse(e, why).await
    }

    // ----- students -----

    /// The policy's decision for one student, audited when refused or missing.
    async fn grant_for(
        &self,
        id: StudentId,
        action: &'static str,
    ) -> Result<(StudentFacts, StudentGrant), AppError> {
        let entry = self.entry(action, "student", Some(id.0)).students([id]);
        let Some(facts) = self.store.student_facts(id, self.who.educator).await? else {
            return Err(self
                .refuse(entry.outcome(AuditOutcome::NotFound), hidden("student", id))
                .await);
        };
        match access::authorize_student(self.who, &facts) {
            Some(g) => Ok((facts, g)),
            None => Err(self
                .refuse(
                    entry
                        .school(facts.school)
                        .outcome(AuditOutcome::Denied)
                        .detail("not on the reader's teams or services"),
                    hidden("student", id),
                )
                .await),
        }
    }

    /// One student's record, as much of it as the reader may see, and their ranked choices
    /// when the reader sees the profile.
    pub async fn student(&self, id: StudentId) -> Result<(StudentRecord, Vec<String>), AppError> {
        let (facts, grant) = self.grant_for(id, actions::STUDENT_READ).await?;
        // Audit before the data leaves: a read that cannot be logged does not happen.
        self.log(
            self.entry(actions::STUDENT_READ, "student", Some(id.0))
                .school(facts.school)
                .detail(format!("access: {}", grant.access().label()))
                .students([id]),
        )
        .await?;
        let record = self.store.student_record(&grant).await?;
        let choices = self.store.choices_of(&grant).await?;
        Ok((record, choices))
    }

    /// Replaces a student's interests and strengths and, when given, their ranked choices, in
    /// one transaction with its audit entry (core-team members, the extended-team members who
    /// serve them, leaders; not community educators or volunteers, who see names only).
    pub async fn update_profile(
        &self,
        id: StudentId,
        profile: &StudentProfile,
        choices: Option<&[String]>,
    ) -> Result<(), AppError> {
        let (facts, grant) = self.grant_for(id, actions::STUDENT_UPDATE).await?;
        let entry = self
            .entry(actions::STUDENT_UPDATE, "student", Some(id.0))
            .school(facts.school)
            .students([id]);
        if !access::may_change_profile(&grant) {
            return Err(self
                .refuse(
                    entry
                        .outcome(AuditOutcome::Denied)
                        .detail("names and team only"),
                    hidden("student", id),
                )
                .await);
        }
        let detail = format!(
            "interests: {}; strengths: {}{}",
            profile.interests.join(", "),
            profile.strengths.join(", "),
            choices.map_or(String::new(), |c| format!("; choices: {}", c.join(", ")))
        );
        let entry = entry.detail(detail);
        match self
            .store
            .update_student_profile(&grant, profile, choices, &entry)
            .await
        {
            Ok(()) => Ok(()),
            Err(e) => Err(self.failed(entry, e.into()).await),
        }
    }

    // ----- schools and teams -----

    /// A school, for anyone of it (structure only, no student data).
    pub async fn school(&self, id: SchoolId) -> Result<SchoolRow, AppError> {
        match self.store.school(id).await? {
            Some(s) if access::may_see_school(self.who, id) => Ok(s),
            found => Err(self
                .refuse(
                    self.entry("school.read", "school", Some(id.0))
                        .outcome(if found.is_some() {
                            AuditOutcome::Denied
                        } else {
                            AuditOutcome::NotFound
                        }),
                    hidden("school", id),
                )
                .await),
        }
    }

    /// A school the reader leads (staffing): anyone else is answered as for a missing school.
    pub async fn led_school(&self, id: SchoolId) -> Result<SchoolRow, AppError> {
        match self.store.school(id).await? {
            Some(s) if access::may_plan_staffing(self.who, id) => Ok(s),
            found => Err(self
                .refuse(
                    self.entry(actions::STAFFING_READ, "school", Some(id.0))
                        .outcome(if found.is_some() {
                            AuditOutcome::Denied
                        } else {
                            AuditOutcome::NotFound
                        }),
                    hidden("school", id),
                )
                .await),
        }
    }

    /// A school whose whole week the reader may build, review, publish and re-plan (its
    /// leaders), with the grant the store needs for those reads; like a missing school
    /// otherwise.
    pub async fn schedule_school(
        &self,
        id: SchoolId,
    ) -> Result<(SchoolRow, access::ScheduleGrant), AppError> {
        let found = self.store.school(id).await?;
        match (found, access::authorize_schedule(self.who, id)) {
            (Some(s), Some(g)) => Ok((s, g)),
            (found, _) => Err(self
                .refuse(
                    self.entry(actions::SCHEDULE_READ, "school", Some(id.0))
                        .outcome(if found.is_some() {
                            AuditOutcome::Denied
                        } else {
                            AuditOutcome::NotFound
                        }),
                    hidden("school", id),
                )
                .await),
        }
    }

    /// A team's structure, for anyone of its school. No student data.
    pub async fn team(&self, id: TeamId) -> Result<TeamDetail, AppError> {
        self.team_or(id, "team.read", hidden("team", id)).await
    }

    async fn team_or(
        &self,
        id: TeamId,
        action: &'static str,
        answer: AppError,
    ) -> Result<TeamDetail, AppError> {
        match self.load_team(id).await? {
            Some(t) if access::may_see_school(self.who, t.team.school) => Ok(t),
            found => Err(self
                .refuse(
                    self.entry(action, "team", Some(id.0))
                        .outcome(if found.is_some() {
                            AuditOutcome::Denied
                        } else {
                            AuditOutcome::NotFound
                        }),
                    answer,
                )
                .await),
        }
    }

    /// A team's roster, each student shown as the reader may see them; a reader who may not
    /// open it is answered as for a missing team.
    pub async fn roster(&self, id: TeamId) -> Result<Roster, AppError> {
        let answer = || hidden("roster of team", id);
        let team = self.team_or(id, actions::ROSTER_READ, answer()).await?;
        match self.roster_of(&team, true).await? {
            Some((scope, students)) => Ok(Roster {
                team,
                scope,
                students,
            }),
            None => Err(answer()),
        }
    }

    /// The roster of a team already read through [`Gate::team`]; `None` (audited) when the
    /// reader may not open it. Who serves each student is read only `with_services`.
    pub async fn roster_of(
        &self,
        team: &TeamDetail,
        with_services: bool,
    ) -> Result<Option<(RosterScope, Loaded<StudentRecord>)>, AppError> {
        let t = team.facts();
        let entry = self
            .entry(actions::ROSTER_READ, "team", Some(t.team.0))
            .school(t.school);
        if access::roster_scope(self.who, &t).is_none() {
            self.log(
                entry
                    .outcome(AuditOutcome::Denied)
                    .detail(format!("not a member of {}", team.team.name)),
            )
            .await?;
            return Ok(None);
        }
        let facts = self.load_roster_facts(t.team).await?;
        let Some(grant) = access::authorize_roster(self.who, &t, &facts) else {
            return Ok(None);
        };
        self.log(
            entry
                .detail(format!(
                    "{} of {} students, access: {}",
                    grant.students().len(),
                    facts.len(),
                    grant.widest().map_or("none".into(), |a| a.label())
                ))
                .students(grant.students().iter().map(StudentGrant::student)),
        )
        .await?;
        let students = self.load_records(&grant, with_services).await?;
        Ok(Some((grant.scope(), students)))
    }

    /// A team's grouping board (its members and the school's leaders): the roster now and the
    /// grant its formative data, choices and groupings are read and changed with. The read is
    /// audited with every student on it.
    pub async fn board(&self, id: TeamId, purpose: &str) -> Result<Board, AppError> {
        let answer = || hidden("grouping board of team", id);
        let team = self
            .team_or(id, actions::ASSESSMENTS_READ, answer())
            .await?;
        let t = team.facts();
        let entry = self
            .entry(actions::ASSESSMENTS_READ, "team", Some(id.0))
            .school(t.school);
        let facts = self.load_roster_facts(id).await?;
        let Some(grant) = access::authorize_grouping_board(self.who, &t, &facts) else {
            return Err(self
                .refuse(
                    entry
                        .outcome(AuditOutcome::Denied)
                        .detail(format!("not a member of {}", team.team.name)),
                    answer(),
                )
                .await);
        };
        self.log(
            entry
                .detail(format!(
                    "{purpose}: roster and formative data of {} students",
                    grant.students().len()
                ))
                .students(grant.students().iter().map(StudentGrant::student)),
        )
        .await?;
        let loaded = self.load_records(&grant, true).await?;
        if let Some(bad) = loaded.unreadable.first() {
            // The board's engine needs every student; a record that cannot be read stops it.
            return Err(AppError::Unprocessable(format!(
                "The grouping board cannot open: a stored student record cannot be read ({bad}). The error has been logged."
            )));
        }
        Ok(Board {
            team,
            grant,
            students: loaded.rows,
        })
    }

    /// The students the reader serves (extended-team members).
    pub async fn served(&self) -> Result<Loaded<StudentRecord>, AppError> {
        Ok(self.served_with_services().await?.0)
    }

    /// The students the reader serves, and the services the reader gives each (their own work).
    pub async fn served_with_services(
        &self,
    ) -> Result<(Loaded<StudentRecord>, BTreeMap<StudentId, Vec<String>>), AppError> {
        let Some(educator) = self.who.educator else {
            return Ok(Default::default());
        };
        let facts = self.store.served_facts(educator).await?;
        let services: BTreeMap<StudentId, Vec<String>> = facts
            .iter()
            .map(|f| (f.student, f.reader_services.clone()))
            .collect();
        let grant = access::authorize_served(self.who, &facts);
        self.log(
            self.entry(actions::SERVED_READ, "educator", Some(educator.0))
                .detail(format!("{} students", grant.students().len()))
                .students(grant.students().iter().map(StudentGrant::student)),
        )
        .await?;
        Ok((self.load_records(&grant, false).await?, services))
    }

    /// The team a roster change is for, if the reader may change its roster; otherwise the
    /// answer for a missing team (audited).
    pub async fn roster_team(
        &self,
        id: TeamId,
        action: &'static str,
    ) -> Result<TeamDetail, AppError> {
        let answer = || unchangeable("team", id);
        let team = self.team_or(id, action, answer()).await?;
        if !access::may_change_roster(self.who, &team.facts()) {
            return Err(self
                .refuse(
                    self.entry(action, "team", Some(id.0))
                        .school(team.team.school)
                        .outcome(AuditOutcome::Denied),
                    answer(),
                )
                .await);
        }
        Ok(team)
    }

    /// Puts students on a core team's roster (school leaders). All or nothing.
    pub async fn roster_add(
        &self,
        team: TeamId,
        students: &[StudentId],
    ) -> Result<usize, AppError> {
        let t = self.roster_team(team, actions::ROSTER_ADD).await?;
        self.add_to(&t, students).await
    }

    async fn add_to(&self, t: &TeamDetail, students: &[StudentId]) -> Result<usize, AppError> {
        let team = t.team.id;
        let entry = self
            .entry(actions::ROSTER_ADD, "team", Some(team.0))
            .school(t.team.school)
            .detail(format!("to {}", t.team.name))
            .students(students.iter().copied());
        match self.store.add_to_roster(team, students, &entry).await {
            Ok(n) => Ok(n),
            Err(e) => Err(self.failed(entry, e.into()).await),
        }
    }

    /// Puts the student with this sourcedId on a core team's roster. The reader's right to
    /// change the roster is decided first, so the answer tells nothing about which sourcedIds
    /// exist to someone who may not.
    pub async fn roster_add_sourced(
        &self,
        team: TeamId,
        sourced: &SourcedId,
    ) -> Result<StudentId, AppError> {
        let t = self.roster_team(team, actions::ROSTER_ADD).await?;
        let facts = self
            .store
            .student_facts_by_sourced(Some(t.team.school), sourced.as_str(), self.who.educator)
            .await?;
        let Some(facts) = facts else {
            return Err(self
                .refuse(
                    self.entry(actions::ROSTER_ADD, "team", Some(team.0))
                        .school(t.team.school)
                        .outcome(AuditOutcome::NotFound)
                        .detail(format!("no student with sourcedId {sourced}")),
                    AppError::NotFound(format!(
                        "No student with sourcedId {sourced} in this school."
                    )),
                )
                .await);
        };
        self.add_to(&t, &[facts.student]).await?;
        Ok(facts.student)
    }

    /// Takes a student off a core team's roster (school leaders).
    pub async fn roster_remove(&self, team: TeamId, student: StudentId) -> Result<(), AppError> {
        let t = self.roster_team(team, actions::ROSTER_REMOVE).await?;
        let entry = self
            .entry(actions::ROSTER_REMOVE, "team", Some(team.0))
            .school(t.team.school)
            .detail(format!("from {}", t.team.name))
            .students([student]);
        match self.store.remove_from_roster(team, student, &entry).await {
            Ok(()) => Ok(()),
            Err(e) => Err(self.failed(entry, e.into()).await),
        }
    }

    /// Creates a team (school leaders). Refused like a missing school otherwise.
    pub async fn create_team(&self, input: &NewTeamInput) -> Result<TeamId, AppError> {
        let entry = self
            .entry(actions::TEAM_CREATE, "team", None)
            .school(input.school)
            .detail(format!("{} ({})", input.name, input.kind.label()));
        if !access::may_create_team(self.who, input.school) {
            return Err(self
                .refuse(
                    entry.outcome(AuditOutcome::Denied),
                    unchangeable("school", input.school),
                )
                .await);
        }
        match self.store.create_team(input, &entry).await {
            Ok(id) => Ok(id),
            Err(e) => Err(self.failed(entry, e.into()).await),
        }
    }

    /// Books a space for a team (its members and the school's leaders).
    pub async fn book_space(&self, b: &NewBooking<'_>) -> Result<i64, AppError> {
        let answer = || unchangeable("team", b.team);
        let t = self
            .team_or(b.team, actions::BOOKING_CREATE, answer())
            .await?;
        let entry = self
            .entry(actions::BOOKING_CREATE, "team", Some(b.team.0))
            .school(t.team.school)
            .detail(format!(
                "space {} for {} on {}, period {}, {} people",
                b.space,
                t.team.name,
                b.day.name(),
                b.period + 1,
                b.headcount
            ));
        if !access::may_book_for(self.who, &t.facts()) {
            return Err(self
                .refuse(entry.outcome(AuditOutcome::Denied), answer())
                .await);
        }
        match self.store.book_space(b, &entry).await {
            Ok(id) => Ok(id),
            Err(e) => Err(self.failed(entry, e.into()).await),
        }
    }

    /// A team's bookings, for anyone of its school.
    pub async fn team_bookings(&self, team: TeamId) -> Result<Loaded<BookingRow>, AppError> {
        self.team(team).await?;
        Ok(self.store.team_bookings(team).await?)
    }

    /// A space's bookings, for anyone of its school.
    pub async fn space_bookings(&self, space: SpaceId) -> Result<Loaded<BookingRow>, AppError> {
        match self.store.space_school(space).await? {
            Some(s) if access::may_see_school(self.who, s) => {
                Ok(self.store.space_bookings(space).await?)
            }
            _ => Err(hidden("space", space)),
        }
    }

    /// Cancels a booking (whoever may book for its team).
    pub async fn delete_booking(&self, id: i64) -> Result<(), AppError> {
        let answer = || unchangeable("booking", id);
        let entry = self.entry(actions::BOOKING_DELETE, "booking", Some(id));
        let Some(b) = self.store.booking(id).await? else {
            return Err(self
                .refuse(entry.outcome(AuditOutcome::NotFound), answer())
                .await);
        };
        let team = self.load_team(b.team).await?;
        let allowed = team
            .as_ref()
            .is_some_and(|t| access::may_book_for(self.who, &t.facts()));
        let entry = entry.school(b.school).detail(format!(
            "{} in {} on {}, period {}",
            b.team_name,
            b.space_name,
            b.day.name(),
            b.period + 1
        ));
        if !allowed {
            return Err(self
                .refuse(entry.outcome(AuditOutcome::Denied), answer())
                .await);
        }
        match self.store.delete_booking(id, &entry).await {
            Ok(()) => Ok(()),
            Err(e) => Err(self.failed(entry, e.into()).await),
        }
    }

    /// The names of students listed somewhere (the audit log's entries, a question before a
    /// change), for those the reader may see; the read is audited like any other, on the record
    /// `on` (`audit_log`, `team` …).
    pub async fn student_names(
        &self,
        ids: &[StudentId],
        on: (&'static str, Option<i64>),
    ) -> Result<std::collections::HashMap<StudentId, String>, AppError> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let facts = self.store.students_facts(ids, self.who.educator).await?;
        let grant = access::authorize_listed(self.who, &facts);
        if grant.students().is_empty() {
            return Ok(Default::default());
        }
        self.log(
            self.entry(actions::STUDENT_NAMES, on.0, on.1)
                .detail(match grant.students().len() {
                    1 => "the name of one student".to_owned(),
                    n => format!("the names of {n} students"),
                })
                .students(grant.students().iter().map(StudentGrant::student)),
        )
        .await?;
        let records = self.load_records(&grant, false).await?;
        Ok(records
            .rows
            .into_iter()
            .map(|r| (r.id, r.full_name()))
            .collect())
    }

    /// The audit log: a school leader reads their school's, a system leader everyone's; others
    /// are answered as if there were no log to see.
    pub async fn audit_log(
        &self,
        mut filter: AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditRow>, AppError> {
        let Some(scope) = access::audit_scope(self.who) else {
            return Err(AppError::NotFound("No audit log that you may see.".into()));
        };
        if scope.is_some() {
            filter.school = scope;
        }
        Ok(self.store.audit_log(&filter, limit).await?)
    }
}
