//! FET's own example timetables (Debian's `fet-data`, installed by `cargo xtask test`) all
//! load, and what the reader counts agrees with a plain count of the file's elements.

use ensemble_timetable::read_fet;
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "/usr/share/doc/fet-data/examples";

/// The official examples, as issue 3 defines them.
fn official() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = ["FET-5-official", "FET-6-official"]
        .iter()
        .map(|d| Path::new(EXAMPLES).join(d))
        .collect();
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (install Debian's fet-data: cargo xtask test does)",
                dir.display()
            )
        });
        for e in entries.flatten() {
            let p = e.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
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
    out
}

/// Elements named `tag` between `<list>` and `</list>`, counted as text.
fn count_in(text: &str, list: &str, tag: &str) -> usize {
    let Some(start) = text.find(&format!("<{list}>")) else {
        return 0;
    };
    let end = text[start..]
        .find(&format!("</{list}>"))
        .map(|e| start + e)
        .unwrap_or(text.len());
    text[start..end].matches(&format!("<{tag}>")).count()
}

#[test]
fn every_official_example_loads_and_counts_agree() {
    let files = official();
    assert!(
        files.len() >= 130,
        "expected about 137 official examples, found {}",
        files.len()
    );
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let (inst, report) = read_fet(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert_eq!(
            inst.activities.len(),
            count_in(&text, "Activities_List", "Activity"),
            "{}",
            f.display()
        );
        assert_eq!(
            inst.teachers.len(),
            count_in(&text, "Teachers_List", "Teacher"),
            "{}",
            f.display()
        );
        assert_eq!(
            inst.rooms.len(),
            count_in(&text, "Rooms_List", "Room"),
            "{}",
            f.display()
        );
        assert_eq!(
            inst.days.len(),
            count_in(&text, "Days_List", "Day"),
            "{}",
            f.display()
        );
        let constraints = inst.time_constraints.len()
            + inst.space_constraints.len()
            + report.inactive_constraints;
        let written = count_in(&text, "Time_Constraints_List", "Weight_Percentage")
            + count_in(&text, "Space_Constraints_List", "Weight_Percentage");
        assert_eq!(constraints, written, "{}", f.display());
        assert!(
            inst.time_constraints
                .iter()
                .any(|c| c.kind == "ConstraintBasicCompulsoryTime"),
            "{}",
            f.display()
        );
    }
}

#[test]
fn truncated_examples_fail_with_a_line_not_a_panic() {
    let files = official();
    for f in files.iter().step_by(10) {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for frac in [3, 2] {
            let mut cut = text.len() / frac;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let e = read_fet(&text[..cut]).expect_err("a truncated file is refused");
            assert!(
                e.line >= 1 && e.line <= text[..cut].lines().count() + 1,
                "{}: {e}",
                f.display()
            );
        }
    }
}

#[test]
fn every_official_example_compiles_with_every_constraint_supported() {
    let files = official();
    let mut fully = 0;
    let mut missing = std::collections::BTreeMap::<String, usize>::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let (inst, _) = read_fet(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let (problem, unsupported) =
            ensemble_timetable::compile(&inst).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert_eq!(
            problem.acts.len(),
            inst.activities.iter().filter(|a| a.active).count()
        );
        if unsupported.hard() == 0 {
            fully += 1;
        }
        for k in unsupported.by_type.keys() {
            *missing.entry(k.clone()).or_default() += 1;
        }
    }
    eprintln!(
        "{fully}/{} files need no unsupported hard constraint; missing: {missing:?}",
        files.len()
    );
    // Every constraint type the official examples use is supported (virtual rooms too).
    assert_eq!(fully, files.len(), "{missing:?}");
    assert!(missing.is_empty(), "{missing:?}");
}
