//! Heuristic against the exact method on small random schools: how often the heuristic finds
//! the optimum, and its gap when it does not. `cargo run --release -p ensemble-staffing
//! --example exact_gap -- [INSTANCES]` (run by `cargo xtask bench-staffing`).

use ensemble_domain::{Level, RoleType};
use ensemble_staffing::*;
use std::collections::BTreeMap;

struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

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
const ROLES: [RoleType; 6] = [
    RoleType::TeacherLeader,
    RoleType::ExperiencedEducator,
    RoleType::NoviceTeacher,
    RoleType::ResidentTeacher,
    RoleType::Paraeducator,
    RoleType::Specialist,
];

fn instance(r: &mut Lcg) -> Problem {
    let n = 5 + r.below(6) as usize;
    let educators = (0..n)
        .map(|i| {
            let role = ROLES[r.below(ROLES.len() as u64) as usize];
            Candidate {
                id: format!("e{i}"),
                name: format!("Educator {i}"),
                role,
                fte: 1.0,
                minutes_per_week: None,
                years: r.below(20) as u8,
                competencies: CODES
                    .iter()
                    .filter_map(|c| {
                        let l = r.below(5);
                        (l > 0).then(|| HeldCompetency {
                            code: (*c).into(),
                            level: Level::new(l as i64).expect("1–4"),
                            evidence: None,
                        })
                    })
                    .collect(),
                content: ["ela", "math"]
                    .iter()
                    .filter_map(|s| {
                        let l = r.below(5);
                        (l > 0).then(|| ((*s).to_string(), Level::new(l as i64).expect("1–4")))
                    })
                    .collect(),
                last_team: (r.below(2) == 0).then(|| format!("Old {}", r.below(2))),
                prefers: Default::default(),
                diversity_tags: if r.below(3) == 0 {
                    vec!["tag".into()]
                } else {
                    vec![]
                },
                lane: None,
            }
        })
        .collect();
    let policy = Policy {
        subjects: vec!["ela".into(), "math".into()],
        roster: [40, 120],
        ..Policy::default()
    };
    let students = 60 + r.below(240) as u32;
    Problem {
        catalog: Catalog::default_catalog(),
        policy,
        schools: vec![SchoolInput {
            id: "s".into(),
            name: "S".into(),
            bands: vec![Band {
                name: "Band".into(),
                grades: vec![6],
                students,
                needs: BTreeMap::from([(
                    "special_education".into(),
                    r.below(u64::from(students) / 5) as u32,
                )]),
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

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let mut r = Lcg(42);
    let (mut exact_runs, mut optimal, mut worst, mut sum_gap) = (0, 0, 0.0f64, 0.0f64);
    for _ in 0..n {
        let p = instance(&mut r);
        let opts = Options {
            seed: 1,
            moves: None,
            threads: 1,
            exact_limit: 2_000_000,
        };
        let (d, rep) = design(&p, &opts, &|_, _| {}).expect("valid");
        assert_eq!(
            check(&p, &d).objective,
            rep.objective,
            "designer and validator agree"
        );
        let s = &rep.schools[0];
        if let Some(x) = s.exact_objective {
            exact_runs += 1;
            assert!(x <= s.heuristic_objective);
            let gap = (s.heuristic_objective - x) as f64 / (s.heuristic_objective.max(1)) as f64;
            if gap == 0.0 {
                optimal += 1;
            }
            worst = worst.max(gap);
            sum_gap += gap;
        }
    }
    println!("| instances | exact solved | heuristic optimal | mean gap | worst gap |");
    println!("|---:|---:|---:|---:|---:|");
    println!(
        "| {n} | {exact_runs} | {optimal} | {:.3}% | {:.2}% |",
        100.0 * sum_gap / f64::from(exact_runs.max(1) as u32),
        100.0 * worst
    );
}
