//! API fuzzing with schemathesis (from PyPI, installed in `target/schemathesis`): the release
//! server on the demo school, on SQLite and on PostgreSQL, fuzzed through its own OpenAPI
//! document with a school leader's token and every check schemathesis has — zero 5xx answers,
//! zero answers that break the documented schema, every status code and input limit the
//! server uses documented. Bounded in examples per operation, deterministic by seed.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The schemathesis release the fuzzing is written against.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// Examples per operation and phase.
const MAX_EXAMPLES: &str = "25";

/// The configuration schemathesis reads: no caches between runs, a rejected token fails the
/// run, and schema-valid input may be refused only with the statuses the document gives for
/// the state of the data (404 missing, 409 busy, 422 a rule of the model) — never 400.
const CONFIG: &str = r#"[cache]
enabled = false
[warnings]
fail-on = ["missing_auth"]
[checks]
positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
"#;

/// A Python virtual environment `target/NAME` with `package` (a pinned requirement) from
/// PyPI, made on first use; its directory.
pub(crate) fn venv(root: &Path, name: &str, package: &str) -> Result<PathBuf> {
    let venv = root.join("target").join(name);
    let marker = venv.join(package);
    if venv.join("bin/python").exists() && marker.exists() {
        return Ok(venv);
    }
    crate::run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    crate::run(Command::new(venv.join("bin/pip")).args([
        "install",
        "-q",
        "--disable-pip-version-check",
        package,
    ]))?;
    std::fs::write(&marker, "")?;
    Ok(venv)
}

/// The venv's `schemathesis`, installed on first use.
fn schemathesis(root: &Path) -> Result<PathBuf> {
    Ok(venv(root, "schemathesis", SCHEMATHESIS)?.join("bin/schemathesis"))
}

/// What one run found, read from schemathesis's NDJSON report.
#[derive(Debug, Default)]
pub struct Findings {
    pub requests: usize,
    pub statuses: BTreeMap<u16, usize>,
    /// Failed checks by name.
    pub failed: BTreeMap<String, usize>,
    pub passed_checks: usize,
}

fn read_report(dir: &Path) -> Result<Findings> {
    let mut f = Findings::default();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "ndjson") {
            continue;
        }
        for line in std::fs::read_to_string(&path)?.lines() {
            let ev: serde_json::Value = serde_json::from_str(line)?;
            let Some(rec) = ev.get("ScenarioFinished").map(|s| &s["recorder"]) else {
                continue;
            };
            if let Some(inter) = rec["interactions"].as_object() {
                for i in inter.values() {
                    if let Some(code) = i["response"]["status_code"].as_u64() {
                        f.requests += 1;
                        *f.statuses
                            .entry(u16::try_from(code).unwrap_or(0))
                            .or_default() += 1;
                    }
                }
            }
            if let Some(checks) = rec["checks"].as_object() {
                for list in checks.values() {
                    for c in list.as_array().into_iter().flatten() {
                        if c["status"] == "success" {
                            f.passed_checks += 1;
                        } else if c["status"] == "failure" {
                            *f.failed
                                .entry(c["name"].as_str().unwrap_or("?").to_owned())
                                .or_default() += 1;
                        }
                    }
                }
            }
        }
    }
    Ok(f)
}

/// Fuzzes the release server on the database at `url` (written with the demo first).
fn fuzz_one(root: &Path, st: &Path, label: &str, url: &str) -> Result<Findings> {
    let bin = root.join("target/release/ensemble");
    let port = crate::free_port()?;
    let dir = std::env::temp_dir().join(format!("ensemble-fuzz-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let _server = crate::Server(
        Command::new(&bin)
            .args([
                "serve",
                "--demo",
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--database",
                url,
            ])
            .env("ENSEMBLE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("server.log"))?)
            .spawn()
            .context("starting the server")?,
    );
    crate::wait_for_port(port)?;
    let out = Command::new(&bin)
        .args([
            "token",
            "create",
            "--email",
            "principal@demo.example",
            "--database",
            url,
        ])
        .output()?;
    if !out.status.success() {
        bail!("token: {}", String::from_utf8_lossy(&out.stderr));
    }
    let token = String::from_utf8(out.stdout)?.trim().to_owned();
    std::fs::write(dir.join("schemathesis.toml"), CONFIG)?;
    let report = dir.join("report");
    let started = Instant::now();
    let status = Command::new(st)
        .current_dir(&dir)
        .env("HYPOTHESIS_STORAGE_DIRECTORY", dir.join("hypothesis"))
        .args(["--config-file", "schemathesis.toml", "run"])
        .arg(format!("http://127.0.0.1:{port}/api/v1/openapi.json"))
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "all",
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            "1",
        ])
        .args([
            "--generation-database",
            "none",
            "--workers",
            "1",
            "--request-timeout",
            "30",
        ])
        .args(["--max-failures", "100", "--no-color", "--report", "ndjson"])
        .arg("--report-dir")
        .arg(&report)
        .status()
        .context("running schemathesis")?;
    let findings = read_report(&report)?;
    let server_errors: usize = findings
        .statuses
        .iter()
        .filter(|(s, _)| **s >= 500)
        .map(|(_, n)| n)
        .sum();
    println!(
        "API fuzzing on {label}: {} requests in {:.0?}, statuses {:?}; 5xx {server_errors}; schema breaks {}; failed checks {:?}; {} checks passed",
        findings.requests,
        started.elapsed(),
        findings.statuses,
        findings.failed.get("response_schema_conformance").copied().unwrap_or(0),
        findings.failed,
        findings.passed_checks
    );
    if !status.success() || server_errors > 0 || !findings.failed.is_empty() {
        bail!(
            "schemathesis found problems on {label} (report in {})",
            dir.display()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(findings)
}

/// Fuzzes the API on SQLite and on the PostgreSQL server at `pg_url` (a database of its own).
pub fn fuzz(root: &Path, pg_url: &str) -> Result<()> {
    let st = schemathesis(root)?;
    let dir = std::env::temp_dir().join(format!("ensemble-fuzz-db-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let sqlite = format!("sqlite://{}", dir.join("fuzz.db").display());
    let name = format!("fuzz_{}", std::process::id());
    crate::run(Command::new("psql").arg(pg_url).args([
        "-q",
        "-c",
        &format!("CREATE DATABASE {name}"),
    ]))?;
    let postgres = pg_url.replace("/postgres", &format!("/{name}"));
    let result = fuzz_one(root, &st, "SQLite", &sqlite)
        .and_then(|_| fuzz_one(root, &st, "PostgreSQL", &postgres));
    let _ = std::fs::remove_dir_all(&dir);
    result.map(|_| ())
}
