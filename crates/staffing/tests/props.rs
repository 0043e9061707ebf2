//! Property tests on random pools: the designer's objective is the validator's; the exact
//! method is never worse than the heuristic; the heuristic's lower bound never exceeds the
//! exact optimum.

use ensemble_domain::{Level, RoleType};
use ensemble_staffing::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

const CODES: [&str; 8] = [
    "coaching",
    "data_meeting_lead",
    "unit_design",
    "family_communication",
    "culture_and_behaviour",
    "small_group_instruction",
    "iep_case_management",
    "reading_intervention",
];
const SUBJECTS: [&str; 2] = ["ela", "math"];
const ROLES: [RoleType; 8] = [
    RoleType::TeacherLeader,
    RoleType::ExperiencedEducator,
    RoleType::NoviceTeacher,
    RoleType::ResidentTeacher,
    RoleType::Specialist,
    RoleType::Paraeducator,
    RoleType::CommunityEducator,
    RoleType::Volunteer,
];

/// Role index, years, competency levels, content levels, half-time, last team, grade wish.
type Drawn = (usize, u8, Vec<u8>, Vec<u8>, bool, Option<u8>, Option<u8>);

fn candidate() -> impl Strategy<Value = Drawn> {
    (
        0..ROLES.len(),
        0u8..25,
        proptest::collection::vec(0u8..5, CODES.len()),
        proptest::collection::vec(0u8..5, SUBJECTS.len()),
        any::<bool>(),
        proptest::option::of(0u8..3),
        proptest::option::of(6u8..8),
    )
}

fn build(students: u32, sped: u32, reading: u32, people: Vec<Drawn>) -> Problem {
    let policy = Policy {
        subjects: SUBJECTS.map(String::from).to_vec(),
        roster: [40, 120],
        ..Policy::default()
    };
    let educators = people
        .into_iter()
        .enumerate()
        .map(|(i, (r, years, comps, content, half, last, grade))| {
            let role = ROLES[r];
            let fte = match role {
                RoleType::Volunteer => 0.0,
                _ if half => 0.5,
                _ => 1.0,
            };
            Candidate {
                id: format!("e{i}"),
                name: format!("Educator {i}"),
                role,
                fte,
                // Volunteers give two hours; every seventh year-count has less time than a core
                // seat takes (the designer must count that as the validator does).
                minutes_per_week: if role == RoleType::Volunteer {
                    Some(120)
                } else {
                    (years % 7 == 3).then_some(600)
                },
                years,
                competencies: CODES
                    .iter()
                    .zip(&comps)
                    .filter(|(_, l)| **l > 0)
                    .map(|(c, l)| HeldCompetency {
                        code: (*c).into(),
                        level: Level::new(i64::from(*l)).expect("1–4"),
                        evidence: None,
                    })
                    .collect(),
                content: SUBJECTS
                    .iter()
                    .zip(&content)
                    .filter(|(_, l)| **l > 0)
                    .map(|(s, l)| ((*s).to_string(), Level::new(i64::from(*l)).expect("1–4")))
                    .collect(),
                last_team: last.map(|l| format!("Old {l}")),
                prefers: Preferences {
                    grades: grade.into_iter().collect(),
                    responsibilities: if half {
                        vec!["data_lead".into()]
                    } else {
                        vec![]
                    },
                },
                diversity_tags: if years % 3 == 0 {
                    vec![format!("tag{}", years % 2)]
                } else {
                    vec![]
                },
                lane: None,
            }
        })
        .collect();
    Problem {
        catalog: Catalog::default_catalog(),
        policy,
        schools: vec![SchoolInput {
            id: "s".into(),
            name: "School".into(),
            bands: vec![Band {
                name: "Grade 6".into(),
                grades: vec![6],
                students,
                needs: BTreeMap::from([
                    ("special_education".into(), sped.min(students)),
                    ("reading_intervention".into(), reading.min(students)),
                ]),
                subjects: vec![],
                team_names: vec![],
                languages: BTreeMap::new(),
            }],
            educators,
            planning_minutes_per_week: 250,
        }],
        budget: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn designer_validator_exact_and_bound_agree(
        students in 40u32..300,
        sped in 0u32..30,
        reading in 0u32..30,
        people in proptest::collection::vec(candidate(), 2..9),
        seed in 0u64..1000,
    ) {
        let p = build(students, sped, reading, people);
        let heuristic_only = Options { seed, moves: Some(3000), threads: 1, exact_limit: 0 };
        let (d, r) = design(&p, &heuristic_only, &|_, _| {}).expect("valid input");
        let v = check(&p, &d);
        prop_assert_eq!(r.objective, v.objective, "designer and validator disagree: {:#?}", v);
        prop_assert_eq!(r.hard as usize, v.violations.len());
        prop_assert!(r.lower_bound <= r.objective);
        let with_exact = Options { seed, moves: Some(3000), threads: 1, exact_limit: 500_000 };
        let (d2, r2) = design(&p, &with_exact, &|_, _| {}).expect("valid input");
        let v2 = check(&p, &d2);
        prop_assert_eq!(r2.objective, v2.objective);
        if let Some(exact) = r2.schools[0].exact_objective {
            prop_assert!(exact <= r2.schools[0].heuristic_objective);
            prop_assert_eq!(r2.objective, exact);
            prop_assert!(r.lower_bound <= exact, "bound {} above the exact optimum {}", r.lower_bound, exact);
        }
        // The budget of any plan is finite and the traditional comparison costs its teachers.
        let b = budget(&p, &d, &BudgetModel::default(), &r.hiring);
        prop_assert!(b.plan.total_cents >= 0 && b.traditional.total_cents >= 0);
        prop_assert!(b.what_ifs.iter().all(|w| w.cost_change_cents <= 0));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Hand-broken plans are caught: each mutation of a designed plan brings the violation it
    /// should.
    #[test]
    fn hand_broken_plans_are_caught(
        students in 40u32..300,
        sped in 1u32..30,
        people in proptest::collection::vec(candidate(), 3..9),
        seed in 0u64..1000,
        which in 0usize..4,
        pick in 0usize..1000,
    ) {
        let p = build(students, sped, 0, people);
        let opts = Options { seed, moves: Some(2000), threads: 1, exact_limit: 0 };
        let (mut d, _) = design(&p, &opts, &|_, _| {}).expect("valid input");
        let before = check(&p, &d);
        let school = &mut d.schools[0];
        let expected = match which {
            // Drop the holder of a held responsibility.
            0 => {
                let held: Vec<(usize, usize)> = school.teams.iter().enumerate()
                    .flat_map(|(t, team)| team.holdings.iter().enumerate().filter(|(_, h)| h.holder.is_some()).map(move |(i, _)| (t, i)))
                    .collect();
                prop_assume!(!held.is_empty());
                let (t, i) = held[pick % held.len()];
                school.teams[t].holdings[i].holder = None;
                Rule::Unfilled
            }
            // A holder who is not on the team.
            1 => {
                let outsider = p.schools[0].educators.iter().find(|e| !school.teams[0].members.iter().any(|m| m.educator == e.id));
                prop_assume!(outsider.is_some() && !school.teams[0].holdings.is_empty());
                let n = school.teams[0].holdings.len();
                school.teams[0].holdings[pick % n].holder = outsider.map(|e| e.id.clone());
                Rule::HolderNotOnTeam
            }
            // A service's minutes taken away from a team that needs them.
            2 => {
                let given: Vec<(usize, usize)> = school.extended.iter().enumerate()
                    .flat_map(|(x, seat)| seat.services.iter().enumerate().filter(|(_, s)| s.minutes > 0).map(move |(i, _)| (x, i)))
                    .collect();
                prop_assume!(!given.is_empty());
                let (x, i) = given[pick % given.len()];
                school.extended[x].services[i].minutes = 0;
                Rule::ServiceShort
            }
            // Someone on two core teams (a second team with no students).
            _ => {
                prop_assume!(!school.teams[0].members.is_empty());
                let mut twin = school.teams[0].clone();
                twin.name = "Twin".into();
                twin.roster = 0;
                twin.needs.clear();
                twin.holdings.clear();
                school.teams.push(twin);
                Rule::TwoCoreTeams
            }
        };
        let after = check(&p, &d);
        // A service already short gets shorter: compare the minutes missing.
        let short = |v: &Verdict| -> u64 { v.violations.iter().filter_map(|x| x.service.as_ref()).map(|s| u64::from(s.1)).sum() };
        let caught = if expected == Rule::ServiceShort {
            short(&after) > short(&before)
        } else {
            after.count(expected) > before.count(expected)
        };
        prop_assert!(
            caught,
            "{:?} not caught: before {:?}, after {:?}", expected, before.violations, after.violations
        );
    }
}
