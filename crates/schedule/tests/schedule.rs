//! The schedule engine judged by its independent checker: generated schools build into weeks
//! that meet every rule (or are refused in words); hand-broken weeks are caught, rule by
//! rule; re-planned absences keep the rules and beat the substitute-only baseline; calendars
//! follow RFC 5545's line rules.

use ensemble_domain::{DayOfWeek, RoleType, TeamKind};
use ensemble_schedule::absence::{day_doc, replan, Absence};
use ensemble_schedule::build::{build, BuildError, Options};
use ensemble_schedule::check::check;
use ensemble_schedule::ical::{calendar, Feed, Subject};
use ensemble_schedule::sample::{school, Shape};
use ensemble_schedule::*;
use proptest::prelude::*;
use std::time::Duration;

fn small(seed: u64) -> Shape {
    Shape {
        core_teams: 3,
        students_per_team: 100,
        professionals: 3,
        residents: 1,
        paraeducators: 1,
        specialists: 5,
        extended_paraeducators: 1,
        community: 1,
        seed,
    }
}

fn opts() -> Options {
    Options {
        seed: 1,
        time_limit: Duration::from_secs(10),
        threads: 1,
    }
}

fn week(shape: &Shape) -> Doc {
    build(&school(shape), &opts(), &|_| {}).expect("a week").doc
}

fn rules(doc: &Doc) -> Vec<&'static str> {
    let mut r: Vec<&'static str> = check(doc).into_iter().map(|f| f.rule).collect();
    r.dedup();
    r
}

#[test]
fn a_generated_school_gets_a_week_that_meets_every_rule() {
    let doc = week(&small(7));
    assert_eq!(check(&doc), vec![]);
    // Every core team plans every day with all its members, while its students are in
    // specials, at least 45 minutes.
    for t in doc.teams.iter().filter(|t| t.kind == TeamKind::Core) {
        for d in &doc.grid.days {
            let plan = doc
                .sessions
                .iter()
                .find(|s| s.team_id == t.id && s.day == *d && s.kind == SessionKind::Planning)
                .expect("planning");
            assert!(plan.minutes() >= 45);
            assert!(t.member_ids.iter().all(|m| plan.educator_ids.contains(m)));
            let in_specials: usize = doc
                .sessions
                .iter()
                .filter(|s| {
                    s.team_id == t.id
                        && s.day == *d
                        && s.start == plan.start
                        && s.kind == SessionKind::Specials
                })
                .map(|s| s.student_ids.len())
                .sum();
            assert_eq!(in_specials, t.student_ids.len());
        }
    }
    // The JSON round-trips.
    let text = serde_json::to_string(&doc).expect("json");
    let back: Doc = serde_json::from_str(&text).expect("parse");
    assert_eq!(back, doc);
}

#[test]
fn the_checker_catches_each_broken_rule() {
    let doc = week(&small(3));
    let core = doc
        .teams
        .iter()
        .find(|t| t.kind == TeamKind::Core)
        .expect("a core team")
        .clone();
    let mutate = |f: &dyn Fn(&mut Doc)| {
        let mut d = doc.clone();
        f(&mut d);
        rules(&d)
    };
    // No planning on Tuesday.
    let r = mutate(&|d| {
        d.sessions.retain(|s| {
            !(s.kind == SessionKind::Planning
                && s.day == DayOfWeek::Tuesday
                && s.team_id == core.id)
        })
    });
    assert!(r.contains(&"planning"), "{r:?}");
    // An educator in two places: a planning member put into a service at the same time.
    let r = mutate(&|d| {
        let plan = d
            .sessions
            .iter()
            .find(|s| s.kind == SessionKind::Planning)
            .cloned()
            .expect("plan");
        let mut x = plan.clone();
        x.kind = SessionKind::Duty;
        x.label = "Duty".into();
        d.sessions.push(x);
    });
    assert!(r.contains(&"double_booked"), "{r:?}");
    // A team block over its space's seats and its adults' reach.
    let r = mutate(&|d| {
        let extra: Vec<i64> = (90_000..90_400).collect();
        if let Some(t) = d.teams.iter_mut().find(|t| t.id == core.id) {
            t.student_ids.extend(&extra);
        }
        if let Some(b) = d
            .sessions
            .iter_mut()
            .find(|s| s.kind == SessionKind::TeamBlock && s.team_id == core.id)
        {
            b.student_ids.extend(&extra);
        }
    });
    assert!(
        r.contains(&"capacity") && r.contains(&"group_size"),
        "{r:?}"
    );
    // A student of another team in this team's block.
    let other = doc
        .teams
        .iter()
        .filter(|t| t.kind == TeamKind::Core)
        .nth(1)
        .expect("two teams")
        .student_ids[0];
    let r = mutate(&|d| {
        if let Some(b) = d
            .sessions
            .iter_mut()
            .find(|s| s.kind == SessionKind::TeamBlock && s.team_id == core.id)
        {
            b.student_ids.push(other);
        }
    });
    assert!(r.contains(&"roster"), "{r:?}");
    // A community educator alone with students.
    let community = doc
        .educators
        .iter()
        .find(|e| e.role == RoleType::CommunityEducator)
        .expect("community")
        .id;
    let r = mutate(&|d| {
        if let Some(s) = d
            .sessions
            .iter_mut()
            .find(|s| s.kind == SessionKind::Specials)
        {
            s.educator_ids = vec![community];
        }
    });
    assert!(r.contains(&"alone"), "{r:?}");
    // Services dropped: minutes short.
    let r = mutate(&|d| d.sessions.retain(|s| s.kind != SessionKind::Service));
    assert!(r.contains(&"service_minutes"), "{r:?}");
    // An educator scheduled when not at school.
    let r = mutate(&|d| {
        let who = d
            .sessions
            .iter()
            .find(|s| s.kind == SessionKind::Planning)
            .expect("plan")
            .educator_ids[0];
        if let Some(e) = d.educators.iter_mut().find(|e| e.id == who) {
            e.available.insert(DayOfWeek::Monday, Vec::new());
        }
    });
    assert!(r.contains(&"availability"), "{r:?}");
}

#[test]
fn a_school_that_cannot_plan_is_told_why_in_words() {
    let mut input = school(&small(5));
    let core = input
        .teams
        .iter()
        .find(|t| t.kind == TeamKind::Core)
        .expect("core")
        .clone();
    let away = core.member_ids[1];
    let name = input
        .educators
        .iter()
        .find(|e| e.id == away)
        .expect("member")
        .name
        .clone();
    if let Some(e) = input.educators.iter_mut().find(|e| e.id == away) {
        e.available.insert(DayOfWeek::Tuesday, vec![0, 4]);
    }
    match build(&input, &opts(), &|_| {}) {
        Err(BuildError::Infeasible(why)) => {
            let text = why.join(" ");
            assert!(
                text.contains(&format!("{} cannot plan together on Tuesday", core.name)),
                "{text}"
            );
            assert!(text.contains(&name), "{text}");
        }
        other => panic!(
            "expected an explanation, got {:?}",
            other.map(|b| b.doc.sessions.len())
        ),
    }
}

#[test]
fn an_absence_is_absorbed_inside_the_team_and_beats_the_baseline() {
    let doc = week(&small(11));
    let mut checked = 0;
    for e in doc.educators.iter().filter(|e| {
        matches!(
            e.role,
            RoleType::TeacherLeader
                | RoleType::ExperiencedEducator
                | RoleType::NoviceTeacher
                | RoleType::Specialist
        )
    }) {
        let a = Absence {
            educator_id: e.id,
            date: "2026-12-08".into(),
            day: DayOfWeek::Tuesday,
            periods: None,
            planned: false,
        };
        let r = replan(&doc, &a).expect("a re-plan");
        let findings: Vec<_> = check(&day_doc(&doc, &r))
            .into_iter()
            .filter(|f| !["service_minutes", "extended_planning", "planning"].contains(&f.rule))
            .collect();
        assert!(findings.is_empty(), "{}: {findings:?}", e.name);
        assert!(
            r.replan.substitute_hours <= r.baseline.substitute_hours,
            "{}",
            e.name
        );
        assert!(
            r.replan.students_unfamiliar_adult <= r.baseline.students_unfamiliar_adult,
            "{}",
            e.name
        );
        // The absent educator is nowhere that day.
        assert!(r.day.iter().all(|s| !s.educator_ids.contains(&e.id)));
        checked += 1;
    }
    assert!(checked > 10);
}

#[test]
fn calendars_fold_lines_carry_their_time_zone_and_show_re_planned_days() {
    let doc = week(&small(2));
    let core = doc
        .teams
        .iter()
        .find(|t| t.kind == TeamKind::Core)
        .expect("core");
    let absent = core.member_ids[0];
    let a = Absence {
        educator_id: absent,
        date: "2026-12-08".into(),
        day: DayOfWeek::Tuesday,
        periods: None,
        planned: true,
    };
    let r = replan(&doc, &a).expect("re-plan");
    let feed = |subject| {
        calendar(&Feed {
            doc: &doc,
            subject,
            title:
                "A week, with a very long name that needs folding across more than one line of text"
                    .into(),
            replans: std::slice::from_ref(&r),
            stamp: "20261201T120000Z".into(),
        })
        .expect("calendar")
    };
    for text in [
        feed(Subject::Educator(absent)),
        feed(Subject::Team(core.id)),
        feed(Subject::Student(core.student_ids[0])),
    ] {
        assert!(text.ends_with("\r\n"));
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
            assert!(!line.contains('\n'));
        }
        assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:America/Chicago"));
        assert!(text.contains("BEGIN:DAYLIGHT") && text.contains("TZOFFSETTO:-0500"));
        assert_eq!(
            text.matches("BEGIN:VEVENT").count(),
            text.matches("UID:").count()
        );
        assert_eq!(
            text.matches("BEGIN:VEVENT").count(),
            text.matches("DTSTAMP:").count()
        );
    }
    // The absent educator's sessions that Tuesday are taken out.
    assert!(feed(Subject::Educator(absent)).contains("EXDATE;TZID=America/Chicago:20261208T"));
    // A student's calendar counts no other students.
    assert!(!feed(Subject::Student(core.student_ids[0])).contains(" students."));
}

#[test]
fn a_tiny_calendar_reads_as_expected() {
    let shape = Shape {
        core_teams: 1,
        students_per_team: 40,
        professionals: 2,
        residents: 0,
        paraeducators: 0,
        specialists: 0,
        extended_paraeducators: 0,
        community: 0,
        seed: 1,
    };
    let doc = week(&shape);
    let student = doc.teams[0].student_ids[0];
    let text = calendar(&Feed {
        doc: &doc,
        subject: Subject::Student(student),
        title: "Student's week".into(),
        replans: &[],
        stamp: "20261201T120000Z".into(),
    })
    .expect("calendar");
    // Monday's events only, for a readable snapshot.
    let monday: String = text
        .split("BEGIN:VEVENT")
        .filter(|e| e.contains(":20260803T"))
        .take(3)
        .collect::<Vec<_>>()
        .join("BEGIN:VEVENT");
    insta::assert_snapshot!(monday.replace("\r\n", "\n"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, .. ProptestConfig::default() })]
    /// Whatever the school, the builder's week meets every rule of the checker, or the
    /// builder refuses in words: never a week with broken rules.
    #[test]
    fn the_builder_never_hands_over_a_broken_week(
        teams in 1usize..4,
        students in 20usize..160,
        pros in 2usize..5,
        residents in 0usize..2,
        paras in 0usize..2,
        specialists in 0usize..7,
        seed in 0u64..1000,
    ) {
        let shape = Shape {
            core_teams: teams,
            students_per_team: students,
            professionals: pros,
            residents,
            paraeducators: paras,
            specialists,
            extended_paraeducators: 1,
            community: 1,
            seed,
        };
        let input = school(&shape);
        let o = Options { seed, time_limit: Duration::from_secs(3), threads: 1 };
        match build(&input, &o, &|_| {}) {
            Ok(b) => prop_assert_eq!(check(&b.doc), vec![]),
            Err(BuildError::Infeasible(why)) => prop_assert!(!why.is_empty() && why.iter().all(|w| w.ends_with('.'))),
            Err(BuildError::Input(m)) => prop_assert!(false, "bad generated input: {}", m),
        }
    }
}
