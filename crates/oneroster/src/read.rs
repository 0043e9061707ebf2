//! Reads a OneRoster 1.2 CSV bundle — a zip or a folder with `manifest.csv` — and checks it
//! whole: headers, required values, formats, enumerations, duplicate sourcedIds and the
//! references between files. Every problem names the file, the line, the column and the value;
//! a bundle with any problem is refused with all of them (up to [`MAX_PROBLEMS`]).

use crate::model::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::Read;
use std::path::Path;

/// At most this many problems are listed; the rest are counted.
pub const MAX_PROBLEMS: usize = 200;

/// Largest file accepted inside a bundle (a zip bomb stops here).
pub const MAX_FILE_BYTES: u64 = 2 << 30;

/// One thing wrong with a bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 0 when the problem is the file itself.
    pub line: u64,
    pub column: String,
    pub value: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, " line {}", self.line)?;
        }
        if !self.column.is_empty() {
            write!(f, ", column {}", self.column)?;
        }
        if !self.value.is_empty() {
            write!(f, " (\"{}\")", shorten(&self.value))?;
        }
        write!(f, ": {}", self.message)
    }
}

fn shorten(v: &str) -> String {
    if v.chars().count() > 60 {
        format!("{}…", v.chars().take(60).collect::<String>())
    } else {
        v.to_owned()
    }
}

/// Why a bundle was not read: every problem found (up to [`MAX_PROBLEMS`]) and how many more.
#[derive(Clone, Debug, thiserror::Error)]
pub struct Refused {
    pub problems: Vec<Problem>,
    pub more: usize,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len() + self.more;
        writeln!(
            f,
            "the bundle was refused: {n} problem{}; nothing was written",
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        if self.more > 0 {
            writeln!(f, "  … and {} more", self.more)?;
        }
        Ok(())
    }
}

/// Collects problems, keeping the first [`MAX_PROBLEMS`].
#[derive(Default)]
pub(crate) struct Problems {
    list: Vec<Problem>,
    more: usize,
}

impl Problems {
    pub(crate) fn push(&mut self, p: Problem) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(p);
        } else {
            self.more += 1;
        }
    }

    fn file(&mut self, file: &str, message: impl Into<String>) {
        self.push(Problem {
            file: file.to_owned(),
            line: 0,
            column: String::new(),
            value: String::new(),
            message: message.into(),
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty() && self.more == 0
    }

    pub(crate) fn into_result<T>(self, ok: T) -> Result<T, Refused> {
        if self.is_empty() {
            Ok(ok)
        } else {
            Err(Refused {
                problems: self.list,
                more: self.more,
            })
        }
    }
}

/// The files of a bundle by name, from a zip, a folder or memory.
pub struct Files(BTreeMap<String, Vec<u8>>);

impl Files {
    pub fn from_map(files: BTreeMap<String, Vec<u8>>) -> Self {
        Self(files)
    }

    /// A folder's `*.csv` files, or a zip's (files at its root, or in one folder).
    pub fn open(path: &Path) -> Result<Self, Refused> {
        let name = path.display().to_string();
        let refuse = |m: String| Refused {
            problems: vec![Problem {
                file: name.clone(),
                line: 0,
                column: String::new(),
                value: String::new(),
                message: m,
            }],
            more: 0,
        };
        if path.is_dir() {
            let mut files = BTreeMap::new();
            let rd = std::fs::read_dir(path).map_err(|e| refuse(format!("cannot be read: {e}")))?;
            for entry in rd.flatten() {
                let p = entry.path();
                if p.is_file() {
                    if let Some(n) = p.file_name().and_then(|n| n.to_str()) {
                        if n.ends_with(".csv") {
                            let bytes = std::fs::read(&p)
                                .map_err(|e| refuse(format!("{n} cannot be read: {e}")))?;
                            files.insert(n.to_owned(), bytes);
                        }
                    }
                }
            }
            Ok(Self(files))
        } else {
            let bytes = std::fs::read(path).map_err(|e| refuse(format!("cannot be read: {e}")))?;
            Self::from_zip(&bytes).map_err(refuse)
        }
    }

    /// A zip's `*.csv` files.
    pub fn from_zip(bytes: &[u8]) -> Result<Self, String> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| format!("is neither a folder nor a zip file ({e})"))?;
        let mut files = BTreeMap::new();
        for i in 0..zip.len() {
            let mut f = zip
                .by_index(i)
                .map_err(|e| format!("the zip cannot be read ({e})"))?;
            if !f.is_file() {
                continue;
            }
            let full = f.name().to_owned();
            let n = full.rsplit('/').next().unwrap_or(&full).to_owned();
            if !n.ends_with(".csv") || n.starts_with("._") || full.contains("__MACOSX") {
                continue;
            }
            if f.size() > MAX_FILE_BYTES {
                return Err(format!("{n} is larger than {} bytes", MAX_FILE_BYTES));
            }
            let mut buf = Vec::new();
            f.by_ref()
                .take(MAX_FILE_BYTES + 1)
                .read_to_end(&mut buf)
                .map_err(|e| format!("{n} cannot be unpacked ({e})"))?;
            if files.insert(n.clone(), buf).is_some() {
                return Err(format!("{n} is in the zip twice"));
            }
        }
        Ok(Self(files))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// What a column holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Id,
    IdList,
    List,
    Date,
    DateTime,
    Year,
    Bool,
    Enum(&'static [&'static str], bool),
}

/// A column: its name, whether a value is required, what it holds.
type Col = (&'static str, bool, Kind);

const SESSION_TYPES: &[&str] = &["gradingPeriod", "semester", "schoolYear", "term"];
const ORG_TYPES: &[&str] = &[
    "department",
    "school",
    "district",
    "local",
    "state",
    "national",
];
const CLASS_TYPES: &[&str] = &["homeroom", "scheduled"];
const ROLE_TYPES: &[&str] = &["primary", "secondary"];
const SEXES: &[&str] = &["male", "female", "unspecified", "other"];
const TRUE_FALSE: &[&str] = &["true", "false"];

const SESSIONS: &[Col] = &[
    ("title", true, Kind::Text),
    ("type", true, Kind::Enum(SESSION_TYPES, true)),
    ("startDate", true, Kind::Date),
    ("endDate", true, Kind::Date),
    ("parentSourcedId", false, Kind::Id),
    ("schoolYear", true, Kind::Year),
];
const ORGS: &[Col] = &[
    ("name", true, Kind::Text),
    ("type", true, Kind::Enum(ORG_TYPES, true)),
    ("identifier", false, Kind::Text),
    ("parentSourcedId", false, Kind::Id),
];
const COURSES: &[Col] = &[
    ("schoolYearSourcedId", false, Kind::Id),
    ("title", true, Kind::Text),
    ("courseCode", false, Kind::Text),
    ("grades", false, Kind::List),
    ("orgSourcedId", true, Kind::Id),
    ("subjects", false, Kind::List),
    ("subjectCodes", false, Kind::List),
];
const CLASSES: &[Col] = &[
    ("title", true, Kind::Text),
    ("grades", false, Kind::List),
    ("courseSourcedId", true, Kind::Id),
    ("classCode", false, Kind::Text),
    ("classType", true, Kind::Enum(CLASS_TYPES, true)),
    ("location", false, Kind::Text),
    ("schoolSourcedId", true, Kind::Id),
    ("termSourcedIds", true, Kind::IdList),
    ("subjects", false, Kind::List),
    ("subjectCodes", false, Kind::List),
    ("periods", false, Kind::List),
];
const USERS: &[Col] = &[
    ("enabledUser", true, Kind::Bool),
    ("username", true, Kind::Text),
    ("userIds", false, Kind::List),
    ("givenName", true, Kind::Text),
    ("familyName", true, Kind::Text),
    ("middleName", false, Kind::Text),
    ("identifier", false, Kind::Text),
    ("email", false, Kind::Text),
    ("sms", false, Kind::Text),
    ("phone", false, Kind::Text),
    ("agentSourcedIds", false, Kind::IdList),
    ("grades", false, Kind::List),
    ("password", false, Kind::Text),
    ("userMasterIdentifier", false, Kind::Text),
    ("resourceSourcedIds", false, Kind::IdList),
    ("preferredGivenName", false, Kind::Text),
    ("preferredMiddleName", false, Kind::Text),
    ("preferredFamilyName", false, Kind::Text),
    ("primaryOrgSourcedId", false, Kind::Id),
    ("pronouns", false, Kind::Text),
];
const ROLES: &[Col] = &[
    ("userSourcedId", true, Kind::Id),
    ("roleType", true, Kind::Enum(ROLE_TYPES, false)),
    ("role", true, Kind::Enum(&RoleName::ROLES, true)),
    ("beginDate", false, Kind::Date),
    ("endDate", false, Kind::Date),
    ("orgSourcedId", true, Kind::Id),
    ("userProfileSourcedId", false, Kind::Id),
];
const ENROLLMENTS: &[Col] = &[
    ("classSourcedId", true, Kind::Id),
    ("schoolSourcedId", true, Kind::Id),
    ("userSourcedId", true, Kind::Id),
    ("role", true, Kind::Enum(&RoleName::ENROLLMENT_ROLES, true)),
    ("primary", false, Kind::Bool),
    ("beginDate", false, Kind::Date),
    ("endDate", false, Kind::Date),
];
const DEMOGRAPHICS: &[Col] = &[
    ("birthDate", false, Kind::Date),
    ("sex", false, Kind::Enum(SEXES, true)),
    (
        "americanIndianOrAlaskaNative",
        false,
        Kind::Enum(TRUE_FALSE, false),
    ),
    ("asian", false, Kind::Enum(TRUE_FALSE, false)),
    (
        "blackOrAfricanAmerican",
        false,
        Kind::Enum(TRUE_FALSE, false),
    ),
    (
        "nativeHawaiianOrOtherPacificIslander",
        false,
        Kind::Enum(TRUE_FALSE, false),
    ),
    ("white", false, Kind::Enum(TRUE_FALSE, false)),
    (
        "demographicRaceTwoOrMoreRaces",
        false,
        Kind::Enum(TRUE_FALSE, false),
    ),
    (
        "hispanicOrLatinoEthnicity",
        false,
        Kind::Enum(TRUE_FALSE, false),
    ),
    ("countryOfBirthCode", false, Kind::Text),
    ("stateOfBirthAbbreviation", false, Kind::Text),
    ("cityOfBirth", false, Kind::Text),
    ("publicSchoolResidenceStatus", false, Kind::Text),
];
const USER_PROFILES: &[Col] = &[
    ("userSourcedId", true, Kind::Id),
    ("profileType", true, Kind::Text),
    ("vendorId", true, Kind::Text),
    ("applicationId", false, Kind::Text),
    ("description", false, Kind::Text),
    ("credentialType", true, Kind::Text),
    ("username", true, Kind::Text),
    ("password", false, Kind::Text),
];

/// The data files Ensemble reads, with their columns after the three every file starts with.
pub const USED: [&str; 10] = [
    "academicSessions",
    "orgs",
    "courses",
    "classes",
    "users",
    "roles",
    "enrollments",
    "demographics",
    "userProfiles",
    "manifest",
];

/// The gradebook and resource files of OneRoster 1.2: recognised, reported as not used.
pub const NOT_USED: [&str; 12] = [
    "categories",
    "lineItems",
    "results",
    "scoreScales",
    "lineItemScoreScales",
    "resultScoreScales",
    "lineItemLearningObjectiveIds",
    "resultLearningObjectiveIds",
    "resources",
    "classResources",
    "courseResources",
    "userResources",
];

fn columns(stem: &str) -> &'static [Col] {
    match stem {
        "academicSessions" => SESSIONS,
        "orgs" => ORGS,
        "courses" => COURSES,
        "classes" => CLASSES,
        "users" => USERS,
        "roles" => ROLES,
        "enrollments" => ENROLLMENTS,
        "demographics" => DEMOGRAPHICS,
        _ => USER_PROFILES,
    }
}

/// The header of a data file as OneRoster 1.2 lays it out: the three columns every file starts
/// with, then the file's own (the writers use it, so what they write is what the reader reads).
pub fn header(stem: &str) -> Vec<&'static str> {
    ["sourcedId", "status", "dateLastModified"]
        .into_iter()
        .chain(columns(stem).iter().map(|c| c.0))
        .collect()
}

/// One row being read: its values by column, and where to report problems.
struct Row<'a> {
    file: &'a str,
    line: u64,
    index: &'a HashMap<&'static str, usize>,
    cols: &'static [Col],
    rec: &'a csv::StringRecord,
    ok: bool,
}

impl Row<'_> {
    fn raw(&self, col: &str) -> &str {
        self.index
            .get(col)
            .and_then(|i| self.rec.get(*i))
            .map(str::trim)
            .unwrap_or("")
    }

    fn fail(&mut self, problems: &mut Problems, col: &str, value: &str, message: String) {
        self.ok = false;
        problems.push(Problem {
            file: self.file.to_owned(),
            line: self.line,
            column: col.to_owned(),
            value: value.to_owned(),
            message,
        });
    }

    /// Checks every column of the row against its kind.
    fn check(&mut self, problems: &mut Problems) {
        for &(col, required, kind) in self.cols {
            let v = self.raw(col).to_owned();
            if v.is_empty() {
                if required {
                    self.fail(problems, col, "", "is required and empty".into());
                }
                continue;
            }
            if let Some(m) = check_value(kind, &v) {
                self.fail(problems, col, &v, m);
            }
        }
    }

    fn text(&self, col: &str) -> String {
        self.raw(col).to_owned()
    }

    fn opt(&self, col: &str) -> Option<String> {
        let v = self.raw(col);
        (!v.is_empty()).then(|| v.to_owned())
    }

    fn list(&self, col: &str) -> Vec<String> {
        split_list(self.raw(col))
    }

    fn boolean(&self, col: &str) -> Option<bool> {
        match self.raw(col) {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }
}

/// The items of a list value: comma-separated (the quotes around it are the CSV's).
pub fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What is wrong with a value of this kind, if anything.
fn check_value(kind: Kind, v: &str) -> Option<String> {
    match kind {
        Kind::Text | Kind::List => None,
        Kind::Id => check_id(v),
        Kind::IdList => split_list(v).iter().find_map(|s| check_id(s)),
        Kind::Date => (!is_date(v)).then(|| "is not a date (YYYY-MM-DD)".to_owned()),
        Kind::DateTime => (!is_datetime(v))
            .then(|| "is not a date and time in UTC (such as 2026-08-03T14:05:00.000Z)".to_owned()),
        Kind::Year => (!(v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit())))
            .then(|| "is not a year (YYYY)".to_owned()),
        Kind::Bool => (v != "true" && v != "false").then(|| "must be true or false".to_owned()),
        Kind::Enum(values, extensible) => {
            if values.contains(&v) || (extensible && v.starts_with("ext:") && v.len() > 4) {
                None
            } else {
                Some(format!(
                    "must be one of {}{}",
                    values.join(", "),
                    if extensible { " (or an ext: term)" } else { "" }
                ))
            }
        }
    }
}

fn check_id(v: &str) -> Option<String> {
    if v.len() > 255 {
        Some("is longer than 255 characters".into())
    } else if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("must not contain spaces or control characters".into())
    } else {
        None
    }
}

/// `YYYY-MM-DD`, a real date.
pub fn is_date(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |s: &str| s.parse::<u32>().ok();
    let (Some(y), Some(m), Some(d)) = (num(&v[0..4]), num(&v[5..7]), num(&v[8..10])) else {
        return false;
    };
    if !v[0..4].bytes().all(|c| c.is_ascii_digit())
        || !v[5..7].bytes().all(|c| c.is_ascii_digit())
        || !v[8..10].bytes().all(|c| c.is_ascii_digit())
    {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]` followed by `Z` or an offset (`±HH:MM`).
pub fn is_datetime(v: &str) -> bool {
    let Some((date, time)) = v.split_once('T') else {
        return false;
    };
    if !is_date(date) {
        return false;
    }
    let (clock, zone_ok) = if let Some(c) = time.strip_suffix('Z') {
        (c, true)
    } else if time.len() > 6 {
        let (c, z) = time.split_at(time.len() - 6);
        let zb = z.as_bytes();
        (
            c,
            (zb[0] == b'+' || zb[0] == b'-')
                && zb[3] == b':'
                && z[1..3].bytes().all(|x| x.is_ascii_digit())
                && z[4..6].bytes().all(|x| x.is_ascii_digit()),
        )
    } else {
        return false;
    };
    if !zone_ok {
        return false;
    }
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, "0"));
    let parts: Vec<&str> = hms.split(':').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|x| x.is_ascii_digit()))
        && parts[0] < "24"
        && parts[1] < "60"
        && parts[2] < "61"
        && !frac.is_empty()
        && frac.bytes().all(|x| x.is_ascii_digit())
}

/// Reads one data file: the header, then each row checked; `make` builds the record of a
/// row without problems.
fn read_file<T>(
    files: &Files,
    stem: &str,
    mode: Mode,
    problems: &mut Problems,
    warnings: &mut Vec<String>,
    mut make: impl FnMut(&Row<'_>, Meta) -> T,
) -> Vec<T> {
    read_file_ids(
        files,
        stem,
        mode,
        problems,
        warnings,
        &mut HashSet::new(),
        &mut make,
    )
}

/// [`read_file`], also collecting in `ids` the sourcedIds of every row not being deleted —
/// those with problems too, so that one bad row doesn't make every reference to it a problem.
fn read_file_ids<T>(
    files: &Files,
    stem: &str,
    mode: Mode,
    problems: &mut Problems,
    warnings: &mut Vec<String>,
    ids: &mut HashSet<String>,
    make: &mut dyn FnMut(&Row<'_>, Meta) -> T,
) -> Vec<T> {
    let name = format!("{stem}.csv");
    let Some(bytes) = files.0.get(&name) else {
        if mode != Mode::Absent {
            problems.file(
                &name,
                format!(
                    "the manifest says it is supplied ({}), but the bundle has no such file",
                    mode.as_str()
                ),
            );
        }
        return Vec::new();
    };
    if mode == Mode::Absent {
        warnings.push(format!(
            "{name} is in the bundle but the manifest says it is absent: it was not read"
        ));
        return Vec::new();
    }
    let cols = columns(stem);
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let header = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            problems.file(&name, format!("its header cannot be read ({e})"));
            return Vec::new();
        }
    };
    let mut index: HashMap<&'static str, usize> = HashMap::new();
    let all: Vec<&'static str> = ["sourcedId", "status", "dateLastModified"]
        .into_iter()
        .chain(cols.iter().map(|c| c.0))
        .collect();
    let mut unknown = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim();
        match all.iter().find(|c| **c == h) {
            Some(c) => {
                if index.insert(c, i).is_some() {
                    problems.push(Problem {
                        file: name.clone(),
                        line: 1,
                        column: h.to_owned(),
                        value: String::new(),
                        message: "is in the header twice".into(),
                    });
                }
            }
            None if h == crate::map::ROLE_TYPE_COLUMN => {
                index.insert(crate::map::ROLE_TYPE_COLUMN, i);
            }
            None if h == crate::map::SCHOOLS_COLUMN => {
                index.insert(crate::map::SCHOOLS_COLUMN, i);
            }
            None => unknown.push(h.to_owned()),
        }
    }
    if !unknown.is_empty() {
        warnings.push(format!(
            "{name}: column{} {} not in OneRoster 1.2, not read",
            if unknown.len() == 1 { "" } else { "s" },
            unknown
                .iter()
                .map(|u| format!("\"{u}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut missing = false;
    for &(col, required, _) in std::iter::once(&("sourcedId", true, Kind::Id)).chain(cols) {
        if required && !index.contains_key(col) {
            missing = true;
            problems.push(Problem {
                file: name.clone(),
                line: 1,
                column: col.to_owned(),
                value: String::new(),
                message: "is a required column and the header lacks it".into(),
            });
        }
    }
    if missing {
        return Vec::new();
    }
    let meta_cols: &'static [Col] = &[
        ("sourcedId", true, Kind::Id),
        ("dateLastModified", false, Kind::DateTime),
    ];
    let mut out = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut rec = csv::StringRecord::new();
    let mut rows = 0u64;
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e.position().map_or(line, |p| p.line() + 1);
                problems.push(Problem {
                    file: name.clone(),
                    line: at,
                    column: String::new(),
                    value: String::new(),
                    message: format!("is not valid CSV ({})", csv_error(&e)),
                });
                if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    continue;
                }
                break;
            }
        }
        let line = rec.position().map_or(line, |p| p.line() + 1);
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows += 1;
        if rec.len() != header.len() {
            problems.push(Problem {
                file: name.clone(),
                line,
                column: String::new(),
                value: String::new(),
                message: format!(
                    "has {} fields where the header has {}",
                    rec.len(),
                    header.len()
                ),
            });
            continue;
        }
        let mut row = Row {
            file: &name,
            line,
            index: &index,
            cols: meta_cols,
            rec: &rec,
            ok: true,
        };
        row.check(problems);
        row.cols = cols;
        row.check(problems);
        let status = match row.raw("status") {
            "" => None,
            "active" => Some(Status::Active),
            "tobedeleted" => Some(Status::ToBeDeleted),
            other => {
                let other = other.to_owned();
                row.fail(
                    problems,
                    "status",
                    &other,
                    "must be active or tobedeleted".into(),
                );
                None
            }
        };
        if mode == Mode::Delta {
            if status.is_none() && row.raw("status").is_empty() {
                row.fail(problems, "status", "", "is required in a delta file".into());
            }
            if row.raw("dateLastModified").is_empty() {
                row.fail(
                    problems,
                    "dateLastModified",
                    "",
                    "is required in a delta file".into(),
                );
            }
        }
        let sid = row.text("sourcedId");
        if status != Some(Status::ToBeDeleted) && !sid.is_empty() {
            ids.insert(sid.clone());
        }
        if !sid.is_empty() {
            if let Some(first) = seen.get(&sid) {
                let first = *first;
                row.fail(
                    problems,
                    "sourcedId",
                    &sid,
                    format!("is also on line {first}: a sourcedId is one record"),
                );
            } else {
                seen.insert(sid.clone(), line);
            }
        }
        if row.ok {
            let meta = Meta {
                sourced_id: sid,
                status,
                date_last_modified: row.opt("dateLastModified"),
                line,
            };
            out.push(make(&row, meta));
        }
    }
    if rows == 0 {
        problems.file(
            &name,
            "has no rows: OneRoster marks a file without data absent in the manifest",
        );
    }
    out
}

fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "a field is not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

/// Reads the manifest.
fn read_manifest(files: &Files, problems: &mut Problems) -> Manifest {
    let mut m = Manifest::default();
    let Some(bytes) = files.0.get("manifest.csv") else {
        problems.file(
            "manifest.csv",
            "is missing: a OneRoster 1.2 bundle starts with its manifest",
        );
        return m;
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let mut seen = HashSet::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.file(
                    "manifest.csv",
                    format!("is not valid CSV ({})", csv_error(&e)),
                );
                break;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let key = rec.get(0).unwrap_or("").trim().to_owned();
        let value = rec.get(1).unwrap_or("").trim().to_owned();
        let bad = |problems: &mut Problems, message: String| {
            problems.push(Problem {
                file: "manifest.csv".into(),
                line,
                column: "value".into(),
                value: value.clone(),
                message,
            })
        };
        if !seen.insert(key.clone()) {
            bad(problems, format!("{key} is in the manifest twice"));
            continue;
        }
        if let Some(stem) = key.strip_prefix("file.") {
            let mode = match value.as_str() {
                "bulk" => Mode::Bulk,
                "delta" => Mode::Delta,
                "absent" => Mode::Absent,
                _ => {
                    bad(problems, format!("{key} must be bulk, delta or absent"));
                    continue;
                }
            };
            m.files.insert(stem.to_owned(), mode);
        } else {
            match key.as_str() {
                "manifest.version" if value != "1.0" => {
                    bad(problems, "manifest.version must be 1.0".into())
                }
                "oneroster.version" => {
                    if value != "1.2" && value != "1.2.1" {
                        bad(
                            problems,
                            "this reader takes OneRoster 1.2 bundles (oneroster.version 1.2)"
                                .into(),
                        );
                    }
                    m.oneroster_version = value.clone();
                }
                "source.systemName" => m.system_name = Some(value.clone()),
                "source.systemCode" => m.system_code = Some(value.clone()),
                _ => {}
            }
        }
    }
    if m.oneroster_version.is_empty() && !seen.contains("oneroster.version") {
        problems.file("manifest.csv", "has no oneroster.version");
    }
    m
}

/// Reads and checks a whole bundle. `known` answers whether a sourcedId the bundle refers to
/// but doesn't hold is already in the database (a delta bundle refers to earlier imports).
pub fn read(files: &Files, known: &dyn Fn(Ref, &str) -> bool) -> Result<Bundle, Refused> {
    let mut problems = Problems::default();
    let mut warnings = Vec::new();
    let manifest = read_manifest(files, &mut problems);
    for name in files.names() {
        let stem = name.trim_end_matches(".csv");
        if NOT_USED.contains(&stem) {
            if manifest.mode(stem) != Mode::Absent {
                warnings.push(format!(
                    "{name}: gradebook and resource files are not used by Ensemble"
                ));
            }
        } else if !USED.contains(&stem) {
            warnings.push(format!("{name} is not a OneRoster 1.2 file: not read"));
        }
    }
    let w = &mut warnings;
    let p = &mut problems;
    let mut seen = Seen::default();
    let sessions = read_file_ids(
        files,
        "academicSessions",
        manifest.mode("academicSessions"),
        p,
        w,
        &mut seen.sessions,
        &mut |r, meta| AcademicSession {
            meta,
            title: r.text("title"),
            kind: match r.raw("type") {
                "gradingPeriod" => SessionType::GradingPeriod,
                "semester" => SessionType::Semester,
                "schoolYear" => SessionType::SchoolYear,
                "term" => SessionType::Term,
                o => SessionType::Ext(o.to_owned()),
            },
            start_date: r.text("startDate"),
            end_date: r.text("endDate"),
            parent: r.opt("parentSourcedId"),
            school_year: r.raw("schoolYear").parse().unwrap_or(0),
            ensemble_schools: r.list(crate::map::SCHOOLS_COLUMN),
        },
    );
    let orgs = read_file_ids(
        files,
        "orgs",
        manifest.mode("orgs"),
        p,
        w,
        &mut seen.orgs,
        &mut |r, meta| Org {
            meta,
            name: r.text("name"),
            kind: match r.raw("type") {
                "department" => OrgType::Department,
                "school" => OrgType::School,
                "district" => OrgType::District,
                "local" => OrgType::Local,
                "state" => OrgType::State,
                "national" => OrgType::National,
                o => OrgType::Ext(o.to_owned()),
            },
            identifier: r.opt("identifier"),
            parent: r.opt("parentSourcedId"),
        },
    );
    let courses = read_file_ids(
        files,
        "courses",
        manifest.mode("courses"),
        p,
        w,
        &mut seen.courses,
        &mut |r, meta| Course {
            meta,
            school_year: r.opt("schoolYearSourcedId"),
            title: r.text("title"),
            course_code: r.opt("courseCode"),
            grades: r.list("grades"),
            org: r.text("orgSourcedId"),
            subjects: r.list("subjects"),
            subject_codes: r.list("subjectCodes"),
        },
    );
    let classes = read_file_ids(
        files,
        "classes",
        manifest.mode("classes"),
        p,
        w,
        &mut seen.classes,
        &mut |r, meta| Class {
            meta,
            title: r.text("title"),
            grades: r.list("grades"),
            course: r.text("courseSourcedId"),
            class_code: r.opt("classCode"),
            class_type: match r.raw("classType") {
                "homeroom" => ClassType::Homeroom,
                "scheduled" => ClassType::Scheduled,
                o => ClassType::Ext(o.to_owned()),
            },
            location: r.opt("location"),
            school: r.text("schoolSourcedId"),
            terms: r.list("termSourcedIds"),
            subjects: r.list("subjects"),
            subject_codes: r.list("subjectCodes"),
            periods: r.list("periods"),
        },
    );
    let mut passwords = 0usize;
    let users = read_file_ids(
        files,
        "users",
        manifest.mode("users"),
        p,
        w,
        &mut seen.users,
        &mut |r, meta| {
            if !r.raw("password").is_empty() {
                passwords += 1;
            }
            User {
                meta,
                enabled: r.boolean("enabledUser").unwrap_or(true),
                username: r.text("username"),
                user_ids: r.list("userIds"),
                given_name: r.text("givenName"),
                family_name: r.text("familyName"),
                middle_name: r.opt("middleName"),
                identifier: r.opt("identifier"),
                email: r.opt("email"),
                sms: r.opt("sms"),
                phone: r.opt("phone"),
                agents: r.list("agentSourcedIds"),
                grades: r.list("grades"),
                master_identifier: r.opt("userMasterIdentifier"),
                preferred_given_name: r.opt("preferredGivenName"),
                preferred_middle_name: r.opt("preferredMiddleName"),
                preferred_family_name: r.opt("preferredFamilyName"),
                primary_org: r.opt("primaryOrgSourcedId"),
                pronouns: r.opt("pronouns"),
                ensemble_role_type: r.opt(crate::map::ROLE_TYPE_COLUMN),
            }
        },
    );
    if passwords > 0 {
        w.push(format!(
            "users.csv: {passwords} password{} not kept — people set their own when they first sign in",
            if passwords == 1 { " was" } else { "s were" }
        ));
    }
    let roles = read_file(files, "roles", manifest.mode("roles"), p, w, |r, meta| {
        Role {
            meta,
            user: r.text("userSourcedId"),
            primary: r.raw("roleType") == "primary",
            role: RoleName::parse(r.raw("role")),
            begin_date: r.opt("beginDate"),
            end_date: r.opt("endDate"),
            org: r.text("orgSourcedId"),
            user_profile: r.opt("userProfileSourcedId"),
        }
    });
    let enrollments = read_file(
        files,
        "enrollments",
        manifest.mode("enrollments"),
        p,
        w,
        |r, meta| Enrollment {
            meta,
            class: r.text("classSourcedId"),
            school: r.text("schoolSourcedId"),
            user: r.text("userSourcedId"),
            role: RoleName::parse(r.raw("role")),
            primary: r.boolean("primary"),
            begin_date: r.opt("beginDate"),
            end_date: r.opt("endDate"),
        },
    );
    let demographics = read_file(
        files,
        "demographics",
        manifest.mode("demographics"),
        p,
        w,
        |r, meta| Demographic {
            meta: Some(meta),
            birth_date: r.opt("birthDate"),
            sex: r.opt("sex"),
            american_indian_or_alaska_native: r.boolean("americanIndianOrAlaskaNative"),
            asian: r.boolean("asian"),
            black_or_african_american: r.boolean("blackOrAfricanAmerican"),
            native_hawaiian_or_other_pacific_islander: r
                .boolean("nativeHawaiianOrOtherPacificIslander"),
            white: r.boolean("white"),
            two_or_more_races: r.boolean("demographicRaceTwoOrMoreRaces"),
            hispanic_or_latino: r.boolean("hispanicOrLatinoEthnicity"),
            country_of_birth_code: r.opt("countryOfBirthCode"),
            state_of_birth_abbreviation: r.opt("stateOfBirthAbbreviation"),
            city_of_birth: r.opt("cityOfBirth"),
            public_school_residence_status: r.opt("publicSchoolResidenceStatus"),
        },
    );
    let user_profiles = read_file_ids(
        files,
        "userProfiles",
        manifest.mode("userProfiles"),
        p,
        w,
        &mut seen.profiles,
        &mut |r, meta| UserProfile {
            meta,
            user: r.text("userSourcedId"),
            profile_type: r.text("profileType"),
            vendor_id: r.text("vendorId"),
            application_id: r.opt("applicationId"),
            description: r.opt("description"),
            credential_type: r.text("credentialType"),
            username: r.text("username"),
        },
    );
    let bundle = Bundle {
        manifest,
        sessions,
        orgs,
        courses,
        classes,
        users,
        roles,
        enrollments,
        demographics,
        user_profiles,
        warnings,
    };
    check_references(&bundle, &seen, known, &mut problems);
    problems.into_result(bundle)
}

/// The kinds of record a reference points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ref {
    Session,
    Org,
    /// An org of type school (what a delta's roles may point to).
    School,
    Course,
    Class,
    User,
    UserProfile,
}

impl Ref {
    fn noun(self) -> &'static str {
        match self {
            Self::Session => "academic session",
            Self::Org => "org",
            Self::School => "school",
            Self::Course => "course",
            Self::Class => "class",
            Self::User => "user",
            Self::UserProfile => "user profile",
        }
    }
}

/// Every reference between files resolves: to a record of the bundle that is not being
/// deleted, or to one already in the database. Orgs referred to as schools are schools.
/// The sourcedIds of each file that references may point to.
#[derive(Default)]
struct Seen {
    sessions: HashSet<String>,
    orgs: HashSet<String>,
    courses: HashSet<String>,
    classes: HashSet<String>,
    users: HashSet<String>,
    profiles: HashSet<String>,
}

fn check_references(
    b: &Bundle,
    seen: &Seen,
    known: &dyn Fn(Ref, &str) -> bool,
    problems: &mut Problems,
) {
    let schools: HashSet<&str> = b
        .orgs
        .iter()
        .filter(|o| o.kind == OrgType::School && !o.meta.deleted())
        .map(|o| o.meta.sourced_id.as_str())
        .collect();
    let set = |r: Ref| match r {
        Ref::Session => &seen.sessions,
        Ref::Org | Ref::School => &seen.orgs,
        Ref::Course => &seen.courses,
        Ref::Class => &seen.classes,
        Ref::User => &seen.users,
        Ref::UserProfile => &seen.profiles,
    };
    let mut check = |file: &str, line: u64, col: &str, r: Ref, v: &str, deleted: bool| {
        // A record being deleted may point to what is deleted with it.
        if deleted || v.is_empty() || set(r).contains(v) || known(r, v) {
            return;
        }
        problems.push(Problem {
            file: file.to_owned(),
            line,
            column: col.to_owned(),
            value: v.to_owned(),
            message: format!("no {} has this sourcedId", r.noun()),
        });
    };
    for s in &b.sessions {
        if let Some(p) = &s.parent {
            check(
                "academicSessions.csv",
                s.meta.line,
                "parentSourcedId",
                Ref::Session,
                p,
                s.meta.deleted(),
            );
        }
    }
    for o in &b.orgs {
        if let Some(p) = &o.parent {
            check(
                "orgs.csv",
                o.meta.line,
                "parentSourcedId",
                Ref::Org,
                p,
                o.meta.deleted(),
            );
        }
    }
    for c in &b.courses {
        let d = c.meta.deleted();
        check(
            "courses.csv",
            c.meta.line,
            "orgSourcedId",
            Ref::Org,
            &c.org,
            d,
        );
        if let Some(y) = &c.school_year {
            check(
                "courses.csv",
                c.meta.line,
                "schoolYearSourcedId",
                Ref::Session,
                y,
                d,
            );
        }
    }
    for c in &b.classes {
        let d = c.meta.deleted();
        check(
            "classes.csv",
            c.meta.line,
            "courseSourcedId",
            Ref::Course,
            &c.course,
            d,
        );
        check(
            "classes.csv",
            c.meta.line,
            "schoolSourcedId",
            Ref::Org,
            &c.school,
            d,
        );
        for t in &c.terms {
            check(
                "classes.csv",
                c.meta.line,
                "termSourcedIds",
                Ref::Session,
                t,
                d,
            );
        }
    }
    for u in &b.users {
        for a in &u.agents {
            check(
                "users.csv",
                u.meta.line,
                "agentSourcedIds",
                Ref::User,
                a,
                u.meta.deleted(),
            );
        }
        if let Some(o) = &u.primary_org {
            check(
                "users.csv",
                u.meta.line,
                "primaryOrgSourcedId",
                Ref::Org,
                o,
                u.meta.deleted(),
            );
        }
    }
    for r in &b.roles {
        let d = r.meta.deleted();
        check(
            "roles.csv",
            r.meta.line,
            "userSourcedId",
            Ref::User,
            &r.user,
            d,
        );
        check(
            "roles.csv",
            r.meta.line,
            "orgSourcedId",
            Ref::Org,
            &r.org,
            d,
        );
        if let Some(p) = &r.user_profile {
            check(
                "roles.csv",
                r.meta.line,
                "userProfileSourcedId",
                Ref::UserProfile,
                p,
                d,
            );
        }
    }
    for e in &b.enrollments {
        let d = e.meta.deleted();
        check(
            "enrollments.csv",
            e.meta.line,
            "classSourcedId",
            Ref::Class,
            &e.class,
            d,
        );
        check(
            "enrollments.csv",
            e.meta.line,
            "schoolSourcedId",
            Ref::Org,
            &e.school,
            d,
        );
        check(
            "enrollments.csv",
            e.meta.line,
            "userSourcedId",
            Ref::User,
            &e.user,
            d,
        );
    }
    for dm in &b.demographics {
        if let Some(m) = &dm.meta {
            check(
                "demographics.csv",
                m.line,
                "sourcedId",
                Ref::User,
                &m.sourced_id,
                m.deleted(),
            );
        }
    }
    for p in &b.user_profiles {
        check(
            "userProfiles.csv",
            p.meta.line,
            "userSourcedId",
            Ref::User,
            &p.user,
            p.meta.deleted(),
        );
    }
    // A class's school and an enrollment's school are schools.
    for c in &b.classes {
        if !c.meta.deleted()
            && seen.orgs.contains(c.school.as_str())
            && !schools.contains(c.school.as_str())
        {
            problems.push(Problem {
                file: "classes.csv".into(),
                line: c.meta.line,
                column: "schoolSourcedId".into(),
                value: c.school.clone(),
                message: "is an org that is not a school".into(),
            });
        }
    }
    // A session ends after it starts.
    for s in &b.sessions {
        if s.end_date < s.start_date {
            problems.push(Problem {
                file: "academicSessions.csv".into(),
                line: s.meta.line,
                column: "endDate".into(),
                value: s.end_date.clone(),
                message: format!("is before the startDate ({})", s.start_date),
            });
        }
    }
}
