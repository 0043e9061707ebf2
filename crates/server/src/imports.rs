//! A school's first day without the demo: the set-up page (the first system leader and the
//! district), OneRoster bundles uploaded with progress, reviewed (what would change, kind by
//! kind, and every problem when refused) and imported on confirmation, and the core teams
//! proposed from co-teaching, which a school leader confirms, merges, splits or dismisses.

use crate::auth::{self, Viewer, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::error::{AppError, PageError};
use crate::routes::Routes;
use crate::web::{
    flash_url, render, CsrfForm, FlashQuery, LocalTime, Nav, NoFields, PagePath, PageResult,
};
use crate::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::handler::Handler;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect};
use axum::Form;
use ensemble_domain::access::SystemRole;
use ensemble_domain::*;
use ensemble_oneroster::read::Files;
use ensemble_store::{actions, Actor, ImportSummary};
use serde::Deserialize;
use std::time::Duration;

/// The largest bundle one upload may send (a district of 40,000 students zips to ~15 MB).
const MAX_BUNDLE_BYTES: usize = 512 << 20;

pub fn router() -> Routes {
    Routes::new()
        .get("/setup", setup_form)
        .post("/setup", setup)
        .get("/imports", imports)
        .post(
            "/imports",
            upload.layer(DefaultBodyLimit::max(MAX_BUNDLE_BYTES)),
        )
        .get("/imports/{import}", review)
        .post("/imports/{import}/apply", apply)
        .get("/schools/{id}/proposals", proposals)
        .post("/schools/{id}/proposals/merge", merge)
        .post("/schools/{id}/proposals/{proposal}/confirm", confirm)
        .post("/schools/{id}/proposals/{proposal}/split", split)
}

// ----- set-up -----

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    csrf: String,
    name: String,
    email: String,
    district: String,
    error: Option<String>,
}

/// Answers the set-up page once accounts exist: the sign-in for a visitor, a missing page for
/// someone signed in.
async fn already_set_up(st: &AppState, headers: &HeaderMap) -> PageResult {
    if Viewer::of(st, headers).await?.is_some() {
        Err(PageError(AppError::NotFound("No such page.".into())))
    } else {
        Ok(Redirect::to("/login").into_response())
    }
}

fn setup_page(status: StatusCode, page: SetupPage, secure: bool) -> PageResult {
    let csrf = page.csrf.clone();
    form_page(status, &page, &csrf, secure)
}

/// A page with a form for someone not signed in: the form's token goes in a cookie too.
pub(crate) fn form_page(
    status: StatusCode,
    page: &impl Template,
    csrf: &str,
    secure: bool,
) -> PageResult {
    let cookie = auth::set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        Some(Duration::from_secs(3600)),
        secure,
    );
    let html = page
        .render()
        .map_err(|e| PageError(AppError::internal("rendering", e)))?;
    Ok((status, [(header::SET_COOKIE, cookie)], Html(html)).into_response())
}

async fn setup_form(State(st): State<AppState>, headers: HeaderMap) -> PageResult {
    if st.store.has_accounts().await? {
        return already_set_up(&st, &headers).await;
    }
    setup_page(
        StatusCode::OK,
        SetupPage {
            csrf: ensemble_store::auth::new_secret(),
            name: String::new(),
            email: String::new(),
            district: String::new(),
            error: None,
        },
        st.config.secure_cookies,
    )
}

#[derive(Deserialize)]
struct SetupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
    #[serde(default)]
    district: String,
}

/// A password's Argon2id hash, computed off the request threads.
pub(crate) async fn hash_off_thread(password: &str) -> Result<String, PageError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| PageError(AppError::internal("hashing the password", e)))?
        .map_err(|e| PageError(AppError::internal("hashing the password", e)))
}

/// What is wrong with a new password typed twice, in the words of the form's labels.
pub(crate) fn password_problem(password: &str, again: &str) -> Option<&'static str> {
    if password.chars().count() < 10 || password.len() > 1024 {
        Some("Password: at least 10 characters.")
    } else if password != again {
        Some("Password again: the two passwords differ.")
    } else {
        None
    }
}

/// What is wrong with the set-up form, in the words of its labels.
fn setup_problem(f: &SetupForm) -> Option<&'static str> {
    let email = f.email.trim();
    if f.name.trim().is_empty() || f.name.chars().count() > 100 {
        Some("Your name: enter it (at most 100 characters).")
    } else if email.len() > 254
        || !email.contains('@')
        || email.starts_with('@')
        || email.ends_with('@')
        || email.contains(char::is_whitespace)
    {
        Some("E-mail: enter an address such as name@district.org.")
    } else if let Some(p) = password_problem(&f.password, &f.password2) {
        Some(p)
    } else if f.district.trim().is_empty() || f.district.chars().count() > 200 {
        Some("District name: enter it (at most 200 characters).")
    } else {
        None
    }
}

async fn setup(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<SetupForm>,
) -> PageResult {
    let secure = st.config.secure_cookies;
    if st.store.has_accounts().await? {
        return already_set_up(&st, &headers).await;
    }
    let again = |status, error: &str, f: &SetupForm| {
        setup_page(
            status,
            SetupPage {
                csrf: ensemble_store::auth::new_secret(),
                name: f.name.clone(),
                email: f.email.clone(),
                district: f.district.clone(),
                error: Some(error.to_owned()),
            },
            secure,
        )
    };
    let cookie_token = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if cookie_token.is_empty() || !auth::same_secret(cookie_token, &f.csrf) {
        return again(
            StatusCode::FORBIDDEN,
            "The form expired. Please try again.",
            &f,
        );
    }
    if let Some(p) = setup_problem(&f) {
        return again(StatusCode::UNPROCESSABLE_ENTITY, p, &f);
    }
    let hash = hash_off_thread(&f.password).await?;
    let user = match st
        .store
        .first_admin(f.email.trim(), f.name.trim(), &hash, f.district.trim())
        .await
    {
        Ok(u) => u,
        Err(ensemble_store::StoreError::Conflict(_)) => {
            return Ok(Redirect::to("/login").into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let entry = Actor {
        user: Some(user),
        email: f.email.trim().to_ascii_lowercase(),
        school: None,
    }
    .entry(actions::LOGIN, "user", Some(user.0))
    .detail("signed in after setting up Ensemble".to_owned());
    let to = flash_url(
        "/imports",
        &format!(
            "Welcome: {} is set up. Bring your schools in with a OneRoster bundle from your student information system.",
            f.district.trim()
        ),
    );
    signed_in(&st, user, &entry, &to).await
}

/// A new session for `user` (audited by `entry`) and a redirect to `to`, ending the sign-in
/// form's cookie: how the set-up page and a sign-in link leave their holder signed in.
pub(crate) async fn signed_in(
    st: &AppState,
    user: UserId,
    entry: &ensemble_store::AuditEntry,
    to: &str,
) -> PageResult {
    let secure = st.config.secure_cookies;
    let absolute = st.config.session_absolute;
    let (sid, _) = st
        .store
        .create_session(
            user,
            i64::try_from(absolute.as_millis()).unwrap_or(i64::MAX),
            entry,
        )
        .await?;
    let mut resp = Redirect::to(to).into_response();
    let set = |v: String| {
        header::HeaderValue::from_str(&v)
            .map_err(|e| PageError(AppError::internal("setting a cookie", e)))
    };
    resp.headers_mut().append(
        header::SET_COOKIE,
        set(auth::set_cookie(
            SESSION_COOKIE,
            &sid,
            Some(absolute),
            secure,
        ))?,
    );
    resp.headers_mut().append(
        header::SET_COOKIE,
        set(auth::set_cookie(LOGIN_CSRF_COOKIE, "", None, secure))?,
    );
    Ok(resp)
}

// ----- uploads -----

/// Only system (district) leaders bring rosters in; to anyone else the pages look missing.
fn district_leader(v: &Viewer) -> Result<(), PageError> {
    if v.principal.system_role == SystemRole::SystemAdmin {
        Ok(())
    } else {
        Err(PageError(AppError::NotFound("No such page.".into())))
    }
}

struct UploadView {
    id: i64,
    name: String,
    at: LocalTime,
    status: &'static str,
    what: String,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    nav: Nav,
    flash: Option<String>,
    uploads: Vec<UploadView>,
    schools: Vec<(i64, String)>,
}

fn status_words(s: &str) -> &'static str {
    match s {
        "applied" => "Imported",
        "reviewed" => "Waiting for your confirmation",
        _ => "Refused",
    }
}

async fn imports(State(st): State<AppState>, v: Viewer, Query(q): Query<FlashQuery>) -> PageResult {
    district_leader(&v)?;
    let uploads = st
        .store
        .uploads(50)
        .await?
        .into_iter()
        .map(|u| UploadView {
            id: u.id,
            name: u.name,
            at: LocalTime::of_ms(u.applied_at.unwrap_or(u.created_at)),
            status: status_words(&u.status),
            what: serde_json::from_str::<ImportSummary>(&u.summary)
                .map(|s| ensemble_store::describe_import(&s))
                .unwrap_or_default(),
        })
        .collect();
    let schools = st
        .store
        .schools()
        .await?
        .into_iter()
        .map(|s| (s.id.0, s.name))
        .collect();
    render(&ImportsPage {
        nav: Nav::of(&v),
        flash: q.message(),
        uploads,
        schools,
    })
}

/// One kind's line of the review.
struct KindView {
    kind: String,
    new: u64,
    changed: u64,
    removed: u64,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ReviewPage {
    nav: Nav,
    flash: Option<String>,
    id: i64,
    name: String,
    /// `reviewed`, `applied` or `refused`.
    status: String,
    at: Option<LocalTime>,
    kinds: Vec<KindView>,
    warnings: Vec<String>,
    proposals: u64,
    problems: Vec<String>,
    more: usize,
    schools: Vec<(i64, String)>,
}

impl ReviewPage {
    fn of(v: &Viewer, id: i64, name: String, status: &str, sum: Option<ImportSummary>) -> Self {
        let sum = sum.unwrap_or_default();
        Self {
            nav: Nav::of(v),
            flash: None,
            id,
            name,
            status: status.to_owned(),
            at: None,
            kinds: sum
                .kinds
                .iter()
                .map(|(k, t)| KindView {
                    kind: kind_label(k),
                    new: t.new,
                    changed: t.changed,
                    removed: t.removed,
                })
                .collect(),
            warnings: sum.warnings,
            proposals: sum.proposals,
            problems: Vec::new(),
            more: 0,
            schools: Vec::new(),
        }
    }
}

fn kind_label(k: &str) -> String {
    let mut c = k.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Reads an uploaded zip against what the database holds now.
async fn plan_of(
    st: &AppState,
    bytes: &[u8],
) -> Result<Result<ensemble_oneroster::Plan, ensemble_oneroster::Refused>, PageError> {
    let files = match Files::from_zip(bytes) {
        Ok(f) => f,
        Err(m) => {
            return Ok(Err(ensemble_oneroster::Refused {
                problems: vec![ensemble_oneroster::Problem {
                    file: "The upload".into(),
                    line: 0,
                    column: String::new(),
                    value: String::new(),
                    message: m,
                }],
                more: 0,
            }))
        }
    };
    let known = st.store.oneroster_known().await?;
    Ok(ensemble_oneroster::load(&files, &|r, id| known.has(r, id)).map(|(_, p)| p))
}

fn refused_page(v: &Viewer, name: String, e: ensemble_oneroster::Refused) -> PageResult {
    let mut page = ReviewPage::of(v, 0, name, "refused", None);
    page.problems = e.problems.iter().map(ToString::to_string).collect();
    page.more = e.more;
    let html = page
        .render()
        .map_err(|e| PageError(AppError::internal("rendering", e)))?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// Receives a bundle (multipart: `csrf`, `bundle`), checks it whole and shows the review of a
/// dry run; nothing is imported until the leader confirms. A refused bundle is shown with every
/// problem and not kept.
async fn upload(
    State(st): State<AppState>,
    v: Viewer,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    district_leader(&v)?;
    let mut form = form.map_err(|r| PageError(AppError::rejection(r.status(), r.body_text())))?;
    let mut csrf = String::new();
    let mut bundle: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(PageError(AppError::rejection(e.status(), e.body_text())));
            }
        };
        match field.name() {
            Some("csrf") => {
                csrf = field
                    .text()
                    .await
                    .map_err(|e| PageError(AppError::rejection(e.status(), e.body_text())))?
            }
            Some("bundle") => {
                let name = field
                    .file_name()
                    .filter(|n| !n.is_empty())
                    .unwrap_or("bundle.zip")
                    .chars()
                    .take(200)
                    .collect::<String>();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| PageError(AppError::rejection(e.status(), e.body_text())))?;
                bundle = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    v.check_csrf(&csrf).map_err(PageError)?;
    let Some((name, bytes)) = bundle.filter(|(_, b)| !b.is_empty()) else {
        return Err(PageError(AppError::BadRequest(
            "OneRoster bundle: choose the .zip file your student information system exported."
                .into(),
        )));
    };
    let plan = match plan_of(&st, &bytes).await? {
        Ok(p) => p,
        Err(e) => return refused_page(&v, name, e),
    };
    let entry = Actor::of(&v.principal).entry(actions::ONEROSTER_IMPORT, "import", None);
    let sum = st
        .store
        .apply_oneroster(&plan, &name, &entry, true, &|_, _, _| {})
        .await?;
    let id = st
        .store
        .save_upload(
            v.principal.user,
            &name,
            &bytes,
            "reviewed",
            &serde_json::to_string(&sum).unwrap_or_default(),
        )
        .await?;
    Ok(Redirect::to(&format!("/imports/{id}")).into_response())
}

async fn review(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    district_leader(&v)?;
    let Some((u, _)) = st.store.upload(id).await? else {
        return Err(PageError(AppError::NotFound(format!("No upload {id}."))));
    };
    let sum = serde_json::from_str::<ImportSummary>(&u.summary).ok();
    let mut page = ReviewPage::of(&v, u.id, u.name, &u.status, sum);
    page.flash = q.message();
    page.at = Some(LocalTime::of_ms(u.applied_at.unwrap_or(u.created_at)));
    page.schools = st
        .store
        .schools()
        .await?
        .into_iter()
        .map(|s| (s.id.0, s.name))
        .collect();
    render(&page)
}

async fn apply(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, .. }: CsrfForm<NoFields>,
) -> PageResult {
    district_leader(&v)?;
    let Some((u, bytes)) = st.store.upload(id).await? else {
        return Err(PageError(AppError::NotFound(format!("No upload {id}."))));
    };
    if u.status == "applied" {
        return Ok(Redirect::to(&flash_url(
            &format!("/imports/{id}"),
            "This bundle was already imported.",
        ))
        .into_response());
    }
    let plan = match plan_of(&st, &bytes).await? {
        Ok(p) => p,
        Err(e) => return refused_page(&v, u.name, e),
    };
    let entry = Actor::of(&v.principal).entry(actions::ONEROSTER_IMPORT, "import", Some(id));
    let sum = match st
        .store
        .apply_upload(id, &plan, &entry, &|_, _, _| {})
        .await
    {
        Ok(s) => s,
        Err(ensemble_store::StoreError::Conflict(m)) => {
            return Ok(Redirect::to(&flash_url(
                &format!("/imports/{id}"),
                &format!("Not imported: {m}."),
            ))
            .into_response());
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&flash_url(
        &format!("/imports/{id}"),
        &format!("Imported: {}.", ensemble_store::describe_import(&sum)),
    ))
    .into_response())
}

// ----- proposals -----

struct MemberView {
    id: i64,
    name: String,
    role: String,
    lead: bool,
}

struct ProposalView {
    id: i64,
    name: String,
    why: String,
    members: Vec<MemberView>,
    students: usize,
    classes: String,
}

#[derive(Template)]
#[template(path = "proposals.html")]
struct ProposalsPage {
    nav: Nav,
    flash: Option<String>,
    school: i64,
    school_name: String,
    proposals: Vec<ProposalView>,
}

/// The school, for its leaders (and the district's); to anyone else it looks missing.
pub(crate) async fn leader_school(st: &AppState, v: &Viewer, id: i64) -> Result<String, PageError> {
    match st.store.school(SchoolId(id)).await? {
        Some(s) if v.principal.is_leader_of(s.id) => Ok(s.name),
        _ => Err(PageError(AppError::NotFound(format!(
            "No school {id} that you may see."
        )))),
    }
}

async fn proposals(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let school_name = leader_school(&st, &v, id).await?;
    let proposals = st
        .store
        .proposals(SchoolId(id))
        .await?
        .into_iter()
        .map(|p| ProposalView {
            id: p.id,
            name: p.name,
            why: p.proposal.why.clone(),
            members: p
                .members
                .iter()
                .map(|(e, n, t, lead)| MemberView {
                    id: e.0,
                    name: n.clone(),
                    role: t.label().to_owned(),
                    lead: *lead,
                })
                .collect(),
            students: p.students.len(),
            classes: ensemble_oneroster::propose::and_list(&p.proposal.classes),
        })
        .collect();
    render(&ProposalsPage {
        nav: Nav::of(&v),
        flash: q.message(),
        school: id,
        school_name,
        proposals,
    })
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    name: String,
}

async fn confirm(
    State(st): State<AppState>,
    PagePath((id, proposal)): PagePath<(i64, i64)>,
    CsrfForm { viewer: v, form: f }: CsrfForm<ConfirmForm>,
) -> PageResult {
    leader_school(&st, &v, id).await?;
    let name = f.name.trim();
    if name.chars().count() > 100 {
        return Err(PageError(AppError::Unprocessable(
            "Team name: at most 100 characters.".into(),
        )));
    }
    let entry = Actor::of(&v.principal).entry(actions::TEAM_PROPOSALS, "proposal", Some(proposal));
    let done = st
        .store
        .confirm_proposal(SchoolId(id), proposal, name, &entry)
        .await?;
    let mut msg = format!(
        "{} is a core team now, with {} students on its roster.",
        done.name, done.rostered
    );
    if done.elsewhere > 0 {
        msg.push_str(&format!(
            " {} students already on another core team's roster stayed there.",
            done.elsewhere
        ));
    }
    Ok(Redirect::to(&flash_url(&format!("/schools/{id}/proposals"), &msg)).into_response())
}

/// The values of a repeated form field.
fn all(pairs: &[(String, String)], key: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .collect()
}

fn ids(pairs: &[(String, String)], key: &str, what: &str) -> Result<Vec<i64>, PageError> {
    all(pairs, key)
        .iter()
        .map(|v| {
            v.parse::<i64>().map_err(|_| {
                PageError(AppError::BadRequest(format!(
                    "{what}: {v:?} is not one of the choices."
                )))
            })
        })
        .collect()
}

async fn merge(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    leader_school(&st, &v, id).await?;
    let chosen = ids(&form, "proposal", "Proposal")?;
    let merging = all(&form, "action").iter().any(|a| a == "merge");
    if chosen.is_empty() || (merging && chosen.len() < 2) {
        return Err(PageError(AppError::Unprocessable(if merging {
            "Choose two or more proposals to merge.".into()
        } else {
            "Choose the proposals to dismiss.".into()
        })));
    }
    let entry = Actor::of(&v.principal).entry(actions::TEAM_PROPOSALS, "proposal", None);
    st.store
        .merge_or_dismiss_proposals(SchoolId(id), &chosen, merging, &entry)
        .await?;
    let msg = if merging {
        format!("Merged {} proposals into one.", chosen.len())
    } else {
        format!("Dismissed {} proposal(s).", chosen.len())
    };
    Ok(Redirect::to(&flash_url(&format!("/schools/{id}/proposals"), &msg)).into_response())
}

async fn split(
    State(st): State<AppState>,
    PagePath((id, proposal)): PagePath<(i64, i64)>,
    CsrfForm { viewer: v, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    leader_school(&st, &v, id).await?;
    let members: Vec<EducatorId> = ids(&form, "member", "Member")?
        .into_iter()
        .map(EducatorId)
        .collect();
    let name = all(&form, "name").into_iter().next().unwrap_or_default();
    if name.chars().count() > 100 {
        return Err(PageError(AppError::Unprocessable(
            "New proposal's name: at most 100 characters.".into(),
        )));
    }
    let entry = Actor::of(&v.principal).entry(actions::TEAM_PROPOSALS, "proposal", Some(proposal));
    st.store
        .split_proposal(SchoolId(id), proposal, &members, &name, &entry)
        .await?;
    Ok(Redirect::to(&flash_url(
        &format!("/schools/{id}/proposals"),
        "Split into two proposals.",
    ))
    .into_response())
}
