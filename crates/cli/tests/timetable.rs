//! `ensemble timetable solve|check` end to end: exit statuses, the JSON timetable, and errors
//! that name the line.

use std::process::Command;

const HOPWOOD: &str =
    "/usr/share/doc/fet-data/examples/FET-5-official/United-Kingdom/Hopwood/Hopwood.fet";

fn ensemble(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ensemble"))
        .args(args)
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn solve_then_check_and_bad_input_is_status_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("result.json");
    let json_s = json.to_str().expect("utf-8 path");
    let (code, text) = ensemble(&[
        "timetable",
        "solve",
        HOPWOOD,
        "--quiet",
        "--seed",
        "3",
        "--out",
        json_s,
    ]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("solved"), "{text}");
    let (code, text) = ensemble(&["timetable", "check", HOPWOOD, json_s]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("valid"), "{text}");

    // A hand-broken timetable: two activities moved onto one start time and hour.
    let mut r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("read")).expect("json");
    let acts = r["activities"].as_array_mut().expect("activities");
    let first = acts[0].clone();
    for a in acts.iter_mut().skip(1) {
        a["day"] = first["day"].clone();
        a["hour"] = first["hour"].clone();
    }
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, r.to_string()).expect("write");
    let (code, text) = ensemble(&[
        "timetable",
        "check",
        HOPWOOD,
        broken.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("NOT valid"), "{text}");

    // Not JSON, a truncated FET file, a missing file: bad input.
    std::fs::write(&broken, "{").expect("write");
    let (code, _) = ensemble(&[
        "timetable",
        "check",
        HOPWOOD,
        broken.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 2);
    let text = std::fs::read_to_string(HOPWOOD).expect("example");
    let cut = dir.path().join("cut.fet");
    std::fs::write(&cut, &text[..text.len() / 2]).expect("write");
    let (code, out) = ensemble(&[
        "timetable",
        "solve",
        cut.to_str().expect("utf-8"),
        "--quiet",
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("line "), "{out}");
    let (code, _) = ensemble(&["timetable", "solve", "/nonexistent.fet", "--quiet"]);
    assert_eq!(code, 2);
}

#[test]
fn unsupported_hard_constraints_refuse_unless_ignored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(HOPWOOD).expect("example");
    // A type of FET's mornings-afternoons mode, which Ensemble does not read.
    let extra = "<ConstraintTeachersMaxHoursDailyRealDays>\n<Weight_Percentage>100</Weight_Percentage>\n<Maximum_Hours_Daily>3</Maximum_Hours_Daily>\n<Active>true</Active>\n</ConstraintTeachersMaxHoursDailyRealDays>\n</Time_Constraints_List>";
    let f = dir.path().join("unsupported.fet");
    std::fs::write(&f, text.replacen("</Time_Constraints_List>", extra, 1)).expect("write");
    let path = f.to_str().expect("utf-8");
    let (code, out) = ensemble(&["timetable", "solve", path, "--quiet"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("ConstraintTeachersMaxHoursDailyRealDays (1 hard, 0 soft)"),
        "{out}"
    );
    let (code, out) = ensemble(&[
        "timetable",
        "solve",
        path,
        "--quiet",
        "--ignore-unsupported",
        "--time-limit",
        "30",
    ]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn virtual_rooms_round_trip_through_the_json_timetable() {
    const SPAIN: &str = "/usr/share/doc/fet-data/examples/FET-5-official/Spain/\
                         4-secondary-and-vocational-school/SPAIN_20-21-locked.fet";
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("result.json");
    let json_s = json.to_str().expect("utf-8 path");
    let (code, text) = ensemble(&["timetable", "solve", SPAIN, "--quiet", "--out", json_s]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = ensemble(&["timetable", "check", SPAIN, json_s]);
    assert_eq!(code, 0, "{text}");

    // Activities in virtual rooms list their real rooms; dropping one breaks the timetable.
    let mut r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("read")).expect("json");
    let acts = r["activities"].as_array_mut().expect("activities");
    let virtual_act = acts
        .iter_mut()
        .find(|a| a["real_rooms"].as_array().is_some_and(|l| l.len() >= 2))
        .expect("an activity in a virtual room");
    virtual_act["real_rooms"]
        .as_array_mut()
        .expect("list")
        .pop();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, r.to_string()).expect("write");
    let (code, text) = ensemble(&["timetable", "check", SPAIN, broken.to_str().expect("utf-8")]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("real rooms"), "{text}");
}
