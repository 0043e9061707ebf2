//! The assessment CSV reader: good files read, every bad field named with its line.

use ensemble_grouping::assessments::{is_date, read};
use proptest::prelude::*;

const GOOD: &str = "student_id,skill,date,score,mastery_level,source\n\
dwms-s00001,6.NS.1,2026-09-08,72,,Exit ticket\n\
dwms-s00002,6.NS.1,2026-09-08,,3,Observation\n";

#[test]
fn a_good_file_reads() {
    let rows = read("a.csv", GOOD.as_bytes()).expect("valid");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].line, 2);
    assert_eq!(rows[0].mastery(), 72);
    assert_eq!(rows[1].mastery(), 75);
    assert_eq!(rows[1].source, "Observation");
}

#[test]
fn bad_rows_name_file_line_and_field() {
    let cases = [
        ("dwms-s00003,6.NS.1,2026-02-30,50,,x", "date"),
        ("dwms-s00003,6.NS.1,2026-+9-+1,50,,x", "date"),
        ("dwms-s00003,6 NS 1,2026-02-03,50,,x", "skill"),
        ("dwms-s00003,6.NS.1,2026-02-03,101,,x", "score"),
        ("dwms-s00003,6.NS.1,2026-02-03,,5,x", "mastery_level"),
        ("dwms-s00003,6.NS.1,2026-02-03,,,x", "score"),
        (",6.NS.1,2026-02-03,50,,x", "student_id"),
        ("dwms-s00003,6.NS.1,2026-02-03,50,x", "row"),
    ];
    for (row, field) in cases {
        let text = format!("{GOOD}{row}\n");
        let e = read("week3.csv", text.as_bytes()).expect_err(row);
        assert_eq!(
            (e.file.as_str(), e.line, e.field.as_str()),
            ("week3.csv", 4, field),
            "{row}: {e}"
        );
    }
    let e = read("h.csv", b"student,skill,date,score,source\n").expect_err("bad header");
    assert_eq!((e.line, e.field.as_str()), (1, "student"));
    let e = read("h.csv", b"student_id,skill,date,source\n").expect_err("no score column");
    assert_eq!(e.field, "score");
}

proptest! {
    /// Any valid rows read back as written; one corrupted field is named with its line.
    #[test]
    fn rows_round_trip_and_one_bad_field_is_found(
        rows in proptest::collection::vec((1u32..99999, 0u32..=100, 1u32..=28, 1u32..=12), 1..30),
        bad_row in 0usize..30,
        bad_field in 0usize..3,
    ) {
        let mut text = String::from("student_id,skill,date,score,source\n");
        for (id, score, d, m) in &rows {
            text.push_str(&format!("s{id},math.fractions,2026-{m:02}-{d:02},{score},quiz\n"));
        }
        let read_back = read("p.csv", text.as_bytes()).expect("valid");
        prop_assert_eq!(read_back.len(), rows.len());
        for (r, (id, score, ..)) in read_back.iter().zip(&rows) {
            prop_assert_eq!(&r.student, &format!("s{id}"));
            prop_assert_eq!(r.mastery(), *score);
        }
        let k = bad_row % rows.len();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let mut cells: Vec<String> = lines[k + 1].split(',').map(String::from).collect();
        let field = ["skill", "date", "score"][bad_field];
        cells[[1, 2, 3][bad_field]] = ["bad skill!", "2026-13-01", "-4"][bad_field].into();
        lines[k + 1] = cells.join(",");
        let e = read("p.csv", (lines.join("\n") + "\n").as_bytes()).expect_err("corrupted");
        prop_assert_eq!(e.line, k as u64 + 2);
        prop_assert_eq!(e.field.as_str(), field);
    }

    #[test]
    fn dates_are_checked(y in 1900u32..3000, m in 0u32..14, d in 0u32..33) {
        let s = format!("{y:04}-{m:02}-{d:02}");
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let ok = (1..=12).contains(&m) && d >= 1 && d <= days[(m.max(1) - 1) as usize];
        prop_assert_eq!(is_date(&s), ok);
    }
}
