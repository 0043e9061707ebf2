//! Calendar feeds at secret addresses: an educator's own week, a team's week (its members and
//! the school's leaders), a student's week for their family (made by those who may open the
//! student's profile). The address is shown once when it is made; only its digest is stored;
//! a revoked address answers like one that never existed.

use super::parse_doc;
use crate::auth::Viewer;
use crate::error::{AppError, PageError};
use crate::routes::Routes;
use crate::web::{flash_url, CsrfForm, NoFields, PagePath, PageResult};
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use ensemble_domain::*;
use ensemble_schedule::absence::Replan;
use ensemble_schedule::ical::{calendar, Feed, Subject};
use ensemble_store::auth::{digest, new_secret};
use ensemble_store::{actions, Store, StoreError};

pub fn router() -> Routes {
    Routes::new()
        .get("/calendar/{token}", feed)
        .post("/educators/{id}/calendar", educator_feed)
        .post("/teams/{id}/calendar", team_feed)
        .post("/students/{id}/calendar", student_feed)
        .post("/schools/{id}/calendar-feeds/{feed}/revoke", revoke)
}

/// The kinds of feed, as stored.
pub const EDUCATOR: &str = "educator";
pub const TEAM: &str = "team";
pub const STUDENT: &str = "student";

/// What a school's calendars are made of: its published week of the current term, the
/// re-plans approved against it, and when it was published.
pub struct Published {
    pub doc: ensemble_schedule::Doc,
    pub replans: Vec<Replan>,
    stamp: String,
}

/// The school's published week with its approved re-plans; `None` without one.
pub async fn published(store: &Store, school: SchoolId) -> Result<Option<Published>, StoreError> {
    let Some(row) = store.published_schedule(school, None).await? else {
        return Ok(None);
    };
    let Ok(doc) = parse_doc(&row.body) else {
        return Ok(None);
    };
    Ok(Some(Published {
        doc,
        replans: super::approved_replans(store, row.id).await?,
        stamp: stamp_of(row.published_at.unwrap_or(row.created_at)),
    }))
}

/// [`published`], parsed once per data version and school (schedules and absences bump the
/// version), so the team and educator pages don't read and parse the whole week each time.
pub async fn published_at(
    store: &Store,
    fresh: ensemble_store::Fresh,
    school: SchoolId,
) -> Result<std::sync::Arc<Option<Published>>, StoreError> {
    store
        .memo(fresh, ("published week", school.0), || {
            published(store, school)
        })
        .await
}

impl Published {
    /// One subject's calendar.
    pub fn calendar(&self, subject: Subject, title: &str) -> Result<String, StoreError> {
        calendar(&Feed {
            doc: &self.doc,
            subject,
            title: title.to_owned(),
            replans: &self.replans,
            stamp: self.stamp.clone(),
        })
        .map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}

/// A subject's calendar from the school's published schedule of the current term, with every
/// approved re-plan; `None` without a published schedule.
pub async fn feed_text(
    store: &Store,
    school: SchoolId,
    subject: Subject,
    title: &str,
) -> Result<Option<String>, StoreError> {
    match published(store, school).await? {
        Some(p) => p.calendar(subject, title).map(Some),
        None => Ok(None),
    }
}

/// Unix milliseconds as an iCalendar UTC time.
fn stamp_of(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|t| {
            format!(
                "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        })
        .unwrap_or_else(|_| "19700101T000000Z".into())
}

fn missing() -> PageError {
    PageError::from(AppError::NotFound(
        "There is no calendar at this address.".into(),
    ))
}

async fn feed(State(st): State<AppState>, PagePath(token): PagePath<String>) -> PageResult {
    let token = token.strip_suffix(".ics").unwrap_or(&token);
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(missing());
    }
    let Some((_, school, kind, subject, title)) = st.store.feed_by_digest(&digest(token)).await?
    else {
        return Err(missing());
    };
    let subject = match kind.as_str() {
        EDUCATOR => Subject::Educator(subject),
        TEAM => Subject::Team(subject),
        STUDENT => Subject::Student(subject),
        _ => return Err(missing()),
    };
    let text = feed_text(&st.store, school, subject, &title)
        .await?
        .unwrap_or_else(|| empty_calendar(&title));
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        text,
    )
        .into_response())
}

/// A calendar with no events (no schedule published yet).
fn empty_calendar(title: &str) -> String {
    let title: String = title.chars().filter(|c| !c.is_control()).collect();
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Ensemble//Team schedules//EN\r\nX-WR-CALNAME:{}\r\nEND:VCALENDAR\r\n",
        title.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,")
    )
}

/// Makes a feed and shows its address once.
async fn make(
    st: &AppState,
    v: &Viewer,
    school: SchoolId,
    kind: &str,
    subject: i64,
    title: &str,
    back: &str,
) -> Result<Response, PageError> {
    let secret = new_secret();
    let gate = v.gate(&st.store);
    let entry = gate
        .entry(actions::FEED_CREATE, "calendar_feed", None)
        .school(school);
    st.store
        .create_feed(school, kind, subject, title, &digest(&secret), &entry)
        .await?;
    Ok(Redirect::to(&flash_url(
        back,
        &format!(
            "Calendar link made. Copy it now into a calendar app (it is shown only this once): /calendar/{secret}.ics"
        ),
    ))
    .into_response())
}

async fn educator_feed(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form: _ }: CsrfForm<NoFields>,
) -> PageResult {
    // One's own calendar, or any educator's for the school's leaders.
    let e = st.store.educator(EducatorId(id)).await?;
    let Some(e) = e.filter(|e| {
        v.principal.educator == Some(EducatorId(id)) || v.principal.is_leader_of(e.school)
    }) else {
        return Err(PageError::from(AppError::NotFound(format!(
            "No educator {id} whose calendar you may share."
        ))));
    };
    let title = format!("{} {}'s week", e.given_name, e.family_name);
    make(
        &st,
        &v,
        e.school,
        EDUCATOR,
        id,
        &title,
        &format!("/educators/{id}"),
    )
    .await
}

async fn team_feed(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form: _ }: CsrfForm<NoFields>,
) -> PageResult {
    let gate = v.gate(&st.store);
    let team = gate.team(TeamId(id)).await?;
    let member = v
        .principal
        .educator
        .is_some_and(|me| team.members.iter().any(|m| m.educator == me));
    if !member && !v.principal.is_leader_of(team.team.school) {
        return Err(PageError::from(AppError::NotFound(format!(
            "No team {id} that you may see."
        ))));
    }
    let title = format!("{}'s week", team.team.name);
    make(
        &st,
        &v,
        team.team.school,
        TEAM,
        id,
        &title,
        &format!("/teams/{id}"),
    )
    .await
}

async fn student_feed(
    State(st): State<AppState>,
    PagePath(id): PagePath<i64>,
    CsrfForm { viewer: v, form: _ }: CsrfForm<NoFields>,
) -> PageResult {
    // Those who may open the student's profile make the family's link; the read is audited.
    let gate = v.gate(&st.store);
    let (record, _) = gate.student(StudentId(id)).await?;
    if !record.access.sees_profile() && !v.principal.is_leader_of(record.school) {
        return Err(PageError::from(AppError::NotFound(format!(
            "No student {id} that you may see."
        ))));
    }
    let title = format!("{} {}'s school week", record.given_name, record.family_name);
    make(
        &st,
        &v,
        record.school,
        STUDENT,
        id,
        &title,
        &format!("/students/{id}"),
    )
    .await
}

async fn revoke(
    State(st): State<AppState>,
    PagePath((school, fid)): PagePath<(i64, i64)>,
    CsrfForm { viewer: v, form: _ }: CsrfForm<NoFields>,
) -> PageResult {
    let school = SchoolId(school);
    let none = || {
        PageError::from(AppError::NotFound(format!(
            "No calendar link {fid} that you may revoke."
        )))
    };
    let Some((kind, subject, live)) = st.store.feed(school, fid).await? else {
        return Err(none());
    };
    let p = &v.principal;
    let back;
    let allowed = match kind.as_str() {
        EDUCATOR => {
            back = format!("/educators/{subject}");
            p.educator == Some(EducatorId(subject)) || p.is_leader_of(school)
        }
        TEAM => {
            back = format!("/teams/{subject}");
            p.is_leader_of(school)
                || p.core_teams.contains(&TeamId(subject))
                || p.extended_teams.contains(&TeamId(subject))
        }
        _ => {
            back = format!("/students/{subject}");
            p.is_leader_of(school)
                || (p.belongs_to(school)
                    && v.gate(&st.store)
                        .student(StudentId(subject))
                        .await
                        .is_ok_and(|(r, _)| r.access.sees_profile()))
        }
    };
    if !allowed {
        return Err(none());
    }
    if !live {
        return Ok(
            Redirect::to(&flash_url(&back, "This calendar link was already revoked."))
                .into_response(),
        );
    }
    let gate = v.gate(&st.store);
    let entry = gate
        .entry(actions::FEED_REVOKE, "calendar_feed", Some(fid))
        .school(school);
    st.store.revoke_feed(school, fid, &entry).await?;
    Ok(Redirect::to(&flash_url(
        &back,
        "Calendar link revoked: its address no longer answers.",
    ))
    .into_response())
}

/// The calendar-link section of a page.
pub struct Links {
    pub title: &'static str,
    pub explain: &'static str,
    pub school: i64,
    pub action: String,
    /// (feed id, made, by whom).
    pub feeds: Vec<(i64, crate::web::LocalTime, String)>,
}

/// The memo key of a subject's feeds (calendar feeds bump the data version).
fn feeds_key(kind: &str) -> &'static str {
    match kind {
        EDUCATOR => "educator feeds",
        TEAM => "team feeds",
        _ => "student feeds",
    }
}

/// The live links of a subject, for its page.
pub async fn links(
    store: &Store,
    fresh: ensemble_store::Fresh,
    school: SchoolId,
    kind: &'static str,
    subject: i64,
    title: &'static str,
    explain: &'static str,
) -> Result<Links, StoreError> {
    Ok(Links {
        title,
        explain,
        school: school.0,
        // The subject's page: /educators/…, /teams/… or /students/….
        action: format!("/{kind}s/{subject}/calendar"),
        feeds: store
            .memo(fresh, (feeds_key(kind), subject), || {
                store.feeds_of(kind, subject)
            })
            .await?
            .iter()
            .cloned()
            .map(|(id, at, by)| (id, crate::web::LocalTime::of_ms(at), by.unwrap_or_default()))
            .collect(),
    })
}
