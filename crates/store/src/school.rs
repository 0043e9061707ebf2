//! Reads of a school's structure: schools, terms, the time grid, teams and their members,
//! educators, spaces and bookings. None of these is student data.

use crate::cache::{Fresh, Slot, Value};
use crate::{parse_col, Loaded, Result, Store};
use ensemble_domain::access::TeamFacts;
use ensemble_domain::*;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::sync::Arc;

#[derive(Clone, Debug, Serialize)]
pub struct TermRow {
    pub id: TermId,
    pub sourced_id: String,
    pub name: String,
    pub kind: TermKind,
    pub start_date: String,
    pub end_date: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SchoolRow {
    pub id: SchoolId,
    pub sourced_id: String,
    pub name: String,
    pub district: String,
    pub grade_low: Grade,
    pub grade_high: Grade,
    pub current_term: Option<TermRow>,
    pub students: i64,
    pub educators: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TeamSummary {
    pub id: TeamId,
    pub sourced_id: String,
    pub school: SchoolId,
    pub term: TermId,
    pub name: String,
    pub kind: TeamKind,
    pub description: String,
    pub members: i64,
    pub roster_size: i64,
    /// The name of the team's lead, if it has one.
    pub lead: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TeamMemberRow {
    pub educator: EducatorId,
    pub name: String,
    pub email: Option<String>,
    pub role_type: RoleType,
    pub member_role: TeamMemberRole,
    pub employment: Employment,
    pub fte_milli: i64,
    pub years_experience: i64,
    /// Content areas at level 3 or above.
    pub expertise: Vec<String>,
    /// When they are at school in the week.
    pub availability: WeeklyAvailability,
}

#[derive(Clone, Debug, Serialize)]
pub struct TeamDetail {
    pub team: TeamSummary,
    pub members: Vec<TeamMemberRow>,
}

impl TeamDetail {
    /// What the access policy needs to know about the team.
    pub fn facts(&self) -> TeamFacts {
        TeamFacts {
            team: self.team.id,
            school: self.team.school,
            kind: self.team.kind,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SpaceRow {
    pub id: SpaceId,
    pub name: String,
    pub kind: SpaceKind,
    pub capacity: i64,
    pub parent: Option<SpaceId>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BookingRow {
    pub id: i64,
    pub school: SchoolId,
    pub space: SpaceId,
    pub space_name: String,
    pub team: TeamId,
    pub team_name: String,
    pub day: DayOfWeek,
    pub period: usize,
    pub headcount: i64,
    pub purpose: String,
}

/// How one period of the week uses the school's spaces.
#[derive(Clone, Debug, Serialize)]
pub struct SlotUse {
    pub day: DayOfWeek,
    pub period: usize,
    pub teams: i64,
    pub students: i64,
    pub seats: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct EducatorTeam {
    pub team: TeamId,
    pub name: String,
    pub kind: TeamKind,
    pub member_role: TeamMemberRole,
}

#[derive(Clone, Debug, Serialize)]
pub struct EducatorDetail {
    pub id: EducatorId,
    pub sourced_id: String,
    pub school: SchoolId,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub role_type: RoleType,
    pub employment: Employment,
    pub fte_milli: i64,
    pub years_experience: i64,
    pub availability: WeeklyAvailability,
    pub expertise: Vec<ContentExpertise>,
    pub competencies: Vec<Competency>,
    pub teams: Vec<EducatorTeam>,
    /// How many students this educator serves through service assignments this term.
    pub students_served: i64,
}

fn team_summary(r: &AnyRow) -> Result<TeamSummary> {
    Ok(TeamSummary {
        id: TeamId(r.try_get("id")?),
        sourced_id: r.try_get("sourced_id")?,
        school: SchoolId(r.try_get("school_id")?),
        term: TermId(r.try_get("term_id")?),
        name: r.try_get("name")?,
        kind: parse_col(
            "team kind",
            TeamKind::parse(&r.try_get::<String, _>("kind")?),
        )?,
        description: r.try_get("description")?,
        members: r.try_get("members")?,
        roster_size: r.try_get("roster_size")?,
        lead: r.try_get("lead")?,
    })
}

fn booking_row(r: &AnyRow) -> Result<BookingRow> {
    Ok(BookingRow {
        id: r.try_get("id")?,
        school: SchoolId(r.try_get("school_id")?),
        space: SpaceId(r.try_get("space_id")?),
        space_name: r.try_get("space_name")?,
        team: TeamId(r.try_get("team_id")?),
        team_name: r.try_get("team_name")?,
        day: parse_col("day", DayOfWeek::from_index(r.try_get("day")?))?,
        period: parse_col(
            "period",
            usize::try_from(r.try_get::<i64, _>("period_idx")?),
        )?,
        headcount: r.try_get("headcount")?,
        purpose: r.try_get("purpose")?,
    })
}

const TEAM_SUMMARY_SQL: &str =
    "SELECT t.id, t.sourced_id, t.school_id, t.term_id, t.name, t.kind, t.description,
        (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id) AS members,
        (SELECT COUNT(*) FROM roster_entries r WHERE r.team_id = t.id) AS roster_size,
        (SELECT MIN(e.given_name || ' ' || e.family_name) FROM team_members m JOIN educators e ON e.id = m.educator_id
          WHERE m.team_id = t.id AND m.member_role = 'lead') AS lead
     FROM teams t JOIN schools s ON s.id = t.school_id";

impl Store {
    /// Every school, with its current term and head counts.
    pub async fn schools(&self) -> Result<Vec<SchoolRow>> {
        self.schools_where("", None).await
    }

    pub async fn school(&self, id: SchoolId) -> Result<Option<SchoolRow>> {
        Ok(self
            .schools_where("WHERE s.id = $1", Some(id.0))
            .await?
            .into_iter()
            .next())
    }

    async fn schools_where(&self, filter: &str, arg: Option<i64>) -> Result<Vec<SchoolRow>> {
        let sql = format!(
            "SELECT s.id, s.sourced_id, s.name, d.name AS district, s.grade_low, s.grade_high,
                    t.id AS term_id, t.sourced_id AS term_sid, t.name AS term_name, t.kind AS term_kind,
                    t.start_date, t.end_date,
                    (SELECT COUNT(*) FROM students x WHERE x.school_id = s.id) AS students,
                    (SELECT COUNT(*) FROM educators x WHERE x.school_id = s.id) AS educators
             FROM schools s JOIN districts d ON d.id = s.district_id
             LEFT JOIN terms t ON t.id = s.current_term_id {filter} ORDER BY s.name"
        );
        let mut q = sqlx::query(&sql);
        if let Some(a) = arg {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let term = match r.try_get::<Option<i64>, _>("term_id")? {
                    Some(id) => Some(TermRow {
                        id: TermId(id),
                        sourced_id: r.try_get("term_sid")?,
                        name: r.try_get("term_name")?,
                        kind: parse_col(
                            "term kind",
                            TermKind::parse(&r.try_get::<String, _>("term_kind")?),
                        )?,
                        start_date: r.try_get("start_date")?,
                        end_date: r.try_get("end_date")?,
                    }),
                    None => None,
                };
                Ok(SchoolRow {
                    id: SchoolId(r.try_get("id")?),
                    sourced_id: r.try_get("sourced_id")?,
                    name: r.try_get("name")?,
                    district: r.try_get("district")?,
                    grade_low: parse_col("grade", Grade::new(r.try_get("grade_low")?))?,
                    grade_high: parse_col("grade", Grade::new(r.try_get("grade_high")?))?,
                    current_term: term,
                    students: r.try_get("students")?,
                    educators: r.try_get("educators")?,
                })
            })
            .collect()
    }

    /// What the caller derives from this version's data under `key` (a kind and an id, such as
    /// `("published week", school)`), kept in memory until the version moves on: `make` runs
    /// when nothing is kept yet. Only for values every reader may see alike — the caller checks
    /// access on each use.
    pub async fn memo<T, F, Fut, E>(
        &self,
        fresh: Fresh,
        key: (&'static str, i64),
        make: F,
    ) -> std::result::Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, E>>,
    {
        if let Some(v) = self
            .cache
            .memo(fresh, key)
            .and_then(|v| v.downcast::<T>().ok())
        {
            return Ok(v);
        }
        let v = Arc::new(make().await?);
        self.cache.put_memo(fresh, key, v.clone());
        Ok(v)
    }

    /// [`Store::grid`], from memory when read at this version.
    pub async fn grid_at(&self, fresh: Fresh, school: SchoolId) -> Result<Option<TimeGrid>> {
        if let Some(Value::Grid(g)) = self.cache.get(fresh, &Slot::Grid(school)) {
            return Ok(g);
        }
        let g = self.grid(school).await?;
        self.cache
            .put(fresh, Slot::Grid(school), Value::Grid(g.clone()));
        Ok(g)
    }

    /// [`Store::team`], from memory when read at this version.
    pub async fn team_at(&self, fresh: Fresh, id: TeamId) -> Result<Option<TeamDetail>> {
        if let Some(Value::Team(t)) = self.cache.get(fresh, &Slot::Team(id)) {
            return Ok(t);
        }
        let t = self.team(id).await?;
        self.cache
            .put(fresh, Slot::Team(id), Value::Team(t.clone()));
        Ok(t)
    }

    /// [`Store::team_bookings`], from memory when read at this version.
    pub async fn team_bookings_at(&self, fresh: Fresh, team: TeamId) -> Result<Loaded<BookingRow>> {
        if let Some(Value::Bookings(b)) = self.cache.get(fresh, &Slot::Bookings(team)) {
            return Ok(b);
        }
        let b = self.team_bookings(team).await?;
        self.cache
            .put(fresh, Slot::Bookings(team), Value::Bookings(b.clone()));
        Ok(b)
    }

    /// The school's weekly time grid.
    pub async fn grid(&self, school: SchoolId) -> Result<Option<TimeGrid>> {
        let days: Vec<i64> =
            sqlx::query_scalar("SELECT day FROM grid_days WHERE school_id = $1 ORDER BY day")
                .bind(school.0)
                .fetch_all(&self.pool)
                .await?;
        if days.is_empty() {
            return Ok(None);
        }
        let rows = sqlx::query("SELECT name, start_minute, end_minute, kind FROM grid_periods WHERE school_id = $1 ORDER BY idx").bind(school.0).fetch_all(&self.pool).await?;
        let mut periods = Vec::new();
        for r in rows {
            periods.push(Period {
                name: r.try_get("name")?,
                start_minute: parse_col(
                    "start minute",
                    u16::try_from(r.try_get::<i64, _>("start_minute")?),
                )?,
                end_minute: parse_col(
                    "end minute",
                    u16::try_from(r.try_get::<i64, _>("end_minute")?),
                )?,
                kind: parse_col(
                    "period kind",
                    PeriodKind::parse(&r.try_get::<String, _>("kind")?),
                )?,
            });
        }
        let days = days
            .into_iter()
            .map(DayOfWeek::from_index)
            .collect::<std::result::Result<Vec<_>, _>>();
        Ok(Some(parse_col(
            "time grid",
            TimeGrid::new(parse_col("grid day", days)?, periods),
        )?))
    }

    /// The teams of a school's current term (or of every school, for `None`), core teams first;
    /// a team that cannot be read is left out and named.
    pub async fn teams(&self, school: Option<SchoolId>) -> Result<Loaded<TeamSummary>> {
        let sql = format!(
            "{TEAM_SUMMARY_SQL} WHERE t.term_id = s.current_term_id {} ORDER BY s.name, CASE t.kind WHEN 'core' THEN 0 ELSE 1 END, t.name",
            if school.is_some() { "AND t.school_id = $1" } else { "" }
        );
        let mut q = sqlx::query(&sql);
        if let Some(s) = school {
            q = q.bind(s.0);
        }
        let mut out = Loaded::default();
        for r in q.fetch_all(&self.pool).await? {
            out.push("team", r.try_get("id")?, team_summary(&r));
        }
        Ok(out)
    }

    /// The teams of one term of a school, core teams first (a plan applied to next term makes
    /// them before the term begins).
    pub async fn teams_in_term(
        &self,
        school: SchoolId,
        term: TermId,
    ) -> Result<Loaded<TeamSummary>> {
        let sql = format!(
            "{TEAM_SUMMARY_SQL} WHERE t.school_id = $1 AND t.term_id = $2 ORDER BY CASE t.kind WHEN 'core' THEN 0 ELSE 1 END, t.name"
        );
        let mut out = Loaded::default();
        for r in sqlx::query(&sql)
            .bind(school.0)
            .bind(term.0)
            .fetch_all(&self.pool)
            .await?
        {
            out.push("team", r.try_get("id")?, team_summary(&r));
        }
        Ok(out)
    }

    /// One team with its members.
    pub async fn team(&self, id: TeamId) -> Result<Option<TeamDetail>> {
        let sql = format!("{TEAM_SUMMARY_SQL} WHERE t.id = $1");
        let Some(row) = sqlx::query(&sql)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let team = team_summary(&row)?;
        let rows = sqlx::query(
            "SELECT e.id, e.given_name, e.family_name, e.email, e.role_type, e.employment, e.fte_milli, e.years_experience, e.availability, m.member_role
             FROM team_members m JOIN educators e ON e.id = m.educator_id
             WHERE m.team_id = $1
             ORDER BY CASE m.member_role WHEN 'lead' THEN 0 ELSE 1 END, e.family_name, e.given_name",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        let ids: Vec<i64> = rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        let expertise = self.expertise_of(&ids).await?;
        let mut members = Vec::new();
        for r in rows {
            let eid: i64 = r.try_get("id")?;
            members.push(TeamMemberRow {
                educator: EducatorId(eid),
                name: format!(
                    "{} {}",
                    r.try_get::<String, _>("given_name")?,
                    r.try_get::<String, _>("family_name")?
                ),
                email: r.try_get("email")?,
                role_type: parse_col(
                    "role type",
                    RoleType::parse(&r.try_get::<String, _>("role_type")?),
                )?,
                member_role: parse_col(
                    "team role",
                    TeamMemberRole::parse(&r.try_get::<String, _>("member_role")?),
                )?,
                employment: parse_col(
                    "employment",
                    Employment::parse(&r.try_get::<String, _>("employment")?),
                )?,
                fte_milli: r.try_get("fte_milli")?,
                years_experience: r.try_get("years_experience")?,
                expertise: expertise
                    .iter()
                    .filter(|(e, _, l)| *e == eid && *l >= 3)
                    .map(|(_, s, _)| s.clone())
                    .collect(),
                availability: parse_col(
                    "availability",
                    WeeklyAvailability::decode(&r.try_get::<String, _>("availability")?),
                )?,
            });
        }
        Ok(Some(TeamDetail { team, members }))
    }

    async fn expertise_of(&self, educators: &[i64]) -> Result<Vec<(i64, String, i64)>> {
        if educators.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT educator_id, subject, level FROM educator_expertise WHERE educator_id IN ({}) ORDER BY level DESC, subject",
            crate::placeholders(1, educators.len())
        );
        let rows = crate::bind_ids(sqlx::query(&sql), educators)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("educator_id")?,
                    r.try_get("subject")?,
                    r.try_get("level")?,
                ))
            })
            .collect()
    }

    /// The school's spaces, rooms before their zones; a space that cannot be read is left out
    /// and named.
    pub async fn spaces(&self, school: SchoolId) -> Result<Loaded<SpaceRow>> {
        let rows = sqlx::query("SELECT id, name, kind, capacity, parent_id FROM spaces WHERE school_id = $1 ORDER BY COALESCE(parent_id, id), parent_id IS NOT NULL, name")
            .bind(school.0)
            .fetch_all(&self.pool)
            .await?;
        let mut out = Loaded::default();
        for r in &rows {
            let space = (|| {
                Ok(SpaceRow {
                    id: SpaceId(r.try_get("id")?),
                    name: r.try_get("name")?,
                    kind: parse_col(
                        "space kind",
                        SpaceKind::parse(&r.try_get::<String, _>("kind")?),
                    )?,
                    capacity: r.try_get("capacity")?,
                    parent: r.try_get::<Option<i64>, _>("parent_id")?.map(SpaceId),
                })
            })();
            out.push("space", r.try_get("id")?, space);
        }
        Ok(out)
    }

    /// One space's school (for deciding who may see its bookings).
    pub async fn space_school(&self, space: SpaceId) -> Result<Option<SchoolId>> {
        let s: Option<i64> = sqlx::query_scalar("SELECT school_id FROM spaces WHERE id = $1")
            .bind(space.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(s.map(SchoolId))
    }

    /// A team's space bookings in its term; a booking that cannot be read is left out and
    /// named.
    pub async fn team_bookings(&self, team: TeamId) -> Result<Loaded<BookingRow>> {
        self.bookings_where("b.team_id = $1 AND b.term_id = t.term_id", team.0)
            .await
    }

    /// A space's bookings in its school's current term.
    pub async fn space_bookings(&self, space: SpaceId) -> Result<Loaded<BookingRow>> {
        self.bookings_where(
            "b.space_id = $1 AND b.term_id = (SELECT current_term_id FROM schools WHERE id = s.school_id)",
            space.0,
        )
        .await
    }

    /// One booking.
    pub async fn booking(&self, id: i64) -> Result<Option<BookingRow>> {
        let mut found = self.bookings_where("b.id = $1", id).await?;
        if let Some(bad) = found.unreadable.pop() {
            return Err(crate::StoreError::Corrupt(bad.to_string()));
        }
        Ok(found.rows.pop())
    }

    async fn bookings_where(&self, filter: &str, arg: i64) -> Result<Loaded<BookingRow>> {
        let rows = sqlx::query(&format!(
            "SELECT b.id, t.school_id, b.space_id, s.name AS space_name, b.team_id, t.name AS team_name, b.day, b.period_idx, b.headcount, b.purpose
             FROM space_bookings b JOIN spaces s ON s.id = b.space_id JOIN teams t ON t.id = b.team_id
             WHERE {filter} ORDER BY b.day, b.period_idx, s.name, b.id"
        ))
        .bind(arg)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Loaded::default();
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            out.push("booking", id, booking_row(r));
        }
        Ok(out)
    }

    /// For each day and period of the current term: how many teams use the school's spaces,
    /// with how many students, and how many seats those spaces hold (zones count inside their
    /// room, not on top of it). Slots that cannot be read (a day or period out of range) are
    /// left out and named.
    pub async fn space_use(&self, school: SchoolId) -> Result<Loaded<SlotUse>> {
        let rows = sqlx::query(
            "SELECT b.day, b.period_idx, COUNT(DISTINCT b.team_id) AS teams,
                    CAST(SUM(b.headcount) AS BIGINT) AS students, CAST(SUM(sp.capacity) AS BIGINT) AS seats
             FROM space_bookings b JOIN spaces sp ON sp.id = b.space_id JOIN schools s ON s.id = sp.school_id
             WHERE sp.school_id = $1 AND b.term_id = s.current_term_id
             GROUP BY b.day, b.period_idx ORDER BY b.day, b.period_idx",
        )
        .bind(school.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Loaded::default();
        for r in &rows {
            let slot = (|| {
                Ok(SlotUse {
                    day: parse_col("day", DayOfWeek::from_index(r.try_get("day")?))?,
                    period: parse_col(
                        "period",
                        usize::try_from(r.try_get::<i64, _>("period_idx")?),
                    )?,
                    teams: r.try_get("teams")?,
                    students: r.try_get("students")?,
                    seats: r.try_get("seats")?,
                })
            })();
            out.push("booked slot", r.try_get::<i64, _>("period_idx")?, slot);
        }
        Ok(out)
    }

    /// One educator with competencies, expertise and current teams.
    pub async fn educator(&self, id: EducatorId) -> Result<Option<EducatorDetail>> {
        let Some(r) = sqlx::query(
            "SELECT e.*, (SELECT COUNT(DISTINCT a.student_id) FROM service_assignments a JOIN schools s ON s.id = e.school_id
                          WHERE a.educator_id = e.id AND a.term_id = s.current_term_id) AS served
             FROM educators e WHERE e.id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let expertise = self
            .expertise_of(&[id.0])
            .await?
            .into_iter()
            .map(|(_, subject, level)| {
                Ok(ContentExpertise {
                    subject,
                    level: parse_col("level", Level::new(level))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let comp_rows = sqlx::query("SELECT code, level, evidence, source FROM educator_competencies WHERE educator_id = $1 ORDER BY level DESC, code")
            .bind(id.0)
            .fetch_all(&self.pool)
            .await?;
        let competencies = comp_rows
            .iter()
            .map(crate::competency_row)
            .collect::<Result<Vec<_>>>()?;
        let team_rows = sqlx::query(
            "SELECT t.id, t.name, t.kind, m.member_role FROM team_members m JOIN teams t ON t.id = m.team_id
             JOIN schools s ON s.id = t.school_id WHERE m.educator_id = $1 AND t.term_id = s.current_term_id ORDER BY t.kind, t.name",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        let mut teams = Vec::new();
        for t in team_rows {
            teams.push(EducatorTeam {
                team: TeamId(t.try_get("id")?),
                name: t.try_get("name")?,
                kind: parse_col(
                    "team kind",
                    TeamKind::parse(&t.try_get::<String, _>("kind")?),
                )?,
                member_role: parse_col(
                    "team role",
                    TeamMemberRole::parse(&t.try_get::<String, _>("member_role")?),
                )?,
            });
        }
        let employment = parse_col(
            "employment",
            Employment::parse(&r.try_get::<String, _>("employment")?),
        )?;
        Ok(Some(EducatorDetail {
            id,
            sourced_id: r.try_get("sourced_id")?,
            school: SchoolId(r.try_get("school_id")?),
            given_name: r.try_get("given_name")?,
            family_name: r.try_get("family_name")?,
            email: r.try_get("email")?,
            role_type: parse_col(
                "role type",
                RoleType::parse(&r.try_get::<String, _>("role_type")?),
            )?,
            employment,
            fte_milli: r.try_get("fte_milli")?,
            years_experience: r.try_get("years_experience")?,
            availability: parse_col(
                "availability",
                WeeklyAvailability::decode(&r.try_get::<String, _>("availability")?),
            )?,
            expertise,
            competencies,
            teams,
            students_served: r.try_get("served")?,
        }))
    }

    /// Every educator of a school (id, name, role type), for pickers.
    pub async fn educators_of(
        &self,
        school: SchoolId,
    ) -> Result<Vec<(EducatorId, String, RoleType)>> {
        let rows = sqlx::query("SELECT id, given_name, family_name, role_type FROM educators WHERE school_id = $1 ORDER BY family_name, given_name")
            .bind(school.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    EducatorId(r.try_get("id")?),
                    format!(
                        "{} {}",
                        r.try_get::<String, _>("given_name")?,
                        r.try_get::<String, _>("family_name")?
                    ),
                    parse_col(
                        "role type",
                        RoleType::parse(&r.try_get::<String, _>("role_type")?),
                    )?,
                ))
            })
            .collect()
    }
}
