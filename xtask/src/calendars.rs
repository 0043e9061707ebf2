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

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("ensemble-calendars-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
