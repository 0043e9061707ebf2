//! The staffing page: build, read, edit and save plans; the district's settings.

use super::{
    apply as apply_plan, assign as assign_holder, build as build_plan, coverage_of, default_term,
    district_settings, join_words, plain_summary, plan_of, plan_term, review as review_plan,
    set_settings, Assignment,
};
use crate::auth::Viewer;
use crate::error::AppError;
use crate::routes::Routes;
use crate::web::{
    confirm_page, flash_url, render, Confirm, CsrfForm, LocalTime, Nav, PagePath, PageResult,
};
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
        .get("/schools/{id}/staffing/{plan}/review", review)
        .post("/schools/{id}/staffing/{plan}/apply", apply)
        .get("/schools/{id}/staffing/compare", compare)
        .get("/schools/{id}/staffing/settings", settings_page)
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
    /// Only strengthens what is thinly covered: no rule needs it.
    thin: bool,
}

/// One stored plan in the list.
struct PlanListRow {
    id: i64,
    term: String,
    created: LocalTime,
    created_by: String,
    status: String,
    applied: bool,
    summary: String,
    teams: usize,
    /// The plan open below the list.
    current: bool,
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
    /// The plan's term, and its status in words.
    term: String,
    status: String,
    summary: String,
    /// The school's terms a new plan may be for: (id, name, selected).
    terms: Vec<(i64, String, bool)>,
    plans: Vec<PlanListRow>,
    teams: Vec<TeamView>,
    extended: Vec<(String, String)>,
    violations: Vec<(String, String)>,
    soft: String,
    hiring: Vec<HiringView>,
    budget: Vec<Figures>,
    budget_rows: Vec<String>,
    budget_note: String,
    what_ifs: Vec<String>,
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
    let (_, district_custom) = district_settings(&gate, SchoolId(id)).await?;
    let terms = st.store.school_terms(SchoolId(id)).await?;
    let default = default_term(&terms).map(|t| t.id);
    let choices = crate::web::term_choices(&terms, default);
    let current_name = terms
        .iter()
        .find(|t| t.current)
        .map_or_else(String::new, |t| t.name.clone());
    let plans = st
        .store
        .staffing_plans(SchoolId(id), 20)
        .await?
        .iter()
        .map(|r| {
            let parsed: Option<Plan> = serde_json::from_str(&r.plan).ok();
            PlanListRow {
                id: r.id,
                term: r.term_name.clone().unwrap_or_else(|| current_name.clone()),
                created: LocalTime::of_ms(r.created_at),
                created_by: r.created_by.clone().unwrap_or_default(),
                status: status_words(r),
                applied: r.saved_at.is_some(),
                summary: parsed
                    .as_ref()
                    .map_or("This version cannot read it.".into(), plain_summary),
                teams: parsed
                    .as_ref()
                    .map_or(0, |p| p.design.schools.iter().map(|s| s.teams.len()).sum()),
                current: Some(r.id) == q.plan,
            }
        })
        .collect();
    let mut page = StaffingPage {
        nav: Nav::of(&v),
        school,
        msg: q.msg.filter(|m| m.chars().count() < 300),
        plan_id: None,
        saved: false,
        term: String::new(),
        status: String::new(),
        summary: String::new(),
        terms: choices,
        plans,
        teams: Vec::new(),
        extended: Vec::new(),
        violations: Vec::new(),
        soft: String::new(),
        hiring: Vec::new(),
        budget: Vec::new(),
        budget_rows: Vec::new(),
        budget_note: String::new(),
        what_ifs: Vec::new(),
        district_custom,
        may_edit_settings: may_edit_district_settings(&v.principal),
    };
    if let Some(pid) = q.plan {
        let (plan, row) = plan_of(&gate, SchoolId(id), pid).await?;
        page.plan_id = Some(pid);
        page.saved = row.saved_at.is_some();
        page.term = row.term_name.clone().unwrap_or(current_name);
        page.status = status_words(&row);
        fill(&mut page, &plan);
    }
    render(&page)
}

/// A plan's status in words: "Draft", or "Applied by Rosa Delgado" (with the reason when it
/// was applied despite open problems).
fn status_words(r: &ensemble_store::PlanRow) -> String {
    match (r.saved_at, &r.applied_by, &r.override_reason) {
        (None, _, _) => "Draft".into(),
        (Some(_), by, reason) => {
            let mut s = "Applied".to_owned();
            if let Some(b) = by {
                s.push_str(&format!(" by {b}"));
            }
            if let Some(why) = reason {
                s.push_str(&format!(" despite open problems: “{why}”"));
            }
            s
        }
    }
}

fn fill(page: &mut StaffingPage, plan: &Plan) {
    let p = &plan.input;
    let verdict = staffing::check(p, &plan.design);
    let name = |id: &str| {
        p.educator(id)
            .map_or(id.to_owned(), |(_, c)| c.name.clone())
    };
    page.summary = plain_summary(plan);
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
    let mut soft: Vec<String> = Vec::new();
    let mut add = |n: u32, one: &str, many: &str| {
        if n > 0 {
            soft.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    };
    add(
        f.content_spread,
        "subject without an expert on its team",
        "subjects without an expert on their team",
    );
    add(
        f.novice_pairing,
        "new teacher without a veteran on their team",
        "new teachers without a veteran on their team",
    );
    add(
        f.stretch,
        "responsibility held as a coached stretch",
        "responsibilities held as coached stretches",
    );
    add(
        f.load,
        "responsibility beyond what one person should carry",
        "responsibilities beyond what one person should carry",
    );
    add(
        f.continuity,
        "pair of last year's teammates apart",
        "pairs of last year's teammates apart",
    );
    add(f.preference, "wish not met", "wishes not met");
    page.soft = if soft.is_empty() {
        "Nothing to weigh: every preference is met.".into()
    } else {
        format!("To weigh: {}.", join_words(&soft))
    };
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

/// Builds a plan for a term (the next by default) from the school's stored staff and
/// aggregate need counts.
#[derive(Deserialize)]
struct BuildForm {
    #[serde(default)]
    term: Option<String>,
}

async fn build(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form }: CsrfForm<BuildForm>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let school = gate.led_school(SchoolId(id)).await?;
    let asked =
        match form.term.as_deref().filter(|t| !t.is_empty()) {
            None => None,
            Some(t) => Some(t.parse::<i64>().map_err(|_| {
                AppError::BadRequest("Term: choose one of the school's terms.".into())
            })?),
        };
    let term = plan_term(&gate, SchoolId(id), asked).await?;
    let pid = build_plan(&gate, &school, &term).await?;
    let query = serde_urlencoded::to_string([
        ("plan", pid.to_string()),
        (
            "msg",
            format!(
                "Built plan {pid} for {}: review it, then apply it.",
                term.name
            ),
        ),
    ])
    .unwrap_or_else(|_| format!("plan={pid}"));
    Ok(Redirect::to(&format!("/schools/{id}/staffing?{query}")).into_response())
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

struct ChangeView {
    team: String,
    band: String,
    roster: String,
    lead: String,
    joined: String,
    left: String,
}

#[derive(Template)]
#[template(path = "staffing_review.html")]
struct ReviewPage {
    nav: Nav,
    school: SchoolRow,
    plan_id: i64,
    term: String,
    summary: String,
    problems: Vec<(String, String)>,
    left_behind: Vec<String>,
    needs_reason: bool,
    teams: Vec<ChangeView>,
    moves: Vec<(String, String, String)>,
    reason: String,
    error: Option<String>,
}

/// Grades in words: "Grade 6", "Grades 4–5", "no students yet".
fn grades_words(grades: &[u8]) -> String {
    let g = |n: u8| {
        if n == 0 {
            "K".to_owned()
        } else {
            n.to_string()
        }
    };
    match grades {
        [] => "no students yet".into(),
        [one] => format!("Grade {}", g(*one)),
        [first, .., last] => format!("Grades {}–{}", g(*first), g(*last)),
    }
}

async fn review_page(
    gate: &crate::gate::Gate<'_>,
    v: &Viewer,
    id: i64,
    pid: i64,
    reason: String,
    error: Option<String>,
) -> PageResult {
    let school = gate.led_school(SchoolId(id)).await?;
    let (plan, _) = plan_of(gate, SchoolId(id), pid).await?;
    let r = review_plan(gate, SchoolId(id), pid).await?;
    let o = &r.outcome;
    let page = ReviewPage {
        nav: Nav::of(v),
        school,
        plan_id: pid,
        term: o.term_name.clone(),
        summary: plain_summary(&plan),
        needs_reason: r.needs_reason(),
        problems: r.problems.clone(),
        left_behind: o
            .left_behind
            .iter()
            .map(|l| {
                format!(
                    "{}'s {} students would have no team in {}: the plan has no team of that name.",
                    l.team, l.students, o.term_name
                )
            })
            .collect(),
        teams: o
            .teams
            .iter()
            .map(|c| ChangeView {
                team: c.team.clone(),
                band: if c.kind == TeamKind::Core {
                    grades_words(&c.grades)
                } else {
                    "Extended team".into()
                },
                roster: match (c.kind, c.created, c.continues) {
                    (TeamKind::Extended, _, _) => "serves the core teams' students".into(),
                    (_, true, true) => format!("{} students, kept from this term", c.roster),
                    (_, true, false) => "new team: no students yet".into(),
                    (_, false, _) => format!("{} students, kept", c.roster),
                },
                lead: c.lead.clone().unwrap_or_else(|| "nobody".into()),
                joined: if c.joined.is_empty() {
                    "nobody".into()
                } else {
                    c.joined.join(", ")
                },
                left: if c.left.is_empty() {
                    "nobody".into()
                } else {
                    c.left.join(", ")
                },
            })
            .collect(),
        moves: o
            .moves
            .iter()
            .map(|m| {
                (
                    m.educator.clone(),
                    m.from.clone().unwrap_or_else(|| "no team".into()),
                    format!(
                        "{}{}",
                        m.to.clone().unwrap_or_else(|| "no team".into()),
                        if m.leads { " (leads it)" } else { "" }
                    ),
                )
            })
            .collect(),
        reason,
        error,
    };
    render(&page)
}

/// Everything applying the plan would change, for the leader to review before applying.
async fn review(
    State(st): State<AppState>,
    v: Viewer,
    PagePath((id, pid)): PagePath<(i64, i64)>,
) -> PageResult {
    let gate = v.gate(&st.store);
    review_page(&gate, &v, id, pid, String::new(), None).await
}

#[derive(Deserialize)]
struct ApplyForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirmed: String,
}

/// Applies the plan to its term once confirmed; refused with the review page (the reason kept)
/// while it has open problems and no reason.
async fn apply(
    State(st): State<AppState>,
    PagePath((id, pid)): PagePath<(i64, i64)>,
    CsrfForm { viewer: v, form }: CsrfForm<ApplyForm>,
) -> PageResult {
    let gate = v.gate(&st.store);
    gate.led_school(SchoolId(id)).await?;
    if form.confirmed != "yes" {
        let r = review_plan(&gate, SchoolId(id), pid).await?;
        return confirm_page(
            &v,
            Confirm {
                question: format!("Apply plan {pid} to {}?", r.outcome.term_name),
                detail: format!(
                    "{} teams change and {} educators move; rosters stay with their teams.",
                    r.outcome.teams.len(),
                    r.outcome.moves.len()
                ),
                action: format!("/schools/{id}/staffing/{pid}/apply"),
                fields: vec![("reason".into(), form.reason)],
                yes: format!("Apply to {}", r.outcome.term_name),
                back: format!("/schools/{id}/staffing/{pid}/review"),
            },
        );
    }
    match apply_plan(&gate, SchoolId(id), pid, &form.reason).await {
        Ok(o) => Ok(Redirect::to(&flash_url(
            &format!("/schools/{id}/staffing"),
            &format!(
                "Applied plan {pid} to {}: {} teams changed, {} educators moved, every roster kept.",
                o.term_name,
                o.teams.len(),
                o.moves.len()
            ),
        ))
        .into_response()),
        Err(AppError::Unprocessable(m)) => {
            let mut resp = review_page(&gate, &v, id, pid, form.reason, Some(m)).await?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CompareQuery {
    a: Option<i64>,
    b: Option<i64>,
}

/// One plan's column in the comparison.
struct PlanColumn {
    id: i64,
    term: String,
    status: String,
    summary: String,
    rows: Vec<String>,
    teams: Vec<String>,
}

#[derive(Template)]
#[template(path = "staffing_compare.html")]
struct ComparePage {
    nav: Nav,
    school: SchoolRow,
    /// Figure by figure: its label and each plan's value.
    figures: Vec<(String, Vec<String>)>,
    columns: Vec<PlanColumn>,
}

/// Two plans side by side: their terms, status, the rules they meet, teams and budget.
async fn compare(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<CompareQuery>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let school = gate.led_school(SchoolId(id)).await?;
    let (Some(a), Some(b)) = (q.a, q.b) else {
        return Err(AppError::BadRequest("Choose two plans to compare.".into()).into());
    };
    let labels = [
        "Core teams",
        "Adults on core teams",
        "Students per professional educator",
        "Hiring profiles",
        "Total cost",
        "Cost per student",
    ]
    .map(String::from)
    .to_vec();
    let mut columns = Vec::new();
    for pid in [a, b] {
        let (plan, row) = plan_of(&gate, SchoolId(id), pid).await?;
        let p = &plan.input;
        let verdict = staffing::check(p, &plan.design);
        let hiring = staffing::hiring(p, &plan.design, &verdict);
        let model = p.budget.clone().unwrap_or_default();
        let budget = staffing::budget(p, &plan.design, &model, &hiring);
        let teams: Vec<&staffing::plan::TeamDesign> =
            plan.design.schools.iter().flat_map(|s| &s.teams).collect();
        let adults: usize = teams.iter().map(|t| t.members.len()).sum();
        columns.push(PlanColumn {
            id: pid,
            term: row.term_name.clone().unwrap_or_default(),
            status: status_words(&row),
            summary: plain_summary(&plan),
            rows: vec![
                teams.len().to_string(),
                adults.to_string(),
                format!("{:.1}", budget.plan.students_per_professional),
                hiring.iter().filter(|h| !h.thin).count().to_string(),
                money(budget.plan.total_cents),
                money(budget.plan.cost_per_student_cents),
            ],
            teams: teams
                .iter()
                .map(|t| {
                    format!(
                        "{} · {} · {} students · {} adults",
                        t.name,
                        t.band,
                        t.roster,
                        t.members.len()
                    )
                })
                .collect(),
        });
    }
    let figures = labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (
                l.clone(),
                columns
                    .iter()
                    .map(|c| c.rows.get(i).cloned().unwrap_or_default())
                    .collect(),
            )
        })
        .collect();
    render(&ComparePage {
        nav: Nav::of(&v),
        school,
        figures,
        columns,
    })
}

/// One input of the settings form.
struct Field {
    name: String,
    value: String,
    /// Read by screen readers and shown as the column's heading.
    label: String,
    number: bool,
}

/// One row of a settings section: what it is, and its inputs.
struct SettingsRow {
    label: String,
    fields: Vec<Field>,
}

struct Section {
    id: &'static str,
    title: &'static str,
    note: &'static str,
    columns: Vec<&'static str>,
    rows: Vec<SettingsRow>,
}

#[derive(Template)]
#[template(path = "staffing_settings.html")]
struct SettingsPage {
    nav: Nav,
    school: SchoolRow,
    district_custom: bool,
    may_edit: bool,
    sections: Vec<Section>,
    json: String,
    /// The expert view is open (it holds the text that failed).
    json_open: bool,
    error: Option<String>,
    msg: Option<String>,
}

/// A number input's name, value and label.
fn num(name: String, label: String, value: impl ToString) -> Field {
    Field {
        name,
        value: value.to_string(),
        label,
        number: true,
    }
}

fn text(name: String, label: String, value: &str) -> Field {
    Field {
        name,
        value: value.to_owned(),
        label,
        number: false,
    }
}

/// The settings as form sections, every value from `s`.
fn sections(s: &staffing::Settings) -> Vec<Section> {
    let p = &s.policy;
    let one = |name: &str, label: &str, value: String| SettingsRow {
        label: label.to_owned(),
        fields: vec![num(format!("policy.{name}"), label.to_owned(), value)],
    };
    let policy = vec![
        one(
            "roster.0",
            "Fewest students on a core team",
            p.roster[0].to_string(),
        ),
        one(
            "roster.1",
            "Most students on a core team",
            p.roster[1].to_string(),
        ),
        one(
            "max_team_size",
            "Most adults on a core team",
            p.max_team_size.to_string(),
        ),
        one(
            "max_students_per_professional",
            "Most students per professional educator (empty: no limit)",
            p.max_students_per_professional
                .map_or(String::new(), |n| n.to_string()),
        ),
        one(
            "minutes_per_fte",
            "Working minutes a week of one full-time post",
            p.minutes_per_fte.to_string(),
        ),
        one(
            "core_minutes_per_fte",
            "Of those, minutes with the team's students",
            p.core_minutes_per_fte.to_string(),
        ),
        one(
            "leader_release_minutes",
            "Minutes a week a teacher-leader is released to lead",
            p.leader_release_minutes.to_string(),
        ),
        one(
            "coach_minutes",
            "Minutes a week a coach gives each stretch",
            p.coach_minutes.to_string(),
        ),
        one(
            "holdings_before_load",
            "Responsibilities one person holds before it counts as a load",
            p.holdings_before_load.to_string(),
        ),
        one(
            "veteran_years",
            "Years that make a professional a veteran (to pair with new teachers)",
            p.veteran_years.to_string(),
        ),
    ];
    let roles = s
        .catalog
        .roles
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let [lo, hi] = r.group_size();
            let who = r.role.label();
            SettingsRow {
                label: who.to_owned(),
                fields: vec![
                    text(
                        format!("role.{i}.label"),
                        format!("Name shown for {who}"),
                        &r.label,
                    ),
                    num(
                        format!("role.{i}.typical_fte"),
                        format!("Typical FTE of {who}"),
                        r.typical_fte,
                    ),
                    num(
                        format!("role.{i}.group_lo"),
                        format!("Smallest group {who} leads"),
                        lo,
                    ),
                    num(
                        format!("role.{i}.group_hi"),
                        format!("Largest group {who} leads"),
                        hi,
                    ),
                ],
            }
        })
        .collect();
    let services = s
        .catalog
        .services
        .iter()
        .enumerate()
        .map(|(i, x)| SettingsRow {
            label: x.label.clone(),
            fields: vec![
                text(
                    format!("service.{i}.label"),
                    format!("Name shown for {}", x.label),
                    &x.label,
                ),
                num(
                    format!("service.{i}.minutes"),
                    format!("Minutes a week per student of {}", x.label),
                    x.minutes_per_student,
                ),
            ],
        })
        .collect();
    let responsibilities = s
        .catalog
        .responsibilities
        .iter()
        .enumerate()
        .map(|(i, r)| SettingsRow {
            label: r.label.clone(),
            fields: vec![
                text(
                    format!("resp.{i}.label"),
                    format!("Name shown for {}", r.label),
                    &r.label,
                ),
                num(
                    format!("resp.{i}.load"),
                    format!("Minutes a week {} takes", r.label),
                    r.load_minutes,
                ),
            ],
        })
        .collect();
    let w = &p.weights;
    let weight = |name: &str, label: &str, value: u32| SettingsRow {
        label: label.to_owned(),
        fields: vec![num(format!("weight.{name}"), label.to_owned(), value)],
    };
    let weights = vec![
        weight(
            "content_spread",
            "A core subject without an expert on the team",
            w.content_spread,
        ),
        weight(
            "novice_pairing",
            "A new teacher without a veteran on the team",
            w.novice_pairing,
        ),
        weight(
            "balance",
            "Each tenth of a post a team is away from its share",
            w.balance,
        ),
        weight(
            "load",
            "A responsibility beyond what one person should carry",
            w.load,
        ),
        weight(
            "diversity",
            "A kind of diversity of the school missing from a team",
            w.diversity,
        ),
        weight("preference", "An educator's wish not met", w.preference),
        weight("continuity", "Last year's teammates apart", w.continuity),
        weight(
            "stretch",
            "A responsibility held as a coached stretch",
            w.stretch,
        ),
    ];
    vec![
        Section {
            id: "policy",
            title: "Policy",
            note: "What every core team of the district meets.",
            columns: vec!["Value"],
            rows: policy,
        },
        Section {
            id: "roles",
            title: "Roles",
            note: "The roles on the continuum: how they are named, a typical post, and the size of the groups each leads when a team forms groups.",
            columns: vec!["Name shown", "Typical FTE", "Smallest group", "Largest group"],
            rows: roles,
        },
        Section {
            id: "services",
            title: "Services",
            note: "What the extended team gives the students who need it, and how many minutes a week each of them needs.",
            columns: vec!["Name shown", "Minutes a week per student"],
            rows: services,
        },
        Section {
            id: "responsibilities",
            title: "Responsibilities",
            note: "What each core team carries, and the weekly minutes each takes from its holder.",
            columns: vec!["Name shown", "Minutes a week"],
            rows: responsibilities,
        },
        Section {
            id: "weights",
            title: "What the designer weighs",
            note: "How much each preference counts against a design (a broken rule always counts more than any of these).",
            columns: vec!["Weight"],
            rows: weights,
        },
    ]
}

/// Puts the submitted values into the sections (so that a refused form keeps what was typed).
fn overlay(sections: &mut [Section], form: &[(String, String)]) {
    for f in sections
        .iter_mut()
        .flat_map(|s| s.rows.iter_mut())
        .flat_map(|r| r.fields.iter_mut())
    {
        if let Some((_, v)) = form.iter().find(|(k, _)| *k == f.name) {
            f.value.clone_from(v);
        }
    }
}

/// The settings with the form's values applied; a value that is not a number in range is
/// refused with the field's label.
fn apply_form(
    mut s: staffing::Settings,
    form: &[(String, String)],
    labels: &[Section],
) -> Result<staffing::Settings, String> {
    let label = |name: &str| {
        labels
            .iter()
            .flat_map(|s| &s.rows)
            .flat_map(|r| &r.fields)
            .find(|f| f.name == name)
            .map_or(name.to_owned(), |f| f.label.clone())
    };
    let whole = |name: &str, v: &str, max: u32| -> Result<u32, String> {
        let n: u64 = v
            .trim()
            .parse()
            .map_err(|_| format!("{}: “{v}” is not a whole number.", label(name)))?;
        u32::try_from(n)
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| format!("{}: {v} is more than {max}.", label(name)))
    };
    let week = 10_080;
    for (k, v) in form {
        let parts: Vec<&str> = k.split('.').collect();
        let idx = |i: &str, len: usize| -> Result<usize, String> {
            i.parse::<usize>()
                .ok()
                .filter(|i| *i < len)
                .ok_or_else(|| format!("The form names an unknown field ({k})."))
        };
        match parts.as_slice() {
            ["policy", "roster", end] => {
                let i = idx(end, 2)?;
                s.policy.roster[i] = whole(k, v, 10_000)?;
            }
            ["policy", "max_team_size"] => s.policy.max_team_size = whole(k, v, 100)?,
            ["policy", "max_students_per_professional"] => {
                s.policy.max_students_per_professional = if v.trim().is_empty() {
                    None
                } else {
                    Some(whole(k, v, 10_000)?)
                }
            }
            ["policy", "minutes_per_fte"] => s.policy.minutes_per_fte = whole(k, v, week)?,
            ["policy", "core_minutes_per_fte"] => {
                s.policy.core_minutes_per_fte = whole(k, v, week)?
            }
            ["policy", "leader_release_minutes"] => {
                s.policy.leader_release_minutes = whole(k, v, week)?
            }
            ["policy", "coach_minutes"] => s.policy.coach_minutes = whole(k, v, week)?,
            ["policy", "holdings_before_load"] => s.policy.holdings_before_load = whole(k, v, 100)?,
            ["policy", "veteran_years"] => {
                s.policy.veteran_years = u8::try_from(whole(k, v, 60)?).unwrap_or(60)
            }
            ["role", i, field] => {
                let i = idx(i, s.catalog.roles.len())?;
                let r = &mut s.catalog.roles[i];
                let [lo, hi] = r.group_size();
                match *field {
                    "label" => r.label = words_field(&label(k), v)?,
                    "typical_fte" => {
                        let f: f64 = v
                            .trim()
                            .parse()
                            .ok()
                            .filter(|f: &f64| (0.0..=1.0).contains(f))
                            .ok_or_else(|| format!("{}: give a number from 0 to 1.", label(k)))?;
                        r.typical_fte = f;
                    }
                    "group_lo" => r.group_size = Some([whole(k, v, 1_000)?, hi]),
                    "group_hi" => r.group_size = Some([lo, whole(k, v, 1_000)?]),
                    _ => return Err(format!("The form names an unknown field ({k}).")),
                }
            }
            ["service", i, field] => {
                let i = idx(i, s.catalog.services.len())?;
                let x = &mut s.catalog.services[i];
                match *field {
                    "label" => x.label = words_field(&label(k), v)?,
                    "minutes" => x.minutes_per_student = whole(k, v, week)?,
                    _ => return Err(format!("The form names an unknown field ({k}).")),
                }
            }
            ["resp", i, field] => {
                let i = idx(i, s.catalog.responsibilities.len())?;
                let x = &mut s.catalog.responsibilities[i];
                match *field {
                    "label" => x.label = words_field(&label(k), v)?,
                    "load" => x.load_minutes = whole(k, v, week)?,
                    _ => return Err(format!("The form names an unknown field ({k}).")),
                }
            }
            ["weight", name] => {
                let n = whole(k, v, 1_000_000)?;
                let w = &mut s.policy.weights;
                match *name {
                    "content_spread" => w.content_spread = n,
                    "novice_pairing" => w.novice_pairing = n,
                    "balance" => w.balance = n,
                    "load" => w.load = n,
                    "diversity" => w.diversity = n,
                    "preference" => w.preference = n,
                    "continuity" => w.continuity = n,
                    "stretch" => w.stretch = n,
                    _ => return Err(format!("The form names an unknown field ({k}).")),
                }
            }
            ["csrf"] | ["mode"] | ["settings"] => {}
            _ => return Err(format!("The form names an unknown field ({k}).")),
        }
    }
    Ok(s)
}

/// A validator's finding about a form value, in the form's words.
fn path_words(s: &staffing::Settings, path: &str, problem: &str) -> String {
    let index = |prefix: &str| {
        path.strip_prefix(prefix)
            .and_then(|rest| rest.split(']').next())
            .and_then(|n| n.parse::<usize>().ok())
    };
    let what = if path.starts_with("policy.roster") {
        "Students on a core team (fewest and most)".to_owned()
    } else if let Some(i) = index("catalog.roles[") {
        s.catalog.roles.get(i).map_or("A role".to_owned(), |r| {
            format!("Group sizes of {}", r.role.label())
        })
    } else if let Some(i) = index("catalog.services[") {
        s.catalog
            .services
            .get(i)
            .map_or("A service".to_owned(), |x| x.label.clone())
    } else if let Some(i) = index("catalog.responsibilities[") {
        s.catalog
            .responsibilities
            .get(i)
            .map_or("A responsibility".to_owned(), |x| x.label.clone())
    } else if path.starts_with("policy.") {
        ensemble_domain::labels::words(path.trim_start_matches("policy."))
    } else {
        ensemble_domain::labels::words(path)
    };
    format!("{what}: {problem}.")
}

/// A name shown on pages: 1 to 100 characters, no control characters.
fn words_field(label: &str, v: &str) -> Result<String, String> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > 100 || v.chars().any(char::is_control) {
        return Err(format!("{label}: give a name of 1 to 100 characters."));
    }
    Ok(v.to_owned())
}

async fn settings_view(
    gate: &crate::gate::Gate<'_>,
    v: &Viewer,
    id: i64,
) -> Result<(SettingsPage, staffing::Settings), AppError> {
    let school = gate.led_school(SchoolId(id)).await?;
    let (current, district_custom) = district_settings(gate, SchoolId(id)).await?;
    Ok((
        SettingsPage {
            nav: Nav::of(v),
            school,
            district_custom,
            may_edit: may_edit_district_settings(&v.principal),
            sections: sections(&current),
            json: serde_json::to_string_pretty(&current)?,
            json_open: false,
            error: None,
            msg: None,
        },
        current,
    ))
}

/// The district's catalog and policy, as forms (and the whole as JSON for experts).
async fn settings_page(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<crate::web::FlashQuery>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let (mut page, _) = settings_view(&gate, &v, id).await?;
    page.msg = q.message();
    render(&page)
}

/// A district leader changes the catalog and policy, through the forms or the JSON view. A
/// refused change keeps what was typed and says what is wrong and where; nothing is stored.
async fn settings(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let (mut page, current) = settings_view(&gate, &v, id).await?;
    let json_mode = form.iter().any(|(k, v)| k == "mode" && v == "json");
    let text = if json_mode {
        form.iter()
            .find(|(k, _)| k == "settings")
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    } else {
        match apply_form(current, &form, &page.sections).and_then(|s| {
            s.validate()
                .map_err(|e| path_words(&s, &e.path, &e.problem))?;
            Ok(s)
        }) {
            Ok(s) => serde_json::to_string(&s)?,
            Err(m) => {
                overlay(&mut page.sections, &form);
                page.error = Some(m);
                let mut resp = render(&page)?;
                *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
                return Ok(resp);
            }
        }
    };
    match set_settings(&gate, SchoolId(id), &text).await {
        Ok(()) => Ok(Redirect::to(&flash_url(
            &format!("/schools/{id}/staffing/settings"),
            "Saved the district's catalog and policy: new plans use them.",
        ))
        .into_response()),
        Err(AppError::BadRequest(m) | AppError::Unprocessable(m)) => {
            if json_mode {
                page.json = text;
                page.json_open = true;
            } else {
                overlay(&mut page.sections, &form);
            }
            page.error = Some(m);
            let mut resp = render(&page)?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}
