//! Groupings a team would accept, on the demo: for every core team, focus and strategy the
//! team's professional educators who are present each lead students, nobody leads more than
//! their role allows, and every student has their own explanation. Judged by the independent
//! checker on the stored input.

use crate::harness::*;
use ensemble_grouping::{check, Grouping, Input, Rule};
use ensemble_store::testing::each_backend;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn propose(app: &App, token: &str, team: i64, body: Value) -> (Input, Grouping, Value) {
    let (status, dto) = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/teams/{team}/groupings"),
            token,
            body,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dto}");
    let gid = dto["id"].as_i64().expect("id");
    let grant = app.board_grant(team).await;
    let row = app
        .store
        .grouping(&grant, gid)
        .await
        .expect("read")
        .expect("grouping");
    (
        serde_json::from_str(&row.input).expect("input"),
        serde_json::from_str(&row.grouping).expect("grouping"),
        dto,
    )
}

#[tokio::test]
async fn every_present_professional_leads_students_on_every_team_and_focus() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let leader = app.token("School leader").await;
        let (_, teams) = app.get("/api/v1/teams", &leader).await;
        let core: Vec<i64> = teams
            .as_array()
            .expect("teams")
            .iter()
            .filter(|t| t["kind"] == "core")
            .filter_map(|t| t["id"].as_i64())
            .collect();
        assert_eq!(core.len(), 5, "the demo school's five core teams");
        for team in core {
            for (focus, _) in ensemble_demo::SKILLS {
                for strategy in ["need", "mixed"] {
                    let (input, g, dto) = propose(
                        &app,
                        &leader,
                        team,
                        json!({"block": "Block 2", "focus": focus, "strategy": strategy}),
                    )
                    .await;
                    let v = check(&input, &g);
                    let case = format!("team {team} · {focus} · {strategy}");
                    assert!(
                        input.educators.iter().filter(|e| e.required).count() >= 2,
                        "{case}: the team's professionals must lead"
                    );
                    for rule in [
                        Rule::Idle,
                        Rule::TooLarge,
                        Rule::NotPlaced,
                        Rule::PlacedTwice,
                    ] {
                        assert_eq!(v.count(rule), 0, "{case}: {:?}", v.violations);
                    }
                    for e in input.educators.iter().filter(|e| e.required) {
                        assert!(
                            g.groups
                                .iter()
                                .any(|x| x.educator == e.id && !x.students.is_empty()),
                            "{case}: {} leads no students",
                            e.name
                        );
                    }
                    // No empty group is shown, and every student has their own explanation.
                    for grp in dto["groups"].as_array().expect("groups") {
                        let students = grp["students"].as_array().expect("students");
                        assert!(!students.is_empty(), "{case}: an empty group is shown");
                        let educator = grp["educator"].as_str().expect("educator");
                        for s in students {
                            // Their data, why this educator, why this space.
                            let why = s["why"].as_str().unwrap_or_default();
                            assert!(
                                (why.contains("mastery") || why.contains("no data yet"))
                                    && why.contains(educator)
                                    && (why.contains(" seats ") || why.contains("no space")),
                                "{case}: {why}"
                            );
                        }
                    }
                    assert!(!dto["focus_label"].as_str().unwrap_or("_").contains('_'));
                }
            }
        }
    })
    .await;
}

/// The team marks its lead away for the block: the lead leads nothing and the others share the
/// students; a stranger's id in `away` is refused and stores nothing.
#[tokio::test]
async fn an_educator_marked_away_leads_no_group() {
    each_backend(|b| async move {
        let app = App::spawn(b).await;
        let lead = app.token("Core-team lead").await;
        let (_, me) = app.get("/api/v1/me", &lead).await;
        let team = me["core_team_ids"][0].as_i64().expect("a core team");
        let me_id = me["educator_id"].as_i64().expect("an educator");
        let (input, g, _) = propose(
            &app,
            &lead,
            team,
            json!({"block": "Block 1", "focus": "math.fractions", "strategy": "need", "away": [me_id]}),
        )
        .await;
        assert!(input.educators.iter().all(|e| e.id != me_id.to_string()));
        assert!(g.groups.iter().all(|x| x.educator != me_id.to_string()));
        assert_eq!(check(&input, &g).count(Rule::Idle), 0);
        let before = app.store.groupings(&app.board_grant(team).await, false, 100).await.expect("list").len();
        let (status, body) = app
            .send(
                reqwest::Method::POST,
                &format!("/api/v1/teams/{team}/groupings"),
                &lead,
                json!({"block": "Block 1", "focus": "math.fractions", "strategy": "need", "away": [999_999]}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let after = app.store.groupings(&app.board_grant(team).await, false, 100).await.expect("list").len();
        assert_eq!(before, after);
    })
    .await;
}
