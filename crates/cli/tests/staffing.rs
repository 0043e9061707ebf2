//! `ensemble staffing design|check|budget` end to end: the worked examples, exit statuses, a
//! hand-broken plan, and errors that name the field or line.

mod common;
use common::{ensemble, path};

const SMALL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/staffing/small-school.json"
);
const DEMO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/staffing/demo-school.json"
);
const BUDGET: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/staffing/budget.json"
);

#[test]
fn worked_examples_design_check_and_budget() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = dir.path().join("plan.json");
    let (code, text, err) =
        ensemble(&["staffing", "design", SMALL, "--quiet", "--out", path(&plan)]);
    assert_eq!(code, 0, "{text}{err}");
    insta::assert_snapshot!("small_school_design", text);
    // The example has too little counselling time for its students, so the validator says no.
    let (code, text, _) = ensemble(&["staffing", "check", path(&plan)]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("school counselling"), "{text}");
    let (code, text, err) = ensemble(&["staffing", "budget", path(&plan), "--budget", BUDGET]);
    assert_eq!(code, 0, "{text}{err}");
    insta::assert_snapshot!("small_school_budget", text);
    // The demo school: every responsibility held or listed as a hiring profile.
    let demo_plan = dir.path().join("demo.json");
    let (code, _, err) = ensemble(&[
        "staffing",
        "design",
        DEMO,
        "--quiet",
        "--out",
        path(&demo_plan),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&demo_plan).expect("plan")).expect("json");
    let hiring = v["report"]["hiring"].as_array().expect("hiring");
    for team in v["design"]["schools"][0]["teams"]
        .as_array()
        .expect("teams")
    {
        for h in team["holdings"].as_array().expect("holdings") {
            if h["holder"].is_null() {
                let label = h["why"]
                    .as_str()
                    .expect("why")
                    .split(':')
                    .next()
                    .expect("label")
                    .to_owned();
                assert!(
                    hiring
                        .iter()
                        .any(|p| p["title"].as_str().is_some_and(|t| t.contains(&label))),
                    "{label} of {} is neither held nor a hiring profile",
                    team["name"]
                );
            }
        }
    }
}

#[test]
fn a_closed_plan_passes_and_a_hand_broken_one_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut input: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SMALL).expect("read")).expect("json");
    // Close the example's two gaps: Tom Becker can lead a team; the counsellor is full-time.
    let edu = input["schools"][0]["educators"]
        .as_array_mut()
        .expect("educators");
    for e in edu.iter_mut() {
        if e["id"] == "mv-04" {
            let c = e["competencies"].as_array_mut().expect("competencies");
            c.retain(|x| x["code"] != "coaching");
            c.push(serde_json::json!({"code": "coaching", "level": 3}));
            c.push(serde_json::json!({"code": "data_meeting_lead", "level": 3}));
        }
        if e["id"] == "mv-13" {
            e["fte"] = serde_json::json!(1.0);
        }
    }
    let closed = dir.path().join("closed.json");
    std::fs::write(&closed, input.to_string()).expect("write");
    let plan = dir.path().join("plan.json");
    let (code, _, err) = ensemble(&[
        "staffing",
        "design",
        path(&closed),
        "-q",
        "--out",
        path(&plan),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, text, _) = ensemble(&["staffing", "check", path(&plan)]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("Every hard rule holds"), "{text}");
    // Hand-edit: the novice becomes a team lead.
    let mut p: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).expect("read")).expect("json");
    let team = &mut p["design"]["schools"][0]["teams"][0];
    let novice = team["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["educator"].as_str().expect("id").to_owned())
        .find(|id| id == "mv-05" || id == "mv-06")
        .expect("a novice on the first team");
    for h in team["holdings"].as_array_mut().expect("holdings") {
        if h["responsibility"] == "team_lead" {
            h["holder"] = serde_json::json!(novice);
        }
    }
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, p.to_string()).expect("write");
    let (code, text, _) = ensemble(&["staffing", "check", path(&broken), "--format", "json"]);
    assert_eq!(code, 1, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json verdict");
    assert_eq!(v["violations"][0]["rule"], "not_ready", "{text}");
    assert_eq!(v["violations"][0]["educator"], novice.as_str());
}

#[test]
fn bad_input_names_the_field_or_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut input: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SMALL).expect("read")).expect("json");
    input["schools"][0]["educators"][2]["fte"] = serde_json::json!(1.5);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, input.to_string()).expect("write");
    let (code, _, err) = ensemble(&["staffing", "design", path(&bad), "-q"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("schools[0].educators[2].fte: must be between 0 and 1"),
        "{err}"
    );
    std::fs::write(&bad, "{\n  \"schools\": [\n    {\"id\": 3}\n  ]\n}\n").expect("write");
    let (code, _, err) = ensemble(&["staffing", "design", path(&bad), "-q"]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.json: line 3"), "{err}");
    let (code, _, err) = ensemble(&["staffing", "check", "/nonexistent/plan.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read /nonexistent/plan.json"), "{err}");
}
