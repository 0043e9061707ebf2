//! Student data. Facts for the access policy come out freely (they are about the reader's
//! relation to the student, not the student's record); records only come out for a grant,
//! and sensitive fields only for a grant that allows them.

use crate::{json_list, parse_col, Result, Store, StoreError};
use ensemble_domain::access::{Access, StudentFacts, StudentGrant};
use ensemble_domain::*;
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

/// A student as one reader may see them: the fields their grant does not allow are `None`.
#[derive(Clone, Debug, Serialize)]
pub struct StudentRecord {
    pub id: StudentId,
    pub sourced_id: String,
    pub school: SchoolId,
    pub given_name: String,
    pub family_name: String,
    /// The core team whose roster holds the student this term (the student's "group").
    pub core_team: Option<(TeamId, String)>,
    pub access: Access,
    pub grade: Option<Grade>,
    pub profile: Option<StudentProfile>,
    pub needs: Option<Needs>,
    pub demographics: Option<Demographics>,
    /// Who serves the student, and for what (sensitive: it reveals plans).
    pub served_by: Option<Vec<(EducatorId, String, String)>>,
}

/// Facts from a row with `id`, `school_id`, `team_id` and `served` columns.
fn facts_row(r: &sqlx::any::AnyRow) -> Result<StudentFacts> {
    Ok(StudentFacts {
        student: StudentId(r.try_get("id")?),
        school: SchoolId(r.try_get("school_id")?),
        core_team: r.try_get::<Option<i64>, _>("team_id")?.map(TeamId),
        served_by_reader: r.try_get::<i64, _>("served")? > 0,
    })
}

impl Store {
    /// What the policy needs to decide whether `reader` may see `student`; `None` if no such
    /// student exists.
    pub async fn student_facts(
        &self,
        student: StudentId,
        reader: Option<EducatorId>,
    ) -> Result<Option<StudentFacts>> {
        let row = sqlx::query(
            "SELECT st.id, st.school_id, r.team_id,
                    (SELECT COUNT(*) FROM service_assignments a WHERE a.student_id = st.id AND a.term_id = s.current_term_id AND a.educator_id = $2) AS served
             FROM students st JOIN schools s ON s.id = st.school_id
             LEFT JOIN roster_entries r ON r.student_id = st.id AND r.term_id = s.current_term_id
             WHERE st.id = $1",
        )
        .bind(student.0)
        .bind(reader.map(|e| e.0).unwrap_or(-1))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(facts_row).transpose()
    }

    /// Facts for every student on a team's roster, for deciding each one.
    pub async fn roster_facts(
        &self,
        team: TeamId,
        reader: Option<EducatorId>,
    ) -> Result<Vec<StudentFacts>> {
        let rows = sqlx::query(
            "SELECT st.id, st.school_id, r.team_id, CASE WHEN sv.student_id IS NULL THEN 0 ELSE 1 END AS served
             FROM roster_entries r JOIN students st ON st.id = r.student_id
             LEFT JOIN (SELECT DISTINCT student_id, term_id FROM service_assignments WHERE educator_id = $2) sv
                    ON sv.student_id = st.id AND sv.term_id = r.term_id
             WHERE r.team_id = $1 ORDER BY st.family_name, st.given_name, st.id",
        )
        .bind(team.0)
        .bind(reader.map(|e| e.0).unwrap_or(-1))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(facts_row).collect()
    }

    /// Facts for the students `reader` serves in their school's current term.
    pub async fn served_facts(&self, reader: EducatorId) -> Result<Vec<StudentFacts>> {
        let rows = sqlx::query(
            "SELECT DISTINCT st.id, st.school_id, r.team_id, 1 AS served, st.family_name, st.given_name
             FROM service_assignments a JOIN students st ON st.id = a.student_id JOIN schools s ON s.id = st.school_id
             LEFT JOIN roster_entries r ON r.student_id = st.id AND r.term_id = s.current_term_id
             WHERE a.educator_id = $1 AND a.term_id = s.current_term_id ORDER BY st.family_name, st.given_name, st.id",
        )
        .bind(reader.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(facts_row).collect()
    }

    /// The records the grants allow, in the grants' order.
    pub async fn student_records(&self, grants: &[StudentGrant]) -> Result<Vec<StudentRecord>> {
        let mut out = Vec::with_capacity(grants.len());
        for chunk in grants.chunks(500) {
            out.extend(self.student_records_chunk(chunk).await?);
        }
        Ok(out)
    }

    async fn student_records_chunk(&self, grants: &[StudentGrant]) -> Result<Vec<StudentRecord>> {
        if grants.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = grants.iter().map(|g| g.student().0).collect();
        let sql = format!(
            "SELECT st.id, st.sourced_id, st.school_id, st.given_name, st.family_name, st.grade, st.interests, st.strengths,
                    t.id AS team_id, t.name AS team_name
             FROM students st JOIN schools s ON s.id = st.school_id
             LEFT JOIN roster_entries r ON r.student_id = st.id AND r.term_id = s.current_term_id
             LEFT JOIN teams t ON t.id = r.team_id
             WHERE st.id IN ({})",
            crate::placeholders(1, ids.len())
        );
        let rows = crate::bind_ids(sqlx::query(&sql), &ids)
            .fetch_all(&self.pool)
            .await?;
        let mut base: HashMap<i64, sqlx::any::AnyRow> = HashMap::new();
        for r in rows {
            base.insert(r.try_get("id")?, r);
        }
        let full: Vec<i64> = grants
            .iter()
            .filter(|g| g.access().sees_sensitive())
            .map(|g| g.student().0)
            .collect();
        let sensitive = self.sensitive(&full).await?;
        let services = self.services_of(&full).await?;
        let mut out = Vec::with_capacity(grants.len());
        for g in grants {
            let id = g.student().0;
            let r = base.get(&id).ok_or(StoreError::NotFound {
                what: "student",
                id,
            })?;
            let access = g.access();
            let team_id: Option<i64> = r.try_get("team_id")?;
            let core_team = match team_id {
                Some(t) => Some((TeamId(t), r.try_get::<String, _>("team_name")?)),
                None => None,
            };
            let (profile, grade) = if access.sees_profile() {
                (
                    Some(StudentProfile {
                        interests: json_list(&r.try_get::<String, _>("interests")?)?,
                        strengths: json_list(&r.try_get::<String, _>("strengths")?)?,
                    }),
                    Some(parse_col("grade", Grade::new(r.try_get("grade")?))?),
                )
            } else {
                (None, None)
            };
            let (needs, demographics) = match sensitive.get(&id) {
                Some((n, d)) if access.sees_sensitive() => (Some(n.clone()), Some(d.clone())),
                _ => (None, None),
            };
            out.push(StudentRecord {
                id: StudentId(id),
                sourced_id: r.try_get("sourced_id")?,
                school: SchoolId(r.try_get("school_id")?),
                given_name: r.try_get("given_name")?,
                family_name: r.try_get("family_name")?,
                core_team,
                access,
                grade,
                profile,
                needs,
                demographics,
                served_by: access
                    .sees_sensitive()
                    .then(|| services.get(&id).cloned().unwrap_or_default()),
            });
        }
        Ok(out)
    }

    async fn sensitive(&self, ids: &[i64]) -> Result<HashMap<i64, (Needs, Demographics)>> {
        let mut out = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let sql = format!(
            "SELECT * FROM student_sensitive WHERE student_id IN ({})",
            crate::placeholders(1, ids.len())
        );
        for r in crate::bind_ids(sqlx::query(&sql), ids)
            .fetch_all(&self.pool)
            .await?
        {
            let needs = Needs {
                iep: r.try_get::<i64, _>("iep")? != 0,
                plan_504: r.try_get::<i64, _>("plan_504")? != 0,
                english_learner: r.try_get::<i64, _>("english_learner")? != 0,
                ell_proficiency: r
                    .try_get::<Option<i64>, _>("ell_proficiency")?
                    .and_then(|x| u8::try_from(x).ok()),
                health: r.try_get("health")?,
                services: json_list(&r.try_get::<String, _>("services")?)?,
            };
            let demographics = Demographics {
                birth_date: r.try_get("birth_date")?,
                gender: r.try_get("gender")?,
                race_ethnicity: r.try_get("race_ethnicity")?,
                home_language: r.try_get("home_language")?,
                free_reduced_lunch: r.try_get::<i64, _>("free_reduced_lunch")? != 0,
            };
            out.insert(r.try_get("student_id")?, (needs, demographics));
        }
        Ok(out)
    }

    async fn services_of(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<(EducatorId, String, String)>>> {
        let mut out: HashMap<i64, Vec<_>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let sql = format!(
            "SELECT a.student_id, e.id AS educator_id, e.given_name, e.family_name, a.service
             FROM service_assignments a JOIN educators e ON e.id = a.educator_id JOIN students st ON st.id = a.student_id
             JOIN schools s ON s.id = st.school_id
             WHERE a.term_id = s.current_term_id AND a.student_id IN ({}) ORDER BY a.service, e.family_name",
            crate::placeholders(1, ids.len())
        );
        for r in crate::bind_ids(sqlx::query(&sql), ids)
            .fetch_all(&self.pool)
            .await?
        {
            out.entry(r.try_get("student_id")?).or_default().push((
                EducatorId(r.try_get("educator_id")?),
                format!(
                    "{} {}",
                    r.try_get::<String, _>("given_name")?,
                    r.try_get::<String, _>("family_name")?
                ),
                r.try_get::<String, _>("service")?,
            ));
        }
        Ok(out)
    }

    /// Replaces a student's interests and strengths. Needs a grant that sees the profile.
    pub async fn update_student_profile(
        &self,
        grant: &StudentGrant,
        profile: &StudentProfile,
    ) -> Result<()> {
        if !grant.access().sees_profile() {
            return Err(StoreError::Conflict(
                "this grant does not allow changing the profile".into(),
            ));
        }
        let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        sqlx::query("UPDATE students SET interests = $1, strengths = $2 WHERE id = $3")
            .bind(json(&profile.interests))
            .bind(json(&profile.strengths))
            .bind(grant.student().0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Looks a student up by `sourcedId` within a school (for forms that take one).
    pub async fn student_id_by_sourced(
        &self,
        school: SchoolId,
        sourced_id: &str,
    ) -> Result<Option<StudentId>> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM students WHERE school_id = $1 AND sourced_id = $2")
                .bind(school.0)
                .bind(sourced_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(id.map(StudentId))
    }
}
