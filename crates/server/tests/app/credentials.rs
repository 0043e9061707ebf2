//! Micro-credentials end to end: accepting the demo's waiting data-meetings evidence makes its
//! educator ready for the data-meeting lead a staffing plan gave them as a coached stretch; who
//! may see and decide a submission; the forms' wrong turns refused with a sentence and nothing
//! changed.

use crate::harness::{csrf_of, page_text, App};
use ensemble_store::testing::each_backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn one(app: &App, sql: &str) -> i64 {
    app.db.strings(sql, &[]).await[0].parse().expect("a number")
}

/// The demo's submission waiting for review of this micro-credential: (submission, educator).
async fn waiting(app: &App, token: &str, name: &str) -> (i64, i64) {
    let (s, subs) = app.get("/api/v1/submissions", token).await;
    assert_eq!(s, StatusCode::OK, "{subs}");
    let w = subs
        .as_array()
        .expect("a list")
        .iter()
        .find(|x| x["status"] == "submitted" && x["micro_credential"] == name)
        .unwrap_or_else(|| panic!("a waiting submission for {name}: {subs}"));
    (
        w["id"].as_i64().expect("id"),
        w["educator_id"].as_i64().expect("educator"),
    )
}

fn holding<'a>(plan: &'a Value, team: &str, responsibility: &str) -> &'a Value {
    plan["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["name"] == team)
        .and_then(|t| {
            t["holdings"]
                .as_array()
                .expect("holdings")
                .iter()
                .find(|h| h["responsibility"] == responsibility)
        })
        .unwrap_or_else(|| panic!("{team} holds {responsibility}"))
}

#[tokio::test]
async fn accepting_a_demo_submission_turns_a_coached_stretch_ready() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let leader = app.token("School leader").await;
        let (sub, educator) = waiting(&app, &leader, "Leading data meetings").await;
        let sourced = app
            .db
            .strings(&format!("SELECT sourced_id FROM educators WHERE id = {educator}"), &[])
            .await
            .remove(0);
        let school = one(&app, &format!("SELECT CAST(school_id AS TEXT) FROM educators WHERE id = {educator}")).await;
        // A plan for the school; the waiting educator leads data meetings on their planned team,
        // coached by a colleague of that team who may coach.
        let (s, plan) = app
            .send(Method::POST, &format!("/api/v1/schools/{school}/staffing/plans"), &leader, Value::Null)
            .await;
        assert_eq!(s, StatusCode::CREATED, "{plan}");
        let pid = plan["id"].as_i64().expect("plan");
        let team = plan["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .find(|t| t["members"].as_array().expect("members").iter().any(|m| m["educator"] == sourced.as_str()))
            .unwrap_or_else(|| panic!("{sourced} is on a planned team: {plan}"));
        let team_name = team["name"].as_str().expect("name").to_owned();
        let coaches: Vec<String> = team["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| m["educator"].as_str().expect("id").to_owned())
            .filter(|m| *m != sourced)
            .collect();
        let mut stretch = None;
        for coach in &coaches {
            let (s, p) = app
                .send(
                    Method::POST,
                    &format!("/api/v1/schools/{school}/staffing/plans/{pid}/assignments"),
                    &leader,
                    json!({"team": team_name, "responsibility": "data_lead", "holder": sourced, "coach": coach}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{p}");
            if holding(&p, &team_name, "data_lead")["status"] == "stretch" {
                stretch = Some(p);
                break;
            }
        }
        let _before = stretch.unwrap_or_else(|| panic!("{b:?}: {sourced} holds the data lead as a coached stretch on {team_name}"));

        // The leader accepts the evidence; the plan, read again, finds them ready.
        let (s, d) = app
            .send(Method::POST, &format!("/api/v1/submissions/{sub}/decision"), &leader, json!({"scores": [3, 3, 3], "accept": true}))
            .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["status"], "accepted");
        assert_eq!(d["level"], 3);
        let (s, after) = app.get(&format!("/api/v1/schools/{school}/staffing/plans/{pid}"), &leader).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(holding(&after, &team_name, "data_lead")["status"], "ready", "{b:?}");
        // Their page's API shows the level and where it came from; the credential is theirs.
        let (_, e) = app.get(&format!("/api/v1/educators/{educator}"), &leader).await;
        let held = e["competencies"].as_array().expect("competencies").iter().find(|c| c["code"] == "data_meeting_lead").cloned().expect("held");
        assert_eq!((held["level"].as_i64(), held["evidence"].as_str()), (Some(3), Some("micro_credential")));
        let (s, issued) = app.get(&format!("/api/v1/educators/{educator}/credentials"), &leader).await;
        assert_eq!(s, StatusCode::OK);
        let c = issued.as_array().expect("list").iter().find(|c| c["name"] == "Leading data meetings").cloned().expect("issued");
        ensemble_credentials::verify(&c).expect("it verifies");
        // Deciding again is refused as already decided.
        let (s, again) = app
            .send(Method::POST, &format!("/api/v1/submissions/{sub}/decision"), &leader, json!({"scores": [3, 3, 3], "accept": true}))
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{again}");
    })
    .await;
}

#[tokio::test]
async fn who_may_see_and_decide_a_submission_and_the_forms_wrong_turns() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let leader = app.token("School leader").await;
        let (sub, educator) = waiting(&app, &leader, "Leading data meetings").await;
        let other_school = app.token("School leader, second school").await;
        let volunteer = app.token("Volunteer").await;
        // Another school's leader and a volunteer find it missing, as they find a missing one.
        for t in [&other_school, &volunteer] {
            let (s, body) = app.get(&format!("/api/v1/submissions/{sub}"), t).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
            let (s, _) = app.get("/api/v1/submissions/999999", t).await;
            assert_eq!(s, StatusCode::NOT_FOUND);
            let (s, _) = app.get(&format!("/api/v1/educators/{educator}/credentials"), t).await;
            assert_eq!(s, StatusCode::NOT_FOUND);
        }
        // The submitter sees theirs but cannot decide it.
        let email = app.db.strings(&format!("SELECT email FROM users WHERE educator_id = {educator}"), &[]).await.remove(0);
        let own = app.token_for(&email).await;
        let (s, _) = app.get(&format!("/api/v1/submissions/{sub}"), &own).await;
        assert_eq!(s, StatusCode::OK);
        let (s, body) = app
            .send(Method::POST, &format!("/api/v1/submissions/{sub}/decision"), &own, json!({"scores": [4, 4, 4], "accept": true}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["error"]["message"].as_str().unwrap_or_default().contains("own evidence"), "{body}");
        // Wrong decisions are refused with a sentence, nothing changed.
        for (scores, accept, feedback, says) in [
            (json!([3, 2, 3]), true, "", "fall short"),
            (json!([3, 3]), true, "", "one score for each criterion"),
            (json!([3, 3, 9]), true, "", "each is 1 to 4"),
            (json!([3, 2, 3]), false, " ", "needs feedback"),
        ] {
            let (s, body) = app
                .send(Method::POST, &format!("/api/v1/submissions/{sub}/decision"), &leader, json!({"scores": scores, "accept": accept, "feedback": feedback}))
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{says}: {body}");
            assert!(body["error"]["message"].as_str().unwrap_or_default().contains(says), "{says}: {body}");
        }
        let (_, still) = app.get(&format!("/api/v1/submissions/{sub}"), &leader).await;
        assert_eq!(still["status"], "submitted");

        // The page: the submitter sends evidence for another entry; a bad link is refused with
        // the page again, then it goes through, and a second one waits its turn.
        let c = app.browser(&email).await;
        let html = page_text(&c, format!("{}/credentials", app.base)).await;
        let csrf = csrf_of(&html);
        let (_, catalog) = app.get("/api/v1/credentials", &own).await;
        let family = catalog.as_array().expect("catalog").iter().find(|c| c["code"] == "family_partnership_3").expect("entry")["id"].as_i64().expect("id");
        let post = |form: Vec<(&'static str, String)>| {
            let c = c.clone();
            let url = format!("{}/credentials/{family}/evidence", app.base);
            async move { c.post(url).form(&form).send().await.expect("post") }
        };
        let r = post(vec![("csrf", csrf.clone()), ("evidence", "Calls to every family.".into()), ("links", "www.example.org/log".into())]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.expect("body").contains("is not a web address"));
        let r = post(vec![("csrf", csrf.clone()), ("evidence", "Calls to every family.".into()), ("links", "https://example.org/log".into())]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = post(vec![("csrf", csrf.clone()), ("evidence", "Again.".into()), ("links", String::new())]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.expect("body").contains("already waiting for review"));
        // Only a district leader adds to the catalog.
        let entry = json!({"code": "co_teaching_3", "name": "Co-teaching", "competency": "co_teaching", "level": 3,
            "evidence": "Two co-taught lessons.", "rubric": [{"name": "Roles", "levels": ["a", "b", "c", "d"]}], "assessor_level": 3, "hours": 6});
        let (s, _) = app.send(Method::POST, "/api/v1/credentials", &leader, entry.clone()).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let district = app.token("System (district) leader").await;
        let (s, body) = app.send(Method::POST, "/api/v1/credentials", &district, entry.clone()).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let (s, _) = app.send(Method::POST, "/api/v1/credentials", &district, entry).await;
        assert_eq!(s, StatusCode::CONFLICT);
        let n = app.db.strings("SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action LIKE 'credential.%'", &[]).await.remove(0);
        assert!(n.parse::<i64>().expect("count") > 10, "{b:?}: audited ({n})");
    })
    .await;
}

#[tokio::test]
async fn pathways_show_where_educators_stand_and_an_accepted_credential_moves_them() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let leader = app.token("School leader").await;
        let (sub, educator) = waiting(&app, &leader, "Leading data meetings").await;
        let data_track = |v: &Value| {
            v["standings"]
                .as_array()
                .expect("standings")
                .iter()
                .find(|s| s["pathway"] == "Data")
                .cloned()
                .unwrap_or(Value::Null)
        };
        let (s, before) = app
            .get(&format!("/api/v1/educators/{educator}/pathways"), &leader)
            .await;
        assert_eq!(s, StatusCode::OK, "{before}");
        let ladder = &before["standings"][0];
        assert_eq!(ladder["pathway"], "Into and up the teaching profession");
        assert_eq!(
            ladder["at"], "Certified teacher",
            "a novice teacher: {ladder}"
        );
        assert_eq!(ladder["next"], "Teacher-leader");
        assert!(
            !ladder["missing"].as_array().expect("missing").is_empty(),
            "{ladder}"
        );
        assert_ne!(data_track(&before)["at"], "Data-meeting lead", "{before}");
        let roles = before["roles_now"].as_array().expect("roles");
        assert!(
            roles.iter().any(|r| r["role"] == "Data-meeting lead"
                && r["how"] == "as a coached stretch"
                && r["pay"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("$1,000 a year")),
            "the data lead as a stretch, with the budget model's stipend: {roles:?}"
        );
        let (s, _) = app
            .send(
                Method::POST,
                &format!("/api/v1/submissions/{sub}/decision"),
                &leader,
                json!({"scores": [3, 3, 3], "accept": true}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (_, after) = app
            .get(&format!("/api/v1/educators/{educator}/pathways"), &leader)
            .await;
        assert_eq!(
            data_track(&after)["at"],
            "Data-meeting lead",
            "{b:?}: {after}"
        );
        let roles = after["roles_now"].as_array().expect("roles");
        assert!(
            roles
                .iter()
                .any(|r| r["role"] == "Data-meeting lead" && r["how"] == "ready"),
            "{roles:?}"
        );

        // The district's chart: four school years of the ladder (three recorded, this one
        // observed now), people who moved up, tracks this year; not for educators.
        let district = app.token("System (district) leader").await;
        let (s, chart) = app.get("/api/v1/pathways", &district).await;
        assert_eq!(s, StatusCode::OK, "{chart}");
        let ladder = &chart[0];
        assert_eq!(ladder["kind"], "ladder");
        assert_eq!(
            ladder["years"].as_array().expect("years").len(),
            4,
            "{ladder}"
        );
        let total = |j: usize| -> i64 {
            ladder["steps"]
                .as_array()
                .expect("steps")
                .iter()
                .map(|s| s["educators"][j].as_i64().expect("n"))
                .sum()
        };
        let educators = one(
            &app,
            "SELECT CAST(COUNT(*) AS TEXT) FROM educators WHERE role_type <> 'specialist'",
        )
        .await;
        assert_eq!(
            total(3),
            educators,
            "this year: everyone but specialists is on the ladder"
        );
        assert!(total(0) < total(3), "the district grew: {ladder}");
        assert!(
            ladder["moved_up"]
                .as_array()
                .expect("moved")
                .iter()
                .any(|n| n.as_i64() > Some(0)),
            "{ladder}"
        );
        assert_eq!(chart.as_array().expect("charts").len(), 5);
        let novice = app.token("Core-team member").await;
        let (s, _) = app.get("/api/v1/pathways", &novice).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Opening the chart again the same year records nothing twice.
        let (_, again) = app.get("/api/v1/pathways", &district).await;
        assert_eq!(again[0]["steps"], chart[0]["steps"]);
    })
    .await;
}

#[tokio::test]
async fn team_goals_belong_to_the_team_and_show_progress_to_those_who_may_see_its_data() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let member = app.token("Core-team member").await;
        let (_, me) = app.get("/api/v1/me", &member).await;
        let team = me["core_team_ids"][0].as_i64().expect("a core team");
        let (s, goals) = app.get(&format!("/api/v1/teams/{team}/goals"), &member).await;
        assert_eq!(s, StatusCode::OK, "{goals}");
        let fractions = goals.as_array().expect("goals").iter().find(|g| g["skill"] == "math.fractions").cloned().expect("the demo's goal");
        let progress = fractions["progress"].as_array().expect("progress");
        assert_eq!(progress.len(), 6, "one point per week of results: {fractions}");
        assert!(progress.iter().all(|p| p[1].as_u64().is_some_and(|v| v <= 100)));
        assert!(fractions["goal"].as_str().unwrap_or_default().starts_with("80 % of the team's students at mastery 3 (proficient) on Fractions"), "{fractions}");
        // Another team's member reads the goals of a team of their school, without progress,
        // and cannot set one; a volunteer neither.
        let other = app.token("Core-team member, other team").await;
        let (s, theirs) = app.get(&format!("/api/v1/teams/{team}/goals"), &other).await;
        assert_eq!(s, StatusCode::OK);
        assert!(theirs.as_array().expect("goals").iter().all(|g| g["progress"].as_array().is_some_and(Vec::is_empty)), "{theirs}");
        let goal = |skill: &str, by: &str| json!({"skill": skill, "level": 3, "percent": 75, "by": by});
        for t in [&other, &app.token("Volunteer").await] {
            let (s, body) = app.send(Method::POST, &format!("/api/v1/teams/{team}/goals"), t, goal("math.fractions", "2099-01-01")).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
        }
        // The team's member: wrong goals refused with a sentence, a good one set and audited.
        for (g, says) in [
            (goal("math.algebra", "2099-01-01"), "formative data covers"),
            (goal("math.fractions", "2020-01-01"), "still to come"),
            (goal("math.fractions", "1 March"), "YYYY-MM-DD"),
            (json!({"skill": "math.fractions", "level": 7, "percent": 75, "by": "2099-01-01"}), "level"),
        ] {
            let (s, body) = app.send(Method::POST, &format!("/api/v1/teams/{team}/goals"), &member, g).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{says}: {body}");
            assert!(body["error"]["message"].as_str().unwrap_or_default().contains(says), "{says}: {body}");
        }
        let (s, made) = app.send(Method::POST, &format!("/api/v1/teams/{team}/goals"), &member, goal("ela.main_idea", "2099-01-01")).await;
        assert_eq!(s, StatusCode::CREATED, "{made}");
        let n = app.db.strings("SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE action = 'team.goal' AND user_id IS NOT NULL", &[]).await.remove(0);
        assert_eq!(n, "1", "{b:?}: the member's goal is audited");
        let (_, after) = app.get(&format!("/api/v1/teams/{team}/goals"), &member).await;
        assert_eq!(after.as_array().expect("goals").len(), goals.as_array().expect("goals").len() + 1);
    })
    .await;
}
