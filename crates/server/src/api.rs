//! The JSON API under `/api/v1`, mirroring the pages, for programs holding a bearer token.
//! Request and response types are this module's own, converted from the domain by hand, and
//! described by the OpenAPI document at `/api/v1/openapi.json`.

use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError};
use crate::gate::{Gate, Roster};
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use ensemble_domain::*;
use ensemble_store::{AuditRow, NewTeamInput, StudentRecord, TeamDetail, TeamSummary};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(me))
        .route("/teams", get(list_teams).post(create_team))
        .route("/teams/{id}", get(team))
        .route("/teams/{id}/roster", get(roster).post(roster_add))
        .route("/teams/{id}/roster/{student_id}", delete(roster_remove))
        .route("/students/{id}", get(student))
        .route("/students/{id}/profile", patch(update_profile))
        .route("/spaces/{id}/bookings", post(book_space))
        .route("/audit", get(audit))
}

// ----- extractors whose rejections are JSON errors -----

/// `Json<T>` whose rejection (malformed JSON, wrong content type, oversized body) is an
/// [`ApiError`] with the reason.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(r) => Err(ApiError(AppError::rejection(r.status(), r.body_text()))),
        }
    }
}

/// A path parameter whose parse failure is an [`ApiError`].
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Self(v)),
            Err(r) => Err(ApiError(AppError::BadRequest(format!(
                "{} (ids are whole numbers)",
                r.body_text()
            )))),
        }
    }
}

/// A query string whose parse failure is an [`ApiError`].
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(r) => Err(ApiError(AppError::BadRequest(r.body_text()))),
        }
    }
}

// ----- response and request types -----

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `bad_request`, `unauthorized`, `forbidden`, `not_found`, `rule_violation`, `conflict`, `payload_too_large` …
    code: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeDto {
    user_id: i64,
    email: String,
    display_name: String,
    /// `system_admin`, `school_leader` or `educator`.
    system_role: String,
    school_id: Option<i64>,
    educator_id: Option<i64>,
    role_type: Option<String>,
    core_team_ids: Vec<i64>,
    extended_team_ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TeamDto {
    id: i64,
    sourced_id: String,
    school_id: i64,
    term_id: i64,
    name: String,
    /// `core` or `extended`.
    kind: String,
    description: String,
    member_count: i64,
    roster_size: i64,
}

impl From<&TeamSummary> for TeamDto {
    fn from(t: &TeamSummary) -> Self {
        Self {
            id: t.id.0,
            sourced_id: t.sourced_id.clone(),
            school_id: t.school.0,
            term_id: t.term.0,
            name: t.name.clone(),
            kind: t.kind.as_str().into(),
            description: t.description.clone(),
            member_count: t.members,
            roster_size: t.roster_size,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberDto {
    educator_id: i64,
    name: String,
    /// Where the member stands on the continuum of roles, e.g. `teacher_leader`, `paraeducator`.
    role_type: String,
    professional: bool,
    /// `lead` or `member`.
    member_role: String,
    /// `full_time`, `part_time` or `volunteer`.
    employment: String,
    fte: f64,
    years_experience: i64,
    /// Content areas held at level 3 (proficient) or above.
    expertise: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TeamDetailDto {
    team: TeamDto,
    members: Vec<MemberDto>,
}

impl From<&TeamDetail> for TeamDetailDto {
    fn from(d: &TeamDetail) -> Self {
        Self {
            team: TeamDto::from(&d.team),
            members: d
                .members
                .iter()
                .map(|m| MemberDto {
                    educator_id: m.educator.0,
                    name: m.name.clone(),
                    role_type: m.role_type.as_str().into(),
                    professional: m.role_type.is_professional(),
                    member_role: m.member_role.as_str().into(),
                    employment: m.employment.as_str().into(),
                    fte: m.fte_milli as f64 / 1000.0,
                    years_experience: m.years_experience,
                    expertise: m.expertise.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TeamRefDto {
    id: i64,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProfileDto {
    interests: Vec<String>,
    strengths: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NeedsDto {
    iep: bool,
    plan_504: bool,
    english_learner: bool,
    ell_proficiency: Option<u8>,
    health: Option<String>,
    services: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DemographicsDto {
    birth_date: Option<String>,
    gender: Option<String>,
    race_ethnicity: Option<String>,
    home_language: Option<String>,
    free_reduced_lunch: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceDto {
    educator_id: i64,
    educator_name: String,
    service: String,
}

/// A student as the caller may see them: fields the caller's access does not include are
/// absent (`null`).
#[derive(Serialize, ToSchema)]
pub struct StudentDto {
    id: i64,
    sourced_id: String,
    given_name: String,
    family_name: String,
    /// The core team whose roster holds the student this term.
    team: Option<TeamRefDto>,
    /// `directory` (names and groups), `standard` (profile, no sensitive fields) or `full`.
    access: String,
    grade: Option<i64>,
    profile: Option<ProfileDto>,
    /// Sensitive: IEP/504, English-learner status, health.
    needs: Option<NeedsDto>,
    /// Sensitive.
    demographics: Option<DemographicsDto>,
    /// Sensitive: who serves the student, for what.
    served_by: Option<Vec<ServiceDto>>,
}

impl From<&StudentRecord> for StudentDto {
    fn from(s: &StudentRecord) -> Self {
        Self {
            id: s.id.0,
            sourced_id: s.sourced_id.clone(),
            given_name: s.given_name.clone(),
            family_name: s.family_name.clone(),
            team: s.core_team.as_ref().map(|(id, name)| TeamRefDto {
                id: id.0,
                name: name.clone(),
            }),
            access: s.access.as_str().into(),
            grade: s.grade.map(i64::from),
            profile: s.profile.as_ref().map(|p| ProfileDto {
                interests: p.interests.clone(),
                strengths: p.strengths.clone(),
            }),
            needs: s.needs.as_ref().map(|n| NeedsDto {
                iep: n.iep,
                plan_504: n.plan_504,
                english_learner: n.english_learner,
                ell_proficiency: n.ell_proficiency,
                health: n.health.clone(),
                services: n.services.clone(),
            }),
            demographics: s.demographics.as_ref().map(|d| DemographicsDto {
                birth_date: d.birth_date.clone(),
                gender: d.gender.clone(),
                race_ethnicity: d.race_ethnicity.clone(),
                home_language: d.home_language.clone(),
                free_reduced_lunch: d.free_reduced_lunch,
            }),
            served_by: s.served_by.as_ref().map(|v| {
                v.iter()
                    .map(|(id, name, service)| ServiceDto {
                        educator_id: id.0,
                        educator_name: name.clone(),
                        service: service.clone(),
                    })
                    .collect()
            }),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RosterDto {
    team_id: i64,
    team_name: String,
    /// `whole` (every student on the roster) or `served_only` (the students the caller serves).
    scope: String,
    students: Vec<StudentDto>,
}

impl From<&Roster> for RosterDto {
    fn from(r: &Roster) -> Self {
        Self {
            team_id: r.team.team.id.0,
            team_name: r.team.team.name.clone(),
            scope: match r.scope {
                access::RosterScope::Whole => "whole".into(),
                access::RosterScope::ServedOnly => "served_only".into(),
            },
            students: r.students.iter().map(StudentDto::from).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditDto {
    id: i64,
    /// RFC 3339 time of the event.
    at: String,
    user_id: Option<i64>,
    actor: String,
    school_id: Option<i64>,
    action: String,
    target_kind: String,
    target_id: Option<i64>,
    /// `allowed`, `denied`, `not_found` or `failed`.
    outcome: String,
    detail: String,
}

pub fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

impl From<&AuditRow> for AuditDto {
    fn from(a: &AuditRow) -> Self {
        Self {
            id: a.id,
            at: rfc3339(a.at_ms),
            user_id: a.user.map(|u| u.0),
            actor: a.actor.clone(),
            school_id: a.school.map(|s| s.0),
            action: a.action.clone(),
            target_kind: a.target_kind.clone(),
            target_id: a.target_id,
            outcome: a.outcome.clone(),
            detail: a.detail.clone(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterAddRequest {
    /// Students to put on the roster; all are added or none.
    student_ids: Vec<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamMemberRequest {
    educator_id: i64,
    /// `lead` or `member`.
    role: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeamRequest {
    /// Defaults to the caller's school.
    school_id: Option<i64>,
    name: String,
    /// `core` or `extended`.
    kind: String,
    #[serde(default)]
    description: String,
    members: Vec<TeamMemberRequest>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileRequest {
    interests: Vec<String>,
    strengths: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    team_id: i64,
    /// `monday` … `sunday`.
    #[schema(value_type = String, example = "monday")]
    day: DayOfWeek,
    /// 1-based period of the school's daily grid.
    period: usize,
    headcount: u32,
    #[serde(default)]
    purpose: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedDto {
    id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CountDto {
    added: usize,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Only entries older than this id (for paging).
    before: Option<i64>,
    /// At most this many entries (1–1000, default 100).
    limit: Option<i64>,
}

// ----- handlers -----

type ApiResult<T> = Result<Json<T>, ApiError>;

/// The OpenAPI 3 description of this API.
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = MeDto), (status = 401, body = ErrorBody)))]
async fn me(ApiCaller(p): ApiCaller) -> ApiResult<MeDto> {
    Ok(Json(MeDto {
        user_id: p.user.0,
        email: p.email.clone(),
        display_name: p.display_name.clone(),
        system_role: p.system_role.as_str().into(),
        school_id: p.school.map(|s| s.0),
        educator_id: p.educator.map(|e| e.0),
        role_type: p.role_type.map(|r| r.as_str().into()),
        core_team_ids: p.core_teams.iter().map(|t| t.0).collect(),
        extended_team_ids: p.extended_teams.iter().map(|t| t.0).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])),
    responses((status = 200, description = "The teams of the caller's school this term (every school's for system leaders)", body = [TeamDto]), (status = 401, body = ErrorBody)))]
async fn list_teams(
    State(st): State<AppState>,
    ApiCaller(p): ApiCaller,
) -> ApiResult<Vec<TeamDto>> {
    let school = match p.system_role {
        SystemRole::SystemAdmin => None,
        _ => match p.school {
            Some(s) => Some(s),
            None => return Ok(Json(Vec::new())),
        },
    };
    Ok(Json(
        st.store
            .teams(school)
            .await?
            .iter()
            .map(TeamDto::from)
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams", security(("bearer" = [])), params(("id" = i64, Path, description = "team id")),
    responses((status = 200, body = TeamDetailDto), (status = 404, body = ErrorBody)))]
async fn team(
    State(st): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<TeamDetailDto> {
    let t = Gate::new(&st.store, &p).team(TeamId(id)).await?;
    Ok(Json(TeamDetailDto::from(&t)))
}

#[utoipa::path(get, path = "/api/v1/teams/{id}/roster", tag = "teams", security(("bearer" = [])), params(("id" = i64, Path, description = "team id")),
    responses((status = 200, body = RosterDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn roster(
    State(st): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<RosterDto> {
    let r = Gate::new(&st.store, &p).roster(TeamId(id)).await?;
    Ok(Json(RosterDto::from(&r)))
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/roster", tag = "teams", security(("bearer" = [])), params(("id" = i64, Path, description = "team id")),
    request_body = RosterAddRequest,
    responses((status = 201, body = CountDto), (status = 403, body = ErrorBody), (status = 422, description = "A rule refused it (e.g. a student already on another core roster); nothing was added", body = ErrorBody)))]
async fn roster_add(
    State(st): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<RosterAddRequest>,
) -> Result<(StatusCode, Json<CountDto>), ApiError> {
    if req.student_ids.is_empty() || req.student_ids.len() > 1000 {
        return Err(AppError::BadRequest("student_ids must list 1 to 1000 students".into()).into());
    }
    let ids: Vec<StudentId> = req.student_ids.into_iter().map(StudentId).collect();
    let added = Gate::new(&st.store, &p)
        .roster_add(TeamId(id), &ids)
        .await?;
    Ok((StatusCode::CREATED, Json(CountDto { added })))
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}/roster/{student_id}", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "team id"), ("student_id" = i64, Path, description = "student id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn roster_remove(
    State(st): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiPath((id, student)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    Gate::new(&st.store, &p)
        .roster_remove(TeamId(id), StudentId(student))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])), request_body = CreateTeamRequest,
    responses((status = 201, body = CreatedDto), (status = 403, body = ErrorBody), (status = 422, description = "e.g. a core team without two professional educators", body = ErrorBody)))]
async fn create_team(
    State(st): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiJson(req): ApiJson<CreateTeamRequest>,
) -> Result<(StatusCode, Json<CreatedDto>), ApiError> {
    let school = req.school_id.map(SchoolId).or(p.school).ok_or_else(|| {
        AppError::BadRequest("school_id is required for accounts without a school".into())
    })?;
    let name = parse_name("name", &req.name).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let kind = TeamKind::parse(&req.kind).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let mut members = Vec::new();
    for m in &req.members {
        members.push((
            EducatorId(m.educator_id),
            TeamMemberRole::parse(&m.role).map_err(|e| AppError::BadRequest(e.to_string()))?,
        ));
    }
    if req.description.chars().count() > 500 {
        return Err(
            AppError::BadRequest("description: must be at most 500 characters".into()).into(),
        );
    }
    let input = NewTeamInput {
        school,
        name,
        kind,
        description: req.description,
        members,
    };
    let id = Gate::new(&st.store, &p).create_team(&input).await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id: id.0 })))
}

#[utoipa::path(get, path = "/api/v1/students/{id}", tag = "students", security(("bearer" = [])), params(("id" = i64, Path, description = "student id")),
    responses((status = 200, body = StudentDto), (status = 404, description = "No such student, or not one the caller may see (the two are not told apart)", body = ErrorBody)))]
async fn student(
    State(st): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StudentDto> {
    let s = Gate::new(&st.store, &p).student(StudentId(id)).await?;
    Ok(Json(StudentDto::from(&s)))
}

#[utoipa::path(patch, path = "/api/v1/students/{id}/profile", tag = "students", security(("bearer" = [])), params(("id" = i64, Path, description = "student id")),
    request_body = ProfileRequest,
    responses((status = 200, body = StudentDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn update_profile(
    State(st): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ProfileRequest>,
) -> ApiResult<StudentDto> {
    let bad = |e: ParseError| ApiError(AppError::BadRequest(e.to_string()));
    let profile = StudentProfile {
        interests: StudentProfile::parse_items(
            "interests",
            req.interests.iter().map(String::as_str),
        )
        .map_err(bad)?,
        strengths: StudentProfile::parse_items(
            "strengths",
            req.strengths.iter().map(String::as_str),
        )
        .map_err(bad)?,
    };
    let gate = Gate::new(&st.store, &p);
    gate.update_profile(StudentId(id), &profile).await?;
    Ok(Json(StudentDto::from(&gate.student(StudentId(id)).await?)))
}

#[utoipa::path(post, path = "/api/v1/spaces/{id}/bookings", tag = "spaces", security(("bearer" = [])), params(("id" = i64, Path, description = "space id")),
    request_body = BookingRequest,
    responses((status = 201, body = CreatedDto), (status = 422, description = "e.g. the space would be over capacity", body = ErrorBody)))]
async fn book_space(
    State(st): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<BookingRequest>,
) -> Result<(StatusCode, Json<CreatedDto>), ApiError> {
    if req.period == 0 || req.headcount == 0 || req.headcount > 10_000 {
        return Err(AppError::BadRequest(
            "period counts from 1, and headcount must be 1 to 10000".into(),
        )
        .into());
    }
    if req.purpose.chars().count() > 200 {
        return Err(AppError::BadRequest("purpose: must be at most 200 characters".into()).into());
    }
    let id = Gate::new(&st.store, &p)
        .book_space(
            SpaceId(id),
            TeamId(req.team_id),
            req.day,
            req.period - 1,
            req.headcount,
            &req.purpose,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, description = "Newest first", body = [AuditDto]), (status = 403, body = ErrorBody)))]
async fn audit(
    State(st): State<AppState>,
    ApiCaller(p): ApiCaller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Vec<AuditDto>> {
    let rows = Gate::new(&st.store, &p)
        .audit_log(q.before, q.limit.unwrap_or(100))
        .await?;
    Ok(Json(rows.iter().map(AuditDto::from).collect()))
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Create a token with `ensemble token create --email EMAIL`",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Ensemble API", description = "Team-based staffing for schools: teams, shared rosters and protected student data. Every read of student data is checked against the caller's team membership and role, and audited."),
    paths(me, list_teams, team, roster, roster_add, roster_remove, create_team, student, update_profile, book_space, audit),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;
