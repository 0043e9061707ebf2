//! `ensemble import oneroster` and `ensemble export oneroster` end to end, on a SQLite file.

mod common;
use common::{ensemble, path};
use std::path::Path;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../oneroster/tests/data");

/// `ensemble import oneroster <bundle> [--dry-run] --database <db>`.
fn import(bundle: &str, dry_run: bool, db: &str) -> (i32, String, String) {
    let mut args = vec!["import", "oneroster", bundle];
    if dry_run {
        args.push("--dry-run");
    }
    args.extend(["--database", db]);
    ensemble(&args)
}

/// `ensemble export oneroster --out <out> [--demographics] --database <db>`.
fn export(out: &Path, demographics: bool, db: &str) -> (i32, String, String) {
    let mut args = vec!["export", "oneroster", "--out", path(out)];
    if demographics {
        args.push("--demographics");
    }
    args.extend(["--database", db]);
    ensemble(&args)
}

#[test]
fn import_dry_run_refusal_again_and_export() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("school.db").display());
    let bundle = format!("{DATA}/lincoln.zip");
    // A dry run prints the tally and writes nothing.
    let (code, text, err) = import(&bundle, true, &db);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("students                 68        0        0"),
        "{text}"
    );
    assert!(text.contains("Dry run: nothing was written."), "{text}");
    // One bad enrollment: refused, named, nothing written.
    let (code, _, err) = import(&format!("{DATA}/lincoln-bad-enrollment.zip"), false, &db);
    assert_ne!(code, 0);
    assert!(
        err.contains("enrollments.csv line")
            && err.contains("column userSourcedId (\"s-1O30\"): no user has this sourcedId"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    let (code, text, err) = import(&bundle, true, &db);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("students                 68"),
        "still nothing there: {text}"
    );
    // The import, then the same bundle again: nothing changes.
    let (code, text, err) = import(&bundle, false, &db);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("3 core teams proposed"), "{text}");
    let (code, text, err) = import(&bundle, false, &db);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains(": nothing changed."), "{text}");
    // The export reads back; demographics only when asked.
    let out = dir.path().join("export");
    let (code, text, err) = export(&out, false, &db);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("files"), "{text}");
    assert!(!out.join("demographics.csv").exists());
    let (code, _, err) = export(&dir.path().join("x.zip"), true, &db);
    assert_eq!(code, 0, "{err}");
    let again = format!("sqlite://{}", dir.path().join("again.db").display());
    let (code, text, err) = import(path(&dir.path().join("x.zip")), false, &again);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("students 68 new") && text.contains("demographics 48 new"),
        "{text}"
    );
    // A path that is no bundle.
    let (code, _, err) = import(&format!("{DATA}/lincoln/users.csv"), false, &db);
    assert_ne!(code, 0);
    assert!(err.contains("neither a folder nor a zip file"), "{err}");
}
