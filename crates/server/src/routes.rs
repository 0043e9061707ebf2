//! The route registry: every feature module declares its routes through [`Routes`], which
//! builds the axum router and keeps the list of (method, path) it was built from. The list is
//! public ([`crate::route_list`]) so that tests can walk every route the application answers —
//! the authorization matrix fails for a route it has no expectation for.

use crate::AppState;
use axum::handler::Handler;
use axum::routing::{on, MethodFilter};
use axum::Router;

/// One route: an HTTP method and a path pattern (`/teams/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: String,
}

/// A router that remembers its routes.
pub struct Routes {
    router: Router<AppState>,
    list: Vec<RouteInfo>,
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

impl Routes {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            list: Vec::new(),
        }
    }

    fn on<H, T>(mut self, method: &'static str, filter: MethodFilter, path: &str, h: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        // axum merges method routers registered for the same path.
        self.router = self.router.route(path, on(filter, h));
        self.list.push(RouteInfo {
            method,
            path: path.to_owned(),
        });
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H) -> Self {
        self.on("GET", MethodFilter::GET, path, h)
    }
    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H) -> Self {
        self.on("POST", MethodFilter::POST, path, h)
    }
    pub fn put<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H) -> Self {
        self.on("PUT", MethodFilter::PUT, path, h)
    }
    pub fn patch<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H) -> Self {
        self.on("PATCH", MethodFilter::PATCH, path, h)
    }
    pub fn delete<H: Handler<T, AppState>, T: 'static>(self, path: &str, h: H) -> Self {
        self.on("DELETE", MethodFilter::DELETE, path, h)
    }

    /// Adds another module's routes.
    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.list.extend(other.list);
        self
    }

    /// Adds another module's routes under a prefix (`/api/v1`).
    pub fn nest(mut self, prefix: &str, other: Routes) -> Self {
        self.router = self.router.nest(prefix, other.router);
        self.list.extend(other.list.into_iter().map(|r| RouteInfo {
            method: r.method,
            path: format!("{prefix}{}", r.path),
        }));
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteInfo>) {
        (self.router, self.list)
    }
}
