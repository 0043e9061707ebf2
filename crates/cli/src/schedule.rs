//! `ensemble schedule build|check|publish`: a school's week from the database, built by the
//! timetable engine, judged by the independent checker, published. The document's format is
//! in `docs/schedule.md`.
//!
//! Exit status: 0 valid (built, checked or published), 1 rules broken or no schedule possible,
//! 2 bad input (a file that cannot be read, a school that does not exist).

use crate::{read_json, DbArgs};
use anyhow::Context;
use clap::{Args, Subcommand};
use ensemble_domain::access::command_line_schedule;
use ensemble_domain::{SchoolId, TermId};
use ensemble_schedule::build::{BuildError, Options};
use ensemble_schedule::check::{check, Finding};
use ensemble_schedule::Doc;
use ensemble_server::schedules;
use ensemble_store::{actions, Actor, Store};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    command: ScheduleCommand,
}

#[derive(Subcommand, Debug)]
enum ScheduleCommand {
    /// Build a school's week (saved as a draft) and check it.
    Build(BuildArgs),
    /// Check a schedule document; with a database, against the school's data there.
    Check(FileArgs),
    /// Check a schedule document against the database and publish it.
    Publish(FileArgs),
    /// Record an educator's absence and re-plan their day inside the team, beside a
    /// substitute-only baseline.
    Absence(AbsenceArgs),
}

#[derive(Args, Debug)]
struct AbsenceArgs {
    /// The absent educator's email.
    #[arg(long)]
    educator: String,
    /// The date, YYYY-MM-DD.
    #[arg(long)]
    date: String,
    /// Only these periods (numbers from 1 in the school's grid, or names), comma-separated;
    /// the whole day without it.
    #[arg(long, value_delimiter = ',')]
    periods: Vec<String>,
    /// Planned ahead (professional learning, leave), not a same-day absence.
    #[arg(long)]
    planned: bool,
    /// The reason's category: illness, family, professional_learning, personal, other.
    #[arg(long, default_value = "other")]
    reason: String,
    /// Approve the re-plan at once (as a school leader would).
    #[arg(long)]
    approve: bool,
    /// Also write the re-plan as JSON here.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Args, Debug)]
struct BuildArgs {
    /// The school's id.
    #[arg(long)]
    school: i64,
    /// The term's id (the school's current term by default).
    #[arg(long)]
    term: Option<i64>,
    /// Seconds the engine may search.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
    time_limit: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also write the schedule document here.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Args, Debug)]
struct FileArgs {
    schedule: PathBuf,
    #[command(flatten)]
    db: DbArgs,
}

/// A failure and the exit status it gives.
struct Failed(u8, anyhow::Error);

impl<E: Into<anyhow::Error>> From<E> for Failed {
    fn from(e: E) -> Self {
        Self(2, e.into())
    }
}

pub fn run(a: ScheduleArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let r = runtime.block_on(async {
        match a.command {
            ScheduleCommand::Build(b) => build(b).await,
            ScheduleCommand::Check(c) => check_file(c).await,
            ScheduleCommand::Publish(p) => publish(p).await,
            ScheduleCommand::Absence(x) => absence(x).await,
        }
    });
    match r {
        Ok(code) => code,
        Err(Failed(code, e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(code)
        }
    }
}

fn print_findings(findings: &[Finding]) {
    for f in findings {
        println!("  ✗ {}", f.message);
    }
}

async fn build(a: BuildArgs) -> Result<ExitCode, Failed> {
    let store = a.db.connect().await?;
    let school = SchoolId(a.school);
    if store.school(school).await?.is_none() {
        return Err(Failed(2, anyhow::anyhow!("no school with id {}", a.school)));
    }
    let grant = command_line_schedule(school);
    let actor = Actor::command_line("ensemble schedule build");
    let read = actor
        .entry(actions::SCHEDULE_READ, "school", Some(school.0))
        .detail("rosters and services for a schedule");
    let Some(doc) = schedules::input_doc(&store, &grant, a.term.map(TermId), &read).await? else {
        return Err(Failed(
            2,
            anyhow::anyhow!("the school has no time grid, or no such term"),
        ));
    };
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar.set_message(format!("Building the week of {}…", doc.school.name));
    let shown = bar.clone();
    let opts = Options {
        seed: a.seed,
        time_limit: Duration::from_secs(a.time_limit),
        threads: 2,
    };
    let draft = schedules::build_draft(doc, opts, move |p| {
        shown.set_message(format!(
            "Building… {:.1} s, {} rules still broken{}",
            p.elapsed.as_secs_f64(),
            p.hard,
            if p.feasible { ", polishing" } else { "" }
        ));
    })
    .await;
    bar.finish_and_clear();
    let draft = match draft {
        Ok(d) => d,
        Err(BuildError::Infeasible(why)) => {
            println!("No schedule meets every rule:");
            for w in why {
                println!("  ✗ {w}");
            }
            return Ok(ExitCode::from(1));
        }
        Err(e @ BuildError::Input(_)) => return Err(Failed(2, e.into())),
    };
    let entry = actor
        .entry(actions::SCHEDULE_BUILD, "schedule", None)
        .school(school);
    let id = schedules::save_draft(&store, &grant, &draft, &entry).await?;
    if let Some(out) = &a.out {
        std::fs::write(out, serde_json::to_string_pretty(&draft.built.doc)? + "\n")
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    let doc = &draft.built.doc;
    println!(
        "Draft schedule {id} for {} ({}): {} sessions for {} teams, built in {:.1} s.",
        doc.school.name,
        doc.term.name,
        doc.sessions.len(),
        doc.teams.len(),
        draft.built.elapsed.as_secs_f64()
    );
    for n in &draft.built.notes {
        println!("  · {n}");
    }
    if draft.findings.is_empty() {
        println!("The checker finds every rule met.");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("The checker finds {} broken rules:", draft.findings.len());
        print_findings(&draft.findings);
        Ok(ExitCode::from(1))
    }
}

/// The file's week on the database's facts: its sessions are kept, everything they are
/// judged by (grid, teams, rosters, services, availability, spaces) comes from the database.
async fn against_database(store: &Store, mut doc: Doc, what: &str) -> Result<Doc, Failed> {
    let school = SchoolId(doc.school.id);
    if store.school(school).await?.is_none() {
        return Err(Failed(
            2,
            anyhow::anyhow!("the file's school {} is not in the database", doc.school.id),
        ));
    }
    let grant = command_line_schedule(school);
    let read = Actor::command_line(what)
        .entry(actions::SCHEDULE_READ, "school", Some(school.0))
        .detail("rosters and services to check a schedule");
    let Some(truth) = schedules::input_doc(store, &grant, Some(TermId(doc.term.id)), &read).await?
    else {
        return Err(Failed(
            2,
            anyhow::anyhow!("the file's term {} is not the school's", doc.term.id),
        ));
    };
    let sessions = std::mem::take(&mut doc.sessions);
    doc = truth;
    doc.sessions = sessions;
    Ok(doc)
}

async fn check_file(a: FileArgs) -> Result<ExitCode, Failed> {
    let mut doc: Doc = read_json(&a.schedule).map_err(|e| Failed(2, e))?;
    if a.db.database.is_some() || std::env::var_os("ENSEMBLE_DATABASE_URL").is_some() {
        let store = a.db.connect().await?;
        doc = against_database(&store, doc, "ensemble schedule check").await?;
    }
    let findings = check(&doc);
    if findings.is_empty() {
        println!(
            "{}: every rule is met ({} sessions).",
            a.schedule.display(),
            doc.sessions.len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{}: {} broken rules:", a.schedule.display(), findings.len());
        print_findings(&findings);
        Ok(ExitCode::from(1))
    }
}

async fn publish(a: FileArgs) -> Result<ExitCode, Failed> {
    let doc: Doc = read_json(&a.schedule).map_err(|e| Failed(2, e))?;
    let store = a.db.connect().await?;
    let doc = against_database(&store, doc, "ensemble schedule publish").await?;
    let findings = check(&doc);
    if !findings.is_empty() {
        println!("Not published: {} broken rules:", findings.len());
        print_findings(&findings);
        return Ok(ExitCode::from(1));
    }
    let school = SchoolId(doc.school.id);
    let actor = Actor::command_line("ensemble schedule publish");
    let draft = schedules::Draft {
        built: ensemble_schedule::build::Built {
            doc,
            soft: 0.0,
            elapsed: Duration::ZERO,
            notes: Vec::new(),
        },
        findings: Vec::new(),
    };
    let id = save_and_publish(&store, school, &draft, &actor).await?;
    println!(
        "Published schedule {id} for {} ({}).",
        draft.built.doc.school.name, draft.built.doc.term.name
    );
    Ok(ExitCode::SUCCESS)
}

/// Saves a week that meets every rule and publishes it, audited as `actor`; its id.
async fn save_and_publish(
    store: &Store,
    school: SchoolId,
    draft: &schedules::Draft,
    actor: &Actor,
) -> anyhow::Result<i64> {
    let grant = command_line_schedule(school);
    let id = schedules::save_draft(
        store,
        &grant,
        draft,
        &actor
            .entry(actions::SCHEDULE_BUILD, "schedule", None)
            .school(school),
    )
    .await?;
    store
        .publish_schedule(
            &grant,
            id,
            &actor
                .entry(actions::SCHEDULE_PUBLISH, "schedule", Some(id))
                .school(school),
        )
        .await?;
    Ok(id)
}

/// Builds and publishes the current term's week of every school that has none (the demo).
pub async fn publish_demo_weeks(store: &Store) -> anyhow::Result<()> {
    for school in store.schools().await? {
        if store.published_schedule(school.id, None).await?.is_some() {
            continue;
        }
        let grant = command_line_schedule(school.id);
        let actor = Actor::command_line("ensemble serve --demo");
        let read = actor
            .entry(actions::SCHEDULE_READ, "school", Some(school.id.0))
            .detail("rosters and services for the demo's schedule");
        let Some(doc) = schedules::input_doc(store, &grant, None, &read).await? else {
            continue;
        };
        let opts = Options {
            seed: 1,
            time_limit: Duration::from_secs(20),
            threads: 2,
        };
        let draft = schedules::build_draft(doc, opts, |_| {})
            .await
            .map_err(|e| anyhow::anyhow!("the demo's schedule of {}: {e}", school.name))?;
        if !draft.findings.is_empty() {
            anyhow::bail!(
                "the demo's schedule of {} breaks {} rules: {}",
                school.name,
                draft.findings.len(),
                draft.findings[0].message
            );
        }
        save_and_publish(store, school.id, &draft, &actor).await?;
        demo_absences(store, school.id, &draft.built.doc, &actor).await?;
    }
    Ok(())
}

/// Two absences of the demo's week, with their approved re-plans: a core-team member away for
/// professional learning (planned, the whole day) and a specials teacher out sick (unplanned),
/// late in the term.
async fn demo_absences(
    store: &Store,
    school: SchoolId,
    doc: &Doc,
    actor: &Actor,
) -> anyhow::Result<()> {
    use ensemble_domain::school::{date_of_days, days_since_epoch, weekday_of};
    use ensemble_domain::{EducatorId, TeamKind};
    let Ok(end) = days_since_epoch("end", &doc.term.end_date) else {
        return Ok(());
    };
    // School days counted back from the term's end.
    let school_days: Vec<String> = (1..40)
        .map(|k| date_of_days(end - k))
        .filter(|d| weekday_of("date", d).is_ok_and(|w| doc.grid.days.contains(&w)))
        .collect();
    let core = doc.teams.iter().find(|t| t.kind == TeamKind::Core);
    let specials = doc.teams.iter().find(|t| t.kind == TeamKind::Specials);
    let planned = core.and_then(|t| {
        t.member_ids
            .iter()
            .find(|m| !t.lead_ids.contains(m))
            .copied()
    });
    let sick = specials.and_then(|t| t.member_ids.first().copied());
    for (who, date, planned_ahead, reason) in [
        (planned, school_days.get(6), true, "professional_learning"),
        (sick, school_days.get(8), false, "illness"),
    ] {
        let (Some(who), Some(date)) = (who, date) else {
            continue;
        };
        let req = schedules::NewAbsence {
            educator: EducatorId(who),
            date: date.clone(),
            periods: None,
            planned: planned_ahead,
            reason: reason.into(),
        };
        let entry = actor
            .entry(actions::ABSENCE_RECORD, "absence", None)
            .school(school);
        match schedules::record_absence(store, school, &req, &entry).await? {
            Ok(r) if r.findings.is_empty() => {
                store
                    .approve_absence(
                        school,
                        r.id,
                        &actor
                            .entry(actions::ABSENCE_APPROVE, "absence", Some(r.id))
                            .school(school),
                    )
                    .await?;
            }
            Ok(r) => anyhow::bail!(
                "the demo's absence on {date} breaks {} rules: {}",
                r.findings.len(),
                r.findings[0].message
            ),
            Err(why) => anyhow::bail!("the demo's absence on {date}: {why}"),
        }
    }
    Ok(())
}

async fn absence(a: AbsenceArgs) -> Result<ExitCode, Failed> {
    let store = a.db.connect().await?;
    let Some((educator, school)) = store.educator_by_email(&a.educator).await? else {
        return Err(Failed(
            2,
            anyhow::anyhow!("no educator with the email {}", a.educator),
        ));
    };
    let grid = store
        .grid(school)
        .await?
        .ok_or_else(|| Failed(2, anyhow::anyhow!("the school has no time grid")))?;
    let periods = if a.periods.is_empty() {
        None
    } else {
        let mut out = Vec::new();
        for p in &a.periods {
            let p = p.trim();
            let found = match p.parse::<usize>() {
                Ok(n) if n >= 1 && n <= grid.periods().len() => Some(n - 1),
                _ => grid
                    .periods()
                    .iter()
                    .position(|g| g.name.eq_ignore_ascii_case(p)),
            };
            match found {
                Some(i) => out.push(i),
                None => {
                    return Err(Failed(
                        2,
                        anyhow::anyhow!(
                            "--periods: \"{p}\" is not a period of the school (1 to {}, or a name such as \"{}\")",
                            grid.periods().len(),
                            grid.periods().first().map_or("", |g| g.name.as_str())
                        ),
                    ))
                }
            }
        }
        Some(out)
    };
    let actor = Actor::command_line("ensemble schedule absence");
    let req = schedules::NewAbsence {
        educator,
        date: a.date.clone(),
        periods,
        planned: a.planned,
        reason: a.reason.clone(),
    };
    let entry = actor
        .entry(actions::ABSENCE_RECORD, "absence", None)
        .school(school);
    let rec = match schedules::record_absence(&store, school, &req, &entry).await? {
        Ok(r) => r,
        Err(why) => return Err(Failed(2, anyhow::anyhow!("{why}"))),
    };
    if a.approve && rec.findings.is_empty() {
        store
            .approve_absence(
                school,
                rec.id,
                &actor
                    .entry(actions::ABSENCE_APPROVE, "absence", Some(rec.id))
                    .school(school),
            )
            .await?;
    }
    if let Some(out) = &a.out {
        std::fs::write(out, serde_json::to_string_pretty(&rec.replan)? + "\n")
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    let r = &rec.replan;
    println!(
        "Absence {} recorded for {} ({}): {} sessions change{}.",
        rec.id,
        a.date,
        if a.planned { "planned" } else { "unplanned" },
        r.changes.len(),
        if a.approve && rec.findings.is_empty() {
            ", approved"
        } else {
            "; approve it on the absence page"
        }
    );
    for s in &r.steps {
        println!("  · {s}");
    }
    for l in &r.losses {
        println!("  ! {l}");
    }
    println!("{:<64} {:>8}   {:>8}", "", "re-plan", "substitute only");
    for (label, x, y) in r.replan.rows(&r.baseline) {
        println!("  {label:<62} {x:>8}   {y:>8}");
    }
    if rec.findings.is_empty() {
        println!("The checker finds every rule of the day met.");
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "The checker finds {} broken rules in the re-planned day:",
            rec.findings.len()
        );
        print_findings(&rec.findings);
        Ok(ExitCode::from(1))
    }
}
