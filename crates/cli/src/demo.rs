//! `ensemble demo`: writes a generated district, and the demo school behind `serve --demo`.

use crate::DbArgs;
use anyhow::Context;
use clap::Args;
use ensemble_store::Store;
use indicatif::{ProgressBar, ProgressStyle};
use std::time::Instant;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Number of schools.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    schools: u32,
    /// Number of students across all schools.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    students: u32,
    /// Seed: the same seed writes the same district.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    #[command(flatten)]
    db: DbArgs,
}

pub async fn run(a: DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let ds = ensemble_demo::district(
        usize::try_from(a.schools)?,
        usize::try_from(a.students)?,
        a.seed,
    );
    let generated = started.elapsed();
    let store = a.db.connect().await?;
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
    store
        .import(&ds, None, &progress)
        .await
        .context("writing the district")?;
    bar.finish_and_clear();
    println!(
        "Wrote {} schools, {} educators, {} students, {} teams in {:.1} s (generated in {:.1} s).",
        ds.schools.len(),
        ds.educators.len(),
        ds.students.len(),
        ds.teams.len(),
        started.elapsed().as_secs_f64(),
        generated.as_secs_f64()
    );
    Ok(())
}

/// The seed of the demo school behind `serve --demo`.
pub const DEMO_SEED: u64 = 2026;

/// Writes the demo's weeks of formative data and students' choices.
pub async fn import_formative(
    store: &Store,
    ds: &ensemble_domain::dataset::Dataset,
) -> anyhow::Result<()> {
    let f = ensemble_demo::formative(ds, DEMO_SEED);
    store
        .import_results("demo formative data", &f.results)
        .await
        .context("writing the demo's formative data")?;
    store
        .import_choices(&f.choices)
        .await
        .context("writing the demo students' choices")?;
    Ok(())
}

/// Writes the demo's micro-credential catalog and what its educators did with it: credentials
/// earned (signed with the district's new key), one returned, some waiting for review; and
/// where its educators stood on the teaching ladder in the past three school years; and its
/// core teams' goals.
pub async fn import_credentials(
    store: &Store,
    ds: &ensemble_domain::dataset::Dataset,
) -> anyhow::Result<()> {
    let Some(district) = ds.districts.first() else {
        return Ok(());
    };
    store
        .write_credential_story(
            district.sourced_id.as_str(),
            &ensemble_demo::credential_story(ds),
        )
        .await
        .context("writing the demo's micro-credentials")?;
    let year = ensemble_store::school_year(ensemble_store::now_ms());
    store
        .record_history(&ensemble_demo::pathway_history(ds, year))
        .await
        .context("writing where the demo's educators stood in past years")?;
    store
        .write_team_goals(&ensemble_demo::team_goals(ds))
        .await
        .context("writing the demo teams' goals")
}

/// Writes the demo school into an empty database and prints its accounts.
pub async fn ensure_demo_school(store: &Store) -> anyhow::Result<()> {
    let (ds, logins) = ensemble_demo::demo_school(DEMO_SEED);
    if store.is_empty().await? {
        // One hash for all demo accounts: they share the demo password by design.
        let hash = ensemble_server::hash_password(ensemble_demo::DEMO_PASSWORD)
            .map_err(|e| anyhow::anyhow!("hashing the demo password: {e}"))?;
        store
            .import(&ds, Some(&hash), &|_, _, _| {})
            .await
            .context("writing the demo school")?;
        import_formative(store, &ds).await?;
        import_credentials(store, &ds).await?;
        crate::schedule::publish_demo_weeks(store).await?;
        let schools: Vec<String> = ds
            .schools
            .iter()
            .map(|sc| {
                let n = |count: usize| count;
                format!(
                    "{} ({} students, {} educators)",
                    sc.name,
                    n(ds.students
                        .iter()
                        .filter(|s| s.school == sc.sourced_id)
                        .count()),
                    n(ds.educators
                        .iter()
                        .filter(|e| e.school == sc.sourced_id)
                        .count())
                )
            })
            .collect();
        println!("Wrote the demo district: {}.", schools.join(" and "));
    } else {
        println!("The database already has data; the demo school was not written again.");
    }
    println!(
        "\nDemo accounts (password: {}):",
        ensemble_demo::DEMO_PASSWORD
    );
    for l in &logins {
        println!("  {:<30} {:<45} {}", l.role, l.email, l.sees);
    }
    println!(
        "  Every other educator of the demo signs in as first.last.NNN@{} (see their page).\n",
        ensemble_demo::DEMO_DOMAIN
    );
    Ok(())
}
