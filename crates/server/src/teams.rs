//! Teams and their shared rosters, and the spaces they book: the team page (members, the
//! week's bookings, the roster as the reader may see it, roster changes for leaders) and the
//! matching API.

use crate::api::{ApiJson, ApiPath, ApiResult, CreatedDto, ErrorBody};
use crate::auth::{ApiCaller, Viewer};
use crate::error::{ApiError, AppError};
use crate::gate::{Gate, Roster};
use crate::routes::Routes;
use crate::students::StudentDto;
use crate::web::{
    confirm_page, flash_url, render, unreadable_note, Confirm, Confirmed, CsrfForm, FlashQuery,
    Nav, PagePath, PageResult,
};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Json;
use ensemble_domain::access::RosterScope;
use ensemble_domain::*;
use ensemble_store::{
    BookingRow, NewBooking, NewTeamInput, StudentRecord, TeamDetail, TeamSummary,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Routes {
    Routes::new()
        .get("/teams/{id}", team_page)
        .post("/teams/{id}/roster", roster_add_form)
        .post("/teams/{id}/roster/{student}/remove", roster_remove_form)
}

pub fn api() -> Routes {
    Routes::new()
        .get("/teams", list_teams)
        .post("/teams", create_team)
        .get("/teams/{id}", team)
        .get("/teams/{id}/roster", roster)
        .post("/teams/{id}/roster", roster_add)
        .delete("/teams/{id}/roster/{student_id}", roster_remove)
        .get("/teams/{id}/bookings", team_bookings)
        .get("/spaces/{id}/bookings", space_bookings)
        .post("/spaces/{id}/bookings", book_space)
        .delete("/bookings/{id}", delete_booking)
}

// ----- the team page -----

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    nav: Nav,
    team: TeamDetail,
    roster: Option<Vec<StudentRecord>>,
    roster_note: Option<String>,
    served_only: bool,
    sensitive: bool,
    can_edit_roster: bool,
    professionals: usize,
    days: Vec<DayOfWeek>,
    schedule: Vec<crate::schedule::WeekRow<crate::schedule::TeamCell>>,
    /// The week comes from the school's published schedule.
    generated: bool,
    /// Calendar links (members and the school's leaders).
    cal: Option<crate::schedules::calendar::Links>,
    /// The team's goals (core teams).
    goals: Option<crate::goals::TeamGoals>,
    flash: Option<String>,
    unreadable: Option<String>,
}

impl TeamPage {
    /// Subject codes in words, for the members' expertise.
    fn subjects(&self, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| ensemble_domain::labels::subject(c).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn team_page(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let team = gate.team(TeamId(id)).await?;
    let school = team.team.school;
    let mut unreadable = Vec::new();
    let (roster, roster_note, served_only) = if team.team.kind == TeamKind::Extended {
        (None, Some("Extended teams do not own a roster: their members serve students of the core teams.".to_owned()), false)
    } else {
        match gate.roster_of(&team, false).await? {
            Some((scope, students)) => {
                unreadable.extend(students.unreadable);
                (Some(students.rows), None, scope == RosterScope::ServedOnly)
            }
            None => (
                None,
                Some(format!(
                    "Only the members of {} and school leaders see its roster.",
                    team.team.name
                )),
                false,
            ),
        }
    };
    let sensitive = roster
        .as_ref()
        .is_some_and(|r| r.iter().any(|s| s.needs.is_some()));
    let grid = gate.grid(school).await?;
    let bookings = st.store.team_bookings_at(v.fresh, TeamId(id)).await?;
    unreadable.extend(bookings.unreadable);
    // Who is with which students where, period by period: from the school's published
    // schedule when there is one, else from the team's bookings and published groups.
    let week = crate::schedules::calendar::published_at(&st.store, v.fresh, school).await?;
    let published = week
        .as_ref()
        .as_ref()
        .map(|p| &p.doc)
        .filter(|d| d.team(id).is_some());
    let generated = published.is_some() && team.team.kind == TeamKind::Core;
    let (days, schedule) = match (&grid, team.team.kind) {
        (Some(g), TeamKind::Core) => {
            let groups = st
                .store
                .memo(v.fresh, ("team period groups", id), || {
                    period_groups(&st.store, school, TeamId(id))
                })
                .await?;
            let roster_size = usize::try_from(team.team.roster_size).unwrap_or(0);
            match &published {
                Some(doc) => crate::schedule::team_week_of(doc, id, groups.as_slice()),
                None => (
                    g.days().to_vec(),
                    crate::schedule::team_week(
                        g,
                        &team.members,
                        roster_size,
                        &bookings.rows,
                        groups.as_slice(),
                    ),
                ),
            }
        }
        _ => (Vec::new(), Vec::new()),
    };
    let member = v
        .principal
        .educator
        .is_some_and(|me| team.members.iter().any(|m| m.educator == me));
    let cal = if member || v.principal.is_leader_of(school) {
        Some(
            crate::schedules::calendar::links(
                &st.store,
                v.fresh,
                school,
                crate::schedules::calendar::TEAM,
                id,
                "Team calendar",
                "A private link to the team's week in any calendar app: it follows the published schedule and every approved re-plan.",
            )
            .await?,
        )
    } else {
        None
    };
    let professionals = team
        .members
        .iter()
        .filter(|m| m.role_type.is_professional())
        .count();
    let goals = if team.team.kind == TeamKind::Core {
        Some(crate::goals::for_team(&gate, &team).await?)
    } else {
        None
    };
    render(&TeamPage {
        nav: Nav::of(&v),
        goals,
        can_edit_roster: ensemble_domain::access::may_change_roster(&v.principal, &team.facts()),
        team,
        roster,
        roster_note,
        served_only,
        sensitive,
        professionals,
        days,
        schedule,
        generated,
        cal,
        flash: q.message(),
        unreadable: unreadable_note(&unreadable),
    })
}

/// A team's published groups of each period, with the names of who leads them and where.
async fn period_groups(
    store: &ensemble_store::Store,
    school: SchoolId,
    team: TeamId,
) -> Result<Vec<crate::schedule::PeriodGroup>, ensemble_store::StoreError> {
    let spaces = store.spaces(school).await?.rows;
    let people = store.educators_of(school).await?;
    Ok(store
        .period_groups(team)
        .await?
        .into_iter()
        .map(|g| crate::schedule::PeriodGroup {
            day: g.day,
            period: g.period,
            educator: people
                .iter()
                .find(|(e, _, _)| e.0.to_string() == g.educator)
                .map_or_else(|| "An educator".into(), |(_, n, _)| n.clone()),
            space: g.space.and_then(|sid| {
                spaces
                    .iter()
                    .find(|sp| sp.id.0.to_string() == sid)
                    .map(|sp| sp.name.clone())
            }),
            students: g.students,
        })
        .collect())
}

#[derive(Deserialize)]
struct RosterAddForm {
    student: String,
}

async fn roster_add_form(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form: f }: CsrfForm<RosterAddForm>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let sourced =
        SourcedId::parse(&f.student).map_err(|e| AppError::BadRequest(format!("Student: {e}")))?;
    let added = gate.roster_add_sourced(TeamId(id), &sourced).await?;
    let team = gate.team(TeamId(id)).await?;
    let name = gate
        .student_names(&[added], ("team", Some(id)))
        .await?
        .remove(&added)
        .unwrap_or_else(|| sourced.to_string());
    Ok(Redirect::to(&flash_url(
        &format!("/teams/{id}"),
        &format!("Added {name} to {}.", team.team.name),
    ))
    .into_response())
}

/// Takes a student off the roster once the leader confirms, naming the student and the team.
async fn roster_remove_form(
    State(st): State<AppState>,
    PagePath((id, student)): PagePath<(i64, i64)>,
    CsrfForm { viewer: v, form }: CsrfForm<Confirmed>,
) -> PageResult {
    let gate = v.gate(&st.store);
    // Refused (and audited) like a missing team for a reader who may not change the roster.
    let team = gate
        .roster_team(TeamId(id), ensemble_store::actions::ROSTER_REMOVE)
        .await?;
    let name = gate
        .student_names(&[StudentId(student)], ("team", Some(id)))
        .await?
        .remove(&StudentId(student))
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "No student {student} on the roster of {}.",
                team.team.name
            ))
        })?;
    if !form.yes() {
        return confirm_page(
            &v,
            Confirm {
                question: format!("Remove {name} from {}?", team.team.name),
                detail: format!(
                    "{name} leaves the team's shared roster: its members no longer see them, and they leave the team's groupings. The change is recorded in the audit log."
                ),
                action: format!("/teams/{id}/roster/{student}/remove"),
                fields: Vec::new(),
                yes: format!("Remove {name}"),
                back: format!("/teams/{id}"),
            },
        );
    }
    gate.roster_remove(TeamId(id), StudentId(student)).await?;
    Ok(Redirect::to(&flash_url(
        &format!("/teams/{id}"),
        &format!("Removed {name} from {}.", team.team.name),
    ))
    .into_response())
}

// ----- API -----

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
    /// Thousandths of a full-time equivalent.
    fte_milli: i64,
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
                    fte_milli: m.fte_milli,
                    years_experience: m.years_experience,
                    expertise: m.expertise.clone(),
                })
                .collect(),
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
    /// Stored records that could not be read and are left out (named for the log).
    unreadable: Vec<String>,
}

impl From<&Roster> for RosterDto {
    fn from(r: &Roster) -> Self {
        Self {
            team_id: r.team.team.id.0,
            team_name: r.team.team.name.clone(),
            scope: match r.scope {
                RosterScope::Whole => "whole".into(),
                RosterScope::ServedOnly => "served_only".into(),
            },
            students: r.students.rows.iter().map(StudentDto::from).collect(),
            unreadable: r
                .students
                .unreadable
                .iter()
                .map(|u| u.to_string())
                .collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterAddRequest {
    /// Students to put on the roster; all are added or none.
    #[schema(min_items = 1, max_items = 1000)]
    student_ids: Vec<i64>,
}

/// A member's seat on a team.
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeatRequest {
    Lead,
    Member,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamMemberRequest {
    educator_id: i64,
    role: SeatRequest,
}

/// The kind of team.
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TeamKindRequest {
    Core,
    Extended,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeamRequest {
    /// Defaults to the caller's school.
    school_id: Option<i64>,
    /// 1–100 characters, not only spaces, no control characters.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    name: String,
    kind: TeamKindRequest,
    #[serde(default)]
    #[schema(max_length = 500)]
    description: String,
    #[schema(max_items = 50)]
    members: Vec<TeamMemberRequest>,
}

/// A school day.
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DayRequest {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl From<DayRequest> for DayOfWeek {
    fn from(d: DayRequest) -> Self {
        match d {
            DayRequest::Monday => DayOfWeek::Monday,
            DayRequest::Tuesday => DayOfWeek::Tuesday,
            DayRequest::Wednesday => DayOfWeek::Wednesday,
            DayRequest::Thursday => DayOfWeek::Thursday,
            DayRequest::Friday => DayOfWeek::Friday,
            DayRequest::Saturday => DayOfWeek::Saturday,
            DayRequest::Sunday => DayOfWeek::Sunday,
        }
    }
}

/// The most periods a school day can have (a grid of five-minute periods from dawn to dusk).
pub const MAX_PERIODS: u32 = 50;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    team_id: i64,
    /// A day of the school's week (a day the school does not meet is refused with 422).
    day: DayRequest,
    /// 1-based period of the school's daily grid (a period past the school's last is refused
    /// with 422).
    #[schema(minimum = 1, maximum = 50)]
    period: i64,
    /// How many people use the space; the space's capacity is checked.
    #[schema(minimum = 1, maximum = 10000)]
    headcount: i64,
    #[serde(default)]
    #[schema(max_length = 200)]
    purpose: String,
}

#[derive(Serialize, ToSchema)]
pub struct BookingDto {
    id: i64,
    space_id: i64,
    space_name: String,
    team_id: i64,
    team_name: String,
    /// `monday` … `sunday`.
    day: String,
    /// 1-based period of the school's daily grid.
    period: i64,
    headcount: i64,
    purpose: String,
}

#[derive(Serialize, ToSchema)]
pub struct BookingsDto {
    bookings: Vec<BookingDto>,
    /// Stored bookings that could not be read and are left out.
    unreadable: Vec<String>,
}

impl From<ensemble_store::Loaded<BookingRow>> for BookingsDto {
    fn from(l: ensemble_store::Loaded<BookingRow>) -> Self {
        Self {
            bookings: l
                .rows
                .iter()
                .map(|b| BookingDto {
                    id: b.id,
                    space_id: b.space.0,
                    space_name: b.space_name.clone(),
                    team_id: b.team.0,
                    team_name: b.team_name.clone(),
                    day: b.day.name().to_ascii_lowercase(),
                    period: i64::try_from(b.period).map_or(i64::MAX, |p| p + 1),
                    headcount: b.headcount,
                    purpose: b.purpose.clone(),
                })
                .collect(),
            unreadable: l.unreadable.iter().map(|u| u.to_string()).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CountDto {
    added: usize,
}

/// The teams of the caller's school this term (every school's for system leaders).
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = [TeamDto]), (status = 401, body = ErrorBody)))]
pub async fn list_teams(
    State(st): State<AppState>,
    ApiCaller(p, _): ApiCaller,
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
            .rows
            .iter()
            .map(TeamDto::from)
            .collect(),
    ))
}

/// A team with its members (anyone of its school; no student data).
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams", security(("bearer" = [])), params(("id" = i64, Path, description = "team id")),
    responses((status = 200, body = TeamDetailDto), (status = 404, body = ErrorBody)))]
pub async fn team(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<TeamDetailDto> {
    let t = Gate::at(&st.store, &p, fresh).team(TeamId(id)).await?;
    Ok(Json(TeamDetailDto::from(&t)))
}

/// A core team's roster, each student as the caller may see them.
#[utoipa::path(get, path = "/api/v1/teams/{id}/roster", tag = "teams", security(("bearer" = [])), params(("id" = i64, Path, description = "team id")),
    responses((status = 200, body = RosterDto), (status = 404, description = "No such team, or a roster the caller may not see (the two are not told apart)", body = ErrorBody)))]
pub async fn roster(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<RosterDto> {
    let r = Gate::at(&st.store, &p, fresh).roster(TeamId(id)).await?;
    Ok(Json(RosterDto::from(&r)))
}

/// Puts students on a core team's roster (school leaders); all or none.
#[utoipa::path(post, path = "/api/v1/teams/{id}/roster", tag = "teams", security(("bearer" = [])), params(("id" = i64, Path, description = "team id")),
    request_body = RosterAddRequest,
    responses((status = 201, body = CountDto), (status = 404, body = ErrorBody), (status = 422, description = "A rule refused it (e.g. a student already on another core roster); nothing was added", body = ErrorBody)))]
pub async fn roster_add(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<RosterAddRequest>,
) -> Result<(StatusCode, Json<CountDto>), ApiError> {
    if req.student_ids.is_empty() || req.student_ids.len() > 1000 {
        return Err(AppError::BadRequest("student_ids must list 1 to 1000 students".into()).into());
    }
    let ids: Vec<StudentId> = req.student_ids.into_iter().map(StudentId).collect();
    let added = Gate::at(&st.store, &p, fresh)
        .roster_add(TeamId(id), &ids)
        .await?;
    Ok((StatusCode::CREATED, Json(CountDto { added })))
}

/// Takes a student off a core team's roster (school leaders).
#[utoipa::path(delete, path = "/api/v1/teams/{id}/roster/{student_id}", tag = "teams", security(("bearer" = [])),
    params(("id" = i64, Path, description = "team id"), ("student_id" = i64, Path, description = "student id")),
    responses((status = 204, description = "Removed"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn roster_remove(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath((id, student)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    Gate::at(&st.store, &p, fresh)
        .roster_remove(TeamId(id), StudentId(student))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a team in a school's current term (school leaders).
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])), request_body = CreateTeamRequest,
    responses((status = 201, body = CreatedDto), (status = 404, description = "No such school, or one the caller may not change", body = ErrorBody), (status = 422, description = "e.g. a core team without two professional educators", body = ErrorBody)))]
pub async fn create_team(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiJson(req): ApiJson<CreateTeamRequest>,
) -> Result<(StatusCode, Json<CreatedDto>), ApiError> {
    // What the schema states, on the values as sent.
    if req.name.is_empty()
        || req.name.chars().count() > 100
        || req.name.chars().any(char::is_control)
        || req.description.chars().count() > 500
        || req.members.len() > 50
    {
        return Err(AppError::BadRequest(
            "name: 1 to 100 characters without control characters; description: at most 500 characters; members: at most 50".into(),
        )
        .into());
    }
    let school = req.school_id.map(SchoolId).or(p.school).ok_or_else(|| {
        AppError::Unprocessable("school_id is required for accounts without a school".into())
    })?;
    let name = parse_name("name", &req.name).map_err(|e| AppError::Unprocessable(e.to_string()))?;
    let input = NewTeamInput {
        school,
        name,
        kind: match req.kind {
            TeamKindRequest::Core => TeamKind::Core,
            TeamKindRequest::Extended => TeamKind::Extended,
        },
        description: req.description,
        members: req
            .members
            .iter()
            .map(|m| {
                (
                    EducatorId(m.educator_id),
                    match m.role {
                        SeatRequest::Lead => TeamMemberRole::Lead,
                        SeatRequest::Member => TeamMemberRole::Member,
                    },
                )
            })
            .collect(),
    };
    let id = Gate::at(&st.store, &p, fresh).create_team(&input).await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id: id.0 })))
}

/// A team's space bookings this term (anyone of its school).
#[utoipa::path(get, path = "/api/v1/teams/{id}/bookings", tag = "spaces", security(("bearer" = [])), params(("id" = i64, Path, description = "team id")),
    responses((status = 200, body = BookingsDto), (status = 404, body = ErrorBody)))]
pub async fn team_bookings(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<BookingsDto> {
    let b = Gate::at(&st.store, &p, fresh)
        .team_bookings(TeamId(id))
        .await?;
    Ok(Json(b.into()))
}

/// A space's bookings this term (anyone of its school).
#[utoipa::path(get, path = "/api/v1/spaces/{id}/bookings", tag = "spaces", security(("bearer" = [])), params(("id" = i64, Path, description = "space id")),
    responses((status = 200, body = BookingsDto), (status = 404, body = ErrorBody)))]
pub async fn space_bookings(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<BookingsDto> {
    let b = Gate::at(&st.store, &p, fresh)
        .space_bookings(SpaceId(id))
        .await?;
    Ok(Json(b.into()))
}

/// Books a space for a team in one period of the week (the team's members and school leaders).
#[utoipa::path(post, path = "/api/v1/spaces/{id}/bookings", tag = "spaces", security(("bearer" = [])), params(("id" = i64, Path, description = "space id")),
    request_body = BookingRequest,
    responses((status = 201, body = CreatedDto), (status = 404, description = "No such space or team, or a team the caller may not book for", body = ErrorBody), (status = 422, description = "e.g. the space would be over capacity, or the day or period is not in the school's grid", body = ErrorBody)))]
pub async fn book_space(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<BookingRequest>,
) -> Result<(StatusCode, Json<CreatedDto>), ApiError> {
    // Range-checked before any conversion: the period counts from 1 and is turned into an index.
    let period = u32::try_from(req.period)
        .ok()
        .filter(|p| (1..=MAX_PERIODS).contains(p))
        .ok_or_else(|| AppError::BadRequest(format!("period must be 1 to {MAX_PERIODS}")))?;
    let headcount = u32::try_from(req.headcount)
        .ok()
        .filter(|h| (1..=10_000).contains(h))
        .ok_or_else(|| AppError::BadRequest("headcount must be 1 to 10000".into()))?;
    if req.purpose.chars().count() > 200 {
        return Err(AppError::BadRequest("purpose: must be at most 200 characters".into()).into());
    }
    let id = Gate::at(&st.store, &p, fresh)
        .book_space(&NewBooking {
            space: SpaceId(id),
            team: TeamId(req.team_id),
            day: req.day.into(),
            period: period - 1,
            headcount,
            purpose: &req.purpose,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// Cancels a booking (whoever may book for its team).
#[utoipa::path(delete, path = "/api/v1/bookings/{id}", tag = "spaces", security(("bearer" = [])), params(("id" = i64, Path, description = "booking id")),
    responses((status = 204, description = "Cancelled"), (status = 404, body = ErrorBody)))]
pub async fn delete_booking(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    Gate::at(&st.store, &p, fresh).delete_booking(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
