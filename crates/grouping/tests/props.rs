//! Random blocks: the engine's objective is the checker's; the exact method is never worse than
//! the heuristic; hand-broken groupings are caught.

use ensemble_grouping::Strategy as Plan;
use ensemble_grouping::{
    check, solve, EducatorIn, EducatorRole, Input, OptionIn, Options, Rule, SpaceIn, StudentIn,
    Verdict, Weights,
};
use proptest::prelude::*;

const SERVICES: [&str; 2] = ["special_education", "english_learner"];

type Pupil = (
    Option<u32>,
    Option<u32>,
    Option<usize>,
    Vec<usize>,
    Option<usize>,
    u32,
);
type Adult = (
    usize,
    u8,
    bool,
    Vec<usize>,
    Option<u32>,
    (bool, Option<u32>),
);

fn pupil() -> impl Strategy<Value = Pupil> {
    (
        proptest::option::of(0u32..=100),
        proptest::option::of(0u32..=100),
        proptest::option::of(0usize..4),
        proptest::collection::vec(0usize..4, 0..3),
        proptest::option::weighted(0.15, 0usize..2),
        0u32..5,
    )
}

fn adult() -> impl Strategy<Value = Adult> {
    (
        0usize..4,
        0u8..=4,
        any::<bool>(),
        proptest::collection::vec(0usize..12, 0..4),
        proptest::option::of(2u32..12),
        // Must lead a group, with its own smallest size (at most its largest).
        (any::<bool>(), proptest::option::of(1u32..4)),
    )
}

fn build(
    strategy: usize,
    size: (u32, u32),
    pupils: Vec<Pupil>,
    adults: Vec<Adult>,
    caps: Vec<u32>,
) -> Input {
    let roles = [
        EducatorRole::General,
        EducatorRole::Intervention,
        EducatorRole::ContentLead,
        EducatorRole::Specialist,
    ];
    let options: Vec<OptionIn> = ["art", "robotics", "debate", "garden"]
        .iter()
        .map(|c| OptionIn {
            code: (*c).into(),
            name: c.to_uppercase(),
            educator: None,
        })
        .collect();
    Input {
        block: "Block".into(),
        focus: "fractions".into(),
        focus_label: None,
        service_labels: Default::default(),
        strategy: [Plan::Need, Plan::Interest, Plan::Mixed][strategy],
        group_size: [size.0.min(size.1), size.0.max(size.1)],
        students: pupils
            .iter()
            .enumerate()
            .map(|(i, (m, pm, prev, choices, req, low))| StudentIn {
                id: format!("s{i}"),
                name: format!("Student {i}"),
                mastery: *m,
                previous_mastery: *pm,
                previous_educator: prev.map(|p| format!("e{p}")),
                choices: choices.iter().map(|c| options[*c].code.clone()).collect(),
                requires: req.map(|r| SERVICES[r].to_string()),
                lowest_cycles: *low,
            })
            .collect(),
        educators: adults
            .iter()
            .enumerate()
            .map(
                |(i, (role, exp, sped, knows, max, (required, min)))| EducatorIn {
                    id: format!("e{i}"),
                    name: format!("Educator {i}"),
                    role: roles[*role],
                    expertise: *exp,
                    services: if *sped {
                        vec![SERVICES[i % 2].to_string()]
                    } else {
                        vec![]
                    },
                    relationships: knows.iter().map(|k| format!("s{k}")).collect(),
                    max_group: *max,
                    min_group: min.map(|m| max.map_or(m, |x| m.min(x))),
                    certified: *role % 2 == 0,
                    required: *required,
                    title: None,
                },
            )
            .collect(),
        spaces: caps
            .iter()
            .enumerate()
            .map(|(i, c)| SpaceIn {
                id: format!("r{i}"),
                name: format!("Room {i}"),
                capacity: *c,
                zone: None,
            })
            .collect(),
        options: if strategy == 1 { options } else { vec![] },
        weights: Weights::default(),
        equity_cycles: 2,
        stability_threshold: 10,
        moves_per_student: 40,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn engine_checker_and_exact_agree(
        strategy in 0usize..3,
        size in (1u32..6, 2u32..10),
        pupils in proptest::collection::vec(pupil(), 1..9),
        adults in proptest::collection::vec(adult(), 1..4),
        caps in proptest::collection::vec(2u32..12, 0..4),
        seed in 0u64..1000,
    ) {
        let input = build(strategy, size, pupils, adults, caps);
        let g = solve(&input, &Options { seed, exact_limit: 0 }).expect("valid input");
        let v = check(&input, &g);
        let r = g.report.clone().expect("report");
        prop_assert_eq!(r.objective, v.objective, "engine and checker disagree: {:#?} {:#?}", g, v);
        let hard: u32 = v.violations.iter().map(|x| x.units).sum();
        prop_assert_eq!(r.hard, hard);
        // Every student is placed exactly once by the engine.
        prop_assert_eq!(v.count(Rule::NotPlaced) + v.count(Rule::PlacedTwice), 0);
        let e = solve(&input, &Options { seed, exact_limit: 1_000_000 }).expect("valid input");
        let re = e.report.clone().expect("report");
        prop_assert_eq!(re.objective, check(&input, &e).objective);
        if let Some(x) = re.exact_objective {
            prop_assert!(x <= re.heuristic_objective);
            prop_assert_eq!(re.objective, x);
        }
    }

    #[test]
    fn hand_broken_groupings_are_caught(
        pupils in proptest::collection::vec(pupil(), 2..9),
        adults in proptest::collection::vec(adult(), 2..4),
        which in 0usize..5,
        pick in 0usize..100,
    ) {
        let caps = vec![4; adults.len()];
        let input = build(0, (1, 4), pupils, adults, caps);
        let mut g = solve(&input, &Options::default()).expect("valid input");
        let before = check(&input, &g);
        let (rule, units_grow) = match which {
            // A student dropped from their group.
            0 => {
                let gi = g.groups.iter().position(|x| !x.students.is_empty()).expect("a group");
                let n = g.groups[gi].students.len();
                g.groups[gi].students.remove(pick % n);
                (Rule::NotPlaced, true)
            }
            // A student added to a second group.
            1 => {
                let s = input.students[pick % input.students.len()].id.clone();
                // Groups without students are left out, so there may be no other group.
                let gi = g.groups.iter().position(|x| !x.students.contains(&s));
                prop_assume!(gi.is_some());
                g.groups[gi.unwrap_or_default()].students.push(s);
                (Rule::PlacedTwice, true)
            }
            // Everyone into one group: over the group size and the room.
            2 => {
                let all: Vec<String> = input.students.iter().map(|s| s.id.clone()).collect();
                for x in &mut g.groups { x.students.clear(); }
                g.groups[0].students = all;
                prop_assume!(input.students.len() > 4);
                (Rule::TooLarge, true)
            }
            // A teacher who must lead a group loses their students to another group.
            3 => {
                let gi = g.groups.iter().position(|x| {
                    !x.students.is_empty()
                        && input.educators.iter().any(|e| e.id == x.educator && e.required)
                });
                prop_assume!(gi.is_some() && g.groups.len() >= 2);
                let gi = gi.unwrap_or_default();
                // Into a group that already has students, so nobody else starts leading.
                let other = g.groups.iter().enumerate().position(|(k, x)| k != gi && !x.students.is_empty());
                prop_assume!(other.is_some());
                let moved = std::mem::take(&mut g.groups[gi].students);
                g.groups[other.unwrap_or_default()].students.extend(moved);
                (Rule::Idle, true)
            }
            // Two groups in one space.
            _ => {
                prop_assume!(g.groups.len() >= 2 && g.groups[0].space.is_some());
                g.groups[1].space = g.groups[0].space.clone();
                (Rule::UsedTwice, true)
            }
        };
        let after = check(&input, &g);
        let units = |v: &Verdict| -> u32 { v.violations.iter().filter(|x| x.rule == rule).map(|x| x.units).sum() };
        prop_assert!(!units_grow || units(&after) > units(&before), "{:?} not caught: {:?}", rule, after.violations);
    }
}

/// A paraeducator (at most 6 students in the catalog) given ten students, and a professional of
/// the team left without a group: the checker names both, whatever the engine would do.
#[test]
fn a_paraeducator_over_their_size_and_an_idle_teacher_are_rejected() {
    let pupils: Vec<Pupil> = (0..10)
        .map(|i| (Some(i * 10), None, None, vec![], None, 0))
        .collect();
    let adults: Vec<Adult> = vec![
        (0, 3, false, vec![], None, (true, Some(4))),
        (0, 1, false, vec![], Some(6), (false, Some(1))),
    ];
    let input = build(0, (1, 30), pupils, adults, vec![]);
    let good = solve(&input, &Options::default()).expect("valid input");
    let ok = check(&input, &good);
    assert_eq!(
        ok.count(Rule::TooLarge) + ok.count(Rule::Idle),
        0,
        "{:?}",
        ok.violations
    );
    let all: Vec<String> = input.students.iter().map(|s| s.id.clone()).collect();
    let bad = ensemble_grouping::Grouping {
        groups: vec![ensemble_grouping::Group {
            name: "Everyone".into(),
            educator: "e1".into(),
            space: None,
            option: None,
            students: all,
            why: String::new(),
        }],
        ..good
    };
    let v = check(&input, &bad);
    let large: Vec<_> = v
        .violations
        .iter()
        .filter(|x| x.rule == Rule::TooLarge)
        .collect();
    assert_eq!(large.len(), 1, "{:?}", v.violations);
    assert_eq!(large[0].units, 4, "ten students where six are allowed");
    assert_eq!(v.count(Rule::Idle), 1, "{:?}", v.violations);
}
