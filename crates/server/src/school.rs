//! The school overview: where each reader lands (their school, or the district's schools for a
//! district leader), with the core and extended teams, the weekly grid and the spaces. No
//! student data.

use crate::auth::Viewer;
use crate::routes::Routes;
use crate::web::{render, unreadable_note, FlashQuery, Nav, PagePath, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use ensemble_domain::*;
use ensemble_store::{SchoolRow, SpaceRow, TeamSummary};

pub fn router() -> Routes {
    Routes::new().get("/", home).get("/schools/{id}", school)
}

#[derive(Template)]
#[template(path = "schools.html")]
struct SchoolsPage {
    nav: Nav,
    schools: Vec<SchoolRow>,
}

async fn home(State(st): State<AppState>, v: Viewer) -> PageResult {
    match v.principal.school {
        Some(s) => Ok(Redirect::to(&format!("/schools/{s}")).into_response()),
        None => {
            let schools = if v.principal.system_role == SystemRole::SystemAdmin {
                st.store.schools().await?
            } else {
                Vec::new()
            };
            render(&SchoolsPage {
                nav: Nav::of(&v),
                schools,
            })
        }
    }
}

struct GridRow {
    period: Period,
    /// Per day: "N teams · M students", or empty.
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "school.html")]
struct SchoolPage {
    nav: Nav,
    school: SchoolRow,
    core: Vec<TeamSummary>,
    extended: Vec<TeamSummary>,
    spaces: Vec<SpaceRow>,
    days: Vec<DayOfWeek>,
    grid: Vec<GridRow>,
    planning_minutes: u32,
    flash: Option<String>,
    unreadable: Option<String>,
}

async fn school(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let id = SchoolId(id);
    let school = v.gate(&st.store).school(id).await?;
    let teams = st.store.teams(Some(id)).await?;
    let spaces = st.store.spaces(id).await?;
    let uses = st.store.space_use(id).await?;
    let mut unreadable = teams.unreadable;
    unreadable.extend(spaces.unreadable);
    unreadable.extend(uses.unreadable);
    let (core, extended): (Vec<TeamSummary>, Vec<TeamSummary>) = teams
        .rows
        .into_iter()
        .partition(|t| t.kind == TeamKind::Core);
    let grid = st.store.grid(id).await?;
    let (days, rows, planning_minutes) = match &grid {
        Some(g) => {
            let rows = g
                .periods()
                .iter()
                .enumerate()
                .map(|(pi, p)| GridRow {
                    period: p.clone(),
                    cells: g
                        .days()
                        .iter()
                        .map(
                            |d| match uses.rows.iter().find(|u| u.day == *d && u.period == pi) {
                                Some(u) => {
                                    format!("{} teams · {}/{} seats", u.teams, u.students, u.seats)
                                }
                                None if p.kind == PeriodKind::TeamPlanning => {
                                    "core teams plan".to_owned()
                                }
                                None => String::new(),
                            },
                        )
                        .collect(),
                })
                .collect();
            (g.days().to_vec(), rows, g.planning_minutes_per_week())
        }
        None => (Vec::new(), Vec::new(), 0),
    };
    render(&SchoolPage {
        nav: Nav::of(&v),
        school,
        core,
        extended,
        spaces: spaces.rows,
        days,
        grid: rows,
        planning_minutes,
        flash: q.message(),
        unreadable: unreadable_note(&unreadable),
    })
}
