//! `ensemble import oneroster` and `ensemble export oneroster`: OneRoster 1.2 CSV bundles in
//! and out of the database.

use anyhow::Context;
use ensemble_oneroster::read::Files;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use std::time::Instant;

/// Reads, checks and applies a bundle; with `dry_run`, prints what would change and writes
/// nothing.
pub async fn import(bundle: &Path, db: &crate::DbArgs, dry_run: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let store = db.connect().await?;
    let files = Files::open(bundle).map_err(|e| anyhow::anyhow!("{e}"))?;
    let known = store.oneroster_known().await?;
    let (_, plan) = ensemble_oneroster::load(&files, &|r, id| known.has(r, id))
        .map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:<22} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = |step: &str, done: u64, total: u64| {
        bar.set_message(step.to_owned());
        bar.set_length(total);
        bar.set_position(done);
    };
    let name = bundle.display().to_string();
    let entry = ensemble_store::Actor::command_line("ensemble import oneroster").entry(
        ensemble_store::actions::ONEROSTER_IMPORT,
        "import",
        None,
    );
    let sum = store
        .apply_oneroster(&plan, &name, &entry, dry_run, &progress)
        .await
        .context("applying the bundle")?;
    bar.finish_and_clear();
    print!("{}", table(&sum));
    if sum.proposals > 0 {
        println!(
            "{} core team{} proposed from co-teaching: a school leader confirms, merges or splits them on the school's Teams page.",
            sum.proposals,
            if sum.proposals == 1 { "" } else { "s" }
        );
    }
    for w in &sum.warnings {
        println!("note: {w}");
    }
    if dry_run {
        println!("Dry run: nothing was written.");
    } else {
        println!(
            "Imported {name} in {:.1} s: {}.",
            started.elapsed().as_secs_f64(),
            ensemble_store::describe_import(&sum)
        );
    }
    Ok(())
}

/// The tally as a table, one kind per line.
pub fn table(sum: &ensemble_store::ImportSummary) -> String {
    let mut out = format!(
        "{:<18} {:>8} {:>8} {:>8}\n",
        "", "new", "changed", "removed"
    );
    for (k, t) in &sum.kinds {
        out.push_str(&format!(
            "{k:<18} {:>8} {:>8} {:>8}\n",
            t.new, t.changed, t.removed
        ));
    }
    out
}

/// Writes what the database holds as a bundle: a folder, or a zip when `out` ends in `.zip`.
pub async fn export(db: &crate::DbArgs, out: &Path, demographics: bool) -> anyhow::Result<()> {
    let store = db.connect().await?;
    let plan = store.oneroster_plan().await?;
    let files = ensemble_oneroster::write::files(&ensemble_oneroster::write::Export {
        plan,
        demographics,
        system_name: "Ensemble".into(),
    })?;
    if out.extension().is_some_and(|e| e == "zip") {
        let bytes = ensemble_oneroster::write::zip(&files)?;
        std::fs::write(out, bytes).with_context(|| format!("cannot write {}", out.display()))?;
    } else {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        for (name, bytes) in &files {
            std::fs::write(out.join(name), bytes)
                .with_context(|| format!("cannot write {}", out.join(name).display()))?;
        }
    }
    println!(
        "Wrote {} ({} files{}).",
        out.display(),
        files.len(),
        if demographics {
            ", demographics included"
        } else {
            ""
        }
    );
    Ok(())
}
