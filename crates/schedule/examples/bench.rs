//! `cargo xtask bench-schedule`: build the demo school's week (its input document from the
//! database, given as a path) and a generated high school of 2,000 students, 120 educators and
//! 8 core teams; re-plan 50 random single-day absences on each; compare each re-plan with the
//! substitute-only baseline of the same absence. Every week and every re-planned day is judged
//! by the independent checker. Prints a Markdown table.

use ensemble_schedule::absence::{day_doc, replan, Absence};
use ensemble_schedule::build::{build, Options};
use ensemble_schedule::check::check;
use ensemble_schedule::sample::{school, Shape};
use ensemble_schedule::{Doc, SessionKind};
use std::time::{Duration, Instant};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return 0.0;
    }
    v[v.len() / 2]
}

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

fn run(name: &str, input: &Doc) {
    let opts = Options {
        seed: 1,
        time_limit: Duration::from_secs(60),
        threads: 2,
    };
    let mut times = Vec::new();
    let mut built = None;
    for _ in 0..3 {
        let t = Instant::now();
        let b = build(input, &opts, &|_| {}).unwrap_or_else(|e| panic!("{name}: {e}"));
        times.push(t.elapsed().as_secs_f64());
        built = Some(b);
    }
    let doc = built.map(|b| b.doc).unwrap_or_else(|| input.clone());
    let findings = check(&doc);
    let students: std::collections::BTreeSet<i64> = doc
        .teams
        .iter()
        .flat_map(|t| t.student_ids.iter().copied())
        .collect();
    println!(
        "| {name} | {} students, {} educators, {} core teams | build median {:.2} s (3 runs) | checker: {} broken rules, {} sessions |",
        students.len(),
        doc.educators.len(),
        doc.teams.iter().filter(|t| t.kind == ensemble_domain::TeamKind::Core).count(),
        median(times),
        findings.len(),
        doc.sessions.len()
    );
    // 50 random single-day absences of educators who have sessions.
    let busy: Vec<i64> = doc
        .educators
        .iter()
        .filter(|e| {
            doc.sessions
                .iter()
                .any(|s| s.educator_ids.contains(&e.id) && s.kind != SessionKind::Planning)
        })
        .map(|e| e.id)
        .collect();
    let dates = [
        ("2026-11-30", 0),
        ("2026-12-01", 1),
        ("2026-12-02", 2),
        ("2026-12-03", 3),
        ("2026-12-04", 4),
    ];
    let mut rng = Rng(42);
    let mut replan_times = Vec::new();
    let (
        mut unf_r,
        mut unf_b,
        mut sub_r,
        mut sub_b,
        mut plan_lost,
        mut changed_r,
        mut changed_b,
        mut broken,
    ) = (0u64, 0u64, 0.0f64, 0.0f64, 0u64, 0u64, 0u64, 0usize);
    for _ in 0..50 {
        let who = busy[rng.below(busy.len())];
        let (date, d) = dates[rng.below(dates.len())];
        let a = Absence {
            educator_id: who,
            date: date.into(),
            day: doc.grid.days[d],
            periods: None,
            planned: false,
        };
        let t = Instant::now();
        let r = replan(&doc, &a).expect("re-plan");
        replan_times.push(t.elapsed().as_secs_f64());
        let bad = check(&day_doc(&doc, &r))
            .into_iter()
            .filter(|f| !["service_minutes", "extended_planning", "planning"].contains(&f.rule))
            .count();
        broken += bad;
        unf_r += u64::from(r.replan.students_unfamiliar_adult);
        unf_b += u64::from(r.baseline.students_unfamiliar_adult);
        changed_r += u64::from(r.replan.students_adult_changed);
        changed_b += u64::from(r.baseline.students_adult_changed);
        sub_r += r.replan.substitute_hours;
        sub_b += r.baseline.substitute_hours;
        plan_lost += u64::from(r.replan.planning_minutes_lost);
    }
    let ratio = |a: f64, b: f64| {
        if b > 0.0 {
            format!("{:.2}", a / b)
        } else {
            "—".into()
        }
    };
    println!(
        "| {name}: 50 absences | re-plan median {:.1} ms (max {:.1} ms) | days breaking a hard rule: {broken} | |",
        median(replan_times.clone()) * 1000.0,
        replan_times.iter().copied().fold(0.0, f64::max) * 1000.0
    );
    println!(
        "| {name}: re-plan vs substitute only | students with an unfamiliar adult {unf_r} vs {unf_b} (ratio {}) | substitute hours {:.1} vs {:.1} (ratio {}) | planning minutes lost {plan_lost}; students whose adult changes {changed_r} vs {changed_b} |",
        ratio(unf_r as f64, unf_b as f64),
        sub_r,
        sub_b,
        ratio(sub_r, sub_b)
    );
}

fn main() {
    let demo = std::env::args().nth(1).map(|path| {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut d: Doc = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        d.sessions.clear();
        d
    });
    println!("| school | size | build | checker |");
    println!("|---|---|---|---|");
    if let Some(d) = demo {
        run("Demo (Desert Willow)", &d);
    }
    run("Generated high school", &school(&Shape::high_school(2026)));
}
