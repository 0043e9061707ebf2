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

/// A stored plan: a draft until it is applied to its term.
#[derive(Clone, Debug)]
pub struct PlanRow {
    pub id: i64,
    pub school: SchoolId,
    pub plan: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// When it was applied to its term's teams.
    pub saved_at: Option<i64>,
    /// The term it is for (plans built before terms were recorded have none: the current).
    pub term: Option<TermId>,
    pub term_name: Option<String>,
    /// Who built it and who applied it (names).
    pub created_by: Option<String>,
    pub applied_by: Option<String>,
    /// Why a plan that breaks a hard rule was applied anyway.
    pub override_reason: Option<String>,
}

/// A term of a school, in date order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermChoice {
    pub id: TermId,
    pub name: String,
    pub start_date: String,
    pub end_date: String,
    pub current: bool,
}

/// One educator whose place changes when a plan is applied: from their team this term to
/// their team in the plan's term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    pub educator: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// They lead the team they go to.
    pub leads: bool,
}

/// A core team of the current term whose students the plan gives no team in its term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftBehind {
    pub team: String,
    pub students: i64,
}

/// What applying a plan changes (or would change).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApplyOutcome {
    pub term_name: String,
    /// Team by team, in the plan's term.
    pub teams: Vec<TeamChange>,
    /// Educator by educator, from this term's teams.
    pub moves: Vec<Move>,
    /// Students who would have no team in the plan's term.
    pub left_behind: Vec<LeftBehind>,
}

/// A plan to apply: to which term, its teams, and the leader's reason when it breaks a rule.
#[derive(Clone, Debug)]
pub struct ApplyPlan<'a> {
    pub plan_id: i64,
    pub school: SchoolId,
    pub term: TermId,
    pub core: &'a [PlanTeamInput],
    pub extended: &'a [String],
    pub override_reason: Option<&'a str>,
    /// Say what would change, change nothing.
    pub preview: bool,
}

const PLAN_SQL: &str = "SELECT p.id, p.school_id, p.plan, p.created_at, p.updated_at, p.saved_at, p.term_id, t.name AS term_name, c.display_name AS created_by_name, a.display_name AS applied_by_name, p.override_reason
     FROM staffing_plans p LEFT JOIN terms t ON t.id = p.term_id LEFT JOIN users c ON c.id = p.created_by LEFT JOIN users a ON a.id = p.applied_by";

/// What applying a plan changes (or changed) on one team of its term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamChange {
    pub team: String,
    pub kind: TeamKind,
    /// The team did not exist in the term before.
    pub created: bool,
    /// It continues a team of this term of the same name (its roster copied).
    pub continues: bool,
    /// The grades on its roster.
    pub grades: Vec<u8>,
    /// Its lead after the change.
    pub lead: Option<String>,
    /// Educators who join the team (names).
    pub joined: Vec<String>,
    /// Educators who leave the team (names).
    pub left: Vec<String>,
    /// How many students are on the team's roster (saving keeps rosters).
    pub roster: i64,
}

/// One team of a term as it stands: name, kind, members, lead, roster size and grades.
#[derive(Clone, Debug, Default)]
struct TeamState {
    name: String,
    kind: String,
    members: BTreeSet<i64>,
    lead: Option<i64>,
    roster: i64,
    grades: BTreeSet<u8>,
}

/// Every team of a school's term, by id.
type Snapshot = BTreeMap<i64, TeamState>;

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
            TeamState {
                name: r.try_get("name")?,
                kind: r.try_get("kind")?,
                roster: r.try_get("roster")?,
                ..TeamState::default()
            },
        );
    }
    for r in sqlx::query(
        "SELECT m.team_id, m.educator_id, m.member_role FROM team_members m JOIN teams t ON t.id = m.team_id WHERE t.school_id = $1 AND t.term_id = $2",
    )
    .bind(school.0)
    .bind(term)
    .fetch_all(&mut *tx)
    .await?
    {
        if let Some(t) = out.get_mut(&r.try_get::<i64, _>("team_id")?) {
            let e: i64 = r.try_get("educator_id")?;
            t.members.insert(e);
            if r.try_get::<String, _>("member_role")? == "lead" {
                t.lead = Some(e);
            }
        }
    }
    for r in sqlx::query(
        "SELECT DISTINCT r.team_id, s.grade FROM roster_entries r JOIN students s ON s.id = r.student_id JOIN teams t ON t.id = r.team_id WHERE t.school_id = $1 AND t.term_id = $2",
    )
    .bind(school.0)
    .bind(term)
    .fetch_all(&mut *tx)
    .await?
    {
        if let Some(t) = out.get_mut(&r.try_get::<i64, _>("team_id")?) {
            let g: i64 = r.try_get("grade")?;
            t.grades.insert(u8::try_from(g).unwrap_or(u8::MAX));
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
    /// The grades of the plan's band for this team (`Grade 6`: `[6]`): the team's roster must
    /// hold no other grade.
    pub grades: Vec<u8>,
    /// The band in words, for messages.
    pub band: String,
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

    /// The school's terms (not the school year), in date order, the current one marked.
    pub async fn school_terms(&self, school: SchoolId) -> Result<Vec<TermChoice>> {
        let rows = sqlx::query(
            "SELECT t.id, t.name, t.start_date, t.end_date, CASE WHEN s.current_term_id = t.id THEN 1 ELSE 0 END AS current
             FROM terms t JOIN schools s ON s.id = t.school_id
             WHERE t.school_id = $1 AND t.kind <> 'school_year' ORDER BY t.start_date, t.id",
        )
        .bind(school.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TermChoice {
                    id: TermId(r.try_get("id")?),
                    name: r.try_get("name")?,
                    start_date: r.try_get("start_date")?,
                    end_date: r.try_get("end_date")?,
                    current: r.try_get::<i32, _>("current")? == 1,
                })
            })
            .collect()
    }

    /// Stores a plan built for a school and term, with its audit entry; returns its id.
    pub async fn insert_staffing_plan(
        &self,
        school: SchoolId,
        term: TermId,
        plan: &str,
        entry: &AuditEntry,
    ) -> Result<i64> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO staffing_plans (school_id, created_by, created_at, updated_at, plan, term_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(school.0)
        .bind(entry.user.map(|u| u.0))
        .bind(now)
        .bind(now)
        .bind(plan)
        .bind(term.0)
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
        let r = sqlx::query(&format!("{PLAN_SQL} WHERE p.id = $1 AND p.school_id = $2"))
            .bind(id)
            .bind(school.0)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(plan_row).transpose()
    }

    /// The school's plans, newest first, at most `limit`.
    pub async fn staffing_plans(&self, school: SchoolId, limit: u32) -> Result<Vec<PlanRow>> {
        let rows = sqlx::query(&format!(
            "{PLAN_SQL} WHERE p.school_id = $1 ORDER BY p.id DESC LIMIT $2"
        ))
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

    /// Applies a plan to its term's teams, in one transaction with its audit entry — or, with
    /// `preview`, says what applying would change and changes nothing.
    ///
    /// Each planned core team keeps its identity: the team of that name in the plan's term is
    /// updated; when the plan is for another term than the current one, a team of that name
    /// this term continues into it (created in the plan's term with its description, roster,
    /// space bookings and the services its students receive). A planned team whose roster holds
    /// a grade outside its band is refused: a plan never gives one band's students to another
    /// band's team. The planned members replace the team's; planned educators leave the term's
    /// other teams; the extended team gets the planned extended members. Refused (nothing
    /// changes) when a core team would have fewer than two professional educators. The
    /// outcome names every team changed, every educator who moves and every team of this term
    /// whose students the plan leaves without a team.
    pub async fn apply_staffing_plan(
        &self,
        a: &ApplyPlan<'_>,
        entry: &AuditEntry,
    ) -> Result<ApplyOutcome> {
        let school = a.school;
        let mut tx = self.begin_write().await?;
        let source: i64 = sqlx::query_scalar::<_, Option<i64>>(
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
        let target = a.term.0;
        let term_name: String =
            sqlx::query_scalar("SELECT name FROM terms WHERE id = $1 AND school_id = $2")
                .bind(target)
                .bind(school.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound {
                    what: "term",
                    id: target,
                })?;
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
        for t in a.core {
            if !names.insert(t.name.as_str()) {
                return Err(RuleViolation::Invalid(format!(
                    "two planned teams are named {:?}",
                    t.name
                ))
                .into());
            }
        }
        let mut planned = BTreeSet::new();
        for t in a.core {
            for (m, _) in &t.members {
                if !planned.insert(lookup(m)?.0) {
                    return Err(RuleViolation::Invalid(format!(
                        "educator {m} is on two planned teams"
                    ))
                    .into());
                }
            }
        }
        let now_teams = snapshot(&mut tx, school, source).await?;
        let before = snapshot(&mut tx, school, target).await?;
        let by_name = |snap: &Snapshot, kind: &str| -> BTreeMap<String, i64> {
            let mut m = BTreeMap::new();
            for (id, t) in snap {
                if t.kind == kind {
                    m.entry(t.name.clone()).or_insert(*id);
                }
            }
            m
        };
        let target_core = by_name(&before, "core");
        let source_core = by_name(&now_teams, "core");
        // Everyone the plan places (on a core team or the extended team) leaves every team of
        // the plan's term; then each planned team is filled.
        let mut placed = planned.clone();
        for m in a.extended {
            placed.insert(lookup(m)?.0);
        }
        for id in &placed {
            sqlx::query("DELETE FROM team_members WHERE educator_id = $1 AND team_id IN (SELECT id FROM teams WHERE school_id = $2 AND term_id = $3)")
                .bind(id)
                .bind(school.0)
                .bind(target)
                .execute(&mut *tx)
                .await?;
        }
        let mut touched = Vec::new();
        let mut continued = BTreeSet::new();
        for t in a.core {
            let id = match target_core.get(&t.name) {
                Some(&id) => {
                    sqlx::query("DELETE FROM team_members WHERE team_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    id
                }
                None => {
                    let from = source_core
                        .get(&t.name)
                        .copied()
                        .filter(|_| target != source);
                    let id = new_team(
                        &mut tx,
                        (school, target),
                        &t.name,
                        TeamKind::Core,
                        &t.description,
                    )
                    .await?;
                    if let Some(from) = from {
                        continue_team(&mut tx, from, id, target).await?;
                        continued.insert(id);
                    }
                    id
                }
            };
            for (m, role) in &t.members {
                sqlx::query("INSERT INTO team_members (team_id, educator_id, member_role) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(lookup(m)?.0)
                    .bind(role.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            // The team's roster stays within its band.
            if !t.grades.is_empty() {
                let grades: Vec<i64> = sqlx::query_scalar(
                    "SELECT DISTINCT s.grade FROM roster_entries r JOIN students s ON s.id = r.student_id WHERE r.team_id = $1 ORDER BY s.grade",
                )
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
                if let Some(g) = grades
                    .iter()
                    .find(|g| !t.grades.iter().any(|b| i64::from(*b) == **g))
                {
                    return Err(RuleViolation::Invalid(format!(
                        "{} has grade {g} students on its roster, but the plan makes {} a {} team; a plan never gives one band's students to another band's team",
                        t.name, t.name, t.band
                    ))
                    .into());
                }
            }
            touched.push(id);
        }
        let ext = match by_name(&before, "extended").into_values().next() {
            Some(id) => id,
            None => {
                let (name, description) = now_teams
                    .values()
                    .find(|t| t.kind == "extended")
                    .map_or_else(
                        || {
                            (
                                "Extended team".to_owned(),
                                "Specialists, paraeducators, community educators and volunteers"
                                    .to_owned(),
                            )
                        },
                        |t| {
                            (
                                t.name.clone(),
                                "Specialists, paraeducators, community educators and volunteers"
                                    .to_owned(),
                            )
                        },
                    );
                new_team(
                    &mut tx,
                    (school, target),
                    &name,
                    TeamKind::Extended,
                    &description,
                )
                .await?
            }
        };
        for m in a.extended {
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
        // The services this term's students receive carry into the plan's term.
        if target != source {
            sqlx::query(
                "INSERT INTO service_assignments (educator_id, student_id, term_id, service)
                 SELECT a.educator_id, a.student_id, $1, a.service FROM service_assignments a JOIN students s ON s.id = a.student_id
                 WHERE a.term_id = $2 AND s.school_id = $3 AND NOT EXISTS (
                     SELECT 1 FROM service_assignments x WHERE x.educator_id = a.educator_id AND x.student_id = a.student_id AND x.term_id = $1 AND x.service = a.service)",
            )
            .bind(target)
            .bind(source)
            .bind(school.0)
            .execute(&mut *tx)
            .await?;
        }
        // Every core team of the term must still have two professional educators.
        let after = snapshot(&mut tx, school, target).await?;
        for (id, t) in after.iter().filter(|(_, t)| t.kind == "core") {
            let seats: Vec<TeamSeat> = t
                .members
                .iter()
                .filter_map(|m| ids.values().find(|(i, _)| i == m).map(|(_, s)| s.clone()))
                .collect();
            // A core team the plan does not mention and that lost everyone is left empty
            // (its roster stays for the leader to move); one with people must be staffed.
            if !seats.is_empty() || touched.contains(id) {
                check_composition(&t.name, TeamKind::Core, &seats)?;
            }
        }
        let names: BTreeMap<i64, String> = ids
            .values()
            .map(|(id, seat)| (*id, seat.name.clone()))
            .collect();
        let mut teams = diff(&before, &after, &names);
        let name_of = |id: &i64| names.get(id).cloned().unwrap_or_else(|| id.to_string());
        for c in &mut teams {
            c.continues = after
                .iter()
                .any(|(id, t)| t.name == c.team && continued.contains(id));
            // A team continued from this term: who joins and leaves it, against this term's.
            if c.continues {
                let was = now_teams
                    .values()
                    .find(|t| t.name == c.team && t.kind == "core");
                let now = after
                    .values()
                    .find(|t| t.name == c.team && t.kind == "core");
                if let (Some(was), Some(now)) = (was, now) {
                    c.joined = now.members.difference(&was.members).map(name_of).collect();
                    c.left = was.members.difference(&now.members).map(name_of).collect();
                }
            }
        }
        // Who moves: each educator's core (else extended) team now, and in the plan's term.
        let home = |snap: &Snapshot, e: i64| -> Option<(String, bool)> {
            let mut found: Vec<&TeamState> =
                snap.values().filter(|t| t.members.contains(&e)).collect();
            found.sort_by_key(|t| t.kind != "core");
            found.first().map(|t| (t.name.clone(), t.lead == Some(e)))
        };
        let mut moves = Vec::new();
        for (e, name) in &names {
            let (from, to) = (home(&now_teams, *e), home(&after, *e));
            if from.is_none() && to.is_none() {
                continue;
            }
            let moved = from.as_ref().map(|f| &f.0) != to.as_ref().map(|t| &t.0);
            let lead_changed =
                from.as_ref().is_some_and(|f| f.1) != to.as_ref().is_some_and(|t| t.1);
            if moved || lead_changed {
                moves.push(Move {
                    educator: name.clone(),
                    leads: to.as_ref().is_some_and(|t| t.1),
                    from: from.map(|f| f.0),
                    to: to.map(|t| t.0),
                });
            }
        }
        moves.sort_by(|x, y| (&x.to, &x.educator).cmp(&(&y.to, &y.educator)));
        // This term's students the plan leaves without a team in its term.
        let mut left_behind = Vec::new();
        for (id, t) in now_teams.iter().filter(|(_, t)| t.kind == "core") {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM roster_entries r WHERE r.team_id = $1 AND NOT EXISTS (SELECT 1 FROM roster_entries x WHERE x.term_id = $2 AND x.student_id = r.student_id)",
            )
            .bind(id)
            .bind(target)
            .fetch_one(&mut *tx)
            .await?;
            if n > 0 {
                left_behind.push(LeftBehind {
                    team: t.name.clone(),
                    students: n,
                });
            }
        }
        let outcome = ApplyOutcome {
            term_name,
            teams,
            moves,
            left_behind,
        };
        if a.preview {
            tx.rollback().await?;
            return Ok(outcome);
        }
        sqlx::query("UPDATE staffing_plans SET saved_at = $1, term_id = $2, applied_by = $3, override_reason = $4 WHERE id = $5 AND school_id = $6")
            .bind(now_ms())
            .bind(target)
            .bind(entry.user.map(|u| u.0))
            .bind(a.override_reason)
            .bind(a.plan_id)
            .bind(school.0)
            .execute(&mut *tx)
            .await?;
        let mut entry = entry.clone();
        entry.detail = format!(
            "{}to {}: {}{}",
            entry.detail,
            outcome.term_name,
            outcome
                .teams
                .iter()
                .map(|c| format!(
                    "{}: {} joined, {} left",
                    c.team,
                    c.joined.len(),
                    c.left.len()
                ))
                .collect::<Vec<_>>()
                .join("; "),
            a.override_reason
                .map(|r| format!("; applied despite open problems: {r}"))
                .unwrap_or_default()
        );
        audit::write(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(outcome)
    }
}

/// A new team of a school's term.
async fn new_team(
    tx: &mut sqlx::AnyConnection,
    (school, term): (SchoolId, i64),
    name: &str,
    kind: TeamKind,
    description: &str,
) -> Result<i64> {
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

/// A team continued into another term: its roster (students not yet on a team there) and its
/// space bookings.
async fn continue_team(tx: &mut sqlx::AnyConnection, from: i64, to: i64, term: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO roster_entries (term_id, student_id, team_id)
         SELECT $1, r.student_id, $2 FROM roster_entries r WHERE r.team_id = $3
         AND NOT EXISTS (SELECT 1 FROM roster_entries x WHERE x.term_id = $1 AND x.student_id = r.student_id)",
    )
    .bind(term)
    .bind(to)
    .bind(from)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO space_bookings (space_id, term_id, day, period_idx, team_id, headcount, purpose)
         SELECT b.space_id, $1, b.day, b.period_idx, $2, b.headcount, b.purpose FROM space_bookings b WHERE b.team_id = $3",
    )
    .bind(term)
    .bind(to)
    .bind(from)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn plan_row(r: &sqlx::any::AnyRow) -> Result<PlanRow> {
    Ok(PlanRow {
        id: r.try_get("id")?,
        school: SchoolId(r.try_get("school_id")?),
        plan: r.try_get("plan")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        saved_at: r.try_get("saved_at")?,
        term: r.try_get::<Option<i64>, _>("term_id")?.map(TermId),
        term_name: r.try_get("term_name")?,
        created_by: r.try_get("created_by_name")?,
        applied_by: r.try_get("applied_by_name")?,
        override_reason: r.try_get("override_reason")?,
    })
}

/// The teams whose members or lead changed between two snapshots (and the new ones), by name.
fn diff(before: &Snapshot, after: &Snapshot, names: &BTreeMap<i64, String>) -> Vec<TeamChange> {
    let name = |id: &i64| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let mut out = Vec::new();
    for (id, t) in after {
        let old = before.get(id);
        let was = old.map(|o| &o.members);
        let joined: Vec<String> = t
            .members
            .iter()
            .filter(|m| !was.is_some_and(|w| w.contains(m)))
            .map(name)
            .collect();
        let left: Vec<String> = was
            .map(|w| w.difference(&t.members).map(name).collect())
            .unwrap_or_default();
        let lead_changed = old.is_some_and(|o| o.lead != t.lead);
        if old.is_none() || !joined.is_empty() || !left.is_empty() || lead_changed {
            out.push(TeamChange {
                team: t.name.clone(),
                kind: TeamKind::parse(&t.kind).unwrap_or(TeamKind::Core),
                created: old.is_none(),
                continues: false,
                grades: t.grades.iter().copied().collect(),
                lead: t.lead.as_ref().map(name),
                joined,
                left,
                roster: t.roster,
            });
        }
    }
    out.sort_by(|a, b| {
        (a.kind != TeamKind::Core, &a.team).cmp(&(b.kind != TeamKind::Core, &b.team))
    });
    out
}
