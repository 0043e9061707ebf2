//! Formative data (assessment results, students' choices) and the groupings teams propose and
//! publish. Reads of assessment data are audited by the caller, after the roster check.

use crate::audit::{self, AuditEntry};
use crate::{now_ms, Result, Store, StoreError};
use ensemble_domain::access::{RosterGrant, RosterUse, StudentGrant};
use ensemble_domain::*;
use sqlx::Row;
use std::collections::BTreeMap;

/// One result to import, already parsed (the grouping crate's CSV reader does that).
#[derive(Clone, Debug)]
pub struct NewAssessment {
    /// Line of the source file, for errors.
    pub line: u64,
    pub student: String,
    pub skill: String,
    pub date: String,
    pub mastery: u32,
    pub score_hundredths: Option<i64>,
    pub mastery_level: Option<u8>,
    pub source: String,
}

/// A student's results on one skill, oldest first: (date, mastery).
pub type History = Vec<(String, u32)>;

/// One group of a published grouping for a period of the week, without its students.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodGroupRow {
    pub day: DayOfWeek,
    pub period: usize,
    pub name: String,
    /// The educator's id, as the grouping stores it.
    pub educator: String,
    pub students: usize,
    /// The space's id, as the grouping stores it.
    pub space: Option<String>,
}

/// A stored grouping.
#[derive(Clone, Debug)]
pub struct GroupingRow {
    pub id: i64,
    pub team: TeamId,
    pub block: String,
    /// The period of the week it is for (day, period index), when it was formed for one.
    pub slot: Option<(DayOfWeek, usize)>,
    pub focus: String,
    pub strategy: String,
    pub input: String,
    pub grouping: String,
    pub created_at: i64,
    pub published_at: Option<i64>,
}

fn grouping_row(r: &sqlx::any::AnyRow) -> Result<GroupingRow> {
    Ok(GroupingRow {
        id: r.try_get("id")?,
        team: TeamId(r.try_get("team_id")?),
        block: r.try_get("block")?,
        slot: match (
            r.try_get::<Option<i64>, _>("day")?,
            r.try_get::<Option<i64>, _>("period")?,
        ) {
            (Some(d), Some(p)) => Some((
                crate::parse_col("day", DayOfWeek::from_index(d))?,
                usize::try_from(p).map_err(|_| {
                    crate::StoreError::Corrupt(format!("grouping period {p} is negative"))
                })?,
            )),
            _ => None,
        },
        focus: r.try_get("focus")?,
        strategy: r.try_get("strategy")?,
        input: r.try_get("input")?,
        grouping: r.try_get("grouping")?,
        created_at: r.try_get("created_at")?,
        published_at: r.try_get("published_at")?,
    })
}

const GROUPING_COLUMNS: &str =
    "id, team_id, block, day, period, focus, strategy, input, grouping, created_at, published_at";

impl Store {
    /// Imports assessment results in one transaction, with its audit entry (naming the
    /// students) when given. A student the database does not have is refused with the file and
    /// line, and nothing is imported.
    pub async fn import_assessments(
        &self,
        file: &str,
        rows: &[NewAssessment],
        entry: Option<&AuditEntry>,
    ) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        let mut ids: BTreeMap<&str, i64> = BTreeMap::new();
        let now = now_ms();
        for a in rows {
            let id = match ids.get(a.student.as_str()) {
                Some(&id) => id,
                None => {
                    let id: Option<i64> =
                        sqlx::query_scalar("SELECT id FROM students WHERE sourced_id = $1")
                            .bind(&a.student)
                            .fetch_optional(&mut *tx)
                            .await?;
                    let id = id.ok_or_else(|| {
                        StoreError::from(RuleViolation::Invalid(format!(
                            "{file}, line {}, field student_id: no student {:?}",
                            a.line, a.student
                        )))
                    })?;
                    ids.insert(a.student.as_str(), id);
                    id
                }
            };
            sqlx::query("INSERT INTO assessments (student_id, skill, taken_on, mastery, score_hundredths, mastery_level, source, file, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(id)
                .bind(&a.skill)
                .bind(&a.date)
                .bind(i64::from(a.mastery))
                .bind(a.score_hundredths)
                .bind(a.mastery_level.map(i64::from))
                .bind(&a.source)
                .bind(file)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(e) = entry {
            let mut e = e.clone();
            e.students = ids.values().copied().map(StudentId).collect();
            audit::write(&mut tx, &e).await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    /// Imports generated results given as (student sourcedId, skill, date, mastery, source),
    /// each mastery taken as its score.
    pub async fn import_results(
        &self,
        file: &str,
        results: &[(String, String, String, u32, String)],
    ) -> Result<usize> {
        let rows: Vec<NewAssessment> = results
            .iter()
            .enumerate()
            .map(
                |(i, (student, skill, date, mastery, source))| NewAssessment {
                    line: u64::try_from(i + 1).unwrap_or(u64::MAX),
                    student: student.clone(),
                    skill: skill.clone(),
                    date: date.clone(),
                    mastery: *mastery,
                    score_hundredths: Some(i64::from(*mastery) * 100),
                    mastery_level: None,
                    source: source.clone(),
                },
            )
            .collect();
        self.import_assessments(file, &rows, None).await
    }

    /// Every result of the students a grant covers with their profile, per student and
    /// skill, oldest first. The caller audits the read.
    pub async fn team_assessments(
        &self,
        grant: &RosterGrant,
    ) -> Result<BTreeMap<i64, BTreeMap<String, History>>> {
        let ids = profile_ids(grant);
        let mut out: BTreeMap<i64, BTreeMap<String, History>> = BTreeMap::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT student_id, skill, taken_on, mastery FROM assessments
                 WHERE student_id IN ({}) ORDER BY student_id, skill, taken_on, id",
                crate::placeholders(1, chunk.len())
            );
            for r in crate::bind_ids(sqlx::query(&sql), chunk)
                .fetch_all(&self.pool)
                .await?
            {
                let mastery = r.try_get::<i64, _>("mastery")?;
                out.entry(r.try_get("student_id")?)
                    .or_default()
                    .entry(r.try_get("skill")?)
                    .or_default()
                    .push((
                        r.try_get("taken_on")?,
                        u32::try_from(mastery.clamp(0, 100)).unwrap_or(0),
                    ));
            }
        }
        Ok(out)
    }

    /// The skills the results of a grant's students cover (without reading the results).
    pub async fn team_skills(&self, grant: &RosterGrant) -> Result<Vec<String>> {
        let ids = profile_ids(grant);
        let mut skills = std::collections::BTreeSet::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT DISTINCT skill FROM assessments WHERE student_id IN ({})",
                crate::placeholders(1, chunk.len())
            );
            let found: Vec<String> = crate::bind_ids_scalar(sqlx::query_scalar(&sql), chunk)
                .fetch_all(&self.pool)
                .await?;
            skills.extend(found);
        }
        Ok(skills.into_iter().collect())
    }

    /// Ranked choices of a grant's students: student → options, first choice first.
    pub async fn team_choices(&self, grant: &RosterGrant) -> Result<BTreeMap<i64, Vec<String>>> {
        let ids = profile_ids(grant);
        let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT student_id, option_code FROM student_choices
                 WHERE student_id IN ({}) ORDER BY student_id, choice_rank, option_code",
                crate::placeholders(1, chunk.len())
            );
            for r in crate::bind_ids(sqlx::query(&sql), chunk)
                .fetch_all(&self.pool)
                .await?
            {
                out.entry(r.try_get("student_id")?)
                    .or_default()
                    .push(r.try_get("option_code")?);
            }
        }
        Ok(out)
    }

    /// Replaces the ranked choices of students given by sourcedId, in one transaction.
    pub async fn import_choices(&self, choices: &[(String, Vec<String>)]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for (student, options) in choices {
            let id: i64 = sqlx::query_scalar("SELECT id FROM students WHERE sourced_id = $1")
                .bind(student)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| {
                    StoreError::from(RuleViolation::Invalid(format!("no student {student:?}")))
                })?;
            replace_choices(&mut tx, id, options).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A student's ranked choices, first choice first, for a grant that sees the profile.
    pub async fn choices_of(&self, grant: &StudentGrant) -> Result<Vec<String>> {
        if !grant.access().sees_profile() {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_scalar(
            "SELECT option_code FROM student_choices WHERE student_id = $1 ORDER BY choice_rank, option_code",
        )
        .bind(grant.student().0)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Stores a proposed grouping (a draft) of the grant's team, with its audit entry.
    pub async fn insert_grouping(
        &self,
        grant: &RosterGrant,
        new: &NewGrouping<'_>,
        entry: &AuditEntry,
    ) -> Result<i64> {
        let team = board_team(grant)?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO groupings (team_id, block, focus, strategy, input, grouping, created_by, created_at, published_at, day, period)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10) RETURNING id",
        )
        .bind(team)
        .bind(new.block)
        .bind(new.focus)
        .bind(new.strategy)
        .bind(new.input)
        .bind(new.grouping)
        .bind(entry.user.map(|u| u.0))
        .bind(now_ms())
        .bind(new.slot.map(|(d, _)| i64::from(d.index())))
        .bind(new.slot.and_then(|(_, p)| i64::try_from(p).ok()))
        .fetch_one(&mut *tx)
        .await?;
        let mut entry = entry.clone();
        entry.target_id = Some(id);
        audit::write(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Stores groupings published earlier (the demo's history), without a grant: only for
    /// writing generated data.
    pub async fn insert_published_grouping(
        &self,
        team: TeamId,
        new: &NewGrouping<'_>,
        published_at: i64,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO groupings (team_id, block, focus, strategy, input, grouping, created_by, created_at, published_at, day, period)
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $7, $8, $9) RETURNING id",
        )
        .bind(team.0)
        .bind(new.block)
        .bind(new.focus)
        .bind(new.strategy)
        .bind(new.input)
        .bind(new.grouping)
        .bind(published_at)
        .bind(new.slot.map(|(d, _)| i64::from(d.index())))
        .bind(new.slot.and_then(|(_, p)| i64::try_from(p).ok()))
        .fetch_one(&self.pool)
        .await?)
    }

    /// The newest published grouping of each period of the week for a team, as group sizes
    /// only — who leads each group, how many students, which space (educator and space ids as
    /// the grouping stores them). No student is named or counted singly: this is what the team
    /// schedule shows to anyone of the school.
    pub async fn period_groups(&self, team: TeamId) -> Result<Vec<PeriodGroupRow>> {
        let rows = sqlx::query(
            "SELECT g.day, g.period, g.grouping FROM groupings g
             WHERE g.team_id = $1 AND g.published_at IS NOT NULL AND g.day IS NOT NULL AND g.period IS NOT NULL
             AND g.id = (SELECT MAX(x.id) FROM groupings x WHERE x.team_id = g.team_id AND x.day = g.day AND x.period = g.period AND x.published_at IS NOT NULL)
             ORDER BY g.day, g.period",
        )
        .bind(team.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let day = crate::parse_col("day", DayOfWeek::from_index(r.try_get("day")?))?;
            let period = usize::try_from(r.try_get::<i64, _>("period")?)
                .map_err(|_| StoreError::Corrupt("a grouping's period is negative".into()))?;
            // A grouping this version cannot read is left out of the schedule.
            let Ok(g) =
                serde_json::from_str::<serde_json::Value>(&r.try_get::<String, _>("grouping")?)
            else {
                continue;
            };
            for grp in g["groups"].as_array().into_iter().flatten() {
                let students = grp["students"].as_array().map_or(0, Vec::len);
                if students == 0 {
                    continue;
                }
                out.push(PeriodGroupRow {
                    day,
                    period,
                    name: grp["name"].as_str().unwrap_or_default().to_owned(),
                    educator: grp["educator"].as_str().unwrap_or_default().to_owned(),
                    students,
                    space: grp["space"].as_str().map(str::to_owned),
                });
            }
        }
        Ok(out)
    }

    /// The team a grouping belongs to (no student data: for deciding who may see it).
    pub async fn grouping_team(&self, id: i64) -> Result<Option<TeamId>> {
        let t: Option<i64> = sqlx::query_scalar("SELECT team_id FROM groupings WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(t.map(TeamId))
    }

    /// One grouping of the grant's team; another team's is as missing.
    pub async fn grouping(&self, grant: &RosterGrant, id: i64) -> Result<Option<GroupingRow>> {
        let team = board_team(grant)?;
        sqlx::query(&format!(
            "SELECT {GROUPING_COLUMNS} FROM groupings WHERE id = $1 AND team_id = $2"
        ))
        .bind(id)
        .bind(team)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(grouping_row)
        .transpose()
    }

    /// The grant's team's groupings, newest first: published ones only, or drafts too.
    pub async fn groupings(
        &self,
        grant: &RosterGrant,
        published_only: bool,
        limit: u32,
    ) -> Result<Vec<GroupingRow>> {
        let team = board_team(grant)?;
        let rows = sqlx::query(&format!(
            "SELECT {GROUPING_COLUMNS} FROM groupings WHERE team_id = $1 AND ($2 = 0 OR published_at IS NOT NULL)
             ORDER BY COALESCE(published_at, created_at) DESC, id DESC LIMIT $3"
        ))
        .bind(team)
        .bind(i64::from(published_only))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(grouping_row).collect()
    }

    /// Changes a draft grouping of the grant's team, with its audit entry; a published one is
    /// never changed.
    pub async fn update_grouping(
        &self,
        grant: &RosterGrant,
        id: i64,
        grouping: &str,
        entry: &AuditEntry,
    ) -> Result<()> {
        let team = board_team(grant)?;
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE groupings SET grouping = $1 WHERE id = $2 AND team_id = $3 AND published_at IS NULL",
        )
        .bind(grouping)
        .bind(id)
        .bind(team)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(
                "a published grouping is not changed; propose a new one".into(),
            ));
        }
        audit::write(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes a draft grouping of the grant's team to the team, with its audit entry.
    /// Publishing twice changes nothing.
    pub async fn publish_grouping(
        &self,
        grant: &RosterGrant,
        id: i64,
        entry: &AuditEntry,
    ) -> Result<()> {
        let team = board_team(grant)?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE groupings SET published_at = $1 WHERE id = $2 AND team_id = $3 AND published_at IS NULL",
        )
        .bind(now_ms())
        .bind(id)
        .bind(team)
        .execute(&mut *tx)
        .await?;
        audit::write(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A grouping to store.
#[derive(Clone, Copy, Debug)]
pub struct NewGrouping<'a> {
    pub block: &'a str,
    /// The period of the week it is for, if any.
    pub slot: Option<(DayOfWeek, usize)>,
    pub focus: &'a str,
    pub strategy: &'a str,
    /// The engine's input, as JSON.
    pub input: &'a str,
    /// The engine's answer, as JSON.
    pub grouping: &'a str,
}

/// The students of a grant whose profile (and so formative data) the reader may see.
fn profile_ids(grant: &RosterGrant) -> Vec<i64> {
    grant.with_profile().map(|g| g.student().0).collect()
}

/// The team of a grouping-board grant; any other grant reads no groupings.
fn board_team(grant: &RosterGrant) -> Result<i64> {
    match (grant.purpose(), grant.team()) {
        (RosterUse::GroupingBoard, Some(t)) => Ok(t.0),
        _ => Err(StoreError::Conflict(
            "groupings are read and changed through the team's grouping board".into(),
        )),
    }
}

/// Replaces a student's ranked choices inside a transaction.
pub(crate) async fn replace_choices(
    tx: &mut sqlx::AnyConnection,
    student: i64,
    options: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM student_choices WHERE student_id = $1")
        .bind(student)
        .execute(&mut *tx)
        .await?;
    for (rank, o) in options.iter().enumerate() {
        sqlx::query(
            "INSERT INTO student_choices (student_id, option_code, choice_rank) VALUES ($1, $2, $3)",
        )
        .bind(student)
        .bind(o)
        .bind(i64::try_from(rank + 1).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
