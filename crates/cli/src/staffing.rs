//! `ensemble staffing design|check|budget|demo-input`: the staffing engine on JSON files
//! (formats in `docs/staffing.md`, worked examples in `examples/staffing/`).
//!
//! Exit status: 0 done (for `check`: no hard violation), 1 `check` found violations, 2 bad
//! input.

use crate::read_json;
use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use ensemble_staffing::budget::money;
use ensemble_staffing::check::Verdict;
use ensemble_staffing::{self as staffing, BudgetModel, Options, Plan, Problem};
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct StaffingArgs {
    #[command(subcommand)]
    command: StaffingCommand,
}

#[derive(Subcommand, Debug)]
enum StaffingCommand {
    /// Propose core teams, extended-team service minutes and who holds each responsibility.
    Design(DesignArgs),
    /// Check a plan (from `design`, or edited by hand) with the just-right validator.
    Check(CheckArgs),
    /// Cost a plan against a traditional one-teacher-per-classroom plan.
    Budget(BudgetArgs),
    /// Write the demo school's staffing input (its educators and need counts) as JSON.
    DemoInput(DemoInputArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Args, Debug)]
struct DesignArgs {
    /// The input: schools, pools of educators, policy and catalog.
    input: PathBuf,
    /// Write the plan (input, design and report) as JSON.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Random seed: the same seed gives the same plan.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Local-search moves per school (the policy's when absent).
    #[arg(long)]
    moves: Option<u32>,
    /// Threads (defaults to the number of cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Run the exact method on schools with at most this many possible memberships (0: never).
    #[arg(long, default_value_t = 200_000)]
    exact_limit: u64,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// The plan, as written by `design --out`.
    plan: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Args, Debug)]
struct BudgetArgs {
    /// The plan, as written by `design --out`.
    plan: PathBuf,
    /// The budget model (salary schedule, stipends, benefits); the plan input's `budget`, or the
    /// demo model, when absent.
    #[arg(long)]
    budget: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Args, Debug)]
struct DemoInputArgs {
    /// Where to write it (standard output when absent).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Demo seed.
    #[arg(long, default_value_t = crate::demo::DEMO_SEED)]
    seed: u64,
    /// A generated district of this many schools instead of the demo school (benchmarks).
    #[arg(long)]
    schools: Option<usize>,
    /// Students in the generated district.
    #[arg(long, default_value_t = 40_000)]
    students: usize,
    /// Educators on no team yet, per school of the generated district.
    #[arg(long, default_value_t = 0)]
    candidates: usize,
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))
}

pub fn run(a: StaffingArgs) -> ExitCode {
    let r = match a.command {
        StaffingCommand::Design(d) => design(d),
        StaffingCommand::Check(c) => check(c),
        StaffingCommand::Budget(b) => budget(b),
        StaffingCommand::DemoInput(d) => demo_input(d),
    };
    match r {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn design(a: DesignArgs) -> anyhow::Result<ExitCode> {
    let input: Problem = read_json(&a.input)?;
    input
        .validate()
        .map_err(|e| anyhow::anyhow!("{}: {e}", a.input.display()))?;
    let bar = if a.quiet {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::new(input.schools.len() as u64);
        b.set_style(
            ProgressStyle::with_template("{spinner} designing schools {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    };
    let mut opts = Options {
        seed: a.seed,
        moves: a.moves,
        exact_limit: a.exact_limit,
        ..Options::default()
    };
    if let Some(t) = a.threads {
        opts.threads = t.max(1);
    }
    let (design, report) =
        staffing::design(&input, &opts, &|done, _| bar.set_position(done as u64))
            .map_err(|e| anyhow::anyhow!("{}: {e}", a.input.display()))?;
    bar.finish_and_clear();
    let plan = Plan {
        input,
        design,
        report: Some(report),
    };
    if let Some(out) = &a.out {
        write_json(out, &plan)?;
    }
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&plan)?),
        Format::Text => print!("{}", design_text(&plan)),
    }
    Ok(ExitCode::SUCCESS)
}

fn name_of<'a>(p: &'a Problem, id: &'a str) -> &'a str {
    p.educator(id).map_or(id, |(_, c)| c.name.as_str())
}

/// The plan as people read it: teams, holdings with reasons, services, checks and gaps.
pub fn design_text(plan: &Plan) -> String {
    let p = &plan.input;
    let mut s = String::new();
    let verdict = staffing::check(p, &plan.design);
    for sd in &plan.design.schools {
        let school = p.schools.iter().find(|x| x.id == sd.school);
        let _ = writeln!(
            s,
            "# {}",
            school.map_or(sd.school.as_str(), |x| x.name.as_str())
        );
        for t in &sd.teams {
            let _ = writeln!(s, "\n## {} ({}, {} students)", t.name, t.band, t.roster);
            for m in &t.members {
                let _ = writeln!(s, "- {}: {}", name_of(p, &m.educator), m.why.join("; "));
            }
            for h in &t.holdings {
                let who = h.holder.as_deref().map_or("UNFILLED", |id| name_of(p, id));
                let _ = writeln!(s, "  * {who} — {}", h.why);
            }
        }
        if !sd.extended.is_empty() {
            let _ = writeln!(s, "\n## Extended team");
            for x in &sd.extended {
                let _ = writeln!(s, "- {}: {}", name_of(p, &x.educator), x.why);
            }
        }
    }
    let _ = writeln!(s, "\n## Just-right check");
    s.push_str(&verdict_text(&verdict));
    if let Some(r) = &plan.report {
        let _ = writeln!(s, "\n## Hiring profiles (ranked by students reached)");
        if r.hiring.is_empty() {
            let _ = writeln!(s, "none");
        }
        for h in &r.hiring {
            let _ = writeln!(
                s,
                "- {}{}: {} students, {}{}",
                if h.thin { "(thin) " } else { "" },
                h.title,
                h.students_reached,
                money(h.annual_cost_cents),
                h.cheaper.as_ref().map_or(String::new(), |c| format!(
                    "; cheaper: {} {:.1} FTE, {}",
                    c.role.label().to_lowercase(),
                    c.fte,
                    money(c.annual_cost_cents)
                ))
            );
            if !h.requirements.is_empty() {
                let _ = writeln!(s, "  needs: {}", h.requirements.join(", "));
            }
        }
        let _ = writeln!(s, "\n## Method");
        for sr in &r.schools {
            let _ = writeln!(
                s,
                "- {}: {} objective {} (hard {}), lower bound {}, gap {:.1}%{}",
                sr.school,
                sr.method,
                sr.objective,
                sr.hard,
                sr.lower_bound,
                sr.gap * 100.0,
                sr.exact_objective.map_or(String::new(), |x| format!(
                    "; heuristic {} vs exact {x}",
                    sr.heuristic_objective
                ))
            );
        }
    }
    s
}

fn verdict_text(v: &Verdict) -> String {
    let mut s = String::new();
    if v.violations.is_empty() {
        let _ = writeln!(s, "Every hard rule holds.");
    } else {
        let _ = writeln!(s, "{} hard violations:", v.violations.len());
        for x in &v.violations {
            let _ = writeln!(s, "- {}: {}", x.rule.label(), x.message);
        }
    }
    let f = &v.soft;
    let _ = writeln!(
        s,
        "Soft: {} subjects without an expert, {} novices without a veteran, balance {}, {} responsibilities above the per-person load, diversity {}, {} unmet wishes, {} pairs of last year's teammates apart, {} stretches (cost {}); objective {}.",
        f.content_spread, f.novice_pairing, f.balance, f.load, f.diversity, f.preference, f.continuity, f.stretch, v.soft_cost, v.objective
    );
    s
}

fn check(a: CheckArgs) -> anyhow::Result<ExitCode> {
    let plan: Plan = read_json(&a.plan)?;
    plan.input
        .validate()
        .map_err(|e| anyhow::anyhow!("{}: input.{e}", a.plan.display()))?;
    let v = staffing::check(&plan.input, &plan.design);
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&v)?),
        Format::Text => print!("{}", verdict_text(&v)),
    }
    Ok(if v.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn budget(a: BudgetArgs) -> anyhow::Result<ExitCode> {
    let plan: Plan = read_json(&a.plan)?;
    plan.input
        .validate()
        .map_err(|e| anyhow::anyhow!("{}: input.{e}", a.plan.display()))?;
    let model: BudgetModel = match &a.budget {
        Some(path) => read_json(path)?,
        None => plan.input.budget.clone().unwrap_or_default(),
    };
    if let Some(path) = &a.budget {
        model
            .validate()
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    let verdict = staffing::check(&plan.input, &plan.design);
    let hiring = staffing::hiring(&plan.input, &plan.design, &verdict);
    let r = staffing::budget(&plan.input, &plan.design, &model, &hiring);
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&r)?),
        Format::Text => print!("{}", budget_text(&r)),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn budget_text(r: &staffing::BudgetReport) -> String {
    let mut s = String::new();
    let (a, b) = (&r.plan, &r.traditional);
    let _ = writeln!(s, "| | {} | {} |", a.label, b.label);
    let _ = writeln!(s, "|---|---:|---:|");
    let row = |s: &mut String, what: &str, x: String, y: String| {
        let _ = writeln!(s, "| {what} | {x} | {y} |");
    };
    row(&mut s, "total", money(a.total_cents), money(b.total_cents));
    row(
        &mut s,
        "cost per student",
        money(a.cost_per_student_cents),
        money(b.cost_per_student_cents),
    );
    row(
        &mut s,
        "adults (headcount)",
        a.adults.to_string(),
        b.adults.to_string(),
    );
    row(
        &mut s,
        "adults per 100 students",
        format!("{:.1}", a.adults_per_100_students),
        format!("{:.1}", b.adults_per_100_students),
    );
    row(
        &mut s,
        "students per professional educator",
        format!("{:.1}", a.students_per_professional),
        format!("{:.1}", b.students_per_professional),
    );
    row(
        &mut s,
        "collaborative planning min/week per core educator",
        a.collaborative_planning_minutes.to_string(),
        b.collaborative_planning_minutes.to_string(),
    );
    let _ = writeln!(
        s,
        "\nThe team plan costs {} {} than the traditional plan. Filling its hiring profiles would add {}.",
        money(r.difference_cents.abs()),
        if r.difference_cents >= 0 { "less" } else { "more" },
        money(r.hires_cents)
    );
    let _ = writeln!(s, "\nBudget-neutral what-ifs:");
    for w in &r.what_ifs {
        let _ = writeln!(
            s,
            "- {} ({:+} adults, {:.1} adults per 100 students)",
            w.description, w.adults_added, w.adults_per_100_students
        );
    }
    for n in &r.notes {
        let _ = writeln!(s, "\nNote: {n}");
    }
    s
}

fn demo_input(a: DemoInputArgs) -> anyhow::Result<ExitCode> {
    let ds = match a.schools {
        Some(n) => ensemble_demo::district_with_pool(n, a.students, a.candidates, a.seed),
        None => ensemble_demo::demo_school(a.seed).0,
    };
    let mut p = staffing::input::problem_from_dataset(&ds);
    p.budget = Some(BudgetModel::default());
    match &a.out {
        Some(path) => write_json(path, &p)?,
        None => println!("{}", serde_json::to_string_pretty(&p)?),
    }
    Ok(ExitCode::SUCCESS)
}
