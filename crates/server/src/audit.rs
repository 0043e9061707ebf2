//! The audit log for school and system leaders: who read or changed what, when, and whether it
//! was allowed — filtered by person, student, action and outcome, shown with names and the
//! reader's local times, each entry linked to its record, and exported as CSV.

use crate::api::{ApiQuery, ApiResult, ErrorBody};
use crate::auth::{ApiCaller, Viewer};
use crate::error::{ApiError, AppError, PageError};
use crate::gate::Gate;
use crate::routes::Routes;
use crate::web::{render, rfc3339, LocalTime, Nav, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use ensemble_domain::access::{audit_scope, Principal};
use ensemble_domain::*;
use ensemble_store::{actions, AuditFilter, AuditOutcome, AuditRow, Store};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Routes {
    Routes::new()
        .get("/audit", audit_page)
        .get("/audit.csv", audit_csv)
}

pub fn api() -> Routes {
    Routes::new().get("/audit", audit_api)
}

/// The page's filters, as typed.
#[derive(Deserialize, Default)]
struct PageFilter {
    #[serde(default)]
    person: String,
    /// A student's sourcedId or id.
    #[serde(default)]
    student: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    outcome: String,
    before: Option<i64>,
}

impl PageFilter {
    fn query(&self) -> String {
        let enc = crate::auth::encode_query_value;
        format!(
            "person={}&student={}&action={}&outcome={}",
            enc(&self.person),
            enc(&self.student),
            enc(&self.action),
            enc(&self.outcome)
        )
    }
}

/// The store's filter for what was typed; `Err` names what cannot be understood.
async fn resolve(store: &Store, who: &Principal, f: &PageFilter) -> Result<AuditFilter, AppError> {
    let mut out = AuditFilter {
        before: f.before,
        ..Default::default()
    };
    if !f.person.trim().is_empty() {
        out.user = Some(UserId(f.person.trim().parse().map_err(|_| {
            AppError::BadRequest("Person: choose someone from the list.".into())
        })?));
    }
    let student = f.student.trim();
    if !student.is_empty() {
        let scope = audit_scope(who).flatten();
        let id = match student.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => store
                .student_facts_by_sourced(scope, student, None)
                .await?
                .map(|f| f.student.0),
        };
        out.student = Some(StudentId(id.ok_or_else(|| {
            AppError::BadRequest(format!("Student: no student {student:?} in your log."))
        })?));
    }
    if !f.action.is_empty() {
        if !actions::ALL.iter().any(|(a, _)| *a == f.action) {
            return Err(AppError::BadRequest(
                "Action: choose one from the list.".into(),
            ));
        }
        out.action = Some(f.action.clone());
    }
    if !f.outcome.is_empty() {
        out.outcome =
            Some(AuditOutcome::parse(&f.outcome).ok_or_else(|| {
                AppError::BadRequest("Outcome: choose one from the list.".into())
            })?);
    }
    Ok(out)
}

/// Where an entry's record is shown, if anywhere.
fn link(r: &AuditRow) -> Option<String> {
    let id = r.target_id?;
    Some(match r.target_kind.as_str() {
        "student" => format!("/students/{id}"),
        "team" if r.action.starts_with("grouping") || r.action == actions::ASSESSMENTS_READ => {
            format!("/teams/{id}/grouping")
        }
        "team" => format!("/teams/{id}"),
        "school" => format!("/schools/{id}"),
        "educator" => format!("/educators/{id}"),
        "staffing_plan" => format!("/schools/{}/staffing?plan={id}", r.school?.0),
        _ => return None,
    })
}

struct Row {
    at: LocalTime,
    who: String,
    email: String,
    action: String,
    record: String,
    link: Option<String>,
    outcome: &'static str,
    outcome_class: String,
    detail: String,
    students: String,
    student_link: Option<String>,
}

/// Names for the records an entry points at, as this reader may see them.
struct Names {
    students: std::collections::HashMap<StudentId, String>,
    teams: std::collections::HashMap<i64, String>,
}

impl Names {
    fn student(&self, id: StudentId) -> String {
        self.students
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "a student you may not see".into())
    }
}

fn row(r: AuditRow, names: &Names) -> Row {
    let outcome = AuditOutcome::parse(&r.outcome).map_or("unknown", AuditOutcome::label);
    let kind = r.target_kind.replace('_', " ");
    let record = match (r.target_kind.as_str(), r.target_id) {
        ("student", Some(id)) => names.student(StudentId(id)),
        ("team", Some(id)) => names
            .teams
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("team {id}")),
        (_, Some(id)) => format!("{kind} {id}"),
        (_, None) => kind,
    };
    let (students, student_link) = match r.students.as_slice() {
        [] => (String::new(), None),
        [one] => (names.student(*one), Some(format!("/students/{one}"))),
        many => (format!("{} students", many.len()), None),
    };
    Row {
        at: LocalTime::of_ms(r.at_ms),
        who: r.user_name.clone().unwrap_or_else(|| r.actor.clone()),
        email: r.actor.clone(),
        action: actions::describe(&r.action).to_owned(),
        link: link(&r),
        record,
        outcome,
        outcome_class: r.outcome.clone(),
        detail: r.detail,
        students,
        student_link,
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    rows: Vec<Row>,
    people: Vec<(i64, String)>,
    actions: Vec<(&'static str, &'static str)>,
    outcomes: Vec<(&'static str, &'static str)>,
    person: String,
    student: String,
    action: String,
    outcome: String,
    query: String,
    older: Option<i64>,
    error: Option<String>,
}

const PAGE: u32 = 100;

async fn audit_page(
    State(st): State<AppState>,
    v: Viewer,
    Query(f): Query<PageFilter>,
) -> PageResult {
    let scope = audit_scope(&v.principal)
        .ok_or_else(|| AppError::NotFound("No audit log that you may see.".into()))?;
    let gate = v.gate(&st.store);
    let (rows, error) = match resolve(&st.store, &v.principal, &f).await {
        Ok(filter) => (gate.audit_log(filter, PAGE).await?, None),
        Err(AppError::BadRequest(m)) => (Vec::new(), Some(m)),
        Err(e) => return Err(e.into()),
    };
    let older = (u32::try_from(rows.len()) == Ok(PAGE))
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    // The people and teams the entries point at, by name.
    let mut ids: Vec<StudentId> = rows
        .iter()
        .flat_map(|r| {
            let one = (r.target_kind == "student")
                .then_some(r.target_id)
                .flatten()
                .map(StudentId);
            let listed = (r.students.len() == 1).then(|| r.students[0]);
            one.into_iter().chain(listed)
        })
        .collect();
    ids.sort();
    ids.dedup();
    let names = Names {
        students: gate.student_names(&ids, ("audit_log", None)).await?,
        teams: st
            .store
            .teams(scope)
            .await?
            .rows
            .into_iter()
            .map(|t| (t.id.0, t.name))
            .collect(),
    };
    let people = st
        .store
        .audit_people(scope)
        .await?
        .into_iter()
        .map(|(u, n)| (u.0, n))
        .collect();
    render(&AuditPage {
        nav: Nav::of(&v),
        rows: rows.into_iter().map(|r| row(r, &names)).collect(),
        people,
        actions: actions::ALL.to_vec(),
        outcomes: AuditOutcome::ALL
            .iter()
            .map(|o| (o.as_str(), o.label()))
            .collect(),
        query: f.query(),
        person: f.person,
        student: f.student,
        action: f.action,
        outcome: f.outcome,
        older,
        error,
    })
}

/// A CSV field, quoted when it needs to be; a leading `=`, `+`, `-` or `@` is escaped so that
/// spreadsheets do not run it as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The most entries one CSV export holds.
const CSV_LIMIT: u32 = 1000;

async fn audit_csv(
    State(st): State<AppState>,
    v: Viewer,
    Query(f): Query<PageFilter>,
) -> Result<impl IntoResponse, PageError> {
    let filter = resolve(&st.store, &v.principal, &f).await?;
    let rows = v.gate(&st.store).audit_log(filter, CSV_LIMIT).await?;
    let mut out = String::from(
        "id,time_utc,user_id,person,account,school_id,action,target_kind,target_id,outcome,detail,students\n",
    );
    for r in rows {
        let students = r
            .students
            .iter()
            .map(|s| s.0.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let fields = [
            r.id.to_string(),
            rfc3339(r.at_ms),
            r.user.map(|u| u.0.to_string()).unwrap_or_default(),
            r.user_name.clone().unwrap_or_default(),
            r.actor.clone(),
            r.school.map(|s| s.0.to_string()).unwrap_or_default(),
            r.action.clone(),
            r.target_kind.clone(),
            r.target_id.map(|t| t.to_string()).unwrap_or_default(),
            r.outcome.clone(),
            r.detail.clone(),
            students,
        ];
        out.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"ensemble-audit.csv\"",
            ),
        ],
        out,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct AuditDto {
    id: i64,
    /// RFC 3339 time of the event.
    at: String,
    user_id: Option<i64>,
    /// The account's name, if it still exists.
    user_name: Option<String>,
    actor: String,
    school_id: Option<i64>,
    action: String,
    target_kind: String,
    target_id: Option<i64>,
    /// `allowed`, `denied`, `not_found` or `failed`.
    outcome: String,
    detail: String,
    /// The students read or changed.
    student_ids: Vec<i64>,
}

impl From<&AuditRow> for AuditDto {
    fn from(a: &AuditRow) -> Self {
        Self {
            id: a.id,
            at: rfc3339(a.at_ms),
            user_id: a.user.map(|u| u.0),
            user_name: a.user_name.clone(),
            actor: a.actor.clone(),
            school_id: a.school.map(|s| s.0),
            action: a.action.clone(),
            target_kind: a.target_kind.clone(),
            target_id: a.target_id,
            outcome: a.outcome.clone(),
            detail: a.detail.clone(),
            student_ids: a.students.iter().map(|s| s.0).collect(),
        }
    }
}

/// An outcome to filter by.
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeParam {
    Allowed,
    Denied,
    NotFound,
    Failed,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries older than this id (for paging).
    before: Option<i64>,
    /// At most this many entries, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// Only this account's entries.
    user_id: Option<i64>,
    /// Only entries that read or changed this student.
    student_id: Option<i64>,
    /// Only this action, e.g. `student.read`, `roster.add`.
    #[param(max_length = 50)]
    action: Option<String>,
    #[param(inline)]
    outcome: Option<OutcomeParam>,
}

/// The audit log, newest first: a school leader reads their school's, a system leader every
/// school's.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, description = "Newest first", body = [AuditDto]), (status = 404, description = "The caller has no audit log to read", body = ErrorBody)))]
pub async fn audit_api(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Vec<AuditDto>> {
    let limit = match q.limit {
        None => 100,
        Some(l) => u32::try_from(l)
            .ok()
            .filter(|l| (1..=1000).contains(l))
            .ok_or_else(|| ApiError(AppError::BadRequest("limit must be 1 to 1000".into())))?,
    };
    if q.action.as_ref().is_some_and(|a| a.chars().count() > 50) {
        return Err(AppError::BadRequest("action: at most 50 characters".into()).into());
    }
    let filter = AuditFilter {
        school: None,
        user: q.user_id.map(UserId),
        student: q.student_id.map(StudentId),
        action: q.action,
        outcome: q.outcome.map(|o| match o {
            OutcomeParam::Allowed => AuditOutcome::Allowed,
            OutcomeParam::Denied => AuditOutcome::Denied,
            OutcomeParam::NotFound => AuditOutcome::NotFound,
            OutcomeParam::Failed => AuditOutcome::Failed,
        }),
        before: q.before,
    };
    let rows = Gate::at(&st.store, &p, fresh)
        .audit_log(filter, limit)
        .await?;
    Ok(Json(rows.iter().map(AuditDto::from).collect()))
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("-1"), "'-1");
    }
}
