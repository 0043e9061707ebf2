//! Micro-credentials, pages and API: the district's catalog (district leaders add to it), an
//! educator's evidence, the assessor's decision against the rubric, and the signed Open Badges
//! 3.0 credentials earned. Who may assess a submission: a leader of the submitter's school, or
//! an educator of that school holding the competency at the catalog's assessor level — never the
//! submitter. Anyone else finds the submission missing. No student data is read here.

use crate::api::{ApiJson, ApiPath, ApiResult, CreatedDto, ErrorBody};
use crate::auth::{ApiCaller, Viewer};
use crate::error::{AppError, PageError};
use crate::routes::Routes;
use crate::web::{flash_url, render, CsrfForm, FlashQuery, LocalTime, Nav, PagePath, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::Json;
use ensemble_domain::access::{Principal, SystemRole};
use ensemble_domain::credential::{Criterion, MicroCredential, SubmissionStatus, MAX_CRITERIA};
use ensemble_domain::*;
use ensemble_store::{
    actions, Actor, CatalogRow, Decision, EducatorDetail, IssuedRow, Store, SubmissionRow,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// At most this many links with one submission.
const MAX_LINKS: usize = 10;

pub fn router() -> Routes {
    Routes::new()
        .get("/credentials", catalog_page)
        .post("/credentials", add_page)
        .post("/credentials/{id}/evidence", submit_page)
        .get("/credentials/review", review_page)
        .get("/submissions/{id}", submission_page)
        .post("/submissions/{id}/decision", decide_page)
        .get("/educators/{id}/credentials/{cid}", download)
}

pub fn api() -> Routes {
    Routes::new()
        .get("/credentials", catalog_api)
        .post("/credentials", add_api)
        .post("/credentials/{id}/submissions", submit_api)
        .get("/submissions", submissions_api)
        .get("/submissions/{id}", submission_api)
        .post("/submissions/{id}/decision", decide_api)
        .get("/educators/{id}/credentials", issued_api)
}

/// What a reader brings to the catalog: their district, and the competencies they hold.
struct Reader<'a> {
    p: &'a Principal,
    district: i64,
    district_name: String,
    held: Vec<Competency>,
}

impl Reader<'_> {
    fn held(&self, code: &str) -> Option<Level> {
        self.held.iter().find(|c| c.code == code).map(|c| c.level)
    }
    /// May assess this submission (see the module's documentation).
    fn may_assess(&self, s: &SubmissionRow, mc: &MicroCredential) -> bool {
        self.p.educator != Some(s.educator)
            && (self.p.is_leader_of(s.school)
                || (self.p.educator.is_some()
                    && self.p.school == Some(s.school)
                    && mc.may_assess(self.held(&mc.competency))))
    }
    fn may_see(&self, s: &SubmissionRow, mc: &MicroCredential) -> bool {
        self.p.educator == Some(s.educator) || self.may_assess(s, mc)
    }
}

async fn reader<'a>(store: &Store, p: &'a Principal) -> Result<Reader<'a>, AppError> {
    let (district, district_name) = store
        .district_for(p.school)
        .await?
        .ok_or_else(|| AppError::NotFound("No district is set up yet.".into()))?;
    let held = match p.educator {
        Some(e) => store
            .educator(e)
            .await?
            .map(|d| d.competencies)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(Reader {
        p,
        district,
        district_name,
        held,
    })
}

/// A submission and its catalog entry, if the reader may see it; else "missing".
async fn visible_submission(
    store: &Store,
    r: &Reader<'_>,
    id: i64,
) -> Result<(SubmissionRow, MicroCredential), AppError> {
    let missing = || AppError::NotFound(format!("No submission {id} that you may see."));
    let s = store
        .submission(r.district, id)
        .await?
        .ok_or_else(missing)?;
    let mc = store
        .catalog(r.district)
        .await?
        .into_iter()
        .find(|c| c.id == s.micro_credential)
        .map(|c| c.credential)
        .ok_or_else(missing)?;
    if r.may_see(&s, &mc) {
        Ok((s, mc))
    } else {
        Err(missing())
    }
}

/// Evidence and links as typed on a form or sent as JSON: text of 1–5,000 characters; up to
/// ten web addresses (`http://` or `https://`, up to 500 characters each).
fn checked_evidence(evidence: &str, links: &[String]) -> Result<(String, Vec<String>), AppError> {
    let text = evidence.trim();
    if text.is_empty() || text.chars().count() > 5000 {
        return Err(AppError::Unprocessable(
            "Evidence: describe what you did and what changed, in up to 5,000 characters.".into(),
        ));
    }
    let links: Vec<String> = links
        .iter()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    if links.len() > MAX_LINKS {
        return Err(AppError::Unprocessable(format!(
            "Links: at most {MAX_LINKS}."
        )));
    }
    if let Some(bad) = links.iter().find(|l| {
        !(l.starts_with("https://") || l.starts_with("http://"))
            || l.chars().count() > 500
            || l.chars().any(char::is_whitespace)
    }) {
        return Err(AppError::Unprocessable(format!(
            "Links: “{}” is not a web address (it should start with https://).",
            bad.chars().take(80).collect::<String>()
        )));
    }
    Ok((text.to_owned(), links))
}

/// An educator submits evidence for one entry of their district's catalog.
async fn submit(
    store: &Store,
    p: &Principal,
    id: i64,
    evidence: &str,
    links: &[String],
) -> Result<(i64, String), AppError> {
    let r = reader(store, p).await?;
    let name = store
        .catalog(r.district)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .map(|c| c.credential.name)
        .ok_or_else(|| AppError::NotFound(format!("No micro-credential {id}.")))?;
    let Some(me) = p.educator else {
        return Err(AppError::Unprocessable(
            "Only educators submit evidence for a micro-credential.".into(),
        ));
    };
    let (text, links) = checked_evidence(evidence, links)?;
    let entry = Actor::of(p)
        .entry(actions::CREDENTIAL_SUBMIT, "credential_submission", None)
        .detail(format!("evidence for {name}"));
    let sid = store.submit_evidence(id, me, &text, &links, &entry).await?;
    Ok((sid, name))
}

/// An assessor decides: scores 1–4 per criterion; accept, or return with feedback.
async fn decide(
    store: &Store,
    p: &Principal,
    id: i64,
    scores: &[i64],
    accept: bool,
    feedback: &str,
) -> Result<(Decision, SubmissionRow, MicroCredential), AppError> {
    let r = reader(store, p).await?;
    let (s, mc) = visible_submission(store, &r, id).await?;
    if !r.may_assess(&s, &mc) {
        return Err(AppError::Unprocessable(
            "Nobody assesses their own evidence: another assessor decides it.".into(),
        ));
    }
    if feedback.chars().count() > 5000 {
        return Err(AppError::Unprocessable(
            "Feedback: up to 5,000 characters.".into(),
        ));
    }
    let scores = scores
        .iter()
        .map(|n| Level::new(*n))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| AppError::Unprocessable("Scores: each is 1 to 4.".into()))?;
    let entry = Actor::of(p).entry(
        actions::CREDENTIAL_DECIDE,
        "credential_submission",
        Some(id),
    );
    let d = store
        .decide_submission(id, p.user, p.educator, &scores, accept, feedback, &entry)
        .await
        .map_err(|e| match e {
            // The rubric's and the status's refusals are sentences for the assessor.
            ensemble_store::StoreError::Conflict(m) if !m.contains("already decided") => {
                AppError::Unprocessable(upper_first(&m))
            }
            e => e.into(),
        })?;
    Ok((d, s, mc))
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect::<String>() + ".",
        None => String::new(),
    }
}

/// A district leader adds an entry to the catalog.
async fn add(store: &Store, p: &Principal, mc: MicroCredential) -> Result<i64, AppError> {
    let r = reader(store, p).await?;
    if p.system_role != SystemRole::SystemAdmin {
        return Err(AppError::NotFound("No catalog that you may change.".into()));
    }
    let mc = mc.checked().map_err(|e| {
        AppError::Unprocessable(format!("{}: {} (“{}”).", e.field, e.problem, e.value))
    })?;
    if store
        .catalog(r.district)
        .await?
        .iter()
        .any(|c| c.credential.code == mc.code)
    {
        return Err(AppError::Conflict(format!(
            "The catalog already has a micro-credential coded “{}”.",
            mc.code
        )));
    }
    let entry = Actor::of(p)
        .entry(actions::CREDENTIAL_CATALOG, "micro_credential", None)
        .detail(format!("added {}", mc.name));
    Ok(store.save_micro_credential(r.district, &mc, &entry).await?)
}

/// The educator's credentials, for themself and their school's leaders; else "missing".
async fn issued_of(
    store: &Store,
    p: &Principal,
    educator: i64,
) -> Result<(EducatorDetail, Vec<IssuedRow>), AppError> {
    let missing = || AppError::NotFound(format!("No educator {educator} that you may see."));
    let e = store
        .educator(EducatorId(educator))
        .await?
        .ok_or_else(missing)?;
    if p.educator != Some(e.id) && !p.is_leader_of(e.school) {
        return Err(missing());
    }
    let issued = store.issued_credentials(e.id).await?;
    Ok((e, issued))
}

// ---------------------------------------------------------------- pages

struct EntryView {
    id: i64,
    c: MicroCredential,
    competency: String,
    /// The reader's own standing: "Earned", "Waiting for review", "Returned: …", or empty.
    mine: Option<SubmissionRow>,
    earned: bool,
}

impl EntryView {
    fn waiting(&self) -> bool {
        self.mine
            .as_ref()
            .is_some_and(|s| s.status == SubmissionStatus::Submitted)
    }
}

struct SubmissionView {
    id: i64,
    name: String,
    educator_name: String,
    status: String,
    at: LocalTime,
    feedback: Option<String>,
}

fn submission_view(s: &SubmissionRow) -> SubmissionView {
    SubmissionView {
        id: s.id,
        name: s.name.clone(),
        educator_name: s.educator_name.clone(),
        status: s.status.label().to_owned(),
        at: LocalTime::of_ms(s.decided_at.unwrap_or(s.submitted_at)),
        feedback: s.feedback.clone().filter(|f| !f.is_empty()),
    }
}

#[derive(Template)]
#[template(path = "credentials.html")]
struct CatalogPage {
    nav: Nav,
    district_name: String,
    entries: Vec<EntryView>,
    /// Submissions waiting that the reader may assess.
    to_review: usize,
    /// The reader's own submissions, newest first.
    mine: Vec<SubmissionView>,
    /// The reader's earned credentials (id, name, issued).
    earned: Vec<(i64, String, LocalTime)>,
    educator: Option<i64>,
    may_add: bool,
    competencies: Vec<(&'static str, &'static str)>,
    flash: Option<String>,
    error: Option<String>,
}

async fn catalog_view(
    st: &AppState,
    v: &Viewer,
    flash: Option<String>,
    error: Option<String>,
) -> Result<CatalogPage, AppError> {
    let r = reader(&st.store, &v.principal).await?;
    let catalog = st.store.catalog(r.district).await?;
    let all = st.store.submissions(r.district, None).await?;
    let by_id = |id: i64| catalog.iter().find(|c| c.id == id).map(|c| &c.credential);
    let to_review = all
        .iter()
        .filter(|s| s.status == SubmissionStatus::Submitted)
        .filter(|s| by_id(s.micro_credential).is_some_and(|mc| r.may_assess(s, mc)))
        .count();
    let mine: Vec<&SubmissionRow> = all
        .iter()
        .filter(|s| Some(s.educator) == v.principal.educator)
        .collect();
    let entries = catalog
        .iter()
        .map(|CatalogRow { id, credential }| {
            // The newest of the reader's submissions for it says where they stand.
            let latest = mine.iter().find(|s| s.micro_credential == *id);
            EntryView {
                id: *id,
                competency: labels::competency(&credential.competency),
                c: credential.clone(),
                earned: mine
                    .iter()
                    .any(|s| s.micro_credential == *id && s.status == SubmissionStatus::Accepted),
                mine: latest.map(|s| (*s).clone()),
            }
        })
        .collect();
    let earned = match v.principal.educator {
        Some(e) => st
            .store
            .issued_credentials(e)
            .await?
            .into_iter()
            .map(|i| (i.id, i.name, LocalTime::of_ms(i.issued_at)))
            .collect(),
        None => Vec::new(),
    };
    Ok(CatalogPage {
        nav: Nav::of(v),
        district_name: r.district_name,
        entries,
        to_review,
        mine: mine.iter().map(|s| submission_view(s)).collect(),
        earned,
        educator: v.principal.educator.map(|e| e.0),
        may_add: v.principal.system_role == SystemRole::SystemAdmin,
        competencies: labels::competencies().to_vec(),
        flash,
        error,
    })
}

async fn catalog_page(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    render(&catalog_view(&st, &v, q.message(), None).await?)
}

/// A refused form: the page again with the reason, answered with the error's status.
async fn again(st: &AppState, v: &Viewer, e: AppError) -> PageResult {
    match e {
        AppError::Unprocessable(m) | AppError::Conflict(m) => {
            // The store's refusals are lower-case clauses; the page shows sentences.
            let m = if m.ends_with('.') { m } else { upper_first(&m) };
            let mut resp = render(&catalog_view(st, v, None, Some(m)).await?)?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        e => Err(PageError(e)),
    }
}

#[derive(Deserialize)]
struct EvidenceForm {
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    links: String,
}

async fn submit_page(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form }: CsrfForm<EvidenceForm>,
) -> PageResult {
    let links: Vec<String> = form.links.lines().map(str::to_owned).collect();
    match submit(&st.store, &v.principal, id, &form.evidence, &links).await {
        Ok((_, name)) => Ok(Redirect::to(&flash_url(
            "/credentials",
            &format!(
                "Your evidence for “{name}” is sent: an assessor reviews it against the rubric."
            ),
        ))
        .into_response()),
        Err(e) => again(&st, &v, e).await,
    }
}

#[derive(Deserialize)]
struct AddForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    competency: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    assessor_level: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    criteria: String,
}

/// A whole number in a range, from a form field, named in the error.
fn form_number(label: &str, raw: &str, lo: i64, hi: i64) -> Result<i64, AppError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (lo..=hi).contains(n))
        .ok_or_else(|| {
            AppError::Unprocessable(format!("{label}: a whole number from {lo} to {hi}."))
        })
}

/// A code for a new entry, from its name and level: "Leading data meetings", 3 →
/// `leading_data_meetings_3`.
fn code_of(name: &str, level: Level) -> String {
    let mut code = String::new();
    for w in name
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !code.is_empty() {
            code.push('_');
        }
        code.push_str(w);
    }
    let code: String = code.chars().take(50).collect();
    format!("{}_{}", code.trim_end_matches('_'), level.get())
}

/// The form's rubric: one criterion per line, "Name: emerging | developing | proficient |
/// expert".
fn criteria_of(text: &str) -> Result<Vec<Criterion>, AppError> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() || lines.len() > MAX_CRITERIA {
        return Err(AppError::Unprocessable(format!(
            "Rubric: 1 to {MAX_CRITERIA} criteria, one per line."
        )));
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let bad = || {
                AppError::Unprocessable(format!(
                    "Rubric, line {}: write “Criterion: emerging | developing | proficient | expert”.",
                    i + 1
                ))
            };
            let (name, rest) = l.split_once(':').ok_or_else(bad)?;
            let levels: Vec<String> = rest.split('|').map(|d| d.trim().to_owned()).collect();
            let levels: [String; 4] = levels.try_into().map_err(|_| bad())?;
            Ok(Criterion {
                name: name.trim().to_owned(),
                levels,
            })
        })
        .collect()
}

fn entry_of(f: &AddForm) -> Result<MicroCredential, AppError> {
    let level = Level::new(form_number("Level", &f.level, 1, 4)?)
        .map_err(|_| AppError::Unprocessable("Level: 1 to 4.".into()))?;
    let assessor_level = Level::new(form_number("Assessor's level", &f.assessor_level, 1, 4)?)
        .map_err(|_| AppError::Unprocessable("Assessor's level: 1 to 4.".into()))?;
    let hours = u16::try_from(form_number("Expected hours", &f.hours, 1, 500)?)
        .map_err(|_| AppError::Unprocessable("Expected hours: 1 to 500.".into()))?;
    if !labels::competencies()
        .iter()
        .any(|(c, _)| *c == f.competency)
    {
        return Err(AppError::Unprocessable(
            "Competency: choose one of the list.".into(),
        ));
    }
    Ok(MicroCredential {
        code: code_of(&f.name, level),
        name: f.name.clone(),
        competency: f.competency.clone(),
        level,
        evidence: f.evidence.clone(),
        rubric: criteria_of(&f.criteria)?,
        assessor_level,
        hours,
    })
}

async fn add_page(
    State(st): State<AppState>,
    CsrfForm { viewer: v, form }: CsrfForm<AddForm>,
) -> PageResult {
    if v.principal.system_role != SystemRole::SystemAdmin {
        return Err(PageError(AppError::NotFound(
            "No catalog that you may change.".into(),
        )));
    }
    let added = match entry_of(&form) {
        Ok(mc) => add(&st.store, &v.principal, mc).await,
        Err(e) => Err(e),
    };
    match added {
        Ok(_) => Ok(Redirect::to(&flash_url(
            "/credentials",
            &format!("Added “{}” to the catalog.", form.name.trim()),
        ))
        .into_response()),
        Err(e) => again(&st, &v, e).await,
    }
}

#[derive(Template)]
#[template(path = "credential_review.html")]
struct ReviewPage {
    nav: Nav,
    waiting: Vec<SubmissionView>,
    decided: Vec<SubmissionView>,
}

async fn review_page(State(st): State<AppState>, v: Viewer) -> PageResult {
    let r = reader(&st.store, &v.principal).await?;
    let catalog = st.store.catalog(r.district).await?;
    let mut waiting = Vec::new();
    let mut decided = Vec::new();
    for s in st.store.submissions(r.district, None).await? {
        let Some(mc) = catalog
            .iter()
            .find(|c| c.id == s.micro_credential)
            .map(|c| &c.credential)
        else {
            continue;
        };
        if !r.may_assess(&s, mc) {
            continue;
        }
        if s.status == SubmissionStatus::Submitted {
            waiting.push(submission_view(&s));
        } else if decided.len() < 20 {
            decided.push(submission_view(&s));
        }
    }
    // Oldest first: the one waiting longest comes first.
    waiting.reverse();
    render(&ReviewPage {
        nav: Nav::of(&v),
        waiting,
        decided,
    })
}

#[derive(Template)]
#[template(path = "submission.html")]
struct SubmissionPage {
    nav: Nav,
    s: SubmissionRow,
    at: LocalTime,
    c: MicroCredential,
    competency: String,
    /// The reader may decide it now.
    decide: bool,
    /// Per criterion: its name, its four descriptions, and the score given (0 for none).
    rows: Vec<(usize, String, [String; 4], u8)>,
    flash: Option<String>,
    error: Option<String>,
}

async fn submission_view_page(
    st: &AppState,
    v: &Viewer,
    id: i64,
    flash: Option<String>,
    error: Option<String>,
) -> Result<SubmissionPage, AppError> {
    let r = reader(&st.store, &v.principal).await?;
    let (s, c) = visible_submission(&st.store, &r, id).await?;
    let decide = s.status == SubmissionStatus::Submitted && r.may_assess(&s, &c);
    let rows = c
        .rubric
        .iter()
        .enumerate()
        .map(|(i, k)| {
            (
                i,
                k.name.clone(),
                k.levels.clone(),
                s.scores.get(i).map_or(0, |l| l.get()),
            )
        })
        .collect();
    Ok(SubmissionPage {
        nav: Nav::of(v),
        at: LocalTime::of_ms(s.submitted_at),
        competency: labels::competency(&c.competency),
        s,
        c,
        decide,
        rows,
        flash,
        error,
    })
}

async fn submission_page(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    render(&submission_view_page(&st, &v, id, q.message(), None).await?)
}

#[derive(Deserialize)]
struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    feedback: String,
    #[serde(default)]
    score_0: String,
    #[serde(default)]
    score_1: String,
    #[serde(default)]
    score_2: String,
    #[serde(default)]
    score_3: String,
    #[serde(default)]
    score_4: String,
    #[serde(default)]
    score_5: String,
    #[serde(default)]
    score_6: String,
    #[serde(default)]
    score_7: String,
}

impl DecideForm {
    /// The scores given, in order, up to the first criterion left unscored (which the store
    /// then refuses as one score short).
    fn scores(&self) -> Result<Vec<i64>, AppError> {
        let all = [
            &self.score_0,
            &self.score_1,
            &self.score_2,
            &self.score_3,
            &self.score_4,
            &self.score_5,
            &self.score_6,
            &self.score_7,
        ];
        all.iter()
            .take_while(|s| !s.trim().is_empty())
            .map(|s| form_number("Score", s, 1, 4))
            .collect()
    }
}

async fn decide_page(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form }: CsrfForm<DecideForm>,
) -> PageResult {
    // Whether the reader may see it comes first: a form about a submission they may not see
    // is answered as for a missing one, whatever it holds.
    let r = reader(&st.store, &v.principal).await?;
    visible_submission(&st.store, &r, id).await?;
    let accept = match form.decision.as_str() {
        "accept" => true,
        "return" => false,
        _ => {
            return Err(PageError(AppError::BadRequest(
                "Choose accept or return.".into(),
            )))
        }
    };
    let done = match form.scores() {
        Ok(scores) => decide(&st.store, &v.principal, id, &scores, accept, &form.feedback).await,
        Err(e) => Err(e),
    };
    match done {
        Ok((d, s, mc)) => {
            let msg = match d {
                Decision::Accepted { level, .. } => format!(
                    "Accepted: {} has earned “{}”, and their {} now stands at {}. The signed credential is on their page.",
                    s.educator_name,
                    mc.name,
                    labels::competency(&mc.competency).to_lowercase(),
                    level.label().to_lowercase()
                ),
                Decision::Returned => format!(
                    "Returned to {} with your feedback: they may submit again.",
                    s.educator_name
                ),
            };
            Ok(Redirect::to(&flash_url(&format!("/submissions/{id}"), &msg)).into_response())
        }
        Err(AppError::Unprocessable(m)) => {
            let mut resp = render(&submission_view_page(&st, &v, id, None, Some(m)).await?)?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(PageError(e)),
    }
}

/// One earned credential as a file: the signed JSON, for the educator and their school's
/// leaders.
async fn download(
    State(st): State<AppState>,
    v: Viewer,
    PagePath((id, cid)): PagePath<(i64, i64)>,
) -> PageResult {
    let (_, issued) = issued_of(&st.store, &v.principal, id).await?;
    let c = issued
        .into_iter()
        .find(|c| c.id == cid)
        .ok_or_else(|| PageError(AppError::NotFound(format!("No credential {cid} here."))))?;
    let body = serde_json::to_string_pretty(&c.credential).map_err(AppError::from)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vc+ld+json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"credential-{cid}.json\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// The earned credentials shown on an educator's page (for themself and their leaders).
pub(crate) async fn earned_on_page(
    store: &Store,
    p: &Principal,
    educator: &EducatorDetail,
) -> Result<Option<Vec<(i64, String, LocalTime)>>, AppError> {
    if p.educator != Some(educator.id) && !p.is_leader_of(educator.school) {
        return Ok(None);
    }
    Ok(Some(
        store
            .issued_credentials(educator.id)
            .await?
            .into_iter()
            .map(|i| (i.id, i.name, LocalTime::of_ms(i.issued_at)))
            .collect(),
    ))
}

// ---------------------------------------------------------------- API

#[derive(Serialize, Deserialize, ToSchema)]
pub struct CriterionDto {
    name: String,
    /// Its description at each level: emerging, developing, proficient, expert.
    levels: [String; 4],
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct MicroCredentialDto {
    /// Lower-case letters, digits and underscores; unique in the district.
    code: String,
    name: String,
    /// The competency it shows.
    competency: String,
    /// The level it shows, 1 (emerging) to 4 (expert).
    level: i64,
    /// What the educator submits.
    evidence: String,
    rubric: Vec<CriterionDto>,
    /// Besides the school's leaders, educators holding the competency at this level may assess.
    assessor_level: i64,
    /// The time it usually takes, 1–500 hours.
    hours: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CatalogEntryDto {
    id: i64,
    #[serde(flatten)]
    credential: MicroCredentialDto,
}

fn dto_of(c: &MicroCredential) -> MicroCredentialDto {
    MicroCredentialDto {
        code: c.code.clone(),
        name: c.name.clone(),
        competency: c.competency.clone(),
        level: i64::from(c.level.get()),
        evidence: c.evidence.clone(),
        rubric: c
            .rubric
            .iter()
            .map(|k| CriterionDto {
                name: k.name.clone(),
                levels: k.levels.clone(),
            })
            .collect(),
        assessor_level: i64::from(c.assessor_level.get()),
        hours: i64::from(c.hours),
    }
}

/// The district's micro-credential catalog (anyone of the district).
#[utoipa::path(get, path = "/api/v1/credentials", tag = "credentials", security(("bearer" = [])),
    responses((status = 200, body = Vec<CatalogEntryDto>)))]
pub async fn catalog_api(
    State(st): State<AppState>,
    ApiCaller(p, _): ApiCaller,
) -> ApiResult<Vec<CatalogEntryDto>> {
    let r = reader(&st.store, &p).await?;
    Ok(Json(
        st.store
            .catalog(r.district)
            .await?
            .iter()
            .map(|c| CatalogEntryDto {
                id: c.id,
                credential: dto_of(&c.credential),
            })
            .collect(),
    ))
}

/// Adds a micro-credential to the district's catalog (district leaders).
#[utoipa::path(post, path = "/api/v1/credentials", tag = "credentials", security(("bearer" = [])),
    request_body = MicroCredentialDto,
    responses((status = 200, body = CreatedDto), (status = 404, body = ErrorBody)))]
pub async fn add_api(
    State(st): State<AppState>,
    ApiCaller(p, _): ApiCaller,
    ApiJson(b): ApiJson<MicroCredentialDto>,
) -> ApiResult<CreatedDto> {
    let level = |label: &str, n: i64| {
        Level::new(n).map_err(|_| AppError::Unprocessable(format!("{label}: 1 to 4.")))
    };
    let mc = MicroCredential {
        code: b.code,
        name: b.name,
        competency: b.competency,
        level: level("level", b.level)?,
        evidence: b.evidence,
        rubric: b
            .rubric
            .into_iter()
            .map(|k| Criterion {
                name: k.name,
                levels: k.levels,
            })
            .collect(),
        assessor_level: level("assessor_level", b.assessor_level)?,
        hours: u16::try_from(b.hours)
            .map_err(|_| AppError::Unprocessable("hours: 1 to 500.".into()))?,
    };
    Ok(Json(CreatedDto {
        id: add(&st.store, &p, mc).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct EvidenceDto {
    /// What the educator did and what changed, 1–5,000 characters.
    evidence: String,
    /// Up to ten web addresses.
    #[serde(default)]
    links: Vec<String>,
}

/// Submits evidence for a micro-credential (the signed-in educator).
#[utoipa::path(post, path = "/api/v1/credentials/{id}/submissions", tag = "credentials", security(("bearer" = [])),
    params(("id" = i64, Path, description = "micro-credential id")), request_body = EvidenceDto,
    responses((status = 200, body = CreatedDto)))]
pub async fn submit_api(
    State(st): State<AppState>,
    ApiCaller(p, _): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<EvidenceDto>,
) -> ApiResult<CreatedDto> {
    let (sid, _) = submit(&st.store, &p, id, &b.evidence, &b.links).await?;
    Ok(Json(CreatedDto { id: sid }))
}

#[derive(Serialize, ToSchema)]
pub struct SubmissionDto {
    id: i64,
    micro_credential_id: i64,
    micro_credential: String,
    educator_id: i64,
    educator: String,
    /// `submitted`, `returned` or `accepted`.
    status: String,
    evidence: String,
    links: Vec<String>,
    /// RFC 3339.
    submitted_at: String,
    /// The assessor's score per criterion, 1–4.
    scores: Vec<i64>,
    feedback: Option<String>,
    decided_at: Option<String>,
}

fn submission_dto(s: &SubmissionRow) -> SubmissionDto {
    SubmissionDto {
        id: s.id,
        micro_credential_id: s.micro_credential,
        micro_credential: s.name.clone(),
        educator_id: s.educator.0,
        educator: s.educator_name.clone(),
        status: s.status.as_str().into(),
        evidence: s.evidence.clone(),
        links: s.links.clone(),
        submitted_at: crate::web::rfc3339(s.submitted_at),
        scores: s.scores.iter().map(|l| i64::from(l.get())).collect(),
        feedback: s.feedback.clone(),
        decided_at: s.decided_at.map(crate::web::rfc3339),
    }
}

/// The caller's own submissions and those they may assess, newest first.
#[utoipa::path(get, path = "/api/v1/submissions", tag = "credentials", security(("bearer" = [])),
    responses((status = 200, body = Vec<SubmissionDto>)))]
pub async fn submissions_api(
    State(st): State<AppState>,
    ApiCaller(p, _): ApiCaller,
) -> ApiResult<Vec<SubmissionDto>> {
    let r = reader(&st.store, &p).await?;
    let catalog = st.store.catalog(r.district).await?;
    Ok(Json(
        st.store
            .submissions(r.district, None)
            .await?
            .iter()
            .filter(|s| {
                catalog
                    .iter()
                    .find(|c| c.id == s.micro_credential)
                    .is_some_and(|c| r.may_see(s, &c.credential))
            })
            .map(submission_dto)
            .collect(),
    ))
}

/// One submission (its educator, or one who may assess it).
#[utoipa::path(get, path = "/api/v1/submissions/{id}", tag = "credentials", security(("bearer" = [])),
    params(("id" = i64, Path, description = "submission id")),
    responses((status = 200, body = SubmissionDto)))]
pub async fn submission_api(
    State(st): State<AppState>,
    ApiCaller(p, _): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<SubmissionDto> {
    let r = reader(&st.store, &p).await?;
    let (s, _) = visible_submission(&st.store, &r, id).await?;
    Ok(Json(submission_dto(&s)))
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionDto {
    /// One score per criterion of the rubric, in order, 1–4.
    scores: Vec<i64>,
    /// Accept (every score at the credential's level) or return.
    accept: bool,
    /// Needed to return it.
    #[serde(default)]
    feedback: String,
}

#[derive(Serialize, ToSchema)]
pub struct DecisionResultDto {
    /// `accepted` or `returned`.
    status: String,
    /// The issued credential (when accepted).
    credential_id: Option<i64>,
    /// The competency's level now (when accepted).
    level: Option<i64>,
}

/// Decides a submission waiting for review.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/decision", tag = "credentials", security(("bearer" = [])),
    params(("id" = i64, Path, description = "submission id")), request_body = DecisionDto,
    responses((status = 200, body = DecisionResultDto)))]
pub async fn decide_api(
    State(st): State<AppState>,
    ApiCaller(p, _): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<DecisionDto>,
) -> ApiResult<DecisionResultDto> {
    if b.scores.len() > MAX_CRITERIA {
        return Err(AppError::Unprocessable("scores: one per criterion.".into()).into());
    }
    let (d, _, _) = decide(&st.store, &p, id, &b.scores, b.accept, &b.feedback).await?;
    Ok(Json(match d {
        Decision::Accepted { level, credential } => DecisionResultDto {
            status: "accepted".into(),
            credential_id: Some(credential),
            level: Some(i64::from(level.get())),
        },
        Decision::Returned => DecisionResultDto {
            status: "returned".into(),
            credential_id: None,
            level: None,
        },
    }))
}

/// An educator's earned credentials, each the signed Open Badges 3.0 JSON (the educator and
/// their school's leaders).
#[utoipa::path(get, path = "/api/v1/educators/{id}/credentials", tag = "credentials", security(("bearer" = [])),
    params(("id" = i64, Path, description = "educator id")),
    responses((status = 200, body = Vec<Object>)))]
pub async fn issued_api(
    State(st): State<AppState>,
    ApiCaller(p, _): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Vec<serde_json::Value>> {
    let (_, issued) = issued_of(&st.store, &p, id).await?;
    Ok(Json(issued.into_iter().map(|c| c.credential).collect()))
}
