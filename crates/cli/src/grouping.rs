//! `ensemble grouping solve|check` on JSON files (formats in `docs/grouping.md`, examples in
//! `examples/grouping/`), and `ensemble import assessments FILE.csv`.
//!
//! Exit status: 0 done (for `check`: every hard rule holds), 1 `check` found violations, 2 bad
//! input.

use crate::read_json;
use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use ensemble_grouping::{self as grouping, Grouping, Input, Options};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct GroupingArgs {
    #[command(subcommand)]
    command: GroupingCommand,
}

#[derive(Subcommand, Debug)]
enum GroupingCommand {
    /// Form groups for one block of a core team.
    Solve(SolveArgs),
    /// Check a grouping (from `solve`, or edited by hand) against its input.
    Check(CheckArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Args, Debug)]
struct SolveArgs {
    input: PathBuf,
    /// Write the grouping as JSON.
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also try every grouping when there are at most this many (0: never).
    #[arg(long, default_value_t = 200_000)]
    exact_limit: u64,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Args, Debug)]
struct CheckArgs {
    input: PathBuf,
    groups: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(a: GroupingArgs) -> ExitCode {
    let r = match a.command {
        GroupingCommand::Solve(s) => solve(s),
        GroupingCommand::Check(c) => check(c),
    };
    r.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::from(2)
    })
}

fn solve(a: SolveArgs) -> anyhow::Result<ExitCode> {
    let input: Input = read_json(&a.input)?;
    let g = grouping::solve(
        &input,
        &Options {
            seed: a.seed,
            exact_limit: a.exact_limit,
        },
    )
    .map_err(|e| anyhow::anyhow!("{}: {e}", a.input.display()))?;
    if let Some(out) = &a.out {
        std::fs::write(out, serde_json::to_string_pretty(&g)? + "\n")
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&g)?),
        Format::Text => print!("{}", text(&input, &g)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The grouping as people read it.
pub fn text(input: &Input, g: &Grouping) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# {} · {} · {}",
        input.block,
        input.focus,
        input.strategy.label()
    );
    let name = |id: &str| {
        input
            .students
            .iter()
            .find(|x| x.id == id)
            .map_or(id.to_owned(), |x| x.name.clone())
    };
    for grp in &g.groups {
        let _ = writeln!(s, "\n## {} — {} students", grp.name, grp.students.len());
        let _ = writeln!(s, "{}", grp.why);
        let names: Vec<String> = grp.students.iter().map(|x| name(x)).collect();
        let _ = writeln!(s, "{}", names.join(", "));
    }
    let _ = writeln!(s, "\n## Why each student is where they are");
    for p in &g.placements {
        let _ = writeln!(s, "- {}", p.why);
    }
    if !g.flags.is_empty() {
        let _ = writeln!(s, "\n## For the team's review");
        for f in &g.flags {
            let _ = writeln!(s, "- {}", f.message);
        }
    }
    let v = grouping::check(input, g);
    let _ = writeln!(s, "\n## Check");
    s.push_str(&verdict_text(&v));
    if let Some(r) = &g.report {
        let _ = writeln!(
            s,
            "Method: {}, objective {} ({} hard){}.",
            r.method,
            r.objective,
            r.hard,
            r.exact_objective.map_or(String::new(), |x| format!(
                "; heuristic {} vs exact {x}",
                r.heuristic_objective
            ))
        );
    }
    s
}

fn verdict_text(v: &grouping::Verdict) -> String {
    let mut s = String::new();
    if v.violations.is_empty() {
        let _ = writeln!(s, "Every hard rule holds.");
    } else {
        let _ = writeln!(s, "{} hard violations:", v.violations.len());
        for x in &v.violations {
            let _ = writeln!(s, "- {}: {}", x.rule.label(), x.message);
        }
    }
    let _ = writeln!(s, "Objective {} (soft {:?}).", v.objective, v.soft);
    s
}

fn check(a: CheckArgs) -> anyhow::Result<ExitCode> {
    let input: Input = read_json(&a.input)?;
    input
        .validate()
        .map_err(|e| anyhow::anyhow!("{}: {e}", a.input.display()))?;
    let g: Grouping = read_json(&a.groups)?;
    let v = grouping::check(&input, &g);
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

#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(subcommand)]
    command: ImportCommand,
    #[command(flatten)]
    db: crate::DbArgs,
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Formative assessment results (CSV: student_id, skill, date, score and/or
    /// mastery_level, source). A bad row names the file, line and field; nothing is imported.
    Assessments { file: PathBuf },
    /// A OneRoster 1.2 CSV bundle (a zip, or a folder with manifest.csv): orgs, academic
    /// sessions, users and roles, classes, enrollments, demographics. All or nothing: a bundle
    /// with any bad row is refused with every problem (file, line, column) and writes nothing.
    /// Importing it again changes nothing; a delta bundle applies its changes.
    Oneroster {
        bundle: PathBuf,
        /// Print what would change, per kind (new, changed, removed), and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn import(a: ImportArgs) -> anyhow::Result<()> {
    match a.command {
        ImportCommand::Oneroster { bundle, dry_run } => {
            crate::oneroster::import(&bundle, &a.db, dry_run).await
        }
        ImportCommand::Assessments { file } => {
            let data =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let name = file.display().to_string();
            let rows = grouping::assessments::read(&name, &data)?;
            let store = a.db.connect().await?;
            let rows: Vec<ensemble_store::NewAssessment> = rows
                .into_iter()
                .map(|r| ensemble_store::NewAssessment {
                    line: r.line,
                    mastery: r.mastery(),
                    score_hundredths: r.score_hundredths(),
                    student: r.student,
                    skill: r.skill,
                    date: r.date,
                    mastery_level: r.mastery_level,
                    source: r.source,
                })
                .collect();
            let entry = ensemble_store::Actor::command_line("ensemble import assessments")
                .entry(ensemble_store::actions::ASSESSMENTS_IMPORT, "file", None)
                .detail(format!("{} results from {name}", rows.len()));
            let n = store.import_assessments(&name, &rows, Some(&entry)).await?;
            println!("Imported {n} assessment results from {name}.");
            Ok(())
        }
    }
}
