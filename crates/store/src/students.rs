//! Student data. Facts for the access policy come out freely (they are about the reader's
//! relation to the student, not the student's record); a record only comes out for a
//! [`StudentGrant`], a roster's records only for a [`RosterGrant`], and each sensitive field
//! only when the grant's access includes its kind.

use crate::audit::{self, AuditEntry};
use crate::cache::{Fresh, Slot, Value};
use crate::{json_list, parse_col, Loaded, Result, Store, StoreError};
use ensemble_domain::access::{Access, RosterGrant, Sensitive, StudentFacts, StudentGrant};
use ensemble_domain::*;
use sqlx::Row;
use std::collections::HashMap;

/// A student as one reader may see them: the fields their grant does not allow are `None`.
#[derive(Clone, Debug)]
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
    /// The sensitive needs of the kinds the reader may see.
    pub needs: Option<SeenNeeds>,
    /// Demographics, for readers who may see them.
    pub demographics: Option<Demographics>,
    /// Who serves the student, and for what (it reveals plans): for readers who may see
    /// services.
    pub served_by: Option<Vec<(EducatorId, String, String)>>,
}

impl StudentRecord {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

/// Who serves each student: student → (educator, name, service).
type ServedBy = HashMap<i64, Vec<(EducatorId, String, String)>>;

/// Facts from a row with `id`, `school_id` and `team_id` columns; services are added after.
fn facts_row(r: &sqlx::any::AnyRow) -> Result<StudentFacts> {
    Ok(StudentFacts {
        student: StudentId(r.try_get("id")?),
        school: SchoolId(r.try_get("school_id")?),
        core_team: r.try_get::<Option<i64>, _>("team_id")?.map(TeamId),
        reader_services: Vec::new(),
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
            "SELECT st.id, st.school_id, r.team_id FROM students st JOIN schools s ON s.id = st.school_id
             LEFT JOIN roster_entries r ON r.student_id = st.id AND r.term_id = s.current_term_id
             WHERE st.id = $1",
        )
        .bind(student.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(mut facts) = row.as_ref().map(facts_row).transpose()? else {
            return Ok(None);
        };
        if let Some(e) = reader {
            facts.reader_services = sqlx::query_scalar(
                "SELECT a.service FROM service_assignments a JOIN students st ON st.id = a.student_id JOIN schools s ON s.id = st.school_id
                 WHERE a.student_id = $1 AND a.educator_id = $2 AND a.term_id = s.current_term_id ORDER BY a.service",
            )
            .bind(student.0)
            .bind(e.0)
            .fetch_all(&self.pool)
            .await?;
        }
        Ok(Some(facts))
    }

    /// Facts for each of these students that exists (in id order).
    pub async fn students_facts(
        &self,
        ids: &[StudentId],
        reader: Option<EducatorId>,
    ) -> Result<Vec<StudentFacts>> {
        let mut out = Vec::new();
        let ids: Vec<i64> = ids.iter().map(|s| s.0).collect();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT st.id, st.school_id, r.team_id FROM students st JOIN schools s ON s.id = st.school_id
                 LEFT JOIN roster_entries r ON r.student_id = st.id AND r.term_id = s.current_term_id
                 WHERE st.id IN ({}) ORDER BY st.id",
                crate::placeholders(1, chunk.len())
            );
            let rows = crate::bind_ids(sqlx::query(&sql), chunk)
                .fetch_all(&self.pool)
                .await?;
            let mut facts = rows.iter().map(facts_row).collect::<Result<Vec<_>>>()?;
            if let Some(e) = reader {
                let sql = format!(
                    "SELECT a.student_id, a.service FROM service_assignments a JOIN students st ON st.id = a.student_id
                     JOIN schools s ON s.id = st.school_id
                     WHERE a.educator_id = ${} AND a.term_id = s.current_term_id AND a.student_id IN ({}) ORDER BY a.service",
                    chunk.len() + 1,
                    crate::placeholders(1, chunk.len())
                );
                let served = crate::bind_ids(sqlx::query(&sql), chunk)
                    .bind(e.0)
                    .fetch_all(&self.pool)
                    .await?;
                add_services(&mut facts, &served)?;
            }
            out.extend(facts);
        }
        Ok(out)
    }

    /// Facts for the student with this sourcedId (in this school, when given); `None` if
    /// there is none.
    pub async fn student_facts_by_sourced(
        &self,
        school: Option<SchoolId>,
        sourced_id: &str,
        reader: Option<EducatorId>,
    ) -> Result<Option<StudentFacts>> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM students WHERE ($1 < 0 OR school_id = $1) AND sourced_id = $2",
        )
        .bind(school.map_or(-1, |s| s.0))
        .bind(sourced_id)
        .fetch_optional(&self.pool)
        .await?;
        match id {
            Some(id) => self.student_facts(StudentId(id), reader).await,
            None => Ok(None),
        }
    }

    /// Facts for every student on a team's roster now, for deciding each one.
    pub async fn roster_facts(
        &self,
        team: TeamId,
        reader: Option<EducatorId>,
    ) -> Result<Vec<StudentFacts>> {
        let rows = sqlx::query(
            "SELECT st.id, st.school_id, r.team_id FROM roster_entries r JOIN students st ON st.id = r.student_id
             WHERE r.team_id = $1 ORDER BY st.family_name, st.given_name, st.id",
        )
        .bind(team.0)
        .fetch_all(&self.pool)
        .await?;
        let mut facts = rows.iter().map(facts_row).collect::<Result<Vec<_>>>()?;
        if let Some(e) = reader {
            let served = sqlx::query(
                "SELECT a.student_id, a.service FROM service_assignments a
                 JOIN roster_entries r ON r.student_id = a.student_id AND r.term_id = a.term_id
                 WHERE r.team_id = $1 AND a.educator_id = $2 ORDER BY a.service",
            )
            .bind(team.0)
            .bind(e.0)
            .fetch_all(&self.pool)
            .await?;
            add_services(&mut facts, &served)?;
        }
        Ok(facts)
    }

    /// [`Store::roster_facts`], from memory when read at this version.
    pub async fn roster_facts_at(
        &self,
        fresh: Fresh,
        team: TeamId,
        reader: Option<EducatorId>,
    ) -> Result<Vec<StudentFacts>> {
        let slot = Slot::RosterFacts(team, reader);
        if let Some(Value::RosterFacts(f)) = self.cache.get(fresh, &slot) {
            return Ok(f);
        }
        let f = self.roster_facts(team, reader).await?;
        self.cache.put(fresh, slot, Value::RosterFacts(f.clone()));
        Ok(f)
    }

    /// Facts for the students `reader` serves in their school's current term.
    pub async fn served_facts(&self, reader: EducatorId) -> Result<Vec<StudentFacts>> {
        let rows = sqlx::query(
            "SELECT DISTINCT st.id, st.school_id, r.team_id, st.family_name, st.given_name
             FROM service_assignments a JOIN students st ON st.id = a.student_id JOIN schools s ON s.id = st.school_id
             LEFT JOIN roster_entries r ON r.student_id = st.id AND r.term_id = s.current_term_id
             WHERE a.educator_id = $1 AND a.term_id = s.current_term_id ORDER BY st.family_name, st.given_name, st.id",
        )
        .bind(reader.0)
        .fetch_all(&self.pool)
        .await?;
        let mut facts = rows.iter().map(facts_row).collect::<Result<Vec<_>>>()?;
        let served = sqlx::query(
            "SELECT a.student_id, a.service FROM service_assignments a JOIN students st ON st.id = a.student_id
             JOIN schools s ON s.id = st.school_id
             WHERE a.educator_id = $1 AND a.term_id = s.current_term_id ORDER BY a.service",
        )
        .bind(reader.0)
        .fetch_all(&self.pool)
        .await?;
        add_services(&mut facts, &served)?;
        Ok(facts)
    }

    /// One student's record, as the grant allows (with who serves them, when it may see that).
    pub async fn student_record(&self, grant: &StudentGrant) -> Result<StudentRecord> {
        let mut loaded = self.records(std::slice::from_ref(grant), true).await?;
        match (loaded.rows.pop(), loaded.unreadable.pop()) {
            (Some(r), _) => Ok(r),
            (None, Some(bad)) => Err(StoreError::Corrupt(bad.to_string())),
            (None, None) => Err(StoreError::NotFound {
                what: "student",
                id: grant.student().0,
            }),
        }
    }

    /// The records a roster grant covers, in its order; a record that cannot be read is left
    /// out and named. `served_by` (who serves each student) is read only `with_services`.
    pub async fn roster_records(
        &self,
        grant: &RosterGrant,
        with_services: bool,
    ) -> Result<Loaded<StudentRecord>> {
        self.records(grant.students(), with_services).await
    }

    /// [`Store::roster_records`], from memory for the records read at this version.
    pub async fn roster_records_at(
        &self,
        fresh: Fresh,
        grant: &RosterGrant,
        with_services: bool,
    ) -> Result<Loaded<StudentRecord>> {
        let grants = grant.students();
        let keys: Vec<(StudentId, Access, bool)> = grants
            .iter()
            .map(|g| (g.student(), g.access(), with_services))
            .collect();
        let (mut found, missing) = self.cache.records(fresh, &keys);
        let mut out = Loaded::default();
        if !missing.is_empty() {
            let wanted: Vec<StudentGrant> = missing.iter().map(|&i| grants[i].clone()).collect();
            let loaded = self.records(&wanted, with_services).await?;
            let by_id: HashMap<StudentId, StudentRecord> =
                loaded.rows.into_iter().map(|r| (r.id, r)).collect();
            self.cache.put_records(
                fresh,
                missing
                    .iter()
                    .filter_map(|&i| by_id.get(&keys[i].0).map(|r| (keys[i], r.clone()))),
            );
            for &i in &missing {
                found[i] = by_id.get(&keys[i].0).cloned();
            }
            out.unreadable = loaded.unreadable;
        }
        out.rows = found.into_iter().flatten().collect();
        Ok(out)
    }

    async fn records(
        &self,
        grants: &[StudentGrant],
        with_services: bool,
    ) -> Result<Loaded<StudentRecord>> {
        let mut out = Loaded::default();
        for chunk in grants.chunks(500) {
            let part = self.records_chunk(chunk, with_services).await?;
            out.rows.extend(part.rows);
            out.unreadable.extend(part.unreadable);
        }
        Ok(out)
    }

    async fn records_chunk(
        &self,
        grants: &[StudentGrant],
        with_services: bool,
    ) -> Result<Loaded<StudentRecord>> {
        let mut out = Loaded::default();
        if grants.is_empty() {
            return Ok(out);
        }
        let ids: Vec<i64> = grants.iter().map(|g| g.student().0).collect();
        // Sensitive columns are only selected when some grant may see some of them.
        let any_sensitive = grants.iter().any(|g| !g.access().sensitive().is_empty());
        let sensitive_cols = if any_sensitive {
            ", ss.student_id AS ss_id, ss.iep, ss.plan_504, ss.english_learner, ss.ell_proficiency, ss.health, ss.services,
               ss.birth_date, ss.gender, ss.race_ethnicity, ss.home_language, ss.free_reduced_lunch, ss.accommodations"
        } else {
            ""
        };
        let sensitive_join = if any_sensitive {
            "LEFT JOIN student_sensitive ss ON ss.student_id = st.id"
        } else {
            ""
        };
        let sql = format!(
            "SELECT st.id, st.sourced_id, st.school_id, st.given_name, st.family_name, st.grade, st.interests, st.strengths,
                    t.id AS team_id, t.name AS team_name {sensitive_cols}
             FROM students st JOIN schools s ON s.id = st.school_id
             LEFT JOIN roster_entries r ON r.student_id = st.id AND r.term_id = s.current_term_id
             LEFT JOIN teams t ON t.id = r.team_id {sensitive_join}
             WHERE st.id IN ({})",
            crate::placeholders(1, ids.len())
        );
        let rows = crate::bind_ids(sqlx::query(&sql), &ids)
            .fetch_all(&self.pool)
            .await?;
        let mut base: HashMap<i64, sqlx::any::AnyRow> = HashMap::with_capacity(rows.len());
        for r in rows {
            base.insert(r.try_get("id")?, r);
        }
        let served: Vec<i64> = grants
            .iter()
            .filter(|g| with_services && g.access().sees(Sensitive::Services))
            .map(|g| g.student().0)
            .collect();
        let services = self.services_of(&served).await?;
        for g in grants {
            let id = g.student().0;
            let Some(r) = base.get(&id) else {
                // Gone between the decision and the read: as if it had never been there.
                continue;
            };
            out.push(
                "student",
                id,
                record(r, g.access(), with_services.then_some(&services)),
            );
        }
        Ok(out)
    }

    async fn services_of(&self, ids: &[i64]) -> Result<ServedBy> {
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
                crate::full_name(&r)?,
                r.try_get::<String, _>("service")?,
            ));
        }
        Ok(out)
    }

    /// Replaces a student's interests and strengths and, when given, their ranked choices —
    /// together, in one transaction with its audit entry. Needs a grant that may change the
    /// profile.
    pub async fn update_student_profile(
        &self,
        grant: &StudentGrant,
        profile: &StudentProfile,
        choices: Option<&[String]>,
        entry: &AuditEntry,
    ) -> Result<()> {
        if !ensemble_domain::access::may_change_profile(grant) {
            return Err(StoreError::Conflict(
                "this grant does not allow changing the profile".into(),
            ));
        }
        let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE students SET interests = $1, strengths = $2 WHERE id = $3")
            .bind(json(&profile.interests))
            .bind(json(&profile.strengths))
            .bind(grant.student().0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "student",
                id: grant.student().0,
            });
        }
        if let Some(choices) = choices {
            crate::grouping::replace_choices(&mut tx, grant.student().0, choices).await?;
        }
        audit::write(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Adds `(student_id, service)` rows to the facts of their students.
fn add_services(facts: &mut [StudentFacts], served: &[sqlx::any::AnyRow]) -> Result<()> {
    if served.is_empty() {
        return Ok(());
    }
    let index: HashMap<i64, usize> = facts
        .iter()
        .enumerate()
        .map(|(i, f)| (f.student.0, i))
        .collect();
    for r in served {
        if let Some(&i) = index.get(&r.try_get::<i64, _>("student_id")?) {
            facts[i].reader_services.push(r.try_get("service")?);
        }
    }
    Ok(())
}

/// One record from its row, with what `access` allows.
fn record(
    r: &sqlx::any::AnyRow,
    access: Access,
    services: Option<&ServedBy>,
) -> Result<StudentRecord> {
    let id: i64 = r.try_get("id")?;
    let core_team = match r.try_get::<Option<i64>, _>("team_id")? {
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
    let sensitive = access.sensitive();
    let (needs, demographics) =
        if sensitive.is_empty() || r.try_get::<Option<i64>, _>("ss_id")?.is_none() {
            (None, None)
        } else {
            let needs = Needs {
                iep: r.try_get::<i64, _>("iep")? != 0,
                plan_504: r.try_get::<i64, _>("plan_504")? != 0,
                english_learner: r.try_get::<i64, _>("english_learner")? != 0,
                ell_proficiency: match r.try_get::<Option<i64>, _>("ell_proficiency")? {
                    Some(x) => Some(parse_col("English proficiency", u8::try_from(x))?),
                    None => None,
                },
                health: r.try_get("health")?,
                services: json_list(&r.try_get::<String, _>("services")?)?,
                accommodations: json_list(&r.try_get::<String, _>("accommodations")?)?,
            };
            let home_language: Option<String> = r.try_get("home_language")?;
            let demographics = access
                .sees(Sensitive::Demographics)
                .then(|| -> Result<Demographics> {
                    Ok(Demographics {
                        birth_date: r.try_get("birth_date")?,
                        gender: r.try_get("gender")?,
                        race_ethnicity: r.try_get("race_ethnicity")?,
                        home_language: home_language.clone(),
                        free_reduced_lunch: r.try_get::<i64, _>("free_reduced_lunch")? != 0,
                    })
                })
                .transpose()?;
            (
                SeenNeeds::of(&needs, home_language.as_deref(), access),
                demographics,
            )
        };
    Ok(StudentRecord {
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
        served_by: services
            .filter(|_| access.sees(Sensitive::Services))
            .map(|s| s.get(&id).cloned().unwrap_or_default()),
    })
}
