//! OneRoster bundles in and out: a [`Plan`] applied in one transaction — what is new inserted
//! in bulk, what changed updated, what the bundle deletes (or a bulk file leaves out of its
//! schools) removed — with the tally of each kind, audited in the same transaction; and the
//! store read back as a plan for the writer.

use crate::audit::{self, actions, AuditEntry};
use crate::import::{id_map, insert_grids, insert_rows, ImportProgress, EDUCATOR_COLS, V};
use crate::{now_ms, parse_col, Result, Store, StoreError};
use ensemble_domain::educator::{Employment, RoleType, WeeklyAvailability};
use ensemble_domain::school::{DayOfWeek, TermKind, TimeGrid};
use ensemble_domain::team::{check_composition, TeamKind, TeamMemberRole, TeamSeat};
use ensemble_domain::{EducatorId, SchoolId, StudentId, TeamId, UserId};
use ensemble_oneroster::map::{self, Plan};
use ensemble_oneroster::propose::{ClassInput, Proposal};
use ensemble_oneroster::Ref;
use serde::{Deserialize, Serialize};
use sqlx::{Any, AnyConnection, Row};
use std::collections::BTreeSet;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How many records of one kind an import adds, changes and removes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub new: u64,
    pub changed: u64,
    pub removed: u64,
}

/// What an import did (or, in a dry run, would do), kind by kind, in a fixed order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub kinds: Vec<(String, Tally)>,
    pub warnings: Vec<String>,
    /// Core teams proposed from co-teaching, waiting for a leader.
    pub proposals: u64,
}

impl ImportSummary {
    fn tally(&mut self, kind: &str) -> &mut Tally {
        if let Some(i) = self.kinds.iter().position(|(k, _)| k == kind) {
            &mut self.kinds[i].1
        } else {
            self.kinds.push((kind.to_owned(), Tally::default()));
            let last = self.kinds.len() - 1;
            &mut self.kinds[last].1
        }
    }

    /// The tally of one kind.
    pub fn of(&self, kind: &str) -> Tally {
        self.kinds
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, t)| *t)
            .unwrap_or_default()
    }

    /// True when the import changed nothing.
    pub fn unchanged(&self) -> bool {
        self.kinds
            .iter()
            .all(|(_, t)| t.new == 0 && t.changed == 0 && t.removed == 0)
    }
}

/// The kinds, in the order imports report them.
pub const KINDS: [&str; 11] = [
    "districts",
    "schools",
    "terms",
    "educators",
    "students",
    "demographics",
    "accounts",
    "classes",
    "enrollments",
    "teams",
    "roster entries",
];

fn list(v: &[String]) -> String {
    v.join(",")
}

fn split(v: &str) -> Vec<String> {
    ensemble_oneroster::read::split_list(v)
}

/// The sourcedIds already in the database, for a delta bundle's references.
#[derive(Debug, Default)]
pub struct Known {
    sets: HashMap<Ref, HashSet<String>>,
}

impl Known {
    pub fn has(&self, r: Ref, id: &str) -> bool {
        self.sets.get(&r).is_some_and(|s| s.contains(id))
    }
}

async fn strings(conn: &mut AnyConnection, sql: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar::<_, String>(sql)
        .fetch_all(&mut *conn)
        .await?)
}

/// Deletes students and what hangs on them.
async fn delete_students(c: &mut AnyConnection, ids: &[i64]) -> Result<()> {
    for chunk in ids.chunks(500) {
        for table in [
            "roster_entries",
            "service_assignments",
            "student_sensitive",
            "student_choices",
            "assessments",
        ] {
            let sql = format!(
                "DELETE FROM {table} WHERE student_id IN ({})",
                crate::placeholders(1, chunk.len())
            );
            crate::bind_ids(sqlx::query(&sql), chunk)
                .execute(&mut *c)
                .await?;
        }
        let sql = format!(
            "DELETE FROM students WHERE id IN ({})",
            crate::placeholders(1, chunk.len())
        );
        crate::bind_ids(sqlx::query(&sql), chunk)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// Deletes educators and what hangs on them; their accounts stay, unlinked.
async fn delete_educators(c: &mut AnyConnection, ids: &[i64]) -> Result<()> {
    for chunk in ids.chunks(500) {
        let ph = crate::placeholders(1, chunk.len());
        // Credentials they earned go with them (the signed copies they hold stay valid).
        for table in [
            "pathway_standings",
            "issued_credentials",
            "credential_submissions",
            "team_members",
            "educator_expertise",
            "educator_competencies",
            "service_assignments",
            "absences",
        ] {
            let sql = format!("DELETE FROM {table} WHERE educator_id IN ({ph})");
            crate::bind_ids(sqlx::query(&sql), chunk)
                .execute(&mut *c)
                .await?;
        }
        let sql = format!("UPDATE users SET educator_id = NULL WHERE educator_id IN ({ph})");
        crate::bind_ids(sqlx::query(&sql), chunk)
            .execute(&mut *c)
            .await?;
        let sql = format!("DELETE FROM educators WHERE id IN ({ph})");
        crate::bind_ids(sqlx::query(&sql), chunk)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

fn grade_i64(g: u8) -> i64 {
    i64::from(g)
}

/// Applies a plan with every kind in the tally (zero counts too); returns what was removed.
async fn apply_tallied(
    tx: &mut sqlx::Transaction<'static, Any>,
    plan: &Plan,
    progress: ImportProgress<'_>,
) -> Result<(ImportSummary, Vec<String>)> {
    let mut sum = ImportSummary {
        warnings: plan.warnings.clone(),
        ..Default::default()
    };
    for k in KINDS {
        sum.tally(k);
    }
    let removed = apply(tx, plan, &mut sum, progress).await?;
    Ok((sum, removed))
}

/// The audit entry of an import: who, the tally and the sourcedIds removed.
async fn audit_import(
    c: &mut AnyConnection,
    entry: &AuditEntry,
    what: &str,
    target: Option<i64>,
    sum: &ImportSummary,
    removed: &[String],
) -> Result<()> {
    let mut e = entry.clone();
    e.action = actions::ONEROSTER_IMPORT;
    e.target_kind = "import";
    e.target_id = target.or(e.target_id);
    e.detail = format!("{what}: {}", describe(sum));
    if !removed.is_empty() {
        e.detail
            .push_str(&format!("; removed {}", removed.join(", ")));
    }
    audit::write(c, &e).await
}

/// A table's ids by sourcedId, for the whole table or one school's rows.
async fn ids_by_sid(
    c: &mut AnyConnection,
    table: &str,
    school: Option<i64>,
) -> Result<HashMap<String, i64>> {
    let sql = match school {
        None => format!("SELECT sourced_id, id FROM {table}"),
        Some(_) => format!("SELECT sourced_id, id FROM {table} WHERE school_id = $1"),
    };
    let mut q = sqlx::query(&sql);
    if let Some(s) = school {
        q = q.bind(s);
    }
    q.fetch_all(&mut *c)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

impl Store {
    /// The sourcedIds Ensemble already holds, by the kind of record a bundle refers to.
    pub async fn oneroster_known(&self) -> Result<Known> {
        let mut c = self.pool.acquire().await?;
        let mut k = Known::default();
        let mut put = |r: Ref, v: Vec<String>| k.sets.entry(r).or_default().extend(v);
        put(
            Ref::Session,
            strings(
                &mut c,
                "SELECT COALESCE(session_sourced_id, sourced_id) FROM terms",
            )
            .await?,
        );
        put(
            Ref::Org,
            strings(&mut c, "SELECT sourced_id FROM districts").await?,
        );
        put(
            Ref::Org,
            strings(&mut c, "SELECT sourced_id FROM schools").await?,
        );
        put(
            Ref::School,
            strings(&mut c, "SELECT sourced_id FROM schools").await?,
        );
        put(
            Ref::Course,
            strings(&mut c, "SELECT course_sourced_id FROM classes").await?,
        );
        let team_courses: Vec<String> = strings(&mut c, "SELECT sourced_id FROM schools")
            .await?
            .iter()
            .map(|s| ensemble_oneroster::write::team_course(s))
            .collect();
        put(Ref::Course, team_courses);
        put(
            Ref::Class,
            strings(&mut c, "SELECT sourced_id FROM classes").await?,
        );
        put(
            Ref::Class,
            strings(&mut c, "SELECT sourced_id FROM teams").await?,
        );
        put(
            Ref::User,
            strings(&mut c, "SELECT sourced_id FROM educators").await?,
        );
        put(
            Ref::User,
            strings(&mut c, "SELECT sourced_id FROM students").await?,
        );
        Ok(k)
    }

    /// Applies a plan in one transaction and returns what changed; with `dry_run` the
    /// transaction is rolled back, so the tally is exactly what the import would do.
    /// The import is audited (who, from where, the tally, and the sourcedIds removed) in the
    /// same transaction.
    pub async fn apply_oneroster(
        &self,
        plan: &Plan,
        source: &str,
        entry: &AuditEntry,
        dry_run: bool,
        progress: ImportProgress<'_>,
    ) -> Result<ImportSummary> {
        let mut tx = self.begin_write().await?;
        let (sum, removed) = apply_tallied(&mut tx, plan, progress).await?;
        if dry_run {
            tx.rollback().await?;
            return Ok(sum);
        }
        let detail = serde_json::to_string(&sum).unwrap_or_default();
        sqlx::query(
            "INSERT INTO roster_imports (created_by, created_at, source, summary) VALUES ($1, $2, $3, $4)",
        )
        .bind(entry.user.map(|u| u.0))
        .bind(now_ms())
        .bind(source)
        .bind(&detail)
        .execute(&mut *tx)
        .await?;
        audit_import(
            &mut tx,
            entry,
            &format!("OneRoster bundle {source}"),
            None,
            &sum,
            &removed,
        )
        .await?;
        tx.commit().await?;
        Ok(sum)
    }

    /// Everything Ensemble holds, as a plan for [`ensemble_oneroster::write`]: districts,
    /// schools, each school's terms, educators, students, leaders with an email, demographics,
    /// teams with their members and rosters, and the classes and enrollments an import kept.
    pub async fn oneroster_plan(&self) -> Result<Plan> {
        let mut c = self.pool.acquire().await?;
        let mut p = Plan::default();
        for r in sqlx::query("SELECT sourced_id, name FROM districts ORDER BY id")
            .fetch_all(&mut *c)
            .await?
        {
            p.districts.push(map::District {
                sourced_id: r.try_get("sourced_id")?,
                name: r.try_get("name")?,
            });
        }
        let mut school_sid = HashMap::new();
        for r in sqlx::query(
            "SELECT s.id, s.sourced_id, d.sourced_id AS district, s.name, s.grade_low, s.grade_high
             FROM schools s JOIN districts d ON d.id = s.district_id ORDER BY s.id",
        )
        .fetch_all(&mut *c)
        .await?
        {
            let sid: String = r.try_get("sourced_id")?;
            school_sid.insert(r.try_get::<i64, _>("id")?, sid.clone());
            p.schools.push(map::School {
                sourced_id: sid,
                district: r.try_get("district")?,
                name: r.try_get("name")?,
                grade_low: parse_col("grade", u8::try_from(r.try_get::<i64, _>("grade_low")?))?,
                grade_high: parse_col("grade", u8::try_from(r.try_get::<i64, _>("grade_high")?))?,
            });
        }
        let sch = |id: i64| -> Result<String> {
            school_sid
                .get(&id)
                .cloned()
                .ok_or_else(|| StoreError::Corrupt(format!("no school {id}")))
        };
        let mut term_session = HashMap::new();
        for r in sqlx::query(
            "SELECT t.id, t.school_id, COALESCE(t.session_sourced_id, t.sourced_id) AS session,
                    COALESCE(pt.session_sourced_id, pt.sourced_id) AS parent,
                    t.kind, t.name, t.start_date, t.end_date, (s.current_term_id = t.id) AS current
             FROM terms t JOIN schools s ON s.id = t.school_id
             LEFT JOIN terms pt ON pt.id = t.parent_id ORDER BY t.id",
        )
        .fetch_all(&mut *c)
        .await?
        {
            let session: String = r.try_get("session")?;
            let school = sch(r.try_get("school_id")?)?;
            term_session.insert(r.try_get::<i64, _>("id")?, session.clone());
            if r.try_get::<Option<bool>, _>("current").ok().flatten() == Some(true)
                || r.try_get::<Option<i64>, _>("current").ok().flatten() == Some(1)
            {
                p.current.insert(school.clone(), session.clone());
            }
            p.terms.push(map::Term {
                school,
                session,
                parent: r.try_get("parent")?,
                kind: TermKind::parse(&r.try_get::<String, _>("kind")?)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                name: r.try_get("name")?,
                start_date: r.try_get("start_date")?,
                end_date: r.try_get("end_date")?,
            });
        }
        for r in sqlx::query(
            "SELECT sourced_id, school_id, given_name, family_name, email, role_type FROM educators ORDER BY id",
        )
        .fetch_all(&mut *c)
        .await?
        {
            p.educators.push(map::Educator {
                sourced_id: r.try_get("sourced_id")?,
                school: sch(r.try_get("school_id")?)?,
                given_name: r.try_get("given_name")?,
                family_name: r.try_get("family_name")?,
                email: r.try_get("email")?,
                role_type: RoleType::parse(&r.try_get::<String, _>("role_type")?)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            });
        }
        for r in sqlx::query(
            "SELECT s.sourced_id, s.school_id, s.given_name, s.family_name, s.grade,
                    x.birth_date, x.gender, x.race_ethnicity
             FROM students s LEFT JOIN student_sensitive x ON x.student_id = s.id ORDER BY s.id",
        )
        .fetch_all(&mut *c)
        .await?
        {
            let sid: String = r.try_get("sourced_id")?;
            p.students.push(map::Student {
                sourced_id: sid.clone(),
                school: sch(r.try_get("school_id")?)?,
                given_name: r.try_get("given_name")?,
                family_name: r.try_get("family_name")?,
                grade: parse_col("grade", u8::try_from(r.try_get::<i64, _>("grade")?))?,
            });
            let (birth, gender, race): (Option<String>, Option<String>, Option<String>) = (
                r.try_get("birth_date")?,
                r.try_get("gender")?,
                r.try_get("race_ethnicity")?,
            );
            if birth.is_some() || gender.is_some() || race.is_some() {
                p.demographics.push(map::Demographics {
                    student: sid,
                    birth_date: birth,
                    gender,
                    race_ethnicity: race,
                });
            }
        }
        // Teams: members (the lead first) and rosters.
        let mut teams: BTreeMap<i64, map::Team> = BTreeMap::new();
        for r in sqlx::query(
            "SELECT id, sourced_id, school_id, term_id, name, kind FROM teams ORDER BY id",
        )
        .fetch_all(&mut *c)
        .await?
        {
            let term: i64 = r.try_get("term_id")?;
            teams.insert(
                r.try_get("id")?,
                map::Team {
                    sourced_id: r.try_get("sourced_id")?,
                    school: sch(r.try_get("school_id")?)?,
                    session: term_session.get(&term).cloned().unwrap_or_default(),
                    name: r.try_get("name")?,
                    kind: TeamKind::parse(&r.try_get::<String, _>("kind")?)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    members: Vec::new(),
                    roster: Vec::new(),
                },
            );
        }
        for r in sqlx::query(
            "SELECT m.team_id, e.sourced_id, m.member_role FROM team_members m
             JOIN educators e ON e.id = m.educator_id ORDER BY m.team_id, m.member_role, e.id",
        )
        .fetch_all(&mut *c)
        .await?
        {
            if let Some(t) = teams.get_mut(&r.try_get::<i64, _>("team_id")?) {
                t.members.push((
                    r.try_get("sourced_id")?,
                    TeamMemberRole::parse(&r.try_get::<String, _>("member_role")?)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                ));
            }
        }
        for r in sqlx::query(
            "SELECT r.team_id, s.sourced_id FROM roster_entries r JOIN students s ON s.id = r.student_id
             ORDER BY r.team_id, s.id",
        )
        .fetch_all(&mut *c)
        .await?
        {
            if let Some(t) = teams.get_mut(&r.try_get::<i64, _>("team_id")?) {
                t.roster.push(r.try_get("sourced_id")?);
            }
        }
        p.teams = teams.into_values().collect();
        let mut class_sid = HashMap::new();
        for r in sqlx::query(
            "SELECT id, sourced_id, school_id, title, class_type, course_sourced_id, course_title,
                    terms, grades, subjects, periods FROM classes ORDER BY id",
        )
        .fetch_all(&mut *c)
        .await?
        {
            let sid: String = r.try_get("sourced_id")?;
            class_sid.insert(r.try_get::<i64, _>("id")?, sid.clone());
            p.classes.push(map::ClassRow {
                sourced_id: sid,
                school: sch(r.try_get("school_id")?)?,
                title: r.try_get("title")?,
                class_type: r.try_get("class_type")?,
                course: r.try_get("course_sourced_id")?,
                course_title: r.try_get("course_title")?,
                terms: split(&r.try_get::<String, _>("terms")?),
                grades: split(&r.try_get::<String, _>("grades")?),
                subjects: split(&r.try_get::<String, _>("subjects")?),
                periods: split(&r.try_get::<String, _>("periods")?),
            });
        }
        for r in sqlx::query(
            "SELECT sourced_id, class_id, user_sourced_id, role, is_primary FROM enrollments ORDER BY id",
        )
        .fetch_all(&mut *c)
        .await?
        {
            p.enrollments.push(map::EnrollmentRow {
                sourced_id: r.try_get("sourced_id")?,
                class: class_sid
                    .get(&r.try_get::<i64, _>("class_id")?)
                    .cloned()
                    .unwrap_or_default(),
                user: r.try_get("user_sourced_id")?,
                role: r.try_get("role")?,
                primary: r.try_get::<i64, _>("is_primary")? != 0,
            });
        }
        Ok(p)
    }
}

/// A plain sentence of the tally: "students 40,000 new; enrollments 12 changed, 3 removed".
pub fn describe(sum: &ImportSummary) -> String {
    let parts: Vec<String> = sum
        .kinds
        .iter()
        .filter(|(_, t)| t.new + t.changed + t.removed > 0)
        .map(|(k, t)| {
            let mut bits = Vec::new();
            if t.new > 0 {
                bits.push(format!("{} new", t.new));
            }
            if t.changed > 0 {
                bits.push(format!("{} changed", t.changed));
            }
            if t.removed > 0 {
                bits.push(format!("{} removed", t.removed));
            }
            format!("{k} {}", bits.join(", "))
        })
        .collect();
    if parts.is_empty() {
        "nothing changed".into()
    } else {
        parts.join("; ")
    }
}

/// Loads `SELECT key, id, …` rows into a map from the key (first column) to the row.
async fn rows_by_key(
    c: &mut AnyConnection,
    sql: &str,
) -> Result<HashMap<String, sqlx::any::AnyRow>> {
    let mut m = HashMap::new();
    for r in sqlx::query(sql).fetch_all(&mut *c).await? {
        m.insert(r.try_get::<String, _>(0)?, r);
    }
    Ok(m)
}

/// Updates a held row's `cols` to `vals` when any of them differs (`UPDATE table SET cols
/// WHERE key = …`, the key's value read from the held row); returns whether it did.
async fn update_changed(
    c: &mut AnyConnection,
    table: &str,
    key: &str,
    held: &sqlx::any::AnyRow,
    cols: &[&str],
    vals: &[V],
) -> Result<bool> {
    for (col, v) in cols.iter().zip(vals) {
        if !v.is_in(held, col)? {
            let set: Vec<String> = cols
                .iter()
                .enumerate()
                .map(|(i, col)| format!("{col} = ${}", i + 1))
                .collect();
            let sql = format!(
                "UPDATE {table} SET {} WHERE {key} = ${}",
                set.join(", "),
                cols.len() + 1
            );
            let mut q = sqlx::query(&sql);
            for v in vals {
                q = v.bind_to(q);
            }
            q.bind(held.try_get::<i64, _>(key)?)
                .execute(&mut *c)
                .await?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// A kind kept by sourcedId in a table of its own (whose name is also the kind's in the tally
/// and in progress): the columns an update keeps as the bundle says them, and those only a new
/// row is given.
struct Kind<'a> {
    table: &'a str,
    kept: &'a [&'a str],
    added: &'a [&'a str],
}

/// One record of a kind as the bundle gives it: its sourcedId, then the values of the kind's
/// kept columns and of its added ones.
struct Rec {
    sid: String,
    kept: Vec<V>,
    added: Vec<V>,
}

impl Rec {
    fn new(sid: &str, kept: Vec<V>, added: Vec<V>) -> Self {
        Self {
            sid: sid.to_owned(),
            kept,
            added,
        }
    }
}

/// One kind of a plan: reads the rows held, updates those whose kept columns the bundle
/// changes, inserts the new ones in bulk, and tallies both. `rec` gives each item's record
/// (`None` passes it by). Returns the new records' sourcedIds, in the bundle's order.
async fn upsert<T>(
    c: &mut AnyConnection,
    kind: Kind<'_>,
    items: &[T],
    mut rec: impl FnMut(&T) -> Result<Option<Rec>>,
    sum: &mut ImportSummary,
    progress: ImportProgress<'_>,
) -> Result<Vec<String>> {
    let Kind { table, kept, added } = kind;
    let sql = format!("SELECT sourced_id, id, {} FROM {table}", kept.join(", "));
    let have = rows_by_key(c, &sql).await?;
    let mut new = Vec::new();
    let mut new_sids = Vec::new();
    for item in items {
        let Some(r) = rec(item)? else {
            continue;
        };
        match have.get(&r.sid) {
            None => {
                let mut row = vec![V::from(r.sid.as_str())];
                row.extend(r.kept);
                row.extend(r.added);
                new.push(row);
                new_sids.push(r.sid);
            }
            Some(held) => {
                if update_changed(c, table, "id", held, kept, &r.kept).await? {
                    sum.tally(table).changed += 1;
                }
            }
        }
    }
    sum.tally(table).new += new.len() as u64;
    let cols: Vec<&str> = std::iter::once("sourced_id")
        .chain(kept.iter().copied())
        .chain(added.iter().copied())
        .collect();
    insert_rows(c, table, &cols, new, table, progress).await?;
    Ok(new_sids)
}

/// Applies the plan inside `tx`; returns the sourcedIds removed, for the audit.
async fn apply(
    tx: &mut sqlx::Transaction<'static, Any>,
    p: &Plan,
    sum: &mut ImportSummary,
    progress: ImportProgress<'_>,
) -> Result<Vec<String>> {
    let c: &mut AnyConnection = tx;
    let mut removed_ids: Vec<String> = Vec::new();

    // Districts.
    upsert(
        c,
        Kind {
            table: "districts",
            kept: &["name"],
            added: &[],
        },
        &p.districts,
        |d| {
            Ok(Some(Rec::new(
                &d.sourced_id,
                vec![d.name.as_str().into()],
                vec![],
            )))
        },
        sum,
        progress,
    )
    .await?;
    let districts: HashMap<String, i64> = ids_by_sid(c, "districts", None).await?;

    // Schools, with the starter grid for a new one.
    let new_schools = upsert(
        c,
        Kind {
            table: "schools",
            kept: &["district_id", "name", "grade_low", "grade_high"],
            added: &["time_zone"],
        },
        &p.schools,
        |s| {
            let Some(&district) = districts.get(&s.district) else {
                return Err(StoreError::Conflict(format!(
                    "school {} belongs to district {}, which is neither in the bundle nor in Ensemble",
                    s.sourced_id, s.district
                )));
            };
            Ok(Some(Rec::new(
                &s.sourced_id,
                vec![
                    district.into(),
                    s.name.as_str().into(),
                    grade_i64(s.grade_low).into(),
                    grade_i64(s.grade_high).into(),
                ],
                vec!["UTC".into()],
            )))
        },
        sum,
        progress,
    )
    .await?;
    let schools: HashMap<String, i64> = ids_by_sid(c, "schools", None).await?;
    let school = |sid: &str| -> Result<i64> {
        schools.get(sid).copied().ok_or_else(|| {
            StoreError::Conflict(format!(
                "school {sid} is neither in the bundle nor in Ensemble"
            ))
        })
    };
    if !new_schools.is_empty() {
        let grid = TimeGrid::starter();
        let grids = new_schools
            .iter()
            .map(|sid| Ok((school(sid)?, &grid)))
            .collect::<Result<Vec<_>>>()?;
        insert_grids(c, &grids, progress).await?;
    }

    // Terms: a school's copy of each session it uses.
    let mut term_ids: HashMap<(i64, String), i64> = HashMap::new();
    let mut term_rows: HashMap<(i64, String), sqlx::any::AnyRow> = HashMap::new();
    let mut taken: HashSet<String> = HashSet::new();
    for r in sqlx::query(
        "SELECT id, school_id, sourced_id, COALESCE(session_sourced_id, sourced_id) AS session,
                kind, name, start_date, end_date FROM terms",
    )
    .fetch_all(&mut *c)
    .await?
    {
        taken.insert(r.try_get("sourced_id")?);
        let key = (
            r.try_get::<i64, _>("school_id")?,
            r.try_get::<String, _>("session")?,
        );
        term_ids.insert(key.clone(), r.try_get("id")?);
        term_rows.insert(key, r);
    }
    let mut new_terms = 0u64;
    for t in &p.terms {
        let sid = school(&t.school)?;
        let key = (sid, t.session.clone());
        match term_rows.get(&key) {
            None => {
                // The session's own sourcedId where no other school holds it yet.
                let own = if taken.contains(&t.session) {
                    format!("{}@{}", t.session, t.school)
                } else {
                    t.session.clone()
                };
                taken.insert(own.clone());
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO terms (sourced_id, school_id, kind, name, start_date, end_date, session_sourced_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&own)
                .bind(sid)
                .bind(t.kind.as_str())
                .bind(&t.name)
                .bind(&t.start_date)
                .bind(&t.end_date)
                .bind(&t.session)
                .fetch_one(&mut *c)
                .await?;
                term_ids.insert(key, id);
                new_terms += 1;
            }
            Some(r) => {
                let vals = [
                    V::from(t.kind.as_str()),
                    t.name.as_str().into(),
                    t.start_date.as_str().into(),
                    t.end_date.as_str().into(),
                ];
                let cols = ["kind", "name", "start_date", "end_date"];
                if update_changed(c, "terms", "id", r, &cols, &vals).await? {
                    sum.tally("terms").changed += 1;
                }
            }
        }
    }
    sum.tally("terms").new += new_terms;
    for t in &p.terms {
        let sid = school(&t.school)?;
        let parent = t
            .parent
            .as_ref()
            .and_then(|x| term_ids.get(&(sid, x.clone())).copied());
        if let Some(id) = term_ids.get(&(sid, t.session.clone())) {
            sqlx::query("UPDATE terms SET parent_id = $1 WHERE id = $2 AND (parent_id IS NULL OR parent_id <> $1)")
                .bind(parent)
                .bind(*id)
                .execute(&mut *c)
                .await?;
        }
    }
    // A school without a current term takes the one most of its classes meet in.
    for (s, session) in &p.current {
        let sid = school(s)?;
        if let Some(t) = term_ids.get(&(sid, session.clone())) {
            sqlx::query(
                "UPDATE schools SET current_term_id = $1 WHERE id = $2 AND current_term_id IS NULL",
            )
            .bind(*t)
            .bind(sid)
            .execute(&mut *c)
            .await?;
        }
    }
    let grid = TimeGrid::starter();
    let availability =
        WeeklyAvailability::full(&DayOfWeek::ALL[..5], grid.periods().len()).encode();

    // Educators.
    upsert(
        c,
        Kind {
            table: "educators",
            kept: &EDUCATOR_COLS[1..6],
            added: &EDUCATOR_COLS[6..],
        },
        &p.educators,
        |e| {
            Ok(Some(Rec::new(
                &e.sourced_id,
                vec![
                    school(&e.school)?.into(),
                    e.given_name.as_str().into(),
                    e.family_name.as_str().into(),
                    e.email.clone().into(),
                    e.role_type.as_str().into(),
                ],
                vec![
                    Employment::FullTime.as_str().into(),
                    1000i64.into(),
                    0i64.into(),
                    availability.as_str().into(),
                ],
            )))
        },
        sum,
        progress,
    )
    .await?;

    // Students, each with a row in the protected table.
    let new_students = upsert(
        c,
        Kind {
            table: "students",
            kept: &["school_id", "given_name", "family_name", "grade"],
            added: &["interests", "strengths"],
        },
        &p.students,
        |s| {
            Ok(Some(Rec::new(
                &s.sourced_id,
                vec![
                    school(&s.school)?.into(),
                    s.given_name.as_str().into(),
                    s.family_name.as_str().into(),
                    grade_i64(s.grade).into(),
                ],
                vec!["[]".into(), "[]".into()],
            )))
        },
        sum,
        progress,
    )
    .await?;
    let school_ids: Vec<i64> = p
        .schools
        .iter()
        .filter_map(|s| schools.get(&s.sourced_id).copied())
        .chain(
            p.students
                .iter()
                .filter_map(|s| schools.get(&s.school).copied()),
        )
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let students = id_map(c, "students", "school_id", &school_ids).await?;
    let educators = id_map(c, "educators", "school_id", &school_ids).await?;
    // New students' protected rows carry their demographics from the start.
    let demo_of: HashMap<&str, &map::Demographics> = p
        .demographics
        .iter()
        .map(|d| (d.student.as_str(), d))
        .collect();
    let rows = new_students
        .iter()
        .filter_map(|s| students.get(s).map(|id| (s, id)))
        .map(|(s, id)| {
            let d = demo_of.get(s.as_str());
            vec![
                V::from(*id),
                0i64.into(),
                0i64.into(),
                0i64.into(),
                V::OI(None),
                V::OT(None),
                "[]".into(),
                0i64.into(),
                "[]".into(),
                V::OT(d.and_then(|d| d.birth_date.clone())),
                V::OT(d.and_then(|d| d.gender.clone())),
                V::OT(d.and_then(|d| d.race_ethnicity.clone())),
            ]
        })
        .collect();
    sum.tally("demographics").new += new_students
        .iter()
        .filter(|s| demo_of.contains_key(s.as_str()))
        .count() as u64;
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
            "free_reduced_lunch",
            "accommodations",
            "birth_date",
            "gender",
            "race_ethnicity",
        ],
        rows,
        "student needs",
        progress,
    )
    .await?;

    // Names of people the bundle gives without their role.
    for n in &p.name_changes {
        for table in ["educators", "students"] {
            let sql = format!(
                "UPDATE {table} SET given_name = $1, family_name = $2 WHERE sourced_id = $3 AND (given_name <> $1 OR family_name <> $2)"
            );
            let done = sqlx::query(&sql)
                .bind(&n.given_name)
                .bind(&n.family_name)
                .bind(&n.sourced_id)
                .execute(&mut *c)
                .await?
                .rows_affected();
            sum.tally(table).changed += done;
        }
    }

    // Demographics, into the protected table.
    let new_set: HashSet<&str> = new_students.iter().map(String::as_str).collect();
    let have = rows_by_key(
        c,
        "SELECT s.sourced_id, x.student_id, x.birth_date, x.gender, x.race_ethnicity
         FROM student_sensitive x JOIN students s ON s.id = x.student_id",
    )
    .await?;
    for d in &p.demographics {
        if new_set.contains(d.student.as_str()) {
            continue;
        }
        let Some(r) = have.get(&d.student) else {
            continue;
        };
        let vals = [
            V::from(d.birth_date.clone()),
            d.gender.clone().into(),
            d.race_ethnicity.clone().into(),
        ];
        let cols = ["birth_date", "gender", "race_ethnicity"];
        if update_changed(c, "student_sensitive", "student_id", r, &cols, &vals).await? {
            sum.tally("demographics").changed += 1;
        }
    }

    // Accounts: school leaders, and educators with an email (no password until they set one).
    let emails: HashSet<String> = strings(c, "SELECT email FROM users")
        .await?
        .into_iter()
        .map(|e| e.to_lowercase())
        .collect();
    let linked: HashSet<i64> =
        sqlx::query_scalar::<_, i64>("SELECT educator_id FROM users WHERE educator_id IS NOT NULL")
            .fetch_all(&mut *c)
            .await?
            .into_iter()
            .collect();
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for l in &p.leaders {
        let email = l.email.to_lowercase();
        if emails.contains(&email) || !seen.insert(email.clone()) {
            continue;
        }
        rows.push(vec![
            V::from(email),
            l.name.as_str().into(),
            "school_leader".into(),
            V::OI(Some(school(&l.school)?)),
            V::OI(None),
            now_ms().into(),
        ]);
    }
    for e in &p.educators {
        let (Some(email), Some(&id)) = (&e.email, educators.get(&e.sourced_id)) else {
            continue;
        };
        let email = email.to_lowercase();
        if linked.contains(&id) || emails.contains(&email) || !seen.insert(email.clone()) {
            continue;
        }
        rows.push(vec![
            V::from(email),
            format!("{} {}", e.given_name, e.family_name).into(),
            "educator".into(),
            V::OI(Some(school(&e.school)?)),
            V::OI(Some(id)),
            now_ms().into(),
        ]);
    }
    sum.tally("accounts").new += rows.len() as u64;
    insert_rows(
        c,
        "users",
        &[
            "email",
            "display_name",
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

    // Classes and enrollments as the student information system sent them.
    upsert(
        c,
        Kind {
            table: "classes",
            kept: &[
                "school_id",
                "title",
                "class_type",
                "course_sourced_id",
                "course_title",
                "terms",
                "grades",
                "subjects",
                "periods",
            ],
            added: &[],
        },
        &p.classes,
        |cl| {
            Ok(Some(Rec::new(
                &cl.sourced_id,
                vec![
                    school(&cl.school)?.into(),
                    cl.title.as_str().into(),
                    cl.class_type.as_str().into(),
                    cl.course.as_str().into(),
                    cl.course_title.as_str().into(),
                    list(&cl.terms).into(),
                    list(&cl.grades).into(),
                    list(&cl.subjects).into(),
                    list(&cl.periods).into(),
                ],
                vec![],
            )))
        },
        sum,
        progress,
    )
    .await?;
    let classes: HashMap<String, i64> = ids_by_sid(c, "classes", None).await?;
    upsert(
        c,
        Kind {
            table: "enrollments",
            kept: &["class_id", "user_sourced_id", "role", "is_primary"],
            added: &[],
        },
        &p.enrollments,
        |en| {
            Ok(classes.get(&en.class).map(|&class| {
                Rec::new(
                    &en.sourced_id,
                    vec![
                        class.into(),
                        en.user.as_str().into(),
                        en.role.as_str().into(),
                        i64::from(en.primary).into(),
                    ],
                    vec![],
                )
            }))
        },
        sum,
        progress,
    )
    .await?;

    // Teams Ensemble exported: the team, its members, its roster.
    if !p.teams.is_empty() {
        let all_educators: HashMap<String, i64> = ids_by_sid(c, "educators", None).await?;
        let all_students: HashMap<String, i64> = ids_by_sid(c, "students", None).await?;
        let have = rows_by_key(
            c,
            "SELECT sourced_id, id, school_id, term_id, name, kind FROM teams",
        )
        .await?;
        for t in &p.teams {
            let sid = school(&t.school)?;
            let Some(&term) = term_ids.get(&(sid, t.session.clone())) else {
                return Err(StoreError::Conflict(format!(
                    "team {} meets in session {}, which {} does not use",
                    t.sourced_id, t.session, t.school
                )));
            };
            let team_id = match have.get(&t.sourced_id) {
                None => {
                    sum.tally("teams").new += 1;
                    sqlx::query_scalar::<_, i64>(
                        "INSERT INTO teams (sourced_id, school_id, term_id, name, kind, description) VALUES ($1, $2, $3, $4, $5, '') RETURNING id",
                    )
                    .bind(&t.sourced_id)
                    .bind(sid)
                    .bind(term)
                    .bind(&t.name)
                    .bind(t.kind.as_str())
                    .fetch_one(&mut *c)
                    .await?
                }
                Some(r) => {
                    let id: i64 = r.try_get("id")?;
                    let vals = [
                        V::from(sid),
                        term.into(),
                        t.name.as_str().into(),
                        t.kind.as_str().into(),
                    ];
                    let cols = ["school_id", "term_id", "name", "kind"];
                    if update_changed(c, "teams", "id", r, &cols, &vals).await? {
                        sum.tally("teams").changed += 1;
                    }
                    id
                }
            };
            // Members: as the bundle says.
            let now: HashMap<i64, String> =
                sqlx::query("SELECT educator_id, member_role FROM team_members WHERE team_id = $1")
                    .bind(team_id)
                    .fetch_all(&mut *c)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                    .collect::<Result<_>>()?;
            let want: HashMap<i64, &str> = t
                .members
                .iter()
                .filter_map(|(e, r)| all_educators.get(e).map(|id| (*id, r.as_str())))
                .collect();
            if now.len() != want.len()
                || want
                    .iter()
                    .any(|(e, r)| now.get(e).map(String::as_str) != Some(*r))
            {
                sqlx::query("DELETE FROM team_members WHERE team_id = $1")
                    .bind(team_id)
                    .execute(&mut *c)
                    .await?;
                for (e, r) in &want {
                    sqlx::query("INSERT INTO team_members (team_id, educator_id, member_role) VALUES ($1, $2, $3)")
                        .bind(team_id)
                        .bind(*e)
                        .bind(*r)
                        .execute(&mut *c)
                        .await?;
                }
                if have.contains_key(&t.sourced_id) {
                    sum.tally("teams").changed += 1;
                }
            }
            if t.kind != TeamKind::Core {
                continue;
            }
            let now: HashSet<i64> = sqlx::query_scalar::<_, i64>(
                "SELECT student_id FROM roster_entries WHERE team_id = $1",
            )
            .bind(team_id)
            .fetch_all(&mut *c)
            .await?
            .into_iter()
            .collect();
            let want: HashSet<i64> = t
                .roster
                .iter()
                .filter_map(|s| all_students.get(s).copied())
                .collect();
            let gone: Vec<i64> = now.difference(&want).copied().collect();
            let added: Vec<i64> = want.difference(&now).copied().collect();
            for s in &gone {
                sqlx::query("DELETE FROM roster_entries WHERE team_id = $1 AND student_id = $2")
                    .bind(team_id)
                    .bind(*s)
                    .execute(&mut *c)
                    .await?;
            }
            let mut rows = Vec::new();
            for s in &added {
                // One core roster per student per term: the bundle's team wins.
                sqlx::query("DELETE FROM roster_entries WHERE term_id = $1 AND student_id = $2")
                    .bind(term)
                    .bind(*s)
                    .execute(&mut *c)
                    .await?;
                rows.push(vec![V::from(term), (*s).into(), team_id.into()]);
            }
            insert_rows(
                c,
                "roster_entries",
                &["term_id", "student_id", "team_id"],
                rows,
                "rosters",
                progress,
            )
            .await?;
            sum.tally("roster entries").new += added.len() as u64;
            sum.tally("roster entries").removed += gone.len() as u64;
        }
    }

    // Removals: what the bundle deletes, and what a bulk file leaves out of its schools.
    let bundle_schools: Vec<i64> = p
        .schools
        .iter()
        .filter_map(|s| schools.get(&s.sourced_id).copied())
        .collect();
    let mut gone_enrollments: Vec<String> = p.delete_enrollments.clone();
    let mut gone_classes: Vec<String> = p.delete_classes.clone();
    let mut gone_users: Vec<String> = p.delete_users.clone();
    if !bundle_schools.is_empty() {
        let keep_classes: HashSet<&str> = p.classes.iter().map(|c| c.sourced_id.as_str()).collect();
        let keep_enrollments: HashSet<&str> = p
            .enrollments
            .iter()
            .map(|e| e.sourced_id.as_str())
            .collect();
        let keep_users: HashSet<&str> = p
            .students
            .iter()
            .map(|s| s.sourced_id.as_str())
            .chain(p.educators.iter().map(|e| e.sourced_id.as_str()))
            .collect();
        let ph = crate::placeholders(1, bundle_schools.len());
        if p.bulk_classes {
            let sql = format!("SELECT sourced_id FROM classes WHERE school_id IN ({ph})");
            for s in crate::bind_ids_scalar(sqlx::query_scalar::<_, String>(&sql), &bundle_schools)
                .fetch_all(&mut *c)
                .await?
            {
                if !keep_classes.contains(s.as_str()) {
                    gone_classes.push(s);
                }
            }
        }
        if p.bulk_enrollments {
            let sql = format!(
                "SELECT e.sourced_id FROM enrollments e JOIN classes c ON c.id = e.class_id WHERE c.school_id IN ({ph})"
            );
            for s in crate::bind_ids_scalar(sqlx::query_scalar::<_, String>(&sql), &bundle_schools)
                .fetch_all(&mut *c)
                .await?
            {
                if !keep_enrollments.contains(s.as_str()) {
                    gone_enrollments.push(s);
                }
            }
        }
        if p.bulk_users {
            for table in ["students", "educators"] {
                let sql = format!("SELECT sourced_id FROM {table} WHERE school_id IN ({ph})");
                for s in
                    crate::bind_ids_scalar(sqlx::query_scalar::<_, String>(&sql), &bundle_schools)
                        .fetch_all(&mut *c)
                        .await?
                {
                    if !keep_users.contains(s.as_str()) {
                        gone_users.push(s);
                    }
                }
            }
        }
    }
    for e in &gone_enrollments {
        let n = sqlx::query("DELETE FROM enrollments WHERE sourced_id = $1")
            .bind(e)
            .execute(&mut *c)
            .await?
            .rows_affected();
        if n > 0 {
            sum.tally("enrollments").removed += n;
            removed_ids.push(format!("enrollment {e}"));
        }
    }
    for cl in &gone_classes {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM classes WHERE sourced_id = $1")
            .bind(cl)
            .fetch_optional(&mut *c)
            .await?;
        if let Some(id) = id {
            let n = sqlx::query("DELETE FROM enrollments WHERE class_id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?
                .rows_affected();
            sum.tally("enrollments").removed += n;
            sqlx::query("DELETE FROM classes WHERE id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
            sum.tally("classes").removed += 1;
            removed_ids.push(format!("class {cl}"));
        }
    }
    let mut student_ids = Vec::new();
    let mut educator_ids = Vec::new();
    for u in &gone_users {
        if let Some(id) =
            sqlx::query_scalar::<_, i64>("SELECT id FROM students WHERE sourced_id = $1")
                .bind(u)
                .fetch_optional(&mut *c)
                .await?
        {
            student_ids.push(id);
            removed_ids.push(format!("student {u}"));
        } else if let Some(id) =
            sqlx::query_scalar::<_, i64>("SELECT id FROM educators WHERE sourced_id = $1")
                .bind(u)
                .fetch_optional(&mut *c)
                .await?
        {
            educator_ids.push(id);
            removed_ids.push(format!("educator {u}"));
        }
    }
    delete_students(c, &student_ids).await?;
    delete_educators(c, &educator_ids).await?;
    sum.tally("students").removed += student_ids.len() as u64;
    sum.tally("educators").removed += educator_ids.len() as u64;
    // Proposals: again for every school of the bundle, when who teaches whom changed.
    let moved = ["classes", "enrollments", "educators", "students"]
        .iter()
        .any(|k| {
            let t = sum.of(k);
            t.new + t.changed + t.removed > 0
        });
    let touched: BTreeSet<i64> = if moved {
        p.classes
            .iter()
            .map(|c| c.school.as_str())
            .chain(p.schools.iter().map(|s| s.sourced_id.as_str()))
            .chain(p.students.iter().map(|s| s.school.as_str()))
            .chain(p.educators.iter().map(|s| s.school.as_str()))
            .filter_map(|s| schools.get(s).copied())
            .collect()
    } else {
        BTreeSet::new()
    };
    if !touched.is_empty() && c.backend_name() == "PostgreSQL" {
        // Statistics for what this transaction wrote, so that the proposals' reads plan well.
        sqlx::query("ANALYZE classes, enrollments, educators, team_members, teams")
            .execute(&mut *c)
            .await?;
    }
    for s in touched {
        sum.proposals += refresh_proposals(c, s).await?;
    }
    Ok(removed_ids)
}

/// A proposed core team as a leader reviews it.
#[derive(Clone, Debug, Serialize)]
pub struct ProposalRow {
    pub id: i64,
    pub school: SchoolId,
    pub name: String,
    pub proposal: Proposal,
    /// (educator id, name, role type, lead)
    pub members: Vec<(EducatorId, String, RoleType, bool)>,
    /// Students on the proposed roster who are in Ensemble.
    pub students: Vec<StudentId>,
}

/// What confirming a proposal did.
#[derive(Clone, Debug)]
pub struct Confirmed {
    pub team: TeamId,
    pub name: String,
    pub rostered: usize,
    /// Students left where they were: already on another core team's roster this term.
    pub elsewhere: usize,
}

/// Classes of a school meeting in its current term, for the proposer.
async fn class_inputs(c: &mut AnyConnection, school: i64) -> Result<Vec<ClassInput>> {
    let session: Option<String> = sqlx::query_scalar(
        "SELECT COALESCE(t.session_sourced_id, t.sourced_id) FROM schools s JOIN terms t ON t.id = s.current_term_id WHERE s.id = $1",
    )
    .bind(school)
    .fetch_optional(&mut *c)
    .await?;
    let Some(session) = session else {
        return Ok(Vec::new());
    };
    let mut classes: BTreeMap<i64, ClassInput> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT id, title, class_type, terms FROM classes WHERE school_id = $1 ORDER BY id",
    )
    .bind(school)
    .fetch_all(&mut *c)
    .await?
    {
        if !split(&r.try_get::<String, _>("terms")?).contains(&session) {
            continue;
        }
        classes.insert(
            r.try_get("id")?,
            ClassInput {
                title: r.try_get("title")?,
                homeroom: r.try_get::<String, _>("class_type")? == "homeroom",
                teachers: Vec::new(),
                students: Vec::new(),
            },
        );
    }
    // By the classes' ids (the enrollments index), never a join the planner might run as a
    // nested loop over a table it still thinks empty in the import's own transaction.
    let ids: Vec<i64> = classes.keys().copied().collect();
    let mut rows = Vec::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT class_id, user_sourced_id, role, is_primary FROM enrollments WHERE class_id IN ({}) ORDER BY id",
            crate::placeholders(1, chunk.len())
        );
        rows.extend(
            crate::bind_ids(sqlx::query(&sql), chunk)
                .fetch_all(&mut *c)
                .await?,
        );
    }
    for r in rows {
        let Some(cl) = classes.get_mut(&r.try_get::<i64, _>("class_id")?) else {
            continue;
        };
        let user: String = r.try_get("user_sourced_id")?;
        match r.try_get::<String, _>("role")?.as_str() {
            "teacher" => cl
                .teachers
                .push((user, r.try_get::<i64, _>("is_primary")? != 0)),
            "student" => cl.students.push(user),
            _ => {}
        }
    }
    Ok(classes.into_values().collect())
}

/// The school's educators by sourcedId: (id, name, role type).
async fn educators_by_sid(
    c: &mut AnyConnection,
    school: i64,
) -> Result<HashMap<String, (i64, String, RoleType)>> {
    let mut m = HashMap::new();
    for r in sqlx::query("SELECT id, sourced_id, given_name, family_name, role_type FROM educators WHERE school_id = $1")
        .bind(school)
        .fetch_all(&mut *c)
        .await?
    {
        m.insert(
            r.try_get("sourced_id")?,
            (
                r.try_get("id")?,
                format!(
                    "{} {}",
                    r.try_get::<String, _>("given_name")?,
                    r.try_get::<String, _>("family_name")?
                ),
                RoleType::parse(&r.try_get::<String, _>("role_type")?)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            ),
        );
    }
    Ok(m)
}

/// Replaces a school's open proposals with fresh ones from its classes; returns how many.
pub(crate) async fn refresh_proposals(c: &mut AnyConnection, school: i64) -> Result<u64> {
    let term: Option<i64> = sqlx::query_scalar("SELECT current_term_id FROM schools WHERE id = $1")
        .bind(school)
        .fetch_optional(&mut *c)
        .await?
        .flatten();
    let Some(term) = term else { return Ok(0) };
    sqlx::query("DELETE FROM team_proposals WHERE school_id = $1 AND status = 'open'")
        .bind(school)
        .execute(&mut *c)
        .await?;
    let classes = class_inputs(c, school).await?;
    if classes.is_empty() {
        return Ok(0);
    }
    let people = educators_by_sid(c, school).await?;
    let names: HashMap<String, String> = people
        .iter()
        .filter(|(_, (_, _, t))| t.is_professional())
        .map(|(s, (_, n, _))| (s.clone(), n.clone()))
        .collect();
    let taken: BTreeSet<String> = sqlx::query_scalar::<_, String>(
        "SELECT e.sourced_id FROM team_members m JOIN teams t ON t.id = m.team_id
         JOIN educators e ON e.id = m.educator_id WHERE t.term_id = $1 AND t.kind = 'core'",
    )
    .bind(term)
    .fetch_all(&mut *c)
    .await?
    .into_iter()
    .collect();
    let found = ensemble_oneroster::propose::propose(&classes, &names, &taken);
    for p in &found {
        sqlx::query(
            "INSERT INTO team_proposals (school_id, term_id, name, body, status, created_at) VALUES ($1, $2, $3, $4, 'open', $5)",
        )
        .bind(school)
        .bind(term)
        .bind(&p.name)
        .bind(serde_json::to_string(p).unwrap_or_default())
        .bind(now_ms())
        .execute(&mut *c)
        .await?;
    }
    Ok(found.len() as u64)
}

impl Store {
    /// A school's open proposals, with the members' names and the students in Ensemble.
    pub async fn proposals(&self, school: SchoolId) -> Result<Vec<ProposalRow>> {
        let mut c = self.pool.acquire().await?;
        let people = educators_by_sid(&mut c, school.0).await?;
        let students: HashMap<String, i64> = ids_by_sid(&mut c, "students", Some(school.0)).await?;
        let mut out = Vec::new();
        for r in sqlx::query(
            "SELECT id, name, body FROM team_proposals WHERE school_id = $1 AND status = 'open' ORDER BY id",
        )
        .bind(school.0)
        .fetch_all(&mut *c)
        .await?
        {
            let proposal: Proposal = serde_json::from_str(&r.try_get::<String, _>("body")?)
                .map_err(|e| StoreError::Corrupt(format!("team proposal: {e}")))?;
            out.push(ProposalRow {
                id: r.try_get("id")?,
                school,
                name: r.try_get("name")?,
                members: proposal
                    .members
                    .iter()
                    .filter_map(|(m, lead)| {
                        people
                            .get(m)
                            .map(|(id, n, t)| (EducatorId(*id), n.clone(), *t, *lead))
                    })
                    .collect(),
                students: proposal
                    .roster
                    .iter()
                    .filter_map(|s| students.get(s).map(|id| StudentId(*id)))
                    .collect(),
                proposal,
            });
        }
        Ok(out)
    }

    /// Creates the core team a proposal describes, in the school's current term: its members
    /// (the lead as lead) and its roster (students already on another core team's roster this
    /// term stay where they are, and are counted). Checked like any team (two professional
    /// educators at least); audited with the students rostered, in the same transaction.
    pub async fn confirm_proposal(
        &self,
        school: SchoolId,
        id: i64,
        name: &str,
        entry: &AuditEntry,
    ) -> Result<Confirmed> {
        let mut tx = self.begin_write().await?;
        let c: &mut AnyConnection = &mut tx;
        let (p, term) = open_proposal(c, school, id).await?;
        let people = educators_by_sid(c, school.0).await?;
        let seats: Vec<TeamSeat> = p
            .members
            .iter()
            .filter_map(|(m, _)| people.get(m))
            .map(|(_, n, t)| TeamSeat {
                name: n.clone(),
                role_type: *t,
            })
            .collect();
        let name = name.trim();
        let name = if name.is_empty() {
            p.name.as_str()
        } else {
            name
        };
        check_composition(name, TeamKind::Core, &seats)?;
        let sourced = format!("team-{}-{}", now_ms(), rand::random::<u32>());
        let team: i64 = sqlx::query_scalar(
            "INSERT INTO teams (sourced_id, school_id, term_id, name, kind, description) VALUES ($1, $2, $3, $4, 'core', $5) RETURNING id",
        )
        .bind(&sourced)
        .bind(school.0)
        .bind(term)
        .bind(name)
        .bind(&p.why)
        .fetch_one(&mut *c)
        .await?;
        for (m, lead) in &p.members {
            if let Some((eid, _, _)) = people.get(m) {
                sqlx::query("INSERT INTO team_members (team_id, educator_id, member_role) VALUES ($1, $2, $3)")
                    .bind(team)
                    .bind(*eid)
                    .bind(if *lead { TeamMemberRole::Lead } else { TeamMemberRole::Member }.as_str())
                    .execute(&mut *c)
                    .await?;
            }
        }
        let mut rostered = Vec::new();
        let mut elsewhere = 0;
        for s in &p.roster {
            let row = sqlx::query(
                "SELECT st.id, r.team_id FROM students st LEFT JOIN roster_entries r ON r.student_id = st.id AND r.term_id = $2
                 WHERE st.sourced_id = $1 AND st.school_id = $3",
            )
            .bind(s)
            .bind(term)
            .bind(school.0)
            .fetch_optional(&mut *c)
            .await?;
            let Some(row) = row else { continue };
            if row.try_get::<Option<i64>, _>("team_id")?.is_some() {
                elsewhere += 1;
                continue;
            }
            let sid: i64 = row.try_get("id")?;
            sqlx::query(
                "INSERT INTO roster_entries (term_id, student_id, team_id) VALUES ($1, $2, $3)",
            )
            .bind(term)
            .bind(sid)
            .bind(team)
            .execute(&mut *c)
            .await?;
            rostered.push(StudentId(sid));
        }
        sqlx::query("UPDATE team_proposals SET status = 'confirmed', team_id = $1 WHERE id = $2")
            .bind(team)
            .bind(id)
            .execute(&mut *c)
            .await?;
        let mut e = entry.clone();
        e.school = Some(school);
        e.target_kind = "team";
        e.target_id = Some(team);
        e.detail = format!(
            "confirmed the proposed core team {name}: {} members, {} students{}",
            p.members.len(),
            rostered.len(),
            if elsewhere > 0 {
                format!(" ({elsewhere} already on another roster stayed there)")
            } else {
                String::new()
            }
        );
        e.students = rostered.clone();
        audit::write(c, &e).await?;
        tx.commit().await?;
        Ok(Confirmed {
            team: TeamId(team),
            name: name.to_owned(),
            rostered: rostered.len(),
            elsewhere,
        })
    }

    /// Dismisses proposals, or merges two or more of them into one (the first's name and lead).
    pub async fn merge_or_dismiss_proposals(
        &self,
        school: SchoolId,
        ids: &[i64],
        merge: bool,
        entry: &AuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let c: &mut AnyConnection = &mut tx;
        let mut ps = Vec::new();
        let mut term = 0;
        for id in ids {
            let (p, t) = open_proposal(c, school, *id).await?;
            term = t;
            ps.push(p);
        }
        if merge && ps.len() < 2 {
            return Err(StoreError::Conflict(
                "choose two or more proposals to merge".into(),
            ));
        }
        for id in ids {
            sqlx::query("UPDATE team_proposals SET status = $1 WHERE id = $2")
                .bind(if merge { "merged" } else { "dismissed" })
                .bind(*id)
                .execute(&mut *c)
                .await?;
        }
        let mut e = entry.clone();
        e.school = Some(school);
        e.target_kind = "proposal";
        if merge {
            if let Some(m) = ensemble_oneroster::propose::merge(&ps) {
                let new: i64 = sqlx::query_scalar(
                    "INSERT INTO team_proposals (school_id, term_id, name, body, status, created_at) VALUES ($1, $2, $3, $4, 'open', $5) RETURNING id",
                )
                .bind(school.0)
                .bind(term)
                .bind(&m.name)
                .bind(serde_json::to_string(&m).unwrap_or_default())
                .bind(now_ms())
                .fetch_one(&mut *c)
                .await?;
                e.target_id = Some(new);
                e.detail = format!(
                    "merged the proposals {}",
                    ensemble_oneroster::propose::and_list(
                        &ps.iter().map(|p| p.name.clone()).collect::<Vec<_>>()
                    )
                );
            }
        } else {
            e.detail = format!(
                "dismissed the proposals {}",
                ensemble_oneroster::propose::and_list(
                    &ps.iter().map(|p| p.name.clone()).collect::<Vec<_>>()
                )
            );
        }
        audit::write(c, &e).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Splits the members `off` (educator ids) out of a proposal into a new one named `name`.
    pub async fn split_proposal(
        &self,
        school: SchoolId,
        id: i64,
        off: &[EducatorId],
        name: &str,
        entry: &AuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let c: &mut AnyConnection = &mut tx;
        let (p, term) = open_proposal(c, school, id).await?;
        let people = educators_by_sid(c, school.0).await?;
        let off: BTreeSet<String> = people
            .iter()
            .filter(|(_, (eid, _, _))| off.contains(&EducatorId(*eid)))
            .map(|(s, _)| s.clone())
            .filter(|s| p.members.iter().any(|(m, _)| m == s))
            .collect();
        if off.is_empty() || off.len() == p.members.len() {
            return Err(StoreError::Conflict(
                "choose some of the proposal's members, not none and not all, to split off".into(),
            ));
        }
        let classes = class_inputs(c, school.0).await?;
        let name = name.trim();
        let name = if name.is_empty() {
            format!("{} (2)", p.name)
        } else {
            name.to_owned()
        };
        let (a, b) = ensemble_oneroster::propose::split(&classes, &p, &off, &name);
        sqlx::query("UPDATE team_proposals SET body = $1 WHERE id = $2")
            .bind(serde_json::to_string(&a).unwrap_or_default())
            .bind(id)
            .execute(&mut *c)
            .await?;
        sqlx::query(
            "INSERT INTO team_proposals (school_id, term_id, name, body, status, created_at) VALUES ($1, $2, $3, $4, 'open', $5)",
        )
        .bind(school.0)
        .bind(term)
        .bind(&b.name)
        .bind(serde_json::to_string(&b).unwrap_or_default())
        .bind(now_ms())
        .execute(&mut *c)
        .await?;
        let mut e = entry.clone();
        e.school = Some(school);
        e.target_kind = "proposal";
        e.target_id = Some(id);
        e.detail = format!("split {} out of the proposal {}", name, p.name);
        audit::write(c, &e).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// An open proposal of the school and its term, or NotFound (another school's looks missing).
async fn open_proposal(
    c: &mut AnyConnection,
    school: SchoolId,
    id: i64,
) -> Result<(Proposal, i64)> {
    let r = sqlx::query(
        "SELECT body, term_id, status FROM team_proposals WHERE id = $1 AND school_id = $2",
    )
    .bind(id)
    .bind(school.0)
    .fetch_optional(&mut *c)
    .await?
    .ok_or(StoreError::NotFound {
        what: "team proposal",
        id,
    })?;
    let status: String = r.try_get("status")?;
    if status != "open" {
        return Err(StoreError::Conflict(format!(
            "this proposal was already {status}"
        )));
    }
    let p: Proposal = serde_json::from_str(&r.try_get::<String, _>("body")?)
        .map_err(|e| StoreError::Corrupt(format!("team proposal: {e}")))?;
    Ok((p, r.try_get("term_id")?))
}

/// A bundle uploaded on the import page, between its review and its import.
#[derive(Clone, Debug)]
pub struct UploadRow {
    pub id: i64,
    pub created_by: Option<UserId>,
    pub created_at: i64,
    pub name: String,
    /// `reviewed`, `refused` or `applied`.
    pub status: String,
    /// The review (or the import's tally once applied) as JSON, or the problems as text.
    pub summary: String,
    pub applied_at: Option<i64>,
    pub size: i64,
}

const UPLOAD_COLS: &str =
    "id, created_by, created_at, name, status, summary, applied_at, CAST(LENGTH(bytes) AS BIGINT) AS size";

fn upload_row(r: &sqlx::any::AnyRow) -> Result<UploadRow> {
    Ok(UploadRow {
        id: r.try_get("id")?,
        created_by: r.try_get::<Option<i64>, _>("created_by")?.map(UserId),
        created_at: r.try_get("created_at")?,
        name: r.try_get("name")?,
        status: r.try_get("status")?,
        summary: r.try_get("summary")?,
        applied_at: r.try_get("applied_at")?,
        size: r.try_get::<Option<i64>, _>("size")?.unwrap_or(0),
    })
}

impl Store {
    /// Whether any account exists (a fresh install has none). Once true it stays true without
    /// asking the database again: an install, once set up, never goes back to its set-up page.
    pub async fn has_accounts(&self) -> Result<bool> {
        use std::sync::atomic::Ordering;
        if self.cache.accounts_exist.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let any: bool = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?
            > 0;
        if any {
            self.cache.accounts_exist.store(true, Ordering::Relaxed);
        }
        Ok(any)
    }

    /// A fresh install's first account: a system leader, with the district they name. Refused
    /// once any account exists (two people setting up at once: one wins, the other is told).
    pub async fn first_admin(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        district: &str,
    ) -> Result<UserId> {
        let mut tx = self.begin_write().await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *tx)
            .await?;
        if n > 0 {
            return Err(StoreError::Conflict(
                "Ensemble is already set up: sign in instead".into(),
            ));
        }
        let taken: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM districts WHERE sourced_id = 'district'")
                .fetch_one(&mut *tx)
                .await?;
        if taken == 0 {
            sqlx::query("INSERT INTO districts (sourced_id, name) VALUES ('district', $1)")
                .bind(district)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query("UPDATE districts SET name = $1 WHERE sourced_id = 'district'")
                .bind(district)
                .execute(&mut *tx)
                .await?;
        }
        let email = email.trim().to_ascii_lowercase();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, password_hash, system_role, created_at) VALUES ($1, $2, $3, 'system_admin', $4) RETURNING id",
        )
        .bind(&email)
        .bind(name)
        .bind(password_hash)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let mut e = crate::Actor {
            user: Some(UserId(id)),
            email: email.clone(),
            school: None,
        }
        .entry(actions::USER_CREATE, "user", Some(id));
        e.detail = format!("set up Ensemble: the first system leader, for the district {district}");
        audit::write(&mut tx, &e).await?;
        tx.commit().await?;
        Ok(UserId(id))
    }

    /// Keeps an uploaded bundle with its review (`reviewed`) or its problems (`refused`).
    pub async fn save_upload(
        &self,
        by: UserId,
        name: &str,
        bytes: &[u8],
        status: &str,
        summary: &str,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO roster_uploads (created_by, created_at, name, bytes, status, summary) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(by.0)
        .bind(now_ms())
        .bind(name)
        .bind(bytes.to_vec())
        .bind(status)
        .bind(summary)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The uploads, newest first (without their bytes).
    pub async fn uploads(&self, limit: i64) -> Result<Vec<UploadRow>> {
        sqlx::query(&format!(
            "SELECT {UPLOAD_COLS} FROM roster_uploads ORDER BY id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(upload_row)
        .collect()
    }

    /// One upload and its bytes.
    pub async fn upload(&self, id: i64) -> Result<Option<(UploadRow, Vec<u8>)>> {
        let r = sqlx::query(&format!(
            "SELECT {UPLOAD_COLS}, bytes FROM roster_uploads WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| Ok((upload_row(&r)?, r.try_get::<Vec<u8>, _>("bytes")?)))
            .transpose()
    }

    /// Applies a reviewed upload's plan and marks it applied, in one transaction with its
    /// audit; an upload already applied (a second click) is refused.
    pub async fn apply_upload(
        &self,
        id: i64,
        plan: &Plan,
        entry: &AuditEntry,
        progress: ImportProgress<'_>,
    ) -> Result<ImportSummary> {
        let mut tx = self.begin_write().await?;
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM roster_uploads WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        match status.as_deref() {
            None => return Err(StoreError::NotFound { what: "upload", id }),
            Some("reviewed") => {}
            Some("applied") => {
                return Err(StoreError::Conflict(
                    "this bundle was already imported".into(),
                ))
            }
            Some(_) => {
                return Err(StoreError::Conflict(
                    "this bundle was refused: upload a corrected one".into(),
                ))
            }
        }
        let (sum, removed) = apply_tallied(&mut tx, plan, progress).await?;
        let json = serde_json::to_string(&sum).unwrap_or_default();
        sqlx::query("UPDATE roster_uploads SET status = 'applied', summary = $1, applied_at = $2 WHERE id = $3")
            .bind(&json)
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit_import(
            &mut tx,
            entry,
            "OneRoster bundle uploaded",
            Some(id),
            &sum,
            &removed,
        )
        .await?;
        tx.commit().await?;
        Ok(sum)
    }
}
