//! Writes what Ensemble holds as a OneRoster 1.2 CSV bundle (bulk): each team as a class of
//! its term (`classType` `ext:ensembleCoreTeam` …), its educators as teacher enrollments
//! (`primary=true` for the lead) and a core team's roster as student enrollments; the classes
//! and enrollments an earlier import brought in as they were; demographics only when asked.

use crate::map::*;
use ensemble_domain::educator::RoleType;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

/// What to write: a plan as [`crate::map::plan`] makes one, read back from the store.
#[derive(Debug, Default)]
pub struct Export {
    pub plan: Plan,
    /// Write `demographics.csv` (protected data: only when asked for).
    pub demographics: bool,
    pub system_name: String,
}

/// An error writing files.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Csv(#[from] csv::Error),
    #[error("{0}")]
    Zip(#[from] zip::result::ZipError),
}

fn csv_of(header: &[&str], rows: Vec<Vec<String>>) -> Result<Vec<u8>, WriteError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(&r)?;
    }
    w.into_inner()
        .map_err(|e| WriteError::Io(std::io::Error::other(e.to_string())))
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

/// OneRoster's role for an Ensemble role type (the exact type goes in an extension column).
fn role_of(t: RoleType) -> &'static str {
    match t {
        RoleType::Specialist => "counselor",
        RoleType::Paraeducator | RoleType::CommunityEducator | RoleType::Volunteer => "aide",
        _ => "teacher",
    }
}

/// The course every team class of a school belongs to.
pub fn team_course(school: &str) -> String {
    format!("{school}.teams")
}

/// The bundle's files, by name.
pub fn files(e: &Export) -> Result<BTreeMap<String, Vec<u8>>, WriteError> {
    let p = &e.plan;
    let mut out: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut manifest = vec![
        vec!["manifest.version".to_owned(), "1.0".to_owned()],
        vec!["oneroster.version".to_owned(), "1.2".to_owned()],
    ];
    let present = |f: &str| -> &'static str {
        match f {
            "academicSessions" | "classes" | "courses" | "enrollments" | "orgs" | "roles"
            | "users" => "bulk",
            "demographics" if e.demographics => "bulk",
            _ => "absent",
        }
    };
    for f in [
        "academicSessions",
        "categories",
        "classes",
        "classResources",
        "courses",
        "courseResources",
        "demographics",
        "enrollments",
        "lineItemLearningObjectiveIds",
        "lineItems",
        "lineItemScoreScales",
        "orgs",
        "resources",
        "resultLearningObjectiveIds",
        "results",
        "resultScoreScales",
        "roles",
        "scoreScales",
        "userProfiles",
        "userResources",
        "users",
    ] {
        manifest.push(vec![format!("file.{f}"), present(f).to_owned()]);
    }
    manifest.push(vec!["source.systemName".into(), e.system_name.clone()]);
    manifest.push(vec!["source.systemCode".into(), "ensemble".into()]);
    out.insert(
        "manifest.csv".into(),
        csv_of(&["propertyName", "value"], manifest)?,
    );

    // Sessions: one per session, whichever schools share it.
    let mut seen = BTreeSet::new();
    let mut rows = Vec::new();
    let mut holders: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for t in &p.terms {
        holders
            .entry(t.session.as_str())
            .or_default()
            .push(t.school.as_str());
    }
    for t in &p.terms {
        if !seen.insert(t.session.clone()) {
            continue;
        }
        rows.push(vec![
            t.session.clone(),
            String::new(),
            String::new(),
            t.name.clone(),
            match t.kind {
                ensemble_domain::school::TermKind::SchoolYear => "schoolYear",
                ensemble_domain::school::TermKind::Term => "term",
            }
            .into(),
            t.start_date.clone(),
            t.end_date.clone(),
            opt(&t.parent),
            t.end_date.get(0..4).unwrap_or("").to_owned(),
            holders
                .get(t.session.as_str())
                .map(|h| h.join(","))
                .unwrap_or_default(),
        ]);
    }
    rows.sort();
    out.insert(
        "academicSessions.csv".into(),
        csv_of(
            &[
                crate::read::header("academicSessions").as_slice(),
                &[SCHOOLS_COLUMN],
            ]
            .concat(),
            rows,
        )?,
    );

    let mut rows = Vec::new();
    for d in &p.districts {
        rows.push(vec![
            d.sourced_id.clone(),
            String::new(),
            String::new(),
            d.name.clone(),
            "district".into(),
            String::new(),
            String::new(),
        ]);
    }
    for s in &p.schools {
        rows.push(vec![
            s.sourced_id.clone(),
            String::new(),
            String::new(),
            s.name.clone(),
            "school".into(),
            String::new(),
            s.district.clone(),
        ]);
    }
    out.insert(
        "orgs.csv".into(),
        csv_of(&crate::read::header("orgs"), rows)?,
    );

    // Courses: the schools' team courses and the courses of imported classes.
    let mut courses: BTreeMap<String, (String, String)> = BTreeMap::new();
    for s in &p.schools {
        courses.insert(
            team_course(&s.sourced_id),
            ("Teams".into(), s.sourced_id.clone()),
        );
    }
    for c in &p.classes {
        courses
            .entry(c.course.clone())
            .or_insert_with(|| (c.course_title.clone(), c.school.clone()));
    }
    let rows = courses
        .into_iter()
        .map(|(id, (title, org))| {
            vec![
                id,
                String::new(),
                String::new(),
                String::new(),
                if title.is_empty() {
                    "Course".into()
                } else {
                    title
                },
                String::new(),
                String::new(),
                org,
                String::new(),
                String::new(),
            ]
        })
        .collect();
    out.insert(
        "courses.csv".into(),
        csv_of(&crate::read::header("courses"), rows)?,
    );

    let mut rows = Vec::new();
    for t in &p.teams {
        rows.push(vec![
            t.sourced_id.clone(),
            String::new(),
            String::new(),
            t.name.clone(),
            String::new(),
            team_course(&t.school),
            String::new(),
            team_class_type(t.kind).into(),
            String::new(),
            t.school.clone(),
            t.session.clone(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    for c in &p.classes {
        rows.push(vec![
            c.sourced_id.clone(),
            String::new(),
            String::new(),
            c.title.clone(),
            c.grades.join(","),
            c.course.clone(),
            String::new(),
            c.class_type.clone(),
            String::new(),
            c.school.clone(),
            c.terms.join(","),
            c.subjects.join(","),
            String::new(),
            c.periods.join(","),
        ]);
    }
    out.insert(
        "classes.csv".into(),
        csv_of(&crate::read::header("classes"), rows)?,
    );

    // Users and their roles.
    let mut users = Vec::new();
    let mut roles = Vec::new();
    let user = |id: &str,
                given: &str,
                family: &str,
                email: &Option<String>,
                grade: String,
                role_type: String| {
        vec![
            id.to_owned(),
            String::new(),
            String::new(),
            "true".into(),
            email.clone().unwrap_or_else(|| id.to_owned()),
            String::new(),
            given.to_owned(),
            family.to_owned(),
            String::new(),
            String::new(),
            opt(email),
            String::new(),
            String::new(),
            String::new(),
            grade,
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            role_type,
        ]
    };
    let role = |id: &str, role: &str, org: &str| {
        vec![
            format!("{id}.role"),
            String::new(),
            String::new(),
            id.to_owned(),
            "primary".into(),
            role.to_owned(),
            String::new(),
            String::new(),
            org.to_owned(),
            String::new(),
        ]
    };
    for ed in &p.educators {
        users.push(user(
            &ed.sourced_id,
            &ed.given_name,
            &ed.family_name,
            &ed.email,
            String::new(),
            ed.role_type.as_str().into(),
        ));
        roles.push(role(&ed.sourced_id, role_of(ed.role_type), &ed.school));
    }
    for st in &p.students {
        users.push(user(
            &st.sourced_id,
            &st.given_name,
            &st.family_name,
            &None,
            grade_code(st.grade),
            String::new(),
        ));
        roles.push(role(&st.sourced_id, "student", &st.school));
    }
    for l in &p.leaders {
        let (given, family) = l.name.split_once(' ').unwrap_or((&l.name, ""));
        users.push(user(
            &l.sourced_id,
            given,
            if family.is_empty() { given } else { family },
            &Some(l.email.clone()),
            String::new(),
            String::new(),
        ));
        roles.push(role(&l.sourced_id, "principal", &l.school));
    }
    out.insert(
        "users.csv".into(),
        csv_of(
            &[crate::read::header("users").as_slice(), &[ROLE_TYPE_COLUMN]].concat(),
            users,
        )?,
    );
    out.insert(
        "roles.csv".into(),
        csv_of(&crate::read::header("roles"), roles)?,
    );

    let mut rows = Vec::new();
    let enrollment =
        |id: String, class: &str, school: &str, user: &str, role: &str, primary: &str| {
            vec![
                id,
                String::new(),
                String::new(),
                class.to_owned(),
                school.to_owned(),
                user.to_owned(),
                role.to_owned(),
                primary.to_owned(),
                String::new(),
                String::new(),
            ]
        };
    for t in &p.teams {
        for (m, r) in &t.members {
            let lead = *r == ensemble_domain::team::TeamMemberRole::Lead;
            rows.push(enrollment(
                format!("{}.{}", t.sourced_id, m),
                &t.sourced_id,
                &t.school,
                m,
                "teacher",
                if lead { "true" } else { "false" },
            ));
        }
        for s in &t.roster {
            rows.push(enrollment(
                format!("{}.{}", t.sourced_id, s),
                &t.sourced_id,
                &t.school,
                s,
                "student",
                "",
            ));
        }
    }
    let class_school: BTreeMap<&str, &str> = p
        .classes
        .iter()
        .map(|c| (c.sourced_id.as_str(), c.school.as_str()))
        .collect();
    for en in &p.enrollments {
        rows.push(enrollment(
            en.sourced_id.clone(),
            &en.class,
            class_school.get(en.class.as_str()).copied().unwrap_or(""),
            &en.user,
            &en.role,
            if en.role == "teacher" {
                if en.primary {
                    "true"
                } else {
                    "false"
                }
            } else {
                ""
            },
        ));
    }
    out.insert(
        "enrollments.csv".into(),
        csv_of(&crate::read::header("enrollments"), rows)?,
    );

    if e.demographics {
        let rows = p
            .demographics
            .iter()
            .map(|d| {
                let flags = race_flags(d.race_ethnicity.as_deref().unwrap_or(""));
                let f = |b: bool| if b { "true" } else { "" }.to_owned();
                let mut r = vec![
                    d.student.clone(),
                    String::new(),
                    String::new(),
                    opt(&d.birth_date),
                    d.gender
                        .clone()
                        .filter(|g| {
                            ["male", "female", "unspecified", "other"].contains(&g.as_str())
                        })
                        .unwrap_or_default(),
                ];
                r.extend(flags.iter().map(|b| f(*b)));
                r.extend([String::new(), String::new(), String::new(), String::new()]);
                r
            })
            .collect();
        out.insert(
            "demographics.csv".into(),
            csv_of(&crate::read::header("demographics"), rows)?,
        );
    }
    // OneRoster allows no file without rows: a file with none is marked absent.
    let empty: Vec<String> = out
        .iter()
        .filter(|(n, b)| *n != "manifest.csv" && b.iter().filter(|c| **c == b'\n').count() <= 1)
        .map(|(n, _)| n.trim_end_matches(".csv").to_owned())
        .collect();
    if !empty.is_empty() {
        for n in &empty {
            out.remove(&format!("{n}.csv"));
        }
        let text = String::from_utf8_lossy(&out["manifest.csv"]).into_owned();
        let fixed: String = text
            .split("\r\n")
            .map(|l| {
                let stem = l.strip_prefix("file.").and_then(|r| r.split(',').next());
                match stem {
                    Some(s) if empty.iter().any(|n| n == s) => format!("file.{s},absent"),
                    _ => l.to_owned(),
                }
            })
            .collect::<Vec<_>>()
            .join("\r\n");
        out.insert("manifest.csv".into(), fixed.into_bytes());
    }
    Ok(out)
}

/// Writes the bundle as a zip.
pub fn zip(files: &BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>, WriteError> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        z.start_file(name.as_str(), opts)?;
        z.write_all(bytes)?;
    }
    Ok(z.finish()?.into_inner())
}
