//! The stories the application has told since its first issues: rosters, pages, staffing and
//! grouping, each on both backends.

use crate::harness::*;
use ensemble_store::testing::each_backend;
use ensemble_store::{actions, Actor, AuditFilter, Backend};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn a_member_reads_their_roster_and_is_refused_another_teams_student() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let member = app.token("Core-team member").await;
        let leader = app.token("School leader").await;
        let (s, me) = app.get("/api/v1/me", &member).await;
        assert_eq!(s, StatusCode::OK);
        let my_team = me["core_team_ids"][0].as_i64().expect("a core team");

        let (s, roster) = app
            .get(&format!("/api/v1/teams/{my_team}/roster"), &member)
            .await;
        assert_eq!(s, StatusCode::OK, "{roster}");
        let students = roster["students"].as_array().expect("students");
        assert!(students.len() >= 100, "{b:?}: {} students", students.len());
        assert!(students
            .iter()
            .all(|s| s["access"] == "full" && s["needs"].is_object()));

        let (_, teams) = app.get("/api/v1/teams", &leader).await;
        let other = teams
            .as_array()
            .expect("teams")
            .iter()
            .find(|t| t["kind"] == "core" && t["id"] != my_team)
            .expect("another core team")
            .clone();
        let (_, other_roster) = app
            .get(&format!("/api/v1/teams/{}/roster", other["id"]), &leader)
            .await;
        let stranger = other_roster["students"][0]["id"]
            .as_i64()
            .expect("a student");

        let (s, refused) = app
            .get(&format!("/api/v1/students/{stranger}"), &member)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s2, missing) = app.get("/api/v1/students/987654", &member).await;
        assert_eq!(s2, StatusCode::NOT_FOUND);
        // The refusal does not tell a hidden student from a missing one.
        let shape = |v: &Value| {
            v["error"]["message"]
                .as_str()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_ascii_digit())
                .collect::<String>()
        };
        assert_eq!(shape(&refused), shape(&missing));
        // Another team's roster answers like a team that does not exist.
        let (s, refused) = app
            .get(&format!("/api/v1/teams/{}/roster", other["id"]), &member)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, missing) = app.get("/api/v1/teams/987654/roster", &member).await;
        assert_eq!(shape(&refused), shape(&missing));

        // The reads and the refusal are in the audit log, which the member may not read.
        let (s, log) = app.get("/api/v1/audit?limit=50", &leader).await;
        assert_eq!(s, StatusCode::OK);
        let log = log.as_array().expect("entries");
        let has = |action: &str, target: i64, outcome: &str| {
            log.iter().any(|e| {
                e["action"] == action
                    && e["target_id"] == target
                    && e["outcome"] == outcome
                    && e["actor"] == app.email("Core-team member")
            })
        };
        assert!(has("roster.read", my_team, "allowed"));
        assert!(has("student.read", stranger, "denied"));
        assert!(has("student.read", 987654, "not_found"));
        assert!(has(
            "roster.read",
            other["id"].as_i64().expect("id"),
            "denied"
        ));
        assert_eq!(
            app.get("/api/v1/audit", &member).await.0,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

#[tokio::test]
async fn extended_and_community_members_see_only_what_they_need() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let specialist = app.token("Extended team: specialist").await;
        let community = app.token("Community educator").await;
        let leader = app.token("School leader").await;
        let (_, teams) = app.get("/api/v1/teams", &leader).await;
        let core: Vec<i64> = teams
            .as_array()
            .expect("teams")
            .iter()
            .filter(|t| t["kind"] == "core")
            .filter_map(|t| t["id"].as_i64())
            .collect();
        let mut seen = 0;
        for t in &core {
            let (s, r) = app
                .get(&format!("/api/v1/teams/{t}/roster"), &specialist)
                .await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(r["scope"], "served_only");
            for st in r["students"].as_array().expect("students") {
                seen += 1;
                assert_eq!(st["access"], "profile");
                // The special-education specialist sees plans and accommodations of the
                // students they serve, never demographics, health or who else serves them.
                assert!(
                    st["demographics"].is_null() && st["served_by"].is_null(),
                    "{st}"
                );
                assert_eq!(st["sensitive"], json!(["plans", "accommodations"]), "{st}");
                assert!(st["needs"]["iep"].is_boolean(), "{st}");
                assert!(
                    st["needs"]["health"].is_null()
                        && st["needs"]["english_learner"].is_null()
                        && st["needs"]["home_language"].is_null(),
                    "{st}"
                );
                assert!(st["profile"].is_object());
            }
        }
        assert!(seen > 0, "the specialist serves some students");
        // A student the specialist does not serve is refused.
        let (_, whole) = app
            .get(&format!("/api/v1/teams/{}/roster", core[0]), &leader)
            .await;
        let mut refused = 0;
        for st in whole["students"]
            .as_array()
            .expect("students")
            .iter()
            .take(40)
        {
            let id = st["id"].as_i64().expect("id");
            let (s, v) = app
                .get(&format!("/api/v1/students/{id}"), &specialist)
                .await;
            match s {
                StatusCode::OK => assert!(v["demographics"].is_null()),
                StatusCode::NOT_FOUND => refused += 1,
                other => panic!("unexpected {other}"),
            }
        }
        assert!(refused > 0);
        // The community educator sees names and groups only.
        let mut community_seen = 0;
        for t in &core {
            let (_, r) = app
                .get(&format!("/api/v1/teams/{t}/roster"), &community)
                .await;
            for st in r["students"].as_array().expect("students") {
                community_seen += 1;
                assert_eq!(st["access"], "directory");
                assert_eq!(st["sensitive"], json!([]));
                assert!(
                    st["profile"].is_null() && st["grade"].is_null() && st["needs"].is_null(),
                    "{st}"
                );
                assert!(st["given_name"].is_string() && st["team"]["name"].is_string());
            }
        }
        assert!(community_seen > 0);
    })
    .await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_changes_nothing() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let leader = app.token("School leader").await;
        let (_, teams) = app.get("/api/v1/teams", &leader).await;
        let team = teams[0]["id"].as_i64().expect("team");
        let size = teams[0]["roster_size"].as_i64().expect("size");
        let (_, roster) = app
            .get(&format!("/api/v1/teams/{team}/roster"), &leader)
            .await;
        let first = roster["students"][0]["id"].as_i64().expect("student");
        let c = Client::new();
        let url = format!("{}/api/v1/teams/{team}/roster", app.base);

        // Malformed JSON.
        let r = c
            .post(&url)
            .bearer_auth(&leader)
            .header("content-type", "application/json")
            .body("{\"student_ids\": [1,")
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let v: Value = r.json().await.expect("json error");
        assert!(
            v["error"]["message"]
                .as_str()
                .expect("message")
                .contains("JSON"),
            "{v}"
        );
        // Wrong content type.
        let r = c
            .post(&url)
            .bearer_auth(&leader)
            .body("student_ids=1")
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        // Unknown field and wrong types.
        assert_eq!(
            app.send(
                reqwest::Method::POST,
                &format!("/api/v1/teams/{team}/roster"),
                &leader,
                json!({"students": [1]})
            )
            .await
            .0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            app.send(
                reqwest::Method::POST,
                &format!("/api/v1/teams/{team}/roster"),
                &leader,
                json!({"student_ids": "x"})
            )
            .await
            .0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        // Oversized body.
        let big = json!({ "student_ids": vec![1; 40_000] });
        let r = c
            .post(&url)
            .bearer_auth(&leader)
            .json(&big)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        // Unknown and malformed ids.
        assert_eq!(
            app.get("/api/v1/teams/424242", &leader).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/api/v1/teams/abc", &leader).await.0,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            app.get("/api/v1/nowhere", &leader).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/api/v1/audit?limit=many", &leader).await.0,
            StatusCode::BAD_REQUEST
        );
        // No token, a wrong token.
        assert_eq!(
            app.get("/api/v1/teams", "").await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.get("/api/v1/teams", "ens_nope").await.0,
            StatusCode::UNAUTHORIZED
        );

        // All or nothing: a free student with one already on another roster adds neither.
        let (_, other) = app
            .get(&format!("/api/v1/teams/{}/roster", teams[1]["id"]), &leader)
            .await;
        let taken = other["students"][0]["id"].as_i64().expect("student");
        let (s, _) = app
            .send(
                reqwest::Method::DELETE,
                &format!("/api/v1/teams/{team}/roster/{first}"),
                &leader,
                json!(null),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, v) = app
            .send(
                reqwest::Method::POST,
                &format!("/api/v1/teams/{team}/roster"),
                &leader,
                json!({"student_ids": [first, taken]}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .expect("message")
                .contains("already on the roster"),
            "{v}"
        );
        let (_, after) = app.get(&format!("/api/v1/teams/{team}"), &leader).await;
        assert_eq!(
            after["team"]["roster_size"].as_i64(),
            Some(size - 1),
            "nothing was added"
        );
        let (s, v) = app
            .send(
                reqwest::Method::POST,
                &format!("/api/v1/teams/{team}/roster"),
                &leader,
                json!({"student_ids": [first]}),
            )
            .await;
        assert_eq!((s, v["added"].as_i64()), (StatusCode::CREATED, Some(1)));
        // A member (not a leader) may not change rosters: answered like a missing team.
        let member = app.token("Core-team member").await;
        let (s, _) = app
            .send(
                reqwest::Method::DELETE,
                &format!("/api/v1/teams/{team}/roster/{first}"),
                &member,
                json!(null),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn the_models_rules_are_refused_with_what_and_where() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let leader = app.token("School leader").await;
        let (_, teams) = app.get("/api/v1/teams", &leader).await;
        let ext = teams.as_array().expect("teams").iter().find(|t| t["kind"] == "extended").expect("extended").clone();
        let (_, ext_detail) = app.get(&format!("/api/v1/teams/{}", ext["id"]), &leader).await;
        let para = ext_detail["members"].as_array().expect("members").iter().find(|m| m["role_type"] == "paraeducator").expect("para")["educator_id"].clone();
        let spec = ext_detail["members"].as_array().expect("members").iter().find(|m| m["role_type"] == "specialist").expect("specialist")["educator_id"].clone();
        let body = json!({"name": "8 Cholla", "kind": "core", "members": [{"educator_id": para, "role": "lead"}, {"educator_id": spec, "role": "member"}]});
        let (s, v) = app.send(reqwest::Method::POST, "/api/v1/teams", &leader, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let msg = v["error"]["message"].as_str().expect("message");
        assert!(msg.contains("8 Cholla") && msg.contains("at least two professional educators"), "{msg}");
        let (_, detail) = app.get(&format!("/api/v1/teams/{}", teams[0]["id"]), &leader).await;
        let pros: Vec<Value> = detail["members"].as_array().expect("members").iter().filter(|m| m["professional"] == true).map(|m| m["educator_id"].clone()).collect();
        let body = json!({"name": "Pilot team", "kind": "core", "description": "two veterans", "members": [{"educator_id": pros[0], "role": "lead"}, {"educator_id": pros[1], "role": "member"}]});
        let (s, v) = app.send(reqwest::Method::POST, "/api/v1/teams", &leader, body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");

        // Space over capacity: the first team fills 25 of each zone's 35 seats in every block.
        let booking = json!({"team_id": teams[0]["id"], "day": "monday", "period": 2, "headcount": 11, "purpose": "extra group"});
        let zone = app.store.spaces(ensemble_domain::SchoolId(1)).await.expect("spaces").rows.into_iter().find(|s| s.kind == ensemble_domain::SpaceKind::Zone).expect("zone");
        let (s, v) = app.send(reqwest::Method::POST, &format!("/api/v1/spaces/{}/bookings", zone.id), &leader, booking).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let msg = v["error"]["message"].as_str().expect("message");
        assert!(msg.contains(&zone.name) && msg.contains("Monday period 2"), "{msg}");
        let ok = json!({"team_id": teams[0]["id"], "day": "monday", "period": 1, "headcount": 20});
        assert_eq!(app.send(reqwest::Method::POST, &format!("/api/v1/spaces/{}/bookings", zone.id), &leader, ok).await.0, StatusCode::CREATED);
        let bad_day = json!({"team_id": teams[0]["id"], "day": "someday", "period": 1, "headcount": 20});
        assert_eq!(app.send(reqwest::Method::POST, &format!("/api/v1/spaces/{}/bookings", zone.id), &leader, bad_day).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

#[tokio::test]
async fn pages_sign_in_protect_forms_and_limit_attempts() {
    let app = App::spawn(Backend::Sqlite).await;
    let member = app.email("Core-team member");
    let c = app.browser(&member).await;
    let home = c.get(format!("{}/", app.base)).send().await.expect("home");
    assert_eq!(home.status(), StatusCode::SEE_OTHER);
    let overview = c
        .get(format!(
            "{}{}",
            app.base,
            home.headers()["location"].to_str().expect("location")
        ))
        .send()
        .await
        .expect("overview");
    assert_eq!(overview.status(), StatusCode::OK);
    let html = overview.text().await.expect("html");
    assert!(html.contains("Desert Willow Middle School") && html.contains("Learning Studio"));

    // A student of the member's team: their page, and a profile edit with and without CSRF.
    let me = app
        .store
        .login_lookup(&member)
        .await
        .expect("lookup")
        .expect("account")
        .0;
    let p = app
        .store
        .principal(me)
        .await
        .expect("principal")
        .expect("principal");
    let facts = app
        .store
        .roster_facts(p.core_teams[0], p.educator)
        .await
        .expect("facts");
    let sid = facts[0].student.0;
    let page = page_text(&c, format!("{}/students/{sid}", app.base)).await;
    assert!(page.contains("Needs and plans"));
    let csrf = csrf_of(&page);
    let r = c
        .post(format!("{}/students/{sid}/profile", app.base))
        .form(&[
            ("csrf", "forged"),
            ("interests", "chess"),
            ("strengths", ""),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .post(format!("{}/students/{sid}/profile", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("interests", &"x".repeat(61)),
            ("strengths", ""),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("html").contains("Nothing was saved"));
    let r = c
        .post(format!("{}/students/{sid}/profile", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("interests", "chess, astronomy"),
            ("strengths", "persistent"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = page_text(&c, format!("{}/students/{sid}", app.base)).await;
    assert!(page.contains("chess, astronomy"));
    // A form post from another site is refused before it reaches the handler.
    let r = c
        .post(format!("{}/logout", app.base))
        .header("origin", "http://evil.example")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Signed out, pages redirect to the sign-in form.
    let r = c
        .post(format!("{}/logout", app.base))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c
        .get(format!("{}/students/{sid}", app.base))
        .send()
        .await
        .expect("student");
    assert_eq!(
        r.headers()["location"],
        format!("/login?next=/students/{sid}").as_str(),
        "the sign-in form brings the reader back"
    );

    // Failed sign-ins are limited per account.
    let anon = Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let mut last = StatusCode::OK;
    for _ in 0..7 {
        let csrf = csrf_of(
            &anon
                .get(format!("{}/login", app.base))
                .send()
                .await
                .expect("form")
                .text()
                .await
                .expect("html"),
        );
        last = anon
            .post(format!("{}/login", app.base))
            .form(&[
                ("email", member.as_str()),
                ("password", "wrong"),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .expect("post")
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // A sign-in without the form's token is refused.
    let r = Client::new()
        .post(format!("{}/login", app.base))
        .form(&[
            ("email", "principal@demo.example"),
            ("password", ensemble_demo::DEMO_PASSWORD),
            ("csrf", "x"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A form with missing fields is a clear 4xx.
    let c2 = app.browser(&app.email("School leader")).await;
    let r = c2
        .post(format!("{}/teams/1/roster", app.base))
        .form(&[("nothing", "here")])
        .send()
        .await
        .expect("post");
    assert!(r.status().is_client_error(), "{}", r.status());
}

/// Every API route the server answers is in the OpenAPI document, and every operation the
/// document names is answered, with its error responses documented.
#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let app = App::spawn(Backend::Sqlite).await;
    let (s, doc) = app.get("/api/v1/openapi.json", "").await;
    assert_eq!(s, StatusCode::OK);
    let mut documented: Vec<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .into_iter()
                .flat_map(|o| o.keys())
                .filter(|m| m.as_str() != "parameters")
                .map(move |m| format!("{} {p}", m.to_uppercase()))
        })
        .collect();
    documented.sort();
    let mut routed: Vec<String> = ensemble_server::route_list()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/v1/") && r.path != "/api/v1/openapi.json")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    routed.sort();
    assert_eq!(documented, routed);
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            let responses = op["responses"].as_object().expect("responses");
            for code in ["400", "401"] {
                assert!(responses.contains_key(code), "{method} {path} lacks {code}");
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path} lacks 404");
            }
        }
    }
}

/// The staffing page: leaders only; building a plan reads need counts (audited); an edit into
/// an unready holder is flagged at once; a plan that would leave a team short of professionals
/// is refused without changing anything; a good plan is saved as the school's teams.
#[tokio::test]
async fn a_leader_builds_edits_and_saves_a_staffing_plan() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let school = app.store.schools().await.expect("schools")[0].id.0;
        let url = format!("{}/schools/{school}/staffing", app.base);
        for role in ["Core-team member", "Community educator"] {
            let c = app.browser(&app.email(role)).await;
            let r = c.get(&url).send().await.expect("get");
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{role} is refused");
        }
        let c = app.browser(&app.email("School leader")).await;
        let html = page_text(&c, &url).await;
        assert!(html.contains("id=\"build-plan\""), "{html}");
        let csrf = csrf_of(&html);
        let (location, plan_id) = build_plan(&c, &url, &csrf).await;
        let html = page_text(&c, format!("{}{location}", app.base)).await;
        for part in [
            "id=\"heatmap-0\"",
            "id=\"hiring\"",
            "Team-based plan",
            "Traditional: one teacher per classroom",
            "● holds",
        ] {
            assert!(html.contains(part), "{part} missing on the plan page");
        }
        let audit = app
            .store
            .audit_log(
                &AuditFilter {
                    school: Some(ensemble_domain::SchoolId(school)),
                    ..Default::default()
                },
                50,
            )
            .await
            .expect("audit");
        assert!(
            audit
                .iter()
                .any(|a| a.action == "students.aggregate" && a.outcome == "allowed"),
            "the need-count read is audited"
        );

        // Edit: the first team's lead becomes someone not ready to lead.
        let row = app
            .store
            .staffing_plan(ensemble_domain::SchoolId(school), plan_id)
            .await
            .expect("read")
            .expect("plan");
        let plan: ensemble_staffing::Plan = serde_json::from_str(&row.plan).expect("plan json");
        let team = &plan.design.schools[0].teams[0];
        let unready = team
            .members
            .iter()
            .find(|m| {
                let (_, c) = plan.input.educator(&m.educator).expect("in the pool");
                matches!(
                    c.role,
                    ensemble_domain::RoleType::NoviceTeacher
                        | ensemble_domain::RoleType::ResidentTeacher
                )
            })
            .expect("a novice or resident on the first team");
        let assign = format!("{url}/{plan_id}/assign");
        let r = c
            .post(&assign)
            .form(&[
                ("csrf", csrf.as_str()),
                ("team", &team.name),
                ("responsibility", "team_lead"),
                ("holder", &unready.educator),
                ("coach", ""),
            ])
            .send()
            .await
            .expect("assign");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let html = page_text(&c, format!("{url}?plan={plan_id}")).await;
        assert!(
            html.contains("Holder not ready"),
            "the validator flags the edit"
        );
        // A holder who is not on the team is refused, and the plan is unchanged.
        let before = app
            .store
            .staffing_plan(ensemble_domain::SchoolId(school), plan_id)
            .await
            .expect("read")
            .expect("plan")
            .plan;
        let r = c
            .post(&assign)
            .form(&[
                ("csrf", csrf.as_str()),
                ("team", &team.name),
                ("responsibility", "team_lead"),
                ("holder", "nobody-such"),
                ("coach", ""),
            ])
            .send()
            .await
            .expect("assign");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            app.store
                .staffing_plan(ensemble_domain::SchoolId(school), plan_id)
                .await
                .expect("read")
                .expect("plan")
                .plan,
            before
        );

        // The plan is for next term, and nothing has changed yet.
        let terms = app
            .store
            .school_terms(ensemble_domain::SchoolId(school))
            .await
            .expect("terms");
        let spring = terms.iter().find(|t| t.name == "Spring 2027").expect("next term");
        let fall = terms.iter().find(|t| t.current).expect("this term");
        assert_eq!(row.term, Some(spring.id), "a plan is for next term by default");
        let db = &app.db;
        let teams_in = |term: ensemble_domain::TermId| {
            let store = app.store.clone();
            async move {
                let mut out = Vec::new();
                for t in store
                    .teams_in_term(ensemble_domain::SchoolId(school), term)
                    .await
                    .expect("teams")
                    .rows
                {
                    let detail = store.team(t.id).await.expect("team").expect("team");
                    let mut members: Vec<String> =
                        detail.members.iter().map(|m| m.name.clone()).collect();
                    members.sort();
                    let roster: std::collections::BTreeSet<String> = db
                        .strings(&format!(
                            "SELECT CAST(student_id AS TEXT) FROM roster_entries WHERE team_id = {}",
                            t.id.0
                        ), &[])
                        .await
                        .into_iter()
                        .collect();
                    out.push((t.name, members, roster));
                }
                out
            }
        };
        let fall_before = teams_in(fall.id).await;
        assert!(teams_in(spring.id).await.is_empty(), "no team exists in Spring yet");

        // The review lists every change; with an open problem (the unready lead) applying
        // needs a reason, and without one nothing changes.
        let review = page_text(&c, format!("{url}/{plan_id}/review")).await;
        for part in ["Apply plan", "Spring 2027", "id=\"team-changes\"", "id=\"moves\"", "Holder not ready", "id=\"reason\""] {
            assert!(review.contains(part), "{part} missing on the review page");
        }
        let apply = |reason: &str, confirmed: &str| {
            let (c, u, csrf) = (c.clone(), format!("{url}/{plan_id}/apply"), csrf.clone());
            let form = [("csrf", csrf), ("reason", reason.to_owned()), ("confirmed", confirmed.to_owned())];
            async move { c.post(u).form(&form).send().await.expect("apply") }
        };
        let r = apply("", "yes").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.expect("page");
        assert!(body.contains("give the reason"), "{body}");
        assert!(teams_in(spring.id).await.is_empty(), "a refused apply changes nothing");
        // Unconfirmed (no script): the server asks first, naming the term.
        let r = apply("We hire a lead in January", "").await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.text().await.expect("page").contains("Apply plan"), "the question is asked");
        assert!(teams_in(spring.id).await.is_empty());

        // A plan whose first team keeps only one professional is refused as a whole, reason or
        // not.
        let store_plan = |p: &ensemble_staffing::Plan| {
            let json = serde_json::to_string(p).expect("json");
            let store = app.store.clone();
            async move {
                store
                    .update_staffing_plan(
                        ensemble_domain::SchoolId(school),
                        plan_id,
                        &json,
                        &Actor::command_line("test").entry(actions::STAFFING_ASSIGN, "staffing_plan", Some(plan_id)),
                    )
                    .await
                    .expect("store");
            }
        };
        let mut broken = plan.clone();
        let t0 = &mut broken.design.schools[0].teams[0];
        let keep = t0
            .members
            .iter()
            .find(|m| {
                plan.input
                    .educator(&m.educator)
                    .is_some_and(|(_, c)| c.role.is_professional())
            })
            .expect("a professional")
            .clone();
        t0.members = vec![keep];
        store_plan(&broken).await;
        assert_eq!(apply("Try anyway", "yes").await.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b:?}");
        assert!(teams_in(spring.id).await.is_empty(), "a refused apply changes nothing");

        // The designed plan applies to Spring — with the leader's reason, since the demo's
        // extended team cannot give every service minute: every planned team has its planned
        // members, keeps its name, grade band and roster from Fall; Fall is untouched.
        store_plan(&plan).await;
        let reason = "We hire for the service shortfalls in January";
        let r = apply(reason, "yes").await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{b:?}: {}",
            r.text().await.unwrap_or_default()
        );
        let spring_teams = teams_in(spring.id).await;
        assert_eq!(
            teams_in(fall.id).await,
            fall_before,
            "this term's teams are untouched"
        );
        let grade_of: std::collections::BTreeMap<String, String> = app
            .db
            .strings(
                "SELECT CAST(id AS TEXT) || '|' || CAST(grade AS TEXT) FROM students",
                &[],
            )
            .await
            .into_iter()
            .filter_map(|x| x.split_once('|').map(|(a, b)| (a.to_owned(), b.to_owned())))
            .collect();
        let bands = &plan.input.schools[0].bands;
        for t in &plan.design.schools[0].teams {
            let (_, members, roster) = spring_teams
                .iter()
                .find(|s| s.0 == t.name)
                .expect("applied team");
            assert_eq!(members.len(), t.members.len(), "{}", t.name);
            let band = bands.iter().find(|b| b.name == t.band).expect("band");
            for s in roster {
                let g: u8 = grade_of[s].parse().expect("grade");
                assert!(
                    band.grades.contains(&g),
                    "{} holds a grade-{g} student but is a {} team",
                    t.name,
                    t.band
                );
            }
            let (_, _, before) = fall_before
                .iter()
                .find(|f| f.0 == t.name)
                .expect("the plan's teams continue this term's");
            assert_eq!(roster, before, "{} keeps its roster", t.name);
        }
        let applied = app
            .store
            .staffing_plan(ensemble_domain::SchoolId(school), plan_id)
            .await
            .expect("read")
            .expect("plan");
        assert!(applied.saved_at.is_some());
        assert_eq!(applied.override_reason.as_deref(), Some(reason));
        let html = page_text(&c, url.clone()).await;
        assert!(
            html.contains("Applied by Rosa Delgado"),
            "the list shows the plan applied"
        );
        let audit = app
            .store
            .audit_log(&AuditFilter::default(), 50)
            .await
            .expect("audit");
        assert!(audit
            .iter()
            .any(|a| a.action == "staffing.save" && a.detail.contains(reason)));
        assert!(
            audit
                .iter()
                .any(|a| a.action == "staffing.save"
                    && a.outcome == "failed"
                    && a.detail.contains("give the reason")),
            "the refusal is audited"
        );
    })
    .await;
}

/// A district leader changes the staffing catalog and policy: bad JSON is refused with where it
/// is and stores nothing; a school leader may read but not change it; plans use it.
#[tokio::test]
async fn a_district_leader_sets_the_staffing_policy_that_plans_use() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let school = app.store.schools().await.expect("schools")[0].id;
        let url = format!("{}/schools/{}/staffing", app.base, school.0);
        let settings_url = format!("{url}/settings");
        let admin = app.browser(&app.email("System (district) leader")).await;
        let html = page_text(&admin, &settings_url).await;
        assert!(
            html.contains("id=\"save-settings\"") && html.contains("id=\"save-json\""),
            "a district leader may edit"
        );
        let csrf = csrf_of(&html);
        let post_json = |c: &Client, csrf: &str, body: &str| {
            let (c, u) = (c.clone(), settings_url.clone());
            let form = [
                ("csrf", csrf.to_owned()),
                ("mode", "json".to_owned()),
                ("settings", body.to_owned()),
            ];
            async move { c.post(u).form(&form).send().await.expect("post") }
        };
        // A typo in the JSON: refused with its line, the text kept for mending.
        let typo = "{\n  \"policy\": {\"roster\": [60, 100],}\n}";
        let r = post_json(&admin, &csrf, typo).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = r.text().await.expect("body");
        assert!(page.contains("line 2"), "the error says where");
        assert!(page.contains("[60, 100],}"), "the text is kept: {page}");
        let r = post_json(&admin, &csrf, r#"{"policy": {"roster": [100, 60]}}"#).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "a bad value is refused"
        );
        // A typo in the form: refused naming the field, what was typed kept.
        let r = admin
            .post(&settings_url)
            .form(&[
                ("csrf", csrf.as_str()),
                ("mode", "form"),
                ("policy.roster.0", "6O"),
                ("role.5.group_hi", "6"),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = r.text().await.expect("body");
        assert!(
            page.contains("Fewest students on a core team: “6O” is not a whole number."),
            "{page}"
        );
        assert!(page.contains("value=\"6O\""), "what was typed is kept");
        assert_eq!(
            app.store.staffing_settings(school).await.expect("read"),
            None,
            "nothing stored"
        );
        let r = post_json(&admin, &csrf, r#"{"policy": {"roster": [60, 100]}}"#).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        // The form changes one role's group sizes, keeping the rest.
        let r = admin
            .post(&settings_url)
            .form(&[
                ("csrf", csrf.as_str()),
                ("mode", "form"),
                ("role.5.group_hi", "5"),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let stored: ensemble_staffing::Settings = serde_json::from_str(
            &app.store
                .staffing_settings(school)
                .await
                .expect("read")
                .expect("stored"),
        )
        .expect("json");
        assert_eq!(stored.catalog.roles[5].group_size(), [1, 5]);
        assert_eq!(stored.policy.roster, [60, 100]);

        let leader = app.browser(&app.email("School leader")).await;
        let html = page_text(&leader, &settings_url).await;
        assert!(
            !html.contains("id=\"save-settings\"") && html.contains("readonly"),
            "a school leader reads it"
        );
        let csrf = csrf_of(&html);
        let r = post_json(&leader, &csrf, r#"{"policy": {"roster": [10, 20]}}"#).await;
        assert_eq!(
            r.status(),
            StatusCode::NOT_FOUND,
            "only district leaders change it"
        );
        let (_, plan_id) = build_plan(&leader, &url, &csrf).await;
        let row = app
            .store
            .staffing_plan(school, plan_id)
            .await
            .expect("read")
            .expect("plan");
        let plan: ensemble_staffing::Plan = serde_json::from_str(&row.plan).expect("json");
        assert_eq!(plan.input.policy.roster, [60, 100]);
        let teams = &plan.design.schools[0].teams;
        assert!(
            teams.iter().all(|t| (60..=100).contains(&t.roster)),
            "rosters follow the district's policy"
        );
    })
    .await;
}

/// The grouping board: team members and leaders only (an extended-team member and another
/// team's member are refused); reads are audited; a hand move into a full group is warned; a
/// published grouping is never changed; an assessment file with a bad student imports nothing.
#[tokio::test]
async fn the_grouping_board_is_for_the_team_and_its_changes_are_checked() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let member = app.token("Core-team member").await;
        let (_, me) = app.get("/api/v1/me", &member).await;
        let team = me["core_team_ids"][0].as_i64().expect("a core team");
        let url = format!("{}/teams/{team}/grouping", app.base);
        for role in [
            "Core-team member, other team",
            "Extended team: paraeducator",
            "Community educator",
        ] {
            let c = app.browser(&app.email(role)).await;
            let r = c.get(&url).send().await.expect("get");
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{role}");
        }
        let c = app.browser(&app.email("Core-team member")).await;
        let html = page_text(&c, &url).await;
        assert!(
            html.contains("math.fractions"),
            "the formative data's skills are offered"
        );
        let csrf = csrf_of(&html);
        let r = c
            .post(&url)
            .form(&[
                ("csrf", csrf.as_str()),
                ("block", "Tuesday block 2"),
                ("focus", "math.fractions"),
                ("strategy", "need"),
            ])
            .send()
            .await
            .expect("propose");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b:?}");
        let location = r.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        let gid: i64 = location
            .rsplit('=')
            .next()
            .and_then(|n| n.parse().ok())
            .expect("id");
        let audit = app
            .store
            .audit_log(&AuditFilter::default(), 100)
            .await
            .expect("audit");
        assert!(audit
            .iter()
            .any(|a| a.action == "assessments.read" && a.outcome == "allowed"));
        assert!(audit
            .iter()
            .any(|a| a.action == "grouping.propose" && a.outcome == "allowed"));
        // The engine's grouping passes its own checker as stored.
        let grant = app.board_grant(team).await;
        let row = app
            .store
            .grouping(&grant, gid)
            .await
            .expect("read")
            .expect("grouping");
        let input: ensemble_grouping::Input = serde_json::from_str(&row.input).expect("input");
        let g: ensemble_grouping::Grouping = serde_json::from_str(&row.grouping).expect("grouping");
        assert!(ensemble_grouping::check(&input, &g).is_valid());
        // Everyone into the first group: the page warns.
        let first = g.groups[0].name.clone();
        for s in g.groups.iter().skip(1).flat_map(|x| x.students.clone()) {
            let r = c
                .post(format!("{url}/{gid}/move"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("student", s.as_str()),
                    ("to", first.as_str()),
                ])
                .send()
                .await
                .expect("move");
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
        let html = page_text(&c, format!("{url}?g={gid}")).await;
        assert!(
            html.contains("Group too large") || html.contains("Over the space"),
            "the checker warns"
        );
        // Publishing asks first, naming the team; nothing is published until the member says
        // yes.
        let r = c
            .post(format!("{url}/{gid}/publish"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .expect("publish");
        assert_eq!(r.status(), StatusCode::OK);
        let question = r.text().await.expect("page");
        let team_name = app
            .store
            .team(ensemble_domain::TeamId(team))
            .await
            .expect("team")
            .expect("team")
            .team
            .name;
        assert!(
            question.contains(&format!("Publish these groups to {team_name}?")),
            "{question}"
        );
        let grant = app.board_grant(team).await;
        assert!(app
            .store
            .grouping(&grant, gid)
            .await
            .expect("read")
            .expect("grouping")
            .published_at
            .is_none());
        // Published: further moves are refused and the grouping stays as published.
        let r = c
            .post(format!("{url}/{gid}/publish"))
            .form(&[("csrf", csrf.as_str()), ("confirmed", "yes")])
            .send()
            .await
            .expect("publish");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let before = app
            .store
            .grouping(&grant, gid)
            .await
            .expect("read")
            .expect("grouping")
            .grouping;
        let r = c
            .post(format!("{url}/{gid}/move"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("student", g.groups[0].students[0].as_str()),
                ("to", g.groups[1].name.as_str()),
            ])
            .send()
            .await
            .expect("move");
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(
            app.store
                .grouping(&grant, gid)
                .await
                .expect("read")
                .expect("grouping")
                .grouping,
            before
        );
        // A member records a student's ranked choices on the profile form; a bad code saves
        // nothing.
        let school = app.store.schools().await.expect("schools")[0].id;
        let sid = app
            .store
            .student_facts_by_sourced(Some(school), &input.students[0].id, None)
            .await
            .expect("read")
            .expect("student")
            .student;
        let profile = format!("{}/students/{}/profile", app.base, sid.0);
        let choices_of = || async {
            let (_, v) = app
                .get(&format!("/api/v1/students/{}", sid.0), &member)
                .await;
            v["choices"].clone()
        };
        let form = |choices: &'static str| {
            [
                ("csrf", csrf.clone()),
                ("interests", "robots".to_owned()),
                ("strengths", "curiosity".to_owned()),
                ("choices", choices.to_owned()),
            ]
        };
        let r = c
            .post(&profile)
            .form(&form("debate, robotics"))
            .send()
            .await
            .expect("save");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(choices_of().await, json!(["debate", "robotics"]));
        let r = c
            .post(&profile)
            .form(&form("art_studio, art_studio"))
            .send()
            .await
            .expect("save");
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "a repeated choice saves nothing"
        );
        let r = c
            .post(&profile)
            .form(&form("Bad Choice!"))
            .send()
            .await
            .expect("save");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(choices_of().await, json!(["debate", "robotics"]));
        // An import with an unknown student imports nothing.
        let count = |_team: i64| {
            let store = app.store.clone();
            let grant = grant.clone();
            async move {
                store
                    .team_assessments(&grant)
                    .await
                    .expect("read")
                    .values()
                    .flat_map(|m| m.values())
                    .map(Vec::len)
                    .sum::<usize>()
            }
        };
        let n_before = count(team).await;
        let student = input.students[0].id.clone();
        let rows = vec![
            ensemble_store::NewAssessment {
                line: 2,
                student,
                skill: "math.fractions".into(),
                date: "2026-11-02".into(),
                mastery: 80,
                score_hundredths: Some(8000),
                mastery_level: None,
                source: "quiz".into(),
            },
            ensemble_store::NewAssessment {
                line: 3,
                student: "nobody".into(),
                skill: "math.fractions".into(),
                date: "2026-11-02".into(),
                mastery: 80,
                score_hundredths: Some(8000),
                mastery_level: None,
                source: "quiz".into(),
            },
        ];
        let e = app
            .store
            .import_assessments("week9.csv", &rows, None)
            .await
            .expect_err("unknown student");
        assert!(
            e.to_string()
                .contains("week9.csv, line 3, field student_id"),
            "{e}"
        );
        assert_eq!(count(team).await, n_before, "nothing was imported");
    })
    .await;
}
