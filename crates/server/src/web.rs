//! What every page shares: rendering, the layout's view of the reader ([`Nav`]), extractors
//! whose rejections are HTML error pages, the CSRF-checked form extractor ([`CsrfForm`]),
//! times shown in the reader's own time zone, and the static files.

use crate::auth::Viewer;
use crate::error::{AppError, PageError, ShownError};
use crate::AppState;
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, RawForm, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use ensemble_domain::SystemRole;
use ensemble_store::Unreadable;
use serde::Deserialize;

pub(crate) type PageResult = Result<Response, PageError>;

pub(crate) fn render(t: &impl Template) -> PageResult {
    Ok(Html(t.render()?).into_response())
}

/// `Form<T>` whose rejection is an HTML error page that says what was wrong (the sign-in form,
/// which has no session yet).
pub(crate) struct PageForm<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(req, state).await {
            Ok(Form(v)) => Ok(Self(v)),
            Err(r) => Err(PageError(AppError::rejection(r.status(), r.body_text()))),
        }
    }
}

/// A path parameter whose parse failure is an HTML "no such page".
pub(crate) struct PagePath<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Self(v)),
            Err(_) => Err(PageError(AppError::NotFound(
                "There is no page at this address.".into(),
            ))),
        }
    }
}

/// A form posted by a signed-in reader, its CSRF token checked before anything else is read:
/// the reader and the form's other fields.
pub(crate) struct CsrfForm<T> {
    pub viewer: Viewer,
    pub form: T,
}

#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    csrf: String,
}

impl<T: serde::de::DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let page_error = |e: AppError| PageError(e).into_response();
        let RawForm(bytes) = RawForm::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|r| page_error(AppError::rejection(r.status(), r.body_text())))?;
        let token: Token = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            page_error(AppError::BadRequest(format!(
                "The form cannot be read: {e}"
            )))
        })?;
        viewer.check_csrf(&token.csrf).map_err(page_error)?;
        let form: T = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            page_error(AppError::BadRequest(format!(
                "The form is incomplete or malformed: {e}"
            )))
        })?;
        Ok(Self { viewer, form })
    }
}

/// The terms a school may plan or schedule for — the current one and those after it — as
/// (id, name, selected), the current one marked "(this term)".
pub(crate) fn term_choices(
    terms: &[ensemble_store::TermChoice],
    selected: Option<ensemble_domain::TermId>,
) -> Vec<(i64, String, bool)> {
    let current = terms.iter().position(|t| t.current).unwrap_or(0);
    terms
        .iter()
        .skip(current)
        .map(|t| {
            (
                t.id.0,
                if t.current {
                    format!("{} (this term)", t.name)
                } else {
                    t.name.clone()
                },
                Some(t.id) == selected,
            )
        })
        .collect()
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub(crate) fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub(crate) struct NoFields {}

/// What the layout needs to know about the viewer.
pub struct Nav {
    pub(crate) name: String,
    pub(crate) role: String,
    pub(crate) csrf: String,
    pub(crate) school: Option<i64>,
    pub(crate) leader: bool,
    /// An educator (core or extended team): "My students".
    pub(crate) educator: bool,
    /// A system (district) leader: the district landing.
    pub(crate) district: bool,
}

impl Nav {
    pub(crate) fn of(v: &Viewer) -> Self {
        let p = &v.principal;
        let role = match p.role_type {
            Some(r) => r.label().to_owned(),
            None => p.system_role.label().to_owned(),
        };
        Self {
            name: p.display_name.clone(),
            role,
            csrf: v.csrf.clone(),
            school: p.school.map(|s| s.0),
            leader: p.system_role != SystemRole::Educator,
            educator: p.educator.is_some(),
            district: p.system_role == SystemRole::SystemAdmin,
        }
    }
}

#[derive(Template)]
#[template(path = "error_in_layout.html")]
struct ErrorInLayout {
    nav: Nav,
    status: u16,
    reason: String,
    message: String,
    back: String,
}

/// Shows an error page inside the signed-in reader's navigation, with a link back to the page
/// they came from (this site's only) and home. Pages answer errors with [`PageError`], which
/// leaves what to say on the response; this layer has the request's cookies to know the reader.
pub(crate) async fn page_errors(
    axum::extract::State(st): axum::extract::State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = req.headers().clone();
    let here = req.uri().path().to_owned();
    let resp = next.run(req).await;
    let Some(shown) = resp.extensions().get::<ShownError>().cloned() else {
        return resp;
    };
    let (mut parts, ()) = Request::new(()).into_parts();
    parts.headers = headers;
    let Ok(viewer) = Viewer::from_request_parts(&mut parts, &st).await else {
        return resp;
    };
    // Back: the referring page of this site, unless it is this very address.
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let back = parts
        .headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.strip_prefix(host))
        .filter(|path| path.starts_with('/') && !path.starts_with("//"))
        .filter(|path| path.split('?').next() != Some(here.as_str()))
        .unwrap_or("/")
        .to_owned();
    let page = ErrorInLayout {
        nav: Nav::of(&viewer),
        status: shown.status.as_u16(),
        reason: shown
            .status
            .canonical_reason()
            .unwrap_or("Error")
            .to_owned(),
        message: shown.message,
        back,
    };
    match page.render() {
        Ok(html) => {
            let (mut parts, _) = resp.into_parts();
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, axum::body::Body::from(html))
        }
        Err(_) => resp,
    }
}

/// A question asked before a change that is hard to undo: the page shown when the form came
/// without its confirmation (scripts off, or an old tab), and what the script's dialog asks.
pub(crate) struct Confirm {
    /// "Remove Ana Silva from 6 Saguaro?"
    pub question: String,
    /// What happens, in a sentence.
    pub detail: String,
    /// The form's address.
    pub action: String,
    /// The form's other fields, sent again.
    pub fields: Vec<(String, String)>,
    /// The button: "Remove Ana Silva".
    pub yes: String,
    /// Where "Cancel" goes.
    pub back: String,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    nav: Nav,
    c: Confirm,
}

/// The confirmation page for a form sent without `confirmed=yes`.
pub(crate) fn confirm_page(v: &Viewer, c: Confirm) -> PageResult {
    render(&ConfirmPage { nav: Nav::of(v), c })
}

/// Whether a form was confirmed (`confirmed=yes`).
#[derive(Deserialize)]
pub(crate) struct Confirmed {
    #[serde(default)]
    pub confirmed: String,
}

impl Confirmed {
    pub fn yes(&self) -> bool {
        self.confirmed == "yes"
    }
}

/// An address with a `?msg=` to show once (the message URL-encoded).
pub(crate) fn flash_url(path: &str, msg: &str) -> String {
    match serde_urlencoded::to_string([("msg", msg)]) {
        Ok(q) if path.contains('?') => format!("{path}&{q}"),
        Ok(q) => format!("{path}?{q}"),
        Err(_) => path.to_owned(),
    }
}

/// A `?msg=` shown once after a change.
#[derive(Deserialize)]
pub(crate) struct FlashQuery {
    pub msg: Option<String>,
}

impl FlashQuery {
    /// The message, if it is short enough to be one of ours.
    pub fn message(self) -> Option<String> {
        self.msg.filter(|m| m.chars().count() < 300)
    }
}

/// A moment shown on a page: RFC 3339 for the `<time datetime>` attribute (the browser shows
/// it in the reader's own time zone), and UTC text for when scripts do not run.
pub struct LocalTime {
    pub iso: String,
    pub text: String,
}

impl LocalTime {
    pub fn of_ms(ms: i64) -> Self {
        let iso = rfc3339(ms);
        let text = iso
            .get(..16)
            .map(|t| format!("{} UTC", t.replace('T', " ")))
            .unwrap_or_default();
        Self { iso, text }
    }
}

/// RFC 3339 (UTC) of a unix-millisecond time.
pub fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A sentence naming records that could not be read and were left out of a page.
pub(crate) fn unreadable_note(bad: &[Unreadable]) -> Option<String> {
    if bad.is_empty() {
        return None;
    }
    let names: Vec<String> = bad.iter().map(|b| format!("{} {}", b.what, b.id)).collect();
    Some(format!(
        "{} stored record(s) could not be read and are left out: {}. The error has been logged.",
        bad.len(),
        names.join(", ")
    ))
}

pub(crate) async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
}

pub(crate) async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.js"),
    )
}

pub(crate) async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../static/favicon.svg"),
    )
}
