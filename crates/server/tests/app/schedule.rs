//! Issue 14's stories on both backends: a leader builds, reviews and publishes the school's
//! week; teams and educators see it; a lead records a teammate's absence, the day is re-planned
//! inside the team and approved; calendars follow, a family's names no other student, a
//! revoked address answers like none.

use crate::harness::*;
use ensemble_store::testing::each_backend;
use reqwest::{Client, StatusCode};

async fn post(c: &Client, url: String, form: &[(&str, String)]) -> (StatusCode, String) {
    let r = c.post(url).form(form).send().await.expect("post");
    let status = r.status();
    let location = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_default();
    (status, location)
}

/// The secret of the calendar address a flash message shows once.
fn feed_secret(location: &str) -> String {
    location
        .split("%2Fcalendar%2F")
        .nth(1)
        .and_then(|t| t.split(".ics").next())
        .expect("an address")
        .to_owned()
}

/// Builds and publishes the demo school's week as its leader; the school and version ids.
async fn publish_week(app: &App) -> (i64, i64, Client) {
    let leader = app.browser(&app.email("School leader")).await;
    let school: i64 = app
        .db
        .strings("SELECT CAST(MIN(id) AS TEXT) FROM schools", &[])
        .await[0]
        .parse()
        .expect("school");
    let page = page_text(&leader, format!("{}/schools/{school}/schedule", app.base)).await;
    assert!(
        page.contains("No schedule yet"),
        "a fresh school has no schedule"
    );
    let csrf = csrf_of(&page);
    let (status, location) = post(
        &leader,
        format!("{}/schools/{school}/schedule", app.base),
        &[("csrf", csrf.clone())],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let v: i64 = location
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("v="))
        .and_then(|n| n.parse().ok())
        .expect("a version");
    let page = page_text(&leader, format!("{}{location}", app.base)).await;
    assert!(
        page.contains("The checker finds every rule met."),
        "the draft meets every rule: {}",
        page.split("<main")
            .nth(1)
            .unwrap_or(&page)
            .chars()
            .take(900)
            .collect::<String>()
    );
    assert!(
        page.contains("plans at"),
        "the summary says when each team plans"
    );
    let (status, _) = post(
        &leader,
        format!("{}/schools/{school}/schedule/{v}/publish", app.base),
        &[("csrf", csrf), ("confirmed", "yes".into())],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    (school, v, leader)
}

#[tokio::test]
async fn a_leader_builds_reviews_and_publishes_the_week_that_teams_and_educators_see() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let (school, v, leader) = publish_week(&app).await;
        let page = page_text(
            &leader,
            format!("{}/schools/{school}/schedule?v={v}", app.base),
        )
        .await;
        assert!(
            page.contains("Published by"),
            "{}",
            &page[..200.min(page.len())]
        );
        // Review by educator, space and student.
        for view in ["educator", "space", "student"] {
            let page = page_text(
                &leader,
                format!("{}/schools/{school}/schedule?v={v}&view={view}", app.base),
            )
            .await;
            assert!(page.contains(&format!("id=\"grid-{view}\"")), "{view}");
        }
        // The API gives the document, and the checker's findings now.
        let token = app.token("School leader").await;
        let (s, body) = app
            .get(&format!("/api/v1/schools/{school}/schedules/{v}"), &token)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(body["status"], "published");
        assert_eq!(body["current_findings"].as_array().map(Vec::len), Some(0));
        assert_eq!(body["document"]["format"], "ensemble-schedule/1");
        // A core-team member sees the team's week from it, and their own.
        let member = app.browser(&app.email("Core-team member")).await;
        let home = page_text(&member, format!("{}/my-students", app.base)).await;
        let _ = home;
        let team: i64 = app
            .db
            .strings(
                "SELECT CAST(id AS TEXT) FROM teams WHERE name = '6 Saguaro'",
                &[],
            )
            .await[0]
            .parse()
            .expect("team");
        let page = page_text(&member, format!("{}/teams/{team}", app.base)).await;
        assert!(
            page.contains("id=\"week-source\""),
            "the team's week comes from the schedule"
        );
        assert!(page.contains("Team planning"));
        // The schedule page is the leaders': a member gets what a missing school gets.
        let r = member
            .get(format!("{}/schools/{school}/schedule", app.base))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let missing = member
            .get(format!("{}/schools/999999/schedule", app.base))
            .send()
            .await
            .expect("get");
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn an_absence_is_re_planned_inside_the_team_approved_and_reaches_calendars() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let (school, _, _) = publish_week(&app).await;
        let lead_email = app.email("Core-team lead");
        let lead = app.browser(&lead_email).await;
        let member_id: i64 = app
            .db
            .strings(
                "SELECT CAST(e.id AS TEXT) FROM educators e JOIN users u ON u.educator_id = e.id WHERE u.email = $1",
                &[&app.email("Core-team member")],
            )
            .await[0]
            .parse()
            .expect("member");
        let end = app
            .db
            .strings("SELECT t.end_date FROM terms t JOIN schools s ON s.current_term_id = t.id ORDER BY s.id", &[])
            .await[0]
            .clone();
        let date = {
            use ensemble_domain::school::{date_of_days, days_since_epoch, weekday_of};
            let end = days_since_epoch("end", &end).expect("date");
            (10..20)
                .map(|k| date_of_days(end - k))
                .find(|d| weekday_of("d", d).is_ok_and(|w| w.index() == 1))
                .expect("a Tuesday")
        };
        let page = page_text(&lead, format!("{}/schools/{school}/absences", app.base)).await;
        let csrf = csrf_of(&page);
        // A typo in the date: refused in words, nothing recorded.
        let r = lead
            .post(format!("{}/schools/{school}/absences", app.base))
            .form(&[("csrf", csrf.as_str()), ("educator", &member_id.to_string()), ("date", "2026-13-40"), ("reason", "illness")])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.expect("body").contains("must be a date written YYYY-MM-DD"));
        let (status, location) = post(
            &lead,
            format!("{}/schools/{school}/absences", app.base),
            &[("csrf", csrf.clone()), ("educator", member_id.to_string()), ("date", date.clone()), ("reason", "illness".into())],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
        let page = page_text(&lead, format!("{}{location}", app.base)).await;
        assert!(page.contains("The re-planned day keeps every rule"), "the day keeps every rule");
        // A longer absence: one re-plan for each school day, all or nothing.
        let week_later = {
            use ensemble_domain::school::{date_of_days, days_since_epoch};
            date_of_days(days_since_epoch("d", &date).expect("date") + 7)
        };
        let until = {
            use ensemble_domain::school::{date_of_days, days_since_epoch};
            date_of_days(days_since_epoch("d", &week_later).expect("date") + 4)
        };
        let before: usize = app.db.strings("SELECT CAST(COUNT(*) AS TEXT) FROM absences", &[]).await[0].parse().expect("n");
        let (status, location2) = post(
            &lead,
            format!("{}/schools/{school}/absences", app.base),
            &[("csrf", csrf.clone()), ("educator", member_id.to_string()), ("date", week_later.clone()), ("until", until.clone()), ("reason", "family".into())],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location2.contains("Recorded+4+school+days"), "Tuesday to Saturday: {location2}");
        let after: usize = app.db.strings("SELECT CAST(COUNT(*) AS TEXT) FROM absences", &[]).await[0].parse().expect("n");
        assert_eq!(after, before + 4);
        // A range that runs past the term is refused whole: nothing is recorded.
        let r = lead
            .post(format!("{}/schools/{school}/absences", app.base))
            .form(&[("csrf", csrf.as_str()), ("educator", &member_id.to_string()), ("date", &until), ("until", "2027-08-30"), ("reason", "family")])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let again: usize = app.db.strings("SELECT CAST(COUNT(*) AS TEXT) FROM absences", &[]).await[0].parse().expect("n");
        assert_eq!(again, after, "a refused range records nothing");
        assert!(page.contains("A substitute taking every session as it stands"));
        assert!(page.contains("id=\"approve\""), "the lead may approve");
        // The lead sees no reason category; the absent member sees their absence; another
        // team's member does not (like a missing one).
        assert!(!page.contains("Illness"));
        let absent = app.browser(&app.email("Core-team member")).await;
        let path = location.split('?').next().expect("path").to_owned();
        let r = absent.get(format!("{}{path}", app.base)).send().await.expect("get");
        assert_eq!(r.status(), StatusCode::OK);
        let other = app.browser(&app.email("Core-team member, other team")).await;
        let r = other.get(format!("{}{path}", app.base)).send().await.expect("get");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // Approved by the lead.
        let (status, _) = post(&lead, format!("{}{path}/approve", app.base), &[("csrf", csrf.clone())]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        // The absent member's page lists the day that changes.
        let me = page_text(&absent, format!("{}/educators/{member_id}", app.base)).await;
        assert!(me.contains("id=\"changed-days\""), "the changed day is on their page");
        assert!(me.contains("Away: the team covers these sessions."));
        // The absent member's calendar leaves out their sessions of that day.
        let (status, location) = post(&absent, format!("{}/educators/{member_id}/calendar", app.base), &[("csrf", csrf_of(&me))]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let token = feed_secret(&location);
        let feed = browser_client().get(format!("{}/calendar/{token}.ics", app.base)).send().await.expect("feed");
        assert_eq!(feed.status(), StatusCode::OK);
        assert_eq!(feed.headers()["content-type"], "text/calendar; charset=utf-8");
        let text = feed.text().await.expect("ics");
        assert!(text.contains(&format!("EXDATE;TZID=America/Phoenix:{}T", date.replace('-', ""))), "the absent day is taken out");
        // Revoked: the address answers like one that never existed.
        let feed_id = app.db.strings("SELECT CAST(MAX(id) AS TEXT) FROM calendar_feeds", &[]).await[0].clone();
        let me = page_text(&absent, format!("{}/educators/{member_id}", app.base)).await;
        let (status, _) = post(&absent, format!("{}/schools/{school}/calendar-feeds/{feed_id}/revoke", app.base), &[("csrf", csrf_of(&me))]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let gone = browser_client().get(format!("{}/calendar/{token}.ics", app.base)).send().await.expect("feed");
        let never = browser_client().get(format!("{}/calendar/{}.ics", app.base, "a".repeat(64))).send().await.expect("feed");
        assert_eq!(gone.status(), StatusCode::NOT_FOUND);
        assert_eq!(gone.text().await.expect("body"), never.text().await.expect("body"));
    })
    .await;
}

#[tokio::test]
async fn a_family_calendar_holds_one_student_and_names_no_other() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let (_, _, leader) = publish_week(&app).await;
        let student: i64 = app
            .db
            .strings(
                "SELECT CAST(MIN(student_id) AS TEXT) FROM service_assignments",
                &[],
            )
            .await[0]
            .parse()
            .expect("a served student");
        let page = page_text(&leader, format!("{}/students/{student}", app.base)).await;
        let (status, location) = post(
            &leader,
            format!("{}/students/{student}/calendar", app.base),
            &[("csrf", csrf_of(&page))],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let token = feed_secret(&location);
        let text = browser_client()
            .get(format!("{}/calendar/{token}.ics", app.base))
            .send()
            .await
            .expect("feed")
            .text()
            .await
            .expect("ics")
            .replace("\r\n ", "");
        let own = app
            .db
            .strings(
                "SELECT given_name || ' ' || family_name FROM students WHERE CAST(id AS TEXT) = $1",
                &[&student.to_string()],
            )
            .await[0]
            .clone();
        assert!(text.contains(&format!("X-WR-CALNAME:{own}'s school week")));
        assert!(
            text.contains("BEGIN:VEVENT") && text.contains("(pull-out)")
                || text.contains("(push-in)")
                || text.contains("Team block")
        );
        let adults: std::collections::HashSet<String> = app
            .db
            .strings(
                "SELECT given_name || ' ' || family_name FROM educators",
                &[],
            )
            .await
            .into_iter()
            .collect();
        for name in app
            .db
            .strings("SELECT given_name || ' ' || family_name FROM students", &[])
            .await
        {
            if name != own && !adults.contains(&name) {
                assert!(!text.contains(&name), "the family's calendar names {name}");
            }
        }
        assert!(!text.contains(" students."), "no count of other students");
    })
    .await;
}
