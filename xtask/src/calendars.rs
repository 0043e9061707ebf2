//! `cargo xtask calendars`: every calendar feed of the demo school (each educator's, each
//! team's, each student's), checked by an independent parser — the `icalendar` package from
//! PyPI, installed in `target/icalendar` — with `py/check_ics.py`: each parses without error,
//! follows RFC 5545's line rules, has its time zone and, for a student, names no other student.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The icalendar release the check is written against.
const ICALENDAR: &str = "icalendar==7.3.2";

/// Writes the demo with the release binary, exports every calendar of its schools and checks
/// them.
pub fn calendars(root: &Path) -> Result<()> {
    let py = crate::fuzz::venv(root, "icalendar", ICALENDAR)?.join("bin/python");
    let bin = root.join("target/release/ensemble");
    let (dir, db, url) = demo_database(root)?;
    for school in ["1", "2"] {
        let out = dir.join(format!("calendars-{school}"));
        crate::run(
            Command::new(&bin)
                .args([
                    "calendar",
                    "export",
                    "--all",
                    school,
                    "--database",
                    &url,
                    "--out",
                ])
                .arg(&out),
        )?;
        crate::run(
            Command::new(&py)
                .arg(root.join("xtask/py/check_ics.py"))
                .arg(&out)
                .arg(&db),
        )?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The demo school written by the release binary into a fresh SQLite file: (its directory,
/// the file, its URL).
pub fn demo_database(root: &Path) -> Result<(PathBuf, PathBuf, String)> {
    let bin = root.join("target/release/ensemble");
    let dir = tempfile_dir()?;
    let db = dir.join("ensemble.db");
    let url = format!("sqlite://{}", db.display());
    let port = crate::free_port()?;
    let mut server = Command::new(&bin)
        .args([
            "serve",
            "--demo",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--database",
            &url,
        ])
        .env("ENSEMBLE_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .context("starting the demo")?;
    let ready = crate::wait_for_port(port);
    let _ = server.kill();
    let _ = server.wait();
    ready?;
    Ok((dir, db, url))
}

/// `cargo xtask bench-schedule`: the demo's input document from its database, then the
/// schedule benchmark (`crates/schedule/examples/bench.rs`) on it and on a generated high
/// school; the table goes to `bench/results/`.
pub fn bench_schedule(root: &Path) -> Result<()> {
    crate::run(Command::new("cargo").args(["build", "--release", "-p", "ensemble-cli"]))?;
    let (dir, _, url) = demo_database(root)?;
    let demo = dir.join("demo-week.json");
    // Exit status 0: the week meets every rule.
    crate::run(
        Command::new(root.join("target/release/ensemble"))
            .args([
                "schedule",
                "build",
                "--school",
                "1",
                "--database",
                &url,
                "--out",
            ])
            .arg(&demo),
    )?;
    let out = Command::new("cargo")
        .args([
            "run",
            "--release",
            "-q",
            "-p",
            "ensemble-schedule",
            "--example",
            "bench",
            "--",
        ])
        .arg(&demo)
        .stderr(Stdio::inherit())
        .output()
        .context("running the schedule benchmark")?;
    anyhow::ensure!(out.status.success(), "the schedule benchmark failed");
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{table}");
    let results = root.join("bench/results/2026-12-01-schedule.md");
    std::fs::write(
        &results,
        format!(
            "# Team schedules: build and absence re-planning\n\n`cargo xtask bench-schedule` (2 cores). Targets (issue 14): every hard rule met; build ≤ 10 s for the demo and ≤ 60 s for 2,000 students; re-plan median ≤ 1 s; against the substitute-only baseline, at most half the students with an unfamiliar adult and at most half the substitute hours.\n\n{table}"
        ),
    )?;
    eprintln!("wrote {}", results.display());
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("ensemble-calendars-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
