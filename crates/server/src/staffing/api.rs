//! The staffing API: what the staffing page does, for programs — build, list and read plans,
//! change a holder, preview what saving would change, save; read and change the district's
//! catalog and policy.

use super::{
    apply as apply_plan, assign as assign_holder, build as build_plan, coverage_of,
    district_settings, plain_summary, plan_of, plan_term, review as review_plan, set_settings,
    Assignment,
};
use crate::api::{ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::gate::Gate;
use crate::routes::Routes;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use ensemble_domain::*;
use ensemble_staffing::check::CoverageStatus;
use ensemble_staffing::{self as staffing, Plan};
use ensemble_store::{ApplyOutcome, PlanRow, TeamChange};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn routes() -> Routes {
    Routes::new()
        .get("/schools/{id}/staffing/plans", list_plans)
        .post("/schools/{id}/staffing/plans", build_plan_api)
        .get("/schools/{id}/staffing/plans/{plan}", plan)
        .post("/schools/{id}/staffing/plans/{plan}/assignments", assign)
        .get("/schools/{id}/staffing/plans/{plan}/preview", preview)
        .post("/schools/{id}/staffing/plans/{plan}/save", save)
        .get("/schools/{id}/staffing/settings", settings)
        .put("/schools/{id}/staffing/settings", set_settings_api)
}

#[derive(Serialize, ToSchema)]
pub struct PlanSummaryDto {
    id: i64,
    /// The term the plan is for (absent for plans from before terms were recorded: the
    /// current term).
    term_id: Option<i64>,
    term: Option<String>,
    /// `draft` or `applied`.
    status: String,
    /// RFC 3339.
    created_at: String,
    updated_at: String,
    /// When it was applied to its term's teams (a changed plan is a draft again).
    saved_at: Option<String>,
    /// Why it was applied although it broke a rule.
    override_reason: Option<String>,
}

impl From<&PlanRow> for PlanSummaryDto {
    fn from(r: &PlanRow) -> Self {
        Self {
            id: r.id,
            term_id: r.term.map(|t| t.0),
            term: r.term_name.clone(),
            status: if r.saved_at.is_some() {
                "applied"
            } else {
                "draft"
            }
            .into(),
            created_at: crate::web::rfc3339(r.created_at),
            updated_at: crate::web::rfc3339(r.updated_at),
            saved_at: r.saved_at.map(crate::web::rfc3339),
            override_reason: r.override_reason.clone(),
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct BuildRequest {
    /// The term to plan for: the current term or a later one (default: the next term).
    #[serde(default)]
    term_id: Option<i64>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    /// Why to apply a plan that breaks a hard rule or leaves students without a team
    /// (required then, recorded in the audit log).
    #[serde(default)]
    #[schema(
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    override_reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct MoveDto {
    educator: String,
    /// Their team this term.
    from: Option<String>,
    /// Their team in the plan's term.
    to: Option<String>,
    leads: bool,
}

#[derive(Serialize, ToSchema)]
pub struct LeftBehindDto {
    team: String,
    students: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewDto {
    /// The term the plan applies to.
    term: String,
    teams: Vec<TeamChangeDto>,
    moves: Vec<MoveDto>,
    /// Teams of this term whose students the plan gives no team.
    left_behind: Vec<LeftBehindDto>,
    /// Rules the plan breaks.
    violations: Vec<ViolationDto>,
    /// Applying needs `override_reason`.
    needs_reason: bool,
}

fn review_dto(o: &ApplyOutcome, violations: Vec<ViolationDto>, needs_reason: bool) -> ReviewDto {
    ReviewDto {
        term: o.term_name.clone(),
        teams: o.teams.iter().map(TeamChangeDto::from).collect(),
        moves: o
            .moves
            .iter()
            .map(|m| MoveDto {
                educator: m.educator.clone(),
                from: m.from.clone(),
                to: m.to.clone(),
                leads: m.leads,
            })
            .collect(),
        left_behind: o
            .left_behind
            .iter()
            .map(|l| LeftBehindDto {
                team: l.team.clone(),
                students: l.students,
            })
            .collect(),
        violations,
        needs_reason,
    }
}

#[derive(Serialize, ToSchema)]
pub struct PlanMemberDto {
    /// The educator's sourcedId.
    educator: String,
    name: String,
    role: String,
    why: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HoldingDto {
    responsibility: String,
    holder: Option<String>,
    coach: Option<String>,
    /// `ready`, `stretch`, `not_ready` or `missing`.
    status: String,
    why: String,
}

#[derive(Serialize, ToSchema)]
pub struct PlanTeamDto {
    name: String,
    band: String,
    roster: u32,
    members: Vec<PlanMemberDto>,
    holdings: Vec<HoldingDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ViolationDto {
    rule: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct HiringDto {
    title: String,
    students_reached: u32,
    annual_cost_cents: i64,
    requirements: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BudgetDto {
    plan_total_cents: i64,
    traditional_total_cents: i64,
    /// Traditional minus plan: positive when the team plan costs less.
    difference_cents: i64,
    /// Filling the hiring profiles.
    hires_cents: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ExtendedSeatDto {
    /// The educator's sourcedId.
    educator: String,
    why: String,
}

#[derive(Serialize, ToSchema)]
pub struct PlanDto {
    id: i64,
    saved: bool,
    #[serde(flatten)]
    summary: PlanSummaryDto,
    /// The plan in a sentence: the rules it meets, how close to the best possible.
    plain: String,
    teams: Vec<PlanTeamDto>,
    extended: Vec<ExtendedSeatDto>,
    /// The just-right validator's findings.
    violations: Vec<ViolationDto>,
    hiring: Vec<HiringDto>,
    budget: BudgetDto,
}

fn plan_dto(row: &PlanRow, plan: &Plan) -> PlanDto {
    let p = &plan.input;
    let verdict = staffing::check(p, &plan.design);
    let hiring = staffing::hiring(p, &plan.design, &verdict);
    let model = p.budget.clone().unwrap_or_default();
    let b = staffing::budget(p, &plan.design, &model, &hiring);
    let name = |id: &str| {
        p.educator(id)
            .map_or(id.to_owned(), |(_, c)| c.name.clone())
    };
    let teams = plan
        .design
        .schools
        .iter()
        .flat_map(|s| &s.teams)
        .map(|t| PlanTeamDto {
            name: t.name.clone(),
            band: t.band.clone(),
            roster: t.roster,
            members: t
                .members
                .iter()
                .map(|m| PlanMemberDto {
                    educator: m.educator.clone(),
                    name: name(&m.educator),
                    role: p
                        .educator(&m.educator)
                        .map_or(String::new(), |(_, c)| c.role.as_str().to_owned()),
                    why: m.why.clone(),
                })
                .collect(),
            holdings: t
                .holdings
                .iter()
                .map(|h| HoldingDto {
                    responsibility: h.responsibility.clone(),
                    holder: h.holder.clone(),
                    coach: h.coach.clone(),
                    status: match coverage_of(&verdict, &t.name, &h.responsibility) {
                        CoverageStatus::Ready => "ready",
                        CoverageStatus::Stretch => "stretch",
                        CoverageStatus::NotReady => "not_ready",
                        CoverageStatus::Missing => "missing",
                    }
                    .to_owned(),
                    why: h.why.clone(),
                })
                .collect(),
        })
        .collect();
    PlanDto {
        id: row.id,
        saved: row.saved_at.is_some(),
        summary: row.into(),
        plain: plain_summary(plan),
        teams,
        extended: plan
            .design
            .schools
            .iter()
            .flat_map(|s| &s.extended)
            .map(|x| ExtendedSeatDto {
                educator: x.educator.clone(),
                why: x.why.clone(),
            })
            .collect(),
        violations: verdict
            .violations
            .iter()
            .map(|v| ViolationDto {
                rule: v.rule.label().to_owned(),
                message: v.message.clone(),
            })
            .collect(),
        hiring: hiring
            .iter()
            .map(|h| HiringDto {
                title: h.title.clone(),
                students_reached: h.students_reached,
                annual_cost_cents: h.annual_cost_cents,
                requirements: h.requirements.clone(),
            })
            .collect(),
        budget: BudgetDto {
            plan_total_cents: b.plan.total_cents,
            traditional_total_cents: b.traditional.total_cents,
            difference_cents: b.difference_cents,
            hires_cents: b.hires_cents,
        },
    }
}

#[derive(Serialize, ToSchema)]
pub struct TeamChangeDto {
    team: String,
    /// `core` or `extended`.
    kind: String,
    /// The team is new in the plan's term.
    created: bool,
    /// It continues this term's team of the same name (roster kept).
    continues: bool,
    /// Grades on its roster.
    grades: Vec<u8>,
    lead: Option<String>,
    joined: Vec<String>,
    left: Vec<String>,
    /// Students on its roster (applying keeps rosters).
    roster: i64,
}

impl From<&TeamChange> for TeamChangeDto {
    fn from(c: &TeamChange) -> Self {
        Self {
            team: c.team.clone(),
            kind: c.kind.as_str().into(),
            created: c.created,
            continues: c.continues,
            grades: c.grades.clone(),
            lead: c.lead.clone(),
            joined: c.joined.clone(),
            left: c.left.clone(),
            roster: c.roster,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The planned team's name.
    #[schema(max_length = 100)]
    team: String,
    /// The responsibility's code, e.g. `team_lead`, `lead_planner_math`.
    #[schema(max_length = 100)]
    responsibility: String,
    /// A member's sourcedId, or empty for nobody.
    #[schema(max_length = 255)]
    holder: String,
    /// A member's sourcedId, or empty for no coach.
    #[serde(default)]
    #[schema(max_length = 255)]
    coach: String,
}

/// The school's staffing plans, newest first (school leaders).
#[utoipa::path(get, path = "/api/v1/schools/{id}/staffing/plans", tag = "staffing", security(("bearer" = [])), params(("id" = i64, Path, description = "school id")),
    responses((status = 200, body = [PlanSummaryDto]), (status = 404, body = ErrorBody)))]
pub async fn list_plans(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Vec<PlanSummaryDto>> {
    let gate = Gate::at(&st.store, &p, fresh);
    gate.led_school(SchoolId(id)).await?;
    let rows = st.store.staffing_plans(SchoolId(id), 50).await?;
    Ok(Json(rows.iter().map(PlanSummaryDto::from).collect()))
}

/// Builds a plan for a term (the next by default) from the school's stored staff and
/// aggregate need counts (school leaders).
#[utoipa::path(post, path = "/api/v1/schools/{id}/staffing/plans", tag = "staffing", security(("bearer" = [])), params(("id" = i64, Path, description = "school id")),
    request_body = BuildRequest,
    responses((status = 201, body = PlanDto), (status = 404, body = ErrorBody), (status = 422, description = "The school's data cannot be staffed", body = ErrorBody)))]
pub async fn build_plan_api(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Option<ApiJson<BuildRequest>>,
) -> Result<(StatusCode, Json<PlanDto>), ApiError> {
    let gate = Gate::at(&st.store, &p, fresh);
    let school = gate.led_school(SchoolId(id)).await?;
    let req = body.map(|b| b.0).unwrap_or_default();
    let term = plan_term(&gate, SchoolId(id), req.term_id).await?;
    let pid = build_plan(&gate, &school, &term).await?;
    let (plan, row) = plan_of(&gate, SchoolId(id), pid).await?;
    Ok((StatusCode::CREATED, Json(plan_dto(&row, &plan))))
}

/// One plan with its teams, the validator's findings, hiring profiles and budget.
#[utoipa::path(get, path = "/api/v1/schools/{id}/staffing/plans/{plan}", tag = "staffing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "school id"), ("plan" = i64, Path, description = "plan id")),
    responses((status = 200, body = PlanDto), (status = 404, body = ErrorBody)))]
pub async fn plan(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath((id, pid)): ApiPath<(i64, i64)>,
) -> ApiResult<PlanDto> {
    let gate = Gate::at(&st.store, &p, fresh);
    gate.led_school(SchoolId(id)).await?;
    let (plan, row) = plan_of(&gate, SchoolId(id), pid).await?;
    Ok(Json(plan_dto(&row, &plan)))
}

/// Changes who holds one responsibility of one planned team; the answer carries the
/// validator's findings for the changed plan.
#[utoipa::path(post, path = "/api/v1/schools/{id}/staffing/plans/{plan}/assignments", tag = "staffing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "school id"), ("plan" = i64, Path, description = "plan id")),
    request_body = AssignRequest,
    responses((status = 200, body = PlanDto), (status = 404, body = ErrorBody)))]
pub async fn assign(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath((id, pid)): ApiPath<(i64, i64)>,
    ApiJson(req): ApiJson<AssignRequest>,
) -> ApiResult<PlanDto> {
    let gate = Gate::at(&st.store, &p, fresh);
    gate.led_school(SchoolId(id)).await?;
    assign_holder(
        &gate,
        SchoolId(id),
        pid,
        &Assignment {
            team: &req.team,
            responsibility: &req.responsibility,
            holder: &req.holder,
            coach: &req.coach,
        },
    )
    .await?;
    let (plan, row) = plan_of(&gate, SchoolId(id), pid).await?;
    Ok(Json(plan_dto(&row, &plan)))
}

/// What applying the plan would change in its term — team by team and educator by educator,
/// and students it would leave without a team; nothing is changed.
#[utoipa::path(get, path = "/api/v1/schools/{id}/staffing/plans/{plan}/preview", tag = "staffing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "school id"), ("plan" = i64, Path, description = "plan id")),
    responses((status = 200, body = ReviewDto), (status = 404, body = ErrorBody), (status = 422, description = "Applying would break a rule of the model", body = ErrorBody)))]
pub async fn preview(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath((id, pid)): ApiPath<(i64, i64)>,
) -> ApiResult<ReviewDto> {
    let gate = Gate::at(&st.store, &p, fresh);
    gate.led_school(SchoolId(id)).await?;
    let r = review_plan(&gate, SchoolId(id), pid).await?;
    let violations = r
        .problems
        .iter()
        .map(|(rule, message)| ViolationDto {
            rule: rule.clone(),
            message: message.clone(),
        })
        .collect();
    Ok(Json(review_dto(&r.outcome, violations, r.needs_reason())))
}

/// Applies the plan to its term's teams; the answer says what changed. A plan that breaks a
/// hard rule or leaves students without a team needs `override_reason` (audited).
#[utoipa::path(post, path = "/api/v1/schools/{id}/staffing/plans/{plan}/save", tag = "staffing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "school id"), ("plan" = i64, Path, description = "plan id")),
    request_body = ApplyRequest,
    responses((status = 200, body = ReviewDto), (status = 404, body = ErrorBody), (status = 422, description = "A rule of the model refused it, or a reason is needed; nothing was changed", body = ErrorBody)))]
pub async fn save(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath((id, pid)): ApiPath<(i64, i64)>,
    body: Option<ApiJson<ApplyRequest>>,
) -> ApiResult<ReviewDto> {
    let gate = Gate::at(&st.store, &p, fresh);
    gate.led_school(SchoolId(id)).await?;
    let req = body.map(|b| b.0).unwrap_or_default();
    let o = apply_plan(&gate, SchoolId(id), pid, &req.override_reason).await?;
    Ok(Json(review_dto(&o, Vec::new(), false)))
}

/// The catalog and policy the district's schools are designed with (the defaults until the
/// district sets its own).
#[utoipa::path(get, path = "/api/v1/schools/{id}/staffing/settings", tag = "staffing", security(("bearer" = [])), params(("id" = i64, Path, description = "school id")),
    responses((status = 200, description = "The settings, in the format of docs/staffing.md", body = Object), (status = 404, body = ErrorBody)))]
pub async fn settings(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<serde_json::Value> {
    let gate = Gate::at(&st.store, &p, fresh);
    gate.led_school(SchoolId(id)).await?;
    let (s, _) = district_settings(&gate, SchoolId(id)).await?;
    Ok(Json(serde_json::to_value(s)?))
}

/// Replaces the district's catalog and policy (district leaders); a bad value is refused with
/// where it is, and nothing is stored.
#[utoipa::path(put, path = "/api/v1/schools/{id}/staffing/settings", tag = "staffing", security(("bearer" = [])), params(("id" = i64, Path, description = "school id")),
    request_body(content = Object, description = "The settings, in the format of docs/staffing.md"),
    responses((status = 200, description = "The settings as stored", body = Object), (status = 404, body = ErrorBody)))]
pub async fn set_settings_api(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<serde_json::Value> {
    let gate = Gate::at(&st.store, &p, fresh);
    gate.led_school(SchoolId(id)).await?;
    set_settings(&gate, SchoolId(id), &body.to_string()).await?;
    let (s, _) = district_settings(&gate, SchoolId(id)).await?;
    Ok(Json(serde_json::to_value(s)?))
}
