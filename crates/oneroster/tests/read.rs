//! The reader and the mapping on bundles written as another system would write them.

use ensemble_oneroster::read::{Files, Ref};
use ensemble_oneroster::{load, plan, read};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn files_of(name: &str) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    for e in std::fs::read_dir(data(name)).expect("fixture") {
        let p = e.expect("entry").path();
        m.insert(
            p.file_name()
                .and_then(|n| n.to_str())
                .expect("name")
                .to_owned(),
            std::fs::read(&p).expect("read"),
        );
    }
    m
}

fn nothing_known(_: Ref, _: &str) -> bool {
    false
}

#[test]
fn a_bundle_from_another_system_reads_and_maps_whole() {
    let files = Files::open(&data("lincoln")).expect("opens");
    let b = read(&files, &nothing_known).expect("reads");
    assert_eq!(b.sessions.len(), 3);
    assert_eq!(b.orgs.len(), 4);
    assert_eq!(b.courses.len(), 5);
    assert_eq!(b.classes.len(), 6);
    assert_eq!(b.users.len(), 80);
    assert_eq!(b.roles.len(), 80);
    assert_eq!(b.enrollments.len(), 149);
    assert_eq!(b.demographics.len(), 48);
    assert_eq!(b.user_profiles.len(), 1);
    let warned = b.warnings.join("\n");
    assert!(warned.contains("lineItems.csv: gradebook"), "{warned}");
    assert!(
        warned.contains("\"metadata.acme.homeroomColor\""),
        "{warned}"
    );
    assert!(warned.contains("1 password was not kept"), "{warned}");

    let p = plan(&b, &nothing_known).expect("maps");
    assert_eq!(p.districts.len(), 1);
    assert_eq!(p.schools.len(), 2);
    let mesa = p
        .schools
        .iter()
        .find(|s| s.sourced_id == "org-mesa")
        .expect("mesa");
    assert_eq!((mesa.grade_low, mesa.grade_high), (6, 6));
    // Mesa uses both semesters and their year; Oak the fall and its year.
    assert_eq!(p.terms.iter().filter(|t| t.school == "org-mesa").count(), 3);
    assert_eq!(p.terms.iter().filter(|t| t.school == "org-oak").count(), 2);
    assert_eq!(
        p.current.get("org-mesa").map(String::as_str),
        Some("as-2027-s1")
    );
    assert_eq!(p.educators.len(), 8);
    let role_of = |id: &str| {
        p.educators
            .iter()
            .find(|e| e.sourced_id == id)
            .map(|e| e.role_type)
    };
    assert_eq!(
        role_of("a-lindqvist"),
        Some(ensemble_domain::educator::RoleType::Paraeducator)
    );
    assert_eq!(
        role_of("c-obi"),
        Some(ensemble_domain::educator::RoleType::Specialist)
    );
    assert_eq!(p.leaders.len(), 1, "the principal gets a leader's account");
    assert_eq!(
        p.students.len(),
        68,
        "the pre-K student is left out, with a warning"
    );
    assert!(p
        .warnings
        .iter()
        .any(|w| w.contains("outside kindergarten")));
    assert!(p.warnings.iter().any(|w| w.contains("parents, guardians")));
    assert_eq!(p.demographics.len(), 48);
    assert_eq!(p.classes.len(), 6);
    assert_eq!(p.enrollments.len(), 149);
    assert!(p.bulk_users && p.bulk_classes && p.bulk_enrollments);
}

#[test]
fn a_zip_reads_like_its_folder_even_inside_a_folder() {
    let files = files_of("lincoln");
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (n, b) in &files {
        z.start_file(
            format!("export-2026/{n}"),
            zip::write::SimpleFileOptions::default(),
        )
        .expect("start");
        std::io::Write::write_all(&mut z, b).expect("write");
    }
    let bytes = z.finish().expect("zip").into_inner();
    let from_zip = read(&Files::from_zip(&bytes).expect("zip"), &nothing_known).expect("reads");
    let from_dir = read(&Files::from_map(files), &nothing_known).expect("reads");
    assert_eq!(from_zip.users, from_dir.users);
    assert_eq!(from_zip.enrollments, from_dir.enrollments);
}

/// The bundle with one field of one row replaced.
fn corrupt(file: &str, row: usize, column: &str, value: &str) -> (BTreeMap<String, Vec<u8>>, u64) {
    let mut files = files_of("lincoln");
    let text = String::from_utf8(files[file].clone()).expect("utf-8");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header = rdr.headers().expect("header").clone();
    let col = header.iter().position(|h| h == column).expect("column");
    let mut rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
    let row = row % rows.len();
    let mut fields: Vec<String> = rows[row].iter().map(str::to_owned).collect();
    fields[col] = value.to_owned();
    rows[row] = csv::StringRecord::from(fields);
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(&header).expect("header");
    for r in &rows {
        w.write_record(r).expect("row");
    }
    files.insert(file.to_owned(), w.into_inner().expect("bytes"));
    // The header is line 1.
    (files, u64::try_from(row).expect("small") + 2)
}

#[test]
fn one_bad_enrollment_is_named_by_file_line_and_column() {
    let (files, line) = corrupt("enrollments.csv", 17, "userSourcedId", "s-9999");
    let err = load(&Files::from_map(files), &nothing_known).expect_err("refused");
    assert_eq!(err.problems.len(), 1, "{err}");
    let p = &err.problems[0];
    assert_eq!(
        (p.file.as_str(), p.line, p.column.as_str(), p.value.as_str()),
        ("enrollments.csv", line, "userSourcedId", "s-9999")
    );
    assert_eq!(p.message, "no user has this sourcedId");
    assert!(err.to_string().contains(&format!("enrollments.csv line {line}, column userSourcedId (\"s-9999\"): no user has this sourcedId")), "{err}");
}

#[test]
fn every_problem_is_listed_not_just_the_first() {
    let (mut files, _) = corrupt("academicSessions.csv", 0, "startDate", "2026-02-30");
    let (more, _) = corrupt("classes.csv", 2, "classType", "lecture");
    files.insert("classes.csv".into(), more["classes.csv"].clone());
    files.insert(
        "orgs.csv".into(),
        [
            files["orgs.csv"].clone(),
            b"org-lusd,,,Again,district,,\r\n".to_vec(),
        ]
        .concat(),
    );
    let err = read(&Files::from_map(files), &nothing_known).expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains(
            "academicSessions.csv line 2, column startDate (\"2026-02-30\"): is not a date"
        ),
        "{text}"
    );
    assert!(text.contains("classes.csv line 4, column classType (\"lecture\"): must be one of homeroom, scheduled"), "{text}");
    assert!(
        text.contains("orgs.csv line 6, column sourcedId (\"org-lusd\"): is also on line 2"),
        "{text}"
    );
}

#[test]
fn a_missing_required_column_an_empty_file_and_a_bad_manifest_are_refused() {
    let mut files = files_of("lincoln");
    let users = String::from_utf8(files["users.csv"].clone())
        .expect("utf-8")
        .replacen("givenName", "firstName", 1);
    files.insert("users.csv".into(), users.into_bytes());
    files.insert(
        "courses.csv".into(),
        files["courses.csv"]
            .split(|b| *b == b'\n')
            .next()
            .expect("header")
            .to_vec(),
    );
    let manifest = String::from_utf8(files["manifest.csv"].clone())
        .expect("utf-8")
        .replace("file.orgs,bulk", "file.orgs,full");
    files.insert("manifest.csv".into(), manifest.into_bytes());
    let text = read(&Files::from_map(files), &nothing_known)
        .expect_err("refused")
        .to_string();
    assert!(
        text.contains(
            "users.csv line 1, column givenName: is a required column and the header lacks it"
        ),
        "{text}"
    );
    assert!(text.contains("courses.csv: has no rows"), "{text}");
    assert!(text.contains("manifest.csv line"), "{text}");
    assert!(
        text.contains("file.orgs must be bulk, delta or absent"),
        "{text}"
    );
}

#[test]
fn a_delta_may_refer_to_what_an_earlier_import_brought_and_must_date_its_rows() {
    let files = Files::open(&data("lincoln-delta")).expect("opens");
    // Alone, its references to classes and the school are unknown.
    let err = read(&files, &nothing_known).expect_err("refused");
    assert!(
        err.problems.iter().all(|p| p.message.starts_with("no ")),
        "{err}"
    );
    let known = |r: Ref, id: &str| {
        matches!(
            (r, id),
            (Ref::Class, "cls-math6-a" | "cls-ela6-a" | "cls-hr6-a")
                | (Ref::Org, "org-mesa")
                | (Ref::User, "s-1003")
        )
    };
    let b = read(&files, &known).expect("reads against what is known");
    let p = plan(&b, &|r, id| {
        known(r, id) || (r == Ref::School && id == "org-mesa")
    })
    .expect("maps");
    assert_eq!(p.students.len(), 1);
    assert_eq!(p.name_changes.len(), 1);
    assert_eq!(p.delete_users, vec!["a-lindqvist".to_owned()]);
    assert_eq!(p.delete_enrollments, vec!["e-cls-hr6-a-s-1003".to_owned()]);
    assert!(!p.bulk_users);
    // Without its dates, a delta row is refused.
    let mut m = files_of("lincoln-delta");
    let text = String::from_utf8(m["users.csv"].clone())
        .expect("utf-8")
        .replace("2026-09-14T07:30:00.000Z", "");
    m.insert("users.csv".into(), text.into_bytes());
    let err = read(&Files::from_map(m), &known).expect_err("refused");
    assert!(
        err.to_string()
            .contains("users.csv line 2, column dateLastModified: is required in a delta file"),
        "{err}"
    );
}

/// (file, column, a value that is wrong there, what the reader says)
const BAD: [(&str, &str, &str, &str); 12] = [
    (
        "enrollments.csv",
        "classSourcedId",
        "cls-nowhere",
        "no class has this sourcedId",
    ),
    (
        "enrollments.csv",
        "role",
        "coach",
        "must be one of administrator, proctor, student, teacher",
    ),
    ("enrollments.csv", "primary", "yes", "must be true or false"),
    (
        "enrollments.csv",
        "beginDate",
        "03/08/2026",
        "is not a date",
    ),
    ("users.csv", "givenName", "", "is required and empty"),
    ("users.csv", "enabledUser", "1", "must be true or false"),
    (
        "roles.csv",
        "roleType",
        "main",
        "must be one of primary, secondary",
    ),
    (
        "roles.csv",
        "orgSourcedId",
        "org-none",
        "no org has this sourcedId",
    ),
    (
        "classes.csv",
        "termSourcedIds",
        "as-2027-s1,as-2099",
        "no academic session has this sourcedId",
    ),
    ("academicSessions.csv", "schoolYear", "27", "is not a year"),
    (
        "demographics.csv",
        "sex",
        "f",
        "must be one of male, female",
    ),
    (
        "orgs.csv",
        "type",
        "campus",
        "must be one of department, school",
    ),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// One corrupted field anywhere: the bundle is refused and the problem names the file,
    /// the line and the column.
    #[test]
    fn one_corrupted_field_is_named(which in 0..BAD.len(), row in 0usize..200) {
        let (file, column, value, says) = BAD[which];
        let (files, line) = corrupt(file, row, column, value);
        let err = load(&Files::from_map(files), &nothing_known).expect_err("refused");
        prop_assert!(
            err.problems.iter().any(|p| p.file == file && p.line == line && p.column == column && p.message.starts_with(says)),
            "{file} line {line} {column}: {err}"
        );
    }
}

/// The zips the browser tests upload are the fixture folder, and the folder with one bad
/// enrollment.
#[test]
fn the_uploaded_zips_are_the_fixture() {
    let zip = |name: &str| Files::from_zip(&std::fs::read(data(name)).expect("zip")).expect("zip");
    let good = read(&zip("lincoln.zip"), &nothing_known).expect("reads");
    let dir = read(
        &Files::open(&data("lincoln")).expect("opens"),
        &nothing_known,
    )
    .expect("reads");
    assert_eq!(good.enrollments, dir.enrollments);
    assert_eq!(good.users, dir.users);
    let err = load(&zip("lincoln-bad-enrollment.zip"), &nothing_known).expect_err("refused");
    assert_eq!(err.problems.len(), 1, "{err}");
    assert_eq!(
        (
            err.problems[0].file.as_str(),
            err.problems[0].column.as_str(),
            err.problems[0].value.as_str()
        ),
        ("enrollments.csv", "userSourcedId", "s-1O30")
    );
}

/// The generated district (the scale benchmark's bundle) is a bundle the reader takes whole:
/// every row is read, and nothing is noted as outside 1.2 — its headers come from the reader's
/// own column lists.
#[test]
fn the_generated_district_reads_whole() {
    let files = ensemble_oneroster::sample::district(3, 300, 40, 7);
    let rows = |f: &str| files[f].iter().filter(|b| **b == b'\n').count() - 1;
    let (users, enrollments) = (rows("users.csv"), rows("enrollments.csv"));
    let b = read(&Files::from_map(files), &nothing_known).expect("reads");
    assert_eq!(b.users.len(), users);
    assert_eq!(b.enrollments.len(), enrollments);
    assert!(b.users.len() > 300, "{}", b.users.len());
    let warned = b.warnings.join("\n");
    assert!(!warned.contains("not in OneRoster 1.2"), "{warned}");
    let p = plan(&b, &nothing_known).expect("maps");
    assert_eq!(p.schools.len(), 3);
    assert_eq!(p.students.len(), 300);
}
