//! Concurrent writers get a clear answer — 2xx, or 409/422 — never a 500, and what they leave
//! is whole: every student on exactly one roster, every profile written in one piece.

use crate::harness::*;
use ensemble_store::testing::each_backend;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeMap;

#[tokio::test]
async fn concurrent_writers_never_get_a_500() {
    each_backend(|b| async move {
        let app = std::sync::Arc::new(App::spawn(b).await);
        let leader = app.token("School leader").await;
        let (_, teams) = app.get("/api/v1/teams", &leader).await;
        let core: Vec<i64> = teams
            .as_array()
            .expect("teams")
            .iter()
            .filter(|t| t["kind"] == "core" && t["school_id"] == teams[0]["school_id"])
            .filter_map(|t| t["id"].as_i64())
            .collect();
        let (a, c) = (core[0], core[1]);
        let (_, roster) = app.get(&format!("/api/v1/teams/{a}/roster"), &leader).await;
        let students: Vec<i64> = roster["students"]
            .as_array()
            .expect("students")
            .iter()
            .take(12)
            .filter_map(|s| s["id"].as_i64())
            .collect();

        let mut tasks = Vec::new();
        // Writers moving students between two teams, each student back and forth; two writers
        // race for the same student at every step.
        for w in 0..4 {
            let (app, leader, students) = (app.clone(), leader.clone(), students.clone());
            tasks.push(tokio::spawn(async move {
                let mut seen: BTreeMap<u16, usize> = BTreeMap::new();
                for round in 0..6 {
                    for (i, s) in students.iter().enumerate() {
                        if (i + w) % 2 != 0 {
                            continue;
                        }
                        let (from, to) = if round % 2 == 0 { (a, c) } else { (c, a) };
                        let (st, _) = app
                            .send(Method::DELETE, &format!("/api/v1/teams/{from}/roster/{s}"), &leader, Value::Null)
                            .await;
                        *seen.entry(st.as_u16()).or_default() += 1;
                        let (st, _) = app
                            .send(Method::POST, &format!("/api/v1/teams/{to}/roster"), &leader, json!({"student_ids": [s]}))
                            .await;
                        *seen.entry(st.as_u16()).or_default() += 1;
                    }
                }
                seen
            }));
        }
        // Writers changing the same students' profiles and choices at the same time.
        for w in 0..4 {
            let (app, leader, students) = (app.clone(), leader.clone(), students.clone());
            tasks.push(tokio::spawn(async move {
                let mut seen: BTreeMap<u16, usize> = BTreeMap::new();
                for round in 0..6 {
                    for s in &students {
                        let tag = format!("w{w}r{round}");
                        let (st, _) = app
                            .send(
                                Method::PATCH,
                                &format!("/api/v1/students/{s}/profile"),
                                &leader,
                                json!({"interests": [tag], "strengths": [tag], "choices": ["debate"]}),
                            )
                            .await;
                        *seen.entry(st.as_u16()).or_default() += 1;
                    }
                }
                seen
            }));
        }
        let mut all: BTreeMap<u16, usize> = BTreeMap::new();
        for t in tasks {
            for (k, v) in t.await.expect("writer") {
                *all.entry(k).or_default() += v;
            }
        }
        let total: usize = all.values().sum();
        let server_errors: usize = all.iter().filter(|(k, _)| **k >= 500).map(|(_, v)| v).sum();
        assert_eq!(server_errors, 0, "{b:?}: {all:?}");
        for code in all.keys() {
            assert!(
                matches!(*code, 200 | 201 | 204 | 409 | 422),
                "{b:?}: answered {code}: {all:?}"
            );
        }
        assert!(all.get(&201).copied().unwrap_or(0) > 0 && total > 300, "{all:?}");
        // What is left is whole: each student on at most one roster, each profile one write.
        for s in &students {
            let (st, v) = app.get(&format!("/api/v1/students/{s}"), &leader).await;
            assert_eq!(st, StatusCode::OK);
            let p = &v["profile"];
            assert_eq!(p["interests"], p["strengths"], "{b:?}: a profile written in pieces: {v}");
        }
        for t in [a, c] {
            let (_, r) = app.get(&format!("/api/v1/teams/{t}/roster"), &leader).await;
            for st in r["students"].as_array().expect("students") {
                assert_eq!(st["team"]["id"], t, "{b:?}");
            }
        }
    })
    .await;
}
