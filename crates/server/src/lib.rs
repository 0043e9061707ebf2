//! The web application: server-rendered pages for people and a JSON API under `/api/v1` for
//! programs, over one [`Store`]. Only this crate knows HTTP.
//!
//! Every read or change of student data goes through [`gate`], which asks the access policy,
//! writes the audit log, and only then touches the store. Each feature module (school, teams
//! and rosters, students, educators, audit, staffing, grouping, sign-in) declares its page and
//! API routes through [`routes::Routes`]; they are merged here, in [`routes`].

mod accounts;
mod api;
mod audit;
mod auth;
mod credentials;
mod educators;
mod error;
pub mod gate;
mod goals;
mod grouping;
mod imports;
mod pathways;
pub mod routes;
mod schedule;
pub mod schedules;
mod school;
mod session;
mod staffing;
mod students;
mod teams;
mod web;

pub use auth::{hash_password, verify_password};
pub use routes::RouteInfo;

use axum::extract::{ConnectInfo, DefaultBodyLimit};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use ensemble_store::Store;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

/// How the web application runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Mark cookies `Secure` and send `Strict-Transport-Security` (set when Ensemble is served
    /// over HTTPS, directly or by a proxy).
    pub secure_cookies: bool,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub session_absolute: Duration,
    /// Largest request body accepted, in bytes (imports have their own limit).
    pub body_limit: usize,
    /// A connection must send a request's headers within this time.
    pub header_timeout: Duration,
    /// A request's body must arrive within this time.
    pub body_timeout: Duration,
    /// Proxies whose `X-Forwarded-For` names the client (for the sign-in throttle).
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_idle: Duration::from_secs(60 * 60),
            session_absolute: Duration::from_secs(12 * 3600),
            body_limit: 64 * 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            trusted_proxies: Vec::new(),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> Self {
        Self {
            store,
            config: Arc::new(config),
        }
    }
}

/// Every route of the application: the pages, the static files, and the API under `/api/v1`.
fn all_routes() -> routes::Routes {
    routes::Routes::new()
        .get("/healthz", || async { "ok" })
        .get("/static/app.css", web::css)
        .get("/static/app.js", web::js)
        .get("/static/favicon.svg", web::favicon)
        .get("/favicon.ico", web::favicon)
        .merge(session::router())
        .merge(school::router())
        .merge(imports::router())
        .merge(accounts::router())
        .merge(teams::router())
        .merge(students::router())
        .merge(educators::router())
        .merge(credentials::router())
        .merge(pathways::router())
        .merge(goals::router())
        .merge(audit::router())
        .merge(staffing::router())
        .merge(grouping::router())
        .merge(schedules::page::router())
        .merge(schedules::absences::router())
        .merge(schedules::calendar::router())
        .nest("/api/v1", api::routes())
}

/// Every (method, path) the application answers, from the same declarations that build its
/// router.
pub fn route_list() -> Vec<RouteInfo> {
    all_routes().into_parts().1
}

/// The whole application as a router.
pub fn app(state: AppState) -> Router {
    let limit = state.config.body_limit;
    let hsts = state.config.secure_cookies;
    let (router, _) = all_routes().into_parts();
    let router = router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::page_errors,
        ))
        .layer(axum::middleware::from_fn(same_origin))
        .layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyTimeoutLayer::new(state.config.body_timeout))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let router = if hsts {
        router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ))
    } else {
        router
    };
    router.layer(TraceLayer::new_for_http()).with_state(state)
}

async fn not_found(uri: axum::http::Uri) -> Response {
    let e = if uri.path().starts_with("/api/") {
        error::AppError::NotFound("no such endpoint".into())
    } else {
        error::AppError::NotFound("There is no page at this address.".into())
    };
    if uri.path().starts_with("/api/") {
        error::ApiError(e).into_response()
    } else {
        error::PageError(e).into_response()
    }
}

async fn method_not_allowed(uri: axum::http::Uri) -> Response {
    let e = error::AppError::Status(
        StatusCode::METHOD_NOT_ALLOWED,
        "This address does not answer that method.".into(),
    );
    if uri.path().starts_with("/api/") {
        error::ApiError(e).into_response()
    } else {
        error::PageError(e).into_response()
    }
}

/// Refuses state-changing requests whose `Origin` names another site: a second line of
/// defence behind the CSRF tokens and SameSite cookies.
async fn same_origin(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        if let (Some(origin), Some(host)) = (
            req.headers().get(header::ORIGIN),
            req.headers().get(header::HOST),
        ) {
            let origin = origin.to_str().unwrap_or("");
            let host = host.to_str().unwrap_or("");
            let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
            if origin != "null" && origin_host != host {
                return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
            }
        }
    }
    next.run(req).await
}

/// Serves the application on `listener` until Ctrl-C or SIGTERM. Each connection must send
/// its request headers within [`Config::header_timeout`] (a client that never finishes them
/// is dropped) and its body within [`Config::body_timeout`].
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let header_timeout = state.config.header_timeout;
    let app = app(state);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                tower::ServiceExt::oneshot(app.clone(), req)
            });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {},
        _ = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("some connections did not finish within 10 s of shutting down");
        }
    }
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
