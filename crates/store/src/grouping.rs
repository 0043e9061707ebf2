//! Formative data (assessment results, students' choices) and the groupings teams propose and
//! publish. Reads of assessment data are audited by the caller, after the roster check.

use crate::{now_ms, Result, Store, StoreError};
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

/// A stored grouping.
#[derive(Clone, Debug)]
pub struct GroupingRow {
    pub id: i64,
    pub team: TeamId,
    pub block: String,
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
        focus: r.try_get("focus")?,
        strategy: r.try_get("strategy")?,
        input: r.try_get("input")?,
        grouping: r.try_get("grouping")?,
        created_at: r.try_get("created_at")?,
        published_at: r.try_get("published_at")?,
    })
}

const GROUPING_COLUMNS: &str =
    "id, team_id, block, focus, strategy, input, grouping, created_at, published_at";

impl Store {
    /// Imports assessment results in one transaction. A student the database does not have is
    /// refused with the file and line, and nothing is imported.
    pub async fn import_assessments(&self, file: &str, rows: &[NewAssessment]) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
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
                    line: i as u64 + 1,
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
        self.import_assessments(file, &rows).await
    }

    /// Every result of the students on a team's roster, per student and skill, oldest first.
    /// The caller has checked the reader may see the roster, and audits the read.
    pub async fn team_assessments(
        &self,
        team: TeamId,
    ) -> Result<BTreeMap<i64, BTreeMap<String, History>>> {
        let rows = sqlx::query(
            "SELECT a.student_id, a.skill, a.taken_on, a.mastery FROM assessments a
             JOIN roster_entries r ON r.student_id = a.student_id
             WHERE r.team_id = $1 ORDER BY a.student_id, a.skill, a.taken_on, a.id",
        )
        .bind(team.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out: BTreeMap<i64, BTreeMap<String, History>> = BTreeMap::new();
        for r in rows {
            out.entry(r.try_get("student_id")?)
                .or_default()
                .entry(r.try_get("skill")?)
                .or_default()
                .push((
                    r.try_get("taken_on")?,
                    r.try_get::<i64, _>("mastery")?.clamp(0, 100) as u32,
                ));
        }
        Ok(out)
    }

    /// The skills the roster's results cover (without reading the results themselves).
    pub async fn team_skills(&self, team: TeamId) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT a.skill FROM assessments a JOIN roster_entries r ON r.student_id = a.student_id
             WHERE r.team_id = $1 ORDER BY a.skill",
        )
        .bind(team.0)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Ranked choices of the students on a team's roster: student → options, first choice
    /// first.
    pub async fn team_choices(&self, team: TeamId) -> Result<BTreeMap<i64, Vec<String>>> {
        let rows = sqlx::query(
            "SELECT c.student_id, c.option_code FROM student_choices c
             JOIN roster_entries r ON r.student_id = c.student_id
             WHERE r.team_id = $1 ORDER BY c.student_id, c.choice_rank, c.option_code",
        )
        .bind(team.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for r in rows {
            out.entry(r.try_get("student_id")?)
                .or_default()
                .push(r.try_get("option_code")?);
        }
        Ok(out)
    }

    /// Replaces the ranked choices of students given by sourcedId, in one transaction.
    pub async fn import_choices(&self, choices: &[(String, Vec<String>)]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (student, options) in choices {
            let id: i64 = sqlx::query_scalar("SELECT id FROM students WHERE sourced_id = $1")
                .bind(student)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| {
                    StoreError::from(RuleViolation::Invalid(format!("no student {student:?}")))
                })?;
            sqlx::query("DELETE FROM student_choices WHERE student_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for (rank, o) in options.iter().enumerate() {
                sqlx::query("INSERT INTO student_choices (student_id, option_code, choice_rank) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(o)
                    .bind(rank as i64 + 1)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// A student's ranked choices, first choice first. The caller has checked the reader may
    /// see the student's profile.
    pub async fn choices_of(&self, student: StudentId) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT option_code FROM student_choices WHERE student_id = $1 ORDER BY choice_rank, option_code",
        )
        .bind(student.0)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Replaces a student's ranked choices.
    pub async fn set_choices(&self, student: StudentId, options: &[String]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM student_choices WHERE student_id = $1")
            .bind(student.0)
            .execute(&mut *tx)
            .await?;
        for (rank, o) in options.iter().enumerate() {
            sqlx::query(
                "INSERT INTO student_choices (student_id, option_code, choice_rank) VALUES ($1, $2, $3)",
            )
            .bind(student.0)
            .bind(o)
            .bind(rank as i64 + 1)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_grouping(
        &self,
        team: TeamId,
        user: Option<UserId>,
        block: &str,
        focus: &str,
        strategy: &str,
        input: &str,
        grouping: &str,
        published_at: Option<i64>,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO groupings (team_id, block, focus, strategy, input, grouping, created_by, created_at, published_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(team.0)
        .bind(block)
        .bind(focus)
        .bind(strategy)
        .bind(input)
        .bind(grouping)
        .bind(user.map(|u| u.0))
        .bind(now_ms())
        .bind(published_at)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn grouping(&self, id: i64) -> Result<Option<GroupingRow>> {
        sqlx::query(&format!(
            "SELECT {GROUPING_COLUMNS} FROM groupings WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(grouping_row)
        .transpose()
    }

    /// Changes a draft grouping; a published one is never changed.
    pub async fn update_grouping(&self, id: i64, grouping: &str) -> Result<()> {
        let n = sqlx::query(
            "UPDATE groupings SET grouping = $1 WHERE id = $2 AND published_at IS NULL",
        )
        .bind(grouping)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(
                "a published grouping is not changed; propose a new one".into(),
            ));
        }
        Ok(())
    }

    pub async fn publish_grouping(&self, id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE groupings SET published_at = $1 WHERE id = $2 AND published_at IS NULL",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The team's published groupings, newest first.
    pub async fn published_groupings(&self, team: TeamId, limit: i64) -> Result<Vec<GroupingRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {GROUPING_COLUMNS} FROM groupings WHERE team_id = $1 AND published_at IS NOT NULL
             ORDER BY published_at DESC, id DESC LIMIT $2"
        ))
        .bind(team.0)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(grouping_row).collect()
    }
}
