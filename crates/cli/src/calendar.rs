//! `ensemble calendar export`: one educator's, one team's or one student's calendar (RFC 5545)
//! from the school's published schedule with its approved re-plans, to a file.

use crate::DbArgs;
use anyhow::Context;
use clap::{Args, Subcommand};
use ensemble_domain::{EducatorId, SchoolId, TeamId};
use ensemble_schedule::ical::Subject;
use ensemble_server::schedules::calendar::feed_text;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct CalendarArgs {
    #[command(subcommand)]
    command: CalendarCommand,
}

#[derive(Subcommand, Debug)]
enum CalendarCommand {
    /// Write a calendar file (.ics).
    Export(ExportArgs),
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("whose").required(true).args(["educator", "team", "student", "all"])))]
struct ExportArgs {
    /// An educator's email: their week.
    #[arg(long)]
    educator: Option<String>,
    /// A team's id: its week.
    #[arg(long)]
    team: Option<i64>,
    /// A student's id: their own sessions, for their family.
    #[arg(long)]
    student: Option<i64>,
    /// Every educator's, team's and student's calendar of a school (its id), one file each.
    #[arg(long, requires = "out")]
    all: Option<i64>,
    /// The file to write (a directory with `--all`).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    db: DbArgs,
}

pub async fn run(a: CalendarArgs) -> anyhow::Result<()> {
    let CalendarCommand::Export(a) = a.command;
    let store = a.db.connect().await?;
    if let Some(school) = a.all {
        return all(&store, SchoolId(school), &a.out).await;
    }
    let (school, subject, title): (SchoolId, Subject, String) = if let Some(email) = &a.educator {
        let (e, school) = store
            .educator_by_email(email)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no educator with the email {email}"))?;
        let d = store
            .educator(EducatorId(e.0))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no educator with the email {email}"))?;
        (
            school,
            Subject::Educator(e.0),
            format!("{} {}'s week", d.given_name, d.family_name),
        )
    } else if let Some(t) = a.team {
        let team = store
            .team(TeamId(t))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no team with id {t}"))?;
        (
            team.team.school,
            Subject::Team(t),
            format!("{}'s week", team.team.name),
        )
    } else {
        let s = a.student.unwrap_or_default();
        let school = store
            .student_school(ensemble_domain::StudentId(s))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no student with id {s}"))?;
        (school, Subject::Student(s), "School week".to_owned())
    };
    let text = feed_text(&store, school, subject, &title)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the school has no published schedule this term"))?;
    std::fs::write(&a.out, &text).with_context(|| format!("cannot write {}", a.out.display()))?;
    println!(
        "Wrote {} ({} events).",
        a.out.display(),
        text.matches("BEGIN:VEVENT").count()
    );
    Ok(())
}

/// Every calendar of a school into `dir`: `educator-ID.ics`, `team-ID.ics`, `student-ID.ics`.
async fn all(
    store: &ensemble_store::Store,
    school: SchoolId,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let published = ensemble_server::schedules::calendar::published(store, school)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the school has no published schedule this term"))?;
    let doc = &published.doc;
    let mut subjects: Vec<(String, Subject, String)> = Vec::new();
    for e in &doc.educators {
        subjects.push((
            format!("educator-{}", e.id),
            Subject::Educator(e.id),
            format!("{}'s week", e.name),
        ));
    }
    for t in &doc.teams {
        subjects.push((
            format!("team-{}", t.id),
            Subject::Team(t.id),
            format!("{}'s week", t.name),
        ));
    }
    let students: std::collections::BTreeSet<i64> = doc
        .teams
        .iter()
        .flat_map(|t| t.student_ids.iter().copied())
        .collect();
    for s in students {
        subjects.push((
            format!("student-{s}"),
            Subject::Student(s),
            "School week".into(),
        ));
    }
    let bar = indicatif::ProgressBar::new(u64::try_from(subjects.len()).unwrap_or(0));
    for (file, subject, title) in &subjects {
        let text = published.calendar(*subject, title)?;
        let path = dir.join(format!("{file}.ics"));
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!("Wrote {} calendars to {}.", subjects.len(), dir.display());
    Ok(())
}
