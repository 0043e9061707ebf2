//! One error type for every handler, and its two faces: an HTML page for people, a JSON body
//! for programs. Internal failures answer 500 with a generic message; their cause, with its
//! whole chain, goes to the log and never to the client.
//!
//! Handlers do not choose statuses by hand for failures of the layers below: `From`
//! conversions map store errors (a rule refused it: 422; busy: 409; missing: 404), JSON
//! encoding, worker threads and templates (500).

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use ensemble_store::StoreError;
use std::error::Error as StdError;

/// An internal failure: what Ensemble was doing, and the error with its chain.
#[derive(Debug)]
pub struct Internal {
    doing: &'static str,
    source: Box<dyn StdError + Send + Sync>,
}

impl Internal {
    pub fn new(doing: &'static str, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self {
            doing,
            source: source.into(),
        }
    }
    /// "doing: error: cause: cause …"
    pub fn chain(&self) -> String {
        let mut out = format!("{}: {}", self.doing, self.source);
        let mut next = self.source.source();
        while let Some(e) = next {
            let text = e.to_string();
            if !out.ends_with(&text) {
                out.push_str(": ");
                out.push_str(&text);
            }
            next = e.source();
        }
        out
    }
}

#[derive(Debug)]
pub enum AppError {
    /// Bad input: what is wrong with it.
    BadRequest(String),
    /// Not signed in.
    Unauthorized(String),
    /// A form that did not come from Ensemble (CSRF) or a cross-site request. Never used for
    /// data a reader may not see: that answers like a missing record.
    Forbidden(String),
    /// Missing, or not visible to this reader: the two are never told apart.
    NotFound(String),
    /// A rule of the model refused the change.
    Unprocessable(String),
    /// Another change got there first, or the database was busy; nothing was changed.
    Conflict(String),
    /// Too many failed sign-ins: try again after this many seconds.
    TooManyRequests(String, u64),
    /// Another status chosen by a framework rejection (413, 415 …), with its message.
    Status(StatusCode, String),
    Internal(Internal),
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
            Self::TooManyRequests(..) => StatusCode::TOO_MANY_REQUESTS,
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
            Self::TooManyRequests(..) => "too_many_requests",
            Self::Status(s, _) if *s == StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            Self::Status(s, _) if *s == StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                "unsupported_media_type"
            }
            Self::Status(s, _) if *s == StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
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
            | Self::TooManyRequests(m, _)
            | Self::Status(_, m) => m.clone(),
        }
    }
    pub fn internal(
        doing: &'static str,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Self::Internal(Internal::new(doing, source))
    }
    fn log(&self) {
        if let Self::Internal(i) = self {
            tracing::error!(error = %i.chain(), "internal error");
        }
    }
    /// Headers that go with the status (`Retry-After`).
    fn headers(&self, resp: &mut Response) {
        if let Self::TooManyRequests(_, secs) = self {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
    }
    /// From a framework rejection (bad JSON, wrong content type, oversized body …).
    pub fn rejection(status: StatusCode, text: String) -> Self {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            return Self::Status(status, "The request body is too large.".into());
        }
        if status.is_server_error() {
            return Self::internal("reading the request", text);
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
            busy @ StoreError::Busy(_) => {
                tracing::warn!(error = %busy, "a write gave way to another");
                Self::Conflict(busy.to_string())
            }
            other => Self::internal("reading or writing the database", other),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        Self::internal("rendering a page", e)
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        Self::internal("encoding or decoding stored JSON", e)
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::internal("waiting for a worker thread", e)
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
        let mut resp = (self.0.status(), axum::Json(body)).into_response();
        self.0.headers(&mut resp);
        resp
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

/// What an error page says, left on the response for [`crate::web::page_errors`] to show inside
/// the reader's navigation with the way back.
#[derive(Clone, Debug)]
pub(crate) struct ShownError {
    pub status: StatusCode,
    pub message: String,
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
        let mut resp = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, self.0.message()).into_response(),
        };
        self.0.headers(&mut resp);
        resp.extensions_mut().insert(ShownError {
            status,
            message: page.message,
        });
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_keep_their_chain_for_the_log_and_show_nothing() {
        let io = std::io::Error::other("disk on fire");
        let e = AppError::internal("writing the audit log", io);
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.message().contains("disk"));
        let AppError::Internal(i) = &e else {
            unreachable!()
        };
        assert_eq!(i.chain(), "writing the audit log: disk on fire");
    }

    #[test]
    fn store_errors_map_to_statuses() {
        let e = AppError::from(StoreError::Conflict("taken".into()));
        assert_eq!(e.status(), StatusCode::CONFLICT);
        let e = AppError::from(StoreError::Corrupt("bad row".into()));
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.message().contains("bad row"));
        let e = AppError::from(StoreError::NotFound {
            what: "team",
            id: 4,
        });
        assert_eq!(e.message(), "No team 4 that you may see.");
    }
}
