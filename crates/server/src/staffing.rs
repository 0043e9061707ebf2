//! The staffing page (issue 4): a school leader builds a plan from the school's stored staff
//! and aggregate need counts, sees the proposed teams, a coverage heat-map, hiring gaps and the
//! budget next to a traditional plan, edits who holds a responsibility (the validator re-checks
//! at once) and saves the plan as the school's teams.
//!
//! Only the school's leaders (and system leaders) see it; anyone else gets the same "not
//! found" as for a school that does not exist. The engine reads need counts per grade, never a
//! student record, and that read is audited.

use crate::auth::Viewer;
use crate::error::AppError;
use crate::pages::{render, Nav, PageForm, PagePath, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use ensemble_domain::*;
use ensemble_staffing::budget::money;
use ensemble_staffing::catalog::readiness;
use ensemble_staffing::check::CoverageStatus;
use ensemble_staffing::explain::responsibility_label;
use ensemble_staffing::{self as staffing, Plan, Problem};
use ensemble_store::{AuditEntry, AuditOutcome, PlanTeamInput, SchoolRow};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/schools/{id}/staffing", get(page).post(build))
        .route("/schools/{id}/staffing/{plan}/assign", post(assign))
        .route("/schools/{id}/staffing/{plan}/save", post(save))
        .route("/schools/{id}/staffing/settings", post(settings))
}

fn hidden() -> AppError {
    AppError::NotFound("No school that you may see here.".into())
}

/// The school, if the viewer leads it.
async fn led_school(st: &AppState, v: &Viewer, id: SchoolId) -> Result<SchoolRow, AppError> {
    match st.store.school(id).await? {
        Some(s) if v.principal.is_leader_of(id) => Ok(s),
        _ => Err(hidden()),
    }
}

/// The stored plan of this school.
async fn plan_of(st: &AppState, school: SchoolId, id: i64) -> Result<(Plan, bool), AppError> {
    let row = st
        .store
        .staffing_plan(id)
        .await?
        .filter(|r| r.school == school)
        .ok_or_else(|| AppError::NotFound("No staffing plan that you may see here.".into()))?;
    let plan: Plan = serde_json::from_str(&row.plan)
        .map_err(|e| AppError::Conflict(format!("The stored plan cannot be read: {e}")))?;
    Ok((plan, row.saved_at.is_some()))
}

#[derive(Deserialize)]
struct PageQuery {
    plan: Option<i64>,
    msg: Option<String>,
}

struct Cell {
    class: &'static str,
    holds: bool,
    text: String,
}

struct Row {
    code: String,
    label: String,
    holder: Option<String>,
    coach: Option<String>,
    status: &'static str,
    status_class: &'static str,
    cells: Vec<Cell>,
}

struct MemberView {
    id: String,
    name: String,
    role: String,
    why: String,
}

struct TeamView {
    index: usize,
    name: String,
    band: String,
    roster: u32,
    members: Vec<MemberView>,
    rows: Vec<Row>,
}

struct HiringView {
    title: String,
    students: u32,
    cost: String,
    needs: String,
    cheaper: String,
    thin: bool,
}

struct Figures {
    label: String,
    rows: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "staffing.html")]
struct StaffingPage {
    nav: Nav,
    school: SchoolRow,
    msg: Option<String>,
    plan_id: Option<i64>,
    saved: bool,
    summary: String,
    teams: Vec<TeamView>,
    extended: Vec<(String, String)>,
    violations: Vec<(String, String)>,
    soft: String,
    hiring: Vec<HiringView>,
    budget: Vec<Figures>,
    budget_rows: Vec<String>,
    budget_note: String,
    what_ifs: Vec<String>,
    /// The district's catalog and policy as JSON, and whether this viewer may change them.
    settings: String,
    district_custom: bool,
    may_edit_settings: bool,
}

async fn page(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let school = led_school(&st, &v, SchoolId(id)).await?;
    let (current, district_custom) = district_settings(&st, SchoolId(id)).await?;
    let settings =
        serde_json::to_string_pretty(&current).map_err(|e| AppError::Conflict(e.to_string()))?;
    let mut page = StaffingPage {
        nav: Nav::of(&v),
        school,
        msg: q.msg,
        plan_id: None,
        saved: false,
        summary: String::new(),
        teams: Vec::new(),
        extended: Vec::new(),
        violations: Vec::new(),
        soft: String::new(),
        hiring: Vec::new(),
        budget: Vec::new(),
        budget_rows: Vec::new(),
        budget_note: String::new(),
        what_ifs: Vec::new(),
        settings,
        district_custom,
        may_edit_settings: v.principal.system_role == SystemRole::SystemAdmin,
    };
    if let Some(pid) = q.plan {
        let (plan, saved) = plan_of(&st, SchoolId(id), pid).await?;
        page.plan_id = Some(pid);
        page.saved = saved;
        fill(&mut page, &plan);
    }
    render(&page)
}

fn fill(page: &mut StaffingPage, plan: &Plan) {
    let p = &plan.input;
    let verdict = staffing::check(p, &plan.design);
    let name = |id: &str| {
        p.educator(id)
            .map_or(id.to_owned(), |(_, c)| c.name.clone())
    };
    if let Some(r) = &plan.report {
        let s = &r.schools;
        page.summary = format!(
            "Designed by the {} method in {} ms: objective {} at design time, lower bound {}, gap {:.1}%.",
            s.first().map_or("heuristic", |x| x.method.as_str()),
            r.millis,
            r.objective,
            r.lower_bound,
            r.gap * 100.0
        );
    }
    for sd in &plan.design.schools {
        let Some(school) = p.schools.iter().find(|s| s.id == sd.school) else {
            continue;
        };
        for (ti, t) in sd.teams.iter().enumerate() {
            let members: Vec<&staffing::Candidate> = t
                .members
                .iter()
                .filter_map(|m| school.educators.iter().find(|e| e.id == m.educator))
                .collect();
            let mut rows = Vec::new();
            for h in &t.holdings {
                let Some((def, subject)) = p.catalog.responsibilities.iter().find_map(|r| {
                    if r.code == h.responsibility {
                        Some((r, None))
                    } else {
                        h.responsibility
                            .strip_prefix(&format!("{}_", r.code))
                            .filter(|_| r.per_subject_content.is_some())
                            .map(|s| (r, Some(s)))
                    }
                }) else {
                    continue;
                };
                let status = verdict
                    .coverage
                    .iter()
                    .find(|c| c.team == t.name && c.responsibility == h.responsibility)
                    .map_or("missing", |c| match c.status {
                        CoverageStatus::Ready => "ready",
                        CoverageStatus::Stretch => "stretch",
                        CoverageStatus::NotReady => "not ready",
                        CoverageStatus::Missing => "missing",
                    });
                let cells = members
                    .iter()
                    .map(|c| {
                        let holds = h.holder.as_deref() == Some(c.id.as_str());
                        let (class, text) = match readiness(c, def, subject) {
                            staffing::Readiness::Ready => ("ready", "ready"),
                            staffing::Readiness::Stretch => ("stretch", "stretch"),
                            staffing::Readiness::No => ("no", "–"),
                        };
                        Cell {
                            class,
                            holds,
                            text: match (holds, class) {
                                (true, "no") => "● holds · not ready".to_owned(),
                                (true, _) => format!("● holds · {text}"),
                                (false, _) => text.to_owned(),
                            },
                        }
                    })
                    .collect();
                rows.push(Row {
                    code: h.responsibility.clone(),
                    label: responsibility_label(def, subject),
                    holder: h.holder.clone(),
                    coach: h.coach.clone(),
                    status,
                    status_class: if status == "not ready" {
                        "not-ready"
                    } else {
                        status
                    },
                    cells,
                });
            }
            page.teams.push(TeamView {
                index: ti,
                name: t.name.clone(),
                band: t.band.clone(),
                roster: t.roster,
                members: t
                    .members
                    .iter()
                    .map(|m| MemberView {
                        id: m.educator.clone(),
                        name: name(&m.educator),
                        role: p
                            .educator(&m.educator)
                            .map_or(String::new(), |(_, c)| c.role.label().to_owned()),
                        why: m.why.join("; "),
                    })
                    .collect(),
                rows,
            });
        }
        page.extended = sd
            .extended
            .iter()
            .map(|x| (name(&x.educator), x.why.clone()))
            .collect();
    }
    page.violations = verdict
        .violations
        .iter()
        .map(|x| (x.rule.label().to_owned(), x.message.clone()))
        .collect();
    let f = &verdict.soft;
    page.soft = format!(
        "{} subjects without an expert on their team, {} novices without a veteran, {} stretches with a coach, {} responsibilities above the per-person load, {} pairs of last year's teammates apart, balance {}, {} unmet wishes.",
        f.content_spread, f.novice_pairing, f.stretch, f.load, f.continuity, f.balance, f.preference
    );
    let hiring = staffing::hiring(p, &plan.design, &verdict);
    let model = p.budget.clone().unwrap_or_default();
    let b = staffing::budget(p, &plan.design, &model, &hiring);
    page.hiring = hiring
        .into_iter()
        .map(|h| HiringView {
            title: h.title,
            students: h.students_reached,
            cost: money(h.annual_cost_cents),
            needs: h.requirements.join(", "),
            cheaper: h.cheaper.map_or(String::new(), |c| {
                format!(
                    "{} at {:.1} FTE: {}",
                    c.role.label(),
                    c.fte,
                    money(c.annual_cost_cents)
                )
            }),
            thin: h.thin,
        })
        .collect();
    page.budget_rows = [
        "Total",
        "Cost per student",
        "Adults",
        "Adults per 100 students",
        "Students per professional educator",
        "Collaborative planning (min/week)",
    ]
    .map(String::from)
    .to_vec();
    for fig in [&b.plan, &b.traditional] {
        page.budget.push(Figures {
            label: fig.label.clone(),
            rows: vec![
                ("Total".into(), money(fig.total_cents)),
                ("Cost per student".into(), money(fig.cost_per_student_cents)),
                ("Adults".into(), fig.adults.to_string()),
                (
                    "Adults per 100 students".into(),
                    format!("{:.1}", fig.adults_per_100_students),
                ),
                (
                    "Students per professional educator".into(),
                    format!("{:.1}", fig.students_per_professional),
                ),
                (
                    "Collaborative planning (min/week)".into(),
                    fig.collaborative_planning_minutes.to_string(),
                ),
            ],
        });
    }
    page.budget_note = format!(
        "The team plan costs {} {} than the traditional plan. Filling the hiring profiles would add {}.",
        money(b.difference_cents.abs()),
        if b.difference_cents >= 0 { "less" } else { "more" },
        money(b.hires_cents)
    );
    page.what_ifs = b.what_ifs.into_iter().map(|w| w.description).collect();
}

/// The district's settings, or the defaults; and whether the district has its own.
async fn district_settings(
    st: &AppState,
    school: SchoolId,
) -> Result<(staffing::Settings, bool), AppError> {
    match st.store.staffing_settings(school).await? {
        Some(json) => serde_json::from_str(&json).map(|s| (s, true)).map_err(|e| {
            AppError::Conflict(format!(
                "The district's staffing settings cannot be read: {e}"
            ))
        }),
        None => Ok((staffing::Settings::default(), false)),
    }
}

#[derive(Deserialize)]
struct SettingsForm {
    csrf: String,
    settings: String,
}

/// A district leader changes the catalog and policy the district's schools are designed with.
/// Bad JSON or a bad value is refused with where it is; nothing is stored then.
async fn settings(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<SettingsForm>,
) -> PageResult {
    v.check_csrf(&f.csrf)?;
    led_school(&st, &v, SchoolId(id)).await?;
    if v.principal.system_role != SystemRole::SystemAdmin {
        return Err(AppError::Forbidden(
            "Only district (system) leaders change the district's staffing catalog and policy."
                .into(),
        )
        .into());
    }
    let parsed: staffing::Settings = serde_json::from_str(&f.settings).map_err(|e| {
        AppError::BadRequest(format!(
            "Settings, line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    parsed
        .validate()
        .map_err(|e| AppError::BadRequest(format!("Settings: {e}")))?;
    let json = serde_json::to_string(&parsed).map_err(|e| AppError::Conflict(e.to_string()))?;
    st.store
        .set_staffing_settings(SchoolId(id), Some(v.principal.user), &json)
        .await?;
    Ok(Redirect::to(&format!(
        "/schools/{id}/staffing?msg=Saved+the+district%27s+staffing+catalog+and+policy"
    ))
    .into_response())
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

/// Builds a plan from the school's stored staff and aggregate need counts.
async fn build(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<CsrfOnly>,
) -> PageResult {
    v.check_csrf(&f.csrf)?;
    let school_id = SchoolId(id);
    let school = led_school(&st, &v, school_id).await?;
    let pool = st.store.staffing_pool(school_id).await?;
    let needs = st.store.need_counts(school_id).await?;
    st.store
        .audit(AuditEntry {
            user: Some(v.principal.user),
            actor: &v.principal.email,
            school: Some(school_id),
            action: "students.aggregate",
            target_kind: "school",
            target_id: Some(id),
            outcome: AuditOutcome::Allowed,
            detail: "need counts per grade (special education, English learners and their home languages, reading intervention) for a staffing plan".into(),
        })
        .await?;
    let team_grades = st.store.team_grades(school_id).await?;
    let grid = st.store.grid(school_id).await?;
    let per_grade: BTreeMap<u8, staffing::input::GradeCounts> = needs
        .into_iter()
        .map(|g| {
            let needs = [
                ("special_education", g.special_education),
                ("english_learner", g.english_learner),
                ("reading_intervention", g.reading_intervention),
            ]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| (k.to_owned(), n))
            .collect();
            let counts = staffing::input::GradeCounts {
                students: g.students,
                needs,
                languages: g.languages,
            };
            (g.grade, counts)
        })
        .collect();
    let team_grades: Vec<(String, BTreeSet<u8>)> = team_grades;
    let bands = staffing::input::bands(&per_grade, &team_grades);
    if bands.is_empty() {
        return Err(
            AppError::Unprocessable("The school has no students to staff for.".into()).into(),
        );
    }
    let educators = pool
        .iter()
        .map(|e| {
            staffing::input::candidate(
                &e.sourced_id,
                &e.name,
                e.role_type,
                e.fte,
                e.years,
                &e.competencies,
                &e.expertise,
                e.available_periods,
                e.core_team.clone(),
            )
        })
        .collect();
    let (settings, _) = district_settings(&st, school_id).await?;
    let problem = Problem {
        catalog: settings.catalog,
        policy: settings.policy,
        schools: vec![staffing::SchoolInput {
            id: school.sourced_id.clone(),
            name: school.name.clone(),
            bands,
            educators,
            planning_minutes_per_week: grid.map_or(0, |g| g.planning_minutes_per_week()),
        }],
        budget: None,
    };
    let plan = tokio::task::spawn_blocking(move || -> Result<Plan, staffing::InputError> {
        let opts = staffing::Options {
            threads: 1,
            ..Default::default()
        };
        let (design, report) = staffing::design(&problem, &opts, &|_, _| {})?;
        Ok(Plan {
            input: problem,
            design,
            report: Some(report),
        })
    })
    .await
    .map_err(|e| AppError::Conflict(format!("The designer stopped: {e}")))?
    .map_err(|e| AppError::Unprocessable(format!("The school's data cannot be staffed: {e}")))?;
    let json = serde_json::to_string(&plan).map_err(|e| AppError::Conflict(e.to_string()))?;
    let pid = st
        .store
        .insert_staffing_plan(school_id, Some(v.principal.user), &json)
        .await?;
    tracing::info!(school = id, plan = pid, "staffing plan built");
    Ok(Redirect::to(&format!("/schools/{id}/staffing?plan={pid}")).into_response())
}

#[derive(Deserialize)]
struct AssignForm {
    csrf: String,
    team: String,
    responsibility: String,
    holder: String,
    #[serde(default)]
    coach: String,
}

/// Changes who holds one responsibility of one team. Any member may be chosen; the validator
/// flags an unready one on the page that follows.
async fn assign(
    State(st): State<AppState>,
    v: Viewer,
    PagePath((id, pid)): PagePath<(i64, i64)>,
    PageForm(f): PageForm<AssignForm>,
) -> PageResult {
    v.check_csrf(&f.csrf)?;
    led_school(&st, &v, SchoolId(id)).await?;
    let (mut plan, _) = plan_of(&st, SchoolId(id), pid).await?;
    let team = plan
        .design
        .schools
        .iter_mut()
        .flat_map(|s| s.teams.iter_mut())
        .find(|t| t.name == f.team)
        .ok_or_else(|| AppError::BadRequest(format!("No team {:?} in this plan.", f.team)))?;
    let on_team = |id: &str| id.is_empty() || team.members.iter().any(|m| m.educator == id);
    if !on_team(&f.holder) || !on_team(&f.coach) {
        return Err(AppError::BadRequest("Choose a member of the team.".into()).into());
    }
    let h = team
        .holdings
        .iter_mut()
        .find(|h| h.responsibility == f.responsibility)
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "No responsibility {:?} on this team.",
                f.responsibility
            ))
        })?;
    h.holder = (!f.holder.is_empty()).then(|| f.holder.clone());
    h.coach = (!f.coach.is_empty()).then(|| f.coach.clone());
    h.why = format!("Edited by {}", v.principal.display_name);
    let json = serde_json::to_string(&plan).map_err(|e| AppError::Conflict(e.to_string()))?;
    st.store.update_staffing_plan(pid, &json).await?;
    Ok(Redirect::to(&format!(
        "/schools/{id}/staffing?plan={pid}&msg=Changed+the+holder;+the+check+below+is+up+to+date#team-{}",
        plan.design.schools.iter().flat_map(|s| &s.teams).position(|t| t.name == f.team).unwrap_or(0)
    ))
    .into_response())
}

/// Saves the plan as the school's teams for the current term.
async fn save(
    State(st): State<AppState>,
    v: Viewer,
    PagePath((id, pid)): PagePath<(i64, i64)>,
    PageForm(f): PageForm<CsrfOnly>,
) -> PageResult {
    v.check_csrf(&f.csrf)?;
    led_school(&st, &v, SchoolId(id)).await?;
    let (plan, _) = plan_of(&st, SchoolId(id), pid).await?;
    let mut core = Vec::new();
    let mut extended = Vec::new();
    for sd in &plan.design.schools {
        for t in &sd.teams {
            let lead = t
                .holdings
                .iter()
                .find(|h| h.responsibility == "team_lead")
                .and_then(|h| h.holder.clone());
            core.push(PlanTeamInput {
                name: t.name.clone(),
                description: format!(
                    "Core team sharing one roster of {} students ({})",
                    t.roster, t.band
                ),
                members: t
                    .members
                    .iter()
                    .map(|m| {
                        let role = if lead.as_deref() == Some(m.educator.as_str()) {
                            TeamMemberRole::Lead
                        } else {
                            TeamMemberRole::Member
                        };
                        (m.educator.clone(), role)
                    })
                    .collect(),
            });
        }
        extended.extend(sd.extended.iter().map(|x| x.educator.clone()));
    }
    st.store
        .apply_staffing_plan(pid, SchoolId(id), &core, &extended)
        .await?;
    Ok(Redirect::to(&format!(
        "/schools/{id}?msg=Saved+the+staffing+plan+as+the+school%27s+teams"
    ))
    .into_response())
}
