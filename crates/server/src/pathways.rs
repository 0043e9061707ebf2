//! Pathways on pages and in the API: on an educator's page, where they stand on the district's
//! ladder and tracks, what the next step asks of them, and the roles they could take now —
//! responsibilities that keep them with students, with their pay from the budget model; for
//! leaders, the district's chart of how many educators stand on each step, year by year. No
//! student data.

use crate::api::{ApiPath, ApiResult};
use crate::auth::{ApiCaller, Viewer};
use crate::error::AppError;
use crate::routes::Routes;
use crate::web::{render, Nav, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::Json;
use ensemble_domain::access::Principal;
use ensemble_domain::pathway::{Pathway, PathwayKind, Standing};
use ensemble_domain::*;
use ensemble_staffing::{self as staffing, BudgetModel, Readiness};
use ensemble_store::{EducatorDetail, StandingRow};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub fn router() -> Routes {
    Routes::new().get("/pathways", district_page)
}

pub fn api() -> Routes {
    Routes::new()
        .get("/pathways", district_api)
        .get("/educators/{id}/pathways", educator_api)
}

fn year_words(y: i64) -> String {
    format!("{y}–{:02}", (y + 1) % 100)
}

/// One requirement in words: "Coaching colleagues at proficient (holds developing)".
fn gap_words(g: &ensemble_domain::pathway::Gap) -> String {
    format!(
        "{} at {}{}",
        labels::competency(&g.competency),
        g.need.label().to_lowercase(),
        match g.have {
            Some(h) if h < g.need => format!(" (holds {})", h.label().to_lowercase()),
            _ => String::new(),
        }
    )
}

/// One pathway as the educator stands on it.
pub(crate) struct PathView {
    pub name: String,
    pub ladder: bool,
    /// The steps, each with whether it is where they stand.
    pub steps: Vec<(String, bool)>,
    pub at: Option<String>,
    pub next: Option<String>,
    pub next_months: u16,
    pub met: Vec<String>,
    pub missing: Vec<String>,
}

fn path_view(p: &Pathway, s: &Standing) -> PathView {
    let next = s.next.as_ref();
    PathView {
        name: p.name.clone(),
        ladder: p.kind == PathwayKind::Ladder,
        steps: p
            .steps
            .iter()
            .enumerate()
            .map(|(i, st)| (st.name.clone(), s.at == Some(i)))
            .collect(),
        at: s.at.map(|i| p.steps[i].name.clone()),
        next: next.map(|n| p.steps[n.step].name.clone()),
        next_months: next.map_or(0, |n| p.steps[n.step].typical_months),
        met: next.map_or_else(Vec::new, |n| n.met.iter().map(gap_words).collect()),
        missing: next.map_or_else(Vec::new, |n| n.missing.iter().map(gap_words).collect()),
    }
}

/// A role the educator could take now, and its pay.
pub(crate) struct RoleView {
    pub name: String,
    /// "ready", or "as a coached stretch".
    pub how: &'static str,
    pub pay: String,
}

/// The responsibilities of the district's catalog this educator is ready for (or could hold as
/// a coached stretch), with the stipend the budget model gives each.
fn roles_now(
    e: &EducatorDetail,
    settings: &staffing::Settings,
    model: &BudgetModel,
) -> Vec<RoleView> {
    // Stored FTEs were checked on the way in; one that no longer reads has no roles to show.
    let Ok(fte) = Fte::new(e.employment, e.fte_milli) else {
        return Vec::new();
    };
    let c = staffing::input::candidate(
        &e.sourced_id,
        &format!("{} {}", e.given_name, e.family_name),
        e.role_type,
        fte,
        u8::try_from(e.years_experience.clamp(0, 60)).unwrap_or(0),
        &e.competencies,
        &e.expertise,
        0,
        None,
    );
    let salary = model.certified_salary(None, c.years);
    let mut out = Vec::new();
    for r in &settings.catalog.responsibilities {
        // A per-subject responsibility: the subjects they could lead.
        let subjects: Vec<Option<String>> = if r.per_subject_content.is_some() {
            settings.policy.subjects.iter().cloned().map(Some).collect()
        } else {
            vec![None]
        };
        for subject in subjects {
            let how = match staffing::catalog::readiness(&c, r, subject.as_deref()) {
                Readiness::Ready => "ready",
                Readiness::Stretch => "as a coached stretch",
                Readiness::No => continue,
            };
            let stipend = if r.code == "team_lead" {
                salary * model.stipends.team_lead_bp / 10_000
            } else {
                model
                    .stipends
                    .per_responsibility
                    .get(&r.code)
                    .copied()
                    .unwrap_or(0)
            };
            out.push(RoleView {
                name: staffing::explain::responsibility_label(r, subject.as_deref()),
                how,
                pay: if stipend > 0 {
                    format!(
                        "{} a year on top of salary",
                        staffing::budget::money(stipend)
                    )
                } else {
                    "no stipend; part of the team's shared work".into()
                },
            });
        }
    }
    out
}

/// What an educator's page shows of their pathways.
pub(crate) struct EducatorPathways {
    pub paths: Vec<PathView>,
    pub roles: Vec<RoleView>,
}

pub(crate) async fn for_educator(
    st: &AppState,
    e: &EducatorDetail,
) -> Result<EducatorPathways, AppError> {
    let district = st
        .store
        .district_for(Some(e.school))
        .await?
        .map_or(0, |(d, _)| d);
    let pathways = st.store.pathways(district).await?;
    let paths = pathways
        .iter()
        .map(|p| (p, p.standing(e.role_type, &e.competencies)))
        .filter(|(p, s)| {
            p.kind == PathwayKind::Ladder
                || s.at.is_some()
                || e.role_type.is_professional()
                    && s.next.as_ref().is_some_and(|n| !n.met.is_empty())
        })
        .map(|(p, s)| path_view(p, &s))
        .collect();
    let settings = match st.store.staffing_settings(e.school).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_default(),
        None => staffing::Settings::default(),
    };
    Ok(EducatorPathways {
        paths,
        roles: roles_now(e, &settings, &BudgetModel::default()),
    })
}

// ---------------------------------------------------------------- the district's chart

/// One pathway's steps counted over the years.
struct Chart {
    name: String,
    ladder: bool,
    years: Vec<String>,
    /// Per step: its name and its count in each year.
    rows: Vec<(String, Vec<i64>)>,
    /// Educators who stood higher than the year before, per year.
    moved: Vec<i64>,
    /// Stacked bars: per year, (x, label, total, segments).
    bars: Vec<(i64, String, i64, Vec<Segment>)>,
}

/// One step's part of a year's bar: (y, height, step index, count).
type Segment = (i64, i64, usize, i64);

const BAR_HEIGHT: i64 = 180;

async fn charts(st: &AppState, p: &Principal) -> Result<(String, Vec<Chart>), AppError> {
    let (district, name) = st
        .store
        .district_for(p.school)
        .await?
        .ok_or_else(|| AppError::NotFound("No district is set up yet.".into()))?;
    let pathways = st.store.pathways(district).await?;
    // This year's standings, recorded as observed now (the latest observation of a year
    // stands).
    let year = ensemble_store::school_year(ensemble_store::now_ms());
    let mut rows = Vec::new();
    for school in st.store.schools().await? {
        if st.store.district_for(Some(school.id)).await?.map(|d| d.0) != Some(district) {
            continue;
        }
        for e in st.store.staffing_pool(school.id).await? {
            for pw in &pathways {
                rows.push(StandingRow {
                    educator: e.id,
                    pathway: pw.code.clone(),
                    step: pw.standing(e.role_type, &e.competencies).at,
                });
            }
        }
    }
    st.store.record_standings(year, &rows).await?;
    let counts = st.store.standing_counts(district).await?;
    let mut out = Vec::new();
    for pw in &pathways {
        let mine: Vec<_> = counts.iter().filter(|c| c.pathway == pw.code).collect();
        let mut years: Vec<i64> = mine.iter().map(|c| c.school_year).collect();
        years.sort_unstable();
        years.dedup();
        // Tracks: this year only; the ladder: up to six years.
        if pw.kind == PathwayKind::Track {
            years.retain(|y| *y == year);
        } else if years.len() > 6 {
            years.drain(..years.len() - 6);
        }
        let grid: BTreeMap<(i64, usize), i64> = mine
            .iter()
            .filter_map(|c| c.step.map(|s| ((c.school_year, s), c.educators)))
            .collect();
        let rows: Vec<(String, Vec<i64>)> = pw
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    s.name.clone(),
                    years
                        .iter()
                        .map(|y| grid.get(&(*y, i)).copied().unwrap_or(0))
                        .collect(),
                )
            })
            .collect();
        let moves: BTreeMap<i64, i64> = st
            .store
            .moves_up(district, &pw.code)
            .await?
            .into_iter()
            .collect();
        let totals: Vec<i64> = (0..years.len())
            .map(|j| rows.iter().map(|(_, v)| v[j]).sum())
            .collect();
        let top = totals.iter().copied().max().unwrap_or(0).max(1);
        let bars = years
            .iter()
            .enumerate()
            .map(|(j, y)| {
                let mut y0 = BAR_HEIGHT;
                let segs = rows
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, v))| v[j] > 0)
                    .map(|(i, (_, v))| {
                        let h = (v[j] * BAR_HEIGHT / top).max(1);
                        y0 -= h;
                        (y0, h, i, v[j])
                    })
                    .collect();
                (
                    i64::try_from(j).unwrap_or(0) * 90 + 60,
                    year_words(*y),
                    totals[j],
                    segs,
                )
            })
            .collect();
        out.push(Chart {
            name: pw.name.clone(),
            ladder: pw.kind == PathwayKind::Ladder,
            moved: years
                .iter()
                .map(|y| moves.get(y).copied().unwrap_or(0))
                .collect(),
            years: years.iter().map(|y| year_words(*y)).collect(),
            rows,
            bars,
        });
    }
    Ok((name, out))
}

#[derive(Template)]
#[template(path = "pathways.html")]
struct DistrictPage {
    nav: Nav,
    district_name: String,
    charts: Vec<Chart>,
}

async fn district_page(State(st): State<AppState>, v: Viewer) -> PageResult {
    if !v.principal.is_leader() {
        return Err(AppError::NotFound("There is no page at this address.".into()).into());
    }
    let (district_name, charts) = charts(&st, &v.principal).await?;
    render(&DistrictPage {
        nav: Nav::of(&v),
        district_name,
        charts,
    })
}

// ---------------------------------------------------------------- API

#[derive(Serialize, ToSchema)]
pub struct StepCountDto {
    step: String,
    /// Educators on the step, per school year (in the order of `years`).
    educators: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PathwayCountsDto {
    pathway: String,
    /// `ladder` or `track`.
    kind: String,
    /// School years, `2026–27`.
    years: Vec<String>,
    steps: Vec<StepCountDto>,
    /// Educators who stood higher than the year before, per year.
    moved_up: Vec<i64>,
}

/// How many of the district's educators stand on each step of each pathway, year by year
/// (leaders).
#[utoipa::path(get, path = "/api/v1/pathways", tag = "pathways", security(("bearer" = [])),
    responses((status = 200, body = Vec<PathwayCountsDto>)))]
pub async fn district_api(
    State(st): State<AppState>,
    ApiCaller(p, _): ApiCaller,
) -> ApiResult<Vec<PathwayCountsDto>> {
    if !p.is_leader() {
        return Err(AppError::NotFound("No pathways that you may see.".into()).into());
    }
    let (_, charts) = charts(&st, &p).await?;
    Ok(Json(
        charts
            .into_iter()
            .map(|c| PathwayCountsDto {
                pathway: c.name,
                kind: if c.ladder { "ladder" } else { "track" }.into(),
                years: c.years,
                steps: c
                    .rows
                    .into_iter()
                    .map(|(step, educators)| StepCountDto { step, educators })
                    .collect(),
                moved_up: c.moved,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct StandingDto {
    pathway: String,
    /// The step they stand on, if any.
    at: Option<String>,
    /// The next step, with what it asks.
    next: Option<String>,
    typical_months: u16,
    met: Vec<String>,
    missing: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RoleNowDto {
    role: String,
    /// `ready` or `as a coached stretch`.
    how: String,
    pay: String,
}

#[derive(Serialize, ToSchema)]
pub struct EducatorPathwaysDto {
    standings: Vec<StandingDto>,
    roles_now: Vec<RoleNowDto>,
}

/// Where an educator stands on the district's pathways, and the roles they could take now
/// (anyone of their school).
#[utoipa::path(get, path = "/api/v1/educators/{id}/pathways", tag = "pathways", security(("bearer" = [])),
    params(("id" = i64, Path, description = "educator id")),
    responses((status = 200, body = EducatorPathwaysDto)))]
pub async fn educator_api(
    State(st): State<AppState>,
    ApiCaller(p, _): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<EducatorPathwaysDto> {
    let e = crate::educators::visible(&st.store, &p, id).await?;
    let v = for_educator(&st, &e).await?;
    Ok(Json(EducatorPathwaysDto {
        standings: v
            .paths
            .into_iter()
            .map(|p| StandingDto {
                pathway: p.name,
                at: p.at,
                next: p.next,
                typical_months: p.next_months,
                met: p.met,
                missing: p.missing,
            })
            .collect(),
        roles_now: v
            .roles
            .into_iter()
            .map(|r| RoleNowDto {
                role: r.name,
                how: r.how.into(),
                pay: r.pay,
            })
            .collect(),
    }))
}
