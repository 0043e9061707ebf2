//! Team goals on the team page and in the API. A core team's goals belong to the team: its
//! members (who use its grouping board) and the school's leaders set and close them. Everyone
//! of the school reads the goals; their progress — measured from the team's formative data —
//! is shown to those who may read that data, through the grouping board's grant, audited.

use crate::api::{ApiJson, ApiPath, ApiResult, CreatedDto};
use crate::auth::ApiCaller;
use crate::error::{AppError, PageError};
use crate::gate::Gate;
use crate::routes::Routes;
use crate::web::{flash_url, CsrfForm, NoFields, PagePath, PageResult};
use crate::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::Json;
use ensemble_domain::access::{roster_scope, Principal, RosterScope};
use ensemble_domain::goal::TeamGoal;
use ensemble_domain::*;
use ensemble_store::{actions, TeamDetail};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Routes {
    Routes::new()
        .post("/teams/{id}/goals", add_page)
        .post("/teams/{id}/goals/{goal}/close", close_page)
}

pub fn api() -> Routes {
    Routes::new()
        .get("/teams/{id}/goals", list_api)
        .post("/teams/{id}/goals", add_api)
}

/// Whether the reader uses the team's board (and so sees progress and sets goals), decided
/// without reading students; the board's own check follows when it opens.
fn uses_board(p: &Principal, t: &TeamDetail) -> bool {
    t.team.kind == TeamKind::Core
        && roster_scope(p, &t.facts()) == Some(RosterScope::Whole)
        && !matches!(
            p.role_type,
            Some(RoleType::CommunityEducator | RoleType::Volunteer)
        )
}

/// A goal in a sentence: "80 % of the team's students at mastery 3 (proficient) on Fractions
/// (Math) by 2027-03-15".
fn sentence(g: &TeamGoal) -> String {
    let level = Level::new(i64::from(g.level)).map_or("", |l| l.label());
    format!(
        "{} % of the team's students at mastery {} ({}) on {} by {}",
        g.percent,
        g.level,
        level.to_lowercase(),
        labels::skill(&g.skill),
        g.by
    )
}

/// One goal on the page.
pub(crate) struct GoalView {
    pub id: i64,
    pub text: String,
    pub closed: bool,
    /// Progress points (date, percent), oldest first; empty when not shown or no results yet.
    pub points: Vec<(String, u32)>,
    pub percent: u8,
    /// The SVG polyline of the points, and its dots (x, y, label).
    pub line: String,
    pub dots: Vec<(i64, i64, String)>,
    /// The target's height in the chart.
    pub target_y: i64,
    pub latest: Option<u32>,
}

impl GoalView {
    pub fn met(&self) -> bool {
        self.latest.is_some_and(|l| l >= u32::from(self.percent))
    }
}

/// What the team page shows of the team's goals.
pub(crate) struct TeamGoals {
    pub goals: Vec<GoalView>,
    /// The reader sees progress and may set and close goals.
    pub manage: bool,
    /// The skills the team's formative data covers (code, words).
    pub skills: Vec<(String, String)>,
    pub today: String,
}

const W: i64 = 320;
const H: i64 = 120;

fn chart(points: &[(String, u32)]) -> (String, Vec<(i64, i64, String)>) {
    let n = i64::try_from(points.len()).unwrap_or(1).max(1);
    let dots: Vec<(i64, i64, String)> = points
        .iter()
        .enumerate()
        .map(|(i, (d, p))| {
            let x = 30 + (i64::try_from(i).unwrap_or(0) * (W - 50)) / (n - 1).max(1);
            let y = 10 + H - i64::from(*p) * H / 100;
            (x, y, format!("{d}: {p} %"))
        })
        .collect();
    let line = dots
        .iter()
        .map(|(x, y, _)| format!("{x},{y}"))
        .collect::<Vec<_>>()
        .join(" ");
    (line, dots)
}

pub(crate) async fn for_team(gate: &Gate<'_>, t: &TeamDetail) -> Result<TeamGoals, AppError> {
    let rows = gate.store().team_goals(t.team.id).await?;
    let mut manage = uses_board(gate.who(), t);
    // The board's own check decides; when it cannot open (refused, or a stored record that
    // cannot be read) the page still shows the goals, without progress.
    let (results, students) = if manage {
        match gate.board(t.team.id, "team goals: progress").await {
            Ok(board) => {
                let all = gate.store().team_assessments(&board.grant).await?;
                (Some(all), board.students.len())
            }
            Err(AppError::NotFound(_) | AppError::Unprocessable(_)) => {
                manage = false;
                (None, 0)
            }
            Err(e) => return Err(e),
        }
    } else {
        (None, 0)
    };
    let mut skills: Vec<(String, String)> = results
        .iter()
        .flat_map(|r| r.values().flat_map(|m| m.keys().cloned()))
        .collect::<std::collections::BTreeSet<String>>()
        .into_iter()
        .map(|c| {
            let w = labels::skill(&c);
            (c, w)
        })
        .collect();
    skills.sort_by(|a, b| a.1.cmp(&b.1));
    let goals = rows
        .into_iter()
        .map(|r| {
            let points = match &results {
                Some(all) => {
                    let per: Vec<Vec<(String, u32)>> = all
                        .values()
                        .filter_map(|m| m.get(&r.goal.skill).cloned())
                        .collect();
                    r.goal.progress(&per, students)
                }
                None => Vec::new(),
            };
            let (line, dots) = chart(&points);
            GoalView {
                id: r.id,
                text: sentence(&r.goal),
                closed: r.closed_at.is_some(),
                latest: points.last().map(|(_, p)| *p),
                target_y: 10 + H - i64::from(r.goal.percent) * H / 100,
                percent: r.goal.percent,
                points,
                line,
                dots,
            }
        })
        .collect();
    Ok(TeamGoals {
        goals,
        manage,
        skills,
        today: crate::web::today(),
    })
}

#[derive(Deserialize, ToSchema)]
pub struct GoalDto {
    /// The skill, as the team's formative data names it (`math.fractions`).
    skill: String,
    /// The mastery level, 1–4 (a result counts at level L from L × 25 out of 100).
    level: i64,
    /// The share of the team's students, 1–100 %.
    percent: i64,
    /// By when, `YYYY-MM-DD`.
    by: String,
}

/// Adds a goal: the team's board users (members, the school's leaders); anyone else finds the
/// team missing.
async fn add(gate: &Gate<'_>, team: i64, g: &GoalDto) -> Result<(i64, String), AppError> {
    let t = gate.team(TeamId(team)).await?;
    if !uses_board(gate.who(), &t) {
        // Answered as for a missing team.
        return Err(AppError::NotFound(format!(
            "No team {team} that you may see."
        )));
    }
    let board = gate.board(t.team.id, "team goals: setting a goal").await?;
    let bad = |m: &str| AppError::Unprocessable(m.to_owned());
    let goal = TeamGoal {
        skill: g.skill.clone(),
        level: u8::try_from(g.level).map_err(|_| bad("Level: 1 to 4."))?,
        percent: u8::try_from(g.percent).map_err(|_| bad("Share: 1 to 100 %."))?,
        by: g.by.trim().to_owned(),
    }
    .checked()
    .map_err(|e| bad(&format!("{}: {} (“{}”).", e.field, e.problem, e.value)))?;
    if goal.by < crate::web::today() {
        return Err(bad("By: a date still to come."));
    }
    let covered = gate.store().team_skills(&board.grant).await?;
    if !covered.contains(&goal.skill) {
        return Err(bad(
            "Skill: choose one the team's formative data covers, so that progress can be measured.",
        ));
    }
    let text = sentence(&goal);
    let entry = gate
        .entry(actions::TEAM_GOAL, "team", Some(team))
        .school(t.team.school)
        .detail(format!("{}: set the goal “{text}”", t.team.name));
    let id = gate
        .store()
        .add_team_goal(t.team.id, &goal, Some(gate.who().user), &entry)
        .await?;
    Ok((id, text))
}

#[derive(Deserialize)]
struct GoalForm {
    #[serde(default)]
    skill: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    percent: String,
    #[serde(default)]
    by: String,
}

async fn add_page(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form }: CsrfForm<GoalForm>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let num = |raw: &str| raw.trim().parse::<i64>().unwrap_or(0);
    let dto = GoalDto {
        skill: form.skill.clone(),
        level: num(&form.level),
        percent: num(&form.percent),
        by: form.by.clone(),
    };
    let back = format!("/teams/{id}");
    match add(&gate, id, &dto).await {
        Ok((_, text)) => Ok(Redirect::to(&format!(
            "{}#goals",
            flash_url(&back, &format!("The team's goal is set: {text}."))
        ))
        .into_response()),
        Err(AppError::Unprocessable(m)) => Ok(Redirect::to(&format!(
            "{}#goals",
            flash_url(&back, &format!("The goal was not set. {m}"))
        ))
        .into_response()),
        Err(e) => Err(PageError(e)),
    }
}

async fn close_page(
    State(st): State<AppState>,
    PagePath((id, goal)): PagePath<(i64, i64)>,
    CsrfForm { viewer: v, .. }: CsrfForm<NoFields>,
) -> PageResult {
    let gate = v.gate(&st.store);
    // A missing team, a goal of another team or already closed, and a reader who may not close
    // it are answered alike.
    let missing = || {
        PageError(AppError::NotFound(format!(
            "No goal {goal} of team {id} that you may close."
        )))
    };
    let open = st
        .store
        .team_goals(TeamId(id))
        .await?
        .iter()
        .any(|g| g.id == goal && g.closed_at.is_none());
    if !open {
        return Err(missing());
    }
    let t = gate.team(TeamId(id)).await.map_err(|_| missing())?;
    if !uses_board(gate.who(), &t) {
        return Err(missing());
    }
    let entry = gate
        .entry(actions::TEAM_GOAL, "team", Some(id))
        .school(t.team.school)
        .detail(format!("{}: closed goal {goal}", t.team.name));
    if !st.store.close_team_goal(t.team.id, goal, &entry).await? {
        return Err(missing());
    }
    Ok(Redirect::to(&format!(
        "{}#goals",
        flash_url(
            &format!("/teams/{id}"),
            "The goal is closed; it stays on the page below the open ones."
        )
    ))
    .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct GoalProgressDto {
    id: i64,
    /// The goal in a sentence.
    goal: String,
    skill: String,
    level: u8,
    percent: u8,
    by: String,
    closed: bool,
    /// (date, percent of the team's students at the level) — for readers who may see the
    /// team's formative data; empty otherwise.
    progress: Vec<(String, u32)>,
}

/// A team's goals, with progress for its members and the school's leaders (anyone of the
/// school reads the goals).
#[utoipa::path(get, path = "/api/v1/teams/{id}/goals", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "team id")),
    responses((status = 200, body = Vec<GoalProgressDto>)))]
pub async fn list_api(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Vec<GoalProgressDto>> {
    let gate = Gate::at(&st.store, &p, fresh);
    let t = gate.team(TeamId(id)).await?;
    let rows = st.store.team_goals(t.team.id).await?;
    let view = for_team(&gate, &t).await?;
    Ok(Json(
        rows.into_iter()
            .filter_map(|r| {
                let v = view.goals.iter().find(|g| g.id == r.id)?;
                Some((r, v))
            })
            .map(|(r, v)| GoalProgressDto {
                id: r.id,
                goal: v.text.clone(),
                skill: r.goal.skill,
                level: r.goal.level,
                percent: r.goal.percent,
                by: r.goal.by,
                closed: v.closed,
                progress: v.points.clone(),
            })
            .collect(),
    ))
}

/// Sets a goal for a core team (its members and the school's leaders).
#[utoipa::path(post, path = "/api/v1/teams/{id}/goals", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "team id")), request_body = GoalDto,
    responses((status = 201, body = CreatedDto)))]
pub async fn add_api(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(g): ApiJson<GoalDto>,
) -> Result<(axum::http::StatusCode, Json<CreatedDto>), crate::error::ApiError> {
    let gate = Gate::at(&st.store, &p, fresh);
    let (gid, _) = add(&gate, id, &g).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(CreatedDto { id: gid }),
    ))
}
