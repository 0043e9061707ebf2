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

/// One core team on the district landing.
struct TeamLine {
    id: i64,
    name: String,
    students: i64,
    professionals: usize,
    /// Students per professional educator, in words ("40.0").
    ratio: String,
    /// What a district leader should look at, in words.
    flags: Vec<String>,
}

/// One school on the district landing.
struct SchoolLine {
    school: SchoolRow,
    teams: Vec<TeamLine>,
    /// Students per professional educator across the school's core teams.
    ratio: String,
    flagged: usize,
    /// The newest staffing plan, in words.
    plan: String,
}

#[derive(Template)]
#[template(path = "schools.html")]
struct SchoolsPage {
    nav: Nav,
    schools: Vec<SchoolLine>,
    /// The ratio the district sets (students per professional educator).
    limit: Option<u32>,
    unreadable: Option<String>,
}

/// A ratio with one decimal, or "—" without professionals.
fn ratio(students: i64, pros: usize) -> String {
    if pros == 0 {
        return "—".into();
    }
    // Counts of people: far below f64's exact range.
    let pros = u32::try_from(pros).map_or(f64::MAX, f64::from);
    let students = i32::try_from(students).map_or(f64::MAX, f64::from);
    format!("{:.1}", students / pros)
}

/// Where each reader lands: their school's overview, or — for a system (district) leader — the
/// district: every school with its core teams, students per professional educator, the flags a
/// district watches (teams above the ratio the district sets, teams short of two professional
/// educators) and the staffing plan's status.
async fn home(State(st): State<AppState>, v: Viewer) -> PageResult {
    if let Some(s) = v.principal.school {
        return Ok(Redirect::to(&format!("/schools/{s}")).into_response());
    }
    let gate = v.gate(&st.store);
    let mut schools = Vec::new();
    let mut unreadable = Vec::new();
    let mut limit = None;
    if v.principal.system_role == SystemRole::SystemAdmin {
        for school in st.store.schools().await? {
            let (settings, _) = crate::staffing::district_settings(&gate, school.id).await?;
            let max = settings.policy.max_students_per_professional;
            limit = limit.or(max);
            let loaded = st.store.teams(Some(school.id)).await?;
            unreadable.extend(loaded.unreadable);
            let mut teams = Vec::new();
            for t in loaded.rows.iter().filter(|t| t.kind == TeamKind::Core) {
                let Some(detail) = st.store.team_at(v.fresh, t.id).await? else {
                    continue;
                };
                let pros = detail
                    .members
                    .iter()
                    .filter(|m| m.role_type.is_professional())
                    .count();
                let mut flags = Vec::new();
                if pros < 2 {
                    flags.push(format!(
                        "{pros} professional educator{}: a core team needs two",
                        if pros == 1 { "" } else { "s" }
                    ));
                }
                if let Some(m) = max {
                    if pros > 0
                        && t.roster_size > i64::from(m) * i64::try_from(pros).unwrap_or(i64::MAX)
                    {
                        flags.push(format!(
                            "{} students per professional educator: above the district's {m}",
                            ratio(t.roster_size, pros)
                        ));
                    }
                }
                teams.push(TeamLine {
                    id: t.id.0,
                    name: t.name.clone(),
                    students: t.roster_size,
                    professionals: pros,
                    ratio: ratio(t.roster_size, pros),
                    flags,
                });
            }
            let students: i64 = teams.iter().map(|t| t.students).sum();
            let pros: usize = teams.iter().map(|t| t.professionals).sum();
            let plan = match st.store.staffing_plans(school.id, 1).await?.first() {
                None => "No staffing plan yet".to_owned(),
                Some(p) => format!(
                    "Plan {}{}: {}",
                    p.id,
                    p.term_name
                        .as_ref()
                        .map(|t| format!(" for {t}"))
                        .unwrap_or_default(),
                    if p.saved_at.is_some() {
                        "applied"
                    } else {
                        "draft, not applied"
                    }
                ),
            };
            schools.push(SchoolLine {
                flagged: teams.iter().filter(|t| !t.flags.is_empty()).count(),
                ratio: ratio(students, pros),
                teams,
                school,
                plan,
            });
        }
    }
    render(&SchoolsPage {
        nav: Nav::of(&v),
        schools,
        limit,
        unreadable: unreadable_note(&unreadable),
    })
}

struct GridRow {
    period: Period,
    /// Per day: "N teams · M students", or empty.
    cells: Vec<String>,
}

/// A core team on the overview, with its professional educators and its ratio.
struct CoreRow {
    t: TeamSummary,
    professionals: usize,
    ratio: String,
    /// Why a leader should look at it ("above the district's 45 students per professional").
    flag: Option<String>,
}

#[derive(Template)]
#[template(path = "school.html")]
struct SchoolPage {
    nav: Nav,
    school: SchoolRow,
    core: Vec<CoreRow>,
    /// The district's most students per professional educator.
    limit: Option<u32>,
    extended: Vec<TeamSummary>,
    spaces: Vec<SpaceRow>,
    days: Vec<DayOfWeek>,
    grid: Vec<GridRow>,
    planning_minutes: u32,
    /// Teams already set for later terms (by an applied staffing plan): (term, teams).
    later: Vec<(String, Vec<TeamSummary>)>,
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
    let gate = v.gate(&st.store);
    let limit = crate::staffing::district_settings(&gate, id)
        .await?
        .0
        .policy
        .max_students_per_professional;
    let mut rows_core = Vec::new();
    for t in core {
        let pros = match st.store.team_at(v.fresh, t.id).await? {
            Some(d) => d
                .members
                .iter()
                .filter(|m| m.role_type.is_professional())
                .count(),
            None => 0,
        };
        let over = limit.is_some_and(|m| {
            pros > 0 && t.roster_size > i64::from(m) * i64::try_from(pros).unwrap_or(i64::MAX)
        });
        let flag = if pros < 2 {
            Some(format!(
                "{pros} professional educator(s): a core team needs two"
            ))
        } else if over {
            limit.map(|m| format!("above the district's {m} students per professional educator"))
        } else {
            None
        };
        rows_core.push(CoreRow {
            ratio: ratio(t.roster_size, pros),
            professionals: pros,
            flag,
            t,
        });
    }
    // Later terms' teams, once a plan has set them.
    let mut later = Vec::new();
    let terms = st.store.school_terms(id).await?;
    for t in terms.iter().skip_while(|t| !t.current).skip(1) {
        let teams = st.store.teams_in_term(id, t.id).await?;
        unreadable.extend(teams.unreadable);
        if !teams.rows.is_empty() {
            later.push((t.name.clone(), teams.rows));
        }
    }
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
                                    format!(
                                        "{} teams · {} of {} seats taken",
                                        u.teams, u.students, u.seats
                                    )
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
        core: rows_core,
        limit,
        extended,
        spaces: spaces.rows,
        days,
        grid: rows,
        planning_minutes,
        later,
        flash: q.message(),
        unreadable: unreadable_note(&unreadable),
    })
}
