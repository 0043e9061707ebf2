//! Writes a validated [`Dataset`] in one transaction: either all of it lands or none of it.

use crate::{now_ms, Result, Store};
use ensemble_domain::dataset::Dataset;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};
use std::collections::HashMap;

/// Reports progress of a long import: the step's name, rows written so far, rows in all.
pub type ImportProgress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// A value to bind in a bulk insert.
pub(crate) enum V {
    I(i64),
    T(String),
    OT(Option<String>),
    OI(Option<i64>),
}

impl From<i64> for V {
    fn from(v: i64) -> Self {
        V::I(v)
    }
}
impl From<String> for V {
    fn from(v: String) -> Self {
        V::T(v)
    }
}
impl From<&str> for V {
    fn from(v: &str) -> Self {
        V::T(v.to_owned())
    }
}
impl From<Option<String>> for V {
    fn from(v: Option<String>) -> Self {
        V::OT(v)
    }
}
impl From<Option<i64>> for V {
    fn from(v: Option<i64>) -> Self {
        V::OI(v)
    }
}

impl V {
    /// Binds the value to a query.
    pub(crate) fn bind_to<'q>(
        &self,
        q: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        match self {
            V::I(x) => q.bind(*x),
            V::T(x) => q.bind(x.clone()),
            V::OT(x) => q.bind(x.clone()),
            V::OI(x) => q.bind(*x),
        }
    }

    /// Whether a row's column holds the value.
    pub(crate) fn is_in(&self, row: &AnyRow, col: &str) -> Result<bool> {
        Ok(match self {
            V::I(x) => row.try_get::<i64, _>(col)? == *x,
            V::T(x) => row.try_get::<String, _>(col)? == *x,
            V::OT(x) => row.try_get::<Option<String>, _>(col)? == *x,
            V::OI(x) => row.try_get::<Option<i64>, _>(col)? == *x,
        })
    }
}

/// An educator's columns, in the order an insert gives them.
pub(crate) const EDUCATOR_COLS: [&str; 10] = [
    "sourced_id",
    "school_id",
    "given_name",
    "family_name",
    "email",
    "role_type",
    "employment",
    "fte_milli",
    "years_experience",
    "availability",
];

/// Inserts each school's time grid: its days and its periods in order.
pub(crate) async fn insert_grids(
    conn: &mut AnyConnection,
    grids: &[(i64, &ensemble_domain::school::TimeGrid)],
    progress: ImportProgress<'_>,
) -> Result<()> {
    let mut days = Vec::new();
    let mut periods = Vec::new();
    for &(school, grid) in grids {
        for d in grid.days() {
            days.push(vec![V::from(school), i64::from(d.index()).into()]);
        }
        for (i, p) in grid.periods().iter().enumerate() {
            periods.push(vec![
                V::from(school),
                i64::try_from(i).unwrap_or(i64::MAX).into(),
                p.name.as_str().into(),
                i64::from(p.start_minute).into(),
                i64::from(p.end_minute).into(),
                p.kind.as_str().into(),
            ]);
        }
    }
    insert_rows(
        conn,
        "grid_days",
        &["school_id", "day"],
        days,
        "time grid",
        progress,
    )
    .await?;
    let cols = [
        "school_id",
        "idx",
        "name",
        "start_minute",
        "end_minute",
        "kind",
    ];
    insert_rows(conn, "grid_periods", &cols, periods, "time grid", progress).await
}

/// Inserts `rows` into `table` in multi-row statements, reporting progress under `step`.
pub(crate) async fn insert_rows(
    conn: &mut AnyConnection,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<V>>,
    step: &str,
    progress: ImportProgress<'_>,
) -> Result<()> {
    // SQLite allows 32,766 bound values per statement and PostgreSQL 65,535; but sqlx finds
    // each SQLite parameter by name among all of them (quadratic in the statement's size), so
    // SQLite statements stay near 1,000 values (measured: `cargo xtask bench-oneroster`).
    let budget = if conn.backend_name() == "SQLite" {
        1_000
    } else {
        30_000
    };
    let per_stmt = (budget / cols.len()).clamp(1, 1_000);
    let total = rows.len() as u64;
    let mut done = 0u64;
    let mut it = rows.into_iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<Vec<V>> = it.by_ref().take(per_stmt).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
        let mut n = 1;
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&crate::placeholders(n, cols.len()));
            sql.push(')');
            n += cols.len();
        }
        let mut q = sqlx::query::<Any>(&sql);
        for row in chunk.iter() {
            debug_assert_eq!(row.len(), cols.len());
            for v in row {
                q = v.bind_to(q);
            }
        }
        q.execute(&mut *conn).await?;
        done += chunk.len() as u64;
        progress(step, done, total);
    }
    Ok(())
}

/// `sourcedId → id` for the rows of `table` whose `scope_col` is one of `scope`.
pub(crate) async fn id_map(
    conn: &mut AnyConnection,
    table: &str,
    scope_col: &str,
    scope: &[i64],
) -> Result<HashMap<String, i64>> {
    let mut map = HashMap::new();
    for chunk in scope.chunks(500) {
        let sql = format!(
            "SELECT id, sourced_id FROM {table} WHERE {scope_col} IN ({})",
            crate::placeholders(1, chunk.len())
        );
        let rows = crate::bind_ids(sqlx::query(&sql), chunk)
            .fetch_all(&mut *conn)
            .await?;
        for r in rows {
            map.insert(
                r.try_get::<String, _>("sourced_id")?,
                r.try_get::<i64, _>("id")?,
            );
        }
    }
    Ok(map)
}

fn b(x: bool) -> i64 {
    i64::from(x)
}

impl Store {
    /// Validates `ds` and writes it in one transaction. Accounts get `password_hash` (a PHC
    /// string), or none (they cannot log in until a password is set).
    pub async fn import(
        &self,
        ds: &Dataset,
        password_hash: Option<&str>,
        progress: ImportProgress<'_>,
    ) -> Result<()> {
        ds.validate()?;
        let mut tx = self.pool.begin().await?;
        let c: &mut AnyConnection = &mut tx;

        insert_rows(
            c,
            "districts",
            &["sourced_id", "name"],
            ds.districts
                .iter()
                .map(|d| vec![d.sourced_id.as_str().into(), d.name.as_str().into()])
                .collect(),
            "districts",
            progress,
        )
        .await?;
        let mut districts = HashMap::new();
        for d in &ds.districts {
            let id: i64 = sqlx::query_scalar("SELECT id FROM districts WHERE sourced_id = $1")
                .bind(d.sourced_id.as_str())
                .fetch_one(&mut *c)
                .await?;
            districts.insert(d.sourced_id.as_str().to_owned(), id);
        }
        let rows = ds
            .schools
            .iter()
            .map(|s| {
                vec![
                    s.sourced_id.as_str().into(),
                    districts[s.district.as_str()].into(),
                    s.name.as_str().into(),
                    i64::from(s.grade_low).into(),
                    i64::from(s.grade_high).into(),
                    s.time_zone.as_str().into(),
                ]
            })
            .collect();
        insert_rows(
            c,
            "schools",
            &[
                "sourced_id",
                "district_id",
                "name",
                "grade_low",
                "grade_high",
                "time_zone",
            ],
            rows,
            "schools",
            progress,
        )
        .await?;
        let district_ids: Vec<i64> = districts.values().copied().collect();
        let schools = id_map(c, "schools", "district_id", &district_ids).await?;
        let school_ids: Vec<i64> = ds
            .schools
            .iter()
            .map(|s| schools[s.sourced_id.as_str()])
            .collect();

        // Terms: parents first, so that children can refer to them.
        let mut rows = Vec::new();
        for s in &ds.schools {
            for t in s.terms.iter().filter(|t| t.parent.is_none()) {
                rows.push(vec![
                    t.sourced_id.as_str().into(),
                    schools[s.sourced_id.as_str()].into(),
                    V::OI(None),
                    t.kind.as_str().into(),
                    t.name.as_str().into(),
                    t.start_date.as_str().into(),
                    t.end_date.as_str().into(),
                ]);
            }
        }
        let term_cols = [
            "sourced_id",
            "school_id",
            "parent_id",
            "kind",
            "name",
            "start_date",
            "end_date",
        ];
        insert_rows(c, "terms", &term_cols, rows, "terms", progress).await?;
        let mut terms = id_map(c, "terms", "school_id", &school_ids).await?;
        let mut rows = Vec::new();
        for s in &ds.schools {
            for t in s.terms.iter() {
                if let Some(p) = &t.parent {
                    rows.push(vec![
                        t.sourced_id.as_str().into(),
                        schools[s.sourced_id.as_str()].into(),
                        V::OI(terms.get(p.as_str()).copied()),
                        t.kind.as_str().into(),
                        t.name.as_str().into(),
                        t.start_date.as_str().into(),
                        t.end_date.as_str().into(),
                    ]);
                }
            }
        }
        insert_rows(c, "terms", &term_cols, rows, "terms", progress).await?;
        terms = id_map(c, "terms", "school_id", &school_ids).await?;
        for s in &ds.schools {
            sqlx::query("UPDATE schools SET current_term_id = $1 WHERE id = $2")
                .bind(terms[s.current_term.as_str()])
                .bind(schools[s.sourced_id.as_str()])
                .execute(&mut *c)
                .await?;
        }
        let grids: Vec<(i64, &ensemble_domain::school::TimeGrid)> = ds
            .schools
            .iter()
            .map(|s| (schools[s.sourced_id.as_str()], &s.grid))
            .collect();
        insert_grids(c, &grids, progress).await?;

        let rows = ds
            .educators
            .iter()
            .map(|e| {
                vec![
                    e.sourced_id.as_str().into(),
                    schools[e.school.as_str()].into(),
                    e.given_name.as_str().into(),
                    e.family_name.as_str().into(),
                    e.email.clone().into(),
                    e.role_type.as_str().into(),
                    e.employment.as_str().into(),
                    i64::from(e.fte.thousandths()).into(),
                    i64::from(e.years_experience).into(),
                    e.availability.encode().into(),
                ]
            })
            .collect();
        insert_rows(c, "educators", &EDUCATOR_COLS, rows, "educators", progress).await?;
        let educators = id_map(c, "educators", "school_id", &school_ids).await?;
        let mut expertise = Vec::new();
        let mut competencies = Vec::new();
        for e in &ds.educators {
            let id = educators[e.sourced_id.as_str()];
            for x in &e.expertise {
                expertise.push(vec![
                    id.into(),
                    x.subject.as_str().into(),
                    i64::from(x.level).into(),
                ]);
            }
            for x in &e.competencies {
                competencies.push(vec![
                    id.into(),
                    x.code.as_str().into(),
                    i64::from(x.level).into(),
                    x.evidence.as_str().into(),
                    x.source.as_str().into(),
                ]);
            }
        }
        insert_rows(
            c,
            "educator_expertise",
            &["educator_id", "subject", "level"],
            expertise,
            "educator expertise",
            progress,
        )
        .await?;
        insert_rows(
            c,
            "educator_competencies",
            &["educator_id", "code", "level", "evidence", "source"],
            competencies,
            "educator competencies",
            progress,
        )
        .await?;

        let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        let rows = ds
            .students
            .iter()
            .map(|s| {
                vec![
                    s.sourced_id.as_str().into(),
                    schools[s.school.as_str()].into(),
                    s.given_name.as_str().into(),
                    s.family_name.as_str().into(),
                    i64::from(s.grade).into(),
                    json(&s.profile.interests).into(),
                    json(&s.profile.strengths).into(),
                ]
            })
            .collect();
        insert_rows(
            c,
            "students",
            &[
                "sourced_id",
                "school_id",
                "given_name",
                "family_name",
                "grade",
                "interests",
                "strengths",
            ],
            rows,
            "students",
            progress,
        )
        .await?;
        let students = id_map(c, "students", "school_id", &school_ids).await?;
        let rows = ds
            .students
            .iter()
            .map(|s| {
                let (n, d) = (&s.needs, &s.demographics);
                vec![
                    students[s.sourced_id.as_str()].into(),
                    b(n.iep).into(),
                    b(n.plan_504).into(),
                    b(n.english_learner).into(),
                    n.ell_proficiency.map(i64::from).into(),
                    n.health.clone().into(),
                    json(&n.services).into(),
                    d.birth_date.clone().into(),
                    d.gender.clone().into(),
                    d.race_ethnicity.clone().into(),
                    d.home_language.clone().into(),
                    b(d.free_reduced_lunch).into(),
                    json(&n.accommodations).into(),
                ]
            })
            .collect();
        insert_rows(
            c,
            "student_sensitive",
            &[
                "student_id",
                "iep",
                "plan_504",
                "english_learner",
                "ell_proficiency",
                "health",
                "services",
                "birth_date",
                "gender",
                "race_ethnicity",
                "home_language",
                "free_reduced_lunch",
                "accommodations",
            ],
            rows,
            "student needs",
            progress,
        )
        .await?;

        let rows = ds
            .teams
            .iter()
            .map(|t| {
                vec![
                    t.sourced_id.as_str().into(),
                    schools[t.school.as_str()].into(),
                    terms[t.term.as_str()].into(),
                    t.name.as_str().into(),
                    t.kind.as_str().into(),
                    t.description.as_str().into(),
                ]
            })
            .collect();
        insert_rows(
            c,
            "teams",
            &[
                "sourced_id",
                "school_id",
                "term_id",
                "name",
                "kind",
                "description",
            ],
            rows,
            "teams",
            progress,
        )
        .await?;
        let teams = id_map(c, "teams", "school_id", &school_ids).await?;
        let mut members = Vec::new();
        let mut roster = Vec::new();
        for t in &ds.teams {
            let tid = teams[t.sourced_id.as_str()];
            for (e, role) in &t.members {
                members.push(vec![
                    tid.into(),
                    educators[e.as_str()].into(),
                    role.as_str().into(),
                ]);
            }
            for s in &t.roster {
                roster.push(vec![
                    terms[t.term.as_str()].into(),
                    students[s.as_str()].into(),
                    tid.into(),
                ]);
            }
        }
        insert_rows(
            c,
            "team_members",
            &["team_id", "educator_id", "member_role"],
            members,
            "team members",
            progress,
        )
        .await?;
        insert_rows(
            c,
            "roster_entries",
            &["term_id", "student_id", "team_id"],
            roster,
            "rosters",
            progress,
        )
        .await?;
        let rows = ds
            .services
            .iter()
            .map(|s| {
                vec![
                    educators[s.educator.as_str()].into(),
                    students[s.student.as_str()].into(),
                    terms[s.term.as_str()].into(),
                    s.service.as_str().into(),
                ]
            })
            .collect();
        insert_rows(
            c,
            "service_assignments",
            &["educator_id", "student_id", "term_id", "service"],
            rows,
            "services",
            progress,
        )
        .await?;

        // Spaces: rooms first, then zones that refer to them.
        let space_cols = [
            "sourced_id",
            "school_id",
            "parent_id",
            "name",
            "kind",
            "capacity",
        ];
        let rows = ds
            .spaces
            .iter()
            .filter(|s| s.parent.is_none())
            .map(|s| {
                vec![
                    s.sourced_id.as_str().into(),
                    schools[s.school.as_str()].into(),
                    V::OI(None),
                    s.name.as_str().into(),
                    s.kind.as_str().into(),
                    i64::from(s.capacity).into(),
                ]
            })
            .collect();
        insert_rows(c, "spaces", &space_cols, rows, "spaces", progress).await?;
        let rooms = id_map(c, "spaces", "school_id", &school_ids).await?;
        let rows = ds
            .spaces
            .iter()
            .filter_map(|s| {
                let parent = rooms.get(s.parent.as_ref()?.as_str()).copied();
                Some(vec![
                    s.sourced_id.as_str().into(),
                    schools[s.school.as_str()].into(),
                    V::OI(parent),
                    s.name.as_str().into(),
                    s.kind.as_str().into(),
                    i64::from(s.capacity).into(),
                ])
            })
            .collect();
        insert_rows(c, "spaces", &space_cols, rows, "spaces", progress).await?;
        let spaces = id_map(c, "spaces", "school_id", &school_ids).await?;
        let rows = ds
            .bookings
            .iter()
            .map(|bk| {
                vec![
                    spaces[bk.space.as_str()].into(),
                    terms[bk.term.as_str()].into(),
                    i64::from(bk.day.index()).into(),
                    (bk.period as i64).into(),
                    teams[bk.team.as_str()].into(),
                    i64::from(bk.headcount).into(),
                    bk.purpose.as_str().into(),
                ]
            })
            .collect();
        insert_rows(
            c,
            "space_bookings",
            &[
                "space_id",
                "term_id",
                "day",
                "period_idx",
                "team_id",
                "headcount",
                "purpose",
            ],
            rows,
            "space bookings",
            progress,
        )
        .await?;

        let now = now_ms();
        let rows = ds
            .accounts
            .iter()
            .map(|a| {
                vec![
                    a.email.to_ascii_lowercase().into(),
                    a.display_name.as_str().into(),
                    password_hash.map(str::to_owned).into(),
                    a.system_role.as_str().into(),
                    a.school.as_ref().map(|s| schools[s.as_str()]).into(),
                    a.educator.as_ref().map(|e| educators[e.as_str()]).into(),
                    now.into(),
                ]
            })
            .collect();
        insert_rows(
            c,
            "users",
            &[
                "email",
                "display_name",
                "password_hash",
                "system_role",
                "school_id",
                "educator_id",
                "created_at",
            ],
            rows,
            "accounts",
            progress,
        )
        .await?;

        tx.commit().await?;
        // Keep the planner's statistics fresh after a bulk load.
        if self.backend == crate::Backend::Postgres {
            sqlx::query("ANALYZE").execute(&self.pool).await?;
        } else {
            sqlx::query("PRAGMA optimize").execute(&self.pool).await?;
        }
        Ok(())
    }
}
