//! A generated district bundle, as a student information system would export it, for the
//! import benchmark: per school, houses of four teachers who teach the same students (each
//! student in four house classes and a homeroom), electives across the school, aides,
//! counselors and a principal; demographics for every student. Deterministic for a seed.

use std::collections::BTreeMap;

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }
}

const GIVEN: [&str; 24] = [
    "Ava", "Liam", "Mia", "Noah", "Sofia", "Mateo", "Isabella", "Elijah", "Camila", "Lucas",
    "Aria", "Levi", "Luna", "Ezra", "Nora", "Kai", "Zoe", "Leo", "Maya", "Hugo", "Ivy", "Omar",
    "Rosa", "Theo",
];
const FAMILY: [&str; 20] = [
    "Garcia", "Nguyen", "Smith", "Patel", "Johnson", "Kim", "Lopez", "Brown", "Chen", "Davis",
    "Martinez", "Wilson", "Ahmed", "Clark", "Rivera", "Young", "Hall", "Singh", "Torres", "Moore",
];

struct Csv(csv::Writer<Vec<u8>>);

impl Csv {
    fn new(header: &[&str]) -> Self {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let _ = w.write_record(header);
        Self(w)
    }

    fn row(&mut self, r: &[&str]) {
        let _ = self.0.write_record(r);
    }

    fn bytes(self) -> Vec<u8> {
        self.0.into_inner().unwrap_or_default()
    }
}

/// A district of `schools` schools, `students` students and about `educators` staff
/// (teachers in houses of four, aides, counselors, a principal per school).
pub fn district(
    schools: usize,
    students: usize,
    educators: usize,
    seed: u64,
) -> BTreeMap<String, Vec<u8>> {
    let mut rng = Rng(seed);
    let mut out = BTreeMap::new();
    let per_school = (students / schools.max(1)).max(1);
    let staff = (educators / schools.max(1)).max(8);
    // 80 % teachers (a multiple of four), the rest aides and counselors, one principal.
    let teachers = ((staff * 4 / 5) / 4).max(1) * 4;
    let houses = teachers / 4;
    let aides = (staff - teachers - 1).max(1) * 2 / 3;
    let counselors = (staff - teachers - 1).saturating_sub(aides).max(1);

    let mut manifest = Csv::new(&["propertyName", "value"]);
    manifest.row(&["manifest.version", "1.0"]);
    manifest.row(&["oneroster.version", "1.2"]);
    for f in [
        "academicSessions",
        "classes",
        "courses",
        "demographics",
        "enrollments",
        "orgs",
        "roles",
        "users",
    ] {
        manifest.row(&[&format!("file.{f}"), "bulk"]);
    }
    for f in [
        "categories",
        "classResources",
        "courseResources",
        "lineItems",
        "resources",
        "results",
        "userProfiles",
        "userResources",
    ] {
        manifest.row(&[&format!("file.{f}"), "absent"]);
    }
    manifest.row(&["source.systemName", "Generated district"]);
    out.insert("manifest.csv".into(), manifest.bytes());

    let mut sessions = Csv::new(&crate::read::header("academicSessions"));
    sessions.row(&[
        "sy-2027",
        "",
        "",
        "2026–27",
        "schoolYear",
        "2026-08-03",
        "2027-06-04",
        "",
        "2027",
    ]);
    sessions.row(&[
        "sem-2027-1",
        "",
        "",
        "Fall semester",
        "semester",
        "2026-08-03",
        "2026-12-18",
        "sy-2027",
        "2027",
    ]);
    sessions.row(&[
        "sem-2027-2",
        "",
        "",
        "Spring semester",
        "semester",
        "2027-01-05",
        "2027-06-04",
        "sy-2027",
        "2027",
    ]);
    out.insert("academicSessions.csv".into(), sessions.bytes());

    let mut orgs = Csv::new(&crate::read::header("orgs"));
    orgs.row(&[
        "dist",
        "",
        "",
        "Generated Unified School District",
        "district",
        "",
        "",
    ]);
    let mut courses = Csv::new(&crate::read::header("courses"));
    let mut classes = Csv::new(&crate::read::header("classes"));
    let mut users = Csv::new(&crate::read::header("users"));
    let mut roles = Csv::new(&crate::read::header("roles"));
    let mut enrollments = Csv::new(&crate::read::header("enrollments"));
    let mut demographics = Csv::new(&crate::read::header("demographics"));
    let subjects = ["Mathematics", "English", "Science", "Social studies"];
    let mut enr = 0u64;
    let mut enroll =
        |e: &mut Csv, class: &str, school: &str, user: &str, role: &str, primary: &str| {
            enr += 1;
            e.row(&[
                &format!("enr-{enr}"),
                "",
                "",
                class,
                school,
                user,
                role,
                primary,
                "",
                "",
            ]);
        };
    for s in 0..schools {
        let school = format!("sch-{s:03}");
        let grade = 6 + s % 3;
        let code = format!("{grade:02}");
        orgs.row(&[
            &school,
            "",
            "",
            &format!("School {:03}", s + 1),
            "school",
            "",
            "dist",
        ]);
        let user = |users: &mut Csv,
                    roles: &mut Csv,
                    rng: &mut Rng,
                    id: &str,
                    role: &str,
                    email: bool,
                    grades: &str| {
            let g = GIVEN[rng.below(GIVEN.len())];
            let f = FAMILY[rng.below(FAMILY.len())];
            let mail = if email {
                format!("{id}@generated.example")
            } else {
                String::new()
            };
            users.row(&[
                id, "", "", "true", id, "", g, f, "", "", &mail, "", "", "", grades, "", "", "",
                "", "", "", "", "",
            ]);
            roles.row(&[
                &format!("{id}.r"),
                "",
                "",
                id,
                "primary",
                role,
                "",
                "",
                &school,
                "",
            ]);
        };
        user(
            &mut users,
            &mut roles,
            &mut rng,
            &format!("prn-{s}"),
            "principal",
            true,
            "",
        );
        let teacher_ids: Vec<String> = (0..teachers).map(|t| format!("tch-{s}-{t}")).collect();
        for t in &teacher_ids {
            user(&mut users, &mut roles, &mut rng, t, "teacher", true, "");
        }
        for a in 0..aides {
            user(
                &mut users,
                &mut roles,
                &mut rng,
                &format!("aid-{s}-{a}"),
                "aide",
                true,
                "",
            );
        }
        for c in 0..counselors {
            user(
                &mut users,
                &mut roles,
                &mut rng,
                &format!("cns-{s}-{c}"),
                "counselor",
                true,
                "",
            );
        }
        let student_ids: Vec<String> = (0..per_school).map(|i| format!("stu-{s}-{i}")).collect();
        for (i, st) in student_ids.iter().enumerate() {
            user(
                &mut users, &mut roles, &mut rng, st, "student", false, &code,
            );
            let sex = ["female", "male", "female", "male", "other"][i % 5];
            let flag = |rng: &mut Rng, p: usize| if rng.below(100) < p { "true" } else { "" };
            let (a, b, c, d, e, f, h) = (
                flag(&mut rng, 2),
                flag(&mut rng, 8),
                flag(&mut rng, 12),
                flag(&mut rng, 1),
                flag(&mut rng, 45),
                flag(&mut rng, 5),
                flag(&mut rng, 35),
            );
            let birth = format!(
                "{}-{:02}-{:02}",
                2026 - grade - 6,
                1 + rng.below(12),
                1 + rng.below(28)
            );
            demographics.row(&[
                st,
                "",
                "",
                &birth,
                sex,
                a,
                b,
                c,
                d,
                e,
                f,
                if h.is_empty() { "false" } else { h },
                "",
                "",
                "",
                "",
            ]);
        }
        for (k, subject) in subjects.iter().enumerate() {
            courses.row(&[
                &format!("crs-{s}-{k}"),
                "",
                "",
                "sy-2027",
                &format!("{subject} {grade}"),
                "",
                &code,
                &school,
                subject,
                "",
            ]);
        }
        courses.row(&[
            &format!("crs-{s}-hr"),
            "",
            "",
            "sy-2027",
            &format!("Homeroom {grade}"),
            "",
            &code,
            &school,
            "",
            "",
        ]);
        courses.row(&[
            &format!("crs-{s}-el"),
            "",
            "",
            "sy-2027",
            "Electives",
            "",
            &code,
            &school,
            "",
            "",
        ]);
        // Houses: four teachers, their students in three sections, each teacher one subject.
        let per_house = per_school.div_ceil(houses.max(1));
        for h in 0..houses {
            let members: Vec<&String> = student_ids
                .iter()
                .skip(h * per_house)
                .take(per_house)
                .collect();
            if members.is_empty() {
                continue;
            }
            let hr = format!("cls-{s}-h{h}-hr");
            classes.row(&[
                &hr,
                "",
                "",
                &format!(
                    "Homeroom {grade}{}",
                    char::from(b'A' + u8::try_from(h % 26).unwrap_or(0))
                ),
                &code,
                &format!("crs-{s}-hr"),
                "",
                "homeroom",
                "",
                &school,
                "sem-2027-1,sem-2027-2",
                "",
                "",
                "0",
            ]);
            enroll(
                &mut enrollments,
                &hr,
                &school,
                &teacher_ids[h * 4],
                "teacher",
                "true",
            );
            for st in &members {
                enroll(&mut enrollments, &hr, &school, st, "student", "");
            }
            let sections = 3;
            for (k, subject) in subjects.iter().enumerate() {
                let teacher = &teacher_ids[h * 4 + k];
                for sec in 0..sections {
                    let cls = format!("cls-{s}-h{h}-{k}-{sec}");
                    classes.row(&[
                        &cls,
                        "",
                        "",
                        &format!("{subject} {grade} ({h}-{sec})"),
                        &code,
                        &format!("crs-{s}-{k}"),
                        "",
                        "scheduled",
                        "",
                        &school,
                        "sem-2027-1",
                        subject,
                        "",
                        &format!("{}", k + 1),
                    ]);
                    enroll(&mut enrollments, &cls, &school, teacher, "teacher", "true");
                    for st in members.iter().skip(sec).step_by(sections) {
                        enroll(&mut enrollments, &cls, &school, st, "student", "");
                    }
                }
            }
        }
        // Electives: each teacher four, each with students from across the school, so that
        // every student has five.
        let electives = teachers * 4;
        let seats = (per_school * 5).div_ceil(electives.max(1));
        let mut pool: Vec<usize> = Vec::new();
        for _ in 0..5 {
            let mut round: Vec<usize> = (0..per_school).collect();
            for i in (1..round.len()).rev() {
                let j = rng.below(i + 1);
                round.swap(i, j);
            }
            pool.extend(round);
        }
        for e in 0..electives {
            let cls = format!("cls-{s}-el{e}");
            classes.row(&[
                &cls,
                "",
                "",
                &format!("Elective {}", e + 1),
                &code,
                &format!("crs-{s}-el"),
                "",
                "scheduled",
                "",
                &school,
                "sem-2027-1",
                "",
                "",
                "6",
            ]);
            enroll(
                &mut enrollments,
                &cls,
                &school,
                &teacher_ids[e % teachers],
                "teacher",
                "true",
            );
            for i in pool.iter().skip(e * seats).take(seats) {
                enroll(
                    &mut enrollments,
                    &cls,
                    &school,
                    &student_ids[*i],
                    "student",
                    "",
                );
            }
        }
    }
    out.insert("orgs.csv".into(), orgs.bytes());
    out.insert("courses.csv".into(), courses.bytes());
    out.insert("classes.csv".into(), classes.bytes());
    out.insert("users.csv".into(), users.bytes());
    out.insert("roles.csv".into(), roles.bytes());
    out.insert("enrollments.csv".into(), enrollments.bytes());
    out.insert("demographics.csv".into(), demographics.bytes());
    out
}
