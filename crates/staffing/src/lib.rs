//! Team design and just-right roles (issue 4).
//!
//! Pure: given a school's students (aggregate counts), its pool of educators and a policy,
//! [`design()`] proposes core teams, extended-team service minutes and who holds each
//! responsibility, with a reason for every placement. [`check()`] is an independent validator of
//! any plan (hand-edited ones too); [`hiring()`] turns what is unmet or thin into hiring profiles;
//! [`budget()`] costs a plan against a traditional one-teacher-per-classroom plan.

pub mod budget;
pub mod catalog;
pub mod check;
pub mod explain;
pub mod gaps;
pub mod input;
mod model;
pub mod plan;
pub mod problem;
mod solve;

pub use budget::{budget, BudgetModel, BudgetReport};
pub use catalog::{Catalog, Policy, Readiness};
pub use check::{check, Rule, Verdict, Violation};
pub use gaps::{hiring, HiringProfile};
pub use model::band_teams;
pub use plan::{
    Design, ExtendedSeat, Holding, Member, Plan, SchoolDesign, ServiceMinutes, TeamDesign,
};
pub use problem::HARD;
pub use problem::{
    Band, Candidate, HeldCompetency, InputError, Preferences, Problem, SchoolInput, Settings,
};

use model::Model;
use serde::{Deserialize, Serialize};
use solve::{Evaluator, State};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// How to design.
#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    /// Local-search moves per school; the policy's when `None`.
    pub moves: Option<u32>,
    pub threads: usize,
    /// Also run the exact method on schools with at most this many memberships (0: never).
    pub exact_limit: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            seed: 1,
            moves: None,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            exact_limit: 200_000,
        }
    }
}

/// The engine's account of a design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Objective: hard violations × [`HARD`] plus the weighted soft terms.
    pub objective: i64,
    pub hard: u32,
    /// No design of these schools can score below this.
    pub lower_bound: i64,
    /// `(objective − lower_bound) / objective`.
    pub gap: f64,
    pub schools: Vec<SchoolReport>,
    pub hiring: Vec<HiringProfile>,
    pub millis: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolReport {
    pub school: String,
    /// `heuristic`, or `exact` when every membership was tried.
    pub method: String,
    pub objective: i64,
    pub hard: u32,
    pub lower_bound: i64,
    pub gap: f64,
    /// The local search's own objective, also when the exact method was run.
    pub heuristic_objective: i64,
    /// The exact optimum, when the school was small enough to enumerate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact_objective: Option<i64>,
}

fn gap(ub: i64, lb: i64) -> f64 {
    if ub <= 0 {
        0.0
    } else {
        (ub - lb).max(0) as f64 / ub as f64
    }
}

/// Designs every school of `p`. `progress(done, total)` is called as schools finish.
pub fn design(
    p: &Problem,
    opts: &Options,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(Design, Report), InputError> {
    p.validate()?;
    let started = std::time::Instant::now();
    let n = p.schools.len();
    let results: Mutex<Vec<Option<(SchoolDesign, SchoolReport)>>> = Mutex::new(vec![None; n]);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= n {
            break;
        }
        let r = design_school(p, i, opts);
        if let Ok(mut all) = results.lock() {
            all[i] = Some(r);
        }
        progress(done.fetch_add(1, Ordering::Relaxed) + 1, n);
    };
    std::thread::scope(|sc| {
        for _ in 1..opts.threads.clamp(1, n.max(1)) {
            sc.spawn(work);
        }
        work();
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let (schools, reports): (Vec<_>, Vec<_>) = results.into_iter().flatten().unzip();
    let design = Design { schools };
    let reports: Vec<SchoolReport> = reports;
    let objective = reports.iter().map(|r| r.objective).sum();
    let lower_bound = reports.iter().map(|r| r.lower_bound).sum();
    let verdict = check(p, &design);
    let report = Report {
        objective,
        hard: reports.iter().map(|r| r.hard).sum(),
        lower_bound,
        gap: gap(objective, lower_bound),
        hiring: hiring(p, &design, &verdict),
        schools: reports,
        millis: started.elapsed().as_millis() as u64,
    };
    Ok((design, report))
}

fn school_seed(seed: u64, id: &str) -> u64 {
    id.bytes().fold(seed ^ 0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn design_school(p: &Problem, si: usize, opts: &Options) -> (SchoolDesign, SchoolReport) {
    let school = &p.schools[si];
    let m = Model::new(p, school);
    let mut ev = Evaluator::new(&m);
    let moves = opts.moves.unwrap_or(p.policy.search_moves);
    let heuristic = solve::search(
        &mut ev,
        solve::construct(&m),
        moves,
        school_seed(opts.seed, &school.id),
    );
    let heuristic_objective = heuristic.cost;
    let exact = if opts.exact_limit > 0 {
        solve::exhaustive(&mut ev, opts.exact_limit)
    } else {
        None
    };
    // Exact only if no team's inner assignment was cut short by the node limit.
    let exact = exact.filter(|_| ev.truncated.get() == 0);
    let exact_objective = exact.as_ref().map(|s| s.cost);
    let (state, method) = match exact {
        Some(s) if s.cost < heuristic.cost => (s, "exact"),
        Some(_) => (heuristic, "exact"),
        None => (heuristic, "heuristic"),
    };
    let lower_bound = match exact_objective {
        Some(x) => x,
        None => solve::lower_bound(&m, true).min(state.cost),
    };
    let hard = state.evals.iter().map(|e| e.hard).sum::<u32>() + state.svc.short_pairs;
    let design = build(&m, &ev, &state);
    let report = SchoolReport {
        school: school.id.clone(),
        method: method.into(),
        objective: state.cost,
        hard,
        lower_bound,
        gap: gap(state.cost, lower_bound),
        heuristic_objective,
        exact_objective,
    };
    (design, report)
}

fn build(m: &Model, ev: &Evaluator, s: &State) -> SchoolDesign {
    let p = m.p;
    let es = &m.school.educators;
    let pol = &p.policy;
    let mut teams = Vec::new();
    for (t, spec) in m.teams.iter().enumerate() {
        let mut members = s.members[t].clone();
        members.sort_unstable();
        let members = &members;
        let inner = ev.inner(t, members);
        let mut holdings = Vec::new();
        for (slot, &k) in spec.slots.iter().enumerate() {
            let kind = &m.kinds[k];
            let def = &p.catalog.responsibilities[kind.resp];
            let h = match inner.picks[slot] {
                Some((e, coach)) => Holding {
                    responsibility: kind.code.clone(),
                    holder: Some(es[e].id.clone()),
                    coach: coach.map(|c| es[c].id.clone()),
                    why: explain::holding(
                        def,
                        kind.subject.as_deref(),
                        &es[e],
                        coach.map(|c| &es[c]),
                        pol,
                    ),
                },
                None => Holding {
                    responsibility: kind.code.clone(),
                    holder: None,
                    coach: None,
                    why: format!(
                        "{}: no one on the team is ready or can stretch into it with a coach; see the hiring profiles",
                        explain::responsibility_label(def, kind.subject.as_deref())
                    ),
                },
            };
            holdings.push(h);
        }
        let mut sorted = members.clone();
        sorted.sort_by_key(|&e| (es[e].role, e));
        let veterans: Vec<&str> = sorted
            .iter()
            .filter(|&&e| m.veteran[e])
            .map(|&e| es[e].name.as_str())
            .collect();
        let members = sorted
            .iter()
            .map(|&e| {
                let c = &es[e];
                let mut why = vec![format!(
                    "{}, {:.2} FTE, {} years",
                    c.role.label(),
                    c.fte,
                    c.years
                )];
                let content: Vec<String> = c
                    .content
                    .iter()
                    .filter(|(_, l)| l.get() >= 3)
                    .map(|(s, l)| format!("{} {}", explain::subject_label(s), l.get()))
                    .collect();
                if !content.is_empty() {
                    why.push(format!("Content expertise: {}", content.join(", ")));
                }
                if m.needs_pair[e] {
                    match veterans.first() {
                        Some(v) => why.push(format!("Paired with veteran {v}")),
                        None => why.push("No veteran on this team to pair with".into()),
                    }
                }
                if let Some(last) = &c.last_team {
                    let kept = sorted
                        .iter()
                        .filter(|&&o| o != e && es[o].last_team.as_ref() == Some(last))
                        .count();
                    if kept > 0 {
                        why.push(format!(
                            "Continuity: with {kept} of last year's {last} teammates"
                        ));
                    }
                }
                if !c.prefers.grades.is_empty() && m.grade_ok[e][spec.band] {
                    why.push("Wished for this grade".into());
                }
                Member {
                    educator: c.id.clone(),
                    why,
                }
            })
            .collect();
        teams.push(TeamDesign {
            name: spec.name.clone(),
            band: m.school.bands[spec.band].name.clone(),
            roster: spec.roster,
            needs: spec.needs.clone(),
            members,
            holdings,
        });
    }
    let mut extended = Vec::new();
    let nt = m.teams.len();
    for &e in &s.members[nt] {
        let allocs: Vec<&(usize, usize, usize, u32)> =
            s.svc.alloc.iter().filter(|a| a.0 == e).collect();
        let services: Vec<ServiceMinutes> = allocs
            .iter()
            .map(|a| ServiceMinutes {
                service: p.catalog.services[a.1].code.clone(),
                team: m.teams[a.2].name.clone(),
                minutes: a.3,
            })
            .collect();
        let mut why = Vec::new();
        for (si, def) in p.catalog.services.iter().enumerate() {
            let to: Vec<(String, u32)> = allocs
                .iter()
                .filter(|a| a.1 == si)
                .map(|a| (m.teams[a.2].name.clone(), a.3))
                .collect();
            if !to.is_empty() {
                why.push(explain::service(def, &es[e], &to));
            }
        }
        let why = if why.is_empty() {
            format!(
                "{}: no service minutes in this plan (not qualified for a service that needs them)",
                es[e].role.label()
            )
        } else {
            why.join("; ")
        };
        extended.push(ExtendedSeat {
            educator: es[e].id.clone(),
            services,
            why,
        });
    }
    SchoolDesign {
        school: m.school.id.clone(),
        teams,
        extended,
    }
}
