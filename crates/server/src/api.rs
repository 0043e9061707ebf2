//! What the JSON API under `/api/v1` shares: extractors whose rejections are JSON errors, the
//! error body, and the OpenAPI document at `/api/v1/openapi.json`, assembled from every feature
//! module's operations. Request and response types are the feature modules' own, converted from
//! the domain by hand.

use crate::error::{ApiError, AppError};
use crate::routes::Routes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::Json;
use serde::Serialize;
use utoipa::openapi::{RefOr, Response, ResponseBuilder};
use utoipa::{OpenApi, ToSchema};

/// The API's routes, every feature's, relative to `/api/v1`.
pub fn routes() -> Routes {
    Routes::new()
        .get("/openapi.json", openapi)
        .merge(crate::session::api())
        .merge(crate::teams::api())
        .merge(crate::students::api())
        .merge(crate::educators::api())
        .merge(crate::credentials::api())
        .merge(crate::pathways::api())
        .merge(crate::goals::api())
        .merge(crate::audit::api())
        .merge(crate::staffing::api())
        .merge(crate::grouping::api())
        .merge(crate::schedules::api::routes())
}

pub type ApiResult<T> = Result<Json<T>, ApiError>;

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

/// A JSON body that may be left out: absent when the request has no body at all (older
/// clients post without one); a body that is there must be good JSON of the right shape.
impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::OptionalFromRequest<S>
    for ApiJson<T>
{
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let empty = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0")
            || (!req.headers().contains_key(axum::http::header::CONTENT_TYPE)
                && !req
                    .headers()
                    .contains_key(axum::http::header::TRANSFER_ENCODING)
                && !req
                    .headers()
                    .contains_key(axum::http::header::CONTENT_LENGTH));
        if empty {
            return Ok(None);
        }
        <Self as FromRequest<S>>::from_request(req, state)
            .await
            .map(Some)
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

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `bad_request`, `unauthorized`, `not_found`, `rule_violation`, `conflict`,
    /// `payload_too_large`, `unsupported_media_type` …
    code: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedDto {
    pub id: i64,
}

/// The OpenAPI 3 description of this API.
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
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

/// Documents, on every operation, the errors every operation of its shape can answer: a bad
/// path, query or body (400), no or a dead token (401), a missing or hidden record (404, where
/// the path names one), an oversized body or the wrong content type (413, 415), and for changes
/// a concurrent change or a busy database (409).
struct CommonErrors;

fn error_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

impl utoipa::Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_params = path.contains('{');
            let ops = [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.put, true),
                (&mut item.patch, true),
                (&mut item.delete, true),
            ];
            for (op, writes) in ops {
                let Some(op) = op.as_mut() else { continue };
                let body = op.request_body.is_some();
                let secured = op.security.is_some();
                let r = &mut op.responses.responses;
                let mut add = |code: &str, why: &str| {
                    r.entry(code.to_owned())
                        .or_insert_with(|| error_response(why));
                };
                add(
                    "400",
                    "The path, query or body is malformed or out of range",
                );
                if secured {
                    add("401", "No API token, or an unknown, expired or revoked one");
                }
                if has_params {
                    add(
                        "404",
                        "No such record, or one the caller may not see or change (the two are not told apart)",
                    );
                }
                if body {
                    add("413", "The request body is too large");
                    add(
                        "415",
                        "The request body is not of the documented media type",
                    );
                    add(
                        "422",
                        "A rule of the model refused the change; nothing was changed",
                    );
                }
                if writes {
                    add(
                        "409",
                        "Another change got there first, or the database was busy; nothing was changed and the request can be repeated",
                    );
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Ensemble API", description = "Team-based staffing for schools: teams, shared rosters, grouping, staffing plans and protected student data. Every read of student data is checked against the caller's team membership, role and services, and audited; a record the caller may not see answers exactly like a missing one."),
    paths(
        crate::session::me,
        crate::teams::list_teams, crate::teams::create_team, crate::teams::team,
        crate::teams::roster, crate::teams::roster_add, crate::teams::roster_remove,
        crate::teams::team_bookings, crate::teams::space_bookings, crate::teams::book_space,
        crate::teams::delete_booking,
        crate::students::student, crate::students::update_profile, crate::students::my_students,
        crate::students::import_assessments,
        crate::educators::educator,
        crate::credentials::catalog_api, crate::credentials::add_api, crate::credentials::submit_api,
        crate::credentials::submissions_api, crate::credentials::submission_api,
        crate::credentials::decide_api, crate::credentials::issued_api,
        crate::pathways::district_api, crate::pathways::educator_api,
        crate::goals::list_api, crate::goals::add_api,
        crate::audit::audit_api,
        crate::staffing::api::list_plans, crate::staffing::api::build_plan_api,
        crate::staffing::api::plan, crate::staffing::api::assign, crate::staffing::api::preview,
        crate::staffing::api::save, crate::staffing::api::settings, crate::staffing::api::set_settings_api,
        crate::grouping::api::list, crate::grouping::api::propose, crate::grouping::api::get_one,
        crate::grouping::api::move_student, crate::grouping::api::publish,
        crate::schedules::api::list, crate::schedules::api::build, crate::schedules::api::one,
        crate::schedules::api::publish,
    ),
    modifiers(&BearerAuth, &CommonErrors)
)]
pub struct ApiDoc;
