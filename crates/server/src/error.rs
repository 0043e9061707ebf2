//! One error type for every handler, and its two faces: an HTML page for people, a JSON body
//! for programs. Internal errors are logged and never shown.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use ensemble_store::StoreError;

#[derive(Debug)]
pub enum AppError {
    /// Bad input: what is wrong with it.
    BadRequest(String),
    /// Not signed in.
    Unauthorized(String),
    /// Signed in, but not allowed (for things whose existence is no secret).
    Forbidden(String),
    /// Missing, or not visible to this reader: the two are never told apart.
    NotFound(String),
    /// A rule of the model refused the change.
    Unprocessable(String),
    Conflict(String),
    TooManyRequests(String),
    /// Another status chosen by a framework rejection (413, 415 …), with its message.
    Status(StatusCode, String),
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Status(s, _) => *s,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Unprocessable(_) => "rule_violation",
            Self::Conflict(_) => "conflict",
            Self::TooManyRequests(_) => "too_many_requests",
            Self::Status(s, _) if *s == StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            Self::Status(s, _) if *s == StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                "unsupported_media_type"
            }
            Self::Status(..) => "bad_request",
            Self::Internal(_) => "internal",
        }
    }
    /// The message safe to show.
    pub fn message(&self) -> String {
        match self {
            Self::Internal(_) => {
                "Something went wrong on our side; nothing was changed. The error has been logged."
                    .into()
            }
            Self::BadRequest(m)
            | Self::Unauthorized(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Unprocessable(m)
            | Self::Conflict(m)
            | Self::TooManyRequests(m)
            | Self::Status(_, m) => m.clone(),
        }
    }
    fn log(&self) {
        if let Self::Internal(m) = self {
            tracing::error!(error = %m, "internal error");
        }
    }
    /// From a framework rejection (bad JSON, wrong content type, oversized body …).
    pub fn rejection(status: StatusCode, text: String) -> Self {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            return Self::Status(status, "The request body is too large.".into());
        }
        if status.is_server_error() {
            return Self::Internal(text);
        }
        Self::Status(
            if status.is_client_error() {
                status
            } else {
                StatusCode::BAD_REQUEST
            },
            text,
        )
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Rule(r) => Self::Unprocessable(r.to_string()),
            StoreError::Dataset(d) => Self::Unprocessable(d.to_string()),
            StoreError::NotFound { what, id } => {
                Self::NotFound(format!("No {what} {id} that you may see."))
            }
            StoreError::Conflict(m) => Self::Conflict(m),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        Self::Internal(format!("template: {e}"))
    }
}

/// An error answered as JSON: `{"error": {"code": …, "message": …}}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let body =
            serde_json::json!({ "error": { "code": self.0.code(), "message": self.0.message() } });
        (self.0.status(), axum::Json(body)).into_response()
    }
}

/// An error answered as an HTML page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    reason: String,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.0.log();
        let status = self.0.status();
        if status == StatusCode::UNAUTHORIZED {
            return axum::response::Redirect::to("/login").into_response();
        }
        let page = ErrorPage {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("Error").to_owned(),
            message: self.0.message(),
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, self.0.message()).into_response(),
        }
    }
}
