//! `cargo run --release -p ensemble-grouping --example bench` (run by `cargo xtask
//! bench-grouping`): regroup a district of 100,000 students in 1,000 teams, median of five runs,
//! against the construction alone measured in the same run; then the heuristic against the exact
//! method on 200 small random blocks.

use ensemble_grouping::*;
use std::time::Instant;

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

fn block(r: &mut Lcg, team: usize, students: usize, educators: usize, moves: u32) -> Input {
    let strategy = [
        Strategy::Need,
        Strategy::Need,
        Strategy::Mixed,
        Strategy::Interest,
    ][team % 4];
    let options: Vec<OptionIn> = (0..educators)
        .map(|i| OptionIn {
            code: format!("o{i}"),
            name: format!("Option {i}"),
            educator: None,
        })
        .collect();
    let roles = [
        EducatorRole::Intervention,
        EducatorRole::General,
        EducatorRole::General,
        EducatorRole::ContentLead,
        EducatorRole::Specialist,
    ];
    Input {
        block: format!("Team {team} block"),
        focus: "fractions".into(),
        focus_label: None,
        service_labels: Default::default(),
        strategy,
        group_size: [8, 30],
        students: (0..students)
            .map(|i| {
                let m = r.below(101) as u32;
                StudentIn {
                    id: format!("t{team}s{i}"),
                    name: format!("Student {i}"),
                    mastery: (r.below(20) > 0).then_some(m),
                    previous_mastery: Some((m + r.below(21) as u32).saturating_sub(10).min(100)),
                    previous_educator: Some(format!("t{team}e{}", r.below(educators as u64))),
                    choices: (0..3)
                        .map(|_| format!("o{}", r.below(educators as u64)))
                        .collect(),
                    requires: (r.below(12) == 0).then(|| "special_education".to_string()),
                    lowest_cycles: r.below(5) as u32,
                }
            })
            .collect(),
        educators: (0..educators)
            .map(|e| EducatorIn {
                id: format!("t{team}e{e}"),
                name: format!("Educator {e}"),
                role: roles[e % roles.len()],
                expertise: (1 + r.below(4)) as u8,
                services: if roles[e % roles.len()] == EducatorRole::Specialist {
                    vec!["special_education".into()]
                } else {
                    vec![]
                },
                relationships: (0..10)
                    .map(|_| format!("t{team}s{}", r.below(students as u64)))
                    .collect(),
                // The team's general teachers and content lead must lead; the others help.
                max_group: None,
                min_group: None,
                certified: true,
                required: matches!(
                    roles[e % roles.len()],
                    EducatorRole::General | EducatorRole::ContentLead
                ),
                title: None,
            })
            .collect(),
        spaces: (0..educators)
            .map(|s| SpaceIn {
                id: format!("t{team}r{s}"),
                name: format!("Room {s}"),
                capacity: 28 + 4 * s as u32,
                zone: None,
            })
            .collect(),
        options: if strategy == Strategy::Interest {
            options
        } else {
            vec![]
        },
        weights: Weights::default(),
        equity_cycles: 3,
        stability_threshold: 10,
        moves_per_student: moves,
    }
}

fn main() {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let district = |moves: u32| -> Vec<Input> {
        let mut r = Lcg(7);
        (0..1000).map(|t| block(&mut r, t, 100, 5, moves)).collect()
    };
    let opts = Options {
        seed: 1,
        exact_limit: 0,
    };
    let run = |inputs: &[Input]| -> (f64, i64, u64) {
        let mut times = Vec::new();
        let mut objective = 0;
        let mut hard = 0;
        for _ in 0..5 {
            let start = Instant::now();
            let out = solve_many(inputs, &opts, threads);
            times.push(start.elapsed().as_secs_f64());
            objective = out
                .iter()
                .flatten()
                .filter_map(|g| g.report.as_ref())
                .map(|r| r.objective)
                .sum();
            hard = out
                .iter()
                .flatten()
                .filter_map(|g| g.report.as_ref())
                .map(|r| u64::from(r.hard))
                .sum();
        }
        times.sort_by(f64::total_cmp);
        (times[2], objective, hard)
    };
    let base = run(&district(0));
    let full = run(&district(60));
    println!("| 1,000 teams, 100,000 students, {threads} threads | median s of 5 | objective | hard units |");
    println!("|---|---:|---:|---:|");
    println!(
        "| construction only (0 moves) | {:.3} | {} | {} |",
        base.0, base.1, base.2
    );
    println!(
        "| regroup (construction + 60 moves per student) | {:.3} | {} | {} |",
        full.0, full.1, full.2
    );
    println!("regroup / construction: {:.1}", full.0 / base.0.max(1e-9));

    let mut r = Lcg(42);
    let (mut solved, mut optimal, mut worst, mut sum) = (0, 0, 0.0f64, 0.0f64);
    for t in 0..200 {
        let n = 4 + r.below(5) as usize;
        let mut input = block(&mut r, t, n, 3, 60);
        input.group_size = [2, 12];
        let g = solve(
            &input,
            &Options {
                seed: 1,
                exact_limit: 1_000_000,
            },
        )
        .expect("valid");
        assert_eq!(
            check(&input, &g).objective,
            g.report.as_ref().expect("report").objective
        );
        let rep = g.report.clone().expect("report");
        if let Some(x) = rep.exact_objective {
            solved += 1;
            let gap = (rep.heuristic_objective - x) as f64 / rep.heuristic_objective.max(1) as f64;
            if gap == 0.0 {
                optimal += 1;
            }
            worst = worst.max(gap);
            sum += gap;
        }
    }
    println!("| small blocks | exact solved | heuristic optimal | mean gap | worst gap |");
    println!("|---:|---:|---:|---:|---:|");
    println!(
        "| 200 | {solved} | {optimal} | {:.3}% | {:.2}% |",
        100.0 * sum / f64::from(solved.max(1)),
        100.0 * worst
    );
}
