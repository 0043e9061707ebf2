//! Changes to teams, rosters and space bookings. Each runs in one transaction that checks the
//! model's rules first, so a refused change leaves the database as it was.

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
    pub async fn add_to_roster(&self, team: TeamId, students: &[StudentId]) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
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
        tx.commit().await?;
        Ok(students.len())
    }

    /// Takes a student off a team's roster.
    pub async fn remove_from_roster(&self, team: TeamId, student: StudentId) -> Result<()> {
        let done = sqlx::query("DELETE FROM roster_entries WHERE team_id = $1 AND student_id = $2")
            .bind(team.0)
            .bind(student.0)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            let name: Option<String> = sqlx::query_scalar("SELECT name FROM teams WHERE id = $1")
                .bind(team.0)
                .fetch_optional(&self.pool)
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
        Ok(())
    }

    /// Creates a team in the school's current term, checking its composition.
    pub async fn create_team(&self, input: &NewTeamInput) -> Result<TeamId> {
        let mut tx = self.pool.begin().await?;
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
        tx.commit().await?;
        Ok(TeamId(id))
    }

    /// Books a space for a team in one period of the week, refusing it over capacity (a zone's
    /// headcount also counts against its flexible room).
    pub async fn book_space(
        &self,
        space: SpaceId,
        team: TeamId,
        day: DayOfWeek,
        period: usize,
        headcount: u32,
        purpose: &str,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let t = team_row(&mut tx, team).await?;
        let (school, term): (i64, i64) = (t.try_get("school_id")?, t.try_get("term_id")?);
        let s =
            sqlx::query("SELECT school_id, name, capacity, parent_id FROM spaces WHERE id = $1")
                .bind(space.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound {
                    what: "space",
                    id: space.0,
                })?;
        if s.try_get::<i64, _>("school_id")? != school {
            return Err(StoreError::NotFound {
                what: "space",
                id: space.0,
            });
        }
        let periods: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM grid_periods WHERE school_id = $1")
                .bind(school)
                .fetch_one(&mut *tx)
                .await?;
        if period as i64 >= periods {
            return Err(RuleViolation::Invalid(format!(
                "the school's day has {periods} periods; period {} does not exist",
                period + 1
            ))
            .into());
        }
        let mut chain = vec![(
            space.0,
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
            .bind(i64::from(day.index()))
            .bind(period as i64)
            .fetch_one(&mut *tx)
            .await?;
            SpaceLoad {
                space: name,
                capacity: u32::try_from(capacity).unwrap_or(0),
                booked: u32::try_from(booked).unwrap_or(u32::MAX),
            }
            .admit(headcount, day.name(), &format!("period {}", period + 1))?;
        }
        let id: i64 = sqlx::query_scalar("INSERT INTO space_bookings (space_id, term_id, day, period_idx, team_id, headcount, purpose) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(space.0)
            .bind(term)
            .bind(i64::from(day.index()))
            .bind(period as i64)
            .bind(team.0)
            .bind(i64::from(headcount))
            .bind(purpose)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }
}
