//! Dynamic student groupings from formative data (issue 5).
//!
//! Pure: for one core team's block, [`solve()`] forms one group per educator present, by need,
//! by interest and choice, or mixed; assigns each group a space; explains every placement and
//! flags students kept in the lowest-mastery group too long. [`check()`] is an independent
//! checker of any grouping (hand-edited ones too). [`assessments`] reads assessment CSV files.

pub mod assessments;
pub mod check;
pub mod problem;
mod solve;

pub use check::{check, Rule, Verdict, Violation};
pub use problem::*;

use solve::{Model, State};

/// How to solve.
#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    /// Also try every grouping when there are at most this many (0: never).
    pub exact_limit: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            seed: 1,
            exact_limit: 200_000,
        }
    }
}

/// Groups one block.
pub fn solve(input: &Input, opts: &Options) -> Result<Grouping, InputError> {
    input.validate()?;
    let m = Model::new(input);
    // Small blocks get a floor of moves: they cost little and the search needs room.
    let moves =
        (u64::from(input.moves_per_student) * m.n as u64).max(if input.moves_per_student > 0 {
            3_000
        } else {
            0
        });
    let (mut heuristic, mut done) = solve::search(&m, solve::construct(&m), moves, opts.seed);
    // Small blocks also restart from random groupings: cheap there, and a single walk can be
    // trapped in one big group.
    if m.n <= 40 && moves > 0 {
        let mut rng = solve::Rng::new(opts.seed ^ 0xA5A5);
        for r in 1..8u64 {
            let start = (0..m.n).map(|_| rng.below(m.g)).collect();
            let (st, d) = solve::search(&m, start, moves, opts.seed.wrapping_add(r));
            done += d;
            if st.total < heuristic.total {
                heuristic = st;
            }
        }
    }
    let heuristic_objective = heuristic.total;
    let exact = if opts.exact_limit > 0 {
        solve::exhaustive(&m, opts.exact_limit)
    } else {
        None
    };
    let exact_objective = exact.as_ref().map(|s| s.total);
    let (state, method) = match exact {
        Some(s) if s.total < heuristic.total => (s, "exact"),
        Some(_) => (heuristic, "exact"),
        None => (heuristic, "heuristic"),
    };
    let mut g = build(&m, &state);
    let sizes: Vec<usize> = state.members.iter().map(Vec::len).collect();
    let (_, space_hard) = m.spaces(&sizes);
    let hard = state.costs.iter().map(|c| c.0).sum::<i64>() + space_hard;
    g.report = Some(Report {
        objective: state.total,
        hard: hard.clamp(0, i64::from(u32::MAX)) as u32,
        method: method.into(),
        heuristic_objective,
        exact_objective,
        moves: done,
    });
    Ok(g)
}

/// Groups many blocks (a district's teams) on `threads` threads; results in input order.
pub fn solve_many(
    inputs: &[Input],
    opts: &Options,
    threads: usize,
) -> Vec<Result<Grouping, InputError>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let out: std::sync::Mutex<Vec<Option<Result<Grouping, InputError>>>> =
        std::sync::Mutex::new(vec![None; inputs.len()]);
    let work = || loop {
        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if i >= inputs.len() {
            break;
        }
        let r = solve(&inputs[i], opts);
        if let Ok(mut all) = out.lock() {
            all[i] = Some(r);
        }
    };
    std::thread::scope(|sc| {
        for _ in 1..threads.max(1) {
            sc.spawn(work);
        }
        work();
    });
    out.into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(InputError {
                    path: String::new(),
                    problem: "not solved".into(),
                })
            })
        })
        .collect()
}

fn mean(m: &Model, members: &[usize]) -> Option<i64> {
    let xs: Vec<i64> = members.iter().filter_map(|&s| m.mastery[s]).collect();
    (!xs.is_empty()).then(|| xs.iter().sum::<i64>() / xs.len() as i64)
}

fn build(m: &Model, st: &State) -> Grouping {
    let inp = m.input;
    let focus = inp.focus_words();
    let sizes: Vec<usize> = st.members.iter().map(Vec::len).collect();
    let (space_of, _) = m.spaces(&sizes);
    // The groups shown: every one with students, and every one an educator must lead (empty,
    // it is a problem the checker names). Need strategy: numbered from the most support to the
    // most extension.
    let mut order: Vec<usize> = (0..m.g)
        .filter(|&gi| !st.members[gi].is_empty() || m.required[gi])
        .collect();
    if inp.strategy == Strategy::Need {
        order.sort_by_key(|&gi| (mean(m, &st.members[gi]).unwrap_or(i64::MAX), gi));
    }
    let lowest = order
        .iter()
        .copied()
        .find(|&gi| !st.members[gi].is_empty() && mean(m, &st.members[gi]).is_some())
        .filter(|_| inp.strategy == Strategy::Need);
    let highest = order
        .iter()
        .copied()
        .rev()
        .find(|&gi| !st.members[gi].is_empty() && mean(m, &st.members[gi]).is_some())
        .filter(|_| inp.strategy == Strategy::Need && order.len() > 1);
    let name_of = |gi: usize| {
        let k = order.iter().position(|&x| x == gi).unwrap_or(gi);
        format!("Group {} ({})", k + 1, inp.educators[gi].name)
    };
    let mut groups = Vec::new();
    for &gi in &order {
        let e = &inp.educators[gi];
        let members = &st.members[gi];
        let space = space_of[gi].map(|si| &inp.spaces[si]);
        let mut why = match inp.strategy {
            Strategy::Need => match mean(m, members) {
                Some(x) => format!("{} on {focus}: mean mastery {x}", inp.strategy.label()),
                None => format!("{} on {focus}", inp.strategy.label()),
            },
            Strategy::Mixed => format!(
                "mixed mastery on {focus} (mean {})",
                mean(m, members).unwrap_or(0)
            ),
            Strategy::Interest => format!(
                "runs {}",
                m.options[gi]
                    .as_ref()
                    .and_then(|c| inp.options.iter().find(|o| &o.code == c))
                    .map_or("its own activity", |o| o.name.as_str())
            ),
        };
        why.push_str(&format!(
            "; led by {} ({}{})",
            e.name,
            title(e),
            if e.expertise >= 3 {
                ", strong in the subject"
            } else {
                ""
            }
        ));
        if let Some(sp) = space {
            why.push_str(&format!(" in {} ({} seats)", sp.name, sp.capacity));
        }
        groups.push(Group {
            name: name_of(gi),
            educator: e.id.clone(),
            space: space.map(|s| s.id.clone()),
            option: m.options[gi].clone(),
            students: members
                .iter()
                .map(|&s| inp.students[s].id.clone())
                .collect(),
            why,
        });
    }
    let mut placements = Vec::new();
    let mut flags = Vec::new();
    for (s, st_in) in inp.students.iter().enumerate() {
        let gi = st.of[s];
        let e = &inp.educators[gi];
        let size = st.members[gi].len();
        let mut parts = Vec::new();
        // Their data.
        match (inp.strategy, st_in.mastery) {
            (Strategy::Need, Some(x)) => parts.push(format!("mastery {x} on {focus}")),
            (Strategy::Need, None) => parts.push(format!("no data yet on {focus}")),
            (Strategy::Mixed, Some(x)) => parts.push(format!(
                "mastery {x} on {focus}, in a group of mixed levels"
            )),
            (Strategy::Mixed, None) => parts.push("a group of mixed levels".into()),
            (Strategy::Interest, _) => {
                let r = m.rank[s][gi];
                parts.push(if st_in.choices.is_empty() {
                    "made no choice".into()
                } else if (r as usize) < st_in.choices.len() {
                    format!("choice {} of {}", r + 1, st_in.choices.len())
                } else {
                    "none of their choices had room".into()
                });
            }
        }
        // Why this educator.
        let mut educator = Vec::new();
        if let Some(req) = &st_in.requires {
            let service = inp.service_words(req).to_lowercase();
            educator.push(if e.services.contains(req) {
                format!("{} gives the {service} their plan requires", e.name)
            } else if m.service_ok[s][gi] {
                format!(
                    "{} ({}) teaches them with the accommodations their plan gives",
                    e.name,
                    title(e)
                )
            } else {
                format!("no educator present gives the {service} their plan requires")
            });
        }
        if m.knows[s][gi] {
            educator.push(format!("{} knows them from past groups", e.name));
        }
        if m.stay[s] == Some(gi) {
            educator.push(format!(
                "stays with {} (their mastery barely changed)",
                e.name
            ));
        }
        if educator.is_empty() {
            educator.push(match inp.strategy {
                Strategy::Need if Some(gi) == lowest => format!(
                    "{} ({}) leads the group that needs the most support",
                    e.name,
                    title(e)
                ),
                Strategy::Need if Some(gi) == highest => format!(
                    "{} ({}{}) leads the extension group",
                    e.name,
                    title(e),
                    if e.expertise >= 3 {
                        ", strong in the subject"
                    } else {
                        ""
                    }
                ),
                Strategy::Interest => format!("{} runs the activity", e.name),
                _ => format!("{} ({}) leads this group", e.name, title(e)),
            });
        }
        parts.extend(educator);
        // Why this space.
        match space_of[gi].map(|si| &inp.spaces[si]) {
            Some(sp) => parts.push(format!(
                "in {} ({} seats for a group of {size})",
                sp.name, sp.capacity
            )),
            None => parts.push("no space is free for this group".into()),
        }
        placements.push(Placement {
            student: st_in.id.clone(),
            group: name_of(gi),
            why: format!("{} → {}: {}", st_in.name, name_of(gi), parts.join("; ")),
        });
        if lowest == Some(gi) && st_in.lowest_cycles.saturating_add(1) > inp.equity_cycles {
            flags.push(Flag {
                student: st_in.id.clone(),
                message: format!(
                    "{} would be in the lowest-mastery group for {} cycles in a row: review with the team",
                    st_in.name,
                    st_in.lowest_cycles.saturating_add(1)
                ),
            });
        }
    }
    Grouping {
        groups,
        placements,
        flags,
        report: None,
    }
}

/// An educator's role in words: their own title, else the engine's role.
fn title(e: &EducatorIn) -> String {
    e.title
        .clone()
        .unwrap_or_else(|| role_label(e.role).to_owned())
}

pub fn role_label(r: EducatorRole) -> &'static str {
    match r {
        EducatorRole::General => "teacher",
        EducatorRole::Intervention => "interventionist",
        EducatorRole::ContentLead => "content lead",
        EducatorRole::Specialist => "specialist",
    }
}
