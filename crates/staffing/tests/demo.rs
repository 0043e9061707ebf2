//! The demo school: the designer's plan is what the validator says it is, every gap is a
//! hiring profile, every placement has a reason, and the same seed gives the same plan on
//! any number of threads.

use ensemble_staffing::*;

fn demo_problem() -> Problem {
    let (ds, _) = ensemble_demo::demo_school(2026);
    input::problem_from_dataset(&ds)
}

#[test]
fn demo_school_plan_is_checked_explained_and_gaps_listed() {
    let p = demo_problem();
    let bands: Vec<&str> = p.schools[0].bands.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(
        bands,
        ["Grade 6", "Grade 7", "Grade 8"],
        "each of last year's teams holds one grade"
    );
    let (design, report) = design(&p, &Options::default(), &|_, _| {}).expect("valid input");
    let verdict = check(&p, &design);
    assert_eq!(verdict.objective, report.objective);
    let school = &design.schools[0];
    assert_eq!(
        school.teams.len(),
        5,
        "600 students and 15 professionals make five teams"
    );
    for t in &school.teams {
        assert!(t.members.iter().all(|m| !m.why.is_empty()));
        for h in &t.holdings {
            assert!(!h.why.is_empty());
            if h.holder.is_none() {
                let label = h.why.split(':').next().unwrap_or_default();
                assert!(
                    report
                        .hiring
                        .iter()
                        .any(|g| g.title.contains(label) && g.teams.contains(&t.name)),
                    "{label} on {} is neither held nor a hiring profile",
                    t.name
                );
            }
        }
    }
    // Every service shortfall the validator finds is in a hiring profile.
    for v in verdict
        .violations
        .iter()
        .filter(|v| v.rule == Rule::ServiceShort)
    {
        let team = v.team.as_deref().unwrap_or_default();
        assert!(
            report
                .hiring
                .iter()
                .any(|g| g.teams.iter().any(|t| t == team) && g.closes.contains(&v.message)),
            "{}",
            v.message
        );
    }
}

#[test]
fn same_seed_same_plan_on_any_number_of_threads() {
    let p = demo_problem();
    let one = Options {
        threads: 1,
        ..Options::default()
    };
    let two = Options {
        threads: 2,
        ..Options::default()
    };
    let (a, _) = design(&p, &one, &|_, _| {}).expect("valid");
    let (b, _) = design(&p, &two, &|_, _| {}).expect("valid");
    assert_eq!(a, b);
}
