//! Student data behind one door (issue 12), told as what people see: a student who moves team
//! leaves the old team's board, a specialist sees the flags of the service they give and no
//! more, a refusal looks like a missing record even by sourcedId, sessions and tokens end,
//! the sign-in throttle slows guessing without locking anyone out, a deep link survives the
//! sign-in, bad numbers are refused without breaking pages, every write is audited, slow
//! clients are cut off, and internal failures say nothing.

use crate::harness::*;
use ensemble_domain::{SchoolId, StudentId, TeamId};
use ensemble_store::testing::each_backend;
use ensemble_store::{actions, Actor, AuditFilter, Backend};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

/// The core team ids of the demo school (6 Saguaro first) and their names.
async fn core_teams(app: &App, leader: &str) -> Vec<(i64, String)> {
    let (_, teams) = app.get("/api/v1/teams", leader).await;
    teams
        .as_array()
        .expect("teams")
        .iter()
        .filter(|t| t["kind"] == "core")
        .map(|t| {
            (
                t["id"].as_i64().expect("id"),
                t["name"].as_str().expect("name").to_owned(),
            )
        })
        .collect()
}

fn team_named(teams: &[(i64, String)], name: &str) -> i64 {
    teams
        .iter()
        .find(|t| t.1 == name)
        .unwrap_or_else(|| panic!("no team {name}"))
        .0
}

#[tokio::test]
async fn a_student_who_moves_team_leaves_the_old_teams_board() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let leader = app.token("School leader").await;
        let member = app.token("Core-team member").await;
        let teams = core_teams(&app, &leader).await;
        let saguaro = team_named(&teams, "6 Saguaro");
        let palo_verde = team_named(&teams, "6 Palo Verde");

        // 6 Saguaro publishes groups that include every student on its roster.
        let (s, g) = app
            .send(
                Method::POST,
                &format!("/api/v1/teams/{saguaro}/groupings"),
                &member,
                json!({"block": "Monday block 1", "focus": "math.fractions", "strategy": "need"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b:?}: {g}");
        let gid = g["id"].as_i64().expect("id");
        let (s, _) = app
            .send(
                Method::POST,
                &format!("/api/v1/groupings/{gid}/publish"),
                &member,
                Value::Null,
            )
            .await;
        assert_eq!(s, StatusCode::OK);

        // A student of 6 Saguaro moves to 6 Palo Verde.
        let (_, roster) = app
            .get(&format!("/api/v1/teams/{saguaro}/roster"), &leader)
            .await;
        let students = roster["students"].as_array().expect("students");
        let mover = &students[0];
        let (id, sourced) = (
            mover["id"].as_i64().expect("id"),
            mover["sourced_id"].as_str().expect("sourced").to_owned(),
        );
        let name = format!(
            "{} {}",
            mover["given_name"].as_str().expect("name"),
            mover["family_name"].as_str().expect("name")
        );
        // A classmate who stays may share the name; then the name alone proves nothing.
        let name_shared = students[1..].iter().any(|s| {
            format!(
                "{} {}",
                s["given_name"].as_str().unwrap_or(""),
                s["family_name"].as_str().unwrap_or("")
            ) == name
        });
        assert_eq!(
            app.send(
                Method::DELETE,
                &format!("/api/v1/teams/{saguaro}/roster/{id}"),
                &leader,
                Value::Null
            )
            .await
            .0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            app.send(
                Method::POST,
                &format!("/api/v1/teams/{palo_verde}/roster"),
                &leader,
                json!({"student_ids": [id]})
            )
            .await
            .0,
            StatusCode::CREATED
        );

        // 6 Saguaro's member no longer sees the student anywhere: not the record, not on the
        // published groups (API and page), not in the history.
        assert_eq!(
            app.get(&format!("/api/v1/students/{id}"), &member).await.0,
            StatusCode::NOT_FOUND
        );
        let (s, g) = app.get(&format!("/api/v1/groupings/{gid}"), &member).await;
        assert_eq!(s, StatusCode::OK);
        let text = g.to_string();
        assert!(!text.contains(&sourced), "{b:?}: the sourcedId leaked");
        assert!(
            name_shared || !text.contains(&name),
            "{b:?}: the name leaked"
        );
        assert!(text.contains("Moved to another team"), "{text}");
        let moved: Vec<&Value> = g["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .flat_map(|grp| grp["students"].as_array().expect("students"))
            .filter(|s| s["sourced_id"].is_null())
            .collect();
        assert_eq!(moved.len(), 1);
        assert!(
            moved[0]["mastery"].is_null(),
            "no data of the moved student"
        );
        let c = app.browser(&app.email("Core-team member")).await;
        let html = page_text(&c, format!("{}/teams/{saguaro}/grouping?g={gid}", app.base)).await;
        assert!(!html.contains(&sourced));
        assert!(
            name_shared || !html.contains(&name),
            "the board page shows the name"
        );
        assert!(html.contains("Moved to another team"));
        // The student is 6 Palo Verde's now: its lead sees them.
        let other = app.token("Core-team member, other team").await;
        assert_eq!(
            app.get(&format!("/api/v1/students/{id}"), &other).await.0,
            StatusCode::OK
        );
    })
    .await;
}

/// The educators who give a service, from the store (the demo has one of each).
async fn server_of(app: &App, service: &str) -> String {
    app.db
        .strings(
            "SELECT u.email FROM service_assignments a JOIN users u ON u.educator_id = a.educator_id WHERE a.service = $1 ORDER BY u.email LIMIT 1",
            &[service],
        )
        .await
        .pop()
        .expect("someone gives the service")
}

#[tokio::test]
async fn extended_team_members_see_the_flags_their_service_needs() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        for (service, kinds) in [
            ("special_education", json!(["plans", "accommodations"])),
            ("english_learner", json!(["english_learning"])),
            ("paraeducator_support", json!(["accommodations"])),
            ("reading_intervention", json!([])),
        ] {
            let email = server_of(&app, service).await;
            let token = app.token_for(&email).await;
            let (s, list) = app.get("/api/v1/my-students", &token).await;
            assert_eq!(s, StatusCode::OK);
            let list = list["students"].as_array().expect("students").clone();
            assert!(!list.is_empty(), "{service}: serves someone");
            for st in &list {
                // Never demographics, health or who else serves the student.
                assert!(st["demographics"].is_null(), "{service}: {st}");
                assert!(st["served_by"].is_null(), "{service}: {st}");
                assert!(st["needs"]["health"].is_null(), "{service}: {st}");
            }
            // A student served only with this service shows exactly its kinds.
            let only: Vec<&Value> = list.iter().filter(|st| st["sensitive"] == kinds).collect();
            assert!(!only.is_empty(), "{service}: someone with exactly {kinds}");
            if service == "special_education" {
                let with_iep = list
                    .iter()
                    .find(|st| st["needs"]["iep"] == true)
                    .expect("a served student with an IEP");
                assert!(with_iep["needs"]["accommodations"].is_array());
                assert!(with_iep["needs"]["english_learner"].is_null());
                // On the student's page: the IEP, not the demographics.
                let c = app.browser(&email).await;
                let html = page_text(&c, format!("{}/students/{}", app.base, with_iep["id"])).await;
                assert!(html.contains("id=\"iep\""), "the IEP flag is on the page");
                assert!(!html.contains("id=\"demographics\"") && !html.contains("id=\"health\""));
            }
            if service == "english_learner" {
                let el = list
                    .iter()
                    .find(|st| st["needs"]["english_learner"] == true)
                    .expect("an English learner");
                assert!(el["needs"]["home_language"].is_string(), "{el}");
                assert!(el["needs"]["iep"].is_null(), "{el}");
            }
        }
    })
    .await;
}

/// The form a roster add goes through, with a signed-in client (the CSRF token from the
/// reader's own school page).
async fn add_by_sourced(app: &App, c: &Client, team: i64, sourced: &str) -> (StatusCode, String) {
    let home = c.get(format!("{}/", app.base)).send().await.expect("home");
    let school = home.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let csrf = csrf_of(&page_text(c, format!("{}{school}", app.base)).await);
    let r = c
        .post(format!("{}/teams/{team}/roster", app.base))
        .form(&[("csrf", csrf.as_str()), ("student", sourced)])
        .send()
        .await
        .expect("post");
    let status = r.status();
    let text = r.text().await.expect("body");
    (status, text_of(&text, "error-message").unwrap_or_default())
}

#[tokio::test]
async fn refusals_look_like_missing_records_even_by_sourced_id() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let leader = app.token("School leader").await;
        let teams = core_teams(&app, &leader).await;
        let saguaro = team_named(&teams, "6 Saguaro");
        let (_, roster) = app
            .get(&format!("/api/v1/teams/{saguaro}/roster"), &leader)
            .await;
        let real = roster["students"][0]["sourced_id"]
            .as_str()
            .expect("sourced")
            .to_owned();

        // A member who may not change rosters learns nothing about which sourcedIds exist.
        let member = app.browser(&app.email("Core-team member")).await;
        let a = add_by_sourced(&app, &member, saguaro, &real).await;
        let b2 = add_by_sourced(&app, &member, saguaro, "no-such-student-42").await;
        assert_eq!(a.0, StatusCode::NOT_FOUND);
        assert_eq!(a, b2, "a real and a missing sourcedId answer alike");
        // …and the answer is the one for a team that does not exist.
        let missing = add_by_sourced(&app, &member, 987_654, &real).await;
        let digits = |s: &str| {
            s.chars()
                .filter(|c| !c.is_ascii_digit())
                .collect::<String>()
        };
        assert_eq!((a.0, digits(&a.1)), (missing.0, digits(&missing.1)));

        // The second school's leader cannot reach the demo school's students through theirs.
        let other = app
            .browser(&app.email("School leader, second school"))
            .await;
        let token = app.token("School leader, second school").await;
        let (_, their) = app.get("/api/v1/teams", &token).await;
        let cholla = their[0]["id"].as_i64().expect("their team");
        let x = add_by_sourced(&app, &other, cholla, &real).await;
        let y = add_by_sourced(&app, &other, cholla, "no-such-student-42").await;
        assert_eq!(x.0, StatusCode::NOT_FOUND);
        assert_eq!(
            digits(&x.1.replace(&real, "X")),
            digits(&y.1.replace("no-such-student-42", "X"))
        );

        // Every refusal is in the log; the probe for a missing sourcedId too.
        let log = app
            .store
            .audit_log(
                &AuditFilter {
                    action: Some(actions::ROSTER_ADD.into()),
                    ..Default::default()
                },
                100,
            )
            .await
            .expect("log");
        assert_eq!(
            log.iter().filter(|e| e.outcome == "denied").count(),
            2,
            "the member's two tries"
        );
        assert!(log.iter().filter(|e| e.outcome == "not_found").count() >= 3);
        assert!(log
            .iter()
            .any(|e| e.outcome == "not_found" && e.detail.contains("no-such-student-42")));
    })
    .await;
}

/// The value of the session cookie a response sets, if any.
fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("ensemble_session="))
        .map(|c| c.split(';').next().unwrap_or("").to_owned())
        .filter(|c| !c.is_empty())
}

/// Signs in with a fresh form; returns the response.
async fn sign_in(
    app: &App,
    c: &Client,
    email: &str,
    password: &str,
    next: &str,
) -> reqwest::Response {
    let csrf = csrf_of(&page_text(c, format!("{}/login", app.base)).await);
    c.post(format!("{}/login", app.base))
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf", &csrf),
            ("next", next),
        ])
        .send()
        .await
        .expect("sign in")
}

/// A page fetched with a given session cookie only.
async fn with_session(app: &App, sid: &str, path: &str) -> StatusCode {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}{path}", app.base))
        .header("cookie", format!("ensemble_session={sid}"))
        .send()
        .await
        .expect("get")
        .status()
}

#[tokio::test]
async fn sessions_change_at_sign_in_and_end_at_sign_out_and_after_idle_time() {
    let config = ensemble_server::Config {
        session_idle: Duration::from_millis(1500),
        ..Default::default()
    };
    let app = App::spawn_with(Backend::Sqlite, config).await;
    let email = app.email("School leader");
    let c = browser_client();
    let first = session_cookie(&sign_in(&app, &c, &email, ensemble_demo::DEMO_PASSWORD, "/").await)
        .expect("a session");
    assert_eq!(with_session(&app, &first, "/audit").await, StatusCode::OK);
    // Signing in again (the old cookie is sent along) gives a new id and ends the old one.
    let second =
        session_cookie(&sign_in(&app, &c, &email, ensemble_demo::DEMO_PASSWORD, "/").await)
            .expect("a session");
    assert_ne!(first, second, "a new session id at sign-in");
    assert_eq!(
        with_session(&app, &first, "/audit").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(with_session(&app, &second, "/audit").await, StatusCode::OK);
    // Signing out ends the session on the server: the cookie's value no longer opens pages.
    let csrf = csrf_of(&page_text(&c, format!("{}/audit", app.base)).await);
    let r = c
        .post(format!("{}/logout", app.base))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        with_session(&app, &second, "/audit").await,
        StatusCode::SEE_OTHER
    );
    // Idle too long: the session ends.
    let third = session_cookie(&sign_in(&app, &c, &email, ensemble_demo::DEMO_PASSWORD, "/").await)
        .expect("a session");
    assert_eq!(with_session(&app, &third, "/audit").await, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(
        with_session(&app, &third, "/audit").await,
        StatusCode::SEE_OTHER
    );

    // A session also ends at its absolute limit, used or not.
    let config = ensemble_server::Config {
        session_absolute: Duration::from_millis(1500),
        ..Default::default()
    };
    let app = App::spawn_with(Backend::Sqlite, config).await;
    let c = browser_client();
    let sid = session_cookie(&sign_in(&app, &c, &email, ensemble_demo::DEMO_PASSWORD, "/").await)
        .expect("a session");
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let _ = with_session(&app, &sid, "/audit").await;
    }
    assert_eq!(
        with_session(&app, &sid, "/audit").await,
        StatusCode::SEE_OTHER
    );
    // Revoked and expired tokens are refused.
    let token = app.token("School leader").await;
    assert_eq!(app.get("/api/v1/me", &token).await.0, StatusCode::OK);
    let id = app.store.tokens(Some(&email)).await.expect("tokens")[0].id;
    app.store
        .revoke_token(
            id,
            &Actor::command_line("test").entry(actions::TOKEN_REVOKE, "api_token", Some(id)),
        )
        .await
        .expect("revoke");
    assert_eq!(
        app.get("/api/v1/me", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
}

/// Signs in from a given client address (the test server trusts 127.0.0.1 as a proxy).
async fn sign_in_from(
    app: &App,
    c: &Client,
    addr: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let csrf = csrf_of(&page_text(c, format!("{}/login", app.base)).await);
    c.post(format!("{}/login", app.base))
        .header("x-forwarded-for", addr)
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf", &csrf),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("sign in")
}

#[tokio::test]
async fn the_sign_in_throttle_slows_guessing_without_locking_anyone_out() {
    each_backend(|b| async move {
        let config = ensemble_server::Config {
            trusted_proxies: vec!["127.0.0.1".parse().expect("ip")],
            ..Default::default()
        };
        let app = App::spawn_with(b, config.clone()).await;
        let victim = app.email("School leader");
        let good = ensemble_demo::DEMO_PASSWORD;
        // An attacker guesses from one address: after five failures, the next must wait.
        let attacker = browser_client();
        let mut statuses = Vec::new();
        for _ in 0..7 {
            statuses.push(
                sign_in_from(&app, &attacker, "203.0.113.66", &victim, "guess")
                    .await
                    .status(),
            );
        }
        assert_eq!(&statuses[..5], &[StatusCode::UNAUTHORIZED; 5]);
        let throttled = sign_in_from(&app, &attacker, "203.0.113.66", &victim, good).await;
        assert_eq!(
            throttled.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "even the right password waits"
        );
        assert!(throttled.headers().contains_key("retry-after"));
        // The victim, elsewhere, signs in at once.
        let victim_browser = browser_client();
        assert_eq!(
            sign_in_from(&app, &victim_browser, "198.51.100.7", &victim, good)
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
        // Another account from the attacker's address is not held back.
        let other = browser_client();
        assert_eq!(
            sign_in_from(
                &app,
                &other,
                "203.0.113.66",
                &app.email("Core-team lead"),
                good
            )
            .await
            .status(),
            StatusCode::SEE_OTHER
        );
        // Behind a shared address (a school's network), an attacker piles up failures for
        // every key an untrusted sign-in is counted under…
        let keys = vec![
            format!("pair:{victim}:192.0.2.10"),
            "address:192.0.2.10".to_owned(),
            format!("account:{victim}"),
        ];
        for _ in 0..60 {
            app.store
                .throttle_failed(
                    &keys,
                    24 * 3600 * 1000,
                    &Actor::command_line("test").entry(actions::LOGIN, "user", None),
                )
                .await
                .expect("count");
        }
        // …which holds across a restart (a second server on the same database)…
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let second = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(ensemble_server::serve(
            listener,
            ensemble_server::AppState::new(app.db.store().await, config),
        ));
        let fresh = browser_client();
        let csrf = csrf_of(&page_text(&fresh, format!("{second}/login")).await);
        let r = fresh
            .post(format!("{second}/login"))
            .header("x-forwarded-for", "192.0.2.10")
            .form(&[
                ("email", victim.as_str()),
                ("password", good),
                ("csrf", &csrf),
                ("next", "/"),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(
            r.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "counts live in the database"
        );
        // …but the victim's own device, which signed in before, is not locked out.
        assert_eq!(
            sign_in_from(&app, &victim_browser, "192.0.2.10", &victim, good)
                .await
                .status(),
            StatusCode::SEE_OTHER
        );
        // Failures and throttled attempts are audited.
        let log = app
            .store
            .audit_log(
                &AuditFilter {
                    action: Some(actions::LOGIN.into()),
                    ..Default::default()
                },
                200,
            )
            .await
            .expect("log");
        assert!(log
            .iter()
            .any(|e| e.outcome == "denied" && e.detail.contains("wrong password")));
        assert!(log
            .iter()
            .any(|e| e.outcome == "denied" && e.detail.contains("throttled")));
        assert!(log.iter().any(|e| e.outcome == "allowed"));
    })
    .await;
}

#[tokio::test]
async fn a_deep_link_survives_the_sign_in_and_only_same_site_paths_are_followed() {
    let app = App::spawn(Backend::Sqlite).await;
    let email = app.email("Core-team lead");
    let team = app.principal(&email).await.core_teams[0].0;
    let c = browser_client();
    let r = c
        .get(format!("{}/teams/{team}?msg=hello", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let login = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert_eq!(login, format!("/login?next=/teams/{team}%3Fmsg%3Dhello"));
    let form = page_text(&c, format!("{}{login}", app.base)).await;
    assert!(
        form.contains(&format!("value=\"/teams/{team}?msg=hello\"")),
        "the form carries the path"
    );
    let r = sign_in(
        &app,
        &c,
        &email,
        ensemble_demo::DEMO_PASSWORD,
        &format!("/teams/{team}?msg=hello"),
    )
    .await;
    assert_eq!(
        r.headers()["location"],
        format!("/teams/{team}?msg=hello").as_str()
    );
    for evil in [
        "//evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/%0B",
        "/\u{b}",
        "/%7F",
        "https://evil.example/",
        "javascript:alert(1)",
        "/%2F%2Fevil.example",
    ] {
        let c = browser_client();
        let r = sign_in(&app, &c, &email, ensemble_demo::DEMO_PASSWORD, evil).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{evil:?}");
        assert_eq!(r.headers()["location"], "/", "{evil:?}");
        // And the same through the sign-in page's query.
        let page = c
            .get(format!("{}/login", app.base))
            .query(&[("next", evil)])
            .send()
            .await
            .expect("form");
        assert_eq!(page.status(), StatusCode::OK, "{evil:?}");
        assert!(
            page.text()
                .await
                .expect("html")
                .contains("name=\"next\" value=\"/\""),
            "{evil:?}"
        );
    }
}

#[tokio::test]
async fn a_bad_booking_is_refused_and_every_page_still_answers() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let member = app.token("Core-team member").await;
        let me = app.principal(&app.email("Core-team member")).await;
        let team = me.core_teams[0].0;
        let school = me.school.expect("school");
        let space = app.store.spaces(school).await.expect("spaces").rows[0].id.0;
        let url = format!("/api/v1/spaces/{space}/bookings");
        let book = |body: Value| app.send(Method::POST, &url, &member, body);
        // The booking that once broke the school's pages for everyone.
        let (s, v) = book(json!({"team_id": team, "day": "sunday", "period": 18446744073709551615u64, "headcount": 1})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        for (body, want) in [
            (json!({"team_id": team, "day": "monday", "period": 0, "headcount": 1}), StatusCode::BAD_REQUEST),
            (json!({"team_id": team, "day": "monday", "period": -3, "headcount": 1}), StatusCode::BAD_REQUEST),
            (json!({"team_id": team, "day": "monday", "period": 51, "headcount": 1}), StatusCode::BAD_REQUEST),
            (json!({"team_id": team, "day": "monday", "period": 1, "headcount": 0}), StatusCode::BAD_REQUEST),
            (json!({"team_id": team, "day": "monday", "period": 1, "headcount": 4294967297u64}), StatusCode::BAD_REQUEST),
            // In range for any school, but not in this school's grid or week.
            (json!({"team_id": team, "day": "monday", "period": 40, "headcount": 1}), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({"team_id": team, "day": "sunday", "period": 1, "headcount": 1}), StatusCode::UNPROCESSABLE_ENTITY),
        ] {
            let (s, v) = book(body.clone()).await;
            assert_eq!(s, want, "{body}: {v}");
        }
        // Another team is answered like a missing one.
        let (_, teams) = app.get("/api/v1/teams", &app.token("School leader").await).await;
        let other = teams.as_array().expect("teams").iter().find(|t| t["id"] != team && t["kind"] == "core").expect("other")["id"].clone();
        let (s, _) = book(json!({"team_id": other, "day": "monday", "period": 1, "headcount": 1})).await;
        let (s2, _) = book(json!({"team_id": 987654, "day": "monday", "period": 1, "headcount": 1})).await;
        assert_eq!((s, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
        // A good booking, listed and cancelled by whoever may make it; not by another team.
        let (s, created) = book(json!({"team_id": team, "day": "monday", "period": 1, "headcount": 1, "purpose": "small group"})).await;
        let id = created["id"].as_i64().unwrap_or_else(|| panic!("{s}: {created}"));
        let (_, listed) = app.get(&format!("/api/v1/teams/{team}/bookings"), &member).await;
        assert!(listed["bookings"].as_array().expect("bookings").iter().any(|x| x["id"] == id));
        let stranger = app.token("Core-team member, other team").await;
        assert_eq!(app.send(Method::DELETE, &format!("/api/v1/bookings/{id}"), &stranger, Value::Null).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.send(Method::DELETE, &format!("/api/v1/bookings/{id}"), &member, Value::Null).await.0, StatusCode::NO_CONTENT);
        assert_eq!(app.send(Method::DELETE, &format!("/api/v1/bookings/{id}"), &member, Value::Null).await.0, StatusCode::NOT_FOUND);

        // A stored booking that cannot be read (written by something else) leaves every page
        // up, named.
        app.db
            .execute(
                "UPDATE space_bookings SET period_idx = -2 WHERE id = (SELECT MIN(id) FROM space_bookings WHERE team_id = $1)",
                &[team],
            )
            .await;
        for role in ["School leader", "Core-team member", "Community educator"] {
            let c = app.browser(&app.email(role)).await;
            for path in [format!("/schools/{}", school.0), format!("/teams/{team}")] {
                let r = c.get(format!("{}{path}", app.base)).send().await.expect("get");
                assert_eq!(r.status(), StatusCode::OK, "{role} {path}");
                let html = r.text().await.expect("html");
                assert!(html.contains("id=\"unreadable\""), "{role} {path}: the bad record is named");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn every_write_is_audited_with_its_outcome() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let leader = app.token("School leader").await;
        let admin = app.token("System (district) leader").await;
        let teams = core_teams(&app, &leader).await;
        let saguaro = team_named(&teams, "6 Saguaro");
        let school = app.principal(&app.email("School leader")).await.school.expect("school").0;
        let (_, roster) = app.get(&format!("/api/v1/teams/{saguaro}/roster"), &leader).await;
        let student = roster["students"][0]["id"].as_i64().expect("id");
        let sourced = roster["students"][0]["sourced_id"].as_str().expect("sourced").to_owned();
        let ok = |s: StatusCode, what: &str| assert!(s.is_success(), "{what}: {s}");
        // Roster remove and add, profile and choices together.
        ok(app.send(Method::DELETE, &format!("/api/v1/teams/{saguaro}/roster/{student}"), &leader, Value::Null).await.0, "remove");
        ok(app.send(Method::POST, &format!("/api/v1/teams/{saguaro}/roster"), &leader, json!({"student_ids": [student]})).await.0, "add");
        ok(app.send(Method::PATCH, &format!("/api/v1/students/{student}/profile"), &leader, json!({"interests": ["chess"], "strengths": ["focus"], "choices": ["debate"]})).await.0, "profile");
        // A refused change (a student already on the roster) is audited as failed.
        assert_eq!(app.send(Method::POST, &format!("/api/v1/teams/{saguaro}/roster"), &leader, json!({"student_ids": [student]})).await.0, StatusCode::UNPROCESSABLE_ENTITY);
        // Grouping: propose, move, publish.
        let (s, g) = app.send(Method::POST, &format!("/api/v1/teams/{saguaro}/groupings"), &leader, json!({"block": "B1", "focus": "ela.main_idea", "strategy": "mixed"})).await;
        ok(s, "propose");
        let gid = g["id"].as_i64().expect("id");
        let groups = g["groups"].as_array().expect("groups");
        let from = groups
            .iter()
            .position(|x| !x["students"].as_array().expect("students").is_empty())
            .expect("a group with students");
        let who = groups[from]["students"][0]["sourced_id"].as_str().expect("student").to_owned();
        let to = groups[(from + 1) % groups.len()]["name"].as_str().expect("group").to_owned();
        ok(app.send(Method::POST, &format!("/api/v1/groupings/{gid}/moves"), &leader, json!({"student": who, "to": to})).await.0, "move");
        ok(app.send(Method::POST, &format!("/api/v1/groupings/{gid}/publish"), &leader, Value::Null).await.0, "publish");
        // Staffing: build, assign, save; district settings.
        let (s, plan) = app.send(Method::POST, &format!("/api/v1/schools/{school}/staffing/plans"), &leader, Value::Null).await;
        ok(s, "build");
        let pid = plan["id"].as_i64().expect("plan");
        let t0 = &plan["teams"][0];
        let holder = t0["members"][0]["educator"].as_str().expect("member").to_owned();
        ok(app.send(Method::POST, &format!("/api/v1/schools/{school}/staffing/plans/{pid}/assignments"), &leader, json!({"team": t0["name"], "responsibility": "team_lead", "holder": holder})).await.0, "assign");
        let (s, preview) = app.get(&format!("/api/v1/schools/{school}/staffing/plans/{pid}/preview"), &leader).await;
        ok(s, "preview");
        assert!(!preview["teams"].as_array().expect("changes").is_empty(), "applying changes teams");
        let _ = app.send(Method::POST, &format!("/api/v1/schools/{school}/staffing/plans/{pid}/save"), &leader, Value::Null).await;
        let (_, settings) = app.get(&format!("/api/v1/schools/{school}/staffing/settings"), &admin).await;
        ok(app.send(Method::PUT, &format!("/api/v1/schools/{school}/staffing/settings"), &admin, settings.clone()).await.0, "settings");
        assert_eq!(app.send(Method::PUT, &format!("/api/v1/schools/{school}/staffing/settings"), &leader, settings).await.0, StatusCode::NOT_FOUND);
        // Formative results through the API.
        let csv = format!("student_id,skill,date,score,source\n{sourced},math.fractions,2026-11-30,71,Exit ticket\n");
        let r = Client::new()
            .post(format!("{}/api/v1/assessments", app.base))
            .bearer_auth(&leader)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .expect("import");
        assert_eq!(r.status(), StatusCode::CREATED);
        // Sign-ins, good and bad.
        let c = browser_client();
        let _ = sign_in(&app, &c, &app.email("School leader"), "wrong", "/").await;
        let _ = sign_in(&app, &c, &app.email("School leader"), ensemble_demo::DEMO_PASSWORD, "/").await;

        let (_, log) = app.get("/api/v1/audit?limit=1000", &admin).await;
        let log = log.as_array().expect("log");
        let has = |action: &str, outcome: &str| log.iter().any(|e| e["action"] == action && e["outcome"] == outcome);
        for action in [
            actions::ROSTER_REMOVE,
            actions::ROSTER_ADD,
            actions::STUDENT_UPDATE,
            actions::GROUPING_PROPOSE,
            actions::GROUPING_MOVE,
            actions::GROUPING_PUBLISH,
            actions::STAFFING_BUILD,
            actions::STAFFING_ASSIGN,
            actions::STAFFING_SETTINGS,
            actions::ASSESSMENTS_IMPORT,
            actions::TOKEN_CREATE,
            actions::LOGIN,
        ] {
            assert!(has(action, "allowed"), "{b:?}: {action} is not in the log");
        }
        assert!(has(actions::ROSTER_ADD, "failed"), "a refused change is logged as failed");
        assert!(has(actions::STAFFING_SETTINGS, "denied"));
        assert!(has(actions::LOGIN, "denied"));
        assert!(has(actions::STAFFING_SAVE, "allowed") || has(actions::STAFFING_SAVE, "failed"));
        // The profile change names the student and what changed.
        assert!(log.iter().any(|e| e["action"] == actions::STUDENT_UPDATE
            && e["student_ids"] == json!([student])
            && e["detail"].as_str().is_some_and(|d| d.contains("chess") && d.contains("debate"))));
    })
    .await;
}

#[tokio::test]
async fn the_audit_page_filters_names_people_and_exports_csv() {
    let app = App::spawn(Backend::Sqlite).await;
    let member = app.token("Core-team member").await;
    let lead_email = app.email("Core-team lead");
    let lead = app.principal(&lead_email).await;
    let leader = app.token("School leader").await;
    // A refused read and a roster read, by the member.
    let (_, teams) = app.get("/api/v1/teams", &leader).await;
    let other = teams
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["kind"] == "core" && t["id"] != lead.core_teams[0].0)
        .expect("other")["id"]
        .as_i64()
        .expect("id");
    let (_, roster) = app
        .get(&format!("/api/v1/teams/{other}/roster"), &leader)
        .await;
    let stranger = &roster["students"][0];
    let (sid, sourced) = (
        stranger["id"].as_i64().expect("id"),
        stranger["sourced_id"].as_str().expect("sourced").to_owned(),
    );
    assert_eq!(
        app.get(&format!("/api/v1/students/{sid}"), &member).await.0,
        StatusCode::NOT_FOUND
    );
    let c = app.browser(&app.email("School leader")).await;
    // Refusals only.
    let html = page_text(
        &c,
        format!("{}/audit?outcome=denied&action=student.read", app.base),
    )
    .await;
    assert!(
        html.contains("refused") && html.contains("opened a student&#39;s record"),
        "{html}"
    );
    assert!(!html.contains("class=\"outcome-allowed\""), "only refusals");
    // By student (sourcedId): the refusal, and the leader's own roster read that listed them.
    let html = page_text(&c, format!("{}/audit?student={sourced}", app.base)).await;
    assert!(html.contains("read a team&#39;s roster"), "{html}");
    assert!(
        html.contains("refused"),
        "the member's refused attempt is there too"
    );
    assert!(
        html.contains(&format!("/students/{sid}")),
        "linked to the record"
    );
    // By person: names, not only addresses.
    let member_user = app.principal(&app.email("Core-team member")).await.user.0;
    let html = page_text(&c, format!("{}/audit?person={member_user}", app.base)).await;
    let name = app
        .principal(&app.email("Core-team member"))
        .await
        .display_name;
    assert!(html.contains(&name));
    assert!(
        html.contains("<time datetime=\""),
        "times for the reader's own time zone"
    );
    // A typo in the filter says what is wrong, and shows nothing.
    let html = page_text(&c, format!("{}/audit?student=no-such-kid", app.base)).await;
    assert!(html.contains("no student") && html.contains("id=\"audit-empty\""));
    // CSV.
    let r = c
        .get(format!("{}/audit.csv?outcome=denied", app.base))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/csv"));
    let csv = r.text().await.expect("csv");
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .expect("header")
        .starts_with("id,time_utc,user_id,person"));
    assert!(lines.all(|l| l.contains(",denied,")), "{csv}");
    // Not for educators: answered like a page that does not exist.
    let m = app.browser(&app.email("Core-team member")).await;
    assert_eq!(
        m.get(format!("{}/audit", app.base))
            .send()
            .await
            .expect("get")
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        m.get(format!("{}/audit.csv", app.base))
            .send()
            .await
            .expect("get")
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn slow_clients_are_cut_off_and_https_deployments_get_hsts() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config = ensemble_server::Config {
        header_timeout: Duration::from_millis(500),
        body_timeout: Duration::from_millis(500),
        secure_cookies: true,
        ..Default::default()
    };
    let app = App::spawn_with(Backend::Sqlite, config).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    // Headers that never finish: the connection is closed.
    let mut s = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server waited more than 5 s for headers");
    // A body that never arrives: refused within the body timeout.
    let mut s = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    s.write_all(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=a").await.expect("write");
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server waited more than 5 s for a body");
    let text = String::from_utf8_lossy(&buf);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 4"), "{text}");
    // HSTS when served over HTTPS.
    let r = Client::new()
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("get");
    assert!(r.headers()["strict-transport-security"]
        .to_str()
        .expect("hsts")
        .contains("max-age="));
    let plain = App::spawn(Backend::Sqlite).await;
    let r = Client::new()
        .get(format!("{}/healthz", plain.base))
        .send()
        .await
        .expect("get");
    assert!(!r.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn internal_failures_answer_500_with_nothing_of_the_cause() {
    let app = App::spawn(Backend::Sqlite).await;
    let leader = app.token("School leader").await;
    let school = app
        .principal(&app.email("School leader"))
        .await
        .school
        .expect("school");
    let student = app
        .store
        .roster_facts(
            app.store.teams(Some(school)).await.expect("teams").rows[0].id,
            None,
        )
        .await
        .expect("facts")[0]
        .student;
    // Something outside Ensemble breaks the database under it.
    app.db.execute("DROP TABLE student_choices", &[]).await;
    let (s, v) = app
        .get(&format!("/api/v1/students/{}", student.0), &leader)
        .await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(v["error"]["code"], "internal");
    let text = v.to_string();
    assert!(
        !text.contains("student_choices") && !text.contains("table"),
        "{text}"
    );
    let c = app.browser(&app.email("School leader")).await;
    let r = c
        .get(format!("{}/students/{}", app.base, student.0))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!r.text().await.expect("html").contains("student_choices"));
    let _ = (StudentId(0), TeamId(0), SchoolId(0));
}
