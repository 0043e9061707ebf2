//! What the staffing designer reads (a school's pool of educators and aggregate need counts),
//! its plans, and saving a plan as the school's teams.

use crate::audit::{self, AuditEntry};
use crate::{full_name, now_ms, parse_col, role_of, Result, Store, StoreError};
use ensemble_domain::team::{check_composition, TeamSeat};
use ensemble_domain::*;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// An educator of the school as the designer needs them.
#[derive(Clone, Debug)]
pub struct PoolEducator {
    pub id: EducatorId,
    pub sourced_id: String,
    pub name: String,
    pub role_type: RoleType,
    pub fte: Fte,
    pub years: u8,
    pub available_periods: u32,
    pub competencies: Vec<Competency>,
    pub expertise: Vec<ContentExpertise>,
    /// Their core team this term (last year's team, for continuity).
    pub core_team: Option<String>,
}

/// Students of one grade, with counts of those who need each support and of English learners
/// by home language. Counts only: no student is identified. The caller audits the read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GradeNeeds {
    pub grade: u8,
    pub students: u32,
    pub special_education: u32,
    pub english_learner: u32,
    pub reading_intervention: u32,
    /// English learners by home language.
    pub languages: BTreeMap<String, u32>,
}

/// A stored plan.
#[derive(Clone, Debug)]
pub struct PlanRow {
    pub id: i64,
    pub school: SchoolId,
    pub plan: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub saved_at: Option<i64>,
}

/// What saving a plan changes (or changed) on one team of the term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamChange {
    pub team: String,
    pub kind: TeamKind,
    /// The team did not exist before.
    pub created: bool,
    /// Educators who join the team (names).
    pub joined: Vec<String>,
    /// Educators who leave the team (names).
    pub left: Vec<String>,
    /// How many students are on the team's roster (saving keeps rosters).
    pub roster: i64,
}

/// Every team of a school's term: id → (name, kind, member ids), and educator names.
type Snapshot = BTreeMap<i64, (String, String, BTreeSet<i64>, i64)>;

async fn snapshot(tx: &mut sqlx::AnyConnection, school: SchoolId, term: i64) -> Result<Snapshot> {
    let mut out: Snapshot = BTreeMap::new();
    for r in sqlx::query(
        "SELECT t.id, t.name, t.kind, (SELECT COUNT(*) FROM roster_entries r WHERE r.team_id = t.id) AS roster
         FROM teams t WHERE t.school_id = $1 AND t.term_id = $2",
    )
    .bind(school.0)
    .bind(term)
    .fetch_all(&mut *tx)
    .await?
    {
        out.insert(
            r.try_get("id")?,
            (
                r.try_get("name")?,
                r.try_get("kind")?,
                BTreeSet::new(),
                r.try_get("roster")?,
            ),
        );
    }
    for r in sqlx::query(
        "SELECT m.team_id, m.educator_id FROM team_members m JOIN teams t ON t.id = m.team_id WHERE t.school_id = $1 AND t.term_id = $2",
    )
    .bind(school.0)
    .bind(term)
    .fetch_all(&mut *tx)
    .await?
    {
        if let Some(t) = out.get_mut(&r.try_get::<i64, _>("team_id")?) {
            t.2.insert(r.try_get("educator_id")?);
        }
    }
    Ok(out)
}

/// One core team of a plan to save: its name, and its members by sourcedId (the lead first
/// flagged).
#[derive(Clone, Debug)]
pub struct PlanTeamInput {
    pub name: String,
    pub description: String,
    pub members: Vec<(String, TeamMemberRole)>,
}

/// The team `found` with its members removed, or a new team of that name in the term.
async fn emptied_or_new(
    tx: &mut sqlx::AnyConnection,
    found: Option<i64>,
    (school, term): (SchoolId, i64),
    name: &str,
    kind: TeamKind,
    description: &str,
) -> Result<i64> {
    if let Some(id) = found {
        sqlx::query("DELETE FROM team_members WHERE team_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        return Ok(id);
    }
    let sourced = format!("team-{}-{}", now_ms(), rand::random::<u32>());
    Ok(sqlx::query_scalar("INSERT INTO teams (sourced_id, school_id, term_id, name, kind, description) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(sourced)
        .bind(school.0)
        .bind(term)
        .bind(name)
        .bind(kind.as_str())
        .bind(description)
        .fetch_one(&mut *tx)
        .await?)
}

impl Store {
    /// The school's educators with competencies, expertise and this term's core team.
    pub async fn staffing_pool(&self, school: SchoolId) -> Result<Vec<PoolEducator>> {
        let rows = sqlx::query(
            "SELECT e.id, e.sourced_id, e.given_name, e.family_name, e.role_type, e.employment, e.fte_milli, e.years_experience, e.availability,
                    (SELECT MIN(t.name) FROM team_members m JOIN teams t ON t.id = m.team_id
                     WHERE m.educator_id = e.id AND t.kind = 'core' AND t.term_id = s.current_term_id) AS core_team
             FROM educators e JOIN schools s ON s.id = e.school_id WHERE e.school_id = $1 ORDER BY e.sourced_id",
        )
        .bind(school.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        let mut index = BTreeMap::new();
        for r in rows {
            let employment = parse_col(
                "employment",
                Employment::parse(&r.try_get::<String, _>("employment")?),
            )?;
            let id = EducatorId(r.try_get("id")?);
            index.insert(id.0, out.len());
            out.push(PoolEducator {
                id,
                sourced_id: r.try_get("sourced_id")?,
                name: full_name(&r)?,
                role_type: role_of(&r)?,
                fte: parse_col("fte", Fte::new(employment, r.try_get("fte_milli")?))?,
                years: u8::try_from(r.try_get::<i64, _>("years_experience")?.clamp(0, 80))
                    .unwrap_or(80),
                available_periods: parse_col(
                    "availability",
                    WeeklyAvailability::decode(&r.try_get::<String, _>("availability")?),
                )?
                .periods_per_week(),
                competencies: Vec::new(),
                expertise: Vec::new(),
                core_team: r.try_get("core_team")?,
            });
        }
        let comps = sqlx::query(
            "SELECT c.educator_id, c.code, c.level, c.evidence, c.source FROM educator_competencies c
             JOIN educators e ON e.id = c.educator_id WHERE e.school_id = $1 ORDER BY c.educator_id, c.code",
        )
        .bind(school.0)
        .fetch_all(&self.pool)
        .await?;
        for r in comps {
            if let Some(&i) = index.get(&r.try_get::<i64, _>("educator_id")?) {
                out[i].competencies.push(crate::competency_row(&r)?);
            }
        }
        let exps = sqlx::query(
            "SELECT x.educator_id, x.subject, x.level FROM educator_expertise x
             JOIN educators e ON e.id = x.educator_id WHERE e.school_id = $1 ORDER BY x.educator_id, x.subject",
        )
        .bind(school.0)
        .fetch_all(&self.pool)
        .await?;
        for r in exps {
            if let Some(&i) = index.get(&r.try_get::<i64, _>("educator_id")?) {
                out[i].expertise.push(ContentExpertise {
                    subject: r.try_get("subject")?,
                    level: parse_col("level", Level::new(r.try_get("level")?))?,
                });
            }
        }
        Ok(out)
    }

    /// Students per grade with the number who need special education, English-learner support
    /// or reading intervention. Aggregates only; the caller audits the read.
    pub async fn need_counts(&self, school: SchoolId) -> Result<Vec<GradeNeeds>> {
        let rows = sqlx::query(
            "SELECT st.grade, COUNT(*) AS students,
                    SUM(CASE WHEN ss.iep <> 0 THEN 1 ELSE 0 END) AS sped,
                    SUM(CASE WHEN ss.english_learner <> 0 THEN 1 ELSE 0 END) AS ell,
                    SUM(CASE WHEN ss.services LIKE '%\"reading_intervention\"%' THEN 1 ELSE 0 END) AS reading
             FROM students st LEFT JOIN student_sensitive ss ON ss.student_id = st.id
             WHERE st.school_id = $1 GROUP BY st.grade ORDER BY st.grade",
        )
        .bind(school.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let n = |c: &str| -> Result<u32> {
                Ok(
                    u32::try_from(r.try_get::<Option<i64>, _>(c)?.unwrap_or(0).max(0))
                        .unwrap_or(u32::MAX),
                )
            };
            out.push(GradeNeeds {
                grade: u8::try_from(r.try_get::<i64, _>("grade")?.clamp(0, 13)).unwrap_or(13),
                students: u32::try_from(r.try_get::<i64, _>("students")?.max(0))
                    .unwrap_or(u32::MAX),
                special_education: n("sped")?,
                english_learner: n("ell")?,
                reading_intervention: n("reading")?,
                languages: BTreeMap::new(),
            });
        }
        let langs = sqlx::query(
            "SELECT st.grade, ss.home_language, COUNT(*) AS n
             FROM students st JOIN student_sensitive ss ON ss.student_id = st.id
             WHERE st.school_id = $1 AND ss.english_learner <> 0 AND ss.home_language IS NOT NULL
             GROUP BY st.grade, ss.home_language",
        )
        .bind(school.0)
        .fetch_all(&self.pool)
        .await?;
        for r in langs {
            let g = u8::try_from(r.try_get::<i64, _>("grade")?.clamp(0, 13)).unwrap_or(13);
            if let Some(row) = out.iter_mut().find(|x| x.grade == g) {
                row.languages.insert(
                    r.try_get("home_language")?,
                    u32::try_from(r.try_get::<i64, _>("n")?.max(0)).unwrap_or(u32::MAX),
                );
            }
        }
        Ok(out)
    }

    /// The grades on each core team's roster this term (to group grades into bands).
    pub async fn team_grades(&self, school: SchoolId) -> Result<Vec<(String, BTreeSet<u8>)>> {
        let rows = sqlx::query(
            "SELECT t.name, st.grade FROM teams t JOIN schools s ON s.id = t.school_id AND t.term_id = s.current_term_id
             JOIN roster_entries r ON r.team_id = t.id JOIN students st ON st.id = r.student_id
             WHERE t.school_id = $1 AND t.kind = 'core' GROUP BY t.name, st.grade ORDER BY t.name, st.grade",
        )
        .bind(school.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<(String, BTreeSet<u8>)> = Vec::new();
        for r in rows {
            let name: String = r.try_get("name")?;
            let g = u8::try_from(r.try_get::<i64, _>("grade")?.clamp(0, 13)).unwrap_or(13);
            match out.last_mut() {
                Some((n, set)) if *n == name => {
                    set.insert(g);
                }
                _ => out.push((name, BTreeSet::from([g]))),
            }
        }
        Ok(out)
    }

    /// The district's staffing settings (catalog and policy as JSON) for a school, if the
    /// district has set them.
    pub async fn staffing_settings(&self, school: SchoolId) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT st.settings FROM staffing_settings st JOIN schools s ON s.district_id = st.district_id WHERE s.id = $1",
        )
        .bind(school.0)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Sets the staffing settings of the school's district (the caller has validated them).
    pub async fn set_staffing_settings(
        &self,
        school: SchoolId,
        settings: &str,
        entry: &AuditEntry,
    ) -> Result<()> {
        let user = entry.user;
        let mut tx = self.begin_write().await?;
        let district: i64 = sqlx::query_scalar("SELECT district_id FROM schools WHERE id = $1")
            .bind(school.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound {
                what: "school",
                id: school.0,
            })?;
        sqlx::query("INSERT INTO staffing_settings (district_id, settings, updated_at, updated_by) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (district_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at, updated_by = excluded.updated_by")
            .bind(district)
            .bind(settings)
            .bind(now_ms())
            .bind(user.map(|u| u.0))
            .execute(&mut *tx)
            .await?;
        audit::write(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a plan built for a school, with its audit entry; returns its id.
    pub async fn insert_staffing_plan(
        &self,
        school: SchoolId,
        plan: &str,
        entry: &AuditEntry,
    ) -> Result<i64> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO staffing_plans (school_id, created_by, created_at, updated_at, plan) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(school.0)
        .bind(entry.user.map(|u| u.0))
        .bind(now)
        .bind(now)
        .bind(plan)
        .fetch_one(&mut *tx)
        .await?;
        let mut entry = entry.clone();
        entry.target_id = Some(id);
        audit::write(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One stored plan of this school; another school's is as missing.
    pub async fn staffing_plan(&self, school: SchoolId, id: i64) -> Result<Option<PlanRow>> {
        let r = sqlx::query(
            "SELECT id, school_id, plan, created_at, updated_at, saved_at FROM staffing_plans WHERE id = $1 AND school_id = $2",
        )
        .bind(id)
        .bind(school.0)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(plan_row).transpose()
    }

    /// The school's plans, newest first, at most `limit`.
    pub async fn staffing_plans(&self, school: SchoolId, limit: u32) -> Result<Vec<PlanRow>> {
        let rows = sqlx::query(
            "SELECT id, school_id, plan, created_at, updated_at, saved_at FROM staffing_plans WHERE school_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(school.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(plan_row).collect()
    }

    /// Changes a plan, with its audit entry. An edited plan is a draft again until it is saved
    /// as teams.
    pub async fn update_staffing_plan(
        &self,
        school: SchoolId,
        id: i64,
        plan: &str,
        entry: &AuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE staffing_plans SET plan = $1, updated_at = $2, saved_at = NULL WHERE id = $3 AND school_id = $4",
        )
        .bind(plan)
        .bind(now_ms())
        .bind(id)
        .bind(school.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "staffing plan",
                id,
            });
        }
        audit::write(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Saves a plan as the school's teams for the current term, in one transaction with its
    /// audit entry: each planned core team (matched by name, created when new) gets exactly the
    /// planned members; planned educators leave the other core teams; the extended team gets
    /// the planned extended members. Rosters are kept. Refused (and nothing changes) when any
    /// core team would have fewer than two professional educators. Returns what changed, team
    /// by team; with `preview`, nothing is written and the answer says what saving would change.
    pub async fn apply_staffing_plan(
        &self,
        plan_id: i64,
        school: SchoolId,
        core: &[PlanTeamInput],
        extended: &[String],
        preview: bool,
        entry: &AuditEntry,
    ) -> Result<Vec<TeamChange>> {
        let mut tx = self.begin_write().await?;
        let term: i64 = sqlx::query_scalar::<_, Option<i64>>(
            "SELECT current_term_id FROM schools WHERE id = $1",
        )
        .bind(school.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound {
            what: "school",
            id: school.0,
        })?
        .ok_or_else(|| StoreError::Conflict("the school has no current term".into()))?;
        let before = snapshot(&mut tx, school, term).await?;
        let mut ids: BTreeMap<String, (i64, TeamSeat)> = BTreeMap::new();
        for r in sqlx::query("SELECT id, sourced_id, given_name, family_name, role_type FROM educators WHERE school_id = $1")
            .bind(school.0)
            .fetch_all(&mut *tx)
            .await?
        {
            ids.insert(
                r.try_get("sourced_id")?,
                (
                    r.try_get("id")?,
                    TeamSeat {
                        name: full_name(&r)?,
                        role_type: role_of(&r)?,
                    },
                ),
            );
        }
        let lookup = |sid: &str| {
            ids.get(sid).cloned().ok_or_else(|| {
                StoreError::from(RuleViolation::Invalid(format!(
                    "no educator {sid} at this school"
                )))
            })
        };
        let mut names = BTreeSet::new();
        for t in core {
            if !names.insert(t.name.as_str()) {
                return Err(RuleViolation::Invalid(format!(
                    "two planned teams are named {:?}",
                    t.name
                ))
                .into());
            }
        }
        let mut planned = BTreeSet::new();
        for t in core {
            for (m, _) in &t.members {
                if !planned.insert(lookup(m)?.0) {
                    return Err(RuleViolation::Invalid(format!(
                        "educator {m} is on two planned teams"
                    ))
                    .into());
                }
            }
        }
        let teams = sqlx::query(
            "SELECT id, name, kind FROM teams WHERE school_id = $1 AND term_id = $2 ORDER BY id",
        )
        .bind(school.0)
        .bind(term)
        .fetch_all(&mut *tx)
        .await?;
        let mut by_name: BTreeMap<String, i64> = BTreeMap::new();
        let mut extended_team = None;
        for r in &teams {
            let (id, name, kind): (i64, String, String) =
                (r.try_get("id")?, r.try_get("name")?, r.try_get("kind")?);
            if kind == "core" {
                by_name.entry(name).or_insert(id);
            } else if extended_team.is_none() {
                extended_team = Some(id);
            }
        }
        // Everyone the plan places (on a core team or the extended team) leaves every team of
        // the term; then each planned team is filled.
        let mut placed = planned.clone();
        for m in extended {
            placed.insert(lookup(m)?.0);
        }
        for id in &placed {
            sqlx::query("DELETE FROM team_members WHERE educator_id = $1 AND team_id IN (SELECT id FROM teams WHERE school_id = $2 AND term_id = $3)")
                .bind(id)
                .bind(school.0)
                .bind(term)
                .execute(&mut *tx)
                .await?;
        }
        let mut touched = Vec::new();
        for t in core {
            let id = emptied_or_new(
                &mut tx,
                by_name.get(&t.name).copied(),
                (school, term),
                &t.name,
                TeamKind::Core,
                &t.description,
            )
            .await?;
            for (m, role) in &t.members {
                sqlx::query("INSERT INTO team_members (team_id, educator_id, member_role) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(lookup(m)?.0)
                    .bind(role.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            touched.push(id);
        }
        let ext = emptied_or_new(
            &mut tx,
            extended_team,
            (school, term),
            "Extended team",
            TeamKind::Extended,
            "Specialists, paraeducators, community educators and volunteers",
        )
        .await?;
        for m in extended {
            let id = lookup(m)?.0;
            sqlx::query("DELETE FROM team_members WHERE educator_id = $1 AND team_id = $2")
                .bind(id)
                .bind(ext)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO team_members (team_id, educator_id, member_role) VALUES ($1, $2, 'member')")
                .bind(ext)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        // Every core team of the term must still have two professional educators.
        for r in sqlx::query(
            "SELECT id, name FROM teams WHERE school_id = $1 AND term_id = $2 AND kind = 'core'",
        )
        .bind(school.0)
        .bind(term)
        .fetch_all(&mut *tx)
        .await?
        {
            let (id, name): (i64, String) = (r.try_get("id")?, r.try_get("name")?);
            let roles: Vec<String> = sqlx::query_scalar("SELECT e.role_type FROM team_members m JOIN educators e ON e.id = m.educator_id WHERE m.team_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
            let seats = roles
                .iter()
                .map(|r| {
                    Ok(TeamSeat {
                        name: String::new(),
                        role_type: parse_col("role type", RoleType::parse(r))?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let members = seats.len();
            // A core team the plan does not mention and that lost everyone is left empty
            // (its roster stays for the leader to move); one with people must be staffed.
            if members > 0 || touched.contains(&id) {
                check_composition(&name, TeamKind::Core, &seats)?;
            }
        }
        let after = snapshot(&mut tx, school, term).await?;
        let names: BTreeMap<i64, String> = ids
            .values()
            .map(|(id, seat)| (*id, seat.name.clone()))
            .collect();
        let changes = diff(&before, &after, &names);
        if preview {
            tx.rollback().await?;
            return Ok(changes);
        }
        sqlx::query("UPDATE staffing_plans SET saved_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(plan_id)
            .execute(&mut *tx)
            .await?;
        let mut entry = entry.clone();
        entry.detail = format!(
            "{}{}",
            entry.detail,
            changes
                .iter()
                .map(|c| format!(
                    "{}: {} joined, {} left",
                    c.team,
                    c.joined.len(),
                    c.left.len()
                ))
                .collect::<Vec<_>>()
                .join("; ")
        );
        audit::write(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(changes)
    }
}

fn plan_row(r: &sqlx::any::AnyRow) -> Result<PlanRow> {
    Ok(PlanRow {
        id: r.try_get("id")?,
        school: SchoolId(r.try_get("school_id")?),
        plan: r.try_get("plan")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        saved_at: r.try_get("saved_at")?,
    })
}

/// The teams whose members changed between two snapshots (and the new ones), by name.
fn diff(before: &Snapshot, after: &Snapshot, names: &BTreeMap<i64, String>) -> Vec<TeamChange> {
    let name = |id: &i64| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let mut out = Vec::new();
    for (id, (team, kind, members, roster)) in after {
        let old = before.get(id);
        let was = old.map(|o| &o.2);
        let joined: Vec<String> = members
            .iter()
            .filter(|m| !was.is_some_and(|w| w.contains(m)))
            .map(name)
            .collect();
        let left: Vec<String> = was
            .map(|w| w.difference(members).map(name).collect())
            .unwrap_or_default();
        if old.is_none() || !joined.is_empty() || !left.is_empty() {
            out.push(TeamChange {
                team: team.clone(),
                kind: TeamKind::parse(kind).unwrap_or(TeamKind::Core),
                created: old.is_none(),
                joined,
                left,
                roster: *roster,
            });
        }
    }
    out
}
