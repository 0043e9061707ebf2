//! `ensemble serve`: the web application, optionally on a freshly written demo school.

use crate::DbArgs;
use anyhow::Context;
use clap::Args;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ENSEMBLE_ADDR", default_value = "127.0.0.1:8080")]
    addr: String,
    /// Fill an empty database with the demo school and print its accounts.
    #[arg(long)]
    demo: bool,
    /// Mark cookies Secure (when served over HTTPS, directly or behind a proxy).
    #[arg(long, env = "ENSEMBLE_SECURE_COOKIES")]
    secure_cookies: bool,
    #[command(flatten)]
    db: DbArgs,
}

pub async fn run(a: ServeArgs) -> anyhow::Result<()> {
    let store = a.db.connect().await?;
    if a.demo {
        crate::demo::ensure_demo_school(&store).await?;
    } else if store.is_empty().await? {
        tracing::warn!("the database is empty: run `ensemble serve --demo` for a demo school, or create an account with `ensemble user create`");
    }
    let listener = tokio::net::TcpListener::bind(&a.addr)
        .await
        .with_context(|| format!("cannot listen on {}", a.addr))?;
    let local = listener.local_addr()?;
    let config = ensemble_server::Config {
        secure_cookies: a.secure_cookies,
        ..Default::default()
    };
    println!("Ensemble is serving on http://{local}/  (Ctrl-C stops it)");
    tracing::info!(%local, backend = ?store.backend(), "serving");
    ensemble_server::serve(
        listener,
        ensemble_server::AppState::new(store.clone(), config),
    )
    .await
    .context("serving")?;
    store.close().await;
    Ok(())
}
