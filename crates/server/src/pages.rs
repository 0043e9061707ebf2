//! The pages people use: sign-in, the school overview, team, student and educator pages, the
//! students an extended-team member serves, and the audit log. Server-rendered HTML (askama
//! templates in `templates/`); every form carries the session's CSRF token.

use crate::api::rfc3339;
use crate::auth::{self, Viewer, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::error::{AppError, PageError};
use crate::gate::Gate;
use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use ensemble_domain::access::RosterScope;
use ensemble_domain::*;
use ensemble_store::{
    AuditRow, BookingRow, EducatorDetail, SchoolRow, SpaceRow, StudentRecord, TeamSummary,
};
use serde::Deserialize;
use std::net::SocketAddr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/schools/{id}", get(school))
        .route("/teams/{id}", get(team))
        .route("/teams/{id}/roster", post(roster_add))
        .route("/teams/{id}/roster/{student}/remove", post(roster_remove))
        .route("/students/{id}", get(student))
        .route("/students/{id}/profile", post(student_profile))
        .route("/educators/{id}", get(educator))
        .route("/my-students", get(my_students))
        .route("/audit", get(audit))
        .route("/static/app.css", get(css))
        .route("/healthz", get(|| async { "ok" }))
        .merge(crate::staffing::router())
        .merge(crate::grouping::router())
}

pub(crate) type PageResult = Result<Response, PageError>;

pub(crate) fn render(t: &impl Template) -> PageResult {
    Ok(Html(t.render()?).into_response())
}

/// `Form<T>` whose rejection is an HTML error page that says what was wrong.
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

/// A path parameter whose parse failure is an HTML error page.
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

/// What the layout needs to know about the viewer.
pub struct Nav {
    pub(crate) name: String,
    pub(crate) role: String,
    pub(crate) csrf: String,
    pub(crate) school: Option<i64>,
    pub(crate) leader: bool,
    pub(crate) extended: bool,
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
            extended: !p.extended_teams.is_empty(),
        }
    }
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
}

// ----- sign in and out -----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Only same-site paths are followed after sign-in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && n.len() < 500 =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn login_page(
    status: StatusCode,
    email: String,
    next: String,
    error: Option<String>,
    secure: bool,
) -> PageResult {
    let csrf = ensemble_store::auth::new_secret();
    let cookie = auth::set_cookie(
        LOGIN_CSRF_COOKIE,
        &csrf,
        Some(std::time::Duration::from_secs(3600)),
        secure,
    );
    let html = LoginPage {
        csrf,
        email,
        next,
        error,
    }
    .render()?;
    Ok((status, [(header::SET_COOKIE, cookie)], Html(html)).into_response())
}

async fn login_form(State(st): State<AppState>, Query(q): Query<NextQuery>) -> PageResult {
    login_page(
        StatusCode::OK,
        String::new(),
        safe_next(q.next.as_deref()),
        None,
        st.config.secure_cookies,
    )
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    csrf: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(st): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    PageForm(f): PageForm<LoginForm>,
) -> PageResult {
    let secure = st.config.secure_cookies;
    let next = safe_next(Some(&f.next));
    let cookie_token = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if cookie_token.is_empty() || !auth::same_secret(cookie_token, &f.csrf) {
        return login_page(
            StatusCode::FORBIDDEN,
            f.email,
            next,
            Some("The sign-in form expired. Please try again.".into()),
            secure,
        );
    }
    let email = f.email.trim().to_ascii_lowercase();
    if email.is_empty() || email.len() > 254 || f.password.is_empty() || f.password.len() > 1024 {
        return login_page(
            StatusCode::BAD_REQUEST,
            f.email,
            next,
            Some("Enter your e-mail address and password.".into()),
            secure,
        );
    }
    let ip = addr.ip().to_string();
    if let Err(wait) = st.limiter.check(&email, &ip) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        return login_page(
            StatusCode::TOO_MANY_REQUESTS,
            f.email,
            next,
            Some(format!(
                "Too many failed sign-ins. Try again in {minutes} minute(s)."
            )),
            secure,
        );
    }
    let found = st.store.login_lookup(&email).await?;
    // Verify against a real hash even for unknown accounts, so timing does not tell them apart.
    let phc = found
        .as_ref()
        .and_then(|(_, h)| h.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    let password = f.password.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &phc))
        .await
        .unwrap_or(false);
    match found {
        Some((user, Some(_))) if ok => {
            st.limiter.succeeded(&email);
            let ttl = st.config.session_ttl;
            let (sid, _) = st
                .store
                .create_session(user, ttl.as_millis() as i64)
                .await?;
            let mut resp = Redirect::to(&next).into_response();
            let h = resp.headers_mut();
            h.append(
                header::SET_COOKIE,
                auth::set_cookie(SESSION_COOKIE, &sid, Some(ttl), secure)
                    .parse()
                    .map_err(|_| AppError::Internal("cookie".into()))?,
            );
            h.append(
                header::SET_COOKIE,
                auth::set_cookie(LOGIN_CSRF_COOKIE, "", None, secure)
                    .parse()
                    .map_err(|_| AppError::Internal("cookie".into()))?,
            );
            tracing::info!(%email, "signed in");
            Ok(resp)
        }
        _ => {
            st.limiter.failed(&email, &ip);
            tracing::info!(%email, %ip, "failed sign-in");
            login_page(
                StatusCode::UNAUTHORIZED,
                f.email,
                next,
                Some("That e-mail address and password do not match an account.".into()),
                secure,
            )
        }
    }
}

/// An Argon2id hash of a random password nobody knows.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    auth::hash_password(&ensemble_store::auth::new_secret()).unwrap_or_default()
});

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(st): State<AppState>,
    v: Viewer,
    headers: axum::http::HeaderMap,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult {
    v.check_csrf(&f.csrf)?;
    if let Some(id) = auth::cookie(&headers, SESSION_COOKIE) {
        st.store.delete_session(id).await?;
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(SESSION_COOKIE, "", None, st.config.secure_cookies)
            .parse()
            .map_err(|_| AppError::Internal("cookie".into()))?,
    );
    Ok(resp)
}

// ----- overview -----

#[derive(Template)]
#[template(path = "schools.html")]
struct SchoolsPage {
    nav: Nav,
    schools: Vec<SchoolRow>,
}

async fn home(State(st): State<AppState>, v: Viewer) -> PageResult {
    match v.principal.school {
        Some(s) => Ok(Redirect::to(&format!("/schools/{s}")).into_response()),
        None => {
            let schools = if v.principal.system_role == SystemRole::SystemAdmin {
                st.store.schools().await?
            } else {
                Vec::new()
            };
            render(&SchoolsPage {
                nav: Nav::of(&v),
                schools,
            })
        }
    }
}

struct GridRow {
    period: Period,
    /// Per day: "N teams · M students", or empty.
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "school.html")]
struct SchoolPage {
    nav: Nav,
    school: SchoolRow,
    core: Vec<TeamSummary>,
    extended: Vec<TeamSummary>,
    spaces: Vec<SpaceRow>,
    days: Vec<DayOfWeek>,
    grid: Vec<GridRow>,
    planning_minutes: u32,
}

async fn school(State(st): State<AppState>, v: Viewer, PagePath(id): PagePath<i64>) -> PageResult {
    let id = SchoolId(id);
    let school = match st.store.school(id).await? {
        Some(s) if v.principal.belongs_to(id) => s,
        _ => return Err(AppError::NotFound("No school that you may see here.".into()).into()),
    };
    let teams = st.store.teams(Some(id)).await?;
    let (core, extended): (Vec<TeamSummary>, Vec<TeamSummary>) =
        teams.into_iter().partition(|t| t.kind == TeamKind::Core);
    let grid = st.store.grid(id).await?;
    let uses = st.store.space_use(id).await?;
    let (days, rows, planning_minutes) = match &grid {
        Some(g) => {
            let rows = g
                .periods()
                .iter()
                .enumerate()
                .map(|(pi, p)| GridRow {
                    period: p.clone(),
                    cells: g
                        .days()
                        .iter()
                        .map(
                            |d| match uses.iter().find(|u| u.day == *d && u.period == pi) {
                                Some(u) => {
                                    format!("{} teams · {}/{} seats", u.teams, u.students, u.seats)
                                }
                                None if p.kind == PeriodKind::TeamPlanning => {
                                    "core teams plan".to_owned()
                                }
                                None => String::new(),
                            },
                        )
                        .collect(),
                })
                .collect();
            (g.days().to_vec(), rows, g.planning_minutes_per_week())
        }
        None => (Vec::new(), Vec::new(), 0),
    };
    render(&SchoolPage {
        nav: Nav::of(&v),
        school,
        core,
        extended,
        spaces: st.store.spaces(id).await?,
        days,
        grid: rows,
        planning_minutes,
    })
}

// ----- team -----

struct ScheduleCell {
    text: String,
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    nav: Nav,
    team: ensemble_store::TeamDetail,
    roster: Option<Vec<StudentRecord>>,
    roster_note: Option<String>,
    served_only: bool,
    sensitive: bool,
    can_edit_roster: bool,
    professionals: usize,
    days: Vec<DayOfWeek>,
    schedule: Vec<(String, Vec<ScheduleCell>)>,
    flash: Option<String>,
}

#[derive(Deserialize)]
struct FlashQuery {
    msg: Option<String>,
}

fn schedule(
    grid: Option<&TimeGrid>,
    bookings: &[BookingRow],
) -> (Vec<DayOfWeek>, Vec<(String, Vec<ScheduleCell>)>) {
    let Some(g) = grid else {
        return (Vec::new(), Vec::new());
    };
    let rows = g
        .periods()
        .iter()
        .enumerate()
        .map(|(pi, p)| {
            let cells = g
                .days()
                .iter()
                .map(|d| {
                    let here: Vec<String> = bookings
                        .iter()
                        .filter(|b| b.day == *d && b.period == pi)
                        .map(|b| format!("{} ({})", b.space_name, b.headcount))
                        .collect();
                    let text = if here.is_empty() {
                        match p.kind {
                            PeriodKind::TeamPlanning => "Team planning".to_owned(),
                            PeriodKind::Lunch => "Lunch".to_owned(),
                            _ => String::new(),
                        }
                    } else {
                        here.join(" · ")
                    };
                    ScheduleCell { text }
                })
                .collect();
            (
                format!("{} {}–{}", p.name, p.start_label(), p.end_label()),
                cells,
            )
        })
        .collect();
    (g.days().to_vec(), rows)
}

async fn team(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let gate = Gate::new(&st.store, &v.principal);
    let detail = gate.team(TeamId(id)).await?;
    let school = detail.team.school;
    let (roster, roster_note, served_only, team) = if detail.team.kind == TeamKind::Extended {
        (None, Some("Extended teams do not own a roster: their members serve students of the core teams.".to_owned()), false, detail)
    } else {
        match gate.roster_of(&detail).await {
            Ok((scope, students)) => (
                Some(students),
                None,
                scope == RosterScope::ServedOnly,
                detail,
            ),
            Err(AppError::Forbidden(m)) => (None, Some(m), false, detail),
            Err(e) => return Err(e.into()),
        }
    };
    let sensitive = roster
        .as_ref()
        .is_some_and(|r| r.iter().any(|s| s.access.sees_sensitive()));
    let grid = st.store.grid(school).await?;
    let bookings = st.store.team_bookings(TeamId(id)).await?;
    let (days, schedule) = schedule(grid.as_ref(), &bookings);
    let professionals = team
        .members
        .iter()
        .filter(|m| m.role_type.is_professional())
        .count();
    render(&TeamPage {
        nav: Nav::of(&v),
        can_edit_roster: v.principal.is_leader_of(school) && team.team.kind == TeamKind::Core,
        team,
        roster,
        roster_note,
        served_only,
        sensitive,
        professionals,
        days,
        schedule,
        flash: q.msg.filter(|m| m.len() < 300),
    })
}

#[derive(Deserialize)]
struct RosterAddForm {
    csrf: String,
    student: String,
}

async fn roster_add(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<RosterAddForm>,
) -> PageResult {
    v.check_csrf(&f.csrf)?;
    let gate = Gate::new(&st.store, &v.principal);
    let team = gate.team(TeamId(id)).await?;
    let sourced =
        SourcedId::parse(&f.student).map_err(|e| AppError::BadRequest(format!("Student: {e}")))?;
    let student = st
        .store
        .student_id_by_sourced(team.team.school, sourced.as_str())
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "No student with sourcedId {sourced} in this school."
            ))
        })?;
    gate.roster_add(TeamId(id), &[student]).await?;
    Ok(Redirect::to(&format!("/teams/{id}?msg=Added+{sourced}+to+the+roster")).into_response())
}

async fn roster_remove(
    State(st): State<AppState>,
    v: Viewer,
    PagePath((id, student)): PagePath<(i64, i64)>,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult {
    v.check_csrf(&f.csrf)?;
    Gate::new(&st.store, &v.principal)
        .roster_remove(TeamId(id), StudentId(student))
        .await?;
    Ok(Redirect::to(&format!(
        "/teams/{id}?msg=Removed+student+{student}+from+the+roster"
    ))
    .into_response())
}

// ----- student -----

#[derive(Template)]
#[template(path = "student.html")]
struct StudentPage {
    nav: Nav,
    s: StudentRecord,
    can_edit: bool,
    interests: String,
    strengths: String,
    /// Ranked choices among the team's offered activities, comma-separated.
    choices: String,
    flash: Option<String>,
    error: Option<String>,
}

fn student_page(
    v: &Viewer,
    s: StudentRecord,
    flash: Option<String>,
    error: Option<String>,
) -> StudentPage {
    let (interests, strengths) = s
        .profile
        .as_ref()
        .map(|p| (p.interests.join(", "), p.strengths.join(", ")))
        .unwrap_or_default();
    StudentPage {
        nav: Nav::of(v),
        can_edit: s.access.sees_profile(),
        s,
        interests,
        strengths,
        choices: String::new(),
        flash,
        error,
    }
}

async fn student(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let s = Gate::new(&st.store, &v.principal)
        .student(StudentId(id))
        .await?;
    let sees_profile = s.access.sees_profile();
    let mut page = student_page(&v, s, q.msg.filter(|m| m.len() < 300), None);
    if sees_profile {
        page.choices = st.store.choices_of(StudentId(id)).await?.join(", ");
    }
    render(&page)
}

#[derive(Deserialize)]
struct ProfileForm {
    csrf: String,
    interests: String,
    strengths: String,
    /// Absent: the choices stay as they are.
    #[serde(default)]
    choices: Option<String>,
}

async fn student_profile(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ProfileForm>,
) -> PageResult {
    v.check_csrf(&f.csrf)?;
    let gate = Gate::new(&st.store, &v.principal);
    let parsed = StudentProfile::parse_list("interests", &f.interests).and_then(|interests| {
        Ok(StudentProfile {
            interests,
            strengths: StudentProfile::parse_list("strengths", &f.strengths)?,
        })
    });
    let choices = f
        .choices
        .as_deref()
        .map(|raw| {
            let list = raw
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(|c| ensemble_domain::educator::parse_code("choices", c))
                .collect::<Result<Vec<String>, _>>()?;
            let distinct: std::collections::BTreeSet<&String> = list.iter().collect();
            if distinct.len() != list.len() || list.len() > 20 {
                return Err(ensemble_domain::ParseError::new(
                    "choices",
                    raw,
                    "must be at most 20 different options, each listed once",
                ));
            }
            Ok(list)
        })
        .transpose();
    let parsed = parsed.and_then(|p| choices.map(|c| (p, c)));
    match parsed {
        Ok((profile, choices)) => {
            // The gate checks (and audits) the change first; the choices follow it.
            gate.update_profile(StudentId(id), &profile).await?;
            if let Some(choices) = choices {
                st.store.set_choices(StudentId(id), &choices).await?;
            }
            Ok(Redirect::to(&format!("/students/{id}?msg=Profile+saved")).into_response())
        }
        Err(e) => {
            // Show the form again with what was typed and what is wrong; nothing was saved.
            let s = gate.student(StudentId(id)).await?;
            let mut page = student_page(&v, s, None, Some(format!("Nothing was saved: {e}")));
            page.interests = f.interests;
            page.strengths = f.strengths;
            page.choices = f.choices.unwrap_or_default();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
    }
}

// ----- educator -----

#[derive(Template)]
#[template(path = "educator.html")]
struct EducatorPage {
    nav: Nav,
    e: EducatorDetail,
    days: Vec<DayOfWeek>,
    /// Per period: its name, and availability on each day.
    availability: Vec<(String, Vec<bool>)>,
}

async fn educator(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
) -> PageResult {
    let e = match st.store.educator(EducatorId(id)).await? {
        Some(e) if v.principal.belongs_to(e.school) => e,
        _ => return Err(AppError::NotFound(format!("No educator {id} that you may see.")).into()),
    };
    let grid = st.store.grid(e.school).await?;
    let (days, availability) = match grid {
        Some(g) => {
            let rows = g
                .periods()
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    (
                        p.name.clone(),
                        g.days()
                            .iter()
                            .map(|d| e.availability.is_available(*d, i))
                            .collect(),
                    )
                })
                .collect();
            (g.days().to_vec(), rows)
        }
        None => (Vec::new(), Vec::new()),
    };
    render(&EducatorPage {
        nav: Nav::of(&v),
        e,
        days,
        availability,
    })
}

// ----- my students, audit -----

#[derive(Template)]
#[template(path = "my_students.html")]
struct MyStudentsPage {
    nav: Nav,
    students: Vec<StudentRecord>,
}

async fn my_students(State(st): State<AppState>, v: Viewer) -> PageResult {
    let students = Gate::new(&st.store, &v.principal).served().await?;
    render(&MyStudentsPage {
        nav: Nav::of(&v),
        students,
    })
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    rows: Vec<(AuditRow, String)>,
    older: Option<i64>,
}

#[derive(Deserialize)]
struct AuditPageQuery {
    before: Option<i64>,
}

async fn audit(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<AuditPageQuery>,
) -> PageResult {
    const PAGE: i64 = 100;
    let rows = Gate::new(&st.store, &v.principal)
        .audit_log(q.before, PAGE)
        .await?;
    let older = (rows.len() as i64 == PAGE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let rows = rows.into_iter().map(|r| {
        let at = rfc3339(r.at_ms);
        (r, at)
    });
    render(&AuditPage {
        nav: Nav::of(&v),
        rows: rows.collect(),
        older,
    })
}
