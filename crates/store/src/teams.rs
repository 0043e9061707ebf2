//! Changes to teams, rosters and space bookings. Each runs in one transaction that checks the
//! model's rules first, so a refused change leaves the database as it was.

use crate::audit::{self, AuditEntry};
use crate::{full_name, now_ms, role_of, Result, Store, StoreError};
use ensemble_domain::space::SpaceLoad;
use ensemble_domain::team::{check_composition, TeamSeat};
use ensemble_domain::*;
use sqlx::Row;

/// A team to create in a school's current term.
#[derive(Clone, Debug)]
pub struct NewTeamInput {
    pub school: SchoolId,
    pub name: String,
    pub kind: TeamKind,
    pub description: String,
    pub members: Vec<(EducatorId, TeamMemberRole)>,
}

/// The team's school, term, name and kind, or NotFound.
async fn team_row(conn: &mut sqlx::AnyConnection, team: TeamId) -> Result<sqlx::any::AnyRow> {
    sqlx::query("SELECT school_id, term_id, name, kind FROM teams WHERE id = $1")
        .bind(team.0)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound {
            what: "team",
            id: team.0,
        })
}

impl Store {
    /// Adds students to a core team's roster for the team's term. All or nothing: a student
    /// of another school, or already on a core roster this term, refuses the whole request.
    pub async fn add_to_roster(
        &self,
        team: TeamId,
        students: &[StudentId],
        entry: &AuditEntry,
    ) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        let t = team_row(&mut tx, team).await?;
        let (school, term, name): (i64, i64, String) = (
            t.try_get("school_id")?,
            t.try_get("term_id")?,
            t.try_get("name")?,
        );
        if t.try_get::<String, _>("kind")? != "core" {
            return Err(RuleViolation::RosterOnExtendedTeam { team: name }.into());
        }
        let term_sid: String = sqlx::query_scalar("SELECT sourced_id FROM terms WHERE id = $1")
            .bind(term)
            .fetch_one(&mut *tx)
            .await?;
        let mut seen = std::collections::HashSet::new();
        for s in students {
            if !seen.insert(*s) {
                return Err(RuleViolation::Invalid(format!("student {s} is listed twice")).into());
            }
            let row = sqlx::query(
                "SELECT st.school_id, st.sourced_id, t.name AS team_name FROM students st
                 LEFT JOIN roster_entries r ON r.student_id = st.id AND r.term_id = $2 LEFT JOIN teams t ON t.id = r.team_id
                 WHERE st.id = $1",
            )
            .bind(s.0)
            .bind(term)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound { what: "student", id: s.0 })?;
            if row.try_get::<i64, _>("school_id")? != school {
                return Err(StoreError::NotFound {
                    what: "student",
                    id: s.0,
                });
            }
            if let Some(existing) = row.try_get::<Option<String>, _>("team_name")? {
                return Err(RuleViolation::StudentOnTwoRosters {
                    student: row.try_get("sourced_id")?,
                    term: term_sid,
                    existing_team: existing,
                }
                .into());
            }
            let r = sqlx::query(
                "INSERT INTO roster_entries (term_id, student_id, team_id) VALUES ($1, $2, $3)",
            )
            .bind(term)
            .bind(s.0)
            .bind(team.0)
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return Err(if crate::is_unique_violation(&e) {
                    StoreError::Conflict(format!("student {s} was just added to another roster"))
                } else {
                    e.into()
                });
            }
        }
        audit::write(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(students.len())
    }

    /// Takes a student off a team's roster, with its audit entry.
    pub async fn remove_from_roster(
        &self,
        team: TeamId,
        student: StudentId,
        entry: &AuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM roster_entries WHERE team_id = $1 AND student_id = $2")
            .bind(team.0)
            .bind(student.0)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            let name: Option<String> = sqlx::query_scalar("SELECT name FROM teams WHERE id = $1")
                .bind(team.0)
                .fetch_optional(&mut *tx)
                .await?;
            return Err(match name {
                Some(team) => RuleViolation::NotOnRoster {
                    student: student.to_string(),
                    team,
                }
                .into(),
                None => StoreError::NotFound {
                    what: "team",
                    id: team.0,
                },
            });
        }
        audit::write(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates a team in the school's current term, checking its composition, with its audit
    /// entry.
    pub async fn create_team(&self, input: &NewTeamInput, entry: &AuditEntry) -> Result<TeamId> {
        let mut tx = self.begin_write().await?;
        let term: Option<i64> =
            sqlx::query_scalar("SELECT current_term_id FROM schools WHERE id = $1")
                .bind(input.school.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound {
                    what: "school",
                    id: input.school.0,
                })?;
        let term =
            term.ok_or_else(|| StoreError::Conflict("the school has no current term".into()))?;
        let mut seats = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (e, _) in &input.members {
            if !seen.insert(*e) {
                return Err(RuleViolation::Invalid(format!("educator {e} is listed twice")).into());
            }
            let r = sqlx::query(
                "SELECT school_id, given_name, family_name, role_type FROM educators WHERE id = $1",
            )
            .bind(e.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound {
                what: "educator",
                id: e.0,
            })?;
            if r.try_get::<i64, _>("school_id")? != input.school.0 {
                return Err(StoreError::NotFound {
                    what: "educator",
                    id: e.0,
                });
            }
            seats.push(TeamSeat {
                name: full_name(&r)?,
                role_type: role_of(&r)?,
            });
        }
        check_composition(&input.name, input.kind, &seats)?;
        let sourced = format!("team-{}-{}", now_ms(), rand::random::<u32>());
        let id: i64 = sqlx::query_scalar("INSERT INTO teams (sourced_id, school_id, term_id, name, kind, description) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(sourced)
            .bind(input.school.0)
            .bind(term)
            .bind(&input.name)
            .bind(input.kind.as_str())
            .bind(&input.description)
            .fetch_one(&mut *tx)
            .await?;
        for (e, role) in &input.members {
            sqlx::query(
                "INSERT INTO team_members (team_id, educator_id, member_role) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(e.0)
            .bind(role.as_str())
            .execute(&mut *tx)
            .await?;
        }
        let mut entry = entry.clone();
        entry.target_id = Some(id);
        audit::write(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(TeamId(id))
    }

    /// Books a space for a team in one period of the week, with its audit entry. Refused when
    /// the day or period is not in the school's grid, or over capacity (a zone's headcount
    /// also counts against its flexible room).
    pub async fn book_space(&self, b: &NewBooking<'_>, entry: &AuditEntry) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let t = team_row(&mut tx, b.team).await?;
        let (school, term): (i64, i64) = (t.try_get("school_id")?, t.try_get("term_id")?);
        let s =
            sqlx::query("SELECT school_id, name, capacity, parent_id FROM spaces WHERE id = $1")
                .bind(b.space.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound {
                    what: "space",
                    id: b.space.0,
                })?;
        if s.try_get::<i64, _>("school_id")? != school {
            return Err(StoreError::NotFound {
                what: "space",
                id: b.space.0,
            });
        }
        let day = i64::from(b.day.index());
        let school_day: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM grid_days WHERE school_id = $1 AND day = $2")
                .bind(school)
                .bind(day)
                .fetch_one(&mut *tx)
                .await?;
        if school_day == 0 {
            return Err(RuleViolation::Invalid(format!(
                "{} is not a school day at this school",
                b.day.name()
            ))
            .into());
        }
        let periods: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM grid_periods WHERE school_id = $1")
                .bind(school)
                .fetch_one(&mut *tx)
                .await?;
        let period = i64::from(b.period);
        if period >= periods {
            return Err(RuleViolation::Invalid(format!(
                "the school's day has {periods} periods; period {} does not exist",
                period + 1
            ))
            .into());
        }
        let mut chain = vec![(
            b.space.0,
            s.try_get::<String, _>("name")?,
            s.try_get::<i64, _>("capacity")?,
        )];
        if let Some(p) = s.try_get::<Option<i64>, _>("parent_id")? {
            let pr = sqlx::query("SELECT name, capacity FROM spaces WHERE id = $1")
                .bind(p)
                .fetch_one(&mut *tx)
                .await?;
            chain.push((p, pr.try_get("name")?, pr.try_get("capacity")?));
        }
        for (sid, name, capacity) in chain {
            // What is booked in this space, and in its zones.
            let booked: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(b.headcount), 0) AS BIGINT) FROM space_bookings b JOIN spaces s ON s.id = b.space_id
                 WHERE (s.id = $1 OR s.parent_id = $1) AND b.term_id = $2 AND b.day = $3 AND b.period_idx = $4",
            )
            .bind(sid)
            .bind(term)
            .bind(day)
            .bind(period)
            .fetch_one(&mut *tx)
            .await?;
            SpaceLoad {
                space: name,
                capacity: u32::try_from(capacity).unwrap_or(0),
                booked: u32::try_from(booked).unwrap_or(u32::MAX),
            }
            .admit(b.headcount, b.day.name(), &format!("period {}", period + 1))?;
        }
        let id: i64 = sqlx::query_scalar("INSERT INTO space_bookings (space_id, term_id, day, period_idx, team_id, headcount, purpose) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(b.space.0)
            .bind(term)
            .bind(day)
            .bind(period)
            .bind(b.team.0)
            .bind(i64::from(b.headcount))
            .bind(b.purpose)
            .fetch_one(&mut *tx)
            .await?;
        let mut entry = entry.clone();
        entry.target_id = Some(id);
        audit::write(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Cancels a booking, with its audit entry.
    pub async fn delete_booking(&self, id: i64, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("DELETE FROM space_bookings WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "booking",
                id,
            });
        }
        audit::write(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A booking to make: a team in a space, one day and period (0-based) of the week.
#[derive(Clone, Copy, Debug)]
pub struct NewBooking<'a> {
    pub space: SpaceId,
    pub team: TeamId,
    pub day: DayOfWeek,
    pub period: u32,
    pub headcount: u32,
    pub purpose: &'a str,
}
