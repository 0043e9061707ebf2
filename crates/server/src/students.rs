//! Students: a student's page (as much as the reader may see, and the profile form for those
//! who may change it), the students an extended-team member serves, and the matching API with
//! the import of formative results.

use crate::api::{ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::auth::{ApiCaller, Viewer};
use crate::error::{ApiError, AppError};
use crate::gate::Gate;
use crate::routes::Routes;
use crate::web::{render, unreadable_note, CsrfForm, FlashQuery, Nav, PagePath, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::handler::Handler;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect};
use axum::Json;
use ensemble_domain::access::{self, Sensitive};
use ensemble_domain::*;
use ensemble_store::{actions, AuditOutcome, NewAssessment, StudentRecord};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub fn router() -> Routes {
    Routes::new()
        .get("/students/{id}", student_page)
        .post("/students/{id}/profile", profile_form)
        .get("/my-students", my_students_page)
}

pub fn api() -> Routes {
    Routes::new()
        .get("/students/{id}", student)
        .patch("/students/{id}/profile", update_profile)
        .get("/my-students", my_students)
        .post(
            "/assessments",
            import_assessments.layer(axum::extract::DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
}

// ----- pages -----

#[derive(Template)]
#[template(path = "student.html")]
struct StudentPage {
    nav: Nav,
    s: StudentRecord,
    access: String,
    can_edit: bool,
    leader: bool,
    interests: String,
    strengths: String,
    /// Ranked choices among the team's offered activities, comma-separated.
    choices: String,
    /// The three ranked choices as codes ("" for none), and the activities to choose from.
    ranked: [String; 3],
    activities: Vec<(String, String)>,
    flash: Option<String>,
    error: Option<String>,
    /// The family's calendar links (those who may open the profile).
    cal: Option<crate::schedules::calendar::Links>,
}

impl StudentPage {
    /// A service or need code in words.
    fn service(&self, code: &str) -> String {
        ensemble_domain::labels::service(code)
    }
    /// Whether `code` is the student's choice at rank `i` (0 is the first).
    fn is_choice(&self, i: usize, code: &str) -> bool {
        self.ranked.get(i).is_some_and(|c| c == code)
    }
    /// The choices in words.
    fn choice_words(&self) -> String {
        self.choices
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(ensemble_domain::labels::option)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn student_page_of(
    v: &Viewer,
    s: StudentRecord,
    choices: Vec<String>,
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
        access: s.access.label(),
        can_edit: s.access.sees_profile(),
        leader: v.principal.is_leader_of(s.school),
        s,
        interests,
        strengths,
        ranked: [0, 1, 2].map(|i| choices.get(i).cloned().unwrap_or_default()),
        activities: {
            let mut a: Vec<(String, String)> = ensemble_domain::labels::options()
                .iter()
                .map(|(c, l)| ((*c).to_owned(), (*l).to_owned()))
                .collect();
            for c in &choices {
                if !a.iter().any(|(k, _)| k == c) {
                    a.push((c.clone(), ensemble_domain::labels::option(c)));
                }
            }
            a
        },
        choices: choices.join(", "),
        flash,
        error,
        cal: None,
    }
}

async fn student_page(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let (s, choices) = v.gate(&st.store).student(StudentId(id)).await?;
    let school = s.school;
    let may_share = s.access.sees_profile() || v.principal.is_leader_of(school);
    let mut page = student_page_of(&v, s, choices, q.message(), None);
    if may_share {
        page.cal = Some(
            crate::schedules::calendar::links(
                &st.store,
                v.fresh,
                school,
                crate::schedules::calendar::STUDENT,
                id,
                "Family calendar",
                "A private link for the family: this student's own sessions of the published schedule, with every approved re-plan, and no other student. Give it to the family; revoke it when it should stop.",
            )
            .await?,
        );
    }
    render(&page)
}

#[derive(Deserialize)]
struct ProfileForm {
    interests: String,
    strengths: String,
    /// Absent: the choices stay as they are.
    #[serde(default)]
    choices: Option<String>,
    /// The page's three ranked choices (first, second, third), each an activity or empty.
    #[serde(default)]
    choice1: Option<String>,
    #[serde(default)]
    choice2: Option<String>,
    #[serde(default)]
    choice3: Option<String>,
}

/// Ranked choices typed as a comma-separated list: codes, each once, at most 20.
fn parse_choices<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Vec<String>, ParseError> {
    let list = items
        .into_iter()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| ensemble_domain::educator::parse_code("choices", c))
        .collect::<Result<Vec<String>, _>>()?;
    let distinct: std::collections::BTreeSet<&String> = list.iter().collect();
    if distinct.len() != list.len() || list.len() > 20 {
        return Err(ParseError::new(
            "choices",
            &list.join(","),
            "must be at most 20 different options, each listed once",
        ));
    }
    Ok(list)
}

async fn profile_form(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form: f }: CsrfForm<ProfileForm>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let parsed = StudentProfile::parse_list("interests", &f.interests).and_then(|interests| {
        Ok(StudentProfile {
            interests,
            strengths: StudentProfile::parse_list("strengths", &f.strengths)?,
        })
    });
    let ranked: Vec<&str> = [&f.choice1, &f.choice2, &f.choice3]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let choices = if f.choice1.is_some() || f.choice2.is_some() || f.choice3.is_some() {
        Some(parse_choices(ranked)).transpose()
    } else {
        f.choices
            .as_deref()
            .map(|raw| parse_choices(raw.split(',')))
            .transpose()
    };
    match parsed.and_then(|p| choices.map(|c| (p, c))) {
        Ok((profile, choices)) => {
            gate.update_profile(StudentId(id), &profile, choices.as_deref())
                .await?;
            Ok(Redirect::to(&format!("/students/{id}?msg=Profile+saved")).into_response())
        }
        Err(e) => {
            // Show the form again with what was typed and what is wrong; nothing was saved.
            let (s, choices) = gate.student(StudentId(id)).await?;
            let mut page = student_page_of(
                &v,
                s,
                choices,
                None,
                Some(format!("Nothing was saved: {e}")),
            );
            page.interests = f.interests;
            page.strengths = f.strengths;
            page.choices = f.choices.unwrap_or_default();
            page.ranked = [f.choice1, f.choice2, f.choice3].map(Option::unwrap_or_default);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
    }
}

/// A core team's roster on "My students".
struct TeamStudents {
    id: i64,
    name: String,
    students: Vec<StudentRecord>,
}

/// A student the reader serves, with what they give them.
struct ServedRow {
    s: StudentRecord,
    /// "Special education · 45 min a week".
    services: Vec<String>,
}

#[derive(Template)]
#[template(path = "my_students.html")]
struct MyStudentsPage {
    nav: Nav,
    teams: Vec<TeamStudents>,
    served: Vec<ServedRow>,
    unreadable: Option<String>,
}

/// Every educator's students: the shared roster of their core team(s), and the students they
/// serve with the service, its weekly minutes from the district's catalog, and when.
async fn my_students_page(State(st): State<AppState>, v: Viewer) -> PageResult {
    let gate = v.gate(&st.store);
    let mut unreadable = Vec::new();
    let mut teams = Vec::new();
    for t in &v.principal.core_teams {
        let team = gate.team(*t).await?;
        if let Some((_, students)) = gate.roster_of(&team, false).await? {
            unreadable.extend(students.unreadable);
            teams.push(TeamStudents {
                id: t.0,
                name: team.team.name.clone(),
                students: students.rows,
            });
        }
    }
    let (served, services) = gate.served_with_services().await?;
    unreadable.extend(served.unreadable);
    let catalog = match v.principal.school {
        Some(s) => {
            crate::staffing::district_settings(&gate, s)
                .await?
                .0
                .catalog
        }
        None => ensemble_staffing::catalog::Catalog::default_catalog(),
    };
    let served = served
        .rows
        .into_iter()
        .map(|s| {
            let services = services
                .get(&s.id)
                .map(|codes| {
                    codes
                        .iter()
                        .map(|c| {
                            let (label, minutes) =
                                catalog.services.iter().find(|d| &d.code == c).map_or_else(
                                    || (ensemble_domain::labels::service(c), None),
                                    |d| (d.label.clone(), Some(d.minutes_per_student)),
                                );
                            match minutes {
                                Some(m) => format!("{label} · {m} min a week"),
                                None => label,
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            ServedRow { s, services }
        })
        .collect();
    render(&MyStudentsPage {
        nav: Nav::of(&v),
        teams,
        served,
        unreadable: unreadable_note(&unreadable),
    })
}

// ----- API -----

#[derive(Serialize, ToSchema)]
pub struct TeamRefDto {
    id: i64,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProfileDto {
    interests: Vec<String>,
    strengths: Vec<String>,
}

/// Sensitive needs; each field is present only when the caller's access includes its kind.
#[derive(Serialize, ToSchema)]
pub struct NeedsDto {
    /// Kind `plans`.
    iep: Option<bool>,
    /// Kind `plans`.
    plan_504: Option<bool>,
    /// Kind `accommodations`.
    accommodations: Option<Vec<String>>,
    /// Kind `english_learning`.
    english_learner: Option<bool>,
    /// Kind `english_learning`: 1–6.
    ell_proficiency: Option<u8>,
    /// Kind `english_learning`.
    home_language: Option<String>,
    /// Kind `health`.
    health: Option<String>,
    /// Kind `services`: what the plan requires.
    services: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
pub struct DemographicsDto {
    birth_date: Option<String>,
    gender: Option<String>,
    race_ethnicity: Option<String>,
    home_language: Option<String>,
    free_reduced_lunch: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceDto {
    educator_id: i64,
    educator_name: String,
    service: String,
}

/// A student as the caller may see them: fields the caller's access does not include are
/// absent (`null`).
#[derive(Serialize, ToSchema)]
pub struct StudentDto {
    id: i64,
    sourced_id: String,
    given_name: String,
    family_name: String,
    /// The core team whose roster holds the student this term.
    team: Option<TeamRefDto>,
    /// `directory` (names and team), `profile` (the profile and the sensitive kinds listed in
    /// `sensitive`) or `full`.
    access: String,
    /// The sensitive kinds the caller sees: `plans`, `accommodations`, `english_learning`,
    /// `health`, `demographics`, `services`.
    sensitive: Vec<String>,
    grade: Option<i64>,
    profile: Option<ProfileDto>,
    needs: Option<NeedsDto>,
    /// Kind `demographics`.
    demographics: Option<DemographicsDto>,
    /// Kind `services`: who serves the student, for what.
    served_by: Option<Vec<ServiceDto>>,
    /// Ranked choices among the team's activities (with the profile).
    choices: Option<Vec<String>>,
}

impl From<&StudentRecord> for StudentDto {
    fn from(s: &StudentRecord) -> Self {
        Self {
            id: s.id.0,
            sourced_id: s.sourced_id.clone(),
            given_name: s.given_name.clone(),
            family_name: s.family_name.clone(),
            team: s.core_team.as_ref().map(|(id, name)| TeamRefDto {
                id: id.0,
                name: name.clone(),
            }),
            access: s.access.as_str().into(),
            sensitive: s
                .access
                .sensitive()
                .iter()
                .map(|k| Sensitive::as_str(k).to_owned())
                .collect(),
            grade: s.grade.map(i64::from),
            profile: s.profile.as_ref().map(|p| ProfileDto {
                interests: p.interests.clone(),
                strengths: p.strengths.clone(),
            }),
            needs: s.needs.as_ref().map(|n| NeedsDto {
                iep: n.iep,
                plan_504: n.plan_504,
                accommodations: n.accommodations.clone(),
                english_learner: n.english_learner,
                ell_proficiency: n.ell_proficiency,
                home_language: n.home_language.clone(),
                health: n.health.clone().flatten(),
                services: n.services.clone(),
            }),
            demographics: s.demographics.as_ref().map(|d| DemographicsDto {
                birth_date: d.birth_date.clone(),
                gender: d.gender.clone(),
                race_ethnicity: d.race_ethnicity.clone(),
                home_language: d.home_language.clone(),
                free_reduced_lunch: d.free_reduced_lunch,
            }),
            served_by: s.served_by.as_ref().map(|v| {
                v.iter()
                    .map(|(id, name, service)| ServiceDto {
                        educator_id: id.0,
                        educator_name: name.clone(),
                        service: service.clone(),
                    })
                    .collect()
            }),
            choices: None,
        }
    }
}

/// Text without control characters (`char::is_control`), as a JSON-schema pattern.
pub(crate) const NO_CONTROL: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";

/// Interests or strengths: at most 20 entries of up to 60 characters without control
/// characters (blank entries are dropped, repeats kept once).
fn profile_items() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(60))
                .pattern(Some(NO_CONTROL)),
        )
        .max_items(Some(20))
        .build()
}

/// Ranked choices among the team's activities (option codes of 1–64 lower-case letters,
/// digits or underscores), first choice first, each once; absent or null: unchanged.
fn choice_items() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[a-z0-9_]{1,64}$")),
        )
        .max_items(Some(20))
        .unique_items(true)
        .build()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileRequest {
    #[schema(schema_with = profile_items)]
    interests: Vec<String>,
    #[schema(schema_with = profile_items)]
    strengths: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = choice_items)]
    choices: Option<Vec<String>>,
}

/// Checks what the schema states of a list of items, on the items as sent (before trimming).
fn check_items(field: &str, items: &[String]) -> Result<(), AppError> {
    if items.len() > 20 {
        return Err(AppError::BadRequest(format!("{field}: at most 20 entries")));
    }
    for i in items {
        if i.chars().count() > 60 || i.chars().any(char::is_control) {
            return Err(AppError::BadRequest(format!(
                "{field}: each entry at most 60 characters, without control characters"
            )));
        }
    }
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct StudentsDto {
    students: Vec<StudentDto>,
    /// Stored records that could not be read and are left out.
    unreadable: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportedDto {
    imported: usize,
    students: usize,
}

/// One student, as much as the caller may see.
#[utoipa::path(get, path = "/api/v1/students/{id}", tag = "students", security(("bearer" = [])), params(("id" = i64, Path, description = "student id")),
    responses((status = 200, body = StudentDto), (status = 404, description = "No such student, or not one the caller may see (the two are not told apart)", body = ErrorBody)))]
pub async fn student(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StudentDto> {
    let (s, choices) = Gate::at(&st.store, &p, fresh)
        .student(StudentId(id))
        .await?;
    let mut dto = StudentDto::from(&s);
    dto.choices = s.access.sees_profile().then_some(choices);
    Ok(Json(dto))
}

/// Replaces a student's interests, strengths and (when given) ranked choices, together.
#[utoipa::path(patch, path = "/api/v1/students/{id}/profile", tag = "students", security(("bearer" = [])), params(("id" = i64, Path, description = "student id")),
    request_body = ProfileRequest,
    responses((status = 200, body = StudentDto), (status = 404, description = "No such student, or one the caller may not change", body = ErrorBody)))]
pub async fn update_profile(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ProfileRequest>,
) -> ApiResult<StudentDto> {
    let bad = |e: ParseError| ApiError(AppError::BadRequest(e.to_string()));
    check_items("interests", &req.interests)?;
    check_items("strengths", &req.strengths)?;
    // Choices as sent: each a code, none blank (the form's comma lists drop blanks; JSON
    // lists do not have them).
    if let Some(c) = &req.choices {
        if c.iter()
            .any(|x| ensemble_domain::educator::parse_code("choices", x).is_err())
        {
            return Err(AppError::BadRequest(
                "choices: each must be 1–64 lower-case letters, digits or underscores".into(),
            )
            .into());
        }
    }
    let profile = StudentProfile {
        interests: StudentProfile::parse_items(
            "interests",
            req.interests.iter().map(String::as_str),
        )
        .map_err(bad)?,
        strengths: StudentProfile::parse_items(
            "strengths",
            req.strengths.iter().map(String::as_str),
        )
        .map_err(bad)?,
    };
    let choices = req
        .choices
        .as_ref()
        .map(|c| parse_choices(c.iter().map(String::as_str)))
        .transpose()
        .map_err(bad)?;
    let gate = Gate::at(&st.store, &p, fresh);
    gate.update_profile(StudentId(id), &profile, choices.as_deref())
        .await?;
    let (s, choices) = gate.student(StudentId(id)).await?;
    let mut dto = StudentDto::from(&s);
    dto.choices = Some(choices);
    Ok(Json(dto))
}

/// The students the caller serves this term (extended-team members), as the caller may see
/// them.
#[utoipa::path(get, path = "/api/v1/my-students", tag = "students", security(("bearer" = [])),
    responses((status = 200, body = StudentsDto)))]
pub async fn my_students(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
) -> ApiResult<StudentsDto> {
    let loaded = Gate::at(&st.store, &p, fresh).served().await?;
    Ok(Json(StudentsDto {
        students: loaded.rows.iter().map(StudentDto::from).collect(),
        unreadable: loaded.unreadable.iter().map(|u| u.to_string()).collect(),
    }))
}

/// The most results one import may hold.
const MAX_IMPORT_ROWS: usize = 50_000;
/// The largest CSV file one import may send.
const MAX_IMPORT_BYTES: usize = 8 << 20;

/// Imports formative assessment results from CSV (`student_id, skill, date, score and/or
/// mastery_level, source`): school leaders for their school's students, core-team members for
/// their roster's. All or nothing: a bad row, or a student the caller may not import for
/// (answered like a missing one), names the line and field and imports nothing.
#[utoipa::path(post, path = "/api/v1/assessments", tag = "students", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    responses((status = 201, body = ImportedDto), (status = 422, description = "A bad row, named by line and field; nothing was imported", body = ErrorBody)))]
pub async fn import_assessments(
    State(st): State<AppState>,
    ApiCaller(p, fresh): ApiCaller,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<ImportedDto>), ApiError> {
    let body = body.map_err(|r| AppError::rejection(r.status(), r.body_text()))?;
    let csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/csv"));
    if !csv {
        return Err(AppError::Status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the results as `Content-Type: text/csv`.".into(),
        )
        .into());
    }
    let file = "the uploaded file";
    let rows = ensemble_grouping::assessments::read(file, &body)
        .map_err(|e| AppError::Unprocessable(format!("Nothing was imported: {e}")))?;
    if rows.is_empty() || rows.len() > MAX_IMPORT_ROWS {
        return Err(AppError::Unprocessable(format!(
            "Nothing was imported: the file must hold 1 to {MAX_IMPORT_ROWS} results."
        ))
        .into());
    }
    let gate = Gate::at(&st.store, &p, fresh);
    // Each student is decided before anything is written; a refused one answers like a
    // missing one.
    let mut decided: BTreeMap<&str, Option<SchoolId>> = BTreeMap::new();
    for r in &rows {
        if !decided.contains_key(r.student.as_str()) {
            let facts = st
                .store
                .student_facts_by_sourced(None, &r.student, p.educator)
                .await?;
            let allowed = facts
                .filter(|f| access::may_import_results(&p, f))
                .map(|f| f.school);
            decided.insert(&r.student, allowed);
        }
        if decided.get(r.student.as_str()).copied().flatten().is_none() {
            let e = gate
                .entry(actions::ASSESSMENTS_IMPORT, "file", None)
                .outcome(AuditOutcome::Denied)
                .detail(format!(
                    "line {}: student {} not found or not the caller's",
                    r.line, r.student
                ));
            gate.log(e).await?;
            return Err(AppError::Unprocessable(format!(
                "Nothing was imported: {file}, line {}, field student_id: no student {:?} that you may import results for",
                r.line, r.student
            ))
            .into());
        }
    }
    let school = decided.values().copied().flatten().next();
    let n_students = decided.len();
    let new: Vec<NewAssessment> = rows
        .into_iter()
        .map(|r| NewAssessment {
            line: r.line,
            mastery: r.mastery(),
            score_hundredths: r.score_hundredths(),
            student: r.student,
            skill: r.skill,
            date: r.date,
            mastery_level: r.mastery_level,
            source: r.source,
        })
        .collect();
    let mut entry = gate
        .entry(actions::ASSESSMENTS_IMPORT, "file", None)
        .detail(format!(
            "{} results for {n_students} students through the API",
            new.len()
        ));
    if let Some(s) = school {
        entry = entry.school(s);
    }
    let n = match st.store.import_assessments(file, &new, Some(&entry)).await {
        Ok(n) => n,
        Err(e) => return Err(gate.failed(entry, e.into()).await.into()),
    };
    Ok((
        StatusCode::CREATED,
        Json(ImportedDto {
            imported: n,
            students: n_students,
        }),
    ))
}
