//! The staffing page: build, read, edit and save plans; the district's settings.

use super::{
    assign as assign_holder, build as build_plan, coverage_of, district_settings, plan_of,
    save as save_plan, set_settings, Assignment,
};
use crate::auth::Viewer;
use crate::routes::Routes;
use crate::web::{render, CsrfForm, Nav, NoFields, PagePath, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use ensemble_domain::access::may_edit_district_settings;
use ensemble_domain::*;
use ensemble_staffing::budget::money;
use ensemble_staffing::catalog::readiness;
use ensemble_staffing::check::CoverageStatus;
use ensemble_staffing::explain::responsibility_label;
use ensemble_staffing::{self as staffing, Plan};
use ensemble_store::SchoolRow;
use serde::Deserialize;

pub fn router() -> Routes {
    Routes::new()
        .get("/schools/{id}/staffing", page)
        .post("/schools/{id}/staffing", build)
        .post("/schools/{id}/staffing/{plan}/assign", assign)
        .post("/schools/{id}/staffing/{plan}/save", save)
        .post("/schools/{id}/staffing/settings", settings)
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
    let gate = v.gate(&st.store);
    let school = gate.led_school(SchoolId(id)).await?;
    let (current, district_custom) = district_settings(&gate, SchoolId(id)).await?;
    let settings = serde_json::to_string_pretty(&current)?;
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
        may_edit_settings: may_edit_district_settings(&v.principal),
    };
    if let Some(pid) = q.plan {
        let (plan, row) = plan_of(&gate, SchoolId(id), pid).await?;
        page.plan_id = Some(pid);
        page.saved = row.saved_at.is_some();
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
                let status = match coverage_of(&verdict, &t.name, &h.responsibility) {
                    CoverageStatus::Ready => "ready",
                    CoverageStatus::Stretch => "stretch",
                    CoverageStatus::NotReady => "not ready",
                    CoverageStatus::Missing => "missing",
                };
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

#[derive(Deserialize)]
struct SettingsForm {
    settings: String,
}

/// A district leader changes the catalog and policy the district's schools are designed with.
async fn settings(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form: f }: CsrfForm<SettingsForm>,
) -> PageResult {
    let gate = v.gate(&st.store);
    gate.led_school(SchoolId(id)).await?;
    set_settings(&gate, SchoolId(id), &f.settings).await?;
    Ok(Redirect::to(&format!(
        "/schools/{id}/staffing?msg=Saved+the+district%27s+staffing+catalog+and+policy"
    ))
    .into_response())
}

/// Builds a plan from the school's stored staff and aggregate need counts.
async fn build(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, .. }: CsrfForm<NoFields>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let school = gate.led_school(SchoolId(id)).await?;
    let pid = build_plan(&gate, &school).await?;
    Ok(Redirect::to(&format!("/schools/{id}/staffing?plan={pid}")).into_response())
}

#[derive(Deserialize)]
struct AssignForm {
    team: String,
    responsibility: String,
    holder: String,
    #[serde(default)]
    coach: String,
}

/// Changes who holds one responsibility of one team.
async fn assign(
    State(st): State<AppState>,
    PagePath((id, pid)): PagePath<(i64, i64)>,
    CsrfForm { viewer: v, form: f }: CsrfForm<AssignForm>,
) -> PageResult {
    let gate = v.gate(&st.store);
    gate.led_school(SchoolId(id)).await?;
    let index = assign_holder(
        &gate,
        SchoolId(id),
        pid,
        &Assignment {
            team: &f.team,
            responsibility: &f.responsibility,
            holder: &f.holder,
            coach: &f.coach,
        },
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/schools/{id}/staffing?plan={pid}&msg=Changed+the+holder;+the+check+below+is+up+to+date#team-{index}"
    ))
    .into_response())
}

/// Saves the plan as the school's teams for the current term.
async fn save(
    State(st): State<AppState>,
    PagePath((id, pid)): PagePath<(i64, i64)>,
    CsrfForm { viewer: v, .. }: CsrfForm<NoFields>,
) -> PageResult {
    let gate = v.gate(&st.store);
    gate.led_school(SchoolId(id)).await?;
    save_plan(&gate, SchoolId(id), pid, false).await?;
    Ok(Redirect::to(&format!(
        "/schools/{id}?msg=Saved+the+staffing+plan+as+the+school%27s+teams"
    ))
    .into_response())
}
