//! The schedule page of a school's leaders: build a draft of the week (the engine runs while
//! the page says so), review it — grids per team, educator, space and student, planning
//! highlighted, the checker's findings — and publish it.

use super::{build_draft, input_doc, parse_doc, save_draft};
use crate::auth::Viewer;
use crate::error::{AppError, PageError};
use crate::routes::Routes;
use crate::schedule::{
    educator_week_of, space_week_of, student_week_of, team_week_of, EducatorCell, TeamCell, WeekRow,
};
use crate::web::{
    confirm_page, flash_url, render, Confirm, CsrfForm, LocalTime, Nav, PagePath, PageResult,
};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use ensemble_domain::*;
use ensemble_schedule::build::{BuildError, Options};
use ensemble_schedule::check::check;
use ensemble_schedule::{Doc, SessionKind};
use ensemble_store::{actions, SchoolRow};
use serde::Deserialize;
use std::time::Duration;

pub fn router() -> Routes {
    Routes::new()
        .get("/schools/{id}/schedule", page)
        .post("/schools/{id}/schedule", build)
        .post("/schools/{id}/schedule/{schedule}/publish", publish)
        .post("/schools/{id}/schedule/settings", settings)
}

/// The page's query; numbers are read leniently (a typo shows the page without it).
#[derive(Deserialize)]
struct RawQuery {
    v: Option<String>,
    view: Option<String>,
    of: Option<String>,
    msg: Option<String>,
}

struct PageQuery {
    v: Option<i64>,
    view: Option<String>,
    of: Option<i64>,
    msg: Option<String>,
}

impl From<RawQuery> for PageQuery {
    fn from(q: RawQuery) -> Self {
        let num = |s: Option<String>| s.and_then(|x| x.trim().parse().ok());
        Self {
            v: num(q.v),
            view: q.view,
            of: num(q.of),
            msg: q.msg,
        }
    }
}

struct VersionRow {
    id: i64,
    term: String,
    created: LocalTime,
    created_by: String,
    status: String,
    published: bool,
    findings: u32,
    current: bool,
}

/// One grid shown in the review.
struct Grid {
    title: String,
    id: String,
    team: Vec<WeekRow<TeamCell>>,
    other: Vec<WeekRow<EducatorCell>>,
}

#[derive(Template)]
#[template(path = "schedule.html")]
struct SchedulePage {
    nav: Nav,
    school: SchoolRow,
    msg: Option<String>,
    error: Option<Vec<String>>,
    terms: Vec<(i64, String, bool)>,
    versions: Vec<VersionRow>,
    /// The version open below the list.
    open: Option<VersionRow>,
    summary: Vec<String>,
    findings: Vec<String>,
    view: String,
    /// The choices of the view's picker: (id, label, selected).
    picks: Vec<(i64, String, bool)>,
    days: Vec<DayOfWeek>,
    grids: Vec<Grid>,
    /// Every core team's week is shown.
    all_teams: bool,
    /// The school's time zone and daily planning minutes (as typed, after a refusal).
    time_zone: String,
    planning_minutes: String,
    settings_error: Option<String>,
}

fn status_words(s: &str) -> &'static str {
    match s {
        "published" => "Published",
        "replaced" => "Replaced by a later version",
        _ => "Draft",
    }
}

fn version_row(r: &ensemble_store::ScheduleRow, open: Option<i64>) -> VersionRow {
    VersionRow {
        id: r.id,
        term: r.term_name.clone(),
        created: LocalTime::of_ms(r.created_at),
        created_by: r.created_by.clone().unwrap_or_default(),
        status: match (&r.published_by, r.status.as_str()) {
            (Some(by), "published") => format!("Published by {by}"),
            _ => status_words(&r.status).to_owned(),
        },
        published: r.status == "published",
        findings: r.findings,
        current: Some(r.id) == open,
    }
}

/// Figures of a week in plain sentences.
fn summary(doc: &Doc) -> Vec<String> {
    let cores: Vec<_> = doc
        .teams
        .iter()
        .filter(|t| t.kind == TeamKind::Core && !t.student_ids.is_empty())
        .collect();
    let count = |k: SessionKind| doc.sessions.iter().filter(|s| s.kind == k).count();
    let mut out = vec![format!(
        "{} core teams plan together every day for at least {} minutes, while the specials team has their students; once a week the extended team plans with each of them.",
        cores.len(),
        doc.planning_minutes_daily
    )];
    for t in &cores {
        let times: std::collections::BTreeSet<String> = doc
            .sessions
            .iter()
            .filter(|s| s.team_id == t.id && s.kind == SessionKind::Planning)
            .map(|s| s.start.to_string())
            .collect();
        out.push(format!(
            "{} plans at {}.",
            t.name,
            crate::staffing::join_words(&times.into_iter().collect::<Vec<_>>())
        ));
    }
    out.push(format!(
        "{} service sessions a week ({} pull-out, {} push-in) give every student the minutes of their services.",
        count(SessionKind::Service),
        doc.sessions
            .iter()
            .filter(|s| s.mode == Some(ensemble_schedule::Mode::PullOut))
            .count(),
        doc.sessions
            .iter()
            .filter(|s| s.mode == Some(ensemble_schedule::Mode::PushIn))
            .count(),
    ));
    out
}

async fn page(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<RawQuery>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let (school, _) = gate.schedule_school(SchoolId(id)).await?;
    show(&st, &v, school, q.into(), None).await
}

async fn show(
    st: &AppState,
    v: &Viewer,
    school: SchoolRow,
    q: PageQuery,
    error: Option<Vec<String>>,
) -> PageResult {
    show_with(st, v, school, q, error, None).await
}

/// The page; `typed` keeps a refused settings form as it was typed, with its error.
async fn show_with(
    st: &AppState,
    v: &Viewer,
    school: SchoolRow,
    q: PageQuery,
    error: Option<Vec<String>>,
    typed: Option<(String, String, Option<String>)>,
) -> PageResult {
    let id = school.id;
    let rows = st.store.schedules(id, 30).await?;
    // The version to open: asked for, else the newest draft or the published one.
    let open_id = q.v.or_else(|| rows.first().map(|r| r.id));
    let open_row = match open_id {
        Some(vid) => st.store.schedule(id, vid).await?,
        None => None,
    };
    if q.v.is_some() && open_row.is_none() {
        return Err(PageError::from(AppError::NotFound(format!(
            "No schedule {} of this school.",
            q.v.unwrap_or_default()
        ))));
    }
    let terms = st.store.school_terms(id).await?;
    let current = terms.iter().find(|t| t.current).map(|t| t.id);
    let terms = crate::web::term_choices(&terms, current);
    let versions: Vec<VersionRow> = rows.iter().map(|r| version_row(r, open_id)).collect();
    let mut page = SchedulePage {
        nav: Nav::of(v),
        school,
        msg: q.msg.clone(),
        error,
        terms,
        versions,
        open: None,
        summary: Vec::new(),
        findings: Vec::new(),
        view: q.view.clone().unwrap_or_else(|| "team".into()),
        picks: Vec::new(),
        days: Vec::new(),
        grids: Vec::new(),
        all_teams: false,
        time_zone: String::new(),
        planning_minutes: String::new(),
        settings_error: None,
    };
    let (tz, minutes) = st
        .store
        .schedule_settings(id)
        .await?
        .unwrap_or_else(|| ("UTC".into(), 45));
    page.time_zone = tz;
    page.planning_minutes = minutes.to_string();
    if let Some((tz, m, e)) = typed {
        page.time_zone = tz;
        page.planning_minutes = m;
        page.settings_error = e;
    }
    let Some(row) = open_row else {
        return render(&page);
    };
    page.open = Some(version_row(&row, open_id));
    let doc = match parse_doc(&row.body) {
        Ok(d) => d,
        Err(e) => {
            page.findings = vec![format!(
                "This version cannot be shown: {e}. Build a new draft."
            )];
            return render(&page);
        }
    };
    // The checker runs again on what is stored: what the page shows is what it judged.
    page.findings = check(&doc).into_iter().map(|f| f.message).collect();
    page.summary = summary(&doc);
    page.days = doc.grid.days.clone();
    match page.view.as_str() {
        "educator" => {
            let mut people: Vec<_> = doc.educators.iter().collect();
            people.sort_by(|a, b| a.name.cmp(&b.name));
            let chosen =
                q.of.filter(|o| doc.educator(*o).is_some())
                    .or(people.first().map(|e| e.id));
            page.picks = people
                .iter()
                .map(|e| {
                    (
                        e.id,
                        format!("{} ({})", e.name, e.role.label()),
                        Some(e.id) == chosen,
                    )
                })
                .collect();
            if let Some(e) = chosen.and_then(|c| doc.educator(c)) {
                page.grids.push(Grid {
                    title: format!("{}'s week", e.name),
                    id: "grid-educator".into(),
                    team: Vec::new(),
                    other: educator_week_of(&doc, e.id).1,
                });
            }
        }
        "space" => {
            let used: Vec<_> = doc
                .spaces
                .iter()
                .filter(|s| doc.sessions.iter().any(|x| x.space_id == Some(s.id)))
                .collect();
            let chosen =
                q.of.filter(|o| used.iter().any(|s| s.id == *o))
                    .or(used.first().map(|s| s.id));
            page.picks = used
                .iter()
                .map(|s| {
                    (
                        s.id,
                        format!("{} ({} seats)", s.name, s.capacity),
                        Some(s.id) == chosen,
                    )
                })
                .collect();
            if let Some(s) = chosen.and_then(|c| doc.space(c)) {
                page.grids.push(Grid {
                    title: format!("{}'s week", s.name),
                    id: "grid-space".into(),
                    team: Vec::new(),
                    other: space_week_of(&doc, s.id).1,
                });
            }
        }
        "student" => {
            // Students by name, as this leader may read them (each roster read is audited).
            let gate = v.gate(&st.store);
            let mut names: Vec<(i64, String)> = Vec::new();
            for t in doc.teams.iter().filter(|t| t.kind == TeamKind::Core) {
                if let Ok(r) = gate.roster(TeamId(t.id)).await {
                    for s in r.students.rows {
                        names.push((
                            s.id.0,
                            format!("{} {} ({})", s.given_name, s.family_name, t.name),
                        ));
                    }
                }
            }
            names.sort_by(|a, b| a.1.cmp(&b.1));
            let chosen =
                q.of.filter(|o| names.iter().any(|(i, _)| i == o))
                    .or(names.first().map(|n| n.0));
            if let Some(c) = chosen {
                let name = names
                    .iter()
                    .find(|(i, _)| *i == c)
                    .map(|n| n.1.clone())
                    .unwrap_or_default();
                page.grids.push(Grid {
                    title: format!("{name}'s week"),
                    id: "grid-student".into(),
                    team: Vec::new(),
                    other: student_week_of(&doc, c).1,
                });
            }
            page.picks = names
                .into_iter()
                .map(|(i, n)| (i, n, Some(i) == chosen))
                .collect();
        }
        _ => {
            page.view = "team".into();
            let cores: Vec<_> = doc
                .teams
                .iter()
                .filter(|t| t.kind == TeamKind::Core && !t.student_ids.is_empty())
                .collect();
            // One team at a time unless all are asked for (`of=0`).
            let chosen = match q.of {
                Some(0) => None,
                Some(o) if cores.iter().any(|t| t.id == o) => Some(o),
                _ => cores.first().map(|t| t.id),
            };
            page.all_teams = chosen.is_none();
            page.picks = cores
                .iter()
                .map(|t| (t.id, t.name.clone(), Some(t.id) == chosen))
                .collect();
            for t in cores.iter().filter(|t| chosen.is_none_or(|c| c == t.id)) {
                page.grids.push(Grid {
                    title: format!("{}'s week", t.name),
                    id: format!("grid-team-{}", t.id),
                    team: team_week_of(&doc, t.id, &[]).1,
                    other: Vec::new(),
                });
            }
        }
    }
    render(&page)
}

#[derive(Deserialize)]
struct BuildForm {
    term: Option<String>,
}

async fn build(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form }: CsrfForm<BuildForm>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let (school, grant) = gate.schedule_school(SchoolId(id)).await?;
    let term = match form
        .term
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => None,
        Some(t) => {
            let t: i64 = t.parse().map_err(|_| {
                AppError::BadRequest("Term: choose one of the school's terms.".into())
            })?;
            let terms = st.store.school_terms(school.id).await?;
            if !terms.iter().any(|x| x.id.0 == t) {
                return Err(PageError::from(AppError::Unprocessable(
                    "Term: choose one of the school's terms.".into(),
                )));
            }
            Some(TermId(t))
        }
    };
    let read = gate
        .entry(actions::SCHEDULE_READ, "school", Some(id))
        .detail("rosters and services for a draft schedule");
    let Some(doc) = input_doc(&st.store, &grant, term, &read).await? else {
        return Err(PageError::from(AppError::Unprocessable(
            "The school has no time grid or no such term to schedule.".into(),
        )));
    };
    let opts = Options {
        seed: 1,
        time_limit: Duration::from_secs(20),
        threads: 1,
    };
    match build_draft(doc, opts, |_| {}).await {
        Ok(draft) => {
            let entry = gate
                .entry(actions::SCHEDULE_BUILD, "schedule", None)
                .school(school.id);
            let vid = save_draft(&st.store, &grant, &draft, &entry).await?;
            let msg = if draft.findings.is_empty() {
                "Built a draft: every rule is met. Review it below, then publish it.".to_owned()
            } else {
                format!(
                    "Built a draft, but the checker finds {} broken rules: it cannot be published.",
                    draft.findings.len()
                )
            };
            Ok(
                Redirect::to(&flash_url(&format!("/schools/{id}/schedule?v={vid}"), &msg))
                    .into_response(),
            )
        }
        Err(BuildError::Infeasible(why)) => {
            let mut resp = show(
                &st,
                &v,
                school,
                PageQuery {
                    v: None,
                    view: None,
                    of: None,
                    msg: None,
                },
                Some(why),
            )
            .await?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(BuildError::Input(m)) => Err(PageError::from(AppError::Unprocessable(format!(
            "The school's data cannot be scheduled: {m}."
        )))),
    }
}

#[derive(Deserialize)]
struct PublishForm {
    #[serde(default)]
    confirmed: String,
}

async fn publish(
    State(st): State<AppState>,
    PagePath((id, vid)): PagePath<(i64, i64)>,
    CsrfForm { viewer: v, form }: CsrfForm<PublishForm>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let (school, grant) = gate.schedule_school(SchoolId(id)).await?;
    let Some(row) = st.store.schedule(school.id, vid).await? else {
        return Err(PageError::from(AppError::NotFound(format!(
            "No schedule {vid} of this school."
        ))));
    };
    if form.confirmed != "yes" {
        return confirm_page(
            &v,
            Confirm {
                question: format!("Publish this schedule for {}?", row.term_name),
                detail: "Every educator and team sees it as their week, and it replaces the schedule published before.".into(),
                action: format!("/schools/{id}/schedule/{vid}/publish"),
                fields: Vec::new(),
                yes: "Publish".into(),
                back: format!("/schools/{id}/schedule?v={vid}"),
            },
        );
    }
    let entry = gate
        .entry(actions::SCHEDULE_PUBLISH, "schedule", Some(vid))
        .school(school.id);
    st.store.publish_schedule(&grant, vid, &entry).await?;
    Ok(Redirect::to(&flash_url(
        &format!("/schools/{id}/schedule?v={vid}"),
        &format!(
            "Published the schedule for {}: every team and educator now sees it as their week.",
            row.term_name
        ),
    ))
    .into_response())
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    planning_minutes: String,
}

/// The school's time zone (for calendars) and the minutes every core team plans together each
/// day. A typo is refused naming the field, and what was typed stays.
async fn settings(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form }: CsrfForm<SettingsForm>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let (school, _) = gate.schedule_school(SchoolId(id)).await?;
    let tz = form.time_zone.trim().to_owned();
    let minutes = form.planning_minutes.trim().parse::<i64>().ok();
    let error = if !ensemble_schedule::ical::is_time_zone(&tz) {
        Some(format!(
            "Time zone: “{tz}” is not a time zone name such as America/Phoenix or Europe/Madrid."
        ))
    } else {
        match minutes.and_then(|m| u32::try_from(m).ok()) {
            Some(m) if (15..=180).contains(&m) => {
                let entry = gate
                    .entry(actions::SCHEDULE_SETTINGS, "school", Some(id))
                    .school(school.id)
                    .detail(format!("time zone {tz}, {m} minutes of planning a day"));
                st.store
                    .set_schedule_settings(school.id, &tz, m, &entry)
                    .await?;
                return Ok(Redirect::to(&flash_url(
                    &format!("/schools/{id}/schedule"),
                    &format!("Saved: {tz}, {m} minutes of team planning a day. Build a new draft to apply them."),
                ))
                .into_response());
            }
            _ => Some(format!(
                "Daily planning: “{}” is not a number of minutes from 15 to 180.",
                form.planning_minutes.trim()
            )),
        }
    };
    let q = PageQuery {
        v: None,
        view: None,
        of: None,
        msg: None,
    };
    let mut resp = show_with(
        &st,
        &v,
        school,
        q,
        None,
        Some((form.time_zone, form.planning_minutes, error)),
    )
    .await?;
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}
