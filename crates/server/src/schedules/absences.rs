//! Absences: an educator, their team lead or a school leader records one; Ensemble re-plans
//! the day inside the team and shows its disruption beside a substitute-only baseline; a team
//! lead or leader approves it, and the changed day reaches every affected educator's page and
//! calendar. The reason's category is shown to leaders only.

use super::{parse_doc, prepare_absence, record_prepared, NewAbsence, REASONS};
use crate::auth::Viewer;
use crate::error::{AppError, PageError};
use crate::routes::Routes;
use crate::web::{flash_url, render, CsrfForm, LocalTime, Nav, PagePath, PageResult};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use ensemble_domain::access::{may_approve_replan, may_record_absence, may_see_absence_reason};
use ensemble_domain::*;
use ensemble_schedule::absence::{Replan, SUBSTITUTE};
use ensemble_schedule::{Doc, Session};
use ensemble_store::{actions, AbsenceRow, AuditOutcome};
use serde::Deserialize;

pub fn router() -> Routes {
    Routes::new()
        .get("/schools/{id}/absences", list)
        .post("/schools/{id}/absences", record)
        .get("/schools/{id}/absences/{absence}", one)
        .post("/schools/{id}/absences/{absence}/approve", approve)
}

struct Row {
    id: i64,
    date: String,
    educator: String,
    when: String,
    planned: bool,
    reason: Option<String>,
    status: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "absences.html")]
struct ListPage {
    nav: Nav,
    school_id: i64,
    school_name: String,
    msg: Option<String>,
    error: Option<String>,
    /// Who the viewer may record an absence for: (id, name, selected).
    people: Vec<(i64, String, bool)>,
    periods: Vec<(usize, String)>,
    reasons: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    leader: bool,
    date: String,
}

/// What the viewer may do with absences of a school: (leader, own educator id).
fn viewer_in(v: &Viewer, school: SchoolId) -> Result<(bool, Option<EducatorId>), AppError> {
    let p = &v.principal;
    if p.is_leader_of(school) {
        return Ok((true, p.educator));
    }
    if p.belongs_to(school) && p.educator.is_some() {
        return Ok((false, p.educator));
    }
    Err(AppError::NotFound(format!(
        "No school {} that you may see.",
        school.0
    )))
}

/// Whether the viewer may see this absence: their own, one of a teammate they lead, or any
/// as a leader.
async fn may_see(
    st: &AppState,
    v: &Viewer,
    school: SchoolId,
    a: &AbsenceRow,
) -> Result<(bool, bool), AppError> {
    let p = &v.principal;
    let leads = match p.educator {
        Some(me) if me != a.educator => st.store.leads_team_of(me, a.educator).await?,
        _ => false,
    };
    let sees = p.is_leader_of(school) || p.educator == Some(a.educator) || leads;
    Ok((sees, may_approve_replan(p, school, leads)))
}

fn when_words(doc_periods: &[String], periods: &Option<Vec<usize>>) -> String {
    match periods {
        None => "Whole day".into(),
        Some(ps) => crate::staffing::join_words(
            &ps.iter()
                .map(|p| {
                    doc_periods
                        .get(*p)
                        .cloned()
                        .unwrap_or_else(|| format!("Period {}", p + 1))
                })
                .collect::<Vec<_>>(),
        ),
    }
}

fn reason_words(code: &str) -> String {
    REASONS
        .iter()
        .find(|(k, _)| *k == code)
        .map_or_else(|| code.to_owned(), |(_, w)| (*w).to_owned())
}

fn status_words(r: &AbsenceRow) -> String {
    match (r.status.as_str(), &r.approved_by) {
        ("approved", Some(by)) => format!("Re-plan approved by {by}"),
        ("approved", None) => "Re-plan approved".into(),
        _ => "Re-plan proposed".into(),
    }
}

fn summary(r: &Replan) -> String {
    format!(
        "{:.1} substitute hours (a substitute alone: {:.1}); {} students with an adult they do not know (a substitute alone: {})",
        r.replan.substitute_hours,
        r.baseline.substitute_hours,
        r.replan.students_unfamiliar_adult,
        r.baseline.students_unfamiliar_adult
    )
}

#[derive(Deserialize)]
struct ListQuery {
    msg: Option<String>,
}

async fn list(
    State(st): State<AppState>,
    v: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    list_page(&st, &v, SchoolId(id), q.msg, None, None).await
}

async fn list_page(
    st: &AppState,
    v: &Viewer,
    school: SchoolId,
    msg: Option<String>,
    error: Option<String>,
    asked: Option<&RecordForm>,
) -> PageResult {
    let (leader, me) = viewer_in(v, school)?;
    let Some(row) = st.store.school(school).await? else {
        return Err(PageError::from(AppError::NotFound(format!(
            "No school {} that you may see.",
            school.0
        ))));
    };
    let grid = st.store.grid(school).await?;
    let period_names: Vec<String> = grid
        .as_ref()
        .map(|g| g.periods().iter().map(|p| p.name.clone()).collect())
        .unwrap_or_default();
    // Who the viewer may record for.
    let mut people = Vec::new();
    for (e, name, _) in st.store.educators_of(school).await? {
        let leads = match me {
            Some(m) if m != e => st.store.leads_team_of(m, e).await?,
            _ => false,
        };
        if may_record_absence(&v.principal, school, e, leads) {
            let selected = asked.map_or(Some(e) == me, |f| f.educator == e.0.to_string());
            people.push((e.0, name, selected));
        }
    }
    let mut rows = Vec::new();
    for a in st.store.absences(school, 100).await? {
        let (sees, _) = may_see(st, v, school, &a).await?;
        if !sees {
            continue;
        }
        let replan: Option<Replan> = a
            .replan
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok());
        rows.push(Row {
            id: a.id,
            date: a.date.clone(),
            educator: a.educator_name.clone(),
            when: when_words(&period_names, &a.periods),
            planned: a.planned,
            reason: may_see_absence_reason(&v.principal, school).then(|| reason_words(&a.reason)),
            status: status_words(&a),
            summary: replan.as_ref().map(summary).unwrap_or_default(),
        });
    }
    let today = crate::web::today();
    render(&ListPage {
        nav: Nav::of(v),
        school_id: school.0,
        school_name: row.name,
        msg,
        error,
        people,
        periods: period_names.into_iter().enumerate().collect(),
        reasons: REASONS.to_vec(),
        rows,
        leader,
        date: asked.map_or(today, |f| f.date.clone()),
    })
}

fn id_school(s: SchoolId) -> i64 {
    s.0
}

/// The school days (days of its grid) from `first` to `last`, at most 30 of them.
async fn school_days(
    st: &AppState,
    school: SchoolId,
    first: &str,
    last: &str,
) -> Result<Result<Vec<String>, String>, AppError> {
    use ensemble_domain::school::{date_of_days, days_since_epoch, weekday_of};
    let (a, b) = match (
        days_since_epoch("date", first),
        days_since_epoch("until", last),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return Ok(Err(format!("{e}."))),
    };
    if b < a {
        return Ok(Err(
            "Until: the last day comes on or after the first.".into()
        ));
    }
    if b - a > 45 {
        return Ok(Err("Until: record at most six weeks at once.".into()));
    }
    let days = st
        .store
        .grid(school)
        .await?
        .map(|g| g.days().to_vec())
        .unwrap_or_default();
    let list: Vec<String> = (a..=b)
        .map(date_of_days)
        .filter(|d| weekday_of("date", d).is_ok_and(|w| days.contains(&w)))
        .take(30)
        .collect();
    if list.is_empty() {
        return Ok(Err(format!("{first} is not a school day.")));
    }
    Ok(Ok(list))
}

#[derive(Deserialize)]
struct RecordForm {
    educator: String,
    date: String,
    /// The last day of a longer absence (optional).
    #[serde(default)]
    until: Option<String>,
    #[serde(default)]
    planned: Option<String>,
    #[serde(default)]
    reason: String,
    /// The period checkboxes, `p0`, `p1` … (none for the whole day).
    #[serde(flatten)]
    checked: std::collections::HashMap<String, String>,
}

async fn record(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form }: CsrfForm<RecordForm>,
) -> PageResult {
    let school = SchoolId(id);
    let (_, me) = viewer_in(&v, school)?;
    let bad = |m: String| Err::<EducatorId, String>(m);
    let educator = match form.educator.trim().parse::<i64>() {
        Ok(e) => Ok(EducatorId(e)),
        Err(_) => bad("Educator: choose someone from the list.".into()),
    };
    let mut error = None;
    let mut target = None;
    match educator {
        Err(m) => error = Some(m),
        Ok(e) => {
            let ours = st
                .store
                .educators_of(school)
                .await?
                .iter()
                .any(|(x, _, _)| *x == e);
            let leads = match me {
                Some(m) if m != e => st.store.leads_team_of(m, e).await?,
                _ => false,
            };
            if !ours || !may_record_absence(&v.principal, school, e, leads) {
                let gate = v.gate(&st.store);
                gate.log(
                    gate.entry(actions::ABSENCE_RECORD, "educator", Some(e.0))
                        .school(school)
                        .outcome(AuditOutcome::Denied),
                )
                .await?;
                error = Some("Educator: choose someone from the list.".into());
            } else {
                target = Some(e);
            }
        }
    }
    let mut periods = Vec::new();
    for k in form.checked.keys().filter(|k| k.starts_with('p')) {
        match k[1..].parse::<usize>() {
            Ok(n) if n < 64 => periods.push(n),
            _ => error = Some("Periods: choose periods of the school day.".into()),
        }
    }
    periods.sort_unstable();
    if let (None, Some(e)) = (&error, target) {
        // One absence for each school day from the date to `until` (the date alone without
        // it); every day is re-planned before any is recorded.
        let first = form.date.trim().to_owned();
        let last = form
            .until
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or(&first)
            .to_owned();
        let dates = match school_days(&st, school, &first, &last).await? {
            Ok(d) => d,
            Err(m) => {
                error = Some(m);
                Vec::new()
            }
        };
        let mut prepared = Vec::new();
        for date in &dates {
            let req = NewAbsence {
                educator: e,
                date: date.clone(),
                periods: if periods.is_empty() {
                    None
                } else {
                    Some(periods.clone())
                },
                planned: form.planned.is_some(),
                reason: form.reason.clone(),
            };
            match prepare_absence(&st.store, school, &req).await? {
                Ok(p) => prepared.push((req, p)),
                Err(why) => {
                    error = Some(format!(
                        "The absence on {date} cannot be re-planned: {why}. Nothing was recorded."
                    ));
                    break;
                }
            }
        }
        if error.is_none() && !prepared.is_empty() {
            let gate = v.gate(&st.store);
            let entry = gate
                .entry(actions::ABSENCE_RECORD, "absence", None)
                .school(school);
            let n = prepared.len();
            let mut first_id = None;
            for (req, p) in prepared {
                let r = record_prepared(&st.store, school, &req, p, &entry).await?;
                first_id.get_or_insert(r.id);
            }
            let to = match (n, first_id) {
                (1, Some(id)) => flash_url(
                    &format!("/schools/{id_s}/absences/{id}", id_s = id_school(school)),
                    "Recorded. Ensemble re-planned the day inside the team: review it below.",
                ),
                _ => flash_url(
                    &format!("/schools/{}/absences", id_school(school)),
                    &format!("Recorded {n} school days, each re-planned inside the team: review and approve each below."),
                ),
            };
            return Ok(Redirect::to(&to).into_response());
        }
    }
    let mut resp = list_page(&st, &v, school, None, error, Some(&form)).await?;
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

struct ChangeView {
    period: String,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "absence.html")]
struct OnePage {
    nav: Nav,
    school_id: i64,
    id: i64,
    educator: String,
    date: String,
    day: String,
    when: String,
    planned: bool,
    reason: Option<String>,
    status: String,
    approved: bool,
    may_approve: bool,
    recorded: LocalTime,
    recorded_by: String,
    steps: Vec<String>,
    losses: Vec<String>,
    figures: Vec<(String, String, String)>,
    changes: Vec<ChangeView>,
    findings: Vec<String>,
    msg: Option<String>,
}

fn who(doc: &Doc, s: &Session) -> String {
    let names: Vec<String> = s
        .educator_ids
        .iter()
        .map(|e| {
            if *e == SUBSTITUTE {
                "a substitute".into()
            } else {
                doc.educator(*e)
                    .map_or_else(|| "an educator".into(), |e| e.name.clone())
            }
        })
        .collect();
    let place = s
        .space_id
        .and_then(|p| doc.space(p))
        .map(|p| format!(" in {}", p.name))
        .unwrap_or_default();
    let team = doc
        .team(s.team_id)
        .map_or_else(String::new, |t| t.name.clone());
    let students = match s.student_ids.len() {
        0 => String::new(),
        1 => " with 1 student".to_owned(),
        n => format!(" with {n} students"),
    };
    if names.is_empty() {
        match s.student_ids.len() {
            0 => format!("{} ({team}){place}", s.label),
            n => format!("{} ({team}): {n} students{place}", s.label),
        }
    } else {
        format!(
            "{} ({team}): {}{students}{place}",
            s.label,
            crate::staffing::join_words(&names)
        )
    }
}

/// An absence the viewer may see (and, with `to_approve`, approve), with whether they may
/// approve it; like a missing one otherwise, the refusal audited.
async fn visible_absence(
    st: &AppState,
    v: &Viewer,
    school: SchoolId,
    aid: i64,
    to_approve: bool,
) -> Result<(AbsenceRow, bool), PageError> {
    let missing = || {
        PageError::from(AppError::NotFound(format!(
            "No absence {aid} that you may see."
        )))
    };
    // Another school's absence answers like a missing one.
    if viewer_in(v, school).is_err() {
        return Err(missing());
    }
    let Some(a) = st.store.absence(school, aid).await? else {
        return Err(missing());
    };
    let (sees, may_approve) = may_see(st, v, school, &a).await?;
    if !sees || (to_approve && !may_approve) {
        let gate = v.gate(&st.store);
        let action = if to_approve {
            actions::ABSENCE_APPROVE
        } else {
            actions::ABSENCE_RECORD
        };
        gate.log(
            gate.entry(action, "absence", Some(aid))
                .school(school)
                .outcome(AuditOutcome::Denied),
        )
        .await?;
        return Err(missing());
    }
    Ok((a, may_approve))
}

async fn one(
    State(st): State<AppState>,
    v: Viewer,
    PagePath((id, aid)): PagePath<(i64, i64)>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let school = SchoolId(id);
    let (a, may_approve) = visible_absence(&st, &v, school, aid, false).await?;
    let replan: Option<Replan> = a
        .replan
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok());
    let doc = match a.schedule {
        Some(s) => st
            .store
            .schedule(school, s)
            .await?
            .and_then(|r| parse_doc(&r.body).ok()),
        None => None,
    };
    let period_names: Vec<String> = doc
        .as_ref()
        .map(|d| d.grid.periods.iter().map(|p| p.name.clone()).collect())
        .unwrap_or_default();
    let (steps, losses, figures, changes, findings, day) = match (&replan, &doc) {
        (Some(r), Some(d)) => (
            r.steps.clone(),
            r.losses.clone(),
            r.replan
                .rows(&r.baseline)
                .into_iter()
                .map(|(l, a, b)| (l.to_owned(), a, b))
                .collect(),
            r.changes
                .iter()
                .map(|c| ChangeView {
                    period: d.period_of(&c.before).map_or_else(
                        || c.before.start.to_string(),
                        |p| d.grid.periods[p].name.clone(),
                    ),
                    before: who(d, &c.before),
                    after: c
                        .after
                        .as_ref()
                        .map_or_else(|| "Does not take place".into(), |x| who(d, x)),
                })
                .collect(),
            super::day_findings(d, r)
                .into_iter()
                .map(|f| f.message)
                .collect(),
            r.absence.day.name().to_owned(),
        ),
        _ => (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            vec!["The re-plan of this absence cannot be shown.".to_owned()],
            String::new(),
        ),
    };
    render(&OnePage {
        nav: Nav::of(&v),
        school_id: id,
        id: aid,
        educator: a.educator_name.clone(),
        date: a.date.clone(),
        day,
        when: when_words(&period_names, &a.periods),
        planned: a.planned,
        reason: may_see_absence_reason(&v.principal, school).then(|| reason_words(&a.reason)),
        status: status_words(&a),
        approved: a.status == "approved",
        may_approve,
        recorded: LocalTime::of_ms(a.recorded_at),
        recorded_by: a.recorded_by.clone().unwrap_or_default(),
        steps,
        losses,
        figures,
        changes,
        findings,
        msg: q.msg,
    })
}

async fn approve(
    State(st): State<AppState>,
    PagePath((id, aid)): PagePath<(i64, i64)>,
    CsrfForm { viewer: v, form: _ }: CsrfForm<crate::web::NoFields>,
) -> PageResult {
    let school = SchoolId(id);
    let (a, _) = visible_absence(&st, &v, school, aid, true).await?;
    let gate = v.gate(&st.store);
    let entry = gate
        .entry(actions::ABSENCE_APPROVE, "absence", Some(aid))
        .school(school);
    st.store.approve_absence(school, aid, &entry).await?;
    Ok(Redirect::to(&flash_url(
        &format!("/schools/{id}/absences/{aid}"),
        &format!(
            "Approved: the re-planned {} reaches every affected educator's page and calendar.",
            a.date
        ),
    ))
    .into_response())
}
