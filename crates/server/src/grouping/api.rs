//! The grouping API: what the grouping board does, for programs — list a team's groupings,
//! propose groups, read one (with the checker's warnings), move a student in a draft, publish.

use super::{
    grouping_row, is_moved, move_student as move_in, open, propose as propose_groups,
    publish as publish_grouping, strategy, Proposal,
};
use crate::api::{ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError};
use crate::gate::{Board, Gate};
use crate::routes::Routes;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use ensemble_domain::*;
use ensemble_grouping as grouping;
use ensemble_store::GroupingRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn routes() -> Routes {
    Routes::new()
        .get("/teams/{id}/groupings", list)
        .post("/teams/{id}/groupings", propose)
        .get("/groupings/{id}", get_one)
        .post("/groupings/{id}/moves", move_student)
        .post("/groupings/{id}/publish", publish)
}

#[derive(Serialize, ToSchema)]
pub struct GroupingSummaryDto {
    id: i64,
    team_id: i64,
    block: String,
    /// The focus skill, e.g. `math.fractions`.
    focus: String,
    /// The focus in words, e.g. "Fractions (Math)".
    focus_label: String,
    /// `need`, `interest` or `mixed`.
    strategy: String,
    /// RFC 3339.
    created_at: String,
    /// RFC 3339; absent for a draft.
    published_at: Option<String>,
}

impl From<&GroupingRow> for GroupingSummaryDto {
    fn from(r: &GroupingRow) -> Self {
        Self {
            id: r.id,
            team_id: r.team.0,
            block: r.block.clone(),
            focus: r.focus.clone(),
            focus_label: ensemble_domain::labels::skill(&r.focus),
            strategy: r.strategy.clone(),
            created_at: crate::web::rfc3339(r.created_at),
            published_at: r.published_at.map(crate::web::rfc3339),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GroupStudentDto {
    /// The student's sourcedId; absent for a student who has left the team.
    sourced_id: Option<String>,
    /// The student's name, or "Moved to another team".
    name: String,
    /// Mastery on the focus skill, 0–100, when known.
    mastery: Option<u32>,
    /// Why they are in this group: their data, why this educator, why this space.
    why: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct GroupDto {
    name: String,
    educator: String,
    space: Option<String>,
    option: Option<String>,
    why: String,
    students: Vec<GroupStudentDto>,
}

#[derive(Serialize, ToSchema)]
pub struct GroupingDto {
    #[serde(flatten)]
    summary: GroupingSummaryDto,
    groups: Vec<GroupDto>,
    /// The independent checker's findings.
    warnings: Vec<String>,
    /// Students to review with the team (equity guard).
    flags: Vec<String>,
}

fn grouping_dto(row: &GroupingRow, board: &Board) -> Result<GroupingDto, AppError> {
    let (input, g) = open(row, board)?;
    let verdict = grouping::check(&input, &g);
    let edu = |id: &str| {
        input
            .educators
            .iter()
            .find(|e| e.id == id)
            .map_or(id.to_owned(), |e| e.name.clone())
    };
    let space = |id: &Option<String>| {
        id.as_ref().and_then(|id| {
            input
                .spaces
                .iter()
                .find(|s| &s.id == id)
                .map(|s| s.name.clone())
        })
    };
    Ok(GroupingDto {
        summary: row.into(),
        groups: g
            .groups
            .iter()
            .map(|grp| GroupDto {
                name: grp.name.clone(),
                educator: edu(&grp.educator),
                space: space(&grp.space),
                option: grp.option.clone(),
                why: grp.why.clone(),
                students: grp
                    .students
                    .iter()
                    .filter_map(|id| input.students.iter().find(|s| &s.id == id))
                    .map(|s| GroupStudentDto {
                        sourced_id: (!is_moved(s)).then(|| s.id.clone()),
                        name: s.name.clone(),
                        mastery: s.mastery,
                        why: g
                            .placements
                            .iter()
                            .find(|p| p.student == s.id)
                            .map(|p| p.why.clone()),
                    })
                    .collect(),
            })
            .collect(),
        warnings: verdict
            .violations
            .iter()
            .map(|x| format!("{}: {}", x.rule.label(), x.message))
            .collect(),
        flags: g.flags.iter().map(|f| f.message.clone()).collect(),
    })
}

/// The strategy of a proposal.
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StrategyRequest {
    Need,
    Interest,
    Mixed,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeRequest {
    /// The block's name, up to 100 characters without control characters; may be left out
    /// when `day` and `period` name a period of the week.
    #[serde(default)]
    #[schema(max_length = 100, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    block: String,
    /// The day of the period the groups are for (`monday` … `sunday`), with `period`.
    #[serde(default)]
    day: Option<crate::teams::DayRequest>,
    /// The period's index in the school's day (0 is the first), with `day`.
    #[serde(default)]
    #[schema(maximum = 48)]
    period: Option<u32>,
    /// One of the team's skills, e.g. `math.fractions`.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    focus: String,
    strategy: StrategyRequest,
    /// Members of the team who are away for this block (educator ids): they lead no group.
    #[serde(default)]
    #[schema(max_items = 50)]
    away: Vec<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveRequest {
    /// The student's sourcedId.
    #[schema(max_length = 255)]
    student: String,
    /// The name of the group to move them to.
    #[schema(max_length = 200)]
    to: String,
}

/// The board of the team a grouping belongs to; a grouping the caller may not see answers like
/// a missing one.
async fn board_of(gate: &Gate<'_>, gid: i64, purpose: &str) -> Result<Board, AppError> {
    let hidden = || AppError::NotFound(format!("No grouping {gid} that you may see."));
    let team = gate.store().grouping_team(gid).await?.ok_or_else(hidden)?;
    gate.board(team, purpose).await.map_err(|e| match e {
        AppError::NotFound(_) => hidden(),
        other => other,
    })
}

/// The team's groupings, newest first: drafts and published (the team's members and school
/// leaders).
#[utoipa::path(get, path = "/api/v1/teams/{id}/groupings", tag = "grouping", security(("bearer" = [])), params(("id" = i64, Path, description = "team id")),
    responses((status = 200, body = [GroupingSummaryDto]), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Vec<GroupingSummaryDto>> {
    let gate = Gate::at(&st.store, &p, fresh);
    let board = gate.board(TeamId(id), "listing groupings").await?;
    let rows = st.store.groupings(&board.grant, false, 100).await?;
    Ok(Json(rows.iter().map(GroupingSummaryDto::from).collect()))
}

/// Proposes groups for a block from the team's newest formative data; stored as a draft.
#[utoipa::path(post, path = "/api/v1/teams/{id}/groupings", tag = "grouping", security(("bearer" = [])), params(("id" = i64, Path, description = "team id")),
    request_body = ProposeRequest,
    responses((status = 201, body = GroupingDto), (status = 404, body = ErrorBody), (status = 422, description = "These groups cannot be formed", body = ErrorBody)))]
pub async fn propose(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ProposeRequest>,
) -> Result<(StatusCode, Json<GroupingDto>), ApiError> {
    let gate = Gate::at(&st.store, &p, fresh);
    let strategy = strategy(match req.strategy {
        StrategyRequest::Need => "need",
        StrategyRequest::Interest => "interest",
        StrategyRequest::Mixed => "mixed",
    })?;
    let board = gate.board(TeamId(id), "proposing groups").await?;
    let away = req.away.iter().copied().map(EducatorId).collect();
    let slot = match (req.day, req.period) {
        (Some(d), Some(p)) => Some((
            DayOfWeek::from(d),
            usize::try_from(p).map_err(|_| AppError::BadRequest("period: too large".into()))?,
        )),
        (None, None) => None,
        _ => {
            return Err(
                AppError::Unprocessable("Give both day and period, or neither.".into()).into(),
            )
        }
    };
    let gid = propose_groups(
        &gate,
        &board,
        &Proposal {
            block: &req.block,
            slot,
            focus: &req.focus,
            strategy,
            away: &away,
        },
    )
    .await?;
    let row = grouping_row(&gate, &board, gid).await?;
    Ok((StatusCode::CREATED, Json(grouping_dto(&row, &board)?)))
}

/// One grouping with its groups and the checker's warnings; students who have left the team
/// appear as "moved to another team", without name or data.
#[utoipa::path(get, path = "/api/v1/groupings/{id}", tag = "grouping", security(("bearer" = [])), params(("id" = i64, Path, description = "grouping id")),
    responses((status = 200, body = GroupingDto), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<GroupingDto> {
    let gate = Gate::at(&st.store, &p, fresh);
    let board = board_of(&gate, id, "reading a grouping").await?;
    let row = grouping_row(&gate, &board, id).await?;
    Ok(Json(grouping_dto(&row, &board)?))
}

/// Moves a student to another group of a draft; the answer carries the checker's warnings.
#[utoipa::path(post, path = "/api/v1/groupings/{id}/moves", tag = "grouping", security(("bearer" = [])), params(("id" = i64, Path, description = "grouping id")),
    request_body = MoveRequest,
    responses((status = 200, body = GroupingDto), (status = 404, body = ErrorBody), (status = 409, description = "The grouping is published and no longer changes", body = ErrorBody)))]
pub async fn move_student(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MoveRequest>,
) -> ApiResult<GroupingDto> {
    let gate = Gate::at(&st.store, &p, fresh);
    let board = board_of(&gate, id, "moving a student").await?;
    move_in(&gate, &board, id, &req.student, &req.to).await?;
    let row = grouping_row(&gate, &board, id).await?;
    Ok(Json(grouping_dto(&row, &board)?))
}

/// Publishes a draft to the team.
#[utoipa::path(post, path = "/api/v1/groupings/{id}/publish", tag = "grouping", security(("bearer" = [])), params(("id" = i64, Path, description = "grouping id")),
    responses((status = 200, body = GroupingDto), (status = 404, body = ErrorBody)))]
pub async fn publish(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<GroupingDto> {
    let gate = Gate::at(&st.store, &p, fresh);
    let board = board_of(&gate, id, "publishing groups").await?;
    publish_grouping(&gate, &board, id).await?;
    let row = grouping_row(&gate, &board, id).await?;
    Ok(Json(grouping_dto(&row, &board)?))
}
