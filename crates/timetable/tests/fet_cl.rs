//! fet-cl, FET's own command-line generator, confirms Ensemble's timetables: each example is
//! solved, written back with every activity locked (as FET writes `*_data_and_timetable.fet`)
//! and handed to fet-cl, which generates at once only when the locked timetable respects
//! every constraint. `cargo xtask test` installs Debian's `fet` and `fet-data`.

use ensemble_timetable::solver::{solve, Options};
use ensemble_timetable::{compile, fet_out, read_fet, verify};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const EXAMPLES: &str = "/usr/share/doc/fet-data/examples";

/// Examples that Ensemble solves in about a second. Three of them carry many soft
/// constraints of high weight (95 %): fet-cl checks such a constraint on a locked activity 95
/// times in 100, so it confirms only timetables that break few of them — the soft phase must
/// have done its work.
const FILES: &[&str] = &[
    "FET-5-official/United-Kingdom/Hopwood/Hopwood.fet",
    "FET-5-official/anonymous/1/2007/anonymous-1-2007.fet",
    "FET-5-official/Saudi-Arabia/Arabic_Saudi_1.fet",
    "FET-5-official/Sudan/Khartoum-2010-02-13.fet",
    "FET-5-official/Vietnam/2-secondary-school/VietNamHungYen.fet",
    // Virtual rooms: the real rooms Ensemble picks are locked too, and fet-cl checks them.
    "FET-5-official/Spain/4-secondary-and-vocational-school/SPAIN_20-21-locked.fet",
];

fn find(rel: &str) -> std::path::PathBuf {
    let p = Path::new(EXAMPLES).join(rel);
    if p.exists() {
        return p;
    }
    // Fall back to a search by file name (folder layouts differ between fet-data versions).
    let name = Path::new(rel)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    let out = Command::new("find")
        .args([EXAMPLES, "-name", name])
        .output()
        .expect("find runs");
    let found = String::from_utf8_lossy(&out.stdout);
    let first = found
        .lines()
        .find(|l| !l.contains("/older/") && !l.contains("/old/"))
        .unwrap_or_else(|| panic!("{name} not found under {EXAMPLES}: install fet-data"));
    first.into()
}

#[test]
fn fet_cl_accepts_ensembles_timetables() {
    let dir = tempfile::tempdir().expect("temp dir");
    for rel in FILES {
        let path = find(rel);
        let text = std::fs::read_to_string(&path).expect("example readable");
        let (inst, _) = read_fet(&text).expect("example loads");
        let (problem, unsupported) = compile(&inst).expect("example compiles");
        assert_eq!(unsupported.hard(), 0, "{rel}: {}", unsupported.describe());
        let opts = Options {
            seed: 7,
            time_limit: Duration::from_secs(60),
            ..Options::default()
        };
        let outcome = solve(&problem, &opts, &|_| {}).expect("solvable");
        let verdict = verify::verify(&problem, &outcome.placement).expect("well-formed");
        assert_eq!(verdict.hard, 0, "{rel}: {:?}", verdict.violations);
        assert_eq!(outcome.hard, 0, "{rel}");

        let locked = dir.path().join("locked.fet");
        std::fs::write(
            &locked,
            fet_out::write_locked(&text, &inst, &problem, &outcome.placement),
        )
        .expect("write");
        // The written file still reads, and pins every activity where the solver put it.
        let (again, _) = read_fet(&std::fs::read_to_string(&locked).expect("read back"))
            .expect("the locked file loads");
        let locks = again
            .time_constraints
            .iter()
            .filter(|c| c.kind == "ConstraintActivityPreferredStartingTime" && c.weight == 100.0)
            .count();
        assert!(locks >= problem.acts.len(), "{rel}");

        let out = dir.path().join("fet-out");
        let run = Command::new("timeout")
            .args(["--kill-after=5", "120", "fet-cl"])
            .arg(format!("--inputfile={}", locked.display()))
            .arg(format!("--outputdir={}", out.display()))
            .arg("--timelimitseconds=60")
            .output()
            .expect("fet-cl runs (install Debian's fet: cargo xtask test does)");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(
            run.status.success() && text.contains("Simulation successful"),
            "{rel}: fet-cl refused Ensemble's timetable:\n{text}"
        );
    }
}
