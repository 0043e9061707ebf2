//! The schedule API: what the schedule page does, for programs — list versions, build a
//! draft, read one (the schedule document of `docs/schedule.md`), publish it.

use super::{build_draft, input_doc, parse_doc, save_draft};
use crate::api::{ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError};
use crate::gate::Gate;
use crate::routes::Routes;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use ensemble_domain::*;
use ensemble_schedule::build::{BuildError, Options};
use ensemble_schedule::check::check;
use ensemble_store::{actions, ScheduleRow};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;

pub fn routes() -> Routes {
    Routes::new()
        .get("/schools/{id}/schedules", list)
        .post("/schools/{id}/schedules", build)
        .get("/schools/{id}/schedules/{schedule}", one)
        .post("/schools/{id}/schedules/{schedule}/publish", publish)
}

#[derive(Serialize, ToSchema)]
pub struct VersionDto {
    id: i64,
    term_id: i64,
    term: String,
    /// `draft`, `published` or `replaced`.
    status: String,
    /// Broken rules the checker found when it was built.
    findings: u32,
    /// RFC 3339.
    created_at: String,
    published_at: Option<String>,
}

impl From<&ScheduleRow> for VersionDto {
    fn from(r: &ScheduleRow) -> Self {
        Self {
            id: r.id,
            term_id: r.term.0,
            term: r.term_name.clone(),
            status: r.status.clone(),
            findings: r.findings,
            created_at: crate::web::rfc3339(r.created_at),
            published_at: r.published_at.map(crate::web::rfc3339),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FindingDto {
    rule: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ScheduleDto {
    #[serde(flatten)]
    version: VersionDto,
    /// The checker's findings now (empty: every rule is met).
    current_findings: Vec<FindingDto>,
    /// The schedule document (format `ensemble-schedule/1`, see docs/schedule.md).
    #[schema(value_type = Object)]
    document: serde_json::Value,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct BuildRequest {
    /// The term to schedule (default: the current term).
    #[serde(default)]
    term_id: Option<i64>,
}

async fn dto(row: &ScheduleRow) -> Result<ScheduleDto, AppError> {
    let doc = parse_doc(&row.body).map_err(AppError::Unprocessable)?;
    let current_findings = check(&doc)
        .into_iter()
        .map(|f| FindingDto {
            rule: f.rule.into(),
            message: f.message,
        })
        .collect();
    Ok(ScheduleDto {
        version: VersionDto::from(row),
        current_findings,
        document: serde_json::to_value(&doc)?,
    })
}

/// The school's schedule versions, newest first (school leaders).
#[utoipa::path(get, path = "/api/v1/schools/{id}/schedules", tag = "schedule", security(("bearer" = [])), params(("id" = i64, Path, description = "school id")),
    responses((status = 200, body = [VersionDto]), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Vec<VersionDto>> {
    let gate = Gate::at(&st.store, &p, fresh);
    gate.schedule_school(SchoolId(id)).await?;
    let rows = st.store.schedules(SchoolId(id), 50).await?;
    Ok(Json(rows.iter().map(VersionDto::from).collect()))
}

/// Builds a draft of the school's week for a term (the current by default) and checks it;
/// a school that cannot be scheduled answers 422 with every reason, and nothing is saved.
#[utoipa::path(post, path = "/api/v1/schools/{id}/schedules", tag = "schedule", security(("bearer" = [])), params(("id" = i64, Path, description = "school id")),
    request_body = BuildRequest,
    responses((status = 201, body = ScheduleDto), (status = 404, body = ErrorBody), (status = 422, description = "No schedule meets every rule: the reasons", body = ErrorBody)))]
pub async fn build(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Option<ApiJson<BuildRequest>>,
) -> Result<(StatusCode, Json<ScheduleDto>), ApiError> {
    let gate = Gate::at(&st.store, &p, fresh);
    let (school, grant) = gate.schedule_school(SchoolId(id)).await?;
    let req = body.map(|b| b.0).unwrap_or_default();
    if let Some(t) = req.term_id {
        let terms = st.store.school_terms(school.id).await?;
        if !terms.iter().any(|x| x.id.0 == t) {
            return Err(
                AppError::Unprocessable("term_id: not one of the school's terms.".into()).into(),
            );
        }
    }
    let read = gate
        .entry(actions::SCHEDULE_READ, "school", Some(id))
        .detail("rosters and services for a draft schedule");
    let Some(doc) = input_doc(&st.store, &grant, req.term_id.map(TermId), &read).await? else {
        return Err(AppError::Unprocessable(
            "The school has no time grid or no such term to schedule.".into(),
        )
        .into());
    };
    let opts = Options {
        seed: 1,
        time_limit: Duration::from_secs(20),
        threads: 1,
    };
    let draft = build_draft(doc, opts, |_| {}).await.map_err(|e| match e {
        BuildError::Infeasible(why) => {
            AppError::Unprocessable(format!("No schedule meets every rule: {}", why.join(" ")))
        }
        BuildError::Input(m) => {
            AppError::Unprocessable(format!("The school's data cannot be scheduled: {m}."))
        }
    })?;
    let entry = gate
        .entry(actions::SCHEDULE_BUILD, "schedule", None)
        .school(school.id);
    let vid = save_draft(&st.store, &grant, &draft, &entry).await?;
    let row = st
        .store
        .schedule(school.id, vid)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No schedule {vid}.")))?;
    Ok((StatusCode::CREATED, Json(dto(&row).await?)))
}

/// One schedule version with its document and the checker's findings (school leaders).
#[utoipa::path(get, path = "/api/v1/schools/{id}/schedules/{schedule}", tag = "schedule", security(("bearer" = [])),
    params(("id" = i64, Path, description = "school id"), ("schedule" = i64, Path, description = "schedule version id")),
    responses((status = 200, body = ScheduleDto), (status = 404, body = ErrorBody)))]
pub async fn one(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath((id, vid)): ApiPath<(i64, i64)>,
) -> ApiResult<ScheduleDto> {
    let gate = Gate::at(&st.store, &p, fresh);
    let (school, _) = gate.schedule_school(SchoolId(id)).await?;
    let row = st
        .store
        .schedule(school.id, vid)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No schedule {vid} of this school.")))?;
    Ok(Json(dto(&row).await?))
}

/// Publishes a draft that meets every rule; the term's published version before it is
/// replaced (school leaders).
#[utoipa::path(post, path = "/api/v1/schools/{id}/schedules/{schedule}/publish", tag = "schedule", security(("bearer" = [])),
    params(("id" = i64, Path, description = "school id"), ("schedule" = i64, Path, description = "schedule version id")),
    responses((status = 200, body = ScheduleDto), (status = 404, body = ErrorBody), (status = 409, description = "Not a draft, or it breaks a rule", body = ErrorBody)))]
pub async fn publish(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath((id, vid)): ApiPath<(i64, i64)>,
) -> ApiResult<ScheduleDto> {
    let gate = Gate::at(&st.store, &p, fresh);
    let (school, grant) = gate.schedule_school(SchoolId(id)).await?;
    if st.store.schedule(school.id, vid).await?.is_none() {
        return Err(AppError::NotFound(format!("No schedule {vid} of this school.")).into());
    }
    let entry = gate
        .entry(actions::SCHEDULE_PUBLISH, "schedule", Some(vid))
        .school(school.id);
    st.store.publish_schedule(&grant, vid, &entry).await?;
    let row = st
        .store
        .schedule(school.id, vid)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No schedule {vid}.")))?;
    Ok(Json(dto(&row).await?))
}
