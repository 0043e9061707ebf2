//! Reading formative assessment results from CSV.
//!
//! The header names the columns, in any order: `student_id`, `skill`, `date` (YYYY-MM-DD),
//! `score` (0–100) and/or `mastery_level` (1–4), `source`. Each row needs a score or a mastery
//! level. A bad row is an error naming the file, line and field; the caller imports nothing
//! then.

use serde::Serialize;

/// One result, as read.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AssessmentRow {
    /// The line of the file it came from.
    pub line: u64,
    /// The student's sourcedId.
    pub student: String,
    pub skill: String,
    pub date: String,
    pub score: Option<f64>,
    pub mastery_level: Option<u8>,
    pub source: String,
}

impl AssessmentRow {
    /// Mastery on the 0–100 scale the grouping engine uses: the score, or the level × 25.
    pub fn mastery(&self) -> u32 {
        match (self.score, self.mastery_level) {
            (Some(s), _) => s.round().clamp(0.0, 100.0) as u32,
            (None, Some(l)) => u32::from(l) * 25,
            (None, None) => 0,
        }
    }

    /// The score in hundredths of a point (the reader has checked it is 0–100).
    pub fn score_hundredths(&self) -> Option<i64> {
        self.score
            .map(|s| (s * 100.0).round().clamp(0.0, 10_000.0) as i64)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}, line {line}, field {field}: {problem}")]
pub struct AssessmentError {
    pub file: String,
    pub line: u64,
    pub field: String,
    pub problem: String,
}

const COLUMNS: [&str; 6] = [
    "student_id",
    "skill",
    "date",
    "score",
    "mastery_level",
    "source",
];

/// Reads every row of `data` (named `file` in errors); the first bad row is the error.
pub fn read(file: &str, data: &[u8]) -> Result<Vec<AssessmentRow>, AssessmentError> {
    let bad = |line: u64, field: &str, problem: String| AssessmentError {
        file: file.into(),
        line,
        field: field.into(),
        problem,
    };
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(data);
    let headers = r
        .headers()
        .map_err(|e| bad(1, "header", e.to_string()))?
        .clone();
    let mut col = [None; 6];
    for (i, h) in headers.iter().enumerate() {
        match COLUMNS.iter().position(|c| *c == h) {
            Some(k) if col[k].is_none() => col[k] = Some(i),
            Some(_) => return Err(bad(1, h, "the column appears twice".into())),
            None => {
                return Err(bad(
                    1,
                    h,
                    format!("unknown column; the columns are {}", COLUMNS.join(", ")),
                ))
            }
        }
    }
    for (k, name) in COLUMNS.iter().enumerate() {
        if col[k].is_none() && !matches!(*name, "score" | "mastery_level") {
            return Err(bad(1, name, "this column is required".into()));
        }
    }
    if col[3].is_none() && col[4].is_none() {
        return Err(bad(
            1,
            "score",
            "a score or a mastery_level column is required".into(),
        ));
    }
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            bad(line, "row", e.to_string())
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |k: usize| col[k].and_then(|i| rec.get(i)).unwrap_or("");
        let student = get(0);
        if student.is_empty() || student.len() > 255 || student.chars().any(char::is_control) {
            return Err(bad(
                line,
                "student_id",
                "must be the student's sourcedId".into(),
            ));
        }
        let skill = get(1);
        if !is_skill(skill) {
            return Err(bad(
                line,
                "skill",
                format!("{skill:?} must be 1–64 letters, digits, dots, dashes or underscores"),
            ));
        }
        let date = get(2);
        if !is_date(date) {
            return Err(bad(
                line,
                "date",
                format!("{date:?} is not a date (YYYY-MM-DD)"),
            ));
        }
        let score = match get(3) {
            "" => None,
            raw => match raw.parse::<f64>() {
                Ok(x) if x.is_finite() && (0.0..=100.0).contains(&x) => Some(x),
                _ => {
                    return Err(bad(
                        line,
                        "score",
                        format!("{raw:?} must be a number from 0 to 100"),
                    ))
                }
            },
        };
        let mastery_level = match get(4) {
            "" => None,
            raw => match raw.parse::<u8>() {
                Ok(l @ 1..=4) => Some(l),
                _ => {
                    return Err(bad(
                        line,
                        "mastery_level",
                        format!("{raw:?} must be 1, 2, 3 or 4"),
                    ))
                }
            },
        };
        if score.is_none() && mastery_level.is_none() {
            return Err(bad(
                line,
                "score",
                "a score or a mastery level is needed".into(),
            ));
        }
        let source = get(5);
        if source.len() > 200 {
            return Err(bad(line, "source", "must be at most 200 characters".into()));
        }
        out.push(AssessmentRow {
            line,
            student: student.into(),
            skill: skill.into(),
            date: date.into(),
            score,
            mastery_level,
            source: source.into(),
        });
    }
    Ok(out)
}

/// A skill or standard code: 1–64 letters, digits, dots, dashes or underscores.
pub fn is_skill(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// `YYYY-MM-DD`, a real calendar date from 1900 to 2999.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let digits = [0, 1, 2, 3, 5, 6, 8, 9]
        .iter()
        .all(|&i| b[i].is_ascii_digit());
    if !digits || !(1900..=2999).contains(&y) || !(1..=12).contains(&m) {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    (1..=days[(m - 1) as usize]).contains(&d)
}
