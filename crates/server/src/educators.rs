//! Educators: one educator's page (teams, expertise, competencies with their evidence, weekly
//! availability) for anyone of their school, and the matching API. No student data.

use crate::api::{ApiPath, ApiResult, ErrorBody};
use crate::auth::{ApiCaller, Viewer};
use crate::error::AppError;
use crate::routes::Routes;
use crate::web::{render, Nav, PagePath, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::Json;
use ensemble_domain::access::{may_see_school, Principal};
use ensemble_domain::*;
use ensemble_store::{EducatorDetail, Store};
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Routes {
    Routes::new().get("/educators/{id}", educator_page)
}

pub fn api() -> Routes {
    Routes::new().get("/educators/{id}", educator)
}

/// The educator, for anyone of their school; anyone else is answered as for a missing one.
pub(crate) async fn visible(
    store: &Store,
    who: &Principal,
    id: i64,
) -> Result<EducatorDetail, AppError> {
    match store.educator(EducatorId(id)).await? {
        Some(e) if may_see_school(who, e.school) => Ok(e),
        _ => Err(AppError::NotFound(format!(
            "No educator {id} that you may see."
        ))),
    }
}

#[derive(Template)]
#[template(path = "educator.html")]
struct EducatorPage {
    nav: Nav,
    e: EducatorDetail,
    days: Vec<DayOfWeek>,
    /// Per period: its name, and on each day what the educator does.
    week: Vec<crate::schedule::WeekRow<crate::schedule::EducatorCell>>,
    /// The week comes from the school's published schedule.
    generated: bool,
    /// Days approved re-plans change for them.
    changed: Vec<crate::schedule::ChangedDay>,
    /// Calendar links (the educator themself and the school's leaders).
    cal: Option<crate::schedules::calendar::Links>,
    /// Earned credentials (id, name, issued), for the educator and their leaders.
    earned: Option<Vec<(i64, String, crate::web::LocalTime)>>,
    pathways: crate::pathways::EducatorPathways,
    flash: Option<String>,
}

impl EducatorPage {
    fn competency(&self, code: &str) -> String {
        ensemble_domain::labels::competency(code)
    }
    fn subject(&self, code: &str) -> String {
        ensemble_domain::labels::subject(code).into_owned()
    }
}

async fn educator_page(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    axum::extract::Query(q): axum::extract::Query<crate::web::FlashQuery>,
) -> PageResult {
    let e = visible(&st.store, &v.principal, id).await?;
    let cal = if v.principal.educator == Some(e.id) || v.principal.is_leader_of(e.school) {
        Some(
            crate::schedules::calendar::links(
                &st.store,
                v.fresh,
                e.school,
                crate::schedules::calendar::EDUCATOR,
                id,
                "Calendar",
                "A private link to this week in any calendar app (Google, Outlook, Apple): it follows the published schedule and every approved re-plan.",
            )
            .await?,
        )
    } else {
        None
    };
    let grid = st.store.grid_at(v.fresh, e.school).await?;
    let core = e.teams.iter().find(|t| t.kind == TeamKind::Core);
    let booked = match core {
        Some(t) => st.store.team_bookings_at(v.fresh, t.team).await?.rows,
        None => Vec::new(),
    };
    let week = crate::schedules::calendar::published_at(&st.store, v.fresh, e.school).await?;
    let published = week
        .as_ref()
        .as_ref()
        .filter(|p| p.doc.educator(e.id.0).is_some());
    // Days an approved re-plan changes for them.
    let changed = match published {
        Some(p) => crate::schedule::changed_days(&p.doc, e.id.0, &p.replans),
        None => Vec::new(),
    };
    let published = published.map(|p| &p.doc);
    let generated = published.is_some();
    let (days, week) = match &grid {
        Some(_) if published.is_some() => match &published {
            Some(doc) => crate::schedule::educator_week_of(doc, e.id.0),
            None => (Vec::new(), Vec::new()),
        },
        Some(g) => (
            g.days().to_vec(),
            crate::schedule::educator_week(
                g,
                &e.availability,
                core.map(|t| (t.name.as_str(), booked.as_slice())),
            ),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let earned = crate::credentials::earned_on_page(&st.store, &v.principal, &e).await?;
    let pathways = crate::pathways::for_educator(&st, &e).await?;
    render(&EducatorPage {
        nav: Nav::of(&v),
        earned,
        pathways,
        e,
        days,
        week,
        generated,
        changed,
        cal,
        flash: q.message(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct CompetencyDto {
    code: String,
    /// 1 (aware) to 4 (expert).
    level: i64,
    /// How the level is shown: `degree`, `licence`, `credential`, `micro_credential` or `observed_evidence`.
    evidence: String,
    source: String,
}

#[derive(Serialize, ToSchema)]
pub struct EducatorTeamDto {
    team_id: i64,
    name: String,
    /// `core` or `extended`.
    kind: String,
    /// `lead` or `member`.
    member_role: String,
}

#[derive(Serialize, ToSchema)]
pub struct ExpertiseDto {
    subject: String,
    /// 1 (aware) to 4 (expert).
    level: i64,
}

#[derive(Serialize, ToSchema)]
pub struct EducatorDto {
    id: i64,
    sourced_id: String,
    school_id: i64,
    given_name: String,
    family_name: String,
    role_type: String,
    employment: String,
    fte_milli: i64,
    years_experience: i64,
    teams: Vec<EducatorTeamDto>,
    competencies: Vec<CompetencyDto>,
    expertise: Vec<ExpertiseDto>,
    students_served: i64,
}

/// One educator with teams, competencies and expertise (anyone of their school).
#[utoipa::path(get, path = "/api/v1/educators/{id}", tag = "educators", security(("bearer" = [])), params(("id" = i64, Path, description = "educator id")),
    responses((status = 200, body = EducatorDto), (status = 404, body = ErrorBody)))]
pub async fn educator(
    State(st): State<AppState>,
    ApiCaller(p, _): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<EducatorDto> {
    let e = visible(&st.store, &p, id).await?;
    Ok(Json(EducatorDto {
        id: e.id.0,
        sourced_id: e.sourced_id.clone(),
        school_id: e.school.0,
        given_name: e.given_name.clone(),
        family_name: e.family_name.clone(),
        role_type: e.role_type.as_str().into(),
        employment: e.employment.as_str().into(),
        fte_milli: e.fte_milli,
        years_experience: e.years_experience,
        teams: e
            .teams
            .iter()
            .map(|t| EducatorTeamDto {
                team_id: t.team.0,
                name: t.name.clone(),
                kind: t.kind.as_str().into(),
                member_role: t.member_role.as_str().into(),
            })
            .collect(),
        competencies: e
            .competencies
            .iter()
            .map(|c| CompetencyDto {
                code: c.code.clone(),
                level: i64::from(c.level.get()),
                evidence: c.evidence.as_str().into(),
                source: c.source.clone(),
            })
            .collect(),
        expertise: e
            .expertise
            .iter()
            .map(|x| ExpertiseDto {
                subject: x.subject.clone(),
                level: i64::from(x.level.get()),
            })
            .collect(),
        students_served: e.students_served,
    }))
}
