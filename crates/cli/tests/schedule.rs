//! `ensemble schedule build|check|publish|absence` and `ensemble calendar export` on the demo
//! database, with their exit statuses: 0 valid, 1 rules broken, 2 bad input.

mod common;
use common::{ensemble, path};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The demo written by `serve --demo` into a fresh SQLite file; its URL.
fn demo(dir: &std::path::Path) -> String {
    let url = format!("sqlite://{}", dir.join("ensemble.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a port");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ensemble"))
        .args([
            "serve",
            "--demo",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--database",
            &url,
        ])
        .env("ENSEMBLE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the demo did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    url
}

#[test]
fn build_check_publish_absence_and_calendar_on_the_demo() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = demo(dir.path());
    let week = dir.path().join("week.json");
    let (code, out, err) = ensemble(&[
        "schedule",
        "build",
        "--school",
        "1",
        "--database",
        &url,
        "--out",
        path(&week),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("The checker finds every rule met."), "{out}");
    let (code, out, _) = ensemble(&["schedule", "check", path(&week)]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = ensemble(&["schedule", "check", path(&week), "--database", &url]);
    assert_eq!(code, 0, "{out}");

    // A week without Tuesday's planning breaks rules: status 1, each named.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&week).expect("read")).expect("json");
    doc["sessions"]
        .as_array_mut()
        .expect("sessions")
        .retain(|s| !(s["kind"] == "planning" && s["day"] == "tuesday"));
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, doc.to_string()).expect("write");
    let (code, out, _) = ensemble(&["schedule", "check", path(&broken), "--database", &url]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("does not plan together for 45 minutes on Tuesday"),
        "{out}"
    );
    let (code, out, _) = ensemble(&["schedule", "publish", path(&broken), "--database", &url]);
    assert_eq!(code, 1, "{out}");

    // Bad input: status 2, saying where.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"format\": 3\n}").expect("write");
    let (code, _, err) = ensemble(&["schedule", "check", path(&bad)]);
    assert_eq!(code, 2);
    assert!(err.contains("line 2"), "{err}");
    let (code, _, err) = ensemble(&["schedule", "build", "--school", "999", "--database", &url]);
    assert_eq!(code, 2, "{err}");

    let (code, out, err) = ensemble(&["schedule", "publish", path(&week), "--database", &url]);
    assert_eq!(code, 0, "{out}{err}");

    // An absence re-planned: the figures beside the baseline, in REPLAN.json too.
    let replan = dir.path().join("replan.json");
    let (code, out, err) = ensemble(&[
        "schedule",
        "absence",
        "--educator",
        "luis.brown.003@demo.example",
        "--date",
        "2026-12-10",
        "--planned",
        "--reason",
        "professional_learning",
        "--database",
        &url,
        "--out",
        path(&replan),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Substitute hours"), "{out}");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&replan).expect("read")).expect("json");
    for side in ["replan", "baseline"] {
        for k in [
            "students_adult_changed",
            "students_unfamiliar_adult",
            "educators_day_changed",
            "planning_minutes_lost",
            "substitute_hours",
        ] {
            assert!(r[side][k].is_number(), "{side}.{k}");
        }
    }
    assert!(!r["changes"].as_array().expect("changes").is_empty());
    let (code, _, err) = ensemble(&[
        "schedule",
        "absence",
        "--educator",
        "nobody@demo.example",
        "--date",
        "2026-12-10",
        "--database",
        &url,
    ]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = ensemble(&[
        "schedule",
        "absence",
        "--educator",
        "luis.brown.003@demo.example",
        "--date",
        "2026-12-10",
        "--periods",
        "99",
        "--database",
        &url,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not a period of the school"), "{err}");
    let (code, _, err) = ensemble(&[
        "schedule",
        "absence",
        "--educator",
        "luis.brown.003@demo.example",
        "--date",
        "2026-12-12",
        "--database",
        &url,
    ]);
    assert_eq!(code, 2, "a Saturday");
    assert!(err.contains("not a school day"), "{err}");

    let ics = dir.path().join("luis.ics");
    let (code, out, err) = ensemble(&[
        "calendar",
        "export",
        "--educator",
        "luis.brown.003@demo.example",
        "--out",
        path(&ics),
        "--database",
        &url,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let text = std::fs::read_to_string(&ics).expect("ics");
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.contains("RRULE:FREQ=WEEKLY"));
}
