//! `ensemble timetable solve|check`: the scheduling engine on FET files.
//!
//! Exit status: 0 solved (every hard constraint holds, as the independent verifier counts),
//! 1 not solved, 2 bad input (unreadable or malformed file, unsupported hard constraints).

use anyhow::Context;
use clap::{Args, Subcommand};
use ensemble_timetable::problem::{Placement, Problem};
use ensemble_timetable::solver::{self, Options, Progress};
use ensemble_timetable::{compile, read_fet, verify, Instance};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct TimetableArgs {
    #[command(subcommand)]
    command: TimetableCommand,
}

#[derive(Subcommand, Debug)]
enum TimetableCommand {
    /// Build a timetable for a FET file.
    Solve(SolveArgs),
    /// Check a timetable (a RESULT.json from `solve`) against its FET file.
    Check(CheckArgs),
}

#[derive(Args, Debug)]
struct SolveArgs {
    /// The FET file (FET 5 or 6).
    file: PathBuf,
    /// Stop after this many seconds.
    #[arg(long, default_value_t = 20.0)]
    time_limit: f64,
    /// Random seed: the same seed gives the same timetable (unless the time limit cuts in).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Search threads (defaults to the number of cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Write the timetable as JSON.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write the FET file back with every activity locked in place, as FET's own
    /// `*_data_and_timetable.fet`.
    #[arg(long)]
    fet_out: Option<PathBuf>,
    /// Solve even when the file has hard constraints Ensemble does not support (they are
    /// left out).
    #[arg(long)]
    ignore_unsupported: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// The FET file.
    file: PathBuf,
    /// The timetable, as written by `solve --out`.
    result: PathBuf,
}

/// A timetable as JSON: FET's activity ids with day, hour and room names.
#[derive(Serialize, Deserialize, Debug)]
pub struct ResultFile {
    pub file: String,
    pub solved: bool,
    pub hard_violations: u64,
    pub soft_cost: f64,
    pub seconds: f64,
    pub seed: u64,
    pub activities: Vec<Placed>,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct Placed {
    pub id: u32,
    pub day: String,
    pub hour: String,
    pub room: Option<String>,
    /// In a virtual room: the real rooms taken, one of each of its sets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub real_rooms: Vec<String>,
}

/// Bad input, as opposed to a failure to solve.
struct BadInput(anyhow::Error);

fn load(
    path: &Path,
) -> Result<(String, Instance, Problem, ensemble_timetable::Unsupported), BadInput> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {}", path.display()))
        .map_err(BadInput)?;
    let (inst, _) = read_fet(&text)
        .with_context(|| format!("{}", path.display()))
        .map_err(BadInput)?;
    let (problem, unsupported) = compile(&inst)
        .with_context(|| format!("{}", path.display()))
        .map_err(BadInput)?;
    Ok((text, inst, problem, unsupported))
}

pub fn run(a: TimetableArgs) -> ExitCode {
    let r = match a.command {
        TimetableCommand::Solve(s) => solve(s),
        TimetableCommand::Check(c) => check(c),
    };
    match r {
        Ok(code) => code,
        Err(BadInput(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn solve(a: SolveArgs) -> Result<ExitCode, BadInput> {
    let started = Instant::now();
    let (text, inst, problem, unsupported) = load(&a.file)?;
    if unsupported.total() > 0 {
        eprintln!(
            "{}: unsupported constraints: {}",
            a.file.display(),
            unsupported.describe()
        );
        if unsupported.hard() > 0 && !a.ignore_unsupported {
            return Err(BadInput(anyhow::anyhow!(
                "{}: {} hard constraints of unsupported types; --ignore-unsupported solves without them",
                a.file.display(),
                unsupported.hard()
            )));
        }
    }
    if !(a.time_limit > 0.0 && a.time_limit.is_finite()) {
        return Err(BadInput(anyhow::anyhow!(
            "--time-limit must be a positive number of seconds"
        )));
    }
    let threads = a.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let opts = Options {
        seed: a.seed,
        time_limit: Duration::from_secs_f64(a.time_limit).saturating_sub(started.elapsed()),
        threads,
        ..Options::default()
    };
    let bar = if a.quiet {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::new_spinner();
        b.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        b
    };
    bar.set_message(format!(
        "{} activities, {} constraints",
        problem.acts.len(),
        problem.constraints.len()
    ));
    let on_progress = |p: &Progress| {
        bar.set_message(format!(
            "{} iterations, best: {} hard violations, soft cost {:.1}{}",
            p.iterations,
            p.hard,
            p.soft,
            if p.feasible {
                " (solved, polishing)"
            } else {
                ""
            }
        ));
        bar.tick();
    };
    // The solver's clock starts after the file is read and compiled; report times from the
    // start of the command.
    let loading = started.elapsed();
    let outcome = match solver::solve(&problem, &opts, &on_progress) {
        Ok(o) => o,
        Err(e) => {
            bar.finish_and_clear();
            let (solver::Infeasible::NoTime { act } | solver::Infeasible::NoRoom { act, .. }) = e;
            let id = inst.activities[problem.acts[act].source].id;
            eprintln!(
                "{}: not solved: {} (FET activity id {id})",
                a.file.display(),
                e
            );
            return Ok(ExitCode::from(1));
        }
    };
    bar.finish_and_clear();
    let verdict = match verify::verify(&problem, &outcome.placement) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("internal error: the solver's placement is malformed: {e}");
            return Ok(ExitCode::from(3));
        }
    };
    if verdict.hard != outcome.hard {
        tracing::warn!(
            solver = outcome.hard,
            verifier = verdict.hard,
            "the solver and the verifier disagree on hard violations"
        );
    }
    let solved = verdict.hard == 0;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}: {} in {seconds:.2} s ({} iterations{}), hard violations {}, soft cost {:.2}",
        a.file.display(),
        if solved { "solved" } else { "NOT solved" },
        outcome.iterations,
        outcome
            .feasible_after
            .map(|d| format!(
                ", hard constraints met after {:.2} s",
                (loading + d).as_secs_f64()
            ))
            .unwrap_or_default(),
        verdict.hard,
        verdict.soft
    );
    if !solved {
        for v in verdict.violations.iter().take(10) {
            println!("  {} × {}", v.count, v.what);
        }
    }
    if let Some(out) = &a.out {
        let file = ResultFile {
            file: a.file.display().to_string(),
            solved,
            hard_violations: verdict.hard,
            soft_cost: verdict.soft,
            seconds,
            seed: a.seed,
            activities: placed(&inst, &problem, &outcome.placement),
        };
        let json = serde_json::to_string_pretty(&file).unwrap_or_default();
        if let Err(e) = std::fs::write(out, json) {
            eprintln!("error: writing {}: {e}", out.display());
            return Ok(ExitCode::from(2));
        }
    }
    if let Some(out) = &a.fet_out {
        let locked =
            ensemble_timetable::fet_out::write_locked(&text, &inst, &problem, &outcome.placement);
        if let Err(e) = std::fs::write(out, locked) {
            eprintln!("error: writing {}: {e}", out.display());
            return Ok(ExitCode::from(2));
        }
    }
    Ok(ExitCode::from(if solved { 0 } else { 1 }))
}

fn placed(inst: &Instance, p: &Problem, pl: &Placement) -> Vec<Placed> {
    p.acts
        .iter()
        .enumerate()
        .map(|(a, act)| Placed {
            id: inst.activities[act.source].id,
            day: inst.days[p.day_of(pl.start[a])].clone(),
            hour: inst.hours[p.hour_of(pl.start[a])].clone(),
            room: pl.room[a].map(|r| inst.rooms[r].name.clone()),
            real_rooms: pl
                .real
                .get(a)
                .into_iter()
                .flatten()
                .map(|&r| inst.rooms[r].name.clone())
                .collect(),
        })
        .collect()
}

fn check(a: CheckArgs) -> Result<ExitCode, BadInput> {
    let (_, inst, problem, unsupported) = load(&a.file)?;
    let json = std::fs::read_to_string(&a.result)
        .with_context(|| format!("reading {}", a.result.display()))
        .map_err(BadInput)?;
    let result: ResultFile = serde_json::from_str(&json)
        .with_context(|| {
            format!(
                "{}: not a timetable written by `ensemble timetable solve`",
                a.result.display()
            )
        })
        .map_err(BadInput)?;
    let placement = to_placement(&inst, &problem, &result)
        .map_err(|e| BadInput(anyhow::anyhow!("{}: {e}", a.result.display())))?;
    let verdict = verify::verify(&problem, &placement)
        .map_err(|e| BadInput(anyhow::anyhow!("{}: {e}", a.result.display())))?;
    if unsupported.total() > 0 {
        println!("not checked (unsupported): {}", unsupported.describe());
    }
    for v in &verdict.violations {
        println!("{} × {}", v.count, v.what);
    }
    println!(
        "{}: hard violations {}, soft cost {:.2}: {}",
        a.result.display(),
        verdict.hard,
        verdict.soft,
        if verdict.hard == 0 {
            "valid"
        } else {
            "NOT valid"
        }
    );
    Ok(ExitCode::from(if verdict.hard == 0 { 0 } else { 1 }))
}

/// The JSON timetable as a placement of the problem's activities; every active activity must
/// be there once, with known day, hour and room names.
fn to_placement(inst: &Instance, p: &Problem, r: &ResultFile) -> Result<Placement, String> {
    let mut by_id = std::collections::HashMap::new();
    for (i, x) in r.activities.iter().enumerate() {
        if by_id.insert(x.id, i).is_some() {
            return Err(format!("activity {} is placed twice", x.id));
        }
    }
    let mut start = Vec::with_capacity(p.acts.len());
    let mut room = Vec::with_capacity(p.acts.len());
    let mut real = Vec::with_capacity(p.acts.len());
    let room_index = |id: u32, name: &str| {
        inst.rooms
            .iter()
            .position(|r| r.name == name)
            .ok_or_else(|| format!("activity {id}: {name:?} is not a room"))
    };
    for act in &p.acts {
        let id = inst.activities[act.source].id;
        let x = &r.activities[*by_id
            .get(&id)
            .ok_or_else(|| format!("activity {id} is not placed"))?];
        let d = inst
            .days
            .iter()
            .position(|n| *n == x.day)
            .ok_or_else(|| format!("activity {id}: {:?} is not a day", x.day))?;
        let h = inst
            .hours
            .iter()
            .position(|n| *n == x.hour)
            .ok_or_else(|| format!("activity {id}: {:?} is not an hour", x.hour))?;
        start.push(p.slot(d, h));
        room.push(match &x.room {
            None => None,
            Some(name) => Some(room_index(id, name)?),
        });
        real.push(
            x.real_rooms
                .iter()
                .map(|name| room_index(id, name))
                .collect::<Result<Vec<_>, _>>()?,
        );
    }
    if real.iter().all(Vec::is_empty) {
        real.clear();
    }
    Ok(Placement { start, room, real })
}
