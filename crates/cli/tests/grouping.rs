//! `ensemble grouping solve|check` and `ensemble import assessments` end to end.

mod common;
use common::{ensemble, path};

const NEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/grouping/need.json"
);
const INTEREST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/grouping/interest.json"
);

#[test]
fn solve_check_and_a_hand_broken_grouping() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("groups.json");
    let (code, text, err) = ensemble(&["grouping", "solve", NEED, "--out", path(&out)]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("need_example", text);
    let (code, text, _) = ensemble(&["grouping", "check", NEED, path(&out)]);
    assert_eq!(code, 0, "{text}");
    let (code, text, err) = ensemble(&["grouping", "solve", INTEREST, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let g: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert!(g["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .all(|x| x["option"].is_string()));
    // Hand-broken: the student whose plan requires special education moves to the content lead.
    let mut g: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
    let groups = g["groups"].as_array_mut().expect("groups");
    for x in groups.iter_mut() {
        x["students"]
            .as_array_mut()
            .expect("students")
            .retain(|s| s != "s03");
    }
    let lead = groups
        .iter_mut()
        .find(|x| x["educator"] == "e1")
        .expect("the content lead's group");
    lead["students"]
        .as_array_mut()
        .expect("students")
        .push("s03".into());
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, g.to_string()).expect("write");
    let (code, text, _) = ensemble(&["grouping", "check", NEED, path(&broken)]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("Required service missing"), "{text}");
    // Hand-set options: every group claims the most popular option. The checker holds each
    // group to the option its educator runs.
    let interest_out = dir.path().join("interest.json");
    let (code, _, err) = ensemble(&["grouping", "solve", INTEREST, "--out", path(&interest_out)]);
    assert_eq!(code, 0, "{err}");
    let mut g: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&interest_out).expect("read")).expect("json");
    for x in g["groups"].as_array_mut().expect("groups") {
        x["option"] = "robotics".into();
    }
    std::fs::write(&interest_out, g.to_string()).expect("write");
    let (code, text, _) = ensemble(&["grouping", "check", INTEREST, path(&interest_out)]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("says it runs \"robotics\""), "{text}");
    // Bad input names the field.
    let mut input: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(NEED).expect("read")).expect("json");
    input["students"][4]["mastery"] = 140.into();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, input.to_string()).expect("write");
    let (code, _, err) = ensemble(&["grouping", "solve", path(&bad)]);
    assert_eq!(code, 2);
    assert!(
        err.contains("students[4].mastery: must be 0 to 100"),
        "{err}"
    );
    input["students"][4]["mastery"] = 40.into();
    input["students"][5]["lowest_cycles"] = 4_294_967_295u64.into();
    std::fs::write(&bad, input.to_string()).expect("write");
    let (code, _, err) = ensemble(&["grouping", "solve", path(&bad)]);
    assert_eq!(code, 2);
    assert!(
        err.contains("students[5]: lowest_cycles is at most 1,000"),
        "{err}"
    );
}

#[test]
fn an_assessment_file_with_a_bad_row_imports_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("e.db").display());
    let (code, _, err) = ensemble(&[
        "demo",
        "--schools",
        "1",
        "--students",
        "40",
        "--seed",
        "3",
        "--database",
        &db,
    ]);
    assert_eq!(code, 0, "{err}");
    let good = "student_id,skill,date,score,mastery_level,source\ns001-s00001,math.fractions,2026-10-19,64,,Exit ticket\ns001-s00002,math.fractions,2026-10-19,,3,Observation\n";
    let csv = dir.path().join("week7.csv");
    std::fs::write(
        &csv,
        format!("{good}s001-s00003,math.fractions,2026-10-32,50,,Quiz\n"),
    )
    .expect("write");
    let (code, _, err) = ensemble(&["import", "assessments", path(&csv), "--database", &db]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("week7.csv, line 4, field date"), "{err}");
    std::fs::write(
        &csv,
        format!("{good}nobody,math.fractions,2026-10-20,50,,Quiz\n"),
    )
    .expect("write");
    let (code, _, err) = ensemble(&["import", "assessments", path(&csv), "--database", &db]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("line 4, field student_id: no student \"nobody\""),
        "{err}"
    );
    std::fs::write(&csv, good).expect("write");
    let (code, text, err) = ensemble(&["import", "assessments", path(&csv), "--database", &db]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("Imported 2 assessment results"), "{text}");
}
