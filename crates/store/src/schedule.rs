//! Generated team schedules: what the timetable adapter reads about a school (its grid, teams,
//! members, rosters, spaces and services, by id), schedule versions (draft, published,
//! replaced), absences with their re-plans, and calendar feeds.

use crate::audit::{self, AuditEntry};
use crate::{full_name, now_ms, parse_col, role_of, Result, Store, StoreError, TermChoice};
use ensemble_domain::access::ScheduleGrant;
use ensemble_domain::*;
use sqlx::Row;
use std::collections::BTreeMap;

/// A team as the schedule sees it.
#[derive(Clone, Debug)]
pub struct FactTeam {
    pub id: TeamId,
    pub name: String,
    pub kind: TeamKind,
    pub members: Vec<(EducatorId, TeamMemberRole)>,
    pub roster: Vec<StudentId>,
    /// The spaces it booked this term, by name.
    pub spaces: Vec<SpaceId>,
}

/// An educator as the schedule sees them.
#[derive(Clone, Debug)]
pub struct FactEducator {
    pub id: EducatorId,
    pub name: String,
    pub email: String,
    pub role_type: RoleType,
    pub availability: WeeklyAvailability,
}

/// A space as the schedule sees it.
#[derive(Clone, Debug)]
pub struct FactSpace {
    pub id: SpaceId,
    pub name: String,
    pub kind: SpaceKind,
    pub capacity: u32,
    pub parent: Option<SpaceId>,
}

/// Everything the schedule of one school and term is built from. Students by id only.
#[derive(Clone, Debug)]
pub struct ScheduleFacts {
    pub school: SchoolId,
    pub school_name: String,
    pub time_zone: String,
    pub planning_minutes_daily: u32,
    pub grid: TimeGrid,
    pub term: TermChoice,
    pub teams: Vec<FactTeam>,
    pub educators: Vec<FactEducator>,
    pub spaces: Vec<FactSpace>,
    /// (educator, student, service code).
    pub services: Vec<(EducatorId, StudentId, String)>,
}

/// A stored schedule version.
#[derive(Clone, Debug)]
pub struct ScheduleRow {
    pub id: i64,
    pub school: SchoolId,
    pub term: TermId,
    pub term_name: String,
    /// `draft`, `published` or `replaced`.
    pub status: String,
    /// The schedule document (JSON).
    pub body: String,
    /// The checker's findings when it was saved.
    pub findings: u32,
    pub soft_hundredths: i64,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub published_by: Option<String>,
    pub published_at: Option<i64>,
}

const SCHEDULE_SQL: &str = "SELECT s.id, s.school_id, s.term_id, t.name AS term_name, s.status, s.body, s.findings, s.soft_hundredths, s.created_at, s.published_at,
    cu.display_name AS created_name, pu.display_name AS published_name
    FROM schedules s JOIN terms t ON t.id = s.term_id
    LEFT JOIN users cu ON cu.id = s.created_by LEFT JOIN users pu ON pu.id = s.published_by";

fn schedule_row(r: &sqlx::any::AnyRow) -> Result<ScheduleRow> {
    Ok(ScheduleRow {
        id: r.try_get("id")?,
        school: SchoolId(r.try_get("school_id")?),
        term: TermId(r.try_get("term_id")?),
        term_name: r.try_get("term_name")?,
        status: r.try_get("status")?,
        body: r.try_get("body")?,
        findings: parse_col("findings", u32::try_from(r.try_get::<i64, _>("findings")?))?,
        soft_hundredths: r.try_get("soft_hundredths")?,
        created_by: r.try_get("created_name")?,
        created_at: r.try_get("created_at")?,
        published_by: r.try_get("published_name")?,
        published_at: r.try_get("published_at")?,
    })
}

/// Writes `entry` for record `id` of `school` in the change's transaction, and commits.
async fn commit_logged(
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    entry: &AuditEntry,
    id: i64,
    school: SchoolId,
) -> Result<()> {
    let mut entry = entry.clone();
    entry.target_id = Some(id);
    entry.school = Some(school);
    audit::write(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(())
}

impl Store {
    /// The school's settings for schedules: its time zone and daily planning minutes.
    pub async fn schedule_settings(&self, school: SchoolId) -> Result<Option<(String, u32)>> {
        let r = sqlx::query("SELECT time_zone, planning_minutes_daily FROM schools WHERE id = $1")
            .bind(school.0)
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| {
            Ok((
                r.try_get("time_zone")?,
                parse_col(
                    "planning minutes",
                    u32::try_from(r.try_get::<i64, _>("planning_minutes_daily")?),
                )?,
            ))
        })
        .transpose()
    }

    /// Sets the school's time zone (an IANA name, checked by the caller) and daily planning
    /// minutes, with its audit entry.
    pub async fn set_schedule_settings(
        &self,
        school: SchoolId,
        time_zone: &str,
        planning_minutes_daily: u32,
        entry: &AuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE schools SET time_zone = $1, planning_minutes_daily = $2 WHERE id = $3")
            .bind(time_zone)
            .bind(i64::from(planning_minutes_daily))
            .bind(school.0)
            .execute(&mut *tx)
            .await?;
        audit::write(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What the schedule of the grant's school for `term` (the current one by default) is
    /// built from. The read is audited with `entry` (its students filled in) before anything
    /// is returned. `None` for a school without a grid or terms.
    pub async fn schedule_facts(
        &self,
        grant: &ScheduleGrant,
        term: Option<TermId>,
        entry: &AuditEntry,
    ) -> Result<Option<ScheduleFacts>> {
        let school = grant.school();
        let Some(row) = self.school(school).await? else {
            return Ok(None);
        };
        let Some(grid) = self.grid(school).await? else {
            return Ok(None);
        };
        let terms = self.school_terms(school).await?;
        let term = match term {
            Some(t) => terms.into_iter().find(|x| x.id == t),
            None => terms.into_iter().find(|x| x.current),
        };
        let Some(term) = term else {
            return Ok(None);
        };
        let (time_zone, planning_minutes_daily) = self
            .schedule_settings(school)
            .await?
            .unwrap_or_else(|| ("UTC".into(), 45));
        let team_rows = sqlx::query(
            "SELECT id, name, kind FROM teams WHERE school_id = $1 AND term_id = $2 ORDER BY name, id",
        )
        .bind(school.0)
        .bind(term.id.0)
        .fetch_all(&self.pool)
        .await?;
        let mut teams = Vec::new();
        for t in team_rows {
            let id = TeamId(t.try_get("id")?);
            let members = sqlx::query(
                "SELECT m.educator_id, m.member_role FROM team_members m JOIN educators e ON e.id = m.educator_id
                 WHERE m.team_id = $1 ORDER BY e.family_name, e.given_name, e.id",
            )
            .bind(id.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|m| {
                Ok((
                    EducatorId(m.try_get("educator_id")?),
                    parse_col(
                        "team role",
                        TeamMemberRole::parse(&m.try_get::<String, _>("member_role")?),
                    )?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
            let roster = sqlx::query_scalar::<_, i64>(
                "SELECT student_id FROM roster_entries WHERE team_id = $1 AND term_id = $2 ORDER BY student_id",
            )
            .bind(id.0)
            .bind(term.id.0)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(StudentId)
            .collect();
            let spaces = sqlx::query_scalar::<_, i64>(
                "SELECT DISTINCT s.id, s.name FROM space_bookings b JOIN spaces s ON s.id = b.space_id
                 WHERE b.team_id = $1 AND b.term_id = $2 ORDER BY s.name, s.id",
            )
            .bind(id.0)
            .bind(term.id.0)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(SpaceId)
            .collect();
            teams.push(FactTeam {
                id,
                name: t.try_get("name")?,
                kind: parse_col(
                    "team kind",
                    TeamKind::parse(&t.try_get::<String, _>("kind")?),
                )?,
                members,
                roster,
                spaces,
            });
        }
        let services = sqlx::query(
            "SELECT a.educator_id, a.student_id, a.service FROM service_assignments a JOIN students s ON s.id = a.student_id
             WHERE s.school_id = $1 AND a.term_id = $2 ORDER BY a.educator_id, a.student_id, a.service",
        )
        .bind(school.0)
        .bind(term.id.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok((
                EducatorId(r.try_get("educator_id")?),
                StudentId(r.try_get("student_id")?),
                r.try_get::<String, _>("service")?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
        let mut wanted: BTreeMap<i64, ()> = BTreeMap::new();
        for t in &teams {
            for (e, _) in &t.members {
                wanted.insert(e.0, ());
            }
        }
        for (e, _, _) in &services {
            wanted.insert(e.0, ());
        }
        let mut educators = Vec::new();
        for r in sqlx::query(
            "SELECT id, given_name, family_name, email, role_type, availability FROM educators WHERE school_id = $1 ORDER BY family_name, given_name, id",
        )
        .bind(school.0)
        .fetch_all(&self.pool)
        .await?
        {
            let id: i64 = r.try_get("id")?;
            if !wanted.contains_key(&id) {
                continue;
            }
            educators.push(FactEducator {
                id: EducatorId(id),
                name: full_name(&r)?,
                email: r.try_get::<Option<String>, _>("email")?.unwrap_or_default(),
                role_type: role_of(&r)?,
                availability: parse_col(
                    "availability",
                    WeeklyAvailability::decode(&r.try_get::<String, _>("availability")?),
                )?,
            });
        }
        let spaces = sqlx::query(
            "SELECT id, name, kind, capacity, parent_id FROM spaces WHERE school_id = $1 ORDER BY name, id",
        )
        .bind(school.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(FactSpace {
                id: SpaceId(r.try_get("id")?),
                name: r.try_get("name")?,
                kind: parse_col("space kind", SpaceKind::parse(&r.try_get::<String, _>("kind")?))?,
                capacity: parse_col("capacity", u32::try_from(r.try_get::<i64, _>("capacity")?))?,
                parent: r.try_get::<Option<i64>, _>("parent_id")?.map(SpaceId),
            })
        })
        .collect::<Result<Vec<_>>>()?;
        // The read is logged before the facts leave.
        let mut entry = entry.clone();
        entry.school = Some(school);
        entry.students = teams
            .iter()
            .flat_map(|t| t.roster.iter().copied())
            .collect();
        entry.students.sort();
        entry.students.dedup();
        let mut tx = self.begin_write().await?;
        audit::write(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(Some(ScheduleFacts {
            school,
            school_name: row.name,
            time_zone,
            planning_minutes_daily,
            grid,
            term,
            teams,
            educators,
            spaces,
            services,
        }))
    }

    /// Saves a built schedule as a draft, with its audit entry; its id.
    pub async fn save_schedule(
        &self,
        grant: &ScheduleGrant,
        term: TermId,
        body: &str,
        findings: u32,
        soft_hundredths: i64,
        entry: &AuditEntry,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO schedules (school_id, term_id, status, body, findings, soft_hundredths, created_by, created_at)
             VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(grant.school().0)
        .bind(term.0)
        .bind(body)
        .bind(i64::from(findings))
        .bind(soft_hundredths)
        .bind(entry.user.map(|u| u.0))
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        commit_logged(tx, entry, id, grant.school()).await?;
        Ok(id)
    }

    /// One schedule version of the school; another school's is as missing.
    pub async fn schedule(&self, school: SchoolId, id: i64) -> Result<Option<ScheduleRow>> {
        let r = sqlx::query(&format!(
            "{SCHEDULE_SQL} WHERE s.id = $1 AND s.school_id = $2"
        ))
        .bind(id)
        .bind(school.0)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(schedule_row).transpose()
    }

    /// The school's schedule versions, newest first, at most `limit`.
    pub async fn schedules(&self, school: SchoolId, limit: u32) -> Result<Vec<ScheduleRow>> {
        let rows = sqlx::query(&format!(
            "{SCHEDULE_SQL} WHERE s.school_id = $1 ORDER BY s.id DESC LIMIT $2"
        ))
        .bind(school.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(schedule_row).collect()
    }

    /// The published schedule of the school for a term (the current one by default).
    pub async fn published_schedule(
        &self,
        school: SchoolId,
        term: Option<TermId>,
    ) -> Result<Option<ScheduleRow>> {
        let r = match term {
            Some(t) => {
                sqlx::query(&format!(
                    "{SCHEDULE_SQL} WHERE s.school_id = $1 AND s.term_id = $2 AND s.status = 'published' ORDER BY s.id DESC LIMIT 1"
                ))
                .bind(school.0)
                .bind(t.0)
                .fetch_optional(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "{SCHEDULE_SQL} JOIN schools sc ON sc.id = s.school_id AND sc.current_term_id = s.term_id
                     WHERE s.school_id = $1 AND s.status = 'published' ORDER BY s.id DESC LIMIT 1"
                ))
                .bind(school.0)
                .fetch_optional(&self.pool)
                .await?
            }
        };
        r.as_ref().map(schedule_row).transpose()
    }

    /// Publishes a draft without findings: the term's published version before it is
    /// replaced. A version with findings, or one already published or replaced, is refused.
    pub async fn publish_schedule(
        &self,
        grant: &ScheduleGrant,
        id: i64,
        entry: &AuditEntry,
    ) -> Result<()> {
        let school = grant.school();
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "SELECT term_id, status, findings FROM schedules WHERE id = $1 AND school_id = $2",
        )
        .bind(id)
        .bind(school.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(r) = r else {
            return Err(StoreError::NotFound {
                what: "schedule",
                id,
            });
        };
        let status: String = r.try_get("status")?;
        if status != "draft" {
            return Err(StoreError::Conflict(
                "only a draft can be published; this version is already published or replaced"
                    .into(),
            ));
        }
        if r.try_get::<i64, _>("findings")? > 0 {
            return Err(StoreError::Conflict(
                "a schedule that breaks a rule cannot be published".into(),
            ));
        }
        let term: i64 = r.try_get("term_id")?;
        sqlx::query(
            "UPDATE schedules SET status = 'replaced' WHERE school_id = $1 AND term_id = $2 AND status = 'published'",
        )
        .bind(school.0)
        .bind(term)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE schedules SET status = 'published', published_by = $1, published_at = $2 WHERE id = $3")
            .bind(entry.user.map(|u| u.0))
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        commit_logged(tx, entry, id, school).await?;
        Ok(())
    }

    /// Creates a calendar feed (the token's digest only), with its audit entry; its id.
    pub async fn create_feed(
        &self,
        school: SchoolId,
        kind: &str,
        subject: i64,
        title: &str,
        digest: &str,
        entry: &AuditEntry,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO calendar_feeds (school_id, kind, subject_id, title, token_digest, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(school.0)
        .bind(kind)
        .bind(subject)
        .bind(title)
        .bind(digest)
        .bind(entry.user.map(|u| u.0))
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        commit_logged(tx, entry, id, school).await?;
        Ok(id)
    }

    /// The live feed with this token digest: (id, school, kind, subject, title).
    pub async fn feed_by_digest(
        &self,
        digest: &str,
    ) -> Result<Option<(i64, SchoolId, String, i64, String)>> {
        let r = sqlx::query(
            "SELECT id, school_id, kind, subject_id, title FROM calendar_feeds WHERE token_digest = $1 AND revoked_at IS NULL",
        )
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| {
            Ok((
                r.try_get("id")?,
                SchoolId(r.try_get("school_id")?),
                r.try_get("kind")?,
                r.try_get("subject_id")?,
                r.try_get("title")?,
            ))
        })
        .transpose()
    }

    /// A subject's live feeds: (id, created at, created by).
    pub async fn feeds_of(
        &self,
        kind: &str,
        subject: i64,
    ) -> Result<Vec<(i64, i64, Option<String>)>> {
        let rows = sqlx::query(
            "SELECT f.id, f.created_at, u.display_name FROM calendar_feeds f LEFT JOIN users u ON u.id = f.created_by
             WHERE f.kind = $1 AND f.subject_id = $2 AND f.revoked_at IS NULL ORDER BY f.id",
        )
        .bind(kind)
        .bind(subject)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("created_at")?,
                    r.try_get("display_name")?,
                ))
            })
            .collect()
    }

    /// A feed of the school: (kind, subject), live or not.
    pub async fn feed(&self, school: SchoolId, id: i64) -> Result<Option<(String, i64, bool)>> {
        let r = sqlx::query("SELECT kind, subject_id, revoked_at FROM calendar_feeds WHERE id = $1 AND school_id = $2")
            .bind(id)
            .bind(school.0)
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| {
            Ok((
                r.try_get("kind")?,
                r.try_get("subject_id")?,
                r.try_get::<Option<i64>, _>("revoked_at")?.is_none(),
            ))
        })
        .transpose()
    }

    /// Revokes a feed: its address answers like a missing one from now on.
    pub async fn revoke_feed(&self, school: SchoolId, id: i64, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE calendar_feeds SET revoked_at = $1 WHERE id = $2 AND school_id = $3 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(id)
            .bind(school.0)
            .execute(&mut *tx)
            .await?;
        commit_logged(tx, entry, id, school).await?;
        Ok(())
    }

    /// The school of a student (no other field): for the command line's calendar export.
    pub async fn student_school(&self, id: StudentId) -> Result<Option<SchoolId>> {
        let r: Option<i64> = sqlx::query_scalar("SELECT school_id FROM students WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(r.map(SchoolId))
    }

    /// Whether `lead` leads a team (this term) that `member` is on.
    pub async fn leads_team_of(&self, lead: EducatorId, member: EducatorId) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM team_members l JOIN team_members m ON m.team_id = l.team_id
             JOIN teams t ON t.id = l.team_id JOIN schools s ON s.id = t.school_id AND s.current_term_id = t.term_id
             WHERE l.educator_id = $1 AND l.member_role = 'lead' AND m.educator_id = $2",
        )
        .bind(lead.0)
        .bind(member.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// An educator by email (case-insensitive): id and school.
    pub async fn educator_by_email(&self, email: &str) -> Result<Option<(EducatorId, SchoolId)>> {
        let r = sqlx::query("SELECT id, school_id FROM educators WHERE LOWER(email) = LOWER($1)")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| {
            Ok((
                EducatorId(r.try_get("id")?),
                SchoolId(r.try_get("school_id")?),
            ))
        })
        .transpose()
    }

    /// Records an absence with its proposed re-plan (JSON), with its audit entry; its id.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_absence(
        &self,
        school: SchoolId,
        educator: EducatorId,
        date: &str,
        periods: Option<&[usize]>,
        planned: bool,
        reason: &str,
        schedule: i64,
        replan: &str,
        entry: &AuditEntry,
    ) -> Result<i64> {
        let periods = match periods {
            None => String::new(),
            Some(p) => p.iter().map(usize::to_string).collect::<Vec<_>>().join(","),
        };
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO absences (school_id, educator_id, absence_date, periods, planned, reason, recorded_by, recorded_at, schedule_id, replan, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'proposed') RETURNING id",
        )
        .bind(school.0)
        .bind(educator.0)
        .bind(date)
        .bind(periods)
        .bind(i64::from(planned))
        .bind(reason)
        .bind(entry.user.map(|u| u.0))
        .bind(now_ms())
        .bind(schedule)
        .bind(replan)
        .fetch_one(&mut *tx)
        .await?;
        commit_logged(tx, entry, id, school).await?;
        Ok(id)
    }

    /// The school's absences, newest date first, at most `limit`.
    pub async fn absences(&self, school: SchoolId, limit: u32) -> Result<Vec<AbsenceRow>> {
        let rows = sqlx::query(&format!(
            "{ABSENCE_SQL} WHERE a.school_id = $1 ORDER BY a.absence_date DESC, a.id DESC LIMIT $2"
        ))
        .bind(school.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(absence_row).collect()
    }

    /// One absence of the school; another school's is as missing.
    pub async fn absence(&self, school: SchoolId, id: i64) -> Result<Option<AbsenceRow>> {
        let r = sqlx::query(&format!(
            "{ABSENCE_SQL} WHERE a.id = $1 AND a.school_id = $2"
        ))
        .bind(id)
        .bind(school.0)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(absence_row).transpose()
    }

    /// The approved absences whose re-plans change a published schedule's days.
    pub async fn approved_absences(&self, schedule: i64) -> Result<Vec<AbsenceRow>> {
        let rows = sqlx::query(&format!(
            "{ABSENCE_SQL} WHERE a.schedule_id = $1 AND a.status = 'approved' ORDER BY a.absence_date, a.id"
        ))
        .bind(schedule)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(absence_row).collect()
    }

    /// Approves a proposed re-plan, with its audit entry. One already approved is refused.
    pub async fn approve_absence(
        &self,
        school: SchoolId,
        id: i64,
        entry: &AuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE absences SET status = 'approved', approved_by = $1, approved_at = $2 WHERE id = $3 AND school_id = $4 AND status = 'proposed'",
        )
        .bind(entry.user.map(|u| u.0))
        .bind(now_ms())
        .bind(id)
        .bind(school.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(
                "this re-plan is already approved, or the absence is not this school's".into(),
            ));
        }
        commit_logged(tx, entry, id, school).await?;
        Ok(())
    }
}

/// A recorded absence.
#[derive(Clone, Debug)]
pub struct AbsenceRow {
    pub id: i64,
    pub school: SchoolId,
    pub educator: EducatorId,
    pub educator_name: String,
    pub date: String,
    /// Periods (grid indexes); `None` for the whole day.
    pub periods: Option<Vec<usize>>,
    pub planned: bool,
    /// The reason's category (for leaders only).
    pub reason: String,
    pub recorded_by: Option<String>,
    pub recorded_at: i64,
    pub schedule: Option<i64>,
    /// The re-plan (JSON).
    pub replan: Option<String>,
    /// `proposed` or `approved`.
    pub status: String,
    pub approved_by: Option<String>,
}

const ABSENCE_SQL: &str = "SELECT a.id, a.school_id, a.educator_id, e.given_name, e.family_name, a.absence_date, a.periods, a.planned, a.reason,
    a.recorded_at, a.schedule_id, a.replan, a.status, ru.display_name AS recorded_name, au.display_name AS approved_name
    FROM absences a JOIN educators e ON e.id = a.educator_id
    LEFT JOIN users ru ON ru.id = a.recorded_by LEFT JOIN users au ON au.id = a.approved_by";

fn absence_row(r: &sqlx::any::AnyRow) -> Result<AbsenceRow> {
    let periods: String = r.try_get("periods")?;
    let periods = if periods.is_empty() {
        None
    } else {
        Some(
            periods
                .split(',')
                .map(|p| parse_col("absence periods", p.parse::<usize>()))
                .collect::<Result<Vec<_>>>()?,
        )
    };
    Ok(AbsenceRow {
        id: r.try_get("id")?,
        school: SchoolId(r.try_get("school_id")?),
        educator: EducatorId(r.try_get("educator_id")?),
        educator_name: full_name(r)?,
        date: r.try_get("absence_date")?,
        periods,
        planned: r.try_get::<i64, _>("planned")? != 0,
        reason: r.try_get("reason")?,
        recorded_by: r.try_get("recorded_name")?,
        recorded_at: r.try_get("recorded_at")?,
        schedule: r.try_get("schedule_id")?,
        replan: r.try_get("replan")?,
        status: r.try_get("status")?,
        approved_by: r.try_get("approved_name")?,
    })
}
