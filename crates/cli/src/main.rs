//! `ensemble`: serve the web application, write demo data, and manage accounts and API tokens.
//! A thin edge: parsing arguments and reporting errors; the work is in the library crates.

mod calendar;
mod credential;
mod demo;
mod grouping;
mod oneroster;
mod schedule;
mod serve;
mod staffing;
mod timetable;
mod token;
mod user;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Ensemble — team-based staffing for schools: core and extended teams of educators sharing
/// rosters, just-right roles, team schedules and protected student data.
#[derive(Parser, Debug)]
#[command(name = "ensemble", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web application and the JSON API.
    Serve(serve::ServeArgs),
    /// Write a generated district (schools, educators, students, teams) for trials and benchmarks.
    Demo(demo::DemoArgs),
    /// Manage API tokens.
    Token(token::TokenArgs),
    /// Manage accounts.
    User(user::UserArgs),
    /// Build school timetables (reads FET files).
    Timetable(timetable::TimetableArgs),
    /// Design core and extended teams with just-right roles; check plans; cost them (JSON files).
    Staffing(staffing::StaffingArgs),
    /// Group and regroup a team's students from formative data; check groupings (JSON files).
    Grouping(grouping::GroupingArgs),
    /// Build, check and publish a school's team schedule (from the database).
    Schedule(schedule::ScheduleArgs),
    /// Export calendars (RFC 5545) of the published schedule.
    Calendar(calendar::CalendarArgs),
    /// Import data into the database (OneRoster rosters, formative assessment results).
    Import(grouping::ImportArgs),
    /// Export what the database holds (a OneRoster 1.2 bundle).
    Export(ExportArgs),
    /// Verify Open Badges 3.0 credentials offline; export an educator's earned credentials.
    Credential(credential::CredentialArgs),
}

#[derive(Args, Debug)]
struct ExportArgs {
    #[command(subcommand)]
    command: ExportCommand,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Subcommand, Debug)]
enum ExportCommand {
    /// A OneRoster 1.2 CSV bundle (bulk): districts and schools, each school's terms, educators
    /// and students with their roles, each team as a class of its term (its educators as
    /// teachers, the lead primary; a core team's roster as students), and the classes and
    /// enrollments imported earlier.
    Oneroster {
        /// A folder, or a file ending in .zip.
        #[arg(long)]
        out: PathBuf,
        /// Include demographics.csv (protected student data).
        #[arg(long)]
        demographics: bool,
    },
}

/// Where the data lives.
#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Database URL: `sqlite://PATH` (the default, a file in the data directory) or
    /// `postgres://USER@HOST:PORT/DB`.
    #[arg(long, env = "ENSEMBLE_DATABASE_URL", global = true)]
    database: Option<String>,
    /// Directory for the default SQLite database.
    #[arg(long, env = "ENSEMBLE_DATA_DIR", default_value = "data", global = true)]
    data_dir: PathBuf,
}

impl DbArgs {
    /// The database URL, creating the data directory for the default SQLite file.
    pub fn url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database {
            return Ok(url.clone());
        }
        std::fs::create_dir_all(&self.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create the data directory {}: {e}",
                self.data_dir.display()
            )
        })?;
        Ok(format!(
            "sqlite://{}",
            self.data_dir.join("ensemble.db").display()
        ))
    }

    pub async fn connect(&self) -> anyhow::Result<ensemble_store::Store> {
        use anyhow::Context;
        let url = self.url()?;
        ensemble_store::Store::connect(&url)
            .await
            .with_context(|| format!("opening the database {}", redact(&url)))
    }
}

/// Reads a JSON file, naming the file, line and column of any error.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> anyhow::Result<T> {
    use anyhow::Context;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: line {}, column {}: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ENSEMBLE_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let command = match cli.command {
        Command::Timetable(a) => return timetable::run(a),
        Command::Staffing(a) => return staffing::run(a),
        Command::Grouping(a) => return grouping::run(a),
        Command::Schedule(a) => return schedule::run(a),
        Command::Credential(a) => match credential::run_offline(a) {
            Ok(code) => return code,
            Err(a) => Command::Credential(a),
        },
        other => other,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match command {
            Command::Serve(a) => serve::run(a).await,
            Command::Demo(a) => demo::run(a).await,
            Command::Token(a) => token::run(a).await,
            Command::User(a) => user::run(a).await,
            Command::Import(a) => grouping::import(a).await,
            Command::Export(a) => match a.command {
                ExportCommand::Oneroster { out, demographics } => {
                    oneroster::export(&a.db, &out, demographics).await
                }
            },
            Command::Calendar(a) => calendar::run(a).await,
            Command::Credential(a) => credential::run(a).await,
            Command::Timetable(_)
            | Command::Staffing(_)
            | Command::Grouping(_)
            | Command::Schedule(_) => Ok(()),
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn passwords_are_hidden_in_messages() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn help_lists_every_command() {
        let help = Cli::command().render_help().to_string();
        insta::assert_snapshot!(help);
    }
}

#[cfg(test)]
mod readme {
    /// The README's table of demo accounts must match what `serve --demo` prints.
    #[test]
    fn readme_lists_the_demo_accounts() {
        let readme = include_str!("../../../README.md");
        let (_, logins) = ensemble_demo::demo_school(crate::demo::DEMO_SEED);
        for l in logins {
            assert!(
                readme.contains(&format!("`{}`", l.email)),
                "README lacks {} ({})",
                l.email,
                l.role
            );
        }
        assert!(readme.contains(ensemble_demo::DEMO_PASSWORD));
    }
}
