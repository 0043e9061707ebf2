//! The crash test: concurrent writes through the API, the server killed with SIGKILL while
//! they are under way, and started again on the same database — on SQLite and on PostgreSQL.
//! Every write that was answered 2xx is there, nothing is half-written (a profile's interests,
//! strengths and choices come from one write; each student is on one roster), and each
//! acknowledged write has its audit entry.

use ensemble_store::testing::{each_backend, TestDb};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A server process, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

async fn start(url: &str, demo: bool) -> Server {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut args = vec!["serve", "--addr", &addr, "--database", url];
    if demo {
        args.push("--demo");
    }
    let child = Command::new(env!("CARGO_BIN_EXE_ensemble"))
        .args(&args)
        .env("ENSEMBLE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let server = Server {
        child,
        base: format!("http://{addr}"),
    };
    let started = Instant::now();
    while Client::new()
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server
}

async fn api(
    c: &Client,
    base: &str,
    token: &str,
    m: Method,
    path: &str,
    body: Value,
) -> Result<(StatusCode, Value), reqwest::Error> {
    let mut r = c.request(m, format!("{base}{path}")).bearer_auth(token);
    if !body.is_null() {
        r = r.json(&body);
    }
    let r = r.send().await?;
    let s = r.status();
    Ok((s, r.json().await.unwrap_or(Value::Null)))
}

/// What the writers were told, per student: the index of each write answered 2xx, and the
/// highest index sent (answered or not).
#[derive(Default, Debug)]
struct Told {
    acknowledged: Vec<u32>,
    sent: u32,
}

const CHOICES: [&str; 5] = ["robotics", "art_studio", "debate", "garden", "music"];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_answered_2xx_survive_a_sigkill_whole_and_audited() {
    each_backend(|b| async move {
        let db = TestDb::new(b).await;
        let server = start(&db.url, true).await;
        let out = Command::new(env!("CARGO_BIN_EXE_ensemble"))
            .args(["token", "create", "--email", "principal@demo.example", "--database", &db.url])
            .output()
            .expect("token create");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let c = Client::new();
        let (_, teams) = api(&c, &server.base, &token, Method::GET, "/api/v1/teams", Value::Null).await.expect("teams");
        let core: Vec<i64> = teams
            .as_array()
            .expect("teams")
            .iter()
            .filter(|t| t["kind"] == "core")
            .filter_map(|t| t["id"].as_i64())
            .collect();
        let (team_a, team_b) = (core[0], core[1]);
        let (_, roster) = api(&c, &server.base, &token, Method::GET, &format!("/api/v1/teams/{team_a}/roster"), Value::Null).await.expect("roster");
        let students: Vec<i64> = roster["students"].as_array().expect("students").iter().take(16).filter_map(|s| s["id"].as_i64()).collect();
        let (profiled, moved) = students.split_at(8);

        let profiles: Arc<Mutex<BTreeMap<i64, Told>>> = Arc::default();
        let moves: Arc<Mutex<BTreeMap<i64, Told>>> = Arc::default();
        let server_errors = Arc::new(Mutex::new(0usize));
        let mut tasks = Vec::new();
        for &s in profiled {
            let (c, base, token, profiles, errors) = (c.clone(), server.base.clone(), token.clone(), profiles.clone(), server_errors.clone());
            tasks.push(tokio::spawn(async move {
                for i in 1u32.. {
                    profiles.lock().expect("lock").entry(s).or_default().sent = i;
                    let tag = format!("crash-{s}-{i}");
                    let body = json!({"interests": [tag], "strengths": [tag], "choices": [CHOICES[i as usize % 5]]});
                    match api(&c, &base, &token, Method::PATCH, &format!("/api/v1/students/{s}/profile"), body).await {
                        Ok((st, _)) if st.is_success() => profiles.lock().expect("lock").entry(s).or_default().acknowledged.push(i),
                        Ok((st, _)) if st.is_server_error() => *errors.lock().expect("lock") += 1,
                        Ok(_) => {}
                        Err(_) => break, // the server is gone
                    }
                }
            }));
        }
        for &s in moved {
            let (c, base, token, moves, errors) = (c.clone(), server.base.clone(), token.clone(), moves.clone(), server_errors.clone());
            tasks.push(tokio::spawn(async move {
                // Odd steps take the student off team A, even steps put them back: after step
                // i the student is on team A exactly when i is even.
                for i in 1u32.. {
                    moves.lock().expect("lock").entry(s).or_default().sent = i;
                    let r = if !i.is_multiple_of(2) {
                        api(&c, &base, &token, Method::DELETE, &format!("/api/v1/teams/{team_a}/roster/{s}"), Value::Null).await
                    } else {
                        api(&c, &base, &token, Method::POST, &format!("/api/v1/teams/{team_a}/roster"), json!({"student_ids": [s]})).await
                    };
                    match r {
                        Ok((st, _)) if st.is_success() => moves.lock().expect("lock").entry(s).or_default().acknowledged.push(i),
                        Ok((st, _)) if st.is_server_error() => *errors.lock().expect("lock") += 1,
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(2500)).await;
        // SIGKILL, mid-load.
        drop(server);
        for t in tasks {
            t.await.expect("writer");
        }
        assert_eq!(*server_errors.lock().expect("lock"), 0, "{b:?}: 5xx under load");

        let server = start(&db.url, false).await;
        let profiles = std::mem::take(&mut *profiles.lock().expect("lock"));
        let moves = std::mem::take(&mut *moves.lock().expect("lock"));
        let acknowledged: usize = profiles.values().chain(moves.values()).map(|t| t.acknowledged.len()).sum();
        let mut found = 0usize;
        let mut audited = 0usize;
        for (s, told) in &profiles {
            let (st, v) = api(&c, &server.base, &token, Method::GET, &format!("/api/v1/students/{s}"), Value::Null).await.expect("student");
            assert_eq!(st, StatusCode::OK);
            let interests = v["profile"]["interests"][0].as_str().unwrap_or("");
            assert_eq!(v["profile"]["interests"], v["profile"]["strengths"], "{b:?}: half-written profile {v}");
            let i: u32 = interests.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or(0);
            assert_eq!(v["choices"], json!([CHOICES[i as usize % 5]]), "{b:?}: choices from another write than the profile: {v}");
            let last = told.acknowledged.last().copied().unwrap_or(0);
            // The last write answered 2xx, or one sent after it that landed before the kill.
            assert!(i >= last && i <= told.sent, "{b:?}: student {s} has write {i}; last acknowledged {last}, last sent {}", told.sent);
            found += told.acknowledged.len();
            let (_, log) = api(&c, &server.base, &token, Method::GET, &format!("/api/v1/audit?student_id={s}&action=student.update&limit=1000"), Value::Null).await.expect("audit");
            let details: Vec<String> = log.as_array().expect("log").iter().filter(|e| e["outcome"] == "allowed").filter_map(|e| e["detail"].as_str().map(str::to_owned)).collect();
            for i in &told.acknowledged {
                let tag = format!("crash-{s}-{i}");
                assert!(details.iter().any(|d| d.contains(&format!("interests: {tag};"))), "{b:?}: write {tag} has no audit entry");
                audited += 1;
            }
            // Nothing is audited that did not land: no entry names a write after the one there.
            assert!(!details.iter().any(|d| d.contains(&format!("crash-{s}-{}", i + 1))), "{b:?}: an audit entry for a write that is not there");
        }
        for (s, told) in &moves {
            let (_, v) = api(&c, &server.base, &token, Method::GET, &format!("/api/v1/students/{s}"), Value::Null).await.expect("student");
            let on_a = v["team"]["id"] == team_a;
            let last = told.acknowledged.last().copied().unwrap_or(0);
            // On team A after an even step; off every roster after an odd one (the last
            // acknowledged, or the one in flight).
            let fits = |i: u32| i.is_multiple_of(2) == on_a;
            assert!(fits(last) || (told.sent > last && fits(told.sent)), "{b:?}: student {s} on team A = {on_a}; last acknowledged step {last}, last sent {}", told.sent);
            assert!(v["team"].is_null() || on_a, "{b:?}: {v}");
            found += told.acknowledged.len();
            let (_, log) = api(&c, &server.base, &token, Method::GET, &format!("/api/v1/audit?student_id={s}&limit=1000"), Value::Null).await.expect("audit");
            let changes = log.as_array().expect("log").iter().filter(|e| e["outcome"] == "allowed" && (e["action"] == "roster.add" || e["action"] == "roster.remove")).count();
            assert!(changes >= told.acknowledged.len(), "{b:?}: {changes} audit entries for {} acknowledged moves", told.acknowledged.len());
            audited += told.acknowledged.len();
        }
        let _ = team_b;
        println!("crash test on {b:?}: {acknowledged} writes acknowledged before SIGKILL; {found} found after restart, {audited} with their audit entry");
        assert!(acknowledged > 50, "{b:?}: only {acknowledged} writes were acknowledged");
        assert_eq!(found, acknowledged);
        assert_eq!(audited, acknowledged);
    })
    .await;
}
