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
    /// Mark cookies Secure and send Strict-Transport-Security (when served over HTTPS,
    /// directly or behind a proxy).
    #[arg(long, env = "ENSEMBLE_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Minutes without a request after which a session ends.
    #[arg(long, env = "ENSEMBLE_SESSION_IDLE_MINUTES", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=1440))]
    session_idle_minutes: u64,
    /// Hours after sign-in at which a session ends, used or not.
    #[arg(long, env = "ENSEMBLE_SESSION_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u64).range(1..=720))]
    session_hours: u64,
    /// Addresses of reverse proxies whose X-Forwarded-For names the client (comma-separated);
    /// without it, the peer's address is the client's.
    #[arg(long, env = "ENSEMBLE_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxy: Vec<std::net::IpAddr>,
    #[command(flatten)]
    db: DbArgs,
}

pub async fn run(a: ServeArgs) -> anyhow::Result<()> {
    let store = a.db.connect().await?;
    if a.demo {
        crate::demo::ensure_demo_school(&store).await?;
    } else if store.is_empty().await? {
        tracing::warn!("the database is empty: open Ensemble in a browser to set it up (the first account, the district, then a OneRoster bundle from your student information system), or run `ensemble serve --demo` for a demo school");
    }
    let listener = tokio::net::TcpListener::bind(&a.addr)
        .await
        .with_context(|| format!("cannot listen on {}", a.addr))?;
    let local = listener.local_addr()?;
    if a.session_idle_minutes > a.session_hours * 60 {
        anyhow::bail!("--session-idle-minutes cannot be longer than --session-hours");
    }
    let config = ensemble_server::Config {
        secure_cookies: a.secure_cookies,
        session_idle: std::time::Duration::from_secs(a.session_idle_minutes * 60),
        session_absolute: std::time::Duration::from_secs(a.session_hours * 3600),
        trusted_proxies: a.trusted_proxy,
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
